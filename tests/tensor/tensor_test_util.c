/* Helpers shared by the tensor tests: status checks, a minimal protobuf writer independent of
 * the code under test, and TensorProto round trips. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor_tests.h"

void tt_expect(tfc_code got, const tfc_status *st, tfc_code code, const char *want) {
    if (got != code)
        fail_msg("got %s (%s), want %s", tfc_code_name(got), st->msg, tfc_code_name(code));
    if (want && !strstr(st->msg, want)) fail_msg("message '%s' lacks '%s'", st->msg, want);
}

void tt_w_raw(tt_pbw *w, const void *p, size_t n) {
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

void tt_w_varint(tt_pbw *w, uint64_t v) {
    uint8_t t[10];
    size_t k = 0;
    do {
        t[k++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        v >>= 7;
    } while (v);
    tt_w_raw(w, t, k);
}

void tt_w_tag(tt_pbw *w, unsigned field, unsigned wt) {
    tt_w_varint(w, (uint64_t)field << 3 | wt);
}

void tt_w_int(tt_pbw *w, unsigned field, int64_t v) {
    tt_w_tag(w, field, 0);
    tt_w_varint(w, (uint64_t)v);
}

void tt_w_bytes(tt_pbw *w, unsigned field, const void *p, size_t n) {
    tt_w_tag(w, field, 2);
    tt_w_varint(w, n);
    tt_w_raw(w, p, n);
}

void tt_w_msg(tt_pbw *w, unsigned field, const tt_pbw *sub) {
    tt_w_bytes(w, field, sub->b, sub->n);
}

/* tensor_shape {dim {size: d}...} */
void tt_w_shape(tt_pbw *w, int rank, const int64_t *dims) {
    tt_pbw s = {.n = 0};
    for (int i = 0; i < rank; i++) {
        tt_pbw d = {.n = 0};
        if (dims[i]) tt_w_int(&d, 1, dims[i]);
        tt_w_msg(&s, 2, &d);
    }
    tt_w_msg(w, 2, &s);
}

/* packed varints */
void tt_w_packed(tt_pbw *w, unsigned field, const int64_t *v, size_t n) {
    tt_pbw p = {.n = 0};
    for (size_t i = 0; i < n; i++) tt_w_varint(&p, (uint64_t)v[i]);
    tt_w_msg(w, field, &p);
}

tfc_tensor *tt_parse_ok(const void *data, size_t n) {
    tfc_status st = {0};
    tfc_tensor *t = NULL;
    if (tfc_tensor_from_proto(data, n, &t, &st) != TFC_OK) fail_msg("parse: %s", st.msg);
    return t;
}

void tt_parse_fails(const tt_pbw *w, tfc_code code, const char *want) {
    tfc_status st = {0};
    tfc_tensor *t = (tfc_tensor *)&st;
    tt_expect(tfc_tensor_from_proto(w->b, w->n, &t, &st), &st, code, want);
    assert_null(t);
}

void tt_expect_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t want_n) {
    if (n == want_n && !memcmp(got, want, n)) return;
    char g[600] = "", *p = g;
    for (size_t i = 0; i < n && p < g + sizeof g - 4; i++) p += sprintf(p, "%02x ", got[i]);
    fail_msg("bytes differ (got %zu, want %zu): %s", n, want_n, g);
}

/* to_proto both ways, parse back, equal; returns nothing, leaks nothing. */
void tt_round_trip(const tfc_tensor *t) {
    for (int typed = 0; typed < 2; typed++) {
        tfc_status st = {0};
        uint8_t *buf;
        size_t n;
        TU_OK(tfc_tensor_to_proto(t, typed, &buf, &n, &st));
        tfc_tensor *back = tt_parse_ok(buf, n);
        if (!tfc_tensor_equal(t, back))
            fail_msg("%s %s round trip differs", tfc_dtype_name(tfc_tensor_dtype(t)),
                     typed ? "typed" : "tensor_content");
        tfc_tensor_unref(back);
        tfc_free(buf);
    }
}

/* A tensor of dt with shape [2,3] and values that exercise each type's range. */
tfc_tensor *tt_sample(tfc_dtype dt) {
    tfc_status st = {0};
    tfc_tensor *t;
    tfc_shape s = TT_SHAPE(2, 3);
    TU_OK(tfc_tensor_new(dt, &s, &t, &st));
    void *d = tfc_tensor_data(t);
    for (int i = 0; i < 6; i++) {
        switch (dt) {
        case TFC_DT_FLOAT:
            ((float *)d)[i] = i == 5 ? NAN : -1.25f * (float)i;
            break;
        case TFC_DT_DOUBLE:
            ((double *)d)[i] = i == 5 ? -INFINITY : 1e300 / (i + 1);
            break;
        case TFC_DT_INT32:
            ((int32_t *)d)[i] = i == 5 ? INT32_MIN : i * 1000 - 2000;
            break;
        case TFC_DT_UINT8:
            ((uint8_t *)d)[i] = (uint8_t)(i * 51);
            break;
        case TFC_DT_INT16:
            ((int16_t *)d)[i] = (int16_t)(i == 5 ? INT16_MIN : i - 3);
            break;
        case TFC_DT_INT8:
            ((int8_t *)d)[i] = (int8_t)(i == 5 ? -128 : 127 - i);
            break;
        case TFC_DT_INT64:
            ((int64_t *)d)[i] = i == 5 ? INT64_MIN : (int64_t)i << 40;
            break;
        case TFC_DT_BOOL:
            ((uint8_t *)d)[i] = i % 2;
            break;
        case TFC_DT_BFLOAT16:
        case TFC_DT_HALF:
            ((uint16_t *)d)[i] = (uint16_t)(0x3c00 + i * 0x2001);
            break;
        case TFC_DT_UINT16:
            ((uint16_t *)d)[i] = (uint16_t)(65535 - i * 7);
            break;
        case TFC_DT_UINT32:
            ((uint32_t *)d)[i] = UINT32_MAX - (uint32_t)i;
            break;
        case TFC_DT_UINT64:
            ((uint64_t *)d)[i] = UINT64_MAX - (uint64_t)i;
            break;
        case TFC_DT_STRING: {
            char v[16];
            snprintf(v, sizeof v, "s%d\xff", i);
            TU_OK(tfc_tensor_set_string(t, i, v, i == 3 ? 0 : strlen(v), &st));
            break;
        }
        default:
            fail_msg("no tt_sample for %d", (int)dt);
        }
    }
    return t;
}
