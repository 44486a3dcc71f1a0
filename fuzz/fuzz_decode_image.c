/* libFuzzer target for the image decoders: the input goes to decode_png, decode_jpeg and
 * decode_image (with channel counts and dtypes taken from its last byte) and to decode_raw_bytes.
 * A failure must be INVALID_ARGUMENT, UNIMPLEMENTED (GIF/BMP/WebP) or RESOURCE_EXHAUSTED with a
 * message and no tensor; a success must be a [H, W, C] image of the asked dtype whose C is the
 * asked channel count (or 1..4 for 0), and it must survive tfc_scale and convert_image_dtype. No
 * call may leave an allocation behind (libpng's allocations are counted too).
 * Seeds: run.sh seeds from ../shared/testdata; tiny valid PNGs and JPEGs are best added to the
 * corpus directory (the tests' encoders make them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/data_decode.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static void check_failure(tfc_code c, const tfc_tensor *t, const tfc_status *st) {
    CHECK(c == TFC_INVALID_ARGUMENT || c == TFC_UNIMPLEMENTED || c == TFC_RESOURCE_EXHAUSTED);
    CHECK(!t && st->msg[0]);
}

static void check_image(tfc_code c, tfc_tensor *t, const tfc_status *st, int channels,
                        tfc_dtype dt) {
    if (c != TFC_OK) {
        check_failure(c, t, st);
        return;
    }
    CHECK(tfc_tensor_dtype(t) == dt && tfc_tensor_rank(t) == 3);
    CHECK(tfc_tensor_dim(t, 0) > 0 && tfc_tensor_dim(t, 1) > 0);
    int64_t ch = tfc_tensor_dim(t, 2);
    CHECK(channels ? ch == channels : ch >= 1 && ch <= 4);
    if (tfc_tensor_num_elements(t) <= (1 << 20)) {
        tfc_status s2 = {0};
        tfc_tensor *f, *back;
        CHECK(tfc_scale(t, 1.0 / 255, 0.0, TFC_DT_FLOAT, &f, &s2) == TFC_OK);
        CHECK(tfc_convert_image_dtype(f, dt, &back, &s2) == TFC_OK);
        CHECK(tfc_tensor_num_elements(back) == tfc_tensor_num_elements(t));
        tfc_tensor_unref(back);
        tfc_tensor_unref(f);
    }
    tfc_tensor_unref(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int channel_choices[] = {0, 1, 3, 4, 0, 3, 2, 0};
    static const tfc_dtype dtypes[] = {TFC_DT_UINT8, TFC_DT_UINT16, TFC_DT_FLOAT, TFC_DT_UINT8};
    int64_t live = tfc_alloc_live_count();
    uint8_t knob = size ? data[size - 1] : 0;
    int channels = channel_choices[knob & 7];
    tfc_dtype dt = dtypes[(knob >> 3) & 3];
    tfc_status st = {0};
    tfc_tensor *t;
    bool channels_ok = channels != 2;

    tfc_code c =
        tfc_decode_png(data, size, channels, dt == TFC_DT_FLOAT ? TFC_DT_UINT8 : dt, &t, &st);
    if (!channels_ok) CHECK(c == TFC_INVALID_ARGUMENT);
    check_image(c, t, &st, channels, dt == TFC_DT_FLOAT ? TFC_DT_UINT8 : dt);

    c = tfc_decode_jpeg(data, size, channels, &t, &st);
    check_image(c, t, &st, channels, TFC_DT_UINT8);

    c = tfc_decode_image(data, size, channels, dt, &t, &st);
    check_image(c, t, &st, channels, dt);

    static const tfc_dtype raw[] = {TFC_DT_UINT8, TFC_DT_FLOAT, TFC_DT_INT64, TFC_DT_HALF};
    tfc_dtype rt = raw[knob >> 6];
    c = tfc_decode_raw_bytes(data, size, rt, knob & 1, &t, &st);
    if (size % tfc_dtype_size(rt) == 0) {
        CHECK(c == TFC_OK && tfc_tensor_num_elements(t) == (int64_t)(size / tfc_dtype_size(rt)));
        tfc_tensor *u;
        CHECK(tfc_cast(t, TFC_DT_UINT8, &u, &st) == TFC_OK);
        tfc_tensor_unref(u);
        tfc_tensor_unref(t);
    } else {
        check_failure(c, t, &st);
    }
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
