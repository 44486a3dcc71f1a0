/* Shared helpers for the unit tests (cmocka). */
#ifndef TFC_TEST_UTIL_H
#define TFC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfc/base.h"

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

/* Fails the test with the status message if code is not OK. */
#define TU_OK(expr)                                                                                \
    do {                                                                                           \
        tfc_status tu_st_ = {0};                                                                   \
        (void)tu_st_;                                                                              \
        tfc_code tu_c_ = (expr);                                                                   \
        if (tu_c_ != TFC_OK) fail_msg("%s -> %s", #expr, tfc_code_name(tu_c_));                    \
    } while (0)

/* cmocka setup/teardown pair that asserts each test ends with the live allocations it began with.
 */
int tu_leak_setup(void **state);
int tu_leak_teardown(void **state);
#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_leak_setup, tu_leak_teardown)

#endif
