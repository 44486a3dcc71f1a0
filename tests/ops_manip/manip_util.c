/* Helpers of the manip tests (manip_tests.h) and the test executable's main. */
#include <stdlib.h>

#include "manip_tests.h"

tfc_tensor *tm_random(tm_rng *r, tfc_dtype dt, int rank, const int64_t *dims) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st) != TFC_OK) fail_msg("%s", st.msg);
    void *p = tfc_tensor_data(t);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
        int64_t v = tm_int(r, -100000, 100000);
        switch (dt) {
        case TFC_DT_DOUBLE:
            ((double *)p)[i] = (double)v / 997.0;
            break;
        case TFC_DT_FLOAT:
            ((float *)p)[i] = (float)v / 997.0f;
            break;
        case TFC_DT_INT64:
            ((int64_t *)p)[i] = v * 1000003;
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)v;
            break;
        case TFC_DT_UINT8:
            ((uint8_t *)p)[i] = (uint8_t)v;
            break;
        case TFC_DT_INT8:
            ((int8_t *)p)[i] = (int8_t)v;
            break;
        default:
            fail_msg("tm_random: dtype %s", tfc_dtype_name(dt));
        }
    }
    return t;
}

tfc_tensor *tm_ints(const int64_t *v, int n, bool i64) {
    tfc_shape s = n < 0 ? tfc_shape_scalar() : tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor *t;
    if (tfc_tensor_new(i64 ? TFC_DT_INT64 : TFC_DT_INT32, &s, &t, NULL) != TFC_OK)
        fail_msg("tm_ints");
    for (int i = 0; i < (n < 0 ? 1 : n); i++) {
        if (i64)
            ((int64_t *)tfc_tensor_data(t))[i] = v[i];
        else
            ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
    }
    return t;
}


tfc_node *tm_node(tfc_graph *g, const char *op, tfc_tensor *const *in, const bool *is_const,
                  int nin, int list_n, tm_attrs_fn fn, const void *ctx) {
    tfc_out ins[64];
    for (int i = 0; i < nin; i++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", i);
        ins[i] = is_const && is_const[i]
                     ? tfc_const(g, name, in[i])
                     : tfc_placeholder(g, name, tfc_tensor_dtype(in[i]), tfc_tensor_shape(in[i]));
    }
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    if (list_n > 0) {
        tfc_node_add_input_list(b, ins, list_n);
        for (int i = list_n; i < nin; i++) tfc_node_add_input(b, ins[i]);
    } else {
        for (int i = 0; i < nin; i++) tfc_node_add_input(b, ins[i]);
    }
    if (fn) fn(b, ctx);
    return tfc_node_finish(b);
}

void tm_run(const tfc_node *n, tfc_tensor *const *in, int nin, tfc_tensor **out, int nout) {
    tfc_status st;
    if (tfc__kernel_run(n, (const tfc_tensor *const *)in, nin, out, nout, NULL, NULL, &st) !=
        TFC_OK)
        fail_msg("%s: %s", tfc_node_op(n), st.msg);
}

void tm_assert_static_shape(tfc_node *n, int i, const tfc_tensor *t) {
    const tfc_shape *s = tfc_out_shape(tfc_node_output(n, i));
    if (!tfc_shape_equal(s, tfc_tensor_shape(t))) {
        char a[128], b[128];
        fail_msg("%s: static shape %s, kernel gave %s", tfc_node_op(n),
                 tfc_shape_to_string(s, a, sizeof a),
                 tfc_shape_to_string(tfc_tensor_shape(t), b, sizeof b));
    }
}

void tm_unravel(int64_t i, const tfc_shape *s, int64_t *idx) {
    for (int d = s->rank - 1; d >= 0; d--) {
        idx[d] = i % s->dims[d];
        i /= s->dims[d];
    }
}

int64_t tm_ravel(const int64_t *idx, const tfc_shape *s) {
    int64_t i = 0;
    for (int d = 0; d < s->rank; d++) i = i * s->dims[d] + idx[d];
    return i;
}

void tm_assert_gather(const char *what, const tfc_tensor *got, const tfc_tensor *src,
                      int64_t (*src_index)(const void *ctx, const int64_t *out_idx),
                      const void *ctx) {
    if (tfc_tensor_dtype(got) != tfc_tensor_dtype(src)) fail_msg("%s: dtype differs", what);
    size_t esz = tfc_dtype_size(tfc_tensor_dtype(got));
    const char *g = tfc_tensor_data_const(got), *s = tfc_tensor_data_const(src);
    static const char zeros[16];
    int64_t idx[TFC_MAX_RANK + 1];
    for (int64_t i = 0; i < tfc_tensor_num_elements(got); i++) {
        tm_unravel(i, tfc_tensor_shape(got), idx);
        int64_t k = src_index(ctx, idx);
        const char *want = k < 0 ? zeros : s + k * (int64_t)esz;
        if (memcmp(g + i * (int64_t)esz, want, esz))
            fail_msg("%s: element %lld is %g, want %g (source %lld)", what, (long long)i,
                     tu_at(got, i), k < 0 ? 0.0 : tu_at(src, k), (long long)k);
    }
}

int main(void) {
    int failed = 0;
    failed += tm_run_kernels();
    failed += tm_run_slices();
    failed += tm_run_grads();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
