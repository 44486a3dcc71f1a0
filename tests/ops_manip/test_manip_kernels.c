/* Squeeze, Transpose, ConcatV2, Pack, Unpack, Tile and OneHot kernels against reference loops on
 * random inputs of several ranks, axes (negative too) and dtypes (compared bitwise, as the kernels
 * copy bytes); static shapes against the kernels' shapes; shape-inference and kernel errors. */
#include <stdlib.h>

#include "manip_tests.h"

static const tfc_dtype dtypes[] = {TFC_DT_DOUBLE, TFC_DT_FLOAT, TFC_DT_INT64,
                                   TFC_DT_UINT8,  TFC_DT_INT32, TFC_DT_INT8};
#define NDT ((int)(sizeof dtypes / sizeof dtypes[0]))

static void random_dims(tm_rng *r, int rank, int64_t *dims, int64_t lo, int64_t hi) {
    for (int d = 0; d < rank; d++) dims[d] = tm_int(r, lo, hi);
}

static void unref_all(tfc_tensor **t, int n) {
    for (int i = 0; i < n; i++) tfc_tensor_unref(t[i]);
}

/* ---- Squeeze ---- */
static void squeeze_attrs(tfc_node_builder *b, const void *ctx) {
    const int64_t *sq = ctx;
    if (sq[0] >= 0) tfc_node_set_attr_int_list(b, "squeeze_dims", sq + 1, (int)sq[0]);
}

static void test_squeeze(void **state) {
    (void)state;
    struct {
        int rank;
        int64_t dims[4];
        int64_t sq[3]; /* count, dims... (-1 count: attr unset) */
        int orank;
        int64_t odims[4];
    } cases[] = {
        {4, {1, 3, 1, 2}, {-1}, 2, {3, 2}}, {4, {1, 3, 1, 2}, {1, -2}, 3, {1, 3, 2}},
        {3, {2, 1, 1}, {2, 1, 2}, 1, {2}},  {2, {1, 1}, {0}, 0, {0}},
        {3, {4, 5, 1}, {1, -1}, 2, {4, 5}},
    };
    tm_rng r = {7};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_tensor *x = tm_random(&r, dtypes[k % NDT], cases[k].rank, cases[k].dims), *y;
        tfc_node *n = tm_node(g, "Squeeze", &x, NULL, 1, 0, squeeze_attrs, cases[k].sq);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, &x, 1, &y, 1);
        tfc_shape want = tfc_shape_make(cases[k].orank, cases[k].odims);
        assert_true(tfc_shape_equal(tfc_tensor_shape(y), &want));
        tm_assert_static_shape(n, 0, y);
        assert_memory_equal(tfc_tensor_data_const(y), tfc_tensor_data_const(x),
                            tfc_tensor_byte_size(x));
        tfc_tensor_unref(x), tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

/* ---- Transpose ---- */
typedef struct perm_ctx {
    int rank;
    int perm[TFC_MAX_RANK];
    tfc_shape in;
} perm_ctx;

static int64_t transpose_src(const void *ctx, const int64_t *o) {
    const perm_ctx *p = ctx;
    int64_t idx[TFC_MAX_RANK];
    for (int k = 0; k < p->rank; k++) idx[p->perm[k]] = o[k];
    return tm_ravel(idx, &p->in);
}

static void test_transpose(void **state) {
    (void)state;
    tm_rng r = {11};
    for (int it = 0; it < 40; it++) {
        perm_ctx p = {.rank = (int)tm_int(&r, 0, 5)};
        int64_t dims[TFC_MAX_RANK], pv[TFC_MAX_RANK];
        random_dims(&r, p.rank, dims, it == 5 ? 0 : 1, 5);
        for (int d = 0; d < p.rank; d++) p.perm[d] = d;
        for (int d = p.rank - 1; d > 0; d--) { /* Fisher-Yates */
            int j = (int)tm_int(&r, 0, d), t = p.perm[d];
            p.perm[d] = p.perm[j], p.perm[j] = t;
        }
        for (int d = 0; d < p.rank; d++) pv[d] = p.perm[d];
        p.in = tfc_shape_make(p.rank, dims);
        tfc_graph *g = tfc_graph_new();
        tfc_tensor *in[2] = {tm_random(&r, dtypes[it % NDT], p.rank, dims),
                             tm_ints(pv, p.rank, it & 1)},
                   *y;
        tfc_node *n = tm_node(g, "Transpose", in, (bool[]){false, true}, 2, 0, NULL, NULL);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, in, 2, &y, 1);
        tm_assert_static_shape(n, 0, y);
        tm_assert_gather("Transpose", y, in[0], transpose_src, &p);
        unref_all(in, 2), tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

static void test_invert_permutation(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_tensor *x = tm_ints((int64_t[]){2, 0, 3, 1}, 4, false), *y;
    tfc_node *n = tm_node(g, "InvertPermutation", &x, NULL, 1, 0, NULL, NULL);
    tm_run(n, &x, 1, &y, 1);
    const int32_t want[] = {1, 3, 0, 2};
    assert_memory_equal(tfc_tensor_data_const(y), want, sizeof want);
    tfc_tensor_unref(x), tfc_tensor_unref(y);
    tfc_graph_free(g);
}

/* ---- ConcatV2 and Pack ---- */
typedef struct cat_ctx {
    int n, axis;
    bool pack; /* inputs lack the axis */
    tfc_shape in[8];
    int64_t base[8]; /* flat offset of input i in the reference's concatenated source */
} cat_ctx;

static int64_t concat_src(const void *ctx, const int64_t *o) {
    const cat_ctx *c = ctx;
    int64_t at = o[c->axis], idx[TFC_MAX_RANK + 1];
    for (int i = 0; i < c->n; i++) {
        int64_t len = c->pack ? 1 : c->in[i].dims[c->axis];
        if (at < len) {
            for (int d = 0, k = 0; d <= c->in[i].rank - (c->pack ? 0 : 1); d++) {
                if (d == c->axis) {
                    if (!c->pack) idx[k++] = at;
                } else {
                    idx[k++] = o[d];
                }
            }
            return c->base[i] + tm_ravel(idx, &c->in[i]);
        }
        at -= len;
    }
    return -2;
}

/* One source tensor holding every input's bytes one after another, for tm_assert_gather. */
static tfc_tensor *joined(tfc_tensor *const *xs, int n, int64_t *base) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) base[i] = total, total += tfc_tensor_num_elements(xs[i]);
    tfc_tensor *t;
    tfc_shape s = tfc_shape_make(1, (int64_t[]){total});
    TU_OK(tfc_tensor_new(tfc_tensor_dtype(xs[0]), &s, &t, NULL));
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(xs[0]));
    for (int i = 0; i < n; i++)
        memcpy((char *)tfc_tensor_data(t) + base[i] * (int64_t)esz, tfc_tensor_data_const(xs[i]),
               tfc_tensor_byte_size(xs[i]));
    return t;
}

static void pack_attrs(tfc_node_builder *b, const void *ctx) {
    tfc_node_set_attr_int(b, "axis", *(const int64_t *)ctx);
}

static void test_concat_pack(void **state) {
    (void)state;
    tm_rng r = {13};
    for (int it = 0; it < 60; it++) {
        bool pack = it % 2;
        int rank = (int)tm_int(&r, pack ? 0 : 1, 4), n = (int)tm_int(&r, pack ? 1 : 2, 5);
        int orank = pack ? rank + 1 : rank;
        int64_t axis = tm_int(&r, -orank, orank - 1), dims[TFC_MAX_RANK];
        random_dims(&r, rank, dims, 1, 4);
        cat_ctx c = {.n = n, .axis = (int)(axis < 0 ? axis + orank : axis), .pack = pack};
        tfc_tensor *in[9], *y;
        tfc_dtype dt = dtypes[it % NDT];
        for (int i = 0; i < n; i++) {
            if (!pack) dims[c.axis] = tm_int(&r, it == 8 && i == 1 ? 0 : 1, 4);
            in[i] = tm_random(&r, dt, rank, dims);
            c.in[i] = *tfc_tensor_shape(in[i]);
        }
        if (!pack) in[n] = tm_ints(&axis, -1, it & 2);
        bool consts[9] = {false};
        consts[n] = true;
        tfc_graph *g = tfc_graph_new();
        tfc_node *nd = tm_node(g, pack ? "Pack" : "ConcatV2", in, consts, pack ? n : n + 1, n,
                               pack ? pack_attrs : NULL, &axis);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(nd, in, pack ? n : n + 1, &y, 1);
        tm_assert_static_shape(nd, 0, y);
        tfc_tensor *src = joined(in, n, c.base);
        tm_assert_gather(pack ? "Pack" : "ConcatV2", y, src, concat_src, &c);
        unref_all(in, pack ? n : n + 1), tfc_tensor_unref(y), tfc_tensor_unref(src);
        tfc_graph_free(g);
    }
}

/* ---- Unpack ---- */
typedef struct unpack_ctx {
    int axis, which;
    tfc_shape in;
} unpack_ctx;

static int64_t unpack_src(const void *ctx, const int64_t *o) {
    const unpack_ctx *u = ctx;
    int64_t idx[TFC_MAX_RANK];
    for (int d = 0, k = 0; d < u->in.rank; d++) idx[d] = d == u->axis ? u->which : o[k++];
    return tm_ravel(idx, &u->in);
}

static void unpack_attrs(tfc_node_builder *b, const void *ctx) {
    const int64_t *v = ctx;
    tfc_node_set_attr_int(b, "num", v[0]);
    tfc_node_set_attr_int(b, "axis", v[1]);
}

static void test_unpack(void **state) {
    (void)state;
    tm_rng r = {17};
    for (int it = 0; it < 30; it++) {
        int rank = (int)tm_int(&r, 1, 4);
        int64_t dims[TFC_MAX_RANK], attrs[2];
        random_dims(&r, rank, dims, 1, 4);
        attrs[1] = tm_int(&r, -rank, rank - 1);
        unpack_ctx u = {.axis = (int)(attrs[1] < 0 ? attrs[1] + rank : attrs[1])};
        attrs[0] = dims[u.axis];
        tfc_tensor *x = tm_random(&r, dtypes[it % NDT], rank, dims), *ys[8];
        u.in = *tfc_tensor_shape(x);
        tfc_graph *g = tfc_graph_new();
        tfc_node *n = tm_node(g, "Unpack", &x, NULL, 1, 0, unpack_attrs, attrs);
        TU_OK(tfc_graph_status(g, NULL));
        assert_int_equal(tfc_node_num_outputs(n), attrs[0]);
        tm_run(n, &x, 1, ys, (int)attrs[0]);
        for (int i = 0; i < attrs[0]; i++) {
            u.which = i;
            tm_assert_static_shape(n, i, ys[i]);
            tm_assert_gather("Unpack", ys[i], x, unpack_src, &u);
        }
        unref_all(ys, (int)attrs[0]), tfc_tensor_unref(x);
        tfc_graph_free(g);
    }
}

/* ---- Tile ---- */
static int64_t tile_src(const void *ctx, const int64_t *o) {
    const tfc_shape *in = ctx;
    int64_t idx[TFC_MAX_RANK];
    for (int d = 0; d < in->rank; d++) idx[d] = o[d] % in->dims[d];
    return tm_ravel(idx, in);
}

static void test_tile(void **state) {
    (void)state;
    tm_rng r = {19};
    for (int it = 0; it < 40; it++) {
        int rank = (int)tm_int(&r, 0, 4);
        int64_t dims[TFC_MAX_RANK], m[TFC_MAX_RANK];
        random_dims(&r, rank, dims, 1, 4);
        random_dims(&r, rank, m, it == 3 ? 0 : 1, 3);
        tfc_tensor *in[2] = {tm_random(&r, dtypes[it % NDT], rank, dims), tm_ints(m, rank, it & 1)};
        tfc_tensor *y;
        tfc_graph *g = tfc_graph_new();
        tfc_node *n = tm_node(g, "Tile", in, (bool[]){false, true}, 2, 0, NULL, NULL);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, in, 2, &y, 1);
        tm_assert_static_shape(n, 0, y);
        for (int d = 0; d < rank; d++) assert_int_equal(tfc_tensor_dim(y, d), dims[d] * m[d]);
        tm_assert_gather("Tile", y, in[0], tile_src, tfc_tensor_shape(in[0]));
        unref_all(in, 2), tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

/* ---- OneHot ---- */
static void test_one_hot(void **state) {
    (void)state;
    tm_rng r = {23};
    for (int it = 0; it < 24; it++) {
        int rank = (int)tm_int(&r, 0, 3);
        int64_t dims[TFC_MAX_RANK], depth = tm_int(&r, 1, 5), axis = tm_int(&r, -1, rank);
        random_dims(&r, rank, dims, 1, 4);
        tfc_shape is = tfc_shape_make(rank, dims);
        int64_t ni = tfc_shape_num_elements(&is), iv[64];
        for (int64_t i = 0; i < ni; i++) iv[i] = tm_int(&r, -1, depth); /* -1, depth: all off */
        tfc_tensor *idx;
        bool i64 = it & 1;
        TU_OK(tfc_tensor_new(i64 ? TFC_DT_INT64 : TFC_DT_INT32, &is, &idx, NULL));
        for (int64_t i = 0; i < ni; i++) {
            if (i64)
                ((int64_t *)tfc_tensor_data(idx))[i] = iv[i];
            else
                ((int32_t *)tfc_tensor_data(idx))[i] = (int32_t)iv[i];
        }
        tfc_tensor *on = tfc_tensor_scalar_float(2.5f), *off = tfc_tensor_scalar_float(-1.0f);
        tfc_tensor *in[4] = {idx, tm_ints(&depth, -1, false), on, off}, *y;
        tfc_graph *g = tfc_graph_new();
        tfc_node *n =
            tm_node(g, "OneHot", in, (bool[]){false, true, false, false}, 4, 0, pack_attrs, &axis);
        TU_OK(tfc_graph_status(g, NULL));
        tm_run(n, in, 4, &y, 1);
        tm_assert_static_shape(n, 0, y);
        int a = axis < 0 ? rank : (int)axis;
        int64_t o[TFC_MAX_RANK + 1], ii[TFC_MAX_RANK];
        for (int64_t i = 0; i < tfc_tensor_num_elements(y); i++) {
            tm_unravel(i, tfc_tensor_shape(y), o);
            for (int d = 0, k = 0; d <= rank; d++)
                if (d != a) ii[k++] = o[d];
            double want = iv[tm_ravel(ii, &is)] == o[a] ? 2.5 : -1.0;
            if (tu_at(y, i) != want) fail_msg("OneHot: element %lld", (long long)i);
        }
        unref_all(in, 4), tfc_tensor_unref(y);
        tfc_graph_free(g);
    }
}

/* ---- Shape-inference errors ---- */
static void expect_graph_error(tfc_graph *g, const char *frag) {
    tfc_status st;
    tfc_graph_status(g, &st);
    TM_EXPECT(st, TFC_INVALID_ARGUMENT, frag);
    tfc_graph_free(g);
}

static void test_shape_errors(void **state) {
    (void)state;
    tm_rng r = {29};
    tfc_tensor *x23 = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_tensor *x24 = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){2, 4});
    tfc_tensor *x34 = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){3, 4});

    tfc_tensor *p[3] = {tm_ints((int64_t[]){0, 0}, 2, false), tm_ints((int64_t[]){0, 2}, 2, false),
                        tm_ints((int64_t[]){0, 1, 2}, 3, false)};
    const char *perr[3] = {"perm[1] = 0 is duplicated in perm", "perm[1] = 2 is out of range",
                           "perm has 3 elements but the input has rank 2"};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tm_node(g, "Transpose", (tfc_tensor *[]){x23, p[k]}, (bool[]){false, true}, 2, 0, NULL,
                NULL);
        expect_graph_error(g, perr[k]);
    }
    unref_all(p, 3);

    tfc_tensor *ax = tm_ints((int64_t[]){1}, -1, false), *ax0 = tm_ints((int64_t[]){0}, -1, false);
    tfc_graph *g = tfc_graph_new();
    tm_node(g, "ConcatV2", (tfc_tensor *[]){x23, x34, ax}, (bool[]){false, false, true}, 3, 2, NULL,
            NULL);
    expect_graph_error(g, "Dimension 0 in both shapes must be equal, but are 2 and 3");
    g = tfc_graph_new();
    tm_node(g, "ConcatV2", (tfc_tensor *[]){x23, x24, ax0}, (bool[]){false, false, true}, 3, 2,
            NULL, NULL);
    expect_graph_error(g, "Dimension 1 in both shapes must be equal, but are 3 and 4");
    tfc_tensor *ax5 = tm_ints((int64_t[]){-3}, -1, false);
    g = tfc_graph_new();
    tm_node(g, "ConcatV2", (tfc_tensor *[]){x23, x23, ax5}, (bool[]){false, false, true}, 3, 2,
            NULL, NULL);
    expect_graph_error(g, "Expected concatenating dimensions in the range [-2, 2), but got -3");
    g = tfc_graph_new();
    tm_node(g, "Pack", (tfc_tensor *[]){x23, x24}, NULL, 2, 2, NULL, NULL);
    expect_graph_error(g, "Shapes of all inputs must match");

    tfc_tensor *b = tm_ints((int64_t[]){1, 1}, 2, false),
               *sz = tm_ints((int64_t[]){1, 3}, 2, false);
    g = tfc_graph_new();
    tm_node(g, "Slice", (tfc_tensor *[]){x23, b, sz}, (bool[]){false, true, true}, 3, 0, NULL,
            NULL);
    expect_graph_error(g, "slice out of range");
    tfc_tensor *b3 = tm_ints((int64_t[]){3, 0}, 2, false), *sm = tm_ints((int64_t[]){-1, -1}, 2, 0);
    g = tfc_graph_new();
    tm_node(g, "Slice", (tfc_tensor *[]){x23, b3, sm}, (bool[]){false, true, true}, 3, 0, NULL,
            NULL);
    expect_graph_error(g, "Expected begin[0] in [0, 2], but got 3");

    int64_t sq[] = {1, 1};
    g = tfc_graph_new();
    tm_node(g, "Squeeze", &x23, NULL, 1, 0, squeeze_attrs, sq);
    expect_graph_error(g, "Can not squeeze dim[1], expected a dimension of 1, got 3");

    int64_t ua[2] = {3, 0};
    g = tfc_graph_new();
    tm_node(g, "Unpack", &x23, NULL, 1, 0, unpack_attrs, ua);
    expect_graph_error(g, "Dimension must be 3 but is 2");

    tfc_tensor *m = tm_ints((int64_t[]){1, 2, 3}, 3, false);
    g = tfc_graph_new();
    tm_node(g, "Tile", (tfc_tensor *[]){x23, m}, (bool[]){false, true}, 2, 0, NULL, NULL);
    expect_graph_error(g, "multiples has 3 elements but the input has rank 2");

    tfc_tensor *ss[3] = {tm_ints((int64_t[]){0, 5}, 2, false), tm_ints((int64_t[]){1, 6}, 2, false),
                         tm_ints((int64_t[]){1, 1}, 2, false)};
    static const int64_t shrink = 2;
    g = tfc_graph_new();
    tfc_node_builder *nb = tfc_node_begin(g, "StridedSlice", NULL);
    tfc_node_add_input(nb, tfc_placeholder(g, "x", TFC_DT_FLOAT, tfc_tensor_shape(x23)));
    for (int k = 0; k < 3; k++) tfc_node_add_input(nb, tfc_const(g, "c", ss[k]));
    tfc_node_set_attr_int(nb, "shrink_axis_mask", shrink);
    tfc_node_finish(nb);
    expect_graph_error(g, "slice index 5 of dimension 1 out of bounds.");
    unref_all(ss, 3);

    tfc_tensor *list[] = {x23, x24, x34, ax, ax0, ax5, b, sz, b3, sm, m};
    unref_all(list, (int)(sizeof list / sizeof list[0]));
}

/* ---- Kernel errors (shapes the graph could not check) ---- */
static void test_kernel_errors(void **state) {
    (void)state;
    tm_rng r = {31};
    tfc_tensor *x23 = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_tensor *x34 = tm_random(&r, TFC_DT_FLOAT, 2, (int64_t[]){3, 4});
    tfc_tensor *ax = tm_ints((int64_t[]){1}, -1, false), *out = NULL;
    tfc_graph *g = tfc_graph_new();
    tfc_out a = tfc_placeholder(g, "a", TFC_DT_FLOAT, &(tfc_shape){-1, {0}});
    tfc_out b = tfc_placeholder(g, "b", TFC_DT_FLOAT, &(tfc_shape){-1, {0}});
    tfc_out i = tfc_placeholder(g, "i", TFC_DT_INT32, &(tfc_shape){-1, {0}});
    tfc_node_builder *nb = tfc_node_begin(g, "ConcatV2", "cat");
    tfc_node_add_input_list(nb, (tfc_out[]){a, b}, 2);
    tfc_node_add_input(nb, i);
    tfc_node *cat = tfc_node_finish(nb);
    nb = tfc_node_begin(g, "Transpose", "tr");
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, i);
    tfc_node *tr = tfc_node_finish(nb);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_status st;
    assert_int_equal(
        tfc__kernel_run(cat, (const tfc_tensor *[]){x23, x34, ax}, 3, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TM_EXPECT(st, TFC_INVALID_ARGUMENT,
              "node 'cat' (ConcatV2): ConcatOp : Dimensions of inputs should match: shape[0] = "
              "[2,3] vs. shape[1] = [3,4]");
    tfc_tensor *bad = tm_ints((int64_t[]){1, 1}, 2, false);
    assert_int_equal(
        tfc__kernel_run(tr, (const tfc_tensor *[]){x23, bad}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TM_EXPECT(st, TFC_INVALID_ARGUMENT, "1 is duplicated in perm");
    assert_null(out);
    /* strings are not byte-copyable */
    tfc_tensor *str = tfc_tensor_scalar_string("ab", 2), *p0 = tm_ints(NULL, 0, false);
    nb = tfc_node_begin(g, "Transpose", "trs");
    tfc_node_add_input(nb, tfc_placeholder(g, "s", TFC_DT_STRING, &(tfc_shape){0, {0}}));
    tfc_node_add_input(nb, i);
    tfc_node *trs = tfc_node_finish(nb);
    TU_OK(tfc_graph_status(g, NULL));
    assert_int_equal(
        tfc__kernel_run(trs, (const tfc_tensor *[]){str, p0}, 2, &out, 1, NULL, NULL, &st),
        TFC_UNIMPLEMENTED);
    TM_EXPECT(st, TFC_UNIMPLEMENTED, "Transpose is not implemented for string");
    tfc_tensor *list[] = {x23, x34, ax, bad, str, p0};
    unref_all(list, 6);
    tfc_graph_free(g);
}

int tm_run_kernels(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_squeeze),     TU_TEST(test_transpose),    TU_TEST(test_invert_permutation),
        TU_TEST(test_concat_pack), TU_TEST(test_unpack),       TU_TEST(test_tile),
        TU_TEST(test_one_hot),     TU_TEST(test_shape_errors), TU_TEST(test_kernel_errors),
    };
    return cmocka_run_group_tests_name("manip_kernels", tests, NULL, NULL);
}
