/* Logical kernels of the math family: LogicalAnd/LogicalOr (broadcasting), LogicalNot, and the
 * two selects — Select (TF1: condition scalar, same shape, or a vector over the first dim) and
 * SelectV2 (all three inputs broadcast). A bool is one byte; any nonzero byte reads as true.
 * Selects copy elements as bits, so they take any fixed-size dtype (not string). */
#include <string.h>

#include "ops/math_int.h"

static void and_row(const void *ctx, const char *const *in, const int64_t *s, char *out,
                    int64_t n) {
    (void)ctx;
    const uint8_t *x = (const uint8_t *)in[0], *y = (const uint8_t *)in[1];
    for (int64_t i = 0; i < n; i++) out[i] = x[i * s[0]] && y[i * s[1]];
}

static void or_row(const void *ctx, const char *const *in, const int64_t *s, char *out, int64_t n) {
    (void)ctx;
    const uint8_t *x = (const uint8_t *)in[0], *y = (const uint8_t *)in[1];
    for (int64_t i = 0; i < n; i++) out[i] = x[i * s[0]] || y[i * s[1]];
}

static tfc_code logical_compute(tfc_kernel_ctx *c, tfc__mrow_fn fn) {
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1);
    const tfc_shape *shapes[2] = {tfc_tensor_shape(x), tfc_tensor_shape(y)};
    tfc__mbcast b;
    tfc_shape s;
    tfc_tensor *z;
    if (!tfc__mbcast_make(2, shapes, &s, &b)) return tfc__mbcast_fail(c, 2, shapes);
    tfc_code rc = tfc_kctx_alloc_output(c, 0, TFC_DT_BOOL, &s, &z);
    if (rc != TFC_OK) return rc;
    const void *in[2] = {tfc_tensor_data_const(x), tfc_tensor_data_const(y)};
    size_t es[2] = {1, 1};
    tfc__mbcast_run(c, &b, in, es, tfc_tensor_data(z), 1, fn, NULL);
    return TFC_OK;
}

static tfc_code logical_and_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return logical_compute(c, and_row);
}
static tfc_code logical_or_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return logical_compute(c, or_row);
}
const tfc_kernel tfc__kernel_logical_and = {.compute = logical_and_compute};
const tfc_kernel tfc__kernel_logical_or = {.compute = logical_or_compute};

static tfc_code logical_not_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, TFC_DT_BOOL, tfc_tensor_shape(x), &y);
    if (rc != TFC_OK) return rc;
    const uint8_t *a = tfc_tensor_data_const(x);
    uint8_t *b = tfc_tensor_data(y);
    for (int64_t i = 0, n = tfc_tensor_num_elements(x); i < n; i++) b[i] = !a[i];
    return TFC_OK;
}
const tfc_kernel tfc__kernel_logical_not = {.compute = logical_not_compute};

/* ---- Selects ---- */

#define SELECT_ROW(NAME, T)                                                                        \
    static void NAME(const void *ctx, const char *const *in, const int64_t *s, char *out,          \
                     int64_t n) {                                                                  \
        (void)ctx;                                                                                 \
        const uint8_t *cond = (const uint8_t *)in[0];                                              \
        const T *t = (const T *)(const void *)in[1], *e = (const T *)(const void *)in[2];          \
        T *z = (T *)(void *)out;                                                                   \
        for (int64_t i = 0; i < n; i++) z[i] = cond[i * s[0]] ? t[i * s[1]] : e[i * s[2]];         \
    }
SELECT_ROW(select_1, uint8_t)
SELECT_ROW(select_2, uint16_t)
SELECT_ROW(select_4, uint32_t)
SELECT_ROW(select_8, uint64_t)

static tfc__mrow_fn select_row_for(size_t es) {
    switch (es) {
    case 1:
        return select_1;
    case 2:
        return select_2;
    case 4:
        return select_4;
    case 8:
        return select_8;
    default:
        return NULL;
    }
}

/* The common part: dtype check; then the plan of cond, t, e over shapes[] (already validated). */
static tfc_code select_run(tfc_kernel_ctx *c, const tfc_shape *const *shapes, const char *op) {
    const tfc_tensor *cond = tfc_kctx_input(c, 0), *t = tfc_kctx_input(c, 1),
                     *e = tfc_kctx_input(c, 2);
    tfc_dtype dt = tfc_tensor_dtype(t);
    size_t es = tfc_dtype_size(dt);
    tfc__mrow_fn fn = dt == TFC_DT_STRING ? NULL : select_row_for(es);
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", op,
                             tfc_dtype_name(dt));
    tfc__mbcast b;
    tfc_shape s;
    if (!tfc__mbcast_make(3, shapes, &s, &b)) return tfc__mbcast_fail(c, 3, shapes);
    tfc_tensor *z;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &s, &z);
    if (rc != TFC_OK) return rc;
    const void *in[3] = {tfc_tensor_data_const(cond), tfc_tensor_data_const(t),
                         tfc_tensor_data_const(e)};
    size_t ess[3] = {1, es, es};
    tfc__mbcast_run(c, &b, in, ess, tfc_tensor_data(z), es, fn, NULL);
    return TFC_OK;
}

static tfc_code select_v2_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_shape *shapes[3];
    for (int k = 0; k < 3; k++) shapes[k] = tfc_tensor_shape(tfc_kctx_input(c, k));
    return select_run(c, shapes, "SelectV2");
}
const tfc_kernel tfc__kernel_select_v2 = {.compute = select_v2_compute};

/* TF1 Select: t and e of one shape; cond a scalar, of that shape, or (for t of rank >= 2) a
 * vector over t's first dim — which is the broadcast of cond reshaped to [n, 1, ..., 1]. */
static tfc_code select_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_shape *cs = tfc_tensor_shape(tfc_kctx_input(c, 0)),
                    *ts = tfc_tensor_shape(tfc_kctx_input(c, 1)),
                    *es = tfc_tensor_shape(tfc_kctx_input(c, 2));
    char a[96], b[96];
    if (!tfc_shape_equal(ts, es))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "'then' and 'else' must have the same size.  but received: %s vs. %s",
                             tfc_shape_to_string(ts, a, sizeof a),
                             tfc_shape_to_string(es, b, sizeof b));
    tfc_shape cond = *cs;
    if (cs->rank == 1 && ts->rank > 1) {
        if (cs->dims[0] != ts->dims[0])
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Number of batches of 'then' must match size of 'cond', but saw: "
                                 "%lld vs. %lld",
                                 (long long)ts->dims[0], (long long)cs->dims[0]);
        cond = tfc_shape_make(ts->rank, NULL);
        cond.dims[0] = cs->dims[0];
        for (int d = 1; d < ts->rank; d++) cond.dims[d] = 1;
    } else if (cs->rank != 0 && !tfc_shape_equal(cs, ts)) {
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "'then' and 'cond' must have the same size.  but received: %s vs. %s",
                             tfc_shape_to_string(ts, a, sizeof a),
                             tfc_shape_to_string(cs, b, sizeof b));
    }
    const tfc_shape *shapes[3] = {&cond, ts, es};
    return select_run(c, shapes, "Select");
}
const tfc_kernel tfc__kernel_select = {.compute = select_compute};
