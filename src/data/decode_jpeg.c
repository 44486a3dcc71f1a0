/* tf.io.decode_jpeg over libjpeg(-turbo) with TF's settings (jpeg_mem.cc): fast integer IDCT, fancy
 * upsampling, CMYK converted to RGB, truncated data an error. libjpeg's exit()-ing error handler
 * and its stderr messages are replaced: errors longjmp back here, warnings are dropped as TF drops
 * them. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "tensor/tensor_int.h"
#include "tfc/data_decode.h"

typedef struct jpeg_job {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    struct jpeg_source_mgr src;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    const uint8_t *data;
    size_t n;
    int channels;
    tfc_tensor *out;
    uint8_t *cmyk_row;
    tfc_status st;             /* set when the job stops for a reason of its own */
    char msg[JMSG_LENGTH_MAX]; /* libjpeg's reason */
} jpeg_job;

static jpeg_job *job_of(j_common_ptr cinfo) {
    return cinfo->client_data;
}

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_job *j = job_of(cinfo);
    (*cinfo->err->format_message)(cinfo, j->msg);
    if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY)
        tfc_status_set(&j->st, TFC_RESOURCE_EXHAUSTED, "out of memory decoding a JPEG: %s", j->msg);
    longjmp(j->jb, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    (void)cinfo, (void)level;
}

static void on_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

/* The whole input is in the buffer from the start, so libjpeg asking for more means the data
 * ended early. TF (without try_recover_truncated) fails there too; libjpeg's own memory source
 * would instead invent an end marker and return a gray-filled image. */
static void src_init(j_decompress_ptr cinfo) {
    (void)cinfo;
}

static boolean src_fill(j_decompress_ptr cinfo) {
    ERREXIT(cinfo, JERR_INPUT_EOF);
    return FALSE;
}

static void src_skip(j_decompress_ptr cinfo, long count) {
    struct jpeg_source_mgr *src = cinfo->src;
    if (count <= 0) return;
    if ((size_t)count > src->bytes_in_buffer) ERREXIT(cinfo, JERR_INPUT_EOF);
    src->next_input_byte += count;
    src->bytes_in_buffer -= (size_t)count;
}

static void src_term(j_decompress_ptr cinfo) {
    (void)cinfo;
}

/* Called as libjpeg works through the file: stops a progressive JPEG with absurdly many scans,
 * each of which would cost a pass over the whole coefficient buffer. */
static void on_progress(j_common_ptr cinfo) {
    jpeg_job *j = job_of(cinfo);
    if (j->cinfo.input_scan_number > TFC_DECODE_MAX_JPEG_SCANS) {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT,
                       "JPEG has more than %d scans (TFC_DECODE_MAX_JPEG_SCANS); refusing to "
                       "decode it",
                       TFC_DECODE_MAX_JPEG_SCANS);
        longjmp(j->jb, 1);
    }
}

/* TF's CMYK to RGB (jpeg_mem.cc), Adobe files storing the channels inverted. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t w, bool adobe) {
    for (size_t i = 0; i < w; i++, in += 4, out += 3) {
        int c = in[0], m = in[1], y = in[2], k = in[3];
        if (adobe) {
            out[0] = (uint8_t)(k * c / 255), out[1] = (uint8_t)(k * m / 255);
            out[2] = (uint8_t)(k * y / 255);
        } else {
            out[0] = (uint8_t)((255 - k) * (255 - c) / 255);
            out[1] = (uint8_t)((255 - k) * (255 - m) / 255);
            out[2] = (uint8_t)((255 - k) * (255 - y) / 255);
        }
    }
}

/* Decodes j->data into j->out; false with j->msg (and j->st, still OK for a libjpeg error). */
static bool jpeg_run(jpeg_job *j) {
    if (setjmp(j->jb)) return false;
    j_decompress_ptr ci = &j->cinfo;
    jpeg_create_decompress(ci);
    j->src = (struct jpeg_source_mgr){.next_input_byte = j->data,
                                      .bytes_in_buffer = j->n,
                                      .init_source = src_init,
                                      .fill_input_buffer = src_fill,
                                      .skip_input_data = src_skip,
                                      .resync_to_restart = jpeg_resync_to_restart,
                                      .term_source = src_term};
    ci->src = &j->src;
    j->progress.progress_monitor = on_progress;
    ci->progress = &j->progress;
    jpeg_read_header(ci, TRUE);

    int components = j->channels ? j->channels : (ci->num_components < 3 ? ci->num_components : 3);
    bool cmyk = false;
    if (components == 1) {
        ci->out_color_space = JCS_GRAYSCALE;
    } else if (components == 3) {
        cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
        ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    } else {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT, "JPEG with %d components is not supported",
                       ci->num_components);
        return false;
    }
    ci->dct_method = JDCT_IFAST;
    ci->do_fancy_upsampling = TRUE;
    ci->scale_num = ci->scale_denom = 1;
    jpeg_calc_output_dimensions(ci);
    /* TF's bound (with the file's component count), checked before libjpeg allocates buffers for
     * the whole image. */
    uint64_t total = (uint64_t)ci->output_height * ci->output_width * (uint64_t)ci->num_components;
    if (ci->output_width == 0 || ci->output_height == 0 || total >= (1u << 29)) {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT,
                       "JPEG image too large: %u x %u x %d (TF's limit is 2^29 bytes)",
                       (unsigned)ci->output_height, (unsigned)ci->output_width, ci->num_components);
        return false;
    }
    jpeg_start_decompress(ci);
    /* libjpeg writes output_components bytes per pixel: check before giving it our rows. */
    if (ci->output_components != (cmyk ? 4 : components)) {
        tfc_status_set(&j->st, TFC_INVALID_ARGUMENT, "JPEG decoded to %d components, expected %d",
                       ci->output_components, cmyk ? 4 : components);
        return false;
    }
    size_t w = ci->output_width, h = ci->output_height, stride = w * (size_t)components;
    tfc_shape s = tfc_shape_make(3, (int64_t[]){(int64_t)h, (int64_t)w, components});
    if (tfc__tensor_alloc(TFC_DT_UINT8, &s, false, &j->out, &j->st) != TFC_OK) return false;
    if (cmyk && !(j->cmyk_row = tfc_malloc(w * 4))) {
        tfc_status_set(&j->st, TFC_RESOURCE_EXHAUSTED, "out of memory for a CMYK row");
        return false;
    }
    uint8_t *base = tfc_tensor_data(j->out);
    while (ci->output_scanline < h) {
        uint8_t *row = base + ci->output_scanline * stride;
        JSAMPROW dst = cmyk ? j->cmyk_row : row;
        /* The source never suspends, so every call reads a line or longjmps. */
        if (jpeg_read_scanlines(ci, &dst, 1) != 1) ERREXIT(ci, JERR_INPUT_EOF);
        if (cmyk) cmyk_to_rgb(j->cmyk_row, row, w, ci->saw_Adobe_marker);
    }
    jpeg_finish_decompress(ci);
    return true;
}

/* Decodes a JPEG whose magic bytes were checked; channels 0, 1 or 3. */
static tfc_code decode_jpeg_data(const void *data, size_t n, int channels, tfc_tensor **out,
                                 tfc_status *st) {
    /* On the stack (a decoder is ~1.5 KiB); jpeg_run's longjmp lands in jpeg_run, so nothing
     * in this frame is left indeterminate. */
    jpeg_job job = {0}, *j = &job;
    j->data = data, j->n = n, j->channels = channels;
    j->cinfo.err = jpeg_std_error(&j->err);
    j->err.error_exit = on_error_exit;
    j->err.emit_message = on_emit_message;
    j->err.output_message = on_output_message;
    j->cinfo.client_data = j;
    bool ok = jpeg_run(j);
    /* Safe after a failed jpeg_create_decompress too: it frees only what was made. */
    jpeg_destroy_decompress(&j->cinfo);
    tfc_free(j->cmyk_row);
    if (ok) {
        *out = j->out;
        return TFC_OK;
    }
    tfc_tensor_unref(j->out);
    if (j->st.code) return tfc_status_set(st, j->st.code, "%s", j->st.msg);
    return tfc_status_set(st, TFC_INVALID_ARGUMENT, "Invalid JPEG data, size %zu: %s", n, j->msg);
}

tfc_code tfc_decode_jpeg(const void *data, size_t n, int channels, tfc_tensor **out,
                         tfc_status *st) {
    *out = NULL;
    /* Another format or channel count: decode_image decodes the PNG or says what is wrong. */
    if ((channels != 0 && channels != 1 && channels != 3) ||
        tfc_image_format_of(data, n) != TFC_IMAGE_JPEG)
        return tfc_decode_image(data, n, channels, TFC_DT_UINT8, out, st);
    return decode_jpeg_data(data, n, channels, out, st);
}
