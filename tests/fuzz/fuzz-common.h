/*
 * fuzz-common.h - what every libFuzzer harness of the dataset readers
 * shares: handing the fuzzed bytes to a reader that takes a path (an
 * in-memory file, memfd, opened again through /proc/self/fd), and an
 * oracle that checks a dataset the reader accepted is internally
 * consistent (labels in range, CSR offsets and columns valid, every name
 * present) and survives the code that runs on a fresh dataset (impute,
 * task checks, the profile). A violation traps, which libFuzzer reports.
 * Included by tests/fuzz/fuzz-*.c only; static functions, no library.
 */
#ifndef TM_FUZZ_COMMON_H
#define TM_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dataset.h"

/* The memory limit the harnesses read with: far below -rss_limit_mb, so a
 * file that would need more is refused by the reader's own estimate. */
#define FUZZ_MEMORY_LIMIT ((size_t)16 << 20)

#define FUZZ_REQUIRE(condition) \
	do { \
		if (!(condition)) { \
			fprintf(stderr, "fuzz oracle failed: %s (%s:%d)\n", #condition, \
				__FILE__, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

struct fuzz_file {
	int fd;
	char path[64];
};

/*
 * fuzz_file_set - (re)fill the in-memory file @file with @size bytes of
 * @data; the first call creates it with @name (for /proc listings only).
 * Readers open file->path, a fresh open file description each time.
 */
static inline void fuzz_file_set(struct fuzz_file *file, const char *name, const uint8_t *data,
			  size_t size)
{
	size_t done = 0;

	if (file->path[0] == '\0') {
		file->fd = memfd_create(name, MFD_CLOEXEC);
		FUZZ_REQUIRE(file->fd >= 0);
		snprintf(file->path, sizeof(file->path), "/proc/self/fd/%d", file->fd);
	}
	FUZZ_REQUIRE(ftruncate(file->fd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(file->fd, data + done, size - done, (off_t)done);

		FUZZ_REQUIRE(n > 0);
		done += (size_t)n;
	}
}

/* fuzz_check_error - a refused file gives a code and a message. */
static inline void fuzz_check_error(int rc, const struct tm_dataset *dataset,
			     const struct tm_error *err)
{
	FUZZ_REQUIRE(rc < 0);
	FUZZ_REQUIRE(dataset == NULL);
	FUZZ_REQUIRE(err->code == rc);
	FUZZ_REQUIRE(err->message[0] != '\0');
	FUZZ_REQUIRE(memchr(err->message, '\0', sizeof(err->message)) != NULL);
}

/*
 * fuzz_check_dataset - the invariants a dataset read from a file must hold,
 * then the functions every command runs on one (they must not trip over a
 * strange but accepted dataset). Frees @dataset.
 */
static inline void fuzz_check_dataset(struct tm_dataset *dataset)
{
	const struct tm_features *x = &dataset->x;
	struct tm_dataset_profile profile;
	struct tm_task_check *checks;
	struct tm_error err = { 0 };
	size_t *rows;

	FUZZ_REQUIRE(dataset->n_samples > 0 && dataset->n_tasks > 0);
	FUZZ_REQUIRE(x->n_rows == dataset->n_samples && x->n_cols == dataset->n_features);
	FUZZ_REQUIRE(dataset->format && dataset->name);
	for (size_t i = 0; i < dataset->n_samples * dataset->n_tasks; i++)
		FUZZ_REQUIRE(dataset->labels[i] == TM_LABEL_POSITIVE ||
			     dataset->labels[i] == TM_LABEL_NEGATIVE ||
			     dataset->labels[i] == TM_LABEL_MISSING);
	for (size_t t = 0; t < dataset->n_tasks; t++)
		FUZZ_REQUIRE(dataset->task_names[t] != NULL);
	for (size_t f = 0; f < dataset->n_features; f++)
		FUZZ_REQUIRE(dataset->feature_names[f] != NULL);
	if (x->is_sparse) {
		FUZZ_REQUIRE(x->dense == NULL && x->row_start[0] == 0);
		FUZZ_REQUIRE(x->row_start[x->n_rows] == x->nnz);
		for (size_t r = 0; r < x->n_rows; r++) {
			FUZZ_REQUIRE(x->row_start[r] <= x->row_start[r + 1]);
			for (size_t k = x->row_start[r]; k < x->row_start[r + 1]; k++) {
				FUZZ_REQUIRE(x->col_index[k] < x->n_cols);
				FUZZ_REQUIRE(k == x->row_start[r] ||
					     x->col_index[k - 1] < x->col_index[k]);
			}
		}
	} else {
		FUZZ_REQUIRE(x->n_cols == 0 || x->dense != NULL);
	}
	for (size_t i = 0; i < dataset->n_notes; i++)
		FUZZ_REQUIRE(dataset->notes[i] != NULL);

	rows = malloc(dataset->n_samples * sizeof(*rows));
	checks = calloc(dataset->n_tasks, sizeof(*checks));
	FUZZ_REQUIRE(rows && checks);
	for (size_t i = 0; i < dataset->n_samples; i++)
		rows[i] = i;
	FUZZ_REQUIRE(tm_dataset_impute(dataset, rows, dataset->n_samples) ==
		     dataset->n_missing_features);
	(void)tm_dataset_check_tasks(dataset, rows, dataset->n_samples, 1, checks);
	if (tm_dataset_profile(dataset, 16, &profile, &err) == 0)
		tm_dataset_profile_release(&profile);
	(void)tm_dataset_memory_bytes(dataset);
	free(checks);
	free(rows);
	tm_dataset_destroy(dataset);
}

/*
 * fuzz_read - read @path with @options (memory limit FUZZ_MEMORY_LIMIT
 * unless set) and check the outcome either way.
 */
static inline void fuzz_read(const char *path, const struct tm_read_options *options)
{
	struct tm_read_options limited = *options;
	struct tm_dataset *dataset = NULL;
	struct tm_error err = { 0 };
	int rc;

	if (!limited.memory_limit)
		limited.memory_limit = FUZZ_MEMORY_LIMIT;
	rc = tm_dataset_read(&dataset, path, &limited, &err);
	if (rc < 0)
		fuzz_check_error(rc, dataset, &err);
	else
		fuzz_check_dataset(dataset);
}

#endif
