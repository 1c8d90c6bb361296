/*
 * select-bench.c - timing of `taskmap select`'s exact branch and bound against
 * plain exhaustive enumeration on one of Standley et al.'s loss files, for
 * budgets 1 to 5 in steps of 0.5 (results in bench/RESULTS.md, "Group
 * selection"). Usage: select-bench FILE [REPEATS]. Prints, per method, the
 * median wall time of one whole budget curve and the nodes/subsets visited.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "selection.h"

#define BUDGETS 9

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

int main(int argc, char **argv)
{
	struct tm_selection_problem *p = NULL;
	struct tm_selection selection;
	struct tm_error err = { 0 };
	int repeats = argc > 2 ? atoi(argv[2]) : 5;
	double exact_time[100], brute_time[100], best[BUDGETS], current[32];
	unsigned long visited = 0, nodes = 0;

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
