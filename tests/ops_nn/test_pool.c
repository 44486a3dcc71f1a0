/* MaxPool and AvgPool against direct window loops, and MaxPoolGrad / AvgPoolGrad against central
 * finite differences of those references (d(sum(pool(x) * dy))/dx). MaxPool inputs are distinct
 * values 1/128 apart, so a step of 1e-3 never changes which element is a window's max. */
#include <float.h>
#include <stdlib.h>

#include "nn_tests.h"

typedef struct pool_case {
    int64_t n, h, w, c;
    tn_win win;
    tfc_dtype dt;
    bool max_only; /* EXPLICIT padding: MaxPool only, as in TF */
} pool_case;

static const pool_case cases[] = {
    {2, 7, 7, 3, {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "VALID"}, TFC_DT_FLOAT, false},
    {2, 7, 8, 2, {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"}, TFC_DT_FLOAT, false},
    {1, 5, 5, 2, {.kh = 3, .kw = 3, .sh = 1, .sw = 1, .padding = "SAME"}, TFC_DT_FLOAT, false},
    {2, 6, 9, 1, {.kh = 2, .kw = 3, .sh = 1, .sw = 2, .padding = "VALID"}, TFC_DT_FLOAT, false},
    {3, 4, 4, 2, {.kh = 4, .kw = 4, .sh = 1, .sw = 1, .padding = "VALID"}, TFC_DT_FLOAT, false},
    {2, 9, 7, 2, {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "SAME"}, TFC_DT_DOUBLE, false},
    /* non-overlapping windows with channels for the vector path (6 = 4 + 2, 8), covering the
     * image exactly or not (SAME padding, a stride-3 window that leaves a row out) */
    {2, 8, 8, 6, {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "VALID"}, TFC_DT_FLOAT, false},
    {2, 9, 9, 8, {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "SAME"}, TFC_DT_FLOAT, false},
    {1, 7, 6, 4, {.kh = 3, .kw = 3, .sh = 3, .sw = 3, .padding = "VALID"}, TFC_DT_FLOAT, false},
    {1,
     6,
     5,
     2,
     {.kh = 3, .kw = 2, .sh = 2, .sw = 1, .padding = "EXPLICIT", .pad = {1, 1, 0, 1}},
     TFC_DT_FLOAT,
     true},
    /* Padding wider than the window: some windows see no input at all. */
    {2,
     3,
     4,
     1,
     {.kh = 2, .kw = 2, .sh = 1, .sw = 2, .padding = "EXPLICIT", .pad = {3, 0, 4, 1}},
     TFC_DT_FLOAT,
     true},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

typedef struct geom {
    int64_t oh, ow, pt, pl;
} geom;

static geom geom_of(const pool_case *k) {
    geom g;
    tn_out_size(&k->win, true, k->h, k->win.kh, &g.oh, &g.pt);
    tn_out_size(&k->win, false, k->w, k->win.kw, &g.ow, &g.pl);
    return g;
}

/* Max or mean over the window's in-bounds elements (padding is never part of either). */
static void ref_pool(const pool_case *k, const geom *g, bool avg, const double *x, double *y) {
    for (int64_t n = 0; n < k->n; n++)
        for (int64_t oh = 0; oh < g->oh; oh++)
            for (int64_t ow = 0; ow < g->ow; ow++)
                for (int64_t c = 0; c < k->c; c++) {
                    double acc = avg ? 0 : -INFINITY;
                    int count = 0;
                    for (int64_t i = 0; i < k->win.kh; i++)
                        for (int64_t j = 0; j < k->win.kw; j++) {
                            int64_t ih = oh * k->win.sh - g->pt + i,
                                    iw = ow * k->win.sw - g->pl + j;
                            if (ih < 0 || ih >= k->h || iw < 0 || iw >= k->w) continue;
                            double v = x[((n * k->h + ih) * k->w + iw) * k->c + c];
                            acc = avg ? acc + v : (v > acc ? v : acc);
                            count++;
                        }
                    if (!count) acc = avg ? 0 : -FLT_MAX; /* TF's lowest float */
                    y[((n * g->oh + oh) * g->ow + ow) * k->c + c] = avg ? acc / count : acc;
                }
}

static void numeric_grad(const pool_case *k, const geom *g, bool avg, double *x, const double *dy,
                         double *out) {
    int64_t nx = k->n * k->h * k->w * k->c, ny = k->n * g->oh * g->ow * k->c;
    double *y = malloc((size_t)ny * sizeof *y), h = 1e-3;
    for (int64_t i = 0; i < nx; i++) {
        double keep = x[i], l[2];
        for (int s = 0; s < 2; s++) {
            x[i] = keep + (s ? -h : h);
            ref_pool(k, g, avg, x, y);
            l[s] = 0;
            for (int64_t q = 0; q < ny; q++) /* empty windows hold a constant: skip their 1e38 */
                if (y[q] != -FLT_MAX) l[s] += y[q] * dy[q];
        }
        x[i] = keep;
        out[i] = (l[0] - l[1]) / (2 * h);
    }
    free(y);
}

/* Distinct values 1/128 apart in random order, exact in float32. */
static double *distinct_values(tn_rng *r, int64_t n) {
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = (double)(i - n / 2) / 128.0;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)tn_uniform(r, 0, (double)(i + 1));
        double t = v[i];
        v[i] = v[j], v[j] = t;
    }
    return v;
}

static const char *case_name(int i, bool avg) {
    static char buf[160];
    const pool_case *k = &cases[i];
    snprintf(buf, sizeof buf,
             "%s case %d (x [%lld,%lld,%lld,%lld], window %lldx%lld, strides "
             "%lldx%lld, %s, %s)",
             avg ? "AvgPool" : "MaxPool", i, (long long)k->n, (long long)k->h, (long long)k->w,
             (long long)k->c, (long long)k->win.kh, (long long)k->win.kw, (long long)k->win.sh,
             (long long)k->win.sw, k->win.padding, tfc_dtype_name(k->dt));
    return buf;
}

static void run_case(int i, bool avg, tfc_threadpool *pool, tn_rng *r) {
    const pool_case *k = &cases[i];
    geom g = geom_of(k);
    int64_t nx = k->n * k->h * k->w * k->c, ny = k->n * g.oh * g.ow * k->c;
    int64_t xd[4] = {k->n, k->h, k->w, k->c}, yd[4] = {k->n, g.oh, g.ow, k->c};
    double *xv = distinct_values(r, nx), *yv = malloc((size_t)ny * sizeof *yv), *dyv;
    double tol = k->dt == TFC_DT_FLOAT ? 1e-5 : 1e-9;
    tfc_tensor *x = tn_tensor(k->dt, 4, xd, xv);
    tfc_tensor *dy = tn_random(r, k->dt, 4, yd, -1, 1, &dyv);
    ref_pool(k, &g, avg, xv, yv);
    tfc_tensor *yt = tn_tensor(k->dt, 4, yd, yv);

    const tfc_tensor *in[] = {x};
    tfc_tensor *y;
    TN_RUN(avg ? "AvgPool" : "MaxPool", in, 1, tn_pool_attrs, &k->win, &y, 1, pool);
    tn_assert_close(case_name(i, avg), y, yv, ny, tol, tol);
    tfc_tensor_unref(y);

    double *want = malloc((size_t)nx * sizeof *want);
    numeric_grad(k, &g, avg, xv, dyv, want);
    tfc_tensor *shape =
        tn_i32((int32_t[]){(int32_t)k->n, (int32_t)k->h, (int32_t)k->w, (int32_t)k->c}, 4);
    tfc_tensor *dx;
    if (avg) {
        const tfc_tensor *gin[] = {shape, dy};
        TN_RUN("AvgPoolGrad", gin, 2, tn_pool_attrs, &k->win, &dx, 1, pool);
    } else {
        const tfc_tensor *gin[] = {x, yt, dy};
        TN_RUN("MaxPoolGrad", gin, 3, tn_pool_attrs, &k->win, &dx, 1, pool);
    }
    tn_assert_close(case_name(i, avg), dx, want, nx, 1e-4, 1e-4);
    tfc_tensor_unref(dx);

    tfc_tensor_unref(x), tfc_tensor_unref(dy), tfc_tensor_unref(yt), tfc_tensor_unref(shape);
    free(xv), free(yv), free(dyv), free(want);
}

static void test_pools(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {0x900d};
    for (int i = 0; i < NCASES; i++)
        for (int p = 0; p < 2; p++) {
            run_case(i, false, p ? pool : NULL, &r);
            if (!cases[i].max_only) run_case(i, true, p ? pool : NULL, &r);
        }
    tfc_threadpool_free(pool);
}

/* Ties: TF gives a window's gradient to its first maximum in row-major order. */
static void test_max_pool_grad_ties(void **state) {
    (void)state;
    tn_win w = {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "VALID"};
    tfc_tensor *x =
        tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 2, 4, 1}, (double[]){1, 1, 0, 2, 1, 1, 2, 2});
    tfc_tensor *y = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 2, 1}, (double[]){1, 2});
    tfc_tensor *dy = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 2, 1}, (double[]){5, 7});
    const tfc_tensor *in[] = {x, y, dy};
    tfc_tensor *dx;
    TN_RUN("MaxPoolGrad", in, 3, tn_pool_attrs, &w, &dx, 1, NULL);
    tn_assert_close("ties", dx, (double[]){5, 0, 0, 7, 0, 0, 0, 0}, 8, 0, 0);
    tfc_tensor_unref(dx), tfc_tensor_unref(x), tfc_tensor_unref(y), tfc_tensor_unref(dy);
}

/* NaN in non-overlapping windows: a NaN first element is the max (nothing compares greater) and
 * takes the gradient; a later NaN never wins. Five channels with the same pattern: four take the
 * vector path, one the scalar. */
static void test_max_pool_grad_nan(void **state) {
    (void)state;
    tn_win w = {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "VALID"};
    double nan = 0.0 / 0.0, px[8] = {nan, 1, 1, nan, 2, 0, 3, 3}, pdx[8] = {5, 0, 0, 0, 0, 0, 7, 0};
    double xv[40], yv[10], dyv[10], want[40];
    for (int c = 0; c < 5; c++) {
        for (int p = 0; p < 8; p++) xv[p * 5 + c] = px[p], want[p * 5 + c] = pdx[p];
        yv[c] = nan, yv[5 + c] = 3, dyv[c] = 5, dyv[5 + c] = 7;
    }
    tfc_tensor *x = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 2, 4, 5}, xv);
    tfc_tensor *y = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 2, 5}, yv);
    tfc_tensor *dy = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 2, 5}, dyv);
    const tfc_tensor *in[] = {x, y, dy};
    tfc_tensor *dx;
    TN_RUN("MaxPoolGrad", in, 3, tn_pool_attrs, &w, &dx, 1, NULL);
    tn_assert_close("nan", dx, want, 40, 0, 0);
    tfc_tensor_unref(dx), tfc_tensor_unref(x), tfc_tensor_unref(y), tfc_tensor_unref(dy);
}

/* Pools big enough to take the thread pool give what they give inline. */
static void test_pool_threaded(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    tn_rng r = {0x5eed};
    double *xv;
    tfc_tensor *x = tn_random(&r, TFC_DT_FLOAT, 4, (int64_t[]){8, 48, 48, 16}, -1, 1, &xv);
    const char *ops[] = {"MaxPool", "AvgPool"};
    tn_win w = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"};
    for (int k = 0; k < 2; k++) {
        const tfc_tensor *in[] = {x};
        tfc_tensor *y1, *y3;
        TN_RUN(ops[k], in, 1, tn_pool_attrs, &w, &y1, 1, NULL);
        TN_RUN(ops[k], in, 1, tn_pool_attrs, &w, &y3, 1, pool);
        assert_true(tfc_tensor_equal(y1, y3));
        tfc_tensor_unref(y1), tfc_tensor_unref(y3);
    }
    tfc_tensor_unref(x);
    free(xv);
    tfc_threadpool_free(pool);
}

static void test_pool_runtime_errors(void **state) {
    (void)state;
    tn_win w = {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "VALID"};
    tfc_tensor *x = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 4, 4, 1}, NULL);
    tfc_tensor *dy = tn_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 3, 2, 1}, NULL);
    tfc_tensor *out[1];
    tfc_status st;
    const tfc_tensor *in[] = {x, dy, dy};
    tn_run("MaxPoolGrad", in, 3, tn_pool_attrs, &w, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "orig_output must be float32 [1,2,2,1]",
                     "got float32 [1,3,2,1]");
    tfc_tensor *bad = tn_i32((int32_t[]){1, -4, 4, 1}, 4);
    const tfc_tensor *in2[] = {bad, dy};
    tn_run("AvgPoolGrad", in2, 2, tn_pool_attrs, &w, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "orig_input_shape[1] is negative: -4");
    tfc_tensor *x3 = tn_tensor(TFC_DT_FLOAT, 3, (int64_t[]){4, 4, 1}, NULL);
    const tfc_tensor *in3[] = {x3};
    tn_run("MaxPool", in3, 1, tn_pool_attrs, &w, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "input must be 4-dimensional, got shape [4,4,1]");
    tfc_tensor_unref(x), tfc_tensor_unref(dy), tfc_tensor_unref(bad), tfc_tensor_unref(x3);
}

int tn_run_pool(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_pools),
        TU_TEST(test_max_pool_grad_ties),
        TU_TEST(test_max_pool_grad_nan),
        TU_TEST(test_pool_threaded),
        TU_TEST(test_pool_runtime_errors),
    };
    return cmocka_run_group_tests_name("nn_pool", tests, NULL, NULL);
}
