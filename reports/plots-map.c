/*
 * plots-map.c - the 2-D map of the tasks: classical multidimensional
 * scaling (mds.c) of the relatedness, one point per task coloured by its
 * group, named when there are few enough tasks to read the names. Names are
 * a data column drawn `with labels noenhanced`.
 */
#include <math.h>

#include "internal.h"

int plot_task_map_available(const struct report_data *data)
{
	return data->coords != NULL && data->n_shown >= 3;
}

/* coordinate_range - [low, high] of coordinate @axis with a margin of 8 %. */
static void coordinate_range(const struct report_data *data, size_t axis, double *low,
			     double *high)
{
	*low = INFINITY;
	*high = -INFINITY;
	for (size_t i = 0; i < data->n_shown; i++) {
		*low = fmin(*low, data->coords[2 * i + axis]);
		*high = fmax(*high, data->coords[2 * i + axis]);
	}
	if (!isfinite(*low) || *high - *low < 1e-12) {
		*low = (isfinite(*low) ? *low : 0) - 1;
		*high = *low + 2;
	}
	*low -= 0.08 * (*high - *low);
	*high += 0.08 * (*high - *low);
}

static void write_points(FILE *dat, const struct report_data *data)
{
	fputs("# x, y (MDS), group (0-based, -1 none), name\n", dat);
	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];

		plot_put_number(dat, data->coords[2 * i]);
		putc('\t', dat);
		plot_put_number(dat, data->coords[2 * i + 1]);
		fprintf(dat, "\t%lld\t", (long long)task->group);
		plot_put_label(dat, task->name);
		putc('\n', dat);
	}
}

static void write_colors(FILE *gp, const struct report_data *data)
{
	fputs("colors = '", gp);
	for (int64_t g = 0; g < data->k; g++)
		fprintf(gp, "%s#%06x", g ? " " : "", plot_group_color(g));
	fputs("'\n", gp);
}

int plot_task_map_write(const struct report_data *data, const char *dir, const char *name,
			struct tm_error *err)
{
	FILE *dat = NULL, *gp = NULL;
	double x_low, x_high, y_low, y_high;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	write_points(dat, data);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	coordinate_range(data, 0, &x_low, &x_high);
	coordinate_range(data, 1, &y_low, &y_high);
	plot_begin(gp, name, 760, 620);
	fprintf(gp, "set xrange [%.9g:%.9g]\nset yrange [%.9g:%.9g]\n"
		"set size ratio -1\nset border 15 lw 0.8 lc rgb '#555555'\n"
		"set xlabel 'MDS dimension 1'\nset ylabel 'MDS dimension 2'\n"
		"set grid back lc rgb '#ececec' lw 0.6\n"
		"set key outside right top vertical Left reverse samplen 1 spacing 1.1 %s\n",
		x_low, x_high, y_low, y_high, data->k > 24 ? "font ',7'" : "");
	write_colors(gp, data);
	fprintf(gp, "plot '%s.dat' using 1:($3 < 0 ? $2 : NaN) with points pt 7 ps 0.9 "
		"lc rgb '#aaaaaa'", name);
	if (data->k > 0)
		fprintf(gp, ", \\\n\tfor [g=0:%lld] '' using 1:($3 == g ? $2 : NaN) with points "
			"pt 7 ps 1.1 lc rgb word(colors, g + 1) title sprintf('group %%d', g + 1)",
			(long long)data->k - 1);
	if (data->n_shown <= REPORT_MAX_POINT_LABELS)
		fputs(", \\\n\t'' using 1:2:4 with labels offset 0,0.75 font ',8' "
		      "textcolor rgb '#333333' noenhanced", gp);
	fputc('\n', gp);
	return report_close(gp, dir, file, err);
}
