/* JSON output as TF Serving writes it: float formatting, every dtype, nesting, strings. */
#include <math.h>
#include <string.h>

#include "tensor_tests.h"

static void expect_json(tfc_dtype dt, tfc_shape s, const void *data, size_t n, const char *want) {
    tfc_status st = {0};
    tfc_tensor *t;
    TU_OK(tfc_tensor_from_data(dt, &s, data, n, &t, &st));
    char *j = tfc_tensor_to_json(t);
    assert_non_null(j);
    if (strcmp(j, want)) fail_msg("json %s, want %s", j, want);
    tfc_free(j);
    tfc_tensor_unref(t);
}

static void test_json_numbers(void **state) {
    (void)state;
    float f[3] = {2.5f, 3.0f, 4.5f};
    expect_json(TFC_DT_FLOAT, TT_SHAPE(3), f, sizeof f, "[2.5, 3.0, 4.5]");
    expect_json(TFC_DT_FLOAT, TT_SHAPE(1, 3), f, sizeof f, "[[2.5, 3.0, 4.5]]");
    float g[4] = {2.5f, 3.0f, 3.5f, 4.0f};
    expect_json(TFC_DT_FLOAT, TT_SHAPE(2, 2), g, sizeof g, "[[2.5, 3.0], [3.5, 4.0]]");
    float one = 0.1f;
    expect_json(TFC_DT_FLOAT, tfc_shape_scalar(), &one, 4, "0.1");
    float odd[8] = {1e10f, 1234567.0f, 16777217.0f, NAN, INFINITY, -INFINITY, -0.0f, 1e-5f};
    expect_json(TFC_DT_FLOAT, TT_SHAPE(8), odd, sizeof odd,
                "[1e+10, 1234567.0, 16777216.0, NaN, Infinity, -Infinity, -0.0, 1e-05]");
    float third = 1.0f / 3.0f;
    expect_json(TFC_DT_FLOAT, tfc_shape_scalar(), &third, 4, "0.333333343");
    double d[4] = {0.3, 0.1 + 0.2, 100.0, 1.0 / 3.0};
    expect_json(TFC_DT_DOUBLE, TT_SHAPE(4), d, sizeof d,
                "[0.3, 0.30000000000000004, 100.0, 0.33333333333333331]");
    uint16_t h[3] = {0x3e00, 0xc000, 0x7c00}; /* 1.5, -2, inf */
    expect_json(TFC_DT_HALF, TT_SHAPE(3), h, sizeof h, "[1.5, -2.0, Infinity]");
    uint16_t bf[2] = {0x3fc0, 0x4049}; /* 1.5, 3.140625 */
    expect_json(TFC_DT_BFLOAT16, TT_SHAPE(2), bf, sizeof bf, "[1.5, 3.140625]");

    int8_t i8[2] = {-128, 127};
    expect_json(TFC_DT_INT8, TT_SHAPE(2), i8, 2, "[-128, 127]");
    uint8_t u8[2] = {0, 255};
    expect_json(TFC_DT_UINT8, TT_SHAPE(2), u8, 2, "[0, 255]");
    int16_t i16[1] = {-32768};
    expect_json(TFC_DT_INT16, TT_SHAPE(1), i16, 2, "[-32768]");
    uint16_t u16[1] = {65535};
    expect_json(TFC_DT_UINT16, TT_SHAPE(1), u16, 2, "[65535]");
    int32_t i32[2] = {INT32_MIN, 42};
    expect_json(TFC_DT_INT32, TT_SHAPE(2), i32, 8, "[-2147483648, 42]");
    uint32_t u32[1] = {UINT32_MAX};
    expect_json(TFC_DT_UINT32, TT_SHAPE(1), u32, 4, "[4294967295]");
    int64_t i64[2] = {INT64_MIN, INT64_MAX};
    expect_json(TFC_DT_INT64, TT_SHAPE(2), i64, 16, "[-9223372036854775808, 9223372036854775807]");
    uint64_t u64[1] = {UINT64_MAX};
    expect_json(TFC_DT_UINT64, TT_SHAPE(1), u64, 8, "[18446744073709551615]");
    uint8_t bools[3] = {1, 0, 1};
    expect_json(TFC_DT_BOOL, TT_SHAPE(3), bools, 3, "[true, false, true]");
    expect_json(TFC_DT_FLOAT, TT_SHAPE(0), NULL, 0, "[]");
    expect_json(TFC_DT_FLOAT, TT_SHAPE(2, 0), NULL, 0, "[[], []]");
    expect_json(TFC_DT_FLOAT, TT_SHAPE(0, 2), NULL, 0, "[]");
}

static void test_json_strings_and_limits(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t;
    tfc_shape s = TT_SHAPE(5);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s, &t, &st));
    TU_OK(tfc_tensor_set_string(t, 0, "plain", 5, &st));
    TU_OK(tfc_tensor_set_string(t, 1, "q\"b\\s/\n\t\x01\x1f", 10, &st));
    TU_OK(tfc_tensor_set_string(t, 2, "caf\xc3\xa9 \xf0\x9f\x98\x80", 10, &st));
    TU_OK(tfc_tensor_set_string(t, 3, "\xff\xfe\x00", 3, &st)); /* not UTF-8 */
    TU_OK(tfc_tensor_set_string(t, 4, "\xed\xa0\x80", 3, &st)); /* a surrogate: not UTF-8 */
    char *j = tfc_tensor_to_json(t);
    assert_string_equal(j, "[\"plain\", \"q\\\"b\\\\s/\\n\\t\\u0001\\u001F\", "
                           "\"caf\xc3\xa9 \xf0\x9f\x98\x80\", {\"b64\": \"//4A\"}, "
                           "{\"b64\": \"7aCA\"}]");
    tfc_free(j);
    tfc_tensor_unref(t);
    t = tfc_tensor_scalar_string("a\0", 2);
    j = tfc_tensor_to_json(t);
    assert_string_equal(j, "\"a\\u0000\"");
    tfc_free(j);
    tfc_tensor_unref(t);
    t = tfc_tensor_scalar_string("", 0);
    j = tfc_tensor_to_json(t);
    assert_string_equal(j, "\"\"");
    tfc_free(j);
    tfc_tensor_unref(t);

    /* No elements, but 2^62 empty lists: refused rather than attempted. */
    s = TT_SHAPE((int64_t)1 << 62, 0);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st));
    assert_null(tfc_tensor_to_json(t));
    tfc_tensor_unref(t);
    assert_null(tfc_tensor_to_json(NULL));

    /* Large enough to grow the buffer many times. */
    s = TT_SHAPE(100, 100);
    TU_OK(tfc_tensor_new(TFC_DT_INT32, &s, &t, &st));
    j = tfc_tensor_to_json(t);
    assert_int_equal(strlen(j), 2 + 100 * 2 + 99 * 2 + 100 * (100 + 99 * 2));
    tfc_free(j);
    tfc_tensor_unref(t);
}

int tt_run_json(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_json_numbers),
        TU_TEST(test_json_strings_and_limits),
    };
    return cmocka_run_group_tests_name("tensor_json", tests, NULL, NULL);
}
