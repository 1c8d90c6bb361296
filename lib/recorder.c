/*
 * recorder.c - libtaskmap's public API (taskmap.h) over the store and the
 * dynamics writer (trainer/import.h): the handle keeps the open store, the
 * writer of the one run it records, copies of the names, and the last error
 * message. Arrays come in the caller's sample-major layout and are turned
 * into the store's task-major 16-bit values here.
 */
#define TASKMAP_BUILDING 1
#include "taskmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "store.h"

struct taskmap {
	struct tm_store *store;
	struct tm_dynamics_writer *writer;
	struct tm_error error;
	size_t n_tasks, n_samples;
	char **task_names;   /* owned copies, borrowed by the writer */
	char **sample_names; /* owned copies, or NULL */
	int8_t *labels;      /* task-major, or NULL */
	uint16_t *epoch;     /* task-major buffer of one epoch */
	int64_t run_id;
	int done;            /* finished or aborted */
};

static int fail(taskmap *tm, int code, const char *message)
{
	return tm_error_set(&tm->error, code, "%s", message);
}

TASKMAP_API int taskmap_open(taskmap **out, const char *db_path)
{
	taskmap *tm = calloc(1, sizeof(*tm));

	*out = tm;
	if (!tm)
		return TASKMAP_ERR_NOMEM;
	if (!db_path)
		return fail(tm, TM_ERR_USAGE, "no database path");
	return tm_store_open(&tm->store, db_path, 0, &tm->error);
}

static char **copy_names(const char *const *names, size_t n)
{
	char **copy = calloc(n ? n : 1, sizeof(*copy));

	for (size_t i = 0; copy && i < n; i++)
		if (!(copy[i] = strdup(names[i] ? names[i] : ""))) {
			while (i-- > 0)
				free(copy[i]);
			free(copy);
			return NULL;
		}
	return copy;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* copy_labels - sample-major caller labels to task-major; -1 when invalid. */
static int copy_labels(taskmap *tm, const int8_t *labels)
{
	if (!(tm->labels = malloc(tm->n_tasks * tm->n_samples)))
		return fail(tm, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < tm->n_samples; i++)
		for (size_t t = 0; t < tm->n_tasks; t++) {
			int8_t y = labels[i * tm->n_tasks + t];

			if (y != 0 && y != 1 && y != -1)
				return tm_error_set(&tm->error, TM_ERR_INPUT, "the label of sample %zu,"
						    " task '%s' is %d, not 0, 1 or -1", i,
						    tm->task_names[t], y);
			tm->labels[t * tm->n_samples + i] = y < 0 ? TM_STORE_LABEL_MISSING : y;
		}
	return 0;
}

static int check_create(taskmap *tm, size_t n_tasks, const char *const *task_names,
			size_t n_samples)
{
	if (!tm->store)
		return fail(tm, TM_ERR_USAGE, "the database is not open");
	if (tm->writer || tm->done)
		return fail(tm, TM_ERR_USAGE, "a run was created already (one run per handle)");
	if (!n_tasks || !n_samples || !task_names)
		return fail(tm, TM_ERR_USAGE, "a run needs tasks, task names and samples");
	if (n_tasks > SIZE_MAX / sizeof(uint16_t) / n_samples)
		return fail(tm, TM_ERR_USAGE, "too many tasks and samples");
	return 0;
}

/*
 * release_run - undo what a failed taskmap_create_run set up, so that the
 * handle is as before the call and a corrected call can follow. A writer
 * that was created (its run row exists) marks that run failed.
 */
static void release_run(taskmap *tm)
{
	tm_dynamics_writer_destroy(tm->writer, TM_RUN_FAILED, "taskmap_create_run failed");
	tm->writer = NULL;
	free_names(tm->task_names, tm->n_tasks);
	free_names(tm->sample_names, tm->n_samples);
	free(tm->labels);
	free(tm->epoch);
	tm->task_names = tm->sample_names = NULL;
	tm->labels = NULL;
	tm->epoch = NULL;
	tm->n_tasks = tm->n_samples = 0;
	tm->run_id = 0;
}

TASKMAP_API int taskmap_create_run(taskmap *tm, const char *run_name, size_t n_tasks,
				   const char *const *task_names, size_t n_samples,
				   const char *const *sample_names, const int8_t *labels)
{
	struct tm_dynamics_writer_spec spec = { .run_name = run_name, .dataset_name = "libtaskmap",
		.config_json = "{\"recorder\":\"libtaskmap\"}", .n_tasks = n_tasks,
		.n_samples = n_samples, .min_labelled = 10 };
	int rc;

	if ((rc = check_create(tm, n_tasks, task_names, n_samples)) < 0)
		return rc;
	tm->n_tasks = n_tasks;
	tm->n_samples = n_samples;
	if (!(tm->task_names = copy_names(task_names, n_tasks)) ||
	    (sample_names && !(tm->sample_names = copy_names(sample_names, n_samples))) ||
	    !(tm->epoch = malloc(n_tasks * n_samples * sizeof(uint16_t)))) {
		rc = fail(tm, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (labels && (rc = copy_labels(tm, labels)) < 0)
		goto out;
	for (size_t t = 0; t < n_tasks; t++)
		for (size_t u = 0; u < t; u++)
			if (strcmp(tm->task_names[t], tm->task_names[u]) == 0) {
				rc = tm_error_set(&tm->error, TM_ERR_USAGE,
						  "task name '%s' is used twice", tm->task_names[t]);
				goto out;
			}
	spec.task_names = (const char *const *)tm->task_names;
	spec.sample_names = (const char *const *)tm->sample_names;
	if ((rc = tm_dynamics_writer_create(&tm->writer, tm->store, &spec, &tm->error)) < 0 ||
	    (tm->labels && (rc = tm_dynamics_writer_labels(tm->writer, tm->labels, &tm->error)) < 0))
		goto out;
	tm->run_id = tm_dynamics_writer_run_id(tm->writer);
	return 0;
out:
	release_run(tm);
	return rc;
}

/* encode_epoch - the caller's sample-major floats into the task-major buffer. */
static int encode_epoch(taskmap *tm, const float *p, const uint8_t *missing)
{
	size_t epoch = tm_dynamics_writer_epochs(tm->writer);

	for (size_t i = 0; i < tm->n_samples; i++)
		for (size_t t = 0; t < tm->n_tasks; t++) {
			size_t k = t * tm->n_samples + i;
			double v = p[i * tm->n_tasks + t];

			if ((missing && missing[i * tm->n_tasks + t]) ||
			    (tm->labels && tm->labels[k] == TM_STORE_LABEL_MISSING)) {
				tm->epoch[k] = TM_DYNAMICS_MISSING;
				continue;
			}
			if (v == v && !(v >= 0 && v <= 1))
				return tm_error_set(&tm->error, TM_ERR_INPUT, "epoch %zu: sample %zu,"
						    " task '%s': %g is not a probability in [0, 1]",
						    epoch, i, tm->task_names[t], v);
			tm->epoch[k] = tm_dynamics_encode(v);
		}
	return 0;
}

TASKMAP_API int taskmap_add_epoch(taskmap *tm, const float *probabilities,
				  const uint8_t *missing)
{
	int rc;

	if (!tm->writer || tm->done)
		return fail(tm, TM_ERR_USAGE, tm->done ? "the run is finished"
			    : "no run: call taskmap_create_run first");
	if (!probabilities)
		return fail(tm, TM_ERR_USAGE, "no probabilities");
	if ((rc = encode_epoch(tm, probabilities, missing)) < 0)
		return rc;
	return tm_dynamics_writer_epoch(tm->writer, tm->epoch, &tm->error);
}

TASKMAP_API int taskmap_finish(taskmap *tm)
{
	int rc;

	if (!tm->writer || tm->done)
		return fail(tm, TM_ERR_USAGE, tm->done ? "the run is finished" : "no run to finish");
	if ((rc = tm_dynamics_writer_finish(tm->writer, &tm->error)) == 0)
		tm->done = 1;
	return rc;
}

TASKMAP_API int taskmap_abort(taskmap *tm, const char *message)
{
	if (!tm->writer || tm->done)
		return fail(tm, TM_ERR_USAGE, tm->done ? "the run is finished" : "no run to abort");
	tm_dynamics_writer_destroy(tm->writer, TM_RUN_FAILED,
				   message ? message : "aborted by the recording program");
	tm->writer = NULL;
	tm->done = 1;
	return 0;
}

TASKMAP_API int64_t taskmap_run_id(const taskmap *tm)
{
	return tm ? tm->run_id : 0;
}

TASKMAP_API const char *taskmap_last_error(const taskmap *tm)
{
	if (!tm)
		return "out of memory";
	return tm->error.code ? tm->error.message : "";
}

TASKMAP_API void taskmap_close(taskmap *tm)
{
	if (!tm)
		return;
	tm_dynamics_writer_destroy(tm->writer, TM_RUN_INTERRUPTED,
				   "the recording program closed the database before"
				   " taskmap_finish");
	tm_store_close(tm->store);
	free_names(tm->task_names, tm->n_tasks);
	free_names(tm->sample_names, tm->n_samples);
	free(tm->labels);
	free(tm->epoch);
	free(tm);
}

TASKMAP_API const char *taskmap_version(void)
{
	return tm_version();
}
