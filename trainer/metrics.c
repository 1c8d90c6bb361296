/*
 * metrics.c - per-task evaluation numbers stored each epoch: the mean
 * binary cross-entropy, the accuracy at threshold 0.5 and the ROC-AUC
 * (Mann-Whitney form, ties counted one half), from a sample-major matrix of
 * logits and the labels.
 *
 * The trainer computes these for every task every epoch (983 tasks x 9044
 * samples on delicious), so tm_metrics_all radix-sorts only the smaller
 * class of each task on the bit patterns of its scores and looks every
 * member of the larger class up in a bucket table of them, O(n) per task,
 * can take task-major labels and losses made elsewhere, and writes the
 * 16-bit recording of the gold-label probabilities from the same columns
 * (sharing the transposition); tm_metrics_roc_auc is the plain O(n log n)
 * form for one-off use (and the tests' reference).
 */
#include "model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <xmmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#define METRICS_AVX2 /* count_pairs and collect_keys have AVX2 forms, chosen at run time */
#include <immintrin.h>
#endif

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

	memcpy(&bits, &score, sizeof(bits));
	bits &= score == 0 ? 0 : ~0u; /* -0 == +0 */
	/* negative: flip all bits (mask all ones); positive: set the sign bit */
	return bits ^ ((uint32_t)((int32_t)bits >> 31) | 0x80000000u);
}

/* key_value - the float of a sort key (+0 for the key of -0 and +0). */
static inline float key_value(uint32_t key)
{
	uint32_t bits = key & 0x80000000u ? key ^ 0x80000000u : ~key;
	float value;

	memcpy(&value, &bits, sizeof(value));
	return value;
}

#define RADIX_BITS 8
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_PASSES 4 /* 4 x 8 bits = 32 */

/*
 * radix_sort_keys - LSD radix sort of the @n keys in @a (@b is scratch of
 * the same size; passes whose digit is the same for every key are
 * skipped); returns whichever of the two holds the sorted keys. Bytes as
 * digits: it sorts one class of a task (the smaller one, a few hundred keys
 * on delicious), where 256 buckets cost less to clear and sum than 2048.
 * 32-bit counts: a split has fewer than 2^32 samples.
 */
static uint32_t *radix_sort_keys(uint32_t *a, uint32_t *b, size_t n)
{
	uint32_t count[RADIX_PASSES][RADIX_BUCKETS];

	if (n < 2)
		return a;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < RADIX_PASSES; p++)
			count[p][(a[i] >> (RADIX_BITS * p)) & (RADIX_BUCKETS - 1)]++;
	for (int p = 0; p < RADIX_PASSES; p++) {
		unsigned shift = RADIX_BITS * (unsigned)p;
		uint32_t offset = 0, *swap;

		if (count[p][(a[0] >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;
		for (size_t d = 0; d < RADIX_BUCKETS; d++) {
			uint32_t c = count[p][d];

			count[p][d] = offset;
			offset += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[p][(a[i] >> shift) & (RADIX_BUCKETS - 1)]++] = a[i];
		swap = a;
		a = b;
		b = swap;
	}
	return a;
}

/*
 * Buckets of lookup_roc_auc: b(z) = (z - lowest) * scale truncated, on the
 * score clamped to [lowest, highest], the smaller class's range. Float
 * subtraction and multiplication by a positive number round monotonically,
 * so b never decreases as the score grows; linear in the value (the sort
 * keys are not: a range across 0 spans ~2^31 keys), so the buckets follow
 * where the scores are. A range that is empty or not finite gets one bucket.
 */
struct buckets {
	float lowest, highest, scale;
	float last; /* the number of buckets - 1, below 2^31 */
};

/*
 * bucket_of - b(score), clamped to the last bucket. Only float selects
 * before one conversion, so that bucket_indices vectorises it; both make
 * the same float operations, hence the same buckets.
 */
static inline uint32_t bucket_of(const struct buckets *b, float score)
{
	float clamped = score >= b->lowest ? score : b->lowest; /* NaN: the lowest */
	float index;

	clamped = clamped <= b->highest ? clamped : b->highest;
	index = (clamped - b->lowest) * b->scale;
	return (uint32_t)(int32_t)(index <= b->last ? index : b->last);
}

#define LOOKUP_CHUNK 256 /* scores whose buckets bucket_indices makes at a time */

/* bucket_indices - bucket_of of @n <= LOOKUP_CHUNK scores into @at, in vector registers. */
VECTOR_CLONES
static void bucket_indices(const struct buckets *restrict b, const float *restrict scores,
			   size_t n, uint32_t *restrict at)
{
	const struct buckets c = *b;

	for (size_t i = 0; i < n; i++)
		at[i] = bucket_of(&c, scores[i]);
}

/*
 * A bucket's entry in lookup_roc_auc's table: the index of the first
 * sorted value whose bucket is at or after it (low 32 bits) and, when the
 * bucket holds one value or none, that first value's float bits (high 32
 * bits; a bucket of none has its first value in a later bucket), else a
 * NaN: one load tells most lookups all they need.
 */
static inline uint64_t bucket_entry(uint32_t first, float value)
{
	uint32_t bits;

	memcpy(&bits, &value, sizeof(bits));
	return (uint64_t)bits << 32 | first;
}

static inline float entry_value(uint64_t entry)
{
	uint32_t bits = (uint32_t)(entry >> 32);
	float value;

	memcpy(&value, &bits, sizeof(value));
	return value;
}

/*
 * The lookups of one chunk of a task's column: its scores, labels and
 * buckets, the class looked up, and the smaller class's bucket table and
 * sorted values.
 */
struct lookup {
	const float *scores;
	const int8_t *labels;
	uint32_t at[LOOKUP_CHUNK];
	int majority;
	const uint64_t *table;
	const float *values;
};

/*
 * count_one - for sample @k of @c: the sorted values below its score and
 * those equal to it, added to @below and @equal. An empty bucket's first
 * value lies in a later bucket, so it is above the score (the bucket never
 * decreases): neither below it nor equal, as the comparisons find. A
 * bucket of several values (or of a NaN) is searched.
 */
static inline void count_one(const struct lookup *c, size_t k, uint64_t *below, uint64_t *equal)
{
	float score = c->scores[k];
	uint64_t entry = c->table[c->at[k]];
	float value = entry_value(entry);
	uint32_t first = (uint32_t)entry, end;
	size_t lower;

	if (__builtin_expect(!isnan(value), 1)) {
		*below += first + (value < score);
		*equal += value == score;
		return;
	}
	end = (uint32_t)c->table[c->at[k] + 1];
	lower = lower_bound(c->values + first, end - first, score);
	*below += first + lower;
	*equal += upper_bound(c->values + first, end - first, score) - lower;
}

static void count_pairs_plain(const struct lookup *c, size_t n, uint64_t *below, uint64_t *equal)
{
	for (size_t k = 0; k < n; k++)
		if (c->labels[k] == c->majority)
			count_one(c, k, below, equal);
}

static size_t collect_keys_plain(const float *scores, const int8_t *labels, size_t n,
				 int minority, uint32_t *keys)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) /* the smaller class: a rare, predictable branch */
		if (labels[i] == minority)
			keys[m++] = sort_key(scores[i]);
	return m;
}

#ifdef METRICS_AVX2
/*
 * count_pairs_avx2 - count_pairs_plain 8 samples at a time: the entries
 * are gathered, the one-comparison case counted in the lanes, and the
 * lanes of wide buckets go to count_one. The same integer counts.
 */
__attribute__((target("avx2")))
static void count_pairs_avx2(const struct lookup *c, size_t n, uint64_t *below, uint64_t *equal)
{
	const __m256i majority = _mm256_set1_epi32(c->majority);
	const long long *table = (const long long *)c->table;
	__m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256(); /* 64-bit sums */
	uint64_t ties = 0;
	size_t k = 0;

	for (; k + 8 <= n; k += 8) {
		__m256i bucket = _mm256_loadu_si256((const __m256i *)(c->at + k));
		__m256 e0 = _mm256_castsi256_ps(_mm256_i32gather_epi64(
			table, _mm256_castsi256_si128(bucket), 8));
		__m256 e1 = _mm256_castsi256_ps(_mm256_i32gather_epi64(
			table, _mm256_extracti128_si256(bucket, 1), 8));
		/* the entries' halves apart, in lane order 0 1 4 5 2 3 6 7, then reordered */
		__m256i first = _mm256_permute4x64_epi64(_mm256_castps_si256(
			_mm256_shuffle_ps(e0, e1, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0));
		__m256 value = _mm256_castsi256_ps(_mm256_permute4x64_epi64(_mm256_castps_si256(
			_mm256_shuffle_ps(e0, e1, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
		__m256 score = _mm256_loadu_ps(c->scores + k);
		__m256i label = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(c->labels + k)));
		__m256i mine = _mm256_cmpeq_epi32(label, majority);
		__m256i wide = _mm256_castps_si256(_mm256_cmp_ps(value, value, _CMP_UNORD_Q));
		__m256i simple = _mm256_andnot_si256(wide, mine);
		__m256i less = _mm256_castps_si256(_mm256_cmp_ps(value, score, _CMP_LT_OQ));
		__m256 same = _mm256_cmp_ps(value, score, _CMP_EQ_OQ);
		/* first + (value < score), the comparison's mask being -1 */
		__m256i counts = _mm256_and_si256(_mm256_sub_epi32(first, less), simple);
		unsigned rest = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
			_mm256_and_si256(wide, mine)));

		low = _mm256_add_epi64(low, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(counts)));
		high = _mm256_add_epi64(high, _mm256_cvtepu32_epi64(
			_mm256_extracti128_si256(counts, 1)));
		ties += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_ps(
			_mm256_and_ps(same, _mm256_castsi256_ps(simple))));
		for (; rest; rest &= rest - 1)
			count_one(c, k + (size_t)__builtin_ctz(rest), below, equal);
	}
	low = _mm256_add_epi64(low, high);
	*below += (uint64_t)_mm256_extract_epi64(low, 0) + (uint64_t)_mm256_extract_epi64(low, 1) +
		  (uint64_t)_mm256_extract_epi64(low, 2) + (uint64_t)_mm256_extract_epi64(low, 3);
	*equal += ties;
	for (; k < n; k++)
		if (c->labels[k] == c->majority)
			count_one(c, k, below, equal);
}

/* collect_keys_avx2 - collect_keys_plain finding the class's samples 32 labels at a time. */
__attribute__((target("avx2")))
static size_t collect_keys_avx2(const float *scores, const int8_t *labels, size_t n,
				int minority, uint32_t *keys)
{
	const __m256i wanted = _mm256_set1_epi8((char)minority);
	size_t m = 0, i = 0;

	for (; i + 32 <= n; i += 32) {
		unsigned hits = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
			_mm256_loadu_si256((const __m256i *)(labels + i)), wanted));

		for (; hits; hits &= hits - 1)
			keys[m++] = sort_key(scores[i + (size_t)__builtin_ctz(hits)]);
	}
	return m + collect_keys_plain(scores + i, labels + i, n - i, minority, keys + m);
}
#endif

static int vector_kernels = 1; /* tm_metrics_vector_kernels */

void tm_metrics_vector_kernels(int on)
{
	vector_kernels = on;
}

/* count_pairs - over @n samples of chunk @c, in AVX2 where the processor has it. */
static void count_pairs(const struct lookup *c, size_t n, uint64_t *below, uint64_t *equal)
{
#ifdef METRICS_AVX2
	if (vector_kernels && __builtin_cpu_supports("avx2")) {
		count_pairs_avx2(c, n, below, equal);
		return;
	}
#endif
	count_pairs_plain(c, n, below, equal);
}

/* collect_keys - the sort keys of the samples labelled @minority, in sample order. */
static size_t collect_keys(const float *scores, const int8_t *labels, size_t n, int minority,
			   uint32_t *keys)
{
#ifdef METRICS_AVX2
	if (vector_kernels && __builtin_cpu_supports("avx2"))
		return collect_keys_avx2(scores, labels, n, minority, keys);
#endif
	return collect_keys_plain(scores, labels, n, minority, keys);
}

/*
 * lookup_roc_auc - the AUC of tm_metrics_roc_auc, exactly, from a task's
 * column of @n scores and labels with @n_pos positives and @n_neg
 * negatives: the smaller class's sort keys are radix-sorted, and a table
 * of where each bucket (struct buckets, up to 8 per key) starts among
 * them, with the bucket's value when it holds one or none (bucket_entry),
 * lets each member of the larger class find the sorted keys below and
 * equal to its own in O(1): one load and one comparison, 8 lanes at a
 * time with AVX2, or a binary search within a wider bucket (clusters,
 * ties). Since the bucket never decreases with the score, only scores in
 * the same bucket need comparing (as floats, in which -0 == +0 as in the
 * keys; a NaN, which no finite training produces, is not ordered like the
 * plain form). The pair counts are integers, summed exactly, so the value
 * equals the sorted-merge form to the bit. @keys and @scratch hold n keys
 * each, @table 2 n + 18 entries (8-byte aligned).
 */
static double lookup_roc_auc(const float *scores, const int8_t *labels, size_t n,
			     size_t n_pos, size_t n_neg, uint32_t *keys, uint32_t *scratch,
			     uint64_t *table)
{
	int minority = n_pos <= n_neg ? TM_LABEL_POSITIVE : TM_LABEL_NEGATIVE;
	int majority = TM_LABEL_POSITIVE + TM_LABEL_NEGATIVE - minority;
	size_t m, n_buckets = 16, filled = 0; /* table entries */
	uint64_t below = 0, equal = 0, wins; /* pairs, counted whole */
	uint32_t *sorted;
	float *values, span;
	struct buckets b;

	if (!n_pos || !n_neg)
		return NAN;
	m = collect_keys(scores, labels, n, minority, keys);
	sorted = radix_sort_keys(keys, scratch, m);
	/* 8 per key where the table fits its 2 n + 18 entries: a clustered class
	 * (most tasks' positives) then rarely puts two keys in one bucket */
	while (n_buckets < 8 * m && 2 * n_buckets <= 2 * n + 16)
		n_buckets *= 2;
	b.lowest = key_value(sorted[0]);
	b.highest = key_value(sorted[m - 1]);
	span = b.highest - b.lowest;
	b.scale = isfinite(span) && span > 0 ? (float)(n_buckets - 1) / span : 0;
	if (!isfinite(b.scale)) /* a subnormal span */
		b.scale = 0;
	b.last = b.scale > 0 ? (float)(n_buckets - 1) : 0;
	if (!(b.scale > 0)) /* one bucket: keep NaN and infinities out of the arithmetic */
		b.lowest = b.highest = 0;
	/* the sorted keys back as floats: the lookups compare floats (-0 == +0 alike) */
	values = (float *)(sorted == keys ? scratch : keys);
	for (size_t j = 0; j < m; j++)
		values[j] = key_value(sorted[j]);
	/* the entries of buckets [0, last]; table[last + 1] points past the values */
	for (size_t j = 0, bucket, next = bucket_of(&b, values[0]); j < m; j++) {
		bucket = next;
		next = j + 1 < m ? bucket_of(&b, values[j + 1]) : SIZE_MAX;
		for (; filled < bucket; filled++) /* empty buckets */
			table[filled] = bucket_entry((uint32_t)j, values[j]);
		if (filled == bucket) /* j is its bucket's first value */
			table[filled++] = bucket_entry((uint32_t)j, next == bucket ? NAN : values[j]);
	}
	for (; filled <= (size_t)b.last + 1; filled++)
		table[filled] = bucket_entry((uint32_t)m, 0);
	for (size_t i0 = 0; i0 < n; i0 += LOOKUP_CHUNK) {
		size_t width = n - i0 < LOOKUP_CHUNK ? n - i0 : LOOKUP_CHUNK;
		struct lookup chunk = { scores + i0, labels + i0, { 0 }, majority, table, values };

		bucket_indices(&b, chunk.scores, width, chunk.at);
		count_pairs(&chunk, width, &below, &equal);
	}
	/* a majority negative loses to the minority positives above it; a
	 * majority positive beats the minority negatives below it */
	wins = minority == TM_LABEL_POSITIVE ? (uint64_t)n_neg * m - below - equal : below;
	return ((double)wins + 0.5 * (double)equal) / ((double)n_pos * (double)n_neg);
}

#define RENORMALISE_EVERY 256 /* factors <= 2, so the product stays below 2^256 */

/*
 * BCE(z, y) = max(z, 0) - z y + log(1 + e^-|z|), summed over a task's
 * labelled samples in sample order, e^-|z| by tm_exp_negabs. The log terms
 * are summed as the log of their product, kept in double and renormalised
 * with frexp every RENORMALISE_EVERY factors (each in (1, 2]): one log per
 * task instead of one per sample, and more accurate than adding float
 * logs. Scaling by a power of two is exact, so where the renormalisations
 * fall does not change the product's digits, and loss_mean splits it
 * canonically (frexp) before the log: the task-major pass of
 * tm_metrics_all and the row-major tm_metrics_losses, which renormalise at
 * different points, give losses equal to the bit.
 */
struct loss_sum {
	double linear, product; /* sum of max(z, 0) - z y; product of (1 + e^-|z|) */
	long exponent;          /* binary exponent taken out of the product */
	size_t labelled;
};

/* loss_add - one labelled (z, y) into @s. */
static inline void loss_add(struct loss_sum *s, float z, int y)
{
	s->linear += (z > 0 ? z : 0) - z * (float)y;
	s->product *= 1.0 + (double)tm_exp_negabs(z);
	if (++s->labelled % RENORMALISE_EVERY == 0) {
		int binary_exponent;

		s->product = frexp(s->product, &binary_exponent);
		s->exponent += binary_exponent;
	}
}

static inline double loss_mean(const struct loss_sum *s)
{
	int binary_exponent;
	double mantissa = frexp(s->product, &binary_exponent);

	return s->labelled ? (s->linear + log(mantissa) +
			      (double)(s->exponent + binary_exponent) * M_LN2) /
		(double)s->labelled : NAN;
}

/*
 * record_codes - the 16-bit recording of a task's column (tm_gold_code,
 * TM_DYNAMICS_MISSING where the label is), and the number of right
 * predictions. A straight-line loop: 8 lanes with AVX2, 4 without.
 */
VECTOR_CLONES
static size_t record_codes(const float *restrict logits, const int8_t *restrict labels, size_t n,
			   uint16_t *restrict codes)
{
	size_t right = 0;

	for (size_t i = 0; i < n; i++) {
		float z = logits[i]; /* read unconditionally: a conditional load would not vectorise */
		int y = labels[i];
		uint16_t code = tm_gold_code(z, y, tm_exp_negabs(z));

		codes[i] = y == TM_LABEL_MISSING ? TM_DYNAMICS_MISSING : code;
		right += (y != TM_LABEL_MISSING) & ((z >= 0) == (y == TM_LABEL_POSITIVE));
	}
	return right;
}

/*
 * task_metrics - accuracy and AUC, and unless @known_loss is given the
 * loss, of one task from its contiguous columns; with @codes also its
 * recording. @keys, @sorted and @table as lookup_roc_auc's.
 */
static void task_metrics(const float *restrict logits, const int8_t *restrict labels, size_t n,
			 const double *known_loss, uint32_t *keys, uint32_t *sorted,
			 uint64_t *table, uint16_t *restrict codes,
			 struct tm_task_metrics_record *out)
{
	size_t right = 0, positives = 0, labelled = 0;

	/* counts and the recording: straight-line loops that vectorise */
	for (size_t i = 0; i < n; i++) {
		positives += labels[i] == TM_LABEL_POSITIVE;
		labelled += labels[i] != TM_LABEL_MISSING;
	}
	if (codes) {
		right = record_codes(logits, labels, n, codes);
	} else {
		for (size_t i = 0; i < n; i++)
			right += (labels[i] != TM_LABEL_MISSING) &
				 ((logits[i] >= 0) == (labels[i] == TM_LABEL_POSITIVE));
	}
	if (known_loss) {
		out->loss = *known_loss;
	} else {
		struct loss_sum sum = { 0, 1, 0, 0 };

		for (size_t i = 0; i < n; i++)
			if (labels[i] != TM_LABEL_MISSING)
				loss_add(&sum, logits[i], labels[i]);
		out->loss = loss_mean(&sum);
	}
	out->accuracy = labelled ? (double)right / (double)labelled : NAN;
	out->roc_auc = lookup_roc_auc(logits, labels, n, positives, labelled - positives, keys,
				      sorted, table);
}

int tm_metrics_losses(const float *logits, const int8_t *labels, size_t n_rows,
		      size_t n_tasks, double *loss, struct tm_error *err)
{
	size_t T = n_tasks ? n_tasks : 1;
	double *linear = malloc(3 * T * sizeof(double)), *product = linear + T, *count = product + T;
	long *exponent = calloc(T, sizeof(long));

	if (!linear || !exponent) {
		free(linear);
		free(exponent);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the metrics");
	}
	for (size_t t = 0; t < n_tasks; t++) {
		linear[t] = count[t] = 0;
		product[t] = 1;
	}
	/*
	 * Row by row, each task's sums still run in sample order, vectorised
	 * across the tasks (an absent pair adds 0 and multiplies by 1, exactly);
	 * the products are renormalised every RENORMALISE_EVERY rows.
	 */
	for (size_t i = 0; i < n_rows; i++) {
		const float *restrict z = logits + i * n_tasks;
		const int8_t *restrict y = labels + i * n_tasks;

		for (size_t t = 0; t < n_tasks; t++) {
			int present = y[t] != TM_LABEL_MISSING;
			float label = y[t] == TM_LABEL_POSITIVE ? 1.0f : 0.0f;
			float term = (z[t] > 0 ? z[t] : 0.0f) - z[t] * label;
			/* e is finite, so an absent pair multiplies by 1 + 0 (arithmetic,
			 * not a select, which the compiler would turn into a branch) */
			float e = tm_exp_negabs(z[t]) * (float)present;

			linear[t] += present ? (double)term : 0.0;
			product[t] *= 1.0 + (double)e;
			count[t] += (double)present;
		}
		if ((i + 1) % RENORMALISE_EVERY == 0)
			for (size_t t = 0; t < n_tasks; t++) {
				int binary_exponent;

				product[t] = frexp(product[t], &binary_exponent);
				exponent[t] += binary_exponent;
			}
	}
	for (size_t t = 0; t < n_tasks; t++) {
		struct loss_sum sum = { linear[t], product[t], exponent[t], (size_t)count[t] };

		loss[t] = loss_mean(&sum);
	}
	free(linear);
	free(exponent);
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

#define GATHER_ROWS 16 /* rows of a tile in tm_metrics_all's gather: a cache line of floats */

/*
 * transpose_tile - @rows x @width floats at @in (rows @in_stride apart)
 * into @width columns at @out (@out_stride apart): 4 x 4 blocks through
 * SSE registers where the target has them (every x86-64 does), one float
 * at a time for the edges. A copy: the same bits either way.
 */
static void transpose_tile(const float *in, size_t in_stride, size_t rows, size_t width,
			   float *out, size_t out_stride)
{
	size_t i = 0, b;

#ifdef __SSE2__
	for (; i + 4 <= rows; i += 4) {
		for (b = 0; b + 4 <= width; b += 4) {
			__m128 r0 = _mm_loadu_ps(in + i * in_stride + b);
			__m128 r1 = _mm_loadu_ps(in + (i + 1) * in_stride + b);
			__m128 r2 = _mm_loadu_ps(in + (i + 2) * in_stride + b);
			__m128 r3 = _mm_loadu_ps(in + (i + 3) * in_stride + b);

			_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
			_mm_storeu_ps(out + b * out_stride + i, r0);
			_mm_storeu_ps(out + (b + 1) * out_stride + i, r1);
			_mm_storeu_ps(out + (b + 2) * out_stride + i, r2);
			_mm_storeu_ps(out + (b + 3) * out_stride + i, r3);
		}
		for (; b < width; b++)
			for (size_t k = i; k < i + 4; k++)
				out[b * out_stride + k] = in[k * in_stride + b];
	}
#endif
	for (; i < rows; i++)
		for (b = 0; b < width; b++)
			out[b * out_stride + i] = in[i * in_stride + b];
}

/* gather_block - task columns [t0, t0 + width) of the job's logits (and labels) into @columns. */
static void gather_block(const struct tm_metrics_job *job, size_t t0, size_t width,
			 float *columns, int8_t *column_labels)
{
	const float *logits = job->logits;
	size_t n_rows = job->n_rows, n_tasks = job->n_tasks;

	/*
	 * in tiles of GATHER_ROWS rows: each row's block is read contiguously
	 * and each column gets whole cache lines (a store per row to 64 columns
	 * a page apart was half of the gather's time). The rows are a page
	 * apart on delicious, where the hardware prefetchers stop: the next
	 * tile's blocks are asked for.
	 */
	for (size_t i0 = 0; i0 < n_rows; i0 += GATHER_ROWS) {
		size_t i1 = n_rows - i0 < GATHER_ROWS ? n_rows : i0 + GATHER_ROWS;

		for (size_t i = i1; i < i1 + GATHER_ROWS && i < n_rows; i++)
			for (size_t b = 0; b < width; b += 16) /* 16 floats a cache line */
				__builtin_prefetch(logits + i * n_tasks + t0 + b);
		transpose_tile(logits + i0 * n_tasks + t0, n_tasks, i1 - i0, width,
			       columns + i0, n_rows);
		for (size_t b = 0; column_labels && b < width; b++)
			for (size_t i = i0; i < i1; i++)
				column_labels[b * n_rows + i] = job->labels[i * n_tasks + t0 + b];
	}
}

void tm_metrics_job_init(struct tm_metrics_job *job, const float *logits, const int8_t *labels,
			 const int8_t *labels_by_task, const double *loss, size_t n_rows,
			 size_t n_tasks, struct tm_task_metrics_record *out, uint16_t *codes)
{
	*job = (struct tm_metrics_job){ .logits = logits, .labels = labels,
		.labels_by_task = labels_by_task, .loss = loss, .n_rows = n_rows,
		.n_tasks = n_tasks, .out = out, .codes = codes,
		.n_blocks = (n_tasks + TM_METRICS_BLOCK - 1) / TM_METRICS_BLOCK };
	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->done, NULL);
}

void tm_metrics_job_destroy(struct tm_metrics_job *job)
{
	pthread_cond_destroy(&job->done);
	pthread_mutex_destroy(&job->lock);
}

/* take_block - the next block not taken yet, or n_blocks when none is left. */
static size_t take_block(struct tm_metrics_job *job)
{
	size_t block;

	pthread_mutex_lock(&job->lock);
	block = job->taken < job->n_blocks ? job->taken++ : job->n_blocks;
	pthread_mutex_unlock(&job->lock);
	return block;
}

static void finish_block(struct tm_metrics_job *job)
{
	pthread_mutex_lock(&job->lock);
	if (++job->finished == job->n_blocks)
		pthread_cond_broadcast(&job->done);
	pthread_mutex_unlock(&job->lock);
}

int tm_metrics_job_work(struct tm_metrics_job *job, struct tm_error *err)
{
	size_t n_rows = job->n_rows, block;
	size_t stride = n_rows + 1; /* a column, padded so that no buffer has size 0 */
	float *columns = malloc(TM_METRICS_BLOCK * stride * sizeof(float));
	int8_t *column_labels = job->labels_by_task ? NULL : malloc(TM_METRICS_BLOCK * stride);
	/* two arrays of n keys, then the bucket table's 2 n + 18 entries */
	uint32_t *keys = malloc((2 * n_rows + 2 * (2 * n_rows + 18)) * sizeof(uint32_t));

	if (!columns || (!job->labels_by_task && !column_labels) || !keys) {
		free(columns);
		free(column_labels);
		free(keys);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the metrics");
	}
	while ((block = take_block(job)) < job->n_blocks) {
		size_t t0 = block * TM_METRICS_BLOCK;
		size_t width = job->n_tasks - t0 < TM_METRICS_BLOCK ? job->n_tasks - t0
			: TM_METRICS_BLOCK;

		gather_block(job, t0, width, columns, column_labels);
		for (size_t b = 0; b < width; b++) {
			size_t t = t0 + b;

			job->out[t].task_index = (int64_t)t;
			task_metrics(columns + b * n_rows, job->labels_by_task
				     ? job->labels_by_task + t * n_rows : column_labels + b * n_rows,
				     n_rows, job->loss ? job->loss + t : NULL, keys, keys + n_rows,
				     (uint64_t *)(keys + 2 * n_rows), job->codes ? job->codes + t * n_rows : NULL,
				     &job->out[t]);
		}
		finish_block(job);
	}
	free(columns);
	free(column_labels);
	free(keys);
	return 0;
}

void tm_metrics_job_wait(struct tm_metrics_job *job)
{
	pthread_mutex_lock(&job->lock);
	while (job->finished < job->taken)
		pthread_cond_wait(&job->done, &job->lock);
	pthread_mutex_unlock(&job->lock);
}

int tm_metrics_all(const float *logits, const int8_t *labels, const int8_t *labels_by_task,
		   const double *loss, size_t n_rows, size_t n_tasks,
		   struct tm_task_metrics_record *out, uint16_t *codes, struct tm_error *err)
{
	struct tm_metrics_job job;
	int rc;

	tm_metrics_job_init(&job, logits, labels, labels_by_task, loss, n_rows, n_tasks, out,
			    codes);
	rc = tm_metrics_job_work(&job, err);
	tm_metrics_job_destroy(&job);
	return rc;
}
