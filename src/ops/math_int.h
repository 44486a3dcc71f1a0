/* The math family's private contract (src/ops/math_*.c): the N-ary broadcasting driver its
 * kernels share, the kernels src/ops/math_ops.c attaches to its table, and the gradient builders.
 *
 * Broadcasting (math_bcast.c) follows NumPy and TF's BCast: shapes right-aligned, a missing or
 * size-1 dim stretches. Adjacent dims in which every input behaves alike (varies, or stays put)
 * are merged, so a same-shape or scalar case is one flat run. A kernel supplies a row function
 * that computes one innermost run; each input's stride in it is 0 (broadcast) or 1. */
#ifndef TFC_MATH_INT_H
#define TFC_MATH_INT_H

#include "graph/op_def.h"
#include "runtime/kernel.h"

#define TFC__MB_MAX_IN 3

typedef struct tfc__mbcast {
    int nin;  /* 1..TFC__MB_MAX_IN */
    int rank; /* merged rank, >= 1 */
    int64_t dims[TFC_MAX_RANK];
    int64_t strides[TFC__MB_MAX_IN][TFC_MAX_RANK]; /* elements; 0 where input k is stretched */
    int64_t n;                                     /* elements of the broadcast shape */
} tfc__mbcast;

/* Row function: out[i] = f(in[0][i * s[0]], in[1][i * s[1]], ...) for i < n; ctx is the
 * kernel's (may be NULL). */
typedef void (*tfc__mrow_fn)(const void *ctx, const char *const *in, const int64_t *s, char *out,
                             int64_t n);

/* The broadcast shape of nin input shapes into *out and the merged plan into *b. Returns true, or
 * false when the shapes do not broadcast (no error recorded: the caller words it). */
bool tfc__mbcast_make(int nin, const tfc_shape *const *in, tfc_shape *out, tfc__mbcast *b);

/* "Incompatible shapes: [2,3] vs. [4]" (TF's BCast message), recorded on c as INVALID_ARGUMENT. */
tfc_code tfc__mbcast_fail(tfc_kernel_ctx *c, int nin, const tfc_shape *const *in);

/* Runs fn over the broadcast, split over the session's pool when large. in[k] are the inputs'
 * data, es[k] their element sizes; out (element size oes) has b->n elements. */
void tfc__mbcast_run(tfc_kernel_ctx *c, const tfc__mbcast *b, const void *const *in,
                     const size_t *es, void *out, size_t oes, tfc__mrow_fn fn, const void *ctx);

/* ---- Kernels (math_binary.c, math_logic.c, math_unary.c, math_cast.c, math_reduce.c) ---- */
extern const tfc_kernel tfc__kernel_maximum;
extern const tfc_kernel tfc__kernel_minimum;
extern const tfc_kernel tfc__kernel_squared_difference;
extern const tfc_kernel tfc__kernel_pow;
extern const tfc_kernel tfc__kernel_equal;
extern const tfc_kernel tfc__kernel_not_equal;
extern const tfc_kernel tfc__kernel_less;
extern const tfc_kernel tfc__kernel_less_equal;
extern const tfc_kernel tfc__kernel_greater;
extern const tfc_kernel tfc__kernel_greater_equal;
extern const tfc_kernel tfc__kernel_logical_and;
extern const tfc_kernel tfc__kernel_logical_or;
extern const tfc_kernel tfc__kernel_logical_not;
extern const tfc_kernel tfc__kernel_select;
extern const tfc_kernel tfc__kernel_select_v2;

extern const tfc_kernel tfc__kernel_abs;
extern const tfc_kernel tfc__kernel_sign;
extern const tfc_kernel tfc__kernel_sqrt;
extern const tfc_kernel tfc__kernel_rsqrt;
extern const tfc_kernel tfc__kernel_exp;
extern const tfc_kernel tfc__kernel_log;
extern const tfc_kernel tfc__kernel_reciprocal;
extern const tfc_kernel tfc__kernel_sqrt_grad;
extern const tfc_kernel tfc__kernel_rsqrt_grad;
extern const tfc_kernel tfc__kernel_reciprocal_grad;
extern const tfc_kernel tfc__kernel_cast;

extern const tfc_kernel tfc__kernel_mean;
extern const tfc_kernel tfc__kernel_max;
extern const tfc_kernel tfc__kernel_min;
extern const tfc_kernel tfc__kernel_prod;
extern const tfc_kernel tfc__kernel_arg_max;
extern const tfc_kernel tfc__kernel_arg_min;

/* ---- Gradient builders (math_grads.c), TF's math_grad.py ---- */
void tfc__grad_maximum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_minimum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_squared_difference(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_pow(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_select(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_select_v2(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_abs(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sign(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sqrt(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_rsqrt(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_exp(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_log(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_reciprocal(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_cast(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_mean(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_max_min(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_prod(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

#endif
