/* Window attrs and geometry shared by Conv2D, the pools and their gradients (TF's
 * GetWindowedOutputSizeVerbose rules), and the small helpers the nn kernels share. */
#include <stdio.h>
#include <string.h>

#include "ops/nn_int.h"

const char *tfc__nn_list_str(const int64_t *v, int n, char *buf, size_t size) {
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int k = 0; k < n && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", k ? "," : "", (long long)v[k]);
    if (len < size) snprintf(buf + len, size - len, "]");
    return buf;
}

static bool str_is(const char *s, size_t n, const char *lit) {
    return n == strlen(lit) && !memcmp(s, lit, n);
}

/* A 4-value list attr whose batch and depth entries must be `edge` and spatial ones >= 1. */
static tfc_code four_values(const tfc_node *n, const char *attr, const char *what, int64_t edge,
                            const int64_t **v, tfc_status *st) {
    int cnt = 0;
    char buf[128];
    if (tfc_node_attr_int_list(n, attr, v, &cnt, st)) return st->code;
    const char *op = tfc_node_op(n);
    if (cnt != 4)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s requires the %s attribute to contain 4 values, but got: %d", op,
                              what, cnt);
    if ((*v)[0] != edge || (*v)[3] != edge)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s %s in the batch and depth dimensions must be 1 (tfc, like TF's "
                              "CPU kernels, does not support others), got %s = %s",
                              op, what, attr, tfc__nn_list_str(*v, 4, buf, sizeof buf));
    if ((*v)[1] < 1 || (*v)[2] < 1)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s %s must be positive, got %s = %s", op,
                              what, attr, tfc__nn_list_str(*v, 4, buf, sizeof buf));
    /* TF reads these attrs as int32; the bound also keeps the size arithmetic from overflowing. */
    if ((*v)[1] > INT32_MAX || (*v)[2] > INT32_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s %s out of range for an int32: %s = %s",
                              op, what, attr, tfc__nn_list_str(*v, 4, buf, sizeof buf));
    return TFC_OK;
}

tfc_code tfc__nn_attrs_parse(const tfc_node *n, bool pool, tfc__nn_attrs *a, tfc_status *st) {
    const char *op = tfc_node_op(n);
    const int64_t *v;
    const char *s;
    size_t len;
    char buf[160];
    memset(a, 0, sizeof *a);
    a->dil_h = a->dil_w = 1;

    if (tfc_node_attr_string(n, "data_format", &s, &len, st)) return st->code;
    if (!str_is(s, len, "NHWC"))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s with data_format '%.*s' is not supported: tfc's CPU kernels take "
                              "NHWC (as TF's CPU kernels do); transpose the input instead",
                              op, (int)len, s);

    if (four_values(n, "strides", "stride", 1, &v, st)) return st->code;
    a->stride_h = v[1], a->stride_w = v[2];
    if (pool) {
        if (four_values(n, "ksize", "ksize", 1, &v, st)) return st->code;
        a->k_h = v[1], a->k_w = v[2];
    } else {
        if (four_values(n, "dilations", "dilation", 1, &v, st)) return st->code;
        a->dil_h = v[1], a->dil_w = v[2];
    }

    if (tfc_node_attr_string(n, "padding", &s, &len, st)) return st->code;
    if (str_is(s, len, "SAME"))
        a->padding = TFC__NN_SAME;
    else if (str_is(s, len, "VALID"))
        a->padding = TFC__NN_VALID;
    else if (str_is(s, len, "EXPLICIT"))
        a->padding = TFC__NN_EXPLICIT;
    else
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: unknown padding '%.*s'", op, (int)len,
                              s);

    int cnt = 0;
    v = NULL;
    if (tfc_node_has_attr(n, "explicit_paddings") &&
        tfc_node_attr_int_list(n, "explicit_paddings", &v, &cnt, st))
        return st->code;
    if (a->padding != TFC__NN_EXPLICIT) {
        if (cnt != 0)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "%s: explicit_paddings attribute must be empty if the padding "
                                  "attribute is not EXPLICIT, got %s",
                                  op, tfc__nn_list_str(v, cnt, buf, sizeof buf));
        return TFC_OK;
    }
    if (cnt != 8)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: explicit_paddings attribute must contain 8 values, but got: %d",
                              op, cnt);
    for (int k = 0; k < 8; k++)
        if (v[k] < 0 || v[k] > INT32_MAX)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "%s: explicit_paddings must be non-negative int32 values, got %s",
                                  op, tfc__nn_list_str(v, 8, buf, sizeof buf));
    if (v[0] || v[1] || v[6] || v[7])
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: nonzero explicit padding in the batch or depth dimensions is "
                              "not supported, got explicit_paddings = %s",
                              op, tfc__nn_list_str(v, 8, buf, sizeof buf));
    a->pad_top = v[2], a->pad_bottom = v[3], a->pad_left = v[4], a->pad_right = v[5];
    return TFC_OK;
}

tfc_code tfc__nn_out_size(const char *dim, int64_t in, int64_t k, int64_t dil, int64_t stride,
                          tfc__nn_padding p, int64_t exp_before, int64_t exp_after, int64_t *out,
                          int64_t *pad_before, tfc_status *st) {
    if (k < 1)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: window size must be positive, got %lld", dim, (long long)k);
    /* Sizes come from graphs (possibly hostile ones): stride, dilation and explicit padding are
     * int32 (tfc__nn_attrs_parse), but a dim may be near INT64_MAX. */
    int64_t e, padded = in, num;
    bool over = __builtin_mul_overflow(k - 1, dil, &e) || __builtin_add_overflow(e, 1, &e);
    if (p == TFC__NN_EXPLICIT)
        over = over || __builtin_add_overflow(in, exp_before + exp_after, &padded);
    over = over || __builtin_add_overflow(padded, stride - (p == TFC__NN_SAME ? 1 : e), &num);
    if (over)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: sizes too large (input %lld, window %lld, dilation %lld)", dim,
                              (long long)in, (long long)k, (long long)dil);
    *out = num / stride; /* truncates toward zero like TF, so a window one stride too big gives 0 */
    *pad_before = p == TFC__NN_EXPLICIT ? exp_before : 0;
    if (p == TFC__NN_SAME) {
        /* (out - 1) * stride - in is in [-stride, -1], so adding e cannot overflow. */
        int64_t need = ((*out - 1) * stride - in) + e;
        *pad_before = need > 0 ? need / 2 : 0;
    }
    if (*out < 0)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Computed output size would be negative: %lld [input_size: %lld, "
                              "effective_filter_size: %lld, stride: %lld] in the %s dimension "
                              "(window %lld, dilation %lld, padding %s)",
                              (long long)*out, (long long)in, (long long)e, (long long)stride, dim,
                              (long long)k, (long long)dil,
                              p == TFC__NN_VALID ? "VALID" : "EXPLICIT");
    return TFC_OK;
}

tfc_code tfc__nn_geom_make(const tfc__nn_attrs *a, int64_t n, int64_t in_h, int64_t in_w,
                           int64_t in_c, int64_t k_h, int64_t k_w, int64_t out_c, tfc__nn_geom *g,
                           tfc_status *st) {
    *g = (tfc__nn_geom){.n = n,
                        .in_h = in_h,
                        .in_w = in_w,
                        .in_c = in_c,
                        .k_h = k_h,
                        .k_w = k_w,
                        .out_c = out_c,
                        .stride_h = a->stride_h,
                        .stride_w = a->stride_w,
                        .dil_h = a->dil_h,
                        .dil_w = a->dil_w};
    if (tfc__nn_out_size("height", in_h, k_h, a->dil_h, a->stride_h, a->padding, a->pad_top,
                         a->pad_bottom, &g->out_h, &g->pad_top, st) ||
        tfc__nn_out_size("width", in_w, k_w, a->dil_w, a->stride_w, a->padding, a->pad_left,
                         a->pad_right, &g->out_w, &g->pad_left, st))
        return st->code;
    return TFC_OK;
}

void tfc__nn_parallel(tfc_threadpool *pool, int64_t n, void (*fn)(void *ctx, int64_t i),
                      void *ctx) {
    if (pool && n > 1) {
        tfc_threadpool_parallel_for(pool, n, fn, ctx);
        return;
    }
    for (int64_t i = 0; i < n; i++) fn(ctx, i);
}

int64_t tfc__nn_num_parts(tfc_threadpool *pool, int64_t units) {
    int64_t t = pool ? tfc_threadpool_size(pool) : 1;
    if (t > units) t = units;
    return t < 1 ? 1 : t;
}

void *tfc__nn_scratch_get(tfc__nn_scratch *s, size_t bytes) {
    if (bytes <= s->cap && s->p) return s->p;
    tfc_aligned_free(s->p);
    s->cap = 0;
    if (!(s->p = tfc_aligned_alloc(bytes ? bytes : 1))) return NULL;
    s->cap = bytes;
    return s->p;
}

void tfc__nn_scratch_free(tfc__nn_scratch *s) {
    tfc_aligned_free(s->p);
    s->p = NULL, s->cap = 0;
}

tfc_code tfc__nn_float_type(const tfc_node *n, const char *attr, tfc_dtype *dt, tfc_status *st) {
    if (tfc_node_attr_type(n, attr, dt, st)) return st->code;
    if (*dt == TFC_DT_FLOAT || *dt == TFC_DT_DOUBLE) return TFC_OK;
    return tfc_status_set(st, TFC_UNIMPLEMENTED,
                          "node '%s': tfc's CPU kernel for %s computes float32 and float64, not %s",
                          tfc_node_name(n), tfc_node_op(n), tfc_dtype_name(*dt));
}

tfc_code tfc__nn_prepare_typed(const tfc_node *n, void **state, tfc_status *st) {
    tfc_dtype dt;
    if (tfc__nn_float_type(n, "T", &dt, st)) return st->code;
    tfc__nn_typed_state *s = tfc_malloc(sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    s->dt = dt;
    *state = s;
    return TFC_OK;
}
