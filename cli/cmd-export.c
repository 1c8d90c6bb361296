/*
 * cmd-export.c - `taskmap export [RUN] --format npy|csv --out DIR`: a run's
 * recorded dynamics as NumPy arrays or a long CSV, in exactly the forms
 * `taskmap import` reads (trainer/import.h), for pandas/NumPy or to move a
 * run between databases.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "import.h"

const char cmd_export_usage[] =
	"Usage: taskmap export [RUN] --out DIR [--format npy|csv] [--db PATH]\n"
	"\n"
	"Write the recorded dynamics of RUN (a run name or id; default: the latest\n"
	"run) into DIR (created if needed), in the forms `taskmap import` reads:\n"
	"\n"
	"  --format npy  DIR/probabilities.npy (epochs, samples, tasks) float32 with\n"
	"                NaN for missing labels, DIR/labels.npy (samples, tasks) int8\n"
	"                with -1 for missing (when the run has labels),\n"
	"                DIR/task-names.txt and DIR/sample-names.txt (default)\n"
	"  --format csv  DIR/dynamics.csv: sample,task,epoch,p[,label]\n"
	"  --out DIR     where to write\n"
	"  --db PATH     results database (default ./taskmap.db)\n";

enum { OPT_FORMAT = 1, OPT_OUT };

int cmd_export(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	enum tm_import_format format = TM_IMPORT_NPY;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	const char *out = NULL;
	int option, code = -1;
	int64_t run_id = 0;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == OPT_OUT)
			out = optarg;
		else if (option != OPT_FORMAT || tm_import_format_parse(optarg, &format) < 0 ||
			 format == TM_IMPORT_CARTOGRAPHY)
			return cli_usage_error(context, option == OPT_FORMAT
					       ? "--format must be npy or csv" : "unknown option");
	}
	if (code >= 0)
		return code;
	if (!out)
		return cli_usage_error(context, "--out DIR is required");
	if (argc - optind > 1)
		return cli_usage_error(context, "expected at most one RUN");
	if (mkdir(out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "taskmap: cannot create '%s': %s\n", out, strerror(errno));
		return EXIT_RUNTIME;
	}
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	if (tm_store_run_id(store, optind < argc ? argv[optind] : NULL, &run_id, &err) < 0 ||
	    tm_export_run(store, run_id, format, out, &err) < 0)
		code = cli_fail(&err);
	tm_store_close(store);
	return code;
}
