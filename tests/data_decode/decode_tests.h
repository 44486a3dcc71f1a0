/* Shared by the data_decode test files: status checks, and PNG/JPEG encoders and a reference JPEG
 * decoder written straight against libpng and libjpeg (independent of the code under test). */
#ifndef TFC_DECODE_TESTS_H
#define TFC_DECODE_TESTS_H

#include <stdbool.h>

#include "test_util.h"
#include "tfc/data_decode.h"
#include "tfc/tensor.h"

/* Fails unless got == code and st's message contains want (when want is not NULL). */
void dd_expect(tfc_code got, const tfc_status *st, tfc_code code, const char *want);
/* A shape from a literal list: DD_SHAPE(2, 3) */
#define DD_SHAPE(...)                                                                              \
    tfc_shape_make((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),                      \
                   (int64_t[]){__VA_ARGS__})
/* Fails unless t has exactly the given shape and dtype. */
void dd_expect_shape(const tfc_tensor *t, tfc_dtype dt, int rank, const int64_t *dims);
/* Deterministic pseudo-random bytes. */
void dd_fill_random(uint8_t *p, size_t n, uint32_t seed);

/* ---- PNG (libpng's writer) ---- */
typedef struct dd_png_opts {
    int color_type; /* PNG_COLOR_TYPE_* */
    int bit_depth;
    bool interlace;
    const uint8_t *palette; /* npalette RGB triples */
    int npalette;
    const uint8_t *trns; /* palette alpha entries */
    int ntrns;
    int trns_gray; /* >= 0: a tRNS chunk for this gray value */
} dd_png_opts;
/* Encodes h rows of PNG row bytes (packed as PNG stores them: samples MSB first below 8 bits,
 * 16-bit samples big-endian), stride bytes apart. Returns a malloc'ed buffer (free()). */
uint8_t *dd_png_encode(const uint8_t *rows, size_t stride, int w, int h, const dd_png_opts *o,
                       size_t *n);

/* ---- JPEG (libjpeg's compressor and decompressor) ---- */
/* Encodes w x h pixels of `comps` components in color space cs (a J_COLOR_SPACE: JCS_GRAYSCALE,
 * JCS_RGB, JCS_CMYK); subsample: 2x2 chroma (libjpeg's default) or none. malloc'ed result. */
uint8_t *dd_jpeg_encode(const uint8_t *pix, int w, int h, int comps, int cs, int quality,
                        bool progressive, bool subsample, size_t *n);
/* libjpeg's own decode with TF's settings (IFAST, fancy upsampling) to out_cs; malloc'ed pixels
 * and their size, or NULL when libjpeg fails. */
uint8_t *dd_jpeg_reference(const uint8_t *data, size_t n, int out_cs, int *w, int *h, int *comps,
                           bool *adobe);

int dd_run_png(void);
int dd_run_jpeg(void);
int dd_run_convert(void);

#endif
