/* CPU kernels of the math2 family (math2_int.h), for the dtypes TF registers on CPU that tfc
 * holds: Floor, Ceil, Round (float32/float64; Round also int32/int64, where it is the identity),
 * Cos, Sin, Log1p; the broadcasting FloorDiv, FloorMod (float32, float64, int32, int64) and
 * DivNoNan (float32, float64); Range; Rank; StopGradient; L2Loss. Integer arithmetic wraps as
 * TF's does on two's complement (done in unsigned types, so never undefined behaviour). */
#include <math.h>
#include <stdio.h>

#include "ops/math2_int.h"
#include "ops/math_int.h"
#include "ops/unary.h"

/* ---- Unary ---- */

/* TF's Round is Eigen's round-half-to-even. Computed from floor so that it does not depend on
 * the floating-point environment's rounding mode (rint would); x - floor(x) is exact. */
static inline double round_half_even(double a) {
    double r = floor(a), d = a - r;
    if (d > 0.5 || (d == 0.5 && fmod(r, 2.0) != 0.0)) r += 1.0;
    return r == 0 ? copysign(r, a) : r; /* -0.4 rounds to -0, as rint */
}
static inline float round_half_even_f(float a) {
    float r = floorf(a), d = a - r;
    if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0.0f)) r += 1.0f;
    return r == 0 ? copysignf(r, a) : r;
}

TFC__UNARY_LOOP(floor_f32, float, floorf(a))
TFC__UNARY_LOOP(floor_f64, double, floor(a))
TFC__UNARY_LOOP(ceil_f32, float, ceilf(a))
TFC__UNARY_LOOP(ceil_f64, double, ceil(a))
TFC__UNARY_LOOP(round_f32, float, round_half_even_f(a))
TFC__UNARY_LOOP(round_f64, double, round_half_even(a))
TFC__UNARY_LOOP(round_i32, int32_t, a)
TFC__UNARY_LOOP(round_i64, int64_t, a)
TFC__UNARY_LOOP(cos_f32, float, cosf(a))
TFC__UNARY_LOOP(cos_f64, double, cos(a))
TFC__UNARY_LOOP(sin_f32, float, sinf(a))
TFC__UNARY_LOOP(sin_f64, double, sin(a))
TFC__UNARY_LOOP(log1p_f32, float, log1pf(a))
TFC__UNARY_LOOP(log1p_f64, double, log1p(a))

TFC__UNARY_KERNEL(floor, "Floor", floor_f32, floor_f64, NULL, NULL)
TFC__UNARY_KERNEL(ceil, "Ceil", ceil_f32, ceil_f64, NULL, NULL)
TFC__UNARY_KERNEL(round, "Round", round_f32, round_f64, round_i32, round_i64)
TFC__UNARY_KERNEL(cos, "Cos", cos_f32, cos_f64, NULL, NULL)
TFC__UNARY_KERNEL(sin, "Sin", sin_f32, sin_f64, NULL, NULL)
TFC__UNARY_KERNEL(log1p, "Log1p", log1p_f32, log1p_f64, NULL, NULL)

/* ---- Broadcasting binary ---- */

#define ROW2(NAME, T, EXPR)                                                                        \
    static void NAME(const void *ctx, const char *const *in, const int64_t *s, char *out,          \
                     int64_t n) {                                                                  \
        (void)ctx;                                                                                 \
        const T *x = (const T *)(const void *)in[0], *y = (const T *)(const void *)in[1];          \
        T *z = (T *)(void *)out;                                                                   \
        const int64_t sx = s[0], sy = s[1];                                                        \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T a = x[i * sx], b = y[i * sy];                                                  \
            z[i] = EXPR;                                                                           \
        }                                                                                          \
    }

/* Python's floor division and modulo on integers (b != 0: zeros were refused before). b == -1
 * is the one quotient that overflows (INT_MIN / -1): it wraps, and the remainder is 0. */
#define INT_FLOOR_OPS(T, U)                                                                        \
    static inline T floordiv_##T(T a, T b) {                                                       \
        if (b == -1) return (T)(0u - (U)a);                                                        \
        T q = a / b;                                                                               \
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;                                   \
    }                                                                                              \
    static inline T floormod_##T(T a, T b) {                                                       \
        if (b == -1) return 0;                                                                     \
        T r = a % b;                                                                               \
        return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;                                       \
    }
INT_FLOOR_OPS(int32_t, uint32_t)
INT_FLOOR_OPS(int64_t, uint64_t)

/* TF's google_floor_fmod: the truncated remainder moved into the divisor's sign. */
static inline double fmod_floor(double a, double b) {
    double r = fmod(a, b);
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
}
static inline float fmod_floor_f(float a, float b) {
    float r = fmodf(a, b);
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
}

ROW2(floordiv_f32, float, floorf(a / b))
ROW2(floordiv_f64, double, floor(a / b))
ROW2(floordiv_i32, int32_t, floordiv_int32_t(a, b))
ROW2(floordiv_i64, int64_t, floordiv_int64_t(a, b))
ROW2(floormod_f32, float, fmod_floor_f(a, b))
ROW2(floormod_f64, double, fmod_floor(a, b))
ROW2(floormod_i32, int32_t, floormod_int32_t(a, b))
ROW2(floormod_i64, int64_t, floormod_int64_t(a, b))
ROW2(divnonan_f32, float, b == 0 ? 0.0f : a / b)
ROW2(divnonan_f64, double, b == 0 ? 0.0 : a / b)

typedef struct binop {
    const char *name;
    tfc__mrow_fn f32, f64, i32, i64; /* NULL: no CPU kernel for that dtype */
} binop;

static bool has_zero(const tfc_tensor *t) {
    int64_t n = tfc_tensor_num_elements(t);
    const void *p = tfc_tensor_data_const(t);
    for (int64_t i = 0; i < n; i++)
        if (tfc_tensor_dtype(t) == TFC_DT_INT32 ? ((const int32_t *)p)[i] == 0
                                                : ((const int64_t *)p)[i] == 0)
            return true;
    return false;
}

static tfc_code binary_compute(tfc_kernel_ctx *c, const binop *op) {
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(x);
    tfc__mrow_fn fn = dt == TFC_DT_FLOAT    ? op->f32
                      : dt == TFC_DT_DOUBLE ? op->f64
                      : dt == TFC_DT_INT32  ? op->i32
                      : dt == TFC_DT_INT64  ? op->i64
                                            : NULL;
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", op->name,
                             tfc_dtype_name(dt));
    const tfc_shape *shapes[2] = {tfc_tensor_shape(x), tfc_tensor_shape(y)};
    tfc__mbcast b;
    tfc_shape s;
    if (!tfc__mbcast_make(2, shapes, &s, &b)) return tfc__mbcast_fail(c, 2, shapes);
    /* TF's safe_floor_div / safe_floor_mod: an integer zero divisor is an error, not a trap */
    if ((dt == TFC_DT_INT32 || dt == TFC_DT_INT64) && b.n > 0 && has_zero(y))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Integer division by zero");
    tfc_tensor *z;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &s, &z);
    if (rc != TFC_OK) return rc;
    const void *in[2] = {tfc_tensor_data_const(x), tfc_tensor_data_const(y)};
    size_t es[2] = {tfc_dtype_size(dt), tfc_dtype_size(dt)};
    tfc__mbcast_run(c, &b, in, es, tfc_tensor_data(z), tfc_dtype_size(dt), fn, NULL);
    return TFC_OK;
}

#define BINARY_KERNEL(NAME, ...)                                                                   \
    static const binop op_##NAME = {__VA_ARGS__};                                                  \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        (void)state;                                                                               \
        return binary_compute(c, &op_##NAME);                                                      \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};
BINARY_KERNEL(floor_div, "FloorDiv", floordiv_f32, floordiv_f64, floordiv_i32, floordiv_i64)
BINARY_KERNEL(floor_mod, "FloorMod", floormod_f32, floormod_f64, floormod_i32, floormod_i64)
BINARY_KERNEL(div_no_nan, "DivNoNan", divnonan_f32, divnonan_f64, NULL, NULL)

/* ---- Range ---- */

static double scalar_f(const tfc_tensor *t) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_FLOAT ? ((const float *)p)[0] : ((const double *)p)[0];
}
static int64_t scalar_i(const tfc_tensor *t) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_INT32 ? ((const int32_t *)p)[0] : ((const int64_t *)p)[0];
}

bool tfc__range_size(const tfc_tensor *start, const tfc_tensor *limit, const tfc_tensor *delta,
                     int64_t *size, char *msg, size_t n) {
    tfc_dtype dt = tfc_tensor_dtype(start);
    if (dt == TFC_DT_INT32 || dt == TFC_DT_INT64) {
        int64_t s = scalar_i(start), l = scalar_i(limit), d = scalar_i(delta);
        if (s > l && d > 0)
            return snprintf(msg, n, "Requires start <= limit when delta > 0: %lld/%lld",
                            (long long)s, (long long)l),
                   false;
        if (s < l && d < 0)
            return snprintf(msg, n, "Requires start >= limit when delta < 0: %lld/%lld",
                            (long long)s, (long long)l),
                   false;
        if (d == 0) return snprintf(msg, n, "Requires delta != 0"), false;
        /* |l - s| and |d| in unsigned arithmetic: exact even across the whole int64 range */
        uint64_t span = l >= s ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
        uint64_t step = d > 0 ? (uint64_t)d : 0u - (uint64_t)d;
        uint64_t count = span / step + (span % step != 0);
        if (count > (uint64_t)INT64_MAX)
            return snprintf(msg, n, "Requires ((limit - start) / delta) <= %lld",
                            (long long)INT64_MAX),
                   false;
        *size = (int64_t)count;
        return true;
    }
    double s = scalar_f(start), l = scalar_f(limit), d = scalar_f(delta);
    if (s > l && d > 0)
        return snprintf(msg, n, "Requires start <= limit when delta > 0: %g/%g", s, l), false;
    if (s < l && d < 0)
        return snprintf(msg, n, "Requires start >= limit when delta < 0: %g/%g", s, l), false;
    if (d == 0) return snprintf(msg, n, "Requires delta != 0"), false;
    /* the quotient in the input's precision, as TF's RangeOp computes it */
    double q = dt == TFC_DT_FLOAT ? (double)ceilf(fabsf(((float)l - (float)s) / (float)d))
                                  : ceil(fabs((l - s) / d));
    if (!(q <= 9.2233720368547748e18))
        return snprintf(msg, n, "Requires ((limit - start) / delta) <= %lld", (long long)INT64_MAX),
               false;
    *size = (int64_t)q;
    return true;
}

static tfc_code range_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    static const char *const names[3] = {"start", "limit", "delta"};
    const tfc_tensor *in[3];
    for (int i = 0; i < 3; i++) {
        in[i] = tfc_kctx_input(c, i);
        const tfc_shape *s = tfc_tensor_shape(in[i]);
        if (!(s->rank == 0 || (s->rank == 1 && s->dims[0] == 1))) {
            char buf[96];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s must be a scalar, not shape %s",
                                 names[i], tfc_shape_to_string(s, buf, sizeof buf));
        }
    }
    tfc_dtype dt = tfc_tensor_dtype(in[0]);
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for Range on %s",
                             tfc_dtype_name(dt));
    int64_t n;
    char msg[160];
    if (!tfc__range_size(in[0], in[1], in[2], &n, msg, sizeof msg))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "%s", msg);
    tfc_tensor *out;
    tfc_shape s = tfc_shape_make(1, &n);
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &s, &out);
    if (rc != TFC_OK) return rc;
    void *p = tfc_tensor_data(out);
    /* start + i * delta (TF's RangeFunctor), so no error accumulates along the sequence */
    switch (dt) {
    case TFC_DT_FLOAT: {
        float st = (float)scalar_f(in[0]), d = (float)scalar_f(in[2]);
        for (int64_t i = 0; i < n; i++) ((float *)p)[i] = st + (float)i * d;
        break;
    }
    case TFC_DT_DOUBLE: {
        double st = scalar_f(in[0]), d = scalar_f(in[2]);
        for (int64_t i = 0; i < n; i++) ((double *)p)[i] = st + (double)i * d;
        break;
    }
    case TFC_DT_INT32: {
        uint32_t st = (uint32_t)scalar_i(in[0]), d = (uint32_t)scalar_i(in[2]);
        for (int64_t i = 0; i < n; i++) ((int32_t *)p)[i] = (int32_t)(st + (uint32_t)i * d);
        break;
    }
    default: {
        uint64_t st = (uint64_t)scalar_i(in[0]), d = (uint64_t)scalar_i(in[2]);
        for (int64_t i = 0; i < n; i++) ((int64_t *)p)[i] = (int64_t)(st + (uint64_t)i * d);
        break;
    }
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_range = {.compute = range_compute};

/* ---- Rank, StopGradient ---- */

static tfc_code rank_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    tfc_tensor *out;
    tfc_shape s = tfc_shape_scalar();
    tfc_code rc = tfc_kctx_alloc_output(c, 0, TFC_DT_INT32, &s, &out);
    if (rc != TFC_OK) return rc;
    *(int32_t *)tfc_tensor_data(out) = tfc_tensor_rank(tfc_kctx_input(c, 0));
    return TFC_OK;
}
const tfc_kernel tfc__kernel_rank = {.compute = rank_compute};

/* The value passes unchanged; only gradients stop (the op has none). */
static tfc_code stop_gradient_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    tfc_kctx_set_output(c, 0, (tfc_tensor *)tfc_kctx_input(c, 0));
    return TFC_OK;
}
const tfc_kernel tfc__kernel_stop_gradient = {.compute = stop_gradient_compute};

/* ---- L2Loss: sum(t^2) / 2 ----
 * Summed in double over fixed chunks whose partial sums are added in order, so the result does
 * not depend on the thread count and a float32 sum of millions of weights keeps its precision. */

#define L2_MIN_CHUNK 32768
#define L2_MAX_CHUNKS 64

typedef struct l2_job {
    const void *x;
    bool f32;
    int64_t n, chunk;
    double partial[L2_MAX_CHUNKS];
} l2_job;

static void l2_chunks(void *p, int64_t lo, int64_t hi) {
    l2_job *j = p;
    for (int64_t k = lo; k < hi; k++) {
        int64_t b = k * j->chunk, e = b + j->chunk < j->n ? b + j->chunk : j->n;
        double s = 0;
        if (j->f32)
            for (int64_t i = b; i < e; i++) {
                double v = ((const float *)j->x)[i];
                s += v * v;
            }
        else
            for (int64_t i = b; i < e; i++) {
                double v = ((const double *)j->x)[i];
                s += v * v;
            }
        j->partial[k] = s;
    }
}

static tfc_code l2_loss_compute(tfc_kernel_ctx *c, void *state) {
    (void)state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_dtype dt = tfc_tensor_dtype(x);
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for L2Loss on %s",
                             tfc_dtype_name(dt));
    tfc_tensor *out;
    tfc_shape s = tfc_shape_scalar();
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &s, &out);
    if (rc != TFC_OK) return rc;
    l2_job j = {
        .x = tfc_tensor_data_const(x), .f32 = dt == TFC_DT_FLOAT, .n = tfc_tensor_num_elements(x)};
    j.chunk = (j.n + L2_MAX_CHUNKS - 1) / L2_MAX_CHUNKS;
    if (j.chunk < L2_MIN_CHUNK) j.chunk = L2_MIN_CHUNK;
    int64_t chunks = (j.n + j.chunk - 1) / j.chunk;
    tfc_kctx_parallel_range(c, chunks, 1, l2_chunks, &j);
    double sum = 0;
    for (int64_t k = 0; k < chunks; k++) sum += j.partial[k];
    if (j.f32)
        *(float *)tfc_tensor_data(out) = (float)(sum * 0.5);
    else
        *(double *)tfc_tensor_data(out) = sum * 0.5;
    return TFC_OK;
}
const tfc_kernel tfc__kernel_l2_loss = {.compute = l2_loss_compute};
