/* BiasAdd and BiasAddGrad in NHWC (channels last, any rank >= 2) and NCHW (channels at dim 1,
 * rank >= 3), float32 and float64. BiasAddGrad sums in double per part of the batch, then adds the
 * parts in order, so its result depends on the thread count only through that final sum. */
#include <string.h>

#include "ops/nn_int.h"

#define GRAIN 16384 /* elements per task */

typedef struct bias_state {
    tfc_dtype dt;
    bool nchw;
    tfc__nn_scratch partial; /* BiasAddGrad: parts x channels doubles */
} bias_state;

static tfc_code bias_prepare(const tfc_node *n, void **state, tfc_status *st) {
    tfc_dtype dt;
    const char *df;
    size_t len;
    if (tfc__nn_float_type(n, "T", &dt, st) ||
        tfc_node_attr_string(n, "data_format", &df, &len, st))
        return st->code;
    bias_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    s->dt = dt;
    s->nchw = len == 4 && !memcmp(df, "NCHW", 4);
    *state = s;
    return TFC_OK;
}

static void bias_release(void *state) {
    bias_state *s = state;
    if (s) tfc__nn_scratch_free(&s->partial);
    tfc_free(s);
}

/* The value viewed as [outer, channels, inner]: NHWC has inner 1, NCHW outer = batch. */
typedef struct bias_view {
    int64_t outer, channels, inner;
} bias_view;

static tfc_code bias_view_of(tfc_kernel_ctx *c, const bias_state *s, const tfc_tensor *x,
                             const char *what, bias_view *v) {
    int r = tfc_tensor_rank(x), min = s->nchw ? 3 : 2;
    char buf[96];
    if (tfc_tensor_dtype(x) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be %s, got %s", what,
                             tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(x)));
    if (r < min)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be at least rank %d, got shape %s",
                             what, min, tfc_shape_to_string(tfc_tensor_shape(x), buf, sizeof buf));
    int cd = s->nchw ? 1 : r - 1;
    v->outer = 1, v->inner = 1, v->channels = tfc_tensor_dim(x, cd);
    for (int k = 0; k < cd; k++) v->outer *= tfc_tensor_dim(x, k);
    for (int k = cd + 1; k < r; k++) v->inner *= tfc_tensor_dim(x, k);
    return TFC_OK;
}

typedef struct bias_job {
    const bias_state *s;
    bias_view v;
    const void *x, *b;
    void *y;
    double *partial;     /* BiasAddGrad */
    int64_t rows, parts; /* rows = outer * channels for NCHW, outer for NHWC */
} bias_job;

/* BiasAdd over rows [lo, hi): an NHWC row is one channel vector; an NCHW row is one (n, c)
 * plane of `inner` elements. */
#define BIAS_ADD_ROWS(T)                                                                           \
    static void bias_add_rows_##T(const bias_job *j, int64_t lo, int64_t hi) {                     \
        const T *x = j->x, *b = j->b;                                                              \
        T *y = j->y;                                                                               \
        int64_t C = j->v.channels, I = j->v.inner;                                                 \
        for (int64_t r = lo; r < hi; r++) {                                                        \
            if (j->s->nchw) {                                                                      \
                T bv = b[r % C];                                                                   \
                for (int64_t i = 0; i < I; i++) y[r * I + i] = x[r * I + i] + bv;                  \
            } else {                                                                               \
                for (int64_t ch = 0; ch < C; ch++) y[r * C + ch] = x[r * C + ch] + b[ch];          \
            }                                                                                      \
        }                                                                                          \
    }
BIAS_ADD_ROWS(float)
BIAS_ADD_ROWS(double)

static void bias_add_part(void *ctx, int64_t part) {
    const bias_job *j = ctx;
    int64_t lo = j->rows * part / j->parts, hi = j->rows * (part + 1) / j->parts;
    if (j->s->dt == TFC_DT_FLOAT)
        bias_add_rows_float(j, lo, hi);
    else
        bias_add_rows_double(j, lo, hi);
}

static tfc_code bias_add_compute(tfc_kernel_ctx *c, void *state) {
    bias_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *b = tfc_kctx_input(c, 1);
    bias_job j = {.s = s};
    char buf[96];
    if (bias_view_of(c, s, x, "value", &j.v)) return TFC_INVALID_ARGUMENT;
    if (tfc_tensor_dtype(b) != s->dt || tfc_tensor_rank(b) != 1 ||
        tfc_tensor_dim(b, 0) != j.v.channels)
        return tfc_kctx_fail(
            c, TFC_INVALID_ARGUMENT,
            "Must provide as many biases as the %s dimension of the input "
            "tensor: bias is %s %s, value has %lld channels",
            s->nchw ? "channel (NCHW dim 1)" : "last", tfc_dtype_name(tfc_tensor_dtype(b)),
            tfc_shape_to_string(tfc_tensor_shape(b), buf, sizeof buf), (long long)j.v.channels);
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, tfc_tensor_shape(x), &y);
    if (rc) return rc;
    j.x = tfc_tensor_data_const(x), j.b = tfc_tensor_data_const(b), j.y = tfc_tensor_data(y);
    j.rows = s->nchw ? j.v.outer * j.v.channels : j.v.outer;
    int64_t row_elems = s->nchw ? j.v.inner : j.v.channels;
    j.parts = tfc__nn_num_parts(tfc_kctx_pool(c), (j.rows * row_elems + GRAIN - 1) / GRAIN);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, bias_add_part, &j);
    return TFC_OK;
}

/* BiasAddGrad: part p sums outer rows [lo, hi) into partial[p * channels ...]. */
enum { GRAD_BLOCK = 64, GRAD_ROWS = 32 };

/* NHWC (inner 1): rows are added channel-wise in the element type, GRAD_ROWS at a time, and each
 * block's sums into the double accumulator: loops over contiguous channels that vectorize (one
 * channel at a time was 3% of a CNN training step). */
#define BIAS_GRAD_LAST(T)                                                                          \
    static void bias_grad_last_##T(const T *x, int64_t C, int64_t lo, int64_t hi, double *acc) {   \
        T blk[GRAD_BLOCK];                                                                         \
        for (int64_t c0 = 0; c0 < C; c0 += GRAD_BLOCK) {                                           \
            int64_t cn = C - c0 < GRAD_BLOCK ? C - c0 : GRAD_BLOCK;                                \
            for (int64_t o0 = lo; o0 < hi; o0 += GRAD_ROWS) {                                      \
                int64_t o1 = hi - o0 < GRAD_ROWS ? hi : o0 + GRAD_ROWS;                            \
                for (int64_t c = 0; c < cn; c++) blk[c] = 0;                                       \
                for (int64_t o = o0; o < o1; o++) {                                                \
                    const T *p = x + o * C + c0;                                                   \
                    for (int64_t c = 0; c < cn; c++) blk[c] += p[c];                               \
                }                                                                                  \
                for (int64_t c = 0; c < cn; c++) acc[c0 + c] += blk[c];                            \
            }                                                                                      \
        }                                                                                          \
    }
BIAS_GRAD_LAST(float)
BIAS_GRAD_LAST(double)

#define BIAS_GRAD_ROWS(T)                                                                          \
    static void bias_grad_rows_##T(const bias_job *j, int64_t lo, int64_t hi, double *acc) {       \
        const T *x = j->x;                                                                         \
        int64_t C = j->v.channels, I = j->v.inner;                                                 \
        if (I == 1) {                                                                              \
            bias_grad_last_##T(x, C, lo, hi, acc);                                                 \
            return;                                                                                \
        }                                                                                          \
        for (int64_t o = lo; o < hi; o++)                                                          \
            for (int64_t ch = 0; ch < C; ch++) {                                                   \
                const T *p = x + (o * C + ch) * I;                                                 \
                double sum = 0;                                                                    \
                for (int64_t i = 0; i < I; i++) sum += p[i];                                       \
                acc[ch] += sum;                                                                    \
            }                                                                                      \
    }
BIAS_GRAD_ROWS(float)
BIAS_GRAD_ROWS(double)

static void bias_grad_part(void *ctx, int64_t part) {
    const bias_job *j = ctx;
    int64_t lo = j->v.outer * part / j->parts, hi = j->v.outer * (part + 1) / j->parts;
    double *acc = j->partial + part * j->v.channels;
    memset(acc, 0, (size_t)j->v.channels * sizeof *acc);
    if (j->s->dt == TFC_DT_FLOAT)
        bias_grad_rows_float(j, lo, hi, acc);
    else
        bias_grad_rows_double(j, lo, hi, acc);
}

static tfc_code bias_add_grad_compute(tfc_kernel_ctx *c, void *state) {
    bias_state *s = state;
    const tfc_tensor *dy = tfc_kctx_input(c, 0);
    bias_job j = {.s = s};
    if (bias_view_of(c, s, dy, "out_backprop", &j.v)) return TFC_INVALID_ARGUMENT;
    tfc_shape os = tfc_shape_make(1, &j.v.channels);
    tfc_tensor *out;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &os, &out);
    if (rc) return rc;
    int64_t C = j.v.channels;
    j.parts =
        tfc__nn_num_parts(tfc_kctx_pool(c), (tfc_tensor_num_elements(dy) + GRAIN - 1) / GRAIN);
    if (j.parts > j.v.outer) j.parts = j.v.outer > 0 ? j.v.outer : 1;
    j.partial = tfc__nn_scratch_get(&s->partial, (size_t)(j.parts * C) * sizeof(double));
    if (!j.partial) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory");
    j.x = tfc_tensor_data_const(dy);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, bias_grad_part, &j);
    for (int64_t ch = 0; ch < C; ch++) {
        double sum = 0;
        for (int64_t p = 0; p < j.parts; p++) sum += j.partial[p * C + ch];
        if (s->dt == TFC_DT_FLOAT)
            ((float *)tfc_tensor_data(out))[ch] = (float)sum;
        else
            ((double *)tfc_tensor_data(out))[ch] = sum;
    }
    return TFC_OK;
}

const tfc_kernel tfc__kernel_bias_add = {
    .prepare = bias_prepare, .compute = bias_add_compute, .release = bias_release};
const tfc_kernel tfc__kernel_bias_add_grad = {
    .prepare = bias_prepare, .compute = bias_add_grad_compute, .release = bias_release};
