/* The data_parse test executable: shared helpers and main. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse_tests.h"

pt_buf pt_ser(tfc_example *ex) {
    pt_buf b;
    tfc_status st = {0};
    if (!ex || tfc_example_serialize(ex, &b.p, &b.n, &st) != TFC_OK)
        fail_msg("serialize: %s", st.msg);
    tfc_example_free(ex);
    return b;
}

pt_buf pt_ser_seq(tfc_sequence_example *se) {
    pt_buf b;
    tfc_status st = {0};
    if (tfc_sequence_example_serialize(se, &b.p, &b.n, &st) != TFC_OK)
        fail_msg("serialize: %s", st.msg);
    tfc_sequence_example_free(se);
    return b;
}

void pt_bufs_free(pt_buf *b, int n) {
    for (int i = 0; i < n; i++) tfc_free(b[i].p);
}

tfc_tensor *pt_batch(const pt_buf *b, int n) {
    tfc_tensor *t;
    tfc_shape s = tfc_shape_make(1, (int64_t[]){n});
    TU_OK(tfc_tensor_new(TFC_DT_STRING, &s, &t, NULL));
    for (int i = 0; i < n; i++) TU_OK(tfc_tensor_set_string(t, i, b[i].p, b[i].n, NULL));
    return t;
}

tfc_example *pt_ex_floats(const char *key, const float *v, size_t n) {
    tfc_example *ex = tfc_example_new();
    assert_non_null(ex);
    TU_OK(tfc_example_set_floats(ex, key, v, n));
    return ex;
}

tfc_example *pt_ex_int64s(const char *key, const int64_t *v, size_t n) {
    tfc_example *ex = tfc_example_new();
    assert_non_null(ex);
    TU_OK(tfc_example_set_int64s(ex, key, v, n));
    return ex;
}

tfc_example *pt_ex_strs(const char *key, const char *const *v, size_t n) {
    tfc_example *ex = tfc_example_new();
    assert_non_null(ex);
    tfc_bytes b[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) b[i] = (tfc_bytes){(const uint8_t *)v[i], strlen(v[i])};
    TU_OK(tfc_example_set_bytes(ex, key, b, n));
    return ex;
}

tfc_shape pt_shape(int rank, ...) {
    int64_t dims[TFC_MAX_RANK] = {0};
    va_list ap;
    va_start(ap, rank);
    for (int i = 0; i < rank; i++) dims[i] = va_arg(ap, int);
    va_end(ap);
    return tfc_shape_make(rank, dims);
}

void pt_check_shape(const tfc_tensor *t, tfc_dtype dt, tfc_shape want) {
    assert_non_null(t);
    char a[128], b[128];
    if (tfc_tensor_dtype(t) != dt || !tfc_shape_equal(tfc_tensor_shape(t), &want))
        fail_msg("got %s %s, want %s %s", tfc_dtype_name(tfc_tensor_dtype(t)),
                 tfc_shape_to_string(tfc_tensor_shape(t), a, sizeof a), tfc_dtype_name(dt),
                 tfc_shape_to_string(&want, b, sizeof b));
}

void pt_check_f32(const tfc_tensor *t, tfc_shape want, const float *v) {
    pt_check_shape(t, TFC_DT_FLOAT, want);
    const float *x = tfc_tensor_data_const(t);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
        if (x[i] != v[i]) fail_msg("element %lld: %g, want %g", (long long)i, x[i], v[i]);
}

void pt_check_i64(const tfc_tensor *t, tfc_shape want, const int64_t *v) {
    pt_check_shape(t, TFC_DT_INT64, want);
    const int64_t *x = tfc_tensor_data_const(t);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
        if (x[i] != v[i])
            fail_msg("element %lld: %lld, want %lld", (long long)i, (long long)x[i],
                     (long long)v[i]);
}

void pt_check_str(const tfc_tensor *t, tfc_shape want, const char *const *v) {
    pt_check_shape(t, TFC_DT_STRING, want);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++) {
        tfc_bytes b = tfc_tensor_string_at(t, i);
        if (b.size != strlen(v[i]) || memcmp(b.data, v[i], b.size))
            fail_msg("element %lld: '%.*s', want '%s'", (long long)i, (int)b.size, b.data, v[i]);
    }
}

void pt_check_err(tfc_code code, const tfc_status *st, const char *want, const tfc_parsed *out,
                  int n) {
    if (code != TFC_INVALID_ARGUMENT)
        fail_msg("got %s (%s), want INVALID_ARGUMENT '%s'", tfc_code_name(code), st->msg, want);
    if (st->code != code || !strstr(st->msg, want))
        fail_msg("message '%s' lacks '%s'", st->msg, want);
    for (int i = 0; i < n; i++)
        assert_true(!out[i].dense && !out[i].indices && !out[i].values && !out[i].dense_shape);
}

int main(void) {
    int failed = 0;
    failed += pt_run_values();
    failed += pt_run_errors();
    failed += pt_run_sequence();
    return failed ? 1 : 0;
}
