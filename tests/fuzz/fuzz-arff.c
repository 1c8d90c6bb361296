/*
 * fuzz-arff.c - libFuzzer harness of the ARFF reader: the input is an ARFF
 * file (labels from MEKA's -C in @relation); read once as it is and once
 * dropping the attribute "f1", so the drop path is fuzzed too.
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file file;
	static const char *const drop[] = { "f1" };
	struct tm_read_options options = { .format = "arff" };

	fuzz_file_set(&file, "fuzz.arff", data, size);
	fuzz_read(file.path, &options);
	options.drop = drop;
	options.n_drop = 1;
	fuzz_read(file.path, &options);
	return 0;
}
