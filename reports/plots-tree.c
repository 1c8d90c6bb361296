/*
 * plots-tree.c - the dendrogram: the agglomerative merge tree with leaves in
 * display order, each branch coloured by the group all its leaves share
 * (grey where groups meet), and the height at which the tree is cut into
 * the grouping's k groups. Also the leaf order of a SciPy-style merge tree,
 * which orders every other task-by-task plot.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

int report_leaf_order(const struct tm_merge_step *steps, size_t n_leaves, size_t *order,
		      struct tm_error *err)
{
	size_t *stack = NULL, depth = 0, filled = 0;
	int rc = 0;

	if (n_leaves == 1) {
		order[0] = 0;
		return 0;
	}
	if (!(stack = malloc(2 * n_leaves * sizeof(*stack))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	stack[depth++] = 2 * n_leaves - 2; /* the root: the node made by the last step */
	while (depth > 0) {
		size_t node = stack[--depth];
		const struct tm_merge_step *step;

		if (node < n_leaves) {
			if (filled == n_leaves)
				break;
			order[filled++] = node;
			continue;
		}
		step = &steps[node - n_leaves];
		if (step->left_node < 0 || step->right_node < 0 ||
		    (size_t)step->left_node >= node || (size_t)step->right_node >= node ||
		    depth + 2 > 2 * n_leaves)
			break;
		stack[depth++] = (size_t)step->right_node; /* left comes out first */
		stack[depth++] = (size_t)step->left_node;
	}
	if (filled != n_leaves || depth != 0)
		rc = tm_error_set(err, TM_ERR_INPUT, "the merge tree is malformed");
	free(stack);
	return rc;
}

int plot_dendrogram_available(const struct report_data *data)
{
	return data->branches != NULL && data->n_branches + 1 == data->n_shown &&
	       data->n_shown >= 2;
}

static double top_height(const struct report_data *data)
{
	double top = 0;

	for (size_t b = 0; b < data->n_branches; b++)
		if (isfinite(data->branches[b].height))
			top = fmax(top, data->branches[b].height);
	return top > 0 ? top : 1;
}

static void write_branches(FILE *dat, const struct report_data *data)
{
	for (size_t b = 0; b < data->n_branches; b++) {
		const struct report_branch *branch = &data->branches[b];
		unsigned color = branch->group >= 0 ? plot_group_color(branch->group) : 0x777777;

		fprintf(dat, "%.9g\t%.9g\t%u\n%.9g\t%.9g\t%u\n%.9g\t%.9g\t%u\n%.9g\t%.9g\t%u\n\n",
			branch->x_left, branch->h_left, color, branch->x_left, branch->height, color,
			branch->x_right, branch->height, color, branch->x_right, branch->h_right,
			color);
	}
}

int plot_dendrogram_write(const struct report_data *data, const char *dir, const char *name,
			  struct tm_error *err)
{
	size_t n = data->n_shown;
	FILE *dat = NULL, *gp = NULL;
	char file[64];
	double names;
	int rc, height;

	snprintf(file, sizeof(file), "%s.dat", name);
	if (!(dat = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	fputs("# branches: x, height, colour (0xRRGGBB); one polyline per merge\n", dat);
	write_branches(dat, data);
	fputs("\n# task labels (position, name)\n", dat);
	plot_write_task_labels(dat, data);
	if ((rc = report_close(dat, dir, file, err)) < 0)
		return rc;

	snprintf(file, sizeof(file), "%s.gp", name);
	if (!(gp = report_open(dir, file, err)))
		return err ? err->code : TM_ERR_IO;
	/* the tree keeps its height and the canvas grows with the names below it */
	names = plot_tick_label_width(data) + 16;
	height = (int)ceil(16 + 300 + names);
	plot_begin(gp, name, 900, height);
	plot_margins(gp, 900, height, 70, 20, names, 16);
	fprintf(gp, "set xrange [0.5:%zu.5]\nset yrange [0:%.9g]\n"
		"set xtics rotate by 90 right noenhanced font %s scale 0\n"
		"set border 2 lw 0.8 lc rgb '#555555'\n"
		"set ylabel 'merge distance'\n"
		"set grid ytics back lc rgb '#e8e8e8' lw 0.6\n",
		n, top_height(data) * 1.04, plot_tick_font(n));
	if (isfinite(data->cut_height))
		fprintf(gp, "set arrow 1 from graph 0, first %.9g to graph 1, first %.9g nohead "
			"dt 2 lw 1 lc rgb '#888888' back\n"
			"set label 1 'cut: k = %lld' at graph 1, first %.9g right offset 0,0.6 "
			"textcolor rgb '#666666' font ',9'\n",
			data->cut_height, data->cut_height, (long long)data->k, data->cut_height);
	fprintf(gp, "plot '%s.dat' index 0 using 1:2:3 with lines lw 1.3 lc rgb variable, \\\n"
		"\t'' index 1 using 1:(-1e30):xticlabels(2) with points\n", name);
	return report_close(gp, dir, file, err);
}
