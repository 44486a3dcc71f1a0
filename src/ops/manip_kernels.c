/* CPU kernels of the manip family that reorder, join, split or repeat whole tensors: Squeeze (a
 * view), Transpose, InvertPermutation, ConcatV2, ConcatOffset, Pack, Unpack, Tile, OneHot. All copy
 * bytes, so any fixed-size dtype works. */
#include <string.h>

#include "ops/manip_int.h"

static tfc_code check_copyable(tfc_kernel_ctx *c, tfc_dtype dt) {
    if (tfc_dtype_size(dt) == 0)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "%s is not implemented for %s",
                             tfc_node_op(tfc_kctx_node(c)), tfc_dtype_name(dt));
    return TFC_OK;
}

static tfc_code squeeze_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    const int64_t *sq = NULL;
    int nsq = 0, rank = tfc_tensor_rank(x);
    tfc_node_attr_int_list(tfc_kctx_node(c), "squeeze_dims", &sq, &nsq, NULL);
    bool mask[TFC_MAX_RANK] = {false};
    for (int i = 0; i < nsq; i++) {
        int64_t a = sq[i] < 0 ? sq[i] + rank : sq[i];
        if (a < 0 || a >= rank)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Tried to squeeze dim index %lld for tensor with %d dimensions",
                                 (long long)sq[i], rank);
        if (tfc_tensor_dim(x, (int)a) != 1)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Can not squeeze dim[%lld], expected a dimension of 1, got %lld",
                                 (long long)a, (long long)tfc_tensor_dim(x, (int)a));
        mask[a] = true;
    }
    tfc_shape s = tfc_shape_make(0, NULL);
    for (int d = 0; d < rank; d++) {
        bool drop = nsq ? mask[d] : tfc_tensor_dim(x, d) == 1;
        if (!drop) s.dims[s.rank++] = tfc_tensor_dim(x, d);
    }
    return tfc_kctx_set_output_view(c, 0, x, &s);
}
const tfc_kernel tfc__kernel_squeeze = {.compute = squeeze_compute};

/* perm as a validated permutation of rank dims; false (recorded) when it is not one. */
static bool read_perm(tfc_kernel_ctx *c, const tfc_tensor *p, int rank, int *perm) {
    if (tfc_tensor_rank(p) != 1 || tfc_tensor_num_elements(p) != rank) {
        tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "transpose expects a vector of size %d", rank);
        return false;
    }
    bool seen[TFC_MAX_RANK] = {false};
    for (int i = 0; i < rank; i++) {
        int64_t v = tfc__manip_int_at(p, i);
        if (v < 0 || v >= rank || seen[v]) {
            tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%lld is %s", (long long)v,
                          v < 0 || v >= rank ? "out of range" : "duplicated in perm");
            return false;
        }
        seen[v] = true, perm[i] = (int)v;
    }
    return true;
}

static tfc_code transpose_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(x));
    if (rc != TFC_OK) return rc;
    int rank = tfc_tensor_rank(x), perm[TFC_MAX_RANK];
    if (!read_perm(c, tfc_kctx_input(c, 1), rank, perm)) return TFC_INVALID_ARGUMENT;
    int64_t xs[TFC_MAX_RANK], ss[TFC_MAX_RANK], ds[TFC_MAX_RANK];
    tfc__manip_strides(tfc_tensor_shape(x), xs);
    tfc_shape os = tfc_shape_make(rank, NULL);
    for (int i = 0; i < rank; i++) {
        os.dims[i] = tfc_tensor_dim(x, perm[i]);
        ss[i] = xs[perm[i]];
    }
    tfc_tensor *y;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), &os, &y)) != TFC_OK) return rc;
    tfc__manip_strides(&os, ds);
    tfc__manip_copy(tfc_tensor_data(y), ds, tfc_tensor_data_const(x), ss, os.dims, rank,
                    tfc_dtype_size(tfc_tensor_dtype(x)));
    return TFC_OK;
}
const tfc_kernel tfc__kernel_transpose = {.compute = transpose_compute};

static void set_int(tfc_tensor *t, int64_t i, int64_t v) {
    if (tfc_tensor_dtype(t) == TFC_DT_INT64)
        ((int64_t *)tfc_tensor_data(t))[i] = v;
    else
        ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v;
}

static tfc_code invert_permutation_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    int64_t n = tfc_tensor_num_elements(x);
    if (tfc_tensor_rank(x) != 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "invert_permutation expects a 1D vector.");
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), tfc_tensor_shape(x), &y);
    if (rc != TFC_OK) return rc;
    for (int64_t i = 0; i < n; i++) set_int(y, i, -1);
    for (int64_t i = 0; i < n; i++) {
        int64_t v = tfc__manip_int_at(x, i);
        if (v < 0 || v >= n || tfc__manip_int_at(y, v) != -1)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "%lld is not between 0 and %lld or is "
                                 "duplicated",
                                 (long long)v, (long long)n);
        set_int(y, v, i);
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_invert_permutation = {.compute = invert_permutation_compute};

/* The concatenation of n tensors xs along axis (already normalised), each with the same dims off
 * the axis as ref; the caller has checked that. As a 2-D copy: outer rows of each input's inner
 * block, placed side by side. */
static void concat_copy(tfc_tensor *out, const tfc_tensor *const *xs, int n, int axis) {
    const tfc_shape *os = tfc_tensor_shape(out);
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(out));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= os->dims[d];
    for (int d = axis + 1; d < os->rank; d++) inner *= os->dims[d];
    size_t row = (size_t)(os->dims[axis] * inner) * esz, at = 0;
    char *dst = tfc_tensor_data(out);
    for (int i = 0; i < n; i++) {
        int64_t di = tfc_tensor_rank(xs[i]) == os->rank ? tfc_tensor_dim(xs[i], axis) : 1;
        size_t chunk = (size_t)(di * inner) * esz;
        const char *src = tfc_tensor_data_const(xs[i]);
        for (int64_t o = 0; o < outer; o++)
            memcpy(dst + (size_t)o * row + at, src + (size_t)o * chunk, chunk);
        at += chunk;
    }
}

static tfc_code concat_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    int n = tfc_kctx_num_inputs(c) - 1;
    const tfc_tensor *xs[256];
    if (n > 256) return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "more than 256 inputs");
    for (int i = 0; i < n; i++) xs[i] = tfc_kctx_input(c, i);
    const tfc_tensor *ax = tfc_kctx_input(c, n);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(xs[0]));
    if (rc != TFC_OK) return rc;
    if (tfc_tensor_num_elements(ax) != 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "axis must be a scalar");
    int rank = tfc_tensor_rank(xs[0]);
    int64_t axis = tfc__manip_int_at(ax, 0);
    if (axis < -rank || axis >= rank || rank == 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "ConcatOp : Expected concatenating dimensions in the range [%d, %d), "
                             "but got %lld",
                             -rank, rank, (long long)axis);
    if (axis < 0) axis += rank;
    tfc_shape os = *tfc_tensor_shape(xs[0]);
    os.dims[axis] = 0;
    for (int i = 0; i < n; i++) {
        const tfc_shape *s = tfc_tensor_shape(xs[i]);
        bool ok = s->rank == rank;
        for (int d = 0; ok && d < rank; d++) ok = d == axis || s->dims[d] == os.dims[d];
        if (!ok) {
            char a[128], b[128];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "ConcatOp : Dimensions of inputs should match: shape[0] = %s vs. "
                                 "shape[%d] = %s",
                                 tfc_shape_to_string(tfc_tensor_shape(xs[0]), a, sizeof a), i,
                                 tfc_shape_to_string(s, b, sizeof b));
        }
        os.dims[axis] += s->dims[axis];
    }
    tfc_tensor *out;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(xs[0]), &os, &out)) != TFC_OK) return rc;
    if (tfc_tensor_num_elements(out) > 0) concat_copy(out, xs, n, (int)axis);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_concat_v2 = {.compute = concat_compute};

/* offset[i] = where input i starts in the concatenation: zeros but along concat_dim. */
static tfc_code concat_offset_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    int n = tfc_kctx_num_inputs(c) - 1;
    const tfc_tensor *cd = tfc_kctx_input(c, 0), *s0 = tfc_kctx_input(c, 1);
    int64_t rank = tfc_tensor_num_elements(s0);
    int64_t axis = tfc_tensor_num_elements(cd) == 1 ? tfc__manip_int_at(cd, 0) : rank;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Concat dim is out of range: %lld vs. %lld",
                             (long long)tfc__manip_int_at(cd, 0), (long long)rank);
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        const tfc_tensor *si = tfc_kctx_input(c, 1 + i);
        if (tfc_tensor_num_elements(si) != rank)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "input %d should contain %lld elements, "
                                 "but got %lld",
                                 i, (long long)rank, (long long)tfc_tensor_num_elements(si));
        tfc_tensor *o;
        tfc_code rc = tfc_kctx_alloc_output(c, i, tfc_tensor_dtype(si), tfc_tensor_shape(si), &o);
        if (rc != TFC_OK) return rc;
        for (int64_t d = 0; d < rank; d++) {
            if (d != axis && tfc__manip_int_at(si, d) != tfc__manip_int_at(s0, d))
                return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                     "input[%d,%lld] mismatch: %lld vs. %lld", i, (long long)d,
                                     (long long)tfc__manip_int_at(s0, d),
                                     (long long)tfc__manip_int_at(si, d));
            set_int(o, d, d == axis ? at : 0);
        }
        at += tfc__manip_int_at(si, axis);
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_concat_offset = {.compute = concat_offset_compute};

static tfc_code pack_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    int n = tfc_kctx_num_inputs(c);
    const tfc_tensor *xs[256];
    if (n > 256) return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "more than 256 inputs");
    for (int i = 0; i < n; i++) xs[i] = tfc_kctx_input(c, i);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(xs[0]));
    if (rc != TFC_OK) return rc;
    const tfc_shape *s0 = tfc_tensor_shape(xs[0]);
    int64_t axis = 0;
    tfc_node_attr_int(tfc_kctx_node(c), "axis", &axis, NULL);
    if (axis < -(s0->rank + 1) || axis > s0->rank || s0->rank >= TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "axis = %lld not in [%d, %d)",
                             (long long)axis, -(s0->rank + 1), s0->rank + 1);
    if (axis < 0) axis += s0->rank + 1;
    for (int i = 1; i < n; i++)
        if (!tfc_shape_equal(tfc_tensor_shape(xs[i]), s0)) {
            char a[128], b[128];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Shapes of all inputs must match: values[0].shape = %s != "
                                 "values[%d].shape = %s",
                                 tfc_shape_to_string(s0, a, sizeof a), i,
                                 tfc_shape_to_string(tfc_tensor_shape(xs[i]), b, sizeof b));
        }
    tfc_shape os = tfc_shape_make(s0->rank + 1, NULL);
    for (int d = 0, k = 0; d < os.rank; d++) os.dims[d] = d == axis ? n : s0->dims[k++];
    tfc_tensor *out;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(xs[0]), &os, &out)) != TFC_OK) return rc;
    if (tfc_tensor_num_elements(out) > 0) concat_copy(out, xs, n, (int)axis);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_pack = {.compute = pack_compute};

static tfc_code unpack_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(x));
    if (rc != TFC_OK) return rc;
    int rank = tfc_tensor_rank(x), n = tfc_kctx_num_outputs(c);
    int64_t axis = 0;
    tfc_node_attr_int(tfc_kctx_node(c), "axis", &axis, NULL);
    if (axis < -rank || axis >= rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "axis = %lld not in [%d, %d)",
                             (long long)axis, -rank, rank);
    if (axis < 0) axis += rank;
    if (tfc_tensor_dim(x, (int)axis) != n)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Input shape axis %lld must equal %d, got shape dim %lld",
                             (long long)axis, n, (long long)tfc_tensor_dim(x, (int)axis));
    tfc_shape os = tfc_shape_make(rank - 1, NULL);
    for (int d = 0, k = 0; d < rank; d++)
        if (d != axis) os.dims[k++] = tfc_tensor_dim(x, d);
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(x));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= tfc_tensor_dim(x, d);
    for (int d = (int)axis + 1; d < rank; d++) inner *= tfc_tensor_dim(x, d);
    const char *src = tfc_tensor_data_const(x);
    for (int i = 0; i < n; i++) {
        tfc_tensor *y;
        if ((rc = tfc_kctx_alloc_output(c, i, tfc_tensor_dtype(x), &os, &y)) != TFC_OK) return rc;
        char *dst = tfc_tensor_data(y);
        size_t chunk = (size_t)inner * esz;
        for (int64_t o = 0; o < outer; o++)
            memcpy(dst + (size_t)o * chunk, src + ((size_t)(o * n + i)) * chunk, chunk);
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_unpack = {.compute = unpack_compute};

/* Tile as a copy of rank 2r: for input dim k, an outer loop over the m_k repeats (source stride
 * 0) and an inner one over the dim itself. */
static tfc_code tile_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *mult = tfc_kctx_input(c, 1);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(x));
    if (rc != TFC_OK) return rc;
    int rank = tfc_tensor_rank(x);
    if (tfc_tensor_rank(mult) != 1 || tfc_tensor_num_elements(mult) != rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Expected multiples argument to be a vector of length %d but got "
                             "length %lld",
                             rank, (long long)tfc_tensor_num_elements(mult));
    tfc_shape os = tfc_shape_make(rank, NULL);
    for (int d = 0; d < rank; d++) {
        int64_t m = tfc__manip_int_at(mult, d);
        if (m < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Expected multiples[%d] >= 0, but got %lld", d, (long long)m);
        os.dims[d] = tfc_tensor_dim(x, d) * m;
    }
    tfc_tensor *y;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), &os, &y)) != TFC_OK) return rc;
    int64_t xs[TFC_MAX_RANK], ys[TFC_MAX_RANK];
    int64_t dims[2 * TFC_MAX_RANK], ss[2 * TFC_MAX_RANK], ds[2 * TFC_MAX_RANK];
    tfc__manip_strides(tfc_tensor_shape(x), xs);
    tfc__manip_strides(&os, ys);
    for (int d = 0; d < rank; d++) {
        dims[2 * d] = tfc__manip_int_at(mult, d), dims[2 * d + 1] = tfc_tensor_dim(x, d);
        ss[2 * d] = 0, ss[2 * d + 1] = xs[d];
        ds[2 * d] = tfc_tensor_dim(x, d) * ys[d], ds[2 * d + 1] = ys[d];
    }
    tfc__manip_copy(tfc_tensor_data(y), ds, tfc_tensor_data_const(x), ss, dims, 2 * rank,
                    tfc_dtype_size(tfc_tensor_dtype(x)));
    return TFC_OK;
}
const tfc_kernel tfc__kernel_tile = {.compute = tile_compute};

static tfc_code one_hot_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *idx = tfc_kctx_input(c, 0), *depth = tfc_kctx_input(c, 1),
                     *on = tfc_kctx_input(c, 2), *off = tfc_kctx_input(c, 3);
    tfc_dtype dt = tfc_tensor_dtype(on);
    tfc_code rc = check_copyable(c, dt);
    if (rc != TFC_OK) return rc;
    if (tfc_tensor_rank(depth) != 0 || tfc_tensor_rank(on) != 0 || tfc_tensor_rank(off) != 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "depth, on_value and off_value must be "
                             "scalars");
    int64_t d = ((const int32_t *)tfc_tensor_data_const(depth))[0], axis = -1;
    if (d < 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "depth must be non-negative, got: %lld",
                             (long long)d);
    int rank = tfc_tensor_rank(idx);
    tfc_node_attr_int(tfc_kctx_node(c), "axis", &axis, NULL);
    if (axis < -1 || axis > rank || rank >= TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Expected axis to be -1 or between [0, %d).  "
                             "But received: %lld",
                             rank + 1, (long long)axis);
    if (axis == -1) axis = rank;
    tfc_shape os = tfc_shape_make(rank + 1, NULL);
    int64_t outer = 1, inner = 1;
    for (int k = 0, j = 0; k <= rank; k++) os.dims[k] = k == axis ? d : tfc_tensor_dim(idx, j++);
    for (int k = 0; k < axis; k++) outer *= os.dims[k];
    for (int k = (int)axis + 1; k <= rank; k++) inner *= os.dims[k];
    tfc_tensor *y;
    if ((rc = tfc_kctx_alloc_output(c, 0, dt, &os, &y)) != TFC_OK) return rc;
    size_t esz = tfc_dtype_size(dt);
    char *p = tfc_tensor_data(y);
    const char *onv = tfc_tensor_data_const(on), *offv = tfc_tensor_data_const(off);
    const void *iv = tfc_tensor_data_const(idx);
    tfc_dtype it = tfc_tensor_dtype(idx);
    /* output [outer, d, inner]; indices [outer, inner] */
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < d; k++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t j = o * inner + i, v;
                switch (it) {
                case TFC_DT_INT64:
                    v = ((const int64_t *)iv)[j];
                    break;
                case TFC_DT_INT32:
                    v = ((const int32_t *)iv)[j];
                    break;
                case TFC_DT_UINT8:
                    v = ((const uint8_t *)iv)[j];
                    break;
                default:
                    v = ((const int8_t *)iv)[j];
                    break;
                }
                memcpy(p + (size_t)((o * d + k) * inner + i) * esz, v == k ? onv : offv, esz);
            }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_one_hot = {.compute = one_hot_compute};
