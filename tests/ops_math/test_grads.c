/* Every differentiable math op's gradient against central finite differences
 * (tfc_compute_gradient_error, float64, tolerance 1e-6), each input of the binary ops in turn with
 * shapes that broadcast both ways and scalars. Inputs stay away from kinks and ties: Maximum and
 * Minimum see distinct values, Abs no zeros, Log/Sqrt/Rsqrt/Pow bases positive, Max/Min
 * reductions distinct values. */
#include "math_tests.h"
#include "tfc/testing.h"
#include "tfc/train.h"

/* values[i] = off + step * i, in a fresh double tensor */
static tfc_tensor *ramp(int rank, const int64_t *dims, double off, double step) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    double v[64];
    for (int64_t i = 0; i < n; i++) v[i] = off + step * (double)i;
    return mt_tensor(TFC_DT_DOUBLE, rank, dims, v);
}

/* a permutation of the ramp, so values are distinct but not ordered */
static tfc_tensor *shuffled(int rank, const int64_t *dims, double off, double step) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    double v[64];
    for (int64_t i = 0; i < n; i++) v[i] = off + step * (double)((i * 7 + 3) % n);
    return mt_tensor(TFC_DT_DOUBLE, rank, dims, v);
}

typedef struct bin_grad {
    const char *op;
    double x_off, c_off; /* ramps of step 0.3: x from x_off, the constant from c_off */
} bin_grad;

static void test_binary_grads(void **state) {
    (void)state;
    static const bin_grad ops[] = {
        {"Maximum", 0.05, 0.2},
        {"Minimum", 0.05, 0.2},
        {"SquaredDifference", -0.7, 0.4},
        {"Pow", 0.3, 0.5},
    };
    static const struct {
        int rx, rc;
        int64_t x[3], c[3];
    } shapes[] = {{3, 2, {2, 1, 3}, {4, 1}},
                  {2, 3, {4, 1}, {2, 1, 3}},
                  {2, 0, {2, 3}, {0}},
                  {0, 2, {0}, {2, 3}},
                  {2, 2, {2, 3}, {2, 3}}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int side = 0; side < 2; side++) {
                tfc_graph *g = tfc_graph_new();
                tfc_shape xs = tfc_shape_make(shapes[s].rx, shapes[s].x);
                tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &xs);
                tfc_out c = tu_const_owned(g, ramp(shapes[s].rc, shapes[s].c, ops[k].c_off, 0.3));
                tfc_out in[2] = {side ? c : x, side ? x : c};
                tfc_out y = tu_node(g, ops[k].op, in, 2);
                char what[96];
                snprintf(what, sizeof what, "%s side %d shapes #%zu", ops[k].op, side, s);
                tu_check_gradient(g, x, ramp(shapes[s].rx, shapes[s].x, ops[k].x_off, 0.3), y,
                                  what);
            }
}

static void test_unary_grads(void **state) {
    (void)state;
    static const struct {
        const char *op;
        double off, step;
    } ops[] = {{"Abs", -1.05, 0.3},      {"Sign", -1.05, 0.3},     {"Sqrt", 0.2, 0.3},
               {"Rsqrt", 0.2, 0.3},      {"Exp", -1.0, 0.3},       {"Log", 0.2, 0.3},
               {"Reciprocal", 0.2, 0.3}, {"Reciprocal", -2.0, 0.3}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}});
        tfc_out y = tu_node(g, ops[k].op, &x, 1);
        tu_check_gradient(g, x, ramp(2, (int64_t[]){2, 3}, ops[k].off, ops[k].step), y, ops[k].op);
    }
    /* Cast between float types passes the gradient through (cast back to the source type) */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
    tfc_node_builder *b = tfc_node_begin(g, "Cast", NULL);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "DstT", TFC_DT_DOUBLE);
    tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out sq[2] = {y, y};
    tu_check_gradient(g, x, ramp(1, (int64_t[]){3}, 0.5, 0.3), tu_node(g, "Mul", sq, 2), "Cast");
}

static void test_select_grads(void **state) {
    (void)state;
    for (int side = 0; side < 2; side++) {
        /* SelectV2: cond [2,1,3], the differentiated branch [4,1], the other a scalar */
        tfc_graph *g = tfc_graph_new();
        double cv[] = {1, 0, 1, 0, 0, 1};
        tfc_out c = tu_const_owned(g, mt_tensor(TFC_DT_BOOL, 3, (int64_t[]){2, 1, 3}, cv));
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {4, 1}});
        tfc_out o = tu_const_owned(g, ramp(0, NULL, 5.0, 0));
        tfc_out in[3] = {c, side ? o : x, side ? x : o};
        tu_check_gradient(g, x, ramp(2, (int64_t[]){4, 1}, 0.1, 0.3), tu_node(g, "SelectV2", in, 3),
                          "SelectV2");
        /* Select: a vector condition over the first dim */
        g = tfc_graph_new();
        double cv4[] = {1, 0, 0, 1};
        c = tu_const_owned(g, mt_tensor(TFC_DT_BOOL, 1, (int64_t[]){4}, cv4));
        x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {4, 3}});
        o = tu_const_owned(g, ramp(2, (int64_t[]){4, 3}, 1.0, 0.1));
        tfc_out in1[3] = {c, side ? o : x, side ? x : o};
        tu_check_gradient(g, x, ramp(2, (int64_t[]){4, 3}, 0.1, 0.3), tu_node(g, "Select", in1, 3),
                          "Select");
    }
}

static void keep_attr(tfc_node_builder *b, bool keep) {
    if (keep) tfc_node_set_attr_bool(b, "keep_dims", true);
}

static void test_reduction_grads(void **state) {
    (void)state;
    static const char *ops[] = {"Mean", "Max", "Min", "Prod"};
    static const struct {
        int32_t a[3];
        int n;
    } sets[] = {{{1}, 1}, {{0, 2}, 2}, {{-1}, 1}, {{0, 1, 2}, 3}, {{0}, 0}};
    for (int k = 0; k < 4; k++)
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
            for (int keep = 0; keep < 2; keep++) {
                tfc_graph *g = tfc_graph_new();
                tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {2, 3, 2}});
                tfc_tensor *axt;
                tfc_shape as = tfc_shape_make(1, (int64_t[]){sets[s].n});
                if (tfc_tensor_from_data(TFC_DT_INT32, &as, sets[s].a,
                                         sizeof(int32_t) * (size_t)sets[s].n, &axt, NULL))
                    fail_msg("axes");
                tfc_out ax = tu_const_owned(g, axt);
                tfc_node_builder *b = tfc_node_begin(g, ops[k], NULL);
                tfc_node_add_input(b, x);
                tfc_node_add_input(b, ax);
                keep_attr(b, keep);
                tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
                char what[64];
                snprintf(what, sizeof what, "%s axes #%zu keep %d", ops[k], s, keep);
                tu_check_gradient(g, x, shuffled(3, (int64_t[]){2, 3, 2}, 0.4, 0.15), y, what);
            }
}

/* Prod's gradient where groups hold zeros: one zero (the others' product flows to it), two
 * zeros (nothing flows), none. Prod is multilinear, so differences are exact there. */
static void test_prod_grad_with_zeros(void **state) {
    (void)state;
    double v[] = {0, 1.5, 2, /* one zero */ 0, 0, 3, /* two */ 1.2, -0.5, 2 /* none */};
    for (int axis = 0; axis < 2; axis++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {3, 3}});
        tfc_out ax = tu_const_owned(g, mt_i32((int32_t[]){1 - axis}, 1));
        tfc_out in[2] = {x, ax};
        tu_check_gradient(g, x, mt_tensor(TFC_DT_DOUBLE, 2, (int64_t[]){3, 3}, v),
                          tu_node(g, "Prod", in, 2),
                          axis ? "Prod with zeros, axis 0" : "Prod with zeros, axis 1");
    }
}

/* Mean over an input whose static shape is unknown except for its rank: the element-count
 * factor is computed at run time. */
static void test_mean_grad_dynamic(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {-1, 3}});
    tfc_out ax = tu_const_owned(g, mt_i32((int32_t[]){0}, 1));
    tfc_out in[2] = {x, ax};
    tu_check_gradient(g, x, ramp(2, (int64_t[]){4, 3}, 0.1, 0.2), tu_node(g, "Mean", in, 2),
                      "Mean dynamic");
}

/* Reductions need constant axes to build their gradient (as Sum): the error names the node. */
static void test_reduction_grad_needs_constant_axes(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}});
    tfc_out ax = tfc_placeholder(g, "axes", TFC_DT_INT32, &(tfc_shape){1, {1}});
    tfc_node_builder *b = tfc_node_begin(g, "Max", "red");
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, ax);
    tfc_out y = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out dx;
    tfc_status st = {0};
    assert_int_not_equal(tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, &st), TFC_OK);
    MT_EXPECT_STATUS(st, TFC_UNIMPLEMENTED, "'red' (Max)", "constant axes");
    tfc_graph_free(g);
}

/* Comparisons, ArgMax and the logical ops stop gradients. */
static void test_no_gradient_ops(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){1, {3}});
    tfc_out in[2] = {x, x};
    tfc_out lt = tu_node(g, "Less", in, 2);
    tfc_out in2[3] = {lt, x, x};
    tfc_out y = tu_node(g, "SelectV2", in2, 3);
    tfc_out dx;
    tfc_status st;
    TU_OK(tfc_gradients(g, &y, 1, &x, 1, NULL, &dx, &st));
    assert_non_null(dx.node);
    tfc_graph_free(g);
}

int mt_run_grads(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_binary_grads),
        TU_TEST(test_unary_grads),
        TU_TEST(test_select_grads),
        TU_TEST(test_reduction_grads),
        TU_TEST(test_mean_grad_dynamic),
        TU_TEST(test_prod_grad_with_zeros),
        TU_TEST(test_reduction_grad_needs_constant_axes),
        TU_TEST(test_no_gradient_ops),
    };
    return cmocka_run_group_tests_name("ops_math_grads", tests, NULL, NULL);
}
