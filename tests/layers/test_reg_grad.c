/* Regularization losses (L1, L2 as contrib's scale * sum(w^2) / 2, L1L2, scope regularizers, a
 * zero scale) collected in REGULARIZATION_LOSSES, and gradients through every layer reaching every
 * trainable variable. */
#include <math.h>

#include "layers_tests.h"

static void test_regularizers(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 2}});
    tfc_layers_dense(L, x,
                     &(tfc_dense_opts){.units = 2,
                                       .kernel_regularizer = {.kind = TFC_REG_L2, .l2 = 0.1f},
                                       .bias_regularizer = {.kind = TFC_REG_L1, .l1 = 0.5f}});
    tfc_layers_dense(
        L, x,
        &(tfc_dense_opts){.units = 2, .kernel_regularizer = {.kind = TFC_REG_L1_L2, .l2 = 2}});
    /* A scope regularizer reaches kernels and biases; TFC_ZERO and NONE switch it off. */
    tfc_layers_push_var_scope(L, "decay",
                              &(tfc_var_scope_opts){.regularizer = {.kind = TFC_REG_L2, .l2 = 1}});
    tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2});
    tfc_layers_dense(L, x,
                     &(tfc_dense_opts){.units = 2,
                                       .kernel_regularizer = {.kind = TFC_REG_L2, .l2 = TFC_ZERO},
                                       .bias_regularizer = {.kind = TFC_REG_NONE}});
    tfc_layers_pop_var_scope(L);
    TL_GRAPH_OK(g);
    const char *losses[] = {
        "dense/kernel/Regularizer/l2_regularizer",
        "dense/bias/Regularizer/l1_regularizer",
        "dense_1/kernel/Regularizer/l1_l2_regularizer",
        "decay/dense/kernel/Regularizer/l2_regularizer",
        "decay/dense/bias/Regularizer/l2_regularizer",
    };
    tl_expect_collection(g, TFC_REGULARIZATION_LOSSES, losses, 5);
    tl_expect_node(g, "dense/kernel/Regularizer/l2_regularizer/scale", "Const");
    tl_expect_node(g, "dense/kernel/Regularizer/l2_regularizer/L2Loss", "Mul");
    tl_expect_node(g, "dense/bias/Regularizer/l1_regularizer/Abs", "Abs");
    tl_expect_node(g, "dense_1/kernel/Regularizer/l1_l2_regularizer", "AddN");
    tl_expect_node(g, "dense_1/kernel/Regularizer/l1_l2_regularizer/l1_regularizer", "Mul");

    float k[4] = {1, -2, 3, -4}, b[2] = {0.5f, -1.5f};
    tfc_tensor *kt = tl_floats(2, (int64_t[]){2, 2}, k), *bt = tl_floats(1, (int64_t[]){2}, b);
    tfc_node *as[5] = {tl_assign(g, tl_var(L, "dense/kernel"), kt),
                       tl_assign(g, tl_var(L, "dense/bias"), bt),
                       tl_assign(g, tl_var(L, "dense_1/kernel"), kt),
                       tl_assign(g, tl_var(L, "decay/dense/kernel"), kt),
                       tl_assign(g, tl_var(L, "decay/dense/bias"), bt)};
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tl_run_targets(s, NULL, 0, as, 5);
    tfc_out items[5];
    tfc_graph_get_collection(g, TFC_REGULARIZATION_LOSSES, NULL, items, 5);
    /* sum k^2 = 30, sum |k| = 10, sum b^2 = 2.5, sum |b| = 2 */
    const float want[5] = {0.1f * 15, 0.5f * 2, 1 * 10 + 2 * 15, 15, 1.25f};
    for (int i = 0; i < 5; i++) {
        tfc_tensor *r = tl_fetch(s, NULL, 0, items[i]);
        assert_int_equal(tfc_tensor_rank(r), 0);
        tl_expect_close(r, &want[i], 1, 1e-5);
        tfc_tensor_unref(r);
    }
    tfc_tensor_unref(kt), tfc_tensor_unref(bt);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);

    /* A regularizer applied by hand; errors. */
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_var w = tfc_layers_get_variable(L, "w", &(tfc_shape){1, {3}}, NULL);
    assert_null(
        tfc_layers_regularization(L, &(tfc_regularizer){.kind = TFC_REG_NONE}, w.value).node);
    assert_null(tfc_layers_regularization(L, &(tfc_regularizer){.kind = TFC_REG_L1, .l1 = TFC_ZERO},
                                          w.value)
                    .node);
    tfc_out l =
        tfc_layers_regularization(L, &(tfc_regularizer){.kind = TFC_REG_L2, .l2 = 3}, w.value);
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(l.node), "l2_regularizer");
    assert_int_equal(tfc_graph_get_collection(g, TFC_REGULARIZATION_LOSSES, NULL, NULL, 0), 0);
    tfc_layers_regularization(L, &(tfc_regularizer){.kind = TFC_REG_L2, .l2 = -1}, w.value);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "Setting a scale less than 0 on a regularizer: -1");
    tfc_layers_free(L);
    tfc_graph_free(g);
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    w = tfc_layers_get_variable(L, "w", &(tfc_shape){1, {3}}, NULL);
    tfc_layers_regularization(L, &(tfc_regularizer){.kind = TFC_REG_L1}, w.value);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "l1_regularizer needs a scale");
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* A small CNN with every layer on the path (conv2d, pooling, batch norm with a flag, flatten,
 * dense, dropout in training): the gradient of a loss reaches every trainable variable, with its
 * shape, and evaluates. */
static void test_gradients_reach_every_variable(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 6, 6, 2}});
    tfc_out flag = tfc_placeholder(g, "training", TFC_DT_BOOL, &(tfc_shape){0, {0}});
    tfc_layers_push_defaults(L, TFC_LAYER_CONV2D,
                             &(tfc_conv2d_opts){.padding = TFC_SAME, .activation = TFC_ACT_RELU});
    tfc_out h = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 4, .kernel_size = {3}});
    h = tfc_layers_batch_normalization(L, h, &(tfc_batch_norm_opts){.training_flag = flag});
    h = tfc_layers_max_pooling2d(L, h, &(tfc_pool2d_opts){.pool_size = {2}});
    h = tfc_layers_conv2d(
        L, h, &(tfc_conv2d_opts){.filters = 3, .kernel_size = {2}, .activation = TFC_ACT_ELU});
    h = tfc_layers_average_pooling2d(L, h, &(tfc_pool2d_opts){.pool_size = {3}});
    tfc_layers_pop_defaults(L);
    h = tfc_layers_flatten(L, h, NULL);
    h = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 5, .activation = TFC_ACT_TANH});
    h = tfc_layers_batch_normalization(L, h, &(tfc_batch_norm_opts){.training = TFC_TRUE});
    h = tfc_layers_dropout(L, h, &(tfc_dropout_opts){.rate = 0.2f, .training = TFC_TRUE});
    tfc_out logits = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 2});
    tfc_node_builder *b = tfc_node_begin(g, "Square", NULL);
    tfc_node_add_input(b, logits);
    tfc_out sq = tfc_node_output(tfc_node_finish(b), 0);
    tfc_tensor *axes_t = NULL;
    tfc_shape two = tfc_shape_make(1, (int64_t[]){2});
    TU_OK(tfc_tensor_new(TFC_DT_INT32, &two, &axes_t, NULL));
    ((int32_t *)tfc_tensor_data(axes_t))[1] = 1;
    b = tfc_node_begin(g, "Sum", "loss");
    tfc_node_add_input(b, sq);
    tfc_node_add_input(b, tfc_const(g, "axes", axes_t));
    tfc_out loss = tfc_node_output(tfc_node_finish(b), 0);
    tfc_tensor_unref(axes_t);
    TL_GRAPH_OK(g);

    tfc_out vars[16], grads[16];
    int n = tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, vars, 16);
    /* two convs, two batch norms (gamma, beta), two denses */
    assert_int_equal(n, 12);
    tfc_status st;
    if (tfc_gradients(g, &loss, 1, vars, n, NULL, grads, &st) != TFC_OK) fail_msg("%s", st.msg);
    for (int i = 0; i < n; i++) {
        if (!grads[i].node) fail_msg("no gradient reaches %s", tfc_node_name(vars[i].node));
        if (!tfc_shape_is_compatible(tfc_out_shape(grads[i]), tfc_out_shape(vars[i])))
            fail_msg("gradient of %s has the wrong shape", tfc_node_name(vars[i].node));
    }
    /* Moving statistics are not trainable and get no gradient through the training branch. */
    tfc_layers_free(L);

    tfc_session *s = tl_session(g);
    tl_init(g, s);
    float xs[3 * 6 * 6 * 2];
    for (int i = 0; i < 3 * 6 * 6 * 2; i++) xs[i] = (float)sin(0.37 * i);
    tfc_tensor *xv = tl_floats(4, (int64_t[]){3, 6, 6, 2}, xs), *yes = tl_bool(true);
    tfc_feed feeds[2] = {{x, xv}, {flag, yes}};
    tfc_tensor *res[16];
    if (tfc_session_run(s, feeds, 2, grads, n, res, NULL, 0, &st) != TFC_OK) fail_msg("%s", st.msg);
    for (int i = 0; i < n; i++) {
        assert_true(tfc_shape_equal(tfc_tensor_shape(res[i]), tfc_out_shape(vars[i])));
        double norm = 0;
        for (int64_t j = 0; j < tfc_tensor_num_elements(res[i]); j++) {
            double v = tl_data(res[i])[j];
            if (!isfinite(v)) fail_msg("gradient of %s is not finite", tfc_node_name(vars[i].node));
            norm += v * v;
        }
        if (!(norm > 0)) fail_msg("gradient of %s is zero", tfc_node_name(vars[i].node));
        tfc_tensor_unref(res[i]);
    }
    tfc_tensor_unref(xv), tfc_tensor_unref(yes);
    tfc_session_free(s);
    tfc_graph_free(g);
}

int tl_run_reg_grad(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_regularizers),
        TU_TEST(test_gradients_reach_every_variable),
    };
    return cmocka_run_group_tests_name("layers_reg_grad", tests, NULL, NULL);
}
