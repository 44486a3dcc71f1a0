/* Names, scopes and collections as TensorFlow makes them: the tutorial CNN, variable scopes with
 * reuse and AUTO_REUSE, get_variable (ref and resource), TF's error texts for reuse misuse, and
 * scoped defaults (arg_scope). */
#include "layers_tests.h"

static tfc_out image_input(tfc_graph *g) {
    return tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 28, 28, 1}});
}

/* The model of TF's layers tutorial (and the flagship), as tf.layers names it. */
static tfc_out tutorial_cnn(tfc_layers *L, tfc_out x, bool training) {
    tfc_out h = tfc_layers_conv2d(
        L, x,
        &(tfc_conv2d_opts){
            .filters = 32, .kernel_size = {5, 5}, .padding = TFC_SAME, .activation = TFC_ACT_RELU});
    h = tfc_layers_max_pooling2d(L, h, &(tfc_pool2d_opts){.pool_size = {2, 2}, .strides = {2}});
    h = tfc_layers_conv2d(
        L, h,
        &(tfc_conv2d_opts){
            .filters = 64, .kernel_size = {5}, .padding = TFC_SAME, .activation = TFC_ACT_RELU});
    h = tfc_layers_max_pooling2d(L, h, &(tfc_pool2d_opts){.pool_size = {2}, .strides = {2, 2}});
    h = tfc_layers_flatten(L, h, NULL);
    h = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 1024, .activation = TFC_ACT_RELU});
    h = tfc_layers_dropout(
        L, h, &(tfc_dropout_opts){.rate = 0.4f, .training = training ? TFC_TRUE : TFC_FALSE});
    return tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 10});
}

static void test_tutorial_cnn_names(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out logits = tutorial_cnn(L, image_input(g), true);
    TL_GRAPH_OK(g);
    const char *vars[] = {"conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias",
                          "dense/kernel",  "dense/bias",  "dense_1/kernel",  "dense_1/bias"};
    tl_expect_collection(g, TFC_GLOBAL_VARIABLES, vars, 8);
    tl_expect_collection(g, TFC_TRAINABLE_VARIABLES, vars, 8);
    assert_int_equal(tfc_graph_get_collection(g, TFC_UPDATE_OPS, NULL, NULL, 0), 0);
    assert_int_equal(tfc_graph_get_collection(g, TFC_REGULARIZATION_LOSSES, NULL, NULL, 0), 0);
    /* Scope filters as tf.get_collection(key, scope) */
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "conv2d/", NULL, 0), 2);

    const char *ops[][2] = {
        {"conv2d/kernel", "VariableV2"},
        {"conv2d/kernel/Assign", "Assign"},
        {"conv2d/kernel/read", "Identity"},
        {"conv2d/kernel/Initializer/random_uniform/shape", "Const"},
        {"conv2d/kernel/Initializer/random_uniform/min", "Const"},
        {"conv2d/kernel/Initializer/random_uniform/max", "Const"},
        {"conv2d/kernel/Initializer/random_uniform/RandomUniform", "RandomUniform"},
        {"conv2d/kernel/Initializer/random_uniform/sub", "Sub"},
        {"conv2d/kernel/Initializer/random_uniform/mul", "Mul"},
        {"conv2d/kernel/Initializer/random_uniform", "Add"},
        {"conv2d/bias/Initializer/zeros", "Const"},
        {"conv2d/Conv2D", "Conv2D"},
        {"conv2d/BiasAdd", "BiasAdd"},
        {"conv2d/Relu", "Relu"},
        {"max_pooling2d/MaxPool", "MaxPool"},
        {"conv2d_1/Conv2D", "Conv2D"},
        {"conv2d_1/Relu", "Relu"},
        {"max_pooling2d_1/MaxPool", "MaxPool"},
        {"flatten/Reshape", "Reshape"},
        {"dense/MatMul", "MatMul"},
        {"dense/BiasAdd", "BiasAdd"},
        {"dense/Relu", "Relu"},
        /* 1024 zeros: a Fill, as TF's array_ops.zeros makes for 1000 elements or more */
        {"dense/bias/Initializer/zeros", "Fill"},
        {"dense/bias/Initializer/zeros/shape_as_tensor", "Const"},
        {"dropout/dropout/random_uniform/RandomUniform", "RandomUniform"},
        {"dropout/dropout/GreaterEqual", "GreaterEqual"},
        {"dropout/dropout/Cast", "Cast"},
        {"dropout/dropout/mul_1", "Mul"},
        {"dense_1/MatMul", "MatMul"},
        {"dense_1/BiasAdd", "BiasAdd"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) tl_expect_node(g, ops[i][0], ops[i][1]);
    assert_string_equal(tfc_node_name(logits.node), "dense_1/BiasAdd");
    assert_null(tfc_graph_find(g, "dense_1/Relu"));
    /* Static shapes through the model: [?, 3136] after flatten, [?, 10] logits. */
    const tfc_shape *ls = tfc_out_shape(logits);
    assert_int_equal(ls->rank, 2);
    assert_int_equal(ls->dims[0], -1);
    assert_int_equal(ls->dims[1], 10);
    tfc_var k;
    assert_true(tfc_layers_find_variable(L, "dense/kernel", &k));
    assert_int_equal(tfc_out_shape(k.value)->dims[0], 7 * 7 * 64);
    assert_int_equal(tfc_out_shape(k.value)->dims[1], 1024);
    assert_false(tfc_layers_find_variable(L, "dense_2/kernel", NULL));
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* The same model in inference: dropout is an Identity and nothing random is left but the
 * initializers. */
static void test_tutorial_cnn_inference_names(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tutorial_cnn(L, image_input(g), false);
    TL_GRAPH_OK(g);
    tl_expect_node(g, "dropout/Identity", "Identity");
    assert_null(tfc_graph_find(g, "dropout/dropout/mul_1"));
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* A model function called twice: in a reusing scope, and with AUTO_REUSE. */
static tfc_out tower(tfc_layers *L, tfc_out x) {
    tfc_out h = tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 4, .activation = TFC_ACT_TANH});
    return tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 2, .name = "logits"});
}

static void test_reuse(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    assert_string_equal(tfc_layers_push_var_scope(L, "model", NULL), "model");
    tfc_out a = tower(L, x);
    tfc_layers_pop_var_scope(L);
    assert_string_equal(tfc_layers_var_scope(L), "");
    assert_string_equal(
        tfc_layers_push_var_scope(L, "model", &(tfc_var_scope_opts){.reuse = TFC_REUSE}), "model");
    tfc_out b = tower(L, x);
    tfc_layers_pop_var_scope(L);
    TL_GRAPH_OK(g);
    const char *vars[] = {"model/dense/kernel", "model/dense/bias", "model/logits/kernel",
                          "model/logits/bias"};
    tl_expect_collection(g, TFC_GLOBAL_VARIABLES, vars, 4);
    /* Ops of the second call go in the next name scope, on the same variables. */
    assert_string_equal(tfc_node_name(a.node), "model/logits/BiasAdd");
    assert_string_equal(tfc_node_name(b.node), "model_1/logits/BiasAdd");
    tfc_node *mm = tfc_graph_find(g, "model_1/dense/MatMul");
    assert_non_null(mm);
    assert_string_equal(tfc_node_name(tfc_node_input(mm, 1).node), "model/dense/kernel/read");
    tl_expect_node(g, "model_1/dense/Tanh", "Tanh");

    /* AUTO_REUSE: the first call creates, the second finds. */
    for (int i = 0; i < 2; i++) {
        tfc_layers_push_var_scope(L, "shared", &(tfc_var_scope_opts){.reuse = TFC_AUTO_REUSE});
        tower(L, x);
        tfc_layers_pop_var_scope(L);
    }
    /* A layer's own reuse takes its name as given. */
    for (int i = 0; i < 2; i++)
        tfc_layers_dense(L, x,
                         &(tfc_dense_opts){.units = 1, .name = "head", .reuse = TFC_AUTO_REUSE});
    TL_GRAPH_OK(g);
    assert_int_equal(tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, NULL, NULL, 0), 10);
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, "shared/", NULL, 0), 4);
    tl_expect_node(g, "shared_1/logits/MatMul", "MatMul");
    tl_expect_node(g, "head_1/MatMul", "MatMul");
    assert_ptr_equal(tfc_node_input(tfc_graph_find(g, "head_1/MatMul"), 1).node,
                     tfc_graph_find(g, "head/kernel/read"));
    /* Without reuse the same names are made unique. */
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 1, .name = "head"});
    TL_GRAPH_OK(g);
    assert_true(tfc_layers_find_variable(L, "head_1/kernel", NULL));
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static void test_nested_scopes_and_defaults(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    /* default_name scopes: "block", "block_1"; nested names join with '/'. */
    assert_string_equal(
        tfc_layers_push_var_scope(L, NULL, &(tfc_var_scope_opts){.default_name = "block"}),
        "block");
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
    assert_string_equal(tfc_layers_push_var_scope(L, "inner", NULL), "block/inner");
    tfc_var w = tfc_layers_get_variable(L, "w", &(tfc_shape){1, {5}}, NULL);
    tfc_layers_pop_var_scope(L);
    tfc_layers_pop_var_scope(L);
    assert_string_equal(
        tfc_layers_push_var_scope(L, NULL, &(tfc_var_scope_opts){.default_name = "block"}),
        "block_1");
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
    tfc_layers_pop_var_scope(L);
    tfc_layers_pop_var_scope(L); /* one too many: harmless */
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(w.ref.node), "block/inner/w");
    assert_string_equal(tfc_node_name(w.value.node), "block/inner/w/read");
    tl_expect_node(g, "block/inner/w/Initializer/random_uniform", "Add");
    tl_expect_node(g, "block/dense/MatMul", "MatMul");
    tl_expect_node(g, "block_1/dense/MatMul", "MatMul");
    assert_true(tfc_layers_find_variable(L, "block_1/dense/kernel", NULL));
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* Variables whose name scope differs from the variable scope (a name scope pushed on the graph)
 * keep the variable-scope name, as TF's get_variable does. */
static void test_get_variable(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_graph_push_scope(g, "ns");
    tfc_var a = tfc_layers_get_variable(L, "a", &(tfc_shape){2, {3, 4}}, NULL);
    tfc_graph_pop_scope(g);
    tfc_var n = tfc_layers_get_variable(
        L, "steps", &(tfc_shape){0, {0}},
        &(tfc_get_variable_opts){.dtype = TFC_DT_INT64, .trainable = TFC_FALSE});
    tfc_var r = tfc_layers_get_variable(L, "r", &(tfc_shape){1, {2}},
                                        &(tfc_get_variable_opts){.use_resource = TFC_TRUE});
    tfc_layers_push_var_scope(L, "res", &(tfc_var_scope_opts){.use_resource = TFC_TRUE});
    tfc_var r2 =
        tfc_layers_get_variable(L, "r2", &(tfc_shape){1, {2}},
                                &(tfc_get_variable_opts){.initializer = {.kind = TFC_INIT_ONES}});
    tfc_layers_pop_var_scope(L);
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(a.ref.node), "a");
    assert_string_equal(tfc_node_op(a.ref.node), "VariableV2");
    assert_string_equal(tfc_node_name(a.initializer), "a/Assign");
    tl_expect_node(g, "a/Initializer/random_uniform/RandomUniform", "RandomUniform");
    assert_int_equal(tfc_out_dtype(n.value), TFC_DT_INT64);
    tl_expect_node(g, "steps/Initializer/zeros", "Const"); /* integers default to zeros */
    assert_string_equal(tfc_node_op(r.ref.node), "VarHandleOp");
    assert_string_equal(tfc_node_name(r.value.node), "r/Read/ReadVariableOp");
    assert_string_equal(tfc_node_op(r2.ref.node), "VarHandleOp");
    assert_string_equal(tfc_node_name(r2.ref.node), "res/r2");
    const char *all[] = {"a", "steps", "r", "res/r2"}, *trainable[] = {"a", "r", "res/r2"};
    tl_expect_collection(g, TFC_GLOBAL_VARIABLES, all, 4);
    tl_expect_collection(g, TFC_TRAINABLE_VARIABLES, trainable, 3);

    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tfc_tensor *t = tl_fetch(s, NULL, 0, r2.value);
    tl_expect_close(t, (float[]){1, 1}, 2, 0);
    tfc_tensor_unref(t);
    t = tl_fetch(s, NULL, 0, n.value);
    assert_int_equal(*(const int64_t *)tfc_tensor_data_const(t), 0);
    tfc_tensor_unref(t);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* A scope's initializer applies to get_variable and to layer kernels, not to biases (TF gives
 * biases zeros explicitly). */
static void test_scope_initializer(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    tfc_layers_push_var_scope(
        L, "s", &(tfc_var_scope_opts){.initializer = {.kind = TFC_INIT_CONSTANT, .value = 0.25f}});
    tfc_layers_push_var_scope(L, "t", NULL); /* inherited */
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
    tfc_layers_pop_var_scope(L);
    tfc_layers_pop_var_scope(L);
    TL_GRAPH_OK(g);
    tl_expect_node(g, "s/t/dense/kernel/Initializer/Const", "Const");
    tl_expect_node(g, "s/t/dense/bias/Initializer/zeros", "Const");
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tfc_tensor *k = tl_fetch(s, NULL, 0, tl_var(L, "s/t/dense/kernel").value);
    tl_expect_close(k, (float[]){0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f}, 6, 0);
    tfc_tensor_unref(k);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static void test_reuse_errors(void **state) {
    (void)state;
    /* Creating again without reuse. */
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    for (int i = 0; i < 2; i++) {
        tfc_layers_push_var_scope(L, "model", NULL);
        tfc_out y = tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
        if (i == 1) assert_null(y.node);
        tfc_layers_pop_var_scope(L);
    }
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT,
                  "Variable model/dense/kernel already exists, disallowed. Did you mean to set "
                  "reuse=True or reuse=tf.AUTO_REUSE in VarScope?");
    /* Later calls are no-ops; pushes and pops stay balanced. */
    assert_null(tfc_layers_push_var_scope(L, "later", NULL));
    assert_null(tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2}).node);
    tfc_layers_pop_var_scope(L);
    assert_string_equal(tfc_layers_var_scope(L), "");
    tfc_layers_free(L);
    tfc_graph_free(g);

    /* Reusing what does not exist. */
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    tfc_layers_push_var_scope(L, "other", &(tfc_var_scope_opts){.reuse = TFC_REUSE});
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
    tfc_layers_pop_var_scope(L);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT,
                  "Variable other/dense/kernel does not exist, or was not created with "
                  "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?");
    tfc_layers_free(L);
    tfc_graph_free(g);

    /* A tf.Variable is not in the store: reuse does not find it. */
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_tensor *zeros = tl_floats(1, (int64_t[]){2}, NULL);
    tfc_graph_push_scope(g, "m");
    tfc_variable(g, "plain", tfc_const(g, "plain_init", zeros), true);
    tfc_graph_pop_scope(g);
    tfc_tensor_unref(zeros);
    tfc_layers_push_var_scope(L, "m", &(tfc_var_scope_opts){.reuse = TFC_REUSE});
    tfc_layers_get_variable(L, "plain", &(tfc_shape){1, {2}}, NULL);
    tfc_layers_pop_var_scope(L);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "Variable m/plain does not exist, or was not created");
    tfc_layers_free(L);
    tfc_graph_free(g);

    /* Scope names: empty, or reuse=True without one. */
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    assert_null(tfc_layers_push_var_scope(L, "", NULL));
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "variable_scope: the name is empty");
    tfc_layers_pop_var_scope(L);
    tfc_layers_free(L);
    tfc_graph_free(g);
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_layers_push_var_scope(L, NULL,
                              &(tfc_var_scope_opts){.reuse = TFC_REUSE, .default_name = "top"});
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "reuse=True cannot be used without a name_or_scope");
    tfc_layers_pop_var_scope(L);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static void test_share_mismatch(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_layers_push_var_scope(L, "m", NULL);
    tfc_layers_get_variable(L, "w", &(tfc_shape){2, {3, 4}}, NULL);
    tfc_layers_pop_var_scope(L);
    tfc_layers_push_var_scope(L, "m", &(tfc_var_scope_opts){.reuse = TFC_REUSE});
    tfc_var same = tfc_layers_get_variable(L, "w", &(tfc_shape){2, {3, 4}}, NULL);
    assert_non_null(same.ref.node);
    assert_string_equal(tfc_node_name(same.ref.node), "m/w");
    tfc_layers_get_variable(L, "w", &(tfc_shape){2, {3, 5}}, NULL);
    tfc_layers_pop_var_scope(L);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT,
                  "Trying to share variable m/w, but specified shape (3, 5) and found shape (3, "
                  "4).");
    tfc_layers_free(L);
    tfc_graph_free(g);

    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_var_scope_opts auto_reuse = {.reuse = TFC_AUTO_REUSE};
    tfc_layers_push_var_scope(L, "a", &auto_reuse);
    tfc_layers_get_variable(L, "v", &(tfc_shape){1, {3}}, NULL);
    tfc_layers_get_variable(L, "v", &(tfc_shape){1, {3}},
                            &(tfc_get_variable_opts){.dtype = TFC_DT_DOUBLE});
    tfc_layers_pop_var_scope(L);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT,
                  "Trying to share variable a/v, but specified dtype float64 and found dtype "
                  "float32.");
    tfc_layers_free(L);
    tfc_graph_free(g);

    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_layers_get_variable(L, "u", &(tfc_shape){2, {-1, 3}}, NULL);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT,
                  "Shape of a new variable (u) must be fully defined, but instead was (?, 3).");
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* Slim's arg_scope: defaults apply, a call overrides them field by field, nested pushes override
 * outer ones, pops restore. */
static void test_arg_scope_defaults(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 8, 8, 3}});
    tfc_layers_push_defaults(L, TFC_LAYER_CONV2D,
                             &(tfc_conv2d_opts){.padding = TFC_SAME,
                                                .activation = TFC_ACT_RELU,
                                                .kernel_size = {3},
                                                .name = "ignored"});
    tfc_out a = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 4});
    tfc_out b = tfc_layers_conv2d(
        L, x, &(tfc_conv2d_opts){.filters = 4, .padding = TFC_VALID, .activation = TFC_ACT_NONE});
    tfc_layers_push_defaults(L, TFC_LAYER_CONV2D, &(tfc_conv2d_opts){.activation = TFC_ACT_TANH});
    tfc_out c = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 4});
    tfc_layers_pop_defaults(L);
    tfc_out d = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 4, .kernel_size = {1, 3}});
    tfc_layers_pop_defaults(L);
    tfc_layers_pop_defaults(L); /* one too many: harmless */
    tfc_out e = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 4, .kernel_size = {2}});
    /* Dense and pooling defaults; other kinds are not affected. */
    tfc_layers_push_defaults(
        L, TFC_LAYER_DENSE,
        &(tfc_dense_opts){.activation = TFC_ACT_SIGMOID, .use_bias = TFC_FALSE});
    tfc_layers_push_defaults(L, TFC_LAYER_MAX_POOLING2D,
                             &(tfc_pool2d_opts){.pool_size = {2}, .padding = TFC_SAME});
    tfc_out p = tfc_layers_max_pooling2d(L, e, NULL);
    tfc_out q = tfc_layers_average_pooling2d(L, e, &(tfc_pool2d_opts){.pool_size = {3}});
    tfc_out f = tfc_layers_dense(L, tfc_layers_flatten(L, p, NULL), &(tfc_dense_opts){.units = 3});
    tfc_layers_pop_defaults(L);
    tfc_layers_pop_defaults(L);
    TL_GRAPH_OK(g);

    const char *pad;
    size_t n;
    TU_OK(tfc_node_attr_string(tfc_graph_find(g, "conv2d/Conv2D"), "padding", &pad, &n, NULL));
    assert_int_equal(n, 4);
    assert_string_equal(tfc_node_op(a.node), "Relu");
    assert_string_equal(tfc_node_name(a.node), "conv2d/Relu");
    assert_int_equal(tfc_out_shape(a)->dims[1], 8); /* SAME */
    assert_string_equal(tfc_node_op(b.node), "BiasAdd");
    assert_int_equal(tfc_out_shape(b)->dims[1], 6); /* VALID, 3x3 from the defaults */
    assert_string_equal(tfc_node_op(c.node), "Tanh");
    assert_int_equal(tfc_out_shape(c)->dims[1], 8); /* SAME from the outer push */
    assert_string_equal(tfc_node_op(d.node), "Relu");
    assert_int_equal(tfc_out_shape(d)->dims[2], 8);
    tfc_var dk = tl_var(L, "conv2d_3/kernel");
    assert_int_equal(tfc_out_shape(dk.value)->dims[0], 1);
    assert_int_equal(tfc_out_shape(dk.value)->dims[1], 3);
    assert_string_equal(tfc_node_op(e.node), "BiasAdd"); /* no defaults left: VALID, linear */
    assert_int_equal(tfc_out_shape(e)->dims[1], 7);
    assert_int_equal(tfc_out_shape(p)->dims[1], 4); /* SAME 2x2/2 of 7 */
    assert_int_equal(tfc_out_shape(q)->dims[1], 2); /* VALID 3x3/3 of 7 */
    assert_string_equal(tfc_node_name(f.node), "dense/Sigmoid");
    assert_false(tfc_layers_find_variable(L, "dense/bias", NULL));
    assert_null(tfc_graph_find(g, "ignored/Conv2D"));
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static void test_option_errors(void **state) {
    (void)state;
    struct {
        const char *want;
        int which;
    } cases[] = {
        {"dense: units must be positive, got 0", 0},
        {"conv2d: kernel_size (required), strides and dilation_rate must be positive", 1},
        {"conv2d: strides > 1 not supported in conjunction with dilation_rate > 1", 2},
        {"max_pooling2d: pool_size (required) and strides must be positive", 3},
        {"dropout: rate must be a scalar tensor or a float in the range [0, 1), got 1", 4},
        {"dense: the input must have rank >= 2 and a defined last dimension, got shape [?,?]", 5},
        {"batch_normalization: Input has undefined `axis` dimension", 6},
        {"push_defaults: unknown layer kind 99", 7},
        {"dropout: training_flag must be a bool scalar, got float32", 8},
        {"conv2d: the input must be NHWC of rank 4", 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tfc_graph *g = tfc_graph_new();
        tfc_layers *L = tfc_layers_new(g);
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 8, 8, 3}});
        tfc_out u = tfc_placeholder(g, "u", TFC_DT_FLOAT, &(tfc_shape){2, {-1, -1}});
        switch (cases[i].which) {
        case 0:
            tfc_layers_dense(L, u, NULL);
            break;
        case 1:
            tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 2});
            break;
        case 2:
            tfc_layers_conv2d(
                L, x,
                &(tfc_conv2d_opts){
                    .filters = 2, .kernel_size = {3}, .strides = {2}, .dilation_rate = {2}});
            break;
        case 3:
            tfc_layers_max_pooling2d(L, x, NULL);
            break;
        case 4:
            tfc_layers_dropout(L, x, &(tfc_dropout_opts){.rate = 1, .training = TFC_TRUE});
            break;
        case 5:
            tfc_layers_dense(L, u, &(tfc_dense_opts){.units = 3});
            break;
        case 6:
            tfc_layers_batch_normalization(L, u, NULL);
            break;
        case 7:
            tfc_layers_push_defaults(L, (tfc_layer_kind)99, &(tfc_dense_opts){0});
            tfc_layers_pop_defaults(L);
            break;
        case 8:
            tfc_layers_dropout(L, x, &(tfc_dropout_opts){.training_flag = u});
            break;
        case 9:
            tfc_layers_conv2d(L, u, &(tfc_conv2d_opts){.filters = 2, .kernel_size = {1}});
            break;
        }
        TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, cases[i].want);
        assert_string_equal(tfc_layers_var_scope(L), "");
        tfc_layers_free(L);
        tfc_graph_free(g);
    }
}

int tl_run_names(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_tutorial_cnn_names),
        TU_TEST(test_tutorial_cnn_inference_names),
        TU_TEST(test_reuse),
        TU_TEST(test_nested_scopes_and_defaults),
        TU_TEST(test_get_variable),
        TU_TEST(test_scope_initializer),
        TU_TEST(test_reuse_errors),
        TU_TEST(test_share_mismatch),
        TU_TEST(test_arg_scope_defaults),
        TU_TEST(test_option_errors),
    };
    return cmocka_run_group_tests_name("layers_names", tests, NULL, NULL);
}
