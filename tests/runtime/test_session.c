/* Sessions: pruning, feeds (also of intermediate outputs), fetch of a fed value, control
 * dependencies, TF's messages for a missing feed and for a fed dtype or shape that does not match,
 * plan reuse that allocates nothing, results that later runs do not overwrite, the thread pool,
 * and the real addition_int32.pb TF wrote. */
#include <stdlib.h>
#include <time.h>

#include "runtime_tests.h"

static tfc_session *new_session(tfc_graph *g, int threads) {
    tfc_session *s = NULL;
    tfc_status st;
    tfc_session_opts o = {.num_threads = threads};
    if (tfc_session_new(g, &o, &s, &st) != TFC_OK) fail_msg("session: %s", st.msg);
    return s;
}

static float f0(const tfc_tensor *t) {
    return ((const float *)tfc_tensor_data_const(t))[0];
}

static void test_prune_and_feeds(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 0, NULL), y = tr_ph(g, "y", TFC_DT_FLOAT, 0, NULL);
    tfc_out a = tr_binary(g, "AddV2", "a", x, tr_const_float(g, "one", 1));
    tfc_out b = tr_binary(g, "Mul", "b", y, tr_const_float(g, "two", 2));
    tfc_out c = tr_binary(g, "Mul", "c", a, tr_const_float(g, "three", 3));
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s = new_session(g, 1);
    tfc_tensor *tx = tfc_tensor_scalar_float(4), *r[2] = {0};
    tfc_status st;
    /* y is not fed, but b is not needed: only a's inputs run. */
    tfc_feed f = {x, tx};
    TU_OK(tfc_session_run(s, &f, 1, &a, 1, r, NULL, 0, &st));
    assert_float_equal(f0(r[0]), 5, 0);
    tfc_tensor_unref(r[0]);
    /* b needs y. */
    assert_int_equal(tfc_session_run(s, &f, 1, (tfc_out[]){a, b}, 2, r, NULL, 0, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "You must feed a value for placeholder tensor 'y' with dtype float");
    assert_null(r[0]), assert_null(r[1]);
    /* Feeding an intermediate output cuts the graph: x is not needed. */
    tfc_tensor *ta = tfc_tensor_scalar_float(10);
    tfc_feed fa = {a, ta};
    TU_OK(tfc_session_run(s, &fa, 1, (tfc_out[]){c, a}, 2, r, NULL, 0, &st));
    assert_float_equal(f0(r[0]), 30, 0);
    assert_ptr_equal(r[1], ta); /* a fetched fed output is the fed value */
    tfc_tensor_unref(r[0]), tfc_tensor_unref(r[1]);
    /* The same output fed twice. */
    assert_int_equal(tfc_session_run(s, (tfc_feed[]){f, f}, 2, &a, 1, r, NULL, 0, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "'x:0' is fed twice");
    /* An output of another graph. */
    tfc_graph *g2 = tfc_graph_new();
    tfc_out other = tr_ph(g2, "z", TFC_DT_FLOAT, 0, NULL);
    other = tr_unary(g2, "Neg", NULL, other);
    other = tr_unary(g2, "Neg", NULL, other);
    other = tr_unary(g2, "Neg", NULL, other);
    other = tr_unary(g2, "Neg", NULL, other);
    other = tr_unary(g2, "Neg", NULL, other);
    assert_int_equal(tfc_session_run(s, NULL, 0, &other, 1, r, NULL, 0, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "fetch 0 is not an output of a node of this graph");
    tfc_graph_free(g2);
    tfc_tensor_unref(tx), tfc_tensor_unref(ta);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_feed_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){-1, 3});
    tfc_out y = tr_unary(g, "Relu", "y", x);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s = new_session(g, 1);
    tfc_tensor *r = NULL;
    tfc_status st;
    assert_int_equal(tfc_session_run(s, NULL, 0, &y, 1, &r, NULL, 0, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]");
    assert_null(r);
    tfc_tensor *bad_shape = tr_tensor(TFC_DT_FLOAT, 1, (int64_t[]){2});
    tfc_feed f = {x, bad_shape};
    assert_int_equal(tfc_session_run(s, &f, 1, &y, 1, &r, NULL, 0, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Cannot feed value of shape [2] for Tensor 'x:0', which has shape [?,3]");
    tfc_tensor *bad_type = tr_tensor(TFC_DT_INT32, 2, (int64_t[]){1, 3});
    f.value = bad_type;
    assert_int_equal(tfc_session_run(s, &f, 1, &y, 1, &r, NULL, 0, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Cannot feed value of dtype int32 for Tensor 'x:0', which has dtype float");
    tfc_tensor *good = tr_tensor(TFC_DT_FLOAT, 2, (int64_t[]){5, 3});
    f.value = good;
    TU_OK(tfc_session_run(s, &f, 1, &y, 1, &r, NULL, 0, &st));
    assert_int_equal(tfc_tensor_dim(r, 0), 5);
    tfc_tensor_unref(r);
    tfc_tensor_unref(bad_shape), tfc_tensor_unref(bad_type), tfc_tensor_unref(good);
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* x -> Square -> Reshape -> MatMul(w) -> AddV2(bias) -> Relu; run with 4 threads. */
typedef struct net {
    tfc_graph *g;
    tfc_out x, out;
} net;

static net make_net(void) {
    net n = {.g = tfc_graph_new()};
    tfc_graph *g = n.g;
    n.x = tr_ph(g, "x", TFC_DT_FLOAT, 2, (int64_t[]){-1, 8});
    tfc_out sq = tr_unary(g, "Square", NULL, n.x);
    int32_t dims[2] = {-1, 4};
    tfc_tensor *dt = tr_tensor(TFC_DT_INT32, 1, (int64_t[]){2});
    memcpy(tfc_tensor_data(dt), dims, sizeof dims);
    tfc_out shape = tfc_const(g, "shape", dt);
    tfc_tensor_unref(dt);
    tfc_out r = tr_binary(g, "Reshape", NULL, sq, shape);
    float w[12], bias[3] = {0.5f, -1, 2};
    for (int i = 0; i < 12; i++) w[i] = (float)(i % 5) - 2;
    tfc_out mm = tr_binary(g, "MatMul", NULL, r, tr_const_floats(g, "w", 2, (int64_t[]){4, 3}, w));
    tfc_out add = tr_binary(g, "AddV2", NULL, mm, tr_const_floats(g, "b", 1, (int64_t[]){3}, bias));
    n.out = tr_unary(g, "Relu", NULL, add);
    TU_OK(tfc_graph_status(g, NULL));
    return n;
}

static void test_plan_reuse_allocates_nothing(void **state) {
    (void)state;
    net n = make_net();
    tfc_session *s = new_session(n.g, 4);
    tfc_tensor *x = tr_tensor(TFC_DT_FLOAT, 2, (int64_t[]){3, 8}), *r = NULL;
    uint64_t seed = 1;
    tr_fill(x, &seed);
    tfc_feed f = {n.x, x};
    tfc_status st;
    TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st)); /* warm-up: plans */
    tfc_tensor *first = r;
    float want[18];
    memcpy(want, tfc_tensor_data(first), sizeof want);
    /* A result still held is not overwritten: the next run writes a new buffer. */
    TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st));
    assert_ptr_not_equal(tfc_tensor_data(r), tfc_tensor_data(first));
    tr_fill(x, &seed);
    tfc_tensor_unref(r);
    TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st));
    assert_memory_equal(tfc_tensor_data(first), want, sizeof want);
    tfc_tensor_unref(first);
    tfc_tensor_unref(r);
    TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st));
    tfc_tensor_unref(r);
    int64_t before = tfc_alloc_total_count();
    for (int i = 0; i < 20; i++) {
        TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st));
        tfc_tensor_unref(r);
    }
    assert_int_equal(tfc_alloc_total_count() - before, 0);
    /* Another signature gets its own plan; switching back costs nothing either. */
    tfc_out mid = tfc_node_input(n.out.node, 0);
    tfc_tensor *r2[2];
    TU_OK(tfc_session_run(s, &f, 1, (tfc_out[]){mid, n.out}, 2, r2, NULL, 0, &st));
    assert_int_equal(tfc_tensor_dim(r2[0], 1), 3);
    tfc_tensor_unref(r2[0]), tfc_tensor_unref(r2[1]);
    before = tfc_alloc_total_count();
    TU_OK(tfc_session_run(s, &f, 1, &n.out, 1, &r, NULL, 0, &st));
    tfc_tensor_unref(r);
    assert_int_equal(tfc_alloc_total_count() - before, 0);
    tfc_tensor_unref(x);
    tfc_session_free(s);
    tfc_graph_free(n.g);
}

/* The 3-node graph of the overhead figure: x + y -> Neg. */
static void test_session_overhead(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 0, NULL);
    tfc_out y = tr_unary(g, "Neg", "y", tr_binary(g, "AddV2", "z", x, x));
    tfc_session *s = new_session(g, 1);
    tfc_tensor *tx = tfc_tensor_scalar_float(2), *r;
    tfc_feed f = {x, tx};
    tfc_status st;
    TU_OK(tfc_session_run(s, &f, 1, &y, 1, &r, NULL, 0, &st));
    assert_float_equal(f0(r), -4, 0);
    tfc_tensor_unref(r);
    int runs = 20000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < runs; i++) {
        tfc_session_run(s, &f, 1, &y, 1, &r, NULL, 0, &st);
        tfc_tensor_unref(r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / runs;
    printf("BENCH session_overhead %.2f us (3-node graph; this build's flags)\n", us);
    assert_true(us < 100); /* loose: sanitizers slow this build down several-fold */
    tfc_tensor_unref(tx);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_control_deps_and_targets(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 0, NULL);
    tfc_out neg = tr_unary(g, "Neg", "neg", x);
    tfc_node_builder *b = tfc_node_begin(g, "NoOp", "group");
    tfc_node_add_control_input(b, neg.node);
    tfc_node *group = tfc_node_finish(b);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s = new_session(g, 1);
    tfc_status st;
    /* The target needs neg through a control edge, so x must be fed. */
    assert_int_equal(tfc_session_run(s, NULL, 0, NULL, 0, NULL, &group, 1, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "placeholder tensor 'x'");
    tfc_tensor *tx = tfc_tensor_scalar_float(1);
    TU_OK(tfc_session_run(s, &(tfc_feed){x, tx}, 1, NULL, 0, NULL, &group, 1, &st));
    /* A control edge from a fed placeholder comes from the feed (TF's FeedInputs): the
     * placeholder does not run, so it does not fail for want of a value. */
    b = tfc_node_begin(g, "NoOp", "after_x");
    tfc_node_add_control_input(b, x.node);
    tfc_node *after_x = tfc_node_finish(b);
    TU_OK(tfc_graph_status(g, NULL));
    TU_OK(tfc_session_run(s, &(tfc_feed){x, tx}, 1, NULL, 0, NULL, &after_x, 1, &st));
    tfc_tensor_unref(tx);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_addition_int32_pb(void **state) {
    (void)state;
    size_t n;
    uint8_t *data = tu_read_file(tu_testdata("graph/addition_int32.pb"), &n);
    assert_non_null(data);
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    if (tfc_graph_import(g, data, n, NULL, &st)) fail_msg("%s", st.msg);
    free(data);
    tfc_session *s = new_session(g, 0);
    tfc_tensor *x = tfc_tensor_scalar_int32(2), *y = tfc_tensor_scalar_int32(3), *z = NULL;
    tfc_feed f[2] = {{tfc_graph_find_output(g, "x"), x}, {tfc_graph_find_output(g, "y"), y}};
    tfc_out fetch = tfc_graph_find_output(g, "z");
    TU_OK(tfc_session_run(s, f, 2, &fetch, 1, &z, NULL, 0, &st));
    assert_int_equal(tfc_tensor_dtype(z), TFC_DT_INT32);
    assert_int_equal(tfc_tensor_rank(z), 0);
    assert_int_equal(*(int32_t *)tfc_tensor_data(z), 5);
    tfc_tensor_unref(z);
    /* x is a scalar placeholder: a vector does not fit. */
    tfc_tensor *v = tr_tensor(TFC_DT_INT32, 1, (int64_t[]){2});
    f[0].value = v;
    assert_int_equal(tfc_session_run(s, f, 2, &fetch, 1, &z, NULL, 0, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Cannot feed value of shape [2] for Tensor 'x:0', which has shape []");
    /* Unless the session takes any shape, as `tfc graph run` does (TF's C++ Session). */
    tfc_session *loose = NULL;
    TU_OK(tfc_session_new(g, &(tfc_session_opts){.any_feed_shape = true}, &loose, &st));
    tfc_tensor *w = tr_tensor(TFC_DT_INT32, 1, (int64_t[]){2});
    ((int32_t *)tfc_tensor_data(w))[1] = 4;
    f[1].value = w;
    TU_OK(tfc_session_run(loose, f, 2, &fetch, 1, &z, NULL, 0, &st));
    assert_int_equal(((int32_t *)tfc_tensor_data(z))[1], 4);
    tfc_tensor_unref(z), tfc_tensor_unref(w);
    f[0].value = tfc_tensor_scalar_float(1); /* the dtype must still match */
    assert_int_equal(tfc_session_run(loose, f, 2, &fetch, 1, &z, NULL, 0, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Cannot feed value of dtype float for Tensor 'x:0'");
    tfc_tensor_unref((tfc_tensor *)f[0].value);
    tfc_session_free(loose);
    tfc_tensor_unref(v), tfc_tensor_unref(x), tfc_tensor_unref(y);
    tfc_session_free(s);
    tfc_graph_free(g);
}

int tr_run_session(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_prune_and_feeds),
        TU_TEST(test_feed_errors),
        TU_TEST(test_plan_reuse_allocates_nothing),
        TU_TEST(test_session_overhead),
        TU_TEST(test_control_deps_and_targets),
        TU_TEST(test_addition_int32_pb),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
