/* The manip family: ops that reshape, reorder, join, split, repeat and slice tensors (Squeeze,
 * Transpose, ConcatV2, Pack, Unpack, Tile, Slice, StridedSlice, OneHot) and the helper ops their
 * gradients are built from (InvertPermutation, ConcatOffset, StridedSliceGrad). Signatures, attrs
 * and defaults are TensorFlow's; this file holds the table and the shape functions, the kernels
 * are in manip_kernels.c and manip_slice.c, the gradients in manip_grads.c. */
#include <string.h>

#include "ops/manip_int.h"

static tfc_shape unknown_dims(int rank) {
    tfc_shape s = tfc_shape_make(rank, NULL);
    for (int d = 0; d < rank; d++) s.dims[d] = -1;
    return s;
}

static tfc_code shape_squeeze(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const int64_t *sq = NULL;
    int nsq = 0;
    tfc_node_attr_int_list(tfc_shape_ctx_node(c), "squeeze_dims", &sq, &nsq, NULL);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank < 0) {
        tfc_shape_ctx_set_output(c, 0, &out);
        return TFC_OK;
    }
    bool mask[TFC_MAX_RANK] = {false};
    for (int i = 0; i < nsq; i++) {
        if (sq[i] < -in->rank || sq[i] >= in->rank)
            return tfc_shape_ctx_fail(c,
                                      "Tried to squeeze dim index %lld for tensor with %d "
                                      "dimensions",
                                      (long long)sq[i], in->rank);
        int64_t a = sq[i] < 0 ? sq[i] + in->rank : sq[i];
        if (in->dims[a] >= 0 && in->dims[a] != 1)
            return tfc_shape_ctx_fail(c,
                                      "Can not squeeze dim[%lld], expected a dimension of 1, got "
                                      "%lld",
                                      (long long)a, (long long)in->dims[a]);
        mask[a] = true;
    }
    out.rank = 0;
    for (int d = 0; d < in->rank; d++) {
        if (!nsq && in->dims[d] < 0) { /* may or may not be squeezed: rank unknown */
            out = tfc_shape_unknown();
            break;
        }
        if (nsq ? !mask[d] : in->dims[d] != 1) out.dims[out.rank++] = in->dims[d];
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_transpose(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0), *ps = tfc_shape_ctx_input_shape(c, 1);
    const tfc_tensor *perm = tfc_shape_ctx_input_value(c, 1);
    if (ps->rank >= 0 && ps->rank != 1)
        return tfc_shape_ctx_fail(c, "Shape must be rank 1 but is rank %d (perm)", ps->rank);
    int rank = in->rank;
    if (rank < 0 && ps->rank == 1 && ps->dims[0] >= 0 && ps->dims[0] <= TFC_MAX_RANK)
        rank = (int)ps->dims[0];
    if (rank >= 0 && ps->rank == 1 && ps->dims[0] >= 0 && ps->dims[0] != rank)
        return tfc_shape_ctx_fail(c, "perm has %lld elements but the input has rank %d",
                                  (long long)ps->dims[0], rank);
    tfc_shape out = rank >= 0 ? unknown_dims(rank) : tfc_shape_unknown();
    if (perm && rank >= 0) {
        bool seen[TFC_MAX_RANK] = {false};
        for (int i = 0; i < rank; i++) {
            int64_t p = tfc__manip_int_at(perm, i);
            if (p < 0 || p >= rank)
                return tfc_shape_ctx_fail(c, "perm[%d] = %lld is out of range for rank %d", i,
                                          (long long)p, rank);
            if (seen[p])
                return tfc_shape_ctx_fail(c, "perm[%d] = %lld is duplicated in perm", i,
                                          (long long)p);
            seen[p] = true;
            out.dims[i] = in->rank >= 0 ? in->dims[p] : -1;
        }
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_concat(tfc_shape_ctx *c) {
    int n = tfc_shape_ctx_num_inputs(c) - 1;
    const tfc_tensor *ax = tfc_shape_ctx_input_value(c, n);
    int rank = -1;
    for (int i = 0; i < n; i++) {
        int r = tfc_shape_ctx_input_shape(c, i)->rank;
        if (r < 0) continue;
        if (rank >= 0 && r != rank)
            return tfc_shape_ctx_fail(c,
                                      "Shape must be rank %d but is rank %d for input %d of "
                                      "ConcatV2",
                                      rank, r, i);
        rank = r;
    }
    if (rank == 0) return tfc_shape_ctx_fail(c, "Can't concatenate scalars (use tf.stack instead)");
    tfc_shape out = rank >= 0 ? unknown_dims(rank) : tfc_shape_unknown();
    if (!ax || rank < 0) {
        tfc_shape_ctx_set_output(c, 0, &out);
        return TFC_OK;
    }
    int64_t axis = tfc__manip_int_at(ax, 0);
    if (axis < -rank || axis >= rank)
        return tfc_shape_ctx_fail(c,
                                  "ConcatOp : Expected concatenating dimensions in the range [%d, "
                                  "%d), but got %lld",
                                  -rank, rank, (long long)axis);
    if (axis < 0) axis += rank;
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
        if (s->rank < 0) {
            sum = -1;
            continue;
        }
        for (int d = 0; d < rank; d++) {
            if (d == axis) continue;
            if (s->dims[d] >= 0 && out.dims[d] >= 0 && s->dims[d] != out.dims[d])
                return tfc_shape_ctx_fail(c,
                                          "Dimension %d in both shapes must be equal, but are "
                                          "%lld and %lld (input %d; concatenating along %lld)",
                                          d, (long long)out.dims[d], (long long)s->dims[d], i,
                                          (long long)axis);
            if (out.dims[d] < 0) out.dims[d] = s->dims[d];
        }
        if (sum >= 0) sum = s->dims[axis] < 0 ? -1 : sum + s->dims[axis];
    }
    out.dims[axis] = sum;
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_concat_offset(tfc_shape_ctx *c) {
    for (int i = 0; i < tfc_shape_ctx_num_outputs(c); i++)
        tfc_shape_ctx_set_output(c, i, tfc_shape_ctx_input_shape(c, 1 + i));
    return TFC_OK;
}

static tfc_code shape_pack(tfc_shape_ctx *c) {
    int n = tfc_shape_ctx_num_inputs(c);
    tfc_shape s = tfc_shape_unknown();
    for (int i = 0; i < n; i++) {
        tfc_shape m;
        if (!tfc_shape_merge(&s, tfc_shape_ctx_input_shape(c, i), &m)) {
            char a[128], b[128];
            return tfc_shape_ctx_fail(
                c, "Shapes of all inputs must match: %s vs. values[%d] %s",
                tfc_shape_to_string(&s, a, sizeof a), i,
                tfc_shape_to_string(tfc_shape_ctx_input_shape(c, i), b, sizeof b));
        }
        s = m;
    }
    int64_t axis = 0;
    tfc_node_attr_int(tfc_shape_ctx_node(c), "axis", &axis, NULL);
    tfc_shape out = tfc_shape_unknown();
    if (s.rank >= 0) {
        if (s.rank >= TFC_MAX_RANK || axis < -(s.rank + 1) || axis > s.rank)
            return tfc_shape_ctx_fail(c, "Invalid axis: %lld; must be in [%d,%d)", (long long)axis,
                                      -(s.rank + 1), s.rank + 1);
        if (axis < 0) axis += s.rank + 1;
        out.rank = s.rank + 1;
        for (int d = 0, k = 0; d < out.rank; d++) out.dims[d] = d == axis ? n : s.dims[k++];
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_unpack(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    int n = tfc_shape_ctx_num_outputs(c);
    int64_t axis = 0;
    tfc_node_attr_int(tfc_shape_ctx_node(c), "axis", &axis, NULL);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0) {
        if (axis < -in->rank || axis >= in->rank)
            return tfc_shape_ctx_fail(c, "Invalid axis: %lld; must be in [%d,%d)", (long long)axis,
                                      -in->rank, in->rank);
        if (axis < 0) axis += in->rank;
        if (in->dims[axis] >= 0 && in->dims[axis] != n)
            return tfc_shape_ctx_fail(c, "Dimension must be %d but is %lld (axis %lld)", n,
                                      (long long)in->dims[axis], (long long)axis);
        out.rank = in->rank - 1;
        for (int d = 0, k = 0; d < in->rank; d++)
            if (d != axis) out.dims[k++] = in->dims[d];
    }
    for (int i = 0; i < n; i++) tfc_shape_ctx_set_output(c, i, &out);
    return TFC_OK;
}

static tfc_code shape_tile(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0), *ms = tfc_shape_ctx_input_shape(c, 1);
    const tfc_tensor *m = tfc_shape_ctx_input_value(c, 1);
    if (ms->rank >= 0 && ms->rank != 1)
        return tfc_shape_ctx_fail(c, "Shape must be rank 1 but is rank %d (multiples)", ms->rank);
    int rank = in->rank;
    if (rank < 0 && ms->rank == 1 && ms->dims[0] >= 0 && ms->dims[0] <= TFC_MAX_RANK)
        rank = (int)ms->dims[0];
    if (rank >= 0 && ms->rank == 1 && ms->dims[0] >= 0 && ms->dims[0] != rank)
        return tfc_shape_ctx_fail(c, "multiples has %lld elements but the input has rank %d",
                                  (long long)ms->dims[0], rank);
    tfc_shape out = rank >= 0 ? unknown_dims(rank) : tfc_shape_unknown();
    if (m && in->rank >= 0) {
        for (int d = 0; d < rank; d++) {
            int64_t k = tfc__manip_int_at(m, d);
            if (k < 0)
                return tfc_shape_ctx_fail(c, "Expected multiples[%d] >= 0, but got %lld", d,
                                          (long long)k);
            out.dims[d] = in->dims[d] < 0 ? -1 : in->dims[d] * k;
        }
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_slice(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const tfc_tensor *b = tfc_shape_ctx_input_value(c, 1), *sz = tfc_shape_ctx_input_value(c, 2);
    int rank = in->rank;
    for (int k = 1; k <= 2; k++) {
        const tfc_shape *s = tfc_shape_ctx_input_shape(c, k);
        if (s->rank >= 0 && s->rank != 1)
            return tfc_shape_ctx_fail(c, "Shape must be rank 1 but is rank %d (%s)", s->rank,
                                      k == 1 ? "begin" : "size");
        if (rank < 0 && s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= TFC_MAX_RANK)
            rank = (int)s->dims[0];
        if (rank >= 0 && s->rank == 1 && s->dims[0] >= 0 && s->dims[0] != rank)
            return tfc_shape_ctx_fail(c, "%s has %lld elements but the input has rank %d",
                                      k == 1 ? "begin" : "size", (long long)s->dims[0], rank);
    }
    tfc_shape out = rank >= 0 ? unknown_dims(rank) : tfc_shape_unknown();
    for (int d = 0; d < rank; d++) {
        int64_t bd = b ? tfc__manip_int_at(b, d) : -1, sd = sz ? tfc__manip_int_at(sz, d) : -2;
        int64_t dim = in->rank >= 0 ? in->dims[d] : -1;
        if (b && (bd < 0 || (dim >= 0 && bd > dim)))
            return tfc_shape_ctx_fail(c, "Expected begin[%d] in [0, %lld], but got %lld", d,
                                      (long long)dim, (long long)bd);
        if (sz && sd < -1)
            return tfc_shape_ctx_fail(c, "Expected size[%d] >= -1, but got %lld", d, (long long)sd);
        if (b && sz && dim >= 0 && sd >= 0 && bd + sd > dim)
            return tfc_shape_ctx_fail(c,
                                      "Expected begin[%d] + size[%d] <= %lld (the input's dim "
                                      "%d), but got %lld + %lld: slice out of range",
                                      d, d, (long long)dim, d, (long long)bd, (long long)sd);
        if (sz && sd >= 0)
            out.dims[d] = sd;
        else if (sz && b && dim >= 0)
            out.dims[d] = dim - bd;
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_strided_slice(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const tfc_tensor *b = tfc_shape_ctx_input_value(c, 1), *e = tfc_shape_ctx_input_value(c, 2),
                     *s = tfc_shape_ctx_input_value(c, 3);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0 && b && e && s) {
        tfc_slice_masks m;
        tfc__slice_masks(tfc_shape_ctx_node(c), &m);
        tfc_slice_spec spec;
        char err[256];
        if (!tfc__slice_resolve(in, b, e, s, &m, &spec, err, sizeof err))
            return tfc_shape_ctx_fail(c, "%s", err);
        out = spec.out;
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_strided_slice_grad(tfc_shape_ctx *c) {
    const tfc_tensor *sv = tfc_shape_ctx_input_value(c, 0);
    const tfc_shape *ss = tfc_shape_ctx_input_shape(c, 0);
    tfc_shape out = tfc_shape_unknown();
    if (sv && tfc_tensor_num_elements(sv) <= TFC_MAX_RANK) {
        out.rank = (int)tfc_tensor_num_elements(sv);
        for (int d = 0; d < out.rank; d++) out.dims[d] = tfc__manip_int_at(sv, d);
    } else if (ss->rank == 1 && ss->dims[0] >= 0 && ss->dims[0] <= TFC_MAX_RANK) {
        out = unknown_dims((int)ss->dims[0]);
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_one_hot(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const tfc_tensor *depth = tfc_shape_ctx_input_value(c, 1);
    int64_t axis = -1, d = -1;
    tfc_node_attr_int(tfc_shape_ctx_node(c), "axis", &axis, NULL);
    if (axis < -1)
        return tfc_shape_ctx_fail(c, "axis must be >= -1, but got %lld", (long long)axis);
    if (depth) {
        if (tfc_tensor_num_elements(depth) != 1)
            return tfc_shape_ctx_fail(c, "depth must be a scalar");
        d = tfc__manip_int_at(depth, 0);
        if (d < 0)
            return tfc_shape_ctx_fail(c, "depth must be non-negative, got: %lld", (long long)d);
    }
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0) {
        if (in->rank >= TFC_MAX_RANK || axis > in->rank)
            return tfc_shape_ctx_fail(c,
                                      "Expected axis to be -1 or between [0, %d).  But received: "
                                      "%lld",
                                      in->rank + 1, (long long)axis);
        if (axis == -1) axis = in->rank;
        out.rank = in->rank + 1;
        for (int k = 0, j = 0; k < out.rank; k++) out.dims[k] = k == axis ? d : in->dims[j++];
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

#define SLICE_MASKS                                                                                \
    "begin_mask: int = 0; end_mask: int = 0; ellipsis_mask: int = 0; new_axis_mask: int = 0; "     \
    "shrink_axis_mask: int = 0"

static const tfc_op_spec manip_ops[] = {
    {.name = "Squeeze",
     .sig = "input: T -> output: T",
     .attrs = "T: type; squeeze_dims: list(int) >= 0 = []",
     .shape = shape_squeeze,
     .kernel = &tfc__kernel_squeeze,
     .grad = tfc__grad_squeeze},
    {.name = "Transpose",
     .sig = "x: T, perm: Tperm -> y: T",
     .attrs = "T: type; Tperm: {int32, int64} = DT_INT32",
     .shape = shape_transpose,
     .kernel = &tfc__kernel_transpose,
     .grad = tfc__grad_transpose},
    {.name = "InvertPermutation",
     .sig = "x: T -> y: T",
     .attrs = "T: {int32, int64} = DT_INT32",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_invert_permutation,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "ConcatV2",
     .sig = "values: N * T, axis: Tidx -> output: T",
     .attrs = "N: int >= 2; T: type; Tidx: {int32, int64} = DT_INT32",
     .shape = shape_concat,
     .kernel = &tfc__kernel_concat_v2,
     .grad = tfc__grad_concat_v2},
    {.name = "ConcatOffset",
     .sig = "concat_dim: int32, shape: N * int32 -> offset: N * int32",
     .attrs = "N: int >= 2",
     .shape = shape_concat_offset,
     .kernel = &tfc__kernel_concat_offset,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Pack",
     .sig = "values: N * T -> output: T",
     .attrs = "N: int >= 1; T: type; axis: int = 0",
     .shape = shape_pack,
     .kernel = &tfc__kernel_pack,
     .grad = tfc__grad_pack},
    {.name = "Unpack",
     .sig = "value: T -> output: num * T",
     .attrs = "num: int >= 0; T: type; axis: int = 0",
     .shape = shape_unpack,
     .kernel = &tfc__kernel_unpack,
     .grad = tfc__grad_unpack},
    {.name = "Tile",
     .sig = "input: T, multiples: Tmultiples -> output: T",
     .attrs = "T: type; Tmultiples: {int32, int64} = DT_INT32",
     .shape = shape_tile,
     .kernel = &tfc__kernel_tile,
     .grad = tfc__grad_tile},
    {.name = "Slice",
     .sig = "input: T, begin: Index, size: Index -> output: T",
     .attrs = "T: type; Index: {int32, int64}",
     .shape = shape_slice,
     .kernel = &tfc__kernel_slice,
     .grad = tfc__grad_slice},
    {.name = "StridedSlice",
     .sig = "input: T, begin: Index, end: Index, strides: Index -> output: T",
     .attrs = "T: type; Index: {int32, int64}; " SLICE_MASKS,
     .shape = shape_strided_slice,
     .kernel = &tfc__kernel_strided_slice,
     .grad = tfc__grad_strided_slice},
    {.name = "StridedSliceGrad",
     .sig = "shape: Index, begin: Index, end: Index, strides: Index, dy: T -> output: T",
     .attrs = "T: type; Index: {int32, int64}; " SLICE_MASKS,
     .shape = shape_strided_slice_grad,
     .kernel = &tfc__kernel_strided_slice_grad,
     .grad = tfc__grad_strided_slice_grad},
    {.name = "OneHot",
     .sig = "indices: TI, depth: int32, on_value: T, off_value: T -> output: T",
     .attrs = "axis: int = -1; T: type; TI: {uint8, int8, int32, int64} = DT_INT64",
     .shape = shape_one_hot,
     .kernel = &tfc__kernel_one_hot,
     .flags = TFC_OP_NO_GRADIENT},
};

const tfc_op_family tfc__ops_manip = {"manip", manip_ops,
                                      (int)(sizeof manip_ops / sizeof manip_ops[0])};
