/* Row and batch conversions of tensors for the data part (rows.c). */
#ifndef TFC_DATA_ROWS_H
#define TFC_DATA_ROWS_H

#include "tfc/tensor.h"

/* A new tensor holding row i of t (shape t.dims[1:]); INVALID_ARGUMENT for a scalar or bad i. */
tfc_code tfc__row_get(const tfc_tensor *t, int64_t i, tfc_tensor **out, tfc_status *st);
/* A new [n, ...] tensor stacking rows[0..n) (n >= 1), which must share dtype and shape;
 * INVALID_ARGUMENT naming `what` and both shapes otherwise. */
tfc_code tfc__rows_stack(tfc_tensor *const *rows, int64_t n, const char *what, tfc_tensor **out,
                         tfc_status *st);
/* A new [n, ...] tensor for n rows like row (same dtype, row's shape after the first dim),
 * unfilled (empty strings); tfc__rows_put copies row into its row i (shape and dtype as checked by
 * the caller). RESOURCE_EXHAUSTED when out of memory. */
tfc_code tfc__rows_new(const tfc_tensor *row, int64_t n, tfc_tensor **out, tfc_status *st);
tfc_code tfc__rows_put(tfc_tensor *t, int64_t i, const tfc_tensor *row, tfc_status *st);
/* A new tensor holding the first n rows of t (n <= t's first dim). */
tfc_code tfc__rows_prefix(const tfc_tensor *t, int64_t n, tfc_tensor **out, tfc_status *st);
/* Like tfc__rows_stack for rows of equal rank and dtype but any dims: each padded to `padded`
 * (rank -1 or dims -1: the longest in the batch) with pad_value (NULL: zeros/""); *lengths gets an
 * int64 [n, rank] tensor of the original dims. */
tfc_code tfc__rows_pad_stack(tfc_tensor *const *rows, int64_t n, const tfc_shape *padded,
                             const tfc_tensor *pad_value, const char *what, tfc_tensor **out,
                             tfc_tensor **lengths, tfc_status *st);

#endif
