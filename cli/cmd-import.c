/*
 * cmd-import.c - `taskmap import`: training dynamics recorded by another
 * program (CSV, NumPy .npy, dataset cartography's JSON lines) into a new
 * run that every analysis and report reads like a trained one
 * (trainer/import.h; the formats in docs/import.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "import.h"

const char cmd_import_usage[] =
	"Usage: taskmap import --format csv FILE [--run NAME]\n"
	"       taskmap import --format npy --probabilities P.npy [--labels Y.npy]\n"
	"                      [--task-names FILE] [--sample-names FILE] [--run NAME]\n"
	"       taskmap import --format npy --logits Z.npy --labels Y.npy [...]\n"
	"       taskmap import --format cartography DIR [--task-names FILE] [--run NAME]\n"
	"\n"
	"Create a run from training dynamics recorded elsewhere (your own PyTorch or\n"
	"JAX loop): the probability of the gold label of every (sample, task) pair at\n"
	"every epoch. Then `taskmap analyze`, `recommend` and `report` work on it.\n"
	"The whole import is one transaction: invalid input (exit 3) writes nothing.\n"
	"Prints the run's name on stdout. Formats in detail: docs/import.md.\n"
	"\n"
	"  --format csv          long format with a header: sample,task,epoch,p\n"
	"                        (optionally ,label) or sample,task,epoch,logit,label;\n"
	"                        rows grouped by epoch; the first epoch's rows fix the\n"
	"                        samples and tasks (in order of first appearance)\n"
	"  --format npy          NumPy arrays shaped (epochs, samples, tasks):\n"
	"  --probabilities P.npy   gold-label probabilities (float32/64, NaN = missing)\n"
	"  --logits Z.npy          sigmoid logits (needs --labels)\n"
	"  --labels Y.npy          (samples, tasks) gold labels 0/1, NaN or -1 = missing\n"
	"  --task-names FILE       one task name per line (default task_0, task_1, ...)\n"
	"  --sample-names FILE     one sample name per line (default: positions)\n"
	"  --format cartography  DIR/dynamics_epoch_E.jsonl of dataset cartography\n"
	"                        (one-vs-rest tasks per class), or one subdirectory of\n"
	"                        such files per binary task\n"
	"  --run NAME            name of the run (default run-<id>)\n"
	"  --min-labelled N      tasks with fewer labelled samples are marked excluded\n"
	"                        from analysis (default 10)\n"
	"  --db PATH             results database (default ./taskmap.db)\n"
	"  -q, --quiet           no progress on stderr\n";

enum { OPT_FORMAT = 1, OPT_RUN, OPT_PROBABILITIES, OPT_LOGITS, OPT_LABELS, OPT_TASK_NAMES,
       OPT_SAMPLE_NAMES, OPT_MIN_LABELLED };

static int parse_option(const struct cli_context *context, int option, const char *text,
			struct tm_import_options *o)
{
	long value;
	int code;

	switch (option) {
	case OPT_FORMAT:
		if (tm_import_format_parse(text, &o->format) < 0)
			return cli_usage_error(context, "--format must be csv, npy or cartography");
		return 0;
	case OPT_RUN: o->run_name = text; return 0;
	case OPT_PROBABILITIES: o->probabilities_path = text; return 0;
	case OPT_LOGITS: o->logits_path = text; return 0;
	case OPT_LABELS: o->labels_path = text; return 0;
	case OPT_TASK_NAMES: o->task_names_path = text; return 0;
	case OPT_SAMPLE_NAMES: o->sample_names_path = text; return 0;
	case OPT_MIN_LABELLED:
		if ((code = cli_parse_long(context, "--min-labelled", text, 0, 1L << 40, &value)))
			return code;
		o->min_labelled = (size_t)value;
		return 0;
	default:
		return cli_usage_error(context, "unknown option");
	}
}

int cmd_import(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "probabilities", required_argument, NULL, OPT_PROBABILITIES },
		{ "logits", required_argument, NULL, OPT_LOGITS },
		{ "labels", required_argument, NULL, OPT_LABELS },
		{ "task-names", required_argument, NULL, OPT_TASK_NAMES },
		{ "sample-names", required_argument, NULL, OPT_SAMPLE_NAMES },
		{ "min-labelled", required_argument, NULL, OPT_MIN_LABELLED },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tm_import_options o;
	struct tm_progress progress;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	const char *problem;
	int option, code = -1, have_format = 0;
	int64_t run_id = 0;

	tm_import_defaults(&o);
	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == '?')
			return cli_usage_error(context, "unknown option");
		have_format |= option == OPT_FORMAT;
		if ((code = parse_option(context, option, optarg, &o)) != 0)
			return code;
		code = -1;
	}
	if (code >= 0)
		return code;
	if (!have_format)
		return cli_usage_error(context, "--format csv, npy or cartography is required");
	if (argc - optind > 1)
		return cli_usage_error(context, "expected at most one FILE or DIRECTORY");
	o.path = optind < argc ? argv[optind] : NULL;
	if ((problem = tm_import_check(&o)))
		return cli_usage_error(context, "%s", problem);
	if ((code = cli_open_store(context, 0, &store)) != EXIT_OK)
		return code;
	cli_progress_init(&progress, context);
	o.progress = &progress;
	if (tm_import_run(store, &o, &run_id, &err) < 0)
		code = cli_fail(&err);
	else if (o.run_name)
		printf("%s\n", o.run_name);
	else
		printf("run-%lld\n", (long long)run_id);
	tm_store_close(store);
	return cli_finish_stdout(code);
}
