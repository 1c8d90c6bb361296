/*
 * analyses.c - the store side of `taskmap analyze`: labels of the training
 * samples, analyses, data maps, relatedness matrices (long form, NaN as
 * NULL), groupings with memberships and merge trees, and k scores; plus the
 * reads `recommend` and the reports build on. Declared in analyses.h.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int statement_failed(struct tm_error *err)
{
	return err && err->code ? err->code : TM_ERR_DB;
}

static int bind_real_or_null(sqlite3_stmt *stmt, int index, double value)
{
	if (value != value)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_double(stmt, index, value);
}

static double column_real_or_nan(sqlite3_stmt *stmt, int column)
{
	return sqlite3_column_type(stmt, column) == SQLITE_NULL ? NAN
		: sqlite3_column_double(stmt, column);
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	return (const char *)sqlite3_column_text(stmt, column);
}

static char *copy_text(const char *text)
{
	return text ? strdup(text) : NULL;
}

/* begin_own - open a transaction unless the caller holds one; *@own says which. */
static int begin_own(struct tm_store *store, int *own, struct tm_error *err)
{
	*own = !store->in_transaction;
	return *own ? tm_store_begin(store, err) : 0;
}

/* end_own - commit (rc == 0) or roll back our own transaction; returns rc. */
static int end_own(struct tm_store *store, int own, int rc, struct tm_error *err)
{
	if (!own)
		return rc;
	if (rc == 0)
		return tm_store_commit(store, err);
	tm_store_rollback(store);
	return rc;
}

/* step_rows - step a read statement calling @row for each result; resets it. */
static int step_rows(struct tm_store *store, sqlite3_stmt *stmt,
		     int (*row)(sqlite3_stmt *stmt, void *state), void *state,
		     struct tm_error *err, const char *what)
{
	int rc, result = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((result = row(stmt, state)) != 0)
			break;
	if (result == 0 && rc != SQLITE_DONE)
		result = store_db_error(store, err, what);
	sqlite3_reset(stmt);
	return result;
}

/* ---- labels --------------------------------------------------------------- */

static const char write_labels_sql[] =
	"INSERT INTO run_labels (run_id, task_index, n_samples, encoding, labels)"
	" VALUES (?1, ?2, ?3, 'i8', ?4)";
static const char read_labels_sql[] =
	"SELECT labels FROM run_labels WHERE run_id = ?1 AND task_index = ?2";
static const char count_labels_sql[] =
	"SELECT (SELECT count(*) FROM run_labels WHERE run_id = ?1),"
	" (SELECT count(*) FROM tasks WHERE run_id = ?1)";

int tm_store_write_labels(struct tm_store *store, int64_t run_id, int64_t task_index,
			  const int8_t *labels, size_t n, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_labels_sql, err);

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, task_index);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)n);
	sqlite3_bind_blob64(stmt, 4, labels, n, SQLITE_STATIC);
	return store_step_done(store, stmt, err, "cannot record labels");
}

int tm_store_read_labels(struct tm_store *store, int64_t run_id, int64_t task_index,
			 size_t n, int8_t *out, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, read_labels_sql, err);
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, task_index);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		rc = tm_error_set(err, TM_ERR_NOT_FOUND,
				  "run %lld has no labels stored for task %lld",
				  (long long)run_id, (long long)task_index);
	else if (rc != SQLITE_ROW)
		rc = store_db_error(store, err, "cannot read labels");
	else if ((size_t)sqlite3_column_bytes(stmt, 0) != n)
		rc = tm_error_set(err, TM_ERR_INPUT,
				  "labels of task %lld have %d entries, expected %zu",
				  (long long)task_index, sqlite3_column_bytes(stmt, 0), n);
	else {
		if (n)
			memcpy(out, sqlite3_column_blob(stmt, 0), n);
		rc = 0;
	}
	sqlite3_reset(stmt);
	return rc;
}

int tm_store_has_labels(struct tm_store *store, int64_t run_id, int *has,
			struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, count_labels_sql, err);
	int rc;

	*has = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*has = sqlite3_column_int64(stmt, 1) > 0 &&
		       sqlite3_column_int64(stmt, 0) >= sqlite3_column_int64(stmt, 1);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : store_db_error(store, err, "cannot count labels");
}

/* ---- analyses --------------------------------------------------------------- */

static const char create_analysis_sql[] =
	"INSERT INTO analyses (run_id, epoch_from, epoch_to, config) VALUES (?1, ?2, ?3, ?4)";
static const char list_analyses_sql[] =
	"SELECT id, run_id, epoch_from, epoch_to, config, created_at FROM analyses"
	" WHERE ?1 = 0 OR run_id = ?1 ORDER BY id";
static const char get_analysis_sql[] =
	"SELECT id, run_id, epoch_from, epoch_to, config, created_at FROM analyses WHERE id = ?1";
static const char latest_analysis_sql[] =
	"SELECT max(id) FROM analyses WHERE ?1 = 0 OR run_id = ?1";

int tm_store_create_analysis(struct tm_store *store, struct tm_analysis_record *analysis,
			     struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, create_analysis_sql, err);
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis->run_id);
	sqlite3_bind_int64(stmt, 2, analysis->epoch_from);
	sqlite3_bind_int64(stmt, 3, analysis->epoch_to);
	sqlite3_bind_text(stmt, 4, analysis->config_json ? analysis->config_json : "{}", -1,
			  SQLITE_STATIC);
	if ((rc = store_step_done(store, stmt, err, "cannot record the analysis")) < 0)
		return rc;
	analysis->id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

struct analysis_visit {
	int (*fn)(void *context, const struct tm_analysis_record *analysis);
	void *context;
	int found;
};

static int analysis_row(sqlite3_stmt *stmt, void *state)
{
	struct analysis_visit *visit = state;
	struct tm_analysis_record record = {
		.id = sqlite3_column_int64(stmt, 0),
		.run_id = sqlite3_column_int64(stmt, 1),
		.epoch_from = sqlite3_column_int64(stmt, 2),
		.epoch_to = sqlite3_column_int64(stmt, 3),
		.config_json = column_text(stmt, 4),
		.created_at = column_text(stmt, 5),
	};

	visit->found = 1;
	return visit->fn(visit->context, &record);
}

int tm_store_list_analyses(struct tm_store *store, int64_t run_id,
			   int (*fn)(void *context, const struct tm_analysis_record *analysis),
			   void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_analyses_sql, err);
	struct analysis_visit visit = { fn, context, 0 };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	return step_rows(store, stmt, analysis_row, &visit, err, "cannot list analyses");
}

int tm_store_analysis_get(struct tm_store *store, int64_t analysis_id,
			  int (*fn)(void *context, const struct tm_analysis_record *analysis),
			  void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, get_analysis_sql, err);
	struct analysis_visit visit = { fn, context, 0 };
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	if ((rc = step_rows(store, stmt, analysis_row, &visit, err, "cannot read the analysis")) != 0)
		return rc;
	if (!visit.found)
		return tm_error_set(err, TM_ERR_NOT_FOUND, "no analysis %lld", (long long)analysis_id);
	return 0;
}

int tm_store_latest_analysis(struct tm_store *store, int64_t run_id, int64_t *analysis_id,
			     struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, latest_analysis_sql, err);
	int rc;

	*analysis_id = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*analysis_id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_db_error(store, err, "cannot find the latest analysis");
	if (!*analysis_id)
		return run_id ? tm_error_set(err, TM_ERR_NOT_FOUND,
					     "run %lld has no analysis: run `taskmap analyze` first",
					     (long long)run_id)
			: tm_error_set(err, TM_ERR_NOT_FOUND,
				       "no analysis in the database: run `taskmap analyze` first");
	return 0;
}

/* ---- data maps ---------------------------------------------------------------- */

static const char write_datamap_task_sql[] =
	"INSERT INTO datamap_tasks (analysis_id, task_index, confidence, variability,"
	" correctness, easy_fraction, ambiguous_fraction, hard_fraction)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char list_datamap_tasks_sql[] =
	"SELECT task_index, confidence, variability, correctness, easy_fraction,"
	" ambiguous_fraction, hard_fraction FROM datamap_tasks WHERE analysis_id = ?1"
	" ORDER BY task_index";
static const char write_datamap_sample_sql[] =
	"INSERT INTO datamap_samples (analysis_id, task_index, position, confidence,"
	" variability, correctness, region) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char list_datamap_samples_sql[] =
	"SELECT task_index, position, confidence, variability, correctness, region"
	" FROM datamap_samples WHERE analysis_id = ?1 AND (?2 < 0 OR task_index = ?2)"
	" ORDER BY task_index, position";

static const char *const region_names[] = { NULL, "easy", "ambiguous", "hard" };

int tm_store_write_datamap_tasks(struct tm_store *store, int64_t analysis_id,
				 const struct tm_datamap_task_record *tasks, size_t n,
				 struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_datamap_task_sql, err);
	int rc, own;

	if (!stmt)
		return statement_failed(err);
	if ((rc = begin_own(store, &own, err)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct tm_datamap_task_record *t = &tasks[i];

		sqlite3_bind_int64(stmt, 1, analysis_id);
		sqlite3_bind_int64(stmt, 2, t->task_index);
		bind_real_or_null(stmt, 3, t->confidence);
		bind_real_or_null(stmt, 4, t->variability);
		bind_real_or_null(stmt, 5, t->correctness);
		bind_real_or_null(stmt, 6, t->easy_fraction);
		bind_real_or_null(stmt, 7, t->ambiguous_fraction);
		bind_real_or_null(stmt, 8, t->hard_fraction);
		rc = store_step_done(store, stmt, err, "cannot record the data map");
	}
	return end_own(store, own, rc, err);
}

struct datamap_task_visit {
	int (*fn)(void *context, const struct tm_datamap_task_record *task);
	void *context;
};

static int datamap_task_row(sqlite3_stmt *stmt, void *state)
{
	struct datamap_task_visit *visit = state;
	struct tm_datamap_task_record record = {
		.task_index = sqlite3_column_int64(stmt, 0),
		.confidence = column_real_or_nan(stmt, 1),
		.variability = column_real_or_nan(stmt, 2),
		.correctness = column_real_or_nan(stmt, 3),
		.easy_fraction = column_real_or_nan(stmt, 4),
		.ambiguous_fraction = column_real_or_nan(stmt, 5),
		.hard_fraction = column_real_or_nan(stmt, 6),
	};

	return visit->fn(visit->context, &record);
}

int tm_store_list_datamap_tasks(struct tm_store *store, int64_t analysis_id,
				int (*fn)(void *context, const struct tm_datamap_task_record *task),
				void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_datamap_tasks_sql, err);
	struct datamap_task_visit visit = { fn, context };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	return step_rows(store, stmt, datamap_task_row, &visit, err, "cannot read the data map");
}

int tm_store_write_datamap_samples(struct tm_store *store, int64_t analysis_id,
				   const struct tm_datamap_samples *s, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_datamap_sample_sql, err);
	size_t stride = s->stride ? s->stride : 1, seen = 0;
	int rc, own;

	if (!stmt)
		return statement_failed(err);
	if ((rc = begin_own(store, &own, err)) < 0)
		return rc;
	for (size_t i = 0; i < s->n_samples && rc == 0; i++) {
		if (s->region[i] == TM_REGION_NONE || s->region[i] > TM_REGION_HARD)
			continue;
		if (seen++ % stride)
			continue;
		sqlite3_bind_int64(stmt, 1, analysis_id);
		sqlite3_bind_int64(stmt, 2, s->task_index);
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)i);
		sqlite3_bind_double(stmt, 4, s->confidence[i]);
		sqlite3_bind_double(stmt, 5, s->variability[i]);
		sqlite3_bind_double(stmt, 6, s->correctness[i]);
		sqlite3_bind_text(stmt, 7, region_names[s->region[i]], -1, SQLITE_STATIC);
		rc = store_step_done(store, stmt, err, "cannot record the data map");
	}
	return end_own(store, own, rc, err);
}

struct datamap_point_visit {
	int (*fn)(void *context, const struct tm_datamap_point *point);
	void *context;
};

static enum tm_region region_of(const char *name)
{
	for (int r = TM_REGION_EASY; r <= TM_REGION_HARD; r++)
		if (name && strcmp(name, region_names[r]) == 0)
			return (enum tm_region)r;
	return TM_REGION_NONE;
}

static int datamap_point_row(sqlite3_stmt *stmt, void *state)
{
	struct datamap_point_visit *visit = state;
	struct tm_datamap_point point = {
		.task_index = sqlite3_column_int64(stmt, 0),
		.position = sqlite3_column_int64(stmt, 1),
		.confidence = sqlite3_column_double(stmt, 2),
		.variability = sqlite3_column_double(stmt, 3),
		.correctness = sqlite3_column_double(stmt, 4),
		.region = region_of(column_text(stmt, 5)),
	};

	return visit->fn(visit->context, &point);
}

int tm_store_list_datamap_samples(struct tm_store *store, int64_t analysis_id,
				  int64_t task_index,
				  int (*fn)(void *context, const struct tm_datamap_point *point),
				  void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_datamap_samples_sql, err);
	struct datamap_point_visit visit = { fn, context };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	sqlite3_bind_int64(stmt, 2, task_index);
	return step_rows(store, stmt, datamap_point_row, &visit, err, "cannot read the data map");
}

/* ---- matrices ----------------------------------------------------------------- */

static const char create_matrix_sql[] =
	"INSERT INTO matrices (analysis_id, run_id, estimator, kind, symmetric, n_tasks, params)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char write_entry_sql[] =
	"INSERT INTO matrix_entries (matrix_id, task_i, task_j, value) VALUES (?1, ?2, ?3, ?4)";
static const char list_matrices_sql[] =
	"SELECT id, analysis_id, run_id, estimator, kind, symmetric, n_tasks, params"
	" FROM matrices WHERE analysis_id = ?1 ORDER BY id";
static const char get_matrix_sql[] =
	"SELECT id, analysis_id, run_id, estimator, kind, symmetric, n_tasks, params"
	" FROM matrices WHERE id = ?1";
static const char matrix_tasks_sql[] =
	"SELECT DISTINCT task_i FROM matrix_entries WHERE matrix_id = ?1 AND task_i = task_j"
	" ORDER BY task_i";
static const char read_entries_sql[] =
	"SELECT task_i, task_j, value FROM matrix_entries WHERE matrix_id = ?1";
static const char find_matrix_sql[] =
	"SELECT max(id) FROM matrices WHERE analysis_id = ?1 AND estimator = ?2";

static int write_entries(struct tm_store *store, const struct tm_matrix_record *m,
			 const int64_t *task_index, const double *values, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_entry_sql, err);
	size_t n = m->n_tasks;
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t j = m->symmetric ? i : 0; j < n && rc == 0; j++) {
			sqlite3_bind_int64(stmt, 1, m->id);
			sqlite3_bind_int64(stmt, 2, task_index[i]);
			sqlite3_bind_int64(stmt, 3, task_index[j]);
			bind_real_or_null(stmt, 4, values[i * n + j]);
			rc = store_step_done(store, stmt, err, "cannot record a matrix");
		}
	return rc;
}

int tm_store_write_matrix(struct tm_store *store, struct tm_matrix_record *matrix,
			  const int64_t *task_index, const double *values,
			  struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, create_matrix_sql, err);
	int rc, own;

	if (!stmt)
		return statement_failed(err);
	if ((rc = begin_own(store, &own, err)) < 0)
		return rc;
	if (matrix->analysis_id)
		sqlite3_bind_int64(stmt, 1, matrix->analysis_id);
	sqlite3_bind_int64(stmt, 2, matrix->run_id);
	sqlite3_bind_text(stmt, 3, matrix->estimator, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, matrix->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, matrix->symmetric != 0);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)matrix->n_tasks);
	sqlite3_bind_text(stmt, 7, matrix->params_json ? matrix->params_json : "{}", -1,
			  SQLITE_STATIC);
	if ((rc = store_step_done(store, stmt, err, "cannot record a matrix")) == 0) {
		matrix->id = sqlite3_last_insert_rowid(store->db);
		rc = write_entries(store, matrix, task_index, values, err);
	}
	return end_own(store, own, rc, err);
}

static void matrix_record_of(sqlite3_stmt *stmt, struct tm_matrix_record *record)
{
	record->id = sqlite3_column_int64(stmt, 0);
	record->analysis_id = sqlite3_column_int64(stmt, 1);
	record->run_id = sqlite3_column_int64(stmt, 2);
	record->estimator = column_text(stmt, 3);
	record->kind = column_text(stmt, 4);
	record->symmetric = sqlite3_column_int(stmt, 5);
	record->n_tasks = (size_t)sqlite3_column_int64(stmt, 6);
	record->params_json = column_text(stmt, 7);
}

struct matrix_visit {
	int (*fn)(void *context, const struct tm_matrix_record *matrix);
	void *context;
};

static int matrix_row(sqlite3_stmt *stmt, void *state)
{
	struct matrix_visit *visit = state;
	struct tm_matrix_record record;

	matrix_record_of(stmt, &record);
	return visit->fn(visit->context, &record);
}

int tm_store_list_matrices(struct tm_store *store, int64_t analysis_id,
			   int (*fn)(void *context, const struct tm_matrix_record *matrix),
			   void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_matrices_sql, err);
	struct matrix_visit visit = { fn, context };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	return step_rows(store, stmt, matrix_row, &visit, err, "cannot list matrices");
}

void tm_matrix_free(struct tm_matrix *matrix)
{
	if (!matrix)
		return;
	free((char *)matrix->record.estimator);
	free((char *)matrix->record.kind);
	free((char *)matrix->record.params_json);
	free(matrix->task_index);
	free(matrix->values);
	free(matrix);
}

/* read_matrix_header - the matrices row into a new *@out (no values yet). */
static int read_matrix_header(struct tm_store *store, int64_t matrix_id,
			      struct tm_matrix **out, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, get_matrix_sql, err);
	struct tm_matrix *m;
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, matrix_id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		if (rc == SQLITE_DONE)
			return tm_error_set(err, TM_ERR_NOT_FOUND, "no matrix %lld",
					    (long long)matrix_id);
		return store_db_error(store, err, "cannot read a matrix");
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		sqlite3_reset(stmt);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	matrix_record_of(stmt, &m->record);
	m->record.estimator = copy_text(m->record.estimator);
	m->record.kind = copy_text(m->record.kind);
	m->record.params_json = copy_text(m->record.params_json);
	sqlite3_reset(stmt);
	*out = m;
	if (!m->record.estimator || !m->record.kind || !m->record.params_json)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	return 0;
}

struct task_list {
	int64_t *task_index;
	size_t n, capacity;
};

static int task_list_row(sqlite3_stmt *stmt, void *state)
{
	struct task_list *list = state;

	if (list->n == list->capacity)
		return TM_ERR_INPUT;
	list->task_index[list->n++] = sqlite3_column_int64(stmt, 0);
	return 0;
}

/* position_of - binary search of @task in the ascending @tasks; -1 if absent. */
static ptrdiff_t position_of(const int64_t *tasks, size_t n, int64_t task)
{
	size_t low = 0, high = n;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (tasks[middle] == task)
			return (ptrdiff_t)middle;
		if (tasks[middle] < task)
			low = middle + 1;
		else
			high = middle;
	}
	return -1;
}

struct entry_fill {
	struct tm_matrix *matrix;
};

static int entry_row(sqlite3_stmt *stmt, void *state)
{
	struct tm_matrix *m = ((struct entry_fill *)state)->matrix;
	size_t n = m->record.n_tasks;
	ptrdiff_t i = position_of(m->task_index, n, sqlite3_column_int64(stmt, 0));
	ptrdiff_t j = position_of(m->task_index, n, sqlite3_column_int64(stmt, 1));
	double value = column_real_or_nan(stmt, 2);

	if (i < 0 || j < 0)
		return TM_ERR_INPUT;
	m->values[(size_t)i * n + (size_t)j] = value;
	if (m->record.symmetric)
		m->values[(size_t)j * n + (size_t)i] = value;
	return 0;
}

static int read_matrix_values(struct tm_store *store, struct tm_matrix *m,
			      struct tm_error *err)
{
	size_t n = m->record.n_tasks, cells;
	struct task_list list = { NULL, 0, n };
	struct entry_fill fill = { m };
	sqlite3_stmt *stmt;
	int rc;

	if (tm_size_mul(n, n, &cells) < 0 ||
	    !(m->task_index = malloc((n ? n : 1) * sizeof(int64_t))) ||
	    !(m->values = malloc((cells ? cells : 1) * sizeof(double))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t c = 0; c < cells; c++)
		m->values[c] = NAN;
	list.task_index = m->task_index;
	if (!(stmt = store_statement(store, matrix_tasks_sql, err)))
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, m->record.id);
	if ((rc = step_rows(store, stmt, task_list_row, &list, err, "cannot read a matrix")) != 0 ||
	    list.n != n)
		return rc < 0 && rc != TM_ERR_INPUT ? rc
			: tm_error_set(err, TM_ERR_INPUT, "matrix %lld is incomplete",
				       (long long)m->record.id);
	if (!(stmt = store_statement(store, read_entries_sql, err)))
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, m->record.id);
	if ((rc = step_rows(store, stmt, entry_row, &fill, err, "cannot read a matrix")) == TM_ERR_INPUT)
		return tm_error_set(err, rc, "matrix %lld has entries outside its tasks",
				    (long long)m->record.id);
	return rc;
}

int tm_store_read_matrix(struct tm_store *store, int64_t matrix_id, struct tm_matrix **out,
			 struct tm_error *err)
{
	struct tm_matrix *m = NULL;
	int rc;

	*out = NULL;
	if ((rc = read_matrix_header(store, matrix_id, &m, err)) < 0 ||
	    (rc = read_matrix_values(store, m, err)) < 0)
		goto out;
	*out = m;
	m = NULL;
out:
	tm_matrix_free(m);
	return rc;
}

int tm_store_find_matrix(struct tm_store *store, int64_t analysis_id, const char *estimator,
			 int64_t *matrix_id, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, find_matrix_sql, err);
	int rc;

	*matrix_id = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	sqlite3_bind_text(stmt, 2, estimator, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*matrix_id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_db_error(store, err, "cannot find a matrix");
	if (!*matrix_id)
		return tm_error_set(err, TM_ERR_NOT_FOUND, "analysis %lld has no '%s' matrix",
				    (long long)analysis_id, estimator);
	return 0;
}

static const char find_run_matrix_sql[] =
	"SELECT max(id) FROM matrices WHERE analysis_id IS NULL AND run_id = ?1 AND estimator = ?2";

int tm_store_find_run_matrix(struct tm_store *store, int64_t run_id, const char *estimator,
			     int64_t *matrix_id, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, find_run_matrix_sql, err);
	int rc;

	*matrix_id = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, estimator, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*matrix_id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_db_error(store, err, "cannot find a matrix");
	if (!*matrix_id)
		return tm_error_set(err, TM_ERR_NOT_FOUND,
				    "run %lld has no recorded '%s' matrix (train it with --affinity %s)",
				    (long long)run_id, estimator, estimator);
	return 0;
}

/* ---- groupings ---------------------------------------------------------------- */

static const char create_grouping_sql[] =
	"INSERT INTO groupings (analysis_id, matrix_id, run_id, source, clustering, k,"
	" k_criterion, stability, unstable, recommended, params)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char clear_recommended_sql[] =
	"UPDATE groupings SET recommended = 0 WHERE analysis_id = ?1";
static const char write_member_sql[] =
	"INSERT INTO grouping_members (grouping_id, task_index, group_index, membership,"
	" assigned, stability) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char write_step_sql[] =
	"INSERT INTO merge_steps (grouping_id, step, left_node, right_node, height, size)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
#define GROUPING_COLUMNS \
	"g.id, g.analysis_id, g.matrix_id, g.run_id, g.source, m.estimator, g.clustering," \
	" g.k, g.k_criterion, g.stability, g.unstable, g.recommended, g.params, g.created_at" \
	" FROM groupings g LEFT JOIN matrices m ON m.id = g.matrix_id"
static const char list_groupings_sql[] =
	"SELECT " GROUPING_COLUMNS " WHERE g.analysis_id = ?1 ORDER BY g.id";
static const char get_grouping_sql[] =
	"SELECT " GROUPING_COLUMNS " WHERE g.id = ?1";
static const char read_members_sql[] =
	"SELECT task_index, group_index, membership, assigned, stability FROM grouping_members"
	" WHERE grouping_id = ?1 ORDER BY task_index, group_index";
static const char read_steps_sql[] =
	"SELECT left_node, right_node, height, size FROM merge_steps WHERE grouping_id = ?1"
	" ORDER BY step";
static const char recommended_sql[] =
	"SELECT g.id FROM groupings g JOIN analyses a ON a.id = g.analysis_id"
	" WHERE g.recommended AND (?1 = 0 OR a.run_id = ?1) AND (?2 = 0 OR a.id = ?2)"
	" ORDER BY a.id DESC, g.id DESC LIMIT 1";

static int write_grouping_row(struct tm_store *store, struct tm_grouping_record *g,
			      struct tm_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (g->recommended && g->analysis_id) {
		if (!(stmt = store_statement(store, clear_recommended_sql, err)))
			return statement_failed(err);
		sqlite3_bind_int64(stmt, 1, g->analysis_id);
		if ((rc = store_step_done(store, stmt, err, "cannot record a grouping")) < 0)
			return rc;
	}
	if (!(stmt = store_statement(store, create_grouping_sql, err)))
		return statement_failed(err);
	if (g->analysis_id)
		sqlite3_bind_int64(stmt, 1, g->analysis_id);
	if (g->matrix_id)
		sqlite3_bind_int64(stmt, 2, g->matrix_id);
	sqlite3_bind_int64(stmt, 3, g->run_id);
	sqlite3_bind_text(stmt, 4, g->source ? g->source : "analysis", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, g->clustering, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, g->k);
	store_bind_text_or_null(stmt, 7, g->k_criterion);
	bind_real_or_null(stmt, 8, g->stability);
	sqlite3_bind_int(stmt, 9, g->unstable != 0);
	sqlite3_bind_int(stmt, 10, g->recommended != 0);
	sqlite3_bind_text(stmt, 11, g->params_json ? g->params_json : "{}", -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, stmt, err, "cannot record a grouping")) < 0)
		return rc;
	g->id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

static int write_members(struct tm_store *store, int64_t grouping_id,
			 const struct tm_grouping_member *members, size_t n,
			 struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_member_sql, err);
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(stmt, 1, grouping_id);
		sqlite3_bind_int64(stmt, 2, members[i].task_index);
		sqlite3_bind_int64(stmt, 3, members[i].group_index);
		sqlite3_bind_double(stmt, 4, isfinite(members[i].membership) ? members[i].membership : 0);
		sqlite3_bind_int(stmt, 5, members[i].assigned != 0);
		bind_real_or_null(stmt, 6, members[i].stability);
		rc = store_step_done(store, stmt, err, "cannot record a grouping");
	}
	return rc;
}

static int write_steps(struct tm_store *store, int64_t grouping_id,
		       const struct tm_merge_step *steps, size_t n, struct tm_error *err)
{
	sqlite3_stmt *stmt;
	int rc = 0;

	if (n == 0)
		return 0;
	if (!(stmt = store_statement(store, write_step_sql, err)))
		return statement_failed(err);
	for (size_t s = 0; s < n && rc == 0; s++) {
		sqlite3_bind_int64(stmt, 1, grouping_id);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)s);
		sqlite3_bind_int64(stmt, 3, steps[s].left_node);
		sqlite3_bind_int64(stmt, 4, steps[s].right_node);
		sqlite3_bind_double(stmt, 5, steps[s].height);
		sqlite3_bind_int64(stmt, 6, steps[s].size);
		rc = store_step_done(store, stmt, err, "cannot record a merge tree");
	}
	return rc;
}

int tm_store_write_grouping(struct tm_store *store, struct tm_grouping_record *grouping,
			    const struct tm_grouping_member *members, size_t n_members,
			    const struct tm_merge_step *steps, size_t n_steps,
			    struct tm_error *err)
{
	int rc, own;

	if ((rc = begin_own(store, &own, err)) < 0)
		return rc;
	if ((rc = write_grouping_row(store, grouping, err)) == 0 &&
	    (rc = write_members(store, grouping->id, members, n_members, err)) == 0)
		rc = write_steps(store, grouping->id, steps, n_steps, err);
	return end_own(store, own, rc, err);
}

static void grouping_record_of(sqlite3_stmt *stmt, struct tm_grouping_record *g)
{
	g->id = sqlite3_column_int64(stmt, 0);
	g->analysis_id = sqlite3_column_int64(stmt, 1);
	g->matrix_id = sqlite3_column_int64(stmt, 2);
	g->run_id = sqlite3_column_int64(stmt, 3);
	g->source = column_text(stmt, 4);
	g->estimator = column_text(stmt, 5);
	g->clustering = column_text(stmt, 6);
	g->k = sqlite3_column_int64(stmt, 7);
	g->k_criterion = column_text(stmt, 8);
	g->stability = column_real_or_nan(stmt, 9);
	g->unstable = sqlite3_column_int(stmt, 10);
	g->recommended = sqlite3_column_int(stmt, 11);
	g->params_json = column_text(stmt, 12);
	g->created_at = column_text(stmt, 13);
}

struct grouping_visit {
	int (*fn)(void *context, const struct tm_grouping_record *grouping);
	void *context;
};

static int grouping_row(sqlite3_stmt *stmt, void *state)
{
	struct grouping_visit *visit = state;
	struct tm_grouping_record record;

	grouping_record_of(stmt, &record);
	return visit->fn(visit->context, &record);
}

int tm_store_list_groupings(struct tm_store *store, int64_t analysis_id,
			    int (*fn)(void *context, const struct tm_grouping_record *grouping),
			    void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_groupings_sql, err);
	struct grouping_visit visit = { fn, context };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	return step_rows(store, stmt, grouping_row, &visit, err, "cannot list groupings");
}

void tm_grouping_free(struct tm_grouping *g)
{
	if (!g)
		return;
	free((char *)g->record.source);
	free((char *)g->record.estimator);
	free((char *)g->record.clustering);
	free((char *)g->record.k_criterion);
	free((char *)g->record.params_json);
	free((char *)g->record.created_at);
	free(g->members);
	free(g->task_index);
	free(g->assignment);
	free(g->steps);
	free(g);
}

/* copy_grouping_strings - replace the borrowed strings by copies (freed by tm_grouping_free). */
static int copy_grouping_strings(struct tm_grouping_record *r)
{
	const char **fields[] = { &r->source, &r->estimator, &r->clustering, &r->k_criterion,
				  &r->params_json, &r->created_at };
	int failed = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *text = *fields[i];

		*fields[i] = copy_text(text);
		failed |= text && !*fields[i];
	}
	return failed ? -1 : 0;
}

static int read_grouping_header(struct tm_store *store, int64_t grouping_id,
				struct tm_grouping *g, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, get_grouping_sql, err);
	int rc, failed;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, grouping_id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		if (rc == SQLITE_DONE)
			return tm_error_set(err, TM_ERR_NOT_FOUND, "no grouping %lld",
					    (long long)grouping_id);
		return store_db_error(store, err, "cannot read a grouping");
	}
	grouping_record_of(stmt, &g->record);
	failed = copy_grouping_strings(&g->record);
	sqlite3_reset(stmt);
	return failed ? tm_error_set(err, TM_ERR_NOMEM, "out of memory") : 0;
}

/* A growable array filled row by row. */
struct rows {
	void *items;
	size_t n, capacity, size;
};

static void *rows_next(struct rows *rows)
{
	if (rows->n == rows->capacity) {
		size_t capacity = rows->capacity ? 2 * rows->capacity : 16;
		void *items = realloc(rows->items, capacity * rows->size);

		if (!items)
			return NULL;
		rows->items = items;
		rows->capacity = capacity;
	}
	return (char *)rows->items + rows->size * rows->n++;
}

static int member_row(sqlite3_stmt *stmt, void *state)
{
	struct tm_grouping_member *m = rows_next(state);

	if (!m)
		return TM_ERR_NOMEM;
	m->task_index = sqlite3_column_int64(stmt, 0);
	m->group_index = sqlite3_column_int64(stmt, 1);
	m->membership = sqlite3_column_double(stmt, 2);
	m->assigned = sqlite3_column_int(stmt, 3);
	m->stability = column_real_or_nan(stmt, 4);
	return 0;
}

static int step_row(sqlite3_stmt *stmt, void *state)
{
	struct tm_merge_step *s = rows_next(state);

	if (!s)
		return TM_ERR_NOMEM;
	s->left_node = sqlite3_column_int64(stmt, 0);
	s->right_node = sqlite3_column_int64(stmt, 1);
	s->height = sqlite3_column_double(stmt, 2);
	s->size = sqlite3_column_int64(stmt, 3);
	return 0;
}

/* derive_assignment - the distinct tasks and each one's hard group, from members. */
static int derive_assignment(struct tm_grouping *g)
{
	size_t n = 0;

	g->task_index = malloc((g->n_members ? g->n_members : 1) * sizeof(int64_t));
	g->assignment = malloc((g->n_members ? g->n_members : 1) * sizeof(int64_t));
	if (!g->task_index || !g->assignment)
		return TM_ERR_NOMEM;
	for (size_t i = 0; i < g->n_members; i++) {
		const struct tm_grouping_member *m = &g->members[i];

		if (n == 0 || g->task_index[n - 1] != m->task_index) {
			g->task_index[n] = m->task_index;
			g->assignment[n++] = m->group_index;
		}
		if (m->assigned)
			g->assignment[n - 1] = m->group_index;
	}
	g->n_tasks = n;
	return 0;
}

static int read_grouping_rows(struct tm_store *store, struct tm_grouping *g,
			      struct tm_error *err)
{
	struct rows members = { NULL, 0, 0, sizeof(struct tm_grouping_member) };
	struct rows steps = { NULL, 0, 0, sizeof(struct tm_merge_step) };
	sqlite3_stmt *stmt;
	int rc = statement_failed(err);

	if ((stmt = store_statement(store, read_members_sql, err))) {
		sqlite3_bind_int64(stmt, 1, g->record.id);
		rc = step_rows(store, stmt, member_row, &members, err, "cannot read a grouping");
	}
	g->members = members.items;
	g->n_members = members.n;
	if (rc == 0 && (stmt = store_statement(store, read_steps_sql, err))) {
		sqlite3_bind_int64(stmt, 1, g->record.id);
		rc = step_rows(store, stmt, step_row, &steps, err, "cannot read a merge tree");
	} else if (rc == 0) {
		rc = statement_failed(err);
	}
	g->steps = steps.items;
	g->n_steps = steps.n;
	if (rc == 0)
		rc = derive_assignment(g);
	if (rc == TM_ERR_NOMEM)
		tm_error_set(err, rc, "out of memory");
	return rc;
}

int tm_store_read_grouping(struct tm_store *store, int64_t grouping_id,
			   struct tm_grouping **out, struct tm_error *err)
{
	struct tm_grouping *g = calloc(1, sizeof(*g));
	int rc;

	*out = NULL;
	if (!g)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = read_grouping_header(store, grouping_id, g, err)) < 0 ||
	    (rc = read_grouping_rows(store, g, err)) < 0)
		goto out;
	*out = g;
	g = NULL;
out:
	tm_grouping_free(g);
	return rc;
}

int tm_store_recommended_grouping(struct tm_store *store, int64_t run_id,
				  int64_t analysis_id, int64_t *grouping_id,
				  struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, recommended_sql, err);
	int rc;

	*grouping_id = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, analysis_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*grouping_id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(store, err, "cannot find the recommended grouping");
	if (!*grouping_id) {
		if (analysis_id)
			return tm_error_set(err, TM_ERR_NOT_FOUND,
					    "analysis %lld has no recommended grouping",
					    (long long)analysis_id);
		return tm_error_set(err, TM_ERR_NOT_FOUND,
				    "no recommended grouping: run `taskmap analyze` first");
	}
	return 0;
}

/* ---- k scores ----------------------------------------------------------------- */

static const char write_k_score_sql[] =
	"INSERT INTO k_scores (analysis_id, matrix_id, clustering, criterion, k, score)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char list_k_scores_sql[] =
	"SELECT matrix_id, clustering, criterion, k, score FROM k_scores WHERE analysis_id = ?1"
	" ORDER BY matrix_id, clustering, criterion, k";

int tm_store_write_k_scores(struct tm_store *store, int64_t analysis_id,
			    const struct tm_k_score *scores, size_t n, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, write_k_score_sql, err);
	int rc, own;

	if (!stmt)
		return statement_failed(err);
	if ((rc = begin_own(store, &own, err)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(stmt, 1, analysis_id);
		if (scores[i].matrix_id)
			sqlite3_bind_int64(stmt, 2, scores[i].matrix_id);
		sqlite3_bind_text(stmt, 3, scores[i].clustering, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, scores[i].criterion, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, scores[i].k);
		bind_real_or_null(stmt, 6, scores[i].score);
		rc = store_step_done(store, stmt, err, "cannot record k scores");
	}
	return end_own(store, own, rc, err);
}

struct k_score_visit {
	int (*fn)(void *context, const struct tm_k_score *score);
	void *context;
};

static int k_score_row(sqlite3_stmt *stmt, void *state)
{
	struct k_score_visit *visit = state;
	struct tm_k_score score = {
		.matrix_id = sqlite3_column_int64(stmt, 0),
		.clustering = column_text(stmt, 1),
		.criterion = column_text(stmt, 2),
		.k = sqlite3_column_int64(stmt, 3),
		.score = column_real_or_nan(stmt, 4),
	};

	return visit->fn(visit->context, &score);
}

int tm_store_list_k_scores(struct tm_store *store, int64_t analysis_id,
			   int (*fn)(void *context, const struct tm_k_score *score),
			   void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_k_scores_sql, err);
	struct k_score_visit visit = { fn, context };

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, analysis_id);
	return step_rows(store, stmt, k_score_row, &visit, err, "cannot read k scores");
}
