/* Initializers: statistics over large samples against TF's formulas (glorot bounds, the truncated
 * normal's range and stddev correction, he_normal's variance, fans of conv kernels), constants,
 * node names, and TF's seeds. */
#include <math.h>

#include "layers_tests.h"

typedef struct stats {
    double mean, var, min, max;
    int64_t n;
} stats;

static stats stats_of(const tfc_tensor *t) {
    stats s = {0, 0, INFINITY, -INFINITY, tfc_tensor_num_elements(t)};
    const float *v = tl_data(t);
    for (int64_t i = 0; i < s.n; i++) {
        s.mean += v[i];
        s.min = fmin(s.min, v[i]);
        s.max = fmax(s.max, v[i]);
    }
    s.mean /= (double)s.n;
    for (int64_t i = 0; i < s.n; i++) s.var += (v[i] - s.mean) * (v[i] - s.mean);
    s.var /= (double)s.n;
    return s;
}

/* Samples init over shape and returns its statistics. */
static stats sample(tfc_initializer init, int rank, const int64_t *dims) {
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_out v = tfc_layers_initial_value(L, &init, TFC_DT_FLOAT, &s);
    TL_GRAPH_OK(g);
    assert_true(tfc_shape_equal(tfc_out_shape(v), &s));
    tfc_session *sess = tl_session(g);
    tfc_tensor *t = tl_fetch(sess, NULL, 0, v);
    stats st = stats_of(t);
    tfc_tensor_unref(t);
    tfc_session_free(sess);
    tfc_layers_free(L);
    tfc_graph_free(g);
    return st;
}

static void expect_near(const char *what, double got, double want, double rel) {
    if (fabs(got - want) > rel * fabs(want))
        fail_msg("%s: %.6g, want %.6g (within %.1f%%)", what, got, want, rel * 100);
}

static void test_glorot_uniform(void **state) {
    (void)state;
    /* dense kernel [400, 300]: limit sqrt(6 / (fan_in + fan_out)) */
    stats s = sample((tfc_initializer){.kind = TFC_INIT_GLOROT_UNIFORM}, 2, (int64_t[]){400, 300});
    double limit = sqrt(6.0 / 700.0);
    assert_true(s.min >= -limit && s.max <= limit);
    assert_true(s.min < -0.99 * limit && s.max > 0.99 * limit);
    assert_true(fabs(s.mean) < 0.002);
    expect_near("glorot_uniform variance", s.var, limit * limit / 3, 0.03);
    /* conv kernel [5, 5, 32, 64]: fans multiplied by the receptive field, 800 and 1600 */
    s = sample((tfc_initializer){.kind = TFC_INIT_GLOROT_UNIFORM}, 4, (int64_t[]){5, 5, 32, 64});
    limit = sqrt(6.0 / 2400.0);
    assert_true(s.min >= -limit && s.max <= limit && s.max > 0.99 * limit);
    expect_near("conv glorot_uniform variance", s.var, 2.0 / 2400.0, 0.03);
}

static void test_normal_family(void **state) {
    (void)state;
    /* truncated_normal(mean 1, stddev 2): within 2 stddev; variance 0.7737 * stddev^2 */
    stats s = sample((tfc_initializer){.kind = TFC_INIT_TRUNCATED_NORMAL, .mean = 1, .stddev = 2},
                     1, (int64_t[]){200000});
    assert_true(s.min >= 1 - 4.0 && s.max <= 1 + 4.0);
    assert_true(s.min < -2.9 && s.max > 4.9);
    expect_near("truncated_normal mean", s.mean, 1, 0.01);
    expect_near("truncated_normal variance", s.var, 4 * 0.87962566103423978 * 0.87962566103423978,
                0.02);
    /* random_normal defaults: mean 0, stddev 1 */
    s = sample((tfc_initializer){.kind = TFC_INIT_RANDOM_NORMAL}, 2, (int64_t[]){400, 500});
    assert_true(fabs(s.mean) < 0.01);
    expect_near("random_normal variance", s.var, 1, 0.02);
    assert_true(s.max > 4); /* not truncated */
    /* he_normal [400, 300]: variance 2 / fan_in after the truncation correction */
    s = sample((tfc_initializer){.kind = TFC_INIT_HE_NORMAL}, 2, (int64_t[]){400, 300});
    double sd = sqrt(2.0 / 400.0) / 0.87962566103423978;
    assert_true(s.min >= -2 * sd && s.max <= 2 * sd);
    expect_near("he_normal variance", s.var, 2.0 / 400.0, 0.03);
    /* glorot_normal [300, 500]: variance 2 / (fan_in + fan_out) */
    s = sample((tfc_initializer){.kind = TFC_INIT_GLOROT_NORMAL}, 2, (int64_t[]){300, 500});
    expect_near("glorot_normal variance", s.var, 2.0 / 800.0, 0.03);
    /* variance_scaling(3, fan_out, untruncated_normal) on a conv kernel [3, 3, 16, 32]:
     * variance 3 / (9 * 32), not truncated */
    s = sample((tfc_initializer){.kind = TFC_INIT_VARIANCE_SCALING,
                                 .scale = 3,
                                 .mode = TFC_FAN_OUT,
                                 .distribution = TFC_DIST_UNTRUNCATED_NORMAL},
               4, (int64_t[]){3, 3, 16, 32 * 20});
    expect_near("variance_scaling untruncated variance", s.var, 3.0 / (9.0 * 640.0), 0.03);
    assert_true(s.max > 2.5 * sqrt(3.0 / (9.0 * 640.0)));
}

static void test_uniform_family(void **state) {
    (void)state;
    /* he_uniform [500, 200]: limit sqrt(6 / fan_in) */
    stats s = sample((tfc_initializer){.kind = TFC_INIT_HE_UNIFORM}, 2, (int64_t[]){500, 200});
    double limit = sqrt(6.0 / 500.0);
    assert_true(s.min >= -limit && s.max <= limit && s.max > 0.99 * limit);
    expect_near("he_uniform variance", s.var, 2.0 / 500.0, 0.03);
    /* random_uniform defaults [0, 1); explicit [-3, -1) */
    s = sample((tfc_initializer){.kind = TFC_INIT_RANDOM_UNIFORM}, 1, (int64_t[]){100000});
    assert_true(s.min >= 0 && s.max < 1);
    expect_near("random_uniform mean", s.mean, 0.5, 0.01);
    s = sample((tfc_initializer){.kind = TFC_INIT_RANDOM_UNIFORM, .minval = -3, .maxval = -1}, 1,
               (int64_t[]){100000});
    assert_true(s.min >= -3 && s.max < -1);
    expect_near("random_uniform [-3, -1) mean", s.mean, -2, 0.01);
    /* variance_scaling(fan_avg, uniform) of a vector [1000]: both fans 1000 */
    s = sample((tfc_initializer){.kind = TFC_INIT_VARIANCE_SCALING,
                                 .mode = TFC_FAN_AVG,
                                 .distribution = TFC_DIST_UNIFORM},
               1, (int64_t[]){100000});
    limit = sqrt(3.0 / 100000.0);
    assert_true(s.min >= -limit && s.max <= limit && s.max > 0.99 * limit);
}

static void test_constants(void **state) {
    (void)state;
    stats s = sample((tfc_initializer){.kind = TFC_INIT_ZEROS}, 2, (int64_t[]){40, 50});
    assert_true(s.min == 0 && s.max == 0);
    s = sample((tfc_initializer){.kind = TFC_INIT_ONES}, 1, (int64_t[]){7});
    assert_true(s.min == 1 && s.max == 1);
    s = sample((tfc_initializer){.kind = TFC_INIT_CONSTANT, .value = -2.5f}, 1, (int64_t[]){3000});
    assert_true(s.min == -2.5 && s.max == -2.5);
    s = sample((tfc_initializer){.kind = TFC_INIT_CONSTANT}, 1, (int64_t[]){3});
    assert_true(s.min == 0 && s.max == 0);

    /* Node kinds and names; integer dtypes for constants. */
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_shape big = tfc_shape_make(1, (int64_t[]){1000}),
              small = tfc_shape_make(1, (int64_t[]){999});
    tfc_out z =
        tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_ZEROS}, TFC_DT_FLOAT, &big);
    tfc_out o = tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_ONES}, TFC_DT_INT32,
                                         &small);
    tfc_out c = tfc_layers_initial_value(
        L, &(tfc_initializer){.kind = TFC_INIT_CONSTANT, .value = 7}, TFC_DT_INT64, &small);
    tfc_out u = tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_TRUNCATED_NORMAL},
                                         TFC_DT_DOUBLE, &small);
    TL_GRAPH_OK(g);
    assert_string_equal(tfc_node_name(z.node), "zeros");
    assert_string_equal(tfc_node_op(z.node), "Fill");
    tl_expect_node(g, "zeros/shape_as_tensor", "Const");
    tl_expect_node(g, "zeros/Const", "Const");
    assert_string_equal(tfc_node_name(o.node), "ones");
    assert_string_equal(tfc_node_op(o.node), "Const");
    assert_int_equal(tfc_out_dtype(o), TFC_DT_INT32);
    assert_string_equal(tfc_node_name(c.node), "Const");
    assert_int_equal(tfc_out_dtype(u), TFC_DT_DOUBLE);
    assert_string_equal(tfc_node_name(u.node), "truncated_normal");
    tl_expect_node(g, "truncated_normal/TruncatedNormal", "TruncatedNormal");
    tl_expect_node(g, "truncated_normal/mean", "Const");
    tl_expect_node(g, "truncated_normal/stddev", "Const");
    tl_expect_node(g, "truncated_normal/mul", "Mul");
    tfc_session *s2 = tl_session(g);
    tfc_tensor *t = tl_fetch(s2, NULL, 0, c);
    assert_int_equal(((const int64_t *)tfc_tensor_data_const(t))[998], 7);
    tfc_tensor_unref(t);
    tfc_session_free(s2);
    tfc_layers_free(L);
    tfc_graph_free(g);

    /* Errors: random kinds need floats; variance scaling needs a positive scale. */
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_RANDOM_NORMAL}, TFC_DT_INT32,
                             &small);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "dtype int32 is not supported by this initializer");
    tfc_layers_free(L);
    tfc_graph_free(g);
    g = tfc_graph_new();
    L = tfc_layers_new(g);
    tfc_layers_initial_value(
        L, &(tfc_initializer){.kind = TFC_INIT_VARIANCE_SCALING, .scale = TFC_ZERO}, TFC_DT_FLOAT,
        &small);
    TL_EXPECT_ERR(g, TFC_INVALID_ARGUMENT, "`scale` must be positive float, got 0");
    tfc_layers_free(L);
    tfc_graph_free(g);
}

static int64_t attr(tfc_node *n, const char *name) {
    int64_t v = -1;
    TU_OK(tfc_node_attr_int(n, name, &v, NULL));
    return v;
}

/* TF's random_seed.get_seed: (87654321, op seed) with only an op seed, (graph seed, op seed or
 * the node count) with a graph seed, (0, 0) with neither. Equal seeds draw equal values. */
static void test_seeds(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_layers *L = tfc_layers_new(g);
    tfc_shape s = tfc_shape_make(2, (int64_t[]){30, 20});
    tfc_initializer seeded = {.kind = TFC_INIT_GLOROT_UNIFORM, .seed = 42};
    tfc_out a = tfc_layers_initial_value(L, &seeded, TFC_DT_FLOAT, &s);
    tfc_out b = tfc_layers_initial_value(L, &seeded, TFC_DT_FLOAT, &s);
    tfc_out c = tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_GLOROT_UNIFORM},
                                         TFC_DT_FLOAT, &s);
    tfc_layers_set_random_seed(L, 7);
    int64_t before = tfc_graph_num_nodes(g);
    tfc_out d = tfc_layers_initial_value(L, &(tfc_initializer){.kind = TFC_INIT_HE_NORMAL},
                                         TFC_DT_FLOAT, &s);
    tfc_out e = tfc_layers_initial_value(L, &seeded, TFC_DT_FLOAT, &s);
    TL_GRAPH_OK(g);
    tfc_node *ra = tfc_graph_find(g, "random_uniform/RandomUniform");
    tfc_node *rc = tfc_graph_find(g, "random_uniform_2/RandomUniform");
    tfc_node *rd = tfc_graph_find(g, "truncated_normal/TruncatedNormal");
    tfc_node *re = tfc_graph_find(g, "random_uniform_3/RandomUniform");
    assert_non_null(ra), assert_non_null(rc), assert_non_null(rd), assert_non_null(re);
    assert_int_equal(attr(ra, "seed"), 87654321);
    assert_int_equal(attr(ra, "seed2"), 42);
    assert_int_equal(attr(rc, "seed"), 0);
    assert_int_equal(attr(rc, "seed2"), 0);
    assert_int_equal(attr(rd, "seed"), 7);
    /* the node count when the seeds were taken: after shape, mean and stddev */
    assert_int_equal(attr(rd, "seed2"), before + 3);
    assert_int_equal(attr(re, "seed"), 7);
    assert_int_equal(attr(re, "seed2"), 42);
    tfc_session *sess = tl_session(g);
    tfc_tensor *ta = tl_fetch(sess, NULL, 0, a), *tb = tl_fetch(sess, NULL, 0, b),
               *tc = tl_fetch(sess, NULL, 0, c), *te = tl_fetch(sess, NULL, 0, e);
    assert_true(tfc_tensor_equal(ta, tb));
    assert_false(tfc_tensor_equal(ta, tc));
    assert_false(tfc_tensor_equal(ta, te));
    tfc_tensor_unref(ta), tfc_tensor_unref(tb), tfc_tensor_unref(tc), tfc_tensor_unref(te);
    (void)d;
    tfc_session_free(sess);
    tfc_layers_free(L);
    tfc_graph_free(g);
}

int tl_run_init(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_glorot_uniform), TU_TEST(test_normal_family), TU_TEST(test_uniform_family),
        TU_TEST(test_constants),      TU_TEST(test_seeds),
    };
    return cmocka_run_group_tests_name("layers_init", tests, NULL, NULL);
}
