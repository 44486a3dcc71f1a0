/* Conv2D's gradients, by GEMM and col2im (float32 and float64, NHWC):
 *   Conv2DBackpropInput:  dcol = dy x filter^T, then col2im adds each patch back into dx;
 *   Conv2DBackpropFilter: dfilter = sum over images of col^T x dy.
 * The batch is spread over threads as in Conv2D (nn_conv.c); each part of Conv2DBackpropFilter
 * accumulates its own partial filter gradient (in the kernel's scratch), summed in part order at
 * the end, so the result depends on the thread count only through that sum's order. */
#include <stdio.h>
#include <string.h>

#include "ops/nn_int.h"

/* Reads a 4-value (or, for input_sizes, TF's 2-value [height, width]) int32 sizes input. */
static tfc_code read_sizes(tfc_kernel_ctx *c, const tfc_tensor *t, const char *what, bool allow2,
                           int64_t v[4], int *count) {
    int64_t n = tfc_tensor_num_elements(t);
    if (tfc_tensor_dtype(t) != TFC_DT_INT32 || tfc_tensor_rank(t) != 1 ||
        !(n == 4 || (allow2 && n == 2)))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be an int32 vector of 4%s sizes",
                             what, allow2 ? " (or 2: height, width)" : "");
    const int32_t *p = tfc_tensor_data_const(t);
    for (int k = 0; k < n; k++) {
        if (p[k] < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s[%d] is negative: %d", what, k,
                                 (int)p[k]);
        v[k] = p[k];
    }
    *count = (int)n;
    return TFC_OK;
}

/* dy must be [n, out_h, out_w, out_c] of the geometry; TF's message names the first mismatch. */
static tfc_code check_dy(tfc_kernel_ctx *c, const tfc__nn_geom *g, const int64_t dy[4]) {
    int64_t want[4] = {g->n, g->out_h, g->out_w, g->out_c};
    static const char *dim[4] = {"batch", "height", "width", "depth"};
    for (int k = 0; k < 4; k++)
        if (dy[k] != want[k])
            return tfc_kctx_fail(
                c, TFC_INVALID_ARGUMENT,
                "Size of out_backprop doesn't match computed: actual = %lld, computed = %lld "
                "(%s; input %lldx%lld, filter %lldx%lld, strides %lldx%lld, dilations %lldx%lld)",
                (long long)dy[k], (long long)want[k], dim[k], (long long)g->in_h,
                (long long)g->in_w, (long long)g->k_h, (long long)g->k_w, (long long)g->stride_h,
                (long long)g->stride_w, (long long)g->dil_h, (long long)g->dil_w);
    return TFC_OK;
}

typedef struct grad_job {
    const tfc__nn_geom *g;
    const tfc__nn_batch_split *p;
    bool f32;
    const char *x, *f, *dy; /* x for the filter gradient, f for the input gradient */
    char *out;              /* dx, or the filter gradient */
} grad_job;

/* Images [n0, n0 + cnt): dcol = dy x filter^T, then col2im into dx (which 1x1 windows with
 * stride 1 and no padding get directly). */
static void bp_input_group(const void *ctx, int64_t part, int64_t n0, int64_t cnt, char *col,
                           tfc_threadpool *pool) {
    const grad_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    const tfc__nn_batch_split *p = j->p;
    char *dx = j->out + (size_t)(n0 * g->in_h * g->in_w * g->in_c) * p->es;
    bool identity = tfc__nn_col_is_identity(g);
    tfc__nn_gemm(j->f32, false, true, cnt * p->P, p->K, g->out_c,
                 j->dy + (size_t)(n0 * p->P * g->out_c) * p->es, g->out_c, j->f, g->out_c, 0.0,
                 identity ? dx : col, p->K);
    if (!identity) tfc__nn_col2im_images(pool, g, col, cnt, dx, p->es);
}

static tfc_code bp_input_compute(tfc_kernel_ctx *c, void *state) {
    tfc__nn_conv_state *s = state;
    const tfc_tensor *sizes = tfc_kctx_input(c, 0), *f = tfc_kctx_input(c, 1),
                     *dy = tfc_kctx_input(c, 2);
    int64_t in[4], fd[4], dd[4];
    int ns;
    tfc__nn_geom g;
    if (tfc__nn_conv_dims(c, s, f, "filter", fd) ||
        tfc__nn_conv_dims(c, s, dy, "out_backprop", dd) ||
        read_sizes(c, sizes, "input_sizes", true, in, &ns))
        return TFC_INVALID_ARGUMENT;
    if (ns == 2) in[2] = in[1], in[1] = in[0], in[0] = dd[0], in[3] = fd[2];
    if (tfc__nn_conv_check(c, s, in, fd, &g) || check_dy(c, &g, dd)) return TFC_INVALID_ARGUMENT;
    tfc_shape xs = tfc_shape_make(4, in);
    tfc_tensor *dx;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &xs, &dx);
    if (rc) return rc;
    tfc__nn_batch_split p;
    if (tfc_tensor_num_elements(dy) == 0 || g.out_c == 0) { /* nothing flows back */
        memset(tfc_tensor_data(dx), 0, tfc_tensor_byte_size(dx));
        return TFC_OK;
    }
    tfc_threadpool *pool = tfc_kctx_pool(c);
    if (s->direct && tfc__nn_direct_bp_input_fits(&g)) {
        float *sc = tfc__nn_scratch_get(&s->scratch, tfc__nn_direct_bp_input_scratch(pool, &g));
        if (!sc) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory for the gradient");
        tfc__nn_direct_bp_input(pool, &g, tfc_tensor_data_const(f), tfc_tensor_data_const(dy),
                                tfc_tensor_data(dx), sc);
        return TFC_OK;
    }
    if (tfc__nn_conv_split(c, s, &g, 0, &p)) return TFC_RESOURCE_EXHAUSTED;
    grad_job j = {.g = &g,
                  .p = &p,
                  .f32 = s->dt == TFC_DT_FLOAT,
                  .f = tfc_tensor_data_const(f),
                  .dy = tfc_tensor_data_const(dy),
                  .out = tfc_tensor_data(dx)};
    tfc__nn_conv_run(c, &g, &p, bp_input_group, &j);
    return TFC_OK;
}

/* Images [n0, n0 + cnt): the part's filter gradient += patches^T x dy. */
static void bp_filter_group(const void *ctx, int64_t part, int64_t n0, int64_t cnt, char *col,
                            tfc_threadpool *pool) {
    const grad_job *j = ctx;
    const tfc__nn_geom *g = j->g;
    const tfc__nn_batch_split *p = j->p;
    char *acc = col + (size_t)p->col_elems * p->es;
    const char *a = j->x + (size_t)(n0 * g->in_h * g->in_w * g->in_c) * p->es;
    if (!tfc__nn_col_is_identity(g)) {
        tfc__nn_im2col_images(pool, g, a, cnt, col, p->es);
        a = col;
    }
    /* The part's first group starts its sum. */
    bool first = n0 == g->n * part / p->parts;
    tfc__nn_gemm(j->f32, true, false, p->K, g->out_c, cnt * p->P, a, p->K,
                 j->dy + (size_t)(n0 * p->P * g->out_c) * p->es, g->out_c, first ? 0.0 : 1.0, acc,
                 g->out_c);
}

static tfc_code bp_filter_compute(tfc_kernel_ctx *c, void *state) {
    tfc__nn_conv_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *sizes = tfc_kctx_input(c, 1),
                     *dy = tfc_kctx_input(c, 2);
    int64_t in[4], fd[4], dd[4];
    int ns;
    tfc__nn_geom g;
    if (tfc__nn_conv_dims(c, s, x, "input", in) ||
        tfc__nn_conv_dims(c, s, dy, "out_backprop", dd) ||
        read_sizes(c, sizes, "filter_sizes", false, fd, &ns) ||
        tfc__nn_conv_check(c, s, in, fd, &g) || check_dy(c, &g, dd))
        return TFC_INVALID_ARGUMENT;
    tfc_shape fs = tfc_shape_make(4, fd);
    tfc_tensor *df;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, &fs, &df);
    if (rc) return rc;
    int64_t fe = tfc_tensor_num_elements(df);
    if (fe == 0 || tfc_tensor_num_elements(dy) == 0) {
        memset(tfc_tensor_data(df), 0, tfc_tensor_byte_size(df));
        return TFC_OK;
    }
    tfc_threadpool *pool = tfc_kctx_pool(c);
    if (s->direct && tfc__nn_direct_fits(&g)) {
        float *sc = tfc__nn_scratch_get(&s->scratch, tfc__nn_direct_bp_filter_scratch(pool, &g));
        if (!sc) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory for the gradient");
        tfc__nn_direct_bp_filter(pool, &g, tfc_tensor_data_const(x), tfc_tensor_data_const(dy),
                                 tfc_tensor_data(df), sc);
        return TFC_OK;
    }
    tfc__nn_batch_split p;
    if (tfc__nn_conv_split(c, s, &g, fe, &p)) return TFC_RESOURCE_EXHAUSTED;
    grad_job j = {.g = &g,
                  .p = &p,
                  .f32 = s->dt == TFC_DT_FLOAT,
                  .x = tfc_tensor_data_const(x),
                  .dy = tfc_tensor_data_const(dy),
                  .out = tfc_tensor_data(df)};
    tfc__nn_conv_run(c, &g, &p, bp_filter_group, &j);
    /* Sum the parts' partial gradients in order (deterministic for a given thread count). */
    for (int64_t i = 0; i < fe; i++) {
        double sum = 0;
        for (int64_t q = 0; q < p.parts; q++) {
            const char *acc =
                (const char *)p.scratch + (size_t)(q * p.part_elems + p.col_elems) * p.es;
            sum += j.f32 ? ((const float *)acc)[i] : ((const double *)acc)[i];
        }
        if (j.f32)
            ((float *)j.out)[i] = (float)sum;
        else
            ((double *)j.out)[i] = sum;
    }
    return TFC_OK;
}

const tfc_kernel tfc__kernel_conv2d_bp_input = {
    .prepare = tfc__nn_conv_prepare, .compute = bp_input_compute, .release = tfc__nn_conv_release};
const tfc_kernel tfc__kernel_conv2d_bp_filter = {
    .prepare = tfc__nn_conv_prepare, .compute = bp_filter_compute, .release = tfc__nn_conv_release};
