/*
 * recording.c - the training dynamics of one epoch: the buffers that hold
 * the logits of every training sample (from its training batch or a clean
 * pass) and, for --keep all, their 16-bit codes task-major (made by the
 * metrics pass, tm_metrics_all), and the Welford running summaries of
 * --keep summary, folded here from the probability of the gold label,
 * p = sigma(z) if y = 1 and 1 - sigma(z) if y = 0.
 */
#include "model.h"

#include "large-alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double tm_gold_probability(float z, int y)
{
	if (y == TM_LABEL_MISSING)
		return NAN;
	/* sigma(z) for y = 1, sigma(-z) for y = 0 */
	return 1 / (1 + exp(y == TM_LABEL_POSITIVE ? -(double)z : (double)z));
}

int tm_recorder_create(struct tm_recorder **out, size_t n_samples, size_t n_tasks,
		       enum tm_keep_mode keep, const int8_t *labels,
		       struct tm_error *err)
{
	struct tm_recorder *r = calloc(1, sizeof(*r));
	size_t n;

	*out = NULL;
	if (!r || tm_size_mul(n_samples ? n_samples : 1, n_tasks, &n) < 0 ||
	    n > SIZE_MAX / (3 * sizeof(float)))
		goto fail;
	r->n_samples = n_samples;
	r->n_tasks = n_tasks;
	r->keep = keep;
	r->labels = labels;
	if (!(r->logits = large_alloc(n * sizeof(float))))
		goto fail;
	if (keep == TM_KEEP_ALL && !(r->quantised = large_alloc(n * sizeof(uint16_t))))
		goto fail;
	if (keep == TM_KEEP_SUMMARY &&
	    (!(r->mean = calloc(n, sizeof(float))) || !(r->m2 = calloc(n, sizeof(float))) ||
	     !(r->correct = calloc(n, sizeof(float))) ||
	     !(r->summaries = calloc(n_tasks, sizeof(*r->summaries)))))
		goto fail;
	for (size_t t = 0; r->summaries && t < n_tasks; t++) {
		r->summaries[t].task_index = (int64_t)t;
		r->summaries[t].n_samples = n_samples;
		r->summaries[t].mean = r->mean + t * n_samples;
		r->summaries[t].m2 = r->m2 + t * n_samples;
		r->summaries[t].correct = r->correct + t * n_samples;
	}
	*out = r;
	return 0;
fail:
	tm_recorder_destroy(r);
	return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the recording buffers");
}

void tm_recorder_destroy(struct tm_recorder *recorder)
{
	if (!recorder)
		return;
	free(recorder->logits);
	free(recorder->spare);
	free(recorder->quantised);
	free(recorder->spare_quantised);
	free(recorder->mean);
	free(recorder->m2);
	free(recorder->correct);
	free(recorder->summaries);
	free(recorder);
}

const float *tm_recorder_swap(struct tm_recorder *recorder)
{
	float *filled = recorder->logits;

	if (!recorder->spare &&
	    !(recorder->spare = large_alloc(recorder->n_samples * recorder->n_tasks * sizeof(float))))
		return NULL;
	recorder->logits = recorder->spare;
	recorder->spare = filled;
	return filled;
}

const uint16_t *tm_recorder_swap_quantised(struct tm_recorder *recorder)
{
	uint16_t *filled = recorder->quantised;

	if (!filled || (!recorder->spare_quantised &&
			!(recorder->spare_quantised = large_alloc(recorder->n_samples *
								  recorder->n_tasks *
								  sizeof(uint16_t)))))
		return NULL;
	recorder->quantised = recorder->spare_quantised;
	recorder->spare_quantised = filled;
	return filled;
}

/*
 * quantise - the 16-bit code of the gold-label probability of logit @z for a
 * present label @y: tm_gold_code, the formula the BLOBs' codes use too
 * (metrics.c), so a summary equals what the BLOBs would give.
 */
static inline uint16_t quantise(float z, int y)
{
	return tm_gold_code(z, y, tm_exp_negabs(z));
}

/*
 * fold_summaries - Welford's update with the decoded 16-bit value, so that a
 * summary equals what the analyzers compute from the BLOBs of a --keep all
 * run. Missing labels keep NaN.
 */
static void fold_summaries(struct tm_recorder *r, const float *logits)
{
	double count = (double)(r->n_epochs + 1);

	for (size_t i = 0; i < r->n_samples; i++) {
		for (size_t t = 0; t < r->n_tasks; t++) {
			size_t k = i * r->n_tasks + t, s = t * r->n_samples + i;
			int y = r->labels[k];
			double p, delta, mean;

			if (y == TM_LABEL_MISSING) {
				r->mean[s] = r->m2[s] = r->correct[s] = NAN;
				continue;
			}
			p = tm_dynamics_decode(quantise(logits[k], y));
			delta = p - r->mean[s];
			mean = r->mean[s] + delta / count;
			r->m2[s] = (float)(r->m2[s] + delta * (p - mean));
			r->mean[s] = (float)mean;
			r->correct[s] += p > 0.5;
		}
	}
}

void tm_recorder_finish_epoch(struct tm_recorder *recorder, const float *logits,
			      struct tm_epoch_record *record)
{
	record->probabilities = NULL;
	fold_summaries(recorder, logits);
	recorder->n_epochs++;
	for (size_t t = 0; t < recorder->n_tasks; t++)
		recorder->summaries[t].n_epochs = recorder->n_epochs;
	record->summaries = recorder->summaries;
}
