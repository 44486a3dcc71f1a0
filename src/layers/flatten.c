/* tf.layers.flatten: [N, ...] -> [N, prod(...)] with the shape TF's Flatten layer uses. */
#include <stdint.h>
#include <stdio.h>

#include "layers/layers_int.h"

/* [Shape(x)[0], -1] at run time, when neither N nor the trailing size is known statically. */
static tfc_out dynamic_shape(tfc_graph *g, tfc_out x) {
    tfc_out shp = tfc__op1(g, "Shape", "Shape", x);
    int64_t zero = 0, one = 1;
    tfc_node_builder *b = tfc_node_begin(g, "StridedSlice", "strided_slice");
    tfc_node_add_input(b, shp);
    tfc_node_add_input(b, tfc__const_i32(g, "strided_slice/stack", &zero, 1));
    tfc_node_add_input(b, tfc__const_i32(g, "strided_slice/stack_1", &one, 1));
    tfc_node_add_input(b, tfc__const_i32(g, "strided_slice/stack_2", &one, 1));
    tfc_node_set_attr_int(b, "shrink_axis_mask", 1);
    tfc_out n = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out parts[2] = {n, tfc__const_scalar(g, "Reshape/shape/1", TFC_DT_INT32, -1)};
    b = tfc_node_begin(g, "Pack", "Reshape/shape");
    tfc_node_add_input_list(b, parts, 2);
    return tfc_node_output(tfc_node_finish(b), 0);
}

tfc_out tfc_layers_flatten(tfc_layers *L, tfc_out x, const char *name) {
    tfc_graph *g = L->g;
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, "flatten", name, TFC_REUSE_UNSET)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!x.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no input", layer);
        goto out;
    }
    const tfc_shape *s = tfc_out_shape(x);
    if (s->rank < 1) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: the input's rank must be known and >= 1",
                       layer);
        goto out;
    }
    int64_t rest = 1;
    for (int i = 1; i < s->rank && rest >= 0 && rest <= INT32_MAX; i++)
        rest = s->dims[i] < 0           ? -1
               : s->dims[i] > INT32_MAX ? (int64_t)INT32_MAX + 1 /* no int64 overflow */
                                        : rest * s->dims[i];
    if (rest > INT32_MAX || s->dims[0] > INT32_MAX) {
        char sb[160];
        tfc_graph_fail(g, TFC_UNIMPLEMENTED,
                       "%s: flattening shape %s needs dims above int32, which tfc's flatten does "
                       "not build",
                       layer, tfc_shape_to_string(s, sb, sizeof sb));
        goto out;
    }
    tfc_out shape;
    if (rest >= 0)
        shape = tfc__const_i32(g, "Const", (int64_t[]){-1, rest}, 2);
    else if (s->dims[0] >= 0)
        shape = tfc__const_i32(g, "Const", (int64_t[]){s->dims[0], -1}, 2);
    else
        shape = dynamic_shape(g, x);
    y = tfc__op2(g, "Reshape", "Reshape", x, shape);
    if (y.node && s->dims[0] >= 0) {
        tfc_shape full = tfc_shape_make(2, (int64_t[]){s->dims[0], rest});
        tfc_out_set_shape(y, &full, NULL);
    }
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}
