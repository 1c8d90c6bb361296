/*
 * weighting.c - task weighting: how much each (sample, task) term counts in
 * the training loss. Equal weights; uncertainty weighting (Kendall et al.
 * 2018) with learned log-variances; dynamic weight average (Liu et al.
 * 2019); DTB, a dynamic task balancing from task-level learning progress and
 * sample-level difficulty (in the spirit of Wang & Chen 2020); and fixed
 * weights from a file. The exact formulas are in docs/methods.md.
 */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DTB_EPSILON 1e-3 /* keeps the easiest samples in play and the sums positive */
#define WEIGHTING_MAGIC 0x54474957u /* "WIGT" */

static int read_weights_file(float *weight, size_t n_tasks, const char *const *names,
			     const char *path, struct tm_error *err);

int tm_weighting_create(struct tm_weighting **out, const struct tm_trainer_config *config,
			size_t n_tasks, const char *const *task_names,
			struct tm_error *err)
{
	struct tm_weighting *w = calloc(1, sizeof(*w));
	int rc = 0;

	*out = NULL;
	if (!w || !(w->task_weight = malloc(n_tasks * sizeof(float))) ||
	    !(w->log_variance = calloc(n_tasks, sizeof(float))) ||
	    !(w->log_variance_gradient = calloc(n_tasks, sizeof(float))) ||
	    !(w->loss_first = malloc(n_tasks * sizeof(double))) ||
	    !(w->loss_last = malloc(n_tasks * sizeof(double))) ||
	    !(w->loss_before = malloc(n_tasks * sizeof(double))) ||
	    !(w->norm = malloc(n_tasks * sizeof(double))) ||
	    !(w->class_factor = malloc(2 * n_tasks * sizeof(float)))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	w->kind = config->weighting;
	w->n_tasks = n_tasks;
	w->temperature = config->dwa_temperature;
	w->gamma = config->dtb_gamma;
	for (size_t t = 0; t < n_tasks; t++) {
		w->task_weight[t] = 1;
		w->loss_first[t] = w->loss_last[t] = w->loss_before[t] = NAN;
	}
	if (w->kind == TM_WEIGHTING_FILE &&
	    (rc = read_weights_file(w->task_weight, n_tasks, task_names, config->weights_path,
				    err)) < 0)
		goto out;
	if (w->kind == TM_WEIGHTING_UNCERTAINTY &&
	    (rc = tm_optimizer_create(&w->optimizer, config->optimizer, n_tasks,
				      config->learning_rate, config->momentum, 0, err)) < 0)
		goto out;
	*out = w;
	w = NULL;
out:
	tm_weighting_destroy(w);
	return rc;
}

void tm_weighting_destroy(struct tm_weighting *weighting)
{
	if (!weighting)
		return;
	free(weighting->task_weight);
	free(weighting->log_variance);
	free(weighting->log_variance_gradient);
	free(weighting->loss_first);
	free(weighting->loss_last);
	free(weighting->loss_before);
	free(weighting->norm);
	free(weighting->class_factor);
	tm_optimizer_destroy(weighting->optimizer);
	free(weighting);
}

/* ---- the weights file --------------------------------------------------------- */

static ssize_t find_task(const char *const *names, size_t n_tasks, const char *name)
{
	for (size_t t = 0; t < n_tasks; t++)
		if (names && strcmp(names[t], name) == 0)
			return (ssize_t)t;
	return -1;
}

/*
 * parse_weight_line - one "weight" or "name weight" line. Returns 1 for a
 * weight (with *@name NULL or pointing into @line), 0 for a blank/comment
 * line, or a negative code.
 */
static int parse_weight_line(char *line, char **name, double *value)
{
	char *fields[3], *save = NULL, *end = NULL;
	size_t n = 0;

	line[strcspn(line, "#\r\n")] = '\0';
	for (char *f = strtok_r(line, " \t", &save); f; f = strtok_r(NULL, " \t", &save))
		if (n < 3)
			fields[n++] = f;
		else
			return TM_ERR_INPUT;
	if (n == 0)
		return 0;
	if (n > 2)
		return TM_ERR_INPUT;
	*name = n == 2 ? fields[0] : NULL;
	errno = 0;
	*value = strtod(fields[n - 1], &end);
	if (*end || errno || !isfinite(*value) || *value < 0)
		return TM_ERR_INPUT;
	return 1;
}

static int read_weights_file(float *weight, size_t n_tasks, const char *const *names,
			     const char *path, struct tm_error *err)
{
	FILE *file = NULL;
	char line[4096], *name;
	char *seen = calloc(n_tasks, 1);
	size_t line_no = 0, count = 0;
	int rc = 0, named = -1, r;
	double value, sum = 0;

	if (!seen)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (!path || !(file = fopen(path, "r"))) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot open weights file '%s': %s",
				  path ? path : "", strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), file)) {
		ssize_t t;

		line_no++;
		if ((r = parse_weight_line(line, &name, &value)) == 0)
			continue;
		if (r < 0 || (named >= 0 && named != (name != NULL))) {
			rc = tm_error_set(err, TM_ERR_INPUT,
					  "%s:%zu: expected 'weight' or 'task_name weight' (a number >= 0), the same form on every line",
					  path, line_no);
			goto out;
		}
		named = name != NULL;
		t = name ? find_task(names, n_tasks, name) : (ssize_t)count;
		if (t < 0 || (size_t)t >= n_tasks || seen[t]) {
			if (!name)
				rc = tm_error_set(err, TM_ERR_INPUT, "%s:%zu: more weights than the %zu tasks",
						  path, line_no, n_tasks);
			else
				rc = tm_error_set(err, TM_ERR_INPUT, "%s:%zu: '%s' is %s", path, line_no,
						  name, t < 0 ? "not a task of the data" : "listed twice");
			goto out;
		}
		seen[t] = 1;
		weight[t] = (float)value;
		sum += value;
		count++;
	}
	if (count != n_tasks)
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: %zu weights for %zu tasks (every task needs one)",
				  path, count, n_tasks);
	else if (!(sum > 0))
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: every weight is zero", path);
out:
	if (file)
		fclose(file);
	free(seen);
	return rc;
}

/* ---- per batch ------------------------------------------------------------- */

/*
 * constant_difficulty_weights - tm_weighting_batch for every scheme but DTB,
 * whose difficulty is 1: a pair's weight is (float)(class weight x task
 * factor), the same value for every negative (every positive) of a task, so
 * it is made once per task and the passes over the batch are a count and a
 * select, both vectorised. The same floats as DTB's general form with d = 1.
 */
static size_t constant_difficulty_weights(struct tm_weighting *weighting, size_t n_rows,
					  const int8_t *restrict labels,
					  const float *pos_weight,
					  const struct tm_parallel *parallel,
					  float *restrict weight)
{
	size_t n_tasks = weighting->n_tasks;
	double *restrict norm = weighting->norm, labelled = 0;
	float *restrict negative = weighting->class_factor, *restrict positive = negative + n_tasks;

	memset(norm, 0, n_tasks * sizeof(double));
	for (size_t i = 0; i < n_rows; i++)
		for (size_t t = 0; t < n_tasks; t++)
			norm[t] += labels[i * n_tasks + t] != TM_LABEL_MISSING ? 1.0 : 0.0;
	for (size_t t = 0; t < n_tasks; t++)
		labelled += norm[t];
	tm_parallel_sum_doubles(parallel, norm, n_tasks); /* the global batch's sums */
	for (size_t t = 0; t < n_tasks; t++) {
		double factor = norm[t] > 0 ? weighting->task_weight[t] /
			((double)n_tasks * norm[t]) : 0;

		negative[t] = (float)factor;
		positive[t] = (float)((pos_weight ? (double)pos_weight[t] : 1.0) * factor);
	}
	for (size_t i = 0; i < n_rows; i++)
		for (size_t t = 0; t < n_tasks; t++) {
			size_t k = i * n_tasks + t;
			float if_positive = positive[t], if_negative = negative[t]; /* both read: no branch */

			weight[k] = labels[k] == TM_LABEL_MISSING ? 0.0f
				: labels[k] == TM_LABEL_POSITIVE ? if_positive : if_negative;
		}
	return (size_t)labelled;
}

size_t tm_weighting_batch(struct tm_weighting *weighting, size_t n_rows,
			  const int8_t *labels, const float *logits,
			  const float *pos_weight, const struct tm_parallel *parallel,
			  float *weight)
{
	size_t n_tasks = weighting->n_tasks, labelled = 0;
	double *norm = weighting->norm;

	if (weighting->kind != TM_WEIGHTING_DTB)
		return constant_difficulty_weights(weighting, n_rows, labels, pos_weight, parallel,
						   weight);
	/* pass 1: difficulty, summed per task */
	memset(norm, 0, n_tasks * sizeof(double));
	for (size_t i = 0; i < n_rows; i++) {
		for (size_t t = 0; t < n_tasks; t++) {
			size_t k = i * n_tasks + t;
			float d;

			if (labels[k] == TM_LABEL_MISSING) {
				weight[k] = 0;
				continue;
			}
			d = (float)(pow(1 - tm_gold_probability(logits[k], labels[k]),
					weighting->gamma) + DTB_EPSILON);
			weight[k] = d;
			norm[t] += d;
			labelled++;
		}
	}
	tm_parallel_sum_doubles(parallel, norm, n_tasks); /* the global batch's sums */
	/* per-task factor: lambda_t / (T * sum of difficulties) */
	for (size_t t = 0; t < n_tasks; t++)
		norm[t] = norm[t] > 0 ? weighting->task_weight[t] / ((double)n_tasks * norm[t]) : 0;
	/* pass 2: times the class weight and the task factor */
	for (size_t i = 0; i < n_rows; i++) {
		for (size_t t = 0; t < n_tasks; t++) {
			size_t k = i * n_tasks + t;
			double cls = pos_weight && labels[k] == TM_LABEL_POSITIVE ? pos_weight[t] : 1;

			weight[k] = (float)(weight[k] * cls * norm[t]);
		}
	}
	return labelled;
}

void tm_weighting_step(struct tm_weighting *weighting, const double *task_loss)
{
	size_t n_tasks = weighting->n_tasks;

	if (weighting->kind != TM_WEIGHTING_UNCERTAINTY)
		return;
	/*
	 * L = (1/T) sum_t [exp(-s_t) L_t + s_t / 2]; task_loss[t] is the batch's
	 * (1/T) exp(-s_t) L_t, so dL/ds_t = 1/(2T) - task_loss[t].
	 */
	for (size_t t = 0; t < n_tasks; t++)
		weighting->log_variance_gradient[t] = (float)(0.5 / (double)n_tasks - task_loss[t]);
	tm_optimizer_step(weighting->optimizer, weighting->log_variance,
			  weighting->log_variance_gradient);
	for (size_t t = 0; t < n_tasks; t++)
		weighting->task_weight[t] = expf(-weighting->log_variance[t]);
}

/* softmax_weights - lambda_t = T exp(score_t / temperature) / sum_k exp(score_k / temperature). */
static void softmax_weights(float *weight, const double *score, size_t n, double temperature)
{
	double top = -INFINITY, sum = 0;

	for (size_t t = 0; t < n; t++)
		top = fmax(top, score[t] / temperature);
	for (size_t t = 0; t < n; t++)
		sum += exp(score[t] / temperature - top);
	for (size_t t = 0; t < n; t++)
		weight[t] = (float)((double)n * exp(score[t] / temperature - top) / sum);
}

static double ratio_or_one(double numerator, double denominator)
{
	double r = numerator / denominator;

	return isfinite(r) && denominator > 0 ? r : 1;
}

void tm_weighting_end_epoch(struct tm_weighting *weighting, const double *task_loss)
{
	size_t n = weighting->n_tasks;
	double *score = weighting->loss_before; /* reused as scratch after the shift */

	for (size_t t = 0; t < n; t++) {
		weighting->loss_before[t] = weighting->loss_last[t];
		weighting->loss_last[t] = task_loss[t];
		if (weighting->epochs_seen == 0)
			weighting->loss_first[t] = task_loss[t];
	}
	weighting->epochs_seen++;
	if (weighting->kind == TM_WEIGHTING_DWA && weighting->epochs_seen >= 2) {
		score = malloc(n * sizeof(double));
		if (!score)
			return; /* keeps the previous weights; cannot happen in practice */
		for (size_t t = 0; t < n; t++)
			score[t] = ratio_or_one(weighting->loss_last[t], weighting->loss_before[t]);
		softmax_weights(weighting->task_weight, score, n, weighting->temperature);
		free(score);
	} else if (weighting->kind == TM_WEIGHTING_DTB) {
		double sum = 0;

		for (size_t t = 0; t < n; t++)
			sum += ratio_or_one(weighting->loss_last[t], weighting->loss_first[t]);
		for (size_t t = 0; t < n; t++)
			weighting->task_weight[t] = (float)((double)n *
				ratio_or_one(weighting->loss_last[t], weighting->loss_first[t]) / sum);
	}
}

/* ---- state ----------------------------------------------------------------- */

/* Bytes: uint64 magic, kind, n_tasks, epochs_seen; float weights, s_t; double
 * loss_first, loss_last, loss_before; the s_t optimiser (uncertainty). */
size_t tm_weighting_bytes(const struct tm_weighting *w)
{
	return 4 * sizeof(uint64_t) + w->n_tasks * (2 * sizeof(float) + 3 * sizeof(double)) +
	       (w->optimizer ? tm_optimizer_bytes(w->optimizer) : 0);
}

void tm_weighting_save(const struct tm_weighting *w, void *bytes)
{
	uint64_t head[4] = { WEIGHTING_MAGIC, (uint64_t)w->kind, w->n_tasks,
			     (uint64_t)w->epochs_seen };
	char *p = bytes;
	size_t nf = w->n_tasks * sizeof(float), nd = w->n_tasks * sizeof(double);

	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	memcpy(p, w->task_weight, nf);
	memcpy(p + nf, w->log_variance, nf);
	memcpy(p + 2 * nf, w->loss_first, nd);
	memcpy(p + 2 * nf + nd, w->loss_last, nd);
	memcpy(p + 2 * nf + 2 * nd, w->loss_before, nd);
	if (w->optimizer)
		tm_optimizer_save(w->optimizer, p + 2 * nf + 3 * nd);
}

int tm_weighting_load(struct tm_weighting *w, const void *bytes, size_t n_bytes,
		      struct tm_error *err)
{
	uint64_t head[4];
	const char *p = bytes;
	size_t nf = w->n_tasks * sizeof(float), nd = w->n_tasks * sizeof(double);

	if (n_bytes != tm_weighting_bytes(w))
		return tm_error_set(err, TM_ERR_INPUT, "the weighting state has the wrong size");
	memcpy(head, p, sizeof(head));
	if (head[0] != WEIGHTING_MAGIC || head[1] != (uint64_t)w->kind || head[2] != w->n_tasks)
		return tm_error_set(err, TM_ERR_INPUT, "the weighting state belongs to another run");
	w->epochs_seen = (int64_t)head[3];
	p += sizeof(head);
	memcpy(w->task_weight, p, nf);
	memcpy(w->log_variance, p + nf, nf);
	memcpy(w->loss_first, p + 2 * nf, nd);
	memcpy(w->loss_last, p + 2 * nf + nd, nd);
	memcpy(w->loss_before, p + 2 * nf + 2 * nd, nd);
	if (w->optimizer)
		return tm_optimizer_load(w->optimizer, p + 2 * nf + 3 * nd,
					 tm_optimizer_bytes(w->optimizer), err);
	return 0;
}
