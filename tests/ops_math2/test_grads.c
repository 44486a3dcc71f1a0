/* The math2 gradients against central finite differences (tfc_compute_gradient_error, float64,
 * tolerance 1e-6): Cos, Sin, Log1p, L2Loss, and FloorMod and DivNoNan on each input in turn with
 * shapes that broadcast both ways and scalars. Inputs stay away from FloorMod's jumps (x / y
 * never near an integer). The non-differentiable ops (Floor, Ceil, Round, FloorDiv, Range, Rank,
 * StopGradient) stop gradients: tfc_gradients gives no gradient through them. */
#include "math2_tests.h"
#include "tfc/session.h"
#include "tfc/testing.h"
#include "tfc/train.h"

/* values[i] = off + step * i, in a fresh double tensor */
static tfc_tensor *ramp(int rank, const int64_t *dims, double off, double step) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    double v[64];
    for (int64_t i = 0; i < n; i++) v[i] = off + step * (double)i;
    return tu_tensor(TFC_DT_DOUBLE, rank, dims, v);
}

static void test_unary_grads(void **state) {
    (void)state;
    static const struct {
        const char *op;
        double off, step;
    } ops[] = {
        {"Cos", -1.3, 0.55}, {"Sin", -1.3, 0.55}, {"Log1p", -0.8, 0.45}, {"L2Loss", -1.1, 0.4}};
    static const struct {
        int rank;
        int64_t dims[2];
    } shapes[] = {{2, {2, 3}}, {1, {4}}, {0, {0}}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            tfc_graph *g = tfc_graph_new();
            tfc_shape xs = tfc_shape_make(shapes[s].rank, shapes[s].dims);
            tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &xs);
            tfc_out y = tu_node(g, ops[k].op, &x, 1);
            char what[64];
            snprintf(what, sizeof what, "%s rank %d", ops[k].op, shapes[s].rank);
            tu_check_gradient(g, x, ramp(shapes[s].rank, shapes[s].dims, ops[k].off, ops[k].step),
                              y, what);
        }
}

/* FloorMod and DivNoNan, each input differentiated in turn against a constant other input. */
static void test_binary_grads(void **state) {
    (void)state;
    static const struct {
        int rx, rc;
        int64_t x[3], c[3];
    } shapes[] = {{3, 2, {2, 1, 3}, {4, 1}},
                  {2, 3, {4, 1}, {2, 1, 3}},
                  {2, 0, {2, 3}, {0}},
                  {0, 2, {0}, {2, 3}},
                  {2, 2, {2, 3}, {2, 3}}};
    static const char *ops[] = {"FloorMod", "DivNoNan"};
    for (int k = 0; k < 2; k++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int side = 0; side < 2; side++) {
                tfc_graph *g = tfc_graph_new();
                tfc_shape xs = tfc_shape_make(shapes[s].rx, shapes[s].x);
                tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &xs);
                /* dividends 0.37 + 1.1 i, divisors 1.3 + 0.5 i: no quotient within 1e-3 of an
                 * integer, so FloorMod is smooth around every point */
                bool x_divides = side == 1;
                tfc_out c =
                    tu_const_owned(g, x_divides ? ramp(shapes[s].rc, shapes[s].c, 0.37, 1.1)
                                                : ramp(shapes[s].rc, shapes[s].c, 1.3, 0.5));
                tfc_out in[2] = {x_divides ? c : x, x_divides ? x : c};
                tfc_out y = tu_node(g, ops[k], in, 2);
                char what[96];
                snprintf(what, sizeof what, "%s side %d shapes #%zu", ops[k], side, s);
                tfc_tensor *xv = x_divides ? ramp(shapes[s].rx, shapes[s].x, 1.3, 0.5)
                                           : ramp(shapes[s].rx, shapes[s].x, 0.37, 1.1);
                tu_check_gradient(g, x, xv, y, what);
            }
    /* DivNoNan's gradients are 0 where the divisor is 0 (no NaN reaches the input) */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
    tfc_out c =
        tu_const_owned(g, tu_tensor(TFC_DT_DOUBLE, 1, (int64_t[]){3}, (double[]){2, 0, -4}));
    tu_check_gradient(g, x, ramp(1, (int64_t[]){3}, 0.5, 1.0),
                      tu_node(g, "DivNoNan", (tfc_out[]){x, c}, 2), "DivNoNan zero divisor");
}

/* Through Floor, Ceil, Round, FloorDiv and StopGradient no gradient flows: y = op(x) has none
 * w.r.t. x, and y = x * StopGradient(x) has dy/dx = x (the stopped factor only). */
static void test_no_gradient_ops(void **state) {
    (void)state;
    static const char *unary[] = {"Floor", "Ceil", "Round", "StopGradient"};
    for (size_t k = 0; k < sizeof unary / sizeof unary[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){1, {3}});
        tfc_out y = tu_node(g, unary[k], &x, 1), dx;
        tfc_status st = {0};
        TU_OK(tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, &st));
        assert_null(dx.node);
        tfc_graph_free(g);
    }
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
    tfc_out c = tu_const_owned(g, ramp(0, NULL, 2.0, 0));
    tfc_out fd = tu_node(g, "FloorDiv", (tfc_out[]){x, c}, 2), dx;
    tfc_status st = {0};
    TU_OK(tfc_gradients(g, &fd, 1, &x, 1, NULL, &dx, &st));
    assert_null(dx.node);
    tfc_out y = tu_node(g, "Mul", (tfc_out[]){x, tu_node(g, "StopGradient", &x, 1)}, 2);
    TU_OK(tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, &st));
    assert_non_null(dx.node);
    tfc_session *s;
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    tfc_tensor *xv = ramp(1, (int64_t[]){3}, -1.5, 1.25), *got;
    tfc_feed feed = {x, xv};
    TU_OK(tfc_session_run(s, &feed, 1, &dx, 1, &got, NULL, 0, &st));
    m2_assert_close("d(x * StopGradient(x))/dx", got, (double[]){-1.5, -0.25, 1.0}, 3, 0, 0);
    tfc_tensor_unref(got), tfc_tensor_unref(xv);
    tfc_session_free(s);
    tfc_graph_free(g);
}

int m2_run_grads(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_unary_grads),
        TU_TEST(test_binary_grads),
        TU_TEST(test_no_gradient_ops),
    };
    return cmocka_run_group_tests_name("ops_math2_grads", tests, NULL, NULL);
}
