/*
 * train.c - the training loop behind `taskmap train`: it sets up a run in
 * the store (dataset, configuration, tasks, splits), trains epoch by epoch,
 * and commits each epoch atomically (dynamics, metrics and a checkpoint of
 * the parameters, optimiser and weighting state), so that a run stopped at
 * any moment resumes from its last committed epoch and ends with exactly the
 * values an uninterrupted run records.
 *
 * Each epoch's commit (the training split's accuracy and ROC-AUC per task,
 * quantising the recorded logits, the SQLite transaction and its fsyncs)
 * runs on a writer thread while the next epoch trains, and the main
 * thread, done with that epoch first, takes a share of the metrics left
 * (wait_released): the recorder's logits are double-buffered and the
 * checkpoint is taken before the hand-over, so the commit writes exactly
 * what a synchronous one would.
 * What the main thread needs at once stays there: the per-task training
 * loss the weighting keeps (summed in the batches themselves, or a cheap
 * pass over the recorded logits, tm_metrics_losses) and the
 * validation metrics the epoch's line reports (a tenth of the samples).
 * A writer releases the trainer's buffers once its rows are inserted, so
 * the next hand-over waits for the inserts but not for the commit's
 * fsyncs: those overlap the next writer's metrics, and that writer joins
 * the commit before its own transaction (so epochs land in order, and
 * none after a failed one). The run's final status (done, interrupted,
 * failed) waits for the last commit; a commit's error surfaces at the
 * hand-over after the next one, or there.
 *
 * Reproducibility: the initial parameters are drawn from a GSL RNG seeded
 * from (seed, "init") and each epoch's shuffle from one seeded from (seed,
 * epoch), so no RNG state has to survive between epochs; every sum runs in
 * a fixed order.
 *
 * Data-parallel training (config->parallel with several ranks, under
 * mpirun): rank 0 has read the data; it hands every other rank the rows
 * of its shard and the standardisation, and keeps its own shard and the
 * validation rows. Every rank builds the same model and shuffle; rank r
 * owns the contiguous shard [shard_start[r], shard_start[r + 1]) of
 * training positions and trains on its part of each global batch, the
 * step summing gradients over the ranks (step.c). At the end of an epoch rank 0
 * gathers the shards' logits and does everything a single process does
 * with them (metrics, recording, checkpoint, the commit), then hands the
 * per-task losses the weighting needs to the other ranks. Only rank 0 has a
 * store. Every point where one rank can fail is followed by an agreement,
 * so all ranks stop together.
 */
#include "model.h"

#include "large-alloc.h"

#include <math.h>
#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef TM_HAVE_OPENBLAS
/* from OpenBLAS's cblas.h, which cannot be included beside gsl_cblas.h */
void openblas_set_num_threads(int num_threads);
#endif

#define EXTRA_MAGIC 0x41525854u /* "TXRA" */

/*
 * One epoch's commit, done on a writer thread (see the top of the file).
 * Two alternate; the main thread reads a writer's fields once it has
 * released the buffers, and its commit's outcome once its thread is joined.
 */
struct epoch_writer {
	pthread_t thread;
	struct epoch_writer *previous;      /* the writer whose thread this one joins, or NULL */
	pthread_mutex_t lock;               /* guards released */
	pthread_cond_t released_cond;
	int synchronised;                   /* lock and released_cond initialised */
	int released;                       /* done with the trainer's buffers */
	struct tm_store *store;
	struct tm_recorder *recorder;
	enum tm_record_mode mode;
	const float *logits;                /* the epoch's logits (recorder's other buffer) */
	const int8_t *labels;               /* the training split's, for train_metrics */
	const int8_t *labels_by_task;       /* the same, task-major */
	double *train_loss;                 /* n_tasks: the main thread's tm_metrics_losses */
	size_t n_train;
	int train_metrics;                  /* the train metrics (and codes) are made here */
	struct tm_metrics_job job;          /* with train_metrics: the main thread may help */
	uint16_t *codes;                    /* keep all: where train_metrics writes the recording */
	struct tm_epoch_record record;      /* owns its checkpoint bytes */
	struct tm_task_metrics_record *metrics; /* 2 x n_tasks, the record's copy */
	int rc;                             /* up to the release (or the previous commit's) */
	struct tm_error err;
	int commit_rc;                      /* the commit's, after the release */
	struct tm_error commit_err;
};

struct trainer {
	struct tm_store *store;
	struct tm_dataset *dataset;        /* compacted to this rank's rows under mpirun */
	const struct tm_trainer_config *config;
	const struct tm_progress *progress;
	int64_t run_id;
	size_t n_tasks, n_train, n_valid, n_batches;
	size_t *train_rows, *valid_rows;   /* dataset rows of each split position */
	int8_t *train_labels, *valid_labels; /* sample-major, per split position (see below) */
	int8_t *train_labels_by_task, *valid_labels_by_task; /* rank 0: the same, task-major (metrics) */
	size_t *train_labelled, *valid_labelled; /* labelled samples per task */
	float *pos_weight;                 /* --balance: n_neg / n_pos per task, else NULL */
	struct tm_mlp *mlp;
	struct tm_optimizer *optimizer;
	struct tm_weighting *weighting;
	struct tm_recorder *recorder;
	struct tm_affinity *affinity;      /* --affinity running sums, or NULL */
	size_t *order;                     /* this epoch's shuffled positions */
	size_t *batch_rows;                /* dataset rows of the batch */
	struct tm_batch batch;             /* standardised inputs of a batch (step.c) */
	int8_t *batch_labels;
	float *batch_weight, *dlogits;
	double *task_loss;                 /* per-task weighted loss of a batch */
	float *valid_logits;
	struct tm_task_metrics_record *metrics;
	double *epoch_task_loss;           /* per-task mean training loss of the epoch */
	double *epoch_bce;                 /* its sums over the epoch's batches (batch_losses) */
	struct epoch_writer writers[2];
	struct epoch_writer *in_flight;    /* the last writer started, its thread not joined */
	const struct tm_parallel *parallel; /* the ranks (a one-process stand-in without MPI) */
	struct tm_parallel alone;          /* that stand-in */
	int root;                          /* rank 0: the one with the store */
	size_t *shard_start;               /* ranks + 1: the training positions of each rank */
	size_t shard_lo, shard_hi;         /* this rank's */
	size_t *local_positions;           /* the batch's positions this rank owns, less shard_lo */
	/*
	 * What each rank holds. Rank 0 (and a lone process) holds the labels and
	 * logits of every training position, as it makes the metrics and the
	 * recording; its shard starts at position 0. Another rank holds those of
	 * its shard only (train_labels, shard_logits: position p at p - shard_lo)
	 * and no validation rows. Once the run is set up, the dataset of each
	 * rank of an MPI run keeps only the rows it forwards (keep_own_rows).
	 */
	const size_t *shard_rows;          /* dataset rows of positions [shard_lo, shard_hi) */
	size_t *local_rows;                /* shard_rows once the dataset is compacted (owned) */
	float *shard_logits;               /* the ranks but 0: their shard's epoch logits */
	struct tm_dataset *received;       /* the ranks but 0: their rows from rank 0 (owned) */
};

/* ---- small helpers ---------------------------------------------------------- */

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* mix_seed - splitmix64 of (seed, stream): independent seeds per epoch. */
static uint64_t mix_seed(uint64_t seed, uint64_t stream)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define INIT_STREAM 0xffffffffull

/* shared - training with several ranks. */
static int shared(const struct trainer *tr)
{
	return tr->parallel->size > 1;
}

/*
 * agree - every rank's @rc combined (the worst): a rank that was fine is
 * told that another one failed, so all of them stop together.
 */
static int agree(const struct trainer *tr, int rc, struct tm_error *err)
{
	int worst;

	if (!shared(tr))
		return rc;
	worst = tm_parallel_agree(tr->parallel, rc);
	if (worst < 0 && rc == 0)
		return tm_error_set(err, worst, "another rank failed (%s); its message is on its stderr",
				    tm_err_name(worst));
	return worst;
}

/* choose_ranks - the ranks of config->parallel, or this process alone. */
static void choose_ranks(struct trainer *tr)
{
	const struct tm_parallel *p = tr->config->parallel;

	tr->alone = (struct tm_parallel){ .rank = 0, .size = 1 };
	tr->parallel = p && p->size > 1 ? p : &tr->alone;
	tr->root = tr->parallel->rank == 0;
}

/* set_up_shards - this rank's contiguous shard of the training positions. */
static int set_up_shards(struct trainer *tr, struct tm_error *err)
{
	if (!(tr->shard_start = calloc((size_t)tr->parallel->size + 1, sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	tm_parallel_shards(tr->parallel, tr->n_train, tr->shard_start);
	tr->shard_lo = tr->shard_start[tr->parallel->rank];
	tr->shard_hi = tr->shard_start[tr->parallel->rank + 1];
	return 0;
}

static void *alloc_array(size_t n, size_t size, int *failed)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		*failed = 1;
	return p;
}

/*
 * mark_stale_runs - runs still stored as "running" whose process died are
 * recorded as interrupted (store/liveness.c tells live runs from dead ones).
 */
static int mark_stale_runs(struct trainer *tr, struct tm_error *err)
{
	int rc = tr->root ? tm_store_mark_stale_runs(tr->store, err) : 0;

	return rc < 0 ? rc : 0;
}

/* ---- set-up ------------------------------------------------------------------ */

static void gather_labels(const struct tm_dataset *dataset, const size_t *rows, size_t n,
			  int8_t *out, size_t *labelled)
{
	size_t n_tasks = dataset->n_tasks;

	for (size_t i = 0; i < n; i++) {
		memcpy(out + i * n_tasks, dataset->labels + rows[i] * n_tasks, n_tasks);
		for (size_t t = 0; t < n_tasks; t++)
			labelled[t] += out[i * n_tasks + t] != TM_LABEL_MISSING;
	}
}

/*
 * transpose_labels - @labels (n rows x n_tasks) into task-major @out, in
 * tiles, once per run: the metrics then read each task's labels
 * contiguously instead of gathering them every epoch.
 */
static void transpose_labels(const int8_t *labels, size_t n, size_t n_tasks, int8_t *out)
{
	enum { TILE = 64 };

	for (size_t i0 = 0; i0 < n; i0 += TILE) {
		size_t i1 = n - i0 < TILE ? n : i0 + TILE;

		for (size_t t0 = 0; t0 < n_tasks; t0 += TILE) {
			size_t t1 = n_tasks - t0 < TILE ? n_tasks : t0 + TILE;

			for (size_t t = t0; t < t1; t++)
				for (size_t i = i0; i < i1; i++)
					out[t * n + i] = labels[i * n_tasks + t];
		}
	}
}

/*
 * positive_weights - w_pos = n_neg / n_pos on the training split (1 when a
 * class is absent), on rank 0 (or alone), which holds every training
 * position's labels; the other ranks get them with share_inputs.
 */
static void positive_weights(struct trainer *tr)
{
	for (size_t t = 0; t < tr->n_tasks; t++) {
		size_t pos = 0, neg = 0;

		for (size_t i = 0; i < tr->n_train; i++) {
			int y = tr->train_labels[i * tr->n_tasks + t];

			pos += y == TM_LABEL_POSITIVE;
			neg += y == TM_LABEL_NEGATIVE;
		}
		tr->pos_weight[t] = pos && neg ? (float)((double)neg / (double)pos) : 1.0f;
	}
}

/* labels_held - training positions whose labels this rank holds (from position 0). */
static size_t labels_held(const struct trainer *tr)
{
	return tr->root ? tr->n_train : tr->shard_hi - tr->shard_lo;
}

/* valid_held - validation positions this rank holds: all on rank 0, none elsewhere. */
static size_t valid_held(const struct trainer *tr)
{
	return tr->root ? tr->n_valid : 0;
}

/* init_writer - @w's arrays for @n_tasks tasks and its lock; -1 on failure (release frees). */
static int init_writer(struct epoch_writer *w, size_t n_tasks)
{
	int failed = 0;

	w->metrics = alloc_array(2 * n_tasks, sizeof(*w->metrics), &failed);
	w->train_loss = alloc_array(n_tasks, sizeof(double), &failed);
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->released_cond, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->synchronised = 1;
	return failed ? -1 : 0;
}

static int allocate_buffers(struct trainer *tr, struct tm_error *err)
{
	size_t T = tr->n_tasks, B = tr->config->batch_size;
	int failed = 0;

	tr->order = alloc_array(tr->n_train, sizeof(size_t), &failed);
	/* filled whole by gather_labels; many megabytes, on huge pages */
	if (!(tr->train_labels = large_alloc(labels_held(tr) * T)) ||
	    (tr->root && !(tr->train_labels_by_task = large_alloc(tr->n_train * T))))
		failed = 1;
	if (!tr->root && !(tr->shard_logits = large_alloc((tr->shard_hi - tr->shard_lo) * T *
							   sizeof(float))))
		failed = 1;
	tr->valid_labels = alloc_array(valid_held(tr) * T, 1, &failed);
	tr->valid_labels_by_task = alloc_array(valid_held(tr) * T, 1, &failed);
	tr->train_labelled = alloc_array(T, sizeof(size_t), &failed);
	tr->valid_labelled = alloc_array(T, sizeof(size_t), &failed);
	tr->batch_labels = alloc_array(B * T, 1, &failed);
	tr->batch_weight = alloc_array(B * T, sizeof(float), &failed);
	tr->dlogits = alloc_array(B * T, sizeof(float), &failed);
	tr->task_loss = alloc_array(T, sizeof(double), &failed);
	tr->valid_logits = alloc_array(valid_held(tr) * T, sizeof(float), &failed);
	tr->metrics = alloc_array(2 * T, sizeof(*tr->metrics), &failed);
	tr->epoch_task_loss = alloc_array(T, sizeof(double), &failed);
	tr->epoch_bce = alloc_array(T, sizeof(double), &failed);
	for (size_t i = 0; i < 2; i++)
		if (init_writer(&tr->writers[i], T) < 0)
			failed = 1;
	tr->batch_rows = alloc_array(B, sizeof(size_t), &failed);
	tr->local_positions = alloc_array(B, sizeof(size_t), &failed);
	if (tr->config->balance)
		tr->pos_weight = alloc_array(T, sizeof(float), &failed);
	if (failed || tr->n_train * T / T != tr->n_train)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the training buffers");
	for (size_t t = 0; t < T; t++)
		tr->metrics[t].split = "train";
	return tm_batch_init(&tr->batch, &tr->dataset->x, B, err);
}

/*
 * prepare - everything but the store: buffers, labels, the model (initial
 * parameters from the seed, standardisation from the training split), the
 * optimiser, the weighting and the recorder. The shards must be set up, and
 * under mpirun the ranks but 0 must have their rows (hand_out_rows); they
 * get the standardisation and --balance weights afterwards (share_inputs).
 */
static int prepare(struct trainer *tr, struct tm_error *err)
{
	const struct tm_trainer_config *c = tr->config;
	gsl_rng *rng = NULL;
	int rc;

	tr->n_tasks = tr->dataset->n_tasks;
	tr->n_batches = (tr->n_train + c->batch_size - 1) / c->batch_size;
	if ((rc = allocate_buffers(tr, err)) < 0)
		return rc;
	if (!tr->shard_rows) /* rank 0 or alone: every training row, by position */
		tr->shard_rows = tr->train_rows + tr->shard_lo;
	gather_labels(tr->dataset, tr->shard_rows, labels_held(tr), tr->train_labels,
		      tr->train_labelled);
	gather_labels(tr->dataset, tr->valid_rows, valid_held(tr), tr->valid_labels,
		      tr->valid_labelled);
	if (tr->root) { /* the metrics, on rank 0 only, read each task's labels contiguously */
		transpose_labels(tr->train_labels, tr->n_train, tr->n_tasks, tr->train_labels_by_task);
		transpose_labels(tr->valid_labels, tr->n_valid, tr->n_tasks, tr->valid_labels_by_task);
	}
	if (tr->pos_weight && tr->root) /* the other ranks get them with share_inputs */
		positive_weights(tr);
	if ((rc = tm_mlp_create(&tr->mlp, tr->dataset->n_features, c->hidden, c->n_hidden,
				tr->n_tasks, c->batch_size, err)) < 0 ||
	    (tr->root && (rc = tm_mlp_standardise(tr->mlp, &tr->dataset->x, tr->train_rows,
						  tr->n_train, err)) < 0) ||
	    (rc = tm_optimizer_create(&tr->optimizer, c->optimizer, tr->mlp->n_parameters,
				      c->learning_rate, c->momentum, c->weight_decay, err)) < 0 ||
	    (rc = tm_weighting_create(&tr->weighting, c, tr->n_tasks,
				      (const char *const *)tr->dataset->task_names, err)) < 0 ||
	    (tr->root && (rc = tm_recorder_create(&tr->recorder, tr->n_train, tr->n_tasks, c->keep,
						  tr->train_labels, err)) < 0) ||
	    (rc = tm_affinity_create(&tr->affinity, c, tr->mlp, err)) < 0)
		return rc;
	if (!(rng = tm_rng_create(mix_seed(c->seed, INIT_STREAM))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	tm_mlp_init(tr->mlp, rng);
	gsl_rng_free(rng);
#ifdef TM_HAVE_OPENBLAS
	openblas_set_num_threads(c->threads);
#endif
	return 0;
}

/*
 * hand_out_rows - under mpirun only rank 0 has read the data: it packs the
 * rows of each other rank's shard of the training positions (features as
 * imputed, labels, task names) and hands them over one rank at a time, so
 * that no rank but 0 ever holds more than its shard. Such a rank's dataset
 * is then its shard's rows in position order (shard_rows 0, 1, ...).
 */
static int hand_out_rows(struct trainer *tr, struct tm_error *err)
{
	size_t n_shard = tr->shard_hi - tr->shard_lo;
	int rc = 0;

	if (!shared(tr))
		return 0;
	for (int r = 1; r < tr->parallel->size; r++) {
		void *bytes = NULL;
		size_t n_bytes = 0;

		if (tr->root)
			rc = tm_dataset_pack_rows(tr->dataset, tr->train_rows + tr->shard_start[r],
						  tr->shard_start[r + 1] - tr->shard_start[r], &bytes,
						  &n_bytes, err);
		if ((rc = agree(tr, rc, err)) < 0 ||
		    (rc = tm_parallel_hand_blob(tr->parallel, r, &bytes, &n_bytes, err)) < 0) {
			free(bytes);
			return rc;
		}
		if (tr->parallel->rank == r) /* takes the bytes over */
			rc = tm_dataset_unpack(&tr->received, bytes, n_bytes, err);
		else
			free(bytes); /* rank 0's pack */
	}
	if ((rc = agree(tr, rc, err)) < 0)
		return rc;
	if (!tr->root && tr->received->n_samples != n_shard)
		rc = tm_error_set(err, TM_ERR_INPUT, "rank 0 sent %zu rows for a shard of %zu",
				  tr->received->n_samples, n_shard);
	else if (!tr->root && !(tr->local_rows = malloc((n_shard + 1) * sizeof(size_t))))
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = agree(tr, rc, err)) < 0 || tr->root)
		return rc;
	for (size_t i = 0; i < n_shard; i++)
		tr->local_rows[i] = i;
	tr->dataset = tr->received;
	tr->shard_rows = tr->local_rows;
	return 0;
}

/*
 * share_inputs - rank 0's input standardisation (from every training row)
 * and --balance weights to the other ranks, which hold only their shard.
 */
static int share_inputs(struct trainer *tr)
{
	if (!shared(tr))
		return 0;
	tm_parallel_broadcast(tr->parallel, tr->mlp->shift, tr->mlp->n_inputs * sizeof(float));
	tm_parallel_broadcast(tr->parallel, tr->mlp->scale, tr->mlp->n_inputs * sizeof(float));
	if (tr->pos_weight)
		tm_parallel_broadcast(tr->parallel, tr->pos_weight, tr->n_tasks * sizeof(float));
	return 0;
}

/*
 * keep_own_rows - under mpirun, once the model is standardised and (new
 * run) the run is in the store, rank 0 drops from its dataset the rows it
 * never forwards: it keeps its shard of the training rows and the
 * validation rows, compacted in increasing row order. shard_rows and
 * valid_rows then name the compacted rows. A lone process keeps everything;
 * the other ranks hold their shard alone already (hand_out_rows).
 */
static int keep_own_rows(struct trainer *tr, struct tm_error *err)
{
	size_t n_shard = tr->shard_hi - tr->shard_lo, n_valid = valid_held(tr), k = 0;
	const size_t *train = tr->shard_rows;
	size_t *keep = NULL;
	int rc;

	if (!shared(tr) || !tr->root)
		return 0;
	keep = malloc((n_shard + n_valid + 1) * sizeof(size_t));
	tr->local_rows = malloc((n_shard + 1) * sizeof(size_t));
	if (!keep || !tr->local_rows) {
		free(keep);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	/* both lists are increasing (tm_split_*) and disjoint: merge them */
	for (size_t i = 0, j = 0; i < n_shard || j < n_valid; k++) {
		if (j == n_valid || (i < n_shard && train[i] < tr->valid_rows[j])) {
			keep[k] = train[i];
			tr->local_rows[i++] = k;
		} else {
			keep[k] = tr->valid_rows[j];
			tr->valid_rows[j++] = k;
		}
	}
	rc = tm_dataset_keep_rows(tr->dataset, keep, k, err);
	free(keep);
	if (rc < 0)
		return rc;
	tr->shard_rows = tr->local_rows;
	free(tr->train_rows); /* the global rows are the store's business now */
	tr->train_rows = NULL;
#ifdef __GLIBC__
	malloc_trim(0); /* the dropped rows' pages back to the system, wherever they were */
#endif
	return 0;
}

/*
 * note_rows_held - rank 0 says, as a "note" progress line, how many of the
 * @n_read rows of the data each rank holds after keep_own_rows.
 */
static int note_rows_held(struct trainer *tr, size_t n_read, struct tm_error *err)
{
	size_t size = (size_t)tr->parallel->size, used;
	double *held;
	char message[200];
	int rc;

	if (!shared(tr))
		return 0;
	held = calloc(size, sizeof(double));
	if ((rc = agree(tr, held ? 0 : tm_error_set(err, TM_ERR_NOMEM, "out of memory"), err)) < 0) {
		free(held);
		return rc;
	}
	held[tr->parallel->rank] = (double)tr->dataset->n_samples; /* exact: one term per slot */
	tm_parallel_sum_doubles(tr->parallel, held, size);
	used = (size_t)snprintf(message, sizeof(message), "rows held per rank:");
	for (size_t r = 0; r < size && r <= 12 && used < sizeof(message); r++)
		used += r == 12 ? (size_t)snprintf(message + used, sizeof(message) - used, " ...")
			: (size_t)snprintf(message + used, sizeof(message) - used, " %.0f", held[r]);
	if (used < sizeof(message))
		snprintf(message + used, sizeof(message) - used, " of %zu read", n_read);
	if (tr->root)
		tm_progress_report(tr->progress, "note", 0, 0, message);
	free(held);
	return 0;
}

static void release(struct trainer *tr)
{
	free(tr->train_rows);
	free(tr->valid_rows);
	free(tr->train_labels);
	free(tr->train_labels_by_task);
	free(tr->valid_labels);
	free(tr->valid_labels_by_task);
	free(tr->train_labelled);
	free(tr->valid_labelled);
	free(tr->pos_weight);
	tm_mlp_destroy(tr->mlp);
	tm_optimizer_destroy(tr->optimizer);
	tm_weighting_destroy(tr->weighting);
	tm_recorder_destroy(tr->recorder);
	tm_affinity_destroy(tr->affinity);
	free(tr->order);
	tm_batch_release(&tr->batch);
	free(tr->batch_rows);
	free(tr->local_positions);
	free(tr->shard_start);
	free(tr->local_rows);
	free(tr->shard_logits);
	tm_dataset_destroy(tr->received);
	free(tr->batch_labels);
	free(tr->batch_weight);
	free(tr->dlogits);
	free(tr->task_loss);
	free(tr->valid_logits);
	free(tr->metrics);
	free(tr->epoch_task_loss);
	free(tr->epoch_bce);
	for (size_t i = 0; i < 2; i++) {
		struct epoch_writer *w = &tr->writers[i];

		free(w->metrics);
		free(w->train_loss);
		if (w->synchronised) {
			pthread_mutex_destroy(&w->lock);
			pthread_cond_destroy(&w->released_cond);
		}
	}
}

/* ---- batches ------------------------------------------------------------------- */

/*
 * batch_losses - whether the epoch's per-task training loss is summed in
 * the batches (tm_mlp_loss's task_bce, from the very logits the epoch
 * records) rather than by a pass over the recorded logits afterwards: with
 * one process and a train-pass (or no) recording. An eval pass has other
 * logits; ranks each see their own batches' part.
 */
static int batch_losses(const struct trainer *tr)
{
	return tr->config->record != TM_RECORD_EVAL_PASS && !shared(tr);
}

/* build_batch - the standardised inputs of dataset @rows into @x (step.c). */
static int build_batch(struct trainer *tr, const size_t *rows, size_t n,
		       struct tm_mlp_input *x, struct tm_error *err)
{
	return tm_batch_build(&tr->batch, tr->mlp, rows, n, x, err);
}

/* forward_split - logits of split positions [0, n) of @rows into @out (n x T). */
static int forward_split(struct trainer *tr, const size_t *rows, size_t n, float *out,
			 struct tm_error *err)
{
	size_t B = tr->config->batch_size, T = tr->n_tasks;
	struct tm_mlp_input x;
	int rc;

	for (size_t start = 0; start < n; start += B) {
		size_t m = n - start < B ? n - start : B;

		if ((rc = build_batch(tr, rows + start, m, &x, err)) < 0)
			return rc;
		memcpy(out + start * T, tm_mlp_forward(tr->mlp, &x), m * T * sizeof(float));
	}
	return 0;
}

/* epoch_logits - this rank's buffer of the epoch's training logits (position - shard_lo). */
static float *epoch_logits(const struct trainer *tr)
{
	return tr->recorder ? tr->recorder->logits : tr->shard_logits;
}

/* keep_logits - the logits of a batch's @n rows at their local positions @mine. */
static void keep_logits(struct trainer *tr, const size_t *mine, size_t n, const float *logits)
{
	float *epoch = epoch_logits(tr);

	for (size_t i = 0; i < n; i++)
		memcpy(epoch + mine[i] * tr->n_tasks, logits + i * tr->n_tasks,
		       tr->n_tasks * sizeof(float));
}

/*
 * train_batch - one optimisation step on the global batch of split
 * positions @positions, of which this rank trains those in its shard.
 */
static int train_batch(struct trainer *tr, const size_t *positions, size_t n,
		       double *loss, struct tm_error *err)
{
	size_t T = tr->n_tasks, *rows = tr->batch_rows, *mine = tr->local_positions, m = 0;
	struct tm_step step = { tr->mlp, tr->optimizer, tr->weighting, tr->pos_weight, NULL,
				tr->batch_weight, tr->dlogits, tr->task_loss,
				tr->affinity, tr->parallel, batch_losses(tr) ? tr->epoch_bce : NULL };
	struct tm_mlp_input x = { 0 };
	const float *logits = NULL;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (positions[i] < tr->shard_lo || positions[i] >= tr->shard_hi)
			continue;
		mine[m] = positions[i] - tr->shard_lo;
		rows[m] = tr->shard_rows[mine[m]];
		memcpy(tr->batch_labels + m * T, tr->train_labels + mine[m] * T, T);
		m++;
	}
	if (m && (rc = build_batch(tr, rows, m, &x, err)) == 0) {
		logits = tm_mlp_forward(tr->mlp, &x);
		if (tr->config->record != TM_RECORD_EVAL_PASS)
			keep_logits(tr, mine, m, logits);
	}
	if ((rc = agree(tr, rc, err)) < 0)
		return rc;
	return tm_step_update(&step, &x, tr->batch_labels, logits, loss, err);
}

/* ---- epochs ------------------------------------------------------------------ */

static int report_batch(struct trainer *tr, size_t epoch, size_t batch, double loss,
			double started, size_t samples_done)
{
	double elapsed = now_seconds() - started, rate = elapsed > 0 ? samples_done / elapsed : 0;
	double total = (double)tr->config->n_epochs * (double)tr->n_batches;
	double done = (double)epoch * (double)tr->n_batches + (double)batch + 1;
	double left = rate > 0 ? (total - done) * (double)tr->config->batch_size / rate : 0;
	char message[160];

	snprintf(message, sizeof(message),
		 "epoch %zu/%zu batch %zu/%zu loss %.4f %.0f samples/s ETA %.0fm%02.0fs",
		 epoch + 1, tr->config->n_epochs, batch + 1, tr->n_batches, loss, rate,
		 floor(left / 60), fmod(left, 60));
	return tm_progress_report(tr->progress, "batch", done, total, message);
}

/* pooled_loss - the mean loss over labelled (sample, task) pairs from per-task means. */
static double pooled_loss(const struct trainer *tr, const struct tm_task_metrics_record *metrics,
			const size_t *labelled)
{
	double sum = 0, count = 0;

	for (size_t t = 0; t < tr->n_tasks; t++)
		if (labelled[t]) {
			sum += metrics[t].loss * (double)labelled[t];
			count += (double)labelled[t];
		}
	return count > 0 ? sum / count : NAN;
}

/*
 * split_metrics - per-task metrics of one split from its logits, and in
 * *@mean_loss the mean loss over labelled (sample, task) pairs. Per-task train losses also
 * go to epoch_task_loss (DWA, DTB). @known_loss (or NULL): the per-task losses, made
 * already. @codes (or NULL): the recording, see tm_metrics_all.
 */
static int split_metrics(struct trainer *tr, const float *logits, const int8_t *labels,
			 const int8_t *labels_by_task, const double *known_loss, size_t n,
			 const size_t *labelled, const char *split,
			 struct tm_task_metrics_record *out, double *task_loss,
			 double *mean_loss, uint16_t *codes, struct tm_error *err)
{
	int rc;

	if ((rc = tm_metrics_all(logits, labels, labels_by_task, known_loss, n, tr->n_tasks, out,
				 codes, err)) < 0)
		return rc;
	for (size_t t = 0; t < tr->n_tasks; t++) {
		out[t].split = split;
		if (task_loss)
			task_loss[t] = out[t].loss;
	}
	*mean_loss = pooled_loss(tr, out, labelled);
	return 0;
}

/* checkpoint - the byte strings of the epoch record's checkpoint (caller frees). */
static int checkpoint(struct trainer *tr, struct tm_epoch_record *record, struct tm_error *err)
{
	void *parameters = NULL, *optimizer = NULL, *extra = NULL;
	size_t n_parameters;
	uint64_t head[2] = { EXTRA_MAGIC, (uint64_t)record->epoch };
	int rc;

	if ((rc = tm_mlp_save(tr->mlp, &parameters, &n_parameters, err)) < 0)
		return rc;
	record->optimizer_bytes = tm_optimizer_bytes(tr->optimizer);
	record->extra_bytes = sizeof(head) + tm_weighting_bytes(tr->weighting) +
			      tm_affinity_bytes(tr->affinity);
	if (!(optimizer = malloc(record->optimizer_bytes)) ||
	    !(extra = malloc(record->extra_bytes))) {
		free(parameters);
		free(optimizer);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the checkpoint");
	}
	tm_optimizer_save(tr->optimizer, optimizer);
	memcpy(extra, head, sizeof(head));
	tm_weighting_save(tr->weighting, (char *)extra + sizeof(head));
	if (tr->affinity) /* --affinity sums after the weighting's state */
		tm_affinity_save(tr->affinity, (char *)extra + sizeof(head) +
				 tm_weighting_bytes(tr->weighting));
	record->parameters = parameters;
	record->parameters_bytes = n_parameters;
	record->optimizer = optimizer;
	record->extra = extra;
	return 0;
}

static void free_checkpoint(struct tm_epoch_record *record)
{
	free((void *)record->parameters);
	free((void *)record->optimizer);
	free((void *)record->extra);
	record->parameters = record->optimizer = record->extra = NULL;
}

/*
 * codes_in_metrics - whether the epoch's 16-bit recording is made by the
 * metrics pass over the training logits (keep all), which shares the work
 * with the loss; --keep summary folds the logits on the writer thread.
 */
static int codes_in_metrics(const struct trainer *tr)
{
	return tr->config->record != TM_RECORD_NONE && tr->config->keep == TM_KEEP_ALL;
}

/*
 * make_epoch - the writer's part that needs no store: the training split's
 * metrics (with the keep-all recording in the same pass; the losses are
 * the main thread's, equal to the bit) unless the main thread made them,
 * and the summaries (keep summary).
 */
static int make_epoch(struct epoch_writer *w)
{
	int rc;

	if (w->train_metrics) {
		rc = tm_metrics_job_work(&w->job, &w->err);
		tm_metrics_job_wait(&w->job); /* the blocks the main thread took too */
		if (rc < 0)
			return rc;
		for (size_t t = 0; t < w->record.n_tasks; t++)
			w->metrics[t].split = "train";
	}
	if (w->logits && w->mode != TM_RECORD_NONE && !w->codes)
		tm_recorder_finish_epoch(w->recorder, w->logits, &w->record);
	return 0;
}

/*
 * join_previous - wait for the previous epoch's commit, whose thread this
 * writer joins; its failure (the first one) becomes this writer's, so this
 * epoch is not written after a missing one.
 */
static void join_previous(struct epoch_writer *w)
{
	struct epoch_writer *p = w->previous;

	if (!p)
		return;
	pthread_join(p->thread, NULL);
	if (p->commit_rc < 0) {
		w->rc = p->commit_rc;
		w->err = p->commit_err;
	}
}

/* insert_epoch - the epoch's rows in a transaction left open (rolled back on error). */
static int insert_epoch(struct epoch_writer *w)
{
	int rc;

	if ((rc = tm_store_begin(w->store, &w->err)) < 0)
		return rc;
	if ((rc = tm_store_write_epoch(w->store, &w->record, &w->err)) < 0)
		tm_store_rollback(w->store);
	return rc;
}

/* mark_released - tell the main thread this writer is done with the trainer's buffers. */
static void mark_released(struct epoch_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->released = 1;
	pthread_cond_signal(&w->released_cond);
	pthread_mutex_unlock(&w->lock);
}

/*
 * write_epoch - the writer thread of one epoch: make_epoch, then, once the
 * previous epoch's commit is done, the inserts; then it releases the
 * trainer's buffers (SQLite has copied the rows) and commits, the fsyncs
 * overlapping the next epoch's writer. After the release only the store
 * and commit_rc, commit_err are touched.
 */
static void *write_epoch(void *context)
{
	struct epoch_writer *w = context;
	int inserted;

	w->rc = make_epoch(w);
	join_previous(w);
	if (w->rc == 0)
		w->rc = insert_epoch(w);
	inserted = w->rc == 0;
	w->commit_rc = 0;
	mark_released(w);
	if (inserted && (w->commit_rc = tm_store_commit(w->store, &w->commit_err)) < 0)
		tm_store_rollback(w->store);
	return NULL;
}

/*
 * wait_released - wait until writer @w is done with the trainer's buffers,
 * taking a share of the training metrics it still makes instead of only
 * waiting (on delicious they are the writer's largest part), and free what
 * it held. Returns its error up to the inserts (code, and message into
 * @err), or 0; its commit may still be in flight.
 */
static int wait_released(struct epoch_writer *w, struct tm_error *err)
{
	struct tm_error ignored;

	if (w->train_metrics) /* out of memory here: the writer does the rest */
		(void)tm_metrics_job_work(&w->job, &ignored);
	pthread_mutex_lock(&w->lock);
	while (!w->released)
		pthread_cond_wait(&w->released_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	if (w->train_metrics) {
		tm_metrics_job_destroy(&w->job);
		w->train_metrics = 0;
	}
	free_checkpoint(&w->record);
	if (w->rc < 0) {
		if (err)
			*err = w->err;
		return w->rc;
	}
	return 0;
}

/*
 * commit_outcome - the outcome of writer @w, whose work has ended: @rc
 * (wait_released's) when that is an error, else its commit's (code,
 * message into @err).
 */
static int commit_outcome(const struct epoch_writer *w, int rc, struct tm_error *err)
{
	if (rc < 0 || w->commit_rc == 0)
		return rc;
	if (err)
		*err = w->commit_err;
	return w->commit_rc;
}

/*
 * finish_writers - wait for every commit in flight (the last writer has
 * joined the ones before); the first error (code, message into @err) is
 * returned here.
 */
static int finish_writers(struct trainer *tr, struct tm_error *err)
{
	struct epoch_writer *w = tr->in_flight;
	int rc;

	if (!w)
		return 0;
	rc = wait_released(w, err);
	pthread_join(w->thread, NULL);
	tr->in_flight = NULL;
	return commit_outcome(w, rc, err);
}

/*
 * start_writer - hand the epoch over to a writer thread: @record's
 * checkpoint bytes move to the writer, its metrics are copied, the
 * recorder swaps buffers. With a validation split the training split's
 * metrics are left to the writer (the recorder's logits, and for keep all
 * its single 16-bit buffer, which only the writer fills then); without one
 * the main thread made them for the epoch's line, with the codes in a
 * double-buffered array. Two writers alternate: the previous one must have
 * released the buffers (wait_released); its commit may still run, and the
 * new writer joins it before its own transaction. Commits on this thread
 * when no thread can be started.
 */
static int start_writer(struct trainer *tr, struct tm_epoch_record *record, struct tm_error *err)
{
	struct epoch_writer *previous = tr->in_flight;
	struct epoch_writer *w = previous == &tr->writers[0] ? &tr->writers[1] : &tr->writers[0];

	w->previous = previous;
	w->released = 0;
	w->store = tr->store;
	w->recorder = tr->recorder;
	w->mode = tr->config->record;
	w->record = *record;
	memcpy(w->metrics, record->metrics, record->n_metrics * sizeof(*w->metrics));
	w->record.metrics = w->metrics;
	record->parameters = record->optimizer = record->extra = NULL;
	w->rc = 0;
	w->logits = NULL;
	w->labels = tr->train_labels;
	w->labels_by_task = tr->train_labels_by_task;
	memcpy(w->train_loss, tr->epoch_task_loss, tr->n_tasks * sizeof(double));
	w->n_train = tr->n_train;
	w->codes = codes_in_metrics(tr) ? tr->recorder->quantised : NULL;
	w->record.probabilities = w->codes;
	w->record.summaries = NULL;
	if ((w->codes && !tr->n_valid && !tm_recorder_swap_quantised(tr->recorder)) ||
	    ((tr->n_valid || (w->mode != TM_RECORD_NONE && !w->codes)) &&
	     !(w->logits = tm_recorder_swap(tr->recorder)))) {
		free_checkpoint(&w->record);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the recording buffers");
	}
	if ((w->train_metrics = tr->n_valid > 0))
		tm_metrics_job_init(&w->job, w->logits, w->labels, w->labels_by_task, w->train_loss,
				    w->n_train, tr->n_tasks, w->metrics, w->codes);
	tr->in_flight = w; /* the new writer joins the previous one */
	if (pthread_create(&w->thread, NULL, write_epoch, w) == 0)
		return 0;
	/* no thread: the same work here, the previous commit joined first */
	write_epoch(w);
	tr->in_flight = NULL;
	return commit_outcome(w, wait_released(w, err), err);
}

static void report_epoch(struct trainer *tr, const struct tm_epoch_record *r)
{
	double auc = 0;
	size_t n_auc = 0;
	char message[200];

	for (size_t m = 0; m < r->n_metrics; m++)
		if (strcmp(r->metrics[m].split, tr->n_valid ? "valid" : "train") == 0 &&
		    !isnan(r->metrics[m].roc_auc)) {
			auc += r->metrics[m].roc_auc;
			n_auc++;
		}
	snprintf(message, sizeof(message),
		 "%lld/%zu train loss %.4f valid loss %.4f %s AUC %.4f %.1f s %.0f samples/s",
		 (long long)r->epoch + 1, tr->config->n_epochs, r->train_loss, r->valid_loss,
		 tr->n_valid ? "valid" : "train", n_auc ? auc / (double)n_auc : NAN, r->seconds,
		 r->samples_per_second);
	tm_progress_report(tr->progress, "epoch", (double)r->epoch + 1,
			   (double)tr->config->n_epochs, message);
}

/*
 * epoch_metrics - on rank 0, from the whole training split's logits: the
 * validation pass and metrics, and the per-task training loss the weighting
 * keeps (epoch_task_loss).
 */
static int epoch_metrics(struct trainer *tr, struct tm_epoch_record *record, struct tm_error *err)
{
	int rc;

	if (tr->n_valid &&
	    (rc = forward_split(tr, tr->valid_rows, tr->n_valid, tr->valid_logits, err)) < 0)
		return rc;
	/*
	 * The per-task training loss (the weighting keeps it): summed in the
	 * batches, or a pass over the recorded logits. With a validation split
	 * only this is made here; the writer makes the rest, see start_writer.
	 * Without one the epoch's line reports training AUCs: all here, and with
	 * keep all the metrics pass also quantises the recording.
	 */
	if (batch_losses(tr)) {
		for (size_t t = 0; t < tr->n_tasks; t++)
			tr->epoch_task_loss[t] = tr->train_labelled[t]
				? tr->epoch_bce[t] / (double)tr->train_labelled[t] : NAN;
	} else if ((rc = tm_metrics_losses(tr->recorder->logits, tr->train_labels, tr->n_train,
					   tr->n_tasks, tr->epoch_task_loss, err)) < 0) {
		return rc;
	}
	if (tr->n_valid) {
		for (size_t t = 0; t < tr->n_tasks; t++)
			tr->metrics[t].loss = tr->epoch_task_loss[t];
		record->train_loss = pooled_loss(tr, tr->metrics, tr->train_labelled);
	} else if ((rc = split_metrics(tr, tr->recorder->logits, tr->train_labels,
				       tr->train_labels_by_task, tr->epoch_task_loss, tr->n_train,
				       tr->train_labelled, "train", tr->metrics, NULL,
				       &record->train_loss,
				       codes_in_metrics(tr) ? tr->recorder->quantised : NULL,
				       err)) < 0) {
		return rc;
	}
	record->n_metrics = tr->n_tasks;
	if (tr->n_valid) {
		if ((rc = split_metrics(tr, tr->valid_logits, tr->valid_labels,
					tr->valid_labels_by_task, NULL, tr->n_valid,
					tr->valid_labelled, "valid", tr->metrics + tr->n_tasks, NULL,
					&record->valid_loss, NULL, err)) < 0)
			return rc;
		record->n_metrics += tr->n_tasks;
	}
	return 0;
}

/*
 * gather_epoch - every rank's shard of the epoch's training logits to rank
 * 0 (an eval pass first computes them, each rank over its own shard).
 */
static int gather_epoch(struct trainer *tr, struct tm_error *err)
{
	float *logits = epoch_logits(tr);
	int rc = 0;

	/* rank 0's shard starts at position 0; another rank's buffer holds only its shard */
	if (tr->config->record == TM_RECORD_EVAL_PASS)
		rc = forward_split(tr, tr->shard_rows, tr->shard_hi - tr->shard_lo, logits, err);
	if ((rc = agree(tr, rc, err)) < 0)
		return rc;
	tm_parallel_gather_rows(tr->parallel, logits, tr->n_tasks, tr->shard_start);
	return 0;
}

/* share_task_losses - rank 0's outcome and epoch_task_loss to every rank. */
static int share_task_losses(struct trainer *tr, int rc, struct tm_error *err)
{
	if ((rc = agree(tr, rc, err)) < 0)
		return rc;
	tm_parallel_broadcast(tr->parallel, tr->epoch_task_loss, tr->n_tasks * sizeof(double));
	return 0;
}

/*
 * commit_epoch - on rank 0: the checkpoint, then the atomic commit handed
 * to the writer thread (after the previous one is done), and the epoch's
 * progress line.
 */
static int commit_epoch(struct trainer *tr, struct tm_epoch_record *record, double started,
			struct tm_error *err)
{
	int rc;

	if ((rc = checkpoint(tr, record, err)) < 0)
		return rc;
	record->seconds = now_seconds() - started;
	record->samples_per_second = (double)tr->n_train / record->seconds;
	if ((tr->in_flight && (rc = wait_released(tr->in_flight, err)) < 0) ||
	    (rc = start_writer(tr, record, err)) < 0) {
		free_checkpoint(record);
		return rc;
	}
	report_epoch(tr, record);
	return 0;
}

/*
 * finish_epoch - the whole split's logits on rank 0, its metrics, the
 * weighting's update on every rank, then rank 0's checkpoint and commit.
 */
static int finish_epoch(struct trainer *tr, size_t epoch, double started, struct tm_error *err)
{
	struct tm_epoch_record record = { .run_id = tr->run_id, .epoch = (int64_t)epoch,
					  .n_tasks = tr->n_tasks, .n_samples = tr->n_train,
					  .metrics = tr->metrics, .valid_loss = NAN };
	int rc = 0;

	if ((rc = gather_epoch(tr, err)) < 0)
		return rc;
	if (tr->root)
		rc = epoch_metrics(tr, &record, err);
	if ((rc = share_task_losses(tr, rc, err)) < 0)
		return rc;
	tm_weighting_end_epoch(tr->weighting, tr->epoch_task_loss);
	if (tr->root)
		rc = commit_epoch(tr, &record, started, err);
	return agree(tr, rc, err);
}

static int run_epoch(struct trainer *tr, size_t epoch, double process_started,
		     size_t *samples_done, struct tm_error *err)
{
	size_t B = tr->config->batch_size;
	double started = now_seconds(), loss;
	gsl_rng *rng = tm_rng_create(mix_seed(tr->config->seed, epoch));
	int rc, stop = 0;

	if (!rng)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	tm_rng_shuffle_indices(rng, tr->order, tr->n_train);
	gsl_rng_free(rng);
	memset(tr->epoch_bce, 0, tr->n_tasks * sizeof(double));
	for (size_t b = 0; b < tr->n_batches; b++) {
		size_t start = b * B, n = tr->n_train - start < B ? tr->n_train - start : B;

		/* a stop asked of any rank stops all of them before the same batch */
		if (shared(tr) && tm_parallel_any(tr->parallel, stop))
			return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted during epoch %zu",
					    epoch + 1);
		if ((rc = train_batch(tr, tr->order + start, n, &loss, err)) < 0)
			return rc;
		*samples_done += n;
		if (report_batch(tr, epoch, b, loss, process_started, *samples_done) != 0) {
			if (shared(tr))
				stop = 1;
			else
				return tm_error_set(err, TM_ERR_INTERRUPTED,
						    "interrupted during epoch %zu", epoch + 1);
		}
	}
	return finish_epoch(tr, epoch, started, err);
}

/* train_epochs - epochs [first, n_epochs), then the run's final status. */
static int train_epochs(struct trainer *tr, size_t first, struct tm_error *err)
{
	double started = now_seconds();
	size_t samples_done = 0;
	struct tm_error status_err = { 0 }, write_err = { 0 };
	char message[TM_ERROR_MAX + 64];
	int rc = 0, write_rc;

	for (size_t epoch = first; epoch < tr->config->n_epochs && rc == 0; epoch++)
		rc = run_epoch(tr, epoch, started, &samples_done, err);
	/* the last commit lands (or fails) before the run's status says so */
	if ((write_rc = finish_writers(tr, &write_err)) < 0 && (rc == 0 || rc == TM_ERR_INTERRUPTED)) {
		rc = write_rc;
		if (err)
			*err = write_err;
	}
	if (!tr->root) /* the other ranks of an MPI run have no store */
		return rc;
	if (rc == 0 && tr->affinity)
		rc = tm_affinity_write(tr->affinity, tr->store, tr->run_id, tr->config, err);
	if (rc == 0)
		return tm_store_set_run_status(tr->store, tr->run_id, TM_RUN_DONE, NULL, err);
	if (rc == TM_ERR_INTERRUPTED)
		snprintf(message, sizeof(message), "stopped on request; resume with"
			 " 'taskmap train --resume %lld'", (long long)tr->run_id);
	else
		snprintf(message, sizeof(message), "%s", err ? err->message : tm_err_name(rc));
	tm_store_rollback(tr->store);
	if (tm_store_set_run_status(tr->store, tr->run_id,
				    rc == TM_ERR_INTERRUPTED ? TM_RUN_INTERRUPTED : TM_RUN_FAILED,
				    message, &status_err) < 0 && err) {
		/* a full disk refuses this write too: say so; readers show the run as interrupted */
		size_t used = strlen(err->message);

		snprintf(err->message + used, sizeof(err->message) - used,
			 "; the run's status could not be recorded either, so it shows as"
			 " interrupted (resume it with 'taskmap train --resume %lld')",
			 (long long)tr->run_id);
	}
	return rc;
}

/* ---- new runs ------------------------------------------------------------------ */

static int copy_rows(size_t **out, const size_t *rows, size_t n, struct tm_error *err)
{
	if (!(*out = malloc((n ? n : 1) * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (n)
		memcpy(*out, rows, n * sizeof(size_t));
	return 0;
}

static int add_split(struct tm_store *store, int64_t run_id, const char *name,
		     const size_t *rows, size_t n, struct tm_error *err)
{
	int64_t *index = malloc((n ? n : 1) * sizeof(int64_t));
	int rc;

	if (!index)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		index[i] = (int64_t)rows[i];
	rc = tm_store_add_samples(store, run_id, name, index, NULL, n, err);
	free(index);
	return rc;
}

static int add_tasks(struct trainer *tr, const struct tm_split *split, struct tm_error *err)
{
	struct tm_task_check *checks = calloc(tr->n_tasks, sizeof(*checks));
	struct tm_task_record *tasks = calloc(tr->n_tasks, sizeof(*tasks));
	int rc;

	if (!checks || !tasks) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	tm_dataset_check_tasks(tr->dataset, split->train, split->n_train,
			       tr->config->source.min_labelled, checks);
	for (size_t t = 0; t < tr->n_tasks; t++) {
		tasks[t].index = (int64_t)t;
		tasks[t].name = tr->dataset->task_names[t];
		tasks[t].positives = (int64_t)checks[t].positives;
		tasks[t].labelled = (int64_t)checks[t].labelled;
		tasks[t].excluded = checks[t].excluded;
	}
	rc = tm_store_add_tasks(tr->store, tr->run_id, tasks, tr->n_tasks, err);
out:
	free(checks);
	free(tasks);
	return rc;
}

/*
 * add_labels - the gold labels of every task over the training positions,
 * which the labels and predictions estimators need (store/analyses.h): the
 * task-major copy prepare made (rank 0 holds every training position).
 */
static int add_labels(struct trainer *tr, struct tm_error *err)
{
	int rc = 0;

	for (size_t t = 0; t < tr->n_tasks && rc == 0; t++)
		rc = tm_store_write_labels(tr->store, tr->run_id, (int64_t)t,
					   tr->train_labels_by_task + t * tr->n_train, tr->n_train,
					   err);
	return rc;
}

/* data_hash - sha256 of the data file, or "" for in-memory data. */
static int data_hash(const struct tm_dataset *dataset, const struct tm_trainer_config *config,
		     char hex[65], struct tm_error *err)
{
	const char *path = config->source.data_path ? config->source.data_path
		: dataset->source_path;

	hex[0] = '\0';
	return path ? tm_sha256_file(path, hex, err) : 0;
}

/* create_run - the dataset, run, tasks and splits rows, in one transaction. */
static int create_run(struct trainer *tr, const struct tm_split *split, const char *json,
		      const char *sha, struct tm_error *err)
{
	const struct tm_dataset *d = tr->dataset;
	struct tm_dataset_record dataset = { .name = d->name, .source_path = d->source_path,
					     .sha256 = sha[0] ? sha : NULL, .format = d->format,
					     .n_samples = (int64_t)d->n_samples,
					     .n_features = (int64_t)d->n_features,
					     .n_tasks = (int64_t)d->n_tasks };
	struct tm_run_record run = { .name = tr->config->run_name, .kind = "train",
				     .status = TM_RUN_RUNNING, .config_json = json,
				     .seed = (int64_t)tr->config->seed,
				     .n_epochs = (int64_t)tr->config->n_epochs,
				     .n_train_samples = (int64_t)tr->n_train };
	int rc;

	if ((rc = tm_store_begin(tr->store, err)) < 0)
		return rc;
	if ((rc = tm_store_add_dataset(tr->store, &dataset, &run.dataset_id, err)) < 0 ||
	    (rc = tm_store_create_run(tr->store, &run, err)) < 0 ||
	    (rc = tm_store_claim_run(tr->store, run.id, err)) < 0)
		goto fail;
	tr->run_id = run.id;
	if ((rc = add_tasks(tr, split, err)) < 0 || (rc = add_labels(tr, err)) < 0 ||
	    (rc = add_split(tr->store, run.id, "train", split->train, split->n_train, err)) < 0 ||
	    (rc = add_split(tr->store, run.id, "valid", split->valid, split->n_valid, err)) < 0 ||
	    (rc = add_split(tr->store, run.id, "test", split->test, split->n_test, err)) < 0 ||
	    (rc = tm_store_commit(tr->store, err)) < 0)
		goto fail;
	return 0;
fail:
	tm_store_rollback(tr->store);
	tr->run_id = 0;
	return rc;
}

/*
 * take_split - rank 0's (or a lone process's) copy of the split's training
 * and validation rows; under mpirun every rank then learns their counts.
 */
static int take_split(struct trainer *tr, const struct tm_split *split, struct tm_error *err)
{
	uint64_t counts[2];
	int rc = 0;

	if (tr->root && (rc = copy_rows(&tr->train_rows, split->train, split->n_train, err)) == 0)
		rc = copy_rows(&tr->valid_rows, split->valid, split->n_valid, err);
	/* the counts go out even then: the caller's agreement stops every rank */
	counts[0] = tr->n_train;
	counts[1] = tr->n_valid;
	tm_parallel_broadcast(tr->parallel, counts, sizeof(counts));
	tr->n_train = (size_t)counts[0];
	tr->n_valid = (size_t)counts[1];
	return rc;
}

/*
 * set_up_new_run - the model and buffers on every rank; on rank 0 also the
 * data's hash, the configuration's JSON and the run in the store.
 */
static int set_up_new_run(struct trainer *tr, const struct tm_split *split, char sha[65],
			  char **json, struct tm_error *err)
{
	int rc;

	if (tr->root && ((rc = data_hash(tr->dataset, tr->config, sha, err)) < 0 ||
			 (rc = tm_trainer_config_to_json(tr->config, sha[0] ? sha : NULL, json,
							 err)) < 0))
		return rc;
	if ((rc = prepare(tr, err)) < 0 || (rc = mark_stale_runs(tr, err)) < 0)
		return rc;
	return tr->root ? create_run(tr, split, *json, sha, err) : 0;
}

int tm_train_run(struct tm_store *store, struct tm_dataset *dataset,
		 const struct tm_split *split, const struct tm_trainer_config *config,
		 const struct tm_progress *progress, int64_t *run_id,
		 struct tm_error *err)
{
	struct trainer tr = { .store = store, .dataset = dataset, .config = config,
			      .progress = progress };
	const char *problem;
	size_t n_read = dataset ? dataset->n_samples : 0;
	char sha[65], *json = NULL;
	int rc;

	*run_id = 0;
	choose_ranks(&tr);
	sha[0] = '\0';
	if (tr.root) {
		tr.n_train = split->n_train;
		tr.n_valid = split->n_valid;
	}
	if ((rc = agree(&tr, take_split(&tr, split, err), err)) < 0)
		goto out;
	if ((problem = tm_trainer_check_config(config, tr.n_train))) {
		rc = tm_error_set(err, TM_ERR_USAGE, "%s", problem);
		goto out;
	}
	if ((rc = agree(&tr, set_up_shards(&tr, err), err)) < 0 ||
	    (rc = hand_out_rows(&tr, err)) < 0 ||
	    (rc = agree(&tr, set_up_new_run(&tr, split, sha, &json, err), err)) < 0 ||
	    (rc = share_inputs(&tr)) < 0 ||
	    (rc = agree(&tr, keep_own_rows(&tr, err), err)) < 0 ||
	    (rc = note_rows_held(&tr, n_read, err)) < 0)
		goto out;
	*run_id = tr.run_id;
	rc = train_epochs(&tr, 0, err);
out:
	free(json);
	release(&tr);
	return rc;
}

/* ---- resume ------------------------------------------------------------------- */

static int read_split(struct trainer *tr, int64_t run_id, const char *name, size_t **rows,
		      size_t *n, struct tm_error *err)
{
	int64_t *index = NULL;
	int rc;

	if ((rc = tm_store_read_samples(tr->store, run_id, name, &index, n, err)) < 0)
		return rc;
	if (!(*rows = malloc((*n ? *n : 1) * sizeof(size_t)))) {
		free(index);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < *n; i++) {
		if (index[i] < 0 || (uint64_t)index[i] >= tr->dataset->n_samples) {
			free(index);
			return tm_error_set(err, TM_ERR_INPUT,
					    "the run's %s split names row %lld, but the data has %zu rows",
					    name, (long long)index[i], tr->dataset->n_samples);
		}
		(*rows)[i] = (size_t)index[i];
	}
	free(index);
	return 0;
}

/* share_blob - rank 0's byte string (*@bytes, *@n) to the other ranks, agreed. */
static int share_blob(struct trainer *tr, void **bytes, size_t *n, struct tm_error *err)
{
	return agree(tr, tm_parallel_broadcast_blob(tr->parallel, bytes, n, err), err);
}

/*
 * read_checkpoint - the last committed epoch's checkpoint: rank 0 reads it
 * from the store and hands it to the other ranks.
 */
static int read_checkpoint(struct trainer *tr, struct tm_checkpoint *cp, struct tm_error *err)
{
	int64_t epoch;
	int rc = 0;

	memset(cp, 0, sizeof(*cp));
	if (tr->root)
		rc = tm_store_read_checkpoint(tr->store, tr->run_id, cp, err);
	if ((rc = agree(tr, rc, err)) < 0 || !shared(tr))
		return rc;
	epoch = cp->epoch;
	tm_parallel_broadcast(tr->parallel, &epoch, sizeof(epoch));
	cp->epoch = epoch;
	if ((rc = share_blob(tr, &cp->parameters, &cp->parameters_bytes, err)) < 0 ||
	    (rc = share_blob(tr, &cp->optimizer, &cp->optimizer_bytes, err)) < 0 ||
	    (rc = share_blob(tr, &cp->extra, &cp->extra_bytes, err)) < 0)
		tm_checkpoint_release(cp);
	return rc;
}

/*
 * restore - the state after the last committed epoch (checkpoint, and on
 * rank 0 the summaries of --keep summary).
 */
static int restore(struct trainer *tr, int64_t epochs_done, struct tm_error *err)
{
	struct tm_checkpoint cp;
	uint64_t head[2];
	int rc;

	if (epochs_done == 0)
		return 0; /* nothing committed: start as a new run would */
	if ((rc = read_checkpoint(tr, &cp, err)) < 0)
		return rc;
	if (cp.epoch != epochs_done - 1 || cp.extra_bytes < sizeof(head) + tm_affinity_bytes(tr->affinity)) {
		rc = tm_error_set(err, TM_ERR_INPUT, "the run's checkpoint is not of its last epoch");
		goto out;
	}
	memcpy(head, cp.extra, sizeof(head));
	if (head[0] != EXTRA_MAGIC) {
		rc = tm_error_set(err, TM_ERR_INPUT, "the run's checkpoint is unreadable");
		goto out;
	}
	if ((rc = tm_mlp_load(tr->mlp, cp.parameters, cp.parameters_bytes, err)) < 0 ||
	    (rc = tm_optimizer_load(tr->optimizer, cp.optimizer, cp.optimizer_bytes, err)) < 0 ||
	    (rc = tm_weighting_load(tr->weighting, (char *)cp.extra + sizeof(head),
				    cp.extra_bytes - sizeof(head) - tm_affinity_bytes(tr->affinity),
				    err)) < 0 ||
	    (tr->affinity &&
	     (rc = tm_affinity_load(tr->affinity, (char *)cp.extra + cp.extra_bytes -
				    tm_affinity_bytes(tr->affinity), tm_affinity_bytes(tr->affinity),
				    err)) < 0))
		goto out;
	for (size_t t = 0; tr->root && tr->config->keep == TM_KEEP_SUMMARY && t < tr->n_tasks &&
	     rc == 0; t++) {
		struct tm_recorder *r = tr->recorder;

		rc = tm_store_read_summary(tr->store, tr->run_id, (int64_t)t, tr->n_train,
					   r->mean + t * tr->n_train, r->m2 + t * tr->n_train,
					   r->correct + t * tr->n_train, &r->n_epochs, err);
	}
out:
	tm_checkpoint_release(&cp);
	return rc;
}

static int check_same_data(const struct tm_dataset *dataset, const struct tm_trainer_loaded *loaded,
			   struct tm_error *err)
{
	char sha[65];
	int rc;

	if (!loaded->data_sha256 || (rc = data_hash(dataset, &loaded->config, sha, err)) < 0)
		return 0;
	if (sha[0] && strcmp(sha, loaded->data_sha256) != 0)
		return tm_error_set(err, TM_ERR_INPUT,
				    "the data file changed since the run started (its sha256 differs)");
	return 0;
}

/*
 * read_splits - the run's training and validation rows: rank 0 reads them
 * from the store (after checking the data is the run's) and hands them on.
 */
static int read_splits(struct trainer *tr, const struct tm_trainer_loaded *loaded,
		       struct tm_error *err)
{
	size_t bytes[2];
	int rc = 0;

	if (tr->root && (rc = check_same_data(tr->dataset, loaded, err)) == 0 &&
	    (rc = read_split(tr, loaded->run_id, "train", &tr->train_rows, &tr->n_train, err)) == 0)
		rc = read_split(tr, loaded->run_id, "valid", &tr->valid_rows, &tr->n_valid, err);
	if ((rc = agree(tr, rc, err)) < 0 || !shared(tr))
		return rc;
	bytes[0] = tr->n_train * sizeof(size_t);
	bytes[1] = tr->n_valid * sizeof(size_t);
	if ((rc = share_blob(tr, (void **)&tr->train_rows, &bytes[0], err)) < 0 ||
	    (rc = share_blob(tr, (void **)&tr->valid_rows, &bytes[1], err)) < 0)
		return rc;
	tr->n_train = bytes[0] / sizeof(size_t);
	tr->n_valid = bytes[1] / sizeof(size_t);
	return 0;
}

/* claim_for_resume - rank 0 claims the run, marks dead runs and the run running again. */
static int claim_for_resume(struct trainer *tr, struct tm_error *err)
{
	int rc;

	if (!tr->root)
		return 0;
	if ((rc = tm_store_claim_run(tr->store, tr->run_id, err)) < 0 ||
	    (rc = mark_stale_runs(tr, err)) < 0)
		return rc;
	return 0;
}

int tm_train_resume(struct tm_store *store, struct tm_dataset *dataset,
		    const struct tm_trainer_loaded *loaded,
		    const struct tm_progress *progress, struct tm_error *err)
{
	struct trainer tr = { .store = store, .dataset = dataset, .config = &loaded->config,
			      .progress = progress, .run_id = loaded->run_id };
	const char *problem = tm_trainer_check_config(&loaded->config, 0);
	size_t n_read = dataset ? dataset->n_samples : 0;
	int rc;

	choose_ranks(&tr);
	if (problem) {
		rc = tm_error_set(err, TM_ERR_INPUT, "the run's configuration is invalid: %s", problem);
		goto out;
	}
	if ((rc = read_splits(&tr, loaded, err)) < 0)
		goto out;
	if (!tr.n_train || tr.config->batch_size > tr.n_train) {
		rc = tm_error_set(err, TM_ERR_INPUT, "the run's training split is empty or too small");
		goto out;
	}
	if ((rc = agree(&tr, set_up_shards(&tr, err), err)) < 0 ||
	    (rc = hand_out_rows(&tr, err)) < 0 ||
	    (rc = agree(&tr, prepare(&tr, err), err)) < 0 ||
	    (rc = share_inputs(&tr)) < 0 ||
	    (rc = agree(&tr, claim_for_resume(&tr, err), err)) < 0 ||
	    (rc = agree(&tr, restore(&tr, loaded->epochs_done, err), err)) < 0 ||
	    (rc = agree(&tr, tr.root ? tm_store_set_run_status(store, loaded->run_id,
							       TM_RUN_RUNNING, NULL, err) : 0,
			err)) < 0 ||
	    (rc = agree(&tr, keep_own_rows(&tr, err), err)) < 0 ||
	    (rc = note_rows_held(&tr, n_read, err)) < 0)
		goto out;
	rc = train_epochs(&tr, (size_t)loaded->epochs_done, err);
out:
	release(&tr);
	return rc;
}
