/*
 * selection-losses.c - the strict reader of Standley et al.'s per-network
 * loss files (tstandley/taskgrouping, network_selection/results*.txt; described in
 * ../shared/data/taskonomy-grouping/README.md): one line of n half-size
 * single-task networks, then one line per non-empty subset of the n tasks,
 * tab-separated, an empty field where a network does not solve a task. Every
 * deviation is an error "NAME:LINE: what is wrong" (TM_ERR_INPUT).
 */
#include "selection.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (64u << 20)
#define MAX_FIELD_CHARS 63

/* The parser's position: the file's name for messages and the current line. */
struct cursor {
	const char *name;
	size_t line;
	const char *text; /* the current line, not NUL-terminated */
	size_t length;
};

static int fail(const struct cursor *cursor, struct tm_error *err, const char *what,
		const char *detail)
{
	return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: %s%s", cursor->name, cursor->line,
			    what, detail);
}

/* count_fields - tab-separated fields of the current line. */
static size_t count_fields(const struct cursor *cursor)
{
	size_t fields = 1;

	for (size_t i = 0; i < cursor->length; i++)
		fields += cursor->text[i] == '\t';
	return fields;
}

/*
 * parse_loss - field @field (@length chars): *@present = 0 when empty, else the
 * loss in *@loss, which must be a complete finite decimal number >= 0.
 */
static int parse_loss(const struct cursor *cursor, size_t column, const char *field,
		      size_t length, int *present, double *loss, struct tm_error *err)
{
	char text[MAX_FIELD_CHARS + 1], *end = NULL;

	*present = length > 0;
	if (!*present)
		return 0;
	if (length > MAX_FIELD_CHARS || memchr(field, '\0', length))
		return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: field %zu is not a number",
				    cursor->name, cursor->line, column + 1);
	memcpy(text, field, length);
	text[length] = '\0';
	errno = 0;
	*loss = strtod(text, &end);
	if (isspace((unsigned char)text[0]) || *end != '\0' || end == text)
		return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: field %zu is not a number: '%s'",
				    cursor->name, cursor->line, column + 1, text);
	if (isnan(*loss))
		return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: field %zu: the loss is NaN",
				    cursor->name, cursor->line, column + 1);
	if (isinf(*loss) || (errno == ERANGE && fabs(*loss) > 1))
		return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: field %zu: the loss %s is not "
				    "finite", cursor->name, cursor->line, column + 1, text);
	if (*loss < 0)
		return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: field %zu: negative loss %s",
				    cursor->name, cursor->line, column + 1, text);
	return 0;
}

/*
 * parse_line - the current line into @values (n_tasks entries, NaN where empty)
 * and the mask of present fields in *@members; every field must be present when
 * @all_required (line 1).
 */
static int parse_line(const struct cursor *cursor, size_t n, int all_required,
		      double *values, uint32_t *members, struct tm_error *err)
{
	size_t fields = count_fields(cursor), start = 0;
	char detail[64];
	int rc;

	*members = 0;
	if (fields != n) {
		snprintf(detail, sizeof(detail), "%zu, found %zu", n, fields);
		return fail(cursor, err, "wrong number of tab-separated fields: expected ", detail);
	}
	for (size_t t = 0; t < n; t++) {
		size_t stop = start;
		int present;

		values[t] = NAN;
		while (stop < cursor->length && cursor->text[stop] != '\t')
			stop++;
		if ((rc = parse_loss(cursor, t, cursor->text + start, stop - start, &present,
				     &values[t], err)) < 0)
			return rc;
		if (!present && all_required)
			return fail(cursor, err, "the half-size networks' line needs a loss for "
				    "every task", "");
		if (present)
			*members |= UINT32_C(1) << t;
		start = stop + 1;
	}
	if (*members == 0)
		return fail(cursor, err, "the network solves no task (every field is empty)", "");
	return 0;
}

/* next_line - advance @cursor to the line starting at *@offset; 0 at the end of @text. */
static int next_line(struct cursor *cursor, const char *text, size_t length, size_t *offset)
{
	const char *newline;

	if (*offset >= length)
		return 0;
	cursor->text = text + *offset;
	newline = memchr(cursor->text, '\n', length - *offset);
	cursor->length = newline ? (size_t)(newline - cursor->text) : length - *offset;
	*offset += cursor->length + 1;
	if (cursor->length && cursor->text[cursor->length - 1] == '\r')
		cursor->length--;
	cursor->line++;
	return 1;
}

/* first_line - size the problem from line 1 and fill its n half-size networks. */
static int first_line(const struct cursor *cursor, struct tm_selection_problem **out,
		      struct tm_error *err)
{
	static const char *const taskonomy[] = { "s", "d", "n", "k", "e" };
	struct tm_selection_problem *problem = NULL;
	size_t n = count_fields(cursor);
	double values[TM_SELECTION_MAX_TASKS];
	uint32_t members;
	int rc;

	if (n > TM_SELECTION_MAX_TASKS)
		return fail(cursor, err, "too many fields for a loss file", "");
	if ((rc = parse_line(cursor, n, 1, values, &members, err)) < 0 ||
	    (rc = tm_selection_problem_create(n, n + ((size_t)1 << n) - 1, &problem, err)) < 0 ||
	    (n == 5 && (rc = tm_selection_set_task_names(problem, taskonomy, err)) < 0))
		goto out;
	for (size_t t = 0; t < n; t++) {
		problem->members[t] = UINT32_C(1) << t;
		problem->cost[t] = 0.5;
		problem->value[t * n + t] = values[t];
	}
	*out = problem;
	problem = NULL;
out:
	tm_selection_problem_free(problem);
	return rc;
}

/* subset_line - a full-size network; @seen_on[mask] holds the line of each subset seen. */
static int subset_line(const struct cursor *cursor, struct tm_selection_problem *problem,
		       size_t network, size_t *seen_on, struct tm_error *err)
{
	size_t n = problem->n_tasks;
	char detail[128], label[64];
	uint32_t members;
	int rc;

	if (network >= problem->n_networks) {
		snprintf(detail, sizeof(detail), "%zu expected for %zu tasks",
			 problem->n_networks - n + 1, n);
		return fail(cursor, err, "more lines than the ", detail);
	}
	if ((rc = parse_line(cursor, n, 0, problem->value + network * n, &members, err)) < 0)
		return rc;
	problem->members[network] = members;
	if (seen_on[members]) {
		snprintf(detail, sizeof(detail), "%s (first on line %zu)",
			 tm_selection_network_label(problem, network, label, sizeof(label)),
			 seen_on[members]);
		return fail(cursor, err, "a second network for tasks ", detail);
	}
	seen_on[members] = cursor->line;
	return 0;
}

int tm_selection_losses_parse(const char *text, size_t length, const char *name,
			      struct tm_selection_problem **out, struct tm_error *err)
{
	struct tm_selection_problem *problem = NULL;
	struct cursor cursor = { .name = name ? name : "<input>" };
	size_t offset = 0, network, *seen_on = NULL;
	char detail[96];
	int rc = 0;

	*out = NULL;
	if (!next_line(&cursor, text, length, &offset)) {
		cursor.line = 1;
		return fail(&cursor, err, "the file is empty", "");
	}
	if ((rc = first_line(&cursor, &problem, err)) < 0)
		goto out;
	if (!(seen_on = calloc((size_t)1 << problem->n_tasks, sizeof(size_t)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (network = problem->n_tasks; next_line(&cursor, text, length, &offset); network++)
		if ((rc = subset_line(&cursor, problem, network, seen_on, err)) < 0)
			goto out;
	if (network != problem->n_networks) {
		snprintf(detail, sizeof(detail), "%zu lines (one of half-size networks and %zu "
			 "subsets of %zu tasks), found %zu", problem->n_networks - problem->n_tasks + 1,
			 problem->n_networks - problem->n_tasks, problem->n_tasks, cursor.line);
		rc = fail(&cursor, err, "wrong number of lines: expected ", detail);
		goto out;
	}
	*out = problem;
	problem = NULL;
out:
	free(seen_on);
	tm_selection_problem_free(problem);
	return rc;
}

/* read_all - the whole of @file in a new buffer (at most MAX_FILE_BYTES). */
static int read_all(FILE *file, const char *path, char **text, size_t *length,
		    struct tm_error *err)
{
	size_t capacity = 0;
	char *grown;

	*text = NULL;
	*length = 0;
	do {
		if (*length == capacity) {
			capacity = capacity ? capacity * 2 : 4096;
			if (capacity > MAX_FILE_BYTES + 1)
				return tm_error_set(err, TM_ERR_INPUT, "%s: larger than %u bytes",
						    path, MAX_FILE_BYTES);
			if (!(grown = realloc(*text, capacity)))
				return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			*text = grown;
		}
		*length += fread(*text + *length, 1, capacity - *length, file);
	} while (!feof(file) && !ferror(file));
	if (ferror(file))
		return tm_error_set(err, TM_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}

int tm_selection_losses_read(const char *path, struct tm_selection_problem **out,
			     struct tm_error *err)
{
	FILE *file = NULL;
	char *text = NULL;
	size_t length = 0;
	int rc = 0;

	*out = NULL;
	if (!(file = fopen(path, "rb")))
		return tm_error_set(err, TM_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	if ((rc = read_all(file, path, &text, &length, err)) < 0)
		goto out;
	rc = tm_selection_losses_parse(text, length, path, out, err);
out:
	free(text);
	fclose(file);
	return rc;
}
