/* Elementwise unary kernels of the math family — Abs, Sign (int32/int64 too), Sqrt, Rsqrt, Exp,
 * Log, Reciprocal (float32/float64, as TF registers them on CPU) — and the gradient ops TF's
 * math_grad.py uses for three of them: SqrtGrad, RsqrtGrad, ReciprocalGrad (y, dy of one shape). */
#include <math.h>

#include "ops/math_int.h"
#include "ops/unary.h"

/* Abs of the most negative integer wraps to itself, as in TF (unsigned negation, no UB). */
TFC__UNARY_LOOP(abs_f32, float, fabsf(a))
TFC__UNARY_LOOP(abs_f64, double, fabs(a))
TFC__UNARY_LOOP(abs_i32, int32_t, a < 0 ? (int32_t)(0u - (uint32_t)a) : a)
TFC__UNARY_LOOP(abs_i64, int64_t, a < 0 ? (int64_t)(0u - (uint64_t)a) : a)
/* Sign: -1, 0 or 1; NaN stays NaN (Eigen's sign). */
TFC__UNARY_LOOP(sign_f32, float, a > 0 ? 1.0f : a < 0 ? -1.0f : a)
TFC__UNARY_LOOP(sign_f64, double, a > 0 ? 1.0 : a < 0 ? -1.0 : a)
TFC__UNARY_LOOP(sign_i32, int32_t, (int32_t)((a > 0) - (a < 0)))
TFC__UNARY_LOOP(sign_i64, int64_t, (int64_t)((a > 0) - (a < 0)))
TFC__UNARY_LOOP(sqrt_f32, float, sqrtf(a))
TFC__UNARY_LOOP(sqrt_f64, double, sqrt(a))
TFC__UNARY_LOOP(rsqrt_f32, float, 1.0f / sqrtf(a))
TFC__UNARY_LOOP(rsqrt_f64, double, 1.0 / sqrt(a))
TFC__UNARY_LOOP(exp_f32, float, expf(a))
TFC__UNARY_LOOP(exp_f64, double, exp(a))
TFC__UNARY_LOOP(log_f32, float, logf(a))
TFC__UNARY_LOOP(log_f64, double, log(a))
TFC__UNARY_LOOP(recip_f32, float, 1.0f / a)
TFC__UNARY_LOOP(recip_f64, double, 1.0 / a)

TFC__UNARY_KERNEL(abs, "Abs", abs_f32, abs_f64, abs_i32, abs_i64)
TFC__UNARY_KERNEL(sign, "Sign", sign_f32, sign_f64, sign_i32, sign_i64)
TFC__UNARY_KERNEL(sqrt, "Sqrt", sqrt_f32, sqrt_f64, NULL, NULL)
TFC__UNARY_KERNEL(rsqrt, "Rsqrt", rsqrt_f32, rsqrt_f64, NULL, NULL)
TFC__UNARY_KERNEL(exp, "Exp", exp_f32, exp_f64, NULL, NULL)
TFC__UNARY_KERNEL(log, "Log", log_f32, log_f64, NULL, NULL)
TFC__UNARY_KERNEL(reciprocal, "Reciprocal", recip_f32, recip_f64, NULL, NULL)

/* ---- Gradient ops: z = f(y, dy), y the forward op's output ---- */

typedef void (*grad_fn)(const void *y, const void *dy, void *z, int64_t n);

#define GRAD_LOOP(NAME, T, EXPR)                                                                   \
    static void NAME(const void *yv, const void *dyv, void *zv, int64_t n) {                       \
        const T *y = yv, *dy = dyv;                                                                \
        T *z = zv;                                                                                 \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T a = y[i], g = dy[i];                                                           \
            z[i] = EXPR;                                                                           \
        }                                                                                          \
    }
GRAD_LOOP(sqrt_grad_f32, float, g * 0.5f / a)
GRAD_LOOP(sqrt_grad_f64, double, g * 0.5 / a)
GRAD_LOOP(rsqrt_grad_f32, float, a *a *a *g * -0.5f)
GRAD_LOOP(rsqrt_grad_f64, double, a *a *a *g * -0.5)
GRAD_LOOP(recip_grad_f32, float, -g *a *a)
GRAD_LOOP(recip_grad_f64, double, -g *a *a)

typedef struct grad_job {
    grad_fn fn;
    const char *y, *dy;
    char *z;
    int64_t es;
} grad_job;

static void grad_range(void *p, int64_t lo, int64_t hi) {
    const grad_job *j = p;
    j->fn(j->y + lo * j->es, j->dy + lo * j->es, j->z + lo * j->es, hi - lo);
}

static tfc_code grad_compute(tfc_kernel_ctx *c, const char *name, grad_fn f32, grad_fn f64) {
    const tfc_tensor *y = tfc_kctx_input(c, 0), *dy = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(y);
    grad_fn fn = dt == TFC_DT_FLOAT ? f32 : dt == TFC_DT_DOUBLE ? f64 : NULL;
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", name,
                             tfc_dtype_name(dt));
    if (!tfc_shape_equal(tfc_tensor_shape(y), tfc_tensor_shape(dy))) {
        char a[96], b[96];
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "y and dy must have one shape: %s vs. %s",
                             tfc_shape_to_string(tfc_tensor_shape(y), a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(dy), b, sizeof b));
    }
    tfc_tensor *z;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, tfc_tensor_shape(y), &z);
    if (rc != TFC_OK) return rc;
    grad_job j = {fn, tfc_tensor_data_const(y), tfc_tensor_data_const(dy), tfc_tensor_data(z),
                  (int64_t)tfc_dtype_size(dt)};
    tfc_kctx_parallel_range(c, tfc_tensor_num_elements(y), TFC_KCTX_MIN_CHUNK, grad_range, &j);
    return TFC_OK;
}

static tfc_code sqrt_grad_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return grad_compute(c, "SqrtGrad", sqrt_grad_f32, sqrt_grad_f64);
}
static tfc_code rsqrt_grad_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return grad_compute(c, "RsqrtGrad", rsqrt_grad_f32, rsqrt_grad_f64);
}
static tfc_code recip_grad_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    return grad_compute(c, "ReciprocalGrad", recip_grad_f32, recip_grad_f64);
}
const tfc_kernel tfc__kernel_sqrt_grad = {.compute = sqrt_grad_compute};
const tfc_kernel tfc__kernel_rsqrt_grad = {.compute = rsqrt_grad_compute};
const tfc_kernel tfc__kernel_reciprocal_grad = {.compute = recip_grad_compute};
