/*
 * recorded.c - relatedness estimators the trainer recorded during training
 * (`taskmap train --affinity tag,cosine,heads`, trainer/affinity.c): the
 * run-level matrix is read from the store, restricted to the data map's
 * analysed tasks and turned into the Gram, distance and affinity matrices
 * every clustering needs, like a correlation. TAG's asymmetric Z is
 * symmetrised and normalised first (docs/methods.md, "Gradient affinity").
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tm_estimator_is_recorded(enum tm_estimator estimator)
{
	return estimator == TM_ESTIMATOR_TAG || estimator == TM_ESTIMATOR_COSINE ||
	       estimator == TM_ESTIMATOR_HEADS;
}

/* restrict_to_map - @m's values over @map's tasks into @out (n x n); NaN -> 0. */
static int restrict_to_map(const struct tm_matrix *m, const struct tm_datamap *map, double *out,
			   struct tm_error *err)
{
	size_t n = map->n_tasks, total = m->record.n_tasks;
	size_t *position = malloc((n > 0 ? n : 1) * sizeof(size_t));

	if (!position)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t p = 0;

		while (p < total && m->task_index[p] != map->task_index[i])
			p++;
		if (p == total) {
			free(position);
			return tm_error_set(err, TM_ERR_INPUT,
					    "the recorded '%s' matrix lacks task %lld",
					    m->record.estimator, (long long)map->task_index[i]);
		}
		position[i] = p;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double v = m->values[position[i] * total + position[j]];

			out[i * n + j] = isfinite(v) ? v : 0;
		}
	free(position);
	return 0;
}

/* normalise_tag - r = S / sqrt(diag diag^T) for S = (Z + Z^T)/2, clipped; into @out. */
static void normalise_tag(const double *z, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = (z[i * n + j] + z[j * n + i]) / 2, a = z[i * n + i], b = z[j * n + j];
			double r = a > 0 && b > 0 ? s / sqrt(a * b) : 0;

			out[i * n + j] = i == j ? 1 : r > 1 ? 1 : r < -1 ? -1 : r;
		}
}

int tm_relatedness_recorded(struct tm_store *store, const struct tm_datamap *map,
			    enum tm_estimator estimator, struct tm_relatedness *out, double **raw,
			    struct tm_error *err)
{
	size_t n = map->n_tasks, cells = n > 0 ? n * n : 1;
	struct tm_matrix *matrix = NULL;
	double *values = NULL;
	int64_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (raw)
		*raw = NULL;
	out->estimator = estimator;
	out->n_tasks = n;
	if (!tm_estimator_is_recorded(estimator))
		return tm_error_set(err, TM_ERR_USAGE, "'%s' is not a recorded estimator",
				    tm_estimator_name(estimator));
	if ((rc = tm_store_find_run_matrix(store, map->run_id, tm_estimator_name(estimator), &id,
					   err)) < 0 ||
	    (rc = tm_store_read_matrix(store, id, &matrix, err)) < 0)
		goto out;
	if (!(values = malloc(cells * sizeof(double))) ||
	    !(out->gram = malloc(cells * sizeof(double))) ||
	    !(out->distance = malloc(cells * sizeof(double))) ||
	    !(out->affinity = malloc(cells * sizeof(double))) ||
	    !(out->stored = malloc(cells * sizeof(double)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = restrict_to_map(matrix, map, values, err)) < 0)
		goto out;
	if (estimator == TM_ESTIMATOR_TAG) {
		normalise_tag(values, n, out->stored);
	} else {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double r = (values[i * n + j] + values[j * n + i]) / 2;

				out->stored[i * n + j] = i == j ? 1 : r > 1 ? 1 : r < -1 ? -1 : r;
			}
	}
	for (size_t c = 0; c < n * n; c++) {
		double r = out->stored[c];

		out->gram[c] = r;
		out->distance[c] = sqrt(fmax(0, 2 - 2 * r));
		out->affinity[c] = r > 0 ? r : 0;
	}
	for (size_t i = 0; i < n && n > 1; i++) {
		size_t zero = 0;

		for (size_t j = 0; j < n; j++)
			zero += j != i && out->stored[i * n + j] == 0;
		out->n_constant += zero == n - 1;
	}
	out->stored_kind = "similarity";
	if (raw && estimator == TM_ESTIMATOR_TAG) {
		*raw = values;
		values = NULL;
	}
out:
	free(values);
	tm_matrix_free(matrix);
	if (rc < 0)
		tm_relatedness_release(out);
	return rc;
}
