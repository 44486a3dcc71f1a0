/* Every way Example parsing fails, with its message (TF's wording, checked by hand against
 * TensorFlow 2.21's parse ops) and nothing half-returned. */
#include <string.h>

#include "parse_tests.h"
#include "tfc/record.h"

/* Runs specs over b single (when single_want is non-NULL) and as a batch of {empty, b} (when
 * batch_want is non-NULL), expecting those messages. */
static void expect(const pt_buf *b, const tfc_feature_spec *specs, int n, const char *single_want,
                   const char *batch_want) {
    tfc_parsed out[8];
    assert_true(n <= 8);
    /* Outputs are overwritten unread: garbage in them must not matter. */
    memset(out, 0xa5, sizeof out);
    tfc_status st = {0};
    if (single_want)
        pt_check_err(tfc_parse_single_example(b->p, b->n, specs, n, out, &st), &st, single_want,
                     out, n);
    if (batch_want) {
        pt_buf two[2] = {{(uint8_t *)"", 0}, *b};
        tfc_tensor *batch = pt_batch(two, 2);
        memset(out, 0xa5, sizeof out);
        pt_check_err(tfc_parse_example(batch, specs, n, out, &st), &st, batch_want, out, n);
        tfc_tensor_unref(batch);
    }
}

static void test_missing_required(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_floats("a", (float[]){1}, 1));
    tfc_feature_spec f = {.key = "z", .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1, "Feature: z (data type: float) is required but could not be found.", NULL);
    tfc_tensor *dflt = tfc_tensor_scalar_float(3);
    tfc_feature_spec specs[] = {
        {.key = "a", .dtype = TFC_DT_FLOAT, .default_value = dflt},
        {.key = "a", .dtype = TFC_DT_FLOAT},
    };
    /* Example 0 of the batch is the empty Example: a has a default, the second spec none. */
    expect(&b, specs, 2, NULL,
           "Index: 0.  Feature: a (data type: float) is required but could not be found.");
    f = (tfc_feature_spec){.key = "q", .dtype = TFC_DT_INT64};
    expect(&b, &f, 1, "Feature: q (data type: int64) is required but could not be found.",
           "Index: 0.  Feature: q (data type: int64) is required");
    f.dtype = TFC_DT_STRING;
    expect(&b, &f, 1, "Feature: q (data type: string) is required but could not be found.", NULL);
    /* An empty Feature (no list) is missing too. */
    tfc_example *ex = tfc_example_new();
    TU_OK(tfc_features_set_empty(tfc_example_features(ex), "q"));
    pt_buf e = pt_ser(ex);
    expect(&e, &f, 1, "Feature: q (data type: string) is required but could not be found.", NULL);
    tfc_tensor_unref(dflt);
    pt_bufs_free(&b, 1);
    pt_bufs_free(&e, 1);
}

static void test_wrong_count(void **state) {
    (void)state;
    tfc_example *ex = pt_ex_floats("a", (float[]){1, 2, 3}, 3);
    TU_OK(tfc_example_set_int64s(ex, "i", (int64_t[]){1, 2}, 2));
    TU_OK(tfc_example_set_bytes(ex, "s", (tfc_bytes[]){{(const uint8_t *)"x", 1}}, 1));
    TU_OK(tfc_example_set_floats(ex, "e", NULL, 0)); /* an empty float_list: 0 values */
    pt_buf b = pt_ser(ex);
    /* The batch's example 0 is empty: the default lets it through to example 1's error. */
    tfc_tensor *d4;
    tfc_shape s4 = pt_shape(1, 4);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &s4, &d4, NULL));
    tfc_feature_spec f = {.key = "a", .dtype = TFC_DT_FLOAT, .shape = s4, .default_value = d4};
    expect(&b, &f, 1,
           "Key: a.  Number of float values != expected.  Values size: 3 but output shape: [4]",
           "Key: a, Index: 1.  Number of float values != expected.  Values size: 3 but output "
           "shape: [4]");
    f.shape = pt_shape(2, 2, 2);
    expect(&b, &f, 1, "Values size: 3 but output shape: [2,2]", "Index: 1.  Number of float");
    tfc_tensor_unref(d4);
    f = (tfc_feature_spec){.key = "i", .dtype = TFC_DT_INT64, .shape = pt_shape(1, 3)};
    expect(&b, &f, 1, "Key: i.  Number of int64 values != expected.  Values size: 2", NULL);
    f = (tfc_feature_spec){.key = "s", .dtype = TFC_DT_STRING, .shape = pt_shape(1, 3)};
    expect(&b, &f, 1, "Key: s.  Number of bytes values != expected.  Values size: 1", NULL);
    /* An empty list is present, not missing: the default does not apply (TF's batch rule). */
    tfc_tensor *dflt = tfc_tensor_scalar_float(7);
    f = (tfc_feature_spec){.key = "e", .dtype = TFC_DT_FLOAT, .default_value = dflt};
    expect(&b, &f, 1,
           "Key: e.  Number of float values != expected.  Values size: 0 but output "
           "shape: []",
           "Key: e, Index: 1.  Number of float values != expected.  Values size: 0");
    tfc_tensor_unref(dflt);
    pt_bufs_free(&b, 1);
}

static void test_wrong_type(void **state) {
    (void)state;
    tfc_example *ex = pt_ex_floats("a", (float[]){1, 2, 3}, 3);
    TU_OK(tfc_example_set_int64s(ex, "e", NULL, 0)); /* empty, but an int64_list */
    pt_buf b = pt_ser(ex);
    tfc_tensor *d3;
    tfc_shape s3 = pt_shape(1, 3);
    TU_OK(tfc_tensor_new(TFC_DT_INT64, &s3, &d3, NULL));
    tfc_feature_spec f = {.key = "a", .dtype = TFC_DT_INT64, .shape = s3, .default_value = d3};
    expect(&b, &f, 1, "Key: a.  Data types don't match. Data type: float but expected type: int64",
           "Key: a, Index: 1.  Data types don't match. Data type: float but expected type: int64");
    f = (tfc_feature_spec){.key = "a", .dtype = TFC_DT_STRING, .shape = s3};
    expect(&b, &f, 1, "Data type: float but expected type: string", NULL);
    tfc_tensor_unref(d3);
    f = (tfc_feature_spec){.key = "a", .kind = TFC_VAR_LEN, .dtype = TFC_DT_INT64};
    expect(&b, &f, 1, "Key: a.  Data types don't match. Data type: float but expected type: int64",
           "Key: a, Index: 1.  Data types don't match.");
    f = (tfc_feature_spec){
        .key = "a", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_STRING, .allow_missing = true};
    expect(&b, &f, 1, NULL,
           "Key: a, Index: 1.  Data types don't match. Data type: float but expected type: "
           "string");
    /* An empty list of the wrong type is still the wrong type (TF checks the list's kind). */
    f = (tfc_feature_spec){.key = "e", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1, "Key: e.  Data types don't match. Data type: int64 but expected type: float",
           NULL);
    pt_bufs_free(&b, 1);
}

static void test_stride(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_floats("a", (float[]){1, 2, 3}, 3));
    tfc_feature_spec f = {.key = "a",
                          .kind = TFC_FIXED_LEN_SEQUENCE,
                          .dtype = TFC_DT_FLOAT,
                          .shape = pt_shape(1, 2),
                          .allow_missing = true};
    expect(&b, &f, 1,
           "Key: a.  Number of float values is not a multiple of stride length. Saw 3 values but "
           "output shape is: [?,2]",
           "Key: a, Index: 1.  Number of float values is not a multiple of stride length.");
    /* Steps of no elements take no values. */
    f.shape = pt_shape(2, 2, 0);
    expect(&b, &f, 1, "Saw 3 values but output shape is: [?,2,0]", NULL);
    pt_bufs_free(&b, 1);
}

static void test_malformed(void **state) {
    (void)state;
    /* features (field 1) claims 5 bytes; 3 follow. */
    pt_buf b = {(uint8_t *)"\x0a\x05"
                           "abc",
                5};
    tfc_feature_spec f = {.key = "a", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1, "Could not parse example input: could not parse Example: ",
           "Index: 1.  Could not parse example input: could not parse Example: ");
    tfc_parsed out;
    tfc_status st = {0};
    pt_check_err(tfc_parse_single_example(NULL, 3, &f, 1, &out, &st), &st, "NULL data", &out, 1);

    /* The testdata records that are some other proto fail cleanly. */
    tfc_record_reader *r;
    TU_OK(
        tfc_record_reader_open(tu_testdata("tfrecord/en_fr_not_example.tfrecord"), NULL, &r, &st));
    tfc_bytes rec;
    int n = 0;
    while (tfc_record_reader_next(r, &rec, &st) == TFC_OK) {
        pt_check_err(tfc_parse_single_example(rec.data, rec.size, &f, 1, &out, &st), &st,
                     "Could not parse example input: could not parse Example", &out, 1);
        n++;
    }
    assert_int_equal(n, 2);
    tfc_record_reader_free(r);
}

static void test_bad_defaults(void **state) {
    (void)state;
    pt_buf b = pt_ser(tfc_example_new());
    tfc_tensor *two, *i64 = tfc_tensor_scalar_int64(1);
    tfc_shape s2 = pt_shape(1, 2);
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &s2, (float[]){1, 2}, 8, &two, NULL));
    tfc_feature_spec f = {
        .key = "z", .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 3), .default_value = two};
    expect(&b, &f, 1, "Key: z.  Default value has 2 values, but the shape [3] has 3 elements",
           "Key: z.  Default value has 2 values");
    /* TF does not broadcast a scalar default either. */
    tfc_tensor *one = tfc_tensor_scalar_float(1);
    f.default_value = one;
    expect(&b, &f, 1, "Key: z.  Default value has 1 values, but the shape [3] has 3", NULL);
    f = (tfc_feature_spec){.key = "z", .dtype = TFC_DT_FLOAT, .default_value = i64};
    expect(&b, &f, 1, "Key: z.  Default value is int64 but the feature is float", NULL);
    f = (tfc_feature_spec){.key = "z",
                           .kind = TFC_FIXED_LEN_SEQUENCE,
                           .dtype = TFC_DT_FLOAT,
                           .default_value = two,
                           .allow_missing = true};
    expect(&b, &f, 1, NULL, "Key: z.  A FixedLenSequence padding value must be one value");
    tfc_tensor_unref(two), tfc_tensor_unref(one), tfc_tensor_unref(i64);
    pt_bufs_free(&b, 1);
}

static void test_bad_specs(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_floats("a", (float[]){1}, 1));
    tfc_feature_spec f = {.key = "a", .dtype = TFC_DT_INT32};
    expect(&b, &f, 1,
           "Key: a.  Unsupported dtype int32: a feature spec's dtype must be float, int64 or "
           "string",
           "Unsupported dtype int32");
    f.dtype = TFC_DT_INVALID;
    expect(&b, &f, 1, "Unsupported dtype invalid", NULL);
    f = (tfc_feature_spec){.key = NULL, .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1, "Feature spec 0 has no key", "Feature spec 0 has no key");
    f = (tfc_feature_spec){.key = "a", .kind = (tfc_feature_spec_kind)7, .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1, "Key: a.  Unknown feature spec kind 7", NULL);
    f = (tfc_feature_spec){.key = "a", .dtype = TFC_DT_FLOAT, .shape = pt_shape(2, -1, 2)};
    expect(&b, &f, 1,
           "Key: a.  All dimensions of shape for feature a need to be known but received [?,2].",
           NULL);
    f.shape = tfc_shape_unknown();
    expect(&b, &f, 1, "Key: a.  The shape must be fully defined", NULL);
    f.shape = pt_shape(3, 1 << 30, 1 << 30, 1 << 30);
    expect(&b, &f, 1, "Key: a.  Shape [1073741824,1073741824,1073741824] has too many elements",
           NULL);
    /* Rank 8 fits a single example but not a batch ([B]+shape would be rank 9). */
    f.shape = pt_shape(8, 1, 1, 1, 1, 1, 1, 1, 1);
    tfc_parsed out;
    tfc_status st = {0};
    TU_OK(tfc_parse_single_example(b.p, b.n, &f, 1, &out, &st));
    pt_check_f32(out.dense, f.shape, (float[]){1});
    tfc_parsed_clear(&out, 1);
    expect(&b, &f, 1, NULL, "the output would have 9 dims, over tfc's limit of 8");
    f = (tfc_feature_spec){.key = "a", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT};
    expect(&b, &f, 1,
           "Key: a.  Unsupported: FixedLenSequenceFeature requires allow_missing to be True.",
           "requires allow_missing");
    /* A bad spec is reported before the input is read. */
    pt_buf junk = {(uint8_t *)"\xff", 1};
    expect(&junk, &f, 1, "requires allow_missing", "requires allow_missing");
    /* The second spec is bad: the first's outputs are not left behind. */
    tfc_feature_spec two[] = {{.key = "a", .dtype = TFC_DT_FLOAT},
                              {.key = "b", .dtype = TFC_DT_BOOL}};
    expect(&b, two, 2, "Key: b.  Unsupported dtype bool", "Key: b.  Unsupported dtype bool");
    pt_check_err(tfc_parse_single_example(b.p, b.n, two, -1, &out, &st), &st, "negative spec count",
                 NULL, 0);
    pt_check_err(tfc_parse_single_example(b.p, b.n, NULL, 1, &out, &st), &st,
                 "1 specs given as NULL", NULL, 0);
    pt_check_err(tfc_parse_single_example(b.p, b.n, two, 1, NULL, &st), &st, "no output array",
                 NULL, 0);
    pt_bufs_free(&b, 1);
}

/* A failure after some specs' outputs were made leaves none of them (TU_TEST checks no leak). */
static void test_late_failure(void **state) {
    (void)state;
    tfc_example *ex = pt_ex_floats("a", (float[]){1, 2}, 2);
    TU_OK(tfc_example_set_bytes(ex, "s", (tfc_bytes[]){{(const uint8_t *)"x", 1}}, 1));
    pt_buf b[3] = {pt_ser(ex), pt_ser(pt_ex_floats("a", (float[]){3, 4}, 2)),
                   pt_ser(pt_ex_floats("a", (float[]){5}, 1))};
    tfc_tensor *batch = pt_batch(b, 3);
    tfc_feature_spec specs[] = {
        {.key = "s", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
        {.key = "a", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT},
        {.key = "a", .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 2)},
    };
    tfc_parsed out[3];
    tfc_status st = {0};
    pt_check_err(tfc_parse_example(batch, specs, 3, out, &st), &st,
                 "Key: a, Index: 2.  Number of float values != expected.  Values size: 1", out, 3);
    tfc_tensor_unref(batch);
    /* A malformed example after good ones: its index is named. */
    pt_buf c[3] = {b[0], b[1], {(uint8_t *)"\x0a", 1}};
    batch = pt_batch(c, 3);
    pt_check_err(tfc_parse_example(batch, specs, 2, out, &st), &st,
                 "Index: 2.  Could not parse example input: could not parse Example", out, 2);
    tfc_tensor_unref(batch);
    pt_bufs_free(b, 3);
}

static void test_bad_serialized(void **state) {
    (void)state;
    tfc_feature_spec f = {.key = "a", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT};
    tfc_parsed out;
    tfc_status st = {0};
    pt_check_err(tfc_parse_example(NULL, &f, 1, &out, &st), &st,
                 "serialized must be a string vector; got NULL", &out, 1);
    tfc_tensor *t = tfc_tensor_scalar_string("x", 1);
    pt_check_err(tfc_parse_example(t, &f, 1, &out, &st), &st,
                 "serialized must be a string vector; got string []", &out, 1);
    tfc_tensor_unref(t);
    tfc_shape s = pt_shape(1, 2);
    TU_OK(tfc_tensor_new(TFC_DT_INT64, &s, &t, NULL));
    pt_check_err(tfc_parse_example(t, &f, 1, &out, &st), &st,
                 "serialized must be a string vector; got int64 [2]", &out, 1);
    tfc_tensor_unref(t);
}

int pt_run_errors(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_missing_required), TU_TEST(test_wrong_count),  TU_TEST(test_wrong_type),
        TU_TEST(test_stride),           TU_TEST(test_malformed),    TU_TEST(test_bad_defaults),
        TU_TEST(test_bad_specs),        TU_TEST(test_late_failure), TU_TEST(test_bad_serialized),
    };
    return cmocka_run_group_tests_name("parse_errors", tests, NULL, NULL);
}
