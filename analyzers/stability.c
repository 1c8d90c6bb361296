/*
 * stability.c - bootstrap stability of a grouping: resample the training
 * samples (never the tasks) with replacement, re-estimate relatedness and
 * re-cluster at the same k, and measure per task how well its group is
 * reproduced (Jaccard index of its co-membership sets, which needs no label
 * matching) and the consensus matrix (Monti et al. 2003).
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

void tm_stability_release(struct tm_stability *s)
{
	if (!s)
		return;
	free(s->task);
	free(s->consensus);
	memset(s, 0, sizeof(*s));
}

/* accumulate - add one resample's agreement with the reference. */
static void accumulate(const size_t *reference, const size_t *resample, size_t n,
		       struct tm_stability *s)
{
	for (size_t i = 0; i < n; i++) {
		size_t both = 0, either = 0;

		for (size_t j = 0; j < n; j++) {
			int in_reference = reference[j] == reference[i];
			int in_resample = resample[j] == resample[i];

			both += in_reference && in_resample;
			either += in_reference || in_resample;
			s->consensus[i * n + j] += in_resample;
		}
		s->task[i] += either ? (double)both / (double)either : 1;
	}
}

/* one_resample - draw a resample, estimate, cluster; the assignment into @out. */
static int one_resample(const struct tm_datamap *map, enum tm_estimator estimator,
			const struct tm_cluster_context *context, size_t k, gsl_rng *rng,
			size_t *sample, size_t *out, struct tm_error *err)
{
	struct tm_datamap *copy = NULL;
	struct tm_relatedness relatedness = { 0 };
	struct tm_cluster_context resampled = { 0 };
	struct tm_clustering clustering = { 0 };
	int rc;

	for (size_t i = 0; i < map->n_samples; i++)
		sample[i] = gsl_rng_uniform_int(rng, map->n_samples);
	if ((rc = tm_datamap_resample(map, sample, map->n_samples, &copy, err)) < 0 ||
	    (rc = tm_relatedness_compute(copy, estimator, &relatedness, err)) < 0 ||
	    (rc = tm_cluster_prepare(&resampled, &relatedness, context->method, context->restarts,
				     context->fuzzifier, context->seed, k, err)) < 0 ||
	    (rc = tm_cluster_run(&resampled, k, &clustering, err)) < 0)
		goto out;
	memcpy(out, clustering.assignment, map->n_tasks * sizeof(size_t));
out:
	tm_clustering_release(&clustering);
	tm_cluster_context_release(&resampled);
	tm_relatedness_release(&relatedness);
	tm_datamap_free(copy);
	return rc;
}

int tm_bootstrap_stability(const struct tm_datamap *map, enum tm_estimator estimator,
			   const struct tm_cluster_context *context,
			   const struct tm_clustering *reference, size_t n_resamples, uint64_t seed,
			   struct tm_stability *out, const struct tm_progress *progress,
			   struct tm_error *err)
{
	size_t n = map->n_tasks;
	size_t *sample = malloc((map->n_samples ? map->n_samples : 1) * sizeof(size_t));
	size_t *assignment = malloc((n ? n : 1) * sizeof(size_t));
	gsl_rng *rng = tm_rng_create(seed);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->n_tasks = n;
	out->n_resamples = n_resamples;
	out->task = calloc(n ? n : 1, sizeof(double));
	out->consensus = calloc(n * n > 0 ? n * n : 1, sizeof(double));
	if (!sample || !assignment || !rng || !out->task || !out->consensus) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t b = 0; b < n_resamples && rc == 0; b++) {
		if ((rc = one_resample(map, estimator, context, reference->k, rng, sample, assignment,
				       err)) < 0)
			break;
		accumulate(reference->assignment, assignment, n, out);
		if (tm_progress_report(progress, "bootstrap", (double)(b + 1), (double)n_resamples, NULL))
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		out->task[i] = n_resamples ? out->task[i] / (double)n_resamples : NAN;
		out->mean += out->task[i] / (double)n;
	}
	for (size_t c = 0; c < n * n && rc == 0; c++)
		out->consensus[c] = n_resamples ? out->consensus[c] / (double)n_resamples : NAN;
	out->unstable = n_resamples && out->mean < TM_UNSTABLE_BELOW;
	if (!n_resamples)
		out->mean = NAN;
out:
	if (rc < 0)
		tm_stability_release(out);
	free(sample);
	free(assignment);
	gsl_rng_free(rng);
	return rc;
}
