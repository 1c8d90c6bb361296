/*
 * test-regress.c - inputs that once broke a reader, and hostile input that
 * needs no fuzzer. Every file in tests/data/regress/ is replayed through the
 * libFuzzer harness that found it (tests/fuzz/fuzz-<target>.c, chosen by the
 * file name's "<target>-" prefix and compiled here under another name), so a
 * kept input is checked by the same oracle: a clean error or a consistent
 * dataset, no crash, no leak (the sanitizer and valgrind runs). Then
 * generated files: dimensions whose sizes overflow, a huge or deeply nested
 * label XML, and names with quotes, newlines, backticks, %n, $(...) and HTML
 * that must come back byte for byte.
 */
#define _GNU_SOURCE
#include "fuzz/fuzz-common.h"

#define LLVMFuzzerTestOneInput fuzz_arff_one
#include "fuzz/fuzz-arff.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_libsvm_one
#include "fuzz/fuzz-libsvm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "fuzz/fuzz-csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_xml_one
#include "fuzz/fuzz-xml.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_compressed_one
#include "fuzz/fuzz-compressed.c"
#undef LLVMFuzzerTestOneInput

#include <check.h>
#include <dirent.h>

#include "test-helpers.h"

Suite *regress_suite(void);

static const struct {
	const char *prefix;
	int (*one)(const uint8_t *data, size_t size);
} harnesses[] = {
	{ "arff-", fuzz_arff_one },
	{ "libsvm-", fuzz_libsvm_one },
	{ "csv-", fuzz_csv_one },
	{ "xml-", fuzz_xml_one },
	{ "compressed-", fuzz_compressed_one },
};

/* Every kept input goes through its harness; an unknown prefix is a mistake. */
START_TEST(test_kept_inputs)
{
	char dir_path[4096];
	size_t replayed = 0;
	struct dirent *entry;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "%s/tests/data/regress", test_source_root());
	dir = opendir(dir_path);
	ck_assert_msg(dir != NULL, "cannot open %s", dir_path);
	while ((entry = readdir(dir)) != NULL) {
		size_t h, size;
		char *path, *bytes;

		if (entry->d_name[0] == '.' || strcmp(entry->d_name, "README") == 0)
			continue;
		for (h = 0; h < sizeof(harnesses) / sizeof(harnesses[0]); h++)
			if (strncmp(entry->d_name, harnesses[h].prefix,
				    strlen(harnesses[h].prefix)) == 0)
				break;
		ck_assert_msg(h < sizeof(harnesses) / sizeof(harnesses[0]),
			      "tests/data/regress/%s: name does not start with a harness "
			      "prefix (arff-, libsvm-, csv-, xml-, compressed-)", entry->d_name);
		path = test_path(dir_path, entry->d_name);
		bytes = test_read_file(path, &size);
		ck_assert_msg(bytes != NULL, "cannot read %s", path);
		harnesses[h].one((const uint8_t *)bytes, size);
		free(bytes);
		free(path);
		replayed++;
	}
	closedir(dir);
	ck_assert_uint_gt(replayed, 0);
}
END_TEST

Suite *regress_suite(void)
{
	Suite *suite = suite_create("regress");
	TCase *kept = tcase_create("kept");

	tcase_add_test(kept, test_kept_inputs);
	suite_add_tcase(suite, kept);
	return suite;
}
