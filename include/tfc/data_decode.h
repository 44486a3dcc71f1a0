/* tfc data decode: the tensor-level decoding and conversion ops of TensorFlow's input pipelines —
 * tf.io.decode_raw, tf.io.decode_png, tf.io.decode_jpeg, tf.io.decode_image, tf.cast,
 * tf.image.convert_image_dtype — plus tfc_scale, the usual "uint8 pixels to [0, 1] floats" step
 * done in one pass.
 *
 *     tfc_tensor *img, *x;
 *     if (tfc_decode_image(bytes, n, 3, TFC_DT_UINT8, &img, &st) != TFC_OK) ...;   // [H, W, 3]
 *     tfc_scale(img, 1.0 / 255, 0.0, TFC_DT_FLOAT, &x, &st);                      // in [0, 1]
 *     tfc_tensor_unref(img);
 *
 * Every function returns a tensor in *out that the caller unrefs: a new one (refcount 1), except
 * that tfc_cast and tfc_convert_image_dtype to the input's own dtype return a new reference to the
 * input, as TF forwards it. Inputs are borrowed and never modified. On error *out is NULL, nothing
 * is left allocated, and the status says why in TensorFlow's words where TF has them. Bad or
 * hostile input (truncated, corrupted, absurd declared sizes) is INVALID_ARGUMENT, never a crash,
 * an exit or a print; out of memory is RESOURCE_EXHAUSTED. All functions are thread-safe: they
 * keep no state between calls, so any number of calls may run at once on different threads (each
 * with its own status). */
#ifndef TFC_DATA_DECODE_H
#define TFC_DATA_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "tfc/base.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tf.io.decode_raw ---- */

/* Each string of `bytes` (a DT_STRING tensor of any shape, rank below TFC_MAX_RANK) read as an
 * array of out_type values: the output has shape bytes.shape + [n], n = string length / size of
 * out_type. little_endian says how the bytes are ordered (they are swapped when the host differs).
 * out_type: float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
 * uint64 or bool (a nonzero byte is true; TF copies the byte as is). No strings, or empty ones,
 * give n = 0. INVALID_ARGUMENT, with TF's messages, when bytes is not DT_STRING, out_type is not
 * one of the above, the strings differ in length ("DecodeRaw requires input strings to all be the
 * same size, but element 3 has size 5 != 8") or the length is not a multiple of the type size
 * ("Input to DecodeRaw has length 5 that is not a multiple of 4, the size of float"). */
tfc_code tfc_decode_raw(const tfc_tensor *bytes, tfc_dtype out_type, bool little_endian,
                        tfc_tensor **out, tfc_status *st);
/* The same over one buffer of n bytes (data may be NULL when n is 0): output shape [n / size]. */
tfc_code tfc_decode_raw_bytes(const void *data, size_t n, tfc_dtype out_type, bool little_endian,
                              tfc_tensor **out, tfc_status *st);

/* ---- Images ----
 * Decoders produce [height, width, channels] tensors. `channels` is 0 (as many as the file has: 1
 * gray, 2 gray + alpha, 3 RGB, 4 RGBA; a PNG palette gives 3, or 4 with a tRNS chunk) or 1, 3 or 4,
 * converting as TF does: color to gray with libpng's/libjpeg's ITU-R 601 weights, gray copied to
 * R, G and B, alpha stripped (not composited) or added fully opaque (one deliberate difference:
 * TF's kernel gives 1-, 2- and 4-bit PNGs an added alpha of 1, 3 or 15, a libpng filler quirk;
 * tfc gives 255).
 *
 * Like TF's kernels, each decoder looks at the bytes rather than trusting its name: decode_png
 * given a JPEG decodes the JPEG, decode_jpeg given a PNG decodes the PNG. GIF, BMP and WebP are
 * recognised but not decoded (UNIMPLEMENTED naming the format); anything else is
 * INVALID_ARGUMENT "Unknown image file format. One of JPEG, PNG required.". Empty input is
 * INVALID_ARGUMENT "Input is empty.". Corrupted or truncated data is INVALID_ARGUMENT ("Invalid PNG
 * data" / "Invalid JPEG data", the decoder's own reason and the input size); data after the end
 * of the image is ignored.
 *
 * Size limits: TF's — PNG width and height below 2^27 and width * height below 2^29 ("PNG size too
 * large for int: W by H"); JPEG height * width * channels below 2^29 bytes — and the decoded pixels
 * (at 8 or 16 bits, before any conversion to float) at most TFC_DECODE_MAX_BYTES. They are checked
 * from the header, before the pixels are allocated, so a small file declaring a huge image costs
 * nothing. A JPEG with more than TFC_DECODE_MAX_JPEG_SCANS scans (a progressive-JPEG decoding bomb)
 * is refused too. */
#define TFC_DECODE_MAX_BYTES ((size_t)1 << 30)
#define TFC_DECODE_MAX_JPEG_SCANS 1000

typedef enum tfc_image_format {
    TFC_IMAGE_UNKNOWN = 0,
    TFC_IMAGE_JPEG,
    TFC_IMAGE_PNG,
    TFC_IMAGE_GIF,
    TFC_IMAGE_BMP,
    TFC_IMAGE_WEBP,
} tfc_image_format;

/* The format by its magic bytes, as TF's decode_image tells them apart (JPEG: FF D8 FF; PNG: the
 * 8-byte signature; GIF: "GIF8"; BMP: "BM"; WebP: "RIFF" ???? "WEBP"). */
tfc_image_format tfc_image_format_of(const void *data, size_t n);
/* "JPEG", "PNG", "GIF", "BMP", "WebP" or "UNKNOWN". */
const char *tfc_image_format_name(tfc_image_format f);

/* tf.io.decode_png: dtype TFC_DT_UINT8 or TFC_DT_UINT16. A 16-bit PNG decoded to uint8 keeps the
 * high byte of each sample (libpng's strip_16, as TF); an 8-bit (or lower) PNG decoded to uint16 is
 * scaled by 257 (x | x << 8, so 255 -> 65535). Interlaced, palette, low bit depth and tRNS PNGs are
 * handled. INVALID_ARGUMENT for channels other than 0, 1, 3, 4 ("`channels` must be 0, 1, 3 or 4
 * but got 2"), another dtype, or bad data as above. */
tfc_code tfc_decode_png(const void *data, size_t n, int channels, tfc_dtype dtype, tfc_tensor **out,
                        tfc_status *st);

/* tf.io.decode_jpeg: uint8 [H, W, C], channels 0 (1 for a grayscale JPEG, else 3), 1 or 3; 4 is
 * INVALID_ARGUMENT "JPEG does not support 4 channels". TF's defaults: fast integer IDCT, fancy
 * upsampling, no recovery of truncated files (a truncated JPEG is an error, not a gray-filled
 * image). CMYK/YCCK JPEGs are converted to RGB as TF does (inverted when Adobe). Corrupt entropy
 * data that libjpeg can decode past (it warns) gives an image, as in TF. */
tfc_code tfc_decode_jpeg(const void *data, size_t n, int channels, tfc_tensor **out,
                         tfc_status *st);

/* tf.io.decode_image (expand_animations has no effect: GIF is not decoded): a PNG or a JPEG, found
 * by its magic bytes, as dtype TFC_DT_UINT8, TFC_DT_UINT16 or TFC_DT_FLOAT with TF's scalings —
 * uint8 from a 16-bit PNG as in tfc_decode_png; uint16 from a JPEG is x * 256 (from an 8-bit PNG,
 * x * 257); float is the uint16 PNG value / 65535 or the uint8 JPEG value / 255, computed in float
 * as TF does (x * (float)(1.0 / 65535)). Channels and errors as above ("JPEG does not support 4
 * channels"); UNIMPLEMENTED for GIF, BMP and WebP. */
tfc_code tfc_decode_image(const void *data, size_t n, int channels, tfc_dtype dtype,
                          tfc_tensor **out, tfc_status *st);

/* ---- Conversions ----
 * "Numeric" below means float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8,
 * uint16, uint32 and uint64. Each function makes one output tensor and passes once over the data.
 */

/* tf.cast between numeric dtypes and bool, same shape; to == in's dtype gives a new reference to
 * in (TF forwards the input too; the caller must not write a tensor it shares). The values
 * are those of TF's CPU kernel on x86-64, including where C++ leaves them undefined: float to
 * integer truncates toward zero, and an out-of-range value goes through the 32-bit (to int8,
 * int16, int32, uint8, uint16) or 64-bit (to uint32, int64, uint64) conversion instruction, whose
 * out-of-range answer is the lowest integer, then wraps to the target — so -1.0 -> uint8 255,
 * 256.0 -> uint8 0, 3e9 -> int32 -2147483648, NaN -> int32 -2147483648 and uint8 0. Integer to
 * integer wraps (two's complement); to bool is x != 0 (NaN is true); bool is 0 or 1; float to
 * float16/bfloat16 rounds to nearest even (through float32 from float64, as Eigen does). Note that
 * tfc's graph Cast op saturates instead (src/ops/math_cast.c); use that when the edge values
 * matter and TF parity does not. INVALID_ARGUMENT for a non-numeric, non-bool dtype (string...). */
tfc_code tfc_cast(const tfc_tensor *in, tfc_dtype to, tfc_tensor **out, tfc_status *st);

/* tf.image.convert_image_dtype with saturate=False, TF's formulas exactly (image_ops_impl.py):
 *   same dtype: a new reference to in (no copy);
 *   integer -> integer, narrowing: floor(x / s) then tf.cast, s = (MAXin + 1) / (MAXout + 1);
 *   integer -> integer, widening: tf.cast then x * s (wrapping), s = (MAXout + 1) / (MAXin + 1);
 *   integer -> float: tf.cast(x) * (1.0 / MAXin), the product in the target type (uint8 255 ->
 *     1.0f, int8 -128 -> -1.00787f);
 *   float -> integer: tf.cast(x * (MAXout + 0.5)), the product in the source type (1.0 -> uint8
 *     255; 0.999 -> 255; values outside [0, 1) wrap as tf.cast does: -0.5 -> uint8 129; and
 *     float32 1.0 -> int32 -2147483648, since 2^31 - 0.5 is 2^31 in float32, as in TF);
 *   float -> float: tf.cast.
 * MAX is the type's largest value (255 for uint8, 2^31 - 1 for int32). INVALID_ARGUMENT "image
 * dtype must be either floating point or integer" (or "dtype must be ...") for bool, string, ... */
tfc_code tfc_convert_image_dtype(const tfc_tensor *in, tfc_dtype to, tfc_tensor **out,
                                 tfc_status *st);

/* out = in * scale + offset as `to` (TFC_DT_FLOAT or TFC_DT_DOUBLE), for any numeric or bool in:
 * the pipeline's "uint8 to [0, 1]" (scale 1/255) or "to [-1, 1]" (scale 2/255, offset -1) in one
 * pass and one tensor. For float the arithmetic is float32 ((float)x * (float)scale +
 * (float)offset), so scale = 1.0 / 255 gives exactly decode_image's and convert_image_dtype's
 * float values; for double it is double. INVALID_ARGUMENT for another `to` or a non-numeric in. */
tfc_code tfc_scale(const tfc_tensor *in, double scale, double offset, tfc_dtype to,
                   tfc_tensor **out, tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
