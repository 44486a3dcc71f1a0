/* Benchmarks of the TFRecord/Example part, each against a peer run in the same process (A/B/A/B):
 * reading with every CRC checked vs cat, GZIP reading vs zcat, writing vs dd, counting with and
 * without the sidecar index, Example parse/serialize, CRC-32C. What each figure means: README.md.
 *
 *     bench_record [crc|example|count|read|gzip|write|all]...      (default: all)
 *
 * Environment: BENCH_DIR (data files, default build/bench-data), BENCH_REPS (default 5), TFC_BIN
 * (the tfc command, default build/tfc), BENCH_READ_BUF_KIB (reader buffer, default 256).
 * Stdout gets `BENCH name value unit` and `RATIO name x` lines (x = tfc throughput / peer
 * throughput, the median of the per-pair ratios); stderr gets every run. A failing run prints its
 * error and the process exits 1 before printing its figures. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#include "tfc/example.h"
#include "tfc/record.h"

extern char **environ;

#define GIB (1ull << 30)
#define NDISTINCT 4096          /* distinct serialized Examples, reused round-robin */
#define READ_BUF_KIB 256        /* reader buffer for the verify figures (BENCH_READ_BUF_KIB) */
#define GZ_BYTES (256ull << 20) /* uncompressed stream size of the GZIP file */
#define MAX_REPS 101
#define PATH_MAX_ 4096

typedef struct bench {
    const char *dir, *tfc_bin;
    int reps;
    size_t read_buf;
    char data[PATH_MAX_], gz[PATH_MAX_], wfile[PATH_MAX_], ddfile[PATH_MAX_];
    uint8_t *payload[NDISTINCT];
    size_t plen[NDISTINCT];
    int64_t nrec, gz_nrec;         /* records in the 1 GiB file / the GZIP file */
    uint64_t data_size, gz_stream; /* their uncompressed stream sizes */
} bench;

static volatile uint64_t sink; /* keeps results alive so the compiler cannot drop the work */

/* ---- timing, statistics, reporting ---- */

/* The median of v[0..n), v left as it is. */
static double median_of(const double *v, int n) {
    double s[MAX_REPS];
    memcpy(s, v, (size_t)n * sizeof *s);
    return median(s, n);
}

/* Four significant digits, but never an exponent (the collecting script reads plain numbers). */
static const char *num(double v, char buf[32]) {
    snprintf(buf, 32, v >= 1e4 ? "%.0f" : "%.4g", v);
    return buf;
}

/* BENCH line with the median on stdout; every run on stderr. */
static void report(const char *name, const double *v, int n, const char *unit, const char *note) {
    char b[32];
    double m = median_of(v, n);
    fprintf(stderr, "%-28s median %10s %-5s runs:", name, num(m, b), unit);
    for (int i = 0; i < n; i++) fprintf(stderr, " %s", num(v[i], b));
    fprintf(stderr, "%s%s\n", note ? "  " : "", note ? note : "");
    printf("BENCH %s %s %s\n", name, num(m, b), unit);
    fflush(stdout);
}

/* RATIO line: median over reps of tfc[i] / peer[i] (throughputs measured back to back). */
static void report_ratio(const char *name, const double *tfc, const double *peer, int n) {
    double r[MAX_REPS] = {0};
    for (int i = 0; i < n; i++) r[i] = tfc[i] / peer[i];
    double m = median_of(r, n);
    fprintf(stderr, "%-28s median %10.3f tfc/peer runs:", name, m);
    for (int i = 0; i < n; i++) fprintf(stderr, " %.3f", r[i]);
    fprintf(stderr, "\n");
    printf("RATIO %s %.3f\n", name, m);
    fflush(stdout);
}

static int fail(const char *what, const tfc_status *st) {
    fprintf(stderr, "bench_record: %s: %s: %s\n", what, tfc_code_name(st->code), st->msg);
    return -1;
}

/* Runs argv[0] (PATH lookup) with stdout to /dev/null; *secs is spawn to reap. Fails unless the
 * child exits 0. */
static int run_cmd(char *const argv[], double *secs) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0) {
        fprintf(stderr, "bench_record: posix_spawn_file_actions failed\n");
        return -1;
    }
    double t0 = now();
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        fprintf(stderr, "bench_record: cannot run %s: %s\n", argv[0], strerror(err));
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        perror("bench_record: waitpid");
        return -1;
    }
    *secs = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_record: %s %s failed (status 0x%x)\n", argv[0],
                argv[1] ? argv[1] : "", status);
        return -1;
    }
    return 0;
}

/* ---- data: Fashion-MNIST-like Examples and the files made of them ---- */

static uint64_t rnd(uint64_t *s) { /* xorshift64* */
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* A 28x28 "garment": a noisy filled ellipse of one shade on a black background, so the bytes
 * compress like an image rather than like noise (deflate keeps ~34%; real Fashion-MNIST ~56%). */
static void make_image(uint8_t img[784], uint64_t *s) {
    int cx = 12 + (int)(rnd(s) % 5), rx = 5 + (int)(rnd(s) % 7), ry = 9 + (int)(rnd(s) % 4);
    int shade = 90 + (int)(rnd(s) % 130);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            int dx = x - cx, dy = y - 14;
            int v = 0;
            if (dx * dx * ry * ry + dy * dy * rx * rx <= rx * rx * ry * ry)
                v = shade + (int)(rnd(s) % 48) - 24;
            img[y * 28 + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

/* Builds one Example: image/raw (784 bytes), image/height, image/width, label. NULL on failure. */
static tfc_example *make_example(uint64_t *s, int label) {
    uint8_t img[784];
    make_image(img, s);
    tfc_example *ex = tfc_example_new();
    int64_t h = 28, w = 28, l = label;
    if (!ex || tfc_example_set_bytes(ex, "image/raw", &(tfc_bytes){img, sizeof img}, 1) != TFC_OK ||
        tfc_example_set_int64s(ex, "image/height", &h, 1) != TFC_OK ||
        tfc_example_set_int64s(ex, "image/width", &w, 1) != TFC_OK ||
        tfc_example_set_int64s(ex, "label", &l, 1) != TFC_OK) {
        tfc_example_free(ex);
        return NULL;
    }
    return ex;
}

static int make_payloads(bench *b) {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < NDISTINCT; k++) {
        tfc_status st = {0};
        tfc_example *ex = make_example(&s, k % 10);
        if (!ex) {
            fprintf(stderr, "bench_record: building an Example failed (out of memory)\n");
            return -1;
        }
        tfc_code c = tfc_example_serialize(ex, &b->payload[k], &b->plen[k], &st);
        tfc_example_free(ex);
        if (c != TFC_OK) return fail("tfc_example_serialize", &st);
    }
    return 0;
}

/* Records (round-robin over the payloads) and stream bytes needed to reach min_bytes. */
static void plan(const bench *b, uint64_t min_bytes, int64_t *n, uint64_t *bytes) {
    *n = 0, *bytes = 0;
    while (*bytes < min_bytes) *bytes += 16 + b->plen[(*n)++ % NDISTINCT];
}

static int write_records(const bench *b, const char *path, int64_t n, tfc_compression comp,
                         bool atomic) {
    tfc_status st = {0};
    tfc_record_writer *w;
    tfc_record_writer_opts o = {.compression = comp, .atomic = atomic};
    if (tfc_record_writer_open(path, &o, &w, &st) != TFC_OK)
        return fail("tfc_record_writer_open", &st);
    for (int64_t i = 0; i < n; i++) {
        int k = (int)(i % NDISTINCT);
        if (tfc_record_writer_write(w, b->payload[k], b->plen[k], &st) != TFC_OK) {
            tfc_record_writer_abort(w);
            return fail("tfc_record_writer_write", &st);
        }
    }
    if (tfc_record_writer_close(w, &st) != TFC_OK) return fail("tfc_record_writer_close", &st);
    return 0;
}

static bool file_size_is(const char *path, uint64_t size) {
    struct stat sb;
    return stat(path, &sb) == 0 && (uint64_t)sb.st_size == size;
}

/* The 1 GiB NONE file with a valid sidecar index, and the GZIP file; made once (atomically, so
 * a file that is present is complete) and reused while it has the expected size. */
static int ensure_data(bench *b, bool want_gz) {
    tfc_status st = {0};
    plan(b, GIB, &b->nrec, &b->data_size);
    if (!file_size_is(b->data, b->data_size)) {
        fprintf(stderr, "generating %s (%lld records, %llu bytes)\n", b->data, (long long)b->nrec,
                (unsigned long long)b->data_size);
        if (write_records(b, b->data, b->nrec, TFC_COMPRESSION_NONE, true) != 0) return -1;
    }
    tfc_record_index *idx = NULL;
    if (tfc_record_index_load(b->data, NULL, &idx, &st) != TFC_OK ||
        tfc_record_index_count(idx) != b->nrec) {
        tfc_record_index_free(idx);
        fprintf(stderr, "indexing %s\n", b->data);
        if (tfc_record_index_build(b->data, TFC_COMPRESSION_NONE, &idx, &st) != TFC_OK)
            return fail("tfc_record_index_build", &st);
        tfc_code c = tfc_record_index_write(idx, NULL, &st);
        tfc_record_index_free(idx);
        if (c != TFC_OK) return fail("tfc_record_index_write", &st);
    } else {
        tfc_record_index_free(idx);
    }
    plan(b, GZ_BYTES, &b->gz_nrec, &b->gz_stream);
    if (want_gz && access(b->gz, F_OK) != 0) {
        fprintf(stderr, "generating %s (%lld records, %llu bytes before compression)\n", b->gz,
                (long long)b->gz_nrec, (unsigned long long)b->gz_stream);
        if (write_records(b, b->gz, b->gz_nrec, TFC_COMPRESSION_GZIP, true) != 0) return -1;
    }
    return 0;
}

/* ---- figures ---- */

/* Reads path with tfc's reader (all CRCs checked); checks the record count and stream size. */
static int tfc_read(const char *path, size_t buf, int64_t want_n, uint64_t want_bytes,
                    double *secs) {
    double t0 = now();
    tfc_status st = {0};
    tfc_record_reader *r;
    tfc_record_reader_opts o = {.buffer_size = buf};
    if (tfc_record_reader_open(path, &o, &r, &st) != TFC_OK)
        return fail("tfc_record_reader_open", &st);
    tfc_bytes rec;
    tfc_code c;
    int64_t n = 0;
    uint64_t bytes = 0;
    while ((c = tfc_record_reader_next(r, &rec, &st)) == TFC_OK) n++, bytes += 16 + rec.size;
    tfc_record_reader_free(r);
    *secs = now() - t0;
    if (c != TFC_OUT_OF_RANGE) return fail("tfc_record_reader_next", &st);
    if (n != want_n || bytes != want_bytes) {
        fprintf(stderr,
                "bench_record: %s has %lld records (%llu bytes), expected %lld (%llu); "
                "remove it to regenerate\n",
                path, (long long)n, (unsigned long long)bytes, (long long)want_n,
                (unsigned long long)want_bytes);
        return -1;
    }
    return 0;
}

static int bench_read(bench *b) {
    double lib[MAX_REPS], cat[MAX_REPS], cli[MAX_REPS], s;
    char *cat_argv[] = {"cat", b->data, NULL};
    char *cli_argv[] = {(char *)b->tfc_bin, "record", "verify", b->data, NULL};
    double gb = (double)b->data_size / 1e9;
    /* Warm the page cache and every code path once. */
    if (run_cmd(cat_argv, &s) || tfc_read(b->data, b->read_buf, b->nrec, b->data_size, &s) ||
        run_cmd(cli_argv, &s))
        return -1;
    for (int i = 0; i < b->reps; i++) {
        if (tfc_read(b->data, b->read_buf, b->nrec, b->data_size, &s)) return -1;
        lib[i] = gb / s;
        if (run_cmd(cat_argv, &s)) return -1;
        cat[i] = gb / s;
        if (run_cmd(cli_argv, &s)) return -1;
        cli[i] = gb / s;
    }
    char note[64];
    snprintf(note, sizeof note, "(tfc_record_reader, %zu KiB buffer)", b->read_buf >> 10);
    report("record_verify_gbps", lib, b->reps, "GB/s", note);
    report("cat_gbps", cat, b->reps, "GB/s", NULL);
    report("record_verify_cli_gbps", cli, b->reps, "GB/s", "(tfc record verify)");
    report_ratio("record_verify_vs_cat", lib, cat, b->reps);
    report_ratio("record_verify_cli_vs_cat", cli, cat, b->reps);
    return 0;
}

static int bench_gzip(bench *b) {
    double lib[MAX_REPS], zc[MAX_REPS], s;
    char *zcat_argv[] = {"zcat", b->gz, NULL};
    double gb = (double)b->gz_stream / 1e9;
    struct stat sb;
    if (stat(b->gz, &sb) != 0) {
        perror(b->gz);
        return -1;
    }
    char note[96];
    snprintf(note, sizeof note, "(uncompressed bytes; file %.1f%% of them)",
             100.0 * (double)sb.st_size / (double)b->gz_stream);
    if (run_cmd(zcat_argv, &s) || tfc_read(b->gz, b->read_buf, b->gz_nrec, b->gz_stream, &s))
        return -1;
    for (int i = 0; i < b->reps; i++) {
        if (tfc_read(b->gz, b->read_buf, b->gz_nrec, b->gz_stream, &s)) return -1;
        lib[i] = gb / s;
        if (run_cmd(zcat_argv, &s)) return -1;
        zc[i] = gb / s;
    }
    report("record_gzip_gbps", lib, b->reps, "GB/s", note);
    report("zcat_gbps", zc, b->reps, "GB/s", NULL);
    report_ratio("record_gzip_vs_zcat", lib, zc, b->reps);
    return 0;
}

/* One timed write of the whole 1 GiB stream (open to close, no fsync), then the file is removed. */
static int tfc_write_once(const bench *b, double *secs) {
    double t0 = now();
    if (write_records(b, b->wfile, b->nrec, TFC_COMPRESSION_NONE, false) != 0) return -1;
    *secs = now() - t0;
    bool ok = file_size_is(b->wfile, b->data_size);
    unlink(b->wfile);
    if (!ok) fprintf(stderr, "bench_record: %s has the wrong size after writing\n", b->wfile);
    return ok ? 0 : -1;
}

static int dd_once(const bench *b, double *secs) {
    char of[PATH_MAX_ + 3];
    snprintf(of, sizeof of, "of=%s", b->ddfile);
    char *argv[] = {"dd", "if=/dev/zero", of, "bs=1M", "count=1024", "status=none", NULL};
    int r = run_cmd(argv, secs);
    unlink(b->ddfile);
    return r;
}

static int bench_write(bench *b) {
    double lib[MAX_REPS], dd[MAX_REPS], s;
    if (tfc_write_once(b, &s) || dd_once(b, &s)) return -1;
    for (int i = 0; i < b->reps; i++) {
        if (tfc_write_once(b, &s)) return -1;
        lib[i] = (double)b->data_size / 1e9 / s;
        if (dd_once(b, &s)) return -1;
        dd[i] = (double)GIB / 1e9 / s;
    }
    report("record_write_gbps", lib, b->reps, "GB/s", "(tfc_record_writer NONE, page cache)");
    report("dd_write_gbps", dd, b->reps, "GB/s", "(dd bs=1M from /dev/zero)");
    report_ratio("record_write_vs_dd", lib, dd, b->reps);
    return 0;
}

static int count_once(const bench *b, bool no_index, double *secs) {
    tfc_status st = {0};
    tfc_record_count_opts o = {.no_index = no_index};
    int64_t n;
    double t0 = now();
    if (tfc_record_count(b->data, &o, &n, &st) != TFC_OK) return fail("tfc_record_count", &st);
    *secs = now() - t0;
    if (n != b->nrec) {
        fprintf(stderr, "bench_record: count %lld, expected %lld\n", (long long)n,
                (long long)b->nrec);
        return -1;
    }
    return 0;
}

static int bench_count(bench *b) {
    enum { INDEXED_CALLS = 20 };
    double idx[MAX_REPS], raw[MAX_REPS], s;
    if (count_once(b, false, &s) || count_once(b, true, &s)) return -1;
    for (int i = 0; i < b->reps; i++) {
        double sum = 0;
        for (int k = 0; k < INDEXED_CALLS; k++) {
            if (count_once(b, false, &s)) return -1;
            sum += s;
        }
        idx[i] = sum / INDEXED_CALLS * 1e6;
        if (count_once(b, true, &s)) return -1;
        raw[i] = s * 1e3;
    }
    char note[96];
    snprintf(note, sizeof note, "(%lld records; mean of %d calls per run)", (long long)b->nrec,
             INDEXED_CALLS);
    report("record_count_indexed_us", idx, b->reps, "us", note);
    report("record_count_noindex_ms", raw, b->reps, "ms", "(headers only)");
    return 0;
}

/* Parses n payloads round-robin and reads the four features as a user would. */
static int parse_many(const bench *b, int n, double *secs) {
    uint64_t acc = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        int k = i % NDISTINCT;
        tfc_status st = {0};
        tfc_example *ex;
        if (tfc_example_parse(b->payload[k], b->plen[k], &ex, &st) != TFC_OK)
            return fail("tfc_example_parse", &st);
        const tfc_features *fs = tfc_example_features_const(ex);
        const tfc_bytes *img;
        const int64_t *h, *w, *l;
        size_t ni, nh, nw, nl;
        if (tfc_features_get_bytes(fs, "image/raw", &img, &ni, &st) != TFC_OK ||
            tfc_features_get_int64s(fs, "image/height", &h, &nh, &st) != TFC_OK ||
            tfc_features_get_int64s(fs, "image/width", &w, &nw, &st) != TFC_OK ||
            tfc_features_get_int64s(fs, "label", &l, &nl, &st) != TFC_OK) {
            tfc_example_free(ex);
            return fail("tfc_features_get", &st);
        }
        bool ok = ni == 1 && img[0].size == 784 && nh == 1 && nw == 1 && nl == 1 &&
                  h[0] * w[0] == 784 && l[0] == k % 10;
        acc += img[0].data[i % 784] + (uint64_t)l[0];
        tfc_example_free(ex);
        if (!ok) {
            fprintf(stderr, "bench_record: parsed Example %d has the wrong features\n", k);
            return -1;
        }
    }
    *secs = now() - t0;
    sink += acc;
    return 0;
}

static int serialize_many(tfc_example **exs, int n, double *secs) {
    uint64_t acc = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        tfc_status st = {0};
        uint8_t *buf;
        size_t len;
        if (tfc_example_serialize(exs[i % NDISTINCT], &buf, &len, &st) != TFC_OK)
            return fail("tfc_example_serialize", &st);
        acc += len + buf[len / 2];
        tfc_free(buf);
    }
    *secs = now() - t0;
    sink += acc;
    return 0;
}

static int bench_example(bench *b) {
    enum { N = 300000 };
    double parse[MAX_REPS], ser[MAX_REPS], s;
    tfc_example **exs = tfc_calloc(NDISTINCT, sizeof *exs);
    int rc = exs ? 0 : -1;
    uint64_t seed = 0x9e3779b97f4a7c15ull; /* the same Examples as the payloads */
    for (int k = 0; k < NDISTINCT && rc == 0; k++)
        if (!(exs[k] = make_example(&seed, k % 10))) rc = -1;
    if (rc) fprintf(stderr, "bench_record: building Examples failed (out of memory)\n");
    if (rc == 0) rc = parse_many(b, N / 10, &s) || serialize_many(exs, N / 10, &s) ? -1 : 0;
    for (int i = 0; i < b->reps && rc == 0; i++) {
        double t;
        if (parse_many(b, N, &s) || serialize_many(exs, N, &t))
            rc = -1;
        else
            parse[i] = N / s, ser[i] = N / t;
    }
    for (int k = 0; exs && k < NDISTINCT; k++) tfc_example_free(exs[k]);
    tfc_free(exs);
    if (rc) return rc;
    char note[64];
    snprintf(note, sizeof note, "(%zu-byte Examples, 1 thread)", b->plen[0]);
    report("example_parse_1t", parse, b->reps, "rec/s", note);
    report("example_serialize_1t", ser, b->reps, "rec/s", note);
    return 0;
}

static int bench_crc(bench *b) {
    enum { MIB = 1 << 20, HW_ITERS = 2000, PORT_ITERS = 200, REC_PASSES = 1000 };
    double hw[MAX_REPS], port[MAX_REPS], rec[MAX_REPS];
    uint8_t *buf = tfc_aligned_alloc(MIB);
    if (!buf) {
        fprintf(stderr, "bench_record: out of memory\n");
        return -1;
    }
    uint64_t s = 42;
    for (size_t i = 0; i < MIB; i += 8) {
        uint64_t v = rnd(&s);
        memcpy(buf + i, &v, 8);
    }
    size_t rlen = b->plen[0]; /* one record's payload: what the reader checksums per call */
    size_t per_pass = MIB / rlen;
    uint32_t acc = 0;
    for (int i = 0; i < b->reps; i++) {
        double t0 = now();
        for (int k = 0; k < HW_ITERS; k++) acc ^= tfc_crc32c_extend(acc, buf, MIB);
        hw[i] = (double)HW_ITERS * MIB / 1e9 / (now() - t0);
        t0 = now();
        for (int k = 0; k < PORT_ITERS; k++) acc ^= tfc_crc32c_extend_portable(acc, buf, MIB);
        port[i] = (double)PORT_ITERS * MIB / 1e9 / (now() - t0);
        t0 = now();
        for (int k = 0; k < REC_PASSES; k++)
            for (size_t j = 0; j < per_pass; j++) acc ^= tfc_crc32c(buf + j * rlen, rlen);
        rec[i] = (double)REC_PASSES * (double)(per_pass * rlen) / 1e9 / (now() - t0);
    }
    sink += acc;
    tfc_aligned_free(buf);
    char note[64], rnote[64];
    snprintf(note, sizeof note, "(1 MiB buffer, %s)", tfc_crc32c_impl());
    snprintf(rnote, sizeof rnote, "(%zu-byte buffers, as the reader calls it)", rlen);
    report("crc32c_gbps", hw, b->reps, "GB/s", note);
    report("crc32c_portable_gbps", port, b->reps, "GB/s", "(1 MiB buffer, slicing-by-8)");
    report("crc32c_record_gbps", rec, b->reps, "GB/s", rnote);
    return 0;
}

/* ---- driver ---- */

static const struct part {
    const char *name;
    int (*fn)(bench *);
    bool data, gz;
} parts[] = {
    {"crc", bench_crc, false, false},    {"example", bench_example, false, false},
    {"count", bench_count, true, false}, {"read", bench_read, true, false},
    {"gzip", bench_gzip, true, true},    {"write", bench_write, true, false},
};
enum { NPARTS = sizeof parts / sizeof parts[0] };

static int set_paths(bench *b) {
    b->dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "build/bench-data";
    b->tfc_bin = getenv("TFC_BIN") ? getenv("TFC_BIN") : "build/tfc";
    b->reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 5;
    if (b->reps < 1 || b->reps > MAX_REPS) {
        fprintf(stderr, "bench_record: BENCH_REPS must be 1..%d\n", MAX_REPS);
        return -1;
    }
    int kib = getenv("BENCH_READ_BUF_KIB") ? atoi(getenv("BENCH_READ_BUF_KIB")) : READ_BUF_KIB;
    if (kib < 4 || kib > (1 << 20)) {
        fprintf(stderr, "bench_record: BENCH_READ_BUF_KIB must be 4..1048576\n");
        return -1;
    }
    b->read_buf = (size_t)kib << 10;
    if (mkdir(b->dir, 0777) != 0 && access(b->dir, W_OK) != 0) {
        fprintf(stderr, "bench_record: cannot use BENCH_DIR %s: %s\n", b->dir, strerror(errno));
        return -1;
    }
    const char *names[] = {"fmnist-1GiB.tfrecord", "fmnist-256MiB.tfrecord.gz",
                           "write-tfc.tfrecord", "write-dd.bin"};
    char *dst[] = {b->data, b->gz, b->wfile, b->ddfile};
    for (int i = 0; i < 4; i++)
        if (snprintf(dst[i], PATH_MAX_, "%s/%s", b->dir, names[i]) >= PATH_MAX_) {
            fprintf(stderr, "bench_record: BENCH_DIR is too long\n");
            return -1;
        }
    return 0;
}

int main(int argc, char **argv) {
    static bench b; /* large; zero-initialised */
    bool want[NPARTS] = {0}, data = false, gz = false;
    for (int i = 1; i < argc; i++) {
        int p = 0;
        while (p < NPARTS && strcmp(argv[i], parts[p].name) != 0) p++;
        if (p < NPARTS)
            want[p] = true;
        else if (strcmp(argv[i], "all") == 0)
            memset(want, 1, sizeof want);
        else {
            fprintf(stderr, "usage: bench_record [crc|example|count|read|gzip|write|all]...\n");
            return 2;
        }
    }
    if (argc == 1) memset(want, 1, sizeof want);
    for (int p = 0; p < NPARTS; p++)
        if (want[p]) data |= parts[p].data, gz |= parts[p].gz;
    int rc = set_paths(&b) || make_payloads(&b) || (data && ensure_data(&b, gz)) ? 1 : 0;
    for (int p = 0; p < NPARTS && rc == 0; p++)
        if (want[p] && parts[p].fn(&b) != 0) {
            fprintf(stderr, "bench_record: %s failed\n", parts[p].name);
            rc = 1;
        }
    for (int k = 0; k < NDISTINCT; k++) tfc_free(b.payload[k]);
    if (tfc_alloc_live_count() != 0) {
        fprintf(stderr, "bench_record: %lld blocks (%lld bytes) still allocated at exit\n",
                (long long)tfc_alloc_live_count(), (long long)tfc_alloc_live_bytes());
        rc = 1;
    }
    return rc;
}
