/*
 * output.c - tables of text cells printed as aligned columns, CSV or JSON.
 * JSON strings are escaped by jansson, CSV follows RFC 4180 quoting.
 */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct output_table {
	size_t n_columns;
	char **names;
	size_t n_rows, capacity;
	char **cells;   /* n_rows * n_columns, NULL for null */
	int *is_number; /* n_rows * n_columns */
};

static char *copy_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

struct output_table *output_table_create(size_t n_columns, const char *const *names)
{
	struct output_table *table = calloc(1, sizeof(*table));

	if (!table || !(table->names = calloc(n_columns + 1, sizeof(char *)))) {
		free(table);
		return NULL;
	}
	table->n_columns = n_columns;
	for (size_t i = 0; i < n_columns; i++) {
		if (!(table->names[i] = strdup(names[i] ? names[i] : ""))) {
			output_table_destroy(table);
			return NULL;
		}
	}
	return table;
}

static int grow(struct output_table *table)
{
	size_t capacity = table->capacity ? table->capacity * 2 : 64;
	char **cells = realloc(table->cells, capacity * table->n_columns * sizeof(*cells));
	int *numbers;

	if (!cells)
		return -1;
	table->cells = cells;
	numbers = realloc(table->is_number, capacity * table->n_columns * sizeof(*numbers));
	if (!numbers)
		return -1;
	table->is_number = numbers;
	table->capacity = capacity;
	return 0;
}

int output_table_add_row(struct output_table *table, const char *const *values,
			 const int *is_number)
{
	size_t base;

	if (table->n_rows == table->capacity && grow(table) < 0)
		return -1;
	base = table->n_rows * table->n_columns;
	for (size_t i = 0; i < table->n_columns; i++) {
		table->cells[base + i] = copy_or_null(values[i]);
		if (values[i] && !table->cells[base + i]) {
			for (size_t j = 0; j < i; j++)
				free(table->cells[base + j]);
			return -1;
		}
		table->is_number[base + i] = is_number ? is_number[i] : 0;
	}
	table->n_rows++;
	return 0;
}

/* display_width - columns a UTF-8 string takes (one per code point). */
static size_t display_width(const char *text)
{
	size_t width = 0;

	for (; text && *text; text++)
		if (((unsigned char)*text & 0xc0) != 0x80)
			width++;
	return width;
}

/* print_cell_text - a cell on one line: control characters shown as '?'. */
static void print_cell_text(const char *text)
{
	for (; *text; text++)
		putchar((unsigned char)*text < 0x20 || *text == 0x7f ? '?' : *text);
}

static void print_padded(const char *text, size_t width, int right_align, int last)
{
	size_t pad = width - display_width(text);

	if (right_align)
		for (size_t i = 0; i < pad; i++)
			putchar(' ');
	print_cell_text(text);
	if (!right_align && !last)
		for (size_t i = 0; i < pad; i++)
			putchar(' ');
}

static void print_aligned(const struct output_table *table)
{
	size_t *width = calloc(table->n_columns + 1, sizeof(*width));

	if (!width)
		return;
	for (size_t c = 0; c < table->n_columns; c++)
		width[c] = display_width(table->names[c]);
	for (size_t r = 0; r < table->n_rows; r++)
		for (size_t c = 0; c < table->n_columns; c++) {
			size_t w = display_width(table->cells[r * table->n_columns + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t c = 0; c < table->n_columns; c++) {
		print_padded(table->names[c], width[c], 0, c + 1 == table->n_columns);
		fputs(c + 1 == table->n_columns ? "\n" : "  ", stdout);
	}
	for (size_t r = 0; r < table->n_rows; r++)
		for (size_t c = 0; c < table->n_columns; c++) {
			const char *cell = table->cells[r * table->n_columns + c];

			print_padded(cell ? cell : "", width[c],
				     table->is_number[r * table->n_columns + c],
				     c + 1 == table->n_columns);
			fputs(c + 1 == table->n_columns ? "\n" : "  ", stdout);
		}
	free(width);
}

static void print_csv_cell(const char *text)
{
	if (!text)
		return;
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, stdout);
		return;
	}
	putchar('"');
	for (; *text; text++) {
		if (*text == '"')
			putchar('"');
		putchar(*text);
	}
	putchar('"');
}

static void print_csv(const struct output_table *table)
{
	for (size_t c = 0; c < table->n_columns; c++) {
		print_csv_cell(table->names[c]);
		fputs(c + 1 == table->n_columns ? "\r\n" : ",", stdout);
	}
	for (size_t r = 0; r < table->n_rows; r++)
		for (size_t c = 0; c < table->n_columns; c++) {
			print_csv_cell(table->cells[r * table->n_columns + c]);
			fputs(c + 1 == table->n_columns ? "\r\n" : ",", stdout);
		}
}

/* json_cell - a number where the cell is numeric and finite, else a string. */
static json_t *json_cell(const char *text, int is_number)
{
	char *end = NULL;

	if (!text)
		return json_null();
	if (is_number) {
		long long whole = strtoll(text, &end, 10);

		if (*end == '\0')
			return json_integer(whole);
		double real = strtod(text, &end);

		if (*end == '\0' && real == real && real - real == 0)
			return json_real(real);
	}
	return json_string(text);
}

static void print_json(const struct output_table *table)
{
	json_t *rows = json_array();
	char *text;

	for (size_t r = 0; r < table->n_rows; r++) {
		json_t *row = json_object();

		for (size_t c = 0; c < table->n_columns; c++)
			json_object_set_new(row, table->names[c],
					    json_cell(table->cells[r * table->n_columns + c],
						      table->is_number[r * table->n_columns + c]));
		json_array_append_new(rows, row);
	}
	text = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (text) {
		fputs(text, stdout);
		putchar('\n');
	}
	free(text);
	json_decref(rows);
}

void output_table_print(const struct output_table *table, enum output_format format)
{
	switch (format) {
	case OUTPUT_TABLE: print_aligned(table); break;
	case OUTPUT_CSV: print_csv(table); break;
	case OUTPUT_JSON: print_json(table); break;
	}
}

void output_table_destroy(struct output_table *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < table->n_rows * table->n_columns; i++)
		free(table->cells[i]);
	for (size_t i = 0; i < table->n_columns; i++)
		free(table->names[i]);
	free(table->names);
	free(table->cells);
	free(table->is_number);
	free(table);
}

int output_parse_format(const char *text)
{
	if (strcmp(text, "table") == 0)
		return OUTPUT_TABLE;
	if (strcmp(text, "csv") == 0)
		return OUTPUT_CSV;
	if (strcmp(text, "json") == 0)
		return OUTPUT_JSON;
	return -1;
}
