/* The learning-rate schedules at chosen steps (before, at and after each boundary and the end of
 * the decay) against TF's formulas computed here in double; the global step fed as an int64
 * placeholder, read from an int64 variable, and as int32; TF's scope names; errors; export to a
 * GraphDef and back. */
#include "sched_tests.h"
#include "tfc/schedules.h"
#include "tfc/variables.h"

static const int64_t steps[] = {0,   1,    7,    99,   100,  101,  250,
                                999, 1000, 1001, 1500, 2000, 2001, 5000};
#define NSTEPS (int)(sizeof steps / sizeof steps[0])

typedef double (*ref_fn)(double step, const void *ctx);

/* Evaluates lr (built on placeholder `step`) at every step against ref. */
static void sweep(tfc_graph *g, tfc_out step, tfc_out lr, ref_fn ref, const void *ctx,
                  const char *what) {
    ts_graph_ok(g);
    assert_int_equal(tfc_out_dtype(lr), TFC_DT_FLOAT);
    assert_int_equal(tfc_out_shape(lr)->rank, 0);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    for (int i = 0; i < NSTEPS; i++) {
        tfc_tensor *v = tu_scalar(tfc_out_dtype(step), (double)steps[i]);
        tfc_feed f = {step, v};
        char buf[96];
        snprintf(buf, sizeof buf, "%s at step %lld", what, (long long)steps[i]);
        ts_close(buf, ts_run1(s, &f, 1, lr), ref((double)steps[i], ctx), 2e-6);
        tfc_tensor_unref(v);
    }
    tfc_session_free(s);
}

static tfc_out step_placeholder(tfc_graph *g, tfc_dtype dt) {
    return tfc_placeholder(g, "global_step", dt, &(tfc_shape){0, {0}});
}

/* ---- exponential_decay ---- */

typedef struct exp_ctx {
    double lr, steps, rate;
    bool stair;
} exp_ctx;

static double ref_exp(double step, const void *p) {
    const exp_ctx *c = p;
    double e = step / c->steps;
    return c->lr * pow(c->rate, c->stair ? floor(e) : e);
}

static void test_exponential_decay(void **state) {
    (void)state;
    for (int stair = 0; stair < 2; stair++) {
        exp_ctx c = {0.1, 100, 0.96, stair};
        tfc_graph *g = tfc_graph_new();
        tfc_out step = step_placeholder(g, TFC_DT_INT64);
        tfc_out lr = tfc_train_exponential_decay(g, c.lr, step, c.steps, c.rate, c.stair, NULL);
        assert_string_equal(tfc_node_name(lr.node), "ExponentialDecay");
        assert_string_equal(tfc_node_op(lr.node), "Mul");
        sweep(g, step, lr, ref_exp, &c,
              stair ? "exponential_decay staircase" : "exponential_decay");
        /* a second schedule gets its own scope; a name replaces the default */
        tfc_out lr2 = tfc_train_exponential_decay(g, 1.0, step, 3, 0.5, false, NULL);
        assert_string_equal(tfc_node_name(lr2.node), "ExponentialDecay_1");
        tfc_out lr3 = tfc_train_exponential_decay(g, 1.0, step, 3, 0.5, false, "my_lr");
        assert_string_equal(tfc_node_name(lr3.node), "my_lr");
        assert_non_null(
            tfc_graph_find(g, stair ? "ExponentialDecay/Floor" : "ExponentialDecay/Pow"));
        tfc_graph_free(g);
    }
}

/* ---- piecewise_constant ---- */

typedef struct pw_ctx {
    const int64_t *b;
    const double *v;
    int n;
} pw_ctx;

static double ref_pw(double step, const void *p) {
    const pw_ctx *c = p;
    for (int i = 0; i < c->n; i++)
        if (step <= (double)c->b[i]) return (float)c->v[i];
    return (float)c->v[c->n];
}

static void test_piecewise_constant(void **state) {
    (void)state;
    static const int64_t b[] = {100, 1000, 2000};
    static const double v[] = {1.0, 0.5, 0.1, 0.01};
    static const tfc_dtype types[] = {TFC_DT_INT64, TFC_DT_INT32, TFC_DT_FLOAT, TFC_DT_DOUBLE};
    pw_ctx c = {b, v, 3};
    for (int t = 0; t < 4; t++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out step = step_placeholder(g, types[t]);
        tfc_out lr = tfc_train_piecewise_constant(g, step, b, v, 3, NULL);
        assert_string_equal(tfc_node_name(lr.node), "PiecewiseConstant/case");
        sweep(g, step, lr, ref_pw, &c, "piecewise_constant");
        tfc_graph_free(g);
    }
    /* one boundary; equal boundaries are allowed (the middle value is never chosen) */
    static const int64_t b1[] = {1000}, b2[] = {100, 100};
    static const double v1[] = {3, 4}, v2[] = {1, 2, 3};
    pw_ctx c1 = {b1, v1, 1}, c2 = {b2, v2, 2};
    tfc_graph *g = tfc_graph_new();
    tfc_out step = step_placeholder(g, TFC_DT_INT64);
    sweep(g, step, tfc_train_piecewise_constant(g, step, b1, v1, 1, "one"), ref_pw, &c1, "one");
    tfc_graph_free(g);
    g = tfc_graph_new();
    step = step_placeholder(g, TFC_DT_INT64);
    sweep(g, step, tfc_train_piecewise_constant(g, step, b2, v2, 2, NULL), ref_pw, &c2, "equal");
    tfc_graph_free(g);
}

static void test_piecewise_constant_errors(void **state) {
    (void)state;
    static const int64_t b[] = {200, 100};
    static const double v[] = {1, 2, 3};
    tfc_graph *g = tfc_graph_new();
    tfc_out step = step_placeholder(g, TFC_DT_INT64);
    assert_null(tfc_train_piecewise_constant(g, step, b, v, 2, NULL).node);
    tfc_status st;
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "boundaries must not decrease"));
    tfc_graph_free(g);
    g = tfc_graph_new();
    step = step_placeholder(g, TFC_DT_INT64);
    assert_null(tfc_train_piecewise_constant(g, step, b, v, 0, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    tfc_graph_free(g);
}

/* ---- polynomial_decay ---- */

typedef struct poly_ctx {
    double lr, steps, end, power;
    bool cycle;
} poly_ctx;

static double ref_poly(double step, const void *p) {
    const poly_ctx *c = p;
    double ds = c->steps, s = step;
    if (c->cycle)
        ds *= step == 0 ? 1 : ceil(step / c->steps);
    else
        s = fmin(step, ds);
    return (c->lr - c->end) * pow(1 - s / ds, c->power) + c->end;
}

static void test_polynomial_decay(void **state) {
    (void)state;
    static const poly_ctx cases[] = {
        {0.1, 1000, 0.0001, 1.0, false}, /* TF's defaults */
        {0.1, 1000, 0.001, 0.5, false},
        {0.1, 1000, 0.001, 2.0, true},
        {0.5, 300, 0.0, 1.0, true},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out step = step_placeholder(g, TFC_DT_INT64);
        const poly_ctx *c = &cases[k];
        tfc_out lr =
            tfc_train_polynomial_decay(g, c->lr, step, c->steps, c->end, c->power, c->cycle, NULL);
        assert_string_equal(tfc_node_name(lr.node), "PolynomialDecay");
        char what[64];
        snprintf(what, sizeof what, "polynomial_decay #%zu", k);
        sweep(g, step, lr, ref_poly, c, what);
        tfc_graph_free(g);
    }
}

/* ---- inverse_time_decay ---- */

static double ref_inv(double step, const void *p) {
    const exp_ctx *c = p;
    double q = step / c->steps;
    return c->lr / (1 + c->rate * (c->stair ? floor(q) : q));
}

static void test_inverse_time_decay(void **state) {
    (void)state;
    for (int stair = 0; stair < 2; stair++) {
        exp_ctx c = {0.1, 100, 0.5, stair};
        tfc_graph *g = tfc_graph_new();
        tfc_out step = step_placeholder(g, TFC_DT_INT64);
        tfc_out lr = tfc_train_inverse_time_decay(g, c.lr, step, c.steps, c.rate, c.stair, NULL);
        assert_string_equal(tfc_node_name(lr.node), "InverseTimeDecay");
        assert_string_equal(tfc_node_op(lr.node), "RealDiv");
        sweep(g, step, lr, ref_inv, &c, "inverse_time_decay");
        tfc_graph_free(g);
    }
}

/* ---- cosine_decay ---- */

typedef struct cos_ctx {
    double lr, steps, alpha, warmup;
} cos_ctx;

static double cosine(double lr, double s, double steps, double alpha) {
    double decayed = 0.5 * (1 + cos(M_PI * s / steps));
    return lr * ((1 - alpha) * decayed + alpha);
}

static double ref_cos(double step, const void *p) {
    const cos_ctx *c = p;
    if (c->warmup <= 0) return cosine(c->lr, fmin(step, c->steps), c->steps, c->alpha);
    double s = fmin(step, c->steps + c->warmup);
    if (s < c->warmup) return c->lr * s / c->warmup;
    return cosine(c->lr, s - c->warmup, c->steps, c->alpha);
}

static void test_cosine_decay(void **state) {
    (void)state;
    static const cos_ctx cases[] = {
        {0.1, 1000, 0, 0},
        {0.1, 1000, 0.1, 0},
        {0.1, 1000, 0, 100},
        {0.05, 2000, 0.2, 250},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out step = step_placeholder(g, TFC_DT_INT64);
        const cos_ctx *c = &cases[k];
        tfc_out lr = tfc_train_cosine_decay(g, c->lr, step, c->steps, c->alpha, c->warmup, NULL);
        char what[64];
        snprintf(what, sizeof what, "cosine_decay #%zu", k);
        /* absolute closeness: the cosine's float32 rounding near pi is about 1e-8 of lr */
        sweep(g, step, lr, ref_cos, c, what);
        assert_non_null(tfc_graph_find(g, "CosineDecay/Cos"));
        tfc_graph_free(g);
    }
}

/* The schedule reads a global step kept in an int64 variable (its ref output). */
static void test_step_variable(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_tensor *zero = tu_scalar(TFC_DT_INT64, 0);
    tfc_var gs =
        tfc_variable(g, "global_step", tfc_const(g, "global_step/initial_value", zero), false);
    tfc_tensor_unref(zero);
    tfc_out lr = tfc_train_exponential_decay(g, 0.1, gs.ref, 10, 0.5, true, NULL);
    tfc_node_builder *b = tfc_node_begin(g, "AssignAdd", "increment");
    tfc_node_add_input(b, gs.ref);
    tfc_tensor *one = tu_scalar(TFC_DT_INT64, 7);
    tfc_node_add_input(b, tfc_const(g, "one", one));
    tfc_tensor_unref(one);
    tfc_node *inc = tfc_node_finish(b);
    tfc_node *init = tfc_global_variables_initializer(g);
    ts_graph_ok(g);
    tfc_session *s;
    tfc_status st = {0};
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    ts_run_targets(s, NULL, 0, &init, 1);
    for (int i = 0; i < 5; i++) {
        double step = 7.0 * i;
        ts_close("lr from the variable", ts_run1(s, NULL, 0, lr), 0.1 * pow(0.5, floor(step / 10)),
                 1e-6);
        ts_run_targets(s, NULL, 0, &inc, 1);
    }
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_schedule_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_status st;
    assert_null(tfc_train_exponential_decay(g, 0.1, (tfc_out){NULL, 0}, 10, 0.5, false, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "global_step is required for exponential_decay"));
    tfc_graph_free(g);
    g = tfc_graph_new();
    tfc_out s = tfc_placeholder(g, "step", TFC_DT_BOOL, &(tfc_shape){0, {0}});
    assert_null(tfc_train_cosine_decay(g, 0.1, s, 10, 0, 0, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "'step'"));
    /* sticky: later builders return nothing */
    tfc_out ok = tfc_placeholder(g, "ok", TFC_DT_INT64, &(tfc_shape){0, {0}});
    assert_null(tfc_train_polynomial_decay(g, 0.1, ok, 10, 0.0, 1, false, NULL).node);
    tfc_graph_free(g);
    g = tfc_graph_new();
    s = tfc_placeholder(g, "steps", TFC_DT_INT64, &(tfc_shape){1, {2}});
    assert_null(tfc_train_inverse_time_decay(g, 0.1, s, 10, 0.5, false, NULL).node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "must be a scalar"));
    tfc_graph_free(g);
}

/* Every schedule exports in a GraphDef, imports into a new graph and gives the same values. */
static void test_schedules_export(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out step = step_placeholder(g, TFC_DT_INT64);
    static const int64_t b[] = {10, 20};
    static const double v[] = {3, 2, 1};
    tfc_out lrs[5] = {
        tfc_train_exponential_decay(g, 0.1, step, 10, 0.9, true, NULL),
        tfc_train_piecewise_constant(g, step, b, v, 2, NULL),
        tfc_train_polynomial_decay(g, 0.1, step, 30, 0.001, 2, true, NULL),
        tfc_train_inverse_time_decay(g, 0.1, step, 10, 0.5, false, NULL),
        tfc_train_cosine_decay(g, 0.1, step, 30, 0.1, 5, NULL),
    };
    ts_graph_ok(g);
    uint8_t *pb;
    size_t n;
    tfc_status st = {0};
    TU_OK(tfc_graph_to_graphdef(g, &pb, &n, &st));
    tfc_graph *h = tfc_graph_new();
    TU_OK(tfc_graph_import(h, pb, n, "", &st));
    tfc_free(pb);
    tfc_session *s1, *s2;
    TU_OK(tfc_session_new(g, NULL, &s1, &st));
    TU_OK(tfc_session_new(h, NULL, &s2, &st));
    tfc_out step2 = tfc_graph_find_output(h, "global_step");
    for (int64_t k = 0; k < 40; k += 3) {
        tfc_tensor *t = tu_scalar(TFC_DT_INT64, (double)k);
        tfc_feed f1 = {step, t}, f2 = {step2, t};
        for (int i = 0; i < 5; i++) {
            tfc_out o = tfc_graph_find_output(h, tfc_node_name(lrs[i].node));
            assert_non_null(o.node);
            ts_close("imported schedule", ts_run1(s2, &f2, 1, o), ts_run1(s1, &f1, 1, lrs[i]), 0);
        }
        tfc_tensor_unref(t);
    }
    tfc_session_free(s1), tfc_session_free(s2);
    tfc_graph_free(g), tfc_graph_free(h);
}

int ts_run_schedules(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_exponential_decay),
        TU_TEST(test_piecewise_constant),
        TU_TEST(test_piecewise_constant_errors),
        TU_TEST(test_polynomial_decay),
        TU_TEST(test_inverse_time_decay),
        TU_TEST(test_cosine_decay),
        TU_TEST(test_step_variable),
        TU_TEST(test_schedule_errors),
        TU_TEST(test_schedules_export),
    };
    return cmocka_run_group_tests_name("train_schedules", tests, NULL, NULL);
}
