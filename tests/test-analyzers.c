/*
 * test-analyzers.c - the analyzers suite: metrics against hand-computed
 * values, each clustering on small inputs with known answers, determinism by
 * seed, degenerate inputs, the store round trip of analyses, and an end-to-end
 * analysis of synthetic dynamics with planted groups written to a temp store.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "analyzers.h"
#include "test-helpers.h"

Suite *analyzers_suite(void);

/* ---- metrics -------------------------------------------------------------------- */

START_TEST(test_ari_nmi_hand_computed)
{
	const size_t a[] = { 0, 0, 1, 1 }, b[] = { 0, 0, 1, 2 }, c[] = { 1, 1, 0, 0 };

	/* index 1, sums 2 and 1 over 6 pairs: (1 - 1/3) / (3/2 - 1/3) = 4/7 */
	ck_assert_double_eq_tol(tm_adjusted_rand_index(a, b, 4), 4.0 / 7.0, 1e-12);
	/* I = ln 2, H(a) = ln 2, H(b) = 1.5 ln 2: 2 ln 2 / 2.5 ln 2 */
	ck_assert_double_eq_tol(tm_normalized_mutual_information(a, b, 4), 0.8, 1e-12);
	ck_assert_double_eq_tol(tm_adjusted_rand_index(a, c, 4), 1.0, 1e-12);
	ck_assert_double_eq_tol(tm_normalized_mutual_information(a, c, 4), 1.0, 1e-12);
}
END_TEST

/* line_distances - |x_i - x_j| of points on a line. */
static void line_distances(const double *x, size_t n, double *d)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			d[i * n + j] = fabs(x[i] - x[j]);
}

START_TEST(test_silhouette_hand_computed)
{
	const double x[] = { 0, 1, 10, 11 };
	const size_t assignment[] = { 0, 0, 1, 1 };
	double d[16], per_item[4];

	line_distances(x, 4, d);
	/* items 0, 3: (10.5 - 1) / 10.5; items 1, 2: (9.5 - 1) / 9.5 */
	ck_assert_double_eq_tol(tm_silhouette(d, 4, assignment, 2, per_item),
				(9.5 / 10.5 + 8.5 / 9.5) / 2, 1e-12);
	ck_assert_double_eq_tol(per_item[0], 9.5 / 10.5, 1e-12);
	ck_assert_double_eq(tm_silhouette(d, 4, assignment, 1, NULL), 0);
}
END_TEST

START_TEST(test_pairwise_correlation_missing)
{
	const float x[] = { 1, 2, 3, NAN, 2, 4, 7, 1, 5, 5, 5, 5 };
	double r[9], common[9];

	ck_assert_int_eq(tm_pairwise_correlation(x, 3, 4, 3, r, common, NULL), 0);
	/* over the first three columns: cov 5, variances 2 and 114/9 */
	ck_assert_double_eq_tol(r[1], 5 / sqrt(2 * 114.0 / 9), 1e-5);
	ck_assert_double_eq_tol(r[3], r[1], 1e-12);
	ck_assert_double_eq(common[1], 3);
	ck_assert_double_eq(r[2], 0); /* constant row: 0, never NaN */
	ck_assert_double_eq(r[8], 1);
}
END_TEST

/*
 * Data-map statistics, regions, STG-MTL's distance, and the labels estimator
 * (phi and r(j|i)) over commonly labelled samples, against hand-computed values.
 */
START_TEST(test_datamap_and_labels_hand_computed)
{
	/* two tasks x 2 epochs x 4 samples, [task][epoch][sample] */
	const double p[] = { 0.2, 0.9, 0.6, 0.8, 0.4, 0.9, 0.2, 1.0,
			     0.5, 0.6, 0.5, 0.5, 0.5, 1.0, 0.5, 0.5 };
	/* three tasks' labels over 6 samples, -1 missing */
	const int8_t labels[] = { 1, 1, 0, 0, 1, -1, 1, 0, 0, 0, 1, 1, -1, 1, 1, 0, 0, 1 };
	double q[3 * 6];
	struct tm_datamap *map = NULL;
	struct tm_datamap_task_record record;
	struct tm_relatedness r;

	ck_assert_int_eq(tm_datamap_from_probabilities(p, NULL, 2, 2, 4, &map, NULL), 0);
	/* task 0: confidence 0.3 0.9 0.4 0.9, variability 0.1 0 0.2 0.1, correctness 0 1 .5 1 */
	ck_assert_double_eq_tol(map->confidence[2], 0.4, 1e-6);
	ck_assert_double_eq_tol(map->variability[2], 0.2, 1e-6);
	ck_assert_double_eq_tol(map->correctness[2], 0.5, 1e-6);
	ck_assert_double_eq_tol(map->variability[1], 0, 1e-6);
	/*
	 * pooled variabilities (task 1: 0 .2 0 0) sorted 0 0 0 0 .1 .1 .2 .2: the 2/3-quantile
	 * falls in the bin of .1, so only variability above that bin (the two .2) is ambiguous
	 */
	ck_assert_double_eq_tol(map->ambiguous_threshold, 0.1, 3e-5);
	ck_assert(map->ambiguous_threshold > map->variability[0]);
	ck_assert_int_eq(map->region[0], TM_REGION_HARD); /* confidence 0.3 */
	ck_assert_int_eq(map->region[1], TM_REGION_EASY);
	ck_assert_int_eq(map->region[2], TM_REGION_AMBIGUOUS);
	ck_assert_int_eq(map->region[3], TM_REGION_EASY);
	ck_assert_int_eq(map->region[4], TM_REGION_EASY); /* confidence exactly 0.5 */
	ck_assert_int_eq(map->region[5], TM_REGION_AMBIGUOUS);
	tm_datamap_task_summary(map, 0, &record);
	ck_assert_double_eq_tol(record.confidence, 0.625, 1e-6);
	ck_assert_double_eq_tol(record.variability, 0.1, 1e-6);
	ck_assert_double_eq_tol(record.correctness, 0.625, 1e-6);
	ck_assert_double_eq_tol(record.easy_fraction, 0.5, 1e-12);
	ck_assert_double_eq_tol(record.ambiguous_fraction, 0.25, 1e-12);
	ck_assert_double_eq_tol(record.hard_fraction, 0.25, 1e-12);
	/* STG-MTL: d^2 = |dC|^2 + |dV|^2 = (.04 + .01 + .01 + .16) + (.01 + .04 + .04 + .01) */
	ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_DATAMAP_STG, &r, NULL), 0);
	ck_assert_str_eq(r.stored_kind, "distance");
	ck_assert_double_eq_tol(r.stored[1], sqrt(0.32), 1e-6);
	ck_assert_double_eq_tol(r.stored[2], sqrt(0.32), 1e-6);
	tm_relatedness_release(&r);
	tm_datamap_free(map);

	for (size_t c = 0; c < 3 * 6; c++)
		q[c] = labels[c] < 0 ? NAN : 0.7;
	ck_assert_int_eq(tm_datamap_from_probabilities(q, labels, 3, 1, 6, &map, NULL), 0);
	ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_LABELS, &r, NULL), 0);
	/* phi over common samples: (0,1) samples 0-4: 0.8 / 1.2; (0,2) 1-4: 0; (1,2) 1-5: -0.2 / 1.2 */
	ck_assert_double_eq_tol(r.stored[0 * 3 + 1], 2.0 / 3.0, 1e-6);
	ck_assert_double_eq_tol(r.stored[1 * 3 + 0], 2.0 / 3.0, 1e-6);
	ck_assert_double_eq_tol(r.stored[0 * 3 + 2], 0, 1e-6);
	ck_assert_double_eq_tol(r.stored[1 * 3 + 2], -1.0 / 6.0, 1e-6);
	/* r(j|i) at [i][j]: r(1|0) = 2/3; r(0|1) = 2/2 (sample 5 has no label of task 0) */
	ck_assert_ptr_nonnull(r.conditional);
	ck_assert_double_eq_tol(r.conditional[0 * 3 + 1], 2.0 / 3.0, 1e-12);
	ck_assert_double_eq_tol(r.conditional[1 * 3 + 0], 1, 1e-12);
	ck_assert_double_eq_tol(r.conditional[0 * 3 + 2], 0.5, 1e-12);
	ck_assert_double_eq_tol(r.conditional[2 * 3 + 2], 1, 1e-12);
	tm_relatedness_release(&r);
	tm_datamap_free(map);
}
END_TEST

/* ---- clustering --------------------------------------------------------------- */

/* blob_gram - Gram matrix of 2-D points: @per_blob points around each of @k centres. */
static double *blob_gram(size_t k, size_t per_blob, uint64_t seed, size_t *n_out)
{
	size_t n = k * per_blob;
	double *points = malloc(2 * n * sizeof(double)), *gram = malloc(n * n * sizeof(double));
	gsl_rng *rng = tm_rng_create(seed);

	for (size_t i = 0; i < n; i++) {
		points[2 * i] = 10.0 * (double)(i / per_blob) + gsl_ran_gaussian(rng, 0.5);
		points[2 * i + 1] = 5.0 * (double)((i / per_blob) % 2) + gsl_ran_gaussian(rng, 0.5);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gram[i * n + j] = points[2 * i] * points[2 * j] + points[2 * i + 1] * points[2 * j + 1];
	gsl_rng_free(rng);
	free(points);
	*n_out = n;
	return gram;
}

static void check_blocks(const size_t *assignment, size_t n, size_t per_block)
{
	size_t *truth = malloc(n * sizeof(size_t));

	for (size_t i = 0; i < n; i++)
		truth[i] = i / per_block;
	ck_assert_double_eq_tol(tm_adjusted_rand_index(truth, assignment, n), 1, 1e-12);
	free(truth);
}

START_TEST(test_kmeans_blobs_and_seed)
{
	struct tm_clustering first, second;
	size_t n;
	double *gram = blob_gram(3, 8, 7, &n);

	ck_assert_int_eq(tm_kmeans(gram, n, 3, 5, 42, &first, NULL), 0);
	check_blocks(first.assignment, n, 8);
	ck_assert_int_eq(tm_kmeans(gram, n, 3, 5, 42, &second, NULL), 0);
	ck_assert_mem_eq(first.assignment, second.assignment, n * sizeof(size_t));
	ck_assert_double_eq(first.objective, second.objective);
	tm_clustering_release(&second);
	ck_assert_int_eq(tm_kmeans(gram, n, n + 1, 5, 42, &second, NULL), TM_ERR_USAGE);
	tm_clustering_release(&first);
	free(gram);
}
END_TEST

START_TEST(test_fuzzy_memberships)
{
	struct tm_clustering stg, iterated;
	size_t n;
	double *gram = blob_gram(2, 6, 3, &n);

	ck_assert_int_eq(tm_kmeans(gram, n, 2, 3, 1, &stg, NULL), 0);
	ck_assert_int_eq(tm_fuzzy_from_centroids(gram, &stg, 1.07, NULL), 0);
	ck_assert_int_eq(tm_fuzzy_cmeans(gram, n, 2, 2.0, 3, 1, &iterated, NULL), 0);
	check_blocks(iterated.assignment, n, 6);
	for (size_t i = 0; i < n; i++) {
		double *u = stg.membership + 2 * i, *v = iterated.membership + 2 * i;

		ck_assert_double_eq_tol(u[0] + u[1], 1, 1e-12);
		ck_assert_double_eq_tol(v[0] + v[1], 1, 1e-9);
		/* m = 1.07 on well-separated blobs: practically hard */
		ck_assert(u[stg.assignment[i]] > 0.999);
		ck_assert(v[iterated.assignment[i]] > 0.5);
	}
	ck_assert_int_eq(tm_fuzzy_from_centroids(gram, &stg, 1.0, NULL), TM_ERR_USAGE);
	tm_clustering_release(&stg);
	tm_clustering_release(&iterated);
	free(gram);
}
END_TEST

START_TEST(test_agglomerative_line)
{
	const double x[] = { 0, 1, 10, 11 };
	/* final merge height: average 10, complete 11, Ward sqrt(2*2*2/4) * 10 */
	const double expected[] = { 10, 11, 10 * sqrt(2.0) };
	const enum tm_linkage linkage[] = { TM_LINKAGE_AVERAGE, TM_LINKAGE_COMPLETE, TM_LINKAGE_WARD };
	double d[16];

	line_distances(x, 4, d);
	for (int l = 0; l < 3; l++) {
		struct tm_clustering tree;

		ck_assert_int_eq(tm_agglomerative(d, 4, linkage[l], &tree, NULL), 0);
		ck_assert_int_eq(tree.n_steps, 3);
		ck_assert_int_eq(tree.steps[0].left_node, 0);
		ck_assert_int_eq(tree.steps[0].right_node, 1);
		ck_assert_double_eq_tol(tree.steps[0].height, 1, 1e-12);
		ck_assert_int_eq(tree.steps[1].left_node, 2);
		ck_assert_int_eq(tree.steps[1].right_node, 3);
		ck_assert_int_eq(tree.steps[2].left_node, 4);
		ck_assert_int_eq(tree.steps[2].right_node, 5);
		ck_assert_int_eq(tree.steps[2].size, 4);
		ck_assert_double_eq_tol(tree.steps[2].height, expected[l], 1e-9);
		ck_assert_int_eq(tm_tree_cut(&tree, 2, NULL), 0);
		check_blocks(tree.assignment, 4, 2);
		ck_assert_int_eq(tm_tree_cut(&tree, 5, NULL), TM_ERR_USAGE);
		tm_clustering_release(&tree);
	}
}
END_TEST

START_TEST(test_spectral_blocks)
{
	const size_t n = 9;
	double affinity[81], eigenvalues[9], vectors[81];
	struct tm_clustering c;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			affinity[i * n + j] = i / 3 == j / 3 ? 0.9 : 0.05;
	ck_assert_int_eq(tm_spectral_embed(affinity, n, n, eigenvalues, vectors, NULL), 0);
	/* three blocks: the eigengap after the third eigenvalue is the largest */
	ck_assert(eigenvalues[2] - eigenvalues[3] > eigenvalues[1] - eigenvalues[2]);
	ck_assert_int_eq(tm_spectral(vectors, n, n, 3, 5, 1, &c, NULL), 0);
	check_blocks(c.assignment, n, 3);
	tm_clustering_release(&c);
	ck_assert_int_eq(tm_spectral_average(vectors, n, n, 3, &c, NULL), 0);
	check_blocks(c.assignment, n, 3);
	ck_assert_uint_eq(c.n_steps, n - 1);
	tm_clustering_release(&c);
	ck_assert_int_eq(tm_spectral_average(vectors, n, n, n + 1, &c, NULL), TM_ERR_USAGE);
	ck_assert_int_eq(tm_spectral_embed(affinity, n, 0, eigenvalues, vectors, NULL), TM_ERR_USAGE);
}
END_TEST

/*
 * block_relatedness - @n tasks in blocks of @size: correlation 0.8 inside a
 * block, a small deterministic jitter in [0, 0.1) between blocks.
 */
static void block_relatedness(size_t n, size_t size, struct tm_relatedness *r)
{
	memset(r, 0, sizeof(*r));
	r->n_tasks = n;
	r->gram = malloc(n * n * sizeof(double));
	r->distance = malloc(n * n * sizeof(double));
	r->affinity = malloc(n * n * sizeof(double));
	ck_assert(r->gram && r->distance && r->affinity);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double jitter = (double)((i * 7 + j * 7 + i * j) % 10) / 100;
			double value = i == j ? 1 : i / size == j / size ? 0.8 : jitter;

			r->gram[i * n + j] = r->affinity[i * n + j] = value;
			r->distance[i * n + j] = sqrt(2 - 2 * value);
		}
}

/*
 * Above 400 tasks the embedding is computed by subspace iteration: its
 * leading eigenvalues agree with GSL's full solve (forced by asking for more
 * than half the vectors), and spectral-average recovers the blocks, identically on a second run.
 */
START_TEST(test_spectral_subspace_matches_full)
{
	const size_t n = 420, size = 20, wanted = 25, all = 211;
	struct tm_relatedness r;
	double *few = malloc(wanted * sizeof(double)), *many = malloc(all * sizeof(double));
	double *vectors = malloc(n * all * sizeof(double)), *again = malloc(n * wanted * sizeof(double));
	size_t truth[420];
	struct tm_clustering first, second;

	ck_assert(few && many && vectors && again);
	block_relatedness(n, size, &r);
	for (size_t i = 0; i < n; i++)
		truth[i] = i / size;
	ck_assert_int_eq(tm_spectral_embed(r.affinity, n, all, many, vectors, NULL), 0);
	ck_assert_int_eq(tm_spectral_embed(r.affinity, n, wanted, few, again, NULL), 0);
	/* the 21 block eigenvalues closely; the near-zero rest within the residual tolerance */
	for (size_t c = 0; c < wanted; c++) {
		ck_assert(isfinite(few[c]));
		ck_assert_double_eq_tol(few[c], many[c], c < n / size ? 1e-6 : 1e-3);
	}
	ck_assert_int_eq(tm_spectral_average(again, n, wanted, 21, &first, NULL), 0);
	ck_assert_double_eq_tol(tm_adjusted_rand_index(truth, first.assignment, n), 1, 1e-12);
	ck_assert_int_eq(tm_spectral_embed(r.affinity, n, wanted, few, again, NULL), 0);
	ck_assert_int_eq(tm_spectral_average(again, n, wanted, 21, &second, NULL), 0);
	ck_assert_mem_eq(first.assignment, second.assignment, n * sizeof(size_t));
	tm_clustering_release(&first);
	tm_clustering_release(&second);
	tm_relatedness_release(&r);
	free(few);
	free(many);
	free(vectors);
	free(again);
}
END_TEST

/*
 * More than 41 candidate k are searched coarse to fine: the planted 15
 * blocks of 150 tasks are found although k = 15 is not on the grid (10, 14,
 * 18, ...), and the skipped candidates are NaN in the curve (not
 * stored), the scored ones finite.
 */
START_TEST(test_choose_k_coarse_to_fine)
{
	const size_t n = 150, size = 10;
	struct tm_relatedness r;
	const enum tm_method methods[] = { TM_METHOD_AVERAGE, TM_METHOD_SPECTRAL_AVERAGE };

	block_relatedness(n, size, &r);
	for (size_t m = 0; m < 2; m++) {
		struct tm_cluster_context context;
		struct tm_k_curve curve;
		size_t scored = 0;

		ck_assert_int_eq(tm_cluster_prepare(&context, &r, methods[m], 3, 1.07, 1, 0, NULL), 0);
		ck_assert_int_eq(tm_choose_k(&context, 0, &curve, NULL, NULL), 0);
		ck_assert_uint_eq(curve.k_max, 49);
		ck_assert_uint_eq(curve.chosen, 15);
		for (size_t k = curve.k_min; k <= curve.k_max; k++)
			scored += !isnan(curve.silhouette[k - curve.k_min]);
		ck_assert(scored < curve.k_max - 1);
		ck_assert(isfinite(curve.silhouette[15 - curve.k_min]));
		ck_assert(isnan(curve.silhouette[41 - curve.k_min]));
		tm_k_curve_release(&curve);
		tm_cluster_context_release(&context);
	}
	tm_relatedness_release(&r);
}
END_TEST

/*
 * Both spectral methods embed the self-tuning affinity of the estimator's
 * distance (Zelnik-Manor and Perona 2004, 7th nearest neighbour), not the
 * estimator's own affinity: nine tasks on a line, d_ij = |i - j|, so sigma_i
 * (the 7th smallest of the other eight distances) is 7 6 5 4 4 4 5 6 7, and
 * the context's eigenvalues are those of A_ij = exp(-(i - j)^2 / (sigma_i
 * sigma_j)). The estimator's affinity is set uninformative (all 1).
 */
START_TEST(test_spectral_local_scaling)
{
	const size_t n = 9;
	static const double sigma[9] = { 7, 6, 5, 4, 4, 4, 5, 6, 7 };
	const enum tm_method methods[] = { TM_METHOD_SPECTRAL, TM_METHOD_SPECTRAL_AVERAGE };
	double expected[81], eigenvalues[9], vectors[81];
	struct tm_relatedness r;

	memset(&r, 0, sizeof(r));
	r.n_tasks = n;
	r.gram = malloc(n * n * sizeof(double));
	r.distance = malloc(n * n * sizeof(double));
	r.affinity = malloc(n * n * sizeof(double));
	ck_assert(r.gram && r.distance && r.affinity);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double d = fabs((double)i - (double)j);

			r.distance[i * n + j] = d;
			r.gram[i * n + j] = 1 - d * d / 2;
			r.affinity[i * n + j] = 1;
			expected[i * n + j] = exp(-d * d / (sigma[i] * sigma[j]));
		}
	ck_assert_int_eq(tm_spectral_embed(expected, n, n, eigenvalues, vectors, NULL), 0);
	for (size_t m = 0; m < 2; m++) {
		struct tm_cluster_context context;

		ck_assert_int_eq(tm_cluster_prepare(&context, &r, methods[m], 3, 1.07, 1, 0, NULL), 0);
		ck_assert_uint_eq(context.n_vectors, n);
		for (size_t c = 0; c < n; c++)
			ck_assert_double_eq_tol(context.eigenvalues[c], eigenvalues[c], 1e-12);
		tm_cluster_context_release(&context);
	}
	tm_relatedness_release(&r);
}
END_TEST

/* ---- synthetic dynamics ---------------------------------------------------------- */

/*
 * planted_dynamics - n_groups x per_group tasks; each group shares a latent
 * score per sample, a task's label is its noisy score > 0 and p(y = 1) grows
 * sharper with the epoch. p is n_tasks x n_epochs x n_samples (gold-label
 * probabilities), labels n_tasks x n_samples; @missing of labels missing.
 */
static void planted_dynamics(size_t n_groups, size_t per_group, size_t n_epochs, size_t n_samples,
			     double missing, uint64_t seed, double *p, int8_t *labels)
{
	size_t n_tasks = n_groups * per_group;
	double *latent = malloc(n_groups * n_samples * sizeof(double));
	gsl_rng *rng = tm_rng_create(seed);

	for (size_t c = 0; c < n_groups * n_samples; c++)
		latent[c] = gsl_ran_gaussian(rng, 1.0);
	for (size_t t = 0; t < n_tasks; t++)
		for (size_t s = 0; s < n_samples; s++) {
			double score = latent[(t / per_group) * n_samples + s] + gsl_ran_gaussian(rng, 0.4);
			int8_t y = score > 0.3;
			int absent = gsl_rng_uniform(rng) < missing;

			labels[t * n_samples + s] = absent ? -1 : y;
			for (size_t e = 0; e < n_epochs; e++) {
				double positive = 1 / (1 + exp(-(0.5 + (double)e) * (score - 0.3)));

				p[(t * n_epochs + e) * n_samples + s] = absent ? NAN
					: y ? positive : 1 - positive;
			}
		}
	free(latent);
	gsl_rng_free(rng);
}

static struct tm_datamap *planted_map(size_t n_groups, size_t per_group, double missing)
{
	size_t n_tasks = n_groups * per_group, n_epochs = 4, n_samples = 300;
	double *p = malloc(n_tasks * n_epochs * n_samples * sizeof(double));
	int8_t *labels = malloc(n_tasks * n_samples);
	struct tm_datamap *map = NULL;

	planted_dynamics(n_groups, per_group, n_epochs, n_samples, missing, 11, p, labels);
	ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, n_tasks, n_epochs, n_samples, &map,
						       NULL), 0);
	free(p);
	free(labels);
	return map;
}

/* Every estimator x method recovers planted groups from in-memory data maps. */
START_TEST(test_estimators_recover_groups)
{
	struct tm_datamap *map = planted_map(3, 4, 0.3);
	size_t truth[12];

	for (size_t t = 0; t < 12; t++)
		truth[t] = t / 4;
	for (int e = 0; e < TM_ESTIMATOR_TAG; e++) { /* the data-map estimators (tag.. are recorded) */
		struct tm_relatedness r;

		ck_assert_int_eq(tm_relatedness_compute(map, (enum tm_estimator)e, &r, NULL), 0);
		for (size_t c = 0; c < 144; c++)
			ck_assert(isfinite(r.gram[c]) && isfinite(r.distance[c]) && isfinite(r.affinity[c]));
		for (int m = 0; m < TM_METHOD_COUNT; m++) {
			struct tm_cluster_context context;
			struct tm_k_curve curve;
			struct tm_clustering c;

			ck_assert_int_eq(tm_cluster_prepare(&context, &r, (enum tm_method)m, 5, 1.07, 3,
							    0, NULL), 0);
			ck_assert_int_eq(tm_choose_k(&context, 0, &curve, NULL, NULL), 0);
			ck_assert_int_eq(tm_cluster_run(&context, 3, &c, NULL), 0);
			ck_assert_msg(tm_adjusted_rand_index(truth, c.assignment, 12) > 0.99,
				      "%s + %s", tm_estimator_name((enum tm_estimator)e),
				      tm_method_name((enum tm_method)m));
			ck_assert_int_eq(curve.chosen, 3);
			tm_clustering_release(&c);
			tm_k_curve_release(&curve);
			tm_cluster_context_release(&context);
		}
		tm_relatedness_release(&r);
	}
	tm_datamap_free(map);
}
END_TEST

/*
 * predictions-epochwise averages per-epoch correlations: two tasks that agree
 * in epoch 0 (r = 1) and disagree in epoch 1 (r = -1) score 0, where the
 * window-mean estimator sees a constant task; without per-epoch dynamics the
 * estimator refuses with TM_ERR_INPUT.
 */
START_TEST(test_epochwise_known_answer)
{
	const double a[6] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
	double p[2 * 2 * 6];
	int8_t labels[2 * 6];
	struct tm_datamap *map = NULL;
	struct tm_relatedness r;
	struct tm_error err = { 0 };
	uint16_t *codes;

	for (size_t s = 0; s < 6; s++) {
		p[(0 * 2 + 0) * 6 + s] = a[s];
		p[(0 * 2 + 1) * 6 + s] = a[s];
		p[(1 * 2 + 0) * 6 + s] = a[s];
		p[(1 * 2 + 1) * 6 + s] = a[5 - s];
		labels[s] = labels[6 + s] = 1;
	}
	ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, 2, 2, 6, &map, NULL), 0);
	ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_PREDICTIONS_EPOCHWISE, &r, NULL), 0);
	ck_assert_double_eq_tol(r.stored[1], 0.0, 1e-4);
	ck_assert_double_eq_tol(r.stored[0], 1.0, 1e-12);
	ck_assert_double_eq_tol(r.distance[1], sqrt(2.0), 1e-4);
	ck_assert_str_eq(r.stored_kind, "similarity");
	tm_relatedness_release(&r);
	/* agreeing in both epochs: 1 */
	for (size_t s = 0; s < 6; s++)
		p[(1 * 2 + 1) * 6 + s] = a[s];
	tm_datamap_free(map);
	ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, 2, 2, 6, &map, NULL), 0);
	ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_PREDICTIONS_EPOCHWISE, &r, NULL), 0);
	ck_assert_double_eq_tol(r.stored[1], 1.0, 1e-4);
	tm_relatedness_release(&r);
	/* a summary-only run keeps no per-epoch codes */
	codes = map->epoch_codes;
	map->epoch_codes = NULL;
	ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_PREDICTIONS_EPOCHWISE, &r, &err),
			 TM_ERR_INPUT);
	ck_assert(strstr(err.message, "per-epoch") != NULL);
	map->epoch_codes = codes;
	tm_datamap_free(map);
}
END_TEST

/* The default k_max: max(10, min(ceil(n/3), ceil(4 sqrt(n)))), at most n - 1. */
START_TEST(test_default_k_max)
{
	ck_assert_uint_eq(tm_default_k_max(1, TM_METHOD_AVERAGE), 1);
	ck_assert_uint_eq(tm_default_k_max(5, TM_METHOD_AVERAGE), 4);
	ck_assert_uint_eq(tm_default_k_max(16, TM_METHOD_AVERAGE), 10);
	ck_assert_uint_eq(tm_default_k_max(100, TM_METHOD_AVERAGE), 34);
	ck_assert_uint_eq(tm_default_k_max(983, TM_METHOD_AVERAGE), 126);
	ck_assert_uint_eq(tm_default_k_max(983, TM_METHOD_SPECTRAL), 50);
	ck_assert_uint_eq(tm_default_k_max(983, TM_METHOD_SPECTRAL_AVERAGE), 50);
}
END_TEST

/* Degenerate inputs: identical and constant tasks give finite matrices; 1 and 2 tasks. */
START_TEST(test_degenerate_inputs)
{
	const size_t n_samples = 50, n_epochs = 3;
	double p[4 * 3 * 50];
	int8_t labels[4 * 50];
	struct tm_datamap *map = NULL;
	struct tm_relatedness r;
	struct tm_cluster_context context;
	struct tm_k_curve curve;

	for (size_t s = 0; s < n_samples; s++)
		for (size_t e = 0; e < n_epochs; e++) {
			double v = 0.2 + 0.6 * (double)((s * 7) % 11) / 10;

			p[(0 * n_epochs + e) * n_samples + s] = v;
			p[(1 * n_epochs + e) * n_samples + s] = v;   /* identical to task 0 */
			p[(2 * n_epochs + e) * n_samples + s] = 0.7; /* constant */
			p[(3 * n_epochs + e) * n_samples + s] = 1 - v;
		}
	for (size_t c = 0; c < 4 * n_samples; c++)
		labels[c] = (int8_t)(c % 2);
	ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, 4, n_epochs, n_samples, &map, NULL), 0);
	for (int e = 0; e < TM_ESTIMATOR_TAG; e++) { /* the data-map estimators */
		ck_assert_int_eq(tm_relatedness_compute(map, (enum tm_estimator)e, &r, NULL), 0);
		for (size_t c = 0; c < 16; c++)
			ck_assert(isfinite(r.stored[c]) && isfinite(r.affinity[c]));
		for (int m = 0; m < TM_METHOD_COUNT; m++) {
			ck_assert_int_eq(tm_cluster_prepare(&context, &r, (enum tm_method)m, 3, 1.07, 1, 0, NULL), 0);
			ck_assert_int_eq(tm_choose_k(&context, 0, &curve, NULL, NULL), 0);
			ck_assert(curve.chosen >= 2 && curve.chosen <= 3);
			tm_k_curve_release(&curve);
			tm_cluster_context_release(&context);
		}
		tm_relatedness_release(&r);
	}
	tm_datamap_free(map);
	/* one task: k = 1; two tasks: one group when related */
	for (size_t n_tasks = 1; n_tasks <= 2; n_tasks++) {
		ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, n_tasks, n_epochs, n_samples,
							       &map, NULL), 0);
		ck_assert_int_eq(tm_relatedness_compute(map, TM_ESTIMATOR_DATAMAP, &r, NULL), 0);
		ck_assert_int_eq(tm_cluster_prepare(&context, &r, TM_METHOD_KMEANS, 3, 1.07, 1, 0, NULL), 0);
		ck_assert_int_eq(tm_choose_k(&context, 0, &curve, NULL, NULL), 0);
		ck_assert_int_eq(curve.chosen, 1);
		tm_k_curve_release(&curve);
		tm_cluster_context_release(&context);
		tm_relatedness_release(&r);
		tm_datamap_free(map);
	}
	ck_assert_int_eq(tm_datamap_from_probabilities(p, labels, 2, 0, n_samples, &map, NULL),
			 TM_ERR_USAGE);
}
END_TEST

/* ---- through the store ----------------------------------------------------------- */

struct temp_store {
	char *dir, *path;
	struct tm_store *store;
	int64_t run_id;
};

/* store_planted_run - a run with planted dynamics and labels written through the store API. */
static void store_planted_run(struct temp_store *t, size_t n_groups, size_t per_group,
			      double missing)
{
	size_t n_tasks = n_groups * per_group, n_epochs = 4, n_samples = 300;
	double *p = malloc(n_tasks * n_epochs * n_samples * sizeof(double));
	int8_t *labels = malloc(n_tasks * n_samples);
	uint16_t *epoch = malloc(n_tasks * n_samples * sizeof(uint16_t));
	struct tm_task_record *tasks = calloc(n_tasks, sizeof(*tasks));
	int64_t *rows = malloc(n_samples * sizeof(int64_t));
	char (*names)[16] = malloc(n_tasks * sizeof(*names));
	struct tm_run_record run = { .kind = "train", .status = TM_RUN_DONE, .config_json = "{}",
				     .n_epochs = (int64_t)n_epochs, .n_train_samples = (int64_t)n_samples };
	struct tm_error err = { 0 };

	t->dir = test_tmpdir();
	t->path = test_path(t->dir, "t.db");
	ck_assert_int_eq(tm_store_open(&t->store, t->path, 0, &err), 0);
	ck_assert_int_eq(tm_store_create_run(t->store, &run, &err), 0);
	t->run_id = run.id;
	planted_dynamics(n_groups, per_group, n_epochs, n_samples, missing, 5, p, labels);
	for (size_t i = 0; i < n_tasks; i++) {
		snprintf(names[i], sizeof(names[i]), "t%02u", (unsigned)(i % 1000));
		tasks[i] = (struct tm_task_record){ .index = (int64_t)i, .name = names[i] };
	}
	for (size_t s = 0; s < n_samples; s++)
		rows[s] = (int64_t)s;
	ck_assert_int_eq(tm_store_add_tasks(t->store, run.id, tasks, n_tasks, &err), 0);
	ck_assert_int_eq(tm_store_add_samples(t->store, run.id, "train", rows, NULL, n_samples, &err), 0);
	for (size_t e = 0; e < n_epochs; e++) {
		struct tm_epoch_record record = { .run_id = run.id, .epoch = (int64_t)e,
						  .n_tasks = n_tasks, .n_samples = n_samples,
						  .probabilities = epoch, .train_loss = NAN,
						  .valid_loss = NAN };

		for (size_t i = 0; i < n_tasks; i++)
			for (size_t s = 0; s < n_samples; s++)
				epoch[i * n_samples + s] =
					tm_dynamics_encode(p[(i * n_epochs + e) * n_samples + s]);
		ck_assert_int_eq(tm_store_write_epoch(t->store, &record, &err), 0);
	}
	for (size_t i = 0; i < n_tasks; i++)
		ck_assert_int_eq(tm_store_write_labels(t->store, run.id, (int64_t)i,
						       labels + i * n_samples, n_samples, &err), 0);
	free(p);
	free(labels);
	free(epoch);
	free(tasks);
	free(rows);
	free(names);
}

static void temp_store_release(struct temp_store *t)
{
	tm_store_close(t->store);
	test_remove_tree(t->dir);
	free(t->dir);
	free(t->path);
}

START_TEST(test_end_to_end_planted)
{
	struct temp_store t;
	struct tm_analyze_options options;
	struct tm_analyze_result result;
	struct tm_recommendation *r = NULL;
	struct tm_error err = { 0 };
	size_t truth[20], found[20];

	store_planted_run(&t, 5, 4, 0.4);
	tm_analyze_defaults(&options);
	options.estimators[0] = TM_ESTIMATOR_DATAMAP;
	options.estimators[1] = TM_ESTIMATOR_LABELS;
	options.n_estimators = 2;
	options.first_available_only = 0; /* both estimators, as `--relatedness` asks */
	options.methods[1] = TM_METHOD_FUZZY_STG;
	options.n_methods = 2;
	options.bootstrap = 4;
	ck_assert_msg(tm_analyze(t.store, t.run_id, &options, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.n_rows, 4);
	ck_assert_int_eq(tm_recommendation_read(t.store, t.run_id, 0, &r, &err), 0);
	ck_assert_int_eq(r->k, 5);
	ck_assert_str_eq(r->estimator, "datamap");
	for (size_t i = 0; i < 20; i++) {
		truth[i] = i / 4;
		found[i] = r->assignment[i];
		ck_assert(!r->train_alone[i]);
		ck_assert(isfinite(r->task_stability[i]));
	}
	ck_assert_double_eq_tol(tm_adjusted_rand_index(truth, found, 20), 1, 1e-12);
	for (size_t g = 0; g < r->k; g++)
		ck_assert(isfinite(r->groups[g].mean_similarity));
	tm_recommendation_free(r);
	tm_analyze_result_release(&result);
	/* k > T and an empty window are refused; nothing is half-written */
	options.k = 21;
	ck_assert_int_eq(tm_analyze(t.store, t.run_id, &options, NULL, &err), TM_ERR_USAGE);
	options.k = 0;
	options.epoch_from = 3;
	options.epoch_to = 3;
	ck_assert_int_eq(tm_analyze(t.store, t.run_id, &options, NULL, &err), TM_ERR_USAGE);
	temp_store_release(&t);
}
END_TEST

static int count_analysis(void *context, const struct tm_analysis_record *analysis)
{
	(void)analysis;
	(*(int *)context)++;
	return 0;
}

START_TEST(test_store_round_trip)
{
	struct temp_store t;
	struct tm_analysis_record analysis = { .epoch_from = 0, .epoch_to = 4 };
	const int64_t tasks[] = { 1, 3, 4 };
	const double values[] = { 1, 0.5, NAN, 0.5, 1, 0.25, NAN, 0.25, 1 };
	struct tm_matrix_record record = { .estimator = "datamap", .kind = "similarity",
					   .symmetric = 1, .n_tasks = 3 };
	const struct tm_grouping_member members[] = {
		{ 1, 0, 1, 1, 0.9 }, { 3, 0, 1, 1, 0.8 }, { 4, 1, 1, 1, NAN },
	};
	const struct tm_merge_step steps[] = { { 0, 1, 0.5, 2 }, { 2, 3, 1.2, 3 } };
	struct tm_grouping_record grouping = { .clustering = "agglomerative-average", .k = 2,
					       .stability = NAN, .recommended = 1 };
	struct tm_matrix *matrix = NULL;
	struct tm_grouping *read = NULL;
	int64_t id = 0;
	int count = 0;

	store_planted_run(&t, 1, 5, 0);
	analysis.run_id = record.run_id = grouping.run_id = t.run_id;
	ck_assert_int_eq(tm_store_create_analysis(t.store, &analysis, NULL), 0);
	record.analysis_id = grouping.analysis_id = analysis.id;
	ck_assert_int_eq(tm_store_write_matrix(t.store, &record, tasks, values, NULL), 0);
	ck_assert_int_eq(tm_store_read_matrix(t.store, record.id, &matrix, NULL), 0);
	ck_assert_mem_eq(matrix->task_index, tasks, sizeof(tasks));
	ck_assert_double_eq(matrix->values[5], 0.25);
	ck_assert_double_eq(matrix->values[7], 0.25);
	ck_assert(isnan(matrix->values[2]) && isnan(matrix->values[6]));
	grouping.matrix_id = record.id;
	ck_assert_int_eq(tm_store_write_grouping(t.store, &grouping, members, 3, steps, 2, NULL), 0);
	ck_assert_int_eq(tm_store_recommended_grouping(t.store, t.run_id, 0, &id, NULL), 0);
	ck_assert_int_eq(id, grouping.id);
	ck_assert_int_eq(tm_store_read_grouping(t.store, id, &read, NULL), 0);
	ck_assert_str_eq(read->record.estimator, "datamap");
	ck_assert_int_eq(read->n_tasks, 3);
	ck_assert_int_eq(read->assignment[2], 1);
	ck_assert_int_eq(read->n_steps, 2);
	ck_assert_double_eq(read->steps[1].height, 1.2);
	ck_assert(isnan(read->members[2].stability));
	ck_assert_int_eq(tm_store_list_analyses(t.store, t.run_id, count_analysis, &count, NULL), 0);
	ck_assert_int_eq(count, 1);
	tm_grouping_free(read);
	tm_matrix_free(matrix);
	temp_store_release(&t);
}
END_TEST

Suite *analyzers_suite(void)
{
	Suite *suite = suite_create("analyzers");
	TCase *metrics = tcase_create("metrics");
	TCase *clustering = tcase_create("clustering");
	TCase *store = tcase_create("store");

	tcase_add_test(metrics, test_ari_nmi_hand_computed);
	tcase_add_test(metrics, test_silhouette_hand_computed);
	tcase_add_test(metrics, test_pairwise_correlation_missing);
	tcase_add_test(metrics, test_datamap_and_labels_hand_computed);
	tcase_add_test(clustering, test_kmeans_blobs_and_seed);
	tcase_add_test(clustering, test_fuzzy_memberships);
	tcase_add_test(clustering, test_agglomerative_line);
	tcase_add_test(clustering, test_spectral_blocks);
	tcase_add_test(clustering, test_spectral_subspace_matches_full);
	tcase_add_test(clustering, test_choose_k_coarse_to_fine);
	tcase_add_test(clustering, test_spectral_local_scaling);
	tcase_add_test(clustering, test_estimators_recover_groups);
	tcase_add_test(clustering, test_degenerate_inputs);
	tcase_add_test(clustering, test_epochwise_known_answer);
	tcase_add_test(clustering, test_default_k_max);
	tcase_add_test(store, test_end_to_end_planted);
	tcase_add_test(store, test_store_round_trip);
	tcase_set_timeout(store, 120);
	tcase_set_timeout(clustering, 120);
	suite_add_tcase(suite, metrics);
	suite_add_tcase(suite, clustering);
	suite_add_tcase(suite, store);
	return suite;
}
