/* tfc_cast, tfc_convert_image_dtype and tfc_scale: TF's edge values (wrapping casts, NaN,
 * overflow), every dtype pair, float16/bfloat16 rounding against an independent reference, and
 * on x86-64 the CPU's own conversion instructions as the reference for float -> integer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "decode_tests.h"

/* ---- independent float16 reference: decode by formula, encode by exact rounding ---- */

static double half_value(uint16_t h) {
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

/* float16 bits nearest to v, ties to even (the value table is monotonic in the bits). */
static uint16_t half_of(double v) {
    if (v != v) return 0x7e00;
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double a = fabs(v);
    if (a >= 65520.0) return sign | 0x7c00;
    int e = a < 0x1p-14 ? -14 : (int)floor(log2(a));
    double q = nearbyint(ldexp(a, 10 - e)), r = ldexp(q, e - 10); /* default mode: to even */
    uint16_t lo = 0, hi = 0x7c00;
    while (lo < hi) {
        uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (half_value(mid) < r)
            lo = (uint16_t)(mid + 1);
        else
            hi = mid;
    }
    assert_true(half_value(lo) == r);
    return sign | lo;
}

/* bfloat16 bits nearest to f, ties to even. */
static uint16_t bf16_of(float f) {
    if (f != f) return 0x7fc0;
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t lo = u & 0xffff, hi = u >> 16;
    if (lo > 0x8000 || (lo == 0x8000 && (hi & 1))) hi++;
    return (uint16_t)hi;
}

static double bf16_value(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- tensors from and to doubles ---- */

static tfc_tensor *vec(tfc_dtype dt, const double *v, int n) {
    tfc_shape s = DD_SHAPE(n);
    tfc_tensor *t;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(dt, &s, &t, &st));
    void *p = tfc_tensor_data(t);
    for (int i = 0; i < n; i++) {
        double x = v[i];
        switch (dt) {
        case TFC_DT_FLOAT:
            ((float *)p)[i] = (float)x;
            break;
        case TFC_DT_DOUBLE:
            ((double *)p)[i] = x;
            break;
        case TFC_DT_HALF:
            ((uint16_t *)p)[i] = half_of(x);
            break;
        case TFC_DT_BFLOAT16:
            ((uint16_t *)p)[i] = bf16_of((float)x);
            break;
        case TFC_DT_INT8:
            ((int8_t *)p)[i] = (int8_t)x;
            break;
        case TFC_DT_INT16:
            ((int16_t *)p)[i] = (int16_t)x;
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)x;
            break;
        case TFC_DT_INT64:
            ((int64_t *)p)[i] = (int64_t)x;
            break;
        case TFC_DT_UINT8:
            ((uint8_t *)p)[i] = (uint8_t)x;
            break;
        case TFC_DT_UINT16:
            ((uint16_t *)p)[i] = (uint16_t)x;
            break;
        case TFC_DT_UINT32:
            ((uint32_t *)p)[i] = (uint32_t)x;
            break;
        case TFC_DT_UINT64:
            ((uint64_t *)p)[i] = (uint64_t)x;
            break;
        default:
            ((uint8_t *)p)[i] = x != 0;
            break;
        }
    }
    return t;
}

static double at(const tfc_tensor *t, int i) {
    const uint16_t *p = tfc_tensor_data_const(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_HALF:
        return half_value(p[i]);
    case TFC_DT_BFLOAT16:
        return bf16_value(p[i]);
    default:
        return tu_at(t, i);
    }
}

/* The raw bits of element i (integers sign-extended), for exact checks of 64-bit values. */
static uint64_t bits_at(const tfc_tensor *t, int i) {
    const void *p = tfc_tensor_data_const(t);
    switch (tfc_dtype_size(tfc_tensor_dtype(t))) {
    case 1:
        return tfc_tensor_dtype(t) == TFC_DT_INT8 ? (uint64_t)(int64_t)((const int8_t *)p)[i]
                                                  : ((const uint8_t *)p)[i];
    case 2:
        return tfc_tensor_dtype(t) == TFC_DT_INT16 ? (uint64_t)(int64_t)((const int16_t *)p)[i]
                                                   : ((const uint16_t *)p)[i];
    case 4:
        return tfc_tensor_dtype(t) == TFC_DT_INT32 ? (uint64_t)(int64_t)((const int32_t *)p)[i]
                                                   : ((const uint32_t *)p)[i];
    default:
        return ((const uint64_t *)p)[i];
    }
}

static const tfc_dtype castable[] = {
    TFC_DT_FLOAT,  TFC_DT_DOUBLE, TFC_DT_HALF,  TFC_DT_BFLOAT16, TFC_DT_INT8,
    TFC_DT_INT16,  TFC_DT_INT32,  TFC_DT_INT64, TFC_DT_UINT8,    TFC_DT_UINT16,
    TFC_DT_UINT32, TFC_DT_UINT64, TFC_DT_BOOL,
};
#define NUM_CASTABLE (sizeof castable / sizeof castable[0])

/* One value cast from one type to another: the result's bits. */
static uint64_t cast1(tfc_dtype from, double v, tfc_dtype to) {
    tfc_tensor *in = vec(from, &v, 1), *out;
    tfc_status st = {0};
    TU_OK(tfc_cast(in, to, &out, &st));
    uint64_t b = bits_at(out, 0);
    tfc_tensor_unref(in);
    tfc_tensor_unref(out);
    return b;
}

static void test_cast_edge_values(void **state) {
    (void)state;
    static const struct {
        tfc_dtype from;
        double v;
        tfc_dtype to;
        uint64_t want;
    } cases[] = {
        /* TF's CPU cast wraps negative floats into unsigned types (tf issue 59702) */
        {TFC_DT_FLOAT, -1.0, TFC_DT_UINT8, 255},
        {TFC_DT_DOUBLE, -1.0, TFC_DT_UINT8, 255},
        {TFC_DT_FLOAT, 256.0, TFC_DT_UINT8, 0},
        {TFC_DT_FLOAT, 255.9, TFC_DT_UINT8, 255},
        {TFC_DT_FLOAT, -0.9, TFC_DT_UINT8, 0},
        {TFC_DT_FLOAT, 300.5, TFC_DT_UINT8, 44},
        {TFC_DT_FLOAT, 1e10, TFC_DT_UINT8, 0},
        {TFC_DT_FLOAT, NAN, TFC_DT_UINT8, 0},
        {TFC_DT_FLOAT, -129.0, TFC_DT_INT8, 127},
        {TFC_DT_FLOAT, 40000.0, TFC_DT_INT16, (uint64_t)(int64_t)-25536},
        {TFC_DT_FLOAT, 70000.0, TFC_DT_UINT16, 4464},
        {TFC_DT_FLOAT, 3e9, TFC_DT_INT32, (uint64_t)(int64_t)INT32_MIN},
        {TFC_DT_FLOAT, -3e9, TFC_DT_INT32, (uint64_t)(int64_t)INT32_MIN},
        {TFC_DT_FLOAT, NAN, TFC_DT_INT32, (uint64_t)(int64_t)INT32_MIN},
        {TFC_DT_FLOAT, -2.7, TFC_DT_INT32, (uint64_t)(int64_t)-2},
        {TFC_DT_DOUBLE, 2147483647.9, TFC_DT_INT32, 2147483647},
        {TFC_DT_DOUBLE, -2147483648.9, TFC_DT_INT32, (uint64_t)(int64_t)INT32_MIN},
        {TFC_DT_FLOAT, -1.0, TFC_DT_UINT32, 4294967295u},
        {TFC_DT_DOUBLE, 5e9, TFC_DT_UINT32, 705032704},
        {TFC_DT_DOUBLE, 1e19, TFC_DT_INT64, (uint64_t)INT64_MIN},
        {TFC_DT_DOUBLE, NAN, TFC_DT_INT64, (uint64_t)INT64_MIN},
        {TFC_DT_DOUBLE, -9e18, TFC_DT_INT64, (uint64_t)(int64_t)-9000000000000000000},
        {TFC_DT_FLOAT, -1.0, TFC_DT_UINT64, UINT64_MAX},
        {TFC_DT_DOUBLE, 1.8e19, TFC_DT_UINT64, 18000000000000000000u},
        {TFC_DT_DOUBLE, 0x1p64, TFC_DT_UINT64, 0},
        {TFC_DT_DOUBLE, NAN, TFC_DT_UINT64, 0},
        {TFC_DT_HALF, -1.0, TFC_DT_UINT8, 255},
        {TFC_DT_BFLOAT16, 3e9, TFC_DT_INT32, (uint64_t)(int64_t)INT32_MIN},
        /* integers wrap */
        {TFC_DT_INT32, 300, TFC_DT_INT8, 44},
        {TFC_DT_INT32, -129, TFC_DT_INT8, 127},
        {TFC_DT_INT64, 1099511627781.0, TFC_DT_INT32, 5},
        {TFC_DT_INT8, -1, TFC_DT_UINT16, 65535},
        {TFC_DT_INT8, -1, TFC_DT_UINT64, UINT64_MAX},
        {TFC_DT_UINT32, 4294967295.0, TFC_DT_INT32, (uint64_t)(int64_t)-1},
        /* bool */
        {TFC_DT_FLOAT, NAN, TFC_DT_BOOL, 1},
        {TFC_DT_FLOAT, -0.0, TFC_DT_BOOL, 0},
        {TFC_DT_INT64, 256, TFC_DT_BOOL, 1},
        {TFC_DT_HALF, 0x1p-24, TFC_DT_BOOL, 1},
        {TFC_DT_BOOL, 1, TFC_DT_INT64, 1},
        /* float16, bfloat16: round to nearest even, overflow to infinity, NaN quiet */
        {TFC_DT_FLOAT, 65504.0, TFC_DT_HALF, 0x7bff},
        {TFC_DT_FLOAT, 65519.0, TFC_DT_HALF, 0x7bff},
        {TFC_DT_FLOAT, 65520.0, TFC_DT_HALF, 0x7c00},
        {TFC_DT_FLOAT, -1e9, TFC_DT_HALF, 0xfc00},
        {TFC_DT_FLOAT, NAN, TFC_DT_HALF, 0x7e00},
        {TFC_DT_FLOAT, 1e-8, TFC_DT_HALF, 0},
        {TFC_DT_FLOAT, 0x1p-25, TFC_DT_HALF, 0},   /* tie between 0 and the smallest: even */
        {TFC_DT_FLOAT, 0x1.8p-24, TFC_DT_HALF, 2}, /* tie between 1 and 2 ulps: even */
        {TFC_DT_FLOAT, 1.0 + 0x1p-11, TFC_DT_HALF, 0x3c00}, /* tie: even */
        {TFC_DT_INT32, 65535, TFC_DT_HALF, 0x7c00},
        {TFC_DT_DOUBLE, 1.0 + 0x1p-11 + 0x1p-30, TFC_DT_HALF, 0x3c00}, /* through float32 */
        {TFC_DT_FLOAT, 1.00390625, TFC_DT_BFLOAT16, 0x3f80},
        {TFC_DT_FLOAT, 1.01171875, TFC_DT_BFLOAT16, 0x3f82},
        {TFC_DT_FLOAT, NAN, TFC_DT_BFLOAT16, 0x7fc0},
        {TFC_DT_UINT32, 16777217.0, TFC_DT_FLOAT, 0}, /* checked below as a float */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].to == TFC_DT_FLOAT) continue;
        uint64_t got = cast1(cases[i].from, cases[i].v, cases[i].to);
        if (got != cases[i].want)
            fail_msg("case %zu: cast %s %g to %s gave %llu (0x%llx), want %llu (0x%llx)", i,
                     tfc_dtype_name(cases[i].from), cases[i].v, tfc_dtype_name(cases[i].to),
                     (unsigned long long)got, (unsigned long long)got,
                     (unsigned long long)cases[i].want, (unsigned long long)cases[i].want);
    }
    double v = 16777217.0;
    tfc_tensor *in = vec(TFC_DT_UINT32, &v, 1), *out;
    tfc_status st = {0};
    TU_OK(tfc_cast(in, TFC_DT_FLOAT, &out, &st));
    assert_true(at(out, 0) == 16777216.0);
    tfc_tensor_unref(out);
    tfc_tensor_unref(in);
    /* uint64 extremes through 64-bit sources */
    tfc_shape s1 = DD_SHAPE(1);
    TU_OK(tfc_tensor_new(TFC_DT_UINT64, &s1, &in, &st));
    *(uint64_t *)tfc_tensor_data(in) = UINT64_MAX;
    TU_OK(tfc_cast(in, TFC_DT_INT8, &out, &st));
    assert_int_equal(((const int8_t *)tfc_tensor_data_const(out))[0], -1);
    tfc_tensor_unref(out);
    TU_OK(tfc_cast(in, TFC_DT_DOUBLE, &out, &st));
    assert_true(at(out, 0) == 0x1p64);
    tfc_tensor_unref(out);
    tfc_tensor_unref(in);
}

/* Small values survive every type pair exactly; bool gives 0/1; a shape is kept. */
static void test_cast_all_pairs(void **state) {
    (void)state;
    const double vals[] = {0, 1, 2, 100, 7, 0, 1, 127};
    for (size_t a = 0; a < NUM_CASTABLE; a++)
        for (size_t b = 0; b < NUM_CASTABLE; b++) {
            tfc_dtype from = castable[a], to = castable[b];
            tfc_tensor *in = vec(from, vals, 8), *flat, *out;
            tfc_shape s = DD_SHAPE(2, 4);
            tfc_status st = {0};
            TU_OK(tfc_tensor_reshape(in, &s, &flat, &st));
            TU_OK(tfc_cast(flat, to, &out, &st));
            dd_expect_shape(out, to, 2, (int64_t[]){2, 4});
            for (int i = 0; i < 8; i++) {
                double want = from == TFC_DT_BOOL ? vals[i] != 0 : vals[i];
                if (to == TFC_DT_BOOL) want = want != 0;
                if (at(out, i) != want)
                    fail_msg("cast %s -> %s: element %d is %g, want %g", tfc_dtype_name(from),
                             tfc_dtype_name(to), i, at(out, i), want);
            }
            if (from == to) assert_ptr_equal(tfc_tensor_data_const(out), tfc_tensor_data(flat));
            tfc_tensor_unref(out);
            tfc_tensor_unref(flat);
            tfc_tensor_unref(in);
        }
}

static void test_cast_errors(void **state) {
    (void)state;
    tfc_tensor *s = tfc_tensor_scalar_string("1", 1), *f = tfc_tensor_scalar_float(1), *t;
    tfc_status st = {0};
    dd_expect(tfc_cast(s, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Cast string to float32 is not supported");
    assert_null(t);
    dd_expect(tfc_cast(f, TFC_DT_STRING, &t, &st), &st, TFC_INVALID_ARGUMENT, "to string");
    dd_expect(tfc_cast(f, (tfc_dtype)101, &t, &st), &st, TFC_INVALID_ARGUMENT, "float32_ref");
    dd_expect(tfc_scale(f, 1, 0, TFC_DT_INT32, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "float32 or float64 tensors, not int32");
    dd_expect(tfc_scale(s, 1, 0, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT, "not string");
    assert_null(t);
    tfc_tensor_unref(s);
    tfc_tensor_unref(f);
}

/* Every float16 converts to float32 and back to itself (NaNs stay NaN); float32 -> float16 and
 * bfloat16 agree with the independent reference on many values across the range. */
static void test_half_bfloat16_rounding(void **state) {
    (void)state;
    tfc_shape s = DD_SHAPE(65536);
    tfc_tensor *h, *f, *back;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(TFC_DT_HALF, &s, &h, &st));
    uint16_t *hp = tfc_tensor_data(h);
    for (int i = 0; i < 65536; i++) hp[i] = (uint16_t)i;
    TU_OK(tfc_cast(h, TFC_DT_FLOAT, &f, &st));
    TU_OK(tfc_cast(f, TFC_DT_HALF, &back, &st));
    const float *fp = tfc_tensor_data_const(f);
    const uint16_t *bp = tfc_tensor_data_const(back);
    for (int i = 0; i < 65536; i++) {
        double want = half_value((uint16_t)i);
        if (want != want) {
            assert_true(fp[i] != fp[i] && (bp[i] & 0x7c00) == 0x7c00 && (bp[i] & 0x3ff));
        } else {
            assert_true(fp[i] == want);
            assert_int_equal(bp[i], i);
        }
    }
    tfc_tensor_unref(h);
    tfc_tensor_unref(f);
    tfc_tensor_unref(back);

    /* random float32 bit patterns within and around float16's range */
    enum { N = 100000 };
    tfc_shape sn = DD_SHAPE(N);
    TU_OK(tfc_tensor_new(TFC_DT_FLOAT, &sn, &f, &st));
    float *x = tfc_tensor_data(f);
    uint8_t *r = malloc(N * 4);
    dd_fill_random(r, N * 4, 99);
    for (int i = 0; i < N; i++) {
        uint32_t u;
        memcpy(&u, r + 4 * i, 4);
        /* exponents from 2^-30 to 2^17: subnormal halves, normals, overflow */
        u = (u & 0x807fffff) | (uint32_t)(97 + (u >> 23 & 0xff) % 48) << 23;
        if (i % 7 == 0) u &= 0xffffe000 | (1u << 12); /* exact ties */
        memcpy(&x[i], &u, 4);
    }
    free(r);
    tfc_tensor *h16, *b16;
    TU_OK(tfc_cast(f, TFC_DT_HALF, &h16, &st));
    TU_OK(tfc_cast(f, TFC_DT_BFLOAT16, &b16, &st));
    const uint16_t *hq = tfc_tensor_data_const(h16), *bq = tfc_tensor_data_const(b16);
    for (int i = 0; i < N; i++) {
        if (hq[i] != half_of(x[i]))
            fail_msg("float %a -> half 0x%04x, want 0x%04x", x[i], hq[i], half_of(x[i]));
        if (bq[i] != bf16_of(x[i]))
            fail_msg("float %a -> bfloat16 0x%04x, want 0x%04x", x[i], bq[i], bf16_of(x[i]));
    }
    tfc_tensor_unref(h16);
    tfc_tensor_unref(b16);
    tfc_tensor_unref(f);
}

#if defined(__x86_64__)
/* The CPU's truncating conversions, the instructions TF's compiled cast uses. */
static int64_t hw32(double v) {
    return _mm_cvttsd_si32(_mm_set_sd(v));
}
static int64_t hw64(double v) {
    return _mm_cvttsd_si64(_mm_set_sd(v));
}
static uint64_t hwu64(double v) {
    if (v < 0x1p63) return (uint64_t)hw64(v);
    return (uint64_t)hw64(v - 0x1p63) ^ ((uint64_t)1 << 63);
}
#endif

/* float and double -> every integer type, against the CPU (x86-64 only). */
static void test_cast_matches_cpu(void **state) {
    (void)state;
#if defined(__x86_64__)
    enum { N = 4096 };
    double v[N];
    uint8_t r[N * 8];
    dd_fill_random(r, sizeof r, 5);
    static const double specials[] = {NAN,     INFINITY, -INFINITY, 0x1p31,
                                      -0x1p31, 0x1p63,   -0x1p63,   0x1p64,
                                      -0.5,    255.5,    65535.99,  -2147483649.0};
    for (int i = 0; i < N; i++) {
        int64_t k;
        memcpy(&k, r + 8 * i, 8);
        double scale = ldexp(1.0, (int)(r[8 * i] % 70));
        v[i] = i < 12 ? specials[i] : (double)(k % 1000003) / 1000.0 * scale;
    }
    static const tfc_dtype ints[] = {TFC_DT_INT8,  TFC_DT_INT16,  TFC_DT_INT32,  TFC_DT_INT64,
                                     TFC_DT_UINT8, TFC_DT_UINT16, TFC_DT_UINT32, TFC_DT_UINT64};
    for (int src = 0; src < 2; src++) {
        tfc_dtype from = src ? TFC_DT_DOUBLE : TFC_DT_FLOAT;
        tfc_tensor *in = vec(from, v, N);
        for (size_t k = 0; k < 8; k++) {
            tfc_tensor *out;
            tfc_status st = {0};
            TU_OK(tfc_cast(in, ints[k], &out, &st));
            size_t size = tfc_dtype_size(ints[k]);
            uint64_t mask = size == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
            for (int i = 0; i < N; i++) {
                double x = at(in, i);
                uint64_t want;
                if (ints[k] == TFC_DT_UINT64)
                    want = hwu64(x);
                else if (size == 8 || ints[k] == TFC_DT_UINT32)
                    want = (uint64_t)hw64(x);
                else
                    want = (uint64_t)hw32(x);
                uint64_t got = bits_at(out, i);
                if ((got & mask) != (want & mask))
                    fail_msg("%s %a -> %s: 0x%llx, the CPU gives 0x%llx", tfc_dtype_name(from), x,
                             tfc_dtype_name(ints[k]), (unsigned long long)(got & mask),
                             (unsigned long long)(want & mask));
            }
            tfc_tensor_unref(out);
        }
        tfc_tensor_unref(in);
    }
#endif
}

/* ---- convert_image_dtype ---- */

/* in (of `from`, values v) converted to `to`: the result's values as doubles in got. */
static void convert(tfc_dtype from, const double *v, int n, tfc_dtype to, double *got) {
    tfc_tensor *in = vec(from, v, n), *out;
    tfc_status st = {0};
    TU_OK(tfc_convert_image_dtype(in, to, &out, &st));
    dd_expect_shape(out, to, 1, (int64_t[]){n});
    for (int i = 0; i < n; i++) got[i] = at(out, i);
    tfc_tensor_unref(in);
    tfc_tensor_unref(out);
}

static void expect_convert(tfc_dtype from, const double *v, int n, tfc_dtype to,
                           const double *want) {
    double got[16];
    convert(from, v, n, to, got);
    for (int i = 0; i < n; i++)
        if (!(got[i] == want[i]) && !(got[i] != got[i] && want[i] != want[i]))
            fail_msg("convert_image_dtype %s %.17g -> %s gave %.17g, want %.17g",
                     tfc_dtype_name(from), v[i], tfc_dtype_name(to), got[i], want[i]);
}

static void test_convert_int_to_float(void **state) {
    (void)state;
    const float s255 = (float)(1.0 / 255);
    expect_convert(TFC_DT_UINT8, (double[]){0, 1, 128, 255}, 4, TFC_DT_FLOAT,
                   (double[]){0, s255, (float)(128 * s255), 1.0});
    expect_convert(TFC_DT_UINT8, (double[]){0, 51, 255}, 3, TFC_DT_DOUBLE,
                   (double[]){0, 51 * (1.0 / 255), 1.0});
    expect_convert(TFC_DT_INT8, (double[]){-128, 127, 1}, 3, TFC_DT_FLOAT,
                   (double[]){(float)(-128 * (float)(1.0 / 127)), 1.0, (float)(1.0 / 127)});
    expect_convert(TFC_DT_INT32, (double[]){1, 2147483647}, 2, TFC_DT_FLOAT,
                   (double[]){(float)(1.0 / 2147483647), 1.0});
    expect_convert(TFC_DT_UINT16, (double[]){65535, 257}, 2, TFC_DT_FLOAT,
                   (double[]){1.0, (float)(257 * (float)(1.0 / 65535))});
    /* float16: cast to half, times half(1 / MAX), rounded to half */
    double v[6] = {0, 1, 17, 128, 200, 255}, want[6];
    double s = half_value(half_of(1.0 / 255));
    for (int i = 0; i < 6; i++) want[i] = half_value(half_of(half_value(half_of(v[i])) * s));
    expect_convert(TFC_DT_UINT8, v, 6, TFC_DT_HALF, want);
    assert_true(want[5] == 1.0);
    /* int32's 1 / MAX is below float16's range, and MAX itself is infinite there: TF gets 0 and
     * inf * 0 = NaN */
    expect_convert(TFC_DT_INT32, (double[]){1, 2147483647}, 2, TFC_DT_HALF, (double[]){0, NAN});
    double bs = bf16_value(bf16_of((float)(1.0 / 255)));
    for (int i = 0; i < 6; i++)
        want[i] = bf16_value(bf16_of((float)(bf16_value(bf16_of((float)v[i])) * bs)));
    expect_convert(TFC_DT_UINT8, v, 6, TFC_DT_BFLOAT16, want);
}

static void test_convert_float_to_int(void **state) {
    (void)state;
    /* x * 255.5 then tf.cast: -0.5 -> -127.75 -> -127 -> 129; 1.5 -> 383 -> 127 */
    expect_convert(TFC_DT_FLOAT, (double[]){0, 0.5, 1.0, 0.999, -0.5, 1.5, -0.001}, 7, TFC_DT_UINT8,
                   (double[]){0, 127, 255, 255, 129, 127, 0});
    expect_convert(TFC_DT_DOUBLE, (double[]){1.0, 0.25}, 2, TFC_DT_UINT16,
                   (double[]){65535, 16383});
    /* float32 can't hold 2^31 - 0.5: 1.0 * 2^31 overflows int32 to INT32_MIN, as in TF */
    expect_convert(TFC_DT_FLOAT, (double[]){1.0, 0.5, 0.0}, 3, TFC_DT_INT32,
                   (double[]){-2147483648.0, 1073741824.0, 0});
    expect_convert(TFC_DT_DOUBLE, (double[]){1.0}, 1, TFC_DT_INT32, (double[]){2147483647});
    expect_convert(TFC_DT_FLOAT, (double[]){1.0, -1.0}, 2, TFC_DT_INT8, (double[]){127, -127});
    /* bfloat16: 255.5 rounds to 256, so 1.0 -> 256 -> uint8 0 (TF's arithmetic, faithfully) */
    expect_convert(TFC_DT_BFLOAT16, (double[]){1.0, 0.5}, 2, TFC_DT_UINT8, (double[]){0, 128});
    expect_convert(TFC_DT_HALF, (double[]){1.0, 0.5, 0.25}, 3, TFC_DT_UINT8,
                   (double[]){255, 127, 63});
    expect_convert(TFC_DT_FLOAT, (double[]){1.0, 0.5}, 2, TFC_DT_UINT64,
                   (double[]){0x1p64 - 0x1p64, 0x1p63});
    /* float <-> float is a cast */
    expect_convert(TFC_DT_FLOAT, (double[]){0.1, 1.0}, 2, TFC_DT_DOUBLE,
                   (double[]){(float)0.1, 1.0});
    expect_convert(TFC_DT_DOUBLE, (double[]){0.1}, 1, TFC_DT_HALF,
                   (double[]){half_value(half_of((float)0.1))});
}

static void test_convert_int_to_int(void **state) {
    (void)state;
    /* widening: cast then * 2^k, wrapping */
    expect_convert(TFC_DT_INT8, (double[]){-1, 127, 0, -128}, 4, TFC_DT_UINT8,
                   (double[]){254, 254, 0, 0});
    expect_convert(TFC_DT_UINT8, (double[]){255, 1}, 2, TFC_DT_INT32,
                   (double[]){2139095040, 8388608});
    expect_convert(TFC_DT_UINT8, (double[]){255}, 1, TFC_DT_UINT16, (double[]){65280});
    expect_convert(TFC_DT_INT16, (double[]){32767, -1}, 2, TFC_DT_INT64,
                   (double[]){32767.0 * 0x1p48, -0x1p48});
    /* narrowing: floordiv by 2^k then cast */
    expect_convert(TFC_DT_UINT8, (double[]){255, 1}, 2, TFC_DT_INT8, (double[]){127, 0});
    expect_convert(TFC_DT_INT16, (double[]){-1, 32767, 256, -32768}, 4, TFC_DT_UINT8,
                   (double[]){255, 255, 2, 0});
    expect_convert(TFC_DT_INT32, (double[]){-1, 65536, -65537}, 3, TFC_DT_INT16,
                   (double[]){-1, 1, -2});
    expect_convert(TFC_DT_UINT16, (double[]){65535, 255, 256}, 3, TFC_DT_UINT8,
                   (double[]){255, 0, 1});
    /* 64-bit ends, checked on the bits */
    tfc_shape s = DD_SHAPE(2);
    tfc_tensor *in, *out;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(TFC_DT_UINT64, &s, &in, &st));
    ((uint64_t *)tfc_tensor_data(in))[0] = UINT64_MAX;
    ((uint64_t *)tfc_tensor_data(in))[1] = (uint64_t)1 << 63;
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_INT64, &out, &st));
    assert_true(bits_at(out, 0) == (uint64_t)INT64_MAX && bits_at(out, 1) == (uint64_t)1 << 62);
    tfc_tensor_unref(out);
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_UINT8, &out, &st));
    assert_true(bits_at(out, 0) == 255 && bits_at(out, 1) == 128);
    tfc_tensor_unref(out);
    tfc_tensor_unref(in);
    TU_OK(tfc_tensor_new(TFC_DT_INT64, &s, &in, &st));
    ((int64_t *)tfc_tensor_data(in))[0] = -1;
    ((int64_t *)tfc_tensor_data(in))[1] = INT64_MAX;
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_UINT64, &out, &st));
    assert_true(bits_at(out, 0) == UINT64_MAX - 1 && bits_at(out, 1) == UINT64_MAX - 1);
    tfc_tensor_unref(out);
    tfc_tensor_unref(in);
}

/* Long inputs cross the internal chunks; same dtype shares the tensor. */
static void test_convert_long_and_same(void **state) {
    (void)state;
    enum { N = 1500 };
    tfc_shape s = DD_SHAPE(N);
    tfc_tensor *in, *out, *back;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(TFC_DT_UINT8, &s, &in, &st));
    dd_fill_random(tfc_tensor_data(in), N, 3);
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_HALF, &out, &st));
    TU_OK(tfc_convert_image_dtype(out, TFC_DT_UINT8, &back, &st));
    /* float16 holds k / 255 closely enough for a round trip except near rounding edges */
    int same = 0;
    for (int i = 0; i < N; i++) same += bits_at(back, i) == bits_at(in, i);
    assert_true(same > N / 2);
    tfc_tensor_unref(back);
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_INT16, &back, &st));
    for (int i = 0; i < N; i++) assert_true(at(back, i) == at(in, i) * 128);
    tfc_tensor_unref(back);
    tfc_tensor_unref(out);
    TU_OK(tfc_convert_image_dtype(in, TFC_DT_UINT8, &out, &st));
    assert_ptr_equal(out, in);
    assert_int_equal(tfc_tensor_refcount(in), 2);
    tfc_tensor_unref(out);
    tfc_tensor_unref(in);
}

static void test_convert_errors(void **state) {
    (void)state;
    tfc_status st = {0};
    tfc_tensor *t, *b = vec(TFC_DT_BOOL, (double[]){1}, 1), *f = tfc_tensor_scalar_float(1),
                   *s = tfc_tensor_scalar_string("x", 1);
    dd_expect(tfc_convert_image_dtype(b, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "image dtype must be either floating point or integer, got bool");
    dd_expect(tfc_convert_image_dtype(f, TFC_DT_BOOL, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "dtype must be either floating point or integer, got bool");
    dd_expect(tfc_convert_image_dtype(s, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "got string");
    dd_expect(tfc_convert_image_dtype(f, TFC_DT_STRING, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "got string");
    assert_null(t);
    tfc_tensor_unref(b);
    tfc_tensor_unref(f);
    tfc_tensor_unref(s);
}

/* ---- tfc_scale ---- */

static void test_scale(void **state) {
    (void)state;
    tfc_shape s = DD_SHAPE(28, 28, 1);
    tfc_tensor *img, *a, *b, *c;
    tfc_status st = {0};
    TU_OK(tfc_tensor_new(TFC_DT_UINT8, &s, &img, &st));
    uint8_t *x = tfc_tensor_data(img);
    dd_fill_random(x, 784, 1);
    x[0] = 0, x[1] = 255;
    int64_t allocs = tfc_alloc_total_count();
    TU_OK(tfc_scale(img, 1.0 / 255, 0.0, TFC_DT_FLOAT, &a, &st));
    /* one tensor: its header and its buffer */
    assert_true(tfc_alloc_total_count() - allocs <= 2);
    TU_OK(tfc_scale(img, 2.0 / 255, -1.0, TFC_DT_FLOAT, &b, &st));
    TU_OK(tfc_scale(img, 1.0 / 255, 0.5, TFC_DT_DOUBLE, &c, &st));
    dd_expect_shape(a, TFC_DT_FLOAT, 3, (int64_t[]){28, 28, 1});
    dd_expect_shape(c, TFC_DT_DOUBLE, 3, (int64_t[]){28, 28, 1});
    const float *pa = tfc_tensor_data_const(a), *pb = tfc_tensor_data_const(b);
    const double *pc = tfc_tensor_data_const(c);
    const float s1 = (float)(1.0 / 255), s2 = (float)(2.0 / 255);
    for (int i = 0; i < 784; i++) {
        assert_true(pa[i] == (float)x[i] * s1);
        float want = (float)x[i] * s2;
        want = want + -1.0f;
        assert_true(pb[i] == want);
        assert_true(pc[i] == (double)x[i] * (1.0 / 255) + 0.5);
    }
    assert_true(pa[0] == 0.0f && pa[1] == 1.0f && pb[0] == -1.0f);
    /* the same values convert_image_dtype and decode_image give */
    tfc_tensor *d;
    TU_OK(tfc_convert_image_dtype(img, TFC_DT_FLOAT, &d, &st));
    assert_true(tfc_tensor_equal(a, d));
    tfc_tensor_unref(d);
    tfc_tensor_unref(a);
    tfc_tensor_unref(b);
    tfc_tensor_unref(c);
    tfc_tensor_unref(img);

    /* other sources: int16, half, bool, uint64 */
    double v[4] = {-3, 0, 1, 1000};
    tfc_tensor *i16 = vec(TFC_DT_INT16, v, 4), *h = vec(TFC_DT_HALF, v, 4),
               *bo = vec(TFC_DT_BOOL, v, 4), *u = vec(TFC_DT_UINT64, (double[]){0, 1, 2, 3}, 4);
    TU_OK(tfc_scale(i16, 0.5, 1, TFC_DT_FLOAT, &a, &st));
    TU_OK(tfc_scale(h, 2, 0, TFC_DT_DOUBLE, &b, &st));
    TU_OK(tfc_scale(bo, 3, 0, TFC_DT_FLOAT, &c, &st));
    TU_OK(tfc_scale(u, 1, -1, TFC_DT_DOUBLE, &d, &st));
    for (int i = 0; i < 4; i++) {
        assert_true(at(a, i) == v[i] * 0.5 + 1);
        assert_true(at(b, i) == v[i] * 2);
        assert_true(at(c, i) == (v[i] != 0) * 3);
        assert_true(at(d, i) == i - 1);
    }
    tfc_tensor *list[] = {a, b, c, d, i16, h, bo, u};
    for (int i = 0; i < 8; i++) tfc_tensor_unref(list[i]);
}

int dd_run_convert(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_cast_edge_values),
        TU_TEST(test_cast_all_pairs),
        TU_TEST(test_cast_errors),
        TU_TEST(test_half_bfloat16_rounding),
        TU_TEST(test_cast_matches_cpu),
        TU_TEST(test_convert_int_to_float),
        TU_TEST(test_convert_float_to_int),
        TU_TEST(test_convert_int_to_int),
        TU_TEST(test_convert_long_and_same),
        TU_TEST(test_convert_errors),
        TU_TEST(test_scale),
    };
    return cmocka_run_group_tests_name("convert", tests, NULL, NULL);
}
