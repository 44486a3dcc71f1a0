/* Activations against libm references in double, their gradient ops against central differences
 * of those references (ReluGrad(g, x) = g * relu'(x) numerically, SigmoidGrad(sigmoid(x), dy) =
 * dy * sigmoid'(x) numerically, ...), BiasAdd against a loop and BiasAddGrad against differences
 * of sum(BiasAdd(x, b) * dy) in b. Inputs stay 1e-2 away from kinks (0 and 6) so a difference
 * step of 1e-4 never straddles one. */
#include <stdlib.h>

#include "nn_tests.h"

static double relu(double x) {
    return x > 0 ? x : 0;
}
static double relu6(double x) {
    return x < 0 ? 0 : x > 6 ? 6 : x;
}
static double elu(double x) {
    return x < 0 ? exp(x) - 1 : x;
}
static double softplus(double x) {
    return log(1 + exp(x));
}
static double sigmoid(double x) {
    return 1 / (1 + exp(-x));
}

typedef struct act_case {
    const char *fwd,
        *grad; /* op names (fwd NULL: Relu, whose forward kernel is not this family's) */
    double (*f)(double);
    bool grad_takes_output; /* the gradient op's activation input is f(x), not x */
    bool output_first;      /* (y, dy) order, as SigmoidGrad and TanhGrad take them */
} act_case;

static const act_case cases[] = {
    {NULL, "ReluGrad", relu, false, false},
    {"Relu6", "Relu6Grad", relu6, false, false},
    {"Elu", "EluGrad", elu, true, false},
    {"Softplus", "SoftplusGrad", softplus, false, false},
    {"Sigmoid", "SigmoidGrad", sigmoid, true, true},
    {"Tanh", "TanhGrad", tanh, true, true},
};

static void fill_away_from_kinks(tn_rng *r, double *v, int64_t n, bool f32) {
    for (int64_t i = 0; i < n; i++) {
        double x;
        do x = tn_uniform(r, -8, 8);
        while (fabs(x) < 1e-2 || fabs(x - 6) < 1e-2);
        v[i] = f32 ? (float)x : x;
    }
}

static void run_act(const act_case *k, tfc_dtype dt, int rank, const int64_t *dims,
                    tfc_threadpool *pool, tn_rng *r) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    bool f32 = dt == TFC_DT_FLOAT;
    double *xv = malloc((size_t)n * sizeof *xv), *yv = malloc((size_t)n * sizeof *yv),
           *want = malloc((size_t)n * sizeof *want), *gv;
    fill_away_from_kinks(r, xv, n, f32);
    for (int64_t i = 0; i < n; i++) yv[i] = f32 ? (float)k->f(xv[i]) : k->f(xv[i]);
    tfc_tensor *x = tn_tensor(dt, rank, dims, xv), *y = tn_tensor(dt, rank, dims, yv);
    tfc_tensor *g = tn_random(r, dt, rank, dims, -2, 2, &gv);
    double tol = f32 ? 2e-6 : 1e-12;
    char what[96];

    if (k->fwd) {
        const tfc_tensor *in[] = {x};
        tfc_tensor *out;
        TN_RUN(k->fwd, in, 1, NULL, NULL, &out, 1, pool);
        for (int64_t i = 0; i < n; i++) want[i] = k->f(xv[i]);
        snprintf(what, sizeof what, "%s %s", k->fwd, tfc_dtype_name(dt));
        tn_assert_close(what, out, want, n, tol, tol);
        tfc_tensor_unref(out);
    }

    const double h = 1e-4;
    for (int64_t i = 0; i < n; i++) want[i] = gv[i] * (k->f(xv[i] + h) - k->f(xv[i] - h)) / (2 * h);
    const tfc_tensor *act = k->grad_takes_output ? y : x;
    const tfc_tensor *in2[] = {k->output_first ? act : g, k->output_first ? g : act};
    tfc_tensor *dx;
    TN_RUN(k->grad, in2, 2, NULL, NULL, &dx, 1, pool);
    snprintf(what, sizeof what, "%s %s vs finite differences", k->grad, tfc_dtype_name(dt));
    tn_assert_close(what, dx, want, n, f32 ? 1e-4 : 1e-7, f32 ? 1e-4 : 1e-7);
    tfc_tensor_unref(dx);

    tfc_tensor_unref(x), tfc_tensor_unref(y), tfc_tensor_unref(g);
    free(xv), free(yv), free(want), free(gv);
}

static void test_activations(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {2024};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int d = 0; d < 2; d++) {
            tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            run_act(&cases[k], dt, 2, (int64_t[]){3, 7}, NULL, &r);
            run_act(&cases[k], dt, 0, NULL, NULL, &r);                    /* a scalar */
            run_act(&cases[k], dt, 3, (int64_t[]){3, 50, 201}, pool, &r); /* split in parts */
        }
    tfc_threadpool_free(pool);
}

static void test_activation_errors(void **state) {
    (void)state;
    tfc_tensor *a = tn_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 3}, NULL);
    tfc_tensor *b = tn_tensor(TFC_DT_FLOAT, 2, (int64_t[]){3, 2}, NULL);
    tfc_tensor *out[1];
    tfc_status st;
    const tfc_tensor *in[] = {a, b};
    tn_run("ReluGrad", in, 2, NULL, NULL, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'ReluGrad'",
                     "Incompatible shapes: [2,3] vs. [3,2]");
    assert_null(out[0]);
    tfc_tensor *i32 = NULL;
    tfc_shape s = tfc_shape_make(1, (int64_t[]){4});
    TU_OK(tfc_tensor_new(TFC_DT_INT32, &s, &i32, NULL));
    const tfc_tensor *in2[] = {i32};
    tn_run("Relu6", in2, 1, NULL, NULL, out, 1, NULL, false, &st);
    TN_EXPECT_STATUS(st, TFC_UNIMPLEMENTED, "Relu6", "float32 and float64, not int32");
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(i32);
}

static void set_format(tfc_node_builder *b, const void *ctx) {
    tfc_node_set_attr_string(b, "data_format", ctx, strlen(ctx));
}

/* BiasAdd and BiasAddGrad: NHWC at ranks 2 and 4, NCHW at rank 4. */
static void test_bias(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {31337};
    static const struct {
        const char *fmt;
        int rank;
        int64_t dims[4];
    } cases[] = {{"NHWC", 2, {5, 3}},
                 {"NHWC", 4, {2, 3, 5, 4}},
                 {"NCHW", 4, {2, 4, 3, 5}},
                 {"NHWC", 4, {40, 20, 20, 7}},
                 {"NCHW", 3, {3, 2, 4}}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int d = 0; d < 2; d++) {
            tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            bool nchw = !strcmp(cases[k].fmt, "NCHW");
            int rank = cases[k].rank;
            const int64_t *dims = cases[k].dims;
            int64_t C = nchw ? dims[1] : dims[rank - 1], inner = 1, n = 1;
            for (int q = 0; q < rank; q++) n *= dims[q];
            for (int q = nchw ? 2 : rank; q < rank; q++) inner *= dims[q];
            double *xv, *bv, *dyv, *want = malloc((size_t)n * sizeof *want);
            tfc_tensor *x = tn_random(&r, dt, rank, dims, -1, 1, &xv);
            tfc_tensor *b = tn_random(&r, dt, 1, &C, -1, 1, &bv);
            tfc_tensor *dy = tn_random(&r, dt, rank, dims, -1, 1, &dyv);
            for (int64_t i = 0; i < n; i++) want[i] = xv[i] + bv[(i / inner) % C];
            const tfc_tensor *in[] = {x, b};
            tfc_tensor *y;
            TN_RUN("BiasAdd", in, 2, set_format, cases[k].fmt, &y, 1, pool);
            tn_assert_close("BiasAdd", y, want, n, 1e-6, 1e-6);
            tfc_tensor_unref(y);
            /* d(sum(BiasAdd(x, b) * dy))/db by central differences. */
            double db[8], h = 1e-3;
            for (int64_t c = 0; c < C; c++) {
                double lsum[2] = {0, 0};
                for (int sgn = 0; sgn < 2; sgn++)
                    for (int64_t i = 0; i < n; i++) {
                        double bb =
                            bv[(i / inner) % C] + ((i / inner) % C == c ? (sgn ? -h : h) : 0);
                        lsum[sgn] += (xv[i] + bb) * dyv[i];
                    }
                db[c] = (lsum[0] - lsum[1]) / (2 * h);
            }
            const tfc_tensor *gin[] = {dy};
            tfc_tensor *g;
            TN_RUN("BiasAddGrad", gin, 1, set_format, cases[k].fmt, &g, 1, pool);
            tn_assert_close("BiasAddGrad vs finite differences", g, db, C, 1e-6 * (double)n, 1e-6);
            tfc_tensor_unref(g);
            tfc_tensor_unref(x), tfc_tensor_unref(b), tfc_tensor_unref(dy);
            free(xv), free(bv), free(dyv), free(want);
        }
    tfc_threadpool_free(pool);
}

int tn_run_act(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_activations),
        TU_TEST(test_activation_errors),
        TU_TEST(test_bias),
    };
    return cmocka_run_group_tests_name("nn_act", tests, NULL, NULL);
}
