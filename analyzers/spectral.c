/*
 * spectral.c - spectral clustering of tasks on an affinity matrix (Ng,
 * Jordan and Weiss 2002): the leading eigenvectors of the normalised
 * affinity M = D^-1/2 A D^-1/2, then either k-means (`spectral`) or average
 * linkage (`spectral-average`) on the row-normalised leading k eigenvectors.
 * Small matrices go to GSL's symmetric eigensolver; large ones get only the
 * leading eigenvectors, by Chebyshev-filtered subspace iteration with BLAS
 * (Zhou and Saad 2007), since the full solve costs seconds at 1000 tasks.
 * The eigenvalues also give the eigengap criterion for k. The affinity the
 * clustering methods embed is the self-tuning kernel of Zelnik-Manor and
 * Perona (2004) on the estimator's distance, made here.
 */
#include "analyzers.h"
#include "cluster-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

/* above this many tasks (and when few vectors are wanted) subspace iteration */
#define FULL_SOLVE_MAX 400
#define SUBSPACE_DEGREE 8       /* Chebyshev polynomial degree per iteration */
#define SUBSPACE_ITERATIONS 20  /* at most (then the last Ritz vectors are used) */
#define SUBSPACE_TOLERANCE 1e-3 /* largest residual |M x - theta x| of a wanted pair: ample
				   for clustering on the spanned subspace */
#define SUBSPACE_SEED 20240607u /* the start block: fixed, so results depend on nothing else */

/* normalise - M = D^-1/2 A D^-1/2 with a zero diagonal; an isolated task keeps degree 1. */
static void normalise(const double *affinity, size_t n, double *scale, double *m)
{
	for (size_t i = 0; i < n; i++) {
		double degree = 0;

		for (size_t j = 0; j < n; j++)
			degree += j != i ? affinity[i * n + j] : 0;
		scale[i] = 1 / sqrt(degree > 0 ? degree : 1);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			m[i * n + j] = i == j ? 0 : scale[i] * affinity[i * n + j] * scale[j];
}

/* full_solve - every eigenpair by gsl_eigen_symmv; the first @wanted kept. */
static int full_solve(double *m, size_t n, size_t wanted, double *eigenvalues, double *vectors,
		      struct tm_error *err)
{
	gsl_matrix_view view = gsl_matrix_view_array(m, n, n);
	gsl_matrix *evec = gsl_matrix_alloc(n, n);
	gsl_vector *eval = gsl_vector_alloc(n);
	gsl_eigen_symmv_workspace *work = gsl_eigen_symmv_alloc(n);
	int rc = 0, status;

	if (!evec || !eval || !work) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((status = gsl_eigen_symmv(&view.matrix, eval, evec, work)) != GSL_SUCCESS ||
	    (status = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC)) != GSL_SUCCESS) {
		rc = tm_error_set(err, TM_ERR_NUMERIC, "the eigensolver failed: %s", gsl_strerror(status));
		goto out;
	}
	for (size_t c = 0; c < wanted; c++)
		eigenvalues[c] = gsl_vector_get(eval, c);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < wanted; c++)
			vectors[i * wanted + c] = gsl_matrix_get(evec, i, c);
out:
	gsl_matrix_free(evec);
	gsl_vector_free(eval);
	if (work)
		gsl_eigen_symmv_free(work);
	return rc;
}

/*
 * orthonormalise - the @b columns of @x (n x b, row-major) made orthonormal
 * by classical Gram-Schmidt applied twice (CGS2, as accurate as modified
 * Gram-Schmidt, with BLAS-2); a column that vanishes is replaced by a unit
 * vector not yet in the span, so the block keeps full rank.
 */
static void orthonormalise(double *x, size_t n, size_t b, double *column, double *h)
{
	for (size_t j = 0; j < b; j++) {
		double before, after = 0;

		for (size_t i = 0; i < n; i++)
			column[i] = x[i * b + j];
		before = cblas_dnrm2((int)n, column, 1);
		for (size_t pass = 0; pass < 2 && j > 0; pass++) {
			/* h = X[:, :j]^T column; column -= X[:, :j] h */
			cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)j, 1, x, (int)b, column, 1,
				    0, h, 1);
			cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)j, -1, x, (int)b, h, 1, 1,
				    column, 1);
		}
		after = cblas_dnrm2((int)n, column, 1);
		if (!(after > 1e-10 * before) || !(after > 0)) {
			/* lost: restart from the unit vector e_(j mod n), orthogonalised */
			memset(column, 0, n * sizeof(double));
			column[j % n] = 1;
			for (size_t pass = 0; pass < 2 && j > 0; pass++) {
				cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)j, 1, x, (int)b, column,
					    1, 0, h, 1);
				cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)j, -1, x, (int)b, h,
					    1, 1, column, 1);
			}
			after = cblas_dnrm2((int)n, column, 1);
		}
		for (size_t i = 0; i < n; i++)
			x[i * b + j] = after > 0 ? column[i] / after : 0;
	}
}

/*
 * rayleigh_ritz - rotate the orthonormal block @x (n x b) to the Ritz
 * vectors of @m, decreasing Ritz values into @theta; @w gets M x. Returns
 * the largest residual |M x_c - theta_c x_c| over the first @wanted.
 */
static double rayleigh_ritz(const double *m, size_t n, size_t b, size_t wanted, double *x,
			    double *w, double *scratch, gsl_matrix *h, gsl_matrix *v, gsl_vector *theta,
			    gsl_eigen_symmv_workspace *work, int *status)
{
	double worst = 0;

	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)b, (int)n, 1, m, (int)n,
		    x, (int)b, 0, w, (int)b);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)b, (int)b, (int)n, 1, x, (int)b, w,
		    (int)b, 0, h->data, (int)h->tda);
	if ((*status = gsl_eigen_symmv(h, theta, v, work)) != GSL_SUCCESS ||
	    (*status = gsl_eigen_symmv_sort(theta, v, GSL_EIGEN_SORT_VAL_DESC)) != GSL_SUCCESS)
		return INFINITY;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)b, (int)b, 1, x, (int)b,
		    v->data, (int)v->tda, 0, scratch, (int)b);
	memcpy(x, scratch, n * b * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)b, (int)b, 1, w, (int)b,
		    v->data, (int)v->tda, 0, scratch, (int)b);
	memcpy(w, scratch, n * b * sizeof(double));
	for (size_t c = 0; c < wanted; c++) {
		double residual = 0, value = gsl_vector_get(theta, c);

		for (size_t i = 0; i < n; i++) {
			double r = w[i * b + c] - value * x[i * b + c];

			residual += r * r;
		}
		residual = sqrt(residual);
		worst = residual > worst ? residual : worst;
	}
	return worst;
}

/*
 * chebyshev_filter - x <- T_d((M - c) / e) x, which damps the eigenvalues
 * in [-1, @cut] (the spectrum of M lies in [-1, 1]) and amplifies those
 * above. @w holds M x on entry; @previous and @next are scratch.
 */
static void chebyshev_filter(const double *m, size_t n, size_t b, double cut, double *x,
			     const double *w, double *previous, double *next)
{
	double e = (cut + 1) / 2, c = (cut - 1) / 2;
	size_t cells = n * b;

	memcpy(previous, x, cells * sizeof(double));
	for (size_t i = 0; i < cells; i++)
		x[i] = (w[i] - c * x[i]) / e;
	for (size_t degree = 2; degree <= SUBSPACE_DEGREE; degree++) {
		/* M is stored whole: dgemm is faster than dsymm here */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)b, (int)n, 2 / e, m,
			    (int)n, x, (int)b, 0, next, (int)b);
		for (size_t i = 0; i < cells; i++)
			next[i] -= 2 * c / e * x[i] + previous[i];
		memcpy(previous, x, cells * sizeof(double));
		memcpy(x, next, cells * sizeof(double));
	}
}

/* subspace_solve - the @wanted leading eigenpairs of @m by filtered subspace iteration. */
static int subspace_solve(const double *m, size_t n, size_t wanted, double *eigenvalues,
			  double *vectors, struct tm_error *err)
{
	size_t extra = wanted / 10 > 8 ? wanted / 10 : 8; /* guard vectors */
	size_t b = wanted + extra > n ? n : wanted + extra, cells = n * b;
	double *x = malloc(cells * sizeof(double)), *w = malloc(cells * sizeof(double));
	double *previous = malloc(cells * sizeof(double)), *next = malloc(cells * sizeof(double));
	double *column = malloc(n * sizeof(double)), *h_scratch = malloc(b * sizeof(double));
	gsl_matrix *h = gsl_matrix_alloc(b, b), *v = gsl_matrix_alloc(b, b);
	gsl_vector *theta = gsl_vector_alloc(b);
	gsl_eigen_symmv_workspace *work = gsl_eigen_symmv_alloc(b);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = 0, status = GSL_SUCCESS;

	if (!x || !w || !previous || !next || !column || !h_scratch || !h || !v || !theta || !work ||
	    !rng) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	gsl_rng_set(rng, SUBSPACE_SEED);
	for (size_t i = 0; i < cells; i++)
		x[i] = gsl_rng_uniform(rng) - 0.5;
	orthonormalise(x, n, b, column, h_scratch);
	for (size_t iteration = 0;; iteration++) {
		double residual = rayleigh_ritz(m, n, b, wanted, x, w, next, h, v, theta, work, &status);

		if (status != GSL_SUCCESS) {
			rc = tm_error_set(err, TM_ERR_NUMERIC, "the eigensolver failed: %s",
					  gsl_strerror(status));
			goto out;
		}
		if (residual < SUBSPACE_TOLERANCE || iteration == SUBSPACE_ITERATIONS)
			break;
		chebyshev_filter(m, n, b, gsl_vector_get(theta, b - 1), x, w, previous, next);
		orthonormalise(x, n, b, column, h_scratch);
	}
	for (size_t c = 0; c < wanted; c++)
		eigenvalues[c] = gsl_vector_get(theta, c);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < wanted; c++)
			vectors[i * wanted + c] = x[i * b + c];
out:
	free(x);
	free(w);
	free(previous);
	free(next);
	free(column);
	free(h_scratch);
	gsl_matrix_free(h);
	gsl_matrix_free(v);
	gsl_vector_free(theta);
	if (work)
		gsl_eigen_symmv_free(work);
	gsl_rng_free(rng);
	return rc;
}

int tm_spectral_embed(const double *affinity, size_t n, size_t n_vectors, double *eigenvalues,
		      double *vectors, struct tm_error *err)
{
	double *m = malloc((n * n > 0 ? n * n : 1) * sizeof(double));
	double *scale = malloc((n ? n : 1) * sizeof(double));
	int rc;

	if (n_vectors == 0 || n_vectors > n)
		rc = tm_error_set(err, TM_ERR_USAGE, "cannot take %zu eigenvectors of %zu tasks",
				  n_vectors, n);
	else if (!m || !scale)
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	else {
		normalise(affinity, n, scale, m);
		rc = n <= FULL_SOLVE_MAX || 2 * n_vectors > n
			? full_solve(m, n, n_vectors, eigenvalues, vectors, err)
			: subspace_solve(m, n, n_vectors, eigenvalues, vectors, err);
	}
	free(m);
	free(scale);
	return rc;
}

int spectral_local_scaling(const double *distance, size_t n, size_t neighbours, double *affinity,
			   struct tm_error *err)
{
	double *scale = malloc((n ? n : 1) * sizeof(double));
	double *others = malloc((n ? n : 1) * sizeof(double));
	double *nearest = malloc((neighbours ? neighbours : 1) * sizeof(double));
	size_t kth = n < 2 ? 0 : neighbours < n - 1 ? neighbours : n - 1;
	int rc = 0;

	if (!scale || !others || !nearest) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* sigma_i: the distance of task i to its kth nearest other task */
	for (size_t i = 0; i < n; i++) {
		size_t m = 0;

		for (size_t j = 0; j < n; j++)
			if (j != i)
				others[m++] = distance[i * n + j];
		scale[i] = 0;
		if (kth > 0 && gsl_sort_smallest(nearest, kth, others, 1, m) == GSL_SUCCESS)
			scale[i] = nearest[kth - 1];
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double d = distance[i * n + j], width = scale[i] * scale[j];

			/* a zero scale (kth tasks coincide with i) keeps only the coinciding ones */
			affinity[i * n + j] = i == j || d <= 0 ? 1 : width > 0 ? exp(-d * d / width) : 0;
		}
out:
	free(scale);
	free(others);
	free(nearest);
	return rc;
}

/* unit_rows - the first k of @n_vectors columns, each row scaled to unit length (0 stays 0). */
static void unit_rows(const double *vectors, size_t n, size_t n_vectors, size_t k, double *rows)
{
	for (size_t i = 0; i < n; i++) {
		double norm = 0;

		for (size_t c = 0; c < k; c++)
			norm += vectors[i * n_vectors + c] * vectors[i * n_vectors + c];
		norm = sqrt(norm);
		for (size_t c = 0; c < k; c++)
			rows[i * k + c] = norm > 0 ? vectors[i * n_vectors + c] / norm : 0;
	}
}

/* row_gram - gram (n x n, full) = rows rows^T. */
static void row_gram(const double *rows, size_t n, size_t k, double *gram)
{
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)k, 1, rows, (int)k, 0, gram,
		    (int)n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			gram[i * n + j] = gram[j * n + i];
}

int tm_spectral(const double *vectors, size_t n, size_t n_vectors, size_t k, size_t restarts,
		uint64_t seed, struct tm_clustering *out, struct tm_error *err)
{
	double *rows = malloc((n * k > 0 ? n * k : 1) * sizeof(double));
	double *gram = malloc((n * n > 0 ? n * n : 1) * sizeof(double));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rows || !gram) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (k == 0 || k > n || k > n_vectors) {
		rc = tm_error_set(err, TM_ERR_USAGE, "cannot make %zu groups of %zu tasks", k, n);
		goto out;
	}
	unit_rows(vectors, n, n_vectors, k, rows);
	row_gram(rows, n, k, gram);
	rc = tm_kmeans(gram, n, k, restarts, seed, out, err);
out:
	free(rows);
	free(gram);
	return rc;
}

int tm_spectral_average(const double *vectors, size_t n, size_t n_vectors, size_t k,
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
	if (k == 0 || k > n || k > n_vectors) {
		rc = tm_error_set(err, TM_ERR_USAGE, "cannot make %zu groups of %zu tasks", k, n);
		goto out;
	}
	unit_rows(vectors, n, n_vectors, k, rows);
	row_gram(rows, n, k, gram);
	/* Euclidean distances of the embedded rows, in place of their Gram matrix */
	for (size_t i = 0; i < n; i++)
		rows[i] = gram[i * n + i]; /* the rows are no longer needed */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double d2 = rows[i] + rows[j] - 2 * gram[i * n + j];

			gram[i * n + j] = i == j || d2 <= 0 ? 0 : sqrt(d2);
		}
	if ((rc = tm_agglomerative(gram, n, TM_LINKAGE_AVERAGE, out, err)) == 0 &&
	    (rc = tm_tree_cut(out, k, err)) < 0)
		tm_clustering_release(out);
out:
	free(rows);
	free(gram);
	return rc;
}
