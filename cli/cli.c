/*
 * cli.c - shared plumbing of the command files: common options, messages,
 * exit codes, checked number parsing, opening the store, progress drawing
 * and the Ctrl-C flag.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

int cli_interrupted(void)
{
	return interrupted != 0;
}

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_common_option(int option, struct cli_context *context, int *exit_now)
{
	const struct cli_command *command;

	switch (option) {
	case CLI_OPT_DB:
		context->db_path = optarg;
		return 1;
	case 'q':
		context->quiet = 1;
		return 1;
	case 'h':
		command = find_command(context->command);
		fputs(command ? command->usage : "", stdout);
		*exit_now = EXIT_OK;
		return 1;
	}
	return 0;
}

int cli_usage_error(const struct cli_context *context, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "taskmap: %s: ", context->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'taskmap %s --help'.\n", context->command);
	return EXIT_USAGE;
}

int cli_exit_code(int code)
{
	switch (code) {
	case TM_OK: return EXIT_OK;
	case TM_ERR_INPUT: return EXIT_INPUT;
	case TM_ERR_USAGE: return EXIT_USAGE;
	default: return EXIT_RUNTIME;
	}
}

int cli_fail(const struct tm_error *err)
{
	fprintf(stderr, "taskmap: %s\n", err->message[0] ? err->message : tm_err_name(err->code));
	return cli_exit_code(err->code);
}

void cli_note(const struct cli_context *context, const char *fmt, ...)
{
	va_list ap;

	if (context->quiet)
		return;
	fputs("taskmap: note: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_long(const struct cli_context *context, const char *option,
		   const char *text, long min, long max, long *out)
{
	char *end = NULL;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE)
		return cli_usage_error(context, "%s expects a whole number, not '%s'", option, text);
	if (value < min || value > max)
		return cli_usage_error(context, "%s must be between %ld and %ld, not %ld",
				       option, min, max, value);
	*out = value;
	return 0;
}

int cli_parse_u64(const struct cli_context *context, const char *option,
		  const char *text, uint64_t *out)
{
	char *end = NULL;
	unsigned long long value;

	errno = 0;
	if (text[0] == '-')
		return cli_usage_error(context, "%s expects a non-negative whole number, not '%s'",
				       option, text);
	value = strtoull(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE)
		return cli_usage_error(context, "%s expects a non-negative whole number, not '%s'",
				       option, text);
	*out = value;
	return 0;
}

int cli_parse_double(const struct cli_context *context, const char *option,
		     const char *text, double min, double max, double *out)
{
	char *end = NULL;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value))
		return cli_usage_error(context, "%s expects a number, not '%s'", option, text);
	if (value < min || value > max)
		return cli_usage_error(context, "%s must be between %g and %g, not %g",
				       option, min, max, value);
	*out = value;
	return 0;
}

int cli_open_store(const struct cli_context *context, int readonly,
		   struct tm_store **out)
{
	struct tm_error err = { 0 };

	if (tm_store_open(out, context->db_path, readonly ? TM_STORE_READONLY : 0, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

/* ---- progress ----------------------------------------------------------- */

struct progress_state {
	int quiet;
	int terminal;
	double last_draw;
	int line_open;
};

static struct progress_state progress_state;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* keeps_line - whether a stage's report is a line of its own (not redrawn). */
static int keeps_line(const char *stage)
{
	return strcmp(stage, "epoch") == 0 || strcmp(stage, "step") == 0 ||
	       strcmp(stage, "note") == 0;
}

/*
 * draw_progress - on a terminal, redraw one status line at most 10 times a
 * second; otherwise print only lines of the "epoch"/"step" stages (the items
 * that finish a unit of work) and "note" lines, so logs stay short.
 */
static int draw_progress(void *context, const char *stage, double done, double total,
			 const char *message)
{
	struct progress_state *state = context;
	int finished = total > 0 && done >= total;

	if (interrupted)
		return 1;
	if (state->quiet)
		return 0;
	if (state->terminal) {
		double t = now_seconds();

		if (!finished && strcmp(stage, "note") != 0 && t - state->last_draw < 0.1 &&
		    state->line_open)
			return 0;
		state->last_draw = t;
		fprintf(stderr, "\r\033[K%s%s%s", stage, message ? ": " : "", message ? message : "");
		state->line_open = 1;
		if (keeps_line(stage)) {
			fputc('\n', stderr);
			state->line_open = 0;
		}
		fflush(stderr);
	} else if (keeps_line(stage)) {
		fprintf(stderr, "%s%s%s\n", stage, message ? ": " : "", message ? message : "");
	}
	return 0;
}

static void on_signal(int signal_number)
{
	(void)signal_number;
	interrupted = 1;
}

void cli_progress_init(struct tm_progress *progress, const struct cli_context *context)
{
	struct sigaction action;

	progress_state.quiet = context->quiet;
	progress_state.terminal = isatty(STDERR_FILENO);
	progress->report = draw_progress;
	progress->context = &progress_state;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
}

int cli_finish_stdout(int code)
{
	if (progress_state.line_open) {
		fputc('\n', stderr);
		progress_state.line_open = 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "taskmap: cannot write the output: %s\n", strerror(errno));
		return code == EXIT_OK ? EXIT_RUNTIME : code;
	}
	return code;
}
