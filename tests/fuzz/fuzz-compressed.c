/*
 * fuzz-compressed.c - libFuzzer harness of the line reader under every
 * reader: the input is a (usually gzip, xz or bzip2) compressed file, the
 * compression recognised by its magic bytes. Every line is read to the end
 * or to a clean error; a line never holds a NUL byte and its length is
 * right. Then the same bytes go through the LIBSVM reader, the simplest
 * consumer of lines, so decoded text reaches a parser.
 */
#include "fuzz-common.h"

#include "dataset-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file file;
	struct tm_read_options options = { .format = "libsvm" };
	struct ds_lines *lines = NULL;
	struct tm_error err = { 0 };
	size_t length, count = 0;
	char *line;
	int rc;

	fuzz_file_set(&file, "fuzz.gz", data, size);
	if (ds_lines_open(&lines, file.path, &err) == 0) {
		while ((rc = ds_lines_next(lines, &line, &length, &err)) == 1) {
			FUZZ_REQUIRE(strlen(line) == length);
			FUZZ_REQUIRE(ds_lines_number(lines) == ++count);
		}
		if (rc < 0)
			FUZZ_REQUIRE(err.code == rc && err.message[0] != '\0');
		ds_lines_close(lines);
	}
	fuzz_read(file.path, &options);
	return 0;
}
