/* A test-only trace hook: when a test installs tfc__trace, the runtime reports each kernel it runs
 * and the gradient machinery each gradient it builds, so tests/ops/test_registry.c can check that
 * every registered op's kernel ran, and every gradient was built inside tfc_compute_gradient_error,
 * somewhere in the test suite. Null (one predictable branch per kernel) everywhere else. */
#ifndef TFC_BASE_TRACE_H
#define TFC_BASE_TRACE_H

typedef enum tfc__trace_kind {
    TFC_TRACE_KERNEL,      /* op's kernel computed */
    TFC_TRACE_GRAD,        /* op's gradient builder ran */
    TFC_TRACE_CHECK_BEGIN, /* tfc_compute_gradient_error starts (op = NULL) */
    TFC_TRACE_CHECK_END,   /* ... and succeeded (op = "ok") or failed (op = NULL) */
} tfc__trace_kind;

extern void (*tfc__trace)(tfc__trace_kind kind, const char *op);

#endif
