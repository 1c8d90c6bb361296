/*
 * fit.c - in-memory fits for `taskmap evaluate`: train one model on given
 * dataset rows and tasks with the trainer's recipe (the run's configuration:
 * widths, optimiser, learning rate, epochs, batch size, weighting, class
 * balance), optionally with a fixed extra loss factor per task (soft
 * memberships), and return its logits on other rows. Nothing is recorded
 * or stored. It trains exactly as train.c does - the same building blocks
 * (step.c), the same seeding of initial parameters and per-epoch shuffles -
 * so the same seed gives bit-identical logits.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef TM_HAVE_OPENBLAS
void openblas_set_num_threads(int num_threads);
#endif

/* Everything one fit allocates; released in one place. */
struct fit {
	const struct tm_trainer_config *config;
	const struct tm_fit_spec *spec;
	struct tm_trainer_config recipe; /* the config with the fit's adjustments */
	const char **task_names;
	int8_t *train_labels;            /* n_train x n_tasks, the fit's task columns */
	int8_t *batch_labels;
	float *pos_weight, *weight, *dlogits;
	double *task_loss, *epoch_loss, *epoch_count;
	size_t *order, *batch_rows;
	struct tm_mlp *mlp;
	struct tm_optimizer *optimizer;
	struct tm_weighting *weighting;
	struct tm_batch batch;
};

/* same streams as train.c: splitmix64 of (seed, stream) */
/* at_least_one - @n, or 1 for n = 0 (malloc(0) may return NULL). */
static size_t at_least_one(size_t n)
{
	return n ? n : 1;
}

static uint64_t mix_seed(uint64_t seed, uint64_t stream)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define INIT_STREAM 0xffffffffull

static void release(struct fit *f)
{
	free(f->task_names);
	free(f->train_labels);
	free(f->batch_labels);
	free(f->pos_weight);
	free(f->weight);
	free(f->dlogits);
	free(f->task_loss);
	free(f->epoch_loss);
	free(f->epoch_count);
	free(f->order);
	free(f->batch_rows);
	tm_mlp_destroy(f->mlp);
	tm_optimizer_destroy(f->optimizer);
	tm_weighting_destroy(f->weighting);
	tm_batch_release(&f->batch);
}

static int allocate(struct fit *f, struct tm_error *err)
{
	size_t T = f->spec->n_tasks, B = f->recipe.batch_size, n = f->spec->n_train;

	f->task_names = calloc(T, sizeof(char *));
	f->train_labels = malloc(at_least_one(n * T));
	f->batch_labels = malloc(B * T);
	f->weight = malloc(B * T * sizeof(float));
	f->dlogits = malloc(B * T * sizeof(float));
	f->task_loss = calloc(T, sizeof(double));
	f->epoch_loss = calloc(T, sizeof(double));
	f->epoch_count = calloc(T, sizeof(double));
	f->order = malloc((n ? n : 1) * sizeof(size_t));
	f->batch_rows = malloc(B * sizeof(size_t));
	if (f->recipe.balance)
		f->pos_weight = malloc(T * sizeof(float));
	if (!f->task_names || !f->train_labels || !f->batch_labels || !f->weight || !f->dlogits ||
	    !f->task_loss || !f->epoch_loss || !f->epoch_count || !f->order || !f->batch_rows ||
	    (f->recipe.balance && !f->pos_weight))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for a model of %zu tasks", T);
	return tm_batch_init(&f->batch, &f->spec->dataset->x, B, err);
}

/* gather - the fit's label columns over the training rows, names and class weights. */
static void gather(struct fit *f)
{
	const struct tm_fit_spec *s = f->spec;
	size_t T = s->n_tasks;

	for (size_t t = 0; t < T; t++)
		f->task_names[t] = s->dataset->task_names[s->tasks[t]];
	for (size_t i = 0; i < s->n_train; i++)
		for (size_t t = 0; t < T; t++)
			f->train_labels[i * T + t] = (int8_t)tm_dataset_label(s->dataset,
									     s->train_rows[i],
									     s->tasks[t]);
	for (size_t t = 0; f->pos_weight && t < T; t++) {
		size_t pos = 0, neg = 0;

		for (size_t i = 0; i < s->n_train; i++) {
			pos += f->train_labels[i * T + t] == TM_LABEL_POSITIVE;
			neg += f->train_labels[i * T + t] == TM_LABEL_NEGATIVE;
		}
		f->pos_weight[t] = pos && neg ? (float)((double)neg / (double)pos) : 1.0f;
	}
}

/* prepare - buffers, labels, the model (seeded init, standardised), optimiser, weighting. */
static int prepare(struct fit *f, struct tm_error *err)
{
	const struct tm_fit_spec *s = f->spec;
	const struct tm_trainer_config *c = &f->recipe;
	gsl_rng *rng;
	int rc;

	if ((rc = allocate(f, err)) < 0)
		return rc;
	gather(f);
	if ((rc = tm_mlp_create(&f->mlp, s->dataset->n_features, c->hidden, c->n_hidden,
				s->n_tasks, c->batch_size, err)) < 0 ||
	    (rc = tm_mlp_standardise(f->mlp, &s->dataset->x, s->train_rows, s->n_train, err)) < 0 ||
	    (rc = tm_optimizer_create(&f->optimizer, c->optimizer, f->mlp->n_parameters,
				      c->learning_rate, c->momentum, c->weight_decay, err)) < 0 ||
	    (rc = tm_weighting_create(&f->weighting, c, s->n_tasks, f->task_names, err)) < 0)
		return rc;
	if (!(rng = tm_rng_create(mix_seed(s->seed, INIT_STREAM))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	tm_mlp_init(f->mlp, rng);
	gsl_rng_free(rng);
	return 0;
}

/*
 * add_epoch_loss - the batch's training-pass BCE per task into the epoch's
 * sums: like train.c, DWA and DTB see each task's mean training loss.
 */
static void add_epoch_loss(struct fit *f, size_t n, const float *logits)
{
	size_t T = f->spec->n_tasks;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < T; t++) {
			int y = f->batch_labels[i * T + t];

			if (y == TM_LABEL_MISSING)
				continue;
			f->epoch_loss[t] += tm_bce(logits[i * T + t], y);
			f->epoch_count[t] += 1;
		}
}

static void end_epoch(struct fit *f)
{
	for (size_t t = 0; t < f->spec->n_tasks; t++) {
		f->epoch_loss[t] = f->epoch_count[t] > 0 ? f->epoch_loss[t] / f->epoch_count[t] : NAN;
		f->epoch_count[t] = 0;
	}
	tm_weighting_end_epoch(f->weighting, f->epoch_loss);
	memset(f->epoch_loss, 0, f->spec->n_tasks * sizeof(double));
}

static int run_epoch(struct fit *f, size_t epoch, uint64_t *steps, struct tm_error *err)
{
	const struct tm_fit_spec *s = f->spec;
	size_t B = f->recipe.batch_size, T = s->n_tasks;
	struct tm_step step = { f->mlp, f->optimizer, f->weighting, f->pos_weight, s->task_weight,
				f->weight, f->dlogits, f->task_loss, NULL, NULL, NULL };
	gsl_rng *rng = tm_rng_create(mix_seed(s->seed, epoch));
	struct tm_mlp_input x;
	const float *logits;
	double loss;
	int rc = 0;

	if (!rng)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	tm_rng_shuffle_indices(rng, f->order, s->n_train);
	gsl_rng_free(rng);
	for (size_t start = 0; start < s->n_train && rc == 0; start += B) {
		size_t n = s->n_train - start < B ? s->n_train - start : B;

		for (size_t i = 0; i < n; i++) {
			f->batch_rows[i] = s->train_rows[f->order[start + i]];
			memcpy(f->batch_labels + i * T, f->train_labels + f->order[start + i] * T, T);
		}
		if ((rc = tm_batch_build(&f->batch, f->mlp, f->batch_rows, n, &x, err)) < 0)
			break;
		logits = tm_mlp_forward(f->mlp, &x);
		add_epoch_loss(f, n, logits);
		rc = tm_step_update(&step, &x, f->batch_labels, logits, &loss, err);
		(*steps)++;
	}
	if (rc == 0)
		end_epoch(f);
	return rc;
}

static int predict(struct fit *f, float *logits, struct tm_error *err)
{
	const struct tm_fit_spec *s = f->spec;
	size_t B = f->recipe.batch_size, T = s->n_tasks;
	struct tm_mlp_input x;
	int rc;

	for (size_t start = 0; start < s->n_predict; start += B) {
		size_t n = s->n_predict - start < B ? s->n_predict - start : B;

		if ((rc = tm_batch_build(&f->batch, f->mlp, s->predict_rows + start, n, &x, err)) < 0)
			return rc;
		memcpy(logits + start * T, tm_mlp_forward(f->mlp, &x), n * T * sizeof(float));
	}
	return 0;
}

static const char *check_spec(const struct tm_trainer_config *config, const struct tm_fit_spec *s)
{
	if (!s->dataset || !s->n_tasks || !s->tasks)
		return "a fit needs a dataset and at least one task";
	if (!s->n_train || config->batch_size > s->n_train)
		return "the training rows are fewer than a batch";
	for (size_t t = 0; t < s->n_tasks; t++)
		if (s->tasks[t] >= s->dataset->n_tasks)
			return "a fit names a task the data does not have";
	return tm_trainer_check_config(config, s->n_train);
}

int tm_fit_predict(const struct tm_trainer_config *config, const struct tm_fit_spec *spec,
		   float *logits, struct tm_fit_cost *cost, const struct tm_progress *progress,
		   struct tm_error *err)
{
	struct fit f = { .config = config, .spec = spec, .recipe = *config };
	const char *problem = check_spec(config, spec);
	uint64_t steps = 0;
	int rc = 0;

	if (problem)
		return tm_error_set(err, TM_ERR_USAGE, "%s", problem);
	if (f.recipe.weighting == TM_WEIGHTING_FILE)
		f.recipe.weighting = TM_WEIGHTING_EQUAL; /* the file names the run's tasks, not a group's */
#ifdef TM_HAVE_OPENBLAS
	openblas_set_num_threads(config->threads > 0 ? config->threads : 1);
#endif
	if ((rc = prepare(&f, err)) < 0)
		goto out;
	for (size_t epoch = 0; epoch < f.recipe.n_epochs && rc == 0; epoch++) {
		if ((rc = run_epoch(&f, epoch, &steps, err)) < 0)
			break;
		if (tm_progress_report(progress, "fit", (double)epoch + 1, (double)f.recipe.n_epochs,
				       NULL) != 0)
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	if (rc == 0)
		rc = predict(&f, logits, err);
	if (rc == 0 && cost) {
		cost->models++;
		cost->steps += steps;
		cost->parameter_updates += steps * (uint64_t)f.mlp->n_parameters;
	}
out:
	release(&f);
	return rc;
}
