/*
 * evaluate.c - the training half of `taskmap evaluate`: a grouping given as
 * plain arrays becomes one in-memory model per group and seed (fit.c), each
 * predicting the validation and test rows; every task is then served by its
 * best model on the validation rows (hard groupings) or by the
 * membership-weighted mean of its groups' logits (soft, STG-MTL), and
 * measured on the test rows: ROC-AUC, F1 at the threshold that maximises F1
 * on the validation rows, accuracy at p >= 0.5. Comparing groupings (Δm,
 * negative transfer) is the analyzers' business; storing is the CLI's.
 * Formulas: docs/methods.md, "Evaluation".
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What one seed's evaluation keeps per measured task. */
struct served {
	size_t n_tasks, n_valid, n_test;
	float *valid, *test;     /* n_tasks x n_valid / n_test logits, task-major */
	double *best_valid_auc;  /* hard: validation AUC of the serving model */
	double *weight_sum;      /* soft: sum of memberships folded in; hard: models seen */
	int8_t *valid_labels, *test_labels; /* n_tasks x n_valid / n_test, task-major */
	ssize_t *measured;       /* dataset task column -> measured index, or -1 */
	size_t *predict_rows;    /* valid rows then test rows */
	float *column, *scratch; /* max(n_valid, n_test) floats each */
};

/* at_least_one - @n, or 1 for n = 0 (malloc(0) may return NULL). */
static size_t at_least_one(size_t n)
{
	return n ? n : 1;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void served_release(struct served *s)
{
	free(s->valid);
	free(s->test);
	free(s->best_valid_auc);
	free(s->weight_sum);
	free(s->valid_labels);
	free(s->test_labels);
	free(s->measured);
	free(s->predict_rows);
	free(s->column);
	free(s->scratch);
}

static void gather_labels(const struct tm_eval_setup *setup, const size_t *rows, size_t n,
			  int8_t *out)
{
	for (size_t k = 0; k < setup->n_tasks; k++)
		for (size_t i = 0; i < n; i++)
			out[k * n + i] = (int8_t)tm_dataset_label(setup->dataset, rows[i],
								  setup->tasks[k]);
}

static int served_init(struct served *s, const struct tm_eval_setup *setup, struct tm_error *err)
{
	size_t T = setup->n_tasks, nv = setup->n_valid, nt = setup->n_test;
	size_t most = nv > nt ? nv : nt;

	memset(s, 0, sizeof(*s));
	s->n_tasks = T;
	s->n_valid = nv;
	s->n_test = nt;
	s->valid = malloc(at_least_one(T * nv) * sizeof(float));
	s->test = malloc(at_least_one(T * nt) * sizeof(float));
	s->best_valid_auc = malloc((T ? T : 1) * sizeof(double));
	s->weight_sum = malloc((T ? T : 1) * sizeof(double));
	s->valid_labels = malloc(at_least_one(T * nv));
	s->test_labels = malloc(at_least_one(T * nt));
	s->measured = malloc((setup->dataset->n_tasks ? setup->dataset->n_tasks : 1) * sizeof(ssize_t));
	s->predict_rows = malloc((nv + nt ? nv + nt : 1) * sizeof(size_t));
	s->column = malloc((most ? most : 1) * sizeof(float));
	s->scratch = malloc((most ? most : 1) * sizeof(float));
	if (!s->valid || !s->test || !s->best_valid_auc || !s->weight_sum || !s->valid_labels ||
	    !s->test_labels || !s->measured || !s->predict_rows || !s->column || !s->scratch)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the evaluation");
	for (size_t t = 0; t < setup->dataset->n_tasks; t++)
		s->measured[t] = -1;
	for (size_t k = 0; k < T; k++)
		s->measured[setup->tasks[k]] = (ssize_t)k;
	if (nv)
		memcpy(s->predict_rows, setup->valid_rows, nv * sizeof(size_t));
	if (nt)
		memcpy(s->predict_rows + nv, setup->test_rows, nt * sizeof(size_t));
	gather_labels(setup, setup->valid_rows, nv, s->valid_labels);
	gather_labels(setup, setup->test_rows, nt, s->test_labels);
	return 0;
}

static void served_reset(struct served *s)
{
	memset(s->valid, 0, s->n_tasks * s->n_valid * sizeof(float));
	memset(s->test, 0, s->n_tasks * s->n_test * sizeof(float));
	for (size_t k = 0; k < s->n_tasks; k++) {
		s->best_valid_auc[k] = -INFINITY;
		s->weight_sum[k] = 0;
	}
}

/*
 * fold_model - one group's logits (rows: valid then test; columns: its
 * members) into the served predictions: soft adds weight x logit, hard
 * keeps the model with the best validation AUC (the first on ties or NaN).
 */
static void fold_model(struct served *s, const struct tm_eval_groups *groups, size_t g,
		       const float *logits)
{
	size_t first = groups->group_start[g], n_members = groups->group_start[g + 1] - first;
	size_t nv = s->n_valid, nt = s->n_test;

	for (size_t m = 0; m < n_members; m++) {
		ssize_t k = s->measured[groups->member_task[first + m]];
		double w = groups->member_weight ? groups->member_weight[first + m] : 1, auc;
		float *valid, *test;

		if (k < 0)
			continue;
		valid = s->valid + (size_t)k * nv;
		test = s->test + (size_t)k * nt;
		if (groups->member_weight) {
			for (size_t i = 0; i < nv; i++)
				valid[i] += (float)(w * logits[i * n_members + m]);
			for (size_t i = 0; i < nt; i++)
				test[i] += (float)(w * logits[(nv + i) * n_members + m]);
			s->weight_sum[k] += w;
			continue;
		}
		for (size_t i = 0; i < nv; i++)
			s->column[i] = logits[i * n_members + m];
		auc = tm_metrics_roc_auc(s->column, s->valid_labels + (size_t)k * nv, nv, 1,
					 s->scratch);
		if (s->weight_sum[k] > 0 && !(auc > s->best_valid_auc[k]))
			continue;
		for (size_t i = 0; i < nv; i++)
			valid[i] = logits[i * n_members + m];
		for (size_t i = 0; i < nt; i++)
			test[i] = logits[(nv + i) * n_members + m];
		s->best_valid_auc[k] = isnan(auc) ? -INFINITY : auc;
		s->weight_sum[k] += 1;
	}
}

/* A validation or test score with its label, for the threshold sweep. */
struct scored {
	float z;
	int8_t y;
};

static int compare_descending(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->z, y = ((const struct scored *)b)->z;

	return (x < y) - (x > y);
}

/*
 * tune_threshold - the logit threshold (predict positive when z >= it) that
 * maximises F1 on the validation rows, swept over the distinct scores; 0
 * (p = 0.5) when the validation rows hold no positive. The first (highest)
 * threshold wins ties. TM_ERR_NOMEM only.
 */
static int tune_threshold(const float *z, const int8_t *y, size_t n, double *threshold)
{
	struct scored *pairs = malloc((n ? n : 1) * sizeof(*pairs));
	size_t m = 0, positives = 0, tp = 0, fp = 0;
	double best = -1;

	if (!pairs)
		return TM_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (y[i] != TM_LABEL_MISSING) {
			pairs[m++] = (struct scored){ z[i], y[i] };
			positives += y[i] == TM_LABEL_POSITIVE;
		}
	*threshold = 0;
	qsort(pairs, m, sizeof(*pairs), compare_descending);
	for (size_t i = 0; positives && i < m; i++) {
		double f1;

		tp += pairs[i].y == TM_LABEL_POSITIVE;
		fp += pairs[i].y == TM_LABEL_NEGATIVE;
		if (i + 1 < m && pairs[i + 1].z == pairs[i].z)
			continue; /* a threshold takes all of a tie */
		f1 = 2.0 * (double)tp / (double)(tp + fp + positives);
		if (f1 > best) {
			best = f1;
			*threshold = pairs[i].z;
		}
	}
	free(pairs);
	return 0;
}

/* f1_accuracy - F1 at logit threshold @threshold and accuracy at z >= 0 (NaN when undefined). */
static void f1_accuracy(const float *z, const int8_t *y, size_t n, double threshold,
			struct tm_eval_task_result *out)
{
	size_t tp = 0, fp = 0, fn = 0, right = 0, labelled = 0;

	for (size_t i = 0; i < n; i++) {
		int positive = y[i] == TM_LABEL_POSITIVE, predicted = z[i] >= threshold;

		if (y[i] == TM_LABEL_MISSING)
			continue;
		labelled++;
		tp += positive && predicted;
		fp += !positive && predicted;
		fn += positive && !predicted;
		right += (z[i] >= 0) == positive;
	}
	out->f1 = tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : NAN;
	out->accuracy = labelled ? (double)right / (double)labelled : NAN;
}

/* measure - the held-out numbers of every measured task from the served logits. */
static int measure(struct served *s, struct tm_eval_task_result *out, int soft)
{
	size_t nv = s->n_valid, nt = s->n_test;

	for (size_t k = 0; k < s->n_tasks; k++) {
		float *valid = s->valid + k * nv, *test = s->test + k * nt;
		const int8_t *valid_labels = s->valid_labels + k * nv, *test_labels = s->test_labels + k * nt;
		double threshold;

		out[k] = (struct tm_eval_task_result){ NAN, NAN, NAN, NAN, NAN };
		if (s->weight_sum[k] <= 0)
			continue; /* no group trains the task */
		for (size_t i = 0; soft && i < nv; i++)
			valid[i] = (float)(valid[i] / s->weight_sum[k]);
		for (size_t i = 0; soft && i < nt; i++)
			test[i] = (float)(test[i] / s->weight_sum[k]);
		if (tune_threshold(valid, valid_labels, nv, &threshold) < 0)
			return TM_ERR_NOMEM;
		out[k].roc_auc = tm_metrics_roc_auc(test, test_labels, nt, 1, s->scratch);
		out[k].valid_roc_auc = tm_metrics_roc_auc(valid, valid_labels, nv, 1, s->scratch);
		out[k].threshold = 1.0 / (1.0 + exp(-threshold));
		f1_accuracy(test, test_labels, nt, threshold, &out[k]);
	}
	return 0;
}

static int report_model(const struct tm_progress *progress, const struct tm_eval_groups *groups,
			size_t seed, size_t n_seeds, size_t g, double done, double total)
{
	char message[160];

	snprintf(message, sizeof(message), "%s: seed %zu/%zu, model %zu/%zu",
		 groups->label ? groups->label : "grouping", seed + 1, n_seeds, g + 1,
		 groups->n_groups);
	return tm_progress_report(progress, "model", done, total, message);
}

/* evaluate_seed - every group's model for seed index @s, then the measurements. */
static int evaluate_seed(const struct tm_eval_setup *setup, const struct tm_eval_groups *groups,
			 size_t s, struct served *served, const struct tm_progress *progress,
			 struct tm_eval_result *out, struct tm_error *err)
{
	size_t n_predict = setup->n_valid + setup->n_test;
	float *logits = NULL, *weights = NULL;
	int rc = 0;

	served_reset(served);
	for (size_t g = 0; g < groups->n_groups && rc == 0; g++) {
		size_t first = groups->group_start[g], n = groups->group_start[g + 1] - first;
		struct tm_fit_spec spec = { setup->dataset, setup->train_rows, setup->n_train,
					    groups->member_task + first, n, NULL, served->predict_rows,
					    n_predict, setup->seeds[s] };

		if (!n)
			continue;
		free(logits);
		free(weights);
		weights = NULL;
		if (!(logits = malloc((n_predict ? n_predict : 1) * n * sizeof(float))) ||
		    (groups->member_weight && !(weights = malloc(n * sizeof(float))))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory for a model's predictions");
			break;
		}
		for (size_t m = 0; weights && m < n; m++)
			weights[m] = (float)groups->member_weight[first + m];
		spec.task_weight = weights;
		if ((rc = tm_fit_predict(setup->config, &spec, logits, &out->cost, progress, err)) < 0)
			break;
		fold_model(served, groups, g, logits);
		if (report_model(progress, groups, s, setup->n_seeds, g,
				 (double)(s * groups->n_groups + g + 1),
				 (double)(setup->n_seeds * groups->n_groups)) != 0)
			rc = tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	if (rc == 0 && measure(served, out->results + s * setup->n_tasks,
			       groups->member_weight != NULL) < 0)
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	free(logits);
	free(weights);
	return rc;
}

int tm_evaluate_groups(const struct tm_eval_setup *setup, const struct tm_eval_groups *groups,
		       const struct tm_progress *progress, struct tm_eval_result *out,
		       struct tm_error *err)
{
	struct served served;
	double started = now_seconds();
	size_t n_results;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&served, 0, sizeof(served));
	if (!setup->n_seeds || !setup->n_tasks || !setup->n_test)
		return tm_error_set(err, TM_ERR_USAGE,
				    "an evaluation needs seeds, tasks and test rows");
	if (tm_size_mul(setup->n_seeds, setup->n_tasks, &n_results) < 0 ||
	    !(out->results = calloc(n_results, sizeof(*out->results))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the results");
	out->n_seeds = setup->n_seeds;
	out->n_tasks = setup->n_tasks;
	if ((rc = served_init(&served, setup, err)) < 0)
		goto out;
	for (size_t s = 0; s < setup->n_seeds && rc == 0; s++)
		rc = evaluate_seed(setup, groups, s, &served, progress, out, err);
	out->seconds = now_seconds() - started;
out:
	served_release(&served);
	return rc;
}

void tm_eval_result_release(struct tm_eval_result *result)
{
	if (!result)
		return;
	free(result->results);
	memset(result, 0, sizeof(*result));
}
