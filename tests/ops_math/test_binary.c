/* The broadcasting binary kernels (Maximum, Minimum, SquaredDifference, Pow, the comparisons,
 * LogicalAnd/Or) and the selects against plain double loops over an independent broadcasting
 * index, for each dtype TF registers on CPU, with shapes that broadcast both ways ([2,1,3] vs
 * [4,1]), scalars and equal shapes; and their run-time errors. */
#include <stdlib.h>

#include "math_tests.h"

typedef struct bin_case {
    const char *op;
    double (*f)(double, double);
    tfc_dtype types[5];
    double lo, hi, ylo, yhi; /* x in [lo, hi), y in [ylo, yhi) */
} bin_case;

static double f_max(double a, double b) {
    return a > b ? a : b;
}
static double f_min(double a, double b) {
    return a < b ? a : b;
}
static double f_sqd(double a, double b) {
    return (a - b) * (a - b);
}
static double f_eq(double a, double b) {
    return a == b;
}
static double f_ne(double a, double b) {
    return a != b;
}
static double f_lt(double a, double b) {
    return a < b;
}
static double f_le(double a, double b) {
    return a <= b;
}
static double f_gt(double a, double b) {
    return a > b;
}
static double f_ge(double a, double b) {
    return a >= b;
}
static double f_and(double a, double b) {
    return a != 0 && b != 0;
}
static double f_or(double a, double b) {
    return a != 0 || b != 0;
}

#define F TFC_DT_FLOAT
#define D TFC_DT_DOUBLE
#define I TFC_DT_INT32
#define L TFC_DT_INT64
static const bin_case cases[] = {
    {"Maximum", f_max, {F, D, I, L}, -5, 5, -5, 5},
    {"Minimum", f_min, {F, D, I, L}, -5, 5, -5, 5},
    {"SquaredDifference", f_sqd, {F, D, I, L}, -5, 5, -5, 5},
    {"Pow", pow, {F, D}, 0.5, 2, -2, 2},
    {"Pow", pow, {I, L}, -3, 4, 0, 4},
    {"Equal", f_eq, {F, D, I, L, TFC_DT_UINT8}, 0, 3, 0, 3},
    {"Equal", f_eq, {TFC_DT_BOOL}, 0, 1, 0, 1},
    {"NotEqual", f_ne, {F, D, I, L, TFC_DT_BOOL}, 0, 3, 0, 3},
    {"Less", f_lt, {F, D, I, L, TFC_DT_UINT8}, 0, 3, 0, 3},
    {"LessEqual", f_le, {F, D, I, L, TFC_DT_UINT8}, 0, 3, 0, 3},
    {"Greater", f_gt, {F, D, I, L, TFC_DT_UINT8}, 0, 3, 0, 3},
    {"GreaterEqual", f_ge, {F, D, I, L, TFC_DT_UINT8}, 0, 3, 0, 3},
    {"LogicalAnd", f_and, {TFC_DT_BOOL}, 0, 1, 0, 1},
    {"LogicalOr", f_or, {TFC_DT_BOOL}, 0, 1, 0, 1},
};

typedef struct shape_pair {
    int rx, ry;
    int64_t x[4], y[4];
} shape_pair;

static const shape_pair pairs[] = {
    {3, 2, {2, 1, 3}, {4, 1}}, {2, 3, {4, 1}, {2, 1, 3}},
    {2, 0, {2, 3}, {0}},       {0, 2, {0}, {2, 3}},
    {0, 0, {0}, {0}},          {2, 2, {5, 1}, {1, 6}},
    {1, 1, {7}, {7}},          {3, 3, {2, 3, 4}, {2, 3, 4}},
    {2, 2, {0, 3}, {1, 3}},
};

static void check_case(const bin_case *k, tfc_dtype dt, const shape_pair *p, mt_rng *r,
                       tfc_threadpool *pool) {
    double *xv, *yv;
    tfc_tensor *x = mt_random(r, dt, p->rx, p->x, k->lo, k->hi, &xv);
    tfc_tensor *y = mt_random(r, dt, p->ry, p->y, k->ylo, k->yhi, &yv);
    const tfc_tensor *in[] = {x, y};
    tfc_tensor *z;
    tfc_status st = {0};
    if (mt_run_on(pool, k->op, in, 2, NULL, NULL, &z, 1, false, &st))
        fail_msg("%s: %s", k->op, st.msg);
    const tfc_shape *zs = tfc_tensor_shape(z);
    int64_t n = tfc_tensor_num_elements(z);
    double *want = malloc((size_t)(n > 0 ? n : 1) * sizeof *want);
    for (int64_t i = 0; i < n; i++) {
        double w = k->f(xv[mt_bcast_index(zs, tfc_tensor_shape(x), i)],
                        yv[mt_bcast_index(zs, tfc_tensor_shape(y), i)]);
        want[i] = dt == F && fabs(w) > 0 ? (float)w : w;
    }
    char what[128], a[64], b[64];
    snprintf(what, sizeof what, "%s %s %s vs %s", k->op, tfc_dtype_name(dt),
             tfc_shape_to_string(tfc_tensor_shape(x), a, sizeof a),
             tfc_shape_to_string(tfc_tensor_shape(y), b, sizeof b));
    int rank = p->rx > p->ry ? p->rx : p->ry;
    if (zs->rank != rank) fail_msg("%s: rank %d, want %d", what, zs->rank, rank);
    double tol = dt == F ? 2e-6 : 1e-14;
    mt_assert_close(what, z, want, n, tol, tol);
    free(want), free(xv), free(yv);
    tfc_tensor_unref(x), tfc_tensor_unref(y), tfc_tensor_unref(z);
}

static void test_binary_vs_reference(void **state) {
    (void)state;
    mt_rng r = {0x9e3779b97f4a7c15ull};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = 0; t < 5 && cases[c].types[t]; t++)
            for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
                check_case(&cases[c], cases[c].types[t], &pairs[p], &r, NULL);
}

/* Big enough that the session pool splits the work: row ranges that start mid-plan ([70,1,40]
 * vs [30,40] is three merged dims) and flat element ranges. */
static void test_binary_on_pool(void **state) {
    (void)state;
    static const shape_pair big[] = {
        {3, 2, {70, 1, 40}, {30, 40}}, {1, 0, {100000}, {0}}, {2, 2, {300, 300}, {300, 300}}};
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(4, &pool, NULL));
    mt_rng r = {77};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t p = 0; p < sizeof big / sizeof big[0]; p++)
            check_case(&cases[c], cases[c].types[0], &big[p], &r, pool);
    tfc_threadpool_free(pool);
}

static void test_binary_errors(void **state) {
    (void)state;
    tfc_tensor *x = mt_tensor(D, 1, (int64_t[]){2}, NULL),
               *y = mt_tensor(D, 1, (int64_t[]){3}, NULL);
    const tfc_tensor *in[] = {x, y};
    tfc_tensor *z;
    tfc_status st = {0};
    assert_int_equal(mt_run("Maximum", in, 2, NULL, NULL, &z, 1, true, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Maximum", "Incompatible shapes: [2] vs. [3]");
    assert_null(z);
    /* Integers to negative powers */
    tfc_tensor *xi = mt_tensor(I, 1, (int64_t[]){2}, (double[]){2, 3});
    tfc_tensor *yi = mt_tensor(I, 1, (int64_t[]){2}, (double[]){1, -1});
    const tfc_tensor *ini[] = {xi, yi};
    assert_int_equal(mt_run("Pow", ini, 2, NULL, NULL, &z, 1, false, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Integers to negative integer powers");
    /* Integer Pow wraps like TF's */
    tfc_tensor *big = mt_tensor(I, 0, NULL, (double[]){3});
    tfc_tensor *e = mt_tensor(I, 0, NULL, (double[]){21});
    const tfc_tensor *inw[] = {big, e};
    MT_RUN("Pow", inw, 2, NULL, NULL, &z, 1);
    assert_int_equal(*(const int32_t *)tfc_tensor_data_const(z), (int32_t)(uint32_t)10460353203ull);
    tfc_tensor_unref(z);
    tfc_tensor_unref(x), tfc_tensor_unref(y), tfc_tensor_unref(xi), tfc_tensor_unref(yi);
    tfc_tensor_unref(big), tfc_tensor_unref(e);
}

static void soft_attrs(tfc_node_builder *b, const void *ctx) {
    (void)ctx;
    tfc_node_set_attr_bool(b, "incompatible_shape_error", false);
}

/* incompatible_shape_error = false: a scalar false (Equal) or true (NotEqual). */
static void test_equal_incompatible(void **state) {
    (void)state;
    tfc_tensor *x = mt_tensor(D, 1, (int64_t[]){2}, NULL),
               *y = mt_tensor(D, 1, (int64_t[]){3}, NULL);
    const tfc_tensor *in[] = {x, y};
    tfc_tensor *z;
    MT_RUN("Equal", in, 2, soft_attrs, NULL, &z, 1);
    assert_int_equal(tfc_tensor_rank(z), 0);
    assert_int_equal(tfc_tensor_dtype(z), TFC_DT_BOOL);
    assert_int_equal(tu_at(z, 0), 0);
    tfc_tensor_unref(z);
    MT_RUN("NotEqual", in, 2, soft_attrs, NULL, &z, 1);
    assert_int_equal(tu_at(z, 0), 1);
    tfc_tensor_unref(z);
    tfc_tensor_unref(x), tfc_tensor_unref(y);
}

static void test_logical_not(void **state) {
    (void)state;
    tfc_tensor *x = mt_tensor(TFC_DT_BOOL, 1, (int64_t[]){3}, (double[]){1, 0, 1});
    const tfc_tensor *in[] = {x};
    tfc_tensor *z;
    MT_RUN("LogicalNot", in, 1, NULL, NULL, &z, 1);
    mt_assert_close("LogicalNot", z, (double[]){0, 1, 0}, 3, 0, 0);
    tfc_tensor_unref(z), tfc_tensor_unref(x);
}

/* SelectV2 broadcasts all three; reference: cond ? t : e at broadcast indices. */
static void check_select(const char *op, tfc_dtype dt, int rc, const int64_t *cd, int rt,
                         const int64_t *td, int re, const int64_t *ed, const int64_t *cond_as,
                         mt_rng *r) {
    double *cv, *tv, *ev;
    tfc_tensor *c = mt_random(r, TFC_DT_BOOL, rc, cd, 0, 1, &cv);
    tfc_tensor *t = mt_random(r, dt, rt, td, -9, 9, &tv), *e = mt_random(r, dt, re, ed, -9, 9, &ev);
    const tfc_tensor *in[] = {c, t, e};
    tfc_tensor *z;
    MT_RUN(op, in, 3, NULL, NULL, &z, 1);
    const tfc_shape *zs = tfc_tensor_shape(z);
    /* Select's vector condition acts as [n, 1, ...]: cond_as gives that shape */
    tfc_shape cs = cond_as ? tfc_shape_make(rt, cond_as) : *tfc_tensor_shape(c);
    int64_t n = tfc_tensor_num_elements(z);
    double *want = malloc((size_t)(n > 0 ? n : 1) * sizeof *want);
    for (int64_t i = 0; i < n; i++)
        want[i] = cv[mt_bcast_index(zs, &cs, i)] ? tv[mt_bcast_index(zs, tfc_tensor_shape(t), i)]
                                                 : ev[mt_bcast_index(zs, tfc_tensor_shape(e), i)];
    char what[64];
    snprintf(what, sizeof what, "%s %s", op, tfc_dtype_name(dt));
    mt_assert_close(what, z, want, n, 0, 0);
    free(want), free(cv), free(tv), free(ev);
    tfc_tensor_unref(c), tfc_tensor_unref(t), tfc_tensor_unref(e), tfc_tensor_unref(z);
}

static void test_selects(void **state) {
    (void)state;
    mt_rng r = {42};
    static const tfc_dtype types[] = {F, D, I, L, TFC_DT_UINT8, TFC_DT_BOOL};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        tfc_dtype dt = types[k];
        check_select("SelectV2", dt, 3, (int64_t[]){2, 1, 3}, 2, (int64_t[]){4, 1}, 0, NULL, NULL,
                     &r);
        check_select("SelectV2", dt, 0, NULL, 2, (int64_t[]){2, 3}, 1, (int64_t[]){3}, NULL, &r);
        check_select("SelectV2", dt, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, 2,
                     (int64_t[]){2, 3}, NULL, &r);
        check_select("Select", dt, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3},
                     NULL, &r);
        check_select("Select", dt, 0, NULL, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, NULL, &r);
        check_select("Select", dt, 1, (int64_t[]){4}, 3, (int64_t[]){4, 2, 3}, 3,
                     (int64_t[]){4, 2, 3}, (int64_t[]){4, 1, 1}, &r);
    }
    /* Select does not broadcast t against e */
    tfc_tensor *c = mt_tensor(TFC_DT_BOOL, 0, NULL, (double[]){1});
    tfc_tensor *t = mt_tensor(D, 1, (int64_t[]){2}, NULL),
               *e = mt_tensor(D, 1, (int64_t[]){3}, NULL);
    const tfc_tensor *in[] = {c, t, e};
    tfc_tensor *z;
    tfc_status st = {0};
    assert_int_equal(mt_run("Select", in, 3, NULL, NULL, &z, 1, true, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "'then' and 'else' must have the same size");
    assert_int_equal(mt_run("SelectV2", in, 3, NULL, NULL, &z, 1, true, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Incompatible shapes: [] vs. [2] vs. [3]");
    tfc_tensor_unref(c), tfc_tensor_unref(t), tfc_tensor_unref(e);
}

int mt_run_binary(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_binary_vs_reference), TU_TEST(test_binary_on_pool),
        TU_TEST(test_binary_errors),       TU_TEST(test_equal_incompatible),
        TU_TEST(test_logical_not),         TU_TEST(test_selects),
    };
    return cmocka_run_group_tests_name("ops_math_binary", tests, NULL, NULL);
}
