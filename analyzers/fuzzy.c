/*
 * fuzzy.c - soft task memberships: STG-MTL's memberships computed once from
 * the k-means centroids with fuzzifier m (Sherif et al. 2023, default
 * m = 1.07), and iterated fuzzy c-means (Bezdek 1981) in the space of a Gram
 * matrix (kernel fuzzy c-means), started from k-means.
 */
#include "analyzers.h"
#include "cluster-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#define FCM_MAX_ITERATIONS 300
#define FCM_TOLERANCE 1e-7
#define TINY_DISTANCE 1e-300

/*
 * memberships_from_distances - u_ic = 1 / sum_j (d_ic / d_ij)^(2/(m-1)),
 * computed as a softmax of -log(d_ic^2)/(m-1) so that m close to 1 (exponent
 * ~29 at m = 1.07) cannot overflow; a zero distance takes all the weight.
 */
static void memberships_from_distances(const double *squared, size_t n, size_t k, double m,
				       double *membership)
{
	for (size_t i = 0; i < n; i++) {
		const double *d = squared + i * k;
		double *u = membership + i * k, top = -INFINITY, total = 0;

		for (size_t c = 0; c < k; c++) {
			u[c] = isfinite(d[c]) ? -log(d[c] > TINY_DISTANCE ? d[c] : TINY_DISTANCE) / (m - 1)
					      : -INFINITY;
			top = u[c] > top ? u[c] : top;
		}
		for (size_t c = 0; c < k; c++) {
			u[c] = isfinite(u[c]) ? exp(u[c] - top) : 0;
			total += u[c];
		}
		for (size_t c = 0; c < k; c++)
			u[c] = total > 0 ? u[c] / total : 1.0 / (double)k;
	}
}

int tm_fuzzy_from_centroids(const double *gram, struct tm_clustering *hard, double m,
			    struct tm_error *err)
{
	size_t n = hard->n_tasks, k = hard->k;
	double *sum = malloc((n * k > 0 ? n * k : 1) * sizeof(double));
	double *self = malloc((k ? k : 1) * sizeof(double));
	double *distance = malloc((n * k > 0 ? n * k : 1) * sizeof(double));
	size_t *size = malloc((k ? k : 1) * sizeof(size_t));
	int rc = 0;

	if (!(m > 1))
		rc = tm_error_set(err, TM_ERR_USAGE, "the fuzzifier m must be greater than 1, not %g", m);
	else if (!sum || !self || !distance || !size)
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	else {
		cluster_centroid_distances(gram, n, k, hard->assignment, sum, self, size, distance);
		memberships_from_distances(distance, n, k, m, hard->membership);
	}
	free(sum);
	free(self);
	free(distance);
	free(size);
	return rc;
}

/*
 * fcm_distances - squared distances to the fuzzy centroids v_c = sum_i w_ic
 * x_i / sum_i w_ic with w = u^m: g_ii - 2 (G W~)_ic + (W~' G W~)_cc (BLAS).
 */
static void fcm_distances(const double *gram, size_t n, size_t k, const double *membership,
			  double m, double *weights, double *product, double *distance)
{
	for (size_t c = 0; c < k; c++) {
		double total = 0;

		for (size_t i = 0; i < n; i++)
			total += weights[i * k + c] = pow(membership[i * k + c], m);
		for (size_t i = 0; i < n; i++)
			weights[i * k + c] = total > 0 ? weights[i * k + c] / total : 0;
	}
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)n, 1.0, gram,
		    (int)n, weights, (int)k, 0.0, product, (int)k);
	for (size_t c = 0; c < k; c++) {
		double self = 0;

		for (size_t i = 0; i < n; i++)
			self += weights[i * k + c] * product[i * k + c];
		for (size_t i = 0; i < n; i++) {
			double d = gram[i * n + i] - 2 * product[i * k + c] + self;

			distance[i * k + c] = d > 0 ? d : 0;
		}
	}
}

static void assign_arg_max(struct tm_clustering *c)
{
	for (size_t i = 0; i < c->n_tasks; i++) {
		size_t best = 0;

		for (size_t g = 1; g < c->k; g++)
			if (c->membership[i * c->k + g] > c->membership[i * c->k + best])
				best = g;
		c->assignment[i] = best;
	}
}

int tm_fuzzy_cmeans(const double *gram, size_t n, size_t k, double m, size_t restarts,
		    uint64_t seed, struct tm_clustering *out, struct tm_error *err)
{
	double *weights = NULL, *product = NULL, *distance = NULL, *next = NULL;
	int rc;

	if ((rc = tm_kmeans(gram, n, k, restarts, seed, out, err)) < 0 ||
	    (rc = tm_fuzzy_from_centroids(gram, out, m, err)) < 0)
		goto out;
	weights = malloc(n * k * sizeof(double));
	product = malloc(n * k * sizeof(double));
	distance = calloc(n * k, sizeof(double));
	next = malloc(n * k * sizeof(double));
	if (!weights || !product || !distance || !next) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int iteration = 0; iteration < FCM_MAX_ITERATIONS; iteration++) {
		double change = 0;

		fcm_distances(gram, n, k, out->membership, m, weights, product, distance);
		memberships_from_distances(distance, n, k, m, next);
		for (size_t c = 0; c < n * k; c++)
			change = fmax(change, fabs(next[c] - out->membership[c]));
		memcpy(out->membership, next, n * k * sizeof(double));
		if (change < FCM_TOLERANCE)
			break;
	}
	out->objective = 0;
	for (size_t c = 0; c < n * k; c++)
		out->objective += pow(out->membership[c], m) * distance[c];
	assign_arg_max(out);
out:
	if (rc < 0)
		tm_clustering_release(out);
	free(weights);
	free(product);
	free(distance);
	free(next);
	return rc;
}
