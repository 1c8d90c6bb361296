/*
 * cmd-merge.c - `taskmap merge OUT.db IN.db...`: copy the runs of several
 * databases (e.g. made on different machines) into one, in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

const char cmd_merge_usage[] =
	"Usage: taskmap merge [-q] OUT.db IN.db...\n"
	"\n"
	"Copy the datasets, runs and everything recorded for them (tasks, dynamics,\n"
	"metrics, checkpoints, analyses, matrices, groupings, evaluations) from the\n"
	"IN databases into OUT, e.g. runs trained on different machines. OUT is\n"
	"created when missing; runs already in it are kept. Every id is renumbered;\n"
	"names, timestamps and numbers are copied unchanged, so the merged runs\n"
	"analyze, recommend and report exactly as before. Either everything is\n"
	"merged or, on any error, nothing is written.\n"
	"\n"
	"The inputs are opened read-only. They must be taskmap databases at this\n"
	"taskmap's schema version: open an older one once with a writing command\n"
	"(e.g. 'taskmap analyze --db IN.db') to upgrade it; for a newer one, upgrade\n"
	"taskmap. At most 10 inputs per merge (merge more in steps).\n"
	"\n"
	"Run names must be unique: a run whose name is already in OUT or in another\n"
	"input is refused (exit 3), nothing is merged. Name runs with 'train --run'\n"
	"on each machine. A run still being trained is refused (exit 1); a run whose\n"
	"process died is copied as 'interrupted'.\n"
	"\n"
	"  -q, --quiet  no progress on stderr (one line per input otherwise)\n"
	"\n"
	"Example:\n"
	"  taskmap merge all.db laptop.db cluster-node1.db cluster-node2.db\n";

struct merge_progress {
	const struct cli_context *context;
};

/* report_input - one line per merged input, unless quiet; stop after Ctrl-C. */
static int report_input(void *context, const char *stage, double done, double total,
			const char *message)
{
	struct merge_progress *progress = context;

	(void)stage;
	if (cli_interrupted())
		return 1;
	if (!progress->context->quiet)
		fprintf(stderr, "taskmap: merge: %.0f/%.0f %s\n", done, total, message);
	return 0;
}

/* remove_created - undo the creation of OUT when the merge failed. */
static void remove_created(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(path) + strlen(suffixes[i]) + 1;
		char *name = malloc(n);

		if (!name)
			return;
		snprintf(name, n, "%s%s", path, suffixes[i]);
		if (unlink(name) != 0 && errno != ENOENT)
			fprintf(stderr, "taskmap: cannot remove '%s': %s\n", name, strerror(errno));
		free(name);
	}
}

int cmd_merge(int argc, char **argv, struct cli_context *context)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge_progress state = { .context = context };
	struct tm_progress progress = { report_input, &state };
	struct tm_merge_counts *counts = NULL;
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	const char *out_path;
	int option, code = -1, existed;
	size_t n_inputs;
	long long runs = 0;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		return cli_usage_error(context, "unknown option");
	}
	if (code >= 0)
		return code;
	if (argc - optind < 2)
		return cli_usage_error(context, "expected OUT.db and at least one IN.db");
	out_path = argv[optind];
	n_inputs = (size_t)(argc - optind - 1);
	/* for its Ctrl-C handler: report_input draws its own lines */
	cli_progress_init(&(struct tm_progress){ 0 }, context);
	existed = access(out_path, F_OK) == 0;
	if (!(counts = calloc(n_inputs, sizeof(*counts)))) {
		tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
		return cli_fail(&err);
	}
	if (tm_store_open(&store, out_path, 0, &err) < 0 ||
	    tm_store_merge(store, (const char *const *)argv + optind + 1, n_inputs, &progress,
			   counts, &err) < 0) {
		code = cli_fail(&err);
		tm_store_close(store);
		if (!existed)
			remove_created(out_path);
		free(counts);
		return code;
	}
	tm_store_close(store);
	for (size_t i = 0; i < n_inputs; i++)
		runs += counts[i].runs;
	cli_note(context, "merged %lld run(s) from %zu database(s) into '%s'", runs, n_inputs,
		 out_path);
	for (size_t i = 0; i < n_inputs; i++)
		if (counts[i].interrupted)
			cli_note(context, "%lld run(s) of '%s' had stopped while running: stored as interrupted",
				 (long long)counts[i].interrupted, argv[optind + 1 + i]);
	free(counts);
	return EXIT_OK;
}
