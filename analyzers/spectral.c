/*
 * spectral.c - spectral clustering of tasks on an affinity matrix (Ng,
 * Jordan and Weiss 2002): eigenvectors of the normalised affinity
 * D^-1/2 A D^-1/2 by GSL's symmetric eigensolver, then k-means on the
 * row-normalised leading k eigenvectors. The eigenvalues also give the
 * eigengap criterion for k.
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>

int tm_spectral_embed(const double *affinity, size_t n, double *eigenvalues, double *vectors,
		      struct tm_error *err)
{
	gsl_matrix *normalised = gsl_matrix_alloc(n ? n : 1, n ? n : 1);
	gsl_matrix *evec = gsl_matrix_alloc(n ? n : 1, n ? n : 1);
	gsl_vector *eval = gsl_vector_alloc(n ? n : 1);
	gsl_eigen_symmv_workspace *work = gsl_eigen_symmv_alloc(n ? n : 1);
	double *scale = malloc((n ? n : 1) * sizeof(double));
	int rc = 0, status;

	if (!normalised || !evec || !eval || !work || !scale) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* the diagonal is left out (A_ii = 0); an isolated task keeps degree 1 */
	for (size_t i = 0; i < n; i++) {
		double degree = 0;

		for (size_t j = 0; j < n; j++)
			degree += j != i ? affinity[i * n + j] : 0;
		scale[i] = 1 / sqrt(degree > 0 ? degree : 1);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(normalised, i, j,
				       i == j ? 0 : scale[i] * affinity[i * n + j] * scale[j]);
	if ((status = gsl_eigen_symmv(normalised, eval, evec, work)) != GSL_SUCCESS ||
	    (status = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC)) != GSL_SUCCESS) {
		rc = tm_error_set(err, TM_ERR_NUMERIC, "the eigensolver failed: %s", gsl_strerror(status));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		eigenvalues[i] = gsl_vector_get(eval, i);
		for (size_t c = 0; c < n; c++)
			vectors[i * n + c] = gsl_matrix_get(evec, i, c);
	}
out:
	gsl_matrix_free(normalised);
	gsl_matrix_free(evec);
	gsl_vector_free(eval);
	if (work)
		gsl_eigen_symmv_free(work);
	free(scale);
	return rc;
}

int tm_spectral(const double *vectors, size_t n, size_t k, size_t restarts, uint64_t seed,
		struct tm_clustering *out, struct tm_error *err)
{
	double *rows = malloc((n * k > 0 ? n * k : 1) * sizeof(double));
	double *gram = malloc((n * n > 0 ? n * n : 1) * sizeof(double));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rows || !gram) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (k == 0 || k > n) {
		rc = tm_error_set(err, TM_ERR_USAGE, "cannot make %zu groups of %zu tasks", k, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		double norm = 0;

		for (size_t c = 0; c < k; c++)
			norm += vectors[i * n + c] * vectors[i * n + c];
		norm = sqrt(norm);
		for (size_t c = 0; c < k; c++)
			rows[i * k + c] = norm > 0 ? vectors[i * n + c] / norm : 0;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double dot = 0;

			for (size_t c = 0; c < k; c++)
				dot += rows[i * k + c] * rows[j * k + c];
			gram[i * n + j] = dot;
		}
	rc = tm_kmeans(gram, n, k, restarts, seed, out, err);
out:
	free(rows);
	free(gram);
	return rc;
}
