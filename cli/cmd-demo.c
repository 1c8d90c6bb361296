/*
 * cmd-demo.c - `taskmap demo`: the whole path on data with a known answer.
 * Generates planted-group data (synth), trains, analyzes, writes the report,
 * and says how well the planted groups were recovered (adjusted Rand index).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyzers.h"
#include "cli.h"
#include "commands.h"
#include "dataset.h"
#include "reports.h"
#include "trainer.h"

const char cmd_demo_usage[] =
	"Usage: taskmap demo [--out DIR] [--structure latent|hierarchy] [--seed S]\n"
	"\n"
	"Run taskmap end to end on generated data whose task groups are known:\n"
	"generate a dataset with planted groups (taskmap synth), train the\n"
	"lightweight model while recording data maps (taskmap train), find the\n"
	"related tasks and group them (taskmap analyze), write the report\n"
	"(taskmap report), and print how well the planted groups were recovered.\n"
	"\n"
	"Everything goes into DIR: data.arff, data.truth.json, taskmap.db (the\n"
	"results database; --db is ignored) and report/index.html.\n"
	"\n"
	"  --out DIR          where to write (default ./taskmap-demo)\n"
	"  --structure S      latent (tasks share latent factors, default) or\n"
	"                     hierarchy (one-vs-rest tasks under super-classes)\n"
	"  --groups N         planted groups (default 4)\n"
	"  --tasks-per-group N  tasks per group (default 4)\n"
	"  --seed S           random seed for data, training and analysis (default 1)\n";

enum { OPT_OUT = 1, OPT_STRUCTURE, OPT_SEED, OPT_GROUPS, OPT_TASKS };

struct demo {
	const char *out;
	struct tm_synth_options synth;
	char *data_path, *truth_path, *db_path, *report_dir;
	struct tm_dataset *dataset;
	size_t *planted;
	struct tm_store *store;
	int64_t run_id;
	double ari;
	size_t k_found;
};

static char *join(const char *dir, const char *name)
{
	size_t length = strlen(dir) + strlen(name) + 2;
	char *path = malloc(length);

	if (path)
		snprintf(path, length, "%s/%s", dir, name);
	return path;
}

static int parse_options(int argc, char **argv, struct cli_context *context, struct demo *demo)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "structure", required_argument, NULL, OPT_STRUCTURE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "groups", required_argument, NULL, OPT_GROUPS },
		{ "tasks-per-group", required_argument, NULL, OPT_TASKS },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int option, code = -1;
	long value;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		switch (option) {
		case OPT_OUT: demo->out = optarg; break;
		case OPT_STRUCTURE:
			if (strcmp(optarg, "latent") && strcmp(optarg, "hierarchy"))
				return cli_usage_error(context, "--structure must be latent or hierarchy");
			demo->synth.structure = strcmp(optarg, "latent") ? TM_SYNTH_HIERARCHY : TM_SYNTH_LATENT;
			break;
		case OPT_SEED:
			if (cli_parse_u64(context, "--seed", optarg, &demo->synth.seed))
				return EXIT_USAGE;
			break;
		case OPT_GROUPS:
		case OPT_TASKS:
			if (cli_parse_long(context, option == OPT_GROUPS ? "--groups" : "--tasks-per-group",
					   optarg, option == OPT_GROUPS ? 2 : 1, 50, &value))
				return EXIT_USAGE;
			*(option == OPT_GROUPS ? &demo->synth.n_groups : &demo->synth.tasks_per_group) = (size_t)value;
			break;
		default:
			return cli_usage_error(context, "unknown option");
		}
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int make_paths(struct demo *demo, struct tm_error *err)
{
	if (mkdir(demo->out, 0777) != 0 && errno != EEXIST)
		return tm_error_set(err, TM_ERR_IO, "cannot create '%s': %s", demo->out, strerror(errno));
	demo->data_path = join(demo->out, "data.arff");
	demo->truth_path = join(demo->out, "data.truth.json");
	demo->db_path = join(demo->out, "taskmap.db");
	demo->report_dir = join(demo->out, "report");
	if (!demo->data_path || !demo->truth_path || !demo->db_path || !demo->report_dir)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	return 0;
}

static int generate(struct demo *demo, struct tm_error *err)
{
	int rc;

	if ((rc = tm_synth_generate(&demo->dataset, &demo->planted, &demo->synth, err)) < 0 ||
	    (rc = tm_dataset_write_arff(demo->dataset, demo->data_path, err)) < 0 ||
	    (rc = tm_synth_write_truth(demo->dataset, demo->planted, demo->synth.n_groups,
				       demo->truth_path, err)) < 0)
		return rc;
	free(demo->dataset->source_path);
	demo->dataset->source_path = strdup(demo->data_path);
	return 0;
}

/* train - the demo's training recipe: a few epochs with a brisk learning rate. */
static int train(struct demo *demo, const struct tm_progress *progress, struct tm_error *err)
{
	struct tm_trainer_config config;
	struct tm_split split = { 0 };
	int rc;

	tm_trainer_config_defaults(&config);
	config.seed = demo->synth.seed;
	config.learning_rate = 0.01;
	config.n_epochs = 10;
	config.source.data_path = demo->data_path;
	if ((rc = tm_split_random(&split, demo->dataset->n_samples, config.source.valid_fraction,
				  config.source.test_fraction, config.seed, err)) < 0)
		return rc;
	tm_dataset_impute(demo->dataset, split.train, split.n_train);
	rc = tm_train_run(demo->store, demo->dataset, &split, &config, progress, &demo->run_id, err);
	tm_split_release(&split);
	return rc;
}

static int analyze(struct demo *demo, const struct tm_progress *progress, struct tm_error *err)
{
	struct tm_analyze_options options;

	tm_analyze_defaults(&options);
	options.seed = demo->synth.seed;
	options.progress = progress;
	return tm_analyze(demo->store, demo->run_id, &options, NULL, err);
}

/* score - ARI of the recommended grouping against the planted groups. */
static int score(struct demo *demo, struct tm_error *err)
{
	struct tm_recommendation *recommendation = NULL;
	size_t *planted = NULL;
	int rc;

	if ((rc = tm_recommendation_read(demo->store, demo->run_id, 0, &recommendation, err)) < 0)
		return rc;
	if (!(planted = malloc(recommendation->n_tasks * sizeof(*planted)))) {
		tm_recommendation_free(recommendation);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < recommendation->n_tasks; i++)
		planted[i] = demo->planted[recommendation->task_index[i]];
	demo->ari = tm_adjusted_rand_index(recommendation->assignment, planted,
					   recommendation->n_tasks);
	demo->k_found = recommendation->k;
	free(planted);
	tm_recommendation_free(recommendation);
	return 0;
}

static int write_report(struct demo *demo, const struct tm_progress *progress,
			struct tm_report_outcome *outcome, struct tm_error *err)
{
	struct tm_report_options options = { .out_dir = demo->report_dir };
	char run[32];

	snprintf(run, sizeof(run), "%lld", (long long)demo->run_id);
	options.run = run;
	return tm_report_write(demo->store, &options, outcome, progress, err);
}

static void print_summary(const struct demo *demo, const struct tm_report_outcome *outcome,
			  double seconds)
{
	printf("taskmap demo: %zu tasks in %zu planted groups, %zu samples\n",
	       demo->dataset->n_tasks, demo->synth.n_groups, demo->dataset->n_samples);
	printf("  recommended grouping: %zu groups, adjusted Rand index against the planted groups %.3f\n"
	       "  (1 = the planted groups exactly, 0 = no better than chance)\n",
	       demo->k_found, demo->ari);
	printf("  report:   %s/index.html%s\n", demo->report_dir,
	       outcome->gnuplot_found ? "" : " (without plots: gnuplot is not installed)");
	printf("  database: %s\n", demo->db_path);
	printf("  time:     %.1f s\n\n", seconds);
	printf("Next: taskmap --db %s recommend\n"
	       "      taskmap --db %s query \"SELECT name, status FROM runs\"\n",
	       demo->db_path, demo->db_path);
}

static void release(struct demo *demo)
{
	tm_store_close(demo->store);
	tm_dataset_destroy(demo->dataset);
	free(demo->planted);
	free(demo->data_path);
	free(demo->truth_path);
	free(demo->db_path);
	free(demo->report_dir);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int cmd_demo(int argc, char **argv, struct cli_context *context)
{
	struct demo demo = { .out = "taskmap-demo" };
	struct tm_report_outcome outcome = { 0 };
	struct tm_progress progress;
	struct tm_error err = { 0 };
	double started = now();
	int code;

	tm_synth_defaults(&demo.synth);
	if ((code = parse_options(argc, argv, context, &demo)) >= 0)
		return code;
	cli_progress_init(&progress, context);
	if (make_paths(&demo, &err) < 0 || generate(&demo, &err) < 0 ||
	    tm_store_open(&demo.store, demo.db_path, 0, &err) < 0 ||
	    train(&demo, &progress, &err) < 0 || analyze(&demo, &progress, &err) < 0 ||
	    write_report(&demo, &progress, &outcome, &err) < 0 || score(&demo, &err) < 0) {
		code = cli_fail(&err);
	} else {
		print_summary(&demo, &outcome, now() - started);
		code = EXIT_OK;
	}
	release(&demo);
	return code;
}
