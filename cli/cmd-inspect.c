/*
 * cmd-inspect.c - `taskmap inspect DATA`: what a dataset holds before any
 * training: shape, sparsity, memory, per-task label counts, co-occurring task
 * pairs, missing values, and which tasks cannot be analysed and why.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "dataset-options.h"

const char cmd_inspect_usage[] =
	"Usage: taskmap inspect DATA [--json] [--pairs N] [dataset options]\n"
	"\n"
	"Describe a multi-label dataset: shape, sparsity, memory, each task's\n"
	"positive rate and labelled count, label cardinality, the task pairs whose\n"
	"positives co-occur most, missing values, and tasks that cannot be\n"
	"analysed (no positive or no negative sample, too few labels) with why.\n"
	"Counts are over all samples of DATA (and --test FILE when given).\n"
	"\n"
	"  --json        print one JSON object instead of tables\n"
	"  --pairs N     co-occurring pairs to list (default 10)\n"
	"\n" CLI_DATASET_OPTIONS_HELP;

enum { OPT_JSON = 1, OPT_PAIRS };

static void print_tables(const struct tm_dataset *d, const struct tm_dataset_profile *p)
{
	printf("dataset            %s (%s)\n", d->name ? d->name : "-", d->format ? d->format : "-");
	printf("samples            %zu\n", d->n_samples);
	printf("features           %zu (%s, %.1f%% zeros)\n", d->n_features,
	       d->x.is_sparse ? "sparse" : "dense", 100 * p->zero_fraction);
	printf("tasks              %zu (%zu excluded)\n", d->n_tasks, p->n_excluded);
	printf("memory             %.1f MB\n", p->memory_bytes / 1e6);
	printf("label cardinality  %.3f\n", p->label_cardinality);
	printf("missing            %zu labels, %zu feature values\n\n", p->n_missing_labels,
	       d->n_missing_features);
	printf("%5s  %-24s %9s %9s %7s  %s\n", "index", "task", "positives", "labelled", "rate",
	       "excluded");
	for (size_t t = 0; t < d->n_tasks; t++) {
		const struct tm_task_check *c = &p->tasks[t];

		printf("%5zu  %-24s %9zu %9zu %7.3f  %s\n", t, d->task_names[t], c->positives,
		       c->labelled, c->labelled ? (double)c->positives / (double)c->labelled : 0.0,
		       c->excluded ? c->excluded : "");
	}
	if (p->n_top_pairs) {
		printf("\nmost co-occurring task pairs\n%-24s %-24s %9s %8s\n", "task", "task",
		       "both", "jaccard");
		for (size_t i = 0; i < p->n_top_pairs; i++) {
			const struct tm_task_pair *pair = &p->top_pairs[i];

			printf("%-24s %-24s %9zu %8.3f\n", d->task_names[pair->task_a],
			       d->task_names[pair->task_b], pair->both_positive, pair->jaccard);
		}
	}
}

static json_t *tasks_json(const struct tm_dataset *d, const struct tm_dataset_profile *p)
{
	json_t *tasks = json_array();

	for (size_t t = 0; t < d->n_tasks; t++) {
		const struct tm_task_check *c = &p->tasks[t];

		json_array_append_new(tasks, json_pack("{s:I, s:s, s:I, s:I, s:f, s:s?}",
			"index", (json_int_t)t, "name", d->task_names[t],
			"positives", (json_int_t)c->positives, "labelled", (json_int_t)c->labelled,
			"positive_rate", c->labelled ? (double)c->positives / (double)c->labelled : 0.0,
			"excluded", c->excluded));
	}
	return tasks;
}

static void print_json(const struct tm_dataset *d, const struct tm_dataset_profile *p)
{
	json_t *pairs = json_array(), *root;
	char *text;

	for (size_t i = 0; i < p->n_top_pairs; i++)
		json_array_append_new(pairs, json_pack("{s:s, s:s, s:I, s:f}",
			"task_a", d->task_names[p->top_pairs[i].task_a],
			"task_b", d->task_names[p->top_pairs[i].task_b],
			"both_positive", (json_int_t)p->top_pairs[i].both_positive,
			"jaccard", p->top_pairs[i].jaccard));
	root = json_pack("{s:s?, s:s?, s:s?, s:I, s:I, s:I, s:b, s:f, s:I, s:f, s:I, s:I, s:I, s:o, s:o}",
		"name", d->name, "source_path", d->source_path, "format", d->format,
		"samples", (json_int_t)d->n_samples, "features", (json_int_t)d->n_features,
		"tasks", (json_int_t)d->n_tasks, "sparse", d->x.is_sparse,
		"zero_fraction", p->zero_fraction, "memory_bytes", (json_int_t)p->memory_bytes,
		"label_cardinality", p->label_cardinality,
		"missing_labels", (json_int_t)p->n_missing_labels,
		"missing_feature_values", (json_int_t)d->n_missing_features,
		"excluded_tasks", (json_int_t)p->n_excluded,
		"task_list", tasks_json(d, p), "top_pairs", pairs);
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(root);
}

int cmd_inspect(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pairs", required_argument, NULL, OPT_PAIRS },
		CLI_DATASET_LONG_OPTIONS,
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_dataset_options data = { 0 };
	struct tm_dataset_profile profile;
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	int option, code = -1, json = 0;
	long pairs = 10;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code) ||
		    cli_dataset_option(option, &data, context, &code))
			continue;
		if (option == OPT_JSON)
			json = 1;
		else if (option != OPT_PAIRS || cli_parse_long(context, "--pairs", optarg, 0, 100000, &pairs))
			return option == OPT_PAIRS ? EXIT_USAGE : cli_usage_error(context, "unknown option");
	}
	if (code >= 0)
		return code;
	if (argc - optind != 1)
		return cli_usage_error(context, "expected one DATA file");
	if ((code = cli_load_dataset(context, &data, argv[optind], &dataset, NULL)) != EXIT_OK)
		return code;
	if (tm_dataset_profile(dataset, (size_t)pairs, &profile, &err) < 0) {
		code = cli_fail(&err);
	} else {
		if (json)
			print_json(dataset, &profile);
		else
			print_tables(dataset, &profile);
		tm_dataset_profile_release(&profile);
	}
	tm_dataset_destroy(dataset);
	return code;
}
