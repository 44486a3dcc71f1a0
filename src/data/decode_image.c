/* tf.io.decode_image: tells the format by its magic bytes (as TF's decode_image_op.cc), decodes PNG
 * and JPEG, and converts to the asked dtype with TF's scalings. */
#include <string.h>

#include "tensor/tensor_int.h"
#include "tfc/data_decode.h"

static bool starts_with(const uint8_t *p, size_t n, const char *magic, size_t m) {
    return n >= m && !memcmp(p, magic, m);
}

tfc_image_format tfc_image_format_of(const void *data, size_t n) {
    const uint8_t *p = data;
    if (!p) return TFC_IMAGE_UNKNOWN;
    /* The 4th byte of a JPEG varies (E0, E1, DB, ...), so only three are checked, as TF does. */
    if (starts_with(p, n, "\xff\xd8\xff", 3)) return TFC_IMAGE_JPEG;
    if (starts_with(p, n, "\x89PNG\r\n\x1a\n", 8)) return TFC_IMAGE_PNG;
    if (starts_with(p, n, "GIF8", 4)) return TFC_IMAGE_GIF;
    if (starts_with(p, n, "BM", 2)) return TFC_IMAGE_BMP;
    if (n > 12 && starts_with(p, n, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4)) return TFC_IMAGE_WEBP;
    return TFC_IMAGE_UNKNOWN;
}

const char *tfc_image_format_name(tfc_image_format f) {
    switch (f) {
    case TFC_IMAGE_JPEG:
        return "JPEG";
    case TFC_IMAGE_PNG:
        return "PNG";
    case TFC_IMAGE_GIF:
        return "GIF";
    case TFC_IMAGE_BMP:
        return "BMP";
    case TFC_IMAGE_WEBP:
        return "WebP";
    default:
        return "UNKNOWN";
    }
}

/* TF's uint16 from 8-bit JPEG pixels: x * floor(65536 / 256). */
static tfc_code widen_times_256(tfc_tensor *img, tfc_tensor **out, tfc_status *st) {
    tfc_code c = tfc__tensor_alloc(TFC_DT_UINT16, tfc_tensor_shape(img), false, out, st);
    if (c != TFC_OK) return c;
    const uint8_t *x = tfc_tensor_data_const(img);
    uint16_t *y = tfc_tensor_data(*out);
    int64_t k = tfc_tensor_num_elements(img);
    for (int64_t i = 0; i < k; i++) y[i] = (uint16_t)(x[i] << 8);
    return TFC_OK;
}

/* Converts a decoded image (uint8 from JPEG, uint16 from PNG when float is asked) to dtype and
 * drops the reference to img. */
static tfc_code convert(tfc_tensor *img, tfc_dtype dtype, tfc_tensor **out, tfc_status *st) {
    tfc_code c;
    if (tfc_tensor_dtype(img) == dtype) {
        *out = img;
        return TFC_OK;
    }
    if (dtype == TFC_DT_UINT16)
        c = widen_times_256(img, out, st);
    else /* float: x * (float)(1.0 / MAX), MAX of the decoded type */
        c = tfc_scale(img, tfc_tensor_dtype(img) == TFC_DT_UINT8 ? 1.0 / 255 : 1.0 / 65535, 0.0,
                      TFC_DT_FLOAT, out, st);
    tfc_tensor_unref(img);
    return c;
}

tfc_code tfc_decode_image(const void *data, size_t n, int channels, tfc_dtype dtype,
                          tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    if (dtype != TFC_DT_UINT8 && dtype != TFC_DT_UINT16 && dtype != TFC_DT_FLOAT)
        return tfc_status_set(
            st, TFC_INVALID_ARGUMENT,
            "`dtype` for DecodeImage must be uint8, uint16 or float32, but got %s",
            tfc_dtype_name(dtype));
    if (channels != 0 && channels != 1 && channels != 3 && channels != 4)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "`channels` must be 0, 1, 3 or 4 but got %d", channels);
    if (n == 0 || !data) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "Input is empty.");
    tfc_image_format f = tfc_image_format_of(data, n);
    tfc_tensor *img;
    tfc_code c;
    switch (f) {
    case TFC_IMAGE_JPEG:
        if (channels == 4)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "JPEG does not support 4 channels");
        c = tfc_decode_jpeg(data, n, channels, &img, st);
        return c == TFC_OK ? convert(img, dtype, out, st) : c;
    case TFC_IMAGE_PNG:
        /* Float comes from the lossless 16-bit decode, as in TF. */
        c = tfc_decode_png(data, n, channels, dtype == TFC_DT_UINT8 ? dtype : TFC_DT_UINT16, &img,
                           st);
        return c == TFC_OK ? convert(img, dtype, out, st) : c;
    case TFC_IMAGE_GIF:
    case TFC_IMAGE_BMP:
    case TFC_IMAGE_WEBP:
        return tfc_status_set(st, TFC_UNIMPLEMENTED,
                              "%s images are not supported: tfc decodes JPEG and PNG only",
                              tfc_image_format_name(f));
    default:
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Unknown image file format. One of JPEG, PNG required.");
    }
}
