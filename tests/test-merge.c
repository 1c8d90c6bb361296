/*
 * test-merge.c - tm_store_merge: every table of the schema is known to the
 * merge (a migration that adds a table or an id column without telling
 * store/merge.c fails here), runs are copied with new ids, a run still being
 * trained by another process or a name clash is refused with nothing
 * written. tests/cli/merge.sh merges real trained and analysed runs.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "test-helpers.h"

Suite *merge_suite(void);

static char *dir, *out_path, *a_path, *b_path;

static void setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	out_path = test_path(dir, "out.db");
	a_path = test_path(dir, "a.db");
	b_path = test_path(dir, "b.db");
}

static void teardown(void)
{
	test_remove_tree(dir);
	free(out_path);
	free(a_path);
	free(b_path);
	free(dir);
}

/* make_db - a database at @path with runs named @names (NULL-ended), each with two tasks. */
static void make_db(const char *path, const char *const *names, const char *status)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_store_open(&store, path, 0, &err), 0);
	for (; *names; names++) {
		struct tm_dataset_record dataset = { .name = "toy", .format = "synth",
						     .n_samples = 10, .n_features = 3, .n_tasks = 2 };
		struct tm_run_record run = { .name = *names, .kind = "train", .status = status,
					     .config_json = "{}", .seed = 1, .n_epochs = 3 };
		struct tm_task_record tasks[2] = { { .index = 0, .name = "alpha" },
						   { .index = 1, .name = "beta" } };

		ck_assert_int_eq(tm_store_add_dataset(store, &dataset, &run.dataset_id, &err), 0);
		ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
		ck_assert_int_eq(tm_store_add_tasks(store, run.id, tasks, 2, &err), 0);
	}
	tm_store_close(store);
}

struct seen {
	char names[8][32];
	char statuses[8][32];
	int64_t ids[8], tasks[8];
	int n;
};

static int remember_run(void *context, const struct tm_run_record *run)
{
	struct seen *seen = context;

	if (seen->n < 8) {
		snprintf(seen->names[seen->n], 32, "%s", run->name);
		snprintf(seen->statuses[seen->n], 32, "%s", run->status);
		seen->ids[seen->n] = run->id;
		seen->tasks[seen->n] = run->n_tasks;
	}
	seen->n++;
	return 0;
}

static struct seen list_runs(const char *path)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct seen seen = { .n = 0 };

	ck_assert_int_eq(tm_store_open(&store, path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(tm_store_list_runs(store, remember_run, &seen, &err), 0);
	tm_store_close(store);
	return seen;
}

START_TEST(every_table_is_known_to_merge)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_msg(tm_store_merge_check_schema(store, &err) == 0, "%s", err.message);
	tm_store_close(store);
}
END_TEST

/* The guard itself: a table or an id column the merge was not told about is caught. */
START_TEST(an_unknown_table_or_id_column_is_caught)
{
	static const char *const changes[] = {
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
		"ALTER TABLE tasks ADD COLUMN owner_id INTEGER",
	};
	static const char *const named[] = { "'notes'", "tasks.owner_id" };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	tm_store_close(store);
	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' '%s'", out_path, changes[_i]), 0);
	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_merge_check_schema(store, &err), TM_ERR_DB);
	ck_assert_msg(strstr(err.message, named[_i]), "%s", err.message);
	tm_store_close(store);
}
END_TEST

START_TEST(runs_are_copied_with_new_ids)
{
	static const char *const a_runs[] = { "a1", "a2", NULL }, *const b_runs[] = { "b1", NULL };
	static const char *const out_runs[] = { "o1", NULL };
	const char *inputs[2] = { a_path, b_path };
	struct tm_merge_counts counts[2];
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct seen seen;

	make_db(out_path, out_runs, TM_RUN_DONE);
	make_db(a_path, a_runs, TM_RUN_DONE);
	make_db(b_path, b_runs, TM_RUN_DONE);
	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_msg(tm_store_merge(store, inputs, 2, NULL, counts, &err) == 0, "%s", err.message);
	tm_store_close(store);
	ck_assert_int_eq(counts[0].runs, 2);
	ck_assert_int_eq(counts[0].datasets, 2);
	ck_assert_int_eq(counts[0].rows, 2 + 2 + 4); /* datasets, runs, tasks */
	ck_assert_int_eq(counts[1].runs, 1);
	seen = list_runs(out_path);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_str_eq(seen.names[0], "o1");
	ck_assert_str_eq(seen.names[1], "a1");
	ck_assert_str_eq(seen.names[2], "a2");
	ck_assert_str_eq(seen.names[3], "b1");
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(seen.ids[i], i + 1);
		ck_assert_int_eq(seen.tasks[i], 2);
	}
}
END_TEST

START_TEST(a_clash_writes_nothing)
{
	static const char *const a_runs[] = { "a1", NULL }, *const b_runs[] = { "b1", "a1", NULL };
	const char *inputs[2] = { a_path, b_path };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	make_db(a_path, a_runs, TM_RUN_DONE);
	make_db(b_path, b_runs, TM_RUN_DONE);
	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_merge(store, inputs, 2, NULL, NULL, &err), TM_ERR_INPUT);
	ck_assert_msg(strstr(err.message, "run 'a1' is in both"), "%s", err.message);
	/* the connection is usable afterwards, and the inputs are detached */
	ck_assert_int_eq(tm_store_merge(store, inputs, 1, NULL, NULL, &err), 0);
	tm_store_close(store);
	ck_assert_int_eq(list_runs(out_path).n, 1);
}
END_TEST

/* A run claimed by a live process is refused; once it died, it is copied as interrupted. */
START_TEST(running_runs)
{
	static const char *const a_runs[] = { "busy", NULL };
	const char *inputs[1] = { a_path };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int ready[2], status;
	char byte;
	pid_t child;

	make_db(a_path, a_runs, TM_RUN_RUNNING);
	ck_assert_int_eq(pipe(ready), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct tm_store *trainer = NULL;

		if (tm_store_open(&trainer, a_path, 0, NULL) < 0 ||
		    tm_store_claim_run(trainer, 1, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_merge(store, inputs, 1, NULL, NULL, &err), TM_ERR_DENIED);
	ck_assert_msg(strstr(err.message, "being trained right now"), "%s", err.message);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	close(ready[0]);
	close(ready[1]);
	ck_assert_int_eq(list_runs(out_path).n, 0);
	ck_assert_msg(tm_store_merge(store, inputs, 1, NULL, NULL, &err) == 0, "%s", err.message);
	tm_store_close(store);
	{
		struct seen seen = list_runs(out_path);

		ck_assert_int_eq(seen.n, 1);
		ck_assert_str_eq(seen.statuses[0], TM_RUN_INTERRUPTED);
	}
}
END_TEST

START_TEST(bad_inputs)
{
	static const char *const a_runs[] = { "a1", NULL };
	const char *twice[2] = { a_path, a_path }, *self[1] = { out_path }, *missing[1] = { b_path };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };

	make_db(a_path, a_runs, TM_RUN_DONE);
	ck_assert_int_eq(tm_store_open(&store, out_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_merge(store, twice, 2, NULL, NULL, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_store_merge(store, self, 1, NULL, NULL, &err), TM_ERR_USAGE);
	ck_assert_int_eq(tm_store_merge(store, missing, 1, NULL, NULL, &err), TM_ERR_NOT_FOUND);
	ck_assert_int_eq(access(b_path, F_OK), -1); /* not created by the attempt */
	tm_store_close(store);
	ck_assert_int_eq(list_runs(out_path).n, 0);
}
END_TEST

Suite *merge_suite(void)
{
	Suite *suite = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_table_is_known_to_merge);
	tcase_add_loop_test(tc, an_unknown_table_or_id_column_is_caught, 0, 2);
	tcase_add_test(tc, runs_are_copied_with_new_ids);
	tcase_add_test(tc, a_clash_writes_nothing);
	tcase_add_test(tc, running_runs);
	tcase_add_test(tc, bad_inputs);
	suite_add_tcase(suite, tc);
	return suite;
}
