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
 * - string and date features are skipped, with a note in dataset->notes.
 * Sparse rows ({index value, ...}, 0-based attribute indices) store only the
 * non-zero features; an unlisted label is negative.
 */
#include "dataset-internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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
	struct ds_lines *lines;
	char *relation;
	long label_count;     /* MEKA -C L, 0 when absent */
	int has_label_count;
	struct attribute *attributes;
	size_t n_attributes, attribute_capacity;
	size_t n_features, n_tasks;
	struct ds_builder builder;
	size_t line_number;
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

/* An error at the current line (and field, 1-based, when non-zero). */
static int fail(struct arff *arff, size_t field, const char *fmt, ...)
{
	char what[TM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field)
		return tm_error_set(NULL, 0, "%s", "") , 0;
	return 0;
}
