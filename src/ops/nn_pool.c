/* MaxPool, AvgPool and their gradients (NHWC, float32 and float64), with TF's CPU semantics:
 * padding never wins a max (a window wholly in EXPLICIT padding gives the lowest finite value),
 * an average divides by the number of in-bounds elements only, and MaxPoolGrad recomputes the
 * argmax from orig_input, giving each window's gradient to its first maximum in row-major
 * order. Forward ops split output rows over the pool, gradients split the batch. */
#include <float.h>
#include <string.h>

#include "ops/nn_int.h"

typedef struct pool_state {
    tfc_dtype dt;
    tfc__nn_attrs a;
} pool_state;

static tfc_code pool_prepare(const tfc_node *n, void **state, tfc_status *st) {
    pool_state s;
    if (tfc__nn_float_type(n, "T", &s.dt, st) || tfc__nn_attrs_parse(n, true, &s.a, st))
        return st->code;
    pool_state *p = tfc_malloc(sizeof *p);
    if (!p) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *p = s;
    *state = p;
    return TFC_OK;
}

typedef struct pool_job {
    tfc__nn_geom g;
    const void *x, *dy;
    void *y, *dx;
    bool avg;
    bool relu_grad; /* MaxPoolGrad with a fused ReluGrad: dx = x > 0 ? dx : 0 */
} pool_job;

/* The in-bounds input range [*lo, *hi) of output index o along one dim. */
static inline void window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t in,
                          int64_t *lo, int64_t *hi) {
    int64_t s = o * stride - pad, e = s + k;
    *lo = s < 0 ? 0 : s;
    *hi = e > in ? in : e;
    if (*hi < *lo) *hi = *lo; /* wholly in EXPLICIT padding: empty */
}

/* Forward: task i is output row (n, oh) = (i / out_h, i % out_h). */
#define POOL_ROW(T, LOWEST)                                                                        \
    static void pool_row_##T(const pool_job *j, int64_t i) {                                       \
        const tfc__nn_geom *g = &j->g;                                                             \
        int64_t n = i / g->out_h, oh = i % g->out_h, C = g->in_c, h0, h1, w0, w1;                  \
        window(oh, g->stride_h, g->pad_top, g->k_h, g->in_h, &h0, &h1);                            \
        const T *x = (const T *)j->x + n * g->in_h * g->in_w * C;                                  \
        for (int64_t ow = 0; ow < g->out_w; ow++) {                                                \
            T *y = (T *)j->y + ((n * g->out_h + oh) * g->out_w + ow) * C;                          \
            window(ow, g->stride_w, g->pad_left, g->k_w, g->in_w, &w0, &w1);                       \
            for (int64_t c = 0; c < C; c++) y[c] = j->avg ? 0 : LOWEST;                            \
            for (int64_t h = h0; h < h1; h++)                                                      \
                for (int64_t w = w0; w < w1; w++) {                                                \
                    const T *p = x + (h * g->in_w + w) * C;                                        \
                    if (j->avg)                                                                    \
                        for (int64_t c = 0; c < C; c++) y[c] += p[c];                              \
                    else                                                                           \
                        for (int64_t c = 0; c < C; c++) y[c] = p[c] > y[c] ? p[c] : y[c];          \
                }                                                                                  \
            int64_t count = (h1 - h0) * (w1 - w0);                                                 \
            if (j->avg && count > 0)                                                               \
                for (int64_t c = 0; c < C; c++) y[c] /= (T)count;                                  \
        }                                                                                          \
    }
POOL_ROW(float, -FLT_MAX)
POOL_ROW(double, -DBL_MAX)

static void pool_row_f32(void *ctx, int64_t i) {
    pool_row_float(ctx, i);
}
static void pool_row_f64(void *ctx, int64_t i) {
    pool_row_double(ctx, i);
}

enum { POOL_BLOCK = 64 };
#define POOL_PARALLEL_READS 262144.0

/* MaxPoolGrad of one image when windows do not overlap (stride >= window, as in 2x2/2): each
 * input element is in at most one window, so dx is written once, without a scatter. The window's
 * max m is found as the scan in row-major order with strict > finds it; the first element equal
 * to m gets dy (the first one when m is NaN: only a NaN first element makes m NaN), the rest 0.
 * Channels [c_lo, C) here; the float version does the multiples of 4 with SSE2 first. */
static bool tiles_cover(const tfc__nn_geom *g) {
    return g->pad_top == 0 && g->pad_left == 0 && g->stride_h == g->k_h && g->stride_w == g->k_w &&
           g->out_h * g->k_h == g->in_h && g->out_w * g->k_w == g->in_w;
}

#define MAX_GRAD_TILED(T)                                                                          \
    static void max_grad_tiled_##T(const tfc__nn_geom *g, const T *x, const T *dy, T *dx,          \
                                   int64_t c_lo, bool relu) {                                      \
        int64_t C = g->in_c, h0, h1, w0, w1;                                                       \
        for (int64_t oh = 0; oh < g->out_h; oh++) {                                                \
            window(oh, g->stride_h, g->pad_top, g->k_h, g->in_h, &h0, &h1);                        \
            for (int64_t ow = 0; ow < g->out_w; ow++) {                                            \
                window(ow, g->stride_w, g->pad_left, g->k_w, g->in_w, &w0, &w1);                   \
                if (h1 <= h0 || w1 <= w0) continue;                                                \
                const T *d = dy + (oh * g->out_w + ow) * C;                                        \
                for (int64_t c = c_lo; c < C; c++) {                                               \
                    int64_t first = (h0 * g->in_w + w0) * C + c;                                   \
                    T m = x[first];                                                                \
                    for (int64_t h = h0; h < h1; h++)                                              \
                        for (int64_t w = w0; w < w1; w++) {                                        \
                            T v = x[(h * g->in_w + w) * C + c];                                    \
                            m = v > m ? v : m;                                                     \
                        }                                                                          \
                    bool taken = m != m;                                                           \
                    for (int64_t h = h0; h < h1; h++)                                              \
                        for (int64_t w = w0; w < w1; w++) {                                        \
                            int64_t o = (h * g->in_w + w) * C + c;                                 \
                            bool hit = !taken && x[o] == m;                                        \
                            dx[o] = hit && (!relu || x[o] > 0) ? d[c] : 0;                         \
                            taken |= hit;                                                          \
                        }                                                                          \
                    if (m != m && !relu) dx[first] = d[c]; /* ReluGrad: NaN > 0 is false */        \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }
MAX_GRAD_TILED(float)
MAX_GRAD_TILED(double)

#ifdef __SSE2__
#include <emmintrin.h>
/* Four channels at a time: maxps(v, m) is exactly v > m ? v : m. Returns the first channel left. */
static int64_t max_grad_tiled_sse(const tfc__nn_geom *g, const float *x, const float *dy, float *dx,
                                  bool relu) {
    int64_t C = g->in_c, C4 = C & ~(int64_t)3, h0, h1, w0, w1;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
        window(oh, g->stride_h, g->pad_top, g->k_h, g->in_h, &h0, &h1);
        for (int64_t ow = 0; ow < g->out_w; ow++) {
            window(ow, g->stride_w, g->pad_left, g->k_w, g->in_w, &w0, &w1);
            if (h1 <= h0 || w1 <= w0) continue;
            const float *d = dy + (oh * g->out_w + ow) * C;
            for (int64_t c = 0; c < C4; c += 4) {
                int64_t first = (h0 * g->in_w + w0) * C + c;
                __m128 m = _mm_loadu_ps(x + first), dv = _mm_loadu_ps(d + c),
                       zero = _mm_setzero_ps();
                for (int64_t h = h0; h < h1; h++)
                    for (int64_t w = w0; w < w1; w++)
                        m = _mm_max_ps(_mm_loadu_ps(x + (h * g->in_w + w) * C + c), m);
                __m128 nan = _mm_cmpunord_ps(m, m), taken = nan;
                for (int64_t h = h0; h < h1; h++)
                    for (int64_t w = w0; w < w1; w++) {
                        int64_t o = (h * g->in_w + w) * C + c;
                        __m128 xv = _mm_loadu_ps(x + o);
                        __m128 hit = _mm_andnot_ps(taken, _mm_cmpeq_ps(xv, m));
                        __m128 keep = relu ? _mm_and_ps(hit, _mm_cmpgt_ps(xv, zero)) : hit;
                        _mm_storeu_ps(dx + o, _mm_and_ps(keep, dv));
                        taken = _mm_or_ps(taken, hit);
                    }
                if (relu) continue; /* a NaN first element: ReluGrad zeroes it anyway */
                __m128 f = _mm_loadu_ps(dx + first);
                _mm_storeu_ps(dx + first, _mm_or_ps(_mm_and_ps(nan, dv), _mm_andnot_ps(nan, f)));
            }
        }
    }
    return C4;
}
#endif

static void max_grad_tiled(const tfc__nn_geom *g, bool f32, const void *x, const void *dy, void *dx,
                           bool relu) {
    if (!tiles_cover(g))
        memset(dx, 0,
               (size_t)(g->in_h * g->in_w * g->in_c) * (f32 ? sizeof(float) : sizeof(double)));
    if (!f32) {
        max_grad_tiled_double(g, x, dy, dx, 0, relu);
        return;
    }
    int64_t c_lo = 0;
#ifdef __SSE2__
    c_lo = max_grad_tiled_sse(g, x, dy, dx, relu);
#endif
    if (c_lo < g->in_c) max_grad_tiled_float(g, x, dy, dx, c_lo, relu);
}

/* Gradients: task n is image n; dx is zeroed here. The first maximum in row-major window order
 * gets the gradient (strict >), as before. */
#define POOL_GRAD(T)                                                                               \
    static void pool_grad_##T(const pool_job *j, int64_t n) {                                      \
        const tfc__nn_geom *g = &j->g;                                                             \
        int64_t C = g->in_c, in_img = g->in_h * g->in_w * C, h0, h1, w0, w1;                       \
        const T *x = j->x ? (const T *)j->x + n * in_img : NULL;                                   \
        T *dx = (T *)j->dx + n * in_img;                                                           \
        if (!j->avg && g->stride_h >= g->k_h && g->stride_w >= g->k_w) {                           \
            max_grad_tiled(g, sizeof(T) == 4, x, (const T *)j->dy + n * g->out_h * g->out_w * C,   \
                           dx, j->relu_grad);                                                      \
            return;                                                                                \
        }                                                                                          \
        memset(dx, 0, (size_t)in_img * sizeof(T));                                                 \
        for (int64_t oh = 0; oh < g->out_h; oh++) {                                                \
            window(oh, g->stride_h, g->pad_top, g->k_h, g->in_h, &h0, &h1);                        \
            for (int64_t ow = 0; ow < g->out_w; ow++) {                                            \
                window(ow, g->stride_w, g->pad_left, g->k_w, g->in_w, &w0, &w1);                   \
                const T *dy = (const T *)j->dy + ((n * g->out_h + oh) * g->out_w + ow) * C;        \
                int64_t count = (h1 - h0) * (w1 - w0);                                             \
                if (count <= 0) continue;                                                          \
                if (j->avg) {                                                                      \
                    for (int64_t h = h0; h < h1; h++)                                              \
                        for (int64_t w = w0; w < w1; w++) {                                        \
                            T *p = dx + (h * g->in_w + w) * C;                                     \
                            for (int64_t c = 0; c < C; c++) p[c] += dy[c] / (T)count;              \
                        }                                                                          \
                    continue;                                                                      \
                }                                                                                  \
                /* channels innermost, in blocks: contiguous loads a compiler can vectorize        \
                 * (per channel over the window, the strided scan was 9% of a CNN step) */         \
                for (int64_t c0 = 0; c0 < C; c0 += POOL_BLOCK) {                                   \
                    int64_t cn = C - c0 < POOL_BLOCK ? C - c0 : POOL_BLOCK;                        \
                    T bv[POOL_BLOCK];                                                              \
                    int64_t bi[POOL_BLOCK];                                                        \
                    const T *first = x + (h0 * g->in_w + w0) * C + c0;                             \
                    for (int64_t c = 0; c < cn; c++) bv[c] = first[c], bi[c] = h0 * g->in_w + w0;  \
                    for (int64_t h = h0; h < h1; h++)                                              \
                        for (int64_t w = w0; w < w1; w++) {                                        \
                            int64_t pos = h * g->in_w + w;                                         \
                            const T *xp = x + pos * C + c0;                                        \
                            for (int64_t c = 0; c < cn; c++)                                       \
                                if (xp[c] > bv[c]) bv[c] = xp[c], bi[c] = pos;                     \
                        }                                                                          \
                    for (int64_t c = 0; c < cn; c++) dx[bi[c] * C + c0 + c] += dy[c0 + c];         \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        if (j->relu_grad)                                                                          \
            for (int64_t i = 0; i < in_img; i++) dx[i] = x[i] > 0 ? dx[i] : 0;                     \
    }
POOL_GRAD(float)
POOL_GRAD(double)

static void pool_grad_f32(void *ctx, int64_t n) {
    pool_grad_float(ctx, n);
}
static void pool_grad_f64(void *ctx, int64_t n) {
    pool_grad_double(ctx, n);
}

/* The geometry for a rank-4 input of the state's dtype; fails naming `what`. */
static tfc_code pool_geom(tfc_kernel_ctx *c, const pool_state *s, const tfc_tensor *x,
                          const int64_t dims[4], const char *what, tfc__nn_geom *g) {
    char buf[96];
    if (x && tfc_tensor_dtype(x) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be %s, got %s", what,
                             tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(x)));
    if (x && tfc_tensor_rank(x) != 4)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be 4-dimensional, got shape %s",
                             what, tfc_shape_to_string(tfc_tensor_shape(x), buf, sizeof buf));
    tfc_status st = {0};
    if (tfc__nn_geom_make(&s->a, dims[0], dims[1], dims[2], dims[3], s->a.k_h, s->a.k_w, dims[3], g,
                          &st))
        return tfc_kctx_fail(c, st.code, "%s", st.msg);
    return TFC_OK;
}

/* Checks that t (what) has the pooled output's shape. */
static tfc_code check_out_shape(tfc_kernel_ctx *c, const pool_state *s, const tfc__nn_geom *g,
                                const tfc_tensor *t, const char *what) {
    tfc_shape want = tfc_shape_make(4, (int64_t[]){g->n, g->out_h, g->out_w, g->in_c});
    char a[96], b[96];
    if (tfc_tensor_dtype(t) != s->dt || !tfc_shape_equal(tfc_tensor_shape(t), &want))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be %s %s, got %s %s", what,
                             tfc_dtype_name(s->dt), tfc_shape_to_string(&want, a, sizeof a),
                             tfc_dtype_name(tfc_tensor_dtype(t)),
                             tfc_shape_to_string(tfc_tensor_shape(t), b, sizeof b));
    return TFC_OK;
}

static tfc_code pool_forward(tfc_kernel_ctx *c, void *state, bool avg) {
    const pool_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    pool_job j = {.avg = avg, .x = tfc_tensor_data_const(x)};
    int64_t d[4];
    for (int k = 0; k < 4; k++) d[k] = tfc_tensor_dim(x, k);
    if (pool_geom(c, s, x, d, "input", &j.g)) return TFC_INVALID_ARGUMENT;
    tfc_shape os = tfc_shape_make(4, (int64_t[]){j.g.n, j.g.out_h, j.g.out_w, j.g.in_c});
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &os, &y);
    if (rc) return rc;
    j.y = tfc_tensor_data(y);
    /* A small pool (batch-1 inference: 14x14x32 outputs) costs less than waking a thread. */
    double reads = (double)tfc_tensor_num_elements(y) * (double)(j.g.k_h * j.g.k_w);
    tfc__nn_parallel(reads < POOL_PARALLEL_READS ? NULL : tfc_kctx_pool(c), j.g.n * j.g.out_h,
                     s->dt == TFC_DT_FLOAT ? pool_row_f32 : pool_row_f64, &j);
    return TFC_OK;
}

static tfc_code max_pool_compute(tfc_kernel_ctx *c, void *state) {
    return pool_forward(c, state, false);
}

static tfc_code avg_pool_compute(tfc_kernel_ctx *c, void *state) {
    return pool_forward(c, state, true);
}

static tfc_code run_grad(tfc_kernel_ctx *c, const pool_state *s, pool_job *j) {
    tfc_shape xs = tfc_shape_make(4, (int64_t[]){j->g.n, j->g.in_h, j->g.in_w, j->g.in_c});
    tfc_tensor *dx;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &xs, &dx);
    if (rc) return rc;
    j->dx = tfc_tensor_data(dx);
    tfc__nn_parallel(tfc_kctx_pool(c), j->g.n,
                     s->dt == TFC_DT_FLOAT ? pool_grad_f32 : pool_grad_f64, j);
    return TFC_OK;
}

static tfc_code max_pool_grad_compute(tfc_kernel_ctx *c, void *state) {
    const pool_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1),
                     *dy = tfc_kctx_input(c, 2);
    pool_job j = {.x = tfc_tensor_data_const(x),
                  .dy = tfc_tensor_data_const(dy),
                  .relu_grad = tfc_kctx_relu_grad_fused(c)};
    int64_t d[4];
    for (int k = 0; k < 4; k++) d[k] = tfc_tensor_dim(x, k);
    if (pool_geom(c, s, x, d, "orig_input", &j.g) ||
        check_out_shape(c, s, &j.g, y, "orig_output") || check_out_shape(c, s, &j.g, dy, "grad"))
        return TFC_INVALID_ARGUMENT;
    return run_grad(c, s, &j);
}

static tfc_code avg_pool_grad_compute(tfc_kernel_ctx *c, void *state) {
    const pool_state *s = state;
    const tfc_tensor *shape = tfc_kctx_input(c, 0), *dy = tfc_kctx_input(c, 1);
    if (tfc_tensor_dtype(shape) != TFC_DT_INT32 || tfc_tensor_rank(shape) != 1 ||
        tfc_tensor_num_elements(shape) != 4)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "orig_input_shape must be an int32 vector of 4 sizes");
    const int32_t *v = tfc_tensor_data_const(shape);
    int64_t d[4];
    for (int k = 0; k < 4; k++) {
        if (v[k] < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "orig_input_shape[%d] is negative: %d", k,
                                 (int)v[k]);
        d[k] = v[k];
    }
    pool_job j = {.avg = true, .dy = tfc_tensor_data_const(dy)};
    if (pool_geom(c, s, NULL, d, "orig_input_shape", &j.g) ||
        check_out_shape(c, s, &j.g, dy, "grad"))
        return TFC_INVALID_ARGUMENT;
    return run_grad(c, s, &j);
}

const tfc_kernel tfc__kernel_max_pool = {.prepare = pool_prepare, .compute = max_pool_compute};
const tfc_kernel tfc__kernel_avg_pool = {.prepare = pool_prepare, .compute = avg_pool_compute};
const tfc_kernel tfc__kernel_max_pool_grad = {
    .prepare = pool_prepare, .compute = max_pool_grad_compute, .fuses_relu_grad = true};
const tfc_kernel tfc__kernel_avg_pool_grad = {.prepare = pool_prepare,
                                              .compute = avg_pool_grad_compute};
