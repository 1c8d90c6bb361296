/*
 * test-store.c - the results database: creation and migration, reopening,
 * readers beside a writer, read-only queries that refuse to write, and files
 * that are not taskmap databases (left byte-for-byte untouched).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "test-helpers.h"

Suite *store_suite(void);

static char *dir, *db_path;

static void setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	db_path = test_path(dir, "results.db");
}

static void teardown(void)
{
	test_remove_tree(dir);
	free(db_path);
	free(dir);
}

/* add_run - create a dataset and a done run named @name with two tasks. */
static int64_t add_run(struct tm_store *store, const char *name)
{
	struct tm_error err = { 0 };
	struct tm_dataset_record dataset = { .name = "toy", .format = "synth",
					     .n_samples = 10, .n_features = 3, .n_tasks = 2 };
	struct tm_run_record run = { .name = name, .kind = "train", .status = TM_RUN_DONE,
				     .config_json = "{\"epochs\": 3}", .seed = 1, .n_epochs = 3 };
	struct tm_task_record tasks[2] = {
		{ .index = 0, .name = "alpha", .positives = 4, .labelled = 10 },
		{ .index = 1, .name = "beta", .positives = 0, .labelled = 10,
		  .excluded = "no positive sample in the training split" },
	};

	ck_assert_int_eq(tm_store_add_dataset(store, &dataset, &run.dataset_id, &err), 0);
	ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
	ck_assert_int_eq(tm_store_add_tasks(store, run.id, tasks, 2, &err), 0);
	return run.id;
}

static int count_run(void *context, const struct tm_run_record *run)
{
	(void)run;
	(*(int *)context)++;
	return 0;
}

static int count_runs(struct tm_store *store)
{
	struct tm_error err = { 0 };
	int n = 0;

	ck_assert_int_eq(tm_store_list_runs(store, count_run, &n, &err), 0);
	return n;
}

START_TEST(creates_and_migrates_an_empty_file)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *out = NULL;

	ck_assert_int_eq(test_write_file(db_path, ""), 0); /* zero bytes: a new database */
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	tm_store_close(store);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'PRAGMA user_version; PRAGMA application_id; PRAGMA journal_mode'",
				  db_path), 0);
	{
		char expected[128];

		snprintf(expected, sizeof(expected), "%d\n%d\ndelete\n", tm_store_schema_version(),
			 TM_STORE_APPLICATION_ID);
		ck_assert_str_eq(out, expected);
	}
	free(out);
}
END_TEST

START_TEST(reopen_keeps_runs_and_names_them)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int64_t id;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "first");
	{
		struct tm_run_record unnamed = { .kind = "train", .status = TM_RUN_RUNNING };

		ck_assert_int_eq(tm_store_create_run(store, &unnamed, &err), 0);
		id = unnamed.id;
	}
	{
		struct tm_run_record clash = { .name = "first", .kind = "train" };

		ck_assert_int_eq(tm_store_create_run(store, &clash, &err), TM_ERR_USAGE);
		ck_assert_ptr_nonnull(strstr(err.message, "exists already"));
	}
	tm_store_close(store);

	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(count_runs(store), 2);
	{
		char name[32];
		int64_t found = 0;

		snprintf(name, sizeof(name), "run-%lld", (long long)id);
		ck_assert_int_eq(tm_store_run_id(store, name, &found, &err), 0);
		ck_assert_int_eq(found, id);
		ck_assert_int_eq(tm_store_run_id(store, NULL, &found, &err), 0);
		ck_assert_int_eq(found, id); /* the latest */
		ck_assert_int_eq(tm_store_run_id(store, "nope", &found, &err), TM_ERR_NOT_FOUND);
	}
	tm_store_close(store);
}
END_TEST

START_TEST(stale_running_runs_become_interrupted)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_run_record run = { .name = "crashed", .kind = "train", .status = TM_RUN_RUNNING };

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
	ck_assert_int_eq(tm_store_mark_stale_runs(store, &err), 1);
	ck_assert_int_eq(tm_store_mark_stale_runs(store, &err), 0);
	tm_store_close(store);
}
END_TEST

static int keep_status(void *context, const struct tm_run_record *run)
{
	snprintf(context, 32, "%s", run->status);
	return 0;
}

static void expect_status(const char *which, const char *expected)
{
	struct tm_store *reader = NULL;
	struct tm_error err = { 0 };
	char status[32] = "";

	ck_assert_int_eq(tm_store_open(&reader, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(tm_store_run_get(reader, which, keep_status, status, &err), 0);
	ck_assert_str_eq(status, expected);
	tm_store_close(reader);
}

START_TEST(a_claimed_run_lives_as_long_as_its_process)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_run_record run = { .name = "live", .kind = "train", .status = TM_RUN_RUNNING };
	int ready[2], status;
	pid_t child;
	char byte;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
	tm_store_close(store);
	expect_status("live", TM_RUN_INTERRUPTED); /* nobody claims it */
	ck_assert_int_eq(pipe(ready), 0);
	if ((child = fork()) == 0) {
		struct tm_store *trainer = NULL;

		if (tm_store_open(&trainer, db_path, 0, NULL) < 0 ||
		    tm_store_claim_run(trainer, run.id, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause(); /* killed by the parent */
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	expect_status("live", TM_RUN_RUNNING);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_claim_run(store, run.id, &err), TM_ERR_DENIED);
	ck_assert_int_eq(tm_store_mark_stale_runs(store, &err), 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	expect_status("live", TM_RUN_INTERRUPTED);
	ck_assert_int_eq(tm_store_mark_stale_runs(store, &err), 1);
	ck_assert_int_eq(tm_store_claim_run(store, run.id, &err), 0);
	tm_store_close(store);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(reader_works_while_a_writer_holds_a_transaction)
{
	struct tm_store *writer = NULL, *reader = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_store_open(&writer, db_path, 0, &err), 0);
	add_run(writer, "committed");
	ck_assert_int_eq(tm_store_begin(writer, &err), 0);
	add_run(writer, "pending");
	ck_assert_int_eq(tm_store_open(&reader, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(count_runs(reader), 1); /* sees the last commit, no error */
	ck_assert_int_eq(tm_store_commit(writer, &err), 0);
	ck_assert_int_eq(count_runs(reader), 2);
	tm_store_close(reader);
	tm_store_close(writer);
}
END_TEST

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* write_checkpoint_epoch - commit epoch @epoch of @run_id with a checkpoint of bytes @epoch. */
static void write_checkpoint_epoch(struct tm_store *store, int64_t run_id, int epoch)
{
	static unsigned char parameters[100000];
	struct tm_error err = { 0 };
	struct tm_epoch_record record = { .run_id = run_id, .epoch = epoch, .train_loss = NAN,
					  .valid_loss = NAN, .seconds = NAN,
					  .samples_per_second = NAN, .parameters = parameters,
					  .parameters_bytes = sizeof(parameters) };

	memset(parameters, epoch, sizeof(parameters));
	ck_assert_int_eq(tm_store_write_epoch(store, &record, &err), 0);
}

/* assert_checkpoint - the run's one checkpoint row is epoch @epoch's, read back whole. */
static void assert_checkpoint(struct tm_store *store, int64_t run_id, int epoch)
{
	struct tm_checkpoint checkpoint;
	struct tm_error err = { 0 };
	char *out = NULL, expected[32];

	ck_assert_int_eq(tm_store_read_checkpoint(store, run_id, &checkpoint, &err), 0);
	ck_assert_int_eq(checkpoint.epoch, epoch);
	ck_assert_uint_eq(checkpoint.parameters_bytes, 100000);
	for (size_t i = 0; i < checkpoint.parameters_bytes; i++)
		ck_assert_uint_eq(((unsigned char *)checkpoint.parameters)[i], (unsigned)epoch);
	tm_checkpoint_release(&checkpoint);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'SELECT count(*), max(epoch) FROM checkpoints'",
				  db_path), 0);
	snprintf(expected, sizeof(expected), "1|%d\n", epoch);
	ck_assert_str_eq(out, expected);
	free(out);
}

/*
 * Each epoch's checkpoint replaces the previous one (inserted, then the old
 * row deleted: store/dynamics.c), and a database of schema version 3, whose
 * checkpoints were keyed by run alone, keeps its checkpoint through the
 * upgrade and goes on from it.
 */
START_TEST(checkpoints_replace_each_other_and_survive_the_upgrade_from_3)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *out = NULL;
	int64_t run_id;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	run_id = add_run(store, "resumable");
	for (int epoch = 0; epoch < 3; epoch++)
		write_checkpoint_epoch(store, run_id, epoch);
	assert_checkpoint(store, run_id, 2);
	tm_store_close(store);
	/* back to version 3's table: one row per run */
	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' 'CREATE TABLE c3 (run_id INTEGER PRIMARY KEY"
				  " REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL,"
				  " parameters BLOB NOT NULL, optimizer BLOB, extra BLOB);"
				  " INSERT INTO c3 SELECT * FROM checkpoints; DROP TABLE checkpoints;"
				  " ALTER TABLE c3 RENAME TO checkpoints; PRAGMA user_version = 3'",
				  db_path), 0);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'PRAGMA user_version'", db_path), 0);
	ck_assert_int_eq(atoi(out), tm_store_schema_version());
	free(out);
	assert_checkpoint(store, run_id, 2);
	write_checkpoint_epoch(store, run_id, 3);
	assert_checkpoint(store, run_id, 3);
	tm_store_close(store);
}
END_TEST

/*
 * A database an older taskmap left in WAL mode: the first writable open
 * converts it to a rollback journal, keeps what it holds, and leaves no
 * -wal or -shm file behind.
 */
START_TEST(wal_database_is_converted_to_a_rollback_journal)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *wal = test_path(dir, "results.db-wal"), *shm = test_path(dir, "results.db-shm");
	char *out = NULL;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "old");
	tm_store_close(store);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'PRAGMA journal_mode = WAL'", db_path), 0);
	ck_assert_str_eq(out, "wal\n");
	free(out);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "new");
	tm_store_close(store);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'PRAGMA journal_mode'", db_path), 0);
	ck_assert_str_eq(out, "delete\n");
	free(out);
	ck_assert_int_eq(file_size(wal), -1);
	ck_assert_int_eq(file_size(shm), -1);
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(count_runs(store), 2);
	tm_store_close(store);
	free(wal);
	free(shm);
}
END_TEST

/*
 * hold_read_transaction - a sqlite3 shell that reads the runs of db_path
 * inside a transaction kept open for @seconds; returns once it holds its
 * lock (or has exited). Its pid, to reap: its exit status is the shell's.
 */
static pid_t hold_read_transaction(int seconds)
{
	char *marker = test_path(dir, "reading");
	pid_t reader = fork();
	int status;

	ck_assert_int_ge(reader, 0);
	if (reader == 0)
		_exit(test_run(NULL, "printf 'BEGIN;\\nSELECT count(*) FROM runs;\\n"
			       ".system touch %s\\n.system sleep %d\\nCOMMIT;\\n' | sqlite3 '%s'",
			       marker, seconds, db_path));
	while (file_size(marker) < 0 && waitpid(reader, &status, WNOHANG) == 0)
		usleep(10000);
	free(marker);
	return reader;
}

/* assert_reader_succeeded - reap @reader; its shell exited 0. */
static void assert_reader_succeeded(pid_t reader)
{
	int status;

	ck_assert_int_eq(waitpid(reader, &status, 0), reader);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * die_mid_commit - a sqlite3 shell that spills pages of an uncommitted
 * table into db_path (a 2-page cache) and kills itself, leaving a hot
 * journal.
 */
static void die_mid_commit(void)
{
	ck_assert_int_eq(test_run(NULL, "printf 'PRAGMA cache_size = 2;\\nBEGIN;\\n"
				  "CREATE TABLE scratch(x);\\nWITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
				  " SELECT i + 1 FROM c WHERE i < 64) INSERT INTO scratch"
				  " SELECT zeroblob(65536) FROM c;\\n.system kill -KILL $PPID\\n'"
				  " | sqlite3 '%s'", db_path), 137);
}

/*
 * While another process reads a WAL database, it cannot leave WAL mode: the
 * open neither fails nor waits for the reader to go (it is still there
 * afterwards), commits work in WAL mode, and the next open converts it.
 */
START_TEST(wal_database_read_elsewhere_stays_usable)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *out = NULL;
	pid_t reader;
	int status;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "old");
	tm_store_close(store);
	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' 'PRAGMA journal_mode = WAL'", db_path), 0);
	reader = hold_read_transaction(5);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "new");
	tm_store_close(store);
	ck_assert_int_eq(waitpid(reader, &status, WNOHANG), 0); /* still reading */
	assert_reader_succeeded(reader);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(count_runs(store), 2);
	tm_store_close(store);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' 'PRAGMA journal_mode'", db_path), 0);
	ck_assert_str_eq(out, "delete\n");
	free(out);
}
END_TEST

/*
 * Another program's database with the hot journal of a writer that died:
 * a read-only open refuses it, and neither the file nor its journal is
 * touched (rolling the journal back is that program's business).
 */
START_TEST(readonly_open_leaves_a_foreign_hot_journal_alone)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *journal = test_path(dir, "results.db-journal");
	char *before, *after, *journal_before, *journal_after;
	size_t size, size_after, journal_size, journal_size_after;

	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' 'CREATE TABLE notes(x);"
				  " INSERT INTO notes VALUES (1)'", db_path), 0);
	die_mid_commit();
	ck_assert_ptr_nonnull(before = test_read_file(db_path, &size));
	ck_assert_ptr_nonnull(journal_before = test_read_file(journal, &journal_size));
	ck_assert_int_gt(journal_size, 0);
	ck_assert_int_lt(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(after = test_read_file(db_path, &size_after));
	ck_assert_ptr_nonnull(journal_after = test_read_file(journal, &journal_size_after));
	ck_assert(size_after == size && memcmp(before, after, size) == 0);
	ck_assert(journal_size_after == journal_size &&
		  memcmp(journal_before, journal_after, journal_size) == 0);
	free(before);
	free(after);
	free(journal_before);
	free(journal_after);
	free(journal);
}
END_TEST

/*
 * A reader that keeps a transaction open for longer than the busy timeout
 * (12 s against 10 s) holds the commit up; the commit goes through when it
 * ends, with what the transaction wrote.
 */
START_TEST(commit_outlasts_a_reader_holding_a_transaction)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	pid_t reader;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "before");
	reader = hold_read_transaction(12);
	ck_assert_int_eq(tm_store_begin(store, &err), 0);
	add_run(store, "held up");
	ck_assert_int_eq(tm_store_commit(store, &err), 0);
	assert_reader_succeeded(reader);
	ck_assert_int_eq(count_runs(store), 2);
	tm_store_close(store);
}
END_TEST

/*
 * A writer killed mid-commit leaves a hot journal, which SQLite refuses to
 * roll back through a read-only connection: the read-only open (`taskmap
 * runs` right after a crash) rolls it back first, and reads what was
 * committed.
 */
START_TEST(readonly_open_after_a_writer_died_mid_commit)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *journal = test_path(dir, "results.db-journal"), *out = NULL;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "committed");
	tm_store_close(store);
	die_mid_commit();
	ck_assert_int_gt(file_size(journal), 0);
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(count_runs(store), 1);
	tm_store_close(store);
	ck_assert_int_eq(file_size(journal), -1);
	ck_assert_int_eq(test_run(&out, "sqlite3 '%s' \"PRAGMA integrity_check;"
				  " SELECT count(*) FROM sqlite_schema WHERE name = 'scratch'\"",
				  db_path), 0);
	ck_assert_str_eq(out, "ok\n0\n");
	free(out);
	free(journal);
}
END_TEST

static int ignore_row(void *context, const struct tm_query_row *row)
{
	(void)row;
	(*(int *)context)++;
	return 0;
}

static const char *const refused_sql[] = {
	"DELETE FROM runs",
	"DROP TABLE runs",
	"UPDATE runs SET name = 'x'",
	"INSERT INTO datasets (name, n_samples, n_features, n_tasks) VALUES ('x', 1, 1, 1)",
	"ATTACH DATABASE '/tmp/other.db' AS other",
	"PRAGMA journal_mode=DELETE",
	"PRAGMA user_version = 7",
	"SELECT load_extension('/tmp/evil.so')",
	"SELECT 1; DELETE FROM runs",
	"CREATE TABLE x (a)",
	"VACUUM",
	"SELECT * FROM pragma_journal_mode('delete')",
	"PRAGMA foreign_keys = OFF",
};

START_TEST(query_refuses_writes)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int rows = 0;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "keep");
	tm_store_close(store);
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_ne(tm_store_query(store, refused_sql[_i], ignore_row, &rows, &err), 0);
	ck_assert_msg(strstr(err.message, "refused") || strstr(err.message, "read"),
		      "unclear message: %s", err.message);
	ck_assert_int_eq(count_runs(store), 1);
	tm_store_close(store);
}
END_TEST

START_TEST(query_reads_rows_and_pragmas)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int rows = 0;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "keep");
	ck_assert_int_eq(tm_store_query(store, "SELECT 1", ignore_row, &rows, &err), TM_ERR_USAGE);
	tm_store_close(store);
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(tm_store_query(store,
					"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3)"
					" SELECT i FROM n; PRAGMA user_version; SELECT name FROM tasks",
					ignore_row, &rows, &err), 0);
	ck_assert_int_eq(rows, 3 /* column announcements */ + 3 + 1 + 2);
	tm_store_close(store);
}
END_TEST

/* count_values - a row callback counting data rows (not column announcements). */
static int count_values(void *context, const struct tm_query_row *row)
{
	if (row->values)
		(*(int *)context)++;
	return 0;
}

START_TEST(query_describes_the_schema)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int rows = 0;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	tm_store_close(store);
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	/* the columns of runs and its indexes: how a user finds what to select */
	ck_assert_msg(tm_store_query(store, "PRAGMA table_info(runs)", count_values, &rows,
				     &err) == 0, "%s", err.message);
	ck_assert_int_gt(rows, 10);
	rows = 0;
	ck_assert_msg(tm_store_query(store, "PRAGMA index_list('runs'); PRAGMA quick_check",
				     count_values, &rows, &err) == 0, "%s", err.message);
	ck_assert_int_ge(rows, 2);
	tm_store_close(store);
}
END_TEST

START_TEST(not_a_database_is_left_untouched)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	const char *text = "this is a text file\nnot a database\n";
	size_t size = 0;
	char *after;

	ck_assert_int_eq(test_write_file(db_path, text), 0);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), TM_ERR_IO);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(strstr(err.message, "not an SQLite database"));
	after = test_read_file(db_path, &size);
	ck_assert_uint_eq(size, strlen(text));
	ck_assert_str_eq(after, text);
	free(after);
	after = test_path(dir, "results.db-wal");
	ck_assert_int_ne(access(after, F_OK), 0);
	free(after);
}
END_TEST

START_TEST(foreign_sqlite_database_is_refused)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' 'CREATE TABLE notes (x)'", db_path), 0);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "not one of taskmap's"));
}
END_TEST

START_TEST(directories_and_missing_files)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_store_open(&store, dir, 0, &err), TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "directory"));
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), TM_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "no database"));
	ck_assert_int_ne(access(db_path, F_OK), 0); /* reading never creates */
}
END_TEST

START_TEST(unwritable_directory_fails_clearly)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *locked = test_path(dir, "locked"), *path = test_path(locked, "x.db");
	const char *reason;

	ck_assert_int_eq(mkdir(locked, 0500), 0);
	if (access(locked, W_OK) == 0) {
		/* root ignores permission bits: use a place nobody can create files in */
		free(path);
		path = strdup("/proc/taskmap-test.db");
	}
	/* the reason the system gives for not creating the file is in the message */
	errno = 0;
	ck_assert_int_lt(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644), 0);
	reason = strerror(errno);
	ck_assert_int_eq(tm_store_open(&store, path, 0, &err), TM_ERR_IO);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(strstr(err.message, "cannot open database"));
	ck_assert_msg(strstr(err.message, reason), "'%s' does not say '%s'", err.message, reason);
	chmod(locked, 0700);
	free(path);
	free(locked);
}
END_TEST

START_TEST(cli_query_delete_is_refused_and_data_kept)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *out = NULL;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	add_run(store, "keep");
	tm_store_close(store);
	ck_assert_int_eq(test_run(&out, "\"$TASKMAP\" --db '%s' query 'DELETE FROM runs'", db_path), 1);
	ck_assert_ptr_nonnull(strstr(out, "taskmap: query refused"));
	free(out);
	ck_assert_int_eq(test_run(&out, "\"$TASKMAP\" --db '%s' query --csv 'SELECT count(*) AS n FROM runs'",
				  db_path), 0);
	ck_assert_str_eq(out, "n\r\n1\r\n");
	free(out);
	ck_assert_int_eq(test_run(&out, "\"$TASKMAP\" --db '%s' query --json 'SELECT name, seed FROM runs'",
				  db_path), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"name\": \"keep\""));
	ck_assert_ptr_nonnull(strstr(out, "\"seed\": 1"));
	free(out);
	ck_assert_int_eq(test_run(&out, "\"$TASKMAP\" --db '%s' tasks keep", db_path), 0);
	ck_assert_ptr_nonnull(strstr(out, "no positive sample in the training split"));
	free(out);
	ck_assert_int_eq(test_run(&out, "\"$TASKMAP\" runs --db '%s'", db_path), 0);
	ck_assert_ptr_nonnull(strstr(out, "keep"));
	free(out);
}
END_TEST

Suite *store_suite(void)
{
	Suite *suite = suite_create("store");
	TCase *tc = tcase_create("store"), *journal;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, creates_and_migrates_an_empty_file);
	tcase_add_test(tc, reopen_keeps_runs_and_names_them);
	tcase_add_test(tc, stale_running_runs_become_interrupted);
	tcase_add_test(tc, a_claimed_run_lives_as_long_as_its_process);
	tcase_add_test(tc, reader_works_while_a_writer_holds_a_transaction);
	tcase_add_test(tc, checkpoints_replace_each_other_and_survive_the_upgrade_from_3);
	tcase_add_loop_test(tc, query_refuses_writes, 0,
			    (int)(sizeof(refused_sql) / sizeof(refused_sql[0])));
	tcase_add_test(tc, query_reads_rows_and_pragmas);
	tcase_add_test(tc, query_describes_the_schema);
	tcase_add_test(tc, not_a_database_is_left_untouched);
	tcase_add_test(tc, foreign_sqlite_database_is_refused);
	tcase_add_test(tc, directories_and_missing_files);
	tcase_add_test(tc, unwritable_directory_fails_clearly);
	tcase_add_test(tc, cli_query_delete_is_refused_and_data_kept);
	suite_add_tcase(suite, tc);
	/* readers hold their transactions for 5 and 12 s: longer than Check's default 4 s */
	journal = tcase_create("journal");
	tcase_add_checked_fixture(journal, setup, teardown);
	tcase_set_timeout(journal, 60);
	tcase_add_test(journal, wal_database_is_converted_to_a_rollback_journal);
	tcase_add_test(journal, wal_database_read_elsewhere_stays_usable);
	tcase_add_test(journal, readonly_open_after_a_writer_died_mid_commit);
	tcase_add_test(journal, readonly_open_leaves_a_foreign_hot_journal_alone);
	tcase_add_test(journal, commit_outlasts_a_reader_holding_a_transaction);
	suite_add_tcase(suite, journal);
	return suite;
}
