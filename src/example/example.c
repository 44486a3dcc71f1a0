/* tf.train.Example: a Features map behind a handle, parsed by decode_maps.c and serialized by
 * wire.c. */
#include "example/example_int.h"

tfc_example *tfc_example_new(void) {
    tfc_example *ex = tfc_malloc(sizeof *ex);
    if (ex) tfc__features_init(&ex->features);
    return ex;
}

void tfc_example_free(tfc_example *ex) {
    if (!ex) return;
    tfc__features_clear(&ex->features);
    tfc_free(ex);
}

tfc_features *tfc_example_features(tfc_example *ex) {
    return &ex->features;
}

const tfc_features *tfc_example_features_const(const tfc_example *ex) {
    return &ex->features;
}

tfc_code tfc_example_set_floats(tfc_example *ex, const char *key, const float *vals, size_t n) {
    return tfc_features_set_floats(&ex->features, key, vals, n);
}

tfc_code tfc_example_set_int64s(tfc_example *ex, const char *key, const int64_t *vals, size_t n) {
    return tfc_features_set_int64s(&ex->features, key, vals, n);
}

tfc_code tfc_example_set_bytes(tfc_example *ex, const char *key, const tfc_bytes *vals, size_t n) {
    return tfc_features_set_bytes(&ex->features, key, vals, n);
}

bool tfc_example_equal(const tfc_example *a, const tfc_example *b) {
    return tfc_features_equal(&a->features, &b->features);
}

tfc_code tfc_example_parse(const void *data, size_t n, tfc_example **out, tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    *out = NULL;
    tfc_example *ex = tfc_example_new();
    if (!ex)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory parsing Example (%zu bytes)", n);
    tfc_code c = tfc__decode(data, n, &ex->features, NULL, st);
    if (c != TFC_OK) {
        tfc_example_free(ex);
        return c;
    }
    *out = ex;
    return TFC_OK;
}

tfc_code tfc_example_serialize(const tfc_example *ex, uint8_t **out, size_t *n, tfc_status *st) {
    *out = NULL, *n = 0;
    size_t body = tfc__features_wire_size(&ex->features);
    size_t total = body ? tfc__wire_len_field_size(body) : 0;
    if (total > TFC__WIRE_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Example of %zu bytes is over protobuf's 2 GiB limit", total);
    uint8_t *buf = tfc_malloc(total);
    if (!buf)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory serializing Example (%zu bytes)", total);
    if (body) tfc__features_wire_write(&ex->features, tfc__wire_len_field(buf, 0x0a, body));
    *out = buf, *n = total;
    return TFC_OK;
}

bool tfc_example_is_sequence(const void *data, size_t n) {
    if (!n) return false;
    const uint8_t *p = data, *end = p + n;
    while (p < end) {
        /* The parser's limits: tags and lengths up to 5 bytes, varints up to 10. */
        uint64_t tag, len;
        size_t k = tfc__wire_varint(p, end, 5, &tag);
        if (!k) return false;
        p += k;
        switch (tag & 7) {
        case 0:
            k = tfc__wire_varint(p, end, 10, &len);
            if (!k) return false;
            p += k;
            continue;
        case 1:
            len = 8;
            break;
        case 5:
            len = 4;
            break;
        case 2:
            k = tfc__wire_varint(p, end, 5, &len);
            if (!k) return false;
            p += k;
            break;
        default:
            return false;
        }
        if (len > (uint64_t)(end - p)) return false;
        if (tag == (2 << 3 | 2)) return true;
        p += len;
    }
    return false;
}
