/*
 * dynamics.h - part of store.h (include store.h, not this file): what a
 * training run records epoch by epoch — its samples, the gold-label
 * probability of every (task, sample) pair, metrics, and a checkpoint — and
 * the reads the analyzers and `train --resume` need.
 *
 * Probabilities are stored quantised to 16 bits (docs/schema.md):
 * q = round(p * 65534) in 0..65534, and 65535 for a missing label.
 */
#ifndef TM_STORE_DYNAMICS_H
#define TM_STORE_DYNAMICS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define TM_DYNAMICS_MISSING 65535u
#define TM_DYNAMICS_SCALE 65534.0

/* tm_dynamics_encode - p in [0, 1] (clamped; NaN means missing) to 16 bits. */
static inline uint16_t tm_dynamics_encode(double p)
{
	if (p != p)
		return TM_DYNAMICS_MISSING;
	if (p <= 0)
		return 0;
	if (p >= 1)
		return (uint16_t)TM_DYNAMICS_SCALE;
	return (uint16_t)lrint(p * TM_DYNAMICS_SCALE);
}

/* tm_dynamics_decode - 16 bits back to p; NaN for a missing label. */
static inline double tm_dynamics_decode(uint16_t q)
{
	return q == TM_DYNAMICS_MISSING ? NAN : q / TM_DYNAMICS_SCALE;
}

/*
 * tm_store_add_samples - record which dataset rows form @split ("train",
 * "valid" or "test") of a run, in order: position i is row @sample_index[i],
 * optionally named @sample_names[i] (may be NULL). Dynamics are indexed by
 * the position in the "train" split.
 */
int tm_store_add_samples(struct tm_store *store, int64_t run_id, const char *split,
			 const int64_t *sample_index, const char *const *sample_names,
			 size_t n, struct tm_error *err);

/*
 * tm_store_read_samples - the dataset rows of @split in position order:
 * *@sample_index is a new array (free()) of *@n entries.
 */
int tm_store_read_samples(struct tm_store *store, int64_t run_id, const char *split,
			  int64_t **sample_index, size_t *n, struct tm_error *err);

/*
 * tm_store_read_sample_names - the names of @split's samples in position
 * order (the dataset row number as text where a sample has no name):
 * *@names is a new array of *@n new strings (free each, then the array).
 */
int tm_store_read_sample_names(struct tm_store *store, int64_t run_id, const char *split,
			       char ***names, size_t *n, struct tm_error *err);

/* Metrics of one task at one epoch on one split. */
struct tm_task_metrics_record {
	int64_t task_index;
	const char *split;  /* "train", "valid" or "test" */
	double loss;        /* mean masked binary cross-entropy; NaN if none */
	double accuracy;    /* at threshold 0.5; NaN if no labelled sample */
	double roc_auc;     /* NaN when the split has one class only */
};

/* Running summaries for `--keep summary` (Welford): per task, per sample. */
struct tm_dynamics_summary {
	int64_t task_index;
	int64_t n_epochs;     /* epochs folded in */
	size_t n_samples;
	const float *mean;    /* mean of p over epochs */
	const float *m2;      /* sum of squared deviations (Welford's M2) */
	const float *correct; /* epochs with the right thresholded prediction */
};

/*
 * One committed epoch: everything is written in a single transaction by
 * tm_store_write_epoch, so a crash leaves either all of it or none.
 */
struct tm_epoch_record {
	int64_t run_id;
	int64_t epoch;                 /* 0-based */
	size_t n_tasks;
	size_t n_samples;              /* training samples (positions) */
	const uint16_t *probabilities; /* n_tasks * n_samples, task-major; NULL when not kept */
	const struct tm_dynamics_summary *summaries; /* n_tasks, or NULL */
	double train_loss, valid_loss; /* NaN when not measured */
	double seconds, samples_per_second;
	const struct tm_task_metrics_record *metrics;
	size_t n_metrics;
	const void *parameters;        /* checkpoint: replaces the previous one */
	size_t parameters_bytes;
	const void *optimizer;         /* optimiser state; may be NULL */
	size_t optimizer_bytes;
	const void *extra;             /* anything else resume needs (RNG, weights); may be NULL */
	size_t extra_bytes;
};

/*
 * tm_store_write_epoch - commit one epoch atomically: dynamics (one BLOB per
 * task), summaries, the epoch row, task metrics, the checkpoint, and
 * runs.epochs_done = epoch + 1. On failure nothing of it is kept.
 * Inside a transaction the caller opened (tm_store_begin), it joins it
 * instead: nothing is committed, and on failure the caller must roll back.
 */
int tm_store_write_epoch(struct tm_store *store, const struct tm_epoch_record *epoch,
			 struct tm_error *err);

/*
 * tm_store_read_dynamics - the stored probabilities of @task_index for
 * epochs [@epoch_from, @epoch_to) into @out (n_epochs * n_samples,
 * epoch-major). TM_ERR_NOT_FOUND when an epoch is missing, TM_ERR_INPUT when a
 * BLOB does not have n_samples entries.
 */
int tm_store_read_dynamics(struct tm_store *store, int64_t run_id, int64_t task_index,
			   int64_t epoch_from, int64_t epoch_to, size_t n_samples,
			   uint16_t *out, struct tm_error *err);

/*
 * tm_store_read_summary - the running summary of one task (runs trained with
 * --keep summary): copies into caller arrays of n_samples floats each and
 * sets *@n_epochs.
 */
int tm_store_read_summary(struct tm_store *store, int64_t run_id, int64_t task_index,
			  size_t n_samples, float *mean, float *m2, float *correct,
			  int64_t *n_epochs, struct tm_error *err);

/* A checkpoint read back: buffers owned by the caller, free with tm_checkpoint_release. */
struct tm_checkpoint {
	int64_t epoch; /* the last committed epoch (0-based) */
	void *parameters;
	size_t parameters_bytes;
	void *optimizer;
	size_t optimizer_bytes;
	void *extra;
	size_t extra_bytes;
};

/* tm_store_read_checkpoint - the run's latest checkpoint; TM_ERR_NOT_FOUND if none. */
int tm_store_read_checkpoint(struct tm_store *store, int64_t run_id,
			     struct tm_checkpoint *checkpoint, struct tm_error *err);

/* tm_checkpoint_release - free the buffers; accepts NULL. */
void tm_checkpoint_release(struct tm_checkpoint *checkpoint);

/* Per-epoch training history read back (for reports). */
struct tm_epoch_summary {
	int64_t epoch;
	double train_loss, valid_loss, seconds, samples_per_second;
};

/* tm_store_list_epochs - call @fn for each committed epoch of a run, in order. */
int tm_store_list_epochs(struct tm_store *store, int64_t run_id,
			 int (*fn)(void *context, const struct tm_epoch_summary *epoch),
			 void *context, struct tm_error *err);

/* tm_store_list_task_metrics - call @fn for every stored task metric of a run (epoch, task, split order). */
int tm_store_list_task_metrics(struct tm_store *store, int64_t run_id,
			       int (*fn)(void *context, int64_t epoch,
					 const struct tm_task_metrics_record *metrics),
			       void *context, struct tm_error *err);

/*
 * tm_store_set_planned_epochs - set runs.n_epochs (epochs planned), e.g.
 * when an import learns the number of epochs only at its end.
 */
int tm_store_set_planned_epochs(struct tm_store *store, int64_t run_id, int64_t n_epochs,
				struct tm_error *err);

/*
 * tm_store_update_run_config - replace a run's configuration (e.g. on resume)
 * without touching its dynamics.
 */
int tm_store_update_run_config(struct tm_store *store, int64_t run_id,
			       const char *config_json, struct tm_error *err);

#endif
