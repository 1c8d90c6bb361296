/*
 * agglomerative.c - hierarchical clustering of tasks with average, complete
 * or Ward linkage, keeping the whole merge tree (SciPy linkage conventions,
 * for dendrograms), by the nearest-neighbour chain algorithm (Murtagh 1983;
 * O(n^2) time for these reducible linkages) with Lance-Williams updates;
 * and cutting the tree into k groups.
 */
#include "analyzers.h"
#include "cluster-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A merge as the chain finds it: slots a and b, at a height. */
struct raw_merge {
	size_t a, b;
	double height;
	size_t order; /* discovery order, to break height ties deterministically */
};

static int compare_merges(const void *left, const void *right)
{
	const struct raw_merge *x = left, *y = right;

	if (x->height != y->height)
		return x->height < y->height ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* lance_williams - the distance from the merge of a and b to j. */
static double lance_williams(enum tm_linkage linkage, double d_aj, double d_bj, double d_ab,
			     double size_a, double size_b, double size_j)
{
	switch (linkage) {
	case TM_LINKAGE_COMPLETE:
		return d_aj > d_bj ? d_aj : d_bj;
	case TM_LINKAGE_WARD: /* on squared distances */
		return ((size_a + size_j) * d_aj + (size_b + size_j) * d_bj - size_j * d_ab) /
		       (size_a + size_b + size_j);
	default:
		return (size_a * d_aj + size_b * d_bj) / (size_a + size_b);
	}
}

/* nearest_active - the active slot nearest to @a, preferring @previous on ties. */
static size_t nearest_active(const double *d, size_t n, const unsigned char *active, size_t a,
			     size_t previous)
{
	size_t best = previous;
	double best_distance = previous < n ? d[a * n + previous] : INFINITY;

	for (size_t j = 0; j < n; j++)
		if (active[j] && j != a && d[a * n + j] < best_distance) {
			best = j;
			best_distance = d[a * n + j];
		}
	return best;
}

/* merge_slots - merge slot a into slot b and update b's distances. */
static void merge_slots(double *d, size_t n, unsigned char *active, size_t *size,
			enum tm_linkage linkage, size_t a, size_t b)
{
	double d_ab = d[a * n + b];

	for (size_t j = 0; j < n; j++) {
		double value;

		if (!active[j] || j == a || j == b)
			continue;
		value = lance_williams(linkage, d[a * n + j], d[b * n + j], d_ab, (double)size[a],
				       (double)size[b], (double)size[j]);
		d[b * n + j] = d[j * n + b] = value;
	}
	size[b] += size[a];
	active[a] = 0;
}

/* nn_chain - all n - 1 merges of @d (destroyed), in discovery order. */
static void nn_chain(double *d, size_t n, enum tm_linkage linkage, size_t *chain,
		     unsigned char *active, size_t *size, struct raw_merge *merges)
{
	size_t length = 0, first = 0;

	for (size_t step = 0; step + 1 < n; step++) {
		size_t a, b;

		if (length == 0) {
			while (!active[first])
				first++;
			chain[length++] = first;
		}
		for (;;) {
			size_t previous = length >= 2 ? chain[length - 2] : n;
			size_t next = nearest_active(d, n, active, chain[length - 1], previous);

			if (next == previous)
				break;
			chain[length++] = next;
		}
		a = chain[--length];
		b = chain[--length];
		merges[step] = (struct raw_merge){ a, b, d[a * n + b], step };
		merge_slots(d, n, active, size, linkage, a, b);
	}
}

/* to_linkage - sort merges by height and number nodes as SciPy does. */
static void to_linkage(struct raw_merge *merges, size_t n, size_t *parent, size_t *node,
		       size_t *leaves, enum tm_linkage linkage, struct tm_merge_step *steps)
{
	qsort(merges, n - 1, sizeof(*merges), compare_merges);
	for (size_t i = 0; i < n; i++) {
		parent[i] = i;
		node[i] = i;
		leaves[i] = 1;
	}
	for (size_t s = 0; s + 1 < n; s++) {
		size_t a = merges[s].a, b = merges[s].b, left, right;

		while (parent[a] != a)
			a = parent[a] = parent[parent[a]];
		while (parent[b] != b)
			b = parent[b] = parent[parent[b]];
		left = node[a] < node[b] ? node[a] : node[b];
		right = node[a] < node[b] ? node[b] : node[a];
		steps[s].left_node = (int64_t)left;
		steps[s].right_node = (int64_t)right;
		steps[s].height = linkage == TM_LINKAGE_WARD ? sqrt(fmax(0, merges[s].height))
							     : merges[s].height;
		steps[s].size = (int64_t)(leaves[a] + leaves[b]);
		parent[a] = b;
		leaves[b] += leaves[a];
		node[b] = n + s;
	}
}

int tm_agglomerative(const double *distance, size_t n, enum tm_linkage linkage,
		     struct tm_clustering *out, struct tm_error *err)
{
	double *d = malloc((n * n > 0 ? n * n : 1) * sizeof(double));
	size_t *chain = malloc((n ? n : 1) * sizeof(size_t));
	size_t *size = malloc((n ? n : 1) * sizeof(size_t) * 4);
	unsigned char *active = malloc(n ? n : 1);
	struct raw_merge *merges = malloc((n ? n : 1) * sizeof(*merges));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		rc = tm_error_set(err, TM_ERR_USAGE, "no task to cluster");
	else if (!d || !chain || !size || !active || !merges ||
		 (rc = cluster_allocate(out, n, 1, err)) < 0 ||
		 !(out->steps = malloc((n ? n : 1) * sizeof(*out->steps))))
		rc = rc < 0 ? rc : tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (rc == 0) {
		for (size_t c = 0; c < n * n; c++)
			d[c] = linkage == TM_LINKAGE_WARD ? distance[c] * distance[c] : distance[c];
		for (size_t i = 0; i < n; i++) {
			active[i] = 1;
			size[i] = 1;
		}
		nn_chain(d, n, linkage, chain, active, size, merges);
		to_linkage(merges, n, size, size + n, size + 2 * n, linkage, out->steps);
		out->n_steps = n - 1;
		out->objective = n > 1 ? out->steps[n - 2].height : 0;
	}
	if (rc < 0)
		tm_clustering_release(out);
	free(d);
	free(chain);
	free(size);
	free(active);
	free(merges);
	return rc;
}

int tm_tree_cut(struct tm_clustering *tree, size_t k, struct tm_error *err)
{
	size_t n = tree->n_tasks, *parent, *group;
	double *membership;

	if (k == 0 || k > n)
		return tm_error_set(err, TM_ERR_USAGE, "cannot cut %zu tasks into %zu groups", n, k);
	parent = malloc(2 * n * sizeof(size_t));
	group = malloc(2 * n * sizeof(size_t));
	membership = calloc(n * k, sizeof(double));
	if (!parent || !group || !membership) {
		free(parent);
		free(group);
		free(membership);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t v = 0; v < 2 * n; v++)
		parent[v] = v;
	for (size_t s = 0; s + k < n; s++)
		parent[tree->steps[s].left_node] = parent[tree->steps[s].right_node] = n + s;
	for (size_t i = 0; i < n; i++) {
		size_t v = i;

		while (parent[v] != v)
			v = parent[v];
		group[i] = v;
	}
	for (size_t i = 0; i < n; i++)
		tree->assignment[i] = group[i];
	/* group ids are node numbers < 2n; make them 0..k-1 by first task */
	cluster_canonical(tree->assignment, n, 2 * n);
	free(tree->membership);
	tree->membership = membership;
	tree->k = k;
	cluster_one_hot(tree);
	free(parent);
	free(group);
	return 0;
}
