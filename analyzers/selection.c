/*
 * selection.c - budgeted group selection: choose candidate networks of total
 * cost at most B that solve every task and minimise the sum over tasks of
 * each task's best value (Standley et al., ICML 2020, section 3.3; TAG's
 * objective with negated affinities). Holds the problem's life cycle and
 * validation, the exact branch and bound, the cost-benefit greedy with its
 * a-posteriori bound and the swap local search after it, scoring and
 * translation of choices between files, the higher-order approximation from
 * pairs and TAG's candidates from an affinity matrix (every group, or a
 * generated set: singletons, pairs, an average-linkage merge tree and given
 * partitions). The loss-file parser lives in selection-losses.c, the exact
 * subset programme for every-group problems (which tm_selection_solve_curve
 * dispatches to) in selection-partition.c.
 * Formulas and guarantees: docs/methods.md, "Group selection".
 */
#include "selection.h"
#include "selection-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- problem life cycle ------------------------------------------------------- */

int tm_selection_problem_create(size_t n_tasks, size_t n_networks,
				struct tm_selection_problem **out, struct tm_error *err)
{
	struct tm_selection_problem *problem = NULL;
	size_t n_values = 0, n_words = (n_tasks + 63) / 64, n_mask_words = 0;
	int rc = 0;

	*out = NULL;
	if (n_tasks == 0)
		return tm_error_set(err, TM_ERR_USAGE, "selection needs at least one task");
	if (tm_size_mul(n_tasks, n_networks, &n_values) < 0 ||
	    tm_size_mul(n_words, n_networks, &n_mask_words) < 0)
		return tm_error_set(err, TM_ERR_USAGE, "too many networks: %zu", n_networks);
	if (!(problem = calloc(1, sizeof(*problem))) ||
	    !(problem->task_names = calloc(n_tasks, sizeof(char *))) ||
	    !(problem->members = calloc(n_mask_words ? n_mask_words : 1, sizeof(uint64_t))) ||
	    !(problem->cost = malloc((n_networks ? n_networks : 1) * sizeof(double))) ||
	    !(problem->value = malloc((n_values ? n_values : 1) * sizeof(double)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	problem->n_tasks = n_tasks;
	problem->n_networks = n_networks;
	problem->n_words = n_words;
	for (size_t j = 0; j < n_networks; j++)
		problem->cost[j] = 1.0;
	for (size_t i = 0; i < n_values; i++)
		problem->value[i] = NAN;
	for (size_t t = 0; t < n_tasks; t++) {
		char name[24];

		snprintf(name, sizeof(name), "t%zu", t);
		if (!(problem->task_names[t] = strdup(name))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = problem;
	problem = NULL;
out:
	tm_selection_problem_free(problem);
	return rc;
}

void tm_selection_problem_free(struct tm_selection_problem *problem)
{
	if (!problem)
		return;
	if (problem->task_names)
		for (size_t t = 0; t < problem->n_tasks; t++)
			free(problem->task_names[t]);
	free(problem->task_names);
	free(problem->members);
	free(problem->cost);
	free(problem->value);
	free(problem->seed_offset);
	free(problem->seed_networks);
	free(problem->seed_family);
	free(problem->affinity);
	free(problem);
}

/* copy_problem - a deep copy of @problem in *@out. */
static int copy_problem(const struct tm_selection_problem *problem,
			struct tm_selection_problem **out, struct tm_error *err)
{
	struct tm_selection_problem *copy = NULL;
	int rc;

	if ((rc = tm_selection_problem_create(problem->n_tasks, problem->n_networks, &copy,
					      err)) < 0)
		return rc;
	if ((rc = tm_selection_set_task_names(copy, (const char *const *)problem->task_names,
					      err)) < 0) {
		tm_selection_problem_free(copy);
		return rc;
	}
	memcpy(copy->members, problem->members,
	       problem->n_networks * problem->n_words * sizeof(uint64_t));
	memcpy(copy->cost, problem->cost, problem->n_networks * sizeof(double));
	memcpy(copy->value, problem->value,
	       problem->n_networks * problem->n_tasks * sizeof(double));
	copy->negated = problem->negated;
	copy->candidates = problem->candidates;
	/* no affinity: the copy exists to have its values changed (tm_selection_hoa) */
	*out = copy;
	return 0;
}

int tm_selection_set_task_names(struct tm_selection_problem *problem,
				const char *const *names, struct tm_error *err)
{
	for (size_t t = 0; t < problem->n_tasks; t++) {
		if (!names[t] || !names[t][0])
			return tm_error_set(err, TM_ERR_USAGE, "task %zu has an empty name", t);
		for (size_t u = 0; u < t; u++)
			if (strcmp(names[t], names[u]) == 0)
				return tm_error_set(err, TM_ERR_USAGE,
						    "task name '%s' is given twice", names[t]);
	}
	for (size_t t = 0; t < problem->n_tasks; t++) {
		char *copy = strdup(names[t]);

		if (!copy)
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		free(problem->task_names[t]);
		problem->task_names[t] = copy;
	}
	return 0;
}

/* set_size - the number of tasks in the @n_words-word set @mask. */
static size_t set_size(const uint64_t *mask, size_t n_words)
{
	size_t count = 0;

	for (size_t w = 0; w < n_words; w++)
		count += (size_t)__builtin_popcountll(mask[w]);
	return count;
}

const char *tm_selection_network_label(const struct tm_selection_problem *problem,
				       size_t network, char *buffer, size_t size)
{
	int short_names = 1;
	size_t used = 0;

	if (size == 0)
		return buffer;
	buffer[0] = '\0';
	for (size_t t = 0; t < problem->n_tasks; t++)
		if (strlen(problem->task_names[t]) != 1)
			short_names = 0;
	for (size_t t = 0; t < problem->n_tasks && used + 1 < size; t++) {
		if (!tm_selection_solves(problem, network, t))
			continue;
		used += (size_t)snprintf(buffer + used, size - used, "%s%s",
					 used && !short_names ? "+" : "",
					 problem->task_names[t]);
	}
	if (used + 1 < size && problem->cost[network] != 1.0)
		snprintf(buffer + used, size - used, "/%g", problem->cost[network]);
	return buffer;
}

/* find_set - the first network solving exactly the tasks of the n_words-word set @mask
 * at cost @cost, or SIZE_MAX. */
static size_t find_set(const struct tm_selection_problem *problem, const uint64_t *mask,
		       double cost)
{
	size_t w = problem->n_words;

	for (size_t j = 0; j < problem->n_networks; j++)
		if (problem->cost[j] == cost &&
		    memcmp(problem->members + j * w, mask, w * sizeof(uint64_t)) == 0)
			return j;
	return SIZE_MAX;
}

int tm_selection_find_network(const struct tm_selection_problem *problem, uint64_t members,
			      double cost, size_t *network, struct tm_error *err)
{
	for (size_t j = 0; j < problem->n_networks; j++) {
		const uint64_t *row = problem->members + j * problem->n_words;
		int same = row[0] == members;

		for (size_t w = 1; w < problem->n_words && same; w++)
			same = row[w] == 0;
		if (same && problem->cost[j] == cost) {
			*network = j;
			return 0;
		}
	}
	return tm_error_set(err, TM_ERR_NOT_FOUND, "no network of cost %g solves exactly "
			    "task mask 0x%llx", cost, (unsigned long long)members);
}

/* ---- validation ----------------------------------------------------------------- */

static int check_network(const struct tm_selection_problem *problem, size_t j,
			 struct tm_error *err)
{
	size_t w = problem->n_words, spare = w * 64 - problem->n_tasks;
	const uint64_t *row = problem->members + j * w;
	char label[128]; /* formatted only for a message: 2^20 networks are checked per solve */

	if (set_size(row, w) == 0 || (spare && (row[w - 1] >> (64 - spare))))
		return tm_error_set(err, TM_ERR_INPUT, "network %zu solves no task or a task "
				    "beyond %zu", j, problem->n_tasks);
	if (!isfinite(problem->cost[j]) || problem->cost[j] <= 0)
		return tm_error_set(err, TM_ERR_INPUT, "network %zu (%s): cost %g is not "
				    "positive", j, tm_selection_network_label(problem, j, label,
									     sizeof(label)),
				    problem->cost[j]);
	for (size_t t = 0; t < problem->n_tasks; t++) {
		double value = problem->value[j * problem->n_tasks + t];
		int member = tm_selection_solves(problem, j, t);

		if (member && !isfinite(value))
			return tm_error_set(err, TM_ERR_INPUT, "network %zu (%s): value of "
					    "task %s is %g", j,
					    tm_selection_network_label(problem, j, label,
								       sizeof(label)),
					    problem->task_names[t], value);
	}
	return 0;
}

int tm_selection_check(const struct tm_selection_problem *problem, struct tm_error *err)
{
	int rc;

	if (!problem || problem->n_tasks == 0 ||
	    problem->n_words != (problem->n_tasks + 63) / 64)
		return tm_error_set(err, TM_ERR_INPUT, "selection needs at least one task");
	for (size_t j = 0; j < problem->n_networks; j++)
		if ((rc = check_network(problem, j, err)) < 0)
			return rc;
	return 0;
}

/* ---- scoring -------------------------------------------------------------------- */

void tm_selection_init(struct tm_selection *selection)
{
	memset(selection, 0, sizeof(*selection));
}

void tm_selection_release(struct tm_selection *selection)
{
	if (!selection)
		return;
	free(selection->chosen);
	free(selection->task_value);
	free(selection->task_network);
	tm_selection_init(selection);
}

/* best_values - each task's best value among @chosen (INFINITY when unsolved). */
static void best_values(const struct tm_selection_problem *problem, const size_t *chosen,
			size_t n_chosen, double *best, size_t *from)
{
	size_t n = problem->n_tasks;

	for (size_t t = 0; t < n; t++) {
		best[t] = INFINITY;
		if (from)
			from[t] = SIZE_MAX;
	}
	for (size_t i = 0; i < n_chosen; i++) {
		size_t j = chosen[i];

		for (size_t t = 0; t < n; t++) {
			double value = problem->value[j * n + t];

			if (tm_selection_solves(problem, j, t) &&
			    (value < best[t] || (value == best[t] && from && j < from[t]))) {
				best[t] = value;
				if (from)
					from[t] = j;
			}
		}
	}
}

/* sum_values - the objective: the values summed in task order (the one summation order
 * used everywhere, so equal choices give bit-identical objectives). */
static double sum_values(const double *best, size_t n)
{
	double sum = 0;

	for (size_t t = 0; t < n; t++)
		sum += best[t];
	return sum;
}

int tm_selection_score(const struct tm_selection_problem *problem, const size_t *chosen,
		       size_t n_chosen, double *objective, double *task_value,
		       struct tm_error *err)
{
	double *best = NULL;
	int rc = 0;

	for (size_t i = 0; i < n_chosen; i++)
		if (chosen[i] >= problem->n_networks)
			return tm_error_set(err, TM_ERR_USAGE, "network %zu out of range (%zu)",
					    chosen[i], problem->n_networks);
	if (!(best = malloc(problem->n_tasks * sizeof(double))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	best_values(problem, chosen, n_chosen, best, NULL);
	for (size_t t = 0; t < problem->n_tasks; t++) {
		if (isinf(best[t])) {
			rc = tm_error_set(err, TM_ERR_INPUT, "the chosen networks do not solve "
					  "task %s", problem->task_names[t]);
			goto out;
		}
	}
	*objective = sum_values(best, problem->n_tasks);
	if (task_value)
		memcpy(task_value, best, problem->n_tasks * sizeof(double));
out:
	free(best);
	return rc;
}

int tm_selection_translate(const struct tm_selection_problem *from,
			   const struct tm_selection_problem *to, const size_t *chosen,
			   size_t n_chosen, size_t *mapped, struct tm_error *err)
{
	char label[128];

	if (from->n_tasks != to->n_tasks)
		return tm_error_set(err, TM_ERR_INPUT, "the files have %zu and %zu tasks",
				    from->n_tasks, to->n_tasks);
	for (size_t i = 0; i < n_chosen; i++) {
		size_t j = chosen[i];

		if (j >= from->n_networks)
			return tm_error_set(err, TM_ERR_USAGE, "network %zu out of range", j);
		if ((mapped[i] = find_set(to, from->members + j * from->n_words,
					  from->cost[j])) == SIZE_MAX)
			return tm_error_set(err, TM_ERR_INPUT, "network %s has no counterpart",
					    tm_selection_network_label(from, j, label,
								       sizeof(label)));
	}
	return 0;
}

/* ---- the submodular utility (docs/methods.md) ----------------------------------- */

/*
 * Baseline M_t = worst_t + P with P = sum_t (worst_t - best_t) + 1, so that
 * f(A) = sum_t (M_t - min(M_t, best value of t in A)) is a facility-location
 * function (monotone submodular, f(empty) = 0) in which solving one more task
 * gains more than any improvement of already solved ones.
 */
static int utility_baseline(const struct tm_selection_problem *problem, double *baseline,
			    struct tm_error *err)
{
	size_t n = problem->n_tasks;
	double penalty = 1;

	for (size_t t = 0; t < n; t++) {
		double worst = -INFINITY, best = INFINITY;

		for (size_t j = 0; j < problem->n_networks; j++) {
			double value = problem->value[j * n + t];

			if (!tm_selection_solves(problem, j, t))
				continue;
			worst = fmax(worst, value);
			best = fmin(best, value);
		}
		if (isinf(best))
			return tm_error_set(err, TM_ERR_INPUT, "no network solves task %s",
					    problem->task_names[t]);
		baseline[t] = worst;
		penalty += worst - best;
	}
	for (size_t t = 0; t < n; t++)
		baseline[t] += penalty;
	return 0;
}

/* gain - f(A + j) - f(A) where @current holds min(M_t, best value in A). */
static double gain(const struct tm_selection_problem *problem, size_t j, const double *current)
{
	size_t n = problem->n_tasks;
	double sum = 0;

	for (size_t t = 0; t < n; t++)
		if (tm_selection_solves(problem, j, t) && problem->value[j * n + t] < current[t])
			sum += current[t] - problem->value[j * n + t];
	return sum;
}

static void apply(const struct tm_selection_problem *problem, size_t j, double *current)
{
	size_t n = problem->n_tasks;

	for (size_t t = 0; t < n; t++)
		if (tm_selection_solves(problem, j, t) && problem->value[j * n + t] < current[t])
			current[t] = problem->value[j * n + t];
}

static double utility_of(const double *baseline, const double *current, size_t n)
{
	double sum = 0;

	for (size_t t = 0; t < n; t++)
		sum += baseline[t] - current[t];
	return sum;
}

/* ---- filling the result ----------------------------------------------------------- */

static int compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* fill_result - @out from the network list @chosen (copied and sorted). */
static int fill_result(const struct tm_selection_problem *problem, const size_t *chosen,
		       size_t n_chosen, const double *baseline, struct tm_selection *out,
		       struct tm_error *err)
{
	size_t n = problem->n_tasks;

	if (!(out->chosen = malloc((n_chosen ? n_chosen : 1) * sizeof(size_t))) ||
	    !(out->task_value = malloc(n * sizeof(double))) ||
	    !(out->task_network = malloc(n * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	memcpy(out->chosen, chosen, n_chosen * sizeof(size_t));
	qsort(out->chosen, n_chosen, sizeof(size_t), compare_size);
	out->n_chosen = n_chosen;
	out->cost = 0;
	for (size_t i = 0; i < n_chosen; i++)
		out->cost += problem->cost[out->chosen[i]];
	best_values(problem, out->chosen, n_chosen, out->task_value, out->task_network);
	out->objective = sum_values(out->task_value, n);
	out->utility = 0;
	for (size_t t = 0; t < n; t++)
		out->utility += baseline[t] - fmin(baseline[t], out->task_value[t]);
	return 0;
}

/* ---- greedy ----------------------------------------------------------------------- */

struct greedy_state {
	size_t *chosen;
	size_t n_chosen;
	double *current;
	double utility;
	uint64_t work;
};

/* cost_benefit_greedy - repeatedly add the affordable network of largest gain per cost. */
static void cost_benefit_greedy(const struct tm_selection_problem *problem, double budget,
				const double *baseline, struct greedy_state *state)
{
	double remaining = budget;

	memcpy(state->current, baseline, problem->n_tasks * sizeof(double));
	state->n_chosen = 0;
	for (;;) {
		double best_ratio = 0;
		size_t best = SIZE_MAX;

		for (size_t j = 0; j < problem->n_networks; j++) {
			double g;

			if (problem->cost[j] > remaining)
				continue;
			g = gain(problem, j, state->current);
			state->work++;
			if (g > 0 && g / problem->cost[j] > best_ratio) {
				best_ratio = g / problem->cost[j];
				best = j;
			}
		}
		if (best == SIZE_MAX)
			break;
		apply(problem, best, state->current);
		state->chosen[state->n_chosen++] = best;
		remaining -= problem->cost[best];
	}
	state->utility = utility_of(baseline, state->current, problem->n_tasks);
}

/* best_single - the affordable network of largest utility on its own, or SIZE_MAX. */
static size_t best_single(const struct tm_selection_problem *problem, double budget,
			  const double *baseline, double *utility, uint64_t *work)
{
	size_t best = SIZE_MAX;

	*utility = 0;
	for (size_t j = 0; j < problem->n_networks; j++) {
		double g;

		if (problem->cost[j] > budget)
			continue;
		g = gain(problem, j, baseline);
		(*work)++;
		if (g > *utility) {
			*utility = g;
			best = j;
		}
	}
	return best;
}

/* A network's marginal gain per unit cost, for the fractional knapsack. */
struct gain_item {
	double ratio, cost;
};

static int compare_ratio_descending(const void *a, const void *b)
{
	double x = ((const struct gain_item *)a)->ratio, y = ((const struct gain_item *)b)->ratio;

	return (x < y) - (x > y);
}

/*
 * online_bound - f(OPT) - f(A) <= the best fractional knapsack of the gains
 * delta_j = f(A + j) - f(A) under the budget (Leskovec et al., KDD 2007).
 */
static int online_bound(const struct tm_selection_problem *problem, double budget,
			const double *current, double *slack, struct tm_error *err)
{
	size_t m = problem->n_networks, n_items = 0;
	struct gain_item *items = NULL;
	double remaining = budget;

	*slack = 0;
	if (!(items = malloc((m ? m : 1) * sizeof(*items))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t j = 0; j < m; j++) {
		double g = gain(problem, j, current);

		if (g > 0 && problem->cost[j] <= budget)
			items[n_items++] = (struct gain_item){ g / problem->cost[j],
							       problem->cost[j] };
	}
	qsort(items, n_items, sizeof(*items), compare_ratio_descending);
	for (size_t i = 0; i < n_items && remaining > 0; i++) {
		double take = fmin(items[i].cost, remaining);

		*slack += take * items[i].ratio;
		remaining -= take;
	}
	free(items);
	return 0;
}

/*
 * swap_search - local search after the greedy: replace one chosen network by an
 * unchosen affordable one, or add one, whenever that raises the utility f by more than
 * a rounding margin; for each chosen position in turn the best replacement (lowest
 * index on ties), until a whole pass changes nothing. Only improving f, it keeps the
 * greedy's guarantee; in TAG mode it trades the all-in-one group the greedy takes first
 * (it covers most) for the group that completes a partition.
 */
static int swap_search(const struct tm_selection_problem *problem, double budget,
		       const double *baseline, struct greedy_state *state, struct tm_error *err)
{
	size_t n = problem->n_tasks, m = problem->n_networks;
	double *without = NULL, cost = 0;
	unsigned char *chosen = NULL;
	int changed = 1;

	if (!(without = malloc(n * sizeof(double))) || !(chosen = calloc(m ? m : 1, 1))) {
		free(without);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < state->n_chosen; i++) {
		chosen[state->chosen[i]] = 1;
		cost += problem->cost[state->chosen[i]];
	}
	for (int pass = 0; changed && pass < 1000; pass++) {
		changed = 0;
		/* position n_chosen stands for "add one more" */
		for (size_t p = 0; p <= state->n_chosen; p++) {
			double freed = p < state->n_chosen ? problem->cost[state->chosen[p]] : 0;
			double old_gain, best_gain, margin;
			size_t best = SIZE_MAX;

			memcpy(without, baseline, n * sizeof(double));
			for (size_t i = 0; i < state->n_chosen; i++)
				if (i != p)
					apply(problem, state->chosen[i], without);
			old_gain = p < state->n_chosen ? gain(problem, state->chosen[p], without) : 0;
			margin = 1e-12 * fmax(1, utility_of(baseline, state->current, n));
			best_gain = old_gain + margin;
			for (size_t j = 0; j < m; j++) {
				double g;

				if (chosen[j] || cost - freed + problem->cost[j] > budget)
					continue;
				g = gain(problem, j, without);
				state->work++;
				if (g > best_gain) {
					best_gain = g;
					best = j;
				}
			}
			if (best == SIZE_MAX)
				continue;
			if (p < state->n_chosen)
				chosen[state->chosen[p]] = 0;
			else
				state->n_chosen++;
			chosen[best] = 1;
			state->chosen[p] = best;
			cost += problem->cost[best] - freed;
			apply(problem, best, without);
			memcpy(state->current, without, n * sizeof(double));
			changed = 1;
		}
	}
	state->utility = utility_of(baseline, state->current, n);
	free(without);
	free(chosen);
	return 0;
}

/* seed_cost - the total cost of seed @s, in *@count networks. */
static double seed_cost(const struct tm_selection_problem *problem, size_t s, size_t *count)
{
	double cost = 0;

	*count = problem->seed_offset[s + 1] - problem->seed_offset[s];
	for (size_t i = problem->seed_offset[s]; i < problem->seed_offset[s + 1]; i++)
		cost += problem->cost[problem->seed_networks[i]];
	return cost;
}

/*
 * seeded_searches - the swap search again from, per seed family, the seed of most
 * networks within the budget (the last listed among equals); @state becomes the one of
 * highest utility (the greedy start wins ties). The swap search cannot reach a
 * partition from the greedy's all-in-one start: dropping that group uncovers tasks.
 */
static int seeded_searches(const struct tm_selection_problem *problem, double budget,
			   const double *baseline, struct greedy_state *state,
			   struct tm_error *err)
{
	struct greedy_state trial = { 0 };
	size_t n = problem->n_tasks;
	int rc = 0;

	if (!problem->n_seeds)
		return 0;
	if (!(trial.chosen = malloc((problem->n_networks ? problem->n_networks : 1) *
				    sizeof(size_t))) ||
	    !(trial.current = malloc(n * sizeof(double)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < problem->n_seeds; s++) {
		size_t count, best = SIZE_MAX, best_count = 0;

		if (s > 0 && problem->seed_family[s - 1] == problem->seed_family[s])
			continue; /* the family's first seed handles it */
		for (size_t r = s; r < problem->n_seeds &&
				   problem->seed_family[r] == problem->seed_family[s]; r++)
			if (seed_cost(problem, r, &count) <= budget &&
			    (best == SIZE_MAX || count >= best_count)) {
				best = r;
				best_count = count;
			}
		if (best == SIZE_MAX)
			continue;
		memcpy(trial.current, baseline, n * sizeof(double));
		trial.n_chosen = 0;
		for (size_t i = problem->seed_offset[best]; i < problem->seed_offset[best + 1]; i++) {
			trial.chosen[trial.n_chosen++] = problem->seed_networks[i];
			apply(problem, problem->seed_networks[i], trial.current);
		}
		trial.work = 0;
		if ((rc = swap_search(problem, budget, baseline, &trial, err)) < 0)
			goto out;
		state->work += trial.work;
		if (trial.utility > state->utility) {
			memcpy(state->chosen, trial.chosen, trial.n_chosen * sizeof(size_t));
			state->n_chosen = trial.n_chosen;
			memcpy(state->current, trial.current, n * sizeof(double));
			state->utility = trial.utility;
		}
	}
out:
	free(trial.chosen);
	free(trial.current);
	return rc;
}

/* task_bound - each task's best value in any network, summed in task order. */
static double task_bound(const struct tm_selection_problem *problem)
{
	double *best = malloc(problem->n_tasks * sizeof(double)), sum;

	if (!best)
		return -INFINITY; /* still a bound */
	for (size_t t = 0; t < problem->n_tasks; t++)
		best[t] = INFINITY;
	for (size_t j = 0; j < problem->n_networks; j++)
		for (size_t t = 0; t < problem->n_tasks; t++)
			if (tm_selection_solves(problem, j, t))
				best[t] = fmin(best[t], problem->value[j * problem->n_tasks + t]);
	sum = sum_values(best, problem->n_tasks);
	free(best);
	return sum;
}

static int solve_greedy(const struct tm_selection_problem *problem, double budget,
			const double *baseline, int local_search, struct tm_selection *out,
			struct tm_error *err)
{
	struct greedy_state state = { 0 };
	double single_utility = 0, slack = 0;
	size_t single;
	int rc = 0;

	if (!(state.chosen = malloc((problem->n_networks ? problem->n_networks : 1) *
				    sizeof(size_t))) ||
	    !(state.current = malloc(problem->n_tasks * sizeof(double)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	cost_benefit_greedy(problem, budget, baseline, &state);
	single = best_single(problem, budget, baseline, &single_utility, &state.work);
	if (single != SIZE_MAX && single_utility > state.utility) {
		memcpy(state.current, baseline, problem->n_tasks * sizeof(double));
		apply(problem, single, state.current);
		state.chosen[0] = single;
		state.n_chosen = 1;
		state.utility = single_utility;
	}
	if (local_search && (rc = swap_search(problem, budget, baseline, &state, err)) < 0)
		goto out;
	if (local_search && (rc = seeded_searches(problem, budget, baseline, &state, err)) < 0)
		goto out;
	for (size_t t = 0; t < problem->n_tasks; t++) {
		if (state.current[t] >= baseline[t]) {
			rc = tm_error_set(err, TM_ERR_INPUT, "the greedy selection within budget "
					  "%g leaves task %s unsolved", budget,
					  problem->task_names[t]);
			goto out;
		}
	}
	if ((rc = fill_result(problem, state.chosen, state.n_chosen, baseline, out, err)) < 0 ||
	    (rc = online_bound(problem, budget, state.current, &slack, err)) < 0)
		goto out;
	/* the trivial bound: every task at its best value anywhere */
	out->task_bound = task_bound(problem);
	out->lower_bound = fmax(out->objective - slack, out->task_bound);
	out->work = state.work;
	out->method = local_search ? TM_SELECTION_HEURISTIC : TM_SELECTION_GREEDY;
out:
	free(state.chosen);
	free(state.current);
	return rc;
}

/* ---- exact branch and bound --------------------------------------------------------- */

struct search {
	const struct tm_selection_problem *problem;
	double budget;
	double *suffix_min;  /* (n_networks + 1) x n_tasks: best value of t among networks >= k */
	double *suffix_cost; /* n_networks + 1: cheapest cost among networks >= k */
	double *levels;      /* (depth + 1) x n_tasks: best values of the current partial choice */
	size_t *stack;       /* the current partial choice, ascending */
	/* the submodular bound, when every network costs the same (unit_cost > 0) */
	double unit_cost;
	const double *baseline; /* M_t of the utility */
	double *gains;          /* n_networks: f(A + j) - f(A) at the current node */
	double *suffix_top;     /* (max_depth + 1) x (n_networks + 1): the sum of the r
				   largest gains among networks >= j, per depth */
	double *top;            /* n_networks: the r largest gains, descending */
	double *current;        /* n_tasks: min(M_t, best value) at the node */
	size_t max_depth;
	int found;
	double best_objective, best_cost;
	size_t best_n, *best;
	uint64_t nodes;
};

/* better - does the current choice (stack[0..depth)) beat the incumbent? (objective,
 * then cost, then count, then lexicographic index list) */
static int better(const struct search *search, size_t depth, double objective, double cost)
{
	if (objective != search->best_objective)
		return objective < search->best_objective;
	if (!search->found)
		return 1; /* ties the greedy incumbent's objective */
	if (cost != search->best_cost)
		return cost < search->best_cost;
	if (depth != search->best_n)
		return depth < search->best_n;
	for (size_t i = 0; i < depth; i++)
		if (search->stack[i] != search->best[i])
			return search->stack[i] < search->best[i];
	return 0;
}

/* lower_bound - every task at the better of its current value and its best value among
 * networks >= k (INFINITY when some task cannot be solved any more). */
static double lower_bound(const struct search *search, const double *level, size_t k,
			  double remaining)
{
	size_t n = search->problem->n_tasks;
	const double *rest = search->suffix_min + k * n;
	int closed = search->suffix_cost[k] > remaining;
	double sum = 0;

	for (size_t t = 0; t < n; t++)
		sum += closed ? level[t] : fmin(level[t], rest[t]);
	return sum;
}

static int improves(const struct tm_selection_problem *problem, size_t j, const double *level)
{
	size_t n = problem->n_tasks;

	for (size_t t = 0; t < n; t++)
		if (tm_selection_solves(problem, j, t) && problem->value[j * n + t] < level[t])
			return 1;
	return 0;
}

static void record(struct search *search, size_t depth, double objective, double cost)
{
	memcpy(search->best, search->stack, depth * sizeof(size_t));
	search->best_n = depth;
	search->best_objective = objective;
	search->best_cost = cost;
	search->found = 1;
}

/*
 * submodular_bound - for equal costs: with r more networks affordable, any completion
 * S of networks >= j has f(A + S) <= f(A) + (sum of the r largest gains f(A + i) - f(A)
 * over i >= j) by submodularity, so its objective is at least sum_t current_t minus
 * that sum. Returns the per-j sums (suffix_top row of @depth) and sum_t current_t.
 */
static const double *submodular_bound(struct search *search, const double *level, size_t k,
				      size_t depth, double cost, double *sum_current)
{
	const struct tm_selection_problem *problem = search->problem;
	size_t n = problem->n_tasks, m = problem->n_networks, r = 0, kept = 0;
	double *suffix = search->suffix_top + depth * (m + 1), sum = 0, spent = cost;

	while (r < m && spent + search->unit_cost <= search->budget) {
		spent += search->unit_cost;
		r++;
	}
	*sum_current = 0;
	for (size_t t = 0; t < n; t++) {
		search->current[t] = fmin(search->baseline[t], level[t]);
		*sum_current += search->current[t];
	}
	suffix[m] = 0;
	for (size_t j = m; j-- > k;) {
		double g = r ? gain(problem, j, search->current) : 0;

		if (g > 0 && (kept < r || g > search->top[kept - 1])) {
			size_t at;

			if (kept < r)
				kept++;
			else
				sum -= search->top[kept - 1]; /* the smallest leaves */
			at = kept - 1;
			while (at > 0 && search->top[at - 1] < g) {
				search->top[at] = search->top[at - 1];
				at--;
			}
			search->top[at] = g;
			sum += g;
		}
		suffix[j] = sum;
	}
	return suffix;
}

/*
 * branch - extend the choice stack[0..depth) (values in levels[depth]) by networks
 * >= k. Each subset is visited once, in ascending index order; a network that improves
 * no task is never added (removing it would give the same objective at less cost).
 */
static void branch(struct search *search, size_t k, size_t depth, double cost)
{
	const struct tm_selection_problem *problem = search->problem;
	size_t n = problem->n_tasks;
	const double *level = search->levels + depth * n;
	double objective = sum_values(level, n);

	const double *top = NULL;
	double sum_current = 0, margin = 0;

	search->nodes++;
	if (isfinite(objective) && better(search, depth, objective, cost))
		record(search, depth, objective, cost);
	/* with one network left to add, the bound costs as much as trying every child */
	if (search->unit_cost > 0 && depth + 1 < search->max_depth) {
		top = submodular_bound(search, level, k, depth, cost, &sum_current);
		margin = 1e-10 * (fabs(sum_current) + fabs(search->best_objective)) + 1e-12;
	}
	for (size_t j = k; j < problem->n_networks; j++) {
		double bound = lower_bound(search, level, j, search->budget - cost);
		double *next = search->levels + (depth + 1) * n;

		if (bound > search->best_objective || isinf(bound))
			break; /* the bound only grows with j */
		if (top && sum_current - top[j] > search->best_objective + margin)
			break; /* so does this one */
		if (problem->cost[j] > search->budget - cost || !improves(problem, j, level))
			continue;
		memcpy(next, level, n * sizeof(double));
		apply(problem, j, next);
		search->stack[depth] = j;
		branch(search, j + 1, depth + 1, cost + problem->cost[j]);
	}
}

static int search_init(struct search *search, const struct tm_selection_problem *problem,
		       double budget, const double *baseline, struct tm_error *err)
{
	size_t n = problem->n_tasks, m = problem->n_networks;

	search->problem = problem;
	search->budget = budget;
	search->best_objective = INFINITY;
	search->baseline = baseline;
	search->unit_cost = m ? problem->cost[0] : 0;
	for (size_t j = 1; j < m; j++)
		if (problem->cost[j] != search->unit_cost)
			search->unit_cost = 0;
	if (search->unit_cost > 0) {
		double spent = 0;

		/* a choice holds at most this many networks; the node at that depth has no
		 * children, so it needs no bound */
		while (search->max_depth < m && spent + search->unit_cost <= budget) {
			spent += search->unit_cost;
			search->max_depth++;
		}
		if (!(search->gains = malloc((m ? m : 1) * sizeof(double))) ||
		    !(search->top = malloc((m ? m : 1) * sizeof(double))) ||
		    !(search->current = malloc(n * sizeof(double))) ||
		    !(search->suffix_top = malloc((search->max_depth + 1) * (m + 1) *
						  sizeof(double))))
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	if (!(search->suffix_min = malloc((m + 1) * n * sizeof(double))) ||
	    !(search->suffix_cost = malloc((m + 1) * sizeof(double))) ||
	    !(search->levels = malloc((m + 1) * n * sizeof(double))) ||
	    !(search->stack = malloc((m ? m : 1) * sizeof(size_t))) ||
	    !(search->best = malloc((m ? m : 1) * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < n; t++) {
		search->suffix_min[m * n + t] = INFINITY;
		search->levels[t] = INFINITY;
	}
	search->suffix_cost[m] = INFINITY;
	for (size_t j = m; j-- > 0;) {
		search->suffix_cost[j] = fmin(search->suffix_cost[j + 1], problem->cost[j]);
		for (size_t t = 0; t < n; t++) {
			double value = tm_selection_solves(problem, j, t) ? problem->value[j * n + t]
									 : INFINITY;

			search->suffix_min[j * n + t] = fmin(search->suffix_min[(j + 1) * n + t],
							     value);
		}
	}
	return 0;
}

static void search_free(struct search *search)
{
	free(search->suffix_min);
	free(search->suffix_cost);
	free(search->levels);
	free(search->stack);
	free(search->best);
	free(search->gains);
	free(search->top);
	free(search->current);
	free(search->suffix_top);
}

static int solve_exact(const struct tm_selection_problem *problem, double budget,
		       const double *baseline, struct tm_selection *out, struct tm_error *err)
{
	struct search search = { 0 };
	struct tm_selection greedy;
	int rc;

	tm_selection_init(&greedy);
	if ((rc = search_init(&search, problem, budget, baseline, err)) < 0)
		goto out;
	/* a greedy incumbent makes the bound bite from the first node; ties still go to
	 * the exact search's canonical choice because pruning is strict */
	if (solve_greedy(problem, budget, baseline, 1, &greedy, NULL) == 0)
		search.best_objective = greedy.objective;
	branch(&search, 0, 0, 0);
	if (!search.found) {
		rc = tm_error_set(err, TM_ERR_INPUT, "no choice of networks within budget %g "
				  "solves every task", budget);
		goto out;
	}
	if ((rc = fill_result(problem, search.best, search.best_n, baseline, out, err)) < 0)
		goto out;
	out->lower_bound = out->objective;
	out->task_bound = task_bound(problem);
	out->work = search.nodes;
	out->method = TM_SELECTION_EXACT;
out:
	tm_selection_release(&greedy);
	search_free(&search);
	return rc;
}

/*
 * exact_affordable - AUTO's second test: when every network costs the same (TAG mode),
 * the number of choices of at most r = floor(B / cost) networks, sum_i C(m, i), must
 * not exceed TM_SELECTION_EXACT_SUBSETS; the search's pruning is weak there
 * (bench/RESULTS.md). Loss files (mixed costs) pass.
 */
static int exact_affordable(const struct tm_selection_problem *problem, double budget)
{
	size_t m = problem->n_networks;
	double subsets = 1, term = 1, spent = 0;

	for (size_t j = 1; j < m; j++)
		if (problem->cost[j] != problem->cost[0])
			return 1;
	for (size_t i = 1; i <= m && spent + problem->cost[0] <= budget; i++) {
		spent += problem->cost[0];
		term *= (double)(m - i + 1) / (double)i;
		subsets += term;
		if (subsets > TM_SELECTION_EXACT_SUBSETS)
			return 0;
	}
	return 1;
}

/* affordable_count - how many networks of the one @cost fit in @budget, at most
 * @cap (counted as the branch and bound's depth is). */
static size_t affordable_count(double cost, double budget, size_t cap)
{
	size_t count = 0;
	double spent = 0;

	while (count < cap && spent + cost <= budget) {
		spent += cost;
		count++;
	}
	return count;
}

/* How one budget of a curve is solved. */
enum solver { SOLVE_PARTITION, SOLVE_BRANCH, SOLVE_GREEDY, SOLVE_HEURISTIC };

/*
 * solver_for - @method resolved for @budget: on every-group problems (@all_groups) EXACT
 * is the subset programme, and AUTO too while its work fits
 * TM_SELECTION_PARTITION_WORK (else the heuristic); elsewhere EXACT is the branch and
 * bound, and AUTO uses it within TM_SELECTION_EXACT_LIMIT and exact_affordable.
 * *@groups gets the number of groups the budget affords (for the programme).
 */
static enum solver solver_for(const struct tm_selection_problem *problem, int all_groups,
			      double budget, enum tm_selection_method method, size_t *groups)
{
	*groups = 0;
	if (all_groups && (method == TM_SELECTION_EXACT || method == TM_SELECTION_AUTO)) {
		*groups = affordable_count(problem->cost[0], budget, problem->n_tasks);
		if (method == TM_SELECTION_EXACT || *groups == 0 ||
		    selection_partition_work(problem, *groups) <=
			    TM_SELECTION_PARTITION_WORK)
			return SOLVE_PARTITION;
		return SOLVE_HEURISTIC;
	}
	if (method == TM_SELECTION_AUTO)
		method = problem->n_networks <= TM_SELECTION_EXACT_LIMIT && !problem->candidates &&
					 exact_affordable(problem, budget)
				 ? TM_SELECTION_EXACT
				 : TM_SELECTION_HEURISTIC;
	return method == TM_SELECTION_EXACT ? SOLVE_BRANCH
	       : method == TM_SELECTION_GREEDY ? SOLVE_GREEDY
					       : SOLVE_HEURISTIC;
}

/* solve_partition - @out from the programme's choice of at most @groups groups. */
static int solve_partition(const struct tm_selection_problem *problem,
			   const struct selection_partition *partition, size_t groups,
			   double budget, const double *baseline, double bound,
			   struct tm_selection *out, struct tm_error *err)
{
	int rc;

	if (groups == 0)
		return tm_error_set(err, TM_ERR_INPUT, "no choice of networks within budget %g "
				    "solves every task", budget);
	if ((rc = fill_result(problem, partition->chosen + (groups - 1) * partition->max_groups,
			      partition->n_chosen[groups - 1], baseline, out, err)) < 0)
		return rc;
	out->lower_bound = out->objective;
	out->task_bound = bound;
	out->work = partition->work;
	out->method = TM_SELECTION_EXACT;
	return 0;
}

int tm_selection_solve_curve(const struct tm_selection_problem *problem, const double *budgets,
			     size_t n_budgets, enum tm_selection_method method,
			     struct tm_selection *out, struct tm_error *err)
{
	struct selection_partition partition = { 0 };
	double *baseline = NULL, bound = 0;
	size_t groups, max_groups = 0;
	int all_groups, rc = 0;

	for (size_t i = 0; i < n_budgets; i++)
		tm_selection_release(&out[i]);
	for (size_t i = 0; i < n_budgets; i++)
		if (!isfinite(budgets[i]) || budgets[i] < 1)
			return tm_error_set(err, TM_ERR_USAGE, "the budget must be at least 1, "
					    "got %g", budgets[i]);
	if (method != TM_SELECTION_AUTO && method != TM_SELECTION_EXACT &&
	    method != TM_SELECTION_GREEDY && method != TM_SELECTION_HEURISTIC)
		return tm_error_set(err, TM_ERR_USAGE, "unknown selection method %d", (int)method);
	if ((rc = tm_selection_check(problem, err)) < 0)
		return rc;
	if (!(baseline = malloc(problem->n_tasks * sizeof(double))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = utility_baseline(problem, baseline, err)) < 0)
		goto out;
	all_groups = selection_all_groups(problem);
	/* one programme, up to the largest number of groups, serves every budget */
	for (size_t i = 0; i < n_budgets; i++)
		if (solver_for(problem, all_groups, budgets[i], method, &groups) ==
			    SOLVE_PARTITION &&
		    groups > max_groups)
			max_groups = groups;
	if (max_groups &&
	    (rc = selection_partition_solve(problem, max_groups, &partition, err)) < 0)
		goto out;
	if (max_groups)
		bound = task_bound(problem); /* O(networks x tasks): once for the curve */
	for (size_t i = 0; i < n_budgets && rc == 0; i++) {
		switch (solver_for(problem, all_groups, budgets[i], method, &groups)) {
		case SOLVE_PARTITION:
			rc = solve_partition(problem, &partition, groups, budgets[i], baseline,
					     bound, &out[i], err);
			break;
		case SOLVE_BRANCH:
			rc = solve_exact(problem, budgets[i], baseline, &out[i], err);
			break;
		case SOLVE_GREEDY:
		case SOLVE_HEURISTIC:
			rc = solve_greedy(problem, budgets[i], baseline,
					  method != TM_SELECTION_GREEDY, &out[i], err);
			break;
		}
		out[i].budget = budgets[i];
	}
out:
	if (rc < 0)
		for (size_t i = 0; i < n_budgets; i++)
			tm_selection_release(&out[i]);
	selection_partition_release(&partition);
	free(baseline);
	return rc;
}

int tm_selection_solve(const struct tm_selection_problem *problem, double budget,
		       enum tm_selection_method method, struct tm_selection *out,
		       struct tm_error *err)
{
	return tm_selection_solve_curve(problem, &budget, 1, method, out, err);
}

/* ---- higher-order approximation (Standley et al., section 3.3.2) -------------------- */

/* hoa_value - mean over u in S\{t} of the value of t in the cost-1 pair network {t, u}. */
static int hoa_value(const struct tm_selection_problem *problem, uint64_t members, size_t t,
		     double *value, struct tm_error *err)
{
	size_t n = problem->n_tasks, count = 0, pair;
	double sum = 0;

	for (size_t u = 0; u < n; u++) {
		uint64_t mask = (UINT64_C(1) << t) | (UINT64_C(1) << u);

		if (u == t || !((members >> u) & 1))
			continue;
		if (tm_selection_find_network(problem, mask, 1.0, &pair, NULL) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "the higher-order approximation "
					    "needs the pair network %s+%s",
					    problem->task_names[t < u ? t : u],
					    problem->task_names[t < u ? u : t]);
		sum += problem->value[pair * n + t];
		count++;
	}
	*value = sum / (double)count;
	return 0;
}

int tm_selection_hoa(const struct tm_selection_problem *problem,
		     struct tm_selection_problem **out, struct tm_error *err)
{
	struct tm_selection_problem *copy = NULL;
	size_t n = problem->n_tasks;
	int rc;

	*out = NULL;
	if ((rc = tm_selection_check(problem, err)) < 0 ||
	    (rc = copy_problem(problem, &copy, err)) < 0)
		return rc;
	for (size_t j = 0; j < problem->n_networks; j++) {
		if (problem->cost[j] != 1.0 ||
		    set_size(problem->members + j * problem->n_words, problem->n_words) < 3)
			continue;
		for (size_t t = 0; t < n; t++)
			if (tm_selection_solves(problem, j, t) &&
			    (rc = hoa_value(problem, problem->members[j * problem->n_words], t,
					    &copy->value[j * n + t], err)) < 0)
				goto out;
	}
	*out = copy;
	copy = NULL;
out:
	tm_selection_problem_free(copy);
	return rc;
}

/* ---- TAG's candidates from an affinity matrix ------------------------------------- */

static int check_affinity(const double *affinity, size_t n_rows, size_t n_columns,
			  struct tm_error *err)
{
	if (n_rows != n_columns)
		return tm_error_set(err, TM_ERR_INPUT, "the affinity matrix is %zu x %zu, not "
				    "square", n_rows, n_columns);
	if (n_rows == 0)
		return tm_error_set(err, TM_ERR_INPUT, "the affinity matrix is empty");
	for (size_t i = 0; i < n_rows; i++)
		for (size_t j = 0; j < n_rows; j++)
			if (i != j && !isfinite(affinity[i * n_rows + j]))
				return tm_error_set(err, TM_ERR_INPUT, "affinity entry (%zu, %zu) "
						    "is %g", i, j, affinity[i * n_rows + j]);
	return 0;
}

/*
 * group_values - TAG's values of group @mask (n_words words) in @row: for t in the
 * group -(mean over the other members j of Z(j -> t)), 0 alone; @scratch holds n
 * indices.
 */
static void group_values(const double *affinity, size_t n, const uint64_t *mask,
			 double *row, size_t *scratch)
{
	size_t size = 0;

	for (size_t t = 0; t < n; t++)
		if ((mask[t / 64] >> (t % 64)) & 1)
			scratch[size++] = t;
	for (size_t a = 0; a < size; a++) {
		size_t t = scratch[a];
		double sum = 0;

		for (size_t b = 0; b < size; b++)
			if (b != a)
				sum += affinity[scratch[b] * n + t];
		row[t] = size == 1 ? 0.0 : -sum / (double)(size - 1);
	}
}

/* A growing list of candidate task sets, n_words words each. */
struct set_list {
	uint64_t *sets;
	size_t n_words, count, capacity;
};

static int push_set(struct set_list *list, const uint64_t *mask, struct tm_error *err)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 256;
		uint64_t *grown = realloc(list->sets, capacity * list->n_words * sizeof(uint64_t));

		if (!grown)
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		list->sets = grown;
		list->capacity = capacity;
	}
	memcpy(list->sets + list->count * list->n_words, mask, list->n_words * sizeof(uint64_t));
	list->count++;
	return 0;
}

/* push_tasks - the set of tasks @tasks[0..k) (k = 1 or 2 here). */
static int push_tasks(struct set_list *list, const size_t *tasks, size_t k, uint64_t *scratch,
		      struct tm_error *err)
{
	memset(scratch, 0, list->n_words * sizeof(uint64_t));
	for (size_t i = 0; i < k; i++)
		scratch[tasks[i] / 64] |= UINT64_C(1) << (tasks[i] % 64);
	return push_set(list, scratch, err);
}

/* A set in a list being sorted (qsort passes no context, so each carries its width). */
struct set_ref {
	size_t size, n_words;
	const uint64_t *words;
};

/* compare_sets - by size, then as binary numbers (the highest word first). */
static int compare_sets(const void *a, const void *b)
{
	const struct set_ref *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	for (size_t w = x->n_words; w-- > 0;)
		if (x->words[w] != y->words[w])
			return x->words[w] < y->words[w] ? -1 : 1;
	return 0;
}

/*
 * merge_tree - the n - 1 merged clusters of average-linkage agglomeration on
 * S(i, j) = (Z(i -> j) + Z(j -> i)) / 2: repeatedly merge the two clusters of highest
 * mean S over their cross pairs (first pair in index order on ties), updating by
 * Lance-Williams; every merged cluster is pushed, so each level k of the tree (a
 * partition into k groups) is among the candidates with the singletons. The tree is
 * left in @tree: node i < n is task i, node n + s the cluster of merge s, with its set
 * (tree->sets, (2n - 1) x n_words) and children (tree->children, 2 per merge).
 */
struct merge_nodes {
	uint64_t *sets;
	size_t *children;
};

static int merge_tree(const double *affinity, size_t n, struct set_list *list,
		      struct merge_nodes *tree, struct tm_error *err)
{
	size_t w = list->n_words, *size = NULL, *node = NULL;
	double *similarity = NULL;
	uint64_t *clusters = NULL;
	int rc = 0;

	if (!(similarity = malloc(n * n * sizeof(double))) ||
	    !(size = malloc(n * sizeof(size_t))) || !(node = malloc(n * sizeof(size_t))) ||
	    !(clusters = calloc(n * w, sizeof(uint64_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size[i] = 1;
		node[i] = i;
		clusters[i * w + i / 64] = UINT64_C(1) << (i % 64);
		memcpy(tree->sets + i * w, clusters + i * w, w * sizeof(uint64_t));
		for (size_t j = 0; j < n; j++)
			similarity[i * n + j] = 0.5 * (affinity[i * n + j] + affinity[j * n + i]);
	}
	for (size_t step = 0; step + 1 < n; step++) {
		size_t a = SIZE_MAX, b = SIZE_MAX;
		double best = -INFINITY;

		for (size_t i = 0; i < n; i++) {
			if (!size[i])
				continue;
			for (size_t j = i + 1; j < n; j++)
				if (size[j] && (a == SIZE_MAX || similarity[i * n + j] > best)) {
					best = similarity[i * n + j];
					a = i;
					b = j;
				}
		}
		for (size_t c = 0; c < n; c++) {
			double merged;

			if (!size[c] || c == a || c == b)
				continue;
			merged = ((double)size[a] * similarity[a * n + c] +
				  (double)size[b] * similarity[b * n + c]) /
				 (double)(size[a] + size[b]);
			similarity[a * n + c] = similarity[c * n + a] = merged;
		}
		size[a] += size[b];
		size[b] = 0;
		for (size_t k = 0; k < w; k++)
			clusters[a * w + k] |= clusters[b * w + k];
		tree->children[2 * step] = node[a];
		tree->children[2 * step + 1] = node[b];
		node[a] = n + step;
		memcpy(tree->sets + (n + step) * w, clusters + a * w, w * sizeof(uint64_t));
		if ((rc = push_set(list, clusters + a * w, err)) < 0)
			goto out;
	}
out:
	free(similarity);
	free(size);
	free(node);
	free(clusters);
	return rc;
}

/*
 * group_mask - when task @t is the first member of its group in @label
 * (n tasks, -1: in no group), that group's members into @mask (@n_words
 * words) and 1; else 0.
 */
static int group_mask(const int64_t *label, size_t n, size_t t, uint64_t *mask, size_t n_words)
{
	if (label[t] < 0)
		return 0;
	for (size_t u = 0; u < t; u++)
		if (label[u] == label[t])
			return 0;
	memset(mask, 0, n_words * sizeof(uint64_t));
	for (size_t u = t; u < n; u++)
		if (label[u] == label[t])
			mask[u / 64] |= UINT64_C(1) << (u % 64);
	return 1;
}

/* partition_groups - the groups of each partition of @labels (-1: in no group). */
static int partition_groups(const int64_t *labels, size_t n_partitions, size_t n,
			    struct set_list *list, uint64_t *scratch, struct tm_error *err)
{
	int rc;

	for (size_t p = 0; p < n_partitions; p++) {
		const int64_t *label = labels + p * n;

		for (size_t t = 0; t < n; t++) {
			if (!group_mask(label, n, t, scratch, list->n_words))
				continue;
			if ((rc = push_set(list, scratch, err)) < 0)
				return rc;
		}
	}
	return 0;
}

#define ALL_PAIRS_TASKS 200 /* beyond, each task's PAIR_SOURCES best sources */
#define PAIR_SOURCES 4

/* pairs - every pair, or each task t with its PAIR_SOURCES sources j of highest Z(j -> t)
 * (ties: lower j), which keeps every task's best pair and so the all-groups bound. */
static int pairs(const double *affinity, size_t n, struct set_list *list, uint64_t *scratch,
		 struct tm_error *err)
{
	size_t pair[2];
	int rc;

	for (size_t t = 0; t < n; t++) {
		size_t best[PAIR_SOURCES], found = 0;

		if (n <= ALL_PAIRS_TASKS) {
			for (size_t u = t + 1; u < n; u++) {
				pair[0] = t;
				pair[1] = u;
				if ((rc = push_tasks(list, pair, 2, scratch, err)) < 0)
					return rc;
			}
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			size_t at = found;

			if (j == t)
				continue;
			while (at > 0 && affinity[j * n + t] > affinity[best[at - 1] * n + t])
				at--;
			if (at >= PAIR_SOURCES)
				continue;
			if (found < PAIR_SOURCES)
				found++;
			memmove(best + at + 1, best + at, (found - 1 - at) * sizeof(size_t));
			best[at] = j;
		}
		for (size_t i = 0; i < found; i++) {
			pair[0] = t;
			pair[1] = best[i];
			if ((rc = push_tasks(list, pair, 2, scratch, err)) < 0)
				return rc;
		}
	}
	return 0;
}

/* candidate_sets - the generated candidates, sorted and each once, in @list. */
static int candidate_sets(const double *affinity, size_t n, const int64_t *labels,
			  size_t n_partitions, struct set_list *list, struct merge_nodes *tree,
			  struct tm_error *err)
{
	uint64_t *scratch = calloc(list->n_words, sizeof(uint64_t)), *sorted = NULL;
	size_t kept = 0, w = list->n_words;
	struct set_ref *refs = NULL;
	int rc = 0;

	if (!scratch)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < n && rc == 0; t++)
		rc = push_tasks(list, &t, 1, scratch, err);
	if (rc < 0 || (rc = pairs(affinity, n, list, scratch, err)) < 0 ||
	    (rc = merge_tree(affinity, n, list, tree, err)) < 0 ||
	    (labels && (rc = partition_groups(labels, n_partitions, n, list, scratch, err)) < 0))
		goto out;
	if (!(refs = malloc(list->count * sizeof(*refs))) ||
	    !(sorted = malloc(list->count * w * sizeof(uint64_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < list->count; i++)
		refs[i] = (struct set_ref){ set_size(list->sets + i * w, w), w,
					    list->sets + i * w };
	qsort(refs, list->count, sizeof(*refs), compare_sets);
	for (size_t i = 0; i < list->count; i++) {
		if (kept && compare_sets(&refs[i - 1], &refs[i]) == 0)
			continue;
		memcpy(sorted + kept * w, refs[i].words, w * sizeof(uint64_t));
		kept++;
	}
	free(list->sets);
	list->sets = sorted;
	list->count = kept;
	list->capacity = list->count;
	sorted = NULL;
out:
	free(refs);
	free(sorted);
	free(scratch);
	return rc;
}

#define TREE_CUT_GROUPS 64 /* seeds: the best merge-tree cuts into 1..64 groups */

static int add_seed(struct tm_selection_problem *problem, const size_t *networks, size_t count,
		    int family, struct tm_error *err)
{
	size_t used = problem->n_seeds ? problem->seed_offset[problem->n_seeds] : 0;
	size_t *offset = realloc(problem->seed_offset, (problem->n_seeds + 2) * sizeof(size_t));
	size_t *list;
	int *families;

	if (offset)
		problem->seed_offset = offset;
	list = offset ? realloc(problem->seed_networks, (used + count + 1) * sizeof(size_t)) : NULL;
	if (list)
		problem->seed_networks = list;
	families = list ? realloc(problem->seed_family, (problem->n_seeds + 1) * sizeof(int))
			: NULL;
	if (!families)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	problem->seed_family = families;
	offset[0] = 0;
	memcpy(list + used, networks, count * sizeof(size_t));
	families[problem->n_seeds] = family;
	offset[++problem->n_seeds] = used + count;
	return 0;
}

/*
 * tree_cuts - seeds of family 0: for k = 1..min(n, TREE_CUT_GROUPS), the cut of the
 * merge tree into at most k groups of largest summed TAG value (tree dynamic
 * programme: a node either is a group or splits its k between its children).
 */
static int tree_cuts(struct tm_selection_problem *problem, const struct merge_nodes *tree,
		     struct tm_error *err)
{
	size_t n = problem->n_tasks, w = problem->n_words, n_nodes = 2 * n - 1;
	size_t groups = n < TREE_CUT_GROUPS ? n : TREE_CUT_GROUPS, *network = NULL;
	size_t *split = NULL, *stack = NULL, *chosen = NULL;
	double *best = NULL;
	int rc = 0;

	if (!(network = malloc(n_nodes * sizeof(size_t))) ||
	    !(split = calloc(n_nodes * (groups + 1), sizeof(size_t))) ||
	    !(best = malloc(n_nodes * (groups + 1) * sizeof(double))) ||
	    !(stack = malloc(n_nodes * sizeof(size_t))) || !(chosen = malloc(n * sizeof(size_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t v = 0; v < n_nodes; v++) {
		double own = 0;

		if ((network[v] = find_set(problem, tree->sets + v * w, 1.0)) == SIZE_MAX) {
			rc = tm_error_set(err, TM_ERR_INPUT, "merge-tree node %zu is no candidate", v);
			goto out;
		}
		for (size_t t = 0; t < n; t++)
			if (tm_selection_solves(problem, network[v], t))
				own -= problem->value[network[v] * n + t];
		best[v * (groups + 1)] = -INFINITY;
		for (size_t k = 1; k <= groups; k++) {
			best[v * (groups + 1) + k] = own; /* split 0: the node is one group */
			if (v < n)
				continue;
			size_t left = tree->children[2 * (v - n)], right = tree->children[2 * (v - n) + 1];

			for (size_t k1 = 1; k1 < k; k1++) {
				double both = best[left * (groups + 1) + k1] +
					      best[right * (groups + 1) + k - k1];

				if (both > best[v * (groups + 1) + k]) {
					best[v * (groups + 1) + k] = both;
					split[v * (groups + 1) + k] = k1;
				}
			}
		}
	}
	for (size_t k = 1; k <= groups; k++) {
		/* walk the cut depth first; each pending node gets at least one group, so
		 * at most k are pending */
		size_t depth = 0, count = 0, pending[TREE_CUT_GROUPS];

		stack[depth] = n_nodes - 1;
		pending[depth++] = k;
		while (depth > 0) {
			size_t v = stack[--depth], kv = pending[depth];
			size_t k1 = split[v * (groups + 1) + kv];

			if (k1 == 0) {
				chosen[count++] = network[v];
				continue;
			}
			stack[depth] = tree->children[2 * (v - n)];
			pending[depth++] = k1;
			stack[depth] = tree->children[2 * (v - n) + 1];
			pending[depth++] = kv - k1;
		}
		if ((rc = add_seed(problem, chosen, count, 0, err)) < 0)
			goto out;
	}
out:
	free(network);
	free(split);
	free(best);
	free(stack);
	free(chosen);
	return rc;
}

/* partition_seeds - seed of family p + 1: the groups of partition p (tasks labelled -1
 * are left for the local search to cover). */
static int partition_seeds(struct tm_selection_problem *problem, const int64_t *labels,
			   size_t n_partitions, struct tm_error *err)
{
	size_t n = problem->n_tasks, w = problem->n_words, *chosen = NULL, count;
	uint64_t *mask = NULL;
	int rc = 0;

	if (!(chosen = malloc(n * sizeof(size_t))) || !(mask = malloc(w * sizeof(uint64_t))))
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t p = 0; p < n_partitions && rc == 0; p++) {
		const int64_t *label = labels + p * n;

		count = 0;
		for (size_t t = 0; t < n; t++) {
			if (!group_mask(label, n, t, mask, w))
				continue;
			if ((chosen[count] = find_set(problem, mask, 1.0)) != SIZE_MAX)
				count++;
		}
		if (count)
			rc = add_seed(problem, chosen, count, (int)p + 1, err);
	}
	free(chosen);
	free(mask);
	return rc;
}

int tm_selection_from_affinity(const double *affinity, size_t n_rows, size_t n_columns,
			       const char *const *names, const int64_t *labels,
			       size_t n_partitions, struct tm_selection_problem **out,
			       struct tm_error *err)
{
	struct tm_selection_problem *problem = NULL;
	struct set_list list = { 0 };
	struct merge_nodes tree = { 0 };
	size_t n = n_rows, *scratch = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_affinity(affinity, n_rows, n_columns, err)) < 0)
		return rc;
	list.n_words = (n + 63) / 64;
	if (n > TM_SELECTION_ALL_GROUPS_TASKS &&
	    (!(tree.sets = calloc((2 * n - 1) * list.n_words, sizeof(uint64_t))) ||
	     !(tree.children = malloc(2 * (n - 1) * sizeof(size_t))))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (n <= TM_SELECTION_ALL_GROUPS_TASKS) {
		/* every non-empty group: network g - 1 is mask g */
		for (uint64_t g = 1; g < (UINT64_C(1) << n) && rc == 0; g++)
			rc = push_set(&list, &g, err);
	} else {
		rc = candidate_sets(affinity, n, labels, n_partitions, &list, &tree, err);
	}
	if (rc < 0 || (rc = tm_selection_problem_create(n, list.count, &problem, err)) < 0 ||
	    (names && (rc = tm_selection_set_task_names(problem, names, err)) < 0))
		goto out;
	if (!(scratch = malloc(n * sizeof(size_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	problem->negated = 1;
	problem->candidates = n > TM_SELECTION_ALL_GROUPS_TASKS;
	if (!problem->candidates) {
		if (!(problem->affinity = malloc(n * n * sizeof(double)))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(problem->affinity, affinity, n * n * sizeof(double));
	}
	memcpy(problem->members, list.sets, list.count * list.n_words * sizeof(uint64_t));
	for (size_t g = 0; g < list.count; g++)
		group_values(affinity, n, list.sets + g * list.n_words, problem->value + g * n,
			     scratch);
	if (problem->candidates &&
	    ((rc = tree_cuts(problem, &tree, err)) < 0 ||
	     (labels && (rc = partition_seeds(problem, labels, n_partitions, err)) < 0)))
		goto out;
	*out = problem;
	problem = NULL;
out:
	free(scratch);
	free(list.sets);
	free(tree.sets);
	free(tree.children);
	tm_selection_problem_free(problem);
	return rc;
}
