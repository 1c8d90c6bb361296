/*
 * cmd-recommend.c - `taskmap recommend`: the recommended task grouping of an
 * analysis as a table, CSV or a JSON object (groups, k, method,
 * memberships, stability, train-alone candidates).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>

#include <jansson.h>

#include "analyzers.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

const char cmd_recommend_usage[] =
	"Usage: taskmap recommend [--run RUN] [--analysis ID] [--format table|csv|json]\n"
	"                         [--db PATH]\n"
	"\n"
	"Print the recommended grouping of an analysis (default: the latest analysis of\n"
	"RUN, or of any run): per group its tasks, size, mean within-group similarity\n"
	"(affinity in [0, 1]) and bootstrap stability. Flags: 'unstable' (the bootstrap\n"
	"could not reproduce the group), 'train-alone' (a task related to no other task:\n"
	"a candidate to train on its own; marked '*'); a task whose own bootstrap\n"
	"stability is below 0.5 is marked '!' (JSON: \"unstable_tasks\", and every\n"
	"task's \"task_stability\"). JSON is one object: {\"groups\": [{\"tasks\":\n"
	"[...], ...}], \"k\", \"method\", \"relatedness\", \"memberships\", ...}.\n"
	"Groups are numbered from 1 in every format (JSON: each group's \"group\"); a\n"
	"task's \"memberships\" list its weight in group 1, 2, ... in that order.\n"
	"\n"
	"  --run RUN      a run name or id\n"
	"  --analysis ID  an analysis id (from `taskmap analyze`)\n"
	"  --format F     table (default), csv or json\n"
	"  --db PATH      results database (default ./taskmap.db)\n";

enum { OPT_RUN = 1, OPT_ANALYSIS, OPT_FORMAT };

static json_t *json_number_or_null(double value)
{
	return value == value ? json_real(value) : json_null();
}

/* task_unstable - task @i's bootstrap stability was measured and is below TM_TASK_UNSTABLE_BELOW. */
static int task_unstable(const struct tm_recommendation *r, size_t i)
{
	return r->task_stability[i] == r->task_stability[i] &&
	       r->task_stability[i] < TM_TASK_UNSTABLE_BELOW;
}

static json_t *group_json(const struct tm_recommendation *r, size_t g)
{
	const struct tm_recommended_group *group = &r->groups[g];
	json_t *object = json_object(), *tasks = json_array(), *alone = json_array();
	json_t *unstable = json_array();

	for (size_t i = 0; i < group->n_tasks; i++)
		json_array_append_new(tasks, json_string(group->names[i]));
	for (size_t i = 0; i < r->n_tasks; i++) {
		if (r->assignment[i] == g && r->train_alone[i])
			json_array_append_new(alone, json_string(r->names[i]));
		if (r->assignment[i] == g && task_unstable(r, i))
			json_array_append_new(unstable, json_string(r->names[i]));
	}
	json_object_set_new(object, "group", json_integer((json_int_t)g + 1));
	json_object_set_new(object, "tasks", tasks);
	json_object_set_new(object, "size", json_integer((json_int_t)group->n_tasks));
	json_object_set_new(object, "mean_similarity", json_number_or_null(group->mean_similarity));
	json_object_set_new(object, "stability", json_number_or_null(group->stability));
	json_object_set_new(object, "unstable", json_boolean(group->stability == group->stability &&
							     group->stability < TM_UNSTABLE_BELOW));
	json_object_set_new(object, "train_alone", alone);
	json_object_set_new(object, "unstable_tasks", unstable);
	return object;
}

static int print_json(const struct tm_recommendation *r)
{
	json_t *root = json_object(), *groups = json_array(), *memberships = json_object();
	json_t *alone = json_array(), *task_stability = json_object(), *unstable = json_array();
	char *text;

	for (size_t g = 0; g < r->k; g++)
		json_array_append_new(groups, group_json(r, g));
	for (size_t i = 0; i < r->n_tasks; i++) {
		json_t *weights = json_array();

		for (size_t g = 0; g < r->k; g++)
			json_array_append_new(weights, json_real(r->membership[i * r->k + g]));
		json_object_set_new(memberships, r->names[i], weights);
		json_object_set_new(task_stability, r->names[i],
				    json_number_or_null(r->task_stability[i]));
		if (r->train_alone[i])
			json_array_append_new(alone, json_string(r->names[i]));
		if (task_unstable(r, i))
			json_array_append_new(unstable, json_string(r->names[i]));
	}
	json_object_set_new(root, "run", json_string(r->run_name));
	json_object_set_new(root, "run_id", json_integer(r->run_id));
	json_object_set_new(root, "analysis_id", json_integer(r->analysis_id));
	json_object_set_new(root, "grouping_id", json_integer(r->grouping_id));
	json_object_set_new(root, "epochs", json_pack("[I, I]", (json_int_t)r->epoch_from,
						      (json_int_t)r->epoch_to));
	json_object_set_new(root, "relatedness", json_string(r->estimator));
	json_object_set_new(root, "method", json_string(r->method));
	json_object_set_new(root, "k", json_integer((json_int_t)r->k));
	json_object_set_new(root, "k_criterion", json_string(r->k_criterion));
	json_object_set_new(root, "stability", json_number_or_null(r->stability));
	json_object_set_new(root, "unstable", json_boolean(r->unstable));
	json_object_set_new(root, "groups", groups);
	json_object_set_new(root, "memberships", memberships);
	json_object_set_new(root, "train_alone", alone);
	json_object_set_new(root, "task_stability", task_stability);
	json_object_set_new(root, "unstable_tasks", unstable);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!text)
		return EXIT_RUNTIME;
	fputs(text, stdout);
	fputc('\n', stdout);
	free(text);
	return EXIT_OK;
}

/*
 * join_tasks - "a, b, c" in a new string; train-alone tasks marked with '*',
 * unstable tasks (bootstrap stability below TM_TASK_UNSTABLE_BELOW) with '!'.
 */
static char *join_tasks(const struct tm_recommendation *r, size_t g, const char *separator)
{
	size_t length = 1;
	char *text;

	for (size_t i = 0; i < r->n_tasks; i++)
		if (r->assignment[i] == g)
			length += strlen(r->names[i]) + strlen(separator) + 2;
	if (!(text = malloc(length)))
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < r->n_tasks; i++)
		if (r->assignment[i] == g) {
			if (text[0])
				strcat(text, separator);
			strcat(text, r->names[i]);
			if (r->train_alone[i])
				strcat(text, "*");
			if (task_unstable(r, i))
				strcat(text, "!");
		}
	return text;
}

static int add_group_row(struct output_table *table, const struct tm_recommendation *r, size_t g,
			 enum output_format format)
{
	const struct tm_recommended_group *group = &r->groups[g];
	static const int numeric[] = { 1, 1, 1, 1, 0, 0 };
	char number[24], size[24], similarity[32], stability[32], flags[64];
	char *tasks = join_tasks(r, g, format == OUTPUT_CSV ? ";" : ", ");
	const char *values[6] = { number, size, similarity, stability, flags, tasks };
	int unstable = group->stability == group->stability && group->stability < TM_UNSTABLE_BELOW;
	int alone = 0, rc;

	if (!tasks)
		return -1;
	for (size_t i = 0; i < r->n_tasks; i++)
		alone |= r->assignment[i] == g && r->train_alone[i];
	snprintf(number, sizeof(number), "%zu", g + 1);
	snprintf(size, sizeof(size), "%zu", group->n_tasks);
	snprintf(similarity, sizeof(similarity), group->mean_similarity == group->mean_similarity
		 ? "%.3f" : "-", group->mean_similarity);
	snprintf(stability, sizeof(stability), group->stability == group->stability ? "%.3f" : "-",
		 group->stability);
	snprintf(flags, sizeof(flags), "%s%s%s", unstable ? "unstable" : "",
		 unstable && alone ? "," : "", alone ? "train-alone" : "");
	rc = output_table_add_row(table, values, numeric);
	free(tasks);
	return rc;
}

static int print_groups(const struct tm_recommendation *r, enum output_format format)
{
	static const char *const names[] = { "group", "size", "similarity", "stability", "flags",
					     "tasks" };
	struct output_table *table = output_table_create(6, names);

	if (!table)
		return EXIT_RUNTIME;
	for (size_t g = 0; g < r->k; g++)
		if (add_group_row(table, r, g, format) < 0) {
			output_table_destroy(table);
			return EXIT_RUNTIME;
		}
	if (format == OUTPUT_TABLE) {
		printf("run %s, analysis %lld: %s + %s, k = %zu (%s)", r->run_name,
		       (long long)r->analysis_id, r->estimator, r->method, r->k, r->k_criterion);
		if (r->stability == r->stability)
			printf(", stability %.3f%s", r->stability, r->unstable ? " UNSTABLE" : "");
		printf("\n");
	}
	output_table_print(table, format);
	if (format == OUTPUT_TABLE) {
		int flagged = 0, shaky = 0;

		for (size_t i = 0; i < r->n_tasks; i++) {
			flagged |= r->train_alone[i];
			shaky |= task_unstable(r, i);
		}
		if (flagged) /* the legends of the marks, only when one is shown */
			printf("* train-alone candidate: related to no other task\n");
		if (shaky)
			printf("! unstable task: bootstrap stability below %g\n", TM_TASK_UNSTABLE_BELOW);
	}
	output_table_destroy(table);
	return EXIT_OK;
}

int cmd_recommend(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "run", required_argument, NULL, OPT_RUN },
		{ "analysis", required_argument, NULL, OPT_ANALYSIS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tm_recommendation *recommendation = NULL;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	int format = OUTPUT_TABLE, option, code = -1;
	const char *run = NULL;
	int64_t run_id = 0;
	long analysis = 0;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == OPT_RUN)
			run = optarg;
		else if (option == OPT_ANALYSIS) {
			if ((code = cli_parse_long(context, "--analysis", optarg, 1, LONG_MAX, &analysis)))
				return code;
			code = -1;
		} else if (option == OPT_FORMAT) {
			if ((format = output_parse_format(optarg)) < 0)
				return cli_usage_error(context, "--format must be table, csv or json");
		} else
			return cli_usage_error(context, "unknown option");
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s' (use --run RUN)", argv[optind]);
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	if ((run && tm_store_run_id(store, run, &run_id, &err) < 0) ||
	    tm_recommendation_read(store, run_id, analysis, &recommendation, &err) < 0)
		code = cli_fail(&err);
	else
		code = format == OUTPUT_JSON ? print_json(recommendation)
					     : print_groups(recommendation, format);
	tm_recommendation_free(recommendation);
	tm_store_close(store);
	return cli_finish_stdout(code);
}
