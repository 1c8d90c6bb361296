/*
 * recommend.c - the recommended grouping of an analysis read back from the
 * store and made ready to print: task names, groups with their mean
 * within-group affinity and stability, soft memberships, and the tasks that
 * relate to no other task (train-alone candidates, a negative-transfer risk).
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void tm_affinity_from_stored(const char *kind, const double *values, size_t n, double *affinity)
{
	if (strcmp(kind, "distance") == 0) {
		size_t pairs = n * (n - 1) / 2, k = 0;
		double *sorted = pairs ? malloc(pairs * sizeof(double)) : NULL, sigma = 1;

		if (sorted) {
			for (size_t i = 0; i < n; i++)
				for (size_t j = i + 1; j < n; j++)
					sorted[k++] = isfinite(values[i * n + j]) ? values[i * n + j] : 0;
			gsl_sort(sorted, 1, pairs);
			sigma = gsl_stats_median_from_sorted_data(sorted, 1, pairs);
			sigma = sigma > 0 ? sigma : 1;
			free(sorted);
		}
		for (size_t c = 0; c < n * n; c++)
			affinity[c] = isfinite(values[c])
				? exp(-values[c] * values[c] / (2 * sigma * sigma)) : 0;
		return;
	}
	for (size_t c = 0; c < n * n; c++)
		affinity[c] = isfinite(values[c]) && values[c] > 0 ? fmin(values[c], 1) : 0;
}

void tm_recommendation_free(struct tm_recommendation *r)
{
	if (!r)
		return;
	free(r->run_name);
	free(r->estimator);
	free(r->method);
	free(r->k_criterion);
	if (r->names)
		for (size_t i = 0; i < r->n_tasks; i++)
			free(r->names[i]);
	free(r->names);
	free(r->task_index);
	free(r->assignment);
	free(r->membership);
	free(r->task_stability);
	free(r->train_alone);
	if (r->groups)
		for (size_t g = 0; g < r->k; g++) {
			free(r->groups[g].task_index);
			free(r->groups[g].names);
		}
	free(r->groups);
	free(r);
}

static char *copy_or_empty(const char *text)
{
	return strdup(text ? text : "");
}

struct name_lookup {
	struct tm_recommendation *r;
	int failed;
};

static int take_name(void *context, const struct tm_task_record *task)
{
	struct name_lookup *lookup = context;
	struct tm_recommendation *r = lookup->r;

	for (size_t i = 0; i < r->n_tasks; i++)
		if (r->task_index[i] == task->index && !r->names[i] &&
		    !(r->names[i] = strdup(task->name)))
			lookup->failed = 1;
	return 0;
}

static int take_run_name(void *context, const struct tm_run_record *run)
{
	struct tm_recommendation *r = context;

	return (r->run_name = copy_or_empty(run->name)) ? 0 : TM_ERR_NOMEM;
}

static int take_window(void *context, const struct tm_analysis_record *analysis)
{
	struct tm_recommendation *r = context;

	r->epoch_from = analysis->epoch_from;
	r->epoch_to = analysis->epoch_to;
	r->run_id = analysis->run_id;
	return 0;
}

/* copy_grouping - the grouping's header, assignment and memberships. */
static int copy_grouping(struct tm_recommendation *r, const struct tm_grouping *g)
{
	size_t n = g->n_tasks, k = (size_t)g->record.k;

	r->grouping_id = g->record.id;
	r->analysis_id = g->record.analysis_id;
	r->k = k;
	r->n_tasks = n;
	r->unstable = g->record.unstable;
	r->stability = g->record.stability;
	r->estimator = copy_or_empty(g->record.estimator);
	r->method = copy_or_empty(g->record.clustering);
	r->k_criterion = copy_or_empty(g->record.k_criterion);
	r->task_index = malloc((n ? n : 1) * sizeof(int64_t));
	r->names = calloc(n ? n : 1, sizeof(char *));
	r->assignment = malloc((n ? n : 1) * sizeof(size_t));
	r->membership = calloc(n * k > 0 ? n * k : 1, sizeof(double));
	r->task_stability = malloc((n ? n : 1) * sizeof(double));
	r->train_alone = calloc(n ? n : 1, sizeof(int));
	r->groups = calloc(k ? k : 1, sizeof(*r->groups));
	if (!r->estimator || !r->method || !r->k_criterion || !r->task_index || !r->names ||
	    !r->assignment || !r->membership || !r->task_stability || !r->train_alone || !r->groups)
		return TM_ERR_NOMEM;
	memcpy(r->task_index, g->task_index, n * sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		r->assignment[i] = (size_t)g->assignment[i];
		r->task_stability[i] = NAN;
	}
	for (size_t m = 0, i = 0; m < g->n_members; m++) {
		const struct tm_grouping_member *member = &g->members[m];

		while (i < n && r->task_index[i] != member->task_index)
			i++;
		if (i == n || (size_t)member->group_index >= k)
			return TM_ERR_INPUT;
		r->membership[i * k + (size_t)member->group_index] = member->membership;
		if (member->assigned)
			r->task_stability[i] = member->stability;
	}
	return 0;
}

/* build_groups - members, mean affinity and stability of every group; train-alone flags. */
static int build_groups(struct tm_recommendation *r, const double *affinity)
{
	size_t n = r->n_tasks;

	for (size_t g = 0; g < r->k; g++) {
		struct tm_recommended_group *group = &r->groups[g];
		double similarity = 0, stability = 0;
		size_t pairs = 0;

		group->task_index = malloc((n ? n : 1) * sizeof(int64_t));
		group->names = malloc((n ? n : 1) * sizeof(char *));
		if (!group->task_index || !group->names)
			return TM_ERR_NOMEM;
		for (size_t i = 0; i < n; i++) {
			if (r->assignment[i] != g)
				continue;
			group->task_index[group->n_tasks] = r->task_index[i];
			group->names[group->n_tasks++] = r->names[i];
			stability += r->task_stability[i];
			for (size_t j = i + 1; j < n && affinity; j++)
				if (r->assignment[j] == g) {
					similarity += affinity[i * n + j];
					pairs++;
				}
		}
		group->mean_similarity = pairs ? similarity / (double)pairs : NAN;
		group->stability = group->n_tasks ? stability / (double)group->n_tasks : NAN;
	}
	for (size_t i = 0; i < n; i++) {
		double best = 0;

		for (size_t j = 0; j < n && affinity; j++)
			best = j != i && affinity[i * n + j] > best ? affinity[i * n + j] : best;
		r->train_alone[i] = r->groups[r->assignment[i]].n_tasks == 1 ||
				    (affinity && n > 1 && best < TM_TRAIN_ALONE_BELOW);
	}
	return 0;
}

/* load_affinity - the affinity of the grouping's matrix, in the grouping's task order. */
static int load_affinity(struct tm_store *store, const struct tm_grouping *g, double **out,
			 struct tm_error *err)
{
	struct tm_matrix *matrix = NULL;
	size_t n = g->n_tasks;
	int rc;

	*out = NULL;
	if (!g->record.matrix_id)
		return 0;
	if ((rc = tm_store_read_matrix(store, g->record.matrix_id, &matrix, err)) < 0)
		return rc;
	if (matrix->record.n_tasks != n ||
	    memcmp(matrix->task_index, g->task_index, n * sizeof(int64_t)) != 0) {
		tm_matrix_free(matrix);
		return tm_error_set(err, TM_ERR_INPUT, "grouping %lld and its matrix cover different tasks",
				    (long long)g->record.id);
	}
	if ((*out = malloc((n * n > 0 ? n * n : 1) * sizeof(double))))
		tm_affinity_from_stored(matrix->record.kind, matrix->values, n, *out);
	tm_matrix_free(matrix);
	return *out ? 0 : tm_error_set(err, TM_ERR_NOMEM, "out of memory");
}

static int fill_recommendation(struct tm_store *store, struct tm_recommendation *r,
			       const struct tm_grouping *g, struct tm_error *err)
{
	struct name_lookup lookup = { r, 0 };
	double *affinity = NULL;
	char which[32];
	int rc;

	if ((rc = copy_grouping(r, g)) < 0)
		return tm_error_set(err, rc, rc == TM_ERR_NOMEM ? "out of memory"
				    : "grouping %lld is inconsistent", (long long)g->record.id);
	if ((rc = tm_store_analysis_get(store, r->analysis_id, take_window, r, err)) < 0 ||
	    (rc = tm_store_list_tasks(store, r->run_id, take_name, &lookup, err)) < 0)
		return rc;
	snprintf(which, sizeof(which), "%lld", (long long)r->run_id);
	if ((rc = tm_store_run_get(store, which, take_run_name, r, err)) < 0)
		return rc;
	for (size_t i = 0; i < r->n_tasks && !lookup.failed; i++)
		if (!r->names[i] && !(r->names[i] = strdup("?")))
			lookup.failed = 1;
	if (lookup.failed)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = load_affinity(store, g, &affinity, err)) < 0)
		return rc;
	rc = build_groups(r, affinity);
	free(affinity);
	return rc < 0 ? tm_error_set(err, rc, "out of memory") : 0;
}

int tm_recommendation_read(struct tm_store *store, int64_t run_id, int64_t analysis_id,
			   struct tm_recommendation **out, struct tm_error *err)
{
	struct tm_recommendation *r = NULL;
	struct tm_grouping *g = NULL;
	int64_t grouping_id = 0;
	int rc;

	*out = NULL;
	if ((rc = tm_store_recommended_grouping(store, run_id, analysis_id, &grouping_id, err)) < 0 ||
	    (rc = tm_store_read_grouping(store, grouping_id, &g, err)) < 0)
		goto out;
	if (!(r = calloc(1, sizeof(*r)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = fill_recommendation(store, r, g, err)) < 0)
		goto out;
	*out = r;
	r = NULL;
out:
	tm_recommendation_free(r);
	tm_grouping_free(g);
	return rc;
}
