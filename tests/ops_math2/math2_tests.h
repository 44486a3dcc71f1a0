/* Shared helpers of the math2 op family's tests: tensors of float32, float64, int32, int64 or
 * bool built from double values, running one node's kernel on Placeholders (tu_run_op), and
 * closeness checks that name the first element that differs. References are plain loops in the
 * tests themselves. */
#ifndef TFC_MATH2_TESTS_H
#define TFC_MATH2_TESTS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

int m2_run_kernels(void);
int m2_run_binary(void);
int m2_run_grads(void);


/* Runs op's kernel on in[0..nin) (Placeholders of their shapes, or of unknown shape with
 * static_unknown) with attrs from fn; fails the test on error. out[k] are new references. */
void m2_run(const char *op, const tfc_tensor *const *in, int nin, tu_attrs_fn fn, const void *ctx,
            tfc_tensor **out, int nout, bool static_unknown);
/* The same, returning the code and status instead of failing. */
tfc_code m2_try(const char *op, const tfc_tensor *const *in, int nin, tfc_tensor **out, int nout,
                tfc_status *st);

/* Asserts got has n elements equal to want within atol + rtol * |want| (NaN matches NaN, an
 * infinity must match exactly), naming the first that is not. */
void m2_assert_close(const char *what, const tfc_tensor *got, const double *want, int64_t n,
                     double atol, double rtol);

/* Asserts the status has code want and its message contains frag. */
void m2_expect(const tfc_status *st, tfc_code want, const char *frag);

#endif
