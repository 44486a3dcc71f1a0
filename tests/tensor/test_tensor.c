/* The tensor part's test executable; this file: dtypes, shapes, tensors (refcounts, reshape,
 * copies, strings, equality). JSON is in test_tensor_json.c, TensorProto in test_tensor_proto.c
 * (well-formed) and test_tensor_proto_bad.c (malformed and hostile). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tensor_tests.h"

/* Lets the tests see allocation failure as NULL (RESOURCE_EXHAUSTED) instead of an ASan abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

/* ---- dtypes ---- */

static const struct {
    tfc_dtype dt;
    const char *name, *enum_name;
    size_t size;
} all_dtypes[] = {
    {TFC_DT_FLOAT, "float32", "DT_FLOAT", 4},
    {TFC_DT_DOUBLE, "float64", "DT_DOUBLE", 8},
    {TFC_DT_INT32, "int32", "DT_INT32", 4},
    {TFC_DT_UINT8, "uint8", "DT_UINT8", 1},
    {TFC_DT_INT16, "int16", "DT_INT16", 2},
    {TFC_DT_INT8, "int8", "DT_INT8", 1},
    {TFC_DT_STRING, "string", "DT_STRING", 0},
    {TFC_DT_INT64, "int64", "DT_INT64", 8},
    {TFC_DT_BOOL, "bool", "DT_BOOL", 1},
    {TFC_DT_BFLOAT16, "bfloat16", "DT_BFLOAT16", 2},
    {TFC_DT_UINT16, "uint16", "DT_UINT16", 2},
    {TFC_DT_HALF, "float16", "DT_HALF", 2},
    {TFC_DT_RESOURCE, "resource", "DT_RESOURCE", 0},
    {TFC_DT_VARIANT, "variant", "DT_VARIANT", 0},
    {TFC_DT_UINT32, "uint32", "DT_UINT32", 4},
    {TFC_DT_UINT64, "uint64", "DT_UINT64", 8},
};
#define NUM_DTYPES (sizeof all_dtypes / sizeof all_dtypes[0])

static void test_dtype_names_and_sizes(void **state) {
    (void)state;
    for (size_t i = 0; i < NUM_DTYPES; i++) {
        tfc_dtype dt = all_dtypes[i].dt, ref = (tfc_dtype)(dt + TFC_DT_REF_OFFSET), back;
        char want[40];
        assert_string_equal(tfc_dtype_name(dt), all_dtypes[i].name);
        assert_string_equal(tfc_dtype_enum_name(dt), all_dtypes[i].enum_name);
        assert_int_equal(tfc_dtype_size(dt), all_dtypes[i].size);
        snprintf(want, sizeof want, "%s_ref", all_dtypes[i].name);
        assert_string_equal(tfc_dtype_name(ref), want);
        snprintf(want, sizeof want, "%s_REF", all_dtypes[i].enum_name);
        assert_string_equal(tfc_dtype_enum_name(ref), want);
        assert_int_equal(tfc_dtype_size(ref), all_dtypes[i].size);
        assert_int_equal(tfc_dtype_base(ref), dt);
        assert_int_equal(tfc_dtype_base(dt), dt);
        assert_true(tfc_dtype_is_valid(dt) && tfc_dtype_is_valid(ref));
        /* Every name form parses back. */
        assert_true(tfc_dtype_parse(all_dtypes[i].name, &back) && back == dt);
        assert_true(tfc_dtype_parse(all_dtypes[i].enum_name, &back) && back == dt);
        assert_true(tfc_dtype_parse(tfc_dtype_name(ref), &back) && back == ref);
        assert_true(tfc_dtype_parse(tfc_dtype_enum_name(ref), &back) && back == ref);
    }
    static const int invalid[] = {0, 8, 11, 18, 24, 33, 100, 108, 124, 200, -1, 1000};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        tfc_dtype dt = (tfc_dtype)invalid[i];
        assert_false(tfc_dtype_is_valid(dt));
        assert_string_equal(tfc_dtype_name(dt), "invalid");
        assert_string_equal(tfc_dtype_enum_name(dt), "DT_INVALID");
        assert_int_equal(tfc_dtype_size(dt), 0);
    }
    assert_int_equal(tfc_dtype_base((tfc_dtype)101), TFC_DT_FLOAT);
}

static void test_dtype_parse(void **state) {
    (void)state;
    tfc_dtype dt = TFC_DT_INVALID;
    assert_true(tfc_dtype_parse("float", &dt) && dt == TFC_DT_FLOAT);
    assert_true(tfc_dtype_parse("double", &dt) && dt == TFC_DT_DOUBLE);
    assert_true(tfc_dtype_parse("half", &dt) && dt == TFC_DT_HALF);
    assert_true(tfc_dtype_parse("DT_FLOAT_REF", &dt) && dt == (tfc_dtype)101);
    static const char *const bad[] = {"",          "Float32", "float32 ",   "DT_COMPLEX64",
                                      "complex64", "invalid", "DT_INVALID", "DT_FLOAT_REFX",
                                      "float_ref"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dt = TFC_DT_BOOL;
        if (tfc_dtype_parse(bad[i], &dt)) fail_msg("'%s' parsed", bad[i]);
        assert_int_equal(dt, TFC_DT_BOOL); /* untouched */
    }
    assert_false(tfc_dtype_parse(NULL, &dt));
}

/* ---- shapes ---- */

static void test_shape_make_and_check(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_shape s = TT_SHAPE(2, -1, 3);
    assert_int_equal(s.rank, 3);
    assert_int_equal(s.dims[1], -1);
    assert_int_equal(tfc_shape_scalar().rank, 0);
    assert_int_equal(tfc_shape_unknown().rank, -1);
    assert_int_equal(tfc_shape_make(0, NULL).rank, 0);
    s = tfc_shape_make(2, NULL); /* rank known, dims not */
    assert_true(s.rank == 2 && s.dims[0] == -1 && s.dims[1] == -1);
    assert_int_equal(tfc_shape_make(-1, NULL).rank, -1);
    assert_int_equal(tfc_shape_make(TFC_MAX_RANK + 1, NULL).rank, -1);
    assert_int_equal(tfc_shape_make(-5, NULL).rank, -1);
    assert_int_equal(TT_SHAPE(2, -2).rank, -1);

    assert_int_equal(tfc_shape_check(2, (int64_t[]){2, -1}, &st), TFC_OK);
    assert_int_equal(tfc_shape_check(-1, NULL, &st), TFC_OK);
    assert_int_equal(tfc_shape_check(3, NULL, &st), TFC_OK);
    tt_expect(tfc_shape_check(9, NULL, &st), &st, TFC_INVALID_ARGUMENT, "rank 9 is over");
    tt_expect(tfc_shape_check(-2, NULL, &st), &st, TFC_INVALID_ARGUMENT, "rank -2");
    tt_expect(tfc_shape_check(2, (int64_t[]){4, -7}, &st), &st, TFC_INVALID_ARGUMENT,
              "dim 1 has size -7");
}

static void test_shape_num_elements(void **state) {
    (void)state;
    const int64_t big = (int64_t)1 << 40;
    tfc_shape s = tfc_shape_scalar();
    assert_int_equal(tfc_shape_num_elements(&s), 1);
    s = TT_SHAPE(2, 3);
    assert_int_equal(tfc_shape_num_elements(&s), 6);
    s = TT_SHAPE(2, -1);
    assert_int_equal(tfc_shape_num_elements(&s), -1);
    s = tfc_shape_unknown();
    assert_int_equal(tfc_shape_num_elements(&s), -1);
    s = TT_SHAPE(big, big);
    assert_true(tfc_shape_is_fully_defined(&s));
    assert_int_equal(tfc_shape_num_elements(&s), -1); /* 2^80: overflow, not wrap-around */
    s = TT_SHAPE((int64_t)1 << 31, (int64_t)1 << 32);
    assert_int_equal(tfc_shape_num_elements(&s), -1); /* exactly 2^63 */
    s = TT_SHAPE((int64_t)1 << 31, (int64_t)1 << 31);
    assert_int_equal(tfc_shape_num_elements(&s), (int64_t)1 << 62);
    s = TT_SHAPE(big, 0, big, big); /* a zero anywhere: empty, whatever the rest overflow to */
    assert_int_equal(tfc_shape_num_elements(&s), 0);
    s = TT_SHAPE(INT64_MAX);
    assert_int_equal(tfc_shape_num_elements(&s), INT64_MAX);
}

static void test_shape_compatible_merge(void **state) {
    (void)state;
    tfc_shape a = TT_SHAPE(2, -1, 3), b = TT_SHAPE(-1, 4, 3), c = TT_SHAPE(2, 5, 3);
    tfc_shape u = tfc_shape_unknown(), m;
    assert_true(tfc_shape_is_compatible(&a, &b));
    assert_true(tfc_shape_merge(&a, &b, &m));
    tfc_shape want = TT_SHAPE(2, 4, 3);
    assert_true(tfc_shape_equal(&m, &want));
    assert_false(tfc_shape_is_compatible(&b, &c)); /* 4 vs 5 */
    m = want;
    assert_false(tfc_shape_merge(&b, &c, &m));
    assert_true(tfc_shape_equal(&m, &want)); /* untouched on failure */
    tfc_shape two = TT_SHAPE(2, 3);
    assert_false(tfc_shape_is_compatible(&a, &two)); /* rank differs */
    assert_true(tfc_shape_is_compatible(&u, &c) && tfc_shape_is_compatible(&c, &u));
    assert_true(tfc_shape_merge(&u, &a, &m) && tfc_shape_equal(&m, &a));
    assert_true(tfc_shape_merge(&a, &u, &m) && tfc_shape_equal(&m, &a));
    assert_true(tfc_shape_merge(&u, &u, &m) && m.rank == -1);
    assert_false(tfc_shape_equal(&a, &b));
    assert_true(tfc_shape_equal(&u, &u));
    tfc_shape s0 = tfc_shape_scalar(), s1 = tfc_shape_scalar();
    s1.dims[0] = 99; /* dims past the rank do not matter */
    assert_true(tfc_shape_equal(&s0, &s1));
    assert_false(tfc_shape_equal(&s0, &u));
}

static void test_shape_to_string(void **state) {
    (void)state;
    char buf[64];
    tfc_shape s = TT_SHAPE(2, -1, 3);
    assert_string_equal(tfc_shape_to_string(&s, buf, sizeof buf), "[2,?,3]");
    s = tfc_shape_scalar();
    assert_string_equal(tfc_shape_to_string(&s, buf, sizeof buf), "[]");
    s = tfc_shape_unknown();
    assert_string_equal(tfc_shape_to_string(&s, buf, sizeof buf), "<unknown>");
    s = TT_SHAPE(INT64_MAX, 0);
    assert_string_equal(tfc_shape_to_string(&s, buf, sizeof buf), "[9223372036854775807,0]");
    s = TT_SHAPE(123456, 7);
    assert_string_equal(tfc_shape_to_string(&s, buf, 6), "[1234"); /* truncated, terminated */
    assert_string_equal(tfc_shape_to_string(&s, buf, 1), "");
    buf[0] = 'x';
    assert_ptr_equal(tfc_shape_to_string(&s, buf, 0), buf);
    assert_int_equal(buf[0], 'x');
}

/* ---- tensors ---- */

static void test_tensor_new(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t;
    tfc_shape s = TT_SHAPE(2, 3);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st));
    assert_int_equal(tfc_tensor_dtype(t), TFC_DT_FLOAT);
    assert_true(tfc_shape_equal(tfc_tensor_shape(t), &s));
    assert_int_equal(tfc_tensor_rank(t), 2);
    assert_int_equal(tfc_tensor_dim(t, 1), 3);
    assert_int_equal(tfc_tensor_dim(t, 2), -1);
    assert_int_equal(tfc_tensor_dim(t, -1), -1);
    assert_int_equal(tfc_tensor_num_elements(t), 6);
    assert_int_equal(tfc_tensor_byte_size(t), 24);
    assert_int_equal(tfc_tensor_refcount(t), 1);
    float *x = tfc_tensor_data(t);
    assert_int_equal((uintptr_t)x % 64, 0);
    for (int i = 0; i < 6; i++) assert_true(x[i] == 0.0f);
    assert_ptr_equal(tfc_tensor_data_const(t), x);
    tfc_tensor_unref(t);
    tfc_tensor_unref(NULL);

    /* Every holdable dtype, including empty shapes. */
    for (size_t i = 0; i < NUM_DTYPES; i++) {
        tfc_dtype dt = all_dtypes[i].dt;
        if (dt == TFC_DT_RESOURCE || dt == TFC_DT_VARIANT) continue;
        tfc_shape e = TT_SHAPE(4, 0);
        TU_OK(tfc_tensor_new(dt, &e, &t, &st));
        assert_int_equal(tfc_tensor_num_elements(t), 0);
        assert_int_equal(tfc_tensor_byte_size(t), 0);
        tfc_tensor_unref(t);
        TU_OK(tfc_tensor_new(dt, &s, &t, &st));
        size_t each = dt == TFC_DT_STRING ? sizeof(tfc_bytes) : all_dtypes[i].size;
        assert_int_equal(tfc_tensor_byte_size(t), 6 * each);
        if (dt != TFC_DT_STRING) {
            const uint8_t *b = tfc_tensor_data_const(t);
            assert_int_equal((uintptr_t)b % 64, 0);
            for (size_t k = 0; k < 6 * each; k++) assert_int_equal(b[k], 0);
        } else {
            assert_null(tfc_tensor_data(t));
            assert_int_equal(tfc_tensor_string_at(t, 5).size, 0);
        }
        tfc_tensor_unref(t);
    }
}

static void test_tensor_new_errors(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t = (tfc_tensor *)&st;
    tfc_shape s = TT_SHAPE(2);
    tt_expect(tfc_tensor_new(TFC_DT_INVALID, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "unknown dtype 0");
    assert_null(t);
    tt_expect(tfc_tensor_new((tfc_dtype)8, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "unknown dtype 8");
    tt_expect(tfc_tensor_new((tfc_dtype)101, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "float32_ref is a reference type");
    tt_expect(tfc_tensor_new(TFC_DT_RESOURCE, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "cannot hold resource");
    s = TT_SHAPE(2, -1);
    tt_expect(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "[2,?], which is not fully defined");
    s = tfc_shape_unknown();
    tt_expect(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st), &st, TFC_INVALID_ARGUMENT, "<unknown>");
    s = TT_SHAPE((int64_t)1 << 40, (int64_t)1 << 40);
    tt_expect(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "more than 2^63-1 elements");
    /* 2^62 elements: counts fine, but 2^64 bytes wrap size_t. */
    s = TT_SHAPE((int64_t)1 << 31, (int64_t)1 << 31);
    tt_expect(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st), &st, TFC_RESOURCE_EXHAUSTED,
              "too large to allocate");
    tt_expect(tfc_tensor_new(TFC_DT_STRING, &s, &t, &st), &st, TFC_RESOURCE_EXHAUSTED, "too large");
    /* 2^62 bytes fit in size_t but no machine has them. */
    tt_expect(tfc_tensor_new(TFC_DT_INT8, &s, &t, &st), &st, TFC_RESOURCE_EXHAUSTED,
              "out of memory allocating a int8 tensor of shape [2147483648,2147483648]");
    assert_null(t);
}

static void test_from_data_and_scalars(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t;
    tfc_shape s = TT_SHAPE(3);
    int32_t v[3] = {1, -2, 3};
    TU_OK(tfc_tensor_from_data(TFC_DT_INT32, &s, v, sizeof v, &t, &st));
    assert_memory_equal(tfc_tensor_data(t), v, sizeof v);
    tfc_tensor_unref(t);
    tt_expect(tfc_tensor_from_data(TFC_DT_INT32, &s, v, 8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "8 bytes of data for a int32 tensor of shape [3], which takes 3 * 4 = 12 bytes");
    assert_null(t);
    tt_expect(tfc_tensor_from_data(TFC_DT_STRING, &s, v, 8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "tfc_tensor_set_string");
    s = tfc_shape_make(1, (int64_t[]){0});
    TU_OK(tfc_tensor_from_data(TFC_DT_DOUBLE, &s, NULL, 0, &t, &st));
    tfc_tensor_unref(t);

    t = tfc_tensor_scalar_float(2.5f);
    assert_int_equal(tfc_tensor_rank(t), 0);
    assert_int_equal(tfc_tensor_num_elements(t), 1);
    assert_true(*(float *)tfc_tensor_data(t) == 2.5f);
    tfc_tensor_unref(t);
    t = tfc_tensor_scalar_int32(-7);
    assert_int_equal(*(int32_t *)tfc_tensor_data(t), -7);
    tfc_tensor_unref(t);
    t = tfc_tensor_scalar_int64(INT64_MIN);
    assert_true(*(int64_t *)tfc_tensor_data(t) == INT64_MIN);
    tfc_tensor_unref(t);
    t = tfc_tensor_scalar_string("a\0b", 3);
    tfc_bytes b = tfc_tensor_string_at(t, 0);
    assert_true(b.size == 3 && !memcmp(b.data, "a\0b", 3));
    tfc_tensor_unref(t);
}

static void test_ref_reshape_share(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t, *r, *r2;
    tfc_shape s = TT_SHAPE(2, 3);
    TU_OK(tfc_tensor_new(TFC_DT_INT64, &s, &t, &st));
    assert_ptr_equal(tfc_tensor_ref(t), t);
    assert_int_equal(tfc_tensor_refcount(t), 2);
    tfc_tensor_unref(t);
    assert_int_equal(tfc_tensor_refcount(t), 1);

    tfc_shape want = TT_SHAPE(3, 1, 2);
    TU_OK(tfc_tensor_reshape(t, &want, &r, &st));
    assert_true(tfc_shape_equal(tfc_tensor_shape(r), &want));
    assert_ptr_equal(tfc_tensor_data(r), tfc_tensor_data(t)); /* no copy */
    assert_int_equal(tfc_tensor_refcount(r), 1);
    ((int64_t *)tfc_tensor_data(t))[5] = 42;
    assert_int_equal(((int64_t *)tfc_tensor_data(r))[5], 42);
    tfc_tensor_unref(t); /* the buffer lives on in r */
    tfc_shape inferred = TT_SHAPE(-1, 2);
    TU_OK(tfc_tensor_reshape(r, &inferred, &r2, &st));
    assert_int_equal(tfc_tensor_dim(r2, 0), 3);
    assert_int_equal(((int64_t *)tfc_tensor_data(r2))[5], 42);
    tfc_tensor_unref(r);
    tfc_shape scalar_like = TT_SHAPE(6, 1, 1, 1, 1, 1, 1, 1);
    TU_OK(tfc_tensor_reshape(r2, &scalar_like, &r, &st));
    tfc_tensor_unref(r);

    tfc_shape bad = TT_SHAPE(4, 2);
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT,
              "cannot reshape [3,2] (6 elements) to [4,2] (8 elements)");
    assert_null(r);
    bad = TT_SHAPE(-1, -1);
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT, "only one dim");
    bad = TT_SHAPE(-1, 4);
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT,
              "multiply to 4, which does not divide");
    bad = TT_SHAPE(-1, 0);
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT, "multiply to 0");
    bad = TT_SHAPE((int64_t)1 << 40, (int64_t)1 << 40);
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT, "2^63-1");
    bad = tfc_shape_unknown();
    tt_expect(tfc_tensor_reshape(r2, &bad, &r, &st), &st, TFC_INVALID_ARGUMENT, "unknown rank");
    tfc_tensor_unref(r2);

    /* Empty tensors reshape among empty shapes. */
    s = TT_SHAPE(0, 3);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st));
    want = TT_SHAPE(3, 0, 5);
    TU_OK(tfc_tensor_reshape(t, &want, &r, &st));
    tfc_tensor_unref(r);
    tfc_tensor_unref(t);
}

typedef struct share_ctx {
    tfc_tensor *t;
} share_ctx;

static void *ref_unref_many(void *arg) {
    share_ctx *c = arg;
    for (int i = 0; i < 20000; i++) tfc_tensor_unref(tfc_tensor_ref(c->t));
    return NULL;
}

static void test_refcount_threads(void **state) {
    (void)state;
    share_ctx c = {tfc_tensor_scalar_float(1.0f)};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ref_unref_many, &c), 0);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    assert_int_equal(tfc_tensor_refcount(c.t), 1);
    tfc_tensor_unref(c.t);
}

static void test_copy_and_equal(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *a, *b, *c;
    tfc_shape s = TT_SHAPE(4);
    float v[4] = {1.0f, NAN, -0.0f, INFINITY};
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &s, v, sizeof v, &a, &st));
    TU_OK(tfc_tensor_copy(a, &b, &st));
    assert_ptr_not_equal(tfc_tensor_data(a), tfc_tensor_data(b));
    assert_true(tfc_tensor_equal(a, b)); /* NaN equals NaN */
    ((float *)tfc_tensor_data(b))[1] = -NAN;
    assert_true(tfc_tensor_equal(a, b)); /* any NaN */
    ((float *)tfc_tensor_data(b))[2] = 0.0f;
    assert_false(tfc_tensor_equal(a, b)); /* bitwise: -0 is not +0 */
    ((float *)tfc_tensor_data(b))[2] = -0.0f;
    ((float *)tfc_tensor_data(b))[0] = 2.0f;
    assert_false(tfc_tensor_equal(a, b));
    tfc_tensor_unref(b);

    tfc_shape s2 = TT_SHAPE(2, 2);
    TU_OK(tfc_tensor_reshape(a, &s2, &c, &st));
    assert_false(tfc_tensor_equal(a, c)); /* same buffer, other shape */
    tfc_tensor_unref(c);
    TU_OK(tfc_tensor_from_data(TFC_DT_INT32, &s, v, sizeof v, &c, &st));
    assert_false(tfc_tensor_equal(a, c)); /* same bytes, other dtype */
    tfc_tensor_unref(c);
    assert_true(tfc_tensor_equal(NULL, NULL));
    assert_false(tfc_tensor_equal(a, NULL));
    tfc_tensor_unref(a);

    /* half and bfloat16 NaNs (any payload) are equal; doubles too. */
    uint16_t h1[2] = {0x7e00, 0x3c00}, h2[2] = {0xfe01, 0x3c00};
    s = TT_SHAPE(2);
    for (int k = 0; k < 2; k++) {
        tfc_dtype dt = k ? TFC_DT_BFLOAT16 : TFC_DT_HALF;
        uint16_t n1[2] = {k ? 0x7fc0 : h1[0], h1[1]}, n2[2] = {k ? 0xff81 : h2[0], h2[1]};
        TU_OK(tfc_tensor_from_data(dt, &s, n1, 4, &a, &st));
        TU_OK(tfc_tensor_from_data(dt, &s, n2, 4, &b, &st));
        assert_true(tfc_tensor_equal(a, b));
        ((uint16_t *)tfc_tensor_data(b))[1] = 0x3c01;
        assert_false(tfc_tensor_equal(a, b));
        tfc_tensor_unref(a);
        tfc_tensor_unref(b);
    }
    double d1[2] = {NAN, 1.0}, d2[2] = {-NAN, 1.0};
    TU_OK(tfc_tensor_from_data(TFC_DT_DOUBLE, &s, d1, 16, &a, &st));
    TU_OK(tfc_tensor_from_data(TFC_DT_DOUBLE, &s, d2, 16, &b, &st));
    assert_true(tfc_tensor_equal(a, b));
    tfc_tensor_unref(a);
    tfc_tensor_unref(b);
}

static void test_strings(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t, *c, *r;
    tfc_shape s = TT_SHAPE(3);
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s, &t, &st));
    assert_int_equal(tfc_tensor_string_at(t, 0).size, 0);
    assert_non_null(tfc_tensor_string_at(t, 0).data);
    TU_OK(tfc_tensor_set_string(t, 0, "hello", 5, &st));
    TU_OK(tfc_tensor_set_string(t, 2, "\xff\x00z", 3, &st));
    TU_OK(tfc_tensor_set_string(t, 0, "bye", 3, &st)); /* replaces, frees the old copy */
    tfc_bytes b = tfc_tensor_string_at(t, 0);
    assert_true(b.size == 3 && !memcmp(b.data, "bye", 3));
    tt_expect(tfc_tensor_set_string(t, 3, "x", 1, &st), &st, TFC_INVALID_ARGUMENT,
              "index 3 is out of range for 3 elements");
    tt_expect(tfc_tensor_set_string(t, -1, "x", 1, &st), &st, TFC_INVALID_ARGUMENT, "-1");
    assert_int_equal(tfc_tensor_string_at(t, 3).size, 0);
    assert_int_equal(tfc_tensor_string_at(t, -1).size, 0);

    TU_OK(tfc_tensor_copy(t, &c, &st));
    assert_true(tfc_tensor_equal(t, c));
    assert_ptr_not_equal(tfc_tensor_string_at(t, 0).data, tfc_tensor_string_at(c, 0).data);
    TU_OK(tfc_tensor_set_string(c, 1, "", 0, &st));
    assert_true(tfc_tensor_equal(t, c)); /* "" equals the initial empty string */
    TU_OK(tfc_tensor_set_string(c, 1, "x", 1, &st));
    assert_false(tfc_tensor_equal(t, c));
    tfc_tensor_unref(c);

    tfc_shape s2 = TT_SHAPE(1, 3);
    TU_OK(tfc_tensor_reshape(t, &s2, &r, &st));
    tfc_tensor_unref(t);
    b = tfc_tensor_string_at(r, 2);
    assert_true(b.size == 3 && !memcmp(b.data, "\xff\x00z", 3));
    tfc_tensor_unref(r);

    t = tfc_tensor_scalar_float(1.0f);
    tt_expect(tfc_tensor_set_string(t, 0, "x", 1, &st), &st, TFC_INVALID_ARGUMENT,
              "float32 tensor");
    assert_int_equal(tfc_tensor_string_at(t, 0).size, 0);
    tfc_tensor_unref(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_dtype_names_and_sizes),
        TU_TEST(test_dtype_parse),
        TU_TEST(test_shape_make_and_check),
        TU_TEST(test_shape_num_elements),
        TU_TEST(test_shape_compatible_merge),
        TU_TEST(test_shape_to_string),
        TU_TEST(test_tensor_new),
        TU_TEST(test_tensor_new_errors),
        TU_TEST(test_from_data_and_scalars),
        TU_TEST(test_ref_reshape_share),
        TU_TEST(test_refcount_threads),
        TU_TEST(test_copy_and_equal),
        TU_TEST(test_strings),
    };
    int failed = cmocka_run_group_tests_name("tensor", tests, NULL, NULL);
    failed += tt_run_json();
    failed += tt_run_proto();
    failed += tt_run_proto_bad();
    return failed ? 1 : 0;
}
