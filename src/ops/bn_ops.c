/* The bn family: FusedBatchNormV3 and FusedBatchNormGradV3 with TensorFlow 2's signatures, attrs
 * and defaults (nn_ops.cc), and FusedBatchNormV3's gradient (TF's _FusedBatchNormV3Grad).
 *
 * Kernels compute float32 in NHWC (x rank 4, channels last), as TF's CPU kernels do: the other
 * data formats are refused by the shape functions, so a graph asking for them fails when it is
 * built or imported; half and bfloat16 are refused when a session prepares the node.
 *
 * Training: per channel, the batch mean and the biased variance normalize x; batch_variance is
 * the variance with Bessel's correction n / (n - 1) (1 when n is 1); with exponential_avg_factor
 * f < 1, batch_mean and batch_variance are (1 - f) * input + f * batch statistic. reserve_space_1
 * and _2 hold the batch mean and biased variance for the gradient; reserve_space_3 is a scalar 0.
 * Inference: the given mean and variance normalize x and pass through to the four statistics
 * outputs. Sums accumulate in double. */
#include <math.h>
#include <string.h>

#include "ops/grads.h"
#include "ops/nn_int.h"

/* ---- Shape functions ---- */

static tfc_code bn_rank(tfc_shape_ctx *c, int i, const char *name, int rank) {
    const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
    if (s->rank < 0 || s->rank == rank) return TFC_OK;
    return tfc_shape_ctx_fail(c, "Shape must be rank %d but is rank %d for input '%s'", rank,
                              s->rank, name);
}

static tfc_code bn_merge_vec(tfc_shape_ctx *c, int i, const char *name, int64_t *ch) {
    if (bn_rank(c, i, name, 1)) return TFC_INVALID_ARGUMENT;
    const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
    int64_t d = s->rank == 1 ? s->dims[0] : -1;
    if (d >= 0 && *ch >= 0 && d != *ch)
        return tfc_shape_ctx_fail(c,
                                  "Dimensions must be equal, but are %lld and %lld (the channel "
                                  "dim and the length of '%s')",
                                  (long long)*ch, (long long)d, name);
    if (d >= 0) *ch = d;
    return TFC_OK;
}

static tfc_code bn_check_format(tfc_shape_ctx *c) {
    const char *df;
    size_t len;
    if (tfc_node_attr_string(tfc_shape_ctx_node(c), "data_format", &df, &len, NULL))
        return tfc_shape_ctx_fail(c, "missing attr 'data_format'");
    if (len == 4 && !memcmp(df, "NHWC", 4)) return TFC_OK;
    return tfc_shape_ctx_fail(c, "tfc's %s supports data_format NHWC only, got '%.*s'",
                              tfc_node_op(tfc_shape_ctx_node(c)), (int)len, df);
}

/* x [N, H, W, C]; scale, offset and (unless training with exponential_avg_factor 1) mean and
 * variance [C]. y has x's shape, the four statistics [C], reserve_space_3 an unknown shape. */
static tfc_code shape_fused_bn(tfc_shape_ctx *c) {
    if (bn_check_format(c) || bn_rank(c, 0, "x", 4)) return TFC_INVALID_ARGUMENT;
    const tfc_node *n = tfc_shape_ctx_node(c);
    bool training = true;
    float f = 1.0f;
    tfc_node_attr_bool(n, "is_training", &training, NULL);
    tfc_node_attr_float(n, "exponential_avg_factor", &f, NULL);
    tfc_shape y = *tfc_shape_ctx_input_shape(c, 0);
    int64_t ch = y.rank == 4 ? y.dims[3] : -1;
    static const char *const names[] = {"x", "scale", "offset", "mean", "variance"};
    int last = training && f == 1.0f ? 3 : 5;
    for (int i = 1; i < last; i++)
        if (bn_merge_vec(c, i, names[i], &ch)) return TFC_INVALID_ARGUMENT;
    if (y.rank == 4)
        y.dims[3] = ch;
    else
        y = tfc_shape_make(4, (int64_t[]){-1, -1, -1, ch});
    tfc_shape_ctx_set_output(c, 0, &y);
    tfc_shape v = tfc_shape_make(1, &ch);
    for (int i = 1; i < 5; i++) tfc_shape_ctx_set_output(c, i, &v);
    tfc_shape u = tfc_shape_unknown();
    tfc_shape_ctx_set_output(c, 5, &u);
    return TFC_OK;
}

/* y_backprop and x [N, H, W, C]; scale, reserve_space_1 and _2 [C]. x_backprop has their shape,
 * scale_backprop and offset_backprop [C], reserve_space_4 and _5 [0]. */
static tfc_code shape_fused_bn_grad(tfc_shape_ctx *c) {
    if (bn_check_format(c) || bn_rank(c, 0, "y_backprop", 4) || bn_rank(c, 1, "x", 4))
        return TFC_INVALID_ARGUMENT;
    tfc_shape a = *tfc_shape_ctx_input_shape(c, 0), b = *tfc_shape_ctx_input_shape(c, 1);
    tfc_shape x = tfc_shape_make(4, (int64_t[]){-1, -1, -1, -1});
    for (int d = 0; d < 4; d++) {
        int64_t p = a.rank == 4 ? a.dims[d] : -1, q = b.rank == 4 ? b.dims[d] : -1;
        if (p >= 0 && q >= 0 && p != q)
            return tfc_shape_ctx_fail(c,
                                      "Dimensions must be equal, but are %lld and %lld (dim %d "
                                      "of 'y_backprop' and 'x')",
                                      (long long)p, (long long)q, d);
        x.dims[d] = p >= 0 ? p : q;
    }
    int64_t ch = x.dims[3];
    static const char *const names[] = {"", "", "scale", "reserve_space_1", "reserve_space_2"};
    for (int i = 2; i < 5; i++)
        if (bn_merge_vec(c, i, names[i], &ch)) return TFC_INVALID_ARGUMENT;
    x.dims[3] = ch;
    tfc_shape_ctx_set_output(c, 0, &x);
    tfc_shape v = tfc_shape_make(1, &ch), z = tfc_shape_make(1, (int64_t[]){0});
    tfc_shape_ctx_set_output(c, 1, &v);
    tfc_shape_ctx_set_output(c, 2, &v);
    tfc_shape_ctx_set_output(c, 3, &z);
    tfc_shape_ctx_set_output(c, 4, &z);
    return TFC_OK;
}

/* ---- Kernels ---- */

typedef struct bn_state {
    float epsilon, factor;
    bool training;
    tfc__nn_scratch acc; /* 2 * C doubles */
} bn_state;

static tfc_code bn_prepare(const tfc_node *n, void **state, tfc_status *st) {
    tfc_dtype t, u;
    const char *df;
    size_t len;
    bn_state s = {.factor = 1.0f};
    if (tfc_node_attr_type(n, "T", &t, st) || tfc_node_attr_type(n, "U", &u, st) ||
        tfc_node_attr_float(n, "epsilon", &s.epsilon, st) ||
        tfc_node_attr_bool(n, "is_training", &s.training, st) ||
        tfc_node_attr_string(n, "data_format", &df, &len, st))
        return st->code;
    if (tfc_node_has_attr(n, "exponential_avg_factor") &&
        tfc_node_attr_float(n, "exponential_avg_factor", &s.factor, st))
        return st->code;
    if (t != TFC_DT_FLOAT || u != TFC_DT_FLOAT)
        return tfc_status_set(st, TFC_UNIMPLEMENTED,
                              "node '%s': tfc's CPU kernel for %s computes float32 only, not T=%s, "
                              "U=%s",
                              tfc_node_name(n), tfc_node_op(n), tfc_dtype_name(t),
                              tfc_dtype_name(u));
    if (len != 4 || memcmp(df, "NHWC", 4))
        return tfc_status_set(st, TFC_UNIMPLEMENTED,
                              "node '%s': tfc's %s supports data_format NHWC only, got '%.*s'",
                              tfc_node_name(n), tfc_node_op(n), (int)len, df);
    bn_state *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *p = s;
    *state = p;
    return TFC_OK;
}

static void bn_release(void *state) {
    bn_state *s = state;
    if (s) tfc__nn_scratch_free(&s->acc);
    tfc_free(s);
}

/* A rank-4 float32 tensor, else INVALID_ARGUMENT naming it. */
static tfc_code bn_check4(tfc_kernel_ctx *c, const tfc_tensor *t, const char *what) {
    char buf[96];
    if (tfc_tensor_dtype(t) != TFC_DT_FLOAT || tfc_tensor_rank(t) != 4)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be a 4-D float32 tensor, got %s %s",
                             what, tfc_dtype_name(tfc_tensor_dtype(t)),
                             tfc_shape_to_string(tfc_tensor_shape(t), buf, sizeof buf));
    return TFC_OK;
}

/* A float32 vector of length ch (or of length 0 when may_be_empty), else INVALID_ARGUMENT. */
static tfc_code bn_check_vec(tfc_kernel_ctx *c, const tfc_tensor *t, const char *what, int64_t ch,
                             bool may_be_empty) {
    char buf[96];
    if (tfc_tensor_dtype(t) == TFC_DT_FLOAT && tfc_tensor_rank(t) == 1 &&
        (tfc_tensor_dim(t, 0) == ch || (may_be_empty && tfc_tensor_dim(t, 0) == 0)))
        return TFC_OK;
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                         "%s must be a 1-D float32 tensor of length %lld (the channel dim of x), "
                         "got %s %s",
                         what, (long long)ch, tfc_dtype_name(tfc_tensor_dtype(t)),
                         tfc_shape_to_string(tfc_tensor_shape(t), buf, sizeof buf));
}

static tfc_code bn_vec_out(tfc_kernel_ctx *c, int i, int64_t len, float **out) {
    tfc_shape s = tfc_shape_make(1, &len);
    tfc_tensor *t;
    tfc_code rc = tfc_kctx_alloc_output(c, i, TFC_DT_FLOAT, &s, &t);
    if (rc) return rc;
    *out = tfc_tensor_data(t);
    return TFC_OK;
}

static tfc_code fused_bn_compute(tfc_kernel_ctx *c, void *state) {
    bn_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    if (bn_check4(c, x, "x")) return TFC_INVALID_ARGUMENT;
    int64_t C = tfc_tensor_dim(x, 3), n = tfc_tensor_num_elements(x);
    int64_t rows = C > 0 ? n / C : 0;
    bool blend = !s->training || s->factor != 1.0f;
    static const char *const names[] = {"x", "scale", "offset", "mean", "variance"};
    for (int i = 1; i < 5; i++)
        if (bn_check_vec(c, tfc_kctx_input(c, i), names[i], C, i >= 3 && !blend))
            return TFC_INVALID_ARGUMENT;
    const float *xv = tfc_tensor_data_const(x);
    const float *scale = tfc_tensor_data_const(tfc_kctx_input(c, 1));
    const float *offset = tfc_tensor_data_const(tfc_kctx_input(c, 2));
    const float *in_mean = tfc_tensor_data_const(tfc_kctx_input(c, 3));
    const float *in_var = tfc_tensor_data_const(tfc_kctx_input(c, 4));
    tfc_tensor *yt, *r3;
    float *bm, *bv, *r1, *r2;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, TFC_DT_FLOAT, tfc_tensor_shape(x), &yt);
    if (!rc) rc = bn_vec_out(c, 1, C, &bm);
    if (!rc) rc = bn_vec_out(c, 2, C, &bv);
    if (!rc) rc = bn_vec_out(c, 3, C, &r1);
    if (!rc) rc = bn_vec_out(c, 4, C, &r2);
    if (!rc) rc = tfc_kctx_alloc_output(c, 5, TFC_DT_FLOAT, &(tfc_shape){0, {0}}, &r3);
    if (rc) return rc;
    *(float *)tfc_tensor_data(r3) = 0.0f;
    float *y = tfc_tensor_data(yt);
    double *mean = tfc__nn_scratch_get(&s->acc, (size_t)(2 * (C > 0 ? C : 1)) * sizeof(double));
    if (!mean) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory");
    double *var = mean + C;
    if (!s->training) {
        for (int64_t ch = 0; ch < C; ch++) {
            mean[ch] = in_mean[ch], var[ch] = in_var[ch];
            bm[ch] = r1[ch] = in_mean[ch];
            bv[ch] = r2[ch] = in_var[ch];
        }
    } else if (rows == 0) { /* no elements: batch statistics NaN, reserve spaces 0, as TF's */
        for (int64_t ch = 0; ch < C; ch++) bm[ch] = bv[ch] = NAN, r1[ch] = r2[ch] = 0.0f;
        return TFC_OK;
    } else {
        memset(mean, 0, (size_t)(2 * C) * sizeof *mean);
        for (int64_t r = 0; r < rows; r++)
            for (int64_t ch = 0; ch < C; ch++) mean[ch] += xv[r * C + ch];
        for (int64_t ch = 0; ch < C; ch++) mean[ch] /= (double)rows;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t ch = 0; ch < C; ch++) {
                double d = xv[r * C + ch] - mean[ch];
                var[ch] += d * d;
            }
        double adjust = rows > 1 ? (double)rows / (double)(rows - 1) : 1.0, f = s->factor;
        for (int64_t ch = 0; ch < C; ch++) {
            var[ch] /= (double)rows;
            r1[ch] = (float)mean[ch];
            r2[ch] = (float)var[ch];
            if (f == 1.0) {
                bm[ch] = (float)mean[ch];
                bv[ch] = (float)(var[ch] * adjust);
            } else {
                bm[ch] = (float)((1.0 - f) * in_mean[ch] + f * mean[ch]);
                bv[ch] = (float)((1.0 - f) * in_var[ch] + f * var[ch] * adjust);
            }
        }
    }
    /* y = x * a + b per channel, a = scale / sqrt(var + eps), b = offset - mean * a */
    for (int64_t ch = 0; ch < C; ch++) {
        double a = scale[ch] / sqrt(var[ch] + (double)s->epsilon);
        var[ch] = a;
        mean[ch] = offset[ch] - mean[ch] * a;
    }
    for (int64_t r = 0; r < rows; r++)
        for (int64_t ch = 0; ch < C; ch++)
            y[r * C + ch] = (float)(xv[r * C + ch] * var[ch] + mean[ch]);
    return TFC_OK;
}

static tfc_code fused_bn_grad_compute(tfc_kernel_ctx *c, void *state) {
    bn_state *s = state;
    const tfc_tensor *dyt = tfc_kctx_input(c, 0), *x = tfc_kctx_input(c, 1);
    if (bn_check4(c, dyt, "y_backprop") || bn_check4(c, x, "x")) return TFC_INVALID_ARGUMENT;
    if (!tfc_shape_equal(tfc_tensor_shape(dyt), tfc_tensor_shape(x))) {
        char a[96], b[96];
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "x and y_backprop must have same shape, but x has shape %s and "
                             "y_backprop has shape %s",
                             tfc_shape_to_string(tfc_tensor_shape(x), a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(dyt), b, sizeof b));
    }
    int64_t C = tfc_tensor_dim(x, 3), n = tfc_tensor_num_elements(x);
    int64_t rows = C > 0 ? n / C : 0;
    static const char *const names[] = {"", "", "scale", "reserve_space_1", "reserve_space_2"};
    for (int i = 2; i < 5; i++)
        if (bn_check_vec(c, tfc_kctx_input(c, i), names[i], C, false)) return TFC_INVALID_ARGUMENT;
    const float *dy = tfc_tensor_data_const(dyt), *xv = tfc_tensor_data_const(x);
    const float *scale = tfc_tensor_data_const(tfc_kctx_input(c, 2));
    const float *mu = tfc_tensor_data_const(tfc_kctx_input(c, 3));
    const float *var = tfc_tensor_data_const(tfc_kctx_input(c, 4));
    tfc_tensor *dxt;
    float *dscale, *doffset, *unused;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, TFC_DT_FLOAT, tfc_tensor_shape(x), &dxt);
    if (!rc) rc = bn_vec_out(c, 1, C, &dscale);
    if (!rc) rc = bn_vec_out(c, 2, C, &doffset);
    if (!rc) rc = bn_vec_out(c, 3, 0, &unused);
    if (!rc) rc = bn_vec_out(c, 4, 0, &unused);
    if (rc) return rc;
    float *dx = tfc_tensor_data(dxt);
    double *sum_dy = tfc__nn_scratch_get(&s->acc, (size_t)(2 * (C > 0 ? C : 1)) * sizeof(double));
    if (!sum_dy) return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory");
    double *sum_dyxc = sum_dy + C;
    memset(sum_dy, 0, (size_t)(2 * C) * sizeof *sum_dy);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t ch = 0; ch < C; ch++) {
            double g = dy[r * C + ch];
            sum_dy[ch] += g;
            sum_dyxc[ch] += g * ((double)xv[r * C + ch] - mu[ch]);
        }
    for (int64_t ch = 0; ch < C; ch++) {
        double inv = 1.0 / sqrt((double)var[ch] + (double)s->epsilon);
        doffset[ch] = (float)sum_dy[ch];
        dscale[ch] = (float)(sum_dyxc[ch] * inv);
    }
    /* inference: dx = dy * scale * inv; training also takes out the mean of dy and the part of dy
     * along (x - mean): dx = scale * inv * (dy - mean(dy) - (x - mean) * mean(dy * (x - mean))
     * * inv^2). */
    for (int64_t ch = 0; ch < C; ch++) {
        double inv = 1.0 / sqrt((double)var[ch] + (double)s->epsilon);
        double k = scale[ch] * inv;
        if (s->training && rows > 0) {
            sum_dy[ch] /= (double)rows;
            sum_dyxc[ch] = sum_dyxc[ch] / (double)rows * inv * inv;
        } else {
            sum_dy[ch] = 0, sum_dyxc[ch] = 0;
        }
        for (int64_t r = 0; r < rows; r++) {
            double xc = (double)xv[r * C + ch] - mu[ch];
            dx[r * C + ch] = (float)(k * (dy[r * C + ch] - sum_dy[ch] - xc * sum_dyxc[ch]));
        }
    }
    return TFC_OK;
}

static const tfc_kernel kernel_fused_bn = {
    .prepare = bn_prepare, .compute = fused_bn_compute, .release = bn_release};
static const tfc_kernel kernel_fused_bn_grad = {
    .prepare = bn_prepare, .compute = fused_bn_grad_compute, .release = bn_release};

/* ---- Gradient (TF's _FusedBatchNormV3Grad) ----
 * FusedBatchNormGradV3 with the forward op's epsilon, data_format and is_training: in training
 * the saved batch statistics (reserve_space_1..3), in inference the population mean and variance
 * (inputs 3 and 4) with reserve_space_3. Gradients to x, scale and offset; mean and variance get
 * none, and gradients reaching the statistics outputs are ignored, as TF does. */
static void grad_fused_bn(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    if (!grads[0].node) return;
    bool training = true;
    float eps = 0.0001f;
    const char *df = "NHWC";
    size_t len = 4;
    tfc_node_attr_bool(op, "is_training", &training, NULL);
    tfc_node_attr_float(op, "epsilon", &eps, NULL);
    tfc_node_attr_string(op, "data_format", &df, &len, NULL);
    tfc_node_builder *b = tfc_node_begin(g, "FusedBatchNormGradV3", NULL);
    tfc_node_add_input(b, grads[0]);
    tfc_node_add_input(b, tfc_node_input(op, 0));
    tfc_node_add_input(b, tfc_node_input(op, 1));
    tfc_node_add_input(b, training ? tfc_node_output(op, 3) : tfc_node_input(op, 3));
    tfc_node_add_input(b, training ? tfc_node_output(op, 4) : tfc_node_input(op, 4));
    tfc_node_add_input(b, tfc_node_output(op, 5));
    tfc_node_set_attr_float(b, "epsilon", eps);
    tfc_node_set_attr_string(b, "data_format", df, len);
    tfc_node_set_attr_bool(b, "is_training", training);
    tfc_node *gn = tfc_node_finish(b);
    for (int i = 0; i < 3; i++) din[i] = tfc_node_output(gn, i);
}

/* ---- The table ---- */

#define BN_FORMAT "data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'"

static const tfc_op_spec bn_ops[] = {
    {.name = "FusedBatchNormV3",
     .sig = "x: T, scale: U, offset: U, mean: U, variance: U -> y: T, batch_mean: U, "
            "batch_variance: U, reserve_space_1: U, reserve_space_2: U, reserve_space_3: U",
     .attrs = "T: {half, bfloat16, float}; U: {bfloat16, float}; epsilon: float = 0.0001; "
              "exponential_avg_factor: float = 1.0; " BN_FORMAT "; is_training: bool = true",
     .shape = shape_fused_bn,
     .kernel = &kernel_fused_bn,
     .grad = grad_fused_bn},
    {.name = "FusedBatchNormGradV3",
     .sig = "y_backprop: T, x: T, scale: float, reserve_space_1: U, reserve_space_2: U, "
            "reserve_space_3: U -> x_backprop: T, scale_backprop: U, offset_backprop: U, "
            "reserve_space_4: U, reserve_space_5: U",
     .attrs = "T: {half, bfloat16, float}; U: {float}; epsilon: float = 0.0001; " BN_FORMAT
              "; is_training: bool = true",
     .shape = shape_fused_bn_grad,
     .kernel = &kernel_fused_bn_grad},
};

const tfc_op_family tfc__ops_bn = {"bn", bn_ops, (int)(sizeof bn_ops / sizeof bn_ops[0])};
