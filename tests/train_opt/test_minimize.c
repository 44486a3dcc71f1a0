/* tfc_optimizer_minimize and friends: each optimizer's first three steps on a small quadratic
 * against TF's update rules worked out here (float and double, ref and resource variables,
 * Nesterov), TF's names for slots and ops, collections, the global step, tf.clip_by_global_norm,
 * UPDATE_OPS, a learning-rate tensor, gradients through several reads of a resource variable, and
 * the errors TF raises. */
#include "opt_tests.h"

/* loss = sum((w - c)^2): d loss / dw = 2 (w - c). */
static const double w_init[2] = {1, -2}, c_val[2] = {3, 1};

static tfc_out quadratic(tfc_graph *g, tfc_out w, tfc_dtype dt) {
    tfc_out c = to_const(g, "c", dt, 1, (int64_t[]){2}, c_val);
    return to_sum(g, to_op1(g, "Square", to_op2(g, "Sub", w, c)));
}

/* TF's Python consts are float32: what every hyperparameter is before the Cast to the variable's
 * dtype. */
static double f32(double v) {
    return (double)(float)v;
}

/* The optimizer's state, simulated from TF's documented rules. */
typedef struct sim {
    double w[2], s1[2], s2[2];
    float b1p, b2p; /* Adam's beta powers: float32 variables */
} sim;

static void sim_init(sim *x, const tfc_optimizer_opts *o, tfc_dtype dt) {
    memset(x, 0, sizeof *x);
    double as = dt == TFC_DT_FLOAT ? f32(1) : 1; /* a slot's initial value in the var's dtype */
    for (int i = 0; i < 2; i++) {
        x->w[i] = w_init[i];
        if (o->kind == TFC_OPTIMIZER_RMSPROP) x->s1[i] = as;
        if (o->kind == TFC_OPTIMIZER_ADAGRAD) {
            double a = o->initial_accumulator_value ? o->initial_accumulator_value : 0.1;
            x->s1[i] = dt == TFC_DT_FLOAT ? f32(a) : a;
        }
    }
    x->b1p = (float)(o->beta1 ? o->beta1 : 0.9);
    x->b2p = (float)(o->beta2 ? o->beta2 : 0.999);
}

static void sim_step(sim *x, const tfc_optimizer_opts *o) {
    double lr = f32(o->learning_rate ? o->learning_rate : 0.001);
    for (int i = 0; i < 2; i++) {
        double g = 2 * (x->w[i] - c_val[i]);
        double *w = &x->w[i], *a = &x->s1[i], *b = &x->s2[i];
        switch (o->kind) {
        case TFC_OPTIMIZER_GRADIENT_DESCENT:
            *w -= lr * g;
            break;
        case TFC_OPTIMIZER_MOMENTUM: {
            double mu = f32(o->momentum);
            *a = mu * *a + g;
            *w -= o->use_nesterov ? lr * g + lr * mu * *a : lr * *a;
            break;
        }
        case TFC_OPTIMIZER_ADAM: {
            double b1 = f32(o->beta1 ? o->beta1 : 0.9), b2 = f32(o->beta2 ? o->beta2 : 0.999);
            double eps = f32(o->epsilon ? o->epsilon : 1e-8);
            double lr_t = lr * sqrt(1 - (double)x->b2p) / (1 - (double)x->b1p);
            *a = b1 * *a + (1 - b1) * g;
            *b = b2 * *b + (1 - b2) * g * g;
            double num = o->use_nesterov ? b1 * *a + (1 - b1) * g : *a;
            *w -= lr_t * num / (sqrt(*b) + eps);
            break;
        }
        case TFC_OPTIMIZER_RMSPROP: {
            double rho = f32(o->decay ? o->decay : 0.9), mu = f32(o->rms_momentum);
            double eps = f32(o->epsilon ? o->epsilon : 1e-10);
            *a = rho * *a + (1 - rho) * g * g;
            *b = mu * *b + lr * g / sqrt(*a + eps);
            *w -= *b;
            break;
        }
        case TFC_OPTIMIZER_ADAGRAD:
            *a += g * g;
            *w -= lr * g / sqrt(*a);
            break;
        }
    }
    if (o->kind == TFC_OPTIMIZER_ADAM) {
        x->b1p = x->b1p * (float)(o->beta1 ? o->beta1 : 0.9);
        x->b2p = x->b2p * (float)(o->beta2 ? o->beta2 : 0.999);
    }
}

static const tfc_optimizer_opts configs[] = {
    {.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.1},
    {.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 0.1, .momentum = 0.9},
    {.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 0.1, .momentum = 0.9, .use_nesterov = true},
    {.kind = TFC_OPTIMIZER_ADAM},
    {.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 0.1, .beta1 = 0.8, .epsilon = 1e-3},
    {.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 0.1, .use_nesterov = true},
    {.kind = TFC_OPTIMIZER_RMSPROP, .learning_rate = 0.01},
    {.kind = TFC_OPTIMIZER_RMSPROP, .learning_rate = 0.01, .rms_momentum = 0.5, .decay = 0.8},
    {.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 0.1},
    {.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 0.5, .initial_accumulator_value = 1},
};

static void first_steps(const tfc_optimizer_opts *o, tfc_dtype dt, bool resource) {
    tfc_graph *g = tfc_graph_new();
    tfc_var step = tfc_train_get_or_create_global_step(g);
    tfc_var w = to_var(g, "w", dt, 2, w_init, resource, true);
    tfc_out loss = quadratic(g, w.value, dt);
    tfc_node *train;
    tfc_status st;
    if (tfc_optimizer_minimize(g, o, loss, &step, NULL, 0, &train, &st) != TFC_OK)
        fail_msg("minimize: %s", st.msg);
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    sim x;
    sim_init(&x, o, dt);
    char what[128];
    for (int k = 1; k <= 3; k++) {
        to_run(s, train);
        sim_step(&x, o);
        snprintf(what, sizeof what, "%s%s %s %s step %d", tfc_optimizer_kind_name(o->kind),
                 o->use_nesterov ? " (Nesterov)" : "", tfc_dtype_name(dt),
                 resource ? "resource" : "ref", k);
        to_expect_out(s, w.value, x.w, 2, dt == TFC_DT_FLOAT ? 1e-5 : 1e-12, what);
        to_expect_out(s, step.value, (double[]){k}, 1, 0, "global_step");
    }
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_first_steps_of_each_optimizer(void **state) {
    (void)state;
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++)
        for (int dt = 0; dt < 2; dt++)
            for (int resource = 0; resource < 2; resource++)
                first_steps(&configs[c], dt ? TFC_DT_DOUBLE : TFC_DT_FLOAT, resource);
}

/* The first step worked out by hand: g = 2 (w - c) = [-4, -6]. */
static void test_first_step_by_hand(void **state) {
    (void)state;
    struct {
        tfc_optimizer_opts o;
        double w1[2];
    } hand[] = {
        /* w - 0.1 g */
        {{.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.1}, {1.4, -1.4}},
        /* accum = g; w - 0.1 g */
        {{.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 0.1, .momentum = 0.9}, {1.4, -1.4}},
        /* Nesterov: w - 0.1 g - 0.1 * 0.9 * g */
        {{.kind = TFC_OPTIMIZER_MOMENTUM,
          .learning_rate = 0.1,
          .momentum = 0.9,
          .use_nesterov = true},
         {1.76, -0.86}},
        /* Adam's first step is lr * sign(g) (up to epsilon) */
        {{.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 0.5}, {1.5, -1.5}},
        /* RMSProp: ms = 0.9 + 0.1 g^2 = [2.5, 4.5]; w - 0.01 g / sqrt(ms) */
        {{.kind = TFC_OPTIMIZER_RMSPROP, .learning_rate = 0.01},
         {1 + 0.04 / 1.5811388300841898, -2 + 0.06 / 2.1213203435596424}},
        /* Adagrad: acc = 0.1 + g^2 = [16.1, 36.1]; w - 0.1 g / sqrt(acc) */
        {{.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 0.1},
         {1 + 0.4 / 4.0124805295477755, -2 + 0.6 / 6.008327554319921}},
    };
    for (size_t k = 0; k < sizeof hand / sizeof *hand; k++) {
        tfc_graph *g = tfc_graph_new();
        tfc_var w = to_var(g, "w", TFC_DT_DOUBLE, 2, w_init, false, true);
        tfc_node *train;
        tfc_status st;
        TU_OK(tfc_optimizer_minimize(g, &hand[k].o, quadratic(g, w.value, TFC_DT_DOUBLE), NULL,
                                     NULL, 0, &train, &st));
        tfc_node *init = tfc_global_variables_initializer(g);
        to_graph_ok(g);
        tfc_session *s = to_session(g, 1);
        to_run(s, init);
        to_run(s, train);
        /* float32 hyperparameters: about 1e-8 relative */
        to_expect_out(s, w.value, hand[k].w1, 2, 1e-7, tfc_optimizer_kind_name(hand[k].o.kind));
        tfc_session_free(s);
        tfc_graph_free(g);
    }
}

static void expect_node(tfc_graph *g, const char *name, const char *op) {
    tfc_node *n = tfc_graph_find(g, name);
    if (!n) fail_msg("no node '%s'", name);
    if (strcmp(tfc_node_op(n), op)) fail_msg("'%s' is a %s, want %s", name, tfc_node_op(n), op);
}

static bool in_collection(tfc_graph *g, const char *key, const char *name) {
    tfc_out items[64];
    int n = tfc_graph_get_collection(g, key, NULL, items, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (!strcmp(tfc_node_name(items[i].node), name)) return true;
    return false;
}

static bool has_control_input(const tfc_node *n, const char *name) {
    for (int i = 0; i < tfc_node_num_control_inputs(n); i++)
        if (!strcmp(tfc_node_name(tfc_node_control_input(n, i)), name)) return true;
    return false;
}

static void test_names_and_collections(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var step = tfc_train_get_or_create_global_step(g);
    tfc_graph_push_scope(g, "dense");
    tfc_var k = to_var(g, "kernel", TFC_DT_FLOAT, 2, w_init, false, true);
    tfc_var b = to_var(g, "bias", TFC_DT_FLOAT, 2, w_init, true, true);
    tfc_graph_pop_scope(g);
    tfc_out loss = to_op2(g, "AddV2", quadratic(g, k.value, TFC_DT_FLOAT),
                          quadratic(g, b.value, TFC_DT_FLOAT));
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(g, &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_ADAM}, loss, &step,
                                 NULL, 0, &train, &st));
    to_graph_ok(g);
    /* slots at the top scope, named after the variable and the optimizer */
    expect_node(g, "dense/kernel/Adam", "VariableV2");
    expect_node(g, "dense/kernel/Adam_1", "VariableV2");
    expect_node(g, "dense/kernel/Adam/Initializer/zeros", "Const");
    expect_node(g, "dense/kernel/Adam/Assign", "Assign");
    expect_node(g, "dense/kernel/Adam/read", "Identity");
    expect_node(g, "dense/bias/Adam", "VarHandleOp");
    expect_node(g, "dense/bias/Adam_1", "VarHandleOp");
    expect_node(g, "beta1_power", "VarHandleOp"); /* the kind of the first variable by name */
    expect_node(g, "beta2_power", "VarHandleOp");
    expect_node(g, "beta1_power/initial_value", "Const");
    expect_node(g, "Adam/learning_rate", "Const");
    expect_node(g, "Adam/beta1", "Const");
    expect_node(g, "Adam/beta2", "Const");
    expect_node(g, "Adam/epsilon", "Const");
    expect_node(g, "Adam/update_dense/kernel/ApplyAdam", "ApplyAdam");
    expect_node(g, "Adam/update_dense/bias/ResourceApplyAdam", "ResourceApplyAdam");
    expect_node(g, "Adam/mul", "Mul");
    expect_node(g, "Adam/AssignVariableOp", "AssignVariableOp");
    expect_node(g, "Adam/mul_1", "Mul");
    expect_node(g, "Adam/AssignVariableOp_1", "AssignVariableOp");
    expect_node(g, "Adam/update", "NoOp");
    expect_node(g, "Adam/value", "Const");
    expect_node(g, "Adam", "AssignAdd");
    assert_string_equal(tfc_node_name(train), "Adam");
    assert_true(has_control_input(train, "Adam/update"));
    tfc_node *group = tfc_graph_find(g, "Adam/update");
    assert_true(has_control_input(group, "Adam/update_dense/kernel/ApplyAdam"));
    assert_true(has_control_input(group, "Adam/update_dense/bias/ResourceApplyAdam"));
    assert_true(has_control_input(group, "Adam/AssignVariableOp_1"));
    assert_true(
        has_control_input(tfc_graph_find(g, "Adam/mul"), "Adam/update_dense/kernel/ApplyAdam"));
    const char *slots[] = {"dense/kernel/Adam", "dense/kernel/Adam_1", "dense/bias/Adam",
                           "dense/bias/Adam_1", "beta1_power",         "beta2_power"};
    for (int i = 0; i < 6; i++) {
        assert_true(in_collection(g, TFC_GLOBAL_VARIABLES, slots[i]));
        assert_false(in_collection(g, TFC_TRAINABLE_VARIABLES, slots[i]));
    }
    assert_int_equal(tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, NULL, 0), 2);
    /* A second optimizer: its scope is made unique, its slots too. */
    TU_OK(tfc_optimizer_minimize(g, &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_ADAM}, loss, NULL,
                                 &k.ref, 1, &train, &st));
    assert_string_equal(tfc_node_name(train), "Adam_1");
    assert_string_equal(tfc_node_op(train), "NoOp");
    expect_node(g, "dense/kernel/Adam_2", "VariableV2");
    expect_node(g, "dense/kernel/Adam_3", "VariableV2");
    expect_node(g, "beta1_power_1", "VariableV2");
    expect_node(g, "Adam_1/update_dense/kernel/ApplyAdam", "ApplyAdam");
    assert_null(tfc_graph_find(g, "Adam_1/update_dense/bias/ResourceApplyAdam"));

    /* The other optimizers' slots and ops, and a name of the caller's. */
    struct {
        tfc_optimizer_opts o;
        const char *slot0, *slot1, *update, *op;
    } others[] = {
        {{.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 1},
         NULL,
         NULL,
         "GradientDescent/update_dense/kernel/ApplyGradientDescent",
         "GradientDescent"},
        {{.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 1},
         "dense/kernel/Momentum",
         NULL,
         "Momentum/update_dense/kernel/ApplyMomentum",
         "Momentum"},
        {{.kind = TFC_OPTIMIZER_RMSPROP, .learning_rate = 1},
         "dense/kernel/RMSProp",
         "dense/kernel/RMSProp_1",
         "RMSProp/update_dense/kernel/ApplyRMSProp",
         "RMSProp"},
        {{.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 1},
         "dense/kernel/Adagrad",
         NULL,
         "Adagrad/update_dense/kernel/ApplyAdagrad",
         "Adagrad"},
        {{.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 1, .name = "Mine"},
         "dense/kernel/Mine",
         NULL,
         "Mine/update_dense/kernel/ApplyMomentum",
         "Mine"},
    };
    for (int i = 0; i < 5; i++) {
        TU_OK(tfc_optimizer_minimize(g, &others[i].o, loss, NULL, &k.ref, 1, &train, &st));
        assert_string_equal(tfc_node_name(train), others[i].op);
        assert_string_equal(tfc_node_op(train), "NoOp");
        if (others[i].slot0) expect_node(g, others[i].slot0, "VariableV2");
        if (others[i].slot1) expect_node(g, others[i].slot1, "VariableV2");
        expect_node(g, others[i].update, strrchr(others[i].update, '/') + 1);
    }
    expect_node(g, "dense/kernel/RMSProp/Initializer/ones", "Const");
    expect_node(g, "dense/kernel/Adagrad/Initializer/Const", "Const");
    expect_node(g, "RMSProp/decay", "Const");
    expect_node(g, "RMSProp/momentum", "Const");
    expect_node(g, "Momentum/momentum", "Const");
    /* Every slot has an initializer: the initializer covers them all. */
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    /* The training graph exports as a GraphDef and reads back (every op is registered). */
    uint8_t *def;
    size_t len;
    TU_OK(tfc_graph_to_graphdef(g, &def, &len, &st));
    tfc_graph *back = tfc_graph_new();
    if (tfc_graph_import(back, def, len, "", &st) != TFC_OK) fail_msg("import: %s", st.msg);
    assert_int_equal(tfc_graph_num_nodes(back), tfc_graph_num_nodes(g));
    expect_node(back, "Adam/update_dense/bias/ResourceApplyAdam", "ResourceApplyAdam");
    tfc_graph_free(back);
    tfc_free(def);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    tfc_tensor *t = to_fetch(s, tfc_graph_find_output(g, "dense/kernel/RMSProp/read"));
    to_expect(t, (double[]){1, 1}, 2, 0, 0, "RMSProp's ms starts at ones");
    tfc_tensor_unref(t);
    t = to_fetch(s, tfc_graph_find_output(g, "dense/kernel/Adagrad/read"));
    to_expect(t, (double[]){0.1, 0.1}, 2, 1e-7, 0, "Adagrad's accumulator");
    tfc_tensor_unref(t);
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* Slots of large variables start from a Fill, not a Const holding every element. */
static void test_large_slot_initializers(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    static double init[3000];
    for (int i = 0; i < 3000; i++) init[i] = 0.001 * i;
    tfc_var w = to_var(g, "w", TFC_DT_FLOAT, 3000, init, false, true);
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(
        g, &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 0.1},
        to_sum(g, to_op1(g, "Square", w.value)), NULL, NULL, 0, &train, &st));
    expect_node(g, "w/Adagrad/Initializer/Const", "Fill");
    expect_node(g, "w/Adagrad/Initializer/Const/shape_as_tensor", "Const");
    expect_node(g, "w/Adagrad/Initializer/Const/Const", "Const");
    tfc_node *initop = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 2);
    to_run(s, initop);
    to_run(s, train);
    tfc_tensor *acc = to_fetch(s, tfc_graph_find_output(g, "w/Adagrad/read"));
    tfc_tensor *wv = to_fetch(s, w.value);
    for (int i = 0; i < 3000; i += 299) {
        double gi = 2 * (float)init[i], a = (double)(float)0.1 + gi * gi;
        assert_float_equal(tu_at(acc, i), a, 1e-5 * a);
        assert_float_equal(tu_at(wv, i), (float)init[i] - f32(0.1) * gi / sqrt(a), 1e-6);
    }
    tfc_tensor_unref(acc), tfc_tensor_unref(wv);
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_global_step(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    assert_null(tfc_train_get_global_step(g).ref.node);
    tfc_graph_push_scope(g, "somewhere"); /* created at the top regardless */
    tfc_var a = tfc_train_get_or_create_global_step(g);
    tfc_graph_pop_scope(g);
    tfc_var b = tfc_train_get_or_create_global_step(g);
    tfc_var c = tfc_train_get_global_step(g);
    to_graph_ok(g);
    assert_ptr_equal(a.ref.node, b.ref.node);
    assert_ptr_equal(a.ref.node, c.ref.node);
    assert_ptr_equal(a.value.node, c.value.node);
    assert_ptr_equal(a.initializer, c.initializer);
    assert_string_equal(tfc_node_name(a.ref.node), "global_step");
    assert_string_equal(tfc_node_op(a.ref.node), "VariableV2");
    assert_string_equal(tfc_node_name(a.value.node), "global_step/read");
    assert_string_equal(tfc_node_name(a.initializer), "global_step/Assign");
    expect_node(g, "global_step/Initializer/zeros", "Const");
    assert_int_equal(tfc_out_dtype(a.value), TFC_DT_INT64);
    assert_true(in_collection(g, TFC_GLOBAL_VARIABLES, "global_step"));
    assert_true(in_collection(g, TFC_GLOBAL_STEP, "global_step"));
    assert_false(in_collection(g, TFC_TRAINABLE_VARIABLES, "global_step"));
    tfc_graph_free(g);

    /* Found by name when the collection is empty; an int32 resource step counts too. */
    g = tfc_graph_new();
    tfc_var rs =
        tfc_resource_variable(g, "global_step", to_const_scalar(g, "z", TFC_DT_INT32, 5), false);
    tfc_var found = tfc_train_get_global_step(g);
    assert_ptr_equal(found.ref.node, rs.ref.node);
    assert_string_equal(tfc_node_name(found.value.node), "global_step/Read/ReadVariableOp");
    tfc_var w = to_var(g, "w", TFC_DT_FLOAT, 2, w_init, false, true);
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(
        g, &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.1},
        quadratic(g, w.value, TFC_DT_FLOAT), &found, NULL, 0, &train, &st));
    assert_string_equal(tfc_node_op(train), "AssignAddVariableOp");
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    for (int i = 0; i < 4; i++) to_run(s, train);
    to_expect_out(s, found.value, (double[]){9}, 1, 0, "resource global step");
    tfc_session_free(s);
    tfc_graph_free(g);

    /* TF's complaints about what it finds. */
    g = tfc_graph_new();
    to_const_scalar(g, "global_step", TFC_DT_INT64, 0);
    assert_null(tfc_train_get_or_create_global_step(g).ref.node);
    assert_int_equal(tfc_graph_status(g, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "Existing \"global_step\" must be a variable");
    tfc_graph_free(g);
    g = tfc_graph_new();
    tfc_variable(g, "global_step", to_const_scalar(g, "z", TFC_DT_FLOAT, 0), false);
    assert_null(tfc_train_get_global_step(g).ref.node);
    TO_EXPECT((tfc_graph_status(g, &st), st), TFC_INVALID_ARGUMENT,
              "Existing \"global_step\" does not have integer type: float32");
    tfc_graph_free(g);
    g = tfc_graph_new();
    a = tfc_train_get_or_create_global_step(g);
    tfc_graph_add_to_collection(g, TFC_GLOBAL_STEP, a.ref);
    assert_null(tfc_train_get_global_step(g).ref.node);
    TO_EXPECT((tfc_graph_status(g, &st), st), TFC_INVALID_ARGUMENT,
              "Multiple tensors in global_step collection.");
    tfc_graph_free(g);
}

static void test_clip_by_global_norm(void **state) {
    (void)state;
    for (int dt_i = 0; dt_i < 2; dt_i++) {
        tfc_dtype dt = dt_i ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
        tfc_graph *g = tfc_graph_new();
        /* norms 5 and 12: global norm 13 */
        tfc_out t[3] = {to_const(g, "a", dt, 1, (int64_t[]){2}, (double[]){3, 4}),
                        {NULL, 0},
                        to_const(g, "b", dt, 2, (int64_t[]){1, 1}, (double[]){12})};
        tfc_out half[3], same[3], norm, norm2;
        tfc_status st;
        TU_OK(tfc_clip_by_global_norm(g, t, 3, 6.5, half, &norm, &st));
        TU_OK(tfc_clip_by_global_norm(g, t, 3, 26, same, &norm2, &st));
        assert_null(half[1].node);
        assert_string_equal(tfc_node_name(norm.node), "clip_by_global_norm/global_norm");
        assert_string_equal(tfc_node_name(half[0].node), "clip_by_global_norm/_0");
        assert_string_equal(tfc_node_name(half[2].node), "clip_by_global_norm/_2");
        assert_string_equal(tfc_node_name(norm2.node), "clip_by_global_norm_1/global_norm");
        tfc_out inf = to_const(g, "inf", dt, 1, (int64_t[]){2}, (double[]){INFINITY, 1});
        tfc_out nan_out;
        TU_OK(tfc_clip_by_global_norm(g, &inf, 1, 1, &nan_out, NULL, &st));
        to_graph_ok(g);
        tfc_session *s = to_session(g, 1);
        double rtol = dt == TFC_DT_FLOAT ? 1e-6 : 1e-15;
        to_expect_out(s, norm, (double[]){13}, 1, rtol, "global norm");
        to_expect_out(s, half[0], (double[]){1.5, 2}, 2, rtol, "clipped a");
        to_expect_out(s, half[2], (double[]){6}, 1, rtol, "clipped b");
        to_expect_out(s, same[0], (double[]){3, 4}, 2, rtol, "unclipped a");
        to_expect_out(s, same[2], (double[]){12}, 1, rtol, "unclipped b");
        tfc_tensor *r = to_fetch(s, nan_out);
        assert_true(isnan(tu_at(r, 0)) && isnan(tu_at(r, 1)));
        assert_int_equal(tfc_tensor_dtype(r), dt);
        tfc_tensor_unref(r);
        tfc_session_free(s);
        tfc_graph_free(g);
    }
    /* Errors */
    tfc_graph *g = tfc_graph_new();
    tfc_out t[2] = {to_const_scalar(g, "f", TFC_DT_FLOAT, 1),
                    to_const_scalar(g, "d", TFC_DT_DOUBLE, 1)};
    tfc_out out[2];
    tfc_status st;
    assert_int_equal(tfc_clip_by_global_norm(g, t, 2, 1, out, NULL, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT,
              "the tensors' dtypes differ (float32 and float64 at 'd:0')");
    assert_null(out[0].node);
    tfc_graph_free(g);
    g = tfc_graph_new();
    t[0] = to_const_scalar(g, "f", TFC_DT_FLOAT, 1);
    assert_int_equal(tfc_clip_by_global_norm(g, t, 1, 0, out, NULL, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "clip_norm must be positive, got 0");
    tfc_graph_free(g);
    g = tfc_graph_new();
    t[0] = (tfc_out){NULL, 0};
    assert_int_equal(tfc_clip_by_global_norm(g, t, 1, 1, out, NULL, &st), TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT, "no tensors to clip");
    tfc_graph_free(g);

    /* Through minimize: g = [-4, -6] has norm sqrt(52); clipped to norm 1. */
    g = tfc_graph_new();
    tfc_var w = to_var(g, "w", TFC_DT_DOUBLE, 2, w_init, false, true);
    tfc_node *train;
    TU_OK(tfc_optimizer_minimize(g,
                                 &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_GRADIENT_DESCENT,
                                                       .learning_rate = 0.5,
                                                       .clip_global_norm = 1},
                                 quadratic(g, w.value, TFC_DT_DOUBLE), NULL, NULL, 0, &train, &st));
    expect_node(g, "clip_by_global_norm/global_norm", "Sqrt");
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    to_run(s, train);
    double n52 = sqrt(52);
    to_expect_out(s, w.value, (double[]){1 + 0.5 * 4 / n52, -2 + 0.5 * 6 / n52}, 2, 1e-12,
                  "clipped step");
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* UPDATE_OPS run with every step; a learning rate fed each step; a double variable under float32
 * hyperparameters (Cast in the update scope). */
static void test_update_ops_and_learning_rate_tensor(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var counter = to_var(g, "counter", TFC_DT_FLOAT, 1, (double[]){0}, false, false);
    tfc_out bump = to_op2(g, "AssignAdd", counter.ref,
                          to_const(g, "one", TFC_DT_FLOAT, 1, (int64_t[]){1}, (double[]){1}));
    tfc_graph_add_to_collection(g, TFC_UPDATE_OPS, bump);
    tfc_var w = to_var(g, "w", TFC_DT_DOUBLE, 2, w_init, false, true);
    tfc_out lr = tfc_placeholder(g, "lr", TFC_DT_FLOAT, &(tfc_shape){0});
    tfc_node *train;
    tfc_status st;
    TU_OK(tfc_optimizer_minimize(
        g,
        &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate_tensor = lr},
        quadratic(g, w.value, TFC_DT_DOUBLE), NULL, NULL, 0, &train, &st));
    assert_true(has_control_input(train, tfc_node_name(bump.node)));
    expect_node(g, "GradientDescent/update_w/Cast", "Cast");
    assert_null(tfc_graph_find(g, "GradientDescent/learning_rate"));
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    double wv[2] = {w_init[0], w_init[1]};
    for (int k = 0; k < 2; k++) {
        float rate = k ? 0.25f : 0.125f;
        tfc_tensor *lt = tu_scalar(TFC_DT_FLOAT, rate);
        if (tfc_session_run(s, &(tfc_feed){lr, lt}, 1, NULL, 0, NULL, &train, 1, &st))
            fail_msg("%s", st.msg);
        tfc_tensor_unref(lt);
        for (int i = 0; i < 2; i++) wv[i] -= rate * 2 * (wv[i] - c_val[i]);
        to_expect_out(s, w.value, wv, 2, 1e-15, "fed learning rate");
    }
    to_expect_out(s, counter.value, (double[]){2}, 1, 0, "update op ran each step");
    tfc_session_free(s);
    tfc_graph_free(g);
}

/* A resource variable read twice: its gradient is the sum over both reads (TF's _ReadGrad). */
static void test_resource_variable_read_twice(void **state) {
    (void)state;
    tfc_graph *g = tfc_graph_new();
    tfc_var w = to_var(g, "w", TFC_DT_DOUBLE, 2, w_init, true, true);
    tfc_node_builder *b = tfc_node_begin(g, "ReadVariableOp", "second_read");
    tfc_node_add_input(b, w.ref);
    tfc_node_set_attr_type(b, "dtype", TFC_DT_DOUBLE);
    tfc_out read2 = tfc_node_output(tfc_node_finish(b), 0);
    /* loss = sum((w - c)^2) + sum(w): gradient 2 (w - c) + 1 */
    tfc_out loss = to_op2(g, "AddV2", quadratic(g, w.value, TFC_DT_DOUBLE), to_sum(g, read2));
    tfc_out grad;
    tfc_status st;
    TU_OK(tfc_optimizer_compute_gradients(g, loss, &w.ref, 1, &grad, &st));
    assert_string_equal(tfc_node_op(grad.node), "AddN");
    tfc_node *train;
    TU_OK(tfc_optimizer_apply_gradients(
        g, &(tfc_optimizer_opts){.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.5},
        &grad, &w.ref, 1, NULL, &train, &st));
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    to_expect_out(s, grad, (double[]){-3, -5}, 2, 0, "summed gradient");
    to_run(s, train);
    to_expect_out(s, w.value, (double[]){1 + 0.5 * 3, -2 + 0.5 * 5}, 2, 0, "step");
    tfc_session_free(s);
    tfc_graph_free(g);
}

static void test_errors(void **state) {
    (void)state;
    tfc_status st;
    tfc_node *train;
    tfc_optimizer_opts gd = {.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.1};
    /* A loss no variable affects: TF's ValueError. */
    tfc_graph *g = tfc_graph_new();
    tfc_var w = to_var(g, "w", TFC_DT_FLOAT, 2, w_init, false, true);
    to_var(g, "b", TFC_DT_FLOAT, 2, w_init, true, true);
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){1, {2}});
    tfc_out loss = to_sum(g, to_op1(g, "Square", x));
    assert_int_equal(tfc_optimizer_minimize(g, &gd, loss, NULL, NULL, 0, &train, &st),
                     TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT,
              "No gradients provided for any variable, check your graph for ops that do not "
              "support gradients, between variables ['w', 'b'] and loss 'Sum:0'.");
    assert_null(train);
    assert_int_equal(tfc_graph_status(g, NULL), TFC_INVALID_ARGUMENT); /* sticky */
    assert_int_equal(tfc_optimizer_minimize(g, &gd, loss, NULL, NULL, 0, &train, &st),
                     TFC_INVALID_ARGUMENT);
    tfc_graph_free(g);

    /* Integer variables carry no gradient: skipped, left as they were, given no slots. */
    g = tfc_graph_new();
    tfc_var k = to_var(g, "k", TFC_DT_INT32, 2, (double[]){7, 8}, false, true);
    w = to_var(g, "w", TFC_DT_FLOAT, 2, w_init, false, true);
    tfc_node_builder *b = tfc_node_begin(g, "Cast", NULL);
    tfc_node_add_input(b, k.value);
    tfc_node_set_attr_type(b, "DstT", TFC_DT_FLOAT);
    tfc_out kf = tfc_node_output(tfc_node_finish(b), 0);
    loss = to_op2(g, "AddV2", quadratic(g, w.value, TFC_DT_FLOAT),
                  to_sum(g, to_op2(g, "Mul", kf, w.value)));
    tfc_out grads[2];
    TU_OK(tfc_optimizer_compute_gradients(g, loss, (tfc_out[]){k.ref, w.ref}, 2, grads, &st));
    assert_null(grads[0].node);
    assert_non_null(grads[1].node);
    tfc_optimizer_opts mom = {.kind = TFC_OPTIMIZER_MOMENTUM, .learning_rate = 0.1};
    TU_OK(tfc_optimizer_minimize(g, &mom, loss, NULL, NULL, 0, &train, &st));
    assert_null(tfc_graph_find(g, "k/Momentum"));
    expect_node(g, "w/Momentum", "VariableV2");
    tfc_node *init = tfc_global_variables_initializer(g);
    to_graph_ok(g);
    tfc_session *s = to_session(g, 1);
    to_run(s, init);
    to_run(s, train);
    /* gradient 2 (w - c) + k = [3, 2] */
    to_expect_out(s, w.value, (double[]){1 - 0.1 * 3, -2 - 0.1 * 2}, 2, 1e-6, "w");
    to_expect_out(s, k.value, (double[]){7, 8}, 2, 0, "k");
    tfc_session_free(s);
    /* apply_gradients on an integer variable with a gradient: TF's ValueError. */
    TU_OK(tfc_optimizer_apply_gradients(g, &gd, (tfc_out[]){{NULL, 0}, grads[1]},
                                        (tfc_out[]){k.ref, w.ref}, 2, NULL, &train, &st));
    assert_int_equal(tfc_optimizer_apply_gradients(g, &gd, (tfc_out[]){grads[1]},
                                                   (tfc_out[]){k.ref}, 1, NULL, &train, &st),
                     TFC_INVALID_ARGUMENT);
    TO_EXPECT(st, TFC_INVALID_ARGUMENT,
              "Invalid type int32 for k, expected: [float16, bfloat16, float32, float64].");
    tfc_graph_free(g);

    /* Options and arguments TF rejects, each on a fresh graph (errors stick). */
    struct {
        tfc_optimizer_opts o;
        int what; /* 0 minimize, 1 var_list of a read, 2 int loss, 3 float global step,
                   * 4 apply_gradients without gradients, 5 no trainable variables */
        tfc_code code;
        const char *msg;
    } bad[] = {
        {{.kind = TFC_OPTIMIZER_GRADIENT_DESCENT},
         0,
         TFC_INVALID_ARGUMENT,
         "GradientDescent: a learning rate is required"},
        {{.kind = (tfc_optimizer_kind)99, .learning_rate = 1},
         0,
         TFC_INVALID_ARGUMENT,
         "optimizer: unknown kind 99"},
        {{.kind = TFC_OPTIMIZER_ADAGRAD, .learning_rate = 1, .initial_accumulator_value = -1},
         0,
         TFC_INVALID_ARGUMENT,
         "Adagrad: initial_accumulator_value must be positive: -1"},
        {{.kind = TFC_OPTIMIZER_ADAM, .clip_global_norm = -1},
         0,
         TFC_INVALID_ARGUMENT,
         "Adam: clip_global_norm must be positive (or 0 for none): -1"},
        {gd, 1, TFC_INVALID_ARGUMENT, "var_list[0] is not a variable: 'w/read'"},
        {gd, 2, TFC_INVALID_ARGUMENT, "Invalid type int32 for loss 'n:0'"},
        {gd, 3, TFC_INVALID_ARGUMENT, "global_step must be an int32 or int64 variable"},
        {gd, 4, TFC_INVALID_ARGUMENT, "No gradients provided for any variable: ['w']."},
        {gd, 5, TFC_INVALID_ARGUMENT, "No variables to optimize."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        g = tfc_graph_new();
        w = to_var(g, "w", TFC_DT_FLOAT, 2, w_init, false, bad[i].what != 5);
        loss = quadratic(g, w.value, TFC_DT_FLOAT);
        tfc_code rc;
        switch (bad[i].what) {
        case 1:
            rc = tfc_optimizer_minimize(g, &bad[i].o, loss, NULL, &w.value, 1, &train, &st);
            break;
        case 2:
            rc = tfc_optimizer_minimize(g, &bad[i].o, to_const_scalar(g, "n", TFC_DT_INT32, 1),
                                        NULL, NULL, 0, &train, &st);
            break;
        case 3:
            rc = tfc_optimizer_minimize(g, &bad[i].o, loss, &w, NULL, 0, &train, &st);
            break;
        case 4:
            rc = tfc_optimizer_apply_gradients(g, &bad[i].o, (tfc_out[]){{NULL, 0}}, &w.ref, 1,
                                               NULL, &train, &st);
            break;
        default:
            rc = tfc_optimizer_minimize(g, &bad[i].o, loss, NULL, NULL, 0, &train, &st);
            break;
        }
        assert_int_equal(rc, bad[i].code);
        TO_EXPECT(st, bad[i].code, bad[i].msg);
        assert_null(train);
        assert_int_equal(tfc_graph_status(g, NULL), bad[i].code);
        tfc_graph_free(g);
    }
}

int to_run_minimize(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_first_steps_of_each_optimizer),
        TU_TEST(test_first_step_by_hand),
        TU_TEST(test_names_and_collections),
        TU_TEST(test_large_slot_initializers),
        TU_TEST(test_global_step),
        TU_TEST(test_clip_by_global_norm),
        TU_TEST(test_update_ops_and_learning_rate_tensor),
        TU_TEST(test_resource_variable_read_twice),
        TU_TEST(test_errors),
    };
    return cmocka_run_group_tests_name("minimize", tests, NULL, NULL);
}
