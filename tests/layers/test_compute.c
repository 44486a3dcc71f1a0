/* Layer outputs against hand computation: dense (rank 2 and 3), conv2d (SAME/VALID, strides,
 * dilation, against a direct loop), pooling, flatten and the activations. */
#include <math.h>

#include "layers_tests.h"

static void test_dense_values(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
    tfc_out y = tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 2, .activation = TFC_ACT_RELU});
    tfc_out x3 = tfc_placeholder(g, "x3", TFC_DT_FLOAT, &(tfc_shape){3, {-1, 2, 3}});
    tfc_out y3 =
        tfc_layers_dense(L, x3, &(tfc_dense_opts){.units = 2, .name = "dense", .reuse = TFC_REUSE});
    tfc_out lin = tfc_layers_dense(L, x, &(tfc_dense_opts){.units = 1, .use_bias = TFC_FALSE});
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(y.node), "dense/Relu");
    tl_expect_node(g, "dense/MatMul", "MatMul");
    tl_expect_node(g, "dense/BiasAdd", "BiasAdd");
    tl_expect_node(g, "dense_1/Tensordot/MatMul", "MatMul");
    /* TF's rule: the reusing layer entered name scope "dense_1", so the next new layer's ops go
     * in "dense_2/" while its variables take the free variable scope "dense_1". */
    assert_string_equal(tfc_node_name(lin.node), "dense_2/MatMul");
    assert_true(tfc_layers_find_variable(L, "dense_1/kernel", NULL));
    const tfc_shape *s3 = tfc_out_shape(y3);
    assert_int_equal(s3->rank, 3);
    assert_int_equal(s3->dims[1], 2);
    assert_int_equal(s3->dims[2], 2);

    tfc_tensor *k = tl_floats(2, (int64_t[]){3, 2}, (float[]){1, 0, 0, 1, 1, 1});
    tfc_tensor *bv = tl_floats(1, (int64_t[]){2}, (float[]){0.5f, -20});
    tfc_tensor *k2 = tl_floats(2, (int64_t[]){3, 1}, (float[]){1, -1, 2});
    tfc_node *assigns[3] = {tl_assign(g, tl_var(L, "dense/kernel"), k),
                            tl_assign(g, tl_var(L, "dense/bias"), bv),
                            tl_assign(g, tl_var(L, "dense_1/kernel"), k2)};
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tl_run_targets(s, NULL, 0, assigns, 3);
    tfc_tensor *xv = tl_floats(2, (int64_t[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    tfc_tensor *x3v = tl_floats(3, (int64_t[]){1, 2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    tfc_feed feeds[2] = {{x, xv}, {x3, x3v}};
    tfc_tensor *r = tl_fetch(s, feeds, 1, y);
    /* [[4, 5], [10, 11]] + [0.5, -20], relu */
    tl_expect_close(r, (float[]){4.5f, 0, 10.5f, 0}, 4, 1e-6);
    tfc_tensor_unref(r);
    r = tl_fetch(s, feeds + 1, 1, y3); /* the same kernel, no activation: [?, 2, 2] */
    tl_expect_close(r, (float[]){4.5f, -15, 10.5f, -9}, 4, 1e-6);
    assert_int_equal(tfc_tensor_dim(r, 1), 2);
    tfc_tensor_unref(r);
    r = tl_fetch(s, feeds, 1, lin);
    tl_expect_close(r, (float[]){5, 11}, 2, 1e-6);
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv), tfc_tensor_unref(x3v);
    tfc_tensor_unref(k), tfc_tensor_unref(bv), tfc_tensor_unref(k2);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* TF's output size and leading pad for one spatial dim. */
static void out_size(int64_t in, int64_t k, int64_t stride, int64_t dil, bool same, int64_t *out,
                     int64_t *pad) {
    int64_t ek = (k - 1) * dil + 1;
    if (same) {
        *out = (in + stride - 1) / stride;
        int64_t total = (*out - 1) * stride + ek - in;
        *pad = total > 0 ? total / 2 : 0;
    } else {
        *out = (in - ek + stride) / stride;
        *pad = 0;
    }
}

/* Direct NHWC convolution plus bias. */
static void reference_conv(const float *x, const int64_t xd[4], const float *k, const int64_t kd[4],
                           const float *bias, int64_t stride, int64_t dil, bool same, float *y,
                           int64_t *oh_out, int64_t *ow_out) {
    int64_t oh, ow, ph, pw;
    out_size(xd[1], kd[0], stride, dil, same, &oh, &ph);
    out_size(xd[2], kd[1], stride, dil, same, &ow, &pw);
    for (int64_t n = 0; n < xd[0]; n++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++)
                for (int64_t f = 0; f < kd[3]; f++) {
                    double acc = bias[f];
                    for (int64_t a = 0; a < kd[0]; a++)
                        for (int64_t b = 0; b < kd[1]; b++) {
                            int64_t r = i * stride + a * dil - ph, c = j * stride + b * dil - pw;
                            if (r < 0 || c < 0 || r >= xd[1] || c >= xd[2]) continue;
                            for (int64_t ch = 0; ch < xd[3]; ch++)
                                acc += (double)x[((n * xd[1] + r) * xd[2] + c) * xd[3] + ch] *
                                       k[((a * kd[1] + b) * kd[2] + ch) * kd[3] + f];
                        }
                    y[((n * oh + i) * ow + j) * kd[3] + f] = (float)acc;
                }
    *oh_out = oh, *ow_out = ow;
}

static void test_conv2d_values(void **state) {
    (void)state;
    /* The hand-worked case: 3x3 input 1..9, 2x2 kernel picking the diagonal, bias 1. */
    struct {
        tfc_padding pad;
        int64_t stride, dil;
        int n;
        float want[9];
    } small[] = {
        {TFC_VALID, 1, 1, 4, {7, 9, 13, 15}},
        {TFC_SAME, 1, 1, 9, {7, 9, 4, 13, 15, 7, 8, 9, 10}},
        {TFC_SAME, 2, 1, 4, {7, 4, 8, 10}},
        {TFC_VALID, 1, 2, 1, {11}},
    };
    for (size_t c = 0; c < sizeof small / sizeof small[0]; c++) {
        tfc_graph *g = tfc_graph_new();
        tfc_layers *L = tfc_layers_new(g);
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {1, 3, 3, 1}});
        tfc_out y = tfc_layers_conv2d(
            L, x,
            &(tfc_conv2d_opts){.filters = 1,
                               .kernel_size = {2},
                               .strides = {small[c].stride},
                               .dilation_rate = {small[c].dil},
                               .padding = small[c].pad,
                               .bias_initializer = {.kind = TFC_INIT_CONSTANT, .value = 1}});
        tfc_tensor *k = tl_floats(4, (int64_t[]){2, 2, 1, 1}, (float[]){1, 0, 0, 1});
        tfc_node *a = tl_assign(g, tl_var(L, "conv2d/kernel"), k);
        tfc_session *s = tl_session(g);
        tl_init(g, s);
        tl_run_targets(s, NULL, 0, &a, 1);
        tfc_tensor *xv =
            tl_floats(4, (int64_t[]){1, 3, 3, 1}, (float[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
        tfc_tensor *r = tl_fetch(s, &(tfc_feed){x, xv}, 1, y);
        tl_expect_close(r, small[c].want, small[c].n, 1e-5);
        assert_true(tfc_shape_equal(tfc_out_shape(y), tfc_tensor_shape(r)));
        tfc_tensor_unref(r), tfc_tensor_unref(xv), tfc_tensor_unref(k);
        tfc_session_free(s);
        tfc_layers_free(L);
        tfc_graph_free(g);
    }

    /* Random batches against the direct loop: channels, filters, odd sizes. */
    const int64_t xd[4] = {2, 7, 6, 3}, kd[4] = {3, 2, 3, 4};
    static float xs[2 * 7 * 6 * 3], ks[3 * 2 * 3 * 4], want[2 * 7 * 6 * 4];
    uint64_t seed = 12345;
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        xs[i] = (float)((seed = seed * 6364136223846793005u + 1442695040888963407u) >> 40) /
                    16777216.0f -
                0.5f;
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        ks[i] = (float)((seed = seed * 6364136223846793005u + 1442695040888963407u) >> 40) /
                    16777216.0f -
                0.5f;
    float bias[4] = {0.1f, -0.2f, 0.3f, 0};
    struct {
        tfc_padding pad;
        int64_t stride, dil;
    } cases[] = {
        {TFC_SAME, 1, 1}, {TFC_VALID, 1, 1}, {TFC_SAME, 2, 1}, {TFC_VALID, 2, 1}, {TFC_SAME, 1, 2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tfc_graph *g = tfc_graph_new();
        tfc_layers *L = tfc_layers_new(g);
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 7, 6, 3}});
        tfc_out y = tfc_layers_conv2d(L, x,
                                      &(tfc_conv2d_opts){.filters = 4,
                                                         .kernel_size = {3, 2},
                                                         .strides = {cases[c].stride},
                                                         .dilation_rate = {cases[c].dil},
                                                         .padding = cases[c].pad,
                                                         .activation = TFC_ACT_NONE});
        tfc_tensor *kt = tl_floats(4, kd, ks), *bt = tl_floats(1, (int64_t[]){4}, bias);
        tfc_node *as[2] = {tl_assign(g, tl_var(L, "conv2d/kernel"), kt),
                           tl_assign(g, tl_var(L, "conv2d/bias"), bt)};
        tfc_session *s = tl_session(g);
        tl_init(g, s);
        tl_run_targets(s, NULL, 0, as, 2);
        tfc_tensor *xv = tl_floats(4, xd, xs);
        tfc_tensor *r = tl_fetch(s, &(tfc_feed){x, xv}, 1, y);
        int64_t oh, ow;
        reference_conv(xs, xd, ks, kd, bias, cases[c].stride, cases[c].dil,
                       cases[c].pad == TFC_SAME, want, &oh, &ow);
        assert_int_equal(tfc_tensor_dim(r, 1), oh);
        assert_int_equal(tfc_tensor_dim(r, 2), ow);
        assert_int_equal(tfc_out_shape(y)->dims[1], oh);
        tl_expect_close(r, want, 2 * oh * ow * 4, 1e-5);
        tfc_tensor_unref(r), tfc_tensor_unref(xv), tfc_tensor_unref(kt), tfc_tensor_unref(bt);
        tfc_session_free(s);
        tfc_layers_free(L);
        tfc_graph_free(g);
    }
}

static void test_pooling_and_flatten(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 4, 4, 1}});
    tfc_out x3 = tfc_placeholder(g, "x3", TFC_DT_FLOAT, &(tfc_shape){4, {1, 3, 3, 1}});
    tfc_pool2d_opts p2 = {.pool_size = {2}};
    tfc_out mx = tfc_layers_max_pooling2d(L, x, &p2);
    tfc_out av = tfc_layers_average_pooling2d(L, x, &p2);
    tfc_pool2d_opts same = {.pool_size = {2}, .strides = {2}, .padding = TFC_SAME};
    tfc_out mx3 = tfc_layers_max_pooling2d(L, x3, &same);
    tfc_out av3 = tfc_layers_average_pooling2d(L, x3, &same);
    tfc_out f = tfc_layers_flatten(L, mx, NULL);
    tfc_out u = tfc_placeholder(g, "u", TFC_DT_FLOAT, &(tfc_shape){3, {-1, -1, 2}});
    tfc_out fu = tfc_layers_flatten(L, u, "flat");
    tfc_out k = tfc_placeholder(g, "k", TFC_DT_FLOAT, &(tfc_shape){3, {2, -1, 2}});
    tfc_out fk = tfc_layers_flatten(L, k, NULL);
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(mx.node), "max_pooling2d/MaxPool");
    assert_string_equal(tfc_node_name(av.node), "average_pooling2d/AvgPool");
    assert_string_equal(tfc_node_name(mx3.node), "max_pooling2d_1/MaxPool");
    assert_string_equal(tfc_node_name(f.node), "flatten/Reshape");
    assert_string_equal(tfc_node_name(fu.node), "flat/Reshape");
    assert_string_equal(tfc_node_name(fk.node), "flatten_1/Reshape");
    assert_int_equal(tfc_out_shape(f)->rank, 2);
    assert_int_equal(tfc_out_shape(f)->dims[1], 4);
    assert_int_equal(tfc_out_shape(fk)->dims[0], 2);

    tfc_session *s = tl_session(g);
    float v16[16], v12[12];
    for (int i = 0; i < 16; i++) v16[i] = (float)(i + 1);
    for (int i = 0; i < 12; i++) v12[i] = (float)i;
    tfc_tensor *xv = tl_floats(4, (int64_t[]){1, 4, 4, 1}, v16);
    tfc_tensor *x3v = tl_floats(4, (int64_t[]){1, 3, 3, 1}, v16);
    tfc_tensor *uv = tl_floats(3, (int64_t[]){3, 2, 2}, v12);
    tfc_tensor *kv = tl_floats(3, (int64_t[]){2, 3, 2}, v12);
    tfc_feed fx = {x, xv}, fx3 = {x3, x3v}, fuv = {u, uv}, fkv = {k, kv};
    tfc_tensor *r = tl_fetch(s, &fx, 1, mx);
    tl_expect_close(r, (float[]){6, 8, 14, 16}, 4, 0);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fx, 1, av);
    tl_expect_close(r, (float[]){3.5f, 5.5f, 11.5f, 13.5f}, 4, 1e-6);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fx3, 1, mx3);
    tl_expect_close(r, (float[]){5, 6, 8, 9}, 4, 0);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fx3, 1, av3); /* TF's average leaves the padding out */
    tl_expect_close(r, (float[]){3, 4.5f, 7.5f, 9}, 4, 1e-6);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fx, 1, f);
    assert_int_equal(tfc_tensor_dim(r, 0), 1);
    tl_expect_close(r, (float[]){6, 8, 14, 16}, 4, 0);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fuv, 1, fu); /* run-time shape [3, 4] */
    assert_int_equal(tfc_tensor_dim(r, 0), 3);
    assert_int_equal(tfc_tensor_dim(r, 1), 4);
    tl_expect_close(r, v12, 12, 0);
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fkv, 1, fk);
    assert_int_equal(tfc_tensor_dim(r, 1), 6);
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv), tfc_tensor_unref(x3v), tfc_tensor_unref(uv), tfc_tensor_unref(kv);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static void test_activations(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){1, {4}});
    const float in[4] = {-2, -0.5f, 0.5f, 7};
    struct {
        tfc_activation act;
        const char *op;
        double (*f)(double);
    } acts[] = {{TFC_ACT_RELU, "Relu", NULL}, {TFC_ACT_RELU6, "Relu6", NULL},
                {TFC_ACT_ELU, "Elu", NULL},   {TFC_ACT_SIGMOID, "Sigmoid", NULL},
                {TFC_ACT_TANH, "Tanh", tanh}, {TFC_ACT_SOFTPLUS, "Softplus", NULL}};
    tfc_out outs[6];
    for (int i = 0; i < 6; i++) {
        outs[i] = tfc_layers_activation(L, acts[i].act, x);
        assert_string_equal(tfc_node_op(outs[i].node), acts[i].op);
    }
    assert_ptr_equal(tfc_layers_activation(L, TFC_ACT_NONE, x).node, x.node);
    TL_GRAPH_OK(g);
    tfc_session *s = tl_session(g);
    tfc_tensor *xv = tl_floats(1, (int64_t[]){4}, in);
    for (int i = 0; i < 6; i++) {
        float want[4];
        for (int j = 0; j < 4; j++) {
            double v = in[j];
            switch (acts[i].act) {
            case TFC_ACT_RELU:
                v = v > 0 ? v : 0;
                break;
            case TFC_ACT_RELU6:
                v = v < 0 ? 0 : v > 6 ? 6 : v;
                break;
            case TFC_ACT_ELU:
                v = v > 0 ? v : expm1(v);
                break;
            case TFC_ACT_SIGMOID:
                v = 1 / (1 + exp(-v));
                break;
            case TFC_ACT_SOFTPLUS:
                v = log1p(exp(v));
                break;
            default:
                v = acts[i].f(v);
            }
            want[j] = (float)v;
        }
        tfc_tensor *r = tl_fetch(s, &(tfc_feed){x, xv}, 1, outs[i]);
        tl_expect_close(r, want, 4, 1e-5);
        tfc_tensor_unref(r);
    }
    tfc_tensor_unref(xv);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

int tl_run_compute(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_dense_values),
        TU_TEST(test_conv2d_values),
        TU_TEST(test_pooling_and_flatten),
        TU_TEST(test_activations),
    };
    return cmocka_run_group_tests_name("layers_compute", tests, NULL, NULL);
}
