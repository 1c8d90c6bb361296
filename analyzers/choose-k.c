/*
 * choose-k.c - running a clustering method at a given k on a relatedness
 * estimate (reusing its merge tree or spectral embedding across k), and
 * choosing k: the mean silhouette of the candidate k (and the eigengap for
 * spectral clustering) is scored and kept for the reports. Long candidate
 * ranges are searched coarse to fine: every k up to 10, then a grid, then
 * every k around the best grid point.
 */
#include "analyzers.h"
#include "cluster-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[TM_METHOD_COUNT] = {
	"kmeans", "fuzzy-stg", "fuzzy", "agglomerative-average", "agglomerative-complete",
	"agglomerative-ward", "spectral", "spectral-average",
};

/*
 * the spectral methods embed the self-tuning affinity (Zelnik-Manor and
 * Perona 2004) with each task's scale its distance to this nearest
 * neighbour: the paper's value, used in all its experiments
 */
#define SPECTRAL_NEIGHBOURS 7

/* candidate ranges longer than this are searched coarse to fine */
#define K_SEARCH_ALL 40
#define K_SEARCH_DENSE_UP_TO 10 /* every k up to here is scored */
#define K_SEARCH_GRID 12        /* grid points above it, about */
/*
 * parsimony: the smallest k whose silhouette is within this fraction of the
 * best (silhouette curves of weakly structured data rise slowly and plateau;
 * a k the score cannot tell from a smaller one is not chosen)
 */
#define K_SILHOUETTE_TOLERANCE 0.05

const char *tm_method_name(enum tm_method method)
{
	return method < TM_METHOD_COUNT ? method_names[method] : "?";
}

int tm_method_parse(const char *name, enum tm_method *out)
{
	for (int m = 0; m < TM_METHOD_COUNT; m++)
		if (strcmp(name, method_names[m]) == 0) {
			*out = (enum tm_method)m;
			return 0;
		}
	if (strcmp(name, "agglomerative") == 0) {
		*out = TM_METHOD_AVERAGE;
		return 0;
	}
	return TM_ERR_USAGE;
}

static int is_agglomerative(enum tm_method method)
{
	return method == TM_METHOD_AVERAGE || method == TM_METHOD_COMPLETE ||
	       method == TM_METHOD_WARD;
}

void tm_cluster_context_release(struct tm_cluster_context *context)
{
	if (!context)
		return;
	tm_clustering_release(&context->tree);
	free(context->eigenvalues);
	free(context->vectors);
	memset(context, 0, sizeof(*context));
}

int tm_cluster_prepare(struct tm_cluster_context *context, const struct tm_relatedness *relatedness,
		       enum tm_method method, size_t restarts, double fuzzifier, uint64_t seed,
		       size_t k_max, struct tm_error *err)
{
	size_t n = relatedness->n_tasks;
	static const enum tm_linkage linkage[] = {
		[TM_METHOD_AVERAGE] = TM_LINKAGE_AVERAGE,
		[TM_METHOD_COMPLETE] = TM_LINKAGE_COMPLETE,
		[TM_METHOD_WARD] = TM_LINKAGE_WARD,
	};
	int rc = 0;

	memset(context, 0, sizeof(*context));
	context->relatedness = relatedness;
	context->method = method;
	context->restarts = restarts;
	context->fuzzifier = fuzzifier;
	context->seed = seed;
	if (is_agglomerative(method))
		rc = tm_agglomerative(relatedness->distance, n, linkage[method], &context->tree, err);
	else if (method == TM_METHOD_SPECTRAL || method == TM_METHOD_SPECTRAL_AVERAGE) {
		/* one more than k_max: the eigengap after k_max */
		size_t wanted = k_max == 0 || k_max >= n ? n : k_max + 1;
		double *affinity;

		if (n == 0)
			return tm_error_set(err, TM_ERR_USAGE, "no task to cluster");
		affinity = malloc(n * n * sizeof(double));
		context->n_vectors = wanted;
		context->eigenvalues = malloc(wanted * sizeof(double));
		context->vectors = malloc(n * wanted * sizeof(double));
		rc = !affinity || !context->eigenvalues || !context->vectors
			? tm_error_set(err, TM_ERR_NOMEM, "out of memory")
			: spectral_local_scaling(relatedness->distance, n, SPECTRAL_NEIGHBOURS,
						 affinity, err);
		if (rc == 0)
			rc = tm_spectral_embed(affinity, n, wanted, context->eigenvalues,
					       context->vectors, err);
		free(affinity);
	}
	if (rc < 0)
		tm_cluster_context_release(context);
	return rc;
}

/* copy_tree - a copy of the context's merge tree into @out, cut at @k. */
static int copy_tree(const struct tm_cluster_context *context, size_t k, struct tm_clustering *out,
		     struct tm_error *err)
{
	const struct tm_clustering *tree = &context->tree;
	size_t n = tree->n_tasks;

	memset(out, 0, sizeof(*out));
	out->n_tasks = n;
	out->n_steps = tree->n_steps;
	out->objective = tree->objective;
	out->assignment = calloc(n ? n : 1, sizeof(size_t));
	out->membership = calloc(1, sizeof(double));
	out->steps = malloc((n ? n : 1) * sizeof(*out->steps));
	if (!out->assignment || !out->membership || !out->steps) {
		tm_clustering_release(out);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	memcpy(out->steps, tree->steps, tree->n_steps * sizeof(*out->steps));
	if (tm_tree_cut(out, k, err) < 0) {
		tm_clustering_release(out);
		return err ? err->code : TM_ERR_USAGE;
	}
	return 0;
}

int tm_cluster_run(const struct tm_cluster_context *context, size_t k, struct tm_clustering *out,
		   struct tm_error *err)
{
	const struct tm_relatedness *r = context->relatedness;
	size_t n = r->n_tasks;
	int rc;

	if (k == 0 || k > n)
		return tm_error_set(err, TM_ERR_USAGE, "cannot make %zu groups of %zu tasks", k, n);
	switch (context->method) {
	case TM_METHOD_KMEANS:
		return tm_kmeans(r->gram, n, k, context->restarts, context->seed, out, err);
	case TM_METHOD_FUZZY_STG:
		if ((rc = tm_kmeans(r->gram, n, k, context->restarts, context->seed, out, err)) < 0)
			return rc;
		if ((rc = tm_fuzzy_from_centroids(r->gram, out, context->fuzzifier, err)) < 0)
			tm_clustering_release(out);
		return rc;
	case TM_METHOD_FUZZY:
		return tm_fuzzy_cmeans(r->gram, n, k, context->fuzzifier, context->restarts,
				       context->seed, out, err);
	case TM_METHOD_SPECTRAL:
		return tm_spectral(context->vectors, n, context->n_vectors, k, context->restarts,
				   context->seed, out, err);
	case TM_METHOD_SPECTRAL_AVERAGE:
		return tm_spectral_average(context->vectors, n, context->n_vectors, k, out, err);
	default:
		return copy_tree(context, k, out, err);
	}
}

size_t tm_default_k_max(size_t n, enum tm_method method)
{
	size_t third = (n + 2) / 3, root = (size_t)ceil(4 * sqrt((double)n));
	size_t k_max = third < root ? third : root;

	k_max = k_max > 10 ? k_max : 10;
	/* iterative methods and the spectral embedding (k_max + 1 eigenvectors) */
	if (!is_agglomerative(method) && k_max > 50)
		k_max = 50;
	return n < 2 ? 1 : k_max > n - 1 ? n - 1 : k_max;
}

void tm_k_curve_release(struct tm_k_curve *curve)
{
	if (!curve)
		return;
	free(curve->silhouette);
	free(curve->eigengap);
	memset(curve, 0, sizeof(*curve));
}

/* choose_small - the documented answers for one and two tasks. */
static void choose_small(const struct tm_cluster_context *context, struct tm_k_curve *curve)
{
	const struct tm_relatedness *r = context->relatedness;

	curve->k_min = 2;
	curve->k_max = 1; /* no candidate scored */
	if (r->n_tasks < 2)
		curve->chosen = 1;
	else
		curve->chosen = r->affinity[1] >= TM_TRAIN_ALONE_BELOW ? 1 : 2;
}

/* score_k - the silhouette of the partition into @k groups into the curve. */
static int score_k(const struct tm_cluster_context *context, size_t k, struct tm_k_curve *curve,
		   double *best, struct tm_error *err)
{
	const struct tm_relatedness *r = context->relatedness;
	struct tm_clustering clustering;
	double score;
	int rc;

	if (!isnan(curve->silhouette[k - 2]))
		return 0; /* scored already */
	if ((rc = tm_cluster_run(context, k, &clustering, err)) < 0)
		return rc;
	score = tm_silhouette(r->distance, r->n_tasks, clustering.assignment, clustering.k, NULL);
	tm_clustering_release(&clustering);
	curve->silhouette[k - 2] = score;
	/* the smaller k wins ties, whatever the order of scoring */
	if (score > *best + 1e-12 || (fabs(score - *best) <= 1e-12 && k < curve->chosen)) {
		*best = score;
		curve->chosen = k;
	}
	return 0;
}

/*
 * search_plan - the k to score, in order: all of 2..k_max when there are at
 * most K_SEARCH_ALL; else 2..K_SEARCH_DENSE_UP_TO and a grid of step @step
 * up to k_max (the refinement around the best follows). Returns the count.
 */
static size_t search_plan(size_t k_max, size_t *plan, size_t *step)
{
	size_t n = 0;

	*step = 1;
	if (k_max - 1 <= K_SEARCH_ALL) {
		for (size_t k = 2; k <= k_max; k++)
			plan[n++] = k;
		return n;
	}
	*step = (k_max - K_SEARCH_DENSE_UP_TO + K_SEARCH_GRID - 1) / K_SEARCH_GRID;
	for (size_t k = 2; k <= K_SEARCH_DENSE_UP_TO; k++)
		plan[n++] = k;
	for (size_t k = K_SEARCH_DENSE_UP_TO + *step; k < k_max; k += *step)
		plan[n++] = k;
	plan[n++] = k_max;
	return n;
}

int tm_choose_k(const struct tm_cluster_context *context, size_t k_max, struct tm_k_curve *curve,
		const struct tm_progress *progress, struct tm_error *err)
{
	const struct tm_relatedness *r = context->relatedness;
	size_t n = r->n_tasks, candidates, planned, step, *plan = NULL;
	double best = -INFINITY;
	int rc = 0;

	memset(curve, 0, sizeof(*curve));
	curve->criterion = TM_K_SILHOUETTE;
	if (n <= 2) {
		choose_small(context, curve);
		return 0;
	}
	k_max = k_max ? k_max : tm_default_k_max(n, context->method);
	k_max = k_max > n - 1 ? n - 1 : k_max < 2 ? 2 : k_max;
	if (context->vectors && k_max > context->n_vectors)
		k_max = context->n_vectors;
	curve->k_min = 2;
	curve->k_max = k_max;
	candidates = k_max - 1;
	curve->silhouette = malloc(candidates * sizeof(double));
	plan = malloc(candidates * sizeof(size_t));
	if (context->eigenvalues)
		curve->eigengap = malloc(candidates * sizeof(double));
	if (!curve->silhouette || !plan || (context->eigenvalues && !curve->eigengap)) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 2; k <= k_max; k++) {
		curve->silhouette[k - 2] = NAN; /* not scored */
		if (curve->eigengap)
			curve->eigengap[k - 2] = k < context->n_vectors
				? context->eigenvalues[k - 1] - context->eigenvalues[k] : NAN;
	}
	curve->chosen = k_max;
	planned = search_plan(k_max, plan, &step);
	for (size_t i = 0; i < planned && rc == 0; i++) {
		rc = score_k(context, plan[i], curve, &best, err);
		if (rc == 0 && tm_progress_report(progress, "choosing k", (double)(i + 1),
						  (double)(planned + 2 * step), NULL))
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	/* refine: every k within one grid step of the best grid point */
	if (rc == 0 && step > 1 && curve->chosen > K_SEARCH_DENSE_UP_TO) {
		size_t centre = curve->chosen;
		size_t low = centre - step + 1, high = centre + step - 1 > k_max ? k_max : centre + step - 1;

		for (size_t k = low; k <= high && rc == 0; k++)
			rc = score_k(context, k, curve, &best, err);
	}
	/* parsimony: the smallest scored k within the tolerance of the best */
	for (size_t k = 2; rc == 0 && k <= k_max; k++)
		if (!isnan(curve->silhouette[k - 2]) &&
		    curve->silhouette[k - 2] >= best - K_SILHOUETTE_TOLERANCE * fabs(best)) {
			curve->chosen = k;
			break;
		}
out:
	free(plan);
	if (rc < 0)
		tm_k_curve_release(curve);
	return rc;
}
