/* The array family, first part: what gradients are built from — OnesLike, ZerosLike, Fill (the
 * seeds), BroadcastGradientArgs, Sum and ExpandDims (undoing broadcasts). Signatures, attrs and
 * defaults are TensorFlow's. */
#include <string.h>

#include "graph/op_def.h"
#include "ops/grads.h"
#include "runtime/kernel.h"

static int64_t int_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_INT64 ? ((const int64_t *)p)[i] : ((const int32_t *)p)[i];
}

/* ---- Shape functions ---- */

static tfc_code shape_vectors(tfc_shape_ctx *c) {
    tfc_shape v = tfc_shape_make(1, (int64_t[]){-1});
    for (int i = 0; i < tfc_shape_ctx_num_outputs(c); i++) tfc_shape_ctx_set_output(c, i, &v);
    return TFC_OK;
}

/* Normalised reduction axes into mask; false if an axis is out of range. */
static bool axes_mask(const tfc_tensor *axes, int rank, bool *mask) {
    memset(mask, 0, sizeof(bool) * TFC_MAX_RANK);
    for (int64_t i = 0; i < tfc_tensor_num_elements(axes); i++) {
        int64_t a = int_at(axes, i);
        if (a < -rank || a >= rank) return false;
        mask[a < 0 ? a + rank : a] = true;
    }
    return true;
}

static tfc_code shape_sum(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const tfc_tensor *axes = tfc_shape_ctx_input_value(c, 1);
    bool keep = false;
    tfc_node_attr_bool(tfc_shape_ctx_node(c), "keep_dims", &keep, NULL);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0 && axes) {
        bool mask[TFC_MAX_RANK];
        if (!axes_mask(axes, in->rank, mask))
            return tfc_shape_ctx_fail(c, "Invalid reduction dimension for input with %d dimensions",
                                      in->rank);
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

static tfc_code shape_expand_dims(tfc_shape_ctx *c) {
    const tfc_shape *in = tfc_shape_ctx_input_shape(c, 0);
    const tfc_tensor *dim = tfc_shape_ctx_input_value(c, 1);
    tfc_shape out = tfc_shape_unknown();
    if (in->rank >= 0 && in->rank < TFC_MAX_RANK) {
        out.rank = in->rank + 1;
        for (int d = 0; d < out.rank; d++) out.dims[d] = -1;
        if (dim) {
            if (tfc_tensor_num_elements(dim) != 1)
                return tfc_shape_ctx_fail(c, "'dim' must be a tensor with a single value");
            int64_t a = int_at(dim, 0);
            if (a < -out.rank || a >= out.rank)
                return tfc_shape_ctx_fail(
                    c, "Tried to expand dim index %lld for tensor with %d dimensions", (long long)a,
                    in->rank);
            if (a < 0) a += out.rank;
            for (int d = 0, k = 0; d < out.rank; d++) out.dims[d] = d == a ? 1 : in->dims[k++];
        }
    }
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

/* ---- Kernels ---- */

/* Writes the value 1 (or v) of dtype dt into n elements at p. */
static void fill_value(tfc_dtype dt, void *p, int64_t n, const void *v) {
    size_t sz = tfc_dtype_size(dt);
    for (int64_t i = 0; i < n; i++) memcpy((char *)p + (size_t)i * sz, v, sz);
}

static bool one_of(tfc_dtype dt, unsigned char one[8]) {
    memset(one, 0, 8);
    switch (dt) {
    case TFC_DT_FLOAT:
        *(float *)(void *)one = 1.0f;
        return true;
    case TFC_DT_DOUBLE:
        *(double *)(void *)one = 1.0;
        return true;
    case TFC_DT_INT32:
        *(int32_t *)(void *)one = 1;
        return true;
    case TFC_DT_INT64:
        *(int64_t *)(void *)one = 1;
        return true;
    case TFC_DT_INT16:
    case TFC_DT_UINT16:
        *(uint16_t *)(void *)one = 1;
        return true;
    case TFC_DT_INT8:
    case TFC_DT_UINT8:
    case TFC_DT_BOOL:
        one[0] = 1;
        return true;
    case TFC_DT_UINT32:
        *(uint32_t *)(void *)one = 1;
        return true;
    case TFC_DT_UINT64:
        *(uint64_t *)(void *)one = 1;
        return true;
    default:
        return false;
    }
}

static tfc_code like_compute(tfc_kernel_ctx *c, bool ones) {
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_tensor *y;
    unsigned char one[8];
    if (ones && !one_of(tfc_tensor_dtype(x), one))
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "OnesLike is not implemented for %s",
                             tfc_dtype_name(tfc_tensor_dtype(x)));
    tfc_code rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), tfc_tensor_shape(x), &y);
    if (rc != TFC_OK) return rc;
    if (ones)
        fill_value(tfc_tensor_dtype(x), tfc_tensor_data(y), tfc_tensor_num_elements(y), one);
    else
        memset(tfc_tensor_data(y), 0, tfc_tensor_byte_size(y));
    return TFC_OK;
}

static tfc_code ones_like_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return like_compute(c, true);
}
static tfc_code zeros_like_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    if (tfc_tensor_dtype(tfc_kctx_input(c, 0)) == TFC_DT_STRING)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "ZerosLike is not implemented for string");
    return like_compute(c, false);
}
static const tfc_kernel kernel_ones_like = {.compute = ones_like_compute};
static const tfc_kernel kernel_zeros_like = {.compute = zeros_like_compute};

static tfc_code fill_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *dims = tfc_kctx_input(c, 0), *v = tfc_kctx_input(c, 1);
    if (tfc_tensor_rank(dims) != 1 || tfc_tensor_num_elements(v) != 1 ||
        tfc_tensor_dtype(v) == TFC_DT_STRING)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "dims must be a vector and value a (non-string) scalar");
    int64_t n = tfc_tensor_num_elements(dims);
    if (n > TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "rank %lld too large", (long long)n);
    tfc_shape s = tfc_shape_make((int)n, NULL);
    for (int64_t i = 0; i < n; i++)
        if ((s.dims[i] = int_at(dims, i)) < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "dims[%lld] = %lld must be nonnegative",
                                 (long long)i, (long long)s.dims[i]);
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(v), &s, &y);
    if (rc != TFC_OK) return rc;
    fill_value(tfc_tensor_dtype(v), tfc_tensor_data(y), tfc_tensor_num_elements(y),
               tfc_tensor_data_const(v));
    return TFC_OK;
}
static const tfc_kernel kernel_fill = {.compute = fill_compute};

/* TF's BCast gradient reduction: the output dims (counted in the broadcast shape) along which
 * each input was stretched, including the dims it lacks. */
static tfc_code bga_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *s[2] = {tfc_kctx_input(c, 0), tfc_kctx_input(c, 1)};
    int64_t n[2] = {tfc_tensor_num_elements(s[0]), tfc_tensor_num_elements(s[1])};
    int64_t rank = n[0] > n[1] ? n[0] : n[1];
    if (rank > 64)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "rank %lld too large", (long long)rank);
    int64_t idx[2][64];
    int cnt[2] = {0, 0};
    for (int64_t d = 0; d < rank; d++) {
        int64_t dim[2], out = 1;
        for (int k = 0; k < 2; k++) {
            int64_t off = d - (rank - n[k]);
            dim[k] = off < 0 ? 1 : int_at(s[k], off);
            if (dim[k] != 1) {
                if (out != 1 && out != dim[k])
                    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                         "Incompatible shapes: dim %lld is %lld vs %lld",
                                         (long long)d, (long long)out, (long long)dim[k]);
                out = dim[k];
            }
        }
        for (int k = 0; k < 2; k++)
            if (dim[k] == 1 && (out != 1 || d < rank - n[k])) idx[k][cnt[k]++] = d;
    }
    tfc_dtype dt = tfc_tensor_dtype(s[0]);
    for (int k = 0; k < 2; k++) {
        tfc_shape sh = tfc_shape_make(1, (int64_t[]){cnt[k]});
        tfc_tensor *r;
        tfc_code rc = tfc_kctx_alloc_output(c, k, dt, &sh, &r);
        if (rc != TFC_OK) return rc;
        for (int i = 0; i < cnt[k]; i++) {
            if (dt == TFC_DT_INT64)
                ((int64_t *)tfc_tensor_data(r))[i] = idx[k][i];
            else
                ((int32_t *)tfc_tensor_data(r))[i] = (int32_t)idx[k][i];
        }
    }
    return TFC_OK;
}
static const tfc_kernel kernel_bga = {.compute = bga_compute};

#define SUM_LOOP(T)                                                                                \
    do {                                                                                           \
        const T *x = tfc_tensor_data_const(in);                                                    \
        T *y = tfc_tensor_data(out);                                                               \
        memset(y, 0, tfc_tensor_byte_size(out));                                                   \
        for (int64_t i = 0; i < n; i++) {                                                          \
            int64_t rem = i, o = 0;                                                                \
            for (int d = rank - 1; d >= 0; d--) {                                                  \
                int64_t k = rem % in_shape->dims[d];                                               \
                rem /= in_shape->dims[d];                                                          \
                if (!mask[d]) o += k * ostride[d];                                                 \
            }                                                                                      \
            y[o] += x[i];                                                                          \
        }                                                                                          \
    } while (0)

static tfc_code sum_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *in = tfc_kctx_input(c, 0), *axes = tfc_kctx_input(c, 1);
    const tfc_shape *in_shape = tfc_tensor_shape(in);
    int rank = in_shape->rank;
    bool keep = false, mask[TFC_MAX_RANK];
    tfc_node_attr_bool(tfc_kctx_node(c), "keep_dims", &keep, NULL);
    if (tfc_tensor_rank(axes) > 1 || !axes_mask(axes, rank, mask))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Invalid reduction dimension for input with %d dimensions", rank);
    tfc_shape os = tfc_shape_make(0, NULL);
    int64_t ostride[TFC_MAX_RANK], stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        ostride[d] = mask[d] ? 0 : stride;
        if (!mask[d]) stride *= in_shape->dims[d];
    }
    for (int d = 0; d < rank; d++)
        if (!mask[d] || keep) os.dims[os.rank++] = mask[d] ? 1 : in_shape->dims[d];
    /* Nothing to add up (the reduced dims have size 1, or none is reduced, as in a gradient
     * whose shapes did not broadcast): the input, reshaped. */
    bool trivial = true;
    for (int d = 0; d < rank; d++)
        if (mask[d] && in_shape->dims[d] != 1) trivial = false;
    if (trivial && tfc_dtype_size(tfc_tensor_dtype(in)) > 0)
        return tfc_kctx_set_output_view(c, 0, in, &os);
    tfc_tensor *out;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(in), &os, &out);
    if (rc != TFC_OK) return rc;
    int64_t n = tfc_tensor_num_elements(in);
    /* The reduced dims leading (a bias-like gradient): rows of the kept elements added up. */
    int lead = 0;
    while (lead < rank && mask[lead]) lead++;
    bool leading = lead > 0;
    for (int d = lead; d < rank; d++)
        if (mask[d]) leading = false;
    if (leading && tfc_tensor_dtype(in) == TFC_DT_FLOAT) {
        int64_t inner = tfc_tensor_num_elements(out), rows = inner ? n / inner : 0;
        const float *x = tfc_tensor_data_const(in);
        float *y = tfc_tensor_data(out);
        memset(y, 0, tfc_tensor_byte_size(out));
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < inner; j++) y[j] += x[r * inner + j];
        return TFC_OK;
    }
    switch (tfc_tensor_dtype(in)) {
    case TFC_DT_FLOAT:
        SUM_LOOP(float);
        break;
    case TFC_DT_DOUBLE:
        SUM_LOOP(double);
        break;
    case TFC_DT_INT32:
        SUM_LOOP(int32_t);
        break;
    case TFC_DT_INT64:
        SUM_LOOP(int64_t);
        break;
    default:
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "Sum is not implemented for %s",
                             tfc_dtype_name(tfc_tensor_dtype(in)));
    }
    return TFC_OK;
}
static const tfc_kernel kernel_sum = {.compute = sum_compute};

static tfc_code expand_dims_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *in = tfc_kctx_input(c, 0), *dim = tfc_kctx_input(c, 1);
    int rank = tfc_tensor_rank(in);
    if (tfc_tensor_num_elements(dim) != 1 || rank >= TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "'dim' must be a tensor with a single value");
    int64_t a = int_at(dim, 0);
    if (a < -(rank + 1) || a > rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Tried to expand dim index %lld for tensor with %d dimensions",
                             (long long)a, rank);
    if (a < 0) a += rank + 1;
    tfc_shape s = tfc_shape_make(rank + 1, NULL);
    for (int d = 0, k = 0; d <= rank; d++) s.dims[d] = d == a ? 1 : tfc_tensor_dim(in, k++);
    return tfc_kctx_set_output_view(c, 0, in, &s);
}
static const tfc_kernel kernel_expand_dims = {.compute = expand_dims_compute};

static const tfc_op_spec array_ops[] = {
    {.name = "OnesLike",
     .sig = "x: T -> y: T",
     .attrs = "T: {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, uint32, "
              "int64, uint64, complex64, complex128, bool}",
     .shape = tfc__shape_unchanged,
     .kernel = &kernel_ones_like,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "ZerosLike",
     .sig = "x: T -> y: T",
     .attrs = "T: type",
     .shape = tfc__shape_unchanged,
     .kernel = &kernel_zeros_like,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Fill",
     .sig = "dims: index_type, value: T -> output: T",
     .attrs = "T: type; index_type: {int32, int64} = DT_INT32",
     .shape = tfc__shape_from_input_dims,
     .kernel = &kernel_fill,
     .grad = tfc__grad_fill},
    {.name = "BroadcastGradientArgs",
     .sig = "s0: T, s1: T -> r0: T, r1: T",
     .attrs = "T: {int32, int64} = DT_INT32",
     .shape = shape_vectors,
     .kernel = &kernel_bga,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "Sum",
     .sig = "input: T, reduction_indices: Tidx -> output: T",
     .attrs = "keep_dims: bool = false; T: {numbertypes}; Tidx: {int32, int64} = DT_INT32",
     .shape = shape_sum,
     .kernel = &kernel_sum,
     .grad = tfc__grad_sum},
    {.name = "ExpandDims",
     .sig = "input: T, dim: Tdim -> output: T",
     .attrs = "T: type; Tdim: {int32, int64} = DT_INT32",
     .shape = shape_expand_dims,
     .kernel = &kernel_expand_dims,
     .grad = tfc__grad_expand_dims},
};

const tfc_op_family tfc__ops_array = {"array", array_ops,
                                      (int)(sizeof array_ops / sizeof array_ops[0])};
