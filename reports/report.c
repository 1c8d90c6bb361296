/*
 * report.c - `taskmap report` from start to end: gather and arrange the data,
 * write each available plot's data and script, draw it with gnuplot when
 * there is one (SVG, and PNG on request), then write index.html and
 * report.md around whatever could be drawn. The plot table lives here.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

const struct report_plot report_plots[] = {
	{ "datamaps", "Data maps",
	  "Each point is one training sample: its confidence (mean probability of the gold "
	  "label over the epochs analysed, y) against its variability (standard deviation, x), "
	  "coloured by correctness; tasks whose maps look alike, with the same samples easy "
	  "(top left), ambiguous (right) and hard (bottom left), are related, so the most and "
	  "least typical task of each group should resemble each other.",
	  plot_datamaps_available, plot_datamaps_write, NULL },
	{ "datamap-task", "Data map of the chosen task",
	  "The chosen task's data map at full size: confidence against variability for every "
	  "stored training sample, coloured by correctness.",
	  plot_datamap_focus_available, plot_datamap_focus_write, NULL },
	{ "training-task", "Training curves of the chosen task",
	  "Loss and ROC-AUC of the chosen task on the training and validation splits after "
	  "each epoch; the shaded epochs are the ones the data maps summarise.",
	  plot_training_focus_available, plot_training_focus_write, NULL },
	{ "relatedness", "Task relatedness",
	  "Each cell is how related the row task is to the column task (for similarities "
	  "brighter means more related, for distances darker does); rows and columns follow "
	  "the dendrogram and a frame marks each recommended group, so bright blocks on the "
	  "diagonal are groups that belong together.",
	  plot_relatedness_available, plot_relatedness_write, NULL },
	{ "dendrogram", "Dendrogram",
	  "Tasks merge bottom-up in the order of their relatedness, a merge's height being "
	  "the distance at which it happened; branches are coloured by the group all their "
	  "tasks share, and the dashed line is where the tree is cut into the groups.",
	  plot_dendrogram_available, plot_dendrogram_write, NULL },
	{ "task-map", "Map of the tasks",
	  "Classical multidimensional scaling places the tasks in two dimensions so that "
	  "distances between points approximate how unrelated the tasks are; colours are the "
	  "recommended groups, which should form compact, separate clouds.",
	  plot_task_map_available, plot_task_map_write, NULL },
	{ "membership", "Group memberships",
	  "Each column is a task and each row a group, the colour being how strongly the task "
	  "belongs to the group (1 for hard assignments); tasks split between groups show "
	  "several coloured cells in their column.",
	  plot_membership_available, plot_membership_write, NULL },
	{ "model-selection", "Choice of the number of groups",
	  "The score of each candidate number of groups k under each criterion; the red ring "
	  "and dashed line mark the k that was chosen.",
	  plot_model_selection_available, plot_model_selection_write, NULL },
	{ "training", "Training curves",
	  "Loss of the whole model, then each task's ROC-AUC (its loss when no AUC was "
	  "recorded), on the training split (dashed) and the validation split (solid) after "
	  "each epoch, in the colour of the task's group; task panels share one scale, and when "
	  "the data maps summarise only some epochs, those are shaded. A validation curve that falls "
	  "while its training curve rises is a task starting to overfit.",
	  plot_training_available, plot_training_write, plot_training_note },
	{ "evaluations", "Held-out comparison of groupings",
	  "Mean held-out ROC-AUC over tasks of models trained with each grouping and baseline "
	  "(bars: standard deviation across seeds; red: the grouping shown in this report); "
	  "further right is better.",
	  plot_evaluations_available, plot_evaluations_write, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

static void release_points(struct report_points *points)
{
	free(points->variability);
	free(points->confidence);
	free(points->correctness);
}

void report_data_release(struct report_data *data)
{
	free((char *)data->run.name);
	free((char *)data->run.kind);
	free((char *)data->run.status);
	free((char *)data->run.config_json);
	free((char *)data->run.dataset_name);
	free((char *)data->run.taskmap_version);
	free((char *)data->run.started_at);
	free((char *)data->run.finished_at);
	free((char *)data->run.message);
	free((char *)data->dataset.name);
	free((char *)data->dataset.source_path);
	free((char *)data->dataset.sha256);
	free((char *)data->dataset.format);
	free((char *)data->analysis.config_json);
	free((char *)data->analysis.created_at);
	for (size_t t = 0; t < data->n_tasks; t++) {
		free(data->tasks[t].name);
		free(data->tasks[t].excluded);
	}
	free(data->tasks);
	free(data->shown);
	free(data->relatedness);
	free(data->membership);
	free(data->branches);
	free(data->coords);
	free(data->score_clustering);
	for (size_t s = 0; s < data->n_scores; s++)
		free(data->scores[s].criterion);
	free(data->scores);
	free(data->epochs);
	free(data->metrics);
	for (size_t e = 0; e < data->n_evaluations; e++) {
		free((char *)data->evaluations[e].label);
		free((char *)data->evaluations[e].kind);
	}
	free(data->evaluations);
	for (size_t p = 0; data->panel_points && p < data->n_panels; p++)
		release_points(&data->panel_points[p]);
	free(data->panel_points);
	free(data->panels);
	free(data->panel_roles);
	release_points(&data->focus_points);
	if (data->source.own_tree)
		tm_grouping_free(data->source.tree);
	tm_grouping_free(data->source.grouping);
	tm_matrix_free(data->source.matrix);
	*data = (struct report_data){ 0 };
}

static int make_directory(const char *dir, struct tm_error *err)
{
	struct stat info;

	if (mkdir(dir, 0777) == 0 || (errno == EEXIST && stat(dir, &info) == 0 &&
				       S_ISDIR(info.st_mode)))
		return 0;
	return tm_error_set(err, TM_ERR_IO, "cannot create the report directory '%s': %s", dir,
			    errno == EEXIST ? "a file is in the way" : strerror(errno));
}

/* remove_pictures - old pictures of @name, so none outlives a failed redraw. */
static void remove_pictures(const char *dir, const char *name)
{
	static const char *const extensions[] = { "svg", "png", "svg.log", "png.log" };

	for (size_t e = 0; e < sizeof(extensions) / sizeof(extensions[0]); e++) {
		char *path = NULL;

		if (asprintf(&path, "%s/%s.%s", dir, name, extensions[e]) >= 0)
			unlink(path);
		free(path);
	}
}

/* draw - run gnuplot on one plot's script for each wanted format. */
static void draw(const char *gnuplot, const struct tm_report_options *options,
		 struct report_plot_state *state)
{
	const char *formats[2] = { "svg", "png" };
	size_t n_formats = options->flags & TM_REPORT_PNG ? 2 : 1;
	struct tm_error failure = { 0 };
	char script[64], output[64];

	snprintf(script, sizeof(script), "%s.gp", state->plot->name);
	state->drawn = 1;
	for (size_t f = 0; f < n_formats; f++) {
		snprintf(output, sizeof(output), "%s.%s", state->plot->name, formats[f]);
		if (tm_report_run_gnuplot(gnuplot, options->out_dir, script, formats[f], output,
					  &failure) < 0) {
			state->drawn = 0;
			report_printf(state->reason, sizeof(state->reason), "%s", failure.message);
			return;
		}
	}
}

/* plot_all - write and draw every available plot; counts go to @outcome. */
static int plot_all(const struct report_data *data, const struct tm_report_options *options,
		    const char *gnuplot, struct report_plot_state *states, size_t *n_states,
		    struct tm_report_outcome *outcome, const struct tm_progress *progress,
		    struct tm_error *err)
{
	size_t total = 0;
	int rc;

	for (const struct report_plot *plot = report_plots; plot->name; plot++)
		total += plot->available(data) != 0;
	*n_states = 0;
	for (const struct report_plot *plot = report_plots; plot->name; plot++) {
		struct report_plot_state *state = &states[*n_states];

		if (!plot->available(data))
			continue;
		*state = (struct report_plot_state){ .plot = plot };
		remove_pictures(options->out_dir, plot->name);
		if ((rc = plot->write(data, options->out_dir, plot->name, err)) < 0)
			return rc;
		if (gnuplot)
			draw(gnuplot, options, state);
		else
			snprintf(state->reason, sizeof(state->reason), "gnuplot not found");
		outcome->plots_planned++;
		outcome->plots_drawn += state->drawn;
		(*n_states)++;
		if (tm_progress_report(progress, "plots", (double)*n_states, (double)total,
				       plot->name))
			return tm_error_set(err, TM_ERR_INTERRUPTED, "interrupted");
	}
	return 0;
}

/* compose_notice - one sentence on what the report lacks. */
static void compose_notice(const struct tm_report_outcome *outcome,
			   const struct report_plot_state *states, size_t n_states,
			   const char *why_no_gnuplot, char *notice, size_t size)
{
	notice[0] = '\0';
	if (!outcome->gnuplot_found && outcome->plots_planned) {
		report_printf(notice, size, "%s, so the %zu plots of this report were not drawn "
			 "(install gnuplot, e.g. apt install gnuplot-nox, and run taskmap report "
			 "again; each plot's .gp and .dat files are already here)",
			 why_no_gnuplot, outcome->plots_planned);
		return;
	}
	for (size_t s = 0; s < n_states; s++)
		if (!states[s].drawn) {
			report_printf(notice, size, "%zu of %zu plots could not be drawn; the first, %s: %s",
				 outcome->plots_planned - outcome->plots_drawn, outcome->plots_planned,
				 states[s].plot->name, states[s].reason);
			return;
		}
}

int tm_report_write(struct tm_store *store, const struct tm_report_options *options,
		    struct tm_report_outcome *outcome, const struct tm_progress *progress,
		    struct tm_error *err)
{
	struct report_data data = { 0 };
	struct report_plot_state states[sizeof(report_plots) / sizeof(report_plots[0])];
	struct tm_report_outcome local = { 0 };
	struct tm_error missing = { 0 };
	char *gnuplot = NULL;
	size_t n_states = 0;
	int rc;

	if (!outcome)
		outcome = &local;
	*outcome = (struct tm_report_outcome){ 0 };
	if (!options || !options->out_dir || !*options->out_dir)
		return tm_error_set(err, TM_ERR_USAGE, "no output directory given");
	if ((rc = report_gather(store, options, &data, err)) < 0 ||
	    (rc = report_arrange(store, options, &data, err)) < 0 ||
	    (rc = make_directory(options->out_dir, err)) < 0)
		goto out;
	outcome->run_id = data.run.id;
	outcome->analysis_id = data.analysis.id;
	outcome->grouping_id = data.grouping.id;
	rc = tm_report_find_gnuplot(options->gnuplot, &gnuplot, &missing);
	if (rc == TM_ERR_NOMEM)
		goto out;
	outcome->gnuplot_found = gnuplot != NULL;
	if ((rc = plot_all(&data, options, gnuplot, states, &n_states, outcome, progress, err)) < 0)
		goto out;
	compose_notice(outcome, states, n_states, missing.message, outcome->notice,
		       sizeof(outcome->notice));
	if ((rc = report_write_file(options->out_dir, "index.html", report_writer_html, &data,
				    states, n_states, options, outcome->notice, err)) < 0)
		goto out;
	rc = report_write_file(options->out_dir, "report.md", report_writer_markdown, &data,
			       states, n_states, options, outcome->notice, err);
out:
	free(gnuplot);
	report_data_release(&data);
	return rc;
}
