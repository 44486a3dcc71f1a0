/* Plan optimizations. Epilogue fusion in session plans: Conv2D -> BiasAdd (-> Relu) runs as one
 * step when nothing else reads the intermediate values, gives exactly the unfused values (NaN kept
 * by Relu), falls back where an intermediate value is fetched, and reports a bad bias with
 * BiasAdd's message. Which kernels ran is seen through the test trace hook. A Select whose
 * condition is a PlaceholderWithDefault left at its Const default runs only the branch it picks. */
#include <math.h>
#include <stdlib.h>

#include "base/trace.h"
#include "runtime_tests.h"

static int n_bias_add, n_relu, n_neg, n_square, n_relu_grad;
static void (*saved)(tfc__trace_kind kind, const char *op);

static void count_trace(tfc__trace_kind kind, const char *op) {
    if (kind == TFC_TRACE_KERNEL && !strcmp(op, "BiasAdd")) n_bias_add++;
    if (kind == TFC_TRACE_KERNEL && !strcmp(op, "Relu")) n_relu++;
    if (kind == TFC_TRACE_KERNEL && !strcmp(op, "Neg")) n_neg++;
    if (kind == TFC_TRACE_KERNEL && !strcmp(op, "ReluGrad")) n_relu_grad++;
    if (kind == TFC_TRACE_KERNEL && !strcmp(op, "Square")) n_square++;
    if (saved) saved(kind, op);
}

/* The kernel counter wraps whatever trace hook the test harness installed. */
static void counting_on(void) {
    saved = tfc__trace;
    tfc__trace = count_trace;
}

static void counting_off(void) {
    tfc__trace = saved;
}

static tfc_tensor *bool_scalar(bool v) {
    tfc_tensor *t;
    TU_OK(tfc_tensor_new(TFC_DT_BOOL, &(tfc_shape){0, {0}}, &t, NULL));
    *(bool *)tfc_tensor_data(t) = v;
    return t;
}

/* Conv2D "conv": stride 1, SAME. */
static tfc_out conv_same(tfc_graph *g, tfc_out x, tfc_out f) {
    tfc_node_builder *b = tfc_node_begin(g, "Conv2D", "conv");
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, f);
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 1, 1, 1}, 4);
    tfc_node_set_attr_string(b, "padding", "SAME", 4);
    return tfc_node_output(tfc_node_finish(b), 0);
}

typedef struct net {
    tfc_graph *g;
    tfc_out x, bias, filter, conv, biased, relu;
} net;

static net build(tfc_dtype dt) {
    net n = {.g = tfc_graph_new()};
    n.x = tr_ph(n.g, "x", dt, 4, (int64_t[]){2, 5, 6, 3});
    n.bias = tr_ph(n.g, "b", dt, 1, (int64_t[]){-1});
    n.filter = tr_ph(n.g, "f", dt, 4, (int64_t[]){3, 3, 3, 20});
    n.conv = conv_same(n.g, n.x, n.filter);
    n.biased = tr_binary(n.g, "BiasAdd", "biased", n.conv, n.bias);
    n.relu = tr_unary(n.g, "Relu", "relu", n.biased);
    TU_OK(tfc_graph_status(n.g, NULL));
    return n;
}

/* Runs the net's fetches with fixed inputs (a NaN in x when dt is float); counts the BiasAdd and
 * Relu kernels that ran. */
static void run(const net *n, tfc_session *s, tfc_dtype dt, int64_t bias_len, const tfc_out *fx,
                int nx, tfc_tensor **out, tfc_status *st) {
    uint64_t seed = 3;
    tfc_tensor *x = tr_tensor(dt, 4, (int64_t[]){2, 5, 6, 3}),
               *f = tr_tensor(dt, 4, (int64_t[]){3, 3, 3, 20}),
               *b = tr_tensor(dt, 1, (int64_t[]){bias_len});
    tr_fill(x, &seed), tr_fill(f, &seed), tr_fill(b, &seed);
    if (dt == TFC_DT_FLOAT) ((float *)tfc_tensor_data(x))[40] = NAN;
    tfc_feed feeds[3] = {{n->x, x}, {n->bias, b}, {n->filter, f}};
    n_bias_add = n_relu = 0;
    tfc_session_run(s, feeds, 3, fx, nx, out, NULL, 0, st);
    tfc_tensor_unref(x), tfc_tensor_unref(f), tfc_tensor_unref(b);
}

static void assert_same(const tfc_tensor *got, const double *want, int64_t count) {
    assert_int_equal(tfc_tensor_num_elements(got), count);
    for (int64_t i = 0; i < count; i++) {
        double g = tu_at(got, i);
        if (!(g == want[i] || (isnan(g) && isnan(want[i]))))
            fail_msg("element %lld: %.9g, want %.9g", (long long)i, g, want[i]);
    }
}

static void check_dtype(tfc_dtype dt) {
    net n = build(dt);
    tfc_session *s;
    tfc_status st;
    TU_OK(tfc_session_new(n.g, &(tfc_session_opts){.num_threads = 2}, &s, &st));
    /* Unfused: the conv itself is fetched. */
    tfc_tensor *r[3];
    run(&n, s, dt, 20, (tfc_out[]){n.conv, n.biased, n.relu}, 3, r, &st);
    TU_OK(st.code);
    assert_int_equal(n_bias_add, 1), assert_int_equal(n_relu, 1);
    int64_t cnt = tfc_tensor_num_elements(r[0]);
    double *biased = calloc((size_t)cnt, sizeof *biased), *relu = calloc((size_t)cnt, sizeof *relu);
    for (int64_t i = 0; i < cnt; i++) biased[i] = tu_at(r[1], i), relu[i] = tu_at(r[2], i);
    assert_same(r[2], relu, cnt);
    int nans = 0;
    for (int64_t i = 0; i < cnt; i++) nans += isnan(relu[i]);
    assert_true(dt != TFC_DT_FLOAT || nans > 0); /* the NaN reached the Relu */
    for (int k = 0; k < 3; k++) tfc_tensor_unref(r[k]);
    /* Relu alone fetched: all three in one step, the same values. */
    run(&n, s, dt, 20, &n.relu, 1, r, &st);
    TU_OK(st.code);
    assert_int_equal(n_bias_add, 0), assert_int_equal(n_relu, 0);
    assert_same(r[0], relu, cnt);
    tfc_tensor_unref(r[0]);
    /* BiasAdd's value fetched too: the bias is fused, the Relu runs on the fused value. */
    run(&n, s, dt, 20, (tfc_out[]){n.biased, n.relu}, 2, r, &st);
    TU_OK(st.code);
    assert_int_equal(n_bias_add, 0), assert_int_equal(n_relu, 1);
    assert_same(r[0], biased, cnt), assert_same(r[1], relu, cnt);
    tfc_tensor_unref(r[0]), tfc_tensor_unref(r[1]);
    /* A bias of the wrong length: BiasAdd's complaint, and the next run is fine. */
    run(&n, s, dt, 7, &n.relu, 1, r, &st);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Must provide as many biases as the last dimension");
    run(&n, s, dt, 20, &n.relu, 1, r, &st);
    TU_OK(st.code);
    assert_same(r[0], relu, cnt);
    tfc_tensor_unref(r[0]);
    free(biased), free(relu);
    tfc_session_free(s);
    tfc_graph_free(n.g);
}

static void test_conv_bias_relu(void **state) {
    (void)state;
    counting_on();
    check_dtype(TFC_DT_FLOAT);
    check_dtype(TFC_DT_DOUBLE);
    counting_off();
}

/* Edge shapes of the fused epilogue: with no input channels the conv is an empty sum and the
 * fused BiasAdd + Relu still give relu(bias) everywhere; with an empty batch a bias of the wrong
 * length is still BiasAdd's error. Fused and unfused (the conv fetched too) agree. */
static void test_conv_bias_relu_empty(void **state) {
    (void)state;
    counting_on();
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 4, (int64_t[]){-1, 2, 3, -1});
    tfc_out f = tr_ph(g, "f", TFC_DT_FLOAT, 4, (int64_t[]){1, 1, -1, 4});
    tfc_out b = tr_ph(g, "b", TFC_DT_FLOAT, 1, (int64_t[]){-1});
    tfc_out conv = conv_same(g, x, f);
    tfc_out relu = tr_unary(g, "Relu", "relu", tr_binary(g, "BiasAdd", "biased", conv, b));
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s;
    tfc_status st;
    TU_OK(tfc_session_new(g, &(tfc_session_opts){.num_threads = 2}, &s, &st));
    tfc_tensor *bias = tr_floats(1, (int64_t[]){4}, (float[]){1, -2, 3, NAN}),
               *bad = tr_floats(1, (int64_t[]){3}, (float[]){1, 2, 3});
    /* No input channels: y = relu(bias) at each of the 2 x 2 x 3 pixels. */
    tfc_tensor *x0 = tr_tensor(TFC_DT_FLOAT, 4, (int64_t[]){2, 2, 3, 0}),
               *f0 = tr_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 0, 4});
    for (int fused = 0; fused < 2; fused++) {
        tfc_feed feeds[3] = {{x, x0}, {f, f0}, {b, bias}};
        tfc_tensor *r[2];
        n_bias_add = 0;
        TU_OK(
            tfc_session_run(s, feeds, 3, (tfc_out[]){relu, conv}, fused ? 1 : 2, r, NULL, 0, &st));
        assert_int_equal(n_bias_add, !fused);
        double want[48];
        for (int i = 0; i < 48; i++) want[i] = (double[]){1, 0, 3, NAN}[i % 4];
        assert_same(r[0], want, 48);
        for (int k = 0; k < 2 - fused; k++) tfc_tensor_unref(r[k]);
    }
    /* An empty batch with a bias of the wrong length. */
    tfc_tensor *xe = tr_tensor(TFC_DT_FLOAT, 4, (int64_t[]){0, 2, 3, 2}),
               *fe = tr_tensor(TFC_DT_FLOAT, 4, (int64_t[]){1, 1, 2, 4});
    for (int fused = 0; fused < 2; fused++) {
        tfc_feed feeds[3] = {{x, xe}, {f, fe}, {b, bad}};
        tfc_tensor *r[2] = {NULL, NULL};
        tfc_session_run(s, feeds, 3, (tfc_out[]){relu, conv}, fused ? 1 : 2, r, NULL, 0, &st);
        TR_EXPECT(st, TFC_INVALID_ARGUMENT, "Must provide as many biases");
    }
    tfc_tensor_unref(x0), tfc_tensor_unref(f0), tfc_tensor_unref(xe), tfc_tensor_unref(fe);
    tfc_tensor_unref(bias), tfc_tensor_unref(bad);
    tfc_session_free(s);
    tfc_graph_free(g);
    counting_off();
}

/* Select(PlaceholderWithDefault(Const), a, b) with the switch not fed runs only the branch the
 * default picks (the other's kernels never run), and both when the switch is fed. */
static void test_known_select(void **state) {
    (void)state;
    counting_on();
    for (int dflt = 0; dflt < 2; dflt++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 1, (int64_t[]){3});
        tfc_tensor *dv = bool_scalar(dflt);
        tfc_out d = tfc_const(g, "default", dv);
        tfc_node_builder *pb = tfc_node_begin(g, "PlaceholderWithDefault", "training");
        tfc_node_add_input(pb, d);
        tfc_node_set_attr_shape(pb, "shape", &(tfc_shape){0, {0}});
        tfc_out flag = tfc_node_output(tfc_node_finish(pb), 0);
        tfc_node_builder *nb = tfc_node_begin(g, "Select", "pick");
        tfc_node_add_input(nb, flag);
        tfc_node_add_input(nb, tr_unary(g, "Neg", "neg", x));
        tfc_node_add_input(nb, tr_unary(g, "Square", "square", x));
        tfc_out sel = tfc_node_output(tfc_node_finish(nb), 0);
        TU_OK(tfc_graph_status(g, NULL));
        tfc_session *s;
        tfc_status st;
        TU_OK(tfc_session_new(g, &(tfc_session_opts){.num_threads = 1}, &s, &st));
        tfc_tensor *tx = tr_floats(1, (int64_t[]){3}, (float[]){1, -2, 3}), *r;
        for (int fed = 0; fed < 3; fed++) { /* 0: default; 1: fed false; 2: fed true */
            tfc_tensor *fv = bool_scalar(fed == 2);
            tfc_feed f[2] = {{x, tx}, {flag, fv}};
            n_neg = n_square = 0;
            TU_OK(tfc_session_run(s, f, fed ? 2 : 1, &sel, 1, &r, NULL, 0, &st));
            bool pick_neg = fed ? fed == 2 : dflt;
            const float *v = tfc_tensor_data_const(r);
            assert_float_equal(v[1], pick_neg ? 2 : 4, 0);
            if (fed) /* fed: both branches, as Select needs */
                assert_int_equal(n_neg, 1), assert_int_equal(n_square, 1);
            else
                assert_int_equal(n_neg, pick_neg), assert_int_equal(n_square, !pick_neg);
            tfc_tensor_unref(r), tfc_tensor_unref(fv);
        }
        tfc_tensor_unref(tx), tfc_tensor_unref(dv);
        tfc_session_free(s);
        tfc_graph_free(g);
    }
    counting_off();
}

/* A Const default with a control input (made under a control-dependency scope): TF runs that
 * input whenever the Select runs, so the condition is not treated as known and the input runs. */
static void test_known_select_control_input(void **state) {
    (void)state;
    counting_on();
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tr_ph(g, "x", TFC_DT_FLOAT, 1, (int64_t[]){3});
    tfc_out side = tr_unary(g, "Neg", "side", x);
    tfc_tensor *dv = bool_scalar(true);
    tfc_node_builder *cb = tfc_node_begin(g, "Const", "default");
    tfc_node_set_attr_tensor(cb, "value", dv);
    tfc_node_set_attr_type(cb, "dtype", TFC_DT_BOOL);
    tfc_node_add_control_input(cb, side.node);
    tfc_out d = tfc_node_output(tfc_node_finish(cb), 0);
    tfc_node_builder *pb = tfc_node_begin(g, "PlaceholderWithDefault", "training");
    tfc_node_add_input(pb, d);
    tfc_node_set_attr_shape(pb, "shape", &(tfc_shape){0, {0}});
    tfc_out flag = tfc_node_output(tfc_node_finish(pb), 0);
    tfc_node_builder *nb = tfc_node_begin(g, "Select", "pick");
    tfc_node_add_input(nb, flag);
    tfc_node_add_input(nb, x);
    tfc_node_add_input(nb, tr_unary(g, "Square", "square", x));
    tfc_out sel = tfc_node_output(tfc_node_finish(nb), 0);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s;
    tfc_status st;
    TU_OK(tfc_session_new(g, &(tfc_session_opts){.num_threads = 1}, &s, &st));
    tfc_tensor *tx = tr_floats(1, (int64_t[]){3}, (float[]){1, -2, 3}), *r;
    n_neg = 0;
    TU_OK(tfc_session_run(s, &(tfc_feed){x, tx}, 1, &sel, 1, &r, NULL, 0, &st));
    assert_int_equal(n_neg, 1); /* the default's control input ran */
    assert_float_equal(((const float *)tfc_tensor_data_const(r))[1], -2, 0);
    tfc_tensor_unref(r), tfc_tensor_unref(tx), tfc_tensor_unref(dv);
    tfc_session_free(s);
    tfc_graph_free(g);
    counting_off();
}

static tfc_out pool_op(tfc_graph *g, const char *op, const tfc_out *in, int nin, int64_t k,
                       int64_t stride) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int i = 0; i < nin; i++) tfc_node_add_input(b, in[i]);
    tfc_node_set_attr_int_list(b, "ksize", (int64_t[]){1, k, k, 1}, 4);
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, stride, stride, 1}, 4);
    tfc_node_set_attr_string(b, "padding", "SAME", 4);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* ReluGrad(MaxPoolGrad(r, MaxPool(r), dy), r) with r = Relu(x): one step, the unfused values
 * (negative, zero and NaN inputs; non-overlapping and overlapping windows; float and double). */
static void test_pool_grad_relu_grad(void **state) {
    (void)state;
    counting_on();
    for (int dtc = 0; dtc < 2; dtc++)
        for (int win = 0; win < 2; win++) {
            tfc_dtype dt = dtc ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            tfc_graph *g = tfc_graph_new();
            tfc_out x = tr_ph(g, "x", dt, 4, (int64_t[]){2, 6, 7, 5});
            tfc_out r = tr_unary(g, "Relu", "r", x);
            tfc_out y = pool_op(g, "MaxPool", &r, 1, win ? 3 : 2, 2);
            tfc_out dy = tr_ph(g, "dy", dt, 4, NULL);
            tfc_out mpg = pool_op(g, "MaxPoolGrad", (tfc_out[]){r, y, dy}, 3, win ? 3 : 2, 2);
            tfc_out rg = tr_binary(g, "ReluGrad", "rg", mpg, r);
            TU_OK(tfc_graph_status(g, NULL));
            tfc_session *s;
            tfc_status st;
            TU_OK(tfc_session_new(g, &(tfc_session_opts){.num_threads = 2}, &s, &st));
            uint64_t seed = 9;
            tfc_tensor *tx = tr_tensor(dt, 4, (int64_t[]){2, 6, 7, 5}),
                       *tdy = tr_tensor(dt, 4, (int64_t[]){2, 3, 4, 5});
            tr_fill(tx, &seed), tr_fill(tdy, &seed);
            if (dt == TFC_DT_FLOAT) ((float *)tfc_tensor_data(tx))[0] = NAN;
            ((char *)tfc_tensor_data(tx))[tfc_dtype_size(dt) * 3] = 0; /* a few exact zeros */
            tfc_feed f[2] = {{x, tx}, {dy, tdy}};
            tfc_tensor *u[2], *fused;
            n_relu_grad = 0;
            TU_OK(tfc_session_run(s, f, 2, (tfc_out[]){rg, mpg}, 2, u, NULL, 0, &st));
            assert_int_equal(n_relu_grad, 1);
            n_relu_grad = 0;
            TU_OK(tfc_session_run(s, f, 2, &rg, 1, &fused, NULL, 0, &st));
            assert_int_equal(n_relu_grad, 0);
            int64_t cnt = tfc_tensor_num_elements(u[0]);
            double *want = calloc((size_t)cnt, sizeof *want);
            for (int64_t i = 0; i < cnt; i++) want[i] = tu_at(u[0], i);
            assert_same(fused, want, cnt);
            free(want);
            tfc_tensor_unref(u[0]), tfc_tensor_unref(u[1]), tfc_tensor_unref(fused);
            tfc_tensor_unref(tx), tfc_tensor_unref(tdy);
            tfc_session_free(s);
            tfc_graph_free(g);
        }
    counting_off();
}

int tr_run_fusion(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_conv_bias_relu),      TU_TEST(test_conv_bias_relu_empty),
        TU_TEST(test_known_select),        TU_TEST(test_known_select_control_input),
        TU_TEST(test_pool_grad_relu_grad),
    };
    return cmocka_run_group_tests_name("fusion", tests, NULL, NULL);
}
