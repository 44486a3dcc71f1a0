/* Each loss against a hand computation in double (log-sum-exp, the logistic loss, squared and
 * Huber errors), with default weights, scalar and per-example weights (some zero, so
 * SUM_BY_NONZERO_WEIGHTS divides by the nonzero count), label smoothing and every reduction;
 * TF's names and the LOSSES collection; the regularization and total losses; the gradient of a
 * loss against finite differences; shape errors. */
#include "sched_tests.h"
#include "tfc/losses.h"
#include "tfc/testing.h"
#include "tfc/train.h"

static const double logits_v[] = {1.0, 2.0, 0.5, -1.0, 0.3, -0.7, 2.2, 0.1, -1.5, 0.0, 0.4, 3.0};
static const int64_t d34[] = {3, 4};

/* -sum_c labels[r][c] * log_softmax(logits[r])[c] for row r of [rows, 4] */
static double xent_row(const double *logits, const double *labels, int r) {
    const double *x = logits + 4 * r;
    double m = x[0];
    for (int c = 1; c < 4; c++) m = fmax(m, x[c]);
    double s = 0;
    for (int c = 0; c < 4; c++) s += exp(x[c] - m);
    double lse = m + log(s), loss = 0;
    for (int c = 0; c < 4; c++) loss -= labels[4 * r + c] * (x[c] - lse);
    return loss;
}

static double eval(tfc_graph *g, tfc_out out) {
    ts_graph_ok(g);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    double v = ts_run1(s, NULL, 0, out);
    tfc_session_free(s);
    return v;
}

static void test_softmax_cross_entropy(void **state) {
    (void)state;
    static const double onehot[] = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    double per[3], smooth[12], per_s[3];
    for (int i = 0; i < 12; i++) smooth[i] = onehot[i] * 0.9 + 0.1 / 4;
    for (int r = 0; r < 3; r++) per[r] = xent_row(logits_v, onehot, r);
    for (int r = 0; r < 3; r++) per_s[r] = xent_row(logits_v, smooth, r);
    /* default weights: the mean over the 3 examples */
    tfc_graph *g = tfc_graph_new();
    tfc_out logits = ts_const(g, TFC_DT_FLOAT, 2, d34, logits_v);
    tfc_out labels = ts_const(g, TFC_DT_INT32, 2, d34, onehot); /* cast to float, as TF */
    tfc_out loss = tfc_losses_softmax_cross_entropy(g, labels, logits, NULL);
    assert_string_equal(tfc_node_name(loss.node), "softmax_cross_entropy_loss/value");
    assert_non_null(tfc_graph_find(g, "softmax_cross_entropy_loss/xentropy"));
    assert_non_null(tfc_graph_find(g, "softmax_cross_entropy_loss/labels_stop_gradient"));
    tfc_out coll[4];
    assert_int_equal(tfc_graph_get_collection(g, TFC_LOSSES, NULL, coll, 4), 1);
    assert_ptr_equal(coll[0].node, loss.node);
    ts_close("softmax xent", eval(g, loss), (per[0] + per[1] + per[2]) / 3, 1e-6);
    /* label smoothing 0.1 over 4 classes, per-example weights {1, 0, 2}: the weighted sum over
     * the 2 examples with nonzero weight */
    tfc_loss_opts o = {.weights = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 0, 2}),
                       .label_smoothing = 0.1};
    loss = tfc_losses_softmax_cross_entropy(g, labels, logits, &o);
    assert_string_equal(tfc_node_name(loss.node), "softmax_cross_entropy_loss_1/value");
    ts_close("softmax xent smoothed, weighted", eval(g, loss), (per_s[0] + 2 * per_s[2]) / 2, 1e-6);
    /* a scalar weight tensor 2.5: every example counts */
    o = (tfc_loss_opts){.weights = ts_const(g, TFC_DT_FLOAT, 0, NULL, (double[]){2.5})};
    loss = tfc_losses_softmax_cross_entropy(g, labels, logits, &o);
    ts_close("softmax xent scalar weight", eval(g, loss), 2.5 * (per[0] + per[1] + per[2]) / 3,
             1e-6);
    /* reduction NONE: the weighted per-example losses, in no collection */
    o = (tfc_loss_opts){.weights =
                            ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 0, 2}),
                        .reduction = TFC_REDUCTION_NONE,
                        .loss_collection = ""};
    loss = tfc_losses_softmax_cross_entropy(g, labels, logits, &o);
    assert_int_equal(tfc_graph_get_collection(g, TFC_LOSSES, NULL, NULL, 0), 3);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    tfc_tensor *t = ts_run_tensor(s, NULL, 0, loss);
    assert_int_equal(tfc_tensor_num_elements(t), 3);
    ts_close("NONE[0]", tu_at(t, 0), per[0], 1e-6);
    ts_close("NONE[1]", tu_at(t, 1), 0, 1e-6);
    ts_close("NONE[2]", tu_at(t, 2), 2 * per[2], 1e-6);
    tfc_tensor_unref(t);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_sparse_softmax_cross_entropy(void **state) {
    (void)state;
    static const double onehot[] = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}, ids[] = {1, 0, 3};
    double per[3];
    for (int r = 0; r < 3; r++) per[r] = xent_row(logits_v, onehot, r);
    tfc_graph *g = tfc_graph_new();
    tfc_out logits = ts_const(g, TFC_DT_FLOAT, 2, d34, logits_v);
    tfc_out labels = ts_const(g, TFC_DT_INT64, 1, (int64_t[]){3}, ids);
    tfc_out loss = tfc_losses_sparse_softmax_cross_entropy(g, labels, logits, NULL);
    assert_string_equal(tfc_node_name(loss.node), "sparse_softmax_cross_entropy_loss/value");
    assert_non_null(tfc_graph_find(g, "sparse_softmax_cross_entropy_loss/xentropy/xentropy"));
    ts_close("sparse xent", eval(g, loss), (per[0] + per[1] + per[2]) / 3, 1e-6);
    /* int32 labels [3, 1] and weights [3, 1] lose their trailing dim, as TF squeezes them */
    tfc_out labels31 = ts_const(g, TFC_DT_INT32, 2, (int64_t[]){3, 1}, ids);
    tfc_loss_opts o = {.weights =
                           ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){3, 1}, (double[]){0.5, 0, 0})};
    loss = tfc_losses_sparse_softmax_cross_entropy(g, labels31, logits, &o);
    ts_close("sparse xent squeezed, weighted", eval(g, loss), 0.5 * per[0], 1e-6);
    /* every weight zero: DivNoNan gives 0, not NaN */
    o.weights = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){0, 0, 0});
    loss = tfc_losses_sparse_softmax_cross_entropy(g, labels, logits, &o);
    ts_close("sparse xent zero weights", eval(g, loss), 0, 0);
    tfc_graph_free(g);
}

static double logistic(double x, double z) {
    return fmax(x, 0) - x * z + log1p(exp(-fabs(x)));
}

static void test_sigmoid_cross_entropy(void **state) {
    (void)state;
    static const double x[] = {1.5, -0.3, 20.0, -20.0, 0.0, 2.2}, z[] = {1, 0, 1, 1, 0, 0};
    static const int64_t d23[] = {2, 3};
    tfc_graph *g = tfc_graph_new();
    tfc_out logits = ts_const(g, TFC_DT_FLOAT, 2, d23, x);
    tfc_out labels = ts_const(g, TFC_DT_FLOAT, 2, d23, z);
    tfc_out loss = tfc_losses_sigmoid_cross_entropy(g, labels, logits, NULL);
    assert_string_equal(tfc_node_name(loss.node), "sigmoid_cross_entropy_loss/value");
    assert_non_null(tfc_graph_find(g, "sigmoid_cross_entropy_loss/xentropy"));
    double sum = 0;
    for (int i = 0; i < 6; i++) sum += logistic(x[i], z[i]);
    ts_close("sigmoid xent", eval(g, loss), sum / 6, 1e-6);
    /* smoothing 0.2: z * 0.8 + 0.1; weights [2, 1] = {3, 0}: the first row counts, 3 elements */
    tfc_loss_opts o = {.weights = ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 1}, (double[]){3, 0}),
                       .label_smoothing = 0.2};
    loss = tfc_losses_sigmoid_cross_entropy(g, labels, logits, &o);
    double ws = 0;
    for (int i = 0; i < 3; i++) ws += 3 * logistic(x[i], z[i] * 0.8 + 0.1);
    ts_close("sigmoid xent smoothed, weighted", eval(g, loss), ws / 3, 1e-6);
    tfc_graph_free(g);
}

static void test_mean_squared_error_reductions(void **state) {
    (void)state;
    static const double p[] = {1.0, 2.5, -1.0, 4.0}, l[] = {1.5, 2.0, 1.0, 4.0},
                        w[] = {1.0, 0.0, 2.0, 0.5};
    double se[4], wsum = 0, wse = 0;
    for (int i = 0; i < 4; i++) se[i] = (p[i] - l[i]) * (p[i] - l[i]);
    for (int i = 0; i < 4; i++) wse += w[i] * se[i], wsum += w[i];
    static const struct {
        tfc_reduction r;
        double want;
    } cases[] = {
        {TFC_REDUCTION_SUM_BY_NONZERO_WEIGHTS, 0}, /* filled below: / 3 nonzero weights */
        {TFC_REDUCTION_SUM, 0},
        {TFC_REDUCTION_MEAN, 0},
        {TFC_REDUCTION_SUM_OVER_BATCH_SIZE, 0},
        {TFC_REDUCTION_SUM_OVER_NONZERO_WEIGHTS, 0},
    };
    double want[] = {wse / 3, wse, wse / wsum, wse / 4, wse / 3};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out pred = ts_const(g, TFC_DT_DOUBLE, 1, (int64_t[]){4}, p); /* cast to float32 */
        tfc_out lab = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){4}, l);
        tfc_loss_opts o = {.weights = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){4}, w),
                           .reduction = cases[k].r};
        tfc_out loss = tfc_losses_mean_squared_error(g, lab, pred, &o);
        assert_int_equal(tfc_out_dtype(loss), TFC_DT_FLOAT);
        char what[64];
        snprintf(what, sizeof what, "mse reduction %d", (int)cases[k].r);
        ts_close(what, eval(g, loss), want[k], 1e-6);
        tfc_graph_free(g);
    }
    /* default weights, unknown static shapes (the count and the axes come at run time) */
    tfc_graph *g = tfc_graph_new();
    tfc_out pred = tfc_placeholder(g, "p", TFC_DT_FLOAT, NULL);
    tfc_out lab = tfc_placeholder(g, "l", TFC_DT_FLOAT, NULL);
    tfc_out loss = tfc_losses_mean_squared_error(g, lab, pred, NULL);
    assert_string_equal(tfc_node_name(loss.node), "mean_squared_error/value");
    ts_graph_ok(g);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    tfc_tensor *pt = tu_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 2}, p);
    tfc_tensor *lt = tu_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 2}, l);
    tfc_feed f[2] = {{pred, pt}, {lab, lt}};
    ts_close("mse unknown shapes", ts_run1(s, f, 2, loss), (se[0] + se[1] + se[2] + se[3]) / 4,
             1e-6);
    tfc_tensor_unref(pt), tfc_tensor_unref(lt);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static double huber(double e, double d) {
    double a = fabs(e);
    return a <= d ? 0.5 * a * a : 0.5 * d * d + d * (a - d);
}

static void test_huber_loss(void **state) {
    (void)state;
    static const double p[] = {0.2, -0.3, 2.0, -3.5, 1.0}, l[] = {0.0, 0.0, 0.0, 0.0, 1.0};
    static const double deltas[] = {0, 1.0, 0.5, 3.0}; /* 0: TF's default 1.0 */
    for (int k = 0; k < 4; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out pred = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){5}, p);
        tfc_out lab = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){5}, l);
        tfc_loss_opts o = {.delta = deltas[k]};
        tfc_out loss = tfc_losses_huber_loss(g, lab, pred, &o);
        assert_string_equal(tfc_node_name(loss.node), "huber_loss/value");
        double d = deltas[k] ? deltas[k] : 1.0, sum = 0;
        for (int i = 0; i < 5; i++) sum += huber(p[i] - l[i], d);
        ts_close("huber", eval(g, loss), sum / 5, 1e-6);
        tfc_graph_free(g);
    }
}

/* d(loss)/d(logits) by tfc_gradients against finite differences, in float32 (a wide delta and a
 * float32 tolerance); Huber's delta keeps every error away from its kink. */
static void test_loss_gradients(void **state) {
    (void)state;
    static const double onehot[] = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "logits", TFC_DT_FLOAT, &(tfc_shape){2, {3, 4}});
        tfc_loss_opts o = {.weights =
                               ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 0.5, 2}),
                           .label_smoothing = 0.1};
        tfc_out loss;
        if (k == 0)
            loss = tfc_losses_softmax_cross_entropy(g, ts_const(g, TFC_DT_FLOAT, 2, d34, onehot), x,
                                                    &o);
        else if (k == 1)
            loss = tfc_losses_sparse_softmax_cross_entropy(
                g, ts_const(g, TFC_DT_INT64, 1, (int64_t[]){3}, (double[]){1, 0, 3}), x, &o);
        else
            loss = tfc_losses_huber_loss(g, ts_const(g, TFC_DT_FLOAT, 2, d34, onehot), x,
                                         &(tfc_loss_opts){.delta = 0.8});
        ts_graph_ok(g);
        tfc_tensor *xv = tu_tensor(TFC_DT_FLOAT, 2, d34, logits_v);
        double err;
        tfc_status st = {0};
        if (tfc_compute_gradient_error(g, x, xv, loss, 1e-2, &err, &st) != TFC_OK)
            fail_msg("loss %d: %s", k, st.msg);
        if (!(err <= 2e-3)) fail_msg("loss %d: gradient error %g", k, err);
        tfc_tensor_unref(xv);
        tfc_graph_free(g);
    }
    /* the labels' smoothing is behind a StopGradient: no gradient reaches the labels */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = ts_const(g, TFC_DT_FLOAT, 2, d34, logits_v);
    tfc_out lab = tfc_placeholder(g, "labels", TFC_DT_FLOAT, &(tfc_shape){2, {3, 4}});
    tfc_out loss =
        tfc_losses_softmax_cross_entropy(g, lab, x, &(tfc_loss_opts){.label_smoothing = 0.2});
    tfc_out dl;
    tfc_status st = {0};
    TU_OK(tfc_gradients(g, &loss, 1, &lab, 1, NULL, &dl, &st));
    assert_null(dl.node);
    tfc_graph_free(g);
}

static void test_loss_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out a = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 2, 3});
    tfc_out b = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){4}, (double[]){1, 2, 3, 4});
    assert_null(tfc_losses_mean_squared_error(g, a, b, NULL).node);
    tfc_status st;
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "mean_squared_error: Shapes [4] and [3] are incompatible"));
    tfc_graph_free(g);
    /* weights of another rank than the losses */
    g = tfc_graph_new();
    tfc_out x = ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}, logits_v);
    tfc_loss_opts o = {.weights =
                           ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 2, 3})};
    assert_null(tfc_losses_huber_loss(g, x, x, &o).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "huber_loss: weights can not be broadcast to values"));
    tfc_graph_free(g);
    /* weights with a dim neither 1 nor the losses' */
    g = tfc_graph_new();
    x = ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 3}, logits_v);
    o.weights = ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){2, 2}, (double[]){1, 2, 3, 4});
    assert_null(tfc_losses_sigmoid_cross_entropy(g, x, x, &o).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "Mismatch at dim 1"));
    tfc_graph_free(g);
    /* sparse labels of the logits' rank with a last dim other than 1 */
    g = tfc_graph_new();
    x = ts_const(g, TFC_DT_FLOAT, 2, (int64_t[]){3, 4}, logits_v);
    tfc_out l = ts_const(g, TFC_DT_INT64, 2, (int64_t[]){3, 4}, logits_v);
    assert_null(tfc_losses_sparse_softmax_cross_entropy(g, l, x, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "Rank mismatch"));
    tfc_graph_free(g);
    /* a missing input */
    g = tfc_graph_new();
    assert_null(tfc_losses_huber_loss(g, (tfc_out){NULL, 0}, (tfc_out){NULL, 0}, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "huber_loss: no labels given"));
    tfc_graph_free(g);
    g = tfc_graph_new();
    assert_null(tfc_losses_compute_weighted_loss(g, (tfc_out){NULL, 0}, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "weighted_loss: no losses given"));
    tfc_graph_free(g);
    /* compute_weighted_loss on float64 losses: the result keeps their dtype */
    g = tfc_graph_new();
    tfc_out per = ts_const(g, TFC_DT_DOUBLE, 1, (int64_t[]){4}, (double[]){1, 2, 3, 6});
    tfc_out w = ts_const(g, TFC_DT_INT32, 1, (int64_t[]){4}, (double[]){1, 0, 1, 1});
    tfc_out wl = tfc_losses_compute_weighted_loss(g, per, &(tfc_loss_opts){.weights = w});
    assert_string_equal(tfc_node_name(wl.node), "weighted_loss/Cast_2");
    assert_int_equal(tfc_out_dtype(wl), TFC_DT_DOUBLE);
    ts_graph_ok(g);
    tfc_session *s;
    tfc_status rs = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &rs));
    ts_close("weighted float64 losses", ts_run1(s, NULL, 0, wl), 10.0 / 3, 1e-6);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static tfc_out l2_term(tfc_graph *g, const char *scope, double scale, const double *w, int n) {
    tfc_graph_push_scope(g, scope);
    tfc_out k = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){n}, w);
    tfc_node_builder *b = tfc_node_begin(g, "Mul", "l2_regularizer");
    tfc_node_add_input(b, ts_const(g, TFC_DT_FLOAT, 0, NULL, &scale));
    tfc_node_add_input(b, tfc_nn_l2_loss(g, k, NULL));
    tfc_out r = tfc_node_output(tfc_node_finish(b), 0);
    tfc_graph_pop_scope(g);
    tfc_graph_add_to_collection(g, TFC_REGULARIZATION_LOSSES, r);
    return r;
}

static void test_regularization_and_total_loss(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    /* none yet: a constant 0 */
    tfc_out reg = tfc_losses_get_regularization_loss(g, NULL);
    assert_string_equal(tfc_node_op(reg.node), "Const");
    ts_close("empty regularization", eval(g, reg), 0, 0);
    tfc_status st;
    assert_null(tfc_losses_get_total_loss(g, true, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    tfc_graph_free(g);

    g = tfc_graph_new();
    static const double w1[] = {1, -2, 3}, w2[] = {0.5, 4};
    l2_term(g, "dense", 0.01, w1, 3);
    /* a single one is an Identity named as TF names it */
    reg = tfc_losses_get_regularization_loss(g, NULL);
    assert_string_equal(tfc_node_name(reg.node), "total_regularization_loss");
    assert_string_equal(tfc_node_op(reg.node), "Identity");
    ts_close("one regularizer", eval(g, reg), 0.01 * 14 / 2, 1e-6);
    l2_term(g, "dense_1", 0.1, w2, 2);
    reg = tfc_losses_get_regularization_loss(g, NULL);
    assert_string_equal(tfc_node_name(reg.node), "total_regularization_loss_1");
    assert_string_equal(tfc_node_op(reg.node), "AddN");
    double r1 = 0.01 * 14 / 2, r2 = 0.1 * 16.25 / 2;
    ts_close("regularizers", eval(g, reg), r1 + r2, 1e-6);
    /* scope "dense" is a prefix match that leaves "dense_1" out */
    ts_close("scoped", eval(g, tfc_losses_get_regularization_loss(g, "dense")), r1, 1e-6);
    /* total loss = losses + regularization */
    tfc_out p = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){2}, (double[]){1, 3});
    tfc_out l = ts_const(g, TFC_DT_FLOAT, 1, (int64_t[]){2}, (double[]){0, 0});
    tfc_losses_mean_squared_error(g, l, p, NULL);
    tfc_out total = tfc_losses_get_total_loss(g, true, NULL);
    assert_string_equal(tfc_node_name(total.node), "total_loss");
    ts_close("total loss", eval(g, total), 5 + r1 + r2, 1e-6);
    ts_close("total without regularization", eval(g, tfc_losses_get_total_loss(g, false, NULL)), 5,
             1e-6);
    tfc_graph_free(g);
}

int ts_run_losses(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_softmax_cross_entropy),
        TU_TEST(test_sparse_softmax_cross_entropy),
        TU_TEST(test_sigmoid_cross_entropy),
        TU_TEST(test_mean_squared_error_reductions),
        TU_TEST(test_huber_loss),
        TU_TEST(test_loss_gradients),
        TU_TEST(test_loss_errors),
        TU_TEST(test_regularization_and_total_loss),
    };
    return cmocka_run_group_tests_name("train_losses", tests, NULL, NULL);
}
