/*
 * store.h - the taskmap results database (SQLite): opening and migrating it,
 * and the typed reads and writes every other module uses. This module is the
 * only one that includes sqlite3.h; nothing outside it sees SQL, except the
 * read-only `tm_store_query` that serves `taskmap query`.
 *
 * Schema: docs/schema.md. Versioned with PRAGMA user_version; the file is
 * marked with PRAGMA application_id = TM_STORE_APPLICATION_ID.
 *
 * Conventions: functions return 0 or a negative enum tm_err and fill the
 * optional struct tm_error. Strings handed to callbacks are borrowed and valid
 * only during the call. A callback returning non-zero stops the iteration and
 * the function returns that value.
 */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define TM_STORE_APPLICATION_ID 0x546d6170 /* "Tmap" */

struct tm_store;

enum tm_store_flags {
	TM_STORE_READONLY = 1 << 0, /* open an existing database for reading only */
};

/*
 * tm_store_open - open (creating if needed, unless TM_STORE_READONLY) the
 * database at @path and bring its schema to the current version.
 * Refuses, without writing a byte, a file that is not an SQLite database or
 * an SQLite database that belongs to another program. On success *@out owns
 * the connection: free with tm_store_close(). On failure *@out is NULL.
 * A writable store commits through a rollback journal, fsynced
 * (docs/schema.md, "Durability"), and converts a file an older taskmap left
 * in WAL mode. A read-only open first rolls back the journal of a writer
 * that died mid-commit, when this process may write the file. A connection
 * is used by one thread at a time.
 */
int tm_store_open(struct tm_store **out, const char *path, unsigned flags,
		  struct tm_error *err);

/*
 * tm_store_close - roll back an open transaction, finalize statements and
 * close; accepts NULL.
 */
void tm_store_close(struct tm_store *store);

/* tm_store_schema_version - the schema version this build writes. */
int tm_store_schema_version(void);

/* tm_store_path - the path given to tm_store_open (borrowed). */
const char *tm_store_path(const struct tm_store *store);

/*
 * Transactions: one batch of writes between begin and commit; rollback
 * undoes it and is safe to call when no transaction is open.
 * tm_store_begin takes the write lock at once (BEGIN IMMEDIATE). The
 * commit waits for the readers of the moment to finish, and for a reader
 * that keeps a transaction open up to 10 minutes (the writes kept).
 */
int tm_store_begin(struct tm_store *store, struct tm_error *err);
int tm_store_commit(struct tm_store *store, struct tm_error *err);
void tm_store_rollback(struct tm_store *store);

/* ---- datasets ---------------------------------------------------------- */

struct tm_dataset_record {
	const char *name;        /* shown to users, e.g. "yeast" */
	const char *source_path; /* the file read, as given */
	const char *sha256;      /* of the file's bytes, hex; may be NULL */
	const char *format;      /* "arff", "libsvm", "csv", "synth", "import" */
	int64_t n_samples;
	int64_t n_features;
	int64_t n_tasks;
};

/* tm_store_add_dataset - insert a dataset row; its id goes to *@id. */
int tm_store_add_dataset(struct tm_store *store,
			 const struct tm_dataset_record *dataset, int64_t *id,
			 struct tm_error *err);

/* ---- runs ---------------------------------------------------------------- */

/* Run status values, as stored in runs.status. */
#define TM_RUN_RUNNING "running"
#define TM_RUN_DONE "done"
#define TM_RUN_FAILED "failed"
#define TM_RUN_INTERRUPTED "interrupted"

struct tm_run_record {
	int64_t id;              /* filled by tm_store_create_run */
	const char *name;        /* unique; NULL lets the store name it "run-<id>" */
	int64_t dataset_id;      /* 0 when none */
	const char *kind;        /* "train", "import" or "evaluate" */
	const char *status;      /* one of TM_RUN_* */
	const char *config_json; /* the full configuration, a JSON object */
	int64_t seed;
	int64_t n_epochs;        /* planned */
	int64_t epochs_done;     /* committed epochs */
	int64_t n_train_samples; /* samples recorded per task and epoch */
	int64_t n_tasks;         /* tasks of the run (read back only) */
	const char *dataset_name;    /* read back only */
	const char *taskmap_version; /* read back only; written from tm_version() */
	const char *started_at;      /* read back only, ISO 8601 UTC */
	const char *finished_at;     /* read back only, NULL while running */
	const char *message;         /* why it failed or stopped; may be NULL */
};

/*
 * tm_store_create_run - insert a run from @run (kind, status, config, seed,
 * n_epochs, n_train_samples, dataset_id, name). Sets run->id. When
 * run->name is NULL the run is named "run-<id>"; a name already taken is
 * refused with TM_ERR_USAGE.
 */
int tm_store_create_run(struct tm_store *store, struct tm_run_record *run,
			struct tm_error *err);

/*
 * tm_store_set_run_status - set a run's status and message (NULL clears it);
 * "done", "failed" and "interrupted" also set finished_at.
 */
int tm_store_set_run_status(struct tm_store *store, int64_t run_id,
			    const char *status, const char *message,
			    struct tm_error *err);

/*
 * tm_store_claim_run - declare that this process trains run @run_id, until
 * the store is closed or the process ends (however it ends): other
 * processes then see the run as alive. TM_ERR_DENIED when another live
 * process has claimed it. Readers show a "running" run that nobody claims
 * as "interrupted".
 */
int tm_store_claim_run(struct tm_store *store, int64_t run_id, struct tm_error *err);

/*
 * tm_store_mark_stale_runs - record as "interrupted" every run still stored
 * as "running" whose process is gone (nobody claims it), so the database
 * itself says what happened. Returns the number of runs changed, or a
 * negative code.
 */
int tm_store_mark_stale_runs(struct tm_store *store, struct tm_error *err);

/*
 * tm_store_run_get - find the run named or numbered @which (NULL: the latest
 * run) and call @fn once with it. TM_ERR_NOT_FOUND when there is none.
 */
int tm_store_run_get(struct tm_store *store, const char *which,
		     int (*fn)(void *context, const struct tm_run_record *run),
		     void *context, struct tm_error *err);

/* tm_store_run_id - shortcut: the id of the run @which (NULL: latest). */
int tm_store_run_id(struct tm_store *store, const char *which, int64_t *id,
		    struct tm_error *err);

/* tm_store_list_runs - call @fn for every run, oldest first. */
int tm_store_list_runs(struct tm_store *store,
		       int (*fn)(void *context, const struct tm_run_record *run),
		       void *context, struct tm_error *err);

/* ---- tasks -------------------------------------------------------------- */

struct tm_task_record {
	int64_t index;        /* 0-based column of the task in the run */
	const char *name;
	int64_t positives;    /* positive labels in the training split */
	int64_t labelled;     /* labelled (not missing) samples in the training split */
	const char *excluded; /* why the task is left out of analysis, or NULL */
};

/* tm_store_add_tasks - insert @n tasks of run @run_id (one transaction). */
int tm_store_add_tasks(struct tm_store *store, int64_t run_id,
		       const struct tm_task_record *tasks, size_t n,
		       struct tm_error *err);

/* tm_store_list_tasks - call @fn for each task of a run in index order. */
int tm_store_list_tasks(struct tm_store *store, int64_t run_id,
			int (*fn)(void *context, const struct tm_task_record *task),
			void *context, struct tm_error *err);

/* ---- read-only SQL -------------------------------------------------------- */

/* One result row of tm_store_query; every array has n_columns entries. */
struct tm_query_row {
	int n_columns;
	const char *const *names;  /* column names */
	const char *const *values; /* text of each value; NULL for SQL NULL */
	const int *is_number;      /* 1 where the value is an INTEGER or REAL */
};

/*
 * tm_store_query - run user SQL read-only: the caller must have opened the
 * store with TM_STORE_READONLY, and an authorizer additionally refuses any
 * write, ATTACH, PRAGMA assignment and extension loading (TM_ERR_DENIED).
 * @fn is called for every row of every statement in @sql; first with
 * values == NULL once per statement to announce its columns.
 * Reals are printed with "%.17g" so they round-trip.
 */
int tm_store_query(struct tm_store *store, const char *sql,
		   int (*fn)(void *context, const struct tm_query_row *row),
		   void *context, struct tm_error *err);

/* The records of training runs: dynamics, metrics, checkpoints. */
#include "dynamics.h"
/* What analyses write and reports read: data maps, matrices, groupings, labels. */
#include "analyses.h"
/* What only reports read: dataset rows, evaluation summaries. */
#include "report-reads.h"
/* What `taskmap evaluate` writes: evaluations and their held-out results. */
#include "evaluations.h"
/* `taskmap merge`: copying the runs of other databases into this one. */
#include "merge.h"

#endif
