/* The tf.train update ops' shape function and CPU kernels (src/ops/train_kernels.c), listed in the
 * state family's table (src/ops/state_ops.c). One kernel serves an op's ref version (ApplyAdam,
 * which outputs the variable's ref) and its resource version (ResourceApplyAdam, no outputs). */
#ifndef TFC_TRAIN_KERNELS_H
#define TFC_TRAIN_KERNELS_H

#include "graph/op_def.h"
#include "runtime/kernel.h"

/* The Apply* ops' shapes, read from the op's signature: the ref/resource inputs (the variable and
 * its slots) and the input named grad or delta must agree; every other input must be a scalar.
 * Output 0 (ref versions) is the merged shape. */
tfc_code tfc__shape_apply(tfc_shape_ctx *c);

extern const tfc_kernel tfc__kernel_apply_gradient_descent;
extern const tfc_kernel tfc__kernel_apply_momentum;
extern const tfc_kernel tfc__kernel_apply_adam;
extern const tfc_kernel tfc__kernel_apply_rms_prop;
extern const tfc_kernel tfc__kernel_apply_adagrad;

#endif
