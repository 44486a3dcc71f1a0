/* Helpers of the math op tests (math_tests.h) and the test executable's main. */
#include <stdlib.h>

#include "math_tests.h"

static void set_at(tfc_tensor *t, int64_t i, double v) {
    void *p = tfc_tensor_data(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_FLOAT:
        ((float *)p)[i] = (float)v;
        break;
    case TFC_DT_DOUBLE:
        ((double *)p)[i] = v;
        break;
    case TFC_DT_INT32:
        ((int32_t *)p)[i] = (int32_t)v;
        break;
    case TFC_DT_INT64:
        ((int64_t *)p)[i] = (int64_t)v;
        break;
    case TFC_DT_UINT8:
        ((uint8_t *)p)[i] = (uint8_t)v;
        break;
    case TFC_DT_BOOL:
        ((uint8_t *)p)[i] = v != 0;
        break;
    default:
        fail_msg("mt: dtype %s", tfc_dtype_name(tfc_tensor_dtype(t)));
    }
}


tfc_tensor *mt_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st)) fail_msg("tensor: %s", st.msg);
    memset(tfc_tensor_data(t), 0, tfc_tensor_byte_size(t));
    for (int64_t i = 0; v && i < tfc_tensor_num_elements(t); i++) set_at(t, i, v[i]);
    return t;
}

tfc_tensor *mt_random(mt_rng *r, tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi,
                      double **vals) {
    tfc_shape s = tfc_shape_make(rank, dims);
    int64_t n = tfc_shape_num_elements(&s);
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) {
        double x = mt_uniform(r, lo, hi);
        if (dt == TFC_DT_FLOAT)
            x = (float)x;
        else if (dt == TFC_DT_BOOL)
            x = x > (lo + hi) / 2;
        else if (dt == TFC_DT_UINT8)
            x = fmod(fabs(floor(x)), 256);
        else if (dt != TFC_DT_DOUBLE)
            x = floor(x);
        v[i] = x;
    }
    tfc_tensor *t = mt_tensor(dt, rank, dims, v);
    if (vals)
        *vals = v;
    else
        free(v);
    return t;
}

tfc_tensor *mt_i32(const int32_t *v, int n) {
    tfc_shape s = n < 0 ? tfc_shape_scalar() : tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_from_data(TFC_DT_INT32, &s, v, (size_t)(n < 0 ? 1 : n) * sizeof *v, &t, &st))
        fail_msg("tensor: %s", st.msg);
    return t;
}

int64_t mt_bcast_index(const tfc_shape *out, const tfc_shape *in, int64_t i) {
    int64_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t k = i % out->dims[d];
        i /= out->dims[d];
        int di = d - (out->rank - in->rank);
        if (di < 0) continue;
        if (in->dims[di] != 1) idx += k * stride;
        stride *= in->dims[di];
    }
    return idx;
}

tfc_code mt_run(const char *op, const tfc_tensor *const *in, int nin, mt_attrs_fn fn,
                const void *ctx, tfc_tensor **out, int nout, bool static_unknown, tfc_status *st) {
    return mt_run_on(NULL, op, in, nin, fn, ctx, out, nout, static_unknown, st);
}

tfc_code mt_run_on(tfc_threadpool *pool, const char *op, const tfc_tensor *const *in, int nin,
                   mt_attrs_fn fn, const void *ctx, tfc_tensor **out, int nout, bool static_unknown,
                   tfc_status *st) {
    return tu_run_op(pool, op, in, nin, fn, ctx, out, nout, static_unknown, st);
}

void mt_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol) {
    if (tfc_tensor_num_elements(got) != n)
        fail_msg("%s: %lld values, want %lld", what, (long long)tfc_tensor_num_elements(got),
                 (long long)n);
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < n; i++) {
        double g = tu_at(got, i), w = want[i];
        bool ok =
            (isnan(g) && isnan(w)) || (isinf(w) && g == w) || fabs(g - w) <= atol + rtol * fabs(w);
        if (!ok && !bad++) first = i;
    }
    if (bad)
        fail_msg("%s: %lld of %lld values differ; first at %lld: got %.9g want %.9g", what,
                 (long long)bad, (long long)n, (long long)first, tu_at(got, first), want[first]);
}

int main(void) {
    int failed = 0;
    failed += mt_run_shapes();
    failed += mt_run_binary();
    failed += mt_run_unary();
    failed += mt_run_reduce();
    failed += mt_run_grads();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
