/* Tests of datasets and iterators: each transformation against the order TF gives. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "data_tests.h"

int64_t td_collect(tfc_dataset *ds, int comp, int64_t *out, int64_t max) {
    tfc_iterator *it;
    tfc_status st;
    if (tfc_iterator_new(ds, &it, &st)) fail_msg("iterator: %s", st.msg);
    tfc_element e = {0};
    int64_t n = 0;
    tfc_code c;
    while ((c = tfc_iterator_get_next(it, &e, &st)) == TFC_OK) {
        if (n < max) out[n] = *(const int64_t *)tfc_tensor_data_const(e.t[comp]);
        n++;
    }
    if (c != TFC_OUT_OF_RANGE) fail_msg("get_next: %s", st.msg);
    assert_string_equal(st.msg, "End of sequence");
    tfc_element_clear(&e);
    if (tfc_iterator_close(it, &st)) fail_msg("close: %s", st.msg);
    return n;
}

int64_t td_next_i64(tfc_iterator *it) {
    tfc_element e = {0};
    tfc_status st;
    if (tfc_iterator_get_next(it, &e, &st)) fail_msg("get_next: %s", st.msg);
    int64_t v = *(const int64_t *)tfc_tensor_data_const(e.t[0]);
    tfc_element_clear(&e);
    return v;
}

tfc_dataset *td_range(int64_t n) {
    tfc_dataset *ds;
    TU_OK(tfc_dataset_range(0, n, 1, &ds, &tu_st_));
    return ds;
}

void td_expect(const int64_t *v, int64_t n, const int64_t *want, int64_t nwant) {
    if (n != nwant) fail_msg("%lld elements, expected %lld", (long long)n, (long long)nwant);
    for (int64_t i = 0; i < n; i++)
        if (v[i] != want[i])
            fail_msg("element %lld is %lld, expected %lld", (long long)i, (long long)v[i],
                     (long long)want[i]);
}

void test_sources(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[64];
    tfc_dataset *ds;
    TU_OK(tfc_dataset_range(10, 0, -3, &ds, &st));
    assert_int_equal(tfc_dataset_cardinality(ds), 4);
    assert_string_equal(tfc_dataset_component_name(ds, 0), "value");
    td_expect(v, td_collect(ds, 0, v, 64), (int64_t[]){10, 7, 4, 1}, 4);
    tfc_dataset_free(ds);
    assert_int_equal(tfc_dataset_range(0, 5, 0, &ds, &st), TFC_INVALID_ARGUMENT);
    assert_null(ds);

    /* from_tensor_slices: rows of a [3, 2] int64 and a [3] string tensor */
    tfc_tensor *a, *s;
    int64_t data[6] = {1, 2, 3, 4, 5, 6};
    TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){2, {3, 2}}, data, sizeof data, &a, &st));
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &(tfc_shape){1, {3}}, &s, &st));
    TU_OK(tfc_tensor_set_string(s, 1, "bee", 3, &st));
    tfc_tensor *both[2] = {a, s};
    TU_OK(tfc_dataset_from_tensor_slices(both, (const char *const[]){"x", "name"}, 2, &ds, &st));
    tfc_tensor_unref(a), tfc_tensor_unref(s);
    assert_int_equal(tfc_dataset_cardinality(ds), 3);
    assert_int_equal(tfc_dataset_component_index(ds, "name"), 1);
    tfc_iterator *it;
    TU_OK(tfc_iterator_new(ds, &it, &st));
    tfc_element e = {0};
    for (int i = 0; i < 3; i++) {
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        assert_int_equal(e.n, 2);
        assert_int_equal(tfc_tensor_rank(e.t[0]), 1);
        const int64_t *x = tfc_tensor_data_const(e.t[0]);
        assert_int_equal(x[0], data[2 * i]);
        assert_int_equal(x[1], data[2 * i + 1]);
        tfc_bytes b = tfc_tensor_string_at(e.t[1], 0);
        assert_int_equal(b.size, i == 1 ? 3 : 0);
    }
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_OUT_OF_RANGE);
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_OUT_OF_RANGE); /* stays at the end */
    tfc_iterator_free(it);
    tfc_dataset_free(ds);
    /* mismatched first dims */
    tfc_tensor *b3 = tfc_tensor_scalar_int64(1);
    TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {2}}, data, 16, &a, &st));
    assert_int_equal(tfc_dataset_from_tensor_slices(&b3, NULL, 1, &ds, &st), TFC_INVALID_ARGUMENT);
    tfc_tensor *pair[2] = {a, NULL};
    TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {3}}, data, 24, &pair[1], &st));
    assert_int_equal(tfc_dataset_from_tensor_slices(pair, NULL, 2, &ds, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "tensor 0 has 2, tensor 1 has 3"));
    tfc_tensor_unref(a), tfc_tensor_unref(b3), tfc_tensor_unref(pair[1]);
}

void test_take_skip_repeat(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[64];
    tfc_dataset *r = td_range(5), *t, *s, *rep, *rt;
    TU_OK(tfc_dataset_take(r, 3, &t, &st));
    td_expect(v, td_collect(t, 0, v, 64), (int64_t[]){0, 1, 2}, 3);
    assert_int_equal(tfc_dataset_cardinality(t), 3);
    TU_OK(tfc_dataset_skip(r, 3, &s, &st));
    td_expect(v, td_collect(s, 0, v, 64), (int64_t[]){3, 4}, 2);
    assert_int_equal(tfc_dataset_cardinality(s), 2);
    TU_OK(tfc_dataset_repeat(t, 2, &rep, &st));
    td_expect(v, td_collect(rep, 0, v, 64), (int64_t[]){0, 1, 2, 0, 1, 2}, 6);
    assert_int_equal(tfc_dataset_cardinality(rep), 6);
    tfc_dataset_free(rep);
    TU_OK(tfc_dataset_repeat(r, -1, &rep, &st));
    assert_int_equal(tfc_dataset_cardinality(rep), TFC_INFINITE_CARDINALITY);
    TU_OK(tfc_dataset_take(rep, 12, &rt, &st));
    assert_int_equal(tfc_dataset_cardinality(rt), 12);
    td_expect(v, td_collect(rt, 0, v, 64), (int64_t[]){0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}, 12);
    tfc_dataset_free(rt), tfc_dataset_free(rep), tfc_dataset_free(s), tfc_dataset_free(t);
    /* repeat of an empty dataset ends */
    TU_OK(tfc_dataset_take(r, 0, &t, &st));
    TU_OK(tfc_dataset_repeat(t, -1, &rep, &st));
    assert_int_equal(td_collect(rep, 0, v, 64), 0);
    tfc_dataset_free(rep), tfc_dataset_free(t), tfc_dataset_free(r);
}

void test_shard_kfold(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[128];
    tfc_dataset *r = td_range(10), *sh;
    TU_OK(tfc_dataset_shard(r, 3, 1, &sh, &st));
    td_expect(v, td_collect(sh, 0, v, 64), (int64_t[]){1, 4, 7}, 3);
    assert_int_equal(tfc_dataset_cardinality(sh), 3);
    tfc_dataset_free(sh);
    assert_int_equal(tfc_dataset_shard(r, 3, 3, &sh, &st), TFC_INVALID_ARGUMENT);
    /* every fold: train and validation disjoint, together everything, cardinalities right */
    tfc_dataset *big = td_range(103);
    for (int k = 2; k <= 5; k++) {
        int seen[103] = {0};
        for (int f = 0; f < k; f++) {
            tfc_dataset *tr, *va;
            TU_OK(tfc_dataset_kfold(big, k, f, &tr, &va, &st));
            int64_t nt = td_collect(tr, 0, v, 128), nv = td_collect(va, 0, v, 128);
            assert_int_equal(nt + nv, 103);
            assert_int_equal(tfc_dataset_cardinality(tr), nt);
            assert_int_equal(tfc_dataset_cardinality(va), nv);
            for (int64_t i = 0; i < nv; i++) {
                assert_int_equal(v[i] % k, f);
                seen[v[i]]++;
            }
            td_collect(tr, 0, v, 128);
            for (int64_t i = 0; i < nt; i++) assert_int_not_equal(v[i] % k, f);
            tfc_dataset_free(tr), tfc_dataset_free(va);
        }
        for (int i = 0; i < 103; i++) assert_int_equal(seen[i], 1); /* each in one validation */
    }
    tfc_dataset *tr, *va;
    assert_int_equal(tfc_dataset_kfold(big, 1, 0, &tr, &va, &st), TFC_INVALID_ARGUMENT);
    assert_int_equal(tfc_dataset_kfold(big, 4, 4, &tr, &va, &st), TFC_INVALID_ARGUMENT);
    tfc_dataset_free(big), tfc_dataset_free(r);
}

/* A dataset of n int64 vectors, vector i holding len[i] copies of i (a slice dataset each,
 * concatenated). */
static tfc_dataset *vectors(int n, const int64_t *len) {
    tfc_status st;
    tfc_dataset *all = NULL;
    for (int i = 0; i < n; i++) {
        int64_t vals[8] = {i, i, i, i, i, i, i, i};
        tfc_tensor *t;
        tfc_dataset *one, *cat;
        TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){2, {1, len[i]}}, vals,
                                   8 * (size_t)len[i], &t, &st));
        TU_OK(tfc_dataset_from_tensor_slices(&t, (const char *const[]){"v"}, 1, &one, &st));
        tfc_tensor_unref(t);
        if (!all) {
            all = one;
            continue;
        }
        TU_OK(tfc_dataset_concatenate(all, one, &cat, &st));
        tfc_dataset_free(all), tfc_dataset_free(one);
        all = cat;
    }
    return all;
}

void test_batch_eager(void **state) {
    (void)state;
    tfc_status st;
    tfc_iterator *it;
    tfc_element e = {0};
    /* batch copies rows as elements arrive: every value, the short last batch included */
    int64_t len[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    tfc_dataset *v = vectors(10, len), *b;
    TU_OK(tfc_dataset_batch(v, 4, false, &b, &st));
    TU_OK(tfc_iterator_new(b, &it, &st));
    for (int k = 0; k < 3; k++) {
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        int64_t rows = k < 2 ? 4 : 2;
        assert_int_equal(tfc_tensor_dim(e.t[0], 0), rows);
        assert_int_equal(tfc_tensor_dim(e.t[0], 1), 2);
        const int64_t *x = tfc_tensor_data_const(e.t[0]);
        for (int64_t i = 0; i < 2 * rows; i++) assert_int_equal(x[i], 4 * k + i / 2);
    }
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_OUT_OF_RANGE);
    tfc_iterator_free(it), tfc_dataset_free(b), tfc_dataset_free(v);
    /* a mismatch after released elements names element 0 and the odd one, as before */
    int64_t odd[5] = {2, 2, 2, 3, 2};
    v = vectors(5, odd);
    TU_OK(tfc_dataset_batch(v, 5, false, &b, &st));
    TU_OK(tfc_iterator_new(b, &it, &st));
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "element 0 has int64 [2] and element 3 has int64 [3]"));
    tfc_iterator_free(it), tfc_dataset_free(b), tfc_dataset_free(v);
    /* strings, with a short last batch */
    tfc_tensor *names;
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &(tfc_shape){1, {5}}, &names, &st));
    for (int i = 0; i < 5; i++) TU_OK(tfc_tensor_set_string(names, i, "abcde", (size_t)i, &st));
    TU_OK(tfc_dataset_from_tensor_slices(&names, (const char *const[]){"s"}, 1, &v, &st));
    tfc_tensor_unref(names);
    TU_OK(tfc_dataset_batch(v, 3, false, &b, &st));
    TU_OK(tfc_iterator_new(b, &it, &st));
    for (int k = 0; k < 2; k++) {
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        assert_int_equal(tfc_tensor_dim(e.t[0], 0), k ? 2 : 3);
        for (int i = 0; i < (k ? 2 : 3); i++) {
            tfc_bytes s = tfc_tensor_string_at(e.t[0], i);
            assert_int_equal(s.size, 3 * k + i);
            assert_memory_equal(s.data, "abcde", s.size);
        }
    }
    tfc_element_clear(&e);
    tfc_iterator_free(it), tfc_dataset_free(b), tfc_dataset_free(v);
}

void test_batch_padded_unbatch(void **state) {
    (void)state;
    tfc_status st;
    tfc_dataset *r = td_range(7), *b, *bd, *u;
    TU_OK(tfc_dataset_batch(r, 3, false, &b, &st));
    TU_OK(tfc_dataset_batch(r, 3, true, &bd, &st));
    assert_int_equal(tfc_dataset_cardinality(b), 3);
    assert_int_equal(tfc_dataset_cardinality(bd), 2);
    tfc_iterator *it;
    TU_OK(tfc_iterator_new(b, &it, &st));
    tfc_element e = {0};
    int64_t sizes[3];
    for (int i = 0; i < 3; i++) {
        TU_OK(tfc_iterator_get_next(it, &e, &st));
        sizes[i] = tfc_tensor_dim(e.t[0], 0);
        const int64_t *x = tfc_tensor_data_const(e.t[0]);
        assert_int_equal(x[0], 3 * i);
    }
    td_expect(sizes, 3, (int64_t[]){3, 3, 1}, 3);
    tfc_element_clear(&e);
    tfc_iterator_free(it);
    /* unbatch(batch(x)) == x */
    int64_t v[16];
    TU_OK(tfc_dataset_unbatch(b, &u, &st));
    td_expect(v, td_collect(u, 0, v, 16), (int64_t[]){0, 1, 2, 3, 4, 5, 6}, 7);
    tfc_dataset_free(u), tfc_dataset_free(bd), tfc_dataset_free(b), tfc_dataset_free(r);

    /* padded_batch of variable-length vectors [i, i, ...] of length i + 1, padded with -1 */
    tfc_dataset *g;
    int64_t rows[4][4] = {{0, -9, -9, -9}, {1, 1, -9, -9}, {2, 2, 2, -9}, {3, 3, 3, 3}};
    (void)rows;
    tfc_tensor *t[4];
    for (int i = 0; i < 4; i++) {
        int64_t vals[4] = {i, i, i, i};
        TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {i + 1}}, vals,
                                   8 * (size_t)(i + 1), &t[i], &st));
    }
    /* a generator would do; build with concatenate of single-element slices instead */
    tfc_dataset *parts[4];
    for (int i = 0; i < 4; i++) {
        tfc_tensor *row;
        TU_OK(tfc_tensor_reshape(t[i], &(tfc_shape){2, {1, i + 1}}, &row, &st));
        TU_OK(
            tfc_dataset_from_tensor_slices(&row, (const char *const[]){"seq"}, 1, &parts[i], &st));
        tfc_tensor_unref(row), tfc_tensor_unref(t[i]);
    }
    g = tfc_dataset_ref(parts[0]);
    for (int i = 1; i < 4; i++) {
        tfc_dataset *c;
        TU_OK(tfc_dataset_concatenate(g, parts[i], &c, &st));
        tfc_dataset_free(g), tfc_dataset_free(parts[i]);
        g = c;
    }
    tfc_dataset_free(parts[0]);
    assert_int_equal(tfc_dataset_batch(g, 2, false, &b, &st), TFC_OK);
    TU_OK(tfc_iterator_new(b, &it, &st));
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(
        strstr(st.msg, "Cannot batch tensors with different shapes in component 'seq'"));
    tfc_iterator_free(it), tfc_dataset_free(b);
    tfc_tensor *pad = tfc_tensor_scalar_int64(-9);
    TU_OK(tfc_dataset_padded_batch(g, 3, NULL, &pad, false, &b, &st));
    tfc_tensor_unref(pad);
    assert_string_equal(tfc_dataset_component_name(b, 1), "seq_lengths");
    TU_OK(tfc_iterator_new(b, &it, &st));
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    assert_int_equal(e.n, 2);
    assert_int_equal(tfc_tensor_dim(e.t[0], 0), 3);
    assert_int_equal(tfc_tensor_dim(e.t[0], 1), 3);
    const int64_t *x = tfc_tensor_data_const(e.t[0]);
    int64_t want[9] = {0, -9, -9, 1, 1, -9, 2, 2, 2};
    assert_memory_equal(x, want, sizeof want);
    td_expect(tfc_tensor_data_const(e.t[1]), 3, (int64_t[]){1, 2, 3}, 3);
    TU_OK(tfc_iterator_get_next(it, &e, &st));
    assert_int_equal(tfc_tensor_dim(e.t[0], 0), 1);
    assert_int_equal(tfc_tensor_dim(e.t[0], 1), 4);
    tfc_element_clear(&e);
    tfc_iterator_free(it), tfc_dataset_free(b);
    /* a fixed padded shape too small is an error naming the dims */
    TU_OK(tfc_dataset_padded_batch(g, 4, &(tfc_shape){1, {2}}, NULL, false, &b, &st));
    TU_OK(tfc_iterator_new(b, &it, &st));
    assert_int_equal(tfc_iterator_get_next(it, &e, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "Attempted to pad to a smaller size"));
    tfc_iterator_free(it), tfc_dataset_free(b), tfc_dataset_free(g);
}

void test_shuffle(void **state) {
    (void)state;
    tfc_status st;
    enum { N = 1000 };
    static int64_t a[N], b[N], c2[N];
    tfc_dataset *r = td_range(N), *s, *s2;
    TU_OK(tfc_dataset_shuffle(r, 100, 42, false, &s, &st));
    assert_int_equal(tfc_dataset_cardinality(s), N);
    assert_int_equal(td_collect(s, 0, a, N), N);
    assert_int_equal(td_collect(s, 0, b, N), N);
    assert_memory_equal(a, b, sizeof a); /* fixed seed, no reshuffle: same order every pass */
    int seen[N] = {0};
    int64_t moved = 0, far = 0;
    for (int i = 0; i < N; i++) {
        seen[a[i]]++;
        moved += a[i] != i;
        int64_t d = a[i] > i ? a[i] - i : i - a[i];
        far += d > 20;
    }
    for (int i = 0; i < N; i++) assert_int_equal(seen[i], 1); /* a permutation */
    assert_true(moved > 950);                                 /* positions spread */
    assert_true(far > 500);
    /* reshuffle_each_iteration: the next pass (and each repetition) has another order */
    TU_OK(tfc_dataset_shuffle(r, 100, 42, true, &s2, &st));
    td_collect(s2, 0, b, N);
    td_collect(s2, 0, c2, N);
    assert_true(memcmp(b, c2, sizeof b) != 0);
    tfc_dataset *rep;
    TU_OK(tfc_dataset_repeat(s2, 2, &rep, &st));
    static int64_t two[2 * N];
    assert_int_equal(td_collect(rep, 0, two, 2 * N), 2 * N);
    assert_true(memcmp(two, two + N, N * sizeof *two) != 0);
    tfc_dataset_free(rep), tfc_dataset_free(s2), tfc_dataset_free(s);
    /* another seed, another order; a buffer of 1 keeps the order */
    TU_OK(tfc_dataset_shuffle(r, 100, 43, false, &s, &st));
    td_collect(s, 0, b, N);
    assert_true(memcmp(a, b, sizeof a) != 0);
    tfc_dataset_free(s);
    TU_OK(tfc_dataset_shuffle(r, 1, 7, false, &s, &st));
    td_collect(s, 0, b, N);
    for (int i = 0; i < N; i++) assert_int_equal(b[i], i);
    tfc_dataset_free(s), tfc_dataset_free(r);
}

static tfc_code times_ten(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                          tfc_status *st) {
    (void)ctx, (void)worker, (void)st;
    int64_t v = *(const int64_t *)tfc_tensor_data_const(in->t[0]);
    out->t[0] = tfc_tensor_scalar_int64(v * 10);
    out->t[1] = tfc_tensor_scalar_int64(-v);
    out->n = 2;
    return TFC_OK;
}

static tfc_code odd(void *ctx, const tfc_element *in, bool *keep, tfc_status *st) {
    (void)ctx, (void)st;
    *keep = *(const int64_t *)tfc_tensor_data_const(in->t[0]) % 2 != 0;
    return TFC_OK;
}

void test_map_filter(void **state) {
    (void)state;
    tfc_status st;
    int64_t v[16];
    tfc_dataset *r = td_range(6), *m, *f;
    tfc_map_opts o = {.names = (const char *const[]){"ten", "neg"}, .num_outputs = 2};
    TU_OK(tfc_dataset_map(r, times_ten, NULL, &o, &m, &st));
    assert_int_equal(tfc_dataset_num_components(m), 2);
    assert_string_equal(tfc_dataset_component_name(m, 1), "neg");
    assert_int_equal(tfc_dataset_cardinality(m), 6);
    td_expect(v, td_collect(m, 0, v, 16), (int64_t[]){0, 10, 20, 30, 40, 50}, 6);
    td_expect(v, td_collect(m, 1, v, 16), (int64_t[]){0, -1, -2, -3, -4, -5}, 6);
    TU_OK(tfc_dataset_filter(r, odd, NULL, &f, &st));
    assert_int_equal(tfc_dataset_cardinality(f), TFC_UNKNOWN_CARDINALITY);
    td_expect(v, td_collect(f, 0, v, 16), (int64_t[]){1, 3, 5}, 3);
    tfc_dataset_free(f), tfc_dataset_free(m), tfc_dataset_free(r);
}

/* Sleeps longer for early elements so later ones finish first unless order is kept. */
static tfc_code slow_identity(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                              tfc_status *st) {
    (void)ctx, (void)worker, (void)st;
    int64_t v = *(const int64_t *)tfc_tensor_data_const(in->t[0]);
    if (v % 4 == 0) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < in->n; k++) out->t[k] = tfc_tensor_ref(in->t[k]);
    out->n = in->n;
    return TFC_OK;
}

void test_parallel_map_order(void **state) {
    (void)state;
    tfc_status st;
    enum { N = 200 };
    int64_t v[N], want[N];
    for (int i = 0; i < N; i++) want[i] = i;
    tfc_dataset *r = td_range(N), *m, *p;
    TU_OK(
        tfc_dataset_map(r, slow_identity, NULL, &(tfc_map_opts){.num_parallel_calls = 4}, &m, &st));
    TU_OK(tfc_dataset_prefetch(m, 3, &p, &st));
    for (int rep = 0; rep < 3; rep++) td_expect(v, td_collect(p, 0, v, N), want, N);
    tfc_dataset_free(p), tfc_dataset_free(m);
    /* nondeterministic: the same elements, possibly in another order */
    TU_OK(tfc_dataset_map(r, slow_identity, NULL,
                          &(tfc_map_opts){.num_parallel_calls = 4, .nondeterministic = true}, &m,
                          &st));
    assert_int_equal(td_collect(m, 0, v, N), N);
    int seen[N] = {0};
    for (int i = 0; i < N; i++) seen[v[i]]++;
    for (int i = 0; i < N; i++) assert_int_equal(seen[i], 1);
    tfc_dataset_free(m), tfc_dataset_free(r);
}
