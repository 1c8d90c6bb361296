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
	fprintf(gp, "%s noenhanced font ',10'\n", chosen ? " . ' (chose k)'" : "");
	fprintf(gp, "plot '%s.dat' index %zu using 1:2 with linespoints pt 7 ps 0.55 lw 1.6 "
		"lc rgb '#31688e'", name, index);
	if (data->k > 0)
		fprintf(gp, ", \\\n\t'' index %zu using 1:($1 == %lld ? $2 : NaN) with points pt 6 "
			"ps 2.2 lw 1.8 lc rgb '#e15759'", index, (long long)data->k);
	fputc('\n', gp);
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
	      "set grid back lc rgb '#ececec' lw 0.6\nset xtics 1 font ',9'\n"
	      "set ytics font ',9'\nset offsets graph 0.04, graph 0.04, graph 0.08, graph 0.08\n", gp);
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

/* task_curve_value - validation ROC-AUC, or validation loss when no AUC was kept. */
static double task_curve_value(const struct report_metric *metric, int use_auc)
{
	return use_auc ? metric->valid_auc : metric->valid_loss;
}

static int any_valid_auc(const struct report_data *data)
{
	for (size_t i = 0; data->metrics && i < data->n_tasks * data->n_epochs; i++)
		if (isfinite(data->metrics[i].valid_auc))
			return 1;
	return 0;
}

static void write_task_curves(FILE *dat, const struct report_data *data, int use_auc)
{
	fputs("\n\n# per task: epoch (1-based), validation value, colour (0xRRGGBB)\n", dat);
	for (size_t t = 0; t < data->n_tasks; t++) {
		const struct report_task *task = &data->tasks[t];

		if (task->excluded)
			continue;
		for (size_t e = 0; e < data->n_epochs; e++) {
			fprintf(dat, "%lld\t", (long long)data->epochs[e].epoch + 1);
			plot_put_number(dat, task_curve_value(&data->metrics[t * data->n_epochs + e],
							      use_auc));
			fprintf(dat, "\t%u\n", plot_group_color(task->group));
		}
		putc('\n', dat);
	}
}

/* write_window - shade the epochs the data maps summarise. */
static void write_window(FILE *gp, const struct report_data *data)
{
	if (data->analysis.id && data->analysis.epoch_to > data->analysis.epoch_from)
		fprintf(gp, "set object 1 rectangle from first %.1f, graph 0 to first %.1f, graph 1 "
			"behind fillstyle solid 1.0 noborder fillcolor rgb '#f2f2f2'\n",
			data->analysis.epoch_from + 0.5, data->analysis.epoch_to + 0.5);
}

static const char curve_style[] =
	"set xlabel 'epoch'\nset grid back lc rgb '#ececec' lw 0.6\n"
	"set key top right samplen 2 font ',9'\nset xtics font ',9'\nset ytics font ',9'\n"
	"set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05\n";

int plot_training_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err)
{
	int per_task = data->metrics != NULL, use_auc = any_valid_auc(data), rc;
	FILE *dat = NULL, *gp = NULL;
	char file[64];

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	write_epoch_losses(dat, data);
	if (per_task)
		write_task_curves(dat, data, use_auc);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, per_task ? 900 : 520, 380);
	fputs(curve_style, gp);
	write_window(gp, data);
	if (per_task)
		fputs("set multiplot layout 1,2\n", gp);
	fprintf(gp, "set title 'whole model' font ',10'\nset ylabel 'loss (binary cross-entropy)'\n"
		"plot '%s.dat' index 0 using 1:2 with linespoints pt 7 ps 0.4 lw 1.6 "
		"lc rgb '#31688e' title 'training', \\\n"
		"\t'' index 0 using 1:3 with linespoints pt 7 ps 0.4 lw 1.6 dt 2 "
		"lc rgb '#e15759' title 'validation'\n", name);
	if (per_task)
		fprintf(gp, "set title 'each task (colour: group)' font ',10'\nset ylabel '%s'\n"
			"plot '%s.dat' index 1 using 1:2:3 with lines lw 0.9 lc rgb variable\n"
			"unset multiplot\n",
			use_auc ? "validation ROC-AUC" : "validation loss", name);
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
