/* Well-formed TensorProto: round trips of every dtype both ways, the bytes TF writes, TF's
 * repeat-the-last-value rule, the other typed encodings, and the protobuf-c level entry points.
 * Messages are built by tensor_test_util.c's writer, not by the code under test. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"
#include "tensor_tests.h"

static const tfc_dtype holdable[] = {
    TFC_DT_FLOAT,  TFC_DT_DOUBLE, TFC_DT_INT32,  TFC_DT_UINT8,  TFC_DT_INT16,
    TFC_DT_INT8,   TFC_DT_STRING, TFC_DT_INT64,  TFC_DT_BOOL,   TFC_DT_BFLOAT16,
    TFC_DT_UINT16, TFC_DT_HALF,   TFC_DT_UINT32, TFC_DT_UINT64,
};

static void test_round_trip_every_dtype(void **state) {
    (void)state;
    tfc_status st = {0};
    for (size_t i = 0; i < sizeof holdable / sizeof holdable[0]; i++) {
        tfc_tensor *t = tt_sample(holdable[i]);
        tt_round_trip(t);
        tfc_tensor_unref(t);
        /* Scalars and empty tensors too. */
        tfc_shape shapes[2] = {tfc_shape_scalar(), TT_SHAPE(3, 0)};
        for (int k = 0; k < 2; k++) {
            TU_OK(tfc_tensor_new(holdable[i], &shapes[k], &t, &st));
            tt_round_trip(t);
            tfc_tensor_unref(t);
        }
    }
}

/* What TF writes for tf.constant(1.5): dtype: DT_FLOAT tensor_shape {} float_val: 1.5 */
static void test_tf_scalar_const_bytes(void **state) {
    (void)state;
    static const uint8_t tf[] = {0x08, 0x01, 0x12, 0x00, 0x2a, 0x04, 0x00, 0x00, 0xc0, 0x3f};
    tfc_tensor *t = tt_parse_ok(tf, sizeof tf);
    assert_int_equal(tfc_tensor_dtype(t), TFC_DT_FLOAT);
    assert_int_equal(tfc_tensor_rank(t), 0);
    assert_true(*(float *)tfc_tensor_data(t) == 1.5f);
    tfc_status st = {0};
    uint8_t *buf;
    size_t n;
    TU_OK(tfc_tensor_to_proto(t, true, &buf, &n, &st));
    tt_expect_bytes(buf, n, tf, sizeof tf); /* the same bytes back */
    tfc_free(buf);
    TU_OK(tfc_tensor_to_proto(t, false, &buf, &n, &st));
    static const uint8_t content[] = {0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0x00, 0x00, 0xc0, 0x3f};
    tt_expect_bytes(buf, n, content, sizeof content);
    tfc_free(buf);
    tfc_tensor_unref(t);

    /* tf.constant([[1, 2, 3], [4, 5, 6]]) as a frozen graph holds it: int32, tensor_content. */
    tt_pbw w = {.n = 0};
    tt_w_int(&w, 1, TFC_DT_INT32);
    tt_w_shape(&w, 2, (int64_t[]){2, 3});
    int32_t v[6] = {1, 2, 3, 4, 5, 6};
    tt_w_bytes(&w, 4, v, sizeof v);
    t = tt_parse_ok(w.b, w.n);
    assert_memory_equal(tfc_tensor_data(t), v, sizeof v);
    TU_OK(tfc_tensor_to_proto(t, false, &buf, &n, &st));
    tt_expect_bytes(buf, n, w.b, w.n);
    tfc_free(buf);
    /* ... and typed: int_val packed, as tf.make_tensor_proto writes small ones. */
    tt_pbw typed = {.n = 0};
    tt_w_int(&typed, 1, TFC_DT_INT32);
    tt_w_shape(&typed, 2, (int64_t[]){2, 3});
    tt_w_packed(&typed, 7, (int64_t[]){1, 2, 3, 4, 5, 6}, 6);
    TU_OK(tfc_tensor_to_proto(t, true, &buf, &n, &st));
    tt_expect_bytes(buf, n, typed.b, typed.n);
    tfc_free(buf);
    tfc_tensor_unref(t);

    /* A string scalar: dtype: DT_STRING tensor_shape {} string_val: "hi" */
    static const uint8_t str[] = {0x08, 0x07, 0x12, 0x00, 0x42, 0x02, 'h', 'i'};
    t = tt_parse_ok(str, sizeof str);
    assert_int_equal(tfc_tensor_string_at(t, 0).size, 2);
    TU_OK(tfc_tensor_to_proto(t, false, &buf, &n, &st));
    tt_expect_bytes(buf, n, str, sizeof str);
    tfc_free(buf);
    tfc_tensor_unref(t);
}

static void test_repeat_last_value(void **state) {
    (void)state;
    /* float_val: 0.5 with shape [2,3] is six halves. */
    tt_pbw w = {.n = 0};
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 2, (int64_t[]){2, 3});
    float half = 0.5f;
    tt_w_bytes(&w, 5, &half, 4);
    tfc_tensor *t = tt_parse_ok(w.b, w.n);
    assert_int_equal(tfc_tensor_num_elements(t), 6);
    for (int i = 0; i < 6; i++) assert_true(((float *)tfc_tensor_data(t))[i] == 0.5f);
    tfc_tensor_unref(t);

    /* int_val [1, 2] over [5]: 1 2 2 2 2; int8 via int_val too. */
    int64_t vals[2] = {1, -2};
    for (int k = 0; k < 2; k++) {
        w.n = 0;
        tt_w_int(&w, 1, k ? TFC_DT_INT8 : TFC_DT_INT64);
        tt_w_shape(&w, 1, (int64_t[]){5});
        tt_w_packed(&w, k ? 7 : 10, vals, 2);
        t = tt_parse_ok(w.b, w.n);
        for (int i = 0; i < 5; i++) {
            int64_t got =
                k ? ((int8_t *)tfc_tensor_data(t))[i] : ((int64_t *)tfc_tensor_data(t))[i];
            assert_int_equal(got, i ? -2 : 1);
        }
        tfc_tensor_unref(t);
    }

    /* string_val "ab" over [3]: three owned copies. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_STRING);
    tt_w_shape(&w, 1, (int64_t[]){3});
    tt_w_bytes(&w, 8, "ab", 2);
    t = tt_parse_ok(w.b, w.n);
    for (int i = 0; i < 3; i++) assert_memory_equal(tfc_tensor_string_at(t, i).data, "ab", 2);
    assert_ptr_not_equal(tfc_tensor_string_at(t, 1).data, tfc_tensor_string_at(t, 2).data);
    tfc_tensor_unref(t);

    /* No values at all: zeros (and empty strings). */
    for (size_t i = 0; i < sizeof holdable / sizeof holdable[0]; i++) {
        w.n = 0;
        tt_w_int(&w, 1, holdable[i]);
        tt_w_shape(&w, 2, (int64_t[]){4, 5});
        t = tt_parse_ok(w.b, w.n);
        tfc_tensor *zeros;
        tfc_status st = {0};
        TU_OK(tfc_tensor_new(holdable[i], tfc_tensor_shape(t), &zeros, &st));
        assert_true(tfc_tensor_equal(t, zeros));
        tfc_tensor_unref(zeros);
        tfc_tensor_unref(t);
    }

    /* A large fill within the limit, checked at both ends. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_DOUBLE);
    tt_w_shape(&w, 2, (int64_t[]){1000, 1001});
    double d[2] = {-1.0, 7.0};
    tt_w_bytes(&w, 6, d, sizeof d);
    t = tt_parse_ok(w.b, w.n);
    const double *x = tfc_tensor_data(t);
    assert_true(x[0] == -1.0 && x[1] == 7.0 && x[2] == 7.0 && x[1000 * 1001 - 1] == 7.0);
    tfc_tensor_unref(t);
}

static void test_typed_variants(void **state) {
    (void)state;
    tt_pbw w = {.n = 0};
    /* Bools from bool_val; nonzero is true. */
    {
        w.n = 0;
        tt_w_int(&w, 1, TFC_DT_BOOL);
        tt_w_shape(&w, 1, (int64_t[]){4});
        tt_w_packed(&w, 11, (int64_t[]){1, 0, 5}, 3);
        tfc_tensor *t = tt_parse_ok(w.b, w.n);
        const uint8_t want[4] = {1, 0, 1, 1};
        assert_memory_equal(tfc_tensor_data(t), want, 4);
        tfc_tensor_unref(t);
    }
    /* half_val holds the bits; bfloat16 too. */
    for (int k = 0; k < 2; k++) {
        w.n = 0;
        tt_w_int(&w, 1, k ? TFC_DT_BFLOAT16 : TFC_DT_HALF);
        tt_w_shape(&w, 1, (int64_t[]){2});
        tt_w_packed(&w, 13, (int64_t[]){0x3c00, 0xffff}, 2);
        tfc_tensor *t = tt_parse_ok(w.b, w.n);
        const uint16_t want[2] = {0x3c00, 0xffff};
        assert_memory_equal(tfc_tensor_data(t), want, 4);
        tfc_tensor_unref(t);
    }
    /* Unpacked repeated floats (one tag per value) are accepted as well. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 1, (int64_t[]){2});
    float f[2] = {1.0f, 2.0f};
    for (int i = 0; i < 2; i++) {
        tt_w_tag(&w, 5, 5);
        tt_w_raw(&w, &f[i], 4);
    }
    tfc_tensor *t = tt_parse_ok(w.b, w.n);
    assert_memory_equal(tfc_tensor_data(t), f, 8);
    tfc_tensor_unref(t);
    /* Bool tensor_content: nonzero bytes read as true. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_BOOL);
    tt_w_shape(&w, 1, (int64_t[]){3});
    tt_w_bytes(&w, 4, "\x00\x02\x01", 3);
    t = tt_parse_ok(w.b, w.n);
    assert_memory_equal(tfc_tensor_data(t), "\x00\x01\x01", 3);
    tfc_tensor_unref(t);
    /* No tensor_shape at all: a scalar. version_number and unknown fields are skipped. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_INT64);
    tt_w_int(&w, 3, 7);
    tt_w_int(&w, 99, 1);
    tt_w_packed(&w, 10, (int64_t[]){-5}, 1);
    t = tt_parse_ok(w.b, w.n);
    assert_int_equal(tfc_tensor_rank(t), 0);
    assert_int_equal(*(int64_t *)tfc_tensor_data(t), -5);
    tfc_tensor_unref(t);
    /* Strings in tensor_content: TF's string list (varint32 lengths, then the bytes). */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_STRING);
    tt_w_shape(&w, 1, (int64_t[]){3});
    tt_w_bytes(&w, 4,
               "\x02\x00\x03"
               "abxyz",
               8);
    t = tt_parse_ok(w.b, w.n);
    assert_true(tfc_tensor_string_at(t, 0).size == 2 && tfc_tensor_string_at(t, 1).size == 0);
    assert_memory_equal(tfc_tensor_string_at(t, 2).data, "xyz", 3);
    tfc_tensor_unref(t);
}

/* The protobuf-c level entry points the graph part uses. */
static void test_pb_level(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_shape s;
    TU_OK(tfc__shape_from_pb(NULL, &s, &st));
    assert_int_equal(s.rank, 0);
    Tensorflow__TensorShapeProto pb;
    Tensorflow__TensorShapeProto__Dim dims[TFC_MAX_RANK], *ptrs[TFC_MAX_RANK];
    tfc_shape in = TT_SHAPE(-1, 3);
    tfc__shape_to_pb(&in, &pb, dims, ptrs);
    TU_OK(tfc__shape_from_pb(&pb, &s, &st));
    assert_true(tfc_shape_equal(&s, &in)); /* unknown dims allowed here */
    in = tfc_shape_unknown();
    tfc__shape_to_pb(&in, &pb, dims, ptrs);
    assert_true(pb.unknown_rank);
    TU_OK(tfc__shape_from_pb(&pb, &s, &st));
    assert_int_equal(s.rank, -1);

    tfc_tensor *t = tt_sample(TFC_DT_UINT16), *back;
    Tensorflow__TensorProto *tp;
    TU_OK(tfc__tensor_to_pb(t, true, &tp, &st));
    assert_int_equal(tp->n_int_val, 6);
    TU_OK(tfc__tensor_from_pb(tp, &back, &st));
    assert_true(tfc_tensor_equal(t, back));
    tfc_free(tp);
    tfc_tensor_unref(back);
    tfc_tensor_unref(t);
}

int tt_run_proto(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_round_trip_every_dtype),
        TU_TEST(test_tf_scalar_const_bytes),
        TU_TEST(test_repeat_last_value),
        TU_TEST(test_typed_variants),
        TU_TEST(test_pb_level),
    };
    return cmocka_run_group_tests_name("tensor_proto", tests, NULL, NULL);
}
