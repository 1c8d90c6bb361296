/*
 * record.c - a complete program that records its training dynamics with
 * libtaskmap (docs/api.md). It trains one logistic regression per task on
 * made-up data whose six tasks come in two families (tasks 0-2 depend on
 * feature x, tasks 3-5 on feature y), records every epoch's gold-label
 * probabilities, and finishes the run. Then:
 *
 *   taskmap --db DB analyze example && taskmap --db DB recommend --run example
 *
 * groups {a0, a1, a2} and {b0, b1, b2}.
 *
 * Build: cc record.c $(pkg-config --cflags --libs taskmap) -lm
 * Usage: record-example DB [RUN_NAME]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <taskmap.h>

#define N_SAMPLES 600
#define N_TASKS 6
#define N_EPOCHS 6

/* uniform - a small deterministic generator (the example needs no library). */
static double uniform(unsigned long *state)
{
	*state = *state * 6364136223846793005ul + 1442695040888963407ul;
	return (double)(*state >> 11) / 9007199254740992.0;
}

static double sigmoid(double z)
{
	return 1 / (1 + exp(-z));
}

struct data {
	double x[N_SAMPLES], y[N_SAMPLES];
	int8_t labels[N_SAMPLES * N_TASKS]; /* sample-major, as taskmap.h wants */
};

static void make_data(struct data *d)
{
	unsigned long state = 42;

	for (int i = 0; i < N_SAMPLES; i++) {
		d->x[i] = 2 * uniform(&state) - 1;
		d->y[i] = 2 * uniform(&state) - 1;
		for (int t = 0; t < N_TASKS; t++) {
			double feature = t < 3 ? d->x[i] : d->y[i];
			double threshold = 0.2 * (t % 3) - 0.2, noise = 0.3 * (uniform(&state) - 0.5);

			d->labels[i * N_TASKS + t] = feature + noise > threshold;
		}
	}
	d->labels[5 * N_TASKS + 4] = -1; /* one missing label, as real data has */
}

int main(int argc, char **argv)
{
	static const char *const task_names[N_TASKS] = { "a0", "a1", "a2", "b0", "b1", "b2" };
	static struct data d;
	float p[N_SAMPLES * N_TASKS];
	double w[N_TASKS][3] = { { 0 } };
	taskmap *tm = NULL;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DB [RUN_NAME]\n", argv[0]);
		return 2;
	}
	make_data(&d);
	if ((rc = taskmap_open(&tm, argv[1])) < 0 ||
	    (rc = taskmap_create_run(tm, argc > 2 ? argv[2] : "example", N_TASKS, task_names,
				     N_SAMPLES, NULL, d.labels)) < 0)
		goto out;
	for (int epoch = 0; epoch < N_EPOCHS; epoch++) {
		for (int i = 0; i < N_SAMPLES; i++) {
			double features[3] = { d.x[i], d.y[i], 1 };

			for (int t = 0; t < N_TASKS; t++) {
				int label = d.labels[i * N_TASKS + t];
				double z = w[t][0] * features[0] + w[t][1] * features[1] + w[t][2];
				double s = sigmoid(z);

				/* the probability of the gold label, as seen in training */
				p[i * N_TASKS + t] = label < 0 ? NAN : (float)(label ? s : 1 - s);
				for (int j = 0; label >= 0 && j < 3; j++)
					w[t][j] -= 0.05 * (s - label) * features[j]; /* one SGD step */
			}
		}
		if ((rc = taskmap_add_epoch(tm, p, NULL)) < 0)
			goto out;
	}
	rc = taskmap_finish(tm);
out:
	if (rc < 0)
		fprintf(stderr, "record-example: %s\n", taskmap_last_error(tm));
	else
		printf("recorded run %lld with libtaskmap %s\n", (long long)taskmap_run_id(tm),
		       taskmap_version());
	taskmap_close(tm);
	return rc < 0 ? 1 : 0;
}
