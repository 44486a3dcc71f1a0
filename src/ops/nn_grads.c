/* Gradients of the nn family, as TF's nn_grad.py builds them: TF's own gradient ops (BiasAddGrad,
 * Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad, ReluGrad, ...) with the forward op's
 * attrs, so a training graph from tfc is one TensorFlow can load. */
#include <string.h>

#include "ops/grads.h"

/* Copies the named attrs of `from` onto the builder (those it has). */
static void copy_attrs(tfc_node_builder *b, const tfc_node *from, const char *const *names) {
    for (; *names; names++) {
        const char *n = *names;
        const int64_t *ints;
        int count;
        const char *s;
        size_t len;
        bool v;
        if (!tfc_node_has_attr(from, n)) continue;
        if (tfc_node_attr_int_list(from, n, &ints, &count, NULL) == TFC_OK)
            tfc_node_set_attr_int_list(b, n, ints, count);
        else if (tfc_node_attr_string(from, n, &s, &len, NULL) == TFC_OK)
            tfc_node_set_attr_string(b, n, s, len);
        else if (tfc_node_attr_bool(from, n, &v, NULL) == TFC_OK)
            tfc_node_set_attr_bool(b, n, v);
    }
}

static const char *const conv_attrs[] = {"strides",   "padding",          "explicit_paddings",
                                         "dilations", "use_cudnn_on_gpu", "data_format",
                                         NULL};
static const char *const pool_attrs[] = {"ksize",       "strides", "padding", "explicit_paddings",
                                         "data_format", NULL};

static tfc_out build(tfc_graph *g, const char *op, const tfc_node *attrs_from,
                     const char *const *attrs, const tfc_out *ins, int n) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, ins[i]);
    if (attrs_from) copy_attrs(b, attrs_from, attrs);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out shape_of(tfc_graph *g, tfc_out x) {
    return build(g, "Shape", NULL, NULL, &x, 1);
}

void tfc__grad_bias_add(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    static const char *const df[] = {"data_format", NULL};
    din[0] = grads[0];
    din[1] = build(g, "BiasAddGrad", op, df, grads, 1);
}

void tfc__grad_conv2d(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), w = tfc_node_input(op, 1);
    din[0] = build(g, "Conv2DBackpropInput", op, conv_attrs,
                   (tfc_out[]){shape_of(g, x), w, grads[0]}, 3);
    din[1] = build(g, "Conv2DBackpropFilter", op, conv_attrs,
                   (tfc_out[]){x, shape_of(g, w), grads[0]}, 3);
}

void tfc__grad_max_pool(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = build(g, "MaxPoolGrad", op, pool_attrs,
                   (tfc_out[]){tfc_node_input(op, 0), tfc_node_output(op, 0), grads[0]}, 3);
}

void tfc__grad_avg_pool(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = build(g, "AvgPoolGrad", op, pool_attrs,
                   (tfc_out[]){shape_of(g, tfc_node_input(op, 0)), grads[0]}, 2);
}

/* A Const holding the int32 scalar v. */
static tfc_out int_const(tfc_graph *g, int32_t v) {
    tfc_tensor *t = tfc_tensor_scalar_int32(v);
    if (!t) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    tfc_out c = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return c;
}

/* Sum over the last axis, keeping it: [b, n] -> [b, 1]. */
static tfc_out sum_last(tfc_graph *g, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, "Sum", NULL);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, int_const(g, -1));
    tfc_node_set_attr_bool(b, "keep_dims", true);
    return tfc_node_output(tfc_node_finish(b), 0);
}

void tfc__grad_softmax(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    /* dx = (dy - sum(dy * y, -1, keepdims)) * y */
    tfc_out y = tfc_node_output(op, 0);
    din[0] = tfc__g2(g, "Mul",
                     tfc__g2(g, "Sub", grads[0], sum_last(g, tfc__g2(g, "Mul", grads[0], y))), y);
}

void tfc__grad_log_softmax(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    /* dx = dy - sum(dy, -1, keepdims) * softmax(x) */
    tfc_out sm = build(g, "Softmax", NULL, NULL, (tfc_out[]){tfc_node_input(op, 0)}, 1);
    din[0] = tfc__g2(g, "Sub", grads[0], tfc__g2(g, "Mul", sum_last(g, grads[0]), sm));
}

/* The loss gradient [b] times the op's backprop output [b, n]. Gradients flowing into the
 * backprop output itself (second order) are not built. */
static tfc_out xent_logits_grad(tfc_graph *g, tfc_node *op, const tfc_out *grads) {
    if (grads[1].node) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED,
                       "gradient of '%s': gradients through its backprop output (second order) are "
                       "not built by tfc",
                       tfc_node_name(op));
        return (tfc_out){NULL, 0};
    }
    if (!grads[0].node) return (tfc_out){NULL, 0};
    tfc_out col = tfc__g2(g, "ExpandDims", grads[0], int_const(g, -1));
    return tfc__g2(g, "Mul", col, tfc_node_output(op, 1));
}

void tfc__grad_softmax_xent(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = xent_logits_grad(g, op, grads);
    if (grads[0].node) { /* d loss / d labels = -log_softmax(logits) */
        tfc_out ls = build(g, "LogSoftmax", NULL, NULL, (tfc_out[]){tfc_node_input(op, 0)}, 1);
        tfc_out neg = build(g, "Neg", NULL, NULL, &ls, 1);
        din[1] = tfc__g2(g, "Mul", tfc__g2(g, "ExpandDims", grads[0], int_const(g, -1)), neg);
    }
}

void tfc__grad_sparse_softmax_xent(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = xent_logits_grad(g, op, grads);
}

/* Activations: TF's *Grad ops, fed the input or the output as TF's nn_grad.py does. */
void tfc__grad_relu6(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Relu6Grad", grads[0], tfc_node_output(op, 0));
}
void tfc__grad_elu(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "EluGrad", grads[0], tfc_node_output(op, 0));
}
void tfc__grad_softplus(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "SoftplusGrad", grads[0], tfc_node_input(op, 0));
}
void tfc__grad_sigmoid(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "SigmoidGrad", tfc_node_output(op, 0), grads[0]);
}
void tfc__grad_tanh(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "TanhGrad", tfc_node_output(op, 0), grads[0]);
}
