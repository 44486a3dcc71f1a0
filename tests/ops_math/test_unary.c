/* The unary kernels (Abs, Sign, Sqrt, Rsqrt, Exp, Log, Reciprocal), the gradient ops SqrtGrad,
 * RsqrtGrad, ReciprocalGrad, and Cast between every pair of float32, float64, int32, int64,
 * uint8 and bool, against libm and plain C conversions in double. */
#include <stdlib.h>

#include "math_tests.h"

static double f_abs(double x) {
    return fabs(x);
}
static double f_sign(double x) {
    return x > 0 ? 1 : x < 0 ? -1 : 0;
}
static double f_rsqrt(double x) {
    return 1 / sqrt(x);
}
static double f_recip(double x) {
    return 1 / x;
}

typedef struct un_case {
    const char *op;
    double (*f)(double);
    bool ints; /* also int32 and int64 */
    double lo, hi;
} un_case;

static const un_case cases[] = {
    {"Abs", f_abs, true, -5, 5},
    {"Sign", f_sign, true, -3, 3},
    {"Sqrt", sqrt, false, 0, 9},
    {"Rsqrt", f_rsqrt, false, 0.1, 9},
    {"Exp", exp, false, -5, 5},
    {"Log", log, false, 0.01, 9},
    {"Reciprocal", f_recip, false, 0.1, 3},
};

static void test_unary_vs_reference(void **state) {
    (void)state;
    mt_rng r = {7};
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    static const int64_t dims[] = {3, 5};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = 0; t < (cases[c].ints ? 4 : 2); t++) {
            double *xv;
            tfc_tensor *x = mt_random(&r, types[t], 2, dims, cases[c].lo, cases[c].hi, &xv);
            const tfc_tensor *in[] = {x};
            tfc_tensor *y;
            MT_RUN(cases[c].op, in, 1, NULL, NULL, &y, 1);
            double want[15];
            for (int i = 0; i < 15; i++) want[i] = cases[c].f(xv[i]);
            char what[64];
            snprintf(what, sizeof what, "%s %s", cases[c].op, tfc_dtype_name(types[t]));
            double tol = types[t] == TFC_DT_FLOAT ? 2e-6 : 1e-14;
            mt_assert_close(what, y, want, 15, tol, tol);
            assert_true(tfc_shape_equal(tfc_tensor_shape(y), tfc_tensor_shape(x)));
            free(xv);
            tfc_tensor_unref(x), tfc_tensor_unref(y);
        }
}

static void test_grad_ops(void **state) {
    (void)state;
    mt_rng r = {11};
    static const char *ops[] = {"SqrtGrad", "RsqrtGrad", "ReciprocalGrad"};
    for (int k = 0; k < 3; k++)
        for (int t = 0; t < 2; t++) {
            tfc_dtype dt = t ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            double *yv, *dv, want[6];
            tfc_tensor *y = mt_random(&r, dt, 2, (int64_t[]){2, 3}, 0.2, 3, &yv);
            tfc_tensor *d = mt_random(&r, dt, 2, (int64_t[]){2, 3}, -2, 2, &dv);
            for (int i = 0; i < 6; i++)
                want[i] = k == 0   ? dv[i] * 0.5 / yv[i]
                          : k == 1 ? -0.5 * dv[i] * yv[i] * yv[i] * yv[i]
                                   : -dv[i] * yv[i] * yv[i];
            const tfc_tensor *in[] = {y, d};
            tfc_tensor *z;
            MT_RUN(ops[k], in, 2, NULL, NULL, &z, 1);
            double tol = t ? 1e-14 : 2e-6;
            mt_assert_close(ops[k], z, want, 6, tol, tol);
            free(yv), free(dv);
            tfc_tensor_unref(y), tfc_tensor_unref(d), tfc_tensor_unref(z);
        }
}

typedef struct cast_attrs {
    tfc_dtype dst;
    bool truncate;
} cast_attrs;

static void set_cast(tfc_node_builder *b, const void *ctx) {
    const cast_attrs *a = ctx;
    tfc_node_set_attr_type(b, "DstT", a->dst);
    if (a->truncate) tfc_node_set_attr_bool(b, "Truncate", true);
}

/* What C gives for in-range values: truncation toward zero, wrap for integer narrowing. */
static double ref_cast(double v, tfc_dtype src, tfc_dtype dst) {
    bool fsrc = src == TFC_DT_FLOAT || src == TFC_DT_DOUBLE;
    switch (dst) {
    case TFC_DT_FLOAT:
        return (float)v;
    case TFC_DT_DOUBLE:
        return v;
    case TFC_DT_INT32:
        return fsrc ? trunc(v) : (double)(int32_t)(uint32_t)(int64_t)v;
    case TFC_DT_INT64:
        return trunc(v);
    case TFC_DT_UINT8:
        return fsrc ? trunc(v) : (double)(uint8_t)(int64_t)v;
    default:
        return v != 0;
    }
}

static void test_cast_all_pairs(void **state) {
    (void)state;
    mt_rng r = {5};
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32,
                                      TFC_DT_INT64, TFC_DT_UINT8,  TFC_DT_BOOL};
    for (int s = 0; s < 6; s++)
        for (int d = 0; d < 6; d++) {
            double *xv, want[12];
            bool to_small = types[d] == TFC_DT_UINT8;
            /* floats to uint8 only from [0, 255]; integers may wrap */
            double lo = to_small && s < 2 ? 0 : -300, hi = to_small && s < 2 ? 255 : 300;
            tfc_tensor *x = mt_random(&r, types[s], 1, (int64_t[]){12}, lo, hi, &xv);
            if (types[s] != TFC_DT_BOOL && types[s] != TFC_DT_UINT8) xv[0] = 0; /* to bool */
            tfc_tensor_unref(x);
            x = mt_tensor(types[s], 1, (int64_t[]){12}, xv);
            for (int i = 0; i < 12; i++) want[i] = ref_cast(xv[i], types[s], types[d]);
            cast_attrs a = {types[d], false};
            const tfc_tensor *in[] = {x};
            tfc_tensor *y;
            MT_RUN("Cast", in, 1, set_cast, &a, &y, 1);
            assert_int_equal(tfc_tensor_dtype(y), types[d]);
            char what[64];
            snprintf(what, sizeof what, "Cast %s to %s", tfc_dtype_name(types[s]),
                     tfc_dtype_name(types[d]));
            mt_assert_close(what, y, want, 12, 0, 0);
            free(xv);
            tfc_tensor_unref(x), tfc_tensor_unref(y);
        }
}

/* Out-of-range and NaN floats saturate / give 0; Truncate rounds float64 -> float32 toward 0. */
static void test_cast_edges(void **state) {
    (void)state;
    double v[] = {NAN, 1e20, -1e20, 2.9, -2.9};
    tfc_tensor *x = mt_tensor(TFC_DT_DOUBLE, 1, (int64_t[]){5}, v), *y;
    const tfc_tensor *in[] = {x};
    cast_attrs a = {TFC_DT_INT32, false};
    MT_RUN("Cast", in, 1, set_cast, &a, &y, 1);
    mt_assert_close("Cast saturating", y, (double[]){0, INT32_MAX, INT32_MIN, 2, -2}, 5, 0, 0);
    tfc_tensor_unref(y);
    double third = 1.0 / 3.0;
    tfc_tensor *t = mt_tensor(TFC_DT_DOUBLE, 0, NULL, &third);
    const tfc_tensor *tin[] = {t};
    a = (cast_attrs){TFC_DT_FLOAT, true};
    MT_RUN("Cast", tin, 1, set_cast, &a, &y, 1);
    float f = *(const float *)tfc_tensor_data_const(y);
    assert_true((double)f <= third && nextafterf(f, 1.0f) > third);
    tfc_tensor_unref(y), tfc_tensor_unref(t), tfc_tensor_unref(x);
}

int mt_run_unary(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_unary_vs_reference),
        TU_TEST(test_grad_ops),
        TU_TEST(test_cast_all_pairs),
        TU_TEST(test_cast_edges),
    };
    return cmocka_run_group_tests_name("ops_math_unary", tests, NULL, NULL);
}
