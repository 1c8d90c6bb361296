/*
 * evaluations.h - part of store.h (include store.h, not this file): writing
 * the evaluations of `taskmap evaluate` - one row per grouping or baseline
 * trained and tested, with its per-(seed, task) held-out results. Reading
 * them summarised is in report-reads.h; raw rows are open to `taskmap query`.
 */
#ifndef TM_STORE_EVALUATIONS_H
#define TM_STORE_EVALUATIONS_H

#include <stddef.h>
#include <stdint.h>

/* One evaluation (table `evaluations`); strings borrowed. */
struct tm_evaluation_record {
	int64_t id;                /* filled by tm_store_write_evaluation */
	int64_t run_id;            /* the training run whose recipe and splits were used */
	int64_t grouping_id;       /* the grouping evaluated, 0 for baselines and files */
	const char *label;         /* "recommended", "all-in-one", "single-task", "random-1", ... */
	const char *kind;          /* "grouping", "all-in-one", "single-task", "random", "soft" */
	const char *groups_json;   /* JSON array of arrays of task indices; NULL: "[]" */
	int64_t n_seeds;
	int64_t models_trained;    /* -1: NULL */
	int64_t parameter_updates; /* optimiser steps x model parameters, summed; -1: NULL */
	double seconds;            /* wall time; NaN: NULL */
	const char *config_json;   /* seeds, recipe, notes; NULL: "{}" */
	int64_t reference_id;      /* the evaluation Δm is relative to (single-task); 0: NULL */
	double delta_m;            /* Δm in % against the reference; NaN: NULL */
	int64_t negative_transfer; /* tasks worse than the reference beyond noise; -1: NULL */
};

/* One held-out result (table `evaluation_results`); NaN is stored as NULL. */
struct tm_evaluation_result {
	int64_t seed;          /* the training seed */
	int64_t task_index;    /* the run's task index */
	double roc_auc, f1, accuracy;
	double threshold;      /* the probability threshold of f1, tuned on validation */
	double valid_roc_auc;  /* of the serving model(s) on the validation split */
};

/*
 * tm_store_write_evaluation - insert @evaluation (sets evaluation->id) and
 * its @n results, in one transaction or in the caller's open one (so a
 * whole `evaluate` commits at once). TM_ERR_DB on a constraint failure
 * (e.g. an unknown run).
 */
int tm_store_write_evaluation(struct tm_store *store, struct tm_evaluation_record *evaluation,
			      const struct tm_evaluation_result *results, size_t n,
			      struct tm_error *err);

#endif
