/* Batch normalization (moving statistics updated through UPDATE_OPS only in training, inference
 * on the moving statistics, the training flag, ranks other than 4) and dropout (identity at
 * inference, keep fraction and scaling in training, the flag, seeds). */
#include <math.h>

#include "layers_tests.h"

/* x [2, 1, 2, 2]: channel 0 holds 1, 2, 3, 4 (mean 2.5, variance 1.25, Bessel 5/3), channel 1
 * holds 2, 4, 6, 8 (mean 5, variance 5, Bessel 20/3). */
static const float bn_x[8] = {1, 2, 2, 4, 3, 6, 4, 8};
static const float bn_mean[2] = {2.5f, 5}, bn_var[2] = {1.25f, 5};
static const float bn_bessel[2] = {5.0f / 3, 20.0f / 3};
#define EPS 1e-3

static void normalized(const float *x, int n, const float *mean, const float *var, float *out) {
    for (int i = 0; i < n; i++) out[i] = (float)((x[i] - mean[i % 2]) / sqrt(var[i % 2] + EPS));
}

static void fetch_updates(tfc_graph *g, tfc_node **nodes) {
    tfc_out items[2];
    assert_int_equal(tfc_graph_get_collection(g, TFC_UPDATE_OPS, NULL, items, 2), 2);
    nodes[0] = items[0].node, nodes[1] = items[1].node;
}

static void test_bn_training_constant(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 1, 2, 2}});
    tfc_out y = tfc_layers_batch_normalization(L, x, &(tfc_batch_norm_opts){.training = TFC_TRUE});
    TL_GRAPH_OK(g);
    const char *all[] = {"batch_normalization/gamma", "batch_normalization/beta",
                         "batch_normalization/moving_mean", "batch_normalization/moving_variance"};
    tl_expect_collection(g, TFC_GLOBAL_VARIABLES, all, 4);
    tl_expect_collection(g, TFC_TRAINABLE_VARIABLES, all, 2);
    const char *updates[] = {"batch_normalization/AssignMovingAvg",
                             "batch_normalization/AssignMovingAvg_1"};
    tl_expect_collection(g, TFC_UPDATE_OPS, updates, 2);
    assert_string_equal(tfc_node_name(y.node), "batch_normalization/FusedBatchNormV3");
    tl_expect_node(g, "batch_normalization/gamma/Initializer/ones", "Const");
    /* TF's names inside the update: decay = sub/x - momentum, (moving - batch) is sub_1 */
    tl_expect_node(g, "batch_normalization/AssignMovingAvg", "AssignSub");
    tl_expect_node(g, "batch_normalization/AssignMovingAvg/sub/x", "Const");
    tl_expect_node(g, "batch_normalization/AssignMovingAvg/sub", "Sub");
    tl_expect_node(g, "batch_normalization/AssignMovingAvg/sub_1", "Sub");
    tl_expect_node(g, "batch_normalization/AssignMovingAvg_1/mul", "Mul");

    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tfc_tensor *xv = tl_floats(4, (int64_t[]){2, 1, 2, 2}, bn_x);
    tfc_feed f = {x, xv};
    float want[8];
    normalized(bn_x, 8, bn_mean, bn_var, want);
    tfc_tensor *r = tl_fetch(s, &f, 1, y);
    tl_expect_close(r, want, 8, 1e-5);
    tfc_tensor_unref(r);
    /* Fetching the output alone does not move the statistics; the update ops do. */
    r = tl_fetch(s, NULL, 0, tl_var(L, "batch_normalization/moving_mean").value);
    tl_expect_close(r, (float[]){0, 0}, 2, 0);
    tfc_tensor_unref(r);
    tfc_node *up[2];
    fetch_updates(g, up);
    tl_run_targets(s, &f, 1, up, 2);
    r = tl_fetch(s, NULL, 0, tl_var(L, "batch_normalization/moving_mean").value);
    tl_expect_close(r, (float[]){0.01f * bn_mean[0], 0.01f * bn_mean[1]}, 2, 1e-6);
    tfc_tensor_unref(r);
    r = tl_fetch(s, NULL, 0, tl_var(L, "batch_normalization/moving_variance").value);
    tl_expect_close(r, (float[]){1 - (1 - bn_bessel[0]) * 0.01f, 1 - (1 - bn_bessel[1]) * 0.01f}, 2,
                    1e-6);
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* Inference: no update ops, the moving statistics normalize, gamma and beta apply. */
static void test_bn_inference_constant(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 1, 2, 2}});
    tfc_out y = tfc_layers_batch_normalization(L, x, NULL); /* TF's default: training=False */
    TL_GRAPH_OK(g);
    assert_int_equal(tfc_graph_get_collection(g, TFC_UPDATE_OPS, NULL, NULL, 0), 0);
    tfc_tensor *mm = tl_floats(1, (int64_t[]){2}, (float[]){1, 2});
    tfc_tensor *mv = tl_floats(1, (int64_t[]){2}, (float[]){4, 9});
    tfc_tensor *ga = tl_floats(1, (int64_t[]){2}, (float[]){2, 3});
    tfc_tensor *be = tl_floats(1, (int64_t[]){2}, (float[]){1, -1});
    tfc_node *as[4] = {tl_assign(g, tl_var(L, "batch_normalization/moving_mean"), mm),
                       tl_assign(g, tl_var(L, "batch_normalization/moving_variance"), mv),
                       tl_assign(g, tl_var(L, "batch_normalization/gamma"), ga),
                       tl_assign(g, tl_var(L, "batch_normalization/beta"), be)};
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tl_run_targets(s, NULL, 0, as, 4);
    tfc_tensor *xv = tl_floats(4, (int64_t[]){2, 1, 2, 2}, bn_x);
    tfc_tensor *r = tl_fetch(s, &(tfc_feed){x, xv}, 1, y);
    float want[8];
    for (int i = 0; i < 8; i++) {
        int c = i % 2;
        want[i] =
            (float)((bn_x[i] - (c ? 2 : 1)) / sqrt((c ? 9 : 4) + EPS) * (c ? 3 : 2) + (c ? -1 : 1));
    }
    tl_expect_close(r, want, 8, 1e-5);
    tfc_tensor_unref(r), tfc_tensor_unref(xv);
    tfc_tensor_unref(mm), tfc_tensor_unref(mv), tfc_tensor_unref(ga), tfc_tensor_unref(be);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* A training flag: batch statistics and updates when true; moving statistics and updates that
 * change nothing when false. */
static void test_bn_training_flag(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 1, 2, 2}});
    tfc_out flag = tfc_placeholder(g, "training", TFC_DT_BOOL, &(tfc_shape){0, {0}});
    tfc_out y = tfc_layers_batch_normalization(
        L, x, &(tfc_batch_norm_opts){.training_flag = flag, .momentum = 0.5f});
    TL_GRAPH_OK(g);
    tfc_node *up[2];
    fetch_updates(g, up);
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    tfc_tensor *xv = tl_floats(4, (int64_t[]){2, 1, 2, 2}, bn_x), *yes = tl_bool(true),
               *no = tl_bool(false);
    tfc_feed train[2] = {{x, xv}, {flag, yes}}, infer[2] = {{x, xv}, {flag, no}};
    float want[8];
    normalized(bn_x, 8, bn_mean, bn_var, want);
    tfc_tensor *r = tl_fetch(s, train, 2, y);
    tl_expect_close(r, want, 8, 1e-5);
    tfc_tensor_unref(r);
    tl_run_targets(s, train, 2, up, 2);
    float m[2] = {0.5f * bn_mean[0], 0.5f * bn_mean[1]};
    float v[2] = {0.5f + 0.5f * bn_bessel[0], 0.5f + 0.5f * bn_bessel[1]};
    for (int k = 0; k < 3; k++) tl_run_targets(s, infer, 2, up, 2); /* no change */
    tfc_tensor *rm = tl_fetch(s, NULL, 0, tl_var(L, "batch_normalization/moving_mean").value);
    tfc_tensor *rv = tl_fetch(s, NULL, 0, tl_var(L, "batch_normalization/moving_variance").value);
    tl_expect_close(rm, m, 2, 1e-6);
    tl_expect_close(rv, v, 2, 1e-6);
    tfc_tensor_unref(rm), tfc_tensor_unref(rv);
    normalized(bn_x, 8, m, v, want);
    r = tl_fetch(s, infer, 2, y);
    tl_expect_close(r, want, 8, 1e-5);
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv), tfc_tensor_unref(yes), tfc_tensor_unref(no);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

/* Rank 2 (after a dense layer): the unfused path's biased variance feeds the moving variance;
 * center/scale off leave no gamma/beta; resource variables in a use_resource scope. */
static void test_bn_rank2_and_options(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 2}});
    tfc_layers_push_var_scope(L, "res", &(tfc_var_scope_opts){.use_resource = TFC_TRUE});
    tfc_out y = tfc_layers_batch_normalization(
        L, x,
        &(tfc_batch_norm_opts){.training = TFC_TRUE, .center = TFC_FALSE, .scale = TFC_FALSE});
    tfc_layers_pop_var_scope(L);
    TL_GRAPH_OK(g);
    assert_false(tfc_layers_find_variable(L, "res/batch_normalization/gamma", NULL));
    assert_false(tfc_layers_find_variable(L, "res/batch_normalization/beta", NULL));
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, NULL, 0), 0);
    tfc_var mv = tl_var(L, "res/batch_normalization/moving_variance");
    assert_string_equal(tfc_node_op(mv.ref.node), "VarHandleOp");
    tl_expect_node(g, "res/batch_normalization/AssignMovingAvg/AssignSubVariableOp",
                   "AssignSubVariableOp");
    assert_int_equal(tfc_out_shape(y)->rank, 2);
    assert_int_equal(tfc_out_shape(y)->dims[1], 2);
    tfc_node *up[2];
    fetch_updates(g, up);
    tfc_session *s = tl_session(g);
    tl_init(g, s);
    /* [4, 2]: the same per-channel values as the rank-4 case */
    tfc_tensor *xv = tl_floats(2, (int64_t[]){4, 2}, bn_x);
    tfc_feed f = {x, xv};
    float want[8];
    normalized(bn_x, 8, bn_mean, bn_var, want);
    tfc_tensor *r = tl_fetch(s, &f, 1, y);
    assert_int_equal(tfc_tensor_dim(r, 0), 4);
    tl_expect_close(r, want, 8, 1e-5);
    tfc_tensor_unref(r);
    tl_run_targets(s, &f, 1, up, 2);
    r = tl_fetch(s, NULL, 0, mv.value);
    tl_expect_close(r, (float[]){1 - (1 - bn_var[0]) * 0.01f, 1 - (1 - bn_var[1]) * 0.01f}, 2,
                    1e-6);
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

typedef struct keep_stats {
    double kept, mean;
    bool only_two_values;
} keep_stats;

static keep_stats keep_of(const tfc_tensor *t, double scale) {
    keep_stats k = {0, 0, true};
    int64_t n = tfc_tensor_num_elements(t);
    for (int64_t i = 0; i < n; i++) {
        float v = tl_data(t)[i];
        if (v != 0) k.kept++;
        if (v != 0 && fabs(v - scale) > 1e-6) k.only_two_values = false;
        k.mean += v;
    }
    k.kept /= (double)n, k.mean /= (double)n;
    return k;
}

static void test_dropout(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 1000}});
    tfc_out flag = tfc_placeholder(g, "training", TFC_DT_BOOL, &(tfc_shape){0, {0}});
    tfc_out train = tfc_layers_dropout(
        L, x, &(tfc_dropout_opts){.rate = 0.4f, .training = TFC_TRUE, .seed = 5});
    tfc_out infer = tfc_layers_dropout(L, x, &(tfc_dropout_opts){.rate = 0.4f});
    tfc_out zero =
        tfc_layers_dropout(L, x, &(tfc_dropout_opts){.rate = TFC_ZERO, .training = TFC_TRUE});
    /* The flag through pushed defaults; a call's constant overrides it. */
    tfc_layers_push_defaults(L, TFC_LAYER_DROPOUT, &(tfc_dropout_opts){.training_flag = flag});
    tfc_out switched = tfc_layers_dropout(L, x, NULL); /* rate 0.5 by default */
    tfc_out off = tfc_layers_dropout(L, x, &(tfc_dropout_opts){.training = TFC_FALSE});
    tfc_layers_pop_defaults(L);
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(train.node), "dropout/dropout/mul_1");
    assert_string_equal(tfc_node_name(infer.node), "dropout_1/Identity");
    assert_string_equal(tfc_node_op(zero.node), "Identity");
    assert_string_equal(tfc_node_name(switched.node), "dropout_3/Select");
    assert_string_equal(tfc_node_op(off.node), "Identity");
    const tfc_shape *ts = tfc_out_shape(train);
    assert_int_equal(ts->rank, 2);
    assert_int_equal(ts->dims[1], 1000);
    int64_t seed = 0, seed2 = 0;
    tfc_node *rnd = tfc_graph_find(g, "dropout/dropout/random_uniform/RandomUniform");
    TU_OK(tfc_node_attr_int(rnd, "seed", &seed, NULL));
    TU_OK(tfc_node_attr_int(rnd, "seed2", &seed2, NULL));
    assert_int_equal(seed, 87654321);
    assert_int_equal(seed2, 5);

    static float ones[100 * 1000];
    for (int i = 0; i < 100 * 1000; i++) ones[i] = 1;
    tfc_tensor *xv = tl_floats(2, (int64_t[]){100, 1000}, ones), *yes = tl_bool(true),
               *no = tl_bool(false);
    tfc_feed fx = {x, xv}, ftrain[2] = {{x, xv}, {flag, yes}}, finfer[2] = {{x, xv}, {flag, no}};
    tfc_session *s = tl_session(g);
    tfc_tensor *r1 = tl_fetch(s, &fx, 1, train), *r2 = tl_fetch(s, &fx, 1, train);
    keep_stats k = keep_of(r1, 1 / 0.6);
    assert_true(k.only_two_values);
    if (fabs(k.kept - 0.6) > 0.01) fail_msg("kept %.4f, want 0.6", k.kept);
    if (fabs(k.mean - 1) > 0.02) fail_msg("mean %.4f, want 1", k.mean);
    assert_false(tfc_tensor_equal(r1, r2)); /* a new mask each run */
    tfc_tensor_unref(r1), tfc_tensor_unref(r2);
    tfc_tensor *r = tl_fetch(s, &fx, 1, infer);
    assert_true(tfc_tensor_equal(r, xv));
    tfc_tensor_unref(r);
    r = tl_fetch(s, &fx, 1, zero);
    assert_true(tfc_tensor_equal(r, xv));
    tfc_tensor_unref(r);
    r = tl_fetch(s, ftrain, 2, switched);
    k = keep_of(r, 2);
    assert_true(k.only_two_values);
    if (fabs(k.kept - 0.5) > 0.01) fail_msg("kept %.4f, want 0.5", k.kept);
    tfc_tensor_unref(r);
    r = tl_fetch(s, finfer, 2, switched);
    assert_true(tfc_tensor_equal(r, xv));
    tfc_tensor_unref(r);
    tfc_tensor_unref(xv), tfc_tensor_unref(yes), tfc_tensor_unref(no);
    tfc_session_free(s);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

int tl_run_bn_dropout(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_bn_training_constant),
        TU_TEST(test_bn_inference_constant),
        TU_TEST(test_bn_training_flag),
        TU_TEST(test_bn_rank2_and_options),
        TU_TEST(test_dropout),
    };
    return cmocka_run_group_tests_name("layers_bn_dropout", tests, NULL, NULL);
}
