/*
 * parallel-mpi.c - trainer/parallel.h over MPI (built with -Dmpi): the
 * collectives of data-parallel training on MPI_COMM_WORLD. MPI's counts
 * are ints, so long arrays go in chunks and row gathers count whole rows
 * (a contiguous datatype of one row).
 */
#include "parallel.h"

#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#define CHUNK (1 << 30) /* elements per collective call, below INT_MAX */

int tm_parallel_built(void)
{
	return 1;
}

int tm_parallel_start(struct tm_parallel *p, struct tm_error *err)
{
	int provided, initialised;

	(void)err;
	p->rank = 0;
	p->size = 1;
	p->active = 0;
	/* a size of 1 too: mpirun -np 1 is a run under MPI */
	if (!tm_parallel_launcher_ranks())
		return 0;
	MPI_Initialized(&initialised);
	if (!initialised) {
		/* only the main thread calls MPI; the epoch writer thread never does */
		MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
		p->active = 1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &p->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &p->size);
	return 0;
}

void tm_parallel_stop(struct tm_parallel *p)
{
	if (p && p->active) {
		MPI_Finalize();
		p->active = 0;
	}
}

void tm_parallel_sum_floats(const struct tm_parallel *p, float *values, size_t n)
{
	if (!p || p->size < 2)
		return;
	for (size_t done = 0; done < n; done += CHUNK) {
		int count = n - done < CHUNK ? (int)(n - done) : CHUNK;

		MPI_Allreduce(MPI_IN_PLACE, values + done, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	}
}

void tm_parallel_sum_doubles(const struct tm_parallel *p, double *values, size_t n)
{
	if (!p || p->size < 2)
		return;
	for (size_t done = 0; done < n; done += CHUNK) {
		int count = n - done < CHUNK ? (int)(n - done) : CHUNK;

		MPI_Allreduce(MPI_IN_PLACE, values + done, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	}
}

int tm_parallel_agree(const struct tm_parallel *p, int rc)
{
	int worst = rc;

	if (p && p->size > 1)
		MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	return worst;
}

int tm_parallel_any(const struct tm_parallel *p, int flag)
{
	int local = flag != 0, any = local;

	if (p && p->size > 1)
		MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return any;
}

void tm_parallel_broadcast(const struct tm_parallel *p, void *bytes, size_t n_bytes)
{
	if (!p || p->size < 2)
		return;
	for (size_t done = 0; done < n_bytes; done += CHUNK) {
		int count = n_bytes - done < CHUNK ? (int)(n_bytes - done) : CHUNK;

		MPI_Bcast((char *)bytes + done, count, MPI_BYTE, 0, MPI_COMM_WORLD);
	}
}

int tm_parallel_broadcast_blob(const struct tm_parallel *p, void **bytes, size_t *n_bytes,
			       struct tm_error *err)
{
	uint64_t size = p->rank == 0 ? (uint64_t)*n_bytes : 0;
	void *copy = NULL;
	int rc = 0;

	if (p->size < 2)
		return 0;
	tm_parallel_broadcast(p, &size, sizeof(size));
	if (p->rank != 0) {
		*bytes = NULL;
		*n_bytes = 0;
		if (!(copy = malloc(size ? size : 1)))
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory for %llu bytes from rank 0",
					  (unsigned long long)size);
	}
	if (tm_parallel_agree(p, rc) < 0) {
		free(copy);
		return rc < 0 ? rc : tm_error_set(err, TM_ERR_NOMEM, "a rank ran out of memory");
	}
	tm_parallel_broadcast(p, p->rank == 0 ? *bytes : copy, (size_t)size);
	if (p->rank != 0) {
		*bytes = copy;
		*n_bytes = (size_t)size;
	}
	return 0;
}

int tm_parallel_hand_blob(const struct tm_parallel *p, int to, void **bytes, size_t *n_bytes,
			  struct tm_error *err)
{
	uint64_t size = p->rank == 0 ? (uint64_t)*n_bytes : 0;
	char *copy = NULL;
	int rc = 0;

	if (p->size < 2 || to == 0)
		return 0;
	if (p->rank == 0) {
		MPI_Send(&size, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);
	} else if (p->rank == to) {
		MPI_Recv(&size, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		if (!(copy = malloc(size ? size : 1)))
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory for %llu bytes from rank 0",
					  (unsigned long long)size);
	}
	if (tm_parallel_agree(p, rc) < 0) {
		free(copy);
		return rc < 0 ? rc : tm_error_set(err, TM_ERR_NOMEM, "rank %d ran out of memory", to);
	}
	for (uint64_t done = 0; done < size; done += CHUNK) {
		int count = size - done < CHUNK ? (int)(size - done) : CHUNK;

		if (p->rank == 0)
			MPI_Send((char *)*bytes + done, count, MPI_BYTE, to, 0, MPI_COMM_WORLD);
		else if (p->rank == to)
			MPI_Recv(copy + done, count, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	}
	if (p->rank == to) {
		*bytes = copy;
		*n_bytes = (size_t)size;
	}
	return 0;
}

void tm_parallel_gather_rows(const struct tm_parallel *p, float *matrix, size_t row_width,
			     const size_t *shard_start)
{
	MPI_Datatype row;
	int *counts, *offsets;

	if (!p || p->size < 2 || row_width == 0)
		return;
	counts = malloc((size_t)p->size * sizeof(int));
	offsets = malloc((size_t)p->size * sizeof(int));
	if (!counts || !offsets) /* a few ints a rank: ending the job is the honest answer */
		MPI_Abort(MPI_COMM_WORLD, TM_ERR_NOMEM);
	for (int r = 0; r < p->size; r++) {
		counts[r] = (int)(shard_start[r + 1] - shard_start[r]);
		offsets[r] = (int)shard_start[r];
	}
	MPI_Type_contiguous((int)row_width, MPI_FLOAT, &row);
	MPI_Type_commit(&row);
	if (p->rank == 0)
		MPI_Gatherv(MPI_IN_PLACE, 0, row, matrix, counts, offsets, row, 0, MPI_COMM_WORLD);
	else
		MPI_Gatherv(matrix, counts[p->rank], row, NULL, NULL, NULL, row, 0, MPI_COMM_WORLD);
	MPI_Type_free(&row);
	free(counts);
	free(offsets);
}

void tm_parallel_shards(const struct tm_parallel *p, size_t n, size_t *shard_start)
{
	size_t size = (size_t)p->size;

	for (size_t r = 0; r <= size; r++)
		shard_start[r] = n / size * r + (r < n % size ? r : n % size);
}
