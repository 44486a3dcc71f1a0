/* Variables: TF1 VariableV2 built by tfc_variable (names, collections, the initializer), TF's
 * messages for uninitialized reads, Assign/AssignAdd across runs, copy on write under a fetched
 * value, updates that allocate nothing, per-session values and shared_name; TF2 resource
 * variables; the state kernels through tfc__kernel_run with a variable table. */
#include "runtime_tests.h"

static tfc_session *new_session(tfc_graph *g) {
    tfc_session *s = NULL;
    tfc_status st;
    if (tfc_session_new(g, &(tfc_session_opts){.num_threads = 2}, &s, &st) != TFC_OK)
        fail_msg("session: %s", st.msg);
    return s;
}

static void expect_floats(const tfc_tensor *t, const float *want, int n) {
    assert_int_equal(tfc_tensor_dtype(t), TFC_DT_FLOAT);
    assert_int_equal(tfc_tensor_num_elements(t), n);
    for (int i = 0; i < n; i++)
        if (((const float *)tfc_tensor_data_const(t))[i] != want[i])
            fail_msg("element %d is %g, want %g", i, ((const float *)tfc_tensor_data_const(t))[i],
                     want[i]);
}

static tfc_tensor *fetch(tfc_session *s, tfc_out o) {
    tfc_tensor *r = NULL;
    tfc_status st;
    if (tfc_session_run(s, NULL, 0, &o, 1, &r, NULL, 0, &st) != TFC_OK) fail_msg("%s", st.msg);
    return r;
}

static void run_target(tfc_session *s, tfc_node *n) {
    tfc_status st;
    if (tfc_session_run(s, NULL, 0, NULL, 0, NULL, &n, 1, &st) != TFC_OK) fail_msg("%s", st.msg);
}

static void test_ref_variables(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    int64_t two = 2;
    tfc_var w = tfc_variable(g, "w", tr_const_floats(g, "w_init", 1, &two, (float[]){1, 2}), true);
    tfc_var k = tfc_variable(g, "k", tr_const_float(g, "k_init", 7), false);
    tfc_out add = tr_binary(g, "AssignAdd", "add", w.ref,
                            tr_const_floats(g, "ten", 1, &two, (float[]){10, 10}));
    tfc_out sub = tr_binary(g, "AssignSub", "sub", w.ref,
                            tr_const_floats(g, "half", 1, &two, (float[]){0.5f, 1.5f}));
    tfc_node *init = tfc_global_variables_initializer(g);
    TU_OK(tfc_graph_status(g, NULL));
    assert_string_equal(tfc_node_name(w.ref.node), "w");
    assert_string_equal(tfc_node_op(w.ref.node), "VariableV2");
    assert_string_equal(tfc_node_name(w.initializer), "w/Assign");
    assert_string_equal(tfc_node_name(w.value.node), "w/read");
    assert_string_equal(tfc_node_name(init), "init");
    assert_int_equal(tfc_node_num_control_inputs(init), 2);
    assert_int_equal(tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, NULL, NULL, 0), 2);
    tfc_out tv;
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, &tv, 1), 1);
    assert_ptr_equal(tv.node, w.ref.node);

    tfc_session *s = new_session(g);
    tfc_tensor *r = NULL;
    tfc_status st;
    assert_int_equal(tfc_session_run(s, NULL, 0, &w.value, 1, &r, NULL, 0, &st),
                     TFC_FAILED_PRECONDITION);
    TR_EXPECT(st, TFC_FAILED_PRECONDITION,
              "node 'w/read' (Identity): Attempting to use uninitialized value w");
    assert_int_equal(tfc_session_run(s, NULL, 0, NULL, 0, NULL, &add.node, 1, &st),
                     TFC_FAILED_PRECONDITION);
    TR_EXPECT(st, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value w");
    run_target(s, init);
    r = fetch(s, w.value);
    expect_floats(r, (float[]){1, 2}, 2);
    /* Updates after a fetch leave the fetched value alone (copy on write). */
    for (int i = 0; i < 3; i++) run_target(s, add.node);
    expect_floats(r, (float[]){1, 2}, 2);
    tfc_tensor_unref(r);
    r = fetch(s, w.value);
    expect_floats(r, (float[]){31, 32}, 2);
    tfc_tensor_unref(r);
    r = fetch(s, add); /* AssignAdd's output is the updated variable */
    expect_floats(r, (float[]){41, 42}, 2);
    tfc_tensor_unref(r);
    r = fetch(s, sub); /* and AssignSub's */
    expect_floats(r, (float[]){40.5f, 40.5f}, 2);
    tfc_tensor_unref(r);
    r = fetch(s, k.value);
    expect_floats(r, (float[]){7}, 1);
    tfc_tensor_unref(r);

    /* Each session has its own values. */
    tfc_session *s2 = new_session(g);
    assert_int_equal(tfc_session_run(s2, NULL, 0, &w.value, 1, &r, NULL, 0, &st),
                     TFC_FAILED_PRECONDITION);
    tfc_session_free(s2);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_assign_shapes_and_sharing(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    int64_t two = 2, three = 3;
    tfc_var w = tfc_variable(g, "w", tr_const_floats(g, "w_init", 1, &two, (float[]){1, 2}), true);
    tfc_out v3 = tr_const_floats(g, "v3", 1, &three, (float[]){4, 5, 6});
    tfc_node_builder *b = tfc_node_begin(g, "Assign", "loose");
    tfc_node_add_input(b, w.ref);
    tfc_node_add_input(b, v3);
    tfc_node_set_attr_bool(b, "validate_shape", false);
    tfc_out loose = tfc_node_output(tfc_node_finish(b), 0);
    /* A second VariableV2 with the first one's shared_name sees the same value. */
    b = tfc_node_begin(g, "VariableV2", "alias");
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){1, {-1}});
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_node_set_attr_string(b, "shared_name", "w", 1);
    tfc_out alias = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out alias_read = tr_unary(g, "Identity", "alias/read", alias);
    /* A strict Assign whose value's shape is only known at run time. */
    tfc_out p = tr_ph(g, "p", TFC_DT_FLOAT, 1, (int64_t[]){-1});
    tfc_out strict = tr_binary(g, "Assign", "strict", w.ref, p);
    tfc_node *init = tfc_global_variables_initializer(g);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s = new_session(g);
    run_target(s, init);
    tfc_tensor *r = fetch(s, alias_read);
    expect_floats(r, (float[]){1, 2}, 2);
    tfc_tensor_unref(r);
    tfc_status st;
    tfc_tensor *three_vals = tr_floats(1, &three, (float[]){7, 8, 9});
    assert_int_equal(
        tfc_session_run(s, &(tfc_feed){p, three_vals}, 1, NULL, 0, NULL, &strict.node, 1, &st),
        TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3]");
    tfc_tensor_unref(three_vals);
    r = fetch(s, loose); /* validate_shape=false: the variable takes the new shape */
    expect_floats(r, (float[]){4, 5, 6}, 3);
    tfc_tensor_unref(r);
    r = fetch(s, alias_read);
    expect_floats(r, (float[]){4, 5, 6}, 3);
    tfc_tensor_unref(r);
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* w = w * 0.5 and w += 1 as targets: after a warm-up, updates in place, no allocation. */
static void test_updates_allocate_nothing(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    int64_t n = 1000;
    float init_v[1000];
    for (int i = 0; i < 1000; i++) init_v[i] = (float)i;
    tfc_var w = tfc_variable(g, "w", tr_const_floats(g, "w_init", 1, &n, init_v), true);
    tfc_out half = tr_binary(g, "Mul", "half", w.value, tr_const_float(g, "h", 0.5f));
    tfc_out step = tr_binary(g, "Assign", "step", w.ref, half);
    tfc_out plus = tr_binary(g, "AssignAdd", "plus", w.ref,
                             tr_const_floats(g, "ones", 1, &n, (float[1000]){0}));
    tfc_node *init = tfc_global_variables_initializer(g);
    TU_OK(tfc_graph_status(g, NULL));
    tfc_session *s = new_session(g);
    run_target(s, init);
    run_target(s, step.node);
    run_target(s, plus.node);
    int64_t before = tfc_alloc_total_count();
    for (int i = 0; i < 10; i++) {
        run_target(s, step.node);
        run_target(s, plus.node);
    }
    assert_int_equal(tfc_alloc_total_count() - before, 0);
    tfc_tensor *r = fetch(s, w.value);
    assert_float_equal(((float *)tfc_tensor_data(r))[999], 999.0 / 2048, 1e-6);
    tfc_tensor_unref(r);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_resource_variables(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var v = tfc_resource_variable(g, "v", tr_const_float(g, "v_init", 3), true);
    tfc_out two = tr_const_float(g, "two", 2);
    tfc_node_builder *b = tfc_node_begin(g, "AssignAddVariableOp", "bump");
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, two);
    tfc_node *bump = tfc_node_finish(b);
    b = tfc_node_begin(g, "AssignSubVariableOp", "drop");
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, tr_const_float(g, "half", 0.5f));
    tfc_node *drop = tfc_node_finish(b);
    tfc_tensor *seven = tfc_tensor_scalar_int32(7);
    tfc_out i7 = tfc_const(g, "i7", seven);
    tfc_tensor_unref(seven);
    b = tfc_node_begin(g, "AssignVariableOp", "wrong");
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, i7);
    tfc_node *wrong = tfc_node_finish(b);
    /* A handle passed through Identity (as TF2 function bodies do) is still the variable. */
    b = tfc_node_begin(g, "ReadVariableOp", "read2");
    tfc_node_add_input(b, tr_unary(g, "Identity", "handle2", v.ref));
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_out read2 = tfc_node_output(tfc_node_finish(b), 0);
    tfc_node *init = tfc_global_variables_initializer(g);
    TU_OK(tfc_graph_status(g, NULL));
    assert_string_equal(tfc_shape_to_string(tfc_out_shape(read2), (char[16]){0}, 16), "[]");
    assert_string_equal(tfc_node_op(v.ref.node), "VarHandleOp");
    assert_string_equal(tfc_node_name(v.initializer), "v/Assign");
    assert_string_equal(tfc_node_name(v.value.node), "v/Read/ReadVariableOp");
    assert_int_equal(tfc_out_dtype(v.value), TFC_DT_FLOAT);
    assert_string_equal(tfc_shape_to_string(tfc_out_shape(v.value), (char[16]){0}, 16), "[]");

    tfc_session *s = new_session(g);
    tfc_tensor *r = NULL;
    tfc_status st;
    assert_int_equal(tfc_session_run(s, NULL, 0, &v.value, 1, &r, NULL, 0, &st),
                     TFC_FAILED_PRECONDITION);
    TR_EXPECT(st, TFC_FAILED_PRECONDITION,
              "Error while reading resource variable v from Container: localhost. This could mean "
              "that the variable was uninitialized. Not found: Container localhost does not "
              "exist. (Could not find resource: localhost/v)");
    assert_int_equal(tfc_session_run(s, NULL, 0, &v.ref, 1, &r, NULL, 0, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "is a resource handle");
    run_target(s, init);
    r = fetch(s, v.value);
    expect_floats(r, (float[]){3}, 1);
    run_target(s, bump);
    run_target(s, bump);
    expect_floats(r, (float[]){3}, 1); /* the earlier read is unchanged */
    tfc_tensor_unref(r);
    r = fetch(s, v.value);
    expect_floats(r, (float[]){7}, 1);
    tfc_tensor_unref(r);
    r = fetch(s, read2);
    expect_floats(r, (float[]){7}, 1);
    tfc_tensor_unref(r);
    run_target(s, drop);
    r = fetch(s, v.value);
    expect_floats(r, (float[]){6.5f}, 1);
    tfc_tensor_unref(r);
    assert_int_equal(tfc_session_run(s, NULL, 0, NULL, 0, NULL, &wrong, 1, &st),
                     TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Trying to assign variable with wrong dtype. Expected float got int32");
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_variable_errors(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_out p = tr_ph(g, "p", TFC_DT_FLOAT, 1, (int64_t[]){-1});
    tfc_var v = tfc_variable(g, "v", p, true);
    assert_null(v.ref.node);
    tfc_status st;
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    TR_EXPECT(st, TFC_INVALID_ARGUMENT, "variable 'v': the initial value's shape [?] is not fully");
    tfc_graph_free(g);
    /* A variable with no initializer. */
    g = tfc_graph_new();
    tfc_node_builder *b = tfc_node_begin(g, "VariableV2", "bare");
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){0});
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_graph_add_to_collection(g, TFC_GLOBAL_VARIABLES, tfc_node_output(tfc_node_finish(b), 0));
    assert_null(tfc_global_variables_initializer(g));
    assert_int_equal(tfc_graph_status(g, &st), TFC_FAILED_PRECONDITION);
    TR_EXPECT(st, TFC_FAILED_PRECONDITION, "variable 'bare' has no initializer");
    tfc_graph_free(g);
}

/* The state kernels alone, with a variable table (what op tests do). */
static void test_state_kernels_run(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var w = tfc_variable(g, "w", tr_const_float(g, "w0", 1), true);
    tfc_out add = tr_binary(g, "AssignAdd", "add", w.ref, tr_const_float(g, "d", 2));
    TU_OK(tfc_graph_status(g, NULL));
    tfc_var_table *vars = tfc__var_table_new();
    tfc_tensor *one = tfc_tensor_scalar_float(1), *two = tfc_tensor_scalar_float(2), *out = NULL;
    tfc_status st;
    TU_OK(tfc__kernel_run(w.ref.node, NULL, 0, &out, 1, NULL, vars, &st));
    assert_null(out); /* uninitialized */
    assert_int_equal(
        tfc__kernel_run(add.node, (const tfc_tensor *[]){NULL, two}, 2, &out, 1, NULL, vars, &st),
        TFC_FAILED_PRECONDITION);
    TR_EXPECT(st, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value w");
    TU_OK(tfc__kernel_run(w.initializer, (const tfc_tensor *[]){NULL, one}, 2, &out, 1, NULL, vars,
                          &st));
    expect_floats(out, (float[]){1}, 1);
    tfc_tensor_unref(out);
    TU_OK(
        tfc__kernel_run(add.node, (const tfc_tensor *[]){NULL, two}, 2, &out, 1, NULL, vars, &st));
    expect_floats(out, (float[]){3}, 1);
    tfc_tensor_unref(out);
    tfc_tensor_unref(one), tfc_tensor_unref(two);
    tfc__var_table_free(vars);
    tfc_graph_free(g);
}

int tr_run_variables(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_ref_variables),
        TU_TEST(test_assign_shapes_and_sharing),
        TU_TEST(test_updates_allocate_nothing),
        TU_TEST(test_resource_variables),
        TU_TEST(test_variable_errors),
        TU_TEST(test_state_kernels_run),
    };
    return cmocka_run_group_tests_name("variables", tests, NULL, NULL);
}
