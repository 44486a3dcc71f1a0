/* Shared helpers of the data part's tests. */
#ifndef TFC_DATA_TESTS_H
#define TFC_DATA_TESTS_H

#include "test_util.h"
#include "tfc/data.h"

/* Runs an iterator over ds to the end and stores component `comp` of each element (an int64
 * scalar) in out[0..max); returns the count; fails the test on any error. */
int64_t td_collect(tfc_dataset *ds, int comp, int64_t *out, int64_t max);
/* Next element's int64 scalar component 0 from it (fails the test at the end or on error). */
int64_t td_next_i64(tfc_iterator *it);
/* range(0, n). */
tfc_dataset *td_range(int64_t n);
/* Checks v[0..n) == want[0..n). */
void td_expect(const int64_t *v, int64_t n, const int64_t *want, int64_t nwant);

void test_sources(void **state);
void test_take_skip_repeat(void **state);
void test_shard_kfold(void **state);
void test_batch_padded_unbatch(void **state);
void test_batch_eager(void **state);
void test_shuffle(void **state);
void test_map_filter(void **state);
void test_parallel_map_order(void **state);
void test_interleave(void **state);
void test_zip_concat_enumerate(void **state);
void test_errors_surface(void **state);
void test_save_restore(void **state);
void test_tfrecord_files(void **state);
void test_cache(void **state);
void test_map_graph_and_feeds(void **state);
void test_determinism(void **state);
void test_review_regressions(void **state);

#endif
