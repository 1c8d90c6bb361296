/*
 * merge.h - copying the runs of other taskmap databases into this one
 * (`taskmap merge`): datasets, runs and every row that hangs off them, with
 * new ids, in one transaction. Included from store.h.
 */
#ifndef TM_STORE_MERGE_H
#define TM_STORE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct tm_store;

/* What one input contributed (all zero when it failed). */
struct tm_merge_counts {
	int64_t runs;     /* runs copied */
	int64_t datasets; /* dataset rows copied */
	int64_t rows;     /* rows copied over all tables, runs and datasets included */
	int64_t interrupted; /* runs stored as "running" by a dead process, copied as "interrupted" */
};

/*
 * tm_store_merge - copy everything in the databases @inputs[0..@n_inputs)
 * into @store (opened for writing), in one transaction: either all of it is
 * committed or nothing is written.
 *
 * Inputs are opened read-only and must be taskmap databases at this build's
 * schema version (an older one is refused with a message telling to open it
 * once with a writing command; a newer one, to upgrade taskmap). Every id is
 * renumbered (rows keep their order); names, timestamps and BLOBs are copied
 * as they are. A run stored as "running" whose process is gone is copied as
 * "interrupted"; one whose process still trains it is refused (TM_ERR_DENIED).
 * A run whose name exists in @store, or in two inputs, is refused
 * (TM_ERR_INPUT). An input that is @store itself or is given twice is refused
 * (TM_ERR_USAGE). At most tm_store_merge_max_inputs() inputs per call.
 *
 * @progress (optional) is called after each input with stage "merge",
 * done = inputs merged so far, total = @n_inputs and a message naming the
 * input and what it brought; a non-zero answer rolls back and returns
 * TM_ERR_INTERRUPTED. @counts (optional, @n_inputs entries) receives what
 * each input contributed. Returns 0 or a negative enum tm_err with @err
 * filled; on failure @store is unchanged.
 */
int tm_store_merge(struct tm_store *store, const char *const *inputs, size_t n_inputs,
		   const struct tm_progress *progress, struct tm_merge_counts *counts,
		   struct tm_error *err);

/* tm_store_merge_max_inputs - how many inputs one merge can attach (SQLite's limit). */
int tm_store_merge_max_inputs(const struct tm_store *store);

/*
 * tm_store_merge_check_schema - 0 when the merge knows every table of the
 * schema of @store and every column that holds an id is either its table's
 * own id or a declared foreign key (so it is renumbered); otherwise
 * TM_ERR_DB with @err naming the table or column. tm_store_merge runs it
 * first; tests run it so that a migration that adds a table or an id column
 * cannot silently be left out of merges.
 */
int tm_store_merge_check_schema(struct tm_store *store, struct tm_error *err);

#endif
