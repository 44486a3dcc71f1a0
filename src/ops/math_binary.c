/* Broadcasting binary kernels of the math family: Maximum, Minimum, SquaredDifference, Pow, and
 * the comparisons (bool results). float32, float64, int32 and int64 as TF registers them on CPU
 * (comparisons also uint8, Equal/NotEqual also bool). Integer arithmetic wraps like TF's (done in
 * unsigned types); Maximum/Minimum propagate NaN as TF 2's functors do. */
#include <math.h>

#include "ops/math_int.h"

#define ROW2(NAME, TI, TO, EXPR)                                                                   \
    static void NAME(const void *ctx, const char *const *in, const int64_t *s, char *out,          \
                     int64_t n) {                                                                  \
        (void)ctx;                                                                                 \
        const TI *x = (const TI *)(const void *)in[0], *y = (const TI *)(const void *)in[1];       \
        TO *z = (TO *)(void *)out;                                                                 \
        const int64_t sx = s[0], sy = s[1];                                                        \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const TI a = x[i * sx], b = y[i * sy];                                                 \
            z[i] = EXPR;                                                                           \
        }                                                                                          \
    }

#define FMAX(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b))
#define FMIN(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) < (b) ? (a) : (b))
#define WRAP(T, U, EXPR) ((T)(U)(EXPR))

ROW2(max_f32, float, float, FMAX(a, b))
ROW2(max_f64, double, double, FMAX(a, b))
ROW2(max_i32, int32_t, int32_t, a > b ? a : b)
ROW2(max_i64, int64_t, int64_t, a > b ? a : b)
ROW2(min_f32, float, float, FMIN(a, b))
ROW2(min_f64, double, double, FMIN(a, b))
ROW2(min_i32, int32_t, int32_t, a < b ? a : b)
ROW2(min_i64, int64_t, int64_t, a < b ? a : b)
ROW2(sqd_f32, float, float, (a - b) * (a - b))
ROW2(sqd_f64, double, double, (a - b) * (a - b))
ROW2(sqd_i32, int32_t, int32_t,
     WRAP(int32_t, uint32_t, ((uint32_t)a - (uint32_t)b) * ((uint32_t)a - (uint32_t)b)))
ROW2(sqd_i64, int64_t, int64_t,
     WRAP(int64_t, uint64_t, ((uint64_t)a - (uint64_t)b) * ((uint64_t)a - (uint64_t)b)))
ROW2(pow_f32, float, float, powf(a, b))
ROW2(pow_f64, double, double, pow(a, b))

/* Integer power by squaring, wrapping; exponents were checked non-negative. */
static uint64_t ipow(uint64_t base, uint64_t e) {
    uint64_t r = 1;
    while (e) {
        if (e & 1) r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}
ROW2(pow_i32, int32_t, int32_t, WRAP(int32_t, uint32_t, ipow((uint64_t)(int64_t)a, (uint64_t)b)))
ROW2(pow_i64, int64_t, int64_t, WRAP(int64_t, uint64_t, ipow((uint64_t)a, (uint64_t)b)))

#define CMP_ROWS(NAME, OP)                                                                         \
    ROW2(NAME##_f32, float, uint8_t, a OP b)                                                       \
    ROW2(NAME##_f64, double, uint8_t, a OP b)                                                      \
    ROW2(NAME##_i32, int32_t, uint8_t, a OP b)                                                     \
    ROW2(NAME##_i64, int64_t, uint8_t, a OP b)                                                     \
    ROW2(NAME##_u8, uint8_t, uint8_t, a OP b)
CMP_ROWS(eq, ==)
CMP_ROWS(ne, !=)
CMP_ROWS(lt, <)
CMP_ROWS(le, <=)
CMP_ROWS(gt, >)
CMP_ROWS(ge, >=)
/* bool storage is a byte; any nonzero byte reads as true */
ROW2(eq_b, uint8_t, uint8_t, (a != 0) == (b != 0))
ROW2(ne_b, uint8_t, uint8_t, (a != 0) != (b != 0))

typedef struct binop {
    const char *name;
    tfc__mrow_fn f32, f64, i32, i64, u8, b; /* NULL: no CPU kernel for that dtype */
    bool to_bool;
} binop;

static tfc__mrow_fn binop_for(const binop *op, tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_FLOAT:
        return op->f32;
    case TFC_DT_DOUBLE:
        return op->f64;
    case TFC_DT_INT32:
        return op->i32;
    case TFC_DT_INT64:
        return op->i64;
    case TFC_DT_UINT8:
        return op->u8;
    case TFC_DT_BOOL:
        return op->b;
    default:
        return NULL;
    }
}

/* TF: "Integers to negative integer powers are not allowed". */
static bool has_negative(const tfc_tensor *t) {
    int64_t n = tfc_tensor_num_elements(t);
    const void *p = tfc_tensor_data_const(t);
    for (int64_t i = 0; i < n; i++)
        if (tfc_tensor_dtype(t) == TFC_DT_INT32 ? ((const int32_t *)p)[i] < 0
                                                : ((const int64_t *)p)[i] < 0)
            return true;
    return false;
}

/* soft: Equal/NotEqual with incompatible_shape_error = false, where shapes that do not broadcast
 * give a scalar (false for Equal, true for NotEqual) instead of an error. */
static tfc_code binary_compute(tfc_kernel_ctx *c, const binop *op, bool soft, bool soft_value) {
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(x);
    tfc__mrow_fn fn = binop_for(op, dt);
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", op->name,
                             tfc_dtype_name(dt));
    const tfc_shape *shapes[2] = {tfc_tensor_shape(x), tfc_tensor_shape(y)};
    tfc_dtype odt = op->to_bool ? TFC_DT_BOOL : dt;
    tfc__mbcast b;
    tfc_shape s;
    tfc_tensor *z;
    tfc_code rc;
    if (!tfc__mbcast_make(2, shapes, &s, &b)) {
        if (!soft) return tfc__mbcast_fail(c, 2, shapes);
        s = tfc_shape_scalar();
        if ((rc = tfc_kctx_alloc_output(c, 0, TFC_DT_BOOL, &s, &z)) != TFC_OK) return rc;
        *(uint8_t *)tfc_tensor_data(z) = soft_value;
        return TFC_OK;
    }
    if (op->i32 == pow_i32 && (dt == TFC_DT_INT32 || dt == TFC_DT_INT64) && has_negative(y))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Integers to negative integer powers are not allowed");
    if ((rc = tfc_kctx_alloc_output(c, 0, odt, &s, &z)) != TFC_OK) return rc;
    const void *in[2] = {tfc_tensor_data_const(x), tfc_tensor_data_const(y)};
    size_t es[2] = {tfc_dtype_size(dt), tfc_dtype_size(dt)};
    tfc__mbcast_run(c, &b, in, es, tfc_tensor_data(z), tfc_dtype_size(odt), fn, NULL);
    return TFC_OK;
}

#define BINARY_KERNEL(NAME, ...)                                                                   \
    static const binop op_##NAME = {__VA_ARGS__};                                                  \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        (void)state;                                                                               \
        return binary_compute(c, &op_##NAME, false, false);                                        \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};

BINARY_KERNEL(maximum, "Maximum", max_f32, max_f64, max_i32, max_i64, NULL, NULL, false)
BINARY_KERNEL(minimum, "Minimum", min_f32, min_f64, min_i32, min_i64, NULL, NULL, false)
BINARY_KERNEL(squared_difference, "SquaredDifference", sqd_f32, sqd_f64, sqd_i32, sqd_i64, NULL,
              NULL, false)
BINARY_KERNEL(pow, "Pow", pow_f32, pow_f64, pow_i32, pow_i64, NULL, NULL, false)
BINARY_KERNEL(less, "Less", lt_f32, lt_f64, lt_i32, lt_i64, lt_u8, NULL, true)
BINARY_KERNEL(less_equal, "LessEqual", le_f32, le_f64, le_i32, le_i64, le_u8, NULL, true)
BINARY_KERNEL(greater, "Greater", gt_f32, gt_f64, gt_i32, gt_i64, gt_u8, NULL, true)
BINARY_KERNEL(greater_equal, "GreaterEqual", ge_f32, ge_f64, ge_i32, ge_i64, ge_u8, NULL, true)

/* Equal and NotEqual read incompatible_shape_error once, at prepare. */
static tfc_code equality_prepare(const tfc_node *n, void **state, tfc_status *st) {
    bool *strict = tfc_calloc(1, sizeof *strict);
    if (!strict) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *strict = true;
    tfc_node_attr_bool(n, "incompatible_shape_error", strict, NULL);
    *state = strict;
    return TFC_OK;
}

static const binop op_equal = {"Equal", eq_f32, eq_f64, eq_i32, eq_i64, eq_u8, eq_b, true};
static const binop op_not_equal = {"NotEqual", ne_f32, ne_f64, ne_i32, ne_i64, ne_u8, ne_b, true};

static tfc_code equal_compute(tfc_kernel_ctx *c, void *state) {
    return binary_compute(c, &op_equal, !*(const bool *)state, false);
}
static tfc_code not_equal_compute(tfc_kernel_ctx *c, void *state) {
    return binary_compute(c, &op_not_equal, !*(const bool *)state, true);
}
const tfc_kernel tfc__kernel_equal = {.prepare = equality_prepare, .compute = equal_compute};
const tfc_kernel tfc__kernel_not_equal = {.prepare = equality_prepare,
                                          .compute = not_equal_compute};
