/*
 * affinity.c - gradient affinities recorded during training (`taskmap train
 * --affinity tag,cosine,heads`): TAG's lookahead inter-task affinity (Fifty
 * et al., NeurIPS 2021), the mean cosine of per-task trunk gradients, and
 * Selective Sharing's head-gradient factors (Strezoski et al., ICMR 2019).
 *
 * tm_step_update calls tm_affinity_observe between the loss and the backward
 * of a batch. On a measured step (every `every`-th optimiser step) each
 * task's loss is backpropagated alone through the trunk; cosine compares the
 * T gradients (one ssyrk), TAG takes a lookahead step on the trunk per source
 * task, measures every task's loss on the same batch and restores the trunk
 * and the forward's activations byte for byte. Source sampling draws from its
 * own GSL generator seeded from (seed, step), never from the training
 * streams, so a run with --affinity trains exactly like one without. The
 * sums live in the checkpoint (tm_affinity_save), so a resumed run ends with
 * the matrices of an uninterrupted one. Formulas: docs/methods.md,
 * "Gradient affinity".
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

/* Adam's constants as in optimizer.c (Kingma & Ba 2015) */
#define ADAM_BETA2 0.999
#define ADAM_EPSILON 1e-8
#define HEADS_ENERGY 0.9 /* SVD rank: smallest r keeping this share of sum s^2 */
#define AFFINITY_MAGIC 0x46464154u /* "TAFF" */
#define SOURCE_STREAM 0x41464653ull /* source sampling: a stream of its own */

/* step_seed - splitmix64 of (seed, step): the source sample of one measured step. */
static uint64_t step_seed(uint64_t seed, uint64_t step)
{
	uint64_t z = (seed ^ SOURCE_STREAM) + 0x9e3779b97f4a7c15ull * (step + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t activation_floats(const struct tm_mlp *mlp)
{
	size_t sum = 0;

	for (size_t l = 1; l <= mlp->n_layers; l++)
		sum += mlp->width[l];
	return sum * mlp->max_batch;
}

int tm_affinity_create(struct tm_affinity **out, const struct tm_trainer_config *config,
		       const struct tm_mlp *mlp, struct tm_error *err)
{
	struct tm_affinity *a;
	size_t T = mlp->n_tasks, cells = T > 0 ? T * T : 1, top = mlp->n_layers - 1;
	int failed = 0;

	*out = NULL;
	if (!config->affinity)
		return 0;
	if (!(a = calloc(1, sizeof(*a))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the affinity sums");
	a->kinds = config->affinity;
	a->n_tasks = T;
	a->every = config->affinity_every ? config->affinity_every : 1;
	a->sources = config->affinity_sources < T ? config->affinity_sources : 0;
	a->seed = config->seed;
	a->n_trunk = mlp->weight_offset[top];
	a->head_inputs = mlp->width[top] + 1;
#define ALLOC(p, n, type) (failed |= !((p) = calloc((n) > 0 ? (n) : 1, sizeof(type))))
	if (a->kinds & TM_AFFINITY_TAG) {
		ALLOC(a->tag_sum, cells, double);
		ALLOC(a->tag_count, cells, double);
	}
	if (a->kinds & TM_AFFINITY_COSINE) {
		ALLOC(a->cosine_sum, cells, double);
		ALLOC(a->cosine_count, cells, double);
		ALLOC(a->gram, cells, float);
	}
	if (a->kinds & TM_AFFINITY_HEADS)
		ALLOC(a->heads, T * a->head_inputs, double);
	if (a->kinds & (TM_AFFINITY_TAG | TM_AFFINITY_COSINE)) {
		size_t rows = a->kinds & TM_AFFINITY_COSINE ? T : 0;

		if (rows && a->n_trunk > (size_t)-1 / sizeof(float) / rows)
			failed = 1;
		else if (rows)
			ALLOC(a->gradients, rows * a->n_trunk, float);
		ALLOC(a->saved, a->n_trunk, float);
		ALLOC(a->activations, activation_floats(mlp), float);
		ALLOC(a->dlogits, mlp->max_batch * T, float);
		ALLOC(a->loss_after, T, double);
		ALLOC(a->source_index, T, size_t);
		ALLOC(a->all_tasks, T, size_t);
		ALLOC(a->has_gradient, T, int);
	}
#undef ALLOC
	if (failed) {
		tm_affinity_destroy(a);
		return tm_error_set(err, TM_ERR_NOMEM,
				    "out of memory for the affinity sums (cosine keeps %zu x %zu"
				    " trunk gradients)", T, mlp->weight_offset[top]);
	}
	for (size_t t = 0; a->all_tasks && t < T; t++)
		a->all_tasks[t] = t;
	*out = a;
	return 0;
}

void tm_affinity_destroy(struct tm_affinity *a)
{
	if (!a)
		return;
	free(a->tag_sum);
	free(a->tag_count);
	free(a->cosine_sum);
	free(a->cosine_count);
	free(a->heads);
	free(a->gradients);
	free(a->saved);
	free(a->activations);
	free(a->dlogits);
	free(a->gram);
	free(a->loss_after);
	free(a->source_index);
	free(a->all_tasks);
	free(a->has_gradient);
	free(a);
}

/* keep_activations - copy the forward's activations out (@restore 0) or back (1). */
static void keep_activations(struct tm_affinity *a, struct tm_mlp *mlp, size_t n, int restore)
{
	float *p = a->activations;

	for (size_t l = 1; l <= mlp->n_layers; l++) {
		size_t bytes = n * mlp->width[l] * sizeof(float);

		if (restore)
			memcpy(mlp->activation[l], p, bytes);
		else
			memcpy(p, mlp->activation[l], bytes);
		p += n * mlp->width[l];
	}
}

/*
 * task_gradient - the gradient of task @t's loss alone (its column of the
 * step's @dlogits) w.r.t. all parameters into mlp->gradients; the trunk's
 * part is what the estimators use.
 */
static void task_gradient(struct tm_affinity *a, struct tm_mlp *mlp,
			  const struct tm_mlp_input *x, const float *dlogits, size_t t)
{
	size_t n = x->n_rows, T = a->n_tasks;

	memset(a->dlogits, 0, n * T * sizeof(float));
	for (size_t i = 0; i < n; i++)
		a->dlogits[i * T + t] = dlogits[i * T + t];
	tm_mlp_backward(mlp, x, a->dlogits);
}

/* measure_cosine - all T trunk gradients into a->gradients, their pairwise cosines summed. */
static void measure_cosine(struct tm_affinity *a, struct tm_mlp *mlp,
			   const struct tm_mlp_input *x, const float *dlogits)
{
	size_t T = a->n_tasks, P = a->n_trunk;

	for (size_t t = 0; t < T; t++) {
		float *row = a->gradients + t * P;

		if (a->has_gradient[t]) {
			task_gradient(a, mlp, x, dlogits, t);
			memcpy(row, mlp->gradients, P * sizeof(float));
		} else {
			memset(row, 0, P * sizeof(float));
		}
	}
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)T, (int)P, 1.0f, a->gradients,
		    (int)P, 0.0f, a->gram, (int)T);
	for (size_t i = 0; i < T; i++)
		for (size_t j = i; j < T; j++) {
			double gi = a->gram[i * T + i], gj = a->gram[j * T + j], c;

			if (!(gi > 0 && gj > 0))
				continue;
			c = i == j ? 1 : a->gram[i * T + j] / sqrt(gi * gj);
			c = c > 1 ? 1 : c < -1 ? -1 : c;
			a->cosine_sum[i * T + j] += c;
			a->cosine_count[i * T + j] += 1;
			if (i != j) {
				a->cosine_sum[j * T + i] += c;
				a->cosine_count[j * T + i] += 1;
			}
		}
}

/*
 * lookahead - theta_trunk -= the step the optimiser would take on gradient
 * @g alone: Adam's preconditioned step with its second moment updated by g
 * and no first moment (momentum is shared by all sources and would hide
 * their differences); SGD's plain lr g. docs/methods.md.
 */
static void lookahead(const struct tm_affinity *a, float *theta, const float *g,
		      const struct tm_optimizer *o)
{
	float lr = (float)o->learning_rate;

	if (o->kind == TM_OPTIMIZER_ADAM) {
		double t = (double)o->steps + 1;
		float b2 = (float)ADAM_BETA2, correction = (float)(1 - pow(ADAM_BETA2, t));
		float epsilon = (float)ADAM_EPSILON;

		for (size_t k = 0; k < a->n_trunk; k++) {
			float v = (b2 * o->second[k] + (1 - b2) * g[k] * g[k]) / correction;

			theta[k] -= lr * g[k] / (sqrtf(v) + epsilon);
		}
	} else {
		for (size_t k = 0; k < a->n_trunk; k++)
			theta[k] -= lr * g[k];
	}
}

/* choose_sources - the TAG sources of this step: all tasks, or a seeded sample. */
static size_t choose_sources(struct tm_affinity *a, uint64_t step, struct tm_error *err)
{
	gsl_rng *rng;

	if (!a->sources) {
		memcpy(a->source_index, a->all_tasks, a->n_tasks * sizeof(size_t));
		return a->n_tasks;
	}
	if (!(rng = tm_rng_create(step_seed(a->seed, step)))) {
		tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		return 0;
	}
	gsl_ran_choose(rng, a->source_index, a->sources, a->all_tasks, a->n_tasks, sizeof(size_t));
	gsl_rng_free(rng);
	return a->sources;
}

static int measure_tag(struct tm_affinity *a, struct tm_mlp *mlp,
		       const struct tm_optimizer *optimizer, const struct tm_mlp_input *x,
		       const int8_t *labels, const float *weight, const float *dlogits,
		       const double *task_loss, struct tm_error *err)
{
	size_t T = a->n_tasks, n = x->n_rows, n_sources;
	float *theta = mlp->parameters;

	if (!(n_sources = choose_sources(a, optimizer->steps, err)))
		return TM_ERR_NOMEM;
	memcpy(a->saved, theta, a->n_trunk * sizeof(float));
	for (size_t s = 0; s < n_sources; s++) {
		size_t i = a->source_index[s];
		const float *g;

		if (!a->has_gradient[i])
			continue;
		if (a->gradients) {
			g = a->gradients + i * a->n_trunk;
		} else {
			task_gradient(a, mlp, x, dlogits, i);
			g = mlp->gradients;
		}
		lookahead(a, theta, g, optimizer);
		tm_mlp_forward(mlp, x);
		tm_mlp_loss(mlp, n, labels, weight, a->dlogits, a->loss_after, NULL);
		memcpy(theta, a->saved, a->n_trunk * sizeof(float));
		keep_activations(a, mlp, n, 1);
		for (size_t j = 0; j < T; j++) {
			double z;

			if (!(task_loss[j] > 0))
				continue;
			z = 1 - a->loss_after[j] / task_loss[j];
			if (!isfinite(z))
				return tm_error_set(err, TM_ERR_NUMERIC,
						    "the TAG lookahead loss is not finite: try a smaller --lr");
			a->tag_sum[i * T + j] += z;
			a->tag_count[i * T + j] += 1;
		}
	}
	return 0;
}

int tm_affinity_observe(struct tm_affinity *a, struct tm_mlp *mlp,
			const struct tm_optimizer *optimizer, const struct tm_mlp_input *x,
			const int8_t *labels, const float *weight, const float *dlogits,
			const double *task_loss, struct tm_error *err)
{
	size_t n = x->n_rows;
	int rc = 0;

	if (!(a->kinds & (TM_AFFINITY_TAG | TM_AFFINITY_COSINE)) || optimizer->steps % a->every)
		return 0;
	for (size_t t = 0; t < a->n_tasks; t++)
		a->has_gradient[t] = task_loss[t] > 0;
	keep_activations(a, mlp, n, 0);
	if (a->kinds & TM_AFFINITY_COSINE)
		measure_cosine(a, mlp, x, dlogits);
	if (a->kinds & TM_AFFINITY_TAG)
		rc = measure_tag(a, mlp, optimizer, x, labels, weight, dlogits, task_loss, err);
	keep_activations(a, mlp, n, 1);
	a->measured++;
	return rc;
}

void tm_affinity_heads(struct tm_affinity *a, const struct tm_mlp *mlp)
{
	size_t T = a->n_tasks, H = a->head_inputs - 1, top = mlp->n_layers - 1;
	const float *gw = mlp->gradients + mlp->weight_offset[top];
	const float *gb = mlp->gradients + mlp->bias_offset[top];

	if (!(a->kinds & TM_AFFINITY_HEADS))
		return;
	for (size_t h = 0; h < H; h++)
		for (size_t t = 0; t < T; t++)
			a->heads[t * (H + 1) + h] += fabsf(gw[h * T + t]);
	for (size_t t = 0; t < T; t++)
		a->heads[t * (H + 1) + H] += fabsf(gb[t]);
	a->head_steps++;
}

/* mean_of - sum / count, NaN where nothing was measured. */
static void mean_of(const double *sum, const double *count, size_t cells, double *out)
{
	for (size_t c = 0; c < cells; c++)
		out[c] = count[c] > 0 ? sum[c] / count[c] : NAN;
}

/* cosine_rows - cosine of the rows of @f (n x stride, first @r columns); 0 for zero rows. */
static void cosine_rows(const gsl_matrix *f, size_t r, double *out)
{
	size_t n = f->size1;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double dot = 0, ii = 0, jj = 0;

			for (size_t c = 0; c < r; c++) {
				double x = gsl_matrix_get(f, i, c), y = gsl_matrix_get(f, j, c);

				dot += x * y;
				ii += x * x;
				jj += y * y;
			}
			out[i * n + j] = i == j ? 1 : ii > 0 && jj > 0 ? dot / sqrt(ii * jj) : 0;
		}
}

/*
 * heads_matrix - rows h_t of the accumulated |head gradients| scaled to unit
 * norm, columns centred over tasks, A = U S V^T (GSL's Golub-Reinsch SVD);
 * task factors F = U S truncated to the smallest rank keeping
 * HEADS_ENERGY of sum s^2; out = cos(F_s, F_t).
 */
static int heads_matrix(const struct tm_affinity *a, double *out, size_t *rank,
			struct tm_error *err)
{
	size_t T = a->n_tasks, C = a->head_inputs, tall = T >= C, k = tall ? C : T, r = 0;
	gsl_matrix *m = gsl_matrix_calloc(tall ? T : C, k), *v = gsl_matrix_alloc(k, k);
	gsl_matrix *f = NULL;
	gsl_vector *s = gsl_vector_alloc(k), *work = gsl_vector_alloc(k);
	double total = 0, kept = 0;
	int rc = 0;

	if (!m || !v || !s || !work || !(f = gsl_matrix_calloc(T, k))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t t = 0; t < T; t++) {
		double norm = 0;

		for (size_t c = 0; c < C; c++)
			norm += a->heads[t * C + c] * a->heads[t * C + c];
		norm = norm > 0 ? sqrt(norm) : 1;
		for (size_t c = 0; c < C; c++) {
			double x = a->heads[t * C + c] / norm;

			if (tall)
				gsl_matrix_set(m, t, c, x);
			else
				gsl_matrix_set(m, c, t, x);
		}
	}
	for (size_t c = 0; c < C; c++) {
		double mean = 0;

		for (size_t t = 0; t < T; t++)
			mean += tall ? gsl_matrix_get(m, t, c) : gsl_matrix_get(m, c, t);
		mean /= (double)T;
		for (size_t t = 0; t < T; t++) {
			double *p = tall ? gsl_matrix_ptr(m, t, c) : gsl_matrix_ptr(m, c, t);

			*p -= mean;
		}
	}
	if (gsl_linalg_SV_decomp(m, v, s, work) != GSL_SUCCESS) {
		rc = tm_error_set(err, TM_ERR_NUMERIC, "the SVD of the head gradients failed");
		goto out;
	}
	/* tall: A = U S V^T, F = U S (U in m); wide: A^T = U S V^T, F = V S */
	for (size_t t = 0; t < T; t++)
		for (size_t c = 0; c < k; c++)
			gsl_matrix_set(f, t, c, (tall ? gsl_matrix_get(m, t, c) : gsl_matrix_get(v, t, c)) *
					      gsl_vector_get(s, c));
	for (size_t c = 0; c < k; c++)
		total += gsl_vector_get(s, c) * gsl_vector_get(s, c);
	while (r < k && (r == 0 || kept < HEADS_ENERGY * total)) {
		kept += gsl_vector_get(s, r) * gsl_vector_get(s, r);
		r++;
	}
	if (!(total > 0))
		r = 0;
	cosine_rows(f, r, out);
	if (rank)
		*rank = r;
out:
	gsl_matrix_free(m);
	gsl_matrix_free(v);
	gsl_matrix_free(f);
	gsl_vector_free(s);
	gsl_vector_free(work);
	return rc;
}

int tm_affinity_matrix(const struct tm_affinity *a, unsigned kind, double *out, size_t *rank,
		       struct tm_error *err)
{
	size_t cells = a->n_tasks * a->n_tasks;

	if (rank)
		*rank = 0;
	if (!(a->kinds & kind))
		return tm_error_set(err, TM_ERR_USAGE, "this affinity was not recorded");
	if (kind == TM_AFFINITY_TAG)
		mean_of(a->tag_sum, a->tag_count, cells, out);
	else if (kind == TM_AFFINITY_COSINE)
		mean_of(a->cosine_sum, a->cosine_count, cells, out);
	else
		return heads_matrix(a, out, rank, err);
	return 0;
}

int tm_affinity_write(const struct tm_affinity *a, struct tm_store *store, int64_t run_id,
		      const struct tm_trainer_config *config, struct tm_error *err)
{
	static const unsigned kinds[] = { TM_AFFINITY_TAG, TM_AFFINITY_COSINE, TM_AFFINITY_HEADS };
	static const char *const names[] = { "tag", "cosine", "heads" };
	size_t T = a->n_tasks, rank;
	double *values = malloc((T > 0 ? T * T : 1) * sizeof(double));
	int64_t *task_index = malloc((T > 0 ? T : 1) * sizeof(int64_t));
	char params[512];
	int rc = 0;

	if (!values || !task_index) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t t = 0; t < T; t++)
		task_index[t] = (int64_t)t;
	for (size_t k = 0; k < 3 && rc == 0; k++) {
		struct tm_matrix_record record = { .run_id = run_id, .estimator = names[k],
						   .n_tasks = T, .params_json = params };

		if (!(a->kinds & kinds[k]))
			continue;
		if ((rc = tm_affinity_matrix(a, kinds[k], values, &rank, err)) < 0)
			break;
		record.kind = kinds[k] == TM_AFFINITY_TAG ? "affinity" : "similarity";
		record.symmetric = kinds[k] != TM_AFFINITY_TAG;
		if (kinds[k] == TM_AFFINITY_HEADS)
			snprintf(params, sizeof(params),
				 "{\"recorded_by\": \"train\", \"steps\": %llu, \"statistic\":"
				 " \"sum of |dL_t/dw_head_t|\", \"svd_rank\": %zu, \"energy\": %.17g}",
				 (unsigned long long)a->head_steps, rank, HEADS_ENERGY);
		else
			snprintf(params, sizeof(params),
				 "{\"recorded_by\": \"train\", \"every\": %zu, \"measured_steps\": %llu,"
				 " \"sources\": %zu, \"optimizer\": \"%s\", \"lr\": %.17g%s}",
				 a->every, (unsigned long long)a->measured, a->sources,
				 config->optimizer == TM_OPTIMIZER_ADAM ? "adam" : "sgd",
				 config->learning_rate,
				 kinds[k] == TM_AFFINITY_TAG
				 ? ", \"definition\": \"Z(i->j) = 1 - L_j(after step on L_i) / L_j(before)"
				   " at (task_i, task_j)\", \"divided_by_lr\": false, \"lookahead\":"
				   " \"trunk only; adam: lr g / (sqrt(v') + eps), no momentum\""
				 : "");
		rc = tm_store_write_matrix(store, &record, task_index, values, err);
	}
out:
	free(values);
	free(task_index);
	return rc;
}

/* Bytes: uint64 magic, kinds, n_tasks, head_inputs, measured, head_steps; then the sums. */
#define HEADER_WORDS 6

static size_t sum_cells(const struct tm_affinity *a)
{
	size_t cells = 0, square = a->n_tasks * a->n_tasks;

	if (a->kinds & TM_AFFINITY_TAG)
		cells += 2 * square;
	if (a->kinds & TM_AFFINITY_COSINE)
		cells += 2 * square;
	if (a->kinds & TM_AFFINITY_HEADS)
		cells += a->n_tasks * a->head_inputs;
	return cells;
}

size_t tm_affinity_bytes(const struct tm_affinity *a)
{
	return a ? HEADER_WORDS * sizeof(uint64_t) + sum_cells(a) * sizeof(double) : 0;
}

/* each_array - the sums in their serialised order. */
static size_t each_array(const struct tm_affinity *a, double **arrays, size_t *lengths)
{
	size_t n = 0, square = a->n_tasks * a->n_tasks;

	if (a->kinds & TM_AFFINITY_TAG) {
		arrays[n] = a->tag_sum, lengths[n++] = square;
		arrays[n] = a->tag_count, lengths[n++] = square;
	}
	if (a->kinds & TM_AFFINITY_COSINE) {
		arrays[n] = a->cosine_sum, lengths[n++] = square;
		arrays[n] = a->cosine_count, lengths[n++] = square;
	}
	if (a->kinds & TM_AFFINITY_HEADS)
		arrays[n] = a->heads, lengths[n++] = a->n_tasks * a->head_inputs;
	return n;
}

void tm_affinity_save(const struct tm_affinity *a, void *bytes)
{
	uint64_t head[HEADER_WORDS] = { AFFINITY_MAGIC, a->kinds, a->n_tasks, a->head_inputs,
					 a->measured, a->head_steps };
	double *arrays[5];
	size_t lengths[5], n = each_array(a, arrays, lengths);
	char *p = bytes;

	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	for (size_t k = 0; k < n; k++) {
		memcpy(p, arrays[k], lengths[k] * sizeof(double));
		p += lengths[k] * sizeof(double);
	}
}

int tm_affinity_load(struct tm_affinity *a, const void *bytes, size_t n_bytes,
		     struct tm_error *err)
{
	uint64_t head[HEADER_WORDS];
	double *arrays[5];
	size_t lengths[5], n = each_array(a, arrays, lengths);
	const char *p = bytes;

	if (n_bytes != tm_affinity_bytes(a))
		return tm_error_set(err, TM_ERR_INPUT, "the affinity sums have the wrong size");
	memcpy(head, p, sizeof(head));
	if (head[0] != AFFINITY_MAGIC || head[1] != a->kinds || head[2] != a->n_tasks ||
	    head[3] != a->head_inputs)
		return tm_error_set(err, TM_ERR_INPUT, "the affinity sums belong to another run");
	a->measured = head[4];
	a->head_steps = head[5];
	p += sizeof(head);
	for (size_t k = 0; k < n; k++) {
		memcpy(arrays[k], p, lengths[k] * sizeof(double));
		p += lengths[k] * sizeof(double);
	}
	return 0;
}
