/* tfc_gradients: every differentiable op's gradient against central finite differences
 * (tfc_compute_gradient_error), path summing, no-path and missing-gradient cases, TF's names. */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "tfc/session.h"
#include "tfc/testing.h"
#include "tfc/train.h"

static tfc_tensor *values(tfc_dtype dt, int rank, const int64_t *dims, double scale) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st) != TFC_OK) fail_msg("%s", st.msg);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
        double v = scale * (0.37 + 0.61 * sin(1.7 * (double)i + 0.3)); /* away from 0 mostly */
        if (dt == TFC_DT_DOUBLE)
            ((double *)tfc_tensor_data(t))[i] = v;
        else
            ((float *)tfc_tensor_data(t))[i] = (float)v;
    }
    return t;
}

static tfc_out bin(tfc_graph *g, const char *op, tfc_out a, tfc_out b) {
    tfc_node_builder *nb = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

static tfc_out un(tfc_graph *g, const char *op, tfc_out a) {
    tfc_node_builder *nb = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(nb, a);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

/* Checks d(y)/d(x) at xv numerically; consumes xv. */
static void check_delta(tfc_graph *g, tfc_out x, tfc_tensor *xv, tfc_out y, double delta,
                        double tol) {
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("graph: %s", st.msg);
    double err;
    if (tfc_compute_gradient_error(g, x, xv, y, delta, &err, &st) != TFC_OK) fail_msg("%s", st.msg);
    if (!(err <= tol)) fail_msg("gradient error %g > %g (y = %s)", err, tol, tfc_node_op(y.node));
    tfc_tensor_unref(xv);
}

static void check(tfc_graph *g, tfc_out x, tfc_tensor *xv, tfc_out y, double tol) {
    check_delta(g, x, xv, y, 1e-6, tol);
}

static const int64_t d23[] = {2, 3}, d3[] = {3}, d213[] = {2, 1, 3}, d41[] = {4, 1};

static void test_broadcasting_binary_ops(void **state) {
    (void)state;
    static const char *ops[] = {"AddV2", "Add", "Sub", "Mul", "RealDiv"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        for (int side = 0; side < 2; side++) { /* differentiate the left or the right input */
            tfc_graph *g = tfc_graph_new();
            tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {2, 1, 3}});
            tfc_out c = tu_const_owned(g, values(TFC_DT_DOUBLE, 2, d41, side ? 1.0 : 2.0));
            tfc_out y = side ? bin(g, ops[k], c, x) : bin(g, ops[k], x, c);
            check(g, x, values(TFC_DT_DOUBLE, 3, d213, 1.0), y, 1e-6);
            tfc_graph_free(g);
        }
    }
}

static void test_unary_and_shape_ops(void **state) {
    (void)state;
    static const char *ops[] = {"Neg", "Square", "Identity", "Relu"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_dtype dt = strcmp(ops[k], "Relu") ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
        tfc_out x = tfc_placeholder(g, "x", dt, &(tfc_shape){2, {2, 3}});
        tfc_out y = un(g, ops[k], x);
        if (dt == TFC_DT_FLOAT)
            check_delta(g, x, values(dt, 2, d23, 1.0), y, 1e-3, 1e-2);
        else
            check(g, x, values(dt, 2, d23, 1.0), y, 1e-6);
        tfc_graph_free(g);
    }
    /* Reshape, ExpandDims and Sum (both keep_dims settings) */
    for (int v = 0; v < 4; v++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}});
        int64_t six[] = {6}, one = 1;
        tfc_tensor *shape = NULL;
        tfc_status st;
        TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {1}}, v == 0 ? six : &one, 8,
                                   &shape, &st));
        tfc_node_builder *nb = tfc_node_begin(g,
                                              v == 0   ? "Reshape"
                                              : v == 1 ? "ExpandDims"
                                                       : "Sum",
                                              NULL);
        tfc_node_add_input(nb, x);
        tfc_node_add_input(nb, tu_const_owned(g, shape));
        if (v == 3) tfc_node_set_attr_bool(nb, "keep_dims", true);
        tfc_out y = tfc_node_output(tfc_node_finish(nb), 0);
        check(g, x, values(TFC_DT_DOUBLE, 2, d23, 1.0), bin(g, "Mul", y, y), 1e-6);
        tfc_graph_free(g);
    }
}

static void test_matmul_all_transposes(void **state) {
    (void)state;
    for (int t = 0; t < 4; t++) {
        for (int side = 0; side < 2; side++) {
            bool ta = t & 1, tb = t & 2;
            tfc_graph *g = tfc_graph_new();
            int64_t ad[2] = {ta ? 3 : 2, ta ? 2 : 3}, bd[2] = {tb ? 4 : 3, tb ? 3 : 4};
            tfc_out a, b, x;
            tfc_tensor *xv;
            if (side == 0) {
                x = a = tfc_placeholder(g, "a", TFC_DT_DOUBLE, &(tfc_shape){2, {ad[0], ad[1]}});
                b = tu_const_owned(g, values(TFC_DT_DOUBLE, 2, bd, 1.5));
                xv = values(TFC_DT_DOUBLE, 2, ad, 1.0);
            } else {
                a = tu_const_owned(g, values(TFC_DT_DOUBLE, 2, ad, 1.5));
                x = b = tfc_placeholder(g, "b", TFC_DT_DOUBLE, &(tfc_shape){2, {bd[0], bd[1]}});
                xv = values(TFC_DT_DOUBLE, 2, bd, 1.0);
            }
            tfc_node_builder *nb = tfc_node_begin(g, "MatMul", NULL);
            tfc_node_add_input(nb, a);
            tfc_node_add_input(nb, b);
            tfc_node_set_attr_bool(nb, "transpose_a", ta);
            tfc_node_set_attr_bool(nb, "transpose_b", tb);
            check(g, x, xv, tfc_node_output(tfc_node_finish(nb), 0), 1e-6);
            tfc_graph_free(g);
        }
    }
}

/* AddN, IdentityN, PlaceholderWithDefault and Fill pass or sum gradients as TF's builders do. */
static void test_pass_through_ops(void **state) {
    (void)state;
    for (int v = 0; v < 4; v++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}}), y;
        tfc_out sq = un(g, "Square", x);
        tfc_node_builder *nb;
        if (v == 0) { /* AddN(x, x^2, x) */
            nb = tfc_node_begin(g, "AddN", NULL);
            tfc_node_add_input_list(nb, (tfc_out[]){x, sq, x}, 3);
            y = tfc_node_output(tfc_node_finish(nb), 0);
        } else if (v == 1) { /* IdentityN(x, x^2): out0 * out1 */
            nb = tfc_node_begin(g, "IdentityN", NULL);
            tfc_node_add_input_list(nb, (tfc_out[]){x, sq}, 2);
            tfc_node *n = tfc_node_finish(nb);
            y = bin(g, "Mul", tfc_node_output(n, 0), tfc_node_output(n, 1));
        } else if (v == 2) { /* PlaceholderWithDefault(x^2) squared */
            nb = tfc_node_begin(g, "PlaceholderWithDefault", NULL);
            tfc_node_add_input(nb, sq);
            tfc_node_set_attr_shape(nb, "shape", &(tfc_shape){2, {2, 3}});
            y = un(g, "Square", tfc_node_output(tfc_node_finish(nb), 0));
        } else { /* Fill([2, 2], Sum(x^2)) times x's first row pair */
            int64_t two[] = {2, 2}, all[] = {0, 1};
            tfc_tensor *dims = NULL, *axes = NULL;
            tfc_status st;
            TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {2}}, two, 16, &dims, &st));
            TU_OK(tfc_tensor_from_data(TFC_DT_INT64, &(tfc_shape){1, {2}}, all, 16, &axes, &st));
            tfc_out total = bin(g, "Sum", sq, tu_const_owned(g, axes));
            nb = tfc_node_begin(g, "Fill", NULL);
            tfc_node_add_input(nb, tu_const_owned(g, dims)), tfc_node_add_input(nb, total);
            y = un(g, "Square", tfc_node_output(tfc_node_finish(nb), 0));
        }
        check(g, x, values(TFC_DT_DOUBLE, 2, d23, 0.5), y, 1e-5);
        tfc_graph_free(g);
    }
}

static void test_paths_add_up(void **state) {
    (void)state;
    /* y = x*x + x + AddN(x, x): dy/dx = 2x + 3, through three paths */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
    tfc_node_builder *nb = tfc_node_begin(g, "AddN", NULL);
    tfc_node_add_input_list(nb, (tfc_out[]){x, x}, 2);
    tfc_out twice = tfc_node_output(tfc_node_finish(nb), 0);
    tfc_out y = bin(g, "AddV2", bin(g, "AddV2", bin(g, "Mul", x, x), x), twice);
    tfc_out dx;
    tfc_status st;
    TU_OK(tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, &st));
    assert_non_null(dx.node);
    assert_memory_equal(tfc_node_name(dx.node), "gradients/", 10);
    tfc_session *s;
    TU_OK(tfc_session_new(g, NULL, &s, &st));
    tfc_tensor *xv = values(TFC_DT_DOUBLE, 1, d3, 1.0), *out;
    tfc_feed f = {x, xv};
    TU_OK(tfc_session_run(s, &f, 1, &dx, 1, &out, NULL, 0, &st));
    for (int i = 0; i < 3; i++)
        assert_true(fabs(((double *)tfc_tensor_data(out))[i] -
                         (2 * ((double *)tfc_tensor_data(xv))[i] + 3)) < 1e-12);
    tfc_tensor_unref(out), tfc_tensor_unref(xv);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_no_path_and_missing_gradient(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){1, {3}});
    tfc_out z = tfc_placeholder(g, "z", TFC_DT_FLOAT, &(tfc_shape){1, {3}});
    tfc_out y = un(g, "Neg", x);
    tfc_out dz;
    tfc_status st;
    TU_OK(tfc_gradients(g, &y, 1, &z, 1, NULL, &dz, &st));
    assert_null(dz.node); /* TF returns None */
    /* An op on the path without a gradient function (second-order: ReluGrad) is TF's LookupError,
     * named. */
    tfc_out t = bin(g, "ReluGrad", x, z), dx;
    TU_OK(tfc_graph_status(g, &st));
    assert_int_equal(tfc_gradients(g, &t, 1, &x, 1, NULL, &dx, &st), TFC_UNIMPLEMENTED);
    assert_string_equal(st.msg, "No gradient defined for operation 'ReluGrad' (op type: ReluGrad)");
    assert_null(dx.node);
    tfc_graph_free(g);
}

int tu_run_nn_gradients(void);

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_broadcasting_binary_ops),
        TU_TEST(test_unary_and_shape_ops),
        TU_TEST(test_matmul_all_transposes),
        TU_TEST(test_pass_through_ops),
        TU_TEST(test_paths_add_up),
        TU_TEST(test_no_path_and_missing_gradient),
    };
    int failed = cmocka_run_group_tests_name("gradients", tests, NULL, NULL);
    return failed + tu_run_nn_gradients();
}
