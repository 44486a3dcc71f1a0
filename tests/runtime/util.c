/* Helpers of the runtime tests (runtime_tests.h). */
#include "runtime_tests.h"

tfc_tensor *tr_tensor(tfc_dtype dt, int rank, const int64_t *dims) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st) != TFC_OK) fail_msg("tensor: %s", st.msg);
    return t;
}

tfc_tensor *tr_floats(int rank, const int64_t *dims, const float *v) {
    tfc_tensor *t = tr_tensor(TFC_DT_FLOAT, rank, dims);
    memcpy(tfc_tensor_data(t), v, tfc_tensor_byte_size(t));
    return t;
}

static uint64_t next(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

void tr_fill(tfc_tensor *t, uint64_t *seed) {
    void *p = tfc_tensor_data(t);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
        double f = (double)(next(seed) % 4096) / 1024.0 - 2.0;
        int64_t k = (int64_t)(next(seed) % 100) - 50;
        switch (tfc_tensor_dtype(t)) {
        case TFC_DT_FLOAT:
            ((float *)p)[i] = (float)f;
            break;
        case TFC_DT_DOUBLE:
            ((double *)p)[i] = f;
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)k;
            break;
        case TFC_DT_INT64:
            ((int64_t *)p)[i] = k;
            break;
        default:
            fail_msg("tr_fill: dtype %d", tfc_tensor_dtype(t));
        }
    }
}

tfc_out tr_const_floats(tfc_graph *g, const char *name, int rank, const int64_t *dims,
                        const float *v) {
    tfc_tensor *t = tr_floats(rank, dims, v);
    tfc_out o = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return o;
}

tfc_out tr_const_float(tfc_graph *g, const char *name, float v) {
    return tr_const_floats(g, name, 0, NULL, &v);
}
