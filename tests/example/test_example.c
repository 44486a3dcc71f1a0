/* The example part's test executable; this file: building, parsing and serializing Example and
 * SequenceExample against hand-written wire bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_tests.h"

tfc_example *ex_parse_ok(const void *data, size_t n) {
    tfc_status st = {0};
    tfc_example *ex = NULL;
    if (tfc_example_parse(data, n, &ex, &st) != TFC_OK) fail_msg("parse: %s", st.msg);
    return ex;
}

uint8_t *ex_serialize_ok(const tfc_example *ex, size_t *n) {
    tfc_status st = {0};
    uint8_t *buf = NULL;
    if (tfc_example_serialize(ex, &buf, n, &st) != TFC_OK) fail_msg("serialize: %s", st.msg);
    return buf;
}

void ex_assert_msg(const tfc_status *st, const char *want) {
    if (!strstr(st->msg, want)) fail_msg("message '%s' lacks '%s'", st->msg, want);
}

static void assert_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t want_n) {
    if (n != want_n || (n && memcmp(got, want, n))) {
        char g[512] = "", *p = g;
        for (size_t i = 0; i < n && p < g + sizeof g - 4; i++) p += sprintf(p, "%02x ", got[i]);
        fail_msg("bytes differ (got %zu, want %zu): %s", n, want_n, g);
    }
}

/* Serializes ex and checks the bytes. */
static void assert_serializes_to(const tfc_example *ex, const uint8_t *want, size_t want_n) {
    size_t n;
    uint8_t *buf = ex_serialize_ok(ex, &n);
    assert_bytes(buf, n, want, want_n);
    tfc_free(buf);
}

/* An Example map entry {key: "k", value {int64_list {value: v}}} for one-byte k and v < 128. */
#define ENTRY_I64(k, v) 0x0a, 0x0a, 0x0a, 0x01, k, 0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, v

static void test_build_serialize_exact(void **state) {
    (void)state;
    tfc_example *ex = tfc_example_new();
    assert_non_null(ex);
    assert_int_equal(tfc_example_set_int64s(ex, "label", (int64_t[]){7}, 1), TFC_OK);
    static const uint8_t want[] = {0x0a, 0x10, 0x0a, 0x0e, 0x0a, 0x05, 'l',  'a',  'b',
                                   'e',  'l',  0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x07};
    assert_serializes_to(ex, want, sizeof want);
    tfc_example_free(ex);

    /* An empty Example is zero bytes, and zero bytes parse as an empty Example. */
    ex = tfc_example_new();
    assert_serializes_to(ex, NULL, 0);
    tfc_example_free(ex);
    ex = ex_parse_ok(NULL, 0);
    assert_int_equal(tfc_features_count(tfc_example_features(ex)), 0);
    tfc_example_free(ex);
}

static void test_roundtrip_all_kinds(void **state) {
    (void)state;
    tfc_example *ex = tfc_example_new();
    const float fl[] = {1.5f, -0.0f, INFINITY, -INFINITY, NAN, 3.4028235e38f, 1e-45f};
    const int64_t il[] = {0, -1, INT64_MIN, INT64_MAX, 300, 127, 128};
    const tfc_bytes bl[] = {
        {(const uint8_t *)"", 0}, {(const uint8_t *)"a\0b", 3}, {(const uint8_t *)"\xff\x80", 2}};
    tfc_features *fs = tfc_example_features(ex);
    assert_int_equal(tfc_features_set_floats(fs, "z/floats", fl, 7), TFC_OK);
    assert_int_equal(tfc_features_set_int64s(fs, "a/ints", il, 7), TFC_OK);
    assert_int_equal(tfc_features_set_bytes(fs, "m/bytes", bl, 3), TFC_OK);
    assert_int_equal(tfc_features_set_empty(fs, "empty"), TFC_OK);
    assert_int_equal(tfc_features_set_floats(fs, "no_floats", NULL, 0), TFC_OK);
    assert_int_equal(tfc_features_set_int64s(fs, "no_ints", NULL, 0), TFC_OK);
    assert_int_equal(tfc_features_set_bytes(fs, "no_bytes", NULL, 0), TFC_OK);
    assert_int_equal(tfc_features_set_int64s(fs, "", il, 1), TFC_OK);

    size_t n;
    uint8_t *buf = ex_serialize_ok(ex, &n);
    tfc_example *back = ex_parse_ok(buf, n);
    assert_true(tfc_example_equal(ex, back));
    const tfc_features *bf = tfc_example_features_const(back);
    assert_int_equal(tfc_features_count(bf), 8);
    const char *order[] = {"z/floats",  "a/ints",  "m/bytes",  "empty",
                           "no_floats", "no_ints", "no_bytes", ""};
    for (size_t i = 0; i < 8; i++) assert_string_equal(tfc_features_key(bf, i), order[i]);
    assert_null(tfc_features_key(bf, 8));

    tfc_feature f;
    assert_true(tfc_features_find(bf, "no_floats", &f));
    assert_int_equal(f.kind, TFC_FEATURE_FLOAT); /* an empty list keeps its kind */
    assert_int_equal(f.count, 0);
    assert_true(tfc_features_find(bf, "empty", &f));
    assert_int_equal(f.kind, TFC_FEATURE_NONE);
    assert_true(tfc_features_find(bf, "z/floats", &f));
    assert_true(signbit(f.floats[1]) && f.floats[1] == 0.0f);
    assert_true(isnan(f.floats[4]));
    assert_true(tfc_features_find(bf, "m/bytes", &f));
    assert_int_equal(f.bytes[1].size, 3);
    assert_memory_equal(f.bytes[1].data, "a\0b", 3);

    /* Serializing what was parsed gives the same bytes. */
    size_t n2;
    uint8_t *buf2 = ex_serialize_ok(back, &n2);
    assert_bytes(buf2, n2, buf, n);
    tfc_free(buf);
    tfc_free(buf2);
    tfc_example_free(back);
    tfc_example_free(ex);
}

static void test_unpacked_and_mixed(void **state) {
    (void)state;
    /* float_list written unpacked (wire type 5, one field per value). */
    static const uint8_t unpacked[] = {0x0a, 0x13, 0x0a, 0x11, 0x0a, 0x01, 'f',
                                       0x12, 0x0c, 0x12, 0x0a, 0x0d, 0x00, 0x00,
                                       0xc0, 0x3f, 0x0d, 0x00, 0x00, 0x00, 0x40};
    static const uint8_t packed[] = {0x0a, 0x13, 0x0a, 0x11, 0x0a, 0x01, 'f',
                                     0x12, 0x0c, 0x12, 0x0a, 0x0a, 0x08, 0x00,
                                     0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0x40};
    tfc_example *ex = ex_parse_ok(unpacked, sizeof unpacked);
    const float *fv;
    size_t n;
    TU_OK(tfc_features_get_floats(tfc_example_features(ex), "f", &fv, &n, NULL));
    assert_int_equal(n, 2);
    assert_true(fv[0] == 1.5f && fv[1] == 2.0f);
    assert_serializes_to(ex, packed, sizeof packed);
    tfc_example_free(ex);

    /* int64_list mixing unpacked varints and a packed run: 1, [2, 3], 4. */
    static const uint8_t mixed[] = {0x0a, 0x11, 0x0a, 0x0f, 0x0a, 0x01, 'i',  0x12, 0x0a, 0x1a,
                                    0x08, 0x08, 0x01, 0x0a, 0x02, 0x02, 0x03, 0x08, 0x04};
    ex = ex_parse_ok(mixed, sizeof mixed);
    const int64_t *iv;
    TU_OK(tfc_features_get_int64s(tfc_example_features(ex), "i", &iv, &n, NULL));
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(iv[i], i + 1);
    static const uint8_t mixed_packed[] = {0x0a, 0x0f, 0x0a, 0x0d, 0x0a, 0x01, 'i', 0x12, 0x08,
                                           0x1a, 0x06, 0x0a, 0x04, 1,    2,    3,   4};
    assert_serializes_to(ex, mixed_packed, sizeof mixed_packed);
    tfc_example_free(ex);

    /* A negative int64 takes 10 bytes, unpacked or packed. */
    static const uint8_t neg[] = {0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x01, 'n',  0x12, 0x10,
                                  0x1a, 0x0e, 0x0a, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x01, 0x05, 0x06};
    ex = ex_parse_ok(neg, sizeof neg);
    TU_OK(tfc_features_get_int64s(tfc_example_features(ex), "n", &iv, &n, NULL));
    assert_int_equal(n, 3);
    assert_true(iv[0] == -1 && iv[1] == 5 && iv[2] == 6);
    assert_serializes_to(ex, neg, sizeof neg);
    tfc_example_free(ex);
}

static void test_empty_feature(void **state) {
    (void)state;
    static const uint8_t empty[] = {0x0a, 0x07, 0x0a, 0x05, 0x0a, 0x01, 'k', 0x12, 0x00};
    tfc_example *ex = ex_parse_ok(empty, sizeof empty);
    const tfc_features *fs = tfc_example_features_const(ex);
    tfc_feature f = tfc_features_at(fs, 0);
    assert_int_equal(f.kind, TFC_FEATURE_NONE);
    assert_int_equal(f.count, 0);
    /* An empty Feature reads as zero values of any kind. */
    const float *fv = (const float *)1;
    const int64_t *iv;
    const tfc_bytes *bv;
    size_t n = 9;
    TU_OK(tfc_features_get_floats(fs, "k", &fv, &n, NULL));
    assert_int_equal(n, 0);
    assert_null(fv);
    TU_OK(tfc_features_get_int64s(fs, "k", &iv, &n, NULL));
    TU_OK(tfc_features_get_bytes(fs, "k", &bv, &n, NULL));
    assert_int_equal(n, 0);
    assert_serializes_to(ex, empty, sizeof empty);
    tfc_example_free(ex);

    /* A map entry without a value is an empty Feature too; it is written with one. */
    static const uint8_t no_value[] = {0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'k'};
    ex = ex_parse_ok(no_value, sizeof no_value);
    assert_int_equal(tfc_features_at(tfc_example_features(ex), 0).kind, TFC_FEATURE_NONE);
    assert_serializes_to(ex, empty, sizeof empty);
    tfc_example_free(ex);
}

static void test_duplicate_keys_last_wins(void **state) {
    (void)state;
    /* a=1, b=2, a=3 in one Features, and the same split over three features fields (which
     * protobuf merges). Either way: a=3, b=2, in the order a, b. */
    static const uint8_t one[] = {0x0a, 0x24, ENTRY_I64('a', 1), ENTRY_I64('b', 2),
                                  ENTRY_I64('a', 3)};
    static const uint8_t split[] = {0x0a, 0x0c, ENTRY_I64('a', 1), 0x0a, 0x0c, ENTRY_I64('b', 2),
                                    0x0a, 0x0c, ENTRY_I64('a', 3)};
    static const uint8_t want[] = {0x0a, 0x18, ENTRY_I64('a', 3), ENTRY_I64('b', 2)};
    const uint8_t *inputs[] = {one, split};
    size_t sizes[] = {sizeof one, sizeof split};
    for (int k = 0; k < 2; k++) {
        tfc_example *ex = ex_parse_ok(inputs[k], sizes[k]);
        const tfc_features *fs = tfc_example_features_const(ex);
        assert_int_equal(tfc_features_count(fs), 2);
        assert_string_equal(tfc_features_key(fs, 0), "a");
        assert_string_equal(tfc_features_key(fs, 1), "b");
        assert_int_equal(tfc_features_at(fs, 0).int64s[0], 3);
        assert_serializes_to(ex, want, sizeof want);
        tfc_example_free(ex);
    }
}

static void test_wrong_kind_and_missing(void **state) {
    (void)state;
    tfc_example *ex = tfc_example_new();
    TU_OK(tfc_example_set_int64s(ex, "label", (int64_t[]){7}, 1));
    const float *fv;
    const tfc_bytes *bv;
    size_t n;
    tfc_status st = {0};
    assert_int_equal(tfc_features_get_floats(tfc_example_features(ex), "label", &fv, &n, &st),
                     TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "feature 'label' is int64_list, not float_list");
    assert_int_equal(tfc_features_get_bytes(tfc_example_features(ex), "label", &bv, &n, &st),
                     TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "feature 'label' is int64_list, not bytes_list");
    assert_int_equal(tfc_features_get_floats(tfc_example_features(ex), "nope", &fv, &n, &st),
                     TFC_NOT_FOUND);
    assert_string_equal(st.msg, "no feature 'nope'");
    assert_false(tfc_features_find(tfc_example_features(ex), "nope", NULL));
    assert_int_equal(tfc_example_set_floats(ex, NULL, NULL, 0), TFC_INVALID_ARGUMENT);
    assert_int_equal(tfc_example_set_floats(ex, "x", NULL, 2), TFC_INVALID_ARGUMENT);
    assert_false(tfc_features_find(tfc_example_features(ex), "x", NULL));
    assert_string_equal(tfc_feature_kind_name(TFC_FEATURE_NONE), "none");
    assert_string_equal(tfc_feature_kind_name(TFC_FEATURE_BYTES), "bytes_list");
    tfc_example_free(ex);
}

static void test_set_replace_remove_many(void **state) {
    (void)state;
    tfc_example *ex = tfc_example_new();
    tfc_features *fs = tfc_example_features(ex);
    char key[32];
    for (int64_t i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%lld", (long long)i);
        TU_OK(tfc_features_set_int64s(fs, key, &i, 1));
    }
    /* Replacing keeps the position; the type may change. */
    TU_OK(tfc_features_set_floats(fs, "k5", (float[]){2.5f}, 1));
    assert_string_equal(tfc_features_key(fs, 5), "k5");
    assert_int_equal(tfc_features_at(fs, 5).kind, TFC_FEATURE_FLOAT);
    /* Copying a view of fs into fs itself. */
    tfc_feature f = tfc_features_at(fs, 7);
    TU_OK(tfc_features_set(fs, "k8", &f));
    assert_int_equal(tfc_features_at(fs, 8).int64s[0], 7);
    TU_OK(tfc_features_set(fs, "k7", &f));
    assert_int_equal(tfc_features_at(fs, 7).int64s[0], 7);
    assert_true(tfc_features_remove(fs, "k0"));
    assert_true(tfc_features_remove(fs, "k100"));
    assert_false(tfc_features_remove(fs, "k100"));
    assert_int_equal(tfc_features_count(fs), 198);
    assert_string_equal(tfc_features_key(fs, 0), "k1");
    assert_string_equal(tfc_features_key(fs, 99), "k101");
    for (int64_t i = 1; i < 200; i++) {
        snprintf(key, sizeof key, "k%lld", (long long)i);
        tfc_feature g;
        assert_int_equal(tfc_features_find(fs, key, &g), i != 100);
        if (i != 100 && i != 5 && i != 8) assert_int_equal(g.int64s[0], i);
    }
    /* Equality is map equality: order does not matter, values do. */
    tfc_example *other = tfc_example_new();
    for (size_t i = tfc_features_count(fs); i-- > 0;) {
        tfc_feature g = tfc_features_at(fs, i);
        TU_OK(tfc_features_set(tfc_example_features(other), tfc_features_key(fs, i), &g));
    }
    assert_true(tfc_example_equal(ex, other));
    TU_OK(tfc_features_set_int64s(tfc_example_features(other), "k9", (int64_t[]){-9}, 1));
    assert_false(tfc_example_equal(ex, other));
    tfc_example_free(other);
    tfc_example_free(ex);
}

static void test_float_equality(void **state) {
    (void)state;
    tfc_example *a = tfc_example_new(), *b = tfc_example_new();
    uint32_t qnan = 0x7fc00001, snan_payload = 0x7fc12345;
    float x, y;
    memcpy(&x, &qnan, 4);
    memcpy(&y, &snan_payload, 4);
    TU_OK(tfc_example_set_floats(a, "f", &x, 1));
    TU_OK(tfc_example_set_floats(b, "f", &y, 1));
    assert_true(tfc_example_equal(a, b)); /* all NaNs are equal */
    TU_OK(tfc_example_set_floats(a, "f", (float[]){0.0f}, 1));
    TU_OK(tfc_example_set_floats(b, "f", (float[]){-0.0f}, 1));
    assert_false(tfc_example_equal(a, b)); /* but bit patterns otherwise */
    tfc_example_free(a);
    tfc_example_free(b);
}

/* Parses bad bytes as an Example and checks the error. */
static void assert_parse_error(const uint8_t *data, size_t n, const char *want) {
    tfc_status st = {0};
    tfc_example *ex = (tfc_example *)1;
    assert_int_equal(tfc_example_parse(data, n, &ex, &st), TFC_INVALID_ARGUMENT);
    assert_null(ex);
    if (strncmp(st.msg, "could not parse Example: ", 25)) fail_msg("message: %s", st.msg);
    ex_assert_msg(&st, want);
}

static void test_parse_errors(void **state) {
    (void)state;
    static const uint8_t good[] = {0x0a, 0x10, 0x0a, 0x0e, 0x0a, 0x05, 'l',  'a',  'b',
                                   'e',  'l',  0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x07};
    for (size_t cut = 1; cut < sizeof good; cut++) {
        tfc_status st = {0};
        tfc_example *ex;
        assert_int_equal(tfc_example_parse(good, cut, &ex, &st), TFC_INVALID_ARGUMENT);
    }
    assert_parse_error(good, 10,
                       "field 1 (length-delimited, 16 bytes) runs past the end of the "
                       "message (8 bytes left) at byte 0");
    assert_parse_error((const uint8_t[]){0x08, 0x01}, 2,
                       "field 1 (features) has wire type varint, expected length-delimited at "
                       "byte 0");
    assert_parse_error((const uint8_t[]){0x0a, 0x0d, 0x0a, 0x0b, 0x0a, 0x01, 'a', 0x12, 0x06, 0x12,
                                         0x04, 0x0a, 0x02, 0, 0},
                       15,
                       "features.feature[\"a\"].value.float_list: packed floats take 2 bytes, not "
                       "a multiple of 4 at byte 11");
    assert_parse_error(
        (const uint8_t[]){0x0a, 0x09, 0x0a, 0x07, 0x0a, 0x03, 'a', 0, 'b', 0x12, 0x00}, 11,
        "features.feature[\"a?b\"]: key holds a NUL byte");
    assert_parse_error((const uint8_t[]){0x0b}, 1, "field 1 is a group (wire type 3)");
    assert_parse_error((const uint8_t[]){0x00}, 1, "invalid field tag 0x00 (field number 0)");
    assert_parse_error((const uint8_t[]){0x0f}, 1, "invalid wire type 7");
    assert_parse_error(
        (const uint8_t[]){0x0a, 0x07, 0x0a, 0x05, 0x0a, 0x01, 'k', 0x12, 0x00, 0x10, 0x80}, 11,
        "field 2: varint is truncated or longer than 10 bytes at byte 10");
    assert_parse_error(
        (const uint8_t[]){0x0a, 0x0a, 0x0a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x1a, 0x01, 0x0a},
        12, "features.feature[\"k\"].value.int64_list: field 1: length is truncated");
    assert_parse_error((const uint8_t[]){0x0a, 0x0b, 0x0a, 0x09, 0x0a, 0x01, 'k', 0x12, 0x04, 0x1a,
                                         0x02, 0x0a, 0x7f},
                       13, "field 1 (length-delimited, 127 bytes) runs past");

    /* Unknown fields, at any level, are skipped. */
    static const uint8_t unknown[] = {0xf8, 0x01, 0x05, 0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01,
                                      'k',  0x12, 0x05, 0x25, 0x01, 0x02, 0x03, 0x04};
    tfc_example *ex = ex_parse_ok(unknown, sizeof unknown);
    assert_int_equal(tfc_features_count(tfc_example_features(ex)), 1);
    assert_int_equal(tfc_features_at(tfc_example_features(ex), 0).kind, TFC_FEATURE_NONE);
    tfc_example_free(ex);
}

static void test_sequence_example(void **state) {
    (void)state;
    /* The smallest: one list "t" with one step int64 [5]. */
    static const uint8_t tiny[] = {0x12, 0x0e, 0x0a, 0x0c, 0x0a, 0x01, 't',  0x12,
                                   0x07, 0x0a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x05};
    tfc_sequence_example *se = tfc_sequence_example_new();
    TU_OK(tfc_sequence_example_append(
        se, "t", &(tfc_feature){.kind = TFC_FEATURE_INT64, .count = 1, .int64s = (int64_t[]){5}}));
    uint8_t *buf;
    size_t n;
    TU_OK(tfc_sequence_example_serialize(se, &buf, &n, NULL));
    assert_bytes(buf, n, tiny, sizeof tiny);
    assert_true(tfc_example_is_sequence(buf, n));
    tfc_free(buf);
    tfc_sequence_example_free(se);

    /* A fuller one round trips. */
    se = tfc_sequence_example_new();
    TU_OK(tfc_features_set_int64s(tfc_sequence_example_context(se), "length", (int64_t[]){3}, 1));
    TU_OK(tfc_features_set_empty(tfc_sequence_example_context(se), "f"));
    const tfc_bytes words[] = {{(const uint8_t *)"hello", 5}, {(const uint8_t *)"", 0}};
    TU_OK(tfc_sequence_example_append(
        se, "tokens", &(tfc_feature){.kind = TFC_FEATURE_BYTES, .count = 2, .bytes = words}));
    TU_OK(tfc_sequence_example_append(se, "tokens", &(tfc_feature){.kind = TFC_FEATURE_NONE}));
    TU_OK(tfc_sequence_example_append(
        se, "scores",
        &(tfc_feature){.kind = TFC_FEATURE_FLOAT, .count = 2, .floats = (float[]){0.5f, NAN}}));
    TU_OK(tfc_sequence_example_append(se, "tokens", &(tfc_feature){.kind = TFC_FEATURE_INT64}));
    TU_OK(tfc_sequence_example_add_list(se, "nothing"));
    TU_OK(tfc_sequence_example_add_list(se, "scores")); /* existing: left as it is */
    assert_int_equal(tfc_sequence_example_append(se, NULL, &(tfc_feature){0}),
                     TFC_INVALID_ARGUMENT);
    assert_int_equal(tfc_sequence_example_num_lists(se), 3);
    assert_int_equal(tfc_sequence_example_list_len(se, 0), 3);
    assert_int_equal(tfc_sequence_example_list_len(se, 1), 1);
    assert_int_equal(tfc_sequence_example_find_list(se, "nothing"), 2);
    assert_int_equal(tfc_sequence_example_find_list(se, "absent"), -1);

    TU_OK(tfc_sequence_example_serialize(se, &buf, &n, NULL));
    tfc_sequence_example *back = NULL;
    tfc_status st = {0};
    assert_int_equal(tfc_sequence_example_parse(buf, n, &back, &st), TFC_OK);
    assert_true(tfc_sequence_example_equal(se, back));
    assert_string_equal(tfc_sequence_example_list_key(back, 0), "tokens");
    assert_string_equal(tfc_sequence_example_list_key(back, 2), "nothing");
    assert_null(tfc_sequence_example_list_key(back, 3));
    tfc_feature step = tfc_sequence_example_list_step(back, 0, 0);
    assert_int_equal(step.kind, TFC_FEATURE_BYTES);
    assert_memory_equal(step.bytes[0].data, "hello", 5);
    assert_int_equal(tfc_sequence_example_list_step(back, 0, 1).kind, TFC_FEATURE_NONE);
    assert_int_equal(tfc_sequence_example_list_step(back, 0, 2).kind, TFC_FEATURE_INT64);
    assert_int_equal(tfc_sequence_example_list_step(back, 0, 9).kind, TFC_FEATURE_NONE);
    assert_int_equal(tfc_features_count(tfc_sequence_example_context_const(back)), 2);

    /* The same bytes read as an Example: the context as features, the lists skipped. */
    tfc_example *ex = ex_parse_ok(buf, n);
    assert_true(tfc_features_equal(tfc_example_features(ex), tfc_sequence_example_context(se)));
    assert_true(tfc_example_is_sequence(buf, n));
    size_t en;
    uint8_t *ebuf = ex_serialize_ok(ex, &en);
    assert_false(tfc_example_is_sequence(ebuf, en));
    tfc_free(ebuf);
    tfc_example_free(ex);

    /* Steps differ: no longer equal. */
    TU_OK(tfc_sequence_example_append(back, "nothing", &(tfc_feature){0}));
    assert_false(tfc_sequence_example_equal(se, back));
    tfc_free(buf);
    tfc_sequence_example_free(back);
    tfc_sequence_example_free(se);
}

static void test_sequence_duplicate_lists(void **state) {
    (void)state;
    /* feature_lists { t: [1], u: [2], t: [3, 4] } -> t: [3, 4] first, u: [2]. */
    static const uint8_t wire[] = {
        0x12, 0x31,                                                                      /* lists */
        0x0a, 0x0c, 0x0a, 0x01, 't',  0x12, 0x07, 0x0a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 1, /* t */
        0x0a, 0x0c, 0x0a, 0x01, 'u',  0x12, 0x07, 0x0a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 2, /* u */
        0x0a, 0x13, 0x0a, 0x01, 't',  0x12, 0x0e, 0x0a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 3, /* t */
        0x0a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 4};
    tfc_sequence_example *se = NULL;
    tfc_status st = {0};
    assert_int_equal(tfc_sequence_example_parse(wire, sizeof wire, &se, &st), TFC_OK);
    assert_int_equal(tfc_sequence_example_num_lists(se), 2);
    assert_string_equal(tfc_sequence_example_list_key(se, 0), "t");
    assert_int_equal(tfc_sequence_example_list_len(se, 0), 2);
    assert_int_equal(tfc_sequence_example_list_step(se, 0, 1).int64s[0], 4);
    tfc_sequence_example_free(se);

    /* Errors name SequenceExample and the path. */
    static const uint8_t bad[] = {0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x00};
    assert_int_equal(tfc_sequence_example_parse(bad, sizeof bad, &se, &st), TFC_INVALID_ARGUMENT);
    assert_null(se);
    assert_string_equal(st.msg,
                        "could not parse SequenceExample: feature_lists.feature_list[\"?\"]: "
                        "key holds a NUL byte, which tfc cannot represent at byte 4");
}

/* Every single-byte change of a real record either parses (and then round trips) or is rejected
 * as INVALID_ARGUMENT: never a crash, and never anything else. */
static void test_mutations(void **state) {
    (void)state;
    static const uint8_t base[] = {0x0a, 0x2e, 0x0a, 0x10, 0x0a, 0x07, 's',  'p',  'e',  'c',  'i',
                                   'e',  's',  0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x00, 0x0a, 0x0d,
                                   0x0a, 0x01, 'b',  0x12, 0x08, 0x12, 0x06, 0x0a, 0x04, 0xf4, 0x3c,
                                   0x0f, 0x3f, 0x0a, 0x0b, 0x0a, 0x01, 'w',  0x12, 0x06, 0x0a, 0x04,
                                   0x0a, 0x02, 'h',  'i',  0x12, 0x02, 0x12, 0x00};
    uint8_t m[sizeof base];
    static const uint8_t values[] = {0x00, 0x01, 0x02, 0x05, 0x0a, 0x12,
                                     0x1a, 0x25, 0x7f, 0x80, 0xff};
    int ok = 0, bad = 0;
    for (size_t i = 0; i < sizeof base; i++) {
        for (size_t v = 0; v < sizeof values + 1; v++) {
            memcpy(m, base, sizeof m);
            m[i] = v < sizeof values ? values[v] : (uint8_t)(base[i] ^ 0x01);
            tfc_status st = {0};
            tfc_example *ex;
            tfc_code c = tfc_example_parse(m, sizeof m, &ex, &st);
            if (c == TFC_OK) {
                size_t n;
                uint8_t *buf = ex_serialize_ok(ex, &n);
                tfc_example *back = ex_parse_ok(buf, n);
                assert_true(tfc_example_equal(ex, back));
                tfc_example_free(back);
                tfc_free(buf);
                tfc_example_free(ex);
                ok++;
            } else {
                if (c != TFC_INVALID_ARGUMENT) fail_msg("byte %zu: %s", i, st.msg);
                bad++;
            }
            tfc_sequence_example *se;
            c = tfc_sequence_example_parse(m, sizeof m, &se, &st);
            if (c != TFC_OK && c != TFC_INVALID_ARGUMENT) fail_msg("byte %zu: %s", i, st.msg);
            tfc_sequence_example_free(se);
        }
    }
    assert_true(ok > 0 && bad > 0);
}

static int run_wire(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_build_serialize_exact),
        TU_TEST(test_roundtrip_all_kinds),
        TU_TEST(test_unpacked_and_mixed),
        TU_TEST(test_empty_feature),
        TU_TEST(test_duplicate_keys_last_wins),
        TU_TEST(test_wrong_kind_and_missing),
        TU_TEST(test_set_replace_remove_many),
        TU_TEST(test_float_equality),
        TU_TEST(test_parse_errors),
        TU_TEST(test_sequence_example),
        TU_TEST(test_sequence_duplicate_lists),
        TU_TEST(test_mutations),
    };
    return cmocka_run_group_tests_name("example_wire", tests, NULL, NULL);
}

int tu_run_example_wire(void) {
    return run_wire();
}

int main(void) {
    int failed = 0;
    failed += tu_run_example_wire();
    failed += tu_run_example_views();
    failed += tu_run_example_files();
    failed += tu_run_example_decode();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
