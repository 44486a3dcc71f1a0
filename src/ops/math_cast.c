/* Cast between float32, float64, int32, int64, uint8 and bool (TF's Cast, SrcT -> DstT).
 * Integers convert exactly through int64 and floats through double, so no value passes through a
 * narrower type than both ends. Rules (C++'s static_cast where it is defined, as TF's CPU kernel):
 * to bool is x != 0; float to integer truncates toward zero, with NaN giving 0 and values outside
 * the target's range saturating (C leaves these undefined; tfc picks the safe answer); integer
 * narrowing wraps; Truncate = true makes float64 -> float32 round toward zero instead of to
 * nearest. */
#include <math.h>

#include "ops/math_int.h"

typedef struct cast_state {
    tfc_dtype src, dst;
    bool truncate;
} cast_state;

static bool castable(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE || dt == TFC_DT_INT32 || dt == TFC_DT_INT64 ||
           dt == TFC_DT_UINT8 || dt == TFC_DT_BOOL;
}

static tfc_code cast_prepare(const tfc_node *n, void **state, tfc_status *st) {
    cast_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_node_attr_type(n, "SrcT", &s->src, NULL);
    tfc_node_attr_type(n, "DstT", &s->dst, NULL);
    tfc_node_attr_bool(n, "Truncate", &s->truncate, NULL);
    *state = s;
    return TFC_OK;
}

static bool is_float(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE;
}

static int64_t load_int(tfc_dtype dt, const void *p, int64_t i) {
    switch (dt) {
    case TFC_DT_INT32:
        return ((const int32_t *)p)[i];
    case TFC_DT_INT64:
        return ((const int64_t *)p)[i];
    case TFC_DT_BOOL:
        return ((const uint8_t *)p)[i] != 0;
    default: /* uint8 */
        return ((const uint8_t *)p)[i];
    }
}

static double load_float(tfc_dtype dt, const void *p, int64_t i) {
    return dt == TFC_DT_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
}

/* A float value as an integer in [lo, hi]: truncated, NaN 0, saturating. */
static int64_t float_to_int(double v, double lo, double hi) {
    if (v != v) return 0;
    if (v <= lo) return (int64_t)lo;
    if (v >= hi) return hi >= 9223372036854775807.0 ? INT64_MAX : (int64_t)hi;
    return (int64_t)v;
}

static void store_int(tfc_dtype dt, void *p, int64_t i, int64_t v) {
    switch (dt) {
    case TFC_DT_FLOAT:
        ((float *)p)[i] = (float)v;
        break;
    case TFC_DT_DOUBLE:
        ((double *)p)[i] = (double)v;
        break;
    case TFC_DT_INT32:
        ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v;
        break;
    case TFC_DT_INT64:
        ((int64_t *)p)[i] = v;
        break;
    case TFC_DT_BOOL:
        ((uint8_t *)p)[i] = v != 0;
        break;
    default:
        ((uint8_t *)p)[i] = (uint8_t)(uint64_t)v;
        break;
    }
}

static void store_float(tfc_dtype dt, void *p, int64_t i, double v, bool truncate) {
    switch (dt) {
    case TFC_DT_FLOAT: {
        float f = (float)v;
        if (truncate && isfinite(v) && fabs((double)f) > fabs(v)) f = nextafterf(f, 0.0f);
        ((float *)p)[i] = f;
        break;
    }
    case TFC_DT_DOUBLE:
        ((double *)p)[i] = v;
        break;
    case TFC_DT_INT32:
        ((int32_t *)p)[i] = (int32_t)float_to_int(v, -2147483648.0, 2147483647.0);
        break;
    case TFC_DT_INT64:
        ((int64_t *)p)[i] = float_to_int(v, -9223372036854775808.0, 9223372036854775807.0);
        break;
    case TFC_DT_BOOL:
        ((uint8_t *)p)[i] = v != 0;
        break;
    default:
        ((uint8_t *)p)[i] = (uint8_t)float_to_int(v, 0, 255);
        break;
    }
}

typedef struct cast_job {
    const cast_state *s;
    const void *x;
    void *y;
} cast_job;

static void cast_range(void *p, int64_t lo, int64_t hi) {
    const cast_job *j = p;
    tfc_dtype src = j->s->src, dst = j->s->dst;
    if (is_float(src))
        for (int64_t i = lo; i < hi; i++)
            store_float(dst, j->y, i, load_float(src, j->x, i), j->s->truncate);
    else
        for (int64_t i = lo; i < hi; i++) store_int(dst, j->y, i, load_int(src, j->x, i));
}

static tfc_code cast_compute(tfc_kernel_ctx *c, void *state) {
    const cast_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    if (!castable(s->src) || !castable(s->dst))
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "Cast %s to %s is not supported",
                             tfc__tf_dtype_string(s->src), tfc__tf_dtype_string(s->dst));
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dst, tfc_tensor_shape(x), &y);
    if (rc != TFC_OK) return rc;
    cast_job j = {s, tfc_tensor_data_const(x), tfc_tensor_data(y)};
    tfc_kctx_parallel_range(c, tfc_tensor_num_elements(x), TFC_KCTX_MIN_CHUNK, cast_range, &j);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_cast = {.prepare = cast_prepare, .compute = cast_compute};
