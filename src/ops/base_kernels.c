/* Kernels of the base family that move tensors rather than compute them: Placeholder (whose only
 * run is an error: the session feeds it), PlaceholderWithDefault, Const, Identity(N), Shape and
 * Reshape (a view of the input: no copy). */
#include <stdio.h>
#include <string.h>

#include "ops/base_kernels.h"

/* TF's PlaceholderOp message, with the shape only when the rank is known and non-zero. */
static tfc_code placeholder_compute(tfc_kernel_ctx *c, void *state) {
    const tfc_node *n = tfc_kctx_node(c);
    tfc_dtype dt = TFC_DT_INVALID;
    tfc_shape s = tfc_shape_unknown();
    tfc_node_attr_type(n, "dtype", &dt, NULL);
    tfc_node_attr_shape(n, "shape", &s, NULL);
    char buf[200];
    if (s.rank > 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "You must feed a value for placeholder tensor '%s' with dtype %s and "
                             "shape %s",
                             tfc_node_name(n), tfc__tf_dtype_string(dt),
                             tfc_shape_to_string(&s, buf, sizeof buf));
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                         "You must feed a value for placeholder tensor '%s' with dtype %s",
                         tfc_node_name(n), tfc__tf_dtype_string(dt));
}
const tfc_kernel tfc__kernel_placeholder = {.compute = placeholder_compute};

/* Forwards every input to the output of the same index (Identity, IdentityN); a resource
 * handle stays a handle. */
static tfc_code identity_compute(tfc_kernel_ctx *c, void *state) {
    for (int i = 0; i < tfc_kctx_num_inputs(c); i++) {
        tfc_tensor **ref = tfc_kctx_input_ref(c, i);
        if (ref)
            tfc_kctx_set_output_ref(c, i, ref);
        else
            tfc_kctx_set_output(c, i, (tfc_tensor *)tfc_kctx_input(c, i));
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_identity = {.compute = identity_compute};

/* The default must fit the attr shape (TF checks this when the op runs). */
static tfc_code placeholder_with_default_compute(tfc_kernel_ctx *c, void *state) {
    const tfc_tensor *in = tfc_kctx_input(c, 0);
    tfc_shape s;
    if (tfc_node_attr_shape(tfc_kctx_node(c), "shape", &s, NULL) == TFC_OK &&
        !tfc_shape_is_compatible(tfc_tensor_shape(in), &s)) {
        char a[96], b[96];
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "PlaceholderWithDefault output must have shape %s but is %s",
                             tfc_shape_to_string(&s, a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(in), b, sizeof b));
    }
    tfc_kctx_set_output(c, 0, (tfc_tensor *)in);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_placeholder_with_default = {.compute =
                                                             placeholder_with_default_compute};

/* The value attr is held by the node for the graph's life: outputs share it. */
static tfc_code const_prepare(const tfc_node *n, void **state, tfc_status *st) {
    const tfc_tensor *t;
    tfc_code rc = tfc_node_attr_tensor(n, "value", &t, st);
    if (rc == TFC_OK) *state = (void *)t;
    return rc;
}
static tfc_code const_compute(tfc_kernel_ctx *c, void *state) {
    tfc_kctx_set_output(c, 0, state);
    return TFC_OK;
}
static void const_release(void *state) {}
const tfc_kernel tfc__kernel_const = {
    .prepare = const_prepare, .compute = const_compute, .release = const_release};

static tfc_code shape_compute(tfc_kernel_ctx *c, void *state) {
    const tfc_tensor *in = tfc_kctx_input(c, 0);
    tfc_dtype dt = TFC_DT_INT32;
    tfc_node_attr_type(tfc_kctx_node(c), "out_type", &dt, NULL);
    int rank = tfc_tensor_rank(in);
    tfc_shape s = tfc_shape_make(1, (int64_t[]){rank});
    tfc_tensor *out;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &s, &out);
    if (rc != TFC_OK) return rc;
    for (int k = 0; k < rank; k++) {
        int64_t d = tfc_tensor_dim(in, k);
        if (dt == TFC_DT_INT64) {
            ((int64_t *)tfc_tensor_data(out))[k] = d;
        } else {
            if (d > INT32_MAX)
                return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                     "Shape output type is 32-bit but dim %d is %lld", k,
                                     (long long)d);
            ((int32_t *)tfc_tensor_data(out))[k] = (int32_t)d;
        }
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_shape = {.compute = shape_compute};

/* TF's ReshapeOp: the sizes from the shape input, one -1 inferred; messages as TF's. */
static tfc_code reshape_compute(tfc_kernel_ctx *c, void *state) {
    const tfc_tensor *in = tfc_kctx_input(c, 0), *sizes = tfc_kctx_input(c, 1);
    if (tfc_tensor_rank(sizes) != 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "shape must be a vector, got rank %d",
                             tfc_tensor_rank(sizes));
    int64_t n = tfc_tensor_num_elements(sizes);
    if (n > TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "reshape to rank %lld; tfc supports up to %d",
                             (long long)n, TFC_MAX_RANK);
    bool wide = tfc_tensor_dtype(sizes) == TFC_DT_INT64;
    const void *p = tfc_tensor_data_const(sizes);
    tfc_shape s = {.rank = (int)n};
    int unknown = -1;
    int64_t product = 1;
    for (int k = 0; k < (int)n; k++) {
        int64_t d = wide ? ((const int64_t *)p)[k] : ((const int32_t *)p)[k];
        s.dims[k] = d;
        if (d == -1) {
            if (unknown >= 0)
                return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                     "Only one input size may be -1, not both %d and %d", unknown,
                                     k);
            unknown = k;
        } else if (d < 0) {
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Size %d must be non-negative, not %lld",
                                 k, (long long)d);
        } else if (__builtin_mul_overflow(product, d, &product)) {
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "requested shape has too many elements");
        }
    }
    int64_t have = tfc_tensor_num_elements(in);
    if (unknown >= 0) {
        if (product == 0 || have % product)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Input to reshape is a tensor with %lld values, but the requested "
                                 "shape requires a multiple of %lld",
                                 (long long)have, (long long)product);
        s.dims[unknown] = have / product;
    } else if (product != have) {
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Input to reshape is a tensor with %lld values, but the requested "
                             "shape has %lld",
                             (long long)have, (long long)product);
    }
    return tfc_kctx_set_output_view(c, 0, in, &s);
}
const tfc_kernel tfc__kernel_reshape = {.compute = reshape_compute};
