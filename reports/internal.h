/*
 * internal.h - what the files of reports/ share and nothing else sees: the
 * report's data gathered in memory (struct report_data, filled by gather.c
 * in display order), the plot table, the file helpers and the escapers that
 * write to a FILE. Not included outside reports/ (tests use reports.h).
 */
#ifndef TM_REPORTS_INTERNAL_H
#define TM_REPORTS_INTERNAL_H

#include <stdio.h>

#include "reports.h"

/* Thresholds for flagging tasks (documented in the report itself). */
#define REPORT_UNSTABLE_BELOW 0.6 /* per-task bootstrap stability */
#define REPORT_MAX_POINTS 800     /* data-map points per small panel */
#define REPORT_MAX_POINTS_FULL 6000
#define REPORT_MAX_TICK_LABELS 60 /* beyond this, tick labels are thinned */
#define REPORT_MAX_POINT_LABELS 40 /* name labels in the task map */
#define REPORT_MAX_LABEL_CHARS 28  /* names in plots are cut to this many characters */
#define REPORT_MAX_CURVE_PANELS 15 /* tasks with their own training-curve panel */

enum report_task_flags {
	REPORT_TASK_UNSTABLE = 1 << 0, /* stability below REPORT_UNSTABLE_BELOW */
	REPORT_TASK_ALONE = 1 << 1,    /* alone in its group: train it by itself */
	REPORT_TASK_SHOWN = 1 << 2,    /* in the matrix/grouping (not excluded) */
};

/* One task of the run, with what the analysis says about it. */
struct report_task {
	int64_t index;       /* the task's column in the run */
	char *name;
	int64_t positives, labelled;
	char *excluded;      /* why it is left out, or NULL */
	double confidence, variability, correctness; /* data-map means; NaN: none */
	double easy, ambiguous, hard;                /* region fractions; NaN: none */
	int64_t group;       /* hard group in the shown grouping; -1: none */
	double membership;   /* weight of that group; NaN: none */
	double stability;    /* bootstrap agreement; NaN: not measured */
	double typicality;   /* mean relatedness to its group's other tasks; NaN */
	unsigned flags;      /* enum report_task_flags */
};

/* Metrics of one task at one epoch (NaN where not recorded). */
struct report_metric {
	double train_loss, valid_loss, train_auc, valid_auc;
};

/* One branch of the dendrogram in display coordinates (leaves at 1..n). */
struct report_branch {
	double x_left, x_right;  /* positions of the two children */
	double h_left, h_right;  /* their heights (0 for leaves) */
	double height;           /* of the merge */
	int64_t group;           /* the group all leaves share, -1 when mixed */
};

struct report_score {
	char *criterion;
	int64_t k;
	double score;
};

/* The data-map points of one task (thinned to at most a plot's budget). */
struct report_points {
	size_t n;
	size_t n_stored;            /* points stored for the task, before thinning */
	double *variability, *confidence, *correctness;
};

/* What gather.c read from the store, which arrange.c puts in display form. */
struct report_gathered {
	struct tm_grouping *grouping; /* the shown grouping (recommended, else newest); NULL */
	struct tm_matrix *matrix;     /* its matrix (else the data-map one); NULL */
	struct tm_grouping *tree;     /* a grouping with a merge tree over the shown tasks; NULL */
	int own_tree;                 /* 1: tree is not grouping and is freed separately */
	const int64_t *shown_index;   /* run indices of the shown tasks, ascending (borrowed) */
	size_t n_shown;
};

/* Everything a report shows, owned; free with report_data_release. */
struct report_data {
	struct tm_run_record run;       /* strings owned (copies) */
	struct tm_dataset_info dataset; /* strings owned; id 0 when unknown */
	struct tm_analysis_record analysis; /* id 0 when none; strings owned */

	size_t n_tasks;
	struct report_task *tasks;      /* index order */

	/* analysed tasks in display order (dendrogram leaves, else by group) */
	size_t n_shown;
	size_t *shown;                  /* positions in tasks[] */
	const char *estimator;          /* of the matrix shown (borrowed from source); NULL */
	const char *matrix_kind;        /* "similarity", "distance", "affinity"; NULL */
	double *relatedness;            /* n_shown^2 in display order, or NULL */
	struct report_gathered source;  /* the store objects behind the arrays below */
	struct tm_grouping_record grouping; /* id 0 when none; strings borrowed from source */
	int64_t k;                      /* groups; 0 when no grouping */
	double *membership;             /* n_shown * k in display order, or NULL */
	size_t n_branches;
	struct report_branch *branches; /* n_shown - 1 when there is a tree */
	double cut_height;              /* where the tree is cut into k; NaN */
	double *coords;                 /* n_shown * 2 (MDS), or NULL */

	char *score_clustering;         /* the model-selection curve's clustering */
	size_t n_scores;
	struct report_score *scores;    /* criterion, k order */

	size_t n_epochs;
	struct tm_epoch_summary *epochs;
	struct report_metric *metrics;  /* n_tasks * n_epochs, task-major; or NULL */

	size_t n_evaluations;
	struct tm_evaluation_summary *evaluations; /* strings owned */

	size_t n_panels;
	size_t *panels;                 /* small-multiple data maps: positions in tasks[] */
	const char **panel_roles;       /* "most typical", "least typical" (static strings) */
	struct report_points *panel_points; /* n_panels */
	struct report_points focus_points;
	int64_t focus;                  /* --task: position in tasks[]; -1 none */
};

void report_data_release(struct report_data *data);

/*
 * report_gather - read from the store what @options asks for into @data
 * (zeroed by the caller): run, dataset, tasks, analysis, grouping, matrix,
 * tree (into data->source), k scores, history, evaluations. On failure
 * @data holds what was read; release it anyway.
 */
int report_gather(struct tm_store *store, const struct tm_report_options *options,
		  struct report_data *data, struct tm_error *err);

/*
 * report_arrange - after report_gather: display order, groups and flags of
 * tasks, relatedness and membership in that order, dendrogram branches, MDS
 * coordinates, the small-multiple panels and --task, with their data-map
 * points read from @store. TM_ERR_NOT_FOUND when --task names no task.
 */
int report_arrange(struct tm_store *store, const struct tm_report_options *options,
		   struct report_data *data, struct tm_error *err);

/* report_task_position - the position in tasks[] of run task @index; -1 if none. */
int64_t report_task_position(const struct report_data *data, int64_t index);

/* report_leaf_order - leaves of a SciPy-style merge tree left to right. */
int report_leaf_order(const struct tm_merge_step *steps, size_t n_leaves, size_t *order,
		      struct tm_error *err);

/* ---- plots ------------------------------------------------------------------ */

struct report_plot {
	const char *name;    /* file stem: DIR/<name>.gp, .dat, .svg */
	const char *title;
	const char *caption; /* one sentence: how to read it */
	/* available - 1 when the data allows this plot */
	int (*available)(const struct report_data *data);
	/* write - DIR/<name>.dat and .gp */
	int (*write)(const struct report_data *data, const char *dir, const char *name,
		     struct tm_error *err);
	/* note - a sentence for the caption that depends on the data ("" none); may be NULL */
	void (*note)(const struct report_data *data, char *buffer, size_t size);
};

/* The plots in report order, ended by a zeroed entry (report.c). */
extern const struct report_plot report_plots[];

/* What became of one plot, for the HTML and Markdown writers. */
struct report_plot_state {
	const struct report_plot *plot;
	int drawn;            /* 1: DIR/<name>.svg exists (and .png if asked) */
	char reason[TM_ERROR_MAX]; /* why not, when not */
};

int plot_datamaps_available(const struct report_data *data);
int plot_datamaps_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err);
int plot_datamap_focus_available(const struct report_data *data);
int plot_datamap_focus_write(const struct report_data *data, const char *dir,
			     const char *name, struct tm_error *err);
int plot_relatedness_available(const struct report_data *data);
int plot_relatedness_write(const struct report_data *data, const char *dir,
			   const char *name, struct tm_error *err);
int plot_membership_available(const struct report_data *data);
int plot_membership_write(const struct report_data *data, const char *dir,
			  const char *name, struct tm_error *err);
int plot_dendrogram_available(const struct report_data *data);
int plot_dendrogram_write(const struct report_data *data, const char *dir,
			  const char *name, struct tm_error *err);
int plot_task_map_available(const struct report_data *data);
int plot_task_map_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err);
int plot_model_selection_available(const struct report_data *data);
int plot_model_selection_write(const struct report_data *data, const char *dir,
			       const char *name, struct tm_error *err);
int plot_training_available(const struct report_data *data);
int plot_training_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err);
void plot_training_note(const struct report_data *data, char *buffer, size_t size);
/*
 * report_curve_tasks - the tasks that get their own training-curve panel,
 * into @positions (positions in tasks[]) with their @roles (static strings),
 * each array of REPORT_MAX_CURVE_PANELS: every task not excluded when there
 * are at most that many, else the data maps' panels; their count.
 */
size_t report_curve_tasks(const struct report_data *data, size_t *positions, const char **roles);
int plot_training_focus_available(const struct report_data *data);
int plot_training_focus_write(const struct report_data *data, const char *dir,
			      const char *name, struct tm_error *err);
int plot_evaluations_available(const struct report_data *data);
int plot_evaluations_write(const struct report_data *data, const char *dir,
			   const char *name, struct tm_error *err);

/* ---- files and gnuplot scripts (plots-common.c) ----------------------------- */

/*
 * report_open - open a file that becomes DIR/@name at report_close: it is
 * written under a temporary name in DIR, so a failed write (a full disk)
 * never leaves a half file, nor replaces a good one. NULL with @err filled
 * on failure.
 */
FILE *report_open(const char *dir, const char *name, struct tm_error *err);

/*
 * report_close - check and close @file (accepts NULL), then rename it to
 * DIR/@name; when a write failed, the temporary file is removed and
 * TM_ERR_IO returned with the path and the reason (e.g. "No space left on
 * device").
 */
int report_close(FILE *file, const char *dir, const char *name, struct tm_error *err);

/*
 * plot_begin - the head of every script: how to rerun it, the terminal for
 * `format` ('svg' default, or 'png') at @width x @height, the output, the
 * house style (fonts, border, tics, grid) and the viridis palette.
 */
void plot_begin(FILE *gp, const char *name, int width, int height);

/* plot_group_color - the colour (0xRRGGBB) of group @group (-1: grey). */
unsigned plot_group_color(int64_t group);

/* plot_put_string - @text as a single-quoted, escaped gnuplot string. */
void plot_put_string(FILE *gp, const char *text);

/*
 * plot_put_label - @name as a data-file field for a plot label: cut to
 * REPORT_MAX_LABEL_CHARS characters (whole UTF-8 characters, "…" appended),
 * then escaped with report_put_datafield. Tables show the full names.
 */
void plot_put_label(FILE *dat, const char *name);

/* plot_put_title - @name cut as by plot_put_label, as a gnuplot string (plot_put_string). */
void plot_put_title(FILE *gp, const char *name);

/* plot_label_chars - characters plot_put_label shows of @name (the ellipsis counted). */
size_t plot_label_chars(const char *name);

/* plot_tick_step - every how many-th of @n ticks to label. */
size_t plot_tick_step(size_t n);

/* plot_put_number - a number for a data file: %.9g, NaN for NaN. */
void plot_put_number(FILE *dat, double value);

/* plot_write_task_labels - "position<TAB>name" of the shown tasks, thinned. */
void plot_write_task_labels(FILE *dat, const struct report_data *data);

/*
 * plot_tick_label_width - an estimate in pixels of the longest task name
 * plot_write_task_labels writes (cut to REPORT_MAX_LABEL_CHARS), at the size
 * plot_tick_font gives: what a margin beside those tick labels needs.
 */
double plot_tick_label_width(const struct report_data *data);

/* plot_margins - fix the margins of a @width x @height canvas, in pixels. */
void plot_margins(FILE *gp, int width, int height, double left, double right, double bottom,
		  double top);

/* plot_tick_font - the gnuplot font string (e.g. "',8'") for @n tick labels. */
const char *plot_tick_font(size_t n);

/* ---- writers ---------------------------------------------------------------- */

int report_put_html(FILE *out, const char *text);
int report_put_markdown(FILE *out, const char *text);
int report_put_gnuplot(FILE *out, const char *text);
int report_put_datafield(FILE *out, const char *text);

/*
 * A document writer: content.c says what the report contains once, and
 * html.c and markdown.c say how each element looks. Every text argument is
 * plain text (escaped by the writer) unless named otherwise.
 */
struct report_writer {
	FILE *out;
	int png;  /* Markdown: link PNG pictures instead of SVG */
	void (*begin)(struct report_writer *w, const char *title);
	void (*end)(struct report_writer *w, const char *footer);
	void (*heading)(struct report_writer *w, int level, const char *text);
	void (*paragraph)(struct report_writer *w, int begin, const char *kind); /* kind: NULL, "notice", "note" */
	void (*text)(struct report_writer *w, const char *text);
	void (*strong)(struct report_writer *w, const char *text);
	void (*code)(struct report_writer *w, const char *text);
	void (*swatch)(struct report_writer *w, unsigned color);
	void (*table_begin)(struct report_writer *w, size_t n, const char *const *headers,
			    const int *numeric);
	void (*row)(struct report_writer *w, int begin);
	void (*cell)(struct report_writer *w, int begin, int numeric);
	void (*table_end)(struct report_writer *w);
	void (*list)(struct report_writer *w, int begin);
	void (*item)(struct report_writer *w, int begin);
	void (*figure)(struct report_writer *w, const char *stem, const char *title,
		       const char *caption);
	void (*block)(struct report_writer *w, const char *text); /* preformatted */
};

/* report_write_content - the whole report through @w. */
void report_write_content(struct report_writer *w, const struct report_data *data,
			  const struct report_plot_state *plots, size_t n_plots,
			  const char *notice);

/* report_writer_html / _markdown - set up @w's element functions. */
void report_writer_html(struct report_writer *w);
void report_writer_markdown(struct report_writer *w);

/*
 * report_write_file - DIR/@name through a writer set up by @setup; TM_ERR_IO
 * when it cannot be written.
 */
int report_write_file(const char *dir, const char *name, void (*setup)(struct report_writer *),
		      const struct report_data *data, const struct report_plot_state *plots,
		      size_t n_plots, const struct tm_report_options *options, const char *notice,
		      struct tm_error *err);

/* report_group_size - tasks whose hard group is @group. */
size_t report_group_size(const struct report_data *data, int64_t group);

/* report_printf - snprintf into @buffer, truncating silently (messages only). */
void report_printf(char *buffer, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* report_format_number - @value with @digits decimals into @buffer, or "–" for NaN. */
const char *report_format_number(char *buffer, size_t size, double value, int digits);

/* report_pretty_json - @json indented (jansson), or a copy when not valid JSON; NULL: no memory. */
char *report_pretty_json(const char *json);

#endif
