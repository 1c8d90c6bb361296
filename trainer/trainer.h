/*
 * trainer.h - the lightweight multi-task trainer behind `taskmap train`: one
 * shared ReLU trunk with a sigmoid head per task, trained for a few epochs
 * while the gold-label probability of every (task, training sample) pair is
 * recorded per epoch into the store (the raw material of data maps).
 *
 * The whole API of the module: a plain configuration struct, a check that
 * returns NULL or a message, and two verbs (train a new run, resume one).
 * The formulas are written out in docs/methods.md.
 *
 * Determinism: the same configuration, data, seed and thread count give
 * bit-identical recordings; a resumed run records exactly what an
 * uninterrupted run records (each epoch's shuffle is seeded from (seed,
 * epoch), the rest of the state is in the checkpoint).
 */
#ifndef TM_TRAINER_H
#define TM_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "dataset.h"
#include "parallel.h"
#include "store.h"

#define TM_TRAINER_MAX_HIDDEN 8 /* hidden layers at most */

enum tm_optimizer_kind { TM_OPTIMIZER_ADAM, TM_OPTIMIZER_SGD };

enum tm_weighting_kind {
	TM_WEIGHTING_EQUAL,       /* every task weight 1 */
	TM_WEIGHTING_UNCERTAINTY, /* Kendall et al. 2018, learned log-variances */
	TM_WEIGHTING_DWA,         /* Liu et al. 2019, dynamic weight average */
	TM_WEIGHTING_DTB,         /* dynamic task balancing (docs/methods.md) */
	TM_WEIGHTING_FILE,        /* fixed weights read from weights_path */
};

enum tm_record_mode {
	TM_RECORD_TRAIN_PASS, /* p from the training forward pass of the sample's batch */
	TM_RECORD_EVAL_PASS,  /* p from a clean pass over the training split after each epoch */
	TM_RECORD_NONE,       /* record nothing (benchmarks only; not in --help) */
};

/* --affinity: gradient affinities recorded during training (trainer/affinity.c) */
enum tm_affinity_kinds {
	TM_AFFINITY_TAG = 1 << 0,    /* TAG lookahead inter-task affinity (Fifty et al. 2021) */
	TM_AFFINITY_COSINE = 1 << 1, /* mean cosine of per-task trunk gradients */
	TM_AFFINITY_HEADS = 1 << 2,  /* SVD factors of accumulated head gradients */
};

enum tm_keep_mode {
	TM_KEEP_ALL,     /* one 16-bit BLOB per task and epoch */
	TM_KEEP_SUMMARY, /* only running (Welford) summaries per task */
};

/* Where the data came from: recorded in the run so `--resume` can re-read it. */
struct tm_trainer_source {
	const char *data_path;     /* DATA as given (NULL for in-memory data) */
	const char *xml_path;      /* --xml, or NULL */
	const char *test_path;     /* --test, or NULL */
	const char *format;        /* reader format, NULL for "auto" */
	const char *labels;        /* --labels (CSV), or NULL */
	const char *label_prefix;  /* --label-prefix (CSV), or NULL */
	const char *const *drop;   /* --drop names */
	size_t n_drop;
	double valid_fraction;     /* --valid, default 0.1 */
	double test_fraction;      /* --test-fraction without --test, default 0.2 */
	size_t min_labelled;       /* --min-labelled: fewer labelled samples excludes a task */
};

struct tm_trainer_config {
	const char *run_name;        /* --run; NULL lets the store name it run-<id> */
	size_t n_epochs;             /* --epochs, default 10 */
	size_t hidden[TM_TRAINER_MAX_HIDDEN]; /* --hidden widths of the trunk's layers */
	size_t n_hidden;             /* 0: a linear model per task (--hidden 0) */
	size_t batch_size;           /* --batch, default 128 */
	double learning_rate;        /* --lr, default 1e-3 */
	enum tm_optimizer_kind optimizer; /* --optimizer, default adam */
	double momentum;             /* --momentum (sgd), default 0.9 */
	double weight_decay;         /* --weight-decay (L2 added to the gradient), default 0 */
	enum tm_weighting_kind weighting; /* --weighting, default equal */
	const char *weights_path;    /* file:PATH for TM_WEIGHTING_FILE */
	double dwa_temperature;      /* DWA's T, default 2 */
	double dtb_gamma;            /* DTB's sample-difficulty exponent, default 1 */
	int balance;                 /* --balance: w_pos = n_neg / n_pos per task */
	enum tm_record_mode record;  /* --record, default train-pass */
	enum tm_keep_mode keep;      /* --keep, default all */
	uint64_t seed;               /* --seed, default 1 */
	int threads;                 /* --threads: OpenBLAS threads, default 1 */
	unsigned affinity;           /* --affinity: enum tm_affinity_kinds flags, default 0 */
	size_t affinity_every;       /* --affinity-every: measure every k-th step, default 10 */
	size_t affinity_sources;     /* --affinity-sources: TAG sources per step, 0 = all */
	struct tm_trainer_source source; /* how the data was read */
	/*
	 * How the run is executed, not part of its recipe: the ranks of
	 * `mpirun -np N taskmap train` (NULL: this process alone). Every rank
	 * calls tm_train_run / tm_train_resume with the same configuration;
	 * only rank 0 passes the data, split and store (the others pass NULL).
	 * Recorded in the run's JSON as "ranks" when more than one.
	 */
	const struct tm_parallel *parallel;
};

/* tm_trainer_config_defaults - fill @config with the documented defaults. */
void tm_trainer_config_defaults(struct tm_trainer_config *config);

/*
 * tm_trainer_check_config - NULL when @config can train @n_train samples
 * (pass 0 when not yet known), else a static message naming the option.
 */
const char *tm_trainer_check_config(const struct tm_trainer_config *config,
				    size_t n_train);

/*
 * tm_trainer_parse_hidden - parse "64", "256,64" or "0" into @config->hidden.
 * Returns 0, or TM_ERR_USAGE with @err filled.
 */
int tm_trainer_parse_hidden(struct tm_trainer_config *config, const char *text,
			    struct tm_error *err);

/*
 * tm_trainer_parse_affinity - parse "tag,cosine,heads" (any subset, or
 * "none") into @config->affinity. Returns 0, or TM_ERR_USAGE with @err filled.
 */
int tm_trainer_parse_affinity(struct tm_trainer_config *config, const char *text,
			      struct tm_error *err);

/* Names of the enum values as written in options and the run's JSON. */
const char *tm_trainer_weighting_name(enum tm_weighting_kind kind);
const char *tm_trainer_record_name(enum tm_record_mode mode);

/*
 * tm_trainer_config_to_json - the full configuration as a JSON object text
 * (jansson), with @data_sha256 (may be NULL). *@json is new: free().
 */
int tm_trainer_config_to_json(const struct tm_trainer_config *config,
			      const char *data_sha256, char **json,
			      struct tm_error *err);

/*
 * A configuration read back from a run: strings point into @owner, so it
 * stays valid until tm_trainer_loaded_release.
 */
struct tm_trainer_loaded {
	struct tm_trainer_config config;
	int64_t run_id;
	int64_t epochs_done;
	char *data_sha256;  /* recorded hash of DATA, or NULL */
	void *owner;        /* the parsed JSON document */
	const char **drop;  /* array behind config.source.drop */
};

/*
 * tm_trainer_load - read the configuration of run @which (name or id) to
 * resume it. TM_ERR_NOT_FOUND when there is no such run, TM_ERR_USAGE when it
 * is not a training run or is already done. Release with
 * tm_trainer_loaded_release (also after a failure).
 */
int tm_trainer_load(struct tm_store *store, const char *which,
		    struct tm_trainer_loaded *loaded, struct tm_error *err);

/*
 * tm_trainer_load_json - like tm_trainer_load, from a run's configuration
 * JSON text (runs.config), its id and committed epochs: how the ranks of an
 * MPI run other than rank 0, which open no database, learn what to resume.
 * Release with tm_trainer_loaded_release (also after a failure).
 */
int tm_trainer_load_json(const char *config_json, int64_t run_id, int64_t epochs_done,
			 struct tm_trainer_loaded *loaded, struct tm_error *err);

/* tm_trainer_loaded_release - free what tm_trainer_load allocated; accepts NULL. */
void tm_trainer_loaded_release(struct tm_trainer_loaded *loaded);

/*
 * tm_train_run - train a new run on @dataset with @split (train rows are
 * recorded; valid rows give validation metrics; test rows are only listed)
 * and commit every epoch to @store. Missing feature values must have been
 * imputed. The run id goes to *@run_id as soon as the run exists (so the
 * caller can name it after a failure).
 *
 * Returns 0 when all epochs are done; TM_ERR_INTERRUPTED when @progress
 * asked to stop (the run is then "interrupted" and can be resumed); another
 * negative code on failure (the run is marked "failed" when it exists).
 * Committed epochs are never lost.
 *
 * With several ranks (config->parallel, under mpirun) only rank 0 reads the
 * data: it passes @dataset and @split (and @store), the other ranks pass
 * NULL for all three, and rank 0 hands each of them the rows of its shard of
 * the training split (tm_dataset_pack_rows over MPI). Once the run is set
 * up, rank 0 keeps only its own shard and the validation rows: @dataset is
 * compacted by tm_dataset_keep_rows and holds fewer rows on return (destroy
 * it as usual; read nothing else from it). Rank 0 reports the rows each rank
 * holds as a "note" on @progress. A lone process leaves @dataset unchanged.
 *
 * Concurrency: a trainer holds a shared lock on "<db>.trainers" while it
 * trains; it marks runs still "running" as interrupted only when it can take
 * that lock exclusively, i.e. when no other trainer is alive.
 */
int tm_train_run(struct tm_store *store, struct tm_dataset *dataset,
		 const struct tm_split *split, const struct tm_trainer_config *config,
		 const struct tm_progress *progress, int64_t *run_id,
		 struct tm_error *err);

/*
 * tm_train_resume - continue run @loaded->run_id from its last committed
 * epoch with its recorded configuration and splits. @dataset must be the
 * same data (its sha256 is compared when both are known). Under mpirun, as
 * for tm_train_run, the ranks but 0 pass NULL @store and @dataset (any rank
 * count resumes). Returns like tm_train_run.
 */
int tm_train_resume(struct tm_store *store, struct tm_dataset *dataset,
		    const struct tm_trainer_loaded *loaded,
		    const struct tm_progress *progress, struct tm_error *err);

/*
 * tm_trainer_load_recipe - like tm_trainer_load, but for reading the recipe
 * of a training run in any state (done too), e.g. to train more models the
 * same way. TM_ERR_USAGE when the run is not a training run.
 */
int tm_trainer_load_recipe(struct tm_store *store, const char *which,
			   struct tm_trainer_loaded *loaded, struct tm_error *err);

/* ---- in-memory fits (fit.c) ------------------------------------------------ */

/* What one in-memory fit trains on and predicts; every pointer borrowed. */
struct tm_fit_spec {
	const struct tm_dataset *dataset; /* missing features imputed */
	const size_t *train_rows;         /* dataset rows to train on */
	size_t n_train;
	const size_t *tasks;              /* dataset task columns: the model's heads */
	size_t n_tasks;
	const float *task_weight;         /* per-head loss factor (soft membership), NULL: 1 */
	const size_t *predict_rows;       /* dataset rows to predict */
	size_t n_predict;
	uint64_t seed;                    /* initial parameters and shuffles */
};

/* What fits cost; tm_fit_predict adds to it. */
struct tm_fit_cost {
	uint64_t models;            /* models trained */
	uint64_t steps;             /* optimiser steps (batches) */
	uint64_t parameter_updates; /* steps x parameters of the model, summed */
};

/*
 * tm_fit_predict - train one model on @spec's rows and tasks with the recipe
 * @config (hidden widths, optimiser, lr, momentum, weight decay, epochs,
 * batch, weighting, balance, threads; a file weighting becomes equal, since
 * its file names the run's tasks) and write its logits on the predict rows
 * to @logits (n_predict x n_tasks, sample-major; p = sigmoid). Nothing is
 * recorded. Adds to *@cost (may be NULL). @progress gets stage "fit" once
 * per epoch; a stop request gives TM_ERR_INTERRUPTED. TM_ERR_USAGE for an
 * impossible spec, TM_ERR_NUMERIC when training diverges.
 */
int tm_fit_predict(const struct tm_trainer_config *config, const struct tm_fit_spec *spec,
		   float *logits, struct tm_fit_cost *cost, const struct tm_progress *progress,
		   struct tm_error *err);

/* ---- evaluating groupings by training them (evaluate.c) ----------------------- */

/*
 * A grouping as models to train: group g trains the tasks
 * member_task[group_start[g] .. group_start[g + 1]). Hard (member_weight
 * NULL): a task in several groups is served by the model with the best
 * validation ROC-AUC. Soft: each group's model weighs its tasks' losses by
 * member_weight and a task's logit is the membership-weighted mean of its
 * groups' logits (STG-MTL).
 */
struct tm_eval_groups {
	const char *label;           /* for progress messages */
	size_t n_groups;
	const size_t *group_start;   /* n_groups + 1 offsets */
	const size_t *member_task;   /* dataset task columns */
	const double *member_weight; /* soft memberships (> 0), or NULL for hard */
};

/* The data and recipe shared by every grouping evaluated; all borrowed. */
struct tm_eval_setup {
	const struct tm_dataset *dataset;       /* imputed like the run */
	const struct tm_trainer_config *config; /* the recipe */
	const size_t *train_rows, *valid_rows, *test_rows;
	size_t n_train, n_valid, n_test;
	const size_t *tasks;                    /* the tasks measured (dataset columns) */
	size_t n_tasks;
	const uint64_t *seeds;                  /* one full training per seed */
	size_t n_seeds;
};

/* One task's held-out numbers for one seed (NaN where undefined). */
struct tm_eval_task_result {
	double roc_auc;       /* on the test rows */
	double f1;            /* on the test rows at the threshold below */
	double accuracy;      /* on the test rows at p >= 0.5 */
	double threshold;     /* probability maximising F1 on the validation rows (0.5 without) */
	double valid_roc_auc; /* of the serving model(s) on the validation rows */
};

struct tm_eval_result {
	size_t n_seeds, n_tasks;
	struct tm_eval_task_result *results; /* n_seeds x n_tasks, seed-major; owned */
	struct tm_fit_cost cost;
	double seconds;                      /* wall time */
};

/*
 * tm_evaluate_groups - for every seed, train one model per group of
 * @groups on the training rows (tm_fit_predict), and measure every task of
 * @setup on the test rows. A task no group trains gets NaN. @progress gets
 * stage "model" per model trained (and "fit" per epoch); a stop request
 * gives TM_ERR_INTERRUPTED. @out is filled on success; release with
 * tm_eval_result_release (also after a failure).
 */
int tm_evaluate_groups(const struct tm_eval_setup *setup, const struct tm_eval_groups *groups,
		       const struct tm_progress *progress, struct tm_eval_result *out,
		       struct tm_error *err);

/* tm_eval_result_release - free the results; accepts NULL. */
void tm_eval_result_release(struct tm_eval_result *result);

#endif
