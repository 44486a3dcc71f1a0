/* tf.test.compute_gradient_error: symbolic Jacobian (tfc_gradients fed one-hot output gradients)
 * against central finite differences, both through a session. */
#include <math.h>
#include <string.h>

#include "base/trace.h"
#include "tfc/session.h"
#include "tfc/testing.h"
#include "tfc/train.h"

static double get(const tfc_tensor *t, int64_t i) {
    return tfc_tensor_dtype(t) == TFC_DT_DOUBLE ? ((const double *)tfc_tensor_data_const(t))[i]
                                                : ((const float *)tfc_tensor_data_const(t))[i];
}

static void set(tfc_tensor *t, int64_t i, double v) {
    if (tfc_tensor_dtype(t) == TFC_DT_DOUBLE)
        ((double *)tfc_tensor_data(t))[i] = v;
    else
        ((float *)tfc_tensor_data(t))[i] = (float)v;
}

/* Runs y with x fed (and dy if given); *out gets y or dx. */
static tfc_code run1(tfc_session *s, tfc_out x, tfc_tensor *xv, tfc_out dy, tfc_tensor *dyv,
                     tfc_out fetch, tfc_tensor **out, tfc_status *st) {
    tfc_feed feeds[2] = {{x, xv}, {dy, dyv}};
    return tfc_session_run(s, feeds, dyv ? 2 : 1, &fetch, 1, out, NULL, 0, st);
}

tfc_code tfc_compute_gradient_error(tfc_graph *g, tfc_out x, const tfc_tensor *x_value, tfc_out y,
                                    double delta, double *max_error, tfc_status *st) {
    *max_error = 0;
    tfc_dtype xt = tfc_out_dtype(x), yt = tfc_out_dtype(y);
    if ((xt != TFC_DT_FLOAT && xt != TFC_DT_DOUBLE) || (yt != TFC_DT_FLOAT && yt != TFC_DT_DOUBLE))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "gradient check: x and y must be float or double");
    if (tfc__trace) tfc__trace(TFC_TRACE_CHECK_BEGIN, NULL);
    tfc_out dy = tfc_placeholder(g, "grad_check_dy", yt, tfc_out_shape(y)), dx;
    tfc_code c = tfc_gradients(g, &y, 1, &x, 1, &dy, &dx, st);
    if (c != TFC_OK) {
        if (tfc__trace) tfc__trace(TFC_TRACE_CHECK_END, NULL);
        return c;
    }
    tfc_session *s = NULL;
    tfc_tensor *xv = NULL, *yv = NULL, *dyv = NULL, *out = NULL, *yp = NULL, *ym = NULL;
    tfc_session_opts o = {.num_threads = 1};
    if ((c = tfc_session_new(g, &o, &s, st)) != TFC_OK) goto done;
    if ((c = tfc_tensor_copy(x_value, &xv, st)) != TFC_OK) goto done;
    if ((c = run1(s, x, xv, dy, NULL, y, &yv, st)) != TFC_OK) goto done;
    int64_t nx = tfc_tensor_num_elements(xv), ny = tfc_tensor_num_elements(yv);
    if ((c = tfc_tensor_new(yt, tfc_tensor_shape(yv), &dyv, st)) != TFC_OK) goto done;
    /* Symbolic: row j of the Jacobian is dx for dy = e_j. Numeric: column i by central
     * differences. Compare element by element. */
    double *jt = tfc_calloc((size_t)(nx * ny) + 1, sizeof *jt);
    if (!jt) {
        c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "gradient check: out of memory");
        goto done;
    }
    for (int64_t j = 0; j < ny && c == TFC_OK; j++) {
        memset(tfc_tensor_data(dyv), 0, tfc_tensor_byte_size(dyv));
        set(dyv, j, 1.0);
        if (!dx.node) break; /* no path: the symbolic Jacobian is zero */
        if ((c = run1(s, x, xv, dy, dyv, dx, &out, st)) != TFC_OK) break;
        for (int64_t i = 0; i < nx; i++) jt[j * nx + i] = get(out, i);
        tfc_tensor_unref(out), out = NULL;
    }
    /* Results may share the fed buffer (y = Identity(x)): read them before x changes again. */
    double *plus = tfc_calloc((size_t)ny + 1, sizeof *plus);
    for (int64_t i = 0; i < nx && c == TFC_OK && plus; i++) {
        double v = get(xv, i);
        set(xv, i, v + delta);
        if ((c = run1(s, x, xv, dy, NULL, y, &yp, st)) != TFC_OK) break;
        for (int64_t j = 0; j < ny; j++) plus[j] = get(yp, j);
        tfc_tensor_unref(yp), yp = NULL;
        set(xv, i, v - delta);
        if ((c = run1(s, x, xv, dy, NULL, y, &ym, st)) != TFC_OK) break;
        for (int64_t j = 0; j < ny; j++) {
            double num = (plus[j] - get(ym, j)) / (2 * delta);
            double err = fabs(num - jt[j * nx + i]);
            if (err > *max_error || isnan(err)) *max_error = isnan(err) ? INFINITY : err;
        }
        tfc_tensor_unref(ym), ym = NULL;
        set(xv, i, v);
    }
    if (!plus && c == TFC_OK)
        c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "gradient check: out of memory");
    tfc_free(plus);
    tfc_free(jt);
done:
    tfc_tensor_unref(out), tfc_tensor_unref(yp), tfc_tensor_unref(ym);
    tfc_tensor_unref(xv), tfc_tensor_unref(yv), tfc_tensor_unref(dyv);
    tfc_session_free(s);
    if (tfc__trace) tfc__trace(TFC_TRACE_CHECK_END, c == TFC_OK ? "ok" : NULL);
    return c;
}
