/* The wire decoder against protobuf's rules, on inputs built field by field: merges of singular
 * messages, map entries given in pieces, the Feature oneof, packed and unpacked lists, unknown
 * fields, and the exact message for each kind of malformed input. */
#include <stdio.h>
#include <string.h>

#include "example_tests.h"

/* ---- a small wire builder ---- */

typedef struct wb {
    uint8_t b[600];
    size_t n;
} wb;

static void wb_put(wb *w, const void *p, size_t n) {
    if (w->n + n > sizeof w->b) fail_msg("test message too long");
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* Bytes from hex ("0a 01 6b"). */
static wb hx(const char *hex) {
    wb w = {.n = 0};
    unsigned v;
    int k;
    while (sscanf(hex, " %2x%n", &v, &k) == 1) {
        uint8_t b = (uint8_t)v;
        wb_put(&w, &b, 1);
        hex += k;
    }
    return w;
}

static wb cat(size_t n, const wb *parts) {
    wb w = {.n = 0};
    for (size_t i = 0; i < n; i++) wb_put(&w, parts[i].b, parts[i].n);
    return w;
}
#define CAT(...) cat(sizeof((wb[]){__VA_ARGS__}) / sizeof(wb), (wb[]){__VA_ARGS__})

/* A length-delimited field: tag, varint length, body. */
static wb fld(uint8_t tag, wb body) {
    wb w = {.n = 0};
    uint8_t hdr[1 + TFC_VARINT64_MAX];
    hdr[0] = tag;
    size_t k = 1 + tfc_varint_put64(hdr + 1, body.n);
    wb_put(&w, hdr, k);
    wb_put(&w, body.b, body.n);
    return w;
}

static wb str(uint8_t tag, const char *s) {
    wb w = {.n = 0};
    wb_put(&w, s, strlen(s));
    return fld(tag, w);
}

static const wb none = {.n = 0};

/* Map entry {key: k, value: v}; Example {features {entries}}. */
static wb entry(const char *k, wb v) {
    return fld(0x0a, CAT(str(0x0a, k), fld(0x12, v)));
}
static wb example(wb entries) {
    return fld(0x0a, entries);
}
#define I64(hexvals) fld(0x1a, fld(0x0a, hx(hexvals))) /* Feature {int64_list {packed}} */
#define F32(hexvals) fld(0x12, fld(0x0a, hx(hexvals))) /* Feature {float_list {packed}} */

static tfc_example *parse_wb(wb w) {
    return ex_parse_ok(w.b, w.n);
}

static void assert_int64s(const tfc_example *ex, const char *key, const int64_t *want, size_t n) {
    const int64_t *v;
    size_t got;
    tfc_status st = {0};
    if (tfc_features_get_int64s(tfc_example_features_const(ex), key, &v, &got, &st) != TFC_OK)
        fail_msg("%s", st.msg);
    tfc_feature f;
    tfc_features_find(tfc_example_features_const(ex), key, &f);
    assert_int_equal(f.kind, TFC_FEATURE_INT64);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) assert_int_equal(v[i], want[i]);
}

static void assert_floats(const tfc_example *ex, const char *key, const float *want, size_t n) {
    tfc_feature f;
    assert_true(tfc_features_find(tfc_example_features_const(ex), key, &f));
    assert_int_equal(f.kind, TFC_FEATURE_FLOAT);
    assert_int_equal(f.count, n);
    for (size_t i = 0; i < n; i++) assert_true(f.floats[i] == want[i]);
}

static void assert_strings(tfc_feature f, const char *const *want, size_t n) {
    assert_int_equal(f.kind, TFC_FEATURE_BYTES);
    assert_int_equal(f.count, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f.bytes[i].size, strlen(want[i]));
        assert_memory_equal(f.bytes[i].data, want[i], f.bytes[i].size);
    }
}

/* ---- well-formed inputs ---- */

/* Found by fuzzing: one entry whose value is given twice, both empty. protobuf-c 1.4.1 fails on
 * it (its merge of two Features with no kind looks up field number 0); TF accepts it. */
static void test_value_twice_empty(void **state) {
    (void)state;
    static const uint8_t in[] = {0x0a, 0x06, 0x0a, 0x04, 0x12, 0x00, 0x12, 0x00};
    tfc_example *ex = ex_parse_ok(in, sizeof in);
    const tfc_features *fs = tfc_example_features_const(ex);
    assert_int_equal(tfc_features_count(fs), 1);
    assert_string_equal(tfc_features_key(fs, 0), "");
    tfc_feature f = tfc_features_at(fs, 0);
    assert_int_equal(f.kind, TFC_FEATURE_NONE);
    assert_int_equal(f.count, 0);
    size_t n;
    uint8_t *buf = ex_serialize_ok(ex, &n);
    static const uint8_t want[] = {0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x00, 0x12, 0x00};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, n);
    tfc_free(buf);
    tfc_example_free(ex);

    /* The same bytes as a SequenceExample: the context. */
    tfc_sequence_example *se;
    TU_OK(tfc_sequence_example_parse(in, sizeof in, &se, NULL));
    assert_int_equal(tfc_features_count(tfc_sequence_example_context_const(se)), 1);
    assert_int_equal(tfc_sequence_example_num_lists(se), 0);
    tfc_sequence_example_free(se);
}

static void test_features_merged(void **state) {
    (void)state;
    /* features {a: [1], b: [2]} features {c: [3], a: [4]}: one map a=4, b=2, c=3 in that order. */
    wb in = CAT(example(CAT(entry("a", I64("01")), entry("b", I64("02")))),
                example(CAT(entry("c", I64("03")), entry("a", I64("04")))));
    tfc_example *ex = parse_wb(in);
    const tfc_features *fs = tfc_example_features_const(ex);
    assert_int_equal(tfc_features_count(fs), 3);
    const char *order[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) assert_string_equal(tfc_features_key(fs, i), order[i]);
    assert_int64s(ex, "a", (int64_t[]){4}, 1);
    assert_int64s(ex, "c", (int64_t[]){3}, 1);
    tfc_example_free(ex);

    /* An empty features field merges as nothing; unknown top-level fields are skipped. */
    in = CAT(example(none), hx("10 05"), example(entry("x", none)), example(none));
    ex = parse_wb(in);
    assert_int_equal(tfc_features_count(tfc_example_features(ex)), 1);
    tfc_example_free(ex);
}

static void test_value_given_twice(void **state) {
    (void)state;
    /* In one entry, value {…} value {…} is one Feature merged from both. */
    wb in = example(CAT(
        /* same kind: values appended */
        fld(0x0a, CAT(str(0x0a, "same"), fld(0x12, I64("01")), fld(0x12, I64("02 03")))),
        /* the second empty: the first stays */
        fld(0x0a, CAT(str(0x0a, "keep"), fld(0x12, I64("07")), fld(0x12, none))),
        /* the first empty: the second's kind */
        fld(0x0a, CAT(str(0x0a, "late"), fld(0x12, none), fld(0x12, F32("00 00 00 3f")))),
        /* another kind: replaces */
        fld(0x0a, CAT(str(0x0a, "swap"), fld(0x12, I64("01")), fld(0x12, F32("00 00 80 3f")))),
        /* bytes appended across the two (the first list's payload moves) */
        fld(0x0a, CAT(str(0x0a, "bytes"), fld(0x12, fld(0x0a, CAT(str(0x0a, "a"), str(0x0a, "")))),
                      fld(0x12, fld(0x0a, str(0x0a, "bc")))))));
    tfc_example *ex = parse_wb(in);
    assert_int64s(ex, "same", (int64_t[]){1, 2, 3}, 3);
    assert_int64s(ex, "keep", (int64_t[]){7}, 1);
    assert_floats(ex, "late", (float[]){0.5f}, 1);
    assert_floats(ex, "swap", (float[]){1.0f}, 1);
    tfc_feature f;
    assert_true(tfc_features_find(tfc_example_features(ex), "bytes", &f));
    assert_strings(f, (const char *[]){"a", "", "bc"}, 3);
    tfc_example_free(ex);
}

static void test_oneof_in_one_feature(void **state) {
    (void)state;
    wb in = example(CAT(
        /* int64_list twice in one Feature: appended */
        entry("i", CAT(fld(0x1a, fld(0x0a, hx("01"))),
                       fld(0x1a, CAT(hx("08 02"), fld(0x0a, hx("03")))))),
        /* int64 → float → bytes: the last kind only */
        entry("k", CAT(I64("01"), F32("00 00 80 3f"), fld(0x0a, str(0x0a, "z")))),
        /* bytes → int64 → bytes: the earlier bytes are gone */
        entry("b", CAT(fld(0x0a, str(0x0a, "old")), I64("05"), fld(0x0a, str(0x0a, "new")))),
        /* an empty list of a new kind still replaces: float_list {} */
        entry("e", CAT(I64("01"), fld(0x12, none)))));
    tfc_example *ex = parse_wb(in);
    assert_int64s(ex, "i", (int64_t[]){1, 2, 3}, 3);
    tfc_feature f;
    assert_true(tfc_features_find(tfc_example_features(ex), "k", &f));
    assert_strings(f, (const char *[]){"z"}, 1);
    assert_true(tfc_features_find(tfc_example_features(ex), "b", &f));
    assert_strings(f, (const char *[]){"new"}, 1);
    assert_true(tfc_features_find(tfc_example_features(ex), "e", &f));
    assert_int_equal(f.kind, TFC_FEATURE_FLOAT);
    assert_int_equal(f.count, 0);
    tfc_example_free(ex);
}

static void test_packed_unpacked_mixed(void **state) {
    (void)state;
    /* float_list: 1.0 unpacked, [2.0, 3.0] packed, an unknown field of each wire type, 4.0
     * unpacked, an empty packed run. */
    wb fl = CAT(hx("0d 00 00 80 3f"), fld(0x0a, hx("00 00 00 40 00 00 40 40")),
                hx("10 ff ff ff ff ff ff ff ff ff 01"), hx("19 01 02 03 04 05 06 07 08"),
                str(0x22, "xy"), hx("2d 01 02 03 04"), hx("0d 00 00 80 40"), fld(0x0a, none));
    /* int64_list: -1 unpacked (10 bytes), [300, 0] packed, 5 unpacked, [-2] packed. */
    wb il = CAT(hx("08 ff ff ff ff ff ff ff ff ff 01"), fld(0x0a, hx("ac 02 00")), hx("08 05"),
                fld(0x0a, hx("fe ff ff ff ff ff ff ff ff 01")));
    wb in = example(CAT(entry("f", fld(0x12, fl)), entry("i", fld(0x1a, il))));
    tfc_example *ex = parse_wb(in);
    assert_floats(ex, "f", (float[]){1, 2, 3, 4}, 4);
    assert_int64s(ex, "i", (int64_t[]){-1, 300, 0, 5, -2}, 5);
    tfc_example_free(ex);

    /* Bits past 64 in a 10th varint byte are dropped, as protobuf's parsers (C++, upb,
     * protobuf-c) do: ff×9 7f reads as -1. */
    ex = parse_wb(example(entry("o", I64("ff ff ff ff ff ff ff ff ff 7f"))));
    assert_int64s(ex, "o", (int64_t[]){-1}, 1);
    tfc_example_free(ex);
}

static void test_entry_pieces(void **state) {
    (void)state;
    wb in = example(CAT(
        /* value before key; key twice: the last one */
        fld(0x0a, CAT(fld(0x12, I64("01")), str(0x0a, "first"), str(0x0a, "k"))),
        /* no key: "" */
        fld(0x0a, fld(0x12, I64("02"))),
        /* no value: an empty Feature; unknown fields in the entry */
        fld(0x0a, CAT(hx("18 01"), str(0x0a, "nv"), hx("25 00 00 00 00"))),
        /* an empty entry: key "" again, replacing its value by an empty Feature */
        fld(0x0a, none)));
    tfc_example *ex = parse_wb(in);
    const tfc_features *fs = tfc_example_features_const(ex);
    assert_int_equal(tfc_features_count(fs), 3);
    assert_string_equal(tfc_features_key(fs, 0), "k");
    assert_string_equal(tfc_features_key(fs, 1), "");
    assert_string_equal(tfc_features_key(fs, 2), "nv");
    assert_int64s(ex, "k", (int64_t[]){1}, 1);
    assert_int_equal(tfc_features_at(fs, 1).kind, TFC_FEATURE_NONE);
    assert_int_equal(tfc_features_at(fs, 2).kind, TFC_FEATURE_NONE);
    assert_false(tfc_features_find(fs, "first", NULL));
    tfc_example_free(ex);
}

static void test_sequence_merges(void **state) {
    (void)state;
    /* A FeatureList { 1: Feature ... } with int64 steps. */
    wb step1 = fld(0x0a, I64("01")), step2 = fld(0x0a, I64("02")), step3 = fld(0x0a, I64("03"));
    wb in = CAT(
        /* context twice: merged */
        fld(0x0a, entry("c1", I64("01"))),
        /* feature_lists: t's value twice (steps concatenated), u with no value */
        fld(0x12,
            CAT(fld(0x0a, CAT(str(0x0a, "t"), fld(0x12, step1), fld(0x12, CAT(step2, step3)))),
                fld(0x0a, str(0x0a, "u")))),
        fld(0x0a, entry("c2", I64("02"))),
        /* feature_lists again: merged, u given again wins with one step (an empty Feature) */
        fld(0x12, fld(0x0a, CAT(str(0x0a, "u"), fld(0x12, fld(0x0a, none))))));
    tfc_sequence_example *se;
    tfc_status st = {0};
    if (tfc_sequence_example_parse(in.b, in.n, &se, &st) != TFC_OK) fail_msg("%s", st.msg);
    assert_int_equal(tfc_features_count(tfc_sequence_example_context_const(se)), 2);
    assert_int_equal(tfc_sequence_example_num_lists(se), 2);
    assert_string_equal(tfc_sequence_example_list_key(se, 0), "t");
    assert_int_equal(tfc_sequence_example_list_len(se, 0), 3);
    for (size_t s = 0; s < 3; s++)
        assert_int_equal(tfc_sequence_example_list_step(se, 0, s).int64s[0], (int64_t)s + 1);
    assert_int_equal(tfc_sequence_example_list_len(se, 1), 1);
    assert_int_equal(tfc_sequence_example_list_step(se, 1, 0).kind, TFC_FEATURE_NONE);
    tfc_sequence_example_free(se);

    /* is_sequence walks the top level by the parser's rules: a 10-byte varint with bits past 64
     * before the lists does not hide them. */
    in = CAT(hx("10 ff ff ff ff ff ff ff ff ff 7f"), fld(0x12, none));
    assert_true(tfc_example_is_sequence(in.b, in.n));
}

/* ---- malformed inputs: the exact message ---- */

static void assert_error(wb in, bool sequence, const char *want) {
    tfc_status st = {0};
    tfc_code c;
    if (sequence) {
        tfc_sequence_example *se = (tfc_sequence_example *)1;
        c = tfc_sequence_example_parse(in.b, in.n, &se, &st);
        assert_null(se);
    } else {
        tfc_example *ex = (tfc_example *)1;
        c = tfc_example_parse(in.b, in.n, &ex, &st);
        assert_null(ex);
    }
    assert_int_equal(c, TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, want);
}

static void test_malformed(void **state) {
    (void)state;
    /* byte 0: 0a 0a | 2: 0a 08 | 4: 0a 01 'k' | 7: 12 03 | 9: 1a 01 | 11: 08 (int64_list body) */
    assert_error(example(entry("k", fld(0x1a, hx("08")))), false,
                 "could not parse Example: features.feature[\"k\"].value.int64_list: field 1: "
                 "varint is truncated or longer than 10 bytes at byte 12");
    assert_error(example(entry("k", fld(0x1a, hx("08 80")))), false,
                 "could not parse Example: features.feature[\"k\"].value.int64_list: field 1: "
                 "varint is truncated or longer than 10 bytes at byte 12");
    /* 11 bytes of varint: too long, unpacked (an unknown field) and packed. */
    assert_error(hx("10 ff ff ff ff ff ff ff ff ff ff 01"), false,
                 "could not parse Example: field 2: varint is truncated or longer than 10 bytes "
                 "at byte 1");
    assert_error(example(entry("k", I64("05 ff ff ff ff ff ff ff ff ff ff 01"))), false,
                 "could not parse Example: features.feature[\"k\"].value.int64_list: packed "
                 "int64 value is truncated or longer than 10 bytes at byte 14");
    assert_error(example(entry("k", I64("05 80"))), false,
                 "could not parse Example: features.feature[\"k\"].value.int64_list: packed "
                 "int64 value is truncated or longer than 10 bytes at byte 14");
    /* byte 11: 0a 03 (packed floats) */
    assert_error(example(entry("k", F32("00 00 00"))), false,
                 "could not parse Example: features.feature[\"k\"].value.float_list: packed "
                 "floats take 3 bytes, not a multiple of 4 at byte 11");
    assert_error(CAT(example(entry("k", none)), hx("22 05 01")), false,
                 "could not parse Example: field 4 (length-delimited, 5 bytes) runs past the end "
                 "of the message (1 bytes left) at byte 9");
    assert_error(example(entry("k", fld(0x12, hx("0d 00 00")))), false,
                 "could not parse Example: features.feature[\"k\"].value.float_list: field 1 "
                 "(32-bit, 4 bytes) runs past the end of the message (2 bytes left) at byte 11");
    assert_error(hx("12 ff ff ff ff 0f"), false,
                 "could not parse Example: field 2: length 4294967295 is over protobuf's 2 GiB "
                 "limit at byte 1");
    assert_error(hx("12 80 80 80 80 80 01"), false,
                 "could not parse Example: field 2: length is truncated or longer than 5 bytes at "
                 "byte 1");
    /* Tags: over 5 bytes, over 32 bits, field number 0 in a longer encoding, groups. */
    assert_error(
        hx("80 80 80 80 80 01"), false,
        "could not parse Example: field tag is truncated or longer than 5 bytes at byte 0");
    assert_error(hx("8a 80 80 80 10 00"), false,
                 "could not parse Example: field tag 0x10000000a is over 32 bits at byte 0");
    assert_error(hx("82 00 00"), false,
                 "could not parse Example: invalid 2-byte field tag (field number 0) at byte 0");
    assert_error(example(entry("k", hx("0b"))), false,
                 "could not parse Example: features.feature[\"k\"].value: field 1 is a group "
                 "(wire type 3), not supported at byte 9");
    assert_error(hx("3c"), false,
                 "could not parse Example: field 7 is a group (wire type 4), not supported at "
                 "byte 0");
    /* A known field with another wire type. */
    assert_error(example(fld(0x0a, hx("08 01"))), false,
                 "could not parse Example: features.feature[0]: field 1 (key) has wire type "
                 "varint, expected length-delimited at byte 4");
    assert_error(example(entry("k", fld(0x0a, hx("08 01")))), false,
                 "could not parse Example: features.feature[\"k\"].value.bytes_list: field 1 "
                 "(value) has wire type varint, expected length-delimited at byte 11");
    assert_error(example(entry("k", fld(0x1a, hx("0d 00 00 00 00")))), false,
                 "could not parse Example: features.feature[\"k\"].value.int64_list: field 1 "
                 "(value) has wire type 32-bit, expected varint at byte 11");
    assert_error(example(entry("k", hx("10 00"))), false,
                 "could not parse Example: features.feature[\"k\"].value: field 2 (float_list) "
                 "has wire type varint, expected length-delimited at byte 9");
    /* SequenceExample: the step's index in the path; a key after the problem still names it. */
    wb steps = CAT(fld(0x0a, none), fld(0x0a, F32("00 00 00")));
    assert_error(fld(0x12, fld(0x0a, CAT(fld(0x12, steps), str(0x0a, "t")))), true,
                 "could not parse SequenceExample: feature_lists.feature_list[\"t\"].value."
                 "feature[1].float_list: packed floats take 3 bytes, not a multiple of 4 at "
                 "byte 12");
    assert_error(hx("12 02 08 00"), true,
                 "could not parse SequenceExample: feature_lists: field 1 (feature_list) has "
                 "wire type varint, expected length-delimited at byte 2");
    /* Field 2 is unknown to an Example: skipped whatever its wire type. */
    tfc_example *ex = ex_parse_ok((const uint8_t[]){0x10, 0x00}, 2);
    tfc_example_free(ex);
}

int tu_run_example_decode(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_value_twice_empty),     TU_TEST(test_features_merged),
        TU_TEST(test_value_given_twice),     TU_TEST(test_oneof_in_one_feature),
        TU_TEST(test_packed_unpacked_mixed), TU_TEST(test_entry_pieces),
        TU_TEST(test_sequence_merges),       TU_TEST(test_malformed),
    };
    return cmocka_run_group_tests_name("example_decode", tests, NULL, NULL);
}
