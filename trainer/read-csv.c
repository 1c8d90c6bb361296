/*
 * read-csv.c - reading CSV and TSV tables with a header line: label columns
 * are named (tm_read_options.labels, "a,b,c") or found by a name prefix
 * (label_prefix), every other column not dropped is a numeric feature
 * (stored dense). Fields may be quoted with "..." ("" for a quote). An
 * empty field, "?" or "NA" is missing; labels are 0 or 1.
 */
#include "dataset-internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum role { FEATURE, LABEL, SKIP };

struct csv {
	const char *path;
	struct tm_error *err;
	struct ds_lines *lines;
	char delimiter;
	char **fields;         /* the fields of the current line (in place) */
	size_t n_fields, field_capacity;
	size_t n_columns;
	enum role *roles;
	size_t *columns;       /* feature column or task index per input column */
	char **header;         /* owned copies of the header names */
	struct ds_builder builder;
};

static int fail(struct csv *csv, size_t field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct csv *csv, size_t field, const char *fmt, ...)
{
	char what[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field)
		return tm_error_set(csv->err, TM_ERR_INPUT, "%s:%zu:%zu: %s", csv->path,
				    ds_lines_number(csv->lines), field, what);
	return tm_error_set(csv->err, TM_ERR_INPUT, "%s:%zu: %s", csv->path,
			    ds_lines_number(csv->lines), what);
}

/* Split @line into csv->fields in place (quotes removed). */
static int split(struct csv *csv, char *line)
{
	char *p = line;

	csv->n_fields = 0;
	for (;;) {
		char *field = p;

		if (csv->n_fields == csv->field_capacity) {
			size_t capacity = csv->field_capacity ? csv->field_capacity * 2 : 64;
			char **grown = capacity > SIZE_MAX / sizeof(char *) ? NULL
				       : realloc(csv->fields, capacity * sizeof(char *));

			if (!grown)
				return tm_error_set(csv->err, TM_ERR_NOMEM, "%s: out of memory", csv->path);
			csv->fields = grown;
			csv->field_capacity = capacity;
		}
		if (*p == '"') {
			char *w = ++p;

			field = p;
			for (;;) {
				if (*p == '\0')
					return fail(csv, csv->n_fields + 1, "unterminated quoted field");
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			while (*p == ' ' || (*p == '\t' && csv->delimiter != '\t'))
				p++;
			if (*p != '\0' && *p != csv->delimiter)
				return fail(csv, csv->n_fields + 1, "unexpected text after a quoted field");
		} else {
			while (*p && *p != csv->delimiter)
				p++;
		}
		csv->fields[csv->n_fields++] = field;
		if (*p == '\0') {
			*p = '\0';
			return 0;
		}
		*p++ = '\0';
	}
}

static int is_missing(const char *text)
{
	text += strspn(text, " ");
	return *text == '\0' || strcmp(text, "?") == 0 || strcmp(text, "NA") == 0;
}

/* Mark the label columns from the options; the rest are features or dropped. */
static int assign_roles(struct csv *csv, const struct tm_read_options *options)
{
	size_t n = csv->n_columns, n_features = 0, n_tasks = 0;

	for (size_t c = 0; c < n; c++)
		csv->roles[c] = FEATURE;
	if (options && options->labels && *options->labels) {
		const char *p = options->labels;

		while (*p) {
			size_t length = strcspn(p, ",");
			int found = 0;

			for (size_t c = 0; c < n; c++)
				if (strlen(csv->header[c]) == length &&
				    memcmp(csv->header[c], p, length) == 0) {
					csv->roles[c] = LABEL;
					found = 1;
				}
			if (!found)
				return tm_error_set(csv->err, TM_ERR_INPUT,
						    "%s: label column '%.*s' not in the header", csv->path,
						    (int)(length > 40 ? 40 : length), p);
			p += length;
			if (*p == ',')
				p++;
		}
	} else if (options && options->label_prefix && *options->label_prefix) {
		size_t length = strlen(options->label_prefix);

		for (size_t c = 0; c < n; c++)
			if (strncmp(csv->header[c], options->label_prefix, length) == 0)
				csv->roles[c] = LABEL;
	} else {
		return tm_error_set(csv->err, TM_ERR_INPUT,
				    "%s: no labels found: name the label columns (--labels a,b) "
				    "or give their prefix (--label-prefix)", csv->path);
	}
	for (size_t i = 0; options && options->drop && i < options->n_drop; i++) {
		int found = 0;

		for (size_t c = 0; c < n; c++)
			if (strcmp(csv->header[c], options->drop[i]) == 0) {
				if (csv->roles[c] == LABEL)
					return tm_error_set(csv->err, TM_ERR_INPUT,
							    "%s: cannot drop '" DS_QUOTE "': it is a label",
							    csv->path, options->drop[i]);
				csv->roles[c] = SKIP;
				found = 1;
			}
		if (!found)
			return tm_error_set(csv->err, TM_ERR_INPUT,
					    "%s: cannot drop '" DS_QUOTE "': no such column", csv->path,
					    options->drop[i]);
	}
	for (size_t c = 0; c < n; c++)
		csv->columns[c] = csv->roles[c] == LABEL ? n_tasks++
				  : csv->roles[c] == FEATURE ? n_features++ : 0;
	if (n_tasks == 0)
		return tm_error_set(csv->err, TM_ERR_INPUT,
				    "%s: no labels found: no column starts with '" DS_QUOTE "'", csv->path,
				    options->label_prefix);
	return ds_builder_init(&csv->builder, csv->path, "csv", n_features, n_tasks, 0,
			       options ? options->memory_limit : 0, csv->err);
}

static int read_header(struct csv *csv, char *line, const struct tm_read_options *options)
{
	struct tm_dataset *d;
	int rc;

	if ((rc = split(csv, line)) < 0)
		return rc;
	csv->n_columns = csv->n_fields;
	csv->header = calloc(csv->n_columns, sizeof(char *));
	csv->roles = calloc(csv->n_columns, sizeof(enum role));
	csv->columns = calloc(csv->n_columns, sizeof(size_t));
	if (!csv->header || !csv->roles || !csv->columns)
		return tm_error_set(csv->err, TM_ERR_NOMEM, "%s: out of memory", csv->path);
	for (size_t c = 0; c < csv->n_columns; c++)
		if (!(csv->header[c] = strdup(csv->fields[c])))
			return tm_error_set(csv->err, TM_ERR_NOMEM, "%s: out of memory", csv->path);
	if ((rc = assign_roles(csv, options)) < 0)
		return rc;
	d = csv->builder.dataset;
	if (!(d->name = ds_file_stem(csv->path)))
		return tm_error_set(csv->err, TM_ERR_NOMEM, "%s: out of memory", csv->path);
	for (size_t c = 0; c < csv->n_columns; c++) {
		char **slot = csv->roles[c] == LABEL ? &d->task_names[csv->columns[c]]
			      : csv->roles[c] == FEATURE ? &d->feature_names[csv->columns[c]] : NULL;

		if (slot && !(*slot = strdup(csv->header[c])))
			return tm_error_set(csv->err, TM_ERR_NOMEM, "%s: out of memory", csv->path);
	}
	return 0;
}

static int read_row(struct csv *csv, char *line)
{
	struct tm_dataset *d = csv->builder.dataset;
	float *dense;
	int8_t *labels;
	int rc;

	if ((rc = split(csv, line)) < 0)
		return rc;
	if (csv->n_fields != csv->n_columns)
		return fail(csv, 0, "wrong number of fields: expected %zu as in the header, found %zu",
			    csv->n_columns, csv->n_fields);
	if ((rc = ds_builder_add_row(&csv->builder, &dense, &labels, csv->err)) < 0)
		return rc;
	for (size_t c = 0; c < csv->n_columns; c++) {
		const char *text = csv->fields[c];
		char *end;
		float value;

		if (csv->roles[c] == SKIP)
			continue;
		if (is_missing(text)) {
			if (csv->roles[c] == LABEL) {
				labels[csv->columns[c]] = TM_LABEL_MISSING;
				d->n_missing_labels++;
			} else {
				dense[csv->columns[c]] = NAN;
				d->n_missing_features++;
			}
			continue;
		}
		value = strtof(text, &end);
		if (end == text || end[strspn(end, " ")] != '\0')
			return fail(csv, c + 1, "non-numeric value '" DS_QUOTE "' in column '" DS_QUOTE "'",
				    text, csv->header[c]);
		if (!isfinite(value))
			return fail(csv, c + 1, "NaN or infinite value in column '" DS_QUOTE
				    "': expected a finite number (empty, ? or NA for missing)",
				    csv->header[c]);
		if (csv->roles[c] == LABEL) {
			if (value != 0.0f && value != 1.0f)
				return fail(csv, c + 1, "label '" DS_QUOTE "' is '" DS_QUOTE
					    "': expected 0, 1 or missing", csv->header[c], text);
			labels[csv->columns[c]] = value != 0.0f ? TM_LABEL_POSITIVE : TM_LABEL_NEGATIVE;
		} else {
			dense[csv->columns[c]] = value;
		}
	}
	return 0;
}

int ds_read_csv(struct tm_dataset **out, const char *path, char delimiter,
		const struct tm_read_options *options, struct tm_error *err)
{
	struct csv csv = { .path = path, .err = err, .delimiter = delimiter };
	int rc, have_header = 0;
	char *line;
	size_t length;

	*out = NULL;
	if ((rc = ds_lines_open(&csv.lines, path, err)) < 0)
		return rc;
	ds_lines_limit_memory(csv.lines, options ? options->memory_limit : 0);
	while ((rc = ds_lines_next(csv.lines, &line, &length, err)) == 1) {
		if (line[strspn(line, " \t")] == '\0')
			continue;
		rc = have_header ? read_row(&csv, line) : read_header(&csv, line, options);
		if (rc < 0)
			goto out;
		have_header = 1;
	}
	if (rc < 0)
		goto out;
	if (!have_header) {
		rc = tm_error_set(err, TM_ERR_INPUT, "%s:%zu: empty file: expected a header line", path,
				  ds_lines_number(csv.lines));
		goto out;
	}
	if (csv.builder.dataset->n_samples == 0) {
		rc = tm_error_set(err, TM_ERR_INPUT, "%s:%zu: empty data section: no rows after the header",
				  path, ds_lines_number(csv.lines));
		goto out;
	}
	rc = ds_builder_finish(&csv.builder, out, err);
out:
	ds_builder_release(&csv.builder);
	for (size_t c = 0; csv.header && c < csv.n_columns; c++)
		free(csv.header[c]);
	free(csv.header);
	free(csv.roles);
	free(csv.columns);
	free(csv.fields);
	ds_lines_close(csv.lines);
	return rc;
}
