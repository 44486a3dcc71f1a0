/* TFRecord reader, writer, index and counting: real files from ../shared/testdata, round trips in
 * all three compressions, every single-byte flip and every truncation of small files. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test_util.h"
#include "tfc/gfile.h"
#include "tfc/record.h"
#include "io/record_int.h"
#include "proto/event.pb-c.h"

/* ---- helpers ---- */

typedef struct recs {
    int n;
    size_t len[512];
    uint8_t *data[512];
} recs;

static void recs_free(recs *r) {
    for (int i = 0; i < r->n; i++) free(r->data[i]);
    r->n = 0;
}

/* Reads all records of path; returns the final code (OUT_OF_RANGE on a clean end). */
static tfc_code read_all(const char *path, tfc_compression comp, recs *out, tfc_status *st) {
    tfc_record_reader *r;
    tfc_record_reader_opts o = {.compression = comp};
    memset(out, 0, sizeof *out);
    tfc_code c = tfc_record_reader_open(path, &o, &r, st);
    if (c != TFC_OK) return c;
    tfc_bytes b;
    while ((c = tfc_record_reader_next(r, &b, st)) == TFC_OK) {
        assert_true(out->n < 512);
        out->len[out->n] = b.size;
        out->data[out->n] = malloc(b.size + 1);
        memcpy(out->data[out->n], b.data, b.size);
        out->n++;
    }
    tfc_record_reader_free(r);
    return c;
}

static int64_t count_records(const char *path, tfc_compression comp) {
    recs rs;
    tfc_status st;
    tfc_code c = read_all(path, comp, &rs, &st);
    if (c != TFC_OUT_OF_RANGE) fail_msg("%s: %s", path, st.msg);
    int n = rs.n;
    recs_free(&rs);
    return n;
}

static void write_records(const char *path, tfc_compression comp, int n, const size_t *lens) {
    tfc_record_writer *w;
    tfc_status st;
    tfc_record_writer_opts o = {.compression = comp};
    TU_OK(tfc_record_writer_open(path, &o, &w, &st));
    for (int i = 0; i < n; i++) {
        uint8_t *p = malloc(lens[i] + 1);
        for (size_t k = 0; k < lens[i]; k++) p[k] = (uint8_t)(i * 31 + k * 7);
        TU_OK(tfc_record_writer_write(w, p, lens[i], &st));
        free(p);
    }
    assert_int_equal(tfc_record_writer_count(w), n);
    TU_OK(tfc_record_writer_close(w, &st));
}

static void check_pattern(const recs *rs, int n, const size_t *lens) {
    assert_int_equal(rs->n, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(rs->len[i], lens[i]);
        for (size_t k = 0; k < lens[i]; k++)
            if (rs->data[i][k] != (uint8_t)(i * 31 + k * 7)) fail_msg("record %d byte %zu", i, k);
    }
}

/* ---- real files ---- */

static void test_quick_brown_fox_bytes(void **state) {
    (void)state;
    size_t n;
    uint8_t *want = tu_read_file(tu_testdata("tfrecord/quick_brown_fox.tfrecord"), &n);
    assert_non_null(want);
    assert_int_equal(n, 35);
    const char *out = tu_tmp("fox.tfrecord");
    tfc_record_writer *w;
    tfc_status st;
    TU_OK(tfc_record_writer_open(out, NULL, &w, &st));
    TU_OK(tfc_record_writer_write(w, "The Quick Brown Fox", 19, &st));
    TU_OK(tfc_record_writer_close(w, &st));
    size_t m;
    uint8_t *got = tu_read_file(out, &m);
    assert_int_equal(m, n);
    assert_memory_equal(got, want, n); /* byte for byte what TensorFlow wrote */
    recs rs;
    assert_int_equal(
        read_all(tu_testdata("tfrecord/quick_brown_fox.tfrecord"), TFC_COMPRESSION_AUTO, &rs, &st),
        TFC_OUT_OF_RANGE);
    assert_string_equal(st.msg, "eof");
    assert_int_equal(rs.n, 1);
    assert_memory_equal(rs.data[0], "The Quick Brown Fox", 19);
    recs_free(&rs);
    free(want);
    free(got);
}

static void test_real_files_counts(void **state) {
    (void)state;
    static const struct {
        const char *path;
        tfc_compression comp;
        int count;
        size_t len_min, len_max;
    } files[] = {
        {"tfrecord/quick_brown_fox.tfrecord", TFC_COMPRESSION_NONE, 1, 19, 19},
        {"tfrecord/en_fr_not_example.tfrecord", TFC_COMPRESSION_NONE, 2, 52, 56},
        {"tfrecord/wmt14_examples.tfrecord", TFC_COMPRESSION_NONE, 100, 307, 2363},
        {"tfrecord/penguin_eval.tfrecord.gz", TFC_COMPRESSION_GZIP, 100, 136, 136},
        {"tfrecord/penguin_eval.tfrecord.zlib", TFC_COMPRESSION_ZLIB, 100, 136, 136},
        {"tfrecord/tfjs_next_page_fname_header.tfrecord.gz", TFC_COMPRESSION_GZIP, 100, 69, 69},
        {"events/hello_scalar.tfevents.v2", TFC_COMPRESSION_NONE, 2, 0, 1000},
        {"events/lingvo_scalars.tfevents", TFC_COMPRESSION_NONE, 361, 0, 100000},
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        const char *path = tu_testdata(files[f].path);
        tfc_record_reader *r;
        tfc_status st;
        TU_OK(tfc_record_reader_open(path, NULL, &r, &st));
        assert_int_equal(tfc_record_reader_compression(r), files[f].comp);
        tfc_bytes b;
        int n = 0;
        size_t mn = SIZE_MAX, mx = 0;
        uint64_t stream = 0;
        tfc_code c;
        while ((c = tfc_record_reader_next(r, &b, &st)) == TFC_OK) {
            n++;
            if (b.size < mn) mn = b.size;
            if (b.size > mx) mx = b.size;
            stream += b.size + 16;
        }
        if (c != TFC_OUT_OF_RANGE) fail_msg("%s: %s", path, st.msg);
        assert_int_equal(n, files[f].count);
        assert_true(mn >= files[f].len_min && mx <= files[f].len_max);
        if (files[f].len_min == files[f].len_max) assert_int_equal(mn, files[f].len_min);
        assert_int_equal(tfc_record_reader_offset(r), stream);
        tfc_record_reader_free(r);
        int64_t cnt;
        tfc_record_count_opts co = {.no_index = true};
        TU_OK(tfc_record_count(path, &co, &cnt, &st));
        assert_int_equal(cnt, files[f].count);
    }
    /* Inflated sizes from the README: 15200 (penguin) and 8500 (tfjs). */
    assert_int_equal(100 * (136 + 16), 15200);
    assert_int_equal(100 * (69 + 16), 8500);
}

static void test_penguin_gzip_equals_zlib(void **state) {
    (void)state;
    recs a, b;
    tfc_status st;
    assert_int_equal(
        read_all(tu_testdata("tfrecord/penguin_eval.tfrecord.gz"), TFC_COMPRESSION_GZIP, &a, &st),
        TFC_OUT_OF_RANGE);
    assert_int_equal(
        read_all(tu_testdata("tfrecord/penguin_eval.tfrecord.zlib"), TFC_COMPRESSION_ZLIB, &b, &st),
        TFC_OUT_OF_RANGE);
    assert_int_equal(a.n, 100);
    assert_int_equal(b.n, 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(a.len[i], b.len[i]);
        assert_memory_equal(a.data[i], b.data[i], a.len[i]);
    }
    /* Record 0 is an Example whose first map entry is "species" (FORMATS.md §2). */
    assert_non_null(memmem(a.data[0], a.len[0], "species", 7));
    recs_free(&a);
    recs_free(&b);
}

static void test_event_file_header(void **state) {
    (void)state;
    size_t n;
    uint8_t *f = tu_read_file(tu_testdata("events/hello_scalar.tfevents.v2"), &n);
    assert_int_equal(n, 94);
    static const uint8_t hdr[12] = {0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22};
    assert_memory_equal(f, hdr, 12);
    uint8_t enc[12];
    tfc_record_encode_header(24, enc);
    assert_memory_equal(enc, hdr, 12);
    tfc_record_reader *r;
    tfc_status st;
    TU_OK(tfc_record_reader_open_memory(f, n, "hello", NULL, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 24);
    assert_int_equal(b.data[0], 0x09);
    assert_memory_equal(b.data + 9,
                        "\x1a\x0d"
                        "brain.Event:2",
                        15);
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_non_null(memmem(b.data, b.size, "hello", 5));
    assert_non_null(memmem(b.data, b.size, "scalars", 7));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_free(r);
    free(f);
}

/* The facts testdata/README.md gives for the event files, decoded with the project's event.proto.
 */
static void test_event_files_facts(void **state) {
    (void)state;
    tfc_record_reader *r;
    tfc_status st;
    tfc_bytes b;
    TU_OK(tfc_record_reader_open(tu_testdata("events/hello_scalar.tfevents.v2"), NULL, &r, &st));
    TU_OK(tfc_record_reader_next(r, &b, &st));
    Tensorflow__Event *ev = tensorflow__event__unpack(NULL, b.size, b.data);
    assert_non_null(ev);
    assert_int_equal(ev->what_case, TENSORFLOW__EVENT__WHAT_FILE_VERSION);
    assert_string_equal(ev->file_version, "brain.Event:2");
    tensorflow__event__free_unpacked(ev, NULL);
    TU_OK(tfc_record_reader_next(r, &b, &st));
    ev = tensorflow__event__unpack(NULL, b.size, b.data);
    assert_non_null(ev);
    assert_int_equal(ev->step, 0);
    assert_int_equal(ev->what_case, TENSORFLOW__EVENT__WHAT_SUMMARY);
    assert_int_equal(ev->summary->n_value, 1);
    Tensorflow__Summary__Value *v = ev->summary->value[0];
    assert_string_equal(v->tag, "hello");
    assert_int_equal(v->value_case, TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE);
    assert_true(v->simple_value == 1.0f);
    assert_non_null(v->metadata);
    assert_string_equal(v->metadata->plugin_data->plugin_name, "scalars");
    tensorflow__event__free_unpacked(ev, NULL);
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_free(r);

    TU_OK(tfc_record_reader_open(tu_testdata("events/lingvo_scalars.tfevents"), NULL, &r, &st));
    int summaries = 0, versions = 0;
    int64_t max_step = 0;
    char tags[16][64];
    int ntags = 0;
    tfc_code c;
    while ((c = tfc_record_reader_next(r, &b, &st)) == TFC_OK) {
        ev = tensorflow__event__unpack(NULL, b.size, b.data);
        assert_non_null(ev);
        if (ev->what_case == TENSORFLOW__EVENT__WHAT_FILE_VERSION) versions++;
        if (ev->what_case == TENSORFLOW__EVENT__WHAT_SUMMARY) {
            summaries++;
            if (ev->step > max_step) max_step = ev->step;
            for (size_t i = 0; i < ev->summary->n_value; i++) {
                Tensorflow__Summary__Value *sv = ev->summary->value[i];
                assert_int_equal(sv->value_case, TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE);
                int k = 0;
                while (k < ntags && strcmp(tags[k], sv->tag)) k++;
                if (k == ntags) {
                    assert_true(ntags < 16);
                    snprintf(tags[ntags++], 64, "%s", sv->tag);
                }
            }
        }
        tensorflow__event__free_unpacked(ev, NULL);
    }
    assert_int_equal(c, TFC_OUT_OF_RANGE);
    assert_int_equal(versions, 1);
    assert_int_equal(summaries, 360);
    assert_int_equal(ntags, 7);
    assert_int_equal(max_step, 185200);
    tfc_record_reader_free(r);
}

static void test_not_gzip_hint(void **state) {
    (void)state;
    recs rs;
    tfc_status st;
    const char *p = tu_testdata("tfrecord/penguin_eval.tfrecord.gz");
    assert_int_equal(read_all(p, TFC_COMPRESSION_NONE, &rs, &st), TFC_DATA_LOSS);
    assert_int_equal(rs.n, 0);
    assert_non_null(strstr(st.msg, "corrupted record at 0"));
    assert_non_null(strstr(st.msg, "penguin_eval.tfrecord.gz"));
    assert_non_null(strstr(st.msg, "GZIP"));
    /* And a plain file read as GZIP fails cleanly too. */
    assert_int_equal(
        read_all(tu_testdata("tfrecord/wmt14_examples.tfrecord"), TFC_COMPRESSION_GZIP, &rs, &st),
        TFC_DATA_LOSS);
    assert_int_equal(rs.n, 0);
    assert_non_null(strstr(st.msg, "wmt14_examples.tfrecord"));
}

/* ---- round trips ---- */

static const size_t sizes[] = {0, 1, 19, 1000, 100000, 7, 300000, 12};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static void test_round_trips(void **state) {
    (void)state;
    static const tfc_compression comps[] = {TFC_COMPRESSION_NONE, TFC_COMPRESSION_ZLIB,
                                            TFC_COMPRESSION_GZIP};
    for (int c = 0; c < 3; c++) {
        const char *p = tu_tmp("rt.tfrecord");
        write_records(p, comps[c], NSIZES, sizes);
        for (int detect = 0; detect < 2; detect++) {
            recs rs;
            tfc_status st;
            assert_int_equal(read_all(p, detect ? TFC_COMPRESSION_AUTO : comps[c], &rs, &st),
                             TFC_OUT_OF_RANGE);
            check_pattern(&rs, NSIZES, sizes);
            recs_free(&rs);
        }
        size_t n;
        uint8_t *f = tu_read_file(p, &n);
        if (comps[c] == TFC_COMPRESSION_GZIP) {
            static const uint8_t gz[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
            assert_memory_equal(f, gz, 10); /* what TF's zlib-based writer emits */
        } else if (comps[c] == TFC_COMPRESSION_ZLIB) {
            assert_int_equal(f[0], 0x78);
            assert_int_equal(f[1], 0x9c);
        }
        free(f);
    }
}

static void test_empty_files(void **state) {
    (void)state;
    for (int c = TFC_COMPRESSION_NONE; c <= TFC_COMPRESSION_GZIP; c++) {
        const char *p = tu_tmp("empty.tfrecord");
        write_records(p, (tfc_compression)c, 0, sizes);
        recs rs;
        tfc_status st;
        assert_int_equal(read_all(p, TFC_COMPRESSION_AUTO, &rs, &st), TFC_OUT_OF_RANGE);
        assert_int_equal(rs.n, 0);
    }
}

static void test_flush_then_read(void **state) {
    (void)state;
    const char *p = tu_tmp("flush.tfrecord.gz");
    tfc_record_writer *w;
    tfc_status st;
    tfc_record_writer_opts o = {.compression = TFC_COMPRESSION_GZIP};
    TU_OK(tfc_record_writer_open(p, &o, &w, &st));
    TU_OK(tfc_record_writer_write(w, "abc", 3, &st));
    TU_OK(tfc_record_writer_flush(w, &st));
    /* Before close the stream has no trailer: the record is readable, then the stream is cut. */
    tfc_record_reader *r;
    TU_OK(tfc_record_reader_open(p, NULL, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_memory_equal(b.data, "abc", 3);
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "truncated record at 19 in "));
    assert_non_null(strstr(st.msg, "gzip stream ends before its end marker"));
    /* The writer goes on: the same reader follows the growing compressed file. */
    TU_OK(tfc_record_writer_write(w, "defg", 4, &st));
    TU_OK(tfc_record_writer_flush(w, &st));
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_memory_equal(b.data, "defg", 4);
    TU_OK(tfc_record_writer_close(w, &st));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_free(r);
    assert_int_equal(count_records(p, TFC_COMPRESSION_AUTO), 2);
}

static void test_tail_growing_file(void **state) {
    (void)state;
    /* Like TensorBoard following an event file: records appended after eof are read next. */
    const char *p = tu_tmp("growing.tfevents");
    tfc_record_writer *w;
    tfc_status st;
    TU_OK(tfc_record_writer_open(p, NULL, &w, &st));
    TU_OK(tfc_record_writer_write(w, "one", 3, &st));
    TU_OK(tfc_record_writer_flush(w, &st));
    tfc_record_reader *r;
    TU_OK(tfc_record_reader_open(p, NULL, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    TU_OK(tfc_record_writer_write(w, "two!", 4, &st));
    TU_OK(tfc_record_writer_flush(w, &st));
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 4);
    assert_memory_equal(b.data, "two!", 4);
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_free(r);
    TU_OK(tfc_record_writer_close(w, &st));
}

static void test_concatenated_gzip_members(void **state) {
    (void)state;
    size_t n;
    uint8_t *one = tu_read_file(tu_testdata("tfrecord/penguin_eval.tfrecord.gz"), &n);
    uint8_t *two = malloc(3 * n);
    memcpy(two, one, n), memcpy(two + n, one, n), memcpy(two + 2 * n, one, n);
    const char *p = tu_tmp("three_members.gz");
    tu_write_file(p, two, 3 * n);
    assert_int_equal(count_records(p, TFC_COMPRESSION_AUTO), 300);
    /* Trailing garbage after the last member is an error, not silently ignored. */
    memcpy(two + n, "garbage!", 8);
    tu_write_file(p, two, n + 8);
    recs rs;
    tfc_status st;
    assert_int_equal(read_all(p, TFC_COMPRESSION_AUTO, &rs, &st), TFC_DATA_LOSS);
    assert_int_equal(rs.n, 100);
    assert_non_null(strstr(st.msg, "after the end of the gzip stream"));
    recs_free(&rs);
    free(one);
    free(two);
}

static void test_atomic_writer_abort(void **state) {
    (void)state;
    const char *p = tu_tmp("atomic.tfrecord");
    write_records(p, TFC_COMPRESSION_NONE, 2, sizes + 2);
    tfc_record_writer *w;
    tfc_status st;
    tfc_record_writer_opts o = {.compression = TFC_COMPRESSION_GZIP, .atomic = true};
    TU_OK(tfc_record_writer_open(p, &o, &w, &st));
    TU_OK(tfc_record_writer_write(w, "x", 1, &st));
    tfc_record_writer_abort(w);
    recs rs;
    assert_int_equal(read_all(p, TFC_COMPRESSION_AUTO, &rs, &st), TFC_OUT_OF_RANGE);
    check_pattern(&rs, 2, sizes + 2); /* the old file is intact */
    recs_free(&rs);
    tfc_strlist l;
    TU_OK(tfc_gfile_listdir(tu_tmpdir(), &l, &st));
    for (size_t i = 0; i < l.count; i++) assert_null(strstr(l.items[i], "tmp"));
    tfc_strlist_free(&l);
}

/* ---- damage ---- */

/* Reads buf; every record returned must equal the original at its position; returns the final
 * code and how many records came back. */
static tfc_code read_checked(const uint8_t *buf, size_t n, tfc_compression comp, const recs *orig,
                             int *got, tfc_status *st) {
    tfc_record_reader *r;
    tfc_record_reader_opts o = {.compression = comp};
    tfc_code c = tfc_record_reader_open_memory(buf, n, "mem.tfrecord", &o, &r, st);
    if (c != TFC_OK) return c;
    tfc_bytes b;
    *got = 0;
    while ((c = tfc_record_reader_next(r, &b, st)) == TFC_OK) {
        if (*got >= orig->n || b.size != orig->len[*got] ||
            memcmp(b.data, orig->data[*got], b.size) != 0)
            fail_msg("a wrong record %d was returned", *got);
        (*got)++;
    }
    tfc_record_reader_free(r);
    return c;
}

/* Writes the four small records used by the damage tests in compression comp; returns the
 * file's bytes (free with free()) and the records as read back. */
static const size_t damage_lens[] = {5, 0, 40, 3};
static uint8_t *damage_file(int comp, const char *name, recs *orig, size_t *n) {
    const char *p = tu_tmp(name);
    write_records(p, (tfc_compression)comp, 4, damage_lens);
    tfc_status st;
    assert_int_equal(read_all(p, (tfc_compression)comp, orig, &st), TFC_OUT_OF_RANGE);
    return tu_read_file(p, n);
}

static void test_every_byte_flip(void **state) {
    (void)state;
    for (int comp = TFC_COMPRESSION_NONE; comp <= TFC_COMPRESSION_GZIP; comp++) {
        recs orig;
        tfc_status st;
        size_t n;
        uint8_t *f = damage_file(comp, "flip.tfrecord", &orig, &n);
        static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x10};
        int detected = 0, harmless = 0;
        for (size_t i = 0; i < n; i++) {
            for (size_t m = 0; m < sizeof masks; m++) {
                f[i] ^= masks[m];
                int got;
                tfc_code c = read_checked(f, n, (tfc_compression)comp, &orig, &got, &st);
                if (c == TFC_DATA_LOSS) {
                    detected++;
                    assert_non_null(strstr(st.msg, "mem.tfrecord"));
                } else {
                    /* Undetected only where the bytes do not matter (e.g. the gzip mtime). */
                    assert_int_equal(c, TFC_OUT_OF_RANGE);
                    assert_int_equal(got, orig.n);
                    harmless++;
                }
                f[i] ^= masks[m];
            }
        }
        if (comp == TFC_COMPRESSION_NONE) assert_int_equal(harmless, 0);
        assert_true(detected > 0);
        free(f);
        recs_free(&orig);
    }
}

static void test_every_truncation(void **state) {
    (void)state;
    for (int comp = TFC_COMPRESSION_NONE; comp <= TFC_COMPRESSION_GZIP; comp++) {
        recs orig;
        tfc_status st;
        size_t n;
        uint8_t *f = damage_file(comp, "trunc.tfrecord", &orig, &n);
        for (size_t cut = 0; cut < n; cut++) {
            int got;
            tfc_code c = read_checked(f, cut, (tfc_compression)comp, &orig, &got, &st);
            if (comp == TFC_COMPRESSION_NONE) {
                /* Clean end exactly at record boundaries; otherwise "truncated record at B". */
                size_t b = 0;
                int k = 0;
                while (k < 4 && b + damage_lens[k] + 16 <= cut) b += damage_lens[k++] + 16;
                assert_int_equal(got, k);
                if (b == cut) {
                    assert_int_equal(c, TFC_OUT_OF_RANGE);
                } else {
                    assert_int_equal(c, TFC_DATA_LOSS);
                    char want[64];
                    snprintf(want, sizeof want, "truncated record at %zu ", b);
                    if (!strstr(st.msg, want)) fail_msg("cut %zu: %s", cut, st.msg);
                }
            } else if (cut > 0) {
                assert_int_equal(c, TFC_DATA_LOSS); /* a compressed stream cut anywhere */
            } else {
                assert_true(c == TFC_OUT_OF_RANGE || c == TFC_DATA_LOSS);
            }
        }
        free(f);
        recs_free(&orig);
    }
}

static void on_skip(void *ctx, const tfc_status *problem, uint64_t off, uint64_t bytes) {
    int *calls = ctx;
    (*calls)++;
    assert_int_equal(problem->code, TFC_DATA_LOSS);
    assert_int_equal(off, 21);
    assert_int_equal(bytes, 56);
}

static void test_skip_corrupted(void **state) {
    (void)state;
    static const size_t lens[] = {5, 40, 3};
    const char *p = tu_tmp("skip.tfrecord");
    write_records(p, TFC_COMPRESSION_NONE, 3, lens);
    size_t n;
    uint8_t *f = tu_read_file(p, &n);
    f[21 + 12 + 10] ^= 0x55; /* damage record 1's payload */
    int calls = 0;
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.skip_corrupted = true, .on_skip = on_skip, .on_skip_ctx = &calls};
    TU_OK(tfc_record_reader_open_memory(f, n, "skip", &o, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 5);
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 3); /* record 1 skipped */
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_stats s = tfc_record_reader_get_stats(r);
    assert_int_equal(s.records, 2);
    assert_int_equal(s.skipped_regions, 1);
    assert_int_equal(s.skipped_bytes, 56);
    assert_int_equal(calls, 1);
    tfc_record_reader_free(r);
    /* Without the option the reader stays at the bad record and repeats the error. */
    TU_OK(tfc_record_reader_open_memory(f, n, "skip", NULL, &r, &st));
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "corrupted record at 21 in skip: payload checksum"));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_int_equal(tfc_record_reader_offset(r), 21);
    tfc_record_reader_free(r);
    free(f);
}

static void test_hostile_length(void **state) {
    (void)state;
    /* A header whose checksum holds but whose length is absurd must not allocate it. */
    uint8_t buf[12 + 100];
    tfc_record_encode_header((uint64_t)1 << 60, buf);
    memset(buf + 12, 'x', 100);
    tfc_record_reader *r;
    tfc_status st;
    TU_OK(tfc_record_reader_open_memory(buf, sizeof buf, "hostile", NULL, &r, &st));
    tfc_bytes b;
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "truncated record at 0"));
    tfc_record_reader_free(r);
    /* The same inside a gzip stream: the buffer grows only with the bytes that arrive. */
    const char *p = tu_tmp("hostile.gz");
    gzFile g = gzopen(p, "wb");
    gzwrite(g, buf, sizeof buf);
    gzclose(g);
    recs rs;
    assert_int_equal(read_all(p, TFC_COMPRESSION_AUTO, &rs, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "truncated record at 0"));
}

static void test_huge_record(void **state) {
    (void)state;
    const size_t big = (size_t)256 << 20; /* 256 MiB */
    uint8_t *p = malloc(big);
    for (size_t i = 0; i < big; i += 4096) p[i] = (uint8_t)(i >> 12);
    memset(p, 0, 4096);
    uint32_t want = tfc_crc32c(p, big);
    static const tfc_compression comps[] = {TFC_COMPRESSION_NONE, TFC_COMPRESSION_GZIP};
    for (int c = 0; c < 2; c++) {
        const char *path = tu_tmp("huge.tfrecord");
        tfc_record_writer *w;
        tfc_status st;
        tfc_record_writer_opts o = {.compression = comps[c], .compression_level = 1};
        TU_OK(tfc_record_writer_open(path, &o, &w, &st));
        TU_OK(tfc_record_writer_write(w, "small", 5, &st));
        TU_OK(tfc_record_writer_write(w, p, big, &st));
        TU_OK(tfc_record_writer_write(w, "tail", 4, &st));
        TU_OK(tfc_record_writer_close(w, &st));
        tfc_record_reader *r;
        TU_OK(tfc_record_reader_open(path, NULL, &r, &st));
        tfc_bytes b;
        TU_OK(tfc_record_reader_next(r, &b, &st));
        assert_int_equal(b.size, 5);
        TU_OK(tfc_record_reader_next(r, &b, &st));
        assert_int_equal(b.size, big);
        assert_int_equal(tfc_crc32c(b.data, b.size), want);
        TU_OK(tfc_record_reader_next(r, &b, &st));
        assert_memory_equal(b.data, "tail", 4);
        assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
        tfc_record_reader_free(r);
        TU_OK(tfc_gfile_remove(path, &st));
    }
    free(p);
}

/* ---- index and counting ---- */

static void copy_testdata(const char *rel, const char *dst) {
    size_t n;
    uint8_t *b = tu_read_file(tu_testdata(rel), &n);
    tu_write_file(dst, b, n);
    free(b);
}

static void test_index_uncompressed(void **state) {
    (void)state;
    const char *p = tu_tmp("wmt.tfrecord");
    copy_testdata("tfrecord/wmt14_examples.tfrecord", p);
    recs all;
    tfc_status st;
    memset(&all, 0, sizeof all);
    tfc_record_index *idx;
    TU_OK(tfc_record_index_build(p, TFC_COMPRESSION_AUTO, &idx, &st));
    assert_int_equal(tfc_record_index_count(idx), 100);
    TU_OK(tfc_record_index_write(idx, NULL, &st));
    tfc_record_index_free(idx);
    TU_OK(tfc_record_index_load(p, NULL, &idx, &st));
    assert_int_equal(tfc_record_index_count(idx), 100);
    /* Random access equals the sequential read, in any order. */
    tfc_record_reader *seq, *ra;
    TU_OK(tfc_record_reader_open(p, NULL, &seq, &st));
    TU_OK(tfc_record_reader_open(p, NULL, &ra, &st));
    uint8_t *copies[100];
    size_t lens[100];
    for (int i = 0; i < 100; i++) {
        tfc_bytes b;
        TU_OK(tfc_record_reader_next(seq, &b, &st));
        copies[i] = malloc(b.size);
        memcpy(copies[i], b.data, b.size);
        lens[i] = b.size;
        uint64_t off, framed;
        TU_OK(tfc_record_index_entry(idx, i, &off, &framed, &st));
        assert_int_equal(framed, b.size + 16);
    }
    for (int k = 0; k < 300; k++) {
        int i = (k * 37 + 11) % 100;
        tfc_bytes b;
        TU_OK(tfc_record_reader_read_at(ra, idx, i, &b, &st));
        assert_int_equal(b.size, lens[i]);
        assert_memory_equal(b.data, copies[i], b.size);
    }
    tfc_bytes b;
    assert_int_equal(tfc_record_reader_read_at(ra, idx, 100, &b, &st), TFC_OUT_OF_RANGE);
    for (int i = 0; i < 100; i++) free(copies[i]);
    tfc_record_reader_free(seq);
    tfc_record_reader_free(ra);
    /* count uses the index */
    int64_t cnt;
    TU_OK(tfc_record_count(p, NULL, &cnt, &st));
    assert_int_equal(cnt, 100);
    /* DALI's text index: "offset framed_size" per line. */
    const char *dali = tu_tmp("wmt.idx");
    TU_OK(tfc_record_index_write_dali(idx, dali, &st));
    size_t dn;
    char *text = (char *)tu_read_file(dali, &dn);
    uint64_t off, framed;
    TU_OK(tfc_record_index_entry(idx, 0, &off, &framed, &st));
    char first[64];
    snprintf(first, sizeof first, "0 %llu\n", (unsigned long long)framed);
    assert_memory_equal(text, first, strlen(first));
    int lines = 0;
    for (size_t i = 0; i < dn; i++) lines += text[i] == '\n';
    assert_int_equal(lines, 100);
    free(text);
    tfc_record_index_free(idx);
}

static void test_index_fox_dali(void **state) {
    (void)state;
    const char *p = tu_tmp("fox2.tfrecord");
    copy_testdata("tfrecord/quick_brown_fox.tfrecord", p);
    tfc_record_index *idx;
    tfc_status st;
    TU_OK(tfc_record_index_build(p, TFC_COMPRESSION_AUTO, &idx, &st));
    TU_OK(tfc_record_index_write_dali(idx, tu_tmp("fox2.idx"), &st));
    size_t n;
    char *t = (char *)tu_read_file(tu_tmp("fox2.idx"), &n);
    assert_int_equal(n, 5);
    assert_memory_equal(t, "0 35\n", 5); /* FORMATS.md §1.4 */
    free(t);
    tfc_record_index_free(idx);
}

static void test_index_stale_and_damaged(void **state) {
    (void)state;
    const char *p = tu_tmp("stale.tfrecord");
    static const size_t lens[] = {10, 20, 30};
    write_records(p, TFC_COMPRESSION_NONE, 3, lens);
    tfc_record_index *idx;
    tfc_status st;
    TU_OK(tfc_record_index_open(p, TFC_COMPRESSION_AUTO, true, &idx, &st));
    assert_int_equal(tfc_record_index_count(idx), 3);
    tfc_record_index_free(idx);
    TU_OK(tfc_record_index_load(p, NULL, &idx, &st));
    tfc_record_index_free(idx);
    /* The data file changes: the index is stale, detected, and rebuilt on open. */
    static const size_t more[] = {10, 20, 30, 40};
    write_records(p, TFC_COMPRESSION_NONE, 4, more);
    assert_int_equal(tfc_record_index_load(p, NULL, &idx, &st), TFC_FAILED_PRECONDITION);
    assert_non_null(strstr(st.msg, "stale index"));
    int64_t cnt;
    TU_OK(tfc_record_count(p, NULL, &cnt, &st));
    assert_int_equal(cnt, 4); /* never trusts the stale index */
    TU_OK(tfc_record_index_open(p, TFC_COMPRESSION_AUTO, true, &idx, &st));
    assert_int_equal(tfc_record_index_count(idx), 4);
    tfc_record_index_free(idx);
    TU_OK(tfc_record_index_load(p, NULL, &idx, &st));
    tfc_record_index_free(idx);
    /* A damaged index file is reported, not trusted. */
    char *ip = tfc_record_index_default_path(p);
    size_t n;
    uint8_t *b = tu_read_file(ip, &n);
    b[60] ^= 1;
    tu_write_file(ip, b, n);
    assert_int_equal(tfc_record_index_load(p, NULL, &idx, &st), TFC_DATA_LOSS);
    tu_write_file(ip, b, 20);
    assert_int_equal(tfc_record_index_load(p, NULL, &idx, &st), TFC_DATA_LOSS);
    free(b);
    tfc_free(ip);
    assert_int_equal(tfc_record_index_load(tu_tmp("nothing"), NULL, &idx, &st), TFC_NOT_FOUND);
}

static void test_index_compressed(void **state) {
    (void)state;
    const char *p = tu_tmp("penguin.gz");
    copy_testdata("tfrecord/penguin_eval.tfrecord.gz", p);
    tfc_record_index *idx;
    tfc_status st;
    TU_OK(tfc_record_index_open(p, TFC_COMPRESSION_AUTO, true, &idx, &st));
    assert_int_equal(tfc_record_index_count(idx), 100);
    assert_int_equal(tfc_record_index_compression(idx), TFC_COMPRESSION_GZIP);
    assert_int_equal(tfc_record_index_write_dali(idx, tu_tmp("p.idx"), &st),
                     TFC_FAILED_PRECONDITION);
    recs all;
    assert_int_equal(read_all(p, TFC_COMPRESSION_AUTO, &all, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader *r;
    TU_OK(tfc_record_reader_open(p, NULL, &r, &st));
    static const int order[] = {50, 99, 0, 1, 98, 3, 3, 70, 10};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        tfc_bytes b;
        TU_OK(tfc_record_reader_read_at(r, idx, order[k], &b, &st));
        assert_int_equal(b.size, all.len[order[k]]);
        assert_memory_equal(b.data, all.data[order[k]], b.size);
    }
    tfc_record_reader_free(r);
    recs_free(&all);
    tfc_record_index_free(idx);
    int64_t cnt;
    TU_OK(tfc_record_count(p, NULL, &cnt, &st));
    assert_int_equal(cnt, 100);
}

static void test_count_damaged(void **state) {
    (void)state;
    static const size_t lens[] = {10, 2000, 30};
    const char *p = tu_tmp("cnt.tfrecord");
    write_records(p, TFC_COMPRESSION_NONE, 3, lens);
    size_t n;
    uint8_t *f = tu_read_file(p, &n);
    tfc_record_count_opts o = {.no_index = true};
    int64_t cnt;
    tfc_status st;
    tu_write_file(p, f, n - 1);
    assert_int_equal(tfc_record_count(p, &o, &cnt, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "truncated record at 2042"));
    f[26 + 3] ^= 1; /* record 1's length */
    tu_write_file(p, f, n);
    assert_int_equal(tfc_record_count(p, &o, &cnt, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "corrupted record at 26"));
    free(f);
}

/* ---- regressions from review ---- */

static void test_memory_edges(void **state) {
    (void)state;
    tfc_record_reader *r;
    tfc_status st;
    tfc_bytes b;
    TU_OK(tfc_record_reader_open_memory(NULL, 0, "empty", NULL, &r, &st));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_free(r);
    size_t n;
    uint8_t *f = tu_read_file(tu_testdata("tfrecord/quick_brown_fox.tfrecord"), &n);
    TU_OK(tfc_record_reader_open_memory(f, n, "fox", NULL, &r, &st));
    TU_OK(tfc_record_reader_seek(r, 1000, &st)); /* past the end: reads find nothing */
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    TU_OK(tfc_record_reader_seek(r, 0, &st));
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 19);
    tfc_record_reader_free(r);
    tfc_record_reader_opts bad = {.compression = (tfc_compression)7};
    assert_int_equal(tfc_record_reader_open_memory(f, n, "fox", &bad, &r, &st),
                     TFC_INVALID_ARGUMENT);
    tfc_record_writer *w;
    tfc_record_writer_opts wbad = {.compression = (tfc_compression)9};
    assert_int_equal(tfc_record_writer_open(tu_tmp("never"), &wbad, &w, &st), TFC_INVALID_ARGUMENT);
    assert_false(tfc_gfile_exists(tu_tmp("never")));
    free(f);
}

static void test_skip_never_invents_records(void **state) {
    (void)state;
    /* Record A's payload is itself a framed record "INNER"; A's footer is damaged. Skipping must
     * pass over A whole (its length was verified) and never return INNER. */
    uint8_t inner[16 + 5], buf[2 * 16 + sizeof inner + 1];
    tfc_record_encode_header(5, inner);
    memcpy(inner + 12, "INNER", 5);
    tfc_record_encode_footer("INNER", 5, inner + 17);
    size_t n = 0;
    tfc_record_encode_header(sizeof inner, buf);
    memcpy(buf + 12, inner, sizeof inner);
    tfc_record_encode_footer(inner, sizeof inner, buf + 12 + sizeof inner);
    buf[12 + sizeof inner] ^= 1;
    n = 16 + sizeof inner;
    tfc_record_encode_header(1, buf + n);
    buf[n + 12] = 'B';
    tfc_record_encode_footer("B", 1, buf + n + 13);
    n += 17;
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.skip_corrupted = true};
    TU_OK(tfc_record_reader_open_memory(buf, n, "nested", &o, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 1);
    assert_int_equal(b.data[0], 'B');
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    tfc_record_reader_stats s = tfc_record_reader_get_stats(r);
    assert_int_equal(s.skipped_regions, 1);
    assert_int_equal(s.skipped_bytes, 16 + (int64_t)sizeof inner);
    tfc_record_reader_free(r);
}

static void test_skip_waits_for_growing_record(void **state) {
    (void)state;
    /* With skip_corrupted, a record cut off at the end of a file being written is not skipped:
     * it is reported, and read once the writer finishes it. */
    uint8_t rec[16 + 19];
    tfc_record_encode_header(19, rec);
    memcpy(rec + 12, "The Quick Brown Fox", 19);
    tfc_record_encode_footer(rec + 12, 19, rec + 31);
    const char *p = tu_tmp("growing2.tfrecord");
    FILE *f = fopen(p, "wb");
    fwrite(rec, 1, sizeof rec, f);
    fwrite(rec, 1, 20, f);
    fflush(f);
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.skip_corrupted = true};
    TU_OK(tfc_record_reader_open(p, &o, &r, &st));
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "truncated record at 35"));
    fwrite(rec + 20, 1, sizeof rec - 20, f);
    fflush(f);
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 19);
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_OUT_OF_RANGE);
    assert_int_equal(tfc_record_reader_get_stats(r).skipped_regions, 0);
    tfc_record_reader_free(r);
    fclose(f);
}

static void test_gzip_damage_names_record(void **state) {
    (void)state;
    size_t n;
    uint8_t *f = tu_read_file(tu_testdata("tfrecord/penguin_eval.tfrecord.gz"), &n);
    f[n / 2] ^= 0x55;
    tfc_record_reader *r;
    tfc_status st;
    TU_OK(tfc_record_reader_open_memory(f, n, "pg.gz", NULL, &r, &st));
    tfc_bytes b;
    tfc_code c;
    int k = 0;
    while ((c = tfc_record_reader_next(r, &b, &st)) == TFC_OK) k++;
    assert_int_equal(c, TFC_DATA_LOSS);
    unsigned long long off = 0;
    const char *at = strstr(st.msg, "corrupted record at ");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "corrupted record at %llu", &off), 1);
    assert_int_equal(off % 152, 0); /* the offset of a record's header (records frame to 152) */
    assert_true(off / 152 >= (unsigned long long)k);
    assert_non_null(strstr(st.msg, "pg.gz"));
    tfc_record_reader_free(r);
    /* Zero padding after the last member is a clean end, as for gzip(1). */
    uint8_t *g = tu_read_file(tu_testdata("tfrecord/penguin_eval.tfrecord.gz"), &n);
    g = realloc(g, n + 8);
    memset(g + n, 0, 8);
    TU_OK(tfc_record_reader_open_memory(g, n + 8, "padded.gz", NULL, &r, &st));
    k = 0;
    while ((c = tfc_record_reader_next(r, &b, &st)) == TFC_OK) k++;
    assert_int_equal(c, TFC_OUT_OF_RANGE);
    assert_int_equal(k, 100);
    tfc_record_reader_free(r);
    free(f);
    free(g);
}

/* One gzip member of data (level 0: stored, so its size follows n); hcrc sets FLG.FHCRC. */
static uint8_t *gzip_member(const uint8_t *data, size_t n, int level, bool hcrc, size_t *out_n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    gz_header h;
    memset(&h, 0, sizeof h);
    h.hcrc = hcrc;
    assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)data, z.avail_in = (uInt)n;
    z.next_out = out, z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* One TFRecord of `len` bytes (a pattern) framed in a new buffer of len + 16 bytes. */
static uint8_t *one_record(size_t len) {
    uint8_t *f = malloc(len + 16);
    tfc_record_encode_header(len, f);
    for (size_t i = 0; i < len; i++) f[12 + i] = (uint8_t)(i * 31 + (i >> 8));
    uint32_t crc = tfc_crc32c_mask(tfc_crc32c(f + 12, len));
    memcpy(f + 12 + len, &crc, 4); /* little-endian host */
    return f;
}

/* Reads f (n bytes) as GZIP from a file and from memory; returns the file's final code. */
static tfc_code read_gzip_both(const uint8_t *f, size_t n, int *records, tfc_status *st) {
    const char *p = tu_tmp("member_check.gz");
    tu_write_file(p, f, n);
    recs rs;
    tfc_code c = read_all(p, TFC_COMPRESSION_GZIP, &rs, st);
    *records = rs.n;
    recs_free(&rs);
    tfc_record_reader *r;
    tfc_status mst;
    tfc_record_reader_opts o = {.compression = TFC_COMPRESSION_GZIP};
    TU_OK(tfc_record_reader_open_memory(f, n, "mem.gz", &o, &r, &mst));
    tfc_bytes b;
    tfc_code mc;
    int k = 0;
    while ((mc = tfc_record_reader_next(r, &b, &mst)) == TFC_OK) k++;
    tfc_record_reader_free(r);
    assert_int_equal(mc, c);
    assert_int_equal(k, *records);
    const char *z = strstr(st->msg, "corrupted gzip"); /* the same words from memory */
    if (c != TFC_OUT_OF_RANGE && z) assert_non_null(strstr(mst.msg, z));
    return c;
}

static void test_gzip_member_checks(void **state) {
    (void)state;
    /* The reader checks a member's CRC-32 and length itself; its trailer (8 bytes) may straddle
     * two 256 KiB reads of the file: find a stored record whose member puts the trailer across
     * the first read's end. */
    const size_t zin = 256 * 1024;
    size_t len = zin - 200, n = 0;
    uint8_t *rec = NULL, *f = NULL;
    for (; len < zin; len++) {
        free(rec), free(f);
        rec = one_record(len);
        f = gzip_member(rec, len + 16, 0, false, &n);
        if (n - 8 < zin && n > zin) break;
    }
    assert_true(len < zin);
    tfc_status st;
    int k;
    assert_int_equal(read_gzip_both(f, n, &k, &st), TFC_OUT_OF_RANGE);
    assert_int_equal(k, 1);
    static const struct {
        size_t back; /* flipped byte, from the end */
        const char *what;
    } flips[] = {{8, "incorrect data check"},
                 {5, "incorrect data check"},
                 {4, "incorrect length check"},
                 {1, "incorrect length check"}};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        f[n - flips[i].back] ^= 0x01;
        assert_int_equal(read_gzip_both(f, n, &k, &st), TFC_DATA_LOSS);
        assert_non_null(strstr(st.msg, flips[i].what));
        assert_int_equal(k, 1); /* the record's bytes are whole; the error comes after it */
        assert_non_null(strstr(st.msg, "corrupted record at 262"));
        f[n - flips[i].back] ^= 0x01;
    }
    /* A member whose header has its own CRC (FHCRC) is checked by zlib, header and trailer. */
    size_t m;
    uint8_t *small = one_record(100);
    uint8_t *g = gzip_member(small, 116, 6, true, &m);
    uint8_t *two = malloc(n + m);
    memcpy(two, g, m), memcpy(two + m, f, n);
    assert_true(two[3] & 0x02);
    assert_int_equal(read_gzip_both(two, m + n, &k, &st), TFC_OUT_OF_RANGE);
    assert_int_equal(k, 2);
    two[m - 8] ^= 0x01; /* the first member's data CRC */
    assert_int_equal(read_gzip_both(two, m + n, &k, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "incorrect data check"));
    assert_int_equal(k, 1);
    two[m - 8] ^= 0x01;
    two[10] ^= 0x01; /* the header CRC */
    assert_int_equal(read_gzip_both(two, m + n, &k, &st), TFC_DATA_LOSS);
    assert_int_equal(k, 0);
    free(small), free(g), free(two), free(rec), free(f);
}

static void test_detection_needs_a_real_stream(void **state) {
    (void)state;
    /* An uncompressed file whose first record is 376 bytes starts 78 01, a valid zlib header; with
     * that header damaged, detection must still say NONE (inflating it fails). */
    size_t lens[3] = {376, 10, 20};
    const char *p = tu_tmp("looks_zlib.tfrecord");
    write_records(p, TFC_COMPRESSION_NONE, 3, lens);
    size_t n;
    uint8_t *f = tu_read_file(p, &n);
    assert_int_equal(f[0], 0x78);
    assert_int_equal(f[1], 0x01);
    f[9] ^= 0xff;
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.skip_corrupted = true};
    TU_OK(tfc_record_reader_open_memory(f, n, "z", &o, &r, &st));
    assert_int_equal(tfc_record_reader_compression(r), TFC_COMPRESSION_NONE);
    tfc_bytes b;
    TU_OK(tfc_record_reader_next(r, &b, &st));
    assert_int_equal(b.size, 10);
    tfc_record_reader_free(r);
    free(f);
}

static void test_resync_stays_linear(void **state) {
    (void)state;
    /* 40000 copies of one valid header claiming 60000 payload bytes, zlib-compressed (about 1 KB):
     * each candidate the resynchronisation finds must cost O(1) amortised, not O(length) — this
     * took minutes when every candidate re-checked its claimed payload. */
    const int k = 40000;
    uint8_t h[12];
    tfc_record_encode_header(60000, h);
    uint8_t *raw = malloc((size_t)k * 12);
    for (int i = 0; i < k; i++) memcpy(raw + 12 * i, h, 12);
    uLongf zn = compressBound((uLong)k * 12);
    uint8_t *z = malloc(zn);
    assert_int_equal(compress(z, &zn, raw, (uLong)k * 12), Z_OK);
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.skip_corrupted = true};
    TU_OK(tfc_record_reader_open_memory(z, zn, "bomb.zz", &o, &r, &st));
    tfc_bytes b;
    assert_int_equal(tfc_record_reader_next(r, &b, &st), TFC_DATA_LOSS);
    assert_non_null(strstr(st.msg, "corrupted record at 0 in bomb.zz"));
    tfc_record_reader_free(r);
    free(raw);
    free(z);
}

static void test_compression_names(void **state) {
    (void)state;
    tfc_compression c;
    tfc_status st;
    TU_OK(tfc_compression_parse("GZIP", &c, &st));
    assert_int_equal(c, TFC_COMPRESSION_GZIP);
    TU_OK(tfc_compression_parse("", &c, &st));
    assert_int_equal(c, TFC_COMPRESSION_NONE);
    assert_int_equal(tfc_compression_parse("snappy", &c, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "snappy"));
    assert_string_equal(tfc_compression_name(TFC_COMPRESSION_ZLIB), "ZLIB");
}

/* The reader's CRC-32 (PCLMULQDQ folding for 64 bytes and more, zlib's below) equals zlib's at
 * every length 0..600 and a large buffer, at every alignment, in one call and split in two. */
static void test_crc32_matches_zlib(void **state) {
    (void)state;
    enum { BIG = 100003 };
    uint8_t *buf = malloc(BIG + 16);
    uint32_t s = 12345;
    for (int i = 0; i < BIG + 16; i++) buf[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 24);
    for (int off = 0; off < 16; off++)
        for (size_t n = 0; n <= 600; n += (off ? 7 : 1)) {
            uint32_t want = (uint32_t)crc32(0, buf + off, (uInt)n);
            assert_int_equal(tfc__crc32(0, buf + off, n), want);
            size_t h = n / 3;
            assert_int_equal(tfc__crc32(tfc__crc32(0, buf + off, h), buf + off + h, n - h), want);
        }
    for (int off = 0; off < 4; off++)
        assert_int_equal(tfc__crc32(7, buf + off, BIG), (uint32_t)crc32(7, buf + off, BIG));
    free(buf);
}

int tu_run_record(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_quick_brown_fox_bytes),
        TU_TEST(test_real_files_counts),
        TU_TEST(test_penguin_gzip_equals_zlib),
        TU_TEST(test_event_file_header),
        TU_TEST(test_event_files_facts),
        TU_TEST(test_not_gzip_hint),
        TU_TEST(test_round_trips),
        TU_TEST(test_empty_files),
        TU_TEST(test_flush_then_read),
        TU_TEST(test_tail_growing_file),
        TU_TEST(test_concatenated_gzip_members),
        TU_TEST(test_gzip_member_checks),
        TU_TEST(test_atomic_writer_abort),
        TU_TEST(test_every_byte_flip),
        TU_TEST(test_every_truncation),
        TU_TEST(test_skip_corrupted),
        TU_TEST(test_hostile_length),
        TU_TEST(test_huge_record),
        TU_TEST(test_index_uncompressed),
        TU_TEST(test_index_fox_dali),
        TU_TEST(test_index_stale_and_damaged),
        TU_TEST(test_index_compressed),
        TU_TEST(test_count_damaged),
        TU_TEST(test_compression_names),
        TU_TEST(test_memory_edges),
        TU_TEST(test_skip_never_invents_records),
        TU_TEST(test_skip_waits_for_growing_record),
        TU_TEST(test_gzip_damage_names_record),
        TU_TEST(test_detection_needs_a_real_stream),
        TU_TEST(test_resync_stays_linear),
        TU_TEST(test_crc32_matches_zlib),
    };
    return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
