/*
 * read-arff.c - reading ARFF files as Mulan and MEKA write them: the header
 * (@relation, @attribute, @data; keywords in any case, names quoted with '
 * or " and backslash escapes, % comments), which attributes are labels
 * (Mulan's XML, else MEKA's "-C L" in @relation), then dense and sparse
 * data rows parsed in place. Sparse files are kept sparse.
 *
 * Encodings chosen here:
 * - numeric, real, integer: the number; '?' is missing (NaN for a feature).
 * - nominal feature with 2 values: 1 for the "positive" value, 0 for the
 *   other. The positive value is the one that reads as true (1, yes, true, y,
 *   t, positive, pos, +1; any case) when exactly one of the two does, else the
 *   second value declared. So {0,1}, {NO,YES} and {YES,NO} all give YES = 1.
 * - nominal feature with k > 2 values: the 0-based index in the declaration.
 * - label: a numeric attribute whose values are 0 or 1, or a 2-value nominal
 *   mapped as above (positive value -> TM_LABEL_POSITIVE); '?' -> missing.
 *   Tasks are numbered in attribute order, not in the order the XML lists them.
 * - string and date features are skipped, with a note in dataset->notes.
 * Sparse rows ({index value, ...}, 0-based attribute indices) store only the
 * non-zero features; an unlisted label is negative. A trailing instance
 * weight (", {w}") is ignored.
 */
#include "dataset-internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum attribute_type { NUMERIC, NOMINAL, STRING, DATE };
enum attribute_role { FEATURE, LABEL, SKIP };

struct attribute {
	char *name;
	enum attribute_type type;
	char **values;        /* nominal values, n_values of them */
	size_t n_values;
	size_t positive;      /* index of the positive value (2-value nominal) */
	enum attribute_role role;
	size_t column;        /* feature column or task index */
};

struct arff {
	const char *path;
	const struct tm_read_options *options;
	struct tm_error *err;
	struct ds_lines *lines;
	char *relation;
	long label_count;     /* MEKA -C L */
	int has_label_count;
	struct attribute *attributes;
	size_t n_attributes, attribute_capacity;
	size_t n_features, n_tasks;
	size_t *seen;         /* per attribute: the last row (counted from 1) listing it */
	struct ds_builder builder;
	int started;          /* builder initialised (first data row seen) */
};

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blanks(char *p)
{
	while (is_blank((unsigned char)*p))
		p++;
	return p;
}

static int fail(struct arff *arff, size_t field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An input error at the current line and, when non-zero, field (1-based). */
static int fail(struct arff *arff, size_t field, const char *fmt, ...)
{
	char what[TM_ERROR_MAX];
	size_t line = arff->lines ? ds_lines_number(arff->lines) : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field)
		return tm_error_set(arff->err, TM_ERR_INPUT, "%s:%zu:%zu: %s", arff->path, line,
				    field, what);
	return tm_error_set(arff->err, TM_ERR_INPUT, "%s:%zu: %s", arff->path, line, what);
}

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	default: return c;
	}
}

/*
 * Cut the token at *@p: quoted ('...' or "...", backslash escapes) or bare,
 * ending at a character of @stops or the line's end (trailing blanks
 * trimmed). The token is NUL-terminated in place; *@next is the character
 * that ended it ('\0' at the line's end) and *@p moves past it.
 */
static int take_token(struct arff *arff, char **p, const char *stops, size_t field,
		      char **token, char *next)
{
	char *s = skip_blanks(*p), *e, *t;

	if (*s == '\'' || *s == '"') {
		char quote = *s++;
		char *w = s, *r = s;

		for (;;) {
			if (*r == '\0')
				return fail(arff, field, "unterminated quoted text: missing %c", quote);
			if (*r == '\\' && r[1] != '\0') {
				*w++ = unescape(r[1]);
				r += 2;
				continue;
			}
			if (*r == quote)
				break;
			*w++ = *r++;
		}
		*w = '\0';
		*token = s;
		r++;
		if (*r && strchr(stops, *r)) { /* e.g. the blank after a quoted name */
			*next = *r;
			*p = r + 1;
			return 0;
		}
		r = skip_blanks(r);
		if (*r == '\0') {
			*next = '\0';
			*p = r;
			return 0;
		}
		if (!strchr(stops, *r))
			return fail(arff, field, "unexpected '%c' after quoted text '" DS_QUOTE "'",
				    *r, s);
		*next = *r;
		*p = r + 1;
		return 0;
	}
	e = s;
	while (*e && !strchr(stops, *e))
		e++;
	*next = *e;
	*p = *e ? e + 1 : e;
	for (t = e; t > s && is_blank((unsigned char)t[-1]); t--)
		;
	*t = '\0';
	*token = s;
	return 0;
}

/* ---- header ---------------------------------------------------------------- */

static void release_attributes(struct arff *arff)
{
	for (size_t i = 0; i < arff->n_attributes; i++) {
		struct attribute *a = &arff->attributes[i];

		for (size_t v = 0; v < a->n_values; v++)
			free(a->values[v]);
		free(a->values);
		free(a->name);
	}
	free(arff->attributes);
	arff->attributes = NULL;
	arff->n_attributes = 0;
}

/* Find MEKA's "-C L" (after the start, a blank or ':') in the relation text. */
static void find_label_count(struct arff *arff)
{
	const char *text = arff->relation;

	for (const char *p = text; (p = strstr(p, "-C")) != NULL; p += 2) {
		char *end;
		long value;

		if (p != text && !is_blank((unsigned char)p[-1]) && p[-1] != ':' && p[-1] != '\'')
			continue;
		if (!is_blank((unsigned char)p[2]))
			continue;
		value = strtol(p + 2, &end, 10);
		if (end == p + 2 || (*end && !is_blank((unsigned char)*end) && *end != '\''))
			continue;
		arff->label_count = value;
		arff->has_label_count = 1;
		return;
	}
}

static int parse_relation(struct arff *arff, char *p)
{
	char *token, next;
	int rc;

	if ((rc = take_token(arff, &p, "", 0, &token, &next)) < 0)
		return rc;
	free(arff->relation);
	if (!(arff->relation = strdup(token)))
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	find_label_count(arff);
	return 0;
}

static int add_value(struct arff *arff, struct attribute *a, const char *value)
{
	if (ds_reserve_one((void **)&a->values, a->n_values, sizeof(*a->values)) < 0)
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	if (!(a->values[a->n_values] = strdup(value)))
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	a->n_values++;
	return 0;
}

static int parse_attribute(struct arff *arff, char *p)
{
	struct attribute *a;
	char *token, next;
	int rc;

	if (arff->n_attributes == arff->attribute_capacity) {
		size_t capacity = arff->attribute_capacity ? arff->attribute_capacity * 2 : 64;
		struct attribute *grown = NULL;
		size_t bytes;

		if (tm_size_mul(capacity, sizeof(*grown), &bytes) == 0)
			grown = realloc(arff->attributes, bytes);
		if (!grown)
			return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory for %zu attributes",
					    arff->path, capacity);
		arff->attributes = grown;
		arff->attribute_capacity = capacity;
	}
	a = &arff->attributes[arff->n_attributes];
	memset(a, 0, sizeof(*a));
	arff->n_attributes++;
	p = skip_blanks(p);
	if (*p == '\0')
		return fail(arff, 0, "@attribute without a name");
	if ((rc = take_token(arff, &p, " \t{", 0, &token, &next)) < 0)
		return rc;
	if (!(a->name = strdup(token)))
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	if (next != '{') {
		p = skip_blanks(p);
		if (*p == '{') {
			p++;
			next = '{';
		}
	}
	if (next == '{') {
		a->type = NOMINAL;
		for (;;) {
			if ((rc = take_token(arff, &p, ",}", 0, &token, &next)) < 0)
				return rc;
			if (next == '}' && a->n_values == 0 && *token == '\0')
				break;
			if ((rc = add_value(arff, a, token)) < 0)
				return rc;
			if (next == '}')
				break;
			if (next != ',')
				return fail(arff, 0, "nominal values of '" DS_QUOTE "' not closed with '}'",
					    a->name);
		}
		if (a->n_values == 0)
			return fail(arff, 0, "attribute '" DS_QUOTE "' has an empty list of values",
				    a->name);
		if (a->n_values == 2) {
			int first = ds_truthy(a->values[0]), second = ds_truthy(a->values[1]);

			a->positive = first && !second ? 0 : 1;
		}
		return 0;
	}
	if ((rc = take_token(arff, &p, " \t", 0, &token, &next)) < 0)
		return rc;
	if (strcasecmp(token, "numeric") == 0 || strcasecmp(token, "real") == 0 ||
	    strcasecmp(token, "integer") == 0)
		a->type = NUMERIC;
	else if (strcasecmp(token, "string") == 0)
		a->type = STRING;
	else if (strcasecmp(token, "date") == 0)
		a->type = DATE;
	else
		return fail(arff, 0, "unknown attribute type '" DS_QUOTE "' for '" DS_QUOTE
			    "': expected numeric, real, integer, string, date or {values}",
			    token, a->name);
	return 0;
}

/* Attributes by name, ties in attribute order (pointers into one array). */
static int compare_attributes(const void *a, const void *b)
{
	const struct attribute *x = *(const struct attribute *const *)a;
	const struct attribute *y = *(const struct attribute *const *)b;
	int order = strcmp(x->name, y->name);

	return order ? order : (x > y) - (x < y);
}

static int compare_name_attribute(const void *key, const void *element)
{
	return strcmp(key, (*(const struct attribute *const *)element)->name);
}

/*
 * The first attribute called @name, or NULL. @by_name holds the attributes
 * sorted by compare_attributes: a binary search, since a label XML and a
 * header may each list a million names.
 */
static struct attribute *find_attribute(struct arff *arff, struct attribute **by_name,
					const char *name)
{
	struct attribute **found = bsearch(name, by_name, arff->n_attributes, sizeof(*by_name),
					   compare_name_attribute);

	if (!found)
		return NULL;
	while (found > by_name && strcmp(found[-1]->name, name) == 0)
		found--;
	return *found;
}

/* Decide which attributes are labels, features or skipped; number them. */
static int assign_roles(struct arff *arff)
{
	const struct tm_read_options *options = arff->options;
	size_t n = arff->n_attributes;
	struct attribute **by_name = NULL;
	char **names = NULL;
	size_t n_names = 0;
	int rc = 0;

	if (n == 0) {
		rc = fail(arff, 0, "@data before any @attribute");
		goto out;
	}
	if (!(by_name = malloc(n * sizeof(*by_name)))) {
		rc = tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		by_name[i] = &arff->attributes[i];
	qsort(by_name, n, sizeof(*by_name), compare_attributes);
	if (options && options->xml_path) {
		if ((rc = ds_read_label_xml(&names, &n_names, options->xml_path, arff->err)) < 0)
			goto out;
		for (size_t i = 0; i < n_names; i++) {
			struct attribute *a = find_attribute(arff, by_name, names[i]);

			if (!a) {
				rc = tm_error_set(arff->err, TM_ERR_INPUT,
						  "%s: label '" DS_QUOTE "' named in '%s' is not an attribute",
						  arff->path, names[i], options->xml_path);
				goto out;
			}
			a->role = LABEL;
		}
	} else if (arff->has_label_count && arff->label_count != 0) {
		/* not labs(): -C -9223372036854775808 must not overflow */
		size_t count = arff->label_count > 0 ? (size_t)arff->label_count
				: (size_t)0 - (size_t)arff->label_count;

		if (count > n) {
			rc = tm_error_set(arff->err, TM_ERR_INPUT,
					  "%s: @relation says -C %ld but there are only %zu attributes",
					  arff->path, arff->label_count, n);
			goto out;
		}
		for (size_t i = 0; i < count; i++)
			arff->attributes[arff->label_count > 0 ? i : n - count + i].role = LABEL;
	} else {
		rc = tm_error_set(arff->err, TM_ERR_INPUT,
				  "%s: no labels found: give Mulan's label file (--xml FILE.xml) "
				  "or MEKA's -C L in @relation", arff->path);
		goto out;
	}
	for (size_t i = 0; options && options->drop && i < options->n_drop; i++) {
		struct attribute *a = find_attribute(arff, by_name, options->drop[i]);

		if (!a) {
			rc = tm_error_set(arff->err, TM_ERR_INPUT,
					  "%s: cannot drop '" DS_QUOTE "': no such attribute",
					  arff->path, options->drop[i]);
			goto out;
		}
		if (a->role == LABEL) {
			rc = tm_error_set(arff->err, TM_ERR_INPUT,
					  "%s: cannot drop '" DS_QUOTE "': it is a label", arff->path,
					  options->drop[i]);
			goto out;
		}
		a->role = SKIP;
	}
	for (size_t i = 0; i < n; i++) {
		struct attribute *a = &arff->attributes[i];

		if (a->role == LABEL) {
			if (a->type == STRING || a->type == DATE || (a->type == NOMINAL && a->n_values != 2)) {
				rc = tm_error_set(arff->err, TM_ERR_INPUT,
						  "%s: label '" DS_QUOTE "' must be numeric 0/1 or a "
						  "nominal with 2 values", arff->path, a->name);
				goto out;
			}
			a->column = arff->n_tasks++;
		} else if (a->role == FEATURE && (a->type == STRING || a->type == DATE)) {
			a->role = SKIP;
		} else if (a->role == FEATURE) {
			a->column = arff->n_features++;
		}
	}
	if (arff->n_tasks == 0)
		rc = tm_error_set(arff->err, TM_ERR_INPUT, "%s: no labels found", arff->path);
out:
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(by_name);
	return rc;
}

/* The dataset name: the relation up to MEKA's ": -options", else the file stem. */
static char *relation_name(const struct arff *arff)
{
	char *name, *colon;

	if (!arff->relation || !*arff->relation)
		return ds_file_stem(arff->path);
	name = strdup(arff->relation);
	if (name && (colon = strchr(name, ':')) != NULL && *skip_blanks(colon + 1) == '-') {
		*colon = '\0';
		for (char *t = colon; t > name && is_blank((unsigned char)t[-1]); t--)
			t[-1] = '\0';
	}
	return name;
}

static int start_dataset(struct arff *arff, int is_sparse)
{
	struct tm_dataset *d;
	int rc;

	if ((rc = ds_builder_init(&arff->builder, arff->path, "arff", arff->n_features,
				  arff->n_tasks, is_sparse,
				  arff->options ? arff->options->memory_limit : 0, arff->err)) < 0)
		return rc;
	arff->started = 1;
	d = arff->builder.dataset;
	if (!(d->name = relation_name(arff)))
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	for (size_t i = 0; i < arff->n_attributes; i++) {
		struct attribute *a = &arff->attributes[i];
		char **slot = a->role == LABEL ? &d->task_names[a->column]
			      : a->role == FEATURE ? &d->feature_names[a->column] : NULL;

		if (slot && !(*slot = strdup(a->name)))
			return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
		if (a->role == SKIP && (a->type == STRING || a->type == DATE) &&
		    ds_add_note(d, "skipped %s attribute '" DS_QUOTE "'",
				a->type == STRING ? "string" : "date", a->name) < 0)
			return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	}
	if (!(arff->seen = calloc(arff->n_attributes, sizeof(size_t))))
		return tm_error_set(arff->err, TM_ERR_NOMEM, "%s: out of memory", arff->path);
	return 0;
}

/* ---- data rows --------------------------------------------------------------- */

/*
 * Parse the value of attribute @a (not SKIP) at *@p into *@value (NaN when
 * missing), ending at a character of @stops, given back in *@next.
 */
static int parse_value(struct arff *arff, char **p, const char *stops, const struct attribute *a,
		       size_t field, float *value, char *next)
{
	char *s = skip_blanks(*p), *token, *end;
	int rc;

	if (*s == '?') {
		char *after = skip_blanks(s + 1);

		if (*after == '\0' || strchr(stops, *after)) {
			*value = NAN;
			*next = *after;
			*p = *after ? after + 1 : after;
			return 0;
		}
	}
	if (a->type == NUMERIC) {
		float v;

		if (*s != '\'' && *s != '"') {
			v = strtof(s, &end);
			if (end != s) {
				end = skip_blanks(end);
				if (*end == '\0' || strchr(stops, *end)) {
					*next = *end;
					*p = *end ? end + 1 : end;
					goto number;
				}
			}
			if ((rc = take_token(arff, &s, stops, field, &token, next)) < 0)
				return rc;
			return fail(arff, field, "non-numeric value '" DS_QUOTE
				    "' for numeric attribute '" DS_QUOTE "'", token, a->name);
		}
		if ((rc = take_token(arff, &s, stops, field, &token, next)) < 0)
			return rc;
		*p = s;
		v = strtof(token, &end);
		if (end == token || *end)
			return fail(arff, field, "non-numeric value '" DS_QUOTE
				    "' for numeric attribute '" DS_QUOTE "'", token, a->name);
number:
		if (!isfinite(v))
			return fail(arff, field, "NaN or infinite value for '" DS_QUOTE
				    "': expected a finite number or ?", a->name);
		if (a->role == LABEL && v != 0.0f && v != 1.0f)
			return fail(arff, field, "label '" DS_QUOTE "' is %g: expected 0, 1 or ?",
				    a->name, (double)v);
		*value = v;
		return 0;
	}
	/* nominal */
	if ((rc = take_token(arff, &s, stops, field, &token, next)) < 0)
		return rc;
	*p = s;
	for (size_t i = 0; i < a->n_values; i++) {
		if (strcmp(a->values[i], token) == 0) {
			*value = a->n_values == 2 ? (float)(i == a->positive) : (float)i;
			return 0;
		}
	}
	if (a->role == LABEL)
		return fail(arff, field, "label '" DS_QUOTE "' is '" DS_QUOTE "': expected %s, %s or ?",
			    a->name, token, a->values[0], a->values[1]);
	return fail(arff, field, "value '" DS_QUOTE "' is not one of the values declared for '"
		    DS_QUOTE "'", token, a->name);
}

/* Put one parsed value where it belongs. */
static int store(struct arff *arff, const struct attribute *a, float value, float *dense,
		 int8_t *labels)
{
	struct tm_dataset *d = arff->builder.dataset;
	int rc;

	if (a->role == LABEL) {
		if (isnan(value)) {
			labels[a->column] = TM_LABEL_MISSING;
			d->n_missing_labels++;
		} else {
			labels[a->column] = value != 0.0f ? TM_LABEL_POSITIVE : TM_LABEL_NEGATIVE;
		}
		return 0;
	}
	if (isnan(value))
		d->n_missing_features++;
	if (dense) {
		dense[a->column] = value;
	} else if (value != 0.0f) {
		if (d->x.nnz == arff->builder.nnz_capacity &&
		    (rc = ds_builder_reserve_nnz(&arff->builder, 1, arff->err)) < 0)
			return rc;
		ds_builder_push(&arff->builder, (uint32_t)a->column, value);
	}
	return 0;
}

static int parse_dense_row(struct arff *arff, char *p, float *dense, int8_t *labels)
{
	size_t n = arff->n_attributes;
	char next = '\0', *token;
	float value;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct attribute *a = &arff->attributes[i];

		if (a->role == SKIP) {
			if ((rc = take_token(arff, &p, ",", i + 1, &token, &next)) < 0)
				return rc;
		} else {
			if ((rc = parse_value(arff, &p, ",", a, i + 1, &value, &next)) < 0 ||
			    (rc = store(arff, a, value, dense, labels)) < 0)
				return rc;
		}
		if (next == '\0' && i + 1 < n)
			return fail(arff, 0, "wrong number of values: expected %zu, found %zu", n, i + 1);
	}
	if (next == ',') {
		size_t found = n + 1;

		p = skip_blanks(p);
		if (*p == '{') /* instance weight */
			return 0;
		for (; *p; p++)
			found += *p == ',';
		return fail(arff, 0, "wrong number of values: expected %zu, found %zu or more", n,
			    found);
	}
	return 0;
}

static int parse_sparse_row(struct arff *arff, char *p, float *dense, int8_t *labels)
{
	size_t n = arff->n_attributes, row = arff->builder.dataset->n_samples;
	size_t last = SIZE_MAX, repeated;
	int unsorted = 0, rc;
	char next, *token;
	float value;

	p = skip_blanks(p + 1);
	if (*p == '}') {
		p++;
		goto closed;
	}
	for (;;) {
		size_t index = 0;
		const struct attribute *a;

		p = skip_blanks(p);
		if (!isdigit((unsigned char)*p))
			return fail(arff, 0, "expected an attribute index in the sparse row, found '%.20s'",
				    *p ? p : "end of line");
		while (isdigit((unsigned char)*p)) {
			if (index <= n)
				index = index * 10 + (size_t)(*p - '0');
			p++;
		}
		if (index >= n)
			return fail(arff, 0, "sparse index %zu out of range: %zu attributes (0..%zu)",
				    index, n, n - 1);
		if (!is_blank((unsigned char)*p))
			return fail(arff, index + 1, "expected a space and a value after sparse index %zu",
				    index);
		if (arff->seen[index] == row)
			return fail(arff, index + 1, "sparse index %zu repeated in the row", index);
		arff->seen[index] = row;
		if (last != SIZE_MAX && index < last)
			unsorted = 1;
		last = index;
		a = &arff->attributes[index];
		if (a->role == SKIP) {
			if ((rc = take_token(arff, &p, ",}", index + 1, &token, &next)) < 0)
				return rc;
		} else {
			if ((rc = parse_value(arff, &p, ",}", a, index + 1, &value, &next)) < 0 ||
			    (rc = store(arff, a, value, dense, labels)) < 0)
				return rc;
		}
		if (next == '}')
			break;
		if (next != ',')
			return fail(arff, 0, "sparse row not closed with '}' (truncated line?)");
	}
closed:
	ds_builder_end_row(&arff->builder, unsorted, &repeated);
	p = skip_blanks(p);
	if (*p != '\0' && *p != ',')
		return fail(arff, 0, "unexpected text after the sparse row: '%.20s'", p);
	return 0;
}

static int read_rows(struct arff *arff)
{
	char *line, *p;
	size_t length;
	float *dense;
	int8_t *labels;
	int rc;

	while ((rc = ds_lines_next(arff->lines, &line, &length, arff->err)) == 1) {
		p = skip_blanks(line);
		if (*p == '\0' || *p == '%')
			continue;
		if (!arff->started && (rc = start_dataset(arff, *p == '{')) < 0)
			return rc;
		if ((rc = ds_builder_add_row(&arff->builder, &dense, &labels, arff->err)) < 0)
			return rc;
		rc = *p == '{' ? parse_sparse_row(arff, p, dense, labels)
			       : parse_dense_row(arff, p, dense, labels);
		if (rc < 0)
			return rc;
		if (arff->builder.dataset->x.is_sparse && *p != '{') {
			size_t repeated;

			ds_builder_end_row(&arff->builder, 0, &repeated);
		}
	}
	if (rc < 0)
		return rc;
	if (!arff->started || arff->builder.dataset->n_samples == 0)
		return fail(arff, 0, "empty data section: no rows after @data");
	return 0;
}

int ds_read_arff(struct tm_dataset **out, const char *path,
		 const struct tm_read_options *options, struct tm_error *err)
{
	struct arff arff = { .path = path, .options = options, .err = err };
	char *line, *p, *keyword;
	size_t length;
	int rc, in_data = 0;

	*out = NULL;
	if ((rc = ds_lines_open(&arff.lines, path, err)) < 0)
		return rc;
	ds_lines_limit_memory(arff.lines, options ? options->memory_limit : 0);
	while (!in_data && (rc = ds_lines_next(arff.lines, &line, &length, err)) == 1) {
		size_t k;

		p = skip_blanks(line);
		if (*p == '\0' || *p == '%')
			continue;
		if (*p != '@') {
			rc = fail(&arff, 0, "expected @relation, @attribute or @data, found '%.20s'", p);
			goto out;
		}
		keyword = p + 1;
		for (k = 0; keyword[k] && !is_blank((unsigned char)keyword[k]) && keyword[k] != '{'; k++)
			;
		p = keyword + k;
		if (k == 8 && strncasecmp(keyword, "relation", k) == 0)
			rc = parse_relation(&arff, p);
		else if (k == 9 && strncasecmp(keyword, "attribute", k) == 0)
			rc = parse_attribute(&arff, p);
		else if (k == 4 && strncasecmp(keyword, "data", k) == 0)
			in_data = 1;
		else
			rc = fail(&arff, 0, "unknown keyword '@%.*s': expected @relation, @attribute or @data",
				  (int)(k > 20 ? 20 : k), keyword);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!in_data) {
		rc = fail(&arff, 0, "unexpected end of file: no @data section (truncated file?)");
		goto out;
	}
	if ((rc = assign_roles(&arff)) < 0 ||
	    (rc = ds_estimate_check(path, arff.n_features, arff.n_tasks, 1,
				    options ? options->memory_limit : 0, err)) < 0)
		goto out;
	if ((rc = read_rows(&arff)) < 0)
		goto out;
	rc = ds_builder_finish(&arff.builder, out, err);
out:
	if (arff.started)
		ds_builder_release(&arff.builder);
	else
		tm_dataset_destroy(arff.builder.dataset);
	free(arff.seen);
	release_attributes(&arff);
	free(arff.relation);
	ds_lines_close(arff.lines);
	return rc;
}
