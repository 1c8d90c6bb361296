/*
 * cmd-synth.c - `taskmap synth`: write a multi-label dataset with planted
 * task groups (ARFF) and its ground-truth grouping (JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dataset.h"

const char cmd_synth_usage[] =
	"Usage: taskmap synth [OPTIONS] --out FILE.arff\n"
	"\n"
	"Generate a multi-label dataset whose tasks come in planted groups, so that\n"
	"a grouping method can be checked against a known answer. Writes the data\n"
	"as ARFF and the planted grouping as JSON (the format of 'taskmap recommend\n"
	"--format json').\n"
	"\n"
	"  --out FILE           the ARFF file to write (required)\n"
	"  --truth FILE         the planted grouping (default: FILE with .truth.json)\n"
	"  --structure S        latent: tasks of a group share latent factors, so\n"
	"                       their labels co-occur (default); hierarchy: one-vs-rest\n"
	"                       tasks over fine classes under super-classes (like\n"
	"                       CIFAR-100's 100 classes under 20 superclasses)\n"
	"  --groups N           planted groups (default 4)\n"
	"  --tasks-per-group N  tasks in each group (default 4)\n"
	"  --samples N          samples (default 2000)\n"
	"  --features N         features (default 32)\n"
	"  --noise P            probability of flipping a label (default 0.05)\n"
	"  --positive-rate A:B  range of the tasks' positive rates, latent only\n"
	"                       (default 0.2:0.4)\n"
	"  --missing P          fraction of labels made missing (default 0)\n"
	"  --seed S             random seed (default 1)\n";

enum { OPT_OUT = 1, OPT_TRUTH, OPT_STRUCTURE, OPT_GROUPS, OPT_TASKS, OPT_SAMPLES,
       OPT_FEATURES, OPT_NOISE, OPT_RATE, OPT_MISSING, OPT_SEED };

struct synth_args {
	struct tm_synth_options synth;
	const char *out;
	const char *truth;
};

static int parse_rate(const struct cli_context *context, const char *text,
		      struct tm_synth_options *synth)
{
	char low[64], *colon;

	if (strlen(text) >= sizeof(low) || !(colon = strchr(text, ':')))
		return cli_usage_error(context, "--positive-rate expects MIN:MAX, e.g. 0.2:0.4");
	memcpy(low, text, (size_t)(colon - text));
	low[colon - text] = '\0';
	if (cli_parse_double(context, "--positive-rate", low, 0.001, 0.999,
			     &synth->positive_rate_min) ||
	    cli_parse_double(context, "--positive-rate", colon + 1, 0.001, 0.999,
			     &synth->positive_rate_max))
		return EXIT_USAGE;
	if (synth->positive_rate_min > synth->positive_rate_max)
		return cli_usage_error(context, "--positive-rate: MIN is above MAX");
	return 0;
}

static int parse_size(const struct cli_context *context, const char *option,
		      long min, long max, size_t *out)
{
	long value;

	if (cli_parse_long(context, option, optarg, min, max, &value))
		return EXIT_USAGE;
	*out = (size_t)value;
	return 0;
}

static int parse_option(int option, struct synth_args *args, const struct cli_context *context)
{
	struct tm_synth_options *s = &args->synth;

	switch (option) {
	case OPT_OUT: args->out = optarg; return 0;
	case OPT_TRUTH: args->truth = optarg; return 0;
	case OPT_STRUCTURE:
		if (strcmp(optarg, "latent") == 0)
			s->structure = TM_SYNTH_LATENT;
		else if (strcmp(optarg, "hierarchy") == 0)
			s->structure = TM_SYNTH_HIERARCHY;
		else
			return cli_usage_error(context, "--structure must be latent or hierarchy");
		return 0;
	case OPT_GROUPS: return parse_size(context, "--groups", 1, 10000, &s->n_groups);
	case OPT_TASKS: return parse_size(context, "--tasks-per-group", 1, 10000, &s->tasks_per_group);
	case OPT_SAMPLES: return parse_size(context, "--samples", 2, 100000000, &s->n_samples);
	case OPT_FEATURES: return parse_size(context, "--features", 1, 1000000, &s->n_features);
	case OPT_NOISE: return cli_parse_double(context, "--noise", optarg, 0, 0.5, &s->label_noise);
	case OPT_RATE: return parse_rate(context, optarg, s);
	case OPT_MISSING:
		return cli_parse_double(context, "--missing", optarg, 0, 0.95, &s->missing_fraction);
	case OPT_SEED: return cli_parse_u64(context, "--seed", optarg, &s->seed);
	}
	return cli_usage_error(context, "unknown option");
}

/* default_truth_path - FILE.arff -> FILE.truth.json (a new string). */
static char *default_truth_path(const char *out)
{
	size_t length = strlen(out);
	char *path = malloc(length + sizeof(".truth.json"));

	if (!path)
		return NULL;
	memcpy(path, out, length + 1);
	if (length > 5 && strcmp(path + length - 5, ".arff") == 0)
		path[length - 5] = '\0';
	strcat(path, ".truth.json");
	return path;
}

int cmd_synth(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "truth", required_argument, NULL, OPT_TRUTH },
		{ "structure", required_argument, NULL, OPT_STRUCTURE },
		{ "groups", required_argument, NULL, OPT_GROUPS },
		{ "tasks-per-group", required_argument, NULL, OPT_TASKS },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "features", required_argument, NULL, OPT_FEATURES },
		{ "noise", required_argument, NULL, OPT_NOISE },
		{ "positive-rate", required_argument, NULL, OPT_RATE },
		{ "missing", required_argument, NULL, OPT_MISSING },
		{ "seed", required_argument, NULL, OPT_SEED },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct synth_args args = { 0 };
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	size_t *groups = NULL;
	char *truth = NULL;
	int option, code = -1;

	tm_synth_defaults(&args.synth);
	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == '?' || parse_option(option, &args, context))
			return option == '?' ? cli_usage_error(context, "unknown option") : EXIT_USAGE;
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind]);
	if (!args.out)
		return cli_usage_error(context, "--out FILE is required");
	if (!(truth = args.truth ? strdup(args.truth) : default_truth_path(args.out))) {
		tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
		return cli_fail(&err);
	}
	/* both targets first, so a refused truth file leaves no ARFF behind */
	if (tm_check_replaceable(args.out, &err) < 0 || tm_check_replaceable(truth, &err) < 0 ||
	    tm_synth_generate(&dataset, &groups, &args.synth, &err) < 0 ||
	    tm_dataset_write_arff(dataset, args.out, &err) < 0 ||
	    tm_synth_write_truth(dataset, groups, args.synth.n_groups, truth, &err) < 0) {
		code = cli_fail(&err);
	} else {
		code = EXIT_OK;
		printf("wrote %s (%zu samples, %zu features, %zu tasks in %zu planted groups)\n"
		       "wrote %s (the planted grouping)\n", args.out, dataset->n_samples,
		       dataset->n_features, dataset->n_tasks, args.synth.n_groups, truth);
	}
	tm_dataset_destroy(dataset);
	free(groups);
	free(truth);
	return code;
}
