/* The bn family: FusedBatchNormV3 (training and inference) and FusedBatchNormGradV3 against plain
 * double reference loops written here, the op definitions against TF's, and the gradient of
 * sum(y * w) with respect to x, scale and offset against finite differences (float32, as the
 * kernels are). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/op_def.h"
#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"
#include "tfc/testing.h"

static const int64_t xdims[4] = {2, 3, 2, 3}; /* N, H, W, C */
#define C 3
#define NX (2 * 3 * 2 * 3)
#define ROWS (NX / C)

static double urand(uint64_t *s, double lo, double hi) {
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    uint64_t v = *s * 0x2545F4914F6CDD1Dull;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

/* A float tensor of dims with values v (rounded to float in v too, so references see them). */
static tfc_tensor *ftensor(int rank, const int64_t *dims, double *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    tfc_status st;
    if (tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st)) fail_msg("%s", st.msg);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
        ((float *)tfc_tensor_data(t))[i] = (float)v[i], v[i] = (float)v[i];
    return t;
}

static tfc_tensor *frand(uint64_t *rng, int rank, const int64_t *dims, double lo, double hi,
                         double *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    for (int64_t i = 0; i < tfc_shape_num_elements(&s); i++) v[i] = urand(rng, lo, hi);
    return ftensor(rank, dims, v);
}

static void check(const char *what, const tfc_tensor *t, const double *want, int64_t n,
                  double tol) {
    if (tfc_tensor_num_elements(t) != n)
        fail_msg("%s: %lld elements, want %lld", what, (long long)tfc_tensor_num_elements(t),
                 (long long)n);
    const float *g = tfc_tensor_data_const(t);
    for (int64_t i = 0; i < n; i++)
        if (!(fabs(g[i] - want[i]) <= tol * (1 + fabs(want[i]))))
            fail_msg("%s[%lld]: %.9g, want %.9g", what, (long long)i, g[i], want[i]);
}

typedef struct bn_attrs {
    bool training;
    float eps, factor;
    const char *df; /* NULL: default */
} bn_attrs;

static void set_attrs(tfc_node_builder *b, const bn_attrs *a) {
    tfc_node_set_attr_bool(b, "is_training", a->training);
    tfc_node_set_attr_float(b, "epsilon", a->eps);
    if (a->factor != 0) tfc_node_set_attr_float(b, "exponential_avg_factor", a->factor);
    if (a->df) tfc_node_set_attr_string(b, "data_format", a->df, strlen(a->df));
}

/* Runs op on inputs (Placeholders of their shapes) through tfc__kernel_run. */
static tfc_code run(const char *op, tfc_tensor *const *in, int nin, const bn_attrs *a,
                    tfc_tensor **out, int nout, tfc_status *st) {
    tfc_graph *g = tfc_graph_new();
    tfc_out ph[8];
    for (int k = 0; k < nin; k++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", k);
        ph[k] = tfc_placeholder(g, name, tfc_tensor_dtype(in[k]), tfc_tensor_shape(in[k]));
    }
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int k = 0; k < nin; k++) tfc_node_add_input(b, ph[k]);
    set_attrs(b, a);
    tfc_node *n = tfc_node_finish(b);
    tfc_code rc = tfc_graph_status(g, st);
    if (rc == TFC_OK)
        rc = tfc__kernel_run(n, (const tfc_tensor *const *)in, nin, out, nout, NULL, NULL, st);
    tfc_graph_free(g);
    return rc;
}

static void unref_all(tfc_tensor **t, int n) {
    for (int i = 0; i < n; i++) tfc_tensor_unref(t[i]);
}

/* The reference forward: per-channel statistics in double. */
static void ref_forward(const double *x, const double *scale, const double *offset,
                        const double *mean_in, const double *var_in, const bn_attrs *a, double *y,
                        double *bm, double *bv, double *r1, double *r2) {
    for (int c = 0; c < C; c++) {
        double m = 0, v = 0;
        if (a->training) {
            for (int r = 0; r < ROWS; r++) m += x[r * C + c];
            m /= ROWS;
            for (int r = 0; r < ROWS; r++) v += (x[r * C + c] - m) * (x[r * C + c] - m);
            v /= ROWS;
            double f = a->factor == 0 ? 1 : a->factor, unbiased = v * ROWS / (ROWS - 1);
            bm[c] = (1 - f) * mean_in[c] + f * m;
            bv[c] = (1 - f) * var_in[c] + f * unbiased;
        } else {
            m = mean_in[c], v = var_in[c];
            bm[c] = m, bv[c] = v;
        }
        r1[c] = m, r2[c] = v;
        for (int r = 0; r < ROWS; r++)
            y[r * C + c] = (x[r * C + c] - m) / sqrt(v + a->eps) * scale[c] + offset[c];
    }
}

static void test_forward(void **state) {
    (void)state;
    static const bn_attrs cases[] = {
        {true, 0.001f, 0, NULL}, {true, 0.0001f, 0.25f, NULL}, {false, 0.001f, 0, NULL}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint64_t rng = 0x9E3779B97F4A7C15ull + k;
        double x[NX], sc[C], of[C], mi[C], vi[C];
        int64_t cd[1] = {C};
        tfc_tensor *in[5] = {frand(&rng, 4, xdims, -2, 3, x), frand(&rng, 1, cd, 0.5, 1.5, sc),
                             frand(&rng, 1, cd, -1, 1, of), frand(&rng, 1, cd, -0.5, 0.5, mi),
                             frand(&rng, 1, cd, 0.5, 2, vi)};
        tfc_tensor *out[6];
        tfc_status st = {0};
        if (run("FusedBatchNormV3", in, 5, &cases[k], out, 6, &st))
            fail_msg("case %zu: %s", k, st.msg);
        double y[NX], bm[C], bv[C], r1[C], r2[C];
        ref_forward(x, sc, of, mi, vi, &cases[k], y, bm, bv, r1, r2);
        check("y", out[0], y, NX, 1e-5);
        check("batch_mean", out[1], bm, C, 1e-6);
        check("batch_variance", out[2], bv, C, 1e-6);
        check("reserve_space_1", out[3], r1, C, 1e-6);
        check("reserve_space_2", out[4], r2, C, 1e-6);
        assert_int_equal(tfc_tensor_rank(out[5]), 0);
        unref_all(out, 6);
        unref_all(in, 5);
    }
    /* training with exponential_avg_factor 1 takes empty mean and variance */
    uint64_t rng = 7;
    double x[NX], sc[C], of[C], y[NX], bm[C], bv[C], r1[C], r2[C], none[C] = {0};
    int64_t cd[1] = {C}, zero[1] = {0};
    tfc_tensor *in[5] = {frand(&rng, 4, xdims, -2, 3, x), frand(&rng, 1, cd, 0.5, 1.5, sc),
                         frand(&rng, 1, cd, -1, 1, of), ftensor(1, zero, none),
                         ftensor(1, zero, none)};
    tfc_tensor *out[6];
    bn_attrs a = {true, 0.0001f, 0, NULL};
    tfc_status st = {0};
    if (run("FusedBatchNormV3", in, 5, &a, out, 6, &st)) fail_msg("%s", st.msg);
    ref_forward(x, sc, of, none, none, &a, y, bm, bv, r1, r2);
    check("y (empty mean)", out[0], y, NX, 1e-5);
    check("batch_variance (empty mean)", out[2], bv, C, 1e-6);
    unref_all(out, 6);
    tfc_tensor_unref(in[0]);
    /* an empty batch: TF's NaN batch statistics and zero reserve spaces */
    in[0] = ftensor(4, (int64_t[]){0, 2, 2, C}, x);
    if (run("FusedBatchNormV3", in, 5, &a, out, 6, &st)) fail_msg("%s", st.msg);
    assert_int_equal(tfc_tensor_num_elements(out[0]), 0);
    for (int i = 1; i < 5; i++)
        for (int c = 0; c < C; c++) {
            float f = ((const float *)tfc_tensor_data_const(out[i]))[c];
            if (i < 3 ? !isnan(f) : f != 0) fail_msg("output %d [%d]: %g", i, c, f);
        }
    unref_all(out, 6);
    unref_all(in, 5);
}

static void ref_grad(const double *dy, const double *x, const double *scale, const double *mu,
                     const double *var, float eps, bool training, double *dx, double *ds,
                     double *dof) {
    for (int c = 0; c < C; c++) {
        double inv = 1 / sqrt(var[c] + eps), sdy = 0, sdyx = 0;
        for (int r = 0; r < ROWS; r++) {
            sdy += dy[r * C + c];
            sdyx += dy[r * C + c] * (x[r * C + c] - mu[c]);
        }
        dof[c] = sdy;
        ds[c] = sdyx * inv;
        for (int r = 0; r < ROWS; r++) {
            double g = dy[r * C + c];
            if (training) g -= sdy / ROWS + (x[r * C + c] - mu[c]) * sdyx / ROWS * inv * inv;
            dx[r * C + c] = scale[c] * inv * g;
        }
    }
}

static void test_grad_op(void **state) {
    (void)state;
    for (int training = 0; training < 2; training++) {
        uint64_t rng = 99 + (uint64_t)training;
        double dy[NX], x[NX], sc[C], mu[C], var[C], zero1 = 0;
        int64_t cd[1] = {C};
        tfc_tensor *in[6] = {frand(&rng, 4, xdims, -1, 1, dy), frand(&rng, 4, xdims, -2, 3, x),
                             frand(&rng, 1, cd, 0.5, 1.5, sc), frand(&rng, 1, cd, -0.5, 0.5, mu),
                             frand(&rng, 1, cd, 0.5, 2, var),  ftensor(0, NULL, &zero1)};
        bn_attrs a = {training, 0.001f, 0, NULL};
        tfc_tensor *out[5];
        tfc_status st = {0};
        if (run("FusedBatchNormGradV3", in, 6, &a, out, 5, &st)) fail_msg("%s", st.msg);
        double dx[NX], ds[C], dof[C];
        ref_grad(dy, x, sc, mu, var, a.eps, training, dx, ds, dof);
        check("x_backprop", out[0], dx, NX, 1e-5);
        check("scale_backprop", out[1], ds, C, 1e-5);
        check("offset_backprop", out[2], dof, C, 1e-5);
        assert_int_equal(tfc_tensor_num_elements(out[3]), 0);
        assert_int_equal(tfc_tensor_num_elements(out[4]), 0);
        unref_all(out, 5);
        unref_all(in, 6);
    }
}

static tfc_out cst(tfc_graph *g, tfc_tensor *t) {
    tfc_out c = tfc_const(g, "c", t);
    tfc_tensor_unref(t);
    return c;
}

/* d sum(y * w) / d (x, scale or offset) against central differences, float32. */
static void test_gradient(void **state) {
    (void)state;
    for (int training = 0; training < 2; training++)
        for (int wrt = 0; wrt < 3; wrt++) {
            uint64_t rng = 1234 + (uint64_t)(training * 3 + wrt);
            double v[5][NX], w[NX];
            int64_t cd[1] = {C};
            tfc_tensor *vals[5] = {
                frand(&rng, 4, xdims, -2, 2, v[0]), frand(&rng, 1, cd, 0.5, 1.5, v[1]),
                frand(&rng, 1, cd, -1, 1, v[2]), frand(&rng, 1, cd, -0.5, 0.5, v[3]),
                frand(&rng, 1, cd, 0.5, 2, v[4])};
            tfc_graph *g = tfc_graph_new();
            tfc_out ins[5], p = {0};
            for (int i = 0; i < 5; i++) {
                if (i == wrt) {
                    p = ins[i] = tfc_placeholder(g, "p", TFC_DT_FLOAT, tfc_tensor_shape(vals[i]));
                } else {
                    tfc_tensor_ref(vals[i]);
                    ins[i] = cst(g, vals[i]);
                }
            }
            tfc_node_builder *b = tfc_node_begin(g, "FusedBatchNormV3", NULL);
            for (int i = 0; i < 5; i++) tfc_node_add_input(b, ins[i]);
            set_attrs(b, &(bn_attrs){training, 0.001f, 0, NULL});
            tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
            tfc_out wt = cst(g, frand(&rng, 4, xdims, -1, 1, w));
            b = tfc_node_begin(g, "Mul", NULL);
            tfc_node_add_input(b, y);
            tfc_node_add_input(b, wt);
            tfc_out yw = tfc_node_output(tfc_node_finish(b), 0);
            tfc_tensor *axes;
            tfc_status st = {0};
            TU_OK(tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {4}}, (int32_t[]){0, 1, 2, 3},
                                       16, &axes, &st));
            b = tfc_node_begin(g, "Sum", NULL);
            tfc_node_add_input(b, yw);
            tfc_node_add_input(b, cst(g, axes));
            tfc_out loss = tfc_node_output(tfc_node_finish(b), 0);
            if (tfc_graph_status(g, &st)) fail_msg("graph: %s", st.msg);
            double err;
            if (tfc_compute_gradient_error(g, p, vals[wrt], loss, 1e-3, &err, &st))
                fail_msg("%s", st.msg);
            if (!(err <= 5e-3))
                fail_msg("gradient error %g (training %d, input %d)", err, training, wrt);
            tfc_graph_free(g);
            unref_all(vals, 5);
        }
}

static void test_op_defs_and_refusals(void **state) {
    (void)state;
    const tfc_op_def *d = tfc__op_lookup("FusedBatchNormV3");
    assert_non_null(d);
    assert_int_equal(d->num_inputs, 5);
    assert_int_equal(d->num_outputs, 6);
    static const char *const want[][2] = {{"epsilon", "0.0001"},
                                          {"exponential_avg_factor", "1.0"},
                                          {"data_format", "'NHWC'"},
                                          {"is_training", "true"}};
    for (size_t k = 0; k < 4; k++) {
        bool found = false;
        for (int i = 0; i < d->num_attrs; i++)
            if (!strcmp(d->attrs[i].name, want[k][0])) {
                found = true;
                assert_non_null(d->attrs[i].default_text);
                assert_string_equal(d->attrs[i].default_text, want[k][1]);
            }
        if (!found) fail_msg("attr %s missing", want[k][0]);
    }
    d = tfc__op_lookup("FusedBatchNormGradV3");
    assert_non_null(d);
    assert_int_equal(d->num_inputs, 6);
    assert_int_equal(d->num_outputs, 5);
    assert_string_equal(d->outputs[4].name, "reserve_space_5");

    /* NCHW is refused when the graph is built, naming the format */
    uint64_t rng = 5;
    double x[NX], v[C];
    int64_t cd[1] = {C};
    tfc_tensor *in[5] = {frand(&rng, 4, xdims, -1, 1, x), frand(&rng, 1, cd, 1, 2, v),
                         frand(&rng, 1, cd, 1, 2, v), frand(&rng, 1, cd, 1, 2, v),
                         frand(&rng, 1, cd, 1, 2, v)};
    tfc_tensor *out[6];
    tfc_status st = {0};
    bn_attrs a = {true, 0.001f, 0, "NCHW"};
    assert_int_equal(run("FusedBatchNormV3", in, 5, &a, out, 6, &st), TFC_INVALID_ARGUMENT);
    if (!strstr(st.msg, "NHWC only") || !strstr(st.msg, "NCHW")) fail_msg("message: %s", st.msg);
    /* a scale of the wrong length is refused by shape inference */
    tfc_tensor_unref(in[1]);
    int64_t two[1] = {2};
    in[1] = frand(&rng, 1, two, 1, 2, v);
    a.df = NULL;
    assert_int_equal(run("FusedBatchNormV3", in, 5, &a, out, 6, &st), TFC_INVALID_ARGUMENT);
    if (!strstr(st.msg, "scale")) fail_msg("message: %s", st.msg);
    /* half x is a valid graph (TF's type set) but the float32 kernel refuses it clearly */
    tfc_tensor_unref(in[1]);
    in[1] = frand(&rng, 1, cd, 1, 2, v);
    tfc_tensor_unref(in[0]);
    tfc_shape xs = tfc_shape_make(4, xdims);
    TU_OK(tfc_tensor_new(TFC_DT_HALF, &xs, &in[0], &st));
    memset(tfc_tensor_data(in[0]), 0, 2 * NX);
    assert_int_equal(run("FusedBatchNormV3", in, 5, &a, out, 6, &st), TFC_UNIMPLEMENTED);
    if (!strstr(st.msg, "float32 only")) fail_msg("message: %s", st.msg);
    unref_all(in, 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_forward),
        TU_TEST(test_grad_op),
        TU_TEST(test_gradient),
        TU_TEST(test_op_defs_and_refusals),
    };
    return cmocka_run_group_tests_name("bn ops", tests, NULL, NULL);
}
