/* Gradients of the base and array families, following TF's math_grad.py / array_grad.py: the
 * broadcasting binary ops reduce their gradients back to each input's shape with
 * BroadcastGradientArgs + Sum + Reshape; MatMul's use MatMul with the transposes TF picks; Relu's
 * is TF's ReluGrad op. */
#include <string.h>

#include "ops/grads.h"

tfc_out tfc__grad_op(tfc_graph *g, const char *op, const tfc_out *in, int n) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out matmul(tfc_graph *g, tfc_out a, tfc_out x, bool ta, bool tb) {
    tfc_node_builder *b = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(b, a);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_bool(b, "transpose_a", ta);
    tfc_node_set_attr_bool(b, "transpose_b", tb);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static bool same_static_shape(tfc_out a, tfc_out b) {
    const tfc_shape *sa = tfc_out_shape(a), *sb = tfc_out_shape(b);
    return tfc_shape_is_fully_defined(sa) && tfc_shape_equal(sa, sb);
}

/* gx, gy computed as if x and y had the broadcast shape; reduced back to their own shapes. */
static void unbroadcast(tfc_graph *g, tfc_out x, tfc_out y, tfc_out gx, tfc_out gy, tfc_out *din) {
    if (same_static_shape(x, y)) {
        din[0] = gx, din[1] = gy;
        return;
    }
    tfc_out sx = tfc__g1(g, "Shape", x), sy = tfc__g1(g, "Shape", y);
    tfc_node_builder *b = tfc_node_begin(g, "BroadcastGradientArgs", NULL);
    tfc_node_add_input(b, sx);
    tfc_node_add_input(b, sy);
    tfc_node *args = tfc_node_finish(b);
    if (gx.node)
        din[0] = tfc__g2(g, "Reshape", tfc__g2(g, "Sum", gx, tfc_node_output(args, 0)), sx);
    if (gy.node)
        din[1] = tfc__g2(g, "Reshape", tfc__g2(g, "Sum", gy, tfc_node_output(args, 1)), sy);
}

void tfc__grad_identity(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)g, (void)op;
    din[0] = grads[0];
}

void tfc__grad_identity_n(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)g;
    for (int j = 0; j < tfc_node_num_inputs(op); j++) din[j] = grads[j];
}

void tfc__grad_add_n(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)g;
    for (int j = 0; j < tfc_node_num_inputs(op); j++) din[j] = grads[0];
}

void tfc__grad_add(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    unbroadcast(g, tfc_node_input(op, 0), tfc_node_input(op, 1), grads[0], grads[0], din);
}

void tfc__grad_sub(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    unbroadcast(g, tfc_node_input(op, 0), tfc_node_input(op, 1), grads[0],
                tfc__g1(g, "Neg", grads[0]), din);
}

void tfc__grad_mul(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1);
    unbroadcast(g, x, y, tfc__g2(g, "Mul", grads[0], y), tfc__g2(g, "Mul", x, grads[0]), din);
}

void tfc__grad_real_div(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1);
    tfc_out gx = tfc__g2(g, "RealDiv", grads[0], y);
    tfc_out gy = tfc__g2(g, "Mul", grads[0],
                         tfc__g2(g, "RealDiv", tfc__g2(g, "RealDiv", tfc__g1(g, "Neg", x), y), y));
    unbroadcast(g, x, y, gx, gy, din);
}

void tfc__grad_neg(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)op;
    din[0] = tfc__g1(g, "Neg", grads[0]);
}

/* A scalar constant v of dtype dt (float or double). */
static tfc_out scalar(tfc_graph *g, tfc_dtype dt, double v) {
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &(tfc_shape){0, {0}}, &t, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    if (dt == TFC_DT_DOUBLE)
        *(double *)tfc_tensor_data(t) = v;
    else
        *(float *)tfc_tensor_data(t) = (float)v;
    tfc_out c = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return c;
}

void tfc__grad_square(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0);
    din[0] = tfc__g2(g, "Mul", grads[0], tfc__g2(g, "Mul", x, scalar(g, tfc_out_dtype(x), 2.0)));
}

void tfc__grad_relu(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "ReluGrad", grads[0], tfc_node_output(op, 0));
}

void tfc__grad_matmul(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    bool ta = false, tb = false;
    tfc_node_attr_bool(op, "transpose_a", &ta, NULL);
    tfc_node_attr_bool(op, "transpose_b", &tb, NULL);
    tfc_out a = tfc_node_input(op, 0), b = tfc_node_input(op, 1), d = grads[0];
    if (!ta && !tb) {
        din[0] = matmul(g, d, b, false, true);
        din[1] = matmul(g, a, d, true, false);
    } else if (!ta && tb) {
        din[0] = matmul(g, d, b, false, false);
        din[1] = matmul(g, d, a, true, false);
    } else if (ta && !tb) {
        din[0] = matmul(g, b, d, false, true);
        din[1] = matmul(g, a, d, false, false);
    } else {
        din[0] = matmul(g, b, d, true, true);
        din[1] = matmul(g, d, a, true, true);
    }
}

void tfc__grad_reshape(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Reshape", grads[0], tfc__g1(g, "Shape", tfc_node_input(op, 0)));
}

void tfc__grad_expand_dims(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc__grad_reshape(g, op, grads, din);
}

/* Sum's gradient: the output gradient reshaped with the reduced dims kept as 1, then broadcast
 * back over the input. tfc builds the kept shape statically, so the input's rank and the axes
 * must be known when the gradient is built (TF computes them at run time with ReducedShape). */
void tfc__grad_sum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), ax = tfc_node_input(op, 1);
    const tfc_shape *xs = tfc_out_shape(x);
    const tfc_tensor *axes = NULL;
    if (!strcmp(tfc_node_op(ax.node), "Const")) tfc_node_attr_tensor(ax.node, "value", &axes, NULL);
    if (xs->rank < 0 || !axes) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED,
                       "gradient of '%s' (Sum): tfc needs the input's rank and constant axes",
                       tfc_node_name(op));
        return;
    }
    int64_t kept[TFC_MAX_RANK];
    bool mask[TFC_MAX_RANK] = {false};
    for (int64_t i = 0; i < tfc_tensor_num_elements(axes); i++) {
        const void *p = tfc_tensor_data_const(axes);
        int64_t a = tfc_tensor_dtype(axes) == TFC_DT_INT64 ? ((const int64_t *)p)[i]
                                                           : ((const int32_t *)p)[i];
        if (a < 0) a += xs->rank;
        if (a >= 0 && a < xs->rank) mask[a] = true;
    }
    for (int d = 0; d < xs->rank; d++) kept[d] = mask[d] ? 1 : xs->dims[d];
    tfc_tensor *ks;
    tfc_shape ksh = tfc_shape_make(1, (int64_t[]){xs->rank});
    if (tfc_tensor_new(TFC_DT_INT64, &ksh, &ks, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return;
    }
    memcpy(tfc_tensor_data(ks), kept, sizeof(int64_t) * (size_t)xs->rank);
    /* unknown dims of x stay -1 in kept: Reshape infers at most one; more need run-time shapes */
    tfc_out k = tfc_const(g, "Const", ks);
    tfc_tensor_unref(ks);
    din[0] = tfc__g2(g, "Mul", tfc__g1(g, "OnesLike", x), tfc__g2(g, "Reshape", grads[0], k));
}

/* Fill's gradient (TF's _FillGrad): none for dims; the sum of every element's gradient for the
 * value, taken here as Sum(Reshape(grad, [-1]), [0]) so the rank need not be known. */
void tfc__grad_fill(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)op;
    int32_t minus_one = -1, zero = 0;
    tfc_tensor *flat = NULL, *axis = NULL;
    if (tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {1}}, &minus_one, 4, &flat, NULL) ||
        tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {1}}, &zero, 4, &axis, NULL)) {
        tfc_tensor_unref(flat);
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return;
    }
    tfc_out f = tfc_const(g, "Const", flat), a = tfc_const(g, "Const", axis);
    tfc_tensor_unref(flat), tfc_tensor_unref(axis);
    din[1] = tfc__g2(g, "Sum", tfc__g2(g, "Reshape", grads[0], f), a);
}
