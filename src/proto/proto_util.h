/* Helpers around protobuf-c shared by the parts that read and write TensorFlow's protos: an
 * allocator over tfc_malloc, a bounded-depth wire check that names what is wrong before
 * protobuf-c (which recurses without a limit) unpacks untrusted bytes, packing into tfc buffers,
 * and an arena for message trees built only to be packed or printed. */
#ifndef TFC_PROTO_UTIL_H
#define TFC_PROTO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "tfc/base.h"

/* Nesting limit for messages read from untrusted bytes (binary and text), TF's default too. */
#define TFC_PROTO_MAX_DEPTH 100

/* An allocator over tfc_malloc/tfc_free. Messages unpacked or parsed by the functions below are
 * freed with tfc__proto_free. The returned struct is never written. */
ProtobufCAllocator *tfc__proto_allocator(void);
void tfc__proto_free(ProtobufCMessage *m); /* accepts NULL */

/* Bytes one element of a field of type t takes in a protobuf-c message (a repeated field's array
 * stride). */
size_t tfc__proto_elem_size(ProtobufCType t);

/* Walks a serialized message of type desc (fields, lengths, nesting up to max_depth) without
 * allocating. On a problem writes a message such as "field 1 (node) at byte 12: length 500 runs
 * past the end of the message (30 bytes left)" into msg and returns false. */
bool tfc__proto_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t n,
                      int max_depth, char *msg, size_t msg_size);

/* Checks, then unpacks bytes into a new message (free with tfc__proto_free). INVALID_ARGUMENT
 * "malformed <what>: ..." for bad bytes, RESOURCE_EXHAUSTED when out of memory. */
tfc_code tfc__proto_unpack(const ProtobufCMessageDescriptor *desc, const void *data, size_t n,
                           const char *what, ProtobufCMessage **out, tfc_status *st);

/* Serializes m into a new buffer (tfc_free). */
tfc_code tfc__proto_pack(const ProtobufCMessage *m, uint8_t **out, size_t *n, tfc_status *st);

/* ---- Arena ----
 * Bump allocation for message trees that live only while being packed or printed; everything is
 * released by tfc__arena_free. Zero-initialised {0} is an empty arena. */
typedef struct tfc__arena {
    struct tfc__arena_chunk *chunks;
    void **owned; /* blocks from elsewhere, tfc_free'd with the arena */
    size_t n_owned, cap_owned;
    bool oom; /* set when an allocation failed; the caller checks once at the end */
} tfc__arena;

/* n zeroed bytes aligned for any type; NULL (and a->oom) when out of memory. */
void *tfc__arena_alloc(tfc__arena *a, size_t n);
char *tfc__arena_strdup(tfc__arena *a, const char *s);
/* A new message of type desc, initialised with its defaults. */
void *tfc__arena_message(tfc__arena *a, const ProtobufCMessageDescriptor *desc);
/* Hands p (a tfc_malloc block) to the arena, to be freed with it. On failure frees p now and sets
 * a->oom. */
void tfc__arena_own(tfc__arena *a, void *p);
void tfc__arena_free(tfc__arena *a);

#endif
