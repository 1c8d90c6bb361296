/*
 * cmd-query.c - `taskmap query "SQL"`: read-only SQL over the results
 * database, printed as aligned columns, CSV or JSON.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

const char cmd_query_usage[] =
	"Usage: taskmap query [--csv | --json] [--db PATH] \"SQL\"\n"
	"\n"
	"Run SQL on the results database and print the rows. The database is\n"
	"opened read-only and writes, ATTACH, PRAGMA assignments and extension\n"
	"loading are refused. Tables and columns: docs/schema.md.\n"
	"\n"
	"  --csv        comma-separated values with a header row\n"
	"  --json       a JSON array of objects\n"
	"  --db PATH    results database (default ./taskmap.db)\n"
	"\n"
	"Example:\n"
	"  taskmap query \"SELECT name, status, epochs_done FROM runs\"\n";

struct query_output {
	enum output_format format;
	struct output_table *table;
	int printed_any;
};

/* collect_row - a new statement starts a new table; rows fill the current one. */
static int collect_row(void *context, const struct tm_query_row *row)
{
	struct query_output *out = context;

	if (!row->values) {
		if (out->table) {
			output_table_print(out->table, out->format);
			output_table_destroy(out->table);
		}
		out->table = output_table_create((size_t)row->n_columns, row->names);
		return out->table ? 0 : TM_ERR_NOMEM;
	}
	return output_table_add_row(out->table, row->values, row->is_number) < 0 ? TM_ERR_NOMEM : 0;
}

int cmd_query(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct query_output out = { .format = OUTPUT_TABLE };
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	int option, code = -1, rc;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == 'c')
			out.format = OUTPUT_CSV;
		else if (option == 'j')
			out.format = OUTPUT_JSON;
		else
			return cli_usage_error(context, "unknown option");
	}
	if (code >= 0)
		return code;
	if (argc - optind != 1)
		return cli_usage_error(context, "expected one SQL argument");
	if ((code = cli_open_store(context, 1, &store)) != EXIT_OK)
		return code;
	rc = tm_store_query(store, argv[optind], collect_row, &out, &err);
	if (out.table)
		output_table_print(out.table, out.format);
	output_table_destroy(out.table);
	tm_store_close(store);
	if (rc < 0) {
		/* any failure of user SQL is a runtime error (exit 1), as documented */
		fprintf(stderr, "taskmap: %s\n", err.message);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
