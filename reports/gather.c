/*
 * gather.c - reading a report's data from the store into struct
 * report_data: the run and its dataset, tasks, the analysis (data-map
 * summaries, the shown grouping and its matrix, a merge tree, k scores),
 * training history and evaluations. Arranging it for display (order, tree
 * coordinates, MDS, panels) is arrange.c's job.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *copy(const char *text)
{
	return text ? strdup(text) : NULL;
}

/* grow - make room for one more element in *@array of *@n (doubling). */
static int grow(void *array, size_t n, size_t element, size_t *capacity)
{
	void **pointer = array;
	size_t bigger = *capacity ? 2 * *capacity : 16;
	void *grown;

	if (n < *capacity)
		return 0;
	if (!(grown = realloc(*pointer, bigger * element)))
		return TM_ERR_NOMEM;
	*pointer = grown;
	*capacity = bigger;
	return 0;
}

/* ---- run, dataset, tasks ----------------------------------------------------- */

static int copy_run(void *context, const struct tm_run_record *run)
{
	struct tm_run_record *out = context;

	*out = *run;
	out->name = copy(run->name);
	out->kind = copy(run->kind);
	out->status = copy(run->status);
	out->config_json = copy(run->config_json);
	out->dataset_name = copy(run->dataset_name);
	out->taskmap_version = copy(run->taskmap_version);
	out->started_at = copy(run->started_at);
	out->finished_at = copy(run->finished_at);
	out->message = copy(run->message);
	return out->name ? 0 : TM_ERR_NOMEM;
}

static int copy_dataset(void *context, const struct tm_dataset_info *dataset)
{
	struct tm_dataset_info *out = context;

	*out = *dataset;
	out->name = copy(dataset->name);
	out->source_path = copy(dataset->source_path);
	out->sha256 = copy(dataset->sha256);
	out->format = copy(dataset->format);
	return 0;
}

struct task_list {
	struct report_data *data;
	size_t capacity;
};

static int add_task(void *context, const struct tm_task_record *record)
{
	struct task_list *list = context;
	struct report_data *data = list->data;
	struct report_task *task;

	if (grow(&data->tasks, data->n_tasks, sizeof(*data->tasks), &list->capacity) < 0)
		return TM_ERR_NOMEM;
	task = &data->tasks[data->n_tasks++];
	*task = (struct report_task){
		.index = record->index, .positives = record->positives,
		.labelled = record->labelled, .group = -1,
		.confidence = NAN, .variability = NAN, .correctness = NAN,
		.easy = NAN, .ambiguous = NAN, .hard = NAN,
		.membership = NAN, .stability = NAN, .typicality = NAN,
	};
	task->name = copy(record->name);
	task->excluded = copy(record->excluded);
	return task->name ? 0 : TM_ERR_NOMEM;
}

int64_t report_task_position(const struct report_data *data, int64_t index)
{
	if (index >= 0 && (size_t)index < data->n_tasks && data->tasks[index].index == index)
		return index;
	for (size_t t = 0; t < data->n_tasks; t++)
		if (data->tasks[t].index == index)
			return (int64_t)t;
	return -1;
}

static int gather_run(struct tm_store *store, const struct tm_report_options *options,
		      struct report_data *data, struct tm_error *err)
{
	struct task_list list = { data, 0 };
	int rc;

	if ((rc = tm_store_run_get(store, options->run, copy_run, &data->run, err)) < 0)
		return rc == TM_ERR_NOMEM ? tm_error_set(err, rc, "out of memory") : rc;
	if (data->run.dataset_id > 0 &&
	    (rc = tm_store_dataset_get(store, data->run.dataset_id, copy_dataset, &data->dataset,
				       err)) < 0 && rc != TM_ERR_NOT_FOUND)
		return rc;
	if ((rc = tm_store_list_tasks(store, data->run.id, add_task, &list, err)) < 0)
		return rc == TM_ERR_NOMEM ? tm_error_set(err, rc, "out of memory") : rc;
	return 0;
}

/* ---- analysis -------------------------------------------------------------- */

static int copy_analysis(void *context, const struct tm_analysis_record *analysis)
{
	struct tm_analysis_record *out = context;

	*out = *analysis;
	out->config_json = copy(analysis->config_json);
	out->created_at = copy(analysis->created_at);
	return 0;
}

static int add_datamap_task(void *context, const struct tm_datamap_task_record *record)
{
	struct report_data *data = context;
	int64_t t = report_task_position(data, record->task_index);

	if (t >= 0) {
		struct report_task *task = &data->tasks[t];

		task->confidence = record->confidence;
		task->variability = record->variability;
		task->correctness = record->correctness;
		task->easy = record->easy_fraction;
		task->ambiguous = record->ambiguous_fraction;
		task->hard = record->hard_fraction;
	}
	return 0;
}

static int gather_analysis(struct tm_store *store, const struct tm_report_options *options,
			   struct report_data *data, struct tm_error *err)
{
	int64_t analysis_id = options->analysis_id;
	int rc;

	if (!analysis_id) {
		rc = tm_store_latest_analysis(store, data->run.id, &analysis_id, err);
		if (rc == TM_ERR_NOT_FOUND) {
			if (err)
				*err = (struct tm_error){ 0 };
			return 0; /* a run not analysed yet: a training-only report */
		}
		if (rc < 0)
			return rc;
	}
	if ((rc = tm_store_analysis_get(store, analysis_id, copy_analysis, &data->analysis,
					err)) < 0)
		return rc;
	if (data->analysis.run_id != data->run.id)
		return tm_error_set(err, TM_ERR_USAGE, "analysis %lld belongs to run %lld, not to '%s'",
				    (long long)analysis_id, (long long)data->analysis.run_id,
				    data->run.name);
	return tm_store_list_datamap_tasks(store, analysis_id, add_datamap_task, data, err);
}

/* ---- grouping, matrix, tree ------------------------------------------------- */

struct grouping_ids {
	int64_t *ids;
	size_t n, capacity;
};

static int add_grouping_id(void *context, const struct tm_grouping_record *grouping)
{
	struct grouping_ids *list = context;

	if (grow(&list->ids, list->n, sizeof(*list->ids), &list->capacity) < 0)
		return TM_ERR_NOMEM;
	list->ids[list->n++] = grouping->id;
	return 0;
}

static int first_matrix(void *context, const struct tm_matrix_record *matrix)
{
	*(int64_t *)context = matrix->id;
	return 1; /* stop at the first */
}

/* choose_matrix - the grouping's matrix, else the data-map one, else the first. */
static int choose_matrix(struct tm_store *store, const struct tm_grouping *grouping,
			 int64_t analysis_id, int64_t *matrix_id, struct tm_error *err)
{
	int rc;

	*matrix_id = grouping ? grouping->record.matrix_id : 0;
	if (*matrix_id > 0)
		return 0;
	rc = tm_store_find_matrix(store, analysis_id, "datamap", matrix_id, err);
	if (rc != TM_ERR_NOT_FOUND)
		return rc;
	*matrix_id = 0;
	rc = tm_store_list_matrices(store, analysis_id, first_matrix, matrix_id, err);
	return rc < 0 ? rc : 0;
}

/* same_tasks - the tree covers exactly the shown tasks (both ascending). */
static int same_tasks(const struct tm_grouping *tree, const int64_t *task_index, size_t n)
{
	return tree->n_tasks == n &&
	       memcmp(tree->task_index, task_index, n * sizeof(*task_index)) == 0;
}

/*
 * choose_tree - a grouping with a merge tree over the shown tasks: the
 * shown grouping itself when it has one, else the newest that does.
 */
static int choose_tree(struct tm_store *store, struct report_gathered *gathered,
		       const struct grouping_ids *ids, struct tm_error *err)
{
	const struct tm_grouping *shown = gathered->grouping;
	int rc;

	if (shown && shown->n_steps + 1 == gathered->n_shown &&
	    same_tasks(shown, gathered->shown_index, gathered->n_shown)) {
		gathered->tree = gathered->grouping;
		return 0;
	}
	for (size_t g = ids->n; g-- > 0;) {
		struct tm_grouping *candidate = NULL;

		if ((rc = tm_store_read_grouping(store, ids->ids[g], &candidate, err)) < 0)
			return rc;
		if (candidate->n_steps + 1 == gathered->n_shown &&
		    same_tasks(candidate, gathered->shown_index, gathered->n_shown)) {
			gathered->tree = candidate;
			gathered->own_tree = 1;
			return 0;
		}
		tm_grouping_free(candidate);
	}
	return 0;
}

static int gather_grouping(struct tm_store *store, struct report_data *data,
			   struct report_gathered *gathered, struct tm_error *err)
{
	struct grouping_ids ids = { 0 };
	int64_t grouping_id = 0, matrix_id = 0;
	int rc;

	if ((rc = tm_store_list_groupings(store, data->analysis.id, add_grouping_id, &ids,
					  err)) < 0)
		goto out;
	rc = tm_store_recommended_grouping(store, 0, data->analysis.id, &grouping_id, err);
	if (rc == TM_ERR_NOT_FOUND)
		grouping_id = ids.n ? ids.ids[ids.n - 1] : 0;
	else if (rc < 0)
		goto out;
	if (grouping_id &&
	    (rc = tm_store_read_grouping(store, grouping_id, &gathered->grouping, err)) < 0)
		goto out;
	if ((rc = choose_matrix(store, gathered->grouping, data->analysis.id, &matrix_id, err)) < 0)
		goto out;
	if (matrix_id && (rc = tm_store_read_matrix(store, matrix_id, &gathered->matrix, err)) < 0)
		goto out;
	if (gathered->matrix) {
		gathered->shown_index = gathered->matrix->task_index;
		gathered->n_shown = gathered->matrix->record.n_tasks;
	} else if (gathered->grouping) {
		gathered->shown_index = gathered->grouping->task_index;
		gathered->n_shown = gathered->grouping->n_tasks;
	}
	rc = gathered->n_shown >= 2 ? choose_tree(store, gathered, &ids, err) : 0;
out:
	free(ids.ids);
	if (err && rc == 0)
		*err = (struct tm_error){ 0 };
	return rc;
}

/* ---- k scores ---------------------------------------------------------------- */

struct score_list {
	struct report_data *data;
	const struct tm_grouping *grouping;
	int pass;        /* 0: matrix and clustering match; 1: clustering; 2: the first seen */
	int64_t matrix_id;
	char *clustering;
	size_t capacity;
};

static int score_matches(struct score_list *list, const struct tm_k_score *score)
{
	const struct tm_grouping_record *g = list->grouping ? &list->grouping->record : NULL;

	if (list->pass == 0)
		return g && g->clustering && score->matrix_id == g->matrix_id &&
		       strcmp(score->clustering, g->clustering) == 0;
	if (list->pass == 1)
		return g && g->clustering && strcmp(score->clustering, g->clustering) == 0;
	if (!list->clustering) {
		list->matrix_id = score->matrix_id;
		list->clustering = strdup(score->clustering);
	}
	return list->clustering && score->matrix_id == list->matrix_id &&
	       strcmp(score->clustering, list->clustering) == 0;
}

static int add_score(void *context, const struct tm_k_score *score)
{
	struct score_list *list = context;
	struct report_data *data = list->data;
	struct report_score *out;

	if (!score->criterion || !score->clustering || !score_matches(list, score))
		return 0;
	if (grow(&data->scores, data->n_scores, sizeof(*data->scores), &list->capacity) < 0)
		return TM_ERR_NOMEM;
	out = &data->scores[data->n_scores++];
	*out = (struct report_score){ .k = score->k, .score = score->score };
	if (!data->score_clustering)
		data->score_clustering = strdup(score->clustering);
	return (out->criterion = strdup(score->criterion)) ? 0 : TM_ERR_NOMEM;
}

static int gather_scores(struct tm_store *store, struct report_data *data,
			 const struct tm_grouping *grouping, struct tm_error *err)
{
	struct score_list list = { .data = data, .grouping = grouping };
	int rc = 0;

	for (list.pass = 0; list.pass < 3 && data->n_scores == 0 && rc == 0; list.pass++)
		rc = tm_store_list_k_scores(store, data->analysis.id, add_score, &list, err);
	free(list.clustering);
	return rc == TM_ERR_NOMEM ? tm_error_set(err, rc, "out of memory") : rc;
}

/* ---- training history -------------------------------------------------------- */

struct epoch_list {
	struct report_data *data;
	size_t capacity;
};

static int add_epoch(void *context, const struct tm_epoch_summary *epoch)
{
	struct epoch_list *list = context;
	struct report_data *data = list->data;

	if (grow(&data->epochs, data->n_epochs, sizeof(*data->epochs), &list->capacity) < 0)
		return TM_ERR_NOMEM;
	data->epochs[data->n_epochs++] = *epoch;
	return 0;
}

static int64_t epoch_position(const struct report_data *data, int64_t epoch)
{
	if (epoch >= 0 && (size_t)epoch < data->n_epochs && data->epochs[epoch].epoch == epoch)
		return epoch;
	for (size_t e = 0; e < data->n_epochs; e++)
		if (data->epochs[e].epoch == epoch)
			return (int64_t)e;
	return -1;
}

static int add_metric(void *context, int64_t epoch, const struct tm_task_metrics_record *record)
{
	struct report_data *data = context;
	int64_t e = epoch_position(data, epoch), t = report_task_position(data, record->task_index);
	struct report_metric *metric;

	if (e < 0 || t < 0 || !record->split)
		return 0;
	metric = &data->metrics[(size_t)t * data->n_epochs + (size_t)e];
	if (strcmp(record->split, "train") == 0) {
		metric->train_loss = record->loss;
		metric->train_auc = record->roc_auc;
	} else if (strcmp(record->split, "valid") == 0) {
		metric->valid_loss = record->loss;
		metric->valid_auc = record->roc_auc;
	}
	return 0;
}

static int gather_history(struct tm_store *store, struct report_data *data,
			  struct tm_error *err)
{
	struct epoch_list list = { data, 0 };
	size_t cells;
	int rc;

	if ((rc = tm_store_list_epochs(store, data->run.id, add_epoch, &list, err)) < 0)
		return rc == TM_ERR_NOMEM ? tm_error_set(err, rc, "out of memory") : rc;
	if (data->n_epochs == 0 || data->n_tasks == 0)
		return 0;
	if (tm_size_mul(data->n_tasks, data->n_epochs, &cells) < 0 ||
	    !(data->metrics = malloc(cells * sizeof(*data->metrics))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < cells; i++)
		data->metrics[i] = (struct report_metric){ NAN, NAN, NAN, NAN };
	return tm_store_list_task_metrics(store, data->run.id, add_metric, data, err);
}

struct evaluation_list {
	struct report_data *data;
	size_t capacity;
};

static int add_evaluation(void *context, const struct tm_evaluation_summary *evaluation)
{
	struct evaluation_list *list = context;
	struct report_data *data = list->data;
	struct tm_evaluation_summary *out;

	if (grow(&data->evaluations, data->n_evaluations, sizeof(*data->evaluations),
		 &list->capacity) < 0)
		return TM_ERR_NOMEM;
	out = &data->evaluations[data->n_evaluations++];
	*out = *evaluation;
	out->label = copy(evaluation->label);
	out->kind = copy(evaluation->kind);
	return out->label ? 0 : TM_ERR_NOMEM;
}

/*
 * number_batches - each `taskmap evaluate` stores its single-task reference
 * first, so a run evaluated several times holds several batches with the
 * same labels; prefix the labels with "#N " (N counting batches in id order)
 * so the table and the plot tell them apart. One batch: labels unchanged.
 */
static int number_batches(struct report_data *data)
{
	size_t batches = 0, batch = 0;

	for (size_t e = 0; e < data->n_evaluations; e++)
		batches += strcmp(data->evaluations[e].kind, "single-task") == 0;
	for (size_t e = 0; batches > 1 && e < data->n_evaluations; e++) {
		struct tm_evaluation_summary *evaluation = &data->evaluations[e];
		size_t size = strlen(evaluation->label) + 24;
		char *label = malloc(size);

		if (!label)
			return TM_ERR_NOMEM;
		batch += strcmp(evaluation->kind, "single-task") == 0 || batch == 0;
		snprintf(label, size, "#%zu %s", batch, evaluation->label);
		free((char *)evaluation->label);
		evaluation->label = label;
	}
	return 0;
}

/* ---- the whole -------------------------------------------------------------- */

int report_gather(struct tm_store *store, const struct tm_report_options *options,
		  struct report_data *data, struct tm_error *err)
{
	struct report_gathered *gathered = &data->source;
	struct evaluation_list evaluations = { data, 0 };
	int rc;

	data->focus = -1;
	if ((rc = gather_run(store, options, data, err)) < 0 ||
	    (rc = gather_analysis(store, options, data, err)) < 0)
		return rc;
	if (data->analysis.id &&
	    ((rc = gather_grouping(store, data, gathered, err)) < 0 ||
	     (rc = gather_scores(store, data, gathered->grouping, err)) < 0))
		return rc;
	if ((rc = gather_history(store, data, err)) < 0)
		return rc;
	rc = tm_store_list_evaluation_summaries(store, data->run.id, add_evaluation,
						&evaluations, err);
	if (rc == 0)
		rc = number_batches(data);
	return rc == TM_ERR_NOMEM ? tm_error_set(err, rc, "out of memory") : rc;
}

