/* Elementwise unary kernels shared by the base and math families: a loop per dtype, picked by the
 * input's dtype and split over the session's pool. */
#ifndef TFC_UNARY_H
#define TFC_UNARY_H

#include "runtime/kernel.h"

typedef void (*tfc__unary_fn)(const void *x, void *y, int64_t n);

/* Defines static void NAME(x, y, n) computing y[i] = EXPR with `a` = x[i] of type T. */
#define TFC__UNARY_LOOP(NAME, T, EXPR)                                                             \
    static void NAME(const void *xv, void *yv, int64_t n) {                                        \
        const T *x = xv;                                                                           \
        T *y = yv;                                                                                 \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T a = x[i];                                                                      \
            y[i] = EXPR;                                                                           \
        }                                                                                          \
    }

/* An op's loops per dtype (NULL where it has none). */
typedef struct tfc__unary_op {
    const char *name;
    tfc__unary_fn f32, f64, i32, i64;
} tfc__unary_op;

/* Output 0 = op applied to input 0; UNIMPLEMENTED naming the op for a dtype it lacks. */
tfc_code tfc__unary_compute(tfc_kernel_ctx *c, const tfc__unary_op *op);

/* Defines tfc__kernel_NAME running the loops (name, f32, f64, i32, i64) through the driver. */
#define TFC__UNARY_KERNEL(NAME, ...)                                                               \
    static const tfc__unary_op op_##NAME = {__VA_ARGS__};                                          \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        (void)state;                                                                               \
        return tfc__unary_compute(c, &op_##NAME);                                                  \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};

#endif
