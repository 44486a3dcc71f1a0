/* The byte source under the TFRecord reader: a file, pipe or memory buffer, inflated for
 * GZIP/ZLIB. Unlike TensorFlow's ZlibInputStream it continues across concatenated gzip members
 * (tensorflow#45137) and tells a stream cut short from a clean end. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
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

static const char *zname(const tfc__instream *s) {
    return s->comp == TFC_COMPRESSION_GZIP ? "gzip" : "zlib";
}

static tfc_code raw_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    size_t done = 0;
    if (s->fd < 0) {
        uint64_t left = s->raw_pos < s->raw_size ? s->raw_size - s->raw_pos : 0;
        done = n < left ? n : (size_t)left;
        if (done) memcpy(dst, s->mem + s->raw_pos, done);
        s->raw_pos += done;
        *got = done;
        return TFC_OK;
    }
    if (s->prefix_pos < s->prefix_len) {
        size_t k = s->prefix_len - s->prefix_pos;
        done = n < k ? n : k;
        memcpy(dst, s->prefix + s->prefix_pos, done);
        s->prefix_pos += done;
    }
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

/* Whether head (the first n raw bytes) inflates as comp into a valid record header, an empty
 * stream, or too little to tell — anything but a deflate error or a bad header. */
static bool inflates_as(const uint8_t *head, size_t n, tfc_compression comp) {
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = tfc__zalloc, z.zfree = tfc__zfree;
    if (inflateInit2(&z, window_bits(comp)) != Z_OK) return false;
    uint8_t out[12];
    z.next_in = (Bytef *)head, z.avail_in = (uInt)n;
    z.next_out = out, z.avail_out = sizeof out;
    int zr;
    do zr = inflate(&z, Z_NO_FLUSH);
    while (zr == Z_OK && z.avail_out > 0 && z.avail_in > 0);
    size_t got = sizeof out - z.avail_out;
    inflateEnd(&z);
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) return false;
    if (got < 12) return !(zr == Z_STREAM_END && got > 0);
    return tfc_compression_detect(out, 12) == TFC_COMPRESSION_NONE;
}

static tfc_compression detect(const uint8_t *head, size_t n) {
    tfc_compression c = tfc_compression_detect(head, n);
    if ((c == TFC_COMPRESSION_GZIP || c == TFC_COMPRESSION_ZLIB) && !inflates_as(head, n, c))
        return TFC_COMPRESSION_NONE; /* reading will say what is wrong with it */
    return c == TFC_COMPRESSION_AUTO ? TFC_COMPRESSION_NONE : c;
}

tfc_code tfc__instream_open(tfc__instream *s, const char *name, int fd, const uint8_t *mem,
                            uint64_t size, tfc_compression comp, tfc_status *st) {
    memset(s, 0, sizeof *s);
    s->name = name, s->fd = fd, s->mem = mem, s->raw_size = size, s->seekable = true;
    if ((unsigned)comp > TFC_COMPRESSION_GZIP)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: unknown compression value %d", name,
                              (int)comp);
    if (fd >= 0) {
        struct stat sb;
        if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            s->seekable = false;
            s->raw_size = UINT64_MAX;
        }
    }
    if (comp == TFC_COMPRESSION_AUTO) {
        const uint8_t *head = s->prefix;
        size_t got = 0;
        if (fd < 0) {
            head = mem, got = size < TFC__PREFIX ? (size_t)size : TFC__PREFIX;
        } else if (s->seekable) {
            ssize_t r;
            do r = pread(fd, s->prefix, TFC__PREFIX, 0);
            while (r < 0 && errno == EINTR);
            got = r > 0 ? (size_t)r : 0;
        } else {
            /* A pipe cannot be re-read: keep what detection reads and hand it out first. */
            size_t k;
            tfc_code c = raw_read(s, s->prefix, TFC__PREFIX, &k, st);
            if (c != TFC_OK) return c;
            s->prefix_len = got = k;
            s->raw_pos = 0;
        }
        comp = detect(head, got);
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
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: inflateInit2 failed", name);
    s->z_live = true;
    s->z_member_new = true;
    return TFC_OK;
}

/* Compressed offset of the next byte inflate will consume. */
static uint64_t z_raw_off(const tfc__instream *s) {
    return s->raw_pos - s->zs.avail_in;
}

/* Gives inflate more input, keeping what it has not consumed yet. */
static tfc_code z_refill(tfc__instream *s, tfc_status *st) {
    if (s->fd < 0) { /* hand inflate the rest of the buffer */
        uint64_t start = s->raw_pos - s->zs.avail_in, left = s->raw_size - start;
        s->zs.next_in = (Bytef *)(s->mem + start);
        s->zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
        s->raw_pos = start + s->zs.avail_in;
        return TFC_OK;
    }
    size_t keep = s->zs.avail_in, got;
    size_t used = s->zs.next_in ? (size_t)(s->zs.next_in - s->zin) : 0;
    if (used >= sizeof s->z_tail) { /* the last 8 bytes consumed, for a gzip trailer */
        memcpy(s->z_tail, s->zin + used - sizeof s->z_tail, sizeof s->z_tail);
    } else if (used) {
        memmove(s->z_tail, s->z_tail + used, sizeof s->z_tail - used);
        memcpy(s->z_tail + sizeof s->z_tail - used, s->zin, used);
    }
    if (keep) memmove(s->zin, s->zs.next_in, keep);
    tfc_code c = raw_read(s, s->zin + keep, s->zin_cap - keep, &got, st);
    s->zs.next_in = s->zin;
    s->zs.avail_in = (uInt)(keep + got);
    return c;
}

/* After a member or stream ended: continues if another one follows; a tail of zero bytes is a
 * clean end (gzip(1) accepts such padding). *more = false at the end of the data. */
static tfc_code z_next_member(tfc__instream *s, uint64_t out_at, bool *more, tfc_status *st) {
    *more = false;
    tfc_code c;
    if (s->zs.avail_in < 2 && (c = z_refill(s, st)) != TFC_OK) return c;
    if (s->zs.avail_in == 0) return TFC_OK;
    const uint8_t *p = s->zs.next_in;
    bool next = s->zs.avail_in >= 2 && (s->comp == TFC_COMPRESSION_GZIP
                                            ? p[0] == 0x1f && p[1] == 0x8b
                                            : tfc_compression_detect(p, 2) == TFC_COMPRESSION_ZLIB);
    if (next) {
        inflateReset(&s->zs);
        s->z_member_new = true;
        *more = true;
        return TFC_OK;
    }
    for (;;) { /* zero padding up to the end, or garbage */
        for (uInt i = 0; i < s->zs.avail_in; i++) {
            if (s->zs.next_in[i] == 0) continue;
            s->zs.next_in += i, s->zs.avail_in -= i;
            return tfc_status_set(st, TFC_DATA_LOSS,
                                  "%s: unexpected bytes after the end of the %s stream at "
                                  "compressed offset %llu (uncompressed offset %llu)",
                                  s->name, zname(s), (unsigned long long)z_raw_off(s),
                                  (unsigned long long)out_at);
        }
        s->zs.next_in += s->zs.avail_in, s->zs.avail_in = 0;
        if ((c = z_refill(s, st)) != TFC_OK) return c;
        if (s->zs.avail_in == 0) return TFC_OK;
    }
}

/* Before a GZIP member's first inflate: the member's CRC-32 and length are checked here
 * (z_member_check) unless its header has a CRC of its own (FLG.FHCRC, which zlib checks only
 * with the rest) or is too short to tell; zlib checks those members itself. */
static tfc_code z_member_begin(tfc__instream *s, tfc_status *st) {
    s->z_member_new = false;
    if (s->comp != TFC_COMPRESSION_GZIP) return TFC_OK;
    tfc_code c = TFC_OK;
    if (s->zs.avail_in < 4) c = z_refill(s, st);
    s->z_own_check = c == TFC_OK && s->zs.avail_in >= 4 && !(s->zs.next_in[3] & 0x02);
    s->z_crc = 0, s->z_len = 0;
    inflateValidate(&s->zs, !s->z_own_check);
    return c;
}

/* At the end of a member checked here: its trailer, the 8 bytes inflate consumed last, against
 * the CRC-32 and length (mod 2^32) of what it inflated to. */
static const char *z_member_check(const tfc__instream *s) {
    uint8_t t[8];
    size_t used = (size_t)(s->zs.next_in - (s->fd < 0 ? s->mem : s->zin)), k = sizeof t;
    if (s->fd >= 0 && used < k) { /* it began in the previous read */
        memcpy(t, s->z_tail + used, k - used);
        memcpy(t + k - used, s->zin, used);
    } else {
        memcpy(t, s->zs.next_in - k, k);
    }
    if (tfc_get_u32le(t) != s->z_crc) return "incorrect data check";
    if (tfc_get_u32le(t + 4) != s->z_len) return "incorrect length check";
    return NULL;
}

/* Inflates up to n bytes; on damage returns the error with *got = bytes produced before it. */
static tfc_code z_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    size_t done = 0;
    tfc_code c = TFC_OK;
    s->truncated = false;
    while (done < n) {
        if (s->z_member_end) {
            bool more;
            if ((c = z_next_member(s, s->out_pos + done, &more, st)) != TFC_OK) break;
            if (!more) break;
            s->z_member_end = false;
        }
        if (s->zs.avail_in == 0) {
            if ((c = z_refill(s, st)) != TFC_OK) break;
            if (s->zs.avail_in == 0) {
                s->truncated = true; /* so far: a file being written may grow */
                break;
            }
        }
        if (s->z_member_new && (c = z_member_begin(s, st)) != TFC_OK) break;
        size_t want = n - done;
        s->zs.next_out = dst + done;
        s->zs.avail_out = want > (1u << 30) ? (1u << 30) : (uInt)want;
        uInt before = s->zs.avail_out;
        int zr = inflate(&s->zs, Z_NO_FLUSH);
        size_t made = before - s->zs.avail_out;
        if (s->z_own_check) {
            s->z_crc = tfc__crc32(s->z_crc, dst + done, made);
            s->z_len += (uint32_t)made;
        }
        done += made;
        const char *bad = NULL;
        if (zr == Z_STREAM_END && !(s->z_own_check && (bad = z_member_check(s)))) {
            s->z_member_end = true;
        } else if (bad || (zr != Z_OK && !(zr == Z_BUF_ERROR && s->zs.avail_in == 0))) {
            if (!bad) bad = s->zs.msg ? s->zs.msg : "inflate failed";
            c = tfc_status_set(st, TFC_DATA_LOSS,
                               "%s: corrupted %s data near compressed offset %llu "
                               "(uncompressed offset %llu): %s",
                               s->name, zname(s), (unsigned long long)z_raw_off(s),
                               (unsigned long long)(s->out_pos + done), bad);
            break;
        }
    }
    s->out_pos += done;
    *got = done;
    return c;
}

tfc_code tfc__instream_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st) {
    if (s->comp == TFC_COMPRESSION_NONE) return raw_read(s, dst, n, got, st);
    if (s->err.code != TFC_OK) {
        *got = 0;
        if (st) *st = s->err;
        return s->err.code;
    }
    tfc_code c = z_read(s, dst, n, got, &s->err);
    if (c == TFC_OK) return TFC_OK;
    if (*got == 0) {
        if (st) *st = s->err;
        return c;
    }
    return TFC_OK; /* bytes first; the error (kept in s->err) comes with the next call */
}

tfc_code tfc__instream_rewind(tfc__instream *s, uint64_t offset, tfc_status *st) {
    if (!s->seekable)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "%s: cannot seek in a pipe", s->name);
    if (s->comp != TFC_COMPRESSION_NONE) {
        if (offset != 0)
            return tfc_status_set(st, TFC_INTERNAL, "%s: compressed streams rewind to 0 only",
                                  s->name);
        inflateReset(&s->zs);
        s->zs.avail_in = 0;
        s->zs.next_in = NULL;
        s->z_member_end = false;
        s->z_member_new = true;
        s->truncated = false;
        s->out_pos = 0;
        tfc_status_clear(&s->err);
    }
    if (s->fd >= 0 && lseek(s->fd, (off_t)offset, SEEK_SET) < 0)
        return tfc_status_set(st, TFC_UNKNOWN, "seek %s to %llu: %s", s->name,
                              (unsigned long long)offset, strerror(errno));
    s->raw_pos = offset;
    s->prefix_len = s->prefix_pos = 0;
    return TFC_OK;
}

void tfc__instream_close(tfc__instream *s) {
    if (s->z_live) inflateEnd(&s->zs);
    tfc_free(s->zin);
    if (s->fd >= 0) close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
