/* The runtime part's test executable: kernels (test_kernels.c), sessions (test_session.c) and
 * variables (test_variables.c). */
#include "runtime_tests.h"

int main(void) {
    int failed = 0;
    failed += tr_run_kernels();
    failed += tr_run_session();
    failed += tr_run_variables();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
