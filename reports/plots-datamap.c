/*
 * plots-datamap.c - data maps (Swayamdipta et al. 2020): per training
 * sample of a task, variability (x) against confidence (y), coloured by
 * correctness. Small multiples of the most and least typical task of each
 * group share axes and one colour bar; `--task NAME` gets a full-size map.
 * Panel titles are task names as escaped single-quoted strings, noenhanced.
 */
#include <math.h>

#include "internal.h"

int plot_datamaps_available(const struct report_data *data)
{
	return data->n_panels > 0 && data->panel_points != NULL;
}

int plot_datamap_focus_available(const struct report_data *data)
{
	return data->focus >= 0 && data->focus_points.n > 0;
}

static void write_points(FILE *dat, const struct report_points *points)
{
	for (size_t i = 0; i < points->n; i++) {
		plot_put_number(dat, points->variability[i]);
		putc('\t', dat);
		plot_put_number(dat, points->confidence[i]);
		putc('\t', dat);
		plot_put_number(dat, points->correctness[i]);
		putc('\n', dat);
	}
	if (points->n == 0)
		fputs("NaN\tNaN\tNaN\n", dat); /* keeps the block: an empty one would shift indices */
}

static const char axes_setup[] =
	"set yrange [0:1]\nset cbrange [0:1]\n"
	"set xtics font ',8'\nset ytics 0.25 font ',8'\nset cbtics 0.25 font ',8' scale 0.5\n"
	"set grid back lc rgb '#ececec' lw 0.6\nset border 3 lw 0.8 lc rgb '#555555'\n";

/*
 * variability_top - a shared x range for maps to be comparable: the largest
 * variability shown, rounded up to a multiple of 0.05, within [0.05, 0.5]
 * (a standard deviation of probabilities never exceeds 0.5).
 */
static double variability_top(const struct report_points *points, size_t n)
{
	double top = 0;

	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < points[p].n; i++)
			if (points[p].variability[i] > top)
				top = points[p].variability[i];
	top = ceil(top * 1.02 / 0.05) * 0.05;
	return top < 0.05 ? 0.05 : top > 0.5 ? 0.5 : top;
}

/* write_panel - one small multiple: title, group tag, axis labels on the outer panels. */
static void write_panel(FILE *gp, const struct report_data *data, size_t panel, size_t columns,
			size_t rows, const char *name)
{
	const struct report_task *task = &data->tasks[data->panels[panel]];
	size_t row = panel / columns, column = panel % columns;

	fputs("set title ", gp);
	plot_put_string(gp, task->name);
	fputs(" noenhanced font ',9'\n", gp);
	if (task->group >= 0)
		fprintf(gp, "set label 1 'group %lld, %s' at graph 0.98, graph 0.05 right "
			"font ',8' textcolor rgb '#%06x' front\n", (long long)task->group + 1,
			data->panel_roles[panel], plot_group_color(task->group));
	else
		fputs("unset label 1\n", gp);
	fprintf(gp, "set xlabel %s\nset ylabel %s\n",
		row + 1 == rows || panel + columns >= data->n_panels ? "'variability'" : "''",
		column == 0 ? "'confidence'" : "''");
	if (panel + 1 == data->n_panels)
		fputs("set colorbox user origin screen 0.925, screen 0.3 size screen 0.014, "
		      "screen 0.4\nset cblabel 'correctness' font ',9'\n", gp);
	fprintf(gp, "plot '%s.dat' index %zu using 1:2:3 with points pt 7 ps 0.3 "
		"lc palette\n", name, panel);
}

int plot_datamaps_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err)
{
	size_t columns = data->n_panels < 4 ? data->n_panels : 4;
	size_t rows = (data->n_panels + columns - 1) / columns;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	for (size_t p = 0; p < data->n_panels; p++) {
		fprintf(dat, "%s# panel %zu: variability, confidence, correctness\n",
			p ? "\n\n" : "", p + 1);
		write_points(dat, &data->panel_points[p]);
	}
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, (int)(230 * columns + 110), (int)(215 * rows + 30));
	fputs(axes_setup, gp);
	fprintf(gp, "set xrange [0:%.2f]\nunset colorbox\n",
		variability_top(data->panel_points, data->n_panels));
	fprintf(gp, "set multiplot layout %zu,%zu margins screen %.3f, screen 0.89, "
		"screen %.3f, screen %.3f spacing screen 0.035, screen %.3f\n",
		rows, columns, 75.0 / (230 * columns + 110), 45.0 / (215 * rows + 30),
		1 - 28.0 / (215 * rows + 30), 75.0 / (215 * rows + 30));
	for (size_t p = 0; p < data->n_panels; p++)
		write_panel(gp, data, p, columns, rows, name);
	fputs("unset multiplot\n", gp);
	return report_close(gp, dir, file, err);
}

int plot_datamap_focus_write(const struct report_data *data, const char *dir,
			     const char *name, struct tm_error *err)
{
	const struct report_task *task = &data->tasks[data->focus];
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	fputs("# variability, confidence, correctness\n", dat);
	write_points(dat, &data->focus_points);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, 680, 560);
	fputs(axes_setup, gp);
	fprintf(gp, "set xrange [0:%.2f]\n", variability_top(&data->focus_points, 1));
	fputs("set xtics font ',10'\nset ytics font ',10'\n"
	      "set xlabel 'variability'\nset ylabel 'confidence'\nset cblabel 'correctness'\n"
	      "set title ", gp);
	plot_put_string(gp, task->name);
	fputs(" noenhanced\n", gp);
	if (data->focus_points.n < data->focus_points.n_stored)
		fprintf(gp, "set label 1 '%zu of %zu samples shown' at graph 0.98, graph 0.04 right "
			"font ',8' textcolor rgb '#777777'\n", data->focus_points.n,
			data->focus_points.n_stored);
	fprintf(gp, "plot '%s.dat' using 1:2:3 with points pt 7 ps 0.45 lc palette\n", name);
	return report_close(gp, dir, file, err);
}
