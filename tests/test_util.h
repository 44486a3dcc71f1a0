/* Shared helpers for the unit tests (cmocka). */
#ifndef TFC_TEST_UTIL_H
#define TFC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

/* Path of a file under ../shared/testdata (from $TFC_TESTDATA); returns a static buffer slot
 * (8 rotating slots, so several can be alive at once). */
const char *tu_testdata(const char *rel);
/* A fresh empty directory under $TMPDIR for this test process (removed by tu_cleanup_tmp). */
const char *tu_tmpdir(void);
/* Path inside tu_tmpdir(); rotating static slots like tu_testdata. */
const char *tu_tmp(const char *name);
/* Reads a whole file with stdio (independent of the code under test); caller frees with free(). */
uint8_t *tu_read_file(const char *path, size_t *n);
/* Writes bytes to a file with stdio. */
void tu_write_file(const char *path, const void *data, size_t n);
/* Removes the temporary directory tree. */
void tu_cleanup_tmp(void);

/* A new tensor of dtype dt (float, double, int8..int64, uint8..uint64, bool) and the given dims
 * holding v[0..n) converted (v NULL: zeros; fails the test for other dtypes). */
tfc_tensor *tu_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v);
/* A scalar of tu_tensor's dtypes. */
tfc_tensor *tu_scalar(tfc_dtype dt, double v);

/* Element i of a numeric or bool tensor as a double (fails the test for other dtypes). */
double tu_at(const tfc_tensor *t, int64_t i);

/* A Const named "c" holding t, whose reference it takes. */
tfc_out tu_const_owned(tfc_graph *g, tfc_tensor *t);
/* A node of op over inputs in[0..n), no attrs, auto-named; its output 0. */
tfc_out tu_node(tfc_graph *g, const char *op, const tfc_out *in, int n);
/* Checks dy/dx at xv with tfc_compute_gradient_error (delta 1e-6, tolerance 1e-6), failing the
 * test with `what`; consumes xv and frees g. */
void tu_check_gradient(tfc_graph *g, tfc_out x, tfc_tensor *xv, tfc_out y, const char *what);

/* Fails the test with the status message if code is not OK. */
#define TU_OK(expr)                                                                                \
    do {                                                                                           \
        tfc_status tu_st_ = {0};                                                                   \
        (void)tu_st_;                                                                              \
        tfc_code tu_c_ = (expr);                                                                   \
        if (tu_c_ != TFC_OK) fail_msg("%s -> %s", #expr, tfc_code_name(tu_c_));                    \
    } while (0)

/* Runs one op's kernel outside a session: Placeholders shaped like the inputs (of unknown shape
 * when static_unknown), the op built on them with attrs set by fn(b, ctx) (fn may be NULL), then
 * tfc__kernel_run on pool (NULL: one thread). out[k] get new references. */
typedef void (*tu_attrs_fn)(tfc_node_builder *b, const void *ctx);
tfc_code tu_run_op(tfc_threadpool *pool, const char *op, const tfc_tensor *const *in, int nin,
                   tu_attrs_fn fn, const void *ctx, tfc_tensor **out, int nout, bool static_unknown,
                   tfc_status *st);

/* cmocka setup/teardown pair that asserts each test ends with the live allocations it began with.
 */
int tu_leak_setup(void **state);
int tu_leak_teardown(void **state);
#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_leak_setup, tu_leak_teardown)

#endif
