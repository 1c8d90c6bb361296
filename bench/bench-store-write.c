/*
 * bench-store-write.c - what committing the recording costs, without the
 * trainer: epochs shaped like a training run's (the per-task metrics of
 * two splits and a parameter checkpoint every epoch) committed with
 * tm_store_write_epoch into a fresh database, once with the 16-bit
 * recording of every task and sample and once without, alternating. Per
 * epoch it reports the median wall time (with the commit's fsyncs) and the
 * process's CPU time (user and system), and the close. The difference is
 * the part of the recording overhead that SQLite and the kernel take,
 * whatever the trainer does.
 *
 * Usage: bench-store-write [TASKS [SAMPLES [EPOCHS [REPEATS]]]]
 *        (defaults: delicious's 983 tasks and 9044 training samples, 10, 5)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>

#include "store.h"

#define MAX_REPEATS 16
#define CHECKPOINT_BYTES ((size_t)1 << 20) /* about delicious's parameters and Adam state */

/* one run's costs: wall, user and system CPU seconds an epoch; the close's wall seconds */
enum { WALL, USER, SYSTEM, CLOSE, N_COSTS };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cpu_seconds(double *user, double *system)
{
	struct rusage usage;

	getrusage(RUSAGE_SELF, &usage);
	*user = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec * 1e-6;
	*system = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec * 1e-6;
}

static void fail(const struct tm_error *err)
{
	fprintf(stderr, "bench-store-write: %s\n", err->message);
	exit(1);
}

/* new_run - a fresh database at @db with one run of @n_tasks tasks. */
static int64_t new_run(struct tm_store **store, const char *db, size_t n_tasks)
{
	struct tm_dataset_record dataset = { .name = "bench", .format = "synth", .n_samples = 1,
					     .n_features = 1, .n_tasks = n_tasks };
	struct tm_run_record run = { .name = "bench", .kind = "train", .status = TM_RUN_RUNNING,
				     .config_json = "{}", .seed = 1, .n_epochs = 1 };
	struct tm_task_record *tasks = calloc(n_tasks, sizeof(*tasks));
	char (*names)[24] = calloc(n_tasks, sizeof(*names));
	struct tm_error err = { 0 };

	if (!tasks || !names) {
		fprintf(stderr, "bench-store-write: out of memory\n");
		exit(1);
	}
	unlink(db);
	for (size_t t = 0; t < n_tasks; t++) {
		snprintf(names[t], sizeof(names[t]), "t%zu", t);
		tasks[t] = (struct tm_task_record){ .index = (int64_t)t, .name = names[t],
						    .positives = 1, .labelled = 2 };
	}
	if (tm_store_open(store, db, 0, &err) < 0 ||
	    tm_store_add_dataset(*store, &dataset, &run.dataset_id, &err) < 0 ||
	    tm_store_create_run(*store, &run, &err) < 0 ||
	    tm_store_add_tasks(*store, run.id, tasks, n_tasks, &err) < 0)
		fail(&err);
	free(names);
	free(tasks);
	return run.id;
}

/* one_run - @epochs commits, with @codes or without (NULL); the costs into @out. */
static void one_run(const char *db, size_t n_tasks, size_t n_samples, size_t epochs,
		    uint16_t *codes, struct tm_task_metrics_record *metrics, const void *checkpoint,
		    double out[N_COSTS])
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	int64_t run_id = new_run(&store, db, n_tasks);
	double start, user0, system0, user1, system1;

	cpu_seconds(&user0, &system0);
	start = now();
	for (size_t e = 0; e < epochs; e++) {
		struct tm_epoch_record record = {
			.run_id = run_id, .epoch = (int64_t)e, .n_tasks = n_tasks,
			.n_samples = n_samples, .probabilities = codes, .train_loss = 0.5,
			.valid_loss = 0.5, .seconds = 1, .samples_per_second = 1,
			.metrics = metrics, .n_metrics = 2 * n_tasks, .parameters = checkpoint,
			.parameters_bytes = CHECKPOINT_BYTES
		};

		if (codes) /* a new epoch's values: the kernel would not care, SQLite neither */
			for (size_t k = 0; k < n_tasks * n_samples; k++)
				codes[k] = (uint16_t)(codes[k] * 31u + 7u);
		if (tm_store_write_epoch(store, &record, &err) < 0)
			fail(&err);
	}
	out[WALL] = (now() - start) / (double)epochs;
	cpu_seconds(&user1, &system1);
	out[USER] = (user1 - user0) / (double)epochs;
	out[SYSTEM] = (system1 - system0) / (double)epochs;
	start = now();
	tm_store_close(store);
	out[CLOSE] = now() - start;
}

/* median_of - the median over @n runs of cost @field, in milliseconds. */
static double median_of(double runs[][N_COSTS], size_t n, int field)
{
	double x[MAX_REPEATS];

	for (size_t r = 0; r < n; r++)
		x[r] = runs[r][field] * 1e3;
	gsl_sort(x, 1, n);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	size_t n_tasks = argc > 1 ? strtoul(argv[1], NULL, 10) : 983;
	size_t n_samples = argc > 2 ? strtoul(argv[2], NULL, 10) : 9044;
	size_t epochs = argc > 3 ? strtoul(argv[3], NULL, 10) : 10;
	size_t repeats = argc > 4 ? strtoul(argv[4], NULL, 10) : 5;
	double with[MAX_REPEATS][N_COSTS], without[MAX_REPEATS][N_COSTS];
	uint16_t *codes = malloc(n_tasks * n_samples * sizeof(uint16_t));
	struct tm_task_metrics_record *metrics = calloc(2 * n_tasks, sizeof(*metrics));
	void *checkpoint = calloc(1, CHECKPOINT_BYTES);
	char db[64];

	if (!n_tasks || !n_samples || !epochs || repeats < 1 || repeats > MAX_REPEATS) {
		fprintf(stderr, "usage: bench-store-write [TASKS [SAMPLES [EPOCHS [REPEATS<=%d]]]]\n",
			MAX_REPEATS);
		return 2;
	}
	if (!codes || !metrics || !checkpoint) {
		fprintf(stderr, "bench-store-write: out of memory\n");
		return 1;
	}
	for (size_t k = 0; k < n_tasks * n_samples; k++)
		codes[k] = (uint16_t)(k * 2654435761u >> 16);
	for (size_t t = 0; t < 2 * n_tasks; t++)
		metrics[t] = (struct tm_task_metrics_record){ .task_index = (int64_t)(t % n_tasks),
			.split = t < n_tasks ? "train" : "valid", .loss = 0.1, .accuracy = 0.9,
			.roc_auc = 0.8 };
	/* per process: sessions sharing a machine must not share a file */
	snprintf(db, sizeof(db), "/tmp/bench-store-write-%ld.db", (long)getpid());
	for (size_t r = 0; r < repeats; r++) {
		one_run(db, n_tasks, n_samples, epochs, codes, metrics, checkpoint, with[r]);
		one_run(db, n_tasks, n_samples, epochs, NULL, metrics, checkpoint, without[r]);
	}
	printf("| %zu tasks x %zu samples (%.1f MB an epoch), %zu epochs, median of %zu |"
	       " with: %.1f ms wall, %.1f + %.1f ms CPU an epoch, close %.0f ms |"
	       " without: %.1f ms wall, %.1f + %.1f ms CPU an epoch, close %.0f ms |"
	       " recording: +%.1f ms CPU an epoch |\n",
	       n_tasks, n_samples, (double)(n_tasks * n_samples * 2) * 1e-6, epochs, repeats,
	       median_of(with, repeats, WALL), median_of(with, repeats, USER),
	       median_of(with, repeats, SYSTEM), median_of(with, repeats, CLOSE),
	       median_of(without, repeats, WALL), median_of(without, repeats, USER),
	       median_of(without, repeats, SYSTEM), median_of(without, repeats, CLOSE),
	       median_of(with, repeats, USER) + median_of(with, repeats, SYSTEM) -
		       median_of(without, repeats, USER) - median_of(without, repeats, SYSTEM));
	unlink(db);
	strncat(db, ".trainers", sizeof(db) - strlen(db) - 1);
	unlink(db);
	free(codes);
	free(metrics);
	free(checkpoint);
	return 0;
}
