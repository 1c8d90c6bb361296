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

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "parallel.h"
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
 * in double, per task over the rows and then over the tasks (bce's
 * exponential and log by tm_exp_negabs and tm_log1p_unit). Fills @dlogits (n_rows x n_tasks; 0 where the label is
 * missing) with its gradient. @weight NULL means 1. @task_loss (n_tasks,
 * may be NULL) gets the sum per task. @task_bce (n_tasks, may be NULL) is
 * added the unweighted bce(z, y) of every labelled pair, per task in row
 * order (also where the weight is 0): the training loop sums an epoch's
 * per-task training loss there from the batches' own logits.
 */
double tm_mlp_loss(const struct tm_mlp *mlp, size_t n_rows, const int8_t *labels,
		   const float *weight, float *dlogits, double *task_loss, double *task_bce);

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
	float *class_factor; /* scratch: 2 x n_tasks, a negative's and a positive's weight */
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
 * forward. Under data-parallel training (@parallel with several ranks,
 * else NULL) the batch is the global one: the per-task normalisers are
 * summed over the ranks' parts. Returns the number of labelled (i, t) pairs
 * of this rank's rows.
 */
size_t tm_weighting_batch(struct tm_weighting *weighting, size_t n_rows,
			  const int8_t *labels, const float *logits,
			  const float *pos_weight, const struct tm_parallel *parallel,
			  float *weight);

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
	float *spare;           /* the other buffer of tm_recorder_swap (NULL before) */
	const int8_t *labels;   /* borrowed: n_samples x n_tasks of the train split */
	uint16_t *quantised;    /* n_tasks x n_samples, task-major (keep all) */
	uint16_t *spare_quantised; /* the other buffer of tm_recorder_swap_quantised */
	float *mean, *m2, *correct; /* n_tasks x n_samples each (keep summary) */
	struct tm_dynamics_summary *summaries; /* n_tasks views into the arrays above */
	int64_t n_epochs;
};

/* tm_recorder_create - buffers for @n_samples x @n_tasks; @labels borrowed. */
int tm_recorder_create(struct tm_recorder **out, size_t n_samples, size_t n_tasks,
		       enum tm_keep_mode keep, const int8_t *labels,
		       struct tm_error *err);
void tm_recorder_destroy(struct tm_recorder *recorder);

/*
 * tm_recorder_swap - hand over the logits the training loop filled this
 * epoch and give it the other of two buffers (allocated at the first
 * swap), so that one epoch is quantised and stored on another thread while
 * the next trains. Returns the filled buffer (borrowed, valid until the
 * next swap hands it back to the training loop), or NULL when out of memory
 * (nothing swapped).
 */
const float *tm_recorder_swap(struct tm_recorder *recorder);

/*
 * tm_recorder_swap_quantised - like tm_recorder_swap for the quantised
 * task-major codes (keep all) when the caller filled recorder->quantised
 * itself (tm_metrics_all's @codes): returns the filled buffer and makes the
 * other one current. NULL when out of memory (nothing swapped).
 */
const uint16_t *tm_recorder_swap_quantised(struct tm_recorder *recorder);

/*
 * tm_exp_negabs - e^-|z| in float, within 2 ulp of expf(-|z|) (1.6e-38, the
 * value at |z| = 87, for larger |z| and NaN, where expf goes subnormal):
 * e^-|z| = 2^n e^r with n = round(-|z| / ln 2), r by Cody and Waite's
 * two-part ln 2, e^r by Cephes' expf polynomial (degree 6 on |r| <= ln2/2),
 * 2^n added to the exponent bits. Straight-line code without calls, so that
 * the loops over every (sample, task) that use it vectorise; the trainer's
 * one exponential of a logit (batch loss, metrics, recording), so that they
 * agree to the bit (docs/methods.md, "Model and loss").
 */
static inline float tm_exp_negabs(float z)
{
	float x = -fabsf(z), n, r, p;
	uint32_t bits;

	x = x > -87.0f ? x : -87.0f;
	n = (x * 1.44269504f + 12582912.0f) - 12582912.0f; /* round(x / ln 2) by 1.5 x 2^23 */
	r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
	p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * (r * r) + r + 1.0f;
	memcpy(&bits, &p, sizeof(bits));
	bits += (uint32_t)(int32_t)n << 23; /* times 2^n, n in [-126, 0]: stays normal */
	memcpy(&p, &bits, sizeof(p));
	return p;
}

/*
 * VECTOR_CLONES - an AVX2 copy of the function beside the baseline one,
 * chosen when the program loads (GCC on x86-64 Linux, through ifunc). For
 * element-wise float code without FMA (AVX2 alone does not enable it)
 * every lane does the same IEEE operations as the baseline's, so both
 * copies give the same bits.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
	!defined(__SANITIZE_THREAD__) /* the clone's resolver runs before ThreadSanitizer is up */
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/*
 * tm_log1p_unit - log(1 + e) for @e in [0, 1] in float: 2 atanh(s) with s =
 * e / (2 + e) <= 1/3, by its series to s^13 (truncation below 2e-8
 * relative). Straight-line like tm_exp_negabs; the BCE's log term.
 */
static inline float tm_log1p_unit(float e)
{
	float s = e / (2.0f + e), w = s * s, p = 1.0f / 13;

	p = p * w + 1.0f / 11;
	p = p * w + 1.0f / 9;
	p = p * w + 1.0f / 7;
	p = p * w + 1.0f / 5;
	p = p * w + 1.0f / 3;
	p = p * w + 1.0f;
	return 2.0f * s * p;
}

/*
 * tm_gold_code - the stored 16-bit code of the gold-label probability for
 * logit @z, present label @y and @e = tm_exp_negabs(z): p = 1/(1+e) when z is on
 * the label's side (z >= 0 for a positive, z < 0 for a negative), else
 * e/(1+e); q = floor(p * 65534 + 1/2), in float. The one formula for BLOBs
 * and summaries alike (docs/methods.md).
 */
static inline uint16_t tm_gold_code(float z, int y, float e)
{
	float p = ((z >= 0) == (y == TM_LABEL_POSITIVE) ? 1.0f : e) / (1.0f + e);

	return (uint16_t)(p * (float)TM_DYNAMICS_SCALE + 0.5f);
}

/*
 * tm_recorder_finish_epoch - fold an epoch's @logits (n_samples x n_tasks,
 * e.g. from tm_recorder_swap) into the Welford summaries of a --keep summary
 * recorder (keep all gets its 16-bit BLOB data from tm_metrics_all's @codes).
 * Fills the record's summaries pointer (borrowed from the recorder, valid
 * until the next finish_epoch) and clears its probabilities. Touches only the
 * recorder's summary arrays, so it may run on another thread while the
 * training loop fills the other buffer.
 */
void tm_recorder_finish_epoch(struct tm_recorder *recorder, const float *logits,
			      struct tm_epoch_record *record);

/* tm_gold_probability - p of the gold label for logit @z and label @y (NaN if missing). */
double tm_gold_probability(float z, int y);

/* ---- metrics (metrics.c) ----------------------------------------------------- */

/*
 * tm_metrics_vector_kernels - whether the metrics' AUC may use its AVX2
 * forms where the processor has them (on by default); off, the plain C
 * forms run, with the same results. For tests and benchmarks, which
 * compare the two; set it while no metrics run.
 */
void tm_metrics_vector_kernels(int on);

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
 * columns so that the rows are read contiguously. @labels_by_task, when
 * not NULL, is a task-major copy of @labels (n_tasks x n_rows) read
 * instead of gathering them; @loss, when not NULL, holds the tasks' losses
 * already made by tm_metrics_losses (the same values), copied instead of
 * recomputed. When @codes is not NULL it also gets the recording of these
 * logits: n_tasks x n_rows task-major tm_gold_code values
 * (TM_DYNAMICS_MISSING where the label is missing). TM_ERR_NOMEM only.
 */
int tm_metrics_all(const float *logits, const int8_t *labels, const int8_t *labels_by_task,
		   const double *loss, size_t n_rows, size_t n_tasks,
		   struct tm_task_metrics_record *out, uint16_t *codes, struct tm_error *err);

/*
 * struct tm_metrics_job - tm_metrics_all's work, shareable between threads:
 * each thread that calls tm_metrics_job_work takes blocks of
 * TM_METRICS_BLOCK tasks until none is left. The tasks' results do not
 * depend on which thread made them. The trainer's writer thread computes
 * an epoch's training metrics this way, and the main thread, once its
 * next epoch is done, helps rather than waits.
 */
struct tm_metrics_job {
	const float *logits;
	const int8_t *labels, *labels_by_task;
	const double *loss;
	size_t n_rows, n_tasks;
	struct tm_task_metrics_record *out;
	uint16_t *codes;
	size_t n_blocks;
	size_t taken, finished; /* blocks, under @lock */
	pthread_mutex_t lock;
	pthread_cond_t done;
};

/* tm_metrics_job_init - a job with tm_metrics_all's arguments; destroy it after the work. */
void tm_metrics_job_init(struct tm_metrics_job *job, const float *logits, const int8_t *labels,
			 const int8_t *labels_by_task, const double *loss, size_t n_rows,
			 size_t n_tasks, struct tm_task_metrics_record *out, uint16_t *codes);

/*
 * tm_metrics_job_work - take the job's blocks and compute them until none
 * is left (other threads may be taking them too). TM_ERR_NOMEM when its
 * scratch cannot be allocated: then it took no block, and the others can
 * still do them all.
 */
int tm_metrics_job_work(struct tm_metrics_job *job, struct tm_error *err);

/* tm_metrics_job_wait - until every block taken so far is finished. */
void tm_metrics_job_wait(struct tm_metrics_job *job);

void tm_metrics_job_destroy(struct tm_metrics_job *job);

/*
 * tm_metrics_losses - only the per-task mean BCE of tm_metrics_all, equal to
 * its loss field to the bit, into @loss (n_tasks values, NaN for a task
 * without labels), in one row-major pass: a fraction of tm_metrics_all's
 * cost, for the training loop that needs the losses before the epoch's
 * other metrics. TM_ERR_NOMEM only.
 */
int tm_metrics_losses(const float *logits, const int8_t *labels, size_t n_rows,
		      size_t n_tasks, double *loss, struct tm_error *err);

/*
 * tm_metrics_roc_auc - ROC-AUC of @n scores with 0/1 @labels: the chance
 * that a random positive scores above a random negative, ties 1/2. NaN when
 * a class is absent. @scratch holds n floats.
 */
double tm_metrics_roc_auc(const float *scores, const int8_t *labels, size_t n,
			  size_t stride, float *scratch);

/* ---- the shared per-batch pieces (step.c) ---------------------------------- */

/* Reusable buffers for batches of standardised inputs of one feature matrix. */
struct tm_batch {
	const struct tm_features *features; /* borrowed */
	size_t max_rows;
	float *dense;          /* max_rows x n_cols (dense data) */
	size_t *row_start;     /* max_rows + 1 (sparse data) */
	uint32_t *cols;        /* capacity entries (sparse data) */
	float *values;
	size_t capacity;
};

/*
 * tm_batch_init - buffers for batches of up to @max_rows rows of @features
 * (borrowed until tm_batch_release). Returns 0 or TM_ERR_NOMEM; on failure
 * nothing stays allocated.
 */
int tm_batch_init(struct tm_batch *batch, const struct tm_features *features,
		  size_t max_rows, struct tm_error *err);

/* tm_batch_release - free the buffers; accepts NULL. */
void tm_batch_release(struct tm_batch *batch);

/*
 * tm_batch_build - the inputs of dataset @rows (n <= max_rows) standardised
 * with @mlp's shift and scale into @x: dense rows (x - shift) * scale, or
 * CSR rows with values * scale (still sparse). @x points into @batch until
 * the next build. TM_ERR_NOMEM only.
 */
int tm_batch_build(struct tm_batch *batch, const struct tm_mlp *mlp, const size_t *rows,
		   size_t n, struct tm_mlp_input *x, struct tm_error *err);

/* ---- gradient affinity (affinity.c) ---------------------------------------- */

/*
 * The running sums of `train --affinity` (docs/methods.md, "Gradient
 * affinity"). The trunk is parameters[0 .. n_trunk): every layer but the
 * heads. Sums are double, T x T row-major (source i, target j).
 */
struct tm_affinity {
	unsigned kinds;          /* enum tm_affinity_kinds */
	size_t n_tasks, every, sources; /* sources: TAG sources per measured step, 0 = all */
	uint64_t seed;           /* source sampling: its own stream, seeded from (seed, step) */
	size_t n_trunk;          /* shared parameters */
	size_t head_inputs;      /* width of the layer below the heads (+1 for the bias) */
	uint64_t measured;       /* measured steps */
	uint64_t head_steps;     /* steps whose head gradients are accumulated */
	double *tag_sum, *tag_count;       /* Z(i -> j) sums and counts */
	double *cosine_sum, *cosine_count; /* cos(g_i, g_j) sums and counts */
	double *heads;           /* n_tasks x head_inputs: sum over steps of |dL_t/dw_head,t| */
	/* scratch */
	float *gradients;        /* n_tasks (cosine) or 1 (tag only) x n_trunk */
	float *saved;            /* n_trunk: the trunk before a lookahead */
	float *activations;      /* max_batch x (sum of widths): the forward's, restored */
	float *dlogits;          /* max_batch x n_tasks */
	float *gram;             /* n_tasks^2 */
	double *loss_after;      /* n_tasks */
	size_t *source_index;    /* n_tasks */
	size_t *all_tasks;       /* 0 .. n_tasks - 1 */
	int *has_gradient;       /* n_tasks */
};

/*
 * tm_affinity_create - running sums for @config's --affinity kinds on @mlp
 * (borrowed for the sizes only). *@out is NULL when config->affinity is 0.
 * TM_ERR_NOMEM; free with tm_affinity_destroy.
 */
int tm_affinity_create(struct tm_affinity **out, const struct tm_trainer_config *config,
		       const struct tm_mlp *mlp, struct tm_error *err);
void tm_affinity_destroy(struct tm_affinity *affinity);

/*
 * tm_affinity_observe - called by tm_step_update after the loss of batch
 * @x and before its backward: on every `every`-th optimiser step (counted
 * by @optimizer->steps, so resumes measure the same steps) measure TAG and
 * cosine from @weight (the step's loss weights), @labels and @task_loss
 * (the per-task losses before the step). Leaves @mlp's parameters and
 * activations bit-identical and draws nothing from the training RNGs, so
 * the trajectory does not change. TM_ERR_NUMERIC for a non-finite lookahead.
 */
int tm_affinity_observe(struct tm_affinity *affinity, struct tm_mlp *mlp,
			const struct tm_optimizer *optimizer, const struct tm_mlp_input *x,
			const int8_t *labels, const float *weight, const float *dlogits,
			const double *task_loss, struct tm_error *err);

/* tm_affinity_heads - after the backward: add |head gradients| per task (heads). */
void tm_affinity_heads(struct tm_affinity *affinity, const struct tm_mlp *mlp);

/*
 * tm_affinity_matrix - the T x T matrix of @kind (one flag) into @out:
 * TAG the mean Z(i -> j) (NaN where never measured), cosine the mean
 * cosine (NaN where never measured), heads the cosine of the tasks' rows
 * of the truncated SVD of the centred, row-normalised head gradients.
 * @rank (may be NULL) gets the SVD rank kept (heads). TM_ERR_NOMEM, TM_ERR_NUMERIC.
 */
int tm_affinity_matrix(const struct tm_affinity *affinity, unsigned kind, double *out,
		       size_t *rank, struct tm_error *err);

/*
 * tm_affinity_write - store every recorded matrix of run @run_id as a run-level
 * matrix (analysis_id NULL): estimators "tag" (kind affinity, asymmetric),
 * "cosine" and "heads" (similarity), with their parameters (@config).
 */
int tm_affinity_write(const struct tm_affinity *affinity, struct tm_store *store,
		      int64_t run_id, const struct tm_trainer_config *config, struct tm_error *err);

/* Serialised running sums (for checkpoints): tm_affinity_bytes() bytes; 0 for NULL. */
size_t tm_affinity_bytes(const struct tm_affinity *affinity);
void tm_affinity_save(const struct tm_affinity *affinity, void *bytes);
int tm_affinity_load(struct tm_affinity *affinity, const void *bytes, size_t n_bytes,
		     struct tm_error *err);

/* What one optimisation step works on; every pointer borrowed. */
struct tm_step {
	struct tm_mlp *mlp;
	struct tm_optimizer *optimizer;
	struct tm_weighting *weighting;
	const float *pos_weight;  /* --balance: per task, or NULL */
	const float *task_scale;  /* extra per-task loss factor (soft memberships), or NULL */
	float *weight, *dlogits;  /* scratch: max_batch x n_tasks each */
	double *task_loss;        /* scratch: n_tasks */
	struct tm_affinity *affinity; /* --affinity running sums, or NULL */
	const struct tm_parallel *parallel; /* data-parallel ranks, or NULL for one process */
	double *task_bce;         /* n_tasks: unweighted BCE added per task (tm_mlp_loss), or NULL */
};

/*
 * tm_step_update - one optimisation step after the forward of batch @x gave
 * @logits (the caller may record them first): loss weights (weighting x
 * class weight x task_scale), the weighted masked BCE into *@loss, backward,
 * the optimiser's update and the weighting's step. TM_ERR_NUMERIC when the
 * loss is not finite (the parameters are then left as they were).
 *
 * With @step->parallel of several ranks, @x holds this rank's part of the
 * global batch (possibly no rows, @logits then unused): the normalisers,
 * gradients, per-task losses and *@loss are summed over the ranks before
 * the update, so every rank takes the same step (docs/methods.md).
 */
int tm_step_update(struct tm_step *step, const struct tm_mlp_input *x, const int8_t *labels,
		   const float *logits, double *loss, struct tm_error *err);

#endif
