/*
 * output.h - printing tables of text cells to stdout as aligned columns, CSV
 * (RFC 4180 quoting) or JSON (an array of objects, escaped by jansson).
 */
#ifndef TM_CLI_OUTPUT_H
#define TM_CLI_OUTPUT_H

#include <stddef.h>

enum output_format { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON };

struct output_table; /* rows of text cells, all owned by the table */

/* output_table_create - a table with @n_columns named columns; NULL if out of memory. */
struct output_table *output_table_create(size_t n_columns, const char *const *names);

/*
 * output_table_add_row - copy one row; @values[i] NULL prints as empty (table,
 * CSV) or null (JSON); @is_number (may be NULL) marks cells to right-align and
 * to emit unquoted in JSON. Returns 0 or -1 when out of memory.
 */
int output_table_add_row(struct output_table *table, const char *const *values,
			 const int *is_number);

/* output_table_print - write the table to stdout in @format. */
void output_table_print(const struct output_table *table, enum output_format format);

/* output_table_destroy - free; accepts NULL. */
void output_table_destroy(struct output_table *table);

/* output_parse_format - "table", "csv" or "json"; -1 when unknown. */
int output_parse_format(const char *text);

#endif
