/*
 * content.c - what the report says, written once for both formats through a
 * struct report_writer: the summary of run, dataset and analysis, notices,
 * the recommended grouping, flagged tasks, each plot with its caption, the
 * evaluations, every task, and the configuration.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

const char *report_format_number(char *buffer, size_t size, double value, int digits)
{
	if (!isfinite(value))
		snprintf(buffer, size, "–");
	else
		snprintf(buffer, size, "%.*f", digits, value);
	return buffer;
}

void report_printf(char *buffer, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buffer, size, fmt, ap);
	va_end(ap);
}

char *report_pretty_json(const char *json)
{
	json_t *value = json ? json_loads(json, 0, NULL) : NULL;
	char *pretty;

	if (!value)
		return strdup(json ? json : "");
	pretty = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(value);
	return pretty;
}

/* ---- small pieces -------------------------------------------------------------- */

static void textf(struct report_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void textf(struct report_writer *w, const char *fmt, ...)
{
	char buffer[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buffer, sizeof(buffer), fmt, ap);
	va_end(ap);
	w->text(w, buffer);
}

static void cell_text(struct report_writer *w, const char *text, int numeric)
{
	w->cell(w, 1, numeric);
	w->text(w, text ? text : "");
	w->cell(w, 0, numeric);
}

static void cell_number(struct report_writer *w, double value, int digits)
{
	char buffer[48];

	cell_text(w, report_format_number(buffer, sizeof(buffer), value, digits), 1);
}

static void summary_row(struct report_writer *w, const char *item, const char *value)
{
	w->row(w, 1);
	cell_text(w, item, 0);
	cell_text(w, value ? value : "–", 0);
	w->row(w, 0);
}

static size_t count_excluded(const struct report_data *data)
{
	size_t n = 0;

	for (size_t t = 0; t < data->n_tasks; t++)
		n += data->tasks[t].excluded != NULL;
	return n;
}

/* ---- sections ---------------------------------------------------------------- */

static void write_lead(struct report_writer *w, const struct report_data *data)
{
	w->paragraph(w, 1, NULL);
	w->text(w, "Run ");
	w->strong(w, data->run.name);
	if (data->run.dataset_name) {
		w->text(w, " on dataset ");
		w->strong(w, data->run.dataset_name);
	}
	textf(w, ": %zu tasks, %lld training samples, %lld of %lld epochs (%s).",
	      data->n_tasks, (long long)data->run.n_train_samples,
	      (long long)data->run.epochs_done, (long long)data->run.n_epochs,
	      data->run.status ? data->run.status : "?");
	if (data->grouping.id)
		textf(w, " The analysis recommends %lld group%s.", (long long)data->k,
		      data->k == 1 ? "" : "s");
	w->paragraph(w, 0, NULL);
}

static void write_notices(struct report_writer *w, const struct report_data *data,
			  const char *notice)
{
	if (notice && *notice) {
		w->paragraph(w, 1, "notice");
		/* the space outside: "**x: **" is no strong emphasis in CommonMark */
		w->strong(w, "Missing from this report:");
		w->text(w, " ");
		w->text(w, notice);
		w->text(w, ".");
		w->paragraph(w, 0, "notice");
	}
	if (!data->analysis.id) {
		w->paragraph(w, 1, "note");
		w->text(w, "This run has not been analysed yet, so there is no relatedness, grouping "
			   "or data map; run ");
		w->code(w, "taskmap analyze");
		w->text(w, " and then this report again.");
		w->paragraph(w, 0, "note");
	} else if (!data->grouping.id) {
		w->paragraph(w, 1, "note");
		w->text(w, "The analysis holds no grouping of the tasks.");
		w->paragraph(w, 0, "note");
	}
}

static void write_summary(struct report_writer *w, const struct report_data *data)
{
	static const char *const headers[] = { "", "" };
	static const int numeric[] = { 0, 0 };
	char line[256], a[32];

	w->heading(w, 2, "Summary");
	w->table_begin(w, 2, headers, numeric);
	snprintf(line, sizeof(line), "%s (id %lld, %s, seed %lld), taskmap %s",
		 data->run.name, (long long)data->run.id, data->run.kind ? data->run.kind : "?",
		 (long long)data->run.seed,
		 data->run.taskmap_version ? data->run.taskmap_version : "?");
	summary_row(w, "Run", line);
	if (data->run.started_at) {
		snprintf(line, sizeof(line), "%s / %s", data->run.started_at,
			 data->run.finished_at ? data->run.finished_at : "–");
		summary_row(w, "Started / finished", line);
	}
	if (data->dataset.id) {
		snprintf(line, sizeof(line), "%s (%s): %lld samples, %lld features, %lld tasks",
			 data->dataset.name ? data->dataset.name : "?",
			 data->dataset.format ? data->dataset.format : "?",
			 (long long)data->dataset.n_samples, (long long)data->dataset.n_features,
			 (long long)data->dataset.n_tasks);
		summary_row(w, "Dataset", line);
		summary_row(w, "Source", data->dataset.source_path);
	}
	snprintf(line, sizeof(line), "%zu (%zu analysed, %zu excluded)", data->n_tasks,
		 data->n_shown, count_excluded(data));
	summary_row(w, "Tasks", line);
	if (data->analysis.id) {
		snprintf(line, sizeof(line), "%lld, epochs %lld to %lld, %s",
			 (long long)data->analysis.id, (long long)data->analysis.epoch_from + 1,
			 (long long)data->analysis.epoch_to,
			 data->analysis.created_at ? data->analysis.created_at : "?");
		summary_row(w, "Analysis", line);
	}
	if (data->estimator) {
		snprintf(line, sizeof(line), "%s (%s)", data->estimator,
			 data->matrix_kind ? data->matrix_kind : "?");
		summary_row(w, "Relatedness", line);
	}
	if (data->grouping.id) {
		snprintf(line, sizeof(line), "%s, k = %lld%s%s, mean stability %s%s",
			 data->grouping.clustering ? data->grouping.clustering : "?",
			 (long long)data->k, data->grouping.k_criterion ? " chosen by " : "",
			 data->grouping.k_criterion ? data->grouping.k_criterion : "",
			 report_format_number(a, sizeof(a), data->grouping.stability, 2),
			 data->grouping.unstable ? " (flagged unstable)" : "");
		summary_row(w, "Grouping", line);
	}
	w->table_end(w);
}

static void write_group_tasks(struct report_writer *w, const struct report_data *data,
			      int64_t group)
{
	int first = 1;

	w->cell(w, 1, 0);
	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];

		if (task->group != group)
			continue;
		if (!first)
			w->text(w, ", ");
		w->text(w, task->name);
		first = 0;
	}
	w->cell(w, 0, 0);
}

static double group_stability(const struct report_data *data, int64_t group)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];

		if (task->group == group && isfinite(task->stability)) {
			sum += task->stability;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

static void write_grouping(struct report_writer *w, const struct report_data *data)
{
	static const char *const headers[] = { "group", "tasks", "stability", "members" };
	static const int numeric[] = { 0, 1, 1, 0 };
	char buffer[32];

	if (!data->grouping.id)
		return;
	w->heading(w, 2, "Recommended grouping");
	w->paragraph(w, 1, NULL);
	w->text(w, "Train the tasks of each row together, as one multi-task model per group. "
		   "Stability is the fraction of bootstrap resamples that keep a task in its group.");
	w->paragraph(w, 0, NULL);
	w->table_begin(w, 4, headers, numeric);
	for (int64_t g = 0; g < data->k; g++) {
		w->row(w, 1);
		w->cell(w, 1, 0);
		w->swatch(w, plot_group_color(g));
		textf(w, "%lld", (long long)g + 1);
		w->cell(w, 0, 0);
		snprintf(buffer, sizeof(buffer), "%zu", report_group_size(data, g));
		cell_text(w, buffer, 1);
		cell_number(w, group_stability(data, g), 2);
		write_group_tasks(w, data, g);
		w->row(w, 0);
	}
	w->table_end(w);
}

static void write_flag_item(struct report_writer *w, const char *name, const char *why)
{
	w->item(w, 1);
	w->strong(w, name);
	w->text(w, ": ");
	w->text(w, why);
	w->item(w, 0);
}

static void write_flags(struct report_writer *w, const struct report_data *data)
{
	char why[160], a[32];
	int any = 0;

	w->heading(w, 2, "Flagged tasks");
	for (size_t t = 0; t < data->n_tasks; t++) {
		const struct report_task *task = &data->tasks[t];

		if (!(task->flags & (REPORT_TASK_UNSTABLE | REPORT_TASK_ALONE)) && !task->excluded)
			continue;
		if (!any++)
			w->list(w, 1);
		if (task->excluded)
			write_flag_item(w, task->name, task->excluded);
		if (task->flags & REPORT_TASK_ALONE)
			write_flag_item(w, task->name, "alone in its group: train it by itself");
		if (task->flags & REPORT_TASK_UNSTABLE) {
			snprintf(why, sizeof(why), "unstable: stays in its group in only %s %% "
				 "of bootstrap resamples (below %.0f %%)",
				 report_format_number(a, sizeof(a), floor(100 * task->stability), 0),
				 100 * REPORT_UNSTABLE_BELOW);
			write_flag_item(w, task->name, why);
		}
	}
	if (any) {
		w->list(w, 0);
		return;
	}
	w->paragraph(w, 1, NULL);
	w->text(w, "None: no task is excluded, alone in its group, or unstable.");
	w->paragraph(w, 0, NULL);
}

static void write_figures(struct report_writer *w, const struct report_data *data,
			  const struct report_plot_state *plots, size_t n_plots)
{
	w->heading(w, 2, "Plots");
	for (size_t p = 0; p < n_plots; p++) {
		if (plots[p].drawn) {
			char note[512] = "", caption[1536];

			if (plots[p].plot->note)
				plots[p].plot->note(data, note, sizeof(note));
			report_printf(caption, sizeof(caption), "%s%s%s", plots[p].plot->caption,
				      *note ? " " : "", note);
			w->figure(w, plots[p].plot->name, plots[p].plot->title, caption);
			continue;
		}
		w->paragraph(w, 1, "note");
		w->strong(w, plots[p].plot->title);
		w->text(w, ": not drawn (");
		w->text(w, plots[p].reason);
		w->text(w, "); its data and script are ");
		w->code(w, plots[p].plot->name);
		w->text(w, ".dat and .gp.");
		w->paragraph(w, 0, "note");
	}
	if (n_plots == 0) {
		w->paragraph(w, 1, NULL);
		w->text(w, "The run holds nothing to plot yet.");
		w->paragraph(w, 0, NULL);
	}
}

static void write_evaluations(struct report_writer *w, const struct report_data *data)
{
	static const char *const headers[] = { "evaluation", "kind", "seeds", "models",
					       "ROC-AUC", "sd", "Δm %", "neg. transfer",
					       "F1", "accuracy", "seconds" };
	static const int numeric[] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	char buffer[32];

	if (data->n_evaluations == 0)
		return;
	w->heading(w, 2, "Evaluations");
	w->paragraph(w, 1, NULL);
	w->text(w, "Held-out results of models trained with each grouping (taskmap evaluate): "
		   "mean ROC-AUC over tasks and its sd across seeds; Δm is the mean relative "
		   "ROC-AUC change against the single-task models of the same evaluation, in %; "
		   "neg. transfer counts the tasks below their single-task model beyond noise; "
		   "seconds is the training time. Each evaluation's rows start with its "
		   "single-task reference (#N numbers them when there are several).");
	w->paragraph(w, 0, NULL);
	w->table_begin(w, 11, headers, numeric);
	for (size_t e = 0; e < data->n_evaluations; e++) {
		const struct tm_evaluation_summary *evaluation = &data->evaluations[e];

		w->row(w, 1);
		cell_text(w, evaluation->label, 0);
		cell_text(w, evaluation->kind, 0);
		snprintf(buffer, sizeof(buffer), "%lld", (long long)evaluation->n_seeds);
		cell_text(w, buffer, 1);
		snprintf(buffer, sizeof(buffer), "%lld", (long long)evaluation->models_trained);
		cell_text(w, evaluation->models_trained >= 0 ? buffer : "–", 1);
		cell_number(w, evaluation->roc_auc, 3);
		cell_number(w, evaluation->roc_auc_sd, 3);
		cell_number(w, evaluation->delta_m, 2);
		snprintf(buffer, sizeof(buffer), "%lld", (long long)evaluation->negative_transfer);
		cell_text(w, evaluation->negative_transfer >= 0 ? buffer : "–", 1);
		cell_number(w, evaluation->f1, 3);
		cell_number(w, evaluation->accuracy, 3);
		cell_number(w, evaluation->seconds, 1);
		w->row(w, 0);
	}
	w->table_end(w);
}

static void write_task_row(struct report_writer *w, const struct report_task *task)
{
	char buffer[48];

	w->row(w, 1);
	snprintf(buffer, sizeof(buffer), "%lld", (long long)task->index);
	cell_text(w, buffer, 1);
	cell_text(w, task->name, 0);
	w->cell(w, 1, 1);
	if (task->group >= 0) {
		w->swatch(w, plot_group_color(task->group));
		textf(w, "%lld", (long long)task->group + 1);
	} else {
		w->text(w, "–");
	}
	w->cell(w, 0, 1);
	cell_number(w, task->membership, 2);
	cell_number(w, task->stability, 2);
	cell_number(w, task->confidence, 3);
	cell_number(w, task->variability, 3);
	cell_number(w, task->correctness, 3);
	snprintf(buffer, sizeof(buffer), "%lld / %lld", (long long)task->positives,
		 (long long)task->labelled);
	cell_text(w, buffer, 1);
	cell_text(w, task->excluded ? "excluded" : task->flags & REPORT_TASK_ALONE ? "alone"
		  : task->flags & REPORT_TASK_UNSTABLE ? "unstable" : "", 0);
	w->row(w, 0);
}

static void write_tasks(struct report_writer *w, const struct report_data *data)
{
	static const char *const headers[] = { "#", "task", "group", "membership", "stability",
					       "confidence", "variability", "correctness",
					       "positives / labelled", "flag" };
	static const int numeric[] = { 1, 0, 1, 1, 1, 1, 1, 1, 1, 0 };

	w->heading(w, 2, "Tasks");
	w->table_begin(w, 10, headers, numeric);
	for (size_t t = 0; t < data->n_tasks; t++)
		write_task_row(w, &data->tasks[t]);
	w->table_end(w);
}

static void write_configuration(struct report_writer *w, const struct report_data *data)
{
	char *pretty = report_pretty_json(data->run.config_json);

	w->heading(w, 2, "Configuration");
	w->heading(w, 3, "Training run");
	w->block(w, pretty ? pretty : "(out of memory)");
	free(pretty);
	if (data->analysis.id) {
		pretty = report_pretty_json(data->analysis.config_json);
		w->heading(w, 3, "Analysis");
		w->block(w, pretty ? pretty : "(out of memory)");
		free(pretty);
	}
}

void report_write_content(struct report_writer *w, const struct report_data *data,
			  const struct report_plot_state *plots, size_t n_plots,
			  const char *notice)
{
	char title[300];

	snprintf(title, sizeof(title), "taskmap report: %s", data->run.name);
	w->begin(w, title);
	write_lead(w, data);
	write_notices(w, data, notice);
	write_summary(w, data);
	write_grouping(w, data);
	write_flags(w, data);
	write_figures(w, data, plots, n_plots);
	write_evaluations(w, data);
	write_tasks(w, data);
	write_configuration(w, data);
	snprintf(title, sizeof(title), "Written by taskmap %s. Each plot's data (.dat) and gnuplot "
		 "script (.gp) are beside this page: edit and redraw with gnuplot NAME.gp.",
		 tm_version());
	w->end(w, title);
}

int report_write_file(const char *dir, const char *name, void (*setup)(struct report_writer *),
		      const struct report_data *data, const struct report_plot_state *plots,
		      size_t n_plots, const struct tm_report_options *options, const char *notice,
		      struct tm_error *err)
{
	struct report_writer writer = { .png = (options->flags & TM_REPORT_PNG) != 0 };

	setup(&writer);
	if (!(writer.out = report_open(dir, name, err)))
		return err ? err->code : TM_ERR_IO;
	report_write_content(&writer, data, plots, n_plots, notice);
	return report_close(writer.out, dir, name, err);
}
