/* The data_decode test executable; this file: tf.io.decode_raw. PNG is in test_decode_png.c, JPEG
 * in test_decode_jpeg.c, cast / convert_image_dtype / scale in test_convert.c. */
#include <stdlib.h>
#include <string.h>

#include "decode_tests.h"

/* Lets the tests see allocation failure as NULL (RESOURCE_EXHAUSTED) instead of an ASan abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

static const tfc_dtype raw_types[] = {
    TFC_DT_HALF,   TFC_DT_BFLOAT16, TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT8,
    TFC_DT_INT16,  TFC_DT_INT32,    TFC_DT_INT64, TFC_DT_UINT8,  TFC_DT_UINT16,
    TFC_DT_UINT32, TFC_DT_UINT64,   TFC_DT_BOOL,
};
#define NUM_RAW_TYPES (sizeof raw_types / sizeof raw_types[0])

/* A [2, 3] string tensor whose elements are `len` bytes each, element i filled from seed i. */
static tfc_tensor *strings_2x3(size_t len, uint8_t *bytes) {
    tfc_shape s = DD_SHAPE(2, 3);
    tfc_tensor *t;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s, &t, &st));
    for (int i = 0; i < 6; i++) {
        dd_fill_random(bytes + (size_t)i * len, len, (uint32_t)i + 1);
        TU_OK(tfc_tensor_set_string(t, i, bytes + (size_t)i * len, len, &st));
    }
    return t;
}

/* Every type, both byte orders: the output is the bytes in host order (reversed per element for
 * big-endian data on this little-endian host), shape [2, 3, n]. */
static void test_decode_raw_types(void **state) {
    (void)state;
    for (size_t k = 0; k < NUM_RAW_TYPES; k++) {
        tfc_dtype dt = raw_types[k];
        size_t size = tfc_dtype_size(dt), len = size * 5;
        uint8_t bytes[6 * 40];
        tfc_tensor *in = strings_2x3(len, bytes);
        for (int le = 0; le < 2; le++) {
            tfc_status st = {0};
            tfc_tensor *out;
            TU_OK(tfc_decode_raw(in, dt, le, &out, &st));
            dd_expect_shape(out, dt, 3, (int64_t[]){2, 3, 5});
            const uint8_t *y = tfc_tensor_data_const(out);
            for (size_t i = 0; i < 6 * 5; i++)
                for (size_t b = 0; b < size; b++) {
                    uint8_t want = bytes[i * size + (le ? b : size - 1 - b)];
                    if (dt == TFC_DT_BOOL) want = want != 0;
                    if (y[i * size + b] != want)
                        fail_msg("%s le=%d: element %zu byte %zu is %u, want %u",
                                 tfc_dtype_name(dt), le, i, b, y[i * size + b], want);
                }
            tfc_tensor_unref(out);
        }
        tfc_tensor_unref(in);
    }
}

/* Known values: TF's docs examples and a float in both byte orders. */
static void test_decode_raw_values(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t;
    TU_OK(tfc_decode_raw_bytes("1,2", 3, TFC_DT_UINT8, true, &t, &st));
    dd_expect_shape(t, TFC_DT_UINT8, 1, (int64_t[]){3});
    assert_memory_equal(tfc_tensor_data_const(t), "1,2", 3);
    tfc_tensor_unref(t);

    TU_OK(tfc_decode_raw_bytes("12", 2, TFC_DT_UINT16, true, &t, &st));
    assert_int_equal(((const uint16_t *)tfc_tensor_data_const(t))[0], 0x3231);
    tfc_tensor_unref(t);
    TU_OK(tfc_decode_raw_bytes("12", 2, TFC_DT_UINT16, false, &t, &st));
    assert_int_equal(((const uint16_t *)tfc_tensor_data_const(t))[0], 0x3132);
    tfc_tensor_unref(t);

    const uint8_t le[] = {0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x80, 0xbf}; /* 1.5f, -1.0f */
    const uint8_t be[] = {0x3f, 0xc0, 0x00, 0x00, 0xbf, 0x80, 0x00, 0x00};
    TU_OK(tfc_decode_raw_bytes(le, 8, TFC_DT_FLOAT, true, &t, &st));
    assert_true(((const float *)tfc_tensor_data_const(t))[0] == 1.5f);
    assert_true(((const float *)tfc_tensor_data_const(t))[1] == -1.0f);
    tfc_tensor_unref(t);
    TU_OK(tfc_decode_raw_bytes(be, 8, TFC_DT_FLOAT, false, &t, &st));
    assert_true(((const float *)tfc_tensor_data_const(t))[0] == 1.5f);
    tfc_tensor_unref(t);

    const uint8_t i64be[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    TU_OK(tfc_decode_raw_bytes(i64be, 8, TFC_DT_INT64, false, &t, &st));
    assert_int_equal(((const int64_t *)tfc_tensor_data_const(t))[0], -2);
    tfc_tensor_unref(t);

    /* A scalar string gives a vector; a [4, 1] tensor of 1-byte strings gives [4, 1, 1]. */
    tfc_tensor *s = tfc_tensor_scalar_string("abcd", 4);
    TU_OK(tfc_decode_raw(s, TFC_DT_INT32, true, &t, &st));
    dd_expect_shape(t, TFC_DT_INT32, 1, (int64_t[]){1});
    assert_int_equal(((const int32_t *)tfc_tensor_data_const(t))[0], 0x64636261);
    tfc_tensor_unref(t);
    tfc_tensor_unref(s);
    tfc_shape sh = DD_SHAPE(4, 1);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &sh, &s, &st));
    for (int i = 0; i < 4; i++) TU_OK(tfc_tensor_set_string(s, i, &"xyzw"[i], 1, &st));
    TU_OK(tfc_decode_raw(s, TFC_DT_INT8, true, &t, &st));
    dd_expect_shape(t, TFC_DT_INT8, 3, (int64_t[]){4, 1, 1});
    assert_memory_equal(tfc_tensor_data_const(t), "xyzw", 4);
    tfc_tensor_unref(t);
    tfc_tensor_unref(s);
}

/* Empty strings and empty tensors give a last dim of 0, as in TF. */
static void test_decode_raw_empty(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t, *s;
    tfc_shape sh = DD_SHAPE(3);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &sh, &s, &st)); /* three empty strings */
    TU_OK(tfc_decode_raw(s, TFC_DT_DOUBLE, true, &t, &st));
    dd_expect_shape(t, TFC_DT_DOUBLE, 2, (int64_t[]){3, 0});
    tfc_tensor_unref(t);
    tfc_tensor_unref(s);
    sh = DD_SHAPE(0, 2);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &sh, &s, &st));
    TU_OK(tfc_decode_raw(s, TFC_DT_INT16, false, &t, &st));
    dd_expect_shape(t, TFC_DT_INT16, 3, (int64_t[]){0, 2, 0});
    tfc_tensor_unref(t);
    tfc_tensor_unref(s);
    TU_OK(tfc_decode_raw_bytes(NULL, 0, TFC_DT_FLOAT, true, &t, &st));
    dd_expect_shape(t, TFC_DT_FLOAT, 1, (int64_t[]){0});
    tfc_tensor_unref(t);
}

static void test_decode_raw_errors(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t = (tfc_tensor *)&st, *s;
    dd_expect(tfc_decode_raw_bytes("abcde", 5, TFC_DT_FLOAT, true, &t, &st), &st,
              TFC_INVALID_ARGUMENT,
              "Input to DecodeRaw has length 5 that is not a multiple of 4, the size of float");
    assert_null(t);
    dd_expect(tfc_decode_raw_bytes("abc", 3, TFC_DT_INT16, true, &t, &st), &st,
              TFC_INVALID_ARGUMENT, "not a multiple of 2, the size of int16");
    dd_expect(tfc_decode_raw_bytes("abcdefg", 7, TFC_DT_DOUBLE, true, &t, &st), &st,
              TFC_INVALID_ARGUMENT, "the size of double");
    dd_expect(tfc_decode_raw_bytes("ab", 2, TFC_DT_STRING, true, &t, &st), &st,
              TFC_INVALID_ARGUMENT, "got string");
    dd_expect(tfc_decode_raw_bytes("ab", 2, (tfc_dtype)99, true, &t, &st), &st,
              TFC_INVALID_ARGUMENT, "DecodeRaw out_type");

    tfc_shape sh = DD_SHAPE(3);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &sh, &s, &st));
    TU_OK(tfc_tensor_set_string(s, 0, "abcd", 4, &st));
    TU_OK(tfc_tensor_set_string(s, 1, "abcd", 4, &st));
    TU_OK(tfc_tensor_set_string(s, 2, "abcdefgh", 8, &st));
    dd_expect(tfc_decode_raw(s, TFC_DT_UINT8, true, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "DecodeRaw requires input strings to all be the same size, but element 2 has size "
              "8 != 4");
    TU_OK(tfc_tensor_set_string(s, 2, "abcd", 4, &st));
    dd_expect(tfc_decode_raw(s, TFC_DT_UINT64, true, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "length 4 that is not a multiple of 8, the size of uint64");
    tfc_tensor_unref(s);

    tfc_tensor *f = tfc_tensor_scalar_float(1);
    dd_expect(tfc_decode_raw(f, TFC_DT_UINT8, true, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "must be a string tensor, got float32");
    tfc_tensor_unref(f);

    int64_t dims[TFC_MAX_RANK];
    for (int i = 0; i < TFC_MAX_RANK; i++) dims[i] = 1;
    sh = tfc_shape_make(TFC_MAX_RANK, dims);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &sh, &s, &st));
    dd_expect(tfc_decode_raw(s, TFC_DT_UINT8, true, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "rank 8 would give an output of rank 9");
    assert_null(t);
    tfc_tensor_unref(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_decode_raw_types),
        TU_TEST(test_decode_raw_values),
        TU_TEST(test_decode_raw_empty),
        TU_TEST(test_decode_raw_errors),
    };
    int failed = cmocka_run_group_tests_name("decode_raw", tests, NULL, NULL);
    failed += dd_run_png();
    failed += dd_run_jpeg();
    failed += dd_run_convert();
    return failed ? 1 : 0;
}
