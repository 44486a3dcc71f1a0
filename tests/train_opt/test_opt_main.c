/* The optimizer part's test program: the Apply* kernels, minimize and its relatives, and models
 * that must fit. */
#include "opt_tests.h"

int main(void) {
    return to_run_kernels() + to_run_minimize() + to_run_fit();
}
