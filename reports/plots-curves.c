/*
 * plots-curves.c - the line and dot plots: the model-selection curve (score
 * of every candidate k per criterion, the chosen k marked), training and
 * validation curves (the whole model, and per task coloured by group; the
 * epochs the data maps summarise shaded), one task's curves for --task, and
 * the held-out comparison of groupings from `taskmap evaluate`.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* ---- model selection ------------------------------------------------------- */

int plot_model_selection_available(const struct report_data *data)
{
	return data->n_scores >= 2;
}

/* count_criteria - distinct criteria in the (criterion-ordered) scores. */
static size_t count_criteria(const struct report_data *data)
{
	size_t n = 0;

	for (size_t s = 0; s < data->n_scores; s++)
		n += s == 0 || strcmp(data->scores[s].criterion, data->scores[s - 1].criterion) != 0;
	return n;
}

static void write_scores(FILE *dat, const struct report_data *data)
{
	for (size_t s = 0; s < data->n_scores; s++) {
		if (s == 0 || strcmp(data->scores[s].criterion, data->scores[s - 1].criterion) != 0)
			fprintf(dat, "%s# k, score\n", s ? "\n\n" : "");
		fprintf(dat, "%lld\t", (long long)data->scores[s].k);
		plot_put_number(dat, data->scores[s].score);
		putc('\n', dat);
	}
}

static void write_score_panel(FILE *gp, const struct report_data *data, const char *criterion,
			      size_t index, const char *name)
{
	int chosen = data->grouping.k_criterion &&
		     strcmp(data->grouping.k_criterion, criterion) == 0;

	fputs("set title ", gp);
	plot_put_string(gp, criterion);
	fprintf(gp, "%s noenhanced font ',10'\n", chosen ? " . ': used to choose k'" : "");
	fprintf(gp, "plot '%s.dat' index %zu using 1:2 with linespoints pt 7 ps 0.55 lw 1.6 "
		"lc rgb '#31688e'", name, index);
	if (data->k > 0)
		fprintf(gp, ", \\\n\t'' index %zu using 1:($1 == %lld ? $2 : NaN) with points pt 6 "
			"ps 2.2 lw 1.8 lc rgb '#e15759'", index, (long long)data->k);
	fputc('\n', gp);
}

/* score_axis - x over the candidate k, half a step beyond each end, tics on whole k. */
static void score_axis(FILE *gp, const struct report_data *data)
{
	int64_t low = data->scores[0].k, high = data->scores[0].k;

	for (size_t s = 1; s < data->n_scores; s++) {
		low = data->scores[s].k < low ? data->scores[s].k : low;
		high = data->scores[s].k > high ? data->scores[s].k : high;
	}
	fprintf(gp, "set xrange [%.1f:%.1f]\nset xtics %lld font ',9'\n", (double)low - 0.5,
		(double)high + 0.5, high - low > 24 ? (long long)(high - low + 11) / 12 : 1LL);
}

int plot_model_selection_write(const struct report_data *data, const char *dir,
			       const char *name, struct tm_error *err)
{
	size_t n_criteria = count_criteria(data), index = 0;
	size_t columns = n_criteria < 3 ? n_criteria : 3, rows = (n_criteria + 2) / 3;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	write_scores(dat, data);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, (int)(300 * columns + 60), (int)(280 * rows + 20));
	fputs("set xlabel 'number of groups k'\nset ylabel 'score'\n"
	      "set grid back lc rgb '#ececec' lw 0.6\n"
	      "set ytics font ',9'\nset offsets 0, 0, graph 0.08, graph 0.08\n", gp);
	score_axis(gp, data);
	if (data->k > 0)
		fprintf(gp, "set arrow 1 from first %lld, graph 0 to first %lld, graph 1 nohead "
			"dt 2 lw 1 lc rgb '#e15759' back\n", (long long)data->k, (long long)data->k);
	fprintf(gp, "set multiplot layout %zu,%zu\n", rows, columns);
	for (size_t s = 0; s < data->n_scores; s++)
		if (s == 0 || strcmp(data->scores[s].criterion, data->scores[s - 1].criterion) != 0)
			write_score_panel(gp, data, data->scores[s].criterion, index++, name);
	fputs("unset multiplot\n", gp);
	return report_close(gp, dir, file, err);
}

/* ---- training curves --------------------------------------------------------- */

int plot_training_available(const struct report_data *data)
{
	return data->n_epochs >= 1;
}

int plot_training_focus_available(const struct report_data *data)
{
	return data->focus >= 0 && data->n_epochs >= 1 && data->metrics != NULL;
}

static void write_epoch_losses(FILE *dat, const struct report_data *data)
{
	fputs("# epoch (1-based), train loss, validation loss\n", dat);
	for (size_t e = 0; e < data->n_epochs; e++) {
		fprintf(dat, "%lld\t", (long long)data->epochs[e].epoch + 1);
		plot_put_number(dat, data->epochs[e].train_loss);
		putc('\t', dat);
		plot_put_number(dat, data->epochs[e].valid_loss);
		putc('\n', dat);
	}
}

/* ---- per-task curves: which tasks, which metric -------------------------------- */

/* any_auc - whether some task kept a validation ROC-AUC (else the curves show losses). */
static int any_auc(const struct report_data *data)
{
	for (size_t i = 0; data->metrics && i < data->n_tasks * data->n_epochs; i++)
		if (isfinite(data->metrics[i].valid_auc))
			return 1;
	return 0;
}

static double train_value(const struct report_metric *metric, int use_auc)
{
	return use_auc ? metric->train_auc : metric->train_loss;
}

static double valid_value(const struct report_metric *metric, int use_auc)
{
	return use_auc ? metric->valid_auc : metric->valid_loss;
}

/* n_curve_tasks - tasks with curves: the ones not excluded. */
static size_t n_curve_tasks(const struct report_data *data)
{
	size_t n = 0;

	for (size_t t = 0; t < data->n_tasks; t++)
		n += data->tasks[t].excluded == NULL;
	return n;
}

size_t report_curve_tasks(const struct report_data *data, size_t *positions, const char **roles)
{
	size_t n = 0;

	if (!data->metrics)
		return 0;
	if (n_curve_tasks(data) > REPORT_MAX_CURVE_PANELS) {
		/* the data maps' panels: the most (and least) typical task of each group */
		for (size_t p = 0; p < data->n_panels && n < REPORT_MAX_CURVE_PANELS; p++) {
			positions[n] = data->panels[p];
			roles[n++] = data->panel_roles[p];
		}
		if (n > 0)
			return n;
		for (size_t i = 0; i < REPORT_MAX_CURVE_PANELS && data->n_shown > 0; i++) {
			positions[n] = data->shown[i * data->n_shown / REPORT_MAX_CURVE_PANELS];
			roles[n++] = "";
		}
		return n;
	}
	/* all of them: the analysed ones in display order, then the others */
	for (size_t i = 0; i < data->n_shown; i++) {
		positions[n] = data->shown[i];
		roles[n++] = "";
	}
	for (size_t t = 0; t < data->n_tasks; t++) {
		if (data->tasks[t].excluded || (data->tasks[t].flags & REPORT_TASK_SHOWN))
			continue;
		positions[n] = t;
		roles[n++] = "";
	}
	return n;
}

void plot_training_note(const struct report_data *data, char *buffer, size_t size)
{
	size_t positions[REPORT_MAX_CURVE_PANELS], total = n_curve_tasks(data), n;
	const char *roles[REPORT_MAX_CURVE_PANELS];
	int both = 0;

	buffer[0] = '\0';
	if (!data->metrics || total <= REPORT_MAX_CURVE_PANELS)
		return;
	n = report_curve_tasks(data, positions, roles);
	for (size_t i = 0; i < n; i++)
		both |= strcmp(roles[i], "least typical") == 0;
	if (data->n_panels == 0 || data->k == 0)
		report_printf(buffer, size, "Of the %zu tasks, %zu evenly spaced in display order "
			      "have panels of their own; the second panel overlays every task's "
			      "validation curve.", total, n);
	else if (both)
		report_printf(buffer, size, "Of the %zu tasks, the %zu of the data maps have panels "
			      "of their own (the most and least typical task of each group); the "
			      "second panel overlays every task's validation curve.", total, n);
	else
		report_printf(buffer, size, "Of the %zu tasks, the %zu of the data maps have panels "
			      "of their own (the most typical task of %s%zu groups); the second "
			      "panel overlays every task's validation curve.", total, n,
			      n < (size_t)data->k ? "the first " : "all ", n);
}

/* ---- training curves ------------------------------------------------------------- */

static void write_all_validation(FILE *dat, const struct report_data *data, int use_auc)
{
	fputs("\n\n# every task: epoch (1-based), validation value, colour (0xRRGGBB)\n", dat);
	for (size_t t = 0; t < data->n_tasks; t++) {
		const struct report_task *task = &data->tasks[t];

		if (task->excluded)
			continue;
		for (size_t e = 0; e < data->n_epochs; e++) {
			fprintf(dat, "%lld\t", (long long)data->epochs[e].epoch + 1);
			plot_put_number(dat, valid_value(&data->metrics[t * data->n_epochs + e],
							 use_auc));
			fprintf(dat, "\t%u\n", plot_group_color(task->group));
		}
		putc('\n', dat);
	}
}

static void write_task_block(FILE *dat, const struct report_data *data, size_t position,
			     size_t panel, int use_auc)
{
	const struct report_metric *metrics = &data->metrics[position * data->n_epochs];

	fprintf(dat, "\n\n# panel %zu: epoch (1-based), training value, validation value\n",
		panel + 1);
	for (size_t e = 0; e < data->n_epochs; e++) {
		fprintf(dat, "%lld\t", (long long)data->epochs[e].epoch + 1);
		plot_put_number(dat, train_value(&metrics[e], use_auc));
		putc('\t', dat);
		plot_put_number(dat, valid_value(&metrics[e], use_auc));
		putc('\n', dat);
	}
}

/* nice_step - a tic step of 1, 2 or 5 times a power of ten giving at most @most steps over @span. */
static double nice_step(double span, double most)
{
	double scale = pow(10, floor(log10(span > 0 ? span / most : 1)));
	static const double nice[] = { 1, 2, 5, 10 };

	for (size_t i = 0; i < 4; i++)
		if (span / (nice[i] * scale) <= most + 1e-9)
			return nice[i] * scale;
	return 10 * scale;
}

/* epoch_axis - x from the first to the last epoch drawn, integer tics about six to an axis. */
static void epoch_axis(FILE *gp, const struct report_data *data)
{
	long long first = data->epochs[0].epoch + 1;
	long long last = data->epochs[data->n_epochs - 1].epoch + 1;
	long long step = (long long)fmax(1, nice_step((double)(last - first), 6));

	if (last > first)
		fprintf(gp, "set xrange [%lld:%lld]\n", first, last);
	else
		fprintf(gp, "set xrange [%lld.5:%lld.5]\n", first - 1, last);
	fprintf(gp, "set xtics %lld\n", step);
}

/* write_window - shade the epochs the data maps summarise, within the epochs drawn. */
static void write_window(FILE *gp, const struct report_data *data)
{
	double first = (double)data->epochs[0].epoch + 1;
	double last = (double)data->epochs[data->n_epochs - 1].epoch + 1;
	double from, to;

	if (!data->analysis.id || data->analysis.epoch_to <= data->analysis.epoch_from)
		return;
	from = fmax(data->analysis.epoch_from + 0.5, first);
	to = fmin(data->analysis.epoch_to + 0.5, last);
	if (to > from && (from > first || to < last)) /* shading everything would say nothing */
		fprintf(gp, "set object 1 rectangle from first %.1f, graph 0 to first %.1f, graph 1 "
			"behind fillstyle solid 1.0 noborder fillcolor rgb '#f2f2f2'\n", from, to);
}

static const char curve_style[] =
	"set grid back lc rgb '#ececec' lw 0.6\n"
	"set key top right samplen 2 font ',9'\nset xtics font ',9'\nset ytics font ',9'\n"
	"set offsets 0, 0, graph 0.05, graph 0.05\n";

/* task_range - one y range for every task panel (all tasks' values), so that they compare. */
static void task_range(const struct report_data *data, int use_auc, double *low, double *high)
{
	*low = INFINITY;
	*high = -INFINITY;
	for (size_t t = 0; t < data->n_tasks; t++)
		for (size_t e = 0; !data->tasks[t].excluded && e < data->n_epochs; e++) {
			const struct report_metric *m = &data->metrics[t * data->n_epochs + e];
			double values[2] = { train_value(m, use_auc), valid_value(m, use_auc) };

			for (size_t v = 0; v < 2; v++)
				if (isfinite(values[v])) {
					*low = fmin(*low, values[v]);
					*high = fmax(*high, values[v]);
				}
		}
	if (!isfinite(*low)) {
		*low = 0;
		*high = 1;
	}
	*low = floor(*low * 20) / 20;
	*high = ceil(*high * 20) / 20;
	if (use_auc)
		*high = fmin(*high, 1);
	else
		*low = fmax(0, *low);
	if (*high - *low < 0.05)
		*high = *low + 0.05;
}

/* loss_tics - about five tics over the whole model's losses. */
static void loss_tics(FILE *gp, const struct report_data *data)
{
	double low = INFINITY, high = -INFINITY;

	for (size_t e = 0; e < data->n_epochs; e++) {
		double values[2] = { data->epochs[e].train_loss, data->epochs[e].valid_loss };

		for (size_t v = 0; v < 2; v++)
			if (isfinite(values[v])) {
				low = fmin(low, values[v]);
				high = fmax(high, values[v]);
			}
	}
	if (isfinite(low) && high > low)
		fprintf(gp, "set ytics %.9g\n", nice_step(1.1 * (high - low), 5));
}

/* panel_axes - axis labels on the outer panels only. */
static void panel_axes(FILE *gp, size_t cell, size_t n_cells, size_t columns, const char *ylabel)
{
	fprintf(gp, "set xlabel %s\nset ylabel ",
		cell + columns >= n_cells ? "'epoch' offset 0,0.4" : "''");
	if (cell % columns == 0)
		plot_put_string(gp, ylabel);
	else
		fputs("''", gp);
	fputc('\n', gp);
}

static void write_task_panel(FILE *gp, const struct report_data *data, size_t position,
			     const char *role, size_t index, int use_auc, const char *name)
{
	const struct report_task *task = &data->tasks[position];

	fputs("set title ", gp);
	plot_put_title(gp, task->name);
	fputs(" noenhanced font ',9'\n", gp);
	if (task->group >= 0)
		fprintf(gp, "set label 1 'group %lld%s%s' at graph 0.97, graph %s right font ',8' "
			"textcolor rgb '#%06x' front\n", (long long)task->group + 1, *role ? ", " : "",
			role, use_auc ? "0.07" : "0.92", plot_group_color(task->group));
	else
		fputs("unset label 1\n", gp);
	fprintf(gp, "plot '%s.dat' index %zu using 1:2 with lines lw 1.3 dt 2 lc rgb '#%06x', "
		"\\\n\t'' index %zu using 1:3 with lines lw 1.6 lc rgb '#%06x'\n", name, index,
		plot_group_color(task->group), index, plot_group_color(task->group));
}

int plot_training_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err)
{
	size_t positions[REPORT_MAX_CURVE_PANELS], n = 0, cells, columns, rows;
	const char *roles[REPORT_MAX_CURVE_PANELS];
	int use_auc = any_auc(data), overview, rc;
	const char *metric = use_auc ? "ROC-AUC" : "loss";
	double low, high;
	int width, height;
	FILE *dat = NULL, *gp = NULL;
	char file[64];

	n = report_curve_tasks(data, positions, roles);
	overview = data->metrics && n_curve_tasks(data) > n;
	cells = 1 + (size_t)overview + n;
	columns = cells < 4 ? cells : 4;
	rows = (cells + columns - 1) / columns;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	write_epoch_losses(dat, data);
	if (data->metrics)
		write_all_validation(dat, data, use_auc);
	for (size_t p = 0; p < n; p++)
		write_task_block(dat, data, positions[p], p, use_auc);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	width = (int)(235 * columns + 94);
	height = (int)(200 * rows + 80);
	plot_begin(gp, name, width, height);
	fputs(curve_style, gp);
	epoch_axis(gp, data);
	write_window(gp, data);
	fprintf(gp, "set multiplot layout %zu,%zu margins screen %.3f, screen %.3f, screen %.3f, "
		"screen %.3f spacing screen %.3f, screen %.3f\n", rows, columns, 80.0 / width,
		1 - 14.0 / width, 44.0 / height, 1 - 36.0 / height, 48.0 / width, 64.0 / height);
	panel_axes(gp, 0, cells, columns, "loss");
	loss_tics(gp, data);
	fprintf(gp, "set title 'whole model' font ',9'\n"
		"plot '%s.dat' index 0 using 1:2 with lines lw 1.3 dt 2 lc rgb '#333333' "
		"title 'training', \\\n"
		"\t'' index 0 using 1:3 with lines lw 1.6 lc rgb '#333333' title 'validation'\n", name);
	fputs("set key off\n", gp);
	if (data->metrics) {
		task_range(data, use_auc, &low, &high);
		fprintf(gp, "set yrange [%.9g:%.9g]\nset ytics %.9g\n", low, high,
			nice_step(high - low, 5));
	}
	if (overview) {
		panel_axes(gp, 1, cells, columns, metric);
		fprintf(gp, "set title 'every task, validation' font ',9'\n"
			"plot '%s.dat' index 1 using 1:2:3 with lines lw 0.7 lc rgb variable\n", name);
	}
	for (size_t p = 0; p < n; p++) {
		size_t cell = 1 + (size_t)overview + p;

		panel_axes(gp, cell, cells, columns, metric);
		write_task_panel(gp, data, positions[p], roles[p], 2 + p, use_auc, name);
	}
	fputs("unset multiplot\n", gp);
	return report_close(gp, dir, file, err);
}

int plot_training_focus_write(const struct report_data *data, const char *dir,
			      const char *name, struct tm_error *err)
{
	const struct report_metric *metrics = &data->metrics[data->focus * data->n_epochs];
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	fputs("# epoch (1-based), train loss, validation loss, train ROC-AUC, validation ROC-AUC\n",
	      dat);
	for (size_t e = 0; e < data->n_epochs; e++) {
		double values[4] = { metrics[e].train_loss, metrics[e].valid_loss,
				     metrics[e].train_auc, metrics[e].valid_auc };

		fprintf(dat, "%lld", (long long)data->epochs[e].epoch + 1);
		for (size_t v = 0; v < 4; v++) {
			putc('\t', dat);
			plot_put_number(dat, values[v]);
		}
		putc('\n', dat);
	}
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, 900, 380);
	fputs(curve_style, gp);
	fputs("set xlabel 'epoch'\n", gp);
	epoch_axis(gp, data);
	write_window(gp, data);
	fputs("set multiplot layout 1,2 title ", gp);
	plot_put_string(gp, data->tasks[data->focus].name);
	fprintf(gp, " noenhanced font ',11'\n"
		"set ylabel 'loss'\n"
		"plot '%s.dat' using 1:2 with linespoints pt 7 ps 0.4 lw 1.6 lc rgb '#31688e' "
		"title 'training', \\\n\t'' using 1:3 with linespoints pt 7 ps 0.4 lw 1.6 dt 2 "
		"lc rgb '#e15759' title 'validation'\n"
		"set ylabel 'ROC-AUC'\n"
		"set key bottom right # the curves rise: the top right is where they end\n"
		"plot '%s.dat' using 1:4 with linespoints pt 7 ps 0.4 lw 1.6 lc rgb '#31688e' "
		"title 'training', \\\n\t'' using 1:5 with linespoints pt 7 ps 0.4 lw 1.6 dt 2 "
		"lc rgb '#e15759' title 'validation'\nunset multiplot\n", name, name);
	return report_close(gp, dir, file, err);
}

/* ---- evaluations ------------------------------------------------------------- */

int plot_evaluations_available(const struct report_data *data)
{
	for (size_t e = 0; e < data->n_evaluations; e++)
		if (isfinite(data->evaluations[e].roc_auc))
			return 1;
	return 0;
}

int plot_evaluations_write(const struct report_data *data, const char *dir, const char *name,
			   struct tm_error *err)
{
	size_t n = data->n_evaluations;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	fputs("# position, mean held-out ROC-AUC, sd across seeds, shown grouping (1/0), label\n",
	      dat);
	for (size_t e = 0; e < n; e++) {
		const struct tm_evaluation_summary *evaluation = &data->evaluations[e];

		fprintf(dat, "%zu\t", e + 1);
		plot_put_number(dat, evaluation->roc_auc);
		putc('\t', dat);
		plot_put_number(dat, isfinite(evaluation->roc_auc_sd) ? evaluation->roc_auc_sd : 0);
		fprintf(dat, "\t%d\t", evaluation->grouping_id != 0 &&
			evaluation->grouping_id == data->grouping.id);
		plot_put_label(dat, evaluation->label);
		putc('\n', dat);
	}
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, 760, (int)(120 + 30 * n));
	fprintf(gp, "set yrange [%zu.6:0.4]\nset ytics noenhanced scale 0 font ',9'\n"
		"set xlabel 'mean held-out ROC-AUC over tasks (bars: sd across seeds)'\n"
		"set grid xtics back lc rgb '#ececec' lw 0.6\nset border 1 lw 0.8 lc rgb '#555555'\n"
		"set offsets graph 0.05, graph 0.05, 0, 0\n"
		"plot '%s.dat' using 2:1:3:ytic(5) with xerrorbars pt 7 ps 1.1 lw 1.4 "
		"lc rgb '#31688e', \\\n"
		"\t'' using ($4 != 0 ? $2 : NaN):1 with points pt 7 ps 1.3 lc rgb '#e15759'\n", n, name);
	return report_close(gp, dir, file, err);
}
