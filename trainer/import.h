/*
 * import.h - training dynamics recorded elsewhere, brought into the store
 * as runs of kind "import" that the analyzers read exactly like trained
 * runs: a dataset row (format "import"), the run, its tasks (counts and
 * exclusions by the trainer's rule), the training samples (with their
 * names), the gold labels when known, and one 16-bit dynamics BLOB per
 * task and epoch.
 *
 * Two layers:
 * - the dynamics writer, which checks and writes what any source gives it
 *   (importers here, libtaskmap's recorder in lib/);
 * - the importers, one per file format (import-csv.c, import-npy.c,
 *   import-cartography.c), callable on paths without the CLI (tests and the
 *   fuzz harnesses use them directly).
 *
 * Every import is one transaction: on any error the database is left as it
 * was. Errors about the input come back as TM_ERR_INPUT with messages that
 * start with the location, "FILE:LINE: what is wrong" (npy: "FILE: ...").
 * The formats and their exact rules are in docs/import.md.
 */
#ifndef TM_IMPORT_H
#define TM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "store.h"

/* ---- the dynamics writer -------------------------------------------------- */

enum tm_dynamics_writer_flags {
	/* everything in one transaction, committed by finish (imports); without
	 * it, the run is committed at create and each epoch on its own (live
	 * recording: a crash keeps the committed epochs) */
	TM_WRITER_ONE_TRANSACTION = 1 << 0,
};

struct tm_dynamics_writer_spec {
	const char *run_name;      /* NULL: the store names it run-<id> */
	const char *dataset_name;  /* shown in `taskmap runs`; NULL: "import" */
	const char *source_path;   /* what was read, as given; may be NULL */
	const char *config_json;   /* how it was imported, a JSON object; NULL: "{}" */
	size_t n_tasks;
	const char *const *task_names; /* n_tasks names, unique and non-empty */
	size_t n_samples;
	const char *const *sample_names; /* n_samples names, or NULL */
	int64_t n_epochs;          /* planned; 0 when unknown (set at finish) */
	size_t min_labelled;       /* fewer labelled samples excludes a task */
	int64_t epoch_base;        /* the source's number of its first epoch (messages) */
	unsigned flags;            /* enum tm_dynamics_writer_flags */
};

struct tm_dynamics_writer;

/*
 * tm_dynamics_writer_create - create the dataset and run rows and record the
 * samples. @spec's task and sample names are borrowed until the writer is
 * destroyed (error messages name them); its other strings only during the
 * call. With
 * TM_WRITER_ONE_TRANSACTION the transaction opened here stays open until
 * finish or destroy. *@out owns the writer (tm_dynamics_writer_destroy); NULL
 * on failure, when nothing was written.
 */
int tm_dynamics_writer_create(struct tm_dynamics_writer **out, struct tm_store *store,
			      const struct tm_dynamics_writer_spec *spec,
			      struct tm_error *err);

/*
 * tm_dynamics_writer_labels - the gold labels, task-major (n_tasks x
 * n_samples), 0, 1 or TM_STORE_LABEL_MISSING; copied. Must come before the
 * first epoch (they are written with it); optional: without labels, the
 * run's tasks count no positives and the labels/predictions estimators are
 * unavailable.
 */
int tm_dynamics_writer_labels(struct tm_dynamics_writer *writer, const int8_t *labels,
			      struct tm_error *err);

/*
 * tm_dynamics_writer_epoch - write the next epoch: @probabilities are
 * n_tasks x n_samples task-major values of tm_dynamics_encode (65535 =
 * missing). The first epoch fixes which pairs are missing; a later epoch
 * that differs, or (with labels) a recorded value without a label or a label
 * without a value, is refused with TM_ERR_INPUT ("epoch E: task 'T', sample
 * 'S': ..."). The first epoch also writes the tasks and labels.
 */
int tm_dynamics_writer_epoch(struct tm_dynamics_writer *writer, const uint16_t *probabilities,
			     struct tm_error *err);

/* tm_dynamics_writer_epochs - epochs written so far. */
size_t tm_dynamics_writer_epochs(const struct tm_dynamics_writer *writer);

/* tm_dynamics_writer_run_id - the id of the run being written. */
int64_t tm_dynamics_writer_run_id(const struct tm_dynamics_writer *writer);

/*
 * tm_dynamics_writer_finish - set the run "done" (and its planned epochs
 * to those written when unknown) and commit. TM_ERR_INPUT when no epoch
 * was written. After a failure, destroy the writer (which rolls back).
 */
int tm_dynamics_writer_finish(struct tm_dynamics_writer *writer, struct tm_error *err);

/*
 * tm_dynamics_writer_destroy - free the writer; accepts NULL. An unfinished
 * writer rolls back (TM_WRITER_ONE_TRANSACTION) or marks its run @status
 * (TM_RUN_FAILED or TM_RUN_INTERRUPTED) with @message (may be NULL).
 */
void tm_dynamics_writer_destroy(struct tm_dynamics_writer *writer, const char *status,
				const char *message);

/* ---- importers ------------------------------------------------------------------ */

enum tm_import_format { TM_IMPORT_CSV, TM_IMPORT_NPY, TM_IMPORT_CARTOGRAPHY };

struct tm_import_options {
	enum tm_import_format format;
	const char *run_name;          /* --run; NULL: run-<id> */
	const char *path;              /* csv: the file; cartography: the directory */
	const char *probabilities_path; /* npy: (epochs, samples, tasks) gold-label probabilities */
	const char *logits_path;       /* npy: (epochs, samples, tasks) logits, with labels */
	const char *labels_path;       /* npy: (samples, tasks) labels; optional with probabilities */
	const char *task_names_path;   /* npy, cartography: one name per line, or NULL */
	const char *sample_names_path; /* npy: one name per line, or NULL */
	size_t min_labelled;           /* default TM_MIN_LABELLED_DEFAULT (10) */
	const struct tm_progress *progress; /* optional */
};

/* tm_import_defaults - zero @options and set the documented defaults. */
void tm_import_defaults(struct tm_import_options *options);

/* tm_import_format_parse - "csv", "npy" or "cartography"; -1 when unknown. */
int tm_import_format_parse(const char *name, enum tm_import_format *format);

/*
 * tm_import_check - NULL when @options name the files their format needs,
 * else a static message naming the option.
 */
const char *tm_import_check(const struct tm_import_options *options);

/*
 * tm_import_run - import what @options name into a new run of @store, all in
 * one transaction; the run's id goes to *@run_id. Returns 0, TM_ERR_INPUT for
 * invalid input (nothing written), TM_ERR_USAGE for a taken run name, or
 * another negative code.
 */
int tm_import_run(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err);

/* Per-format entry points behind tm_import_run (same contract). */
int tm_import_csv(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err);
int tm_import_npy(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err);
int tm_import_cartography(struct tm_store *store, const struct tm_import_options *options,
			  int64_t *run_id, struct tm_error *err);

/* ---- .npy files ------------------------------------------------------------------ */

enum tm_npy_type {
	TM_NPY_BOOL, TM_NPY_I8, TM_NPY_U8, TM_NPY_I16, TM_NPY_U16, TM_NPY_I32,
	TM_NPY_U32, TM_NPY_I64, TM_NPY_U64, TM_NPY_F32, TM_NPY_F64,
};

#define TM_NPY_MAX_DIMS 8

/* The header of a .npy file (format versions 1.0, 2.0 and 3.0). */
struct tm_npy_header {
	enum tm_npy_type type;
	size_t item_size;            /* bytes per element */
	int fortran_order;           /* 1: column-major data */
	size_t n_dims;
	size_t shape[TM_NPY_MAX_DIMS];
	size_t n_elements;           /* product of shape */
	size_t data_offset;          /* where the data starts in the file */
};

/*
 * tm_npy_parse_header - parse the @n bytes at the start of a .npy file
 * (they must hold the whole header). Little-endian numeric and bool dtypes
 * only: big-endian, object, string and structured dtypes are refused with
 * TM_ERR_INPUT and a message that says why. Pure: no I/O, no allocation.
 */
int tm_npy_parse_header(const unsigned char *bytes, size_t n, struct tm_npy_header *header,
			struct tm_error *err);

/* tm_npy_value - element @index (in storage order) of raw @data as a double. */
double tm_npy_value(const struct tm_npy_header *header, const unsigned char *data,
		    size_t index);

/* tm_npy_values - elements [@start, @start + @n) of raw @data into @out (fast for floats). */
void tm_npy_values(const struct tm_npy_header *header, const unsigned char *data, size_t start,
		   size_t n, double *out);

/* ---- export -------------------------------------------------------------------- */

/*
 * tm_export_run - write run @run_id's dynamics in a form `taskmap import`
 * reads back to the same run: TM_IMPORT_NPY writes DIR/probabilities.npy
 * (epochs, samples, tasks; float32, NaN = missing), DIR/labels.npy
 * (samples, tasks; int8, -1 = missing; only when the run has labels),
 * DIR/task-names.txt and DIR/sample-names.txt; TM_IMPORT_CSV writes
 * DIR/dynamics.csv (sample,task,epoch,p[,label]). @dir must exist.
 */
int tm_export_run(struct tm_store *store, int64_t run_id, enum tm_import_format format,
		  const char *dir, struct tm_error *err);

#endif
