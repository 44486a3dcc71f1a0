/* Text, JSON and key-tree views, and JSON input. Expected strings were produced by protobuf's
 * Python text_format.MessageToString / json_format.MessageToJson on the same messages. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "example/example_int.h"
#include "example_tests.h"

/* The example the exact-output tests print: every kind, specials, escapes, an empty Feature and
 * an empty list, keys not in sorted order. */
static tfc_example *sample(void) {
    tfc_example *ex = tfc_example_new();
    assert_non_null(ex);
    static const uint8_t raw[] = "a\"b\\\n\x01\xe2\x96\x81'\t\r\x7f";
    TU_OK(tfc_example_set_int64s(ex, "z", (int64_t[]){-5, 7}, 2));
    TU_OK(tfc_example_set_floats(ex, "a",
                                 (float[]){0.25694445f, 1.0f, 1e-5f, INFINITY, -INFINITY, NAN}, 6));
    TU_OK(tfc_example_set_bytes(ex, "m", &(tfc_bytes){raw, sizeof raw - 1}, 1));
    TU_OK(tfc_features_set_empty(tfc_example_features(ex), "e"));
    TU_OK(tfc_example_set_floats(ex, "k\"\xc3\xa9", NULL, 0));
    return ex;
}

static const char sample_text[] =
    "features {\n"
    "  feature {\n"
    "    key: \"a\"\n"
    "    value {\n"
    "      float_list {\n"
    "        value: 0.25694445\n"
    "        value: 1.0\n"
    "        value: 1e-05\n"
    "        value: inf\n"
    "        value: -inf\n"
    "        value: nan\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  feature {\n"
    "    key: \"e\"\n"
    "    value {\n"
    "    }\n"
    "  }\n"
    "  feature {\n"
    "    key: \"k\\\"\xc3\xa9\"\n"
    "    value {\n"
    "      float_list {\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  feature {\n"
    "    key: \"m\"\n"
    "    value {\n"
    "      bytes_list {\n"
    "        value: \"a\\\"b\\\\\\n\\001\\342\\226\\201\\'\\t\\r\\177\"\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  feature {\n"
    "    key: \"z\"\n"
    "    value {\n"
    "      int64_list {\n"
    "        value: -5\n"
    "        value: 7\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char sample_json[] =
    "{\"features\":{\"feature\":{\"z\":{\"int64List\":{\"value\":[\"-5\",\"7\"]}},"
    "\"a\":{\"floatList\":{\"value\":[0.25694445,1.0,1e-05,\"Infinity\",\"-Infinity\",\"NaN\"]}},"
    "\"m\":{\"bytesList\":{\"value\":[\"YSJiXAoB4paBJwkNfw==\"]}},\"e\":{},"
    "\"k\\\"\xc3\xa9\":{\"floatList\":{}}}}}";

static void test_text_exact(void **state) {
    (void)state;
    tfc_example *ex = sample();
    char *t = tfc_example_to_text(ex);
    assert_string_equal(t, sample_text);
    tfc_free(t);
    tfc_example_free(ex);

    ex = tfc_example_new();
    t = tfc_example_to_text(ex);
    assert_string_equal(t, "");
    tfc_free(t);
    t = tfc_example_to_json(ex);
    assert_string_equal(t, "{}");
    tfc_free(t);
    tfc_example_free(ex);
}

static void test_float_format(void **state) {
    (void)state;
    static const struct {
        float f;
        const char *want;
    } cases[] = {
        {0.25694445f, "0.25694445"},
        {1.0f, "1.0"},
        {0.1f, "0.1"},
        {1e-05f, "1e-05"},
        {1e+16f, "1e+16"},
        {1000000000000000.0f, "1000000000000000.0"},
        {3.4028235e+38f, "3.4028235e+38"},
        {1e-45f, "1.4013e-45"},
        {-0.0f, "-0.0"},
        {0.0f, "0.0"},
        {123456.0f, "123456.0"},
        {0.0001f, "0.0001"},
        {16777216.0f, "16777216.0"},
        {0.00025f, "0.00025"},
        {1.17549435e-38f, "1.1754944e-38"},
        {9.99999e-05f, "9.99999e-05"},
        {10000000000.0f, "10000000000.0"},
        {0.3f, "0.3"},
        {2.0f / 3, "0.6666667"},
        {-1.5e-07f, "-1.5e-07"},
        {8.5e-05f, "8.5e-05"},
        {100.0f, "100.0"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        size_t n = tfc__format_float(cases[i].f, buf);
        assert_string_equal(buf, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
    /* Every float written this way reads back as itself: a sweep over bit patterns. */
    for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 0x1000193) {
        uint32_t u = (uint32_t)bits;
        float f;
        memcpy(&f, &u, 4);
        if (isnan(f) || isinf(f)) continue;
        char buf[32];
        tfc__format_float(f, buf);
        float back = strtof(buf, NULL);
        if (memcmp(&back, &f, 4)) fail_msg("%08x printed as %s", u, buf);
    }
}

static void test_json_exact(void **state) {
    (void)state;
    tfc_example *ex = sample();
    char *j = tfc_example_to_json(ex);
    assert_string_equal(j, sample_json);
    tfc_free(j);
    tfc_example_free(ex);
}

/* A SequenceExample with context, an empty list, an empty step and mixed kinds. */
static tfc_sequence_example *sample_sequence(void) {
    tfc_sequence_example *se = tfc_sequence_example_new();
    TU_OK(tfc_features_set_int64s(tfc_sequence_example_context(se), "length", (int64_t[]){3}, 1));
    TU_OK(tfc_sequence_example_append(
        se, "tokens",
        &(tfc_feature){.kind = TFC_FEATURE_BYTES,
                       .count = 1,
                       .bytes = &(tfc_bytes){(const uint8_t *)"hi", 2}}));
    TU_OK(tfc_sequence_example_append(se, "tokens", &(tfc_feature){0}));
    TU_OK(tfc_sequence_example_append(
        se, "tokens",
        &(tfc_feature){.kind = TFC_FEATURE_FLOAT, .count = 1, .floats = (float[]){0.5f}}));
    TU_OK(tfc_sequence_example_add_list(se, "empty"));
    return se;
}

static void test_sequence_views(void **state) {
    (void)state;
    tfc_sequence_example *se = sample_sequence();
    char *t = tfc_sequence_example_to_text(se);
    assert_string_equal(t, "context {\n  feature {\n    key: \"length\"\n    value {\n      "
                           "int64_list {\n        value: 3\n      }\n    }\n  }\n}\n"
                           "feature_lists {\n  feature_list {\n    key: \"empty\"\n    value {\n"
                           "    }\n  }\n  feature_list {\n    key: \"tokens\"\n    value {\n"
                           "      feature {\n        bytes_list {\n          value: \"hi\"\n"
                           "        }\n      }\n      feature {\n      }\n      feature {\n"
                           "        float_list {\n          value: 0.5\n        }\n      }\n"
                           "    }\n  }\n}\n");
    tfc_free(t);
    char *j = tfc_sequence_example_to_json(se);
    assert_string_equal(j,
                        "{\"context\":{\"feature\":{\"length\":{\"int64List\":{\"value\":[\"3\"]}}"
                        "}},\"featureLists\":{\"featureList\":{\"tokens\":{\"feature\":[{\"bytes"
                        "List\":{\"value\":[\"aGk=\"]}},{},{\"floatList\":{\"value\":[0.5]}}]},"
                        "\"empty\":{}}}}");
    tfc_sequence_example *back;
    tfc_status st = {0};
    assert_int_equal(tfc_sequence_example_from_json(j, strlen(j), &back, &st), TFC_OK);
    assert_true(tfc_sequence_example_equal(se, back));
    tfc_sequence_example_free(back);
    tfc_free(j);

    char *k = tfc_sequence_example_key_tree(se);
    assert_string_equal(k, "context:\n"
                           "  length   int64_list[1]\n"
                           "feature_lists:\n"
                           "  empty    feature_list[0]\n"
                           "  tokens   feature_list[3 x mixed]\n");
    tfc_free(k);
    tfc_sequence_example_free(se);

    /* Only lists: no context section. */
    se = tfc_sequence_example_new();
    TU_OK(tfc_sequence_example_append(
        se, "w", &(tfc_feature){.kind = TFC_FEATURE_INT64, .count = 1, .int64s = (int64_t[]){1}}));
    k = tfc_sequence_example_key_tree(se);
    assert_string_equal(k, "feature_lists:\n  w   feature_list[1 x int64_list]\n");
    tfc_free(k);
    t = tfc_sequence_example_to_json(se);
    assert_string_equal(t, "{\"featureLists\":{\"featureList\":{\"w\":{\"feature\":[{\"int64List\":"
                           "{\"value\":[\"1\"]}}]}}}}");
    tfc_free(t);
    tfc_sequence_example_free(se);
}

static void test_json_roundtrip(void **state) {
    (void)state;
    tfc_example *ex = sample();
    uint8_t all[256];
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    const tfc_bytes b[] = {{all, 256}, {all, 0}, {all, 1}, {all, 2}, {all + 3, 3}};
    TU_OK(tfc_example_set_bytes(ex, "bytes", b, 5));
    TU_OK(tfc_example_set_int64s(ex, "big", (int64_t[]){INT64_MIN, INT64_MAX, 0}, 3));
    TU_OK(tfc_example_set_floats(ex, "tiny", (float[]){1e-45f, -0.0f, 3.4028235e38f}, 3));
    char *j = tfc_example_to_json(ex);
    tfc_example *back;
    tfc_status st = {0};
    assert_int_equal(tfc_example_from_json(j, strlen(j), &back, &st), TFC_OK);
    assert_true(tfc_example_equal(ex, back));
    /* The same order, so the same JSON again. */
    char *j2 = tfc_example_to_json(back);
    assert_string_equal(j, j2);
    tfc_free(j2);
    tfc_example_free(back);

    /* from_json_any picks Example here; input that is not NUL-terminated is fine. */
    tfc_sequence_example *se;
    size_t n = strlen(j);
    char *copy = tfc_malloc(n);
    memcpy(copy, j, n);
    TU_OK(tfc_example_from_json_any(copy, n, &back, &se, NULL));
    assert_non_null(back);
    assert_null(se);
    assert_true(tfc_example_equal(ex, back));
    tfc_example_free(back);
    tfc_free(copy);
    tfc_free(j);
    tfc_example_free(ex);
}

static void test_from_json_lenient(void **state) {
    (void)state;
    static const char json[] =
        "  {\"features\": {\"feature\": {\n"
        "    \"i\": {\"int64_list\": {\"value\": [1, -2, \"3\", 9007199254740992]}},\n"
        "    \"f\": {\"float_list\": {\"value\": [\"1.5\", 2, \"-Infinity\", 1e-3]}},\n"
        "    \"b\": {\"bytes_list\": {\"value\": [\"aGk\", \"-_8\", \"\"]}},\n"
        "    \"n\": null, \"m\": {\"floatList\": null}, \"v\": {\"int64List\": {\"value\": "
        "null}},\n"
        "    \"i\": {\"int64List\": {\"value\": [\"-9223372036854775808\"]}}\n"
        "  }}}\n  ";
    tfc_example *ex;
    tfc_status st = {0};
    if (tfc_example_from_json(json, sizeof json - 1, &ex, &st) != TFC_OK) fail_msg("%s", st.msg);
    const tfc_features *fs = tfc_example_features_const(ex);
    assert_int_equal(tfc_features_count(fs), 6);
    assert_string_equal(tfc_features_key(fs, 0), "i"); /* first place, last value */
    tfc_feature f = tfc_features_at(fs, 0);
    assert_int_equal(f.count, 1);
    assert_true(f.int64s[0] == INT64_MIN);
    assert_true(tfc_features_find(fs, "f", &f));
    assert_true(f.count == 4 && f.floats[0] == 1.5f && f.floats[1] == 2.0f && isinf(f.floats[2]) &&
                f.floats[2] < 0 && f.floats[3] == 1e-3f);
    assert_true(tfc_features_find(fs, "b", &f));
    assert_int_equal(f.count, 3);
    assert_memory_equal(f.bytes[0].data, "hi", 2);
    assert_int_equal(f.bytes[1].size, 2);
    assert_memory_equal(f.bytes[1].data, "\xfb\xff", 2);
    assert_int_equal(f.bytes[2].size, 0);
    assert_true(tfc_features_find(fs, "n", &f));
    assert_int_equal(f.kind, TFC_FEATURE_NONE);
    assert_true(tfc_features_find(fs, "m", &f));
    assert_true(f.kind == TFC_FEATURE_FLOAT && f.count == 0);
    tfc_example_free(ex);

    /* Empty objects all the way down. */
    const char *empties[] = {"{}", "{\"features\":{}}", "{\"features\":{\"feature\":{}}}",
                             "{\"features\":null}"};
    for (size_t i = 0; i < 4; i++) {
        TU_OK(tfc_example_from_json(empties[i], strlen(empties[i]), &ex, NULL));
        assert_int_equal(tfc_features_count(tfc_example_features(ex)), 0);
        tfc_example_free(ex);
    }
}

static void assert_json_error(const char *json, const char *want) {
    tfc_status st = {0};
    tfc_example *ex = (tfc_example *)1;
    tfc_code c = tfc_example_from_json(json, strlen(json), &ex, &st);
    if (c != TFC_INVALID_ARGUMENT) fail_msg("%s: code %s", json, tfc_code_name(c));
    assert_null(ex);
    if (strcmp(st.msg, want)) fail_msg("%s:\n got  '%s'\n want '%s'", json, st.msg, want);
}

static void test_from_json_errors(void **state) {
    (void)state;
    assert_json_error("{\"features\":{\"feature\":{\"age\":{\"int64List\":{\"value\":[\"1\",\"2\","
                      "\"x\"]}}}}}",
                      "features.feature.age.int64List.value[2]: expected an integer, not \"x\"");
    assert_json_error("{\"features\":{\"feature\":{\"age\":{\"int64List\":{\"value\":[1.5]}}}}}",
                      "features.feature.age.int64List.value[0]: expected an integer");
    assert_json_error("{\"features\":{\"feature\":{\"age\":{\"int64List\":{\"value\":[true]}}}}}",
                      "features.feature.age.int64List.value[0]: expected an integer");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"int64List\":{\"value\":"
                      "[\"99999999999999999999\"]}}}}}",
                      "features.feature.a.int64List.value[0]: integer 99999999999999999999 is out "
                      "of range for int64");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"int64List\":{\"value\":[1e17]}}}}}",
                      "features.feature.a.int64List.value[0]: integer 1e+17 is too large for a "
                      "JSON number; write it as a string");
    assert_json_error(
        "{\"features\":{\"feature\":{\"a\":{\"floatList\":{\"value\":[0,\"abc\"]}}}}}",
        "features.feature.a.floatList.value[1]: expected a number, \"NaN\", "
        "\"Infinity\" or \"-Infinity\", not \"abc\"");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatList\":{\"value\":[\"inf\"]}}}}}",
                      "features.feature.a.floatList.value[0]: expected a number, \"NaN\", "
                      "\"Infinity\" or \"-Infinity\", not \"inf\"");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatList\":{\"value\":[1e39]}}}}}",
                      "features.feature.a.floatList.value[0]: 1e+39 is out of range for a float");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatList\":{\"value\":{}}}}}}",
                      "features.feature.a.floatList.value: expected an array");
    assert_json_error("{\"features\":{\"feature\":{\"b\":{\"bytesList\":{\"value\":[\"a!\"]}}}}}",
                      "features.feature.b.bytesList.value[0]: invalid base64");
    assert_json_error("{\"features\":{\"feature\":{\"b\":{\"bytesList\":{\"value\":[\"a\"]}}}}}",
                      "features.feature.b.bytesList.value[0]: invalid base64");
    assert_json_error("{\"features\":{\"feature\":{\"b\":{\"bytesList\":{\"value\":[7]}}}}}",
                      "features.feature.b.bytesList.value[0]: expected a base64 string");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatLis\":{}}}}}",
                      "features.feature.a.floatLis: unknown field");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatList\":{\"values\":[]}}}}}",
                      "features.feature.a.floatList.values: unknown field");
    assert_json_error("{\"features\":{\"feature\":{\"a\":{\"floatList\":{},\"int64List\":{}}}}}",
                      "features.feature.a: more than one of bytesList, floatList and int64List");
    assert_json_error("{\"features\":{\"feature\":{\"a\":[]}}}",
                      "features.feature.a: expected an object");
    assert_json_error("{\"features\":{\"feature\":[]}}", "features.feature: expected an object");
    assert_json_error("{\"features\":{\"feature\":{},\"feature\":{}}}",
                      "features: duplicate field \"feature\"");
    assert_json_error("{\"feature\":{}}", "feature: unknown field");
    assert_json_error("{\"context\":{}}",
                      "has context/featureLists: a SequenceExample, not an Example");
    assert_json_error("[1]", "expected a JSON object");
    assert_json_error("{\"features\":", "invalid JSON at byte 11");
    assert_json_error("", "invalid JSON at byte 0");
    assert_json_error("{} x", "unexpected text after the JSON value at byte 3");

    tfc_sequence_example *se = (tfc_sequence_example *)1;
    tfc_status st = {0};
    static const char bad_seq[] = "{\"featureLists\":{\"featureList\":{\"t\":{\"feature\":[{},"
                                  "{\"int64List\":{\"value\":[\"a\"]}}]}}}}";
    assert_int_equal(tfc_sequence_example_from_json(bad_seq, sizeof bad_seq - 1, &se, &st),
                     TFC_INVALID_ARGUMENT);
    assert_null(se);
    assert_string_equal(st.msg, "featureLists.featureList.t.feature[1].int64List.value[0]: "
                                "expected an integer, not \"a\"");
    static const char bad_seq2[] = "{\"context\":{\"feature\":{}},\"features\":{}}";
    assert_int_equal(tfc_sequence_example_from_json(bad_seq2, sizeof bad_seq2 - 1, &se, &st),
                     TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "features: unknown field");
    static const char bad_seq3[] =
        "{\"feature_lists\":{\"feature_list\":{\"t\":{\"feature\":{}}}}}";
    assert_int_equal(tfc_sequence_example_from_json(bad_seq3, sizeof bad_seq3 - 1, &se, &st),
                     TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "feature_lists.feature_list.t.feature: expected an array");
}

static void test_key_tree(void **state) {
    (void)state;
    tfc_example *ex = tfc_example_new();
    tfc_features *fs = tfc_example_features(ex);
    TU_OK(tfc_features_set_int64s(fs, "label", (int64_t[]){1}, 1));
    TU_OK(tfc_features_set_int64s(fs, "image/height", (int64_t[]){28}, 1));
    TU_OK(tfc_features_set_bytes(fs, "image/encoded", &(tfc_bytes){(const uint8_t *)"x", 1}, 1));
    char *t = tfc_features_key_tree(fs);
    /* The example in example.h, verbatim. */
    assert_string_equal(t, "image/\n"
                           "  encoded   bytes_list[1]\n"
                           "  height    int64_list[1]\n"
                           "label       int64_list[1]\n");
    tfc_free(t);

    TU_OK(tfc_features_set_floats(fs, "image/meta/scale", (float[]){1, 2}, 2));
    TU_OK(tfc_features_set_empty(fs, "image"));
    TU_OK(tfc_features_set_floats(fs, "a\tb/", NULL, 0));
    TU_OK(tfc_features_set_floats(fs, "\xe2\x96\x81x", NULL, 0));
    t = tfc_features_key_tree(fs);
    assert_string_equal(t, "a\\011b/\n"
                           "  \"\"        float_list[0]\n"
                           "image       none[0]\n"
                           "image/\n"
                           "  encoded   bytes_list[1]\n"
                           "  height    int64_list[1]\n"
                           "  meta/\n"
                           "    scale   float_list[2]\n"
                           "label       int64_list[1]\n"
                           "\xe2\x96\x81x          float_list[0]\n");
    tfc_free(t);
    tfc_example_free(ex);

    ex = tfc_example_new();
    t = tfc_features_key_tree(tfc_example_features(ex));
    assert_string_equal(t, "");
    tfc_free(t);
    tfc_example_free(ex);
}

int tu_run_example_views(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_text_exact),       TU_TEST(test_float_format),
        TU_TEST(test_json_exact),       TU_TEST(test_sequence_views),
        TU_TEST(test_json_roundtrip),   TU_TEST(test_from_json_lenient),
        TU_TEST(test_from_json_errors), TU_TEST(test_key_tree),
    };
    return cmocka_run_group_tests_name("example_views", tests, NULL, NULL);
}
