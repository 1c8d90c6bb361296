/*
 * parallel-serial.c - trainer/parallel.h without MPI (-Dmpi=disabled or
 * no Open MPI found): one process, rank 0 of 1, every collective a no-op.
 * tm_parallel_start refuses a launch by mpirun with several ranks, where N
 * copies would otherwise each train the whole run.
 */
#include "parallel.h"

#include <stdlib.h>

int tm_parallel_built(void)
{
	return 0;
}

int tm_parallel_start(struct tm_parallel *p, struct tm_error *err)
{
	p->rank = 0;
	p->size = 1;
	p->active = 0;
	if (tm_parallel_launched())
		return tm_error_set(err, TM_ERR_USAGE, "this taskmap was built without MPI support"
				    " (reconfigure with -Dmpi=enabled after installing libopenmpi-dev)");
	return 0;
}

void tm_parallel_stop(struct tm_parallel *p)
{
	(void)p;
}

void tm_parallel_sum_floats(const struct tm_parallel *p, float *values, size_t n)
{
	(void)p, (void)values, (void)n;
}

void tm_parallel_sum_doubles(const struct tm_parallel *p, double *values, size_t n)
{
	(void)p, (void)values, (void)n;
}

int tm_parallel_agree(const struct tm_parallel *p, int rc)
{
	(void)p;
	return rc;
}

int tm_parallel_any(const struct tm_parallel *p, int flag)
{
	(void)p;
	return flag != 0;
}

void tm_parallel_broadcast(const struct tm_parallel *p, void *bytes, size_t n_bytes)
{
	(void)p, (void)bytes, (void)n_bytes;
}

int tm_parallel_broadcast_blob(const struct tm_parallel *p, void **bytes, size_t *n_bytes,
			       struct tm_error *err)
{
	(void)p, (void)bytes, (void)n_bytes, (void)err;
	return 0;
}

int tm_parallel_hand_blob(const struct tm_parallel *p, int to, void **bytes, size_t *n_bytes,
			  struct tm_error *err)
{
	(void)p, (void)to, (void)bytes, (void)n_bytes, (void)err;
	return 0;
}

void tm_parallel_gather_rows(const struct tm_parallel *p, float *matrix, size_t row_width,
			     const size_t *shard_start)
{
	(void)p, (void)matrix, (void)row_width, (void)shard_start;
}

void tm_parallel_shards(const struct tm_parallel *p, size_t n, size_t *shard_start)
{
	(void)p;
	shard_start[0] = 0;
	shard_start[1] = n;
}
