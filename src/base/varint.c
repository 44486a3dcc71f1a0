/* Protobuf/LevelDB base-128 varints. */
#include "tfc/base.h"

size_t tfc_varint_put64(uint8_t *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t tfc_varint_get64(const uint8_t *p, const uint8_t *end, uint64_t *v) {
    uint64_t r = 0;
    for (size_t i = 0; i < TFC_VARINT64_MAX && p + i < end; i++) {
        uint64_t b = p[i];
        if (i == 9 && b > 1) return 0; /* would overflow 64 bits */
        r |= (b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

size_t tfc_varint_len64(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) v >>= 7, n++;
    return n;
}
