/* Registration (every math op parsed, with its kernel and, unless marked not differentiable, its
 * gradient) and shape inference: output shapes and dtypes, and the shape errors, which name the
 * node. */
#include "graph/op_def.h"
#include "math_tests.h"

static const char *const math_op_names[] = {"Maximum",
                                            "Minimum",
                                            "SquaredDifference",
                                            "Pow",
                                            "Equal",
                                            "NotEqual",
                                            "Less",
                                            "LessEqual",
                                            "Greater",
                                            "GreaterEqual",
                                            "LogicalAnd",
                                            "LogicalOr",
                                            "LogicalNot",
                                            "Select",
                                            "SelectV2",
                                            "Abs",
                                            "Sign",
                                            "Sqrt",
                                            "SqrtGrad",
                                            "Rsqrt",
                                            "RsqrtGrad",
                                            "Exp",
                                            "Log",
                                            "Reciprocal",
                                            "ReciprocalGrad",
                                            "Cast",
                                            "Mean",
                                            "Max",
                                            "Min",
                                            "Prod",
                                            "ArgMax",
                                            "ArgMin"};

static void test_registered(void **state) {
    (void)state;
    tfc_status st = {0};
    if (tfc__op_registry_status(&st) != TFC_OK) fail_msg("registry: %s", st.msg);
    for (size_t i = 0; i < sizeof math_op_names / sizeof math_op_names[0]; i++) {
        const tfc_op_def *d = tfc__op_lookup(math_op_names[i]);
        if (!d) fail_msg("op %s is not registered", math_op_names[i]);
        if (!d->spec->kernel) fail_msg("op %s has no kernel", math_op_names[i]);
        bool grad_op = strstr(math_op_names[i], "Grad") != NULL;
        if (!grad_op && !d->spec->grad && !(d->spec->flags & TFC_OP_NO_GRADIENT))
            fail_msg("op %s has no gradient", math_op_names[i]);
    }
    const tfc_op_def *cast = tfc__op_lookup("Cast");
    assert_int_equal(cast->num_attrs, 3);
    const tfc_op_def *am = tfc__op_lookup("ArgMax");
    for (int i = 0; i < am->num_attrs; i++)
        if (!strcmp(am->attrs[i].name, "output_type"))
            assert_string_equal(am->attrs[i].default_text, "DT_INT64");
}

static tfc_out ph(tfc_graph *g, tfc_dtype dt, int rank, const int64_t *dims) {
    tfc_shape s = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
    return tfc_placeholder(g, "p", dt, &s);
}

static tfc_out node(tfc_graph *g, const char *op, const char *name, const tfc_out *in, int n,
                    const char *bool_attr, bool v) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    for (int k = 0; k < n; k++) tfc_node_add_input(b, in[k]);
    if (bool_attr) tfc_node_set_attr_bool(b, bool_attr, v);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static void expect_shape(tfc_out o, int rank, const int64_t *dims) {
    tfc_shape want = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
    char a[96], b[96];
    if (!tfc_shape_equal(tfc_out_shape(o), &want))
        fail_msg("%s: shape %s, want %s", tfc_node_name(o.node),
                 tfc_shape_to_string(tfc_out_shape(o), a, sizeof a),
                 tfc_shape_to_string(&want, b, sizeof b));
}

static tfc_out axes(tfc_graph *g, const int32_t *v, int n) {
    tfc_tensor *t = mt_i32(v, n);
    tfc_out c = tfc_const(g, "axes", t);
    tfc_tensor_unref(t);
    return c;
}

static void test_output_shapes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out a = ph(g, TFC_DT_FLOAT, 3, (int64_t[]){2, 1, 3}),
            b = ph(g, TFC_DT_FLOAT, 2, (int64_t[]){4, 1});
    tfc_out ab[2] = {a, b};
    tfc_out m = node(g, "Maximum", NULL, ab, 2, NULL, false);
    expect_shape(m, 3, (int64_t[]){2, 4, 3});
    tfc_out lt = node(g, "Less", NULL, ab, 2, NULL, false);
    assert_int_equal(tfc_out_dtype(lt), TFC_DT_BOOL);
    expect_shape(lt, 3, (int64_t[]){2, 4, 3});
    tfc_out c = ph(g, TFC_DT_BOOL, 1, (int64_t[]){3});
    tfc_out sel[3] = {c, b, ph(g, TFC_DT_FLOAT, 0, NULL)};
    expect_shape(node(g, "SelectV2", NULL, sel, 3, NULL, false), 2, (int64_t[]){4, 3});
    tfc_out v = ph(g, TFC_DT_BOOL, 1, (int64_t[]){4}),
            t = ph(g, TFC_DT_FLOAT, 2, (int64_t[]){4, -1}),
            e = ph(g, TFC_DT_FLOAT, 2, (int64_t[]){-1, 5});
    tfc_out sel1[3] = {v, t, e};
    expect_shape(node(g, "Select", NULL, sel1, 3, NULL, false), 2, (int64_t[]){4, 5});
    tfc_out x = ph(g, TFC_DT_DOUBLE, 3, (int64_t[]){2, 3, 4});
    tfc_out r[2] = {x, axes(g, (int32_t[]){0, -1}, 2)};
    expect_shape(node(g, "Mean", NULL, r, 2, NULL, false), 1, (int64_t[]){3});
    expect_shape(node(g, "Max", NULL, r, 2, "keep_dims", true), 3, (int64_t[]){1, 3, 1});
    tfc_out d[2] = {x, axes(g, (int32_t[]){1}, -1)};
    tfc_out am = node(g, "ArgMax", NULL, d, 2, NULL, false);
    assert_int_equal(tfc_out_dtype(am), TFC_DT_INT64);
    expect_shape(am, 2, (int64_t[]){2, 4});
    /* Equal without incompatible_shape_error: shapes that do not broadcast give an unknown shape */
    tfc_out p2 = ph(g, TFC_DT_INT32, 1, (int64_t[]){2}),
            p3 = ph(g, TFC_DT_INT32, 1, (int64_t[]){3});
    tfc_out pp[2] = {p2, p3};
    expect_shape(node(g, "Equal", NULL, pp, 2, "incompatible_shape_error", false), -1, NULL);
    /* unknown dims */
    tfc_out u = ph(g, TFC_DT_FLOAT, 2, (int64_t[]){-1, 3}),
            w = ph(g, TFC_DT_FLOAT, 1, (int64_t[]){1});
    tfc_out uw[2] = {u, w};
    expect_shape(node(g, "Pow", NULL, uw, 2, NULL, false), 2, (int64_t[]){-1, 3});
    TU_OK(tfc_graph_status(g, NULL));
    tfc_graph_free(g);
}

typedef tfc_out (*build_fn)(tfc_graph *g);

static tfc_out bad_maximum(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 1, (int64_t[]){2}),
                     ph(g, TFC_DT_FLOAT, 1, (int64_t[]){3})};
    return node(g, "Maximum", "bad", in, 2, NULL, false);
}
static tfc_out bad_equal(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 1, (int64_t[]){2}),
                     ph(g, TFC_DT_FLOAT, 1, (int64_t[]){3})};
    return node(g, "Equal", "bad", in, 2, NULL, false);
}
static tfc_out bad_select_v2(tfc_graph *g) {
    tfc_out in[3] = {ph(g, TFC_DT_BOOL, 1, (int64_t[]){4}), ph(g, TFC_DT_FLOAT, 1, (int64_t[]){1}),
                     ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3})};
    return node(g, "SelectV2", "bad", in, 3, NULL, false);
}
static tfc_out bad_select(tfc_graph *g) {
    tfc_out in[3] = {ph(g, TFC_DT_BOOL, 0, NULL), ph(g, TFC_DT_FLOAT, 1, (int64_t[]){2}),
                     ph(g, TFC_DT_FLOAT, 1, (int64_t[]){3})};
    return node(g, "Select", "bad", in, 3, NULL, false);
}
static tfc_out bad_select_cond(tfc_graph *g) {
    tfc_out in[3] = {ph(g, TFC_DT_BOOL, 1, (int64_t[]){3}),
                     ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}),
                     ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3})};
    return node(g, "Select", "bad", in, 3, NULL, false);
}
static tfc_out bad_mean(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}), axes(g, (int32_t[]){2}, 1)};
    return node(g, "Mean", "bad", in, 2, NULL, false);
}
static tfc_out bad_arg_max(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}), axes(g, (int32_t[]){-3}, -1)};
    return node(g, "ArgMax", "bad", in, 2, NULL, false);
}
static tfc_out bad_arg_max_vec(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}), axes(g, (int32_t[]){0, 1}, 2)};
    return node(g, "ArgMax", "bad", in, 2, NULL, false);
}
static tfc_out bad_sqrt_type(tfc_graph *g) {
    tfc_out in = ph(g, TFC_DT_INT32, 1, (int64_t[]){2});
    return node(g, "Sqrt", "bad", &in, 1, NULL, false);
}
static tfc_out bad_logical(tfc_graph *g) {
    tfc_out in[2] = {ph(g, TFC_DT_FLOAT, 0, NULL), ph(g, TFC_DT_BOOL, 0, NULL)};
    return node(g, "LogicalAnd", "bad", in, 2, NULL, false);
}

static void test_shape_errors(void **state) {
    (void)state;
    static const struct {
        build_fn fn;
        const char *frag;
    } cases[] = {
        {bad_maximum, "Dimensions must be equal, but are 2 and 3"},
        {bad_equal, "Dimensions must be equal, but are 2 and 3"},
        {bad_select_v2, "Dimensions must be equal, but are 4 and 3"},
        {bad_select, "'t' and 'e' must have the same shape: [2] vs. [3]"},
        {bad_select_cond, "'condition' [3] must be a scalar"},
        {bad_mean, "Invalid reduction dimension 2 for input with 2 dimensions"},
        {bad_arg_max, "Expected dimension in the range [-2, 2), but got -3"},
        {bad_arg_max_vec, "dimension must be a scalar"},
        {bad_sqrt_type, "int32"},
        {bad_logical, "float"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tfc_graph *g = tfc_graph_new();
        cases[i].fn(g);
        tfc_status st = {0};
        tfc_code rc = tfc_graph_status(g, &st);
        if (rc == TFC_OK) fail_msg("case %zu (%s): no error", i, cases[i].frag);
        if (!strstr(st.msg, "bad") || !strstr(st.msg, cases[i].frag))
            fail_msg("case %zu: message '%s' lacks the node name or '%s'", i, st.msg,
                     cases[i].frag);
        tfc_graph_free(g);
    }
}

int mt_run_shapes(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_registered),
        TU_TEST(test_output_shapes),
        TU_TEST(test_shape_errors),
    };
    return cmocka_run_group_tests_name("ops_math_shapes", tests, NULL, NULL);
}
