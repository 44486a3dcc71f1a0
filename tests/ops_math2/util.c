/* Helpers of the math2 op tests (math2_tests.h) and the test executable's main. */
#include "math2_tests.h"



void m2_run(const char *op, const tfc_tensor *const *in, int nin, tu_attrs_fn fn, const void *ctx,
            tfc_tensor **out, int nout, bool static_unknown) {
    tfc_status st = {0};
    if (tu_run_op(NULL, op, in, nin, fn, ctx, out, nout, static_unknown, &st) != TFC_OK)
        fail_msg("%s: %s: %s", op, tfc_code_name(st.code), st.msg);
}

tfc_code m2_try(const char *op, const tfc_tensor *const *in, int nin, tfc_tensor **out, int nout,
                tfc_status *st) {
    return tu_run_op(NULL, op, in, nin, NULL, NULL, out, nout, false, st);
}

void m2_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol) {
    if (tfc_tensor_num_elements(got) != n)
        fail_msg("%s: %lld values, want %lld", what, (long long)tfc_tensor_num_elements(got),
                 (long long)n);
    for (int64_t i = 0; i < n; i++) {
        double g = tu_at(got, i), w = want[i];
        bool ok =
            (isnan(g) && isnan(w)) || (isinf(w) ? g == w : fabs(g - w) <= atol + rtol * fabs(w));
        if (!ok) fail_msg("%s: element %lld is %.9g, want %.9g", what, (long long)i, g, w);
    }
}

void m2_expect(const tfc_status *st, tfc_code want, const char *frag) {
    if (st->code != want)
        fail_msg("code %s, want %s (%s)", tfc_code_name(st->code), tfc_code_name(want), st->msg);
    if (!strstr(st->msg, frag)) fail_msg("message '%s' lacks '%s'", st->msg, frag);
}

int main(void) {
    int failed = 0;
    failed += m2_run_kernels();
    failed += m2_run_binary();
    failed += m2_run_grads();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
