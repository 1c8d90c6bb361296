/*
 * import-cartography.c - `taskmap import --format cartography DIR`: the
 * training dynamics that dataset cartography (Swayamdipta et al. 2020,
 * github.com/allenai/cartography) writes, DIR/dynamics_epoch_E.jsonl for
 * E = 0, 1, ..., one JSON object per line:
 *
 *   {"guid": 17, "logits_epoch_3": [0.1, -2.3, 1.7], "gold": 2}
 *
 * A source directory with C >= 3 logits gives C one-vs-rest tasks (class
 * names from --task-names, else class_0 ...): for task c the binary label is
 * [gold == c] and the gold-label probability is softmax_c when gold == c,
 * else 1 - softmax_c. With 1 (sigmoid) or 2 (softmax) logits it gives one
 * binary task, p = the gold class's probability. When DIR holds no such
 * files but subdirectories that do, each subdirectory (sorted by name) is
 * one binary task named after it, and samples are the union of their guids
 * (missing where a task lacks one). Every epoch must have the samples of
 * epoch 0; files are parsed line by line with jansson, one epoch at a time.
 */
#include "import-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dataset-internal.h"

#define EPOCH_FILE "dynamics_epoch_%zu.jsonl"
/* More classes than this is not a classifier's output but a hostile or broken file. */
#define MAX_CLASSES 1000000

struct source {
	char *dir;
	size_t n_classes;   /* logits per line */
	size_t first_task;  /* its tasks in the run */
	size_t n_tasks;     /* n_classes when >= 3, else 1 */
};

struct carto {
	const struct tm_import_options *options;
	struct source *sources;
	size_t n_sources, n_epochs, n_tasks;
	int per_task;        /* one subdirectory per task */
	struct name_table samples, task_names;
	double *logits;      /* one line's logits (max n_classes) */
	size_t logits_capacity;
	uint16_t *q;         /* one epoch, task-major */
	int8_t *labels;      /* task-major */
	uint8_t *seen;       /* samples seen in the current file */
	struct tm_dynamics_writer *writer;
};

struct line {
	const char *path;
	size_t number;
	const char *guid;
	size_t guid_length;
	size_t n_logits;
	long long gold;
};

static int line_error(const struct line *l, struct tm_error *err, const char *what)
{
	return tm_error_set(err, TM_ERR_INPUT, "%s:%zu: %s", l->path, l->number, what);
}

/* ---- files and directories ---------------------------------------------------------- */

static char *epoch_path(const char *dir, size_t epoch)
{
	size_t n = strlen(dir) + sizeof(EPOCH_FILE) + 24;
	char *path = malloc(n);

	if (path)
		snprintf(path, n, "%s/" EPOCH_FILE, dir, epoch);
	return path;
}

static int is_file(const char *path)
{
	struct stat info;

	return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

/* count_epochs - the epochs of @dir: 0..N-1 all present; 0 when it has none. */
static int count_epochs(const char *dir, size_t *n, struct tm_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	size_t found = 0, highest = 0, epoch;
	char tail[8];

	*n = 0;
	if (!d)
		return tm_error_set(err, TM_ERR_IO, "cannot open directory '%s': %s", dir,
				    strerror(errno));
	while ((entry = readdir(d)))
		if (sscanf(entry->d_name, "dynamics_epoch_%zu.jso%7s", &epoch, tail) == 2 &&
		    strcmp(tail, "nl") == 0) {
			found++;
			highest = epoch > highest ? epoch : highest;
		}
	closedir(d);
	if (found == 0)
		return 0;
	for (size_t e = 0; e <= highest; e++) {
		char *path = epoch_path(dir, e);
		int present = path && is_file(path);

		free(path);
		if (!present)
			return tm_error_set(err, TM_ERR_INPUT, "%s: " EPOCH_FILE " is missing (found"
					    " epochs up to %zu)", dir, e, highest);
	}
	*n = highest + 1;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_source(struct carto *c, const char *dir, const char *name, struct tm_error *err)
{
	size_t n = strlen(dir) + (name ? strlen(name) + 2 : 1);
	struct source *grown = realloc(c->sources, (c->n_sources + 1) * sizeof(*grown));

	if (!grown)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	c->sources = grown;
	memset(&grown[c->n_sources], 0, sizeof(*grown));
	if (!(grown[c->n_sources].dir = malloc(n)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	snprintf(grown[c->n_sources].dir, n, name ? "%s/%s" : "%s", dir, name ? name : "");
	c->n_sources++;
	return 0;
}

/* find_task_dirs - DIR's subdirectories holding dynamics files, sorted by name. */
static int find_task_dirs(struct carto *c, const char *dir, struct tm_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d)
		return tm_error_set(err, TM_ERR_IO, "cannot open directory '%s': %s", dir,
				    strerror(errno));
	while (rc == 0 && (entry = readdir(d))) {
		char *path, **grown;
		size_t length = strlen(dir) + strlen(entry->d_name) + sizeof("/" EPOCH_FILE) + 24;

		if (entry->d_name[0] == '.' || !(path = malloc(length)))
			continue;
		snprintf(path, length, "%s/%s/dynamics_epoch_0.jsonl", dir, entry->d_name);
		if (is_file(path)) {
			if (!(grown = realloc(names, (n + 1) * sizeof(*names))) ||
			    !(grown[n] = strdup(entry->d_name)))
				rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
			names = grown ? grown : names;
			n += rc == 0;
		}
		free(path);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = add_source(c, dir, names[i], err)) == 0)
			rc = names_find(&c->task_names, names[i], strlen(names[i]), 1, &(size_t){ 0 },
					err) < 0 ? TM_ERR_NOMEM : 0;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && n == 0)
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: no dynamics_epoch_E.jsonl files, neither"
				  " here nor in subdirectories", dir);
	return rc;
}

/* find_sources - DIR itself, or one subdirectory per task; all with the same epochs. */
static int find_sources(struct carto *c, struct tm_error *err)
{
	const char *dir = c->options->path;
	size_t n;
	int rc;

	if ((rc = count_epochs(dir, &n, err)) < 0)
		return rc;
	if (n > 0) {
		c->n_epochs = n;
		return add_source(c, dir, NULL, err);
	}
	c->per_task = 1;
	if ((rc = find_task_dirs(c, dir, err)) < 0)
		return rc;
	for (size_t i = 0; i < c->n_sources; i++) {
		if ((rc = count_epochs(c->sources[i].dir, &n, err)) < 0)
			return rc;
		if (i > 0 && n != c->n_epochs)
			return tm_error_set(err, TM_ERR_INPUT, "%s has %zu epochs, %s has %zu",
					    c->sources[i].dir, n, c->sources[0].dir, c->n_epochs);
		c->n_epochs = n;
	}
	return 0;
}

/* ---- lines ------------------------------------------------------------------------ */

static int grow_logits(struct carto *c, size_t n, struct tm_error *err)
{
	double *grown;

	if (n <= c->logits_capacity)
		return 0;
	if (!(grown = realloc(c->logits, n * sizeof(*grown))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for %zu logits", n);
	c->logits = grown;
	c->logits_capacity = n;
	return 0;
}

/* parse_line - guid, logits (into c->logits) and gold of one JSON line. */
static int parse_line(struct carto *c, json_t *root, size_t epoch, struct line *l,
		      char *guid_buffer, size_t guid_size, struct tm_error *err)
{
	char key[48];
	json_t *guid = json_object_get(root, "guid"), *gold = json_object_get(root, "gold");
	json_t *logits, *value;
	size_t i;
	int rc;

	snprintf(key, sizeof(key), "logits_epoch_%zu", epoch);
	logits = json_object_get(root, key);
	if (json_is_integer(guid)) {
		snprintf(guid_buffer, guid_size, "%" JSON_INTEGER_FORMAT, json_integer_value(guid));
		l->guid = guid_buffer;
		l->guid_length = strlen(guid_buffer);
	} else if (json_is_string(guid) && json_string_length(guid) > 0) {
		l->guid = json_string_value(guid);
		l->guid_length = json_string_length(guid);
	} else {
		return line_error(l, err, "no 'guid' (an integer or a non-empty string)");
	}
	if (!json_is_integer(gold))
		return line_error(l, err, "no integer 'gold'");
	l->gold = json_integer_value(gold);
	if (!json_is_array(logits) || json_array_size(logits) == 0) {
		snprintf(guid_buffer, guid_size, "no '%s' array of logits", key);
		return line_error(l, err, guid_buffer);
	}
	l->n_logits = json_array_size(logits);
	if (l->n_logits > MAX_CLASSES) {
		snprintf(guid_buffer, guid_size, "%zu logits, more than the %d classes taskmap imports",
			 l->n_logits, MAX_CLASSES);
		return line_error(l, err, guid_buffer);
	}
	if ((rc = grow_logits(c, l->n_logits, err)) < 0)
		return rc;
	json_array_foreach(logits, i, value) {
		if (!json_is_number(value))
			return line_error(l, err, "a logit is not a number");
		c->logits[i] = json_number_value(value);
	}
	return 0;
}

/* softmax - the logits into probabilities in place (max subtracted first). */
static void softmax(double *z, size_t n)
{
	double highest = z[0], sum = 0;

	for (size_t i = 1; i < n; i++)
		highest = z[i] > highest ? z[i] : highest;
	for (size_t i = 0; i < n; i++)
		sum += (z[i] = exp(z[i] - highest));
	for (size_t i = 0; i < n; i++)
		z[i] /= sum;
}

/* record - the line's probabilities and labels for sample @s of source @src. */
static int record(struct carto *c, struct source *src, const struct line *l, size_t s,
		  int first_epoch, struct tm_error *err)
{
	size_t n_samples = c->samples.n;

	if (l->n_logits != src->n_classes)
		return line_error(l, err, "the number of logits differs from the first line's");
	if (l->gold < 0 || (size_t)l->gold >= (src->n_classes == 1 ? 2 : src->n_classes))
		return line_error(l, err, "'gold' is not a class of the logits");
	if (src->n_classes > 1)
		softmax(c->logits, src->n_classes);
	for (size_t k = 0; k < src->n_tasks; k++) {
		size_t t = src->first_task + k, index = t * n_samples + s;
		int label = src->n_tasks == 1 ? (int)l->gold : l->gold == (long long)k;
		double p = src->n_classes == 1 ? gold_probability(c->logits[0], label)
			: src->n_tasks == 1 ? c->logits[l->gold]
			: label ? c->logits[k] : 1 - c->logits[k];

		if (first_epoch)
			c->labels[index] = (int8_t)label;
		else if (c->labels[index] != label)
			return line_error(l, err, "'gold' differs from epoch 0's");
		c->q[index] = tm_dynamics_encode(p);
	}
	return 0;
}

/*
 * each_line - parse every line of @src's file of @epoch: with @collect only
 * register the guids (pass 1), else record them into the epoch's arrays.
 */
static int each_line(struct carto *c, struct source *src, size_t epoch, int collect,
		     struct tm_error *err)
{
	struct line l = { .path = epoch_path(src->dir, epoch) };
	struct ds_lines *lines = NULL;
	char guid_buffer[160], *text;
	json_error_t json_error;
	json_t *root = NULL;
	size_t length, s;
	int rc;

	if (!l.path)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if ((rc = ds_lines_open(&lines, l.path, err)) < 0)
		goto out;
	while ((rc = ds_lines_next(lines, &text, &length, err)) > 0) {
		l.number = ds_lines_number(lines);
		if (length == 0)
			continue;
		json_decref(root);
		if (!(root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &json_error)) ||
		    !json_is_object(root)) {
			rc = line_error(&l, err, root ? "not a JSON object" : json_error.text);
			break;
		}
		if ((rc = parse_line(c, root, epoch, &l, guid_buffer, sizeof(guid_buffer), err)) < 0)
			break;
		if (collect) {
			if (!src->n_classes) {
				src->n_classes = l.n_logits;
				src->n_tasks = l.n_logits >= 3 ? l.n_logits : 1;
			}
			if ((rc = names_find(&c->samples, l.guid, l.guid_length, 1, &s, err)) < 0)
				break;
			continue;
		}
		if ((rc = names_find(&c->samples, l.guid, l.guid_length, 0, &s, err)) <= 0) {
			rc = rc < 0 ? rc : line_error(&l, err, "a guid that is not in epoch 0");
			break;
		}
		if (c->seen[s]++) {
			rc = line_error(&l, err, "a second line for this guid");
			break;
		}
		if ((rc = record(c, src, &l, s, epoch == 0, err)) < 0)
			break;
	}
	if (rc == 0 && collect && !src->n_classes)
		rc = tm_error_set(err, TM_ERR_INPUT, "%s: no lines", l.path);
out:
	json_decref(root);
	ds_lines_close(lines);
	free((char *)l.path);
	return rc;
}

/* ---- the import --------------------------------------------------------------- */

/* name_tasks - one-vs-rest class names (or --task-names), and every task's offset. */
static int name_tasks(struct carto *c, struct tm_error *err)
{
	const struct tm_import_options *o = c->options;
	int rc = 0;

	c->n_tasks = 0;
	for (size_t i = 0; i < c->n_sources; i++) {
		c->sources[i].first_task = c->n_tasks;
		c->n_tasks += c->sources[i].n_tasks;
		if (c->n_sources > 1 && c->sources[i].n_tasks != 1)
			return tm_error_set(err, TM_ERR_INPUT, "%s: %zu logits, but a task directory"
					    " must be binary (1 or 2 logits)", c->sources[i].dir,
					    c->sources[i].n_classes);
	}
	if (c->per_task)
		return 0;
	names_release(&c->task_names);
	if ((rc = names_init(&c->task_names, err)) < 0)
		return rc;
	if (o->task_names_path)
		return names_read_file(&c->task_names, o->task_names_path, c->n_tasks, "task", err);
	if (c->n_tasks == 1) {
		char *stem = ds_file_stem(o->path);

		rc = stem ? names_find(&c->task_names, stem, strlen(stem), 1, &(size_t){ 0 }, err)
			: tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		free(stem);
		return rc < 0 ? rc : 0;
	}
	return names_default(&c->task_names, "class_", c->n_tasks, err);
}

static int allocate(struct carto *c, struct tm_error *err)
{
	size_t n;

	if (tm_size_mul(c->n_tasks, c->samples.n, &n) < 0)
		return tm_error_set(err, TM_ERR_INPUT, "too many samples and tasks");
	c->q = malloc(n * sizeof(*c->q));
	c->labels = malloc(n ? n : 1);
	c->seen = malloc(c->samples.n ? c->samples.n : 1);
	if (!c->q || !c->labels || !c->seen)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	memset(c->labels, TM_STORE_LABEL_MISSING, n);
	return 0;
}

static int import_epoch(struct carto *c, size_t epoch, struct tm_error *err)
{
	int rc;

	for (size_t k = 0; k < c->n_tasks * c->samples.n; k++)
		c->q[k] = TM_DYNAMICS_MISSING;
	for (size_t i = 0; i < c->n_sources; i++) {
		memset(c->seen, 0, c->samples.n);
		if ((rc = each_line(c, &c->sources[i], epoch, 0, err)) < 0)
			return rc;
	}
	if (epoch == 0 && (rc = tm_dynamics_writer_labels(c->writer, c->labels, err)) < 0)
		return rc;
	if ((rc = tm_dynamics_writer_epoch(c->writer, c->q, err)) < 0)
		return tm_error_prefix(err, "%s", c->options->path);
	if (tm_progress_report(c->options->progress, "import", (double)epoch + 1,
			       (double)c->n_epochs, NULL))
		return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	return 0;
}

static int create_writer(struct carto *c, struct tm_store *store, const char *config,
			 struct tm_error *err)
{
	struct tm_dynamics_writer_spec spec;
	char *stem = ds_file_stem(c->options->path);
	int rc;

	import_spec_defaults(&spec, c->options, c->options->path, config);
	spec.dataset_name = stem;
	spec.n_tasks = c->n_tasks;
	spec.task_names = (const char *const *)c->task_names.names;
	spec.n_samples = c->samples.n;
	spec.sample_names = (const char *const *)c->samples.names;
	spec.n_epochs = (int64_t)c->n_epochs;
	rc = tm_dynamics_writer_create(&c->writer, store, &spec, err);
	free(stem);
	return rc;
}

int tm_import_cartography(struct tm_store *store, const struct tm_import_options *options,
			  int64_t *run_id, struct tm_error *err)
{
	struct carto c = { .options = options };
	char *config = import_config_json(options, "cartography");
	int rc;

	*run_id = 0;
	if (!config) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = names_init(&c.samples, err)) < 0 || (rc = names_init(&c.task_names, err)) < 0 ||
	    (rc = find_sources(&c, err)) < 0)
		goto out;
	for (size_t i = 0; i < c.n_sources && rc == 0; i++)
		rc = each_line(&c, &c.sources[i], 0, 1, err);
	if (rc < 0 || (rc = name_tasks(&c, err)) < 0 || (rc = allocate(&c, err)) < 0 ||
	    (rc = create_writer(&c, store, config, err)) < 0)
		goto out;
	for (size_t e = 0; e < c.n_epochs && rc == 0; e++)
		rc = import_epoch(&c, e, err);
	if (rc < 0 || (rc = tm_dynamics_writer_finish(c.writer, err)) < 0)
		goto out;
	*run_id = tm_dynamics_writer_run_id(c.writer);
out:
	tm_dynamics_writer_destroy(c.writer, NULL, NULL);
	for (size_t i = 0; i < c.n_sources; i++)
		free(c.sources[i].dir);
	free(c.sources);
	names_release(&c.samples);
	names_release(&c.task_names);
	free(c.logits);
	free(c.q);
	free(c.labels);
	free(c.seen);
	free(config);
	return rc;
}
