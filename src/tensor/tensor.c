/* Tensors: a refcounted header (dtype, shape) over a refcounted 64-byte-aligned buffer, so
 * reshapes share the elements; string elements are owned byte strings. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"

/* Element bytes for n elements of dt, or false when the count cannot be allocated at all (with
 * the headers in front and `extra` bytes after them). */
static bool element_bytes(tfc_dtype dt, int64_t n, size_t extra, size_t *out) {
    const size_t fixed = TFC__TENSOR_SLOT + TFC__BUFFER_HDR;
    size_t each = dt == TFC_DT_STRING ? sizeof(tfc_bytes) : tfc_dtype_size(dt);
    if (extra > PTRDIFF_MAX - fixed) return false;
    if (n < 0 || (uint64_t)n > (PTRDIFF_MAX - fixed - extra) / each) return false;
    *out = (size_t)n * each;
    return true;
}

static tfc_tensor *first_header(tfc__buffer *b) {
    return (tfc_tensor *)((unsigned char *)b - TFC__TENSOR_SLOT);
}

/* Whether string bytes at p are their own block (not the buffer's inline bytes). */
static bool owned_string(tfc__buffer *b, const uint8_t *p) {
    uintptr_t lo = (uintptr_t)tfc__buffer_data(b) + b->nbytes, at = (uintptr_t)p;
    return !(at >= lo && at < lo + b->inline_bytes);
}

static void buffer_unref(tfc__buffer *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    if (b->dtype == TFC_DT_STRING) {
        tfc_bytes *s = tfc__buffer_data(b);
        for (int64_t i = 0; i < b->num_elements; i++)
            if (owned_string(b, s[i].data)) tfc_free((void *)s[i].data);
    }
    tfc_aligned_free(first_header(b));
}

tfc_code tfc__tensor_alloc_extra(tfc_dtype dt, const tfc_shape *shape, bool zero, size_t extra,
                                 tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (!tfc__dtype_holdable(dt)) {
        if (tfc_dtype_is_valid(dt) && tfc_dtype_base(dt) != dt)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "%s is a reference type; a tensor holds %s values",
                                  tfc_dtype_name(dt), tfc_dtype_name(tfc_dtype_base(dt)));
        if (tfc_dtype_is_valid(dt))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc tensors cannot hold %s values",
                                  tfc_dtype_name(dt));
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "unknown dtype %d", (int)dt);
    }
    int64_t n;
    if (tfc__shape_elements(shape, "a tensor", &n, NULL) != TFC_OK) {
        char
            what[32]; /* formatted only for the message: snprintf per tensor was 5% of a pipeline */
        snprintf(what, sizeof what, "a %s tensor", tfc_dtype_name(dt));
        return tfc__shape_elements(shape, what, &n, st);
    }
    size_t nbytes;
    if (!element_bytes(dt, n, extra, &nbytes)) {
        char buf[200];
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "a %s tensor of shape %s (%lld elements) is too large to allocate",
                              tfc_dtype_name(dt), tfc_shape_to_string(shape, buf, sizeof buf),
                              (long long)n);
    }
    unsigned char *block = tfc_aligned_alloc(TFC__TENSOR_SLOT + TFC__BUFFER_HDR + nbytes + extra);
    if (!block) {
        char buf[200];
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory allocating a %s tensor of shape %s (%zu bytes)",
                              tfc_dtype_name(dt), tfc_shape_to_string(shape, buf, sizeof buf),
                              nbytes);
    }
    tfc_tensor *t = (tfc_tensor *)block;
    tfc__buffer *b = (tfc__buffer *)(block + TFC__TENSOR_SLOT);
    atomic_init(&b->refs, 1);
    b->dtype = dt;
    b->num_elements = n;
    b->nbytes = nbytes;
    b->inline_bytes = dt == TFC_DT_STRING ? extra : 0;
    if (zero || dt == TFC_DT_STRING) memset(tfc__buffer_data(b), 0, nbytes);
    atomic_init(&t->refs, 1);
    t->dtype = dt;
    t->shape = *shape;
    t->num_elements = n;
    t->buf = b;
    *out = t;
    return TFC_OK;
}

tfc_code tfc__tensor_alloc(tfc_dtype dt, const tfc_shape *shape, bool zero, tfc_tensor **out,
                           tfc_status *st) {
    return tfc__tensor_alloc_extra(dt, shape, zero, 0, out, st);
}

tfc_code tfc_tensor_new(tfc_dtype dt, const tfc_shape *shape, tfc_tensor **out, tfc_status *st) {
    return tfc__tensor_alloc(dt, shape, true, out, st);
}

tfc_code tfc_tensor_from_data(tfc_dtype dt, const tfc_shape *shape, const void *data, size_t nbytes,
                              tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (dt == TFC_DT_STRING)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "string tensors are not built from raw data; use "
                              "tfc_tensor_set_string");
    tfc_tensor *t;
    tfc_code c = tfc__tensor_alloc(dt, shape, false, &t, st);
    if (c != TFC_OK) return c;
    if (nbytes != t->buf->nbytes) {
        char buf[200];
        tfc_status_set(st, TFC_INVALID_ARGUMENT,
                       "%zu bytes of data for a %s tensor of shape %s, which takes %lld * %zu = "
                       "%zu bytes",
                       nbytes, tfc_dtype_name(dt), tfc_shape_to_string(shape, buf, sizeof buf),
                       (long long)t->num_elements, tfc_dtype_size(dt), t->buf->nbytes);
        tfc_tensor_unref(t);
        return TFC_INVALID_ARGUMENT;
    }
    if (nbytes) memcpy(tfc__buffer_data(t->buf), data, nbytes);
    *out = t;
    return TFC_OK;
}

static tfc_tensor *scalar(tfc_dtype dt, const void *v, size_t n) {
    tfc_shape s = tfc_shape_scalar();
    tfc_tensor *t;
    return tfc_tensor_from_data(dt, &s, v, n, &t, NULL) == TFC_OK ? t : NULL;
}

tfc_tensor *tfc_tensor_scalar_float(float v) {
    return scalar(TFC_DT_FLOAT, &v, sizeof v);
}

tfc_tensor *tfc_tensor_scalar_int32(int32_t v) {
    return scalar(TFC_DT_INT32, &v, sizeof v);
}

tfc_tensor *tfc_tensor_scalar_int64(int64_t v) {
    return scalar(TFC_DT_INT64, &v, sizeof v);
}

tfc_tensor *tfc_tensor_scalar_string(const void *data, size_t n) {
    tfc_shape s = tfc_shape_scalar();
    tfc_tensor *t;
    /* the bytes inline: one allocation (a record dataset makes one of these per record) */
    if (tfc__tensor_alloc_extra(TFC_DT_STRING, &s, true, n, &t, NULL) != TFC_OK) return NULL;
    tfc_bytes *b = tfc__buffer_data(t->buf);
    if (n) {
        uint8_t *bytes = (uint8_t *)(b + 1);
        memcpy(bytes, data, n);
        *b = (tfc_bytes){bytes, n};
    }
    return t;
}

tfc_tensor *tfc_tensor_ref(tfc_tensor *t) {
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void tfc_tensor_unref(tfc_tensor *t) {
    if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
    tfc__buffer *b = t->buf;
    if (t != first_header(b)) tfc_free(t); /* the first one goes with the buffer's block */
    buffer_unref(b);
}

int64_t tfc_tensor_refcount(const tfc_tensor *t) {
    return atomic_load_explicit(&((tfc_tensor *)t)->refs, memory_order_relaxed);
}

tfc_dtype tfc_tensor_dtype(const tfc_tensor *t) {
    return t->dtype;
}

const tfc_shape *tfc_tensor_shape(const tfc_tensor *t) {
    return &t->shape;
}

int tfc_tensor_rank(const tfc_tensor *t) {
    return t->shape.rank;
}

int64_t tfc_tensor_dim(const tfc_tensor *t, int i) {
    return i >= 0 && i < t->shape.rank ? t->shape.dims[i] : -1;
}

int64_t tfc_tensor_num_elements(const tfc_tensor *t) {
    return t->num_elements;
}

size_t tfc_tensor_byte_size(const tfc_tensor *t) {
    return t->buf->nbytes;
}

void *tfc_tensor_data(tfc_tensor *t) {
    return t->dtype == TFC_DT_STRING ? NULL : tfc__buffer_data(t->buf);
}

const void *tfc_tensor_data_const(const tfc_tensor *t) {
    return t->dtype == TFC_DT_STRING ? NULL : tfc__buffer_data(t->buf);
}

tfc_bytes tfc_tensor_string_at(const tfc_tensor *t, int64_t i) {
    tfc_bytes none = {(const uint8_t *)"", 0};
    if (t->dtype != TFC_DT_STRING || i < 0 || i >= t->num_elements) return none;
    const tfc_bytes *s = tfc__buffer_data(t->buf);
    return s[i].data ? s[i] : none;
}

tfc_code tfc_tensor_set_string(tfc_tensor *t, int64_t i, const void *data, size_t n,
                               tfc_status *st) {
    if (t->dtype != TFC_DT_STRING)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "set_string on a %s tensor",
                              tfc_dtype_name(t->dtype));
    if (i < 0 || i >= t->num_elements)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "string index %lld is out of range for %lld elements", (long long)i,
                              (long long)t->num_elements);
    uint8_t *copy = NULL;
    if (n) {
        if (!(copy = tfc_malloc(n)))
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                  "out of memory copying a %zu-byte string", n);
        memcpy(copy, data, n);
    }
    tfc_bytes *s = tfc__buffer_data(t->buf);
    if (owned_string(t->buf, s[i].data)) tfc_free((void *)s[i].data);
    s[i] = (tfc_bytes){copy, n};
    return TFC_OK;
}

tfc_code tfc_tensor_reshape(tfc_tensor *t, const tfc_shape *shape, tfc_tensor **out,
                            tfc_status *st) {
    *out = NULL;
    /* the shapes are formatted only for a message (eagerly, they were most of a reshape) */
    char want[200], have[200];
#define SHAPES                                                                                     \
    (tfc_shape_to_string(shape, want, sizeof want),                                                \
     tfc_shape_to_string(&t->shape, have, sizeof have))
    if (shape->rank < 0 || shape->rank > TFC_MAX_RANK)
        return SHAPES,
               tfc_status_set(st, TFC_INVALID_ARGUMENT, "cannot reshape %s to unknown rank", have);
    tfc_shape s = *shape;
    int unknown = -1;
    int64_t known = 1;
    for (int i = 0; i < s.rank; i++) {
        if (s.dims[i] == -1 && unknown < 0) {
            unknown = i;
        } else if (s.dims[i] < 0) {
            return SHAPES,
                   tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "cannot reshape %s to %s: only one dim may be -1 (inferred), "
                                  "and no dim may be below it",
                                  have, want);
        } else if (__builtin_mul_overflow(known, s.dims[i], &known)) {
            return SHAPES,
                   tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "cannot reshape %s to %s: more than 2^63-1 elements", have, want);
        }
    }
    if (unknown >= 0) {
        if (known == 0 || t->num_elements % known)
            return SHAPES,
                   tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "cannot reshape a tensor of %lld elements to %s: the other dims "
                                  "multiply to %lld, which does not divide it",
                                  (long long)t->num_elements, want, (long long)known);
        s.dims[unknown] = t->num_elements / known;
    } else if (known != t->num_elements) {
        return SHAPES, tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                      "cannot reshape %s (%lld elements) to %s (%lld elements)",
                                      have, (long long)t->num_elements, want, (long long)known);
    }
#undef SHAPES
    tfc_tensor *r = tfc_malloc(sizeof *r);
    if (!r) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory in reshape");
    atomic_init(&r->refs, 1);
    r->dtype = t->dtype;
    r->shape = s;
    r->num_elements = t->num_elements;
    r->buf = t->buf;
    atomic_fetch_add_explicit(&t->buf->refs, 1, memory_order_relaxed);
    *out = r;
    return TFC_OK;
}

tfc_code tfc_tensor_copy(const tfc_tensor *t, tfc_tensor **out, tfc_status *st) {
    tfc_code c = tfc__tensor_alloc(t->dtype, &t->shape, false, out, st);
    if (c != TFC_OK) return c;
    if (t->dtype != TFC_DT_STRING) {
        if (t->buf->nbytes)
            memcpy(tfc__buffer_data((*out)->buf), tfc__buffer_data(t->buf), t->buf->nbytes);
        return TFC_OK;
    }
    for (int64_t i = 0; i < t->num_elements; i++) {
        tfc_bytes s = tfc_tensor_string_at(t, i);
        if ((c = tfc_tensor_set_string(*out, i, s.data, s.size, st)) != TFC_OK) {
            tfc_tensor_unref(*out);
            *out = NULL;
            return c;
        }
    }
    return TFC_OK;
}

/* Bitwise equality of n elements of `size` bytes, where any NaN equals any NaN. */
static bool same_floats(const uint8_t *a, const uint8_t *b, int64_t n, tfc_dtype dt) {
    size_t size = tfc_dtype_size(dt);
    for (int64_t i = 0; i < n; i++, a += size, b += size) {
        if (!memcmp(a, b, size)) continue;
        bool nan_a, nan_b;
        if (dt == TFC_DT_FLOAT) {
            float x, y;
            memcpy(&x, a, 4), memcpy(&y, b, 4);
            nan_a = isnan(x), nan_b = isnan(y);
        } else if (dt == TFC_DT_DOUBLE) {
            double x, y;
            memcpy(&x, a, 8), memcpy(&y, b, 8);
            nan_a = isnan(x), nan_b = isnan(y);
        } else { /* HALF: exponent 5 bits; BFLOAT16: float's 8 */
            uint16_t x, y;
            memcpy(&x, a, 2), memcpy(&y, b, 2);
            uint16_t exp = dt == TFC_DT_HALF ? 0x7c00 : 0x7f80;
            uint16_t mant = dt == TFC_DT_HALF ? 0x03ff : 0x007f;
            nan_a = (x & exp) == exp && (x & mant), nan_b = (y & exp) == exp && (y & mant);
        }
        if (!(nan_a && nan_b)) return false;
    }
    return true;
}

bool tfc_tensor_equal(const tfc_tensor *a, const tfc_tensor *b) {
    if (!a || !b) return a == b;
    if (a->dtype != b->dtype || !tfc_shape_equal(&a->shape, &b->shape)) return false;
    if (a->buf == b->buf) return true;
    if (a->dtype == TFC_DT_STRING) {
        for (int64_t i = 0; i < a->num_elements; i++) {
            tfc_bytes x = tfc_tensor_string_at(a, i), y = tfc_tensor_string_at(b, i);
            if (x.size != y.size || memcmp(x.data, y.data, x.size)) return false;
        }
        return true;
    }
    const uint8_t *x = tfc_tensor_data_const(a), *y = tfc_tensor_data_const(b);
    switch (a->dtype) {
    case TFC_DT_FLOAT:
    case TFC_DT_DOUBLE:
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
        return same_floats(x, y, a->num_elements, a->dtype);
    default:
        return a->buf->nbytes == 0 || !memcmp(x, y, a->buf->nbytes);
    }
}
