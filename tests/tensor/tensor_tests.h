/* Shared by the tensor part's test files. */
#ifndef TFC_TENSOR_TESTS_H
#define TFC_TENSOR_TESTS_H

#include "test_util.h"
#include "tfc/tensor.h"

/* Fails unless got == code and st's message contains want (when want is not NULL). */
void tt_expect(tfc_code got, const tfc_status *st, tfc_code code, const char *want);
/* A shape from a literal list: TT_SHAPE(2, 3) */
#define TT_SHAPE(...)                                                                              \
    tfc_shape_make((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),                      \
                   (int64_t[]){__VA_ARGS__})

/* ---- a minimal protobuf writer, independent of the code under test ---- */
typedef struct tt_pbw {
    uint8_t b[4096];
    size_t n;
} tt_pbw;

void tt_w_raw(tt_pbw *w, const void *p, size_t n);
void tt_w_varint(tt_pbw *w, uint64_t v);
void tt_w_tag(tt_pbw *w, unsigned field, unsigned wire_type);
void tt_w_int(tt_pbw *w, unsigned field, int64_t v);                 /* a varint field */
void tt_w_bytes(tt_pbw *w, unsigned field, const void *p, size_t n); /* length-delimited */
void tt_w_msg(tt_pbw *w, unsigned field, const tt_pbw *sub);
void tt_w_shape(tt_pbw *w, int rank, const int64_t *dims);               /* tensor_shape = 2 */
void tt_w_packed(tt_pbw *w, unsigned field, const int64_t *v, size_t n); /* packed varints */

/* ---- TensorProto helpers ---- */
tfc_tensor *tt_parse_ok(const void *data, size_t n); /* fails the test on error */
void tt_parse_fails(const tt_pbw *w, tfc_code code, const char *want);
void tt_expect_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t want_n);
/* to_proto with tensor_content and with typed values, parse back, check equal. */
void tt_round_trip(const tfc_tensor *t);
/* A [2,3] tensor of dt with values that exercise the type's range. */
tfc_tensor *tt_sample(tfc_dtype dt);

int tt_run_json(void);
int tt_run_proto(void);
int tt_run_proto_bad(void);

#endif
