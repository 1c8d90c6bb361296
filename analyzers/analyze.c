/*
 * analyze.c - `taskmap analyze` as a library call: load a run's data maps,
 * estimate relatedness with each requested estimator, cluster with each
 * requested method (choosing k when asked), measure bootstrap stability, and
 * write everything to the store in one transaction, marking the first
 * estimator x first method as the recommended grouping.
 */
#include "analyzers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARAMS_MAX 512

void tm_analyze_defaults(struct tm_analyze_options *o)
{
	memset(o, 0, sizeof(*o));
	o->epoch_from = 0;
	o->epoch_to = 0;
	/* measured best (bench/RESULTS.md); without stored labels: datamap */
	o->estimators[0] = TM_ESTIMATOR_PREDICTIONS_EPOCHWISE;
	o->estimators[1] = TM_ESTIMATOR_DATAMAP;
	o->n_estimators = 2;
	o->skip_unavailable = 1;
	o->first_available_only = 1; /* datamap only when the run has no labels or dynamics */
	/* measured best on planted groups (bench/RESULTS.md) */
	o->methods[0] = TM_METHOD_SPECTRAL_AVERAGE;
	o->n_methods = 1;
	o->k = 0;
	o->bootstrap = TM_BOOTSTRAP_AUTO;
	o->restarts = 10;
	o->fuzzifier = 1.07;
	o->seed = 1;
	o->max_datamap_points = 50000;
}

void tm_analyze_result_release(struct tm_analyze_result *result)
{
	if (!result)
		return;
	free(result->rows);
	memset(result, 0, sizeof(*result));
}

static double now_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The state of one analysis. */
struct analysis {
	struct tm_store *store;
	const struct tm_analyze_options *options;
	struct tm_datamap *map;
	int64_t analysis_id;
	struct tm_analyze_result *result;
	double store_seconds;
};

/* effective_bootstrap - the resamples actually drawn for @n_tasks tasks. */
static size_t effective_bootstrap(const struct tm_analyze_options *o, size_t n_tasks)
{
	if (o->bootstrap != TM_BOOTSTRAP_AUTO)
		return o->bootstrap;
	return n_tasks <= TM_BOOTSTRAP_AUTO_TASKS ? 10 : 0;
}

static int write_config(const struct tm_analyze_options *o, size_t n_tasks, char *json,
			size_t size)
{
	size_t used = 0;
	int n;

	n = snprintf(json, size, "{\"epochs\": [%lld, %lld], \"relatedness\": [",
		     (long long)o->epoch_from, (long long)o->epoch_to);
	used += (size_t)n;
	for (size_t e = 0; e < o->n_estimators && used < size; e++)
		used += (size_t)snprintf(json + used, size - used, "%s\"%s\"", e ? ", " : "",
					 tm_estimator_name(o->estimators[e]));
	if (used < size)
		used += (size_t)snprintf(json + used, size - used, "], \"cluster\": [");
	for (size_t m = 0; m < o->n_methods && used < size; m++)
		used += (size_t)snprintf(json + used, size - used, "%s\"%s\"", m ? ", " : "",
					 tm_method_name(o->methods[m]));
	if (used < size)
		used += (size_t)snprintf(json + used, size - used,
					 "], \"k\": %zu, \"k_max\": %zu, \"bootstrap\": %zu, \"restarts\": %zu,"
					 " \"fuzzifier\": %.17g, \"seed\": %llu}",
					 o->k, o->k_max,
					 effective_bootstrap(o, n_tasks), o->restarts, o->fuzzifier,
					 (unsigned long long)o->seed);
	return used < size ? 0 : -1;
}

/* write_datamaps - task summaries, and sample points thinned to the cap. */
static int write_datamaps(struct analysis *a, struct tm_error *err)
{
	const struct tm_datamap *map = a->map;
	size_t labelled = 0, stride = 1, cap = a->options->max_datamap_points;
	/* one buffer for every task's values: fresh pages per task cost more than the copy */
	double *values = malloc(3 * (map->n_samples ? map->n_samples : 1) * sizeof(double));
	int rc = 0;

	if (!values)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t c = 0; c < map->n_tasks * map->n_samples; c++)
		labelled += map->region[c] != TM_REGION_NONE;
	if (cap && labelled > cap)
		stride = (labelled + cap - 1) / cap;
	for (size_t t = 0; t < map->n_tasks && rc == 0; t++) {
		struct tm_datamap_task_record record;
		size_t offset = t * map->n_samples;
		struct tm_datamap_samples samples = {
			map->task_index[t], map->n_samples, values, values + map->n_samples,
			values + 2 * map->n_samples, map->region + offset, stride,
		};

		for (size_t s = 0; s < map->n_samples; s++) {
			values[s] = map->confidence[offset + s];
			values[map->n_samples + s] = map->variability[offset + s];
			values[2 * map->n_samples + s] = map->correctness[offset + s];
		}
		tm_datamap_task_summary(map, t, &record);
		if ((rc = tm_store_write_datamap_tasks(a->store, a->analysis_id, &record, 1, err)) == 0 &&
		    cap)
			rc = tm_store_write_datamap_samples(a->store, a->analysis_id, &samples, err);
	}
	free(values);
	return rc;
}

static int write_matrix(struct analysis *a, const char *estimator, const char *kind,
			int symmetric, const double *values, const char *params, int64_t *id,
			struct tm_error *err)
{
	struct tm_matrix_record record = {
		.analysis_id = a->analysis_id, .run_id = a->map->run_id, .estimator = estimator,
		.kind = kind, .symmetric = symmetric, .n_tasks = a->map->n_tasks,
		.params_json = params,
	};
	int rc = tm_store_write_matrix(a->store, &record, a->map->task_index, values, err);

	*id = record.id;
	return rc;
}

static int write_relatedness(struct analysis *a, const struct tm_relatedness *r,
			     int64_t *matrix_id, struct tm_error *err)
{
	char params[PARAMS_MAX];
	int64_t conditional_id;
	int rc;

	snprintf(params, sizeof(params),
		 "{\"epochs\": [%lld, %lld], \"constant_tasks\": %zu, \"sparse_pairs\": %zu}",
		 (long long)a->map->epoch_from, (long long)a->map->epoch_to, r->n_constant,
		 r->n_sparse_pairs);
	if ((rc = write_matrix(a, tm_estimator_name(r->estimator), r->stored_kind, 1, r->stored,
			       params, matrix_id, err)) < 0 || !r->conditional)
		return rc;
	return write_matrix(a, "labels-conditional", "similarity", 0, r->conditional,
			    "{\"definition\": \"P(y_j=1 | y_i=1) at (task_i, task_j)\"}",
			    &conditional_id, err);
}

static int write_k_curve(struct analysis *a, int64_t matrix_id, enum tm_method method,
			 const struct tm_k_curve *curve, struct tm_error *err)
{
	size_t candidates = curve->k_max >= curve->k_min ? curve->k_max - curve->k_min + 1 : 0;
	struct tm_k_score *scores = malloc((2 * candidates > 0 ? 2 * candidates : 1) * sizeof(*scores));
	size_t n = 0;
	int rc;

	if (!scores)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < candidates; i++) {
		if (!isnan(curve->silhouette[i]))
			scores[n++] = (struct tm_k_score){ matrix_id, tm_method_name(method), "silhouette",
						   (int64_t)(curve->k_min + i), curve->silhouette[i] };
		if (curve->eigengap && !isnan(curve->eigengap[i]))
			scores[n++] = (struct tm_k_score){ matrix_id, tm_method_name(method), "eigengap",
							   (int64_t)(curve->k_min + i), curve->eigengap[i] };
	}
	rc = tm_store_write_k_scores(a->store, a->analysis_id, scores, n, err);
	free(scores);
	return rc;
}

/* members_of - the grouping rows: soft methods one per (task, group), hard one per task. */
static struct tm_grouping_member *members_of(const struct tm_datamap *map,
					     const struct tm_clustering *c, int soft,
					     const struct tm_stability *stability, size_t *n_members)
{
	size_t per_task = soft ? c->k : 1, n = 0;
	struct tm_grouping_member *members = malloc((c->n_tasks * per_task > 0 ? c->n_tasks * per_task : 1) *
						    sizeof(*members));

	if (!members)
		return NULL;
	for (size_t i = 0; i < c->n_tasks; i++)
		for (size_t g = 0; g < c->k; g++) {
			if (!soft && g != c->assignment[i])
				continue;
			members[n++] = (struct tm_grouping_member){
				map->task_index[i], (int64_t)g, c->membership[i * c->k + g],
				g == c->assignment[i],
				stability && stability->n_resamples ? stability->task[i] : NAN,
			};
		}
	*n_members = n;
	return members;
}

static int write_grouping(struct analysis *a, int64_t matrix_id, enum tm_method method,
			  const struct tm_clustering *c, const char *criterion, double silhouette,
			  const struct tm_stability *stability, int recommended,
			  int64_t *grouping_id, struct tm_error *err)
{
	const struct tm_analyze_options *o = a->options;
	int soft = method == TM_METHOD_FUZZY || method == TM_METHOD_FUZZY_STG;
	int64_t consensus_id = 0;
	struct tm_grouping_record record = {
		.analysis_id = a->analysis_id, .matrix_id = matrix_id, .run_id = a->map->run_id,
		.clustering = tm_method_name(method), .k = (int64_t)c->k, .k_criterion = criterion,
		.stability = stability->n_resamples ? stability->mean : NAN,
		.unstable = stability->unstable, .recommended = recommended,
	};
	char params[PARAMS_MAX];
	struct tm_grouping_member *members;
	size_t n_members;
	int rc;

	if (stability->n_resamples &&
	    (rc = write_matrix(a, "consensus", "similarity", 1, stability->consensus,
			       "{\"definition\": \"fraction of bootstrap resamples grouping i with j\"}",
			       &consensus_id, err)) < 0)
		return rc;
	snprintf(params, sizeof(params),
		 "{\"silhouette\": %.17g, \"restarts\": %zu, \"fuzzifier\": %.17g, \"seed\": %llu,"
		 " \"bootstrap\": %zu, \"consensus_matrix\": %lld, \"objective\": %.17g}",
		 silhouette, o->restarts, o->fuzzifier, (unsigned long long)o->seed,
		 stability->n_resamples, (long long)consensus_id,
		 isfinite(c->objective) ? c->objective : 0);
	record.params_json = params;
	if (!(members = members_of(a->map, c, soft, stability, &n_members)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	rc = tm_store_write_grouping(a->store, &record, members, n_members, c->steps, c->n_steps, err);
	free(members);
	*grouping_id = record.id;
	return rc;
}

static int add_result_row(struct analysis *a, const struct tm_analyze_result_row *row)
{
	struct tm_analyze_result *result = a->result;
	struct tm_analyze_result_row *rows;

	if (!result)
		return 0;
	if (!(rows = realloc(result->rows, (result->n_rows + 1) * sizeof(*rows))))
		return TM_ERR_NOMEM;
	result->rows = rows;
	rows[result->n_rows++] = *row;
	return 0;
}

/* analyze_method - cluster one estimate with one method and store the result. */
static int analyze_method(struct analysis *a, const struct tm_relatedness *r, int64_t matrix_id,
			  enum tm_method method, int recommended, struct tm_error *err)
{
	const struct tm_analyze_options *o = a->options;
	struct tm_cluster_context context = { 0 };
	struct tm_k_curve curve = { 0 };
	struct tm_clustering clustering = { 0 };
	struct tm_stability stability = { 0 };
	struct tm_analyze_result_row row = { r->estimator, method, 0, NULL, 0, NAN, 0, 0, recommended };
	/* recorded estimators cannot be re-estimated on resampled data maps: no bootstrap */
	size_t k = o->k, k_max, bootstrap = tm_estimator_is_recorded(r->estimator) ? 0
		: effective_bootstrap(o, r->n_tasks);
	double t0;
	int rc;

	if (k > r->n_tasks) {
		return tm_error_set(err, TM_ERR_USAGE, "--k %zu is more than the %zu analysed tasks", k,
				    r->n_tasks);
	}
	k_max = k ? k : o->k_max ? o->k_max : tm_default_k_max(r->n_tasks, method);
	if ((rc = tm_cluster_prepare(&context, r, method, o->restarts, o->fuzzifier, o->seed, k_max,
				     err)) < 0)
		return rc;
	if (!k && (rc = tm_choose_k(&context, o->k_max, &curve, o->progress, err)) < 0)
		goto out;
	k = k ? k : curve.chosen;
	row.k_criterion = o->k ? "given" : r->n_tasks <= 2 ? "small" : "silhouette";
	if ((rc = tm_cluster_run(&context, k, &clustering, err)) < 0 ||
	    (bootstrap && (rc = tm_bootstrap_stability(a->map, r->estimator, &context, &clustering,
							bootstrap, o->seed + 1, &stability,
							   o->progress, err)) < 0))
		goto out;
	row.k = k;
	row.silhouette = tm_silhouette(r->distance, r->n_tasks, clustering.assignment, k, NULL);
	row.stability = stability.n_resamples ? stability.mean : NAN;
	row.unstable = stability.unstable;
	t0 = now_seconds();
	if ((!o->k && (rc = write_k_curve(a, matrix_id, method, &curve, err)) < 0) ||
	    (rc = write_grouping(a, matrix_id, method, &clustering, row.k_criterion, row.silhouette,
				 &stability, recommended, &row.grouping_id, err)) < 0)
		goto out;
	a->store_seconds += now_seconds() - t0;
	if ((rc = add_result_row(a, &row)) < 0)
		rc = tm_error_set(err, rc, "out of memory");
out:
	tm_stability_release(&stability);
	tm_clustering_release(&clustering);
	tm_k_curve_release(&curve);
	tm_cluster_context_release(&context);
	return rc;
}

static int analyze_estimator(struct analysis *a, enum tm_estimator estimator, int first,
			     struct tm_error *err)
{
	struct tm_relatedness r = { 0 };
	int64_t matrix_id = 0, raw_id;
	double t0, *raw = NULL;
	int rc;

	if ((rc = tm_estimator_is_recorded(estimator)
		  ? tm_relatedness_recorded(a->store, a->map, estimator, &r, &raw, err)
		  : tm_relatedness_compute(a->map, estimator, &r, err)) < 0)
		return rc;
	t0 = now_seconds();
	rc = write_relatedness(a, &r, &matrix_id, err);
	/* TAG's raw asymmetric Z(i -> j), for `select --analysis` */
	if (rc == 0 && raw)
		rc = write_matrix(a, "tag-lookahead", "affinity", 0, raw,
				  "{\"definition\": \"Z(i->j) = 1 - L_j(after) / L_j(before) at"
				  " (task_i, task_j), as recorded by train --affinity tag\"}",
				  &raw_id, err);
	free(raw);
	a->store_seconds += now_seconds() - t0;
	for (size_t m = 0; m < a->options->n_methods && rc == 0; m++)
		rc = analyze_method(a, &r, matrix_id, a->options->methods[m], first && m == 0, err);
	tm_relatedness_release(&r);
	return rc;
}

static int run_analysis(struct analysis *a, int64_t run_id, struct tm_error *err)
{
	const struct tm_analyze_options *o = a->options;
	struct tm_analysis_record record = { .run_id = run_id };
	char config[1024];
	double t0;
	int rc;

	if ((rc = tm_datamap_load(a->store, run_id, o->epoch_from, o->epoch_to, &a->map, o->progress,
				  err)) < 0)
		return rc;
	if (write_config(o, a->map->n_tasks, config, sizeof(config)) < 0)
		return tm_error_set(err, TM_ERR_USAGE, "too many options to record");
	record.epoch_from = a->map->epoch_from;
	record.epoch_to = a->map->epoch_to;
	record.config_json = config;
	if ((rc = tm_store_begin(a->store, err)) < 0)
		return rc;
	t0 = now_seconds();
	if ((rc = tm_store_create_analysis(a->store, &record, err)) < 0)
		goto out;
	a->analysis_id = record.id;
	if ((rc = write_datamaps(a, err)) < 0)
		goto out;
	a->store_seconds += now_seconds() - t0;
	for (size_t e = 0, first = 1; e < o->n_estimators && rc == 0; e++) {
		enum tm_estimator estimator = o->estimators[e];
		int needs_labels = estimator == TM_ESTIMATOR_LABELS ||
				   estimator == TM_ESTIMATOR_PREDICTIONS ||
				   estimator == TM_ESTIMATOR_PREDICTIONS_EPOCHWISE;
		int needs_epochs = estimator == TM_ESTIMATOR_PREDICTIONS_EPOCHWISE;

		if (((needs_labels && !a->map->labels) || (needs_epochs && !a->map->epoch_codes)) &&
		    o->skip_unavailable)
			continue;
		if (!first && o->first_available_only)
			break;
		rc = analyze_estimator(a, estimator, first, err);
		first = 0;
	}
	t0 = now_seconds();
	if (rc == 0)
		rc = tm_store_commit(a->store, err);
	a->store_seconds += now_seconds() - t0;
out:
	if (rc < 0)
		tm_store_rollback(a->store);
	return rc;
}

int tm_analyze(struct tm_store *store, int64_t run_id, const struct tm_analyze_options *options,
	       struct tm_analyze_result *result, struct tm_error *err)
{
	struct analysis a = { store, options, NULL, 0, result, 0 };
	double t0 = now_seconds();
	int rc;

	if (result)
		memset(result, 0, sizeof(*result));
	if (options->n_estimators == 0 || options->n_methods == 0)
		return tm_error_set(err, TM_ERR_USAGE, "no relatedness estimator or clustering method");
	for (size_t m = 0; m < options->n_methods; m++)
		if ((options->methods[m] == TM_METHOD_FUZZY ||
		     options->methods[m] == TM_METHOD_FUZZY_STG) && !(options->fuzzifier > 1))
			return tm_error_set(err, TM_ERR_USAGE, "the fuzzifier m must be greater than 1");
	rc = run_analysis(&a, run_id, err);
	if (result) {
		result->analysis_id = rc == 0 ? a.analysis_id : 0;
		result->n_tasks = a.map ? a.map->n_tasks : 0;
		result->seconds_store = a.store_seconds;
		result->seconds_compute = now_seconds() - t0 - a.store_seconds;
		if (rc < 0)
			tm_analyze_result_release(result);
	}
	tm_datamap_free(a.map);
	return rc;
}
