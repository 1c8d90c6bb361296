/*
 * mlp.c - the multi-task MLP: a trunk of ReLU layers and one sigmoid head
 * per task, its forward and backward passes (dense layers through CBLAS
 * sgemm, a sparse first layer multiplied in CSR form), the masked weighted
 * binary cross-entropy, initialisation, input standardisation and
 * (de)serialisation of the parameters. Formulas: docs/methods.md.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>

#define MLP_MAGIC 0x504c4d54u /* "TMLP" */

int tm_mlp_create(struct tm_mlp **out, size_t n_inputs, const size_t *hidden,
		  size_t n_hidden, size_t n_tasks, size_t max_batch,
		  struct tm_error *err)
{
	struct tm_mlp *mlp = NULL;
	size_t total = 0, bytes;
	int rc = TM_ERR_NOMEM;

	*out = NULL;
	if (n_hidden > TM_TRAINER_MAX_HIDDEN || !n_inputs || !n_tasks || !max_batch)
		return tm_error_set(err, TM_ERR_USAGE, "impossible model shape");
	if (!(mlp = calloc(1, sizeof(*mlp))))
		goto out;
	mlp->n_inputs = n_inputs;
	mlp->n_tasks = n_tasks;
	mlp->n_layers = n_hidden + 1;
	mlp->max_batch = max_batch;
	mlp->width[0] = n_inputs;
	for (size_t l = 0; l < n_hidden; l++)
		mlp->width[l + 1] = hidden[l];
	mlp->width[mlp->n_layers] = n_tasks;
	for (size_t l = 0; l < mlp->n_layers; l++) {
		size_t w;

		if (tm_size_mul(mlp->width[l], mlp->width[l + 1], &w) < 0 ||
		    tm_size_add(total, w, &total) < 0)
			goto too_big;
		mlp->weight_offset[l] = total - w;
		mlp->bias_offset[l] = total;
		if (tm_size_add(total, mlp->width[l + 1], &total) < 0)
			goto too_big;
	}
	mlp->n_parameters = total;
	if (tm_size_mul(total, sizeof(float), &bytes) < 0)
		goto too_big;
	if (!(mlp->parameters = calloc(total, sizeof(float))) ||
	    !(mlp->gradients = calloc(total, sizeof(float))) ||
	    !(mlp->shift = calloc(n_inputs, sizeof(float))) ||
	    !(mlp->scale = malloc(n_inputs * sizeof(float))))
		goto out;
	for (size_t j = 0; j < n_inputs; j++)
		mlp->scale[j] = 1;
	for (size_t l = 1; l <= mlp->n_layers; l++) {
		size_t n;

		if (tm_size_mul(max_batch, mlp->width[l], &n) < 0)
			goto too_big;
		if (!(mlp->activation[l] = malloc(n * sizeof(float))) ||
		    !(mlp->delta[l] = malloc(n * sizeof(float))))
			goto out;
	}
	*out = mlp;
	return 0;
too_big:
	rc = TM_ERR_USAGE;
out:
	tm_mlp_destroy(mlp);
	if (rc == TM_ERR_USAGE)
		return tm_error_set(err, rc, "the model is too large for this machine");
	return tm_error_set(err, rc, "out of memory for the model");
}

void tm_mlp_destroy(struct tm_mlp *mlp)
{
	if (!mlp)
		return;
	for (size_t l = 0; l <= TM_TRAINER_MAX_HIDDEN + 1; l++) {
		free(mlp->activation[l]);
		free(mlp->delta[l]);
	}
	free(mlp->parameters);
	free(mlp->gradients);
	free(mlp->shift);
	free(mlp->scale);
	free(mlp);
}

void tm_mlp_init(struct tm_mlp *mlp, gsl_rng *rng)
{
	for (size_t l = 0; l < mlp->n_layers; l++) {
		size_t n_in = mlp->width[l], n_out = mlp->width[l + 1];
		float *w = mlp->parameters + mlp->weight_offset[l];
		int is_head = l + 1 == mlp->n_layers;
		double he = sqrt(2.0 / (double)n_in);
		double glorot = sqrt(6.0 / (double)(n_in + n_out));

		for (size_t k = 0; k < n_in * n_out; k++)
			w[k] = (float)(is_head ? gsl_ran_flat(rng, -glorot, glorot)
					       : gsl_ran_gaussian(rng, he));
		memset(mlp->parameters + mlp->bias_offset[l], 0, n_out * sizeof(float));
	}
}

/* column_moments - per column sum and sum of squares over @rows (double). */
static void column_moments(const struct tm_features *x, const size_t *rows, size_t n_rows,
			   double *sum, double *squares)
{
	for (size_t r = 0; r < n_rows; r++) {
		size_t i = rows[r];

		if (x->is_sparse) {
			for (size_t k = x->row_start[i]; k < x->row_start[i + 1]; k++) {
				double v = x->values[k];

				sum[x->col_index[k]] += v;
				squares[x->col_index[k]] += v * v;
			}
		} else {
			const float *row = x->dense + i * x->n_cols;

			for (size_t j = 0; j < x->n_cols; j++) {
				sum[j] += row[j];
				squares[j] += (double)row[j] * row[j];
			}
		}
	}
}

int tm_mlp_standardise(struct tm_mlp *mlp, const struct tm_features *features,
		       const size_t *rows, size_t n_rows, struct tm_error *err)
{
	double *sum = calloc(mlp->n_inputs, sizeof(double));
	double *squares = calloc(mlp->n_inputs, sizeof(double));
	int rc = 0;

	if (!sum || !squares) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	column_moments(features, rows, n_rows, sum, squares);
	for (size_t j = 0; j < mlp->n_inputs; j++) {
		double n = n_rows ? (double)n_rows : 1;
		double mean = sum[j] / n, spread;

		if (features->is_sparse) {
			spread = sqrt(squares[j] / n); /* RMS: scaling keeps zeros zero */
			mean = 0;
		} else {
			spread = sqrt(fmax(squares[j] / n - mean * mean, 0));
		}
		mlp->shift[j] = (float)mean;
		mlp->scale[j] = spread > 1e-12 ? (float)(1 / spread) : 1.0f;
	}
out:
	free(sum);
	free(squares);
	return rc;
}

/* add_bias_relu - Z += b per row, then max(Z, 0) unless @is_head. */
static void add_bias_relu(float *restrict z, const float *restrict bias, size_t n_rows,
			  size_t width, int is_head)
{
	for (size_t i = 0; i < n_rows; i++) {
		float *restrict row = z + i * width;

		if (is_head) {
			for (size_t j = 0; j < width; j++)
				row[j] += bias[j];
		} else {
			for (size_t j = 0; j < width; j++) {
				float v = row[j] + bias[j];

				row[j] = v > 0 ? v : 0;
			}
		}
	}
}

/* sparse_times - Z = X W for CSR rows X: each stored x_ik adds x_ik * W[k,:]. */
static void sparse_times(const struct tm_mlp_input *x, const float *restrict w,
			 size_t width, float *restrict z)
{
	for (size_t i = 0; i < x->n_rows; i++) {
		float *restrict row = z + i * width;

		memset(row, 0, width * sizeof(float));
		for (size_t k = x->row_start[i]; k < x->row_start[i + 1]; k++) {
			const float *restrict wk = w + (size_t)x->col_index[k] * width;
			float v = x->values[k];

			for (size_t j = 0; j < width; j++)
				row[j] += v * wk[j];
		}
	}
}

/* sparse_transpose_times - G = X^T D for CSR rows X: row k of G gathers x_ik D[i,:]. */
static void sparse_transpose_times(const struct tm_mlp_input *x, const float *restrict d,
				   size_t n_inputs, size_t width, float *restrict g)
{
	memset(g, 0, n_inputs * width * sizeof(float));
	for (size_t i = 0; i < x->n_rows; i++) {
		const float *restrict di = d + i * width;

		for (size_t k = x->row_start[i]; k < x->row_start[i + 1]; k++) {
			float *restrict gk = g + (size_t)x->col_index[k] * width;
			float v = x->values[k];

			for (size_t j = 0; j < width; j++)
				gk[j] += v * di[j];
		}
	}
}

const float *tm_mlp_forward(struct tm_mlp *mlp, const struct tm_mlp_input *x)
{
	size_t n = x->n_rows;

	for (size_t l = 0; l < mlp->n_layers; l++) {
		size_t n_in = mlp->width[l], n_out = mlp->width[l + 1];
		const float *w = mlp->parameters + mlp->weight_offset[l];
		float *z = mlp->activation[l + 1];

		if (l == 0 && !x->dense)
			sparse_times(x, w, n_out, z);
		else
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_out,
				    (int)n_in, 1.0f, l == 0 ? x->dense : mlp->activation[l],
				    (int)n_in, w, (int)n_out, 0.0f, z, (int)n_out);
		add_bias_relu(z, mlp->parameters + mlp->bias_offset[l], n, n_out,
			      l + 1 == mlp->n_layers);
	}
	return mlp->activation[mlp->n_layers];
}

double tm_bce(double z, int y)
{
	return fmax(z, 0) - z * y + log1p(exp(-fabs(z)));
}

/*
 * loss_row - one row of tm_mlp_loss over @n tasks: the gradient into @d,
 * the weighted BCE terms added to @sum and, when @with_bce, the unweighted
 * terms of the labelled pairs to @bce, per task. Straight-line code per
 * element (selects, tm_exp_negabs, tm_log1p_unit, no library call) so that
 * the loop vectorises; an absent pair adds 0 (exact). @weighted and
 * @with_bce are constants at each call, inlined, so each form is a loop
 * of its own (a load or store under a condition would not vectorise).
 */
static inline __attribute__((always_inline)) void loss_row(const float *restrict z,
	const int8_t *restrict y, const float *restrict w, float *restrict d,
	double *restrict sum, double *restrict bce, size_t n, int weighted, int with_bce)
{
	for (size_t t = 0; t < n; t++) {
		float zt = z[t], wt = weighted ? w[t] : 1.0f, e = tm_exp_negabs(zt);
		float label = y[t] == TM_LABEL_POSITIVE ? 1.0f : 0.0f;
		float sigma = (zt >= 0 ? 1.0f : e) / (1.0f + e);
		float term = (zt > 0 ? zt : 0.0f) - zt * label + tm_log1p_unit(e);
		int labelled = y[t] != TM_LABEL_MISSING, present = labelled & (wt != 0);

		d[t] = present ? wt * (sigma - label) : 0.0f;
		sum[t] += present ? (double)wt * (double)term : 0.0;
		if (with_bce)
			bce[t] += labelled ? (double)term : 0.0;
	}
}

#define LOSS_CHUNK 256 /* tasks summed at a time on the stack when @task_loss is NULL */

VECTOR_CLONES
double tm_mlp_loss(const struct tm_mlp *mlp, size_t n_rows, const int8_t *labels,
		   const float *weight, float *dlogits, double *task_loss, double *task_bce)
{
	const float *logits = mlp->activation[mlp->n_layers];
	size_t n_tasks = mlp->n_tasks, chunk = task_loss ? n_tasks : LOSS_CHUNK;
	double local[LOSS_CHUNK], *sum = task_loss ? task_loss : local, total = 0;

	/* per task over the rows, then the total over the tasks: vectorised sums */
	for (size_t t0 = 0; t0 < n_tasks; t0 += chunk) {
		size_t width = n_tasks - t0 < chunk ? n_tasks - t0 : chunk;
		double *bce = task_bce ? task_bce + t0 : NULL;

		memset(sum, 0, width * sizeof(double));
		for (size_t i = 0; i < n_rows; i++) {
			size_t k = i * n_tasks + t0;

			if (weight && bce)
				loss_row(logits + k, labels + k, weight + k, dlogits + k, sum, bce,
					 width, 1, 1);
			else if (weight)
				loss_row(logits + k, labels + k, weight + k, dlogits + k, sum, NULL,
					 width, 1, 0);
			else if (bce)
				loss_row(logits + k, labels + k, NULL, dlogits + k, sum, bce, width,
					 0, 1);
			else
				loss_row(logits + k, labels + k, NULL, dlogits + k, sum, NULL, width,
					 0, 0);
		}
		for (size_t t = 0; t < width; t++)
			total += sum[t];
	}
	return total;
}

/* column_sums - b[j] = sum_i d[i, j]. */
static void column_sums(const float *restrict d, size_t n_rows, size_t width,
			float *restrict b)
{
	memset(b, 0, width * sizeof(float));
	for (size_t i = 0; i < n_rows; i++)
		for (size_t j = 0; j < width; j++)
			b[j] += d[i * width + j];
}

/* relu_mask - D *= (A > 0): the ReLU's derivative, read from its output. */
static void relu_mask(float *restrict d, const float *restrict a, size_t n)
{
	for (size_t k = 0; k < n; k++)
		d[k] = a[k] > 0 ? d[k] : 0;
}

void tm_mlp_backward(struct tm_mlp *mlp, const struct tm_mlp_input *x,
		     const float *dlogits)
{
	size_t n = x->n_rows, top = mlp->n_layers;

	memcpy(mlp->delta[top], dlogits, n * mlp->n_tasks * sizeof(float));
	for (size_t l = top; l-- > 0;) {
		size_t n_in = mlp->width[l], n_out = mlp->width[l + 1];
		const float *d = mlp->delta[l + 1];
		const float *w = mlp->parameters + mlp->weight_offset[l];
		float *gw = mlp->gradients + mlp->weight_offset[l];

		if (l == 0 && !x->dense)
			sparse_transpose_times(x, d, n_in, n_out, gw);
		else
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_in, (int)n_out,
				    (int)n, 1.0f, l == 0 ? x->dense : mlp->activation[l],
				    (int)n_in, d, (int)n_out, 0.0f, gw, (int)n_out);
		column_sums(d, n, n_out, mlp->gradients + mlp->bias_offset[l]);
		if (l == 0)
			break;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n_in, (int)n_out,
			    1.0f, d, (int)n_out, w, (int)n_out, 0.0f, mlp->delta[l], (int)n_in);
		relu_mask(mlp->delta[l], mlp->activation[l], n * n_in);
	}
}

/* Serialised parameters: a header of uint64 fields, then shift, scale, parameters. */
struct mlp_header {
	uint64_t magic, n_inputs, n_tasks, n_layers, n_parameters;
	uint64_t width[TM_TRAINER_MAX_HIDDEN + 2];
};

static void fill_header(const struct tm_mlp *mlp, struct mlp_header *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = MLP_MAGIC;
	h->n_inputs = mlp->n_inputs;
	h->n_tasks = mlp->n_tasks;
	h->n_layers = mlp->n_layers;
	h->n_parameters = mlp->n_parameters;
	for (size_t l = 0; l <= mlp->n_layers; l++)
		h->width[l] = mlp->width[l];
}

int tm_mlp_save(const struct tm_mlp *mlp, void **bytes, size_t *n_bytes,
		struct tm_error *err)
{
	struct mlp_header h;
	size_t n = sizeof(h) + (2 * mlp->n_inputs + mlp->n_parameters) * sizeof(float);
	char *p;

	if (!(p = malloc(n)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the checkpoint");
	fill_header(mlp, &h);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), mlp->shift, mlp->n_inputs * sizeof(float));
	memcpy(p + sizeof(h) + mlp->n_inputs * sizeof(float), mlp->scale,
	       mlp->n_inputs * sizeof(float));
	memcpy(p + sizeof(h) + 2 * mlp->n_inputs * sizeof(float), mlp->parameters,
	       mlp->n_parameters * sizeof(float));
	*bytes = p;
	*n_bytes = n;
	return 0;
}

int tm_mlp_load(struct tm_mlp *mlp, const void *bytes, size_t n_bytes,
		struct tm_error *err)
{
	struct mlp_header want, got;
	const char *p = bytes;

	fill_header(mlp, &want);
	if (n_bytes != sizeof(want) + (2 * mlp->n_inputs + mlp->n_parameters) * sizeof(float))
		return tm_error_set(err, TM_ERR_INPUT, "the checkpoint does not fit the model");
	memcpy(&got, p, sizeof(got));
	if (memcmp(&got, &want, sizeof(got)) != 0)
		return tm_error_set(err, TM_ERR_INPUT, "the checkpoint has another model shape");
	memcpy(mlp->shift, p + sizeof(got), mlp->n_inputs * sizeof(float));
	memcpy(mlp->scale, p + sizeof(got) + mlp->n_inputs * sizeof(float),
	       mlp->n_inputs * sizeof(float));
	memcpy(mlp->parameters, p + sizeof(got) + 2 * mlp->n_inputs * sizeof(float),
	       mlp->n_parameters * sizeof(float));
	return 0;
}
