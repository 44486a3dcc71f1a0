/* Every base-family kernel against a plain reference loop, through tfc__kernel_run: broadcasting
 * arithmetic on random inputs (including large ones that take the thread pool), AddN, the unary
 * ops, MatMul with its transposes, Shape, Reshape (a view), Const, Identity(N), the placeholders,
 * and the kernels' error messages. */
#include <cblas.h>
#include <math.h>

#include "runtime_tests.h"

/* Runs node n's kernel on inputs; returns output 0 (asserting success). */
static tfc_tensor *run1(const tfc_node *n, const tfc_tensor *const *in, int nin,
                        tfc_threadpool *pool) {
    tfc_tensor *out[4] = {0};
    tfc_status st;
    if (tfc__kernel_run(n, in, nin, out, tfc_node_num_outputs(n), pool, NULL, &st) != TFC_OK)
        fail_msg("%s: %s", tfc_node_name(n), st.msg);
    return out[0];
}

/* Flat index into a tensor of shape s (right-aligned against out, broadcast dims read index 0)
 * for the output's multi-index idx. */
static int64_t bcast_index(const tfc_shape *s, const tfc_shape *out, const int64_t *idx) {
    int64_t k = 0;
    for (int i = 0; i < s->rank; i++) {
        int oi = i + out->rank - s->rank;
        k = k * s->dims[i] + (s->dims[i] == 1 ? 0 : idx[oi]);
    }
    return k;
}

static double ref_binary(const char *op, double a, double b, bool integer) {
    if (!strcmp(op, "Sub")) return a - b;
    if (!strcmp(op, "Mul")) return a * b;
    if (!strcmp(op, "RealDiv")) return integer ? 0 : a / b;
    return a + b;
}

static void check_close(double got, double want, tfc_dtype dt, const char *what, int64_t i) {
    if (isnan(want) && isnan(got)) return;
    if (isinf(want) && got == want) return;
    double tol = dt == TFC_DT_FLOAT ? 1e-6 * (1 + fabs(want)) : dt == TFC_DT_DOUBLE ? 1e-12 : 0;
    if (fabs(got - want) > tol)
        fail_msg("%s: element %lld is %.9g, want %.9g", what, (long long)i, got, want);
}

static void check_binary(const char *op, tfc_dtype dt, int rx, const int64_t *dx, int ry,
                         const int64_t *dy, tfc_threadpool *pool, uint64_t *seed) {
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", dt, rx, dx), y = tr_ph(g, "y", dt, ry, dy);
    tfc_out z = tr_binary(g, op, "z", x, y);
    tfc_status gst;
    if (tfc_graph_status(g, &gst) != TFC_OK) fail_msg("%s", gst.msg);
    tfc_tensor *tx = tr_tensor(dt, rx, dx), *ty = tr_tensor(dt, ry, dy);
    tr_fill(tx, seed), tr_fill(ty, seed);
    const tfc_tensor *in[2] = {tx, ty};
    tfc_tensor *tz = run1(z.node, in, 2, pool);
    const tfc_shape *so = tfc_tensor_shape(tz);
    assert_true(tfc_shape_equal(so, tfc_out_shape(z)));
    char what[160], a[64], b[64];
    snprintf(what, sizeof what, "%s %s %s %s", op, tfc_dtype_name(dt),
             tfc_shape_to_string(tfc_tensor_shape(tx), a, sizeof a),
             tfc_shape_to_string(tfc_tensor_shape(ty), b, sizeof b));
    int64_t idx[TFC_MAX_RANK] = {0};
    bool integer = dt == TFC_DT_INT32 || dt == TFC_DT_INT64;
    for (int64_t i = 0; i < tfc_tensor_num_elements(tz); i++) {
        double want = ref_binary(op, tu_at(tx, bcast_index(tfc_tensor_shape(tx), so, idx)),
                                 tu_at(ty, bcast_index(tfc_tensor_shape(ty), so, idx)), integer);
        check_close(tu_at(tz, i), want, dt, what, i);
        for (int k = so->rank - 1; k >= 0 && ++idx[k] == so->dims[k]; k--) idx[k] = 0;
    }
    tfc_tensor_unref(tx), tfc_tensor_unref(ty), tfc_tensor_unref(tz);
    tfc_graph_free(g);
}

static void test_binary_broadcast(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(4, &pool, NULL));
    static const struct {
        int rx, ry;
        int64_t dx[4], dy[4];
    } cases[] = {
        {2, 2, {2, 3}, {2, 3}},
        {0, 1, {0}, {4}},
        {1, 0, {4}, {0}},
        {3, 2, {2, 1, 3}, {4, 1}},
        {2, 2, {3, 1}, {1, 5}},
        {4, 3, {5, 1, 4, 1}, {3, 1, 1}},
        {3, 2, {2, 3, 4}, {3, 1}},
        {1, 2, {1}, {2, 2}},
        {2, 1, {0, 3}, {3}},
        {2, 1, {300, 300}, {300}},
        {2, 2, {300, 1}, {1, 300}},
        {1, 1, {70000}, {70000}},
        {3, 3, {2, 1, 40000}, {1, 2, 1}},
        {0, 0, {0}, {0}},
    };
    static const char *ops[] = {"Add", "AddV2", "Sub", "Mul", "RealDiv"};
    static const tfc_dtype dts[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    uint64_t seed = 42;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t o = 0; o < 5; o++)
            for (size_t d = 0; d < 4; d++) {
                if (!strcmp(ops[o], "RealDiv") && d >= 2) continue; /* TF: no integer RealDiv */
                check_binary(ops[o], dts[d], cases[c].rx, cases[c].dx, cases[c].ry, cases[c].dy,
                             pool, &seed);
            }
    tfc_threadpool_free(pool);
}

static void test_binary_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, -1, NULL), y = tr_ph(g, "y", TFC_DT_FLOAT, -1, NULL);
    tfc_out z = tr_binary(g, "Mul", "z", x, y);
    tfc_out xi = tr_ph(g, "xi", TFC_DT_INT32, -1, NULL);
    tfc_out d = tr_binary(g, "RealDiv", "d", xi, xi);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_tensor *a = tr_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_tensor *b = tr_tensor(TFC_DT_FLOAT, 1, (int64_t[]){4});
    tfc_tensor *out = NULL;
    tfc_status st;
    assert_int_equal(
        tfc__kernel_run(z.node, (const tfc_tensor *[]){a, b}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "node 'z' (Mul): Incompatible shapes: [2,3] vs. [4]");
    assert_null(out);
    tfc_tensor *i = tfc_tensor_scalar_int32(3);
    assert_int_equal(
        tfc__kernel_run(d.node, (const tfc_tensor *[]){i, i}, 2, &out, 1, NULL, NULL, &st),
        TFC_UNIMPLEMENTED);
    TR_EXPECT(st, TFC_UNIMPLEMENTED, "no CPU kernel for RealDiv on int32");
    /* wrong counts */
    assert_int_equal(
        tfc__kernel_run(z.node, (const tfc_tensor *[]){a}, 1, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "has 2 inputs and 1 outputs; given 1 and 1");
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(i);
    tfc_graph_free(g);
}

/* Integer arithmetic wraps like TF's (two's complement), with no undefined behaviour. */
static void test_integer_wrap(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_INT32, 0, NULL);
    tfc_out add = tr_binary(g, "Add", NULL, x, x), mul = tr_binary(g, "Mul", NULL, x, x);
    tfc_out neg = tr_unary(g, "Neg", NULL, x), sq = tr_unary(g, "Square", NULL, x);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_tensor *big = tfc_tensor_scalar_int32(INT32_MIN);
    const tfc_tensor *in[2] = {big, big};
    tfc_tensor *r = run1(add.node, in, 2, NULL);
    assert_int_equal(*(int32_t *)tfc_tensor_data(r), 0);
    tfc_tensor_unref(r);
    r = run1(mul.node, in, 2, NULL);
    assert_int_equal(*(int32_t *)tfc_tensor_data(r), 0);
    tfc_tensor_unref(r);
    r = run1(neg.node, in, 1, NULL);
    assert_int_equal(*(int32_t *)tfc_tensor_data(r), INT32_MIN);
    tfc_tensor_unref(r);
    r = run1(sq.node, in, 1, NULL);
    assert_int_equal(*(int32_t *)tfc_tensor_data(r), 0);
    tfc_tensor_unref(r);
    tfc_tensor_unref(big);
    tfc_graph_free(g);
}

static double ref_unary(const char *op, double a) {
    if (!strcmp(op, "Relu")) return a < 0 ? 0 : a;
    if (!strcmp(op, "Neg")) return -a;
    return a * a;
}

static void test_unary(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    static const char *ops[] = {"Relu", "Neg", "Square"};
    static const tfc_dtype dts[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    static const int64_t sizes[] = {0, 1, 7, 100003};
    uint64_t seed = 7;
    for (int o = 0; o < 3; o++)
        for (int d = 0; d < 4; d++)
            for (int k = 0; k < 4; k++) {
                tfc_graph *g = tfc_graph_new();
                tfc_out x = tr_ph(g, "x", dts[d], 1, &sizes[k]);
                tfc_out y = tr_unary(g, ops[o], "y", x);
                TU_OK(tfc_graph_status(g, NULL));
                tfc_tensor *tx = tr_tensor(dts[d], 1, &sizes[k]);
                tr_fill(tx, &seed);
                const tfc_tensor *in[1] = {tx};
                tfc_tensor *ty = run1(y.node, in, 1, pool);
                assert_int_equal(tfc_tensor_num_elements(ty), sizes[k]);
                for (int64_t i = 0; i < sizes[k]; i++)
                    check_close(tu_at(ty, i), ref_unary(ops[o], tu_at(tx, i)), dts[d], ops[o], i);
                tfc_tensor_unref(tx), tfc_tensor_unref(ty);
                tfc_graph_free(g);
            }
    /* Relu lets NaN through, like Eigen's max. */
    tfc_graph *g = tfc_graph_new();
    tfc_out y = tr_unary(g, "Relu", "y", tr_ph(g, "x", TFC_DT_FLOAT, 0, NULL));
    tfc_tensor *nan = tfc_tensor_scalar_float(NAN);
    tfc_tensor *r = run1(y.node, (const tfc_tensor *[]){nan}, 1, NULL);
    assert_true(isnan(*(float *)tfc_tensor_data(r)));
    tfc_tensor_unref(r), tfc_tensor_unref(nan);
    tfc_graph_free(g);
    tfc_threadpool_free(pool);
}

static void test_add_n(void **state) {
    (void)state;
    uint64_t seed = 3;
    static const tfc_dtype dts[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    for (int d = 0; d < 4; d++) {
        tfc_graph *g = tfc_graph_new();
        int64_t dims[2] = {4, 5};
        tfc_out xs[3];
        for (int k = 0; k < 3; k++) xs[k] = tr_ph(g, k ? "x" : "x0", dts[d], 2, dims);
        tfc_node_builder *b = tfc_node_begin(g, "AddN", NULL);
        tfc_node_add_input_list(b, xs, 3);
        tfc_node *n = tfc_node_finish(b);
        TU_OK(tfc_graph_status(g, NULL));
        tfc_tensor *t[3];
        for (int k = 0; k < 3; k++) t[k] = tr_tensor(dts[d], 2, dims), tr_fill(t[k], &seed);
        tfc_tensor *sum = run1(n, (const tfc_tensor *const *)t, 3, NULL);
        for (int64_t i = 0; i < 20; i++)
            check_close(tu_at(sum, i), tu_at(t[0], i) + tu_at(t[1], i) + tu_at(t[2], i), dts[d],
                        "AddN", i);
        tfc_tensor_unref(sum);
        for (int k = 0; k < 3; k++) tfc_tensor_unref(t[k]);
        tfc_graph_free(g);
    }
    tfc_graph *g = tfc_graph_new();
    tfc_out xs[2] = {tr_ph(g, "a", TFC_DT_FLOAT, -1, NULL), tr_ph(g, "b", TFC_DT_FLOAT, -1, NULL)};
    tfc_node_builder *b = tfc_node_begin(g, "AddN", "sum");
    tfc_node_add_input_list(b, xs, 2);
    tfc_node *n = tfc_node_finish(b);
    tfc_tensor *a = tr_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_tensor *c = tr_tensor(TFC_DT_FLOAT, 1, (int64_t[]){3}), *out;
    tfc_status st;
    assert_int_equal(tfc__kernel_run(n, (const tfc_tensor *[]){a, c}, 2, &out, 1, NULL, NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Input 0: [2,3] != input 1: [3]");
    tfc_tensor_unref(a), tfc_tensor_unref(c);
    tfc_graph_free(g);
}

static void check_matmul_on(tfc_dtype dt, int64_t m, int64_t k, int64_t n, bool ta, bool tb,
                            uint64_t *seed, tfc_threadpool *pool) {
    tfc_graph *g = tfc_graph_new();
    int64_t da[2] = {ta ? k : m, ta ? m : k}, db[2] = {tb ? n : k, tb ? k : n};
    tfc_out a = tr_ph(g, "a", dt, 2, da), b = tr_ph(g, "b", dt, 2, db);
    tfc_node_builder *nb = tfc_node_begin(g, "MatMul", "mm");
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    tfc_node_set_attr_bool(nb, "transpose_a", ta);
    tfc_node_set_attr_bool(nb, "transpose_b", tb);
    tfc_node *mm = tfc_node_finish(nb);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_tensor *A = tr_tensor(dt, 2, da), *B = tr_tensor(dt, 2, db);
    tr_fill(A, seed), tr_fill(B, seed);
    tfc_tensor *C = run1(mm, (const tfc_tensor *[]){A, B}, 2, pool);
    assert_int_equal(tfc_tensor_dim(C, 0), m);
    assert_int_equal(tfc_tensor_dim(C, 1), n);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double want = 0;
            for (int64_t p = 0; p < k; p++)
                want += tu_at(A, ta ? p * m + i : i * k + p) * tu_at(B, tb ? j * k + p : p * n + j);
            double got = tu_at(C, i * n + j);
            double tol = dt == TFC_DT_FLOAT    ? 1e-4 * (1 + fabs(want))
                         : dt == TFC_DT_DOUBLE ? 1e-9
                                               : 0;
            if (fabs(got - want) > tol)
                fail_msg("MatMul %s %lldx%lldx%lld ta=%d tb=%d [%lld,%lld]: %g, want %g",
                         tfc_dtype_name(dt), (long long)m, (long long)k, (long long)n, ta, tb,
                         (long long)i, (long long)j, got, want);
        }
    tfc_tensor_unref(A), tfc_tensor_unref(B), tfc_tensor_unref(C);
    tfc_graph_free(g);
}

static void check_matmul(tfc_dtype dt, int64_t m, int64_t k, int64_t n, bool ta, bool tb,
                         uint64_t *seed) {
    check_matmul_on(dt, m, k, n, ta, tb, seed, NULL);
}

static void keep_dims_attr(tfc_node_builder *b, const void *ctx) {
    tfc_node_set_attr_bool(b, "keep_dims", *(const bool *)ctx);
}

/* Sum over every set of axes of a [3,4,5] and a [3,1,5] tensor (the size-1 dim reduced is a
 * reshape), with and without keep_dims, against a reference. */
static void test_sum_axes(void **state) {
    (void)state;
    uint64_t seed = 5;
    static const tfc_dtype dts[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32};
    static const int64_t shapes[2][3] = {{3, 4, 5}, {3, 1, 5}};
    for (int d = 0; d < 3; d++)
        for (int sh = 0; sh < 2; sh++)
            for (int set = 0; set < 8; set++)
                for (int keep = 0; keep < 2; keep++) {
                    const int64_t *dims = shapes[sh];
                    tfc_tensor *x = tr_tensor(dts[d], 3, dims);
                    tr_fill(x, &seed);
                    int32_t ax[3];
                    int na = 0;
                    for (int k = 0; k < 3; k++)
                        if (set >> k & 1) ax[na++] = k;
                    tfc_tensor *axes;
                    TU_OK(tfc_tensor_new(TFC_DT_INT32, &(tfc_shape){1, {na}}, &axes, NULL));
                    if (na) memcpy(tfc_tensor_data(axes), ax, (size_t)na * sizeof *ax);
                    bool kd = keep;
                    tfc_tensor *y;
                    tfc_status st;
                    TU_OK(tu_run_op(NULL, "Sum", (const tfc_tensor *[]){x, axes}, 2, keep_dims_attr,
                                    &kd, &y, 1, false, &st));
                    int64_t od[3];
                    int orank = 0;
                    for (int k = 0; k < 3; k++)
                        if (!(set >> k & 1) || keep) od[orank++] = set >> k & 1 ? 1 : dims[k];
                    assert_int_equal(tfc_tensor_rank(y), orank);
                    for (int k = 0; k < orank; k++) assert_int_equal(tfc_tensor_dim(y, k), od[k]);
                    int64_t ny = tfc_tensor_num_elements(y);
                    double want[60] = {0};
                    for (int64_t i = 0; i < dims[0]; i++)
                        for (int64_t j = 0; j < dims[1]; j++)
                            for (int64_t k = 0; k < dims[2]; k++) {
                                int64_t o = 0, idx[3] = {i, j, k};
                                for (int q = 0; q < 3; q++)
                                    if (!(set >> q & 1)) o = o * dims[q] + idx[q];
                                want[o] += tu_at(x, (i * dims[1] + j) * dims[2] + k);
                            }
                    for (int64_t o = 0; o < ny; o++)
                        if (fabs(tu_at(y, o) - want[o]) > 1e-4 * (1 + fabs(want[o])))
                            fail_msg("Sum %s shape %d axes set %d keep %d [%lld]: %g, want %g",
                                     tfc_dtype_name(dts[d]), sh, set, keep, (long long)o,
                                     tu_at(y, o), want[o]);
                    tfc_tensor_unref(x), tfc_tensor_unref(axes), tfc_tensor_unref(y);
                }
}

static void test_matmul(void **state) {
    (void)state;
    uint64_t seed = 11;
    static const tfc_dtype dts[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    for (int d = 0; d < 4; d++)
        for (int t = 0; t < 4; t++) {
            check_matmul(dts[d], 3, 4, 5, t & 1, t & 2, &seed);
            check_matmul(dts[d], 17, 33, 9, t & 1, t & 2, &seed);
            check_matmul(dts[d], 1, 1, 1, t & 1, t & 2, &seed);
            check_matmul(dts[d], 2, 0, 3, t & 1, t & 2, &seed); /* k = 0: zeros */
            check_matmul(dts[d], 0, 3, 2, t & 1, t & 2, &seed);
        }
    /* Big enough that a pool of 3 splits C's columns (more columns than rows) or rows (BLAS held
     * to one thread, as sessions do). */
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    openblas_set_num_threads(1);
    for (int d = 0; d < 2; d++)
        for (int t = 0; t < 4; t++) {
            check_matmul_on(dts[d], 67, 150, 410, t & 1, t & 2, &seed, pool); /* C's columns */
            check_matmul_on(dts[d], 410, 150, 67, t & 1, t & 2, &seed, pool); /* C's rows */
        }
    /* A few rows (batch-1 inference): one GEMV per row over column blocks, inline and on the
     * pool (410 columns: blocks of 16 split 3 ways unevenly, the last one short). */
    for (int d = 0; d < 2; d++)
        for (int t = 0; t < 4; t++)
            for (int64_t m = 1; m <= 4; m += 3) {
                check_matmul_on(dts[d], m, 170, 410, t & 1, t & 2, &seed, pool);
                check_matmul_on(dts[d], m, 170, 410, t & 1, t & 2, &seed, NULL);
            }
    tfc_threadpool_free(pool);
    /* Inner dims that only meet at run time. */
    tfc_graph *g = tfc_graph_new();
    tfc_out a = tr_ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){-1, -1});
    tfc_out mm = tr_binary(g, "MatMul", "mm", a, a);
    tfc_tensor *A = tr_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 3}), *out;
    tfc_status st;
    assert_int_equal(
        tfc__kernel_run(mm.node, (const tfc_tensor *[]){A, A}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]");
    tfc_tensor_unref(A);
    tfc_graph_free(g);
}

static void test_shape_reshape(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, -1, NULL),
            sh = tr_ph(g, "s", TFC_DT_INT32, 1, (int64_t[]){-1});
    tfc_out r = tr_binary(g, "Reshape", "r", x, sh);
    tfc_out s32 = tr_unary(g, "Shape", "s32", x);
    tfc_node_builder *b = tfc_node_begin(g, "Shape", "s64");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "out_type", TFC_DT_INT64);
    tfc_out s64 = tfc_node_output(tfc_node_finish(b), 0);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_tensor *t = tr_tensor(TFC_DT_FLOAT, 3, (int64_t[]){2, 3, 4});
    uint64_t seed = 5;
    tr_fill(t, &seed);
    tfc_tensor *shape = tr_tensor(TFC_DT_INT32, 1, (int64_t[]){2});
    int32_t *sv = tfc_tensor_data(shape);
    sv[0] = -1, sv[1] = 6;
    tfc_tensor *out = run1(r.node, (const tfc_tensor *[]){t, shape}, 2, NULL);
    assert_int_equal(tfc_tensor_rank(out), 2);
    assert_int_equal(tfc_tensor_dim(out, 0), 4);
    assert_int_equal(tfc_tensor_dim(out, 1), 6);
    assert_ptr_equal(tfc_tensor_data(out), tfc_tensor_data(t)); /* a view: no copy */
    tfc_tensor_unref(out);
    tfc_status st;
    sv[0] = 5, sv[1] = 5;
    assert_int_equal(
        tfc__kernel_run(r.node, (const tfc_tensor *[]){t, shape}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Input to reshape is a tensor with 24 values, but the requested shape has 25");
    sv[0] = -1, sv[1] = 5;
    assert_int_equal(
        tfc__kernel_run(r.node, (const tfc_tensor *[]){t, shape}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "requires a multiple of 5");
    sv[0] = -1, sv[1] = -1;
    assert_int_equal(
        tfc__kernel_run(r.node, (const tfc_tensor *[]){t, shape}, 2, &out, 1, NULL, NULL, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Only one input size may be -1, not both 0 and 1");
    out = run1(s32.node, (const tfc_tensor *[]){t}, 1, NULL);
    assert_int_equal(tfc_tensor_dtype(out), TFC_DT_INT32);
    assert_int_equal(((int32_t *)tfc_tensor_data(out))[2], 4);
    tfc_tensor_unref(out);
    out = run1(s64.node, (const tfc_tensor *[]){t}, 1, NULL);
    assert_int_equal(tfc_tensor_dtype(out), TFC_DT_INT64);
    assert_int_equal(((int64_t *)tfc_tensor_data(out))[1], 3);
    tfc_tensor_unref(out);
    tfc_tensor_unref(t), tfc_tensor_unref(shape);
    tfc_graph_free(g);
}

static void test_inputs_and_identity(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){-1, 3});
    tfc_out s = tr_ph(g, "s", TFC_DT_INT32, 0, NULL);
    tfc_out u = tr_ph(g, "u", TFC_DT_DOUBLE, -1, NULL);
    tfc_out c = tr_const_floats(g, "c", 1, (int64_t[]){2}, (float[]){1.5f, -2});
    tfc_out id = tr_unary(g, "Identity", "id", c);
    tfc_node_builder *b = tfc_node_begin(g, "PlaceholderWithDefault", "pwd");
    tfc_node_add_input(b, c);
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){1, {-1}});
    tfc_out pwd = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out pair[2] = {c, s};
    b = tfc_node_begin(g, "IdentityN", "idn");
    tfc_node_add_input_list(b, pair, 2);
    tfc_node *idn = tfc_node_finish(b);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_status st;
    tfc_tensor *out[2] = {0};
    assert_int_equal(tfc__kernel_run(x.node, NULL, 0, out, 1, NULL, NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]");
    assert_int_equal(tfc__kernel_run(s.node, NULL, 0, out, 1, NULL, NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "You must feed a value for placeholder tensor 's' with dtype int32");
    assert_null(strstr(st.msg, "shape"));
    assert_int_equal(tfc__kernel_run(u.node, NULL, 0, out, 1, NULL, NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "placeholder tensor 'u' with dtype double");
    tfc_tensor *cv = run1(c.node, NULL, 0, NULL);
    assert_float_equal(((float *)tfc_tensor_data(cv))[0], 1.5f, 0);
    tfc_tensor *iv = run1(id.node, (const tfc_tensor *[]){cv}, 1, NULL);
    assert_ptr_equal(iv, cv); /* Identity forwards the tensor itself */
    tfc_tensor_unref(iv);
    iv = run1(pwd.node, (const tfc_tensor *[]){cv}, 1, NULL);
    assert_ptr_equal(iv, cv);
    tfc_tensor_unref(iv);
    tfc_tensor *sv = tfc_tensor_scalar_int32(9);
    TU_OK(tfc__kernel_run(idn, (const tfc_tensor *[]){cv, sv}, 2, out, 2, NULL, NULL, &st));
    assert_ptr_equal(out[0], cv);
    assert_ptr_equal(out[1], sv);
    tfc_tensor_unref(out[0]), tfc_tensor_unref(out[1]), tfc_tensor_unref(sv);
    tfc_tensor_unref(cv);
    tfc_graph_free(g);
}

int tr_run_kernels(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_binary_broadcast),
        TU_TEST(test_binary_errors),
        TU_TEST(test_integer_wrap),
        TU_TEST(test_unary),
        TU_TEST(test_add_n),
        TU_TEST(test_matmul),
        TU_TEST(test_sum_axes),
        TU_TEST(test_shape_reshape),
        TU_TEST(test_inputs_and_identity),
    };
    return cmocka_run_group_tests_name("kernels", tests, NULL, NULL);
}
