/* Reductions of the math family: Mean, Max, Min, Prod over a set of axes (reduction_indices,
 * int32 or int64, negative counting from the end, repeats allowed) with keep_dims; ArgMax and
 * ArgMin over one axis (ties give the first index, as TF's CPU kernel; the index as int64, int32,
 * or for ArgMax also int16/uint16). Inputs float32, float64, int32, int64. Empty reductions give
 * TF's identities: Max the lowest value (-inf), Min the highest, Prod 1, Mean NaN for floats and
 * 0 for integers. Integer Mean divides the sum, truncating; integer sums and products wrap. The
 * loops run on the calling thread (one pass over the input, in memory order). */
#include <math.h>
#include <string.h>

#include "ops/math_int.h"

typedef enum reduce_kind { R_MEAN, R_MAX, R_MIN, R_PROD } reduce_kind;
static const char *const reduce_names[] = {"Mean", "Max", "Min", "Prod"};

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

/* For each input element (walked in order with an odometer), o is its output offset. */
#define REDUCE_LOOP(T, INIT, STEP)                                                                 \
    do {                                                                                           \
        const T *x = tfc_tensor_data_const(in);                                                    \
        T *y = tfc_tensor_data(out);                                                               \
        for (int64_t i = 0; i < on; i++) y[i] = INIT;                                              \
        int64_t idx[TFC_MAX_RANK] = {0}, o = 0;                                                    \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T a = x[i];                                                                      \
            T *acc = &y[o];                                                                        \
            STEP;                                                                                  \
            for (int d = rank - 1; d >= 0; d--) {                                                  \
                o += ostride[d];                                                                   \
                if (++idx[d] < dims[d]) break;                                                     \
                o -= idx[d] * ostride[d];                                                          \
                idx[d] = 0;                                                                        \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define FLOAT_REDUCE(T, LOWEST, HIGHEST)                                                           \
    switch (kind) {                                                                                \
    case R_MEAN:                                                                                   \
        REDUCE_LOOP(T, 0, *acc += a);                                                              \
        for (int64_t i = 0; i < on; i++) y_##T(out)[i] /= (T)count;                                \
        break;                                                                                     \
    case R_MAX:                                                                                    \
        REDUCE_LOOP(T, LOWEST, if (a > *acc || a != a) *acc = a);                                  \
        break;                                                                                     \
    case R_MIN:                                                                                    \
        REDUCE_LOOP(T, HIGHEST, if (a < *acc || a != a) *acc = a);                                 \
        break;                                                                                     \
    case R_PROD:                                                                                   \
        REDUCE_LOOP(T, 1, *acc *= a);                                                              \
        break;                                                                                     \
    }

#define INT_REDUCE(T, U, LOWEST, HIGHEST)                                                          \
    switch (kind) {                                                                                \
    case R_MEAN:                                                                                   \
        REDUCE_LOOP(T, 0, *acc = (T)((U)*acc + (U)a));                                             \
        for (int64_t i = 0; i < on; i++)                                                           \
            y_##T(out)[i] = count ? (T)(y_##T(out)[i] / (T)count) : 0;                             \
        break;                                                                                     \
    case R_MAX:                                                                                    \
        REDUCE_LOOP(T, LOWEST, if (a > *acc) *acc = a);                                            \
        break;                                                                                     \
    case R_MIN:                                                                                    \
        REDUCE_LOOP(T, HIGHEST, if (a < *acc) *acc = a);                                           \
        break;                                                                                     \
    case R_PROD:                                                                                   \
        REDUCE_LOOP(T, 1, *acc = (T)((U)*acc * (U)a));                                             \
        break;                                                                                     \
    }

static float *y_float(tfc_tensor *t) {
    return tfc_tensor_data(t);
}
static double *y_double(tfc_tensor *t) {
    return tfc_tensor_data(t);
}
static int32_t *y_int32_t(tfc_tensor *t) {
    return tfc_tensor_data(t);
}
static int64_t *y_int64_t(tfc_tensor *t) {
    return tfc_tensor_data(t);
}

static tfc_code reduce_compute(tfc_kernel_ctx *c, reduce_kind kind) {
    const tfc_tensor *in = tfc_kctx_input(c, 0), *axes = tfc_kctx_input(c, 1);
    const tfc_shape *is = tfc_tensor_shape(in);
    int rank = is->rank;
    const int64_t *dims = is->dims;
    bool keep = false, mask[TFC_MAX_RANK] = {false};
    tfc_node_attr_bool(tfc_kctx_node(c), "keep_dims", &keep, NULL);
    if (tfc_tensor_rank(axes) > 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "reduction_indices must be a scalar or a vector, not rank %d",
                             tfc_tensor_rank(axes));
    for (int64_t i = 0; i < tfc_tensor_num_elements(axes); i++) {
        int64_t a = int_at(axes, i);
        if (a < -rank || a >= rank)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Invalid reduction dimension (%lld for input with %d "
                                 "dimension(s)",
                                 (long long)a, rank);
        mask[a < 0 ? a + rank : a] = true;
    }
    tfc_shape os = tfc_shape_make(0, NULL);
    int64_t ostride[TFC_MAX_RANK], stride = 1, count = 1;
    for (int d = rank - 1; d >= 0; d--) {
        ostride[d] = mask[d] ? 0 : stride;
        if (mask[d])
            count *= dims[d];
        else
            stride *= dims[d];
    }
    for (int d = 0; d < rank; d++)
        if (!mask[d] || keep) os.dims[os.rank++] = mask[d] ? 1 : dims[d];
    tfc_dtype dt = tfc_tensor_dtype(in);
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", reduce_names[kind],
                             tfc_dtype_name(dt));
    tfc_tensor *out;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &os, &out);
    if (rc != TFC_OK) return rc;
    int64_t n = tfc_tensor_num_elements(in), on = tfc_tensor_num_elements(out);
    switch (dt) {
    case TFC_DT_FLOAT:
        FLOAT_REDUCE(float, -INFINITY, INFINITY)
        break;
    case TFC_DT_DOUBLE:
        FLOAT_REDUCE(double, -INFINITY, INFINITY)
        break;
    case TFC_DT_INT32:
        INT_REDUCE(int32_t, uint32_t, INT32_MIN, INT32_MAX)
        break;
    default:
        INT_REDUCE(int64_t, uint64_t, INT64_MIN, INT64_MAX)
        break;
    }
    return TFC_OK;
}

#define REDUCE_KERNEL(NAME, KIND)                                                                  \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        (void)state;                                                                               \
        return reduce_compute(c, KIND);                                                            \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};
REDUCE_KERNEL(mean, R_MEAN)
REDUCE_KERNEL(max, R_MAX)
REDUCE_KERNEL(min, R_MIN)
REDUCE_KERNEL(prod, R_PROD)

/* ---- ArgMax / ArgMin ---- */

#define ARG_LOOP(T, BETTER)                                                                        \
    do {                                                                                           \
        const T *x = tfc_tensor_data_const(in);                                                    \
        for (int64_t o = 0; o < outer; o++)                                                        \
            for (int64_t k = 0; k < inner; k++) {                                                  \
                const T *p = x + o * len * inner + k;                                              \
                int64_t best = 0;                                                                  \
                for (int64_t i = 1; i < len; i++) {                                                \
                    const T a = p[i * inner], b = p[best * inner];                                 \
                    if (BETTER) best = i;                                                          \
                }                                                                                  \
                store_index(out, k + (o * inner), best);                                           \
            }                                                                                      \
    } while (0)

/* The index into an int16, uint16, int32 or int64 output (range checked before). */
static void store_index(tfc_tensor *out, int64_t i, int64_t v) {
    void *p = tfc_tensor_data(out);
    switch (tfc_tensor_dtype(out)) {
    case TFC_DT_INT64:
        ((int64_t *)p)[i] = v;
        break;
    case TFC_DT_INT16:
        ((int16_t *)p)[i] = (int16_t)v;
        break;
    case TFC_DT_UINT16:
        ((uint16_t *)p)[i] = (uint16_t)v;
        break;
    default:
        ((int32_t *)p)[i] = (int32_t)v;
        break;
    }
}

static tfc_code arg_compute(tfc_kernel_ctx *c, bool is_max) {
    const tfc_tensor *in = tfc_kctx_input(c, 0), *dim = tfc_kctx_input(c, 1);
    const tfc_shape *is = tfc_tensor_shape(in);
    const char *name = is_max ? "ArgMax" : "ArgMin";
    tfc_dtype odt = TFC_DT_INT64, dt = tfc_tensor_dtype(in);
    tfc_node_attr_type(tfc_kctx_node(c), "output_type", &odt, NULL);
    if (tfc_tensor_num_elements(dim) != 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "dim must be a scalar, but received tensor of "
                             "%lld elements",
                             (long long)tfc_tensor_num_elements(dim));
    int64_t axis = int_at(dim, 0);
    if (axis < -is->rank || axis >= is->rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Expected dimension in the range [%d, %d), but got %lld", -is->rank,
                             is->rank, (long long)axis);
    if (axis < 0) axis += is->rank;
    char buf[96];
    if (is->dims[axis] == 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Reduction axis %lld is empty in shape %s",
                             (long long)axis, tfc_shape_to_string(is, buf, sizeof buf));
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", name,
                             tfc_dtype_name(dt));
    int64_t limit = odt == TFC_DT_INT64   ? INT64_MAX
                    : odt == TFC_DT_INT32 ? INT32_MAX
                    : odt == TFC_DT_INT16 ? INT16_MAX
                                          : UINT16_MAX;
    if (is->dims[axis] - 1 > limit)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "axis size %lld does not fit output_type %s",
                             (long long)is->dims[axis], tfc__tf_dtype_string(odt));
    tfc_shape os = tfc_shape_make(0, NULL);
    int64_t outer = 1, inner = 1, len = is->dims[axis];
    for (int d = 0; d < is->rank; d++) {
        if (d == axis) continue;
        os.dims[os.rank++] = is->dims[d];
        if (d < axis)
            outer *= is->dims[d];
        else
            inner *= is->dims[d];
    }
    tfc_tensor *out;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, odt, &os, &out);
    if (rc != TFC_OK) return rc;
    switch (dt) {
    case TFC_DT_FLOAT:
        if (is_max)
            ARG_LOOP(float, a > b);
        else
            ARG_LOOP(float, a < b);
        break;
    case TFC_DT_DOUBLE:
        if (is_max)
            ARG_LOOP(double, a > b);
        else
            ARG_LOOP(double, a < b);
        break;
    case TFC_DT_INT32:
        if (is_max)
            ARG_LOOP(int32_t, a > b);
        else
            ARG_LOOP(int32_t, a < b);
        break;
    default:
        if (is_max)
            ARG_LOOP(int64_t, a > b);
        else
            ARG_LOOP(int64_t, a < b);
        break;
    }
    return TFC_OK;
}

static tfc_code arg_max_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return arg_compute(c, true);
}
static tfc_code arg_min_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return arg_compute(c, false);
}
const tfc_kernel tfc__kernel_arg_max = {.compute = arg_max_compute};
const tfc_kernel tfc__kernel_arg_min = {.compute = arg_min_compute};
