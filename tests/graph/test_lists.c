/* The op-declaration syntax (tfc__op_def_parse) and list arguments: "N * T" (AddN) and type
 * lists (IdentityN), built and imported. */
#include "graph/graph_int.h"
#include "graph_tests.h"

static tfc_code parse_spec(const char *sig, const char *attrs, tfc_op_def *d, tfc_status *st) {
    static tfc_op_spec spec; /* the def points at its spec: keep it alive for the checks */
    spec = (tfc_op_spec){.name = "TestOp", .sig = sig, .attrs = attrs};
    return tfc__op_def_parse(&spec, d, st);
}

static void test_spec_syntax(void **state) {
    (void)state;
    tfc_op_def d;
    tfc_status st;
    TU_OK(parse_spec("ref: Ref(T), values: N * T, idx: Tidx, fixed: N * int32 -> out: Tout, "
                     "r: Ref(float)",
                     "T: type; N: int >= 2; Tidx: {int32, int64} = DT_INT32; "
                     "Tout: list({float, int32}) >= 1; "
                     "padding: {'SAME', \"VALID\"} = 'SAME'; ksize: list(int) = [1, 2, 2, 1]; "
                     "shape: shape = { dim { size: -1 } }; alpha: float = 0.2; on: bool = true; "
                     "names: list(string) = []; q: {realnumbertypes, qint8}",
                     &d, &st));
    assert_int_equal(d.num_inputs, 4);
    assert_true(d.inputs[0].is_ref && !strcmp(d.inputs[0].type_attr, "T"));
    assert_true(!strcmp(d.inputs[1].number_attr, "N") && !strcmp(d.inputs[1].type_attr, "T"));
    assert_true(!strcmp(d.inputs[3].number_attr, "N") && d.inputs[3].type == TFC_DT_INT32);
    assert_int_equal(d.num_outputs, 2);
    assert_string_equal(d.outputs[0].type_list_attr, "Tout");
    assert_true(d.outputs[1].is_ref && d.outputs[1].type == TFC_DT_FLOAT);
    assert_int_equal(d.num_attrs, 11);
    assert_true(d.attrs[1].has_minimum && d.attrs[1].minimum == 2);
    assert_int_equal(d.attrs[2].num_allowed_types, 2);
    assert_string_equal(d.attrs[2].default_text, "DT_INT32");
    assert_int_equal(d.attrs[3].kind, TFC_ATTR_LIST_TYPE);
    assert_int_equal(d.attrs[3].num_allowed_types, 2);
    assert_int_equal(d.attrs[4].kind, TFC_ATTR_STRING);
    assert_int_equal(d.attrs[4].num_allowed_strings, 2);
    assert_string_equal(d.attrs[4].allowed_strings[1], "VALID");
    assert_int_equal(d.attrs[5].kind, TFC_ATTR_LIST_INT);
    assert_int_equal(d.attrs[6].kind, TFC_ATTR_SHAPE);
    assert_int_equal(d.attrs[10].num_allowed_types, 13);
    /* The defaults read as values of their kinds. */
    tfc__attr_value v;
    TU_OK(tfc__attr_parse_default(&d.attrs[5], &v, &st));
    assert_true(v.kind == TFC__AV_LIST && v.list->n_i == 4 && v.list->i[1] == 2);
    tfc__attr_value_clear(&v);
    TU_OK(tfc__attr_parse_default(&d.attrs[6], &v, &st));
    assert_true(v.kind == TFC__AV_SHAPE && v.shape.rank == 1 && v.shape.dims[0] == -1);
    tfc__attr_value_clear(&v);
    TU_OK(tfc__attr_parse_default(&d.attrs[4], &v, &st));
    assert_string_equal(v.s.p, "SAME");
    tfc__attr_value_clear(&v);
    tfc__op_def_release(&d);

    /* No inputs, no outputs, or neither. */
    TU_OK(parse_spec("-> y: float", "", &d, &st));
    assert_true(d.num_inputs == 0 && d.num_outputs == 1);
    tfc__op_def_release(&d);
    TU_OK(parse_spec("x: float ->", NULL, &d, &st));
    assert_true(d.num_inputs == 1 && d.num_outputs == 0);
    tfc__op_def_release(&d);
    TU_OK(parse_spec("", "", &d, &st));
    tfc__op_def_release(&d);

    static const struct {
        const char *sig, *attrs, *msg;
    } bad[] = {
        {"x: T -> y: T", "T: {flaot}", "unknown type 'flaot'"},
        {"x: U -> y: float", "T: type", "neither a dtype nor a type attr: 'U'"},
        {"x: T -> y: T", "T: type; T: type", "attr declared twice: 'T'"},
        {"x: float", "", "signature has no '->'"},
        {"x: M * float -> y: float", "M: type", "number attr is not an int attr: 'M'"},
        {"-> y: float", "a: int = x", "default 'x' of attr 'a' (int) does not parse"},
        {"-> y: float", "p: {'SAME'} = 'VALID'", "of attr 'p' is not an allowed value"},
        {"-> y: float", "t: {int32} = DT_FLOAT", "not an allowed value"},
        {"-> y: float", "n: int >= 3 = 1", "not an allowed value"},
        {"-> y: float", "a: list(tensor)", "unknown list type 'tensor'"},
        {"-> y: float", "a: int extra", "unexpected text after the type of attr 'a'"},
        {"-> y: float", "a int", "attr needs 'name: type'"},
        {"x: float, x: float ->", "", "argument declared twice: 'x'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(parse_spec(bad[k].sig, bad[k].attrs, &d, &st), TFC_INVALID_ARGUMENT);
        if (!strstr(st.msg, bad[k].msg) || !strstr(st.msg, "op 'TestOp'"))
            fail_msg("case %zu: '%s'", k, st.msg);
        assert_int_equal(d.num_attrs, 0); /* released */
    }
}

static void test_add_n(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out xs[3] = {tg_ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){-1, 3}),
                     tg_ph(g, "b", TFC_DT_FLOAT, 2, (int64_t[]){2, -1}),
                     tg_ph(g, "c", TFC_DT_FLOAT, -1, NULL)};
    tfc_node_builder *b = tfc_node_begin(g, "AddN", NULL);
    tfc_node_add_input_list(b, xs, 3);
    tfc_node *n = tfc_node_finish(b);
    TU_OK(tfc_graph_status(g, NULL));
    int64_t count;
    TU_OK(tfc_node_attr_int(n, "N", &count, NULL));
    assert_int_equal(count, 3);
    assert_int_equal(tfc_node_num_inputs(n), 3);
    assert_string_equal(tg_shape(tfc_node_output(n, 0)), "[2,3]");
    tfc_graph_free(g);

    static const struct {
        int mode;
        const char *msg;
    } bad[] = {
        {0, "input 2 has shape [4], incompatible with [2,3] of the inputs before it"},
        {1, "input 'inputs' has dtype int32, but attr 'T' is float32"},
        {2, "input 'inputs' is a list: add it with tfc_node_add_input_list"},
        {3, "attr 'N' is 2 but input 'inputs' has 3 tensors"},
        {4, "attr 'N' = 0 is below its minimum 1"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        g = tfc_graph_new();
        tfc_out a = tg_ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
        tfc_out i = tg_ph(g, "i", TFC_DT_INT32, 2, (int64_t[]){2, 3});
        tfc_out v = tg_ph(g, "v", TFC_DT_FLOAT, 1, (int64_t[]){4});
        tfc_out ins[3] = {a, a, bad[k].mode == 1 ? i : bad[k].mode == 0 ? v : a};
        b = tfc_node_begin(g, "AddN", "sum");
        if (bad[k].mode == 2)
            tfc_node_add_input(b, a);
        else
            tfc_node_add_input_list(b, ins, bad[k].mode == 4 ? 0 : 3);
        if (bad[k].mode == 3) tfc_node_set_attr_int(b, "N", 2);
        assert_null(tfc_node_finish(b));
        TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'sum' (op 'AddN')", bad[k].msg);
        tfc_graph_free(g);
    }
}

static void test_identity_n(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out xs[2] = {tg_ph(g, "f", TFC_DT_FLOAT, 1, (int64_t[]){2}),
                     tg_ph(g, "i", TFC_DT_INT64, 0, NULL)};
    tfc_node_builder *b = tfc_node_begin(g, "IdentityN", NULL);
    tfc_node_add_input_list(b, xs, 2);
    tfc_node *n = tfc_node_finish(b);
    TU_OK(tfc_graph_status(g, NULL));
    assert_int_equal(tfc_node_num_outputs(n), 2);
    assert_int_equal(tfc_out_dtype(tfc_node_output(n, 1)), TFC_DT_INT64);
    assert_string_equal(tg_shape(tfc_node_output(n, 0)), "[2]");
    const tfc_dtype *types;
    int count;
    TU_OK(tfc_node_attr_type_list(n, "T", &types, &count, NULL));
    assert_true(count == 2 && types[0] == TFC_DT_FLOAT && types[1] == TFC_DT_INT64);
    /* Its second output feeds another node as "IdentityN:1". */
    tfc_out neg = tg_unary(g, "Neg", NULL, tfc_node_output(n, 1));
    assert_int_equal(tfc_out_dtype(neg), TFC_DT_INT64);
    char *text = tfc_graph_to_text(g);
    assert_non_null(strstr(text, "input: \"IdentityN:1\""));
    tfc_free(text);
    tfc_graph_free(g);
}

static void test_lists_imported(void **state) {
    (void)state;
    const char *ph =
        "node { name: 'a' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
        "node { name: 'b' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT32 } } }\n";
    char text[2048];
    tfc_status st;
    /* Without N and T: the one list takes every input, and T is inferred. */
    snprintf(text, sizeof text,
             "%snode { name: 's' op: 'AddN' input: 'a' input: 'a' input: 'a' }\n"
             "node { name: 'n' op: 'IdentityN' input: 'a' input: 'b' }\n"
             "node { name: 'm' op: 'Neg' input: 'n:1' }\n",
             ph);
    tfc_graph *g = tfc_graph_new();
    if (tfc_graph_import(g, text, strlen(text), NULL, &st)) fail_msg("%s", st.msg);
    int64_t count;
    TU_OK(tfc_node_attr_int(tfc_graph_find(g, "s"), "N", &count, NULL));
    assert_int_equal(count, 3);
    assert_int_equal(tfc_out_dtype(tfc_graph_find_output(g, "m")), TFC_DT_INT32);
    uint8_t *b1, *b2;
    size_t n1, n2;
    TU_OK(tfc_graph_to_graphdef(g, &b1, &n1, NULL));
    tfc_graph *g2 = tfc_graph_new();
    TU_OK(tfc_graph_import(g2, b1, n1, NULL, NULL));
    TU_OK(tfc_graph_to_graphdef(g2, &b2, &n2, NULL));
    assert_true(n1 == n2 && !memcmp(b1, b2, n1));
    tfc_free(b1), tfc_free(b2);
    tfc_graph_free(g2);
    tfc_graph_free(g);

    static const struct {
        const char *node, *msg;
    } bad[] = {
        {"node { name: 's' op: 'AddN' input: 'a' input: 'a' input: 'a' attr { key: 'N' value { i: "
         "2 } } }",
         "expects 2 inputs, got 3"},
        {"node { name: 's' op: 'AddN' input: 'a' attr { key: 'N' value { i: -1 } } }",
         "list input 'inputs' has an invalid length -1"},
        {"node { name: 's' op: 'IdentityN' input: 'a' input: 'b' attr { key: 'T' value { list { "
         "type: "
         "DT_FLOAT type: DT_FLOAT } } } }",
         "input 'input' tensor 1 has dtype int32, but attr 'T' says float32"},
        {"node { name: 's' op: 'IdentityN' input: 'a' attr { key: 'T' value { list { type: "
         "DT_FLOAT type: "
         "DT_FLOAT } } } }",
         "expects 2 inputs, got 1"},
        {"node { name: 's' op: 'AddN' input: 'a' input: 'b' }",
         "input 'inputs' has dtype int32, but attr 'T' is float32"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(text, sizeof text, "%s%s", ph, bad[k].node);
        g = tfc_graph_new();
        assert_int_equal(tfc_graph_import(g, text, strlen(text), NULL, &st), TFC_INVALID_ARGUMENT);
        if (!strstr(st.msg, bad[k].msg) || !strstr(st.msg, "node 's'"))
            fail_msg("case %zu: '%s'", k, st.msg);
        assert_int_equal(tfc_graph_num_nodes(g), 0);
        tfc_graph_free(g);
    }
}

static int run_lists(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_spec_syntax),
        TU_TEST(test_add_n),
        TU_TEST(test_identity_n),
        TU_TEST(test_lists_imported),
    };
    return cmocka_run_group_tests_name("graph_lists", tests, NULL, NULL);
}

int tu_run_graph_lists(void) {
    return run_lists();
}
