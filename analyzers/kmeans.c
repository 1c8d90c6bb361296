/*
 * kmeans.c - k-means of tasks given by a Gram matrix (kernel k-means, which
 * is exactly k-means on the underlying feature vectors: |x_i - mu_c|^2 =
 * g_ii - 2/|c| sum_j g_ij + 1/|c|^2 sum_jl g_jl), with k-means++ seeding
 * (Arthur and Vassilvitskii 2007) and seeded restarts. Also the helpers the
 * other clusterings share: releasing, canonical group numbering.
 */
#include "analyzers.h"
#include "cluster-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#define MAX_ITERATIONS 300

void tm_clustering_release(struct tm_clustering *c)
{
	if (!c)
		return;
	free(c->assignment);
	free(c->membership);
	free(c->steps);
	memset(c, 0, sizeof(*c));
}

void cluster_canonical(size_t *assignment, size_t n, size_t k)
{
	size_t *rename = malloc((k ? k : 1) * sizeof(size_t)), next = 0;

	if (!rename)
		return; /* numbering stays valid, only not canonical */
	for (size_t c = 0; c < k; c++)
		rename[c] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (rename[assignment[i]] == SIZE_MAX)
			rename[assignment[i]] = next++;
		assignment[i] = rename[assignment[i]];
	}
	free(rename);
}

int cluster_allocate(struct tm_clustering *c, size_t n, size_t k, struct tm_error *err)
{
	memset(c, 0, sizeof(*c));
	c->n_tasks = n;
	c->k = k;
	c->assignment = calloc(n ? n : 1, sizeof(size_t));
	c->membership = calloc(n * k > 0 ? n * k : 1, sizeof(double));
	if (!c->assignment || !c->membership) {
		tm_clustering_release(c);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	return 0;
}

void cluster_one_hot(struct tm_clustering *c)
{
	memset(c->membership, 0, c->n_tasks * c->k * sizeof(double));
	for (size_t i = 0; i < c->n_tasks; i++)
		c->membership[i * c->k + c->assignment[i]] = 1;
}

/* The scratch of one k-means solve. */
struct kmeans_work {
	const double *gram;
	size_t n, k;
	size_t *assignment;
	double *sum;       /* n x k: sum_j in c of g_ij */
	double *self;      /* k: sum over c x c of g */
	size_t *size;      /* k */
	double *distance;  /* n x k squared distances to centroids */
};

/* centroid_distances - squared distances of every point to every centroid. */
void cluster_centroid_distances(const double *gram, size_t n, size_t k, const size_t *assignment,
				double *sum, double *self, size_t *size, double *distance)
{
	memset(sum, 0, n * k * sizeof(double));
	memset(self, 0, k * sizeof(double));
	memset(size, 0, k * sizeof(size_t));
	for (size_t j = 0; j < n; j++)
		size[assignment[j]]++;
	for (size_t i = 0; i < n; i++) {
		const double *row = gram + i * n;
		double *out = sum + i * k;

		for (size_t j = 0; j < n; j++)
			out[assignment[j]] += row[j];
	}
	for (size_t i = 0; i < n; i++)
		self[assignment[i]] += sum[i * k + assignment[i]];
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < k; c++) {
			double d;

			if (!size[c]) {
				distance[i * k + c] = INFINITY;
				continue;
			}
			d = gram[i * n + i] - 2 * sum[i * k + c] / (double)size[c] +
			    self[c] / ((double)size[c] * (double)size[c]);
			distance[i * k + c] = d > 0 ? d : 0;
		}
}

static void compute_distances(struct kmeans_work *w)
{
	cluster_centroid_distances(w->gram, w->n, w->k, w->assignment, w->sum, w->self, w->size,
				   w->distance);
}

/* squared_distance - |x_i - x_j|^2 from the Gram matrix. */
static double squared_distance(const double *gram, size_t n, size_t i, size_t j)
{
	double d = gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j];

	return d > 0 ? d : 0;
}

/*
 * seed_plus_plus - k-means++: the first centre uniformly, each next one with
 * probability proportional to the squared distance to the nearest chosen
 * centre; then every point joins its nearest centre.
 */
static void seed_plus_plus(struct kmeans_work *w, gsl_rng *rng, size_t *centre, double *nearest)
{
	size_t n = w->n;

	centre[0] = gsl_rng_uniform_int(rng, n);
	for (size_t i = 0; i < n; i++)
		nearest[i] = squared_distance(w->gram, n, i, centre[0]);
	for (size_t c = 1; c < w->k; c++) {
		double total = 0, target, cumulative = 0;
		size_t pick = n;

		for (size_t i = 0; i < n; i++)
			total += nearest[i];
		target = gsl_rng_uniform(rng) * total;
		for (size_t i = 0; i < n && total > 0; i++) {
			cumulative += nearest[i];
			if (nearest[i] > 0 && cumulative >= target) {
				pick = i;
				break;
			}
		}
		for (size_t i = 0; i < n && pick == n; i++) /* all coincide: next unused point */
			if (nearest[i] > 0 || c <= i)
				pick = i;
		centre[c] = pick;
		for (size_t i = 0; i < n; i++) {
			double d = squared_distance(w->gram, n, i, pick);

			nearest[i] = d < nearest[i] ? d : nearest[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t best = 0;
		double best_distance = INFINITY;

		for (size_t c = 0; c < w->k; c++) {
			double d = centre[c] == i ? -1 : squared_distance(w->gram, n, i, centre[c]);

			if (d < best_distance) {
				best_distance = d;
				best = c;
			}
		}
		w->assignment[i] = best;
	}
}

/* fill_empty - give each empty cluster the point farthest from its centroid. */
static int fill_empty(struct kmeans_work *w)
{
	int moved = 0;

	for (size_t c = 0; c < w->k; c++) {
		size_t far = w->n;
		double far_distance = -1;

		if (w->size[c])
			continue;
		for (size_t i = 0; i < w->n; i++) {
			double d = w->distance[i * w->k + w->assignment[i]];

			if (w->size[w->assignment[i]] > 1 && d > far_distance) {
				far_distance = d;
				far = i;
			}
		}
		if (far == w->n)
			continue;
		w->size[w->assignment[far]]--;
		w->assignment[far] = c;
		w->size[c] = 1;
		moved = 1;
	}
	return moved;
}

/* lloyd - iterate assignment steps until nothing moves; returns the objective. */
static double lloyd(struct kmeans_work *w)
{
	double objective = 0;

	for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
		int changed = 0;

		compute_distances(w);
		if (fill_empty(w)) {
			compute_distances(w);
			changed = 1;
		}
		for (size_t i = 0; i < w->n; i++) {
			const double *d = w->distance + i * w->k;
			size_t best = w->assignment[i];

			for (size_t c = 0; c < w->k; c++)
				if (d[c] < d[best] - 1e-12 * (1 + fabs(d[best])))
					best = c;
			if (best != w->assignment[i] && w->size[w->assignment[i]] > 1) {
				w->size[w->assignment[i]]--;
				w->size[best]++;
				w->assignment[i] = best;
				changed = 1;
			}
		}
		if (!changed)
			break;
	}
	compute_distances(w);
	for (size_t i = 0; i < w->n; i++)
		objective += w->distance[i * w->k + w->assignment[i]];
	return objective;
}

static void kmeans_work_free(struct kmeans_work *w, size_t *centre, double *nearest)
{
	free(w->assignment);
	free(w->sum);
	free(w->self);
	free(w->size);
	free(w->distance);
	free(centre);
	free(nearest);
}

int tm_kmeans(const double *gram, size_t n, size_t k, size_t restarts, uint64_t seed,
	      struct tm_clustering *out, struct tm_error *err)
{
	struct kmeans_work w = { gram, n, k, NULL, NULL, NULL, NULL, NULL };
	size_t *centre = NULL;
	double *nearest = NULL, best = INFINITY;
	gsl_rng *rng = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (k == 0 || k > n)
		return tm_error_set(err, TM_ERR_USAGE, "cannot make %zu groups of %zu tasks", k, n);
	if ((rc = cluster_allocate(out, n, k, err)) < 0)
		return rc;
	w.assignment = malloc(n * sizeof(size_t));
	w.sum = malloc(n * k * sizeof(double));
	w.self = malloc(k * sizeof(double));
	w.size = malloc(k * sizeof(size_t));
	w.distance = malloc(n * k * sizeof(double));
	centre = malloc(k * sizeof(size_t));
	nearest = malloc(n * sizeof(double));
	rng = tm_rng_create(seed);
	if (!w.assignment || !w.sum || !w.self || !w.size || !w.distance || !centre || !nearest ||
	    !rng) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < (restarts ? restarts : 1); r++) {
		double objective;

		seed_plus_plus(&w, rng, centre, nearest);
		objective = lloyd(&w);
		if (r == 0 || objective < best - 1e-12 * fabs(best)) {
			best = objective;
			memcpy(out->assignment, w.assignment, n * sizeof(size_t));
		}
	}
	cluster_canonical(out->assignment, n, k);
	cluster_one_hot(out);
	out->objective = best;
	rc = 0;
out:
	if (rc < 0)
		tm_clustering_release(out);
	gsl_rng_free(rng);
	kmeans_work_free(&w, centre, nearest);
	return rc;
}
