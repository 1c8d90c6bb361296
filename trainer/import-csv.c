/*
 * import-csv.c - `taskmap import --format csv`: dynamics in long format,
 * one row per (sample, task, epoch), with a header naming the columns:
 *
 *   sample,task,epoch,p             the gold label's probability
 *   sample,task,epoch,p,label       the same, with the gold label
 *   sample,task,epoch,logit,label   a sigmoid logit and the gold label
 *
 * (columns in any order; RFC 4180 quoting; gzip/xz/bzip2 read on the fly).
 * Rows come grouped by epoch, epochs consecutive integers in increasing
 * order (the order a training loop writes them); within an epoch any order.
 * The first epoch's rows fix the samples and the tasks, each in order of
 * first appearance, and which pairs are recorded; every later epoch must
 * have the same. A missing label: no row, or an empty or "nan" value (label
 * -1 too). The file is read twice (once for the names, then streamed), so
 * memory holds one epoch, never the file.
 */
#include "import-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataset-internal.h"

enum column { COL_SAMPLE, COL_TASK, COL_EPOCH, COL_P, COL_LOGIT, COL_LABEL, COL_COUNT };

static const char *const column_names[COL_COUNT] = { "sample", "task", "epoch", "p", "logit",
						     "label" };

#define MAX_FIELDS 16

struct csv_import {
	const struct tm_import_options *options;
	const char *path;
	struct ds_lines *lines;
	int column[COL_COUNT];         /* field of each column, -1 when absent */
	size_t n_columns;
	char *field[MAX_FIELDS];
	size_t length[MAX_FIELDS];
	struct name_table samples, tasks;
	int64_t first_epoch, epoch;    /* the file's numbers */
	uint16_t *q;                   /* this epoch, task-major */
	uint8_t *seen;                 /* pairs with a row this epoch */
	int8_t *labels;                /* from the first epoch, or NULL (no label column) */
	size_t last_sample, last_task; /* lookup cache: rows often repeat a name */
	struct tm_dynamics_writer *writer;
};

static int at_line(struct csv_import *c, struct tm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int at_line(struct csv_import *c, struct tm_error *err, const char *fmt, ...)
{
	char message[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: %s", c->path, ds_lines_number(c->lines),
			    message);
}

/* trim - strip ASCII blanks at both ends of the field [*start, *start + *length). */
static void trim(char **start, size_t *length)
{
	while (*length && (**start == ' ' || **start == '\t')) {
		(*start)++;
		(*length)--;
	}
	while (*length && ((*start)[*length - 1] == ' ' || (*start)[*length - 1] == '\t'))
		(*length)--;
}

/* split - cut @line into NUL-terminated fields in place ("" quotes undone). */
static int split(struct csv_import *c, char *line, size_t *n, struct tm_error *err)
{
	char *p = line;

	for (*n = 0;; (*n)++) {
		char *start = p, *out = p;

		if (*n == MAX_FIELDS)
			return at_line(c, err, "more than %d fields", MAX_FIELDS);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			for (start = out = ++p;; p++) {
				if (*p == '\0')
					return at_line(c, err, "a quoted field does not end on its line");
				if (*p == '"' && p[1] != '"')
					break;
				*out++ = *p;
				p += *p == '"';
			}
			for (p++; *p == ' ' || *p == '\t'; p++)
				;
			if (*p != ',' && *p != '\0')
				return at_line(c, err, "text after a quoted field");
			c->field[*n] = start;
			c->length[*n] = (size_t)(out - start);
		} else {
			p = start + strcspn(start, ",");
			c->field[*n] = start;
			c->length[*n] = (size_t)(p - start);
			trim(&c->field[*n], &c->length[*n]);
		}
		if (*p == '\0') {
			c->field[*n][c->length[*n]] = '\0';
			(*n)++;
			return 0;
		}
		*p++ = '\0';
		c->field[*n][c->length[*n]] = '\0';
	}
}

static int read_header(struct csv_import *c, struct tm_error *err)
{
	size_t n, length;
	char *line;
	int rc;

	for (int k = 0; k < COL_COUNT; k++)
		c->column[k] = -1;
	if ((rc = ds_lines_next(c->lines, &line, &length, err)) <= 0)
		return rc < 0 ? rc : tm_error_set(err, TM_ERR_INPUT, "%s: the file is empty", c->path);
	if ((rc = split(c, line, &n, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		int k = 0;

		while (k < COL_COUNT && strcasecmp(c->field[i], column_names[k]) != 0)
			k++;
		if (k == COL_COUNT || c->column[k] >= 0)
			return at_line(c, err, "%s column '" IMPORT_QUOTE "' (the header must be"
				       " sample,task,epoch,p or sample,task,epoch,logit,label)",
				       k == COL_COUNT ? "unknown" : "repeated", c->field[i]);
		c->column[k] = (int)i;
	}
	c->n_columns = n;
	if (c->column[COL_SAMPLE] < 0 || c->column[COL_TASK] < 0 || c->column[COL_EPOCH] < 0 ||
	    (c->column[COL_P] < 0) == (c->column[COL_LOGIT] < 0) ||
	    (c->column[COL_LOGIT] >= 0 && c->column[COL_LABEL] < 0))
		return at_line(c, err, "the header must name sample,task,epoch and p (with an"
			       " optional label) or logit,label");
	return 0;
}

/* next_row - the next data row split into fields: 1, 0 at the end, or < 0. */
static int next_row(struct csv_import *c, struct tm_error *err)
{
	size_t n, length;
	char *line;
	int rc;

	do {
		if ((rc = ds_lines_next(c->lines, &line, &length, err)) <= 0)
			return rc;
	} while (length == 0);
	if ((rc = split(c, line, &n, err)) < 0)
		return rc;
	if (n != c->n_columns)
		return at_line(c, err, "%zu fields, the header has %zu", n, c->n_columns);
	return 1;
}

static const char *field_of(const struct csv_import *c, enum column k)
{
	return c->field[c->column[k]];
}

static int parse_epoch(struct csv_import *c, int64_t *epoch, struct tm_error *err)
{
	const char *text = field_of(c, COL_EPOCH);
	char *end;
	long long value;

	errno = 0;
	value = strtoll(text, &end, 10);
	if (!text[0] || *end || errno || value < 0)
		return at_line(c, err, "epoch '" IMPORT_QUOTE "' is not a whole number >= 0", text);
	*epoch = value;
	return 0;
}

/* parse_number - *@value from field @k; NaN for "", "nan" or "na"; -1 on junk. */
static int parse_number(const struct csv_import *c, enum column k, double *value)
{
	const char *text = field_of(c, k);
	char *end;

	if (!text[0] || strcasecmp(text, "nan") == 0 || strcasecmp(text, "na") == 0) {
		*value = NAN;
		return 0;
	}
	*value = strtod(text, &end);
	return *end || end == text ? -1 : 0;
}

/* parse_label - 0, 1 or TM_STORE_LABEL_MISSING ("", nan, -1). */
static int parse_label(struct csv_import *c, int8_t *label, struct tm_error *err)
{
	double value;

	if (parse_number(c, COL_LABEL, &value) < 0 ||
	    (value == value && value != 0 && value != 1 && value != -1))
		return at_line(c, err, "label '" IMPORT_QUOTE "' is not 0, 1 or missing"
			       " (empty, nan or -1)", field_of(c, COL_LABEL));
	*label = value == value && value >= 0 ? (int8_t)value : TM_STORE_LABEL_MISSING;
	return 0;
}

/* parse_value - the row's encoded gold-label probability and its label. */
static int parse_value(struct csv_import *c, uint16_t *q, int8_t *label, struct tm_error *err)
{
	enum column k = c->column[COL_P] >= 0 ? COL_P : COL_LOGIT;
	double value;
	int rc;

	*label = TM_STORE_LABEL_MISSING;
	if (c->column[COL_LABEL] >= 0 && (rc = parse_label(c, label, err)) < 0)
		return rc;
	if (parse_number(c, k, &value) < 0)
		return at_line(c, err, "%s '" IMPORT_QUOTE "' is not a number", column_names[k],
			       field_of(c, k));
	if (k == COL_P && value == value && !(value >= 0 && value <= 1))
		return at_line(c, err, "p = " IMPORT_QUOTE " is not a probability in [0, 1]",
			       field_of(c, k));
	if (c->column[COL_LABEL] >= 0 && *label != TM_STORE_LABEL_MISSING && value != value)
		return at_line(c, err, "the label is %d but %s is missing", *label, column_names[k]);
	if (c->column[COL_LABEL] >= 0 && *label == TM_STORE_LABEL_MISSING)
		value = NAN;
	else if (k == COL_LOGIT)
		value = gold_probability(value, *label);
	*q = tm_dynamics_encode(value);
	return 0;
}

/* find - the position of field @k in @names (cache first); 0 when not there. */
static int find(struct csv_import *c, enum column k, struct name_table *names, size_t *cache,
		size_t *position, struct tm_error *err)
{
	const char *name = field_of(c, k);
	size_t length = c->length[c->column[k]];
	int rc;

	if (*cache < names->n && strcmp(names->names[*cache], name) == 0) {
		*position = *cache;
		return 1;
	}
	if ((rc = names_find(names, name, length, 0, position, err)) > 0)
		*cache = *position;
	return rc;
}

/* collect_names - pass 1: the samples and tasks of the first epoch, in order. */
static int collect_names(struct csv_import *c, struct tm_error *err)
{
	size_t position;
	int64_t epoch;
	int rc, first = 1;

	while ((rc = next_row(c, err)) > 0) {
		if ((rc = parse_epoch(c, &epoch, err)) < 0)
			return rc;
		if (first)
			c->first_epoch = epoch;
		else if (epoch != c->first_epoch)
			return 0;
		first = 0;
		if (!c->length[c->column[COL_SAMPLE]] || !c->length[c->column[COL_TASK]])
			return at_line(c, err, "empty %s name",
				       c->length[c->column[COL_SAMPLE]] ? "task" : "sample");
		if ((rc = names_find(&c->samples, field_of(c, COL_SAMPLE),
				     c->length[c->column[COL_SAMPLE]], 1, &position, err)) < 0 ||
		    (rc = names_find(&c->tasks, field_of(c, COL_TASK),
				     c->length[c->column[COL_TASK]], 1, &position, err)) < 0)
			return rc;
	}
	if (rc == 0 && first)
		return tm_error_set(err, TM_ERR_INPUT, "%s: no data rows after the header", c->path);
	return rc;
}

static int flush_epoch(struct csv_import *c, struct tm_error *err)
{
	size_t n = c->tasks.n * c->samples.n;
	int rc;

	if (c->labels && tm_dynamics_writer_epochs(c->writer) == 0 &&
	    (rc = tm_dynamics_writer_labels(c->writer, c->labels, err)) < 0)
		return tm_error_prefix(err, "%s", c->path);
	if ((rc = tm_dynamics_writer_epoch(c->writer, c->q, err)) < 0)
		return tm_error_prefix(err, "%s", c->path);
	for (size_t k = 0; k < n; k++)
		c->q[k] = TM_DYNAMICS_MISSING;
	memset(c->seen, 0, n);
	if (tm_progress_report(c->options->progress, "import",
			       (double)tm_dynamics_writer_epochs(c->writer), 0, NULL))
		return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	return 0;
}

/* next_epoch - the row starts epoch @epoch: flush the current one if it follows. */
static int next_epoch(struct csv_import *c, int64_t epoch, struct tm_error *err)
{
	int rc;

	if (epoch - 1 != c->epoch) /* not c->epoch + 1: it may be INT64_MAX */
		return at_line(c, err, "epoch %lld after epoch %lld (rows must be grouped by"
			       " epoch, epochs consecutive and increasing)", (long long)epoch,
			       (long long)c->epoch);
	if ((rc = flush_epoch(c, err)) < 0)
		return rc;
	c->epoch = epoch;
	return 0;
}

static int not_in_first_epoch(struct csv_import *c, enum column k, struct tm_error *err)
{
	return at_line(c, err, "%s '" IMPORT_QUOTE "' is not in epoch %lld (every epoch must"
		       " have the same samples and tasks)", column_names[k], field_of(c, k),
		       (long long)c->first_epoch);
}

/* store_row - one data row of pass 2 into this epoch's arrays. */
static int store_row(struct csv_import *c, struct tm_error *err)
{
	size_t s, t, k;
	int8_t label = TM_STORE_LABEL_MISSING;
	uint16_t q = TM_DYNAMICS_MISSING;
	int rc;

	if ((rc = find(c, COL_SAMPLE, &c->samples, &c->last_sample, &s, err)) <= 0)
		return rc < 0 ? rc : not_in_first_epoch(c, COL_SAMPLE, err);
	if ((rc = find(c, COL_TASK, &c->tasks, &c->last_task, &t, err)) <= 0)
		return rc < 0 ? rc : not_in_first_epoch(c, COL_TASK, err);
	k = t * c->samples.n + s;
	if (c->seen[k])
		return at_line(c, err, "a second row for sample '" IMPORT_QUOTE "', task '"
			       IMPORT_QUOTE "' in epoch %lld", c->samples.names[s], c->tasks.names[t],
			       (long long)c->epoch);
	c->seen[k] = 1;
	if ((rc = parse_value(c, &q, &label, err)) < 0)
		return rc;
	if (c->labels && c->epoch == c->first_epoch)
		c->labels[k] = label;
	else if (c->labels && c->labels[k] != label)
		return at_line(c, err, "the label of sample '" IMPORT_QUOTE "', task '" IMPORT_QUOTE
			       "' is %d, but %d in epoch %lld", c->samples.names[s],
			       c->tasks.names[t], label, c->labels[k], (long long)c->first_epoch);
	c->q[k] = q;
	return 0;
}

static int allocate(struct csv_import *c, struct tm_error *err)
{
	size_t n = c->tasks.n * c->samples.n;

	if (c->tasks.n && n / c->tasks.n != c->samples.n)
		return tm_error_set(err, TM_ERR_INPUT, "%s: too many samples and tasks", c->path);
	c->q = malloc(n * sizeof(*c->q));
	c->seen = calloc(n, 1);
	if (c->column[COL_LABEL] >= 0 && (c->labels = malloc(n)))
		memset(c->labels, TM_STORE_LABEL_MISSING, n);
	if (!c->q || !c->seen || (c->column[COL_LABEL] >= 0 && !c->labels))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for %zu tasks x %zu samples",
				    c->tasks.n, c->samples.n);
	for (size_t k = 0; k < n; k++)
		c->q[k] = TM_DYNAMICS_MISSING;
	return 0;
}

/* stream_rows - pass 2: every row into its epoch, each epoch to the writer. */
static int stream_rows(struct csv_import *c, struct tm_error *err)
{
	int64_t epoch;
	int rc;

	if ((rc = ds_lines_open(&c->lines, c->path, err)) < 0 || (rc = read_header(c, err)) < 0)
		return rc;
	c->epoch = c->first_epoch;
	while ((rc = next_row(c, err)) > 0) {
		if ((rc = parse_epoch(c, &epoch, err)) < 0 ||
		    (epoch != c->epoch && (rc = next_epoch(c, epoch, err)) < 0) ||
		    (rc = store_row(c, err)) < 0)
			return rc;
	}
	return rc < 0 ? rc : flush_epoch(c, err);
}

int tm_import_csv(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err)
{
	struct csv_import c = { .options = options, .path = options->path,
				.last_sample = SIZE_MAX, .last_task = SIZE_MAX };
	struct tm_dynamics_writer_spec spec;
	char *config = import_config_json(options, "csv"), *stem = ds_file_stem(options->path);
	int rc;

	*run_id = 0;
	if (!config || !stem) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = names_init(&c.samples, err)) < 0 || (rc = names_init(&c.tasks, err)) < 0 ||
	    (rc = ds_lines_open(&c.lines, c.path, err)) < 0 || (rc = read_header(&c, err)) < 0 ||
	    (rc = collect_names(&c, err)) < 0 || (rc = allocate(&c, err)) < 0)
		goto out;
	ds_lines_close(c.lines);
	c.lines = NULL;
	import_spec_defaults(&spec, options, c.path, config);
	spec.dataset_name = stem;
	spec.n_tasks = c.tasks.n;
	spec.task_names = (const char *const *)c.tasks.names;
	spec.n_samples = c.samples.n;
	spec.sample_names = (const char *const *)c.samples.names;
	spec.epoch_base = c.first_epoch;
	if ((rc = tm_dynamics_writer_create(&c.writer, store, &spec, err)) < 0 ||
	    (rc = stream_rows(&c, err)) < 0 || (rc = tm_dynamics_writer_finish(c.writer, err)) < 0)
		goto out;
	*run_id = tm_dynamics_writer_run_id(c.writer);
out:
	tm_dynamics_writer_destroy(c.writer, NULL, NULL);
	ds_lines_close(c.lines);
	free(c.q);
	free(c.seen);
	free(c.labels);
	names_release(&c.samples);
	names_release(&c.tasks);
	free(config);
	free(stem);
	return rc;
}
