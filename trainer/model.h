/*
 * model.h - the trainer's building blocks, shared by the files of trainer/,
 * its tests and its benchmark (not used elsewhere): the multi-task MLP, the
 * optimisers, task weighting, the recorder of training dynamics and the
 * metrics. Formulas: docs/methods.md.
 *
 * Matrices are float32, row-major; a batch has one row per sample. Labels
 * are int8 (TM_LABEL_* of dataset.h), sample-major like the logits.
 */
#ifndef TM_TRAINER_MODEL_H
#define TM_TRAINER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "trainer.h"

/* ---- the MLP (mlp.c) ------------------------------------------------------ */

/* One batch of standardised inputs: dense rows, or CSR rows. */
struct tm_mlp_input {
	size_t n_rows;
	const float *dense;        /* n_rows * n_inputs, or NULL when sparse */
	const size_t *row_start;   /* n_rows + 1 offsets (sparse) */
	const uint32_t *col_index; /* columns (sparse) */
	const float *values;       /* values (sparse) */
};

/*
 * The model. Parameters are one contiguous array: for each dense layer l
 * the weights W_l (n_in x n_out, row-major, so Z = A W) then the bias b_l;
 * the last layer has one column per task. Gradients have the same layout.
 * Activations are kept for max_batch rows.
 */
struct tm_mlp {
	size_t n_inputs, n_tasks, n_layers; /* n_layers = hidden layers + 1 */
	size_t width[TM_TRAINER_MAX_HIDDEN + 2]; /* width[0] = inputs ... width[n_layers] = tasks */
	size_t weight_offset[TM_TRAINER_MAX_HIDDEN + 1];
	size_t bias_offset[TM_TRAINER_MAX_HIDDEN + 1];
	size_t n_parameters;
	float *parameters;
	float *gradients;
	size_t max_batch;
	float *activation[TM_TRAINER_MAX_HIDDEN + 2]; /* [0] unused; [l] = layer l's output */
	float *delta[TM_TRAINER_MAX_HIDDEN + 2];      /* gradient w.r.t. the pre-activation */
	float *shift; /* n_inputs: subtracted before scaling (0 for sparse data) */
	float *scale; /* n_inputs: 1 / std of the training split (1 when std is 0) */
};

/*
 * tm_mlp_create - a model for @n_inputs features, @n_hidden trunk layers of
 * widths @hidden and @n_tasks heads, able to take batches of @max_batch rows.
 * Parameters start at zero (see tm_mlp_init); shift 0, scale 1. Free with
 * tm_mlp_destroy.
 */
int tm_mlp_create(struct tm_mlp **out, size_t n_inputs, const size_t *hidden,
		  size_t n_hidden, size_t n_tasks, size_t max_batch,
		  struct tm_error *err);

/* tm_mlp_destroy - free the model; accepts NULL. */
void tm_mlp_destroy(struct tm_mlp *mlp);

/*
 * tm_mlp_init - He-normal weights for ReLU layers, Glorot-uniform for the
 * output layer, zero biases, drawn from @rng in parameter order.
 */
void tm_mlp_init(struct tm_mlp *mlp, gsl_rng *rng);

/*
 * tm_mlp_standardise - set shift and scale from @rows of @features:
 * dense: shift = mean, scale = 1/std (population); sparse: shift 0, scale =
 * 1/sqrt(mean of squares) so zeros stay zero. Constant columns get scale 1.
 */
int tm_mlp_standardise(struct tm_mlp *mlp, const struct tm_features *features,
		       const size_t *rows, size_t n_rows, struct tm_error *err);

/*
 * tm_mlp_forward - logits of a batch (n_rows <= max_batch), returned as a
 * borrowed n_rows x n_tasks matrix valid until the next forward.
 */
const float *tm_mlp_forward(struct tm_mlp *mlp, const struct tm_mlp_input *x);

/*
 * tm_mlp_loss - the weighted masked binary cross-entropy of the logits of
 * the last forward: sum over labelled (i, t) of weight[i, t] * bce(z, y),
 * in double. Fills @dlogits (n_rows x n_tasks; 0 where the label is
 * missing) with its gradient. @weight NULL means 1. @task_loss (n_tasks,
 * may be NULL) gets the sum per task.
 */
double tm_mlp_loss(const struct tm_mlp *mlp, size_t n_rows, const int8_t *labels,
		   const float *weight, float *dlogits, double *task_loss);

/*
 * tm_mlp_backward - gradients of the loss w.r.t. all parameters into
 * mlp->gradients (overwritten), given @dlogits for the batch of the last
 * forward (same @x).
 */
void tm_mlp_backward(struct tm_mlp *mlp, const struct tm_mlp_input *x,
		     const float *dlogits);

/*
 * tm_mlp_save / tm_mlp_load - the parameters with the standardisation as a
 * byte string (docs/methods.md, "checkpoints"). save: *@bytes is new
 * (free()). load: TM_ERR_INPUT when the bytes do not fit this model.
 */
int tm_mlp_save(const struct tm_mlp *mlp, void **bytes, size_t *n_bytes,
		struct tm_error *err);
int tm_mlp_load(struct tm_mlp *mlp, const void *bytes, size_t n_bytes,
		struct tm_error *err);

/* tm_bce - binary cross-entropy of logit @z for label @y (0/1), stable. */
double tm_bce(double z, int y);

/* ---- optimisers (optimizer.c) ---------------------------------------------- */

struct tm_optimizer {
	enum tm_optimizer_kind kind;
	size_t n;
	double learning_rate, momentum, weight_decay;
	uint64_t steps;
	float *first;  /* Adam m, or the SGD velocity */
	float *second; /* Adam v (NULL for SGD) */
};

/* tm_optimizer_create - state for @n parameters, zeroed. Free with tm_optimizer_destroy. */
int tm_optimizer_create(struct tm_optimizer **out, enum tm_optimizer_kind kind,
			size_t n, double learning_rate, double momentum,
			double weight_decay, struct tm_error *err);
void tm_optimizer_destroy(struct tm_optimizer *optimizer);

/* tm_optimizer_step - one update of @parameters from @gradients (n each). */
void tm_optimizer_step(struct tm_optimizer *optimizer, float *parameters,
		       const float *gradients);

/* Serialised state: tm_optimizer_bytes() bytes, written to / read from @bytes. */
size_t tm_optimizer_bytes(const struct tm_optimizer *optimizer);
void tm_optimizer_save(const struct tm_optimizer *optimizer, void *bytes);
int tm_optimizer_load(struct tm_optimizer *optimizer, const void *bytes,
		      size_t n_bytes, struct tm_error *err);

/* ---- task weighting (weighting.c) ------------------------------------------- */

struct tm_weighting {
	enum tm_weighting_kind kind;
	size_t n_tasks;
	double temperature; /* DWA */
	double gamma;       /* DTB sample difficulty exponent */
	float *task_weight; /* lambda_t used in the current epoch */
	float *log_variance; /* uncertainty: s_t (learned) */
	float *log_variance_gradient;
	double *loss_first;  /* per-task training loss of epoch 0 (DTB) */
	double *loss_last;   /* of the last epoch */
	double *loss_before; /* of the epoch before the last */
	int64_t epochs_seen;
	struct tm_optimizer *optimizer; /* for s_t (uncertainty) */
	double *norm;        /* scratch: per-task sums of a batch */
};

/*
 * tm_weighting_create - weighting state for @config; file weights are read
 * from config->weights_path and matched to @task_names (TM_ERR_INPUT with
 * "PATH:LINE: ..." for a bad file).
 */
int tm_weighting_create(struct tm_weighting **out, const struct tm_trainer_config *config,
			size_t n_tasks, const char *const *task_names,
			struct tm_error *err);
void tm_weighting_destroy(struct tm_weighting *weighting);

/*
 * tm_weighting_batch - the per-(sample, task) loss weights of a batch into
 * @weight (n_rows x n_tasks): task weight x class weight (@pos_weight[t] for
 * positives, 1 for negatives; @pos_weight NULL for none) x, for DTB, the
 * sample difficulty, each task normalised by the labelled samples of the
 * task in the batch and the whole by 1/n_tasks. @logits are those of the
 * forward. Returns the number of labelled (i, t) pairs.
 */
size_t tm_weighting_batch(struct tm_weighting *weighting, size_t n_rows,
			  const int8_t *labels, const float *logits,
			  const float *pos_weight, float *weight);

/*
 * tm_weighting_step - after the backward of a batch: for uncertainty, add
 * the regulariser's gradient, and update s_t from the per-task losses
 * @task_loss of the batch (the normalised, class-weighted losses L_t);
 * refresh the task weights. No-op for the other schemes.
 */
void tm_weighting_step(struct tm_weighting *weighting, const double *task_loss);

/*
 * tm_weighting_end_epoch - fold the epoch's mean training loss per task
 * (@task_loss, NaN for a task without labels) into the history and set the
 * task weights of the next epoch (DWA, DTB).
 */
void tm_weighting_end_epoch(struct tm_weighting *weighting, const double *task_loss);

/* Serialised state (weights, s_t and its optimiser, loss history). */
size_t tm_weighting_bytes(const struct tm_weighting *weighting);
void tm_weighting_save(const struct tm_weighting *weighting, void *bytes);
int tm_weighting_load(struct tm_weighting *weighting, const void *bytes,
		      size_t n_bytes, struct tm_error *err);

/* ---- recording (recording.c) -------------------------------------------- */

struct tm_recorder {
	size_t n_samples, n_tasks;
	enum tm_keep_mode keep;
	float *logits;          /* n_samples x n_tasks, sample-major: this epoch */
	const int8_t *labels;   /* borrowed: n_samples x n_tasks of the train split */
	uint16_t *quantised;    /* n_tasks x n_samples, task-major (keep all) */
	float *mean, *m2, *correct; /* n_tasks x n_samples each (keep summary) */
	struct tm_dynamics_summary *summaries; /* n_tasks views into the arrays above */
	int64_t n_epochs;
};

/* tm_recorder_create - buffers for @n_samples x @n_tasks; @labels borrowed. */
int tm_recorder_create(struct tm_recorder **out, size_t n_samples, size_t n_tasks,
		       enum tm_keep_mode keep, const int8_t *labels,
		       struct tm_error *err);
void tm_recorder_destroy(struct tm_recorder *recorder);

/* tm_recorder_put - copy @n_rows logit rows of a batch to their @positions. */
void tm_recorder_put(struct tm_recorder *recorder, const size_t *positions,
		     size_t n_rows, const float *logits);

/*
 * tm_recorder_finish_epoch - turn the epoch's logits into gold-label
 * probabilities: quantised task-major BLOB data (keep all) or folded into
 * the Welford summaries (keep summary). Fills the record's probabilities or
 * summaries pointer (borrowed from the recorder).
 */
void tm_recorder_finish_epoch(struct tm_recorder *recorder, struct tm_epoch_record *record);

/* tm_gold_probability - p of the gold label for logit @z and label @y (NaN if missing). */
double tm_gold_probability(float z, int y);

/* ---- metrics (metrics.c) ----------------------------------------------------- */

/*
 * tm_metrics_task - loss (mean BCE), accuracy (z >= 0 predicts positive)
 * and ROC-AUC (ties count one half) of task @task over @n_rows rows of
 * sample-major @logits / @labels with @n_tasks columns. @scratch holds
 * n_rows floats. NaN where undefined.
 */
void tm_metrics_task(const float *logits, const int8_t *labels, size_t n_rows,
		     size_t n_tasks, size_t task, float *scratch,
		     struct tm_task_metrics_record *out);

#define TM_METRICS_BLOCK 64 /* tasks gathered at a time by tm_metrics_all */

/*
 * tm_metrics_all - tm_metrics_task for every task into @out (n_tasks
 * records; split left for the caller), reading @logits in blocks of task
 * columns so that the rows are read contiguously. TM_ERR_NOMEM only.
 */
int tm_metrics_all(const float *logits, const int8_t *labels, size_t n_rows, size_t n_tasks,
		   struct tm_task_metrics_record *out, struct tm_error *err);

/*
 * tm_metrics_roc_auc - ROC-AUC of @n scores with 0/1 @labels: the chance
 * that a random positive scores above a random negative, ties 1/2. NaN when
 * a class is absent. @scratch holds n floats.
 */
double tm_metrics_roc_auc(const float *scores, const int8_t *labels, size_t n,
			  size_t stride, float *scratch);

#endif
