/* The serializer of the Feature family, which writes the bytes directly (keys in order, packed
 * lists) so the output is exactly what TensorFlow's own writer would produce for the same order.
 * (The parser is decode.c and decode_maps.c.) */
#include <string.h>

#include "example/example_int.h"

size_t tfc__wire_len_field_size(size_t body) {
    return 1 + tfc_varint_len64(body) + body;
}

uint8_t *tfc__wire_len_field(uint8_t *p, uint8_t tag, size_t body) {
    *p++ = tag;
    return p + tfc_varint_put64(p, body);
}

/* Body of the FloatList / Int64List / BytesList message. */
static size_t list_body_size(const tfc__fval *v) {
    size_t n = 0;
    switch (v->kind) {
    case TFC_FEATURE_FLOAT:
        return v->count ? tfc__wire_len_field_size(v->count * 4) : 0;
    case TFC_FEATURE_INT64: {
        const int64_t *x = v->data;
        for (size_t i = 0; i < v->count; i++) n += tfc_varint_len64((uint64_t)x[i]);
        return v->count ? tfc__wire_len_field_size(n) : 0;
    }
    case TFC_FEATURE_BYTES: {
        const tfc_bytes *b = v->data;
        for (size_t i = 0; i < v->count; i++) n += tfc__wire_len_field_size(b[i].size);
        return n;
    }
    case TFC_FEATURE_NONE:
        break;
    }
    return 0;
}

size_t tfc__fval_wire_size(const tfc__fval *v) {
    return v->kind == TFC_FEATURE_NONE ? 0 : tfc__wire_len_field_size(list_body_size(v));
}

uint8_t *tfc__fval_wire_write(const tfc__fval *v, uint8_t *p) {
    if (v->kind == TFC_FEATURE_NONE) return p;
    /* Feature field numbers equal the kind values: bytes_list 1, float_list 2, int64_list 3. */
    p = tfc__wire_len_field(p, (uint8_t)(v->kind << 3 | 2), list_body_size(v));
    switch (v->kind) {
    case TFC_FEATURE_FLOAT: {
        if (!v->count) break;
        const float *x = v->data;
        p = tfc__wire_len_field(p, 0x0a, v->count * 4);
        for (size_t i = 0; i < v->count; i++, p += 4) {
            uint32_t u;
            memcpy(&u, &x[i], 4);
            tfc_put_u32le(p, u);
        }
        break;
    }
    case TFC_FEATURE_INT64: {
        if (!v->count) break;
        const int64_t *x = v->data;
        size_t n = 0;
        for (size_t i = 0; i < v->count; i++) n += tfc_varint_len64((uint64_t)x[i]);
        p = tfc__wire_len_field(p, 0x0a, n);
        for (size_t i = 0; i < v->count; i++) p += tfc_varint_put64(p, (uint64_t)x[i]);
        break;
    }
    case TFC_FEATURE_BYTES: {
        const tfc_bytes *b = v->data;
        for (size_t i = 0; i < v->count; i++) {
            p = tfc__wire_len_field(p, 0x0a, b[i].size);
            if (b[i].size) memcpy(p, b[i].data, b[i].size);
            p += b[i].size;
        }
        break;
    }
    case TFC_FEATURE_NONE:
        break;
    }
    return p;
}

/* A map entry { 1: key, 2: Feature }; key and value are always written, as protobuf does. */
static size_t entry_body_size(const tfc__fentry *e) {
    return tfc__wire_len_field_size(strlen(e->key)) +
           tfc__wire_len_field_size(tfc__fval_wire_size(&e->v));
}

size_t tfc__features_wire_size(const tfc_features *fs) {
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += tfc__wire_len_field_size(entry_body_size(&fs->items[i]));
    return n;
}

uint8_t *tfc__features_wire_write(const tfc_features *fs, uint8_t *p) {
    for (size_t i = 0; i < fs->n; i++) {
        const tfc__fentry *e = &fs->items[i];
        size_t klen = strlen(e->key);
        p = tfc__wire_len_field(p, 0x0a, entry_body_size(e));
        p = tfc__wire_len_field(p, 0x0a, klen);
        memcpy(p, e->key, klen);
        p += klen;
        p = tfc__wire_len_field(p, 0x12, tfc__fval_wire_size(&e->v));
        p = tfc__fval_wire_write(&e->v, p);
    }
    return p;
}
