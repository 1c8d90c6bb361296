/*
 * plots-map.c - the 2-D map of the tasks: classical multidimensional
 * scaling (mds.c) of the relatedness, one point per task coloured by its
 * group, named when there are few enough tasks to read the names. Names are
 * a data column drawn `with labels noenhanced`. The plot area has fixed
 * margins and ranges of its aspect, so that one data unit is a known number
 * of pixels: each name is then placed greedily at the first of several
 * offsets (right, left, above, below, then diagonals) where its estimated
 * extent (characters times an average glyph width) overlaps no name placed
 * before, no point and not the frame; failing that, where it overlaps least.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

int plot_task_map_available(const struct report_data *data)
{
	return data->coords != NULL && data->n_shown >= 3;
}

/* The canvas and its plot area in pixels (margins fixed in the script). */
#define MAP_WIDTH 760
#define MAP_HEIGHT 620
#define MAP_LEFT 70    /* tics and axis label */
#define MAP_RIGHT 130  /* the key */
#define MAP_BOTTOM 50
#define MAP_TOP 16
#define MAP_AREA_WIDTH (MAP_WIDTH - MAP_LEFT - MAP_RIGHT)
#define MAP_AREA_HEIGHT (MAP_HEIGHT - MAP_BOTTOM - MAP_TOP)
/* Names at font size 8: an average sans glyph's width and a line's height, in pixels. */
#define MAP_CHAR_WIDTH 5.0
#define MAP_LABEL_HEIGHT 11.0
#define MAP_POINT_RADIUS 4.5

/* The axes: data ranges whose aspect is the plot area's, so units are square. */
struct map_axes {
	double x_low, x_high, y_low, y_high;
	double scale; /* pixels per data unit */
};

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

/* map_axes - both ranges, the narrower widened about its centre to the area's aspect. */
static struct map_axes map_axes(const struct report_data *data)
{
	struct map_axes axes;
	double x_span, y_span, aspect = (double)MAP_AREA_WIDTH / MAP_AREA_HEIGHT;

	coordinate_range(data, 0, &axes.x_low, &axes.x_high);
	coordinate_range(data, 1, &axes.y_low, &axes.y_high);
	x_span = axes.x_high - axes.x_low;
	y_span = axes.y_high - axes.y_low;
	if (x_span / y_span < aspect) {
		double grow = (y_span * aspect - x_span) / 2;

		axes.x_low -= grow;
		axes.x_high += grow;
	} else {
		double grow = (x_span / aspect - y_span) / 2;

		axes.y_low -= grow;
		axes.y_high += grow;
	}
	axes.scale = MAP_AREA_WIDTH / (axes.x_high - axes.x_low);
	return axes;
}

/* A rectangle in plot-area pixels, y upwards. */
struct box {
	double left, right, bottom, top;
};

static double overlap(const struct box *a, const struct box *b)
{
	double width = fmin(a->right, b->right) - fmax(a->left, b->left);
	double height = fmin(a->top, b->top) - fmax(a->bottom, b->bottom);

	return width > 0 && height > 0 ? width * height : 0;
}

enum label_align { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_CENTRE };

/* Where a name may go relative to its point (pixels) and how it is justified. */
static const struct {
	double dx, dy;
	enum label_align align;
} placements[] = {
	{ 7, 0, ALIGN_LEFT }, { -7, 0, ALIGN_RIGHT }, { 0, 11, ALIGN_CENTRE },
	{ 0, -11, ALIGN_CENTRE }, { 5, 9, ALIGN_LEFT }, { 5, -9, ALIGN_LEFT },
	{ -5, 9, ALIGN_RIGHT }, { -5, -9, ALIGN_RIGHT },
};
#define N_PLACEMENTS (sizeof(placements) / sizeof(placements[0]))

/* A placed name: its anchor in data units and its justification. */
struct map_label {
	double x, y;
	enum label_align align;
};

static struct box label_box(double px, double py, size_t placement, double width)
{
	double x = px + placements[placement].dx, y = py + placements[placement].dy;
	double left = placements[placement].align == ALIGN_LEFT ? x
		: placements[placement].align == ALIGN_RIGHT ? x - width : x - width / 2;

	return (struct box){ left, left + width, y - MAP_LABEL_HEIGHT / 2, y + MAP_LABEL_HEIGHT / 2 };
}

/*
 * place_labels - a position for every shown task's name, in display order:
 * the first placement whose box overlaps nothing (names placed so far,
 * points, the outside of the area), else the one that overlaps least.
 */
static int place_labels(const struct report_data *data, const struct map_axes *axes,
			struct map_label *labels, struct tm_error *err)
{
	size_t n = data->n_shown;
	struct box *placed = NULL, *points = NULL;
	const struct box area = { 0, MAP_AREA_WIDTH, 0, MAP_AREA_HEIGHT };

	if (!(placed = malloc(n * sizeof(*placed))) || !(points = malloc(n * sizeof(*points)))) {
		free(placed);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		double px = (data->coords[2 * i] - axes->x_low) * axes->scale;
		double py = (data->coords[2 * i + 1] - axes->y_low) * axes->scale;

		points[i] = (struct box){ px - MAP_POINT_RADIUS, px + MAP_POINT_RADIUS,
					  py - MAP_POINT_RADIUS, py + MAP_POINT_RADIUS };
	}
	for (size_t i = 0; i < n; i++) {
		double px = (points[i].left + points[i].right) / 2;
		double py = (points[i].bottom + points[i].top) / 2;
		double width = MAP_CHAR_WIDTH * (double)plot_label_chars(data->tasks[data->shown[i]].name) + 2;
		double best_cost = INFINITY;
		size_t best = 0;

		for (size_t c = 0; c < N_PLACEMENTS && best_cost > 0; c++) {
			struct box box = label_box(px, py, c, width);
			/* the part outside the area counts as overlap */
			double cost = (box.right - box.left) * (box.top - box.bottom) - overlap(&box, &area);

			for (size_t j = 0; j < i; j++)
				cost += overlap(&box, &placed[j]);
			for (size_t j = 0; j < n; j++)
				cost += j == i ? 0 : overlap(&box, &points[j]);
			if (cost < best_cost - 1e-9) {
				best_cost = cost;
				best = c;
			}
		}
		placed[i] = label_box(px, py, best, width);
		labels[i] = (struct map_label){
			axes->x_low + (px + placements[best].dx) / axes->scale,
			axes->y_low + (py + placements[best].dy) / axes->scale,
			placements[best].align,
		};
	}
	free(placed);
	free(points);
	return 0;
}

static void write_points(FILE *dat, const struct report_data *data,
			 const struct map_label *labels)
{
	fputs("# x, y (MDS), group (0-based, -1 none), name, "
	      "name's x, y and justification (0 left, 1 right, 2 centred; NaN: not named)\n", dat);
	for (size_t i = 0; i < data->n_shown; i++) {
		const struct report_task *task = &data->tasks[data->shown[i]];

		plot_put_number(dat, data->coords[2 * i]);
		putc('\t', dat);
		plot_put_number(dat, data->coords[2 * i + 1]);
		fprintf(dat, "\t%lld\t", (long long)task->group);
		plot_put_label(dat, task->name);
		putc('\t', dat);
		plot_put_number(dat, labels ? labels[i].x : NAN);
		putc('\t', dat);
		plot_put_number(dat, labels ? labels[i].y : NAN);
		if (labels)
			fprintf(dat, "\t%d\n", (int)labels[i].align);
		else
			fputs("\tNaN\n", dat);
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
	static const char *const justification[] = { "left", "right", "center" };
	struct map_axes axes = map_axes(data);
	struct map_label *labels = NULL;
	int named = data->n_shown <= REPORT_MAX_POINT_LABELS, rc;
	FILE *dat = NULL, *gp = NULL;
	char file[64];

	if (named && !(labels = malloc(data->n_shown * sizeof(*labels))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	if (named && (rc = place_labels(data, &axes, labels, err)) < 0) {
		free(labels);
		return rc;
	}
	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err))) {
		free(labels);
		return err ? err->code : TM_ERR_IO;
	}
	write_points(dat, data, labels);
	free(labels);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	plot_begin(gp, name, MAP_WIDTH, MAP_HEIGHT);
	fprintf(gp, "# fixed margins and ranges of the area's aspect: names were placed for them\n"
		"set lmargin at screen %.6f\nset rmargin at screen %.6f\n"
		"set bmargin at screen %.6f\nset tmargin at screen %.6f\n"
		"set xrange [%.9g:%.9g]\nset yrange [%.9g:%.9g]\n"
		"set border 15 lw 0.8 lc rgb '#555555'\n"
		"set xlabel 'MDS dimension 1'\nset ylabel 'MDS dimension 2'\n"
		"set grid back lc rgb '#ececec' lw 0.6\n"
		"set key outside right top vertical Left reverse samplen 1 spacing 1.1 %s\n",
		(double)MAP_LEFT / MAP_WIDTH, 1 - (double)MAP_RIGHT / MAP_WIDTH,
		(double)MAP_BOTTOM / MAP_HEIGHT, 1 - (double)MAP_TOP / MAP_HEIGHT,
		axes.x_low, axes.x_high, axes.y_low, axes.y_high, data->k > 24 ? "font ',7'" : "");
	write_colors(gp, data);
	fprintf(gp, "plot '%s.dat' using 1:($3 < 0 ? $2 : NaN) with points pt 7 ps 0.9 "
		"lc rgb '#aaaaaa'", name);
	if (data->k > 0)
		fprintf(gp, ", \\\n\tfor [g=0:%lld] '' using 1:($3 == g ? $2 : NaN) with points "
			"pt 7 ps 1.1 lc rgb word(colors, g + 1) title sprintf('group %%d', g + 1)",
			(long long)data->k - 1);
	for (int a = 0; named && a < 3; a++)
		fprintf(gp, ", \\\n\t'' using ($7 == %d ? $5 : NaN):6:4 with labels %s font ',8' "
			"textcolor rgb '#333333' noenhanced", a, justification[a]);
	fputc('\n', gp);
	return report_close(gp, dir, file, err);
}
