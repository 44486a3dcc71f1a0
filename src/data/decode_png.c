/* tf.io.decode_png over libpng: the same transformations TF's png_io.cc asks of libpng (so the
 * pixels match TF's), errors caught with setjmp instead of libpng's abort, and the image size
 * checked from the header before anything is allocated. */
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"
#include "tfc/data_decode.h"

/* Everything a decode touches after setjmp lives here, behind a pointer, so a longjmp cannot leave
 * a stale copy in a register: the caller frees what it finds. */
typedef struct png_job {
    const uint8_t *data;
    size_t n, pos;
    int channels; /* asked for; 0 until resolved from the header */
    bool want16;
    png_structp png;
    png_infop info;
    tfc_tensor *out;
    tfc_status st; /* set when the job stops for a reason of its own */
    char msg[256]; /* libpng's reason */
} png_job;

static void on_error(png_structp png, png_const_charp msg) {
    png_job *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof j->msg, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings (a bad CRC in an ancillary chunk, ...) are not errors in TF either; the library never
 * prints. */
static void on_warning(png_structp png, png_const_charp msg) {
    (void)png, (void)msg;
}

static void on_read(png_structp png, png_bytep buf, size_t len) {
    png_job *j = png_get_io_ptr(png);
    if (len > j->n - j->pos) {
        char m[128];
        snprintf(m, sizeof m, "the data ends at byte %zu, %zu bytes short of the next read", j->n,
                 len - (j->n - j->pos));
        png_error(png, m); /* on_error copies it before jumping */
    }
    memcpy(buf, j->data + j->pos, len);
    j->pos += len;
}

/* libpng's memory goes through the counted allocator, so the leak checks see it too. */
static png_voidp png_alloc(png_structp png, png_alloc_size_t n) {
    (void)png;
    return tfc_malloc(n);
}

static void png_release(png_structp png, png_voidp p) {
    (void)png;
    tfc_free(p);
}

/* Sets up TF's transformations (png_io.cc CommonInitDecode) for the resolved channel count. */
static void set_transforms(png_job *j, int bit_depth, int color_type) {
    png_structp png = j->png;
    bool has_trns = png_get_valid(png, j->info, PNG_INFO_tRNS) != 0;
    if (j->channels == 0)
        j->channels = color_type == PNG_COLOR_TYPE_PALETTE ? (has_trns ? 4 : 3)
                                                           : png_get_channels(png, j->info);
    bool has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
    if ((j->channels & 1) == 0) { /* alpha wanted */
        if (!has_alpha) {
            if (has_trns)
                png_set_tRNS_to_alpha(png);
            else /* opaque at 8 and 16 bits; TF's (1 << bit_depth) - 1 gives 1-, 2- and 4-bit
                  * files an alpha of 1, 3 or 15, as libpng adds it after expanding to 8 bits */
                png_set_add_alpha(png, 0xffff, PNG_FILLER_AFTER);
        }
    } else if (has_alpha || has_trns) {
        png_set_strip_alpha(png);
    }
    if (bit_depth > 8 && !j->want16) png_set_strip_16(png);
    png_set_packing(png);
    if (bit_depth > 8 && j->want16 && !TFC__HOST_BIG_ENDIAN) png_set_swap(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    bool is_gray = (color_type & PNG_COLOR_MASK_COLOR) == 0;
    if (is_gray && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (j->channels < 3) {
        /* TF's weights 0.299 and 0.587 in libpng's fixed point (the blue weight is the rest). */
        if (!is_gray) png_set_rgb_to_gray_fixed(png, 1, 29900, 58700);
    } else if (is_gray) {
        png_set_gray_to_rgb(png);
    }
}

/* Decodes j->data into j->out; false with j->msg (and j->st, still OK for a libpng error). */
static bool png_run(png_job *j) {
    if (setjmp(png_jmpbuf(j->png))) return false;
    png_structp png = j->png;
    png_set_read_fn(png, j, on_read);
    png_read_info(png, j->info);
    png_uint_32 w, h;
    int bit_depth, color_type;
    png_get_IHDR(png, j->info, &w, &h, &bit_depth, &color_type, NULL, NULL, NULL);
    /* TF's bounds: room for channels * 2 bytes per pixel in an int. */
    if (w == 0 || h == 0 || w >= (1u << 27) || h >= (1u << 27) || (uint64_t)w * h >= (1u << 29)) {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT, "PNG size too large for int: %lu by %lu",
                       (unsigned long)w, (unsigned long)h);
        return false;
    }
    set_transforms(j, bit_depth, color_type);
    int passes = png_set_interlace_handling(png);
    size_t sample = j->want16 ? 2 : 1;
    size_t row_bytes = (size_t)w * (size_t)j->channels * sample;
    if (row_bytes * h > TFC_DECODE_MAX_BYTES) {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT,
                       "PNG of %lu x %lu x %d %s would decode to %zu bytes, over tfc's limit of "
                       "%zu (TFC_DECODE_MAX_BYTES)",
                       (unsigned long)w, (unsigned long)h, j->channels,
                       sample == 2 ? "uint16" : "uint8", row_bytes * h, TFC_DECODE_MAX_BYTES);
        return false;
    }
    png_read_update_info(png, j->info);
    /* libpng writes png_get_rowbytes bytes per row: it must be the row we planned, or a
     * transformation combination we did not foresee would overrun the tensor. */
    size_t got = png_get_rowbytes(png, j->info);
    size_t want = (size_t)w * (size_t)j->channels * (bit_depth > 8 && j->want16 ? 2 : 1);
    if (got != want || png_get_channels(png, j->info) != j->channels) {
        tfc_status_set(&j->st, TFC_INTERNAL,
                       "libpng produced rows of %zu bytes and %d channels, expected %zu and %d "
                       "(bit depth %d, color type %d)",
                       got, png_get_channels(png, j->info), want, j->channels, bit_depth,
                       color_type);
        return false;
    }
    tfc_shape s = tfc_shape_make(3, (int64_t[]){h, w, j->channels});
    if (tfc__tensor_alloc(j->want16 ? TFC_DT_UINT16 : TFC_DT_UINT8, &s, false, &j->out, &j->st) !=
        TFC_OK)
        return false;
    uint8_t *base = tfc_tensor_data(j->out);
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++) png_read_row(png, base + y * row_bytes, NULL);
    png_read_end(png, NULL);
    /* An 8-bit image asked for as uint16: widen each row in place, from its end (TF's
     * Convert8to16: x | x << 8, so 255 becomes 65535). */
    if (j->want16 && bit_depth <= 8) {
        size_t k = (size_t)w * (size_t)j->channels;
        for (png_uint_32 y = 0; y < h; y++) {
            uint8_t *r8 = base + y * row_bytes;
            uint16_t *r16 = (uint16_t *)(void *)r8;
            for (size_t i = k; i-- > 0;) r16[i] = (uint16_t)(r8[i] * 257u);
        }
    }
    return true;
}

tfc_code tfc_decode_png(const void *data, size_t n, int channels, tfc_dtype dtype, tfc_tensor **out,
                        tfc_status *st) {
    *out = NULL;
    if (dtype != TFC_DT_UINT8 && dtype != TFC_DT_UINT16)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "`dtype` for DecodePng must be uint8 or uint16, but got %s",
                              tfc_dtype_name(dtype));
    /* Not a PNG, or a bad channel count: decode_image says why, or decodes the JPEG as TF does. */
    bool channels_ok = channels == 0 || channels == 1 || channels == 3 || channels == 4;
    if (!channels_ok || tfc_image_format_of(data, n) != TFC_IMAGE_PNG)
        return tfc_decode_image(data, n, channels, dtype, out, st);

    png_job j = {.data = data, .n = n, .channels = channels, .want16 = dtype == TFC_DT_UINT16};
    j.png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &j, on_error, on_warning, NULL,
                                     png_alloc, png_release);
    if (j.png) j.info = png_create_info_struct(j.png);
    if (!j.png || !j.info) {
        png_destroy_read_struct(&j.png, NULL, NULL);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory creating a PNG decoder");
    }
    bool ok = png_run(&j);
    png_destroy_read_struct(&j.png, &j.info, NULL);
    if (ok) {
        *out = j.out;
        return TFC_OK;
    }
    tfc_tensor_unref(j.out);
    if (j.st.code) return tfc_status_set(st, j.st.code, "%s", j.st.msg);
    return tfc_status_set(st, TFC_INVALID_ARGUMENT, "Invalid PNG data, size %zu: %s", n, j.msg);
}
