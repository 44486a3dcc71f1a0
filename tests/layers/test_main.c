/* The layers part's test runner. */
#include "layers_tests.h"

int main(void) {
    int failed = 0;
    failed += tl_run_names();
    failed += tl_run_init();
    failed += tl_run_compute();
    failed += tl_run_bn_dropout();
    failed += tl_run_reg_grad();
    return failed ? 1 : 0;
}
