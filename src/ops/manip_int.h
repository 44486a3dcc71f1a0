/* The manip family's private contract (src/ops/manip_*.c): ops that move elements without
 * computing on them — Squeeze, Transpose, ConcatV2, Pack, Unpack, Tile, Slice, StridedSlice (and
 * StridedSliceGrad), OneHot. Kernels copy bytes, so they serve every fixed-size dtype; strings are
 * refused with UNIMPLEMENTED. The StridedSlice index rules (TF's ValidateStridedSliceOp) live here
 * once, used by both the shape function and the kernels. */
#ifndef TFC_MANIP_INT_H
#define TFC_MANIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/op_def.h"
#include "runtime/kernel.h"

/* Element i of an int32 or int64 tensor as int64. */
int64_t tfc__manip_int_at(const tfc_tensor *t, int64_t i);

/* Copies a rank-`rank` box of dims[] elements of esz bytes from src to dst; the strides are in
 * elements and may be 0 (Tile) or negative (StridedSlice). rank 0 copies one element. */
void tfc__manip_copy(char *dst, const int64_t *dst_strides, const char *src,
                     const int64_t *src_strides, const int64_t *dims, int rank, size_t esz);

/* Row-major element strides of a shape (fully defined). */
void tfc__manip_strides(const tfc_shape *s, int64_t *strides);

/* A StridedSlice resolved against an input shape: for each input dim, the first index, the step
 * and the number of elements taken ("processing shape"), and the output shape (shrunk dims
 * dropped, new axes inserted). Input dims of -1 (shape inference) give -1 in the sizes. */
typedef struct tfc_slice_spec {
    int rank; /* input rank */
    int64_t begin[TFC_MAX_RANK], stride[TFC_MAX_RANK], size[TFC_MAX_RANK];
    tfc_shape out;
} tfc_slice_spec;

typedef struct tfc_slice_masks {
    int64_t begin, end, ellipsis, new_axis, shrink;
} tfc_slice_masks;

/* Reads the five *_mask attrs of a StridedSlice or StridedSliceGrad node. */
void tfc__slice_masks(const tfc_node *n, tfc_slice_masks *m);

/* Resolves begin/end/strides (int32 or int64 vectors of equal length) against input shape in.
 * false with a message in err (TF's wording) when they do not fit. */
bool tfc__slice_resolve(const tfc_shape *in, const tfc_tensor *begin, const tfc_tensor *end,
                        const tfc_tensor *strides, const tfc_slice_masks *m, tfc_slice_spec *spec,
                        char *err, size_t errn);

/* Kernels (manip_kernels.c, manip_slice.c). */
extern const tfc_kernel tfc__kernel_squeeze, tfc__kernel_transpose, tfc__kernel_invert_permutation,
    tfc__kernel_concat_v2, tfc__kernel_concat_offset, tfc__kernel_pack, tfc__kernel_unpack,
    tfc__kernel_tile, tfc__kernel_slice, tfc__kernel_strided_slice, tfc__kernel_strided_slice_grad,
    tfc__kernel_one_hot;

/* Gradients (manip_grads.c), after TF's array_grad.py. */
void tfc__grad_squeeze(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_transpose(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_concat_v2(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_pack(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_unpack(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_tile(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_slice(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_strided_slice(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_strided_slice_grad(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

#endif
