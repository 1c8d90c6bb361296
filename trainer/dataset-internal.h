/*
 * dataset-internal.h - what the dataset files share and nobody else sees:
 * the buffered line reader over plain/gzip/xz/bzip2 files, the growing
 * dataset builder the readers fill, and small text helpers. Not installed,
 * not included outside trainer/dataset*.c, read-*.c, synth.c, arff-write.c.
 */
#ifndef TM_DATASET_INTERNAL_H
#define TM_DATASET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* Default limit on the memory a dataset may take (tm_read_options). */
#define DS_DEFAULT_MEMORY_LIMIT ((size_t)8 << 30)

/* Longest line the reader accepts (a longer one is refused, not truncated). */
#define DS_MAX_LINE ((size_t)256 << 20)

/* Longest token quoted in an error message. */
#define DS_QUOTE "%.40s"

/* ---- line reader (dataset-lines.c) ---------------------------------------- */

struct ds_lines;

/*
 * Most memory the xz decoder may take (its dictionary, which the stream's
 * header chooses: xz -9 needs 65 MiB, a crafted header asks for up to
 * 4 GiB). A stream that needs more is refused with TM_ERR_INPUT.
 */
#define DS_XZ_MEMORY_LIMIT ((size_t)1 << 30)

/*
 * ds_lines_open - open @path for reading lines; gzip, xz and bzip2 are
 * recognised by their magic bytes and decompressed on the fly (xz within
 * DS_XZ_MEMORY_LIMIT). Returns 0 or TM_ERR_IO / TM_ERR_NOMEM with @err
 * filled. Close with ds_lines_close.
 */
int ds_lines_open(struct ds_lines **out, const char *path, struct tm_error *err);

/*
 * ds_lines_limit_memory - lower the xz decoder's memory limit to @limit
 * (0, or above DS_XZ_MEMORY_LIMIT: unchanged); readers pass their
 * memory_limit. Call before the first ds_lines_next; nothing for other
 * compressions.
 */
void ds_lines_limit_memory(struct ds_lines *lines, size_t limit);

/*
 * ds_lines_next - the next line, without its "\n" or "\r\n" and with a UTF-8
 * byte-order mark removed from the first line. *@line is NUL-terminated,
 * writable, and valid until the next call. Returns 1 for a line, 0 at the
 * end, or a negative code (truncated or corrupt stream, NUL byte, line longer
 * than DS_MAX_LINE) with @err naming FILE:LINE.
 */
int ds_lines_next(struct ds_lines *lines, char **line, size_t *length,
		  struct tm_error *err);

/* ds_lines_number - the 1-based number of the line last returned. */
size_t ds_lines_number(const struct ds_lines *lines);

/* ds_lines_path - the path given to ds_lines_open (borrowed). */
const char *ds_lines_path(const struct ds_lines *lines);

/* ds_lines_close - close and free; accepts NULL. */
void ds_lines_close(struct ds_lines *lines);

/* ---- dataset builder (dataset.c) ------------------------------------------ */

/*
 * A dataset under construction: rows are appended one at a time, arrays grow
 * geometrically, and every growth is checked against the memory limit so an
 * absurd file is refused instead of exhausting memory.
 */
struct ds_builder {
	struct tm_dataset *dataset; /* owned until ds_builder_finish */
	size_t row_capacity;        /* rows the label (and dense) arrays hold */
	size_t nnz_capacity;        /* values col_index/values hold (sparse) */
	size_t memory_limit;
	const char *path;           /* for messages */
};

/*
 * ds_builder_init - start a dataset with @n_features feature columns and
 * @n_tasks tasks, sparse or dense. Checks that one row fits in the limit
 * (the header-based estimate). Names are set by the caller afterwards.
 */
int ds_builder_init(struct ds_builder *builder, const char *path, const char *format,
		    size_t n_features, size_t n_tasks, int is_sparse,
		    size_t memory_limit, struct tm_error *err);

/*
 * ds_builder_add_row - append one row: dense features set to 0 and labels
 * to 0; *@features (dense only, else NULL) and *@labels point into the new
 * row until the next call.
 */
int ds_builder_add_row(struct ds_builder *builder, float **features, int8_t **labels,
		       struct tm_error *err);

/* ds_builder_reserve_nnz - make room for @more stored values (sparse). */
int ds_builder_reserve_nnz(struct ds_builder *builder, size_t more, struct tm_error *err);

/*
 * ds_builder_push - store (column, value) in the last row (sparse). Room
 * must have been reserved.
 */
static inline void ds_builder_push(struct ds_builder *builder, uint32_t column, float value)
{
	struct tm_features *x = &builder->dataset->x;

	x->col_index[x->nnz] = column;
	x->values[x->nnz] = value;
	x->nnz++;
}

/*
 * ds_builder_end_row - close the last sparse row: sort its values by column
 * if @unsorted and refuse a repeated column (returns it in *@repeated,
 * SIZE_MAX when none). Dense: nothing to do.
 */
void ds_builder_end_row(struct ds_builder *builder, int unsorted, size_t *repeated);

/*
 * ds_estimate_check - the estimate made from a header, before any row: one
 * row of @n_features features (dense or sparse) and @n_tasks labels, plus
 * the names, must fit in @memory_limit (0: the default). TM_ERR_INPUT when
 * it does not or when the sizes overflow.
 */
int ds_estimate_check(const char *path, size_t n_features, size_t n_tasks, int is_sparse,
		      size_t memory_limit, struct tm_error *err);

/* ds_builder_check_size - refuse @bytes beyond the memory limit. */
int ds_builder_check_size(const struct ds_builder *builder, size_t bytes,
			  struct tm_error *err);

/* ds_builder_finish - shrink the arrays and hand the dataset to *@out. */
int ds_builder_finish(struct ds_builder *builder, struct tm_dataset **out,
		      struct tm_error *err);

/* ds_builder_release - free what the builder still owns; accepts zeroed storage. */
void ds_builder_release(struct ds_builder *builder);

/* ---- helpers (dataset.c) ---------------------------------------------------- */

/* ds_dataset_new - an empty dataset with its name, path and format copied. */
struct tm_dataset *ds_dataset_new(const char *name, const char *path, const char *format);

/* ds_add_note - append a formatted note to dataset->notes. */
int ds_add_note(struct tm_dataset *dataset, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * ds_reserve_one - make room for element @count (0-based) of an array of
 * @size-byte elements that holds @count now, growing it to the next power
 * of two when @count is one, so n appends cost O(n) copies, not O(n^2)
 * (millions of labels, nominal values or notes). 0, or TM_ERR_NOMEM with
 * *@array unchanged.
 */
int ds_reserve_one(void **array, size_t count, size_t size);

/* ds_strdup - strdup that returns NULL on NULL. */
char *ds_strdup(const char *text);

/* ds_is_dropped - whether @name is in options->drop. */
int ds_is_dropped(const struct tm_read_options *options, const char *name);

/* ds_file_stem - the base name of @path without directories and extensions (owned). */
char *ds_file_stem(const char *path);

/*
 * ds_truthy - 1 if @value reads as a positive word (1, yes, true, y, t,
 * positive, pos, +1; any case), else 0.
 */
int ds_truthy(const char *value);

/* ---- readers (read-*.c) ----------------------------------------------------- */

int ds_read_arff(struct tm_dataset **out, const char *path,
		 const struct tm_read_options *options, struct tm_error *err);
int ds_read_libsvm(struct tm_dataset **out, const char *path,
		   const struct tm_read_options *options, struct tm_error *err);
int ds_read_csv(struct tm_dataset **out, const char *path, char delimiter,
		const struct tm_read_options *options, struct tm_error *err);

/*
 * ds_read_label_xml - the label names of a Mulan XML file (<label name="..."/>
 * elements at any depth, any namespace prefix). *@names is an owned array of
 * owned strings (free each, then the array).
 */
int ds_read_label_xml(char ***names, size_t *n_names, const char *path,
		      struct tm_error *err);

#endif
