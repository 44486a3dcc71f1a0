/* The generic protobuf text format printer and parser (src/proto/textformat.h) on the project's
 * messages: float and string formatting as Python's text_format writes them, everything the parser
 * accepts, its errors with line:column, and the depth limits. */
#include <stdlib.h>

#include "graph_tests.h"
#include "proto/attr_value.pb-c.h"
#include "proto/graph.pb-c.h"
#include "proto/proto_util.h"
#include "proto/tensor.pb-c.h"
#include "proto/textformat.h"

static void test_float_format(void **state) {
    (void)state;
    /* Expected strings are what Python's text_format prints for a float field. */
    static const struct {
        float v;
        const char *want;
    } cases[] = {
        {0.1f, "0.1"},
        {1.0f, "1.0"},
        {0.0f, "0.0"},
        {-0.0f, "-0.0"},
        {0.5f, "0.5"},
        {1e-7f, "1e-07"},
        {1.5e-5f, "1.5e-05"},
        {0.0001f, "0.0001"},
        {100000000.0f, "100000000.0"},
        {1e16f, "1e+16"},
        {123456.7f, "123456.7"},
        {3.4028235e38f, "3.4028235e+38"},
        {1.0f / 3.0f, "0.33333334"},
        {-2.5f, "-2.5"},
        {16777216.0f, "16777216.0"},
        {1e15f, "1000000000000000.0"},
        {1.17549435e-38f, "1.1754944e-38"},
    };
    char buf[48];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc__text_format_float(cases[k].v, buf, sizeof buf);
        if (strcmp(buf, cases[k].want))
            fail_msg("%.9g: got %s, want %s", (double)cases[k].v, buf, cases[k].want);
    }
    tfc__text_format_float(1.0f / 0.0f, buf, sizeof buf);
    assert_string_equal(buf, "inf");
    tfc__text_format_float(-1.0f / 0.0f, buf, sizeof buf);
    assert_string_equal(buf, "-inf");
    tfc__text_format_float(0.0f / 0.0f, buf, sizeof buf);
    assert_string_equal(buf, "nan");
    tfc__text_format_double(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    tfc__text_format_double(1.0 / 3.0, buf, sizeof buf);
    assert_string_equal(buf, "0.3333333333333333");
    tfc__text_format_double(1e100, buf, sizeof buf);
    assert_string_equal(buf, "1e+100");
    /* Every printed float reads back to the same bits. */
    uint32_t bits = 0x9e3779b9;
    for (int k = 0; k < 20000; k++) {
        bits = bits * 1664525u + 1013904223u;
        float v;
        memcpy(&v, &bits, sizeof v);
        if (v != v) continue;
        tfc__text_format_float(v, buf, sizeof buf);
        float back = (float)strtod(buf, NULL);
        if (memcmp(&back, &v, sizeof v)) fail_msg("0x%08x printed as %s", bits, buf);
    }
}

static ProtobufCMessage *parse_ok(const ProtobufCMessageDescriptor *d, const char *text) {
    ProtobufCMessage *m = NULL;
    tfc_status st;
    if (tfc__text_parse(d, text, strlen(text), 0, &m, &st)) fail_msg("%s\n%s", st.msg, text);
    return m;
}

static void expect_parse_error(const ProtobufCMessageDescriptor *d, const char *text,
                               const char *frag) {
    ProtobufCMessage *m = (ProtobufCMessage *)1;
    tfc_status st;
    assert_int_equal(tfc__text_parse(d, text, strlen(text), 0, &m, &st), TFC_INVALID_ARGUMENT);
    assert_null(m);
    if (!strstr(st.msg, frag)) fail_msg("'%s' lacks '%s'", st.msg, frag);
}

static void test_strings(void **state) {
    (void)state;
    uint8_t all[256];
    for (int k = 0; k < 256; k++) all[k] = (uint8_t)k;
    Tensorflow__AttrValue av = TENSORFLOW__ATTR_VALUE__INIT;
    av.value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
    av.s = (ProtobufCBinaryData){256, all};
    char *text = tfc__text_print(&av.base);
    assert_non_null(strstr(text, "s: \"\\000\\001"));
    assert_non_null(strstr(text, "\\t\\n\\013\\014\\r\\016"));
    assert_non_null(strstr(text, " !\\\"#$%&\\'()"));
    assert_non_null(strstr(text, "[\\\\]^_`"));
    assert_non_null(strstr(text, "~\\177\\200"));
    assert_non_null(strstr(text, "\\376\\377\"\n"));
    Tensorflow__AttrValue *back =
        (Tensorflow__AttrValue *)parse_ok(&tensorflow__attr_value__descriptor, text);
    assert_int_equal(back->value_case, TENSORFLOW__ATTR_VALUE__VALUE_S);
    assert_int_equal(back->s.len, 256);
    assert_memory_equal(back->s.data, all, 256);
    tfc__proto_free(&back->base);
    tfc_free(text);

    /* Other escapes, quotes and adjacent literals. */
    back = (Tensorflow__AttrValue *)parse_ok(&tensorflow__attr_value__descriptor,
                                             "s: 'a\\x41\\x4' \"\\u00e9\\U0001F600\" '\\a\\?\\7'");
    const char want[] = "aA\x04\xc3\xa9\xf0\x9f\x98\x80\a?\x07";
    assert_int_equal(back->s.len, sizeof want - 1);
    assert_memory_equal(back->s.data, want, sizeof want - 1);
    tfc__proto_free(&back->base);
    expect_parse_error(&tensorflow__attr_value__descriptor, "s: 'abc",
                       "1:4: string literal is not terminated");
    expect_parse_error(&tensorflow__attr_value__descriptor, "s: 'a\nb'", "1:4:");
    expect_parse_error(&tensorflow__attr_value__descriptor, "s: '\\q'", "invalid escape '\\q'");
    expect_parse_error(&tensorflow__attr_value__descriptor, "s: '\\ud800'",
                       "not a Unicode scalar value");
    expect_parse_error(&tensorflow__attr_value__descriptor, "s: '\\x'", "without hex digits");
}

static void test_parse_forms(void **state) {
    (void)state;
    /* Lists, '<>' and optional ':' for messages, enums by number, hex and octal, suffixes,
     * separators, comments. */
    const char *text = "# a comment\n"
                       "list: <\n"
                       "  i: [1, -2, 0x10, 010]  # trailing comment\n"
                       "  i: 9223372036854775807\n"
                       "  f: [1.5f, -inf, .25, 1e3, 2]\n"
                       "  b: [true, f, 1, False]; type: [DT_FLOAT, 3]\n"
                       "  shape [{ dim { size: 2 } }, { unknown_rank: true }],\n"
                       "  s: [] \n"
                       "  func { name: 'fn' attr { key: 'k' value: { placeholder: 'T' } } }\n"
                       ">\n";
    Tensorflow__AttrValue *av =
        (Tensorflow__AttrValue *)parse_ok(&tensorflow__attr_value__descriptor, text);
    assert_int_equal(av->value_case, TENSORFLOW__ATTR_VALUE__VALUE_LIST);
    const Tensorflow__AttrValue__ListValue *l = av->list;
    assert_int_equal(l->n_i, 5);
    assert_true(l->i[1] == -2 && l->i[2] == 16 && l->i[3] == 8 && l->i[4] == INT64_MAX);
    assert_int_equal(l->n_f, 5);
    assert_true(l->f[0] == 1.5f && l->f[1] == -1.0f / 0.0f && l->f[2] == 0.25f &&
                l->f[3] == 1000.0f);
    assert_int_equal(l->n_b, 4);
    assert_true(l->b[0] && !l->b[1] && l->b[2] && !l->b[3]);
    assert_int_equal(l->n_type, 2);
    assert_true(l->type[0] == TENSORFLOW__DATA_TYPE__DT_FLOAT &&
                l->type[1] == TENSORFLOW__DATA_TYPE__DT_INT32);
    assert_int_equal(l->n_shape, 2);
    assert_int_equal(l->shape[0]->n_dim, 1);
    assert_true(l->shape[1]->unknown_rank);
    assert_int_equal(l->n_func, 1);
    assert_string_equal(l->func[0]->attr[0]->value->placeholder, "T");
    /* Printing and parsing again gives the same text. */
    char *t1 = tfc__text_print(&av->base);
    ProtobufCMessage *again = parse_ok(&tensorflow__attr_value__descriptor, t1);
    char *t2 = tfc__text_print(again);
    assert_string_equal(t1, t2);
    assert_non_null(strstr(t1, "  i: 16\n"));
    assert_non_null(strstr(t1, "  f: -inf\n"));
    assert_non_null(strstr(t1, "  type: DT_INT32\n"));
    tfc_free(t1), tfc_free(t2);
    tfc__proto_free(again);
    tfc__proto_free(&av->base);

    /* Enum values without a name print as numbers; map entries print sorted by key. */
    Tensorflow__AttrValue *e =
        (Tensorflow__AttrValue *)parse_ok(&tensorflow__attr_value__descriptor, "type: 99");
    char *t = tfc__text_print(&e->base);
    assert_string_equal(t, "type: 99\n");
    tfc_free(t);
    tfc__proto_free(&e->base);
    e = (Tensorflow__AttrValue *)parse_ok(
        &tensorflow__attr_value__descriptor,
        "func { attr { key: 'b' value { i: 0 } } attr { key: 'a' value { b: false } } }");
    t = tfc__text_print(&e->base);
    assert_string_equal(
        t, "func {\n  attr {\n    key: \"a\"\n    value {\n      b: false\n    }\n  }\n"
           "  attr {\n    key: \"b\"\n    value {\n      i: 0\n    }\n  }\n}\n");
    tfc_free(t);
    tfc__proto_free(&e->base);

    /* A double field, and an empty input. */
    Tensorflow__TensorProto *tp = (Tensorflow__TensorProto *)parse_ok(
        &tensorflow__tensor_proto__descriptor,
        "dtype: DT_DOUBLE double_val: [0.1, 1e-300] int_val: -2147483648");
    assert_true(tp->n_double_val == 2 && tp->double_val[0] == 0.1 && tp->double_val[1] == 1e-300);
    assert_true(tp->int_val[0] == INT32_MIN);
    t = tfc__text_print(&tp->base);
    assert_string_equal(
        t, "dtype: DT_DOUBLE\ndouble_val: 0.1\ndouble_val: 1e-300\nint_val: -2147483648\n");
    tfc_free(t);
    tfc__proto_free(&tp->base);
    ProtobufCMessage *empty = parse_ok(&tensorflow__graph_def__descriptor, "  # nothing\n");
    t = tfc__text_print(empty);
    assert_string_equal(t, "");
    tfc_free(t);
    tfc__proto_free(empty);
}

static void test_parse_errors(void **state) {
    (void)state;
    const ProtobufCMessageDescriptor *gd = &tensorflow__graph_def__descriptor;
    const ProtobufCMessageDescriptor *av = &tensorflow__attr_value__descriptor;
    expect_parse_error(gd, "node {\n  name: 'x'\n  bogus: 1\n}",
                       "3:3: message tensorflow.NodeDef has no field named 'bogus'");
    expect_parse_error(gd, "node { name 'x' }", "1:13: expected ':' after field 'name'");
    expect_parse_error(gd, "node { name: 'x' name: 'y' }",
                       "1:18: non-repeated field 'name' is given more than once");
    expect_parse_error(gd, "node { name: 'x'", "expected '}' before the end of the input");
    expect_parse_error(gd, "node { name: 'x' } }", "1:20: expected a field name, got '}'");
    expect_parse_error(gd, "versions { producer: 2147483648 }",
                       "value 2147483648 is out of range for field 'producer'");
    expect_parse_error(gd, "versions { producer: -2147483649 }", "out of range");
    expect_parse_error(gd, "versions { producer: 1.5 }", "expected an integer, got '1.5'");
    expect_parse_error(gd, "versions { producer: 99999999999999999999999 }", "out of range");
    expect_parse_error(gd, "node: 3", "expected '{' or '<' to start field 'node'");
    expect_parse_error(gd, "versions [ {} ]",
                       "field 'versions' is not repeated but is given a list");
    expect_parse_error(gd, "[tensorflow.ext] { }", "extensions and Any expansions");
    expect_parse_error(gd, "node { name: 'x' } \x01", "unexpected character 0x01");
    expect_parse_error(av, "i: 1 f: 2",
                       "1:6: field 'f' is given along with another member of its oneof");
    expect_parse_error(av, "type: DT_NOPE", "unknown value 'DT_NOPE' for enum tensorflow.DataType");
    expect_parse_error(av, "b: yes", "expected true or false for field 'b'");
    expect_parse_error(av, "f: abc", "expected a number, got 'abc'");
    expect_parse_error(av, "list { i: [1, 2 }", "expected ']' to close the list");
    expect_parse_error(av, "s: -'x'", "expected a string for field 's'");
    /* Nesting is bounded (AttrValue -> func -> attr entry -> AttrValue -> ...). */
    size_t depth = 60, cap = depth * 40 + 16, len = 0;
    char *deep = tfc_malloc(cap);
    for (size_t k = 0; k < depth; k++)
        len += (size_t)snprintf(deep + len, cap - len, "func { attr { value { ");
    for (size_t k = 0; k < depth; k++) len += (size_t)snprintf(deep + len, cap - len, "} } } ");
    expect_parse_error(av, deep, "nested deeper than 100");
    tfc_free(deep);
}

/* The wire check behind every binary import bounds nesting before protobuf-c recurses. */
static void test_binary_depth(void **state) {
    (void)state;
    /* AttrValue { func (10) { attr (2) { value (2) { func ... } } } }, built inside out. */
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = tfc_malloc(cap), *tmp = tfc_malloc(cap);
    for (int level = 0; level < 200; level++) {
        const uint8_t tags[3] = {0x12, 0x12,
                                 0x52}; /* entry.value, NameAttrList.attr, AttrValue.func */
        for (int t = 0; t < 3; t++) {
            size_t k = 0;
            tmp[k++] = tags[t];
            k += tfc_varint_put64(tmp + k, n);
            memcpy(tmp + k, buf, n);
            memcpy(buf, tmp, k + n);
            n += k;
        }
    }
    char why[200];
    assert_false(tfc__proto_check(&tensorflow__attr_value__descriptor, buf, n, TFC_PROTO_MAX_DEPTH,
                                  why, sizeof why));
    assert_non_null(strstr(why, "nested deeper than 100"));
    ProtobufCMessage *m;
    tfc_status st;
    assert_int_equal(
        tfc__proto_unpack(&tensorflow__attr_value__descriptor, buf, n, "AttrValue", &m, &st),
        TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "malformed AttrValue: messages nested deeper");
    tfc_free(buf), tfc_free(tmp);
}

static int run_textformat(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_float_format), TU_TEST(test_strings),      TU_TEST(test_parse_forms),
        TU_TEST(test_parse_errors), TU_TEST(test_binary_depth),
    };
    return cmocka_run_group_tests_name("textformat", tests, NULL, NULL);
}

int tu_run_textformat(void) {
    return run_textformat();
}
