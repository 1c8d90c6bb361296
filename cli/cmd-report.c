/*
 * cmd-report.c - `taskmap report`: write a run's report (index.html,
 * report.md and gnuplot plots) into a directory, and say where it is and
 * what, if anything, could not be drawn.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "reports.h"

const char cmd_report_usage[] =
	"Usage: taskmap report --out DIR [--run RUN] [--analysis ID] [--task NAME]\n"
	"                      [--png] [--require-plots] [--db PATH]\n"
	"\n"
	"Write a report of RUN (a run name or id; default: the latest run) and its\n"
	"analysis into DIR: index.html (one self-contained page), report.md (the same\n"
	"for terminals and pull requests) and the plots: data maps, task relatedness,\n"
	"dendrogram, a 2-D map of the tasks, group memberships, the choice of k,\n"
	"training curves and, when there are evaluations, the comparison of groupings.\n"
	"Each plot's data (.dat) and gnuplot script (.gp) are kept beside it.\n"
	"\n"
	"Plots are drawn by gnuplot, found on PATH (or the program named by the\n"
	"TASKMAP_GNUPLOT environment variable). Without gnuplot the report is still\n"
	"written, with its tables and a notice of what is missing.\n"
	"\n"
	"  --out DIR         the report directory (created if needed; required)\n"
	"  --run RUN         the run to report (default: the latest)\n"
	"  --analysis ID     the analysis to report (default: the run's newest)\n"
	"  --task NAME       also draw this task's data map and curves full-size\n"
	"  --png             also draw every plot as PNG\n"
	"  --require-plots   exit 1 when a plot cannot be drawn (e.g. no gnuplot)\n"
	"  --db PATH         results database (default ./taskmap.db)\n";

enum { OPT_OUT = 1, OPT_RUN, OPT_ANALYSIS, OPT_TASK, OPT_PNG, OPT_REQUIRE };

struct report_args {
	struct tm_report_options options;
	int require_plots;
};

static int parse_report_option(int option, struct report_args *args,
			       struct cli_context *context)
{
	long id;

	switch (option) {
	case OPT_OUT: args->options.out_dir = optarg; return 0;
	case OPT_RUN: args->options.run = optarg; return 0;
	case OPT_TASK: args->options.task = optarg; return 0;
	case OPT_PNG: args->options.flags |= TM_REPORT_PNG; return 0;
	case OPT_REQUIRE: args->require_plots = 1; return 0;
	case OPT_ANALYSIS:
		if (cli_parse_long(context, "--analysis", optarg, 1, LONG_MAX, &id))
			return EXIT_USAGE;
		args->options.analysis_id = id;
		return 0;
	}
	return cli_usage_error(context, "unknown option");
}

/* print_outcome - where the report is, and what is missing from it. */
static int print_outcome(const struct report_args *args, const struct tm_report_outcome *outcome,
			 const struct cli_context *context)
{
	printf("%s/index.html\n", args->options.out_dir);
	if (outcome->notice[0])
		fprintf(stderr, "taskmap: %s: %s\n", args->require_plots ? "error" : "warning",
			outcome->notice);
	else
		cli_note(context, "%zu plots drawn; report in %s", outcome->plots_drawn,
			 args->options.out_dir);
	if (args->require_plots && outcome->plots_drawn < outcome->plots_planned)
		return EXIT_RUNTIME;
	return EXIT_OK;
}

int cmd_report(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "analysis", required_argument, NULL, OPT_ANALYSIS },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "png", no_argument, NULL, OPT_PNG },
		{ "require-plots", no_argument, NULL, OPT_REQUIRE },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct report_args args = { .options = { .gnuplot = getenv("TASKMAP_GNUPLOT") } };
	struct tm_report_outcome outcome = { 0 };
	struct tm_progress progress;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	int option, code = -1;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (parse_report_option(option, &args, context))
			return EXIT_USAGE;
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind]);
	if (!args.options.out_dir || !*args.options.out_dir)
		return cli_usage_error(context, "--out DIR is required");
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	cli_progress_init(&progress, context);
	if (tm_report_write(store, &args.options, &outcome, &progress, &err) < 0)
		code = cli_fail(&err);
	else
		code = print_outcome(&args, &outcome, context);
	tm_store_close(store);
	return cli_finish_stdout(code);
}
