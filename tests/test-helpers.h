/*
 * test-helpers.h - small helpers shared by the Check suites: temporary
 * directories and paths, running the taskmap binary, reading files.
 */
#ifndef TM_TEST_HELPERS_H
#define TM_TEST_HELPERS_H

#include <stddef.h>

/* test_tmpdir - a new empty directory under $TMPDIR (static buffer per call site is the caller's). */
char *test_tmpdir(void);

/* test_path - "@dir/@name" in a new string. */
char *test_path(const char *dir, const char *name);

/* test_remove_tree - rm -rf @dir (best effort). */
void test_remove_tree(const char *dir);

/* test_read_file - the whole file in a new NUL-terminated buffer, length in *@size. */
char *test_read_file(const char *path, size_t *size);

/* test_write_file - write @text to @path; 0 on success. */
int test_write_file(const char *path, const char *text);

/*
 * test_run - run a shell command line with "$TASKMAP" set to the built binary
 * (the TASKMAP environment variable from meson); returns its exit status
 * (0-255) and fills @output (may be NULL) with combined stdout+stderr.
 */
int test_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* test_source_root - the repository root (TASKMAP_SOURCE_ROOT). */
const char *test_source_root(void);

/* test_shared_data - ../shared/data beside the repo, or NULL when absent. */
const char *test_shared_data(void);

#endif
