/*
 * taskmap.h - record training dynamics from your own training program into
 * a taskmap database (libtaskmap), so that `taskmap analyze`, `recommend`
 * and `report` find which tasks to train together.
 *
 * Plain C, no taskmap internals: an opaque handle, sizes, float arrays and
 * strings. Usable from C, C++ and (through ctypes/cffi) Python. Link with
 * `pkg-config --cflags --libs taskmap`. Documented with a complete example
 * in docs/api.md.
 *
 * The life of a recording:
 *   taskmap_open       open (creating) the database file
 *   taskmap_create_run a run: task names, sample count (names, labels optional)
 *   taskmap_add_epoch  once per epoch: every (sample, task) gold-label probability
 *   taskmap_finish     mark the run done          (or taskmap_abort: failed)
 *   taskmap_close      free the handle
 *
 * Every epoch is committed on its own: if the program dies, the epochs
 * already added stay in the database (the run shows "interrupted").
 *
 * Errors: functions return 0 or a negative TASKMAP_ERR_* code, and
 * taskmap_last_error() says what went wrong in words. The library never
 * prints, exits or keeps global state; a handle must not be used by two
 * threads at once.
 */
#ifndef TASKMAP_H
#define TASKMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(TASKMAP_BUILDING)
#define TASKMAP_API __attribute__((visibility("default")))
#else
#define TASKMAP_API
#endif

/* Return codes (the same numbers as the taskmap program's own). */
enum taskmap_status {
	TASKMAP_OK = 0,
	TASKMAP_ERR_NOMEM = -1, /* out of memory */
	TASKMAP_ERR_IO = -2,    /* the database file could not be read or written */
	TASKMAP_ERR_INPUT = -3, /* invalid values: a probability outside [0, 1], ... */
	TASKMAP_ERR_USAGE = -4, /* a call out of order, a run name taken, ... */
	TASKMAP_ERR_DB = -5,    /* SQLite reported an error */
};

/* A database with at most one run being recorded. */
typedef struct taskmap taskmap;

/*
 * taskmap_open - open the taskmap database at @db_path, creating it if
 * needed. *@out receives a handle even on failure (unless memory ran out,
 * then NULL), so that taskmap_last_error() can say why; always close it.
 */
TASKMAP_API int taskmap_open(taskmap **out, const char *db_path);

/*
 * taskmap_create_run - start recording a run named @run_name (NULL: the
 * database names it "run-<id>") of @n_tasks binary tasks named
 * @task_names[t] (unique, non-empty) over @n_samples training samples.
 * @sample_names: NULL or @n_samples identifiers (kept in the database).
 * @labels: NULL or the gold labels, n_samples x n_tasks row-major (sample
 * i, task t at [i * n_tasks + t]): 0, 1, or -1 for a missing label. With
 * labels, the labels and predictions relatedness estimators work too.
 * All arrays are copied. One run per handle. On failure the handle is as
 * before the call (nothing recorded, unless the database failed after the
 * run was created: that run is marked failed), so a corrected call may follow.
 */
TASKMAP_API int taskmap_create_run(taskmap *tm, const char *run_name, size_t n_tasks,
				   const char *const *task_names, size_t n_samples,
				   const char *const *sample_names, const int8_t *labels);

/*
 * taskmap_add_epoch - record the next epoch: @probabilities holds the
 * model's probability of the gold label of every (sample, task) pair,
 * n_samples x n_tasks row-major (sample i, task t at [i * n_tasks + t]),
 * each in [0, 1]; NaN, a non-zero @missing[i * n_tasks + t] (@missing may
 * be NULL), or a label of -1 means the pair has no label. For a sigmoid
 * output s = sigmoid(z): p = s when the label is 1, 1 - s when it is 0.
 * The first epoch fixes which pairs are missing; later epochs must agree.
 * On TASKMAP_ERR_INPUT nothing of the epoch is written and the run goes on.
 */
TASKMAP_API int taskmap_add_epoch(taskmap *tm, const float *probabilities,
				  const uint8_t *missing);

/* taskmap_finish - mark the run done (at least one epoch is needed). */
TASKMAP_API int taskmap_finish(taskmap *tm);

/* taskmap_abort - mark the run failed with @message (may be NULL); its epochs stay. */
TASKMAP_API int taskmap_abort(taskmap *tm, const char *message);

/* taskmap_run_id - the id of the run being recorded (0 before create_run). */
TASKMAP_API int64_t taskmap_run_id(const taskmap *tm);

/*
 * taskmap_last_error - what the last failing call said (lowercase, no full
 * stop), or "" when nothing failed. Valid until the next call on @tm.
 */
TASKMAP_API const char *taskmap_last_error(const taskmap *tm);

/*
 * taskmap_close - close the database and free @tm; accepts NULL. A run
 * neither finished nor aborted is marked "interrupted".
 */
TASKMAP_API void taskmap_close(taskmap *tm);

/* taskmap_version - the library's version, e.g. "0.1.0". */
TASKMAP_API const char *taskmap_version(void);

#ifdef __cplusplus
}
#endif

#endif
