/*
 * choose-k.c - running a clustering method at a given k on a relatedness
 * estimate (reusing its merge tree or spectral embedding across k), and
 * choosing k: the mean silhouette of every candidate k (and the eigengap for
 * spectral clustering) is scored and kept for the reports.
 */
#include "analyzers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[TM_METHOD_COUNT] = {
	"kmeans", "fuzzy-stg", "fuzzy", "agglomerative-average", "agglomerative-complete",
	"agglomerative-ward", "spectral",
};

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
		       struct tm_error *err)
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
	else if (method == TM_METHOD_SPECTRAL) {
		context->eigenvalues = malloc((n ? n : 1) * sizeof(double));
		context->vectors = malloc((n * n > 0 ? n * n : 1) * sizeof(double));
		rc = !context->eigenvalues || !context->vectors
			? tm_error_set(err, TM_ERR_NOMEM, "out of memory")
			: tm_spectral_embed(relatedness->affinity, n, context->eigenvalues,
					    context->vectors, err);
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
		return tm_spectral(context->vectors, n, k, context->restarts, context->seed, out, err);
	default:
		return copy_tree(context, k, out, err);
	}
}

size_t tm_default_k_max(size_t n, enum tm_method method)
{
	size_t third = (n + 2) / 3, root = (size_t)ceil(4 * sqrt((double)n));
	size_t k_max = third < root ? third : root;

	k_max = k_max > 10 ? k_max : 10;
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

int tm_choose_k(const struct tm_cluster_context *context, size_t k_max, struct tm_k_curve *curve,
		const struct tm_progress *progress, struct tm_error *err)
{
	const struct tm_relatedness *r = context->relatedness;
	size_t n = r->n_tasks, candidates;
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
	curve->k_min = 2;
	curve->k_max = k_max;
	candidates = k_max - 1;
	curve->silhouette = malloc(candidates * sizeof(double));
	if (context->eigenvalues)
		curve->eigengap = malloc(candidates * sizeof(double));
	if (!curve->silhouette || (context->eigenvalues && !curve->eigengap)) {
		tm_k_curve_release(curve);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t k = 2; k <= k_max && rc == 0; k++) {
		struct tm_clustering clustering;
		double score;

		if ((rc = tm_cluster_run(context, k, &clustering, err)) < 0)
			break;
		score = tm_silhouette(r->distance, n, clustering.assignment, clustering.k, NULL);
		tm_clustering_release(&clustering);
		curve->silhouette[k - 2] = score;
		if (curve->eigengap)
			curve->eigengap[k - 2] = context->eigenvalues[k - 1] - context->eigenvalues[k];
		if (score > best + 1e-12) {
			best = score;
			curve->chosen = k;
		}
		if (tm_progress_report(progress, "choosing k", (double)(k - 1), (double)candidates, NULL))
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	if (rc < 0)
		tm_k_curve_release(curve);
	return rc;
}
