/*
 * evaluate-input.c - reading what `taskmap evaluate` evaluates: the run's
 * tasks, a grouping from the database (with soft memberships from the
 * grouping itself or a fuzzy-stg sibling) or from a JSON file (strictly
 * checked with jansson), and completing a grouping with the tasks it
 * leaves out. Declared in evaluate-input.h.
 */
#include "evaluate-input.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- tasks --------------------------------------------------------------- */

static int add_task(void *context, const struct tm_task_record *task)
{
	struct eval_tasks *tasks = context;
	size_t i = tasks->n;
	char **names = realloc(tasks->names, (i + 1) * sizeof(char *));
	int *excluded;

	if (!names)
		return TM_ERR_NOMEM;
	tasks->names = names;
	if (!(excluded = realloc(tasks->excluded, (i + 1) * sizeof(int))))
		return TM_ERR_NOMEM;
	tasks->excluded = excluded;
	if ((size_t)task->index != i || !(names[i] = strdup(task->name)))
		return (size_t)task->index != i ? TM_ERR_INPUT : TM_ERR_NOMEM;
	excluded[i] = task->excluded != NULL;
	tasks->n++;
	return 0;
}

int eval_tasks_read(struct tm_store *store, int64_t run_id, struct eval_tasks *out,
		    struct tm_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tm_store_list_tasks(store, run_id, add_task, out, err);
	if (rc == TM_ERR_NOMEM)
		return tm_error_set(err, rc, "out of memory");
	if (rc == TM_ERR_INPUT)
		return tm_error_set(err, rc, "the tasks of run %lld are not numbered 0..n-1",
				    (long long)run_id);
	if (rc == 0 && out->n == 0)
		return tm_error_set(err, TM_ERR_INPUT, "run %lld has no tasks", (long long)run_id);
	return rc;
}

void eval_tasks_release(struct eval_tasks *tasks)
{
	for (size_t i = 0; tasks && i < tasks->n; i++)
		free(tasks->names[i]);
	if (tasks) {
		free(tasks->names);
		free(tasks->excluded);
		memset(tasks, 0, sizeof(*tasks));
	}
}

/* ---- building groupings --------------------------------------------------------- */

/* One (task, group, weight) triple before grouping by group. */
struct triple {
	size_t task, group;
	double weight;
};

/* build - @n triples over @n_groups groups into @g (counting sort by group, stable). */
static int build(struct eval_grouping *g, const struct triple *triples, size_t n,
		 size_t n_groups, int soft, struct tm_error *err)
{
	size_t *fill;

	memset(g, 0, sizeof(*g));
	g->n_groups = n_groups;
	g->n_members = n;
	g->start = calloc(n_groups + 1, sizeof(size_t));
	g->member = malloc((n ? n : 1) * sizeof(size_t));
	g->weight = soft ? malloc((n ? n : 1) * sizeof(double)) : NULL;
	fill = calloc(n_groups + 1, sizeof(size_t));
	if (!g->start || !g->member || (soft && !g->weight) || !fill) {
		free(fill);
		eval_grouping_release(g);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		g->start[triples[i].group + 1]++;
	for (size_t k = 0; k < n_groups; k++)
		g->start[k + 1] += g->start[k];
	for (size_t i = 0; i < n; i++) {
		size_t at = g->start[triples[i].group] + fill[triples[i].group]++;

		g->member[at] = triples[i].task;
		if (soft)
			g->weight[at] = triples[i].weight;
	}
	free(fill);
	return 0;
}

void eval_grouping_release(struct eval_grouping *g)
{
	if (!g)
		return;
	free(g->start);
	free(g->member);
	free(g->weight);
	memset(g, 0, sizeof(*g));
}

/* ---- from the database --------------------------------------------------------------- */

/* from_members - hard (assigned rows) or soft (rows with weight > 0) groups of a stored grouping. */
static int from_members(const struct tm_grouping *grouping, int soft, struct eval_grouping *out,
			struct tm_error *err)
{
	struct triple *triples = malloc((grouping->n_members ? grouping->n_members : 1) *
					sizeof(*triples));
	size_t n = 0;
	int rc;

	if (!triples)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < grouping->n_members; i++) {
		const struct tm_grouping_member *m = &grouping->members[i];

		if (m->group_index < 0 || m->group_index >= grouping->record.k || m->task_index < 0)
			continue;
		if (soft ? !(m->membership > 0) : !m->assigned)
			continue;
		triples[n++] = (struct triple){ (size_t)m->task_index, (size_t)m->group_index,
						m->membership };
	}
	rc = build(out, triples, n, (size_t)grouping->record.k, soft, err);
	free(triples);
	return rc;
}

static int is_soft(const struct tm_grouping *grouping)
{
	return grouping->n_members > grouping->n_tasks;
}

struct sibling_search {
	int64_t k, best_id;
	int best_same_k;
};

static int consider_sibling(void *context, const struct tm_grouping_record *record)
{
	struct sibling_search *search = context;
	int same_k = record->k == search->k;

	if (!record->clustering || strcmp(record->clustering, "fuzzy-stg") != 0)
		return 0;
	if (!search->best_id || (same_k && !search->best_same_k)) {
		search->best_id = record->id;
		search->best_same_k = same_k;
	}
	return 0;
}

/* soft_sibling - the soft memberships of a fuzzy-stg grouping of the same analysis, if any. */
static int soft_sibling(struct tm_store *store, const struct tm_grouping *grouping,
			struct eval_grouping *soft, struct tm_error *err)
{
	struct sibling_search search = { grouping->record.k, 0, 0 };
	struct tm_grouping *sibling = NULL;
	int rc;

	if ((rc = tm_store_list_groupings(store, grouping->record.analysis_id, consider_sibling,
					  &search, err)) < 0 || !search.best_id)
		return rc;
	if ((rc = tm_store_read_grouping(store, search.best_id, &sibling, err)) == 0)
		rc = from_members(sibling, 1, soft, err);
	tm_grouping_free(sibling);
	return rc;
}

int eval_grouping_from_store(struct tm_store *store, int64_t grouping_id,
			     struct eval_grouping *hard, struct eval_grouping *soft,
			     struct tm_error *err)
{
	struct tm_grouping *grouping = NULL;
	int rc;

	memset(hard, 0, sizeof(*hard));
	memset(soft, 0, sizeof(*soft));
	if ((rc = tm_store_read_grouping(store, grouping_id, &grouping, err)) < 0)
		return rc;
	if ((rc = from_members(grouping, 0, hard, err)) == 0)
		rc = is_soft(grouping) ? from_members(grouping, 1, soft, err)
			: soft_sibling(store, grouping, soft, err);
	tm_grouping_free(grouping);
	return rc;
}

/* ---- from a file ------------------------------------------------------------------ */

static ssize_t find_task(const struct eval_tasks *tasks, const char *name)
{
	for (size_t i = 0; i < tasks->n; i++)
		if (strcmp(tasks->names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/* count_members - check the shape of "groups" and count its task names. */
static int count_members(const char *path, json_t *groups, size_t *n, struct tm_error *err)
{
	size_t g;
	json_t *group;

	*n = 0;
	if (!json_is_array(groups) || json_array_size(groups) == 0)
		return tm_error_set(err, TM_ERR_INPUT, "%s: expected a non-empty array \"groups\"",
				    path);
	json_array_foreach(groups, g, group) {
		json_t *names = json_object_get(group, "tasks");

		if (!json_is_object(group) || !json_is_array(names) || json_array_size(names) == 0)
			return tm_error_set(err, TM_ERR_INPUT,
					    "%s: group %zu: expected an object with a non-empty"
					    " array \"tasks\"", path, g + 1);
		*n += json_array_size(names);
	}
	return 0;
}

/* file_triples - the (task, group) pairs of "groups", checked. */
static int file_triples(const char *path, json_t *groups, const struct eval_tasks *tasks,
			struct triple *triples, struct tm_error *err)
{
	size_t *seen_in = calloc(tasks->n, sizeof(size_t)), n = 0, g, i;
	json_t *group, *name;
	int rc = 0;

	if (!seen_in)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	json_array_foreach(groups, g, group) {
		json_array_foreach(json_object_get(group, "tasks"), i, name) {
			const char *text = json_string_value(name);
			ssize_t t = text ? find_task(tasks, text) : -1;

			if (!text)
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: group %zu: task %zu is not a"
						  " string", path, g + 1, i + 1);
			else if (t < 0)
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: group %zu: unknown task '%s'"
						  " (not a task of the run)", path, g + 1, text);
			else if (seen_in[t] == g + 1)
				rc = tm_error_set(err, TM_ERR_INPUT, "%s: group %zu: task '%s' is"
						  " listed twice", path, g + 1, text);
			if (rc < 0)
				goto out;
			seen_in[t] = g + 1;
			triples[n++] = (struct triple){ (size_t)t, g, 1 };
		}
	}
out:
	free(seen_in);
	return rc;
}

/* file_memberships - optional "memberships": {name: [w per group]} into @soft. */
static int file_memberships(const char *path, json_t *memberships, size_t n_groups,
			    const struct eval_tasks *tasks, struct eval_grouping *soft,
			    struct tm_error *err)
{
	struct triple *triples = NULL;
	const char *name;
	json_t *weights;
	size_t n = 0, n_keys;
	int rc;

	if (!memberships)
		return 0;
	if (!json_is_object(memberships))
		return tm_error_set(err, TM_ERR_INPUT, "%s: \"memberships\" must be an object of"
				    " arrays", path);
	/* keys are unique and a key that is no task is refused before its weights */
	n_keys = json_object_size(memberships) < tasks->n ? json_object_size(memberships)
		: tasks->n;
	if (!(triples = malloc((n_keys * n_groups + 1) * sizeof(*triples))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	json_object_foreach(memberships, name, weights) {
		ssize_t t = find_task(tasks, name);

		if (t < 0 || !json_is_array(weights) || json_array_size(weights) != n_groups) {
			free(triples);
			return tm_error_set(err, TM_ERR_INPUT, "%s: memberships of '%s': %s", path,
					    name, t < 0 ? "unknown task" : "expected one number per group");
		}
		for (size_t g = 0; g < n_groups; g++) {
			double w = json_number_value(json_array_get(weights, g));

			if (!json_is_number(json_array_get(weights, g)) || !(w >= 0) || w > 1) {
				free(triples);
				return tm_error_set(err, TM_ERR_INPUT, "%s: memberships of '%s': group %zu"
						    " is not a number in [0, 1]", path, name, g + 1);
			}
			if (w > 0)
				triples[n++] = (struct triple){ (size_t)t, g, w };
		}
	}
	rc = build(soft, triples, n, n_groups, 1, err);
	free(triples);
	return rc;
}

int eval_grouping_from_file(const char *path, const struct eval_tasks *tasks,
			    struct eval_grouping *hard, struct eval_grouping *soft,
			    struct tm_error *err)
{
	json_error_t error;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error), *groups;
	struct triple *triples = NULL;
	size_t n;
	int rc;

	memset(hard, 0, sizeof(*hard));
	memset(soft, 0, sizeof(*soft));
	if (!root)
		return tm_error_set(err, json_error_code(&error) == json_error_cannot_open_file
				    ? TM_ERR_IO : TM_ERR_INPUT, "%s:%d: %s", path, error.line,
				    error.text);
	groups = json_object_get(root, "groups");
	if (!json_is_object(root)) {
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: expected a JSON object with \"groups\"", path);
		goto out;
	}
	if ((rc = count_members(path, groups, &n, err)) < 0)
		goto out;
	if (!(triples = malloc(n * sizeof(*triples)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = file_triples(path, groups, tasks, triples, err)) < 0 ||
	    (rc = build(hard, triples, n, json_array_size(groups), 0, err)) < 0)
		goto out;
	rc = file_memberships(path, json_object_get(root, "memberships"), json_array_size(groups),
			      tasks, soft, err);
out:
	if (rc < 0) {
		eval_grouping_release(hard);
		eval_grouping_release(soft);
	}
	free(triples);
	json_decref(root);
	return rc;
}

/* ---- completing and printing ---------------------------------------------------------- */

int eval_grouping_add_missing(struct eval_grouping *g, const int *wanted, size_t n,
			      size_t *left_out, size_t *n_left_out, struct tm_error *err)
{
	char *covered = calloc(n ? n : 1, 1);
	size_t extra = 0, *start, *member;

	*n_left_out = 0;
	if (!covered)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < g->n_members; i++)
		covered[g->member[i]] = 1;
	for (size_t t = 0; t < n; t++)
		if (wanted[t] && !covered[t])
			left_out[extra++] = t;
	free(covered);
	if (!extra)
		return 0;
	start = realloc(g->start, (g->n_groups + extra + 1) * sizeof(size_t));
	if (start)
		g->start = start;
	member = start ? realloc(g->member, (g->n_members + extra) * sizeof(size_t)) : NULL;
	if (!member)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	g->member = member;
	if (g->weight) {
		double *weight = realloc(g->weight, (g->n_members + extra) * sizeof(double));

		if (!weight)
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		g->weight = weight;
		for (size_t i = 0; i < extra; i++)
			weight[g->n_members + i] = 1;
	}
	for (size_t i = 0; i < extra; i++) {
		g->member[g->n_members++] = left_out[i];
		g->start[g->n_groups + 1] = g->start[g->n_groups] + 1;
		g->n_groups++;
	}
	*n_left_out = extra;
	return 0;
}

char *eval_grouping_json(const struct eval_grouping *g)
{
	json_t *groups = json_array();
	char *text;

	for (size_t k = 0; groups && k < g->n_groups; k++) {
		json_t *members = json_array();

		for (size_t i = g->start[k]; members && i < g->start[k + 1]; i++)
			json_array_append_new(members, json_integer((json_int_t)g->member[i]));
		json_array_append_new(groups, members);
	}
	text = groups ? json_dumps(groups, JSON_COMPACT) : NULL;
	json_decref(groups);
	return text;
}
