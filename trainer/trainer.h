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
	struct tm_trainer_source source; /* how the data was read */
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
 * Concurrency: a trainer holds a shared lock on "<db>.trainers" while it
 * trains; it marks runs still "running" as interrupted only when it can take
 * that lock exclusively, i.e. when no other trainer is alive.
 */
int tm_train_run(struct tm_store *store, const struct tm_dataset *dataset,
		 const struct tm_split *split, const struct tm_trainer_config *config,
		 const struct tm_progress *progress, int64_t *run_id,
		 struct tm_error *err);

/*
 * tm_train_resume - continue run @loaded->run_id from its last committed
 * epoch with its recorded configuration and splits. @dataset must be the
 * same data (its sha256 is compared when both are known). Returns like
 * tm_train_run.
 */
int tm_train_resume(struct tm_store *store, const struct tm_dataset *dataset,
		    const struct tm_trainer_loaded *loaded,
		    const struct tm_progress *progress, struct tm_error *err);

#endif
