/* Gradients of the nn family against central finite differences (double precision). */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "tfc/testing.h"
#include "tfc/train.h"

static tfc_tensor *vals(int rank, const int64_t *dims, double scale, double phase) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    tfc_status st;
    if (tfc_tensor_new(TFC_DT_DOUBLE, &s, &t, &st) != TFC_OK) fail_msg("%s", st.msg);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) /* distinct values: no pooling ties */
        ((double *)tfc_tensor_data(t))[i] =
            scale * (sin(2.3 * (double)i + phase) + 0.01 * (double)i);
    return t;
}

static tfc_out cst(tfc_graph *g, tfc_tensor *t) {
    tfc_out c = tfc_const(g, "c", t);
    tfc_tensor_unref(t);
    return c;
}

static tfc_out node(tfc_graph *g, const char *op, const tfc_out *in, int n, int out) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    if (!strcmp(op, "Conv2D")) {
        tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 2, 2, 1}, 4);
        tfc_node_set_attr_string(b, "padding", "SAME", 4);
    } else if (!strcmp(op, "MaxPool") || !strcmp(op, "AvgPool")) {
        tfc_node_set_attr_int_list(b, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
        tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 2, 2, 1}, 4);
        tfc_node_set_attr_string(b, "padding", "SAME", 4);
    }
    return tfc_node_output(tfc_node_finish(b), out);
}

static void expect_close(tfc_graph *g, tfc_out x, tfc_tensor *xv, tfc_out y) {
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("graph: %s", st.msg);
    double err;
    if (tfc_compute_gradient_error(g, x, xv, y, 1e-6, &err, &st) != TFC_OK) fail_msg("%s", st.msg);
    if (!(err <= 1e-6)) fail_msg("gradient error %g through %s", err, tfc_node_op(y.node));
    tfc_tensor_unref(xv);
}

static const int64_t img[] = {2, 5, 5, 3}, filt[] = {3, 3, 3, 4}, bias[] = {3}, mat[] = {3, 4};

static void test_conv_bias_pool(void **state) {
    (void)state;
    for (int side = 0; side < 2; side++) { /* Conv2D w.r.t. the input, then the filter */
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){4, {2, 5, 5, 3}});
        tfc_out w = tfc_placeholder(g, "w", TFC_DT_DOUBLE, &(tfc_shape){4, {3, 3, 3, 4}});
        tfc_out other = cst(g, side ? vals(4, img, 1, 0.5) : vals(4, filt, 0.5, 0.1));
        tfc_out y = node(g, "Conv2D", (tfc_out[]){side ? other : x, side ? w : other}, 2, 0);
        expect_close(g, side ? w : x, side ? vals(4, filt, 0.5, 0.2) : vals(4, img, 1, 0.3), y);
        tfc_graph_free(g);
    }
    static const char *ops[] = {"BiasAdd", "BiasAdd", "MaxPool", "AvgPool"};
    for (int k = 0; k < 4; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){4, {2, 5, 5, 3}});
        tfc_out y;
        if (k == 0) {
            y = node(g, "BiasAdd", (tfc_out[]){x, cst(g, vals(1, bias, 1, 0))}, 2, 0);
            expect_close(g, x, vals(4, img, 1, 0.7), y);
        } else if (k == 1) {
            tfc_out b = tfc_placeholder(g, "b", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
            y = node(g, "BiasAdd", (tfc_out[]){cst(g, vals(4, img, 1, 0)), b}, 2, 0);
            expect_close(g, b, vals(1, bias, 1, 0.9), y);
        } else {
            y = node(g, ops[k], &x, 1, 0);
            expect_close(g, x, vals(4, img, 1, 1.1), y);
        }
        tfc_graph_free(g);
    }
}

static void test_softmax_family_and_activations(void **state) {
    (void)state;
    static const char *unary[] = {"Softmax",  "LogSoftmax", "Relu6", "Elu",
                                  "Softplus", "Sigmoid",    "Tanh"};
    for (size_t k = 0; k < sizeof unary / sizeof unary[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {3, 4}});
        tfc_out y = node(g, unary[k], &x, 1, 0);
        /* Relu6 and Elu have kinks at 0 (and 6): the values here stay clear of them */
        expect_close(g, x, vals(2, mat, 2.0, 0.4), y);
        tfc_graph_free(g);
    }
    /* SoftmaxCrossEntropyWithLogits: loss w.r.t. logits and labels */
    for (int side = 0; side < 2; side++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {3, 4}});
        /* TF's backprop output (softmax - labels) is the gradient for labels that are a
         * distribution, so the logits side uses rows that sum to 1. */
        tfc_tensor *lab = vals(2, mat, 1, 0.6);
        double *l = tfc_tensor_data(lab);
        for (int r = 0; r < 3; r++) {
            double sum = 0;
            for (int k = 0; k < 4; k++) sum += (l[r * 4 + k] = fabs(l[r * 4 + k]) + 0.1);
            for (int k = 0; k < 4; k++) l[r * 4 + k] /= sum;
        }
        if (side) tfc_tensor_unref(lab);
        tfc_out other = cst(g, side ? vals(2, mat, 1, 0.2) : lab);
        tfc_out loss = node(g, "SoftmaxCrossEntropyWithLogits",
                            (tfc_out[]){side ? other : x, side ? x : other}, 2, 0);
        expect_close(g, x, vals(2, mat, 1, 0.8), loss);
        tfc_graph_free(g);
    }
    /* SparseSoftmaxCrossEntropyWithLogits: loss w.r.t. logits */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {3, 4}});
    tfc_tensor *labels;
    tfc_status st;
    TU_OK(tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {3}}, (int32_t[]){1, 3, 0}, 12,
                               &labels, &st));
    tfc_out loss =
        node(g, "SparseSoftmaxCrossEntropyWithLogits", (tfc_out[]){x, cst(g, labels)}, 2, 0);
    expect_close(g, x, vals(2, mat, 1, 0.8), loss);
    tfc_graph_free(g);
}

int tu_run_nn_gradients(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_conv_bias_pool),
        TU_TEST(test_softmax_family_and_activations),
    };
    return cmocka_run_group_tests_name("nn gradients", tests, NULL, NULL);
}
