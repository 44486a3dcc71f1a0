/* The math2 unary kernels (Floor, Ceil, Round, Cos, Sin, Log1p), Range, Rank, StopGradient and
 * L2Loss against libm and plain loops in double, on several shapes, float32 and float64 (Round
 * also int32 and int64), with edge values: halves for banker's rounding, signed zeros,
 * infinities, NaN, the last float below 0.5, log1p at -1 and below. */
#include <stdlib.h>

#include "math2_tests.h"

static double ref_round(double x) {
    return nearbyint(x); /* the default rounding mode rounds halves to even, as TF's Round */
}

typedef struct un_case {
    const char *op;
    double (*f)(double);
    double tol_f32; /* relative and absolute tolerance for float32 (float64: 1e-15) */
} un_case;

static const un_case cases[] = {
    {"Floor", floor, 0}, {"Ceil", ceil, 0},  {"Round", ref_round, 0},
    {"Cos", cos, 2e-7},  {"Sin", sin, 2e-7}, {"Log1p", log1p, 2e-7},
};

/* values[i] spread over [lo, hi) by a fixed hash, so every shape gets distinct values */
static void spread(double *v, int64_t n, double lo, double hi, unsigned seed) {
    for (int64_t i = 0; i < n; i++) {
        unsigned h = (unsigned)(i + 1) * 2654435761u ^ seed * 40503u;
        v[i] = lo + (hi - lo) * (double)(h % 100003u) / 100003.0;
    }
}

static void check_unary(const un_case *c, tfc_dtype dt, int rank, const int64_t *dims,
                        const double *v) {
    tfc_tensor *x = tu_tensor(dt, rank, dims, v), *y;
    const tfc_tensor *in[] = {x};
    for (int unknown = 0; unknown < 2; unknown++) {
        m2_run(c->op, in, 1, NULL, NULL, &y, 1, unknown);
        int64_t n = tfc_tensor_num_elements(x);
        double *want = malloc(sizeof *want * (size_t)(n ? n : 1));
        for (int64_t i = 0; i < n; i++) {
            double w = c->f(tu_at(x, i)); /* the stored (rounded) input */
            want[i] = dt == TFC_DT_FLOAT ? (double)(float)w : w;
        }
        char what[96];
        snprintf(what, sizeof what, "%s %s rank %d", c->op, tfc_dtype_name(dt), rank);
        double tol = dt == TFC_DT_FLOAT ? c->tol_f32 : 1e-15;
        m2_assert_close(what, y, want, n, tol, tol);
        assert_int_equal(tfc_tensor_dtype(y), dt);
        assert_true(tfc_shape_equal(tfc_tensor_shape(y), tfc_tensor_shape(x)));
        free(want);
        tfc_tensor_unref(y);
    }
    tfc_tensor_unref(x);
}

static void test_unary_shapes(void **state) {
    (void)state;
    static const struct {
        int rank;
        int64_t dims[3];
    } shapes[] = {{0, {0}}, {1, {7}}, {2, {3, 5}}, {3, {2, 3, 4}}, {2, {0, 3}}};
    double v[64];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int t = 0; t < 2; t++) {
                /* log1p is defined above -1 */
                double lo = !strcmp(cases[c].op, "Log1p") ? -0.99 : -7, hi = 7;
                spread(v, 64, lo, hi, (unsigned)(c * 31 + s));
                check_unary(&cases[c], t ? TFC_DT_DOUBLE : TFC_DT_FLOAT, shapes[s].rank,
                            shapes[s].dims, v);
            }
}

static void test_unary_edges(void **state) {
    (void)state;
    double v[] = {0.0,
                  -0.0,
                  0.5,
                  -0.5,
                  1.5,
                  -1.5,
                  2.5,
                  -2.5,
                  3.5,
                  -3.5,
                  1e-8,
                  -1e-8,
                  3.7,
                  -3.7,
                  123456.789,
                  INFINITY,
                  -INFINITY,
                  NAN,
                  8388609.5,
                  1e15 + 0.5,
                  -1.0,
                  -2.0,
                  0.49999999999999994};
    int64_t n = (int64_t)(sizeof v / sizeof v[0]);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = 0; t < 2; t++)
            check_unary(&cases[c], t ? TFC_DT_DOUBLE : TFC_DT_FLOAT, 1, &n, v);
    /* the largest float below 0.5 rounds down: a naive floor(x + 0.5) would give 1 */
    double below = (double)nextafterf(0.5f, 0.0f);
    tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, 0, NULL, &below), *y;
    const tfc_tensor *in[] = {x};
    m2_run("Round", in, 1, NULL, NULL, &y, 1, false);
    assert_true(*(const float *)tfc_tensor_data_const(y) == 0.0f);
    tfc_tensor_unref(y), tfc_tensor_unref(x);
    /* banker's rounding, spelled out */
    double halves[] = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5}, even[] = {-2, -2, -0.0, 0, 2, 2, 4};
    x = tu_tensor(TFC_DT_DOUBLE, 1, (int64_t[]){7}, halves);
    in[0] = x;
    m2_run("Round", in, 1, NULL, NULL, &y, 1, false);
    m2_assert_close("Round halves", y, even, 7, 0, 0);
    assert_true(signbit(((const double *)tfc_tensor_data_const(y))[2])); /* -0.5 -> -0 */
    tfc_tensor_unref(y), tfc_tensor_unref(x);
}

static void test_round_integers(void **state) {
    (void)state;
    double v[] = {0, 1, -1, 7, -7, 2147483647.0, -2147483648.0};
    for (int t = 0; t < 2; t++) {
        tfc_dtype dt = t ? TFC_DT_INT64 : TFC_DT_INT32;
        tfc_tensor *x = tu_tensor(dt, 1, (int64_t[]){7}, v), *y;
        const tfc_tensor *in[] = {x};
        m2_run("Round", in, 1, NULL, NULL, &y, 1, false);
        assert_int_equal(tfc_tensor_dtype(y), dt);
        m2_assert_close("Round int", y, v, 7, 0, 0);
        tfc_tensor_unref(y), tfc_tensor_unref(x);
    }
}

/* TF's type sets: Floor, Ceil, Cos take no integers (refused when the node is built). */
static void test_unary_type_sets(void **state) {
    (void)state;
    static const char *ops[] = {"Floor", "Ceil", "Cos", "Sin", "Log1p"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        tfc_tensor *x = tu_scalar(TFC_DT_INT32, 3), *y;
        const tfc_tensor *in[] = {x};
        tfc_status st = {0};
        assert_int_equal(m2_try(ops[k], in, 1, &y, 1, &st), TFC_INVALID_ARGUMENT);
        assert_null(y);
        tfc_tensor_unref(x);
    }
}

/* ---- Range ---- */

static void range_case(tfc_dtype dt, double start, double limit, double delta, const double *want,
                       int64_t n) {
    tfc_tensor *a = tu_scalar(dt, start), *b = tu_scalar(dt, limit), *c = tu_scalar(dt, delta), *y;
    const tfc_tensor *in[] = {a, b, c};
    m2_run("Range", in, 3, NULL, NULL, &y, 1, false);
    assert_int_equal(tfc_tensor_dtype(y), dt);
    assert_int_equal(tfc_tensor_rank(y), 1);
    char what[96];
    snprintf(what, sizeof what, "Range %s (%g, %g, %g)", tfc_dtype_name(dt), start, limit, delta);
    m2_assert_close(what, y, want, n, 1e-6, 1e-6);
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(c), tfc_tensor_unref(y);
}

static void test_range(void **state) {
    (void)state;
    static const tfc_dtype all[] = {TFC_DT_INT32, TFC_DT_INT64, TFC_DT_FLOAT, TFC_DT_DOUBLE};
    for (int t = 0; t < 4; t++) {
        range_case(all[t], 0, 10, 3, (double[]){0, 3, 6, 9}, 4);
        range_case(all[t], 10, 0, -3, (double[]){10, 7, 4, 1}, 4);
        range_case(all[t], -2, 2, 1, (double[]){-2, -1, 0, 1}, 4);
        range_case(all[t], 5, 5, 1, NULL, 0);
        range_case(all[t], 3, 4, 5, (double[]){3}, 1);
    }
    range_case(TFC_DT_FLOAT, 0, 1, 0.25, (double[]){0, 0.25, 0.5, 0.75}, 4);
    range_case(TFC_DT_DOUBLE, 0.5, 2, 0.4, (double[]){0.5, 0.9, 1.3, 1.7}, 4);
    /* the count of a span that crosses the int64 range does not overflow */
    tfc_tensor *a = tu_scalar(TFC_DT_INT64, 0), *b = tu_scalar(TFC_DT_INT64, 0), *c;
    ((int64_t *)tfc_tensor_data(a))[0] = INT64_MIN;
    ((int64_t *)tfc_tensor_data(b))[0] = INT64_MAX;
    c = tu_scalar(TFC_DT_INT64, 0);
    ((int64_t *)tfc_tensor_data(c))[0] = INT64_MAX;
    const tfc_tensor *in[] = {a, b, c};
    tfc_tensor *y;
    m2_run("Range", in, 3, NULL, NULL, &y, 1, false);
    assert_int_equal(tfc_tensor_num_elements(y), 3); /* MIN, -1, MAX - 1 */
    assert_true(((const int64_t *)tfc_tensor_data_const(y))[2] == INT64_MAX - 1);
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(c), tfc_tensor_unref(y);
}

static void range_error(double start, double limit, double delta, const char *frag) {
    tfc_tensor *a = tu_scalar(TFC_DT_INT32, start), *b = tu_scalar(TFC_DT_INT32, limit);
    tfc_tensor *c = tu_scalar(TFC_DT_INT32, delta), *y;
    const tfc_tensor *in[] = {a, b, c};
    tfc_status st = {0};
    assert_int_equal(m2_try("Range", in, 3, &y, 1, &st), TFC_INVALID_ARGUMENT);
    m2_expect(&st, TFC_INVALID_ARGUMENT, frag);
    assert_non_null(strstr(st.msg, "Range")); /* names the node */
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(c);
}

static void test_range_errors(void **state) {
    (void)state;
    range_error(5, 3, 1, "Requires start <= limit when delta > 0: 5/3");
    range_error(3, 5, -1, "Requires start >= limit when delta < 0: 3/5");
    range_error(3, 5, 0, "Requires delta != 0");
    /* a vector start: the kernel (unknown static shapes) names the argument */
    tfc_tensor *a = tu_tensor(TFC_DT_INT32, 1, (int64_t[]){2}, (double[]){1, 2});
    tfc_tensor *b = tu_scalar(TFC_DT_INT32, 5), *c = tu_scalar(TFC_DT_INT32, 1), *y;
    const tfc_tensor *in[] = {a, b, c};
    tfc_status st = {0};
    assert_int_not_equal(tu_run_op(NULL, "Range", in, 3, NULL, NULL, &y, 1, true, &st), TFC_OK);
    m2_expect(&st, TFC_INVALID_ARGUMENT, "start must be a scalar, not shape [2]");
    /* with static shapes the shape function refuses it when the node is built */
    assert_int_not_equal(m2_try("Range", in, 3, &y, 1, &st), TFC_OK);
    m2_expect(&st, TFC_INVALID_ARGUMENT, "Shape must be rank 0 but is rank 1 for 'start'");
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(c);
}

/* Range's shape function: the length from constant inputs, [?] otherwise; errors at build. */
static void test_range_static_shape(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_tensor *t[3] = {tu_scalar(TFC_DT_INT32, 1), tu_scalar(TFC_DT_INT32, 10),
                        tu_scalar(TFC_DT_INT32, 2)};
    tfc_out c[3];
    for (int i = 0; i < 3; i++) c[i] = tfc_const(g, "c", t[i]);
    tfc_node_builder *b = tfc_node_begin(g, "Range", NULL);
    for (int i = 0; i < 3; i++) tfc_node_add_input(b, c[i]);
    tfc_out r = tfc_node_output(tfc_node_finish(b), 0);
    assert_true(tfc_shape_equal(tfc_out_shape(r), &(tfc_shape){1, {5}}));
    tfc_out p = tfc_placeholder(g, "limit", TFC_DT_INT32, &(tfc_shape){0, {0}});
    b = tfc_node_begin(g, "Range", NULL);
    tfc_node_add_input(b, c[0]);
    tfc_node_add_input(b, p);
    tfc_node_add_input(b, c[2]);
    r = tfc_node_output(tfc_node_finish(b), 0);
    assert_true(tfc_shape_equal(tfc_out_shape(r), &(tfc_shape){1, {-1}}));
    b = tfc_node_begin(g, "Range", "bad");
    tfc_node_add_input(b, c[1]);
    tfc_node_add_input(b, c[0]);
    tfc_node_add_input(b, c[2]);
    assert_null(tfc_node_finish(b));
    tfc_status st;
    tfc_graph_status(g, &st);
    m2_expect(&st, TFC_INVALID_ARGUMENT, "Requires start <= limit when delta > 0: 10/1");
    assert_non_null(strstr(st.msg, "bad"));
    for (int i = 0; i < 3; i++) tfc_tensor_unref(t[i]);
    tfc_graph_free(g);
}

/* ---- Rank, StopGradient ---- */

static void test_rank(void **state) {
    (void)state;
    static const struct {
        int rank;
        int64_t dims[4];
    } shapes[] = {{0, {0}}, {1, {3}}, {3, {2, 1, 4}}, {4, {1, 0, 2, 2}}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int unknown = 0; unknown < 2; unknown++) {
            tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, shapes[s].rank, shapes[s].dims, NULL), *y;
            const tfc_tensor *in[] = {x};
            m2_run("Rank", in, 1, NULL, NULL, &y, 1, unknown);
            assert_int_equal(tfc_tensor_dtype(y), TFC_DT_INT32);
            assert_int_equal(tfc_tensor_rank(y), 0);
            assert_int_equal(*(const int32_t *)tfc_tensor_data_const(y), shapes[s].rank);
            tfc_tensor_unref(x), tfc_tensor_unref(y);
        }
}

static void test_stop_gradient_value(void **state) {
    (void)state;
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64,
                                      TFC_DT_BOOL};
    double v[] = {1, -2, 0, 4, 5, 6};
    for (int t = 0; t < 5; t++) {
        tfc_tensor *x = tu_tensor(types[t], 2, (int64_t[]){2, 3}, v), *y;
        const tfc_tensor *in[] = {x};
        m2_run("StopGradient", in, 1, NULL, NULL, &y, 1, false);
        assert_true(tfc_tensor_equal(x, y));
        tfc_tensor_unref(x), tfc_tensor_unref(y);
    }
}

/* ---- L2Loss ---- */

static void test_l2_loss(void **state) {
    (void)state;
    static const int64_t sizes[] = {0, 1, 7, 1000, 70001, 3 * 32768 + 5};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int t = 0; t < 2; t++) {
            tfc_dtype dt = t ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            int64_t n = sizes[k];
            double *v = malloc(sizeof *v * (size_t)(n ? n : 1));
            spread(v, n, -3, 3, (unsigned)k);
            tfc_tensor *x = tu_tensor(dt, 1, &n, v), *y;
            double want = 0;
            for (int64_t i = 0; i < n; i++) want += tu_at(x, i) * tu_at(x, i);
            want /= 2;
            const tfc_tensor *in[] = {x};
            m2_run("L2Loss", in, 1, NULL, NULL, &y, 1, false);
            assert_int_equal(tfc_tensor_rank(y), 0);
            assert_int_equal(tfc_tensor_dtype(y), dt);
            char what[64];
            snprintf(what, sizeof what, "L2Loss %s n=%lld", tfc_dtype_name(dt), (long long)n);
            m2_assert_close(what, y, &want, 1, 0, t ? 1e-13 : 1e-7);
            free(v);
            tfc_tensor_unref(x), tfc_tensor_unref(y);
        }
    /* a matrix with an infinity and one with a NaN */
    double v[] = {1, 2, INFINITY, 3}, w[] = {1, NAN, 2, 3};
    tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 2}, v), *y;
    const tfc_tensor *in[] = {x};
    m2_run("L2Loss", in, 1, NULL, NULL, &y, 1, false);
    assert_true(isinf(tu_at(y, 0)));
    tfc_tensor_unref(x), tfc_tensor_unref(y);
    x = tu_tensor(TFC_DT_DOUBLE, 2, (int64_t[]){2, 2}, w);
    in[0] = x;
    m2_run("L2Loss", in, 1, NULL, NULL, &y, 1, true);
    assert_true(isnan(tu_at(y, 0)));
    tfc_tensor_unref(x), tfc_tensor_unref(y);
}

/* The same sums on a 4-thread pool: the fixed chunks make the result identical. */
static void test_l2_loss_threads(void **state) {
    (void)state;
    int64_t n = 1 << 20;
    double *v = malloc(sizeof *v * (size_t)n);
    spread(v, n, -1, 1, 99);
    tfc_tensor *x = tu_tensor(TFC_DT_FLOAT, 1, &n, v), *y1, *y4;
    free(v);
    tfc_threadpool *pool;
    tfc_status st = {0};
    TU_OK(tfc_threadpool_new(4, &pool, &st));
    const tfc_tensor *in[] = {x};
    TU_OK(tu_run_op(NULL, "L2Loss", in, 1, NULL, NULL, &y1, 1, false, &st));
    TU_OK(tu_run_op(pool, "L2Loss", in, 1, NULL, NULL, &y4, 1, false, &st));
    assert_true(tfc_tensor_equal(y1, y4));
    tfc_threadpool_free(pool);
    tfc_tensor_unref(x), tfc_tensor_unref(y1), tfc_tensor_unref(y4);
}

int m2_run_kernels(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_unary_shapes),
        TU_TEST(test_unary_edges),
        TU_TEST(test_round_integers),
        TU_TEST(test_unary_type_sets),
        TU_TEST(test_range),
        TU_TEST(test_range_errors),
        TU_TEST(test_range_static_shape),
        TU_TEST(test_rank),
        TU_TEST(test_stop_gradient_value),
        TU_TEST(test_l2_loss),
        TU_TEST(test_l2_loss_threads),
    };
    return cmocka_run_group_tests_name("ops_math2_kernels", tests, NULL, NULL);
}
