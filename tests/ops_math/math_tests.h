/* Shared helpers of the math op family's tests: tensors of any dtype the family handles built from
 * double values, running one node's kernel (Placeholders feeding it, run by tfc__kernel_run), a
 * broadcasting index written independently of the library, and closeness checks. References are
 * plain loops in the tests themselves. */
#ifndef TFC_MATH_TESTS_H
#define TFC_MATH_TESTS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

int mt_run_binary(void);
int mt_run_unary(void);
int mt_run_reduce(void);
int mt_run_grads(void);
int mt_run_shapes(void);

/* ---- Random numbers (xorshift64*, reproducible) ---- */
typedef struct mt_rng {
    uint64_t s;
} mt_rng;

static inline double mt_uniform(mt_rng *r, double lo, double hi) {
    r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
    uint64_t v = r->s * 0x2545F4914F6CDD1Dull;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

/* A new tensor of dt (float, double, int32, int64, uint8, bool) and dims, element i set from
 * v[i] converted to dt (NULL: zeros). */
tfc_tensor *mt_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v);
/* Random values in [lo, hi) (integers for integer dtypes, rounded down; bool 0/1), rounded to dt
 * so *vals (a new array, free(); may be NULL) holds exactly what the tensor holds. */
tfc_tensor *mt_random(mt_rng *r, tfc_dtype dt, int rank, const int64_t *dims, double lo, double hi,
                      double **vals);
/* An int32 vector / scalar (n < 0). */
tfc_tensor *mt_i32(const int32_t *v, int n);

/* The flat index into a tensor of shape in, broadcast to out, of out's flat element i. */
int64_t mt_bcast_index(const tfc_shape *out, const tfc_shape *in, int64_t i);

typedef void (*mt_attrs_fn)(tfc_node_builder *b, const void *ctx);

/* Builds Placeholders (the tensors' dtypes and shapes, or unknown shapes with static_unknown),
 * the node op with attrs from fn, and runs its kernel. Outputs get new references. */
tfc_code mt_run(const char *op, const tfc_tensor *const *in, int nin, mt_attrs_fn fn,
                const void *ctx, tfc_tensor **out, int nout, bool static_unknown, tfc_status *st);

/* The same on a thread pool (NULL: the calling thread). */
tfc_code mt_run_on(tfc_threadpool *pool, const char *op, const tfc_tensor *const *in, int nin,
                   mt_attrs_fn fn, const void *ctx, tfc_tensor **out, int nout, bool static_unknown,
                   tfc_status *st);

#define MT_RUN(op, in, nin, fn, ctx, out, nout)                                                    \
    do {                                                                                           \
        tfc_status mt_st_ = {0};                                                                   \
        if (mt_run((op), (in), (nin), (fn), (ctx), (out), (nout), false, &mt_st_))                 \
            fail_msg("%s: %s: %s", (op), tfc_code_name(mt_st_.code), mt_st_.msg);                  \
    } while (0)

/* Asserts got (any dtype above) has n elements matching want within atol + rtol * |want|
 * (NaN matches NaN), naming the first that does not. */
void mt_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol);

/* Asserts the status has this code and its message contains each fragment. */
#define MT_EXPECT_STATUS(st, want_code, ...)                                                       \
    do {                                                                                           \
        if ((st).code != (want_code))                                                              \
            fail_msg("code %s, want %s (%s)", tfc_code_name((st).code), tfc_code_name(want_code),  \
                     (st).msg);                                                                    \
        const char *mt_frags_[] = {__VA_ARGS__};                                                   \
        for (size_t mt_i_ = 0; mt_i_ < sizeof mt_frags_ / sizeof mt_frags_[0]; mt_i_++)            \
            if (!strstr((st).msg, mt_frags_[mt_i_]))                                               \
                fail_msg("message '%s' lacks '%s'", (st).msg, mt_frags_[mt_i_]);                   \
    } while (0)

#endif
