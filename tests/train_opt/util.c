/* Helpers of the optimizer tests (opt_tests.h). */
#include "opt_tests.h"



tfc_out to_const(tfc_graph *g, const char *name, tfc_dtype dt, int rank, const int64_t *dims,
                 const double *v) {
    tfc_tensor *t = tu_tensor(dt, rank, dims, v);
    tfc_out o = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return o;
}

tfc_out to_const_scalar(tfc_graph *g, const char *name, tfc_dtype dt, double v) {
    return to_const(g, name, dt, 0, NULL, &v);
}

tfc_var to_var(tfc_graph *g, const char *name, tfc_dtype dt, int64_t n, const double *v,
               bool resource, bool trainable) {
    char init[256];
    snprintf(init, sizeof init, "%s_init", name);
    tfc_out c = to_const(g, init, dt, 1, &n, v);
    return resource ? tfc_resource_variable(g, name, c, trainable)
                    : tfc_variable(g, name, c, trainable);
}

tfc_out to_op1(tfc_graph *g, const char *op, tfc_out a) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(b, a);
    return tfc_node_output(tfc_node_finish(b), 0);
}

tfc_out to_op2(tfc_graph *g, const char *op, tfc_out a, tfc_out b) {
    tfc_node_builder *nb = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

tfc_out to_sum(tfc_graph *g, tfc_out x) {
    tfc_tensor *axis = tfc_tensor_scalar_int32(0);
    tfc_out a = tfc_const(g, "axis", axis);
    tfc_tensor_unref(axis);
    return to_op2(g, "Sum", x, a);
}


tfc_session *to_session(tfc_graph *g, int threads) {
    tfc_session *s = NULL;
    tfc_status st;
    if (tfc_session_new(g, &(tfc_session_opts){.num_threads = threads}, &s, &st) != TFC_OK)
        fail_msg("session: %s", st.msg);
    return s;
}

tfc_tensor *to_fetch(tfc_session *s, tfc_out o) {
    tfc_tensor *r = NULL;
    tfc_status st;
    if (tfc_session_run(s, NULL, 0, &o, 1, &r, NULL, 0, &st) != TFC_OK) fail_msg("%s", st.msg);
    return r;
}

void to_run(tfc_session *s, tfc_node *target) {
    tfc_status st;
    if (tfc_session_run(s, NULL, 0, NULL, 0, NULL, &target, 1, &st) != TFC_OK)
        fail_msg("%s", st.msg);
}

void to_expect(const tfc_tensor *t, const double *want, int64_t n, double rtol, double atol,
               const char *what) {
    assert_int_equal(tfc_tensor_num_elements(t), n);
    for (int64_t i = 0; i < n; i++) {
        double got = tu_at(t, i);
        if (!(fabs(got - want[i]) <= atol + rtol * fabs(want[i])))
            fail_msg("%s: element %lld is %.9g, want %.9g", what, (long long)i, got, want[i]);
    }
}

void to_expect_out(tfc_session *s, tfc_out o, const double *want, int64_t n, double rtol,
                   const char *what) {
    tfc_tensor *t = to_fetch(s, o);
    to_expect(t, want, n, rtol, 0, what);
    tfc_tensor_unref(t);
}

void to_graph_ok(tfc_graph *g) {
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("graph: %s", st.msg);
}
