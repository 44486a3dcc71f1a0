/* The broadcasting kernels FloorDiv, FloorMod and DivNoNan against plain loops in double, for
 * float32, float64, int32 and int64 (DivNoNan: the floats), on shapes that broadcast both ways
 * and scalars, every sign combination, and the edges: integer division by zero (an error, as
 * TF), INT_MIN / -1 (wraps), float division by zero (inf and NaN), DivNoNan's zero divisors. */
#include <stdlib.h>

#include "math2_tests.h"

/* The flat index into a tensor of shape in, broadcast to out, of out's flat element i. */
static int64_t bcast_index(const tfc_shape *out, const tfc_shape *in, int64_t i) {
    int64_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t k = i % out->dims[d];
        i /= out->dims[d];
        int di = d - (out->rank - in->rank);
        if (di < 0) continue;
        if (in->dims[di] != 1) idx += k * stride;
        stride *= in->dims[di];
    }
    return idx;
}

/* Python's // and % in double: what TF's FloorDiv and FloorMod compute. */
static double ref_floordiv(double a, double b, bool ints) {
    return ints ? floor(a / b) : floor(a / b);
}
static double ref_floormod(double a, double b, bool ints) {
    if (ints) return a - b * floor(a / b);
    double r = fmod(a, b);
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
}
static double ref_divnonan(double a, double b, bool ints) {
    (void)ints;
    return b == 0 ? 0 : a / b;
}

typedef struct bin_case {
    const char *op;
    double (*f)(double, double, bool);
    bool ints; /* also int32 and int64 */
} bin_case;

static const bin_case cases[] = {
    {"FloorDiv", ref_floordiv, true},
    {"FloorMod", ref_floormod, true},
    {"DivNoNan", ref_divnonan, false},
};

static const struct {
    int rx, ry;
    int64_t x[3], y[3];
} shapes[] = {{2, 1, {2, 3}, {3}}, {2, 2, {4, 1}, {1, 5}}, {0, 1, {0}, {6}},
              {1, 0, {6}, {0}},    {2, 2, {2, 3}, {2, 3}}, {3, 2, {2, 1, 3}, {4, 1}},
              {2, 1, {0, 3}, {3}}};

/* Divisors away from zero, of both signs; dividends that are not near multiples of them. */
static const double divisors[] = {-7, -3, -1, 1, 2, 5, -2.5, 0.75, 3.25};

static void check_case(const bin_case *c, tfc_dtype dt, size_t s, unsigned seed) {
    bool ints = dt == TFC_DT_INT32 || dt == TFC_DT_INT64;
    tfc_shape xs = tfc_shape_make(shapes[s].rx, shapes[s].x);
    tfc_shape ys = tfc_shape_make(shapes[s].ry, shapes[s].y);
    int64_t nx = tfc_shape_num_elements(&xs), ny = tfc_shape_num_elements(&ys);
    double xv[64], yv[64];
    for (int64_t i = 0; i < nx; i++) {
        unsigned h = (unsigned)(i + 7) * 2654435761u ^ seed;
        xv[i] = (double)((int)(h % 41u) - 20) + (ints ? 0 : 0.37);
    }
    for (int64_t i = 0; i < ny; i++) {
        double d = divisors[(i * 5 + seed) % (ints ? 6 : 9)];
        yv[i] = d;
    }
    tfc_tensor *x = tu_tensor(dt, shapes[s].rx, shapes[s].x, xv);
    tfc_tensor *y = tu_tensor(dt, shapes[s].ry, shapes[s].y, yv), *z;
    const tfc_tensor *in[] = {x, y};
    for (int unknown = 0; unknown < 2; unknown++) {
        m2_run(c->op, in, 2, NULL, NULL, &z, 1, unknown);
        const tfc_shape *zs = tfc_tensor_shape(z);
        int64_t n = tfc_tensor_num_elements(z);
        double want[64];
        for (int64_t i = 0; i < n; i++)
            want[i] =
                c->f(tu_at(x, bcast_index(zs, &xs, i)), tu_at(y, bcast_index(zs, &ys, i)), ints);
        char what[96];
        snprintf(what, sizeof what, "%s %s shapes #%zu", c->op, tfc_dtype_name(dt), s);
        double tol = dt == TFC_DT_FLOAT ? 2e-6 : ints ? 0 : 1e-13;
        m2_assert_close(what, z, want, n, tol, tol);
        assert_int_equal(tfc_tensor_dtype(z), dt);
        tfc_tensor_unref(z);
    }
    tfc_tensor_unref(x), tfc_tensor_unref(y);
}

static void test_binary_vs_reference(void **state) {
    (void)state;
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = 0; t < (cases[c].ints ? 4 : 2); t++)
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
                check_case(&cases[c], types[t], s, (unsigned)(s * 13 + c));
}

static void run2(const char *op, tfc_tensor *x, tfc_tensor *y, const double *want, int64_t n) {
    const tfc_tensor *in[] = {x, y};
    tfc_tensor *z;
    m2_run(op, in, 2, NULL, NULL, &z, 1, false);
    m2_assert_close(op, z, want, n, 0, 0);
    tfc_tensor_unref(z), tfc_tensor_unref(x), tfc_tensor_unref(y);
}

static void test_integer_edges(void **state) {
    (void)state;
    /* every sign combination, spelled out: 7 // -2 = -4, -7 % 2 = 1, 7 % -2 = -1 */
    double a[] = {7, -7, 7, -7, 6, -6}, b[] = {2, 2, -2, -2, -3, 3};
    double q[] = {3, -4, -4, 3, -2, -2}, r[] = {1, 1, -1, -1, 0, 0};
    for (int t = 0; t < 2; t++) {
        tfc_dtype dt = t ? TFC_DT_INT64 : TFC_DT_INT32;
        int64_t n = 6;
        run2("FloorDiv", tu_tensor(dt, 1, &n, a), tu_tensor(dt, 1, &n, b), q, 6);
        run2("FloorMod", tu_tensor(dt, 1, &n, a), tu_tensor(dt, 1, &n, b), r, 6);
    }
    /* INT_MIN // -1 wraps to INT_MIN; INT_MIN % -1 is 0 */
    double mn = -2147483648.0, m1 = -1;
    run2("FloorDiv", tu_scalar(TFC_DT_INT32, mn), tu_scalar(TFC_DT_INT32, m1), &mn, 1);
    run2("FloorMod", tu_scalar(TFC_DT_INT32, mn), tu_scalar(TFC_DT_INT32, m1), (double[]){0}, 1);
    tfc_tensor *x = tu_scalar(TFC_DT_INT64, 0), *y = tu_scalar(TFC_DT_INT64, -1), *z;
    ((int64_t *)tfc_tensor_data(x))[0] = INT64_MIN;
    const tfc_tensor *in[] = {x, y};
    m2_run("FloorDiv", in, 2, NULL, NULL, &z, 1, false);
    assert_true(*(const int64_t *)tfc_tensor_data_const(z) == INT64_MIN);
    tfc_tensor_unref(z), tfc_tensor_unref(x), tfc_tensor_unref(y);
}

static void test_integer_division_by_zero(void **state) {
    (void)state;
    static const char *ops[] = {"FloorDiv", "FloorMod"};
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < 2; t++) {
            tfc_dtype dt = t ? TFC_DT_INT64 : TFC_DT_INT32;
            tfc_tensor *x = tu_tensor(dt, 1, (int64_t[]){3}, (double[]){1, 2, 3});
            tfc_tensor *y = tu_tensor(dt, 1, (int64_t[]){3}, (double[]){1, 0, 3}), *z;
            const tfc_tensor *in[] = {x, y};
            tfc_status st = {0};
            assert_int_equal(m2_try(ops[k], in, 2, &z, 1, &st), TFC_INVALID_ARGUMENT);
            m2_expect(&st, TFC_INVALID_ARGUMENT, "Integer division by zero");
            assert_non_null(strstr(st.msg, ops[k])); /* names the node */
            assert_null(z);
            tfc_tensor_unref(x), tfc_tensor_unref(y);
        }
}

static void test_float_edges(void **state) {
    (void)state;
    for (int t = 0; t < 2; t++) {
        tfc_dtype dt = t ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
        int64_t n = 6;
        double a[] = {1, -1, 0, INFINITY, 5.5, -5.5}, b[] = {0, 0, 0, 2, INFINITY, INFINITY};
        /* x // 0 is +-inf or NaN, and -5.5 // inf is floor(-0) = -0 (TF's floor(x / y), where
         * Python says -1); FloorMod(x, 0) is NaN; finite % inf keeps x's value or moves it into
         * the divisor's sign (-5.5 % inf = inf, as Python) */
        run2("FloorDiv", tu_tensor(dt, 1, &n, a), tu_tensor(dt, 1, &n, b),
             (double[]){INFINITY, -INFINITY, NAN, INFINITY, 0, -0.0}, 6);
        run2("FloorMod", tu_tensor(dt, 1, &n, a), tu_tensor(dt, 1, &n, b),
             (double[]){NAN, NAN, NAN, NAN, 5.5, INFINITY}, 6);
        double c[] = {1, 0, INFINITY, NAN, -3, 6}, d[] = {0, 0, 0, 0, 2, -4};
        run2("DivNoNan", tu_tensor(dt, 1, &n, c), tu_tensor(dt, 1, &n, d),
             (double[]){0, 0, 0, 0, -1.5, -1.5}, 6);
    }
}

static void test_incompatible_shapes(void **state) {
    (void)state;
    tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 3}, NULL);
    tfc_tensor *y = tu_tensor(TFC_DT_FLOAT, 1, (int64_t[]){4}, NULL), *z;
    const tfc_tensor *in[] = {x, y};
    tfc_status st = {0};
    assert_int_not_equal(tu_run_op(NULL, "FloorMod", in, 2, NULL, NULL, &z, 1, true, &st), TFC_OK);
    m2_expect(&st, TFC_INVALID_ARGUMENT, "Incompatible shapes: [2,3] vs. [4]");
    tfc_tensor_unref(x), tfc_tensor_unref(y);
}

/* A broadcast large enough to be split over a 3-thread pool gives the one-thread answer. */
static void test_binary_threads(void **state) {
    (void)state;
    int64_t xd[2] = {300, 1000}, yd[1] = {1000};
    double *xv = malloc(sizeof *xv * 300000), yv[1000];
    for (int64_t i = 0; i < 300000; i++) xv[i] = (double)(i % 97) - 48.3;
    for (int i = 0; i < 1000; i++) yv[i] = divisors[i % 9];
    tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, 2, xd, xv), *y = tu_tensor(TFC_DT_FLOAT, 1, yd, yv);
    free(xv);
    tfc_threadpool *pool;
    tfc_status st = {0};
    TU_OK(tfc_threadpool_new(3, &pool, &st));
    static const char *ops[] = {"FloorDiv", "FloorMod", "DivNoNan"};
    for (int k = 0; k < 3; k++) {
        const tfc_tensor *in[] = {x, y};
        tfc_tensor *z1, *z3;
        TU_OK(tu_run_op(NULL, ops[k], in, 2, NULL, NULL, &z1, 1, false, &st));
        TU_OK(tu_run_op(pool, ops[k], in, 2, NULL, NULL, &z3, 1, false, &st));
        assert_true(tfc_tensor_equal(z1, z3));
        tfc_tensor_unref(z1), tfc_tensor_unref(z3);
    }
    tfc_threadpool_free(pool);
    tfc_tensor_unref(x), tfc_tensor_unref(y);
}

int m2_run_binary(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_binary_vs_reference),      TU_TEST(test_integer_edges),
        TU_TEST(test_integer_division_by_zero), TU_TEST(test_float_edges),
        TU_TEST(test_incompatible_shapes),      TU_TEST(test_binary_threads),
    };
    return cmocka_run_group_tests_name("ops_math2_binary", tests, NULL, NULL);
}
