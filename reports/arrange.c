/*
 * arrange.c - putting gathered data in display form: each task's group,
 * membership, stability and flags; the display order (dendrogram leaf
 * order, else by group); relatedness and membership in that order; the
 * dendrogram's branches; the MDS map; the small-multiple panels (most and
 * least typical task of each group) and --task, with their data-map points.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/* ---- groups and flags --------------------------------------------------------- */

static void assign_groups(struct report_data *data)
{
	const struct tm_grouping *grouping = data->source.grouping;

	if (!grouping)
		return;
	data->grouping = grouping->record;
	data->k = grouping->record.k;
	for (size_t m = 0; m < grouping->n_members; m++) {
		const struct tm_grouping_member *member = &grouping->members[m];
		int64_t t = report_task_position(data, member->task_index);

		if (t < 0 || !member->assigned)
			continue;
		data->tasks[t].group = member->group_index;
		data->tasks[t].membership = member->membership;
		data->tasks[t].stability = member->stability;
		if (member->group_index + 1 > data->k)
			data->k = member->group_index + 1;
	}
}

size_t report_group_size(const struct report_data *data, int64_t group)
{
	size_t size = 0;

	for (size_t i = 0; i < data->n_shown; i++)
		size += data->tasks[data->shown[i]].group == group;
	return size;
}

static void flag_tasks(struct report_data *data)
{
	for (size_t i = 0; i < data->n_shown; i++) {
		struct report_task *task = &data->tasks[data->shown[i]];

		task->flags |= REPORT_TASK_SHOWN;
		if (task->stability < REPORT_UNSTABLE_BELOW)
			task->flags |= REPORT_TASK_UNSTABLE;
		if (task->group >= 0 && data->k > 1 && data->n_shown > 2 &&
		    report_group_size(data, task->group) == 1)
			task->flags |= REPORT_TASK_ALONE;
	}
}

/* ---- display order ------------------------------------------------------------ */

struct order_key {
	size_t position;  /* in tasks[] */
	int64_t group;
	double membership;
};

static int compare_keys(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	double mx = isfinite(x->membership) ? x->membership : 0;
	double my = isfinite(y->membership) ? y->membership : 0;

	if ((x->group < 0) != (y->group < 0))
		return x->group < 0 ? 1 : -1; /* tasks without a group last */
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	return x->position < y->position ? -1 : x->position > y->position;
}

/* order_by_group - groups in order, the strongest members first. */
static int order_by_group(struct report_data *data, struct tm_error *err)
{
	struct order_key *keys = malloc(data->n_shown * sizeof(*keys));

	if (!keys)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];

		keys[i] = (struct order_key){ data->shown[i], task->group, task->membership };
	}
	qsort(keys, data->n_shown, sizeof(*keys), compare_keys);
	for (size_t i = 0; i < data->n_shown; i++)
		data->shown[i] = keys[i].position;
	free(keys);
	return 0;
}

/* order_by_tree - leaf order; *@leaf_at[i] is the leaf drawn at position i. */
static int order_by_tree(struct report_data *data, size_t *leaf_at, struct tm_error *err)
{
	const struct tm_grouping *tree = data->source.tree;
	size_t n = data->n_shown;
	int rc;

	if ((rc = report_leaf_order(tree->steps, n, leaf_at, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		data->shown[i] = (size_t)report_task_position(data, tree->task_index[leaf_at[i]]);
	return 0;
}

/* ---- matrices in display order ------------------------------------------------- */

/* matrix_row - the row of run task @index in @matrix (ascending task_index); -1. */
static int64_t matrix_row(const struct tm_matrix *matrix, int64_t index)
{
	size_t low = 0, high = matrix->record.n_tasks;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (matrix->task_index[middle] < index)
			low = middle + 1;
		else
			high = middle;
	}
	return low < matrix->record.n_tasks && matrix->task_index[low] == index ? (int64_t)low : -1;
}

static int arrange_relatedness(struct report_data *data, struct tm_error *err)
{
	const struct tm_matrix *matrix = data->source.matrix;
	size_t n = data->n_shown, N = matrix->record.n_tasks;
	int64_t *rows = malloc(n * sizeof(*rows));

	if (!rows || !(data->relatedness = malloc(n * n * sizeof(double)))) {
		free(rows);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		rows[i] = matrix_row(matrix, data->tasks[data->shown[i]].index);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			data->relatedness[i * n + j] = rows[i] < 0 || rows[j] < 0 ? NAN
				: matrix->values[(size_t)rows[i] * N + (size_t)rows[j]];
	free(rows);
	data->estimator = matrix->record.estimator;
	data->matrix_kind = matrix->record.kind;
	return 0;
}

static int arrange_membership(struct report_data *data, struct tm_error *err)
{
	const struct tm_grouping *grouping = data->source.grouping;
	size_t n = data->n_shown, k = (size_t)data->k;
	size_t *slot = NULL;

	if (!(data->membership = calloc(n * k, sizeof(double))) ||
	    !(slot = malloc(data->n_tasks * sizeof(*slot))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < data->n_tasks; t++)
		slot[t] = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		slot[data->shown[i]] = i;
	for (size_t m = 0; m < grouping->n_members; m++) {
		const struct tm_grouping_member *member = &grouping->members[m];
		int64_t t = report_task_position(data, member->task_index);

		if (t >= 0 && slot[t] != SIZE_MAX && member->group_index >= 0 &&
		    (size_t)member->group_index < k)
			data->membership[slot[t] * k + (size_t)member->group_index] = member->membership;
	}
	free(slot);
	return 0;
}

/* relatedness_sign - +1 when larger values mean more related, -1 for distances. */
static double relatedness_sign(const struct report_data *data)
{
	return data->matrix_kind && strcmp(data->matrix_kind, "distance") == 0 ? -1 : 1;
}

/* set_typicality - mean relatedness of each task to its group's other tasks. */
static void set_typicality(struct report_data *data)
{
	size_t n = data->n_shown;
	double sign = relatedness_sign(data);

	for (size_t i = 0; i < n; i++) {
		struct report_task *task = &data->tasks[data->shown[i]];
		double sum = 0;
		size_t count = 0;

		for (size_t j = 0; data->relatedness && j < n; j++) {
			double v = data->relatedness[i * n + j];

			if (j != i && data->tasks[data->shown[j]].group == task->group && isfinite(v)) {
				sum += sign * v;
				count++;
			}
		}
		task->typicality = count ? sum / count : task->membership;
	}
}

/* ---- dendrogram -------------------------------------------------------------- */

static int arrange_branches(struct report_data *data, const size_t *leaf_at,
			    struct tm_error *err)
{
	const struct tm_grouping *tree = data->source.tree;
	size_t n = data->n_shown;
	double *x = malloc((2 * n - 1) * sizeof(*x)), *h = malloc((2 * n - 1) * sizeof(*h));
	int64_t *group = malloc((2 * n - 1) * sizeof(*group));
	int rc = 0;

	if (!x || !h || !group || !(data->branches = malloc((n - 1) * sizeof(*data->branches)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		x[leaf_at[i]] = (double)i + 1;
		h[leaf_at[i]] = 0;
		group[leaf_at[i]] = data->tasks[data->shown[i]].group;
	}
	for (size_t s = 0; s < n - 1; s++) {
		const struct tm_merge_step *step = &tree->steps[s];
		size_t left = (size_t)step->left_node, right = (size_t)step->right_node;

		x[n + s] = (x[left] + x[right]) / 2;
		h[n + s] = step->height;
		group[n + s] = group[left] == group[right] ? group[left] : -1;
		data->branches[s] = (struct report_branch){ x[left], x[right], h[left], h[right],
							    step->height, group[n + s] };
	}
	data->n_branches = n - 1;
	data->cut_height = NAN;
	if (!data->source.own_tree && data->k > 1 && (size_t)data->k < n) {
		double below = tree->steps[n - 1 - (size_t)data->k].height;
		double above = tree->steps[n - (size_t)data->k].height;

		if (above >= below)
			data->cut_height = (below + above) / 2;
	}
out:
	free(x);
	free(h);
	free(group);
	return rc;
}

/* ---- MDS -------------------------------------------------------------------- */

/* arrange_map - classical MDS of the relatedness turned into distances (m - s). */
static int arrange_map(struct report_data *data, struct tm_error *err)
{
	size_t n = data->n_shown;
	double *distance = malloc(n * n * sizeof(*distance)), top = -INFINITY;
	int rc;

	if (!distance || !(data->coords = malloc(2 * n * sizeof(double)))) {
		free(distance);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n * n; i++)
		if (isfinite(data->relatedness[i]))
			top = fmax(top, data->relatedness[i]);
	for (size_t i = 0; i < n * n; i++)
		distance[i] = relatedness_sign(data) < 0 ? data->relatedness[i]
			: top - data->relatedness[i];
	rc = tm_report_mds(distance, n, 2, data->coords, err);
	free(distance);
	if (rc < 0) {
		free(data->coords);
		data->coords = NULL;
		if (err && rc != TM_ERR_NOMEM)
			*err = (struct tm_error){ 0 };
	}
	return rc == TM_ERR_NOMEM ? rc : 0; /* a map that cannot be drawn is just left out */
}

/* ---- panels and points --------------------------------------------------------- */

/* group_extreme - the shown task of @group with the highest (@most) or lowest typicality. */
static int64_t group_extreme(const struct report_data *data, int64_t group, int most)
{
	int64_t best = -1;
	double best_value = 0;

	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];
		double t = isfinite(task->typicality) ? task->typicality : 0;

		if (task->group != group)
			continue;
		/* ties: the first for the most typical, the last for the least */
		if (best < 0 || (most ? t > best_value : t <= best_value)) {
			best = (int64_t)data->shown[i];
			best_value = t;
		}
	}
	return best;
}

static int choose_panels(struct report_data *data, size_t cap, struct tm_error *err)
{
	size_t k = data->k > 0 ? (size_t)data->k : 0;
	int both = 2 * k <= cap;

	if (!(data->panels = malloc((cap ? cap : 1) * sizeof(*data->panels))) ||
	    !(data->panel_roles = malloc((cap ? cap : 1) * sizeof(*data->panel_roles))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t g = 0; g < k && data->n_panels < cap; g++) {
		int64_t most = group_extreme(data, (int64_t)g, 1);
		int64_t least = group_extreme(data, (int64_t)g, 0);

		if (most < 0)
			continue;
		data->panel_roles[data->n_panels] = report_group_size(data, (int64_t)g) > 1
			? "most typical" : "alone";
		data->panels[data->n_panels++] = (size_t)most;
		if (both && least >= 0 && least != most) {
			data->panel_roles[data->n_panels] = "least typical";
			data->panels[data->n_panels++] = (size_t)least;
		}
	}
	for (size_t i = 0; k == 0 && i < data->n_shown && data->n_panels < cap; i++) {
		data->panel_roles[data->n_panels] = "";
		data->panels[data->n_panels++] = data->shown[i * data->n_shown / cap % data->n_shown];
	}
	return 0;
}

struct point_list {
	struct report_points points;
	size_t capacity;
};

static int add_point(void *context, const struct tm_datamap_point *point)
{
	struct point_list *list = context;
	struct report_points *p = &list->points;

	if (p->n == list->capacity) {
		size_t bigger = list->capacity ? 2 * list->capacity : 256;
		double *v = realloc(p->variability, bigger * sizeof(double));

		if (v)
			p->variability = v;
		if (!v || !(v = realloc(p->confidence, bigger * sizeof(double))))
			return TM_ERR_NOMEM;
		p->confidence = v;
		if (!(v = realloc(p->correctness, bigger * sizeof(double))))
			return TM_ERR_NOMEM;
		p->correctness = v;
		list->capacity = bigger;
	}
	p->variability[p->n] = point->variability;
	p->confidence[p->n] = point->confidence;
	p->correctness[p->n] = point->correctness;
	p->n++;
	return 0;
}

/* thin - keep every step-th point so at most @budget remain (deterministic). */
static void thin(struct report_points *points, size_t budget)
{
	size_t step = (points->n + budget - 1) / budget, kept = 0;

	points->n_stored = points->n;
	if (step <= 1)
		return;
	for (size_t i = 0; i < points->n; i += step, kept++) {
		points->variability[kept] = points->variability[i];
		points->confidence[kept] = points->confidence[i];
		points->correctness[kept] = points->correctness[i];
	}
	points->n = kept;
}

static int load_points(struct tm_store *store, const struct report_data *data, size_t task,
		       size_t budget, struct report_points *out, struct tm_error *err)
{
	struct point_list list = { 0 };
	int rc = tm_store_list_datamap_samples(store, data->analysis.id, data->tasks[task].index,
					       add_point, &list, err);

	*out = list.points;
	if (rc == TM_ERR_NOMEM)
		return tm_error_set(err, rc, "out of memory");
	if (rc < 0)
		return rc;
	thin(out, budget);
	return 0;
}

static int load_all_points(struct tm_store *store, struct report_data *data,
			   struct tm_error *err)
{
	size_t total = 0;
	int rc;

	if (data->n_panels &&
	    !(data->panel_points = calloc(data->n_panels, sizeof(*data->panel_points))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t p = 0; p < data->n_panels; p++) {
		if ((rc = load_points(store, data, data->panels[p], REPORT_MAX_POINTS,
				      &data->panel_points[p], err)) < 0)
			return rc;
		total += data->panel_points[p].n;
	}
	if (total == 0)
		data->n_panels = 0; /* the analysis kept no sample points */
	if (data->focus >= 0)
		return load_points(store, data, (size_t)data->focus, REPORT_MAX_POINTS_FULL,
				   &data->focus_points, err);
	return 0;
}

static int find_focus(struct report_data *data, const char *name, struct tm_error *err)
{
	for (size_t t = 0; name && t < data->n_tasks; t++)
		if (strcmp(data->tasks[t].name, name) == 0) {
			data->focus = (int64_t)t;
			return 0;
		}
	if (name)
		return tm_error_set(err, TM_ERR_NOT_FOUND, "run '%s' has no task named '%s'",
				    data->run.name, name);
	return 0;
}

/* ---- the whole ---------------------------------------------------------------- */

static int arrange_shown(struct report_data *data, struct tm_error *err)
{
	const struct report_gathered *source = &data->source;
	size_t *leaf_at = NULL;
	int rc = 0;

	data->n_shown = source->n_shown;
	if (!(data->shown = malloc((data->n_shown ? data->n_shown : 1) * sizeof(size_t))) ||
	    !(leaf_at = malloc((data->n_shown ? data->n_shown : 1) * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < data->n_shown; i++) {
		int64_t t = report_task_position(data, source->shown_index[i]);

		if (t < 0) {
			rc = tm_error_set(err, TM_ERR_INPUT, "the analysis names task %lld, which "
					  "the run does not have", (long long)source->shown_index[i]);
			goto out;
		}
		data->shown[i] = (size_t)t;
	}
	rc = source->tree ? order_by_tree(data, leaf_at, err) : order_by_group(data, err);
	if (rc == 0 && source->tree)
		rc = arrange_branches(data, leaf_at, err);
out:
	free(leaf_at);
	return rc;
}

int report_arrange(struct tm_store *store, const struct tm_report_options *options,
		   struct report_data *data, struct tm_error *err)
{
	int rc;

	assign_groups(data);
	if ((rc = find_focus(data, options->task, err)) < 0 ||
	    (rc = arrange_shown(data, err)) < 0)
		return rc;
	if (data->source.matrix && data->n_shown &&
	    (rc = arrange_relatedness(data, err)) < 0)
		return rc;
	if (data->source.grouping && data->k > 0 && data->n_shown &&
	    (rc = arrange_membership(data, err)) < 0)
		return rc;
	flag_tasks(data);
	set_typicality(data);
	if (data->relatedness && data->n_shown >= 3 && (rc = arrange_map(data, err)) < 0)
		return rc;
	if (data->analysis.id &&
	    (rc = choose_panels(data, options->max_panels ? options->max_panels : 12, err)) < 0)
		return rc;
	return data->analysis.id ? load_all_points(store, data, err) : 0;
}
