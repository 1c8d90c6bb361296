/*
 * parallel.h - the few collective operations data-parallel training needs
 * (`mpirun -np N taskmap train ...`), over MPI when taskmap is built with it
 * (-Dmpi, parallel-mpi.c) and as a one-process no-op otherwise
 * (parallel-serial.c), so the trainer has one code path.
 *
 * Every rank holds the whole model and a contiguous shard of the training
 * split's positions; rank 0 (the root) is the only one that opens the
 * database. Every operation below is collective: all ranks call it in the
 * same order with the same sizes. MPI's default error handler applies: a
 * failed collective, or a rank that dies, ends the whole job, and the run's
 * committed epochs stay resumable (docs/methods.md, "data-parallel
 * training").
 *
 * No global state is kept here beyond MPI's own: the caller owns the
 * struct tm_parallel and passes it down.
 */
#ifndef TM_PARALLEL_H
#define TM_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct tm_parallel {
	int rank;   /* 0 .. size-1; 0 is the root, the only writer of the database */
	int size;   /* number of ranks; 1 without mpirun */
	int active; /* 1 when MPI was initialised by tm_parallel_start */
};

/* tm_parallel_built - 1 when this taskmap was built with MPI support. */
int tm_parallel_built(void);

/*
 * tm_parallel_launched - 1 when the environment says this process was
 * started by an MPI launcher (mpirun, mpiexec, srun) with more than one
 * rank, whether or not MPI support is built in.
 */
int tm_parallel_launched(void);

/*
 * tm_parallel_launcher_ranks - the rank count an MPI launcher put in the
 * environment (1 for mpirun -np 1), or 0 when not started by one.
 */
long tm_parallel_launcher_ranks(void);

/*
 * tm_parallel_start - initialise MPI when launched by an MPI launcher
 * (otherwise, or without MPI support, @p becomes rank 0 of 1 and nothing is
 * initialised). Returns 0, or TM_ERR_USAGE when launched with several ranks
 * by a taskmap built without MPI.
 */
int tm_parallel_start(struct tm_parallel *p, struct tm_error *err);

/* tm_parallel_stop - finalise MPI if tm_parallel_start initialised it; accepts NULL. */
void tm_parallel_stop(struct tm_parallel *p);

/* tm_parallel_sum_floats / _doubles - element-wise sum of @values over all ranks, in place. */
void tm_parallel_sum_floats(const struct tm_parallel *p, float *values, size_t n);
void tm_parallel_sum_doubles(const struct tm_parallel *p, double *values, size_t n);

/*
 * tm_parallel_agree - the most negative @rc of all ranks (0 when every rank
 * is fine): lets every rank stop together when one of them failed.
 */
int tm_parallel_agree(const struct tm_parallel *p, int rc);

/* tm_parallel_any - 1 on every rank when @flag is non-zero on at least one. */
int tm_parallel_any(const struct tm_parallel *p, int flag);

/* tm_parallel_broadcast - the root's @n_bytes at @bytes copied to every rank. */
void tm_parallel_broadcast(const struct tm_parallel *p, void *bytes, size_t n_bytes);

/*
 * tm_parallel_broadcast_blob - the root's byte string (*@bytes, *@n_bytes)
 * to every rank: the other ranks get a new malloc'ed copy in *@bytes (free
 * it). Returns 0, or TM_ERR_NOMEM on the rank that could not allocate (the
 * caller agrees on it with tm_parallel_agree).
 */
int tm_parallel_broadcast_blob(const struct tm_parallel *p, void **bytes, size_t *n_bytes,
			       struct tm_error *err);

/*
 * tm_parallel_hand_blob - the root's byte string (*@bytes, *@n_bytes) to
 * rank @to alone, which gets a new malloc'ed copy in *@bytes (free it); the
 * other ranks' arguments are left alone. Collective: every rank calls it
 * with the same @to, so that all learn when rank @to could not allocate.
 * Returns 0, or TM_ERR_NOMEM on every rank when rank @to could not (nothing
 * is sent then).
 */
int tm_parallel_hand_blob(const struct tm_parallel *p, int to, void **bytes, size_t *n_bytes,
			  struct tm_error *err);

/*
 * tm_parallel_gather_rows - rows [shard_start[r], shard_start[r + 1]) of a
 * @row_width-float matrix are rank r's: on the root @matrix is the whole
 * matrix, with the root's own rows in place; on another rank r @matrix holds
 * only its shard_start[r + 1] - shard_start[r] rows. Afterwards the root's
 * @matrix holds every rank's rows in place (the other ranks' is unchanged).
 * @shard_start has size + 1 entries.
 */
void tm_parallel_gather_rows(const struct tm_parallel *p, float *matrix, size_t row_width,
			     const size_t *shard_start);

/*
 * tm_parallel_shards - split @n positions into size contiguous shards of
 * sizes differing by at most one: shard_start[0..size] (size + 1 entries).
 */
void tm_parallel_shards(const struct tm_parallel *p, size_t n, size_t *shard_start);

#endif
