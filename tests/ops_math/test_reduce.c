/* Mean, Max, Min, Prod over axis sets (none, one, negative, several, all, repeated) with and
 * without keep_dims, and ArgMax/ArgMin over each axis with both output types, against plain loops;
 * empty reductions give the identities; bad axes are errors naming them. */
#include <stdlib.h>

#include "math_tests.h"

typedef struct red_attrs {
    bool keep;
    tfc_dtype out_type; /* ArgMax/ArgMin; 0: default */
} red_attrs;

static void set_red(tfc_node_builder *b, const void *ctx) {
    const red_attrs *a = ctx;
    if (a->keep) tfc_node_set_attr_bool(b, "keep_dims", true);
    if (a->out_type) tfc_node_set_attr_type(b, "output_type", a->out_type);
}

static const char *const red_ops[] = {"Mean", "Max", "Min", "Prod"};

/* The reference: out element for each input element by dropping (or zeroing) masked coords. */
static void reference(int op, tfc_dtype dt, const double *x, const int64_t *dims, int rank,
                      const bool *mask, double *want, int64_t on) {
    double init = op == 0 ? 0 : op == 1 ? -INFINITY : op == 2 ? INFINITY : 1;
    int64_t *cnt = calloc((size_t)(on > 0 ? on : 1), sizeof *cnt);
    for (int64_t i = 0; i < on; i++) want[i] = init;
    int64_t n = 1;
    for (int d = 0; d < rank; d++) n *= dims[d];
    for (int64_t i = 0; i < n; i++) {
        int64_t rem = i, o = 0, stride = 1;
        for (int d = rank - 1; d >= 0; d--) {
            int64_t k = rem % dims[d];
            rem /= dims[d];
            if (!mask[d]) o += k * stride, stride *= dims[d];
        }
        double v = x[i];
        cnt[o]++;
        want[o] = op == 0   ? want[o] + v
                  : op == 1 ? fmax(want[o], v)
                  : op == 2 ? fmin(want[o], v)
                            : want[o] * v;
    }
    bool is_int = dt == TFC_DT_INT32 || dt == TFC_DT_INT64;
    for (int64_t i = 0; i < on; i++) {
        if (op == 0)
            want[i] =
                is_int ? (cnt[i] ? trunc(want[i] / (double)cnt[i]) : 0) : want[i] / (double)cnt[i];
        if (is_int && op == 1 && cnt[i] == 0)
            want[i] = dt == TFC_DT_INT32 ? INT32_MIN : (double)INT64_MIN;
        if (is_int && op == 2 && cnt[i] == 0)
            want[i] = dt == TFC_DT_INT32 ? INT32_MAX : (double)INT64_MAX;
    }
    free(cnt);
}

static void check_reduce(int op, tfc_dtype dt, int rank, const int64_t *dims, const int32_t *axes,
                         int naxes, bool keep, mt_rng *r) {
    double *xv;
    tfc_tensor *x = mt_random(r, dt, rank, dims, op == 3 ? 0.5 : -9, op == 3 ? 2 : 9, &xv);
    tfc_tensor *ax = mt_i32(axes, naxes);
    bool mask[8] = {false};
    for (int i = 0; i < (naxes < 0 ? 1 : naxes); i++)
        mask[axes[i] < 0 ? axes[i] + rank : axes[i]] = true;
    int64_t on = 1, odims[8];
    int orank = 0;
    for (int d = 0; d < rank; d++) {
        if (!mask[d]) on *= dims[d];
        if (!mask[d] || keep) odims[orank++] = mask[d] ? 1 : dims[d];
    }
    double *want = malloc((size_t)(on > 0 ? on : 1) * sizeof *want);
    reference(op, dt, xv, dims, rank, mask, want, on);
    const tfc_tensor *in[] = {x, ax};
    red_attrs a = {keep, 0};
    tfc_tensor *y;
    MT_RUN(red_ops[op], in, 2, set_red, &a, &y, 1);
    char what[96];
    snprintf(what, sizeof what, "%s %s naxes=%d keep=%d", red_ops[op], tfc_dtype_name(dt), naxes,
             keep);
    tfc_shape ws = tfc_shape_make(orank, odims);
    if (!tfc_shape_equal(tfc_tensor_shape(y), &ws)) fail_msg("%s: wrong shape", what);
    double tol = dt == TFC_DT_FLOAT ? 1e-5 : 1e-12;
    mt_assert_close(what, y, want, on, tol, tol);
    free(xv), free(want);
    tfc_tensor_unref(x), tfc_tensor_unref(ax), tfc_tensor_unref(y);
}

static void test_reductions(void **state) {
    (void)state;
    mt_rng r = {3};
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    static const int64_t dims[] = {3, 4, 2};
    static const struct {
        int32_t a[3];
        int n;
    } sets[] = {{{0}, 0},    {{0}, 1},       {{1}, 1},    {{-1}, 1},
                {{0, 2}, 2}, {{0, 1, 2}, 3}, {{1, 1}, 2}, {{2}, -1} /* a scalar axis */};
    for (int op = 0; op < 4; op++)
        for (int t = 0; t < 4; t++)
            for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
                for (int keep = 0; keep < 2; keep++)
                    check_reduce(op, types[t], 3, dims, sets[s].a, sets[s].n, keep, &r);
    /* empty reductions: identities; and a scalar input */
    for (int op = 0; op < 4; op++)
        for (int t = 0; t < 4; t++) {
            check_reduce(op, types[t], 2, (int64_t[]){0, 3}, (int32_t[]){0}, 1, false, &r);
            check_reduce(op, types[t], 0, NULL, (int32_t[]){0}, 0, true, &r);
        }
}

static void test_arg_max_min(void **state) {
    (void)state;
    mt_rng r = {8};
    static const tfc_dtype types[] = {TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64};
    static const int64_t dims[] = {3, 4, 5};
    for (int is_min = 0; is_min < 2; is_min++)
        for (int t = 0; t < 4; t++)
            for (int axis = -1; axis < 3; axis++)
                for (int ot = 0; ot < (is_min ? 2 : 4); ot++) {
                    double *xv; /* integers in [0, 4): ties, which give the first index */
                    tfc_tensor *x = mt_random(&r, types[t], 3, dims, 0, 4, &xv);
                    int32_t av = axis;
                    tfc_tensor *ax = mt_i32(&av, -1);
                    const tfc_tensor *in[] = {x, ax};
                    static const tfc_dtype ots[] = {0, TFC_DT_INT32, TFC_DT_INT16, TFC_DT_UINT16};
                    red_attrs a = {false, ots[ot]};
                    tfc_tensor *y;
                    const char *op = is_min ? "ArgMin" : "ArgMax";
                    MT_RUN(op, in, 2, set_red, &a, &y, 1);
                    assert_int_equal(tfc_tensor_dtype(y), ot ? ots[ot] : TFC_DT_INT64);
                    int ax_ = axis < 0 ? 2 : axis;
                    double want[20];
                    int64_t outer = 1, inner = 1;
                    for (int d = 0; d < ax_; d++) outer *= dims[d];
                    for (int d = ax_ + 1; d < 3; d++) inner *= dims[d];
                    for (int64_t o = 0; o < outer; o++)
                        for (int64_t k = 0; k < inner; k++) {
                            int64_t best = 0;
                            for (int64_t i = 1; i < dims[ax_]; i++) {
                                double v = xv[(o * dims[ax_] + i) * inner + k],
                                       b = xv[(o * dims[ax_] + best) * inner + k];
                                if (is_min ? v < b : v > b) best = i;
                            }
                            want[o * inner + k] = (double)best;
                        }
                    assert_int_equal(tfc_tensor_rank(y), 2);
                    mt_assert_close(op, y, want, outer * inner, 0, 0);
                    free(xv);
                    tfc_tensor_unref(x), tfc_tensor_unref(ax), tfc_tensor_unref(y);
                }
}

static void test_reduce_errors(void **state) {
    (void)state;
    tfc_tensor *x = mt_tensor(TFC_DT_FLOAT, 2, (int64_t[]){2, 0}, NULL);
    tfc_tensor *ax = mt_i32((int32_t[]){2}, 1), *a1 = mt_i32((int32_t[]){1}, -1), *y;
    const tfc_tensor *in[] = {x, ax}, *in1[] = {x, a1};
    tfc_status st = {0};
    red_attrs a = {false, 0};
    assert_int_equal(mt_run("Mean", in, 2, set_red, &a, &y, 1, true, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Invalid reduction dimension", "2");
    assert_int_equal(mt_run("ArgMax", in1, 2, set_red, &a, &y, 1, true, &st), TFC_INVALID_ARGUMENT);
    MT_EXPECT_STATUS(st, TFC_INVALID_ARGUMENT, "Reduction axis 1 is empty in shape [2,0]");
    tfc_tensor_unref(x), tfc_tensor_unref(ax), tfc_tensor_unref(a1);
}

int mt_run_reduce(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_reductions),
        TU_TEST(test_arg_max_min),
        TU_TEST(test_reduce_errors),
    };
    return cmocka_run_group_tests_name("ops_math_reduce", tests, NULL, NULL);
}
