/* Helpers of the schedule, loss and metric tests (sched_tests.h) and the executable's main. */
#include "sched_tests.h"



tfc_out ts_const(tfc_graph *g, tfc_dtype dt, int rank, const int64_t *dims, const double *v) {
    tfc_tensor *t = tu_tensor(dt, rank, dims, v);
    tfc_out c = tfc_const(g, "c", t);
    tfc_tensor_unref(t);
    return c;
}

void ts_graph_ok(tfc_graph *g) {
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("graph: %s", st.msg);
}

tfc_tensor *ts_run_tensor(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_out fetch) {
    tfc_tensor *t = NULL;
    tfc_status st = {0};
    if (tfc_session_run(s, feeds, nfeeds, &fetch, 1, &t, NULL, 0, &st) != TFC_OK)
        fail_msg("run %s: %s", tfc_node_name(fetch.node), st.msg);
    return t;
}

double ts_run1(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_out fetch) {
    tfc_tensor *t = ts_run_tensor(s, feeds, nfeeds, fetch);
    double v = tu_at(t, 0);
    tfc_tensor_unref(t);
    return v;
}

void ts_run_targets(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_node *const *targets,
                    int n) {
    tfc_status st = {0};
    if (tfc_session_run(s, feeds, nfeeds, NULL, 0, NULL, targets, n, &st) != TFC_OK)
        fail_msg("run targets: %s", st.msg);
}

void ts_close(const char *what, double got, double want, double tol) {
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale))
        fail_msg("%s: got %.9g, want %.9g (tolerance %g)", what, got, want, tol * scale);
}

int main(void) {
    int failed = 0;
    failed += ts_run_schedules();
    failed += ts_run_losses();
    failed += ts_run_metrics();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
