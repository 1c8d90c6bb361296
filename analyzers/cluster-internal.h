/*
 * cluster-internal.h - what the clustering files of analyzers/ share:
 * allocation, canonical group numbering, centroid distances in the space
 * of a Gram matrix, and the affinity spectral clustering embeds. Not part of
 * the public API.
 */
#ifndef TM_ANALYZERS_CLUSTER_INTERNAL_H
#define TM_ANALYZERS_CLUSTER_INTERNAL_H

#include "analyzers.h"

/* cluster_allocate - zeroed assignment (n) and membership (n x k) arrays. */
int cluster_allocate(struct tm_clustering *c, size_t n, size_t k, struct tm_error *err);

/* cluster_canonical - renumber groups in order of their first task. */
void cluster_canonical(size_t *assignment, size_t n, size_t k);

/* cluster_one_hot - membership 1 on each task's group, 0 elsewhere. */
void cluster_one_hot(struct tm_clustering *c);

/*
 * cluster_centroid_distances - squared distances (n x k) of every point to
 * the centroid of every group of @assignment, in the space of @gram; the
 * scratch @sum (n x k), @self (k) and @size (k) are filled on the way.
 * Empty groups get INFINITY.
 */
void cluster_centroid_distances(const double *gram, size_t n, size_t k, const size_t *assignment,
				double *sum, double *self, size_t *size, double *distance);

/*
 * spectral_local_scaling - the self-tuning affinity of Zelnik-Manor and
 * Perona (2004, eq. 2) from @distance (n x n): A_ij = exp(-d_ij^2 /
 * (sigma_i sigma_j)), sigma_i the distance of i to its @neighbours-th
 * nearest other task (capped at n - 1), 1 on the diagonal and where d_ij = 0.
 * Fills the caller's @affinity (n x n). TM_ERR_NOMEM on allocation failure.
 */
int spectral_local_scaling(const double *distance, size_t n, size_t neighbours, double *affinity,
			   struct tm_error *err);

#endif
