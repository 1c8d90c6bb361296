/*
 * internal.h - what the files of store/ share: the connection struct, the
 * prepared-statement cache and SQLite error translation. Not installed, not
 * included outside store/.
 */
#ifndef TM_STORE_INTERNAL_H
#define TM_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

#define STORE_MAX_STATEMENTS 96
#define STORE_BUSY_TIMEOUT_MS 10000 /* how long a connection waits for a lock */
#define STORE_COMMIT_PATIENCE_MS 600000 /* how long a commit waits for readers, in all */

struct cached_statement {
	const char *sql; /* the static string it was prepared from (key by address) */
	sqlite3_stmt *stmt;
};

struct tm_store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	int in_transaction;
	int liveness_fd;        /* "<db>.trainers", opened on first use; -1 before */
	int64_t *claimed;       /* runs this connection claimed (tm_store_claim_run) */
	size_t n_claimed;
	size_t n_cached;
	struct cached_statement cache[STORE_MAX_STATEMENTS];
};

/*
 * store_statement - the prepared statement for @sql (a string with static
 * storage: its address is the cache key), reset and with bindings cleared.
 * Prepared on first use and kept until tm_store_close. NULL on error, with
 * @err filled.
 */
sqlite3_stmt *store_statement(struct tm_store *store, const char *sql,
			      struct tm_error *err);

/*
 * store_db_error - fill @err with "@what: <sqlite message>" and return the
 * matching code (TM_ERR_DB, or TM_ERR_IO for disk-full and I/O errors).
 */
int store_db_error(struct tm_store *store, struct tm_error *err,
		   const char *what);

/* store_exec - run SQL without results (schema, pragmas). */
int store_exec(struct tm_store *store, const char *sql, struct tm_error *err);

/* store_step_done - step a write statement to completion, then reset it. */
int store_step_done(struct tm_store *store, sqlite3_stmt *stmt,
		    struct tm_error *err, const char *what);

/* store_bind_text_or_null - bind @text, or NULL when @text is NULL. */
int store_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text);

/*
 * store_run_alive - 1 when another process holds run @run_id's liveness
 * lock or this connection claimed it, 0 when nobody does (the run's process
 * is gone), or 1 as well when that cannot be told (no lock file access).
 */
int store_run_alive(struct tm_store *store, int64_t run_id);

/* store_liveness_release - drop the claims and close the lock file. */
void store_liveness_release(struct tm_store *store);

/* store_migrate - bring the schema to the current version (in transactions). */
int store_migrate(struct tm_store *store, struct tm_error *err);

/* store_schema_current - the version store_migrate reaches. */
int store_schema_current(void);

#endif
