/* The base family: graph inputs and constants (Placeholder, PlaceholderWithDefault, Const,
 * Identity, IdentityN, NoOp), the broadcasting arithmetic TF graphs start with (Add, AddV2, Sub,
 * Mul, RealDiv), AddN (what gradients sum paths with), MatMul, a few unary ops, Shape and Reshape.
 * Signatures, attrs, defaults and type sets are TensorFlow's; the kernels are in base_kernels.c and
 * math_kernels.c. */
#include <stdio.h>
#include <string.h>

#include "graph/op_def.h"
#include "ops/grads.h"
#include "ops/base_kernels.h"

/* ---- Shape functions ---- */

static tfc_code shape_const(tfc_shape_ctx *c) {
    const tfc_node *n = tfc_shape_ctx_node(c);
    const tfc_tensor *t;
    tfc_dtype dt;
    tfc_status st;
    if (tfc_node_attr_tensor(n, "value", &t, &st) || tfc_node_attr_type(n, "dtype", &dt, &st))
        return tfc_shape_ctx_fail(c, "%s", st.msg);
    if (tfc_tensor_dtype(t) != dt)
        return tfc_shape_ctx_fail(c, "attr dtype is %s but the value holds %s", tfc_dtype_name(dt),
                                  tfc_dtype_name(tfc_tensor_dtype(t)));
    tfc_shape_ctx_set_output(c, 0, tfc_tensor_shape(t));
    return TFC_OK;
}

static tfc_code shape_placeholder_with_default(tfc_shape_ctx *c) {
    tfc_shape s;
    tfc_status st;
    char a[96], b[96];
    if (tfc_node_attr_shape(tfc_shape_ctx_node(c), "shape", &s, &st))
        return tfc_shape_ctx_fail(c, "%s", st.msg);
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    if (!tfc_shape_is_compatible(in, &s))
        return tfc_shape_ctx_fail(c, "the default's shape %s is not compatible with attr shape %s",
                                  tfc_shape_to_string(in, a, sizeof a),
                                  tfc_shape_to_string(&s, b, sizeof b));
    tfc_shape_ctx_set_output(c, 0, &s); /* the attr, which may be less specific than the input */
    return TFC_OK;
}

static tfc_code shape_matmul(tfc_shape_ctx *c) {
    const tfc_node *n = tfc_shape_ctx_node(c);
    bool ta = false, tb = false;
    tfc_node_attr_bool(n, "transpose_a", &ta, NULL);
    tfc_node_attr_bool(n, "transpose_b", &tb, NULL);
    int64_t d[2][2];
    for (int k = 0; k < 2; k++) {
        const tfc_shape *s = tfc_shape_ctx_input_shape(c, k);
        if (s->rank >= 0 && s->rank != 2)
            return tfc_shape_ctx_fail(c, "input '%s' must be rank 2 but is rank %d", k ? "b" : "a",
                                      s->rank);
        d[k][0] = s->rank < 0 ? -1 : s->dims[0];
        d[k][1] = s->rank < 0 ? -1 : s->dims[1];
    }
    int64_t rows = d[0][ta], inner_a = d[0][!ta], inner_b = d[1][tb], cols = d[1][!tb];
    if (inner_a >= 0 && inner_b >= 0 && inner_a != inner_b)
        return tfc_shape_ctx_fail(c,
                                  "Dimensions must be equal, but are %lld and %lld (inner "
                                  "dimensions, transpose_a=%s, transpose_b=%s)",
                                  (long long)inner_a, (long long)inner_b, ta ? "true" : "false",
                                  tb ? "true" : "false");
    tfc_shape out = tfc_shape_make(2, (int64_t[]){rows, cols});
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static tfc_code shape_shape(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    tfc_shape out = tfc_shape_make(1, (int64_t[]){in->rank < 0 ? -1 : in->rank});
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

static int64_t int_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_INT64 ? ((const int64_t *)p)[i] : ((const int32_t *)p)[i];
}

/* "[4,-1]": the requested sizes as given (tfc_shape_to_string would print -1 as '?'). */
static const char *sizes_str(const int64_t *v, int n, char *buf, size_t size) {
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int k = 0; k < n && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", k ? "," : "", (long long)v[k]);
    if (len < size) snprintf(buf + len, size - len, "]");
    return buf;
}

/* TF's Reshape shape function: the "shape" input's value when known (Const, or Shape of a known
 * shape), with one -1 inferred from the element count; else only its length when that is known. */
static tfc_code shape_reshape(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0), *ss = tfc_shape_ctx_input_shape(c, 1);
    const tfc_tensor *val = tfc_shape_ctx_input_value(c, 1);
    char buf[200];
    if (ss->rank >= 0 && ss->rank != 1)
        return tfc_shape_ctx_fail(c, "Shape must be rank 1 but is rank %d", ss->rank);
    if (!val) {
        tfc_shape out = tfc_shape_unknown();
        if (ss->rank == 1 && ss->dims[0] >= 0) {
            if (ss->dims[0] > TFC_MAX_RANK)
                return tfc_shape_ctx_fail(c, "reshape to rank %lld; tfc supports up to %d",
                                          (long long)ss->dims[0], TFC_MAX_RANK);
            out.rank = (int)ss->dims[0];
            for (int k = 0; k < out.rank; k++) out.dims[k] = -1;
        }
        tfc_shape_ctx_set_output(c, 0, &out);
        return TFC_OK;
    }
    int64_t n = tfc_tensor_num_elements(val);
    if (n > TFC_MAX_RANK)
        return tfc_shape_ctx_fail(c, "reshape to rank %lld; tfc supports up to %d", (long long)n,
                                  TFC_MAX_RANK);
    int64_t sizes[TFC_MAX_RANK], known = 1;
    int unknown = -1;
    for (int k = 0; k < n; k++) {
        sizes[k] = int_at(val, k);
        if (sizes[k] == -1) {
            if (unknown >= 0)
                return tfc_shape_ctx_fail(c, "Cannot infer multiple unknown dimensions in shape %s",
                                          sizes_str(sizes, (int)n, buf, sizeof buf));
            unknown = k;
        } else if (sizes[k] < 0) {
            return tfc_shape_ctx_fail(c, "Size %d must be non-negative, not %lld", k,
                                      (long long)sizes[k]);
        } else if (known > 0 && sizes[k] > INT64_MAX / known) {
            return tfc_shape_ctx_fail(c, "shape %s has too many elements",
                                      sizes_str(sizes, (int)n, buf, sizeof buf));
        } else {
            known *= sizes[k];
        }
    }
    int64_t in_elems = tfc_shape_num_elements(in);
    if (in_elems >= 0 && unknown >= 0 && known > 0) {
        if (in_elems % known)
            return tfc_shape_ctx_fail(
                c, "Cannot reshape a tensor with %lld elements to shape %s (%lld elements)",
                (long long)in_elems, sizes_str(sizes, (int)n, buf, sizeof buf), (long long)known);
        sizes[unknown] = in_elems / known;
    } else if (in_elems > 0 && unknown >= 0 && known == 0) {
        return tfc_shape_ctx_fail(
            c, "Cannot reshape a tensor with %lld elements to shape %s (0 elements)",
            (long long)in_elems, sizes_str(sizes, (int)n, buf, sizeof buf));
    } else if (in_elems >= 0 && unknown < 0 && in_elems != known) {
        return tfc_shape_ctx_fail(
            c, "Cannot reshape a tensor with %lld elements to shape %s (%lld elements)",
            (long long)in_elems, sizes_str(sizes, (int)n, buf, sizeof buf), (long long)known);
    }
    tfc_shape out = tfc_shape_make((int)n, sizes); /* a remaining -1 is an unknown dim */
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* AddN: every input has the shape of the sum; their shapes merge (unknown dims filled in). */
static tfc_code shape_add_n(tfc_shape_ctx *c) {
    char a[96], b[96];
    tfc_shape merged = tfc_shape_unknown();
    for (int k = 0; k < tfc_shape_ctx_num_inputs(c); k++) {
        const tfc_shape *s = tfc_shape_ctx_input_shape(c, k);
        tfc_shape m;
        if (!tfc_shape_merge(&merged, s, &m))
            return tfc_shape_ctx_fail(
                c, "input %d has shape %s, incompatible with %s of the inputs before it", k,
                tfc_shape_to_string(s, a, sizeof a), tfc_shape_to_string(&merged, b, sizeof b));
        merged = m;
    }
    tfc_shape_ctx_set_output(c, 0, &merged);
    return TFC_OK;
}

static tfc_code shape_identity_n(tfc_shape_ctx *c) {
    for (int k = 0; k < tfc_shape_ctx_num_outputs(c); k++)
        tfc_shape_ctx_set_output(c, k, tfc_shape_ctx_input_shape(c, k));
    return TFC_OK;
}

/* ---- The table ---- */

#define BINARY_SIG "x: T, y: T -> z: T"
#define BINARY_MORE                                                                                \
    "T: {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, uint32, uint64, "       \
    "int64, "                                                                                      \
    "complex64, complex128}"

static const tfc_op_spec base_ops[] = {
    {.name = "Placeholder",
     .sig = "-> output: dtype",
     .attrs = "dtype: type; shape: shape = { unknown_rank: true }",
     .shape = tfc__shape_from_attr,
     .kernel = &tfc__kernel_placeholder},
    {.name = "PlaceholderWithDefault",
     .sig = "input: dtype -> output: dtype",
     .attrs = "dtype: type; shape: shape",
     .shape = shape_placeholder_with_default,
     .kernel = &tfc__kernel_placeholder_with_default,
     .grad = tfc__grad_identity},
    {.name = "Const",
     .sig = "-> output: dtype",
     .attrs = "value: tensor; dtype: type",
     .shape = shape_const,
     .kernel = &tfc__kernel_const,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Identity",
     .sig = "input: T -> output: T",
     .attrs = "T: type",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_identity,
     .grad = tfc__grad_identity},
    {.name = "IdentityN",
     .sig = "input: T -> output: T",
     .attrs = "T: list(type) >= 1",
     .shape = shape_identity_n,
     .kernel = &tfc__kernel_identity,
     .grad = tfc__grad_identity_n},
    {.name = "NoOp", .sig = "", .attrs = "", .flags = TFC_OP_NO_GRADIENT},
    {.name = "Add",
     .sig = BINARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, "
              "complex128, string}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_add,
     .grad = tfc__grad_add},
    {.name = "AddN", /* what gradients sum their paths with */
     .sig = "inputs: N * T -> sum: T",
     .attrs = "N: int >= 1; T: {numbertypes, variant}",
     .shape = shape_add_n,
     .kernel = &tfc__kernel_add_n,
     .grad = tfc__grad_add_n},
    {.name = "AddV2",
     .sig = BINARY_SIG,
     .attrs = "T: {bfloat16, half, float, double, uint8, uint16, uint32, uint64, int8, int16, "
              "int32, int64, complex64, complex128}",
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_add,
     .grad = tfc__grad_add},
    {.name = "Sub",
     .sig = BINARY_SIG,
     .attrs = BINARY_MORE,
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_sub,
     .grad = tfc__grad_sub},
    {.name = "Mul",
     .sig = BINARY_SIG,
     .attrs = BINARY_MORE,
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_mul,
     .grad = tfc__grad_mul},
    {.name = "RealDiv",
     .sig = BINARY_SIG,
     .attrs = BINARY_MORE,
     .shape = tfc__shape_broadcast,
     .kernel = &tfc__kernel_real_div,
     .grad = tfc__grad_real_div},
    {.name = "MatMul",
     .sig = "a: T, b: T -> product: T",
     .attrs = "transpose_a: bool = false; transpose_b: bool = false; "
              "T: {bfloat16, half, float, double, int32, int64, uint8, uint16, uint32, uint64, "
              "complex64, complex128}; "
              "grad_a: bool = false; grad_b: bool = false",
     .shape = shape_matmul,
     .kernel = &tfc__kernel_matmul,
     .grad = tfc__grad_matmul},
    {.name = "Relu",
     .sig = "features: T -> activations: T",
     .attrs = "T: {realnumbertypes, qint8}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_relu,
     .grad = tfc__grad_relu},
    {.name = "Neg",
     .sig = "x: T -> y: T",
     .attrs =
         "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_neg,
     .grad = tfc__grad_neg},
    {.name = "Square",
     .sig = "x: T -> y: T",
     .attrs = "T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, "
              "uint32, uint64, complex64, complex128}",
     .shape = tfc__shape_unchanged,
     .kernel = &tfc__kernel_square,
     .grad = tfc__grad_square},
    {.name = "Shape",
     .sig = "input: T -> output: out_type",
     .attrs = "T: type; out_type: {int32, int64} = DT_INT32",
     .shape = shape_shape,
     .kernel = &tfc__kernel_shape,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Reshape",
     .sig = "tensor: T, shape: Tshape -> output: T",
     .attrs = "T: type; Tshape: {int32, int64} = DT_INT32",
     .shape = shape_reshape,
     .kernel = &tfc__kernel_reshape,
     .grad = tfc__grad_reshape},
};

const tfc_op_family tfc__ops_base = {"base", base_ops, (int)(sizeof base_ops / sizeof base_ops[0])};
