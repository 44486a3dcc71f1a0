/* The Apply* ops alone: each kernel (ref and resource version, float and double, each bool attr)
 * run for three steps on variables in a session and checked against TF's update formulas written
 * out here (TF's op documentation, in double); TF's messages for uninitialized variables, shape
 * mismatches at build and run time; copy on write under a fetched value; steps that allocate
 * nothing; the pool split of a large variable. */
#include "opt_tests.h"

/* 7 elements: one SSE2 vector of floats (two of doubles) and a scalar tail in each loop. */
#define N 7

/* The reference: TF's documented update of one algorithm, applied to w and slots s1, s2 with
 * scalars sc (in signature order) and gradient g. */
typedef void (*ref_step)(double *w, double *s1, double *s2, const double *sc, const double *g,
                         bool flag);

static void ref_gd(double *w, double *s1, double *s2, const double *sc, const double *g,
                   bool flag) {
    for (int i = 0; i < N; i++) w[i] -= sc[0] * g[i];
}

/* accum = accum * momentum + grad; var -= lr * accum (Nesterov: lr * grad + lr * momentum *
 * accum). Scalars: lr, momentum. */
static void ref_momentum(double *w, double *a, double *s2, const double *sc, const double *g,
                         bool nesterov) {
    double lr = sc[0], mu = sc[1];
    for (int i = 0; i < N; i++) {
        a[i] = a[i] * mu + g[i];
        w[i] -= nesterov ? lr * g[i] + lr * mu * a[i] : lr * a[i];
    }
}

/* lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m = beta1 m + (1 - beta1) g;
 * v = beta2 v + (1 - beta2) g^2; var -= lr_t m / (sqrt(v) + epsilon) (Nesterov: the numerator is
 * beta1 m + (1 - beta1) g). Scalars: beta1_power, beta2_power, lr, beta1, beta2, epsilon. */
static void ref_adam(double *w, double *m, double *v, const double *sc, const double *g,
                     bool nesterov) {
    double lr_t = sc[2] * sqrt(1 - sc[1]) / (1 - sc[0]), b1 = sc[3], b2 = sc[4], eps = sc[5];
    for (int i = 0; i < N; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double num = nesterov ? b1 * m[i] + (1 - b1) * g[i] : m[i];
        w[i] -= lr_t * num / (sqrt(v[i]) + eps);
    }
}

/* ms = rho ms + (1 - rho) g^2; mom = momentum mom + lr g / sqrt(ms + epsilon); var -= mom.
 * Scalars: lr, rho, momentum, epsilon. */
static void ref_rmsprop(double *w, double *ms, double *mom, const double *sc, const double *g,
                        bool flag) {
    for (int i = 0; i < N; i++) {
        ms[i] = sc[1] * ms[i] + (1 - sc[1]) * g[i] * g[i];
        mom[i] = sc[2] * mom[i] + sc[0] * g[i] / sqrt(ms[i] + sc[3]);
        w[i] -= mom[i];
    }
}

/* accum += g^2 (when update_slots); var -= lr g / sqrt(accum). Scalars: lr. */
static void ref_adagrad(double *w, double *acc, double *s2, const double *sc, const double *g,
                        bool update_slots) {
    for (int i = 0; i < N; i++) {
        if (update_slots) acc[i] += g[i] * g[i];
        w[i] -= sc[0] * g[i] / sqrt(acc[i]);
    }
}

typedef struct apply_case {
    const char *op;        /* the ref version; "Resource" + op is the other */
    const char *layout;    /* inputs: v = the variable then its slots, s = next scalar, g = grad */
    const char *bool_attr; /* NULL, or the attr run both ways */
    const double *sc;
    ref_step ref;
    double s1_init, s2_init;
} apply_case;

static const double sc_gd[] = {0.1};
static const double sc_momentum[] = {0.1, 0.9};
static const double sc_adam[] = {0.9, 0.999, 0.1, 0.9, 0.999, 1e-3};
static const double sc_rmsprop[] = {0.01, 0.9, 0.5, 1e-6};
static const double sc_adagrad[] = {0.1};

static const apply_case cases[] = {
    {"ApplyGradientDescent", "vsg", NULL, sc_gd, ref_gd, 0, 0},
    {"ApplyMomentum", "vvsgs", "use_nesterov", sc_momentum, ref_momentum, 0.5, 0},
    {"ApplyAdam", "vvvssssssg", "use_nesterov", sc_adam, ref_adam, 0.25, 0.5},
    {"ApplyRMSProp", "vvvssssg", NULL, sc_rmsprop, ref_rmsprop, 1, 0.25},
    {"ApplyAdagrad", "vvsg", "update_slots", sc_adagrad, ref_adagrad, 0.1, 0},
};

/* Starting values and three steps' gradients, of both signs and a few magnitudes. */
static double w0(int i) {
    return 1.5 * sin(1.3 * i + 0.4);
}
static double grad_at(int step, int i) {
    return 2.0 * cos(0.7 * i + 1.9 * step) * (1 + 0.5 * step);
}

/* Float inputs are what the float kernel sees: reference values rounded the same way. */
static double as(tfc_dtype dt, double v) {
    return dt == TFC_DT_FLOAT ? (double)(float)v : v;
}

static void run_case(const apply_case *c, tfc_dtype dt, bool resource, bool flag) {
    tfc_graph *g = tfc_graph_new();
    int nvars = 0, ns = 0;
    for (const char *p = c->layout; *p; p++) nvars += *p == 'v';
    double w[N], s[2][N], sc[6], init[3][N];
    for (int i = 0; i < N; i++) {
        init[0][i] = w[i] = as(dt, w0(i));
        init[1][i] = s[0][i] = as(dt, c->s1_init + 0.125 * i);
        init[2][i] = s[1][i] = as(dt, c->s2_init + 0.0625 * i);
    }
    tfc_var vars[3];
    const char *names[3] = {"var", "s1", "s2"};
    for (int k = 0; k < nvars; k++) vars[k] = to_var(g, names[k], dt, N, init[k], resource, k == 0);
    int64_t n = N;
    tfc_shape gs = tfc_shape_make(1, &n);
    tfc_out grad = tfc_placeholder(g, "grad", dt, &gs);
    char op[64];
    snprintf(op, sizeof op, "%s%s", resource ? "Resource" : "", c->op);
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    int k = 0;
    for (const char *p = c->layout; *p; p++) {
        if (*p == 'v') {
            tfc_node_add_input(b, vars[k++].ref);
        } else if (*p == 'g') {
            tfc_node_add_input(b, grad);
        } else {
            sc[ns] = as(dt, c->sc[ns]);
            tfc_node_add_input(b, to_const_scalar(g, "scalar", dt, c->sc[ns]));
            ns++;
        }
    }
    if (c->bool_attr) tfc_node_set_attr_bool(b, c->bool_attr, flag);
    tfc_node *apply = tfc_node_finish(b);
    tfc_node *init_op = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    assert_int_equal(tfc_node_num_outputs(apply), resource ? 0 : 1);

    tfc_session *ses = to_session(g, 1);
    to_run(ses, init_op);
    /* float: a few roundings of values near 1, some of which nearly cancel */
    double rtol = dt == TFC_DT_FLOAT ? 2e-6 : 1e-14, atol = dt == TFC_DT_FLOAT ? 1e-6 : 1e-15;
    char what[128];
    for (int step = 0; step < 3; step++) {
        double gv[N];
        for (int i = 0; i < N; i++) gv[i] = as(dt, grad_at(step, i));
        tfc_tensor *gt = tu_tensor(dt, 1, &n, gv);
        tfc_status st;
        tfc_tensor *out = NULL;
        tfc_out out0 = tfc_node_output(apply, 0);
        if (resource) {
            if (tfc_session_run(ses, &(tfc_feed){grad, gt}, 1, NULL, 0, NULL, &apply, 1, &st))
                fail_msg("%s: %s", op, st.msg);
        } else if (tfc_session_run(ses, &(tfc_feed){grad, gt}, 1, &out0, 1, &out, NULL, 0, &st)) {
            fail_msg("%s: %s", op, st.msg);
        }
        tfc_tensor_unref(gt);
        c->ref(w, s[0], s[1], sc, gv, flag);
        snprintf(what, sizeof what, "%s %s %s=%d step %d", op, tfc_dtype_name(dt),
                 c->bool_attr ? c->bool_attr : "-", flag, step + 1);
        if (out) { /* the ref version outputs the updated variable */
            to_expect(out, w, N, rtol, atol, what);
            tfc_tensor_unref(out);
        }
        for (int q = 0; q < nvars; q++) {
            tfc_tensor *t = to_fetch(ses, vars[q].value);
            to_expect(t, q ? s[q - 1] : w, N, rtol, atol, what);
            tfc_tensor_unref(t);
        }
    }
    tfc_session_free(ses);
    tfc_graph_free(g);
}

static void test_kernels_match_tf_formulas(void **state) {
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int dt = 0; dt < 2; dt++)
            for (int resource = 0; resource < 2; resource++)
                for (int flag = 0; flag < (cases[c].bool_attr ? 2 : 1); flag++)
                    run_case(&cases[c], dt ? TFC_DT_DOUBLE : TFC_DT_FLOAT, resource, flag);
}

/* TF's numbers for Adam's first step from zero slots: m = 0.1 g, v = 0.001 g^2, so the step is
 * lr * g / (|g| + eps / sqrt(0.001)): about lr * sign(g). */
static void test_adam_first_step_by_hand(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var w = to_var(g, "w", TFC_DT_DOUBLE, 2, (double[]){1, 1}, false, true);
    tfc_var m = to_var(g, "m", TFC_DT_DOUBLE, 2, (double[]){0, 0}, false, false);
    tfc_var v = to_var(g, "v", TFC_DT_DOUBLE, 2, (double[]){0, 0}, false, false);
    tfc_node_builder *b = tfc_node_begin(g, "ApplyAdam", NULL);
    tfc_out in[] = {w.ref,
                    m.ref,
                    v.ref,
                    to_const_scalar(g, "b1p", TFC_DT_DOUBLE, 0.9),
                    to_const_scalar(g, "b2p", TFC_DT_DOUBLE, 0.999),
                    to_const_scalar(g, "lr", TFC_DT_DOUBLE, 0.01),
                    to_const_scalar(g, "b1", TFC_DT_DOUBLE, 0.9),
                    to_const_scalar(g, "b2", TFC_DT_DOUBLE, 0.999),
                    to_const_scalar(g, "eps", TFC_DT_DOUBLE, 1e-8),
                    to_const(g, "g", TFC_DT_DOUBLE, 1, (int64_t[]){2}, (double[]){0.5, -4})};
    for (int i = 0; i < 10; i++) tfc_node_add_input(b, in[i]);
    tfc_out out = tfc_node_output(tfc_node_finish(b), 0);
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    /* 1 - 0.01 * 0.5 / (0.5 + 1e-8 / sqrt(0.001)), 1 + 0.01 * 4 / (4 + 1e-8 / sqrt(0.001)) */
    to_expect_out(s, out, (double[]){0.9900000063245513, 1.0099999992094306}, 2, 1e-13, "adam");
    to_expect_out(s, m.value, (double[]){0.05, -0.4}, 2, 1e-15, "m");
    to_expect_out(s, v.value, (double[]){0.00025, 0.016}, 2, 1e-13, "v");
    tfc_session_free(s);
    tfc_graph_free(g);
}

static tfc_node *gd_node(tfc_graph *g, tfc_out var, tfc_out lr, tfc_out grad) {
    tfc_node_builder *b =
        tfc_node_begin(g,
                       tfc_out_dtype(var) == TFC_DT_RESOURCE ? "ResourceApplyGradientDescent"
                                                             : "ApplyGradientDescent",
                       NULL);
    tfc_node_add_input(b, var);
    tfc_node_add_input(b, lr);
    tfc_node_add_input(b, grad);
    return tfc_node_finish(b);
}

static void test_kernel_errors(void **state) {
    (void)state;
    tfc_status st;
    /* Uninitialized ref variables and slots: TF's message names the variable. */
    tfc_graph *g = tfc_graph_new();
    tfc_var w = to_var(g, "w", TFC_DT_FLOAT, 2, (double[]){1, 2}, false, true);
    tfc_var acc = to_var(g, "w_acc", TFC_DT_FLOAT, 2, (double[]){1, 1}, false, false);
    tfc_var r = to_var(g, "r", TFC_DT_FLOAT, 2, (double[]){1, 2}, true, true);
    tfc_out lr = to_const_scalar(g, "lr", TFC_DT_FLOAT, 0.5);
    tfc_out grad = tfc_placeholder(g, "grad", TFC_DT_FLOAT, &(tfc_shape){1, {-1}});
    tfc_node *gd = gd_node(g, w.ref, lr, grad);
    tfc_node *rgd = gd_node(g, r.ref, lr, grad);
    tfc_node_builder *b = tfc_node_begin(g, "ApplyAdagrad", NULL);
    tfc_node_add_input(b, w.ref);
    tfc_node_add_input(b, acc.ref);
    tfc_node_add_input(b, lr);
    tfc_node_add_input(b, grad);
    tfc_node *ada = tfc_node_finish(b);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    tfc_tensor *g2 = tu_tensor(TFC_DT_FLOAT, 1, (int64_t[]){2}, (double[]){1, 1});
    tfc_tensor *g3 = tu_tensor(TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 1, 1});
    tfc_feed f2 = {grad, g2}, f3 = {grad, g3};
    assert_int_equal(tfc_session_run(s, &f2, 1, NULL, 0, NULL, &gd, 1, &st),
                     TFC_FAILED_PRECONDITION);
    TO_EXPECT(st, TFC_FAILED_PRECONDITION,
              "node 'ApplyGradientDescent' (ApplyGradientDescent): Attempting to use "
              "uninitialized variables: w");
    assert_int_equal(tfc_session_run(s, &f2, 1, NULL, 0, NULL, &rgd, 1, &st),
                     TFC_FAILED_PRECONDITION);
    TO_EXPECT(st, TFC_FAILED_PRECONDITION,
              "Error while reading resource variable r from Container: localhost");
    to_run(s, w.initializer);
    to_run(s, r.initializer);
    assert_int_equal(tfc_session_run(s, &f2, 1, NULL, 0, NULL, &ada, 1, &st),
                     TFC_FAILED_PRECONDITION);
    TO_EXPECT(st, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized variables: w_acc");
    /* A gradient whose shape is only known at run time. */
    assert_int_equal(tfc_session_run(s, &f3, 1, NULL, 0, NULL, &gd, 1, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "var and delta do not have the same shape[2] [3]");
    assert_int_equal(tfc_session_run(s, &f3, 1, NULL, 0, NULL, &rgd, 1, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "var and delta do not have the same shape[2] [3]");
    /* A value fetched before an update keeps its values (copy on write). */
    tfc_tensor *before = to_fetch(s, w.value);
    assert_int_equal(tfc_session_run(s, &f2, 1, NULL, 0, NULL, &gd, 1, &st), TFC_OK);
    to_expect(before, (double[]){1, 2}, 2, 0, 0, "fetched before");
    tfc_tensor_unref(before);
    to_expect_out(s, w.value, (double[]){0.5, 1.5}, 2, 0, "after");
    tfc_tensor_unref(g2), tfc_tensor_unref(g3);
    tfc_session_free(s);
    tfc_graph_free(g);

    /* Build time: a non-scalar learning rate, a gradient of another shape (ref and resource). */
    g = tfc_graph_new();
    w = to_var(g, "w", TFC_DT_FLOAT, 2, (double[]){1, 2}, false, true);
    gd_node(g, w.ref, to_const(g, "lr", TFC_DT_FLOAT, 1, (int64_t[]){2}, (double[]){1, 1}),
            to_const(g, "g", TFC_DT_FLOAT, 1, (int64_t[]){2}, (double[]){1, 1}));
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "Shape must be rank 0 but is rank 1 for input 'alpha'");
    tfc_graph_free(g);
    for (int resource = 0; resource < 2; resource++) {
        g = tfc_graph_new();
        w = to_var(g, "w", TFC_DT_FLOAT, 2, (double[]){1, 2}, resource, true);
        gd_node(g, w.ref, to_const_scalar(g, "lr", TFC_DT_FLOAT, 1),
                to_const(g, "g", TFC_DT_FLOAT, 1, (int64_t[]){3}, (double[]){1, 1, 1}));
        assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
        TO_EXPECT(st, TFC_INVALID_ARGUMENT,
                  "input 'delta' has shape [3], which does not match [2]");
        tfc_graph_free(g);
    }
    /* Integer variables: TF's op accepts them; tfc has no kernel (at the first run). */
    g = tfc_graph_new();
    w = to_var(g, "k", TFC_DT_INT32, 2, (double[]){1, 2}, false, true);
    gd = gd_node(g, w.ref, to_const_scalar(g, "lr", TFC_DT_INT32, 1),
                 to_const(g, "g", TFC_DT_INT32, 1, (int64_t[]){2}, (double[]){1, 1}));
    to_graph_ok(g);
    s = to_session(g, 1);
    to_run(s, w.initializer);
    assert_int_equal(tfc_session_run(s, NULL, 0, NULL, 0, NULL, &gd, 1, &st), TFC_UNIMPLEMENTED);
    TO_EXPECT(st, TFC_UNIMPLEMENTED, "no CPU kernel for T=int32");
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* After a warm-up, updates run in place: no allocation per step, ref or resource. */
static void test_steps_allocate_nothing(void **state) {
    (void)state;
    for (int resource = 0; resource < 2; resource++) {
        tfc_graph *g = tfc_graph_new();
        double zeros[1000] = {0}, ones[1000];
        for (int i = 0; i < 1000; i++) ones[i] = 1;
        tfc_var w = to_var(g, "w", TFC_DT_FLOAT, 1000, ones, resource, true);
        tfc_var m = to_var(g, "m", TFC_DT_FLOAT, 1000, zeros, resource, false);
        tfc_node_builder *b =
            tfc_node_begin(g, resource ? "ResourceApplyMomentum" : "ApplyMomentum", NULL);
        tfc_node_add_input(b, w.ref);
        tfc_node_add_input(b, m.ref);
        tfc_node_add_input(b, to_const_scalar(g, "lr", TFC_DT_FLOAT, 0.5));
        tfc_node_add_input(b, to_const(g, "g", TFC_DT_FLOAT, 1, (int64_t[]){1000}, ones));
        tfc_node_add_input(b, to_const_scalar(g, "mu", TFC_DT_FLOAT, 0.5));
        tfc_node *apply = tfc_node_finish(b);
        tfc_node *init = tfc_global_variables_initializer(g);
        to_graph_ok(g);
        tfc_session *s = to_session(g, 2);
        to_run(s, init);
        to_run(s, apply);
        int64_t before = tfc_alloc_total_count();
        for (int i = 0; i < 5; i++) to_run(s, apply);
        assert_int_equal(tfc_alloc_total_count() - before, 0);
        /* m: 1, 1.5, 1.75, ... (1 - 0.5^k) * 2 after k steps; w = 1 - 0.5 * sum of m. */
        double mk = 0, wk = 1;
        for (int k = 0; k < 6; k++) mk = mk * 0.5 + 1, wk -= 0.5 * mk;
        tfc_tensor *t = to_fetch(s, w.value);
        assert_float_equal(tu_at(t, 999), wk, 1e-6);
        tfc_tensor_unref(t);
        tfc_session_free(s);
        tfc_graph_free(g);
    }
}

/* A variable large enough to be split over the pool gives the same values as the formula. */
static void test_large_variable_on_the_pool(void **state) {
    (void)state;
    enum { BIG = 200003 };
    static double w[BIG], m[BIG], v[BIG], gv[BIG];
    for (int i = 0; i < BIG; i++) {
        w[i] = sin(0.001 * i);
        gv[i] = cos(0.003 * i) * 0.5;
        m[i] = v[i] = 0;
    }
    tfc_graph *g = tfc_graph_new();
    tfc_var wv = to_var(g, "w", TFC_DT_FLOAT, BIG, w, false, true);
    tfc_var mv = to_var(g, "m", TFC_DT_FLOAT, BIG, m, false, false);
    tfc_var vv = to_var(g, "v", TFC_DT_FLOAT, BIG, v, false, false);
    double sc[] = {0.9, 0.999, 0.01, 0.9, 0.999, 1e-7};
    tfc_node_builder *b = tfc_node_begin(g, "ApplyAdam", NULL);
    tfc_node_add_input(b, wv.ref);
    tfc_node_add_input(b, mv.ref);
    tfc_node_add_input(b, vv.ref);
    for (int k = 0; k < 6; k++) tfc_node_add_input(b, to_const_scalar(g, "s", TFC_DT_FLOAT, sc[k]));
    tfc_node_add_input(b, to_const(g, "g", TFC_DT_FLOAT, 1, (int64_t[]){BIG}, gv));
    tfc_out out = tfc_node_output(tfc_node_finish(b), 0);
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 2);
    to_run(s, init);
    tfc_tensor *t = to_fetch(s, out);
    for (int i = 0; i < BIG; i++) {
        double wf = (float)w[i], gf = (float)gv[i];
        double mm = 0.1 * gf, vvv = 0.001 * gf * gf;
        double lr_t =
            (double)(float)0.01 * sqrt(1 - (double)(float)0.999) / (1 - (double)(float)0.9);
        double want = wf - lr_t * mm / (sqrt(vvv) + (double)(float)1e-7);
        if (fabs(tu_at(t, i) - want) > 1e-6 + 1e-5 * fabs(want))
            fail_msg("element %d: %.9g, want %.9g", i, tu_at(t, i), want);
    }
    tfc_tensor_unref(t);
    tfc_session_free(s);
    tfc_graph_free(g);
}

int to_run_kernels(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_kernels_match_tf_formulas),
        TU_TEST(test_adam_first_step_by_hand),
        TU_TEST(test_kernel_errors),
        TU_TEST(test_steps_allocate_nothing),
        TU_TEST(test_large_variable_on_the_pool),
    };
    return cmocka_run_group_tests_name("apply kernels", tests, NULL, NULL);
}
