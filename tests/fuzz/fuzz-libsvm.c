/*
 * fuzz-libsvm.c - libFuzzer harness of the multi-label LIBSVM reader (with
 * or without the "n d L" header line).
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file file;
	struct tm_read_options options = { .format = "libsvm" };

	fuzz_file_set(&file, "fuzz.svm", data, size);
	fuzz_read(file.path, &options);
	return 0;
}
