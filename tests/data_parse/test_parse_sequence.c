/* tf.io.parse_single_sequence_example: context and feature lists, TF's shapes and messages. */
#include <string.h>

#include "parse_tests.h"

static void append(tfc_sequence_example *se, const char *key, tfc_feature f) {
    TU_OK(tfc_sequence_example_append(se, key, &f));
}

static tfc_feature f_i64(const int64_t *v, size_t n) {
    return (tfc_feature){.kind = TFC_FEATURE_INT64, .count = n, .int64s = v};
}

static tfc_feature f_f32(const float *v, size_t n) {
    return (tfc_feature){.kind = TFC_FEATURE_FLOAT, .count = n, .floats = v};
}

/* TF's case: context {len: [3]}; lists tok = [[1,2],[3,4],[5,6]], w = [[1.0],[2.0,3.0],<empty
 * Feature>], empty = no steps. */
static pt_buf sample(void) {
    tfc_sequence_example *se = tfc_sequence_example_new();
    assert_non_null(se);
    TU_OK(tfc_features_set_int64s(tfc_sequence_example_context(se), "len", (int64_t[]){3}, 1));
    TU_OK(tfc_features_set_bytes(tfc_sequence_example_context(se), "id",
                                 (tfc_bytes[]){{(const uint8_t *)"seq-1", 5}}, 1));
    append(se, "tok", f_i64((int64_t[]){1, 2}, 2));
    append(se, "tok", f_i64((int64_t[]){3, 4}, 2));
    append(se, "tok", f_i64((int64_t[]){5, 6}, 2));
    append(se, "w", f_f32((float[]){1}, 1));
    append(se, "w", f_f32((float[]){2, 3}, 2));
    append(se, "w", (tfc_feature){.kind = TFC_FEATURE_NONE});
    TU_OK(tfc_sequence_example_add_list(se, "empty"));
    const tfc_bytes words[] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"bc", 2}};
    append(se, "words", (tfc_feature){.kind = TFC_FEATURE_BYTES, .count = 2, .bytes = words});
    append(se, "words", (tfc_feature){.kind = TFC_FEATURE_BYTES, .count = 1, .bytes = words + 1});
    return pt_ser_seq(se);
}

static void test_sequence_values(void **state) {
    (void)state;
    pt_buf b = sample();
    tfc_feature_spec ctx[] = {
        {.key = "len", .dtype = TFC_DT_INT64},
        {.key = "id", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
        {.key = "missing", .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 2)},
    };
    tfc_tensor *dflt;
    tfc_shape s2 = pt_shape(1, 2);
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &s2, (float[]){1, 2}, 8, &dflt, NULL));
    ctx[2].default_value = dflt;
    tfc_feature_spec seq[] = {
        {.key = "tok",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_INT64,
         .shape = pt_shape(1, 2)},
        {.key = "w", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT, .shape = {.rank = -5}},
        {.key = "empty",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_INT64,
         .shape = pt_shape(1, 2)},
        {.key = "absent",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_FLOAT,
         .shape = pt_shape(1, 3),
         .allow_missing = true},
        {.key = "absent", .kind = TFC_VAR_LEN, .dtype = TFC_DT_INT64},
        {.key = "words", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
    };
    tfc_parsed co[3], so[6];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_sequence_example(b.p, b.n, ctx, 3, seq, 6, co, so, &st), TFC_OK);
    pt_check_i64(co[0].dense, pt_shape(0), (int64_t[]){3});
    pt_check_i64(co[1].indices, pt_shape(2, 1, 1), (int64_t[]){0});
    pt_check_str(co[1].values, pt_shape(1, 1), (const char *[]){"seq-1"});
    pt_check_i64(co[1].dense_shape, pt_shape(1, 1), (int64_t[]){1});
    pt_check_f32(co[2].dense, pt_shape(1, 2), (float[]){1, 2});

    pt_check_i64(so[0].dense, pt_shape(2, 3, 2), (int64_t[]){1, 2, 3, 4, 5, 6});
    /* TF: indices [[0,0],[1,0],[1,1]], values [1,2,3], dense_shape [3,2]. */
    pt_check_i64(so[1].indices, pt_shape(2, 3, 2), (int64_t[]){0, 0, 1, 0, 1, 1});
    pt_check_f32(so[1].values, pt_shape(1, 3), (float[]){1, 2, 3});
    pt_check_i64(so[1].dense_shape, pt_shape(1, 2), (int64_t[]){3, 2});
    pt_check_shape(so[2].dense, TFC_DT_INT64, pt_shape(2, 0, 2));
    pt_check_shape(so[3].dense, TFC_DT_FLOAT, pt_shape(2, 0, 3));
    pt_check_shape(so[4].indices, TFC_DT_INT64, pt_shape(2, 0, 2));
    pt_check_i64(so[4].dense_shape, pt_shape(1, 2), (int64_t[]){0, 0});
    pt_check_i64(so[5].indices, pt_shape(2, 3, 2), (int64_t[]){0, 0, 0, 1, 1, 0});
    pt_check_str(so[5].values, pt_shape(1, 3), (const char *[]){"a", "bc", "bc"});
    pt_check_i64(so[5].dense_shape, pt_shape(1, 2), (int64_t[]){2, 2});
    tfc_parsed_clear(co, 3);
    tfc_parsed_clear(so, 6);
    tfc_tensor_unref(dflt);
    pt_bufs_free(&b, 1);
}

/* The same call, expected to fail with want and zero both output arrays. */
static void expect_seq(const pt_buf *b, const tfc_feature_spec *ctx, int nctx,
                       const tfc_feature_spec *seq, int nseq, const char *want) {
    tfc_parsed co[4], so[4];
    memset(co, 0x5a, sizeof co), memset(so, 0x5a, sizeof so);
    tfc_status st = {0};
    tfc_code c = tfc_parse_sequence_example(b->p, b->n, ctx, nctx, seq, nseq, co, so, &st);
    pt_check_err(c, &st, want, co, nctx);
    pt_check_err(c, &st, want, so, nseq);
}

static void test_sequence_errors(void **state) {
    (void)state;
    pt_buf b = sample();
    tfc_feature_spec len = {.key = "len", .dtype = TFC_DT_INT64};
    tfc_feature_spec f = {.key = "tok", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_INT64};
    /* The context is parsed fine, then a list fails: neither side is returned. */
    expect_seq(&b, &len, 1, &f, 1,
               "Feature list: tok, Step: 0.  Number of int64 values != expected.  Values size: 2 "
               "but output shape: []");
    f.shape = pt_shape(1, 2);
    f.dtype = TFC_DT_FLOAT;
    expect_seq(&b, &len, 1, &f, 1,
               "Feature list: tok, Step: 0.  Data types don't match. Data type: int64 but "
               "expected type: float");
    f = (tfc_feature_spec){.key = "w", .kind = TFC_VAR_LEN, .dtype = TFC_DT_INT64};
    expect_seq(&b, NULL, 0, &f, 1, "Feature list: w, Step: 0.  Data types don't match.");
    /* An empty Feature as a step of a FixedLenSequence list holds 0 values (TF: count error). */
    f = (tfc_feature_spec){
        .key = "w", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 1)};
    expect_seq(&b, NULL, 0, &f, 1,
               "Feature list: w, Step: 1.  Number of float values != expected.  Values size: 2");
    f = (tfc_feature_spec){.key = "zz", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_INT64};
    expect_seq(&b, NULL, 0, &f, 1, "Feature list 'zz' is required but could not be found.");

    /* Context errors say so. */
    tfc_feature_spec c = {.key = "nope", .dtype = TFC_DT_INT64};
    expect_seq(&b, &c, 1, NULL, 0,
               "Context feature: nope (data type: int64) is required but could not be found.");
    c = (tfc_feature_spec){.key = "len", .dtype = TFC_DT_FLOAT};
    expect_seq(&b, &c, 1, NULL, 0,
               "Context feature: len.  Data types don't match. Data type: int64 but expected "
               "type: float");
    c = (tfc_feature_spec){.key = "len", .dtype = TFC_DT_INT64, .shape = pt_shape(1, 2)};
    expect_seq(&b, &c, 1, NULL, 0,
               "Context feature: len.  Number of int64 values != expected.  Values size: 1 but "
               "output shape: [2]");

    /* Specs TF refuses. */
    c = (tfc_feature_spec){
        .key = "len", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_INT64, .allow_missing = true};
    expect_seq(&b, &c, 1, NULL, 0,
               "Context feature: len.  Unsupported FixedLenSequence spec for a context feature");
    f = (tfc_feature_spec){.key = "tok", .dtype = TFC_DT_INT64, .shape = pt_shape(1, 2)};
    expect_seq(&b, NULL, 0, &f, 1,
               "Feature list: tok.  Unsupported FixedLen spec for a feature list");
    tfc_tensor *pad = tfc_tensor_scalar_int64(0);
    f = (tfc_feature_spec){.key = "tok",
                           .kind = TFC_FIXED_LEN_SEQUENCE,
                           .dtype = TFC_DT_INT64,
                           .shape = pt_shape(1, 2),
                           .default_value = pad};
    expect_seq(&b, NULL, 0, &f, 1,
               "Feature list: tok.  A feature list's default_value must be NULL");
    tfc_tensor_unref(pad);

    /* Malformed bytes: feature_lists (field 2) claims 5 bytes, 3 follow. */
    pt_buf junk = {(uint8_t *)"\x12\x05"
                              "abc",
                   5};
    expect_seq(&junk, &len, 1, NULL, 0,
               "Could not parse example input: could not parse SequenceExample: ");
    expect_seq(&junk, NULL, 0, NULL, 0, "could not parse SequenceExample");
    tfc_parsed co;
    tfc_status st = {0};
    pt_check_err(tfc_parse_sequence_example(NULL, 2, &len, 1, NULL, 0, &co, NULL, &st), &st,
                 "NULL data", &co, 1);
    pt_check_err(tfc_parse_sequence_example(b.p, b.n, NULL, 0, &f, 1, NULL, NULL, &st), &st,
                 "no output array", NULL, 0);
    pt_bufs_free(&b, 1);
}

/* An Example's bytes are a SequenceExample with that context and no lists. */
static void test_example_as_sequence(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_floats("x", (float[]){0.5f}, 1));
    tfc_feature_spec ctx = {.key = "x", .dtype = TFC_DT_FLOAT};
    tfc_feature_spec seq = {
        .key = "x", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT, .allow_missing = true};
    tfc_parsed co, so;
    TU_OK(tfc_parse_sequence_example(b.p, b.n, &ctx, 1, &seq, 1, &co, &so, NULL));
    pt_check_f32(co.dense, pt_shape(0), (float[]){0.5f});
    pt_check_shape(so.dense, TFC_DT_FLOAT, pt_shape(1, 0));
    tfc_parsed_clear(&co, 1);
    tfc_parsed_clear(&so, 1);
    TU_OK(tfc_parse_sequence_example(NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL));
    pt_bufs_free(&b, 1);
}

int pt_run_sequence(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_sequence_values),
        TU_TEST(test_sequence_errors),
        TU_TEST(test_example_as_sequence),
    };
    return cmocka_run_group_tests_name("parse_sequence", tests, NULL, NULL);
}
