/*
 * report-reads.c - the reads `taskmap report` needs beyond analyses.c: a
 * dataset's row, and evaluations summarised over their held-out results
 * (per-seed means aggregated in SQL, the spread across seeds in C so no
 * SQLite math functions are needed). Declared in report-reads.h.
 */
#include "internal.h"

#include <math.h>

static const char dataset_get_sql[] =
	"SELECT id, name, source_path, sha256, format, n_samples, n_features, n_tasks"
	" FROM datasets WHERE id = ?1";

/* Per seed first, then over seeds: mean, sum of squares and count of the per-seed AUC. */
static const char evaluation_summaries_sql[] =
	"WITH per_seed AS ("
	"  SELECT evaluation_id, seed, avg(roc_auc) AS auc, sum(f1) AS f1_sum,"
	"   count(f1) AS f1_n, sum(accuracy) AS acc_sum, count(accuracy) AS acc_n,"
	"   sum(roc_auc) AS auc_sum, count(roc_auc) AS auc_n, count(*) AS n"
	"  FROM evaluation_results GROUP BY evaluation_id, seed)"
	" SELECT e.id, e.grouping_id, e.label, e.kind, e.n_seeds, e.models_trained, e.seconds,"
	"  sum(p.auc_sum) * 1.0 / sum(p.auc_n), avg(p.auc), sum(p.auc * p.auc), count(p.auc),"
	"  sum(p.f1_sum) * 1.0 / sum(p.f1_n), sum(p.acc_sum) * 1.0 / sum(p.acc_n),"
	"  coalesce(sum(p.n), 0), e.delta_m, e.negative_transfer"
	" FROM evaluations e LEFT JOIN per_seed p ON p.evaluation_id = e.id"
	" WHERE e.run_id = ?1 OR e.grouping_id IN (SELECT id FROM groupings WHERE run_id = ?1)"
	" GROUP BY e.id ORDER BY e.id";

static double real_or_nan(sqlite3_stmt *stmt, int column)
{
	return sqlite3_column_type(stmt, column) == SQLITE_NULL ? NAN
		: sqlite3_column_double(stmt, column);
}

static const char *text_column(sqlite3_stmt *stmt, int column)
{
	return (const char *)sqlite3_column_text(stmt, column);
}

int tm_store_dataset_get(struct tm_store *store, int64_t dataset_id,
			 int (*fn)(void *context, const struct tm_dataset_info *dataset),
			 void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, dataset_get_sql, err);
	struct tm_dataset_info info;
	int rc;

	if (!stmt)
		return err && err->code ? err->code : TM_ERR_DB;
	sqlite3_bind_int64(stmt, 1, dataset_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(stmt);
		return tm_error_set(err, TM_ERR_NOT_FOUND, "no dataset with id %lld",
				    (long long)dataset_id);
	}
	if (rc != SQLITE_ROW) {
		rc = store_db_error(store, err, "cannot read the dataset");
		sqlite3_reset(stmt);
		return rc;
	}
	info = (struct tm_dataset_info){
		.id = sqlite3_column_int64(stmt, 0),
		.name = text_column(stmt, 1),
		.source_path = text_column(stmt, 2),
		.sha256 = text_column(stmt, 3),
		.format = text_column(stmt, 4),
		.n_samples = sqlite3_column_int64(stmt, 5),
		.n_features = sqlite3_column_int64(stmt, 6),
		.n_tasks = sqlite3_column_int64(stmt, 7),
	};
	rc = fn(context, &info);
	sqlite3_reset(stmt);
	return rc;
}

/* seed_spread - sample standard deviation from sum, sum of squares and count. */
static double seed_spread(double mean, double sum_squares, int64_t n)
{
	double variance;

	if (n < 2 || mean != mean)
		return NAN;
	variance = (sum_squares - n * mean * mean) / (double)(n - 1);
	return variance > 0 ? sqrt(variance) : 0;
}

static void read_summary(sqlite3_stmt *stmt, struct tm_evaluation_summary *summary)
{
	double seed_mean = real_or_nan(stmt, 8);

	*summary = (struct tm_evaluation_summary){
		.id = sqlite3_column_int64(stmt, 0),
		.grouping_id = sqlite3_column_int64(stmt, 1),
		.label = text_column(stmt, 2),
		.kind = text_column(stmt, 3),
		.n_seeds = sqlite3_column_int64(stmt, 4),
		.models_trained = sqlite3_column_type(stmt, 5) == SQLITE_NULL
			? -1 : sqlite3_column_int64(stmt, 5),
		.seconds = real_or_nan(stmt, 6),
		.roc_auc = real_or_nan(stmt, 7),
		.roc_auc_sd = seed_spread(seed_mean, real_or_nan(stmt, 9),
					  sqlite3_column_int64(stmt, 10)),
		.f1 = real_or_nan(stmt, 11),
		.accuracy = real_or_nan(stmt, 12),
		.n_results = sqlite3_column_int64(stmt, 13),
		.delta_m = real_or_nan(stmt, 14),
		.negative_transfer = sqlite3_column_type(stmt, 15) == SQLITE_NULL
			? -1 : sqlite3_column_int64(stmt, 15),
	};
}

int tm_store_list_evaluation_summaries(struct tm_store *store, int64_t run_id,
				       int (*fn)(void *context,
						 const struct tm_evaluation_summary *evaluation),
				       void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, evaluation_summaries_sql, err);
	struct tm_evaluation_summary summary;
	int rc, result = 0;

	if (!stmt)
		return err && err->code ? err->code : TM_ERR_DB;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_summary(stmt, &summary);
		if ((result = fn(context, &summary)) != 0)
			break;
	}
	if (result == 0 && rc != SQLITE_DONE)
		result = store_db_error(store, err, "cannot read the evaluations");
	sqlite3_reset(stmt);
	return result;
}
