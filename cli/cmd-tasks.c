/*
 * cmd-tasks.c - `taskmap tasks [RUN]`: the tasks of a run with their label
 * counts and, for excluded tasks, why.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

const char cmd_tasks_usage[] =
	"Usage: taskmap tasks [RUN] [--format table|csv|json] [--db PATH]\n"
	"\n"
	"List the tasks of RUN (a run name or id; default: the latest run): index,\n"
	"name, positive and labelled training samples, and why a task is excluded\n"
	"from analysis when it is.\n"
	"\n"
	"  --format F   table (default), csv or json\n"
	"  --db PATH    results database (default ./taskmap.db)\n";

static int add_task_row(void *context, const struct tm_task_record *task)
{
	char index[24], positives[24], labelled[24];
	const char *values[5];
	static const int numeric[5] = { 1, 0, 1, 1, 0 };

	snprintf(index, sizeof(index), "%lld", (long long)task->index);
	snprintf(positives, sizeof(positives), "%lld", (long long)task->positives);
	snprintf(labelled, sizeof(labelled), "%lld", (long long)task->labelled);
	values[0] = index;
	values[1] = task->name;
	values[2] = positives;
	values[3] = labelled;
	values[4] = task->excluded;
	return output_table_add_row(context, values, numeric) < 0 ? TM_ERR_NOMEM : 0;
}

int cmd_tasks(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "index", "name", "positives", "labelled", "excluded" };
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	struct output_table *table = NULL;
	int format = OUTPUT_TABLE, option, code = -1;
	int64_t run_id = 0;

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
	if (argc - optind > 1)
		return cli_usage_error(context, "expected at most one RUN, got %d arguments",
				       argc - optind);
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	if (tm_store_run_id(store, optind < argc ? argv[optind] : NULL, &run_id, &err) < 0 ||
	    !(table = output_table_create(5, names)) ||
	    tm_store_list_tasks(store, run_id, add_task_row, table, &err) < 0) {
		if (!err.message[0])
			tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
		code = cli_fail(&err);
	} else {
		output_table_print(table, format);
	}
	output_table_destroy(table);
	tm_store_close(store);
	return code;
}
