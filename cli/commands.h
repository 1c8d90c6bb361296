/*
 * commands.h - the handlers and usage texts of the commands, one pair per
 * cli/cmd-*.c file, gathered into the table in commands.c.
 */
#ifndef TM_CLI_COMMANDS_H
#define TM_CLI_COMMANDS_H

#include "cli.h"

#define DECLARE_COMMAND(name) \
	int cmd_##name(int argc, char **argv, struct cli_context *context); \
	extern const char cmd_##name##_usage[]

DECLARE_COMMAND(demo);
DECLARE_COMMAND(synth);
DECLARE_COMMAND(inspect);
DECLARE_COMMAND(train);
DECLARE_COMMAND(import);
DECLARE_COMMAND(export);
DECLARE_COMMAND(analyze);
DECLARE_COMMAND(recommend);
DECLARE_COMMAND(select);
DECLARE_COMMAND(report);
DECLARE_COMMAND(evaluate);
DECLARE_COMMAND(runs);
DECLARE_COMMAND(tasks);
DECLARE_COMMAND(query);
DECLARE_COMMAND(merge);

#endif
