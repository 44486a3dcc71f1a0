/* Helpers of the layers tests (layers_tests.h). */
#include "layers_tests.h"

tfc_session *tl_session(tfc_graph *g) {
    tfc_session *s = NULL;
    tfc_status st;
    if (tfc_session_new(g, &(tfc_session_opts){.num_threads = 2}, &s, &st) != TFC_OK)
        fail_msg("session: %s", st.msg);
    return s;
}

void tl_init(tfc_graph *g, tfc_session *s) {
    tfc_node *init = tfc_global_variables_initializer(g);
    TL_GRAPH_OK(g);
    tl_run_targets(s, NULL, 0, &init, 1);
}

tfc_tensor *tl_fetch(tfc_session *s, const tfc_feed *feeds, int nf, tfc_out o) {
    tfc_tensor *r = NULL;
    tfc_status st;
    if (tfc_session_run(s, feeds, nf, &o, 1, &r, NULL, 0, &st) != TFC_OK)
        fail_msg("run: %s", st.msg);
    return r;
}

void tl_run_targets(tfc_session *s, const tfc_feed *feeds, int nf, tfc_node *const *t, int n) {
    tfc_status st;
    if (tfc_session_run(s, feeds, nf, NULL, 0, NULL, t, n, &st) != TFC_OK)
        fail_msg("run: %s", st.msg);
}

tfc_tensor *tl_floats(int rank, const int64_t *dims, const float *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st) != TFC_OK) fail_msg("tensor: %s", st.msg);
    if (v) memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
    return t;
}

tfc_tensor *tl_bool(bool v) {
    tfc_shape s = tfc_shape_scalar();
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(TFC_DT_BOOL, &s, &t, &st) != TFC_OK) fail_msg("tensor: %s", st.msg);
    *(bool *)tfc_tensor_data(t) = v;
    return t;
}

tfc_node *tl_assign(tfc_graph *g, tfc_var v, tfc_tensor *value) {
    tfc_out c = tfc_const(g, NULL, value);
    tfc_node_builder *b = tfc_node_begin(g, "Assign", NULL);
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, c);
    tfc_node *n = tfc_node_finish(b);
    TL_GRAPH_OK(g);
    return n;
}

tfc_var tl_var(tfc_layers *L, const char *name) {
    tfc_var v;
    if (!tfc_layers_find_variable(L, name, &v)) fail_msg("no variable %s", name);
    return v;
}

void tl_expect_node(tfc_graph *g, const char *name, const char *op) {
    tfc_node *n = tfc_graph_find(g, name);
    if (!n) fail_msg("no node %s", name);
    if (op && strcmp(tfc_node_op(n), op))
        fail_msg("node %s is a %s, want %s", name, tfc_node_op(n), op);
}

void tl_expect_close(const tfc_tensor *t, const float *want, int64_t n, double tol) {
    assert_int_equal(tfc_tensor_num_elements(t), n);
    for (int64_t i = 0; i < n; i++) {
        double got = tl_data(t)[i];
        if (!(got - want[i] <= tol && want[i] - got <= tol))
            fail_msg("element %lld is %.7g, want %.7g", (long long)i, got, (double)want[i]);
    }
}

void tl_expect_collection(tfc_graph *g, const char *key, const char *const *names, int n) {
    tfc_out items[64];
    int got = tfc_graph_get_collection(g, key, NULL, items, 64);
    char all[2048] = "";
    for (int i = 0; i < got && i < 64; i++) {
        strncat(all, tfc_node_name(items[i].node), sizeof all - strlen(all) - 2);
        strcat(all, " ");
    }
    if (got != n) fail_msg("collection %s has %d items (%s), want %d", key, got, all, n);
    for (int i = 0; i < n; i++)
        if (strcmp(tfc_node_name(items[i].node), names[i]))
            fail_msg("collection %s item %d is %s, want %s (all: %s)", key, i,
                     tfc_node_name(items[i].node), names[i], all);
}
