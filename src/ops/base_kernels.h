/* The CPU kernels of the base family (src/ops/base_ops.c attaches them): graph inputs, constants
 * and shapes in base_kernels.c; arithmetic, activations and MatMul in math_kernels.c. */
#ifndef TFC_BASE_KERNELS_H
#define TFC_BASE_KERNELS_H

#include "runtime/kernel.h"

extern const tfc_kernel tfc__kernel_placeholder;
extern const tfc_kernel tfc__kernel_placeholder_with_default;
extern const tfc_kernel tfc__kernel_const;
extern const tfc_kernel tfc__kernel_identity; /* also IdentityN: every input to its output */
extern const tfc_kernel tfc__kernel_shape;
extern const tfc_kernel tfc__kernel_reshape;

extern const tfc_kernel tfc__kernel_add; /* Add and AddV2 */
extern const tfc_kernel tfc__kernel_sub;
extern const tfc_kernel tfc__kernel_mul;
extern const tfc_kernel tfc__kernel_real_div;
extern const tfc_kernel tfc__kernel_add_n;
extern const tfc_kernel tfc__kernel_relu;
extern const tfc_kernel tfc__kernel_neg;
extern const tfc_kernel tfc__kernel_square;
extern const tfc_kernel tfc__kernel_matmul;

#endif
