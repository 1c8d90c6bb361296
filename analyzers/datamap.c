/*
 * datamap.c - data maps (Swayamdipta et al. 2020): per task and training
 * sample, the confidence, variability and correctness of the gold-label
 * probability over an epoch window, read from the store's dynamics (or its
 * running summaries), and the easy / ambiguous / hard regions.
 */
#include "analyzers.h"
#include "large-alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_histogram.h>

#define REGION_BINS 20000 /* resolution of the pooled variability tertile */

void tm_datamap_free(struct tm_datamap *map)
{
	if (!map)
		return;
	if (map->task_names)
		for (size_t t = 0; t < map->n_tasks; t++)
			free(map->task_names[t]);
	free(map->task_names);
	free(map->task_index);
	free(map->confidence);
	free(map->variability);
	free(map->correctness);
	free(map->labels);
	free(map->region);
	free(map->epoch_codes);
	free(map);
}

/* datamap_allocate - a map of n_tasks x n_samples with every array but labels. */
static int datamap_allocate(size_t n_tasks, size_t n_samples, struct tm_datamap **out,
			    struct tm_error *err)
{
	struct tm_datamap *map = calloc(1, sizeof(*map));
	size_t cells;

	*out = NULL;
	if (!map || tm_size_mul(n_tasks, n_samples, &cells) < 0)
		goto fail;
	map->n_tasks = n_tasks;
	map->n_samples = n_samples;
	cells = cells ? cells : 1;
	map->task_index = calloc(n_tasks ? n_tasks : 1, sizeof(int64_t));
	map->task_names = calloc(n_tasks ? n_tasks : 1, sizeof(char *));
	map->confidence = large_alloc(cells * sizeof(float));
	map->variability = large_alloc(cells * sizeof(float));
	map->correctness = large_alloc(cells * sizeof(float));
	map->region = large_alloc(cells);
	if (!map->task_index || !map->task_names || !map->confidence || !map->variability ||
	    !map->correctness || !map->region)
		goto fail;
	memset(map->region, 0, cells);
	*out = map;
	return 0;
fail:
	tm_datamap_free(map);
	return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the data maps of %zu tasks x %zu samples",
			    n_tasks, n_samples);
}

/*
 * summarise_sample - confidence, variability (population std, as
 * cartography's np.std) and correctness of @n_epochs probabilities taken
 * every @stride values from @p (NaN = missing label).
 */
static void summarise_sample(const double *p, size_t n_epochs, size_t stride, float *confidence,
			     float *variability, float *correctness)
{
	double sum = 0, squares = 0, correct = 0, mean;

	for (size_t e = 0; e < n_epochs; e++) {
		double value = p[e * stride];

		if (value != value) {
			*confidence = *variability = *correctness = NAN;
			return;
		}
		sum += value;
		correct += value > 0.5;
	}
	mean = sum / (double)n_epochs;
	for (size_t e = 0; e < n_epochs; e++)
		squares += (p[e * stride] - mean) * (p[e * stride] - mean);
	*confidence = (float)mean;
	*variability = (float)sqrt(squares / (double)n_epochs);
	*correctness = (float)(correct / (double)n_epochs);
}

/*
 * assign_regions - the region of every labelled point. Cartography ranks
 * samples within a task, which makes the region fractions the same for every
 * task; to compare tasks we rank over the pooled points of all tasks: a point
 * is ambiguous when its variability is in the pooled top third, otherwise
 * easy when confidence >= 0.5 and hard below (docs/methods.md).
 */
static int assign_regions(struct tm_datamap *map, struct tm_error *err)
{
	size_t cells = map->n_tasks * map->n_samples, labelled = 0;
	gsl_histogram *histogram = gsl_histogram_alloc(REGION_BINS);
	double threshold = 0.5, cumulative = 0;

	if (!histogram)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	gsl_histogram_set_ranges_uniform(histogram, 0.0, 0.5000001);
	for (size_t c = 0; c < cells; c++)
		if (map->variability[c] == map->variability[c]) {
			gsl_histogram_increment(histogram, map->variability[c]);
			labelled++;
		}
	for (size_t b = 0; b < REGION_BINS && labelled; b++) {
		cumulative += gsl_histogram_get(histogram, b);
		if (cumulative >= 2.0 * (double)labelled / 3.0) {
			double lower, upper;

			gsl_histogram_get_range(histogram, b, &lower, &upper);
			threshold = upper;
			break;
		}
	}
	gsl_histogram_free(histogram);
	map->ambiguous_threshold = threshold;
	for (size_t c = 0; c < cells; c++) {
		if (map->confidence[c] != map->confidence[c])
			map->region[c] = TM_REGION_NONE;
		else if (map->variability[c] >= threshold && map->variability[c] > 0)
			map->region[c] = TM_REGION_AMBIGUOUS;
		else
			map->region[c] = map->confidence[c] >= 0.5f ? TM_REGION_EASY : TM_REGION_HARD;
	}
	return 0;
}

int tm_datamap_from_probabilities(const double *p, const int8_t *labels, size_t n_tasks,
				  size_t n_epochs, size_t n_samples,
				  struct tm_datamap **out, struct tm_error *err)
{
	struct tm_datamap *map = NULL;
	char name[32];
	int rc;

	*out = NULL;
	if (n_epochs == 0)
		return tm_error_set(err, TM_ERR_USAGE, "the epoch window is empty");
	if ((rc = datamap_allocate(n_tasks, n_samples, &map, err)) < 0)
		return rc;
	map->epoch_to = (int64_t)n_epochs;
	if (!(map->epoch_codes = large_alloc(n_tasks * n_epochs * n_samples * sizeof(uint16_t))))
		goto nomem;
	map->n_epochs = n_epochs;
	for (size_t c = 0; c < n_tasks * n_epochs * n_samples; c++)
		map->epoch_codes[c] = tm_dynamics_encode(p[c]);
	for (size_t t = 0; t < n_tasks; t++) {
		snprintf(name, sizeof(name), "task-%zu", t);
		map->task_index[t] = (int64_t)t;
		if (!(map->task_names[t] = strdup(name)))
			goto nomem;
		for (size_t s = 0; s < n_samples; s++)
			summarise_sample(p + (t * n_epochs) * n_samples + s, n_epochs, n_samples,
					 &map->confidence[t * n_samples + s],
					 &map->variability[t * n_samples + s],
					 &map->correctness[t * n_samples + s]);
	}
	if (labels) {
		if (!(map->labels = large_alloc(n_tasks * n_samples)))
			goto nomem;
		memcpy(map->labels, labels, n_tasks * n_samples);
	}
	if ((rc = assign_regions(map, err)) < 0)
		goto fail;
	*out = map;
	return 0;
nomem:
	rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
fail:
	tm_datamap_free(map);
	return rc;
}

double *tm_dynamics_decode_table(void)
{
	double *table = malloc(TM_DECODE_CODES * sizeof(double));

	for (size_t q = 0; table && q < TM_DECODE_CODES; q++)
		table[q] = tm_dynamics_decode((uint16_t)q);
	return table;
}

/* ---- loading from the store -------------------------------------------------- */

struct run_info {
	int64_t epochs_done;
	int64_t n_train_samples;
	char *name;
};

static int run_info_of(void *context, const struct tm_run_record *run)
{
	struct run_info *info = context;

	info->epochs_done = run->epochs_done;
	info->n_train_samples = run->n_train_samples;
	info->name = strdup(run->name ? run->name : "");
	return info->name ? 0 : TM_ERR_NOMEM;
}

struct task_list {
	int64_t *index;
	char **names;
	size_t n, capacity;
};

static int collect_task(void *context, const struct tm_task_record *task)
{
	struct task_list *list = context;

	if (task->excluded)
		return 0;
	if (list->n == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 64;
		int64_t *index = realloc(list->index, capacity * sizeof(*index));
		char **names;

		if (!index)
			return TM_ERR_NOMEM;
		list->index = index;
		if (!(names = realloc(list->names, capacity * sizeof(*names))))
			return TM_ERR_NOMEM;
		list->names = names;
		list->capacity = capacity;
	}
	if (!(list->names[list->n] = strdup(task->name)))
		return TM_ERR_NOMEM;
	list->index[list->n++] = task->index;
	return 0;
}

/* The state of one load: the run, the window, and scratch buffers. */
struct loader {
	struct tm_store *store;
	int64_t run_id;
	struct run_info run;
	int64_t from, to;
	size_t n_samples;
	int summaries_only;
	uint16_t *raw;   /* n_epochs x n_samples: the first task's, to tell the storage */
	double *sum, *squares, *correct_epochs; /* n_samples each: summarise_codes' sums */
	double *decode;  /* TM_DECODE_CODES values: tm_dynamics_decode of every code */
	float *mean, *m2, *correct; /* summaries */
};

static void loader_release(struct loader *loader)
{
	free(loader->run.name);
	free(loader->raw);
	free(loader->sum);
	free(loader->squares);
	free(loader->correct_epochs);
	free(loader->decode);
	free(loader->mean);
	free(loader->m2);
	free(loader->correct);
}

/* check_window - resolve epoch_to <= 0 and refuse empty or impossible windows. */
static int check_window(struct loader *l, int64_t from, int64_t to, struct tm_error *err)
{
	int64_t given_from = from;
	char given_to[24] = ""; /* TO 0 (the end) is written as an empty side, as the option takes it */

	if (to != 0)
		snprintf(given_to, sizeof(given_to), "%lld", (long long)to);
	if (from < 0)
		from += l->run.epochs_done;
	if (to <= 0)
		to += l->run.epochs_done;
	if (l->run.epochs_done <= 0)
		return tm_error_set(err, TM_ERR_INPUT, "run '%s' has no committed epoch to analyse",
				    l->run.name);
	/* the message names the window as given; negative ends are resolved in brackets */
	if (from < 0 || to > l->run.epochs_done || from >= to)
		return tm_error_set(err, TM_ERR_USAGE,
				    "the epoch window %lld:%s (%lld:%lld) is empty or outside the run's"
				    " epochs 0:%lld", (long long)given_from, given_to,
				    (long long)from, (long long)to, (long long)l->run.epochs_done);
	l->from = from;
	l->to = to;
	return 0;
}

/*
 * detect_storage - whether the run kept full dynamics or only summaries
 * (train --keep summary); with summaries only the full window is possible.
 */
static int detect_storage(struct loader *l, int64_t first_task, struct tm_error *err)
{
	size_t n = l->n_samples, epochs = (size_t)(l->to - l->from);
	int64_t n_epochs = 0;
	int rc;

	if (!(l->raw = malloc((epochs * n > 0 ? epochs * n : 1) * sizeof(uint16_t))) ||
	    !(l->sum = malloc((n ? n : 1) * sizeof(double))) ||
	    !(l->squares = malloc((n ? n : 1) * sizeof(double))) ||
	    !(l->correct_epochs = malloc((n ? n : 1) * sizeof(double))) ||
	    !(l->decode = tm_dynamics_decode_table()))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	rc = tm_store_read_dynamics(l->store, l->run_id, first_task, l->from, l->to, n, l->raw, err);
	if (rc != TM_ERR_NOT_FOUND)
		return rc;
	if (!(l->mean = malloc((n ? n : 1) * sizeof(float))) ||
	    !(l->m2 = malloc((n ? n : 1) * sizeof(float))) ||
	    !(l->correct = malloc((n ? n : 1) * sizeof(float))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (tm_store_read_summary(l->store, l->run_id, first_task, n, l->mean, l->m2, l->correct,
				  &n_epochs, err) < 0)
		return tm_error_set(err, TM_ERR_INPUT,
				    "run '%s' has neither dynamics nor summaries for epochs %lld:%lld",
				    l->run.name, (long long)l->from, (long long)l->to);
	if (l->from != 0 || l->to != n_epochs)
		return tm_error_set(err, TM_ERR_USAGE,
				    "run '%s' was trained with --keep summary: only the full window 0:%lld can be analysed",
				    l->run.name, (long long)n_epochs);
	l->summaries_only = 1;
	return 0;
}

/*
 * summarise_codes - summarise_sample of every sample of one task from its
 * codes (@n_epochs x @n samples, epoch-major), epoch by epoch over all
 * samples so that the codes are read in order; each sample's sums take the
 * epochs in the same order as summarise_sample's, so the values are the same
 * to the bit. @decode is tm_dynamics_decode_table(); @sum, @squares and
 * @correct are scratch of @n doubles.
 */
static void summarise_codes(const uint16_t *codes, size_t n_epochs, size_t n,
			    const double *decode, double *sum, double *squares, double *correct,
			    float *confidence, float *variability, float *correctness)
{
	for (size_t s = 0; s < n; s++)
		sum[s] = squares[s] = correct[s] = 0;
	for (size_t e = 0; e < n_epochs; e++) {
		const uint16_t *code = codes + e * n;

		/* a missing code decodes to NaN, which the sum then carries */
		for (size_t s = 0; s < n; s++) {
			double value = decode[code[s]];

			sum[s] += value;
			correct[s] += value > 0.5;
		}
	}
	for (size_t s = 0; s < n; s++)
		sum[s] /= (double)n_epochs; /* now the mean */
	for (size_t e = 0; e < n_epochs; e++) {
		const uint16_t *code = codes + e * n;

		for (size_t s = 0; s < n; s++) {
			double deviation = decode[code[s]] - sum[s];

			squares[s] += deviation * deviation;
		}
	}
	for (size_t s = 0; s < n; s++) {
		if (sum[s] != sum[s]) {
			confidence[s] = variability[s] = correctness[s] = NAN;
			continue;
		}
		confidence[s] = (float)sum[s];
		variability[s] = (float)sqrt(squares[s] / (double)n_epochs);
		correctness[s] = (float)(correct[s] / (double)n_epochs);
	}
}

static int load_task_dynamics(struct loader *l, struct tm_datamap *map, size_t t,
			      struct tm_error *err)
{
	size_t n = l->n_samples, epochs = (size_t)(l->to - l->from), offset = t * n;
	/* decoded from the BLOBs straight into the map's codes: no copy in between */
	uint16_t *codes = map->epoch_codes ? map->epoch_codes + t * epochs * n : l->raw;
	int rc = tm_store_read_dynamics(l->store, l->run_id, map->task_index[t], l->from, l->to, n,
					codes, err);

	if (rc < 0)
		return rc;
	summarise_codes(codes, epochs, n, l->decode, l->sum, l->squares, l->correct_epochs,
			map->confidence + offset, map->variability + offset,
			map->correctness + offset);
	return 0;
}

static int load_task_summary(struct loader *l, struct tm_datamap *map, size_t t,
			     struct tm_error *err)
{
	size_t n = l->n_samples, offset = t * n;
	int64_t n_epochs = 0;
	int rc = tm_store_read_summary(l->store, l->run_id, map->task_index[t], n, l->mean, l->m2,
				       l->correct, &n_epochs, err);

	if (rc < 0)
		return rc;
	for (size_t s = 0; s < n; s++) {
		int missing = l->mean[s] != l->mean[s] || n_epochs <= 0;

		map->confidence[offset + s] = missing ? NAN : l->mean[s];
		map->variability[offset + s] = missing ? NAN
			: (float)sqrt(fmax(0.0, l->m2[s] / (double)n_epochs));
		map->correctness[offset + s] = missing ? NAN : (float)(l->correct[s] / (double)n_epochs);
	}
	return 0;
}

/* load_labels - the stored labels of every task, or none when any is missing. */
static int load_labels(struct loader *l, struct tm_datamap *map, struct tm_error *err)
{
	size_t n = l->n_samples;
	int has = 0, rc;

	if ((rc = tm_store_has_labels(l->store, l->run_id, &has, err)) < 0 || !has)
		return rc;
	if (!(map->labels = large_alloc(map->n_tasks * n)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < map->n_tasks; t++)
		if ((rc = tm_store_read_labels(l->store, l->run_id, map->task_index[t], n,
					       map->labels + t * n, err)) < 0)
			return rc;
	/* a label the run marks missing has no data-map point either */
	for (size_t c = 0; c < map->n_tasks * n; c++)
		if (map->labels[c] < 0) {
			map->confidence[c] = map->variability[c] = map->correctness[c] = NAN;
			for (size_t e = 0; e < map->n_epochs; e++)
				map->epoch_codes[((c / n) * map->n_epochs + e) * n + c % n] = TM_DYNAMICS_MISSING;
		}
	return 0;
}

static int load_all_tasks(struct loader *l, struct tm_datamap *map,
			  const struct tm_progress *progress, struct tm_error *err)
{
	int rc;

	for (size_t t = 0; t < map->n_tasks; t++) {
		rc = l->summaries_only ? load_task_summary(l, map, t, err)
				       : load_task_dynamics(l, map, t, err);
		if (rc < 0)
			return rc;
		if (tm_progress_report(progress, "data maps", (double)(t + 1),
				       (double)map->n_tasks, NULL))
			return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	return load_labels(l, map, err);
}

int tm_datamap_load(struct tm_store *store, int64_t run_id, int64_t epoch_from,
		    int64_t epoch_to, struct tm_datamap **out,
		    const struct tm_progress *progress, struct tm_error *err)
{
	struct loader loader = { .store = store, .run_id = run_id };
	struct task_list tasks = { 0 };
	struct tm_datamap *map = NULL;
	char which[32];
	int rc;

	*out = NULL;
	snprintf(which, sizeof(which), "%lld", (long long)run_id);
	if ((rc = tm_store_run_get(store, which, run_info_of, &loader.run, err)) < 0 ||
	    (rc = check_window(&loader, epoch_from, epoch_to, err)) < 0)
		goto out;
	if ((rc = tm_store_list_tasks(store, run_id, collect_task, &tasks, err)) < 0) {
		if (rc == TM_ERR_NOMEM)
			tm_error_set(err, rc, "out of memory");
		goto out;
	}
	if (tasks.n == 0) {
		rc = tm_error_set(err, TM_ERR_INPUT, "run '%s' has no task to analyse (all excluded)",
				  loader.run.name);
		goto out;
	}
	loader.n_samples = (size_t)(loader.run.n_train_samples > 0 ? loader.run.n_train_samples : 0);
	if ((rc = detect_storage(&loader, tasks.index[0], err)) < 0 ||
	    (rc = datamap_allocate(tasks.n, loader.n_samples, &map, err)) < 0)
		goto out;
	map->run_id = run_id;
	map->epoch_from = loader.from;
	map->epoch_to = loader.to;
	/* the per-epoch codes: for the epochwise estimator (2 bytes per value) */
	if (!loader.summaries_only) {
		size_t epochs = (size_t)(loader.to - loader.from), cells;

		if (tm_size_mul(tasks.n * epochs, loader.n_samples, &cells) < 0 ||
		    !(map->epoch_codes = large_alloc(cells * sizeof(uint16_t)))) {
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory for the per-epoch dynamics");
			goto out;
		}
		map->n_epochs = epochs;
	}
	memcpy(map->task_index, tasks.index, tasks.n * sizeof(int64_t));
	memcpy(map->task_names, tasks.names, tasks.n * sizeof(char *));
	tasks.n = 0; /* names now owned by the map */
	if ((rc = load_all_tasks(&loader, map, progress, err)) < 0 ||
	    (rc = assign_regions(map, err)) < 0)
		goto out;
	*out = map;
	map = NULL;
out:
	for (size_t t = 0; t < tasks.n; t++)
		free(tasks.names[t]);
	free(tasks.names);
	free(tasks.index);
	tm_datamap_free(map);
	loader_release(&loader);
	return rc;
}

/* ---- resampling and summaries ------------------------------------------------- */

int tm_datamap_resample(const struct tm_datamap *map, const size_t *sample, size_t n,
			struct tm_datamap **out, struct tm_error *err)
{
	struct tm_datamap *copy = NULL;
	int rc;

	*out = NULL;
	if ((rc = datamap_allocate(map->n_tasks, n, &copy, err)) < 0)
		return rc;
	if ((map->labels && !(copy->labels = large_alloc(map->n_tasks * n))) ||
	    (map->epoch_codes &&
	     !(copy->epoch_codes = large_alloc(map->n_tasks * map->n_epochs * n * sizeof(uint16_t))))) {
		tm_datamap_free(copy);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	copy->run_id = map->run_id;
	copy->epoch_from = map->epoch_from;
	copy->epoch_to = map->epoch_to;
	copy->ambiguous_threshold = map->ambiguous_threshold;
	memcpy(copy->task_index, map->task_index, map->n_tasks * sizeof(int64_t));
	for (size_t t = 0; t < map->n_tasks; t++)
		for (size_t i = 0; i < n; i++) {
			size_t from = t * map->n_samples + sample[i], to = t * n + i;

			copy->confidence[to] = map->confidence[from];
			copy->variability[to] = map->variability[from];
			copy->correctness[to] = map->correctness[from];
			copy->region[to] = map->region[from];
			if (map->labels)
				copy->labels[to] = map->labels[from];
			for (size_t e = 0; map->epoch_codes && e < map->n_epochs; e++)
				copy->epoch_codes[(t * map->n_epochs + e) * n + i] =
					map->epoch_codes[(t * map->n_epochs + e) * map->n_samples + sample[i]];
		}
	copy->n_epochs = map->epoch_codes ? map->n_epochs : 0;
	free(copy->task_names);
	copy->task_names = NULL; /* borrowed names are not needed by estimators */
	*out = copy;
	return 0;
}

void tm_datamap_task_summary(const struct tm_datamap *map, size_t t,
			     struct tm_datamap_task_record *record)
{
	size_t offset = t * map->n_samples, labelled = 0, count[4] = { 0 };
	double confidence = 0, variability = 0, correctness = 0;

	for (size_t s = 0; s < map->n_samples; s++) {
		if (map->region[offset + s] == TM_REGION_NONE)
			continue;
		labelled++;
		confidence += map->confidence[offset + s];
		variability += map->variability[offset + s];
		correctness += map->correctness[offset + s];
		count[map->region[offset + s]]++;
	}
	record->task_index = map->task_index[t];
	record->confidence = labelled ? confidence / (double)labelled : NAN;
	record->variability = labelled ? variability / (double)labelled : NAN;
	record->correctness = labelled ? correctness / (double)labelled : NAN;
	record->easy_fraction = labelled ? (double)count[TM_REGION_EASY] / (double)labelled : NAN;
	record->ambiguous_fraction = labelled ? (double)count[TM_REGION_AMBIGUOUS] / (double)labelled : NAN;
	record->hard_fraction = labelled ? (double)count[TM_REGION_HARD] / (double)labelled : NAN;
}
