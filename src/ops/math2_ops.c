/* The math2 family: what training code needs beyond the math family — Floor, Ceil, Round, Cos,
 * Sin, Log1p, FloorDiv, FloorMod, DivNoNan (math_ops.cc), Range (math_ops.cc), Rank and
 * StopGradient (array_ops.cc), L2Loss (nn_ops.cc). Signatures, attrs, defaults and type sets are
 * TensorFlow's; kernels are in math2_kernels.c, gradients in math2_grads.c. */
#include "ops/math2_int.h"

/* Range: a vector whose length is known when start, limit and delta are constants. */
static tfc_code shape_range(tfc_shape_ctx *c) {
    static const char *const names[3] = {"start", "limit", "delta"};
    const tfc_tensor *v[3];
    bool known = true;
    for (int i = 0; i < 3; i++) {
        const tfc_shape *s = tfc_shape_ctx_input_shape(c, i);
        if (s->rank > 0)
            return tfc_shape_ctx_fail(c, "Shape must be rank 0 but is rank %d for '%s'", s->rank,
                                      names[i]);
        v[i] = tfc_shape_ctx_input_value(c, i);
        known = known && v[i];
    }
    tfc_shape out = tfc_shape_make(1, (int64_t[]){-1});
    if (known) {
        char msg[160];
        if (!tfc__range_size(v[0], v[1], v[2], &out.dims[0], msg, sizeof msg))
            return tfc_shape_ctx_fail(c, "%s", msg);
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

#define UNARY_SIG "x: T -> y: T"
#define BINARY_SIG "x: T, y: T -> z: T"
#define FLOAT_TYPES "T: {bfloat16, half, float, double}"
#define UNARY_COMPLEX "T: {bfloat16, half, float, double, complex64, complex128}"
/* TF's UNARY() and BINARY_MORE() type sets */
#define UNARY_TYPES                                                                                \
    "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"
#define BINARY_MORE                                                                                \
    "T: {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, uint32, uint64, "       \
    "int64, complex64, complex128}"

static const tfc_op_spec math2_ops[] = {
    {.name = "Floor",
     .sig = UNARY_SIG,
     .attrs = FLOAT_TYPES,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_floor,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Ceil",
     .sig = UNARY_SIG,
     .attrs = FLOAT_TYPES,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_ceil,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Round",
     .sig = UNARY_SIG,
     .attrs = UNARY_TYPES,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_round,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Cos",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_cos,
     .grad = tfc__grad_cos},
    {.name = "Sin",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_sin,
     .grad = tfc__grad_sin},
    {.name = "Log1p",
     .sig = UNARY_SIG,
     .attrs = UNARY_COMPLEX,
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_log1p,
     .grad = tfc__grad_log1p},
    {.name = "FloorDiv",
     .sig = BINARY_SIG,
     .attrs = BINARY_MORE,
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_floor_div,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "FloorMod",
     .sig = BINARY_SIG,
     .attrs = "T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64, bfloat16, half, "
              "float, double}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_floor_mod,
     .grad = tfc__grad_floor_mod},
    {.name = "DivNoNan",
     .sig = BINARY_SIG,
     .attrs = "T: {half, float, bfloat16, double, complex64, complex128}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_div_no_nan,
     .grad = tfc__grad_div_no_nan},
    {.name = "Range",
     .sig = "start: Tidx, limit: Tidx, delta: Tidx -> output: Tidx",
     .attrs = "Tidx: {bfloat16, half, float, double, int8, int16, int32, int64, uint32} = "
              "DT_INT32",
     .shape = shape_range,
     .kernel = &tfc__kernel_range,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Rank",
     .sig = "input: T -> output: int32",
     .attrs = "T: type",
     .shape = tfc__shape_scalar,
     .kernel = &tfc__kernel_rank,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "StopGradient",
     .sig = "input: T -> output: T",
     .attrs = "T: type",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_stop_gradient,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "L2Loss",
     .sig = "t: T -> output: T",
     .attrs = "T: {half, bfloat16, float, double}",
     .shape = tfc__shape_scalar,
     .kernel = &tfc__kernel_l2_loss,
     .grad = tfc__grad_l2_loss},
};

const tfc_op_family tfc__ops_math2 = {"math2", math2_ops,
                                      (int)(sizeof math2_ops / sizeof math2_ops[0])};
