/* Shared helpers of the manip family's tests: random tensors, building one node over Placeholders
 * (data) and Consts (indices, so shape inference sees their values), running its kernel with
 * tfc__kernel_run, and multi-index arithmetic for the reference loops written in the tests. */
#ifndef TFC_MANIP_TESTS_H
#define TFC_MANIP_TESTS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

int tm_run_kernels(void);
int tm_run_slices(void);
int tm_run_grads(void);

/* ---- Random numbers (xorshift64*, reproducible) ---- */
typedef struct tm_rng {
    uint64_t s;
} tm_rng;

static inline uint64_t tm_next(tm_rng *r) {
    r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}
/* Uniform integer in [lo, hi]. */
static inline int64_t tm_int(tm_rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)(tm_next(r) % (uint64_t)(hi - lo + 1));
}

/* A tensor of dt (double, float, int64, int32, uint8 or int8) with random values. */
tfc_tensor *tm_random(tm_rng *r, tfc_dtype dt, int rank, const int64_t *dims);
/* An int32 (or int64 when i64) vector, or a scalar when n < 0 (v[0]). */
tfc_tensor *tm_ints(const int64_t *v, int n, bool i64);

/* A node of op over inputs: each tensor in[i] becomes a Const when is_const[i] (value known to
 * shape inference), else a Placeholder of its dtype and shape; attrs set by fn(b, ctx). */
typedef void (*tm_attrs_fn)(tfc_node_builder *b, const void *ctx);
tfc_node *tm_node(tfc_graph *g, const char *op, tfc_tensor *const *in, const bool *is_const,
                  int nin, int list_n, tm_attrs_fn fn, const void *ctx);
/* Runs node's kernel on in; asserts success; out[] get new references. */
void tm_run(const tfc_node *n, tfc_tensor *const *in, int nin, tfc_tensor **out, int nout);
/* Asserts the static shape of output i of n equals the kernel result's shape. */
void tm_assert_static_shape(tfc_node *n, int i, const tfc_tensor *t);

/* Row-major flat index <-> multi-index. */
void tm_unravel(int64_t i, const tfc_shape *s, int64_t *idx);
int64_t tm_ravel(const int64_t *idx, const tfc_shape *s);
/* Asserts got[i] == the element of src at want_idx(i) bitwise, for every i: src_index(i) gives the
 * flat source index for output flat index i (or -1 for "must be zero"). */
void tm_assert_gather(const char *what, const tfc_tensor *got, const tfc_tensor *src,
                      int64_t (*src_index)(const void *ctx, const int64_t *out_idx),
                      const void *ctx);

/* Asserts the status has this code and its message contains frag. */
#define TM_EXPECT(st, want, frag)                                                                  \
    do {                                                                                           \
        if ((st).code != (want) || !strstr((st).msg, (frag)))                                      \
            fail_msg("expected %s containing \"%s\", got %s: %s", tfc_code_name(want), (frag),     \
                     tfc_code_name((st).code), (st).msg);                                          \
    } while (0)

#endif
