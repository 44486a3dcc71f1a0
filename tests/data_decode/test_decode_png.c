/* tfc_decode_png and tfc_decode_image on PNGs written by libpng: every color type and bit depth,
 * palettes with and without tRNS, interlacing, every channel conversion and both dtypes, checked
 * pixel by pixel against libpng's documented arithmetic; then truncated, corrupted and hostile
 * files. */
#include <png.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode_tests.h"

/* libpng's rgb_to_gray coefficients for TF's weights 0.299 and 0.587 (png_set_rgb_to_gray_fixed:
 * value * 32768 / 100000, truncated; blue takes the rest). */
enum { RC = 29900 * 32768 / 100000, GC = 58700 * 32768 / 100000, BC = 32768 - RC - GC };

/* libpng's conversions without gamma: 8-bit truncates (and keeps equal samples), 16-bit rounds. */
static unsigned gray8(unsigned r, unsigned g, unsigned b) {
    return r == g && g == b ? r : (RC * r + GC * g + BC * b) >> 15;
}
static unsigned gray16(unsigned r, unsigned g, unsigned b) {
    return (RC * r + GC * g + BC * b + 16384) >> 15;
}

/* A test image in file terms: w x h pixels of `ch` samples (gray, gray+alpha, RGB, RGBA) of
 * `bits` bits. */
typedef struct src_img {
    int w, h, ch, bits;
    uint16_t *v;
} src_img;

static src_img make_src(int w, int h, int ch, int bits, uint32_t seed) {
    src_img s = {w, h, ch, bits, malloc(sizeof(uint16_t) * (size_t)(w * h * ch))};
    uint8_t *r = malloc((size_t)(w * h * ch) * 2);
    dd_fill_random(r, (size_t)(w * h * ch) * 2, seed);
    for (int i = 0; i < w * h * ch; i++) {
        unsigned v = (unsigned)r[2 * i] << 8 | r[2 * i + 1];
        s.v[i] = (uint16_t)(bits == 16 ? v : v >> (16 - bits));
    }
    /* A few pixels with equal R, G and B (libpng's 8-bit gray keeps those exact). */
    if (ch >= 3)
        for (int i = 0; i < w * h; i += 5) s.v[i * ch + 1] = s.v[i * ch + 2] = s.v[i * ch];
    free(r);
    return s;
}

static int color_type_of(int ch) {
    static const int t[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                            PNG_COLOR_TYPE_RGB_ALPHA};
    return t[ch];
}

/* PNG row bytes for s (samples packed MSB first, 16-bit big-endian). */
static uint8_t *pack_rows(const src_img *s, size_t *stride) {
    size_t bits_per_row = (size_t)s->w * (size_t)s->ch * (size_t)s->bits;
    *stride = (bits_per_row + 7) / 8;
    uint8_t *rows = calloc(*stride * (size_t)s->h, 1);
    for (int y = 0; y < s->h; y++) {
        uint8_t *row = rows + (size_t)y * *stride;
        for (int i = 0; i < s->w * s->ch; i++) {
            unsigned v = s->v[y * s->w * s->ch + i];
            if (s->bits == 16) {
                row[2 * i] = (uint8_t)(v >> 8), row[2 * i + 1] = (uint8_t)v;
            } else {
                size_t bit = (size_t)i * (size_t)s->bits;
                row[bit / 8] |= (uint8_t)(v << (8 - s->bits - bit % 8));
            }
        }
    }
    return rows;
}

static uint8_t *encode_src(const src_img *s, bool interlace, int trns_gray, size_t *n) {
    size_t stride;
    uint8_t *rows = pack_rows(s, &stride);
    dd_png_opts o = {.color_type = color_type_of(s->ch),
                     .bit_depth = s->bits,
                     .interlace = interlace,
                     .trns_gray = trns_gray};
    uint8_t *png = dd_png_encode(rows, stride, s->w, s->h, &o, n);
    free(rows);
    return png;
}

/* A sample at 8 bits the way libpng expands it (1, 2, 4 bits scale up; 16 bits keep the high
 * byte). */
static unsigned to8(unsigned v, int bits) {
    switch (bits) {
    case 1:
        return v * 255;
    case 2:
        return v * 85;
    case 4:
        return v * 17;
    case 16:
        return v >> 8;
    default:
        return v;
    }
}

/* What TF's transformations give for pixel i of s with `channels` (resolved) as uint16 values
 * (want16) or uint8. trns_gray >= 0: a gray tRNS value. */
static void expect_pixel(const src_img *s, int i, int channels, bool want16, int trns_gray,
                         unsigned out[4]) {
    const uint16_t *p = s->v + (size_t)i * (size_t)s->ch;
    bool gray_src = s->ch < 3, alpha_src = s->ch == 2 || s->ch == 4;
    bool sixteen = s->bits == 16;
    unsigned r, g, b, a;
    if (gray_src) {
        r = g = b = sixteen ? p[0] : to8(p[0], s->bits);
    } else {
        r = p[0], g = p[1], b = p[2];
    }
    unsigned max = sixteen ? 65535 : 255;
    a = alpha_src ? p[s->ch - 1] : (trns_gray >= 0 ? (p[0] == (unsigned)trns_gray ? 0 : max) : max);
    unsigned gray = gray_src ? r : (sixteen ? gray16(r, g, b) : gray8(r, g, b));
    unsigned v[4];
    if (channels < 3)
        v[0] = gray, v[1] = a;
    else
        v[0] = r, v[1] = g, v[2] = b, v[3] = a;
    for (int k = 0; k < channels; k++) {
        unsigned x = v[k];
        if (want16)
            out[k] = sixteen ? x : x * 257; /* 8-bit data widened after conversion */
        else
            out[k] = sixteen ? x >> 8 : x;
    }
}

static void check_decoded(const src_img *s, const uint8_t *png, size_t n, int channels,
                          tfc_dtype dt, int trns_gray) {
    tfc_status st = {0};
    tfc_tensor *t = NULL;
    tfc_code c = tfc_decode_png(png, n, channels, dt, &t, &st);
    if (c != TFC_OK)
        fail_msg("decode %dx%d ch=%d bits=%d as %d channels %s: %s", s->w, s->h, s->ch, s->bits,
                 channels, tfc_dtype_name(dt), st.msg);
    int want_ch = channels ? channels : s->ch;
    dd_expect_shape(t, dt, 3, (int64_t[]){s->h, s->w, want_ch});
    bool want16 = dt == TFC_DT_UINT16;
    const uint8_t *d8 = tfc_tensor_data_const(t);
    const uint16_t *d16 = tfc_tensor_data_const(t);
    for (int i = 0; i < s->w * s->h; i++) {
        unsigned e[4];
        expect_pixel(s, i, want_ch, want16, trns_gray, e);
        for (int k = 0; k < want_ch; k++) {
            unsigned got = want16 ? d16[i * want_ch + k] : d8[i * want_ch + k];
            if (got != e[k])
                fail_msg("%dx%d ch=%d bits=%d -> %d channels %s: pixel %d channel %d is %u, want "
                         "%u",
                         s->w, s->h, s->ch, s->bits, want_ch, tfc_dtype_name(dt), i, k, got, e[k]);
        }
    }
    tfc_tensor_unref(t);
}

static const int all_channels[] = {0, 1, 3, 4};

/* Gray, gray + alpha, RGB and RGBA at 8 and 16 bits, plain and interlaced, to every channel count
 * and both dtypes. */
static void test_png_color_types(void **state) {
    (void)state;
    static const int bits[] = {8, 16};
    for (int ch = 1; ch <= 4; ch++)
        for (int bi = 0; bi < 2; bi++)
            for (int il = 0; il < 2; il++) {
                src_img s = make_src(13, 7, ch, bits[bi], (uint32_t)(ch * 10 + bi * 2 + il));
                size_t n;
                uint8_t *png = encode_src(&s, il, -1, &n);
                for (int c = 0; c < 4; c++) {
                    check_decoded(&s, png, n, all_channels[c], TFC_DT_UINT8, -1);
                    check_decoded(&s, png, n, all_channels[c], TFC_DT_UINT16, -1);
                }
                free(png);
                free(s.v);
            }
}

/* 1, 2 and 4-bit gray expand to 8 bits; a gray tRNS becomes alpha when alpha is asked for. */
static void test_png_low_bit_gray(void **state) {
    (void)state;
    static const int bits[] = {1, 2, 4, 8};
    for (int bi = 0; bi < 4; bi++) {
        src_img s = make_src(17, 5, 1, bits[bi], (uint32_t)bi + 100);
        size_t n;
        uint8_t *png = encode_src(&s, bi == 2, -1, &n);
        for (int c = 0; c < 4; c++) /* alpha added opaque */
            check_decoded(&s, png, n, all_channels[c], TFC_DT_UINT8, -1);
        check_decoded(&s, png, n, 3, TFC_DT_UINT16, -1);
        free(png);
        if (bits[bi] == 8) {
            /* tRNS for the gray value of pixel 0: those pixels get alpha 0. */
            png = encode_src(&s, false, s.v[0], &n);
            check_decoded(&s, png, n, 4, TFC_DT_UINT8, s.v[0]);
            check_decoded(&s, png, n, 0, TFC_DT_UINT8, s.v[0]); /* gray: 1 channel, as TF */
            free(png);
        }
        free(s.v);
    }
}

/* Palette PNGs: RGB from the palette, alpha from tRNS (255 past its entries); gray by libpng's
 * weights. */
static void test_png_palette(void **state) {
    (void)state;
    uint8_t pal[3 * 16], trns[10];
    dd_fill_random(pal, sizeof pal, 7);
    dd_fill_random(trns, sizeof trns, 8);
    static const int depths[] = {4, 8};
    for (int di = 0; di < 2; di++)
        for (int with_trns = 0; with_trns < 2; with_trns++) {
            int w = 11, h = 6, bits = depths[di];
            uint8_t idx[66];
            dd_fill_random(idx, sizeof idx, (uint32_t)(di * 2 + with_trns));
            for (int i = 0; i < w * h; i++) idx[i] &= 15;
            src_img s = {w, h, 1, bits, malloc(sizeof(uint16_t) * 66)};
            for (int i = 0; i < w * h; i++) s.v[i] = idx[i];
            size_t stride, n;
            uint8_t *rows = pack_rows(&s, &stride);
            dd_png_opts o = {.color_type = PNG_COLOR_TYPE_PALETTE,
                             .bit_depth = bits,
                             .palette = pal,
                             .npalette = 16,
                             .trns = with_trns ? trns : NULL,
                             .ntrns = with_trns ? 10 : 0,
                             .trns_gray = -1};
            uint8_t *png = dd_png_encode(rows, stride, w, h, &o, &n);
            for (int c = 0; c < 4; c++) {
                int ch = all_channels[c], want_ch = ch ? ch : (with_trns ? 4 : 3);
                for (int wide = 0; wide < 2; wide++) {
                    tfc_status st = {0};
                    tfc_tensor *t;
                    tfc_dtype dt = wide ? TFC_DT_UINT16 : TFC_DT_UINT8;
                    TU_OK(tfc_decode_png(png, n, ch, dt, &t, &st));
                    dd_expect_shape(t, dt, 3, (int64_t[]){h, w, want_ch});
                    for (int i = 0; i < w * h; i++) {
                        const uint8_t *p = pal + 3 * idx[i];
                        unsigned e[4], a = with_trns && idx[i] < 10 ? trns[idx[i]] : 255;
                        if (want_ch == 1) e[0] = gray8(p[0], p[1], p[2]);
                        if (want_ch >= 3) e[0] = p[0], e[1] = p[1], e[2] = p[2];
                        /* Added alpha is opaque (TF's kernel gives a 4-bit palette alpha 15,
                         * a libpng filler quirk tfc does not copy). */
                        if (want_ch == 4) e[3] = a;
                        for (int k = 0; k < want_ch; k++) {
                            unsigned got =
                                wide ? ((const uint16_t *)tfc_tensor_data_const(t))[i * want_ch + k]
                                     : ((const uint8_t *)tfc_tensor_data_const(t))[i * want_ch + k];
                            unsigned want = wide ? e[k] * 257 : e[k];
                            if (got != want)
                                fail_msg("palette %d-bit trns=%d ch=%d %s: pixel %d channel %d is "
                                         "%u, want %u",
                                         bits, with_trns, ch, tfc_dtype_name(dt), i, k, got, want);
                        }
                    }
                    tfc_tensor_unref(t);
                }
            }
            free(png);
            free(rows);
            free(s.v);
        }
}

/* decode_image: PNG as uint8, uint16 and float (the uint16 value times (float)(1 / 65535)). */
static void test_png_decode_image_dtypes(void **state) {
    (void)state;
    static const int bits[] = {8, 16};
    for (int bi = 0; bi < 2; bi++) {
        src_img s = make_src(9, 4, 3, bits[bi], 55);
        size_t n;
        uint8_t *png = encode_src(&s, false, -1, &n);
        tfc_status st = {0};
        tfc_tensor *u16, *f, *u8, *ref8;
        TU_OK(tfc_decode_image(png, n, 0, TFC_DT_UINT16, &u16, &st));
        TU_OK(tfc_decode_image(png, n, 0, TFC_DT_FLOAT, &f, &st));
        TU_OK(tfc_decode_image(png, n, 0, TFC_DT_UINT8, &u8, &st));
        TU_OK(tfc_decode_png(png, n, 0, TFC_DT_UINT8, &ref8, &st));
        assert_true(tfc_tensor_equal(u8, ref8));
        dd_expect_shape(f, TFC_DT_FLOAT, 3, (int64_t[]){4, 9, 3});
        const uint16_t *a = tfc_tensor_data_const(u16);
        const float *b = tfc_tensor_data_const(f);
        const float scale = (float)(1.0 / 65535);
        for (int i = 0; i < 4 * 9 * 3; i++) {
            unsigned want16 = bits[bi] == 16 ? s.v[i] : s.v[i] * 257u;
            assert_int_equal(a[i], want16);
            assert_true(b[i] == (float)a[i] * scale);
        }
        assert_true(b[0] >= 0.0f && b[0] <= 1.0f);
        tfc_tensor_unref(u16);
        tfc_tensor_unref(f);
        tfc_tensor_unref(u8);
        tfc_tensor_unref(ref8);
        free(png);
        free(s.v);
    }
}

/* Bytes after IEND are ignored; ancillary chunks are skipped. */
static void test_png_trailing_data(void **state) {
    (void)state;
    src_img s = make_src(5, 5, 3, 8, 9);
    size_t n;
    uint8_t *png = encode_src(&s, false, -1, &n);
    uint8_t *more = malloc(n + 100);
    memcpy(more, png, n);
    memset(more + n, 0xab, 100);
    tfc_status st = {0};
    tfc_tensor *a, *b;
    TU_OK(tfc_decode_png(png, n, 0, TFC_DT_UINT8, &a, &st));
    TU_OK(tfc_decode_png(more, n + 100, 0, TFC_DT_UINT8, &b, &st));
    assert_true(tfc_tensor_equal(a, b));
    tfc_tensor_unref(a);
    tfc_tensor_unref(b);
    free(more);
    free(png);
    free(s.v);
}

static void test_png_argument_errors(void **state) {
    (void)state;
    src_img s = make_src(3, 3, 1, 8, 1);
    size_t n;
    uint8_t *png = encode_src(&s, false, -1, &n);
    tfc_status st = {0};
    tfc_tensor *t = (tfc_tensor *)&st;
    dd_expect(tfc_decode_png(png, n, 2, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "`channels` must be 0, 1, 3 or 4 but got 2");
    assert_null(t);
    dd_expect(tfc_decode_png(png, n, -1, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "got -1");
    dd_expect(tfc_decode_png(png, n, 0, TFC_DT_FLOAT, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "`dtype` for DecodePng must be uint8 or uint16, but got float32");
    dd_expect(tfc_decode_image(png, n, 0, TFC_DT_INT32, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "`dtype` for DecodeImage must be uint8, uint16 or float32, but got int32");
    dd_expect(tfc_decode_png(png, 0, 0, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Input is empty.");
    dd_expect(tfc_decode_image(NULL, 0, 0, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Input is empty.");
    dd_expect(tfc_decode_png("hello world", 11, 0, TFC_DT_UINT8, &t, &st), &st,
              TFC_INVALID_ARGUMENT, "Unknown image file format. One of JPEG, PNG required.");
    dd_expect(tfc_decode_image("GIF89a\1\0\1\0", 10, 0, TFC_DT_UINT8, &t, &st), &st,
              TFC_UNIMPLEMENTED, "GIF images are not supported");
    dd_expect(tfc_decode_png("BM\0\0\0\0\0\0", 8, 0, TFC_DT_UINT8, &t, &st), &st, TFC_UNIMPLEMENTED,
              "BMP");
    dd_expect(tfc_decode_jpeg("RIFF\0\0\0\0WEBPVP8 ", 16, 0, &t, &st), &st, TFC_UNIMPLEMENTED,
              "WebP");
    assert_null(t);
    assert_int_equal(tfc_image_format_of(png, n), TFC_IMAGE_PNG);
    assert_int_equal(tfc_image_format_of(png, 7), TFC_IMAGE_UNKNOWN);
    assert_int_equal(tfc_image_format_of("RIFF\0\0\0\0WEBP", 12), TFC_IMAGE_UNKNOWN);
    assert_string_equal(tfc_image_format_name(TFC_IMAGE_WEBP), "WebP");
    assert_string_equal(tfc_image_format_name(TFC_IMAGE_UNKNOWN), "UNKNOWN");
    free(png);
    free(s.v);
}

/* Rewrites the IHDR's width and height (and its CRC) of a PNG in place. */
static void set_ihdr_size(uint8_t *png, uint32_t w, uint32_t h) {
    /* signature (8), length (4), "IHDR" (4), then width and height */
    uint8_t *d = png + 16;
    for (int i = 0; i < 4; i++) d[i] = (uint8_t)(w >> (24 - 8 * i));
    for (int i = 0; i < 4; i++) d[4 + i] = (uint8_t)(h >> (24 - 8 * i));
    uint32_t crc = (uint32_t)crc32(0, png + 12, 4 + 13);
    for (int i = 0; i < 4; i++) png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

/* Headers declaring huge images fail before any pixel memory is taken. */
static void test_png_huge_dimensions(void **state) {
    (void)state;
    src_img s = make_src(4, 4, 4, 16, 3);
    size_t n;
    uint8_t *png = encode_src(&s, false, -1, &n);
    tfc_status st = {0};
    tfc_tensor *t;
    int64_t before = tfc_alloc_live_bytes();
    set_ihdr_size(png, 100000, 100000);
    dd_expect(tfc_decode_png(png, n, 0, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "PNG size too large for int: 100000 by 100000");
    /* 20000 x 20000 passes TF's pixel bound, but RGBA uint16 would be 3.2 GB. */
    set_ihdr_size(png, 20000, 20000);
    dd_expect(tfc_decode_png(png, n, 0, TFC_DT_UINT16, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "PNG of 20000 x 20000 x 4 uint16 would decode to 3200000000 bytes");
    /* libpng's own limit (a million per side) speaks first past it. */
    set_ihdr_size(png, 2000000, 1);
    dd_expect(tfc_decode_png(png, n, 0, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Invalid PNG data");
    /* Within every limit but the data is far too short: an error, quickly. */
    set_ihdr_size(png, 8000, 8000);
    dd_expect(tfc_decode_png(png, n, 1, TFC_DT_UINT8, &t, &st), &st, TFC_INVALID_ARGUMENT,
              "Invalid PNG data, size");
    assert_int_equal(tfc_alloc_live_bytes(), before);
    free(png);
    free(s.v);
}

/* Every prefix of a PNG is an error (never a crash, never a partial image). */
static void test_png_truncated(void **state) {
    (void)state;
    static const int kinds[][3] = {{3, 8, 0}, {4, 16, 1}, {1, 2, 0}};
    for (int k = 0; k < 3; k++) {
        src_img s = make_src(9, 6, kinds[k][0], kinds[k][1], (uint32_t)k);
        size_t n;
        uint8_t *png = encode_src(&s, kinds[k][2], -1, &n);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, png, cut);
            tfc_status st = {0};
            tfc_tensor *t;
            tfc_code c = tfc_decode_png(p, cut, 0, TFC_DT_UINT8, &t, &st);
            if (c != TFC_INVALID_ARGUMENT)
                fail_msg("cut at %zu of %zu: %s %s", cut, n, tfc_code_name(c), st.msg);
            assert_null(t);
            assert_true(st.msg[0]);
            free(p);
        }
        free(png);
        free(s.v);
    }
}

/* Bit flips anywhere: a result or INVALID_ARGUMENT, nothing else. */
static void test_png_bit_flips(void **state) {
    (void)state;
    src_img s = make_src(8, 8, 4, 8, 77);
    size_t n;
    uint8_t *png = encode_src(&s, true, -1, &n);
    uint8_t *p = malloc(n);
    int ok = 0, bad = 0;
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(p, png, n);
            p[i] ^= (uint8_t)(1u << bit);
            tfc_status st = {0};
            tfc_tensor *t;
            tfc_code c = tfc_decode_png(p, n, all_channels[i % 4], TFC_DT_UINT16, &t, &st);
            if (c == TFC_OK) {
                ok++;
                assert_int_equal(tfc_tensor_rank(t), 3);
                tfc_tensor_unref(t);
            } else {
                bad++;
                if (c != TFC_INVALID_ARGUMENT && c != TFC_UNIMPLEMENTED)
                    fail_msg("flip at %zu bit %d: %s %s", i, bit, tfc_code_name(c), st.msg);
            }
        }
    /* CRCs catch nearly everything in a PNG. */
    assert_true(bad > ok);
    free(p);
    free(png);
    free(s.v);
}

/* Decoders on many threads at once give the same pixels as on one. */
typedef struct png_thread_arg {
    const uint8_t *png;
    size_t n;
    const tfc_tensor *want;
    int failures;
} png_thread_arg;

static void *png_thread(void *p) {
    png_thread_arg *a = p;
    for (int i = 0; i < 200; i++) {
        tfc_status st = {0};
        tfc_tensor *t;
        if (tfc_decode_png(a->png, a->n, 3, TFC_DT_UINT8, &t, &st) != TFC_OK ||
            !tfc_tensor_equal(t, a->want))
            a->failures++;
        tfc_tensor_unref(t);
        /* and an error path, which longjmps inside libpng */
        if (tfc_decode_png(a->png, a->n / 2, 3, TFC_DT_UINT8, &t, &st) != TFC_INVALID_ARGUMENT)
            a->failures++;
    }
    return NULL;
}

static void test_png_threads(void **state) {
    (void)state;
    src_img s = make_src(28, 28, 4, 8, 5);
    size_t n;
    uint8_t *png = encode_src(&s, false, -1, &n);
    tfc_status st = {0};
    tfc_tensor *want;
    TU_OK(tfc_decode_png(png, n, 3, TFC_DT_UINT8, &want, &st));
    pthread_t th[4];
    png_thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (png_thread_arg){png, n, want, 0};
        pthread_create(&th[i], NULL, png_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    tfc_tensor_unref(want);
    free(png);
    free(s.v);
}

int dd_run_png(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_png_color_types),     TU_TEST(test_png_low_bit_gray),
        TU_TEST(test_png_palette),         TU_TEST(test_png_decode_image_dtypes),
        TU_TEST(test_png_trailing_data),   TU_TEST(test_png_argument_errors),
        TU_TEST(test_png_huge_dimensions), TU_TEST(test_png_truncated),
        TU_TEST(test_png_bit_flips),       TU_TEST(test_png_threads),
    };
    return cmocka_run_group_tests_name("decode_png", tests, NULL, NULL);
}
