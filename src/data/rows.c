/* Moving tensors between element and batch form: row i of a tensor (from_tensor_slices, unbatch),
 * n tensors stacked along a new first dim (batch), and padded stacking (padded_batch). */
#include <stdio.h>
#include <string.h>

#include "data/rows.h"
#include "tensor/tensor_int.h"

tfc_code tfc__row_get(const tfc_tensor *t, int64_t i, tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    const tfc_shape *s = tfc_tensor_shape(t);
    if (s->rank < 1 || i < 0 || i >= s->dims[0])
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "row %lld of a tensor of rank %d",
                              (long long)i, s->rank);
    tfc_shape rs = {.rank = s->rank - 1};
    for (int d = 1; d < s->rank; d++) rs.dims[d - 1] = s->dims[d];
    tfc_dtype dt = tfc_tensor_dtype(t);
    tfc_code c = tfc__tensor_alloc(dt, &rs, false, out, st);
    if (c) return c;
    int64_t per = tfc_tensor_num_elements(*out);
    if (dt == TFC_DT_STRING) {
        for (int64_t k = 0; k < per && !c; k++) {
            tfc_bytes b = tfc_tensor_string_at(t, i * per + k);
            c = tfc_tensor_set_string(*out, k, b.data, b.size, st);
        }
    } else {
        size_t row = tfc_tensor_byte_size(*out);
        if (row)
            memcpy(tfc_tensor_data(*out), (const char *)tfc_tensor_data_const(t) + (size_t)i * row,
                   row);
    }
    if (c) tfc_tensor_unref(*out), *out = NULL;
    return c;
}

tfc_code tfc__rows_stack(tfc_tensor *const *rows, int64_t n, const char *what, tfc_tensor **out,
                         tfc_status *st) {
    *out = NULL;
    const tfc_shape *s0 = tfc_tensor_shape(rows[0]);
    tfc_dtype dt = tfc_tensor_dtype(rows[0]);
    if (s0->rank >= TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: rank %d is too high to batch", what,
                              s0->rank);
    for (int64_t k = 1; k < n; k++) {
        const tfc_shape *sk = tfc_tensor_shape(rows[k]);
        if (tfc_tensor_dtype(rows[k]) != dt || !tfc_shape_equal(sk, s0)) {
            char a[96], b[96];
            return tfc_status_set(
                st, TFC_INVALID_ARGUMENT,
                "Cannot batch tensors with different shapes in %s: element 0 has %s %s and "
                "element %lld has %s %s (padded_batch pads them)",
                what, tfc_dtype_name(dt), tfc_shape_to_string(s0, a, sizeof a), (long long)k,
                tfc_dtype_name(tfc_tensor_dtype(rows[k])), tfc_shape_to_string(sk, b, sizeof b));
        }
    }
    tfc_shape bs = {.rank = s0->rank + 1, .dims = {n}};
    for (int d = 0; d < s0->rank; d++) bs.dims[d + 1] = s0->dims[d];
    /* every row is copied in: zeroing first was a tenth of a data pipeline's instructions */
    tfc_code c = tfc__tensor_alloc(dt, &bs, false, out, st);
    if (c) return c;
    if (dt == TFC_DT_STRING) {
        int64_t per = tfc_tensor_num_elements(rows[0]);
        for (int64_t k = 0; k < n && !c; k++)
            for (int64_t e = 0; e < per && !c; e++) {
                tfc_bytes b = tfc_tensor_string_at(rows[k], e);
                c = tfc_tensor_set_string(*out, k * per + e, b.data, b.size, st);
            }
    } else {
        size_t row = tfc_tensor_byte_size(rows[0]);
        char *dst = tfc_tensor_data(*out);
        for (int64_t k = 0; k < n; k++)
            if (row) memcpy(dst + (size_t)k * row, tfc_tensor_data_const(rows[k]), row);
    }
    if (c) tfc_tensor_unref(*out), *out = NULL;
    return c;
}

tfc_code tfc__rows_new(const tfc_tensor *row, int64_t n, tfc_tensor **out, tfc_status *st) {
    const tfc_shape *s = tfc_tensor_shape(row);
    if (s->rank >= TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "rank %d is too high to batch", s->rank);
    tfc_shape bs = {.rank = s->rank + 1, .dims = {n}};
    for (int d = 0; d < s->rank; d++) bs.dims[d + 1] = s->dims[d];
    return tfc__tensor_alloc(tfc_tensor_dtype(row), &bs, false, out, st);
}

tfc_code tfc__rows_put(tfc_tensor *t, int64_t i, const tfc_tensor *row, tfc_status *st) {
    if (tfc_tensor_dtype(row) != TFC_DT_STRING) {
        size_t bytes = tfc_tensor_byte_size(row);
        if (bytes)
            memcpy((char *)tfc_tensor_data(t) + (size_t)i * bytes, tfc_tensor_data_const(row),
                   bytes);
        return TFC_OK;
    }
    int64_t per = tfc_tensor_num_elements(row);
    for (int64_t e = 0; e < per; e++) {
        tfc_bytes b = tfc_tensor_string_at(row, e);
        tfc_code c = tfc_tensor_set_string(t, i * per + e, b.data, b.size, st);
        if (c) return c;
    }
    return TFC_OK;
}

tfc_code tfc__rows_prefix(const tfc_tensor *t, int64_t n, tfc_tensor **out, tfc_status *st) {
    tfc_shape s = *tfc_tensor_shape(t);
    int64_t per = s.dims[0] ? tfc_tensor_num_elements(t) / s.dims[0] : 0;
    s.dims[0] = n;
    tfc_code c = tfc__tensor_alloc(tfc_tensor_dtype(t), &s, false, out, st);
    if (c) return c;
    if (tfc_tensor_dtype(t) != TFC_DT_STRING) {
        size_t bytes = (size_t)(n * per) * tfc_dtype_size(tfc_tensor_dtype(t));
        if (bytes) memcpy(tfc_tensor_data(*out), tfc_tensor_data_const(t), bytes);
        return TFC_OK;
    }
    for (int64_t e = 0; e < n * per && !c; e++) {
        tfc_bytes b = tfc_tensor_string_at(t, e);
        c = tfc_tensor_set_string(*out, e, b.data, b.size, st);
    }
    if (c) tfc_tensor_unref(*out), *out = NULL;
    return c;
}

/* Copies src (shape s) into dst (shape d, same rank, each dim >= s's), row-major, recursively over
 * dims; elements outside src keep dst's padding. es: element size (strings handled apart). */
static void pad_copy(const char *src, const tfc_shape *s, char *dst, const tfc_shape *d, int dim,
                     size_t es) {
    if (dim == s->rank) {
        memcpy(dst, src, es);
        return;
    }
    size_t sstride = es, dstride = es;
    for (int k = dim + 1; k < s->rank; k++)
        sstride *= (size_t)s->dims[k], dstride *= (size_t)d->dims[k];
    if (dim == s->rank - 1) {
        memcpy(dst, src, (size_t)s->dims[dim] * es);
        return;
    }
    for (int64_t i = 0; i < s->dims[dim]; i++)
        pad_copy(src + (size_t)i * sstride, s, dst + (size_t)i * dstride, d, dim + 1, es);
}

/* Linear index in shape d of the element at src-linear index k of shape s (same rank). */
static int64_t remap(int64_t k, const tfc_shape *s, const tfc_shape *d) {
    int64_t out = 0, mul = 1;
    for (int dim = s->rank - 1; dim >= 0; dim--) {
        int64_t idx = k % s->dims[dim];
        k /= s->dims[dim];
        out += idx * mul;
        mul *= d->dims[dim];
    }
    return out;
}

tfc_code tfc__rows_pad_stack(tfc_tensor *const *rows, int64_t n, const tfc_shape *padded,
                             const tfc_tensor *pad_value, const char *what, tfc_tensor **out,
                             tfc_tensor **lengths, tfc_status *st) {
    *out = NULL, *lengths = NULL;
    tfc_dtype dt = tfc_tensor_dtype(rows[0]);
    int rank = tfc_tensor_rank(rows[0]);
    char a[96], b[96];
    if (padded->rank >= 0 && padded->rank != rank)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "padded_batch: %s has rank %d but its padded shape is %s", what, rank,
                              tfc_shape_to_string(padded, a, sizeof a));
    if (rank >= TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: rank %d is too high to batch", what,
                              rank);
    tfc_shape target = {.rank = rank};
    for (int64_t k = 0; k < n; k++) {
        const tfc_shape *sk = tfc_tensor_shape(rows[k]);
        if (tfc_tensor_dtype(rows[k]) != dt || sk->rank != rank)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "padded_batch: %s of element %lld is %s %s, element 0's is %s "
                                  "of rank %d",
                                  what, (long long)k, tfc_dtype_name(tfc_tensor_dtype(rows[k])),
                                  tfc_shape_to_string(sk, a, sizeof a), tfc_dtype_name(dt), rank);
        for (int d = 0; d < rank; d++)
            if (sk->dims[d] > target.dims[d]) target.dims[d] = sk->dims[d];
    }
    for (int d = 0; d < rank && padded->rank >= 0; d++) {
        if (padded->dims[d] < 0) continue;
        if (target.dims[d] > padded->dims[d])
            return tfc_status_set(
                st, TFC_INVALID_ARGUMENT,
                "Attempted to pad to a smaller size than the input element: %s has dim %d of %lld "
                "but the padded shape is %s",
                what, d, (long long)target.dims[d], tfc_shape_to_string(padded, b, sizeof b));
        target.dims[d] = padded->dims[d];
    }
    if (pad_value && (tfc_tensor_dtype(pad_value) != dt || tfc_tensor_num_elements(pad_value) != 1))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "padded_batch: the padding value for %s must be a %s scalar", what,
                              tfc_dtype_name(dt));
    tfc_shape bs = {.rank = rank + 1, .dims = {n}};
    for (int d = 0; d < rank; d++) bs.dims[d + 1] = target.dims[d];
    tfc_code c = tfc_tensor_new(dt, &bs, out, st);
    tfc_shape ls = {.rank = 2, .dims = {n, rank}};
    if (!c) c = tfc_tensor_new(TFC_DT_INT64, &ls, lengths, st);
    if (c) goto fail;
    int64_t per = 1;
    for (int d = 0; d < rank; d++) per *= target.dims[d];
    int64_t *len = tfc_tensor_data(*lengths);
    for (int64_t k = 0; k < n; k++)
        for (int d = 0; d < rank; d++) len[k * rank + d] = tfc_tensor_dim(rows[k], d);
    if (dt == TFC_DT_STRING) {
        tfc_bytes pv = pad_value ? tfc_tensor_string_at(pad_value, 0) : (tfc_bytes){NULL, 0};
        for (int64_t e = 0; e < n * per && !c && pv.size; e++)
            c = tfc_tensor_set_string(*out, e, pv.data, pv.size, st);
        for (int64_t k = 0; k < n && !c; k++) {
            const tfc_shape *sk = tfc_tensor_shape(rows[k]);
            for (int64_t e = 0; e < tfc_tensor_num_elements(rows[k]) && !c; e++) {
                tfc_bytes v = tfc_tensor_string_at(rows[k], e);
                c = tfc_tensor_set_string(*out, k * per + remap(e, sk, &target), v.data, v.size,
                                          st);
            }
        }
        if (c) goto fail;
        return TFC_OK;
    }
    size_t es = tfc_dtype_size(dt);
    char *dst = tfc_tensor_data(*out);
    if (pad_value) {
        const char *pv = tfc_tensor_data_const(pad_value);
        for (int64_t e = 0; e < n * per; e++) memcpy(dst + (size_t)e * es, pv, es);
    }
    for (int64_t k = 0; k < n; k++) {
        if (tfc_tensor_num_elements(rows[k]) == 0) continue;
        if (rank == 0)
            memcpy(dst + (size_t)k * es, tfc_tensor_data_const(rows[k]), es);
        else
            pad_copy(tfc_tensor_data_const(rows[k]), tfc_tensor_shape(rows[k]),
                     dst + (size_t)(k * per) * es, &target, 0, es);
    }
    return TFC_OK;
fail:
    tfc_tensor_unref(*out), tfc_tensor_unref(*lengths);
    *out = NULL, *lengths = NULL;
    return c;
}
