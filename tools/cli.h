/* Shared plumbing for the `tfc` command's subcommands. Exit status: 0 success, 1 data errors
 * (message on stderr naming file and offset), 2 usage errors. */
#ifndef TFC_CLI_H
#define TFC_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/base.h"

enum { CLI_OK = 0, CLI_DATA_ERROR = 1, CLI_USAGE = 2 };

/* Subcommand families: argv[0] is the family name ("record", "example"). */
int cli_record(int argc, char **argv);
int cli_example(int argc, char **argv);
int cli_graph(int argc, char **argv);

/* Prints "tfc: CODE: message" to stderr; returns CLI_DATA_ERROR (or CLI_USAGE for
 * INVALID_ARGUMENT coming from flag parsing, when usage is true). */
int cli_fail(const tfc_status *st);
/* Prints "tfc: <message>" and a hint to run --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A subcommand of a family: its name, its --help text and its entry (argv[0] is the subcommand). */
typedef struct cli_subcommand {
    const char *name, *usage;
    int (*fn)(int argc, char **argv);
} cli_subcommand;
/* Runs argv[1] of family `family` (argv[0] is the family name): the family's usage on --help or
 * with no subcommand, the subcommand's usage on its --help, a usage error for an unknown one. */
int cli_dispatch(const char *family, const char *usage, const cli_subcommand *subs, int n, int argc,
                 char **argv);

/* If arg is "--name=VALUE" returns VALUE; if arg is "--name" and a next argument exists, consumes
 * it (advancing *i) and returns it; otherwise NULL. */
const char *cli_flag_value(int argc, char **argv, int *i, const char *name);
/* True if argv has "--help" or "-h". */
bool cli_wants_help(int argc, char **argv);
/* Parses "A:B" (either side may be empty: ":10", "5:") into [*a, *b); *b = -1 for open-ended. */
bool cli_parse_range(const char *s, int64_t *a, int64_t *b);

#endif
