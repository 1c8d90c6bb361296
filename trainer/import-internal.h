/*
 * import-internal.h - what the importers (import-*.c) share and nobody else
 * sees: a table of names in first-appearance order, reading a names file,
 * the gold-label probability of a logit, and the JSON configuration an
 * import records in its run.
 */
#ifndef TM_IMPORT_INTERNAL_H
#define TM_IMPORT_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"

/* Longest name or token quoted in an error message. */
#define IMPORT_QUOTE "%.60s"

/* Names in first-appearance order with a hash index (jansson's hashtable). */
struct name_table {
	void *index;   /* json_t object: name -> position */
	char **names;  /* owned copies, n entries */
	size_t n, capacity;
};

/* names_init - an empty table; 0 or TM_ERR_NOMEM. */
int names_init(struct name_table *table, struct tm_error *err);

/*
 * names_find - the position of the @length bytes at @name in *@position:
 * 1 when found, 0 when not (then, with @add, it is appended and 1 is
 * returned), or TM_ERR_NOMEM.
 */
int names_find(struct name_table *table, const char *name, size_t length, int add,
	       size_t *position, struct tm_error *err);

/* names_release - free the table; accepts zeroed storage. */
void names_release(struct name_table *table);

/*
 * names_read_file - one name per line of @path (trailing blank lines
 * ignored) into @table; an empty or repeated name is refused with
 * "FILE:LINE: ...". @expected (0: any) is the count the caller needs.
 */
int names_read_file(struct name_table *table, const char *path, size_t expected,
		    const char *what, struct tm_error *err);

/* names_default - "<prefix><i>" for i in [0, n) into an empty @table. */
int names_default(struct name_table *table, const char *prefix, size_t n,
		  struct tm_error *err);

/*
 * gold_probability - the probability of the gold label @label (0 or 1) of a
 * sigmoid output with logit @z, computed without overflow.
 */
static inline double gold_probability(double z, int label)
{
	double s = label ? z : -z;

	if (s >= 0)
		return 1.0 / (1.0 + exp(-s));
	return exp(s) / (1.0 + exp(s));
}

/* import_config_json - the run's configuration: {"import": FORMAT, ...@options' paths}. */
char *import_config_json(const struct tm_import_options *options, const char *format);

/* import_spec_defaults - a writer spec for @options (names set by the caller). */
void import_spec_defaults(struct tm_dynamics_writer_spec *spec,
			  const struct tm_import_options *options, const char *source,
			  const char *config_json);

#endif
