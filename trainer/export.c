/*
 * export.c - `taskmap export`: a run's recorded dynamics written in the
 * forms `taskmap import` reads (npy or csv), so they can be used in NumPy
 * or pandas and imported back to exactly the same run: the decoded values
 * q / 65534 re-encode to the same q (float32 keeps 24 bits, csv prints
 * %.17g). Reads one epoch at a time; memory holds one epoch.
 */
#include "import-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct exporter {
	struct tm_store *store;
	int64_t run_id;
	size_t n_epochs, n_samples, n_tasks;
	char **task_names;
	char **sample_names;
	size_t n_sample_names;
	int8_t *labels;   /* task-major, or NULL */
	uint16_t *epoch;  /* task-major q of one epoch */
	const char *dir;
};

struct run_shape {
	int64_t epochs_done, n_samples;
};

static int keep_shape(void *context, const struct tm_run_record *run)
{
	struct run_shape *shape = context;

	shape->epochs_done = run->epochs_done;
	shape->n_samples = run->n_train_samples;
	return 0;
}

static int collect_task(void *context, const struct tm_task_record *task)
{
	struct exporter *x = context;

	if (task->index < 0 || (size_t)task->index >= x->n_tasks)
		return TM_ERR_INPUT;
	return (x->task_names[task->index] = strdup(task->name)) ? 0 : TM_ERR_NOMEM;
}

static int count_task(void *context, const struct tm_task_record *task)
{
	(void)task;
	(*(size_t *)context)++;
	return 0;
}

static int load(struct exporter *x, struct tm_error *err)
{
	struct run_shape shape = { 0 };
	char which[32];
	int rc, has = 0;

	snprintf(which, sizeof(which), "%lld", (long long)x->run_id);
	if ((rc = tm_store_run_get(x->store, which, keep_shape, &shape, err)) < 0 ||
	    (rc = tm_store_list_tasks(x->store, x->run_id, count_task, &x->n_tasks, err)) < 0)
		return rc;
	x->n_epochs = (size_t)(shape.epochs_done > 0 ? shape.epochs_done : 0);
	x->n_samples = (size_t)(shape.n_samples > 0 ? shape.n_samples : 0);
	if (!x->n_epochs || !x->n_samples || !x->n_tasks)
		return tm_error_set(err, TM_ERR_INPUT, "run %lld has no recorded dynamics to export",
				    (long long)x->run_id);
	if (!(x->task_names = calloc(x->n_tasks, sizeof(char *))) ||
	    !(x->epoch = malloc(x->n_tasks * x->n_samples * sizeof(uint16_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = tm_store_list_tasks(x->store, x->run_id, collect_task, x, err)) != 0)
		return rc < 0 && err && err->code == rc ? rc
			: tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = tm_store_read_sample_names(x->store, x->run_id, "train", &x->sample_names,
					     &x->n_sample_names, err)) < 0)
		return rc;
	if (x->n_sample_names != x->n_samples)
		return tm_error_set(err, TM_ERR_INPUT, "run %lld records %zu samples but lists %zu",
				    (long long)x->run_id, x->n_samples, x->n_sample_names);
	if ((rc = tm_store_has_labels(x->store, x->run_id, &has, err)) < 0 || !has)
		return rc;
	if (!(x->labels = malloc(x->n_tasks * x->n_samples)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < x->n_tasks && rc == 0; t++)
		rc = tm_store_read_labels(x->store, x->run_id, (int64_t)t, x->n_samples,
					  x->labels + t * x->n_samples, err);
	return rc;
}

static int read_epoch(struct exporter *x, size_t e, struct tm_error *err)
{
	int rc = 0;

	for (size_t t = 0; t < x->n_tasks && rc == 0; t++)
		rc = tm_store_read_dynamics(x->store, x->run_id, (int64_t)t, (int64_t)e,
					    (int64_t)e + 1, x->n_samples,
					    x->epoch + t * x->n_samples, err);
	return rc;
}

/* open_out - DIR/@name for writing. */
static FILE *open_out(const struct exporter *x, const char *name, char *path, size_t size,
		      struct tm_error *err)
{
	FILE *file;

	snprintf(path, size, "%s/%s", x->dir, name);
	if (!(file = fopen(path, "w")))
		tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	return file;
}

static int close_out(FILE *file, const char *path, int rc, struct tm_error *err)
{
	int failed = ferror(file);

	if (fclose(file) != 0 || failed)
		return rc < 0 ? rc : tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path,
						  strerror(errno ? errno : EIO));
	return rc;
}

static int write_lines(const struct exporter *x, const char *name, char *const *lines, size_t n,
		       struct tm_error *err)
{
	char path[4096];
	FILE *file = open_out(x, name, path, sizeof(path), err);

	if (!file)
		return TM_ERR_IO;
	for (size_t i = 0; i < n; i++)
		fprintf(file, "%s\n", lines[i]);
	return close_out(file, path, 0, err);
}

/* npy_header - a version 1.0 header for @shape, padded to 64 bytes. */
static void npy_header(FILE *file, const char *descr, const size_t *shape, size_t n_dims)
{
	char dict[256];
	int n = snprintf(dict, sizeof(dict), "{'descr': '%s', 'fortran_order': False, 'shape': (",
			 descr);
	size_t total;

	for (size_t d = 0; d < n_dims; d++)
		n += snprintf(dict + n, sizeof(dict) - (size_t)n, "%zu, ", shape[d]);
	n += snprintf(dict + n, sizeof(dict) - (size_t)n, "), }");
	total = (10 + (size_t)n + 1 + 63) / 64 * 64;
	fwrite("\x93NUMPY\x01\x00", 1, 8, file);
	fputc((int)((total - 10) & 0xff), file);
	fputc((int)((total - 10) >> 8), file);
	fwrite(dict, 1, (size_t)n, file);
	for (size_t i = 10 + (size_t)n; i < total - 1; i++)
		fputc(' ', file);
	fputc('\n', file);
}

static void put_f32_le(FILE *file, float value)
{
	uint32_t bits;
	unsigned char bytes[4];

	memcpy(&bits, &value, sizeof(bits));
	for (int i = 0; i < 4; i++)
		bytes[i] = (unsigned char)(bits >> (8 * i));
	fwrite(bytes, 1, 4, file);
}

static int export_npy(struct exporter *x, struct tm_error *err)
{
	size_t shape[3] = { x->n_epochs, x->n_samples, x->n_tasks };
	char path[4096];
	FILE *file;
	int rc = 0;

	if (!(file = open_out(x, "probabilities.npy", path, sizeof(path), err)))
		return TM_ERR_IO;
	npy_header(file, "<f4", shape, 3);
	for (size_t e = 0; e < x->n_epochs && rc == 0; e++) {
		if ((rc = read_epoch(x, e, err)) < 0)
			break;
		for (size_t s = 0; s < x->n_samples; s++)
			for (size_t t = 0; t < x->n_tasks; t++)
				put_f32_le(file, (float)tm_dynamics_decode(x->epoch[t * x->n_samples + s]));
	}
	if ((rc = close_out(file, path, rc, err)) < 0)
		return rc;
	if (x->labels) {
		if (!(file = open_out(x, "labels.npy", path, sizeof(path), err)))
			return TM_ERR_IO;
		npy_header(file, "|i1", shape + 1, 2);
		for (size_t s = 0; s < x->n_samples; s++)
			for (size_t t = 0; t < x->n_tasks; t++)
				fputc((unsigned char)x->labels[t * x->n_samples + s], file);
		if ((rc = close_out(file, path, 0, err)) < 0)
			return rc;
	}
	if ((rc = write_lines(x, "task-names.txt", x->task_names, x->n_tasks, err)) < 0)
		return rc;
	return write_lines(x, "sample-names.txt", x->sample_names, x->n_samples, err);
}

/* put_csv_name - @name, quoted when it holds a comma, quote or blank edge. */
static void put_csv_name(FILE *file, const char *name)
{
	size_t n = strlen(name);

	if (!strpbrk(name, ",\"") && n && name[0] != ' ' && name[n - 1] != ' ') {
		fputs(name, file);
		return;
	}
	fputc('"', file);
	for (; *name; name++) {
		if (*name == '"')
			fputc('"', file);
		fputc(*name, file);
	}
	fputc('"', file);
}

static int export_csv(struct exporter *x, struct tm_error *err)
{
	char path[4096];
	FILE *file = open_out(x, "dynamics.csv", path, sizeof(path), err);
	int rc = 0;

	if (!file)
		return TM_ERR_IO;
	fputs(x->labels ? "sample,task,epoch,p,label\n" : "sample,task,epoch,p\n", file);
	for (size_t e = 0; e < x->n_epochs && rc == 0; e++) {
		if ((rc = read_epoch(x, e, err)) < 0)
			break;
		for (size_t s = 0; s < x->n_samples; s++)
			for (size_t t = 0; t < x->n_tasks; t++) {
				uint16_t q = x->epoch[t * x->n_samples + s];

				/* missing pairs too (empty p): the order of first
				 * appearance must be the run's order */
				put_csv_name(file, x->sample_names[s]);
				fputc(',', file);
				put_csv_name(file, x->task_names[t]);
				fprintf(file, ",%zu,", e);
				if (q != TM_DYNAMICS_MISSING)
					fprintf(file, "%.17g", tm_dynamics_decode(q));
				if (x->labels)
					fprintf(file, ",%d", x->labels[t * x->n_samples + s]);
				fputc('\n', file);
			}
	}
	return close_out(file, path, rc, err);
}

int tm_export_run(struct tm_store *store, int64_t run_id, enum tm_import_format format,
		  const char *dir, struct tm_error *err)
{
	struct exporter x = { .store = store, .run_id = run_id, .dir = dir };
	int rc;

	if (format == TM_IMPORT_CARTOGRAPHY)
		return tm_error_set(err, TM_ERR_USAGE, "export writes npy or csv");
	if ((rc = load(&x, err)) == 0)
		rc = format == TM_IMPORT_NPY ? export_npy(&x, err) : export_csv(&x, err);
	for (size_t t = 0; x.task_names && t < x.n_tasks; t++)
		free(x.task_names[t]);
	free(x.task_names);
	for (size_t i = 0; i < x.n_sample_names; i++)
		free(x.sample_names[i]);
	free(x.sample_names);
	free(x.labels);
	free(x.epoch);
	return rc;
}
