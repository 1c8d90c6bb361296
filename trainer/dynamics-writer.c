/*
 * dynamics-writer.c - the one place that turns externally recorded
 * dynamics into a run the analyzers read like a trained one: the dataset
 * and run rows, the samples, the tasks (counted and excluded by the
 * trainer's rule, docs/methods.md), the labels, and the epochs. It checks
 * what every source must satisfy (the same missing pairs in every epoch,
 * labels where values are) so the importers and libtaskmap need not.
 *
 * Live recordings (no TM_WRITER_ONE_TRANSACTION) hold the byte <run id> of
 * "<db>.trainers" like `taskmap train` does, so that a trainer starting
 * meanwhile does not take the run for a dead one (trainer/train.c).
 */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tm_dynamics_writer {
	struct tm_store *store;
	int64_t run_id;
	size_t n_tasks, n_samples, n_epochs;
	int64_t n_epochs_planned;
	size_t min_labelled;
	int64_t epoch_base;
	unsigned flags;
	const char *const *task_names;
	const char *const *sample_names;
	uint8_t *missing;  /* n_tasks x n_samples: 1 where epoch 0 recorded nothing */
	int8_t *labels;    /* n_tasks x n_samples, or NULL */
	int finished;
};

/* sample_label - the name of sample @i for messages (its position without names). */
static const char *sample_label(const struct tm_dynamics_writer *w, size_t i, char *buffer,
				size_t size)
{
	if (w->sample_names)
		return w->sample_names[i];
	snprintf(buffer, size, "%zu", i);
	return buffer;
}

static int pair_error(const struct tm_dynamics_writer *w, struct tm_error *err, size_t epoch,
		      size_t t, size_t i, const char *what)
{
	char buffer[32];

	return tm_error_set(err, TM_ERR_INPUT, "epoch %lld: task '%s', sample '%s': %s",
			    (long long)(w->epoch_base + (int64_t)epoch), w->task_names[t],
			    sample_label(w, i, buffer, sizeof(buffer)), what);
}

static int create_rows(struct tm_dynamics_writer *w, const struct tm_dynamics_writer_spec *spec,
		       struct tm_error *err)
{
	struct tm_dataset_record dataset = { .name = spec->dataset_name ? spec->dataset_name
					     : "import", .source_path = spec->source_path,
					     .format = "import", .n_samples = (int64_t)spec->n_samples,
					     .n_tasks = (int64_t)spec->n_tasks };
	struct tm_run_record run = { .name = spec->run_name, .kind = "import",
				     .status = TM_RUN_RUNNING, .config_json = spec->config_json,
				     .n_epochs = spec->n_epochs,
				     .n_train_samples = (int64_t)spec->n_samples };
	int64_t *index = malloc((spec->n_samples ? spec->n_samples : 1) * sizeof(*index));
	int rc;

	if (!index)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < spec->n_samples; i++)
		index[i] = (int64_t)i;
	if ((rc = tm_store_add_dataset(w->store, &dataset, &run.dataset_id, err)) == 0 &&
	    (rc = tm_store_create_run(w->store, &run, err)) == 0) {
		w->run_id = run.id;
		rc = tm_store_add_samples(w->store, run.id, "train", index, spec->sample_names,
					  spec->n_samples, err);
	}
	free(index);
	return rc;
}

static const char *check_spec(const struct tm_dynamics_writer_spec *spec)
{
	if (spec->n_tasks == 0)
		return "no task to import";
	if (spec->n_samples == 0)
		return "no sample to import";
	if (spec->n_tasks > SIZE_MAX / spec->n_samples)
		return "too many tasks and samples";
	for (size_t t = 0; t < spec->n_tasks; t++)
		if (!spec->task_names[t] || !spec->task_names[t][0])
			return "a task has an empty name";
	return NULL;
}

int tm_dynamics_writer_create(struct tm_dynamics_writer **out, struct tm_store *store,
			      const struct tm_dynamics_writer_spec *spec,
			      struct tm_error *err)
{
	struct tm_dynamics_writer *w = NULL;
	const char *problem = check_spec(spec);
	uint8_t *missing;
	int rc;

	*out = NULL;
	if (problem)
		return tm_error_set(err, TM_ERR_INPUT, "%s", problem);
	missing = malloc(spec->n_tasks * spec->n_samples);
	if (!missing || !(w = malloc(sizeof(*w)))) {
		free(missing);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	*w = (struct tm_dynamics_writer){ .store = store, .n_tasks = spec->n_tasks,
		.n_samples = spec->n_samples, .n_epochs_planned = spec->n_epochs,
		.min_labelled = spec->min_labelled, .epoch_base = spec->epoch_base,
		.flags = spec->flags,
		.task_names = spec->task_names, .sample_names = spec->sample_names,
		.missing = missing };
	if ((rc = tm_store_begin(store, err)) < 0)
		goto fail;
	if ((rc = create_rows(w, spec, err)) < 0 ||
	    (!(w->flags & TM_WRITER_ONE_TRANSACTION) &&
	     ((rc = tm_store_claim_run(store, w->run_id, err)) < 0 ||
	      (rc = tm_store_commit(store, err)) < 0)))
		goto fail;
	*out = w;
	return 0;
fail:
	tm_store_rollback(store);
	w->finished = 1; /* nothing left to mark */
	tm_dynamics_writer_destroy(w, NULL, NULL);
	return rc;
}

int tm_dynamics_writer_labels(struct tm_dynamics_writer *w, const int8_t *labels,
			      struct tm_error *err)
{
	size_t n = w->n_tasks * w->n_samples;

	if (w->n_epochs > 0)
		return tm_error_set(err, TM_ERR_USAGE, "labels must come before the first epoch");
	for (size_t i = 0; i < n; i++)
		if (labels[i] != 0 && labels[i] != 1 && labels[i] != TM_STORE_LABEL_MISSING)
			return tm_error_set(err, TM_ERR_INPUT, "a label is %d, not 0, 1 or missing",
					    labels[i]);
	if (!w->labels && !(w->labels = malloc(n)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	memcpy(w->labels, labels, n);
	return 0;
}

/* first_epoch_mask - remember epoch 0's missing pairs; with labels they must agree. */
static int first_epoch_mask(struct tm_dynamics_writer *w, const uint16_t *q, struct tm_error *err)
{
	for (size_t t = 0; t < w->n_tasks; t++)
		for (size_t i = 0; i < w->n_samples; i++) {
			size_t k = t * w->n_samples + i;

			w->missing[k] = q[k] == TM_DYNAMICS_MISSING;
			if (w->labels && w->missing[k] != (w->labels[k] == TM_STORE_LABEL_MISSING))
				return pair_error(w, err, 0, t, i, w->missing[k]
						  ? "labelled, but no probability recorded"
						  : "a probability recorded, but no label");
		}
	return 0;
}

static int check_mask(const struct tm_dynamics_writer *w, const uint16_t *q, struct tm_error *err)
{
	for (size_t k = 0; k < w->n_tasks * w->n_samples; k++)
		if ((q[k] == TM_DYNAMICS_MISSING) != w->missing[k])
			return pair_error(w, err, w->n_epochs, k / w->n_samples, k % w->n_samples,
					  w->missing[k] ? "recorded here but missing in the first epoch"
					  : "missing here but recorded in the first epoch");
	return 0;
}

/* add_tasks - task rows counted over the training samples, excluded like `train` does. */
static int add_tasks(struct tm_dynamics_writer *w, struct tm_error *err)
{
	struct tm_task_record *tasks = calloc(w->n_tasks, sizeof(*tasks));
	int rc = 0;

	if (!tasks)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < w->n_tasks; t++) {
		struct tm_task_record *r = &tasks[t];

		r->index = (int64_t)t;
		r->name = w->task_names[t];
		for (size_t i = 0; i < w->n_samples; i++) {
			r->labelled += !w->missing[t * w->n_samples + i];
			r->positives += w->labels && w->labels[t * w->n_samples + i] == 1;
		}
		if (w->labels && r->positives == 0)
			r->excluded = "no positive sample in the training split";
		else if (w->labels && r->positives == r->labelled)
			r->excluded = "no negative sample in the training split";
		else if (r->labelled == 0 || (size_t)r->labelled < w->min_labelled)
			r->excluded = "too few labelled samples in the training split";
	}
	rc = tm_store_add_tasks(w->store, w->run_id, tasks, w->n_tasks, err);
	free(tasks);
	for (size_t t = 0; w->labels && t < w->n_tasks && rc == 0; t++)
		rc = tm_store_write_labels(w->store, w->run_id, (int64_t)t,
					   w->labels + t * w->n_samples, w->n_samples, err);
	return rc;
}

int tm_dynamics_writer_epoch(struct tm_dynamics_writer *w, const uint16_t *probabilities,
			     struct tm_error *err)
{
	struct tm_epoch_record record = { .run_id = w->run_id, .epoch = (int64_t)w->n_epochs,
					  .n_tasks = w->n_tasks, .n_samples = w->n_samples,
					  .probabilities = probabilities, .train_loss = NAN,
					  .valid_loss = NAN, .seconds = NAN,
					  .samples_per_second = NAN };
	int own = !(w->flags & TM_WRITER_ONE_TRANSACTION), rc;

	if (w->finished)
		return tm_error_set(err, TM_ERR_USAGE, "the run is finished already");
	if ((rc = w->n_epochs == 0 ? first_epoch_mask(w, probabilities, err)
	     : check_mask(w, probabilities, err)) < 0)
		return rc;
	if (own && (rc = tm_store_begin(w->store, err)) < 0)
		return rc;
	if ((w->n_epochs == 0 && (rc = add_tasks(w, err)) < 0) ||
	    (rc = tm_store_write_epoch(w->store, &record, err)) < 0 ||
	    (own && (rc = tm_store_commit(w->store, err)) < 0)) {
		if (own)
			tm_store_rollback(w->store);
		return rc;
	}
	w->n_epochs++;
	return 0;
}

size_t tm_dynamics_writer_epochs(const struct tm_dynamics_writer *w)
{
	return w->n_epochs;
}

int64_t tm_dynamics_writer_run_id(const struct tm_dynamics_writer *w)
{
	return w->run_id;
}

int tm_dynamics_writer_finish(struct tm_dynamics_writer *w, struct tm_error *err)
{
	int own = !(w->flags & TM_WRITER_ONE_TRANSACTION), rc;

	if (w->finished)
		return tm_error_set(err, TM_ERR_USAGE, "the run is finished already");
	if (w->n_epochs == 0)
		return tm_error_set(err, TM_ERR_INPUT, "no epoch to import");
	if (own && (rc = tm_store_begin(w->store, err)) < 0)
		return rc;
	if ((w->n_epochs_planned < (int64_t)w->n_epochs &&
	     (rc = tm_store_set_planned_epochs(w->store, w->run_id, (int64_t)w->n_epochs,
					       err)) < 0) ||
	    (rc = tm_store_set_run_status(w->store, w->run_id, TM_RUN_DONE, NULL, err)) < 0 ||
	    (rc = tm_store_commit(w->store, err)) < 0) {
		if (own)
			tm_store_rollback(w->store);
		return rc;
	}
	w->finished = 1;
	return 0;
}

void tm_dynamics_writer_destroy(struct tm_dynamics_writer *w, const char *status,
				const char *message)
{
	struct tm_error ignored;

	if (!w)
		return;
	if (!w->finished) {
		if (w->flags & TM_WRITER_ONE_TRANSACTION)
			tm_store_rollback(w->store);
		else
			tm_store_set_run_status(w->store, w->run_id,
						status ? status : TM_RUN_FAILED, message, &ignored);
	}
	free(w->missing);
	free(w->labels);
	free(w);
}
