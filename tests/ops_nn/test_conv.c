/* Conv2D against a direct convolution (seven nested loops in double), and Conv2DBackpropInput /
 * Conv2DBackpropFilter against central finite differences of that reference:
 * d(sum(conv(x, f) * dy))/dx and /df. Cases cover SAME, VALID and EXPLICIT padding, strides 1 and
 * 2, dilation 2, odd sizes, 1x1 windows (the GEMM-only path), windows larger than a stride, an
 * empty output, float32 and float64, inline and on a pool of 3 threads (uneven batch split) with
 * a single-threaded BLAS (batch mode) and a 2-thread BLAS (phases mode). */
#include <cblas.h>
#include <stdlib.h>

#include "nn_tests.h"
#include "tfc/session.h"

/* How a run spreads work: inline; on the pool with a single-threaded BLAS (each pool thread runs
 * its part of the batch); on the pool with a 2-thread BLAS (the pool lays out patches, BLAS
 * spreads each GEMM). OpenBLAS's thread count is process-wide; the test restores it. */
#define NMODES 3
static tfc_threadpool *mode_pool(int mode, tfc_threadpool *pool) {
    openblas_set_num_threads(mode == 1 ? 1 : 2);
    return mode ? pool : NULL;
}

typedef struct conv_case {
    int64_t n, h, w, c, kh, kw, oc;
    tn_win win;
    tfc_dtype dt;
} conv_case;

#define F TFC_DT_FLOAT
#define D TFC_DT_DOUBLE
static const conv_case cases[] = {
    {2, 7, 7, 3, 3, 3, 4, {.sh = 1, .sw = 1, .padding = "SAME"}, F},
    {2, 7, 7, 3, 3, 3, 4, {.sh = 1, .sw = 1, .padding = "VALID"}, F},
    {2, 8, 9, 2, 3, 2, 3, {.sh = 2, .sw = 2, .padding = "SAME"}, F},
    {3, 9, 7, 3, 3, 3, 2, {.sh = 2, .sw = 1, .padding = "VALID"}, F},
    {2, 9, 9, 2, 3, 3, 3, {.sh = 1, .sw = 1, .dh = 2, .dw = 2, .padding = "SAME"}, F},
    {1, 10, 11, 2, 2, 3, 2, {.sh = 1, .sw = 1, .dh = 2, .dw = 2, .padding = "VALID"}, F},
    {2, 9, 8, 2, 3, 3, 2, {.sh = 2, .sw = 2, .dh = 2, .dw = 1, .padding = "SAME"}, F},
    {3, 5, 5, 4, 1, 1, 5, {.sh = 1, .sw = 1, .padding = "VALID"}, F},
    {2, 6, 7, 2, 1, 1, 3, {.sh = 2, .sw = 2, .padding = "SAME"}, F},
    {2, 7, 6, 3, 5, 5, 2, {.sh = 2, .sw = 2, .padding = "SAME"}, F},
    {1, 5, 6, 2, 3, 3, 2, {.sh = 1, .sw = 2, .padding = "EXPLICIT", .pad = {1, 2, 0, 1}}, F},
    {5, 6, 6, 1, 5, 5, 3, {.sh = 1, .sw = 1, .padding = "SAME"}, F},
    {2, 3, 4, 2, 2, 2, 3, {.sh = 1, .sw = 2, .padding = "EXPLICIT", .pad = {3, 0, 4, 2}}, F},
    {1,
     4,
     3,
     2,
     2,
     3,
     2,
     {.sh = 2, .sw = 1, .dh = 2, .dw = 2, .padding = "EXPLICIT", .pad = {0, 5, 6, 1}},
     F},
    {1, 4, 4, 1, 5, 5, 1, {.sh = 2, .sw = 2, .padding = "VALID"}, F}, /* 0x0 output, as in TF */
    /* full 16-channel register tiles and a tail (40 = 16 + 16 + 8), pixels not a multiple of 6,
     * one image on a pool (its pixel tiles split), strides 2x1 with 33 channels */
    {3, 7, 6, 5, 3, 3, 40, {.sh = 1, .sw = 1, .padding = "SAME"}, F},
    {1, 9, 9, 3, 5, 5, 16, {.sh = 1, .sw = 1, .padding = "SAME"}, F},
    {2, 6, 5, 7, 3, 2, 33, {.sh = 2, .sw = 1, .padding = "VALID"}, F},
    /* a dilation so large that SAME padding is 2^30 rows: no padded image is made (the direct
     * kernels would need one of 2^31 rows); only the centre row of the window sees the input */
    {1, 5, 5, 1, 3, 3, 2, {.sh = 1, .sw = 1, .dh = 1 << 30, .dw = 1, .padding = "SAME"}, F},
    /* explicit left padding wider than the padded rows the strided windows reach */
    {2, 3, 2, 2, 1, 1, 3, {.sh = 1, .sw = 4, .padding = "EXPLICIT", .pad = {0, 0, 6, 0}}, F},
    {2, 7, 7, 3, 3, 3, 4, {.sh = 2, .sw = 1, .padding = "SAME"}, D},
    {2, 8, 7, 2, 3, 2, 3, {.sh = 1, .sw = 2, .dh = 2, .dw = 2, .padding = "VALID"}, D},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

typedef struct geom {
    int64_t oh, ow, pt, pl;
} geom;

static geom geom_of(const conv_case *k) {
    geom g;
    tn_out_size(&k->win, true, k->h, k->kh, &g.oh, &g.pt);
    tn_out_size(&k->win, false, k->w, k->kw, &g.ow, &g.pl);
    return g;
}

static const char *case_name(int i) {
    static char buf[160];
    const conv_case *k = &cases[i];
    snprintf(buf, sizeof buf, "case %d (x [%lld,%lld,%lld,%lld], filter %lldx%lldx%lld, %s, %s)", i,
             (long long)k->n, (long long)k->h, (long long)k->w, (long long)k->c, (long long)k->kh,
             (long long)k->kw, (long long)k->oc, k->win.padding, tfc_dtype_name(k->dt));
    return buf;
}

/* y[n][oh][ow][o] = sum over kh, kw, ic of x[n][ih][iw][ic] * f[kh][kw][ic][o]. */
static void ref_conv(const conv_case *k, const geom *g, const double *x, const double *f,
                     double *y) {
    int64_t dh = k->win.dh ? k->win.dh : 1, dw = k->win.dw ? k->win.dw : 1;
    for (int64_t n = 0; n < k->n; n++)
        for (int64_t oh = 0; oh < g->oh; oh++)
            for (int64_t ow = 0; ow < g->ow; ow++)
                for (int64_t o = 0; o < k->oc; o++) {
                    double sum = 0;
                    for (int64_t i = 0; i < k->kh; i++)
                        for (int64_t j = 0; j < k->kw; j++)
                            for (int64_t ic = 0; ic < k->c; ic++) {
                                int64_t ih = oh * k->win.sh - g->pt + i * dh;
                                int64_t iw = ow * k->win.sw - g->pl + j * dw;
                                if (ih < 0 || ih >= k->h || iw < 0 || iw >= k->w) continue;
                                sum += x[((n * k->h + ih) * k->w + iw) * k->c + ic] *
                                       f[((i * k->kw + j) * k->c + ic) * k->oc + o];
                            }
                    y[((n * g->oh + oh) * g->ow + ow) * k->oc + o] = sum;
                }
}

/* sum(conv(x, f) * dy): the scalar whose gradients the backprop ops compute. */
static double loss(const conv_case *k, const geom *g, const double *x, const double *f,
                   const double *dy, double *ybuf) {
    ref_conv(k, g, x, f, ybuf);
    double s = 0;
    for (int64_t i = 0; i < k->n * g->oh * g->ow * k->oc; i++) s += ybuf[i] * dy[i];
    return s;
}

/* Central differences of loss with respect to v (x or f), element by element. */
static void numeric_grad(const conv_case *k, const geom *g, double *x, double *f, const double *dy,
                         double *v, int64_t nv, double *out) {
    double *ybuf = malloc((size_t)(k->n * g->oh * g->ow * k->oc + 1) * sizeof *ybuf);
    const double h = 1e-3;
    for (int64_t i = 0; i < nv; i++) {
        double keep = v[i];
        v[i] = keep + h;
        double up = loss(k, g, x, f, dy, ybuf);
        v[i] = keep - h;
        double down = loss(k, g, x, f, dy, ybuf);
        v[i] = keep;
        out[i] = (up - down) / (2 * h);
    }
    free(ybuf);
}

static double tol(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT ? 1e-4 : 1e-9;
}

static void test_conv2d_forward(void **state) {
    (void)state;
    tfc_threadpool *pool;
    int blas_threads = openblas_get_num_threads();
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    tn_rng r = {0x1234567};
    for (int i = 0; i < NCASES; i++) {
        const conv_case *k = &cases[i];
        geom g = geom_of(k);
        double *xv, *fv;
        tfc_tensor *x = tn_random(&r, k->dt, 4, (int64_t[]){k->n, k->h, k->w, k->c}, -1, 1, &xv);
        tfc_tensor *f = tn_random(&r, k->dt, 4, (int64_t[]){k->kh, k->kw, k->c, k->oc}, -1, 1, &fv);
        int64_t ny = k->n * g.oh * g.ow * k->oc;
        double *want = malloc((size_t)(ny + 1) * sizeof *want);
        ref_conv(k, &g, xv, fv, want);
        for (int m = 0; m < NMODES; m++) {
            const tfc_tensor *in[] = {x, f};
            tfc_tensor *y;
            TN_RUN("Conv2D", in, 2, tn_conv_attrs, &k->win, &y, 1, mode_pool(m, pool));
            tfc_shape ws = tfc_shape_make(4, (int64_t[]){k->n, g.oh, g.ow, k->oc});
            if (!tfc_shape_equal(tfc_tensor_shape(y), &ws)) fail_msg("%s: shape", case_name(i));
            tn_assert_close(case_name(i), y, want, ny, tol(k->dt), tol(k->dt));
            tfc_tensor_unref(y);
        }
        free(xv), free(fv), free(want);
        tfc_tensor_unref(x), tfc_tensor_unref(f);
    }
    openblas_set_num_threads(blas_threads);
    tfc_threadpool_free(pool);
}

static void test_conv2d_backprop_input(void **state) {
    (void)state;
    tfc_threadpool *pool;
    int blas_threads = openblas_get_num_threads();
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    tn_rng r = {0xabcdef};
    for (int i = 0; i < NCASES; i++) {
        const conv_case *k = &cases[i];
        geom g = geom_of(k);
        double *xv, *fv, *dyv;
        tfc_tensor *f = tn_random(&r, k->dt, 4, (int64_t[]){k->kh, k->kw, k->c, k->oc}, -1, 1, &fv);
        tfc_tensor *dy = tn_random(&r, k->dt, 4, (int64_t[]){k->n, g.oh, g.ow, k->oc}, -1, 1, &dyv);
        tfc_tensor *x = tn_random(&r, k->dt, 4, (int64_t[]){k->n, k->h, k->w, k->c}, -1, 1, &xv);
        int64_t nx = k->n * k->h * k->w * k->c;
        double *want = malloc((size_t)nx * sizeof *want);
        numeric_grad(k, &g, xv, fv, dyv, xv, nx, want);
        tfc_tensor *sizes4 =
            tn_i32((int32_t[]){(int32_t)k->n, (int32_t)k->h, (int32_t)k->w, (int32_t)k->c}, 4);
        tfc_tensor *sizes2 = tn_i32((int32_t[]){(int32_t)k->h, (int32_t)k->w}, 2);
        for (int m = 0; m < NMODES + 1; m++) { /* and the [height, width] form of input_sizes */
            const tfc_tensor *in[] = {m == NMODES ? sizes2 : sizes4, f, dy};
            tfc_tensor *dx;
            TN_RUN("Conv2DBackpropInput", in, 3, tn_conv_attrs, &k->win, &dx, 1,
                   mode_pool(m % NMODES, pool));
            tn_assert_close(case_name(i), dx, want, nx, tol(k->dt), tol(k->dt));
            tfc_tensor_unref(dx);
        }
        free(xv), free(fv), free(dyv), free(want);
        tfc_tensor_unref(x), tfc_tensor_unref(f), tfc_tensor_unref(dy);
        tfc_tensor_unref(sizes4), tfc_tensor_unref(sizes2);
    }
    openblas_set_num_threads(blas_threads);
    tfc_threadpool_free(pool);
}

static void test_conv2d_backprop_filter(void **state) {
    (void)state;
    tfc_threadpool *pool;
    int blas_threads = openblas_get_num_threads();
    TU_OK(tfc_threadpool_new(3, &pool, NULL));
    tn_rng r = {0x5eed};
    for (int i = 0; i < NCASES; i++) {
        const conv_case *k = &cases[i];
        geom g = geom_of(k);
        double *xv, *fv, *dyv;
        tfc_tensor *x = tn_random(&r, k->dt, 4, (int64_t[]){k->n, k->h, k->w, k->c}, -1, 1, &xv);
        tfc_tensor *f = tn_random(&r, k->dt, 4, (int64_t[]){k->kh, k->kw, k->c, k->oc}, -1, 1, &fv);
        tfc_tensor *dy = tn_random(&r, k->dt, 4, (int64_t[]){k->n, g.oh, g.ow, k->oc}, -1, 1, &dyv);
        int64_t nf = k->kh * k->kw * k->c * k->oc;
        double *want = malloc((size_t)nf * sizeof *want);
        numeric_grad(k, &g, xv, fv, dyv, fv, nf, want);
        tfc_tensor *sizes =
            tn_i32((int32_t[]){(int32_t)k->kh, (int32_t)k->kw, (int32_t)k->c, (int32_t)k->oc}, 4);
        for (int m = 0; m < NMODES; m++) {
            const tfc_tensor *in[] = {x, sizes, dy};
            tfc_tensor *df;
            TN_RUN("Conv2DBackpropFilter", in, 3, tn_conv_attrs, &k->win, &df, 1,
                   mode_pool(m, pool));
            /* A filter gradient sums over the whole batch: allow for float32 rounding. */
            tn_assert_close(case_name(i), df, want, nf, 4 * tol(k->dt), tol(k->dt));
            tfc_tensor_unref(df);
        }
        free(xv), free(fv), free(dyv), free(want);
        tfc_tensor_unref(x), tfc_tensor_unref(f), tfc_tensor_unref(dy), tfc_tensor_unref(sizes);
    }
    openblas_set_num_threads(blas_threads);
    tfc_threadpool_free(pool);
}

/* Shapes the graph could not check (unknown-shape placeholders) are checked by the kernels. */
static void test_conv2d_runtime_errors(void **state) {
    (void)state;
    tn_win same = {.sh = 1, .sw = 1, .padding = "SAME"},
           valid = {.sh = 1, .sw = 1, .padding = "VALID"};
    tfc_tensor *x = tn_tensor(F, 4, (int64_t[]){1, 3, 3, 2}, NULL);
    tfc_tensor *f = tn_tensor(F, 4, (int64_t[]){5, 5, 2, 1}, NULL);
    tfc_tensor *f3 = tn_tensor(F, 4, (int64_t[]){3, 3, 3, 1}, NULL);
    tfc_tensor *out[1];
    tfc_status st;

    const tfc_tensor *in1[] = {x, f};
    assert_int_equal(tn_run("Conv2D", in1, 2, tn_conv_attrs, &valid, out, 1, NULL, true, &st),
                     TFC_INVALID_ARGUMENT);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'Conv2D'",
                     "Computed output size would be negative", "input_size: 3",
                     "effective_filter_size: 5");
    assert_null(out[0]);

    const tfc_tensor *in2[] = {x, f3};
    tn_run("Conv2D", in2, 2, tn_conv_attrs, &same, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "input depth must equal the filter's input depth",
                     "[1,3,3,2]", "[3,3,3,1]");

    /* out_backprop of the wrong size for the input and filter. */
    tfc_tensor *sizes = tn_i32((int32_t[]){1, 3, 3, 2}, 4);
    tfc_tensor *dy = tn_tensor(F, 4, (int64_t[]){1, 2, 3, 1}, NULL);
    tfc_tensor *f1 = tn_tensor(F, 4, (int64_t[]){1, 1, 2, 1}, NULL);
    const tfc_tensor *in3[] = {sizes, f1, dy};
    tn_run("Conv2DBackpropInput", in3, 3, tn_conv_attrs, &same, out, 1, NULL, true, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Size of out_backprop doesn't match computed",
                     "actual = 2, computed = 3");

    /* Kernels compute float32 and float64 only; others are refused naming the type. */
    tfc_tensor *xi = NULL, *fi = NULL;
    tfc_shape s4 = tfc_shape_make(4, (int64_t[]){1, 3, 3, 1}),
              f4 = tfc_shape_make(4, (int64_t[]){1, 1, 1, 1});
    TU_OK(tfc_tensor_new(TFC_DT_INT32, &s4, &xi, NULL));
    TU_OK(tfc_tensor_new(TFC_DT_INT32, &f4, &fi, NULL));
    const tfc_tensor *in4[] = {xi, fi};
    tn_run("Conv2D", in4, 2, tn_conv_attrs, &same, out, 1, NULL, false, &st);
    TN_EXPECT_STATUS(st, TFC_UNIMPLEMENTED, "Conv2D", "float32 and float64", "int32");

    tfc_tensor_unref(x), tfc_tensor_unref(f), tfc_tensor_unref(f3), tfc_tensor_unref(sizes);
    tfc_tensor_unref(dy), tfc_tensor_unref(f1), tfc_tensor_unref(xi), tfc_tensor_unref(fi);
}

/* Batch sizes that do not divide among the threads, with shapes only the kernel sees. */
static void test_conv2d_batch_sizes(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {77};
    conv_case k = {1, 6, 5, 2, 3, 3, 3, {.sh = 1, .sw = 1, .padding = "SAME"}, F};
    for (int64_t n = 1; n <= 7; n += 3) {
        k.n = n;
        geom g = geom_of(&k);
        double *xv, *fv;
        tfc_tensor *x = tn_random(&r, F, 4, (int64_t[]){n, k.h, k.w, k.c}, -1, 1, &xv);
        tfc_tensor *f = tn_random(&r, F, 4, (int64_t[]){k.kh, k.kw, k.c, k.oc}, -1, 1, &fv);
        double *want = malloc((size_t)(n * g.oh * g.ow * k.oc) * sizeof *want);
        ref_conv(&k, &g, xv, fv, want);
        const tfc_tensor *in[] = {x, f};
        tfc_tensor *y;
        tfc_status st;
        TU_OK(tn_run("Conv2D", in, 2, tn_conv_attrs, &k.win, &y, 1, pool, true, &st));
        tn_assert_close("unknown static shape", y, want, n * g.oh * g.ow * k.oc, 1e-4, 1e-4);
        tfc_tensor_unref(y), tfc_tensor_unref(x), tfc_tensor_unref(f);
        free(xv), free(fv), free(want);
    }
    tfc_threadpool_free(pool);
}

static tfc_out conv_node(tfc_graph *g, const char *op, tfc_out a, tfc_out b, tfc_out c,
                         const tn_win *w) {
    tfc_node_builder *nb = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(nb, a), tfc_node_add_input(nb, b);
    if (c.node) tfc_node_add_input(nb, c);
    tn_conv_attrs(nb, w);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

static tfc_out shape_of(tfc_graph *g, tfc_out x) {
    tfc_node_builder *nb = tfc_node_begin(g, "Shape", NULL);
    tfc_node_add_input(nb, x);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

/* In a session the kernels keep their patch buffers across runs: batches of 1, 7 and 3 through
 * one plan (the buffer grows once, then serves the smaller batch), sizes from Shape nodes. */
static void test_conv2d_session(void **state) {
    (void)state;
    tn_rng r = {4242};
    conv_case k = {1, 6, 5, 2, 3, 3, 3, {.sh = 2, .sw = 1, .padding = "SAME"}, F};
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", F, &(tfc_shape){4, {-1, k.h, k.w, k.c}});
    tfc_out f = tfc_placeholder(g, "f", F, &(tfc_shape){4, {k.kh, k.kw, k.c, k.oc}});
    tfc_out dy = tfc_placeholder(g, "dy", F, &(tfc_shape){4, {-1, -1, -1, k.oc}});
    tfc_out fetch[3] = {conv_node(g, "Conv2D", x, f, (tfc_out){0}, &k.win),
                        conv_node(g, "Conv2DBackpropInput", shape_of(g, x), f, dy, &k.win),
                        conv_node(g, "Conv2DBackpropFilter", x, shape_of(g, f), dy, &k.win)};
    tfc_session *s;
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    TU_OK(tfc_session_new(g, &(tfc_session_opts){.num_threads = 2}, &s, &st));
    static const int64_t batches[] = {1, 7, 3};
    for (int b = 0; b < 3; b++) {
        int64_t n = k.n = batches[b];
        geom gm = geom_of(&k);
        int64_t nx = n * k.h * k.w * k.c, nf = k.kh * k.kw * k.c * k.oc,
                ny = n * gm.oh * gm.ow * k.oc;
        double *xv, *fv, *dyv, *want[3];
        tfc_tensor *xt = tn_random(&r, F, 4, (int64_t[]){n, k.h, k.w, k.c}, -1, 1, &xv);
        tfc_tensor *ft = tn_random(&r, F, 4, (int64_t[]){k.kh, k.kw, k.c, k.oc}, -1, 1, &fv);
        tfc_tensor *dyt = tn_random(&r, F, 4, (int64_t[]){n, gm.oh, gm.ow, k.oc}, -1, 1, &dyv);
        want[0] = malloc((size_t)ny * sizeof(double));
        want[1] = malloc((size_t)nx * sizeof(double));
        want[2] = malloc((size_t)nf * sizeof(double));
        ref_conv(&k, &gm, xv, fv, want[0]);
        numeric_grad(&k, &gm, xv, fv, dyv, xv, nx, want[1]);
        numeric_grad(&k, &gm, xv, fv, dyv, fv, nf, want[2]);
        tfc_feed feeds[3] = {{x, xt}, {f, ft}, {dy, dyt}};
        tfc_tensor *res[3];
        if (tfc_session_run(s, feeds, 3, fetch, 3, res, NULL, 0, &st)) fail_msg("%s", st.msg);
        int64_t counts[3] = {ny, nx, nf};
        static const char *what[3] = {"session Conv2D", "session Conv2DBackpropInput",
                                      "session Conv2DBackpropFilter"};
        for (int q = 0; q < 3; q++) {
            tn_assert_close(what[q], res[q], want[q], counts[q], 1e-4, 1e-4);
            tfc_tensor_unref(res[q]);
            free(want[q]);
        }
        tfc_tensor_unref(xt), tfc_tensor_unref(ft), tfc_tensor_unref(dyt);
        free(xv), free(fv), free(dyv);
    }
    tfc_session_free(s);
    tfc_graph_free(g);
}

int tn_run_conv(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_conv2d_forward),         TU_TEST(test_conv2d_backprop_input),
        TU_TEST(test_conv2d_backprop_filter), TU_TEST(test_conv2d_runtime_errors),
        TU_TEST(test_conv2d_batch_sizes),     TU_TEST(test_conv2d_session),
    };
    return cmocka_run_group_tests_name("nn_conv", tests, NULL, NULL);
}
