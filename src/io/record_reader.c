/* TFRecord reader: frames records out of a buffered source, checks both checksums, reports
 * TensorFlow's errors with the file and offset, and (opt-in) resynchronises past damage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_int.h"
#include "io/record_int.h"

#define DEFAULT_BUFFER (256 * 1024)

struct tfc_record_reader {
    char *name;
    tfc__instream src;
    tfc_record_reader_opts opts;
    uint8_t *buf;
    size_t cap, pos, end;
    uint64_t buf_off; /* stream offset of buf[0] */
    bool eof;         /* the source has no more bytes */
    tfc_status err;   /* sticky error from the source (damaged compressed data) */
    uint64_t bad_len; /* after a payload checksum failure: the bad record's framed size */
    tfc_record_reader_stats stats;
};

static tfc_code reader_new(const char *name, const tfc_record_reader_opts *opts,
                           tfc_record_reader **out, tfc_status *st) {
    tfc_record_reader *r = tfc_calloc(1, sizeof *r);
    if (!r || !(r->name = tfc_strdup(name))) {
        tfc_free(r);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", name);
    }
    r->src.fd = -1;
    if (opts) r->opts = *opts;
    r->cap = r->opts.buffer_size ? r->opts.buffer_size : DEFAULT_BUFFER;
    if (r->cap < 64) r->cap = 64;
    r->buf = tfc_malloc(r->cap);
    if (!r->buf) {
        tfc_record_reader_free(r);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", name);
    }
    *out = r;
    return TFC_OK;
}

tfc_code tfc_record_reader_open(const char *path, const tfc_record_reader_opts *opts,
                                tfc_record_reader **out, tfc_status *st) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "open %s for reading", path);
    struct stat sb;
    if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        close(fd);
        return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                              "%s: is a directory, not a TFRecord file", path);
    }
    tfc_record_reader *r;
    if (reader_new(path, opts, &r, st) != TFC_OK) {
        close(fd);
        return st ? st->code : TFC_RESOURCE_EXHAUSTED;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    tfc_code c = tfc__instream_open(&r->src, r->name, fd, NULL, (uint64_t)sb.st_size,
                                    r->opts.compression, st);
    if (c != TFC_OK) {
        tfc_record_reader_free(r);
        return c;
    }
    *out = r;
    return TFC_OK;
}

tfc_code tfc_record_reader_open_memory(const void *data, size_t n, const char *name,
                                       const tfc_record_reader_opts *opts, tfc_record_reader **out,
                                       tfc_status *st) {
    *out = NULL;
    tfc_record_reader *r;
    tfc_code c = reader_new(name ? name : "<memory>", opts, &r, st);
    if (c != TFC_OK) return c;
    c = tfc__instream_open(&r->src, r->name, -1, data, n, r->opts.compression, st);
    if (c != TFC_OK) {
        tfc_record_reader_free(r);
        return c;
    }
    *out = r;
    return TFC_OK;
}

void tfc_record_reader_free(tfc_record_reader *r) {
    if (!r) return;
    tfc__instream_close(&r->src);
    tfc_free(r->buf);
    tfc_free(r->name);
    tfc_free(r);
}

/* Makes at least `need` bytes available at buf+pos unless the data ends first; returns what is
 * available. Grows the buffer geometrically as bytes arrive, so a hostile length field cannot make
 * it allocate more than about twice the data actually present — except for uncompressed sources,
 * whose remaining size is known and checked first. */
static tfc_code ensure(tfc_record_reader *r, uint64_t need, size_t *avail, tfc_status *st) {
    while (r->end - r->pos < need && !r->eof) {
        if (r->err.code != TFC_OK) {
            if (st) *st = r->err;
            return r->err.code;
        }
        if (r->pos > 0 && r->cap - r->end < need - (r->end - r->pos)) {
            memmove(r->buf, r->buf + r->pos, r->end - r->pos);
            r->buf_off += r->pos;
            r->end -= r->pos;
            r->pos = 0;
        }
        if (r->end == r->cap) {
            uint64_t want = (uint64_t)r->cap * 2;
            if (r->src.comp == TFC_COMPRESSION_NONE && r->src.seekable && need > want &&
                r->src.raw_pos <= r->src.raw_size &&
                need - r->end <= r->src.raw_size - r->src.raw_pos)
                want = need; /* the bytes are there: take them in one step */
            if (want > SIZE_MAX / 2)
                return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                      "%s: record at offset %llu is too large for memory", r->name,
                                      (unsigned long long)(r->buf_off + r->pos));
            uint8_t *nb = tfc_realloc(r->buf, (size_t)want);
            if (!nb)
                return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                      "%s: out of memory growing the buffer to %llu bytes for the "
                                      "record at offset %llu",
                                      r->name, (unsigned long long)want,
                                      (unsigned long long)(r->buf_off + r->pos));
            r->buf = nb, r->cap = (size_t)want;
        }
        size_t got;
        tfc_status es = {0};
        if (tfc__instream_read(&r->src, r->buf + r->end, r->cap - r->end, &got, &es) != TFC_OK) {
            r->err = es; /* stays: the stream cannot go on past damaged compressed data */
            continue;
        }
        r->end += got;
        if (got == 0) r->eof = true;
    }
    *avail = r->end - r->pos;
    return TFC_OK;
}

static bool header_ok(const uint8_t *h) {
    return tfc_crc32c_mask(tfc_crc32c(h, 8)) == tfc_get_u32le(h + 8);
}

static const char *hint(const tfc_record_reader *r, uint64_t off) {
    if (off != 0 || r->src.comp != TFC_COMPRESSION_NONE) return "";
    return tfc__record_hint(r->buf + r->pos, r->end - r->pos);
}

/* Whether a record of len payload bytes at off fits in an uncompressed source. The size is
 * re-read once before saying no, since a file may grow while it is read (event files do). */
static bool fits(tfc_record_reader *r, uint64_t off, uint64_t len) {
    for (int pass = 0; pass < 2; pass++) {
        uint64_t size = r->src.raw_size;
        if (size >= off && size - off >= 16 && len <= size - off - 16) return true;
        struct stat sb;
        if (pass || r->src.fd < 0 || fstat(r->src.fd, &sb) != 0) break;
        r->src.raw_size = (uint64_t)sb.st_size;
    }
    return false;
}

/* Rewords an error from the byte source (damaged compressed data) as TF does, around the record
 * it hit: "corrupted record at OFFSET in FILE: <what zlib said>". */
static tfc_code source_error(tfc_record_reader *r, uint64_t off, tfc_status *st) {
    tfc_status inner = r->err;
    return tfc_status_set(st, inner.code, "corrupted record at %llu in %s: %s",
                          (unsigned long long)off, r->name, inner.msg);
}

/* Tries to frame one record at buf+pos. Returns OK with *out set, OUT_OF_RANGE at a clean end,
 * DATA_LOSS for a bad or cut record (nothing consumed). */
static tfc_code frame(tfc_record_reader *r, tfc_bytes *out, tfc_status *st) {
    uint64_t off = r->buf_off + r->pos;
    size_t avail;
    r->bad_len = 0;
    tfc_code c = ensure(r, 12, &avail, st);
    if (c == TFC_DATA_LOSS) return source_error(r, off, st);
    if (c != TFC_OK) return c;
    if (avail == 0) {
        if (r->src.truncated)
            return tfc_status_set(st, TFC_DATA_LOSS,
                                  "truncated record at %llu in %s: the %s stream ends before its "
                                  "end marker (the file is cut short, or still being written)",
                                  (unsigned long long)off, r->name,
                                  r->src.comp == TFC_COMPRESSION_GZIP ? "gzip" : "zlib");
        return tfc_status_set(st, TFC_OUT_OF_RANGE, "eof");
    }
    if (avail < 12)
        return tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                              (unsigned long long)off, r->name);
    const uint8_t *h = r->buf + r->pos;
    if (!header_ok(h))
        return tfc_status_set(st, TFC_DATA_LOSS,
                              "corrupted record at %llu in %s: length checksum 0x%08x, expected "
                              "0x%08x%s",
                              (unsigned long long)off, r->name, tfc_get_u32le(h + 8),
                              tfc_crc32c_mask(tfc_crc32c(h, 8)), hint(r, off));
    uint64_t len = tfc_get_u64le(h);
    if (len > UINT64_MAX - 16 || len + 16 > (uint64_t)SIZE_MAX)
        return tfc_status_set(st, TFC_DATA_LOSS, "record size too large at %llu in %s (%llu bytes)",
                              (unsigned long long)off, r->name, (unsigned long long)len);
    if (r->src.comp == TFC_COMPRESSION_NONE && !fits(r, off, len))
        return tfc_status_set(st, TFC_DATA_LOSS,
                              "truncated record at %llu in %s: length %llu runs past the end of "
                              "the file (%llu bytes)",
                              (unsigned long long)off, r->name, (unsigned long long)len,
                              (unsigned long long)r->src.raw_size);
    c = ensure(r, 16 + len, &avail, st);
    if (c == TFC_DATA_LOSS) return source_error(r, off, st);
    if (c != TFC_OK) return c;
    if (avail < 16 + len)
        return tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                              (unsigned long long)off, r->name);
    const uint8_t *p = r->buf + r->pos + 12;
    if (!r->opts.skip_payload_crc) {
        uint32_t want = tfc_crc32c_mask(tfc_crc32c(p, (size_t)len));
        uint32_t got = tfc_get_u32le(p + len);
        if (want != got) {
            r->bad_len = 16 + len; /* the length itself was checked: the record's extent is known */
            return tfc_status_set(st, TFC_DATA_LOSS,
                                  "corrupted record at %llu in %s: payload checksum 0x%08x, "
                                  "expected 0x%08x",
                                  (unsigned long long)off, r->name, got, want);
        }
    }
    out->data = p;
    out->size = (size_t)len;
    r->pos += 16 + (size_t)len;
    r->stats.records++;
    return TFC_OK;
}

/* Files (not memory) may grow: a new call looks for bytes again, as TensorBoard's loader does. */
static void rearm(tfc_record_reader *r) {
    if (r->src.fd >= 0) r->eof = false;
}

tfc_code tfc_record_reader_next(tfc_record_reader *r, tfc_bytes *out, tfc_status *st) {
    rearm(r);
    if (!r->opts.skip_corrupted) return frame(r, out, st); /* the per-record path */
    tfc_status problem;
    tfc_status_clear(&problem);
    tfc_code c = frame(r, out, &problem);
    /* Only damage is skipped: not a clean end, an out-of-memory, or a broken compressed stream. */
    if (c != TFC_DATA_LOSS || r->err.code != TFC_OK) {
        if (c != TFC_OK && st) *st = problem;
        return c;
    }
    /* Resynchronise at the next offset where a whole record verifies. A record whose header held
     * but whose payload did not is skipped whole (its length was checked); after a bad header the
     * search goes byte by byte. */
    uint64_t bad = r->buf_off + r->pos;
    tfc_status fst;
    bool scanned = false;
    for (;;) {
        uint64_t step = r->bad_len ? r->bad_len : 1;
        scanned |= step == 1;
        r->pos = r->pos + step < r->end ? r->pos + (size_t)step : r->end;
        c = frame(r, out, NULL); /* no message per candidate offset: formatting would dominate */
        if (c != TFC_DATA_LOSS || r->err.code != TFC_OK) break;
        if (r->pos >= r->end && r->eof) break; /* the scan ran off the end of the data */
    }
    /* A bad last record, skipped whole, before a clean end counts as skipped. Otherwise, with no
     * valid record after the damage (yet: a file may still be growing), the reader goes back to
     * the damage and reports it, counting nothing. */
    bool clean_end = c == TFC_OUT_OF_RANGE && !scanned;
    if (c != TFC_OK) (void)frame(r, out, &fst); /* nothing was consumed: the same error, worded */
    if (c != TFC_OK && !clean_end) {
        tfc_status ss;
        /* A broken stream or an out-of-memory is what stopped us: say that. */
        if (r->err.code != TFC_OK || (c != TFC_DATA_LOSS && c != TFC_OUT_OF_RANGE)) problem = fst;
        if (tfc_record_reader_seek(r, bad, &ss) != TFC_OK) problem = ss;
        if (st) *st = problem;
        return problem.code;
    }
    uint64_t skipped_to =
        c == TFC_OK ? r->buf_off + r->pos - 16 - out->size : r->buf_off + r->end;
    r->stats.skipped_regions++;
    r->stats.skipped_bytes += (int64_t)(skipped_to - bad);
    if (r->opts.on_skip) r->opts.on_skip(r->opts.on_skip_ctx, &problem, bad, skipped_to - bad);
    if (c != TFC_OK && st) *st = fst;
    return c;
}

tfc_code tfc_record_reader_seek(tfc_record_reader *r, uint64_t offset, tfc_status *st) {
    rearm(r);
    if (offset >= r->buf_off && offset <= r->buf_off + r->end) {
        r->pos = (size_t)(offset - r->buf_off);
        return TFC_OK;
    }
    tfc_code c;
    if (r->src.comp == TFC_COMPRESSION_NONE) {
        if ((c = tfc__instream_rewind(&r->src, offset, st)) != TFC_OK) return c;
        r->buf_off = offset, r->pos = r->end = 0, r->eof = false;
        return TFC_OK;
    }
    if (offset < r->buf_off) {
        tfc_status_clear(&r->err);
        if ((c = tfc__instream_rewind(&r->src, 0, st)) != TFC_OK) return c;
        r->buf_off = 0, r->pos = r->end = 0, r->eof = false;
    }
    /* Decompress forward, discarding, until offset is inside the buffer. */
    while (offset > r->buf_off + r->end) {
        r->buf_off += r->end;
        r->pos = r->end = 0;
        size_t avail;
        if ((c = ensure(r, 1, &avail, st)) != TFC_OK) return c;
        if (avail == 0)
            return tfc_status_set(st, TFC_OUT_OF_RANGE, "%s: offset %llu is past the end (%llu)",
                                  r->name, (unsigned long long)offset,
                                  (unsigned long long)r->buf_off);
    }
    r->pos = (size_t)(offset - r->buf_off);
    return TFC_OK;
}

uint64_t tfc_record_reader_offset(const tfc_record_reader *r) {
    return r->buf_off + r->pos;
}

tfc_compression tfc_record_reader_compression(const tfc_record_reader *r) {
    return r->src.comp;
}

tfc_record_reader_stats tfc_record_reader_get_stats(const tfc_record_reader *r) {
    return r->stats;
}

tfc_code tfc_record_reader_read_at(tfc_record_reader *r, const tfc_record_index *idx, int64_t i,
                                   tfc_bytes *out, tfc_status *st) {
    uint64_t off, framed;
    tfc_code c = tfc_record_index_entry(idx, i, &off, &framed, st);
    if (c != TFC_OK) return c;
    if ((c = tfc_record_reader_seek(r, off, st)) != TFC_OK) return c;
    if ((c = frame(r, out, st)) != TFC_OK) return c;
    if (out->size + 16 != framed)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                              "%s: record %lld at %llu has %zu bytes but the index says %llu: the "
                              "index is stale",
                              r->name, (long long)i, (unsigned long long)off, out->size,
                              (unsigned long long)(framed - 16));
    return TFC_OK;
}
