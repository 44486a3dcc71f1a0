/* base: status codes, counted allocation, CRC-32C vectors and implementations, varints, pool. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static void test_codes_and_status(void **state) {
    (void)state;
    assert_string_equal(tfc_code_name(TFC_OK), "OK");
    assert_string_equal(tfc_code_name(TFC_DATA_LOSS), "DATA_LOSS");
    assert_string_equal(tfc_code_name(TFC_UNAUTHENTICATED), "UNAUTHENTICATED");
    assert_string_equal(tfc_code_name((tfc_code)99), "UNKNOWN_CODE");
    assert_int_equal(TFC_OUT_OF_RANGE, 11); /* TF's numbers */
    assert_int_equal(TFC_DATA_LOSS, 15);
    tfc_status st;
    assert_int_equal(tfc_status_set(&st, TFC_NOT_FOUND, "no %s at %d", "file", 3), TFC_NOT_FOUND);
    assert_string_equal(st.msg, "no file at 3");
    tfc_status_prefix(&st, "reading %s", "x");
    assert_string_equal(st.msg, "reading x: no file at 3");
    char longs[2000];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    tfc_status_set(&st, TFC_INTERNAL, "%s", longs);
    assert_int_equal(strlen(st.msg), TFC_STATUS_MSG_MAX - 1);
    tfc_status_clear(&st);
    assert_int_equal(st.code, TFC_OK);
    assert_int_equal(tfc_status_set(NULL, TFC_ABORTED, "x"), TFC_ABORTED);
}

static void test_alloc_counters(void **state) {
    (void)state;
    int64_t c0 = tfc_alloc_live_count(), b0 = tfc_alloc_live_bytes();
    char *a = tfc_malloc(100);
    char *z = tfc_calloc(10, 10);
    assert_int_equal(tfc_alloc_live_count(), c0 + 2);
    assert_int_equal(tfc_alloc_live_bytes(), b0 + 200);
    for (int i = 0; i < 100; i++) assert_int_equal(z[i], 0);
    a = tfc_realloc(a, 1000);
    assert_int_equal(tfc_alloc_live_bytes(), b0 + 1100);
    char *s = tfc_strdup("hello");
    assert_string_equal(s, "hello");
    char *s2 = tfc_strndup("hello", 2);
    assert_string_equal(s2, "he");
    void *al = tfc_aligned_alloc(1000);
    assert_int_equal((uintptr_t)al % 64, 0);
    tfc_aligned_free(al);
    tfc_free(a), tfc_free(z), tfc_free(s), tfc_free(s2), tfc_free(NULL);
    assert_null(tfc_calloc(SIZE_MAX / 2, 4)); /* overflow is refused, not wrapped */
    assert_int_equal(tfc_alloc_live_count(), c0);
    assert_int_equal(tfc_alloc_live_bytes(), b0);
}

static void test_crc32c_vectors(void **state) {
    (void)state;
    assert_int_equal(tfc_crc32c("123456789", 9), 0xE3069283u);
    uint8_t zeros[32] = {0};
    assert_int_equal(tfc_crc32c(zeros, 32), 0x8a9136aau); /* RFC 3720 */
    assert_int_equal(tfc_crc32c_extend_portable(0, zeros, 32), 0x8a9136aau);
    assert_int_equal(tfc_crc32c_mask(tfc_crc32c("\x1a\x11"
                                                "CRC test, one two",
                                                19)),
                     0x5794d08au);
    assert_int_equal(tfc_crc32c_unmask(tfc_crc32c_mask(0x12345678u)), 0x12345678u);
    /* The quick_brown_fox header: masked crc of 13 00 00 00 00 00 00 00 is 0x1b32910c. */
    uint8_t len8[8] = {0x13};
    assert_int_equal(tfc_crc32c_mask(tfc_crc32c(len8, 8)), 0x1b32910cu);
    uint8_t ff[32];
    memset(ff, 0xff, sizeof ff);
    assert_int_equal(tfc_crc32c(ff, 32), 0x62a8ab43u); /* RFC 3720 */
}

static void test_crc32c_impls_agree(void **state) {
    (void)state;
    /* Every length up to a few blocks and every alignment: the interleaved SSE4.2 path (both
     * tiers and the combine) must equal the portable tables and byte-at-a-time extension. */
    size_t max = 3 * 4096 * 2 + 777;
    uint8_t *buf = malloc(max + 16);
    uint32_t x = 12345;
    for (size_t i = 0; i < max + 16; i++) x = x * 1103515245 + 12345, buf[i] = (uint8_t)(x >> 16);
    static const size_t lens[] = {0,    1,    7,    8,    9,     255,   767,   768,   769,   1000,
                                  3071, 3072, 3073, 4096, 12287, 12288, 12289, 20000, 24576, 25353};
    for (size_t a = 0; a < 8; a++) {
        for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
            size_t n = lens[k];
            uint32_t hw = tfc_crc32c(buf + a, n), sw = tfc_crc32c_extend_portable(0, buf + a, n);
            assert_int_equal(hw, sw);
            uint32_t split =
                tfc_crc32c_extend(tfc_crc32c(buf + a, n / 3), buf + a + n / 3, n - n / 3);
            assert_int_equal(split, hw);
        }
    }
    free(buf);
    const char *impl = tfc_crc32c_impl();
    assert_true(!strcmp(impl, "sse4.2") || !strcmp(impl, "portable"));
}

static void test_varints(void **state) {
    (void)state;
    static const uint64_t vals[] = {0, 1, 127, 128, 300, 16383, 16384, 1ull << 35, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[TFC_VARINT64_MAX];
        size_t n = tfc_varint_put64(b, vals[i]);
        assert_int_equal(n, tfc_varint_len64(vals[i]));
        uint64_t v;
        assert_int_equal(tfc_varint_get64(b, b + n, &v), n);
        assert_int_equal(v, vals[i]);
        if (n > 1) assert_int_equal(tfc_varint_get64(b, b + n - 1, &v), 0); /* cut short */
    }
    uint8_t b300[2] = {0xac, 0x02};
    uint64_t v;
    assert_int_equal(tfc_varint_get64(b300, b300 + 2, &v), 2);
    assert_int_equal(v, 300);
    uint8_t eleven[11];
    memset(eleven, 0x80, sizeof eleven);
    assert_int_equal(tfc_varint_get64(eleven, eleven + 11, &v), 0); /* too long */
    uint8_t over[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(tfc_varint_get64(over, over + 10, &v), 0); /* overflows 64 bits */
    uint8_t le[8];
    tfc_put_u64le(le, 0x0102030405060708ull);
    assert_int_equal(le[0], 8);
    assert_int_equal(tfc_get_u64le(le), 0x0102030405060708ull);
}

typedef struct sum_ctx {
    _Atomic int64_t sum;
    _Atomic int hits[1000];
} sum_ctx;

static void add_i(void *ctx, int64_t i) {
    sum_ctx *c = ctx;
    atomic_fetch_add(&c->sum, i);
    atomic_fetch_add(&c->hits[i], 1);
}

static void test_threadpool(void **state) {
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        tfc_threadpool *p;
        tfc_status st;
        TU_OK(tfc_threadpool_new(threads, &p, &st));
        assert_int_equal(tfc_threadpool_size(p), threads);
        for (int rep = 0; rep < 50; rep++) {
            sum_ctx *c = calloc(1, sizeof *c);
            tfc_threadpool_parallel_for(p, 1000, add_i, c);
            assert_int_equal(atomic_load(&c->sum), 999 * 1000 / 2);
            for (int i = 0; i < 1000; i++) assert_int_equal(atomic_load(&c->hits[i]), 1);
            free(c);
        }
        tfc_threadpool_parallel_for(p, 0, add_i, NULL);
        tfc_threadpool_free(p);
    }
    setenv("TFC_NUM_THREADS", "3", 1);
    assert_int_equal(tfc_default_num_threads(), 3);
    unsetenv("TFC_NUM_THREADS");
    assert_true(tfc_default_num_threads() >= 1);
    tfc_threadpool_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_codes_and_status), TU_TEST(test_alloc_counters),
        TU_TEST(test_crc32c_vectors),   TU_TEST(test_crc32c_impls_agree),
        TU_TEST(test_varints),          TU_TEST(test_threadpool),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
