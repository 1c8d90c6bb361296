/*
 * cmd-analyze.c - `taskmap analyze [RUN]`: data maps, task relatedness,
 * clustering and the recommended grouping of a run, stored in the database;
 * prints a short summary and the analysis id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

const char cmd_analyze_usage[] =
	"Usage: taskmap analyze [RUN] [--epochs FROM:TO] [--relatedness LIST]\n"
	"                       [--cluster LIST] [--k K|auto] [--k-max N] [--bootstrap B]\n"
	"                       [--restarts N] [--fuzzifier M] [--seed S]\n"
	"                       [--datamap-points N] [--db PATH]\n"
	"\n"
	"Build the data maps of RUN (a run name or id; default: the latest run), estimate\n"
	"how related its tasks are, cluster them and store the recommended grouping\n"
	"(see `taskmap recommend`). Formulas: docs/methods.md.\n"
	"\n"
	"  --epochs FROM:TO    epoch window, 0-based and end-exclusive like a Python slice:\n"
	"                      '2:' skips the first two epochs, ':5' keeps five, '-3:' the\n"
	"                      last three (default: all committed epochs)\n"
	"  --relatedness LIST  comma-separated estimators: predictions-epochwise,\n"
	"                      predictions, datamap, datamap-stg, labels, and the gradient\n"
	"                      affinities recorded by 'train --affinity': tag, cosine,\n"
	"                      heads; the first one is recommended\n"
	"                      (default predictions-epochwise; datamap when the run\n"
	"                      stores no labels or only summaries)\n"
	"  --cluster LIST      comma-separated methods: spectral-average (default),\n"
	"                      agglomerative-average, agglomerative-complete,\n"
	"                      agglomerative-ward, kmeans, fuzzy-stg, fuzzy, spectral;\n"
	"                      the first one is recommended\n"
	"  --k K|auto          number of groups (default auto: the largest silhouette)\n"
	"  --k-max N           largest k tried by --k auto (default min(T-1, max(10,\n"
	"                      min(T/3, 4 sqrt(T)))), at most 50 for kmeans, fuzzy and\n"
	"                      the spectral methods); long ranges are searched coarse\n"
	"                      to fine\n"
	"  --bootstrap B       resamples of the samples for stability (default 10 up to\n"
	"                      200 tasks, else 0: none)\n"
	"  --restarts N        k-means++ restarts (default 10)\n"
	"  --fuzzifier M       fuzzy c-means exponent m > 1 (default 1.07, as STG-MTL)\n"
	"  --seed S            random seed (default 1)\n"
	"  --datamap-points N  at most N per-sample data-map points stored (default 50000)\n"
	"  --db PATH           results database (default ./taskmap.db)\n";

enum { OPT_EPOCHS = 1, OPT_RELATEDNESS, OPT_CLUSTER, OPT_K, OPT_K_MAX, OPT_BOOTSTRAP,
       OPT_RESTARTS, OPT_FUZZIFIER, OPT_SEED, OPT_POINTS };

/* parse_epochs - "FROM:TO" with either side optional; TO <= 0 counts from the end. */
static int parse_epochs(const struct cli_context *context, const char *text,
			struct tm_analyze_options *o)
{
	const char *colon = strchr(text, ':');
	char from[32] = "", to[32] = "";
	long value;
	int code;

	if (!colon || (size_t)(colon - text) >= sizeof(from) || strlen(colon + 1) >= sizeof(to))
		return cli_usage_error(context, "--epochs must look like FROM:TO, e.g. 2:10 or 2:");
	memcpy(from, text, (size_t)(colon - text));
	strcpy(to, colon + 1);
	o->epoch_from = 0;
	o->epoch_to = 0;
	if (from[0]) {
		if ((code = cli_parse_long(context, "--epochs", from, -1000000, 1000000, &value)) != 0)
			return code;
		o->epoch_from = value;
	}
	if (to[0]) {
		if ((code = cli_parse_long(context, "--epochs", to, -1000000, 1000000, &value)) != 0)
			return code;
		if (value == 0)
			return cli_usage_error(context, "--epochs %s: the window is empty", text);
		o->epoch_to = value;
	}
	return 0;
}

/* parse_list - comma-separated names through @parse into @out (no repeats). */
static int parse_list(const struct cli_context *context, const char *option, const char *text,
		      int (*parse)(const char *name, int *value), int *out, size_t max,
		      size_t *n)
{
	char *copy = strdup(text), *save = NULL, *name;
	int code = 0;

	*n = 0;
	if (!copy)
		return EXIT_RUNTIME;
	for (name = strtok_r(copy, ",", &save); name && !code; name = strtok_r(NULL, ",", &save)) {
		int value, repeated = 0;

		if (parse(name, &value) < 0) {
			code = cli_usage_error(context, "%s: unknown name '%s'", option, name);
			break;
		}
		for (size_t i = 0; i < *n; i++)
			repeated |= out[i] == value;
		if (!repeated && *n < max)
			out[(*n)++] = value;
	}
	if (!code && *n == 0)
		code = cli_usage_error(context, "%s needs at least one name", option);
	free(copy);
	return code;
}

static int parse_estimator(const char *name, int *value)
{
	enum tm_estimator e;
	int rc = tm_estimator_parse(name, &e);

	*value = (int)e;
	return rc;
}

static int parse_method(const char *name, int *value)
{
	enum tm_method m;
	int rc = tm_method_parse(name, &m);

	*value = (int)m;
	return rc;
}

static int parse_lists(const struct cli_context *context, int option, const char *text,
		       struct tm_analyze_options *o)
{
	int values[TM_METHOD_COUNT + TM_ESTIMATOR_COUNT];
	size_t n;
	int code;

	if (option == OPT_RELATEDNESS) {
		code = parse_list(context, "--relatedness", text, parse_estimator, values,
				  TM_ESTIMATOR_COUNT, &n);
		for (size_t i = 0; !code && i < n; i++)
			o->estimators[i] = (enum tm_estimator)values[i];
		o->n_estimators = code ? o->n_estimators : n;
		o->skip_unavailable = 0;
		o->first_available_only = 0;
	} else {
		code = parse_list(context, "--cluster", text, parse_method, values, TM_METHOD_COUNT, &n);
		for (size_t i = 0; !code && i < n; i++)
			o->methods[i] = (enum tm_method)values[i];
		o->n_methods = code ? o->n_methods : n;
	}
	return code;
}

static int parse_option(const struct cli_context *context, int option, const char *text,
			struct tm_analyze_options *o)
{
	long value;
	uint64_t seed;
	int code = 0;

	switch (option) {
	case OPT_EPOCHS:
		return parse_epochs(context, text, o);
	case OPT_RELATEDNESS:
	case OPT_CLUSTER:
		return parse_lists(context, option, text, o);
	case OPT_K:
		if (strcmp(text, "auto") == 0) {
			o->k = 0;
			return 0;
		}
		code = cli_parse_long(context, "--k", text, 1, 1000000, &value);
		o->k = code ? o->k : (size_t)value;
		return code;
	case OPT_K_MAX:
		code = cli_parse_long(context, "--k-max", text, 2, 1000000, &value);
		o->k_max = code ? o->k_max : (size_t)value;
		return code;
	case OPT_BOOTSTRAP:
		code = cli_parse_long(context, "--bootstrap", text, 0, 100000, &value);
		o->bootstrap = code ? o->bootstrap : (size_t)value;
		return code;
	case OPT_RESTARTS:
		code = cli_parse_long(context, "--restarts", text, 1, 100000, &value);
		o->restarts = code ? o->restarts : (size_t)value;
		return code;
	case OPT_FUZZIFIER:
		code = cli_parse_double(context, "--fuzzifier", text, 1.0000001, 100, &o->fuzzifier);
		return code;
	case OPT_SEED:
		code = cli_parse_u64(context, "--seed", text, &seed);
		o->seed = code ? o->seed : seed;
		return code;
	case OPT_POINTS:
		code = cli_parse_long(context, "--datamap-points", text, 0, 1000000000, &value);
		o->max_datamap_points = code ? o->max_datamap_points : (size_t)value;
		return code;
	default:
		return cli_usage_error(context, "unknown option");
	}
}

static void format_number(char *text, size_t size, double value, const char *format)
{
	if (value != value)
		snprintf(text, size, "-");
	else
		snprintf(text, size, format, value);
}

static int print_summary(const struct tm_analyze_result *result, const char *run)
{
	static const char *const names[] = { "relatedness", "cluster", "k", "k_by", "silhouette",
					     "stability", "flags" };
	static const int numeric[] = { 0, 0, 1, 0, 1, 1, 0 };
	struct output_table *table = output_table_create(7, names);

	if (!table)
		return EXIT_RUNTIME;
	for (size_t i = 0; i < result->n_rows; i++) {
		const struct tm_analyze_result_row *row = &result->rows[i];
		char k[24], silhouette[32], stability[32], flags[48];
		const char *values[7];

		snprintf(k, sizeof(k), "%zu", row->k);
		format_number(silhouette, sizeof(silhouette), row->silhouette, "%.3f");
		format_number(stability, sizeof(stability), row->stability, "%.3f");
		snprintf(flags, sizeof(flags), "%s%s%s", row->recommended ? "recommended" : "",
			 row->recommended && row->unstable ? "," : "", row->unstable ? "unstable" : "");
		values[0] = tm_estimator_name(row->estimator);
		values[1] = tm_method_name(row->method);
		values[2] = k;
		values[3] = row->k_criterion;
		values[4] = silhouette;
		values[5] = stability;
		values[6] = flags;
		if (output_table_add_row(table, values, numeric) < 0) {
			output_table_destroy(table);
			return EXIT_RUNTIME;
		}
	}
	output_table_print(table, OUTPUT_TABLE);
	output_table_destroy(table);
	printf("analysis %lld of run %s: %zu tasks (see `taskmap recommend --analysis %lld`)\n",
	       (long long)result->analysis_id, run, result->n_tasks, (long long)result->analysis_id);
	return EXIT_OK;
}

int cmd_analyze(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "epochs", required_argument, NULL, OPT_EPOCHS },
		{ "relatedness", required_argument, NULL, OPT_RELATEDNESS },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "k", required_argument, NULL, OPT_K },
		{ "k-max", required_argument, NULL, OPT_K_MAX },
		{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
		{ "restarts", required_argument, NULL, OPT_RESTARTS },
		{ "fuzzifier", required_argument, NULL, OPT_FUZZIFIER },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "datamap-points", required_argument, NULL, OPT_POINTS },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tm_analyze_options o;
	struct tm_analyze_result result = { 0 };
	struct tm_progress progress;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	int option, code = -1;
	int64_t run_id = 0;
	char run[32];

	tm_analyze_defaults(&o);
	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == '?')
			return cli_usage_error(context, "unknown option");
		if ((code = parse_option(context, option, optarg, &o)) != 0)
			return code;
		code = -1;
	}
	if (code >= 0)
		return code;
	if (argc - optind > 1)
		return cli_usage_error(context, "expected at most one RUN, got %d arguments",
				       argc - optind);
	if ((code = cli_open_store(context, 0, &store)) != EXIT_OK)
		return code;
	cli_progress_init(&progress, context);
	o.progress = &progress;
	if (tm_store_run_id(store, optind < argc ? argv[optind] : NULL, &run_id, &err) < 0 ||
	    tm_analyze(store, run_id, &o, &result, &err) < 0) {
		code = cli_fail(&err);
	} else {
		snprintf(run, sizeof(run), "%lld", (long long)run_id);
		code = print_summary(&result, optind < argc ? argv[optind] : run);
	}
	tm_analyze_result_release(&result);
	tm_store_close(store);
	return cli_finish_stdout(code);
}
