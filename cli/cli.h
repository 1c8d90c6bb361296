/*
 * cli.h - what the command files of the `taskmap` program share: the command
 * table, the global options, exit codes, messages, number parsing, progress
 * drawing and opening the database. Only cli/ parses argv, prints or exits.
 */
#ifndef TM_CLI_H
#define TM_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "store.h"

/* Exit codes, documented in `taskmap --help` and the README. */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* something failed at run time */
	EXIT_USAGE = 2,   /* wrong options or arguments */
	EXIT_INPUT = 3,   /* the input data is invalid */
};

/* Options every command accepts, and its state. */
struct cli_context {
	const char *db_path; /* --db, default ./taskmap.db */
	int quiet;           /* -q: no progress, no notes */
	const char *command; /* the command's name, for messages */
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_context *context);
	const char *summary; /* one line for `taskmap --help` */
	const char *usage;   /* the whole `taskmap COMMAND --help` text */
};

/* The command table (commands.c), ended by a zeroed entry. */
extern const struct cli_command cli_commands[];

/* Long-option ids of the common options; commands use values below 0x100. */
enum { CLI_OPT_DB = 0x1000, CLI_OPT_HELP, CLI_OPT_QUIET };

#define CLI_COMMON_LONG_OPTIONS \
	{ "db", required_argument, NULL, CLI_OPT_DB }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "quiet", no_argument, NULL, 'q' }

/*
 * cli_common_option - handle an option every command has (--db, -q, -h);
 * returns 1 when handled, 0 when the option is the command's own, and for
 * -h prints the command's usage and sets *@exit_now to EXIT_OK.
 */
int cli_common_option(int option, struct cli_context *context, int *exit_now);

/* cli_usage_error - "taskmap: COMMAND: message" plus a hint; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_context *context, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cli_fail - print "taskmap: <err->message>" and return the exit code for it. */
int cli_fail(const struct tm_error *err);

/* cli_exit_code - EXIT_* for a tm_err code. */
int cli_exit_code(int code);

/* cli_note - "taskmap: note: ..." on stderr unless quiet. */
void cli_note(const struct cli_context *context, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Number parsing with full checking (strtol/strtod, endptr, errno, range).
 * Return 0, or print a usage error naming @option and return EXIT_USAGE.
 */
int cli_parse_long(const struct cli_context *context, const char *option,
		   const char *text, long min, long max, long *out);
int cli_parse_u64(const struct cli_context *context, const char *option,
		  const char *text, uint64_t *out);
int cli_parse_double(const struct cli_context *context, const char *option,
		     const char *text, double min, double max, double *out);

/* cli_open_store - open --db for reading (readonly != 0) or writing. */
int cli_open_store(const struct cli_context *context, int readonly,
		   struct tm_store **out);

/*
 * cli_progress_init - a progress reporter drawing on stderr: a live line on a
 * terminal, one line per finished stage item otherwise, nothing when quiet.
 * It also asks the work to stop after Ctrl-C (see cli_interrupted).
 */
void cli_progress_init(struct tm_progress *progress, const struct cli_context *context);

/* cli_interrupted - non-zero once SIGINT or SIGTERM arrived. */
int cli_interrupted(void);

/* cli_finish_stdout - flush stdout and report write errors; returns @code or EXIT_RUNTIME. */
int cli_finish_stdout(int code);

#endif
