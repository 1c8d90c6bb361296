/*
 * report-reads.h - part of store.h (include store.h, not this file): the
 * reads only `taskmap report` needs beyond analyses.h — a dataset's row and
 * a summary of each evaluation of a run's groupings. Records handed to
 * callbacks, and their strings, are borrowed and valid only during the call.
 */
#ifndef TM_STORE_REPORT_READS_H
#define TM_STORE_REPORT_READS_H

#include <stddef.h>
#include <stdint.h>

/* A dataset row read back (the strings of struct tm_dataset_record plus its id). */
struct tm_dataset_info {
	int64_t id;
	const char *name;
	const char *source_path;
	const char *sha256;      /* may be NULL */
	const char *format;
	int64_t n_samples, n_features, n_tasks;
};

/* tm_store_dataset_get - call @fn once with dataset @dataset_id; TM_ERR_NOT_FOUND if none. */
int tm_store_dataset_get(struct tm_store *store, int64_t dataset_id,
			 int (*fn)(void *context, const struct tm_dataset_info *dataset),
			 void *context, struct tm_error *err);

/*
 * One evaluation (a grouping or a baseline trained and tested) summarised
 * over its held-out results: means over every (seed, task) result, and the
 * standard deviation across seeds of the per-seed mean ROC-AUC (NaN with
 * fewer than two seeds). NaN where no result has the metric.
 */
struct tm_evaluation_summary {
	int64_t id;
	int64_t grouping_id;  /* 0 for baselines */
	const char *label;    /* "recommended", "all-in-one", "single-task", ... */
	const char *kind;
	int64_t n_seeds;
	int64_t models_trained; /* -1 when not recorded */
	double seconds;         /* NaN when not recorded */
	double roc_auc, roc_auc_sd, f1, accuracy;
	int64_t n_results;      /* (seed, task) results behind the means */
	double delta_m;         /* Δm in % against single-task; NaN when not stored */
	int64_t negative_transfer; /* tasks with negative transfer; -1 when not stored */
};

/*
 * tm_store_list_evaluation_summaries - call @fn for every evaluation of run
 * @run_id (evaluations of the run, or of groupings of the run), in id order.
 * No evaluation is not an error (@fn is never called).
 */
int tm_store_list_evaluation_summaries(struct tm_store *store, int64_t run_id,
				       int (*fn)(void *context,
						 const struct tm_evaluation_summary *evaluation),
				       void *context, struct tm_error *err);

#endif
