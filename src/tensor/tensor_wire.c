/* Why a TensorProto did not parse. protobuf-c only answers NULL; after such a failure this walk
 * over the same descriptors finds the first problem and names its field and byte offset, so a user
 * reads "tensor_shape.dim[1]: field 1 (size) has wire type length-delimited, expected varint at
 * byte 9" instead of "malformed". It runs only on the failure path. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"

typedef struct diag {
    const uint8_t *base;
    char *msg;
    size_t msg_size;
    char path[128];
} diag;

static bool fail(diag *d, const uint8_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool fail(diag *d, const uint8_t *at, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(d->msg, d->msg_size, "%s%s%s at byte %zu", d->path, d->path[0] ? ": " : "", what,
             (size_t)(at - d->base));
    return true;
}

/* A varint of at most max bytes; its length, or 0 when truncated or too long. */
static size_t varint(const uint8_t *p, const uint8_t *end, size_t max, uint64_t *v) {
    uint64_t x = 0;
    for (size_t i = 0; i < max && p + i < end; i++) {
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

static const char *wire_name(unsigned wt) {
    static const char *const names[8] = {"varint",    "64-bit", "length-delimited", "start-group",
                                         "end-group", "32-bit", "invalid (6)",      "invalid (7)"};
    return names[wt & 7];
}

/* The wire type a single value of type t uses. */
static unsigned wire_of(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    default:
        return 0;
    }
}

static bool walk(diag *d, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                 const uint8_t *end);

/* A known field's body: wire type, packed contents, nested message. True = problem found. */
static bool check_field(diag *d, const ProtobufCFieldDescriptor *fd, unsigned wt, const uint8_t *at,
                        const uint8_t *body, size_t len, size_t occurrence) {
    unsigned want = wire_of(fd->type);
    if (fd->label == PROTOBUF_C_LABEL_REPEATED && want != 2 && wt == 2) { /* packed */
        size_t each = want == 1 ? 8 : want == 5 ? 4 : 0;
        if (each && len % each)
            return fail(d, at, "field %u (%s): packed values take %zu bytes, not a multiple of %zu",
                        fd->id, fd->name, len, each);
        for (const uint8_t *q = body, *qe = body + len; !each && q < qe;) {
            uint64_t v;
            size_t k = varint(q, qe, 10, &v);
            if (!k)
                return fail(d, q, "field %u (%s): packed varint is truncated or over 10 bytes",
                            fd->id, fd->name);
            q += k;
        }
        return false;
    }
    if (wt != want)
        return fail(d, at, "field %u (%s) has wire type %s, expected %s", fd->id, fd->name,
                    wire_name(wt), wire_name(want));
    if (fd->type != PROTOBUF_C_TYPE_MESSAGE) return false;
    size_t plen = strlen(d->path);
    char seg[64], idx[24] = "";
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) sprintf(idx, "[%zu]", occurrence);
    memcpy(seg, ".", 2);
    strncat(seg, fd->name, 32);
    strcat(seg, idx);
    /* the schema nests three deep, so the path cannot fill the buffer; cut rather than overrun */
    strncat(d->path, seg + (plen ? 0 : 1), sizeof d->path - plen - 1);
    if (walk(d, fd->descriptor, body, body + len)) return true;
    d->path[plen] = '\0';
    return false;
}

/* Walks one message; true when it found (and described) a problem. */
static bool walk(diag *d, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                 const uint8_t *end) {
    size_t seen[32] = {0}; /* occurrences per field index, for naming repeated messages */
    while (p < end) {
        const uint8_t *at = p;
        uint64_t tag, len = 0, v;
        size_t k = varint(p, end, 5, &tag);
        if (!k) return fail(d, p, "field tag is truncated or longer than 5 bytes");
        p += k;
        unsigned wt = (unsigned)(tag & 7);
        uint32_t id = (uint32_t)(tag >> 3);
        if (!id) return fail(d, at, "invalid field number 0");
        const uint8_t *body = p;
        switch (wt) {
        case 0:
            if (!(len = varint(p, end, 10, &v)))
                return fail(d, p, "field %u: varint is truncated or longer than 10 bytes", id);
            break;
        case 1:
            len = 8;
            break;
        case 5:
            len = 4;
            break;
        case 2:
            if (!(k = varint(p, end, 5, &len)))
                return fail(d, p, "field %u: length is truncated or longer than 5 bytes", id);
            p += k, body = p;
            break;
        case 3:
        case 4:
            return fail(d, at, "field %u is a group (wire type %u), which is not supported", id,
                        wt);
        default:
            return fail(d, at, "field %u has invalid wire type %u", id, wt);
        }
        if (len > (uint64_t)(end - p))
            return fail(d, at,
                        "field %u (%s, %llu bytes) runs past the end of the message (%zu "
                        "bytes left)",
                        id, wire_name(wt), (unsigned long long)len, (size_t)(end - p));
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(desc, id);
        if (fd) {
            size_t fi = (size_t)(fd - desc->fields);
            size_t occurrence = fi < 32 ? seen[fi]++ : 0;
            if (check_field(d, fd, wt, at, body, (size_t)len, occurrence)) return true;
        }
        p += len;
    }
    return false;
}

bool tfc__tensor_proto_diagnose(const uint8_t *data, size_t n, char *msg, size_t msg_size) {
    diag d = {.base = data, .msg = msg, .msg_size = msg_size};
    if (msg_size) msg[0] = '\0';
    return n && walk(&d, &tensorflow__tensor_proto__descriptor, data, data + n);
}
