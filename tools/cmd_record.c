/* `tfc record`: count, verify, index, cat and convert TFRecord files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tfc/record.h"

static const char usage_main[] =
    "usage: tfc record <subcommand> [args]\n"
    "\n"
    "  count FILE...      number of records (O(1) with a valid index; else reads headers only)\n"
    "  verify FILE...     check every checksum; report each problem with its offset\n"
    "  index FILE...      write the sidecar index FILE.tfcidx (--dali: also DALI's text index)\n"
    "  cat FILE           print records, one per line (--hex for hex)\n"
    "  convert IN OUT     rewrite with another compression (--compression=none|gzip|zlib)\n"
    "\n"
    "Compression is detected from the first bytes; --compression=auto|none|gzip|zlib overrides.\n"
    "Exit status: 0 success, 1 data error (stderr names file and offset), 2 usage error.\n";

static const char usage_count[] =
    "usage: tfc record count [--compression=C] [--no-index] FILE...\n"
    "Prints the record count of each file (and a total for several). Uses FILE.tfcidx when it is\n"
    "valid for the file; otherwise an uncompressed file is counted by reading only its 12-byte\n"
    "record headers, a compressed one by decompressing it.\n";
static const char usage_verify[] =
    "usage: tfc record verify [--compression=C] FILE...\n"
    "Reads every record, checking the length and payload checksums. Each problem is reported\n"
    "with its offset, reading resumes at the next valid record, and a summary line follows.\n";
static const char usage_index[] =
    "usage: tfc record index [--compression=C] [--dali[=PATH]] FILE...\n"
    "Verifies FILE and writes its sidecar index FILE.tfcidx: the record count in O(1) and record\n"
    "i by one seek (uncompressed files; compressed files get the count, and record i by a scan).\n"
    "--dali also writes NVIDIA DALI's text index ('offset framed_size' per line) to PATH\n"
    "(default FILE.idx); DALI indexes uncompressed files only.\n";
static const char usage_cat[] =
    "usage: tfc record cat [--compression=C] [--hex] [--range A:B] FILE\n"
    "Prints each record on its own line: C-escaped text, or hex with --hex. --range A:B selects\n"
    "records A..B-1 (with a valid index, an uncompressed file seeks straight to record A).\n";
static const char usage_convert[] =
    "usage: tfc record convert --compression=none|gzip|zlib [--level=1..9] [--in-compression=C]\n"
    "                          IN OUT\n"
    "Rewrites IN's records into OUT with the given compression. OUT is written atomically.\n";

typedef struct args {
    tfc_compression comp, in_comp;
    bool comp_set, no_index, hex, dali;
    const char *dali_path;
    int64_t from, to;
    int level;
    char **files;
    int nfiles;
} args;

/* Parses the flags every subcommand shares; unknown flags are usage errors. */
static int parse(const char *cmd, int argc, char **argv, args *a) {
    memset(a, 0, sizeof *a);
    a->to = -1;
    a->files = calloc((size_t)argc + 1, sizeof *a->files);
    tfc_status st = {0};
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_flag_value(argc, argv, &i, "--compression"))) {
            if (tfc_compression_parse(v, &a->comp, &st) != TFC_OK)
                return cli_usage_error(cmd, "%s", st.msg);
            a->comp_set = true;
        } else if ((v = cli_flag_value(argc, argv, &i, "--in-compression"))) {
            if (tfc_compression_parse(v, &a->in_comp, &st) != TFC_OK)
                return cli_usage_error(cmd, "%s", st.msg);
        } else if ((v = cli_flag_value(argc, argv, &i, "--range"))) {
            if (!cli_parse_range(v, &a->from, &a->to))
                return cli_usage_error(cmd, "bad --range '%s' (expected A:B, A:, or :B)", v);
        } else if ((v = cli_flag_value(argc, argv, &i, "--level"))) {
            char *end;
            long l = strtol(v, &end, 10);
            if (*end || l < 1 || l > 9) return cli_usage_error(cmd, "bad --level '%s' (1..9)", v);
            a->level = (int)l;
        } else if (!strcmp(argv[i], "--no-index")) {
            a->no_index = true;
        } else if (!strcmp(argv[i], "--hex")) {
            a->hex = true;
        } else if (!strcmp(argv[i], "--dali")) {
            a->dali = true;
        } else if (!strncmp(argv[i], "--dali=", 7)) {
            a->dali = true, a->dali_path = argv[i] + 7;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        } else {
            a->files[a->nfiles++] = argv[i];
        }
    }
    return CLI_OK;
}

static int cmd_count(args *a) {
    if (a->nfiles == 0) return cli_usage_error("record count", "no FILE given");
    int rc = CLI_OK;
    int64_t total = 0;
    for (int i = 0; i < a->nfiles; i++) {
        tfc_status st = {0};
        int64_t n;
        tfc_record_count_opts o = {.compression = a->comp, .no_index = a->no_index};
        if (tfc_record_count(a->files[i], &o, &n, &st) != TFC_OK) {
            rc = cli_fail(&st);
            continue;
        }
        total += n;
        if (a->nfiles == 1)
            printf("%lld\n", (long long)n);
        else
            printf("%lld\t%s\n", (long long)n, a->files[i]);
    }
    if (a->nfiles > 1) printf("%lld\ttotal\n", (long long)total);
    return rc;
}

static void report_skip(void *ctx, const tfc_status *problem, uint64_t off, uint64_t bytes) {
    fprintf(stderr, "tfc: %s: %s; skipped %llu bytes from offset %llu\n",
            tfc_code_name(problem->code), problem->msg, (unsigned long long)bytes,
            (unsigned long long)off);
    (void)ctx;
}

static int cmd_verify(args *a) {
    if (a->nfiles == 0) return cli_usage_error("record verify", "no FILE given");
    int rc = CLI_OK;
    for (int i = 0; i < a->nfiles; i++) {
        tfc_status st = {0};
        tfc_record_reader *r;
        tfc_record_reader_opts o = {
            .compression = a->comp, .skip_corrupted = true, .on_skip = report_skip};
        if (tfc_record_reader_open(a->files[i], &o, &r, &st) != TFC_OK) {
            rc = cli_fail(&st);
            continue;
        }
        tfc_bytes rec;
        tfc_code c;
        while ((c = tfc_record_reader_next(r, &rec, &st)) == TFC_OK) {
        }
        tfc_record_reader_stats s = tfc_record_reader_get_stats(r);
        bool ok = c == TFC_OUT_OF_RANGE && s.skipped_regions == 0;
        if (c != TFC_OUT_OF_RANGE) cli_fail(&st);
        printf("%s: %s, %lld records ok, %lld bad regions (%lld bytes), compression %s\n",
               a->files[i], ok ? "OK" : "DATA_LOSS", (long long)s.records,
               (long long)s.skipped_regions, (long long)s.skipped_bytes,
               tfc_compression_name(tfc_record_reader_compression(r))[0]
                   ? tfc_compression_name(tfc_record_reader_compression(r))
                   : "NONE");
        if (!ok) rc = CLI_DATA_ERROR;
        tfc_record_reader_free(r);
    }
    return rc;
}

static int cmd_index(args *a) {
    if (a->nfiles == 0) return cli_usage_error("record index", "no FILE given");
    if (a->dali_path && a->nfiles > 1)
        return cli_usage_error("record index", "--dali=PATH takes one FILE");
    int rc = CLI_OK;
    for (int i = 0; i < a->nfiles; i++) {
        tfc_status st = {0};
        tfc_record_index *idx;
        if (tfc_record_index_build(a->files[i], a->comp, &idx, &st) != TFC_OK) {
            rc = cli_fail(&st);
            continue;
        }
        if (tfc_record_index_write(idx, NULL, &st) != TFC_OK) {
            tfc_record_index_free(idx);
            rc = cli_fail(&st);
            continue;
        }
        char *ip = tfc_record_index_default_path(a->files[i]);
        printf("%s: %lld records, index %s\n", a->files[i], (long long)tfc_record_index_count(idx),
               ip);
        tfc_free(ip);
        if (a->dali) {
            char *dp = NULL;
            if (!a->dali_path) {
                dp = malloc(strlen(a->files[i]) + 5);
                sprintf(dp, "%s.idx", a->files[i]);
            }
            const char *path = a->dali_path ? a->dali_path : dp;
            if (tfc_record_index_write_dali(idx, path, &st) != TFC_OK)
                rc = cli_fail(&st);
            else
                printf("%s: DALI index %s\n", a->files[i], path);
            free(dp);
        }
        tfc_record_index_free(idx);
    }
    return rc;
}

static void print_escaped(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (c) {
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        case '\\':
            fputs("\\\\", stdout);
            break;
        default:
            if (c >= 0x20 && c < 0x7f)
                putchar(c);
            else
                printf("\\x%02x", c);
        }
    }
    putchar('\n');
}

static int cmd_cat(args *a) {
    if (a->nfiles != 1) return cli_usage_error("record cat", "expected one FILE");
    const char *path = a->files[0];
    tfc_status st = {0};
    tfc_record_reader *r;
    tfc_record_reader_opts o = {.compression = a->comp};
    if (tfc_record_reader_open(path, &o, &r, &st) != TFC_OK) return cli_fail(&st);
    int64_t i = 0;
    tfc_record_index *idx = NULL;
    if (a->from > 0 && tfc_record_index_load(path, NULL, &idx, NULL) == TFC_OK &&
        tfc_record_index_compression(idx) == tfc_record_reader_compression(r)) {
        uint64_t off, framed;
        if (tfc_record_index_entry(idx, a->from, &off, &framed, NULL) == TFC_OK &&
            tfc_record_reader_seek(r, off, &st) == TFC_OK)
            i = a->from;
    }
    tfc_record_index_free(idx);
    tfc_bytes rec;
    tfc_code c = TFC_OK;
    for (; a->to < 0 || i < a->to; i++) {
        if ((c = tfc_record_reader_next(r, &rec, &st)) != TFC_OK) break;
        if (i < a->from) continue;
        if (a->hex) {
            for (size_t k = 0; k < rec.size; k++) printf("%02x", rec.data[k]);
            putchar('\n');
        } else {
            print_escaped(rec.data, rec.size);
        }
    }
    tfc_record_reader_free(r);
    if (c != TFC_OK && c != TFC_OUT_OF_RANGE) return cli_fail(&st);
    return CLI_OK;
}

static int cmd_convert(args *a) {
    if (a->nfiles != 2) return cli_usage_error("record convert", "expected IN and OUT");
    if (!a->comp_set || a->comp == TFC_COMPRESSION_AUTO)
        return cli_usage_error("record convert", "--compression=none|gzip|zlib is required");
    tfc_status st = {0};
    tfc_record_reader *r;
    tfc_record_reader_opts ro = {.compression = a->in_comp};
    if (tfc_record_reader_open(a->files[0], &ro, &r, &st) != TFC_OK) return cli_fail(&st);
    tfc_record_writer *w;
    tfc_record_writer_opts wo = {
        .compression = a->comp, .compression_level = a->level, .atomic = true};
    if (tfc_record_writer_open(a->files[1], &wo, &w, &st) != TFC_OK) {
        tfc_record_reader_free(r);
        return cli_fail(&st);
    }
    tfc_bytes rec;
    tfc_code c;
    while ((c = tfc_record_reader_next(r, &rec, &st)) == TFC_OK)
        if ((c = tfc_record_writer_write(w, rec.data, rec.size, &st)) != TFC_OK) break;
    tfc_record_reader_free(r);
    if (c != TFC_OUT_OF_RANGE) {
        tfc_record_writer_abort(w);
        return cli_fail(&st);
    }
    int64_t n = tfc_record_writer_count(w);
    if (tfc_record_writer_close(w, &st) != TFC_OK) return cli_fail(&st);
    printf("%s: %lld records written (compression %s)\n", a->files[1], (long long)n,
           a->comp == TFC_COMPRESSION_NONE ? "NONE" : tfc_compression_name(a->comp));
    return CLI_OK;
}

int cli_record(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    static const struct {
        const char *name, *usage;
        int (*fn)(args *);
    } subs[] = {{"count", usage_count, cmd_count},
                {"verify", usage_verify, cmd_verify},
                {"index", usage_index, cmd_index},
                {"cat", usage_cat, cmd_cat},
                {"convert", usage_convert, cmd_convert}};
    for (size_t s = 0; s < sizeof subs / sizeof subs[0]; s++) {
        if (strcmp(argv[1], subs[s].name)) continue;
        if (cli_wants_help(argc - 1, argv + 1)) {
            fputs(subs[s].usage, stdout);
            return CLI_OK;
        }
        char cmd[32];
        snprintf(cmd, sizeof cmd, "record %s", subs[s].name);
        args a;
        int rc = parse(cmd, argc - 1, argv + 1, &a);
        if (rc == CLI_OK) rc = subs[s].fn(&a);
        free(a.files);
        return rc;
    }
    fprintf(stderr, "tfc record: unknown subcommand '%s'\n%s", argv[1], usage_main);
    return CLI_USAGE;
}
