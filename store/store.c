/*
 * store.c - opening, checking and closing the database, transactions, the
 * prepared-statement cache and SQLite error translation.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int store_db_error(struct tm_store *store, struct tm_error *err, const char *what)
{
	int saved_errno = errno; /* of the system call that failed, when one did */
	int code = store && store->db ? sqlite3_extended_errcode(store->db) : SQLITE_ERROR;
	int primary = code & 0xff, system_errno = 0;
	int tm_code = TM_ERR_DB;

	if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
	    primary == SQLITE_READONLY || primary == SQLITE_PERM)
		tm_code = TM_ERR_IO;
	/*
	 * "disk I/O error" alone does not say what to fix: add the system's
	 * reason (EFBIG under `ulimit -f`, EIO...). SQLite's own record of it
	 * is often cleared by the rollback that follows, errno is not.
	 */
	if (primary == SQLITE_IOERR && store && store->db &&
	    !(system_errno = sqlite3_system_errno(store->db)))
		system_errno = saved_errno;
	if (system_errno)
		return tm_error_set(err, tm_code, "%s: %s (%s)", what, sqlite3_errmsg(store->db),
				    strerror(system_errno));
	if (primary == SQLITE_BUSY)
		return tm_error_set(err, tm_code,
				    "%s: the database stayed locked by another connection (another taskmap writing, or a reader that keeps a transaction open, such as a sqlite3 shell after BEGIN or an unfinished cursor)",
				    what);
	if (code == SQLITE_READONLY_ROLLBACK)
		return tm_error_set(err, tm_code,
				    "%s: a process writing it died mid-commit, and its journal must be rolled back first, which takes write access to '%s' and its directory (any taskmap command that writes, or the sqlite3 shell)",
				    what, store->path);
	return tm_error_set(err, tm_code, "%s: %s", what,
			    store && store->db ? sqlite3_errmsg(store->db) : "no connection");
}

int store_exec(struct tm_store *store, const char *sql, struct tm_error *err)
{
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_error(store, err, "database error");
	return 0;
}

sqlite3_stmt *store_statement(struct tm_store *store, const char *sql,
			      struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;

	for (size_t i = 0; i < store->n_cached; i++) {
		if (store->cache[i].sql == sql) {
			stmt = store->cache[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
			       NULL) != SQLITE_OK) {
		store_db_error(store, err, "cannot prepare a statement");
		return NULL;
	}
	if (store->n_cached < STORE_MAX_STATEMENTS) {
		store->cache[store->n_cached].sql = sql;
		store->cache[store->n_cached].stmt = stmt;
		store->n_cached++;
		return stmt;
	}
	/* A full cache is a programming error: more statements than planned. */
	sqlite3_finalize(stmt);
	tm_error_set(err, TM_ERR_DB, "statement cache full (raise STORE_MAX_STATEMENTS)");
	return NULL;
}

int store_step_done(struct tm_store *store, sqlite3_stmt *stmt,
		    struct tm_error *err, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = store_db_error(store, err, what);
		sqlite3_reset(stmt);
		return rc;
	}
	sqlite3_reset(stmt);
	return 0;
}

int store_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text)
{
	if (!text)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

/* check_path - refuse directories, FIFOs and devices before SQLite opens them. */
static int check_path(const char *path, unsigned flags, struct tm_error *err)
{
	struct stat info;

	if (stat(path, &info) != 0) {
		if (errno != ENOENT)
			return tm_error_set(err, TM_ERR_IO, "cannot open database '%s': %s",
					    path, strerror(errno));
		if (flags & TM_STORE_READONLY)
			return tm_error_set(err, TM_ERR_NOT_FOUND,
					    "no database at '%s' (create one with 'taskmap train', 'taskmap import' or 'taskmap demo', or name another with --db)",
					    path);
		return 0;
	}
	if (S_ISDIR(info.st_mode))
		return tm_error_set(err, TM_ERR_IO, "cannot open database '%s': it is a directory", path);
	if (!S_ISREG(info.st_mode))
		return tm_error_set(err, TM_ERR_IO,
				    "cannot open database '%s': not a regular file", path);
	return 0;
}

/*
 * check_is_taskmap - read-only checks before anything is written: the file
 * must be an SQLite database and either empty or marked as taskmap's.
 */
static int check_is_taskmap(struct tm_store *store, struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc, application_id = 0, n_objects = 0;

	rc = sqlite3_prepare_v2(store->db,
				"SELECT (SELECT application_id FROM pragma_application_id),"
				" (SELECT count(*) FROM sqlite_schema)", -1, &stmt, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		application_id = sqlite3_column_int(stmt, 0);
		n_objects = sqlite3_column_int(stmt, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK) {
		if ((sqlite3_errcode(store->db) & 0xff) == SQLITE_NOTADB)
			return tm_error_set(err, TM_ERR_IO,
					    "cannot open database '%s': not an SQLite database (left untouched)",
					    store->path);
		return store_db_error(store, err, "cannot read the database");
	}
	if (application_id != TM_STORE_APPLICATION_ID && (application_id != 0 || n_objects > 0))
		return tm_error_set(err, TM_ERR_IO,
				    "cannot open database '%s': an SQLite database, but not one of taskmap's (left untouched)",
				    store->path);
	return 0;
}

/*
 * New databases get 16 KiB pages: a recorded BLOB (2 bytes x training
 * samples, 18 KB on delicious) then spans 2 pages instead of 5, so a commit
 * handles fewer pages. SQLite ignores the pragma for a database that
 * already has tables, so older files keep their pages.
 */
#define STORE_PAGE_SIZE 16384

/*
 * use_rollback_journal - journal_mode=DELETE for this connection, converting
 * a file an older taskmap left in WAL mode. Leaving WAL needs the file to
 * itself: while another connection reads it, SQLite refuses at once (no
 * busy wait), and this connection stays in WAL (correct, only slower,
 * SQLite checkpointing it) until a later open converts the file.
 */
static int use_rollback_journal(struct tm_store *store, struct tm_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(store->db, "PRAGMA journal_mode = DELETE", -1, &stmt, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW || (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return 0;
	return store_db_error(store, err, "cannot set the journal mode");
}

static int configure(struct tm_store *store, struct tm_error *err)
{
	char sql[64];
	int rc;

	if ((rc = store_exec(store, "PRAGMA foreign_keys = ON", err)) < 0)
		return rc;
	if (store->flags & TM_STORE_READONLY)
		return 0;
	/*
	 * A rollback journal with synchronous=FULL: each commit is fsynced, so a
	 * committed epoch survives a power cut as well as a killed process
	 * (docs/schema.md, "Durability"). An epoch's BLOBs are appended to the
	 * file, which the journal does not copy, so each byte is written once;
	 * WAL wrote it twice (the WAL, then the checkpoint) and cost a delicious
	 * run 20 ms more CPU an epoch and 0.2 s more to close (bench/RESULTS.md).
	 */
	snprintf(sql, sizeof(sql), "PRAGMA page_size = %d", STORE_PAGE_SIZE);
	if ((rc = store_exec(store, sql, err)) < 0 || (rc = use_rollback_journal(store, err)) < 0 ||
	    (rc = store_exec(store, "PRAGMA synchronous = FULL", err)) < 0)
		return rc;
	/*
	 * Debian's SQLite zeroes every freed page (secure_delete ON), which
	 * makes the journal copy them: FAST zeroes only what is written anyway.
	 */
	return store_exec(store, "PRAGMA secure_delete = FAST", err);
}

/*
 * why_not_opened - after SQLite failed to open @path, the system's reason
 * (an errno), or 0. SQLite's own errno is of its last attempt (a read-only
 * retry: ENOENT where creating the file met EACCES), so ask again: can the
 * existing file be read (and written), or can a new one be created? A file
 * created by this probe is removed at once; O_EXCL means it was ours.
 */
static int why_not_opened(const char *path, unsigned flags)
{
	int fd;

	if (access(path, F_OK) == 0)
		return access(path, (flags & TM_STORE_READONLY) ? R_OK : R_OK | W_OK) == 0 ? 0 : errno;
	if (errno != ENOENT || (flags & TM_STORE_READONLY))
		return errno;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/*
 * sidecar_exists - whether "<path><suffix>" exists (SQLite's -journal, -wal
 * and -shm).
 */
static int sidecar_exists(const char *path, const char *suffix)
{
	char name[PATH_MAX];

	if (snprintf(name, sizeof(name), "%s%s", path, suffix) >= (int)sizeof(name))
		return 1; /* cannot tell: assume it does */
	return access(name, F_OK) == 0;
}

/*
 * immutable_uri - for a read-only open of a database in a directory this
 * process cannot write, with no -journal, -wal or -shm file beside it: a
 * URI with immutable=1, else NULL. A WAL database (left by an older
 * taskmap) needs its -shm file even to be read, and SQLite cannot create it
 * there; without a -journal or -wal file nothing is pending, and nobody can
 * write the database without creating one in that directory, so reading it
 * as immutable reads what is committed. The path is percent-encoded. The
 * result is new (free()).
 */
static char *immutable_uri(const char *path, unsigned flags)
{
	static const char prefix[] = "file:", suffix[] = "?immutable=1";
	char *dir, *uri, *out;
	int writable;

	if (!(flags & TM_STORE_READONLY) || sidecar_exists(path, "-wal") ||
	    sidecar_exists(path, "-shm") || sidecar_exists(path, "-journal") ||
	    !(dir = strdup(path)))
		return NULL;
	writable = access(strchr(dir, '/') ? dirname(dir) : ".", W_OK) == 0;
	free(dir);
	if (writable || !(uri = malloc(sizeof(prefix) + 3 * strlen(path) + sizeof(suffix))))
		return NULL;
	out = uri + sprintf(uri, "%s", prefix);
	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		out += isalnum(*c) || strchr("/-._~", *c) ? sprintf(out, "%c", *c)
			: sprintf(out, "%%%02X", *c);
	strcpy(out, suffix);
	return uri;
}

/*
 * marked_as_taskmap - whether the file's SQLite header carries taskmap's
 * application id (big-endian at byte 68), read without SQLite.
 */
static int marked_as_taskmap(const char *path)
{
	unsigned char header[72];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : pread(fd, header, sizeof(header), 0);

	if (fd >= 0)
		close(fd);
	return got == (ssize_t)sizeof(header) &&
	       memcmp(header, "SQLite format 3", 16) == 0 &&
	       ((uint32_t)header[68] << 24 | (uint32_t)header[69] << 16 |
		(uint32_t)header[70] << 8 | header[71]) == TM_STORE_APPLICATION_ID;
}

/*
 * roll_back_hot_journal - a read-only open finds "<path>-journal" beside the
 * database: most likely a commit in progress, but if its process died the
 * journal is "hot" and SQLite must roll it back before anyone reads, which
 * a read-only connection cannot do (SQLITE_READONLY_ROLLBACK). When this
 * process may write the file and the file is taskmap's (another program's
 * database is left byte for byte as it is), a short read-write connection
 * reads the schema, which rolls a hot journal back and leaves a live one
 * alone (its writer holds a lock). Nothing committed changes; errors are
 * left to the read-only open that follows.
 */
static void roll_back_hot_journal(const char *path)
{
	sqlite3 *db = NULL;

	if (!sidecar_exists(path, "-journal") || access(path, W_OK) != 0 ||
	    !marked_as_taskmap(path))
		return;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
		sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	}
	sqlite3_close(db);
}

int tm_store_open(struct tm_store **out, const char *path, unsigned flags,
		  struct tm_error *err)
{
	struct tm_store *store = NULL;
	int open_flags = (flags & TM_STORE_READONLY) ? SQLITE_OPEN_READONLY
		: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	char *uri = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_path(path, flags, err)) < 0)
		return rc;
	if (!(store = calloc(1, sizeof(*store))) || !(store->path = strdup(path))) {
		free(store);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	store->flags = flags;
	store->liveness_fd = -1;
	if (flags & TM_STORE_READONLY)
		roll_back_hot_journal(path);
	if ((uri = immutable_uri(path, flags)))
		open_flags |= SQLITE_OPEN_URI;
	if (sqlite3_open_v2(uri ? uri : path, &store->db, open_flags, NULL) != SQLITE_OK) {
		/* "unable to open database file" alone does not say what to fix */
		int system_errno = why_not_opened(path, flags);

		rc = tm_error_set(err, TM_ERR_IO, "cannot open database '%s': %s%s%s%s", path,
				  store->db ? sqlite3_errmsg(store->db) : "out of memory",
				  system_errno ? " (" : "",
				  system_errno ? strerror(system_errno) : "",
				  system_errno ? ")" : "");
		goto fail;
	}
	/*
	 * The busy handler comes before the first read: even a reader can find
	 * the database locked for a moment (another process committing), and
	 * must wait rather than fail.
	 */
	sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(store->db, 1);
	if ((rc = check_is_taskmap(store, err)) < 0 || (rc = configure(store, err)) < 0 ||
	    (rc = store_migrate(store, err)) < 0)
		goto fail;
	free(uri);
	*out = store;
	return 0;
fail:
	free(uri);
	tm_store_close(store);
	return rc;
}

void tm_store_close(struct tm_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->n_cached; i++)
		sqlite3_finalize(store->cache[i].stmt);
	if (store->in_transaction)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(store->db);
	store_liveness_release(store);
	free(store->path);
	free(store);
}

int tm_store_schema_version(void)
{
	return store_schema_current();
}

const char *tm_store_path(const struct tm_store *store)
{
	return store->path;
}

int tm_store_begin(struct tm_store *store, struct tm_error *err)
{
	int rc = store_exec(store, "BEGIN IMMEDIATE", err);

	if (rc == 0)
		store->in_transaction = 1;
	return rc;
}

/*
 * A commit needs the file to itself: it waits for the statements reading at
 * that moment (the busy timeout), and while a reader keeps a transaction
 * open (a sqlite3 shell after BEGIN, an unfinished cursor) it tries again,
 * the transaction kept, for up to STORE_COMMIT_PATIENCE_MS in all, as
 * SQLite itself does when a large transaction must spill pages.
 */
int tm_store_commit(struct tm_store *store, struct tm_error *err)
{
	int rc, waited = 0;

	while ((rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK &&
	       (rc & 0xff) == SQLITE_BUSY && waited < STORE_COMMIT_PATIENCE_MS)
		waited += STORE_BUSY_TIMEOUT_MS;
	if (rc != SQLITE_OK)
		return store_db_error(store, err, "database error");
	store->in_transaction = 0;
	return 0;
}

void tm_store_rollback(struct tm_store *store)
{
	if (store && store->in_transaction) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		store->in_transaction = 0;
	}
}
