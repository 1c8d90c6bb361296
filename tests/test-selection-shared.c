/*
 * test-selection-shared.c - group selection against Standley et al.'s
 * measured losses (../shared/data/taskonomy-grouping, 4 settings): for budgets
 * 1 to 5 in steps of 0.5, the exact choice on the validation file must be the
 * choice of an exhaustive enumeration written here independently (its own
 * file reader, every subset of the 36 networks within the budget), with the
 * same test totals; the HOA choice must equal an independent HOA computation;
 * and both curves must match the numbers published with the paper
 * (tstandley/taskgrouping, network_selection/make_plots.py). Skipped when the
 * shared data is absent.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selection.h"
#include "test-helpers.h"

Suite *selection_shared_suite(void);
int selection_shared_suite_available(void);

#define TASKS 5
#define NETWORKS 36 /* 5 half-size singles, then the 31 subsets */
#define BUDGETS 9   /* 1, 1.5, ..., 5 */

static const struct {
	const char *validation, *test;
	double optimal[BUDGETS], hoa[BUDGETS]; /* published test totals, 5 decimals */
} settings[] = {
	{ "results.txt", "results_test.txt",
	  { 0.50273, 0.46132, 0.45224, 0.44612, 0.44235, 0.43932, 0.43555, 0.43555, 0.43481 },
	  { 0.50278, 0.46132, 0.45474, 0.4505, 0.44875, 0.44489, 0.44112, 0.44552, 0.44196 } },
	{ "results_large.txt", "results_large_test.txt",
	  { 0.35989, 0.35478, 0.31733, 0.3145, 0.30606, 0.3049, 0.3019, 0.3019, 0.30167 },
	  { 0.35989, 0.35758, 0.31733, 0.31562, 0.31177, 0.30525, 0.3019, 0.3019, 0.30187 } },
	{ "results_small_data.txt", "results_small_data_test.txt",
	  { 0.42998, 0.42275, 0.40857, 0.38776, 0.38352, 0.38352, 0.38249, 0.38249, 0.38249 },
	  { 0.42998, 0.44778, 0.40887, 0.38776, 0.38352, 0.38682, 0.38574, 0.38574, 0.38471 } },
	{ "results_alt.txt", "results_alt_test.txt",
	  { 0.684042, 0.678697, 0.674597, 0.671067, 0.669696, 0.669696, 0.668986, 0.668986,
	    0.668986 },
	  { 0.684042, 0.678697, 0.674597, 0.671067, 0.669696, 0.671867, 0.670496, 0.670496,
	    0.670496 } },
};

/* ---- an independent reader and exhaustive search ----------------------------------- */

/* Losses as read here: INFINITY where a network does not solve a task. */
struct table {
	double loss[NETWORKS][TASKS];
	double cost[NETWORKS];
};

static void read_table(const char *name, struct table *table)
{
	char *path = test_path(test_shared_data(), "taskonomy-grouping"), *file;
	char line[512];
	FILE *in;
	int row = 0;

	file = test_path(path, name);
	ck_assert_ptr_nonnull(in = fopen(file, "r"));
	while (fgets(line, sizeof(line), in)) {
		char *field = line;

		ck_assert_int_lt(row, 32);
		for (int t = 0; t < TASKS; t++) {
			char *end = field;
			double value = field[0] == '\t' || field[0] == '\n' || field[0] == '\0'
					       ? INFINITY : strtod(field, &end);
			int network = row == 0 ? t : row + TASKS - 1;

			if (row == 0) {
				for (int u = 0; u < TASKS; u++)
					table->loss[network][u] = u == t ? value : INFINITY;
				table->cost[network] = 0.5;
			} else {
				table->loss[network][t] = value;
				table->cost[network] = 1.0;
			}
			field = strchr(end, '\t');
			field = field ? field + 1 : end;
		}
		row++;
	}
	ck_assert_int_eq(row, 32);
	fclose(in);
	free(file);
	free(path);
}

/* The canonical best of an exhaustive search: objective, then cost, count, indices. */
struct best {
	int found;
	double objective, cost;
	int n, chosen[12];
};

static int improves_on(const struct best *best, double objective, double cost, int n,
		       const int *chosen)
{
	if (!best->found || objective != best->objective)
		return !best->found || objective < best->objective;
	if (cost != best->cost)
		return cost < best->cost;
	if (n != best->n)
		return n < best->n;
	for (int i = 0; i < n; i++)
		if (chosen[i] != best->chosen[i])
			return chosen[i] < best->chosen[i];
	return 0;
}

static double total(const struct table *table, const int *chosen, int n)
{
	double sum = 0;

	for (int t = 0; t < TASKS; t++) {
		double best = INFINITY;

		for (int i = 0; i < n; i++)
			best = fmin(best, table->loss[chosen[i]][t]);
		sum += best;
	}
	return sum;
}

/* enumerate - every subset of networks >= next with cost <= 5, updating each budget's best. */
static void enumerate(const struct table *table, int next, int *chosen, int n, double cost,
		      struct best *best)
{
	double objective = total(table, chosen, n);

	if (isfinite(objective))
		for (int b = 0; b < BUDGETS; b++)
			if (cost <= 1 + 0.5 * b && improves_on(&best[b], objective, cost, n, chosen)) {
				best[b].found = 1;
				best[b].objective = objective;
				best[b].cost = cost;
				best[b].n = n;
				memcpy(best[b].chosen, chosen, (size_t)n * sizeof(int));
			}
	for (int j = next; j < NETWORKS; j++) {
		if (cost + table->cost[j] > 5)
			continue;
		chosen[n] = j;
		enumerate(table, j + 1, chosen, n + 1, cost + table->cost[j], best);
	}
}

/* hoa_table - each cost-1 network of 3+ tasks predicted as the mean of its pairs. */
static void hoa_table(const struct table *real, struct table *predicted)
{
	*predicted = *real;
	for (int j = TASKS; j < NETWORKS; j++) {
		int members[TASKS], size = 0;

		for (int t = 0; t < TASKS; t++)
			if (isfinite(real->loss[j][t]))
				members[size++] = t;
		if (size < 3)
			continue;
		for (int a = 0; a < size; a++) {
			double sum = 0;

			for (int b = 0; b < size; b++) {
				if (b == a)
					continue;
				/* the pair network: exactly tasks members[a] and members[b] */
				for (int k = TASKS; k < NETWORKS; k++) {
					int count = 0;

					for (int t = 0; t < TASKS; t++)
						count += isfinite(real->loss[k][t]);
					if (count == 2 && isfinite(real->loss[k][members[a]]) &&
					    isfinite(real->loss[k][members[b]]))
						sum += real->loss[k][members[a]];
				}
			}
			predicted->loss[j][members[a]] = sum / (size - 1);
		}
	}
}

/* ---- the checks ---------------------------------------------------------------------- */

static double library_test_total(const struct tm_selection_problem *val,
				  const struct tm_selection_problem *test,
				  const struct tm_selection *selection)
{
	size_t mapped[NETWORKS];
	double objective = NAN;

	ck_assert_int_eq(tm_selection_translate(val, test, selection->chosen, selection->n_chosen,
						mapped, NULL), 0);
	ck_assert_int_eq(tm_selection_score(test, mapped, selection->n_chosen, &objective, NULL,
					    NULL), 0);
	return objective;
}

static void check_choice(const struct tm_selection *selection, const struct best *best,
			 const struct table *test, double test_total)
{
	ck_assert(best->found);
	ck_assert_uint_eq(selection->n_chosen, (size_t)best->n);
	for (int i = 0; i < best->n; i++)
		ck_assert_uint_eq(selection->chosen[i], (size_t)best->chosen[i]);
	ck_assert_double_eq(test_total, total(test, best->chosen, best->n));
}

START_TEST(exact_and_hoa_match_exhaustive_search)
{
	struct tm_selection_problem *val = NULL, *test = NULL, *hoa = NULL;
	char *dir = test_path(test_shared_data(), "taskonomy-grouping");
	char *val_path = test_path(dir, settings[_i].validation);
	char *test_path_ = test_path(dir, settings[_i].test);
	struct table val_table, test_table, hoa_values;
	struct best best[BUDGETS] = { 0 }, hoa_best[BUDGETS] = { 0 };
	struct tm_selection selection;
	int chosen[12];

	tm_selection_init(&selection);
	ck_assert_int_eq(tm_selection_losses_read(val_path, &val, NULL), 0);
	ck_assert_int_eq(tm_selection_losses_read(test_path_, &test, NULL), 0);
	ck_assert_int_eq(tm_selection_hoa(val, &hoa, NULL), 0);
	read_table(settings[_i].validation, &val_table);
	read_table(settings[_i].test, &test_table);
	hoa_table(&val_table, &hoa_values);
	enumerate(&val_table, 0, chosen, 0, 0, best);
	enumerate(&hoa_values, 0, chosen, 0, 0, hoa_best);
	for (int b = 0; b < BUDGETS; b++) {
		double budget = 1 + 0.5 * b, test_total;

		ck_assert_int_eq(tm_selection_solve(val, budget, TM_SELECTION_EXACT, &selection,
						    NULL), 0);
		ck_assert_double_eq(selection.objective, best[b].objective);
		test_total = library_test_total(val, test, &selection);
		check_choice(&selection, &best[b], &test_table, test_total);
		/* setting 1, budget 1: the paper prints 0.50273, the files give 0.50278 for
		 * the all-in-one network, the only network of cost <= 1 solving every task */
		if (!(_i == 0 && b == 0))
			ck_assert_double_eq_tol(test_total, settings[_i].optimal[b], 6e-6);

		ck_assert_int_eq(tm_selection_solve(hoa, budget, TM_SELECTION_EXACT, &selection,
						    NULL), 0);
		ck_assert_double_eq_tol(selection.objective, hoa_best[b].objective, 1e-12);
		test_total = library_test_total(val, test, &selection);
		check_choice(&selection, &hoa_best[b], &test_table, test_total);
		ck_assert_double_eq_tol(test_total, settings[_i].hoa[b], 6e-6);
	}
	tm_selection_release(&selection);
	tm_selection_problem_free(val);
	tm_selection_problem_free(test);
	tm_selection_problem_free(hoa);
	free(val_path);
	free(test_path_);
	free(dir);
}
END_TEST

START_TEST(early_stopped_file_with_a_missing_line_is_refused)
{
	char *dir = test_path(test_shared_data(), "taskonomy-grouping");
	char *path = test_path(dir, "results_alt_20.txt");
	struct tm_selection_problem *p = NULL;
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_selection_losses_read(path, &p, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "results_alt_20.txt:31: wrong number of lines"));
	free(path);
	free(dir);
}
END_TEST

int selection_shared_suite_available(void)
{
	char *dir, *path;
	FILE *file;

	if (!test_shared_data())
		return 0;
	dir = test_path(test_shared_data(), "taskonomy-grouping");
	path = test_path(dir, "results.txt");
	file = fopen(path, "r");
	free(path);
	free(dir);
	if (file)
		fclose(file);
	return file != NULL;
}

Suite *selection_shared_suite(void)
{
	Suite *suite = suite_create("selection-shared");
	TCase *tcase = tcase_create("taskonomy");

	tcase_set_timeout(tcase, 120);
	tcase_add_loop_test(tcase, exact_and_hoa_match_exhaustive_search, 0, 4);
	tcase_add_test(tcase, early_stopped_file_with_a_missing_line_is_refused);
	suite_add_tcase(suite, tcase);
	return suite;
}
