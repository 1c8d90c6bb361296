/*
 * read-libsvm.c - reading multi-label LIBSVM files as the Extreme
 * Classification Repository distributes them:
 *
 *     [n_samples n_features n_labels]        optional header line
 *     l1,l2,... idx:value idx:value ...      one sample per line
 *
 * Labels are 0-based integers; the list may be empty (the line then starts
 * with a blank or with the first idx:value). Feature indices are 0-based, as
 * in the XC format (classic single-label LIBSVM files are 1-based: their
 * column 0 is then simply empty). Without a header, there are max label + 1
 * tasks and max index + 1 features. Features are stored sparse; lines
 * starting with '#' are comments.
 */
#include "dataset-internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct libsvm {
	const char *path;
	struct tm_error *err;
	struct ds_lines *lines;
	struct ds_builder builder;
	uint32_t *label_pairs;   /* (row, label) pairs, 2 per entry */
	size_t n_pairs, pair_capacity;
	size_t max_label, max_index;
	int has_header;
	size_t header_samples, header_features, header_labels;
};

static int fail(struct libsvm *svm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct libsvm *svm, const char *fmt, ...)
{
	char what[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return tm_error_set(svm->err, TM_ERR_INPUT, "%s:%zu: %s", svm->path,
			    ds_lines_number(svm->lines), what);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* An unsigned decimal at *p (no sign); -1 when absent or above @limit. */
static int parse_index(char **p, size_t limit, size_t *out)
{
	size_t value = 0;
	char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		if (value > limit)
			return -1;
		value = value * 10 + (size_t)(*s - '0');
		s++;
	}
	if (value > limit)
		return -1;
	*p = s;
	*out = value;
	return 0;
}

/* "n d L": three unsigned integers and nothing else. */
static int parse_header(struct libsvm *svm, char *line)
{
	size_t values[3];
	char *p = line;

	for (int i = 0; i < 3; i++) {
		while (is_blank((unsigned char)*p))
			p++;
		if (parse_index(&p, SIZE_MAX / 16, &values[i]) < 0)
			return 0;
		if (*p && !is_blank((unsigned char)*p))
			return 0;
	}
	while (is_blank((unsigned char)*p))
		p++;
	if (*p)
		return 0;
	svm->has_header = 1;
	svm->header_samples = values[0];
	svm->header_features = values[1];
	svm->header_labels = values[2];
	return 1;
}

static int add_pair(struct libsvm *svm, size_t row, size_t label)
{
	if (svm->n_pairs == svm->pair_capacity) {
		size_t capacity = svm->pair_capacity ? svm->pair_capacity * 2 : 4096;
		size_t bytes;
		uint32_t *grown;
		int rc;

		if (tm_size_mul(capacity, 2 * sizeof(uint32_t), &bytes) < 0)
			return fail(svm, "too many labels");
		if ((rc = ds_builder_check_size(&svm->builder, bytes, svm->err)) < 0)
			return rc;
		if (!(grown = realloc(svm->label_pairs, bytes)))
			return tm_error_set(svm->err, TM_ERR_NOMEM, "%s: out of memory", svm->path);
		svm->label_pairs = grown;
		svm->pair_capacity = capacity;
	}
	svm->label_pairs[2 * svm->n_pairs] = (uint32_t)row;
	svm->label_pairs[2 * svm->n_pairs + 1] = (uint32_t)label;
	svm->n_pairs++;
	return 0;
}

static int parse_line(struct libsvm *svm, char *p)
{
	size_t row = svm->builder.dataset->n_samples - 1;
	size_t label_limit = svm->has_header ? svm->header_labels : UINT32_MAX;
	size_t feature_limit = svm->has_header ? svm->header_features : UINT32_MAX;
	size_t last = SIZE_MAX, repeated;
	int unsorted = 0, rc;
	char *token_end;

	/* the label list: the first token unless it is idx:value */
	token_end = p;
	while (*token_end && !is_blank((unsigned char)*token_end) && *token_end != ':')
		token_end++;
	if (*token_end != ':') {
		while (p < token_end) {
			size_t label;

			if (parse_index(&p, UINT32_MAX, &label) < 0 || (*p != ',' && p != token_end))
				return fail(svm, "expected labels as 0-based integers separated by ',', found '%.20s'",
					    p);
			if (label >= label_limit && !svm->has_header)
				return fail(svm, "label %zu too large: at most %zu", label,
					    label_limit - 1);
			if (label >= label_limit)
				return fail(svm, "label %zu out of range: the header says %zu labels", label,
					    label_limit);
			if (label > svm->max_label || svm->max_label == SIZE_MAX)
				svm->max_label = label;
			if ((rc = add_pair(svm, row, label)) < 0)
				return rc;
			if (*p == ',')
				p++;
		}
	}
	for (;;) {
		size_t index;
		char *end;
		float value;

		while (is_blank((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (parse_index(&p, UINT32_MAX, &index) < 0 || *p != ':')
			return fail(svm, "expected index:value, found '%.20s'", p);
		if (index >= feature_limit && !svm->has_header)
			return fail(svm, "feature index %zu too large: at most %zu", index,
				    feature_limit - 1);
		if (index >= feature_limit)
			return fail(svm, "feature index %zu out of range: the header says %zu features (0-based)",
				    index, feature_limit);
		p++;
		value = strtof(p, &end);
		if (end == p || (*end && !is_blank((unsigned char)*end)))
			return fail(svm, "non-numeric value '%.20s' for feature %zu", p, index);
		if (!isfinite(value))
			return fail(svm, "NaN or infinite value for feature %zu", index);
		p = end;
		if (last != SIZE_MAX && index <= last) {
			if (index == last)
				return fail(svm, "feature index %zu repeated in the row", index);
			unsorted = 1;
		}
		last = index;
		if (index > svm->max_index || svm->max_index == SIZE_MAX)
			svm->max_index = index;
		if (value != 0.0f) {
			if (svm->builder.dataset->x.nnz == svm->builder.nnz_capacity &&
			    (rc = ds_builder_reserve_nnz(&svm->builder, 1, svm->err)) < 0)
				return rc;
			ds_builder_push(&svm->builder, (uint32_t)index, value);
		}
	}
	ds_builder_end_row(&svm->builder, unsorted, &repeated);
	if (repeated != SIZE_MAX)
		return fail(svm, "feature index %zu repeated in the row", repeated);
	return 0;
}

/* Build the label matrix and names once the counts are known. */
static int finish(struct libsvm *svm)
{
	struct tm_dataset *d = svm->builder.dataset;
	size_t n_tasks = svm->has_header ? svm->header_labels
			 : svm->max_label == SIZE_MAX ? 0 : svm->max_label + 1;
	size_t n_features = svm->has_header ? svm->header_features
			    : svm->max_index == SIZE_MAX ? 0 : svm->max_index + 1;
	size_t bytes;
	int rc;

	if (n_tasks == 0)
		return tm_error_set(svm->err, TM_ERR_INPUT, "%s: no labels found: no line has a label",
				    svm->path);
	if (svm->has_header && svm->header_samples != d->n_samples)
		return tm_error_set(svm->err, TM_ERR_INPUT,
				    "%s: the header says %zu samples but there are %zu (truncated file?)",
				    svm->path, svm->header_samples, d->n_samples);
	/* the names of every task and feature must fit too (label 4294967295
	 * on one line would otherwise ask for 4 billion names) */
	if ((rc = ds_estimate_check(svm->path, n_features, n_tasks, 1, svm->builder.memory_limit,
				    svm->err)) < 0)
		return rc;
	if (tm_size_mul(d->n_samples, n_tasks, &bytes) < 0)
		return tm_error_set(svm->err, TM_ERR_INPUT, "%s: dataset too large", svm->path);
	if ((rc = ds_builder_check_size(&svm->builder, bytes, svm->err)) < 0)
		return rc;
	free(d->labels);
	d->labels = calloc(bytes ? bytes : 1, 1);
	free(d->task_names);
	d->task_names = calloc(n_tasks, sizeof(char *));
	free(d->feature_names);
	d->feature_names = calloc(n_features ? n_features : 1, sizeof(char *));
	d->n_tasks = n_tasks;
	d->n_features = d->x.n_cols = n_features;
	if (!d->labels || !d->task_names || !d->feature_names)
		return tm_error_set(svm->err, TM_ERR_NOMEM, "%s: out of memory", svm->path);
	for (size_t i = 0; i < svm->n_pairs; i++)
		d->labels[svm->label_pairs[2 * i] * n_tasks + svm->label_pairs[2 * i + 1]] =
			TM_LABEL_POSITIVE;
	for (size_t t = 0; t < n_tasks; t++) {
		char name[32];

		snprintf(name, sizeof(name), "label_%zu", t);
		if (!(d->task_names[t] = strdup(name)))
			return tm_error_set(svm->err, TM_ERR_NOMEM, "%s: out of memory", svm->path);
	}
	for (size_t f = 0; f < n_features; f++) {
		char name[32];

		snprintf(name, sizeof(name), "f%zu", f);
		if (!(d->feature_names[f] = strdup(name)))
			return tm_error_set(svm->err, TM_ERR_NOMEM, "%s: out of memory", svm->path);
	}
	return 0;
}

int ds_read_libsvm(struct tm_dataset **out, const char *path,
		   const struct tm_read_options *options, struct tm_error *err)
{
	struct libsvm svm = { .path = path, .err = err, .max_label = SIZE_MAX,
			      .max_index = SIZE_MAX };
	size_t limit = options ? options->memory_limit : 0, length;
	int rc, first = 1;
	char *line;
	float *dense;
	int8_t *labels;

	*out = NULL;
	if (options && options->n_drop)
		return tm_error_set(err, TM_ERR_USAGE, "%s: LIBSVM columns have no names to drop", path);
	if ((rc = ds_lines_open(&svm.lines, path, err)) < 0)
		return rc;
	ds_lines_limit_memory(svm.lines, limit);
	/* labels are gathered as pairs and placed once their number is known */
	if ((rc = ds_builder_init(&svm.builder, path, "libsvm", 0, 0, 1, limit, err)) < 0)
		goto out;
	if (!(svm.builder.dataset->name = ds_file_stem(path))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	while ((rc = ds_lines_next(svm.lines, &line, &length, err)) == 1) {
		if (line[0] == '#')
			continue;
		if (first) {
			first = 0;
			if (parse_header(&svm, line)) {
				size_t per_row, total;

				/* the estimate: labels and one offset per declared sample */
				if (tm_size_add(svm.header_labels, sizeof(size_t), &per_row) < 0 ||
				    tm_size_mul(per_row, svm.header_samples, &total) < 0)
					total = SIZE_MAX;
				if ((rc = ds_builder_check_size(&svm.builder, total, err)) < 0 ||
				    (rc = ds_estimate_check(path, svm.header_features,
							    svm.header_labels, 1, limit, err)) < 0)
					goto out;
				if (svm.header_features > UINT32_MAX) {
					rc = fail(&svm, "%zu features: more than 2^32", svm.header_features);
					goto out;
				}
				continue;
			}
		}
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (svm.builder.dataset->n_samples >= UINT32_MAX) {
			rc = fail(&svm, "more than 2^32 samples");
			goto out;
		}
		if ((rc = ds_builder_add_row(&svm.builder, &dense, &labels, err)) < 0 ||
		    (rc = parse_line(&svm, line)) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (svm.builder.dataset->n_samples == 0) {
		rc = fail(&svm, "empty file: no samples");
		goto out;
	}
	if ((rc = finish(&svm)) < 0)
		goto out;
	rc = ds_builder_finish(&svm.builder, out, err);
out:
	ds_builder_release(&svm.builder);
	free(svm.label_pairs);
	ds_lines_close(svm.lines);
	return rc;
}
