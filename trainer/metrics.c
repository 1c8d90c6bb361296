/*
 * metrics.c - per-task evaluation numbers stored each epoch: the mean
 * binary cross-entropy, the accuracy at threshold 0.5 and the ROC-AUC
 * (Mann-Whitney form, ties counted one half), from a sample-major matrix of
 * logits and the labels.
 *
 * The trainer computes these for every task every epoch (983 tasks x 9044
 * samples on delicious), so tm_metrics_all radix-sorts each task's
 * positives and negatives on their bit patterns, O(n) per task, and reads
 * the AUC off one merge of the two sorted classes, and can write the 16-bit recording of
 * the gold-label probabilities in the same pass (sharing the exponential
 * and the transposition); tm_metrics_roc_auc is the plain
 * O(n log n) form for one-off use (and the tests' reference).
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * sort_key - the float's bits as an unsigned integer in the order of the
 * floats (negative values: all bits flipped; positive: the sign bit set);
 * -0 becomes +0 so that equal floats get equal keys.
 */
static inline uint32_t sort_key(float score)
{
	uint32_t bits;

	if (score == 0)
		score = 0; /* -0 == +0 */
	memcpy(&bits, &score, sizeof(bits));
	return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_PASSES 3 /* 3 x 11 bits >= 32 */

/*
 * radix_sort_keys - LSD radix sort of the @n keys in @a (@b is scratch of
 * the same size; passes whose digit is the same for every key are
 * skipped); returns whichever of the two holds the sorted keys. 32-bit
 * counts: a split has fewer than 2^32 samples.
 */
static uint32_t *radix_sort_keys(uint32_t *a, uint32_t *b, size_t n)
{
	static const unsigned shift[RADIX_PASSES] = { 0, RADIX_BITS, 2 * RADIX_BITS };
	uint32_t count[RADIX_PASSES][RADIX_BUCKETS];

	if (n < 2)
		return a;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < RADIX_PASSES; p++)
			count[p][(a[i] >> shift[p]) & (RADIX_BUCKETS - 1)]++;
	for (int p = 0; p < RADIX_PASSES; p++) {
		uint32_t offset = 0, *swap;

		if (count[p][(a[0] >> shift[p]) & (RADIX_BUCKETS - 1)] == n)
			continue;
		for (size_t d = 0; d < RADIX_BUCKETS; d++) {
			uint32_t c = count[p][d];

			count[p][d] = offset;
			offset += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[p][(a[i] >> shift[p]) & (RADIX_BUCKETS - 1)]++] = a[i];
		swap = a;
		a = b;
		b = swap;
	}
	return a;
}

/*
 * radix_roc_auc - the AUC of tm_metrics_roc_auc, exactly, from the sort
 * keys of the @n_pos positives and the @n_neg negatives (@scratch holds
 * n_pos + n_neg keys): each class radix-sorted on its own, then one merge
 * over equal-key groups of positives: sum of positives x (negatives below +
 * negatives equal / 2). Keys of 32 bits, not key-and-label in 64, halve
 * the bytes the passes move (8 % of tm_metrics_all on delicious-sized data).
 */
static double radix_roc_auc(uint32_t *pos, size_t n_pos, uint32_t *neg, size_t n_neg,
			    uint32_t *scratch)
{
	double favourable = 0;
	size_t j = 0;

	if (!n_pos || !n_neg)
		return NAN;
	pos = radix_sort_keys(pos, scratch, n_pos);
	neg = radix_sort_keys(neg, scratch + n_pos, n_neg);
	for (size_t i = 0; i < n_pos;) {
		uint32_t key = pos[i];
		size_t same = 0, below, equal;

		for (; i < n_pos && pos[i] == key; i++)
			same++;
		while (j < n_neg && neg[j] < key)
			j++;
		below = j;
		while (j < n_neg && neg[j] == key)
			j++;
		equal = j - below;
		favourable += (double)same * ((double)below + 0.5 * (double)equal);
	}
	return favourable / ((double)n_pos * (double)n_neg);
}

#define RENORMALISE_EVERY 256 /* factors <= 2, so the product stays below 2^256 */

/*
 * BCE(z, y) = max(z, 0) - z y + log(1 + e^-|z|), summed over a task's
 * labelled samples in sample order. The log terms are summed as the log of
 * their product, kept in double and renormalised with frexp every
 * RENORMALISE_EVERY factors (each in (1, 2]): one log per task instead of
 * one per sample, and more accurate than adding float logs. task_metrics
 * and tm_metrics_losses share these two helpers, so their losses are equal
 * to the bit.
 */
struct loss_sum {
	double linear, product; /* sum of max(z, 0) - z y; product of (1 + e^-|z|) */
	long exponent;          /* binary exponent taken out of the product */
	size_t labelled;
};

/* loss_add - one labelled (z, y) into @s; returns e^-|z| (expf) for reuse. */
static inline float loss_add(struct loss_sum *s, float z, int y)
{
	float e = expf(-fabsf(z));

	s->linear += (z > 0 ? z : 0) - z * y;
	s->product *= 1.0 + (double)e;
	if (++s->labelled % RENORMALISE_EVERY == 0) {
		int binary_exponent;

		s->product = frexp(s->product, &binary_exponent);
		s->exponent += binary_exponent;
	}
	return e;
}

static inline double loss_mean(const struct loss_sum *s)
{
	return s->labelled ? (s->linear + log(s->product) + (double)s->exponent * M_LN2) /
		(double)s->labelled : NAN;
}

/*
 * task_metrics - loss, accuracy and AUC of one task from contiguous arrays;
 * @a and @b hold n keys each (positives' keys fill @a from the front,
 * negatives' from the back).
 */
static void task_metrics(const float *logits, const int8_t *labels, size_t n, uint32_t *a,
			 uint32_t *b, uint16_t *codes, struct tm_task_metrics_record *out)
{
	struct loss_sum sum = { 0, 1, 0, 0 };
	size_t right = 0, positives = 0, negatives = 0;

	for (size_t i = 0; i < n; i++) {
		float z = logits[i];
		int y = labels[i];
		float e;

		if (y == TM_LABEL_MISSING) {
			if (codes)
				codes[i] = TM_DYNAMICS_MISSING;
			continue;
		}
		if (y == TM_LABEL_POSITIVE)
			a[positives++] = sort_key(z);
		else
			a[n - 1 - negatives++] = sort_key(z);
		right += (z >= 0) == (y == TM_LABEL_POSITIVE);
		e = loss_add(&sum, z, y);
		if (codes)
			codes[i] = tm_gold_code(z, y, e);
	}
	out->loss = loss_mean(&sum);
	out->accuracy = sum.labelled ? (double)right / (double)sum.labelled : NAN;
	out->roc_auc = radix_roc_auc(a, positives, a + n - negatives, negatives, b);
}

int tm_metrics_losses(const float *logits, const int8_t *labels, size_t n_rows,
		      size_t n_tasks, double *loss, struct tm_error *err)
{
	struct loss_sum *sums = malloc((n_tasks ? n_tasks : 1) * sizeof(*sums));

	if (!sums)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the metrics");
	for (size_t t = 0; t < n_tasks; t++)
		sums[t] = (struct loss_sum){ 0, 1, 0, 0 };
	/* row by row, each task's sum still runs in sample order */
	for (size_t i = 0; i < n_rows; i++) {
		const float *z = logits + i * n_tasks;
		const int8_t *y = labels + i * n_tasks;

		for (size_t t = 0; t < n_tasks; t++)
			if (y[t] != TM_LABEL_MISSING)
				loss_add(&sums[t], z[t], y[t]);
	}
	for (size_t t = 0; t < n_tasks; t++)
		loss[t] = loss_mean(&sums[t]);
	free(sums);
	return 0;
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
		   struct tm_task_metrics_record *out, uint16_t *codes, struct tm_error *err)
{
	size_t block = n_tasks < TM_METRICS_BLOCK ? n_tasks : TM_METRICS_BLOCK;
	float *columns = malloc((block * n_rows + 1) * sizeof(float));
	int8_t *column_labels = malloc(block * n_rows + 1);
	uint32_t *keys = malloc((2 * n_rows + 1) * sizeof(uint32_t));

	if (!columns || !column_labels || !keys) {
		free(columns);
		free(column_labels);
		free(keys);
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
			task_metrics(columns + b * n_rows, column_labels + b * n_rows, n_rows, keys,
				     keys + n_rows, codes ? codes + (t0 + b) * n_rows : NULL,
				     &out[t0 + b]);
		}
	}
	free(columns);
	free(column_labels);
	free(keys);
	return 0;
}
