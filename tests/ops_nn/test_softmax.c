/* Softmax, LogSoftmax and the two softmax cross entropies against double references; the
 * cross entropies' backprop output also against central differences of the reference loss.
 * Logits up to +-40 check that rows are shifted by their max (exp(40) overflows nothing, but
 * exp(80) would in float32). */
#include <stdlib.h>

#include "nn_tests.h"

/* log(sum(exp(row))) computed stably. */
static double ref_lse(const double *row, int64_t n, int64_t stride) {
    double mx = row[0];
    for (int64_t i = 1; i < n; i++) mx = row[i * stride] > mx ? row[i * stride] : mx;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += exp(row[i * stride] - mx);
    return mx + log(s);
}

static void test_softmax(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {42};
    static const struct {
        int rank;
        int64_t dims[3];
        double scale;
    } shapes[] = {
        {1, {7}, 3}, {2, {5, 9}, 40}, {3, {2, 3, 4}, 5}, {2, {300, 130}, 10}, {2, {4, 1}, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int d = 0; d < 2; d++)
            for (int lg = 0; lg < 2; lg++) {
                tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
                int rank = shapes[s].rank;
                const int64_t *dims = shapes[s].dims;
                double *xv;
                tfc_tensor *x =
                    tn_random(&r, dt, rank, dims, -shapes[s].scale, shapes[s].scale, &xv);
                int64_t n = tfc_tensor_num_elements(x), cols = dims[rank - 1];
                double *want = malloc((size_t)n * sizeof *want);
                for (int64_t row = 0; row < n / cols; row++) {
                    double lse = ref_lse(xv + row * cols, cols, 1);
                    for (int64_t c = 0; c < cols; c++) {
                        double v = xv[row * cols + c] - lse;
                        want[row * cols + c] = lg ? v : exp(v);
                    }
                }
                const tfc_tensor *in[] = {x};
                tfc_tensor *y;
                TN_RUN(lg ? "LogSoftmax" : "Softmax", in, 1, NULL, NULL, &y, 1, pool);
                double tol = d ? 1e-12 : 1e-5;
                char what[64];
                snprintf(what, sizeof what, "%s shape %zu %s", lg ? "LogSoftmax" : "Softmax", s,
                         tfc_dtype_name(dt));
                tn_assert_close(what, y, want, n, tol, tol);
                tfc_tensor_unref(y), tfc_tensor_unref(x);
                free(xv), free(want);
            }
    tfc_threadpool_free(pool);
}

/* loss_r = sum_c labels[r,c] * (lse_r - logits[r,c]); rows of f and l broadcast when size 1. */
static void ref_xent(const double *f, int64_t fb, int64_t fc, const double *l, int64_t lb,
                     int64_t lc, int64_t B, int64_t C, double *loss, double *bp) {
    for (int64_t r = 0; r < B; r++) {
        const double *fr = f + (fb == 1 ? 0 : r * fc), *lr = l + (lb == 1 ? 0 : r * lc);
        int64_t fs = fc == 1 ? 0 : 1, ls = lc == 1 ? 0 : 1;
        double lse = ref_lse(fr, C, fs);
        loss[r] = 0;
        for (int64_t c = 0; c < C; c++) {
            loss[r] += lr[c * ls] * (lse - fr[c * fs]);
            if (bp) bp[r * C + c] = exp(fr[c * fs] - lse) - lr[c * ls];
        }
    }
}

static void test_xent(void **state) {
    (void)state;
    tfc_threadpool *pool;
    TU_OK(tfc_threadpool_new(2, &pool, NULL));
    tn_rng r = {7};
    static const struct {
        int64_t fb, fc, lb, lc;
    } shapes[] = {{4, 5, 4, 5}, {1, 1, 1, 1}, {6, 3, 1, 3}, {1, 4, 3, 4}, {200, 100, 200, 100}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int d = 0; d < 2; d++) {
            tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            int64_t fb = shapes[s].fb, fc = shapes[s].fc, lb = shapes[s].lb, lc = shapes[s].lc;
            int64_t B = fb > lb ? fb : lb, C = fc > lc ? fc : lc;
            double *fv, *lv = malloc((size_t)(lb * lc) * sizeof *lv);
            tfc_tensor *f = tn_random(&r, dt, 2, (int64_t[]){fb, fc}, -20, 20, &fv);
            for (int64_t i = 0; i < lb; i++) { /* each row a distribution */
                double sum = 0;
                for (int64_t c = 0; c < lc; c++) sum += lv[i * lc + c] = tn_uniform(&r, 0, 1);
                for (int64_t c = 0; c < lc; c++) lv[i * lc + c] /= sum;
                for (int64_t c = 0; c < lc && dt == TFC_DT_FLOAT; c++)
                    lv[i * lc + c] = (float)lv[i * lc + c];
            }
            tfc_tensor *l = tn_tensor(dt, 2, (int64_t[]){lb, lc}, lv);
            double *loss = malloc((size_t)B * sizeof *loss),
                   *bp = malloc((size_t)(B * C) * sizeof *bp);
            ref_xent(fv, fb, fc, lv, lb, lc, B, C, loss, bp);
            const tfc_tensor *in[] = {f, l};
            tfc_tensor *out[2];
            TN_RUN("SoftmaxCrossEntropyWithLogits", in, 2, NULL, NULL, out, 2, pool);
            double tol = d ? 1e-10 : 1e-4;
            tn_assert_close("xent loss", out[0], loss, B, tol, tol);
            tn_assert_close("xent backprop", out[1], bp, B * C, tol, tol);
            /* backprop is d(loss)/d(logits) when logits are not broadcast. */
            if (fb == B && fc == C && B * C < 100) {
                double h = 1e-4, lp, lm, *num = malloc((size_t)(B * C) * sizeof *num);
                for (int64_t i = 0; i < B * C; i++) {
                    double keep = fv[i], row = (double)(i / C);
                    fv[i] = keep + h;
                    ref_xent(fv, fb, fc, lv, lb, lc, B, C, loss, NULL);
                    lp = loss[(int64_t)row];
                    fv[i] = keep - h;
                    ref_xent(fv, fb, fc, lv, lb, lc, B, C, loss, NULL);
                    lm = loss[(int64_t)row];
                    fv[i] = keep;
                    num[i] = (lp - lm) / (2 * h);
                }
                tn_assert_close("xent backprop vs finite differences", out[1], num, B * C,
                                d ? 1e-7 : 1e-4, 1e-4);
                free(num);
            }
            tfc_tensor_unref(out[0]), tfc_tensor_unref(out[1]);
            tfc_tensor_unref(f), tfc_tensor_unref(l);
            free(fv), free(lv), free(loss), free(bp);
        }
    tfc_threadpool_free(pool);
}

static tfc_tensor *labels_tensor(tfc_dtype dt, const int64_t *v, int64_t n) {
    tfc_shape s = tfc_shape_make(1, &n);
    tfc_tensor *t = NULL;
    TU_OK(tfc_tensor_new(dt, &s, &t, NULL));
    for (int64_t i = 0; i < n; i++) {
        if (dt == TFC_DT_INT32)
            ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
        else
            ((int64_t *)tfc_tensor_data(t))[i] = v[i];
    }
    return t;
}

static void test_sparse_xent(void **state) {
    (void)state;
    tn_rng r = {99};
    const int64_t B = 6, C = 5;
    int64_t lab[6] = {0, 4, 2, 2, 1, 3};
    for (int d = 0; d < 2; d++)
        for (int li = 0; li < 2; li++) {
            tfc_dtype dt = d ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
            double *fv;
            tfc_tensor *f = tn_random(&r, dt, 2, (int64_t[]){B, C}, -30, 30, &fv);
            tfc_tensor *l = labels_tensor(li ? TFC_DT_INT64 : TFC_DT_INT32, lab, B);
            double loss[6], bp[30];
            for (int64_t row = 0; row < B; row++) {
                double lse = ref_lse(fv + row * C, C, 1);
                loss[row] = lse - fv[row * C + lab[row]];
                for (int64_t c = 0; c < C; c++)
                    bp[row * C + c] = exp(fv[row * C + c] - lse) - (c == lab[row]);
            }
            const tfc_tensor *in[] = {f, l};
            tfc_tensor *out[2];
            TN_RUN("SparseSoftmaxCrossEntropyWithLogits", in, 2, NULL, NULL, out, 2, NULL);
            double tol = d ? 1e-10 : 1e-4;
            tn_assert_close("sparse xent loss", out[0], loss, B, tol, tol);
            tn_assert_close("sparse xent backprop", out[1], bp, B * C, tol, tol);
            tfc_tensor_unref(out[0]), tfc_tensor_unref(out[1]);
            tfc_tensor_unref(f), tfc_tensor_unref(l), free(fv);
        }
}

/* An out-of-range label is INVALID_ARGUMENT naming the value, the range and the batch row. */
static void test_sparse_xent_bad_labels(void **state) {
    (void)state;
    tfc_tensor *f = tn_tensor(TFC_DT_FLOAT, 2, (int64_t[]){4, 3}, NULL);
    tfc_tensor *out[2];
    tfc_status st;
    for (int li = 0; li < 2; li++) {
        tfc_dtype ldt = li ? TFC_DT_INT64 : TFC_DT_INT32;
        tfc_tensor *l = labels_tensor(ldt, (int64_t[]){0, 2, 3, 1}, 4);
        const tfc_tensor *in[] = {f, l};
        assert_int_equal(tn_run("SparseSoftmaxCrossEntropyWithLogits", in, 2, NULL, NULL, out, 2,
                                NULL, false, &st),
                         TFC_INVALID_ARGUMENT);
        TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "node 'SparseSoftmaxCrossEntropyWithLogits'",
                         "Received a label value of 3 which is outside the valid range of [0, 3)",
                         "batch row 2", "Label values: 0 2 3 1");
        assert_null(out[0]), assert_null(out[1]);
        tfc_tensor_unref(l);
        l = labels_tensor(ldt, (int64_t[]){-1, 0, 0, 0}, 4);
        const tfc_tensor *in2[] = {f, l};
        tn_run("SparseSoftmaxCrossEntropyWithLogits", in2, 2, NULL, NULL, out, 2, NULL, false, &st);
        TN_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "label value of -1", "batch row 0");
        tfc_tensor_unref(l);
    }
    tfc_tensor_unref(f);
}

int tn_run_softmax(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_softmax),
        TU_TEST(test_xent),
        TU_TEST(test_sparse_xent),
        TU_TEST(test_sparse_xent_bad_labels),
    };
    return cmocka_run_group_tests_name("nn_softmax", tests, NULL, NULL);
}
