/* Helpers of the nn op tests (nn_tests.h) and the test executable's main. */
#include <stdlib.h>

#include "nn_tests.h"

tfc_tensor *tn_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st)) fail_msg("tensor: %s", st.msg);
    int64_t n = tfc_tensor_num_elements(t);
    for (int64_t i = 0; v && i < n; i++) {
        if (dt == TFC_DT_FLOAT)
            ((float *)tfc_tensor_data(t))[i] = (float)v[i];
        else if (dt == TFC_DT_DOUBLE)
            ((double *)tfc_tensor_data(t))[i] = v[i];
        else
            fail_msg("tn_tensor: dtype %s", tfc_dtype_name(dt));
    }
    return t;
}

tfc_tensor *tn_random(tn_rng *r, tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi,
                      double **vals) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = tn_uniform(r, lo, hi);
    /* The reference sees exactly what the kernel sees. */
    if (dt == TFC_DT_FLOAT)
        for (int64_t i = 0; i < n; i++) v[i] = (float)v[i];
    tfc_tensor *t = tn_tensor(dt, rank, dims, v);
    if (vals)
        *vals = v;
    else
        free(v);
    return t;
}

tfc_tensor *tn_i32(const int32_t *v, int n) {
    tfc_shape s = tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_from_data(TFC_DT_INT32, &s, v, (size_t)n * sizeof *v, &t, &st))
        fail_msg("tensor: %s", st.msg);
    return t;
}


double *tn_values(const tfc_tensor *t) {
    int64_t n = tfc_tensor_num_elements(t);
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = tu_at(t, i);
    return v;
}

tfc_code tn_run(const char *op, const tfc_tensor *const *in, int nin, tn_attrs_fn fn,
                const void *ctx, tfc_tensor **out, int nout, tfc_threadpool *pool,
                bool static_unknown, tfc_status *st) {
    return tu_run_op(pool, op, in, nin, fn, ctx, out, nout, static_unknown, st);
}

static void report(const char *what, int64_t n, int64_t bad, int64_t first, double got_first,
                   double want_first, double worst, int64_t worst_i) {
    if (!bad) return;
    fail_msg("%s: %lld of %lld values differ; first at %lld: got %.9g want %.9g; worst error "
             "%.3g at %lld",
             what, (long long)bad, (long long)n, (long long)first, got_first, want_first, worst,
             (long long)worst_i);
}

void tn_assert_close_arr(const char *what, const double *got, const double *want, int64_t n,
                         double atol, double rtol) {
    int64_t bad = 0, first = -1, worst_i = -1;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double err = fabs(got[i] - want[i]);
        if (!(err <= atol + rtol * fabs(want[i]))) {
            if (!bad++) first = i;
            if (!(err <= worst)) worst = err, worst_i = i;
        }
    }
    report(what, n, bad, first, first >= 0 ? got[first] : 0, first >= 0 ? want[first] : 0, worst,
           worst_i);
}

void tn_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol) {
    if (tfc_tensor_num_elements(got) != n)
        fail_msg("%s: %lld values, want %lld", what, (long long)tfc_tensor_num_elements(got),
                 (long long)n);
    double *g = tn_values(got);
    int64_t bad = 0, first = -1, worst_i = -1;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double err = fabs(g[i] - want[i]);
        if (!(err <= atol + rtol * fabs(want[i]))) {
            if (!bad++) first = i;
            if (!(err <= worst)) worst = err, worst_i = i;
        }
    }
    double gf = first >= 0 ? g[first] : 0;
    free(g);
    report(what, n, bad, first, gf, first >= 0 ? want[first] : 0, worst, worst_i);
}

static void set_padding(tfc_node_builder *b, const tn_win *w) {
    tfc_node_set_attr_string(b, "padding", w->padding, strlen(w->padding));
    if (!strcmp(w->padding, "EXPLICIT"))
        tfc_node_set_attr_int_list(
            b, "explicit_paddings",
            (int64_t[]){0, 0, w->pad[0], w->pad[1], w->pad[2], w->pad[3], 0, 0}, 8);
}

void tn_conv_attrs(tfc_node_builder *b, const void *win) {
    const tn_win *w = win;
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, w->sh, w->sw, 1}, 4);
    tfc_node_set_attr_int_list(b, "dilations",
                               (int64_t[]){1, w->dh ? w->dh : 1, w->dw ? w->dw : 1, 1}, 4);
    set_padding(b, w);
}

void tn_pool_attrs(tfc_node_builder *b, const void *win) {
    const tn_win *w = win;
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, w->sh, w->sw, 1}, 4);
    tfc_node_set_attr_int_list(b, "ksize", (int64_t[]){1, w->kh, w->kw, 1}, 4);
    set_padding(b, w);
}

void tn_out_size(const tn_win *w, bool rows, int64_t in, int64_t k, int64_t *out, int64_t *before) {
    int64_t s = rows ? w->sh : w->sw, d = rows ? w->dh : w->dw;
    int64_t eff = (k - 1) * (d ? d : 1) + 1;
    if (!strcmp(w->padding, "VALID")) {
        *out = in >= eff ? (in - eff) / s + 1 : 0; /* ceil((in - eff + 1) / s) */
        *before = 0;
    } else if (!strcmp(w->padding, "SAME")) {
        *out = (in + s - 1) / s; /* ceil(in / s) */
        int64_t need = (*out - 1) * s + eff - in;
        *before = need > 0 ? need / 2 : 0;
    } else {
        int64_t lo = rows ? w->pad[0] : w->pad[2], hi = rows ? w->pad[1] : w->pad[3];
        int64_t padded = in + lo + hi;
        *out = padded >= eff ? (padded - eff) / s + 1 : 0;
        *before = lo;
    }
}

int main(void) {
    int failed = 0;
    failed += tn_run_shapes();
    failed += tn_run_act();
    failed += tn_run_softmax();
    failed += tn_run_pool();
    failed += tn_run_conv();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
