/*
 * metrics.c - per-task evaluation numbers stored each epoch: the mean
 * binary cross-entropy, the accuracy at threshold 0.5 and the ROC-AUC
 * (Mann-Whitney form, ties counted one half), from a sample-major matrix of
 * logits and the labels.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>

static int compare_floats(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/*
 * lower_bound / upper_bound - first index with sorted[i] >= / > @value.
 * Branchless (the comparison becomes a conditional move): the searches run
 * once per sample and task each epoch, and mispredicted branches made them
 * the trainer's hottest loop.
 */
static size_t lower_bound(const float *sorted, size_t n, float value)
{
	const float *base = sorted;

	if (!n)
		return 0;
	while (n > 1) {
		size_t half = n / 2;

		base = base[half] < value ? base + half : base;
		n -= half;
	}
	return (size_t)(base - sorted) + (*base < value);
}

static size_t upper_bound(const float *sorted, size_t n, float value)
{
	const float *base = sorted;

	if (!n)
		return 0;
	while (n > 1) {
		size_t half = n / 2;

		base = base[half] <= value ? base + half : base;
		n -= half;
	}
	return (size_t)(base - sorted) + (*base <= value);
}

/*
 * AUC = (1 / (n_pos n_neg)) sum over pairs [s_pos > s_neg] + [s_pos = s_neg] / 2.
 * Only the smaller class is sorted (qsort); each member of the other class
 * counts the sorted ones below, equal and above by binary search, so the
 * cost is O(n log n_minority).
 */
double tm_metrics_roc_auc(const float *scores, const int8_t *labels, size_t n,
			  size_t stride, float *scratch)
{
	size_t n_pos = 0, n_neg = 0, m = 0;
	int minority;
	double favourable = 0;

	for (size_t i = 0; i < n; i++) {
		n_pos += labels[i * stride] == TM_LABEL_POSITIVE;
		n_neg += labels[i * stride] == TM_LABEL_NEGATIVE;
	}
	if (!n_pos || !n_neg)
		return NAN;
	minority = n_pos <= n_neg ? TM_LABEL_POSITIVE : TM_LABEL_NEGATIVE;
	for (size_t i = 0; i < n; i++)
		if (labels[i * stride] == minority)
			scratch[m++] = scores[i * stride];
	qsort(scratch, m, sizeof(float), compare_floats);
	for (size_t i = 0; i < n; i++) {
		int y = labels[i * stride];
		float s = scores[i * stride];
		size_t below, equal;

		if (y == TM_LABEL_MISSING || y == minority)
			continue;
		below = lower_bound(scratch, m, s);
		equal = upper_bound(scratch, m, s) - below;
		/* a majority positive beats the minority negatives below it; a
		 * majority negative loses to the minority positives above it */
		favourable += (minority == TM_LABEL_NEGATIVE ? (double)below
			       : (double)(m - below - equal)) + 0.5 * (double)equal;
	}
	return favourable / ((double)n_pos * (double)n_neg);
}

/* task_metrics - loss, accuracy and AUC of one task from contiguous arrays. */
static void task_metrics(const float *logits, const int8_t *labels, size_t n, float *scratch,
			 struct tm_task_metrics_record *out)
{
	double loss = 0;
	size_t labelled = 0, right = 0;

	for (size_t i = 0; i < n; i++) {
		float z = logits[i];
		int y = labels[i];

		if (y == TM_LABEL_MISSING)
			continue;
		labelled++;
		right += (z >= 0) == (y == TM_LABEL_POSITIVE);
		/* log(1 + e) with e <= 1: logf is exact enough here and much faster than log1pf */
		loss += (z > 0 ? z : 0) - z * y + logf(1.0f + expf(-fabsf(z)));
	}
	out->loss = labelled ? loss / (double)labelled : NAN;
	out->accuracy = labelled ? (double)right / (double)labelled : NAN;
	out->roc_auc = tm_metrics_roc_auc(logits, labels, n, 1, scratch);
}

void tm_metrics_task(const float *logits, const int8_t *labels, size_t n_rows,
		     size_t n_tasks, size_t task, float *scratch,
		     struct tm_task_metrics_record *out)
{
	double loss = 0;
	size_t labelled = 0, right = 0;

	for (size_t i = 0; i < n_rows; i++) {
		size_t k = i * n_tasks + task;
		float z = logits[k];
		int y = labels[k];

		if (y == TM_LABEL_MISSING)
			continue;
		labelled++;
		right += (z >= 0) == (y == TM_LABEL_POSITIVE);
		loss += (z > 0 ? z : 0) - z * y + logf(1.0f + expf(-fabsf(z)));
	}
	out->task_index = (int64_t)task;
	out->loss = labelled ? loss / (double)labelled : NAN;
	out->accuracy = labelled ? (double)right / (double)labelled : NAN;
	out->roc_auc = tm_metrics_roc_auc(logits + task, labels + task, n_rows, n_tasks, scratch);
}

int tm_metrics_all(const float *logits, const int8_t *labels, size_t n_rows, size_t n_tasks,
		   struct tm_task_metrics_record *out, struct tm_error *err)
{
	size_t block = n_tasks < TM_METRICS_BLOCK ? n_tasks : TM_METRICS_BLOCK;
	float *columns = malloc((block * n_rows + n_rows + 1) * sizeof(float));
	int8_t *column_labels = malloc(block * n_rows + 1);
	float *scratch = columns ? columns + block * n_rows : NULL;

	if (!columns || !column_labels) {
		free(columns);
		free(column_labels);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the metrics");
	}
	for (size_t t0 = 0; t0 < n_tasks; t0 += block) {
		size_t width = n_tasks - t0 < block ? n_tasks - t0 : block;

		/* gather a block of task columns: each row is read once, contiguously */
		for (size_t i = 0; i < n_rows; i++)
			for (size_t b = 0; b < width; b++) {
				columns[b * n_rows + i] = logits[i * n_tasks + t0 + b];
				column_labels[b * n_rows + i] = labels[i * n_tasks + t0 + b];
			}
		for (size_t b = 0; b < width; b++) {
			out[t0 + b].task_index = (int64_t)(t0 + b);
			task_metrics(columns + b * n_rows, column_labels + b * n_rows, n_rows, scratch,
				     &out[t0 + b]);
		}
	}
	free(columns);
	free(column_labels);
	return 0;
}
