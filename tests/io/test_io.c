/* The io part's test executable: gfile and TFRecord groups. */
#include "test_util.h"

int tu_run_gfile(void);
int tu_run_record(void);

int main(void) {
    int failed = 0;
    failed += tu_run_gfile();
    failed += tu_run_record();
    tu_cleanup_tmp();
    return failed ? 1 : 0;
}
