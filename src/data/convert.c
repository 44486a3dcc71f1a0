/* tf.cast, tf.image.convert_image_dtype and tfc_scale on tensors: one loop per (source, target)
 * type pair, so the common ones (uint8 -> float, float -> uint8) compile to tight vector loops.
 * The values are TF's CPU kernel's on x86-64, spelled out in portable C where C++ leaves them
 * undefined (see the contract in data_decode.h). */
#include <math.h>
#include <string.h>

#include "tensor/tensor_int.h"
#include "tfc/data_decode.h"

/* GCC's -O2 vectorises only loops whose trip count needs no remainder ("very cheap"); these
 * loops run over any n and are the pipeline's per-image work (uint8 -> float is 4x faster
 * vectorised). Clang vectorises them at -O2 as they are. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif

/* ---- float16 and bfloat16 (Eigen's conversions: round to nearest even, NaN stays NaN) ---- */

static inline float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float half_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, em = h & 0x7fff;
    if (em >= 0x7c00) return bits_f32(sign | 0x7f800000 | (em & 0x3ff) << 13); /* inf, NaN */
    if (em >= 0x400) return bits_f32(sign | (em + ((127 - 15) << 10)) << 13);  /* normal */
    return bits_f32(sign | f32_bits((float)em * 0x1p-24f)); /* zero and subnormals */
}

static inline uint16_t f32_to_half(float f) {
    uint32_t x = f32_bits(f), sign = (x >> 16) & 0x8000;
    x &= 0x7fffffff;
    if (x >= 0x7f800000) return (uint16_t)(sign | (x > 0x7f800000 ? 0x7e00 : 0x7c00));
    if (x >= 0x477ff000) return (uint16_t)(sign | 0x7c00); /* rounds past 65504: infinity */
    if (x < 0x38800000) /* below 2^-14: a subnormal half, rounded by the FPU's own addition */
        return (uint16_t)(sign | (f32_bits(bits_f32(x) + 0.5f) - 0x3f000000));
    x += ((uint32_t)(15 - 127) << 23) + 0xfff + ((x >> 13) & 1);
    return (uint16_t)(sign | x >> 13);
}

static inline float bf16_to_f32(uint16_t b) {
    return bits_f32((uint32_t)b << 16);
}

static inline uint16_t f32_to_bf16(float f) {
    uint32_t x = f32_bits(f);
    if (f != f) return (x >> 31) ? 0xffc0 : 0x7fc0;
    return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

/* ---- x86-64's float -> integer instructions: truncation, and the lowest integer ("integer
 * indefinite") for NaN and out-of-range values. Narrower targets take the low bits. ---- */

static inline int32_t cvt32f(float v) {
    return v >= -2147483648.0f && v < 2147483648.0f ? (int32_t)v : INT32_MIN;
}
static inline int32_t cvt32d(double v) {
    return v > -2147483649.0 && v < 2147483648.0 ? (int32_t)v : INT32_MIN;
}
static inline int64_t cvt64d(double v) {
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN;
}
/* What compilers emit for a double -> uint64 conversion: two signed conversions around 2^63. */
static inline uint64_t cvtu64d(double v) {
    if (v < 9223372036854775808.0) return (uint64_t)cvt64d(v);
    return (uint64_t)cvt64d(v - 9223372036854775808.0) ^ ((uint64_t)1 << 63);
}

/* Per target type, its value from a float, a double, an int32, an int64 and a uint64. The int32
 * form keeps narrow sources in 32-bit lanes (uint8 -> float vectorises as cvtdq2ps). */
#define FLOAT_TARGET(NAME, T, FROM_FLOAT)                                                          \
    static inline T NAME##_f(float v) {                                                            \
        return FROM_FLOAT(v);                                                                      \
    }                                                                                              \
    static inline T NAME##_d(double v) {                                                           \
        return FROM_FLOAT((float)v);                                                               \
    }                                                                                              \
    static inline T NAME##_i32(int32_t v) {                                                        \
        return FROM_FLOAT((float)v);                                                               \
    }                                                                                              \
    static inline T NAME##_i64(int64_t v) {                                                        \
        return FROM_FLOAT((float)v);                                                               \
    }                                                                                              \
    static inline T NAME##_u64(uint64_t v) {                                                       \
        return FROM_FLOAT((float)v);                                                               \
    }
#define SAME(v) (v)
FLOAT_TARGET(to_f32, float, SAME)
FLOAT_TARGET(to_f16, uint16_t, f32_to_half)
FLOAT_TARGET(to_bf16, uint16_t, f32_to_bf16)

static inline double to_f64_f(float v) {
    return v;
}
static inline double to_f64_d(double v) {
    return v;
}
static inline double to_f64_i32(int32_t v) {
    return v;
}
static inline double to_f64_i64(int64_t v) {
    return (double)v;
}
static inline double to_f64_u64(uint64_t v) {
    return (double)v;
}

/* Integer targets; U is the unsigned type of the instruction's width (32 or 64 bits). */
#define INT_TARGET(NAME, T, U, CVTF, CVTD)                                                         \
    static inline T NAME##_f(float v) {                                                            \
        return (T)(U)CVTF(v);                                                                      \
    }                                                                                              \
    static inline T NAME##_d(double v) {                                                           \
        return (T)(U)CVTD(v);                                                                      \
    }                                                                                              \
    static inline T NAME##_i32(int32_t v) {                                                        \
        return (T)(uint64_t)(int64_t)v;                                                            \
    }                                                                                              \
    static inline T NAME##_i64(int64_t v) {                                                        \
        return (T)(uint64_t)v;                                                                     \
    }                                                                                              \
    static inline T NAME##_u64(uint64_t v) {                                                       \
        return (T)v;                                                                               \
    }
#define CVT64F(v) cvt64d((double)(v))
#define CVTU64F(v) cvtu64d((double)(v))
INT_TARGET(to_i8, int8_t, uint32_t, cvt32f, cvt32d)
INT_TARGET(to_i16, int16_t, uint32_t, cvt32f, cvt32d)
INT_TARGET(to_i32, int32_t, uint32_t, cvt32f, cvt32d)
INT_TARGET(to_u8, uint8_t, uint32_t, cvt32f, cvt32d)
INT_TARGET(to_u16, uint16_t, uint32_t, cvt32f, cvt32d)
INT_TARGET(to_u32, uint32_t, uint64_t, CVT64F, cvt64d)
INT_TARGET(to_i64, int64_t, uint64_t, CVT64F, cvt64d)
INT_TARGET(to_u64, uint64_t, uint64_t, CVTU64F, cvtu64d)

static inline uint8_t to_bool_f(float v) {
    return v != 0;
}
static inline uint8_t to_bool_d(double v) {
    return v != 0;
}
static inline uint8_t to_bool_i32(int32_t v) {
    return v != 0;
}
static inline uint8_t to_bool_i64(int64_t v) {
    return v != 0;
}
static inline uint8_t to_bool_u64(uint64_t v) {
    return v != 0;
}

/* cast_to_NAME(src, from, dst, n): n elements of type `from` at src converted into dst. */
#define CAST_LOOP(ST, EXPR)                                                                        \
    do {                                                                                           \
        const ST *restrict x = src;                                                                \
        for (int64_t i = 0; i < n; i++) y[i] = EXPR;                                               \
    } while (0);                                                                                   \
    break
#define CAST_TO(NAME, T)                                                                           \
    static void cast_to_##NAME(const void *src, tfc_dtype from, void *dst, int64_t n) {            \
        T *restrict y = dst;                                                                       \
        switch (from) {                                                                            \
        case TFC_DT_FLOAT:                                                                         \
            CAST_LOOP(float, to_##NAME##_f(x[i]));                                                 \
        case TFC_DT_DOUBLE:                                                                        \
            CAST_LOOP(double, to_##NAME##_d(x[i]));                                                \
        case TFC_DT_HALF:                                                                          \
            CAST_LOOP(uint16_t, to_##NAME##_f(half_to_f32(x[i])));                                 \
        case TFC_DT_BFLOAT16:                                                                      \
            CAST_LOOP(uint16_t, to_##NAME##_f(bf16_to_f32(x[i])));                                 \
        case TFC_DT_INT8:                                                                          \
            CAST_LOOP(int8_t, to_##NAME##_i32(x[i]));                                              \
        case TFC_DT_INT16:                                                                         \
            CAST_LOOP(int16_t, to_##NAME##_i32(x[i]));                                             \
        case TFC_DT_INT32:                                                                         \
            CAST_LOOP(int32_t, to_##NAME##_i32(x[i]));                                             \
        case TFC_DT_INT64:                                                                         \
            CAST_LOOP(int64_t, to_##NAME##_i64(x[i]));                                             \
        case TFC_DT_UINT8:                                                                         \
            CAST_LOOP(uint8_t, to_##NAME##_i32(x[i]));                                             \
        case TFC_DT_UINT16:                                                                        \
            CAST_LOOP(uint16_t, to_##NAME##_i32(x[i]));                                            \
        case TFC_DT_UINT32:                                                                        \
            CAST_LOOP(uint32_t, to_##NAME##_i64(x[i]));                                            \
        case TFC_DT_UINT64:                                                                        \
            CAST_LOOP(uint64_t, to_##NAME##_u64(x[i]));                                            \
        case TFC_DT_BOOL:                                                                          \
            CAST_LOOP(uint8_t, to_##NAME##_i32(x[i] != 0));                                        \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
    }
CAST_TO(f32, float)
CAST_TO(f64, double)
CAST_TO(f16, uint16_t)
CAST_TO(bf16, uint16_t)
CAST_TO(i8, int8_t)
CAST_TO(i16, int16_t)
CAST_TO(i32, int32_t)
CAST_TO(i64, int64_t)
CAST_TO(u8, uint8_t)
CAST_TO(u16, uint16_t)
CAST_TO(u32, uint32_t)
CAST_TO(u64, uint64_t)
CAST_TO(bool, uint8_t)

static bool is_float(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE || dt == TFC_DT_HALF || dt == TFC_DT_BFLOAT16;
}

static bool is_int(tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_INT8:
    case TFC_DT_INT16:
    case TFC_DT_INT32:
    case TFC_DT_INT64:
    case TFC_DT_UINT8:
    case TFC_DT_UINT16:
    case TFC_DT_UINT32:
    case TFC_DT_UINT64:
        return true;
    default:
        return false;
    }
}

static bool is_castable(tfc_dtype dt) {
    return is_float(dt) || is_int(dt) || dt == TFC_DT_BOOL;
}

/* n elements of `from` at src into `to` at dst (both castable). */
static void cast_any(const void *src, tfc_dtype from, void *dst, tfc_dtype to, int64_t n) {
    switch (to) {
    case TFC_DT_FLOAT:
        cast_to_f32(src, from, dst, n);
        break;
    case TFC_DT_DOUBLE:
        cast_to_f64(src, from, dst, n);
        break;
    case TFC_DT_HALF:
        cast_to_f16(src, from, dst, n);
        break;
    case TFC_DT_BFLOAT16:
        cast_to_bf16(src, from, dst, n);
        break;
    case TFC_DT_INT8:
        cast_to_i8(src, from, dst, n);
        break;
    case TFC_DT_INT16:
        cast_to_i16(src, from, dst, n);
        break;
    case TFC_DT_INT32:
        cast_to_i32(src, from, dst, n);
        break;
    case TFC_DT_INT64:
        cast_to_i64(src, from, dst, n);
        break;
    case TFC_DT_UINT8:
        cast_to_u8(src, from, dst, n);
        break;
    case TFC_DT_UINT16:
        cast_to_u16(src, from, dst, n);
        break;
    case TFC_DT_UINT32:
        cast_to_u32(src, from, dst, n);
        break;
    case TFC_DT_UINT64:
        cast_to_u64(src, from, dst, n);
        break;
    default:
        cast_to_bool(src, from, dst, n);
        break;
    }
}

static tfc_code alloc_like(const tfc_tensor *in, tfc_dtype to, tfc_tensor **out, tfc_status *st) {
    return tfc__tensor_alloc(to, tfc_tensor_shape(in), false, out, st);
}

tfc_code tfc_cast(const tfc_tensor *in, tfc_dtype to, tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    tfc_dtype from = tfc_tensor_dtype(in);
    if (!is_castable(from) || !is_castable(to))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Cast %s to %s is not supported: tfc_cast takes numbers and bool",
                              tfc_dtype_name(from), tfc_dtype_name(to));
    if (from == to) {
        /* TF forwards the input; the reference count is the tensor's own atomic bookkeeping. */
        *out = tfc_tensor_ref((tfc_tensor *)in);
        return TFC_OK;
    }
    tfc_code c = alloc_like(in, to, out, st);
    if (c != TFC_OK) return c;
    cast_any(tfc_tensor_data_const(in), from, tfc_tensor_data(*out), to,
             tfc_tensor_num_elements(in));
    return TFC_OK;
}

/* ---- tfc_scale ---- */

#define SCALE_LOOP(ST, T, LOAD)                                                                    \
    do {                                                                                           \
        const ST *restrict x = src;                                                                \
        T *restrict y = dst;                                                                       \
        for (int64_t i = 0; i < n; i++) y[i] = (T)(LOAD)*s + o;                                    \
    } while (0);                                                                                   \
    break
#define SCALE_TO(NAME, T)                                                                          \
    static void scale_to_##NAME(const void *src, tfc_dtype from, void *dst, int64_t n, T s, T o) { \
        switch (from) {                                                                            \
        case TFC_DT_FLOAT:                                                                         \
            SCALE_LOOP(float, T, x[i]);                                                            \
        case TFC_DT_DOUBLE:                                                                        \
            SCALE_LOOP(double, T, x[i]);                                                           \
        case TFC_DT_HALF:                                                                          \
            SCALE_LOOP(uint16_t, T, half_to_f32(x[i]));                                            \
        case TFC_DT_BFLOAT16:                                                                      \
            SCALE_LOOP(uint16_t, T, bf16_to_f32(x[i]));                                            \
        case TFC_DT_INT8:                                                                          \
            SCALE_LOOP(int8_t, T, (int32_t)x[i]);                                                  \
        case TFC_DT_INT16:                                                                         \
            SCALE_LOOP(int16_t, T, (int32_t)x[i]);                                                 \
        case TFC_DT_INT32:                                                                         \
            SCALE_LOOP(int32_t, T, x[i]);                                                          \
        case TFC_DT_INT64:                                                                         \
            SCALE_LOOP(int64_t, T, x[i]);                                                          \
        case TFC_DT_UINT8:                                                                         \
            SCALE_LOOP(uint8_t, T, (int32_t)x[i]);                                                 \
        case TFC_DT_UINT16:                                                                        \
            SCALE_LOOP(uint16_t, T, (int32_t)x[i]);                                                \
        case TFC_DT_UINT32:                                                                        \
            SCALE_LOOP(uint32_t, T, (int64_t)x[i]);                                                \
        case TFC_DT_UINT64:                                                                        \
            SCALE_LOOP(uint64_t, T, x[i]);                                                         \
        case TFC_DT_BOOL:                                                                          \
            SCALE_LOOP(uint8_t, T, (int32_t)(x[i] != 0));                                          \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
    }
SCALE_TO(f32, float)
SCALE_TO(f64, double)

tfc_code tfc_scale(const tfc_tensor *in, double scale, double offset, tfc_dtype to,
                   tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    tfc_dtype from = tfc_tensor_dtype(in);
    if (to != TFC_DT_FLOAT && to != TFC_DT_DOUBLE)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "tfc_scale makes float32 or float64 tensors, not %s",
                              tfc_dtype_name(to));
    if (!is_castable(from))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "tfc_scale takes a number or bool tensor, not %s",
                              tfc_dtype_name(from));
    tfc_code c = alloc_like(in, to, out, st);
    if (c != TFC_OK) return c;
    const void *x = tfc_tensor_data_const(in);
    void *y = tfc_tensor_data(*out);
    int64_t n = tfc_tensor_num_elements(in);
    if (to == TFC_DT_FLOAT)
        scale_to_f32(x, from, y, n, (float)scale, (float)offset);
    else
        scale_to_f64(x, from, y, n, scale, offset);
    return TFC_OK;
}

/* ---- tf.image.convert_image_dtype ----
 * Each path works through the input in chunks: a stack buffer holds one chunk's intermediate
 * values in the type TF computes them in, then cast_any stores them, so there is one output
 * tensor and no temporary one. */

#define CHUNK 512

typedef union chunk_buf {
    float f[CHUNK];
    double d[CHUNK];
    uint16_t h[CHUNK];
    int64_t i[CHUNK];
} chunk_buf;

/* Value bits of an integer type: its MAX is 2^bits - 1. */
static int value_bits(tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_INT8:
        return 7;
    case TFC_DT_UINT8:
        return 8;
    case TFC_DT_INT16:
        return 15;
    case TFC_DT_UINT16:
        return 16;
    case TFC_DT_INT32:
        return 31;
    case TFC_DT_UINT32:
        return 32;
    case TFC_DT_INT64:
        return 63;
    default:
        return 64;
    }
}

static bool is_signed_int(tfc_dtype dt) {
    return dt == TFC_DT_INT8 || dt == TFC_DT_INT16 || dt == TFC_DT_INT32 || dt == TFC_DT_INT64;
}

/* MAX of an integer type as a double (rounded for the 64-bit types, as Python's float(max)). */
static double int_max(tfc_dtype dt) {
    return ldexp(1.0, value_bits(dt)) - 1.0;
}

/* Integer to integer: narrowing is floordiv(x, 2^k) then cast; widening is cast then x * 2^k,
 * wrapping in the target type. Both go through int64 (uint64 bits for uint64), whose low bits
 * are what the target keeps. */
static void int_to_int(const uint8_t *x, tfc_dtype from, uint8_t *y, tfc_dtype to, int64_t n) {
    int bin = value_bits(from), bout = value_bits(to);
    size_t sin = tfc_dtype_size(from), sout = tfc_dtype_size(to);
    chunk_buf b;
    for (int64_t at = 0; at < n; at += CHUNK) {
        int64_t m = n - at < CHUNK ? n - at : CHUNK;
        cast_to_i64(x + at * sin, from, b.i, m);
        if (bin > bout) {
            int k = bin - bout;
            if (is_signed_int(from)) /* floor division of negatives, without relying on >> */
                for (int64_t i = 0; i < m; i++) b.i[i] = b.i[i] < 0 ? ~(~b.i[i] >> k) : b.i[i] >> k;
            else
                for (int64_t i = 0; i < m; i++) b.i[i] = (int64_t)((uint64_t)b.i[i] >> k);
        } else {
            uint64_t s = (uint64_t)1 << (bout - bin);
            for (int64_t i = 0; i < m; i++) b.i[i] = (int64_t)((uint64_t)b.i[i] * s);
        }
        cast_any(b.i, TFC_DT_INT64, y + at * sout, to, m);
    }
}

/* Integer to float16/bfloat16: cast, then the product of two 16-bit floats rounded back. */
static void int_to_half(const uint8_t *x, tfc_dtype from, uint16_t *y, tfc_dtype to, int64_t n) {
    bool bf = to == TFC_DT_BFLOAT16;
    float inv = (float)(1.0 / int_max(from));
    float s = bf ? bf16_to_f32(f32_to_bf16(inv)) : half_to_f32(f32_to_half(inv));
    size_t sin = tfc_dtype_size(from);
    chunk_buf b;
    for (int64_t at = 0; at < n; at += CHUNK) {
        int64_t m = n - at < CHUNK ? n - at : CHUNK;
        cast_any(x + at * sin, from, b.h, to, m);
        uint16_t *o = y + at;
        if (bf)
            for (int64_t i = 0; i < m; i++) o[i] = f32_to_bf16(bf16_to_f32(b.h[i]) * s);
        else
            for (int64_t i = 0; i < m; i++) o[i] = f32_to_half(half_to_f32(b.h[i]) * s);
    }
}

/* Float to integer: x * (MAX + 0.5) in the source type, then cast. */
static void float_to_int(const uint8_t *x, tfc_dtype from, uint8_t *y, tfc_dtype to, int64_t n) {
    double s = int_max(to) + 0.5;
    size_t sin = tfc_dtype_size(from), sout = tfc_dtype_size(to);
    float sf = (float)s;
    uint16_t sh = from == TFC_DT_HALF ? f32_to_half(sf) : f32_to_bf16(sf);
    float shf = from == TFC_DT_HALF ? half_to_f32(sh) : bf16_to_f32(sh);
    chunk_buf b;
    for (int64_t at = 0; at < n; at += CHUNK) {
        int64_t m = n - at < CHUNK ? n - at : CHUNK;
        const void *p = x + at * sin;
        void *q = y + at * sout;
        if (from == TFC_DT_FLOAT) {
            const float *v = p;
            for (int64_t i = 0; i < m; i++) b.f[i] = v[i] * sf;
            cast_any(b.f, from, q, to, m);
        } else if (from == TFC_DT_DOUBLE) {
            const double *v = p;
            for (int64_t i = 0; i < m; i++) b.d[i] = v[i] * s;
            cast_any(b.d, from, q, to, m);
        } else if (from == TFC_DT_HALF) {
            const uint16_t *v = p;
            for (int64_t i = 0; i < m; i++) b.h[i] = f32_to_half(half_to_f32(v[i]) * shf);
            cast_any(b.h, from, q, to, m);
        } else {
            const uint16_t *v = p;
            for (int64_t i = 0; i < m; i++) b.h[i] = f32_to_bf16(bf16_to_f32(v[i]) * shf);
            cast_any(b.h, from, q, to, m);
        }
    }
}

tfc_code tfc_convert_image_dtype(const tfc_tensor *in, tfc_dtype to, tfc_tensor **out,
                                 tfc_status *st) {
    *out = NULL;
    tfc_dtype from = tfc_tensor_dtype(in);
    if (!is_float(to) && !is_int(to))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "dtype must be either floating point or integer, got %s",
                              tfc_dtype_name(to));
    if (!is_float(from) && !is_int(from))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "image dtype must be either floating point or integer, got %s",
                              tfc_dtype_name(from));
    if (from == to) {
        *out = tfc_tensor_ref((tfc_tensor *)in);
        return TFC_OK;
    }
    if (is_float(from) && is_float(to)) return tfc_cast(in, to, out, st);
    if (is_int(from) && (to == TFC_DT_FLOAT || to == TFC_DT_DOUBLE))
        return tfc_scale(in, 1.0 / int_max(from), 0.0, to, out, st);
    tfc_code c = alloc_like(in, to, out, st);
    if (c != TFC_OK) return c;
    const uint8_t *x = tfc_tensor_data_const(in);
    uint8_t *y = tfc_tensor_data(*out);
    int64_t n = tfc_tensor_num_elements(in);
    if (is_int(from) && is_int(to))
        int_to_int(x, from, y, to, n);
    else if (is_int(from))
        int_to_half(x, from, (uint16_t *)(void *)y, to, n);
    else
        float_to_int(x, from, y, to, n);
    return TFC_OK;
}
