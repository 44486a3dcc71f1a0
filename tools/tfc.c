/* The `tfc` command: TensorFlow's files from the shell. Dispatches to a subcommand family. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: tfc <command> <subcommand> [args]\n"
                            "\n"
                            "commands:\n"
                            "  record   TFRecord files: count, verify, index, cat, convert\n"
                            "  example  tf.train.Example records: show, from-json\n"
                            "  graph    GraphDef files: show, run\n"
                            "\n"
                            "Run 'tfc <command> --help' for details. Exit status: 0 success, 1 "
                            "data error, 2 usage error.\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "record")) return cli_record(argc - 1, argv + 1);
    if (!strcmp(argv[1], "example")) return cli_example(argc - 1, argv + 1);
    if (!strcmp(argv[1], "graph")) return cli_graph(argc - 1, argv + 1);
    fprintf(stderr, "tfc: unknown command '%s'\n%s", argv[1], usage);
    return CLI_USAGE;
}
