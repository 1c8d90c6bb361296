/*
 * dataset-options.c - parsing the dataset options shared by train, inspect
 * and evaluate, and loading a dataset (plus an optional test file).
 */
#include "dataset-options.h"

#include <string.h>

int cli_dataset_option(int option, struct cli_dataset_options *options,
		       const struct cli_context *context, int *exit_now)
{
	switch (option) {
	case CLI_OPT_XML:
		options->read.xml_path = optarg;
		return 1;
	case CLI_OPT_DROP:
		if (options->read.n_drop == CLI_MAX_DROP) {
			*exit_now = cli_usage_error(context, "at most %d --drop options", CLI_MAX_DROP);
			return 1;
		}
		options->drop[options->read.n_drop++] = optarg;
		options->read.drop = options->drop;
		return 1;
	case CLI_OPT_LABELS:
		options->read.labels = optarg;
		return 1;
	case CLI_OPT_LABEL_PREFIX:
		options->read.label_prefix = optarg;
		return 1;
	case CLI_OPT_INPUT_FORMAT:
		if (strcmp(optarg, "arff") && strcmp(optarg, "libsvm") && strcmp(optarg, "csv") &&
		    strcmp(optarg, "tsv") && strcmp(optarg, "auto")) {
			*exit_now = cli_usage_error(context,
						    "--input-format must be arff, libsvm, csv or tsv, not '%s'",
						    optarg);
			return 1;
		}
		options->read.format = optarg;
		return 1;
	case CLI_OPT_TEST_FILE:
		options->test_path = optarg;
		return 1;
	}
	return 0;
}

static void print_notes(const struct cli_context *context, const struct tm_dataset *dataset)
{
	for (size_t i = 0; i < dataset->n_notes; i++)
		cli_note(context, "%s", dataset->notes[i]);
}

int cli_load_dataset(const struct cli_context *context,
		     const struct cli_dataset_options *options, const char *path,
		     struct tm_dataset **out, size_t *n_train_file)
{
	struct tm_dataset *dataset = NULL, *test = NULL;
	struct tm_error err = { 0 };
	int code;

	*out = NULL;
	if (tm_dataset_read(&dataset, path, &options->read, &err) < 0)
		return cli_fail(&err);
	print_notes(context, dataset);
	if (n_train_file)
		*n_train_file = dataset->n_samples;
	if (options->test_path) {
		if (tm_dataset_read(&test, options->test_path, &options->read, &err) < 0 ||
		    tm_dataset_append(dataset, test, &err) < 0) {
			code = cli_fail(&err);
			tm_dataset_destroy(test);
			tm_dataset_destroy(dataset);
			return code;
		}
		tm_dataset_destroy(test);
	}
	*out = dataset;
	return EXIT_OK;
}
