/*
 * fuzz-csv.c - libFuzzer harness of the CSV/TSV reader. Each input is read
 * three ways: CSV with label columns found by the prefix "y", CSV with the
 * label columns named ("y_a,x 2", one of them quoted in the seeds) and the
 * column "id" dropped, and TSV with the prefix "y".
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file file;
	static const char *const drop[] = { "id" };
	struct tm_read_options by_prefix = { .format = "csv", .label_prefix = "y" };
	struct tm_read_options by_name = { .format = "csv", .labels = "y_a,x 2",
					   .drop = drop, .n_drop = 1 };
	struct tm_read_options tsv = { .format = "tsv", .label_prefix = "y" };

	fuzz_file_set(&file, "fuzz.csv", data, size);
	fuzz_read(file.path, &by_prefix);
	fuzz_read(file.path, &by_name);
	fuzz_read(file.path, &tsv);
	return 0;
}
