/*
 * relatedness.c - task relatedness estimators: STG-MTL's raw data-map
 * vectors with Euclidean distance, correlation of confidence profiles, label
 * co-occurrence (phi and r(j|i)), correlation of predicted probabilities
 * (over the window mean, or epoch by epoch and averaged).
 * Every pairwise sum is a BLAS product (sgemm/ssyrk over tasks x samples);
 * missing labels are handled pairwise over commonly labelled samples.
 */
#include "analyzers.h"
#include "large-alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#define MIN_COMMON_SAMPLES 3 /* fewer common labelled samples: similarity 0 */
#define CONSTANT_VARIANCE 1e-10 /* below (per sample): no variation */

static const char *const estimator_names[TM_ESTIMATOR_COUNT] = {
	"datamap-stg", "datamap", "labels", "predictions", "predictions-epochwise",
	"tag", "cosine", "heads",
};

const char *tm_estimator_name(enum tm_estimator estimator)
{
	return estimator < TM_ESTIMATOR_COUNT ? estimator_names[estimator] : "?";
}

int tm_estimator_parse(const char *name, enum tm_estimator *out)
{
	for (int e = 0; e < TM_ESTIMATOR_COUNT; e++)
		if (strcmp(name, estimator_names[e]) == 0) {
			*out = (enum tm_estimator)e;
			return 0;
		}
	return TM_ERR_USAGE;
}

void tm_relatedness_release(struct tm_relatedness *r)
{
	if (!r)
		return;
	free(r->gram);
	free(r->distance);
	free(r->affinity);
	free(r->stored);
	free(r->conditional);
	memset(r, 0, sizeof(*r));
}

/*
 * product_into - @out (n x n double) = @a @b^T for float a, b (n x m); a == b
 * uses ssyrk. @result is the caller's n x n float scratch for BLAS's output.
 */
static void product_into(const float *a, const float *b, size_t n, size_t m, double *out,
			 float *result)
{
	if (n && m) {
		if (a == b) {
			cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)m, 1.0f, a,
				    (int)m, 0.0f, result, (int)n);
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < i; j++)
					result[i * n + j] = result[j * n + i];
		} else {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)m,
				    1.0f, a, (int)m, b, (int)m, 0.0f, result, (int)n);
		}
	} else {
		memset(result, 0, n * n * sizeof(float));
	}
	for (size_t c = 0; c < n * n; c++)
		out[c] = result[c];
}

/* product - product_into with scratch of its own. */
static int product(const float *a, const float *b, size_t n, size_t m, double *out,
		   struct tm_error *err)
{
	float *result = large_alloc(n * n * sizeof(float));

	if (!result)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	product_into(a, b, n, m, out, result);
	free(result);
	return 0;
}

/* centre_rows - z = x - row mean (over present values), 0 where missing; mask 1/0. */
static int centre_rows(const float *x, size_t n_rows, size_t n_cols, float *z, float *mask)
{
	int missing = 0;

	for (size_t i = 0; i < n_rows; i++) {
		const float *row = x + i * n_cols;
		double sum = 0;
		size_t present = 0;

		for (size_t s = 0; s < n_cols; s++)
			if (row[s] == row[s]) {
				sum += row[s];
				present++;
			}
		for (size_t s = 0; s < n_cols; s++) {
			int here = row[s] == row[s];

			z[i * n_cols + s] = here ? (float)(row[s] - sum / (double)(present ? present : 1)) : 0.0f;
			if (mask)
				mask[i * n_cols + s] = here ? 1.0f : 0.0f;
			missing |= !here;
		}
	}
	return missing;
}

/* correlation_of - r from pairwise sums; 0 for no variation or too few samples. */
static double correlation_of(double n, double sx, double sy, double sxx, double syy,
			     double sxy, size_t min_common)
{
	double varx, vary, r;

	if (n < (double)min_common || n < 2)
		return 0;
	varx = sxx - sx * sx / n;
	vary = syy - sy * sy / n;
	if (varx <= CONSTANT_VARIANCE * n || vary <= CONSTANT_VARIANCE * n)
		return 0;
	r = (sxy - sx * sy / n) / sqrt(varx * vary);
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

/*
 * complete_correlation - no missing value: one ssyrk of the centred rows;
 * @scratch is n_rows x n_rows floats for it, or NULL to allocate them.
 */
static int complete_correlation(const float *z, size_t n_rows, size_t n_cols, size_t min_common,
				double *out, double *common, float *scratch, struct tm_error *err)
{
	int rc = scratch ? (product_into(z, z, n_rows, n_cols, out, scratch), 0)
		: product(z, z, n_rows, n_cols, out, err);
	double *diagonal;

	if (rc < 0)
		return rc;
	if (!(diagonal = malloc((n_rows ? n_rows : 1) * sizeof(double))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n_rows; i++)
		diagonal[i] = out[i * n_rows + i];
	for (size_t i = 0; i < n_rows; i++)
		for (size_t j = 0; j < n_rows; j++) {
			double n = (double)n_cols;

			out[i * n_rows + j] = correlation_of(n, 0, 0, diagonal[i], diagonal[j],
							     out[i * n_rows + j], min_common);
			if (common)
				common[i * n_rows + j] = n;
		}
	free(diagonal);
	return 0;
}

/* pairwise_sums - the sums over common columns: counts, sums, squares, products. */
struct pairwise_sums {
	double *count, *sum, *squares, *products;
};

static int pairwise_correlation_missing(const float *z, const float *mask, size_t n_rows,
					size_t n_cols, size_t min_common, double *out,
					double *common, struct tm_error *err)
{
	size_t cells = n_rows * n_cols, pairs = n_rows * n_rows;
	struct pairwise_sums s = { 0 };
	float *squared = large_alloc(cells * sizeof(float));
	int rc = TM_ERR_NOMEM;

	s.count = large_alloc(pairs * sizeof(double));
	s.sum = large_alloc(pairs * sizeof(double));
	s.squares = large_alloc(pairs * sizeof(double));
	if (!squared || !s.count || !s.sum || !s.squares) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < cells; c++)
		squared[c] = z[c] * z[c];
	s.products = out;
	/* sum[i][j] = sum of row i over the columns row j has; squares likewise */
	if ((rc = product(mask, mask, n_rows, n_cols, s.count, err)) < 0 ||
	    (rc = product(z, mask, n_rows, n_cols, s.sum, err)) < 0 ||
	    (rc = product(squared, mask, n_rows, n_cols, s.squares, err)) < 0 ||
	    (rc = product(z, z, n_rows, n_cols, s.products, err)) < 0)
		goto out;
	for (size_t i = 0; i < n_rows; i++)
		for (size_t j = 0; j < n_rows; j++) {
			size_t ij = i * n_rows + j, ji = j * n_rows + i;

			if (common)
				common[ij] = s.count[ij];
			if (j < i)
				continue;
			out[ij] = correlation_of(s.count[ij], s.sum[ij], s.sum[ji], s.squares[ij],
						 s.squares[ji], s.products[ij], min_common);
			out[ji] = out[ij];
		}
	rc = 0;
out:
	free(squared);
	free(s.count);
	free(s.sum);
	free(s.squares);
	return rc;
}

/*
 * correlation_with_scratch - tm_pairwise_correlation with the caller's
 * scratch @z and @mask (n_rows x n_cols each; @z may be @x itself, which is
 * then overwritten; @mask may be NULL, then one is allocated if a value is
 * missing) and @square (n_rows x n_rows floats, or NULL), so that a loop
 * over epochs does not map and fault in fresh pages every time.
 */
static int correlation_with_scratch(const float *x, size_t n_rows, size_t n_cols,
				    size_t min_common, double *out, double *common, float *z,
				    float *mask, float *square, struct tm_error *err)
{
	float *own = NULL;
	int rc;

	if (!centre_rows(x, n_rows, n_cols, z, mask))
		rc = complete_correlation(z, n_rows, n_cols, min_common, out, common, square, err);
	else if (!mask && z == x) /* the missing cells are overwritten: a caller's bug */
		rc = tm_error_set(err, TM_ERR_USAGE,
				  "in-place correlation of rows with missing values needs a mask");
	else if (!mask && !(own = large_alloc(n_rows * n_cols * sizeof(float))))
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	else {
		if (own)
			centre_rows(x, n_rows, n_cols, z, mask = own);
		rc = pairwise_correlation_missing(z, mask, n_rows, n_cols, min_common, out, common, err);
	}
	free(own);
	for (size_t i = 0; i < n_rows && rc == 0; i++)
		out[i * n_rows + i] = 1;
	return rc;
}

int tm_pairwise_correlation(const float *x, size_t n_rows, size_t n_cols, size_t min_common,
			    double *out, double *common, struct tm_error *err)
{
	size_t cells;
	float *z = NULL, *mask = NULL;
	int rc;

	if (tm_size_mul(n_rows, n_cols, &cells) < 0 ||
	    !(z = large_alloc(cells * sizeof(float))) ||
	    !(mask = large_alloc(cells * sizeof(float))))
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	else
		rc = correlation_with_scratch(x, n_rows, n_cols, min_common, out, common, z, mask, NULL,
					      err);
	free(z);
	free(mask);
	return rc;
}

/* ---- derived matrices ----------------------------------------------------------- */

static int allocate_matrices(struct tm_relatedness *r, size_t n, struct tm_error *err)
{
	size_t cells = n * n;

	r->n_tasks = n;
	r->gram = large_alloc(cells * sizeof(double));
	r->distance = large_alloc(cells * sizeof(double));
	r->affinity = large_alloc(cells * sizeof(double));
	r->stored = large_alloc(cells * sizeof(double));
	if (!r->gram || !r->distance || !r->affinity || !r->stored)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	return 0;
}

/* distances_from_gram - d_ij = sqrt(max(0, g_ii + g_jj - 2 g_ij)). */
static void distances_from_gram(struct tm_relatedness *r)
{
	size_t n = r->n_tasks;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double d2 = r->gram[i * n + i] + r->gram[j * n + j] - 2 * r->gram[i * n + j];

			r->distance[i * n + j] = i == j || d2 <= 0 ? 0 : sqrt(d2);
		}
}

/* count_constant - tasks whose correlation with every other task is exactly 0. */
static size_t count_constant(const double *similarity, size_t n)
{
	size_t constant = 0;

	for (size_t i = 0; i < n && n > 1; i++) {
		size_t zero = 0;

		for (size_t j = 0; j < n; j++)
			zero += j != i && similarity[i * n + j] == 0;
		constant += zero == n - 1;
	}
	return constant;
}

/* from_correlation - gram = r, distance sqrt(2 - 2r), affinity max(0, r). */
static int from_correlation(const float *rows, size_t n, size_t m, struct tm_relatedness *r,
			    struct tm_error *err)
{
	double *common = large_alloc(n * n * sizeof(double));
	int rc;

	if (!common)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	rc = tm_pairwise_correlation(rows, n, m, MIN_COMMON_SAMPLES, r->gram, common, err);
	for (size_t c = 0; c < n * n && rc == 0; c++) {
		r->stored[c] = r->gram[c];
		r->affinity[c] = r->gram[c] > 0 ? r->gram[c] : 0;
		r->n_sparse_pairs += c / n < c % n && common[c] < MIN_COMMON_SAMPLES;
	}
	free(common);
	if (rc == 0) {
		distances_from_gram(r);
		r->stored_kind = "similarity";
		r->n_constant = count_constant(r->stored, n);
	}
	return rc;
}

/* ---- the estimators ------------------------------------------------------------ */

/* impute_task_mean - a copy of @x with missing values replaced by their row's mean. */
static float *impute_task_mean(const float *x, size_t n, size_t m)
{
	float *copy = large_alloc(n * m * sizeof(float));

	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		double sum = 0;
		size_t present = 0;

		for (size_t s = 0; s < m; s++)
			if (x[i * m + s] == x[i * m + s]) {
				sum += x[i * m + s];
				present++;
			}
		for (size_t s = 0; s < m; s++)
			copy[i * m + s] = x[i * m + s] == x[i * m + s] ? x[i * m + s]
				: (float)(present ? sum / (double)present : 0);
	}
	return copy;
}

/*
 * estimate_stg - STG-MTL (Sherif et al. 2023): task i's feature vector is
 * the concatenation of its samples' confidences and variabilities; distance
 * Euclidean. Gram = C C^T + V V^T. Missing values take the task's mean.
 */
static int estimate_stg(const struct tm_datamap *map, struct tm_relatedness *r,
			struct tm_error *err)
{
	size_t n = map->n_tasks, m = map->n_samples, cells = n * n > 0 ? n * n : 1;
	float *confidence = impute_task_mean(map->confidence, n, m);
	float *variability = impute_task_mean(map->variability, n, m);
	double *second = large_alloc(cells * sizeof(double));
	int rc = 0;

	if (!confidence || !variability || !second)
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (rc == 0 && (rc = product(confidence, confidence, n, m, r->gram, err)) == 0 &&
	    (rc = product(variability, variability, n, m, second, err)) == 0) {
		for (size_t c = 0; c < n * n; c++)
			r->gram[c] += second[c];
		distances_from_gram(r);
		memcpy(r->stored, r->distance, n * n * sizeof(double));
		r->stored_kind = "distance";
		tm_affinity_from_stored(r->stored_kind, r->stored, n, r->affinity);
	}
	free(confidence);
	free(variability);
	free(second);
	return rc;
}

/* label_rows - labels as floats (NaN missing); predicted P(y=1) when @predicted. */
static float *label_rows(const struct tm_datamap *map, int predicted)
{
	size_t cells = map->n_tasks * map->n_samples;
	float *rows = large_alloc(cells * sizeof(float));

	if (!rows)
		return NULL;
	for (size_t c = 0; c < cells; c++) {
		int8_t y = map->labels[c];
		float p = map->confidence[c];

		if (y < 0 || (predicted && p != p))
			rows[c] = NAN;
		else
			rows[c] = !predicted ? (float)y : y == 1 ? p : 1.0f - p;
	}
	return rows;
}

/*
 * conditional_relatedness - r(j|i) = P(y_j = 1 | y_i = 1) over samples
 * labelled for both (Kollias et al. 2024); 0 when task i has no positive.
 */
static int conditional_relatedness(const struct tm_datamap *map, struct tm_relatedness *r,
				   struct tm_error *err)
{
	size_t n = map->n_tasks, m = map->n_samples, cells = n * m > 0 ? n * m : 1;
	float *positive = large_alloc(cells * sizeof(float)), *labelled = large_alloc(cells * sizeof(float));
	double *both = large_alloc(n * n * sizeof(double));
	int rc = 0;

	r->conditional = large_alloc(n * n * sizeof(double));
	if (!positive || !labelled || !both || !r->conditional) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < n * m; c++) {
		positive[c] = map->labels[c] == 1;
		labelled[c] = map->labels[c] >= 0;
	}
	/* both[i][j] = #(y_i = 1, y_j = 1); conditional[i][j] = #(y_i = 1, j labelled) */
	if ((rc = product(positive, positive, n, m, both, err)) < 0 ||
	    (rc = product(positive, labelled, n, m, r->conditional, err)) < 0)
		goto out;
	for (size_t c = 0; c < n * n; c++)
		r->conditional[c] = r->conditional[c] > 0 ? both[c] / r->conditional[c] : 0;
out:
	free(positive);
	free(labelled);
	free(both);
	return rc;
}

static int estimate_from_labels(const struct tm_datamap *map, int predicted,
				struct tm_relatedness *r, struct tm_error *err)
{
	float *rows;
	int rc;

	if (!map->labels)
		return tm_error_set(err, TM_ERR_INPUT,
				    "the '%s' estimator needs the run's labels, which are not stored",
				    predicted ? "predictions" : "labels");
	if (!(rows = label_rows(map, predicted)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	rc = from_correlation(rows, map->n_tasks, map->n_samples, r, err);
	free(rows);
	if (rc == 0 && !predicted)
		rc = conditional_relatedness(map, r, err);
	return rc;
}

/*
 * estimate_epochwise - the mean over the window's epochs of the per-epoch
 * Pearson correlation of predicted P(y = 1) (docs/methods.md). Late epochs
 * of a model that memorises noisy labels push P(y = 1) towards the labels
 * themselves (mutually exclusive for one-vs-rest tasks); the early epochs
 * keep the shared structure, and the mean weighs every stage alike.
 */
static int estimate_epochwise(const struct tm_datamap *map, struct tm_relatedness *r,
			      struct tm_error *err)
{
	size_t n = map->n_tasks, m = map->n_samples, epochs = map->n_epochs;
	float *rows = NULL, *mask = NULL, *square = NULL;
	double *sum = NULL, *common = NULL, *decode = NULL;
	int rc = 0;

	if (!map->labels)
		return tm_error_set(err, TM_ERR_INPUT,
				    "the 'predictions-epochwise' estimator needs the run's labels, which are not stored");
	if (!map->epoch_codes || epochs == 0)
		return tm_error_set(err, TM_ERR_INPUT,
				    "the 'predictions-epochwise' estimator needs per-epoch dynamics (the run keeps summaries only)");
	/* every buffer made once for all epochs */
	rows = large_alloc(n * m * sizeof(float));
	sum = large_alloc(n * n * sizeof(double));
	common = large_alloc(n * n * sizeof(double));
	square = large_alloc(n * n * sizeof(float));
	decode = tm_dynamics_decode_table();
	if (!rows || !sum || !common || !square || !decode) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(sum, 0, n * n * sizeof(double));
	for (size_t e = 0; e < epochs && rc == 0; e++) {
		int missing = 0;

		for (size_t t = 0; t < n; t++) {
			const uint16_t *code = map->epoch_codes + (t * epochs + e) * m;

			for (size_t s = 0; s < m; s++) {
				int8_t y = map->labels[t * m + s];
				double p = decode[code[s]];

				rows[t * m + s] = y < 0 || p != p ? NAN : (float)(y == 1 ? p : 1 - p);
				missing |= y < 0 || p != p;
			}
		}
		/* a mask only when values are missing (4 bytes a cell), made before rows are centred */
		if (missing && !mask && !(mask = large_alloc(n * m * sizeof(float)))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
		/* centred in place: the decoded rows are not needed afterwards */
		if ((rc = correlation_with_scratch(rows, n, m, MIN_COMMON_SAMPLES, r->gram, common, rows,
						   mask, square, err)) < 0)
			goto out;
		for (size_t c = 0; c < n * n; c++)
			sum[c] += r->gram[c];
	}
	for (size_t c = 0; c < n * n; c++) {
		r->gram[c] = sum[c] / (double)epochs;
		r->stored[c] = r->gram[c];
		r->affinity[c] = r->gram[c] > 0 ? r->gram[c] : 0;
		r->n_sparse_pairs += c / n < c % n && common[c] < MIN_COMMON_SAMPLES;
	}
	distances_from_gram(r);
	r->stored_kind = "similarity";
	r->n_constant = count_constant(r->stored, n);
out:
	free(rows);
	free(mask);
	free(square);
	free(decode);
	free(sum);
	free(common);
	return rc;
}

int tm_relatedness_compute(const struct tm_datamap *map, enum tm_estimator estimator,
			   struct tm_relatedness *out, struct tm_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->estimator = estimator;
	if ((rc = allocate_matrices(out, map->n_tasks, err)) < 0)
		goto fail;
	switch (estimator) {
	case TM_ESTIMATOR_DATAMAP_STG:
		rc = estimate_stg(map, out, err);
		break;
	case TM_ESTIMATOR_DATAMAP:
		rc = from_correlation(map->confidence, map->n_tasks, map->n_samples, out, err);
		break;
	case TM_ESTIMATOR_LABELS:
	case TM_ESTIMATOR_PREDICTIONS:
		rc = estimate_from_labels(map, estimator == TM_ESTIMATOR_PREDICTIONS, out, err);
		break;
	case TM_ESTIMATOR_PREDICTIONS_EPOCHWISE:
		rc = estimate_epochwise(map, out, err);
		break;
	case TM_ESTIMATOR_TAG:
	case TM_ESTIMATOR_COSINE:
	case TM_ESTIMATOR_HEADS:
		rc = tm_error_set(err, TM_ERR_USAGE, "the '%s' estimator is recorded by the trainer:"
				  " read it with tm_relatedness_recorded", tm_estimator_name(estimator));
		break;
	default:
		rc = tm_error_set(err, TM_ERR_USAGE, "unknown relatedness estimator");
	}
	if (rc == 0)
		return 0;
fail:
	tm_relatedness_release(out);
	return rc;
}
