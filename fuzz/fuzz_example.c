/* libFuzzer target for the Example family: the input is parsed as an Example and as a
 * SequenceExample. Whatever parses must serialize, parse back equal (keys in the same order) and
 * reserialize to the same bytes; its text, JSON and key tree must render, and the JSON must read
 * back (equal, when every key is UTF-8, since JSON carries only Unicode). The input is also read
 * as JSON, and what that yields must survive the wire and then goes through all of the above as
 * bytes. A bad input must be INVALID_ARGUMENT, never anything else, and no call may leave an
 * allocation behind.
 *
 * Differential: each parse is checked against protobuf-c's protobuf_c_message_unpack. When
 * protobuf-c accepts the bytes, tfc must too and hold the same map (protobuf-c's entries in order,
 * the last one of a key winning, at the key's first position); when protobuf-c rejects them, tfc
 * must too. The known differences, and nothing else, are let through:
 * - tfc rejects what it cannot represent or what protobuf's C++ parser and upb reject but
 *   protobuf-c 1.4 lets by: a key holding a NUL byte (protobuf-c cuts the key there), field
 *   number 0 in a tag of two or more bytes, a tag over 32 bits (protobuf-c computes another field
 *   number from it), a length over 2 GiB (protobuf-c 1.4.1 wraps it to 32 bits);
 * - protobuf-c replaces a Feature's list when the same kind comes again (in one Feature, or in a
 *   second value of the same map entry) where protobuf appends: its list must then be the tail
 *   of tfc's, and only when the input has a Feature with two or more lists;
 * - protobuf-c 1.4.1 fails on a map entry whose value is given again when neither the values so
 *   far nor the new one has a kind (merge_messages looks up field number 0 and indexes the field
 *   array with -1): such inputs are not given to protobuf-c at all. */
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/example.h"

/* From tfc's protoc-c output of proto/example.proto (linked in libtfc). */
extern const ProtobufCMessageDescriptor tensorflow__example__descriptor;
extern const ProtobufCMessageDescriptor tensorflow__sequence_example__descriptor;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

/* ---- a wire walker, to see what the input holds where protobuf-c goes wrong ---- */

typedef struct wfield {
    uint32_t id;
    unsigned wt;
    const uint8_t *body;
    size_t len;
} wfield;

static size_t get_varint(const uint8_t *p, const uint8_t *end, size_t max, uint64_t *v) {
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

/* The next field of [*p, end); false at the end, or where the bytes stop making sense (*broken
 * is then set). */
static bool next_field(const uint8_t **p, const uint8_t *end, wfield *f, bool *broken) {
    if (*p >= end) return false;
    uint64_t tag = 0, len = 0;
    size_t k = get_varint(*p, end, 5, &tag);
    const uint8_t *q = *p + k;
    f->wt = (unsigned)(tag & 7);
    f->id = (uint32_t)(tag >> 3);
    if (!k) f->wt = 7;
    switch (f->wt) {
    case 0:
        len = get_varint(q, end, 10, &tag);
        k = len ? 0 : 7;
        break;
    case 1:
        len = 8, k = 0;
        break;
    case 5:
        len = 4, k = 0;
        break;
    case 2:
        k = get_varint(q, end, 5, &len);
        k = k ? k : 7;
        break;
    default:
        k = 7;
    }
    if (k == 7 || len > (uint64_t)(end - q - k)) {
        *broken = true;
        return false;
    }
    f->body = q + k;
    f->len = (size_t)len;
    *p = f->body + f->len;
    return true;
}

/* Lists (fields 1..3) in a Feature; -1 if it does not parse. */
static int feature_lists(const uint8_t *p, const uint8_t *end) {
    wfield f;
    bool broken = false;
    int n = 0;
    while (next_field(&p, end, &f, &broken)) n += f.id >= 1 && f.id <= 3;
    return broken ? -1 : n;
}

typedef struct scan {
    bool merge_bug;      /* protobuf-c would look up field 0 (see the top) */
    bool repeated_lists; /* some Feature gets two or more lists */
} scan;

/* Features (bug and lists) or FeatureLists (lists only) messages: the field-1 entries' values. */
static void scan_map(const uint8_t *p, const uint8_t *end, bool lists, scan *s) {
    wfield e, v, step;
    bool broken = false;
    while (next_field(&p, end, &e, &broken)) {
        if (e.id != 1 || e.wt != 2) continue;
        const uint8_t *q = e.body, *qe = e.body + e.len;
        int values = 0, total = 0;
        bool kind = false;
        while (next_field(&q, qe, &v, &broken)) {
            if (v.id != 2 || v.wt != 2) continue;
            if (lists) { /* a FeatureList: its steps */
                const uint8_t *r = v.body, *re = v.body + v.len;
                while (next_field(&r, re, &step, &broken))
                    if (step.id == 1 && feature_lists(step.body, step.body + step.len) >= 2)
                        s->repeated_lists = true;
                continue;
            }
            int n = feature_lists(v.body, v.body + v.len);
            if (values++ && !kind && n <= 0) s->merge_bug = true; /* unparsable counts as bad */
            kind = kind || n > 0;
            total += n > 0 ? n : 0;
        }
        if (total >= 2) s->repeated_lists = true;
    }
}

static scan scan_input(const uint8_t *data, size_t size) {
    scan s = {false, false};
    const uint8_t *p = data, *end = data + size;
    wfield f;
    bool broken = false;
    while (next_field(&p, end, &f, &broken))
        if (f.wt == 2 && (f.id == 1 || f.id == 2)) scan_map(f.body, f.body + f.len, f.id == 2, &s);
    return s;
}

/* ---- protobuf-c's result, read through its descriptors ---- */

static const ProtobufCFieldDescriptor *pb_field(const ProtobufCMessage *m, unsigned id) {
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->descriptor, id);
    CHECK(fd);
    return fd;
}

#define PB_AT(m, off, T) (*(T *)((const char *)(m) + (off)))

static const ProtobufCMessage *pb_sub(const ProtobufCMessage *m, unsigned id) {
    return m ? PB_AT(m, pb_field(m, id)->offset, const ProtobufCMessage *) : NULL;
}

static size_t pb_count(const ProtobufCMessage *m, unsigned id) {
    return m ? PB_AT(m, pb_field(m, id)->quantifier_offset, size_t) : 0;
}

static const void *pb_array(const ProtobufCMessage *m, unsigned id) {
    return PB_AT(m, pb_field(m, id)->offset, const void *);
}

/* tfc's feature t against protobuf-c's Feature p (see the top for relax). */
static bool feature_same(tfc_feature t, const ProtobufCMessage *p, bool relax) {
    uint32_t kind = PB_AT(p, pb_field(p, 1)->quantifier_offset, uint32_t);
    if (t.kind != (tfc_feature_kind)kind) return false;
    if (kind == 0) return t.count == 0;
    const ProtobufCMessage *list = pb_sub(p, kind);
    size_t n = pb_count(list, 1);
    if (n > t.count || (n < t.count && !relax)) return false;
    size_t skip = t.count - n;
    const void *vals = n ? pb_array(list, 1) : NULL;
    if (kind == TFC_FEATURE_FLOAT) return !n || !memcmp(t.floats + skip, vals, n * sizeof(float));
    if (kind == TFC_FEATURE_INT64) return !n || !memcmp(t.int64s + skip, vals, n * sizeof(int64_t));
    const ProtobufCBinaryData *b = vals;
    for (size_t i = 0; i < n; i++) {
        const tfc_bytes *x = &t.bytes[skip + i];
        if (x->size != b[i].len || (x->size && memcmp(x->data, b[i].data, x->size))) return false;
    }
    return true;
}

/* Map entries m (a Features or FeatureLists message, field 1) in order, the last of a key
 * winning at its first position: a tfc_features from key to the winning entry's index. */
static tfc_features *pb_map_index(tfc_example *holder, const ProtobufCMessage *m) {
    tfc_features *idx = tfc_example_features(holder);
    const ProtobufCMessage *const *entries = pb_count(m, 1) ? pb_array(m, 1) : NULL;
    for (size_t i = 0; i < pb_count(m, 1); i++) {
        int64_t v = (int64_t)i;
        const char *key = PB_AT(entries[i], pb_field(entries[i], 1)->offset, const char *);
        CHECK(tfc_features_set_int64s(idx, key, &v, 1) == TFC_OK);
    }
    return idx;
}

static void features_same(const tfc_features *t, const ProtobufCMessage *m, bool relax) {
    tfc_example *holder = tfc_example_new();
    CHECK(holder);
    const tfc_features *idx = pb_map_index(holder, m);
    CHECK(tfc_features_count(t) == tfc_features_count(idx));
    const ProtobufCMessage *const *entries = m ? pb_array(m, 1) : NULL;
    for (size_t i = 0; i < tfc_features_count(t); i++) {
        CHECK(!strcmp(tfc_features_key(t, i), tfc_features_key(idx, i)));
        const ProtobufCMessage *e = entries[tfc_features_at(idx, i).int64s[0]];
        const ProtobufCMessage *value = pb_sub(e, 2);
        tfc_feature f = tfc_features_at(t, i);
        CHECK(value ? feature_same(f, value, relax) : f.kind == TFC_FEATURE_NONE);
    }
    tfc_example_free(holder);
}

static void lists_same(const tfc_sequence_example *se, const ProtobufCMessage *m, bool relax) {
    tfc_example *holder = tfc_example_new();
    CHECK(holder);
    const tfc_features *idx = pb_map_index(holder, m);
    CHECK(tfc_sequence_example_num_lists(se) == tfc_features_count(idx));
    const ProtobufCMessage *const *entries = m ? pb_array(m, 1) : NULL;
    for (size_t i = 0; i < tfc_features_count(idx); i++) {
        CHECK(!strcmp(tfc_sequence_example_list_key(se, i), tfc_features_key(idx, i)));
        const ProtobufCMessage *fl = pb_sub(entries[tfc_features_at(idx, i).int64s[0]], 2);
        size_t steps = pb_count(fl, 1);
        CHECK(tfc_sequence_example_list_len(se, i) == steps);
        const ProtobufCMessage *const *feats = steps ? pb_array(fl, 1) : NULL;
        for (size_t s = 0; s < steps; s++)
            CHECK(feature_same(tfc_sequence_example_list_step(se, i, s), feats[s], relax));
    }
    tfc_example_free(holder);
}

/* What tfc rejects on purpose where protobuf-c 1.4 accepts (see the top). */
static bool tfc_stricter(const char *msg) {
    return strstr(msg, "key holds a NUL byte") || strstr(msg, "-byte field tag (field number 0)") ||
           strstr(msg, "is over 32 bits") || strstr(msg, "over protobuf's 2 GiB limit");
}

/* Checks tfc's verdict on data as an Example or a SequenceExample (code c, message st; fs and se
 * the result when OK) against protobuf-c's. */
static void differential(const uint8_t *data, size_t size, bool sequence, tfc_code c,
                         const tfc_status *st, const tfc_features *fs,
                         const tfc_sequence_example *se) {
    scan s = scan_input(data, size);
    if (s.merge_bug) return;
    ProtobufCMessage *pb = protobuf_c_message_unpack(
        sequence ? &tensorflow__sequence_example__descriptor : &tensorflow__example__descriptor,
        NULL, size, data);
    if (!pb) {
        CHECK(c != TFC_OK);
        return;
    }
    if (c != TFC_OK) {
        CHECK(tfc_stricter(st->msg));
    } else {
        features_same(fs, pb_sub(pb, 1), s.repeated_lists);
        if (sequence) lists_same(se, pb_sub(pb, 2), s.repeated_lists);
    }
    protobuf_c_message_free_unpacked(pb, NULL);
}

/* ---- tfc's own round trips ---- */

static bool keys_utf8(const char *s) {
    const uint8_t *p = (const uint8_t *)s;
    while (*p) {
        size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        uint32_t cp = len == 1 ? *p : len == 2 ? *p & 0x1fu : len == 3 ? *p & 0x0fu : *p & 0x07u;
        if (*p >= 0x80 && (*p < 0xc2 || *p > 0xf4)) return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += len;
    }
    return true;
}

static bool features_utf8(const tfc_features *fs) {
    for (size_t i = 0; i < tfc_features_count(fs); i++)
        if (!keys_utf8(tfc_features_key(fs, i))) return false;
    return true;
}

static void same_order(const tfc_features *a, const tfc_features *b) {
    CHECK(tfc_features_count(a) == tfc_features_count(b));
    for (size_t i = 0; i < tfc_features_count(a); i++)
        CHECK(!strcmp(tfc_features_key(a, i), tfc_features_key(b, i)));
}

static void check_example(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_example *ex;
    tfc_code c = tfc_example_parse(data, size, &ex, &st);
    differential(data, size, false, c, &st, ex ? tfc_example_features_const(ex) : NULL, NULL);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && ex == NULL && st.msg[0]);
        return;
    }
    uint8_t *buf, *buf2;
    size_t n, n2;
    CHECK(tfc_example_serialize(ex, &buf, &n, &st) == TFC_OK);
    tfc_example *back;
    CHECK(tfc_example_parse(buf, n, &back, &st) == TFC_OK);
    CHECK(tfc_example_equal(ex, back));
    same_order(tfc_example_features_const(ex), tfc_example_features_const(back));
    CHECK(tfc_example_serialize(back, &buf2, &n2, &st) == TFC_OK);
    CHECK(n == n2 && !memcmp(buf, buf2, n));
    CHECK(!tfc_example_is_sequence(buf, n));
    tfc_free(buf);
    tfc_free(buf2);
    tfc_example_free(back);

    char *text = tfc_example_to_text(ex), *json = tfc_example_to_json(ex);
    char *tree = tfc_features_key_tree(tfc_example_features_const(ex));
    CHECK(text && json && tree);
    CHECK(tfc_example_from_json(json, strlen(json), &back, &st) == TFC_OK);
    if (features_utf8(tfc_example_features_const(ex))) {
        CHECK(tfc_example_equal(ex, back));
        same_order(tfc_example_features_const(ex), tfc_example_features_const(back));
    }
    tfc_example_free(back);
    tfc_free(text);
    tfc_free(json);
    tfc_free(tree);
    tfc_example_free(ex);
}

static void check_sequence(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_sequence_example *se;
    tfc_code c = tfc_sequence_example_parse(data, size, &se, &st);
    differential(data, size, true, c, &st, se ? tfc_sequence_example_context_const(se) : NULL, se);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && se == NULL && st.msg[0]);
        return;
    }
    /* Field 1 is the same in both messages, so the bytes are an Example with that context. */
    tfc_example *ex;
    CHECK(tfc_example_parse(data, size, &ex, &st) == TFC_OK);
    CHECK(
        tfc_features_equal(tfc_example_features_const(ex), tfc_sequence_example_context_const(se)));
    tfc_example_free(ex);

    uint8_t *buf, *buf2;
    size_t n, n2;
    CHECK(tfc_sequence_example_serialize(se, &buf, &n, &st) == TFC_OK);
    tfc_sequence_example *back;
    CHECK(tfc_sequence_example_parse(buf, n, &back, &st) == TFC_OK);
    CHECK(tfc_sequence_example_equal(se, back));
    same_order(tfc_sequence_example_context_const(se), tfc_sequence_example_context_const(back));
    CHECK(tfc_sequence_example_serialize(back, &buf2, &n2, &st) == TFC_OK);
    CHECK(n == n2 && !memcmp(buf, buf2, n));
    CHECK(tfc_example_is_sequence(buf, n) == (tfc_sequence_example_num_lists(se) > 0));
    tfc_free(buf);
    tfc_free(buf2);
    tfc_sequence_example_free(back);

    char *text = tfc_sequence_example_to_text(se), *json = tfc_sequence_example_to_json(se);
    char *tree = tfc_sequence_example_key_tree(se);
    CHECK(text && json && tree);
    CHECK(tfc_sequence_example_from_json(json, strlen(json), &back, &st) == TFC_OK);
    bool utf8 = features_utf8(tfc_sequence_example_context_const(se));
    for (size_t i = 0; i < tfc_sequence_example_num_lists(se); i++)
        utf8 = utf8 && keys_utf8(tfc_sequence_example_list_key(se, i));
    if (utf8) CHECK(tfc_sequence_example_equal(se, back));
    tfc_sequence_example_free(back);
    tfc_free(text);
    tfc_free(json);
    tfc_free(tree);
    tfc_sequence_example_free(se);
}

/* JSON input (seeds can be written as JSON): what it yields round trips through the wire, and
 * its bytes then go through the checks above, protobuf-c included. */
static void check_json(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_example *ex;
    tfc_sequence_example *se;
    tfc_code c = tfc_example_from_json_any((const char *)data, size, &ex, &se, &st);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && !ex && !se && st.msg[0]);
        return;
    }
    CHECK(!ex != !se);
    uint8_t *buf;
    size_t n;
    if (ex) {
        tfc_example *back;
        CHECK(tfc_example_serialize(ex, &buf, &n, &st) == TFC_OK);
        CHECK(tfc_example_parse(buf, n, &back, &st) == TFC_OK);
        CHECK(tfc_example_equal(ex, back));
        tfc_example_free(back);
        check_example(buf, n);
    } else {
        tfc_sequence_example *back;
        CHECK(tfc_sequence_example_serialize(se, &buf, &n, &st) == TFC_OK);
        CHECK(tfc_sequence_example_parse(buf, n, &back, &st) == TFC_OK);
        CHECK(tfc_sequence_example_equal(se, back));
        tfc_sequence_example_free(back);
        check_sequence(buf, n);
    }
    tfc_free(buf);
    tfc_example_free(ex);
    tfc_sequence_example_free(se);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t live = tfc_alloc_live_count();
    check_example(data, size);
    check_sequence(data, size);
    check_json(data, size);
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
