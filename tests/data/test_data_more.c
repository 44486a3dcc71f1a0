/* Tests of datasets over several inputs, errors with their source, saving and restoring
 * iterators, record files and caches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_tests.h"
#include "tfc/gfile.h"

/* For element v: range(v * 10, v * 10 + 3). */
static tfc_code three_from(void *ctx, const tfc_element *in, tfc_dataset **out, tfc_status *st) {
    (void)ctx;
    int64_t v = *(const int64_t *)tfc_tensor_data_const(in->t[0]);
    return tfc_dataset_range(v * 10, v * 10 + 3, 1, out, st);
}

void test_interleave(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[64];
    tfc_dataset *r, *il, *fm;
    TU_OK(tfc_dataset_range(1, 4, 1, &r, &st));
    /* TF: range(1,4).interleave(lambda x: range(10x, 10x+3), cycle_length=2, block_length=2) */
    static const int64_t want[] = {10, 11, 20, 21, 12, 22, 30, 31, 32};
    for (int par = 0; par <= 2; par += 2) {
        TU_OK(tfc_dataset_interleave(
            r, three_from, NULL,
            &(tfc_interleave_opts){.cycle_length = 2, .block_length = 2, .num_parallel_calls = par},
            &il, &st));
        td_expect(v, td_collect(il, 0, v, 64), want, 9);
        tfc_dataset_free(il);
    }
    TU_OK(tfc_dataset_flat_map(r, three_from, NULL, 0, NULL, &fm, &st));
    td_expect(v, td_collect(fm, 0, v, 64), (int64_t[]){10, 11, 12, 20, 21, 22, 30, 31, 32}, 9);
    tfc_dataset_free(fm), tfc_dataset_free(r);
}

void test_zip_concat_enumerate(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[32];
    tfc_dataset *a = td_range(5), *b, *z, *c, *e;
    TU_OK(tfc_dataset_range(100, 103, 1, &b, &st));
    TU_OK(tfc_dataset_zip((tfc_dataset *[]){a, b}, 2, &z, &st));
    assert_int_equal(tfc_dataset_num_components(z), 2);
    assert_int_equal(tfc_dataset_cardinality(z), 3);
    td_expect(v, td_collect(z, 1, v, 32), (int64_t[]){100, 101, 102}, 3);
    td_expect(v, td_collect(z, 0, v, 32), (int64_t[]){0, 1, 2}, 3);
    TU_OK(tfc_dataset_concatenate(a, b, &c, &st));
    assert_int_equal(tfc_dataset_cardinality(c), 8);
    td_expect(v, td_collect(c, 0, v, 32), (int64_t[]){0, 1, 2, 3, 4, 100, 101, 102}, 8);
    assert_int_equal(tfc_dataset_concatenate(a, z, &e, &st), TFC_INVALID_ARGUMENT);
    TU_OK(tfc_dataset_enumerate(b, 5, &e, &st));
    assert_string_equal(tfc_dataset_component_name(e, 0), "index");
    assert_string_equal(tfc_dataset_component_name(e, 1), "value");
    td_expect(v, td_collect(e, 0, v, 32), (int64_t[]){5, 6, 7}, 3);
    td_expect(v, td_collect(e, 1, v, 32), (int64_t[]){100, 101, 102}, 3);
    tfc_dataset_free(e), tfc_dataset_free(c), tfc_dataset_free(z), tfc_dataset_free(b);
    tfc_dataset_free(a);
}

/* Fails on element 3 with a message of its own. */
static tfc_code fail_on_3(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                          tfc_status *st) {
    (void)ctx, (void)worker;
    if (tfc_tensor_string_at(in->t[0], 0).size == 3)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "bad value");
    out->t[0] = tfc_tensor_ref(in->t[0]);
    out->n = 1;
    return TFC_OK;
}

/* A record file with records of 1..n bytes. */
static const char *write_records(const char *name, int n, tfc_compression comp) {
    const char *path = tu_tmp(name);
    tfc_record_writer *w;
    tfc_status st;
    TU_OK(tfc_record_writer_open(path, &(tfc_record_writer_opts){.compression = comp}, &w, &st));
    char buf[64];
    memset(buf, 'r', sizeof buf);
    for (int i = 1; i <= n; i++) TU_OK(tfc_record_writer_write(w, buf, (size_t)i, &st));
    TU_OK(tfc_record_writer_close(w, &st));
    return path;
}

static int64_t record_len(const tfc_element *e) {
    return (int64_t)tfc_tensor_string_at(e->t[0], 0).size;
}

void test_errors_surface(void **state) {
    (void)state;
    tfc_status st;
    const char *path = write_records("five.tfrecord", 5, TFC_COMPRESSION_NONE);
    for (int par = 0; par <= 3; par += 3) {
        tfc_dataset *f, *m;
        TU_OK(tfc_dataset_tfrecord(&path, 1, NULL, &f, &st));
        TU_OK(tfc_dataset_map(f, fail_on_3, NULL, &(tfc_map_opts){.num_parallel_calls = par}, &m,
                              &st));
        tfc_iterator *it;
        TU_OK(tfc_iterator_new(m, &it, &st));
        tfc_element e = {0};
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_INVALID_ARGUMENT);
        /* names the element's file and record number */
        if (!strstr(st.msg, "five.tfrecord record 2") || !strstr(st.msg, "bad value"))
            fail_msg("message: %s", st.msg);
        assert_int_equal(e.n, 0);
        TU_OK(tfc_iterator_get_next(it, &e, &st)); /* the pipeline goes on */
        assert_int_equal(record_len(&e), 4);
        tfc_element_clear(&e);
        tfc_iterator_free(it);
        tfc_dataset_free(m), tfc_dataset_free(f);
    }
    /* a corrupted record: DATA_LOSS naming the file, record and offset */
    size_t n;
    uint8_t *bytes = tu_read_file(path, &n);
    bytes[16 + 1 + 16 + 12] ^= 0x40; /* payload of record 2 */
    const char *bad = tu_tmp("bad.tfrecord");
    tu_write_file(bad, bytes, n);
    free(bytes);
    tfc_dataset *f;
    TU_OK(tfc_dataset_tfrecord(&bad, 1, NULL, &f, &st));
    tfc_iterator *it;
    TU_OK(tfc_iterator_new(f, &it, &st));
    tfc_element e = {0};
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_DATA_LOSS);
    if (!strstr(st.msg, "record 2 of") || !strstr(st.msg, "bad.tfrecord") ||
        !strstr(st.msg, "corrupted record at 35"))
        fail_msg("message: %s", st.msg);
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_OUT_OF_RANGE);
    tfc_iterator_free(it), tfc_dataset_free(f);
    const char *none = tu_tmp("nothing-*.tfrecord");
    assert_int_equal(tfc_dataset_tfrecord(&none, 1, NULL, &f, &st), TFC_NOT_FOUND);
}

static tfc_code add_one(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                        tfc_status *st) {
    (void)ctx, (void)worker, (void)st;
    out->t[0] = tfc_tensor_scalar_int64(*(const int64_t *)tfc_tensor_data_const(in->t[0]) + 1);
    out->n = 1;
    return TFC_OK;
}

/* Builds one of several pipelines over range(n). */
static tfc_dataset *pipeline(int kind, int64_t n) {
    tfc_status st;
    tfc_dataset *r = td_range(n), *a = NULL, *b = NULL, *out = NULL;
    switch (kind) {
    case 0: /* shuffle -> repeat -> batch -> unbatch */
        TU_OK(tfc_dataset_shuffle(r, 16, 9, true, &a, &st));
        TU_OK(tfc_dataset_repeat(a, 3, &b, &st));
        tfc_dataset_free(a);
        TU_OK(tfc_dataset_batch(b, 5, false, &a, &st));
        tfc_dataset_free(b);
        b = NULL;
        TU_OK(tfc_dataset_unbatch(a, &out, &st));
        break;
    case 1: /* parallel map -> prefetch -> skip */
        TU_OK(tfc_dataset_map(r, add_one, NULL, &(tfc_map_opts){.num_parallel_calls = 3}, &a, &st));
        TU_OK(tfc_dataset_prefetch(a, 4, &b, &st));
        tfc_dataset_free(a);
        a = NULL;
        TU_OK(tfc_dataset_skip(b, 2, &out, &st));
        break;
    case 2: { /* interleave (parallel) -> enumerate-free take */
        TU_OK(tfc_dataset_take(r, 6, &a, &st));
        TU_OK(tfc_dataset_interleave(
            a, three_from, NULL,
            &(tfc_interleave_opts){.cycle_length = 3, .block_length = 2, .num_parallel_calls = 2},
            &out, &st));
        break;
    }
    default: { /* zip + concatenate + shard */
        tfc_dataset *z;
        TU_OK(tfc_dataset_zip((tfc_dataset *[]){r, r}, 2, &z, &st));
        TU_OK(tfc_dataset_concatenate(z, z, &a, &st));
        tfc_dataset_free(z);
        /* a is freed below; out keeps its own reference */
        TU_OK(tfc_dataset_shard(a, 2, 1, &out, &st));
        break;
    }
    }
    tfc_dataset_free(a), tfc_dataset_free(b), tfc_dataset_free(r);
    return out;
}

void test_save_restore(void **state) {
    (void)state;
    tfc_status st;
    for (int kind = 0; kind < 4; kind++) {
        tfc_dataset *ds = pipeline(kind, 40);
        int64_t all[256];
        int64_t n = td_collect(ds, 0, all, 256);
        if (n <= 10) fail_msg("kind %d: %lld elements", kind, (long long)n);
        /* stop at k, save, restore in a new iterator (and a rebuilt pipeline): same rest */
        for (int64_t k = 0; k <= n; k += n / 5 + 1) {
            tfc_iterator *it;
            /* reshuffling pipelines: the iterator under test is this dataset's pass 2; take the
             * reference from a pass made the same way */
            TU_OK(tfc_iterator_new(ds, &it, &st));
            int64_t ref[256], nref = 0;
            tfc_element e = {0};
            while (tfc_iterator_get_next(it, &e, &st) == TFC_OK)
                ref[nref++] = *(const int64_t *)tfc_tensor_data_const(e.t[0]);
            tfc_iterator_free(it);
            (void)ref;
            TU_OK(tfc_iterator_new(ds, &it, &st));
            int64_t ng = 0;
            for (int64_t i = 0; i < k; i++, ng++)
                assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_OK);
            uint8_t *blob;
            size_t len;
            if (tfc_iterator_save(it, &blob, &len, &st)) fail_msg("kind %d: %s", kind, st.msg);
            /* the original goes on */
            int64_t orig[256], no = 0;
            while (tfc_iterator_get_next(it, &e, &st) == TFC_OK)
                orig[no++] = *(const int64_t *)tfc_tensor_data_const(e.t[0]);
            tfc_iterator_free(it);
            tfc_dataset *again = pipeline(kind, 40);
            if (tfc_iterator_restore(again, blob, len, &it, &st))
                fail_msg("kind %d restore: %s", kind, st.msg);
            int64_t rest[256], nr = 0;
            while (tfc_iterator_get_next(it, &e, &st) == TFC_OK)
                rest[nr++] = *(const int64_t *)tfc_tensor_data_const(e.t[0]);
            assert_int_equal(st.code, TFC_OUT_OF_RANGE);
            tfc_iterator_free(it);
            td_expect(rest, nr, orig, no);
            assert_int_equal(ng + nr, n);
            /* damaged state, and a state from another pipeline */
            blob[len / 2] ^= 1;
            assert_int_equal(tfc_iterator_restore(again, blob, len, &it, &st), TFC_DATA_LOSS);
            blob[len / 2] ^= 1;
            tfc_dataset *other = pipeline((kind + 1) % 4, 40);
            assert_int_equal(tfc_iterator_restore(other, blob, len, &it, &st),
                             TFC_FAILED_PRECONDITION);
            assert_int_equal(tfc_iterator_restore(again, blob, len / 2, &it, &st), TFC_DATA_LOSS);
            tfc_dataset_free(other);
            tfc_dataset_free(again);
            tfc_free(blob);
            tfc_element_clear(&e);
        }
        tfc_dataset_free(ds);
    }
}

void test_tfrecord_files(void **state) {
    (void)state;
    tfc_status st;
    /* the penguin files: 100 records each, in GZIP and ZLIB, detected */
    const char *files[2] = {tu_testdata("tfrecord/penguin_eval.tfrecord.gz"),
                            tu_testdata("tfrecord/penguin_eval.tfrecord.zlib")};
    tfc_dataset *ds;
    TU_OK(tfc_dataset_tfrecord(files, 2, NULL, &ds, &st));
    assert_int_equal(tfc_dataset_cardinality(ds), TFC_UNKNOWN_CARDINALITY);
    tfc_iterator *it;
    TU_OK(tfc_iterator_new(ds, &it, &st));
    tfc_element e = {0};
    int64_t n = 0;
    while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) {
        assert_int_equal(record_len(&e), 136);
        if (n == 0) assert_non_null(strstr(e.source, "penguin_eval.tfrecord.gz record 0"));
        if (n == 100) assert_non_null(strstr(e.source, "penguin_eval.tfrecord.zlib record 0"));
        n++;
    }
    assert_int_equal(st.code, TFC_OUT_OF_RANGE);
    assert_int_equal(n, 200);
    tfc_iterator_free(it);
    /* the reader's end under a shuffle, read ahead by prefetch: every record arrives (the reader's
     * "eof" status once leaked into the prefetched element and ended the pass early) */
    tfc_dataset *sh, *pf;
    TU_OK(tfc_dataset_shuffle(ds, 50, 3, false, &sh, &st));
    TU_OK(tfc_dataset_prefetch(sh, 2, &pf, &st));
    TU_OK(tfc_iterator_new(pf, &it, &st));
    n = 0;
    while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) n++;
    assert_string_equal(st.msg, "End of sequence");
    assert_int_equal(n, 200);
    tfc_iterator_free(it), tfc_dataset_free(pf), tfc_dataset_free(sh), tfc_dataset_free(ds);

    /* several files, indexed: known cardinality; read in turn or interleaved two at a time */
    const char *a = write_records("a.tfrecord", 3, TFC_COMPRESSION_NONE);
    const char *b = write_records("b.tfrecord", 5, TFC_COMPRESSION_GZIP);
    (void)a, (void)b;
    const char *pattern = tu_tmp("?.tfrecord");
    int64_t v[16];
    for (int npr = 0; npr <= 2; npr += 2) {
        TU_OK(tfc_dataset_tfrecord(
            &pattern, 1, &(tfc_tfrecord_opts){.use_index = true, .num_parallel_reads = npr}, &ds,
            &st));
        assert_int_equal(tfc_dataset_cardinality(ds), 8);
        TU_OK(tfc_iterator_new(ds, &it, &st));
        n = 0;
        while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) v[n++] = record_len(&e);
        tfc_iterator_free(it);
        if (npr == 0)
            td_expect(v, n, (int64_t[]){1, 2, 3, 1, 2, 3, 4, 5}, 8);
        else
            td_expect(v, n, (int64_t[]){1, 1, 2, 2, 3, 3, 4, 5}, 8);
        tfc_dataset_free(ds);
    }
    /* list_files: sorted, or shuffled by seed */
    TU_OK(tfc_dataset_list_files(&pattern, 1, false, 0, &ds, &st));
    assert_int_equal(tfc_dataset_cardinality(ds), 2);
    TU_OK(tfc_iterator_new(ds, &it, &st));
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    assert_non_null(strstr((const char *)tfc_tensor_string_at(e.t[0], 0).data, "a.tfrecord"));
    tfc_element_clear(&e);
    tfc_iterator_free(it), tfc_dataset_free(ds);
}

void test_cache(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[32], w[32];
    for (int file = 0; file < 2; file++) {
        const char *path = file ? tu_tmp("cache.tfrecord") : NULL;
        tfc_dataset *r = td_range(10), *s, *c;
        TU_OK(tfc_dataset_shuffle(r, 10, 1, true, &s, &st)); /* a new order each pass */
        TU_OK(tfc_dataset_cache(s, path, false, &c, &st));
        /* a pass stopped early keeps nothing and says so */
        tfc_iterator *it;
        TU_OK(tfc_iterator_new(c, &it, &st));
        td_next_i64(it);
        td_next_i64(it);
        assert_int_equal(tfc_iterator_close(it, &st), TFC_FAILED_PRECONDITION);
        assert_non_null(strstr(st.msg, "stopped after 2 elements"));
        if (file) assert_false(tfc_gfile_exists(path));
        /* a full pass fills it; the next pass reads the same order back */
        int64_t n = td_collect(c, 0, v, 32);
        assert_int_equal(n, 10);
        if (file) assert_true(tfc_gfile_exists(path));
        td_expect(w, td_collect(c, 0, w, 32), v, 10);
        tfc_dataset_free(c);
        /* complete_partial: an early stop finishes the cache */
        if (file) TU_OK(tfc_gfile_remove(path, &st));
        TU_OK(tfc_dataset_cache(s, path, true, &c, &st));
        TU_OK(tfc_iterator_new(c, &it, &st));
        int64_t first = td_next_i64(it);
        TU_OK(tfc_iterator_close(it, &st));
        n = td_collect(c, 0, v, 32);
        assert_int_equal(n, 10);
        assert_int_equal(v[0], first);
        tfc_dataset_free(c), tfc_dataset_free(s), tfc_dataset_free(r);
    }
}

/* Element 1 fails; the others are their index. */
static tfc_code fail_at_1(void *ctx, int64_t i, tfc_element *out, bool *end, tfc_status *st) {
    (void)ctx;
    if (i >= 6) return *end = true, TFC_OK;
    if (i == 1) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "element one");
    out->t[0] = tfc_tensor_scalar_int64(i);
    out->n = 1;
    return TFC_OK;
}

static tfc_code keep_two(void *ctx, const tfc_element *in, bool *keep, tfc_status *st) {
    (void)ctx, (void)st;
    *keep = *(const int64_t *)tfc_tensor_data_const(in->t[0]) < 2;
    return TFC_OK;
}

/* Found in review: each case failed before its fix. */
void test_review_regressions(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[16];
    /* take(3) and skip(3) split the input even when an element fails */
    tfc_dataset *g, *t, *s;
    TU_OK(tfc_dataset_from_generator(fail_at_1, NULL, NULL, 1, 6, &g, &st));
    TU_OK(tfc_dataset_skip(g, 3, &s, &st));
    tfc_iterator *it;
    TU_OK(tfc_iterator_new(s, &it, &st));
    tfc_element e = {0};
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_INVALID_ARGUMENT);
    assert_int_equal(td_next_i64(it), 3);
    tfc_iterator_free(it), tfc_dataset_free(s);
    (void)t;
    /* zip with an input of unknown length: unknown, not the other's count */
    tfc_dataset *r = td_range(10), *f, *z;
    TU_OK(tfc_dataset_filter(r, keep_two, NULL, &f, &st));
    TU_OK(tfc_dataset_zip((tfc_dataset *[]){f, r}, 2, &z, &st));
    assert_int_equal(tfc_dataset_cardinality(z), TFC_UNKNOWN_CARDINALITY);
    assert_int_equal(td_collect(z, 0, v, 16), 2);
    tfc_dataset_free(z), tfc_dataset_free(f), tfc_dataset_free(r), tfc_dataset_free(g);
    /* range over the whole int64 line: a count, not "infinite" */
    TU_OK(tfc_dataset_range(INT64_MIN, INT64_MAX, 1, &r, &st));
    assert_int_equal(tfc_dataset_cardinality(r), INT64_MAX);
    TU_OK(tfc_iterator_new(r, &it, &st));
    assert_int_equal(td_next_i64(it), INT64_MIN);
    tfc_iterator_free(it), tfc_dataset_free(r);
    /* a missing file is reported once; the next file is read */
    const char *a = write_records("ra.tfrecord", 2, TFC_COMPRESSION_NONE);
    const char *b = write_records("rb.tfrecord", 3, TFC_COMPRESSION_NONE);
    const char *both[2] = {a, b};
    tfc_dataset *files;
    TU_OK(tfc_dataset_tfrecord(both, 2, NULL, &files, &st));
    TU_OK(tfc_gfile_remove(a, &st));
    TU_OK(tfc_iterator_new(files, &it, &st));
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_NOT_FOUND);
    int n = 0;
    while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) n++;
    assert_int_equal(st.code, TFC_OUT_OF_RANGE);
    assert_int_equal(n, 3);
    tfc_iterator_free(it);
    /* a state saved over other files is refused */
    const char *c = write_records("rc.tfrecord", 3, TFC_COMPRESSION_NONE);
    const char *other[2] = {c, b};
    tfc_dataset *files2, *files3;
    write_records("ra.tfrecord", 2, TFC_COMPRESSION_NONE);
    TU_OK(tfc_dataset_tfrecord(both, 2, NULL, &files2, &st));
    TU_OK(tfc_dataset_tfrecord(other, 2, NULL, &files3, &st));
    TU_OK(tfc_iterator_new(files2, &it, &st));
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    uint8_t *blob;
    size_t len;
    TU_OK(tfc_iterator_save(it, &blob, &len, &st));
    tfc_iterator_free(it);
    assert_int_equal(tfc_iterator_restore(files3, blob, len, &it, &st), TFC_FAILED_PRECONDITION);
    tfc_free(blob);
    tfc_element_clear(&e);
    tfc_dataset_free(files), tfc_dataset_free(files2), tfc_dataset_free(files3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_sources),
        TU_TEST(test_take_skip_repeat),
        TU_TEST(test_shard_kfold),
        TU_TEST(test_batch_padded_unbatch),
        TU_TEST(test_batch_eager),
        TU_TEST(test_shuffle),
        TU_TEST(test_map_filter),
        TU_TEST(test_parallel_map_order),
        TU_TEST(test_interleave),
        TU_TEST(test_zip_concat_enumerate),
        TU_TEST(test_errors_surface),
        TU_TEST(test_save_restore),
        TU_TEST(test_tfrecord_files),
        TU_TEST(test_cache),
        TU_TEST(test_map_graph_and_feeds),
        TU_TEST(test_determinism),
        TU_TEST(test_review_regressions),
    };
    int rc = cmocka_run_group_tests_name("data", tests, NULL, NULL);
    tu_cleanup_tmp();
    return rc;
}
