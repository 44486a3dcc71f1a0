/* GraphDef import and export: the real addition_int32.pb TF wrote, round trips (binary and text),
 * the exact text of a small graph, validation errors at import time, all-or-nothing imports,
 * prefixes and the function library. */
#include <stdlib.h>

#include "graph_tests.h"
#include "proto/graph.pb-c.h"
#include "proto/proto_util.h"

static uint8_t *export_pb(const tfc_graph *g, size_t *n) {
    uint8_t *pb = NULL;
    tfc_status st;
    if (tfc_graph_to_graphdef(g, &pb, n, &st)) fail_msg("export: %s", st.msg);
    return pb;
}

/* export -> import -> export is byte-identical, in binary and in text. */
static void check_roundtrip(const tfc_graph *g) {
    tfc_status st;
    size_t n1, n2, n3;
    uint8_t *b1 = export_pb(g, &n1);
    tfc_graph *g2 = tfc_graph_new();
    if (tfc_graph_import(g2, b1, n1, NULL, &st)) fail_msg("re-import: %s", st.msg);
    uint8_t *b2 = export_pb(g2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    char *t1 = tfc_graph_to_text(g);
    tfc_graph *g3 = tfc_graph_new();
    if (tfc_graph_import(g3, t1, strlen(t1), NULL, &st))
        fail_msg("text import: %s\n%s", st.msg, t1);
    uint8_t *b3 = export_pb(g3, &n3);
    assert_int_equal(n1, n3);
    assert_memory_equal(b1, b3, n1);
    char *t3 = tfc_graph_to_text(g3);
    assert_string_equal(t1, t3);
    tfc_free(b1), tfc_free(b2), tfc_free(b3), tfc_free(t1), tfc_free(t3);
    tfc_graph_free(g2), tfc_graph_free(g3);
}

static tfc_code import_text(tfc_graph *g, const char *text, const char *prefix, tfc_status *st) {
    return tfc_graph_import(g, text, strlen(text), prefix, st);
}

static void test_import_addition(void **state) {
    (void)state;
    size_t n;
    uint8_t *data = tu_read_file(tu_testdata("graph/addition_int32.pb"), &n);
    assert_non_null(data);
    assert_int_equal(n, 178);
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    if (tfc_graph_import(g, data, n, NULL, &st)) fail_msg("%s", st.msg);
    assert_int_equal(tfc_graph_num_nodes(g), 3);
    tfc_node *x = tfc_graph_find(g, "x"), *y = tfc_graph_find(g, "y"), *z = tfc_graph_find(g, "z");
    assert_non_null(x), assert_non_null(y), assert_non_null(z);
    assert_string_equal(tfc_node_op(x), "Placeholder");
    assert_string_equal(tfc_node_op(z), "AddV2");
    tfc_dtype dt;
    TU_OK(tfc_node_attr_type(x, "dtype", &dt, &st));
    assert_int_equal(dt, TFC_DT_INT32);
    TU_OK(tfc_node_attr_type(z, "T", &dt, &st));
    assert_int_equal(dt, TFC_DT_INT32);
    assert_int_equal(tfc_out_dtype(tfc_node_output(y, 0)), TFC_DT_INT32);
    assert_int_equal(tfc_out_dtype(tfc_node_output(z, 0)), TFC_DT_INT32);
    assert_string_equal(tg_shape(tfc_node_output(x, 0)), "[]"); /* shape {} is a scalar */
    assert_string_equal(tg_shape(tfc_node_output(z, 0)), "[]");
    assert_int_equal(tfc_node_num_inputs(z), 2);
    assert_ptr_equal(tfc_node_input(z, 0).node, x);
    assert_ptr_equal(tfc_node_input(z, 1).node, y);
    assert_int_equal(tfc_node_input(z, 1).index, 0);
    const char *s;
    size_t len;
    TU_OK(tfc_node_attr_string(x, "_user_specified_name", &s, &len, &st));
    assert_string_equal(s, "x");
    check_roundtrip(g);

    /* Importing it again needs a prefix; a failed import changes nothing. */
    assert_int_equal(tfc_graph_import(g, data, n, NULL, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "already has a node named 'x'");
    assert_int_equal(tfc_graph_num_nodes(g), 3);
    TU_OK(tfc_graph_import(g, data, n, "again", &st));
    assert_int_equal(tfc_graph_num_nodes(g), 6);
    tfc_node *z2 = tfc_graph_find(g, "again/z");
    assert_non_null(z2);
    assert_ptr_equal(tfc_node_input(z2, 0).node, tfc_graph_find(g, "again/x"));
    assert_int_equal(tfc_node_id(z2), 5);
    /* "scope/" is the scope itself (TF's import_graph_def(name="scope/")): no doubled slash. */
    TU_OK(tfc_graph_import(g, data, n, "slash/", &st));
    assert_non_null(tfc_graph_find(g, "slash/z"));
    assert_int_equal(tfc_graph_num_nodes(g), 9);
    /* Imported names are in use: new nodes and scopes avoid them. */
    assert_string_equal(tfc_node_name(tg_ph(g, "x", TFC_DT_FLOAT, 0, NULL).node), "x_1");
    assert_string_equal(tfc_graph_push_scope(g, "again"), "again_1");
    TU_OK(tfc_graph_status(g, &st));
    check_roundtrip(g);
    free(data);
    tfc_graph_free(g);
}

static void test_unknown_op_before_cycle(void **state) {
    (void)state;
    /* A TF1 while loop: Merge <- NextIteration <- Merge is a cycle of ops tfc lacks; the error is
     * the unknown op, not the cycle. */
    static const char text[] =
        "node { name: \"w/Merge\" op: \"Merge\" input: \"w/Next\" }\n"
        "node { name: \"w/Next\" op: \"NextIteration\" input: \"w/Merge\" }\n";
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    assert_int_equal(tfc_graph_import(g, text, sizeof text - 1, NULL, &st), TFC_UNIMPLEMENTED);
    assert_string_equal(st.msg, "op 'Merge' (node 'w/Merge') is not supported by tfc");
    tfc_graph_free(g);
}

static void test_unknown_op(void **state) {
    (void)state;
    /* A GraphDef built by hand with protobuf-c: a Placeholder and a node of an unknown op. */
    Tensorflow__AttrValue dtype = TENSORFLOW__ATTR_VALUE__INIT;
    dtype.value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    dtype.type = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    Tensorflow__NodeDef__AttrEntry entry = TENSORFLOW__NODE_DEF__ATTR_ENTRY__INIT;
    entry.key = "dtype", entry.value = &dtype;
    Tensorflow__NodeDef__AttrEntry *entries[] = {&entry};
    Tensorflow__NodeDef ph = TENSORFLOW__NODE_DEF__INIT, foo = TENSORFLOW__NODE_DEF__INIT;
    ph.name = "x", ph.op = "Placeholder", ph.n_attr = 1, ph.attr = entries;
    char *inputs[] = {"x"};
    foo.name = "bar", foo.op = "Foo", foo.n_input = 1, foo.input = inputs;
    Tensorflow__NodeDef *nodes[] = {&ph, &foo};
    Tensorflow__GraphDef gd = TENSORFLOW__GRAPH_DEF__INIT;
    gd.n_node = 2, gd.node = nodes;
    uint8_t *pb;
    size_t n;
    TU_OK(tfc__proto_pack(&gd.base, &pb, &n, NULL));

    tfc_graph *g = tfc_graph_new();
    tg_ph(g, "keep", TFC_DT_FLOAT, 0, NULL);
    tfc_status st;
    assert_int_equal(tfc_graph_import(g, pb, n, NULL, &st), TFC_UNIMPLEMENTED);
    assert_string_equal(st.msg, "op 'Foo' (node 'bar') is not supported by tfc");
    assert_int_equal(tfc_graph_num_nodes(g), 1);
    assert_null(tfc_graph_find(g, "x"));
    /* The import error does not stick to the graph, and the names it held are still free. */
    TU_OK(tfc_graph_status(g, &st));
    assert_string_equal(tfc_node_name(tg_ph(g, "x", TFC_DT_FLOAT, 0, NULL).node), "x");
    /* With a prefix the message names the node as it would be in the graph. */
    assert_int_equal(tfc_graph_import(g, pb, n, "m", &st), TFC_UNIMPLEMENTED);
    assert_string_equal(st.msg, "op 'Foo' (node 'm/bar') is not supported by tfc");
    tfc_free(pb);
    tfc_graph_free(g);
}

static tfc_graph *built_graph(void) {
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){-1, 3});
    tfc_out any = tfc_placeholder(g, "any", TFC_DT_STRING, NULL);
    tfc_shape ws = tfc_shape_make(2, (int64_t[]){3, 2});
    float wv[] = {0.1f, -2.5f, 1e-7f, 3.0f, 1e30f, -0.0f};
    tfc_tensor *w = NULL, *sv = NULL, *b = tfc_tensor_scalar_float(0.5f);
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &ws, wv, sizeof wv, &w, NULL));
    tfc_shape ss = tfc_shape_make(1, (int64_t[]){2});
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &ss, &sv, NULL));
    TU_OK(tfc_tensor_set_string(sv, 0, "a\"b\n\001\377'", 7, NULL));
    TU_OK(tfc_tensor_set_string(sv, 1, "", 0, NULL));
    tfc_graph_push_scope(g, "dense");
    tfc_out wc = tfc_const(g, "kernel", w);
    tfc_out bc = tfc_const(g, "bias", b);
    tfc_node_builder *bl = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(bl, x);
    tfc_node_add_input(bl, wc);
    tfc_node_set_attr_bool(bl, "transpose_b", false);
    tfc_node_set_device(bl, "/device:CPU:0");
    tfc_out mm = tfc_node_output(tfc_node_finish(bl), 0);
    tfc_out y = tg_unary(g, "Relu", NULL, tg_binary(g, "AddV2", NULL, mm, bc));
    tfc_graph_pop_scope(g);
    tfc_out strs = tfc_const(g, "strings", sv);
    tfc_graph_push_control_deps(g, (tfc_node *[]){strs.node, any.node}, 2);
    tfc_out shp = tg_unary(g, "Shape", NULL, y);
    tfc_graph_pop_control_deps(g);
    tfc_out r = tg_binary(g, "Reshape", NULL, y, tg_const_i32(g, "flat", (int32_t[]){-1}, 1));
    bl = tfc_node_begin(g, "Identity", "out");
    tfc_node_add_input(bl, r);
    tfc_node_set_attr_string_list(bl, "_class", (const char *[]){"loc:@dense/kernel"}, 1);
    tfc_node_set_attr_shape_list(bl, "_output_shapes",
                                 (tfc_shape[]){tfc_shape_make(1, (int64_t[]){-1})}, 1);
    tfc_node_set_attr_float(bl, "_scale", 1.0f / 3.0f);
    tfc_node_set_attr_int_list(bl, "_empty", NULL, 0);
    tfc_node_finish(bl);
    tfc_node_builder *nb = tfc_node_begin(g, "NoOp", "init");
    tfc_node_add_control_input(nb, shp.node);
    tfc_node_finish(nb);
    tfc_tensor_unref(w), tfc_tensor_unref(b), tfc_tensor_unref(sv);
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    return g;
}

static void test_roundtrip_built(void **state) {
    (void)state;
    tfc_graph *g = built_graph();
    assert_string_equal(tg_shape(tfc_graph_find_output(g, "Reshape")), "[?]");
    check_roundtrip(g);
    /* The tensors come back with their values. */
    size_t n;
    uint8_t *pb = export_pb(g, &n);
    tfc_graph *g2 = tfc_graph_new();
    TU_OK(tfc_graph_import(g2, pb, n, NULL, NULL));
    const tfc_tensor *a, *b;
    TU_OK(tfc_node_attr_tensor(tfc_graph_find(g, "dense/kernel"), "value", &a, NULL));
    TU_OK(tfc_node_attr_tensor(tfc_graph_find(g2, "dense/kernel"), "value", &b, NULL));
    assert_true(tfc_tensor_equal(a, b));
    TU_OK(tfc_node_attr_tensor(tfc_graph_find(g2, "strings"), "value", &b, NULL));
    tfc_bytes s0 = tfc_tensor_string_at(b, 0);
    assert_int_equal(s0.size, 7);
    assert_memory_equal(s0.data, "a\"b\n\001\377'", 7);
    assert_string_equal(tfc_node_device(tfc_graph_find(g2, "dense/MatMul")), "/device:CPU:0");
    assert_int_equal(tfc_node_num_control_inputs(tfc_graph_find(g2, "Shape")), 2);
    tfc_free(pb);
    tfc_graph_free(g2);
    tfc_graph_free(g);
}

static void test_text_exact(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_INT32, 1, (int64_t[]){-1});
    tfc_node_builder *b = tfc_node_begin(g, "Neg", "neg");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_float(b, "_f", 0.1f);
    tfc_node_set_attr_string(b, "_s", "it's\n", 5);
    tfc_node_finish(b);
    char *text = tfc_graph_to_text(g);
    const char *want = "node {\n"
                       "  name: \"x\"\n"
                       "  op: \"Placeholder\"\n"
                       "  attr {\n"
                       "    key: \"dtype\"\n"
                       "    value {\n"
                       "      type: DT_INT32\n"
                       "    }\n"
                       "  }\n"
                       "  attr {\n"
                       "    key: \"shape\"\n"
                       "    value {\n"
                       "      shape {\n"
                       "        dim {\n"
                       "          size: -1\n"
                       "        }\n"
                       "      }\n"
                       "    }\n"
                       "  }\n"
                       "}\n"
                       "node {\n"
                       "  name: \"neg\"\n"
                       "  op: \"Neg\"\n"
                       "  input: \"x\"\n"
                       "  attr {\n"
                       "    key: \"T\"\n"
                       "    value {\n"
                       "      type: DT_INT32\n"
                       "    }\n"
                       "  }\n"
                       "  attr {\n"
                       "    key: \"_f\"\n"
                       "    value {\n"
                       "      f: 0.1\n"
                       "    }\n"
                       "  }\n"
                       "  attr {\n"
                       "    key: \"_s\"\n"
                       "    value {\n"
                       "      s: \"it\\'s\\n\"\n"
                       "    }\n"
                       "  }\n"
                       "}\n"
                       "versions {\n"
                       "  producer: 134\n"
                       "}\n";
    assert_string_equal(text, want);
    tfc_free(text);
    tfc_graph_free(g);
}

typedef struct bad_case {
    const char *text;
    tfc_code code;
    const char *frag1, *frag2;
} bad_case;

#define PH(name, dt)                                                                               \
    "node { name: '" name "' op: 'Placeholder' attr { key: 'dtype' value { type: " dt " } } }\n"

static void test_import_errors(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {PH("x", "DT_FLOAT") "node { name: 'z' op: 'Identity' input: 'w' }", TFC_INVALID_ARGUMENT,
         "node 'z'", "input 'w' is not a node of the GraphDef"},
        {"node { name: 'a' op: 'Identity' input: 'b' } node { name: 'b' op: 'Identity' input: 'a' "
         "}",
         TFC_INVALID_ARGUMENT, "cycle", "'a'"},
        {PH("x", "DT_FLOAT") PH("x", "DT_FLOAT"), TFC_INVALID_ARGUMENT,
         "node name 'x' appears twice", NULL},
        {PH("x", "DT_FLOAT") "node { name: 'n' op: 'Identity' input: '^x' input: 'x' }",
         TFC_INVALID_ARGUMENT, "node 'n'", "data input 'x' comes after a control input"},
        {PH("x", "DT_FLOAT") "node { name: 'n' op: 'Identity' input: 'x:1' }", TFC_INVALID_ARGUMENT,
         "node 'n': input 'x:1' asks for output 1", "has 1 output"},
        {PH("x", "DT_FLOAT") "node { name: 'n' op: 'Identity' input: 'x:b' }", TFC_INVALID_ARGUMENT,
         "node 'n'", "input 'x:b' is malformed"},
        {PH("s", "DT_STRING") "node { name: 'n' op: 'AddV2' input: 's' input: 's' }",
         TFC_INVALID_ARGUMENT, "node 'n' (op 'AddV2')", "attr 'T' = string is not allowed"},
        {PH("i", "DT_INT32") "node { name: 'n' op: 'AddV2' input: 'i' input: 'i' "
                             "attr { key: 'T' value { type: DT_FLOAT } } }",
         TFC_INVALID_ARGUMENT, "node 'n'", "input 'x' has dtype int32, but attr 'T' is float32"},
        {PH("i", "DT_INT32") "node { name: 'n' op: 'AddV2' input: 'i' }", TFC_INVALID_ARGUMENT,
         "node 'n' (op 'AddV2')", "expects 2 inputs, got 1"},
        {PH("i", "DT_FLOAT") "node { name: 'n' op: 'Relu' input: 'i' attr { key: 'alpha' value { "
                             "f: 1 } } }",
         TFC_INVALID_ARGUMENT, "node 'n'", "op 'Relu' has no attr 'alpha'"},
        {"node { name: 'p' op: 'Placeholder' }", TFC_INVALID_ARGUMENT, "node 'p'",
         "missing required attr 'dtype'"},
        {"node { name: 'p' op: 'Placeholder' attr { key: 'dtype' value { i: 1 } } }",
         TFC_INVALID_ARGUMENT, "node 'p'", "attr 'dtype' holds int where the op declares type"},
        {PH("c", "DT_COMPLEX64"), TFC_UNIMPLEMENTED, "node 'c'", "DT_COMPLEX64"},
        {"node { name: 'bad name' op: 'NoOp' }", TFC_INVALID_ARGUMENT,
         "node name 'bad name' is not valid", NULL},
        {"node { op: 'NoOp' }", TFC_INVALID_ARGUMENT, "node 0 of the GraphDef has no name", NULL},
        {"node { name: 'n' }", TFC_INVALID_ARGUMENT, "node 'n': has no op", NULL},
        {"node {\n  name: 'x'\n  op:\n}\n", TFC_INVALID_ARGUMENT,
         "text format: 4:1:", "expected a string"},
        {"node { name: 'x' op: 'NoOp' input: }", TFC_INVALID_ARGUMENT,
         "1:36:", "expected a string"},
        {"node { nme: 'x' }", TFC_INVALID_ARGUMENT, "no field named 'nme'", NULL},
        {"node { op: 'NoOp' }", TFC_INVALID_ARGUMENT, "node 0 of the GraphDef has no name", NULL},
        {"node { name: 'c' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } } "
         "attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } "
         "tensor_content: 'abc' } } } }",
         TFC_INVALID_ARGUMENT, "node 'c': attr 'value'", NULL},
        {"node { name: 'c' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } "
         "attr { key: 'shape' value { shape { dim { size: -2 } } } } }",
         TFC_INVALID_ARGUMENT, "node 'c': attr 'shape'", NULL},
    };
    tfc_graph *g = tfc_graph_new();
    tg_ph(g, "keep", TFC_DT_FLOAT, 0, NULL);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_status st;
        tfc_code c = import_text(g, cases[k].text, NULL, &st);
        if (c != cases[k].code) fail_msg("case %zu: got %s: %s", k, tfc_code_name(c), st.msg);
        if (!strstr(st.msg, cases[k].frag1) || (cases[k].frag2 && !strstr(st.msg, cases[k].frag2)))
            fail_msg("case %zu: message '%s'", k, st.msg);
        assert_int_equal(tfc_graph_num_nodes(g), 1);
    }
    /* Malformed binary. */
    tfc_status st;
    const uint8_t junk[] = {0x0a, 0x50, 0x0a, 0x01, 'x'};
    assert_int_equal(tfc_graph_import(g, junk, sizeof junk, NULL, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "malformed GraphDef", "field 1 (node) at byte 0");
    /* Value-list fills share one budget per import: two 600 MB Consts from one value each are
     * refused before either is allocated. */
    static const char bomb[] =
        "node { name: 'a' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }"
        " attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 150000000"
        " } } float_val: 1 } } } }"
        "node { name: 'b' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }"
        " attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 150000000"
        " } } float_val: 1 } } } }";
    int64_t allocs = tfc_alloc_total_count();
    assert_int_equal(import_text(g, bomb, NULL, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT,
                     "node 'b': attr 'value': tensors filled from value lists");
    assert_true(tfc_alloc_total_count() - allocs < 1000);
    /* A misspelled field in a text GraphDef is an error naming it, as in TF's text parser. */
    assert_int_equal(import_text(g, "node { nmae: \"x\" op: \"NoOp\" }", NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "nmae");
    /* Bad prefix. */
    assert_int_equal(import_text(g, "", "/x", &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "prefix '/x'");
    /* Nothing of the failed imports is left: the first "x" built now is "x". */
    TU_OK(tfc_graph_status(g, &st));
    assert_string_equal(tfc_node_name(tg_ph(g, "x", TFC_DT_FLOAT, 0, NULL).node), "x");
    /* A graph holding an error takes no imports. */
    tfc_graph_fail(g, TFC_INTERNAL, "earlier");
    assert_int_equal(import_text(g, "", NULL, &st), TFC_FAILED_PRECONDITION);
    tfc_graph_free(g);
}

static void test_import_order_and_defaults(void **state) {
    (void)state;
    /* Consumers first; attrs left out: defaults are filled in and T is inferred. */
    const char *text =
        "# a hand-written graph\n"
        "node { name: 'mm' op: 'MatMul' input: 'a' input: 'b:0' }\n"
        "node { name: 'a' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } }\n"
        "  attr { key: 'shape' value { shape { dim { size: 2 } dim { size: 3 } } } } }\n"
        "node < name: \"b\" op: \"Placeholder\" attr: { key: \"dtype\" value: { type: 1 } } >\n"
        "node { name: 'n' op: 'NoOp' input: '^mm' input: '^a' }\n"
        "versions { producer: 27 min_consumer: 12 }\n";
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    if (import_text(g, text, NULL, &st)) fail_msg("%s", st.msg);
    assert_string_equal(tfc_node_name(tfc_graph_node(g, 0)), "a");
    assert_string_equal(tfc_node_name(tfc_graph_node(g, 1)), "b");
    assert_string_equal(tfc_node_name(tfc_graph_node(g, 2)), "mm");
    assert_string_equal(tfc_node_name(tfc_graph_node(g, 3)), "n");
    tfc_node *mm = tfc_graph_find(g, "mm");
    bool ta = true;
    TU_OK(tfc_node_attr_bool(mm, "transpose_a", &ta, &st));
    assert_false(ta);
    tfc_dtype dt;
    TU_OK(tfc_node_attr_type(mm, "T", &dt, &st));
    assert_int_equal(dt, TFC_DT_FLOAT);
    assert_string_equal(tg_shape(tfc_node_output(mm, 0)), "[2,?]");
    tfc_shape s;
    TU_OK(tfc_node_attr_shape(tfc_graph_find(g, "b"), "shape", &s, &st));
    assert_int_equal(s.rank, -1); /* the default: unknown rank */
    assert_int_equal(tfc_node_num_control_inputs(tfc_graph_find(g, "n")), 2);
    check_roundtrip(g);
    tfc_graph_free(g);
}

/* TF's fields tfc does not declare are skipped in text as they are in binary. */
static void test_import_skips_unknown_fields(void **state) {
    (void)state;
    const char *text =
        "node {\n"
        "  name: 'x' op: 'Placeholder'\n"
        "  attr { key: 'dtype' value { type: DT_FLOAT } }\n"
        "  experimental_debug_info { original_node_names: ['a', 'b'] }\n"
        "  experimental_type { type_id: TFT_PRODUCT args [{ type_id: TFT_TENSOR }] }\n"
        "}\n"
        "debug_info { files: 'model.py' traces { key: 'x' value < depth: -1 > } }\n"
        "versions { producer: 1882 }\n";
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    if (import_text(g, text, NULL, &st)) fail_msg("%s", st.msg);
    assert_int_equal(tfc_graph_num_nodes(g), 1);
    char *out = tfc_graph_to_text(g);
    assert_null(strstr(out, "experimental"));
    tfc_free(out);
    check_roundtrip(g);
    /* Skipping still wants well-formed text. */
    assert_int_equal(import_text(g, "node { name: 'y' experimental_x: { a: [1, } }", NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "1:43: expected a value, got '}'");
    /* Only TF's own fields are skipped: a misspelled one is an error naming it. */
    assert_int_equal(import_text(g, "node { name: 'y' bogus: { a: 1 } }", NULL, &st),
                     TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT,
                     "1:18: message tensorflow.NodeDef has no field named 'bogus'");
    tfc_graph_free(g);
}

static const char *lib_graph =
    "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
    "library {\n"
    "  function {\n"
    "    signature { name: 'times_two' input_arg { name: 'x' type: DT_FLOAT }\n"
    "                output_arg { name: 'y' type: DT_FLOAT } is_stateful: false }\n"
    "    node_def { name: 'two' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }\n"
    "               attr { key: 'value' value { tensor { dtype: DT_FLOAT float_val: 2 } } } }\n"
    "    node_def { name: 'mul' op: 'Mul' input: 'x' input: 'two:output:0'\n"
    "               attr { key: 'T' value { type: DT_FLOAT } } }\n"
    "    ret { key: 'y' value: 'mul:z:0' }\n"
    "    attr { key: '_noinline' value { b: true } }\n"
    "    arg_attr { key: 0 value { attr { key: '_user_specified_name' value { s: 'x' } } } }\n"
    "  }\n"
    "  gradient { function_name: 'times_two' gradient_func: 'times_two_grad' }\n"
    "}\n";

static void test_library(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    if (import_text(g, lib_graph, NULL, &st)) fail_msg("%s", st.msg);
    char *text = tfc_graph_to_text(g);
    assert_non_null(
        strstr(text, "library {\n  function {\n    signature {\n      name: \"times_two\"\n"));
    assert_non_null(strstr(text, "    ret {\n      key: \"y\"\n      value: \"mul:z:0\"\n    }\n"));
    assert_non_null(strstr(text, "  gradient {\n    function_name: \"times_two\"\n"));
    tfc_free(text);
    check_roundtrip(g);
    /* The same library again merges quietly; another definition of the function is an error. */
    TU_OK(import_text(g, lib_graph, "again", &st));
    assert_int_equal(tfc_graph_num_nodes(g), 2);
    const char *other = "node { name: 'q' op: 'NoOp' }\n"
                        "library { function { signature { name: 'times_two' } } }";
    assert_int_equal(import_text(g, other, NULL, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT,
                     "function 'times_two' is already in the graph's library");
    assert_null(tfc_graph_find(g, "q"));
    const char *more = "library { function { signature { name: 'f2' } }\n"
                       "          gradient { function_name: 'f2' gradient_func: 'g2' } }";
    TU_OK(import_text(g, more, NULL, &st));
    text = tfc_graph_to_text(g);
    assert_non_null(strstr(text, "name: \"f2\""));
    tfc_free(text);
    check_roundtrip(g);
    tfc_graph_free(g);
}

static int run_graphdef(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_import_addition),
        TU_TEST(test_unknown_op),
        TU_TEST(test_unknown_op_before_cycle),
        TU_TEST(test_roundtrip_built),
        TU_TEST(test_text_exact),
        TU_TEST(test_import_errors),
        TU_TEST(test_import_order_and_defaults),
        TU_TEST(test_import_skips_unknown_fields),
        TU_TEST(test_library),
    };
    return cmocka_run_group_tests_name("graphdef", tests, NULL, NULL);
}

int tu_run_graphdef(void) {
    return run_graphdef();
}
