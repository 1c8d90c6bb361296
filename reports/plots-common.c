/*
 * plots-common.c - what every plot script shares: opening and checking the
 * files in the report directory, the script head (terminal chosen by the
 * `format` variable so one script draws SVG or PNG, house style, viridis
 * palette), the group colours, numbers in data files and escaped strings.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* temporary_path - DIR/.@name.tmp, where a file is written before its rename. */
static char *temporary_path(const char *dir, const char *name)
{
	char *path = NULL;

	return asprintf(&path, "%s/.%s.tmp", dir, name) < 0 ? NULL : path;
}

FILE *report_open(const char *dir, const char *name, struct tm_error *err)
{
	char *path = temporary_path(dir, name);
	FILE *file = NULL;

	if (!path) {
		tm_error_set(err, TM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!(file = fopen(path, "w")))
		tm_error_set(err, TM_ERR_IO, "cannot write '%s/%s': %s", dir, name, strerror(errno));
	free(path);
	return file;
}

int report_close(FILE *file, const char *dir, const char *name, struct tm_error *err)
{
	char *temporary = NULL, *path = NULL;
	int failed, rc = 0;

	if (!file)
		return 0;
	errno = 0;
	failed = ferror(file);
	if (fclose(file) != 0 || failed) {
		int error = errno;

		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s/%s': %s", dir, name,
				  error ? strerror(error) : "write error");
	}
	if (!(temporary = temporary_path(dir, name)) || asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		if (rc == 0)
			rc = tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	} else if (rc == 0 && rename(temporary, path) != 0) {
		rc = tm_error_set(err, TM_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	if (rc < 0 && temporary)
		unlink(temporary);
	free(temporary);
	free(path);
	return rc;
}

/*
 * Viridis (van der Walt and Smith, matplotlib 2015) sampled at ten stops:
 * perceptually uniform and readable in grey and by colour-blind readers.
 */
static const char viridis[] =
	"set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', "
	"4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')\n";

void plot_begin(FILE *gp, const char *name, int width, int height)
{
	fprintf(gp,
		"# %s.gp - drawn by `taskmap report` from %s.dat.\n"
		"# Redraw with: gnuplot %s.gp   (PNG: gnuplot -e \"format='png'\" %s.gp)\n"
		"if (!exists('format')) format = 'svg'\n"
		"if (!exists('output')) output = '%s.' . format\n"
		"if (format eq 'png') {\n"
		"\tset terminal pngcairo enhanced size %d,%d font 'sans,10' fontscale 0.75 "
		"background rgb 'white' # cairo draws text a third larger than SVG\n"
		"} else {\n"
		"\tset terminal svg enhanced size %d,%d font 'sans,10' background rgb 'white'\n"
		"}\n"
		"set output output\n"
		"set encoding utf8\n"
		"set datafile separator \"\\t\"\n"
		"set border 3 lw 0.8 lc rgb '#555555'\n"
		"set tics nomirror out scale 0.5 textcolor rgb '#333333'\n"
		"set key noautotitle\n",
		name, name, name, name, name, width, height, width, height);
	fputs(viridis, gp);
}

/* Tableau 10: distinct, colour-blind aware qualitative colours for groups. */
static const unsigned group_colors[] = {
	0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
	0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac,
};

unsigned plot_group_color(int64_t group)
{
	size_t n = sizeof(group_colors) / sizeof(group_colors[0]);

	return group < 0 ? 0x999999 : group_colors[(size_t)group % n];
}

void plot_put_string(FILE *gp, const char *text)
{
	putc('\'', gp);
	report_put_gnuplot(gp, text);
	putc('\'', gp);
}

size_t plot_tick_step(size_t n)
{
	return n <= REPORT_MAX_TICK_LABELS ? 1
		: (n + REPORT_MAX_TICK_LABELS - 1) / REPORT_MAX_TICK_LABELS;
}

void plot_put_number(FILE *dat, double value)
{
	if (isfinite(value))
		fprintf(dat, "%.9g", value);
	else
		fputs("NaN", dat);
}

/* cut_name - @name cut to REPORT_MAX_LABEL_CHARS whole characters, "…" appended when cut. */
static void cut_name(const char *name, char label[4 * REPORT_MAX_LABEL_CHARS + 4])
{
	const unsigned char *p = (const unsigned char *)(name ? name : "");
	size_t used = 0, chars = 0;

	/* a character starts at every byte that is not a UTF-8 continuation byte */
	for (; *p; p++) {
		if ((*p & 0xc0) != 0x80 && chars++ == REPORT_MAX_LABEL_CHARS)
			break;
		if (used == 4 * REPORT_MAX_LABEL_CHARS)
			break; /* not UTF-8: endless continuation bytes */
		label[used++] = (char)*p;
	}
	if (*p) {
		memcpy(label + used, "\xe2\x80\xa6", 3); /* an ellipsis */
		used += 3;
	}
	label[used] = '\0';
}

void plot_put_label(FILE *dat, const char *name)
{
	char label[4 * REPORT_MAX_LABEL_CHARS + 4];

	cut_name(name, label);
	report_put_datafield(dat, label);
}

void plot_put_title(FILE *gp, const char *name)
{
	char label[4 * REPORT_MAX_LABEL_CHARS + 4];

	cut_name(name, label);
	plot_put_string(gp, label);
}

size_t plot_label_chars(const char *name)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++)
		chars += (*p & 0xc0) != 0x80;
	return chars > REPORT_MAX_LABEL_CHARS ? REPORT_MAX_LABEL_CHARS + 1 : chars;
}
