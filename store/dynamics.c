/*
 * dynamics.c - writing a training run's epochs atomically (dynamics BLOBs,
 * summaries, metrics, checkpoint) and reading them back.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

static int statement_failed(struct tm_error *err)
{
	return err ? err->code : TM_ERR_DB;
}

static const char insert_sample_sql[] =
	"INSERT INTO run_samples (run_id, split, position, sample_index, sample_name)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";

/*
 * The same for SAMPLES_PER_INSERT rows at once: a row's "?" parameters are
 * numbered on from the largest so far, so row r binds 3 + 3r, 4 + 3r and
 * 5 + 3r. One statement step per 32 rows instead of one per row: the
 * splits of a delicious run (12 920 rows) take 0.022 s instead of 0.056 s.
 */
#define SAMPLES_PER_INSERT 32
#define SAMPLE_ROW_1 ", (?1, ?2, ?, ?, ?)"
#define SAMPLE_ROW_2 SAMPLE_ROW_1 SAMPLE_ROW_1
#define SAMPLE_ROW_4 SAMPLE_ROW_2 SAMPLE_ROW_2
#define SAMPLE_ROW_8 SAMPLE_ROW_4 SAMPLE_ROW_4
#define SAMPLE_ROW_16 SAMPLE_ROW_8 SAMPLE_ROW_8
static const char insert_samples_sql[] =
	"INSERT INTO run_samples (run_id, split, position, sample_index, sample_name)"
	" VALUES (?1, ?2, ?3, ?4, ?5)" SAMPLE_ROW_16 SAMPLE_ROW_8 SAMPLE_ROW_4 SAMPLE_ROW_2
	SAMPLE_ROW_1;

/* bind_sample - row @r of an insert: position @position of @sample_index / @sample_names. */
static void bind_sample(sqlite3_stmt *stmt, int r, size_t position, const int64_t *sample_index,
			const char *const *sample_names)
{
	sqlite3_bind_int64(stmt, 3 + 3 * r, (sqlite3_int64)position);
	sqlite3_bind_int64(stmt, 4 + 3 * r, sample_index[position]);
	store_bind_text_or_null(stmt, 5 + 3 * r, sample_names ? sample_names[position] : NULL);
}

int tm_store_add_samples(struct tm_store *store, int64_t run_id, const char *split,
			 const int64_t *sample_index, const char *const *sample_names,
			 size_t n, struct tm_error *err)
{
	int rc, own = !store->in_transaction;

	if (own && (rc = tm_store_begin(store, err)) < 0)
		return rc;
	for (size_t i = 0; i < n;) {
		int rows = n - i >= SAMPLES_PER_INSERT ? SAMPLES_PER_INSERT : 1;
		sqlite3_stmt *stmt = store_statement(store, rows > 1 ? insert_samples_sql
						     : insert_sample_sql, err);

		if (!stmt) {
			rc = statement_failed(err);
			goto fail;
		}
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_text(stmt, 2, split, -1, SQLITE_STATIC);
		for (int r = 0; r < rows; r++)
			bind_sample(stmt, r, i + (size_t)r, sample_index, sample_names);
		if ((rc = store_step_done(store, stmt, err, "cannot record the split")) < 0)
			goto fail;
		i += (size_t)rows;
	}
	return own ? tm_store_commit(store, err) : 0;
fail:
	if (own)
		tm_store_rollback(store);
	return rc;
}

static const char count_samples_sql[] =
	"SELECT count(*) FROM run_samples WHERE run_id = ?1 AND split = ?2";
static const char read_samples_sql[] =
	"SELECT sample_index FROM run_samples WHERE run_id = ?1 AND split = ?2 ORDER BY position";

int tm_store_read_samples(struct tm_store *store, int64_t run_id, const char *split,
			  int64_t **sample_index, size_t *n, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, count_samples_sql, err);
	size_t count = 0, i = 0;
	int64_t *rows;
	int rc;

	*sample_index = NULL;
	*n = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, split, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		count = (size_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (!(rows = malloc((count ? count : 1) * sizeof(*rows))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (!(stmt = store_statement(store, read_samples_sql, err))) {
		free(rows);
		return statement_failed(err);
	}
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, split, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && i < count)
		rows[i++] = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(rows);
		return store_db_error(store, err, "cannot read the split");
	}
	*sample_index = rows;
	*n = i;
	return 0;
}

static const char read_sample_names_sql[] =
	"SELECT coalesce(sample_name, CAST(sample_index AS TEXT)) FROM run_samples"
	" WHERE run_id = ?1 AND split = ?2 ORDER BY position";

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int tm_store_read_sample_names(struct tm_store *store, int64_t run_id, const char *split,
			       char ***names, size_t *n, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, read_sample_names_sql, err);
	size_t count = 0, capacity = 0;
	char **list = NULL, **grown;
	int rc;

	*names = NULL;
	*n = 0;
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, split, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);

		if (count == capacity) {
			capacity = capacity ? 2 * capacity : 256;
			if (!(grown = realloc(list, capacity * sizeof(*list))))
				break;
			list = grown;
		}
		if (!(list[count] = strdup(text ? text : "")))
			break;
		count++;
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW) {
		free_names(list, count);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	if (rc != SQLITE_DONE) {
		free_names(list, count);
		return store_db_error(store, err, "cannot read the samples");
	}
	*names = list;
	*n = count;
	return 0;
}

static const char insert_dynamics_sql[] =
	"INSERT INTO dynamics (run_id, task_index, epoch, n_samples, encoding, probabilities)"
	" VALUES (?1, ?2, ?3, ?4, 'u16le', ?5)";
static const char insert_summary_sql[] =
	"INSERT INTO dynamics_summaries (run_id, task_index, n_epochs, n_samples, mean, m2, correct)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (run_id, task_index) DO UPDATE SET"
	" n_epochs = excluded.n_epochs, n_samples = excluded.n_samples, mean = excluded.mean,"
	" m2 = excluded.m2, correct = excluded.correct";
static const char insert_epoch_sql[] =
	"INSERT INTO epochs (run_id, epoch, train_loss, valid_loss, seconds, samples_per_second)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char insert_metric_sql[] =
	"INSERT INTO task_metrics (run_id, epoch, task_index, split, loss, accuracy, roc_auc)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char insert_checkpoint_sql[] =
	"INSERT INTO checkpoints (run_id, epoch, parameters, optimizer, extra)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, epoch) DO UPDATE SET"
	" parameters = excluded.parameters, optimizer = excluded.optimizer, extra = excluded.extra";
static const char delete_older_checkpoints_sql[] =
	"DELETE FROM checkpoints WHERE run_id = ?1 AND epoch < ?2";
static const char advance_run_sql[] =
	"UPDATE runs SET epochs_done = ?2 + 1 WHERE id = ?1";

/* little_endian_u16 - the BLOB bytes of @n values (a copy on big-endian hosts). */
static const void *little_endian_u16(const uint16_t *values, size_t n, uint16_t **copy)
{
	const uint16_t probe = 1;

	*copy = NULL;
	if (*(const unsigned char *)&probe == 1)
		return values;
	if (!(*copy = malloc(n * sizeof(uint16_t))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		(*copy)[i] = (uint16_t)((values[i] >> 8) | (values[i] << 8));
	return *copy;
}

static int write_dynamics(struct tm_store *store, const struct tm_epoch_record *e,
			  struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_dynamics_sql, err);
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	for (size_t t = 0; t < e->n_tasks && rc == 0; t++) {
		uint16_t *copy;
		const void *bytes = little_endian_u16(e->probabilities + t * e->n_samples,
						      e->n_samples, &copy);

		if (!bytes)
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		sqlite3_bind_int64(stmt, 1, e->run_id);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)t);
		sqlite3_bind_int64(stmt, 3, e->epoch);
		sqlite3_bind_int64(stmt, 4, (sqlite3_int64)e->n_samples);
		sqlite3_bind_blob64(stmt, 5, bytes, e->n_samples * sizeof(uint16_t), SQLITE_STATIC);
		rc = store_step_done(store, stmt, err, "cannot record dynamics");
		free(copy);
	}
	return rc;
}

static int write_summaries(struct tm_store *store, const struct tm_epoch_record *e,
			   struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_summary_sql, err);
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	for (size_t t = 0; t < e->n_tasks && rc == 0; t++) {
		const struct tm_dynamics_summary *s = &e->summaries[t];
		sqlite3_uint64 bytes = s->n_samples * sizeof(float);

		sqlite3_bind_int64(stmt, 1, e->run_id);
		sqlite3_bind_int64(stmt, 2, s->task_index);
		sqlite3_bind_int64(stmt, 3, s->n_epochs);
		sqlite3_bind_int64(stmt, 4, (sqlite3_int64)s->n_samples);
		sqlite3_bind_blob64(stmt, 5, s->mean, bytes, SQLITE_STATIC);
		sqlite3_bind_blob64(stmt, 6, s->m2, bytes, SQLITE_STATIC);
		sqlite3_bind_blob64(stmt, 7, s->correct, bytes, SQLITE_STATIC);
		rc = store_step_done(store, stmt, err, "cannot record summaries");
	}
	return rc;
}

static int write_metrics(struct tm_store *store, const struct tm_epoch_record *e,
			 struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_metric_sql, err);
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	for (size_t i = 0; i < e->n_metrics && rc == 0; i++) {
		const struct tm_task_metrics_record *m = &e->metrics[i];

		sqlite3_bind_int64(stmt, 1, e->run_id);
		sqlite3_bind_int64(stmt, 2, e->epoch);
		sqlite3_bind_int64(stmt, 3, m->task_index);
		sqlite3_bind_text(stmt, 4, m->split, -1, SQLITE_STATIC);
		bind_real_or_null(stmt, 5, m->loss);
		bind_real_or_null(stmt, 6, m->accuracy);
		bind_real_or_null(stmt, 7, m->roc_auc);
		rc = store_step_done(store, stmt, err, "cannot record metrics");
	}
	return rc;
}

static int bind_optional_blob(sqlite3_stmt *stmt, int index, const void *bytes, size_t n)
{
	if (!bytes)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_blob64(stmt, index, bytes, n, SQLITE_STATIC);
}

/*
 * write_checkpoint - the epoch's checkpoint, then the run's older one
 * deleted, in that order: the new BLOBs take pages that were free before the
 * transaction (or new ones), which the rollback journal need not copy, and
 * the old ones' pages become free for the next epoch (with secure_delete
 * FAST, store.c). Replacing the row in place would journal all of it, 1.3 MB
 * an epoch on delicious.
 */
static int write_checkpoint(struct tm_store *store, const struct tm_epoch_record *e,
			    struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, insert_checkpoint_sql, err);
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, e->run_id);
	sqlite3_bind_int64(stmt, 2, e->epoch);
	sqlite3_bind_blob64(stmt, 3, e->parameters, e->parameters_bytes, SQLITE_STATIC);
	bind_optional_blob(stmt, 4, e->optimizer, e->optimizer_bytes);
	bind_optional_blob(stmt, 5, e->extra, e->extra_bytes);
	if ((rc = store_step_done(store, stmt, err, "cannot record the checkpoint")) < 0)
		return rc;
	if (!(stmt = store_statement(store, delete_older_checkpoints_sql, err)))
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, e->run_id);
	sqlite3_bind_int64(stmt, 2, e->epoch);
	return store_step_done(store, stmt, err, "cannot replace the checkpoint");
}

static int write_epoch_rows(struct tm_store *store, const struct tm_epoch_record *e,
			    struct tm_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (!(stmt = store_statement(store, insert_epoch_sql, err)))
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, e->run_id);
	sqlite3_bind_int64(stmt, 2, e->epoch);
	bind_real_or_null(stmt, 3, e->train_loss);
	bind_real_or_null(stmt, 4, e->valid_loss);
	bind_real_or_null(stmt, 5, e->seconds);
	bind_real_or_null(stmt, 6, e->samples_per_second);
	if ((rc = store_step_done(store, stmt, err, "cannot record the epoch")) < 0 ||
	    (e->parameters && (rc = write_checkpoint(store, e, err)) < 0))
		return rc;
	if (!(stmt = store_statement(store, advance_run_sql, err)))
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, e->run_id);
	sqlite3_bind_int64(stmt, 2, e->epoch);
	return store_step_done(store, stmt, err, "cannot update the run");
}

int tm_store_write_epoch(struct tm_store *store, const struct tm_epoch_record *epoch,
			 struct tm_error *err)
{
	int rc, own = !store->in_transaction;

	if (own && (rc = tm_store_begin(store, err)) < 0)
		return rc;
	if ((epoch->probabilities && (rc = write_dynamics(store, epoch, err)) < 0) ||
	    (epoch->summaries && (rc = write_summaries(store, epoch, err)) < 0) ||
	    (rc = write_metrics(store, epoch, err)) < 0 ||
	    (rc = write_epoch_rows(store, epoch, err)) < 0 ||
	    (own && (rc = tm_store_commit(store, err)) < 0)) {
		if (own)
			tm_store_rollback(store);
		return rc;
	}
	return 0;
}

static const char read_dynamics_sql[] =
	"SELECT epoch, probabilities FROM dynamics"
	" WHERE run_id = ?1 AND task_index = ?2 AND epoch >= ?3 AND epoch < ?4 ORDER BY epoch";

static void copy_u16_le(uint16_t *out, const unsigned char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
}

int tm_store_read_dynamics(struct tm_store *store, int64_t run_id, int64_t task_index,
			   int64_t epoch_from, int64_t epoch_to, size_t n_samples,
			   uint16_t *out, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, read_dynamics_sql, err);
	int64_t expected = epoch_from;
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, task_index);
	sqlite3_bind_int64(stmt, 3, epoch_from);
	sqlite3_bind_int64(stmt, 4, epoch_to);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t epoch = sqlite3_column_int64(stmt, 0);
		const unsigned char *bytes = sqlite3_column_blob(stmt, 1);
		size_t length = (size_t)sqlite3_column_bytes(stmt, 1);

		if (epoch != expected)
			break;
		if (length != n_samples * sizeof(uint16_t)) {
			sqlite3_reset(stmt);
			return tm_error_set(err, TM_ERR_INPUT,
					    "dynamics of task %lld, epoch %lld hold %zu bytes, expected %zu",
					    (long long)task_index, (long long)epoch, length,
					    n_samples * sizeof(uint16_t));
		}
		copy_u16_le(out + (size_t)(epoch - epoch_from) * n_samples, bytes, n_samples);
		expected++;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_error(store, err, "cannot read dynamics");
	if (expected != epoch_to)
		return tm_error_set(err, TM_ERR_NOT_FOUND,
				    "no recorded dynamics for task %lld at epoch %lld",
				    (long long)task_index, (long long)expected);
	return 0;
}

static const char read_summary_sql[] =
	"SELECT n_epochs, n_samples, mean, m2, correct FROM dynamics_summaries"
	" WHERE run_id = ?1 AND task_index = ?2";

int tm_store_read_summary(struct tm_store *store, int64_t run_id, int64_t task_index,
			  size_t n_samples, float *mean, float *m2, float *correct,
			  int64_t *n_epochs, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, read_summary_sql, err);
	size_t bytes = n_samples * sizeof(float);
	int rc = 0;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, task_index);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = tm_error_set(err, TM_ERR_NOT_FOUND, "no summary for task %lld",
				  (long long)task_index);
	} else if ((size_t)sqlite3_column_int64(stmt, 1) != n_samples ||
		   (size_t)sqlite3_column_bytes(stmt, 2) != bytes ||
		   (size_t)sqlite3_column_bytes(stmt, 3) != bytes ||
		   (size_t)sqlite3_column_bytes(stmt, 4) != bytes) {
		rc = tm_error_set(err, TM_ERR_INPUT, "the summary of task %lld has the wrong size",
				  (long long)task_index);
	} else {
		*n_epochs = sqlite3_column_int64(stmt, 0);
		memcpy(mean, sqlite3_column_blob(stmt, 2), bytes);
		memcpy(m2, sqlite3_column_blob(stmt, 3), bytes);
		memcpy(correct, sqlite3_column_blob(stmt, 4), bytes);
	}
	sqlite3_reset(stmt);
	return rc;
}

static const char read_checkpoint_sql[] =
	"SELECT epoch, parameters, optimizer, extra FROM checkpoints WHERE run_id = ?1"
	" ORDER BY epoch DESC LIMIT 1";

/* copy_blob - a malloc'd copy of a BLOB column (NULL for NULL); -1 when out of memory. */
static int copy_blob(sqlite3_stmt *stmt, int column, void **out, size_t *bytes)
{
	const void *data = sqlite3_column_blob(stmt, column);

	*bytes = (size_t)sqlite3_column_bytes(stmt, column);
	*out = NULL;
	if (!data)
		return 0;
	if (!(*out = malloc(*bytes ? *bytes : 1)))
		return -1;
	memcpy(*out, data, *bytes);
	return 0;
}

int tm_store_read_checkpoint(struct tm_store *store, int64_t run_id,
			     struct tm_checkpoint *checkpoint, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, read_checkpoint_sql, err);
	int rc = 0;

	memset(checkpoint, 0, sizeof(*checkpoint));
	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = tm_error_set(err, TM_ERR_NOT_FOUND, "the run has no checkpoint to resume from");
	} else {
		checkpoint->epoch = sqlite3_column_int64(stmt, 0);
		if (copy_blob(stmt, 1, &checkpoint->parameters, &checkpoint->parameters_bytes) < 0 ||
		    copy_blob(stmt, 2, &checkpoint->optimizer, &checkpoint->optimizer_bytes) < 0 ||
		    copy_blob(stmt, 3, &checkpoint->extra, &checkpoint->extra_bytes) < 0) {
			tm_checkpoint_release(checkpoint);
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		}
	}
	sqlite3_reset(stmt);
	return rc;
}

void tm_checkpoint_release(struct tm_checkpoint *checkpoint)
{
	if (!checkpoint)
		return;
	free(checkpoint->parameters);
	free(checkpoint->optimizer);
	free(checkpoint->extra);
	memset(checkpoint, 0, sizeof(*checkpoint));
}

static const char list_epochs_sql[] =
	"SELECT epoch, train_loss, valid_loss, seconds, samples_per_second FROM epochs"
	" WHERE run_id = ?1 ORDER BY epoch";

int tm_store_list_epochs(struct tm_store *store, int64_t run_id,
			 int (*fn)(void *context, const struct tm_epoch_summary *epoch),
			 void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_epochs_sql, err);
	struct tm_epoch_summary e;
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		e.epoch = sqlite3_column_int64(stmt, 0);
		e.train_loss = column_real_or_nan(stmt, 1);
		e.valid_loss = column_real_or_nan(stmt, 2);
		e.seconds = column_real_or_nan(stmt, 3);
		e.samples_per_second = column_real_or_nan(stmt, 4);
		if ((rc = fn(context, &e)) != 0) {
			sqlite3_reset(stmt);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_db_error(store, err, "cannot read epochs");
	sqlite3_reset(stmt);
	return rc;
}

static const char list_metrics_sql[] =
	"SELECT epoch, task_index, split, loss, accuracy, roc_auc FROM task_metrics"
	" WHERE run_id = ?1 ORDER BY epoch, task_index, split";

int tm_store_list_task_metrics(struct tm_store *store, int64_t run_id,
			       int (*fn)(void *context, int64_t epoch,
					 const struct tm_task_metrics_record *metrics),
			       void *context, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, list_metrics_sql, err);
	struct tm_task_metrics_record m;
	int rc;

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		m.task_index = sqlite3_column_int64(stmt, 1);
		m.split = (const char *)sqlite3_column_text(stmt, 2);
		m.loss = column_real_or_nan(stmt, 3);
		m.accuracy = column_real_or_nan(stmt, 4);
		m.roc_auc = column_real_or_nan(stmt, 5);
		if ((rc = fn(context, sqlite3_column_int64(stmt, 0), &m)) != 0) {
			sqlite3_reset(stmt);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_db_error(store, err, "cannot read task metrics");
	sqlite3_reset(stmt);
	return rc;
}

static const char set_planned_epochs_sql[] =
	"UPDATE runs SET n_epochs = ?2 WHERE id = ?1";

int tm_store_set_planned_epochs(struct tm_store *store, int64_t run_id, int64_t n_epochs,
				struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, set_planned_epochs_sql, err);

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, n_epochs);
	return store_step_done(store, stmt, err, "cannot update the run's epochs");
}

static const char update_config_sql[] =
	"UPDATE runs SET config = ?2 WHERE id = ?1";

int tm_store_update_run_config(struct tm_store *store, int64_t run_id,
			       const char *config_json, struct tm_error *err)
{
	sqlite3_stmt *stmt = store_statement(store, update_config_sql, err);

	if (!stmt)
		return statement_failed(err);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, config_json, -1, SQLITE_TRANSIENT);
	return store_step_done(store, stmt, err, "cannot update the run's configuration");
}
