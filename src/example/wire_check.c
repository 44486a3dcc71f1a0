/* Validation in front of protobuf-c. protobuf-c only says "NULL" when a message does not parse;
 * this walk over the same descriptors finds what is wrong and where ("features.feature["age"]
 * .value.int64_list: length 97 of field 1 runs past the end of the message at byte 12"), and it
 * lets a later protobuf-c failure be reported as what it then is: out of memory.
 *
 * It rejects everything protobuf-c 1.4 rejects (tag 0, tags or length prefixes over 5 bytes,
 * varints over 10 bytes, truncated fields, groups and wire types 6/7, a known field with the
 * wrong wire type, packed floats whose length is not a multiple of 4, lengths over 2 GiB) plus
 * keys holding a NUL byte, which tfc's NUL-terminated keys cannot represent. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "example/example_int.h"

typedef struct chk {
    bool named; /* build the path and the message (the second, slow pass after a failure) */
    const uint8_t *base;
    char *msg;
    size_t msg_size;
    char path[256];
    size_t plen;
} chk;

static bool fail(chk *c, const uint8_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool fail(chk *c, const uint8_t *at, const char *fmt, ...) {
    if (!c->named) return false;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->msg, c->msg_size, "%s%s%s at byte %zu", c->path, c->plen ? ": " : "", what,
             (size_t)(at - c->base));
    return false;
}

static void path_push(chk *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void path_push(chk *c, const char *fmt, ...) {
    if (c->plen && c->plen + 1 < sizeof c->path) c->path[c->plen++] = '.', c->path[c->plen] = 0;
    if (c->plen >= sizeof c->path - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
    va_end(ap);
    c->plen = k < 0 ? c->plen : c->plen + (size_t)k;
    if (c->plen >= sizeof c->path) c->plen = sizeof c->path - 1;
}

/* Reads a varint of at most max bytes; returns its length or 0. */
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

static const char *wire_type_name(unsigned wt) {
    static const char *const names[8] = {"varint",    "64-bit", "length-delimited", "start-group",
                                         "end-group", "32-bit", "invalid (6)",      "invalid (7)"};
    return names[wt & 7];
}

static unsigned expected_wire_type(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_INT64:
        return 0;
    default:
        return 2; /* string, bytes, message: all this schema uses besides the above */
    }
}

static bool is_map_entry(const ProtobufCMessageDescriptor *d) {
    size_t n = strlen(d->name);
    return n > 5 && !strcmp(d->name + n - 5, "Entry");
}

/* The key of a map entry (field 1), for naming it in the path; false if it has none yet. */
static bool entry_key(const uint8_t *p, const uint8_t *end, char *out, size_t out_size) {
    while (p < end) {
        uint64_t tag, len = 0, v;
        size_t k = varint(p, end, 5, &tag);
        if (!k) return false;
        p += k;
        switch (tag & 7) {
        case 0: /* the varint is the field: skip it */
            k = 0, len = varint(p, end, 10, &v);
            if (!len) return false;
            break;
        case 1:
            k = 0, len = 8;
            break;
        case 5:
            k = 0, len = 4;
            break;
        case 2:
            if (!(k = varint(p, end, 5, &len))) return false;
            break;
        default:
            return false;
        }
        p += k;
        if (len > (size_t)(end - p)) return false;
        if (tag == (1 << 3 | 2)) {
            size_t j = 0;
            for (size_t i = 0; i < len && j + 4 < out_size; i++)
                out[j++] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' ? (char)p[i] : '?';
            if (len > out_size - 5) out[j++] = '.', out[j++] = '.', out[j++] = '.';
            out[j] = 0;
            return true;
        }
        p += len;
    }
    return false;
}

static bool check_msg(chk *c, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                      const uint8_t *end);

static bool check_known(chk *c, const ProtobufCFieldDescriptor *fd, unsigned wt,
                        const uint8_t *field_at, const uint8_t *body, size_t len,
                        size_t occurrence) {
    bool repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
    bool packable = fd->type == PROTOBUF_C_TYPE_FLOAT || fd->type == PROTOBUF_C_TYPE_INT64;
    if (repeated && packable && wt == 2) {
        if (fd->type == PROTOBUF_C_TYPE_FLOAT && len % 4)
            return fail(c, field_at, "packed floats take %zu bytes, not a multiple of 4", len);
        for (const uint8_t *q = body, *qe = body + len;
             fd->type == PROTOBUF_C_TYPE_INT64 && q < qe;) {
            uint64_t v;
            size_t k = varint(q, qe, 10, &v);
            if (!k) return fail(c, q, "packed int64 value is truncated or longer than 10 bytes");
            q += k;
        }
        return true;
    }
    unsigned want = expected_wire_type(fd->type);
    if (wt != want)
        return fail(c, field_at, "field %u (%s) has wire type %s, expected %s", fd->id, fd->name,
                    wire_type_name(wt), wire_type_name(want));
    if (fd->type == PROTOBUF_C_TYPE_STRING && memchr(body, 0, len))
        return fail(c, field_at, "%s holds a NUL byte, which tfc cannot represent", fd->name);
    if (fd->type != PROTOBUF_C_TYPE_MESSAGE) return true;

    const ProtobufCMessageDescriptor *sub = fd->descriptor;
    if (!c->named) return check_msg(c, sub, body, body + len);
    size_t saved = c->plen;
    char key[48];
    if (repeated && is_map_entry(sub) && entry_key(body, body + len, key, sizeof key))
        path_push(c, "%s[\"%s\"]", fd->name, key);
    else if (repeated)
        path_push(c, "%s[%zu]", fd->name, occurrence);
    else
        path_push(c, "%s", fd->name);
    bool ok = check_msg(c, sub, body, body + len);
    if (ok) c->path[c->plen = saved] = 0;
    return ok;
}

static bool check_msg(chk *c, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                      const uint8_t *end) {
    size_t seen[4] = {0}; /* occurrences of each of the (at most 3) fields, for paths */
    while (p < end) {
        const uint8_t *field_at = p;
        if ((p[0] & 0xf8) == 0)
            return fail(c, p, "invalid field tag 0x%02x (field number 0)", p[0]);
        uint64_t tag;
        size_t k = varint(p, end, 5, &tag);
        if (!k) return fail(c, p, "field tag is truncated or longer than 5 bytes");
        p += k;
        unsigned wt = (unsigned)(tag & 7);
        uint32_t id = (uint32_t)(tag >> 3);
        uint64_t len = 0;
        const uint8_t *body = p;
        switch (wt) {
        case 0: {
            uint64_t v;
            len = varint(p, end, 10, &v);
            if (!len)
                return fail(c, p, "field %u: varint is truncated or longer than 10 bytes", id);
            break;
        }
        case 1:
            len = 8;
            break;
        case 5:
            len = 4;
            break;
        case 2:
            k = varint(p, end, 5, &len);
            if (!k) return fail(c, p, "field %u: length is truncated or longer than 5 bytes", id);
            if (len > TFC__WIRE_MAX)
                return fail(c, p, "field %u: length %llu is over protobuf's 2 GiB limit", id,
                            (unsigned long long)len);
            p += k, body = p;
            break;
        case 3:
        case 4:
            return fail(c, field_at, "field %u is a group (wire type %u), not supported", id, wt);
        default:
            return fail(c, field_at, "field %u has invalid wire type %u", id, wt);
        }
        if (len > (uint64_t)(end - p))
            return fail(c, field_at,
                        "field %u (%s, %llu bytes) runs past the end of the message "
                        "(%zu bytes left)",
                        id, wire_type_name(wt), (unsigned long long)len, (size_t)(end - p));
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(d, id);
        if (fd) {
            size_t fi = (size_t)(fd - d->fields);
            size_t occurrence = fi < 4 ? seen[fi]++ : 0;
            if (!check_known(c, fd, wt, field_at, body, (size_t)len, occurrence)) return false;
        }
        p += len;
    }
    return true;
}

bool tfc__wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t n,
                     char *msg, size_t msg_size) {
    if (msg_size) msg[0] = 0;
    if (!n) return true;
    /* Well-formed input, the common case, takes one quick pass; only a failure is walked again
     * to name the place. */
    chk quick = {.base = data};
    if (check_msg(&quick, desc, data, data + n)) return true;
    chk c = {.named = true, .base = data, .msg = msg, .msg_size = msg_size};
    if (check_msg(&c, desc, data, data + n) && msg_size) snprintf(msg, msg_size, "malformed");
    return false;
}

ProtobufCMessage *tfc__wire_unpack(const ProtobufCMessageDescriptor *desc, const char *what,
                                   const void *data, size_t n, tfc_status *st) {
    char msg[400];
    if (n > TFC__WIRE_MAX) {
        tfc_status_set(st, TFC_INVALID_ARGUMENT,
                       "could not parse %s: %zu bytes is over protobuf's 2 GiB limit", what, n);
        return NULL;
    }
    if (!tfc__wire_check(desc, data, n, msg, sizeof msg)) {
        tfc_status_set(st, TFC_INVALID_ARGUMENT, "could not parse %s: %s", what, msg);
        return NULL;
    }
    ProtobufCAllocator a;
    tfc__pb_allocator(&a);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &a, n, data);
    if (!m)
        tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory parsing %s (%zu bytes)", what, n);
    return m;
}

void tfc__wire_free(ProtobufCMessage *m) {
    if (!m) return;
    ProtobufCAllocator a;
    tfc__pb_allocator(&a);
    protobuf_c_message_free_unpacked(m, &a);
}
