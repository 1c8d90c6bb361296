/*
 * test-common.c - the shared pieces: error messages, checked arithmetic,
 * seeded shuffles, file hashing and the check before replacing a file.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "test-helpers.h"

Suite *common_suite(void);

START_TEST(error_set_and_prefix)
{
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_error_set(&err, TM_ERR_INPUT, "bad value %d", 7), TM_ERR_INPUT);
	ck_assert_str_eq(err.message, "bad value 7");
	ck_assert_int_eq(tm_error_prefix(&err, "file.arff:%d", 3), TM_ERR_INPUT);
	ck_assert_str_eq(err.message, "file.arff:3: bad value 7");
	ck_assert_int_eq(tm_error_set(NULL, TM_ERR_IO, "ignored"), TM_ERR_IO);
}
END_TEST

START_TEST(error_message_truncates_safely)
{
	struct tm_error err = { 0 };
	char long_text[1000];

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	tm_error_set(&err, TM_ERR_IO, "%s", long_text);
	ck_assert_uint_eq(strlen(err.message), TM_ERROR_MAX - 1);
	tm_error_prefix(&err, "%s", long_text);
	ck_assert_uint_eq(strlen(err.message), TM_ERROR_MAX - 1);
}
END_TEST

START_TEST(size_arithmetic_detects_overflow)
{
	size_t out = 0;

	ck_assert_int_eq(tm_size_mul(1000, 1000, &out), 0);
	ck_assert_uint_eq(out, 1000000);
	ck_assert_int_eq(tm_size_mul(SIZE_MAX / 2 + 1, 2, &out), -1);
	ck_assert_int_eq(tm_size_add(SIZE_MAX, 1, &out), -1);
	ck_assert_int_eq(tm_size_mul(0, SIZE_MAX, &out), 0);
	ck_assert_uint_eq(out, 0);
}
END_TEST

START_TEST(shuffle_is_a_seeded_permutation)
{
	size_t a[50], b[50], seen[50] = { 0 };
	gsl_rng *rng_a = tm_rng_create(42), *rng_b = tm_rng_create(42);

	tm_rng_shuffle_indices(rng_a, a, 50);
	tm_rng_shuffle_indices(rng_b, b, 50);
	ck_assert_mem_eq(a, b, sizeof(a));
	for (size_t i = 0; i < 50; i++)
		seen[a[i]]++;
	for (size_t i = 0; i < 50; i++)
		ck_assert_uint_eq(seen[i], 1);
	gsl_rng_free(rng_a);
	gsl_rng_free(rng_b);
}
END_TEST

START_TEST(sha256_of_known_text)
{
	char *dir = test_tmpdir(), *path = test_path(dir, "abc.txt"), hex[65];
	struct tm_error err = { 0 };

	ck_assert_int_eq(test_write_file(path, "abc"), 0);
	ck_assert_int_eq(tm_sha256_file(path, hex, &err), 0);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(tm_sha256_file("/nonexistent/file", hex, &err), TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/file"));
	test_remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(only_regular_files_are_replaced)
{
	char *dir = test_tmpdir(), *file = test_path(dir, "data.arff"),
	     *fifo = test_path(dir, "fifo"), *absent = test_path(dir, "absent.arff");
	struct tm_error err = { 0 };

	ck_assert_int_eq(test_write_file(file, "x"), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(tm_check_replaceable(file, &err), 0);
	ck_assert_int_eq(tm_check_replaceable(absent, &err), 0);
	/* renaming over these would replace a device, a FIFO or fail late */
	ck_assert_int_eq(tm_check_replaceable("/dev/null", &err), TM_ERR_IO);
	ck_assert_str_eq(err.message, "cannot write '/dev/null': not a regular file"
			 " (the file is written whole, then renamed into place)");
	ck_assert_int_eq(tm_check_replaceable(fifo, &err), TM_ERR_IO);
	ck_assert_int_eq(tm_check_replaceable(dir, &err), TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "it is a directory"));
	test_remove_tree(dir);
	free(file);
	free(fifo);
	free(absent);
	free(dir);
}
END_TEST

Suite *common_suite(void)
{
	Suite *suite = suite_create("common");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, error_set_and_prefix);
	tcase_add_test(tc, error_message_truncates_safely);
	tcase_add_test(tc, size_arithmetic_detects_overflow);
	tcase_add_test(tc, shuffle_is_a_seeded_permutation);
	tcase_add_test(tc, sha256_of_known_text);
	tcase_add_test(tc, only_regular_files_are_replaced);
	suite_add_tcase(suite, tc);
	return suite;
}
