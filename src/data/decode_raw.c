/* tf.io.decode_raw: byte strings reinterpreted as arrays of numbers, with TF's shape rule (the
 * input's shape plus one dim) and TF's error messages. */
#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "tensor/tensor_int.h"
#include "tfc/data_decode.h"

static bool raw_type_ok(tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_HALF:
    case TFC_DT_BFLOAT16:
    case TFC_DT_FLOAT:
    case TFC_DT_DOUBLE:
    case TFC_DT_INT8:
    case TFC_DT_INT16:
    case TFC_DT_INT32:
    case TFC_DT_INT64:
    case TFC_DT_UINT8:
    case TFC_DT_UINT16:
    case TFC_DT_UINT32:
    case TFC_DT_UINT64:
    case TFC_DT_BOOL:
        return true;
    default:
        return false;
    }
}

static tfc_code bad_type(tfc_dtype dt, tfc_status *st) {
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "DecodeRaw out_type must be a fixed-size number type or bool, got %s",
                          tfc_dtype_name(dt));
}

/* Copies n elements of `size` bytes, reversing each element's bytes when swap is set. */
static void copy_elems(uint8_t *dst, const uint8_t *src, size_t n, size_t size, bool swap) {
    if (!swap || size == 1) {
        if (n) memcpy(dst, src, n * size);
        return;
    }
    switch (size) {
    case 2:
        for (size_t i = 0; i < n; i++, src += 2, dst += 2) dst[0] = src[1], dst[1] = src[0];
        break;
    case 4:
        for (size_t i = 0; i < n; i++, src += 4, dst += 4) {
            uint32_t v;
            memcpy(&v, src, 4);
            v = __builtin_bswap32(v);
            memcpy(dst, &v, 4);
        }
        break;
    default:
        for (size_t i = 0; i < n; i++, src += 8, dst += 8) {
            uint64_t v;
            memcpy(&v, src, 8);
            v = __builtin_bswap64(v);
            memcpy(dst, &v, 8);
        }
        break;
    }
}

/* A bool tensor holds only 0 and 1, whatever bytes the input had. */
static void normalize_bool(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = p[i] != 0;
}

static tfc_code check_multiple(size_t len, tfc_dtype dt, tfc_status *st) {
    size_t size = tfc_dtype_size(dt);
    if (len % size == 0) return TFC_OK;
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "Input to DecodeRaw has length %zu that is not a multiple of %zu, the "
                          "size of %s",
                          len, size, tfc__tf_dtype_string(dt));
}

tfc_code tfc_decode_raw_bytes(const void *data, size_t n, tfc_dtype out_type, bool little_endian,
                              tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (!raw_type_ok(out_type)) return bad_type(out_type, st);
    tfc_code c = check_multiple(n, out_type, st);
    if (c != TFC_OK) return c;
    size_t size = tfc_dtype_size(out_type);
    tfc_shape s = tfc_shape_make(1, (int64_t[]){(int64_t)(n / size)});
    tfc_tensor *t;
    c = tfc__tensor_alloc(out_type, &s, false, &t, st);
    if (c != TFC_OK) return c;
    uint8_t *y = tfc_tensor_data(t);
    copy_elems(y, data, n / size, size, little_endian == (bool)TFC__HOST_BIG_ENDIAN);
    if (out_type == TFC_DT_BOOL) normalize_bool(y, n);
    *out = t;
    return TFC_OK;
}

tfc_code tfc_decode_raw(const tfc_tensor *bytes, tfc_dtype out_type, bool little_endian,
                        tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (tfc_tensor_dtype(bytes) != TFC_DT_STRING)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "DecodeRaw input must be a string tensor, got %s",
                              tfc_dtype_name(tfc_tensor_dtype(bytes)));
    if (!raw_type_ok(out_type)) return bad_type(out_type, st);
    const tfc_shape *in_shape = tfc_tensor_shape(bytes);
    if (in_shape->rank >= TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "DecodeRaw input of rank %d would give an output of rank %d, over "
                              "tfc's limit of %d",
                              in_shape->rank, in_shape->rank + 1, TFC_MAX_RANK);
    int64_t count = tfc_tensor_num_elements(bytes);
    size_t len = 0;
    for (int64_t i = 0; i < count; i++) {
        size_t li = tfc_tensor_string_at(bytes, i).size;
        if (i == 0)
            len = li;
        else if (li != len)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "DecodeRaw requires input strings to all be the same size, but "
                                  "element %lld has size %zu != %zu",
                                  (long long)i, li, len);
    }
    tfc_code c = check_multiple(len, out_type, st);
    if (c != TFC_OK) return c;
    size_t size = tfc_dtype_size(out_type), per = len / size;
    tfc_shape s = *in_shape;
    s.dims[s.rank++] = (int64_t)per;
    tfc_tensor *t;
    c = tfc__tensor_alloc(out_type, &s, false, &t, st);
    if (c != TFC_OK) return c;
    uint8_t *y = tfc_tensor_data(t);
    bool swap = little_endian == (bool)TFC__HOST_BIG_ENDIAN;
    for (int64_t i = 0; i < count && len; i++, y += len)
        copy_elems(y, tfc_tensor_string_at(bytes, i).data, per, size, swap);
    if (out_type == TFC_DT_BOOL) normalize_bool(tfc_tensor_data(t), (size_t)count * len);
    *out = t;
    return TFC_OK;
}
