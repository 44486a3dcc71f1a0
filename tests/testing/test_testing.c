/* testing: assert_all_close's verdicts and messages, and truthful device introspection. */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "tfc/testing.h"

static tfc_tensor *floats(const float *v, int rows, int cols) {
    tfc_tensor *t;
    tfc_shape s = tfc_shape_make(2, (int64_t[]){rows, cols});
    tfc_status st;
    if (tfc_tensor_from_data(TFC_DT_FLOAT, &s, v, sizeof(float) * (size_t)(rows * cols), &t, &st))
        fail_msg("%s", st.msg);
    return t;
}

static void test_close_and_not(void **state) {
    (void)state;
    float av[6] = {1, 2, 1.5f, 4, NAN, INFINITY}, bv[6] = {1, 2.0000001f, 1.7f, 4, NAN, INFINITY};
    tfc_tensor *a = floats(av, 2, 3), *b = floats(bv, 2, 3);
    tfc_status st;
    assert_int_equal(tfc_assert_all_close(a, b, 1e-6, 1e-6, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "1 of 6 elements differ"));
    assert_non_null(strstr(st.msg, "[0,2]: 1.5 vs 1.70000005"));
    assert_non_null(strstr(st.msg, "diff 0.2"));
    TU_OK(tfc_assert_all_close(a, b, 0.2, 0, &st)); /* 0.2 <= 0.2 * 1.7 */
    bv[5] = -INFINITY;
    tfc_tensor *c = floats(bv, 2, 3);
    assert_int_equal(tfc_assert_all_close(a, c, 1, 1, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "[1,2]"));
    tfc_tensor *d = floats(av, 3, 2);
    assert_int_equal(tfc_assert_all_close(a, d, 1, 1, &st), TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "shapes differ: [2,3] vs [3,2]");
    tfc_tensor_unref(a), tfc_tensor_unref(b), tfc_tensor_unref(c), tfc_tensor_unref(d);
}

static void test_mixed_dtypes_and_strings(void **state) {
    (void)state;
    tfc_tensor *i = tfc_tensor_scalar_int32(3), *f = tfc_tensor_scalar_float(3.0f);
    tfc_tensor *s1 = tfc_tensor_scalar_string("ab", 2), *s2 = tfc_tensor_scalar_string("ac", 2);
    tfc_status st;
    TU_OK(tfc_assert_all_close(i, f, 0, 0, &st));
    assert_int_equal(tfc_assert_all_close(s1, s2, 0, 0, &st), TFC_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "strings differ at []");
    TU_OK(tfc_assert_all_close(s1, s1, 0, 0, &st));
    assert_int_equal(tfc_assert_all_close(s1, f, 0, 0, &st), TFC_INVALID_ARGUMENT);
    tfc_tensor_unref(i), tfc_tensor_unref(f), tfc_tensor_unref(s1), tfc_tensor_unref(s2);
}

static void test_devices(void **state) {
    (void)state;
    assert_false(tfc_is_built_with_cuda());
    assert_false(tfc_is_gpu_available());
    tfc_device_info d[4];
    assert_int_equal(tfc_list_devices(d, 4), 1);
    assert_string_equal(d[0].name, "/device:CPU:0");
    assert_string_equal(d[0].device_type, "CPU");
    assert_true(d[0].num_threads >= 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_close_and_not),
        TU_TEST(test_mixed_dtypes_and_strings),
        TU_TEST(test_devices),
    };
    return cmocka_run_group_tests_name("testing", tests, NULL, NULL);
}
