/* Helpers for the data_decode tests: status checks, and images made and decoded with libpng and
 * libjpeg directly, so the tests compare tfc against the libraries, not against itself. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>

#include "decode_tests.h"

void dd_expect(tfc_code got, const tfc_status *st, tfc_code code, const char *want) {
    if (got != code)
        fail_msg("got %s (%s), want %s", tfc_code_name(got), st->msg, tfc_code_name(code));
    if (want && !strstr(st->msg, want)) fail_msg("message '%s' lacks '%s'", st->msg, want);
}

void dd_expect_shape(const tfc_tensor *t, tfc_dtype dt, int rank, const int64_t *dims) {
    assert_non_null(t);
    assert_int_equal(tfc_tensor_dtype(t), dt);
    assert_int_equal(tfc_tensor_rank(t), rank);
    for (int i = 0; i < rank; i++) assert_int_equal(tfc_tensor_dim(t, i), dims[i]);
}

void dd_fill_random(uint8_t *p, size_t n, uint32_t seed) {
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)(x >> 11);
    }
}

/* ---- PNG ---- */

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static void png_write_mem(png_structp png, png_bytep data, size_t len) {
    membuf *b = png_get_io_ptr(png);
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void png_flush_mem(png_structp png) {
    (void)png;
}

uint8_t *dd_png_encode(const uint8_t *rows, size_t stride, int w, int h, const dd_png_opts *o,
                       size_t *n) {
    membuf *b = calloc(1, sizeof *b);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_true(png && info && b);
    if (setjmp(png_jmpbuf(png))) fail_msg("libpng could not write the test image");
    png_set_write_fn(png, b, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, o->bit_depth, o->color_type,
                 o->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (o->npalette) {
        png_color pal[256];
        for (int i = 0; i < o->npalette; i++)
            pal[i] = (png_color){o->palette[3 * i], o->palette[3 * i + 1], o->palette[3 * i + 2]};
        png_set_PLTE(png, info, pal, o->npalette);
    }
    if (o->ntrns) png_set_tRNS(png, info, o->trns, o->ntrns, NULL);
    if (o->trns_gray >= 0 && !o->ntrns) {
        png_color_16 c = {.gray = (png_uint_16)o->trns_gray};
        png_set_tRNS(png, info, NULL, 0, &c);
    }
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < h; y++) png_write_row(png, rows + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    uint8_t *out = b->p;
    *n = b->n;
    free(b);
    return out;
}

/* ---- JPEG ---- */

typedef struct test_err {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
} test_err;

static void test_error_exit(j_common_ptr cinfo) {
    longjmp(((test_err *)cinfo->err)->jb, 1);
}

static void test_emit(j_common_ptr cinfo, int level) {
    (void)cinfo, (void)level;
}

uint8_t *dd_jpeg_encode(const uint8_t *pix, int w, int h, int comps, int cs, int quality,
                        bool progressive, bool subsample, size_t *n) {
    struct jpeg_compress_struct c;
    test_err err;
    c.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = test_error_exit;
    if (setjmp(err.jb)) fail_msg("libjpeg could not write the test image");
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&c, &buf, &len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = (J_COLOR_SPACE)cs;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    if (!subsample)
        for (int i = 0; i < c.num_components; i++)
            c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)c.next_scanline * (size_t)w * (size_t)comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *n = len;
    return buf;
}

uint8_t *dd_jpeg_reference(const uint8_t *data, size_t n, int out_cs, int *w, int *h, int *comps,
                           bool *adobe) {
    struct jpeg_decompress_struct d;
    test_err err;
    uint8_t *volatile pix = NULL;
    d.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = test_error_exit;
    err.pub.emit_message = test_emit;
    if (setjmp(err.jb)) {
        jpeg_destroy_decompress(&d);
        free(pix);
        return NULL;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)n);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = (J_COLOR_SPACE)out_cs;
    d.dct_method = JDCT_IFAST;
    d.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&d);
    *w = (int)d.output_width, *h = (int)d.output_height, *comps = d.output_components;
    size_t stride = (size_t)*w * (size_t)*comps;
    pix = malloc(stride * (size_t)*h);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = pix + d.output_scanline * stride;
        jpeg_read_scanlines(&d, &row, 1);
    }
    if (adobe) *adobe = d.saw_Adobe_marker;
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return pix;
}
