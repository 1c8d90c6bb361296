/*
 * analyzers.h - the whole API of the analyzers: data maps over an epoch
 * window, task relatedness estimators, clustering of tasks (k-means, fuzzy
 * c-means, agglomerative, spectral), the choice of k, bootstrap stability,
 * clustering metrics, and `taskmap analyze` / `recommend` on top of the
 * store. Formulas and their papers: docs/methods.md, "Analyzers".
 *
 * Matrices are dense, row-major, double, n x n. Tasks are numbered 0..n-1 in
 * the order of the data map (the run's analysed tasks, ascending index).
 * Nothing here prints, exits or keeps global state; every function returns 0
 * or a negative enum tm_err and fills the optional struct tm_error.
 */
#ifndef TM_ANALYZERS_H
#define TM_ANALYZERS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "store.h"

/* ---- data maps (datamap.c) ------------------------------------------------ */

/* The data maps of a run's analysed tasks over one epoch window; owned. */
struct tm_datamap {
	size_t n_tasks;
	size_t n_samples;      /* training positions */
	int64_t run_id;
	int64_t epoch_from, epoch_to; /* the window [from, to) */
	int64_t *task_index;   /* n_tasks run task indices, ascending */
	char **task_names;     /* n_tasks names */
	float *confidence;     /* n_tasks x n_samples; NaN where the label is missing */
	float *variability;    /* population std of p(gold) over the window; NaN if missing */
	float *correctness;    /* fraction of epochs with p(gold) > 0.5; NaN if missing */
	int8_t *labels;        /* n_tasks x n_samples 0/1/-1 (missing), NULL if not stored */
	unsigned char *region; /* n_tasks x n_samples enum tm_region */
	double ambiguous_threshold; /* pooled variability tertile used for regions */
	size_t n_epochs;       /* epochs in the window kept per sample; 0 for summary-only runs */
	uint16_t *epoch_codes; /* n_tasks x n_epochs x n_samples encoded p(gold)
				  (tm_dynamics_decode), NULL when n_epochs is 0 */
};

/*
 * tm_datamap_load - read the dynamics of run @run_id over epochs
 * [@epoch_from, @epoch_to) (negative values count from the end, @epoch_to 0
 * is the end, like a Python slice) and compute every task's data map. Excluded tasks are left out.
 * Runs kept as summaries only allow the full window (TM_ERR_USAGE otherwise).
 * TM_ERR_USAGE for an empty or out-of-range window, TM_ERR_INPUT when the run
 * has no analysable task. *@out is new; free with tm_datamap_free().
 */
int tm_datamap_load(struct tm_store *store, int64_t run_id, int64_t epoch_from,
		    int64_t epoch_to, struct tm_datamap **out,
		    const struct tm_progress *progress, struct tm_error *err);

/*
 * tm_datamap_from_probabilities - build a data map from memory: @p holds
 * n_tasks x n_epochs x n_samples gold-label probabilities (task-major, then
 * epoch; NaN = missing), @labels n_tasks x n_samples or NULL. Names and
 * indices default to "task-<i>" and i. For tests and importers.
 */
int tm_datamap_from_probabilities(const double *p, const int8_t *labels, size_t n_tasks,
				  size_t n_epochs, size_t n_samples,
				  struct tm_datamap **out, struct tm_error *err);

/*
 * tm_datamap_resample - a new data map whose samples are @sample[0..n-1] of
 * @map (with repetition: a bootstrap resample), without task names.
 */
int tm_datamap_resample(const struct tm_datamap *map, const size_t *sample, size_t n,
			struct tm_datamap **out, struct tm_error *err);

/* tm_datamap_task_summary - the per-task summary row of task @t (0-based). */
void tm_datamap_task_summary(const struct tm_datamap *map, size_t t,
			     struct tm_datamap_task_record *record);

/* tm_datamap_free - accepts NULL. */
void tm_datamap_free(struct tm_datamap *map);

#define TM_DECODE_CODES 65536 /* entries of tm_dynamics_decode_table() */

/*
 * tm_dynamics_decode_table - a new array of TM_DECODE_CODES doubles, entry q
 * = tm_dynamics_decode(q) (the same value to the bit, NaN for
 * TM_DYNAMICS_MISSING): a lookup instead of a division per decoded value.
 * Free with free(); NULL when out of memory.
 */
double *tm_dynamics_decode_table(void);

/* ---- relatedness (relatedness.c) ------------------------------------------ */

enum tm_estimator {
	TM_ESTIMATOR_DATAMAP_STG, /* STG-MTL: raw (confidence, variability) vectors, Euclidean */
	TM_ESTIMATOR_DATAMAP,     /* Pearson of confidence profiles, pairwise complete */
	TM_ESTIMATOR_LABELS,      /* phi coefficient (+ r(j|i)) */
	TM_ESTIMATOR_PREDICTIONS, /* Pearson of predicted P(y = 1), window mean */
	TM_ESTIMATOR_PREDICTIONS_EPOCHWISE, /* mean over epochs of per-epoch Pearson of P(y = 1) */
	/* recorded by `train --affinity` (recorded.c; read from the store, not the data map) */
	TM_ESTIMATOR_TAG,         /* TAG lookahead affinity, symmetrised and normalised */
	TM_ESTIMATOR_COSINE,      /* mean cosine of per-task trunk gradients */
	TM_ESTIMATOR_HEADS,       /* cosine of head-gradient SVD factors */
	TM_ESTIMATOR_COUNT,
};

/* A relatedness estimate of n tasks; owned, free with tm_relatedness_release. */
struct tm_relatedness {
	enum tm_estimator estimator;
	size_t n_tasks;
	double *gram;        /* inner products: d(i,j)^2 = g_ii + g_jj - 2 g_ij (kernel k-means) */
	double *distance;    /* Euclidean distance in that space */
	/* in [0, 1], 1 on the diagonal: within-group similarity, train-alone, reports
	 * (spectral clustering builds its own from the distance, by local scaling) */
	double *affinity;
	double *stored;      /* what is stored: correlation ("similarity") or distance */
	const char *stored_kind; /* "similarity" or "distance" */
	double *conditional; /* labels only: r(j|i) = P(y_j=1 | y_i=1) at [i*n + j]; else NULL */
	size_t n_constant;   /* tasks with no variation (similarity 0 to all others) */
	size_t n_sparse_pairs; /* pairs with fewer than 3 common labelled samples (similarity 0) */
};

/*
 * tm_estimator_name / tm_estimator_parse - "datamap-stg", "datamap", "labels",
 * "predictions", "predictions-epochwise".
 */
const char *tm_estimator_name(enum tm_estimator estimator);
int tm_estimator_parse(const char *name, enum tm_estimator *out);

/*
 * tm_relatedness_compute - estimate the relatedness of @map's tasks with
 * @estimator into @out (its arrays new). "labels", "predictions" and
 * "predictions-epochwise" need stored labels, the last also per-epoch
 * dynamics (TM_ERR_INPUT otherwise). Never leaves NaN in the output:
 * constant tasks and pairs with too few common samples get similarity 0.
 */
int tm_relatedness_compute(const struct tm_datamap *map, enum tm_estimator estimator,
			   struct tm_relatedness *out, struct tm_error *err);

/* tm_estimator_is_recorded - 1 for the estimators `train --affinity` records. */
int tm_estimator_is_recorded(enum tm_estimator estimator);

/*
 * tm_relatedness_recorded - the relatedness of @map's tasks from the matrix
 * the trainer recorded for run map->run_id (tm_store_find_run_matrix),
 * restricted to the map's tasks, NaN (never measured) taken as 0. Cosine
 * and heads are similarities in [-1, 1] used as they are; TAG's Z is
 * symmetrised S = (Z + Z^T)/2 and normalised r_ij = S_ij / sqrt(S_ii S_jj)
 * (0 when a diagonal is not positive), clipped to [-1, 1]. Then gram = r,
 * distance sqrt(2 - 2r), affinity max(0, r) as for correlations. For TAG,
 * *@raw (may be NULL) gets the raw asymmetric Z over the map's tasks (new,
 * free()); else NULL. TM_ERR_NOT_FOUND when the run has no such matrix.
 */
int tm_relatedness_recorded(struct tm_store *store, const struct tm_datamap *map,
			    enum tm_estimator estimator, struct tm_relatedness *out, double **raw,
			    struct tm_error *err);

/* tm_relatedness_release - free the arrays; accepts NULL. */
void tm_relatedness_release(struct tm_relatedness *relatedness);

/*
 * tm_pairwise_correlation - Pearson correlation of the rows of @x (n_rows x
 * n_cols floats, NaN = missing) over the columns both rows have, with BLAS.
 * @out (n_rows^2) gets the correlations, @common (may be NULL) the number of
 * common columns. Rows or pairs without variation, or with fewer than
 * @min_common common columns, get 0 (1 on the diagonal).
 */
int tm_pairwise_correlation(const float *x, size_t n_rows, size_t n_cols, size_t min_common,
			    double *out, double *common, struct tm_error *err);

/* ---- clustering (kmeans.c, fuzzy.c, agglomerative.c, spectral.c) ---------- */

enum tm_linkage { TM_LINKAGE_AVERAGE, TM_LINKAGE_COMPLETE, TM_LINKAGE_WARD };

enum tm_method {
	TM_METHOD_KMEANS,
	TM_METHOD_FUZZY_STG,   /* k-means, then STG-MTL memberships from its centroids */
	TM_METHOD_FUZZY,       /* iterated fuzzy c-means */
	TM_METHOD_AVERAGE,     /* agglomerative, average linkage */
	TM_METHOD_COMPLETE,
	TM_METHOD_WARD,
	TM_METHOD_SPECTRAL,
	TM_METHOD_SPECTRAL_AVERAGE, /* spectral embedding, then average linkage on its rows */
	TM_METHOD_COUNT,
};

/* tm_method_name / tm_method_parse - "kmeans", "fuzzy-stg", "fuzzy", "agglomerative-average", ... */
const char *tm_method_name(enum tm_method method);
int tm_method_parse(const char *name, enum tm_method *out);

/* A partition of n tasks into k groups; owned, free with tm_clustering_release. */
struct tm_clustering {
	size_t n_tasks, k;
	size_t *assignment;  /* n_tasks group indices in 0..k-1, numbered by first task */
	double *membership;  /* n_tasks x k weights (rows sum to 1); one-hot when hard */
	struct tm_merge_step *steps; /* agglomerative: n_tasks - 1 merges; else NULL */
	size_t n_steps;
	double objective;    /* k-means: within-cluster sum of squares; else method's own */
};

/* tm_clustering_release - free the arrays; accepts NULL. */
void tm_clustering_release(struct tm_clustering *clustering);

/*
 * tm_kmeans - k-means of n points given by their Gram matrix @gram (kernel
 * k-means: identical to k-means on the feature vectors), k-means++ seeding,
 * @restarts seeded restarts (best objective kept), Lloyd iterations to
 * convergence. Deterministic in @seed. TM_ERR_USAGE when k is 0 or > n.
 */
int tm_kmeans(const double *gram, size_t n, size_t k, size_t restarts, uint64_t seed,
	      struct tm_clustering *out, struct tm_error *err);

/*
 * tm_fuzzy_from_centroids - STG-MTL's memberships: u_ic from the distances of
 * point i to the centroids of the hard partition @hard, fuzzifier @m > 1.
 * Fills hard->membership (n x k) in place.
 */
int tm_fuzzy_from_centroids(const double *gram, struct tm_clustering *hard, double m,
			    struct tm_error *err);

/*
 * tm_fuzzy_cmeans - iterated fuzzy c-means (Bezdek) in the space of @gram,
 * started from the k-means solution; assignment = arg-max membership.
 */
int tm_fuzzy_cmeans(const double *gram, size_t n, size_t k, double m, size_t restarts,
		    uint64_t seed, struct tm_clustering *out, struct tm_error *err);

/*
 * tm_agglomerative - the whole merge tree of n points from @distance (n x n)
 * with @linkage (Ward via the Lance-Williams update on squared distances,
 * heights in distance units). Fills out->steps; k and assignment are left
 * for tm_tree_cut.
 */
int tm_agglomerative(const double *distance, size_t n, enum tm_linkage linkage,
		     struct tm_clustering *out, struct tm_error *err);

/* tm_tree_cut - cut @tree into k groups (undo the last k - 1 merges); fills assignment. */
int tm_tree_cut(struct tm_clustering *tree, size_t k, struct tm_error *err);

/*
 * tm_spectral_embed - the normalised spectral embedding of @affinity (Ng,
 * Jordan and Weiss 2002): the @n_vectors (1..n) largest eigenvalues of
 * M = D^-1/2 A D^-1/2 (zero diagonal) in decreasing order into @eigenvalues
 * (n_vectors) and their eigenvectors into @vectors (n x n_vectors, row-major,
 * column c = c-th eigenvector). Up to 400 tasks, or when more than half the
 * eigenvectors are wanted, GSL's symmetric eigensolver; above, Chebyshev-
 * filtered subspace iteration from a fixed start (deterministic; residuals
 * below 1e-6, docs/methods.md). TM_ERR_USAGE when n_vectors is 0 or > n.
 */
int tm_spectral_embed(const double *affinity, size_t n, size_t n_vectors, double *eigenvalues,
		      double *vectors, struct tm_error *err);

/*
 * tm_spectral - spectral clustering into k groups from an embedding made by
 * tm_spectral_embed (@n_vectors columns, k <= n_vectors): k-means on the
 * row-normalised first k eigenvectors.
 */
int tm_spectral(const double *vectors, size_t n, size_t n_vectors, size_t k, size_t restarts,
		uint64_t seed, struct tm_clustering *out, struct tm_error *err);

/*
 * tm_spectral_average - as tm_spectral, but average-linkage agglomerative
 * clustering of the row-normalised first k eigenvectors (Euclidean) cut at
 * k, in place of k-means: deterministic, no restarts. out->steps gets the
 * merge tree of that k's embedding.
 */
int tm_spectral_average(const double *vectors, size_t n, size_t n_vectors, size_t k,
			struct tm_clustering *out, struct tm_error *err);

/* ---- metrics (metrics.c) ----------------------------------------------------- */

/* tm_adjusted_rand_index - ARI of two partitions of n items (1 when identical). */
double tm_adjusted_rand_index(const size_t *a, const size_t *b, size_t n);

/* tm_normalized_mutual_information - NMI with the arithmetic-mean normaliser (sklearn default). */
double tm_normalized_mutual_information(const size_t *a, const size_t *b, size_t n);

/*
 * tm_silhouette - mean silhouette width (Rousseeuw 1987) of @assignment
 * under @distance; singletons score 0. 0 when k < 2 or k >= n.
 * @per_item (may be NULL) gets each item's width.
 */
double tm_silhouette(const double *distance, size_t n, const size_t *assignment, size_t k,
		     double *per_item);

/* ---- the choice of k (choose-k.c) --------------------------------------------- */

enum tm_k_criterion { TM_K_SILHOUETTE, TM_K_EIGENGAP };

/* The scores of candidates k = 2..k_max of one estimator x clustering. */
struct tm_k_curve {
	size_t k_min, k_max;
	double *silhouette; /* [k - k_min]; NaN for a k the coarse-to-fine search skipped */
	double *eigengap;   /* [k - k_min]; NULL unless the method is spectral */
	size_t chosen;      /* the chosen k */
	enum tm_k_criterion criterion;
};

void tm_k_curve_release(struct tm_k_curve *curve);

/*
 * A clustering method bound to one relatedness estimate, with what it can
 * reuse across k (the merge tree, the spectral embedding).
 */
struct tm_cluster_context {
	const struct tm_relatedness *relatedness; /* borrowed */
	enum tm_method method;
	size_t restarts;
	double fuzzifier;
	uint64_t seed;
	struct tm_clustering tree; /* agglomerative methods */
	size_t n_vectors;          /* spectral: eigenvectors kept (the largest k runnable) */
	double *eigenvalues;       /* spectral: n_vectors, decreasing */
	double *vectors;           /* spectral: n x n_vectors */
};

/*
 * tm_cluster_prepare - bind @method to @relatedness; builds the tree or
 * embedding once. @k_max is the largest k tm_cluster_run will be asked for
 * (the spectral methods keep that many eigenvectors; 0 or > n: n).
 */
int tm_cluster_prepare(struct tm_cluster_context *context, const struct tm_relatedness *relatedness,
		       enum tm_method method, size_t restarts, double fuzzifier, uint64_t seed,
		       size_t k_max, struct tm_error *err);

/*
 * tm_cluster_run - the partition into @k groups (*@out new; agglomerative: the
 * merge tree copied; spectral-average: the tree of the k-dimensional embedding).
 */
int tm_cluster_run(const struct tm_cluster_context *context, size_t k, struct tm_clustering *out,
		   struct tm_error *err);

void tm_cluster_context_release(struct tm_cluster_context *context);

/*
 * tm_default_k_max - the largest k tried by `--k auto` for n tasks:
 * min(n - 1, max(10, min(ceil(n / 3), ceil(4 sqrt(n))))), and at most 50 for
 * the iterative methods.
 */
size_t tm_default_k_max(size_t n, enum tm_method method);

/*
 * tm_choose_k - score the candidates k in 2..@k_max (0: the default; at most
 * the context's n_vectors for the spectral methods) and choose one
 * (docs/methods.md: the largest mean silhouette, ties to the smaller k).
 * Up to 41 candidates all are scored; beyond, every k up to 10, a grid of
 * about 12 points above, and every k within one grid step of the best grid
 * point (the others stay NaN in the curve). One or two tasks are
 * special: 1 task -> k = 1; 2 tasks -> 1 group when their affinity is at
 * least TM_TRAIN_ALONE_BELOW, else 2. @curve's arrays are new.
 */
int tm_choose_k(const struct tm_cluster_context *context, size_t k_max, struct tm_k_curve *curve,
		const struct tm_progress *progress, struct tm_error *err);

/* ---- stability (stability.c) ----------------------------------------------------- */

/* Bootstrap stability of a grouping; owned arrays. */
struct tm_stability {
	size_t n_tasks, n_resamples;
	double *task;        /* per task: mean Jaccard agreement of its co-membership set */
	double *consensus;   /* n x n: fraction of resamples putting i and j together */
	double mean;         /* mean of task[] */
	int unstable;        /* mean < TM_UNSTABLE_BELOW */
};

#define TM_UNSTABLE_BELOW 0.75   /* a grouping with mean stability below is unstable */
#define TM_TASK_UNSTABLE_BELOW 0.5 /* a task below is flagged in outputs */
#define TM_TRAIN_ALONE_BELOW 0.1 /* max affinity to any other task below: train alone */

void tm_stability_release(struct tm_stability *stability);

/*
 * tm_bootstrap_stability - re-estimate relatedness with @estimator on
 * @n_resamples resamples (with replacement) of @map's samples, re-cluster
 * each with the method of @context at @reference's k, and measure how each
 * task's group agrees with @reference (Jaccard of co-membership sets) plus
 * the consensus matrix. Deterministic in @seed.
 */
int tm_bootstrap_stability(const struct tm_datamap *map, enum tm_estimator estimator,
			   const struct tm_cluster_context *context,
			   const struct tm_clustering *reference, size_t n_resamples, uint64_t seed,
			   struct tm_stability *out, const struct tm_progress *progress,
			   struct tm_error *err);

/*
 * tm_affinity_from_stored - the affinity in [0, 1] of a stored matrix:
 * max(0, r) for a "similarity", exp(-d^2 / 2 sigma^2) with sigma the median
 * distance for a "distance" (as the estimators compute it).
 */
void tm_affinity_from_stored(const char *kind, const double *values, size_t n, double *affinity);

/* ---- analyze and recommend (analyze.c, recommend.c) ---------------------------- */

/* --bootstrap default: 10 resamples up to TM_BOOTSTRAP_AUTO_TASKS tasks, else none (cost) */
#define TM_BOOTSTRAP_AUTO ((size_t)-1)
#define TM_BOOTSTRAP_AUTO_TASKS 200

struct tm_analyze_options {
	int64_t epoch_from, epoch_to;   /* window; epoch_to <= 0: all */
	enum tm_estimator estimators[TM_ESTIMATOR_COUNT];
	size_t n_estimators;            /* the first x first method is recommended */
	int skip_unavailable;           /* drop estimators the run lacks the data for */
	int first_available_only;       /* run only the first estimator the run has data for */
	enum tm_method methods[TM_METHOD_COUNT];
	size_t n_methods;
	size_t k;                       /* 0: choose automatically */
	size_t k_max;                   /* 0: default (docs/methods.md) */
	size_t bootstrap;               /* resamples; 0: none; TM_BOOTSTRAP_AUTO */
	size_t restarts;                /* k-means restarts */
	double fuzzifier;               /* m for the fuzzy methods (STG-MTL: 1.07) */
	uint64_t seed;
	size_t max_datamap_points;      /* cap on stored per-sample points (0: none stored) */
	const struct tm_progress *progress;
};

/* tm_analyze_defaults - the defaults of `taskmap analyze` (docs/methods.md). */
void tm_analyze_defaults(struct tm_analyze_options *options);

/* What one (estimator, method) pair produced, for the summary. */
struct tm_analyze_result_row {
	enum tm_estimator estimator;
	enum tm_method method;
	size_t k;
	const char *k_criterion;
	double silhouette;
	double stability;      /* NaN without bootstrap */
	int unstable;
	int64_t grouping_id;
	int recommended;
};

struct tm_analyze_result {
	int64_t analysis_id;
	size_t n_tasks;
	struct tm_analyze_result_row *rows;
	size_t n_rows;
	double seconds_compute, seconds_store;
};

/*
 * tm_analyze - the whole analysis of run @run_id: data maps, relatedness
 * matrices, groupings, k scores and stability, written to the store in one
 * transaction (nothing is kept on failure). @result (may be NULL) gets the
 * summary; release with tm_analyze_result_release.
 */
int tm_analyze(struct tm_store *store, int64_t run_id, const struct tm_analyze_options *options,
	       struct tm_analyze_result *result, struct tm_error *err);

void tm_analyze_result_release(struct tm_analyze_result *result);

/* One recommended group. */
struct tm_recommended_group {
	size_t n_tasks;
	int64_t *task_index;   /* run task indices */
	const char **names;    /* borrowed from the recommendation */
	double mean_similarity; /* mean affinity over pairs in the group; NaN for singletons */
	double stability;       /* mean task stability; NaN when not measured */
};

/* A recommendation read back from the store, ready to print; owned. */
struct tm_recommendation {
	int64_t run_id, analysis_id, grouping_id;
	char *run_name;
	char *estimator, *method, *k_criterion;
	size_t k, n_tasks;
	int unstable;
	double stability;
	int64_t *task_index;   /* n_tasks */
	char **names;          /* n_tasks */
	size_t *assignment;    /* n_tasks */
	double *membership;    /* n_tasks x k */
	double *task_stability; /* n_tasks, NaN when not measured */
	int *train_alone;      /* n_tasks flags */
	struct tm_recommended_group *groups; /* k */
	int64_t epoch_from, epoch_to;
};

/*
 * tm_recommendation_read - the recommended grouping of analysis @analysis_id
 * (0: the latest analysis of run @run_id; run 0: of any run) with task names,
 * per-group similarity and stability and train-alone flags.
 */
int tm_recommendation_read(struct tm_store *store, int64_t run_id, int64_t analysis_id,
			   struct tm_recommendation **out, struct tm_error *err);

void tm_recommendation_free(struct tm_recommendation *recommendation);

/* ---- comparing evaluated groupings (evaluation.c) ---------------------------- */

/*
 * A task has negative transfer when its mean AUC over seeds falls below its
 * single-task mean by more than the single-task spread across seeds (sample
 * sd), and at least by this floor (3 seeds can show a spread of ~0 by chance).
 */
#define TM_NEGATIVE_TRANSFER_FLOOR 0.005

/* One evaluation's held-out numbers summarised and compared with a reference. */
struct tm_evaluation_stats {
	double roc_auc;     /* mean over tasks of each task's mean AUC over seeds */
	double roc_auc_sd;  /* sample sd across seeds of the per-seed mean AUC (NaN: < 2 seeds) */
	double f1, accuracy; /* means over every (seed, task) result */
	double delta_m;     /* Δm in % (Maninis et al. 2019) against the reference; NaN: none */
	size_t n_negative;  /* tasks with negative transfer (see above) */
	size_t n_compared;  /* tasks with an AUC in both (those Δm averages over) */
};

/*
 * tm_evaluation_compare - summarise n_seeds x n_tasks seed-major result
 * matrices (@auc, @f1, @accuracy; NaN where undefined; f1 and accuracy may
 * be NULL) against @reference_auc (the single-task baseline, same shape and
 * task order; NULL: no comparison):
 * Δm = 100/T' sum_t (AUC_t - AUC_ref,t) / AUC_ref,t over the T' tasks with
 * both AUCs, each the mean over seeds.
 */
void tm_evaluation_compare(size_t n_seeds, size_t n_tasks, const double *auc, const double *f1,
			   const double *accuracy, const double *reference_auc,
			   struct tm_evaluation_stats *out);

/*
 * tm_random_relabel - a random grouping of the same shape as one given by
 * its member lists: @out[i] = pi(@members[i]) for a uniformly random
 * permutation pi of the @n_tasks tasks (drawn from @rng). Group sizes,
 * overlaps and coverage are kept; for a partition this is a uniformly
 * random partition with the same group sizes. TM_ERR_USAGE when a member
 * is not below n_tasks, TM_ERR_NOMEM.
 */
int tm_random_relabel(gsl_rng *rng, const size_t *members, size_t n_members, size_t n_tasks,
		      size_t *out);

#endif
