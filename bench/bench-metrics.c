/*
 * bench-metrics.c - the trainer's per-epoch training metrics (loss,
 * accuracy, ROC-AUC and the 16-bit recording of every task,
 * tm_metrics_all) on one thread, on logits shaped like a real run's: read
 * from a recorded run in a results database, one epoch, as the logits whose
 * gold-label probabilities were stored (z = logit(p) for a positive,
 * -logit(p) for a negative), each code moved by a deterministic fraction of
 * a code so that quantisation does not make ties the real logits did not
 * have. Prints the best thread CPU time of REPEATS (the machine is shared:
 * the best is the least disturbed) and checksums of the AUCs and codes, so
 * that two builds can be compared for speed and for identical results.
 *
 * Usage: bench-metrics DB [RUN [EPOCH [REPEATS]]]   (defaults: latest run ("" too), epoch 0, 10)
 * e.g. after `taskmap train delicious-train.arff.xz --xml delicious.xml --db d.db --epochs 3`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "store.h"

struct shape {
	int64_t run_id;
	size_t n_samples, n_tasks;
};

static int note_run(void *context, const struct tm_run_record *run)
{
	struct shape *s = context;

	s->run_id = run->id;
	s->n_samples = (size_t)run->n_train_samples;
	return 0;
}

static int count_task(void *context, const struct tm_task_record *task)
{
	(void)task;
	((struct shape *)context)->n_tasks++;
	return 0;
}

static double thread_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* logit_of_code - the logit whose gold-label code is @q (jittered by @jitter codes) for label @y. */
static float logit_of_code(uint16_t q, int y, double jitter)
{
	double p = ((double)q + jitter) / TM_DYNAMICS_SCALE;

	p = p < 1e-7 ? 1e-7 : p > 1 - 1e-7 ? 1 - 1e-7 : p;
	return (float)(y == TM_LABEL_POSITIVE ? log(p / (1 - p)) : -log(p / (1 - p)));
}

/* load - the epoch's logits (sample-major) and labels (both layouts) of run @s. */
static int load(struct tm_store *store, const struct shape *s, int64_t epoch, float *logits,
		int8_t *labels, int8_t *by_task, struct tm_error *err)
{
	size_t n = s->n_samples, T = s->n_tasks;
	uint16_t *codes = malloc(n * sizeof(*codes));
	uint64_t state = 1;
	int rc = 0;

	if (!codes)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < T && rc == 0; t++) {
		if ((rc = tm_store_read_dynamics(store, s->run_id, (int64_t)t, epoch, epoch + 1, n,
						 codes, err)) < 0 ||
		    (rc = tm_store_read_labels(store, s->run_id, (int64_t)t, n, by_task + t * n,
					       err)) < 0)
			break;
		for (size_t i = 0; i < n; i++) {
			int y = by_task[t * n + i];

			state = state * 6364136223846793005u + 1442695040888963407u;
			labels[i * T + t] = (int8_t)y;
			logits[i * T + t] = y == TM_LABEL_MISSING ? 0.0f
				: logit_of_code(codes[i], y, (double)(state >> 11) / 9007199254740992.0 - 0.5);
		}
	}
	free(codes);
	return rc;
}

static uint64_t checksum(const void *bytes, size_t n)
{
	const unsigned char *b = bytes;
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

int main(int argc, char **argv)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct shape s = { 0 };
	int64_t epoch = argc > 3 ? strtoll(argv[3], NULL, 10) : 0;
	int repeats = argc > 4 ? atoi(argv[4]) : 10;
	float *logits = NULL;
	int8_t *labels = NULL, *by_task = NULL;
	uint16_t *codes = NULL;
	double *loss = NULL;
	struct tm_task_metrics_record *out = NULL;
	double best = INFINITY, auc = 0;
	uint64_t records = 0;
	int status = 1;
	size_t n_auc = 0;

	if (argc < 2 || repeats < 1) {
		fprintf(stderr, "usage: bench-metrics DB [RUN [EPOCH [REPEATS]]]\n");
		return 2;
	}
	if (tm_store_open(&store, argv[1], TM_STORE_READONLY, &err) < 0 ||
	    tm_store_run_get(store, argc > 2 && argv[2][0] ? argv[2] : NULL, note_run, &s, &err) < 0 ||
	    tm_store_list_tasks(store, s.run_id, count_task, &s, &err) < 0)
		goto fail;
	logits = malloc(s.n_samples * s.n_tasks * sizeof(*logits));
	labels = malloc(s.n_samples * s.n_tasks);
	by_task = malloc(s.n_samples * s.n_tasks);
	codes = malloc(s.n_samples * s.n_tasks * sizeof(*codes));
	out = calloc(s.n_tasks, sizeof(*out));
	loss = malloc(s.n_tasks * sizeof(*loss));
	if (!logits || !labels || !by_task || !codes || !out || !loss) {
		tm_error_set(&err, TM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (load(store, &s, epoch, logits, labels, by_task, &err) < 0 ||
	    tm_metrics_losses(logits, labels, s.n_samples, s.n_tasks, loss, &err) < 0)
		goto fail;
	for (int r = 0; r < repeats; r++) {
		double started = thread_seconds(), seconds;

		/* as the writer thread calls it: task-major labels and the losses given */
		if (tm_metrics_all(logits, labels, by_task, loss, s.n_samples, s.n_tasks, out,
				   codes, &err) < 0)
			goto fail;
		seconds = thread_seconds() - started;
		best = seconds < best ? seconds : best;
	}
	for (size_t t = 0; t < s.n_tasks; t++) {
		double numbers[3] = { out[t].loss, out[t].accuracy, out[t].roc_auc };

		records = records * 31 + checksum(numbers, sizeof(numbers));
		if (!isnan(out[t].roc_auc)) {
			auc += out[t].roc_auc;
			n_auc++;
		}
	}
	printf("%zu samples x %zu tasks, epoch %lld: best %.4f s CPU of %d, mean AUC %.10f,"
	       " codes %016llx, records %016llx\n", s.n_samples, s.n_tasks, (long long)epoch, best,
	       repeats, n_auc ? auc / (double)n_auc : NAN,
	       (unsigned long long)checksum(codes, s.n_samples * s.n_tasks * sizeof(*codes)),
	       (unsigned long long)records);
	status = 0;
fail:
	if (status)
		fprintf(stderr, "bench-metrics: %s\n", err.message);
	tm_store_close(store);
	free(logits);
	free(labels);
	free(by_task);
	free(codes);
	free(out);
	free(loss);
	return status;
}
