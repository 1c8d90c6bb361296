/*
 * main.c - the `taskmap` program: global options, help, version and dispatch
 * through the command table in commands.c.
 */
#include "cli.h"
#include "parallel.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

static void print_help(FILE *out)
{
	fputs("Usage: taskmap [--db PATH] [-q] COMMAND [OPTIONS]\n"
	      "\n"
	      "Find out which tasks of a multi-task problem to train together: train a\n"
	      "lightweight multi-task model once, record its training dynamics (data\n"
	      "maps), and turn them into task relatedness and recommended groupings.\n"
	      "\n"
	      "Commands:\n", out);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs("\n"
	      "Options for every command:\n"
	      "  --db PATH     results database (default ./taskmap.db)\n"
	      "  -q, --quiet   no progress or notes on stderr\n"
	      "  -h, --help    help (for a command: taskmap help COMMAND)\n"
	      "  --version     print the version and exit\n"
	      "\n"
	      "Exit status:\n"
	      "  0  success\n"
	      "  1  runtime error (cannot open, write, or compute)\n"
	      "  2  usage error (unknown command, bad option or value)\n"
	      "  3  invalid input data (a malformed dataset or file)\n"
	      "\n"
	      "Start with 'taskmap demo'. The database is plain SQLite: see docs/schema.md.\n",
	      out);
}

/*
 * mpi_program - the path of `taskmap-mpi` beside this program into @path,
 * or 0 when there is none: the build of taskmap with the MPI collectives,
 * which `taskmap train` runs in its place under mpirun (cli/meson.build).
 */
static int mpi_program(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return 0;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return 0;
	*slash = '\0';
	if (snprintf(path, size, "%s/taskmap-mpi", self) >= (int)size)
		return 0;
	return access(path, X_OK) == 0;
}

/* version_mpi - how `taskmap --version` describes MPI support. */
static const char *version_mpi(void)
{
	char path[PATH_MAX];

	if (tm_parallel_built() || mpi_program(path, sizeof(path)))
		return "MPI built in: mpirun -np N taskmap train";
	return "MPI not built in";
}

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "taskmap: '%s' is not a taskmap command. See 'taskmap --help'.\n", name);
	return EXIT_USAGE;
}

static int help_command(int argc, char **argv)
{
	const struct cli_command *command;

	if (argc < 2) {
		print_help(stdout);
		return EXIT_OK;
	}
	if (!(command = find_command(argv[1])))
		return unknown_command(argv[1]);
	fputs(command->usage, stdout);
	return EXIT_OK;
}

/*
 * parse_global_options - options before the command name. Returns the index
 * of the command name, or -1 with *@code set when the program should exit.
 */
static int parse_global_options(int argc, char **argv, struct cli_context *context,
				int *code)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(stdout);
			*code = EXIT_OK;
			return -1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("taskmap %s (schema %d, %s)\n", tm_version(), tm_store_schema_version(),
			       version_mpi());
			*code = EXIT_OK;
			return -1;
		} else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			context->quiet = 1;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			context->db_path = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			context->db_path = argv[i] + 5;
		} else {
			fprintf(stderr, "taskmap: unknown option '%s'. See 'taskmap --help'.\n", argv[i]);
			*code = EXIT_USAGE;
			return -1;
		}
	}
	if (i == argc) {
		print_help(stderr);
		*code = EXIT_USAGE;
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cli_context context = { .db_path = "taskmap.db" };
	const struct cli_command *command;
	int first, code = EXIT_OK;

	gsl_set_error_handler_off();
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is reported as a write error */
	signal(SIGXFSZ, SIG_IGN); /* so is a file-size limit (ulimit -f): EFBIG, not a kill */
	if ((first = parse_global_options(argc, argv, &context, &code)) < 0)
		return cli_finish_stdout(code);
	if (strcmp(argv[first], "help") == 0)
		return cli_finish_stdout(help_command(argc - first, argv + first));
	if (!(command = find_command(argv[first])))
		return unknown_command(argv[first]);
	context.command = command->name;
	/* N copies of another command would each do the whole job, N times over */
	if (tm_parallel_launched() && strcmp(command->name, "train") != 0) {
		fprintf(stderr, "taskmap: %s: only 'taskmap train' runs under mpirun with several"
			" ranks\n", command->name);
		return EXIT_USAGE;
	}
	if (tm_parallel_launched() && !tm_parallel_built()) {
		char path[PATH_MAX];

		/* the same command line, in the build with MPI; on failure, the error below */
		if (mpi_program(path, sizeof(path)))
			execv(path, argv);
	}
	optind = 1;
	code = command->run(argc - first, argv + first, &context);
	return cli_finish_stdout(code);
}
