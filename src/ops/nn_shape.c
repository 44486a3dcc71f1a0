/* Shape functions of the nn family, following TF's (common_shape_fns.cc, nn_ops.cc): unknown
 * dims stay unknown, known ones are checked against each other, and an error names the sizes
 * involved. Windowed ops share nn_window.c's attr parsing and output-size rule with the kernels,
 * so what the graph accepts at build time is what the kernel runs. */
#include <stdio.h>
#include <string.h>

#include "ops/nn_int.h"

/* Fails unless input i's rank is unknown or `rank` (exact) / at least `rank` (at_least). */
static tfc_code check_rank(tfc_shape_ctx *c, int i, const char *name, int rank, bool at_least) {
    const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
    if (s->rank < 0 || s->rank == rank || (at_least && s->rank > rank)) return TFC_OK;
    return tfc_shape_ctx_fail(c, "Shape must be %srank %d but is rank %d for input '%s'",
                              at_least ? "at least " : "", rank, s->rank, name);
}

/* Dim d of input i, -1 when unknown (also when the rank is unknown). */
static int64_t dim_of(tfc_shape_ctx *c, int i, int d) {
    const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
    if (s->rank < 0) return -1;
    if (d < 0) d += s->rank;
    return d >= 0 && d < s->rank ? s->dims[d] : -1;
}

/* Merges two dims (-1 unknown) into *out; fails naming both when they are known and differ. */
static tfc_code merge_dim(tfc_shape_ctx *c, int64_t a, int64_t b, const char *what, int64_t *out) {
    if (a >= 0 && b >= 0 && a != b)
        return tfc_shape_ctx_fail(c, "Dimensions must be equal, but are %lld and %lld (%s)",
                                  (long long)a, (long long)b, what);
    *out = a >= 0 ? a : b;
    return TFC_OK;
}

static tfc_code parse_attrs(tfc_shape_ctx *c, bool pool, tfc__nn_attrs *a) {
    tfc_status st = {0};
    if (tfc__nn_attrs_parse(tfc_shape_ctx_node(c), pool, a, &st))
        return tfc_shape_ctx_fail(c, "%s", st.msg);
    return TFC_OK;
}

/* One output dim of a window op; unknown when the input dim is. */
static tfc_code out_dim(tfc_shape_ctx *c, const char *dim, int64_t in, int64_t k, int64_t dil,
                        int64_t stride, const tfc__nn_attrs *a, bool rows, int64_t *out) {
    *out = -1;
    if (in < 0 || k < 0) return TFC_OK;
    int64_t before;
    tfc_status st = {0};
    if (tfc__nn_out_size(dim, in, k, dil, stride, a->padding, rows ? a->pad_top : a->pad_left,
                         rows ? a->pad_bottom : a->pad_right, out, &before, &st))
        return tfc_shape_ctx_fail(c, "%s", st.msg);
    return TFC_OK;
}

/* ---- BiasAdd, BiasAddGrad ---- */

static bool is_nchw(tfc_shape_ctx *c) {
    const char *s;
    size_t n;
    return !tfc_node_attr_string(tfc_shape_ctx_node(c), "data_format", &s, &n, NULL) && n == 4 &&
           !memcmp(s, "NCHW", 4);
}

tfc_code tfc__shape_bias_add(tfc_shape_ctx *c) {
    bool nchw = is_nchw(c);
    if (check_rank(c, 0, "value", nchw ? 3 : 2, true) || check_rank(c, 1, "bias", 1, false))
        return TFC_INVALID_ARGUMENT;
    tfc_shape out = *tfc_shape_ctx_input_shape(c, 0);
    if (out.rank < 0) return tfc__shape_unknown(c);
    int cd = nchw ? 1 : out.rank - 1;
    if (merge_dim(c, out.dims[cd], dim_of(c, 1, 0),
                  nchw ? "the value's channel dim 1 (NCHW) and the bias length"
                       : "the value's last dim and the bias length",
                  &out.dims[cd]))
        return TFC_INVALID_ARGUMENT;
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

tfc_code tfc__shape_bias_add_grad(tfc_shape_ctx *c) {
    bool nchw = is_nchw(c);
    if (check_rank(c, 0, "out_backprop", nchw ? 3 : 2, true)) return TFC_INVALID_ARGUMENT;
    tfc_shape out = tfc_shape_make(1, (int64_t[]){dim_of(c, 0, nchw ? 1 : -1)});
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* ---- Conv2D and its backprops ---- */

/* Checks a convolution's input, filter and output dims against each other: in_c equals the
 * filter's in_c (tfc runs no grouped convolutions), and the output [n, out_h, out_w, out_c]
 * follows from the input when dy (output dims, -1 unknown) is given. */
static tfc_code conv_dims(tfc_shape_ctx *c, const tfc__nn_attrs *a, const int64_t in[4],
                          const int64_t f[4], int64_t out[4]) {
    if (in[3] >= 0 && f[2] >= 0 && in[3] != f[2]) {
        if (f[2] > 0 && in[3] % f[2] == 0)
            return tfc_shape_ctx_fail(c,
                                      "grouped convolution (input depth %lld, filter input "
                                      "depth %lld) is not supported by tfc",
                                      (long long)in[3], (long long)f[2]);
        return tfc_shape_ctx_fail(
            c, "Depth of input (%lld) is not a multiple of input depth of filter (%lld)",
            (long long)in[3], (long long)f[2]);
    }
    int64_t oh, ow;
    if (out_dim(c, "height", in[1], f[0], a->dil_h, a->stride_h, a, true, &oh) ||
        out_dim(c, "width", in[2], f[1], a->dil_w, a->stride_w, a, false, &ow))
        return TFC_INVALID_ARGUMENT;
    int64_t want[4] = {in[0], oh, ow, f[3]};
    static const char *what[4] = {"batch of the input and out_backprop",
                                  "output height computed from the input and out_backprop's",
                                  "output width computed from the input and out_backprop's",
                                  "filter output depth and out_backprop's depth"};
    for (int k = 0; k < 4; k++)
        if (merge_dim(c, want[k], out[k], what[k], &out[k])) return TFC_INVALID_ARGUMENT;
    return TFC_OK;
}

tfc_code tfc__shape_conv2d(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, false, &a) || check_rank(c, 0, "input", 4, false) ||
        check_rank(c, 1, "filter", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t in[4], f[4], out[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4; k++) in[k] = dim_of(c, 0, k), f[k] = dim_of(c, 1, k);
    if (conv_dims(c, &a, in, f, out)) return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, out);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* The value of a 1-D int32 sizes input (TF's MakeShapeFromShapeTensor), when known. Returns the
 * number of values (0 if unknown); fails on a negative size. */
static int sizes_value(tfc_shape_ctx *c, int i, const char *name, int64_t v[4], tfc_code *rc) {
    *rc = TFC_OK;
    const tfc_tensor *t = tfc_shape_ctx_input_value(c, i);
    if (!t) return 0;
    int64_t n = tfc_tensor_num_elements(t);
    if (tfc_tensor_rank(t) != 1 || (n != 4 && n != 2)) {
        *rc = tfc_shape_ctx_fail(c,
                                 "%s must be a vector of 4 sizes (or 2 for input_sizes), got "
                                 "%lld values",
                                 name, (long long)n);
        return 0;
    }
    const int32_t *p = tfc_tensor_data_const(t);
    for (int k = 0; k < n; k++) {
        if (p[k] < 0) {
            *rc = tfc_shape_ctx_fail(c, "%s[%d] is negative: %d", name, k, (int)p[k]);
            return 0;
        }
        v[k] = p[k];
    }
    return (int)n;
}

tfc_code tfc__shape_conv2d_backprop_input(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, false, &a) || check_rank(c, 0, "input_sizes", 1, false) ||
        check_rank(c, 1, "filter", 4, false) || check_rank(c, 2, "out_backprop", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t f[4], dy[4], in[4] = {-1, -1, -1, -1}, v[4];
    for (int k = 0; k < 4; k++) f[k] = dim_of(c, 1, k), dy[k] = dim_of(c, 2, k);
    tfc_code rc;
    int nv = sizes_value(c, 0, "input_sizes", v, &rc);
    if (rc) return rc;
    if (nv == 4) memcpy(in, v, sizeof in);
    if (nv == 2) in[1] = v[0], in[2] = v[1]; /* TF's [height, width] form */
    if (merge_dim(c, in[0], dy[0], "batch of input_sizes and out_backprop", &in[0]) ||
        merge_dim(c, in[3], f[2], "depth of input_sizes and the filter's input depth", &in[3]) ||
        conv_dims(c, &a, in, f, dy))
        return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, in);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

tfc_code tfc__shape_conv2d_backprop_filter(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, false, &a) || check_rank(c, 0, "input", 4, false) ||
        check_rank(c, 1, "filter_sizes", 1, false) || check_rank(c, 2, "out_backprop", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t in[4], dy[4], f[4] = {-1, -1, -1, -1}, v[4];
    for (int k = 0; k < 4; k++) in[k] = dim_of(c, 0, k), dy[k] = dim_of(c, 2, k);
    tfc_code rc;
    int nv = sizes_value(c, 1, "filter_sizes", v, &rc);
    if (rc) return rc;
    if (nv == 2) return tfc_shape_ctx_fail(c, "filter_sizes must have 4 values, got 2");
    if (nv == 4) memcpy(f, v, sizeof f);
    if (merge_dim(c, f[2], in[3], "filter_sizes' input depth and the input's depth", &f[2]) ||
        merge_dim(c, f[3], dy[3], "filter_sizes' output depth and out_backprop's depth", &f[3]) ||
        conv_dims(c, &a, in, f, dy))
        return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, f);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* ---- Pools ---- */

/* The pooled output of input dims in[4]; checks it against out[4] (-1 = unknown) and fills it. */
static tfc_code pool_dims(tfc_shape_ctx *c, const tfc__nn_attrs *a, const int64_t in[4],
                          int64_t out[4]) {
    int64_t oh, ow;
    if (out_dim(c, "height", in[1], a->k_h, 1, a->stride_h, a, true, &oh) ||
        out_dim(c, "width", in[2], a->k_w, 1, a->stride_w, a, false, &ow))
        return TFC_INVALID_ARGUMENT;
    int64_t want[4] = {in[0], oh, ow, in[3]};
    static const char *what[4] = {
        "batch of the input and grad", "output height computed from the input and grad's",
        "output width computed from the input and grad's", "depth of the input and grad"};
    for (int k = 0; k < 4; k++)
        if (merge_dim(c, want[k], out[k], what[k], &out[k])) return TFC_INVALID_ARGUMENT;
    return TFC_OK;
}

tfc_code tfc__shape_pool(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, true, &a) || check_rank(c, 0, "input", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t in[4], out[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4; k++) in[k] = dim_of(c, 0, k);
    if (pool_dims(c, &a, in, out)) return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, out);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* MaxPoolGrad(orig_input, orig_output, grad): the gradient has orig_input's shape. */
tfc_code tfc__shape_max_pool_grad(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, true, &a) || check_rank(c, 0, "orig_input", 4, false) ||
        check_rank(c, 1, "orig_output", 4, false) || check_rank(c, 2, "grad", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t in[4], out[4];
    for (int k = 0; k < 4; k++) {
        in[k] = dim_of(c, 0, k);
        if (merge_dim(c, dim_of(c, 1, k), dim_of(c, 2, k), "orig_output and grad", &out[k]))
            return TFC_INVALID_ARGUMENT;
    }
    if (pool_dims(c, &a, in, out)) return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, in);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* AvgPoolGrad(orig_input_shape, grad): orig_input_shape's value when known. */
tfc_code tfc__shape_avg_pool_grad(tfc_shape_ctx *c) {
    tfc__nn_attrs a;
    if (parse_attrs(c, true, &a) || check_rank(c, 0, "orig_input_shape", 1, false) ||
        check_rank(c, 1, "grad", 4, false))
        return TFC_INVALID_ARGUMENT;
    int64_t in[4] = {-1, -1, -1, -1}, out[4], v[4];
    tfc_code rc;
    int nv = sizes_value(c, 0, "orig_input_shape", v, &rc);
    if (rc) return rc;
    if (nv == 2) return tfc_shape_ctx_fail(c, "orig_input_shape must have 4 values, got 2");
    if (nv == 4) memcpy(in, v, sizeof in);
    for (int k = 0; k < 4; k++) out[k] = dim_of(c, 1, k);
    if (merge_dim(c, in[0], out[0], "batch of orig_input_shape and grad", &in[0]) ||
        merge_dim(c, in[3], out[3], "depth of orig_input_shape and grad", &in[3]) ||
        pool_dims(c, &a, in, out))
        return TFC_INVALID_ARGUMENT;
    tfc_shape s = tfc_shape_make(4, in);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* ---- Softmax and the cross entropies ---- */

tfc_code tfc__shape_softmax(tfc_shape_ctx *c) {
    if (check_rank(c, 0, "logits", 1, true)) return TFC_INVALID_ARGUMENT;
    return tfc__shape_unchanged(c);
}

/* SoftmaxCrossEntropyWithLogits(features, labels): both [batch, classes], or broadcastable to
 * it (TF 2's rule); loss is [batch], backprop the broadcast shape. */
tfc_code tfc__shape_xent(tfc_shape_ctx *c) {
    const tfc_shape *f = tfc_shape_ctx_input_shape(c, 0), *l = tfc_shape_ctx_input_shape(c, 1);
    char a[96], b[96];
    if ((f->rank >= 0 && f->rank != 2) || (l->rank >= 0 && l->rank != 2))
        return tfc_shape_ctx_fail(c,
                                  "features and labels must be rank 2 ([batch, classes]), got %s "
                                  "and %s",
                                  tfc_shape_to_string(f, a, sizeof a),
                                  tfc_shape_to_string(l, b, sizeof b));
    int64_t out[2];
    for (int k = 0; k < 2; k++) {
        int64_t x = dim_of(c, 0, k), y = dim_of(c, 1, k);
        if (x >= 0 && y >= 0 && x != y && x != 1 && y != 1)
            return tfc_shape_ctx_fail(c,
                                      "logits and labels must be broadcastable: logits_size=%s "
                                      "labels_size=%s",
                                      tfc_shape_to_string(f, a, sizeof a),
                                      tfc_shape_to_string(l, b, sizeof b));
        out[k] = x == 1 ? y : y == 1 ? x : x >= 0 ? x : y;
        if ((x < 0 && y == 1) || (y < 0 && x == 1)) out[k] = -1;
    }
    tfc_shape loss = tfc_shape_make(1, out), bp = tfc_shape_make(2, out);
    tfc_shape_ctx_set_output(c, 0, &loss);
    tfc_shape_ctx_set_output(c, 1, &bp);
    return TFC_OK;
}

/* SparseSoftmaxCrossEntropyWithLogits(features [batch, classes], labels [batch]). */
tfc_code tfc__shape_sparse_xent(tfc_shape_ctx *c) {
    if (check_rank(c, 0, "features", 2, false) || check_rank(c, 1, "labels", 1, false))
        return TFC_INVALID_ARGUMENT;
    int64_t batch;
    if (merge_dim(c, dim_of(c, 0, 0), dim_of(c, 1, 0), "batch of features and labels", &batch))
        return TFC_INVALID_ARGUMENT;
    tfc_shape loss = tfc_shape_make(1, &batch),
              bp = tfc_shape_make(2, (int64_t[]){batch, dim_of(c, 0, 1)});
    tfc_shape_ctx_set_output(c, 0, &loss);
    tfc_shape_ctx_set_output(c, 1, &bp);
    return TFC_OK;
}

/* ---- Elementwise gradients: both inputs have one shape ---- */

tfc_code tfc__shape_merge_inputs(tfc_shape_ctx *c) {
    const tfc_shape *x = tfc_shape_ctx_input_shape(c, 0), *y = tfc_shape_ctx_input_shape(c, 1);
    tfc_shape m;
    char a[96], b[96];
    if (!tfc_shape_merge(x, y, &m))
        return tfc_shape_ctx_fail(c,
                                  "Incompatible shapes: %s vs. %s (both inputs must have one "
                                  "shape)",
                                  tfc_shape_to_string(x, a, sizeof a),
                                  tfc_shape_to_string(y, b, sizeof b));
    tfc_shape_ctx_set_output(c, 0, &m);
    return TFC_OK;
}
