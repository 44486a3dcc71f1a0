/* libFuzzer target: the TFRecord reader over arbitrary bytes, in every compression mode and with
 * resynchronisation. Every record it returns must carry a payload whose checksum holds, and the
 * reader must free everything it allocated. */
#include <stdlib.h>
#include <string.h>

#include "tfc/record.h"

static void drain(const uint8_t *data, size_t size, tfc_compression comp, bool skip) {
    tfc_record_reader *r;
    tfc_status st;
    tfc_record_reader_opts o = {.compression = comp, .skip_corrupted = skip, .buffer_size = 64};
    if (tfc_record_reader_open_memory(data, size, "fuzz", &o, &r, &st) != TFC_OK) return;
    tfc_bytes b;
    tfc_code c;
    int guard = 0;
    while ((c = tfc_record_reader_next(r, &b, &st)) == TFC_OK && guard++ < 100000) {
        /* The footer follows the payload in the reader's buffer: recheck it independently. */
        uint32_t want = tfc_get_u32le(b.data + b.size);
        if (tfc_crc32c_mask(tfc_crc32c_extend_portable(0, b.data, b.size)) != want) abort();
    }
    if (c != TFC_OK && c != TFC_OUT_OF_RANGE && c != TFC_DATA_LOSS && c != TFC_RESOURCE_EXHAUSTED)
        abort();
    if (c != TFC_OK && c != TFC_OUT_OF_RANGE && !strstr(st.msg, "fuzz")) abort(); /* names file */
    tfc_record_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t live = tfc_alloc_live_count();
    static const tfc_compression comps[] = {TFC_COMPRESSION_AUTO, TFC_COMPRESSION_NONE,
                                            TFC_COMPRESSION_ZLIB, TFC_COMPRESSION_GZIP};
    for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
        drain(data, size, comps[i], false);
        drain(data, size, comps[i], true);
    }
    if (tfc_alloc_live_count() != live) abort();
    return 0;
}
