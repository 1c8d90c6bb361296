/*
 * commands.c - the command table: every `taskmap` command, its handler, its
 * one-line summary and its usage text. Help and dispatch read only this.
 */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{ "synth", cmd_synth, "generate a dataset with planted task groups", cmd_synth_usage },
	{ "inspect", cmd_inspect, "describe a dataset: shape, labels, co-occurrence", cmd_inspect_usage },
	{ "runs", cmd_runs, "list the runs in the database", cmd_runs_usage },
	{ "tasks", cmd_tasks, "list the tasks of a run", cmd_tasks_usage },
	{ "query", cmd_query, "run read-only SQL on the database", cmd_query_usage },
	{ NULL, NULL, NULL, NULL },
};
