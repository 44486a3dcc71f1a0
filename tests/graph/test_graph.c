/* The graph part's test executable: building graphs (names, scopes, control dependencies,
 * collections, sticky errors, attrs and validation); other groups are in the sibling files. */
#include "graph/op_def.h"
#include "graph_tests.h"

static void test_registry_parses(void **state) {
    (void)state;
    tfc_status st;
    TU_OK(tfc__op_registry_status(&st));
    /* The base family is registered whole (other families add to the count). */
    const tfc_op_family *base = NULL;
    for (int f = 0; f < tfc__op_num_families; f++)
        if (!strcmp(tfc__op_families[f]->name, "base")) base = tfc__op_families[f];
    assert_non_null(base);
    assert_int_equal(base->count, 18);
    for (int k = 0; k < base->count; k++) assert_non_null(tfc__op_lookup(base->ops[k].name));
    assert_true(tfc__op_count() >= base->count);
    for (int i = 1; i < tfc__op_count(); i++)
        assert_true(strcmp(tfc__op_at(i - 1)->spec->name, tfc__op_at(i)->spec->name) < 0);
    const tfc_op_def *mm = tfc__op_lookup("MatMul");
    assert_non_null(mm);
    assert_int_equal(mm->num_inputs, 2);
    assert_string_equal(mm->inputs[0].name, "a");
    assert_string_equal(mm->inputs[1].type_attr, "T");
    assert_string_equal(mm->outputs[0].name, "product");
    assert_null(tfc__op_lookup("Foo"));
    const tfc_op_def *ph = tfc__op_lookup("Placeholder");
    assert_int_equal(ph->num_inputs, 0);
    assert_int_equal(ph->num_attrs, 2);
    assert_string_equal(ph->attrs[1].default_text, "{ unknown_rank: true }");
    const tfc_op_def *relu = tfc__op_lookup("Relu"); /* {realnumbertypes, qint8} */
    assert_int_equal(relu->attrs[0].num_allowed_types, 13);
}

static void test_unique_names(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 1, (int64_t[]){3});
    tfc_out r0 = tg_unary(g, "Relu", NULL, x);
    tfc_out r1 = tg_unary(g, "Relu", NULL, x);
    tfc_out r2 = tg_unary(g, "Relu", NULL, x);
    assert_string_equal(tfc_node_name(r0.node), "Relu");
    assert_string_equal(tfc_node_name(r1.node), "Relu_1");
    assert_string_equal(tfc_node_name(r2.node), "Relu_2");
    /* TF keeps counts per lower-cased name and skips composed names already in use. */
    assert_string_equal(tfc_node_name(tg_unary(g, "Neg", "relu", x).node), "relu_3");
    assert_string_equal(tfc_graph_unique_name(g, "a"), "a");
    assert_string_equal(tfc_graph_unique_name(g, "a"), "a_1");
    assert_string_equal(tfc_graph_unique_name(g, "a_1"), "a_1_1");
    assert_string_equal(tfc_graph_unique_name(g, "a"), "a_2");
    assert_string_equal(tfc_node_name(tg_ph(g, "x", TFC_DT_FLOAT, 0, NULL).node), "x_1");
    /* A name ending in '/' is taken exactly. */
    assert_string_equal(tfc_node_name(tg_unary(g, "Identity", "exact/name/", x).node),
                        "exact/name");
    assert_string_equal(tfc_node_name(tg_unary(g, "Identity", "exact/name", x).node),
                        "exact/name_1");
    TU_OK(tfc_graph_status(g, NULL));
    assert_int_equal(tfc_graph_num_nodes(g), 8);
    assert_ptr_equal(tfc_graph_node(g, 1), r0.node);
    assert_int_equal(tfc_node_id(r1.node), 2);
    tfc_graph_free(g);
}

static void test_scopes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 1, (int64_t[]){3});
    assert_string_equal(tfc_graph_scope(g), "");
    assert_string_equal(tfc_graph_push_scope(g, "dense"), "dense");
    assert_string_equal(tfc_node_name(tg_unary(g, "Identity", "kernel", x).node), "dense/kernel");
    assert_string_equal(tfc_node_name(tg_unary(g, "Relu", NULL, x).node), "dense/Relu");
    assert_string_equal(tfc_graph_push_scope(g, "inner"), "dense/inner");
    assert_string_equal(tfc_node_name(tg_unary(g, "Relu", NULL, x).node), "dense/inner/Relu");
    tfc_graph_pop_scope(g);
    tfc_graph_pop_scope(g);
    assert_string_equal(tfc_graph_push_scope(g, "dense"), "dense_1");
    assert_string_equal(tfc_graph_scope(g), "dense_1");
    assert_string_equal(tfc_node_name(tg_unary(g, "Identity", "kernel", x).node), "dense_1/kernel");
    tfc_graph_pop_scope(g);
    /* Re-entering with a trailing '/' uses the exact scope; names inside it stay unique. */
    assert_string_equal(tfc_graph_push_scope(g, "dense/"), "dense");
    assert_string_equal(tfc_node_name(tg_unary(g, "Identity", "kernel", x).node), "dense/kernel_1");
    /* ... and it is absolute, even when nested. */
    assert_string_equal(tfc_graph_push_scope(g, "dense_1/"), "dense_1");
    assert_string_equal(tfc_node_name(tg_unary(g, "Relu", NULL, x).node), "dense_1/Relu");
    /* An empty name returns to the top. */
    assert_string_equal(tfc_graph_push_scope(g, ""), "");
    assert_string_equal(tfc_node_name(tg_unary(g, "Relu", NULL, x).node), "Relu");
    tfc_graph_pop_scope(g);
    tfc_graph_pop_scope(g);
    tfc_graph_pop_scope(g);
    tfc_graph_pop_scope(g); /* popping at the top is harmless */
    assert_string_equal(tfc_graph_scope(g), "");
    /* Scopes and nodes share TF's names-in-use: a node "x" makes scope "x" become "x_1". */
    assert_string_equal(tfc_graph_push_scope(g, "x"), "x_1");
    tfc_graph_pop_scope(g);
    TU_OK(tfc_graph_status(g, NULL));
    /* Root scope names follow TF's op-name rule. */
    assert_null(tfc_graph_push_scope(g, "_bad"));
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "'_bad' is not a valid scope name");
    tfc_graph_free(g);
}

static void test_control_deps(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out a = tg_ph(g, "a", TFC_DT_FLOAT, 0, NULL), b = tg_ph(g, "b", TFC_DT_FLOAT, 0, NULL);
    tfc_graph_push_control_deps(g, (tfc_node *[]){a.node}, 1);
    tfc_out c = tg_unary(g, "Identity", "c", b);
    tfc_out d = tg_unary(g, "Identity", "d", c); /* c was made inside: already depends on a */
    tfc_out e = tg_unary(g, "Identity", "e", a); /* a is a data input */
    tfc_graph_push_control_deps(g, (tfc_node *[]){b.node}, 1);
    tfc_node *f = tfc_node_finish(tfc_node_begin(g, "NoOp", "f"));
    tfc_graph_pop_control_deps(g);
    tfc_graph_pop_control_deps(g);
    tfc_out h = tg_unary(g, "Identity", "h", b);
    TU_OK(tfc_graph_status(g, NULL));
    assert_int_equal(tfc_node_num_control_inputs(c.node), 1);
    assert_ptr_equal(tfc_node_control_input(c.node, 0), a.node);
    assert_int_equal(tfc_node_num_control_inputs(d.node), 0);
    assert_int_equal(tfc_node_num_control_inputs(e.node), 0);
    assert_int_equal(tfc_node_num_control_inputs(f), 2);
    assert_ptr_equal(tfc_node_control_input(f, 0), a.node);
    assert_ptr_equal(tfc_node_control_input(f, 1), b.node);
    assert_int_equal(tfc_node_num_control_inputs(h.node), 0);
    assert_int_equal(tfc_node_num_outputs(f), 0);
    /* Explicit control inputs, duplicates dropped. */
    tfc_node_builder *bl = tfc_node_begin(g, "NoOp", "g");
    tfc_node_add_control_input(bl, f);
    tfc_node_add_control_input(bl, f);
    tfc_node_add_control_input(bl, c.node);
    tfc_node *gn = tfc_node_finish(bl);
    assert_int_equal(tfc_node_num_control_inputs(gn), 2);
    char *text = tfc_graph_to_text(g);
    assert_non_null(
        strstr(text, "name: \"g\"\n  op: \"NoOp\"\n  input: \"^f\"\n  input: \"^c\"\n"));
    tfc_free(text);
    tfc_graph_free(g);
}

static void test_collections(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 0, NULL);
    tfc_graph_push_scope(g, "dense");
    tfc_out k0 = tg_unary(g, "Identity", "kernel", x);
    tfc_graph_pop_scope(g);
    tfc_graph_push_scope(g, "dense");
    tfc_out k1 = tg_unary(g, "Identity", "kernel", x);
    tfc_graph_pop_scope(g);
    tfc_out d = tg_unary(g, "Identity", "dense", x); /* a node named like the scope: "dense_2" */
    tfc_out dx = tg_unary(g, "Identity", "densex", x);
    assert_string_equal(tfc_node_name(d.node), "dense_2");
    tfc_graph_add_to_collection(g, TFC_TRAINABLE_VARIABLES, k0);
    tfc_graph_add_to_collection(g, TFC_TRAINABLE_VARIABLES, k1);
    tfc_graph_add_to_collection(g, TFC_TRAINABLE_VARIABLES, dx);
    tfc_graph_add_to_collection(g, TFC_LOSSES, x);
    tfc_graph_add_to_collection(g, "my_things", k1);
    tfc_graph_add_to_collection(g, TFC_LOSSES, (tfc_out){NULL, 0}); /* ignored */
    tfc_out items[8];
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, items, 8), 3);
    assert_ptr_equal(items[0].node, k0.node);
    assert_ptr_equal(items[2].node, dx.node);
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "", NULL, 0), 3);
    /* "dense" holds dense/... but not dense_1/... nor densex. */
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "dense", items, 8), 1);
    assert_ptr_equal(items[0].node, k0.node);
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "dense_1", items, 8), 1);
    assert_ptr_equal(items[0].node, k1.node);
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "dense/", items, 8), 1);
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "densex", items, 8), 1);
    /* Truncation: the total is still returned. */
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, items, 1), 3);
    assert_int_equal(tfc_graph_get_collection(g, "nothing", NULL, items, 8), 0);
    assert_int_equal(tfc_graph_num_collections(g), 3);
    assert_string_equal(tfc_graph_collection_key(g, 0), "trainable_variables");
    assert_string_equal(tfc_graph_collection_key(g, 1), "losses");
    assert_string_equal(tfc_graph_collection_key(g, 2), "my_things");
    assert_null(tfc_graph_collection_key(g, 3));
    tfc_graph_free(g);
}

static void test_sticky_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 1, (int64_t[]){3});
    tfc_node_builder *b = tfc_node_begin(g, "Foo", "bar");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_int(b, "n", 3);
    assert_null(tfc_node_finish(b));
    TG_EXPECT_ERROR(g, TFC_UNIMPLEMENTED, "op 'Foo' (node 'bar') is not supported by tfc");
    /* Later calls are no-ops returning empty values; the first error stays. */
    tfc_out y = tg_unary(g, "Relu", NULL, x);
    assert_null(y.node);
    assert_null(tg_ph(g, "z", TFC_DT_FLOAT, 0, NULL).node);
    assert_null(tfc_graph_push_scope(g, "s"));
    assert_null(tfc_graph_unique_name(g, "q"));
    assert_int_equal(tfc_graph_fail(g, TFC_INTERNAL, "later"), TFC_UNIMPLEMENTED);
    TG_EXPECT_ERROR(g, TFC_UNIMPLEMENTED, "node 'bar'");
    assert_int_equal(tfc_graph_num_nodes(g), 1);
    /* Builders handed out after the error accept every call. */
    b = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_string(b, "s", "abc", 3);
    tfc_node_set_attr_int_list(b, "l", (int64_t[]){1, 2}, 2);
    tfc_node_set_device(b, "/cpu:0");
    assert_null(tfc_node_finish(b));
    tfc_graph_free(g);

    /* An error of a layer above the graph sticks the same way. */
    g = tfc_graph_new();
    assert_int_equal(tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "dense: units must be > 0, got %d", 0),
                     TFC_INVALID_ARGUMENT);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "units must be > 0, got 0");
    tfc_graph_free(g);
}

static void test_attrs(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    tfc_out a = tg_ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_out b = tg_ph(g, "b", TFC_DT_FLOAT, 2, (int64_t[]){3, 4});
    tfc_node_builder *bl = tfc_node_begin(g, "MatMul", "mm");
    tfc_node_add_input(bl, a);
    tfc_node_add_input(bl, b);
    tfc_node_set_attr_string(bl, "_class", "loc:@a", 6);
    tfc_node_set_device(bl, "/device:CPU:0");
    tfc_node *mm = tfc_node_finish(bl);
    TU_OK(tfc_graph_status(g, &st));
    bool tr = true;
    tfc_dtype dt;
    TU_OK(tfc_node_attr_bool(mm, "transpose_a", &tr, &st)); /* default filled in */
    assert_false(tr);
    TU_OK(tfc_node_attr_bool(mm, "grad_b", &tr, &st));
    assert_false(tr);
    TU_OK(tfc_node_attr_type(mm, "T", &dt, &st)); /* inferred from the inputs */
    assert_int_equal(dt, TFC_DT_FLOAT);
    const char *s;
    size_t len;
    TU_OK(tfc_node_attr_string(mm, "_class", &s, &len, &st));
    assert_int_equal(len, 6);
    assert_string_equal(s, "loc:@a");
    assert_string_equal(tfc_node_device(mm), "/device:CPU:0");
    assert_string_equal(tfc_node_device(a.node), "");
    int64_t i;
    assert_int_equal(tfc_node_attr_int(mm, "nope", &i, &st), TFC_NOT_FOUND);
    TG_EXPECT_STATUS(st, TFC_NOT_FOUND, "node 'mm'", "no attr 'nope'");
    assert_int_equal(tfc_node_attr_int(mm, "transpose_a", &i, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'mm'", "'transpose_a' is bool, not int");
    assert_true(tfc_node_has_attr(mm, "T"));
    assert_false(tfc_node_has_attr(mm, "U"));
    /* Shape's out_type: default int32, or as set. */
    tfc_out s32 = tg_unary(g, "Shape", NULL, a);
    assert_int_equal(tfc_out_dtype(s32), TFC_DT_INT32);
    bl = tfc_node_begin(g, "Shape", NULL);
    tfc_node_add_input(bl, a);
    tfc_node_set_attr_type(bl, "out_type", TFC_DT_INT64);
    tfc_out s64 = tfc_node_output(tfc_node_finish(bl), 0);
    assert_int_equal(tfc_out_dtype(s64), TFC_DT_INT64);
    assert_string_equal(tfc_node_name(s64.node), "Shape_1");
    /* Lists kept as given; a list getter on an empty list works for every kind. */
    tfc_node *n = NULL;
    bl = tfc_node_begin(g, "Identity", "lists");
    tfc_node_add_input(bl, a);
    tfc_node_set_attr_int_list(bl, "_ints", (int64_t[]){1, -2, 3}, 3);
    tfc_node_set_attr_float_list(bl, "_floats", (float[]){0.5f}, 1);
    tfc_node_set_attr_type_list(bl, "_types", (tfc_dtype[]){TFC_DT_INT32, TFC_DT_BOOL}, 2);
    tfc_node_set_attr_shape_list(bl, "_shapes",
                                 (tfc_shape[]){tfc_shape_scalar(), tfc_shape_unknown()}, 2);
    tfc_node_set_attr_string_list(bl, "_strings", (const char *[]){"p", "q"}, 2);
    tfc_node_set_attr_int_list(bl, "_empty", NULL, 0);
    tfc_node_set_attr_float(bl, "_f", 2.5f);
    tfc_node_set_attr_shape(bl, "_shape", NULL);
    n = tfc_node_finish(bl);
    TU_OK(tfc_graph_status(g, &st));
    const int64_t *iv;
    const float *fv;
    const tfc_dtype *tv;
    int cnt;
    TU_OK(tfc_node_attr_int_list(n, "_ints", &iv, &cnt, &st));
    assert_int_equal(cnt, 3);
    assert_int_equal(iv[1], -2);
    TU_OK(tfc_node_attr_float_list(n, "_floats", &fv, &cnt, &st));
    assert_true(cnt == 1 && fv[0] == 0.5f);
    TU_OK(tfc_node_attr_type_list(n, "_types", &tv, &cnt, &st));
    assert_true(cnt == 2 && tv[1] == TFC_DT_BOOL);
    TU_OK(tfc_node_attr_type_list(n, "_empty", &tv, &cnt, &st));
    assert_int_equal(cnt, 0);
    assert_int_equal(tfc_node_attr_int_list(n, "_floats", &iv, &cnt, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "'_floats' is list(float), not list(int)");
    tfc_shape sh;
    TU_OK(tfc_node_attr_shape(n, "_shape", &sh, &st));
    assert_int_equal(sh.rank, -1);
    float f;
    TU_OK(tfc_node_attr_float(n, "_f", &f, &st));
    assert_true(f == 2.5f);
    tfc_graph_free(g);
}

/* Each case builds one bad node into a fresh graph and checks the sticky error. */
static void test_validation_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL), i = tg_ph(g, "i", TFC_DT_INT32, 0, NULL);
    tg_binary(g, "AddV2", "add", f, i);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'add' (op 'AddV2')",
                    "input 'y' has dtype int32, but attr 'T' is float32");
    tfc_graph_free(g);

    g = tfc_graph_new();
    tfc_out s = tg_ph(g, "s", TFC_DT_STRING, 0, NULL);
    tg_binary(g, "AddV2", "add", s, s);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'add'", "attr 'T' = string is not allowed",
                    "float32");
    tfc_graph_free(g);

    g = tfc_graph_new();
    tfc_node_finish(tfc_node_begin(g, "Placeholder", "p"));
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'p' (op 'Placeholder')",
                    "missing required attr 'dtype'");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL);
    tfc_node_builder *b = tfc_node_begin(g, "Relu", NULL);
    tfc_node_add_input(b, f);
    tfc_node_set_attr_int(b, "alpha", 2);
    tfc_node_finish(b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'Relu'", "op 'Relu' has no attr 'alpha'");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 2, (int64_t[]){1, 1});
    b = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(b, f);
    tfc_node_add_input(b, f);
    tfc_node_set_attr_int(b, "transpose_a", 1);
    tfc_node_finish(b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT,
                    "attr 'transpose_a' holds int where the op declares bool");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL);
    tg_unary(g, "AddV2", NULL, f);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'AddV2'", "expects 2 input arguments, got 1");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL);
    b = tfc_node_begin(g, "Relu", NULL);
    tfc_node_add_input_list(b, &f, 1);
    tfc_node_finish(b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "input 'features' takes one tensor, not a list");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL);
    b = tfc_node_begin(g, "Shape", NULL);
    tfc_node_add_input(b, f);
    tfc_node_set_attr_type(b, "out_type", TFC_DT_FLOAT);
    tfc_node_finish(b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT,
                    "attr 'out_type' = float32 is not allowed (allowed: int32, int64)");
    tfc_graph_free(g);

    g = tfc_graph_new();
    f = tg_ph(g, "f", TFC_DT_FLOAT, 0, NULL);
    tg_unary(g, "Relu", "bad name", f);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "'bad name' is not a valid node name");
    tfc_graph_free(g);

    /* Inputs from another graph, or empty ones. */
    g = tfc_graph_new();
    tfc_graph *g2 = tfc_graph_new();
    f = tg_ph(g2, "f", TFC_DT_FLOAT, 0, NULL);
    tg_unary(g, "Relu", NULL, f);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "belongs to another graph");
    tfc_graph_free(g);
    g = tfc_graph_new();
    tg_unary(g, "Relu", NULL, (tfc_out){NULL, 0});
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'Relu'", "input 0 is empty");
    tfc_graph_free(g);
    tfc_graph_free(g2);

    /* A dtype tfc does not hold. */
    g = tfc_graph_new();
    tg_ph(g, "c", (tfc_dtype)8, 0, NULL);
    TG_EXPECT_ERROR(g, TFC_UNIMPLEMENTED, "node 'c'", "DT_COMPLEX64, a dtype tfc does not support");
    tfc_graph_free(g);
}

static void test_placeholder_const_find(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out p = tfc_placeholder(g, NULL, TFC_DT_INT64, NULL);
    assert_string_equal(tfc_node_name(p.node), "Placeholder");
    assert_string_equal(tg_shape(p), "<unknown>");
    assert_int_equal(tfc_out_dtype(p), TFC_DT_INT64);
    tfc_tensor *t = tfc_tensor_scalar_float(1.5f);
    tfc_out c = tfc_const(g, NULL, t);
    assert_int_equal(tfc_tensor_refcount(t), 2); /* the node holds its own reference */
    tfc_tensor_unref(t);
    assert_string_equal(tfc_node_name(c.node), "Const");
    assert_string_equal(tg_shape(c), "[]");
    const tfc_tensor *v;
    TU_OK(tfc_node_attr_tensor(c.node, "value", &v, NULL));
    assert_true(*(const float *)tfc_tensor_data_const(v) == 1.5f);
    int32_t vals[] = {1, 2, 3};
    tfc_out c2 = tg_const_i32(g, "v", vals, 3);
    assert_string_equal(tg_shape(c2), "[3]");
    assert_int_equal(tfc_out_dtype(c2), TFC_DT_INT32);

    assert_ptr_equal(tfc_graph_find(g, "v"), c2.node);
    assert_null(tfc_graph_find(g, "w"));
    tfc_out o = tfc_graph_find_output(g, "v:0");
    assert_true(o.node == c2.node && o.index == 0);
    o = tfc_graph_find_output(g, "Const");
    assert_true(o.node == c.node && o.index == 0);
    assert_null(tfc_graph_find_output(g, "v:1").node);
    assert_null(tfc_graph_find_output(g, "v:x").node);
    assert_null(tfc_graph_find_output(g, "nope:0").node);
    assert_null(tfc_node_output(c.node, 1).node);
    assert_int_equal(tfc_out_dtype((tfc_out){NULL, 0}), TFC_DT_INVALID);
    assert_null(tfc_out_shape((tfc_out){c.node, 3}));

    /* set_shape refines a static shape, and rejects an incompatible one. */
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){-1, 3});
    tfc_status st;
    tfc_shape s23 = tfc_shape_make(2, (int64_t[]){2, -1}), s4 = tfc_shape_make(1, (int64_t[]){4});
    TU_OK(tfc_out_set_shape(x, &s23, &st));
    assert_string_equal(tg_shape(x), "[2,3]");
    assert_int_equal(tfc_out_set_shape(x, &s4, &st), TFC_INVALID_ARGUMENT);
    TG_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'x' output 0 has shape [2,3]", "[4]");
    TU_OK(tfc_graph_status(g, NULL));
    tfc_graph_free(g);
}

static int run_build(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_registry_parses),
        TU_TEST(test_unique_names),
        TU_TEST(test_scopes),
        TU_TEST(test_control_deps),
        TU_TEST(test_collections),
        TU_TEST(test_sticky_errors),
        TU_TEST(test_attrs),
        TU_TEST(test_validation_errors),
        TU_TEST(test_placeholder_const_find),
    };
    return cmocka_run_group_tests_name("graph_build", tests, NULL, NULL);
}

int tu_run_graph_build(void) {
    return run_build();
}

int main(void) {
    int failed = 0;
    failed += tu_run_graph_build();
    failed += tu_run_graph_shapes();
    failed += tu_run_graph_lists();
    failed += tu_run_graphdef();
    failed += tu_run_textformat();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
