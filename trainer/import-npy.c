/*
 * import-npy.c - `taskmap import --format npy`: NumPy arrays written by
 * np.save from a training loop (docs/import.md):
 *
 *   --probabilities P.npy  (epochs, samples, tasks) float32/float64 gold-label
 *                          probabilities in [0, 1], NaN = missing label
 *   --logits Z.npy         (epochs, samples, tasks) float32/float64 sigmoid
 *                          logits, with --labels
 *   --labels Y.npy         (samples, tasks) 0/1 in bool, integer or float
 *                          dtype; NaN or -1 = missing (optional with
 *                          --probabilities: then recorded as the gold labels)
 *
 * Files are mapped (mmap) and read one epoch at a time; the pages of an
 * epoch are given back after it is written, so memory stays near one epoch
 * of 16-bit values however large the file. Fortran-ordered arrays are read
 * too (in their storage order).
 */
#include "import-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset-internal.h"

struct npy_array {
	const char *path;
	struct tm_npy_header header;
	const unsigned char *map; /* the whole file, or NULL */
	size_t map_size;
	const unsigned char *data;
};

struct npy_import {
	const struct tm_import_options *options;
	struct npy_array values, labels;
	int logits;                 /* values are logits */
	size_t n_epochs, n_samples, n_tasks;
	int8_t *gold;               /* task-major labels, or NULL */
	uint16_t *q;                /* one epoch, task-major */
	double *row;                /* one sample's values (C order) */
	struct name_table task_names, sample_names;
	struct tm_dynamics_writer *writer;
};

static int array_error(const struct npy_array *a, struct tm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int array_error(const struct npy_array *a, struct tm_error *err, const char *fmt, ...)
{
	char message[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return tm_error_set(err, TM_ERR_INPUT, "%s: %s", a->path, message);
}

/* map_array - map @a->path and check its header against the file size. */
static int map_array(struct npy_array *a, struct tm_error *err)
{
	struct stat info;
	size_t need;
	void *map;
	int fd = open(a->path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &info) < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot open '%s': %s", a->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(info.st_mode) || info.st_size == 0) {
		rc = array_error(a, err, "not a regular, non-empty file");
		goto out;
	}
	map = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot map '%s': %s", a->path, strerror(errno));
		goto out;
	}
	a->map = map;
	a->map_size = (size_t)info.st_size;
	if ((rc = tm_npy_parse_header(a->map, a->map_size, &a->header, err)) < 0) {
		tm_error_prefix(err, "%s", a->path);
		goto out;
	}
	need = a->header.data_offset + a->header.n_elements * a->header.item_size;
	if (need != a->map_size)
		rc = array_error(a, err, "the file holds %zu bytes, its header's shape needs %zu%s",
				 a->map_size, need, need > a->map_size ? " (truncated)" : "");
	a->data = a->map + a->header.data_offset;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void unmap_array(struct npy_array *a)
{
	if (a->map)
		munmap((void *)a->map, a->map_size);
	a->map = NULL;
}

/* storage_index - element (i, j, k) of a 3-D (or (i=0) 2-D) array in storage order. */
static size_t storage_index(const struct tm_npy_header *h, size_t i, size_t j, size_t k)
{
	const size_t *n = h->n_dims == 3 ? h->shape : (size_t[]){ 1, h->shape[0], h->shape[1] };

	if (h->fortran_order)
		return i + n[0] * (j + n[1] * k);
	return (i * n[1] + j) * n[2] + k;
}

static int check_shapes(struct npy_import *m, struct tm_error *err)
{
	const struct tm_npy_header *v = &m->values.header, *l = &m->labels.header;

	if (v->n_dims != 3)
		return array_error(&m->values, err, "%zu dimensions; expected (epochs, samples,"
				   " tasks) (for one task save arr[..., None])", v->n_dims);
	if (v->type != TM_NPY_F32 && v->type != TM_NPY_F64)
		return array_error(&m->values, err, "%s must be float32 or float64",
				   m->logits ? "logits" : "probabilities");
	m->n_epochs = v->shape[0];
	m->n_samples = v->shape[1];
	m->n_tasks = v->shape[2];
	if (!m->n_epochs || !m->n_samples || !m->n_tasks)
		return array_error(&m->values, err, "shape (%zu, %zu, %zu) is empty", m->n_epochs,
				   m->n_samples, m->n_tasks);
	if (m->labels.path && (l->n_dims != 2 || l->shape[0] != m->n_samples ||
			       l->shape[1] != m->n_tasks))
		return array_error(&m->labels, err, "labels must have shape (samples, tasks) ="
				   " (%zu, %zu), to match %s", m->n_samples, m->n_tasks,
				   m->values.path);
	return 0;
}

static int read_names(struct npy_import *m, struct tm_error *err)
{
	const struct tm_import_options *o = m->options;
	int rc;

	if ((rc = names_init(&m->task_names, err)) < 0 ||
	    (rc = names_init(&m->sample_names, err)) < 0)
		return rc;
	if (o->task_names_path)
		rc = names_read_file(&m->task_names, o->task_names_path, m->n_tasks, "task", err);
	else
		rc = names_default(&m->task_names, "task_", m->n_tasks, err);
	if (rc == 0 && o->sample_names_path)
		rc = names_read_file(&m->sample_names, o->sample_names_path, m->n_samples,
				     "sample", err);
	return rc;
}

/* read_labels - the labels array, task-major: 0, 1, or missing for NaN and -1. */
static int read_labels(struct npy_import *m, struct tm_error *err)
{
	const struct tm_npy_header *h = &m->labels.header;

	if (!(m->gold = malloc(m->n_tasks * m->n_samples)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t s = 0; s < m->n_samples; s++)
		for (size_t t = 0; t < m->n_tasks; t++) {
			double y = tm_npy_value(h, m->labels.data, storage_index(h, 0, s, t));

			if (y == y && y != 0 && y != 1 && y != -1)
				return array_error(&m->labels, err, "sample %zu, task '%s': label %g"
						   " is not 0, 1 or missing (NaN or -1)", s,
						   m->task_names.names[t], y);
			m->gold[t * m->n_samples + s] = y == y && y >= 0 ? (int8_t)y
				: TM_STORE_LABEL_MISSING;
		}
	return 0;
}

/* encode - value @v of epoch @e, sample @s, task @t into the epoch buffer, checked. */
static int encode(struct npy_import *m, double v, size_t e, size_t s, size_t t,
		  struct tm_error *err)
{
	int label = m->gold ? m->gold[t * m->n_samples + s] : 0;
	uint16_t *q = &m->q[t * m->n_samples + s];

	if (m->gold && label == TM_STORE_LABEL_MISSING) {
		*q = TM_DYNAMICS_MISSING;
		return 0;
	}
	if (!m->logits && v == v && !(v >= 0 && v <= 1))
		return array_error(&m->values, err, "epoch %zu, sample %zu, task '%s': %g is not a"
				   " probability in [0, 1]", e, s, m->task_names.names[t], v);
	if (m->gold && v != v)
		return array_error(&m->values, err, "epoch %zu, sample %zu, task '%s': NaN, but the"
				   " label is %d", e, s, m->task_names.names[t], label);
	*q = tm_dynamics_encode(m->logits ? gold_probability(v, label) : v);
	return 0;
}

/* give_back - drop the mapped pages of epoch @e (C order) so memory stays bounded. */
static void give_back(struct npy_import *m, size_t e)
{
	const struct tm_npy_header *h = &m->values.header;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), epoch_bytes, start, end;

	if (h->fortran_order)
		return;
	epoch_bytes = m->n_samples * m->n_tasks * h->item_size;
	start = (size_t)(m->values.data - m->values.map) + e * epoch_bytes;
	end = start + epoch_bytes;
	start = start / page * page;
	end = (end + page - 1) / page * page;
	if (end > start)
		madvise((void *)(m->values.map + start), end - start, MADV_DONTNEED);
}

static int import_epoch(struct npy_import *m, size_t e, struct tm_error *err)
{
	int rc;

	const struct tm_npy_header *h = &m->values.header;

	if (h->fortran_order) {
		for (size_t t = 0; t < m->n_tasks; t++)
			for (size_t s = 0; s < m->n_samples; s++)
				if ((rc = encode(m, tm_npy_value(h, m->values.data,
								 storage_index(h, e, s, t)),
						 e, s, t, err)) < 0)
					return rc;
	} else {
		for (size_t s = 0; s < m->n_samples; s++) {
			tm_npy_values(h, m->values.data, storage_index(h, e, s, 0), m->n_tasks, m->row);
			for (size_t t = 0; t < m->n_tasks; t++)
				if ((rc = encode(m, m->row[t], e, s, t, err)) < 0)
					return rc;
		}
	}
	if ((rc = tm_dynamics_writer_epoch(m->writer, m->q, err)) < 0)
		return tm_error_prefix(err, "%s", m->values.path);
	give_back(m, e);
	if (tm_progress_report(m->options->progress, "import", (double)e + 1,
			       (double)m->n_epochs, NULL))
		return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	return 0;
}

static int create_writer(struct npy_import *m, struct tm_store *store, const char *config,
			 struct tm_error *err)
{
	struct tm_dynamics_writer_spec spec;
	char *stem = ds_file_stem(m->values.path);
	int rc;

	import_spec_defaults(&spec, m->options, m->values.path, config);
	spec.dataset_name = stem;
	spec.n_tasks = m->n_tasks;
	spec.task_names = (const char *const *)m->task_names.names;
	spec.n_samples = m->n_samples;
	spec.sample_names = m->sample_names.n ? (const char *const *)m->sample_names.names : NULL;
	spec.n_epochs = (int64_t)m->n_epochs;
	rc = tm_dynamics_writer_create(&m->writer, store, &spec, err);
	free(stem);
	return rc;
}

int tm_import_npy(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err)
{
	struct npy_import m = { .options = options, .logits = options->logits_path != NULL };
	char *config = import_config_json(options, "npy");
	int rc;

	*run_id = 0;
	m.values.path = m.logits ? options->logits_path : options->probabilities_path;
	m.labels.path = options->labels_path;
	if (!config) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = map_array(&m.values, err)) < 0 ||
	    (m.labels.path && (rc = map_array(&m.labels, err)) < 0) ||
	    (rc = check_shapes(&m, err)) < 0 || (rc = read_names(&m, err)) < 0 ||
	    (m.labels.path && (rc = read_labels(&m, err)) < 0))
		goto out;
	unmap_array(&m.labels);
	if (!(m.q = malloc(m.n_tasks * m.n_samples * sizeof(*m.q))) ||
	    !(m.row = malloc(m.n_tasks * sizeof(*m.row)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = create_writer(&m, store, config, err)) < 0 ||
	    (m.gold && (rc = tm_dynamics_writer_labels(m.writer, m.gold, err)) < 0))
		goto out;
	for (size_t e = 0; e < m.n_epochs && rc == 0; e++)
		rc = import_epoch(&m, e, err);
	if (rc < 0 || (rc = tm_dynamics_writer_finish(m.writer, err)) < 0)
		goto out;
	*run_id = tm_dynamics_writer_run_id(m.writer);
out:
	tm_dynamics_writer_destroy(m.writer, NULL, NULL);
	unmap_array(&m.values);
	unmap_array(&m.labels);
	names_release(&m.task_names);
	names_release(&m.sample_names);
	free(m.gold);
	free(m.q);
	free(m.row);
	free(config);
	return rc;
}
