/*
 * analyses.h - part of store.h (include store.h, not this file): what
 * `taskmap analyze` writes and what `recommend` and the reports read back —
 * analyses, data-map statistics, relatedness matrices, groupings (hard and
 * soft memberships, stabilities, merge trees), the score of every candidate
 * k, and the gold labels of a run's training samples.
 *
 * Task numbering: every task_index here is the task's 0-based column in its
 * run (tasks.task_index). A matrix or grouping covers the run's analysed
 * (not excluded) tasks only; its `task_index` array maps its rows to runs.
 * Merge-tree node numbering follows SciPy's linkage: leaves are 0..n-1 in
 * the order of the grouping's member task indices (ascending), the node made
 * at step s (0-based) is n + s.
 *
 * NaN is stored as SQL NULL and read back as NaN. Records handed to
 * callbacks, and their strings, are borrowed and valid only during the call.
 */
#ifndef TM_STORE_ANALYSES_H
#define TM_STORE_ANALYSES_H

#include <stddef.h>
#include <stdint.h>

/* ---- gold labels of the training samples ------------------------------ */

/* Label values in tm_store_write_labels / tm_store_read_labels. */
#define TM_STORE_LABEL_MISSING ((int8_t)-1)

/*
 * tm_store_write_labels - record the gold labels (0, 1 or TM_STORE_LABEL_MISSING)
 * of task @task_index over the @n training positions of run @run_id (one
 * BLOB; replaces an earlier one). Joins an open transaction, else runs in
 * its own. Written by the trainer and importers once per run.
 */
int tm_store_write_labels(struct tm_store *store, int64_t run_id, int64_t task_index,
			  const int8_t *labels, size_t n, struct tm_error *err);

/*
 * tm_store_read_labels - the labels of one task into caller array @out of
 * @n entries. TM_ERR_NOT_FOUND when the run has no labels for that task
 * (callers then fall back to p >= 0.5 or refuse), TM_ERR_INPUT when the
 * stored BLOB does not have @n entries.
 */
int tm_store_read_labels(struct tm_store *store, int64_t run_id, int64_t task_index,
			 size_t n, int8_t *out, struct tm_error *err);

/* tm_store_has_labels - *@has = 1 when labels of every task of the run are stored. */
int tm_store_has_labels(struct tm_store *store, int64_t run_id, int *has,
			struct tm_error *err);

/* ---- analyses ------------------------------------------------------------ */

struct tm_analysis_record {
	int64_t id;              /* filled by tm_store_create_analysis */
	int64_t run_id;
	int64_t epoch_from;      /* first epoch of the window (0-based) */
	int64_t epoch_to;        /* one past the last epoch */
	const char *config_json; /* the options used, a JSON object; NULL: "{}" */
	const char *created_at;  /* read back only, ISO 8601 UTC */
};

/* tm_store_create_analysis - insert an analysis row; sets analysis->id. */
int tm_store_create_analysis(struct tm_store *store, struct tm_analysis_record *analysis,
			     struct tm_error *err);

/*
 * tm_store_list_analyses - call @fn for every analysis of run @run_id (0:
 * of all runs), oldest first.
 */
int tm_store_list_analyses(struct tm_store *store, int64_t run_id,
			   int (*fn)(void *context, const struct tm_analysis_record *analysis),
			   void *context, struct tm_error *err);

/* tm_store_analysis_get - call @fn once with analysis @analysis_id; TM_ERR_NOT_FOUND if none. */
int tm_store_analysis_get(struct tm_store *store, int64_t analysis_id,
			  int (*fn)(void *context, const struct tm_analysis_record *analysis),
			  void *context, struct tm_error *err);

/* tm_store_latest_analysis - the newest analysis of run @run_id (0: of any run). */
int tm_store_latest_analysis(struct tm_store *store, int64_t run_id, int64_t *analysis_id,
			     struct tm_error *err);

/* ---- data maps ------------------------------------------------------------ */

/* Data-map regions of a sample (docs/methods.md, "Analyzers"). */
enum tm_region {
	TM_REGION_NONE = 0, /* not labelled: no data-map point */
	TM_REGION_EASY = 1,
	TM_REGION_AMBIGUOUS = 2,
	TM_REGION_HARD = 3,
};

/* Per-task summary of a data map; fractions are over labelled samples. */
struct tm_datamap_task_record {
	int64_t task_index;
	double confidence;  /* mean over samples of the per-sample confidence */
	double variability; /* mean over samples of the per-sample variability */
	double correctness; /* mean over samples of the per-sample correctness */
	double easy_fraction, ambiguous_fraction, hard_fraction;
};

/* tm_store_write_datamap_tasks - insert @n task summaries (one transaction unless one is open). */
int tm_store_write_datamap_tasks(struct tm_store *store, int64_t analysis_id,
				 const struct tm_datamap_task_record *tasks, size_t n,
				 struct tm_error *err);

/* tm_store_list_datamap_tasks - call @fn for each task summary, task order. */
int tm_store_list_datamap_tasks(struct tm_store *store, int64_t analysis_id,
				int (*fn)(void *context, const struct tm_datamap_task_record *task),
				void *context, struct tm_error *err);

/*
 * The data map of one task: per training position, arrays of n_samples.
 * Positions with region TM_REGION_NONE (unlabelled) are not stored.
 */
struct tm_datamap_samples {
	int64_t task_index;
	size_t n_samples;
	const double *confidence;   /* mean gold-label probability over the window */
	const double *variability;  /* population standard deviation over the window */
	const double *correctness;  /* fraction of epochs with p(gold) > 0.5 */
	const unsigned char *region; /* enum tm_region */
	size_t stride;              /* store every stride-th labelled position (>= 1) */
};

/* tm_store_write_datamap_samples - insert one task's sample points. */
int tm_store_write_datamap_samples(struct tm_store *store, int64_t analysis_id,
				   const struct tm_datamap_samples *samples,
				   struct tm_error *err);

/* One stored data-map point, as read back. */
struct tm_datamap_point {
	int64_t task_index;
	int64_t position; /* training position */
	double confidence, variability, correctness;
	enum tm_region region;
};

/*
 * tm_store_list_datamap_samples - call @fn for every stored point of task
 * @task_index (-1: of all tasks), in (task, position) order.
 */
int tm_store_list_datamap_samples(struct tm_store *store, int64_t analysis_id,
				  int64_t task_index,
				  int (*fn)(void *context, const struct tm_datamap_point *point),
				  void *context, struct tm_error *err);

/* ---- relatedness matrices ------------------------------------------------- */

struct tm_matrix_record {
	int64_t id;              /* filled by tm_store_write_matrix */
	int64_t analysis_id;
	int64_t run_id;
	const char *estimator;   /* "datamap", "labels-phi", "consensus", ... */
	const char *kind;        /* "similarity", "distance" or "affinity" */
	int symmetric;           /* 1: only entries with task_i <= task_j are stored */
	size_t n_tasks;
	const char *params_json; /* the estimator's parameters; NULL: "{}" */
};

/*
 * tm_store_write_matrix - insert a matrix and its n_tasks^2 @values
 * (row-major; NaN stored as NULL) over tasks @task_index (n_tasks run task
 * indices). Symmetric matrices store their upper triangle with the
 * diagonal. One transaction unless one is open; sets matrix->id.
 */
int tm_store_write_matrix(struct tm_store *store, struct tm_matrix_record *matrix,
			  const int64_t *task_index, const double *values,
			  struct tm_error *err);

/* tm_store_list_matrices - call @fn for every matrix of an analysis, in id order. */
int tm_store_list_matrices(struct tm_store *store, int64_t analysis_id,
			   int (*fn)(void *context, const struct tm_matrix_record *matrix),
			   void *context, struct tm_error *err);

/* A matrix read back with its values; owned, free with tm_matrix_free(). */
struct tm_matrix {
	struct tm_matrix_record record; /* strings owned by this struct */
	int64_t *task_index;            /* n_tasks run task indices, ascending */
	double *values;                 /* n_tasks^2, row-major, both triangles; NaN = NULL */
};

/*
 * tm_store_read_matrix - matrix @matrix_id into a new *@out (symmetric
 * matrices mirrored). TM_ERR_NOT_FOUND when absent.
 */
int tm_store_read_matrix(struct tm_store *store, int64_t matrix_id, struct tm_matrix **out,
			 struct tm_error *err);

/*
 * tm_store_find_matrix - the id of the newest matrix of @estimator in
 * analysis @analysis_id; TM_ERR_NOT_FOUND when none.
 */
int tm_store_find_matrix(struct tm_store *store, int64_t analysis_id, const char *estimator,
			 int64_t *matrix_id, struct tm_error *err);

/*
 * tm_store_find_run_matrix - the id of the newest run-level matrix (one
 * recorded by the trainer, analysis_id NULL) of @estimator of run @run_id,
 * e.g. "tag", "cosine", "heads" (`train --affinity`); TM_ERR_NOT_FOUND when none.
 */
int tm_store_find_run_matrix(struct tm_store *store, int64_t run_id, const char *estimator,
			     int64_t *matrix_id, struct tm_error *err);

/* tm_matrix_free - accepts NULL. */
void tm_matrix_free(struct tm_matrix *matrix);

/* ---- groupings ------------------------------------------------------------ */

struct tm_grouping_record {
	int64_t id;              /* filled by tm_store_write_grouping */
	int64_t analysis_id;
	int64_t matrix_id;       /* the matrix clustered; 0 when none */
	int64_t run_id;
	const char *source;      /* "analysis" (default when NULL) or e.g. "planted" */
	const char *estimator;   /* read back only: the matrix's estimator, or NULL */
	const char *clustering;  /* "kmeans", "fuzzy-stg", "agglomerative-average", ... */
	int64_t k;
	const char *k_criterion; /* "given", "silhouette", "eigengap", ... */
	double stability;        /* mean per-task assignment stability; NaN: not measured */
	int unstable;            /* 1 when the bootstrap found the grouping unstable */
	int recommended;         /* 1 for the analysis's recommendation */
	const char *params_json; /* NULL: "{}"; may hold scores (ARI, silhouette, ...) */
	const char *created_at;  /* read back only */
};

/*
 * One (task, group) pair. Hard groupings have one row per task with
 * membership 1; soft ones a row per (task, group) with the membership weight
 * and assigned = 1 on the task's arg-max group.
 */
struct tm_grouping_member {
	int64_t task_index;
	int64_t group_index; /* 0-based */
	double membership;   /* in [0, 1]; a task's weights sum to 1 */
	int assigned;        /* 1: the task's hard group */
	double stability;    /* bootstrap: fraction of resamples agreeing; NaN: not measured */
};

/* One agglomerative merge (SciPy linkage conventions, see the top). */
struct tm_merge_step {
	int64_t left_node, right_node;
	double height; /* the linkage distance of the merge */
	int64_t size;  /* leaves under the new node */
};

/*
 * tm_store_write_grouping - insert a grouping, its @n_members member rows
 * and its @n_steps merge steps (may be 0) in one transaction (or the open
 * one); sets grouping->id. Marking it recommended clears the flag on the
 * analysis's other groupings.
 */
int tm_store_write_grouping(struct tm_store *store, struct tm_grouping_record *grouping,
			    const struct tm_grouping_member *members, size_t n_members,
			    const struct tm_merge_step *steps, size_t n_steps,
			    struct tm_error *err);

/* tm_store_list_groupings - call @fn for every grouping of an analysis, in id order. */
int tm_store_list_groupings(struct tm_store *store, int64_t analysis_id,
			    int (*fn)(void *context, const struct tm_grouping_record *grouping),
			    void *context, struct tm_error *err);

/* A grouping read back whole; owned, free with tm_grouping_free(). */
struct tm_grouping {
	struct tm_grouping_record record; /* strings owned by this struct */
	struct tm_grouping_member *members; /* (task, group) order */
	size_t n_members;
	int64_t *task_index;   /* the n_tasks distinct tasks, ascending (leaf order) */
	int64_t *assignment;   /* n_tasks: each task's hard group */
	size_t n_tasks;
	struct tm_merge_step *steps; /* n_steps, step order; NULL when none */
	size_t n_steps;
};

/* tm_store_read_grouping - grouping @grouping_id into a new *@out; TM_ERR_NOT_FOUND if none. */
int tm_store_read_grouping(struct tm_store *store, int64_t grouping_id,
			   struct tm_grouping **out, struct tm_error *err);

/* tm_grouping_free - accepts NULL. */
void tm_grouping_free(struct tm_grouping *grouping);

/*
 * tm_store_recommended_grouping - the recommended grouping of analysis
 * @analysis_id, or when it is 0 of the newest analysis of run @run_id (0:
 * of any run) that has one. TM_ERR_NOT_FOUND when none.
 */
int tm_store_recommended_grouping(struct tm_store *store, int64_t run_id,
				  int64_t analysis_id, int64_t *grouping_id,
				  struct tm_error *err);

/* ---- choice of k ---------------------------------------------------------- */

/* The score of one candidate k under one criterion (NaN: undefined at k). */
struct tm_k_score {
	int64_t matrix_id;      /* 0 when none */
	const char *clustering;
	const char *criterion;  /* "silhouette", "eigengap", "gap", ... */
	int64_t k;
	double score;
};

/* tm_store_write_k_scores - insert @n scores of analysis @analysis_id. */
int tm_store_write_k_scores(struct tm_store *store, int64_t analysis_id,
			    const struct tm_k_score *scores, size_t n, struct tm_error *err);

/* tm_store_list_k_scores - call @fn for every score, by matrix, clustering, criterion, k. */
int tm_store_list_k_scores(struct tm_store *store, int64_t analysis_id,
			   int (*fn)(void *context, const struct tm_k_score *score),
			   void *context, struct tm_error *err);

#endif
