/*
 * cmd-runs.c - `taskmap runs`: one line per run in the database.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

const char cmd_runs_usage[] =
	"Usage: taskmap runs [--format table|csv|json] [--db PATH]\n"
	"\n"
	"List the runs in the database, oldest first: id, name, dataset, kind\n"
	"(train, import, evaluate), status (running, done, failed, interrupted),\n"
	"committed/planned epochs, tasks and start time.\n"
	"\n"
	"  --format F   table (default), csv or json\n"
	"  --db PATH    results database (default ./taskmap.db)\n";

static int add_run_row(void *context, const struct tm_run_record *run)
{
	char id[24], epochs[48], tasks[24];
	const char *values[8];
	static const int numeric[8] = { 1, 0, 0, 0, 0, 0, 1, 0 };

	snprintf(id, sizeof(id), "%lld", (long long)run->id);
	snprintf(epochs, sizeof(epochs), "%lld/%lld", (long long)run->epochs_done,
		 (long long)run->n_epochs);
	snprintf(tasks, sizeof(tasks), "%lld", (long long)run->n_tasks);
	values[0] = id;
	values[1] = run->name;
	values[2] = run->dataset_name ? run->dataset_name : "-";
	values[3] = run->kind;
	values[4] = run->status;
	values[5] = epochs;
	values[6] = tasks;
	values[7] = run->started_at;
	return output_table_add_row(context, values, numeric) < 0 ? TM_ERR_NOMEM : 0;
}

int cmd_runs(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "id", "name", "dataset", "kind", "status",
					     "epochs", "tasks", "started" };
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	struct output_table *table = NULL;
	int format = OUTPUT_TABLE, option, code = -1;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == 'f' && (format = output_parse_format(optarg)) >= 0)
			continue;
		if (option == 'f')
			return cli_usage_error(context, "--format must be table, csv or json");
		return cli_usage_error(context, "unknown option");
	}
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind]);
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	if (!(table = output_table_create(8, names))) {
		tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
		code = cli_fail(&err);
	} else if (tm_store_list_runs(store, add_run_row, table, &err) < 0) {
		code = cli_fail(&err);
	} else {
		output_table_print(table, format);
	}
	output_table_destroy(table);
	tm_store_close(store);
	return code;
}
