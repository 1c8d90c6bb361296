/*
 * metrics.c - comparing and scoring partitions: the adjusted Rand index
 * (Hubert and Arabie 1985), normalised mutual information (arithmetic-mean
 * normaliser, as scikit-learn's default) and the mean silhouette width
 * (Rousseeuw 1987).
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>

/* label_count - one more than the largest label. */
static size_t label_count(const size_t *labels, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k = labels[i] + 1 > k ? labels[i] + 1 : k;
	return k;
}

/* contingency - the ka x kb table of label pairs; NULL when out of memory. */
static double *contingency(const size_t *a, const size_t *b, size_t n, size_t ka, size_t kb)
{
	double *table = calloc(ka * kb > 0 ? ka * kb : 1, sizeof(double));

	if (table)
		for (size_t i = 0; i < n; i++)
			table[a[i] * kb + b[i]]++;
	return table;
}

static double pairs(double x)
{
	return x * (x - 1) / 2;
}

double tm_adjusted_rand_index(const size_t *a, const size_t *b, size_t n)
{
	size_t ka = label_count(a, n), kb = label_count(b, n);
	double *table = contingency(a, b, n, ka, kb), index = 0, sum_a = 0, sum_b = 0;
	double expected, maximum;

	if (!table)
		return NAN;
	for (size_t i = 0; i < ka; i++) {
		double row = 0;

		for (size_t j = 0; j < kb; j++) {
			index += pairs(table[i * kb + j]);
			row += table[i * kb + j];
		}
		sum_a += pairs(row);
	}
	for (size_t j = 0; j < kb; j++) {
		double column = 0;

		for (size_t i = 0; i < ka; i++)
			column += table[i * kb + j];
		sum_b += pairs(column);
	}
	free(table);
	expected = n > 1 ? sum_a * sum_b / pairs((double)n) : 0;
	maximum = (sum_a + sum_b) / 2;
	/* both partitions trivial in the same way (all singletons or one group) */
	if (maximum == expected)
		return 1;
	return (index - expected) / (maximum - expected);
}

double tm_normalized_mutual_information(const size_t *a, const size_t *b, size_t n)
{
	size_t ka = label_count(a, n), kb = label_count(b, n);
	double *table = contingency(a, b, n, ka, kb), *row, *column, mutual = 0, ha = 0, hb = 0;

	if (!table || n == 0) {
		free(table);
		return n == 0 ? 1 : NAN;
	}
	row = calloc(ka + kb, sizeof(double));
	if (!row) {
		free(table);
		return NAN;
	}
	column = row + ka;
	for (size_t i = 0; i < ka; i++)
		for (size_t j = 0; j < kb; j++) {
			row[i] += table[i * kb + j];
			column[j] += table[i * kb + j];
		}
	for (size_t i = 0; i < ka; i++)
		for (size_t j = 0; j < kb; j++) {
			double p = table[i * kb + j] / (double)n;

			if (p > 0)
				mutual += p * log(p * (double)n * (double)n / (row[i] * column[j]));
		}
	for (size_t i = 0; i < ka; i++)
		ha -= row[i] > 0 ? row[i] / (double)n * log(row[i] / (double)n) : 0;
	for (size_t j = 0; j < kb; j++)
		hb -= column[j] > 0 ? column[j] / (double)n * log(column[j] / (double)n) : 0;
	free(table);
	free(row);
	if (ha + hb <= 0)
		return 1; /* both partitions a single group */
	return fmax(0, fmin(1, mutual / ((ha + hb) / 2)));
}

double tm_silhouette(const double *distance, size_t n, const size_t *assignment, size_t k,
		     double *per_item)
{
	double *mean = calloc(k ? k : 1, sizeof(double)), total = 0;
	size_t *size = calloc(k ? k : 1, sizeof(size_t));

	if (!mean || !size || k < 2 || k >= n) {
		for (size_t i = 0; per_item && i < n; i++)
			per_item[i] = 0;
		free(mean);
		free(size);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		size[assignment[i]]++;
	for (size_t i = 0; i < n; i++) {
		double a, b = INFINITY, width = 0;

		for (size_t c = 0; c < k; c++)
			mean[c] = 0;
		for (size_t j = 0; j < n; j++)
			mean[assignment[j]] += distance[i * n + j];
		if (size[assignment[i]] > 1) {
			a = mean[assignment[i]] / (double)(size[assignment[i]] - 1);
			for (size_t c = 0; c < k; c++)
				if (c != assignment[i] && size[c])
					b = fmin(b, mean[c] / (double)size[c]);
			width = fmax(a, b) > 0 && isfinite(b) ? (b - a) / fmax(a, b) : 0;
		}
		if (per_item)
			per_item[i] = width;
		total += width;
	}
	free(mean);
	free(size);
	return total / (double)n;
}
