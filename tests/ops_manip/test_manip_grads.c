/* Every manip gradient against central differences (tfc_compute_gradient_error, double inputs,
 * tolerance 1e-6), over several ranks and axes including negative ones; Unpack with only some
 * outputs used (the others contribute zeros); gradients through a gradient op (StridedSliceGrad).
 */
#include "manip_tests.h"
#include "tfc/testing.h"
#include "tfc/train.h"

static tfc_tensor *values(int rank, const int64_t *dims, double scale) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    TU_OK(tfc_tensor_new(TFC_DT_DOUBLE, &s, &t, NULL));
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
        ((double *)tfc_tensor_data(t))[i] = scale * (0.37 + 0.61 * sin(1.7 * (double)i + 0.3));
    return t;
}

static tfc_out ints(tfc_graph *g, const int64_t *v, int n, bool i64) {
    return tu_const_owned(g, tm_ints(v, n, i64));
}

static void test_squeeze_transpose_grads(void **state) {
    (void)state;
    static const int64_t d[] = {2, 1, 3, 1};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){4, {2, 1, 3, 1}});
        tfc_node_builder *b = tfc_node_begin(g, "Squeeze", NULL);
        tfc_node_add_input(b, x);
        if (k) tfc_node_set_attr_int_list(b, "squeeze_dims", (int64_t[]){k == 1 ? 1 : -1}, 1);
        tu_check_gradient(g, x, values(4, d, 1), tfc_node_output(tfc_node_finish(b), 0), "Squeeze");
    }
    static const int64_t perms[][4] = {{3, 1, 0, 2}, {0, 1, 2, 3}, {2, 3, 1, 0}};
    static const int64_t d4[] = {2, 3, 1, 2};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){4, {2, 3, 1, 2}});
        tfc_out y = tu_node(g, "Transpose", (tfc_out[]){x, ints(g, perms[k], 4, k == 2)}, 2);
        tu_check_gradient(g, x, values(4, d4, 1), y, "Transpose");
    }
    /* a perm only known at run time */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}});
    tfc_out p = tu_node(g, "Identity", (tfc_out[]){ints(g, (int64_t[]){1, 0}, 2, false)}, 1);
    tu_check_gradient(g, x, values(2, (int64_t[]){2, 3}, 1),
                      tu_node(g, "Transpose", (tfc_out[]){x, p}, 2), "Transpose (run-time perm)");
}

static void test_concat_grads(void **state) {
    (void)state;
    static const int64_t axes[] = {0, 1, 2, -1, -3};
    for (int k = 0; k < 5; k++) {
        for (int pos = 0; pos < 3; pos++) { /* differentiate input pos */
            tfc_graph *g = tfc_graph_new();
            int64_t a = axes[k] < 0 ? axes[k] + 3 : axes[k], dx[3] = {2, 2, 2};
            dx[a] = pos + 1;
            tfc_out x =
                tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {dx[0], dx[1], dx[2]}});
            tfc_out in[3];
            for (int i = 0; i < 3; i++) {
                int64_t di[3] = {2, 2, 2};
                di[a] = i + 1;
                in[i] = i == pos ? x : tu_const_owned(g, values(3, di, 0.5));
            }
            tfc_node_builder *b = tfc_node_begin(g, "ConcatV2", NULL);
            tfc_node_add_input_list(b, in, 3);
            tfc_out ax = ints(g, &axes[k], -1, k == 4);
            if (k == 3) /* an int32 axis known only at run time goes to ConcatOffset as is */
                ax = tu_node(g, "Identity", &ax, 1);
            tfc_node_add_input(b, ax);
            tu_check_gradient(g, x, values(3, dx, 1), tfc_node_output(tfc_node_finish(b), 0),
                              "ConcatV2");
        }
    }
}

static void test_pack_unpack_grads(void **state) {
    (void)state;
    for (int64_t axis = -3; axis <= 2; axis++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){2, {2, 3}});
        tfc_out other = tu_const_owned(g, values(2, (int64_t[]){2, 3}, 2));
        tfc_node_builder *b = tfc_node_begin(g, "Pack", NULL);
        tfc_node_add_input_list(b, (tfc_out[]){other, x, other}, 3);
        tfc_node_set_attr_int(b, "axis", axis);
        tu_check_gradient(g, x, values(2, (int64_t[]){2, 3}, 1),
                          tfc_node_output(tfc_node_finish(b), 0), "Pack");
    }
    static const int64_t d[] = {3, 2, 4};
    for (int64_t axis = -3; axis <= 2; axis++) {
        int64_t a = axis < 0 ? axis + 3 : axis;
        /* y = Unpack(x)[1] + Unpack(x)[last]... only two outputs get gradients */
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {3, 2, 4}});
        tfc_node_builder *b = tfc_node_begin(g, "Unpack", NULL);
        tfc_node_add_input(b, x);
        tfc_node_set_attr_int(b, "num", d[a]);
        tfc_node_set_attr_int(b, "axis", axis);
        tfc_node *u = tfc_node_finish(b);
        tfc_out y = tu_node(
            g, "Mul", (tfc_out[]){tfc_node_output(u, 1), tfc_node_output(u, (int)d[a] - 1)}, 2);
        tu_check_gradient(g, x, values(3, d, 1), y, "Unpack");
    }
}

static void test_tile_grads(void **state) {
    (void)state;
    static const int64_t d[] = {2, 1, 3}, mult[][3] = {{1, 1, 1}, {2, 3, 1}, {1, 2, 2}};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {2, 1, 3}});
        tfc_out y = tu_node(g, "Tile", (tfc_out[]){x, ints(g, mult[k], 3, k == 2)}, 2);
        tu_check_gradient(g, x, values(3, d, 1), y, "Tile");
    }
}

static void test_slice_grads(void **state) {
    (void)state;
    static const int64_t d[] = {3, 4, 2};
    static const int64_t b[][3] = {{0, 1, 0}, {1, 0, 1}, {2, 3, 0}},
                         s[][3] = {{2, -1, 2}, {-1, 3, 1}, {1, 1, -1}};
    for (int k = 0; k < 3; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {3, 4, 2}});
        tfc_out y = tu_node(g, "Slice",
                            (tfc_out[]){x, ints(g, b[k], 3, k == 1), ints(g, s[k], 3, k == 1)}, 3);
        tu_check_gradient(g, x, values(3, d, 1), y, "Slice");
    }
    /* StridedSlice: x[1:, None, ..., ::-2], x[-1, :, 1], x[::2, 3:0:-1] */
    struct {
        int n;
        int64_t b[4], e[4], s[4], m[5];
    } cases[] = {
        {4, {1, 0, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, -2}, {8, 9, 4, 2, 0}},
        {3, {-1, 0, 1}, {0, 0, 2}, {1, 1, 1}, {2, 2, 0, 0, 5}},
        {2, {0, 3}, {0, 0}, {2, -1}, {1, 1, 0, 0, 0}},
    };
    static const char *names[] = {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                  "shrink_axis_mask"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (int gg = 0; gg < 2; gg++) { /* gg: differentiate StridedSliceGrad's dy instead */
            tfc_graph *g = tfc_graph_new();
            tfc_out x = tfc_placeholder(g, "x", TFC_DT_DOUBLE, &(tfc_shape){3, {3, 4, 2}});
            tfc_out be = ints(g, cases[k].b, cases[k].n, k == 1),
                    en = ints(g, cases[k].e, cases[k].n, k == 1),
                    st = ints(g, cases[k].s, cases[k].n, k == 1);
            tfc_node_builder *nb = tfc_node_begin(g, "StridedSlice", NULL);
            tfc_node_add_input(nb, x);
            tfc_node_add_input(nb, be);
            tfc_node_add_input(nb, en);
            tfc_node_add_input(nb, st);
            for (int i = 0; i < 5; i++)
                if (cases[k].m[i]) tfc_node_set_attr_int(nb, names[i], cases[k].m[i]);
            tfc_out y = tfc_node_output(tfc_node_finish(nb), 0);
            if (!gg) {
                tu_check_gradient(g, x, values(3, d, 1), y, "StridedSlice");
                continue;
            }
            /* StridedSliceGrad(shape, ..., dy) as a function of dy */
            tfc_shape ys = *tfc_out_shape(y);
            tfc_out dy = tfc_placeholder(g, "dy", TFC_DT_DOUBLE, &ys);
            nb = tfc_node_begin(g, "StridedSliceGrad", NULL);
            tfc_node_add_input(nb, ints(g, d, 3, k == 1));
            tfc_node_add_input(nb, be);
            tfc_node_add_input(nb, en);
            tfc_node_add_input(nb, st);
            tfc_node_add_input(nb, dy);
            for (int i = 0; i < 5; i++)
                if (cases[k].m[i]) tfc_node_set_attr_int(nb, names[i], cases[k].m[i]);
            tfc_out z = tfc_node_output(tfc_node_finish(nb), 0);
            tu_check_gradient(g, dy, values(ys.rank, ys.dims, 1), z, "StridedSliceGrad");
        }
    }
}

int tm_run_grads(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_squeeze_transpose_grads),
        TU_TEST(test_concat_grads),
        TU_TEST(test_pack_unpack_grads),
        TU_TEST(test_tile_grads),
        TU_TEST(test_slice_grads),
    };
    return cmocka_run_group_tests_name("manip_grads", tests, NULL, NULL);
}
