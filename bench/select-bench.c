/*
 * select-bench.c - timing of `taskmap select`'s exact branch and bound against
 * plain exhaustive enumeration on one of Standley et al.'s loss files, for
 * budgets 1 to 5 in steps of 0.5 (results in bench/RESULTS.md, "Group
 * selection"). Usage: select-bench FILE [REPEATS]. Prints, per method, the
 * median wall time of one whole budget curve and the nodes/subsets visited.
 *
 * select-bench --affinity N SEED [MATRIX] times TAG mode instead: on the
 * first N tasks of MATRIX (whitespace-separated rows, Z(i -> j) in row i) or
 * on a random matrix (uniform in [-0.1, 0.1], seeded), for budgets 1 to
 * SELECT_BENCH_BUDGETS (default 5, at most 20): the exact search's whole
 * curve at once (tm_selection_solve_curve: the subset programme up to 20
 * tasks), then the heuristic per budget: time, objective, bounds and work,
 * one line each, flushed (run it under timeout(1) and /usr/bin/time -v for
 * the peak memory; SELECT_BENCH_EXACT_ONLY=1 skips the heuristic).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "selection.h"

#define BUDGETS 9
#define MAX_BUDGET 20 /* --affinity: budgets 1..SELECT_BENCH_BUDGETS (default 5) */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* enumerate - every subset of networks >= next within cost 5; best objective per budget. */
static void enumerate(const struct tm_selection_problem *p, size_t next, double *current,
		      double cost, double *best, unsigned long *visited)
{
	size_t n = p->n_tasks;
	double objective = 0, saved[32];

	(*visited)++;
	for (size_t t = 0; t < n; t++)
		objective += current[t];
	for (int b = 0; b < BUDGETS; b++)
		if (cost <= 1 + 0.5 * b && objective < best[b])
			best[b] = objective;
	for (size_t j = next; j < p->n_networks; j++) {
		if (cost + p->cost[j] > 5)
			continue;
		memcpy(saved, current, n * sizeof(double));
		for (size_t t = 0; t < n; t++)
			if ((p->members[j] >> t) & 1)
				current[t] = fmin(current[t], p->value[j * n + t]);
		enumerate(p, j + 1, current, cost + p->cost[j], best, visited);
		memcpy(current, saved, n * sizeof(double));
	}
}

/* read_matrix - the first n x n entries of the whitespace-separated square matrix in
 * @path into @z; 0 or -1. */
static int read_matrix(const char *path, size_t n, double *z)
{
	FILE *file = fopen(path, "r");
	size_t size = 0;
	double *all = NULL, value;

	if (!file)
		return -1;
	while (fscanf(file, "%lf", &value) == 1) {
		double *grown = realloc(all, (size + 1) * sizeof(double));

		if (!grown)
			break;
		all = grown;
		all[size++] = value;
	}
	fclose(file);
	for (size_t side = 1; side * side <= size; side++)
		if (side * side == size && side >= n) {
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					z[i * n + j] = all[i * side + j];
			free(all);
			return 0;
		}
	free(all);
	return -1;
}

static int affinity_bench(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	unsigned long seed = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection, curve[MAX_BUDGET];
	struct tm_error err = { 0 };
	double *z, budgets[MAX_BUDGET];
	double start;
	int n_budgets = 5;

	if (n < 2 || n > 64 || !(z = calloc(n * n, sizeof(double)))) {
		fprintf(stderr, "usage: select-bench --affinity N(2..64) SEED [MATRIX]\n");
		return 2;
	}
	if (argc > 4) {
		if (read_matrix(argv[4], n, z) < 0) {
			fprintf(stderr, "select-bench: cannot read a %zu x %zu matrix from %s\n",
				n, n, argv[4]);
			return 1;
		}
	} else {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

		gsl_rng_set(rng, seed);
		for (size_t i = 0; i < n * n; i++)
			z[i] = 0.2 * gsl_rng_uniform(rng) - 0.1;
		gsl_rng_free(rng);
	}
	start = now();
	if (tm_selection_from_affinity(z, n, n, NULL, NULL, 0, &p, &err) < 0) {
		fprintf(stderr, "select-bench: %s\n", err.message);
		return 1;
	}
	printf("tasks %zu, %zu candidate groups (%s), built in %.3f s\n", n, p->n_networks,
	       p->candidates ? "generated" : "all", now() - start);
	if (getenv("SELECT_BENCH_BUDGETS"))
		n_budgets = atoi(getenv("SELECT_BENCH_BUDGETS"));
	if (n_budgets < 1 || n_budgets > MAX_BUDGET) {
		fprintf(stderr, "select-bench: SELECT_BENCH_BUDGETS must be 1..%d\n", MAX_BUDGET);
		return 2;
	}
	tm_selection_init(&selection);
	for (int b = 0; b < n_budgets; b++) {
		budgets[b] = b + 1;
		tm_selection_init(&curve[b]);
	}
	start = now();
	if (tm_selection_solve_curve(p, budgets, (size_t)n_budgets, TM_SELECTION_EXACT, curve,
				     &err) < 0) {
		fprintf(stderr, "select-bench: %s\n", err.message);
		return 1;
	}
	printf("exact     B=1..%d  %8.3f s for the curve\n", n_budgets, now() - start);
	for (int b = 0; b < n_budgets; b++) {
		printf("exact     B=%d  affinity %.6f  groups %zu  work %llu\n", b + 1,
		       -curve[b].objective, curve[b].n_chosen,
		       (unsigned long long)curve[b].work);
		tm_selection_release(&curve[b]);
	}
	fflush(stdout);
	for (int budget = 1; budget <= n_budgets && !getenv("SELECT_BENCH_EXACT_ONLY");
	     budget++) {
		start = now();
		if (tm_selection_solve(p, budget, TM_SELECTION_HEURISTIC, &selection, &err) < 0) {
			fprintf(stderr, "select-bench: %s\n", err.message);
			return 1;
		}
		printf("heuristic B=%d  %10.3f s  affinity %.6f  upper bound %.6f  "
		       "all-groups bound %.6f  work %llu\n",
		       budget, now() - start, -selection.objective, -selection.lower_bound,
		       -selection.task_bound, (unsigned long long)selection.work);
		fflush(stdout);
	}
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
	free(z);
	return 0;
}

int main(int argc, char **argv)
{
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	struct tm_error err = { 0 };
	int repeats = argc > 2 ? atoi(argv[2]) : 5;
	double exact_time[100], brute_time[100], best[BUDGETS], current[32];
	unsigned long visited = 0, nodes = 0;

	if (argc > 1 && strcmp(argv[1], "--affinity") == 0)
		return affinity_bench(argc, argv);
	if (argc < 2 || repeats < 1 || repeats > 100 ||
	    tm_selection_losses_read(argv[1], &p, &err) < 0) {
		fprintf(stderr, "usage: select-bench FILE [REPEATS<=100] %s\n", err.message);
		return 2;
	}
	tm_selection_init(&selection);
	for (int r = 0; r < repeats; r++) {
		double start = now();

		nodes = 0;
		for (int b = 0; b < BUDGETS; b++) {
			if (tm_selection_solve(p, 1 + 0.5 * b, TM_SELECTION_EXACT, &selection,
					       &err) < 0) {
				fprintf(stderr, "select-bench: %s\n", err.message);
				return 1;
			}
			nodes += selection.work;
			best[b] = selection.objective;
		}
		exact_time[r] = now() - start;
		start = now();
		visited = 0;
		for (int b = 0; b < BUDGETS; b++)
			best[b] = INFINITY;
		for (size_t t = 0; t < p->n_tasks; t++)
			current[t] = INFINITY;
		enumerate(p, 0, current, 0, best, &visited);
		brute_time[r] = now() - start;
	}
	for (int b = 0; b < BUDGETS; b++)
		if (best[b] != selection.objective && b == BUDGETS - 1)
			fprintf(stderr, "select-bench: exact and exhaustive disagree\n");
	qsort(exact_time, (size_t)repeats, sizeof(double), compare_double);
	qsort(brute_time, (size_t)repeats, sizeof(double), compare_double);
	printf("exact (branch and bound): %.3f ms per curve, %lu nodes\n",
	       1e3 * exact_time[repeats / 2], nodes);
	printf("exhaustive enumeration:   %.3f ms per curve, %lu subsets\n",
	       1e3 * brute_time[repeats / 2], visited);
	tm_selection_release(&selection);
	tm_selection_problem_free(p);
	return 0;
}
