/*
 * cluster-internal.h - what the clustering files of analyzers/ share:
 * allocation, canonical group numbering and centroid distances in the space
 * of a Gram matrix. Not part of the public API.
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

#endif
