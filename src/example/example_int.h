/* Private to src/example: the in-memory representation behind tfc_features, tfc_example and
 * tfc_sequence_example, and the helpers the parser, the writer and the text/JSON views share. */
#ifndef TFC_EXAMPLE_INT_H
#define TFC_EXAMPLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfc/example.h"

/* One Feature's values. data is NULL when count is 0, else one tfc_malloc block: float[count],
 * int64_t[count], or (BYTES) tfc_bytes[count] followed by the payloads they point into. */
typedef struct tfc__fval {
    tfc_feature_kind kind;
    size_t count;
    void *data;
} tfc__fval;

/* Key lookup for an array of structs whose first member is the (owned, NUL-terminated) key.
 * The slot table is a cache: when it cannot be allocated, lookups scan the array instead. */
typedef struct tfc__keymap {
    uint32_t *slots; /* index + 1, 0 = empty; cap slots, cap a power of two (0 = none) */
    size_t cap;
} tfc__keymap;

typedef struct tfc__fentry {
    char *key;
    tfc__fval v;
} tfc__fentry;

struct tfc_features {
    tfc__fentry *items;
    size_t n, cap;
    tfc__keymap map;
};

struct tfc_example {
    tfc_features features;
};

typedef struct tfc__flist {
    char *key;
    tfc__fval *steps;
    size_t n, cap;
} tfc__flist;

struct tfc_sequence_example {
    tfc_features context;
    tfc__flist *lists;
    size_t n, cap;
    tfc__keymap map;
};

/* ---- keymap.c / features.c ---- */
size_t tfc__keymap_find(const tfc__keymap *m, const void *items, size_t stride, size_t n,
                        const char *key); /* index, or SIZE_MAX */
/* Call after appending item n-1 (or after removing items: rebuild = true). Never fails: on
 * allocation failure the cache is dropped and lookups scan. */
void tfc__keymap_update(tfc__keymap *m, const void *items, size_t stride, size_t n, bool rebuild);
void tfc__keymap_free(tfc__keymap *m);

void tfc__fval_clear(tfc__fval *v); /* frees the values, leaves kind NONE */
tfc_feature tfc__fval_view(const tfc__fval *v);
/* Copies a view's values into *out (kind and count included). */
tfc_code tfc__fval_copy(const tfc_feature *src, tfc__fval *out);
/* Allocates a BYTES value of n items with payload_total bytes of payload space; the items'
 * data pointers are left for the caller to set (payload area starts at tfc__fval_payload). */
tfc_code tfc__fval_alloc_bytes(tfc__fval *out, size_t n, size_t payload_total);
uint8_t *tfc__fval_payload(const tfc__fval *v);
bool tfc__fval_equal(const tfc__fval *a, const tfc__fval *b);

void tfc__features_init(tfc_features *fs);
void tfc__features_clear(tfc_features *fs);
/* Replaces (keeping its position) or appends key; takes ownership of *v (left NONE). On
 * RESOURCE_EXHAUSTED *v stays the caller's. */
tfc_code tfc__features_put(tfc_features *fs, const char *key, tfc__fval *v);
/* The same with key a tfc_malloc'd string that is taken over (and freed if the key is there
 * already, or on failure). */
tfc_code tfc__features_put_owned(tfc_features *fs, char *key, tfc__fval *v);

/* ---- sequence_example.c ---- */
/* Finds or creates list key; *idx receives its position. */
tfc_code tfc__seq_list_get(tfc_sequence_example *se, const char *key, size_t *idx);
/* Takes ownership of *step (left NONE). */
tfc_code tfc__seq_list_push(tfc_sequence_example *se, size_t idx, tfc__fval *step);
/* Replaces list idx's steps by nothing (for a later duplicate key, which wins). */
void tfc__seq_list_reset(tfc_sequence_example *se, size_t idx);

/* ---- wire.c: the serializer ---- */
size_t tfc__features_wire_size(const tfc_features *fs);
uint8_t *tfc__features_wire_write(const tfc_features *fs, uint8_t *p);
size_t tfc__fval_wire_size(const tfc__fval *v);
uint8_t *tfc__fval_wire_write(const tfc__fval *v, uint8_t *p);
/* Field header: tag byte of a field < 16 with wire type LEN, then the varint length. */
size_t tfc__wire_len_field_size(size_t body);
uint8_t *tfc__wire_len_field(uint8_t *p, uint8_t tag, size_t body);
/* Largest message tfc serializes or parses: protobuf's 2 GiB limit. */
#define TFC__WIRE_MAX ((size_t)INT32_MAX)

/* ---- decode.c, decode_maps.c: the parser (rules in decode_int.h) ---- */
/* Reads a varint of at most max bytes from [p, end) into *v (bits past 64 dropped, as protobuf's
 * parsers do); returns its length, or 0 if it is truncated or longer. */
size_t tfc__wire_varint(const uint8_t *p, const uint8_t *end, size_t max, uint64_t *v);
/* Parses n bytes of an Example (se NULL: field 1 into fs) or a SequenceExample (field 1 into fs
 * = &se->context, field 2 into se's lists), adding to what fs and se hold. On error sets st to
 * INVALID_ARGUMENT "could not parse Example: PATH: PROBLEM at byte N" (or SequenceExample), or
 * RESOURCE_EXHAUSTED; fs and se then hold part of the message and are the caller's to free. */
tfc_code tfc__decode(const void *data, size_t n, tfc_features *fs, tfc_sequence_example *se,
                     tfc_status *st);

/* ---- strbuf.c: growable strings and the formatting shared by text, JSON and key trees ---- */
typedef struct tfc__sb {
    char *p;
    size_t n, cap;
    bool oom;
} tfc__sb;

void tfc__sb_put(tfc__sb *sb, const void *s, size_t n);
void tfc__sb_puts(tfc__sb *sb, const char *s);
void tfc__sb_putc(tfc__sb *sb, char c);
void tfc__sb_spaces(tfc__sb *sb, size_t n);
void tfc__sb_printf(tfc__sb *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Returns the NUL-terminated string (ownership passes to the caller), or NULL after an
 * allocation failure (everything freed). */
char *tfc__sb_finish(tfc__sb *sb);

/* A float as Python's protobuf prints it: the shortest of 6..9 significant digits that reads back
 * to f (through strtof and through strtod+cast), in repr style ("1.0", "0.25694445", "1e-05",
 * "3.4028235e+38"); "nan", "inf", "-inf" for the specials. Returns the length; out needs 32. */
size_t tfc__format_float(float f, char out[32]);
/* Protobuf text-format C escaping: \n \r \t \" \' \\ and \NNN octal for bytes < 0x20 or >= 0x7f,
 * except (utf8, for string fields) that valid UTF-8 sequences are kept, as protobuf prints them. */
void tfc__sb_cescape(tfc__sb *sb, const uint8_t *s, size_t n, bool utf8);
/* A JSON string body (no quotes); bytes that are not valid UTF-8 become U+FFFD. */
void tfc__sb_json_escape(tfc__sb *sb, const uint8_t *s, size_t n);
void tfc__sb_base64(tfc__sb *sb, const uint8_t *s, size_t n);
bool tfc__utf8_valid(const uint8_t *s, size_t n);
/* Length (1..4) of the valid UTF-8 sequence at s (n > 0 bytes available), or 0 if it is not one. */
size_t tfc__utf8_seq(const uint8_t *s, size_t n);

#endif
