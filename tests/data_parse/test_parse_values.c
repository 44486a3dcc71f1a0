/* What the parse ops return: the real penguin file (TFX wrote it) single and batched, and each
 * spec kind's shapes, values, defaults and padding on examples built here, as TF returns them. */
#include <string.h>

#include "parse_tests.h"
#include "tfc/record.h"

/* ---- the penguin file (testdata README: record 0's values) ---- */

#define PENGUIN_RECORDS 100

/* All records of penguin_eval.tfrecord.gz as a DT_STRING vector. */
static tfc_tensor *penguin_records(void) {
    tfc_status st = {0};
    tfc_record_reader *r;
    if (tfc_record_reader_open(tu_testdata("tfrecord/penguin_eval.tfrecord.gz"), NULL, &r, &st) !=
        TFC_OK)
        fail_msg("open: %s", st.msg);
    tfc_tensor *t;
    tfc_shape s = pt_shape(1, PENGUIN_RECORDS);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s, &t, NULL));
    tfc_bytes rec;
    int64_t i = 0;
    tfc_code c;
    while ((c = tfc_record_reader_next(r, &rec, &st)) == TFC_OK) {
        assert_true(i < PENGUIN_RECORDS);
        TU_OK(tfc_tensor_set_string(t, i++, rec.data, rec.size, NULL));
    }
    assert_int_equal(c, TFC_OUT_OF_RANGE);
    assert_int_equal(i, PENGUIN_RECORDS);
    tfc_record_reader_free(r);
    return t;
}

static const char *const penguin_floats[] = {"body_mass_g", "culmen_depth_mm", "culmen_length_mm",
                                             "flipper_length_mm"};
static const float penguin_rec0[] = {0.25694445f, 0.5595238f, 0.24727273f, 0.15254237f};

static void penguin_specs(tfc_feature_spec specs[5]) {
    for (int i = 0; i < 4; i++)
        specs[i] = (tfc_feature_spec){.key = penguin_floats[i], .dtype = TFC_DT_FLOAT};
    specs[4] = (tfc_feature_spec){.key = "species", .dtype = TFC_DT_INT64};
}

static void test_penguin_single(void **state) {
    (void)state;
    tfc_tensor *recs = penguin_records();
    tfc_bytes rec0 = tfc_tensor_string_at(recs, 0);
    assert_int_equal(rec0.size, 136);
    tfc_feature_spec specs[5];
    penguin_specs(specs);
    tfc_parsed out[5];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_single_example(rec0.data, rec0.size, specs, 5, out, &st), TFC_OK);
    for (int i = 0; i < 4; i++) {
        pt_check_f32(out[i].dense, pt_shape(0), &penguin_rec0[i]);
        assert_null(out[i].indices);
    }
    pt_check_i64(out[4].dense, pt_shape(0), (int64_t[]){0});
    tfc_parsed_clear(out, 5);
    assert_null(out[0].dense);
    tfc_tensor_unref(recs);
}

static void test_penguin_batch(void **state) {
    (void)state;
    tfc_tensor *recs = penguin_records();
    tfc_feature_spec specs[6];
    penguin_specs(specs);
    specs[5] = (tfc_feature_spec){.key = "body_mass_g", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT};
    tfc_parsed out[6];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_example(recs, specs, 6, out, &st), TFC_OK);
    for (int i = 0; i < 4; i++) {
        pt_check_shape(out[i].dense, TFC_DT_FLOAT, pt_shape(1, PENGUIN_RECORDS));
        assert_true(((const float *)tfc_tensor_data_const(out[i].dense))[0] == penguin_rec0[i]);
    }
    pt_check_shape(out[4].dense, TFC_DT_INT64, pt_shape(1, PENGUIN_RECORDS));
    const int64_t *species = tfc_tensor_data_const(out[4].dense);
    assert_int_equal(species[0], 0);
    int64_t sum = 0;
    for (int i = 0; i < PENGUIN_RECORDS; i++) {
        assert_true(species[i] >= 0 && species[i] <= 2);
        sum += species[i];
    }
    assert_int_equal(sum, 84); /* TF's parse_example over the same file */
    /* The VarLen view of a one-value feature: one index per example. */
    pt_check_shape(out[5].indices, TFC_DT_INT64, pt_shape(2, PENGUIN_RECORDS, 2));
    pt_check_i64(out[5].dense_shape, pt_shape(1, 2), (int64_t[]){PENGUIN_RECORDS, 1});
    const int64_t *idx = tfc_tensor_data_const(out[5].indices);
    for (int i = 0; i < PENGUIN_RECORDS; i++) assert_true(idx[2 * i] == i && idx[2 * i + 1] == 0);
    assert_memory_equal(tfc_tensor_data_const(out[5].values), tfc_tensor_data_const(out[0].dense),
                        PENGUIN_RECORDS * sizeof(float));

    /* Every row is what the single-example parse of that record gives. */
    for (int64_t r = 0; r < PENGUIN_RECORDS; r++) {
        tfc_bytes rec = tfc_tensor_string_at(recs, r);
        tfc_parsed one[5];
        TU_OK(tfc_parse_single_example(rec.data, rec.size, specs, 5, one, &st));
        for (int i = 0; i < 4; i++)
            assert_true(*(const float *)tfc_tensor_data_const(one[i].dense) ==
                        ((const float *)tfc_tensor_data_const(out[i].dense))[r]);
        assert_int_equal(*(const int64_t *)tfc_tensor_data_const(one[4].dense), species[r]);
        tfc_parsed_clear(one, 5);
    }
    tfc_parsed_clear(out, 6);
    tfc_tensor_unref(recs);
}

/* ---- FixedLen ---- */

static void test_fixed_len_shapes(void **state) {
    (void)state;
    tfc_example *ex = pt_ex_floats("m", (float[]){1, 2, 3, 4}, 4);
    TU_OK(tfc_example_set_int64s(ex, "v", (int64_t[]){7, -8, 1LL << 40}, 3));
    tfc_bytes two[] = {{(const uint8_t *)"ab", 2}, {(const uint8_t *)"", 0}};
    TU_OK(tfc_example_set_bytes(ex, "s", two, 2));
    pt_buf b[2] = {pt_ser(ex), {0}};
    tfc_feature_spec specs[] = {
        {.key = "m", .dtype = TFC_DT_FLOAT, .shape = pt_shape(2, 2, 2)},
        {.key = "v", .dtype = TFC_DT_INT64, .shape = pt_shape(1, 3)},
        {.key = "s", .dtype = TFC_DT_STRING, .shape = pt_shape(2, 1, 2)},
    };
    tfc_parsed out[3];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_single_example(b[0].p, b[0].n, specs, 3, out, &st), TFC_OK);
    pt_check_f32(out[0].dense, pt_shape(2, 2, 2), (float[]){1, 2, 3, 4});
    pt_check_i64(out[1].dense, pt_shape(1, 3), (int64_t[]){7, -8, 1LL << 40});
    pt_check_str(out[2].dense, pt_shape(2, 1, 2), (const char *[]){"ab", ""});
    tfc_parsed_clear(out, 3);

    /* Batched: [B]+shape, rows in order. */
    ex = pt_ex_floats("m", (float[]){5, 6, 7, 8}, 4);
    TU_OK(tfc_example_set_int64s(ex, "v", (int64_t[]){1, 2, 3}, 3));
    tfc_bytes two2[] = {{(const uint8_t *)"c", 1}, {(const uint8_t *)"dd", 2}};
    TU_OK(tfc_example_set_bytes(ex, "s", two2, 2));
    b[1] = pt_ser(ex);
    tfc_tensor *batch = pt_batch(b, 2);
    assert_int_equal(tfc_parse_example(batch, specs, 3, out, &st), TFC_OK);
    pt_check_f32(out[0].dense, pt_shape(3, 2, 2, 2), (float[]){1, 2, 3, 4, 5, 6, 7, 8});
    pt_check_i64(out[1].dense, pt_shape(2, 2, 3), (int64_t[]){7, -8, 1LL << 40, 1, 2, 3});
    pt_check_str(out[2].dense, pt_shape(3, 2, 1, 2), (const char *[]){"ab", "", "c", "dd"});
    tfc_parsed_clear(out, 3);
    tfc_tensor_unref(batch);
    pt_bufs_free(b, 2);
}

static void test_fixed_len_defaults(void **state) {
    (void)state;
    /* Example 0 has "x"; example 1 has nothing; example 2 has "x" as an empty Feature (kind
     * none), which TF reads as missing. */
    tfc_example *e2 = tfc_example_new();
    TU_OK(tfc_features_set_empty(tfc_example_features(e2), "x"));
    TU_OK(tfc_features_set_empty(tfc_example_features(e2), "s"));
    pt_buf b[3] = {pt_ser(pt_ex_floats("x", (float[]){1, 2}, 2)), pt_ser(tfc_example_new()),
                   pt_ser(e2)};
    /* A default of any shape with the right element count (TF reshapes it). */
    tfc_tensor *dx, *ds, *di;
    tfc_shape s12 = pt_shape(2, 1, 2);
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &s12, (float[]){-1, -2}, 8, &dx, NULL));
    ds = tfc_tensor_scalar_string("none", 4);
    di = tfc_tensor_scalar_int64(42);
    tfc_feature_spec specs[] = {
        {.key = "x", .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 2), .default_value = dx},
        {.key = "s", .dtype = TFC_DT_STRING, .default_value = ds},
        {.key = "i", .dtype = TFC_DT_INT64, .default_value = di},
        /* Shape with no elements: needs no values, so it is never missing in effect. */
        {.key = "z", .dtype = TFC_DT_FLOAT, .shape = pt_shape(2, 0, 3), .default_value = NULL},
    };
    tfc_parsed out[4];
    tfc_status st = {0};
    /* z is required but missing everywhere: that is an error even with 0 elements, as in TF. */
    tfc_tensor *batch = pt_batch(b, 3);
    pt_check_err(tfc_parse_example(batch, specs, 4, out, &st), &st,
                 "Index: 0.  Feature: z (data type: float) is required but could not be found.",
                 out, 4);
    tfc_tensor *dz;
    tfc_shape s03 = pt_shape(2, 0, 3);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &s03, &dz, NULL));
    specs[3].default_value = dz;
    assert_int_equal(tfc_parse_example(batch, specs, 4, out, &st), TFC_OK);
    pt_check_f32(out[0].dense, pt_shape(2, 3, 2), (float[]){1, 2, -1, -2, -1, -2});
    pt_check_str(out[1].dense, pt_shape(1, 3), (const char *[]){"none", "none", "none"});
    pt_check_i64(out[2].dense, pt_shape(1, 3), (int64_t[]){42, 42, 42});
    pt_check_shape(out[3].dense, TFC_DT_FLOAT, pt_shape(3, 3, 0, 3));
    tfc_parsed_clear(out, 4);

    /* Single: the default itself, in the spec's shape. */
    assert_int_equal(tfc_parse_single_example(b[1].p, b[1].n, specs, 3, out, &st), TFC_OK);
    pt_check_f32(out[0].dense, pt_shape(1, 2), (float[]){-1, -2});
    pt_check_str(out[1].dense, pt_shape(0), (const char *[]){"none"});
    tfc_parsed_clear(out, 3);
    /* The empty Example: NULL data with no bytes. */
    assert_int_equal(tfc_parse_single_example(NULL, 0, specs, 3, out, &st), TFC_OK);
    pt_check_i64(out[2].dense, pt_shape(0), (int64_t[]){42});
    tfc_parsed_clear(out, 3);

    tfc_tensor_unref(batch);
    tfc_tensor_unref(dx), tfc_tensor_unref(ds), tfc_tensor_unref(di), tfc_tensor_unref(dz);
    pt_bufs_free(b, 3);
}

/* Two Examples' bytes back to back are one Example whose maps merge: the later key wins. */
static void test_duplicate_key_last_wins(void **state) {
    (void)state;
    pt_buf b[2] = {pt_ser(pt_ex_int64s("k", (int64_t[]){1}, 1)),
                   pt_ser(pt_ex_int64s("k", (int64_t[]){2}, 1))};
    uint8_t both[64];
    assert_true(b[0].n + b[1].n <= sizeof both);
    memcpy(both, b[0].p, b[0].n);
    memcpy(both + b[0].n, b[1].p, b[1].n);
    tfc_feature_spec spec = {.key = "k", .dtype = TFC_DT_INT64};
    tfc_parsed out;
    TU_OK(tfc_parse_single_example(both, b[0].n + b[1].n, &spec, 1, &out, NULL));
    pt_check_i64(out.dense, pt_shape(0), (int64_t[]){2});
    tfc_parsed_clear(&out, 1);
    pt_bufs_free(b, 2);
}

/* ---- VarLen ---- */

static void test_var_len_single(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_strs("w", (const char *[]){"the", "", "fox"}, 3));
    tfc_feature_spec specs[] = {
        /* A VarLen spec's shape and default are ignored, however odd (as TF ignores them). */
        {.key = "w", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING, .shape = {.rank = 99}},
        {.key = "absent", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT},
    };
    tfc_parsed out[2];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_single_example(b.p, b.n, specs, 2, out, &st), TFC_OK);
    assert_null(out[0].dense);
    pt_check_i64(out[0].indices, pt_shape(2, 3, 1), (int64_t[]){0, 1, 2});
    pt_check_str(out[0].values, pt_shape(1, 3), (const char *[]){"the", "", "fox"});
    pt_check_i64(out[0].dense_shape, pt_shape(1, 1), (int64_t[]){3});
    pt_check_shape(out[1].indices, TFC_DT_INT64, pt_shape(2, 0, 1));
    pt_check_shape(out[1].values, TFC_DT_FLOAT, pt_shape(1, 0));
    pt_check_i64(out[1].dense_shape, pt_shape(1, 1), (int64_t[]){0});
    tfc_parsed_clear(out, 2);
    pt_bufs_free(&b, 1);
}

/* TF: parse_example([{a: [1,2,3]}, {a: [5]}, {}], {a: VarLenFeature(float32)}). */
static void test_var_len_batch(void **state) {
    (void)state;
    tfc_example *e2 = tfc_example_new();
    TU_OK(tfc_features_set_empty(tfc_example_features(e2), "a")); /* kind none: no values */
    pt_buf b[4] = {pt_ser(pt_ex_floats("a", (float[]){1, 2, 3}, 3)),
                   pt_ser(pt_ex_floats("a", (float[]){5}, 1)), pt_ser(tfc_example_new()),
                   pt_ser(e2)};
    tfc_tensor *batch = pt_batch(b, 4);
    tfc_feature_spec spec = {.key = "a", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT};
    tfc_parsed out;
    tfc_status st = {0};
    assert_int_equal(tfc_parse_example(batch, &spec, 1, &out, &st), TFC_OK);
    pt_check_i64(out.indices, pt_shape(2, 4, 2), (int64_t[]){0, 0, 0, 1, 0, 2, 1, 0});
    pt_check_f32(out.values, pt_shape(1, 4), (float[]){1, 2, 3, 5});
    pt_check_i64(out.dense_shape, pt_shape(1, 2), (int64_t[]){4, 3});
    tfc_parsed_clear(&out, 1);
    tfc_tensor_unref(batch);
    pt_bufs_free(b, 4);
}

/* ---- FixedLenSequence ---- */

/* TF: parse_example([{a: [1,2,3]}, {a: [5]}, {}], FixedLenSequenceFeature([], float32,
 * allow_missing=True, default_value=-1.0)) = [[1,2,3],[5,-1,-1],[-1,-1,-1]]. */
static void test_fixed_len_sequence_batch(void **state) {
    (void)state;
    pt_buf b[3] = {pt_ser(pt_ex_floats("a", (float[]){1, 2, 3}, 3)),
                   pt_ser(pt_ex_floats("a", (float[]){5}, 1)), pt_ser(tfc_example_new())};
    tfc_tensor *batch = pt_batch(b, 3), *pad = tfc_tensor_scalar_float(-1);
    tfc_feature_spec specs[] = {
        {.key = "a",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_FLOAT,
         .default_value = pad,
         .allow_missing = true},
        {.key = "a", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT, .allow_missing = true},
    };
    tfc_parsed out[2];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_example(batch, specs, 2, out, &st), TFC_OK);
    pt_check_f32(out[0].dense, pt_shape(2, 3, 3), (float[]){1, 2, 3, 5, -1, -1, -1, -1, -1});
    pt_check_f32(out[1].dense, pt_shape(2, 3, 3), (float[]){1, 2, 3, 5, 0, 0, 0, 0, 0});
    tfc_parsed_clear(out, 2);
    tfc_tensor_unref(batch);
    tfc_tensor_unref(pad);
    pt_bufs_free(b, 3);

    /* Steps of shape [2] (TF broadcasts the one padding value), strings padded with "". */
    tfc_example *e0 = pt_ex_int64s("p", (int64_t[]){1, 2, 3, 4}, 4);
    TU_OK(tfc_example_set_bytes(e0, "s", (tfc_bytes[]){{(const uint8_t *)"x", 1}}, 1));
    pt_buf c[2] = {pt_ser(e0), pt_ser(pt_ex_int64s("p", (int64_t[]){5, 6}, 2))};
    batch = pt_batch(c, 2);
    pad = tfc_tensor_scalar_int64(9);
    tfc_feature_spec s2[] = {
        {.key = "p",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_INT64,
         .shape = pt_shape(1, 2),
         .default_value = pad,
         .allow_missing = true},
        {.key = "s", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_STRING, .allow_missing = true},
    };
    assert_int_equal(tfc_parse_example(batch, s2, 2, out, &st), TFC_OK);
    pt_check_i64(out[0].dense, pt_shape(3, 2, 2, 2), (int64_t[]){1, 2, 3, 4, 5, 6, 9, 9});
    pt_check_str(out[1].dense, pt_shape(2, 2, 1), (const char *[]){"x", ""});
    tfc_parsed_clear(out, 2);
    tfc_tensor_unref(batch);
    tfc_tensor_unref(pad);
    pt_bufs_free(c, 2);
}

static void test_fixed_len_sequence_single(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_floats("a", (float[]){1, 2, 3, 4, 5, 6}, 6));
    tfc_feature_spec specs[] = {
        {.key = "a", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT, .allow_missing = true},
        {.key = "a",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_FLOAT,
         .shape = pt_shape(1, 3),
         .allow_missing = true},
        {.key = "q",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_STRING,
         .shape = pt_shape(1, 2),
         .allow_missing = true},
    };
    tfc_parsed out[3];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_single_example(b.p, b.n, specs, 3, out, &st), TFC_OK);
    const float v[] = {1, 2, 3, 4, 5, 6};
    pt_check_f32(out[0].dense, pt_shape(1, 6), v);
    pt_check_f32(out[1].dense, pt_shape(2, 2, 3), v);
    pt_check_shape(out[2].dense, TFC_DT_STRING, pt_shape(2, 0, 2));
    tfc_parsed_clear(out, 3);
    pt_bufs_free(&b, 1);
}

/* A batch of no examples still has TF's output shapes. */
static void test_empty_batch(void **state) {
    (void)state;
    tfc_tensor *batch;
    tfc_shape s0 = pt_shape(1, 0);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s0, &batch, NULL));
    tfc_feature_spec specs[] = {
        {.key = "c", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
        {.key = "a", .dtype = TFC_DT_FLOAT, .shape = pt_shape(1, 2)},
        {.key = "q", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_FLOAT, .allow_missing = true},
    };
    tfc_parsed out[3];
    tfc_status st = {0};
    assert_int_equal(tfc_parse_example(batch, specs, 3, out, &st), TFC_OK);
    pt_check_shape(out[0].indices, TFC_DT_INT64, pt_shape(2, 0, 2));
    pt_check_shape(out[0].values, TFC_DT_STRING, pt_shape(1, 0));
    pt_check_i64(out[0].dense_shape, pt_shape(1, 2), (int64_t[]){0, 0});
    pt_check_shape(out[1].dense, TFC_DT_FLOAT, pt_shape(2, 0, 2));
    pt_check_shape(out[2].dense, TFC_DT_FLOAT, pt_shape(2, 0, 0));
    tfc_parsed_clear(out, 3);
    /* No specs: the inputs are still parsed (and could fail), nothing comes out. */
    assert_int_equal(tfc_parse_example(batch, NULL, 0, NULL, &st), TFC_OK);
    tfc_tensor_unref(batch);
}

/* Outputs share nothing with the inputs: they outlive the batch tensor and the specs' defaults. */
static void test_outputs_own_their_data(void **state) {
    (void)state;
    pt_buf b = pt_ser(pt_ex_strs("s", (const char *[]){"kept"}, 1));
    tfc_tensor *batch = pt_batch(&b, 1), *d = tfc_tensor_scalar_string("dflt", 4);
    pt_bufs_free(&b, 1);
    tfc_feature_spec specs[] = {
        {.key = "s", .dtype = TFC_DT_STRING},
        {.key = "t", .dtype = TFC_DT_STRING, .default_value = d},
    };
    tfc_parsed out[2];
    TU_OK(tfc_parse_example(batch, specs, 2, out, NULL));
    tfc_tensor_unref(batch);
    tfc_tensor_unref(d);
    assert_int_equal(tfc_tensor_refcount(out[0].dense), 1);
    pt_check_str(out[0].dense, pt_shape(1, 1), (const char *[]){"kept"});
    pt_check_str(out[1].dense, pt_shape(1, 1), (const char *[]){"dflt"});
    tfc_parsed_clear(out, 2);
    tfc_parsed_clear(NULL, 0);
}

int pt_run_values(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_penguin_single),
        TU_TEST(test_penguin_batch),
        TU_TEST(test_fixed_len_shapes),
        TU_TEST(test_fixed_len_defaults),
        TU_TEST(test_duplicate_key_last_wins),
        TU_TEST(test_var_len_single),
        TU_TEST(test_var_len_batch),
        TU_TEST(test_fixed_len_sequence_batch),
        TU_TEST(test_fixed_len_sequence_single),
        TU_TEST(test_empty_batch),
        TU_TEST(test_outputs_own_their_data),
    };
    return cmocka_run_group_tests_name("parse_values", tests, NULL, NULL);
}
