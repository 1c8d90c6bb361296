/*
 * synth.c - the generator behind `taskmap synth`: datasets whose tasks come
 * in planted groups, so that a grouping method can be checked against the
 * truth. Two structures:
 *
 * LATENT: features x ~ N(0, I_d). Group g owns R = min(2, d) random unit
 *   directions W_g in feature space; its latent scores are s_g = W_g' x.
 *   Task j of group g scores c_j' s_g + 0.3 u_j' x + 0.3 e, where c_j is the
 *   group's shared coefficient vector plus a small task-specific
 *   perturbation, u_j a task-specific unit direction and e ~ N(0, 1); the
 *   label is 1 above the task's (1 - rate_j) quantile, rate_j drawn
 *   uniformly in [positive_rate_min, positive_rate_max]. Labels within a
 *   group co-occur and are learnable from the same features.
 * HIERARCHY: n_groups super-classes of tasks_per_group fine classes each
 *   (like CIFAR-100's 20 x 5); every sample belongs to one fine class drawn
 *   uniformly; x = super-class centre (scale 2) + fine-class offset (scale 1)
 *   + N(0, I) noise; task t is fine class t one-vs-rest. The positive rates
 *   are 1 / n_tasks (positive_rate_* are not used).
 *
 * Then each label is flipped with probability label_noise and made missing
 * with probability missing_fraction. Tasks are named task_00, task_01, ...
 * in an order shuffled by the seed, so the groups are neither contiguous nor
 * readable from the names; planted_groups holds the truth. Every random
 * number comes from one GSL mt19937 seeded with options->seed, drawn in a
 * fixed order: the same seed gives the same dataset.
 */
#include "dataset-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>

#define LATENT_DIMENSIONS 2
#define TASK_SPECIFIC_WEIGHT 0.3
#define SCORE_NOISE 0.3
#define COEFFICIENT_SPREAD 0.3

void tm_synth_defaults(struct tm_synth_options *options)
{
	memset(options, 0, sizeof(*options));
	options->structure = TM_SYNTH_LATENT;
	options->n_groups = 4;
	options->tasks_per_group = 4;
	options->n_samples = 2000;
	options->n_features = 32;
	options->label_noise = 0.05;
	options->positive_rate_min = 0.1;
	options->positive_rate_max = 0.4;
	options->missing_fraction = 0.0;
	options->seed = 1;
}

static int check_options(const struct tm_synth_options *o, size_t *n_tasks, struct tm_error *err)
{
	size_t cells;

	if (o->structure != TM_SYNTH_LATENT && o->structure != TM_SYNTH_HIERARCHY)
		return tm_error_set(err, TM_ERR_USAGE, "cannot generate: unknown structure %d",
				    (int)o->structure);
	if (o->n_groups == 0 || o->tasks_per_group == 0)
		return tm_error_set(err, TM_ERR_USAGE,
				    "cannot generate: need at least one group and one task per group");
	if (o->n_samples < 2 || o->n_features == 0)
		return tm_error_set(err, TM_ERR_USAGE,
				    "cannot generate: need at least 2 samples and 1 feature");
	if (tm_size_mul(o->n_groups, o->tasks_per_group, n_tasks) < 0 || *n_tasks > INT32_MAX ||
	    tm_size_mul(o->n_samples, o->n_features, &cells) < 0 ||
	    tm_size_mul(o->n_samples, *n_tasks, &cells) < 0 || o->n_features > UINT32_MAX)
		return tm_error_set(err, TM_ERR_USAGE, "cannot generate: sizes overflow");
	if (!(o->label_noise >= 0.0 && o->label_noise <= 0.5))
		return tm_error_set(err, TM_ERR_USAGE,
				    "cannot generate: label noise %g is outside [0, 0.5]", o->label_noise);
	if (!(o->missing_fraction >= 0.0 && o->missing_fraction < 1.0))
		return tm_error_set(err, TM_ERR_USAGE,
				    "cannot generate: missing fraction %g is outside [0, 1)",
				    o->missing_fraction);
	if (o->structure == TM_SYNTH_LATENT &&
	    !(o->positive_rate_min > 0.0 && o->positive_rate_min <= o->positive_rate_max &&
	      o->positive_rate_max < 1.0))
		return tm_error_set(err, TM_ERR_USAGE,
				    "cannot generate: positive rates [%g, %g] must satisfy 0 < min <= max < 1",
				    o->positive_rate_min, o->positive_rate_max);
	return 0;
}

/* Fill @v (n) with N(0, 1) draws scaled to unit length. */
static void random_unit(gsl_rng *rng, double *v, size_t n)
{
	double norm = 0.0;

	for (size_t i = 0; i < n; i++) {
		v[i] = gsl_ran_gaussian(rng, 1.0);
		norm += v[i] * v[i];
	}
	norm = sqrt(norm);
	for (size_t i = 0; i < n; i++)
		v[i] = norm > 0.0 ? v[i] / norm : 1.0 / sqrt((double)n);
}

/* LATENT: features and labels in original task order (labels n x n_tasks). */
static int generate_latent(const struct tm_synth_options *o, size_t n_tasks, gsl_rng *rng,
			   float *x, int8_t *labels)
{
	size_t n = o->n_samples, d = o->n_features, T = o->tasks_per_group;
	size_t R = d < LATENT_DIMENSIONS ? d : LATENT_DIMENSIONS;
	double *directions = malloc(o->n_groups * R * d * sizeof(double));
	double *latent = malloc(n * R * sizeof(double));
	double *scores = malloc(n * sizeof(double)), *sorted = malloc(n * sizeof(double));
	double *specific = malloc(d * sizeof(double));
	double base[LATENT_DIMENSIONS], coefficient[LATENT_DIMENSIONS];
	int rc = 0;

	if (!directions || !latent || !scores || !sorted || !specific) {
		rc = TM_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n * d; i++)
		x[i] = (float)gsl_ran_gaussian(rng, 1.0);
	for (size_t g = 0; g < o->n_groups; g++)
		for (size_t k = 0; k < R; k++)
			random_unit(rng, directions + (g * R + k) * d, d);
	for (size_t g = 0; g < o->n_groups; g++) {
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < R; k++) {
				const double *w = directions + (g * R + k) * d;
				double s = 0.0;

				for (size_t f = 0; f < d; f++)
					s += w[f] * x[i * d + f];
				latent[i * R + k] = s;
			}
		random_unit(rng, base, R);
		for (size_t j = 0; j < T; j++) {
			size_t task = g * T + j;
			double rate = gsl_ran_flat(rng, o->positive_rate_min, o->positive_rate_max);
			double threshold;

			for (size_t k = 0; k < R; k++)
				coefficient[k] = base[k] + COEFFICIENT_SPREAD * gsl_ran_gaussian(rng, 1.0);
			random_unit(rng, specific, d);
			for (size_t i = 0; i < n; i++) {
				double s = 0.0, own = 0.0;

				for (size_t k = 0; k < R; k++)
					s += coefficient[k] * latent[i * R + k];
				for (size_t f = 0; f < d; f++)
					own += specific[f] * x[i * d + f];
				scores[i] = s + TASK_SPECIFIC_WEIGHT * own +
					    SCORE_NOISE * gsl_ran_gaussian(rng, 1.0);
			}
			memcpy(sorted, scores, n * sizeof(double));
			gsl_sort(sorted, 1, n);
			threshold = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 1.0 - rate);
			for (size_t i = 0; i < n; i++)
				labels[i * n_tasks + task] = scores[i] > threshold;
		}
	}
out:
	free(directions);
	free(latent);
	free(scores);
	free(sorted);
	free(specific);
	return rc;
}

/* HIERARCHY: super-class centres, fine-class offsets, one class per sample. */
static int generate_hierarchy(const struct tm_synth_options *o, size_t n_tasks, gsl_rng *rng,
			      float *x, int8_t *labels)
{
	size_t n = o->n_samples, d = o->n_features, T = o->tasks_per_group;
	double *centres = malloc(o->n_groups * d * sizeof(double));
	double *offsets = malloc(n_tasks * d * sizeof(double));
	int rc = 0;

	if (!centres || !offsets) {
		rc = TM_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < o->n_groups * d; i++)
		centres[i] = gsl_ran_gaussian(rng, 2.0);
	for (size_t i = 0; i < n_tasks * d; i++)
		offsets[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < n; i++) {
		size_t fine = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n_tasks);
		const double *centre = centres + (fine / T) * d, *offset = offsets + fine * d;

		for (size_t f = 0; f < d; f++)
			x[i * d + f] = (float)(centre[f] + offset[f] + gsl_ran_gaussian(rng, 1.0));
		labels[i * n_tasks + fine] = 1;
	}
out:
	free(centres);
	free(offsets);
	return rc;
}

/* Decimal digits of @n, at least 2 (task_00) and at most 20. */
static int digits(size_t n)
{
	int count = 1;

	while (n >= 10 && count < 20) {
		n /= 10;
		count++;
	}
	return count;
}

int tm_synth_generate(struct tm_dataset **out, size_t **planted_groups,
		      const struct tm_synth_options *options, struct tm_error *err)
{
	struct ds_builder builder = { 0 };
	struct tm_dataset *d;
	size_t n_tasks = 0, *order = NULL, *groups = NULL;
	int8_t *original = NULL;
	float *features;
	int8_t *labels;
	gsl_rng *rng = NULL;
	int rc, width;

	*out = NULL;
	*planted_groups = NULL;
	if ((rc = check_options(options, &n_tasks, err)) < 0)
		return rc;
	if ((rc = ds_builder_init(&builder, "synth", "synth", options->n_features, n_tasks, 0, 0,
				  err)) < 0)
		goto out;
	d = builder.dataset;
	free(d->source_path);
	d->source_path = NULL;
	for (size_t i = 0; i < options->n_samples; i++)
		if ((rc = ds_builder_add_row(&builder, &features, &labels, err)) < 0)
			goto out;
	d->name = strdup(options->structure == TM_SYNTH_LATENT ? "synth-latent" : "synth-hierarchy");
	original = calloc(options->n_samples * n_tasks, 1);
	order = malloc(n_tasks * sizeof(size_t));
	groups = malloc(n_tasks * sizeof(size_t));
	rng = tm_rng_create(options->seed);
	if (!d->name || !original || !order || !groups || !rng) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "cannot generate: out of memory");
		goto out;
	}
	rc = options->structure == TM_SYNTH_LATENT
		     ? generate_latent(options, n_tasks, rng, d->x.dense, original)
		     : generate_hierarchy(options, n_tasks, rng, d->x.dense, original);
	if (rc < 0) {
		rc = tm_error_set(err, rc, "cannot generate: out of memory");
		goto out;
	}
	/* shuffle the task order so that groups are not contiguous */
	tm_rng_shuffle_indices(rng, order, n_tasks);
	for (size_t i = 0; i < options->n_samples; i++) {
		for (size_t t = 0; t < n_tasks; t++) {
			int8_t label = original[i * n_tasks + order[t]];

			if (options->label_noise > 0.0 && gsl_rng_uniform(rng) < options->label_noise)
				label = !label;
			if (options->missing_fraction > 0.0 &&
			    gsl_rng_uniform(rng) < options->missing_fraction) {
				label = TM_LABEL_MISSING;
				d->n_missing_labels++;
			}
			d->labels[i * n_tasks + t] = label;
		}
	}
	width = digits(n_tasks - 1) < 2 ? 2 : digits(n_tasks - 1) % 21;
	for (size_t t = 0; t < n_tasks; t++) {
		char name[64];

		groups[t] = order[t] / options->tasks_per_group;
		snprintf(name, sizeof(name), "task_%0*zu", width, t);
		if (!(d->task_names[t] = strdup(name))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot generate: out of memory");
			goto out;
		}
	}
	width = digits(options->n_features - 1) < 2 ? 2 : digits(options->n_features - 1) % 21;
	for (size_t f = 0; f < options->n_features; f++) {
		char name[64];

		snprintf(name, sizeof(name), "x%0*zu", width, f);
		if (!(d->feature_names[f] = strdup(name))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot generate: out of memory");
			goto out;
		}
	}
	if ((rc = ds_builder_finish(&builder, out, err)) < 0)
		goto out;
	*planted_groups = groups;
	groups = NULL;
out:
	ds_builder_release(&builder);
	gsl_rng_free(rng);
	free(original);
	free(order);
	free(groups);
	return rc;
}

int tm_synth_write_truth(const struct tm_dataset *dataset, const size_t *planted_groups,
			 size_t n_groups, const char *path, struct tm_error *err)
{
	json_t *root = NULL, *groups = NULL;
	char *temporary = NULL;
	size_t length = strlen(path);
	int rc = 0, fd;

	for (size_t t = 0; t < dataset->n_tasks; t++)
		if (planted_groups[t] >= n_groups)
			return tm_error_set(err, TM_ERR_USAGE,
					    "cannot write '%s': task %zu is in group %zu of %zu", path, t,
					    planted_groups[t], n_groups);
	root = json_object();
	groups = json_array();
	if (!root || !groups || json_object_set_new(root, "k", json_integer((json_int_t)n_groups)) ||
	    json_object_set_new(root, "method", json_string("planted")) ||
	    json_object_set(root, "groups", groups)) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "cannot write '%s': out of memory", path);
		goto out;
	}
	for (size_t g = 0; g < n_groups; g++) {
		json_t *group = json_object(), *tasks = json_array();

		if (!group || !tasks || json_object_set_new(group, "tasks", tasks) ||
		    json_array_append_new(groups, group)) {
			json_decref(group);
			rc = tm_error_set(err, TM_ERR_NOMEM, "cannot write '%s': out of memory", path);
			goto out;
		}
		for (size_t t = 0; t < dataset->n_tasks; t++)
			if (planted_groups[t] == g &&
			    json_array_append_new(tasks, json_string(dataset->task_names[t]))) {
				rc = tm_error_set(err, TM_ERR_NOMEM, "cannot write '%s': out of memory",
						  path);
				goto out;
			}
	}
	if ((rc = tm_check_replaceable(path, err)) < 0)
		goto out;
	if (!(temporary = malloc(length + 16))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "cannot write '%s': out of memory", path);
		goto out;
	}
	snprintf(temporary, length + 16, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(temporary)) < 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot create a temporary file for '%s': %s", path,
				  strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0644) != 0 ||
	    json_dumpfd(root, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
		close(fd);
		unlink(temporary);
		goto out;
	}
	if (close(fd) != 0 || rename(temporary, path) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
		unlink(temporary);
	}
out:
	free(temporary);
	json_decref(groups);
	json_decref(root);
	return rc;
}
