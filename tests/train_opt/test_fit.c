/* Models that must fit, built by hand from MatMul, BiasAdd and variables: a linear regression
 * (y = 3x + 2 + noise) with GradientDescent and Adam, and a 2-8-1 tanh/sigmoid MLP learning XOR
 * to 100% accuracy (Adam on ref variables, RMSProp on resource variables). */
#include "opt_tests.h"

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Uniform in [-1, 1). */
static double uniform(uint64_t *s) {
    return (double)(lcg(s) % 1000000) / 500000.0 - 1.0;
}

static tfc_out mean_all(tfc_graph *g, tfc_out x) {
    tfc_out axes = to_const(g, "axes", TFC_DT_INT32, 1, (int64_t[]){2}, (double[]){0, 1});
    return to_op2(g, "Mean", x, axes);
}

static tfc_var matrix_var(tfc_graph *g, const char *name, int64_t r, int64_t c, const double *v,
                          bool resource) {
    char init[64];
    snprintf(init, sizeof init, "%s_init", name);
    tfc_out i = to_const(g, init, TFC_DT_FLOAT, 2, (int64_t[]){r, c}, v);
    return resource ? tfc_resource_variable(g, name, i, true) : tfc_variable(g, name, i, true);
}

static void linear_regression(const tfc_optimizer_opts *o, int steps) {
    enum { NPTS = 200 };
    double xs[NPTS], ys[NPTS];
    uint64_t seed = 42;
    for (int i = 0; i < NPTS; i++) {
        xs[i] = uniform(&seed);
        ys[i] = 3 * xs[i] + 2 + 0.05 * uniform(&seed);
    }
    tfc_graph *g = tfc_graph_new();
    tfc_out x = to_const(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){NPTS, 1}, xs);
    tfc_out y = to_const(g, "y", TFC_DT_FLOAT, 2, (int64_t[]){NPTS, 1}, ys);
    tfc_var w = matrix_var(g, "w", 1, 1, (double[]){0}, false);
    tfc_var b = to_var(g, "b", TFC_DT_FLOAT, 1, (double[]){0}, false, true);
    tfc_out pred = to_op2(g, "BiasAdd", to_op2(g, "MatMul", x, w.value), b.value);
    tfc_out loss = mean_all(g, to_op1(g, "Square", to_op2(g, "Sub", pred, y)));
    tfc_var step = tfc_train_get_or_create_global_step(g);
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(g, o, loss, &step, NULL, 0, &train, &st));
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 2);
    to_run(s, init);
    for (int i = 0; i < steps; i++) to_run(s, train);
    tfc_tensor *wt = to_fetch(s, w.value), *bt = to_fetch(s, b.value), *lt = to_fetch(s, loss);
    tfc_tensor *gs = to_fetch(s, step.value);
    const char *name = tfc_optimizer_kind_name(o->kind);
    if (fabs(tu_at(wt, 0) - 3) > 0.02 || fabs(tu_at(bt, 0) - 2) > 0.02)
        fail_msg("%s: w = %g, b = %g after %d steps (want 3, 2)", name, tu_at(wt, 0), tu_at(bt, 0),
                 steps);
    /* the noise is uniform in [-0.05, 0.05): variance 0.05^2 / 3 */
    if (tu_at(lt, 0) > 1.2 * 0.05 * 0.05 / 3) fail_msg("%s: loss %g", name, tu_at(lt, 0));
    assert_int_equal((int64_t)tu_at(gs, 0), steps);
    tfc_tensor_unref(wt), tfc_tensor_unref(bt), tfc_tensor_unref(lt), tfc_tensor_unref(gs);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_linear_regression(void **state) {
    (void)state;
    linear_regression(
        &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.5}, 300);
    linear_regression(&(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 0.05},
                      1000);
}

static void xor_mlp(const tfc_optimizer_opts *o, bool resource, int steps) {
    uint64_t seed = 7;
    double w1[16], w2[8], zeros[8] = {0};
    /* Glorot uniform: limit sqrt(6 / (fan_in + fan_out)) */
    for (int i = 0; i < 16; i++) w1[i] = uniform(&seed) * sqrt(6.0 / 10);
    for (int i = 0; i < 8; i++) w2[i] = uniform(&seed) * sqrt(6.0 / 9);
    tfc_graph *g = tfc_graph_new();
    tfc_out x =
        to_const(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){4, 2}, (double[]){0, 0, 0, 1, 1, 0, 1, 1});
    const double labels[4] = {0, 1, 1, 0};
    tfc_out y = to_const(g, "y", TFC_DT_FLOAT, 2, (int64_t[]){4, 1}, labels);
    tfc_var W1 = matrix_var(g, "hidden/kernel", 2, 8, w1, resource);
    tfc_var b1 = to_var(g, "hidden/bias", TFC_DT_FLOAT, 8, zeros, resource, true);
    tfc_var W2 = matrix_var(g, "out/kernel", 8, 1, w2, resource);
    tfc_var b2 = to_var(g, "out/bias", TFC_DT_FLOAT, 1, zeros, resource, true);
    tfc_out h = to_op1(g, "Tanh", to_op2(g, "BiasAdd", to_op2(g, "MatMul", x, W1.value), b1.value));
    tfc_out p =
        to_op1(g, "Sigmoid", to_op2(g, "BiasAdd", to_op2(g, "MatMul", h, W2.value), b2.value));
    tfc_out loss = mean_all(g, to_op1(g, "Square", to_op2(g, "Sub", p, y)));
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(g, o, loss, NULL, NULL, 0, &train, &st));
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    for (int i = 0; i < steps; i++) to_run(s, train);
    /* A training step allocates nothing once the plan has run (the session's promise). */
    int64_t before = tfc_alloc_total_count();
    for (int i = 0; i < 5; i++) to_run(s, train);
    assert_int_equal(tfc_alloc_total_count() - before, 0);
    tfc_tensor *pt = to_fetch(s, p), *lt = to_fetch(s, loss);
    int right = 0;
    for (int i = 0; i < 4; i++) right += (tu_at(pt, i) > 0.5) == (labels[i] > 0.5);
    if (right != 4 || tu_at(lt, 0) > 0.02)
        fail_msg("%s: %d of 4 right, loss %g, p = [%g %g %g %g]", tfc_optimizer_kind_name(o->kind),
                 right, tu_at(lt, 0), tu_at(pt, 0), tu_at(pt, 1), tu_at(pt, 2), tu_at(pt, 3));
    tfc_tensor_unref(pt), tfc_tensor_unref(lt);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_xor_mlp(void **state) {
    (void)state;
    xor_mlp(&(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 0.05}, false, 1000);
    xor_mlp(&(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_RMSPROP, .learning_rate = 0.01}, true,
            1000);
}

int to_run_fit(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_linear_regression),
        TU_TEST(test_xor_mlp),
    };
    return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
