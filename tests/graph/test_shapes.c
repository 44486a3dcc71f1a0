/* Shape inference at build time: broadcasting (TF's rules for unknown dims), MatMul with
 * transposes, Reshape with -1 and known shape values, Shape, PlaceholderWithDefault, and the
 * errors, which name the node and the input shapes. */
#include "graph_tests.h"

#define U -1 /* an unknown dim */
#define R -9 /* marks an unknown-rank shape in the tables below */

typedef struct bcase {
    int rx;
    int64_t x[4];
    int ry;
    int64_t y[4];
    const char *want;
} bcase;

static tfc_out ph_case(tfc_graph *g, const char *name, int rank, const int64_t *dims) {
    return tg_ph(g, name, TFC_DT_FLOAT, rank == R ? -1 : rank, dims);
}

static void test_broadcast(void **state) {
    (void)state;
    static const bcase cases[] = {
        {2, {2, 3}, 1, {3}, "[2,3]"},
        {2, {2, 1}, 2, {1, 3}, "[2,3]"},
        {0, {0}, 1, {4}, "[4]"},
        {0, {0}, 0, {0}, "[]"},
        {3, {5, 1, 3}, 2, {4, 1}, "[5,4,3]"},
        {2, {U, 3}, 1, {3}, "[?,3]"},
        {1, {U}, 1, {1}, "[?]"}, /* 1 yields the other dim, even unknown */
        {1, {U}, 1, {5}, "[5]"}, /* a known dim > 1 wins over an unknown one */
        {1, {5}, 1, {U}, "[5]"},
        {1, {U}, 1, {U}, "[?]"},
        {1, {U}, 1, {0}, "[?]"}, /* unknown against 0: unknown */
        {1, {0}, 1, {1}, "[0]"},
        {2, {U, 1}, 2, {1, U}, "[?,?]"},
        {R, {0}, 1, {3}, "<unknown>"},
        {2, {2, 3}, R, {0}, "<unknown>"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bcase *c = &cases[k];
        tfc_graph *g = tfc_graph_new();
        tfc_out x = ph_case(g, "x", c->rx, c->x), y = ph_case(g, "y", c->ry, c->y);
        const char *ops[] = {"Add", "AddV2", "Sub", "Mul", "RealDiv"};
        for (int o = 0; o < 5; o++) {
            tfc_out z = tg_binary(g, ops[o], NULL, x, y);
            tfc_status st;
            if (tfc_graph_status(g, &st)) fail_msg("case %zu %s: %s", k, ops[o], st.msg);
            if (strcmp(tg_shape(z), c->want))
                fail_msg("case %zu %s: got %s, want %s", k, ops[o], tg_shape(z), c->want);
            assert_int_equal(tfc_out_dtype(z), TFC_DT_FLOAT);
            /* Broadcasting is symmetric. */
            tfc_out w = tg_binary(g, ops[o], NULL, y, x);
            assert_string_equal(tg_shape(w), c->want);
        }
        tfc_graph_free(g);
    }
}

static void test_broadcast_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_out y = tg_ph(g, "y", TFC_DT_FLOAT, 1, (int64_t[]){4});
    tfc_out z = tg_binary(g, "AddV2", "sum", x, y);
    assert_null(z.node);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'sum' (op 'AddV2')",
                    "Dimensions must be equal, but are 3 and 4", "input shapes: [2,3], [4]");
    assert_int_equal(tfc_graph_num_nodes(g), 2);
    tfc_graph_free(g);

    g = tfc_graph_new();
    x = tg_ph(g, "x", TFC_DT_FLOAT, 3, (int64_t[]){2, U, 3});
    y = tg_ph(g, "y", TFC_DT_FLOAT, 3, (int64_t[]){5, 1, 3});
    tg_binary(g, "Mul", NULL, x, y);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'Mul'", "but are 2 and 5",
                    "input shapes: [2,?,3], [5,1,3]");
    tfc_graph_free(g);
}

static void matmul_case(const int64_t *a, const int64_t *b, bool ta, bool tb, const char *want) {
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "a", TFC_DT_FLOAT, a[0] == R ? -1 : 2, a);
    tfc_out y = tg_ph(g, "b", TFC_DT_FLOAT, b[0] == R ? -1 : 2, b);
    tfc_node_builder *bl = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(bl, x);
    tfc_node_add_input(bl, y);
    tfc_node_set_attr_bool(bl, "transpose_a", ta);
    tfc_node_set_attr_bool(bl, "transpose_b", tb);
    tfc_out z = tfc_node_output(tfc_node_finish(bl), 0);
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    if (strcmp(tg_shape(z), want)) fail_msg("got %s, want %s", tg_shape(z), want);
    tfc_graph_free(g);
}

static void test_matmul(void **state) {
    (void)state;
    matmul_case((int64_t[]){2, 3}, (int64_t[]){3, 4}, false, false, "[2,4]");
    matmul_case((int64_t[]){3, 2}, (int64_t[]){3, 4}, true, false, "[2,4]");
    matmul_case((int64_t[]){2, 3}, (int64_t[]){4, 3}, false, true, "[2,4]");
    matmul_case((int64_t[]){3, 2}, (int64_t[]){4, 3}, true, true, "[2,4]");
    matmul_case((int64_t[]){U, 3}, (int64_t[]){3, U}, false, false, "[?,?]");
    matmul_case((int64_t[]){U, 3}, (int64_t[]){U, 4}, false, false, "[?,4]");
    matmul_case((int64_t[]){R}, (int64_t[]){3, 4}, false, false, "[?,4]");
    matmul_case((int64_t[]){R}, (int64_t[]){3, 4}, false, true, "[?,3]");

    tfc_graph *g = tfc_graph_new();
    tfc_out a = tg_ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    tfc_out b = tg_ph(g, "b", TFC_DT_FLOAT, 2, (int64_t[]){4, 3});
    tg_binary(g, "MatMul", "mm", a, b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'mm' (op 'MatMul')",
                    "Dimensions must be equal, but are 3 and 4", "input shapes: [2,3], [4,3]");
    tfc_graph_free(g);

    g = tfc_graph_new();
    a = tg_ph(g, "a", TFC_DT_FLOAT, 3, (int64_t[]){2, 3, 4});
    b = tg_ph(g, "b", TFC_DT_FLOAT, 2, (int64_t[]){4, 3});
    tg_binary(g, "MatMul", "mm", a, b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "input 'a' must be rank 2 but is rank 3");
    tfc_graph_free(g);

    g = tfc_graph_new(); /* int8 is not in MatMul's type set */
    a = tg_ph(g, "a", TFC_DT_INT8, 2, (int64_t[]){2, 2});
    tg_binary(g, "MatMul", "mm", a, a);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "attr 'T' = int8 is not allowed");
    tfc_graph_free(g);
}

static tfc_out reshape(tfc_graph *g, tfc_out x, tfc_out shape) {
    return tg_binary(g, "Reshape", NULL, x, shape);
}

static void test_reshape(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
    assert_string_equal(tg_shape(reshape(g, x, tg_const_i32(g, NULL, (int32_t[]){3, -1}, 2))),
                        "[3,2]");
    assert_string_equal(tg_shape(reshape(g, x, tg_const_i32(g, NULL, (int32_t[]){-1}, 1))), "[6]");
    assert_string_equal(tg_shape(reshape(g, x, tg_const_i32(g, NULL, (int32_t[]){1, 6, 1}, 3))),
                        "[1,6,1]");
    /* Through an Identity of the Const. */
    tfc_out cs = tg_unary(g, "Identity", NULL, tg_const_i32(g, NULL, (int32_t[]){-1, 2}, 2));
    assert_string_equal(tg_shape(reshape(g, x, cs)), "[3,2]");
    /* An unknown input dim leaves -1 unknown; the other dims are kept. */
    tfc_out u = tg_ph(g, "u", TFC_DT_FLOAT, 2, (int64_t[]){U, 3});
    assert_string_equal(tg_shape(reshape(g, u, tg_const_i32(g, NULL, (int32_t[]){-1, 3}, 2))),
                        "[?,3]");
    /* A shape value not known at build time: its length gives the rank. */
    tfc_out sp = tg_ph(g, "sp", TFC_DT_INT32, 1, (int64_t[]){3});
    assert_string_equal(tg_shape(reshape(g, x, sp)), "[?,?,?]");
    tfc_out sq = tg_ph(g, "sq", TFC_DT_INT32, 1, (int64_t[]){U});
    assert_string_equal(tg_shape(reshape(g, x, sq)), "<unknown>");
    /* Shape of a fully defined tensor is a known value, int32 or int64. */
    tfc_out flat = tg_ph(g, "flat", TFC_DT_FLOAT, 1, (int64_t[]){6});
    tfc_out shp = tg_unary(g, "Shape", NULL, x);
    assert_string_equal(tg_shape(shp), "[2]");
    assert_string_equal(tg_shape(reshape(g, flat, shp)), "[2,3]");
    tfc_node_builder *b = tfc_node_begin(g, "Shape", NULL);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "out_type", TFC_DT_INT64);
    tfc_out shp64 = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out r64 = reshape(g, flat, shp64);
    assert_string_equal(tg_shape(r64), "[2,3]");
    tfc_dtype ts;
    TU_OK(tfc_node_attr_type(r64.node, "Tshape", &ts, NULL));
    assert_int_equal(ts, TFC_DT_INT64);
    /* Shape of an unknown-rank tensor: a vector of unknown length. */
    assert_string_equal(tg_shape(tg_unary(g, "Shape", NULL, tg_ph(g, "q", TFC_DT_FLOAT, -1, NULL))),
                        "[?]");
    TU_OK(tfc_graph_status(g, NULL));
    tfc_graph_free(g);

    static const struct {
        int32_t v[3];
        int n;
        const char *msg;
    } bad[] = {
        {{4, -1}, 2, "Cannot reshape a tensor with 6 elements to shape [4,-1] (4 elements)"},
        {{4}, 1, "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)"},
        {{-1, -1}, 2, "Cannot infer multiple unknown dimensions in shape [-1,-1]"},
        {{2, -3}, 2, "Size 1 must be non-negative, not -3"},
        {{0, -1}, 2, "Cannot reshape a tensor with 6 elements to shape [0,-1] (0 elements)"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        g = tfc_graph_new();
        x = tg_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){2, 3});
        tfc_out s = tg_const_i32(g, "s", bad[k].v, bad[k].n);
        tg_binary(g, "Reshape", "r", x, s);
        TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'r' (op 'Reshape')", bad[k].msg);
        tfc_graph_free(g);
    }
}

static void test_unary_and_defaults(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tg_ph(g, "x", TFC_DT_FLOAT, 3, (int64_t[]){U, 2, 5});
    const char *ops[] = {"Relu", "Neg", "Square", "Identity"};
    for (int k = 0; k < 4; k++) {
        tfc_out y = tg_unary(g, ops[k], NULL, x);
        assert_string_equal(tg_shape(y), "[?,2,5]");
        assert_int_equal(tfc_out_dtype(y), TFC_DT_FLOAT);
    }
    /* PlaceholderWithDefault: the output is the attr shape, checked against the default's. */
    tfc_out d = tg_ph(g, "d", TFC_DT_FLOAT, 2, (int64_t[]){2, 5});
    tfc_node_builder *b = tfc_node_begin(g, "PlaceholderWithDefault", NULL);
    tfc_node_add_input(b, d);
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){2, {U, 5}});
    tfc_out pd = tfc_node_output(tfc_node_finish(b), 0);
    assert_string_equal(tg_shape(pd), "[?,5]");
    tfc_dtype dt;
    TU_OK(tfc_node_attr_type(pd.node, "dtype", &dt, NULL)); /* inferred from the input */
    assert_int_equal(dt, TFC_DT_FLOAT);
    b = tfc_node_begin(g, "PlaceholderWithDefault", "pwd");
    tfc_node_add_input(b, d);
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){1, {5}});
    tfc_node_finish(b);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'pwd'",
                    "[2,5] is not compatible with attr shape [5]");
    tfc_graph_free(g);

    /* Const's dtype attr must match its value. */
    g = tfc_graph_new();
    tfc_tensor *t = tfc_tensor_scalar_int32(7);
    b = tfc_node_begin(g, "Const", "c");
    tfc_node_set_attr_tensor(b, "value", t);
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_node_finish(b);
    tfc_tensor_unref(t);
    TG_EXPECT_ERROR(g, TFC_INVALID_ARGUMENT, "node 'c' (op 'Const')",
                    "dtype is float32 but the value holds int32");
    tfc_graph_free(g);
}

static int run_shapes(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_broadcast), TU_TEST(test_broadcast_errors),   TU_TEST(test_matmul),
        TU_TEST(test_reshape),   TU_TEST(test_unary_and_defaults),
    };
    return cmocka_run_group_tests_name("graph_shapes", tests, NULL, NULL);
}

int tu_run_graph_shapes(void) {
    return run_shapes();
}
