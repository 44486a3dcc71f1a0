/* libFuzzer target for TensorProto: the input is parsed as a TensorProto. A bad input must be
 * INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for a fill past the limit) with a message and no tensor.
 * Whatever parses must serialize both ways (tensor_content and typed values), parse back equal and
 * reserialize to the same bytes; a copy and a flat reshape must be equal to it; its JSON must
 * render. No call may leave an allocation behind. Tensors over a few MiB (a short list can expand
 * to TFC_TENSOR_PROTO_MAX_FILL_BYTES) skip the round trips, which would only measure memcpy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/tensor.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

#define ROUND_TRIP_MAX_BYTES ((size_t)4 << 20)

/* Bytes the tensor's values take, strings included. */
static size_t value_bytes(const tfc_tensor *t) {
    size_t n = tfc_tensor_byte_size(t);
    if (tfc_tensor_dtype(t) == TFC_DT_STRING)
        for (int64_t i = 0; i < tfc_tensor_num_elements(t) && n <= ROUND_TRIP_MAX_BYTES; i++)
            n += tfc_tensor_string_at(t, i).size;
    return n;
}

/* Lists in the JSON text ([1000000, 0] has a million of them and no elements). */
static uint64_t json_lists(const tfc_shape *s) {
    uint64_t lists = 0, level = 1;
    for (int i = 0; i < s->rank; i++) {
        lists += level;
        if (__builtin_mul_overflow(level, (uint64_t)s->dims[i], &level)) return UINT64_MAX;
        if (lists > ROUND_TRIP_MAX_BYTES) return lists;
    }
    return lists;
}

static void round_trip(const tfc_tensor *t, bool typed) {
    tfc_status st = {0};
    uint8_t *buf, *buf2;
    size_t n, n2;
    CHECK(tfc_tensor_to_proto(t, typed, &buf, &n, &st) == TFC_OK);
    tfc_tensor *back;
    CHECK(tfc_tensor_from_proto(buf, n, &back, &st) == TFC_OK);
    CHECK(tfc_tensor_equal(t, back));
    CHECK(tfc_tensor_to_proto(back, typed, &buf2, &n2, &st) == TFC_OK);
    CHECK(n == n2 && !memcmp(buf, buf2, n));
    tfc_free(buf);
    tfc_free(buf2);
    tfc_tensor_unref(back);
}

static void check_tensor(tfc_tensor *t) {
    tfc_status st = {0};
    const tfc_shape *s = tfc_tensor_shape(t);
    CHECK(tfc_shape_is_fully_defined(s));
    CHECK(tfc_shape_num_elements(s) == tfc_tensor_num_elements(t));
    if (value_bytes(t) > ROUND_TRIP_MAX_BYTES) return;
    round_trip(t, false);
    round_trip(t, true);

    tfc_tensor *c, *flat;
    CHECK(tfc_tensor_copy(t, &c, &st) == TFC_OK);
    CHECK(tfc_tensor_equal(t, c));
    tfc_shape one = tfc_shape_make(1, (int64_t[]){-1});
    if (tfc_tensor_num_elements(t) > 0) {
        CHECK(tfc_tensor_reshape(c, &one, &flat, &st) == TFC_OK);
        CHECK(tfc_tensor_num_elements(flat) == tfc_tensor_num_elements(t));
        CHECK(tfc_tensor_refcount(c) == 1 && tfc_tensor_refcount(flat) == 1);
        tfc_tensor_unref(flat);
    }
    tfc_tensor_unref(c);

    if (json_lists(s) <= ROUND_TRIP_MAX_BYTES) {
        char *json = tfc_tensor_to_json(t);
        CHECK(json && json[0]);
        tfc_free(json);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t live = tfc_alloc_live_count();
    tfc_status st = {0};
    tfc_tensor *t;
    tfc_code c = tfc_tensor_from_proto(data, size, &t, &st);
    if (c == TFC_OK) {
        check_tensor(t);
        tfc_tensor_unref(t);
    } else {
        CHECK((c == TFC_INVALID_ARGUMENT || c == TFC_RESOURCE_EXHAUSTED) && !t && st.msg[0]);
    }
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
