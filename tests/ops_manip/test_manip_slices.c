/* Slice, StridedSlice and StridedSliceGrad against reference loops: random begin/end/strides in
 * and past range (negative too), random begin/end/shrink masks, each dim's index list made the way
 * Python slices do; fixed cases with new axes and an ellipsis against NumPy's results. */
#include <stdlib.h>

#include "manip_tests.h"

typedef struct ref_slice {
    tfc_shape in;
    int64_t *idx[TFC_MAX_RANK]; /* per input dim, the indices taken */
    int64_t len[TFC_MAX_RANK];
    bool shrink[TFC_MAX_RANK];
} ref_slice;

/* Python's x[b:e:s] index list (b or e None when masked) over a dim of size dim. */
static int64_t py_indices(int64_t dim, int64_t b, int64_t e, int64_t s, bool bm, bool em,
                          int64_t *out) {
    int64_t n = 0, start, stop;
    if (s > 0) {
        start = bm ? 0 : b < 0 ? (b + dim < 0 ? 0 : b + dim) : (b > dim ? dim : b);
        stop = em ? dim : e < 0 ? (e + dim < 0 ? 0 : e + dim) : (e > dim ? dim : e);
        for (int64_t i = start; i < stop; i += s) out[n++] = i;
    } else {
        start = bm ? dim - 1 : b < 0 ? (b + dim < -1 ? -1 : b + dim) : (b > dim - 1 ? dim - 1 : b);
        stop = em ? -1 : e < 0 ? (e + dim < -1 ? -1 : e + dim) : (e > dim - 1 ? dim - 1 : e);
        for (int64_t i = start; i > stop; i += s) out[n++] = i;
    }
    return n;
}

/* Source flat index of output element o (the output has the non-shrunk dims in order). */
static int64_t slice_src(const void *ctx, const int64_t *o) {
    const ref_slice *r = ctx;
    int64_t idx[TFC_MAX_RANK];
    for (int d = 0, k = 0; d < r->in.rank; d++) idx[d] = r->idx[d][r->shrink[d] ? 0 : o[k++]];
    return tm_ravel(idx, &r->in);
}

static void masks_attrs(tfc_node_builder *b, const void *ctx) {
    const int64_t *m = ctx;
    static const char *names[] = {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                  "shrink_axis_mask"};
    for (int i = 0; i < 5; i++)
        if (m[i]) tfc_node_set_attr_int(b, names[i], m[i]);
}

static void test_strided_slice_random(void **state) {
    (void)state;
    tm_rng r = {37};
    static const tfc_dtype dts[] = {TFC_DT_DOUBLE, TFC_DT_INT8, TFC_DT_FLOAT, TFC_DT_INT64};
    for (int it = 0; it < 300; it++) {
        int rank = (int)tm_int(&r, 1, 4), ns = (int)tm_int(&r, 1, rank);
        int64_t dims[TFC_MAX_RANK], b[TFC_MAX_RANK], e[TFC_MAX_RANK], s[TFC_MAX_RANK];
        int64_t m[5] = {0}, store[TFC_MAX_RANK][8];
        ref_slice ref;
        for (int d = 0; d < rank; d++) dims[d] = tm_int(&r, 1, 5);
        ref.in = tfc_shape_make(rank, dims);
        tfc_shape want = tfc_shape_make(0, NULL);
        for (int d = 0; d < rank; d++) {
            int64_t dim = dims[d];
            ref.idx[d] = store[d];
            ref.shrink[d] = false;
            if (d >= ns) { /* past the given indices: the whole dim */
                ref.len[d] = py_indices(dim, 0, 0, 1, true, true, store[d]);
                want.dims[want.rank++] = ref.len[d];
                continue;
            }
            b[d] = tm_int(&r, -dim - 2, dim + 2), e[d] = tm_int(&r, -dim - 2, dim + 2);
            do s[d] = tm_int(&r, -3, 3);
            while (s[d] == 0);
            bool bm = tm_int(&r, 0, 3) == 0, em = tm_int(&r, 0, 3) == 0;
            if (tm_int(&r, 0, 4) == 0) {
                ref.shrink[d] = true;
                b[d] = tm_int(&r, -dim, dim - 1), e[d] = b[d] + 1, s[d] = 1;
                m[4] |= 1 << d;
                store[d][0] = b[d] < 0 ? b[d] + dim : b[d];
                ref.len[d] = 1;
                continue;
            }
            m[0] |= (int64_t)bm << d, m[1] |= (int64_t)em << d;
            ref.len[d] = py_indices(dim, b[d], e[d], s[d], bm, em, store[d]);
            want.dims[want.rank++] = ref.len[d];
        }
        bool i64 = it & 1;
        tfc_tensor *in[4] = {tm_random(&r, dts[it % 4], rank, dims), tm_ints(b, ns, i64),
                             tm_ints(e, ns, i64), tm_ints(s, ns, i64)},
                   *y, *dx;
        tfc_graph *g = tfc_graph_new();
        tfc_node *n =
            tm_node(g, "StridedSlice", in, (bool[]){false, true, true, true}, 4, 0, masks_attrs, m);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, in, 4, &y, 1);
        tm_assert_static_shape(n, 0, y);
        if (!tfc_shape_equal(tfc_tensor_shape(y), &want)) {
            char a[64], w[64];
            fail_msg("StridedSlice case %d: shape %s, want %s", it,
                     tfc_shape_to_string(tfc_tensor_shape(y), a, sizeof a),
                     tfc_shape_to_string(&want, w, sizeof w));
        }
        tm_assert_gather("StridedSlice", y, in[0], slice_src, &ref);

        /* StridedSliceGrad scatters dy (here y itself) back: every taken element, zeros else */
        tfc_tensor *shp = tm_ints(dims, rank, i64);
        tfc_tensor *gin[5] = {shp, in[1], in[2], in[3], y};
        tfc_node *gn = tm_node(g, "StridedSliceGrad", gin, (bool[]){true, true, true, true, false},
                               5, 0, masks_attrs, m);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(gn, gin, 5, &dx, 1);
        tm_assert_static_shape(gn, 0, dx);
        int64_t nx = tfc_shape_num_elements(&ref.in), *keep = malloc(sizeof(int64_t) * (size_t)nx);
        for (int64_t i = 0; i < nx; i++) {
            int64_t idx[TFC_MAX_RANK];
            tm_unravel(i, &ref.in, idx);
            bool taken = true;
            for (int d = 0; d < rank; d++) {
                bool hit = false;
                for (int64_t k = 0; k < ref.len[d]; k++) hit |= ref.idx[d][k] == idx[d];
                taken &= hit;
            }
            keep[i] = taken ? i : -1;
        }
        /* dx = x where taken, zero elsewhere: compare against x through keep */
        for (int64_t i = 0; i < nx; i++) {
            size_t esz = tfc_dtype_size(tfc_tensor_dtype(dx));
            static const char zeros[8];
            const char *w =
                keep[i] < 0 ? zeros : (const char *)tfc_tensor_data_const(in[0]) + i * (int64_t)esz;
            if (memcmp((const char *)tfc_tensor_data_const(dx) + i * (int64_t)esz, w, esz))
                fail_msg("StridedSliceGrad case %d: element %lld", it, (long long)i);
        }
        free(keep);
        tfc_tensor_unref(shp), tfc_tensor_unref(dx);
        for (int k = 0; k < 4; k++) tfc_tensor_unref(in[k]);
        tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

/* NumPy on x of shape [2, 3, 4, 5]. */
static void test_strided_slice_masks(void **state) {
    (void)state;
    struct {
        const char *numpy;
        int n;
        int64_t b[4], e[4], s[4], m[5];
        int orank;
        int64_t odims[5];
    } cases[] = {
        {"x[1:, None, ..., 0]",
         4,
         {1, 0, 0, 0},
         {0, 0, 0, 1},
         {1, 1, 1, 1},
         {0, 1, 4, 2, 8},
         4,
         {1, 1, 3, 4}},
        {"x[..., 1:3]", 2, {0, 1}, {0, 3}, {1, 1}, {0, 0, 1, 0, 0}, 4, {2, 3, 4, 2}},
        {"x[None, 0]", 2, {0, 0}, {0, 1}, {1, 1}, {0, 0, 0, 1, 2}, 4, {1, 3, 4, 5}},
        {"x[:, ::-1, ..., None]",
         4,
         {0, 0, 0, 0},
         {0, 0, 0, 0},
         {1, -1, 1, 1},
         {3, 3, 4, 8, 0},
         5,
         {2, 3, 4, 5, 1}},
        {"x[-1, ..., -2:, ::2]",
         4,
         {-1, 0, -2, 0},
         {0, 0, 0, 0},
         {1, 1, 1, 2},
         {8, 12, 2, 0, 1},
         3,
         {3, 2, 3}},
        {"x[0, 1, 2, 3]", 4, {0, 1, 2, 3}, {1, 2, 3, 4}, {1, 1, 1, 1}, {0, 0, 0, 0, 15}, 0, {0}},
    };
    tm_rng r = {41};
    tfc_tensor *x = tm_random(&r, TFC_DT_DOUBLE, 4, (int64_t[]){2, 3, 4, 5});
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_tensor *in[4] = {x, tm_ints(cases[k].b, cases[k].n, false),
                             tm_ints(cases[k].e, cases[k].n, true),
                             tm_ints(cases[k].s, cases[k].n, false)},
                   *y;
        /* begin, end, strides must share Index: make them all int64 */
        tfc_tensor_unref(in[1]), tfc_tensor_unref(in[3]);
        in[1] = tm_ints(cases[k].b, cases[k].n, true),
        in[3] = tm_ints(cases[k].s, cases[k].n, true);
        tfc_graph *g = tfc_graph_new();
        tfc_node *n = tm_node(g, "StridedSlice", in, (bool[]){false, true, true, true}, 4, 0,
                              masks_attrs, cases[k].m);
        tfc_status st;
        if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s: %s", cases[k].numpy, st.msg);
        tm_run(n, in, 4, &y, 1);
        tm_assert_static_shape(n, 0, y);
        tfc_shape want = tfc_shape_make(cases[k].orank, cases[k].odims);
        if (!tfc_shape_equal(tfc_tensor_shape(y), &want))
            fail_msg("%s: wrong shape", cases[k].numpy);
        if (k == 0) /* y[a, 0, c, d] = x[1 + a, c, d, 0] */
            for (int c = 0; c < 3; c++)
                for (int d = 0; d < 4; d++)
                    assert_true(tu_at(y, c * 4 + d) == tu_at(x, 60 + c * 20 + d * 5));
        if (k == 4) /* y[b, c, d] = x[1, b, 2 + c, 2 * d] */
            for (int64_t i = 0; i < 18; i++)
                assert_true(tu_at(y, i) ==
                            tu_at(x, 60 + (i / 6) * 20 + (2 + i / 3 % 2) * 5 + 2 * (i % 3)));
        if (k == 5) assert_true(tu_at(y, 0) == tu_at(x, 0 * 60 + 1 * 20 + 2 * 5 + 3));
        for (int j = 1; j < 4; j++) tfc_tensor_unref(in[j]);
        tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
    tfc_tensor_unref(x);
}

static void test_slice(void **state) {
    (void)state;
    tm_rng r = {43};
    for (int it = 0; it < 60; it++) {
        int rank = (int)tm_int(&r, 0, 4);
        int64_t dims[TFC_MAX_RANK], b[TFC_MAX_RANK], sz[TFC_MAX_RANK], store[TFC_MAX_RANK][8];
        ref_slice ref;
        for (int d = 0; d < rank; d++) {
            dims[d] = tm_int(&r, 1, 5);
            b[d] = tm_int(&r, 0, dims[d]);
            sz[d] = tm_int(&r, 0, 2) == 0 ? -1 : tm_int(&r, 0, dims[d] - b[d]);
            ref.idx[d] = store[d], ref.shrink[d] = false;
            ref.len[d] = sz[d] < 0 ? dims[d] - b[d] : sz[d];
            for (int64_t k = 0; k < ref.len[d]; k++) store[d][k] = b[d] + k;
        }
        ref.in = tfc_shape_make(rank, dims);
        bool i64 = it & 1;
        tfc_tensor *in[3] = {tm_random(&r, it & 2 ? TFC_DT_UINT8 : TFC_DT_DOUBLE, rank, dims),
                             tm_ints(b, rank, i64), tm_ints(sz, rank, i64)},
                   *y;
        tfc_graph *g = tfc_graph_new();
        tfc_node *n = tm_node(g, "Slice", in, (bool[]){false, true, true}, 3, 0, NULL, NULL);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, in, 3, &y, 1);
        tm_assert_static_shape(n, 0, y);
        for (int d = 0; d < rank; d++) assert_int_equal(tfc_tensor_dim(y, d), ref.len[d]);
        tm_assert_gather("Slice", y, in[0], slice_src, &ref);
        for (int k = 0; k < 3; k++) tfc_tensor_unref(in[k]);
        tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

static void test_slice_errors(void **state) {
    (void)state;
    tm_rng r = {47};
    tfc_tensor *x = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_graph *g = tfc_graph_new();
    tfc_out ph = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){-1, {0}});
    tfc_out bi = tfc_placeholder(g, "b", TFC_DT_INT32, &(tfc_shape){-1, {0}});
    tfc_node_builder *nb = tfc_node_begin(g, "Slice", "s");
    tfc_node_add_input(nb, ph);
    tfc_node_add_input(nb, bi);
    tfc_node_add_input(nb, bi);
    tfc_node *s = tfc_node_finish(nb);
    nb = tfc_node_begin(g, "StridedSlice", "ss");
    tfc_node_add_input(nb, ph);
    for (int k = 0; k < 3; k++) tfc_node_add_input(nb, bi);
    tfc_node *ss = tfc_node_finish(nb);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_tensor *v = tm_ints((int64_t[]){1, 2}, 2, false), *z = tm_ints((int64_t[]){0, 0}, 2, false);
    tfc_tensor *three = tm_ints((int64_t[]){0, 0, 0}, 3, false), *out = NULL;
    tfc_status st;
    assert_int_equal(
        tfc__kernel_run(s, (const tfc_tensor *[]){x, v, v}, 3, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TM_EXPECT(
        st, TFC_INVALID_ARGUMENT,
        "node 's' (Slice): Expected begin[1] in [0, 3] and size[1] in [0, 1], but got 2 and 2");
    assert_int_equal(
        tfc__kernel_run(ss, (const tfc_tensor *[]){x, z, z, z}, 4, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TM_EXPECT(st, TFC_INVALID_ARGUMENT, "strides[0] must be non-zero");
    assert_int_equal(tfc__kernel_run(ss, (const tfc_tensor *[]){x, three, three, three}, 4, &out, 1,
                                     NULL, NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TM_EXPECT(st, TFC_INVALID_ARGUMENT, "Index out of range using input dim 2");
    assert_null(out);
    tfc_tensor *list[] = {x, v, z, three};
    for (int k = 0; k < 4; k++) tfc_tensor_unref(list[k]);
    tfc_graph_free(g);
}

int tm_run_slices(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_strided_slice_random),
        TU_TEST(test_strided_slice_masks),
        TU_TEST(test_slice),
        TU_TEST(test_slice_errors),
    };
    return cmocka_run_group_tests_name("manip_slices", tests, NULL, NULL);
}
