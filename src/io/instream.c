/* The byte source under the TFRecord reader: a file or memory buffer, inflated for GZIP/ZLIB.
 * Unlike TensorFlow's ZlibInputStream it continues across concatenated gzip members
 * (tensorflow#45137) and reports a stream cut short instead of treating it as a clean end. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/record_int.h"

#define ZIN_SIZE (256 * 1024)

void *tfc__zalloc(void *opaque, unsigned items, unsigned size) {
    (void)opaque;
    return tfc_calloc(items, size);
}

void tfc__zfree(void *opaque, void *p) {
    (void)opaque;
    tfc_free(p);
}

static tfc_code raw_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    if (s->fd < 0) {
        uint64_t left = s->raw_size - s->raw_pos;
        size_t k = n < left ? n : (size_t)left;
        memcpy(dst, s->mem + s->raw_pos, k);
        s->raw_pos += k;
        *got = k;
        return TFC_OK;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(s->fd, dst + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return tfc_status_set(st, TFC_UNKNOWN, "read %s at offset %llu: %s", s->name,
                                  (unsigned long long)(s->raw_pos + done), strerror(errno));
        if (r == 0) break;
        done += (size_t)r;
    }
    s->raw_pos += done;
    *got = done;
    return TFC_OK;
}

static int window_bits(tfc_compression c) {
    return c == TFC_COMPRESSION_GZIP ? 15 + 16 : 15;
}

tfc_code tfc__instream_open(tfc__instream *s, const char *name, int fd, const uint8_t *mem,
                            uint64_t size, tfc_compression comp, tfc_status *st) {
    memset(s, 0, sizeof *s);
    s->name = name, s->fd = fd, s->mem = mem, s->raw_size = size;
    if (comp == TFC_COMPRESSION_AUTO) {
        uint8_t head[12];
        size_t got = 0;
        if (fd >= 0) {
            ssize_t r;
            do r = pread(fd, head, sizeof head, 0);
            while (r < 0 && errno == EINTR);
            got = r > 0 ? (size_t)r : 0;
        } else {
            got = size < sizeof head ? (size_t)size : sizeof head;
            memcpy(head, mem, got);
        }
        comp = tfc_compression_detect(head, got);
        if (comp == TFC_COMPRESSION_AUTO) comp = TFC_COMPRESSION_NONE; /* reading reports why */
    }
    s->comp = comp;
    if (comp == TFC_COMPRESSION_NONE) return TFC_OK;
    if (fd >= 0) { /* memory sources are inflated in place */
        s->zin = tfc_malloc(ZIN_SIZE);
        if (!s->zin) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", name);
        s->zin_cap = ZIN_SIZE;
    }
    s->zs.zalloc = tfc__zalloc, s->zs.zfree = tfc__zfree;
    if (inflateInit2(&s->zs, window_bits(comp)) != Z_OK)
        return tfc_status_set(st, TFC_INTERNAL, "%s: inflateInit2 failed", name);
    s->z_live = true;
    return TFC_OK;
}

/* Compressed offset of the next byte inflate will consume. */
static uint64_t z_raw_off(const tfc__instream *s) {
    return s->raw_pos - s->zs.avail_in;
}

static tfc_code z_refill(tfc__instream *s, tfc_status *st) {
    if (s->fd < 0) { /* hand inflate the rest of the buffer, keeping what it has not consumed */
        uint64_t start = s->raw_pos - s->zs.avail_in, left = s->raw_size - start;
        s->zs.next_in = (Bytef *)(s->mem + start);
        s->zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
        s->raw_pos = start + s->zs.avail_in;
        return TFC_OK;
    }
    size_t got;
    tfc_code c = raw_read(s, s->zin, s->zin_cap, &got, st);
    s->zs.next_in = s->zin;
    s->zs.avail_in = (uInt)got;
    return c;
}

/* Called after a member ended: continue if another member or stream follows. Returns false at a
 * clean end of the data. */
static tfc_code z_next_member(tfc__instream *s, bool *more, tfc_status *st) {
    *more = false;
    if (s->zs.avail_in < 2 && s->fd < 0) {
        tfc_code c = z_refill(s, st);
        if (c != TFC_OK) return c;
    } else if (s->zs.avail_in < 2) {
        /* Keep a possible first byte, then top up. */
        uint8_t keep = s->zs.avail_in ? s->zs.next_in[0] : 0;
        size_t had = s->zs.avail_in, got;
        s->zin[0] = keep;
        tfc_code c = raw_read(s, s->zin + had, s->zin_cap - had, &got, st);
        if (c != TFC_OK) return c;
        s->zs.next_in = s->zin;
        s->zs.avail_in = (uInt)(had + got);
    }
    if (s->zs.avail_in == 0) return TFC_OK;
    const uint8_t *p = s->zs.next_in;
    bool gzip_next = s->zs.avail_in >= 2 && p[0] == 0x1f && p[1] == 0x8b;
    bool zlib_next = s->zs.avail_in >= 2 && s->comp == TFC_COMPRESSION_ZLIB &&
                     tfc_compression_detect(p, 2) == TFC_COMPRESSION_ZLIB;
    if ((s->comp == TFC_COMPRESSION_GZIP && gzip_next) || zlib_next) {
        inflateReset(&s->zs);
        *more = true;
        return TFC_OK;
    }
    return tfc_status_set(st, TFC_DATA_LOSS,
                          "%s: unexpected bytes after the end of the %s stream at compressed "
                          "offset %llu (uncompressed offset %llu)",
                          s->name, s->comp == TFC_COMPRESSION_GZIP ? "gzip" : "zlib",
                          (unsigned long long)z_raw_off(s), (unsigned long long)s->out_pos);
}

/* Inflates up to n bytes; on damage returns the error with *got = bytes produced before it. */
static tfc_code z_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    size_t done = 0;
    tfc_code c = TFC_OK;
    while (done < n) {
        if (s->z_member_end) {
            bool more;
            if ((c = z_next_member(s, &more, st)) != TFC_OK) break;
            if (!more) break;
            s->z_member_end = false;
        }
        if (s->zs.avail_in == 0) {
            if ((c = z_refill(s, st)) != TFC_OK) break;
            if (s->zs.avail_in == 0) {
                c = tfc_status_set(st, TFC_DATA_LOSS,
                                   "%s: truncated %s stream: the file ends at compressed offset "
                                   "%llu (uncompressed offset %llu) before the stream's end",
                                   s->name, s->comp == TFC_COMPRESSION_GZIP ? "gzip" : "zlib",
                                   (unsigned long long)s->raw_pos,
                                   (unsigned long long)(s->out_pos + done));
                break;
            }
        }
        size_t want = n - done;
        s->zs.next_out = dst + done;
        s->zs.avail_out = want > (1u << 30) ? (1u << 30) : (uInt)want;
        uInt before = s->zs.avail_out;
        int zr = inflate(&s->zs, Z_NO_FLUSH);
        done += before - s->zs.avail_out;
        if (zr == Z_STREAM_END) {
            s->z_member_end = true;
        } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && s->zs.avail_in == 0)) {
            c = tfc_status_set(st, TFC_DATA_LOSS,
                               "%s: corrupted %s data near compressed offset %llu "
                               "(uncompressed offset %llu): %s",
                               s->name, s->comp == TFC_COMPRESSION_GZIP ? "gzip" : "zlib",
                               (unsigned long long)z_raw_off(s), (unsigned long long)s->out_pos,
                               s->zs.msg ? s->zs.msg : "inflate failed");
            break;
        }
    }
    s->out_pos += done;
    *got = done;
    return done == n ? TFC_OK : c;
}

tfc_code tfc__instream_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    if (s->comp == TFC_COMPRESSION_NONE) return raw_read(s, dst, n, got, st);
    if (s->err.code != TFC_OK) {
        *got = 0;
        if (st) *st = s->err;
        return s->err.code;
    }
    tfc_code c = z_read(s, dst, n, got, &s->err);
    if (c != TFC_OK && *got == 0) {
        if (st) *st = s->err;
        return c;
    }
    if (c == TFC_OK) tfc_status_clear(&s->err);
    return TFC_OK; /* bytes first; the error (kept in s->err) comes with the next call */
}

tfc_code tfc__instream_rewind(tfc__instream *s, uint64_t offset, tfc_status *st) {
    if (s->comp != TFC_COMPRESSION_NONE) {
        if (offset != 0)
            return tfc_status_set(st, TFC_INTERNAL, "%s: compressed streams rewind to 0 only",
                                  s->name);
        inflateReset(&s->zs);
        s->zs.avail_in = 0;
        s->z_member_end = false;
        s->out_pos = 0;
        tfc_status_clear(&s->err);
    }
    if (s->fd >= 0 && lseek(s->fd, (off_t)offset, SEEK_SET) < 0)
        return tfc_status_set(st, TFC_UNKNOWN, "seek %s to %llu: %s", s->name,
                              (unsigned long long)offset, strerror(errno));
    s->raw_pos = offset;
    return TFC_OK;
}

void tfc__instream_close(tfc__instream *s) {
    if (s->z_live) inflateEnd(&s->zs);
    tfc_free(s->zin);
    if (s->fd >= 0) close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
