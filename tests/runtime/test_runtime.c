/* The runtime part's test executable: kernels (test_kernels.c), sessions (test_session.c),
 * variables (test_variables.c) and epilogue fusion (test_fusion.c). */
#include "runtime_tests.h"

int main(void) {
    int failed = 0;
    failed += tr_run_kernels();
    failed += tr_run_session();
    failed += tr_run_variables();
    failed += tr_run_fusion();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
