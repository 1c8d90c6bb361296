/*
 * cmd-select.c - `taskmap select`: choose which networks (groups of tasks) to
 * train within inference budgets, from Standley et al.'s per-network loss
 * files (--losses, scored on --test) or from an affinity matrix of an analysis
 * in the database (--analysis, TAG's objective; beyond 20 tasks over candidate
 * groups that include the analysis's own groupings). Prints the budget curve:
 * one row per budget and method with the chosen networks, plus the all-in-one
 * and single-task baselines. The work is analyzers/selection.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "selection.h"

const char cmd_select_usage[] =
	"Usage: taskmap select (--losses VAL.txt [--test TEST.txt] | --analysis ID)\n"
	"                      --budget B[,B...]\n"
	"                      [--method auto|exact|greedy|heuristic|hoa]\n"
	"                      [--approximation hoa] [--estimator NAME]\n"
	"                      [--format table|csv|json] [--db PATH]\n"
	"\n"
	"Choose networks (groups of tasks) of total cost at most B, possibly\n"
	"overlapping, that solve every task, for each budget B (>= 1).\n"
	"\n"
	"With --losses, minimise the sum over tasks of each task's best loss among\n"
	"the chosen networks (Standley et al., ICML 2020). The file holds, tab-\n"
	"separated, one line of half-size single-task networks (cost 0.5) and one\n"
	"line per subset of the tasks (cost 1); 5 columns are named s,d,n,k,e.\n"
	"With --test, the networks chosen on VAL are also scored on TEST. The\n"
	"all-in-one network and the full-size single-task networks are printed\n"
	"for comparison.\n"
	"\n"
	"With --analysis, maximise TAG's objective (Fifty et al., NeurIPS 2021)\n"
	"on the analysis's affinity matrix: each task's best mean affinity from\n"
	"the other members of a chosen group, at most floor(B) groups; a task\n"
	"alone scores 0. Up to 20 tasks every group is a candidate. Exact search\n"
	"there is a dynamic programme over subsets of the tasks (about 3^n / 6\n"
	"steps per group beyond two); auto uses it while that takes about ten\n"
	"seconds or less (every budget up to 18 tasks, B <= 16 at 19, B <= 6 at\n"
	"20), else the heuristic (bench/RESULTS.md). Beyond 20 tasks the\n"
	"candidates are the singletons, pairs, an average-linkage merge tree on\n"
	"the affinity and the analysis's groupings, and auto uses the heuristic\n"
	"(upper_bound then holds over all groups, candidate_bound over the\n"
	"candidates only).\n"
	"\n"
	"  --losses FILE        per-network validation losses\n"
	"  --test FILE          per-network test losses, same networks\n"
	"  --analysis ID        an analysis id, or 'latest'\n"
	"  --estimator NAME     its matrix to use (default: the newest affinity or\n"
	"                       similarity matrix)\n"
	"  --budget LIST        comma-separated budgets, e.g. 1,1.5,2\n"
	"  --method M           auto (exact when small enough, see above; loss\n"
	"                       files: up to 4096 networks; else heuristic),\n"
	"                       exact (branch and bound; --analysis up to 20 tasks:\n"
	"                       the dynamic programme), greedy (cost-benefit greedy\n"
	"                       with a bound), heuristic (the greedy, then swaps of\n"
	"                       one network for another while they help; same\n"
	"                       bound), hoa (select on the higher-order\n"
	"                       approximation from pairs, --losses only)\n"
	"  --approximation hoa  also print the HOA choice next to the method's\n"
	"  --format F           table (default), csv or json\n"
	"  --db PATH            results database (default ./taskmap.db)\n"
	"\n"
	"Columns: budget, method, networks (task letters; /0.5 marks a half-size\n"
	"network), cost, validation objective, test total, and a proven lower bound\n"
	"on the optimal validation objective (equal to it for exact). With\n"
	"--analysis: groups, affinity (TAG's objective), an upper bound on the\n"
	"best objective and, over candidates, the bound relative to them.\n";

#define MAX_BUDGETS 64
#define LABEL_CHARS 4096 /* a network's task names, joined */

/* The command's options after parsing. */
struct select_options {
	const char *losses, *test, *analysis, *estimator;
	double budgets[MAX_BUDGETS];
	size_t n_budgets;
	enum tm_selection_method method;
	int hoa_only, with_hoa;
	int format;
};

/* What one output row is computed from. */
struct select_inputs {
	const struct tm_selection_problem *validation; /* the real losses or affinities */
	const struct tm_selection_problem *test;       /* NULL without --test */
	const struct tm_selection_problem *hoa;        /* NULL without HOA */
};

static const char *const column_names[] = { "budget", "method", "networks", "cost",
					    "validation", "test", "lower_bound" };
static const int numeric_columns[] = { 1, 0, 0, 1, 1, 1, 1, 1 };

static int parse_budgets(const struct cli_context *context, const char *text,
			 struct select_options *options)
{
	char *copy = strdup(text), *save = NULL, *item;
	int code = EXIT_OK;

	if (!copy)
		return cli_usage_error(context, "out of memory");
	for (item = strtok_r(copy, ",", &save); item && code == EXIT_OK;
	     item = strtok_r(NULL, ",", &save)) {
		if (options->n_budgets == MAX_BUDGETS)
			code = cli_usage_error(context, "at most %d budgets", MAX_BUDGETS);
		else
			code = cli_parse_double(context, "--budget", item, 1, 1e6,
						&options->budgets[options->n_budgets++]);
	}
	if (code == EXIT_OK && options->n_budgets == 0)
		code = cli_usage_error(context, "--budget needs at least one value");
	free(copy);
	return code;
}

static int parse_method(const struct cli_context *context, const char *text,
			struct select_options *options)
{
	static const char *const names[] = { "auto", "exact", "greedy", "heuristic" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(text, names[i]) == 0) {
			options->method = (enum tm_selection_method)i;
			return EXIT_OK;
		}
	}
	if (strcmp(text, "hoa") == 0) {
		options->hoa_only = 1;
		return EXIT_OK;
	}
	return cli_usage_error(context, "--method must be auto, exact, greedy, heuristic or hoa");
}

/* check_options - EXIT_USAGE for a bad combination, -1 when the options are usable. */
static int check_options(const struct cli_context *context, const struct select_options *options)
{
	if (!options->losses == !options->analysis)
		return cli_usage_error(context, "give exactly one of --losses and --analysis");
	if (options->analysis && (options->test || options->hoa_only || options->with_hoa))
		return cli_usage_error(context, "--test and hoa apply to --losses only");
	if (options->losses && options->estimator)
		return cli_usage_error(context, "--estimator applies to --analysis only");
	if (options->n_budgets == 0)
		return cli_usage_error(context, "--budget is required");
	return -1;
}

/* parse_options - the exit code to stop with (--help, misuse), or -1 to go on. */
static int parse_options(int argc, char **argv, struct cli_context *context,
			 struct select_options *options)
{
	static const struct option long_options[] = {
		{ "losses", required_argument, NULL, 'l' },
		{ "test", required_argument, NULL, 't' },
		{ "analysis", required_argument, NULL, 'a' },
		{ "estimator", required_argument, NULL, 'e' },
		{ "budget", required_argument, NULL, 'b' },
		{ "method", required_argument, NULL, 'm' },
		{ "approximation", required_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int option, code = -1, parsed;

	while ((option = getopt_long(argc, argv, "hq", long_options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		switch (option) {
		case 'l': options->losses = optarg; break;
		case 't': options->test = optarg; break;
		case 'a': options->analysis = optarg; break;
		case 'e': options->estimator = optarg; break;
		case 'b':
			if ((parsed = parse_budgets(context, optarg, options)) != EXIT_OK)
				return parsed;
			break;
		case 'm':
			if ((parsed = parse_method(context, optarg, options)) != EXIT_OK)
				return parsed;
			break;
		case 'x':
			if (strcmp(optarg, "hoa") != 0)
				return cli_usage_error(context, "--approximation must be hoa");
			options->with_hoa = 1;
			break;
		case 'f':
			if ((options->format = output_parse_format(optarg)) < 0)
				return cli_usage_error(context, "--format must be table, csv or json");
			break;
		default:
			return cli_usage_error(context, "unknown option");
		}
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind]);
	return check_options(context, options);
}

/* ---- rows ------------------------------------------------------------------------- */

static void format_number(char *buffer, size_t size, double value, int format)
{
	snprintf(buffer, size, format == OUTPUT_TABLE ? "%.5f" : "%.17g", value);
}

/* networks_text - the labels of @chosen joined by spaces, in a new string. */
static char *networks_text(const struct tm_selection_problem *problem, const size_t *chosen,
			   size_t n_chosen)
{
	size_t size = n_chosen * LABEL_CHARS + 1, used = 0;
	char *text = malloc(size), label[LABEL_CHARS];

	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < n_chosen; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%s", i ? " " : "",
					 tm_selection_network_label(problem, chosen[i], label,
								    sizeof(label)));
	return text;
}

/* The numbers of one row; NAN prints as empty. */
struct row {
	const char *budget, *method;
	const size_t *chosen;
	size_t n_chosen;
	double cost, validation, test, lower_bound;
	double candidate_bound; /* affinity candidates only; NAN otherwise */
};

static int add_row(struct output_table *table, const struct select_inputs *inputs,
		   const struct row *row, int format, struct tm_error *err)
{
	char cost[40], validation[40], test[40], bound[40], candidate[40];
	char *networks = networks_text(inputs->validation, row->chosen, row->n_chosen);
	const char *values[8] = { row->budget, row->method, networks, cost, validation,
				  row->test == row->test ? test : NULL,
				  row->lower_bound == row->lower_bound ? bound : NULL,
				  row->candidate_bound == row->candidate_bound ? candidate : NULL };
	int rc = 0;

	snprintf(cost, sizeof(cost), "%g", row->cost);
	format_number(validation, sizeof(validation), row->validation, format);
	format_number(test, sizeof(test), row->test, format);
	format_number(bound, sizeof(bound), row->lower_bound, format);
	format_number(candidate, sizeof(candidate), row->candidate_bound, format);
	if (!networks || output_table_add_row(table, values, numeric_columns) < 0)
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	free(networks);
	return rc;
}

/* test_total - the test loss of validation networks @chosen, or NAN without --test. */
static int test_total(const struct select_inputs *inputs, const size_t *chosen,
		      size_t n_chosen, double *total, struct tm_error *err)
{
	size_t *mapped = NULL;
	int rc;

	*total = NAN;
	if (!inputs->test)
		return 0;
	if (!(mapped = malloc((n_chosen ? n_chosen : 1) * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = tm_selection_translate(inputs->validation, inputs->test, chosen, n_chosen,
					 mapped, err)) == 0)
		rc = tm_selection_score(inputs->test, mapped, n_chosen, total, NULL, err);
	free(mapped);
	return rc;
}

/* add_baseline - the row of fixed networks @chosen (all-in-one or single-task). */
static int add_baseline(struct output_table *table, const struct select_inputs *inputs,
			const char *name, const uint64_t *members, size_t n, int format,
			struct tm_error *err)
{
	struct row row = { .method = name, .n_chosen = n, .lower_bound = NAN,
			   .candidate_bound = NAN };
	size_t chosen[TM_SELECTION_MAX_TASKS];
	char budget[24];
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = tm_selection_find_network(inputs->validation, members[i], 1.0,
						    &chosen[i], err)) < 0)
			return rc;
	snprintf(budget, sizeof(budget), "%zu", n);
	row.budget = budget;
	row.chosen = chosen;
	row.cost = (double)n;
	if ((rc = tm_selection_score(inputs->validation, chosen, n, &row.validation, NULL,
				     err)) < 0 ||
	    (rc = test_total(inputs, chosen, n, &row.test, err)) < 0)
		return rc;
	return add_row(table, inputs, &row, format, err);
}

static int add_baselines(struct output_table *table, const struct select_inputs *inputs,
			 int format, struct tm_error *err)
{
	size_t n = inputs->validation->n_tasks;
	uint64_t all = (UINT64_C(1) << n) - 1, singles[TM_SELECTION_MAX_TASKS];
	int rc;

	for (size_t t = 0; t < n; t++)
		singles[t] = UINT64_C(1) << t;
	if ((rc = add_baseline(table, inputs, "all-in-one", &all, 1, format, err)) < 0)
		return rc;
	return n > 1 ? add_baseline(table, inputs, "single-task", singles, n, format, err) : 0;
}

/*
 * add_choice - the row of @selection, a choice on @problem (the real or the HOA
 * losses), scored on the real validation and test losses.
 */
static int add_choice(struct output_table *table, const struct select_inputs *inputs,
		      const struct tm_selection_problem *problem,
		      const struct tm_selection *selection, const char *label, int format,
		      struct tm_error *err)
{
	struct row row = { .candidate_bound = NAN };
	char budget_text[40];
	static const char *const solver_names[] = { "auto", "exact", "greedy", "heuristic" };
	int rc;

	snprintf(budget_text, sizeof(budget_text), "%g", selection->budget);
	row.budget = budget_text;
	row.method = label ? label : solver_names[selection->method];
	row.chosen = selection->chosen;
	row.n_chosen = selection->n_chosen;
	row.cost = selection->cost;
	row.lower_bound = problem == inputs->validation ? selection->lower_bound : NAN;
	if (problem->negated) {
		/* maximising: upper bounds; over generated candidates the a-posteriori bound
		 * holds against them only, the per-task bound against every group */
		row.validation = -selection->objective;
		row.lower_bound = -(problem->candidates ? selection->task_bound
							 : selection->lower_bound);
		if (problem->candidates)
			row.candidate_bound = -selection->lower_bound;
	} else if ((rc = tm_selection_score(inputs->validation, selection->chosen,
					    selection->n_chosen, &row.validation, NULL, err)) < 0) {
		return rc;
	}
	if ((rc = test_total(inputs, selection->chosen, selection->n_chosen, &row.test, err)) < 0)
		return rc;
	return add_row(table, inputs, &row, format, err);
}

/* add_curve - every budget solved at once (one subset programme serves them all), then
 * the rows, the HOA choice after each budget's own. */
static int add_curve(struct output_table *table, const struct select_inputs *inputs,
		     const struct select_options *options, struct tm_error *err)
{
	struct tm_selection curves[2][MAX_BUDGETS];
	const struct tm_selection_problem *problems[2] = {
		options->hoa_only ? NULL : inputs->validation, inputs->hoa
	};
	int rc = 0;

	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < options->n_budgets; i++)
			tm_selection_init(&curves[c][i]);
	for (size_t c = 0; c < 2 && rc == 0; c++)
		if (problems[c])
			rc = tm_selection_solve_curve(problems[c], options->budgets,
						      options->n_budgets, options->method,
						      curves[c], err);
	for (size_t i = 0; i < options->n_budgets && rc == 0; i++)
		for (size_t c = 0; c < 2 && rc == 0; c++)
			if (problems[c])
				rc = add_choice(table, inputs, problems[c], &curves[c][i],
						c ? "hoa" : NULL, options->format, err);
	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < options->n_budgets; i++)
			tm_selection_release(&curves[c][i]);
	return rc;
}

/* ---- sources ---------------------------------------------------------------------- */

static int load_losses(const struct select_options *options,
		       struct tm_selection_problem **problems, struct tm_error *err)
{
	int rc;

	if ((rc = tm_selection_losses_read(options->losses, &problems[0], err)) < 0)
		return rc;
	if (options->test && (rc = tm_selection_losses_read(options->test, &problems[1], err)) < 0)
		return rc;
	if ((options->hoa_only || options->with_hoa) &&
	    (rc = tm_selection_hoa(problems[0], &problems[2], err)) < 0)
		return rc;
	return 0;
}

/* Matrix lookup state for --analysis. */
struct matrix_pick {
	const char *estimator;
	int64_t id;
	int rank; /* 2 affinity, 1 similarity */
};

static int pick_matrix(void *context, const struct tm_matrix_record *matrix)
{
	struct matrix_pick *pick = context;
	int rank = strcmp(matrix->kind, "affinity") == 0 ? 2
		 : strcmp(matrix->kind, "similarity") == 0 ? 1 : 0;

	if (pick->estimator ? strcmp(matrix->estimator, pick->estimator) == 0
			    : rank > 0 && rank >= pick->rank) {
		pick->id = matrix->id;
		pick->rank = rank;
	}
	return 0;
}

/* Task names of a run by task index. */
struct task_names {
	const struct tm_matrix *matrix;
	char **names;
};

static int collect_name(void *context, const struct tm_task_record *task)
{
	struct task_names *names = context;

	for (size_t i = 0; i < names->matrix->record.n_tasks; i++)
		if (names->matrix->task_index[i] == task->index &&
		    !(names->names[i] = strdup(task->name)))
			return TM_ERR_NOMEM;
	return 0;
}

/* The analysis's groupings as hard partitions of the matrix's rows, for candidates. */
struct partitions {
	struct tm_store *store;
	const struct tm_matrix *matrix;
	int64_t *labels; /* count x n_tasks; -1: the row is not in the grouping */
	size_t count;
	struct tm_error *err;
};

static int collect_partition(void *context, const struct tm_grouping_record *record)
{
	struct partitions *partitions = context;
	size_t n = partitions->matrix->record.n_tasks;
	struct tm_grouping *grouping = NULL;
	int64_t *grown, *row;
	int rc;

	if ((rc = tm_store_read_grouping(partitions->store, record->id, &grouping,
					 partitions->err)) < 0)
		return rc;
	if (!(grown = realloc(partitions->labels, (partitions->count + 1) * n * sizeof(int64_t)))) {
		tm_grouping_free(grouping);
		return tm_error_set(partitions->err, TM_ERR_NOMEM, "out of memory");
	}
	partitions->labels = grown;
	row = grown + partitions->count++ * n;
	for (size_t i = 0; i < n; i++) {
		row[i] = -1;
		for (size_t k = 0; k < grouping->n_tasks; k++)
			if (grouping->task_index[k] == partitions->matrix->task_index[i])
				row[i] = grouping->assignment[k];
	}
	tm_grouping_free(grouping);
	return 0;
}

static int analysis_id(struct tm_store *store, const char *text, int64_t *id,
		       struct tm_error *err)
{
	char *end = NULL;
	long long value;

	if (strcmp(text, "latest") == 0)
		return tm_store_latest_analysis(store, 0, id, err);
	value = strtoll(text, &end, 10);
	if (!*text || *end || value <= 0)
		return tm_error_set(err, TM_ERR_USAGE, "--analysis must be a positive id or "
				    "'latest', got '%s'", text);
	*id = value;
	return 0;
}

static int load_affinity(struct tm_store *store, const struct select_options *options,
			 struct tm_selection_problem **problem, struct tm_error *err)
{
	struct matrix_pick pick = { .estimator = options->estimator };
	struct tm_matrix *matrix = NULL;
	struct task_names names = { 0 };
	struct partitions partitions = { .store = store, .err = err };
	int64_t id = 0;
	size_t n = 0;
	int rc;

	if ((rc = analysis_id(store, options->analysis, &id, err)) < 0 ||
	    (rc = tm_store_list_matrices(store, id, pick_matrix, &pick, err)) < 0)
		goto out;
	if (!pick.id) {
		rc = tm_error_set(err, TM_ERR_NOT_FOUND, "analysis %lld has no %s matrix",
				  (long long)id, options->estimator ? options->estimator
						  : "affinity or similarity");
		goto out;
	}
	if ((rc = tm_store_read_matrix(store, pick.id, &matrix, err)) < 0)
		goto out;
	n = matrix->record.n_tasks;
	names.matrix = matrix;
	if (!(names.names = calloc(n ? n : 1, sizeof(char *)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = tm_store_list_tasks(store, matrix->record.run_id, collect_name, &names,
				      err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!names.names[i]) {
			free(names.names); /* unnamed tasks: fall back to t0, t1, ... */
			names.names = NULL;
			break;
		}
	partitions.matrix = matrix;
	if (n > TM_SELECTION_ALL_GROUPS_TASKS &&
	    (rc = tm_store_list_groupings(store, id, collect_partition, &partitions, err)) < 0)
		goto out;
	rc = tm_selection_from_affinity(matrix->values, n, n, (const char *const *)names.names,
					partitions.labels, partitions.count, problem, err);
out:
	free(partitions.labels);
	if (names.names)
		for (size_t i = 0; i < n; i++)
			free(names.names[i]);
	free(names.names);
	tm_matrix_free(matrix);
	return rc;
}

int cmd_select(int argc, char **argv, struct cli_context *context)
{
	static const char *const affinity_names[] = { "budget", "method", "groups", "cost",
						      "affinity", "test", "upper_bound",
						      "candidate_bound" };
	struct select_options options = { .format = OUTPUT_TABLE };
	struct tm_selection_problem *problems[3] = { NULL, NULL, NULL };
	struct select_inputs inputs = { 0 };
	struct output_table *table = NULL;
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int code, rc;

	if ((code = parse_options(argc, argv, context, &options)) >= 0)
		return code;
	if (options.losses) {
		rc = load_losses(&options, problems, &err);
	} else if ((code = cli_open_store(context, 1, &store)) != EXIT_OK) {
		return code;
	} else {
		rc = load_affinity(store, &options, &problems[0], &err);
	}
	inputs.validation = problems[0];
	inputs.test = problems[1];
	inputs.hoa = problems[2];
	if (rc == 0 && !(table = output_table_create(options.losses ? 7 : 8,
						     options.losses ? column_names
								    : affinity_names)))
		rc = tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
	if (rc == 0 && options.losses)
		rc = add_baselines(table, &inputs, options.format, &err);
	if (rc == 0)
		rc = add_curve(table, &inputs, &options, &err);
	if (rc < 0) {
		code = cli_fail(&err);
	} else {
		/* main's cli_finish_stdout reports a write error, once */
		output_table_print(table, options.format);
		code = EXIT_OK;
	}
	output_table_destroy(table);
	for (int i = 0; i < 3; i++)
		tm_selection_problem_free(problems[i]);
	tm_store_close(store);
	return code;
}
