/* tfc_decode_jpeg and tfc_decode_image on JPEGs written by libjpeg: pixels equal to libjpeg's own
 * decode with TF's settings and close to the source; gray, RGB, CMYK, progressive, subsampled;
 * then truncated, corrupted and hostile files. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>

#include "decode_tests.h"

enum { W = 37, H = 23 };

/* A smooth test picture (JPEG's error stays small on it): comps 1, 3 or 4 (CMYK). */
static uint8_t *picture(int comps) {
    uint8_t *p = malloc((size_t)(W * H * comps));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < comps; c++)
                p[(y * W + x) * comps + c] = (uint8_t)(20 + x * (c + 1) + y * (3 - c % 3) + c * 30);
    return p;
}

static tfc_tensor *decode_ok(const uint8_t *jpg, size_t n, int channels) {
    tfc_status st = {0};
    tfc_tensor *t = NULL;
    if (tfc_decode_jpeg(jpg, n, channels, &t, &st) != TFC_OK)
        fail_msg("decode_jpeg(channels=%d): %s", channels, st.msg);
    return t;
}

/* t must equal libjpeg's decode of jpg to out_cs. */
static void expect_reference(const tfc_tensor *t, const uint8_t *jpg, size_t n, int out_cs) {
    int w, h, comps;
    uint8_t *ref = dd_jpeg_reference(jpg, n, out_cs, &w, &h, &comps, NULL);
    assert_non_null(ref);
    dd_expect_shape(t, TFC_DT_UINT8, 3, (int64_t[]){h, w, comps});
    assert_memory_equal(tfc_tensor_data_const(t), ref, (size_t)(w * h * comps));
    free(ref);
}

/* Mean and largest absolute difference from the source. */
static void expect_close(const tfc_tensor *t, const uint8_t *src, int comps, double mean_max,
                         int abs_max) {
    const uint8_t *d = tfc_tensor_data_const(t);
    long sum = 0;
    int worst = 0, k = W * H * comps;
    for (int i = 0; i < k; i++) {
        int diff = abs((int)d[i] - (int)src[i]);
        sum += diff;
        if (diff > worst) worst = diff;
    }
    if ((double)sum / k > mean_max || worst > abs_max)
        fail_msg("decoded JPEG is %.2f on average and up to %d away from its source",
                 (double)sum / k, worst);
}

static void test_jpeg_rgb(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    for (int prog = 0; prog < 2; prog++)
        for (int sub = 0; sub < 2; sub++) {
            size_t n;
            uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 95, prog, sub, &n);
            tfc_tensor *t = decode_ok(jpg, n, 0);
            expect_reference(t, jpg, n, JCS_RGB);
            expect_close(t, src, 3, 2.0, 12);
            tfc_tensor *t3 = decode_ok(jpg, n, 3);
            assert_true(tfc_tensor_equal(t, t3));
            tfc_tensor *g = decode_ok(jpg, n, 1);
            expect_reference(g, jpg, n, JCS_GRAYSCALE);
            tfc_tensor_unref(t);
            tfc_tensor_unref(t3);
            tfc_tensor_unref(g);
            free(jpg);
        }
    free(src);
}

static void test_jpeg_gray(void **state) {
    (void)state;
    uint8_t *src = picture(1);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 1, JCS_GRAYSCALE, 90, false, true, &n);
    tfc_tensor *g = decode_ok(jpg, n, 0);
    expect_reference(g, jpg, n, JCS_GRAYSCALE);
    expect_close(g, src, 1, 2.0, 16);
    tfc_tensor *rgb = decode_ok(jpg, n, 3);
    expect_reference(rgb, jpg, n, JCS_RGB);
    const uint8_t *a = tfc_tensor_data_const(g), *b = tfc_tensor_data_const(rgb);
    for (int i = 0; i < W * H; i++)
        assert_true(b[3 * i] == a[i] && b[3 * i + 1] == a[i] && b[3 * i + 2] == a[i]);
    tfc_tensor_unref(g);
    tfc_tensor_unref(rgb);
    free(jpg);
    free(src);
}

/* CMYK (libjpeg writes an Adobe marker): TF's conversion to RGB of libjpeg's CMYK output. */
static void test_jpeg_cmyk(void **state) {
    (void)state;
    uint8_t *src = picture(4);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 4, JCS_CMYK, 95, false, false, &n);
    int w, h, comps;
    bool adobe;
    uint8_t *cmyk = dd_jpeg_reference(jpg, n, JCS_CMYK, &w, &h, &comps, &adobe);
    assert_true(cmyk && comps == 4 && adobe);
    tfc_tensor *t = decode_ok(jpg, n, 0);
    dd_expect_shape(t, TFC_DT_UINT8, 3, (int64_t[]){H, W, 3});
    const uint8_t *d = tfc_tensor_data_const(t);
    for (int i = 0; i < W * H; i++) {
        int k = cmyk[4 * i + 3];
        for (int c = 0; c < 3; c++) assert_int_equal(d[3 * i + c], k * cmyk[4 * i + c] / 255);
    }
    tfc_status st = {0};
    tfc_tensor *g;
    dd_expect(tfc_decode_jpeg(jpg, n, 1, &g, &st), &st, TFC_INVALID_ARGUMENT, "Invalid JPEG data");
    assert_null(g);
    tfc_tensor_unref(t);
    free(cmyk);
    free(jpg);
    free(src);
}

/* decode_image's dtypes (uint16 = x * 256, float = x * (float)(1 / 255)) and the decoders'
 * format sniffing (decode_png on a JPEG, decode_jpeg on a PNG), as TF. */
static void test_jpeg_decode_image_and_sniffing(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 80, false, true, &n);
    tfc_status st = {0};
    tfc_tensor *u8 = decode_ok(jpg, n, 0), *a, *u16, *f;
    TU_OK(tfc_decode_image(jpg, n, 0, TFC_DT_UINT8, &a, &st));
    assert_true(tfc_tensor_equal(a, u8));
    tfc_tensor_unref(a);
    TU_OK(tfc_decode_png(jpg, n, 0, TFC_DT_UINT8, &a, &st));
    assert_true(tfc_tensor_equal(a, u8));
    tfc_tensor_unref(a);
    TU_OK(tfc_decode_image(jpg, n, 3, TFC_DT_UINT16, &u16, &st));
    TU_OK(tfc_decode_png(jpg, n, 3, TFC_DT_UINT16, &a, &st));
    assert_true(tfc_tensor_equal(a, u16));
    tfc_tensor_unref(a);
    TU_OK(tfc_decode_image(jpg, n, 0, TFC_DT_FLOAT, &f, &st));
    dd_expect_shape(f, TFC_DT_FLOAT, 3, (int64_t[]){H, W, 3});
    const uint8_t *x = tfc_tensor_data_const(u8);
    const uint16_t *y = tfc_tensor_data_const(u16);
    const float *z = tfc_tensor_data_const(f);
    const float scale = (float)(1.0 / 255);
    for (int i = 0; i < W * H * 3; i++) {
        assert_int_equal(y[i], x[i] * 256);
        assert_true(z[i] == (float)x[i] * scale);
    }
    tfc_tensor_unref(u16);
    tfc_tensor_unref(f);

    /* decode_jpeg on a PNG decodes the PNG */
    dd_png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8, .trns_gray = -1};
    size_t pn;
    uint8_t *png = dd_png_encode(x, W * 3, W, H, &o, &pn);
    tfc_tensor *p = decode_ok(png, pn, 0);
    assert_true(tfc_tensor_equal(p, u8));
    tfc_tensor_unref(p);
    /* 4 channels through decode_jpeg: fine for a PNG, refused for a JPEG */
    TU_OK(tfc_decode_jpeg(png, pn, 4, &p, &st));
    dd_expect_shape(p, TFC_DT_UINT8, 3, (int64_t[]){H, W, 4});
    tfc_tensor_unref(p);
    free(png);

    tfc_tensor_unref(u8);
    free(jpg);
    free(src);
}

static void test_jpeg_channel_errors(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 80, false, true, &n);
    tfc_status st = {0};
    tfc_tensor *t = (tfc_tensor *)&st;
    dd_expect(tfc_decode_jpeg(jpg, n, 4, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "JPEG does not support 4 channels");
    assert_null(t);
    dd_expect(tfc_decode_image(jpg, n, 4, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "JPEG does not support 4 channels");
    dd_expect(tfc_decode_png(jpg, n, 4, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "JPEG does not support 4 channels");
    dd_expect(tfc_decode_jpeg(jpg, n, 2, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "`channels` must be 0, 1, 3 or 4 but got 2");
    dd_expect(tfc_decode_jpeg(jpg, n, 5, &t, &st), &st, TFC_INVALID_ARGUMENT, "but got 5");
    dd_expect(tfc_decode_jpeg(jpg, 0, 0, &t, &st), &st, TFC_INVALID_ARGUMENT, "Input is empty.");
    dd_expect(tfc_decode_jpeg("\xff\xd8\xff", 3, 0, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Invalid JPEG data, size 3");
    assert_null(t);
    free(jpg);
    free(src);
}

/* Every prefix is an error: TF does not recover truncated JPEGs by default, and libjpeg's own
 * gray fill must not leak through. */
static void test_jpeg_truncated(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    for (int prog = 0; prog < 2; prog++) {
        size_t n;
        uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 75, prog, true, &n);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, jpg, cut);
            tfc_status st = {0};
            tfc_tensor *t;
            tfc_code c = tfc_decode_jpeg(p, cut, 0, &t, &st);
            if (c != TFC_INVALID_ARGUMENT)
                fail_msg("cut at %zu of %zu: %s %s", cut, n, tfc_code_name(c), st.msg);
            assert_null(t);
            if (cut >= 3 && !strstr(st.msg, "Invalid JPEG data"))
                fail_msg("cut at %zu: %s", cut, st.msg);
            free(p);
        }
        free(jpg);
    }
    free(src);
}

/* Bit flips: an image (libjpeg decodes past bad entropy data, as in TF) or INVALID_ARGUMENT. */
static void test_jpeg_bit_flips(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    for (int prog = 0; prog < 2; prog++) {
        size_t n;
        uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 75, prog, true, &n);
        uint8_t *p = malloc(n);
        for (size_t i = 0; i < n; i++)
            for (int bit = 0; bit < 8; bit += 2) {
                memcpy(p, jpg, n);
                p[i] ^= (uint8_t)(1u << bit);
                tfc_status st = {0};
                tfc_tensor *t;
                tfc_code c = tfc_decode_jpeg(p, n, (int)(i % 3) == 2 ? 3 : (int)(i % 3), &t, &st);
                if (c == TFC_OK) {
                    assert_int_equal(tfc_tensor_rank(t), 3);
                    tfc_tensor_unref(t);
                } else if (c != TFC_INVALID_ARGUMENT && c != TFC_UNIMPLEMENTED) {
                    fail_msg("flip at %zu bit %d: %s %s", i, bit, tfc_code_name(c), st.msg);
                }
            }
        free(p);
        free(jpg);
    }
    free(src);
}

/* Offset of the first marker FF xx at or after `from`, or 0. */
static size_t find_marker(const uint8_t *p, size_t n, size_t from, uint8_t m) {
    for (size_t i = from; i + 1 < n; i++)
        if (p[i] == 0xff && p[i + 1] == m) return i;
    return 0;
}

static void test_jpeg_huge_dimensions(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 75, false, true, &n);
    size_t sof = find_marker(jpg, n, 2, 0xc0);
    assert_true(sof > 0);
    uint8_t *hw = jpg + sof + 5; /* FF C0, length (2), precision (1), height (2), width (2) */
    tfc_status st = {0};
    tfc_tensor *t;
    int64_t before = tfc_alloc_live_bytes();
    hw[0] = hw[2] = 0xea, hw[1] = hw[3] = 0x60; /* 60000 x 60000 */
    dd_expect(tfc_decode_jpeg(jpg, n, 0, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "JPEG image too large: 60000 x 60000 x 3");
    hw[0] = hw[1] = 0; /* height 0 */
    dd_expect(tfc_decode_jpeg(jpg, n, 0, &t, &st), &st, TFC_INVALID_ARGUMENT, "Invalid JPEG data");
    assert_int_equal(tfc_alloc_live_bytes(), before);
    /* Within the bound, the entropy data far too short but ended by a marker: libjpeg warns
     * ("premature end of data segment") and fills the rest, and TF returns that image. */
    hw[0] = 0x04, hw[1] = 0x00, hw[2] = 0x04, hw[3] = 0x00; /* 1024 x 1024 */
    TU_OK(tfc_decode_jpeg(jpg, n, 0, &t, &st));
    dd_expect_shape(t, TFC_DT_UINT8, 3, (int64_t[]){1024, 1024, 3});
    tfc_tensor_unref(t);
    free(jpg);
    free(src);
}

/* A progressive JPEG whose last scan repeats 1001 times: refused at the scan limit. */
static void test_jpeg_scan_limit(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 75, true, true, &n);
    size_t last = 0;
    for (size_t at = 2; (at = find_marker(jpg, n, at, 0xda)) != 0; at += 2) last = at;
    assert_true(last > 0 && jpg[n - 2] == 0xff && jpg[n - 1] == 0xd9);
    size_t scan = n - 2 - last, reps = TFC_DECODE_MAX_JPEG_SCANS + 1;
    size_t big_n = last + scan * reps + 2;
    uint8_t *big = malloc(big_n);
    memcpy(big, jpg, last);
    for (size_t r = 0; r < reps; r++) memcpy(big + last + r * scan, jpg + last, scan);
    memcpy(big + big_n - 2, "\xff\xd9", 2);
    tfc_status st = {0};
    tfc_tensor *t;
    dd_expect(tfc_decode_jpeg(big, big_n, 0, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "JPEG has more than 1000 scans");
    /* A few repeats are fine (libjpeg only warns about the odd progression). */
    size_t small_n = last + scan * 3 + 2;
    memcpy(big + last + scan * 3, "\xff\xd9", 2);
    TU_OK(tfc_decode_jpeg(big, small_n, 0, &t, &st));
    tfc_tensor_unref(t);
    free(big);
    free(jpg);
    free(src);
}

typedef struct jpeg_thread_arg {
    const uint8_t *jpg;
    size_t n;
    const tfc_tensor *want;
    int failures;
} jpeg_thread_arg;

static void *jpeg_thread(void *p) {
    jpeg_thread_arg *a = p;
    for (int i = 0; i < 200; i++) {
        tfc_status st = {0};
        tfc_tensor *t;
        if (tfc_decode_jpeg(a->jpg, a->n, 0, &t, &st) != TFC_OK || !tfc_tensor_equal(t, a->want))
            a->failures++;
        tfc_tensor_unref(t);
        if (tfc_decode_jpeg(a->jpg, a->n - 10, 0, &t, &st) != TFC_INVALID_ARGUMENT) a->failures++;
    }
    return NULL;
}

static void test_jpeg_threads(void **state) {
    (void)state;
    uint8_t *src = picture(3);
    size_t n;
    uint8_t *jpg = dd_jpeg_encode(src, W, H, 3, JCS_RGB, 85, true, true, &n);
    tfc_tensor *want = decode_ok(jpg, n, 0);
    pthread_t th[4];
    jpeg_thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (jpeg_thread_arg){jpg, n, want, 0};
        pthread_create(&th[i], NULL, jpeg_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    tfc_tensor_unref(want);
    free(jpg);
    free(src);
}

int dd_run_jpeg(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_jpeg_rgb),
        TU_TEST(test_jpeg_gray),
        TU_TEST(test_jpeg_cmyk),
        TU_TEST(test_jpeg_decode_image_and_sniffing),
        TU_TEST(test_jpeg_channel_errors),
        TU_TEST(test_jpeg_truncated),
        TU_TEST(test_jpeg_bit_flips),
        TU_TEST(test_jpeg_huge_dimensions),
        TU_TEST(test_jpeg_scan_limit),
        TU_TEST(test_jpeg_threads),
    };
    return cmocka_run_group_tests_name("decode_jpeg", tests, NULL, NULL);
}
