/* Flag parsing and error reporting shared by the subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(const tfc_status *st) {
    fprintf(stderr, "tfc: %s: %s\n", tfc_code_name(st->code), st->msg);
    return CLI_DATA_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tfc %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(run 'tfc %s --help' for usage)\n", cmd);
    return CLI_USAGE;
}

const char *cli_flag_value(int argc, char **argv, int *i, const char *name) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] == '\0' && *i + 1 < argc) return argv[++*i];
    return NULL;
}

bool cli_wants_help(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

static bool parse_i64(const char *s, size_t n, int64_t *out) {
    if (n == 0 || n > 19) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (v > (INT64_MAX - (s[i] - '0')) / 10) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool cli_parse_range(const char *s, int64_t *a, int64_t *b) {
    const char *colon = strchr(s, ':');
    if (!colon) return false;
    size_t na = (size_t)(colon - s), nb = strlen(colon + 1);
    *a = 0, *b = -1;
    if (na && !parse_i64(s, na, a)) return false;
    if (nb && !parse_i64(colon + 1, nb, b)) return false;
    return *b < 0 || *b >= *a;
}

int cli_dispatch(const char *family, const char *usage, const cli_subcommand *subs, int n, int argc,
                 char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (int s = 0; s < n; s++) {
        if (strcmp(argv[1], subs[s].name)) continue;
        if (cli_wants_help(argc - 1, argv + 1)) {
            fputs(subs[s].usage, stdout);
            return CLI_OK;
        }
        return subs[s].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "tfc %s: unknown subcommand '%s'\n%s", family, argv[1], usage);
    return CLI_USAGE;
}
