/*
 * selection-partition.c - exact group selection by a dynamic programme over
 * task subsets, for problems whose networks are every group of the n tasks at
 * one cost (TAG mode up to TM_SELECTION_ALL_GROUPS_TASKS tasks). Each task is
 * served by one chosen group, so an optimal choice of at most b groups is a
 * partition of the tasks into at most b blocks S, each served by the group
 * G ⊇ S best for it: w(S) = min over G ⊇ S of the sum over t in S of the
 * value of t in G (O(3^n) for all S from the values, O(n^2 2^n) from TAG's
 * affinity matrix when the problem has it), then f_b(U) = min(f_(b-1)(U), min over
 * S ⊆ U holding U's lowest task of w(S) + f_(b-1)(U \ S)) (O(3^(n-1) / 2) per
 * b, on the sets without task 0, plus the whole set). Proof and costs:
 * docs/methods.md, "Group selection".
 */
#include "selection-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int selection_all_groups(const struct tm_selection_problem *problem)
{
	size_t n = problem->n_tasks;

	if (n > TM_SELECTION_ALL_GROUPS_TASKS || problem->n_networks != ((size_t)1 << n) - 1)
		return 0;
	for (size_t j = 0; j < problem->n_networks; j++)
		if (problem->members[j] != (uint64_t)j + 1 || problem->cost[j] != problem->cost[0])
			return 0;
	return 1;
}

double selection_partition_work(const struct tm_selection_problem *problem, size_t max_groups)
{
	size_t n_tasks = problem->n_tasks;
	double lower = (pow(3, (double)n_tasks - 1) - 1) / 2, top = ldexp(1, (int)n_tasks - 1);
	double levels = max_groups > 1 ? (double)(max_groups - 1) : 0;
	double blocks = problem->affinity ? ldexp((double)(n_tasks * n_tasks), (int)n_tasks - 1)
					  : pow(3, (double)n_tasks) - ldexp(1, (int)n_tasks);

	return blocks + (levels > 1 ? (levels - 1) * lower : 0) + levels * top;
}

/*
 * slot - where set @s lives in the arrays of block values and groups: the sets without task
 * 0 first (index s >> 1), then those with it (@half + (s >> 1)). The levels read only the
 * first half, densely, which halves the cache lines they touch in w.
 */
static inline size_t slot(uint32_t s, size_t half)
{
	return (s & 1) * half + (s >> 1);
}

void selection_partition_release(struct selection_partition *partition)
{
	if (!partition)
		return;
	free(partition->chosen);
	free(partition->n_chosen);
	memset(partition, 0, sizeof(*partition));
}

/*
 * block_values - w(S) and the first group (lowest mask) reaching it in @group, for every
 * S (w(0) = 0), at slot(S). Per group G of k tasks t_0 < ... < t_(k-1), @sums (2^n doubles) gets the
 * value sums of all its subsets by doubling (subset index i: bit r = task t_r, summed in
 * task order, as tm_selection_score sums), and index i is the i-th submask of G in
 * increasing order, which (S - G) & G steps through.
 */
static uint64_t block_values(const struct tm_selection_problem *problem, double *w,
			     uint32_t *group, double *sums)
{
	size_t n = problem->n_tasks;
	uint32_t full = (UINT32_C(1) << n) - 1;
	size_t half = (size_t)1 << (n - 1);
	uint64_t work = 0;

	for (uint32_t s = 0; s <= full; s++)
		w[s] = INFINITY;
	w[0] = 0;
	group[0] = 0;
	sums[0] = 0;
	for (uint32_t g = 1; g <= full; g++) {
		const double *value = problem->value + (size_t)(g - 1) * n;
		size_t size = 1;
		uint32_t s = 0;

		for (size_t t = 0; t < n; t++) {
			if (!((g >> t) & 1))
				continue;
			for (size_t i = 0; i < size; i++)
				sums[size + i] = sums[i] + value[t];
			size *= 2;
		}
		for (size_t i = 1; i < size; i++) {
			s = (s - g) & g;
			if (sums[i] < w[slot(s, half)]) {
				w[slot(s, half)] = sums[i];
				group[slot(s, half)] = g;
			}
		}
		work += size - 1;
	}
	return work;
}

/*
 * block_values_affinity - block_values from TAG's matrix Z (row j: Z(j -> t)) in place of
 * the values: for G = S + X (X outside S), the sum over t in S of the mean of Z(j -> t)
 * over j in G \ {t} is (P(S) + sum over j in X of c_j(S)) / (|S| + |X| - 1), with
 * P(S) = sum over t != j in S of Z(j -> t) and c_j(S) = sum over t in S of Z(j -> t);
 * for each size of X the best X holds the tasks of largest c_j(S) (ties: lower j), so
 * w(S) is the best of n - |S| + 1 prefixes (a task alone: 0). Work n |S| per S.
 */
static uint64_t block_values_affinity(const struct tm_selection_problem *problem, double *w,
				      uint32_t *group)
{
	size_t n = problem->n_tasks;
	const double *z = problem->affinity;
	uint32_t full = (UINT32_C(1) << n) - 1;
	size_t half = (size_t)1 << (n - 1);
	uint64_t work = 0;

	w[0] = 0;
	group[0] = 0;
	for (uint32_t s = 1; s <= full; s++) {
		double inside = 0, source[TM_SELECTION_ALL_GROUPS_TASKS], best, total;
		size_t order[TM_SELECTION_ALL_GROUPS_TASKS], members[TM_SELECTION_ALL_GROUPS_TASKS];
		size_t size = 0, outside = 0;
		uint32_t mask = s, best_mask = s;

		for (size_t t = 0; t < n; t++)
			if ((s >> t) & 1)
				members[size++] = t;
		for (size_t j = 0; j < n; j++) {
			double sum = 0;

			for (size_t i = 0; i < size; i++)
				if (members[i] != j)
					sum += z[j * n + members[i]];
			if ((s >> j) & 1) {
				inside += sum;
				continue;
			}
			/* insert j after the sources of at least its sum (ties: lower j first) */
			size_t at = outside++;

			while (at > 0 && source[at - 1] < sum) {
				source[at] = source[at - 1];
				order[at] = order[at - 1];
				at--;
			}
			source[at] = sum;
			order[at] = j;
		}
		best = size > 1 ? inside / (double)(size - 1) : 0;
		total = inside;
		for (size_t m = 0; m < outside; m++) {
			double mean;

			total += source[m];
			mask |= UINT32_C(1) << order[m];
			mean = total / (double)(size + m);
			if (mean > best) {
				best = mean;
				best_mask = mask;
			}
		}
		w[slot(s, half)] = -best; /* values are negated affinities */
		group[slot(s, half)] = best_mask;
		work += n * size;
	}
	return work;
}

/*
 * split_level - f_b on every set U without task 0 (index U >> 1) from f_(b-1) in @previous:
 * the better of f_(b-1)(U) and, over blocks S ⊆ U holding U's lowest task, w(S) +
 * f_(b-1)(U \ S); @choice[U >> 1] gets that S, or 0 when f_(b-1)(U) is kept (ties keep it:
 * fewer blocks). Adds the inner steps to *@work; returns 0 when every set kept f_(b-1),
 * after which no level changes anything.
 */
static int split_level(size_t n, const double *w, const double *previous, double *current,
		       uint32_t *choice, uint64_t *work)
{
	uint32_t half = UINT32_C(1) << (n - 1);
	int changed = 0;

	current[0] = 0;
	choice[0] = 0;
	for (uint32_t index = 1; index < half; index++) {
		uint32_t set = index << 1, low = set & -set, rest = set ^ low, part = rest;
		uint32_t best_block = 0;
		double best = previous[index];

		for (;;) {
			uint32_t block = low | part;
			double total = w[block >> 1] + previous[(set ^ block) >> 1];

			if (total < best) {
				best = total;
				best_block = block;
			}
			if (!part)
				break;
			part = (part - 1) & rest;
		}
		*work += (uint64_t)1 << __builtin_popcount(rest);
		current[index] = best;
		choice[index] = best_block;
		changed |= best_block != 0;
	}
	return changed;
}

/* top_level - f_b of the whole set, given f_(b-1) on the sets without task 0 and as a
 * whole (@whole); *@block gets the first block (0 when f_(b-1) is kept). */
static double top_level(size_t n, const double *w, const double *previous, double whole,
			uint32_t *block, uint64_t *work)
{
	uint32_t full = (UINT32_C(1) << n) - 1, rest = full ^ 1, part = rest;
	size_t half = (size_t)1 << (n - 1);
	double best = whole;

	*block = 0;
	for (;;) {
		double total = w[half + (part >> 1)] + previous[(full ^ (1 | part)) >> 1];

		if (total < best) {
			best = total;
			*block = 1 | part;
		}
		if (!part)
			break;
		part = (part - 1) & rest;
	}
	*work += (uint64_t)1 << (n - 1);
	return best;
}

/*
 * choose - the groups of the optimal partition into at most @groups blocks: the first
 * block from @top_block (per group count, 0: as for one fewer), then the remaining set
 * through the @choice rows (row b - 2 for b blocks; level 1 takes the whole rest), each
 * block's best group g as network g - 1, each network once, ascending, into @chosen.
 */
static size_t choose(size_t n, size_t groups, const uint32_t *top_block, const uint32_t *choice,
		     const uint32_t *group, size_t *chosen)
{
	uint32_t full = (UINT32_C(1) << n) - 1, set = full, blocks[TM_SELECTION_ALL_GROUPS_TASKS];
	size_t level = groups, count = 0, half = (size_t)1 << (n - 1), kept = 0;

	while (level > 1 && top_block[level - 1] == 0)
		level--;
	if (level > 1) {
		blocks[count++] = top_block[level - 1];
		set ^= top_block[level - 1];
		level--;
		while (set) {
			uint32_t block = level > 1 ? choice[(level - 2) * half + (set >> 1)] : set;

			if (level > 1 && block == 0) {
				level--;
				continue;
			}
			blocks[count++] = block;
			set ^= block;
			level--;
		}
	} else {
		blocks[count++] = full;
	}
	for (size_t i = 0; i < count; i++) {
		size_t network = (size_t)group[slot(blocks[i], half)] - 1, at = kept;

		for (size_t k = 0; k < kept; k++)
			if (chosen[k] >= network) {
				at = k;
				break;
			}
		if (at < kept && chosen[at] == network)
			continue;
		memmove(chosen + at + 1, chosen + at, (kept - at) * sizeof(size_t));
		chosen[at] = network;
		kept++;
	}
	return kept;
}

int selection_partition_solve(const struct tm_selection_problem *problem, size_t max_groups,
			      struct selection_partition *out, struct tm_error *err)
{
	size_t n = problem->n_tasks, subsets = (size_t)1 << n, half = subsets / 2;
	size_t levels = max_groups > 2 ? max_groups - 2 : 0;
	double *w = NULL, *sums = NULL, *previous = NULL, *current = NULL, *top = NULL;
	uint32_t *group = NULL, *choice = NULL, *top_block = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (max_groups < 1 || max_groups > n || !selection_all_groups(problem))
		return tm_error_set(err, TM_ERR_USAGE, "the subset programme needs every group "
				    "at one cost and 1 to %zu groups", n);
	if (!(w = malloc(subsets * sizeof(double))) ||
	    (!problem->affinity && !(sums = malloc(subsets * sizeof(double)))) ||
	    !(group = malloc(subsets * sizeof(uint32_t))) ||
	    !(previous = malloc(half * sizeof(double))) ||
	    !(current = malloc(half * sizeof(double))) ||
	    !(choice = malloc((levels ? levels : 1) * half * sizeof(uint32_t))) ||
	    !(top = malloc(max_groups * sizeof(double))) ||
	    !(top_block = calloc(max_groups, sizeof(uint32_t))) ||
	    !(out->chosen = malloc(max_groups * max_groups * sizeof(size_t))) ||
	    !(out->n_chosen = malloc(max_groups * sizeof(size_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory for the subset programme "
				  "on %zu tasks", n);
		goto out;
	}
	out->max_groups = max_groups;
	out->work = problem->affinity ? block_values_affinity(problem, w, group)
				      : block_values(problem, w, group, sums);
	free(sums);
	sums = NULL;
	/* level 1: one block, f_1 = w; previous holds f_(b-1) on the sets without task 0 */
	top[0] = w[slot((uint32_t)subsets - 1, half)];
	memcpy(previous, w, half * sizeof(double)); /* the sets without task 0 */
	for (size_t b = 2, changed = 1; b <= max_groups && changed; b++) {
		double *swap;

		top[b - 1] = top_level(n, w, previous, top[b - 2], &top_block[b - 1], &out->work);
		if (b == max_groups)
			break; /* f_b on the smaller sets is needed only for b + 1 */
		/* unchanged, f_(b+1) = f_b everywhere (so on; top_block stays 0) */
		changed = (size_t)split_level(n, w, previous, current, choice + (b - 2) * half,
					      &out->work);
		swap = previous;
		previous = current;
		current = swap;
	}
	for (size_t b = 1; b <= max_groups; b++)
		out->n_chosen[b - 1] = choose(n, b, top_block, choice, group,
					      out->chosen + (b - 1) * max_groups);
out:
	if (rc < 0)
		selection_partition_release(out);
	free(w);
	free(sums);
	free(group);
	free(previous);
	free(current);
	free(choice);
	free(top);
	free(top_block);
	return rc;
}
