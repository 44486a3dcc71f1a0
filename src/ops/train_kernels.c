/* CPU kernels of TF's training ops (tensorflow/core/kernels/training_ops.cc): ApplyGradientDescent,
 * ApplyMomentum, ApplyAdam, ApplyRMSProp, ApplyAdagrad and their Resource* twins, with TF's update
 * formulas evaluated in the variable's dtype (float, double) in TF's order of operations. The
 * variable and its slots are updated in place; one that something else still holds (a value a
 * caller fetched) is copied first, so that value never changes (the session's contract), and a
 * training step allocates nothing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/train_kernels.h"

#define MAX_VARS 3    /* the variable and up to two slots (Adam's m and v, RMSProp's ms, mom) */
#define MAX_SCALARS 6 /* Adam: beta1_power, beta2_power, lr, beta1, beta2, epsilon */
#define MAX_INPUTS (MAX_VARS + MAX_SCALARS + 1)

/* ---- Shapes ---- */

/* The VarHandleOp behind resource input i, or NULL (a handle from elsewhere). */
static const tfc_node *handle_of(const tfc_node *n, int i) {
    const tfc_node *src = tfc__var_source(n, i);
    return src && !strcmp(tfc_node_op(src), "VarHandleOp") ? src : NULL;
}

static bool is_grad_arg(const tfc_arg_def *a) {
    return !strcmp(a->name, "grad") || !strcmp(a->name, "delta");
}

tfc_code tfc__shape_apply(tfc_shape_ctx *c) {
    const tfc_node *n = tfc_shape_ctx_node(c);
    const tfc_op_def *d = tfc__op_lookup(tfc_node_op(n));
    tfc_shape s = tfc_shape_unknown(), declared, merged;
    char a[96], b[96];
    /* No Apply op has list arguments, so input i is argument i. */
    for (int i = 0; d && i < d->num_inputs && i < tfc_shape_ctx_num_inputs(c); i++) {
        const tfc_arg_def *arg = &d->inputs[i];
        const tfc_shape *in = tfc_shape_ctx_input_shape(c, i);
        if (arg->type == TFC_DT_RESOURCE) {
            /* TF reads a resource's shape from the handle's data: here, the VarHandleOp's attr. */
            const tfc_node *h = handle_of(n, i);
            if (!h || tfc_node_attr_shape(h, "shape", &declared, NULL) != TFC_OK) continue;
            in = &declared;
        } else if (!arg->is_ref && !is_grad_arg(arg)) {
            if (in->rank > 0)
                return tfc_shape_ctx_fail(c, "Shape must be rank 0 but is rank %d for input '%s'",
                                          in->rank, arg->name);
            continue;
        }
        if (!tfc_shape_merge(&s, in, &merged))
            return tfc_shape_ctx_fail(c, "input '%s' has shape %s, which does not match %s",
                                      arg->name, tfc_shape_to_string(in, a, sizeof a),
                                      tfc_shape_to_string(&s, b, sizeof b));
        s = merged;
    }
    if (tfc_shape_ctx_num_outputs(c) > 0) tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* ---- The update loops ----
 * A job holds the variable and slot buffers, the gradient and the scalar inputs (as doubles,
 * which hold float and double values exactly; each loop converts them back to T).
 *
 * Each formula is written once, as a step on one element or on one SSE2 vector of them (GCC and
 * clang vector types: arithmetic is elementwise and a scalar operand is broadcast). The compiler
 * does not vectorize these loops by itself at -O2, and cannot at all where sqrt may set errno;
 * by hand, the sqrt- and division-bound Adam, RMSProp and Adagrad run several times faster. Both
 * paths round every operation the same way (IEEE sqrt and division, and no fused multiply-add on
 * the baseline x86-64 target), so a variable's values do not depend on where the pool split it. */

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_VEC 1
typedef float f32v __attribute__((vector_size(16)));
typedef double f64v __attribute__((vector_size(16)));
static inline f32v ld_f32v(const float *p) {
    return (f32v)_mm_loadu_ps(p);
}
static inline void st_f32v(float *p, f32v x) {
    _mm_storeu_ps(p, (__m128)x);
}
static inline f32v sqrt_f32v(f32v x) {
    return (f32v)_mm_sqrt_ps((__m128)x);
}
static inline f64v ld_f64v(const double *p) {
    return (f64v)_mm_loadu_pd(p);
}
static inline void st_f64v(double *p, f64v x) {
    _mm_storeu_pd(p, (__m128d)x);
}
static inline f64v sqrt_f64v(f64v x) {
    return (f64v)_mm_sqrt_pd((__m128d)x);
}
#else
#define HAVE_VEC 0
#endif

typedef struct apply_job {
    void *x[MAX_VARS];
    const void *g;
    double s[MAX_SCALARS];
    bool flag; /* use_nesterov (Momentum, Adam), update_slots (Adagrad) */
} apply_job;

/* Scalar element access, the vector one's twin. */
#define LD1(p) (*(p))
#define ST1(p, x) (*(p) = (x))

/* Runs STEP(type, load, store, sqrt) for i in [b, e): vectors of W elements, then the rest. */
#if HAVE_VEC
#define FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, STEP)                                         \
    {                                                                                              \
        int64_t i = b;                                                                             \
        for (; i + W <= e; i += W) STEP(V, VLD, VST, VSQRT);                                       \
        for (; i < e; i++) STEP(T, LD1, ST1, SQRT);                                                \
    }
#else
#define FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, STEP)                                         \
    {                                                                                              \
        for (int64_t i = b; i < e; i++) STEP(T, LD1, ST1, SQRT);                                   \
    }
#endif

/* var -= grad * alpha */
#define GD_STEP(X, LD, ST, SQ) ST(var + i, LD(var + i) - LD(g + i) * lr)

/* accum = accum * momentum + grad; var -= accum * lr, or with Nesterov
 * var -= grad * lr + accum * momentum * lr. */
#define MOMENTUM_STEP(X, LD, ST, SQ)                                                               \
    {                                                                                              \
        X gi = LD(g + i), ai = LD(acc + i) * mom + gi;                                             \
        ST(acc + i, ai);                                                                           \
        ST(var + i, LD(var + i) - ai * lr);                                                        \
    }
#define NESTEROV_STEP(X, LD, ST, SQ)                                                               \
    {                                                                                              \
        X gi = LD(g + i), ai = LD(acc + i) * mom + gi;                                             \
        ST(acc + i, ai);                                                                           \
        ST(var + i, LD(var + i) - (gi * lr + ai * mom * lr));                                      \
    }

/* alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (g - m) * (1 - beta1);
 * v += (g^2 - v) * (1 - beta2); var -= m * alpha / (sqrt(v) + epsilon), or with Nesterov
 * var -= (g * (1 - beta1) + beta1 * m) * alpha / (sqrt(v) + epsilon). */
#define ADAM_STEP(X, LD, ST, SQ)                                                                   \
    {                                                                                              \
        X gi = LD(g + i), mi = LD(m + i), vi = LD(v + i);                                          \
        mi += (gi - mi) * one_b1;                                                                  \
        vi += (gi * gi - vi) * one_b2;                                                             \
        ST(m + i, mi);                                                                             \
        ST(v + i, vi);                                                                             \
        ST(var + i, LD(var + i) - (mi * alpha) / (SQ(vi) + eps));                                  \
    }
#define ADAM_NESTEROV_STEP(X, LD, ST, SQ)                                                          \
    {                                                                                              \
        X gi = LD(g + i), mi = LD(m + i), vi = LD(v + i);                                          \
        mi += (gi - mi) * one_b1;                                                                  \
        vi += (gi * gi - vi) * one_b2;                                                             \
        ST(m + i, mi);                                                                             \
        ST(v + i, vi);                                                                             \
        ST(var + i, LD(var + i) - ((gi * one_b1 + b1 * mi) * alpha) / (SQ(vi) + eps));             \
    }

/* ms += (g^2 - ms) * (1 - rho); mom = mom * momentum + g * lr / sqrt(ms + epsilon); var -= mom. */
#define RMSPROP_STEP(X, LD, ST, SQ)                                                                \
    {                                                                                              \
        X gi = LD(g + i), si = LD(ms + i);                                                         \
        si += (gi * gi - si) * one_rho;                                                            \
        X mo = LD(mom + i) * momentum + (gi * lr) / SQ(si + eps);                                  \
        ST(ms + i, si);                                                                            \
        ST(mom + i, mo);                                                                           \
        ST(var + i, LD(var + i) - mo);                                                             \
    }

/* accum += g^2 (when update_slots); var -= g * lr * rsqrt(accum). */
#define ADAGRAD_STEP(X, LD, ST, SQ)                                                                \
    {                                                                                              \
        X gi = LD(g + i), ai = LD(acc + i) + gi * gi;                                              \
        ST(acc + i, ai);                                                                           \
        ST(var + i, LD(var + i) - gi * lr * (one / SQ(ai)));                                       \
    }
#define ADAGRAD_FIXED_STEP(X, LD, ST, SQ)                                                          \
    ST(var + i, LD(var + i) - LD(g + i) * lr * (one / SQ(LD(acc + i))))

/* The five loops for one dtype T with vector type V of W elements. */
#define ALL_LOOPS(T, SFX, SQRT, V, W, VLD, VST, VSQRT)                                             \
    static void gd_##SFX(void *p, int64_t b, int64_t e) {                                          \
        const apply_job *j = p;                                                                    \
        T *var = j->x[0];                                                                          \
        const T *g = j->g, lr = (T)j->s[0];                                                        \
        FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, GD_STEP)                                      \
    }                                                                                              \
    /* Scalars: lr, momentum. */                                                                   \
    static void momentum_##SFX(void *p, int64_t b, int64_t e) {                                    \
        const apply_job *j = p;                                                                    \
        T *var = j->x[0], *acc = j->x[1];                                                          \
        const T *g = j->g, lr = (T)j->s[0], mom = (T)j->s[1];                                      \
        if (j->flag)                                                                               \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, NESTEROV_STEP)                            \
        else                                                                                       \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, MOMENTUM_STEP)                            \
    }                                                                                              \
    /* Scalars: beta1_power, beta2_power, lr, beta1, beta2, epsilon. */                            \
    static void adam_##SFX(void *p, int64_t b, int64_t e) {                                        \
        const apply_job *j = p;                                                                    \
        T *var = j->x[0], *m = j->x[1], *v = j->x[2];                                              \
        const T *g = j->g, b1p = (T)j->s[0], b2p = (T)j->s[1], lr = (T)j->s[2];                    \
        const T b1 = (T)j->s[3], b2 = (T)j->s[4], eps = (T)j->s[5];                                \
        const T alpha = lr * SQRT((T)1 - b2p) / ((T)1 - b1p);                                      \
        const T one_b1 = (T)1 - b1, one_b2 = (T)1 - b2;                                            \
        if (j->flag)                                                                               \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, ADAM_NESTEROV_STEP)                       \
        else                                                                                       \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, ADAM_STEP)                                \
    }                                                                                              \
    /* Scalars: lr, rho, momentum, epsilon. */                                                     \
    static void rmsprop_##SFX(void *p, int64_t b, int64_t e) {                                     \
        const apply_job *j = p;                                                                    \
        T *var = j->x[0], *ms = j->x[1], *mom = j->x[2];                                           \
        const T *g = j->g, lr = (T)j->s[0], rho = (T)j->s[1];                                      \
        const T momentum = (T)j->s[2], eps = (T)j->s[3], one_rho = (T)1 - rho;                     \
        FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, RMSPROP_STEP)                                 \
    }                                                                                              \
    /* Scalars: lr. */                                                                             \
    static void adagrad_##SFX(void *p, int64_t b, int64_t e) {                                     \
        const apply_job *j = p;                                                                    \
        T *var = j->x[0], *acc = j->x[1];                                                          \
        const T *g = j->g, lr = (T)j->s[0], one = 1;                                               \
        if (j->flag)                                                                               \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, ADAGRAD_STEP)                             \
        else                                                                                       \
            FOR_ELEMENTS(T, SQRT, V, W, VLD, VST, VSQRT, ADAGRAD_FIXED_STEP)                       \
    }

ALL_LOOPS(float, f32, sqrtf, f32v, 4, ld_f32v, st_f32v, sqrt_f32v)
ALL_LOOPS(double, f64, sqrt, f64v, 2, ld_f64v, st_f64v, sqrt_f64v)

/* ---- The kernel ---- */

typedef void (*range_fn)(void *ctx, int64_t begin, int64_t end);

typedef struct apply_algo {
    int nvars;             /* leading Ref/resource inputs: the variable and its slots */
    const char *bool_attr; /* the attr that sets apply_job.flag, or NULL */
    range_fn f32, f64;
    int64_t min_chunk; /* elements per pool range: smaller for the loops with sqrt and division */
} apply_algo;

static const apply_algo algo_gd = {1, NULL, gd_f32, gd_f64, TFC_KCTX_MIN_CHUNK};
static const apply_algo algo_momentum = {2, "use_nesterov", momentum_f32, momentum_f64,
                                         TFC_KCTX_MIN_CHUNK};
static const apply_algo algo_adam = {3, "use_nesterov", adam_f32, adam_f64, TFC_KCTX_MIN_CHUNK / 4};
static const apply_algo algo_rmsprop = {3, NULL, rmsprop_f32, rmsprop_f64, TFC_KCTX_MIN_CHUNK / 4};
static const apply_algo algo_adagrad = {2, "update_slots", adagrad_f32, adagrad_f64,
                                        TFC_KCTX_MIN_CHUNK / 4};

typedef struct apply_state {
    const apply_algo *algo;
    const char *in_name[MAX_INPUTS]; /* the signature's names ("var", "m", "lr", ...) */
    int grad;
    int scalar_in[MAX_SCALARS], num_scalars;
    bool resource, flag;
    tfc_dtype dt;
    char var_name[MAX_VARS][192]; /* the variables behind the Ref/resource inputs, for messages */
    char container[MAX_VARS][64]; /* resource variables: TF's lookup message names it */
} apply_state;

static tfc_code apply_prepare(const tfc_node *n, const apply_algo *algo, void **state,
                              tfc_status *st) {
    const tfc_op_def *d = tfc__op_lookup(tfc_node_op(n));
    if (!d || d->num_inputs > MAX_INPUTS || d->num_inputs != tfc_node_num_inputs(n))
        return tfc_status_set(st, TFC_INTERNAL, "node '%s' (%s): unexpected signature",
                              tfc_node_name(n), tfc_node_op(n));
    apply_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    s->algo = algo;
    s->resource = d->num_outputs == 0;
    tfc_node_attr_type(n, "T", &s->dt, NULL);
    if (algo->bool_attr) tfc_node_attr_bool(n, algo->bool_attr, &s->flag, NULL);
    for (int i = 0; i < d->num_inputs; i++) {
        s->in_name[i] = d->inputs[i].name;
        if (i < algo->nvars) {
            const tfc_node *v = tfc__var_source(n, i);
            const char *name = v ? tfc_node_name(v) : tfc_node_name(tfc_node_input(n, i).node);
            const char *shared = "", *container = "";
            size_t ls = 0, lc = 0;
            if (v) {
                tfc_node_attr_string(v, "shared_name", &shared, &ls, NULL);
                tfc_node_attr_string(v, "container", &container, &lc, NULL);
            }
            if (!s->resource || !ls) shared = name, ls = strlen(name);
            snprintf(s->var_name[i], sizeof s->var_name[i], "%.*s", (int)ls, shared);
            snprintf(s->container[i], sizeof s->container[i], "%.*s", lc ? (int)lc : 9,
                     lc ? container : "localhost");
        } else if (is_grad_arg(&d->inputs[i])) {
            s->grad = i;
        } else if (s->num_scalars < MAX_SCALARS) {
            s->scalar_in[s->num_scalars++] = i;
        }
    }
    if (s->dt != TFC_DT_FLOAT && s->dt != TFC_DT_DOUBLE) {
        tfc_status_set(st, TFC_UNIMPLEMENTED,
                       "node '%s' (%s): no CPU kernel for T=%s (tfc updates float and double "
                       "variables)",
                       tfc_node_name(n), tfc_node_op(n), tfc__tf_dtype_string(s->dt));
        tfc_free(s);
        return st ? st->code : TFC_UNIMPLEMENTED;
    }
    *state = s;
    return TFC_OK;
}

/* TF's messages for a variable that holds no value yet. */
static tfc_code uninitialized(tfc_kernel_ctx *c, const apply_state *s, int k) {
    if (!s->resource)
        return tfc_kctx_fail(c, TFC_FAILED_PRECONDITION,
                             "Attempting to use uninitialized variables: %s", s->var_name[k]);
    return tfc_kctx_fail(c, TFC_FAILED_PRECONDITION,
                         "Error while reading resource variable %s from Container: %s. This could "
                         "mean that the variable was uninitialized. Not found: Container %s does "
                         "not exist. (Could not find resource: %s/%s)",
                         s->var_name[k], s->container[k], s->container[k], s->container[k],
                         s->var_name[k]);
}

static tfc_code not_same_shape(tfc_kernel_ctx *c, const char *a, const char *b, const tfc_tensor *x,
                               const tfc_tensor *y) {
    char sx[96], sy[96];
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s and %s do not have the same shape%s %s", a, b,
                         tfc_shape_to_string(tfc_tensor_shape(x), sx, sizeof sx),
                         tfc_shape_to_string(tfc_tensor_shape(y), sy, sizeof sy));
}

/* Makes the slot the only holder of its tensor, copying it when something else holds it too. */
static tfc_code own(tfc_kernel_ctx *c, tfc_tensor **slot) {
    if (tfc__tensor_exclusive(*slot)) return TFC_OK;
    tfc_tensor *copy;
    tfc_status st;
    if (tfc_tensor_copy(*slot, &copy, &st) != TFC_OK)
        return tfc_kctx_fail(c, st.code, "%s", st.msg);
    tfc_tensor_unref(*slot);
    *slot = copy;
    return TFC_OK;
}

static double scalar_value(const tfc_tensor *t) {
    return tfc_tensor_dtype(t) == TFC_DT_DOUBLE ? *(const double *)tfc_tensor_data_const(t)
                                                : *(const float *)tfc_tensor_data_const(t);
}

static tfc_code apply_compute(tfc_kernel_ctx *c, void *state) {
    const apply_state *s = state;
    const apply_algo *algo = s->algo;
    tfc_tensor **slot[MAX_VARS];
    for (int k = 0; k < algo->nvars; k++) {
        slot[k] = tfc_kctx_input_ref(c, k);
        if (!slot[k] || !*slot[k]) return uninitialized(c, s, k);
        if (tfc_tensor_dtype(*slot[k]) != s->dt)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "variable %s holds %s, but T is %s",
                                 s->var_name[k], tfc__tf_dtype_string(tfc_tensor_dtype(*slot[k])),
                                 tfc__tf_dtype_string(s->dt));
        if (k && !tfc_shape_equal(tfc_tensor_shape(*slot[0]), tfc_tensor_shape(*slot[k])))
            return not_same_shape(c, s->in_name[0], s->in_name[k], *slot[0], *slot[k]);
        for (int q = 0; q < k; q++)
            if (slot[q] == slot[k])
                return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                     "%s and %s are the same variable (%s)", s->in_name[q],
                                     s->in_name[k], s->var_name[k]);
    }
    const tfc_tensor *grad = tfc_kctx_input(c, s->grad);
    if (!tfc_shape_equal(tfc_tensor_shape(*slot[0]), tfc_tensor_shape(grad)))
        return not_same_shape(c, s->in_name[0], s->in_name[s->grad], *slot[0], grad);
    apply_job job = {.g = tfc_tensor_data_const(grad), .flag = s->flag};
    for (int k = 0; k < s->num_scalars; k++) {
        const tfc_tensor *t = tfc_kctx_input(c, s->scalar_in[k]);
        if (tfc_tensor_rank(t) != 0) {
            char b[96];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s is not a scalar: %s",
                                 s->in_name[s->scalar_in[k]],
                                 tfc_shape_to_string(tfc_tensor_shape(t), b, sizeof b));
        }
        job.s[k] = scalar_value(t);
    }
    for (int k = 0; k < algo->nvars; k++) {
        tfc_code rc = own(c, slot[k]);
        if (rc != TFC_OK) return rc;
        job.x[k] = tfc_tensor_data(*slot[k]);
    }
    tfc_kctx_parallel_range(c, tfc_tensor_num_elements(*slot[0]), algo->min_chunk,
                            s->dt == TFC_DT_FLOAT ? algo->f32 : algo->f64, &job);
    if (!s->resource) tfc_kctx_set_output_ref(c, 0, slot[0]);
    return TFC_OK;
}

#define APPLY_KERNEL(NAME, ALGO)                                                                   \
    static tfc_code NAME##_prepare(const tfc_node *n, void **state, tfc_status *st) {              \
        return apply_prepare(n, &ALGO, state, st);                                                 \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.prepare = NAME##_prepare, .compute = apply_compute};

APPLY_KERNEL(apply_gradient_descent, algo_gd)
APPLY_KERNEL(apply_momentum, algo_momentum)
APPLY_KERNEL(apply_adam, algo_adam)
APPLY_KERNEL(apply_rms_prop, algo_rmsprop)
APPLY_KERNEL(apply_adagrad, algo_adagrad)
