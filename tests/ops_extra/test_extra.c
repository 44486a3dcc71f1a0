/* The extra family: Size, the random ops (shapes, ranges, moments on 100k samples, determinism for
 * fixed seeds, fresh numbers each run, per-node streams without seeds), and BatchMatMulV2 against
 * a reference loop (adjoints, broadcast batch dims) and its gradient against finite differences. */
#include <math.h>
#include <string.h>

#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/session.h"
#include "tfc/testing.h"

static tfc_tensor *new_tensor(tfc_dtype dt, int rank, const int64_t *dims) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st) != TFC_OK) fail_msg("%s", st.msg);
    return t;
}


static void fill(tfc_tensor *t, double scale) {
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
        double v = scale * (0.37 + 0.61 * sin(1.7 * (double)i + 0.3));
        if (tfc_tensor_dtype(t) == TFC_DT_DOUBLE)
            ((double *)tfc_tensor_data(t))[i] = v;
        else
            ((float *)tfc_tensor_data(t))[i] = (float)v;
    }
}

static tfc_out shape_const(tfc_graph *g, int n, const int64_t *dims, tfc_dtype dt) {
    tfc_tensor *t = new_tensor(dt, 1, (int64_t[]){n});
    for (int i = 0; i < n; i++) {
        if (dt == TFC_DT_INT64)
            ((int64_t *)tfc_tensor_data(t))[i] = dims[i];
        else
            ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)dims[i];
    }
    tfc_out c = tfc_const(g, "shape", t);
    tfc_tensor_unref(t);
    return c;
}

static tfc_tensor *run_one(tfc_session *s, tfc_out y) {
    tfc_tensor *out = NULL;
    tfc_status st;
    if (tfc_session_run(s, NULL, 0, &y, 1, &out, NULL, 0, &st) != TFC_OK)
        fail_msg("run: %s", st.msg);
    return out;
}

/* ---- Size ---- */

static void test_size(void **state) {
    (void)state;
    for (int k = 0; k < 2; k++) {
        tfc_dtype ot = k ? TFC_DT_INT64 : TFC_DT_INT32;
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){3, {2, -1, 4}});
        tfc_node_builder *b = tfc_node_begin(g, "Size", "size");
        tfc_node_add_input(b, x);
        if (k) tfc_node_set_attr_type(b, "out_type", ot);
        tfc_node *n = tfc_node_finish(b);
        tfc_status st;
        if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s", st.msg);
        assert_int_equal(tfc_out_dtype(tfc_node_output(n, 0)), ot);
        assert_int_equal(tfc_out_shape(tfc_node_output(n, 0))->rank, 0);
        tfc_tensor *xv = new_tensor(TFC_DT_FLOAT, 3, (int64_t[]){2, 3, 4});
        const tfc_tensor *in[1] = {xv};
        tfc_tensor *out[1] = {NULL};
        if (tfc__kernel_run(n, in, 1, out, 1, NULL, NULL, &st) != TFC_OK) fail_msg("%s", st.msg);
        assert_int_equal(tfc_tensor_dtype(out[0]), ot);
        assert_true(tu_at(out[0], 0) == 24);
        tfc_tensor_unref(out[0]);
        tfc_tensor_unref(xv);
        tfc_graph_free(g);
    }
}

/* ---- Random ---- */

static tfc_out random_node(tfc_graph *g, const char *op, const char *name, int n,
                           const int64_t *dims, tfc_dtype dt, int64_t seed, int64_t seed2) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, shape_const(g, n, dims, TFC_DT_INT32));
    tfc_node_set_attr_type(b, "dtype", dt);
    if (seed) tfc_node_set_attr_int(b, "seed", seed);
    if (seed2) tfc_node_set_attr_int(b, "seed2", seed2);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static bool same_values(const tfc_tensor *a, const tfc_tensor *b) {
    return tfc_tensor_byte_size(a) == tfc_tensor_byte_size(b) &&
           !memcmp(tfc_tensor_data_const(a), tfc_tensor_data_const(b), tfc_tensor_byte_size(a));
}

static void check_moments(const char *op, const tfc_tensor *t) {
    int64_t n = tfc_tensor_num_elements(t);
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double v = tu_at(t, i);
        sum += v, sq += v * v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    double mean = sum / (double)n, sd = sqrt(sq / (double)n - mean * mean);
    double want_mean = 0, want_sd = 1;
    if (!strcmp(op, "RandomUniform")) {
        if (lo < 0 || hi >= 1) fail_msg("%s: range [%g, %g] outside [0, 1)", op, lo, hi);
        want_mean = 0.5, want_sd = sqrt(1.0 / 12.0);
    } else if (!strcmp(op, "TruncatedNormal")) {
        if (lo < -2 || hi > 2) fail_msg("%s: range [%g, %g] outside [-2, 2]", op, lo, hi);
        want_sd = 0.87962566103423978; /* stddev of N(0,1) truncated at +-2 */
    } else if (lo > -3.5 || hi < 3.5) {
        fail_msg("%s: range [%g, %g] too narrow for 100k normals", op, lo, hi);
    }
    if (fabs(mean - want_mean) > 0.01 || fabs(sd - want_sd) > 0.01)
        fail_msg("%s: mean %g stddev %g, want %g and %g", op, mean, sd, want_mean, want_sd);
}

static void test_random_ops(void **state) {
    (void)state;
    static const char *ops[] = {"RandomUniform", "RandomStandardNormal", "TruncatedNormal"};
    for (size_t k = 0; k < 3; k++) {
        for (int d = 0; d < 2; d++) {
            tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            tfc_graph *g = tfc_graph_new();
            static const int64_t dims[] = {100, 1000};
            tfc_out a = random_node(g, ops[k], "a", 2, dims, dt, 7, 11);
            tfc_out b = random_node(g, ops[k], "b", 2, dims, dt, 7, 11);
            tfc_out c = random_node(g, ops[k], "c", 2, dims, dt, 0, 0);
            tfc_out e = random_node(g, ops[k], "e", 2, dims, dt, 0, 0);
            tfc_status st;
            if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s", st.msg);
            assert_int_equal(tfc_out_dtype(a), dt);
            assert_true(tfc_shape_equal(tfc_out_shape(a), &(tfc_shape){2, {100, 1000}}));
            tfc_session *s;
            if (tfc_session_new(g, NULL, &s, &st) != TFC_OK) fail_msg("%s", st.msg);
            tfc_tensor *a1 = run_one(s, a), *a2 = run_one(s, a), *b1 = run_one(s, b);
            tfc_tensor *c1 = run_one(s, c), *e1 = run_one(s, e);
            assert_true(tfc_shape_equal(tfc_tensor_shape(a1), &(tfc_shape){2, {100, 1000}}));
            assert_int_equal(tfc_tensor_dtype(a1), dt);
            check_moments(ops[k], a1);
            check_moments(ops[k], c1);
            assert_true(same_values(a1, b1));  /* same seeds, same numbers */
            assert_false(same_values(a1, a2)); /* a second run draws new ones */
            assert_false(same_values(c1, e1)); /* unseeded nodes differ */
            assert_false(same_values(a1, c1));
            tfc_session_free(s);
            /* a new session over the same graph starts the streams over */
            if (tfc_session_new(g, NULL, &s, &st) != TFC_OK) fail_msg("%s", st.msg);
            tfc_tensor *a3 = run_one(s, a), *c3 = run_one(s, c);
            assert_true(same_values(a1, a3));
            assert_true(same_values(c1, c3));
            tfc_session_free(s);
            tfc_tensor_unref(a1), tfc_tensor_unref(a2), tfc_tensor_unref(b1);
            tfc_tensor_unref(c1), tfc_tensor_unref(e1), tfc_tensor_unref(a3), tfc_tensor_unref(c3);
            tfc_graph_free(g);
        }
    }
}

static void test_random_shapes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out a = random_node(g, "RandomUniform", "a", 0, NULL, TFC_DT_FLOAT, 1, 2);
    tfc_out b = random_node(g, "TruncatedNormal", "b", 3, (int64_t[]){2, 0, 5}, TFC_DT_FLOAT, 1, 2);
    tfc_out sp = tfc_placeholder(g, "sp", TFC_DT_INT64, &(tfc_shape){1, {2}});
    tfc_node_builder *nb = tfc_node_begin(g, "RandomStandardNormal", "c");
    tfc_node_add_input(nb, sp);
    tfc_node_set_attr_type(nb, "dtype", TFC_DT_DOUBLE);
    tfc_out c = tfc_node_output(tfc_node_finish(nb), 0);
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s", st.msg);
    assert_int_equal(tfc_out_shape(a)->rank, 0);
    assert_true(tfc_shape_equal(tfc_out_shape(b), &(tfc_shape){3, {2, 0, 5}}));
    assert_true(tfc_shape_equal(tfc_out_shape(c), &(tfc_shape){2, {-1, -1}}));
    tfc_tensor *spv = new_tensor(TFC_DT_INT64, 1, (int64_t[]){2});
    ((int64_t *)tfc_tensor_data(spv))[0] = 3, ((int64_t *)tfc_tensor_data(spv))[1] = 4;
    const tfc_tensor *in[1] = {spv};
    tfc_tensor *out[1] = {NULL};
    if (tfc__kernel_run(c.node, in, 1, out, 1, NULL, NULL, &st) != TFC_OK) fail_msg("%s", st.msg);
    assert_true(tfc_shape_equal(tfc_tensor_shape(out[0]), &(tfc_shape){2, {3, 4}}));
    assert_int_equal(tfc_tensor_dtype(out[0]), TFC_DT_DOUBLE);
    tfc_tensor_unref(out[0]);
    tfc_tensor_unref(spv);
    tfc_session *s;
    if (tfc_session_new(g, NULL, &s, &st) != TFC_OK) fail_msg("%s", st.msg);
    tfc_tensor *av = run_one(s, a), *bv = run_one(s, b);
    assert_int_equal(tfc_tensor_rank(av), 0);
    assert_true(tu_at(av, 0) >= 0 && tu_at(av, 0) < 1);
    assert_int_equal(tfc_tensor_num_elements(bv), 0);
    tfc_tensor_unref(av), tfc_tensor_unref(bv);
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* ---- BatchMatMulV2 ---- */

static tfc_out bmm(tfc_graph *g, tfc_out x, tfc_out y, bool ax, bool ay) {
    tfc_node_builder *b = tfc_node_begin(g, "BatchMatMulV2", NULL);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, y);
    if (ax) tfc_node_set_attr_bool(b, "adj_x", true);
    if (ay) tfc_node_set_attr_bool(b, "adj_y", true);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* Element (batch index idx over out's batch dims, i, j) of the reference product. */
static double ref_elem(const tfc_tensor *x, const tfc_tensor *y, bool ax, bool ay, int br,
                       const int64_t *bidx, int64_t i, int64_t j) {
    const tfc_shape *xs = tfc_tensor_shape(x), *ys = tfc_tensor_shape(y);
    int64_t xo = 0, yo = 0;
    for (int d = 0; d < xs->rank - 2; d++) {
        int od = d + br - (xs->rank - 2);
        xo = xo * xs->dims[d] + (xs->dims[d] == 1 ? 0 : bidx[od]);
    }
    for (int d = 0; d < ys->rank - 2; d++) {
        int od = d + br - (ys->rank - 2);
        yo = yo * ys->dims[d] + (ys->dims[d] == 1 ? 0 : bidx[od]);
    }
    int64_t xr = xs->dims[xs->rank - 2], xc = xs->dims[xs->rank - 1];
    int64_t yr = ys->dims[ys->rank - 2], yc = ys->dims[ys->rank - 1];
    int64_t k = ax ? xr : xc;
    double s = 0;
    for (int64_t p = 0; p < k; p++) {
        double a = tu_at(x, xo * xr * xc + (ax ? p * xc + i : i * xc + p));
        double b = tu_at(y, yo * yr * yc + (ay ? j * yc + p : p * yc + j));
        s += a * b;
    }
    return s;
}

static void check_bmm(tfc_dtype dt, int rx, const int64_t *dx, int ry, const int64_t *dy,
                      bool ax, bool ay, int ro, const int64_t *dout) {
    tfc_graph *g = tfc_graph_new();
    tfc_shape sx = tfc_shape_make(rx, dx), sy = tfc_shape_make(ry, dy);
    tfc_out x = tfc_placeholder(g, "x", dt, &sx), y = tfc_placeholder(g, "y", dt, &sy);
    tfc_out z = bmm(g, x, y, ax, ay);
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s", st.msg);
    tfc_shape so = tfc_shape_make(ro, dout);
    assert_true(tfc_shape_equal(tfc_out_shape(z), &so));
    tfc_tensor *tx = new_tensor(dt, rx, dx), *ty = new_tensor(dt, ry, dy);
    fill(tx, 1.0), fill(ty, -0.7);
    const tfc_tensor *in[2] = {tx, ty};
    tfc_tensor *out[1] = {NULL};
    if (tfc__kernel_run(z.node, in, 2, out, 1, NULL, NULL, &st) != TFC_OK) fail_msg("%s", st.msg);
    assert_true(tfc_shape_equal(tfc_tensor_shape(out[0]), &so));
    int br = ro - 2;
    int64_t m = dout[ro - 2], n = dout[ro - 1], nb = 1;
    for (int d = 0; d < br; d++) nb *= dout[d];
    int64_t bidx[TFC_MAX_RANK] = {0};
    for (int64_t b = 0; b < nb; b++) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double want = ref_elem(tx, ty, ax, ay, br, bidx, i, j);
                double got = tu_at(out[0], (b * m + i) * n + j);
                double tol = dt == TFC_DT_FLOAT ? 1e-5 * (1 + fabs(want)) : 1e-12;
                if (fabs(got - want) > tol)
                    fail_msg("batch %lld [%lld,%lld]: %.9g vs %.9g (adj %d %d)", (long long)b,
                             (long long)i, (long long)j, got, want, ax, ay);
            }
        for (int d = br - 1; d >= 0 && ++bidx[d] == dout[d]; d--) bidx[d] = 0;
    }
    tfc_tensor_unref(out[0]), tfc_tensor_unref(tx), tfc_tensor_unref(ty);
    tfc_graph_free(g);
}

static void test_batch_matmul_kernel(void **state) {
    (void)state;
    for (int d = 0; d < 2; d++) {
        tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
        for (int a = 0; a < 4; a++) {
            bool ax = a & 1, ay = a & 2;
            /* [2,3,4] x [2,4,5] with adjoints applied by swapping the last two dims */
            int64_t dx[3] = {2, ax ? 4 : 3, ax ? 3 : 4}, dy[3] = {2, ay ? 5 : 4, ay ? 4 : 5};
            check_bmm(dt, 3, dx, 3, dy, ax, ay, 3, (int64_t[]){2, 3, 5});
            /* broadcast: [2,1,3,4] x [5,4,2] -> [2,5,3,2] */
            int64_t bx[4] = {2, 1, ax ? 4 : 3, ax ? 3 : 4}, by[3] = {5, ay ? 2 : 4, ay ? 4 : 2};
            check_bmm(dt, 4, bx, 3, by, ax, ay, 4, (int64_t[]){2, 5, 3, 2});
            /* plain matrices, and a rank-2 x with a batched y */
            int64_t px[2] = {ax ? 4 : 3, ax ? 3 : 4}, py[4] = {3, 1, ay ? 6 : 4, ay ? 4 : 6};
            check_bmm(dt, 2, px, 4, py, ax, ay, 4, (int64_t[]){3, 1, 3, 6});
        }
    }
    /* empty inner dimension: zeros */
    check_bmm(TFC_DT_FLOAT, 3, (int64_t[]){2, 3, 0}, 3, (int64_t[]){1, 0, 2}, false, false, 3,
              (int64_t[]){2, 3, 2});
}

static void test_batch_matmul_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){3, {2, 3, 4}});
    tfc_out y = tfc_placeholder(g, "y", TFC_DT_FLOAT, &(tfc_shape){3, {3, 4, 5}});
    bmm(g, x, y, false, false);
    tfc_status st;
    assert_int_not_equal(tfc_graph_status(g, &st), TFC_OK);
    tfc_graph_free(g);
    g = tfc_graph_new();
    x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {3, 4}});
    y = tfc_placeholder(g, "y", TFC_DT_FLOAT, &(tfc_shape){2, {5, 4}});
    bmm(g, x, y, false, false);
    assert_int_not_equal(tfc_graph_status(g, &st), TFC_OK);
    tfc_graph_free(g);
}

static void check_grad(int rx, const int64_t *dx, int ry, const int64_t *dy, bool ax, bool ay,
                       int side) {
    tfc_graph *g = tfc_graph_new();
    tfc_shape sx = tfc_shape_make(rx, dx), sy = tfc_shape_make(ry, dy);
    tfc_out x, y;
    tfc_tensor *xv = new_tensor(TFC_DT_DOUBLE, rx, dx), *yv = new_tensor(TFC_DT_DOUBLE, ry, dy);
    fill(xv, 1.0), fill(yv, -0.8);
    tfc_tensor *fed;
    if (side == 0) {
        x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &sx);
        y = tfc_const(g, "y", yv);
        fed = xv;
    } else {
        x = tfc_const(g, "x", xv);
        y = tfc_placeholder(g, "y", TFC_DT_DOUBLE, &sy);
        fed = yv;
    }
    tfc_out z = bmm(g, x, y, ax, ay);
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s", st.msg);
    double err;
    if (tfc_compute_gradient_error(g, side ? y : x, fed, z, 1e-6, &err, &st) != TFC_OK)
        fail_msg("%s", st.msg);
    if (!(err <= 1e-6))
        fail_msg("BatchMatMulV2 gradient error %g (side %d, adj %d %d, ranks %d %d)", err, side,
                 ax, ay, rx, ry);
    tfc_tensor_unref(xv), tfc_tensor_unref(yv);
    tfc_graph_free(g);
}

static void test_batch_matmul_grad(void **state) {
    (void)state;
    for (int a = 0; a < 4; a++) {
        bool ax = a & 1, ay = a & 2;
        for (int side = 0; side < 2; side++) {
            int64_t dx[3] = {2, ax ? 4 : 3, ax ? 3 : 4}, dy[3] = {2, ay ? 5 : 4, ay ? 4 : 5};
            check_grad(3, dx, 3, dy, ax, ay, side);
            int64_t bx[4] = {2, 1, ax ? 4 : 3, ax ? 3 : 4}, by[3] = {5, ay ? 2 : 4, ay ? 4 : 2};
            check_grad(4, bx, 3, by, ax, ay, side);
        }
    }
    /* unknown batch dims at build time take the dynamic path too */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){4, {2, 1, 3, 4}});
    tfc_tensor *yv = new_tensor(TFC_DT_DOUBLE, 2, (int64_t[]){4, 2});
    fill(yv, 0.5);
    tfc_out y = tfc_const(g, "y", yv);
    tfc_out z = bmm(g, x, y, false, false);
    tfc_tensor *xv = new_tensor(TFC_DT_DOUBLE, 4, (int64_t[]){2, 1, 3, 4});
    fill(xv, 1.0);
    double err;
    tfc_status st;
    if (tfc_compute_gradient_error(g, x, xv, z, 1e-6, &err, &st) != TFC_OK) fail_msg("%s", st.msg);
    if (!(err <= 1e-6)) fail_msg("gradient error %g", err);
    tfc_tensor_unref(xv), tfc_tensor_unref(yv);
    tfc_graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_size),
        TU_TEST(test_random_ops),
        TU_TEST(test_random_shapes),
        TU_TEST(test_batch_matmul_kernel),
        TU_TEST(test_batch_matmul_errors),
        TU_TEST(test_batch_matmul_grad),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
