/* `tfc example`: show the tf.train.Example (or SequenceExample) records of a TFRecord file as
 * text, JSON lines or a key tree, and write such a file from JSON lines. */
#define _GNU_SOURCE /* getline */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#include "cli.h"
#include "tfc/example.h"
#include "tfc/record.h"

static const char usage_main[] =
    "usage: tfc example <subcommand> [args]\n"
    "\n"
    "  show FILE            print each record as protobuf text (--json: JSON lines; --keys: the\n"
    "                       key tree of the first record)\n"
    "  from-json IN OUT     write a TFRecord file with one record per JSON line of IN\n"
    "\n"
    "Exit status: 0 success, 1 data error (stderr names file and record), 2 usage error.\n";

static const char usage_show[] =
    "usage: tfc example show FILE [--json] [--keys] [--range A:B]\n"
    "                             [--compression=auto|none|gzip|zlib]\n"
    "Prints each record of FILE as protobuf text (what TensorFlow's print(example) shows), after\n"
    "a line '# record N (offset O)'. A record with feature lists is shown as a SequenceExample.\n"
    "  --json         one JSON object per line instead (protobuf's JSON mapping; no headers)\n"
    "  --keys         the first selected record's keys as a tree, with kind and value count\n"
    "  --range A:B    records A..B-1 only (':5', '3:', '2:4')\n"
    "  --compression  of FILE; detected from its first bytes by default\n";

static const char usage_from_json[] =
    "usage: tfc example from-json IN.jsonl OUT [--compression=none|gzip|zlib]\n"
    "Reads one JSON Example per non-empty line of IN ('-' for stdin) - a SequenceExample when it\n"
    "has context/featureLists - and writes them as records of OUT (default: uncompressed). OUT is\n"
    "written atomically: after an error no OUT is left behind. Errors name IN:LINE.\n";

/* ---- show ---- */

typedef struct show_args {
    const char *path;
    bool json, keys;
    int64_t from, to;
    tfc_compression comp;
} show_args;

/* Parses a flag that takes a value; *bad is set when it is present without one. */
static const char *flag(int argc, char **argv, int *i, const char *name, bool *bad) {
    const char *v = cli_flag_value(argc, argv, i, name);
    if (!v && !strcmp(argv[*i], name)) *bad = true;
    return v;
}

static int parse_show(int argc, char **argv, show_args *a) {
    const char *cmd = "example show";
    *a = (show_args){.to = -1};
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool bad = false;
        tfc_status st = {0};
        if ((v = flag(argc, argv, &i, "--range", &bad))) {
            if (!cli_parse_range(v, &a->from, &a->to))
                return cli_usage_error(cmd, "bad --range '%s' (expected A:B, A:, or :B)", v);
        } else if ((v = flag(argc, argv, &i, "--compression", &bad))) {
            if (tfc_compression_parse(v, &a->comp, &st) != TFC_OK)
                return cli_usage_error(cmd, "%s", st.msg);
        } else if (bad) {
            return cli_usage_error(cmd, "%s needs a value", argv[i]);
        } else if (!strcmp(argv[i], "--json")) {
            a->json = true;
        } else if (!strcmp(argv[i], "--keys")) {
            a->keys = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        } else if (a->path) {
            return cli_usage_error(cmd, "expected one FILE, got '%s' and '%s'", a->path, argv[i]);
        } else {
            a->path = argv[i];
        }
    }
    if (!a->path) return cli_usage_error(cmd, "no FILE given");
    if (a->json && a->keys) return cli_usage_error(cmd, "--json and --keys do not combine");
    return CLI_OK;
}

/* Prints one record; on a parse error fills st (prefixed with file, record and offset). */
static tfc_code show_record(const show_args *a, tfc_bytes rec, int64_t i, uint64_t off,
                            tfc_status *st) {
    tfc_example *ex = NULL;
    tfc_sequence_example *se = NULL;
    tfc_code c = TFC_INVALID_ARGUMENT;
    /* A record with feature lists is a SequenceExample; if those do not parse, TensorFlow would
     * still read the record as an Example (field 2 unknown), and so do we. */
    if (tfc_example_is_sequence(rec.data, rec.size))
        c = tfc_sequence_example_parse(rec.data, rec.size, &se, NULL);
    if (c != TFC_OK) c = tfc_example_parse(rec.data, rec.size, &ex, st);
    if (c != TFC_OK) {
        tfc_status_prefix(st, "%s: record %lld at offset %llu", a->path, (long long)i,
                          (unsigned long long)off);
        return c;
    }
    char *s;
    if (a->json) {
        s = ex ? tfc_example_to_json(ex) : tfc_sequence_example_to_json(se);
    } else if (a->keys) {
        s = ex ? tfc_features_key_tree(tfc_example_features_const(ex))
               : tfc_sequence_example_key_tree(se);
        if (ex)
            printf("# record %lld (offset %llu): Example, %zu features\n", (long long)i,
                   (unsigned long long)off, tfc_features_count(tfc_example_features_const(ex)));
        else
            printf("# record %lld (offset %llu): SequenceExample, %zu context features, %zu "
                   "feature lists\n",
                   (long long)i, (unsigned long long)off,
                   tfc_features_count(tfc_sequence_example_context_const(se)),
                   tfc_sequence_example_num_lists(se));
    } else {
        s = ex ? tfc_example_to_text(ex) : tfc_sequence_example_to_text(se);
        printf("# record %lld (offset %llu)%s\n", (long long)i, (unsigned long long)off,
               se ? ": SequenceExample" : "");
    }
    tfc_example_free(ex);
    tfc_sequence_example_free(se);
    if (!s)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: record %lld: out of memory", a->path,
                              (long long)i);
    fputs(s, stdout);
    if (a->json) putchar('\n');
    tfc_free(s);
    return TFC_OK;
}

/* With a valid sidecar index, moves the reader straight to record a->from; returns the index of
 * the record the reader is now at. */
static int64_t skip_with_index(const show_args *a, tfc_record_reader *r) {
    tfc_record_index *idx = NULL;
    int64_t at = 0;
    uint64_t off, framed;
    if (a->from > 0 && tfc_record_index_load(a->path, NULL, &idx, NULL) == TFC_OK &&
        tfc_record_index_compression(idx) == tfc_record_reader_compression(r) &&
        tfc_record_index_entry(idx, a->from, &off, &framed, NULL) == TFC_OK &&
        tfc_record_reader_seek(r, off, NULL) == TFC_OK)
        at = a->from;
    tfc_record_index_free(idx);
    return at;
}

static int cmd_show(int argc, char **argv) {
    show_args a;
    int rc = parse_show(argc, argv, &a);
    if (rc != CLI_OK) return rc;
    tfc_status st = {0};
    tfc_record_reader *r;
    tfc_record_reader_opts o = {.compression = a.comp};
    if (tfc_record_reader_open(a.path, &o, &r, &st) != TFC_OK) return cli_fail(&st);
    int64_t i = skip_with_index(&a, r);
    bool shown = false;
    tfc_code c = TFC_OK;
    for (; a.to < 0 || i < a.to; i++) {
        uint64_t off = tfc_record_reader_offset(r);
        tfc_bytes rec;
        if ((c = tfc_record_reader_next(r, &rec, &st)) != TFC_OK) {
            if (c != TFC_OUT_OF_RANGE) {
                tfc_status_prefix(&st, "record %lld", (long long)i);
                if (!strstr(st.msg, a.path)) tfc_status_prefix(&st, "%s", a.path);
            }
            break;
        }
        if (i < a.from) continue;
        if ((c = show_record(&a, rec, i, off, &st)) != TFC_OK) break;
        shown = true;
        if (a.keys) break;
    }
    tfc_record_reader_free(r);
    fflush(stdout);
    if (c != TFC_OK && c != TFC_OUT_OF_RANGE) return cli_fail(&st);
    if (a.keys && !shown) {
        fprintf(stderr, "tfc: %s: no record in the selected range (the file has %lld)\n", a.path,
                (long long)i);
        return CLI_DATA_ERROR;
    }
    return CLI_OK;
}

/* ---- from-json ---- */

/* Reads one line (without its "\n" or "\r\n") into *buf (getline's buffer); false at the end. */
static bool read_line(FILE *f, char **buf, size_t *cap, size_t *len) {
    ssize_t n = getline(buf, cap, f);
    if (n < 0) return false;
    if (n && (*buf)[n - 1] == '\n') n--;
    if (n && (*buf)[n - 1] == '\r') n--;
    *len = (size_t)n;
    return true;
}

static bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

/* Serializes one JSON line into w. */
static tfc_code write_json_line(tfc_record_writer *w, const char *line, size_t n, tfc_status *st) {
    tfc_example *ex;
    tfc_sequence_example *se;
    tfc_code c = tfc_example_from_json_any(line, n, &ex, &se, st);
    if (c != TFC_OK) return c;
    uint8_t *buf;
    size_t len;
    c = ex ? tfc_example_serialize(ex, &buf, &len, st)
           : tfc_sequence_example_serialize(se, &buf, &len, st);
    tfc_example_free(ex);
    tfc_sequence_example_free(se);
    if (c != TFC_OK) return c;
    c = tfc_record_writer_write(w, buf, len, st);
    tfc_free(buf);
    return c;
}

static int cmd_from_json(int argc, char **argv) {
    const char *cmd = "example from-json", *files[2];
    int nfiles = 0;
    tfc_compression comp = TFC_COMPRESSION_NONE;
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool bad = false;
        tfc_status st = {0};
        if ((v = flag(argc, argv, &i, "--compression", &bad))) {
            if (tfc_compression_parse(v, &comp, &st) != TFC_OK)
                return cli_usage_error(cmd, "%s", st.msg);
            if (comp == TFC_COMPRESSION_AUTO)
                return cli_usage_error(cmd, "--compression must be none, gzip or zlib");
        } else if (bad) {
            return cli_usage_error(cmd, "%s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        } else if (nfiles == 2) {
            return cli_usage_error(cmd, "expected IN and OUT, got a third argument '%s'", argv[i]);
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles != 2) return cli_usage_error(cmd, "expected IN and OUT");
    const char *in_path = files[0], *out_path = files[1];
    bool use_stdin = !strcmp(in_path, "-");
    FILE *in = use_stdin ? stdin : fopen(in_path, "r");
    if (!in) {
        fprintf(stderr, "tfc: %s: cannot open: ", in_path);
        perror(NULL);
        return CLI_DATA_ERROR;
    }
    tfc_status st = {0};
    tfc_record_writer *w;
    tfc_record_writer_opts wo = {.compression = comp, .atomic = true};
    if (tfc_record_writer_open(out_path, &wo, &w, &st) != TFC_OK) {
        if (!use_stdin) fclose(in);
        return cli_fail(&st);
    }
    char *line = NULL;
    size_t cap = 0, len;
    long long lineno = 0;
    tfc_code c = TFC_OK;
    while (c == TFC_OK && read_line(in, &line, &cap, &len)) {
        lineno++;
        if (blank(line, len)) continue;
        if ((c = write_json_line(w, line, len, &st)) != TFC_OK)
            tfc_status_prefix(&st, "%s:%lld", use_stdin ? "<stdin>" : in_path, lineno);
    }
    if (c == TFC_OK && ferror(in))
        c = tfc_status_set(&st, TFC_UNKNOWN, "%s: read error after line %lld",
                           use_stdin ? "<stdin>" : in_path, lineno);
    free(line);
    if (!use_stdin) fclose(in);
    if (c != TFC_OK) {
        tfc_record_writer_abort(w);
        return cli_fail(&st);
    }
    int64_t n = tfc_record_writer_count(w);
    if (tfc_record_writer_close(w, &st) != TFC_OK) return cli_fail(&st);
    printf("%s: %lld records written (compression %s)\n", out_path, (long long)n,
           comp == TFC_COMPRESSION_NONE ? "NONE" : tfc_compression_name(comp));
    return CLI_OK;
}

int cli_example(int argc, char **argv) {
    static const cli_subcommand subs[] = {{"show", usage_show, cmd_show},
                                          {"from-json", usage_from_json, cmd_from_json}};
    return cli_dispatch("example", usage_main, subs, (int)(sizeof subs / sizeof subs[0]), argc,
                        argv);
}
