/*
 * cmd-train.c - `taskmap train DATA` and `taskmap train --resume RUN`: read
 * the data, split it, and train the lightweight multi-task model while its
 * training dynamics are recorded into the database (trainer/trainer.h).
 *
 * Under `mpirun -np N` every rank runs this command, but rank 0 alone reads
 * the data, splits it, opens the database, prints progress, notes and the
 * run's name, and hands the other ranks what only it knows (a resumed run's
 * configuration here; the trainer hands each rank its rows). Every rank
 * reports its own errors; all of them exit with the worst code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "dataset-options.h"
#include "dataset.h"
#include "trainer.h"

const char cmd_train_usage[] =
	"Usage: taskmap train DATA [OPTIONS]\n"
	"       taskmap train --resume RUN\n"
	"\n"
	"Train one multi-task MLP (a shared ReLU trunk, one sigmoid head per task)\n"
	"for a few epochs and record, every epoch, the probability of the gold label\n"
	"of every (task, training sample) pair: the data maps the analysis reads.\n"
	"Each epoch commits atomically; a stopped run continues with --resume.\n"
	"Prints the run's name on stdout.\n"
	"\n"
	CLI_DATASET_OPTIONS_HELP
	"\n"
	"Splits:\n"
	"  --test-fraction F    without --test: fraction held out for test (default 0.2)\n"
	"  --valid F            fraction of the training rows for validation (default 0.1)\n"
	"  --min-labelled N     tasks with fewer labelled training samples are trained\n"
	"                       but marked excluded from analysis (default 10)\n"
	"\n"
	"Model and training:\n"
	"  --run NAME           name of the run (default run-<id>)\n"
	"  --epochs N           epochs (default 10)\n"
	"  --hidden W[,W...]    trunk widths; 0 = a linear model per task (default 64)\n"
	"  --batch N            batch size (default 128)\n"
	"  --lr X               learning rate (default 0.001)\n"
	"  --optimizer NAME     adam or sgd (default adam)\n"
	"  --momentum X         SGD momentum (default 0.9)\n"
	"  --weight-decay X     L2 penalty added to the gradient (default 0)\n"
	"  --weighting NAME     equal, uncertainty, dwa, dtb or file:PATH (default equal);\n"
	"                       PATH has one 'weight' or 'task weight' per line\n"
	"  --balance            weight positives by n_neg/n_pos per task (default off)\n"
	"  --seed S             random seed (default 1)\n"
	"  --threads N          BLAS threads; results are identical for equal N (default 1)\n"
	"\n"
	"Data-parallel (taskmap built with MPI): 'mpirun -np N taskmap train ...' splits\n"
	"each batch over N processes (--batch stays the global batch); rank 0 reads\n"
	"the data, hands each other rank only its share of the rows, and writes the\n"
	"database. Results are bit-identical for the same N and agree with one\n"
	"process to float rounding; --resume works with any N. Not with --affinity.\n"
	"\n"
	"Recording:\n"
	"  --record MODE        train-pass (from each sample's training batch) or\n"
	"                       eval-pass (a clean pass after each epoch) (default train-pass)\n"
	"  --keep MODE          all (16-bit value per task, sample and epoch) or summary\n"
	"                       (running mean/variance/correctness only) (default all)\n"
	"  --affinity LIST      also record gradient task affinities, any of tag (TAG\n"
	"                       lookahead), cosine (trunk-gradient cosine), heads (SVD of\n"
	"                       head gradients), or none; read by 'analyze --relatedness\n"
	"                       tag,cosine,heads' (default none)\n"
	"  --affinity-every K   measure tag and cosine every K-th step (default 10)\n"
	"  --affinity-sources N TAG source tasks per measured step, a seeded random\n"
	"                       subset; 0 = all (default 0)\n"
	"\n"
	"  --resume RUN         continue an interrupted run from its last committed epoch\n"
	"  --db PATH            results database (default ./taskmap.db)\n"
	"  -q, --quiet          no progress on stderr\n";

enum {
	OPT_TEST_FRACTION = 1, OPT_VALID, OPT_MIN_LABELLED, OPT_RUN, OPT_EPOCHS, OPT_HIDDEN,
	OPT_BATCH, OPT_LR, OPT_OPTIMIZER, OPT_MOMENTUM, OPT_WEIGHT_DECAY, OPT_WEIGHTING,
	OPT_BALANCE, OPT_SEED, OPT_THREADS, OPT_RECORD, OPT_KEEP, OPT_RESUME, OPT_AFFINITY,
	OPT_AFFINITY_EVERY, OPT_AFFINITY_SOURCES,
};

struct train_options {
	struct tm_trainer_config config;
	struct cli_dataset_options data; /* --xml, --drop, --test, ... (dataset-options.h) */
	const char *resume;
	struct tm_parallel parallel;     /* the ranks under mpirun; rank 0 of 1 otherwise */
};

/* root - rank 0, the only rank with the database (always, without mpirun). */
static int root(const struct train_options *o)
{
	return o->parallel.rank == 0;
}

/* agree_code - the worst exit code over the ranks, so that all of them stop together. */
static int agree_code(const struct train_options *o, int code)
{
	return -tm_parallel_agree(&o->parallel, -code);
}

static int parse_choice(const struct cli_context *context, const char *option,
			const char *text, const char *const *names, int *out)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(text, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return cli_usage_error(context, "%s does not accept '%s'", option, text);
}

static int parse_weighting(const struct cli_context *context, const char *text,
			   struct tm_trainer_config *config)
{
	static const char *const names[] = { "equal", "uncertainty", "dwa", "dtb", NULL };
	int kind = 0;

	if (strncmp(text, "file:", 5) == 0 && text[5]) {
		config->weighting = TM_WEIGHTING_FILE;
		config->weights_path = text + 5;
		return 0;
	}
	if (parse_choice(context, "--weighting", text, names, &kind) != 0)
		return EXIT_USAGE;
	config->weighting = (enum tm_weighting_kind)kind;
	return 0;
}

static int parse_size(const struct cli_context *context, const char *option, const char *text,
		      long min, long max, size_t *out)
{
	long value;

	if (cli_parse_long(context, option, text, min, max, &value) != 0)
		return EXIT_USAGE;
	*out = (size_t)value;
	return 0;
}

/* parse_option - one option of the command; 0 when fine, else an exit code. */
static int parse_option(int option, const char *arg, struct train_options *o,
			struct cli_context *context)
{
	static const char *const optimizers[] = { "adam", "sgd", NULL };
	static const char *const records[] = { "train-pass", "eval-pass", "none", NULL };
	static const char *const keeps[] = { "all", "summary", NULL };
	struct tm_trainer_config *c = &o->config;
	struct tm_trainer_source *s = &c->source;
	struct tm_error err = { 0 };
	long number;
	int choice = 0, rc = 0;

	switch (option) {
	case OPT_TEST_FRACTION:
		return cli_parse_double(context, "--test-fraction", arg, 0, 0.95, &s->test_fraction);
	case OPT_VALID: return cli_parse_double(context, "--valid", arg, 0, 0.95, &s->valid_fraction);
	case OPT_MIN_LABELLED:
		return parse_size(context, "--min-labelled", arg, 0, 1L << 40, &s->min_labelled);
	case OPT_RUN: c->run_name = arg; break;
	case OPT_EPOCHS: return parse_size(context, "--epochs", arg, 1, 100000, &c->n_epochs);
	case OPT_HIDDEN:
		if (tm_trainer_parse_hidden(c, arg, &err) < 0)
			return cli_usage_error(context, "%s", err.message);
		break;
	case OPT_AFFINITY:
		if (tm_trainer_parse_affinity(c, arg, &err) < 0)
			return cli_usage_error(context, "%s", err.message);
		break;
	case OPT_AFFINITY_EVERY:
		return parse_size(context, "--affinity-every", arg, 1, 1000000, &c->affinity_every);
	case OPT_AFFINITY_SOURCES:
		return parse_size(context, "--affinity-sources", arg, 0, 1L << 30, &c->affinity_sources);
	case OPT_BATCH: return parse_size(context, "--batch", arg, 1, 1L << 20, &c->batch_size);
	case OPT_LR: return cli_parse_double(context, "--lr", arg, 1e-12, 1e3, &c->learning_rate);
	case OPT_OPTIMIZER:
		if ((rc = parse_choice(context, "--optimizer", arg, optimizers, &choice)) == 0)
			c->optimizer = (enum tm_optimizer_kind)choice;
		return rc;
	case OPT_MOMENTUM: return cli_parse_double(context, "--momentum", arg, 0, 0.999999, &c->momentum);
	case OPT_WEIGHT_DECAY:
		return cli_parse_double(context, "--weight-decay", arg, 0, 1e3, &c->weight_decay);
	case OPT_WEIGHTING: return parse_weighting(context, arg, c);
	case OPT_BALANCE: c->balance = 1; break;
	case OPT_SEED: return cli_parse_u64(context, "--seed", arg, &c->seed);
	case OPT_THREADS:
		if ((rc = cli_parse_long(context, "--threads", arg, 1, 256, &number)) == 0)
			c->threads = (int)number;
		return rc;
	case OPT_RECORD:
		if ((rc = parse_choice(context, "--record", arg, records, &choice)) == 0)
			c->record = (enum tm_record_mode)choice;
		return rc;
	case OPT_KEEP:
		if ((rc = parse_choice(context, "--keep", arg, keeps, &choice)) == 0)
			c->keep = (enum tm_keep_mode)choice;
		return rc;
	case OPT_RESUME: o->resume = arg; break;
	default: return cli_usage_error(context, "unknown option");
	}
	return 0;
}

static int parse_arguments(int argc, char **argv, struct train_options *o,
			   struct cli_context *context)
{
	static const struct option options[] = {
		CLI_DATASET_LONG_OPTIONS,
		{ "test-fraction", required_argument, NULL, OPT_TEST_FRACTION },
		{ "valid", required_argument, NULL, OPT_VALID },
		{ "min-labelled", required_argument, NULL, OPT_MIN_LABELLED },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "epochs", required_argument, NULL, OPT_EPOCHS },
		{ "hidden", required_argument, NULL, OPT_HIDDEN },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "lr", required_argument, NULL, OPT_LR },
		{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
		{ "momentum", required_argument, NULL, OPT_MOMENTUM },
		{ "weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY },
		{ "weighting", required_argument, NULL, OPT_WEIGHTING },
		{ "balance", no_argument, NULL, OPT_BALANCE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "affinity", required_argument, NULL, OPT_AFFINITY },
		{ "affinity-every", required_argument, NULL, OPT_AFFINITY_EVERY },
		{ "affinity-sources", required_argument, NULL, OPT_AFFINITY_SOURCES },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int option, code = -1, rc;

	while ((option = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		if (cli_common_option(option, context, &code) ||
		    cli_dataset_option(option, &o->data, context, &code))
			continue;
		if (option == '?')
			return EXIT_USAGE; /* getopt has said what is wrong */
		if ((rc = parse_option(option, optarg, o, context)) != 0)
			return rc;
	}
	if (code >= 0)
		return code;
	/* the run records how its data was read, so --resume reads it the same way */
	o->config.source.xml_path = o->data.read.xml_path;
	o->config.source.format = o->data.read.format;
	o->config.source.drop = o->data.read.drop;
	o->config.source.n_drop = o->data.read.n_drop;
	o->config.source.labels = o->data.read.labels;
	o->config.source.label_prefix = o->data.read.label_prefix;
	o->config.source.test_path = o->data.test_path;
	if (o->resume && optind < argc)
		return cli_usage_error(context, "--resume takes no DATA (the run knows its data)");
	if (!o->resume && optind + 1 != argc)
		return cli_usage_error(context, optind < argc ? "unexpected argument '%s'"
				       : "missing DATA%s", optind < argc ? argv[optind + 1] : "");
	if (!o->resume)
		o->config.source.data_path = argv[optind];
	return -1;
}

/*
 * read_data - DATA (plus --test appended after it) as the run's source says;
 * EXIT_OK or the exit code after the message.
 */
static int read_data(const struct cli_context *context, const struct tm_trainer_source *s,
		     struct tm_dataset **out, size_t *n_train_file)
{
	struct cli_dataset_options data = {
		.read = { .format = s->format, .xml_path = s->xml_path, .drop = s->drop,
			  .n_drop = s->n_drop, .labels = s->labels, .label_prefix = s->label_prefix },
		.test_path = s->test_path,
	};

	return cli_load_dataset(context, &data, s->data_path, out, n_train_file);
}

static int make_split(const struct tm_trainer_config *c, const struct tm_dataset *d,
		      size_t n_train_file, struct tm_split *split, struct tm_error *err)
{
	if (c->source.test_path)
		return tm_split_fixed_test(split, d->n_samples, n_train_file,
					   c->source.valid_fraction, c->seed, err);
	return tm_split_random(split, d->n_samples, c->source.valid_fraction,
			       c->source.test_fraction, c->seed, err);
}

static int interrupted_exit(const struct cli_context *context, int64_t run_id)
{
	(void)context;
	fprintf(stderr, "taskmap: train: interrupted; the committed epochs are kept."
		" Continue with 'taskmap train --resume %lld'\n", (long long)run_id);
	return EXIT_RUNTIME;
}

/* The most excluded tasks named one by one; the rest are counted. */
#define MAX_EXCLUDED_NOTES 20

/*
 * note_excluded_tasks - say, before training, which tasks the analysis will
 * leave out and why (they are still trained and recorded, and listed by
 * `taskmap tasks`): never silently.
 */
static void note_excluded_tasks(const struct cli_context *context, const struct tm_dataset *dataset,
				const struct tm_split *split, size_t min_labelled)
{
	struct tm_task_check *checks = calloc(dataset->n_tasks ? dataset->n_tasks : 1, sizeof(*checks));
	size_t n_excluded, shown = 0;

	if (!checks)
		return;
	n_excluded = tm_dataset_check_tasks(dataset, split->train, split->n_train, min_labelled, checks);
	for (size_t t = 0; t < dataset->n_tasks && shown < MAX_EXCLUDED_NOTES; t++) {
		if (!checks[t].excluded)
			continue;
		cli_note(context, "task '%s' is excluded from analysis: %s (%zu labelled, %zu positive)",
			 dataset->task_names[t], checks[t].excluded, checks[t].labelled,
			 checks[t].positives);
		shown++;
	}
	if (n_excluded > shown)
		cli_note(context, "... and %zu more excluded tasks (see 'taskmap tasks RUN')",
			 n_excluded - shown);
	free(checks);
}

static void note_imputed(const struct cli_context *context, size_t n_imputed)
{
	if (n_imputed)
		cli_note(context, "%zu missing feature values were replaced by their training-split means",
			 n_imputed);
}

/*
 * prepare_new - on rank 0 (or alone) the data, its split and the database:
 * all that can fail before training, done without talking to the other
 * ranks, which read nothing (the trainer hands them their rows).
 */
static int prepare_new(struct train_options *o, struct cli_context *context,
		       struct tm_dataset **dataset, struct tm_split *split, struct tm_store **store)
{
	struct tm_error err = { 0 };
	size_t n_train_file = 0;
	const char *problem;
	int code, rc;

	if (!root(o))
		return EXIT_OK;
	if ((code = read_data(context, &o->config.source, dataset, &n_train_file)) != EXIT_OK)
		return code;
	if ((rc = make_split(&o->config, *dataset, n_train_file, split, &err)) < 0)
		return cli_fail(&err);
	if ((problem = tm_trainer_check_config(&o->config, split->n_train)))
		return cli_usage_error(context, "%s (%zu training samples)", problem, split->n_train);
	note_excluded_tasks(context, *dataset, split, o->config.source.min_labelled);
	note_imputed(context, tm_dataset_impute(*dataset, split->train, split->n_train));
	return cli_open_store(context, 0, store);
}

static int train_new(struct train_options *o, struct cli_context *context)
{
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	struct tm_dataset *dataset = NULL;
	struct tm_split split = { 0 };
	struct tm_progress progress;
	int64_t run_id = 0;
	int code, rc;

	if ((code = agree_code(o, prepare_new(o, context, &dataset, &split, &store))) != EXIT_OK)
		goto out;
	cli_progress_init(&progress, context);
	rc = tm_train_run(store, dataset, &split, &o->config, &progress, &run_id, &err);
	if (rc == TM_ERR_INTERRUPTED)
		code = root(o) ? interrupted_exit(context, run_id) : EXIT_RUNTIME;
	else if (rc < 0)
		code = cli_fail(&err);
	else if (root(o) && o->config.run_name)
		printf("%s\n", o->config.run_name);
	else if (root(o))
		printf("run-%lld\n", (long long)run_id);
out:
	tm_store_close(store);
	tm_split_release(&split);
	tm_dataset_destroy(dataset);
	return code;
}

/*
 * impute_rows - missing features get the means of the run's own training
 * rows (@index, as the store lists them).
 */
static void impute_rows(struct tm_dataset *dataset, const int64_t *index, size_t n)
{
	size_t *rows = malloc((n ? n : 1) * sizeof(size_t));

	if (!rows)
		return; /* the trainer's own allocations fail next, with a message */
	for (size_t i = 0; i < n; i++)
		rows[i] = index[i] >= 0 && (uint64_t)index[i] < dataset->n_samples ? (size_t)index[i] : 0;
	tm_dataset_impute(dataset, rows, n);
	free(rows);
}

/* What rank 0 reads from the database for a resume, and hands on. */
struct resume_state {
	struct tm_trainer_loaded loaded;
	char *config_json;  /* the run's configuration, for the other ranks */
	int64_t head[2];    /* run id, committed epochs */
	int64_t *train_index; /* the run's training rows, for imputation (rank 0) */
	size_t n_train;
};

/* load_on_root - rank 0: the run to resume and its training rows. */
static int load_on_root(struct train_options *o, struct cli_context *context,
			struct tm_store **store, struct resume_state *r)
{
	struct tm_error err = { 0 };
	int code;

	if ((code = cli_open_store(context, 0, store)) != EXIT_OK)
		return code;
	if (tm_trainer_load(*store, o->resume, &r->loaded, &err) < 0 ||
	    tm_store_read_samples(*store, r->loaded.run_id, "train", &r->train_index, &r->n_train,
				  &err) < 0)
		return cli_fail(&err);
	r->head[0] = r->loaded.run_id;
	r->head[1] = r->loaded.epochs_done;
	if (o->parallel.size > 1 &&
	    !(r->config_json = json_dumps(r->loaded.owner, JSON_COMPACT | JSON_REAL_PRECISION(17)))) {
		err.code = TM_ERR_NOMEM;
		return cli_fail(&err);
	}
	return EXIT_OK;
}

/* share_run - the other ranks get the run's configuration from rank 0. */
static int share_run(struct train_options *o, struct resume_state *r)
{
	struct tm_error err = { 0 };
	size_t json_bytes = r->config_json ? strlen(r->config_json) + 1 : 0;
	int rc;

	if (o->parallel.size < 2)
		return EXIT_OK;
	tm_parallel_broadcast(&o->parallel, r->head, sizeof(r->head));
	if ((rc = tm_parallel_agree(&o->parallel, tm_parallel_broadcast_blob(
		     &o->parallel, (void **)&r->config_json, &json_bytes, &err))) < 0)
		return err.code ? cli_fail(&err) : cli_exit_code(rc);
	if (root(o))
		return EXIT_OK;
	if (!memchr(r->config_json, '\0', json_bytes)) {
		err.code = TM_ERR_INPUT;
		return cli_fail(&err);
	}
	if (tm_trainer_load_json(r->config_json, r->head[0], r->head[1], &r->loaded, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

static int train_resume(struct train_options *o, struct cli_context *context)
{
	struct tm_error err = { 0 };
	struct tm_store *store = NULL;
	struct tm_dataset *dataset = NULL;
	struct resume_state r;
	struct tm_progress progress;
	size_t n_train_file;
	int code, rc;

	memset(&r, 0, sizeof(r));
	code = root(o) ? load_on_root(o, context, &store, &r) : EXIT_OK;
	if ((code = agree_code(o, code)) != EXIT_OK ||
	    (code = agree_code(o, share_run(o, &r))) != EXIT_OK)
		goto out;
	r.loaded.config.parallel = &o->parallel;
	/* rank 0 reads the data; the trainer hands the other ranks their rows */
	code = root(o) ? read_data(context, &r.loaded.config.source, &dataset, &n_train_file)
		: EXIT_OK;
	if ((code = agree_code(o, code)) != EXIT_OK)
		goto out;
	if (dataset)
		impute_rows(dataset, r.train_index, r.n_train);
	cli_progress_init(&progress, context);
	rc = tm_train_resume(store, dataset, &r.loaded, &progress, &err);
	if (rc == TM_ERR_INTERRUPTED)
		code = root(o) ? interrupted_exit(context, r.loaded.run_id) : EXIT_RUNTIME;
	else if (rc < 0)
		code = cli_fail(&err);
	else if (root(o))
		printf("%s\n", r.loaded.config.run_name ? r.loaded.config.run_name : o->resume);
out:
	tm_trainer_loaded_release(&r.loaded);
	free(r.config_json);
	free(r.train_index);
	tm_dataset_destroy(dataset);
	tm_store_close(store);
	return code;
}

int cmd_train(int argc, char **argv, struct cli_context *context)
{
	struct train_options o;
	struct cli_context follower;
	struct tm_error err = { 0 };
	int code;

	memset(&o, 0, sizeof(o));
	tm_trainer_config_defaults(&o.config);
	if ((code = parse_arguments(argc, argv, &o, context)) >= 0)
		return code;
	if (tm_parallel_start(&o.parallel, &err) < 0)
		return cli_usage_error(context, "%s", err.message);
	o.config.parallel = &o.parallel;
	if (!root(&o)) { /* progress and notes come from rank 0 */
		follower = *context;
		follower.quiet = 1;
		context = &follower;
	}
	code = o.resume ? train_resume(&o, context) : train_new(&o, context);
	tm_parallel_stop(&o.parallel);
	return code;
}
