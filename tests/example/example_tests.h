/* Shared by the example part's test files: the groups main runs and a few helpers. */
#ifndef TFC_EXAMPLE_TESTS_H
#define TFC_EXAMPLE_TESTS_H

#include <stdint.h>
#include <stddef.h>

#include "test_util.h"
#include "tfc/example.h"

int tu_run_example_wire(void);   /* test_example.c: build, parse, serialize */
int tu_run_example_views(void);  /* test_example_views.c: text, JSON, key trees */
int tu_run_example_files(void);  /* test_example_files.c: the real TFRecord files */
int tu_run_example_decode(void); /* test_example_decode.c: protobuf's parsing rules */

/* Parses n bytes as an Example, failing the test on error. */
tfc_example *ex_parse_ok(const void *data, size_t n);
/* Serializes, failing the test on error; free with tfc_free. */
uint8_t *ex_serialize_ok(const tfc_example *ex, size_t *n);
/* Fails unless st->msg contains want. */
void ex_assert_msg(const tfc_status *st, const char *want);

#endif
