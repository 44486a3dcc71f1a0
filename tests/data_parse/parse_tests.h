/* Shared by the data_parse test files: the groups main runs, and helpers that build serialized
 * examples and check output tensors. */
#ifndef TFC_PARSE_TESTS_H
#define TFC_PARSE_TESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "test_util.h"
#include "tfc/data_parse.h"
#include "tfc/example.h"
#include "tfc/tensor.h"

int pt_run_values(void);   /* test_parse_values.c: what comes out, TF's semantics */
int pt_run_errors(void);   /* test_parse_errors.c: every error and its message */
int pt_run_sequence(void); /* test_parse_sequence.c: SequenceExamples */

/* A serialized message: p owned (tfc_free via pt_bufs_free). */
typedef struct pt_buf {
    uint8_t *p;
    size_t n;
} pt_buf;

/* Serializes ex and frees it. */
pt_buf pt_ser(tfc_example *ex);
pt_buf pt_ser_seq(tfc_sequence_example *se);
void pt_bufs_free(pt_buf *b, int n);
/* A DT_STRING vector [n] of the buffers' bytes. */
tfc_tensor *pt_batch(const pt_buf *b, int n);

/* A new Example holding one feature (more can be added with tfc_example_set_*). */
tfc_example *pt_ex_floats(const char *key, const float *v, size_t n);
tfc_example *pt_ex_int64s(const char *key, const int64_t *v, size_t n);
tfc_example *pt_ex_strs(const char *key, const char *const *v, size_t n);

/* Shapes, briefly: pt_shape(2, 3, 4) is [3,4]; pt_shape(0) a scalar. */
tfc_shape pt_shape(int rank, ...);

/* Fail unless t has the shape (rank, dims...) given by want and these values. */
void pt_check_shape(const tfc_tensor *t, tfc_dtype dt, tfc_shape want);
void pt_check_f32(const tfc_tensor *t, tfc_shape want, const float *v);
void pt_check_i64(const tfc_tensor *t, tfc_shape want, const int64_t *v);
void pt_check_str(const tfc_tensor *t, tfc_shape want, const char *const *v);

/* Fails unless code is INVALID_ARGUMENT, st's message contains want, and out[0..n) is all NULL. */
void pt_check_err(tfc_code code, const tfc_status *st, const char *want, const tfc_parsed *out,
                  int n);

#endif
