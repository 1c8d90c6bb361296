/*
 * bench-trainer.c - the trainer's benchmark: on one dataset, trains the
 * same run with recording on and off (medians of several repeats, in one
 * process, the data read once), reports the achieved FLOP/s next to
 * OpenBLAS sgemm on the same matrix shapes, the recording overhead and the
 * database bytes per recorded value. The overhead twice: the ratio of the
 * median times, and the median and range of the ratios of each repeat's
 * pair (run one after the other, so they share the machine's mood), with
 * the process's CPU seconds (all threads, user + system) of each mode.
 *
 * Usage: bench-trainer DATA XML [EPOCHS [REPEATS]]   (prints a Markdown row:
 * data, shape, median wall with and without recording, their ratio, the
 * paired ratios' median (lowest-highest), median CPU with and without,
 * GFLOP/s of the trainer and of sgemm, database bytes per recorded value)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>

#include "model.h"
#include "store.h"
#include "trainer.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* cpu_seconds - user + system CPU of the process so far, all threads. */
static double cpu_seconds(void)
{
	struct rusage usage;

	getrusage(RUSAGE_SELF, &usage);
	return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
	       (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

static double median(double *x, size_t n)
{
	gsl_sort(x, 1, n);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/*
 * flops_per_sample - multiply-adds x 2 of forward and backward: dense layers
 * 3 GEMMs (forward, weight gradient, input gradient; the first layer has no
 * input gradient); a sparse first layer costs 2 x nnz x width twice.
 */
static double flops_per_sample(const struct tm_dataset *d, const struct tm_trainer_config *c)
{
	size_t width[TM_TRAINER_MAX_HIDDEN + 2], layers = c->n_hidden + 1;
	double nnz = d->x.is_sparse ? (double)d->x.nnz / (double)d->n_samples : (double)d->n_features;
	double flops = 0;

	width[0] = d->n_features;
	for (size_t l = 0; l < c->n_hidden; l++)
		width[l + 1] = c->hidden[l];
	width[layers] = d->n_tasks;
	for (size_t l = 0; l < layers; l++) {
		double in = l == 0 ? nnz : (double)width[l];

		flops += 2 * in * (double)width[l + 1] * (l == 0 ? 2 : 3);
	}
	return flops;
}

/* sgemm_flops - FLOP/s of OpenBLAS on the dense layers' shapes at batch @b. */
static double sgemm_flops(const struct tm_dataset *d, const struct tm_trainer_config *c,
			  size_t repeats)
{
	size_t b = c->batch_size, m = d->n_features, h = c->n_hidden ? c->hidden[0] : d->n_tasks;
	size_t t = d->n_tasks;
	float *a = calloc(b * (m > t ? m : t), sizeof(float)), *w = calloc(m * (h > t ? h : t), sizeof(float));
	float *z = calloc(b * (h > t ? h : t) + m * h, sizeof(float));
	double start, flops = 0, seconds;

	for (size_t k = 0; k < b * m; k++)
		a[k] = (float)(k % 7) * 0.1f;
	start = now();
	for (size_t r = 0; r < repeats; r++) {
		/* the first layer as if dense, and the head: forward + weight gradient */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)h, (int)m, 1, a,
			    (int)m, w, (int)h, 0, z, (int)h);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)h, (int)b, 1, a,
			    (int)m, z, (int)h, 0, z + b * h, (int)h);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)t, (int)h, 1, z,
			    (int)h, w, (int)t, 0, a, (int)t);
		flops += 2.0 * b * h * m * 2 + 2.0 * b * t * h;
	}
	seconds = now() - start;
	free(a);
	free(w);
	free(z);
	return flops / seconds;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/*
 * one_run - seconds of a whole training run into a fresh database @db,
 * from opening the database to closing it (what the user waits for, the
 * data read aside); its CPU seconds into @cpu.
 */
static double one_run(const char *db, struct tm_dataset *d, const struct tm_split *split,
		      const struct tm_trainer_config *c, off_t *bytes, double *cpu)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int64_t run_id;
	double start;

	/* the previous run's file is removed and its blocks freed (ext4 discards them) untimed */
	unlink(db);
	sync();
	*cpu = cpu_seconds();
	start = now();
	if (tm_store_open(&store, db, 0, &err) < 0 ||
	    tm_train_run(store, d, split, c, NULL, &run_id, &err) < 0) {
		fprintf(stderr, "bench-trainer: %s\n", err.message);
		exit(1);
	}
	tm_store_close(store);
	start = now() - start;
	*cpu = cpu_seconds() - *cpu;
	*bytes = file_size(db);
	return start;
}

int main(int argc, char **argv)
{
	struct tm_read_options options = { 0 };
	struct tm_dataset *d = NULL;
	struct tm_split split;
	struct tm_error err = { 0 };
	struct tm_trainer_config c;
	size_t epochs = argc > 3 ? strtoul(argv[3], NULL, 10) : 3;
	size_t repeats = argc > 4 ? strtoul(argv[4], NULL, 10) : 3;
	double with[16], without[16], pairs[16], cpu_with[16], cpu_without[16];
	double t_with, t_without, paired, flops;
	off_t bytes_with = 0, bytes_without = 0;
	char db[64], lock[80];

	gsl_set_error_handler_off();
	/* per process: benchmarks of several sessions on one machine must not share a file */
	snprintf(db, sizeof(db), "/tmp/bench-trainer-%ld.db", (long)getpid());
	if (argc < 3 || repeats < 1 || repeats > 16) {
		fprintf(stderr, "usage: bench-trainer DATA XML [EPOCHS [REPEATS<=16]]\n");
		return 2;
	}
	options.xml_path = argv[2];
	if (tm_dataset_read(&d, argv[1], &options, &err) < 0 ||
	    tm_split_random(&split, d->n_samples, 0.1, 0.2, 1, &err) < 0) {
		fprintf(stderr, "bench-trainer: %s\n", err.message);
		return 1;
	}
	tm_dataset_impute(d, split.train, split.n_train);
	tm_trainer_config_defaults(&c);
	c.n_epochs = epochs;
	c.source.data_path = argv[1];
	for (size_t r = 0; r < repeats; r++) {
		c.record = TM_RECORD_TRAIN_PASS;
		with[r] = one_run(db, d, &split, &c, &bytes_with, &cpu_with[r]);
		c.record = TM_RECORD_NONE;
		without[r] = one_run(db, d, &split, &c, &bytes_without, &cpu_without[r]);
		pairs[r] = with[r] / without[r];
	}
	t_with = median(with, repeats);
	t_without = median(without, repeats);
	paired = median(pairs, repeats); /* sorts them: pairs[0] is the lowest */
	flops = flops_per_sample(d, &c) * (double)split.n_train * (double)epochs;
	printf("| %s | %zu x %zu %s, %zu tasks, %zu train | %.3f s | %.3f s | %.3f |"
	       " %.3f (%.3f-%.3f) | %.2f s | %.2f s | %.2f GFLOP/s | %.2f GFLOP/s | %.2f |\n",
	       d->name, d->n_samples, d->n_features, d->x.is_sparse ? "sparse" : "dense", d->n_tasks,
	       split.n_train, t_with, t_without, t_with / t_without, paired,
	       pairs[0], pairs[repeats - 1], median(cpu_with, repeats),
	       median(cpu_without, repeats), flops / t_without * 1e-9,
	       sgemm_flops(d, &c, 200) * 1e-9,
	       (double)(bytes_with - bytes_without) /
		       ((double)d->n_tasks * (double)split.n_train * (double)epochs));
	unlink(db);
	snprintf(lock, sizeof(lock), "%s.trainers", db); /* the trainers' liveness locks */
	unlink(lock);
	tm_split_release(&split);
	tm_dataset_destroy(d);
	return 0;
}
