/* The shape functions many ops share (op_def.h): unchanged, NumPy broadcasting as TF's
 * BroadcastBinaryOpShapeFn does it (unknown dims included), scalar, unknown, from the "shape"
 * attr. */
#include "graph/op_def.h"

tfc_code tfc__shape_unchanged(tfc_shape_ctx *c) {
    tfc_shape_ctx_set_output(c, 0, tfc_shape_ctx_input_shape(c, 0));
    return TFC_OK;
}

tfc_code tfc__shape_scalar(tfc_shape_ctx *c) {
    tfc_shape s = tfc_shape_scalar();
    for (int k = 0; k < tfc_shape_ctx_num_outputs(c); k++) tfc_shape_ctx_set_output(c, k, &s);
    return TFC_OK;
}

tfc_code tfc__shape_unknown(tfc_shape_ctx *c) {
    tfc_shape s = tfc_shape_unknown();
    for (int k = 0; k < tfc_shape_ctx_num_outputs(c); k++) tfc_shape_ctx_set_output(c, k, &s);
    return TFC_OK;
}

tfc_code tfc__shape_from_attr(tfc_shape_ctx *c) {
    tfc_shape s;
    tfc_status st;
    if (tfc_node_attr_shape(tfc_shape_ctx_node(c), "shape", &s, &st))
        return tfc_shape_ctx_fail(c, "%s", st.msg);
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* Output dims right-aligned: a missing leading dim counts as 1. For each pair:
 *   both known: equal, or one is 1 (the other wins), else an error;
 *   one unknown: a known dim > 1 wins (the program is assumed correct); a known 1 yields the
 *   other (unknown) dim; otherwise (both unknown, or unknown against 0) the result is unknown. */
tfc_code tfc__shape_broadcast(tfc_shape_ctx *c) {
    const tfc_shape *x = tfc_shape_ctx_input_shape(c, 0), *y = tfc_shape_ctx_input_shape(c, 1);
    if (x->rank < 0 || y->rank < 0) return tfc__shape_unknown(c);
    tfc_shape out = {.rank = x->rank > y->rank ? x->rank : y->rank};
    for (int i = 0; i < out.rank; i++) {
        int ix = i - (out.rank - x->rank), iy = i - (out.rank - y->rank);
        int64_t dx = ix < 0 ? 1 : x->dims[ix], dy = iy < 0 ? 1 : y->dims[iy], d;
        if (dx < 0 || dy < 0) {
            if (dx > 1)
                d = dx;
            else if (dy > 1)
                d = dy;
            else if (dx == 1)
                d = dy;
            else if (dy == 1)
                d = dx;
            else
                d = -1;
        } else if (dx == 1 || dy == 1) {
            d = dx == 1 ? dy : dx;
        } else if (dx == dy) {
            d = dx;
        } else {
            return tfc_shape_ctx_fail(c, "Dimensions must be equal, but are %lld and %lld",
                                      (long long)dx, (long long)dy);
        }
        out.dims[i] = d;
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

tfc_code tfc__shape_from_input_dims(tfc_shape_ctx *c) {
    const tfc_tensor *dims = tfc_shape_ctx_input_value(c, 0);
    const tfc_shape *ds = tfc_shape_ctx_input_shape(c, 0);
    if (ds->rank >= 0 && ds->rank != 1)
        return tfc_shape_ctx_fail(c, "Shape must be rank 1 but is rank %d", ds->rank);
    tfc_shape out = tfc_shape_unknown();
    if (dims) {
        int64_t n = tfc_tensor_num_elements(dims);
        if (n > TFC_MAX_RANK)
            return tfc_shape_ctx_fail(c, "rank %lld is above %d", (long long)n, TFC_MAX_RANK);
        out.rank = (int)n;
        for (int64_t i = 0; i < n; i++)
            if ((out.dims[i] = (tfc_tensor_dtype(dims) == TFC_DT_INT64
                                    ? ((const int64_t *)tfc_tensor_data_const(dims))[i]
                                    : ((const int32_t *)tfc_tensor_data_const(dims))[i])) < 0)
                return tfc_shape_ctx_fail(c, "Dimension %lld must be >= 0", (long long)out.dims[i]);
    } else if (ds->rank == 1 && ds->dims[0] >= 0 && ds->dims[0] <= TFC_MAX_RANK) {
        out.rank = (int)ds->dims[0];
        for (int i = 0; i < out.rank; i++) out.dims[i] = -1;
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}
