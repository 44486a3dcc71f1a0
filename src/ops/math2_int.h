/* The math2 family's private contract (src/ops/math2_*.c): the kernels math2_ops.c attaches to its
 * table and the gradient builders, following TF's math_grad.py, array_grad.py and nn_grad.py.
 * The ops are the ones training code needs beyond the math family: rounding (Floor, Ceil,
 * Round), Cos, Sin, Log1p, FloorDiv, FloorMod, DivNoNan, Range, Rank, StopGradient, L2Loss. */
#ifndef TFC_MATH2_INT_H
#define TFC_MATH2_INT_H

#include "graph/op_def.h"
#include "runtime/kernel.h"

/* ---- Kernels (math2_kernels.c) ---- */
extern const tfc_kernel tfc__kernel_floor;
extern const tfc_kernel tfc__kernel_ceil;
extern const tfc_kernel tfc__kernel_round;
extern const tfc_kernel tfc__kernel_cos;
extern const tfc_kernel tfc__kernel_sin;
extern const tfc_kernel tfc__kernel_log1p;
extern const tfc_kernel tfc__kernel_floor_div;
extern const tfc_kernel tfc__kernel_floor_mod;
extern const tfc_kernel tfc__kernel_div_no_nan;
extern const tfc_kernel tfc__kernel_range;
extern const tfc_kernel tfc__kernel_rank;
extern const tfc_kernel tfc__kernel_stop_gradient;
extern const tfc_kernel tfc__kernel_l2_loss;

/* Range's element count as TF computes it (integers: ceil of |limit - start| / |delta| without
 * rounding error; floats: ceil(|(limit - start) / delta|)); false with a message of TF's words
 * in msg when the arguments are inconsistent ("Requires start <= limit when delta > 0: 5/3",
 * "Requires delta != 0") or the count does not fit an int64. Shared by the kernel and the shape
 * function (which uses it when all three inputs are constants). */
bool tfc__range_size(const tfc_tensor *start, const tfc_tensor *limit, const tfc_tensor *delta,
                     int64_t *size, char *msg, size_t n);

/* ---- Gradient builders (math2_grads.c) ---- */
void tfc__grad_cos(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sin(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_log1p(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_floor_mod(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_div_no_nan(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_l2_loss(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

#endif
