/*
 * evaluate-input.h - what `taskmap evaluate` evaluates, as plain arrays:
 * the run's tasks and a grouping of them read from the database
 * (--grouping ID or the recommendation) or from a file in `recommend
 * --format json`'s format, with soft memberships when there are any.
 * Shared by cmd-evaluate.c and evaluate-input.c only.
 */
#ifndef TM_CLI_EVALUATE_INPUT_H
#define TM_CLI_EVALUATE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "store.h"

/* The run's tasks, in task-index order. */
struct eval_tasks {
	size_t n;
	char **names;     /* owned */
	int *excluded;    /* 1: excluded from analysis by the run (too few labels) */
};

/*
 * A grouping over task indices of the run: group g holds
 * member[start[g] .. start[g + 1]). weight (may be NULL) holds soft
 * memberships per member.
 */
struct eval_grouping {
	size_t n_groups;
	size_t *start;    /* n_groups + 1 */
	size_t *member;   /* run task indices */
	double *weight;   /* soft memberships, or NULL */
	size_t n_members;
};

/* eval_tasks_read - the tasks of run @run_id. */
int eval_tasks_read(struct tm_store *store, int64_t run_id, struct eval_tasks *out,
		    struct tm_error *err);
void eval_tasks_release(struct eval_tasks *tasks);

/*
 * eval_grouping_from_store - grouping @grouping_id: its hard groups into
 * @hard, and soft memberships into @soft (n_groups = 0 when there are
 * none): the grouping's own when it is soft, else those of a fuzzy-stg
 * grouping of the same analysis (preferring the same k).
 */
int eval_grouping_from_store(struct tm_store *store, int64_t grouping_id,
			     struct eval_grouping *hard, struct eval_grouping *soft,
			     struct tm_error *err);

/*
 * eval_grouping_from_file - parse @path strictly (jansson): {"groups":
 * [{"tasks": [name, ...]}, ...], ...} with optional "memberships": {name:
 * [w per group]} for @soft. TM_ERR_INPUT ("PATH: ...", "PATH:LINE: ...")
 * for malformed JSON, a missing or empty "groups", an unknown task or a
 * task repeated within a group. Tasks may appear in several groups.
 * @hard and @soft are owned by the caller (eval_grouping_release); both
 * are empty after a failure.
 */
int eval_grouping_from_file(const char *path, const struct eval_tasks *tasks,
			    struct eval_grouping *hard, struct eval_grouping *soft,
			    struct tm_error *err);

/*
 * eval_grouping_add_missing - append a singleton group for every task of
 * @wanted (flags per task index, n = tasks->n) that no group of @g holds;
 * (membership 1 when @g is soft); their indices go to @left_out (n entries at most), their count to
 * *@n_left_out.
 */
int eval_grouping_add_missing(struct eval_grouping *g, const int *wanted, size_t n,
			      size_t *left_out, size_t *n_left_out, struct tm_error *err);

/* eval_grouping_release - free the arrays; accepts NULL. */
void eval_grouping_release(struct eval_grouping *g);

/* eval_grouping_json - the groups as a JSON array of arrays of task indices (new string). */
char *eval_grouping_json(const struct eval_grouping *g);

#endif
