/*
 * dataset.h - one multi-label dataset in memory, the readers that fill it
 * (ARFF as written by Mulan and MEKA, LIBSVM multi-label, CSV/TSV; plain or
 * .gz/.xz/.bz2), train/validation/test splits, task sanity checks, and the
 * planted-group generator behind `taskmap synth`.
 *
 * Every label column is one binary task. Features are float32, dense or CSR
 * sparse (sparse files stay sparse). Labels are 1, 0 or missing.
 *
 * Errors name the place: "FILE:LINE[:FIELD]: what was expected", code
 * TM_ERR_INPUT for bad data, TM_ERR_IO for unreadable files.
 */
#ifndef TM_DATASET_H
#define TM_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

enum { TM_LABEL_NEGATIVE = 0, TM_LABEL_POSITIVE = 1, TM_LABEL_MISSING = -1 };

/* The feature matrix: n_rows x n_cols float32, dense or CSR. */
struct tm_features {
	size_t n_rows;
	size_t n_cols;
	int is_sparse;
	float *dense;        /* n_rows * n_cols, row-major; NULL when sparse */
	size_t *row_start;   /* n_rows + 1 offsets into col_index/values (CSR) */
	uint32_t *col_index; /* column of each stored value, increasing per row */
	float *values;       /* stored values; never NaN after tm_dataset_impute */
	size_t nnz;          /* stored values (sparse) */
};

struct tm_dataset {
	char *name;          /* from @relation, the file name, or the generator */
	char *source_path;   /* the file read (NULL when generated) */
	char *format;        /* "arff", "libsvm", "csv", "synth" */
	size_t n_samples;
	size_t n_features;
	size_t n_tasks;
	struct tm_features x;  /* features; missing values are NaN until imputed */
	int8_t *labels;        /* n_samples * n_tasks, sample-major: TM_LABEL_* */
	char **task_names;     /* n_tasks names */
	char **feature_names;  /* n_features names */
	size_t n_missing_features; /* feature values read as '?' (NaN) */
	size_t n_missing_labels;   /* label values read as '?' */
	char **notes;          /* things the user should know (skipped columns...) */
	size_t n_notes;
};

struct tm_read_options {
	const char *format;       /* "auto" or NULL: by extension; or "arff", "libsvm", "csv", "tsv" */
	const char *xml_path;     /* Mulan label XML naming the label attributes (ARFF) */
	const char *const *drop;  /* attribute / column names to drop (e.g. an ID) */
	size_t n_drop;
	const char *labels;       /* CSV: comma-separated label column names */
	const char *label_prefix; /* CSV: label columns are those starting with this */
	size_t memory_limit;      /* refuse files whose estimate exceeds this (0: 8 GiB) */
};

/*
 * tm_dataset_read - read @path into a new dataset (*@out, free with
 * tm_dataset_destroy). The format is chosen by @options->format or by the
 * extension (after stripping .gz/.xz/.bz2): .arff, .svm/.libsvm/.txt, .csv,
 * .tsv. The memory a file needs is estimated from its header before the rows
 * are read and refused beyond the limit. @options may be NULL.
 * Conventions (details at the top of read-arff.c, read-libsvm.c, read-csv.c):
 * ARFF labels come from @options->xml_path when given, else from MEKA's
 * "-C L" in @relation; tasks are numbered in attribute order; a 2-value
 * nominal is 1 for its true-like value (1/yes/true...; else the second
 * value), a k-value nominal feature is its 0-based index; string and date
 * attributes are skipped with a note. LIBSVM feature indices are 0-based
 * (XC format). Errors: TM_ERR_INPUT "FILE:LINE[:FIELD]: ...", TM_ERR_IO when
 * the file cannot be read, TM_ERR_USAGE for an unknown format; *@out is then
 * NULL.
 */
int tm_dataset_read(struct tm_dataset **out, const char *path,
		    const struct tm_read_options *options, struct tm_error *err);

/* tm_dataset_destroy - free a dataset and everything it owns; accepts NULL. */
void tm_dataset_destroy(struct tm_dataset *dataset);

/*
 * tm_dataset_append - append the samples of @more to @dataset (e.g. a Mulan
 * -test file after its -train file). Both must have the same tasks and
 * features in the same order, else TM_ERR_INPUT naming the first difference.
 */
int tm_dataset_append(struct tm_dataset *dataset, const struct tm_dataset *more,
		      struct tm_error *err);

/*
 * tm_dataset_keep_rows - keep only rows @rows (n_rows of them, strictly
 * increasing) of @dataset, which become rows 0 .. n_rows - 1, features and
 * labels alike; the arrays shrink to fit. How a rank of data-parallel
 * training drops the rows it does not train on. Names, notes and the counts
 * of missing values still describe the file read. TM_ERR_USAGE (nothing
 * changed) when @rows are not increasing or name a row beyond the data.
 */
int tm_dataset_keep_rows(struct tm_dataset *dataset, const size_t *rows, size_t n_rows,
			 struct tm_error *err);

/*
 * tm_dataset_pack_rows - rows @rows (n_rows of them, any order) of @dataset,
 * their features (dense or CSR as stored) and labels, and the task names, as
 * one byte string in *@bytes (malloc'ed, free it) of *@n_bytes bytes: how
 * rank 0 of data-parallel training hands another rank its rows. In this
 * machine's byte order (the ranks of one job share the architecture).
 * TM_ERR_USAGE for a row beyond the data, TM_ERR_NOMEM.
 */
int tm_dataset_pack_rows(const struct tm_dataset *dataset, const size_t *rows, size_t n_rows,
			 void **bytes, size_t *n_bytes, struct tm_error *err);

/*
 * tm_dataset_unpack - a new dataset (*@out, free with tm_dataset_destroy)
 * from a tm_dataset_pack_rows byte string: the packed rows in their order,
 * with their features, labels and task names; no name, path, format,
 * feature names (NULL), notes or counts of missing values. Takes @bytes
 * (malloc'ed) over, whatever happens: dense features are moved to the front
 * of its block, which becomes the feature matrix (no second copy of the
 * rows), else it is freed. TM_ERR_INPUT when the bytes are not such a
 * string, TM_ERR_NOMEM; *@out is then NULL.
 */
int tm_dataset_unpack(struct tm_dataset **out, void *bytes, size_t n_bytes,
		      struct tm_error *err);

/* tm_dataset_label - the label of (sample, task): TM_LABEL_*. */
static inline int tm_dataset_label(const struct tm_dataset *dataset,
				   size_t sample, size_t task)
{
	return dataset->labels[sample * dataset->n_tasks + task];
}

/*
 * tm_dataset_impute - replace missing (NaN) feature values by the mean of
 * their column over @rows (the training split), and return how many were
 * replaced. A column with no observed value in @rows gets 0.
 */
size_t tm_dataset_impute(struct tm_dataset *dataset, const size_t *rows,
			 size_t n_rows);

/* tm_dataset_memory_bytes - bytes the dataset's arrays occupy. */
size_t tm_dataset_memory_bytes(const struct tm_dataset *dataset);

/* ---- splits ------------------------------------------------------------ */

/* Row indices of each part of a split; owned, free with tm_split_release. */
struct tm_split {
	size_t *train, *valid, *test;
	size_t n_train, n_valid, n_test;
};

/*
 * tm_split_random - shuffle rows [0, n_samples) with @seed and cut them into
 * test (@test_fraction), validation (@valid_fraction) and train (the rest);
 * each part is then sorted by row index. TM_ERR_USAGE when the fractions are
 * outside [0, 1), sum to 1 or more, or leave no training row.
 */
int tm_split_random(struct tm_split *split, size_t n_samples,
		    double valid_fraction, double test_fraction, uint64_t seed,
		    struct tm_error *err);

/*
 * tm_split_fixed_test - rows [0, n_train_file) are train (+ validation drawn
 * from them with @valid_fraction and @seed), rows [n_train_file, n_samples)
 * are the test split (a separate --test file appended after the training file).
 */
int tm_split_fixed_test(struct tm_split *split, size_t n_samples,
			size_t n_train_file, double valid_fraction, uint64_t seed,
			struct tm_error *err);

/* tm_split_release - free the index arrays; accepts NULL. */
void tm_split_release(struct tm_split *split);

/* ---- task sanity ---------------------------------------------------------- */

struct tm_task_check {
	size_t positives;     /* positive labels over the rows checked */
	size_t labelled;      /* labelled (not missing) rows */
	const char *excluded; /* NULL, or why the task cannot be analysed (static text;
				 the counts above give the numbers for a message) */
};

/*
 * tm_dataset_check_tasks - count each task's positives and labelled samples
 * over @rows and mark tasks with no positive, no negative, or fewer than
 * @min_labelled labelled samples as excluded (with the reason). @out has
 * n_tasks entries. Returns the number of excluded tasks.
 */
size_t tm_dataset_check_tasks(const struct tm_dataset *dataset,
			      const size_t *rows, size_t n_rows,
			      size_t min_labelled, struct tm_task_check *out);

/* ---- writing and generating --------------------------------------------- */

/*
 * tm_dataset_write_arff - write @dataset as ARFF (dense or sparse rows as
 * stored), labels last as {0,1} nominal attributes, '?' for missing, with
 * MEKA's "-C -L" in @relation so that it reads back with the labels found.
 * Written to a temporary name and renamed, so a failure leaves no half file.
 */
int tm_dataset_write_arff(const struct tm_dataset *dataset, const char *path,
			  struct tm_error *err);

enum tm_synth_structure {
	TM_SYNTH_LATENT,    /* each group shares latent factors: its labels co-occur */
	TM_SYNTH_HIERARCHY, /* one-vs-rest tasks over fine classes under super-classes */
};

struct tm_synth_options {
	enum tm_synth_structure structure;
	size_t n_groups;         /* planted groups (super-classes) */
	size_t tasks_per_group;  /* tasks (fine classes) per group */
	size_t n_samples;
	size_t n_features;
	double label_noise;      /* probability that a label is flipped */
	double positive_rate_min; /* latent: range of the tasks' positive rates */
	double positive_rate_max;
	double missing_fraction; /* fraction of labels made missing */
	uint64_t seed;
};

/* tm_synth_defaults - sensible defaults (4 groups x 4 tasks, 2000 x 32). */
void tm_synth_defaults(struct tm_synth_options *options);

/*
 * tm_synth_generate - make a dataset with planted task groups. *@out is a
 * new dataset; *@planted_groups a new array of n_tasks group indices (free
 * with free()). Deterministic in @options->seed. TM_ERR_USAGE for options
 * that cannot work (zero groups, rates outside (0,1), ...).
 */
int tm_synth_generate(struct tm_dataset **out, size_t **planted_groups,
		      const struct tm_synth_options *options, struct tm_error *err);

/*
 * tm_synth_write_truth - write the planted grouping as JSON in the format of
 * `taskmap recommend --format json` ({"groups": [{"tasks": [...]}, ...]}).
 */
int tm_synth_write_truth(const struct tm_dataset *dataset,
			 const size_t *planted_groups, size_t n_groups,
			 const char *path, struct tm_error *err);

/* ---- profile (taskmap inspect) -------------------------------------------- */

/* Tasks with fewer labelled samples than this are excluded by default. */
#define TM_MIN_LABELLED_DEFAULT 10

/* Two tasks whose positives co-occur. */
struct tm_task_pair {
	size_t task_a, task_b;  /* task_a < task_b */
	size_t both_positive;   /* samples positive for both */
	double jaccard;         /* both / either */
};

/* What `taskmap inspect` reports; arrays owned, free with tm_dataset_profile_release. */
struct tm_dataset_profile {
	double zero_fraction;       /* fraction of feature values that are 0 */
	size_t memory_bytes;        /* tm_dataset_memory_bytes */
	double label_cardinality;   /* positive labels per sample with any label */
	size_t n_missing_labels;
	struct tm_task_check *tasks; /* n_tasks: counts and exclusion over all samples */
	size_t *positives;          /* n_tasks */
	size_t n_excluded;
	struct tm_task_pair *top_pairs; /* most co-occurring first */
	size_t n_top_pairs;
};

/*
 * tm_dataset_profile - compute the profile over all samples, with at most
 * @max_pairs co-occurring task pairs (none beyond 8192 tasks).
 */
int tm_dataset_profile(const struct tm_dataset *dataset, size_t max_pairs,
		       struct tm_dataset_profile *profile, struct tm_error *err);

/* tm_dataset_profile_release - free the arrays; accepts NULL. */
void tm_dataset_profile_release(struct tm_dataset_profile *profile);

#endif
