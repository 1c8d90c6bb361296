/*
 * test-trainer.c - the trainer: MLP gradients against finite differences
 * (dense and sparse inputs, masks, weights), learning a tiny problem, the
 * ROC-AUC with ties, recorded probabilities against a recomputation from the
 * stored parameters (dense and sparse data), resume after an interruption,
 * determinism, --keep summary against the BLOBs, the stored per-task
 * metrics, and every task weighting including a weights file.
 */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "store.h"
#include "test-helpers.h"
#include "trainer.h"

Suite *trainer_suite(void);

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

/* ---- gradient check ---------------------------------------------------------- */

enum { N_IN = 7, N_ROWS = 5, N_TASKS = 3 };

struct problem {
	float dense[N_ROWS * N_IN];
	size_t row_start[N_ROWS + 1];
	uint32_t cols[N_ROWS * N_IN];
	float values[N_ROWS * N_IN];
	int8_t labels[N_ROWS * N_TASKS];
	float weight[N_ROWS * N_TASKS];
};

static void make_problem(struct problem *p, gsl_rng *rng)
{
	size_t nnz = 0;

	for (size_t i = 0; i < N_ROWS; i++) {
		p->row_start[i] = nnz;
		for (size_t j = 0; j < N_IN; j++) {
			float v = gsl_rng_uniform(rng) < 0.5 ? 0.0f : (float)(2 * gsl_rng_uniform(rng) - 1);

			p->dense[i * N_IN + j] = v;
			if (v != 0) {
				p->cols[nnz] = (uint32_t)j;
				p->values[nnz++] = v;
			}
		}
		for (size_t t = 0; t < N_TASKS; t++) {
			double u = gsl_rng_uniform(rng);

			p->labels[i * N_TASKS + t] = u < 0.2 ? TM_LABEL_MISSING : u < 0.6;
			p->weight[i * N_TASKS + t] = (float)(0.2 + gsl_rng_uniform(rng));
		}
	}
	p->row_start[N_ROWS] = nnz;
}

static double loss_at(struct tm_mlp *mlp, const struct tm_mlp_input *x, const struct problem *p,
		      float *dlogits)
{
	tm_mlp_forward(mlp, x);
	return tm_mlp_loss(mlp, N_ROWS, p->labels, p->weight, dlogits, NULL, NULL);
}

/*
 * check_gradients - every analytic partial derivative against a central
 * difference in double-checked float: |a - n| <= 2e-2 * max(|a|, |n|) + 2e-4.
 */
static void check_gradients(const size_t *hidden, size_t n_hidden, int sparse)
{
	struct tm_error err = { 0 };
	struct tm_mlp *mlp = NULL;
	struct problem p;
	gsl_rng *rng = tm_rng_create(42);
	struct tm_mlp_input x = { .n_rows = N_ROWS };
	float dlogits[N_ROWS * N_TASKS];
	float *analytic;
	size_t checked = 0;

	make_problem(&p, rng);
	if (sparse) {
		x.row_start = p.row_start;
		x.col_index = p.cols;
		x.values = p.values;
	} else {
		x.dense = p.dense;
	}
	ck_assert_int_eq(tm_mlp_create(&mlp, N_IN, hidden, n_hidden, N_TASKS, N_ROWS, &err), 0);
	tm_mlp_init(mlp, rng);
	/* non-zero biases so that the bias gradients are exercised too */
	for (size_t l = 0; l < mlp->n_layers; l++)
		for (size_t j = 0; j < mlp->width[l + 1]; j++)
			mlp->parameters[mlp->bias_offset[l] + j] = (float)(0.3 * gsl_rng_uniform(rng));
	loss_at(mlp, &x, &p, dlogits);
	tm_mlp_backward(mlp, &x, dlogits);
	analytic = malloc(mlp->n_parameters * sizeof(float));
	memcpy(analytic, mlp->gradients, mlp->n_parameters * sizeof(float));
	for (size_t k = 0; k < mlp->n_parameters; k++) {
		float saved = mlp->parameters[k], h = 1e-2f;
		double up, down, numeric;

		mlp->parameters[k] = saved + h;
		up = loss_at(mlp, &x, &p, dlogits);
		mlp->parameters[k] = saved - h;
		down = loss_at(mlp, &x, &p, dlogits);
		mlp->parameters[k] = saved;
		numeric = (up - down) / (2.0 * h);
		ck_assert_msg(fabs(analytic[k] - numeric) <=
			      2e-2 * fmax(fabs(analytic[k]), fabs(numeric)) + 2e-4,
			      "parameter %zu: analytic %g, numeric %g", k, analytic[k], numeric);
		checked += analytic[k] != 0;
	}
	ck_assert_uint_gt(checked, mlp->n_parameters / 2); /* the check is not vacuous */
	free(analytic);
	tm_mlp_destroy(mlp);
	gsl_rng_free(rng);
}

START_TEST(gradients_match_finite_differences)
{
	static const size_t one[] = { 6 }, two[] = { 6, 4 };

	check_gradients(one, 1, 0);
	check_gradients(one, 1, 1);
	check_gradients(two, 2, 0);
	check_gradients(two, 2, 1);
	check_gradients(NULL, 0, 0);
	check_gradients(NULL, 0, 1);
}
END_TEST

START_TEST(learns_a_tiny_problem)
{
	struct tm_error err = { 0 };
	struct tm_mlp *mlp = NULL;
	struct tm_optimizer *opt = NULL;
	static const size_t hidden[] = { 16 };
	struct problem p;
	gsl_rng *rng = tm_rng_create(7);
	struct tm_mlp_input x = { .n_rows = N_ROWS };
	float dlogits[N_ROWS * N_TASKS];
	double loss = 0;

	make_problem(&p, rng);
	x.dense = p.dense;
	ck_assert_int_eq(tm_mlp_create(&mlp, N_IN, hidden, 1, N_TASKS, N_ROWS, &err), 0);
	tm_mlp_init(mlp, rng);
	ck_assert_int_eq(tm_optimizer_create(&opt, TM_OPTIMIZER_ADAM, mlp->n_parameters, 0.05, 0,
					     0, &err), 0);
	for (int step = 0; step < 600; step++) {
		tm_mlp_forward(mlp, &x);
		loss = tm_mlp_loss(mlp, N_ROWS, p.labels, NULL, dlogits, NULL, NULL);
		tm_mlp_backward(mlp, &x, dlogits);
		tm_optimizer_step(opt, mlp->parameters, mlp->gradients);
	}
	ck_assert_double_lt(loss, 1e-2);
	tm_optimizer_destroy(opt);
	tm_mlp_destroy(mlp);
	gsl_rng_free(rng);
}
END_TEST

/*
 * tm_mlp_loss evaluates the BCE with its own float exponential and log
 * (vectorised): the loss, per task and in total, against tm_bce in double,
 * the gradient against w (sigma(z) - y), over logits from 0 to beyond
 * expf's normal range, missing labels and zero weights; the unweighted
 * per-task sums the epoch's training loss comes from (zero weights
 * included); the total is the same whether per-task sums are asked for or
 * not.
 */
START_TEST(loss_matches_double_precision_bce)
{
	enum { ROWS = 9, TASKS = 301 };
	static const size_t hidden[] = { 2 };
	struct tm_error err = { 0 };
	struct tm_mlp *mlp = NULL;
	int8_t *labels = malloc(ROWS * TASKS);
	float *weight = malloc(ROWS * TASKS * sizeof(float));
	float *dlogits = malloc(ROWS * TASKS * sizeof(float)), *logits;
	double *task_loss = malloc(TASKS * sizeof(double)), *want = calloc(TASKS, sizeof(double));
	double *bce = malloc(TASKS * sizeof(double)), *want_bce = calloc(TASKS, sizeof(double));
	double total, want_total = 0;
	gsl_rng *rng = tm_rng_create(11);

	ck_assert_int_eq(tm_mlp_create(&mlp, 3, hidden, 1, TASKS, ROWS, &err), 0);
	logits = mlp->activation[mlp->n_layers];
	for (size_t k = 0; k < ROWS * TASKS; k++) {
		double u = gsl_rng_uniform(rng);

		logits[k] = (float)((u < 0.1 ? 120 : u < 0.5 ? 12 : 1) * (2 * gsl_rng_uniform(rng) - 1));
		labels[k] = gsl_rng_uniform(rng) < 0.1 ? TM_LABEL_MISSING : gsl_rng_uniform(rng) < 0.4;
		weight[k] = gsl_rng_uniform(rng) < 0.05 ? 0.0f : (float)(0.1 + gsl_rng_uniform(rng));
	}
	for (size_t t = 0; t < TASKS; t++)
		bce[t] = 1; /* added to */
	total = tm_mlp_loss(mlp, ROWS, labels, weight, dlogits, task_loss, bce);
	for (size_t k = 0; k < ROWS * TASKS; k++) {
		double z = logits[k], w = weight[k];

		if (labels[k] != TM_LABEL_MISSING)
			want_bce[k % TASKS] += tm_bce(z, labels[k]);
		if (labels[k] == TM_LABEL_MISSING || w == 0) {
			ck_assert(dlogits[k] == 0);
			continue;
		}
		want[k % TASKS] += w * tm_bce(z, labels[k]);
		want_total += w * tm_bce(z, labels[k]);
		ck_assert_double_eq_tol(dlogits[k], w * (1 / (1 + exp(-z)) - labels[k]), 1e-6);
	}
	for (size_t t = 0; t < TASKS; t++) {
		ck_assert_double_eq_tol(task_loss[t], want[t], 1e-6 * want[t] + 1e-12);
		ck_assert_double_eq_tol(bce[t], 1 + want_bce[t], 1e-6 * want_bce[t] + 1e-12);
	}
	ck_assert_double_eq_tol(total, want_total, 1e-6 * want_total);
	ck_assert(tm_mlp_loss(mlp, ROWS, labels, weight, dlogits, NULL, NULL) == total);
	gsl_rng_free(rng);
	tm_mlp_destroy(mlp);
	free(labels);
	free(weight);
	free(dlogits);
	free(task_loss);
	free(want);
	free(bce);
	free(want_bce);
}
END_TEST

START_TEST(roc_auc_counts_ties_as_half)
{
	/* positives 0.8, 0.5; negatives 0.5, 0.1, 0.1: pairs won 2+1.5+... = (3 + 2.5)/6 */
	const float scores[] = { 0.8f, 0.5f, 0.5f, 0.1f, 0.1f, 0.3f };
	const int8_t labels[] = { 1, 1, 0, 0, 0, TM_LABEL_MISSING };
	float scratch[6];

	ck_assert_double_eq_tol(tm_metrics_roc_auc(scores, labels, 6, 1, scratch), 5.5 / 6, 1e-12);
	{
		/* the majority positive way round gives the same answer */
		const int8_t flipped[] = { 0, 0, 1, 1, 1, TM_LABEL_MISSING };
		const float negated[] = { -0.8f, -0.5f, -0.5f, -0.1f, -0.1f, 0 };

		ck_assert_double_eq_tol(tm_metrics_roc_auc(negated, flipped, 6, 1, scratch),
					5.5 / 6, 1e-12);
	}
	ck_assert(isnan(tm_metrics_roc_auc(scores, (const int8_t[]){ 1, 1, 1, 1, 1, 1 }, 6, 1,
					   scratch)));
}
END_TEST

/*
 * The AUC's vector and plain forms at the edges of their loops: columns
 * shorter than a vector, than the 32 labels the class collection reads at
 * a time and than a lookup chunk, and just past each, with the smaller
 * class from one sample to half of them, all-equal scores (one bucket)
 * and scores spread or clustered: the same AUC as the O(n log n) form, to
 * the bit, either way.
 */
START_TEST(metrics_auc_forms_agree_at_loop_edges)
{
	static const size_t lengths[] = { 2, 7, 8, 9, 31, 32, 33, 255, 256, 257, 520 };
	gsl_rng *rng = tm_rng_create(5);
	float *scores = malloc(520 * sizeof(float)), *scratch = malloc(520 * sizeof(float));
	int8_t *labels = malloc(520);
	struct tm_task_metrics_record vector, plain;

	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		size_t n = lengths[l];

		for (int shape = 0; shape < 4; shape++) {
			for (size_t i = 0; i < n; i++) {
				double u = gsl_rng_uniform(rng);

				/* spread; clustered in a few values; all equal; one class rare */
				scores[i] = shape == 0 ? (float)gsl_ran_gaussian(rng, 2)
					: shape == 1 ? (float)((int)(u * 3)) * 0.25f
					: shape == 2 ? 1.5f : (float)gsl_ran_gaussian(rng, 0.01);
				labels[i] = shape == 3 ? (i % 5 == 1) : gsl_rng_uniform(rng) < 0.5;
			}
			labels[0] = TM_LABEL_POSITIVE; /* both classes present */
			labels[n - 1] = TM_LABEL_NEGATIVE;
			tm_metrics_vector_kernels(1);
			ck_assert_int_eq(tm_metrics_all(scores, labels, NULL, NULL, n, 1, &vector,
							NULL, NULL), 0);
			tm_metrics_vector_kernels(0);
			ck_assert_int_eq(tm_metrics_all(scores, labels, NULL, NULL, n, 1, &plain,
							NULL, NULL), 0);
			ck_assert_msg(vector.roc_auc == plain.roc_auc &&
				      plain.roc_auc == tm_metrics_roc_auc(scores, labels, n, 1, scratch),
				      "n %zu shape %d: %.17g %.17g", n, shape, vector.roc_auc,
				      plain.roc_auc);
		}
	}
	tm_metrics_vector_kernels(1);
	gsl_rng_free(rng);
	free(scores);
	free(scratch);
	free(labels);
}
END_TEST

/*
 * tm_metrics_all sorts by radix on the float bits and looks the larger
 * class up in a bucket table; it must give exactly the AUC of the plain
 * form, with ties (many equal and saturated logits), -0 and +0, missing
 * labels, tasks with one class or a single positive, and columns wider
 * than a block. tm_metrics_losses, which the trainer uses for the
 * weighting while the writer thread makes the rest, must give its losses
 * to the bit, and the writer's form (task-major labels, those losses)
 * the same records. Looped: with the AUC's vector forms (where the
 * processor has them) and with the plain C forms.
 */
START_TEST(metrics_all_auc_matches_plain_auc)
{
	size_t n = 700, n_tasks = TM_METRICS_BLOCK + 7;

	tm_metrics_vector_kernels(_i == 0);
	float *logits = malloc(n * n_tasks * sizeof(float)), *column = malloc(n * sizeof(float));
	float *scratch = malloc(n * sizeof(float));
	int8_t *labels = malloc(n * n_tasks), *column_labels = malloc(n);
	struct tm_task_metrics_record *out = calloc(n_tasks, sizeof(*out)), plain;
	gsl_rng *rng = tm_rng_create(7);

	for (size_t k = 0; k < n * n_tasks; k++) {
		size_t t = k % n_tasks;
		double u = gsl_rng_uniform(rng);

		/* coarse values make ties; some tasks saturate; task 3 has one class */
		logits[k] = t % 4 == 0 ? (float)((int)(u * 9) - 4) * 0.5f
			: t % 4 == 1 ? (u < 0.3 ? 30.0f : u < 0.5 ? -0.0f : 0.0f)
			: (float)gsl_ran_gaussian(rng, 3);
		labels[k] = t == 3 ? TM_LABEL_NEGATIVE : t == 5 ? (k / n_tasks == 17)
			: gsl_rng_uniform(rng) < 0.1 ? TM_LABEL_MISSING
			: gsl_rng_uniform(rng) < 0.3 + 0.4 * (logits[k] > 0) ? TM_LABEL_POSITIVE
			: TM_LABEL_NEGATIVE;
	}
	uint16_t *codes = malloc(n * n_tasks * sizeof(uint16_t));
	uint16_t *codes2 = malloc(n * n_tasks * sizeof(uint16_t));
	double *losses = malloc(n_tasks * sizeof(double));
	int8_t *by_task = malloc(n * n_tasks);
	struct tm_task_metrics_record *out2 = calloc(n_tasks, sizeof(*out2));

	ck_assert_int_eq(tm_metrics_all(logits, labels, NULL, NULL, n, n_tasks, out, codes, NULL),
			 0);
	ck_assert_int_eq(tm_metrics_losses(logits, labels, n, n_tasks, losses, NULL), 0);
	/* with task-major labels and the losses given: the same records, the same codes */
	for (size_t t = 0; t < n_tasks; t++)
		for (size_t i = 0; i < n; i++)
			by_task[t * n + i] = labels[i * n_tasks + t];
	ck_assert_int_eq(tm_metrics_all(logits, labels, by_task, losses, n, n_tasks, out2, codes2,
					NULL), 0);
	ck_assert_mem_eq(codes2, codes, n * n_tasks * sizeof(uint16_t));
	for (size_t t = 0; t < n_tasks; t++) {
		ck_assert(out2[t].loss == out[t].loss || (isnan(out2[t].loss) && isnan(out[t].loss)));
		ck_assert(out2[t].accuracy == out[t].accuracy);
		ck_assert(out2[t].roc_auc == out[t].roc_auc ||
			  (isnan(out2[t].roc_auc) && isnan(out[t].roc_auc)));
	}
	for (size_t t = 0; t < n_tasks; t++) {
		for (size_t i = 0; i < n; i++) {
			column[i] = logits[i * n_tasks + t];
			column_labels[i] = labels[i * n_tasks + t];
			/* the recording made in the same pass: task-major, within one code of
			 * the double-precision encoding of p(gold) */
			if (column_labels[i] == TM_LABEL_MISSING) {
				ck_assert_uint_eq(codes[t * n + i], TM_DYNAMICS_MISSING);
			} else {
				double q = tm_dynamics_encode(tm_gold_probability(column[i],
										column_labels[i]));

				ck_assert_double_le(fabs(codes[t * n + i] - q), 1);
			}
		}
		tm_metrics_task(logits, labels, n, n_tasks, t, scratch, &plain);
		ck_assert_int_eq(out[t].task_index, (int64_t)t);
		if (t == 3) {
			ck_assert(isnan(out[t].roc_auc));
			continue;
		}
		ck_assert(out[t].roc_auc == tm_metrics_roc_auc(column, column_labels, n, 1, scratch));
		ck_assert(out[t].roc_auc == plain.roc_auc);
		ck_assert_double_eq_tol(out[t].loss, plain.loss, 1e-6 * plain.loss);
		ck_assert(out[t].loss == losses[t]);
		ck_assert(out[t].accuracy == plain.accuracy);
	}
	gsl_rng_free(rng);
	free(losses);
	free(codes);
	free(codes2);
	free(by_task);
	free(out2);
	free(logits);
	free(column);
	free(scratch);
	free(labels);
	free(column_labels);
	free(out);
	tm_metrics_vector_kernels(1);
}
END_TEST

static void *work_on_job(void *job)
{
	ck_assert_int_eq(tm_metrics_job_work(job, NULL), 0);
	tm_metrics_job_wait(job);
	return NULL;
}

/*
 * The trainer's writer thread and its main thread share an epoch's
 * metrics (tm_metrics_job): whoever takes a block, the records and codes
 * must be those of one thread alone, every task done once; a thread that
 * comes when every block is taken has nothing to do.
 */
START_TEST(metrics_job_shared_by_two_threads)
{
	size_t n = 300, n_tasks = 5 * TM_METRICS_BLOCK + 3;
	float *logits = malloc(n * n_tasks * sizeof(float));
	int8_t *labels = malloc(n * n_tasks);
	uint16_t *codes = malloc(n * n_tasks * sizeof(uint16_t));
	uint16_t *shared_codes = malloc(n * n_tasks * sizeof(uint16_t));
	struct tm_task_metrics_record *out = calloc(n_tasks, sizeof(*out));
	struct tm_task_metrics_record *shared_out = calloc(n_tasks, sizeof(*shared_out));
	struct tm_metrics_job job;
	gsl_rng *rng = tm_rng_create(11);
	pthread_t helper;

	for (size_t k = 0; k < n * n_tasks; k++) {
		logits[k] = (float)gsl_ran_gaussian(rng, 2);
		labels[k] = gsl_rng_uniform(rng) < 0.05 ? TM_LABEL_MISSING
			: gsl_rng_uniform(rng) < 0.2 + 0.5 * (logits[k] > 0);
	}
	ck_assert_int_eq(tm_metrics_all(logits, labels, NULL, NULL, n, n_tasks, out, codes, NULL),
			 0);
	for (int round = 0; round < 20; round++) {
		memset(shared_out, 0, n_tasks * sizeof(*shared_out));
		memset(shared_codes, 0, n * n_tasks * sizeof(uint16_t));
		tm_metrics_job_init(&job, logits, labels, NULL, NULL, n, n_tasks, shared_out,
				    shared_codes);
		ck_assert_int_eq(pthread_create(&helper, NULL, work_on_job, &job), 0);
		ck_assert_int_eq(tm_metrics_job_work(&job, NULL), 0);
		tm_metrics_job_wait(&job);
		ck_assert_uint_eq(job.finished, job.n_blocks);
		ck_assert_mem_eq(shared_codes, codes, n * n_tasks * sizeof(uint16_t));
		ck_assert_mem_eq(shared_out, out, n_tasks * sizeof(*out));
		ck_assert_int_eq(pthread_join(helper, NULL), 0);
		/* late: every block is taken */
		ck_assert_int_eq(tm_metrics_job_work(&job, NULL), 0);
		ck_assert_uint_eq(job.taken, job.n_blocks);
		tm_metrics_job_destroy(&job);
	}
	gsl_rng_free(rng);
	free(logits);
	free(labels);
	free(codes);
	free(shared_codes);
	free(out);
	free(shared_out);
}
END_TEST

/* ---- whole runs ------------------------------------------------------------------ */

/*
 * make_sparse - turn @dataset's dense features into CSR, dropping the values
 * with |x| < 0.6 (about half of the synthetic Gaussian features), so that
 * the whole-run tests also cover the sparse standardisation and CSR layer.
 */
static void make_sparse(struct tm_dataset *dataset)
{
	struct tm_features *x = &dataset->x;
	size_t nnz = 0;

	x->row_start = malloc((x->n_rows + 1) * sizeof(size_t));
	x->col_index = malloc(x->n_rows * x->n_cols * sizeof(uint32_t));
	x->values = malloc(x->n_rows * x->n_cols * sizeof(float));
	ck_assert(x->row_start && x->col_index && x->values);
	for (size_t i = 0; i < x->n_rows; i++) {
		x->row_start[i] = nnz;
		for (size_t j = 0; j < x->n_cols; j++) {
			float v = x->dense[i * x->n_cols + j];

			if (fabsf(v) >= 0.6f) {
				x->col_index[nnz] = (uint32_t)j;
				x->values[nnz++] = v;
			}
		}
	}
	x->row_start[x->n_rows] = nnz;
	x->nnz = nnz;
	x->is_sparse = 1;
	free(x->dense);
	x->dense = NULL;
}

static struct tm_dataset *synth(size_t n_samples, int sparse)
{
	struct tm_synth_options options;
	struct tm_dataset *dataset = NULL;
	size_t *groups = NULL;
	struct tm_error err = { 0 };

	tm_synth_defaults(&options);
	options.n_samples = n_samples;
	options.missing_fraction = 0.05;
	options.seed = 3;
	ck_assert_msg(tm_synth_generate(&dataset, &groups, &options, &err) == 0, "%s", err.message);
	free(groups);
	if (sparse)
		make_sparse(dataset);
	return dataset;
}

/* dense_row - dataset row @row as dense values (0 where a sparse row stores nothing). */
static void dense_row(const struct tm_dataset *dataset, size_t row, float *out)
{
	const struct tm_features *x = &dataset->x;

	if (!x->is_sparse) {
		memcpy(out, x->dense + row * x->n_cols, x->n_cols * sizeof(float));
		return;
	}
	memset(out, 0, x->n_cols * sizeof(float));
	for (size_t k = x->row_start[row]; k < x->row_start[row + 1]; k++)
		out[x->col_index[k]] = x->values[k];
}

static void split_of(struct tm_split *split, const struct tm_dataset *dataset)
{
	struct tm_error err = { 0 };

	ck_assert_int_eq(tm_split_random(split, dataset->n_samples, 0.1, 0.2, 5, &err), 0);
}

static size_t train_size(const struct tm_dataset *dataset)
{
	struct tm_split split;
	size_t n;

	split_of(&split, dataset);
	n = split.n_train;
	tm_split_release(&split);
	return n;
}

static void small_config(struct tm_trainer_config *config, const char *name, size_t epochs)
{
	tm_trainer_config_defaults(config);
	config->run_name = name;
	config->n_epochs = epochs;
	config->hidden[0] = 16;
	config->batch_size = 32;
	config->learning_rate = 1e-2;
}

static int64_t train(struct tm_store *store, struct tm_dataset *dataset,
		     const struct tm_trainer_config *config, const struct tm_progress *progress,
		     int expected)
{
	struct tm_split split;
	struct tm_error err = { 0 };
	int64_t run_id = 0;
	int rc;

	split_of(&split, dataset);
	rc = tm_train_run(store, dataset, &split, config, progress, &run_id, &err);
	ck_assert_msg(rc == expected, "train: %s (%s)", err.message, tm_err_name(rc));
	tm_split_release(&split);
	return run_id;
}

/* dynamics_of - all BLOB values of a run (tasks x epochs x samples), new array. */
static uint16_t *dynamics_of(struct tm_store *store, int64_t run_id, size_t n_tasks,
			     size_t n_epochs, size_t n_samples)
{
	uint16_t *all = malloc(n_tasks * n_epochs * n_samples * sizeof(uint16_t));
	struct tm_error err = { 0 };

	for (size_t t = 0; t < n_tasks; t++)
		ck_assert_msg(tm_store_read_dynamics(store, run_id, (int64_t)t, 0, (int64_t)n_epochs,
						     n_samples, all + t * n_epochs * n_samples,
						     &err) == 0, "%s", err.message);
	return all;
}

static int stop_after(void *context, const char *stage, double done, double total,
		      const char *message)
{
	int *left = context;

	(void)done, (void)total, (void)message;
	return strcmp(stage, "batch") == 0 && --*left < 0;
}

START_TEST(resume_records_what_an_uninterrupted_run_records)
{
	static const enum tm_weighting_kind kinds[] = { TM_WEIGHTING_EQUAL, TM_WEIGHTING_UNCERTAINTY,
							TM_WEIGHTING_DWA, TM_WEIGHTING_DTB };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth(600, 0);
	struct tm_trainer_config config;
	struct tm_trainer_loaded loaded;
	int left = 0;
	struct tm_progress stopper = { stop_after, &left };
	char name[2][32];
	int64_t whole, resumed;
	size_t n_train;
	uint16_t *a, *b;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	snprintf(name[0], sizeof(name[0]), "whole-%d", _i);
	snprintf(name[1], sizeof(name[1]), "resumed-%d", _i);
	small_config(&config, name[0], 4);
	config.weighting = kinds[_i];
	config.optimizer = _i % 2 ? TM_OPTIMIZER_SGD : TM_OPTIMIZER_ADAM;
	whole = train(store, dataset, &config, NULL, 0);
	/* stop in the middle of the third epoch */
	n_train = train_size(dataset);
	config.run_name = name[1];
	left = (int)(2 * ((n_train + 31) / 32) + 7);
	resumed = train(store, dataset, &config, &stopper, TM_ERR_INTERRUPTED);
	ck_assert_int_eq(tm_trainer_load(store, name[1], &loaded, &err), 0);
	ck_assert_int_eq(loaded.epochs_done, 2);
	ck_assert_int_eq(tm_train_resume(store, dataset, &loaded, NULL, &err), 0);
	tm_trainer_loaded_release(&loaded);
	a = dynamics_of(store, whole, dataset->n_tasks, 4, n_train);
	b = dynamics_of(store, resumed, dataset->n_tasks, 4, n_train);
	ck_assert_mem_eq(a, b, dataset->n_tasks * 4 * n_train * sizeof(uint16_t));
	/* and a run done is not resumed again */
	ck_assert_int_eq(tm_trainer_load(store, name[1], &loaded, &err), TM_ERR_USAGE);
	tm_trainer_loaded_release(&loaded);
	free(a);
	free(b);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

START_TEST(same_seed_same_recording)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth(400, 0);
	struct tm_trainer_config config;
	int64_t first, second, third;
	size_t n = train_size(dataset);
	uint16_t *a, *b, *c;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	small_config(&config, "first", 3);
	first = train(store, dataset, &config, NULL, 0);
	config.run_name = "second";
	second = train(store, dataset, &config, NULL, 0);
	config.run_name = "third";
	config.seed = 2;
	third = train(store, dataset, &config, NULL, 0);
	a = dynamics_of(store, first, dataset->n_tasks, 3, n);
	b = dynamics_of(store, second, dataset->n_tasks, 3, n);
	c = dynamics_of(store, third, dataset->n_tasks, 3, n);
	ck_assert_mem_eq(a, b, dataset->n_tasks * 3 * n * sizeof(uint16_t));
	ck_assert(memcmp(a, c, dataset->n_tasks * 3 * n * sizeof(uint16_t)) != 0);
	free(a);
	free(b);
	free(c);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

/*
 * _i & 1: sparse (CSR) data, scaled by the rms and not centred, else dense;
 * _i & 2: --hidden 0 (a linear model per task), else two ReLU layers.
 */
START_TEST(eval_pass_matches_the_stored_parameters)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth(400, _i & 1);
	struct tm_trainer_config config;
	struct tm_checkpoint cp;
	struct tm_mlp *mlp = NULL;
	int64_t run_id, *rows = NULL;
	size_t n = 0, T = dataset->n_tasks, d = dataset->n_features;
	uint16_t *recorded;
	float *x, *raw;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	small_config(&config, "eval", 3);
	config.record = TM_RECORD_EVAL_PASS;
	config.n_hidden = _i & 2 ? 0 : 2;
	config.hidden[1] = 8;
	run_id = train(store, dataset, &config, NULL, 0);
	ck_assert_int_eq(tm_store_read_samples(store, run_id, "train", &rows, &n, &err), 0);
	recorded = malloc(n * sizeof(uint16_t));
	ck_assert_int_eq(tm_store_read_checkpoint(store, run_id, &cp, &err), 0);
	ck_assert_int_eq(cp.epoch, 2);
	ck_assert_int_eq(tm_mlp_create(&mlp, d, config.hidden, config.n_hidden, T, 1, &err), 0);
	ck_assert_uint_eq(mlp->n_parameters, _i & 2 ? (d + 1) * T : (d + 1) * 16 + 17 * 8 + 9 * T);
	ck_assert_int_eq(tm_mlp_load(mlp, cp.parameters, cp.parameters_bytes, &err), 0);
	x = malloc(d * sizeof(float));
	raw = malloc(d * sizeof(float));
	if (_i & 1) {
		/* sparse: shift 0, scale 1 / sqrt(mean of x_j^2 over the training rows) */
		double *squares = calloc(d, sizeof(double));

		for (size_t i = 0; i < n; i++) {
			dense_row(dataset, (size_t)rows[i], raw);
			for (size_t j = 0; j < d; j++)
				squares[j] += (double)raw[j] * raw[j];
		}
		for (size_t j = 0; j < d; j++) {
			ck_assert_float_eq(mlp->shift[j], 0);
			ck_assert_double_eq_tol(mlp->scale[j], 1 / sqrt(squares[j] / (double)n),
						1e-4 * mlp->scale[j]);
		}
		free(squares);
	}
	for (size_t t = 0; t < T; t++) {
		ck_assert_int_eq(tm_store_read_dynamics(store, run_id, (int64_t)t, 2, 3, n, recorded,
							&err), 0);
		for (size_t i = 0; i < n; i++) {
			struct tm_mlp_input in = { .n_rows = 1, .dense = x };
			int y = tm_dataset_label(dataset, (size_t)rows[i], t);
			double p;

			dense_row(dataset, (size_t)rows[i], raw);
			for (size_t j = 0; j < d; j++)
				x[j] = (raw[j] - mlp->shift[j]) * mlp->scale[j];
			p = tm_gold_probability(tm_mlp_forward(mlp, &in)[t], y);
			if (y == TM_LABEL_MISSING)
				ck_assert_uint_eq(recorded[i], TM_DYNAMICS_MISSING);
			else
				ck_assert_double_eq_tol(tm_dynamics_decode(recorded[i]), p, 2e-5);
		}
	}
	free(x);
	free(raw);
	free(recorded);
	free(rows);
	tm_mlp_destroy(mlp);
	tm_checkpoint_release(&cp);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

/*
 * --keep summary stores what the analyzers compute from the BLOBs of the
 * same run kept whole: the mean, the population variance (M2 / E) and the
 * count of right predictions (p > 0.5) of the decoded values, per sample.
 */
START_TEST(summary_matches_the_blobs)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth(400, 0);
	struct tm_trainer_config config;
	const size_t E = 4;
	size_t n = train_size(dataset), T = dataset->n_tasks, compared = 0;
	int64_t all_id, summary_id, n_epochs = 0;
	uint16_t *all, *probe = malloc(n * sizeof(uint16_t));
	float *mean = malloc(n * sizeof(float)), *m2 = malloc(n * sizeof(float));
	float *correct = malloc(n * sizeof(float));

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	small_config(&config, "all", E);
	all_id = train(store, dataset, &config, NULL, 0);
	config.run_name = "summary";
	config.keep = TM_KEEP_SUMMARY;
	summary_id = train(store, dataset, &config, NULL, 0);
	all = dynamics_of(store, all_id, T, E, n);
	ck_assert_int_eq(tm_store_read_dynamics(store, summary_id, 0, 0, 1, n, probe, &err),
			 TM_ERR_NOT_FOUND); /* nothing per epoch is kept */
	for (size_t t = 0; t < T; t++) {
		ck_assert_msg(tm_store_read_summary(store, summary_id, (int64_t)t, n, mean, m2, correct,
						    &n_epochs, &err) == 0, "%s", err.message);
		ck_assert_int_eq(n_epochs, (int64_t)E);
		for (size_t i = 0; i < n; i++) {
			double sum = 0, squares = 0, right = 0, mu;
			const uint16_t *q = all + t * E * n + i;

			if (q[0] == TM_DYNAMICS_MISSING) {
				ck_assert(isnan(mean[i]) && isnan(m2[i]) && isnan(correct[i]));
				continue;
			}
			for (size_t e = 0; e < E; e++) {
				sum += tm_dynamics_decode(q[e * n]);
				right += tm_dynamics_decode(q[e * n]) > 0.5;
			}
			mu = sum / (double)E;
			for (size_t e = 0; e < E; e++)
				squares += pow(tm_dynamics_decode(q[e * n]) - mu, 2);
			ck_assert_double_eq_tol(mean[i], mu, 1e-6);
			ck_assert_double_eq_tol(m2[i] / (double)E, squares / (double)E, 1e-6);
			ck_assert_double_eq(correct[i], right);
			compared++;
		}
	}
	ck_assert_uint_gt(compared, T * n / 2);
	free(all);
	free(probe);
	free(mean);
	free(m2);
	free(correct);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

/* ---- weighting ------------------------------------------------------------------ */

START_TEST(weighting_schemes_move_weights_sensibly)
{
	struct tm_trainer_config config;
	struct tm_weighting *w = NULL;
	struct tm_error err = { 0 };
	const double first[3] = { 1.0, 1.0, 1.0 }, second[3] = { 0.5, 0.9, 1.0 };
	const double third[3] = { 0.25, 0.85, 1.0 };

	tm_trainer_config_defaults(&config);
	/* DWA: the task whose loss fell least gets the largest weight; sum T */
	config.weighting = TM_WEIGHTING_DWA;
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, NULL, &err), 0);
	tm_weighting_end_epoch(w, first);
	tm_weighting_end_epoch(w, second);
	ck_assert(w->task_weight[2] > w->task_weight[1] && w->task_weight[1] > w->task_weight[0]);
	ck_assert_double_eq_tol(w->task_weight[0] + w->task_weight[1] + w->task_weight[2], 3, 1e-5);
	tm_weighting_destroy(w);
	/* DTB: weight follows the loss left relative to the first epoch */
	config.weighting = TM_WEIGHTING_DTB;
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, NULL, &err), 0);
	tm_weighting_end_epoch(w, first);
	tm_weighting_end_epoch(w, third);
	ck_assert_double_eq_tol(w->task_weight[0], 3 * 0.25 / 2.1, 1e-5);
	ck_assert_double_eq_tol(w->task_weight[2], 3 * 1.0 / 2.1, 1e-5);
	tm_weighting_destroy(w);
	/* uncertainty: a task with a large loss is weighted down */
	config.weighting = TM_WEIGHTING_UNCERTAINTY;
	config.learning_rate = 0.05;
	ck_assert_int_eq(tm_weighting_create(&w, &config, 2, NULL, &err), 0);
	for (int step = 0; step < 200; step++) {
		/* batch losses (1/T) exp(-s_t) L_t with L = (0.1, 2.0) */
		double loss[2] = { 0.5 * w->task_weight[0] * 0.1, 0.5 * w->task_weight[1] * 2.0 };

		tm_weighting_step(w, loss);
	}
	ck_assert(w->task_weight[0] > 1 && w->task_weight[1] < 1);
	/* at the optimum exp(-s) = 1 / (2 L) */
	ck_assert_double_eq_tol(w->task_weight[1], 0.25, 0.05);
	tm_weighting_destroy(w);
}
END_TEST

START_TEST(weights_file_is_validated)
{
	struct tm_trainer_config config;
	struct tm_weighting *w = NULL;
	struct tm_error err = { 0 };
	const char *names[] = { "a", "b", "c" };
	char *path = test_path(dir, "weights.txt");

	tm_trainer_config_defaults(&config);
	config.weighting = TM_WEIGHTING_FILE;
	config.weights_path = path;
	ck_assert_int_eq(test_write_file(path, "# membership\nc 0.5\na 1\nb 0\n"), 0);
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, names, &err), 0);
	ck_assert_float_eq(w->task_weight[0], 1);
	ck_assert_float_eq(w->task_weight[2], 0.5f);
	tm_weighting_destroy(w);
	ck_assert_int_eq(test_write_file(path, "1\n2\n"), 0);
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, names, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "2 weights for 3 tasks"));
	ck_assert_int_eq(test_write_file(path, "a 1\nzz 2\nc 1\n"), 0);
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, names, &err), TM_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err.message, "weights.txt:2: 'zz' is not a task"));
	ck_assert_int_eq(test_write_file(path, "1\n-2\n1\n"), 0);
	ck_assert_int_eq(tm_weighting_create(&w, &config, 3, names, &err), TM_ERR_INPUT);
	free(path);
}
END_TEST

/* What tm_store_list_task_metrics gave for one run. */
struct metrics_seen {
	size_t n_tasks, rows[2];  /* rows per split: train, valid */
	int64_t last_epoch;
	size_t finite;            /* rows whose loss, accuracy and AUC are all finite */
};

static int count_metrics(void *context, int64_t epoch, const struct tm_task_metrics_record *m)
{
	struct metrics_seen *seen = context;

	seen->rows[strcmp(m->split, "valid") == 0]++;
	seen->last_epoch = epoch;
	seen->finite += isfinite(m->loss) && isfinite(m->accuracy) && isfinite(m->roc_auc);
	return 0;
}

/*
 * Every scheme trains on synthetic data and stores, per epoch and task, the
 * training and validation loss, accuracy and ROC-AUC; a weights file of ones
 * is equal weighting to the bit, and one that silences a task changes the
 * recording (the file's weights are applied).
 */
START_TEST(every_weighting_trains)
{
	static const enum tm_weighting_kind kinds[] = { TM_WEIGHTING_EQUAL, TM_WEIGHTING_UNCERTAINTY,
							TM_WEIGHTING_DWA, TM_WEIGHTING_DTB };
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset *dataset = synth(500, 0);
	struct tm_trainer_config config;
	char name[32], *ones = test_path(dir, "ones.txt"), *silent = test_path(dir, "silent.txt");
	size_t n = train_size(dataset), T = dataset->n_tasks, bytes = T * 3 * n * sizeof(uint16_t);
	int64_t ids[4], ones_id, silent_id;
	uint16_t *equal, *from_ones, *from_silent;
	FILE *f;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	for (size_t k = 0; k < 4; k++) {
		struct metrics_seen seen = { 0 };

		snprintf(name, sizeof(name), "w%zu", k);
		small_config(&config, name, 3);
		config.weighting = kinds[k];
		config.balance = k % 2;
		ids[k] = train(store, dataset, &config, NULL, 0);
		ck_assert_int_eq(tm_store_list_task_metrics(store, ids[k], count_metrics, &seen, &err), 0);
		ck_assert_uint_eq(seen.rows[0], 3 * T);
		ck_assert_uint_eq(seen.rows[1], 3 * T);
		ck_assert_int_eq(seen.last_epoch, 2);
		ck_assert_uint_gt(seen.finite, 3 * T); /* both splits of most tasks */
	}
	config.run_name = "summary";
	config.keep = TM_KEEP_SUMMARY;
	train(store, dataset, &config, NULL, 0);

	ck_assert_ptr_nonnull(f = fopen(ones, "w"));
	for (size_t t = 0; t < T; t++)
		fprintf(f, "%s 1\n", dataset->task_names[T - 1 - t]); /* any order by name */
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(f = fopen(silent, "w"));
	for (size_t t = 0; t < T; t++)
		fprintf(f, "%s\n", t == 0 ? "0" : "1");
	ck_assert_int_eq(fclose(f), 0);
	small_config(&config, "ones", 3);
	config.weighting = TM_WEIGHTING_FILE;
	config.weights_path = ones;
	ones_id = train(store, dataset, &config, NULL, 0);
	config.run_name = "silent";
	config.weights_path = silent;
	silent_id = train(store, dataset, &config, NULL, 0);
	equal = dynamics_of(store, ids[0], T, 3, n);
	from_ones = dynamics_of(store, ones_id, T, 3, n);
	from_silent = dynamics_of(store, silent_id, T, 3, n);
	ck_assert_mem_eq(equal, from_ones, bytes);
	ck_assert(memcmp(equal, from_silent, bytes) != 0);
	free(equal);
	free(from_ones);
	free(from_silent);
	free(ones);
	free(silent);
	tm_store_close(store);
	tm_dataset_destroy(dataset);
}
END_TEST

Suite *trainer_suite(void)
{
	Suite *suite = suite_create("trainer");
	TCase *model = tcase_create("model");
	TCase *runs = tcase_create("runs");

	tcase_add_test(model, gradients_match_finite_differences);
	tcase_add_test(model, learns_a_tiny_problem);
	tcase_add_test(model, loss_matches_double_precision_bce);
	tcase_add_test(model, roc_auc_counts_ties_as_half);
	tcase_add_loop_test(model, metrics_all_auc_matches_plain_auc, 0, 2);
	tcase_add_test(model, metrics_auc_forms_agree_at_loop_edges);
	tcase_add_test(model, metrics_job_shared_by_two_threads);
	tcase_add_test(model, weighting_schemes_move_weights_sensibly);
	suite_add_tcase(suite, model);
	tcase_add_unchecked_fixture(runs, NULL, NULL);
	tcase_add_checked_fixture(runs, setup, teardown);
	tcase_set_timeout(runs, 120);
	tcase_add_loop_test(runs, resume_records_what_an_uninterrupted_run_records, 0, 4);
	tcase_add_test(runs, same_seed_same_recording);
	tcase_add_loop_test(runs, eval_pass_matches_the_stored_parameters, 0, 4);
	tcase_add_test(runs, summary_matches_the_blobs);
	tcase_add_test(runs, weights_file_is_validated);
	tcase_add_test(runs, every_weighting_trains);
	suite_add_tcase(suite, runs);
	return suite;
}
