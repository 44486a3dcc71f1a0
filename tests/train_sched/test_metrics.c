/* Streaming metrics through sequences of update, value and reset runs, against running totals
 * kept here: accuracy (plain, weighted, with a trailing dim to squeeze), mean, precision, recall
 * and the counts; TF's variable names and collections; the local initializer's name; errors. */
#include "sched_tests.h"
#include "tfc/metrics.h"
#include "tfc/variables.h"

typedef struct batch {
    double labels[4], pred[4], weights[4];
} batch;

static const batch batches[] = {
    {{1, 2, 3, 4}, {1, 2, 0, 4}, {1, 1, 1, 1}},
    {{0, 0, 1, 1}, {1, 0, 1, 0}, {2, 0, 1, 0.5}},
    {{5, 5, 5, 5}, {5, 5, 5, 5}, {0, 0, 0, 0}},
    {{2, 1, 1, 0}, {2, 2, 1, 1}, {1, 3, 0, 1}},
};
#define NB (int)(sizeof batches / sizeof batches[0])

typedef struct fixture {
    tfc_graph *g;
    tfc_out labels, pred, weights;
    tfc_session *s;
} fixture;

static void fx_init(fixture *f, tfc_dtype dt) {
    f->g = tfc_graph_new();
    f->labels = tfc_placeholder(f->g, "labels", dt, &(tfc_shape){1, {4}});
    f->pred = tfc_placeholder(f->g, "predictions", dt, &(tfc_shape){1, {4}});
    f->weights = tfc_placeholder(f->g, "weights", TFC_DT_FLOAT, &(tfc_shape){1, {4}});
    f->s = NULL;
}

static void fx_session(fixture *f) {
    ts_graph_ok(f->g);
    tfc_status st = {0};
    TU_OK(tfc_session_new(f->g, NULL, &f->s, &st));
}

static void fx_free(fixture *f) {
    tfc_session_free(f->s);
    tfc_graph_free(f->g);
}

/* Runs update_op on batch b (feeding weights too when asked) and returns its output. */
static double fx_update(fixture *f, tfc_metric m, const batch *b, tfc_dtype dt, bool weighted) {
    int64_t n = 4;
    tfc_tensor *l = tu_tensor(dt, 1, &n, b->labels), *p = tu_tensor(dt, 1, &n, b->pred);
    tfc_tensor *w = tu_tensor(TFC_DT_FLOAT, 1, &n, b->weights);
    tfc_feed feeds[3] = {{f->labels, l}, {f->pred, p}, {f->weights, w}};
    double v = ts_run1(f->s, feeds, weighted ? 3 : 2, tfc_node_output(m.update_op, 0));
    tfc_tensor_unref(l), tfc_tensor_unref(p), tfc_tensor_unref(w);
    return v;
}

static double div0(double a, double b) {
    return b == 0 ? 0 : a / b;
}

static void test_accuracy_sequence(void **state) {
    (void)state;
    for (int weighted = 0; weighted < 2; weighted++) {
        fixture f;
        fx_init(&f, TFC_DT_INT64);
        tfc_metric_opts o = {.weights = weighted ? f.weights : (tfc_out){NULL, 0}};
        tfc_metric acc = tfc_metrics_accuracy(f.g, f.labels, f.pred, &o);
        assert_string_equal(tfc_node_name(acc.value.node), "accuracy/value");
        assert_string_equal(tfc_node_name(acc.update_op), "accuracy/update_op");
        tfc_node *init = tfc_local_variables_initializer(f.g);
        fx_session(&f);
        ts_run_targets(f.s, NULL, 0, &init, 1);
        double total = 0, count = 0;
        for (int round = 0; round < 2; round++) {
            for (int k = 0; k < NB; k++) {
                for (int i = 0; i < 4; i++) {
                    double w = weighted ? batches[k].weights[i] : 1;
                    total += w * (batches[k].labels[i] == batches[k].pred[i]);
                    count += w;
                }
                double up = fx_update(&f, acc, &batches[k], TFC_DT_INT64, weighted);
                ts_close("accuracy update_op", up, div0(total, count), 1e-6);
                ts_close("accuracy value", ts_run1(f.s, NULL, 0, acc.value), div0(total, count),
                         1e-6);
            }
            /* reset: the value reads 0 (0 / 0 is 0) and the totals start over */
            tfc_node *reset = tfc_metrics_reset(f.g, "accuracy");
            ts_graph_ok(f.g);
            ts_run_targets(f.s, NULL, 0, &reset, 1);
            ts_close("accuracy after reset", ts_run1(f.s, NULL, 0, acc.value), 0, 0);
            total = count = 0;
        }
        fx_free(&f);
    }
}

static void test_metric_variables(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, TFC_DT_INT64);
    tfc_metric acc = tfc_metrics_accuracy(f.g, f.labels, f.pred, NULL);
    tfc_metric prec = tfc_metrics_precision(f.g, f.labels, f.pred, NULL);
    ts_graph_ok(f.g);
    assert_non_null(acc.update_op);
    assert_non_null(prec.update_op);
    static const char *names[] = {"accuracy/total", "accuracy/count",
                                  "precision/true_positives/count",
                                  "precision/false_positives/count"};
    tfc_out vars[8];
    assert_int_equal(tfc_graph_get_collection(f.g, TFC_LOCAL_VARIABLES, NULL, vars, 8), 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(tfc_node_name(vars[i].node), names[i]);
        assert_string_equal(tfc_node_op(vars[i].node), "VariableV2");
        char buf[96];
        snprintf(buf, sizeof buf, "%s/Initializer/zeros", names[i]);
        assert_non_null(tfc_graph_find(f.g, buf));
        snprintf(buf, sizeof buf, "%s/read", names[i]);
        assert_non_null(tfc_graph_find(f.g, buf));
    }
    assert_int_equal(tfc_graph_get_collection(f.g, TFC_METRIC_VARIABLES, NULL, NULL, 0), 4);
    assert_int_equal(tfc_graph_get_collection(f.g, TFC_METRIC_VARIABLES, "precision", NULL, 0), 2);
    assert_int_equal(tfc_graph_get_collection(f.g, TFC_GLOBAL_VARIABLES, NULL, NULL, 0), 0);
    assert_int_equal(tfc_graph_get_collection(f.g, TFC_TRAINABLE_VARIABLES, NULL, NULL, 0), 0);
    assert_string_equal(tfc_node_name(prec.value.node), "precision/value");
    assert_string_equal(tfc_node_name(prec.update_op), "precision/update_op");
    /* the local initializer is "init", or "init_1" after the global one */
    tfc_node *gi = tfc_global_variables_initializer(f.g);
    tfc_node *li = tfc_local_variables_initializer(f.g);
    assert_string_equal(tfc_node_name(gi), "init");
    assert_string_equal(tfc_node_name(li), "init_1");
    assert_int_equal(tfc_node_num_control_inputs(li), 4);
    /* a second accuracy gets its own scope and totals */
    tfc_metric acc2 = tfc_metrics_accuracy(f.g, f.labels, f.pred, NULL);
    assert_string_equal(tfc_node_name(acc2.value.node), "accuracy_1/value");
    /* reading before the initializer ran is TF's uninitialized-value error */
    fx_session(&f);
    tfc_tensor *t = NULL;
    tfc_status st = {0};
    assert_int_equal(tfc_session_run(f.s, NULL, 0, &acc.value, 1, &t, NULL, 0, &st),
                     TFC_FAILED_PRECONDITION);
    assert_non_null(strstr(st.msg, "accuracy/"));
    fx_free(&f);
}

static void test_mean_sequence(void **state) {
    (void)state;
    for (int weighted = 0; weighted < 2; weighted++) {
        fixture f;
        fx_init(&f, TFC_DT_FLOAT);
        tfc_metric_opts o = {.weights = weighted ? f.weights : (tfc_out){NULL, 0},
                             .metrics_collection = "my_metrics",
                             .updates_collection = TFC_UPDATE_OPS};
        tfc_metric m = tfc_metrics_mean(f.g, f.pred, &o);
        assert_string_equal(tfc_node_name(m.value.node), "mean/value");
        tfc_out got[2];
        assert_int_equal(tfc_graph_get_collection(f.g, "my_metrics", NULL, got, 2), 1);
        assert_ptr_equal(got[0].node, m.value.node);
        assert_int_equal(tfc_graph_get_collection(f.g, TFC_UPDATE_OPS, NULL, got, 2), 1);
        assert_ptr_equal(got[0].node, m.update_op);
        tfc_node *init = tfc_local_variables_initializer(f.g);
        fx_session(&f);
        ts_run_targets(f.s, NULL, 0, &init, 1);
        double total = 0, count = 0;
        for (int k = 0; k < NB; k++) {
            for (int i = 0; i < 4; i++) {
                double w = weighted ? batches[k].weights[i] : 1;
                total += w * batches[k].pred[i];
                count += w;
            }
            ts_close("mean update_op", fx_update(&f, m, &batches[k], TFC_DT_FLOAT, weighted),
                     div0(total, count), 1e-6);
            ts_close("mean value", ts_run1(f.s, NULL, 0, m.value), div0(total, count), 1e-6);
        }
        fx_free(&f);
    }
}

static void test_precision_recall_sequence(void **state) {
    (void)state;
    static const tfc_dtype types[] = {TFC_DT_INT64, TFC_DT_BOOL, TFC_DT_FLOAT};
    for (int t = 0; t < 3; t++)
        for (int weighted = 0; weighted < 2; weighted++) {
            fixture f;
            fx_init(&f, types[t]);
            tfc_metric_opts o = {.weights = weighted ? f.weights : (tfc_out){NULL, 0}};
            tfc_metric prec = tfc_metrics_precision(f.g, f.labels, f.pred, &o);
            tfc_metric rec = tfc_metrics_recall(f.g, f.labels, f.pred, &o);
            tfc_metric tp = tfc_metrics_true_positives(f.g, f.labels, f.pred, &o);
            tfc_metric fp = tfc_metrics_false_positives(f.g, f.labels, f.pred, &o);
            tfc_metric fn = tfc_metrics_false_negatives(f.g, f.labels, f.pred, &o);
            assert_string_equal(tfc_node_name(rec.value.node), "recall/value");
            assert_string_equal(tfc_node_name(tp.value.node), "true_positives/Identity");
            tfc_node *init = tfc_local_variables_initializer(f.g);
            fx_session(&f);
            ts_run_targets(f.s, NULL, 0, &init, 1);
            double ntp = 0, nfp = 0, nfn = 0;
            for (int k = 0; k < NB; k++) {
                for (int i = 0; i < 4; i++) {
                    double w = weighted ? batches[k].weights[i] : 1;
                    bool l = batches[k].labels[i] != 0, p = batches[k].pred[i] != 0;
                    ntp += w * (l && p), nfp += w * (!l && p), nfn += w * (l && !p);
                }
                ts_close("precision update_op",
                         fx_update(&f, prec, &batches[k], types[t], weighted), div0(ntp, ntp + nfp),
                         1e-6);
                ts_close("recall update_op", fx_update(&f, rec, &batches[k], types[t], weighted),
                         div0(ntp, ntp + nfn), 1e-6);
                ts_close("tp update_op", fx_update(&f, tp, &batches[k], types[t], weighted), ntp,
                         1e-6);
                ts_close("fp update_op", fx_update(&f, fp, &batches[k], types[t], weighted), nfp,
                         1e-6);
                ts_close("fn update_op", fx_update(&f, fn, &batches[k], types[t], weighted), nfn,
                         1e-6);
                ts_close("precision value", ts_run1(f.s, NULL, 0, prec.value), div0(ntp, ntp + nfp),
                         1e-6);
                ts_close("recall value", ts_run1(f.s, NULL, 0, rec.value), div0(ntp, ntp + nfn),
                         1e-6);
                ts_close("fn value", ts_run1(f.s, NULL, 0, fn.value), nfn, 1e-6);
            }
            /* resetting precision leaves recall's totals alone */
            tfc_node *reset = tfc_metrics_reset(f.g, "precision");
            ts_graph_ok(f.g);
            assert_int_equal(tfc_node_num_control_inputs(reset), 2);
            ts_run_targets(f.s, NULL, 0, &reset, 1);
            ts_close("precision after reset", ts_run1(f.s, NULL, 0, prec.value), 0, 0);
            ts_close("recall kept", ts_run1(f.s, NULL, 0, rec.value), div0(ntp, ntp + nfn), 1e-6);
            fx_free(&f);
        }
}

/* Predictions [4, 1] against labels [4]: the trailing dim is squeezed, as TF. */
static void test_accuracy_squeeze(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out l = ts_const(g, TFC_DT_INT32, 1, (int64_t[]){4}, (double[]){1, 2, 3, 4});
    tfc_out p = ts_const(g, TFC_DT_INT64, 2, (int64_t[]){4, 1}, (double[]){1, 0, 3, 0});
    tfc_metric acc = tfc_metrics_accuracy(g, l, p, NULL);
    tfc_node *init = tfc_local_variables_initializer(g);
    ts_graph_ok(g);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    ts_run_targets(s, NULL, 0, &init, 1);
    ts_close("squeezed accuracy", ts_run1(s, NULL, 0, tfc_node_output(acc.update_op, 0)), 0.5,
             1e-6);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_metric_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out l = ts_const(g, TFC_DT_INT32, 1, (int64_t[]){4}, (double[]){1, 2, 3, 4});
    tfc_out p = ts_const(g, TFC_DT_INT32, 1, (int64_t[]){3}, (double[]){1, 2, 3});
    tfc_metric m = tfc_metrics_accuracy(g, l, p, NULL);
    assert_null(m.value.node);
    assert_null(m.update_op);
    tfc_status st;
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "Shapes [3] and [4] are incompatible"));
    /* sticky */
    assert_null(tfc_metrics_mean(g, l, NULL).update_op);
    assert_null(tfc_local_variables_initializer(g));
    tfc_graph_free(g);
    g = tfc_graph_new();
    assert_null(tfc_metrics_recall(g, (tfc_out){NULL, 0}, (tfc_out){NULL, 0}, NULL).update_op);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    tfc_graph_free(g);
    /* an empty graph's local initializer is a plain NoOp */
    g = tfc_graph_new();
    tfc_node *init = tfc_local_variables_initializer(g);
    assert_non_null(init);
    assert_int_equal(tfc_node_num_control_inputs(init), 0);
    tfc_graph_free(g);
}

int ts_run_metrics(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_accuracy_sequence), TU_TEST(test_metric_variables),
        TU_TEST(test_mean_sequence),     TU_TEST(test_precision_recall_sequence),
        TU_TEST(test_accuracy_squeeze),  TU_TEST(test_metric_errors),
    };
    return cmocka_run_group_tests_name("train_metrics", tests, NULL, NULL);
}
