/*
 * import-common.c - what every importer uses: options and their check,
 * dispatch by format, the name table (first-appearance order, hashed with
 * jansson), names files, and the run's configuration JSON.
 */
#include "import-internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dataset-internal.h"

void tm_import_defaults(struct tm_import_options *options)
{
	memset(options, 0, sizeof(*options));
	options->format = TM_IMPORT_CSV;
	options->min_labelled = TM_MIN_LABELLED_DEFAULT;
}

int tm_import_format_parse(const char *name, enum tm_import_format *format)
{
	static const char *const names[] = { "csv", "npy", "cartography" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*format = (enum tm_import_format)i;
			return 0;
		}
	return -1;
}

const char *tm_import_check(const struct tm_import_options *o)
{
	switch (o->format) {
	case TM_IMPORT_CSV:
		if (!o->path)
			return "--format csv needs a FILE";
		if (o->probabilities_path || o->logits_path || o->labels_path ||
		    o->task_names_path || o->sample_names_path)
			return "--format csv takes its names and labels from FILE's columns";
		return NULL;
	case TM_IMPORT_NPY:
		if (o->path)
			return "--format npy takes --probabilities or --logits, not a FILE";
		if (!o->probabilities_path == !o->logits_path)
			return "--format npy needs exactly one of --probabilities and --logits";
		if (o->logits_path && !o->labels_path)
			return "--logits needs --labels (the gold labels decide the probability)";
		return NULL;
	case TM_IMPORT_CARTOGRAPHY:
		if (!o->path)
			return "--format cartography needs a DIRECTORY";
		if (o->probabilities_path || o->logits_path || o->labels_path ||
		    o->sample_names_path)
			return "--format cartography takes only a DIRECTORY (and --task-names)";
		return NULL;
	}
	return "unknown --format";
}

int tm_import_run(struct tm_store *store, const struct tm_import_options *options,
		  int64_t *run_id, struct tm_error *err)
{
	const char *problem = tm_import_check(options);

	*run_id = 0;
	if (problem)
		return tm_error_set(err, TM_ERR_USAGE, "%s", problem);
	switch (options->format) {
	case TM_IMPORT_CSV:
		return tm_import_csv(store, options, run_id, err);
	case TM_IMPORT_NPY:
		return tm_import_npy(store, options, run_id, err);
	case TM_IMPORT_CARTOGRAPHY:
		return tm_import_cartography(store, options, run_id, err);
	}
	return tm_error_set(err, TM_ERR_USAGE, "unknown --format");
}

/* ---- name table ------------------------------------------------------------ */

int names_init(struct name_table *table, struct tm_error *err)
{
	memset(table, 0, sizeof(*table));
	if (!(table->index = json_object()))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	return 0;
}

static int names_append(struct name_table *table, const char *name, size_t length,
			struct tm_error *err)
{
	json_t *position;

	if (table->n == table->capacity) {
		size_t capacity = table->capacity ? 2 * table->capacity : 64;
		char **names = realloc(table->names, capacity * sizeof(*names));

		if (!names)
			return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		table->names = names;
		table->capacity = capacity;
	}
	if (!(table->names[table->n] = malloc(length + 1)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	memcpy(table->names[table->n], name, length);
	table->names[table->n][length] = '\0';
	if (!(position = json_integer((json_int_t)table->n)) ||
	    json_object_setn_new_nocheck(table->index, name, length, position) < 0) {
		free(table->names[table->n]);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	table->n++;
	return 0;
}

int names_find(struct name_table *table, const char *name, size_t length, int add,
	       size_t *position, struct tm_error *err)
{
	json_t *found = json_object_getn(table->index, name, length);
	int rc;

	if (found) {
		*position = (size_t)json_integer_value(found);
		return 1;
	}
	if (!add)
		return 0;
	if ((rc = names_append(table, name, length, err)) < 0)
		return rc;
	*position = table->n - 1;
	return 1;
}

void names_release(struct name_table *table)
{
	json_decref(table->index);
	for (size_t i = 0; i < table->n; i++)
		free(table->names[i]);
	free(table->names);
	memset(table, 0, sizeof(*table));
}

int names_read_file(struct name_table *table, const char *path, size_t expected,
		    const char *what, struct tm_error *err)
{
	struct ds_lines *lines = NULL;
	size_t length, position, blank = 0;
	char *line;
	int rc;

	if ((rc = ds_lines_open(&lines, path, err)) < 0)
		return rc;
	while ((rc = ds_lines_next(lines, &line, &length, err)) > 0) {
		if (length == 0) {
			blank = ds_lines_number(lines);
			continue;
		}
		if (blank) {
			rc = tm_error_set(err, TM_ERR_INPUT, "%s:%zu: empty %s name", path, blank,
					  what);
			break;
		}
		if ((rc = names_find(table, line, length, 0, &position, err)) != 0) {
			if (rc > 0)
				rc = tm_error_set(err, TM_ERR_INPUT,
						  "%s:%zu: %s name '" IMPORT_QUOTE "' repeats line %zu",
						  path, ds_lines_number(lines), what, line, position + 1);
			break;
		}
		if ((rc = names_append(table, line, length, err)) < 0)
			break;
	}
	ds_lines_close(lines);
	if (rc < 0)
		return rc;
	if (expected && table->n != expected)
		return tm_error_set(err, TM_ERR_INPUT, "%s: %zu %s names for %zu %ss", path,
				    table->n, what, expected, what);
	return 0;
}

int names_default(struct name_table *table, const char *prefix, size_t n,
		  struct tm_error *err)
{
	char name[64];
	int rc;

	for (size_t i = 0; i < n; i++) {
		int length = snprintf(name, sizeof(name), "%s%zu", prefix, i);

		if ((rc = names_append(table, name, (size_t)length, err)) < 0)
			return rc;
	}
	return 0;
}

/* ---- the run's configuration ------------------------------------------------ */

static void set_path(json_t *object, const char *key, const char *path)
{
	if (path)
		json_object_set_new(object, key, json_string(path));
}

char *import_config_json(const struct tm_import_options *o, const char *format)
{
	json_t *root = json_pack("{s:s, s:I}", "import", format, "min_labelled",
				 (json_int_t)o->min_labelled);
	char *text;

	if (!root)
		return NULL;
	set_path(root, "path", o->path);
	set_path(root, "probabilities", o->probabilities_path);
	set_path(root, "logits", o->logits_path);
	set_path(root, "labels", o->labels_path);
	set_path(root, "task_names", o->task_names_path);
	set_path(root, "sample_names", o->sample_names_path);
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

void import_spec_defaults(struct tm_dynamics_writer_spec *spec,
			  const struct tm_import_options *options, const char *source,
			  const char *config_json)
{
	memset(spec, 0, sizeof(*spec));
	spec->run_name = options->run_name;
	spec->source_path = source;
	spec->config_json = config_json;
	spec->min_labelled = options->min_labelled;
	spec->flags = TM_WRITER_ONE_TRANSACTION;
}
