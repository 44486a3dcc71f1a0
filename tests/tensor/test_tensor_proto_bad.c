/* TensorProto that must be refused, each with a message naming the problem: values that do not
 * fit the dtype or shape, dtypes tfc cannot hold, shapes asking for more memory than exists, bytes
 * that are not protobuf, and every truncation or byte change of a valid message. */
#include <string.h>

#include "tensor_tests.h"

static void test_bad_values(void **state) {
    (void)state;
    tt_pbw w = {.n = 0};
#define START(dt, ...)                                                                             \
    w.n = 0, tt_w_int(&w, 1, dt),                                                                  \
    tt_w_shape(&w, (int)(sizeof((int64_t[]){__VA_ARGS__}) / 8), (int64_t[]){__VA_ARGS__})
    START(TFC_DT_FLOAT, 2, 3);
    tt_w_bytes(&w, 5, (float[7]){0}, 28);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT,
                   "float_val has 7 values, but shape [2,3] has 6 elements");
    START(TFC_DT_FLOAT, 2, 3);
    tt_w_bytes(&w, 4, (float[5]){0}, 20);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT,
                   "tensor_content has 20 bytes, but a float32 tensor of shape [2,3] takes 6 * 4");
    START(TFC_DT_FLOAT, 2);
    tt_w_packed(&w, 7, (int64_t[]){1, 2}, 2);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT,
                   "dtype DT_FLOAT sets int_val (2 values); its values go in float_val or "
                   "tensor_content");
    START(TFC_DT_FLOAT, 1);
    tt_w_bytes(&w, 4, "\0\0\0\0", 4);
    tt_w_bytes(&w, 5, "\0\0\0\0", 4);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "values in both tensor_content and float_val");
    START(TFC_DT_BOOL, 1);
    tt_w_packed(&w, 7, (int64_t[]){1}, 1);
    tt_w_packed(&w, 11, (int64_t[]){1}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "sets int_val");
    START(TFC_DT_BOOL, 1); /* TF would read all false from int_val: refused, not reinterpreted */
    tt_w_packed(&w, 7, (int64_t[]){1}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT,
                   "dtype DT_BOOL sets int_val (1 values); its values go in bool_val");
    START(TFC_DT_STRING, 1);
    tt_w_bytes(&w, 18, "x", 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "sets float8_val (1 bytes)");
    START(TFC_DT_UINT8, 3);
    tt_w_packed(&w, 7, (int64_t[]){0, 255, 256}, 3);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "int_val[2] = 256 is out of range for uint8");
    START(TFC_DT_INT8, 1);
    tt_w_packed(&w, 7, (int64_t[]){-129}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "int_val[0] = -129 is out of range for int8");
    START(TFC_DT_INT16, 1);
    tt_w_packed(&w, 7, (int64_t[]){40000}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "out of range for int16");
    START(TFC_DT_UINT16, 1);
    tt_w_packed(&w, 7, (int64_t[]){-1}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "int_val[0] = -1 is out of range for uint16");
    START(TFC_DT_HALF, 1);
    tt_w_packed(&w, 13, (int64_t[]){65536}, 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "half_val[0] = 65536 is out of range for float16");
    START(TFC_DT_STRING, 2);
    tt_w_bytes(&w, 4,
               "\x01\x01"
               "abc",
               5);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "2 lengths add up to 2 bytes but 3 bytes follow");
    START(TFC_DT_STRING, 2);
    tt_w_bytes(&w, 4, "\x80", 1);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "too few for the lengths of 2 elements");
    START(TFC_DT_STRING, 2);
    tt_w_bytes(&w, 4, "\x80\x80", 2);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "element 0 at byte 0 is not a valid varint32");
#undef START
}

static void test_bad_dtype_and_shape(void **state) {
    (void)state;
    tt_pbw w = {.n = 0};
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "no dtype (DT_INVALID)"); /* empty message */
    static const struct {
        int dt;
        const char *want;
    } bad[] = {
        {8, "DT_COMPLEX64 (8), which tfc tensors cannot hold"},
        {11, "DT_QINT8"},
        {20, "DT_RESOURCE (20)"},
        {21, "DT_VARIANT"},
        {101, "DT_FLOAT_REF (101)"},
        {25, "DT_FLOAT8_E4M3FN"},
        {77, "unknown dtype 77"},
        {-3, "unknown dtype -3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w.n = 0;
        tt_w_int(&w, 1, bad[i].dt);
        tt_parse_fails(&w, TFC_INVALID_ARGUMENT, bad[i].want);
    }
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 2, (int64_t[]){2, -1});
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "[2,?], which is not fully defined");
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 1, (int64_t[]){-2});
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "dim 0 has size -2");
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "9 dims; tfc's maximum rank is 8");
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_pbw s = {.n = 0};
    tt_w_int(&s, 3, 1);
    tt_w_msg(&w, 2, &s);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "not fully defined"); /* unknown_rank */
    tt_pbw d = {.n = 0};
    tt_w_int(&d, 1, 2);
    tt_w_msg(&s, 2, &d);
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_msg(&w, 2, &s);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "unknown_rank set and 1 dims");
}

/* Shapes a dozen bytes long that ask for more than any machine has. */
static void test_hostile_sizes(void **state) {
    (void)state;
    const int64_t big = (int64_t)1 << 40;
    tt_pbw w = {.n = 0};
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 2, (int64_t[]){big, big});
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT,
                   "[1099511627776,1099511627776], which has more than "
                   "2^63-1 elements");
    tt_w_bytes(&w, 5, "\0\0\0\0", 4);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "more than 2^63-1 elements");

    /* 2^62 elements of 4 bytes: the byte count wraps size_t. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 2, (int64_t[]){(int64_t)1 << 31, (int64_t)1 << 31});
    tt_parse_fails(&w, TFC_RESOURCE_EXHAUSTED, "over tfc's limit of 1073741824 bytes");
    tt_w_bytes(&w, 4, "\0\0\0\0", 4);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "tensor_content has 4 bytes");
    /* Just over the fill limit, from one value and from none; strings count their copies. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_INT64);
    tt_w_shape(&w, 1, (int64_t[]){((int64_t)1 << 27) + 1});
    tt_parse_fails(&w, TFC_RESOURCE_EXHAUSTED,
                   "0 values in int64_val would fill a int64 tensor of shape [134217729]");
    tt_w_packed(&w, 10, (int64_t[]){3}, 1);
    tt_parse_fails(&w, TFC_RESOURCE_EXHAUSTED, "1 value in int64_val would fill");
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_STRING);
    tt_w_shape(&w, 1, (int64_t[]){1 << 20});
    char s[1024] = {0};
    tt_w_bytes(&w, 8, s, sizeof s);
    tt_parse_fails(&w, TFC_RESOURCE_EXHAUSTED, "(1048576 elements of 1072 bytes)");
    /* Many strings from tensor_content need a length byte each. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_STRING);
    tt_w_shape(&w, 1, (int64_t[]){big});
    tt_w_bytes(&w, 4, "\0\0\0", 3);
    tt_parse_fails(&w, TFC_INVALID_ARGUMENT, "too few for the lengths of 1099511627776 elements");
    /* An empty tensor with a huge leading dim is fine: no elements. */
    w.n = 0;
    tt_w_int(&w, 1, TFC_DT_FLOAT);
    tt_w_shape(&w, 3, (int64_t[]){big, 0, big});
    tfc_tensor *t = tt_parse_ok(w.b, w.n);
    assert_int_equal(tfc_tensor_num_elements(t), 0);
    tfc_tensor_unref(t);
}

static void test_malformed_wire(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *want;
    } bad[] = {
        {"\x08", 1, "field 1: varint is truncated or longer than 10 bytes at byte 1"},
        {"\x08\x01\x22\x05\x00", 5,
         "field 4 (length-delimited, 5 bytes) runs past the end of the "
         "message (1 bytes left) at byte 2"},
        {"\x08\x01\x12\x04\x12\x03\x08\x02", 8,
         "tensor_shape: field 2 (length-delimited, 3 bytes) runs past the end of the message (2 "
         "bytes left) at byte 4"},
        {"\x08\x01\x12\x04\x12\x02\x0a\x00", 8,
         "tensor_shape.dim[0]: field 1 (size) has wire type length-delimited, expected varint at "
         "byte 6"},
        {"\x08\x01\x2a\x03\x00\x00\x00", 7,
         "field 5 (float_val): packed values take 3 bytes, not a multiple of 4 at byte 2"},
        {"\x08\x01\x0b", 3, "field 1 is a group (wire type 3)"},
        {"\x08\x01\x0f", 3, "field 1 has invalid wire type 7"},
        {"\x00\x01", 2, "invalid field number 0 at byte 0"},
        {"\x0d\x01\x00\x00\x00", 5, "field 1 (dtype) has wire type 32-bit, expected varint"},
        {"\x3a\x01\x80", 3, "field 7 (int_val): packed varint is truncated"},
        {"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, "varint is truncated or longer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tt_pbw w = {.n = 0};
        tt_w_raw(&w, bad[i].bytes, bad[i].n);
        tfc_status st = {0};
        tfc_tensor *t;
        tfc_code c = tfc_tensor_from_proto(w.b, w.n, &t, &st);
        if (c != TFC_INVALID_ARGUMENT || !strstr(st.msg, bad[i].want))
            fail_msg("case %zu: %s '%s', want '%s'", i, tfc_code_name(c), st.msg, bad[i].want);
        if (!strstr(st.msg, "could not parse TensorProto: "))
            fail_msg("case %zu: '%s' lacks the prefix", i, st.msg);
    }
}

/* Every prefix and every single-byte change of a valid message parses or fails cleanly. */
static void test_mutations(void **state) {
    (void)state;
    tt_pbw w = {.n = 0};
    tt_w_int(&w, 1, TFC_DT_STRING);
    tt_w_shape(&w, 2, (int64_t[]){2, 1});
    tt_w_bytes(&w, 8, "abc", 3);
    tt_w_bytes(&w, 8, "\xff", 1);
    int ok = 0, bad = 0;
    for (size_t cut = 0; cut <= w.n; cut++) {
        for (int flip = -1; flip < 256; flip += 37) {
            uint8_t m[sizeof w.b];
            memcpy(m, w.b, w.n);
            if (flip >= 0 && cut < w.n) m[cut] = (uint8_t)flip;
            size_t len = flip >= 0 ? w.n : cut;
            tfc_status st = {0};
            tfc_tensor *t;
            tfc_code c = tfc_tensor_from_proto(m, len, &t, &st);
            if (c == TFC_OK) {
                ok++;
                tt_round_trip(t);
                char *j = tfc_tensor_to_json(t);
                assert_non_null(j);
                tfc_free(j);
                tfc_tensor_unref(t);
            } else {
                bad++;
                if ((c != TFC_INVALID_ARGUMENT && c != TFC_RESOURCE_EXHAUSTED) || !st.msg[0])
                    fail_msg("cut %zu flip %d: %s '%s'", cut, flip, tfc_code_name(c), st.msg);
            }
        }
    }
    assert_true(ok > 0 && bad > 0);
}

int tt_run_proto_bad(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_bad_values),    TU_TEST(test_bad_dtype_and_shape),
        TU_TEST(test_hostile_sizes), TU_TEST(test_malformed_wire),
        TU_TEST(test_mutations),
    };
    return cmocka_run_group_tests_name("tensor_proto_bad", tests, NULL, NULL);
}
