/*
 * checkpointer.c - WAL checkpoints on a thread of their own. A checkpoint
 * copies the WAL back into the database and fsyncs both files; done by the
 * committing connection (SQLite's automatic checkpoint), it stalls that
 * commit: on delicious the trainer's writer waited about 0.4 s for each
 * 64 MiB checkpoint, longer than a training epoch. Here the connection's WAL
 * hook only wakes a thread, which checkpoints through a second connection
 * of its own while the first goes on committing (a PASSIVE checkpoint never
 * blocks a writer, and a writer never waits for it).
 *
 * The thread starts with the first checkpoint asked for, so a short command
 * never starts one. When it cannot be started, the committing connection
 * checkpoints itself, as SQLite would. The WAL only starts over once a
 * checkpoint has copied all of it before the next commit; a writer that
 * commits faster than the thread checkpoints (fsyncs on a slow disk) would
 * make it grow without end, so past BACKSTOP times the limit the committer
 * waits for the thread's checkpoint and then does one itself. Stopping the
 * thread waits for a checkpoint in progress; what the WAL still holds is
 * folded back when the last connection closes (sqlite3_close).
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BACKSTOP 4 /* times the limit: the committer checkpoints itself */

struct store_checkpointer {
	pthread_t thread;
	pthread_mutex_t checkpointing; /* held for each checkpoint, by either thread */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	sqlite3 *db;   /* the thread's own connection, opened by the thread */
	char *path;
	int frames;    /* WAL frames after which a commit asks for a checkpoint */
	int started;   /* the thread runs (or ran: joined at stop) */
	int failed;    /* it could not be started: checkpoint on the committer */
	int requested; /* a checkpoint is wanted */
	int stopping;
};

/*
 * open_connection - the thread's connection to the store's file, in WAL
 * mode already (a read opens the WAL), with the store's synchronous setting
 * (the checkpoint's fsyncs) and no automatic checkpoints of its own.
 */
static sqlite3 *open_connection(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;"
			 "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void *checkpoint_loop(void *context)
{
	struct store_checkpointer *c = context;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		if (!c->requested) {
			pthread_cond_wait(&c->wake, &c->lock);
			continue;
		}
		c->requested = 0;
		pthread_mutex_unlock(&c->lock);
		pthread_mutex_lock(&c->checkpointing);
		if (c->db || (c->db = open_connection(c->path)))
			/* best effort: what it cannot copy now, the next one or the close does */
			sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_unlock(&c->checkpointing);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	sqlite3_close(c->db);
	c->db = NULL;
	return NULL;
}

/*
 * on_commit - SQLite's WAL hook, after every commit of the store's
 * connection: with @frames in the WAL at or past the limit, wake the
 * thread (starting it the first time); checkpoint here without one, or
 * when the WAL has reached the backstop.
 */
static int on_commit(void *context, sqlite3 *db, const char *schema, int frames)
{
	struct store_checkpointer *c = context;
	int inline_checkpoint = 0;

	if (frames < c->frames)
		return SQLITE_OK;
	pthread_mutex_lock(&c->lock);
	if (!c->started && !c->failed) {
		if (pthread_create(&c->thread, NULL, checkpoint_loop, c) == 0)
			c->started = 1;
		else
			c->failed = 1;
	}
	c->requested = 1;
	pthread_cond_signal(&c->wake);
	inline_checkpoint = c->failed || frames >= BACKSTOP * c->frames;
	pthread_mutex_unlock(&c->lock);
	if (inline_checkpoint) {
		pthread_mutex_lock(&c->checkpointing);
		sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_unlock(&c->checkpointing);
	}
	return SQLITE_OK;
}

int store_checkpointer_start(struct tm_store *store, int bytes, struct tm_error *err)
{
	struct store_checkpointer *c = calloc(1, sizeof(*c));
	sqlite3_stmt *stmt = NULL;
	int page_size = 0;

	if (!c)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (sqlite3_prepare_v2(store->db, "PRAGMA page_size", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		page_size = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (page_size <= 0) {
		free(c);
		return store_db_error(store, err, "cannot read the page size");
	}
	if (!(c->path = strdup(store->path))) {
		free(c);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	c->frames = bytes / page_size > 0 ? bytes / page_size : 1;
	pthread_mutex_init(&c->checkpointing, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	store->checkpointer = c;
	/* replaces SQLite's automatic checkpoint, which is a WAL hook too */
	sqlite3_wal_hook(store->db, on_commit, c);
	return 0;
}

void store_checkpointer_stop(struct tm_store *store)
{
	struct store_checkpointer *c = store->checkpointer;

	if (!c)
		return;
	sqlite3_wal_hook(store->db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	if (c->started)
		pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->checkpointing);
	free(c->path);
	free(c);
	store->checkpointer = NULL;
}
