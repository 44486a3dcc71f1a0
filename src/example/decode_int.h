/* Private to the wire decoder (decode.c: fields, lists and Feature; decode_maps.c: the maps and
 * the messages around them). One pass from the bytes of an Example or SequenceExample straight
 * into tfc's structures, checking as it goes, with protobuf's semantics:
 *
 * - unknown fields of wire types 0, 1, 2 and 5 are skipped; groups (wire types 3 and 4) are
 *   malformed, as in protobuf-c and TensorFlow's own Example parser (example_proto_fast_parsing
 *   "groups not supported"): the schema has none and proto3 cannot declare one;
 * - a singular message field given again is merged into the first (Example.features,
 *   SequenceExample.context and feature_lists, a map entry's value): a Feature's oneof takes a
 *   new kind by dropping the old one, the same kind again appends its values;
 * - in a map entry the last key wins (a missing key is ""), a missing value is an empty Feature
 *   (or FeatureList); between entries the last one with a key wins, at the key's first position;
 * - repeated floats and int64s may be packed or not, mixed in any order;
 * - tags take at most 5 bytes and 32 bits and name a field number > 0 (as upb and protobuf's C++
 *   parser require), varints at most 10 bytes (bits past 64 are dropped, as every protobuf
 *   parser does), lengths at most 5 bytes and 2 GiB;
 * - a known field with another wire type than its own is malformed (protobuf-c's rule; C++
 *   would keep it as an unknown field), and so is a key holding a NUL byte, which tfc's
 *   NUL-terminated keys cannot represent.
 * The schema has a fixed depth, so there is no recursion. */
#ifndef TFC_EXAMPLE_DECODE_INT_H
#define TFC_EXAMPLE_DECODE_INT_H

#include "example/example_int.h"

/* One level of the path a problem is reported under: a field ("features", "value"), a map
 * entry named by its key (or its position when the key cannot be read) or a repeated field's
 * element ("feature[2]"). */
typedef enum tfc__frame_kind {
    TFC__FRAME_FIELD,
    TFC__FRAME_ENTRY,
    TFC__FRAME_INDEX,
} tfc__frame_kind;

typedef struct tfc__frame {
    const char *name;
    const uint8_t *body, *end; /* ENTRY: the entry's bytes, to find its key */
    size_t index; /* ENTRY, INDEX: position among the message's fields of this number */
    tfc__frame_kind kind;
} tfc__frame;

/* SequenceExample: feature_lists.feature_list["k"].value.feature[i].int64_list */
#define TFC__DEC_DEPTH 6

typedef struct tfc__dec {
    const uint8_t *base; /* the input, for byte offsets */
    size_t n;
    const char *what; /* "Example" or "SequenceExample" */
    tfc_status *st;
    int depth;
    tfc__frame fr[TFC__DEC_DEPTH];
} tfc__dec;

/* A field as it stands on the wire. */
typedef struct tfc__wfield {
    const uint8_t *at; /* its tag */
    const uint8_t
        *body;  /* its bytes: the payload (length-delimited), the varint, the fixed bytes */
    size_t len; /* of body; the next field starts at body + len */
    uint64_t v; /* the value of a varint */
    uint32_t id;
    unsigned wt;
} tfc__wfield;

/* Sets d->st to INVALID_ARGUMENT "could not parse WHAT: PATH: PROBLEM at byte N" (N = at - base)
 * and returns that code. */
tfc_code tfc__dec_fail(tfc__dec *d, const uint8_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* RESOURCE_EXHAUSTED "out of memory parsing WHAT (N bytes)". */
tfc_code tfc__dec_oom(tfc__dec *d);
/* "field 1 (key) has wire type varint, expected length-delimited". */
tfc_code tfc__dec_wire_type(tfc__dec *d, const tfc__wfield *f, const char *name, unsigned want);
tfc_code tfc__dec_field_slow(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__wfield *f);

/* Reads the field at p (< end), checking its tag, its length and that it fits before end. */
static inline tfc_code tfc__dec_field(tfc__dec *d, const uint8_t *p, const uint8_t *end,
                                      tfc__wfield *f) {
    /* The common case: a one-byte tag of a length-delimited field and a length of one or two
     * bytes. */
    if (end - p >= 2 && p[0] >= 0x08 && p[0] < 0x80 && (p[0] & 7) == 2) {
        size_t len = p[1], k = 2;
        if (len >= 0x80) {
            if (end - p < 3 || p[2] >= 0x80) return tfc__dec_field_slow(d, p, end, f);
            len = (len & 0x7f) | (size_t)p[2] << 7, k = 3;
        }
        if ((ptrdiff_t)len <= end - p - (ptrdiff_t)k) {
            f->at = p;
            f->id = p[0] >> 3;
            f->wt = 2;
            f->len = len;
            f->body = p + k;
            return TFC_OK;
        }
    }
    return tfc__dec_field_slow(d, p, end, f);
}

static inline void tfc__dec_push(tfc__dec *d, tfc__frame_kind kind, const char *name,
                                 const tfc__wfield *f, size_t index) {
    tfc__frame *fr = &d->fr[d->depth++];
    fr->kind = kind;
    fr->name = name;
    fr->body = f->body;
    fr->end = f->body + f->len;
    fr->index = index;
}

/* Merges the Feature message in [p, end) into *v (see above); *v keeps what it holds on error
 * and is the caller's to clear. */
tfc_code tfc__dec_feature(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__fval *v);

#endif
