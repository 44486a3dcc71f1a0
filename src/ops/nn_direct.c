/* Direct float32 convolution for NHWC with AVX2 + FMA: Conv2D and its two gradients without a
 * patch matrix. im2col + OpenBLAS spent a quarter of the tutorial CNN's training step copying
 * (im2col 6%, OpenBLAS packing the patch matrix again 18%, scaling C 3%: perf, bench_train 1t);
 * here each image is copied once into a zero-padded buffer and the register tiles read the
 * filter rows' inputs straight from it.
 *
 * With dil_w == 1 a window row's k_w * C inputs are contiguous in the padded image, so
 *   forward:  y[p][o] = sum_kh sum_j xp[pix(p) + kh * row + j] * w[kh][j][o]   (j < k_w * C)
 *   filter:   dw[kh][j][o] = sum_p xp[pix(p) + kh * row + j] * dy[p][o]
 *   input:    (stride 1) the forward convolution of the padded dy with the filter turned
 *             180 degrees and its channel axes swapped.
 * Tiles are 6 pixels (forward) or 6 filter rows (filter gradient) by 16 output channels: 12 ymm
 * accumulators. The batch is split over the pool by images; a batch smaller than the pool splits
 * each image's pixel tiles instead (batch-1 latency). */
#include <immintrin.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ops/nn_int.h"

#define TGT __attribute__((target("avx2,fma")))
#define SLACK 16 /* floats after a padded image: a tail tile's unused lanes may read there */

/* Decided once (sessions in several threads may plan at once: the cache is atomic). */
bool tfc__nn_direct_available(void) {
    static _Atomic int ok = -1;
    int v = atomic_load_explicit(&ok, memory_order_relaxed);
    if (v < 0) {
        const char *e = getenv("TFC_CONV_IMPL");
        v = !(e && strcmp(e, "gemm") == 0) && __builtin_cpu_supports("avx2") &&
            __builtin_cpu_supports("fma");
        atomic_store_explicit(&ok, v, memory_order_relaxed);
    }
    return v;
}

/* ---- Register tiles ---- */

/* Lane masks for the n < 16 output channels of a tail tile. */
static TGT void masks(int64_t n, __m256i *m0, __m256i *m1) {
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    *m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), idx);
    *m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n - 8), idx);
}

#define LOAD2(p, b0, b1)                                                                           \
    do {                                                                                           \
        if (masked) {                                                                              \
            b0 = _mm256_maskload_ps(p, m0);                                                        \
            b1 = _mm256_maskload_ps((p) + 8, m1);                                                  \
        } else {                                                                                   \
            b0 = _mm256_loadu_ps(p);                                                               \
            b1 = _mm256_loadu_ps((p) + 8);                                                         \
        }                                                                                          \
    } while (0)

#define FMA_ROW(r, src)                                                                            \
    do {                                                                                           \
        __m256 a_ = _mm256_broadcast_ss(src);                                                      \
        c##r##0 = _mm256_fmadd_ps(a_, b0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(a_, b1, c##r##1);                                                \
    } while (0)

#define STORE_ROW(r, dst)                                                                          \
    do {                                                                                           \
        if (masked) {                                                                              \
            _mm256_maskstore_ps(dst, m0, c##r##0);                                                 \
            _mm256_maskstore_ps((dst) + 8, m1, c##r##1);                                           \
        } else {                                                                                   \
            _mm256_storeu_ps(dst, c##r##0);                                                        \
            _mm256_storeu_ps((dst) + 8, c##r##1);                                                  \
        }                                                                                          \
    } while (0)

#define ZERO12()                                                                                   \
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,       \
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00

/* y[r][0..n) = sum over kh < kh_n, j < len of a[r][kh * row + j] * w[(kh * len + j) * ldw + ..],
 * for the 6 pixels whose window starts are a[0..5]; only the first `rows` are stored, at
 * y + r * ldy. n is 16 unless masked. */
#define EPI_ROW(r)                                                                                 \
    (c##r##0 = _mm256_add_ps(c##r##0, e0), c##r##1 = _mm256_add_ps(c##r##1, e1),                   \
     c##r##0 = relu ? _mm256_max_ps(zero, c##r##0) : c##r##0,                                      \
     c##r##1 = relu ? _mm256_max_ps(zero, c##r##1) : c##r##1)

/* A tile's epilogue: + the bias of its 16 channels, then Relu when relu (max(0, v) keeps NaN, as
 * Relu's v < 0 ? 0 : v does). */
typedef struct epilogue {
    const float *bias; /* NULL: none */
    bool relu;
} epilogue;

static inline __attribute__((always_inline)) TGT void
fwd_tile(const float *const a[6], int64_t row, int64_t kh_n, int64_t len, const float *w,
         int64_t ldw, float *y, int64_t ldy, int rows, bool masked, __m256i m0, __m256i m1,
         const epilogue *ep) {
    bool epi = ep->bias != NULL, relu = ep->relu;
    __m256 e0 = _mm256_setzero_ps(), e1 = e0, zero = e0;
    if (epi) LOAD2(ep->bias, e0, e1);
    ZERO12();
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
    for (int64_t kh = 0; kh < kh_n; kh++) {
        const float *wk = w + kh * len * ldw;
        for (int64_t j = 0; j < len; j++, wk += ldw) {
            __m256 b0, b1;
            LOAD2(wk, b0, b1);
            FMA_ROW(0, a0 + j);
            FMA_ROW(1, a1 + j);
            FMA_ROW(2, a2 + j);
            FMA_ROW(3, a3 + j);
            FMA_ROW(4, a4 + j);
            FMA_ROW(5, a5 + j);
        }
        a0 += row, a1 += row, a2 += row, a3 += row, a4 += row, a5 += row;
    }
    if (epi) { /* a fused BiasAdd (and Relu) */
        EPI_ROW(0), EPI_ROW(1), EPI_ROW(2), EPI_ROW(3), EPI_ROW(4), EPI_ROW(5);
    }
    STORE_ROW(0, y);
    if (rows > 1) STORE_ROW(1, y + ldy);
    if (rows > 2) STORE_ROW(2, y + 2 * ldy);
    if (rows > 3) STORE_ROW(3, y + 3 * ldy);
    if (rows > 4) STORE_ROW(4, y + 4 * ldy);
    if (rows > 5) STORE_ROW(5, y + 5 * ldy);
}

static TGT void fwd_tile_full(const float *const a[6], int64_t row, int64_t kh_n, int64_t len,
                              const float *w, int64_t ldw, float *y, int64_t ldy, int rows,
                              const epilogue *ep) {
    __m256i z = _mm256_setzero_si256();
    fwd_tile(a, row, kh_n, len, w, ldw, y, ldy, rows, false, z, z, ep);
}

static TGT void fwd_tile_masked(const float *const a[6], int64_t row, int64_t kh_n, int64_t len,
                                const float *w, int64_t ldw, float *y, int64_t ldy, int rows,
                                int64_t n, const epilogue *ep) {
    __m256i m0, m1;
    masks(n, &m0, &m1);
    fwd_tile(a, row, kh_n, len, w, ldw, y, ldy, rows, true, m0, m1, ep);
}

/* dw[r][0..n) += sum over the P pixels of x[off[p] + r] * dy[p][0..n) for r < 6, storing the
 * first `rows` rows of dw (leading dimension ldw); dy's pixel rows ldd apart. One loop over all
 * pixels through an offset table: a loop per output row (14 pixels in the CNN's conv2)
 * mispredicted its exit every 14 iterations. */
static inline __attribute__((always_inline)) TGT void
filt_tile(const float *x, const int64_t *off, int64_t P, const float *dy, int64_t ldd, float *dw,
          int64_t ldw, int rows, bool masked, __m256i m0, __m256i m1) {
    __m256 b0, b1, c00, c01;
    LOAD2(dw, c00, c01);
    __m256 c10 = _mm256_setzero_ps(), c11 = c10, c20 = c10, c21 = c10, c30 = c10, c31 = c10,
           c40 = c10, c41 = c10, c50 = c10, c51 = c10;
    if (rows > 1) LOAD2(dw + ldw, c10, c11);
    if (rows > 2) LOAD2(dw + 2 * ldw, c20, c21);
    if (rows > 3) LOAD2(dw + 3 * ldw, c30, c31);
    if (rows > 4) LOAD2(dw + 4 * ldw, c40, c41);
    if (rows > 5) LOAD2(dw + 5 * ldw, c50, c51);
    for (int64_t p = 0; p < P; p++, dy += ldd) {
        const float *xp = x + off[p];
        LOAD2(dy, b0, b1);
        FMA_ROW(0, xp);
        FMA_ROW(1, xp + 1);
        FMA_ROW(2, xp + 2);
        FMA_ROW(3, xp + 3);
        FMA_ROW(4, xp + 4);
        FMA_ROW(5, xp + 5);
    }
    STORE_ROW(0, dw);
    if (rows > 1) STORE_ROW(1, dw + ldw);
    if (rows > 2) STORE_ROW(2, dw + 2 * ldw);
    if (rows > 3) STORE_ROW(3, dw + 3 * ldw);
    if (rows > 4) STORE_ROW(4, dw + 4 * ldw);
    if (rows > 5) STORE_ROW(5, dw + 5 * ldw);
}

static TGT void filt_tile_full(const float *x, const int64_t *off, int64_t P, const float *dy,
                               int64_t ldd, float *dw, int64_t ldw, int rows) {
    __m256i z = _mm256_setzero_si256();
    filt_tile(x, off, P, dy, ldd, dw, ldw, rows, false, z, z);
}

static TGT void filt_tile_masked(const float *x, const int64_t *off, int64_t P, const float *dy,
                                 int64_t ldd, float *dw, int64_t ldw, int rows, int64_t n) {
    __m256i m0, m1;
    masks(n, &m0, &m1);
    filt_tile(x, off, P, dy, ldd, dw, ldw, rows, true, m0, m1);
}

/* ---- Padded images ---- */

/* The padded image of g's geometry: padded row r, column q hold input (r - pad_top, q -
 * pad_left), zero outside; big enough for every window of the output. */
static int64_t pad_h(const tfc__nn_geom *g) {
    return (g->out_h - 1) * g->stride_h + (g->k_h - 1) * g->dil_h + 1;
}
static int64_t pad_w(const tfc__nn_geom *g) {
    return (g->out_w - 1) * g->stride_w + g->k_w;
}
static int64_t pad_elems(const tfc__nn_geom *g) {
    return pad_h(g) * pad_w(g) * g->in_c + SLACK;
}

/* Whether g's padded image has at most 2^30 elements, computed without overflow: hostile
 * geometries (a huge dilation with SAME padding) get the im2col path, which allocates by the
 * output instead. */
static bool pad_fits(const tfc__nn_geom *g) {
    int64_t h, w, e, hw, all;
    if (__builtin_mul_overflow(g->out_h - 1, g->stride_h, &h) ||
        __builtin_mul_overflow(g->k_h - 1, g->dil_h, &e) || __builtin_add_overflow(h, e + 1, &h) ||
        __builtin_mul_overflow(g->out_w - 1, g->stride_w, &w) ||
        __builtin_add_overflow(w, g->k_w, &w) || __builtin_mul_overflow(h, w, &hw) ||
        __builtin_mul_overflow(hw, g->in_c, &all))
        return false;
    return all <= ((int64_t)1 << 30);
}

static void pad_image(const tfc__nn_geom *g, const float *img, float *out) {
    int64_t H = pad_h(g), W = pad_w(g), C = g->in_c;
    int64_t lo = g->pad_left < 0 ? 0 : g->pad_left; /* first padded column with input */
    int64_t hi = g->in_w + g->pad_left;             /* one past the last */
    if (lo > W) lo = W; /* explicit padding wider than the columns the windows reach */
    if (hi > W) hi = W;
    if (hi < lo) hi = lo;
    for (int64_t r = 0; r < H; r++) {
        float *o = out + r * W * C;
        int64_t ir = r - g->pad_top;
        if (ir < 0 || ir >= g->in_h) {
            memset(o, 0, (size_t)(W * C) * sizeof *o);
            continue;
        }
        memset(o, 0, (size_t)(lo * C) * sizeof *o);
        if (hi > lo)
            memcpy(o + lo * C, img + (ir * g->in_w + lo - g->pad_left) * C,
                   (size_t)((hi - lo) * C) * sizeof *o);
        memset(o + hi * C, 0, (size_t)((W - hi) * C) * sizeof *o);
    }
    memset(out + H * W * C, 0, SLACK * sizeof *out);
}

/* ---- Forward ---- */

#define TILE 6

typedef struct fwd_job {
    const tfc__nn_geom *g;
    const float *x, *w, *bias;
    bool relu;
    float *y, *scratch;
    int64_t parts, tiles, chunks; /* chunks: per image, when the batch is smaller than parts */
} fwd_job;

/* Pixel tiles [t0, t1) of image i from its padded copy xp. */
static void fwd_tiles(const fwd_job *j, const float *xp, float *y, int64_t t0, int64_t t1) {
    const tfc__nn_geom *g = j->g;
    const float *w = j->w;
    int64_t C = g->in_c, W = pad_w(g), N = g->out_c, P = g->out_h * g->out_w;
    int64_t len = g->k_w * C, row = g->dil_h * W * C;
    for (int64_t t = t0; t < t1; t++) {
        int64_t p0 = t * TILE, rows = P - p0 < TILE ? P - p0 : TILE;
        const float *a[TILE];
        for (int r = 0; r < TILE; r++) {
            int64_t p = p0 + (r < rows ? r : rows - 1), oh = p / g->out_w, ow = p % g->out_w;
            a[r] = xp + (oh * g->stride_h * W + ow * g->stride_w) * C;
        }
        float *yt = y + p0 * N;
        for (int64_t n0 = 0; n0 < N; n0 += 16) {
            epilogue ep = {j->bias ? j->bias + n0 : NULL, j->relu};
            if (N - n0 >= 16)
                fwd_tile_full(a, row, g->k_h, len, w + n0, N, yt + n0, N, (int)rows, &ep);
            else
                fwd_tile_masked(a, row, g->k_h, len, w + n0, N, yt + n0, N, (int)rows, N - n0, &ep);
        }
    }
}

static void fwd_part(void *ctx, int64_t part) {
    const fwd_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    int64_t in_img = g->in_h * g->in_w * g->in_c, out_img = g->out_h * g->out_w * g->out_c;
    float *xp = j->scratch + part * pad_elems(g);
    for (int64_t i = g->n * part / j->parts; i < g->n * (part + 1) / j->parts; i++) {
        pad_image(g, j->x + i * in_img, xp);
        fwd_tiles(j, xp, j->y + i * out_img, 0, j->tiles);
    }
}

static void fwd_chunk(void *ctx, int64_t u) {
    const fwd_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    int64_t i = u / j->chunks, c = u % j->chunks;
    fwd_tiles(j, j->scratch + i * pad_elems(g), j->y + i * g->out_h * g->out_w * g->out_c,
              j->tiles * c / j->chunks, j->tiles * (c + 1) / j->chunks);
}

size_t tfc__nn_direct_fwd_scratch(tfc_threadpool *pool, const tfc__nn_geom *g) {
    int64_t parts = tfc__nn_num_parts(pool, INT64_MAX);
    int64_t bufs = g->n >= parts ? parts : g->n;
    return (size_t)(bufs * pad_elems(g)) * sizeof(float);
}

void tfc__nn_direct_fwd(tfc_threadpool *pool, const tfc__nn_geom *g, const float *x, const float *w,
                        const float *bias, bool relu, float *y, float *scratch) {
    int64_t parts = tfc__nn_num_parts(pool, INT64_MAX), P = g->out_h * g->out_w;
    fwd_job j = {g, x, w, bias, relu, y, scratch, 0, (P + TILE - 1) / TILE, 1};
    if (g->n >= parts) {
        j.parts = tfc__nn_num_parts(pool, g->n);
        tfc__nn_parallel(pool, j.parts, fwd_part, &j);
        return;
    }
    /* Fewer images than threads: pad them all, then split each image's tiles. */
    int64_t in_img = g->in_h * g->in_w * g->in_c;
    for (int64_t i = 0; i < g->n; i++) pad_image(g, x + i * in_img, scratch + i * pad_elems(g));
    j.chunks = (parts + g->n - 1) / g->n;
    if (j.chunks > j.tiles) j.chunks = j.tiles;
    tfc__nn_parallel(pool, g->n * j.chunks, fwd_chunk, &j);
}

/* ---- Input gradient (stride 1) ---- */

bool tfc__nn_direct_fits(const tfc__nn_geom *g) {
    return g->dil_w == 1 && pad_fits(g);
}

static tfc__nn_geom bp_input_geom(const tfc__nn_geom *g);

bool tfc__nn_direct_bp_input_fits(const tfc__nn_geom *g) {
    if (g->stride_h != 1 || g->stride_w != 1 || g->dil_w != 1) return false;
    tfc__nn_geom b = bp_input_geom(g);
    return pad_fits(&b);
}

/* The forward geometry that computes dx from dy: dy is the input (out_c channels), the turned
 * filter maps them to in_c, and dx's rows are its output rows. dx row ih takes dy rows
 * ih + pad_top - kh * dil_h, i.e. padded row ih + kh' * dil_h of a dy padded by
 * (k_h - 1) * dil_h - pad_top on top (kh' = k_h - 1 - kh); columns likewise. */
static tfc__nn_geom bp_input_geom(const tfc__nn_geom *g) {
    tfc__nn_geom b = *g;
    b.in_h = g->out_h, b.in_w = g->out_w, b.in_c = g->out_c, b.out_c = g->in_c;
    b.out_h = g->in_h, b.out_w = g->in_w;
    b.pad_top = (g->k_h - 1) * g->dil_h - g->pad_top;
    b.pad_left = g->k_w - 1 - g->pad_left;
    return b;
}

size_t tfc__nn_direct_bp_input_scratch(tfc_threadpool *pool, const tfc__nn_geom *g) {
    tfc__nn_geom b = bp_input_geom(g);
    return tfc__nn_direct_fwd_scratch(pool, &b) +
           (size_t)(g->k_h * g->k_w * g->in_c * g->out_c) * sizeof(float);
}

void tfc__nn_direct_bp_input(tfc_threadpool *pool, const tfc__nn_geom *g, const float *w,
                             const float *dy, float *dx, float *scratch) {
    tfc__nn_geom b = bp_input_geom(g);
    float *wt = scratch; /* [kh'][kw'][out_c][in_c] = w[k_h-1-kh'][k_w-1-kw'][in_c][out_c] */
    int64_t KH = g->k_h, KW = g->k_w, C = g->in_c, N = g->out_c;
    for (int64_t kh = 0; kh < KH; kh++)
        for (int64_t kw = 0; kw < KW; kw++) {
            const float *src = w + ((KH - 1 - kh) * KW + (KW - 1 - kw)) * C * N;
            float *dst = wt + (kh * KW + kw) * N * C;
            for (int64_t c = 0; c < C; c++)
                for (int64_t o = 0; o < N; o++) dst[o * C + c] = src[c * N + o];
        }
    tfc__nn_direct_fwd(pool, &b, dy, wt, NULL, false, dx, scratch + KH * KW * C * N);
}

/* ---- Filter gradient ---- */

typedef struct filt_job {
    const tfc__nn_geom *g;
    const float *x, *dy;
    const int64_t *off; /* per output pixel: its window's start in the padded image */
    float *scratch;     /* per part: the padded image, then its partial gradient */
    int64_t parts;
} filt_job;

static int64_t filt_part_elems(const tfc__nn_geom *g) {
    return pad_elems(g) + g->k_h * g->k_w * g->in_c * g->out_c;
}

static void filt_part(void *ctx, int64_t part) {
    const filt_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    int64_t C = g->in_c, N = g->out_c, W = pad_w(g), len = g->k_w * C;
    int64_t in_img = g->in_h * g->in_w * C, out_img = g->out_h * g->out_w * N,
            P = g->out_h * g->out_w;
    float *xp = j->scratch + part * filt_part_elems(g), *dw = xp + pad_elems(g);
    memset(dw, 0, (size_t)(g->k_h * len * N) * sizeof *dw);
    for (int64_t i = g->n * part / j->parts; i < g->n * (part + 1) / j->parts; i++) {
        pad_image(g, j->x + i * in_img, xp);
        const float *dyi = j->dy + i * out_img;
        /* output channels outermost: a block of 16 channels of dy (P x 64 bytes) stays in L1
         * while every filter row takes its turn */
        for (int64_t n0 = 0; n0 < N; n0 += 16)
            for (int64_t kh = 0; kh < g->k_h; kh++) {
                const float *xk = xp + kh * g->dil_h * W * C;
                for (int64_t j0 = 0; j0 < len; j0 += TILE) {
                    int rows = (int)(len - j0 < TILE ? len - j0 : TILE);
                    float *d = dw + (kh * len + j0) * N + n0;
                    if (N - n0 >= 16)
                        filt_tile_full(xk + j0, j->off, P, dyi + n0, N, d, N, rows);
                    else
                        filt_tile_masked(xk + j0, j->off, P, dyi + n0, N, d, N, rows, N - n0);
                }
            }
    }
}

/* The pixel offset table's bytes in front of the parts (whole cache lines). */
static size_t off_bytes(const tfc__nn_geom *g) {
    return ((size_t)(g->out_h * g->out_w) * sizeof(int64_t) + 63) / 64 * 64;
}

size_t tfc__nn_direct_bp_filter_scratch(tfc_threadpool *pool, const tfc__nn_geom *g) {
    return off_bytes(g) +
           (size_t)(tfc__nn_num_parts(pool, g->n) * filt_part_elems(g)) * sizeof(float);
}

void tfc__nn_direct_bp_filter(tfc_threadpool *pool, const tfc__nn_geom *g, const float *x,
                              const float *dy, float *dw, float *scratch_block) {
    int64_t *off = (int64_t *)(void *)scratch_block, W = pad_w(g), C = g->in_c;
    for (int64_t oh = 0, p = 0; oh < g->out_h; oh++)
        for (int64_t ow = 0; ow < g->out_w; ow++, p++)
            off[p] = (oh * g->stride_h * W + ow * g->stride_w) * C;
    float *scratch = (float *)(void *)((char *)scratch_block + off_bytes(g));
    filt_job j = {g, x, dy, off, scratch, tfc__nn_num_parts(pool, g->n)};
    tfc__nn_parallel(pool, j.parts, filt_part, &j);
    /* The parts' partial sums, added in part order (deterministic for a thread count). */
    int64_t fe = g->k_h * g->k_w * g->in_c * g->out_c;
    const float *p0 = scratch + pad_elems(g);
    memcpy(dw, p0, (size_t)fe * sizeof *dw);
    for (int64_t q = 1; q < j.parts; q++) {
        const float *pq = p0 + q * filt_part_elems(g);
        for (int64_t i = 0; i < fe; i++) dw[i] += pq[i];
    }
}
