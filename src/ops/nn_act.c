/* Activations and their gradient ops, elementwise in float32 and float64: Relu6, Elu, Softplus,
 * Sigmoid, Tanh; ReluGrad, Relu6Grad, EluGrad, SoftplusGrad, SigmoidGrad, TanhGrad. Formulas are
 * TF's (the gradient ops take what TF passes them: features for Relu/Relu6/Softplus, the outputs
 * for Elu, Sigmoid and Tanh). Large tensors are split over the pool. */
#include <tgmath.h>

#include "ops/nn_int.h"

/* Elements per task when an op is split over the pool. */
#define GRAIN 16384

typedef void (*unary_f32)(const float *x, float *y, int64_t n);
typedef void (*unary_f64)(const double *x, double *y, int64_t n);
typedef void (*binary_f32)(const float *a, const float *b, float *y, int64_t n);
typedef void (*binary_f64)(const double *a, const double *b, double *y, int64_t n);

/* One function body per element type; tgmath.h picks expf/exp, log1pf/log1p, ... by type. */
#define UNARY(name, expr)                                                                          \
    static void name##_f32(const float *x, float *y, int64_t n) {                                  \
        for (int64_t i = 0; i < n; i++) {                                                          \
            float v = x[i];                                                                        \
            y[i] = (expr);                                                                         \
        }                                                                                          \
    }                                                                                              \
    static void name##_f64(const double *x, double *y, int64_t n) {                                \
        for (int64_t i = 0; i < n; i++) {                                                          \
            double v = x[i];                                                                       \
            y[i] = (expr);                                                                         \
        }                                                                                          \
    }

#define BINARY(name, expr)                                                                         \
    static void name##_f32(const float *a, const float *b, float *y, int64_t n) {                  \
        for (int64_t i = 0; i < n; i++) {                                                          \
            float u = a[i], v = b[i];                                                              \
            y[i] = (expr);                                                                         \
        }                                                                                          \
    }                                                                                              \
    static void name##_f64(const double *a, const double *b, double *y, int64_t n) {               \
        for (int64_t i = 0; i < n; i++) {                                                          \
            double u = a[i], v = b[i];                                                             \
            y[i] = (expr);                                                                         \
        }                                                                                          \
    }

UNARY(relu6, v > 0 ? (v < 6 ? v : 6) : 0)
UNARY(elu, v < 0 ? expm1(v) : v)
/* log(1 + e^v) without overflow for large v or loss of precision for very negative v. */
UNARY(softplus, v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)))
UNARY(sigmoid, 1 / (1 + exp(-v)))
UNARY(tanh_op, tanh(v))

/* u is the first input, v the second, in the op's signature order. */
BINARY(relu_grad, v > 0 ? u : 0)           /* (gradients, features) */
BINARY(relu6_grad, v > 0 && v < 6 ? u : 0) /* (gradients, features) */
BINARY(elu_grad, v < 0 ? u * (v + 1) : u)  /* (gradients, outputs) */
BINARY(softplus_grad, u / (1 + exp(-v)))   /* (gradients, features) */
BINARY(sigmoid_grad, v *u *(1 - u))        /* (y, dy) */
BINARY(tanh_grad, v *(1 - u * u))          /* (y, dy) */

typedef struct act_state {
    tfc_dtype dt;
    int arity;
    unary_f32 u32;
    unary_f64 u64;
    binary_f32 b32;
    binary_f64 b64;
} act_state;

typedef struct act_job {
    const act_state *s;
    const void *a, *b;
    void *y;
    int64_t n, parts;
} act_job;

static void act_part(void *ctx, int64_t part) {
    const act_job *j = ctx;
    int64_t lo = j->n * part / j->parts, hi = j->n * (part + 1) / j->parts;
    size_t es = j->s->dt == TFC_DT_FLOAT ? 4 : 8;
    const char *a = (const char *)j->a + (size_t)lo * es, *b = (const char *)j->b + (size_t)lo * es;
    char *y = (char *)j->y + (size_t)lo * es;
    if (j->s->arity == 1 && es == 4) j->s->u32((const float *)a, (float *)y, hi - lo);
    if (j->s->arity == 1 && es == 8) j->s->u64((const double *)a, (double *)y, hi - lo);
    if (j->s->arity == 2 && es == 4)
        j->s->b32((const float *)a, (const float *)b, (float *)y, hi - lo);
    if (j->s->arity == 2 && es == 8)
        j->s->b64((const double *)a, (const double *)b, (double *)y, hi - lo);
}

static tfc_code act_compute(tfc_kernel_ctx *c, void *state) {
    const act_state *s = state;
    const tfc_tensor *a = tfc_kctx_input(c, 0), *b = s->arity == 2 ? tfc_kctx_input(c, 1) : a;
    char x1[96], x2[96];
    if (tfc_tensor_dtype(a) != s->dt || tfc_tensor_dtype(b) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "inputs must be %s, got %s and %s",
                             tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(a)),
                             tfc_dtype_name(tfc_tensor_dtype(b)));
    if (!tfc_shape_equal(tfc_tensor_shape(a), tfc_tensor_shape(b)))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Incompatible shapes: %s vs. %s (both inputs must have one shape)",
                             tfc_shape_to_string(tfc_tensor_shape(a), x1, sizeof x1),
                             tfc_shape_to_string(tfc_tensor_shape(b), x2, sizeof x2));
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, tfc_tensor_shape(a), &y);
    if (rc) return rc;
    int64_t n = tfc_tensor_num_elements(a);
    act_job j = {s, tfc_tensor_data_const(a), tfc_tensor_data_const(b), tfc_tensor_data(y), n, 1};
    j.parts = tfc__nn_num_parts(tfc_kctx_pool(c), (n + GRAIN - 1) / GRAIN);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, act_part, &j);
    return TFC_OK;
}

static tfc_code act_prepare(const tfc_node *n, void **state, tfc_status *st, act_state proto) {
    if (tfc__nn_float_type(n, "T", &proto.dt, st)) return st->code;
    act_state *s = tfc_malloc(sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *s = proto;
    *state = s;
    return TFC_OK;
}

#define UNARY_KERNEL(kname, fn)                                                                    \
    static tfc_code fn##_prepare(const tfc_node *n, void **state, tfc_status *st) {                \
        return act_prepare(n, state, st,                                                           \
                           (act_state){.arity = 1, .u32 = fn##_f32, .u64 = fn##_f64});             \
    }                                                                                              \
    const tfc_kernel kname = {.prepare = fn##_prepare, .compute = act_compute};

#define BINARY_KERNEL(kname, fn)                                                                   \
    static tfc_code fn##_prepare(const tfc_node *n, void **state, tfc_status *st) {                \
        return act_prepare(n, state, st,                                                           \
                           (act_state){.arity = 2, .b32 = fn##_f32, .b64 = fn##_f64});             \
    }                                                                                              \
    const tfc_kernel kname = {.prepare = fn##_prepare, .compute = act_compute};

UNARY_KERNEL(tfc__kernel_relu6, relu6)
UNARY_KERNEL(tfc__kernel_elu, elu)
UNARY_KERNEL(tfc__kernel_softplus, softplus)
UNARY_KERNEL(tfc__kernel_sigmoid, sigmoid)
UNARY_KERNEL(tfc__kernel_tanh, tanh_op)
BINARY_KERNEL(tfc__kernel_relu_grad, relu_grad)
BINARY_KERNEL(tfc__kernel_relu6_grad, relu6_grad)
BINARY_KERNEL(tfc__kernel_elu_grad, elu_grad)
BINARY_KERNEL(tfc__kernel_softplus_grad, softplus_grad)
BINARY_KERNEL(tfc__kernel_sigmoid_grad, sigmoid_grad)
BINARY_KERNEL(tfc__kernel_tanh_grad, tanh_grad)
