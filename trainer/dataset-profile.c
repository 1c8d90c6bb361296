/*
 * dataset-profile.c - the numbers `taskmap inspect` shows about a dataset:
 * sparsity, label cardinality, missing labels and the task pairs whose
 * positives co-occur most.
 */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

/* Above this many tasks the T x T co-occurrence table is not built. */
#define PROFILE_MAX_PAIR_TASKS 8192

static double zero_fraction(const struct tm_dataset *dataset)
{
	size_t cells = dataset->n_samples * dataset->n_features, nonzero = 0;

	if (cells == 0)
		return 0;
	if (dataset->x.is_sparse) {
		nonzero = dataset->x.nnz;
	} else {
		for (size_t i = 0; i < cells; i++)
			nonzero += dataset->x.dense[i] != 0;
	}
	return 1.0 - (double)nonzero / (double)cells;
}

static int compare_pairs(const void *a, const void *b)
{
	const struct tm_task_pair *x = a, *y = b;

	if (x->both_positive != y->both_positive)
		return x->both_positive < y->both_positive ? 1 : -1;
	if (x->task_a != y->task_a)
		return x->task_a < y->task_a ? -1 : 1;
	return x->task_b < y->task_b ? -1 : x->task_b > y->task_b;
}

/* count_cooccurrence - upper triangle of positive-positive counts. */
static void count_cooccurrence(const struct tm_dataset *dataset, uint32_t *counts,
			       size_t *positive_tasks)
{
	size_t n_tasks = dataset->n_tasks;

	for (size_t s = 0; s < dataset->n_samples; s++) {
		size_t n = 0;

		for (size_t t = 0; t < n_tasks; t++)
			if (tm_dataset_label(dataset, s, t) == TM_LABEL_POSITIVE)
				positive_tasks[n++] = t;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				counts[positive_tasks[i] * n_tasks + positive_tasks[j]]++;
	}
}

static int top_pairs(const struct tm_dataset *dataset, const size_t *positives,
		     size_t max_pairs, struct tm_dataset_profile *profile, struct tm_error *err)
{
	size_t n_tasks = dataset->n_tasks, cells, n = 0;
	uint32_t *counts = NULL;
	size_t *scratch = NULL;
	struct tm_task_pair *pairs = NULL;

	if (n_tasks < 2 || n_tasks > PROFILE_MAX_PAIR_TASKS || max_pairs == 0)
		return 0;
	cells = n_tasks * n_tasks;
	counts = calloc(cells, sizeof(*counts));
	scratch = malloc(n_tasks * sizeof(*scratch));
	pairs = malloc((n_tasks * (n_tasks - 1) / 2) * sizeof(*pairs));
	if (!counts || !scratch || !pairs) {
		free(counts);
		free(scratch);
		free(pairs);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	count_cooccurrence(dataset, counts, scratch);
	for (size_t a = 0; a < n_tasks; a++)
		for (size_t b = a + 1; b < n_tasks; b++) {
			size_t both = counts[a * n_tasks + b];

			if (both == 0)
				continue;
			pairs[n].task_a = a;
			pairs[n].task_b = b;
			pairs[n].both_positive = both;
			pairs[n].jaccard = (double)both / (double)(positives[a] + positives[b] - both);
			n++;
		}
	qsort(pairs, n, sizeof(*pairs), compare_pairs);
	profile->n_top_pairs = n < max_pairs ? n : max_pairs;
	profile->top_pairs = pairs;
	free(counts);
	free(scratch);
	return 0;
}

int tm_dataset_profile(const struct tm_dataset *dataset, size_t max_pairs,
		       struct tm_dataset_profile *profile, struct tm_error *err)
{
	size_t labelled_samples = 0, positives_total = 0;

	memset(profile, 0, sizeof(*profile));
	profile->zero_fraction = zero_fraction(dataset);
	profile->memory_bytes = tm_dataset_memory_bytes(dataset);
	if (!(profile->tasks = calloc(dataset->n_tasks ? dataset->n_tasks : 1, sizeof(*profile->tasks))) ||
	    !(profile->positives = calloc(dataset->n_tasks ? dataset->n_tasks : 1, sizeof(size_t))))
		goto nomem;
	{
		size_t *all = malloc((dataset->n_samples ? dataset->n_samples : 1) * sizeof(*all));

		if (!all)
			goto nomem;
		for (size_t i = 0; i < dataset->n_samples; i++)
			all[i] = i;
		profile->n_excluded = tm_dataset_check_tasks(dataset, all, dataset->n_samples,
							     TM_MIN_LABELLED_DEFAULT, profile->tasks);
		free(all);
	}
	for (size_t t = 0; t < dataset->n_tasks; t++) {
		profile->positives[t] = profile->tasks[t].positives;
		positives_total += profile->tasks[t].positives;
		profile->n_missing_labels += dataset->n_samples - profile->tasks[t].labelled;
	}
	for (size_t s = 0; s < dataset->n_samples; s++)
		for (size_t t = 0; t < dataset->n_tasks; t++)
			if (tm_dataset_label(dataset, s, t) != TM_LABEL_MISSING) {
				labelled_samples++;
				break;
			}
	profile->label_cardinality = labelled_samples ? (double)positives_total / (double)labelled_samples : 0;
	if (top_pairs(dataset, profile->positives, max_pairs, profile, err) < 0) {
		tm_dataset_profile_release(profile);
		return err ? err->code : TM_ERR_NOMEM;
	}
	return 0;
nomem:
	tm_dataset_profile_release(profile);
	return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
}

void tm_dataset_profile_release(struct tm_dataset_profile *profile)
{
	if (!profile)
		return;
	free(profile->tasks);
	free(profile->positives);
	free(profile->top_pairs);
	memset(profile, 0, sizeof(*profile));
}
