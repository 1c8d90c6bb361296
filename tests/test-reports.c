/*
 * test-reports.c - the reports module: escaping for HTML, Markdown, gnuplot
 * strings and data files; finding and running gnuplot; classical MDS on a
 * known configuration; an end-to-end report of a run written through the
 * store API (every plot a valid picture, golden .gp scripts); task names
 * that try to inject HTML or gnuplot commands; and the report without
 * gnuplot (a notice, exit 0; exit 1 with --require-plots).
 */
#define _GNU_SOURCE /* asprintf */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports.h"
#include "test-helpers.h"

Suite *reports_suite(void);

/* A task name that would run a command if it reached a gnuplot double-quoted string. */
#define OWNED_PATH "/tmp/taskmap-report-owned"
#define INJECT_GNUPLOT "x\"); system(\"touch " OWNED_PATH "\"); (\""
#define INJECT_HTML "<script>alert(1)</script>"
#define INJECT_BACKQUOTE "d'elta `touch " OWNED_PATH "2` @x"

static const char *const task_names[] = {
	"alpha", "beta", "gamma", INJECT_HTML, INJECT_GNUPLOT, INJECT_BACKQUOTE,
	"eps_{1}^2 & co", "zeta",
};
#define N_TASKS 8
#define N_SAMPLES 240
#define N_EPOCHS 6
static const int planted[N_TASKS] = { 0, 0, 0, 1, 1, 1, 2, 2 };

static char *dir, *db_path;

static void setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	db_path = test_path(dir, "results.db");
	unlink(OWNED_PATH);
	unlink(OWNED_PATH "2");
}

static void teardown(void)
{
	if (!getenv("TASKMAP_KEEP_REPORT"))
		test_remove_tree(dir);
	free(db_path);
	free(dir);
}

static int file_exists(const char *path)
{
	struct stat info;

	return stat(path, &info) == 0;
}

/* ---- escaping -------------------------------------------------------------- */

struct escape_case {
	char *(*escape)(const char *);
	const char *input, *expected;
};

static const struct escape_case escape_cases[] = {
	{ tm_report_escape_html, "a & b", "a &amp; b" },
	{ tm_report_escape_html, INJECT_HTML, "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ tm_report_escape_html, "\"q\" 'a'", "&quot;q&quot; &#39;a&#39;" },
	{ tm_report_escape_html, "é ü", "é ü" },
	{ tm_report_escape_markdown, "a|b*c_d", "a\\|b\\*c_d" },
	{ tm_report_escape_markdown, "<b>\nx", "\\<b\\> x" },
	/* readable in a terminal: only what could be markup is escaped */
	{ tm_report_escape_markdown, "run-1 (id 1): 2026-12-02T17:45Z, e.g. a/b",
	  "run-1 (id 1): 2026-12-02T17:45Z, e.g. a/b" },
	{ tm_report_escape_markdown, "task_03 _x_ a_", "task_03 \\_x\\_ a\\_" },
	{ tm_report_escape_markdown, "-x", "\\-x" },
	{ tm_report_escape_markdown, "12. x", "12\\. x" },
	{ tm_report_escape_markdown, "0.65", "0.65" },
	{ tm_report_escape_markdown, "[a](b) ![c] `d` ~e~ $f$ &amp; #g",
	  "\\[a\\](b) \\!\\[c\\] \\`d\\` \\~e\\~ \\$f\\$ \\&amp; #g" },
	{ tm_report_escape_markdown, "# x", "\\# x" },
	{ tm_report_escape_gnuplot, "it's", "it''s" },
	{ tm_report_escape_gnuplot, "a\nb\r`c` @m \\", "a b `c` @m \\" },
	{ tm_report_escape_datafield, "say \"hi\"", "say ''hi''" },
	{ tm_report_escape_datafield, "a\tb\nc", "a b c" },
	{ tm_report_escape_datafield, "  ", "?" },
	{ tm_report_escape_datafield, "", "?" },
};

START_TEST(escapes_names)
{
	const struct escape_case *c = &escape_cases[_i];
	char *out = c->escape(c->input);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, c->expected);
	free(out);
}
END_TEST

START_TEST(escapes_null_as_empty)
{
	char *out = tm_report_escape_html(NULL);

	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* ---- MDS ------------------------------------------------------------------ */

START_TEST(mds_recovers_distances)
{
	/* five points of a plane: MDS must reproduce every pairwise distance */
	static const double points[5][2] = { { 0, 0 }, { 3, 0 }, { 0, 4 }, { 3, 4 }, { 1, 1 } };
	double distance[25], coords[10];
	struct tm_error err = { 0 };

	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			distance[i * 5 + j] = hypot(points[i][0] - points[j][0],
						    points[i][1] - points[j][1]);
	ck_assert_int_eq(tm_report_mds(distance, 5, 2, coords, &err), 0);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			ck_assert_double_eq_tol(hypot(coords[2 * i] - coords[2 * j],
						      coords[2 * i + 1] - coords[2 * j + 1]),
						distance[i * 5 + j], 1e-9);
}
END_TEST

START_TEST(mds_of_a_line_is_flat_and_centred)
{
	static const double x[4] = { 0, 1, 3, 6 };
	double distance[16], coords[8], sum = 0;

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			distance[i * 4 + j] = fabs(x[i] - x[j]);
	distance[1] = NAN; /* one undefined entry: its mirror still defines it */
	ck_assert_int_eq(tm_report_mds(distance, 4, 2, coords, NULL), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_double_eq_tol(coords[2 * i + 1], 0, 1e-6); /* sqrt of a ~1e-16 eigenvalue */
		sum += coords[2 * i];
	}
	ck_assert_double_eq_tol(sum, 0, 1e-9);
	ck_assert_double_eq_tol(fabs(coords[6] - coords[0]), 6, 1e-9);
	ck_assert_int_eq(tm_report_mds(distance, 4, 5, coords, NULL), TM_ERR_USAGE);
}
END_TEST

/* ---- gnuplot --------------------------------------------------------------- */

static int have_gnuplot(void)
{
	char *path = NULL;
	int found = tm_report_find_gnuplot(NULL, &path, NULL) == 0;

	free(path);
	return found;
}

START_TEST(finds_or_refuses_gnuplot)
{
	struct tm_error err = { 0 };
	char *path = NULL;

	ck_assert_int_eq(tm_report_find_gnuplot("/nonexistent/gnuplot", &path, &err),
			 TM_ERR_NOT_FOUND);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/gnuplot"));
	ck_assert_int_eq(tm_report_find_gnuplot("taskmap-no-such-program", &path, &err),
			 TM_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "PATH"));
}
END_TEST

START_TEST(failed_plot_leaves_no_picture)
{
	struct tm_error err = { 0 };
	char *script = test_path(dir, "bad.gp"), *svg = test_path(dir, "bad.svg");
	char *part = test_path(dir, "bad.svg.part"), *gnuplot = NULL;

	if (!have_gnuplot()) {
		free(script), free(svg), free(part);
		return;
	}
	ck_assert_int_eq(tm_report_find_gnuplot(NULL, &gnuplot, NULL), 0);
	ck_assert_int_eq(test_write_file(script, "set terminal svg\nset output output\n"
					 "plot 'missing.dat' using 1:2\n"), 0);
	ck_assert_int_eq(tm_report_run_gnuplot(gnuplot, dir, "bad.gp", "svg", "bad.svg", &err),
			 TM_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.message, "gnuplot"));
	ck_assert(!file_exists(svg));
	ck_assert(!file_exists(part));
	free(gnuplot), free(script), free(svg), free(part);
}
END_TEST

/* ---- a run in a store ------------------------------------------------------- */

/* fake_probability - deterministic gold-label probabilities: groups share easy samples. */
static double fake_probability(int task, int sample, int epoch)
{
	int group = planted[task];
	double difficulty = (double)((sample * 37 + group * 101) % 97) / 96.0;
	double wobble = 0.08 * sin(0.7 * epoch + sample + task);
	double p = 1 - difficulty + 0.15 * epoch / N_EPOCHS - 0.1 + wobble;

	return p < 0.01 ? 0.01 : p > 0.99 ? 0.99 : p;
}

static void add_epochs(struct tm_store *store, int64_t run_id)
{
	static uint16_t probabilities[N_TASKS * N_SAMPLES];
	struct tm_task_metrics_record metrics[2 * N_TASKS];
	struct tm_error err = { 0 };

	for (int e = 0; e < N_EPOCHS; e++) {
		struct tm_epoch_record epoch = {
			.run_id = run_id, .epoch = e, .n_tasks = N_TASKS, .n_samples = N_SAMPLES,
			.probabilities = probabilities, .train_loss = 0.7 * exp(-0.3 * e),
			.valid_loss = 0.72 * exp(-0.22 * e) + 0.02 * e, .seconds = 0.5,
			.samples_per_second = 1000, .metrics = metrics, .n_metrics = 2 * N_TASKS,
			.parameters = "p", .parameters_bytes = 1,
		};

		for (int t = 0; t < N_TASKS; t++) {
			for (int s = 0; s < N_SAMPLES; s++)
				probabilities[t * N_SAMPLES + s] =
					tm_dynamics_encode(fake_probability(t, s, e));
			metrics[2 * t] = (struct tm_task_metrics_record){ t, "train",
				0.7 * exp(-0.3 * e) + 0.01 * t, 0.6 + 0.05 * e, 0.65 + 0.05 * e };
			metrics[2 * t + 1] = (struct tm_task_metrics_record){ t, "valid",
				0.72 * exp(-0.2 * e) + 0.015 * t, 0.58 + 0.03 * e,
				0.6 + 0.04 * e - 0.01 * t };
		}
		ck_assert_msg(tm_store_write_epoch(store, &epoch, &err) == 0, "%s", err.message);
	}
}

static void add_datamaps(struct tm_store *store, int64_t analysis_id)
{
	double confidence[N_SAMPLES], variability[N_SAMPLES], correctness[N_SAMPLES];
	unsigned char region[N_SAMPLES];
	struct tm_datamap_task_record summaries[N_TASKS];
	struct tm_error err = { 0 };

	for (int t = 0; t < N_TASKS; t++) {
		struct tm_datamap_samples samples = { t, N_SAMPLES, confidence, variability,
						      correctness, region, 1 };
		double mean = 0;

		for (int s = 0; s < N_SAMPLES; s++) {
			double sum = 0, right = 0;

			for (int e = 0; e < N_EPOCHS; e++) {
				double p = fake_probability(t, s, e);

				sum += p, right += p > 0.5;
			}
			confidence[s] = sum / N_EPOCHS;
			/* a real data map's arch: variability <= sqrt(c (1 - c)) */
			variability[s] = sqrt(confidence[s] * (1 - confidence[s])) *
					 (0.15 + 0.7 * ((s * 53 + t * 7) % 31) / 31.0) *
					 (confidence[s] > 0.35 && confidence[s] < 0.75 ? 1 : 0.45);
			correctness[s] = right / N_EPOCHS;
			region[s] = confidence[s] > 0.7 ? TM_REGION_EASY : confidence[s] < 0.3
				? TM_REGION_HARD : TM_REGION_AMBIGUOUS;
			mean += confidence[s] / N_SAMPLES;
		}
		summaries[t] = (struct tm_datamap_task_record){ t, mean, 0.05, mean, 0.5, 0.3, 0.2 };
		ck_assert_int_eq(tm_store_write_datamap_samples(store, analysis_id, &samples, &err), 0);
	}
	ck_assert_int_eq(tm_store_write_datamap_tasks(store, analysis_id, summaries, N_TASKS,
						      &err), 0);
}

static int64_t add_matrix(struct tm_store *store, int64_t run_id, int64_t analysis_id)
{
	static const int64_t index[N_TASKS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct tm_matrix_record matrix = { .analysis_id = analysis_id, .run_id = run_id,
					   .estimator = "datamap", .kind = "similarity",
					   .symmetric = 1, .n_tasks = N_TASKS };
	double values[N_TASKS * N_TASKS];
	struct tm_error err = { 0 };

	for (int i = 0; i < N_TASKS; i++)
		for (int j = 0; j < N_TASKS; j++)
			values[i * N_TASKS + j] = i == j ? 1 : planted[i] == planted[j]
				? 0.7 + 0.02 * (i + j) : 0.1 + 0.01 * ((i * j) % 5);
	values[3 * N_TASKS + 7] = values[7 * N_TASKS + 3] = NAN; /* undefined pair */
	ck_assert_int_eq(tm_store_write_matrix(store, &matrix, index, values, &err), 0);
	return matrix.id;
}

/* add_groupings - an agglomerative tree, and the recommended soft grouping. */
static void add_groupings(struct tm_store *store, int64_t run_id, int64_t analysis_id,
			  int64_t matrix_id)
{
	static const struct tm_merge_step steps[N_TASKS - 1] = {
		{ 0, 1, 0.15, 2 }, { 3, 4, 0.18, 2 }, { 6, 7, 0.2, 2 }, { 8, 2, 0.22, 3 },
		{ 9, 5, 0.25, 3 }, { 11, 12, 0.85, 6 }, { 13, 10, 0.9, 8 },
	};
	struct tm_grouping_member hard[N_TASKS], soft[N_TASKS * 3];
	struct tm_grouping_record tree = { .analysis_id = analysis_id, .matrix_id = matrix_id,
					   .run_id = run_id, .clustering = "agglomerative-average",
					   .k = 3, .k_criterion = "silhouette", .stability = NAN };
	struct tm_grouping_record fuzzy = { .analysis_id = analysis_id, .matrix_id = matrix_id,
					    .run_id = run_id, .clustering = "fuzzy-stg", .k = 3,
					    .k_criterion = "silhouette", .stability = 0.81,
					    .recommended = 1 };
	struct tm_error err = { 0 };

	for (int t = 0; t < N_TASKS; t++) {
		hard[t] = (struct tm_grouping_member){ t, planted[t], 1, 1, NAN };
		for (int g = 0; g < 3; g++)
			soft[t * 3 + g] = (struct tm_grouping_member){ t, g,
				g == planted[t] ? 0.7 - 0.03 * t : 0.15 + 0.015 * t,
				g == planted[t], t == 7 ? 0.45 : 0.95 };
	}
	ck_assert_int_eq(tm_store_write_grouping(store, &tree, hard, N_TASKS, steps, N_TASKS - 1,
						 &err), 0);
	ck_assert_int_eq(tm_store_write_grouping(store, &fuzzy, soft, 3 * N_TASKS, NULL, 0, &err),
			 0);
}

static void add_k_scores(struct tm_store *store, int64_t analysis_id, int64_t matrix_id)
{
	struct tm_k_score scores[10];
	struct tm_error err = { 0 };

	for (int k = 2; k <= 6; k++) {
		scores[k - 2] = (struct tm_k_score){ matrix_id, "fuzzy-stg", "silhouette", k,
						     k == 3 ? 0.62 : 0.5 - 0.04 * abs(k - 3) };
		scores[k + 3] = (struct tm_k_score){ matrix_id, "fuzzy-stg", "eigengap", k,
						     k == 3 ? 0.4 : 0.1 + 0.01 * k };
	}
	ck_assert_int_eq(tm_store_write_k_scores(store, analysis_id, scores, 10, &err), 0);
}

/* add_evaluations - no write API exists for reports to use, so plain SQL. */
static void add_evaluations(void)
{
	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' \""
		"INSERT INTO evaluations (id, run_id, grouping_id, label, kind, n_seeds) VALUES"
		" (1, 1, 2, 'recommended', 'grouping', 2), (2, 1, NULL, 'all-in-one', 'baseline', 2),"
		" (3, 1, NULL, 'single-task', 'baseline', 2),"
		" (4, 1, NULL, '<b>random</b> \\\"3\\\"', 'baseline', 2);"
		"WITH RECURSIVE s(seed) AS (VALUES(0) UNION ALL SELECT seed + 1 FROM s WHERE seed < 1),"
		" t(task) AS (VALUES(0) UNION ALL SELECT task + 1 FROM t WHERE task < 7)"
		" INSERT INTO evaluation_results (evaluation_id, seed, task_index, roc_auc, f1, accuracy)"
		" SELECT e.id, seed, task, 0.7 + 0.03 * (e.id = 1) - 0.02 * e.id + 0.01 * seed"
		" + 0.005 * task, 0.5, 0.8 FROM evaluations e, s, t\"", db_path), 0);
}

/* write_fixture - a run with 8 tasks, 6 epochs and a full analysis. */
static void write_fixture(void)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_dataset_record dataset = { .name = "toy \"data\" <set>", .source_path = "toy.arff",
					     .format = "synth", .n_samples = 300,
					     .n_features = 16, .n_tasks = N_TASKS };
	struct tm_run_record run = { .name = "demo-run", .kind = "train", .status = TM_RUN_DONE,
				     .config_json = "{\"epochs\": 6, \"hidden\": [64], "
						    "\"note\": \"</pre><script>x</script>```\"}",
				     .seed = 7, .n_epochs = N_EPOCHS,
				     .n_train_samples = N_SAMPLES };
	struct tm_task_record tasks[N_TASKS];
	struct tm_analysis_record analysis = { .epoch_from = 1, .epoch_to = N_EPOCHS,
					       .config_json = "{\"estimators\": [\"datamap\"]}" };
	int64_t matrix_id;

	for (int t = 0; t < N_TASKS; t++)
		tasks[t] = (struct tm_task_record){ t, task_names[t], 40 + t, N_SAMPLES, NULL };
	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_add_dataset(store, &dataset, &run.dataset_id, &err), 0);
	ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
	ck_assert_int_eq(tm_store_add_tasks(store, run.id, tasks, N_TASKS, &err), 0);
	add_epochs(store, run.id);
	analysis.run_id = run.id;
	ck_assert_int_eq(tm_store_create_analysis(store, &analysis, &err), 0);
	add_datamaps(store, analysis.id);
	matrix_id = add_matrix(store, run.id, analysis.id);
	add_groupings(store, run.id, analysis.id, matrix_id);
	add_k_scores(store, analysis.id, matrix_id);
	tm_store_close(store);
	add_evaluations();
}

static const char *const plot_names[] = {
	"datamaps", "relatedness", "dendrogram", "task-map", "membership", "model-selection",
	"training", "evaluations",
};
#define N_PLOTS (sizeof(plot_names) / sizeof(plot_names[0]))

static void write_report(unsigned flags, const char *task, struct tm_report_outcome *outcome)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	char *out = test_path(dir, "report");
	struct tm_report_options options = { .out_dir = out, .flags = flags, .task = task,
					     .gnuplot = getenv("TASKMAP_GNUPLOT") };

	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_msg(tm_report_write(store, &options, outcome, NULL, &err) == 0, "%s",
		      err.message);
	tm_store_close(store);
	free(out);
}

static char *report_file(const char *name)
{
	char *path = NULL;

	ck_assert_int_ge(asprintf(&path, "%s/report/%s", dir, name), 0);
	return path;
}

/* check_picture - @name exists, is not empty and looks like an SVG or PNG. */
static void check_picture(const char *name)
{
	char *path = report_file(name), *content;
	size_t size = 0;

	content = test_read_file(path, &size);
	ck_assert_msg(content && size > 200, "%s is missing or tiny", name);
	if (strstr(name, ".svg"))
		ck_assert_msg(strstr(content, "<svg") && strstr(content, "</svg>"),
			      "%s is not a whole SVG", name);
	else
		ck_assert_msg(memcmp(content, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", name);
	free(content);
	free(path);
}

START_TEST(writes_every_plot)
{
	struct tm_report_outcome outcome;
	char name[64];

	if (!have_gnuplot())
		return; /* covered by reports_without_gnuplot */
	write_fixture();
	write_report(TM_REPORT_PNG, NULL, &outcome);
	ck_assert_str_eq(outcome.notice, "");
	ck_assert_uint_eq(outcome.plots_planned, N_PLOTS);
	ck_assert_uint_eq(outcome.plots_drawn, N_PLOTS);
	ck_assert_int_eq(outcome.grouping_id, 2);
	for (size_t p = 0; p < N_PLOTS; p++) {
		snprintf(name, sizeof(name), "%s.svg", plot_names[p]);
		check_picture(name);
		snprintf(name, sizeof(name), "%s.png", plot_names[p]);
		check_picture(name);
	}
}
END_TEST

static void compare_golden(const char *name);

START_TEST(draws_a_chosen_task)
{
	struct tm_report_outcome outcome;
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_report_options options = { .task = "no such task" };

	write_fixture();
	write_report(0, INJECT_GNUPLOT, &outcome);
	if (outcome.gnuplot_found) {
		check_picture("datamap-task.svg");
		check_picture("training-task.svg");
	}
	/* the task's name is a gnuplot string; the AUC panel's key sits below its rising curves */
	compare_golden("datamap-task.gp");
	compare_golden("training-task.gp");
	ck_assert(!file_exists(OWNED_PATH));
	options.out_dir = dir;
	ck_assert_int_eq(tm_store_open(&store, db_path, TM_STORE_READONLY, &err), 0);
	ck_assert_int_eq(tm_report_write(store, &options, NULL, NULL, &err), TM_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "no such task"));
	tm_store_close(store);
}
END_TEST

/* compare_golden - DIR/report/@name against tests/golden/reports/@name. */
static void compare_golden(const char *name)
{
	char *path = report_file(name), *golden = NULL, *actual, *expected;

	ck_assert_int_ge(asprintf(&golden, "%s/tests/golden/reports/%s", test_source_root(), name), 0);
	actual = test_read_file(path, NULL);
	ck_assert_ptr_nonnull(actual);
	if (getenv("TASKMAP_UPDATE_GOLDEN"))
		ck_assert_int_eq(test_write_file(golden, actual), 0);
	expected = test_read_file(golden, NULL);
	ck_assert_msg(expected, "no golden file %s (TASKMAP_UPDATE_GOLDEN=1 writes it)", golden);
	ck_assert_msg(strcmp(actual, expected) == 0, "%s differs from %s", path, golden);
	free(actual), free(expected), free(golden), free(path);
}

START_TEST(scripts_match_golden_files)
{
	struct tm_report_outcome outcome;
	char name[64];

	write_fixture();
	write_report(0, NULL, &outcome);
	for (size_t p = 0; p < N_PLOTS; p++) {
		snprintf(name, sizeof(name), "%s.gp", plot_names[p]);
		compare_golden(name);
	}
}
END_TEST

START_TEST(injected_names_stay_names)
{
	struct tm_report_outcome outcome;
	char *html_path = report_file("index.html"), *md_path = report_file("report.md");
	char *html, *md;

	write_fixture();
	write_report(0, NULL, &outcome);
	ck_assert(!file_exists(OWNED_PATH));
	ck_assert(!file_exists(OWNED_PATH "2"));
	html = test_read_file(html_path, NULL);
	md = test_read_file(md_path, NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(md);
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "x&quot;); system(&quot;touch " OWNED_PATH));
	ck_assert_ptr_nonnull(strstr(html, "d&#39;elta `touch"));
	ck_assert_ptr_nonnull(strstr(html, "toy &quot;data&quot; &lt;set&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;b&gt;random&lt;/b&gt;"));
	ck_assert_ptr_null(strstr(html, "http://"));
	ck_assert_ptr_null(strstr(html, "https://"));
	ck_assert_ptr_null(strstr(md, INJECT_HTML));
	ck_assert_ptr_nonnull(strstr(md, "\\<script\\>alert(1)\\</script\\>"));
	free(html), free(md), free(html_path), free(md_path);
}
END_TEST

/* Each task has a panel of its own with its training and its validation curve. */
START_TEST(draws_training_and_validation_per_task)
{
	struct tm_report_outcome outcome;
	char *dat_path = report_file("training.dat"), *dat, *p;
	size_t panels = 0;

	write_fixture();
	write_report(0, NULL, &outcome);
	dat = test_read_file(dat_path, NULL);
	ck_assert_ptr_nonnull(dat);
	for (p = dat; (p = strstr(p, "# panel ")); p++) {
		long epoch = 0;
		double train = NAN, valid = NAN;

		/* the first epoch: training ROC-AUC 0.65 for every task, validation 0.6 - 0.01 t */
		ck_assert_int_eq(sscanf(strchr(p, '\n') + 1, "%ld\t%lf\t%lf", &epoch, &train,
					&valid), 3);
		ck_assert_int_eq(epoch, 1);
		ck_assert_double_eq_tol(train, 0.65, 1e-6);
		ck_assert(valid <= 0.6 + 1e-9 && valid >= 0.6 - 0.01 * (N_TASKS - 1) - 1e-9);
		panels++;
	}
	ck_assert_uint_eq(panels, N_TASKS);
	free(dat), free(dat_path);
}
END_TEST

/*
 * The task map's names do not overlap each other or the points: the boxes
 * are estimated as the plot estimates them (plot area 560 px wide, 5 px a
 * character, 11 px a line), from task-map.dat and the x range of the script.
 */
START_TEST(task_map_names_do_not_overlap)
{
	struct tm_report_outcome outcome;
	char *dat_path = report_file("task-map.dat"), *gp_path = report_file("task-map.gp");
	char *dat, *gp, *line, *save = NULL;
	double x_low, x_high, scale, box[N_TASKS][4], point[N_TASKS][2];
	size_t n = 0;

	write_fixture();
	write_report(0, NULL, &outcome);
	dat = test_read_file(dat_path, NULL);
	gp = test_read_file(gp_path, NULL);
	ck_assert_ptr_nonnull(dat);
	ck_assert_ptr_nonnull(gp);
	ck_assert_int_eq(sscanf(strstr(gp, "set xrange ["), "set xrange [%lf:%lf]", &x_low, &x_high), 2);
	scale = 560 / (x_high - x_low);
	for (line = strtok_r(dat, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[256];
		double x, y, label_x, label_y, width = 0;
		int group, align;

		if (*line == '#')
			continue;
		ck_assert_int_eq(sscanf(line, "%lf\t%lf\t%d\t%255[^\t]\t%lf\t%lf\t%d", &x, &y, &group,
					name, &label_x, &label_y, &align), 7);
		for (const unsigned char *c = (const unsigned char *)name; *c; c++)
			width += (*c & 0xc0) != 0x80 ? 5 : 0;
		ck_assert_uint_lt(n, N_TASKS);
		point[n][0] = x * scale;
		point[n][1] = y * scale;
		box[n][0] = label_x * scale - (align == 1 ? width : align == 2 ? width / 2 : 0);
		box[n][1] = box[n][0] + width;
		box[n][2] = label_y * scale - 5.5;
		box[n][3] = label_y * scale + 5.5;
		n++;
	}
	ck_assert_uint_eq(n, N_TASKS);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			ck_assert_msg(i == j || box[i][1] <= box[j][0] || box[j][1] <= box[i][0] ||
				      box[i][3] <= box[j][2] || box[j][3] <= box[i][2],
				      "the names of tasks %zu and %zu overlap", i, j);
			ck_assert_msg(box[i][1] <= point[j][0] - 3 || point[j][0] + 3 <= box[i][0] ||
				      box[i][3] <= point[j][1] - 3 || point[j][1] + 3 <= box[i][2],
				      "the name of task %zu covers the point of task %zu", i, j);
		}
	free(dat), free(gp), free(dat_path), free(gp_path);
}
END_TEST

/*
 * Long task names (the fixture's longest is cut to 28 characters and "…")
 * widen the margins beside the relatedness matrix and below the dendrogram;
 * the matrix stays 440 pixels square and the tree 300 pixels high.
 */
START_TEST(long_names_grow_the_canvas)
{
	static const struct { const char *name; double width, height; } plots[] = {
		{ "relatedness.gp", 440, 440 }, { "dendrogram.gp", 0, 300 },
		{ "membership.gp", 0, 100 },
	};
	struct tm_report_outcome outcome;

	write_fixture();
	write_report(0, NULL, &outcome);
	for (size_t p = 0; p < sizeof(plots) / sizeof(plots[0]); p++) {
		char *path = report_file(plots[p].name), *gp = test_read_file(path, NULL), *at;
		double left, right, bottom, top;
		int width, height;

		ck_assert_ptr_nonnull(gp);
		ck_assert_ptr_nonnull(at = strstr(gp, "set terminal svg enhanced size "));
		ck_assert_int_eq(sscanf(at, "set terminal svg enhanced size %d,%d", &width, &height), 2);
		ck_assert_ptr_nonnull(at = strstr(gp, "# margins in pixels: "));
		ck_assert_int_eq(sscanf(at, "# margins in pixels: %lf left, %lf right, %lf bottom, %lf top",
					&left, &right, &bottom, &top), 4);
		/* 29 characters of at least half an em at 9 points */
		ck_assert_msg(bottom >= 29 * 0.5 * 9, "%s: %g px below for the names", plots[p].name,
			      bottom);
		ck_assert_double_ge(width - left - right, plots[p].width);
		ck_assert_double_ge(height - bottom - top, plots[p].height);
		if (p == 0)
			ck_assert_double_ge(left, 29 * 0.5 * 9);
		free(gp), free(path);
	}
}
END_TEST

/* Two `taskmap evaluate` batches (each led by its single-task row) are told apart. */
START_TEST(numbers_evaluation_batches)
{
	struct tm_report_outcome outcome;
	char *md_path = report_file("report.md"), *md, *dat_path = report_file("evaluations.dat");
	char *dat;

	write_fixture();
	ck_assert_int_eq(test_run(NULL, "sqlite3 '%s' \"INSERT INTO evaluations (id, run_id,"
				  " grouping_id, label, kind, n_seeds, seconds) VALUES"
				  " (5, 1, NULL, 'single-task', 'single-task', 1, 2.5),"
				  " (6, 1, 2, 'recommended', 'grouping', 1, 0.75),"
				  " (7, 1, NULL, 'single-task', 'single-task', 1, 2.5),"
				  " (8, 1, 2, 'recommended', 'grouping', 1, 0.75)\"", db_path), 0);
	write_report(0, NULL, &outcome);
	md = test_read_file(md_path, NULL);
	ck_assert_ptr_nonnull(md);
	ck_assert_msg(strstr(md, "| \\#1 recommended | grouping |"), "batch 1");
	ck_assert_msg(strstr(md, "| \\#2 single-task | single-task |"), "batch 2");
	ck_assert_msg(strstr(md, "| \\#3 recommended | grouping |"), "evaluation rows in report.md");
	ck_assert_msg(strstr(md, "| seconds |"), "evaluation rows in report.md");
	dat = test_read_file(dat_path, NULL);
	ck_assert_ptr_nonnull(dat);
	ck_assert_msg(strstr(dat, "\t#3 recommended\n"), "labels in evaluations.dat");
	free(md), free(dat), free(md_path), free(dat_path);
}
END_TEST

START_TEST(reports_without_gnuplot)
{
	char *out = NULL, *html_path = report_file("index.html"), *html, *md;

	write_fixture();
	ck_assert_int_eq(test_run(&out, "TASKMAP_GNUPLOT=/nonexistent/gnuplot \"$TASKMAP\" report "
				  "--db '%s' --out '%s/report'", db_path, dir), 0);
	ck_assert_msg(strstr(out, "gnuplot not found"), "%s", out);
	free(out);
	html = test_read_file(html_path, NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, "gnuplot not found"));
	ck_assert_ptr_nonnull(strstr(html, "Recommended grouping"));
	ck_assert_ptr_null(strstr(html, "<img"));
	free(html);
	html = report_file("report.md");
	md = test_read_file(html, NULL);
	free(html);
	ck_assert_ptr_nonnull(md);
	ck_assert_msg(strstr(md, "> **Missing from this report:** gnuplot not found"), "%s", md);
	ck_assert_msg(strstr(md, "are `datamaps`.dat and .gp"), "%s", md);
	free(md);
	ck_assert_int_eq(test_run(&out, "TASKMAP_GNUPLOT=/nonexistent/gnuplot \"$TASKMAP\" report "
				  "--db '%s' --out '%s/report' --require-plots", db_path, dir), 1);
	free(out);
	ck_assert_int_eq(test_run(&out, "PATH=/nonexistent \"$TASKMAP\" report --db '%s' --out "
				  "'%s/report'", db_path, dir), 0);
	ck_assert_msg(strstr(out, "no 'gnuplot' on PATH"), "%s", out);
	free(out);
	ck_assert_int_eq(test_run(&out, "PATH=/nonexistent \"$TASKMAP\" report --db '%s' --out "
				  "'%s/report' --require-plots", db_path, dir), 1);
	free(out);
	free(html_path);
}
END_TEST

START_TEST(reports_a_run_not_analysed)
{
	struct tm_store *store = NULL;
	struct tm_error err = { 0 };
	struct tm_run_record run = { .name = "fresh", .kind = "train", .status = TM_RUN_DONE,
				     .config_json = "{}", .n_epochs = N_EPOCHS,
				     .n_train_samples = N_SAMPLES };
	struct tm_task_record task = { 0, "only", 3, 10, NULL };
	struct tm_report_outcome outcome;
	char *html_path = report_file("index.html"), *html;

	ck_assert_int_eq(tm_store_open(&store, db_path, 0, &err), 0);
	ck_assert_int_eq(tm_store_create_run(store, &run, &err), 0);
	ck_assert_int_eq(tm_store_add_tasks(store, run.id, &task, 1, &err), 0);
	tm_store_close(store);
	write_report(0, NULL, &outcome);
	ck_assert_int_eq(outcome.analysis_id, 0);
	html = test_read_file(html_path, NULL);
	ck_assert_ptr_nonnull(strstr(html, "has not been analysed yet"));
	free(html), free(html_path);
}
END_TEST

Suite *reports_suite(void)
{
	Suite *suite = suite_create("reports");
	TCase *units = tcase_create("units"), *end_to_end = tcase_create("end-to-end");

	tcase_add_loop_test(units, escapes_names, 0,
			    sizeof(escape_cases) / sizeof(escape_cases[0]));
	tcase_add_test(units, escapes_null_as_empty);
	tcase_add_test(units, mds_recovers_distances);
	tcase_add_test(units, mds_of_a_line_is_flat_and_centred);
	tcase_add_test(units, finds_or_refuses_gnuplot);
	tcase_add_checked_fixture(end_to_end, setup, teardown);
	tcase_set_timeout(end_to_end, 120);
	tcase_add_test(end_to_end, failed_plot_leaves_no_picture);
	tcase_add_test(end_to_end, writes_every_plot);
	tcase_add_test(end_to_end, draws_a_chosen_task);
	tcase_add_test(end_to_end, scripts_match_golden_files);
	tcase_add_test(end_to_end, injected_names_stay_names);
	tcase_add_test(end_to_end, numbers_evaluation_batches);
	tcase_add_test(end_to_end, draws_training_and_validation_per_task);
	tcase_add_test(end_to_end, task_map_names_do_not_overlap);
	tcase_add_test(end_to_end, long_names_grow_the_canvas);
	tcase_add_test(end_to_end, reports_without_gnuplot);
	tcase_add_test(end_to_end, reports_a_run_not_analysed);
	suite_add_tcase(suite, units);
	suite_add_tcase(suite, end_to_end);
	return suite;
}
