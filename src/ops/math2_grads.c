/* Gradients of the math2 family, as TF's math_grad.py and nn_grad.py build them: Cos, Sin, Log1p
 * from the forward input; FloorMod and DivNoNan at the broadcast shape, summed back to each
 * input's shape with BroadcastGradientArgs + Sum + Reshape (skipped when both static shapes are
 * equal and fully defined); L2Loss as t * grad. Floor, Ceil, Round, FloorDiv, Range, Rank and
 * StopGradient have none (TF registers them as not differentiable or returning None). */
#include "ops/grads.h"
#include "ops/math2_int.h"

/* A scalar 1 of x's dtype (float or double: the only dtypes that carry gradients). */
static tfc_out one_like_dtype(tfc_graph *g, tfc_out x) {
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &(tfc_shape){0, {0}}, &t, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    if (dt == TFC_DT_DOUBLE)
        *(double *)tfc_tensor_data(t) = 1.0;
    else
        *(float *)tfc_tensor_data(t) = 1.0f;
    tfc_out c = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return c;
}

/* gx, gy computed at the broadcast shape of x and y, reduced back to their own shapes. */
static void unbroadcast(tfc_graph *g, tfc_out x, tfc_out y, tfc_out gx, tfc_out gy, tfc_out *din) {
    const tfc_shape *sx = tfc_out_shape(x), *sy = tfc_out_shape(y);
    if (tfc_shape_is_fully_defined(sx) && tfc_shape_equal(sx, sy)) {
        din[0] = gx, din[1] = gy;
        return;
    }
    tfc_out shx = tfc__g1(g, "Shape", x), shy = tfc__g1(g, "Shape", y);
    tfc_node_builder *b = tfc_node_begin(g, "BroadcastGradientArgs", NULL);
    tfc_node_add_input(b, shx);
    tfc_node_add_input(b, shy);
    tfc_node *args = tfc_node_finish(b);
    din[0] = tfc__g2(g, "Reshape", tfc__g2(g, "Sum", gx, tfc_node_output(args, 0)), shx);
    din[1] = tfc__g2(g, "Reshape", tfc__g2(g, "Sum", gy, tfc_node_output(args, 1)), shy);
}

/* _CosGrad: -grad * sin(x). */
void tfc__grad_cos(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] =
        tfc__g2(g, "Mul", tfc__g1(g, "Neg", grads[0]), tfc__g1(g, "Sin", tfc_node_input(op, 0)));
}

/* _SinGrad: grad * cos(x). */
void tfc__grad_sin(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Mul", grads[0], tfc__g1(g, "Cos", tfc_node_input(op, 0)));
}

/* _Log1pGrad: grad * reciprocal(1 + x). */
void tfc__grad_log1p(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0);
    din[0] = tfc__g2(g, "Mul", grads[0],
                     tfc__g1(g, "Reciprocal", tfc__g2(g, "AddV2", one_like_dtype(g, x), x)));
}

/* _FloorModGrad: grad * (1, -floor_div(x, y)). */
void tfc__grad_floor_mod(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1);
    tfc_out gy = tfc__g2(g, "Mul", grads[0], tfc__g1(g, "Neg", tfc__g2(g, "FloorDiv", x, y)));
    unbroadcast(g, x, y, grads[0], gy, din);
}

/* _DivNoNanGrad: (div_no_nan(grad, y), grad * div_no_nan(div_no_nan(-x, y), y)). */
void tfc__grad_div_no_nan(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1);
    tfc_out gx = tfc__g2(g, "DivNoNan", grads[0], y);
    tfc_out q = tfc__g2(g, "DivNoNan", tfc__g2(g, "DivNoNan", tfc__g1(g, "Neg", x), y), y);
    unbroadcast(g, x, y, gx, tfc__g2(g, "Mul", grads[0], q), din);
}

/* _L2LossGrad: t * grad (grad is a scalar). */
void tfc__grad_l2_loss(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Mul", tfc_node_input(op, 0), grads[0]);
}
