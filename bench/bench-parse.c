/*
 * bench-parse.c - parse throughput of the dataset readers: for each file,
 * the median time of tm_dataset_read over REPS runs, next to the median time
 * of merely reading the same bytes (fread into a buffer, like cat), measured
 * in the same run. Prints MB/s of uncompressed text for both.
 *
 * Usage: bench-parse REPS FILE [--xml XML] [FILE [--xml XML]]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, int n)
{
	qsort(values, (size_t)n, sizeof(*values), compare_doubles);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* read_bytes - seconds to fread the whole file; its size in *bytes. */
static double read_bytes(const char *path, size_t *bytes)
{
	static char buffer[1 << 16];
	double start = now();
	FILE *file = fopen(path, "rb");
	size_t got;

	*bytes = 0;
	if (!file)
		return -1;
	while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0)
		*bytes += got;
	fclose(file);
	return now() - start;
}

static int bench_file(const char *path, const char *xml, int reps)
{
	struct tm_read_options options = { .xml_path = xml };
	double *parse = calloc((size_t)reps, sizeof(double));
	double *plain = calloc((size_t)reps, sizeof(double));
	struct tm_error err = { 0 };
	size_t bytes = 0;

	if (!parse || !plain)
		return 1;
	for (int r = 0; r < reps; r++) {
		struct tm_dataset *dataset = NULL;
		double start;

		plain[r] = read_bytes(path, &bytes);
		start = now();
		if (tm_dataset_read(&dataset, path, &options, &err) < 0) {
			fprintf(stderr, "bench-parse: %s\n", err.message);
			return 1;
		}
		parse[r] = now() - start;
		tm_dataset_destroy(dataset);
	}
	printf("%-40s %8.2f MB  parse %.4f s = %7.1f MB/s   read %.5f s = %8.1f MB/s\n", path,
	       bytes / 1e6, median(parse, reps), bytes / 1e6 / median(parse, reps),
	       median(plain, reps), bytes / 1e6 / median(plain, reps));
	free(parse);
	free(plain);
	return 0;
}

int main(int argc, char **argv)
{
	int reps, status = 0;

	if (argc < 3 || (reps = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: bench-parse REPS FILE [--xml XML]...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *xml = NULL, *path = argv[i];

		if (i + 2 < argc && strcmp(argv[i + 1], "--xml") == 0) {
			xml = argv[i + 2];
			i += 2;
		}
		status |= bench_file(path, xml, reps);
	}
	return status;
}
