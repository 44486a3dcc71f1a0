/* Conv2D (NHWC input, HWIO filter, float32 and float64) by im2col + GEMM, and what its backprops
 * share: im2col/col2im and the way a batch is spread over threads. Images go in groups (up to
 * NN_COL_BYTES of patches per group) so each GEMM is large. With a single-threaded BLAS the batch
 * is split into one part per pool thread, each laying out its own patches and running its own
 * GEMMs; with a multithreaded BLAS the pool lays out a group's patches and BLAS spreads the GEMM.
 * The patch buffer lives in the kernel's state and grows only when a shape needs more, so
 * steady-state steps allocate nothing. */
#include <cblas.h>
#include <string.h>

#include "ops/nn_int.h"

bool tfc__nn_col_is_identity(const tfc__nn_geom *g) {
    return g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
           g->pad_left == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
}

/* NHWC keeps a patch row's k_w * in_c elements contiguous in the image when dil_w is 1, so each
 * (oh, ow, kh) copies one run, with zeros where it hangs over the edge. */
void tfc__nn_im2col(const tfc__nn_geom *g, const void *img, void *col, size_t es) {
    const char *x = img;
    char *out = col;
    int64_t C = g->in_c, K = g->k_h * g->k_w * C;
    size_t run = (size_t)(g->k_w * C) * es;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
        for (int64_t ow = 0; ow < g->out_w; ow++) {
            char *row = out + (size_t)((oh * g->out_w + ow) * K) * es;
            int64_t iw0 = ow * g->stride_w - g->pad_left;
            for (int64_t kh = 0; kh < g->k_h; kh++) {
                char *dst = row + (size_t)(kh * g->k_w * C) * es;
                int64_t ih = oh * g->stride_h - g->pad_top + kh * g->dil_h;
                if (ih < 0 || ih >= g->in_h) {
                    memset(dst, 0, run);
                    continue;
                }
                const char *src = x + (size_t)(ih * g->in_w * C) * es;
                if (g->dil_w == 1) {
                    int64_t lo = iw0 < 0 ? -iw0 : 0, hi = g->in_w - iw0;
                    if (hi > g->k_w) hi = g->k_w;
                    if (hi < lo) hi = lo;
                    if (lo > g->k_w) lo = hi = g->k_w;
                    memset(dst, 0, (size_t)(lo * C) * es);
                    if (hi > lo)
                        memcpy(dst + (size_t)(lo * C) * es, src + (size_t)((iw0 + lo) * C) * es,
                               (size_t)((hi - lo) * C) * es);
                    memset(dst + (size_t)(hi * C) * es, 0, (size_t)((g->k_w - hi) * C) * es);
                    continue;
                }
                for (int64_t kw = 0; kw < g->k_w; kw++) {
                    int64_t iw = iw0 + kw * g->dil_w;
                    char *d = dst + (size_t)(kw * C) * es;
                    if (iw < 0 || iw >= g->in_w)
                        memset(d, 0, (size_t)C * es);
                    else
                        memcpy(d, src + (size_t)(iw * C) * es, (size_t)C * es);
                }
            }
        }
    }
}

/* As in im2col, a patch row's (kh, all kw) run is contiguous in the image when dil_w is 1, so its
 * in-bounds part is one vector add. */
#define COL2IM(T, NAME)                                                                            \
    void NAME(const tfc__nn_geom *g, const T *col, T *img) {                                       \
        int64_t C = g->in_c, K = g->k_h * g->k_w * C;                                              \
        for (int64_t oh = 0; oh < g->out_h; oh++)                                                  \
            for (int64_t ow = 0; ow < g->out_w; ow++) {                                            \
                const T *row = col + (oh * g->out_w + ow) * K;                                     \
                int64_t iw0 = ow * g->stride_w - g->pad_left;                                      \
                for (int64_t kh = 0; kh < g->k_h; kh++) {                                          \
                    int64_t ih = oh * g->stride_h - g->pad_top + kh * g->dil_h;                    \
                    if (ih < 0 || ih >= g->in_h) continue;                                         \
                    const T *src = row + kh * g->k_w * C;                                          \
                    T *dst = img + ih * g->in_w * C;                                               \
                    if (g->dil_w == 1) {                                                           \
                        int64_t lo = iw0 < 0 ? -iw0 : 0, hi = g->in_w - iw0;                       \
                        if (hi > g->k_w) hi = g->k_w;                                              \
                        if (hi <= lo) continue;                                                    \
                        const T *s = src + lo * C;                                                 \
                        T *d = dst + (iw0 + lo) * C;                                               \
                        for (int64_t i = 0; i < (hi - lo) * C; i++) d[i] += s[i];                  \
                        continue;                                                                  \
                    }                                                                              \
                    for (int64_t kw = 0; kw < g->k_w; kw++) {                                      \
                        int64_t iw = iw0 + kw * g->dil_w;                                          \
                        if (iw < 0 || iw >= g->in_w) continue;                                     \
                        const T *s = src + kw * C;                                                 \
                        T *d = dst + iw * C;                                                       \
                        for (int64_t c = 0; c < C; c++) d[c] += s[c];                              \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
    }
COL2IM(float, tfc__nn_col2im_f32)
COL2IM(double, tfc__nn_col2im_f64)

void tfc__nn_gemm(bool f32, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void *a,
                  int64_t lda, const void *b, int64_t ldb, double beta, void *c, int64_t ldc) {
    enum CBLAS_TRANSPOSE at = ta ? CblasTrans : CblasNoTrans, bt = tb ? CblasTrans : CblasNoTrans;
    if (f32)
        cblas_sgemm(CblasRowMajor, at, bt, (blasint)m, (blasint)n, (blasint)k, 1.0f, a,
                    (blasint)lda, b, (blasint)ldb, (float)beta, c, (blasint)ldc);
    else
        cblas_dgemm(CblasRowMajor, at, bt, (blasint)m, (blasint)n, (blasint)k, 1.0, a, (blasint)lda,
                    b, (blasint)ldb, beta, c, (blasint)ldc);
}

tfc_code tfc__nn_conv_prepare(const tfc_node *n, void **state, tfc_status *st) {
    tfc__nn_conv_state s = {0};
    if (tfc__nn_float_type(n, "T", &s.dt, st) || tfc__nn_attrs_parse(n, false, &s.a, st))
        return st->code;
    s.direct = s.dt == TFC_DT_FLOAT && s.a.dil_w == 1 && tfc__nn_direct_available();
    tfc__nn_conv_state *p = tfc_malloc(sizeof *p);
    if (!p) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *p = s;
    *state = p;
    return TFC_OK;
}

void tfc__nn_conv_release(void *state) {
    tfc__nn_conv_state *s = state;
    if (s) tfc__nn_scratch_free(&s->scratch);
    tfc_free(s);
}

tfc_code tfc__nn_conv_check(tfc_kernel_ctx *c, const tfc__nn_conv_state *s, const int64_t in[4],
                            const int64_t f[4], tfc__nn_geom *g) {
    char a[96], b[96];
    if (in[3] != f[2]) {
        tfc_shape xs = tfc_shape_make(4, in), fs = tfc_shape_make(4, f);
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "input depth must equal the filter's input depth: input %s, filter %s",
                             tfc_shape_to_string(&xs, a, sizeof a),
                             tfc_shape_to_string(&fs, b, sizeof b));
    }
    tfc_status st = {0};
    if (tfc__nn_geom_make(&s->a, in[0], in[1], in[2], in[3], f[0], f[1], f[3], g, &st))
        return tfc_kctx_fail(c, st.code, "%s", st.msg);
    return TFC_OK;
}

tfc_code tfc__nn_conv_dims(tfc_kernel_ctx *c, const tfc__nn_conv_state *s, const tfc_tensor *t,
                           const char *what, int64_t d[4]) {
    char buf[96];
    if (tfc_tensor_dtype(t) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be %s, got %s", what,
                             tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(t)));
    if (tfc_tensor_rank(t) != 4)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be 4-dimensional, got shape %s",
                             what, tfc_shape_to_string(tfc_tensor_shape(t), buf, sizeof buf));
    for (int k = 0; k < 4; k++) d[k] = tfc_tensor_dim(t, k);
    return TFC_OK;
}

tfc_code tfc__nn_conv_split(tfc_kernel_ctx *c, tfc__nn_conv_state *s, const tfc__nn_geom *g,
                            int64_t extra_per_part, tfc__nn_batch_split *p) {
    size_t es = s->dt == TFC_DT_FLOAT ? 4 : 8;
    int64_t threads = tfc__nn_num_parts(tfc_kctx_pool(c), INT64_MAX);
    p->es = es;
    p->P = g->out_h * g->out_w;
    p->K = g->k_h * g->k_w * g->in_c;
    /* Several pool threads calling a multithreaded OpenBLAS at once queue on its one set of
     * workers and run slower than one of them alone, so when the session lets BLAS thread (it
     * sets BLAS to the pool's size), the pool lays out patches and BLAS spreads each GEMM. */
    p->phases = threads > 1 && openblas_get_num_threads() > 1;
    p->parts = p->phases ? 1 : tfc__nn_num_parts(tfc_kctx_pool(c), g->n);
    int64_t per_part = (g->n + p->parts - 1) / p->parts, img_bytes = p->P * p->K * (int64_t)es;
    int64_t budget = NN_COL_BYTES * (p->phases ? threads : 1);
    p->group = img_bytes > 0 ? budget / img_bytes : per_part;
    if (p->group > per_part) p->group = per_part;
    if (p->group < 1) p->group = 1;
    p->col_elems = p->group * p->P * p->K;
    p->part_elems = p->col_elems + extra_per_part;
    p->scratch = tfc__nn_scratch_get(&s->scratch, (size_t)(p->parts * p->part_elems) * es);
    if (!p->scratch) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory for patches");
    return TFC_OK;
}

typedef struct run_job {
    const tfc__nn_geom *g;
    const tfc__nn_batch_split *p;
    tfc__nn_group_fn fn;
    const void *job;
} run_job;

static void run_part(void *ctx, int64_t part) {
    const run_job *r = ctx;
    const tfc__nn_batch_split *p = r->p;
    int64_t lo = r->g->n * part / p->parts, hi = r->g->n * (part + 1) / p->parts;
    char *col = (char *)p->scratch + (size_t)(part * p->part_elems) * p->es;
    for (int64_t n0 = lo; n0 < hi; n0 += p->group)
        r->fn(r->job, part, n0, hi - n0 < p->group ? hi - n0 : p->group, col, NULL);
}

void tfc__nn_conv_run(tfc_kernel_ctx *c, const tfc__nn_geom *g, const tfc__nn_batch_split *p,
                      tfc__nn_group_fn fn, const void *job) {
    run_job r = {g, p, fn, job};
    if (!p->phases) {
        tfc__nn_parallel(tfc_kctx_pool(c), p->parts, run_part, &r);
        return;
    }
    for (int64_t n0 = 0; n0 < g->n; n0 += p->group)
        fn(job, 0, n0, g->n - n0 < p->group ? g->n - n0 : p->group, p->scratch, tfc_kctx_pool(c));
}

typedef struct images_job {
    const tfc__nn_geom *g;
    size_t es, in_img, col_img;
    const char *x;
    char *col;
    bool f32;
} images_job;

static void im2col_one(void *ctx, int64_t i) {
    const images_job *j = ctx;
    tfc__nn_im2col(j->g, j->x + (size_t)i * j->in_img, j->col + (size_t)i * j->col_img, j->es);
}

void tfc__nn_im2col_images(tfc_threadpool *pool, const tfc__nn_geom *g, const void *x, int64_t cnt,
                           void *col, size_t es) {
    images_job j = {g,
                    es,
                    (size_t)(g->in_h * g->in_w * g->in_c) * es,
                    (size_t)(g->out_h * g->out_w * g->k_h * g->k_w * g->in_c) * es,
                    x,
                    col,
                    false};
    tfc__nn_parallel(pool, cnt, im2col_one, &j);
}

static void col2im_one(void *ctx, int64_t i) {
    const images_job *j = ctx;
    char *img = (char *)j->x + (size_t)i * j->in_img; /* x is the output here */
    const char *ci = j->col + (size_t)i * j->col_img;
    memset(img, 0, j->in_img);
    if (j->f32)
        tfc__nn_col2im_f32(j->g, (const float *)ci, (float *)img);
    else
        tfc__nn_col2im_f64(j->g, (const double *)ci, (double *)img);
}

void tfc__nn_col2im_images(tfc_threadpool *pool, const tfc__nn_geom *g, const void *col,
                           int64_t cnt, void *img, size_t es) {
    images_job j = {g,
                    es,
                    (size_t)(g->in_h * g->in_w * g->in_c) * es,
                    (size_t)(g->out_h * g->out_w * g->k_h * g->k_w * g->in_c) * es,
                    img,
                    (char *)col,
                    es == 4};
    tfc__nn_parallel(pool, cnt, col2im_one, &j);
}

typedef struct conv_job {
    const tfc__nn_geom *g;
    const tfc__nn_batch_split *p;
    bool f32;
    const char *x, *f;
    char *y;
} conv_job;

/* Images [n0, n0 + cnt): patches, then y = patches x filter. */
static void conv_group(const void *ctx, int64_t part, int64_t n0, int64_t cnt, char *col,
                       tfc_threadpool *pool) {
    const conv_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    const tfc__nn_batch_split *p = j->p;
    size_t in_img = (size_t)(g->in_h * g->in_w * g->in_c) * p->es;
    const char *a = j->x + (size_t)n0 * in_img;
    if (!tfc__nn_col_is_identity(g)) {
        tfc__nn_im2col_images(pool, g, a, cnt, col, p->es);
        a = col;
    }
    tfc__nn_gemm(j->f32, false, false, cnt * p->P, g->out_c, p->K, a, p->K, j->f, g->out_c, 0.0,
                 j->y + (size_t)(n0 * p->P * g->out_c) * p->es, g->out_c);
}

/* A fused BiasAdd's bias must be what BiasAdd takes: a vector of y's depth and dtype. */
static tfc_code check_bias(tfc_kernel_ctx *c, const tfc__nn_conv_state *s, const tfc_tensor *b,
                           const tfc_tensor *y) {
    char bs[96], ys[96];
    if (tfc_tensor_dtype(b) != s->dt || tfc_tensor_rank(b) != 1 ||
        tfc_tensor_dim(b, 0) != tfc_tensor_dim(y, 3))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "fused BiasAdd: Must provide as many biases as the last dimension of "
                             "the input tensor: %s %s vs. %s",
                             tfc_dtype_name(tfc_tensor_dtype(b)),
                             tfc_shape_to_string(tfc_tensor_shape(b), bs, sizeof bs),
                             tfc_shape_to_string(tfc_tensor_shape(y), ys, sizeof ys));
    return TFC_OK;
}

/* The epilogue as a separate pass, for the im2col path (float64, or TFC_CONV_IMPL=gemm); Relu
 * keeps NaN, as TF's does. */
#define APPLY_BIAS(T)                                                                              \
    static void apply_bias_##T(const T *b, bool relu, T *y, int64_t rows, int64_t C) {             \
        for (int64_t r = 0; r < rows; r++, y += C)                                                 \
            for (int64_t k = 0; k < C; k++) {                                                      \
                T v = y[k] + b[k];                                                                 \
                y[k] = relu && v < 0 ? 0 : v;                                                      \
            }                                                                                      \
    }
APPLY_BIAS(float)
APPLY_BIAS(double)

static void apply_bias(tfc_dtype dt, const tfc_tensor *b, bool relu, tfc_tensor *y) {
    int64_t C = tfc_tensor_dim(y, 3), rows = C ? tfc_tensor_num_elements(y) / C : 0;
    if (dt == TFC_DT_FLOAT)
        apply_bias_float(tfc_tensor_data_const(b), relu, tfc_tensor_data(y), rows, C);
    else
        apply_bias_double(tfc_tensor_data_const(b), relu, tfc_tensor_data(y), rows, C);
}

static tfc_code conv2d_compute(tfc_kernel_ctx *c, void *state) {
    tfc__nn_conv_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *f = tfc_kctx_input(c, 1);
    int64_t in[4], fd[4];
    tfc__nn_geom g;
    if (tfc__nn_conv_dims(c, s, x, "input", in) || tfc__nn_conv_dims(c, s, f, "filter", fd) ||
        tfc__nn_conv_check(c, s, in, fd, &g))
        return TFC_INVALID_ARGUMENT;
    tfc_shape os = tfc_shape_make(4, (int64_t[]){g.n, g.out_h, g.out_w, g.out_c});
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &os, &y);
    if (rc) return rc;
    const tfc_tensor *bias; /* checked first: BiasAdd refuses a bad bias on an empty value too */
    bool relu, epi = tfc_kctx_epilogue(c, &bias, &relu);
    if (epi && check_bias(c, s, bias, y)) return TFC_INVALID_ARGUMENT;
    if (tfc_tensor_num_elements(y) == 0) return TFC_OK;
    if (g.k_h * g.k_w * g.in_c == 0) { /* an empty sum; BLAS may leave C untouched when k is 0 */
        memset(tfc_tensor_data(y), 0, tfc_tensor_byte_size(y));
        if (epi) apply_bias(s->dt, bias, relu, y);
        return TFC_OK;
    }
    tfc_threadpool *pool = tfc_kctx_pool(c);
    if (s->direct && tfc__nn_direct_fits(&g)) {
        float *sc = tfc__nn_scratch_get(&s->scratch, tfc__nn_direct_fwd_scratch(pool, &g));
        if (!sc) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory for Conv2D");
        tfc__nn_direct_fwd(pool, &g, tfc_tensor_data_const(x), tfc_tensor_data_const(f),
                           epi ? tfc_tensor_data_const(bias) : NULL, relu, tfc_tensor_data(y), sc);
        return TFC_OK;
    }
    tfc__nn_batch_split p;
    if (tfc__nn_conv_split(c, s, &g, 0, &p)) return TFC_RESOURCE_EXHAUSTED;
    conv_job j = {&g,
                  &p,
                  s->dt == TFC_DT_FLOAT,
                  tfc_tensor_data_const(x),
                  tfc_tensor_data_const(f),
                  tfc_tensor_data(y)};
    tfc__nn_conv_run(c, &g, &p, conv_group, &j);
    if (epi) apply_bias(s->dt, bias, relu, y);
    return TFC_OK;
}

const tfc_kernel tfc__kernel_conv2d = {.prepare = tfc__nn_conv_prepare,
                                       .compute = conv2d_compute,
                                       .release = tfc__nn_conv_release,
                                       .fuses_bias_relu = true};
