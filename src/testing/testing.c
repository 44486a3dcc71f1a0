/* tf.test helpers: assertAllClose with a useful message, and build/device introspection. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tfc/testing.h"

/* Element i of a numeric tensor as a double; false for dtypes that are not numbers. */
static bool num_at(const tfc_tensor *t, int64_t i, double *v) {
    const void *d = tfc_tensor_data_const(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_FLOAT:
        *v = ((const float *)d)[i];
        return true;
    case TFC_DT_DOUBLE:
        *v = ((const double *)d)[i];
        return true;
    case TFC_DT_INT32:
        *v = ((const int32_t *)d)[i];
        return true;
    case TFC_DT_INT64:
        *v = (double)((const int64_t *)d)[i];
        return true;
    case TFC_DT_UINT8:
        *v = ((const uint8_t *)d)[i];
        return true;
    case TFC_DT_INT8:
        *v = ((const int8_t *)d)[i];
        return true;
    case TFC_DT_INT16:
        *v = ((const int16_t *)d)[i];
        return true;
    case TFC_DT_UINT16:
        *v = ((const uint16_t *)d)[i];
        return true;
    case TFC_DT_UINT32:
        *v = ((const uint32_t *)d)[i];
        return true;
    case TFC_DT_UINT64:
        *v = (double)((const uint64_t *)d)[i];
        return true;
    case TFC_DT_BOOL:
        *v = ((const uint8_t *)d)[i] != 0;
        return true;
    default:
        return false;
    }
}

/* Writes the multi-index of flat element i as "[a,b,c]". */
static void index_of(const tfc_shape *s, int64_t i, char *buf, size_t n) {
    int64_t idx[TFC_MAX_RANK];
    for (int d = s->rank - 1; d >= 0; d--) {
        idx[d] = s->dims[d] ? i % s->dims[d] : 0;
        i = s->dims[d] ? i / s->dims[d] : 0;
    }
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < s->rank && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ",%lld" : "%lld", (long long)idx[d]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

static bool close_enough(double x, double y, double rtol, double atol, double *allowed) {
    *allowed = atol + rtol * fabs(y);
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    if (isinf(x) || isinf(y)) return x == y;
    return fabs(x - y) <= *allowed;
}

tfc_code tfc_assert_all_close(const tfc_tensor *a, const tfc_tensor *b, double rtol, double atol,
                              tfc_status *st) {
    char sa[128], sb[128];
    const tfc_shape *ash = tfc_tensor_shape(a), *bsh = tfc_tensor_shape(b);
    if (!tfc_shape_equal(ash, bsh))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "shapes differ: %s vs %s",
                              tfc_shape_to_string(ash, sa, sizeof sa),
                              tfc_shape_to_string(bsh, sb, sizeof sb));
    int64_t n = tfc_tensor_num_elements(a);
    if (tfc_tensor_dtype(a) == TFC_DT_STRING || tfc_tensor_dtype(b) == TFC_DT_STRING) {
        if (tfc_tensor_dtype(a) != tfc_tensor_dtype(b))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "dtypes differ: %s vs %s",
                                  tfc_dtype_name(tfc_tensor_dtype(a)),
                                  tfc_dtype_name(tfc_tensor_dtype(b)));
        for (int64_t i = 0; i < n; i++) {
            tfc_bytes x = tfc_tensor_string_at(a, i), y = tfc_tensor_string_at(b, i);
            if (x.size != y.size || (x.size && memcmp(x.data, y.data, x.size))) {
                index_of(ash, i, sa, sizeof sa);
                return tfc_status_set(st, TFC_INVALID_ARGUMENT, "strings differ at %s", sa);
            }
        }
        return TFC_OK;
    }
    double x, y, allowed;
    if (n > 0 && (!num_at(a, 0, &x) || !num_at(b, 0, &y)))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "cannot compare dtypes %s and %s",
                              tfc_dtype_name(tfc_tensor_dtype(a)),
                              tfc_dtype_name(tfc_tensor_dtype(b)));
    char detail[TFC_STATUS_MSG_MAX] = "";
    size_t k = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++) {
        num_at(a, i, &x), num_at(b, i, &y);
        if (close_enough(x, y, rtol, atol, &allowed)) continue;
        if (++bad <= 4 && k < sizeof detail) {
            index_of(ash, i, sa, sizeof sa);
            k += (size_t)snprintf(detail + k, sizeof detail - k,
                                  "; %s: %.9g vs %.9g (diff %.3g > %.3g)", sa, x, y, fabs(x - y),
                                  allowed);
        }
    }
    if (bad == 0) return TFC_OK;
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "not all close (rtol=%g, atol=%g): %lld of %lld elements differ%s%s",
                          rtol, atol, (long long)bad, (long long)n, detail, bad > 4 ? "; ..." : "");
}

bool tfc_is_built_with_cuda(void) {
    return false; /* no CUDA kernels exist in tfc yet; say so rather than guess */
}

bool tfc_is_gpu_available(void) {
    return tfc_is_built_with_cuda();
}

int tfc_list_devices(tfc_device_info *out, int max) {
    if (max >= 1) {
        memset(&out[0], 0, sizeof out[0]);
        snprintf(out[0].name, sizeof out[0].name, "/device:CPU:0");
        snprintf(out[0].device_type, sizeof out[0].device_type, "CPU");
        out[0].num_threads = tfc_default_num_threads();
    }
    return 1;
}
