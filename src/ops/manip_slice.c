/* The manip family's shared machinery — a strided box copy and TF's StridedSlice index rules —
 * and the kernels built on the latter: Slice, StridedSlice, StridedSliceGrad. */
#include <stdio.h>
#include <string.h>

#include "ops/manip_int.h"

int64_t tfc__manip_int_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_INT64 ? ((const int64_t *)p)[i] : ((const int32_t *)p)[i];
}

void tfc__manip_strides(const tfc_shape *s, int64_t *strides) {
    int64_t st = 1;
    for (int d = s->rank - 1; d >= 0; d--) {
        strides[d] = st;
        st *= s->dims[d];
    }
}

void tfc__manip_copy(char *dst, const int64_t *dst_strides, const char *src,
                     const int64_t *src_strides, const int64_t *dims, int rank, size_t esz) {
    for (int d = 0; d < rank; d++)
        if (dims[d] == 0) return;
    if (rank == 0) {
        memcpy(dst, src, esz);
        return;
    }
    /* the innermost dim is one memcpy when it is contiguous on both sides */
    int last = rank - 1;
    bool rows = dst_strides[last] == 1 && src_strides[last] == 1;
    int64_t idx[2 * TFC_MAX_RANK] = {0};
    for (;;) {
        int64_t so = 0, dof = 0;
        for (int d = 0; d < last; d++) {
            so += idx[d] * src_strides[d];
            dof += idx[d] * dst_strides[d];
        }
        if (rows) {
            memcpy(dst + dof * (int64_t)esz, src + so * (int64_t)esz, (size_t)dims[last] * esz);
        } else {
            for (int64_t k = 0; k < dims[last]; k++)
                memcpy(dst + (dof + k * dst_strides[last]) * (int64_t)esz,
                       src + (so + k * src_strides[last]) * (int64_t)esz, esz);
        }
        int d = last - 1;
        while (d >= 0 && ++idx[d] == dims[d]) idx[d--] = 0;
        if (d < 0) return;
    }
}

void tfc__slice_masks(const tfc_node *n, tfc_slice_masks *m) {
    memset(m, 0, sizeof *m);
    tfc_node_attr_int(n, "begin_mask", &m->begin, NULL);
    tfc_node_attr_int(n, "end_mask", &m->end, NULL);
    tfc_node_attr_int(n, "ellipsis_mask", &m->ellipsis, NULL);
    tfc_node_attr_int(n, "new_axis_mask", &m->new_axis, NULL);
    tfc_node_attr_int(n, "shrink_axis_mask", &m->shrink, NULL);
}

enum { GATHER_NEW_AXIS = -1, GATHER_SHRINK = -2 };

/* Canonical index x of a dim of size dim (TF's canonical(): negative counts from the end, then
 * clamped to what a slice in that direction can start or end at). */
static int64_t canonical(int64_t x, int64_t dim, int64_t stride) {
    int64_t lo = stride > 0 ? 0 : -1, hi = stride > 0 ? dim : dim - 1;
    if (x < 0) x += dim;
    return x < lo ? lo : x > hi ? hi : x;
}

bool tfc__slice_resolve(const tfc_shape *in, const tfc_tensor *begin, const tfc_tensor *end,
                        const tfc_tensor *strides, const tfc_slice_masks *m, tfc_slice_spec *spec,
                        char *err, size_t errn) {
    int64_t n = tfc_tensor_num_elements(begin);
    if (tfc_tensor_rank(begin) != 1 || tfc_tensor_num_elements(end) != n ||
        tfc_tensor_num_elements(strides) != n || tfc_tensor_rank(end) != 1 ||
        tfc_tensor_rank(strides) != 1) {
        snprintf(err, errn, "Expected begin, end, and strides to be 1D equal size tensors");
        return false;
    }
    if (n > 32) {
        snprintf(err, errn, "Index out of range: %lld slice indices", (long long)n);
        return false;
    }
    if (m->ellipsis & (m->ellipsis - 1)) {
        snprintf(err, errn, "Multiple ellipses in slice spec not allowed");
        return false;
    }
    int rank = in->rank, sparse = (int)n;
    int64_t ellipsis = m->ellipsis;
    /* no ellipsis: as if one followed the given indices */
    if (!(ellipsis & ((INT64_C(1) << sparse) - 1))) ellipsis = INT64_C(1) << sparse++;
    int after = 0;
    bool seen = false;
    for (int i = 0; i < sparse; i++) {
        if (seen && (m->new_axis >> i & 1)) after++;
        if (ellipsis >> i & 1) seen = true;
    }
    int64_t b[TFC_MAX_RANK], e[TFC_MAX_RANK], s[TFC_MAX_RANK];
    bool bm[TFC_MAX_RANK], em[TFC_MAX_RANK], sh[TFC_MAX_RANK];
    int gather[2 * TFC_MAX_RANK + 33], ng = 0, full = 0;
    for (int i = 0; i < sparse; i++) {
        if (ellipsis >> i & 1) {
            int next = rank - (sparse - i) + 1 + after;
            if (next > rank) next = rank;
            for (; full < next; full++) {
                b[full] = e[full] = 0, s[full] = 1;
                bm[full] = em[full] = true, sh[full] = false;
                gather[ng++] = full;
            }
        } else if (m->new_axis >> i & 1) {
            gather[ng++] = GATHER_NEW_AXIS;
        } else {
            if (full >= rank) {
                snprintf(err, errn, "Index out of range using input dim %d; input has only %d dims",
                         full, rank);
                return false;
            }
            b[full] = tfc__manip_int_at(begin, i);
            e[full] = tfc__manip_int_at(end, i);
            s[full] = tfc__manip_int_at(strides, i);
            bm[full] = m->begin >> i & 1, em[full] = m->end >> i & 1, sh[full] = m->shrink >> i & 1;
            gather[ng++] = sh[full] ? GATHER_SHRINK : full;
            full++;
        }
    }
    spec->rank = rank;
    for (int d = 0; d < rank; d++) {
        int64_t dim = in->dims[d], st = s[d];
        if (st == 0) {
            snprintf(err, errn, "strides[%d] must be non-zero", d);
            return false;
        }
        spec->stride[d] = st;
        if (sh[d]) {
            int64_t x = b[d];
            if (dim >= 0) {
                if (x < 0) x += dim;
                if (x < 0 || x >= dim) {
                    snprintf(err, errn, "slice index %lld of dimension %d out of bounds.",
                             (long long)b[d], d);
                    return false;
                }
            }
            spec->begin[d] = x, spec->size[d] = 1;
            continue;
        }
        if (dim < 0) {
            spec->begin[d] = 0, spec->size[d] = -1;
            continue;
        }
        int64_t lo = bm[d] ? (st > 0 ? 0 : dim - 1) : canonical(b[d], dim, st);
        int64_t hi = em[d] ? (st > 0 ? dim : -1) : canonical(e[d], dim, st);
        int64_t len = 0;
        if ((st > 0 && hi > lo) || (st < 0 && hi < lo)) {
            int64_t span = hi - lo;
            len = span / st + (span % st != 0);
        }
        spec->begin[d] = lo, spec->size[d] = len;
    }
    spec->out.rank = 0;
    for (int i = 0; i < ng; i++) {
        if (gather[i] == GATHER_SHRINK) continue;
        if (spec->out.rank == TFC_MAX_RANK) {
            snprintf(err, errn, "result has more than %d dims", TFC_MAX_RANK);
            return false;
        }
        spec->out.dims[spec->out.rank++] = gather[i] == GATHER_NEW_AXIS ? 1 : spec->size[gather[i]];
    }
    return true;
}

/* ---- Kernels ---- */

static tfc_code check_copyable(tfc_kernel_ctx *c, tfc_dtype dt) {
    if (tfc_dtype_size(dt) == 0)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "%s is not implemented for %s",
                             tfc_node_op(tfc_kctx_node(c)), tfc_dtype_name(dt));
    return TFC_OK;
}

/* out (fully allocated, shape-compatible with spec) = the slice of x that spec describes. */
static void gather_slice(const tfc_tensor *x, const tfc_slice_spec *spec, tfc_tensor *out) {
    int64_t xs[TFC_MAX_RANK], ss[TFC_MAX_RANK], ds[TFC_MAX_RANK], off = 0;
    tfc__manip_strides(tfc_tensor_shape(x), xs);
    tfc_shape ps = tfc_shape_make(spec->rank, spec->size);
    tfc__manip_strides(&ps, ds);
    for (int d = 0; d < spec->rank; d++) {
        off += spec->begin[d] * xs[d];
        ss[d] = spec->stride[d] * xs[d];
    }
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(x));
    tfc__manip_copy(tfc_tensor_data(out), ds,
                    (const char *)tfc_tensor_data_const(x) + off * (int64_t)esz, ss, spec->size,
                    spec->rank, esz);
}

static tfc_code slice_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *begin = tfc_kctx_input(c, 1),
                     *size = tfc_kctx_input(c, 2);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(x));
    if (rc != TFC_OK) return rc;
    int rank = tfc_tensor_rank(x);
    if (tfc_tensor_rank(begin) != 1 || tfc_tensor_rank(size) != 1 ||
        tfc_tensor_num_elements(begin) != rank || tfc_tensor_num_elements(size) != rank)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Expected begin and size arguments to be 1-D tensors of size %d",
                             rank);
    tfc_slice_spec spec = {.rank = rank};
    for (int d = 0; d < rank; d++) {
        int64_t b = tfc__manip_int_at(begin, d), sz = tfc__manip_int_at(size, d),
                dim = tfc_tensor_dim(x, d);
        if (sz == -1) sz = dim - b;
        if (b < 0 || b > dim || sz < 0 || b + sz > dim)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Expected begin[%d] in [0, %lld] and size[%d] in [0, %lld], but "
                                 "got %lld and %lld",
                                 d, (long long)dim, d, (long long)(dim - b), (long long)b,
                                 (long long)tfc__manip_int_at(size, d));
        spec.begin[d] = b, spec.stride[d] = 1, spec.size[d] = sz;
    }
    tfc_shape os = tfc_shape_make(rank, spec.size);
    tfc_tensor *out;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), &os, &out)) != TFC_OK) return rc;
    gather_slice(x, &spec, out);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_slice = {.compute = slice_compute};

static tfc_code strided_slice_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(x));
    if (rc != TFC_OK) return rc;
    tfc_slice_masks m;
    tfc__slice_masks(tfc_kctx_node(c), &m);
    tfc_slice_spec spec;
    char err[256];
    if (!tfc__slice_resolve(tfc_tensor_shape(x), tfc_kctx_input(c, 1), tfc_kctx_input(c, 2),
                            tfc_kctx_input(c, 3), &m, &spec, err, sizeof err))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s", err);
    tfc_tensor *out;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), &spec.out, &out)) != TFC_OK)
        return rc;
    gather_slice(x, &spec, out);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_strided_slice = {.compute = strided_slice_compute};

/* output = zeros of `shape` with dy scattered where StridedSlice would have read it. */
static tfc_code strided_slice_grad_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *shape = tfc_kctx_input(c, 0), *dy = tfc_kctx_input(c, 4);
    tfc_code rc = check_copyable(c, tfc_tensor_dtype(dy));
    if (rc != TFC_OK) return rc;
    int64_t rank = tfc_tensor_num_elements(shape);
    if (tfc_tensor_rank(shape) != 1 || rank > TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "shape must be a vector of at most %d dims",
                             TFC_MAX_RANK);
    tfc_shape xs = tfc_shape_make((int)rank, NULL);
    for (int d = 0; d < rank; d++)
        if ((xs.dims[d] = tfc__manip_int_at(shape, d)) < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "shape[%d] = %lld is negative", d,
                                 (long long)xs.dims[d]);
    tfc_slice_masks m;
    tfc__slice_masks(tfc_kctx_node(c), &m);
    tfc_slice_spec spec;
    char err[256];
    if (!tfc__slice_resolve(&xs, tfc_kctx_input(c, 1), tfc_kctx_input(c, 2), tfc_kctx_input(c, 3),
                            &m, &spec, err, sizeof err))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s", err);
    if (!tfc_shape_equal(tfc_tensor_shape(dy), &spec.out)) {
        char a[128], b[128];
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "shape of dy was %s instead of %s",
                             tfc_shape_to_string(tfc_tensor_shape(dy), a, sizeof a),
                             tfc_shape_to_string(&spec.out, b, sizeof b));
    }
    tfc_tensor *out;
    if ((rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(dy), &xs, &out)) != TFC_OK) return rc;
    memset(tfc_tensor_data(out), 0, tfc_tensor_byte_size(out));
    int64_t os[TFC_MAX_RANK], dst[TFC_MAX_RANK], src[TFC_MAX_RANK], off = 0;
    tfc__manip_strides(&xs, os);
    tfc_shape ps = tfc_shape_make(spec.rank, spec.size);
    tfc__manip_strides(&ps, src);
    for (int d = 0; d < spec.rank; d++) {
        off += spec.begin[d] * os[d];
        dst[d] = spec.stride[d] * os[d];
    }
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(dy));
    tfc__manip_copy((char *)tfc_tensor_data(out) + off * (int64_t)esz, dst,
                    tfc_tensor_data_const(dy), src, spec.size, spec.rank, esz);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_strided_slice_grad = {.compute = strided_slice_grad_compute};
