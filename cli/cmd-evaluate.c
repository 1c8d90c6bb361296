/*
 * cmd-evaluate.c - `taskmap evaluate`: check a grouping by training it.
 * The run's recipe and splits are reused: its data is read again from the
 * recorded source (or DATA when the file moved; same sha256 either way),
 * then the grouping, the single-task baseline, all tasks in one model,
 * random groupings of the same shape and STG-MTL's soft variant are each
 * trained --seeds times (trainer/evaluate.c), compared (Δm, negative
 * transfer: analyzers/evaluation.c), stored in one transaction and printed.
 */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzers.h"
#include "cli.h"
#include "commands.h"
#include "evaluate-input.h"
#include "output.h"
#include "trainer.h"

const char cmd_evaluate_usage[] =
	"Usage: taskmap evaluate [DATA] [OPTIONS]\n"
	"\n"
	"Check a grouping by training it: one model per group with the run's own\n"
	"recipe (widths, optimiser, lr, epochs, batch, weighting) on the run's\n"
	"training split, --seeds times, measured per task on the run's test split:\n"
	"ROC-AUC, F1 at the threshold that maximises F1 on the validation split,\n"
	"and accuracy at p >= 0.5. Beside it, trained the same way: one model per\n"
	"task (single-task, the reference), all tasks in one model, --random\n"
	"groupings of the same shape, and STG-MTL's soft variant (one model per\n"
	"group with membership-weighted losses, membership-weighted logits) when\n"
	"soft memberships exist. A task in several groups is served by its model\n"
	"with the best validation ROC-AUC.\n"
	"\n"
	"Per evaluation: mean per-task ROC-AUC and its sd across seeds; dm, the\n"
	"mean relative AUC change against single-task in % (Maninis et al. 2019);\n"
	"the tasks with negative transfer (mean AUC below single-task by more than\n"
	"its sd across seeds, at least 0.005); models, parameter updates, seconds.\n"
	"Everything is stored in one transaction at the end (nothing on Ctrl-C).\n"
	"\n"
	"  DATA                 the run's data file, when it is no longer where the\n"
	"                       run read it (its sha256 must match); default: the\n"
	"                       recorded path (with the recorded --test and --xml)\n"
	"  --grouping ID        the grouping to evaluate (default: the latest\n"
	"                       recommendation, of --run or of any run)\n"
	"  --grouping-file F    a grouping in `recommend --format json`'s format:\n"
	"                       {\"groups\": [{\"tasks\": [name, ...]}, ...]} and optional\n"
	"                       \"memberships\": {name: [w per group]}; tasks it leaves\n"
	"                       out are trained alone (and reported)\n"
	"  --run RUN            the training run (default: the grouping's run)\n"
	"  --seeds N            trainings per grouping, seeds S..S+N-1 (default 3)\n"
	"  --seed S             first seed (default: the run's seed)\n"
	"  --random N           random groupings of the same shape (default 3)\n"
	"  --no-soft            skip the soft variant\n"
	"  --format F           table (default), csv or json; tasks_compared counts the\n"
	"                       tasks with a test AUC in both it and single-task\n"
	"  --db PATH            results database (default ./taskmap.db)\n"
	"  -q, --quiet          no progress on stderr\n";

enum { OPT_GROUPING = 1, OPT_GROUPING_FILE, OPT_RUN, OPT_SEEDS, OPT_SEED, OPT_RANDOM,
       OPT_NO_SOFT, OPT_FORMAT };

struct evaluate_options {
	const char *data_path, *grouping_file, *run;
	int64_t grouping_id;
	long n_seeds, n_random;
	uint64_t seed;
	int seed_given, no_soft;
	enum output_format format;
};

/* One evaluation to run, store and print. */
struct evaluation {
	char label[64];
	const char *kind;
	struct eval_grouping groups; /* over run task indices */
	int64_t grouping_id;
	struct tm_eval_result result;
	struct tm_evaluation_stats stats;
	int64_t stored_id;
};

/* Everything the command holds; released in one place. */
struct evaluate_state {
	struct evaluate_options *options;
	struct cli_context *context;
	struct tm_store *store;
	struct tm_trainer_loaded loaded;
	struct tm_dataset *dataset;
	struct eval_tasks tasks;
	size_t *train_rows, *valid_rows, *test_rows;
	size_t n_train, n_valid, n_test;
	size_t *measured;        /* run task indices measured */
	size_t n_measured;
	size_t *left_out;
	size_t n_left_out;
	uint64_t *seeds;
	struct evaluation *evaluations;
	size_t n_evaluations;
	int64_t run_id, grouping_id;
	char grouping_label[64];
};

/* ---- options ---------------------------------------------------------------- */

static int parse_option(int option, const char *arg, struct evaluate_options *o,
			struct cli_context *context)
{
	long number;
	int format;

	switch (option) {
	case OPT_GROUPING:
		if (cli_parse_long(context, "--grouping", arg, 1, INT64_MAX, &number) != 0)
			return EXIT_USAGE;
		o->grouping_id = number;
		return 0;
	case OPT_GROUPING_FILE: o->grouping_file = arg; return 0;
	case OPT_RUN: o->run = arg; return 0;
	case OPT_SEEDS: return cli_parse_long(context, "--seeds", arg, 1, 1000, &o->n_seeds);
	case OPT_SEED:
		o->seed_given = 1;
		return cli_parse_u64(context, "--seed", arg, &o->seed);
	case OPT_RANDOM: return cli_parse_long(context, "--random", arg, 0, 1000, &o->n_random);
	case OPT_NO_SOFT: o->no_soft = 1; return 0;
	case OPT_FORMAT:
		if ((format = output_parse_format(arg)) < 0)
			return cli_usage_error(context, "--format must be table, csv or json");
		o->format = (enum output_format)format;
		return 0;
	default: return cli_usage_error(context, "unknown option");
	}
}

static int parse_arguments(int argc, char **argv, struct evaluate_options *o,
			   struct cli_context *context)
{
	static const struct option options[] = {
		{ "grouping", required_argument, NULL, OPT_GROUPING },
		{ "grouping-file", required_argument, NULL, OPT_GROUPING_FILE },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "seeds", required_argument, NULL, OPT_SEEDS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "random", required_argument, NULL, OPT_RANDOM },
		{ "no-soft", no_argument, NULL, OPT_NO_SOFT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int option, code = -1, rc;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code))
			continue;
		if (option == '?')
			return EXIT_USAGE;
		if ((rc = parse_option(option, optarg, o, context)) != 0)
			return rc;
	}
	if (code >= 0)
		return code;
	if (o->grouping_id && o->grouping_file)
		return cli_usage_error(context, "--grouping and --grouping-file exclude each other");
	if (o->grouping_file && !o->run)
		return cli_usage_error(context, "--grouping-file needs --run (whose tasks it names)");
	if (optind + 1 < argc)
		return cli_usage_error(context, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		o->data_path = argv[optind];
	return -1;
}

/* ---- the run, its data and splits ----------------------------------------------- */

/* find_grouping - which grouping of which run: --grouping, the recommendation, or none (file). */
static int find_grouping(struct evaluate_state *st, struct tm_error *err)
{
	const struct evaluate_options *o = st->options;
	struct tm_grouping *grouping = NULL;
	int rc;

	if (o->grouping_file)
		return tm_store_run_id(st->store, o->run, &st->run_id, err);
	if (o->run && (rc = tm_store_run_id(st->store, o->run, &st->run_id, err)) < 0)
		return rc;
	st->grouping_id = o->grouping_id;
	if (!st->grouping_id &&
	    (rc = tm_store_recommended_grouping(st->store, st->run_id, 0, &st->grouping_id, err)) < 0)
		return rc == TM_ERR_NOT_FOUND
			? tm_error_set(err, rc, "no recommended grouping to evaluate: run"
				       " 'taskmap analyze' first, or give --grouping-file") : rc;
	if ((rc = tm_store_read_grouping(st->store, st->grouping_id, &grouping, err)) < 0)
		return rc;
	if (st->run_id && grouping->record.run_id != st->run_id)
		rc = tm_error_set(err, TM_ERR_USAGE, "grouping %lld belongs to run %lld, not to --run",
				  (long long)st->grouping_id, (long long)grouping->record.run_id);
	st->run_id = grouping->record.run_id;
	snprintf(st->grouping_label, sizeof(st->grouping_label), "%s",
		 o->grouping_id ? "grouping" : "recommended");
	tm_grouping_free(grouping);
	return rc;
}

/* read_data - the run's data as recorded (DATA replacing the path), its hash checked. */
static int read_data(struct evaluate_state *st, struct tm_error *err)
{
	const struct tm_trainer_source *s = &st->loaded.config.source;
	const char *path = st->options->data_path ? st->options->data_path : s->data_path;
	struct tm_read_options options = { .format = s->format, .xml_path = s->xml_path,
					   .drop = s->drop, .n_drop = s->n_drop,
					   .labels = s->labels, .label_prefix = s->label_prefix };
	struct tm_dataset *test = NULL;
	char sha[65];
	int rc;

	if (!path)
		return tm_error_set(err, TM_ERR_USAGE, "the run records no data file (generated in"
				    " memory?): give DATA");
	if (st->loaded.data_sha256 && (rc = tm_sha256_file(path, sha, err)) == 0 &&
	    strcmp(sha, st->loaded.data_sha256) != 0)
		return tm_error_set(err, TM_ERR_INPUT, "%s: not the run's data (its sha256 differs"
				    " from the one recorded)", path);
	if (st->loaded.data_sha256 && rc < 0)
		return rc;
	if ((rc = tm_dataset_read(&st->dataset, path, &options, err)) < 0 || !s->test_path)
		return rc;
	if ((rc = tm_dataset_read(&test, s->test_path, &options, err)) == 0)
		rc = tm_dataset_append(st->dataset, test, err);
	tm_dataset_destroy(test);
	return rc;
}

static int read_split(struct evaluate_state *st, const char *name, size_t **rows, size_t *n,
		      struct tm_error *err)
{
	int64_t *index = NULL;
	int rc;

	if ((rc = tm_store_read_samples(st->store, st->run_id, name, &index, n, err)) < 0)
		return rc;
	if (!(*rows = malloc((*n ? *n : 1) * sizeof(size_t))))
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		if (index[i] < 0 || (uint64_t)index[i] >= st->dataset->n_samples)
			rc = tm_error_set(err, TM_ERR_INPUT, "the run's %s split names row %lld, but"
					  " the data has %zu rows", name, (long long)index[i],
					  st->dataset->n_samples);
		else
			(*rows)[i] = (size_t)index[i];
	}
	free(index);
	return rc;
}

/* check_tasks - the data's label columns must be the run's tasks, in order. */
static int check_tasks(struct evaluate_state *st, struct tm_error *err)
{
	if (st->dataset->n_tasks != st->tasks.n)
		return tm_error_set(err, TM_ERR_INPUT, "the data has %zu tasks, the run %zu",
				    st->dataset->n_tasks, st->tasks.n);
	for (size_t t = 0; t < st->tasks.n; t++)
		if (strcmp(st->dataset->task_names[t], st->tasks.names[t]) != 0)
			return tm_error_set(err, TM_ERR_INPUT, "task %zu is '%s' in the data but '%s'"
					    " in the run", t, st->dataset->task_names[t],
					    st->tasks.names[t]);
	return 0;
}

static int load_run(struct evaluate_state *st, struct tm_error *err)
{
	char which[32];
	int rc;

	snprintf(which, sizeof(which), "%lld", (long long)st->run_id);
	if ((rc = tm_trainer_load_recipe(st->store, which, &st->loaded, err)) < 0 ||
	    (rc = read_data(st, err)) < 0 || (rc = eval_tasks_read(st->store, st->run_id,
								&st->tasks, err)) < 0 ||
	    (rc = check_tasks(st, err)) < 0 ||
	    (rc = read_split(st, "train", &st->train_rows, &st->n_train, err)) < 0 ||
	    (rc = read_split(st, "valid", &st->valid_rows, &st->n_valid, err)) < 0 ||
	    (rc = read_split(st, "test", &st->test_rows, &st->n_test, err)) < 0)
		return rc;
	if (!st->n_test)
		return tm_error_set(err, TM_ERR_INPUT, "run %lld has no test split to evaluate on",
				    (long long)st->run_id);
	tm_dataset_impute(st->dataset, st->train_rows, st->n_train);
	return 0;
}

/* ---- what to evaluate ------------------------------------------------------------ */

static struct evaluation *add_evaluation(struct evaluate_state *st, const char *label,
					 const char *kind)
{
	struct evaluation *e = &st->evaluations[st->n_evaluations++];

	memset(e, 0, sizeof(*e));
	snprintf(e->label, sizeof(e->label), "%s", label);
	e->kind = kind;
	return e;
}

/* one_group_each - single-task (@together 0) or all-in-one (1) over the measured tasks. */
static int baseline(struct eval_grouping *g, const size_t *measured, size_t n, int together,
		    struct tm_error *err)
{
	memset(g, 0, sizeof(*g));
	g->n_groups = together ? 1 : n;
	g->n_members = n;
	g->start = malloc((g->n_groups + 1) * sizeof(size_t));
	g->member = malloc((n ? n : 1) * sizeof(size_t));
	if (!g->start || !g->member)
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k <= g->n_groups; k++)
		g->start[k] = together ? (k ? n : 0) : k;
	memcpy(g->member, measured, n * sizeof(size_t));
	return 0;
}

/* random_like - @g with its tasks relabelled by a random permutation of the measured tasks. */
static int random_like(struct evaluate_state *st, const struct eval_grouping *g, gsl_rng *rng,
		       struct eval_grouping *out, struct tm_error *err)
{
	size_t *position = calloc(st->tasks.n, sizeof(size_t)), *members = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->n_groups = g->n_groups;
	out->n_members = g->n_members;
	out->start = malloc((g->n_groups + 1) * sizeof(size_t));
	out->member = malloc((g->n_members ? g->n_members : 1) * sizeof(size_t));
	members = malloc((g->n_members ? g->n_members : 1) * sizeof(size_t));
	if (!position || !out->start || !out->member || !members) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(out->start, g->start, (g->n_groups + 1) * sizeof(size_t));
	for (size_t k = 0; k < st->n_measured; k++)
		position[st->measured[k]] = k;
	for (size_t i = 0; i < g->n_members; i++)
		members[i] = position[g->member[i]];
	if ((rc = tm_random_relabel(rng, members, g->n_members, st->n_measured, out->member)) < 0) {
		rc = tm_error_set(err, rc, "cannot draw a random grouping");
		goto out;
	}
	for (size_t i = 0; i < g->n_members; i++)
		out->member[i] = st->measured[out->member[i]];
out:
	free(position);
	free(members);
	return rc;
}

/* measure_set - the tasks measured: those the run analyses, plus any the grouping names. */
static int measure_set(struct evaluate_state *st, const struct eval_grouping *hard,
		       int **wanted, struct tm_error *err)
{
	size_t n = st->tasks.n;

	if (!(*wanted = calloc(n, sizeof(int))) ||
	    !(st->measured = malloc(n * sizeof(size_t))) ||
	    !(st->left_out = malloc(n * sizeof(size_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < n; t++)
		(*wanted)[t] = !st->tasks.excluded[t];
	for (size_t i = 0; i < hard->n_members; i++)
		(*wanted)[hard->member[i]] = 1;
	for (size_t t = 0; t < n; t++)
		if ((*wanted)[t])
			st->measured[st->n_measured++] = t;
	return 0;
}

static void note_left_out(struct evaluate_state *st)
{
	for (size_t i = 0; i < st->n_left_out; i++)
		cli_note(st->context, "task '%s' is in no group of the grouping: it is trained alone"
			 " there", st->tasks.names[st->left_out[i]]);
}

/* plan - the grouping and every baseline, in the order they are stored and printed. */
static int plan(struct evaluate_state *st, struct tm_error *err)
{
	const struct evaluate_options *o = st->options;
	struct eval_grouping hard, soft;
	size_t *soft_left = NULL, n_soft_left = 0;
	int *wanted = NULL, rc;
	gsl_rng *rng = NULL;
	char *base;

	rc = o->grouping_file ? eval_grouping_from_file(o->grouping_file, &st->tasks, &hard, &soft, err)
		: eval_grouping_from_store(st->store, st->grouping_id, &hard, &soft, err);
	if (rc < 0 || (rc = measure_set(st, &hard, &wanted, err)) < 0 ||
	    (rc = eval_grouping_add_missing(&hard, wanted, st->tasks.n, st->left_out,
					    &st->n_left_out, err)) < 0)
		goto out;
	if (soft.n_groups && (!(soft_left = malloc(st->tasks.n * sizeof(size_t))) ||
			      (rc = eval_grouping_add_missing(&soft, wanted, st->tasks.n, soft_left,
							      &n_soft_left, err)) < 0)) {
		rc = rc < 0 ? rc : tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!(st->evaluations = calloc(4 + (size_t)o->n_random, sizeof(*st->evaluations))) ||
	    !(rng = tm_rng_create(st->seeds[0] ^ 0x72616e646f6dull))) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = baseline(&add_evaluation(st, "single-task", "single-task")->groups, st->measured,
			   st->n_measured, 0, err)) < 0)
		goto out;
	if (o->grouping_file) {
		base = strrchr(o->grouping_file, '/');
		snprintf(st->grouping_label, sizeof(st->grouping_label), "%s",
			 base ? base + 1 : o->grouping_file);
	}
	add_evaluation(st, st->grouping_label, "grouping")->groups = hard;
	st->evaluations[st->n_evaluations - 1].grouping_id = st->grouping_id;
	memset(&hard, 0, sizeof(hard));
	if ((rc = baseline(&add_evaluation(st, "all-in-one", "all-in-one")->groups, st->measured,
			   st->n_measured, 1, err)) < 0)
		goto out;
	for (long r = 0; r < o->n_random && rc == 0; r++) {
		char label[32];

		snprintf(label, sizeof(label), "random-%ld", r + 1);
		rc = random_like(st, &st->evaluations[1].groups, rng,
				 &add_evaluation(st, label, "random")->groups, err);
	}
	if (rc == 0 && soft.n_groups && !o->no_soft) {
		add_evaluation(st, "soft", "soft")->groups = soft;
		st->evaluations[st->n_evaluations - 1].grouping_id = st->grouping_id;
		memset(&soft, 0, sizeof(soft));
	} else if (rc == 0 && !o->no_soft) {
		cli_note(st->context, "no soft memberships for this grouping: the soft variant is"
			 " skipped");
	}
out:
	note_left_out(st);
	gsl_rng_free(rng);
	free(wanted);
	free(soft_left);
	eval_grouping_release(&hard);
	eval_grouping_release(&soft);
	return rc;
}

/* ---- training, comparing, storing ------------------------------------------------- */

static int run_one(struct evaluate_state *st, struct evaluation *e, size_t *dataset_tasks,
		   const struct tm_progress *progress, struct tm_error *err)
{
	struct tm_eval_setup setup = {
		st->dataset, &st->loaded.config, st->train_rows, st->valid_rows, st->test_rows,
		st->n_train, st->n_valid, st->n_test, st->measured, st->n_measured, st->seeds,
		(size_t)st->options->n_seeds,
	};
	struct tm_eval_groups groups = { e->label, e->groups.n_groups, e->groups.start,
					 e->groups.member, e->groups.weight };

	(void)dataset_tasks; /* run task indices are the data's label columns (check_tasks) */
	return tm_evaluate_groups(&setup, &groups, progress, &e->result, err);
}

/* column - one metric of @e's results as a seeds x tasks matrix of doubles (new). */
static double *column(const struct evaluation *e, size_t offset)
{
	size_t n = e->result.n_seeds * e->result.n_tasks;
	double *out = malloc((n ? n : 1) * sizeof(double));

	for (size_t i = 0; out && i < n; i++)
		out[i] = *(const double *)((const char *)&e->result.results[i] + offset);
	return out;
}

/* compare_all - every evaluation's stats against the single-task one (the first). */
static int compare_all(struct evaluate_state *st, struct tm_error *err)
{
	double *reference = column(&st->evaluations[0], offsetof(struct tm_eval_task_result, roc_auc));
	int rc = 0;

	for (size_t i = 0; reference && i < st->n_evaluations && rc == 0; i++) {
		struct evaluation *e = &st->evaluations[i];
		double *auc = column(e, offsetof(struct tm_eval_task_result, roc_auc));
		double *f1 = column(e, offsetof(struct tm_eval_task_result, f1));
		double *accuracy = column(e, offsetof(struct tm_eval_task_result, accuracy));

		if (auc && f1 && accuracy)
			tm_evaluation_compare(e->result.n_seeds, e->result.n_tasks, auc, f1, accuracy,
					      reference, &e->stats);
		else
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		free(auc);
		free(f1);
		free(accuracy);
	}
	free(reference);
	return reference || rc < 0 ? rc : tm_error_set(err, TM_ERR_NOMEM, "out of memory");
}

/* config_json - how the evaluation was made, for the `config` column (new string). */
static char *config_json(const struct evaluate_state *st, const struct evaluation *e)
{
	json_t *root = json_object(), *seeds = json_array(), *left = json_array();
	char *text;

	for (long s = 0; s < st->options->n_seeds; s++)
		json_array_append_new(seeds, json_integer((json_int_t)st->seeds[s]));
	for (size_t i = 0; i < st->n_left_out && e->groups.n_groups > 1; i++)
		json_array_append_new(left, json_string(st->tasks.names[st->left_out[i]]));
	json_object_set_new(root, "seeds", seeds);
	json_object_set_new(root, "recipe_run_id", json_integer(st->run_id));
	json_object_set_new(root, "grouping_file", st->options->grouping_file
			    ? json_string(st->options->grouping_file) : json_null());
	json_object_set_new(root, "left_out_trained_alone", left);
	json_object_set_new(root, "soft", json_boolean(e->groups.weight != NULL));
	json_object_set_new(root, "memberships", e->groups.weight ? json_string("per member, in"
			    " group order of \"groups\"") : json_null());
	json_object_set_new(root, "f1_threshold", json_string("max F1 on the validation split"));
	json_object_set_new(root, "accuracy_threshold", json_real(0.5));
	json_object_set_new(root, "negative_transfer", json_string("mean AUC < single-task mean"
			    " AUC - max(single-task sd over seeds, 0.005)"));
	json_object_set_new(root, "served_by", json_string(e->groups.weight ? "membership-weighted"
			    " logits" : "best model on the validation split"));
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

static int store_one(struct evaluate_state *st, struct evaluation *e, struct tm_error *err)
{
	size_t T = e->result.n_tasks, n = e->result.n_seeds * T;
	struct tm_evaluation_result *rows = malloc((n ? n : 1) * sizeof(*rows));
	char *groups = eval_grouping_json(&e->groups), *config = config_json(st, e);
	struct tm_evaluation_record record = {
		.run_id = st->run_id, .grouping_id = e->grouping_id, .label = e->label,
		.kind = e->kind, .groups_json = groups, .n_seeds = (int64_t)e->result.n_seeds,
		.models_trained = (int64_t)e->result.cost.models,
		.parameter_updates = (int64_t)e->result.cost.parameter_updates,
		.seconds = e->result.seconds, .config_json = config,
		.reference_id = e == &st->evaluations[0] ? 0 : st->evaluations[0].stored_id,
		.delta_m = e == &st->evaluations[0] ? NAN : e->stats.delta_m,
		.negative_transfer = e == &st->evaluations[0] ? -1 : (int64_t)e->stats.n_negative,
	};
	int rc;

	if (!rows || !groups || !config) {
		rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tm_eval_task_result *r = &e->result.results[i];

		rows[i] = (struct tm_evaluation_result){
			(int64_t)st->seeds[i / T], (int64_t)st->measured[i % T], r->roc_auc, r->f1,
			r->accuracy, r->threshold, r->valid_roc_auc };
	}
	if ((rc = tm_store_write_evaluation(st->store, &record, rows, n, err)) == 0)
		e->stored_id = record.id;
out:
	free(rows);
	free(groups);
	free(config);
	return rc;
}

/* store_all - every evaluation in one transaction: all or nothing. */
static int store_all(struct evaluate_state *st, struct tm_error *err)
{
	int rc;

	if ((rc = tm_store_begin(st->store, err)) < 0)
		return rc;
	for (size_t i = 0; i < st->n_evaluations && rc == 0; i++)
		rc = store_one(st, &st->evaluations[i], err);
	if (rc == 0)
		return tm_store_commit(st->store, err);
	tm_store_rollback(st->store);
	return rc;
}

/* ---- printing -------------------------------------------------------------------- */

#define N_COLUMNS 13

static void format_number(char *buffer, size_t size, double value, const char *format)
{
	if (isnan(value))
		buffer[0] = '\0';
	else
		snprintf(buffer, size, format, value);
}

/*
 * add_row - one evaluation's row. The table is rounded for reading; CSV and
 * JSON carry every digit (%.17g round-trips) and whole counts as integers.
 */
static int add_row(struct output_table *table, int exact, const char *label, const char *kind,
		   double n_groups, double models, const struct tm_evaluation_stats *s,
		   double negative, double updates, double seconds, int is_reference)
{
	char cells[N_COLUMNS][32];
	const char *values[N_COLUMNS];
	static const int numeric[N_COLUMNS] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const char *metric = exact ? "%.17g" : "%.4f";

	snprintf(cells[0], sizeof(cells[0]), "%s", label);
	snprintf(cells[1], sizeof(cells[1]), "%s", kind);
	format_number(cells[2], 32, n_groups, "%.0f");
	format_number(cells[3], 32, models, "%.0f");
	format_number(cells[4], 32, s->roc_auc, metric);
	format_number(cells[5], 32, s->roc_auc_sd, metric);
	format_number(cells[6], 32, is_reference ? NAN : s->delta_m, exact ? "%.17g" : "%.2f");
	format_number(cells[7], 32, is_reference ? NAN : negative, exact ? "%.17g" : "%.4g");
	format_number(cells[8], 32, s->f1, metric);
	format_number(cells[9], 32, s->accuracy, metric);
	format_number(cells[10], 32, updates, exact ? "%.0f" : "%.4g");
	format_number(cells[11], 32, seconds, exact ? "%.17g" : "%.2f");
	format_number(cells[12], 32, (double)s->n_compared, "%.0f");
	for (size_t i = 0; i < N_COLUMNS; i++)
		values[i] = cells[i][0] || i < 2 ? cells[i] : NULL;
	return output_table_add_row(table, values, numeric);
}

/* random_mean - the mean over the random draws, printed (not stored) as one more row. */
static int add_random_mean(struct output_table *table, int exact, const struct evaluate_state *st)
{
	struct tm_evaluation_stats mean = { 0 };
	double n = 0, negative = 0, models = 0, updates = 0, seconds = 0, groups = 0;

	for (size_t i = 0; i < st->n_evaluations; i++) {
		const struct evaluation *e = &st->evaluations[i];

		if (strcmp(e->kind, "random") != 0)
			continue;
		n++;
		mean.roc_auc += e->stats.roc_auc;
		mean.roc_auc_sd += e->stats.roc_auc_sd;
		mean.delta_m += e->stats.delta_m;
		mean.f1 += e->stats.f1;
		mean.accuracy += e->stats.accuracy;
		mean.n_compared = e->stats.n_compared;
		negative += (double)e->stats.n_negative;
		models += (double)e->result.cost.models;
		updates += (double)e->result.cost.parameter_updates;
		seconds += e->result.seconds;
		groups = (double)e->groups.n_groups;
	}
	if (n == 0)
		return 0;
	mean.roc_auc /= n;
	mean.roc_auc_sd /= n;
	mean.delta_m /= n;
	mean.f1 /= n;
	mean.accuracy /= n;
	return add_row(table, exact, "random (mean)", "random-mean", groups, models, &mean, negative / n,
		       updates, seconds, 0);
}

static int print_results(const struct evaluate_state *st)
{
	static const char *const names[N_COLUMNS] = {
		"evaluation", "kind", "groups", "models", "roc_auc", "roc_auc_sd", "delta_m_pct",
		"negative_transfer", "f1", "accuracy", "parameter_updates", "seconds", "tasks_compared",
	};
	struct output_table *table = output_table_create(N_COLUMNS, names);
	int rc = table ? 0 : -1, exact = st->options->format != OUTPUT_TABLE;

	for (size_t i = 0; rc == 0 && i < st->n_evaluations; i++) {
		const struct evaluation *e = &st->evaluations[i];

		rc = add_row(table, exact, e->label, e->kind, (double)e->groups.n_groups,
			     (double)e->result.cost.models, &e->stats, (double)e->stats.n_negative,
			     (double)e->result.cost.parameter_updates, e->result.seconds, i == 0);
	}
	if (rc == 0)
		rc = add_random_mean(table, exact, st);
	if (rc == 0)
		output_table_print(table, st->options->format);
	output_table_destroy(table);
	return rc;
}

/* ---- the command ---------------------------------------------------------------------- */

static void release(struct evaluate_state *st)
{
	for (size_t i = 0; i < st->n_evaluations; i++) {
		eval_grouping_release(&st->evaluations[i].groups);
		tm_eval_result_release(&st->evaluations[i].result);
	}
	free(st->evaluations);
	free(st->seeds);
	free(st->measured);
	free(st->left_out);
	free(st->train_rows);
	free(st->valid_rows);
	free(st->test_rows);
	eval_tasks_release(&st->tasks);
	tm_dataset_destroy(st->dataset);
	tm_trainer_loaded_release(&st->loaded);
	tm_store_close(st->store);
}

static int make_seeds(struct evaluate_state *st, struct tm_error *err)
{
	uint64_t first = st->options->seed_given ? st->options->seed : st->loaded.config.seed;

	if (!(st->seeds = malloc((size_t)st->options->n_seeds * sizeof(uint64_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	for (long s = 0; s < st->options->n_seeds; s++)
		st->seeds[s] = first + (uint64_t)s;
	return 0;
}

static int evaluate(struct evaluate_state *st, struct tm_error *err)
{
	struct tm_progress progress;
	int rc;

	if ((rc = find_grouping(st, err)) < 0 || (rc = load_run(st, err)) < 0 ||
	    (rc = make_seeds(st, err)) < 0 || (rc = plan(st, err)) < 0)
		return rc;
	cli_progress_init(&progress, st->context);
	for (size_t i = 0; i < st->n_evaluations && rc == 0; i++) {
		char message[160];

		rc = run_one(st, &st->evaluations[i], NULL, &progress, err);
		snprintf(message, sizeof(message), "%s: %llu models, %.1f s", st->evaluations[i].label,
			 (unsigned long long)st->evaluations[i].result.cost.models,
			 st->evaluations[i].result.seconds);
		if (rc == 0)
			tm_progress_report(&progress, "step", (double)i + 1, (double)st->n_evaluations,
					   message);
	}
	if (rc == 0 && (rc = compare_all(st, err)) == 0)
		rc = store_all(st, err);
	return rc;
}

int cmd_evaluate(int argc, char **argv, struct cli_context *context)
{
	struct evaluate_options o = { .n_seeds = 3, .n_random = 3 };
	struct evaluate_state st = { .options = &o, .context = context };
	struct tm_error err = { 0 };
	int code, rc;

	if ((code = parse_arguments(argc, argv, &o, context)) >= 0)
		return code;
	if ((code = cli_open_store(context, 0, &st.store)) != EXIT_OK)
		return code;
	rc = evaluate(&st, &err);
	if (rc == TM_ERR_INTERRUPTED) {
		fprintf(stderr, "taskmap: evaluate: interrupted; nothing was stored\n");
		code = EXIT_RUNTIME;
	} else if (rc < 0) {
		code = cli_fail(&err);
	} else {
		if (print_results(&st) < 0)
			fprintf(stderr, "taskmap: evaluate: out of memory printing the results\n");
		code = cli_finish_stdout(EXIT_OK);
	}
	release(&st);
	return code;
}
