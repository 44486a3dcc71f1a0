/* Gradients of the manip family, following TF's array_grad.py and using the same ops TF's use, so
 * a training graph exported from tfc loads in TensorFlow: Transpose's is a Transpose by
 * InvertPermutation(perm); ConcatV2's slices the gradient at ConcatOffset; Pack and Unpack undo
 * each other; Tile's reshapes to [m0, d0, m1, d1, ...] and sums the even axes; Slice's and
 * StridedSlice's are StridedSliceGrad (Slice as a stride-1 StridedSlice ending at begin + size:
 * TF pads instead, which needs Pad). */
#include <string.h>

#include "ops/grads.h"
#include "ops/manip_int.h"

/* Shape(x) with out_type dt (int32 or int64). */
static tfc_out shape_of(tfc_graph *g, tfc_out x, tfc_dtype dt) {
    tfc_node_builder *b = tfc_node_begin(g, "Shape", NULL);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "out_type", dt);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* A Const holding n int64 values as dtype dt (a vector, or a scalar when n < 0 with v[0]). */
static tfc_out int_const(tfc_graph *g, tfc_dtype dt, const int64_t *v, int n) {
    tfc_shape s = n < 0 ? tfc_shape_scalar() : tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &s, &t, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    for (int i = 0; i < (n < 0 ? 1 : n); i++) {
        if (dt == TFC_DT_INT64)
            ((int64_t *)tfc_tensor_data(t))[i] = v[i];
        else
            ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
    }
    tfc_out c = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return c;
}

/* The value of o when it is a Const (borrowed from the node), else NULL. */
static const tfc_tensor *const_value(tfc_out o) {
    const tfc_tensor *v = NULL;
    if (o.node && !strcmp(tfc_node_op(o.node), "Const"))
        tfc_node_attr_tensor(o.node, "value", &v, NULL);
    return v;
}

void tfc__grad_squeeze(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] = tfc__g2(g, "Reshape", grads[0], tfc__g1(g, "Shape", tfc_node_input(op, 0)));
}

void tfc__grad_transpose(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    din[0] =
        tfc__g2(g, "Transpose", grads[0], tfc__g1(g, "InvertPermutation", tfc_node_input(op, 1)));
}

void tfc__grad_concat_v2(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    int n = tfc_node_num_inputs(op) - 1;
    tfc_out ax = tfc_node_input(op, n);
    const tfc_tensor *av = const_value(ax);
    tfc_out axis32;
    if (av && tfc_tensor_num_elements(av) == 1) {
        int64_t a = tfc__manip_int_at(av, 0);
        axis32 = int_const(g, TFC_DT_INT32, &a, -1);
    } else if (tfc_out_dtype(ax) == TFC_DT_INT32) {
        axis32 = ax; /* ConcatOffset accepts a negative axis */
    } else {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED,
                       "gradient of '%s' (ConcatV2): an int64 axis must be a constant",
                       tfc_node_name(op));
        return;
    }
    tfc_out shapes[256];
    if (n > 256) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED, "gradient of '%s' (ConcatV2): more than 256 inputs",
                       tfc_node_name(op));
        return;
    }
    for (int i = 0; i < n; i++) shapes[i] = shape_of(g, tfc_node_input(op, i), TFC_DT_INT32);
    tfc_node_builder *b = tfc_node_begin(g, "ConcatOffset", NULL);
    tfc_node_add_input(b, axis32);
    tfc_node_add_input_list(b, shapes, n);
    tfc_node *off = tfc_node_finish(b);
    for (int i = 0; i < n; i++) {
        b = tfc_node_begin(g, "Slice", NULL);
        tfc_node_add_input(b, grads[0]);
        tfc_node_add_input(b, tfc_node_output(off, i));
        tfc_node_add_input(b, shapes[i]);
        din[i] = tfc_node_output(tfc_node_finish(b), 0);
    }
}

void tfc__grad_pack(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    int64_t n = tfc_node_num_inputs(op), axis = 0;
    tfc_node_attr_int(op, "axis", &axis, NULL);
    tfc_node_builder *b = tfc_node_begin(g, "Unpack", NULL);
    tfc_node_add_input(b, grads[0]);
    tfc_node_set_attr_int(b, "num", n);
    tfc_node_set_attr_int(b, "axis", axis);
    tfc_node *u = tfc_node_finish(b);
    for (int i = 0; i < n; i++) din[i] = tfc_node_output(u, i);
}

void tfc__grad_unpack(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    int n = tfc_node_num_outputs(op);
    int64_t axis = 0;
    tfc_node_attr_int(op, "axis", &axis, NULL);
    tfc_out parts[256];
    if (n > 256 || n == 0) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED, "gradient of '%s' (Unpack): num must be in [1, 256]",
                       tfc_node_name(op));
        return;
    }
    /* outputs no gradient reached contribute zeros */
    for (int i = 0; i < n; i++)
        parts[i] = grads[i].node ? grads[i] : tfc__g1(g, "ZerosLike", tfc_node_output(op, i));
    tfc_node_builder *b = tfc_node_begin(g, "Pack", NULL);
    tfc_node_add_input_list(b, parts, n);
    tfc_node_set_attr_int(b, "axis", axis);
    din[0] = tfc_node_output(tfc_node_finish(b), 0);
}

/* TF's _TileGrad: split_shape = reshape(transpose(stack([multiples, shape(x)])), [-1]), i.e.
 * [m0, d0, m1, d1, ...]; the gradient reshaped to it and summed over the even axes. Needs the
 * input's rank when the gradient is built (for the axes). */
void tfc__grad_tile(tfc_graph *g, tfc_node *op, tfc_out const *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), m = tfc_node_input(op, 1);
    int rank = tfc_out_shape(x)->rank;
    if (rank < 0) {
        tfc_graph_fail(g, TFC_UNIMPLEMENTED, "gradient of '%s' (Tile): tfc needs the input's rank",
                       tfc_node_name(op));
        return;
    }
    tfc_dtype it = tfc_out_dtype(m);
    tfc_out both[2] = {m, shape_of(g, x, it)};
    tfc_node_builder *b = tfc_node_begin(g, "Pack", NULL);
    tfc_node_add_input_list(b, both, 2);
    tfc_out stacked = tfc_node_output(tfc_node_finish(b), 0);
    int64_t perm[2] = {1, 0}, minus1 = -1, axes[TFC_MAX_RANK];
    tfc_out tr = tfc__g2(g, "Transpose", stacked, int_const(g, TFC_DT_INT32, perm, 2));
    tfc_out split = tfc__g2(g, "Reshape", tr, int_const(g, it, &minus1, 1));
    for (int d = 0; d < rank; d++) axes[d] = 2 * d;
    tfc_out r = tfc__g2(g, "Reshape", grads[0], split);
    din[0] = tfc__g2(g, "Sum", r, int_const(g, TFC_DT_INT32, axes, rank));
}

static tfc_out strided_slice_grad(tfc_graph *g, const tfc_node *masks_from, tfc_out shape,
                                  tfc_out begin, tfc_out end, tfc_out strides, tfc_out dy) {
    tfc_node_builder *b = tfc_node_begin(g, "StridedSliceGrad", NULL);
    tfc_node_add_input(b, shape);
    tfc_node_add_input(b, begin);
    tfc_node_add_input(b, end);
    tfc_node_add_input(b, strides);
    tfc_node_add_input(b, dy);
    if (masks_from) {
        tfc_slice_masks m;
        tfc__slice_masks(masks_from, &m);
        tfc_node_set_attr_int(b, "begin_mask", m.begin);
        tfc_node_set_attr_int(b, "end_mask", m.end);
        tfc_node_set_attr_int(b, "ellipsis_mask", m.ellipsis);
        tfc_node_set_attr_int(b, "new_axis_mask", m.new_axis);
        tfc_node_set_attr_int(b, "shrink_axis_mask", m.shrink);
    }
    return tfc_node_output(tfc_node_finish(b), 0);
}

void tfc__grad_slice(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), begin = tfc_node_input(op, 1);
    tfc_dtype it = tfc_out_dtype(begin);
    tfc_out end = tfc__g2(g, "AddV2", begin, shape_of(g, tfc_node_output(op, 0), it));
    din[0] = strided_slice_grad(g, NULL, shape_of(g, x, it), begin, end,
                                tfc__g1(g, "OnesLike", begin), grads[0]);
}

void tfc__grad_strided_slice(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out begin = tfc_node_input(op, 1);
    din[0] = strided_slice_grad(g, op, shape_of(g, tfc_node_input(op, 0), tfc_out_dtype(begin)),
                                begin, tfc_node_input(op, 2), tfc_node_input(op, 3), grads[0]);
}

/* TF's _StridedSliceGradGrad: the slice of the incoming gradient. */
void tfc__grad_strided_slice_grad(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_node_builder *b = tfc_node_begin(g, "StridedSlice", NULL);
    tfc_node_add_input(b, grads[0]);
    for (int i = 1; i <= 3; i++) tfc_node_add_input(b, tfc_node_input(op, i));
    tfc_slice_masks m;
    tfc__slice_masks(op, &m);
    tfc_node_set_attr_int(b, "begin_mask", m.begin);
    tfc_node_set_attr_int(b, "end_mask", m.end);
    tfc_node_set_attr_int(b, "ellipsis_mask", m.ellipsis);
    tfc_node_set_attr_int(b, "new_axis_mask", m.new_axis);
    tfc_node_set_attr_int(b, "shrink_axis_mask", m.shrink);
    din[4] = tfc_node_output(tfc_node_finish(b), 0);
}
