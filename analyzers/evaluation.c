/*
 * evaluation.c - comparing groupings by their held-out results (`taskmap
 * evaluate`): the mean per-task ROC-AUC and its spread across seeds, the
 * multi-task performance change Δm against the single-task baseline
 * (Maninis et al. 2019), the count of tasks with negative transfer, and
 * random groupings with given group sizes (the null baseline). Works on
 * plain arrays; the training is the trainer's. Formulas: docs/methods.md,
 * "Evaluation".
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* seed_mean - mean over seeds of column @t of a seeds x tasks matrix, NaNs skipped. */
static double seed_mean(const double *values, size_t n_seeds, size_t n_tasks, size_t t,
			double *sd)
{
	double sum = 0, squares = 0, mean;
	size_t n = 0;

	for (size_t s = 0; s < n_seeds; s++) {
		double v = values[s * n_tasks + t];

		if (isnan(v))
			continue;
		sum += v;
		n++;
	}
	mean = n ? sum / (double)n : NAN;
	for (size_t s = 0; s < n_seeds && sd; s++) {
		double v = values[s * n_tasks + t];

		if (!isnan(v))
			squares += (v - mean) * (v - mean);
	}
	if (sd)
		*sd = n > 1 ? sqrt(squares / (double)(n - 1)) : NAN;
	return mean;
}

/* mean_all - mean of the non-NaN entries of @values (n), NaN when none. */
static double mean_all(const double *values, size_t n)
{
	double sum = 0;
	size_t count = 0;

	for (size_t i = 0; values && i < n; i++)
		if (!isnan(values[i])) {
			sum += values[i];
			count++;
		}
	return count ? sum / (double)count : NAN;
}

/* spread_over_seeds - sd across seeds of each seed's mean AUC over tasks. */
static double spread_over_seeds(const double *auc, size_t n_seeds, size_t n_tasks)
{
	double sum = 0, squares = 0, mean;
	size_t n = 0;
	double *per_seed = malloc((n_seeds ? n_seeds : 1) * sizeof(double));

	if (!per_seed)
		return NAN;
	for (size_t s = 0; s < n_seeds; s++) {
		per_seed[s] = mean_all(auc + s * n_tasks, n_tasks);
		if (!isnan(per_seed[s])) {
			sum += per_seed[s];
			n++;
		}
	}
	mean = n ? sum / (double)n : NAN;
	for (size_t s = 0; s < n_seeds; s++)
		if (!isnan(per_seed[s]))
			squares += (per_seed[s] - mean) * (per_seed[s] - mean);
	free(per_seed);
	return n > 1 ? sqrt(squares / (double)(n - 1)) : NAN;
}

void tm_evaluation_compare(size_t n_seeds, size_t n_tasks, const double *auc, const double *f1,
			   const double *accuracy, const double *reference_auc,
			   struct tm_evaluation_stats *out)
{
	double delta = 0, task_sum = 0;
	size_t task_count = 0;

	memset(out, 0, sizeof(*out));
	out->f1 = mean_all(f1, n_seeds * n_tasks);
	out->accuracy = mean_all(accuracy, n_seeds * n_tasks);
	out->roc_auc_sd = spread_over_seeds(auc, n_seeds, n_tasks);
	for (size_t t = 0; t < n_tasks; t++) {
		double mean = seed_mean(auc, n_seeds, n_tasks, t, NULL), reference, sd;

		if (!isnan(mean)) {
			task_sum += mean;
			task_count++;
		}
		if (!reference_auc)
			continue;
		reference = seed_mean(reference_auc, n_seeds, n_tasks, t, &sd);
		if (isnan(mean) || isnan(reference) || reference <= 0)
			continue;
		delta += (mean - reference) / reference;
		out->n_compared++;
		if (mean < reference - fmax(isnan(sd) ? 0 : sd, TM_NEGATIVE_TRANSFER_FLOOR))
			out->n_negative++;
	}
	out->roc_auc = task_count ? task_sum / (double)task_count : NAN;
	out->delta_m = out->n_compared ? 100.0 * delta / (double)out->n_compared : NAN;
}

int tm_random_relabel(gsl_rng *rng, const size_t *members, size_t n_members, size_t n_tasks,
		      size_t *out)
{
	size_t *permutation;

	for (size_t i = 0; i < n_members; i++)
		if (members[i] >= n_tasks)
			return TM_ERR_USAGE;
	if (!(permutation = malloc((n_tasks ? n_tasks : 1) * sizeof(size_t))))
		return TM_ERR_NOMEM;
	tm_rng_shuffle_indices(rng, permutation, n_tasks);
	for (size_t i = 0; i < n_members; i++)
		out[i] = permutation[members[i]];
	free(permutation);
	return 0;
}
