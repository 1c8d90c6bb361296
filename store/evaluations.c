/*
 * evaluations.c - writing evaluations and their held-out results
 * (evaluations.h): one prepared insert per table, NaN and "unknown" counts
 * stored as NULL, in the caller's transaction when one is open.
 */
#include "internal.h"

#include <math.h>

static const char insert_evaluation_sql[] =
	"INSERT INTO evaluations (run_id, grouping_id, label, kind, groups, n_seeds,"
	" models_trained, parameter_updates, seconds, config, reference_id, delta_m,"
	" negative_transfer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

static const char insert_result_sql[] =
	"INSERT INTO evaluation_results (evaluation_id, seed, task_index, roc_auc, f1, accuracy,"
	" threshold, valid_roc_auc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static void bind_real(sqlite3_stmt *stmt, int index, double value)
{
	if (isnan(value))
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_double(stmt, index, value);
}

/* bind_count - @value, or NULL when negative (unknown). */
static void bind_count(sqlite3_stmt *stmt, int index, int64_t value)
{
	if (value < 0)
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_int64(stmt, index, value);
}

/* bind_id - @id, or NULL for 0 (none). */
static void bind_id(sqlite3_stmt *stmt, int index, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_int64(stmt, index, id);
}

static int insert_evaluation(struct tm_store *store, struct tm_evaluation_record *e,
			     struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_evaluation_sql, err);
	int rc;

	if (!stmt)
		return err && err->code ? err->code : TM_ERR_DB;
	sqlite3_bind_int64(stmt, 1, e->run_id);
	bind_id(stmt, 2, e->grouping_id);
	sqlite3_bind_text(stmt, 3, e->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, e->groups_json ? e->groups_json : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, e->n_seeds);
	bind_count(stmt, 7, e->models_trained);
	bind_count(stmt, 8, e->parameter_updates);
	bind_real(stmt, 9, e->seconds);
	sqlite3_bind_text(stmt, 10, e->config_json ? e->config_json : "{}", -1, SQLITE_STATIC);
	bind_id(stmt, 11, e->reference_id);
	bind_real(stmt, 12, e->delta_m);
	bind_count(stmt, 13, e->negative_transfer);
	if ((rc = store_step_done(store, stmt, err, "cannot store the evaluation")) < 0)
		return rc;
	e->id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

static int insert_results(struct tm_store *store, int64_t evaluation_id,
			  const struct tm_evaluation_result *results, size_t n,
			  struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_result_sql, err);
	int rc = 0;

	if (!stmt)
		return err && err->code ? err->code : TM_ERR_DB;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct tm_evaluation_result *r = &results[i];

		sqlite3_bind_int64(stmt, 1, evaluation_id);
		sqlite3_bind_int64(stmt, 2, r->seed);
		sqlite3_bind_int64(stmt, 3, r->task_index);
		bind_real(stmt, 4, r->roc_auc);
		bind_real(stmt, 5, r->f1);
		bind_real(stmt, 6, r->accuracy);
		bind_real(stmt, 7, r->threshold);
		bind_real(stmt, 8, r->valid_roc_auc);
		rc = store_step_done(store, stmt, err, "cannot store an evaluation result");
	}
	return rc;
}

int tm_store_write_evaluation(struct tm_store *store, struct tm_evaluation_record *evaluation,
			      const struct tm_evaluation_result *results, size_t n,
			      struct tm_error *err)
{
	int own = !store->in_transaction, rc;

	if (own && (rc = tm_store_begin(store, err)) < 0)
		return rc;
	if ((rc = insert_evaluation(store, evaluation, err)) == 0)
		rc = insert_results(store, evaluation->id, results, n, err);
	if (!own)
		return rc;
	if (rc == 0)
		return tm_store_commit(store, err);
	tm_store_rollback(store);
	return rc;
}
