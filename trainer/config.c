/*
 * config.c - the trainer's configuration: defaults, validation, the
 * --hidden syntax, and the JSON form recorded in runs.config and read back
 * by `train --resume` (jansson).
 */
#include "trainer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *const optimizer_names[] = { "adam", "sgd" };
static const char *const weighting_names[] = { "equal", "uncertainty", "dwa", "dtb", "file" };
static const char *const record_names[] = { "train-pass", "eval-pass", "none" };
static const char *const keep_names[] = { "all", "summary" };

void tm_trainer_config_defaults(struct tm_trainer_config *config)
{
	memset(config, 0, sizeof(*config));
	config->n_epochs = 10;
	config->hidden[0] = 64;
	config->n_hidden = 1;
	config->batch_size = 128;
	config->learning_rate = 1e-3;
	config->optimizer = TM_OPTIMIZER_ADAM;
	config->momentum = 0.9;
	config->weighting = TM_WEIGHTING_EQUAL;
	config->dwa_temperature = 2;
	config->dtb_gamma = 1;
	config->record = TM_RECORD_TRAIN_PASS;
	config->keep = TM_KEEP_ALL;
	config->seed = 1;
	config->threads = 1;
	config->affinity_every = 10;
	config->source.valid_fraction = 0.1;
	config->source.test_fraction = 0.2;
	config->source.min_labelled = 10;
}

const char *tm_trainer_check_config(const struct tm_trainer_config *config,
				    size_t n_train)
{
	if (config->n_epochs < 1 || config->n_epochs > 100000)
		return "--epochs must be between 1 and 100000";
	if (config->batch_size < 1 || config->batch_size > (1u << 20))
		return "--batch must be between 1 and 1048576";
	if (n_train && config->batch_size > n_train)
		return "--batch is larger than the training split";
	if (!(config->learning_rate > 0) || !isfinite(config->learning_rate))
		return "--lr must be a positive number";
	if (!(config->momentum >= 0 && config->momentum < 1))
		return "--momentum must be in [0, 1)";
	if (!(config->weight_decay >= 0) || !isfinite(config->weight_decay))
		return "--weight-decay must be >= 0";
	if (config->n_hidden > TM_TRAINER_MAX_HIDDEN)
		return "--hidden has too many layers";
	for (size_t l = 0; l < config->n_hidden; l++)
		if (config->hidden[l] < 1 || config->hidden[l] > 65536)
			return "--hidden widths must be between 1 and 65536";
	if (config->weighting == TM_WEIGHTING_FILE && !config->weights_path)
		return "--weighting file: needs a path (file:PATH)";
	if (!(config->dwa_temperature > 0) || !(config->dtb_gamma >= 0))
		return "the weighting's temperature must be > 0 and its gamma >= 0";
	if (config->threads < 1 || config->threads > 256)
		return "--threads must be between 1 and 256";
	if (config->affinity && (config->affinity_every < 1 || config->affinity_every > 1000000))
		return "--affinity-every must be between 1 and 1000000";
	if ((config->affinity & (TM_AFFINITY_TAG | TM_AFFINITY_COSINE)) && config->n_hidden == 0)
		return "--affinity tag and cosine need a shared trunk (--hidden is 0)";
	if (config->affinity && config->parallel && config->parallel->size > 1)
		return "--affinity is not available under mpirun with several ranks";
	return NULL;
}

int tm_trainer_parse_hidden(struct tm_trainer_config *config, const char *text,
			    struct tm_error *err)
{
	size_t n = 0;
	const char *p = text;

	if (strcmp(text, "0") == 0) {
		config->n_hidden = 0;
		return 0;
	}
	while (*p) {
		char *end = NULL;
		unsigned long width;

		errno = 0;
		if (*p < '0' || *p > '9')
			goto bad;
		width = strtoul(p, &end, 10);
		if (errno || width < 1 || width > 65536 || n == TM_TRAINER_MAX_HIDDEN)
			goto bad;
		config->hidden[n++] = width;
		p = end;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	if (!n)
		goto bad;
	config->n_hidden = n;
	return 0;
bad:
	return tm_error_set(err, TM_ERR_USAGE,
			    "--hidden expects 0 or up to %d comma-separated widths in 1..65536, not '%s'",
			    TM_TRAINER_MAX_HIDDEN, text);
}

int tm_trainer_parse_affinity(struct tm_trainer_config *config, const char *text,
			      struct tm_error *err)
{
	static const char *const names[] = { "tag", "cosine", "heads" };
	unsigned flags = 0;
	const char *p = text;

	if (strcmp(text, "none") == 0) {
		config->affinity = 0;
		return 0;
	}
	while (*p) {
		size_t length = strcspn(p, ","), k;

		for (k = 0; k < 3; k++)
			if (strlen(names[k]) == length && strncmp(p, names[k], length) == 0)
				break;
		if (k == 3)
			return tm_error_set(err, TM_ERR_USAGE,
					    "--affinity expects a list of tag, cosine, heads (or none), not '%s'",
					    text);
		flags |= 1u << k;
		p += length;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return tm_error_set(err, TM_ERR_USAGE, "--affinity: bad list '%s'", text);
	}
	if (!flags)
		return tm_error_set(err, TM_ERR_USAGE, "--affinity: empty list");
	config->affinity = flags;
	return 0;
}

const char *tm_trainer_weighting_name(enum tm_weighting_kind kind)
{
	return weighting_names[kind];
}

const char *tm_trainer_record_name(enum tm_record_mode mode)
{
	return record_names[mode];
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *string_or_null(const char *text)
{
	return text ? json_string(text) : json_null();
}

static json_t *source_to_json(const struct tm_trainer_source *s)
{
	json_t *drop = json_array();

	for (size_t i = 0; drop && i < s->n_drop; i++)
		json_array_append_new(drop, json_string(s->drop[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:f, s:I}",
			 "data", string_or_null(s->data_path), "xml", string_or_null(s->xml_path),
			 "test", string_or_null(s->test_path), "format", string_or_null(s->format),
			 "labels", string_or_null(s->labels),
			 "label_prefix", string_or_null(s->label_prefix),
			 "drop", drop ? drop : json_array(), "valid_fraction", s->valid_fraction,
			 "test_fraction", s->test_fraction, "min_labelled",
			 (json_int_t)s->min_labelled);
}

int tm_trainer_config_to_json(const struct tm_trainer_config *c,
			      const char *data_sha256, char **json,
			      struct tm_error *err)
{
	json_t *hidden = json_array(), *root = NULL;

	*json = NULL;
	for (size_t l = 0; hidden && l < c->n_hidden; l++)
		json_array_append_new(hidden, json_integer((json_int_t)c->hidden[l]));
	if (hidden)
		root = json_pack("{s:o, s:I, s:o, s:I, s:f, s:s, s:f, s:f, s:s, s:o, s:f, s:f,"
				 " s:b, s:s, s:s, s:I, s:i, s:o, s:o, s:s}",
				 "run", string_or_null(c->run_name), "epochs", (json_int_t)c->n_epochs,
				 "hidden", hidden, "batch", (json_int_t)c->batch_size,
				 "lr", c->learning_rate, "optimizer", optimizer_names[c->optimizer],
				 "momentum", c->momentum, "weight_decay", c->weight_decay,
				 "weighting", weighting_names[c->weighting],
				 "weights_path", string_or_null(c->weights_path),
				 "dwa_temperature", c->dwa_temperature, "dtb_gamma", c->dtb_gamma,
				 "balance", c->balance, "record", record_names[c->record],
				 "keep", keep_names[c->keep], "seed", (json_int_t)c->seed,
				 "threads", c->threads, "source", source_to_json(&c->source),
				 "data_sha256", string_or_null(data_sha256),
				 "taskmap_version", tm_version());
	/* only runs that record affinities carry the key (older runs' JSON unchanged) */
	if (root && c->affinity)
		json_object_set_new(root, "affinity",
				    json_pack("{s:b, s:b, s:b, s:I, s:I}",
					      "tag", (c->affinity & TM_AFFINITY_TAG) != 0,
					      "cosine", (c->affinity & TM_AFFINITY_COSINE) != 0,
					      "heads", (c->affinity & TM_AFFINITY_HEADS) != 0,
					      "every", (json_int_t)c->affinity_every,
					      "sources", (json_int_t)c->affinity_sources));
	/* likewise "ranks": bit-identical results need the same count (docs/methods.md) */
	if (root && c->parallel && c->parallel->size > 1)
		json_object_set_new(root, "ranks", json_integer(c->parallel->size));
	if (root)
		*json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!*json)
		return tm_error_set(err, TM_ERR_NOMEM, "cannot encode the configuration as JSON");
	return 0;
}

static int name_index(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

static const char *optional_string(json_t *object, const char *key)
{
	return json_string_value(json_object_get(object, key));
}

/* source_from_json - the "source" object into @loaded (strings borrowed from the JSON). */
static int source_from_json(json_t *s, struct tm_trainer_loaded *loaded)
{
	struct tm_trainer_source *out = &loaded->config.source;
	json_t *drop = json_object_get(s, "drop");
	size_t n = json_array_size(drop);

	out->data_path = optional_string(s, "data");
	out->xml_path = optional_string(s, "xml");
	out->test_path = optional_string(s, "test");
	out->format = optional_string(s, "format");
	out->labels = optional_string(s, "labels");
	out->label_prefix = optional_string(s, "label_prefix");
	out->valid_fraction = json_number_value(json_object_get(s, "valid_fraction"));
	out->test_fraction = json_number_value(json_object_get(s, "test_fraction"));
	out->min_labelled = (size_t)json_integer_value(json_object_get(s, "min_labelled"));
	if (!(loaded->drop = calloc(n ? n : 1, sizeof(char *))))
		return TM_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		loaded->drop[i] = json_string_value(json_array_get(drop, i));
	out->drop = loaded->drop;
	out->n_drop = n;
	return 0;
}

/* config_from_json - fill @loaded->config from the run's JSON @root. */
static int config_from_json(json_t *root, struct tm_trainer_loaded *loaded)
{
	struct tm_trainer_config *c = &loaded->config;
	json_t *hidden = json_object_get(root, "hidden");
	int optimizer, weighting, record, keep;

	tm_trainer_config_defaults(c);
	optimizer = name_index(optional_string(root, "optimizer"), optimizer_names, 2);
	weighting = name_index(optional_string(root, "weighting"), weighting_names, 5);
	record = name_index(optional_string(root, "record"), record_names, 3);
	keep = name_index(optional_string(root, "keep"), keep_names, 2);
	if (optimizer < 0 || weighting < 0 || record < 0 || keep < 0 || !json_is_array(hidden) ||
	    json_array_size(hidden) > TM_TRAINER_MAX_HIDDEN)
		return TM_ERR_INPUT;
	c->run_name = optional_string(root, "run");
	c->n_epochs = (size_t)json_integer_value(json_object_get(root, "epochs"));
	c->n_hidden = json_array_size(hidden);
	for (size_t l = 0; l < c->n_hidden; l++)
		c->hidden[l] = (size_t)json_integer_value(json_array_get(hidden, l));
	c->batch_size = (size_t)json_integer_value(json_object_get(root, "batch"));
	c->learning_rate = json_number_value(json_object_get(root, "lr"));
	c->optimizer = (enum tm_optimizer_kind)optimizer;
	c->momentum = json_number_value(json_object_get(root, "momentum"));
	c->weight_decay = json_number_value(json_object_get(root, "weight_decay"));
	c->weighting = (enum tm_weighting_kind)weighting;
	c->weights_path = optional_string(root, "weights_path");
	c->dwa_temperature = json_number_value(json_object_get(root, "dwa_temperature"));
	c->dtb_gamma = json_number_value(json_object_get(root, "dtb_gamma"));
	c->balance = json_is_true(json_object_get(root, "balance"));
	c->record = (enum tm_record_mode)record;
	c->keep = (enum tm_keep_mode)keep;
	c->seed = (uint64_t)json_integer_value(json_object_get(root, "seed"));
	c->threads = (int)json_integer_value(json_object_get(root, "threads"));
	if (json_is_object(json_object_get(root, "affinity"))) {
		json_t *a = json_object_get(root, "affinity");

		c->affinity = (json_is_true(json_object_get(a, "tag")) ? TM_AFFINITY_TAG : 0) |
			      (json_is_true(json_object_get(a, "cosine")) ? TM_AFFINITY_COSINE : 0) |
			      (json_is_true(json_object_get(a, "heads")) ? TM_AFFINITY_HEADS : 0);
		c->affinity_every = (size_t)json_integer_value(json_object_get(a, "every"));
		c->affinity_sources = (size_t)json_integer_value(json_object_get(a, "sources"));
	}
	return source_from_json(json_object_get(root, "source"), loaded);
}

struct load_context {
	struct tm_trainer_loaded *loaded;
	struct tm_error *err;
	int rc;
	int any_status; /* 1: a done run is fine (its recipe is read, not resumed) */
};

/* parse_config - fill @loaded from a run's configuration JSON text. */
static int parse_config(const char *name, const char *config_json, int64_t run_id,
			int64_t epochs_done, struct tm_trainer_loaded *loaded, struct tm_error *err)
{
	json_error_t parse_error;
	json_t *root;
	const char *sha;
	int rc;

	if (!(root = json_loads(config_json, 0, &parse_error)))
		return tm_error_set(err, TM_ERR_INPUT, "run '%s' has an unreadable configuration: %s",
				    name, parse_error.text);
	loaded->owner = root;
	loaded->run_id = run_id;
	loaded->epochs_done = epochs_done;
	if ((rc = config_from_json(root, loaded)) < 0)
		return tm_error_set(err, rc, "run '%s' has a configuration this taskmap cannot read",
				    name);
	if ((sha = optional_string(root, "data_sha256")) && !(loaded->data_sha256 = strdup(sha)))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	return 0;
}

static int load_run(void *context, const struct tm_run_record *run)
{
	struct load_context *lc = context;

	if (strcmp(run->kind, "train") != 0)
		return lc->rc = tm_error_set(lc->err, TM_ERR_USAGE, "run '%s' is not a training run",
					     run->name);
	if (!lc->any_status && strcmp(run->status, TM_RUN_DONE) == 0)
		return lc->rc = tm_error_set(lc->err, TM_ERR_USAGE,
					     "run '%s' is done already: nothing to resume", run->name);
	return lc->rc = parse_config(run->name, run->config_json, run->id, run->epochs_done,
				     lc->loaded, lc->err);
}

int tm_trainer_load_json(const char *config_json, int64_t run_id, int64_t epochs_done,
			 struct tm_trainer_loaded *loaded, struct tm_error *err)
{
	char name[32];

	memset(loaded, 0, sizeof(*loaded));
	snprintf(name, sizeof(name), "%lld", (long long)run_id);
	return parse_config(name, config_json, run_id, epochs_done, loaded, err);
}

int tm_trainer_load(struct tm_store *store, const char *which,
		    struct tm_trainer_loaded *loaded, struct tm_error *err)
{
	struct load_context lc = { loaded, err, 0, 0 };
	int rc;

	memset(loaded, 0, sizeof(*loaded));
	rc = tm_store_run_get(store, which, load_run, &lc, err);
	return lc.rc < 0 ? lc.rc : rc;
}

int tm_trainer_load_recipe(struct tm_store *store, const char *which,
			   struct tm_trainer_loaded *loaded, struct tm_error *err)
{
	struct load_context lc = { loaded, err, 0, 1 };
	int rc;

	memset(loaded, 0, sizeof(*loaded));
	rc = tm_store_run_get(store, which, load_run, &lc, err);
	return lc.rc < 0 ? lc.rc : rc;
}

void tm_trainer_loaded_release(struct tm_trainer_loaded *loaded)
{
	if (!loaded)
		return;
	json_decref(loaded->owner);
	free(loaded->drop);
	free(loaded->data_sha256);
	memset(loaded, 0, sizeof(*loaded));
}
