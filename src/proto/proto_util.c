/* protobuf-c glue: tfc allocation, a bounded wire check, packing, and the message arena. */
#include <stdio.h>
#include <string.h>

#include "proto/proto_util.h"

static void *pb_alloc(void *data, size_t n) {
    void *p = tfc_malloc(n);
    if (!p && data) *(bool *)data = true;
    return p;
}

static void pb_free(void *data, void *p) {
    (void)data;
    tfc_free(p);
}

static ProtobufCAllocator allocator = {.alloc = pb_alloc, .free = pb_free, .allocator_data = NULL};

ProtobufCAllocator *tfc__proto_allocator(void) {
    return &allocator;
}

void tfc__proto_free(ProtobufCMessage *m) {
    if (m) protobuf_c_message_free_unpacked(m, &allocator);
}

size_t tfc__proto_elem_size(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* ---- Wire check ---- */

static size_t get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v) {
    uint64_t r = 0;
    for (size_t i = 0; i < 10 && p + i < end; i++) {
        r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) return *v = r, i + 1;
    }
    return 0;
}

typedef struct check_ctx {
    char *msg;
    size_t msg_size;
    int max_depth;
} check_ctx;

static bool check_msg(check_ctx *c, const ProtobufCMessageDescriptor *desc, const uint8_t *base,
                      const uint8_t *p, const uint8_t *end, int depth) {
    if (depth > c->max_depth) {
        snprintf(c->msg, c->msg_size, "messages nested deeper than %d at byte %zu", c->max_depth,
                 (size_t)(p - base));
        return false;
    }
    while (p < end) {
        size_t at = (size_t)(p - base);
        uint64_t tag, v;
        size_t k = get_varint(p, end, &tag);
        if (!k) {
            snprintf(c->msg, c->msg_size, "truncated field tag at byte %zu", at);
            return false;
        }
        p += k;
        uint64_t num = tag >> 3;
        unsigned wt = (unsigned)(tag & 7);
        const ProtobufCFieldDescriptor *f =
            num > 0 && num <= 0x1fffffff && desc
                ? protobuf_c_message_descriptor_get_field(desc, (unsigned)num)
                : NULL;
        const char *fname = f ? f->name : "unknown";
        if (num == 0 || num > 0x1fffffff) {
            snprintf(c->msg, c->msg_size, "invalid field number %llu at byte %zu",
                     (unsigned long long)num, at);
            return false;
        }
        switch (wt) {
        case 0:
            if (!(k = get_varint(p, end, &v))) goto truncated;
            p += k;
            break;
        case 1:
            if (end - p < 8) goto truncated;
            p += 8;
            break;
        case 5:
            if (end - p < 4) goto truncated;
            p += 4;
            break;
        case 2:
            if (!(k = get_varint(p, end, &v))) goto truncated;
            p += k;
            if (v > (uint64_t)(end - p)) {
                snprintf(c->msg, c->msg_size,
                         "field %llu (%s) at byte %zu: length %llu runs past the end of the "
                         "message (%zu bytes left)",
                         (unsigned long long)num, fname, at, (unsigned long long)v,
                         (size_t)(end - p));
                return false;
            }
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                !check_msg(c, f->descriptor, base, p, p + v, depth + 1))
                return false;
            p += v;
            break;
        default:
            snprintf(c->msg, c->msg_size, "field %llu (%s) at byte %zu: unsupported wire type %u",
                     (unsigned long long)num, fname, at, wt);
            return false;
        }
        continue;
    truncated:
        snprintf(c->msg, c->msg_size, "field %llu (%s) at byte %zu: truncated value",
                 (unsigned long long)num, fname, at);
        return false;
    }
    return true;
}

bool tfc__proto_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t n,
                      int max_depth, char *msg, size_t msg_size) {
    check_ctx c = {msg, msg_size, max_depth};
    return check_msg(&c, desc, data, data, data + n, 0);
}

tfc_code tfc__proto_unpack(const ProtobufCMessageDescriptor *desc, const void *data, size_t n,
                           const char *what, ProtobufCMessage **out, tfc_status *st) {
    static const uint8_t empty[1];
    char why[200];
    *out = NULL;
    if (!data) data = empty, n = 0;
    if (!tfc__proto_check(desc, data, n, TFC_PROTO_MAX_DEPTH, why, sizeof why))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "malformed %s: %s", what, why);
    bool oom = false;
    ProtobufCAllocator a = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &oom};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &a, n, data);
    if (!m) {
        if (oom)
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading %s", what);
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "malformed %s: a field has the wrong wire type or a bad value", what);
    }
    *out = m;
    return TFC_OK;
}

tfc_code tfc__proto_pack(const ProtobufCMessage *m, uint8_t **out, size_t *n, tfc_status *st) {
    size_t size = protobuf_c_message_get_packed_size(m);
    *out = NULL, *n = 0;
    if (size > (size_t)INT32_MAX) /* protobuf's own limit: no reader takes more */
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Cannot serialize protocol buffer of type %s as the serialized size "
                              "(%zu bytes) would be larger than the limit (2147483647 bytes)",
                              m->descriptor->name, size);
    uint8_t *buf = tfc_malloc(size ? size : 1);
    if (!buf) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory (%zu bytes)", size);
    size_t w = protobuf_c_message_pack(m, buf);
    if (w != size) {
        tfc_free(buf);
        return tfc_status_set(st, TFC_INTERNAL, "protobuf-c packed %zu bytes, expected %zu", w,
                              size);
    }
    *out = buf, *n = size;
    return TFC_OK;
}

/* ---- Arena ---- */

struct tfc__arena_chunk {
    struct tfc__arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK 8192

void *tfc__arena_alloc(tfc__arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!n) n = 16;
    struct tfc__arena_chunk *c = a->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = tfc_malloc(sizeof *c + cap);
        if (!c) return a->oom = true, NULL;
        c->cap = cap, c->used = 0;
        /* A chunk made for one large block goes behind the current one, which keeps its room. */
        if (a->chunks && cap > ARENA_CHUNK) {
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = a->chunks;
            a->chunks = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *tfc__arena_strdup(tfc__arena *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = tfc__arena_alloc(a, n);
    if (p) memcpy(p, s, n);
    return p;
}

void *tfc__arena_message(tfc__arena *a, const ProtobufCMessageDescriptor *desc) {
    void *m = tfc__arena_alloc(a, desc->sizeof_message);
    if (m) protobuf_c_message_init(desc, m);
    return m;
}

void tfc__arena_own(tfc__arena *a, void *p) {
    if (!p) return;
    if (a->n_owned == a->cap_owned) {
        size_t cap = a->cap_owned ? 2 * a->cap_owned : 8;
        void **o = tfc_realloc(a->owned, cap * sizeof *o);
        if (!o) {
            tfc_free(p);
            a->oom = true;
            return;
        }
        a->owned = o, a->cap_owned = cap;
    }
    a->owned[a->n_owned++] = p;
}

void tfc__arena_free(tfc__arena *a) {
    while (a->chunks) {
        struct tfc__arena_chunk *next = a->chunks->next;
        tfc_free(a->chunks);
        a->chunks = next;
    }
    for (size_t i = 0; i < a->n_owned; i++) tfc_free(a->owned[i]);
    tfc_free(a->owned);
    *a = (tfc__arena){0};
}
