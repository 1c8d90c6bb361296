/*
 * dataset-options.h - the options every command that reads a dataset shares
 * (--xml, --drop, --labels, --label-prefix, --input-format, --test), and
 * loading the dataset with its notes printed and errors mapped to exit codes.
 */
#ifndef TM_CLI_DATASET_OPTIONS_H
#define TM_CLI_DATASET_OPTIONS_H

#include "cli.h"
#include "dataset.h"

#define CLI_MAX_DROP 32

struct cli_dataset_options {
	struct tm_read_options read; /* passed to tm_dataset_read */
	const char *drop[CLI_MAX_DROP];
	const char *test_path;       /* --test FILE: a separate test file */
};

enum {
	CLI_OPT_XML = 0x1100, CLI_OPT_DROP, CLI_OPT_LABELS, CLI_OPT_LABEL_PREFIX,
	CLI_OPT_INPUT_FORMAT, CLI_OPT_TEST_FILE,
};

#define CLI_DATASET_LONG_OPTIONS \
	{ "xml", required_argument, NULL, CLI_OPT_XML }, \
	{ "drop", required_argument, NULL, CLI_OPT_DROP }, \
	{ "labels", required_argument, NULL, CLI_OPT_LABELS }, \
	{ "label-prefix", required_argument, NULL, CLI_OPT_LABEL_PREFIX }, \
	{ "input-format", required_argument, NULL, CLI_OPT_INPUT_FORMAT }, \
	{ "test", required_argument, NULL, CLI_OPT_TEST_FILE }

/* The lines of --help that describe these options. */
#define CLI_DATASET_OPTIONS_HELP \
	"Reading the data (ARFF, LIBSVM, CSV/TSV; .gz, .xz, .bz2 are read directly):\n" \
	"  --xml FILE           Mulan XML naming the label attributes (ARFF)\n" \
	"  --drop NAME          drop an attribute or column, e.g. an ID (repeatable)\n" \
	"  --labels A,B,C       CSV: the label columns\n" \
	"  --label-prefix P     CSV: label columns are those whose name starts with P\n" \
	"  --input-format F     arff, libsvm, csv or tsv (default: by file extension)\n" \
	"  --test FILE          a separate test file (e.g. Mulan's -test.arff)\n"

/*
 * cli_dataset_option - handle one of the options above; returns 1 when
 * handled, 0 when not a dataset option, or sets *@exit_now to EXIT_USAGE.
 */
int cli_dataset_option(int option, struct cli_dataset_options *options,
		       const struct cli_context *context, int *exit_now);

/*
 * cli_load_dataset - read @path (and --test, appended after it, with the
 * number of rows from @path in *@n_train_file when non-NULL); print the
 * dataset's notes unless quiet. Returns EXIT_OK or the exit code after
 * printing the error.
 */
int cli_load_dataset(const struct cli_context *context,
		     const struct cli_dataset_options *options, const char *path,
		     struct tm_dataset **out, size_t *n_train_file);

#endif
