/*
 * mds.c - classical multidimensional scaling (Torgerson 1952; Gower 1966):
 * the 2-D map of the tasks. B = -1/2 J D^2 J with J = I - 11'/n is the Gram
 * matrix of centred points whose distances are D; its top eigenvectors
 * scaled by the square roots of their eigenvalues are the coordinates.
 * Eigen-decomposition by GSL (gsl_eigen_symmv).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "internal.h"

/* mean_defined_distance - mean of the finite off-diagonal entries (0 if none). */
static double mean_defined_distance(const double *distance, size_t n)
{
	double sum = 0;
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j && isfinite(distance[i * n + j])) {
				sum += distance[i * n + j];
				count++;
			}
	return count ? sum / count : 0;
}

/*
 * squared_distances - D^2 of the symmetrised @distance; an undefined entry
 * takes its mirror's value, or the mean defined distance when both are NaN.
 */
static void squared_distances(const double *distance, size_t n, gsl_matrix *squared)
{
	double fill = mean_defined_distance(distance, n);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double a = distance[i * n + j], c = distance[j * n + i], d;

			if (!isfinite(a))
				a = isfinite(c) ? c : fill;
			if (!isfinite(c))
				c = a;
			d = i == j ? 0 : (a + c) / 2;
			gsl_matrix_set(squared, i, j, d * d);
		}
}

/*
 * double_centre - B = -1/2 J D^2 J in place: b_ij = -1/2 (d2_ij - r_i - r_j + t)
 * with r the row means (= column means, D^2 being symmetric) and t the grand
 * mean. @means is scratch of n entries.
 */
static void double_centre(gsl_matrix *b, gsl_vector *means)
{
	size_t n = b->size1;
	double total = 0;

	for (size_t i = 0; i < n; i++) {
		double sum = 0;

		for (size_t j = 0; j < n; j++)
			sum += gsl_matrix_get(b, i, j);
		gsl_vector_set(means, i, sum / n);
		total += sum;
	}
	total /= (double)n * (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(b, i, j, -0.5 * (gsl_matrix_get(b, i, j) - gsl_vector_get(means, i) -
							gsl_vector_get(means, j) + total));
}

/* fix_sign - make the largest-magnitude entry of column @column positive. */
static void fix_sign(gsl_matrix *vectors, size_t column)
{
	size_t n = vectors->size1, best = 0;

	for (size_t i = 1; i < n; i++)
		if (fabs(gsl_matrix_get(vectors, i, column)) >
		    fabs(gsl_matrix_get(vectors, best, column)) + 1e-12)
			best = i;
	if (gsl_matrix_get(vectors, best, column) < 0)
		for (size_t i = 0; i < n; i++)
			gsl_matrix_set(vectors, i, column, -gsl_matrix_get(vectors, i, column));
}

int tm_report_mds(const double *distance, size_t n, size_t dims, double *coords,
		  struct tm_error *err)
{
	gsl_matrix *b = NULL, *vectors = NULL;
	gsl_vector *values = NULL;
	gsl_eigen_symmv_workspace *work = NULL;
	int rc = 0;

	if (dims > n || n == 0)
		return tm_error_set(err, TM_ERR_USAGE, "cannot map %zu points into %zu dimensions",
				    n, dims);
	if (!(b = gsl_matrix_alloc(n, n)) || !(vectors = gsl_matrix_alloc(n, n)) ||
	    !(values = gsl_vector_alloc(n)) || !(work = gsl_eigen_symmv_alloc(n))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	squared_distances(distance, n, b);
	double_centre(b, values);
	if (gsl_eigen_symmv(b, values, vectors, work) != GSL_SUCCESS ||
	    gsl_eigen_symmv_sort(values, vectors, GSL_EIGEN_SORT_VAL_DESC) != GSL_SUCCESS) {
		rc = tm_error_set(err, TM_ERR_NUMERIC, "multidimensional scaling: eigensolver failed");
		goto out;
	}
	for (size_t d = 0; d < dims; d++) {
		double scale = sqrt(fmax(gsl_vector_get(values, d), 0));

		fix_sign(vectors, d);
		for (size_t i = 0; i < n; i++)
			coords[i * dims + d] = scale * gsl_matrix_get(vectors, i, d);
	}
out:
	gsl_eigen_symmv_free(work);
	gsl_vector_free(values);
	gsl_matrix_free(vectors);
	gsl_matrix_free(b);
	return rc;
}
