/*
 * liveness.c - telling a run that is being trained from one whose process
 * died. A process that trains a run claims it: it holds a POSIX write lock
 * on byte <run id> of the file "<db>.trainers" for as long as it lives, and
 * the kernel drops the lock however the process ends (even kill -9). A run
 * stored as "running" whose byte nobody holds belongs to a dead process: it
 * is shown as interrupted at once, and recorded as such by the next writer
 * (tm_store_mark_stale_runs). The database file itself is never used for
 * this: closing any descriptor of it would drop SQLite's own locks.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* open_lock_file - the lock file, created by writers, opened read-only by readers. */
static int open_lock_file(struct tm_store *store, struct tm_error *err)
{
	size_t n = strlen(store->path) + sizeof(".trainers");
	char *path;

	if (store->liveness_fd >= 0)
		return 0;
	if (!(path = malloc(n)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	snprintf(path, n, "%s.trainers", store->path);
	if (store->flags & TM_STORE_READONLY)
		store->liveness_fd = open(path, O_RDONLY | O_CLOEXEC);
	else
		store->liveness_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (store->liveness_fd < 0) {
		int rc = tm_error_set(err, TM_ERR_IO, "cannot open the lock file '%s': %s", path,
				      strerror(errno));

		free(path);
		return rc;
	}
	free(path);
	return 0;
}

static void byte_of_run(struct flock *lock, short type, int64_t run_id)
{
	memset(lock, 0, sizeof(*lock));
	lock->l_type = type;
	lock->l_whence = SEEK_SET;
	lock->l_start = (off_t)run_id;
	lock->l_len = 1;
}

static int claimed_here(const struct tm_store *store, int64_t run_id)
{
	for (size_t i = 0; i < store->n_claimed; i++)
		if (store->claimed[i] == run_id)
			return 1;
	return 0;
}

int tm_store_claim_run(struct tm_store *store, int64_t run_id, struct tm_error *err)
{
	struct flock lock;
	int64_t *claimed;
	int rc;

	if (claimed_here(store, run_id))
		return 0;
	if ((rc = open_lock_file(store, err)) < 0)
		return rc;
	byte_of_run(&lock, F_WRLCK, run_id);
	if (fcntl(store->liveness_fd, F_SETLK, &lock) != 0) {
		if (errno == EACCES || errno == EAGAIN)
			return tm_error_set(err, TM_ERR_DENIED,
					    "run %lld is being trained by another process right now",
					    (long long)run_id);
		return tm_error_set(err, TM_ERR_IO, "cannot lock run %lld: %s",
				    (long long)run_id, strerror(errno));
	}
	if (!(claimed = realloc(store->claimed, (store->n_claimed + 1) * sizeof(*claimed))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	store->claimed = claimed;
	store->claimed[store->n_claimed++] = run_id;
	return 0;
}

int store_run_alive(struct tm_store *store, int64_t run_id)
{
	struct flock lock;

	if (claimed_here(store, run_id))
		return 1;
	if (open_lock_file(store, NULL) < 0)
		return errno == ENOENT ? 0 : 1; /* no lock file: nobody ever trained here */
	byte_of_run(&lock, F_WRLCK, run_id);
	if (fcntl(store->liveness_fd, F_GETLK, &lock) != 0)
		return 1;
	return lock.l_type != F_UNLCK;
}

void store_liveness_release(struct tm_store *store)
{
	if (store->liveness_fd >= 0)
		close(store->liveness_fd); /* drops every lock this process holds on it */
	store->liveness_fd = -1;
	free(store->claimed);
	store->claimed = NULL;
	store->n_claimed = 0;
}
