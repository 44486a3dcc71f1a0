/* tensor -> TensorProto: a message tree that borrows the tensor's elements (converted only where
 * the typed field's element type differs), packed by protobuf-c. */
#include <string.h>

#include "tensor/tensor_int.h"

void tfc__shape_to_pb(const tfc_shape *s, Tensorflow__TensorShapeProto *pb,
                      Tensorflow__TensorShapeProto__Dim dims[TFC_MAX_RANK],
                      Tensorflow__TensorShapeProto__Dim *dim_ptrs[TFC_MAX_RANK]) {
    tensorflow__tensor_shape_proto__init(pb);
    if (s->rank < 0 || s->rank > TFC_MAX_RANK) {
        pb->unknown_rank = 1;
        return;
    }
    for (int i = 0; i < s->rank; i++) {
        tensorflow__tensor_shape_proto__dim__init(&dims[i]);
        dims[i].size = s->dims[i];
        dim_ptrs[i] = &dims[i];
    }
    pb->n_dim = (size_t)s->rank;
    pb->dim = s->rank ? dim_ptrs : NULL;
}

/* Carves aligned pieces out of one block. */
typedef struct slab {
    uint8_t *base;
    size_t used, cap;
} slab;

static bool slab_add(size_t *total, size_t n, size_t count) {
    if (count && n > (SIZE_MAX - *total - 15) / count) return false;
    *total += (n * count + 15) & ~(size_t)15;
    return true;
}

static void *slab_take(slab *a, size_t n, size_t count) {
    void *p = a->base + a->used;
    a->used += (n * count + 15) & ~(size_t)15;
    return p;
}

/* What a typed serialization needs converted into its own array: 0 when the field can point at
 * the tensor's elements directly. */
static size_t converted_size(tfc_dtype dt, bool typed) {
    if (dt == TFC_DT_STRING) return sizeof(ProtobufCBinaryData);
    if (!typed) return TFC__HOST_BIG_ENDIAN ? tfc_dtype_size(dt) : 0;
    switch (dt) {
    case TFC_DT_INT8:
    case TFC_DT_UINT8:
    case TFC_DT_INT16:
    case TFC_DT_UINT16:
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
        return sizeof(int32_t);
    case TFC_DT_BOOL:
        return sizeof(protobuf_c_boolean);
    default:
        return 0;
    }
}

static void set_typed(Tensorflow__TensorProto *pb, const tfc_tensor *t, void *conv) {
    size_t n = (size_t)t->num_elements;
    const void *src = tfc_tensor_data_const(t);
    int32_t *i32 = conv;
    switch (t->dtype) {
    case TFC_DT_FLOAT:
        pb->n_float_val = n, pb->float_val = (float *)src;
        break;
    case TFC_DT_DOUBLE:
        pb->n_double_val = n, pb->double_val = (double *)src;
        break;
    case TFC_DT_INT32:
        pb->n_int_val = n, pb->int_val = (int32_t *)src;
        break;
    case TFC_DT_INT64:
        pb->n_int64_val = n, pb->int64_val = (int64_t *)src;
        break;
    case TFC_DT_UINT32:
        pb->n_uint32_val = n, pb->uint32_val = (uint32_t *)src;
        break;
    case TFC_DT_UINT64:
        pb->n_uint64_val = n, pb->uint64_val = (uint64_t *)src;
        break;
    case TFC_DT_INT8:
        for (size_t i = 0; i < n; i++) i32[i] = ((const int8_t *)src)[i];
        pb->n_int_val = n, pb->int_val = i32;
        break;
    case TFC_DT_UINT8:
        for (size_t i = 0; i < n; i++) i32[i] = ((const uint8_t *)src)[i];
        pb->n_int_val = n, pb->int_val = i32;
        break;
    case TFC_DT_INT16:
        for (size_t i = 0; i < n; i++) i32[i] = ((const int16_t *)src)[i];
        pb->n_int_val = n, pb->int_val = i32;
        break;
    case TFC_DT_UINT16:
        for (size_t i = 0; i < n; i++) i32[i] = ((const uint16_t *)src)[i];
        pb->n_int_val = n, pb->int_val = i32;
        break;
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
        for (size_t i = 0; i < n; i++) i32[i] = ((const uint16_t *)src)[i];
        pb->n_half_val = n, pb->half_val = i32;
        break;
    case TFC_DT_BOOL: {
        protobuf_c_boolean *b = conv;
        for (size_t i = 0; i < n; i++) b[i] = ((const uint8_t *)src)[i] != 0;
        pb->n_bool_val = n, pb->bool_val = b;
        break;
    }
    default:
        break;
    }
}

tfc_code tfc__tensor_to_pb(const tfc_tensor *t, bool typed_values, Tensorflow__TensorProto **out,
                           tfc_status *st) {
    *out = NULL;
    size_t n = (size_t)t->num_elements, conv = converted_size(t->dtype, typed_values);
    /* Each value takes at least a byte of the message, so this much can never be packed. */
    if ((typed_values || t->dtype == TFC_DT_STRING ? n : t->buf->nbytes) > INT32_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "a %s tensor of %lld elements (%zu bytes) does not fit in a "
                              "TensorProto (protobuf's 2 GiB limit)",
                              tfc_dtype_name(t->dtype), (long long)t->num_elements, t->buf->nbytes);
    size_t total = 0;
    bool ok = slab_add(&total, sizeof(Tensorflow__TensorProto), 1) &&
              slab_add(&total, sizeof(Tensorflow__TensorShapeProto), 1) &&
              slab_add(&total, sizeof(Tensorflow__TensorShapeProto__Dim), TFC_MAX_RANK) &&
              slab_add(&total, sizeof(Tensorflow__TensorShapeProto__Dim *), TFC_MAX_RANK) &&
              slab_add(&total, conv, n);
    slab a = {ok ? tfc_malloc(total) : NULL, 0, total};
    if (!a.base)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory building the TensorProto of a %s tensor of %lld "
                              "elements",
                              tfc_dtype_name(t->dtype), (long long)t->num_elements);
    Tensorflow__TensorProto *pb = slab_take(&a, sizeof *pb, 1);
    Tensorflow__TensorShapeProto *shape = slab_take(&a, sizeof *shape, 1);
    Tensorflow__TensorShapeProto__Dim *dims = slab_take(&a, sizeof *dims, TFC_MAX_RANK);
    Tensorflow__TensorShapeProto__Dim **dim_ptrs = slab_take(&a, sizeof *dim_ptrs, TFC_MAX_RANK);
    void *scratch = slab_take(&a, conv, n);

    tensorflow__tensor_proto__init(pb);
    pb->dtype = (Tensorflow__DataType)t->dtype;
    tfc__shape_to_pb(&t->shape, shape, dims, dim_ptrs);
    pb->tensor_shape = shape;
    if (t->dtype == TFC_DT_STRING) {
        ProtobufCBinaryData *sv = scratch;
        for (size_t i = 0; i < n; i++) {
            tfc_bytes b = tfc_tensor_string_at(t, (int64_t)i);
            sv[i] = (ProtobufCBinaryData){b.size, (uint8_t *)b.data};
        }
        pb->n_string_val = n, pb->string_val = n ? sv : NULL;
    } else if (typed_values) {
        set_typed(pb, t, scratch);
    } else if (t->buf->nbytes) {
        const void *src = tfc_tensor_data_const(t);
        if (TFC__HOST_BIG_ENDIAN) {
            tfc__copy_le(scratch, src, n, tfc_dtype_size(t->dtype));
            src = scratch;
        }
        pb->tensor_content = (ProtobufCBinaryData){t->buf->nbytes, (uint8_t *)src};
    }
    *out = pb;
    return TFC_OK;
}

tfc_code tfc_tensor_to_proto(const tfc_tensor *t, bool typed_values, uint8_t **out, size_t *n,
                             tfc_status *st) {
    *out = NULL, *n = 0;
    Tensorflow__TensorProto *pb;
    tfc_code c = tfc__tensor_to_pb(t, typed_values, &pb, st);
    if (c != TFC_OK) return c;
    size_t size = tensorflow__tensor_proto__get_packed_size(pb);
    if (size > INT32_MAX) {
        tfc_free(pb);
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "the TensorProto of a %s tensor of %lld elements would take %zu "
                              "bytes, over protobuf's 2 GiB limit",
                              tfc_dtype_name(t->dtype), (long long)t->num_elements, size);
    }
    uint8_t *buf = tfc_malloc(size);
    if (!buf) {
        tfc_free(pb);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory serializing a TensorProto of %zu bytes", size);
    }
    tensorflow__tensor_proto__pack(pb, buf);
    tfc_free(pb);
    *out = buf, *n = size;
    return TFC_OK;
}
