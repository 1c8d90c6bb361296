/*
 * parallel-launch.c - what the environment says about an MPI launch, shared
 * by both builds of trainer/parallel.h: `taskmap` reads it to hand a train
 * command to `taskmap-mpi`, which reads it to decide whether to start MPI.
 */
#include "parallel.h"

#include <stdlib.h>

long tm_parallel_launcher_ranks(void)
{
	/* Open MPI's mpirun, MPICH/Hydra and Slurm's srun (PMI-2), PMIx launchers */
	static const char *const names[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = getenv(names[i]);

		if (value && *value)
			return strtol(value, NULL, 10);
	}
	return 0;
}

int tm_parallel_launched(void)
{
	return tm_parallel_launcher_ranks() > 1;
}
