/* The real files in ../shared/testdata (facts from its README), read with tfc_record_reader. */
#include <string.h>

#include "example_tests.h"
#include "tfc/record.h"

/* Calls fn on each record of a testdata file; returns the record count. */
static int64_t each_record(const char *rel, void (*fn)(const tfc_bytes *rec, int64_t i, void *ctx),
                           void *ctx) {
    tfc_status st = {0};
    tfc_record_reader *r;
    if (tfc_record_reader_open(tu_testdata(rel), NULL, &r, &st) != TFC_OK)
        fail_msg("open %s: %s", rel, st.msg);
    tfc_bytes rec;
    int64_t i = 0;
    tfc_code c;
    while ((c = tfc_record_reader_next(r, &rec, &st)) == TFC_OK) fn(&rec, i++, ctx);
    if (c != TFC_OUT_OF_RANGE) fail_msg("%s: %s", rel, st.msg);
    tfc_record_reader_free(r);
    return i;
}

/* Parses a record, checks that it serializes back to the same bytes (our writer keeps the order
 * and packing TensorFlow used) and hands the Example to check. */
static tfc_example *parse_and_reserialize(const tfc_bytes *rec) {
    tfc_example *ex = ex_parse_ok(rec->data, rec->size);
    size_t n;
    uint8_t *buf = ex_serialize_ok(ex, &n);
    assert_int_equal(n, rec->size);
    assert_memory_equal(buf, rec->data, n);
    tfc_free(buf);
    assert_false(tfc_example_is_sequence(rec->data, rec->size));
    return ex;
}

static void wmt_record(const tfc_bytes *rec, int64_t i, void *ctx) {
    (void)ctx;
    assert_true(rec->size >= 307 && rec->size <= 2363);
    tfc_example *ex = parse_and_reserialize(rec);
    const tfc_features *fs = tfc_example_features_const(ex);
    const int64_t *iv;
    const float *fv;
    const tfc_bytes *bv;
    size_t n;
    TU_OK(tfc_features_get_int64s(fs, "example_index", &iv, &n, NULL));
    assert_int_equal(n, 1);
    if (i == 0) {
        assert_int_equal(iv[0], 1);
        TU_OK(tfc_features_get_int64s(fs, "natural_order", &iv, &n, NULL));
        assert_true(n == 1 && iv[0] == 1);
        TU_OK(tfc_features_get_int64s(fs, "source_id", &iv, &n, NULL));
        static const int64_t src[] = {93, 15027, 643, 8, 2985, 3, 27025, 6};
        assert_true(n >= 8);
        assert_memory_equal(iv, src, sizeof src);
        TU_OK(tfc_features_get_floats(fs, "source_padding", &fv, &n, NULL));
        TU_OK(tfc_features_get_floats(fs, "target_padding", &fv, &n, NULL));
        TU_OK(tfc_features_get_floats(fs, "target_weight", &fv, &n, NULL));
        assert_true(n > 0 && fv[0] == 1.0f);
        TU_OK(tfc_features_get_bytes(fs, "source_word", &bv, &n, NULL));
        assert_true(n > 0 && bv[0].size == 4);
        assert_memory_equal(bv[0].data,
                            "\xe2\x96\x81"
                            "A",
                            4);
        TU_OK(tfc_features_get_bytes(fs, "target_word", &bv, &n, NULL));
        assert_true(n > 0 && bv[0].size == 3);
        assert_memory_equal(bv[0].data, "<s>", 3);
        TU_OK(tfc_features_get_int64s(fs, "target_id", &iv, &n, NULL));
        assert_true(n > 0 && iv[0] == 1);
        TU_OK(tfc_features_get_int64s(fs, "target_label", &iv, &n, NULL));
        assert_true(n > 0 && iv[0] == 272);
        tfc_status st = {0};
        assert_int_equal(tfc_features_get_floats(fs, "source_word", &fv, &n, &st),
                         TFC_INVALID_ARGUMENT);
        assert_string_equal(st.msg, "feature 'source_word' is bytes_list, not float_list");

        char *tree = tfc_features_key_tree(fs);
        assert_string_equal(tree, "example_index    int64_list[1]\n"
                                  "natural_order    int64_list[1]\n"
                                  "source_id        int64_list[10]\n"
                                  "source_padding   float_list[10]\n"
                                  "source_word      bytes_list[10]\n"
                                  "target_id        int64_list[15]\n"
                                  "target_label     int64_list[15]\n"
                                  "target_padding   float_list[15]\n"
                                  "target_weight    float_list[15]\n"
                                  "target_word      bytes_list[15]\n");
        tfc_free(tree);
    }
    /* JSON round trip of real data. */
    char *j = tfc_example_to_json(ex);
    tfc_example *back;
    TU_OK(tfc_example_from_json(j, strlen(j), &back, NULL));
    assert_true(tfc_example_equal(ex, back));
    tfc_example_free(back);
    tfc_free(j);
    tfc_example_free(ex);
}

static void test_wmt14(void **state) {
    (void)state;
    assert_int_equal(each_record("tfrecord/wmt14_examples.tfrecord", wmt_record, NULL), 100);
}

static const char penguin0_text[] = "features {\n"
                                    "  feature {\n"
                                    "    key: \"body_mass_g\"\n"
                                    "    value {\n"
                                    "      float_list {\n"
                                    "        value: 0.25694445\n"
                                    "      }\n"
                                    "    }\n"
                                    "  }\n"
                                    "  feature {\n"
                                    "    key: \"culmen_depth_mm\"\n"
                                    "    value {\n"
                                    "      float_list {\n"
                                    "        value: 0.5595238\n"
                                    "      }\n"
                                    "    }\n"
                                    "  }\n"
                                    "  feature {\n"
                                    "    key: \"culmen_length_mm\"\n"
                                    "    value {\n"
                                    "      float_list {\n"
                                    "        value: 0.24727273\n"
                                    "      }\n"
                                    "    }\n"
                                    "  }\n"
                                    "  feature {\n"
                                    "    key: \"flipper_length_mm\"\n"
                                    "    value {\n"
                                    "      float_list {\n"
                                    "        value: 0.15254237\n"
                                    "      }\n"
                                    "    }\n"
                                    "  }\n"
                                    "  feature {\n"
                                    "    key: \"species\"\n"
                                    "    value {\n"
                                    "      int64_list {\n"
                                    "        value: 0\n"
                                    "      }\n"
                                    "    }\n"
                                    "  }\n"
                                    "}\n";

typedef struct penguin_ctx {
    char *json[100]; /* each record's JSON, to compare the gzip and zlib copies */
} penguin_ctx;

static void penguin_record(const tfc_bytes *rec, int64_t i, void *ctx) {
    penguin_ctx *pc = ctx;
    assert_int_equal(rec->size, 136);
    tfc_example *ex = parse_and_reserialize(rec);
    const tfc_features *fs = tfc_example_features_const(ex);
    assert_int_equal(tfc_features_count(fs), 5);
    if (i == 0) {
        assert_string_equal(tfc_features_key(fs, 0), "species"); /* wire order, as TFX wrote it */
        static const struct {
            const char *key;
            float v;
        } want[] = {{"body_mass_g", 0.25694445f},
                    {"culmen_depth_mm", 0.5595238f},
                    {"culmen_length_mm", 0.24727273f},
                    {"flipper_length_mm", 0.15254237f}};
        for (size_t k = 0; k < 4; k++) {
            const float *fv;
            size_t n;
            TU_OK(tfc_features_get_floats(fs, want[k].key, &fv, &n, NULL));
            assert_true(n == 1 && fv[0] == want[k].v);
        }
        const int64_t *iv;
        size_t n;
        TU_OK(tfc_features_get_int64s(fs, "species", &iv, &n, NULL));
        assert_true(n == 1 && iv[0] == 0);
        char *t = tfc_example_to_text(ex);
        assert_string_equal(t, penguin0_text);
        tfc_free(t);
        char *j = tfc_example_to_json(ex);
        assert_string_equal(
            j, "{\"features\":{\"feature\":{\"species\":{\"int64List\":{\"value\":[\"0\"]}},"
               "\"culmen_depth_mm\":{\"floatList\":{\"value\":[0.5595238]}},\"culmen_length_mm\":{"
               "\"floatList\":{\"value\":[0.24727273]}},\"body_mass_g\":{\"floatList\":{\"value\":"
               "[0.25694445]}},\"flipper_length_mm\":{\"floatList\":{\"value\":[0.15254237]}}}}}");
        tfc_free(j);
    }
    char *j = tfc_example_to_json(ex);
    if (!pc->json[i]) {
        pc->json[i] = j;
    } else {
        assert_string_equal(pc->json[i], j);
        tfc_free(j);
    }
    tfc_example_free(ex);
}

static void test_penguin(void **state) {
    (void)state;
    penguin_ctx pc = {{0}};
    assert_int_equal(each_record("tfrecord/penguin_eval.tfrecord.gz", penguin_record, &pc), 100);
    assert_int_equal(each_record("tfrecord/penguin_eval.tfrecord.zlib", penguin_record, &pc), 100);
    for (int i = 0; i < 100; i++) tfc_free(pc.json[i]);
}

static void en_fr_record(const tfc_bytes *rec, int64_t i, void *ctx) {
    (void)ctx;
    static const char *const want[] = {
        "could not parse Example: features.feature[0]: field 14 (length-delimited, 97 bytes) runs "
        "past the end of the message (8 bytes left) at byte 13",
        "could not parse Example: features.feature[0]: field 14 has invalid wire type 6 at byte 4"};
    tfc_status st = {0};
    tfc_example *ex = (tfc_example *)1;
    assert_int_equal(tfc_example_parse(rec->data, rec->size, &ex, &st), TFC_INVALID_ARGUMENT);
    assert_null(ex);
    assert_string_equal(st.msg, want[i]);
    tfc_sequence_example *se = (tfc_sequence_example *)1;
    assert_int_equal(tfc_sequence_example_parse(rec->data, rec->size, &se, &st),
                     TFC_INVALID_ARGUMENT);
    assert_null(se);
    ex_assert_msg(&st, "could not parse SequenceExample: context.feature[0]: field 14");
}

static void test_en_fr_not_example(void **state) {
    (void)state;
    assert_int_equal(each_record("tfrecord/en_fr_not_example.tfrecord", en_fr_record, NULL), 2);
}

int tu_run_example_files(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_wmt14),
        TU_TEST(test_penguin),
        TU_TEST(test_en_fr_not_example),
    };
    return cmocka_run_group_tests_name("example_files", tests, NULL, NULL);
}
