/* Shared helpers of the nn op family's tests: random tensors, running one node's kernel on given
 * inputs (a graph of Placeholders feeding the node, run by tfc__kernel_run), and comparisons
 * that say where and by how much two arrays differ. References are plain double loops written in
 * the tests themselves. */
#ifndef TFC_NN_TESTS_H
#define TFC_NN_TESTS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

int tn_run_conv(void);
int tn_run_pool(void);
int tn_run_softmax(void);
int tn_run_act(void);
int tn_run_shapes(void);

/* ---- Random numbers (xorshift64*, reproducible) ---- */
typedef struct tn_rng {
    uint64_t s;
} tn_rng;

static inline double tn_uniform(tn_rng *r, double lo, double hi) {
    r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
    uint64_t v = r->s * 0x2545F4914F6CDD1Dull;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

/* ---- Tensors ---- */

/* A new tensor of dt (float or double) and dims filled from the double values v (NULL: zeros). */
tfc_tensor *tn_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v);
/* A new tensor of uniform random values in [lo, hi); also returns the values in *vals (a new
 * array, free()) when vals is non-NULL. */
tfc_tensor *tn_random(tn_rng *r, tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi,
                      double **vals);
/* An int32 vector. */
tfc_tensor *tn_i32(const int32_t *v, int n);
/* The tensor's values as a new double array (free()). */
double *tn_values(const tfc_tensor *t);

/* ---- Running a node ---- */

/* Sets a node's attrs; ctx is the caller's. */
typedef void (*tn_attrs_fn)(tfc_node_builder *b, const void *ctx);

/* Builds a graph with one Placeholder per input (dtype and shape of the tensor; the shape
 * unknown when static_unknown is set, so the kernel sees shapes the graph did not check), a node
 * of op with those inputs and the attrs set by fn, and runs its kernel on pool (NULL: inline).
 * Returns the code; outputs get new references; st holds the message (graph errors included). */
tfc_code tn_run(const char *op, const tfc_tensor *const *in, int nin, tn_attrs_fn fn,
                const void *ctx, tfc_tensor **out, int nout, tfc_threadpool *pool,
                bool static_unknown, tfc_status *st);

/* Fails the test when the run fails, printing the status. */
#define TN_RUN(op, in, nin, fn, ctx, out, nout, pool)                                              \
    do {                                                                                           \
        tfc_status tn_st_ = {0};                                                                   \
        if (tn_run((op), (in), (nin), (fn), (ctx), (out), (nout), (pool), false, &tn_st_))         \
            fail_msg("%s: %s: %s", (op), tfc_code_name(tn_st_.code), tn_st_.msg);                  \
    } while (0)

/* Asserts that got (n values of a float/double tensor) matches want within atol + rtol * |want|,
 * naming the first index that does not and the largest error. */
void tn_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol);
/* The same for two double arrays. */
void tn_assert_close_arr(const char *what, const double *got, const double *want, int64_t n,
                         double atol, double rtol);

/* Asserts the status has this code and its message contains each fragment. */
#define TN_EXPECT_STATUS(st, want_code, ...)                                                       \
    do {                                                                                           \
        if ((st).code != (want_code))                                                              \
            fail_msg("code %s, want %s (%s)", tfc_code_name((st).code), tfc_code_name(want_code),  \
                     (st).msg);                                                                    \
        const char *tn_frags_[] = {__VA_ARGS__};                                                   \
        for (size_t tn_i_ = 0; tn_i_ < sizeof tn_frags_ / sizeof tn_frags_[0]; tn_i_++)            \
            if (!strstr((st).msg, tn_frags_[tn_i_]))                                               \
                fail_msg("message '%s' lacks '%s'", (st).msg, tn_frags_[tn_i_]);                   \
    } while (0)

/* ---- Window attrs (Conv2D, the pools and their gradients) ---- */
typedef struct tn_win {
    int64_t kh, kw;      /* pools: ksize */
    int64_t sh, sw;      /* strides */
    int64_t dh, dw;      /* convolutions: dilations (0 = 1) */
    const char *padding; /* "SAME", "VALID", "EXPLICIT" */
    int64_t pad[4];      /* EXPLICIT: top, bottom, left, right */
} tn_win;

/* Sets strides, padding, explicit_paddings (EXPLICIT), dilations (conv) or ksize (pool). */
void tn_conv_attrs(tfc_node_builder *b, const void *win);
void tn_pool_attrs(tfc_node_builder *b, const void *win);

/* The test's own window arithmetic (TF's rules, written independently of the library): output
 * size and padding before, for one dim. */
void tn_out_size(const tn_win *w, bool rows, int64_t in, int64_t k, int64_t *out, int64_t *before);

#endif
