/*
 * commands.c - the command table: every `taskmap` command, its handler, its
 * one-line summary and its usage text. Help and dispatch read only this.
 */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{ "demo", cmd_demo, "run everything on generated data with known groups", cmd_demo_usage },
	{ "synth", cmd_synth, "generate a dataset with planted task groups", cmd_synth_usage },
	{ "inspect", cmd_inspect, "describe a dataset: shape, labels, co-occurrence", cmd_inspect_usage },
	{ "train", cmd_train, "train a multi-task model and record its data maps", cmd_train_usage },
	{ "import", cmd_import, "create a run from dynamics recorded elsewhere (csv, npy, cartography)", cmd_import_usage },
	{ "export", cmd_export, "write a run's dynamics as npy or csv (for NumPy, pandas, import)", cmd_export_usage },
	{ "analyze", cmd_analyze, "find related tasks and recommend task groups", cmd_analyze_usage },
	{ "recommend", cmd_recommend, "print the recommended task grouping", cmd_recommend_usage },
	{ "select", cmd_select, "choose networks to train within a budget (Standley, TAG)", cmd_select_usage },
	{ "report", cmd_report, "write an HTML and Markdown report with plots", cmd_report_usage },
	{ "evaluate", cmd_evaluate, "train a grouping and baselines, compare held-out metrics", cmd_evaluate_usage },
	{ "runs", cmd_runs, "list the runs in the database", cmd_runs_usage },
	{ "tasks", cmd_tasks, "list the tasks of a run", cmd_tasks_usage },
	{ "query", cmd_query, "run read-only SQL on the database", cmd_query_usage },
	{ "merge", cmd_merge, "copy the runs of other databases into one", cmd_merge_usage },
	{ NULL, NULL, NULL, NULL },
};
