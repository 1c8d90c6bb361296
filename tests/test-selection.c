/*
 * test-selection.c - budgeted group selection (analyzers/selection.h): exact
 * branch and bound against brute force on random instances (losses and TAG
 * affinities), the subset programme against brute force and the branch and
 * bound and on 18 tasks, the greedy's guarantees, input validation, the strict loss-file
 * parser, the higher-order approximation, and `taskmap select` end to end.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "selection-internal.h"
#include "selection.h"
#include "test-helpers.h"

Suite *selection_suite(void);

/* ---- brute force, written independently of the library ------------------------- */

/* The canonical optimum: least objective, then cost, then count, then lexicographic. */
struct brute {
	int found;
	double objective, cost;
	size_t n, chosen[32];
	double best_utility; /* max of the documented utility f over all sets within budget */
};

static double set_objective(const struct tm_selection_problem *p, const size_t *chosen,
			    size_t k, int *covers)
{
	double sum = 0;

	*covers = 1;
	for (size_t t = 0; t < p->n_tasks; t++) {
		double best = INFINITY;

		for (size_t i = 0; i < k; i++)
			if ((p->members[chosen[i]] >> t) & 1)
				best = fmin(best, p->value[chosen[i] * p->n_tasks + t]);
		if (isinf(best))
			*covers = 0;
		sum += best;
	}
	return sum;
}

/* utility - f(A) with M_t = worst_t + sum_u (worst_u - best_u) + 1 (docs/methods.md). */
static double utility(const struct tm_selection_problem *p, const size_t *chosen, size_t k)
{
	double penalty = 1, sum = 0, worst[32], current;

	for (size_t t = 0; t < p->n_tasks; t++) {
		double hi = -INFINITY, lo = INFINITY;

		for (size_t j = 0; j < p->n_networks; j++)
			if ((p->members[j] >> t) & 1) {
				hi = fmax(hi, p->value[j * p->n_tasks + t]);
				lo = fmin(lo, p->value[j * p->n_tasks + t]);
			}
		worst[t] = hi;
		penalty += hi - lo;
	}
	for (size_t t = 0; t < p->n_tasks; t++) {
		current = worst[t] + penalty;
		for (size_t i = 0; i < k; i++)
			if ((p->members[chosen[i]] >> t) & 1)
				current = fmin(current, p->value[chosen[i] * p->n_tasks + t]);
		sum += worst[t] + penalty - current;
	}
	return sum;
}

static int lex_less(const size_t *a, size_t na, const size_t *b, size_t nb)
{
	if (na != nb)
		return na < nb;
	for (size_t i = 0; i < na; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0;
}

static void brute_force(const struct tm_selection_problem *p, double budget, struct brute *out)
{
	size_t m = p->n_networks, chosen[32], k;

	ck_assert_uint_le(m, 20);
	memset(out, 0, sizeof(*out));
	for (uint32_t set = 0; set < (UINT32_C(1) << m); set++) {
		double cost = 0, objective;
		int covers;

		k = 0;
		for (size_t j = 0; j < m; j++)
			if ((set >> j) & 1) {
				chosen[k++] = j;
				cost += p->cost[j];
			}
		if (cost > budget)
			continue;
		out->best_utility = fmax(out->best_utility, utility(p, chosen, k));
		objective = set_objective(p, chosen, k, &covers);
		if (!covers)
			continue;
		if (!out->found || objective < out->objective ||
		    (objective == out->objective &&
		     (cost < out->cost ||
		      (cost == out->cost && lex_less(chosen, k, out->chosen, out->n))))) {
			out->found = 1;
			out->objective = objective;
			out->cost = cost;
			out->n = k;
			memcpy(out->chosen, chosen, k * sizeof(size_t));
		}
	}
}

/* random_problem - n tasks, m networks of random tasks and costs 0.5/1/1.5, the last one
 * solving every task at cost 1 (so every budget >= 1 is feasible). */
static struct tm_selection_problem *random_problem(gsl_rng *rng, size_t n, size_t m,
						   int unit_costs)
{
	struct tm_selection_problem *p = NULL;
	uint32_t all = (UINT32_C(1) << n) - 1;

	ck_assert_int_eq(tm_selection_problem_create(n, m, &p, NULL), 0);
	for (size_t j = 0; j < m; j++) {
		p->members[j] = j + 1 == m ? all : 1 + (uint32_t)gsl_rng_uniform_int(rng, all);
		p->cost[j] = unit_costs ? 1.0 : 0.5 * (double)(1 + gsl_rng_uniform_int(rng, 3));
		if (j + 1 == m)
			p->cost[j] = 1.0;
		for (size_t t = 0; t < n; t++)
			if ((p->members[j] >> t) & 1)
				/* quantised, so ties happen and the tie-break is exercised */
				p->value[j * n + t] = (double)gsl_rng_uniform_int(rng, 20) / 8.0;
	}
	return p;
}

static void check_against_brute_force(struct tm_selection_problem *p, double budget,
				      int unit_costs)
{
	struct tm_selection exact, greedy, heuristic;
	struct brute brute;
	const double ratio = unit_costs ? 1 - exp(-1) : 0.5 * (1 - exp(-1));

	tm_selection_init(&exact);
	tm_selection_init(&greedy);
	tm_selection_init(&heuristic);
	brute_force(p, budget, &brute);
	ck_assert(brute.found);
	ck_assert_int_eq(tm_selection_solve(p, budget, TM_SELECTION_EXACT, &exact, NULL), 0);
	ck_assert_double_eq(exact.objective, brute.objective);
	ck_assert_double_eq(exact.cost, brute.cost);
	ck_assert_uint_eq(exact.n_chosen, brute.n);
	for (size_t i = 0; i < brute.n; i++)
		ck_assert_uint_eq(exact.chosen[i], brute.chosen[i]);
	ck_assert_double_eq(exact.lower_bound, exact.objective);
	ck_assert_int_eq(tm_selection_solve(p, budget, TM_SELECTION_GREEDY, &greedy, NULL), 0);
	ck_assert_double_le(greedy.cost, budget);
	ck_assert_double_ge(greedy.objective, brute.objective);
	ck_assert_double_le(greedy.lower_bound, brute.objective + 1e-12);
	ck_assert_double_eq_tol(greedy.utility, utility(p, greedy.chosen, greedy.n_chosen), 1e-9);
	ck_assert_double_ge(greedy.utility, ratio * brute.best_utility - 1e-9);
	/* the local search only improves on the greedy, and its bound still holds */
	ck_assert_int_eq(tm_selection_solve(p, budget, TM_SELECTION_HEURISTIC, &heuristic, NULL),
			 0);
	ck_assert_int_eq(heuristic.method, TM_SELECTION_HEURISTIC);
	ck_assert_double_le(heuristic.cost, budget);
	ck_assert_double_ge(heuristic.objective, brute.objective);
	ck_assert_double_le(heuristic.objective, greedy.objective);
	ck_assert_double_le(heuristic.lower_bound, brute.objective + 1e-12);
	ck_assert_double_le(heuristic.task_bound, brute.objective + 1e-12);
	ck_assert_double_ge(heuristic.utility, greedy.utility - 1e-9);
	ck_assert_double_eq_tol(heuristic.utility,
				utility(p, heuristic.chosen, heuristic.n_chosen), 1e-9);
	tm_selection_release(&exact);
	tm_selection_release(&greedy);
	tm_selection_release(&heuristic);
}

START_TEST(exact_equals_brute_force_on_random_instances)
{
	gsl_rng *rng = tm_rng_create(1000 + (uint64_t)_i);
	static const double budgets[] = { 1, 1.5, 2, 2.5, 3, 4 };

	for (int trial = 0; trial < 20; trial++) {
		size_t n = 1 + gsl_rng_uniform_int(rng, 6), m = 2 + gsl_rng_uniform_int(rng, 11);
		int unit = _i % 2;
		struct tm_selection_problem *p = random_problem(rng, n, m, unit);

		check_against_brute_force(p, budgets[gsl_rng_uniform_int(rng, 6)], unit);
		tm_selection_problem_free(p);
	}
	gsl_rng_free(rng);
}
END_TEST

/* ---- TAG's objective ------------------------------------------------------------- */

/* tag_brute - the best TAG total over at most @groups groups covering all tasks. */
static double tag_brute(const double *z, size_t n, size_t groups)
{
	size_t n_groups = ((size_t)1 << n) - 1, pick[4];
	double best = -INFINITY;

	ck_assert_uint_le(groups, 3);
	/* every multiset of up to @groups group masks, as non-decreasing indices */
	for (size_t k = 1; k <= groups; k++) {
		for (size_t i = 0; i < k; i++)
			pick[i] = 1;
		for (;;) {
			double total = 0;
			uint32_t covered = 0;

			for (size_t i = 0; i < k; i++)
				covered |= (uint32_t)pick[i];
			if (covered == n_groups) {
				for (size_t t = 0; t < n; t++) {
					double task_best = -INFINITY;

					for (size_t i = 0; i < k; i++) {
						size_t g = pick[i], size = 0;
						double sum = 0;

						if (!((g >> t) & 1))
							continue;
						for (size_t j = 0; j < n; j++)
							if (j != t && ((g >> j) & 1)) {
								sum += z[j * n + t];
								size++;
							}
						task_best = fmax(task_best, size ? sum / (double)size : 0);
					}
					total += task_best;
				}
				best = fmax(best, total);
			}
			size_t i = k;
			while (i > 0 && pick[i - 1] == n_groups)
				i--;
			if (i == 0)
				break;
			pick[i - 1]++;
			for (size_t r = i; r < k; r++)
				pick[r] = pick[i - 1];
		}
	}
	return best;
}

START_TEST(tag_selection_equals_brute_force)
{
	gsl_rng *rng = tm_rng_create(77 + (uint64_t)_i);

	for (int trial = 0; trial < 10; trial++) {
		size_t n = 2 + gsl_rng_uniform_int(rng, 4), groups = 1 + gsl_rng_uniform_int(rng, 3);
		double z[25];
		struct tm_selection_problem *p = NULL;
		struct tm_selection exact, greedy;

		tm_selection_init(&exact);
		tm_selection_init(&greedy);
		for (size_t i = 0; i < n * n; i++)
			z[i] = gsl_rng_uniform(rng) * 2 - 0.7;
		ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
		ck_assert_uint_eq(p->n_networks, ((size_t)1 << n) - 1);
		ck_assert_int_eq(tm_selection_solve(p, (double)groups + 0.5, TM_SELECTION_EXACT,
						    &exact, NULL), 0);
		ck_assert_double_eq_tol(-exact.objective, tag_brute(z, n, groups), 1e-12);
		ck_assert_double_le(exact.cost, (double)groups);
		ck_assert_int_eq(tm_selection_solve(p, (double)groups, TM_SELECTION_GREEDY, &greedy,
						    NULL), 0);
		ck_assert_double_ge(greedy.objective, exact.objective - 1e-12);
		tm_selection_release(&greedy);
		ck_assert_int_eq(tm_selection_solve(p, (double)groups, TM_SELECTION_HEURISTIC,
						    &greedy, NULL), 0);
		ck_assert_double_ge(greedy.objective, exact.objective - 1e-12);
		ck_assert_double_le(greedy.lower_bound, exact.objective + 1e-12);
		ck_assert_double_le(greedy.task_bound, exact.objective + 1e-12);
		tm_selection_release(&exact);
		tm_selection_release(&greedy);
		tm_selection_problem_free(p);
	}
	gsl_rng_free(rng);
}
END_TEST

/* ---- the subset programme (every group at one cost) ------------------------------- */

/* tag_value - a(t, G) from z directly: the mean of Z(j -> t) over j in G \ {t}, 0 alone. */
static double tag_value(const double *z, size_t n, uint32_t group, size_t t)
{
	double sum = 0;
	size_t count = 0;

	for (size_t j = 0; j < n; j++)
		if (j != t && ((group >> j) & 1)) {
			sum += z[j * n + t];
			count++;
		}
	return count ? sum / (double)count : 0;
}

/* tag_total - TAG's objective of the group masks @groups[0..k), computed from z; -INFINITY
 * when they leave a task out. */
static double tag_total(const double *z, size_t n, const uint32_t *groups, size_t k)
{
	double total = 0;

	for (size_t t = 0; t < n; t++) {
		double best = -INFINITY;

		for (size_t i = 0; i < k; i++)
			if ((groups[i] >> t) & 1)
				best = fmax(best, tag_value(z, n, groups[i], t));
		if (isinf(best))
			return -INFINITY;
		total += best;
	}
	return total;
}

#define BRUTE_GROUPS 4

/* tag_brute_by_count - for k = 1..BRUTE_GROUPS, the best TAG total over sets of exactly k
 * distinct groups covering every task (-INFINITY when none), in @best[k - 1]. */
static void tag_brute_by_count(const double *z, size_t n, double *best)
{
	uint32_t m = (UINT32_C(1) << n) - 1, pick[BRUTE_GROUPS];

	for (size_t k = 1; k <= BRUTE_GROUPS; k++) {
		best[k - 1] = -INFINITY;
		if (k > m)
			continue;
		for (size_t i = 0; i < k; i++)
			pick[i] = (uint32_t)i + 1; /* group masks, strictly increasing */
		for (;;) {
			best[k - 1] = fmax(best[k - 1], tag_total(z, n, pick, k));
			size_t i = k;
			while (i > 0 && pick[i - 1] == m - (k - i))
				i--;
			if (i == 0)
				break;
			pick[i - 1]++;
			for (size_t r = i; r < k; r++)
				pick[r] = pick[r - 1] + 1;
		}
	}
}

/* check_choice - @selection of @p (TAG from @z) is within @budget groups, covers every
 * task and reports the TAG total of its groups as computed from z. */
static void check_choice(const struct tm_selection_problem *p, const double *z,
			 const struct tm_selection *selection, double budget)
{
	uint32_t groups[64], covered = 0;
	size_t n = p->n_tasks;

	ck_assert_int_eq(selection->method, TM_SELECTION_EXACT);
	ck_assert_uint_ge(selection->n_chosen, 1);
	ck_assert_uint_le(selection->n_chosen, 64);
	ck_assert_double_le((double)selection->n_chosen, budget);
	ck_assert_double_eq(selection->cost, (double)selection->n_chosen);
	for (size_t i = 0; i < selection->n_chosen; i++) {
		ck_assert_uint_lt(selection->chosen[i], p->n_networks);
		if (i > 0)
			ck_assert_uint_gt(selection->chosen[i], selection->chosen[i - 1]);
		groups[i] = (uint32_t)p->members[selection->chosen[i]];
		covered |= groups[i];
	}
	ck_assert_uint_eq(covered, (UINT32_C(1) << n) - 1);
	ck_assert_double_eq_tol(-selection->objective,
				tag_total(z, n, groups, selection->n_chosen),
				1e-12 * fmax(1, fabs(selection->objective)));
	ck_assert_double_eq(selection->lower_bound, selection->objective);
}

START_TEST(partition_equals_brute_force)
{
	/* n = 3..6 tasks, B = 1..4, from the affinity matrix and (the same problem without
	 * it) from the values: the optimum over all sets of at most B groups, with the
	 * fewest groups among optimal ones */
	gsl_rng *rng = tm_rng_create(4200 + (uint64_t)_i);
	const double budgets[BRUTE_GROUPS] = { 1, 2.5, 3, 4 };

	for (size_t n = 3; n <= 6; n++) {
		double z[36], best[BRUTE_GROUPS];
		struct tm_selection_problem *p = NULL;
		struct tm_selection curve[BRUTE_GROUPS];

		for (size_t i = 0; i < n * n; i++)
			/* half the time 0 or 1/2, so that choices of different numbers of
			 * groups tie */
			z[i] = _i % 2 ? 0.5 * (double)(gsl_rng_uniform_int(rng, 3) == 0)
				      : gsl_rng_uniform(rng) * 2 - 0.7;
		tag_brute_by_count(z, n, best);
		ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
		ck_assert_ptr_nonnull(p->affinity);
		for (int from_values = 0; from_values < 2; from_values++) {
			if (from_values) {
				free(p->affinity);
				p->affinity = NULL;
			}
			for (size_t b = 0; b < BRUTE_GROUPS; b++)
				tm_selection_init(&curve[b]);
			ck_assert_int_eq(tm_selection_solve_curve(p, budgets, BRUTE_GROUPS,
								  TM_SELECTION_EXACT, curve,
								  NULL), 0);
			for (size_t b = 0; b < BRUTE_GROUPS; b++) {
				size_t groups = (size_t)floor(budgets[b]), fewest = 0;
				double optimum = -INFINITY;

				for (size_t k = 1; k <= groups; k++)
					optimum = fmax(optimum, best[k - 1]);
				for (size_t k = groups; k >= 1; k--)
					if (best[k - 1] >= optimum - 1e-12 * fmax(1, fabs(optimum)))
						fewest = k;
				check_choice(p, z, &curve[b], budgets[b]);
				ck_assert_double_eq_tol(-curve[b].objective, optimum,
							1e-12 * fmax(1, fabs(optimum)));
				ck_assert_msg(curve[b].n_chosen == fewest,
					      "n %zu, B %g: %zu groups, the fewest optimal %zu", n,
					      budgets[b], curve[b].n_chosen, fewest);
				tm_selection_release(&curve[b]);
			}
		}
		tm_selection_problem_free(p);
	}
	gsl_rng_free(rng);
}
END_TEST

START_TEST(partition_from_affinity_equals_from_values)
{
	/* 7 to 11 tasks, every budget: the block values from the matrix (n^2 2^n) and from
	 * the values (3^n) give the same optimum; a few tasks are strong sources and weak
	 * receivers, so the best groups often hold tasks served elsewhere */
	size_t n = 7 + (size_t)_i;
	gsl_rng *rng = tm_rng_create(4250 + (uint64_t)_i);
	struct tm_selection_problem *p = NULL, *copy = NULL;
	struct tm_selection from_matrix[11], from_values[11];
	double z[121], budgets[11];
	int helper[11];

	for (size_t t = 0; t < n; t++)
		helper[t] = gsl_rng_uniform(rng) < 0.4;
	for (size_t j = 0; j < n; j++)
		for (size_t t = 0; t < n; t++)
			z[j * n + t] = (helper[j] ? 0.4 : -0.1) - (helper[t] ? 0.3 : 0) +
				       0.3 * gsl_rng_uniform(rng);
	for (size_t b = 0; b < n; b++) {
		budgets[b] = (double)b + 1;
		tm_selection_init(&from_matrix[b]);
		tm_selection_init(&from_values[b]);
	}
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &copy, NULL), 0);
	free(copy->affinity);
	copy->affinity = NULL;
	ck_assert_int_eq(tm_selection_solve_curve(p, budgets, n, TM_SELECTION_EXACT, from_matrix,
						  NULL), 0);
	ck_assert_int_eq(tm_selection_solve_curve(copy, budgets, n, TM_SELECTION_EXACT,
						  from_values, NULL), 0);
	for (size_t b = 0; b < n; b++) {
		check_choice(p, z, &from_matrix[b], budgets[b]);
		check_choice(copy, z, &from_values[b], budgets[b]);
		ck_assert_double_eq_tol(from_matrix[b].objective, from_values[b].objective,
					1e-12 * fmax(1, fabs(from_values[b].objective)));
		ck_assert_uint_eq(from_matrix[b].n_chosen, from_values[b].n_chosen);
		tm_selection_release(&from_matrix[b]);
		tm_selection_release(&from_values[b]);
	}
	tm_selection_problem_free(copy);
	tm_selection_problem_free(p);
	gsl_rng_free(rng);
}
END_TEST

/* reordered - the networks of @p in reverse order, which the branch and bound solves
 * (the subset programme needs network g - 1 = mask g). */
static struct tm_selection_problem *reordered(const struct tm_selection_problem *p)
{
	struct tm_selection_problem *copy = NULL;
	size_t n = p->n_tasks, m = p->n_networks;

	ck_assert_int_eq(tm_selection_problem_create(n, m, &copy, NULL), 0);
	for (size_t j = 0; j < m; j++) {
		copy->members[j] = p->members[m - 1 - j];
		memcpy(copy->value + j * n, p->value + (m - 1 - j) * n, n * sizeof(double));
	}
	copy->negated = 1;
	return copy;
}

static const struct {
	size_t n;
	double budget;
} branch_cases[] = { { 8, 1 }, { 8, 2 }, { 8, 3 }, { 9, 2 }, { 10, 1 }, { 10, 2 } };

START_TEST(partition_equals_branch_and_bound)
{
	size_t n = branch_cases[_i].n;
	double budget = branch_cases[_i].budget, z[100];
	gsl_rng *rng = tm_rng_create(4300 + (uint64_t)_i);
	struct tm_selection_problem *p = NULL, *copy = NULL;
	struct tm_selection partition, branch;

	for (size_t i = 0; i < n * n; i++)
		z[i] = 0.2 * gsl_rng_uniform(rng) - 0.1;
	tm_selection_init(&partition);
	tm_selection_init(&branch);
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
	copy = reordered(p);
	ck_assert_int_eq(tm_selection_solve(p, budget, TM_SELECTION_AUTO, &partition, NULL), 0);
	ck_assert_int_eq(tm_selection_solve(copy, budget, TM_SELECTION_EXACT, &branch, NULL), 0);
	check_choice(p, z, &partition, budget);
	ck_assert_double_eq_tol(partition.objective, branch.objective,
				1e-12 * fmax(1, fabs(branch.objective)));
	ck_assert_double_eq(partition.cost, branch.cost);
	/* the branch and bound visits nodes, the programme takes 3^n-like steps over sets */
	ck_assert_uint_ne(partition.work, branch.work);
	tm_selection_release(&partition);
	tm_selection_release(&branch);
	tm_selection_problem_free(copy);
	tm_selection_problem_free(p);
	gsl_rng_free(rng);
}
END_TEST

START_TEST(partition_work_is_auto_s_measure)
{
	/* the steps the programme counts are the estimate AUTO compares with its limit, and
	 * the limit gives the documented range (every budget up to 18 tasks, B <= 16 at 19,
	 * B <= 6 at 20) */
	struct tm_selection_problem *p = NULL, sized = { 0 };
	struct tm_selection selection;
	double z[100];
	gsl_rng *rng = tm_rng_create(4500);

	for (size_t i = 0; i < 100; i++)
		z[i] = 0.2 * gsl_rng_uniform(rng) - 0.1;
	tm_selection_init(&selection);
	ck_assert_int_eq(tm_selection_from_affinity(z, 10, 10, NULL, NULL, 0, &p, NULL), 0);
	ck_assert_int_eq(tm_selection_solve(p, 5, TM_SELECTION_AUTO, &selection, NULL), 0);
	ck_assert_double_eq((double)selection.work, selection_partition_work(p, 5));
	sized.affinity = z; /* only the task count and the matrix's presence matter */
	sized.n_tasks = 18;
	ck_assert_double_le(selection_partition_work(&sized, 18), TM_SELECTION_PARTITION_WORK);
	sized.n_tasks = 19;
	ck_assert_double_le(selection_partition_work(&sized, 16), TM_SELECTION_PARTITION_WORK);
	ck_assert_double_gt(selection_partition_work(&sized, 17), TM_SELECTION_PARTITION_WORK);
	sized.n_tasks = 20;
	ck_assert_double_le(selection_partition_work(&sized, 6), TM_SELECTION_PARTITION_WORK);
	ck_assert_double_gt(selection_partition_work(&sized, 7), TM_SELECTION_PARTITION_WORK);
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
	gsl_rng_free(rng);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
#define PLANTED_TASKS 16 /* 18 takes 4 s under the sanitizers, 16 about 0.5 s */
#else
#define PLANTED_TASKS 18
#endif

START_TEST(partition_finds_planted_blocks_on_many_tasks)
{
	/* three planted blocks on 18 tasks (16 under AddressSanitizer): AUTO is exact for
	 * every budget of the curve, B = 3 finds the blocks, and more budget never scores
	 * less */
	const size_t n = PLANTED_TASKS, blocks = 3;
	const double budgets[] = { 1, 2, 3, 4, 6 };
	struct tm_selection curve[5];
	struct tm_selection_problem *p = NULL;
	gsl_rng *rng = tm_rng_create(4400);
	double z[PLANTED_TASKS * PLANTED_TASKS];

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			z[i * n + j] = (i % blocks == j % blocks ? 0.3 : -0.2) +
				       0.05 * gsl_rng_uniform(rng);
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
	ck_assert_int_eq(p->candidates, 0);
	ck_assert_uint_eq(p->n_networks, ((size_t)1 << n) - 1);
	for (size_t b = 0; b < 5; b++)
		tm_selection_init(&curve[b]);
	ck_assert_int_eq(tm_selection_solve_curve(p, budgets, 5, TM_SELECTION_AUTO, curve, NULL),
			 0);
	for (size_t b = 0; b < 5; b++) {
		check_choice(p, z, &curve[b], budgets[b]);
		if (b > 0)
			ck_assert_double_le(curve[b].objective, curve[b - 1].objective);
	}
	ck_assert_uint_eq(curve[2].n_chosen, blocks);
	for (size_t i = 0; i < blocks; i++) {
		uint64_t mask = p->members[curve[2].chosen[i]];
		size_t first = (size_t)__builtin_ctzll(mask);

		for (size_t t = 0; t < n; t++)
			ck_assert_int_eq((int)((mask >> t) & 1), t % blocks == first % blocks);
	}
	for (size_t b = 0; b < 5; b++)
		tm_selection_release(&curve[b]);
	tm_selection_problem_free(p);
	gsl_rng_free(rng);
}
END_TEST

/* ---- beyond 20 tasks: generated candidates ------------------------------------------- */

/* true_upper_bound - sum over tasks of max(0, max_j Z(j -> t)): no group gives task t
 * more than its best source (a mean is at most its largest term) or 0 alone. */
static double true_upper_bound(const double *z, size_t n)
{
	double sum = 0;

	for (size_t t = 0; t < n; t++) {
		double best = 0;

		for (size_t j = 0; j < n; j++)
			if (j != t)
				best = fmax(best, z[j * n + t]);
		sum += best;
	}
	return sum;
}

/* Planted blocks: the tasks (in a shuffled order) fall into blocks of the given sizes;
 * Z is about 0.5 inside a block and -0.3 across, so the blocks are the best choice of
 * as many groups as there are blocks. */
static const size_t planted_sizes[][8] = {
	{ 6, 6, 6, 6 },              /* 24 tasks */
	{ 3, 9, 5, 7, 4 },           /* 28 tasks, unequal */
	{ 10, 10, 10, 10, 10, 10, 10 }, /* 70 tasks: masks of two words */
	{ 20, 20 },                  /* 40 tasks, two groups */
};

START_TEST(heuristic_finds_planted_blocks)
{
	const size_t *sizes = planted_sizes[_i];
	size_t n = 0, k = 0, block[70], order[70];
	gsl_rng *rng = tm_rng_create(500 + (uint64_t)_i);
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	double *z, planted = 0;

	for (; k < 8 && sizes[k]; k++)
		for (size_t i = 0; i < sizes[k]; i++)
			block[n++] = k;
	for (size_t t = 0; t < n; t++)
		order[t] = t;
	gsl_ran_shuffle(rng, order, n, sizeof(size_t));
	ck_assert_ptr_nonnull(z = calloc(n * n, sizeof(double)));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j)
				z[order[i] * n + order[j]] = (block[i] == block[j] ? 0.5 : -0.3) +
							     0.1 * gsl_rng_uniform(rng);
	tm_selection_init(&selection);
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, NULL), 0);
	ck_assert_int_eq(p->candidates, 1);
	ck_assert_int_eq(tm_selection_solve(p, (double)k, TM_SELECTION_AUTO, &selection, NULL), 0);
	ck_assert_int_eq(selection.method, TM_SELECTION_HEURISTIC);
	ck_assert_uint_eq(selection.n_chosen, k);
	/* every chosen group is exactly one planted block */
	for (size_t i = 0; i < k; i++) {
		size_t j = selection.chosen[i], first = SIZE_MAX, size = 0;

		for (size_t t = 0; t < n; t++) {
			size_t task = order[t];

			if (!tm_selection_solves(p, j, task))
				continue;
			if (first == SIZE_MAX)
				first = block[t];
			ck_assert_uint_eq(block[t], first);
			size++;
		}
		ck_assert_uint_eq(size, sizes[first]);
	}
	/* the planted objective, computed here, and the bounds around it */
	for (size_t t = 0; t < n; t++) {
		double sum = 0;

		for (size_t u = 0; u < n; u++)
			if (u != t && block[u] == block[t])
				sum += z[order[u] * n + order[t]];
		planted += sum / (double)(sizes[block[t]] - 1);
	}
	ck_assert_double_eq_tol(-selection.objective, planted, 1e-9);
	ck_assert_double_eq_tol(-selection.task_bound, true_upper_bound(z, n), 1e-9);
	ck_assert_double_ge(-selection.task_bound, planted - 1e-12);
	ck_assert_double_ge(-selection.lower_bound, planted - 1e-12);
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
	free(z);
	gsl_rng_free(rng);
}
END_TEST

START_TEST(candidates_keep_the_true_bound)
{
	/* random affinities on 21 to 24 tasks: the reported upper bound is the true one
	 * (every task's best pair is a candidate), whatever the budget */
	size_t n = 21 + (size_t)_i;
	gsl_rng *rng = tm_rng_create(900 + (uint64_t)_i);
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	double z[24 * 24], all = 0;
	int64_t labels[24];

	for (size_t i = 0; i < n * n; i++)
		z[i] = gsl_rng_uniform(rng) * 2 - 1;
	for (size_t t = 0; t < n; t++)
		labels[t] = t < 3 ? -1 : (int64_t)(t % 4) * 7; /* any labels; -1: in no group */
	tm_selection_init(&selection);
	ck_assert_int_eq(tm_selection_from_affinity(z, n, n, NULL, labels, 1, &p, NULL), 0);
	ck_assert_int_eq(tm_selection_check(p, NULL), 0);
	ck_assert_uint_ge(p->n_seeds, 2);
	for (double budget = 1; budget <= 6; budget++) {
		ck_assert_int_eq(tm_selection_solve(p, budget, TM_SELECTION_AUTO, &selection, NULL),
				 0);
		ck_assert_double_eq_tol(-selection.task_bound, true_upper_bound(z, n), 1e-9);
		ck_assert_double_ge(-selection.task_bound, -selection.objective - 1e-12);
		ck_assert_double_ge(-selection.lower_bound, -selection.objective - 1e-12);
		ck_assert_double_le(selection.n_chosen, budget);
	}
	/* budget 1: only the group of every task covers them */
	ck_assert_int_eq(tm_selection_solve(p, 1, TM_SELECTION_AUTO, &selection, NULL), 0);
	for (size_t t = 0; t < n; t++) {
		double sum = 0;

		for (size_t j = 0; j < n; j++)
			if (j != t)
				sum += z[j * n + t];
		all += sum / (double)(n - 1);
	}
	ck_assert_double_eq_tol(-selection.objective, all, 1e-9);
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
	gsl_rng_free(rng);
}
END_TEST

START_TEST(tag_values_follow_the_documented_formula)
{
	/* z[i][j] = Z(i -> j) */
	const double z[9] = { 0, 0.2, 0.4, 0.6, 0, -0.2, 0.1, 0.3, 0 };
	const char *names[3] = { "a", "b", "c" };
	struct tm_selection_problem *p = NULL;
	char label[32];

	ck_assert_int_eq(tm_selection_from_affinity(z, 3, 3, names, NULL, 0, &p, NULL), 0);
	ck_assert_int_eq(p->negated, 1);
	/* group {a} (mask 1): alone, 0 */
	ck_assert_double_eq(p->value[0 * 3 + 0], 0.0);
	/* group {a,b} (mask 3): a gets Z(b->a) = 0.6, b gets Z(a->b) = 0.2 */
	ck_assert_double_eq_tol(p->value[2 * 3 + 0], -0.6, 1e-15);
	ck_assert_double_eq_tol(p->value[2 * 3 + 1], -0.2, 1e-15);
	/* group {a,b,c} (mask 7): c gets (Z(a->c) + Z(b->c)) / 2 = (0.4 - 0.2) / 2 */
	ck_assert_double_eq_tol(p->value[6 * 3 + 2], -0.1, 1e-15);
	ck_assert_str_eq(tm_selection_network_label(p, 6, label, sizeof(label)), "abc");
	tm_selection_problem_free(p);
}
END_TEST

/* ---- validation ------------------------------------------------------------------ */

START_TEST(invalid_inputs_are_refused)
{
	const double square[4] = { 0, 0.5, 0.5, 0 };
	double with_nan[4] = { 0, NAN, 0.5, 0 }, nan_diagonal[4] = { NAN, 0.5, 0.5, NAN };
	double big[21 * 21] = { 0 };
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	struct tm_error err = { 0 };

	tm_selection_init(&selection);
	ck_assert_int_eq(tm_selection_from_affinity(square, 2, 1, NULL, NULL, 0, &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err.message, "not square"));
	ck_assert_int_eq(tm_selection_from_affinity(with_nan, 2, 2, NULL, NULL, 0, &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "nan"));
	/* beyond 20 tasks: generated candidates, not refused */
	ck_assert_int_eq(tm_selection_from_affinity(big, 21, 21, NULL, NULL, 0, &p, &err), 0);
	ck_assert_int_eq(p->candidates, 1);
	tm_selection_problem_free(p);
	p = NULL;
	ck_assert_int_eq(tm_selection_from_affinity(big, 0, 0, NULL, NULL, 0, &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "empty"));
	big[3] = INFINITY;
	ck_assert_int_eq(tm_selection_from_affinity(big, 21, 21, NULL, NULL, 0, &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(tm_selection_from_affinity(nan_diagonal, 2, 2, NULL, NULL, 0, &p, NULL), 0);

	ck_assert_int_eq(tm_selection_solve(p, 0.5, TM_SELECTION_EXACT, &selection, &err),
			 TM_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "at least 1"));
	ck_assert_int_eq(tm_selection_solve(p, NAN, TM_SELECTION_AUTO, &selection, NULL),
			 TM_ERR_USAGE);
	ck_assert_int_eq(tm_selection_solve(p, 2, (enum tm_selection_method)9, &selection, NULL),
			 TM_ERR_USAGE);

	p->value[1] = NAN; /* group {a} (mask 1) has no value for a */
	p->value[0] = NAN;
	ck_assert_int_eq(tm_selection_solve(p, 2, TM_SELECTION_EXACT, &selection, &err),
			 TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "value of task t0"));
	p->value[0] = 0;
	p->cost[1] = 0;
	ck_assert_int_eq(tm_selection_check(p, &err), TM_ERR_INPUT);
	p->cost[1] = 1;
	p->members[1] = 8;
	ck_assert_int_eq(tm_selection_check(p, &err), TM_ERR_INPUT);
	ck_assert_ptr_null(selection.chosen);
	tm_selection_problem_free(p);
}
END_TEST

START_TEST(uncoverable_budget_is_an_input_error)
{
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	struct tm_error err = { 0 };

	tm_selection_init(&selection);
	/* two single-task networks of cost 1 cannot both fit in budget 1.5 */
	ck_assert_int_eq(tm_selection_problem_create(2, 2, &p, NULL), 0);
	p->members[0] = 1;
	p->members[1] = 2;
	p->value[0 * 2 + 0] = 0.1;
	p->value[1 * 2 + 1] = 0.2;
	ck_assert_int_eq(tm_selection_solve(p, 1.5, TM_SELECTION_EXACT, &selection, &err),
			 TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "solves every task"));
	ck_assert_int_eq(tm_selection_solve(p, 1.5, TM_SELECTION_GREEDY, &selection, &err),
			 TM_ERR_INPUT);
	ck_assert_int_eq(tm_selection_solve(p, 2, TM_SELECTION_AUTO, &selection, &err), 0);
	ck_assert_double_eq_tol(selection.objective, 0.3, 1e-15);
	ck_assert_int_eq(selection.method, TM_SELECTION_EXACT);
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
}
END_TEST

/* ---- the loss-file parser --------------------------------------------------------- */

/* A valid two-task file: halves, then {a}, {b}, {a,b}. */
#define GOOD_2 "0.5\t0.6\n0.4\t\n\t0.3\n0.2\t0.25\n"

START_TEST(parser_reads_a_valid_file)
{
	static const char *const variants[] = {
		GOOD_2,
		"0.5\t0.6\n0.4\t\n\t0.3\n0.2\t0.25",           /* no final newline */
		"0.5\t0.6\r\n0.4\t\r\n\t0.3\r\n0.2\t0.25\r\n", /* CRLF */
		"0.5\t0.6\n0.2\t0.25\n\t0.3\n0.4\t\n",         /* any order of subsets */
	};
	struct tm_selection_problem *p = NULL;
	size_t j;

	for (size_t v = 0; v < 4; v++) {
		ck_assert_int_eq(tm_selection_losses_parse(variants[v], strlen(variants[v]), "x",
							   &p, NULL), 0);
		ck_assert_uint_eq(p->n_tasks, 2);
		ck_assert_uint_eq(p->n_networks, 5);
		ck_assert_double_eq(p->cost[0], 0.5);
		ck_assert_uint_eq(p->members[1], 2);
		ck_assert_double_eq(p->value[1 * 2 + 1], 0.6);
		ck_assert_int_eq(tm_selection_find_network(p, 3, 1.0, &j, NULL), 0);
		ck_assert_double_eq(p->value[j * 2 + 1], 0.25);
		ck_assert_int_eq(tm_selection_find_network(p, 1, 1.0, &j, NULL), 0);
		ck_assert_double_eq(p->value[j * 2 + 0], 0.4);
		ck_assert(isnan(p->value[j * 2 + 1]));
		tm_selection_problem_free(p);
	}
}
END_TEST

static const struct {
	const char *text, *message;
} bad_files[] = {
	{ "", "x:1: the file is empty" },
	{ "0.5\t0.6\n0.4\t\t\n\t0.3\n0.2\t0.25\n", "x:2: wrong number of tab-separated fields: expected 2, found 3" },
	{ "0.5\t0.6\n0.4\n\t0.3\n0.2\t0.25\n", "x:2: wrong number of tab-separated fields: expected 2, found 1" },
	{ "0.5\t0.6\n0.4\t\n\tabc\n0.2\t0.25\n", "x:3: field 2 is not a number: 'abc'" },
	{ "0.5\t0.6\n0.4\t\n\t0.3x\n0.2\t0.25\n", "x:3: field 2 is not a number: '0.3x'" },
	{ "0.5\t0.6\n0.4\t\n\t 0.3\n0.2\t0.25\n", "x:3: field 2 is not a number" },
	{ "0.5\t0.6\n-0.4\t\n\t0.3\n0.2\t0.25\n", "x:2: field 1: negative loss -0.4" },
	{ "0.5\t0.6\nnan\t\n\t0.3\n0.2\t0.25\n", "x:2: field 1: the loss is NaN" },
	{ "0.5\tinf\n0.4\t\n\t0.3\n0.2\t0.25\n", "x:1: field 2: the loss inf is not finite" },
	{ "0.5\t1e999\n0.4\t\n\t0.3\n0.2\t0.25\n", "x:1: field 2: the loss 1e999 is not finite" },
	{ "0.5\t0.6\n0.4\t\n\t0.3\n", "x:3: wrong number of lines: expected 4 lines" },
	{ "0.5\t0.6\n0.4\t\n\t0.3\n0.2\t0.25\n0.2\t0.25\n", "x:5: more lines than the 4 expected for 2 tasks" },
	{ "0.5\t0.6\n0.4\t\n0.1\t\n0.2\t0.25\n", "x:3: a second network for tasks t0 (first on line 2)" },
	{ "0.5\t0.6\n0.4\t\n\n0.2\t0.25\n", "x:3: wrong number of tab-separated fields: expected 2, found 1" },
	{ "0.5\t0.6\n0.4\t\n\t\n0.2\t0.25\n", "x:3: the network solves no task" },
	{ "0.5\t\n0.4\t\n\t0.3\n0.2\t0.25\n", "x:1: the half-size networks' line needs a loss" },
	{ "0.5\t0.6\n0.4\t\n\t0.3\n0.2\t0.25\n\n", "x:5: more lines than the 4 expected" },
};

START_TEST(parser_rejects_bad_files)
{
	struct tm_selection_problem *p = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_selection_losses_parse(bad_files[_i].text, strlen(bad_files[_i].text),
						   "x", &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.message, bad_files[_i].message) == err.message,
		      "case %d: got '%s', want '%s'", _i, err.message, bad_files[_i].message);
}
END_TEST

START_TEST(parser_reports_missing_files)
{
	struct tm_selection_problem *p = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_selection_losses_read("/nonexistent/x.txt", &p, &err), TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "cannot open '/nonexistent/x.txt'"));
}
END_TEST

/* ---- HOA, scoring, translation ----------------------------------------------------- */

/* Three tasks: halves; singles a, b, c; pairs ab, ac, bc; the triple abc. */
#define GOOD_3 "1\t1\t1\n0.5\t\t\n\t0.6\t\n\t\t0.7\n0.40\t0.50\t\n0.42\t\t0.66\n" \
	       "\t0.58\t0.64\n0.9\t0.9\t0.9\n"

START_TEST(hoa_averages_the_pairs)
{
	struct tm_selection_problem *p = NULL, *hoa = NULL;
	size_t triple, pair;

	ck_assert_int_eq(tm_selection_losses_parse(GOOD_3, strlen(GOOD_3), "x", &p, NULL), 0);
	ck_assert_int_eq(tm_selection_hoa(p, &hoa, NULL), 0);
	ck_assert_int_eq(tm_selection_find_network(p, 7, 1.0, &triple, NULL), 0);
	/* a: mean(ab[a], ac[a]); b: mean(ab[b], bc[b]); c: mean(ac[c], bc[c]) */
	ck_assert_double_eq_tol(hoa->value[triple * 3 + 0], (0.40 + 0.42) / 2, 1e-15);
	ck_assert_double_eq_tol(hoa->value[triple * 3 + 1], (0.50 + 0.58) / 2, 1e-15);
	ck_assert_double_eq_tol(hoa->value[triple * 3 + 2], (0.66 + 0.64) / 2, 1e-15);
	ck_assert_int_eq(tm_selection_find_network(p, 5, 1.0, &pair, NULL), 0);
	ck_assert_double_eq(hoa->value[pair * 3 + 2], 0.66);
	ck_assert_double_eq(hoa->value[0], 1.0);
	tm_selection_problem_free(hoa);
	tm_selection_problem_free(p);
}
END_TEST

START_TEST(score_and_translate)
{
	struct tm_selection_problem *val = NULL, *test = NULL;
	const char *test_text = "1\t1\t1\n0.9\t0.8\t0.7\n0.5\t\t\n\t0.6\t\n\t\t0.7\n0.40\t0.50\t\n"
				"0.42\t\t0.66\n\t0.58\t0.64\n";
	size_t chosen[2], mapped[2];
	double objective;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_selection_losses_parse(GOOD_3, strlen(GOOD_3), "v", &val, NULL), 0);
	ck_assert_int_eq(tm_selection_losses_parse(test_text, strlen(test_text), "t", &test,
						   NULL), 0);
	ck_assert_int_eq(tm_selection_find_network(val, 3, 1.0, &chosen[0], NULL), 0);
	ck_assert_int_eq(tm_selection_find_network(val, 6, 1.0, &chosen[1], NULL), 0);
	ck_assert_int_eq(tm_selection_score(val, chosen, 2, &objective, NULL, NULL), 0);
	ck_assert_double_eq_tol(objective, 0.40 + 0.50 + 0.64, 1e-15);
	ck_assert_int_eq(tm_selection_translate(val, test, chosen, 2, mapped, NULL), 0);
	ck_assert_uint_eq(mapped[0], 7); /* the test file lists abc before the singles */
	ck_assert_uint_eq(mapped[1], 9);
	ck_assert_int_eq(tm_selection_score(test, mapped, 2, &objective, NULL, NULL), 0);
	ck_assert_double_eq_tol(objective, 0.40 + 0.50 + 0.64, 1e-15);
	ck_assert_int_eq(tm_selection_score(val, chosen, 1, &objective, NULL, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "task t2"));
	tm_selection_problem_free(val);
	tm_selection_problem_free(test);
}
END_TEST

/* ---- the command ------------------------------------------------------------------ */

START_TEST(cli_select_end_to_end)
{
	char *dir = test_tmpdir(), *val = test_path(dir, "val.txt"), *bad = test_path(dir, "bad.txt");
	char *output = NULL;

	ck_assert_int_eq(test_write_file(val, GOOD_3), 0);
	ck_assert_int_eq(test_write_file(bad, "1\t1\t1\n0.5\t\t\n\tx\t\n"), 0);
	ck_assert_int_eq(test_run(&output, "\"$TASKMAP\" select --losses '%s' --test '%s' "
				  "--budget 1,2,3 --approximation hoa --format json", val, val), 0);
	ck_assert_ptr_nonnull(strstr(output, "\"method\": \"all-in-one\""));
	ck_assert_ptr_nonnull(strstr(output, "\"method\": \"hoa\""));
	/* budget 3: the three pairs' best members: ab for a,b and bc for c ... */
	ck_assert_ptr_nonnull(strstr(output, "\"networks\": \"t0+t1 t1+t2\""));
	free(output);
	ck_assert_int_eq(test_run(&output, "\"$TASKMAP\" select --losses '%s' --budget 1", bad), 3);
	ck_assert_ptr_nonnull(strstr(output, "bad.txt:3: field 2 is not a number: 'x'"));
	free(output);
	ck_assert_int_eq(test_run(&output, "\"$TASKMAP\" select --losses '%s' --budget 0.5", val),
			 2);
	free(output);
	ck_assert_int_eq(test_run(&output, "\"$TASKMAP\" select --budget 1"), 2);
	free(output);
	test_remove_tree(dir);
	free(val);
	free(bad);
	free(dir);
}
END_TEST

Suite *selection_suite(void)
{
	Suite *suite = suite_create("selection");
	TCase *solve = tcase_create("solve"), *input = tcase_create("input");
	TCase *cli = tcase_create("cli");

	tcase_set_timeout(solve, 120);
	tcase_add_loop_test(solve, exact_equals_brute_force_on_random_instances, 0, 20);
	tcase_add_loop_test(solve, tag_selection_equals_brute_force, 0, 6);
	tcase_add_loop_test(solve, partition_equals_brute_force, 0, 4);
	tcase_add_loop_test(solve, partition_from_affinity_equals_from_values, 0, 5);
	tcase_add_loop_test(solve, partition_equals_branch_and_bound, 0,
			    (int)(sizeof(branch_cases) / sizeof(branch_cases[0])));
	tcase_add_test(solve, partition_finds_planted_blocks_on_many_tasks);
	tcase_add_test(solve, partition_work_is_auto_s_measure);
	tcase_add_test(solve, tag_values_follow_the_documented_formula);
	tcase_add_loop_test(solve, heuristic_finds_planted_blocks, 0,
			    (int)(sizeof(planted_sizes) / sizeof(planted_sizes[0])));
	tcase_add_loop_test(solve, candidates_keep_the_true_bound, 0, 4);
	tcase_add_test(solve, hoa_averages_the_pairs);
	tcase_add_test(solve, score_and_translate);
	suite_add_tcase(suite, solve);
	tcase_add_test(input, invalid_inputs_are_refused);
	tcase_add_test(input, uncoverable_budget_is_an_input_error);
	tcase_add_test(input, parser_reads_a_valid_file);
	tcase_add_loop_test(input, parser_rejects_bad_files, 0,
			    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(input, parser_reports_missing_files);
	suite_add_tcase(suite, input);
	tcase_set_timeout(cli, 60);
	tcase_add_test(cli, cli_select_end_to_end);
	suite_add_tcase(suite, cli);
	return suite;
}
