/* TensorProto -> tensor. Parsing goes through protobuf-c (over tfc_malloc) and then validates
 * everything a hostile file could get wrong before allocating the tensor: dtype, shape, which
 * value field is used, its length against the shape, value ranges, and how far TF's
 * repeat-the-last-value rule may expand a short list. */
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"

/* ---- shapes ---- */

tfc_code tfc__shape_from_pb(const Tensorflow__TensorShapeProto *pb, tfc_shape *out,
                            tfc_status *st) {
    *out = tfc_shape_scalar();
    if (!pb) return TFC_OK;
    if (pb->unknown_rank) {
        if (pb->n_dim)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "TensorShapeProto has unknown_rank set and %zu dims", pb->n_dim);
        *out = tfc_shape_unknown();
        return TFC_OK;
    }
    if (pb->n_dim > TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorShapeProto has %zu dims; tfc's maximum rank is %d", pb->n_dim,
                              TFC_MAX_RANK);
    out->rank = (int)pb->n_dim;
    for (size_t i = 0; i < pb->n_dim; i++) {
        int64_t d = pb->dim[i]->size;
        if (d < -1)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "TensorShapeProto dim %zu has size %lld; sizes are >= 0, or -1 "
                                  "for unknown",
                                  i, (long long)d);
        out->dims[i] = d;
    }
    return TFC_OK;
}

/* ---- TensorProto -> tensor ---- */

typedef struct field_ref {
    const char *name;
    size_t n;
} field_ref;

/* Every value field of the message, with how many values it holds. */
static size_t value_fields(const Tensorflow__TensorProto *pb, field_ref *f) {
    size_t k = 0;
    f[k++] = (field_ref){"tensor_content", pb->tensor_content.len};
    f[k++] = (field_ref){"float_val", pb->n_float_val};
    f[k++] = (field_ref){"double_val", pb->n_double_val};
    f[k++] = (field_ref){"int_val", pb->n_int_val};
    f[k++] = (field_ref){"string_val", pb->n_string_val};
    f[k++] = (field_ref){"scomplex_val", pb->n_scomplex_val};
    f[k++] = (field_ref){"int64_val", pb->n_int64_val};
    f[k++] = (field_ref){"bool_val", pb->n_bool_val};
    f[k++] = (field_ref){"dcomplex_val", pb->n_dcomplex_val};
    f[k++] = (field_ref){"half_val", pb->n_half_val};
    f[k++] = (field_ref){"resource_handle_val", pb->n_resource_handle_val};
    f[k++] = (field_ref){"variant_val", pb->n_variant_val};
    f[k++] = (field_ref){"uint32_val", pb->n_uint32_val};
    f[k++] = (field_ref){"uint64_val", pb->n_uint64_val};
    f[k++] = (field_ref){"float8_val", pb->float8_val.len};
    return k;
}

/* The typed field TF uses for dt. TF reads a bool tensor from bool_val only (an int_val there
 * leaves it all false), so tfc refuses int_val for bool rather than read other values than TF. */
static const char *typed_field(tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_FLOAT:
        return "float_val";
    case TFC_DT_DOUBLE:
        return "double_val";
    case TFC_DT_INT32:
    case TFC_DT_INT16:
    case TFC_DT_INT8:
    case TFC_DT_UINT8:
    case TFC_DT_UINT16:
        return "int_val";
    case TFC_DT_STRING:
        return "string_val";
    case TFC_DT_INT64:
        return "int64_val";
    case TFC_DT_BOOL:
        return "bool_val";
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
        return "half_val";
    case TFC_DT_UINT32:
        return "uint32_val";
    case TFC_DT_UINT64:
        return "uint64_val";
    default:
        return NULL;
    }
}

/* The one value field holding the values (NULL name = none), or INVALID_ARGUMENT when a field of
 * another type is set or two fields are. */
static tfc_code pick_field(const Tensorflow__TensorProto *pb, tfc_dtype dt, field_ref *out,
                           tfc_status *st) {
    field_ref f[16];
    size_t nf = value_fields(pb, f);
    const char *typed = typed_field(dt);
    *out = (field_ref){NULL, 0};
    for (size_t i = 0; i < nf; i++) {
        if (!f[i].n) continue;
        bool fits = !strcmp(f[i].name, "tensor_content") || !strcmp(f[i].name, typed);
        bool bytes = !strcmp(f[i].name, "float8_val");
        if (!fits)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "TensorProto of dtype %s sets %s (%zu %s); its values go in %s "
                                  "or tensor_content",
                                  tfc_dtype_enum_name(dt), f[i].name, f[i].n,
                                  bytes ? "bytes" : "values", typed);
        if (out->name)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "TensorProto of dtype %s has values in both %s and %s",
                                  tfc_dtype_enum_name(dt), out->name, f[i].name);
        *out = f[i];
    }
    return TFC_OK;
}

/* Repeats element n_have - 1 over elements [n_have, n_total) (zeros when n_have is 0), doubling
 * the copied run so a large fill takes O(log n) memcpy calls. */
static void repeat_last(uint8_t *data, size_t size, size_t n_have, size_t n_total) {
    if (n_have >= n_total) return;
    if (!n_have) {
        memset(data, 0, n_total * size);
        return;
    }
    uint8_t *src = data + (n_have - 1) * size;
    size_t done = 1, want = n_total - n_have + 1; /* elements from src on, src included */
    while (done < want) {
        size_t k = done < want - done ? done : want - done;
        memcpy(src + done * size, src, k * size);
        done += k;
    }
}

static tfc_code out_of_range(tfc_status *st, const char *field, size_t i, long long v,
                             tfc_dtype dt) {
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "TensorProto %s[%zu] = %lld is out of range for %s", field, i, v,
                          tfc_dtype_name(dt));
}

/* Narrows int32 values into elements of `size` bytes, each checked against [lo, hi]. */
static tfc_code narrow(const int32_t *v, size_t n, void *dst, tfc_dtype dt, int32_t lo, int32_t hi,
                       const char *field, tfc_status *st) {
    for (size_t i = 0; i < n; i++) {
        if (v[i] < lo || v[i] > hi) return out_of_range(st, field, i, v[i], dt);
        if (dt == TFC_DT_INT8 || dt == TFC_DT_UINT8)
            ((uint8_t *)dst)[i] = (uint8_t)v[i];
        else
            ((uint16_t *)dst)[i] = (uint16_t)v[i];
    }
    return TFC_OK;
}

/* Moves the typed values (n of them, n <= t's elements) into t, then applies the repeat rule. */
static tfc_code fill_typed(tfc_tensor *t, const Tensorflow__TensorProto *pb, const char *field,
                           size_t n, tfc_status *st) {
    tfc_dtype dt = t->dtype;
    size_t total = (size_t)t->num_elements;
    if (dt == TFC_DT_STRING) {
        for (size_t i = 0; n && i < total; i++) { /* no values: the elements stay empty */
            const ProtobufCBinaryData *s = &pb->string_val[i < n ? i : n - 1];
            tfc_code c = tfc_tensor_set_string(t, (int64_t)i, s->data, s->len, st);
            if (c != TFC_OK) return c;
        }
        return TFC_OK;
    }
    void *dst = tfc_tensor_data(t);
    size_t size = tfc_dtype_size(dt);
    tfc_code c = TFC_OK;
    if (!n) { /* zeros; the lists may be NULL */
        repeat_last(dst, size, 0, total);
        return TFC_OK;
    }
    switch (dt) {
    case TFC_DT_FLOAT:
        memcpy(dst, pb->float_val, n * size);
        break;
    case TFC_DT_DOUBLE:
        memcpy(dst, pb->double_val, n * size);
        break;
    case TFC_DT_INT32:
        memcpy(dst, pb->int_val, n * size);
        break;
    case TFC_DT_INT64:
        memcpy(dst, pb->int64_val, n * size);
        break;
    case TFC_DT_UINT32:
        memcpy(dst, pb->uint32_val, n * size);
        break;
    case TFC_DT_UINT64:
        memcpy(dst, pb->uint64_val, n * size);
        break;
    case TFC_DT_INT8:
        c = narrow(pb->int_val, n, dst, dt, INT8_MIN, INT8_MAX, field, st);
        break;
    case TFC_DT_UINT8:
        c = narrow(pb->int_val, n, dst, dt, 0, UINT8_MAX, field, st);
        break;
    case TFC_DT_INT16:
        c = narrow(pb->int_val, n, dst, dt, INT16_MIN, INT16_MAX, field, st);
        break;
    case TFC_DT_UINT16:
        c = narrow(pb->int_val, n, dst, dt, 0, UINT16_MAX, field, st);
        break;
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
        c = narrow(pb->half_val, n, dst, dt, 0, UINT16_MAX, field, st);
        break;
    case TFC_DT_BOOL:
        for (size_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = pb->bool_val[i] != 0;
        break;
    default:
        return tfc_status_set(st, TFC_INTERNAL, "no typed values for %s", tfc_dtype_name(dt));
    }
    if (c == TFC_OK) repeat_last(dst, size, n, total);
    return c;
}

/* TF's string tensor_content (EncodeStringList): a varint32 length per element, then the bytes
 * of all elements back to back, nothing left over. */
static tfc_code decode_string_list(tfc_tensor *t, const ProtobufCBinaryData *content,
                                   tfc_status *st) {
    const uint8_t *p = content->data, *end = p + content->len;
    size_t n = (size_t)t->num_elements;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t len;
        size_t k = tfc_varint_get64(p, end, &len);
        if (!k || k > 5 || len > UINT32_MAX)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "TensorProto string tensor_content: the length of element %zu "
                                  "at byte %zu is not a valid varint32",
                                  i, (size_t)(p - content->data));
        p += k;
        total += len;
    }
    if (total != (uint64_t)(end - p))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorProto string tensor_content: %zu lengths add up to %llu "
                              "bytes but %zu bytes follow them",
                              n, (unsigned long long)total, (size_t)(end - p));
    const uint8_t *lens = content->data, *data = p;
    for (size_t i = 0; i < n; i++) {
        uint64_t len;
        lens += tfc_varint_get64(lens, end, &len);
        tfc_code c = tfc_tensor_set_string(t, (int64_t)i, data, (size_t)len, st);
        if (c != TFC_OK) return c;
        data += len;
    }
    return TFC_OK;
}

/* Checks that a short list may be expanded: the fill is bounded by TFC_TENSOR_PROTO_MAX_FILL_BYTES
 * because a few bytes of proto can ask for any number of elements. */
static tfc_code check_fill(const Tensorflow__TensorProto *pb, tfc_dtype dt, const tfc_shape *s,
                           int64_t elements, const field_ref *f, tfc_status *st) {
    if ((uint64_t)elements <= f->n) return TFC_OK;
    uint64_t each = dt == TFC_DT_STRING ? sizeof(tfc_bytes) : tfc_dtype_size(dt);
    /* A string element is its own allocation: tfc_malloc's 16-byte header, malloc's rounding to
     * 16 and its 16 bytes of bookkeeping come on top of the bytes. */
    if (dt == TFC_DT_STRING)
        each += ((f->n ? pb->string_val[f->n - 1].len : 0) + 16 + 15) / 16 * 16 + 16;
    uint64_t bytes;
    if (!__builtin_mul_overflow((uint64_t)elements, each, &bytes) &&
        bytes <= TFC_TENSOR_PROTO_MAX_FILL_BYTES)
        return TFC_OK;
    char buf[200];
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                          "TensorProto: %zu value%s in %s would fill a %s tensor of shape %s "
                          "(%lld elements of %llu bytes), over tfc's limit of %llu bytes for "
                          "values expanded from a short list",
                          f->n, f->n == 1 ? "" : "s", f->name ? f->name : typed_field(dt),
                          tfc_dtype_name(dt), tfc_shape_to_string(s, buf, sizeof buf),
                          (long long)elements, (unsigned long long)each,
                          (unsigned long long)TFC_TENSOR_PROTO_MAX_FILL_BYTES);
}

static tfc_code check_dtype(int v, tfc_dtype *out, tfc_status *st) {
    tfc_dtype dt = (tfc_dtype)v;
    *out = dt;
    if (tfc__dtype_holdable(dt)) return TFC_OK;
    const char *name = tfc__dtype_proto_name(v);
    if (v == TFC_DT_INVALID)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "TensorProto has no dtype (DT_INVALID)");
    if (!name)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "TensorProto has unknown dtype %d", v);
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "TensorProto has dtype %s (%d), which tfc tensors cannot hold", name, v);
}

tfc_code tfc__tensor_from_pb(const Tensorflow__TensorProto *pb, tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    tfc_dtype dt;
    tfc_shape s;
    int64_t elements;
    field_ref f;
    char buf[200];
    tfc_code c = check_dtype((int)pb->dtype, &dt, st);
    if (c == TFC_OK) c = tfc__shape_from_pb(pb->tensor_shape, &s, st);
    if (c == TFC_OK) c = tfc__shape_elements(&s, "TensorProto", &elements, st);
    if (c == TFC_OK) c = pick_field(pb, dt, &f, st);
    if (c != TFC_OK) return c;

    bool content = f.name && !strcmp(f.name, "tensor_content");
    size_t size = tfc_dtype_size(dt);
    if (content && dt != TFC_DT_STRING &&
        ((uint64_t)elements > SIZE_MAX / size || f.n != (size_t)elements * size))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorProto tensor_content has %zu bytes, but a %s tensor of shape "
                              "%s takes %lld * %zu bytes",
                              f.n, tfc_dtype_name(dt), tfc_shape_to_string(&s, buf, sizeof buf),
                              (long long)elements, size);
    if (content && dt == TFC_DT_STRING && f.n < (uint64_t)elements)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorProto string tensor_content has %zu bytes, too few for the "
                              "lengths of %lld elements",
                              f.n, (long long)elements);
    if (!content && f.n > (uint64_t)elements)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorProto %s has %zu values, but shape %s has %lld elements",
                              f.name, f.n, tfc_shape_to_string(&s, buf, sizeof buf),
                              (long long)elements);
    if (!content && (c = check_fill(pb, dt, &s, elements, &f, st)) != TFC_OK) return c;

    tfc_tensor *t;
    if ((c = tfc__tensor_alloc(dt, &s, false, &t, st)) != TFC_OK) return c;
    if (content && dt == TFC_DT_STRING) {
        c = decode_string_list(t, &pb->tensor_content, st);
    } else if (content) {
        tfc__copy_le(tfc_tensor_data(t), pb->tensor_content.data, (size_t)elements, size);
        if (dt == TFC_DT_BOOL) { /* any nonzero byte is true; keep the bytes canonical */
            uint8_t *b = tfc_tensor_data(t);
            for (int64_t i = 0; i < elements; i++) b[i] = b[i] != 0;
        }
    } else {
        c = fill_typed(t, pb, f.name ? f.name : typed_field(dt), f.n, st);
    }
    if (c != TFC_OK) {
        tfc_tensor_unref(t);
        return c;
    }
    *out = t;
    return TFC_OK;
}

/* A ProtobufCAllocator over tfc_malloc that remembers running out of memory, so a failed unpack
 * can be told apart from malformed bytes. */
static void *pb_alloc(void *ctx, size_t n) {
    void *p = tfc_malloc(n);
    if (!p) *(bool *)ctx = true;
    return p;
}

static void pb_free(void *ctx, void *p) {
    (void)ctx;
    tfc_free(p);
}

tfc_code tfc_tensor_from_proto(const void *data, size_t n, tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (n > INT32_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "TensorProto of %zu bytes is over protobuf's 2 GiB limit", n);
    bool oom = false;
    ProtobufCAllocator a = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &oom};
    static const uint8_t empty[1];
    Tensorflow__TensorProto *pb =
        tensorflow__tensor_proto__unpack(&a, n, n ? (const uint8_t *)data : empty);
    if (!pb) {
        char why[300];
        if (oom)
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                  "out of memory parsing a TensorProto of %zu bytes", n);
        if (!tfc__tensor_proto_diagnose(data, n, why, sizeof why))
            snprintf(why, sizeof why, "%s", "malformed protobuf");
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "could not parse TensorProto: %s", why);
    }
    tfc_code c = tfc__tensor_from_pb(pb, out, st);
    tensorflow__tensor_proto__free_unpacked(pb, &a);
    return c;
}
