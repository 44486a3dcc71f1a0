/* TFRecord framing and compression names: the pieces shared by the reader, writer and index. */
#include <string.h>
#include <strings.h>

#include "io/record_int.h"

tfc_code tfc_compression_parse(const char *s, tfc_compression *out, tfc_status *st) {
    static const struct {
        const char *name;
        tfc_compression c;
    } names[] = {{"auto", TFC_COMPRESSION_AUTO},
                 {"none", TFC_COMPRESSION_NONE},
                 {"", TFC_COMPRESSION_NONE},
                 {"zlib", TFC_COMPRESSION_ZLIB},
                 {"gzip", TFC_COMPRESSION_GZIP}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].c;
            return TFC_OK;
        }
    }
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "unknown compression type '%s' (expected auto, none, zlib or gzip)", s);
}

const char *tfc_compression_name(tfc_compression c) {
    switch (c) {
    case TFC_COMPRESSION_NONE:
        return "";
    case TFC_COMPRESSION_ZLIB:
        return "ZLIB";
    case TFC_COMPRESSION_GZIP:
        return "GZIP";
    default:
        return "AUTO";
    }
}

void tfc_record_encode_header(uint64_t n, uint8_t out[12]) {
    tfc_put_u64le(out, n);
    tfc_put_u32le(out + 8, tfc_crc32c_mask(tfc_crc32c(out, 8)));
}

void tfc_record_encode_footer(const void *payload, size_t n, uint8_t out[4]) {
    tfc_put_u32le(out, tfc_crc32c_mask(tfc_crc32c(payload, n)));
}

tfc_compression tfc_compression_detect(const uint8_t *head, size_t n) {
    if (n == 0) return TFC_COMPRESSION_NONE;
    /* A header whose checksum holds is a TFRecord whatever its first bytes look like. */
    if (n >= 12 && tfc_crc32c_mask(tfc_crc32c(head, 8)) == tfc_get_u32le(head + 8))
        return TFC_COMPRESSION_NONE;
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return TFC_COMPRESSION_GZIP;
    /* RFC 1950: CM = 8 (deflate), CINFO <= 7, (CMF*256 + FLG) divisible by 31, no preset dict. */
    if (n >= 2 && (head[0] & 0x0f) == 8 && (head[0] >> 4) <= 7 &&
        ((unsigned)head[0] * 256 + head[1]) % 31 == 0 && !(head[1] & 0x20))
        return TFC_COMPRESSION_ZLIB;
    return TFC_COMPRESSION_AUTO;
}

const char *tfc__record_hint(const uint8_t *head, size_t n) {
    tfc_compression c = tfc_compression_detect(head, n < 2 ? n : 2);
    if (c == TFC_COMPRESSION_GZIP)
        return " (the file starts like a gzip stream: was it written with compression GZIP?)";
    if (c == TFC_COMPRESSION_ZLIB)
        return " (the file starts like a zlib stream: was it written with compression ZLIB?)";
    return " (Is this even a TFRecord file?)";
}
