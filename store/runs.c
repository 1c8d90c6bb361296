/*
 * runs.c - datasets, runs and their tasks: the rows every result hangs off.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char insert_dataset_sql[] =
	"INSERT INTO datasets (name, source_path, sha256, format, n_samples, n_features, n_tasks)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int tm_store_add_dataset(struct tm_store *store,
			 const struct tm_dataset_record *dataset, int64_t *id,
			 struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_dataset_sql, err);
	int rc;

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	store_bind_text_or_null(stmt, 1, dataset->name ? dataset->name : "unnamed");
	store_bind_text_or_null(stmt, 2, dataset->source_path);
	store_bind_text_or_null(stmt, 3, dataset->sha256);
	store_bind_text_or_null(stmt, 4, dataset->format);
	sqlite3_bind_int64(stmt, 5, dataset->n_samples);
	sqlite3_bind_int64(stmt, 6, dataset->n_features);
	sqlite3_bind_int64(stmt, 7, dataset->n_tasks);
	if ((rc = store_step_done(store, stmt, err, "cannot record the dataset")) < 0)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

static const char insert_run_sql[] =
	"INSERT INTO runs (name, dataset_id, kind, status, config, seed, n_epochs,"
	" epochs_done, n_train_samples, taskmap_version)"
	" VALUES (coalesce(?1, 'run-pending-' || hex(randomblob(8))), ?2, ?3, ?4,"
	" coalesce(?5, '{}'), ?6, ?7, ?8, ?9, ?10)";
static const char name_run_sql[] =
	"UPDATE runs SET name = 'run-' || id WHERE id = ?1";
static const char run_name_taken_sql[] =
	"SELECT 1 FROM runs WHERE name = ?1";

int tm_store_create_run(struct tm_store *store, struct tm_run_record *run,
			struct tm_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (run->name) {
		/*
		 * A name is typed on command lines and printed on one line of a
		 * table or a report title: no control characters, not empty.
		 */
		int printable = run->name[0] != '\0';

		for (const unsigned char *c = (const unsigned char *)run->name; *c; c++)
			printable &= *c >= 0x20 && *c != 0x7f;
		if (!printable)
			return tm_error_set(err, TM_ERR_USAGE,
					    "a run name must be non-empty and hold no control characters"
					    " (newline, tab, ...)");
		if (!(stmt = store_statement(store, run_name_taken_sql, err)))
			return err ? err->code : TM_ERR_DB;
		sqlite3_bind_text(stmt, 1, run->name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc == SQLITE_ROW)
			return tm_error_set(err, TM_ERR_USAGE,
					    "a run named '%s' exists already (choose another --run name)",
					    run->name);
	}
	if (!(stmt = store_statement(store, insert_run_sql, err)))
		return err ? err->code : TM_ERR_DB;
	store_bind_text_or_null(stmt, 1, run->name);
	if (run->dataset_id > 0)
		sqlite3_bind_int64(stmt, 2, run->dataset_id);
	store_bind_text_or_null(stmt, 3, run->kind ? run->kind : "train");
	store_bind_text_or_null(stmt, 4, run->status ? run->status : TM_RUN_RUNNING);
	store_bind_text_or_null(stmt, 5, run->config_json);
	sqlite3_bind_int64(stmt, 6, run->seed);
	sqlite3_bind_int64(stmt, 7, run->n_epochs);
	sqlite3_bind_int64(stmt, 8, run->epochs_done);
	sqlite3_bind_int64(stmt, 9, run->n_train_samples);
	sqlite3_bind_text(stmt, 10, tm_version(), -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, stmt, err, "cannot create the run")) < 0)
		return rc;
	run->id = sqlite3_last_insert_rowid(store->db);
	if (!run->name) {
		if (!(stmt = store_statement(store, name_run_sql, err)))
			return err ? err->code : TM_ERR_DB;
		sqlite3_bind_int64(stmt, 1, run->id);
		if ((rc = store_step_done(store, stmt, err, "cannot name the run")) < 0)
			return rc;
	}
	return 0;
}

static const char set_status_sql[] =
	"UPDATE runs SET status = ?2, message = ?3,"
	" finished_at = CASE WHEN ?2 = 'running' THEN NULL"
	"   ELSE strftime('%Y-%m-%dT%H:%M:%SZ','now') END"
	" WHERE id = ?1";

int tm_store_set_run_status(struct tm_store *store, int64_t run_id,
			    const char *status, const char *message,
			    struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, set_status_sql, err);

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(stmt, 3, message);
	return store_step_done(store, stmt, err, "cannot update the run's status");
}

static const char running_runs_sql[] = "SELECT id FROM runs WHERE status = 'running'";
static const char mark_stale_sql[] =
	"UPDATE runs SET status = 'interrupted',"
	" message = coalesce(message, 'the process stopped before the run finished'),"
	" finished_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	" WHERE id = ?1 AND status = 'running'";

int tm_store_mark_stale_runs(struct tm_store *store, struct tm_error *err)
{
	sqlite3_stmt *list = store_statement(store, running_runs_sql, err), *mark;
	int64_t ids[256];
	size_t n = 0;
	int rc, changed = 0;

	if (!list)
		return err ? err->code : TM_ERR_DB;
	/* at most 256 stale runs per call: more are marked by the next writer */
	while ((rc = sqlite3_step(list)) == SQLITE_ROW && n < sizeof(ids) / sizeof(ids[0])) {
		int64_t id = sqlite3_column_int64(list, 0);

		if (!store_run_alive(store, id))
			ids[n++] = id;
	}
	sqlite3_reset(list);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_error(store, err, "cannot read runs");
	if (!(mark = store_statement(store, mark_stale_sql, err)))
		return err ? err->code : TM_ERR_DB;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(mark, 1, ids[i]);
		if ((rc = store_step_done(store, mark, err, "cannot mark stale runs")) < 0)
			return rc;
		changed += sqlite3_changes(store->db);
	}
	return changed;
}

#define RUN_COLUMNS \
	"SELECT r.id, r.name, coalesce(r.dataset_id, 0), r.kind, r.status, r.config," \
	" coalesce(r.seed, 0), coalesce(r.n_epochs, 0), r.epochs_done," \
	" coalesce(r.n_train_samples, 0)," \
	" (SELECT count(*) FROM tasks t WHERE t.run_id = r.id), d.name," \
	" r.taskmap_version, r.started_at, r.finished_at, r.message" \
	" FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id"

static const char list_runs_sql[] = RUN_COLUMNS " ORDER BY r.id";
static const char latest_run_sql[] = RUN_COLUMNS " ORDER BY r.id DESC LIMIT 1";
static const char named_run_sql[] =
	RUN_COLUMNS " WHERE r.name = ?1 OR (?1 GLOB '[0-9]*' AND r.id = CAST(?1 AS INTEGER))"
	" ORDER BY r.name = ?1 DESC LIMIT 1";

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	return (const char *)sqlite3_column_text(stmt, column);
}

static void read_run(sqlite3_stmt *stmt, struct tm_run_record *run)
{
	run->id = sqlite3_column_int64(stmt, 0);
	run->name = column_text(stmt, 1);
	run->dataset_id = sqlite3_column_int64(stmt, 2);
	run->kind = column_text(stmt, 3);
	run->status = column_text(stmt, 4);
	run->config_json = column_text(stmt, 5);
	run->seed = sqlite3_column_int64(stmt, 6);
	run->n_epochs = sqlite3_column_int64(stmt, 7);
	run->epochs_done = sqlite3_column_int64(stmt, 8);
	run->n_train_samples = sqlite3_column_int64(stmt, 9);
	run->n_tasks = sqlite3_column_int64(stmt, 10);
	run->dataset_name = column_text(stmt, 11);
	run->taskmap_version = column_text(stmt, 12);
	run->started_at = column_text(stmt, 13);
	run->finished_at = column_text(stmt, 14);
	run->message = column_text(stmt, 15);
}

/* each_run - step @stmt, calling @fn per row; returns rows seen or < 0. */
static int each_run(struct tm_store *store, sqlite3_stmt *stmt,
		    int (*fn)(void *, const struct tm_run_record *), void *context,
		    struct tm_error *err)
{
	struct tm_run_record run;
	int rc, rows = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		rows++;
		read_run(stmt, &run);
		if (strcmp(run.status, TM_RUN_RUNNING) == 0 && !store_run_alive(store, run.id)) {
			run.status = TM_RUN_INTERRUPTED; /* its process is gone */
			if (!run.message)
				run.message = "the process stopped before the run finished";
		}
		if ((rc = fn(context, &run)) != 0) {
			sqlite3_reset(stmt);
			return rc;
		}
	}
	if (rc != SQLITE_DONE)
		rows = store_db_error(store, err, "cannot read runs");
	sqlite3_reset(stmt);
	return rows;
}

int tm_store_run_get(struct tm_store *store, const char *which,
		     int (*fn)(void *context, const struct tm_run_record *run),
		     void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, which ? named_run_sql : latest_run_sql, err);
	int rc;

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	if (which)
		sqlite3_bind_text(stmt, 1, which, -1, SQLITE_TRANSIENT);
	rc = each_run(store, stmt, fn, context, err);
	if (rc == 0) {
		if (which)
			return tm_error_set(err, TM_ERR_NOT_FOUND,
					    "no run named '%s' (see 'taskmap runs')", which);
		return tm_error_set(err, TM_ERR_NOT_FOUND,
				    "the database '%s' holds no runs yet", store->path);
	}
	return rc < 0 ? rc : 0;
}

static int keep_id(void *context, const struct tm_run_record *run)
{
	*(int64_t *)context = run->id;
	return 0;
}

int tm_store_run_id(struct tm_store *store, const char *which, int64_t *id,
		    struct tm_error *err)
{
	return tm_store_run_get(store, which, keep_id, id, err);
}

int tm_store_list_runs(struct tm_store *store,
		       int (*fn)(void *context, const struct tm_run_record *run),
		       void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_runs_sql, err);
	int rc;

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	rc = each_run(store, stmt, fn, context, err);
	return rc < 0 ? rc : 0;
}

static const char insert_task_sql[] =
	"INSERT INTO tasks (run_id, task_index, name, positives, labelled, excluded)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int tm_store_add_tasks(struct tm_store *store, int64_t run_id,
		       const struct tm_task_record *tasks, size_t n,
		       struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_task_sql, err);
	int rc, own_transaction = !store->in_transaction;

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	if (own_transaction && (rc = tm_store_begin(store, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_int64(stmt, 2, tasks[i].index);
		sqlite3_bind_text(stmt, 3, tasks[i].name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 4, tasks[i].positives);
		sqlite3_bind_int64(stmt, 5, tasks[i].labelled);
		store_bind_text_or_null(stmt, 6, tasks[i].excluded);
		if ((rc = store_step_done(store, stmt, err, "cannot record a task")) < 0) {
			if (own_transaction)
				tm_store_rollback(store);
			return rc;
		}
	}
	return own_transaction ? tm_store_commit(store, err) : 0;
}

static const char list_tasks_sql[] =
	"SELECT task_index, name, coalesce(positives, 0), coalesce(labelled, 0), excluded"
	" FROM tasks WHERE run_id = ?1 ORDER BY task_index";

int tm_store_list_tasks(struct tm_store *store, int64_t run_id,
			int (*fn)(void *context, const struct tm_task_record *task),
			void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_tasks_sql, err);
	struct tm_task_record task;
	int rc;

	if (!stmt)
		return err ? err->code : TM_ERR_DB;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		task.index = sqlite3_column_int64(stmt, 0);
		task.name = column_text(stmt, 1);
		task.positives = sqlite3_column_int64(stmt, 2);
		task.labelled = sqlite3_column_int64(stmt, 3);
		task.excluded = column_text(stmt, 4);
		if ((rc = fn(context, &task)) != 0) {
			sqlite3_reset(stmt);
			return rc;
		}
	}
	if (rc != SQLITE_DONE)
		rc = store_db_error(store, err, "cannot read tasks");
	else
		rc = 0;
	sqlite3_reset(stmt);
	return rc;
}
