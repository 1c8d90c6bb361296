/*
 * dataset.c - the in-memory dataset itself: choosing a reader, the builder
 * the readers fill (geometric growth checked against the memory limit),
 * freeing, appending a second file, imputing missing features and
 * measuring memory. The readers live in read-*.c, one format each.
 */
#include "dataset-internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ds_reserve_one(void **array, size_t count, size_t size)
{
	size_t bytes;
	void *grown;

	if (count & (count - 1)) /* not a power of two: there is room */
		return 0;
	if (tm_size_mul(count ? 2 * count : 1, size, &bytes) < 0 || count > SIZE_MAX / 2 ||
	    !(grown = realloc(*array, bytes)))
		return TM_ERR_NOMEM;
	*array = grown;
	return 0;
}

char *ds_strdup(const char *text)
{
	return text ? strdup(text) : NULL;
}

struct tm_dataset *ds_dataset_new(const char *name, const char *path, const char *format)
{
	struct tm_dataset *dataset = calloc(1, sizeof(*dataset));

	if (!dataset)
		return NULL;
	dataset->name = ds_strdup(name);
	dataset->source_path = ds_strdup(path);
	dataset->format = ds_strdup(format);
	if ((name && !dataset->name) || (path && !dataset->source_path) ||
	    (format && !dataset->format)) {
		tm_dataset_destroy(dataset);
		return NULL;
	}
	return dataset;
}

int ds_add_note(struct tm_dataset *dataset, const char *fmt, ...)
{
	char text[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (ds_reserve_one((void **)&dataset->notes, dataset->n_notes, sizeof(char *)) < 0)
		return TM_ERR_NOMEM;
	if (!(dataset->notes[dataset->n_notes] = strdup(text)))
		return TM_ERR_NOMEM;
	dataset->n_notes++;
	return 0;
}

int ds_is_dropped(const struct tm_read_options *options, const char *name)
{
	if (!options || !options->drop)
		return 0;
	for (size_t i = 0; i < options->n_drop; i++)
		if (options->drop[i] && strcmp(options->drop[i], name) == 0)
			return 1;
	return 0;
}

static int ends_with(const char *text, size_t length, const char *suffix)
{
	size_t n = strlen(suffix);

	return length >= n && strncasecmp(text + length - n, suffix, n) == 0;
}

/* Length of @name without a trailing .gz/.xz/.bz2. */
static size_t strip_compression(const char *name)
{
	size_t length = strlen(name);

	if (ends_with(name, length, ".gz") || ends_with(name, length, ".xz"))
		return length - 3;
	if (ends_with(name, length, ".bz2"))
		return length - 4;
	return length;
}

char *ds_file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t length;
	char *stem;

	base = base ? base + 1 : path;
	length = strip_compression(base);
	stem = strndup(base, length);
	if (stem) {
		char *dot = strrchr(stem, '.');

		if (dot && dot != stem)
			*dot = '\0';
	}
	return stem;
}

int ds_truthy(const char *value)
{
	static const char *const words[] = { "1", "yes", "true", "y", "t", "positive", "pos",
					     "+1", "+" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(value, words[i]) == 0)
			return 1;
	return 0;
}

/* ---- builder ------------------------------------------------------------- */

int ds_builder_check_size(const struct ds_builder *builder, size_t bytes,
			  struct tm_error *err)
{
	if (bytes > builder->memory_limit)
		return tm_error_set(err, TM_ERR_INPUT,
				    "%s: dataset too large: it needs more than %zu MiB (limit %zu MiB)",
				    builder->path, bytes >> 20, builder->memory_limit >> 20);
	return 0;
}

/* The first row arrays hold 256 rows or this many bytes, whichever is less. */
#define FIRST_ROWS_BYTES ((size_t)16 << 20)

/* What a column or task name costs, roughly: pointer, text and malloc overhead. */
#define NAME_BYTES 32

/* Bytes of one row: dense features, labels, and the CSR offset. */
static int row_bytes(const struct ds_builder *builder, size_t *out)
{
	const struct tm_dataset *d = builder->dataset;
	size_t dense = 0, bytes;

	if (!d->x.is_sparse && tm_size_mul(d->n_features, sizeof(float), &dense) < 0)
		return -1;
	if (tm_size_add(dense, d->n_tasks, &bytes) < 0 ||
	    tm_size_add(bytes, sizeof(size_t), &bytes) < 0)
		return -1;
	*out = bytes;
	return 0;
}

int ds_estimate_check(const char *path, size_t n_features, size_t n_tasks, int is_sparse,
		      size_t memory_limit, struct tm_error *err)
{
	struct tm_dataset probe = { .n_features = n_features, .n_tasks = n_tasks };
	struct ds_builder builder = { .dataset = &probe, .path = path };
	size_t per_row, names;

	builder.memory_limit = memory_limit ? memory_limit : DS_DEFAULT_MEMORY_LIMIT;
	probe.x.is_sparse = is_sparse;
	if (row_bytes(&builder, &per_row) < 0 ||
	    tm_size_add(n_features, n_tasks, &names) < 0 ||
	    tm_size_mul(names, NAME_BYTES, &names) < 0 ||
	    tm_size_add(names, per_row, &per_row) < 0)
		return tm_error_set(err, TM_ERR_INPUT,
				    "%s: dataset too large: %zu features x %zu tasks overflows memory",
				    path, n_features, n_tasks);
	return ds_builder_check_size(&builder, per_row, err);
}

int ds_builder_init(struct ds_builder *builder, const char *path, const char *format,
		    size_t n_features, size_t n_tasks, int is_sparse,
		    size_t memory_limit, struct tm_error *err)
{
	int rc;

	memset(builder, 0, sizeof(*builder));
	builder->memory_limit = memory_limit ? memory_limit : DS_DEFAULT_MEMORY_LIMIT;
	builder->path = path;
	builder->dataset = ds_dataset_new(NULL, path, format);
	if (!builder->dataset)
		return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
	builder->dataset->n_features = builder->dataset->x.n_cols = n_features;
	builder->dataset->n_tasks = n_tasks;
	builder->dataset->x.is_sparse = is_sparse;
	if (n_features > UINT32_MAX)
		return tm_error_set(err, TM_ERR_INPUT, "%s: %zu features: more than 2^32",
				    path, n_features);
	/* the estimate from the header: one row and the name arrays must fit */
	if ((rc = ds_estimate_check(path, n_features, n_tasks, is_sparse, memory_limit, err)) < 0)
		return rc;
	builder->dataset->task_names = calloc(n_tasks ? n_tasks : 1, sizeof(char *));
	builder->dataset->feature_names = calloc(n_features ? n_features : 1, sizeof(char *));
	builder->dataset->x.row_start = calloc(1, sizeof(size_t));
	if (!builder->dataset->task_names || !builder->dataset->feature_names ||
	    !builder->dataset->x.row_start)
		return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
	return 0;
}

static int grow(void **array, size_t count, size_t size, struct ds_builder *builder,
		struct tm_error *err)
{
	size_t bytes;
	void *grown;

	if (tm_size_mul(count, size, &bytes) < 0)
		return tm_error_set(err, TM_ERR_INPUT, "%s: dataset too large: size overflows",
				    builder->path);
	if (ds_builder_check_size(builder, bytes, err) < 0)
		return TM_ERR_INPUT;
	grown = realloc(*array, bytes ? bytes : 1);
	if (!grown)
		return tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory (%zu MiB)",
				    builder->path, bytes >> 20);
	*array = grown;
	return 0;
}

int ds_builder_add_row(struct ds_builder *builder, float **features, int8_t **labels,
		       struct tm_error *err)
{
	struct tm_dataset *d = builder->dataset;
	size_t row = d->n_samples;
	int rc;

	if (row == builder->row_capacity) {
		size_t capacity = builder->row_capacity * 2, per_row, total;

		if (row_bytes(builder, &per_row) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "%s: dataset too large", builder->path);
		/* start with 256 rows, fewer when rows are wide: a file of one row
		 * and a million columns must not ask for 256 of them */
		if (capacity == 0)
			capacity = per_row > FIRST_ROWS_BYTES / 256 ? 1 + FIRST_ROWS_BYTES / per_row
								     : 256;
		if (tm_size_mul(per_row, capacity, &total) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "%s: dataset too large", builder->path);
		if ((rc = ds_builder_check_size(builder, total, err)) < 0)
			return rc;
		if ((rc = grow((void **)&d->labels, capacity, d->n_tasks, builder, err)) < 0 ||
		    (rc = grow((void **)&d->x.row_start, capacity + 1, sizeof(size_t), builder,
			       err)) < 0)
			return rc;
		if (!d->x.is_sparse &&
		    (rc = grow((void **)&d->x.dense, capacity, d->n_features * sizeof(float),
			       builder, err)) < 0)
			return rc;
		builder->row_capacity = capacity;
	}
	memset(d->labels + row * d->n_tasks, 0, d->n_tasks);
	*labels = d->labels + row * d->n_tasks;
	if (d->x.is_sparse) {
		*features = NULL;
		d->x.row_start[row + 1] = d->x.nnz;
	} else {
		*features = d->x.dense + row * d->n_features;
		memset(*features, 0, d->n_features * sizeof(float));
	}
	d->n_samples++;
	d->x.n_rows++;
	return 0;
}

int ds_builder_reserve_nnz(struct ds_builder *builder, size_t more, struct tm_error *err)
{
	struct tm_features *x = &builder->dataset->x;
	size_t need, capacity;
	int rc;

	if (tm_size_add(x->nnz, more, &need) < 0)
		return tm_error_set(err, TM_ERR_INPUT, "%s: dataset too large", builder->path);
	if (need <= builder->nnz_capacity)
		return 0;
	capacity = builder->nnz_capacity ? builder->nnz_capacity : 4096;
	while (capacity < need)
		if (tm_size_mul(capacity, 2, &capacity) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "%s: dataset too large",
					    builder->path);
	if ((rc = grow((void **)&x->col_index, capacity, sizeof(uint32_t), builder, err)) < 0 ||
	    (rc = grow((void **)&x->values, capacity, sizeof(float), builder, err)) < 0)
		return rc;
	builder->nnz_capacity = capacity;
	return 0;
}

void ds_builder_end_row(struct ds_builder *builder, int unsorted, size_t *repeated)
{
	struct tm_features *x = &builder->dataset->x;
	size_t row = builder->dataset->n_samples - 1;
	size_t first = x->row_start[row];

	*repeated = SIZE_MAX;
	if (!x->is_sparse)
		return;
	if (unsorted) {
		/* rows are short and almost always sorted: insertion sort suffices */
		for (size_t i = first + 1; i < x->nnz; i++) {
			uint32_t column = x->col_index[i];
			float value = x->values[i];
			size_t j = i;

			while (j > first && x->col_index[j - 1] > column) {
				x->col_index[j] = x->col_index[j - 1];
				x->values[j] = x->values[j - 1];
				j--;
			}
			x->col_index[j] = column;
			x->values[j] = value;
		}
		for (size_t i = first + 1; i < x->nnz; i++)
			if (x->col_index[i] == x->col_index[i - 1]) {
				*repeated = x->col_index[i];
				break;
			}
	}
	x->row_start[row + 1] = x->nnz;
}

int ds_builder_finish(struct ds_builder *builder, struct tm_dataset **out,
		      struct tm_error *err)
{
	struct tm_dataset *d = builder->dataset;

	(void)err;
	/* shrinking cannot fail in a way that matters: keep the old block if it does */
	if (d->x.is_sparse && d->x.nnz) {
		void *p = realloc(d->x.col_index, d->x.nnz * sizeof(uint32_t));

		if (p)
			d->x.col_index = p;
		p = realloc(d->x.values, d->x.nnz * sizeof(float));
		if (p)
			d->x.values = p;
	}
	if (!d->x.is_sparse) {
		free(d->x.row_start);
		d->x.row_start = NULL;
	}
	*out = d;
	builder->dataset = NULL;
	return 0;
}

void ds_builder_release(struct ds_builder *builder)
{
	tm_dataset_destroy(builder->dataset);
	builder->dataset = NULL;
}

/* ---- public ---------------------------------------------------------------- */

int tm_dataset_read(struct tm_dataset **out, const char *path,
		    const struct tm_read_options *options, struct tm_error *err)
{
	const char *format = options && options->format ? options->format : "auto";
	const char *base;
	size_t length;

	*out = NULL;
	if (strcmp(format, "auto") == 0) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		length = strip_compression(base);
		if (ends_with(base, length, ".arff"))
			format = "arff";
		else if (ends_with(base, length, ".svm") || ends_with(base, length, ".libsvm") ||
			 ends_with(base, length, ".txt"))
			format = "libsvm";
		else if (ends_with(base, length, ".csv"))
			format = "csv";
		else if (ends_with(base, length, ".tsv"))
			format = "tsv";
		else
			return tm_error_set(err, TM_ERR_USAGE,
					    "cannot tell the format of '%s' from its name: "
					    "give the format (arff, libsvm, csv, tsv)", path);
	}
	if (strcasecmp(format, "arff") == 0)
		return ds_read_arff(out, path, options, err);
	if (strcasecmp(format, "libsvm") == 0)
		return ds_read_libsvm(out, path, options, err);
	if (strcasecmp(format, "csv") == 0)
		return ds_read_csv(out, path, ',', options, err);
	if (strcasecmp(format, "tsv") == 0)
		return ds_read_csv(out, path, '\t', options, err);
	return tm_error_set(err, TM_ERR_USAGE,
			    "unknown format '%s': expected auto, arff, libsvm, csv or tsv", format);
}

static void free_names(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void tm_dataset_destroy(struct tm_dataset *dataset)
{
	if (!dataset)
		return;
	free(dataset->name);
	free(dataset->source_path);
	free(dataset->format);
	free(dataset->x.dense);
	free(dataset->x.row_start);
	free(dataset->x.col_index);
	free(dataset->x.values);
	free(dataset->labels);
	free_names(dataset->task_names, dataset->n_tasks);
	free_names(dataset->feature_names, dataset->n_features);
	free_names(dataset->notes, dataset->n_notes);
	free(dataset);
}

static int same_names(char *const *a, char *const *b, size_t n, size_t *first_difference)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a[i] ? a[i] : "", b[i] ? b[i] : "") != 0) {
			*first_difference = i;
			return 0;
		}
	}
	return 1;
}

int tm_dataset_append(struct tm_dataset *dataset, const struct tm_dataset *more,
		      struct tm_error *err)
{
	struct tm_features *x = &dataset->x;
	const struct tm_features *y = &more->x;
	size_t n_rows, bytes, first, nnz = 0;
	int8_t *labels = NULL;
	int rc = 0;

	if (more->n_tasks != dataset->n_tasks)
		return tm_error_set(err, TM_ERR_INPUT, "cannot append '%s': %zu tasks, expected %zu",
				    more->source_path ? more->source_path : "dataset", more->n_tasks,
				    dataset->n_tasks);
	if (more->n_features != dataset->n_features)
		return tm_error_set(err, TM_ERR_INPUT,
				    "cannot append '%s': %zu features, expected %zu",
				    more->source_path ? more->source_path : "dataset",
				    more->n_features, dataset->n_features);
	if (!same_names(dataset->task_names, more->task_names, dataset->n_tasks, &first))
		return tm_error_set(err, TM_ERR_INPUT,
				    "cannot append '%s': task %zu is '" DS_QUOTE "', expected '"
				    DS_QUOTE "'", more->source_path ? more->source_path : "dataset",
				    first + 1, more->task_names[first], dataset->task_names[first]);
	if (!same_names(dataset->feature_names, more->feature_names, dataset->n_features, &first))
		return tm_error_set(err, TM_ERR_INPUT,
				    "cannot append '%s': feature %zu is '" DS_QUOTE "', expected '"
				    DS_QUOTE "'", more->source_path ? more->source_path : "dataset",
				    first + 1, more->feature_names[first],
				    dataset->feature_names[first]);
	if (tm_size_add(dataset->n_samples, more->n_samples, &n_rows) < 0 ||
	    tm_size_mul(n_rows, dataset->n_tasks, &bytes) < 0)
		return tm_error_set(err, TM_ERR_INPUT, "cannot append: dataset too large");
	labels = realloc(dataset->labels, bytes ? bytes : 1);
	if (!labels)
		return tm_error_set(err, TM_ERR_NOMEM, "cannot append: out of memory");
	dataset->labels = labels;
	if (x->is_sparse) {
		size_t *row_start;
		uint32_t *col_index;
		float *values;

		/* count what `more` stores (a dense `more` stores its non-zeros) */
		if (y->is_sparse) {
			nnz = y->nnz;
		} else {
			for (size_t i = 0; i < more->n_samples * more->n_features; i++)
				nnz += y->dense[i] != 0.0f;
		}
		if (tm_size_add(x->nnz, nnz, &nnz) < 0 || nnz > SIZE_MAX / sizeof(float))
			return tm_error_set(err, TM_ERR_INPUT, "cannot append: dataset too large");
		row_start = realloc(x->row_start, (n_rows + 1) * sizeof(size_t));
		if (row_start)
			x->row_start = row_start;
		col_index = realloc(x->col_index, (nnz ? nnz : 1) * sizeof(uint32_t));
		if (col_index)
			x->col_index = col_index;
		values = realloc(x->values, (nnz ? nnz : 1) * sizeof(float));
		if (values)
			x->values = values;
		if (!row_start || !col_index || !values)
			return tm_error_set(err, TM_ERR_NOMEM, "cannot append: out of memory");
		for (size_t r = 0; r < more->n_samples; r++) {
			if (y->is_sparse) {
				for (size_t k = y->row_start[r]; k < y->row_start[r + 1]; k++) {
					x->col_index[x->nnz] = y->col_index[k];
					x->values[x->nnz++] = y->values[k];
				}
			} else {
				for (size_t c = 0; c < more->n_features; c++) {
					float v = y->dense[r * more->n_features + c];

					if (v != 0.0f) {
						x->col_index[x->nnz] = (uint32_t)c;
						x->values[x->nnz++] = v;
					}
				}
			}
			x->row_start[dataset->n_samples + r + 1] = x->nnz;
		}
	} else {
		float *dense;

		if (tm_size_mul(n_rows, dataset->n_features, &bytes) < 0 ||
		    tm_size_mul(bytes, sizeof(float), &bytes) < 0)
			return tm_error_set(err, TM_ERR_INPUT, "cannot append: dataset too large");
		dense = realloc(x->dense, bytes ? bytes : 1);
		if (!dense)
			return tm_error_set(err, TM_ERR_NOMEM, "cannot append: out of memory");
		x->dense = dense;
		for (size_t r = 0; r < more->n_samples; r++) {
			float *row = dense + (dataset->n_samples + r) * dataset->n_features;

			if (y->is_sparse) {
				memset(row, 0, dataset->n_features * sizeof(float));
				for (size_t k = y->row_start[r]; k < y->row_start[r + 1]; k++)
					row[y->col_index[k]] = y->values[k];
			} else {
				memcpy(row, y->dense + r * more->n_features,
				       more->n_features * sizeof(float));
			}
		}
	}
	memcpy(dataset->labels + dataset->n_samples * dataset->n_tasks, more->labels,
	       more->n_samples * more->n_tasks);
	dataset->n_samples = x->n_rows = n_rows;
	dataset->n_missing_features += more->n_missing_features;
	dataset->n_missing_labels += more->n_missing_labels;
	return rc;
}

/* ---- packing rows for another process ------------------------------------------ */

/* shrink - @block cut down to @bytes, or @block itself when realloc cannot (it stays valid). */
static void *shrink(void *block, size_t bytes)
{
	void *smaller = realloc(block, bytes ? bytes : 1);

	return smaller ? smaller : block;
}

#define PACK_MAGIC 0x4b434150u /* "PACK" */

/* The head of a packed dataset: counts as uint64, in this order. */
enum { HEAD_MAGIC, HEAD_ROWS, HEAD_FEATURES, HEAD_TASKS, HEAD_SPARSE, HEAD_NNZ, HEAD_WORDS };

/* pack_sizes - the bytes of each part of a pack of @n_rows rows with @nnz stored values. */
static int pack_sizes(size_t n_rows, size_t n_features, size_t n_tasks, int is_sparse,
		      size_t nnz, size_t *features, size_t *labels)
{
	size_t offsets, indices;

	if (tm_size_mul(n_rows, n_tasks, labels) < 0)
		return -1;
	if (!is_sparse)
		return tm_size_mul(n_rows, n_features, features) < 0 ||
		       tm_size_mul(*features, sizeof(float), features) < 0 ? -1 : 0;
	if (tm_size_add(n_rows, 1, &offsets) < 0 ||
	    tm_size_mul(offsets, sizeof(uint64_t), &offsets) < 0 ||
	    tm_size_mul(nnz, sizeof(uint32_t) + sizeof(float), &indices) < 0)
		return -1;
	return tm_size_add(offsets, indices, features);
}

int tm_dataset_pack_rows(const struct tm_dataset *dataset, const size_t *rows, size_t n_rows,
			 void **bytes, size_t *n_bytes, struct tm_error *err)
{
	const struct tm_features *x = &dataset->x;
	size_t T = dataset->n_tasks, d = dataset->n_features, nnz = 0, names = 0;
	size_t features, labels, total;
	uint64_t head[HEAD_WORDS];
	char *out, *p;

	*bytes = NULL;
	*n_bytes = 0;
	for (size_t i = 0; i < n_rows; i++) {
		if (rows[i] >= dataset->n_samples)
			return tm_error_set(err, TM_ERR_USAGE, "cannot pack row %zu of %zu rows",
					    rows[i], dataset->n_samples);
		if (x->is_sparse)
			nnz += x->row_start[rows[i] + 1] - x->row_start[rows[i]];
	}
	for (size_t t = 0; t < T; t++)
		names += strlen(dataset->task_names[t] ? dataset->task_names[t] : "") + 1;
	if (pack_sizes(n_rows, d, T, x->is_sparse, nnz, &features, &labels) < 0 ||
	    tm_size_add(sizeof(head), features, &total) < 0 ||
	    tm_size_add(total, labels, &total) < 0 || tm_size_add(total, names, &total) < 0)
		return tm_error_set(err, TM_ERR_USAGE, "cannot pack %zu rows: too large", n_rows);
	if (!(out = malloc(total ? total : 1)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory packing %zu rows", n_rows);
	head[HEAD_MAGIC] = PACK_MAGIC;
	head[HEAD_ROWS] = n_rows;
	head[HEAD_FEATURES] = d;
	head[HEAD_TASKS] = T;
	head[HEAD_SPARSE] = (uint64_t)x->is_sparse;
	head[HEAD_NNZ] = nnz;
	memcpy(out, head, sizeof(head));
	p = out + sizeof(head);
	if (x->is_sparse) {
		uint64_t offset = 0;
		char *cols = p + (n_rows + 1) * sizeof(uint64_t), *values = cols + nnz * sizeof(uint32_t);

		for (size_t i = 0; i < n_rows; i++) {
			size_t start = x->row_start[rows[i]], count = x->row_start[rows[i] + 1] - start;

			memcpy(p + i * sizeof(uint64_t), &offset, sizeof(offset));
			if (count) {
				memcpy(cols + offset * sizeof(uint32_t), x->col_index + start,
				       count * sizeof(uint32_t));
				memcpy(values + offset * sizeof(float), x->values + start,
				       count * sizeof(float));
			}
			offset += count;
		}
		memcpy(p + n_rows * sizeof(uint64_t), &offset, sizeof(offset));
	} else if (d) {
		for (size_t i = 0; i < n_rows; i++)
			memcpy(p + i * d * sizeof(float), x->dense + rows[i] * d, d * sizeof(float));
	}
	p += features;
	for (size_t i = 0; i < n_rows; i++)
		memcpy(p + i * T, dataset->labels + rows[i] * T, T);
	p += labels;
	for (size_t t = 0; t < T; t++) {
		const char *name = dataset->task_names[t] ? dataset->task_names[t] : "";
		size_t length = strlen(name) + 1;

		memcpy(p, name, length);
		p += length;
	}
	*bytes = out;
	*n_bytes = total;
	return 0;
}

int tm_dataset_unpack(struct tm_dataset **out, void *bytes, size_t n_bytes,
		      struct tm_error *err)
{
	char *in = bytes;
	const char *p, *end = in + n_bytes;
	struct tm_dataset *d = NULL;
	uint64_t head[HEAD_WORDS];
	size_t n_rows, features, labels;
	int failed = 0;

	*out = NULL;
	if (n_bytes < sizeof(head))
		goto malformed;
	memcpy(head, in, sizeof(head));
	/* the ranks of one job share the architecture: counts fit in size_t */
	if (head[HEAD_MAGIC] != PACK_MAGIC || head[HEAD_SPARSE] > 1 ||
	    head[HEAD_FEATURES] > UINT32_MAX ||
	    pack_sizes((size_t)head[HEAD_ROWS], (size_t)head[HEAD_FEATURES], (size_t)head[HEAD_TASKS],
		       (int)head[HEAD_SPARSE], (size_t)head[HEAD_NNZ], &features, &labels) < 0 ||
	    features > n_bytes - sizeof(head) || labels > n_bytes - sizeof(head) - features)
		goto malformed;
	n_rows = (size_t)head[HEAD_ROWS];
	if (!(d = ds_dataset_new(NULL, NULL, NULL)))
		goto nomem;
	d->n_samples = d->x.n_rows = n_rows;
	d->n_features = d->x.n_cols = (size_t)head[HEAD_FEATURES];
	d->n_tasks = (size_t)head[HEAD_TASKS];
	d->x.is_sparse = (int)head[HEAD_SPARSE];
	p = in + sizeof(head);
	if (d->x.is_sparse) {
		size_t nnz = (size_t)head[HEAD_NNZ];
		const char *cols = p + (n_rows + 1) * sizeof(uint64_t);

		d->x.nnz = nnz;
		d->x.row_start = malloc((n_rows + 1) * sizeof(size_t));
		d->x.col_index = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
		d->x.values = malloc((nnz ? nnz : 1) * sizeof(float));
		if (!d->x.row_start || !d->x.col_index || !d->x.values)
			goto nomem;
		for (size_t i = 0; i <= n_rows; i++) {
			uint64_t offset;

			memcpy(&offset, p + i * sizeof(uint64_t), sizeof(offset));
			if (offset > nnz || (i > 0 && offset < d->x.row_start[i - 1]) ||
			    (i == 0 && offset != 0) || (i == n_rows && offset != nnz))
				goto malformed;
			d->x.row_start[i] = (size_t)offset;
		}
		memcpy(d->x.col_index, cols, nnz * sizeof(uint32_t));
		memcpy(d->x.values, cols + nnz * sizeof(uint32_t), nnz * sizeof(float));
		for (size_t k = 0; k < nnz; k++)
			if (d->x.col_index[k] >= d->n_features)
				goto malformed;
	}
	p += features;
	if (!(d->labels = malloc(labels ? labels : 1)))
		goto nomem;
	memcpy(d->labels, p, labels);
	p += labels;
	d->task_names = calloc(d->n_tasks ? d->n_tasks : 1, sizeof(char *));
	d->feature_names = calloc(d->n_features ? d->n_features : 1, sizeof(char *));
	if (!d->task_names || !d->feature_names)
		goto nomem;
	for (size_t t = 0; t < d->n_tasks; t++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			goto malformed;
		if (!(d->task_names[t] = strdup(p)))
			failed = 1;
		p = nul + 1;
	}
	if (failed)
		goto nomem;
	if (p != end)
		goto malformed;
	if (d->x.is_sparse) {
		free(bytes);
	} else {
		/* dense features become the block itself: no second copy of the rows */
		memmove(in, in + sizeof(head), features);
		d->x.dense = shrink(in, features);
	}
	*out = d;
	return 0;
malformed:
	free(bytes);
	tm_dataset_destroy(d);
	return tm_error_set(err, TM_ERR_INPUT, "cannot unpack rows: malformed data (%zu bytes)",
			    n_bytes);
nomem:
	free(bytes);
	tm_dataset_destroy(d);
	return tm_error_set(err, TM_ERR_NOMEM, "out of memory unpacking rows");
}

int tm_dataset_keep_rows(struct tm_dataset *dataset, const size_t *rows, size_t n_rows,
			 struct tm_error *err)
{
	struct tm_features *x = &dataset->x;
	size_t T = dataset->n_tasks, d = dataset->n_features, nnz = 0;

	for (size_t i = 0; i < n_rows; i++)
		if (rows[i] >= dataset->n_samples || (i > 0 && rows[i] <= rows[i - 1]))
			return tm_error_set(err, TM_ERR_USAGE, "cannot keep row %zu of %zu rows: the rows"
					    " must be increasing and present", rows[i], dataset->n_samples);
	/* rows[i] >= i: every move is to an earlier or the same place */
	for (size_t i = 0; i < n_rows; i++) {
		size_t r = rows[i];

		memmove(dataset->labels + i * T, dataset->labels + r * T, T);
		if (x->is_sparse) {
			size_t start = x->row_start[r], count = x->row_start[r + 1] - start;

			/* entries below i are rewritten already; rows[i] >= i reads old ones */
			if (count) {
				memmove(x->col_index + nnz, x->col_index + start, count * sizeof(uint32_t));
				memmove(x->values + nnz, x->values + start, count * sizeof(float));
			}
			x->row_start[i] = nnz;
			nnz += count;
		} else if (d) {
			memmove(x->dense + i * d, x->dense + r * d, d * sizeof(float));
		}
	}
	dataset->labels = shrink(dataset->labels, n_rows * T);
	if (x->is_sparse) {
		x->row_start[n_rows] = nnz;
		x->nnz = nnz;
		x->row_start = shrink(x->row_start, (n_rows + 1) * sizeof(size_t));
		x->col_index = shrink(x->col_index, nnz * sizeof(uint32_t));
		x->values = shrink(x->values, nnz * sizeof(float));
	} else {
		x->dense = shrink(x->dense, n_rows * d * sizeof(float));
	}
	dataset->n_samples = x->n_rows = n_rows;
	return 0;
}

size_t tm_dataset_impute(struct tm_dataset *dataset, const size_t *rows, size_t n_rows)
{
	struct tm_features *x = &dataset->x;
	size_t d = dataset->n_features, replaced = 0;
	double *sum = calloc(d ? d : 1, sizeof(double));
	size_t *missing = calloc(d ? d : 1, sizeof(size_t));

	if (!sum || !missing)
		goto out;
	/* observed values over the given rows; a sparse row's absent entries are zeros */
	for (size_t i = 0; i < n_rows; i++) {
		size_t r = rows[i];

		if (x->is_sparse) {
			for (size_t k = x->row_start[r]; k < x->row_start[r + 1]; k++) {
				if (isnan(x->values[k]))
					missing[x->col_index[k]]++;
				else
					sum[x->col_index[k]] += x->values[k];
			}
		} else {
			const float *row = x->dense + r * d;

			for (size_t c = 0; c < d; c++) {
				if (isnan(row[c]))
					missing[c]++;
				else
					sum[c] += row[c];
			}
		}
	}
	for (size_t c = 0; c < d; c++)
		sum[c] = missing[c] < n_rows ? sum[c] / (double)(n_rows - missing[c]) : 0.0;
	if (x->is_sparse) {
		for (size_t k = 0; k < x->nnz; k++)
			if (isnan(x->values[k])) {
				x->values[k] = (float)sum[x->col_index[k]];
				replaced++;
			}
	} else {
		for (size_t i = 0; i < dataset->n_samples * d; i++)
			if (isnan(x->dense[i])) {
				x->dense[i] = (float)sum[i % d];
				replaced++;
			}
	}
out:
	free(sum);
	free(missing);
	return replaced;
}

size_t tm_dataset_memory_bytes(const struct tm_dataset *dataset)
{
	const struct tm_features *x = &dataset->x;
	size_t bytes = sizeof(*dataset) + dataset->n_samples * dataset->n_tasks;

	if (x->is_sparse)
		bytes += (x->n_rows + 1) * sizeof(size_t) +
			 x->nnz * (sizeof(uint32_t) + sizeof(float));
	else
		bytes += x->n_rows * x->n_cols * sizeof(float);
	for (size_t i = 0; i < dataset->n_tasks; i++)
		bytes += sizeof(char *) + (dataset->task_names[i] ? strlen(dataset->task_names[i]) + 1 : 0);
	for (size_t i = 0; i < dataset->n_features; i++)
		bytes += sizeof(char *) +
			 (dataset->feature_names[i] ? strlen(dataset->feature_names[i]) + 1 : 0);
	return bytes;
}
