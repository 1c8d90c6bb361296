/*
 * test-affinity.c - gradient affinities recorded by the trainer
 * (trainer/affinity.c): TAG's sign on two tasks built to help and to hurt
 * each other, cosine against finite-difference per-task gradients, the
 * head-gradient factors on a constructed case, and on whole runs: the
 * recording leaves the training dynamics unchanged, is deterministic, and
 * a resumed run ends with the matrices of an uninterrupted one.
 */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "store.h"
#include "test-helpers.h"
#include "trainer.h"

Suite *affinity_suite(void);

static char *dir, *db_path;

static void setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	db_path = test_path(dir, "results.db");
}

static void teardown(void)
{
	test_remove_tree(dir);
	free(db_path);
	free(dir);
}

/* ---- one step on a small in-memory problem ------------------------------------ */

enum { N_IN = 4, N_HIDDEN = 6, N_ROWS = 16, MAX_TASKS = 3 };

struct small {
	struct tm_mlp *mlp;
	struct tm_optimizer *optimizer;
	struct tm_weighting *weighting;
	struct tm_affinity *affinity;
	struct tm_trainer_config config;
	float x[N_ROWS * N_IN];
	int8_t labels[N_ROWS * MAX_TASKS];
	float weight[N_ROWS * MAX_TASKS], dlogits[N_ROWS * MAX_TASKS];
	double task_loss[MAX_TASKS];
	size_t n_tasks;
};

static void small_create(struct small *s, size_t n_tasks, unsigned kinds, uint64_t seed)
{
	static const char *const names[] = { "a", "b", "c" };
	size_t hidden[1] = { N_HIDDEN };
	struct tm_error err = { 0 };
	gsl_rng *rng = tm_rng_create(seed);

	memset(s, 0, sizeof(*s));
	s->n_tasks = n_tasks;
	tm_trainer_config_defaults(&s->config);
	s->config.affinity = kinds;
	s->config.affinity_every = 1;
	s->config.optimizer = TM_OPTIMIZER_SGD;
	s->config.momentum = 0;
	s->config.learning_rate = 0.05;
	ck_assert_int_eq(tm_mlp_create(&s->mlp, N_IN, hidden, 1, n_tasks, N_ROWS, &err), 0);
	tm_mlp_init(s->mlp, rng);
	ck_assert_int_eq(tm_optimizer_create(&s->optimizer, TM_OPTIMIZER_SGD, s->mlp->n_parameters,
					     0.05, 0, 0, &err), 0);
	ck_assert_int_eq(tm_weighting_create(&s->weighting, &s->config, n_tasks, names, &err), 0);
	ck_assert_int_eq(tm_affinity_create(&s->affinity, &s->config, s->mlp, &err), 0);
	for (size_t k = 0; k < N_ROWS * N_IN; k++)
		s->x[k] = (float)gsl_ran_gaussian(rng, 1);
	for (size_t i = 0; i < N_ROWS; i++)
		for (size_t t = 0; t < n_tasks; t++)
			s->labels[i * n_tasks + t] = gsl_rng_uniform(rng) < 0.5;
	gsl_rng_free(rng);
}

static void small_destroy(struct small *s)
{
	tm_mlp_destroy(s->mlp);
	tm_optimizer_destroy(s->optimizer);
	tm_weighting_destroy(s->weighting);
	tm_affinity_destroy(s->affinity);
}

/* small_step - one tm_step_update on the batch, with or without the affinity. */
static void small_step(struct small *s, int with_affinity)
{
	struct tm_mlp_input x = { .n_rows = N_ROWS, .dense = s->x };
	struct tm_step step = { s->mlp, s->optimizer, s->weighting, NULL, NULL, s->weight,
				s->dlogits, s->task_loss, with_affinity ? s->affinity : NULL, NULL,
				NULL };
	struct tm_error err = { 0 };
	const float *logits = tm_mlp_forward(s->mlp, &x);
	double loss;

	ck_assert_msg(tm_step_update(&step, &x, s->labels, logits, &loss, &err) == 0, "%s",
		      err.message);
}

/* same_head - make task 1's head a copy of task 0's (weights and bias). */
static void same_head(struct tm_mlp *mlp)
{
	float *w = mlp->parameters + mlp->weight_offset[1], *b = mlp->parameters + mlp->bias_offset[1];
	size_t T = mlp->n_tasks;

	for (size_t h = 0; h < N_HIDDEN; h++)
		w[h * T + 1] = w[h * T + 0];
	b[1] = b[0];
}

START_TEST(tag_sign_follows_helping_and_hurting)
{
	/* _i even: task 1 = task 0 (same labels, same head): a step on L_0 lowers L_1.
	 * _i odd: opposite labels, same head: dL_1/dz = -dL_0/dz near sigma = 1/2, so
	 * a step on L_0 raises L_1. _i 0, 1 with SGD; 2, 3 with Adam's preconditioned
	 * lookahead, measured on the second step (Adam's v from the first). */
	struct small s;
	double z[4];
	struct tm_error err = { 0 };

	small_create(&s, 2, TM_AFFINITY_TAG, 7);
	same_head(s.mlp);
	for (size_t i = 0; i < N_ROWS; i++)
		s.labels[i * 2 + 1] = _i % 2 == 0 ? s.labels[i * 2] : !s.labels[i * 2];
	if (_i >= 2) {
		tm_optimizer_destroy(s.optimizer);
		s.config.optimizer = TM_OPTIMIZER_ADAM;
		ck_assert_int_eq(tm_optimizer_create(&s.optimizer, TM_OPTIMIZER_ADAM,
						     s.mlp->n_parameters, 0.001, 0, 0, &err), 0);
		s.affinity->every = 2; /* measure step 0 and step 2 */
		small_step(&s, 1);
		small_step(&s, 1);
		ck_assert_uint_eq(s.optimizer->steps, 2);
	}
	small_step(&s, 1);
	ck_assert_int_eq(tm_affinity_matrix(s.affinity, TM_AFFINITY_TAG, z, NULL, &err), 0);
	ck_assert_msg(z[0] > 0 && z[3] > 0, "self-affinity %g %g", z[0], z[3]);
	if (_i % 2 == 0) {
		ck_assert_msg(z[1] > 0 && z[2] > 0, "Z(0->1) %g Z(1->0) %g", z[1], z[2]);
		ck_assert_double_eq_tol(z[1], z[0], 1e-5);
	} else {
		ck_assert_msg(z[1] < 0 && z[2] < 0, "Z(0->1) %g Z(1->0) %g", z[1], z[2]);
	}
	small_destroy(&s);
}
END_TEST

/* task_loss_of - task @t's unweighted loss on the batch at the current parameters. */
static double task_loss_of(struct small *s, size_t t)
{
	struct tm_mlp_input x = { .n_rows = N_ROWS, .dense = s->x };
	double per_task[MAX_TASKS];

	tm_mlp_forward(s->mlp, &x);
	tm_mlp_loss(s->mlp, N_ROWS, s->labels, NULL, s->dlogits, per_task, NULL);
	return per_task[t];
}

START_TEST(cosine_matches_finite_difference_gradients)
{
	struct small s;
	struct tm_error err = { 0 };
	size_t T = 3, P;
	double *g, cosine[9];

	small_create(&s, T, TM_AFFINITY_COSINE, 11);
	P = s.affinity->n_trunk;
	ck_assert_uint_eq(P, N_IN * N_HIDDEN + N_HIDDEN);
	g = calloc(T * P, sizeof(double));
	/* central differences of each task's loss w.r.t. each trunk parameter (double steps) */
	for (size_t k = 0; k < P; k++) {
		float saved = s.mlp->parameters[k];

		for (size_t t = 0; t < T; t++) {
			double up, down, h = 1e-3;

			s.mlp->parameters[k] = saved + (float)h;
			up = task_loss_of(&s, t);
			s.mlp->parameters[k] = saved - (float)h;
			down = task_loss_of(&s, t);
			s.mlp->parameters[k] = saved;
			g[t * P + k] = (up - down) / (2 * h);
		}
	}
	small_step(&s, 1);
	ck_assert_int_eq(tm_affinity_matrix(s.affinity, TM_AFFINITY_COSINE, cosine, NULL, &err), 0);
	for (size_t i = 0; i < T; i++)
		for (size_t j = 0; j < T; j++) {
			double dot = 0, ii = 0, jj = 0;

			for (size_t k = 0; k < P; k++) {
				dot += g[i * P + k] * g[j * P + k];
				ii += g[i * P + k] * g[i * P + k];
				jj += g[j * P + k] * g[j * P + k];
			}
			ck_assert_double_eq_tol(cosine[i * T + j], dot / sqrt(ii * jj), 5e-3);
		}
	free(g);
	small_destroy(&s);
}
END_TEST

START_TEST(observing_leaves_the_step_bit_identical)
{
	struct small a, b;

	small_create(&a, 3, TM_AFFINITY_TAG | TM_AFFINITY_COSINE | TM_AFFINITY_HEADS, 5);
	small_create(&b, 3, TM_AFFINITY_TAG | TM_AFFINITY_COSINE | TM_AFFINITY_HEADS, 5);
	for (int step = 0; step < 4; step++) {
		small_step(&a, 1);
		small_step(&b, 0);
		ck_assert_mem_eq(a.mlp->parameters, b.mlp->parameters,
				 a.mlp->n_parameters * sizeof(float));
	}
	ck_assert_uint_eq(a.affinity->measured, 4);
	small_destroy(&a);
	small_destroy(&b);
}
END_TEST

START_TEST(heads_factors_group_parallel_rows)
{
	/* rows of two directions; _i 0: fewer tasks than head inputs (A^T decomposed), 1: more */
	struct tm_trainer_config config;
	struct tm_mlp *mlp = NULL;
	struct tm_affinity *a = NULL;
	struct tm_error err = { 0 };
	size_t T = _i == 0 ? 4 : 6, hidden[1] = { _i == 0 ? 8 : 2 }, C, rank;
	double *m = malloc(T * T * sizeof(double));

	tm_trainer_config_defaults(&config);
	config.affinity = TM_AFFINITY_HEADS;
	ck_assert_int_eq(tm_mlp_create(&mlp, 3, hidden, 1, T, 4, &err), 0);
	ck_assert_int_eq(tm_affinity_create(&a, &config, mlp, &err), 0);
	C = a->head_inputs;
	for (size_t t = 0; t < T; t++) {
		a->heads[t * C + (t % 2)] = 1.0 + (double)t; /* even tasks e0, odd tasks e1, scaled */
		a->heads[t * C + 2] = 0.25 * (1.0 + (double)t); /* shared component */
	}
	ck_assert_int_eq(tm_affinity_matrix(a, TM_AFFINITY_HEADS, m, &rank, &err), 0);
	ck_assert_uint_ge(rank, 1);
	for (size_t i = 0; i < T; i++)
		for (size_t j = 0; j < T; j++) {
			if (i % 2 == j % 2)
				ck_assert_double_eq_tol(m[i * T + j], 1, 1e-9);
			else
				ck_assert_double_eq_tol(m[i * T + j], -1, 1e-9);
		}
	free(m);
	tm_affinity_destroy(a);
	tm_mlp_destroy(mlp);
}
END_TEST

/* ---- whole runs ------------------------------------------------------------------ */

static struct tm_dataset *synth(void)
{
	struct tm_synth_options options;
	struct tm_dataset *dataset = NULL;
	size_t *groups = NULL;
	struct tm_error err = { 0 };

	tm_synth_defaults(&options);
	options.n_samples = 500;
	options.n_groups = 3;
	options.tasks_per_group = 2;
	options.seed = 4;
	ck_assert_msg(tm_synth_generate(&dataset, &groups, &options, &err) == 0, "%s", err.message);
	free(groups);
	return dataset;
}

static int stop_after(void *context, const char *stage, double done, double total,
		      const char *message)
{
	int *left = context;

	(void)done, (void)total, (void)message;
	return strcmp(stage, "batch") == 0 && --*left < 0;
}

static int64_t train(struct tm_store *store, struct tm_dataset *dataset,
		     const char *name, unsigned kinds, const struct tm_progress *progress,
		     int expected)
{
	struct tm_trainer_config config;
	struct tm_split split;
	struct tm_error err = { 0 };
	int64_t run_id = 0;
	int rc;

	tm_trainer_config_defaults(&config);
	config.run_name = name;
	config.n_epochs = 3;
	config.hidden[0] = 16;
	config.batch_size = 32;
	config.learning_rate = 1e-2;
	config.affinity = kinds;
	config.affinity_every = 3;
	config.affinity_sources = 2;
	ck_assert_int_eq(tm_split_random(&split, dataset->n_samples, 0.1, 0.2, 5, &err), 0);
	rc = tm_train_run(store, dataset, &split, &config, progress, &run_id, &err);
	ck_assert_msg(rc == expected, "train: %s (%s)", err.message, tm_err_name(rc));
	tm_split_release(&split);
	return run_id;
}

static uint16_t *dynamics_of(struct tm_store *store, int64_t run_id, size_t n_tasks,
			     size_t n_samples)
{
	uint16_t *all = malloc(n_tasks * 3 * n_samples * sizeof(uint16_t));
	struct tm_error err = { 0 };

	for (size_t t = 0; t < n_tasks; t++)
		ck_assert_msg(tm_store_read_dynamics(store, run_id, (int64_t)t, 0, 3, n_samples,
						     all + t * 3 * n_samples, &err) == 0,
			      "%s", err.message);
	return all;
}

static struct tm_matrix *recorded(struct tm_store *store, int64_t run_id, const char *name)
{
	struct tm_matrix *m = NULL;
	struct tm_error err = { 0 };
	int64_t id;

	ck_assert_msg(tm_store_find_run_matrix(store, run_id, name, &id, &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(tm_store_read_matrix(store, id, &m, &err), 0);
	return m;
}

START_TEST(runs_with_affinity_train_alike_and_resume_to_the_same_matrices)
{
	static const char *const names[] = { "tag", "cosine", "heads" };
	unsigned all = TM_AFFINITY_TAG | TM_AFFINITY_COSINE | TM_AFFINITY_HEADS;
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth();
	struct tm_trainer_loaded loaded;
	int left = 20;
	struct tm_progress stopper = { stop_after, &left };
	int64_t plain, with, resumed;
	size_t n_train, T = dataset->n_tasks;
	struct tm_split split;
	uint16_t *a, *b;

	ck_assert_int_eq(tm_split_random(&split, dataset->n_samples, 0.1, 0.2, 5, &err), 0);
	n_train = split.n_train;
	tm_split_release(&split);
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	plain = train(store, dataset, "plain", 0, NULL, 0);
	with = train(store, dataset, "with", all, NULL, 0);
	resumed = train(store, dataset, "resumed", all, &stopper, TM_ERR_INTERRUPTED);
	ck_assert_int_eq(tm_trainer_load(store, "resumed", &loaded, &err), 0);
	ck_assert_int_eq(loaded.config.affinity, all);
	ck_assert_uint_eq(loaded.config.affinity_sources, 2);
	ck_assert_int_eq(tm_train_resume(store, dataset, &loaded, NULL, &err), 0);
	tm_trainer_loaded_release(&loaded);
	/* recording affinities does not change what is trained */
	a = dynamics_of(store, plain, T, n_train);
	b = dynamics_of(store, with, T, n_train);
	ck_assert_mem_eq(a, b, T * 3 * n_train * sizeof(uint16_t));
	free(a);
	free(b);
	/* the resumed run ends with the same matrices, bit for bit */
	for (size_t k = 0; k < 3; k++) {
		struct tm_matrix *x = recorded(store, with, names[k]);
		struct tm_matrix *y = recorded(store, resumed, names[k]);
		size_t finite = 0;

		ck_assert_uint_eq(x->record.n_tasks, T);
		ck_assert_mem_eq(x->values, y->values, T * T * sizeof(double));
		for (size_t c = 0; c < T * T; c++)
			finite += isfinite(x->values[c]);
		ck_assert_msg(finite == T * T, "%s: %zu of %zu entries measured", names[k], finite,
			      T * T);
		tm_matrix_free(x);
		tm_matrix_free(y);
	}
	ck_assert_int_eq(tm_store_find_run_matrix(store, plain, "tag", &with, &err), TM_ERR_NOT_FOUND);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

Suite *affinity_suite(void)
{
	Suite *s = suite_create("affinity");
	TCase *unit = tcase_create("unit"), *runs = tcase_create("runs");

	tcase_add_loop_test(unit, tag_sign_follows_helping_and_hurting, 0, 4);
	tcase_add_test(unit, cosine_matches_finite_difference_gradients);
	tcase_add_test(unit, observing_leaves_the_step_bit_identical);
	tcase_add_loop_test(unit, heads_factors_group_parallel_rows, 0, 2);
	suite_add_tcase(s, unit);
	tcase_add_unchecked_fixture(runs, setup, teardown);
	tcase_set_timeout(runs, 120);
	tcase_add_test(runs, runs_with_affinity_train_alike_and_resume_to_the_same_matrices);
	suite_add_tcase(s, runs);
	return s;
}
