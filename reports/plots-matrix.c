/*
 * plots-matrix.c - the two heatmaps: task relatedness (tasks x tasks in
 * display order, i.e. dendrogram leaf order, with a frame around each
 * group's block) and soft group membership (tasks x groups, the view of
 * STG-MTL's paper). Values go to the .dat as an image grid; task names go
 * to the .dat as a label block read with xticlabels/yticlabels, never into
 * the script.
 */
#include <math.h>

#include "internal.h"

void plot_write_task_labels(FILE *dat, const struct report_data *data)
{
	size_t step = plot_tick_step(data->n_shown);

	for (size_t i = 0; i < data->n_shown; i += step) {
		fprintf(dat, "%zu\t", i + 1);
		plot_put_label(dat, data->tasks[data->shown[i]].name);
		putc('\n', dat);
	}
}

const char *plot_tick_font(size_t n)
{
	return n <= 24 ? "',9'" : n <= 48 ? "',8'" : "',7'";
}

double plot_tick_label_width(const struct report_data *data)
{
	size_t step = plot_tick_step(data->n_shown), longest = 1;
	/* the size plot_tick_font chose, and a sans glyph's average width of 0.62 em and a little room */
	double size = data->n_shown <= 24 ? 9 : data->n_shown <= 48 ? 8 : 7;

	for (size_t i = 0; i < data->n_shown; i += step) {
		size_t chars = plot_label_chars(data->tasks[data->shown[i]].name);

		longest = chars > longest ? chars : longest;
	}
	return 0.66 * size * (double)longest;
}

void plot_margins(FILE *gp, int width, int height, double left, double right, double bottom,
		  double top)
{
	fprintf(gp, "# margins in pixels: %.0f left, %.0f right, %.0f bottom, %.0f top\n"
		"set lmargin at screen %.6f\nset rmargin at screen %.6f\n"
		"set bmargin at screen %.6f\nset tmargin at screen %.6f\n", left, right, bottom, top,
		left / width, 1 - right / width, bottom / height, 1 - top / height);
}

/*
 * image_style - sharp cells: a rectangle per cell (" pixels") while that
 * stays small; beyond, the terminal's embedded bitmap, which browsers smooth
 * but whose cells are then a pixel or less anyway.
 */
static const char *image_style(size_t cells)
{
	return cells <= 160 * 160 ? " pixels" : "";
}

int plot_relatedness_available(const struct report_data *data)
{
	return data->relatedness != NULL && data->n_shown >= 2;
}

/* offdiagonal_range - min and max of the finite off-diagonal entries. */
static void offdiagonal_range(const struct report_data *data, double *low, double *high)
{
	size_t n = data->n_shown;

	*low = INFINITY;
	*high = -INFINITY;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double v = data->relatedness[i * n + j];

			if (i != j && isfinite(v)) {
				*low = fmin(*low, v);
				*high = fmax(*high, v);
			}
		}
	if (!isfinite(*low)) {
		*low = 0;
		*high = 1;
	} else if (*high - *low < 1e-12) {
		*low -= 0.5;
		*high += 0.5;
	}
}

/* write_group_frames - a frame around each run of equal groups in display order. */
static void write_group_frames(FILE *gp, const struct report_data *data, int square)
{
	size_t n = data->n_shown, start = 0, object = 1;

	for (size_t i = 1; i <= n; i++) {
		int64_t group = data->tasks[data->shown[start]].group;

		if (i < n && data->tasks[data->shown[i]].group == group)
			continue;
		if (group >= 0 && square)
			fprintf(gp, "set object %zu rectangle from %g,%g to %g,%g front "
				"fillstyle empty border lc rgb '#111111' lw 1.4\n",
				object++, start + 0.5, start + 0.5, i + 0.5, i + 0.5);
		else if (group >= 0 && i < n)
			fprintf(gp, "set arrow %zu from %g,graph 0 to %g,graph 1 nohead front "
				"lc rgb '#ffffff' lw 1.2\n", object++, i + 0.5, i + 0.5);
		start = i;
	}
}

int plot_relatedness_write(const struct report_data *data, const char *dir, const char *name,
			   struct tm_error *err)
{
	size_t n = data->n_shown, labels;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	double low, high, side, names;
	int rc, width, height;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			fprintf(dat, "%zu\t%zu\t", j + 1, i + 1);
			plot_put_number(dat, data->relatedness[i * n + j]);
			putc('\n', dat);
		}
		putc('\n', dat);
	}
	fputs("\n# task labels (position, name)\n", dat);
	plot_write_task_labels(dat, data);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	offdiagonal_range(data, &low, &high);
	/* the matrix keeps its size and the canvas grows with the names beside it */
	labels = (n + plot_tick_step(n) - 1) / plot_tick_step(n);
	side = fmax(440, (double)labels * (n <= 24 ? 13 : n <= 48 ? 12 : 11));
	names = plot_tick_label_width(data) + 16;
	width = (int)ceil(names + side + 130);
	height = (int)ceil(names + side + 16);
	plot_begin(gp, name, width, height);
	plot_margins(gp, width, height, names, 130, names, 16);
	fprintf(gp, "set size ratio -1\n"
		"set xrange [0.5:%zu.5]\nset yrange [%zu.5:0.5]\n"
		"set xtics rotate by 90 right noenhanced font %s scale 0\n"
		"set ytics noenhanced font %s scale 0\n"
		"set border 15 lw 0.8 lc rgb '#555555'\n"
		"set object 99 rectangle from graph 0, graph 0 to graph 1, graph 1 behind "
		"fillstyle solid 1.0 noborder fillcolor rgb '#d9d9d9' # undefined cells\n"
		"set cbrange [%.9g:%.9g]\nset cbtics scale 0.5\n",
		n, n, plot_tick_font(n), plot_tick_font(n), low, high);
	fputs("set cblabel ", gp);
	plot_put_string(gp, data->matrix_kind ? data->matrix_kind : "relatedness");
	fputs(" . ' (' . ", gp);
	plot_put_string(gp, data->estimator ? data->estimator : "?");
	fputs(" . ')' noenhanced offset 1,0\n", gp);
	write_group_frames(gp, data, 1);
	fprintf(gp, "plot '%s.dat' index 0 using 1:2:3 with image%s, \\\n"
		"\t'' index 1 using 1:(-1e30):xticlabels(2) with points, \\\n"
		"\t'' index 1 using (-1e30):1:yticlabels(2) with points\n", name, image_style(n * n));
	return report_close(gp, dir, file, err);
}

int plot_membership_available(const struct report_data *data)
{
	return data->membership != NULL && data->k >= 1 && data->n_shown >= 1;
}

int plot_membership_write(const struct report_data *data, const char *dir, const char *name,
			  struct tm_error *err)
{
	size_t n = data->n_shown, k = (size_t)data->k;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	double rows, names;
	int rc, height;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	for (size_t g = 0; g < k; g++) {
		for (size_t i = 0; i < n; i++) {
			fprintf(dat, "%zu\t%zu\t", i + 1, g + 1);
			plot_put_number(dat, data->membership[i * k + g]);
			putc('\n', dat);
		}
		putc('\n', dat);
	}
	fputs("\n# task labels (position, name)\n", dat);
	plot_write_task_labels(dat, data);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	rows = fmin(fmax(34.0 * (double)k, 100), 440);
	names = plot_tick_label_width(data) + 16;
	height = (int)ceil(12 + rows + names);
	plot_begin(gp, name, 900, height);
	plot_margins(gp, 900, height, 60, 110, names, 12);
	fprintf(gp, "set xrange [0.5:%zu.5]\nset yrange [%zu.5:0.5]\n"
		"set xtics rotate by 90 right noenhanced font %s scale 0\n"
		"set ytics 1,%zu,%zu scale 0\nset ylabel 'group'\n"
		"set border 15 lw 0.8 lc rgb '#555555'\n"
		"set cbrange [0:1]\nset cbtics 0.25 scale 0.5\n"
		"set cblabel 'membership' offset 1,0\n",
		n, k, plot_tick_font(n), k > 20 ? (k + 19) / 20 : 1, k);
	write_group_frames(gp, data, 0);
	fprintf(gp, "plot '%s.dat' index 0 using 1:2:3 with image%s, \\\n"
		"\t'' index 1 using 1:(-1e30):xticlabels(2) with points\n", name,
		image_style(n * k));
	return report_close(gp, dir, file, err);
}
