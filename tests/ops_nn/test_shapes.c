/* Shape inference of the nn ops at build time: output sizes for SAME / VALID / EXPLICIT, strides
 * and dilations (TF's out = ceil(in / stride) and ceil((in - (k - 1) * d) / stride)), unknown
 * dims staying unknown, sizes read from Const inputs, and the errors, which name the node and
 * the sizes involved. */
#include "graph/op_def.h"
#include "nn_tests.h"

static tfc_out ph(tfc_graph *g, const char *name, tfc_dtype dt, int rank, const int64_t *dims) {
    tfc_shape s = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
    return tfc_placeholder(g, name, dt, &s);
}

static const char *shape_str(tfc_out o) {
    static char bufs[4][96];
    static int slot;
    char *b = bufs[slot++ & 3];
    const tfc_shape *s = tfc_out_shape(o);
    return s ? tfc_shape_to_string(s, b, 96) : "(none)";
}

typedef struct conv_attrs {
    int64_t strides[4], dilations[4];
    int nstrides; /* 0 = 4 */
    const char *padding, *data_format;
    int ndilations; /* 0 = 4 */
} conv_attrs;

static tfc_out conv(tfc_graph *g, tfc_out x, tfc_out f, const conv_attrs *a) {
    tfc_node_builder *b = tfc_node_begin(g, "Conv2D", NULL);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, f);
    tfc_node_set_attr_int_list(b, "strides", a->strides, a->nstrides ? a->nstrides : 4);
    if (a->dilations[0])
        tfc_node_set_attr_int_list(b, "dilations", a->dilations, a->ndilations ? a->ndilations : 4);
    tfc_node_set_attr_string(b, "padding", a->padding, strlen(a->padding));
    if (a->data_format) tfc_node_set_attr_string(b, "data_format", a->data_format, 4);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static void expect_conv(const int64_t *x, const int64_t *f, conv_attrs a, const char *want) {
    tfc_graph *g = tfc_graph_new();
    tfc_out y = conv(g, ph(g, "x", TFC_DT_FLOAT, 4, x), ph(g, "f", TFC_DT_FLOAT, 4, f), &a);
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    if (strcmp(shape_str(y), want)) fail_msg("got %s, want %s", shape_str(y), want);
    tfc_graph_free(g);
}

#define S1                                                                                         \
    { 1, 1, 1, 1 }
#define S2                                                                                         \
    { 1, 2, 2, 1 }

static void test_conv_shapes(void **state) {
    (void)state;
    /* The TF tutorial CNN's layers. */
    expect_conv((int64_t[]){100, 28, 28, 1}, (int64_t[]){5, 5, 1, 32},
                (conv_attrs){.strides = S1, .padding = "SAME"}, "[100,28,28,32]");
    expect_conv((int64_t[]){-1, 14, 14, 32}, (int64_t[]){5, 5, 32, 64},
                (conv_attrs){.strides = S1, .padding = "SAME"}, "[?,14,14,64]");
    /* SAME: ceil(in / stride). */
    expect_conv((int64_t[]){1, 7, 8, 3}, (int64_t[]){3, 3, 3, 4},
                (conv_attrs){.strides = S2, .padding = "SAME"}, "[1,4,4,4]");
    /* VALID: ceil((in - k + 1) / stride). */
    expect_conv((int64_t[]){1, 7, 8, 3}, (int64_t[]){3, 2, 3, 4},
                (conv_attrs){.strides = S2, .padding = "VALID"}, "[1,3,4,4]");
    /* Dilation 2: effective window (k - 1) * 2 + 1. */
    expect_conv((int64_t[]){1, 10, 11, 2}, (int64_t[]){3, 3, 2, 5},
                (conv_attrs){.strides = S1, .dilations = {1, 2, 2, 1}, .padding = "VALID"},
                "[1,6,7,5]");
    expect_conv((int64_t[]){1, 10, 11, 2}, (int64_t[]){3, 3, 2, 5},
                (conv_attrs){.strides = S1, .dilations = {1, 2, 2, 1}, .padding = "SAME"},
                "[1,10,11,5]");
    /* Unknown dims stay unknown; a window one stride too big gives 0, as in TF. */
    expect_conv((int64_t[]){2, -1, 9, 3}, (int64_t[]){3, 3, 3, -1},
                (conv_attrs){.strides = S2, .padding = "VALID"}, "[2,?,4,?]");
    expect_conv((int64_t[]){1, 4, 4, 1}, (int64_t[]){5, 5, 1, 1},
                (conv_attrs){.strides = S2, .padding = "VALID"}, "[1,0,0,1]");
}

static void expect_conv_error(const int64_t *x, const int64_t *f, conv_attrs a, const char *frag1,
                              const char *frag2) {
    tfc_graph *g = tfc_graph_new();
    tfc_out y = conv(g, ph(g, "x", TFC_DT_FLOAT, 4, x), ph(g, "f", TFC_DT_FLOAT, 4, f), &a);
    assert_null(y.node);
    tfc_status st;
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'Conv2D'", frag1, frag2);
    tfc_graph_free(g);
}

static void test_conv_shape_errors(void **state) {
    (void)state;
    int64_t x[4] = {1, 3, 3, 2}, f[4] = {5, 5, 2, 8};
    expect_conv_error(x, f, (conv_attrs){.strides = {1, 1, 1}, .nstrides = 3, .padding = "SAME"},
                      "Conv2D requires the stride attribute to contain 4 values, but got: 3",
                      "input shapes: [1,3,3,2], [5,5,2,8]");
    expect_conv_error(x, f, (conv_attrs){.strides = S1, .padding = "VALID"},
                      "Computed output size would be negative: -1",
                      "[input_size: 3, effective_filter_size: 5, stride: 1] in the height");
    expect_conv_error(x, (int64_t[]){3, 3, 2, 8},
                      (conv_attrs){.strides = S1, .dilations = {1, 2, 2, 1}, .padding = "VALID"},
                      "effective_filter_size: 5", "dilation 2");
    expect_conv_error(x, (int64_t[]){1, 1, 3, 8}, (conv_attrs){.strides = S1, .padding = "SAME"},
                      "Depth of input (2) is not a multiple of input depth of filter (3)", "");
    expect_conv_error(x, (int64_t[]){1, 1, 1, 8}, (conv_attrs){.strides = S1, .padding = "SAME"},
                      "grouped convolution", "not supported");
    expect_conv_error(x, f, (conv_attrs){.strides = {2, 1, 1, 1}, .padding = "SAME"},
                      "stride in the batch and depth dimensions must be 1", "[2,1,1,1]");
    expect_conv_error(x, f, (conv_attrs){.strides = {1, 0, 1, 1}, .padding = "SAME"},
                      "stride must be positive", "[1,0,1,1]");
    expect_conv_error(
        x, f,
        (conv_attrs){.strides = S1, .dilations = {1, 1, 1}, .padding = "SAME", .ndilations = 3},
        "Conv2D requires the dilation attribute to contain 4 values, but got: 3", "");
    expect_conv_error(x, f, (conv_attrs){.strides = S1, .padding = "SAME", .data_format = "NCHW"},
                      "data_format 'NCHW' is not supported", "NHWC");

    /* Hostile sizes (a GraphDef can hold any dims) give an error, not an overflow. */
    expect_conv_error(
        (int64_t[]){1, 5, 5, 1}, (int64_t[]){(int64_t)1 << 40, 1, 1, 1},
        (conv_attrs){.strides = S1, .dilations = {1, INT32_MAX, 1, 1}, .padding = "SAME"},
        "height: sizes too large", "dilation 2147483647");
    expect_conv_error(x, f, (conv_attrs){.strides = {1, (int64_t)1 << 40, 1, 1}, .padding = "SAME"},
                      "out of range for an int32", "strides = [1,1099511627776,1,1]");

    /* Rank errors name the input. */
    tfc_graph *g = tfc_graph_new();
    conv_attrs a = {.strides = S1, .padding = "SAME"};
    conv(g, ph(g, "x", TFC_DT_FLOAT, 3, (int64_t[]){3, 3, 2}), ph(g, "f", TFC_DT_FLOAT, 4, f), &a);
    tfc_status st;
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT,
                     "Shape must be rank 4 but is rank 3 for input 'input'");
    tfc_graph_free(g);
}

static tfc_out i32_const(tfc_graph *g, const char *name, const int32_t *v, int n) {
    tfc_tensor *t = tn_i32(v, n);
    tfc_out o = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return o;
}

static void set_same(tfc_node_builder *b) {
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 2, 2, 1}, 4);
    tfc_node_set_attr_string(b, "padding", "SAME", 4);
}

static void test_backprop_shapes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out f = ph(g, "f", TFC_DT_FLOAT, 4, (int64_t[]){3, 3, 2, 5});
    tfc_out dy = ph(g, "dy", TFC_DT_FLOAT, 4, (int64_t[]){-1, 4, 4, 5});
    tfc_out x = ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){-1, 7, 8, 2});
    /* input_sizes from a Const: the shape is known. */
    tfc_node_builder *b = tfc_node_begin(g, "Conv2DBackpropInput", NULL);
    tfc_node_add_input(b, i32_const(g, "sizes", (int32_t[]){6, 7, 8, 2}, 4));
    tfc_node_add_input(b, f), tfc_node_add_input(b, dy);
    set_same(b);
    tfc_out dx = tfc_node_output(tfc_node_finish(b), 0);
    /* From a Placeholder: batch from dy, depth from the filter. */
    b = tfc_node_begin(g, "Conv2DBackpropInput", NULL);
    tfc_node_add_input(b, ph(g, "sz", TFC_DT_INT32, 1, (int64_t[]){4}));
    tfc_node_add_input(b, f), tfc_node_add_input(b, dy);
    set_same(b);
    tfc_out dx2 = tfc_node_output(tfc_node_finish(b), 0);
    b = tfc_node_begin(g, "Conv2DBackpropFilter", NULL);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, ph(g, "fs", TFC_DT_INT32, 1, (int64_t[]){4}));
    tfc_node_add_input(b, dy);
    set_same(b);
    tfc_out df = tfc_node_output(tfc_node_finish(b), 0);
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    assert_string_equal(shape_str(dx), "[6,7,8,2]");
    assert_string_equal(shape_str(dx2), "[?,?,?,2]");
    assert_string_equal(shape_str(df), "[?,?,2,5]");

    /* input_sizes that do not produce dy's spatial size. */
    b = tfc_node_begin(g, "Conv2DBackpropInput", "bad");
    tfc_node_add_input(b, i32_const(g, "sizes2", (int32_t[]){6, 9, 8, 2}, 4));
    tfc_node_add_input(b, f), tfc_node_add_input(b, dy);
    set_same(b);
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'bad'",
                     "Dimensions must be equal, but are 5 and 4", "output height");
    tfc_graph_free(g);
}

static void pool_attrs(tfc_node_builder *b, const int64_t *ksize, int nk, const int64_t *strides,
                       const char *padding) {
    tfc_node_set_attr_int_list(b, "ksize", ksize, nk);
    tfc_node_set_attr_int_list(b, "strides", strides, 4);
    tfc_node_set_attr_string(b, "padding", padding, strlen(padding));
}

static void test_pool_shapes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){-1, 7, 7, 32});
    const char *ops[] = {"MaxPool", "AvgPool"};
    for (int k = 0; k < 2; k++) {
        tfc_node_builder *b = tfc_node_begin(g, ops[k], NULL);
        tfc_node_add_input(b, x);
        pool_attrs(b, (int64_t[]){1, 2, 2, 1}, 4, (int64_t[]){1, 2, 2, 1}, "SAME");
        tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
        b = tfc_node_begin(g, ops[k], NULL);
        tfc_node_add_input(b, x);
        pool_attrs(b, (int64_t[]){1, 3, 2, 1}, 4, (int64_t[]){1, 2, 2, 1}, "VALID");
        tfc_out z = tfc_node_output(tfc_node_finish(b), 0);
        tfc_status st;
        if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
        assert_string_equal(shape_str(y), "[?,4,4,32]");
        assert_string_equal(shape_str(z), "[?,3,3,32]");
    }
    tfc_node_builder *b = tfc_node_begin(g, "MaxPool", "across_depth");
    tfc_node_add_input(b, x);
    pool_attrs(b, (int64_t[]){1, 2, 2, 2}, 4, (int64_t[]){1, 2, 2, 1}, "SAME");
    assert_null(tfc_node_finish(b));
    tfc_status st;
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'across_depth'",
                     "ksize in the batch and depth dimensions must be 1", "[1,2,2,2]");
    tfc_graph_free(g);

    g = tfc_graph_new();
    x = ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){1, 2, 2, 1});
    b = tfc_node_begin(g, "AvgPool", "big");
    tfc_node_add_input(b, x);
    pool_attrs(b, (int64_t[]){1, 4, 4, 1}, 4, (int64_t[]){1, 1, 1, 1}, "VALID");
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'big'",
                     "Computed output size would be negative",
                     "input_size: 2, effective_filter_size: 4");
    tfc_graph_free(g);

    g = tfc_graph_new();
    x = ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){1, 4, 4, 1});
    b = tfc_node_begin(g, "MaxPool", "five");
    tfc_node_add_input(b, x);
    pool_attrs(b, (int64_t[]){1, 2, 2, 1, 1}, 5, (int64_t[]){1, 1, 1, 1}, "VALID");
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT,
                     "MaxPool requires the ksize attribute to contain 4 "
                     "values, but got: 5");
    tfc_graph_free(g);
}

static void test_other_shapes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){-1, 5, 5, 8});
    tfc_out bias = ph(g, "b", TFC_DT_FLOAT, 1, (int64_t[]){8});
    tfc_node_builder *b = tfc_node_begin(g, "BiasAdd", NULL);
    tfc_node_add_input(b, x), tfc_node_add_input(b, bias);
    tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
    b = tfc_node_begin(g, "BiasAddGrad", NULL);
    tfc_node_add_input(b, y);
    tfc_out db = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out logits = ph(g, "logits", TFC_DT_FLOAT, 2, (int64_t[]){-1, 10});
    tfc_out labels = ph(g, "labels", TFC_DT_INT32, 1, (int64_t[]){32});
    b = tfc_node_begin(g, "SparseSoftmaxCrossEntropyWithLogits", NULL);
    tfc_node_add_input(b, logits), tfc_node_add_input(b, labels);
    tfc_node *sx = tfc_node_finish(b);
    tfc_out dense = ph(g, "dense", TFC_DT_FLOAT, 2, (int64_t[]){1, 10});
    b = tfc_node_begin(g, "SoftmaxCrossEntropyWithLogits", NULL);
    tfc_node_add_input(b, logits), tfc_node_add_input(b, dense);
    tfc_node *dx = tfc_node_finish(b);
    b = tfc_node_begin(g, "Softmax", NULL);
    tfc_node_add_input(b, logits);
    tfc_out sm = tfc_node_output(tfc_node_finish(b), 0);
    tfc_status st;
    if (tfc_graph_status(g, &st)) fail_msg("%s", st.msg);
    assert_string_equal(shape_str(y), "[?,5,5,8]");
    assert_string_equal(shape_str(db), "[8]");
    assert_string_equal(shape_str(tfc_node_output(sx, 0)), "[32]");
    assert_string_equal(shape_str(tfc_node_output(sx, 1)), "[32,10]");
    assert_string_equal(shape_str(tfc_node_output(dx, 0)), "[?]");
    assert_string_equal(shape_str(tfc_node_output(dx, 1)), "[?,10]");
    assert_string_equal(shape_str(sm), "[?,10]");
    assert_int_equal(tfc_out_dtype(tfc_node_output(sx, 1)), TFC_DT_FLOAT);

    tfc_out bias7 = ph(g, "b7", TFC_DT_FLOAT, 1, (int64_t[]){7});
    b = tfc_node_begin(g, "BiasAdd", "bad_bias");
    tfc_node_add_input(b, x), tfc_node_add_input(b, bias7);
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'bad_bias'",
                     "Dimensions must be equal, but are 8 and 7", "bias length");
    tfc_graph_free(g);

    g = tfc_graph_new();
    b = tfc_node_begin(g, "ReluGrad", "rg");
    tfc_node_add_input(b, ph(g, "a", TFC_DT_FLOAT, 2, (int64_t[]){2, 3}));
    tfc_node_add_input(b, ph(g, "c", TFC_DT_FLOAT, 2, (int64_t[]){3, 2}));
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'rg'", "Incompatible shapes: [2,3] vs. [3,2]");
    tfc_graph_free(g);

    g = tfc_graph_new();
    b = tfc_node_begin(g, "SparseSoftmaxCrossEntropyWithLogits", "sx");
    tfc_node_add_input(b, ph(g, "l", TFC_DT_FLOAT, 2, (int64_t[]){4, 3}));
    tfc_node_add_input(b, ph(g, "y", TFC_DT_INT64, 1, (int64_t[]){5}));
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Dimensions must be equal, but are 4 and 5");
    tfc_graph_free(g);

    g = tfc_graph_new();
    b = tfc_node_begin(g, "Softmax", "s0");
    tfc_node_add_input(b, ph(g, "s", TFC_DT_FLOAT, 0, NULL));
    assert_null(tfc_node_finish(b));
    tfc_graph_status(g, &st);
    TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Shape must be at least rank 1 but is rank 0");
    tfc_graph_free(g);
}

/* The family's specs all parse, and each op has a kernel. */
static void test_registry(void **state) {
    (void)state;
    static const char *ops[] = {"BiasAdd",
                                "BiasAddGrad",
                                "Conv2D",
                                "Conv2DBackpropInput",
                                "Conv2DBackpropFilter",
                                "MaxPool",
                                "MaxPoolGrad",
                                "AvgPool",
                                "AvgPoolGrad",
                                "Softmax",
                                "LogSoftmax",
                                "SoftmaxCrossEntropyWithLogits",
                                "SparseSoftmaxCrossEntropyWithLogits",
                                "ReluGrad",
                                "Relu6",
                                "Relu6Grad",
                                "Elu",
                                "EluGrad",
                                "Softplus",
                                "SoftplusGrad",
                                "Sigmoid",
                                "SigmoidGrad",
                                "Tanh",
                                "TanhGrad"};
    tfc_status st;
    if (tfc__op_registry_status(&st)) fail_msg("%s", st.msg);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        const tfc_op_def *d = tfc__op_lookup(ops[k]);
        if (!d) fail_msg("op %s is not registered", ops[k]);
        if (!d->spec->kernel) fail_msg("op %s has no kernel", ops[k]);
    }
}

int tn_run_shapes(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_registry),        TU_TEST(test_conv_shapes), TU_TEST(test_conv_shape_errors),
        TU_TEST(test_backprop_shapes), TU_TEST(test_pool_shapes), TU_TEST(test_other_shapes),
    };
    return cmocka_run_group_tests_name("nn_shapes", tests, NULL, NULL);
}
