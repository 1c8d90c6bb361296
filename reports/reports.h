/*
 * reports.h - the reports module's whole API: `taskmap report` writes a
 * directory with index.html (one self-contained page), report.md and one
 * plot per view of a run's analysis, drawn by gnuplot run as an external
 * program (found on PATH at run time, never linked).
 *
 * Every plot is a pair DIR/<name>.dat (data) + DIR/<name>.gp (script) and
 * the picture DIR/<name>.svg (and .png with TM_REPORT_PNG). Names that come
 * from data (tasks, datasets, runs, estimators) never reach a gnuplot
 * command unescaped and never reach HTML or Markdown unescaped; file names
 * are fixed and never derived from data.
 *
 * The escaping, gnuplot and MDS helpers are public because they are useful
 * on their own and are tested directly.
 */
#ifndef TM_REPORTS_H
#define TM_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "store.h"

/* ---- the report ----------------------------------------------------------- */

enum tm_report_flags {
	TM_REPORT_PNG = 1 << 0, /* also draw every plot as PNG (pngcairo) */
};

struct tm_report_options {
	const char *run;      /* run name or id; NULL: the latest run */
	int64_t analysis_id;  /* 0: the run's newest analysis */
	const char *out_dir;  /* created when missing; files in it are replaced */
	const char *task;     /* a task name to draw full-size; NULL: none */
	const char *gnuplot;  /* program (path or name on PATH); NULL: "gnuplot" */
	unsigned flags;       /* enum tm_report_flags */
	size_t max_panels;    /* data maps in the small multiples; 0: 12 */
};

/* What tm_report_write did, for the caller's messages and exit code. */
struct tm_report_outcome {
	int64_t run_id;
	int64_t analysis_id;    /* 0 when the run has no analysis */
	int64_t grouping_id;    /* the grouping shown; 0 when none */
	int gnuplot_found;      /* 0: every plot was skipped */
	size_t plots_planned;   /* plots the data allowed */
	size_t plots_drawn;     /* of those, drawn (every requested format) */
	char notice[512];       /* what is missing from the report; "" when nothing */
};

/*
 * tm_report_write - gather the run @options->run (and its analysis) from
 * @store and write the report into @options->out_dir: index.html,
 * report.md, and for each plot its .dat, .gp and pictures.
 * A missing gnuplot or a plot gnuplot fails to draw is not an error: the
 * report is written with its tables and a notice saying what is missing,
 * and @outcome (may be NULL) counts planned and drawn plots.
 * Returns 0; TM_ERR_NOT_FOUND for an unknown run, analysis or task;
 * TM_ERR_USAGE when the analysis belongs to another run; TM_ERR_IO when a
 * file cannot be written; TM_ERR_NOMEM; store errors as the store reports
 * them. Files already written stay on failure.
 */
int tm_report_write(struct tm_store *store, const struct tm_report_options *options,
		    struct tm_report_outcome *outcome, const struct tm_progress *progress,
		    struct tm_error *err);

/* ---- escaping ------------------------------------------------------------- */

/*
 * tm_report_escape_html - @text with & < > " ' replaced by entities, safe in
 * HTML text and in quoted attribute values. Returns a new string (free()),
 * or NULL when out of memory. NULL @text gives "".
 */
char *tm_report_escape_html(const char *text);

/*
 * tm_report_escape_markdown - @text for a CommonMark paragraph or table
 * cell: every ASCII punctuation character is backslash-escaped (so nothing
 * is markup or raw HTML, and | cannot end a cell), control characters and
 * line breaks become spaces. New string or NULL when out of memory.
 */
char *tm_report_escape_markdown(const char *text);

/*
 * tm_report_escape_gnuplot - @text as the content of a single-quoted gnuplot
 * string: ' is doubled, control characters (newlines included) become
 * spaces. Single-quoted strings are not subject to backquote command
 * substitution, @macro expansion or backslash escapes, so the result is
 * inert; use it with `noenhanced` so ^ _ @ & { } print as themselves.
 * New string or NULL when out of memory.
 */
char *tm_report_escape_gnuplot(const char *text);

/*
 * tm_report_escape_datafield - @text as one field of a tab-separated gnuplot
 * data file: gnuplot's data reader has no escape for ", so " becomes two
 * apostrophes; tabs and control characters become spaces; an empty or blank
 * name becomes "?". New string or NULL when out of memory.
 */
char *tm_report_escape_datafield(const char *text);

/* ---- gnuplot -------------------------------------------------------------- */

/*
 * tm_report_find_gnuplot - resolve @program (NULL: "gnuplot") to an
 * executable file: a name with a slash is taken as a path, otherwise it is
 * looked up in $PATH. *@path is a new string (free()). TM_ERR_NOT_FOUND with
 * a message saying what was looked for when there is none.
 */
int tm_report_find_gnuplot(const char *program, char **path, struct tm_error *err);

/*
 * tm_report_run_gnuplot - run `@gnuplot -d -e SETTINGS @script` in directory
 * @dir (fork and execv, no shell), where SETTINGS sets the script's
 * `format` ('svg' or 'png') and `output` variables so it draws into a
 * temporary file; on exit status 0 and a non-empty picture the temporary
 * file is renamed to @output (relative to @dir). On failure the temporary
 * file is removed and @err says why, with gnuplot's first error line
 * (its stderr is kept in DIR/<output>.log only on failure).
 * @script, @output and @format are names we chose, never data.
 */
int tm_report_run_gnuplot(const char *gnuplot, const char *dir, const char *script,
			  const char *format, const char *output, struct tm_error *err);

/* ---- multidimensional scaling --------------------------------------------- */

/*
 * tm_report_mds - classical (Torgerson) multidimensional scaling of the
 * @n x @n @distance matrix (row-major; symmetrised as (D + D')/2, a NaN
 * entry taking its mirror's value, or the mean defined distance) into @dims coordinates per point, written
 * to @coords (n * dims, row-major). Uses GSL's symmetric eigensolver on
 * B = -1/2 J D^2 J; coordinates are eigenvectors scaled by the square root
 * of their (clamped non-negative) eigenvalues, largest first, each signed
 * so its largest-magnitude entry is positive (deterministic output).
 * Returns 0, TM_ERR_USAGE when dims > n, TM_ERR_NOMEM or TM_ERR_NUMERIC.
 */
int tm_report_mds(const double *distance, size_t n, size_t dims, double *coords,
		  struct tm_error *err);

#endif
