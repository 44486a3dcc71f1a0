/* Gradients of the math family, following TF's math_grad.py: broadcasting binary ops compute
 * their input gradients at the broadcast shape and reduce them back with BroadcastGradientArgs +
 * Sum + Reshape; Sqrt, Rsqrt and Reciprocal use TF's SqrtGrad, RsqrtGrad, ReciprocalGrad ops;
 * reductions broadcast the output gradient back over the reduced axes, which tfc does with a
 * constant kept-dims shape, so their input's rank and axes must be known when the gradient is
 * built (as for Sum). */
#include <string.h>

#include "ops/grads.h"
#include "ops/math_int.h"

static tfc_out cast(tfc_graph *g, tfc_out a, tfc_dtype dt) {
    tfc_node_builder *b = tfc_node_begin(g, "Cast", NULL);
    tfc_node_add_input(b, a);
    tfc_node_set_attr_type(b, "DstT", dt);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* A constant from a new tensor (consumed); {NULL, 0} with the graph failed when t is NULL. */
static tfc_out konst(tfc_graph *g, tfc_tensor *t) {
    if (!t) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    tfc_out c = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return c;
}

/* A scalar constant v of dtype dt (float or double). */
static tfc_out scalar(tfc_graph *g, tfc_dtype dt, double v) {
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &(tfc_shape){0, {0}}, &t, NULL) != TFC_OK) return konst(g, NULL);
    if (dt == TFC_DT_DOUBLE)
        *(double *)tfc_tensor_data(t) = v;
    else
        *(float *)tfc_tensor_data(t) = (float)v;
    return konst(g, t);
}

static tfc_out int_vector(tfc_graph *g, const int64_t *v, int n) {
    tfc_tensor *t;
    tfc_shape s = tfc_shape_make(1, (int64_t[]){n});
    if (tfc_tensor_new(TFC_DT_INT64, &s, &t, NULL) != TFC_OK) return konst(g, NULL);
    if (n) memcpy(tfc_tensor_data(t), v, sizeof(int64_t) * (size_t)n);
    return konst(g, t);
}

static bool same_static_shape(tfc_out a, tfc_out b) {
    const tfc_shape *sa = tfc_out_shape(a), *sb = tfc_out_shape(b);
    return tfc_shape_is_fully_defined(sa) && tfc_shape_equal(sa, sb);
}

/* grad (at a broadcast shape) summed down to the input shape shape_x: r is the
 * BroadcastGradientArgs output for that input's side. */
static tfc_out reduce_to(tfc_graph *g, tfc_out grad, tfc_out shape_x, tfc_out r) {
    return tfc__g2(g, "Reshape", tfc__g2(g, "Sum", grad, r), shape_x);
}

/* gx, gy computed at the broadcast shape of x and y; reduced back to their own shapes. */
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
    if (gx.node) din[0] = reduce_to(g, gx, sx, tfc_node_output(args, 0));
    if (gy.node) din[1] = reduce_to(g, gy, sy, tfc_node_output(args, 1));
}

/* _MaximumMinimumGrad: the gradient goes to x where x >= y (Maximum) or x <= y (Minimum). */
static void max_min_grad(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din,
                         const char *cmp) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1), d = grads[0];
    tfc_out mask = tfc__g2(g, cmp, x, y), zeros = tfc__g1(g, "ZerosLike", d);
    unbroadcast(g, x, y, tfc__g3(g, "SelectV2", mask, d, zeros),
                tfc__g3(g, "SelectV2", mask, zeros, d), din);
}

void tfc__grad_maximum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    max_min_grad(g, op, grads, din, "GreaterEqual");
}

void tfc__grad_minimum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    max_min_grad(g, op, grads, din, "LessEqual");
}

void tfc__grad_squared_difference(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1);
    tfc_out two = scalar(g, tfc_out_dtype(x), 2.0);
    tfc_out gx = tfc__g2(g, "Mul", tfc__g2(g, "Mul", two, grads[0]), tfc__g2(g, "Sub", x, y));
    unbroadcast(g, x, y, gx, tfc__g1(g, "Neg", gx), din);
}

/* d/dx = grad * y * x^(y-1); d/dy = grad * z * log(x), with log(x) taken as 0 where x <= 0. */
void tfc__grad_pow(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1), z = tfc_node_output(op, 0);
    tfc_out d = grads[0];
    tfc_dtype dt = tfc_out_dtype(x);
    tfc_out gx = tfc__g2(g, "Mul", tfc__g2(g, "Mul", d, y),
                         tfc__g2(g, "Pow", x, tfc__g2(g, "Sub", y, scalar(g, dt, 1.0))));
    tfc_out zeros = tfc__g1(g, "ZerosLike", x);
    tfc_out mask = tfc__g2(g, "Greater", x, zeros);
    tfc_out safe_x = tfc__g3(g, "SelectV2", mask, x, tfc__g1(g, "OnesLike", x));
    tfc_out log_x = tfc__g3(g, "SelectV2", mask, tfc__g1(g, "Log", safe_x), zeros);
    unbroadcast(g, x, y, gx, tfc__g2(g, "Mul", tfc__g2(g, "Mul", d, z), log_x), din);
}

void tfc__grad_select(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out c = tfc_node_input(op, 0), zeros = tfc__g1(g, "ZerosLike", tfc_node_input(op, 1));
    din[1] = tfc__g3(g, "Select", c, grads[0], zeros);
    din[2] = tfc__g3(g, "Select", c, zeros, grads[0]);
}

/* _SelectGradV2: each branch's gradient at the output shape, summed down to the branch's. */
void tfc__grad_select_v2(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out c = tfc_node_input(op, 0), d = grads[0], zeros = tfc__g1(g, "ZerosLike", d);
    tfc_out z = tfc_node_output(op, 0);
    tfc_out branch[2] = {tfc__g3(g, "SelectV2", c, d, zeros), tfc__g3(g, "SelectV2", c, zeros, d)};
    for (int k = 0; k < 2; k++) {
        tfc_out x = tfc_node_input(op, 1 + k);
        if (same_static_shape(x, z)) {
            din[1 + k] = branch[k];
            continue;
        }
        tfc_out sx = tfc__g1(g, "Shape", x);
        tfc_node_builder *b = tfc_node_begin(g, "BroadcastGradientArgs", NULL);
        tfc_node_add_input(b, sx);
        tfc_node_add_input(b, tfc__g1(g, "Shape", z));
        din[1 + k] = reduce_to(g, branch[k], sx, tfc_node_output(tfc_node_finish(b), 0));
    }
}

void tfc__grad_abs(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Mul", grads[0], tfc__g1(g, "Sign", tfc_node_input(op, 0)));
}

void tfc__grad_sign(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    (void)grads;
    din[0] = tfc__g1(g, "ZerosLike", tfc_node_input(op, 0));
}

void tfc__grad_sqrt(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "SqrtGrad", tfc_node_output(op, 0), grads[0]);
}

void tfc__grad_rsqrt(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "RsqrtGrad", tfc_node_output(op, 0), grads[0]);
}

void tfc__grad_reciprocal(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "ReciprocalGrad", tfc_node_output(op, 0), grads[0]);
}

void tfc__grad_exp(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Mul", grads[0], tfc_node_output(op, 0));
}

void tfc__grad_log(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Mul", grads[0], tfc__g1(g, "Reciprocal", tfc_node_input(op, 0)));
}

/* _CastGrad: only between float types; the gradient is cast back to the source type. */
void tfc__grad_cast(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_dtype src = TFC_DT_INVALID, dst = TFC_DT_INVALID;
    tfc_node_attr_type(op, "SrcT", &src, NULL);
    tfc_node_attr_type(op, "DstT", &dst, NULL);
    bool fs =
        src == TFC_DT_FLOAT || src == TFC_DT_DOUBLE || src == TFC_DT_HALF || src == TFC_DT_BFLOAT16;
    bool fd =
        dst == TFC_DT_FLOAT || dst == TFC_DT_DOUBLE || dst == TFC_DT_HALF || dst == TFC_DT_BFLOAT16;
    if (fs && fd) din[0] = cast(g, grads[0], src);
}

/* The output's shape with the reduced dims kept as 1, as a constant; false (graph failed) when
 * the input's rank or the axes are not known now. */
static bool kept_shape(tfc_graph *g, tfc_node *op, tfc_out *out) {
    tfc_out x = tfc_node_input(op, 0), ax = tfc_node_input(op, 1);
    const tfc_shape *xs = tfc_out_shape(x);
    const tfc_tensor *axes = NULL;
    if (!strcmp(tfc_node_op(ax.node), "Const")) tfc_node_attr_tensor(ax.node, "value", &axes, NULL);
    if (xs->rank < 0 || !axes) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED,
                       "gradient of '%s' (%s): tfc needs the input's rank and constant axes",
                       tfc_node_name(op), tfc_node_op(op));
        return false;
    }
    bool mask[TFC_MAX_RANK] = {false};
    const void *p = tfc_tensor_data_const(axes);
    for (int64_t i = 0; i < tfc_tensor_num_elements(axes); i++) {
        int64_t a = tfc_tensor_dtype(axes) == TFC_DT_INT64 ? ((const int64_t *)p)[i]
                                                           : ((const int32_t *)p)[i];
        if (a < 0) a += xs->rank;
        if (a >= 0 && a < xs->rank) mask[a] = true;
    }
    int64_t kept[TFC_MAX_RANK];
    for (int d = 0; d < xs->rank; d++) kept[d] = mask[d] ? 1 : xs->dims[d];
    *out = int_vector(g, kept, xs->rank);
    return out->node != NULL;
}

/* _MeanGrad: the output gradient broadcast back over the reduced axes, divided by the number of
 * elements each output averages (a constant when both shapes are known, else computed at run
 * time from their Shapes). */
void tfc__grad_mean(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out k;
    if (!kept_shape(g, op, &k)) return;
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_output(op, 0);
    tfc_dtype dt = tfc_out_dtype(x);
    const tfc_shape *xs = tfc_out_shape(x), *ys = tfc_out_shape(y);
    tfc_out factor;
    if (tfc_shape_is_fully_defined(xs) && tfc_shape_is_fully_defined(ys)) {
        int64_t nx = tfc_shape_num_elements(xs), ny = tfc_shape_num_elements(ys);
        factor = scalar(g, dt, (double)nx / (double)(ny > 0 ? ny : 1));
    } else {
        tfc_out zero = int_vector(g, (int64_t[]){0}, 1);
        tfc_out nx = cast(g, tfc__g2(g, "Prod", tfc__g1(g, "Shape", x), zero), dt);
        tfc_out ny = cast(g, tfc__g2(g, "Prod", tfc__g1(g, "Shape", y), zero), dt);
        factor = tfc__g2(g, "RealDiv", nx, tfc__g2(g, "Maximum", ny, scalar(g, dt, 1.0)));
    }
    tfc_out spread =
        tfc__g2(g, "Mul", tfc__g1(g, "OnesLike", x), tfc__g2(g, "Reshape", grads[0], k));
    din[0] = tfc__g2(g, "RealDiv", spread, factor);
}

/* _MinOrMaxGrad: the gradient is shared equally by the elements equal to the result. */
void tfc__grad_max_min(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out k;
    if (!kept_shape(g, op, &k)) return;
    tfc_out x = tfc_node_input(op, 0), axes = tfc_node_input(op, 1);
    tfc_out y = tfc__g2(g, "Reshape", tfc_node_output(op, 0), k);
    tfc_out d = tfc__g2(g, "Reshape", grads[0], k);
    tfc_out ind = cast(g, tfc__g2(g, "Equal", y, x), tfc_out_dtype(x));
    tfc_out num = tfc__g2(g, "Reshape", tfc__g2(g, "Sum", ind, axes), k);
    din[0] = tfc__g2(g, "Mul", tfc__g2(g, "RealDiv", ind, num), d);
}

/* Prod: each input's gradient is the product of the other elements of its group. TF's _ProdGrad
 * gets it from exclusive cumulative products; tfc gets the same values from ops it has: with no
 * zero in the group it is prod / x, with exactly one zero it is the product of the nonzero
 * elements at the zero and 0 elsewhere, with two or more zeros it is 0. */
void tfc__grad_prod(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out k;
    if (!kept_shape(g, op, &k)) return;
    tfc_out x = tfc_node_input(op, 0), axes = tfc_node_input(op, 1);
    tfc_out d = tfc__g2(g, "Reshape", grads[0], k);
    tfc_out zero = tfc__g1(g, "ZerosLike", x), is_zero = tfc__g2(g, "Equal", x, zero);
    tfc_out safe = tfc__g3(g, "SelectV2", is_zero, tfc__g1(g, "OnesLike", x), x);
    tfc_out zeros_in_group =
        tfc__g2(g, "Reshape", tfc__g2(g, "Sum", cast(g, is_zero, tfc_out_dtype(x)), axes), k);
    tfc_out prod_nonzero = tfc__g2(g, "Reshape", tfc__g2(g, "Prod", safe, axes), k);
    tfc_out no_zero = tfc__g2(g, "Equal", zeros_in_group, tfc__g1(g, "ZerosLike", zeros_in_group));
    tfc_out one_zero = tfc__g2(g, "Equal", zeros_in_group, tfc__g1(g, "OnesLike", zeros_in_group));
    tfc_out at_one_zero = tfc__g3(g, "SelectV2", is_zero, prod_nonzero, zero);
    tfc_out others = tfc__g3(g, "SelectV2", no_zero, tfc__g2(g, "RealDiv", prod_nonzero, safe),
                             tfc__g3(g, "SelectV2", one_zero, at_one_zero, zero));
    din[0] = tfc__g2(g, "Mul", others, d);
}
