/* TFRecord writer: frames records and, for GZIP/ZLIB, deflates the whole stream as TensorFlow's
 * RecordWriter does (one stream per file, memLevel 9). */
#include <string.h>

#include "io/record_int.h"
#include "tfc/gfile.h"

#define ZOUT_SIZE (256 * 1024)

struct tfc_record_writer {
    tfc_file *f;
    tfc_compression comp;
    z_stream zs;
    bool z_live;
    uint8_t *zout;
    int64_t count;
};

tfc_code tfc_record_writer_open(const char *path, const tfc_record_writer_opts *opts,
                                tfc_record_writer **out, tfc_status *st) {
    *out = NULL;
    tfc_record_writer_opts o = {0};
    if (opts) o = *opts;
    if ((unsigned)o.compression > TFC_COMPRESSION_GZIP)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "unknown compression value %d for %s",
                              (int)o.compression, path);
    if (o.compression_level < 0 || o.compression_level > 9)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "compression level %d for %s: expected 0 (default) or 1..9",
                              o.compression_level, path);
    tfc_record_writer *w = tfc_calloc(1, sizeof *w);
    if (!w) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", path);
    w->comp = o.compression == TFC_COMPRESSION_AUTO ? TFC_COMPRESSION_NONE : o.compression;
    tfc_code c = tfc_file_open(path, o.atomic ? TFC_FILE_WRITE_ATOMIC : TFC_FILE_WRITE, &w->f, st);
    if (c != TFC_OK) {
        tfc_free(w);
        return c;
    }
    if (w->comp != TFC_COMPRESSION_NONE) {
        w->zout = tfc_malloc(ZOUT_SIZE);
        w->zs.zalloc = tfc__zalloc, w->zs.zfree = tfc__zfree;
        int level = o.compression_level ? o.compression_level : Z_DEFAULT_COMPRESSION;
        int bits = w->comp == TFC_COMPRESSION_GZIP ? 15 + 16 : 15;
        if (!w->zout ||
            deflateInit2(&w->zs, level, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
            tfc_record_writer_abort(w);
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: cannot start deflate", path);
        }
        w->z_live = true;
    }
    *out = w;
    return TFC_OK;
}

static tfc_code z_push(tfc_record_writer *w, const void *data, size_t n, int flush,
                       tfc_status *st) {
    const uint8_t *p = data;
    for (;;) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        w->zs.next_in = (Bytef *)p;
        w->zs.avail_in = (uInt)chunk;
        int f = chunk == n ? flush : Z_NO_FLUSH;
        do {
            w->zs.next_out = w->zout;
            w->zs.avail_out = ZOUT_SIZE;
            int zr = deflate(&w->zs, f);
            if (zr == Z_STREAM_ERROR)
                return tfc_status_set(st, TFC_INTERNAL, "%s: deflate failed", tfc_file_path(w->f));
            size_t have = ZOUT_SIZE - w->zs.avail_out;
            if (have) {
                tfc_code c = tfc_file_write(w->f, w->zout, have, st);
                if (c != TFC_OK) return c;
            }
        } while (w->zs.avail_out == 0 || w->zs.avail_in > 0);
        if (chunk == n) return TFC_OK;
        p += chunk, n -= chunk;
    }
}

static tfc_code put(tfc_record_writer *w, const void *data, size_t n, tfc_status *st) {
    if (w->comp == TFC_COMPRESSION_NONE) return tfc_file_write(w->f, data, n, st);
    return z_push(w, data, n, Z_NO_FLUSH, st);
}

tfc_code tfc_record_writer_write(tfc_record_writer *w, const void *data, size_t n, tfc_status *st) {
    uint8_t header[12], footer[4];
    tfc_record_encode_header(n, header);
    tfc_record_encode_footer(data, n, footer);
    tfc_code c;
    if ((c = put(w, header, 12, st)) != TFC_OK || (c = put(w, data, n, st)) != TFC_OK ||
        (c = put(w, footer, 4, st)) != TFC_OK)
        return c;
    w->count++;
    return TFC_OK;
}

tfc_code tfc_record_writer_flush(tfc_record_writer *w, tfc_status *st) {
    if (w->comp != TFC_COMPRESSION_NONE) {
        tfc_code c = z_push(w, NULL, 0, Z_SYNC_FLUSH, st);
        if (c != TFC_OK) return c;
    }
    return tfc_file_flush(w->f, st);
}

tfc_code tfc_record_writer_close(tfc_record_writer *w, tfc_status *st) {
    tfc_code c = TFC_OK;
    if (w->comp != TFC_COMPRESSION_NONE) c = z_push(w, NULL, 0, Z_FINISH, st);
    if (c != TFC_OK) {
        tfc_record_writer_abort(w);
        return c;
    }
    c = tfc_file_close(w->f, st);
    w->f = NULL;
    tfc_record_writer_abort(w);
    return c;
}

void tfc_record_writer_abort(tfc_record_writer *w) {
    if (!w) return;
    if (w->z_live) deflateEnd(&w->zs);
    tfc_free(w->zout);
    tfc_file_abort(w->f);
    tfc_free(w);
}

int64_t tfc_record_writer_count(const tfc_record_writer *w) {
    return w->count;
}
