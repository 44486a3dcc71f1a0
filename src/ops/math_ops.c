/* The math family: broadcasting Maximum, Minimum, SquaredDifference, Pow; comparisons and logical
 * ops; Select and SelectV2; Abs, Sign, Sqrt, Rsqrt, Exp, Log, Reciprocal (and the gradient ops
 * SqrtGrad, RsqrtGrad, ReciprocalGrad); Cast; the reductions Mean, Max, Min, Prod; ArgMax and
 * ArgMin. Signatures, attrs, defaults and type sets are TensorFlow's (math_ops.cc); kernels are in
 * math_binary.c, math_logic.c, math_unary.c, math_cast.c and math_reduce.c, gradients in
 * math_grads.c. */
#include <string.h>

#include "ops/math_int.h"

/* Element i of an int16, int32 or int64 index tensor. */
static int64_t int_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_INT64:
        return ((const int64_t *)p)[i];
    case TFC_DT_INT16:
        return ((const int16_t *)p)[i];
    default:
        return ((const int32_t *)p)[i];
    }
}

/* ---- Shape functions ---- */

/* NumPy broadcasting of two static shapes with unknown dims (the rules of tfc__shape_broadcast);
 * false and the clashing dims in *dx, *dy when they do not broadcast. */
static bool broadcast_pair(const tfc_shape *x, const tfc_shape *y, tfc_shape *out, int64_t *bad_x,
                           int64_t *bad_y) {
    if (x->rank < 0 || y->rank < 0) {
        *out = tfc_shape_unknown();
        return true;
    }
    *out = (tfc_shape){.rank = x->rank > y->rank ? x->rank : y->rank};
    for (int i = 0; i < out->rank; i++) {
        int ix = i - (out->rank - x->rank), iy = i - (out->rank - y->rank);
        int64_t dx = ix < 0 ? 1 : x->dims[ix], dy = iy < 0 ? 1 : y->dims[iy], d;
        if (dx < 0 || dy < 0)
            d = dx > 1 ? dx : dy > 1 ? dy : dx == 1 ? dy : dy == 1 ? dx : -1;
        else if (dx == 1 || dy == 1 || dx == dy)
            d = dx == 1 ? dy : dx;
        else {
            *bad_x = dx, *bad_y = dy;
            return false;
        }
        out->dims[i] = d;
    }
    return true;
}

/* Equal/NotEqual: without incompatible_shape_error, shapes that do not broadcast give a scalar
 * at run time, so the static shape is unknown. */
static tfc_code shape_equality(tfc_shape_ctx *c) {
    bool strict = true;
    tfc_node_attr_bool(tfc_shape_ctx_node(c), "incompatible_shape_error", &strict, NULL);
    tfc_shape out;
    int64_t dx, dy;
    if (broadcast_pair(tfc_shape_ctx_input_shape(c, 0), tfc_shape_ctx_input_shape(c, 1), &out, &dx,
                       &dy)) {
        tfc_shape_ctx_set_output(c, 0, &out);
        return TFC_OK;
    }
    if (strict)
        return tfc_shape_ctx_fail(c, "Dimensions must be equal, but are %lld and %lld",
                                  (long long)dx, (long long)dy);
    out = tfc_shape_unknown();
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_select_v2(tfc_shape_ctx *c) {
    tfc_shape te, out;
    int64_t dx, dy;
    if (!broadcast_pair(tfc_shape_ctx_input_shape(c, 1), tfc_shape_ctx_input_shape(c, 2), &te, &dx,
                        &dy) ||
        !broadcast_pair(tfc_shape_ctx_input_shape(c, 0), &te, &out, &dx, &dy))
        return tfc_shape_ctx_fail(c, "Dimensions must be equal, but are %lld and %lld",
                                  (long long)dx, (long long)dy);
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* TF1 Select: t and e merge; cond is a scalar, of their shape, or a vector over their first dim. */
static tfc_code shape_select(tfc_shape_ctx *c) {
    const tfc_shape *cs = tfc_shape_ctx_input_shape(c, 0), *ts = tfc_shape_ctx_input_shape(c, 1),
                    *es = tfc_shape_ctx_input_shape(c, 2);
    char a[96], b[96];
    tfc_shape data;
    if (!tfc_shape_merge(ts, es, &data))
        return tfc_shape_ctx_fail(c, "'t' and 'e' must have the same shape: %s vs. %s",
                                  tfc_shape_to_string(ts, a, sizeof a),
                                  tfc_shape_to_string(es, b, sizeof b));
    if (cs->rank > 0 && data.rank >= 0) {
        bool ok;
        if (cs->rank == 1 && data.rank > 1)
            ok = cs->dims[0] < 0 || data.dims[0] < 0 || cs->dims[0] == data.dims[0];
        else
            ok = tfc_shape_is_compatible(cs, &data);
        if (!ok)
            return tfc_shape_ctx_fail(c,
                                      "'condition' %s must be a scalar, a vector of the first "
                                      "dim of 't' or of the shape of 't' %s",
                                      tfc_shape_to_string(cs, a, sizeof a),
                                      tfc_shape_to_string(&data, b, sizeof b));
    }
    tfc_shape_ctx_set_output(c, 0, &data);
    return TFC_OK;
}

/* The gradient ops: y and dy merge. */
static tfc_code shape_merge2(tfc_shape_ctx *c) {
    const tfc_shape *x = tfc_shape_ctx_input_shape(c, 0), *y = tfc_shape_ctx_input_shape(c, 1);
    tfc_shape out;
    char a[96], b[96];
    if (!tfc_shape_merge(x, y, &out))
        return tfc_shape_ctx_fail(c, "y and dy must have one shape: %s vs. %s",
                                  tfc_shape_to_string(x, a, sizeof a),
                                  tfc_shape_to_string(y, b, sizeof b));
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* Mean, Max, Min, Prod: as Sum's (TF's ReductionShape). */
static tfc_code shape_reduce(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0), *as = tfc_shape_ctx_input_shape(c, 1);
    const tfc_tensor *axes = tfc_shape_ctx_input_value(c, 1);
    bool keep = false;
    tfc_node_attr_bool(tfc_shape_ctx_node(c), "keep_dims", &keep, NULL);
    if (as->rank > 1)
        return tfc_shape_ctx_fail(c, "reduction_indices must be a scalar or a vector, not rank %d",
                                  as->rank);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0 && axes) {
        bool mask[TFC_MAX_RANK] = {false};
        for (int64_t i = 0; i < tfc_tensor_num_elements(axes); i++) {
            int64_t a = int_at(axes, i);
            if (a < -in->rank || a >= in->rank)
                return tfc_shape_ctx_fail(
                    c, "Invalid reduction dimension %lld for input with %d dimensions",
                    (long long)a, in->rank);
            mask[a < 0 ? a + in->rank : a] = true;
        }
        out.rank = 0;
        for (int d = 0; d < in->rank; d++) {
            if (!mask[d])
                out.dims[out.rank++] = in->dims[d];
            else if (keep)
                out.dims[out.rank++] = 1;
        }
    } else if (in->rank >= 0 && keep) {
        out.rank = in->rank;
        for (int d = 0; d < in->rank; d++) out.dims[d] = -1;
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* ArgMax, ArgMin: the input's shape without the (scalar) dimension's axis. */
static tfc_code shape_arg(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0), *ds = tfc_shape_ctx_input_shape(c, 1);
    const tfc_tensor *dim = tfc_shape_ctx_input_value(c, 1);
    if (ds->rank > 1 || (ds->rank == 1 && ds->dims[0] >= 0 && ds->dims[0] != 1))
        return tfc_shape_ctx_fail(c, "dimension must be a scalar");
    tfc_shape out = tfc_shape_unknown();
    if (in->rank > 0) {
        out.rank = in->rank - 1;
        for (int d = 0; d < out.rank; d++) out.dims[d] = -1;
    }
    if (in->rank >= 0 && dim) {
        int64_t a = int_at(dim, 0);
        if (a < -in->rank || a >= in->rank)
            return tfc_shape_ctx_fail(c, "Expected dimension in the range [%d, %d), but got %lld",
                                      -in->rank, in->rank, (long long)a);
        if (a < 0) a += in->rank;
        for (int d = 0, k = 0; d < in->rank; d++)
            if (d != a) out.dims[k++] = in->dims[d];
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* ---- The table ---- */

#define BINARY_SIG "x: T, y: T -> z: T"
#define CMP_SIG "x: T, y: T -> z: bool"
#define UNARY_SIG "x: T -> y: T"
#define GRAD_SIG "y: T, dy: T -> z: T"
#define UNARY_COMPLEX "T: {bfloat16, half, float, double, complex64, complex128}"
#define REDUCE_SIG "input: T, reduction_indices: Tidx -> output: T"
#define REDUCE_ATTRS(TYPES) "keep_dims: bool = false; T: " TYPES "; Tidx: {int32, int64} = DT_INT32"
#define ARG_SIG "input: T, dimension: Tidx -> output: output_type"
#define ARG_T "T: {realnumbertypes, quantizedtypes, bool}; "

static const tfc_op_spec math_ops[] = {
    {.name = "Maximum",
     .sig = BINARY_SIG,
     .attrs =
         "T: {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, uint32, int64, "
         "uint64}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_maximum,
     .grad = tfc__grad_maximum},
    {.name = "Minimum",
     .sig = BINARY_SIG,
     .attrs =
         "T: {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, uint32, int64, "
         "uint64}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_minimum,
     .grad = tfc__grad_minimum},
    {.name = "SquaredDifference",
     .sig = BINARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, int32, int64, complex64, complex128}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_squared_difference,
     .grad = tfc__grad_squared_difference},
    {.name = "Pow",
     .sig = BINARY_SIG,
     .attrs =
         "T: {bfloat16, float, half, double, int8, int16, int32, int64, complex64, complex128}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_pow,
     .grad = tfc__grad_pow},
    {.name = "Equal",
     .sig = CMP_SIG,
     .attrs = "T: type; incompatible_shape_error: bool = true",
     .shape = shape_equality,
     .kernel = &tfc__kernel_equal,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "NotEqual",
     .sig = CMP_SIG,
     .attrs = "T: type; incompatible_shape_error: bool = true",
     .shape = shape_equality,
     .kernel = &tfc__kernel_not_equal,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Less",
     .sig = CMP_SIG,
     .attrs = "T: {realnumbertypes}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_less,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "LessEqual",
     .sig = CMP_SIG,
     .attrs = "T: {realnumbertypes}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_less_equal,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Greater",
     .sig = CMP_SIG,
     .attrs = "T: {realnumbertypes}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_greater,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "GreaterEqual",
     .sig = CMP_SIG,
     .attrs = "T: {realnumbertypes}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_greater_equal,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "LogicalAnd",
     .sig = "x: bool, y: bool -> z: bool",
     .attrs = "",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_logical_and,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "LogicalOr",
     .sig = "x: bool, y: bool -> z: bool",
     .attrs = "",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_logical_or,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "LogicalNot",
     .sig = "x: bool -> y: bool",
     .attrs = "",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_logical_not,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Select",
     .sig = "condition: bool, t: T, e: T -> output: T",
     .attrs = "T: type",
     .shape = shape_select,
     .kernel = &tfc__kernel_select,
     .grad = tfc__grad_select},
    {.name = "SelectV2",
     .sig = "condition: bool, t: T, e: T -> output: T",
     .attrs = "T: type",
     .shape = shape_select_v2,
     .kernel = &tfc__kernel_select_v2,
     .grad = tfc__grad_select_v2},
    {.name = "Abs",
     .sig = UNARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, int8, int16, int32, int64}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_abs,
     .grad = tfc__grad_abs},
    {.name = "Sign",
     .sig = UNARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, "
              "complex128}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_sign,
     .grad = tfc__grad_sign},
    {.name = "Sqrt",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_sqrt,
     .grad = tfc__grad_sqrt},
    {.name = "SqrtGrad",
     .sig = GRAD_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = shape_merge2,
     .kernel = &tfc__kernel_sqrt_grad},
    {.name = "Rsqrt",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_rsqrt,
     .grad = tfc__grad_rsqrt},
    {.name = "RsqrtGrad",
     .sig = GRAD_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = shape_merge2,
     .kernel = &tfc__kernel_rsqrt_grad},
    {.name = "Exp",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_exp,
     .grad = tfc__grad_exp},
    {.name = "Log",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_log,
     .grad = tfc__grad_log},
    {.name = "Reciprocal",
     .sig = UNARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, "
              "complex128}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_reciprocal,
     .grad = tfc__grad_reciprocal},
    {.name = "ReciprocalGrad",
     .sig = GRAD_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = shape_merge2,
     .kernel = &tfc__kernel_reciprocal_grad},
    {.name = "Cast",
     .sig = "x: SrcT -> y: DstT",
     .attrs = "SrcT: type; DstT: type; Truncate: bool = false",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_cast,
     .grad = tfc__grad_cast},
    {.name = "Mean",
     .sig = REDUCE_SIG,
     .attrs = REDUCE_ATTRS("{numbertypes}"),
     .shape = shape_reduce,
     .kernel = &tfc__kernel_mean,
     .grad = tfc__grad_mean},
    {.name = "Max",
     .sig = REDUCE_SIG,
     .attrs = REDUCE_ATTRS("{realnumbertypes, quantizedtypes}"),
     .shape = shape_reduce,
     .kernel = &tfc__kernel_max,
     .grad = tfc__grad_max_min},
    {.name = "Min",
     .sig = REDUCE_SIG,
     .attrs = REDUCE_ATTRS("{realnumbertypes, quantizedtypes}"),
     .shape = shape_reduce,
     .kernel = &tfc__kernel_min,
     .grad = tfc__grad_max_min},
    {.name = "Prod",
     .sig = REDUCE_SIG,
     .attrs = REDUCE_ATTRS("{numbertypes}"),
     .shape = shape_reduce,
     .kernel = &tfc__kernel_prod,
     .grad = tfc__grad_prod},
    {.name = "ArgMax",
     .sig = ARG_SIG,
     .attrs = ARG_T "Tidx: {int16, int32, int64} = DT_INT32; "
                    "output_type: {int16, uint16, int32, int64} = DT_INT64",
     .shape = shape_arg,
     .kernel = &tfc__kernel_arg_max,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "ArgMin",
     .sig = ARG_SIG,
     .attrs = ARG_T "Tidx: {int32, int64} = DT_INT32; output_type: {int32, int64} = DT_INT64",
     .shape = shape_arg,
     .kernel = &tfc__kernel_arg_min,
     .flags = TFC_OP_NO_GRADIENT},
};

const tfc_op_family tfc__ops_math = {"math", math_ops, (int)(sizeof math_ops / sizeof math_ops[0])};
