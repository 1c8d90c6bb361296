/*
 * selection-internal.h - what selection.c shares with selection-partition.c,
 * the exact dynamic programme over task subsets for problems whose networks
 * are every group of the tasks at one cost (TAG mode up to
 * TM_SELECTION_ALL_GROUPS_TASKS tasks). Not part of the public API.
 */
#ifndef TM_ANALYZERS_SELECTION_INTERNAL_H
#define TM_ANALYZERS_SELECTION_INTERNAL_H

#include "selection.h"

/*
 * selection_all_groups - 1 when @problem has at most TM_SELECTION_ALL_GROUPS_TASKS
 * tasks and its networks are every non-empty group of them once, network g - 1
 * solving exactly the tasks of mask g, all at the same cost (the layout
 * tm_selection_from_affinity builds); else 0. Reads the member sets, O(networks).
 */
int selection_all_groups(const struct tm_selection_problem *problem);

/*
 * selection_partition_work - the inner steps selection_partition_solve takes on
 * @problem's n tasks for up to @max_groups groups (what AUTO compares with
 * TM_SELECTION_PARTITION_WORK): for the block values n^2 2^(n-1) from the affinity
 * matrix, else 3^n - 2^n from the values; then (3^(n-1) - 1) / 2 per group count
 * from 2 to max_groups - 1 and 2^(n-1) per group count from 2 to max_groups.
 */
double selection_partition_work(const struct tm_selection_problem *problem, size_t max_groups);

/* Optimal choices of at most 1, 2, ..., max_groups groups. */
struct selection_partition {
	size_t max_groups;
	size_t *chosen;   /* max_groups x max_groups: row b - 1 holds the networks of the
			     choice of at most b groups, ascending, n_chosen[b - 1] of them */
	size_t *n_chosen; /* max_groups */
	uint64_t work;    /* inner steps taken (selection_partition_work) */
};

/*
 * selection_partition_solve - for every b = 1..@max_groups, a choice of at most b
 * networks of @problem (which must satisfy selection_all_groups) covering every
 * task and minimising the summed best value, with the fewest networks among
 * optimal choices; docs/methods.md, "Group selection", states the programme and
 * why it is exact. @max_groups is between 1 and n_tasks. @out is filled (owned,
 * free with selection_partition_release); TM_ERR_NOMEM (it needs 20 bytes per
 * subset of the tasks with the affinity matrix, 20 MiB at 20 tasks, 28 without,
 * and 2 bytes per subset for each group count from 2 to max_groups - 1) leaves
 * it empty.
 */
int selection_partition_solve(const struct tm_selection_problem *problem, size_t max_groups,
			      struct selection_partition *out, struct tm_error *err);

/* selection_partition_release - free the arrays of @partition; accepts NULL. */
void selection_partition_release(struct selection_partition *partition);

#endif
