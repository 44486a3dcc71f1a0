/* The record index TensorFlow lacks: record offsets in a sidecar file, checked against the data
 * file it describes so that a stale index is rebuilt, never trusted (layout in record.h). Also
 * counting without an index, reading only the record headers of uncompressed files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_int.h"
#include "io/record_int.h"
#include "tfc/gfile.h"

#define MAGIC "TFCIDX02"
#define HEAD_BYTES 72
#define PROBE (64 * 1024)

struct tfc_record_index {
    char *data_path;
    tfc_compression comp;
    uint64_t data_size;
    int64_t data_mtime_ns;
    uint64_t data_ino;
    int64_t data_ctime_ns;
    uint32_t head_crc, tail_crc;
    uint64_t stream_size;
    int64_t count;
    uint64_t *offsets; /* into `owned` when loaded from a file */
    void *owned;
};

/* The identity of a data file: size, mtime and checksums of its first and last 64 KiB. */
typedef struct fingerprint {
    uint64_t size;
    int64_t mtime_ns;
    uint64_t ino;     /* a file replaced by another (rename, copy) gets a new inode ... */
    int64_t ctime_ns; /* ... and any write, even one that restores the mtime, moves the ctime */
    uint32_t head_crc, tail_crc;
} fingerprint;

static tfc_code crc_range(int fd, const char *path, uint64_t off, uint64_t n, uint32_t *crc,
                          tfc_status *st) {
    uint8_t buf[PROBE];
    ssize_t r;
    do r = pread(fd, buf, (size_t)n, (off_t)off);
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)n)
        return tfc_status_set(st, TFC_UNKNOWN, "read %s at %llu: %s", path, (unsigned long long)off,
                              r < 0 ? strerror(errno) : "short read");
    *crc = tfc_crc32c(buf, (size_t)n);
    return TFC_OK;
}

static tfc_code take_fingerprint(const char *path, fingerprint *fp, tfc_status *st) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "open %s for reading", path);
    struct stat sb;
    tfc_code c = TFC_OK;
    if (fstat(fd, &sb) != 0) {
        c = tfc_status_set(st, TFC_UNKNOWN, "stat %s: %s", path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        c = tfc_status_set(st, TFC_FAILED_PRECONDITION,
                           "%s is not a regular file: only regular files can be indexed", path);
    } else {
        fp->size = (uint64_t)sb.st_size;
        fp->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        fp->ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
        fp->ino = (uint64_t)sb.st_ino;
        uint64_t n = fp->size < PROBE ? fp->size : PROBE;
        c = crc_range(fd, path, 0, n, &fp->head_crc, st);
        if (c == TFC_OK) c = crc_range(fd, path, fp->size - n, n, &fp->tail_crc, st);
    }
    close(fd);
    return c;
}

char *tfc_record_index_default_path(const char *data_path) {
    size_t n = strlen(data_path);
    char *p = tfc_malloc(n + 8);
    if (p) memcpy(p, data_path, n), memcpy(p + n, ".tfcidx", 8);
    return p;
}

void tfc_record_index_free(tfc_record_index *idx) {
    if (!idx) return;
    if (idx->owned)
        tfc_free(idx->owned);
    else
        tfc_free(idx->offsets);
    tfc_free(idx->data_path);
    tfc_free(idx);
}

static tfc_record_index *index_alloc(const char *data_path) {
    tfc_record_index *idx = tfc_calloc(1, sizeof *idx);
    if (idx && !(idx->data_path = tfc_strdup(data_path))) {
        tfc_free(idx);
        idx = NULL;
    }
    return idx;
}

tfc_code tfc_record_index_build(const char *path, tfc_compression compression,
                                tfc_record_index **out, tfc_status *st) {
    *out = NULL;
    fingerprint fp;
    tfc_code c = take_fingerprint(path, &fp, st);
    if (c != TFC_OK) return c;
    tfc_record_index *idx = index_alloc(path);
    if (!idx) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", path);
    tfc_record_reader *r;
    tfc_record_reader_opts ro = {.compression = compression};
    if ((c = tfc_record_reader_open(path, &ro, &r, st)) != TFC_OK) {
        tfc_record_index_free(idx);
        return c;
    }
    size_t cap = 0;
    tfc_bytes rec;
    for (;;) {
        uint64_t off = tfc_record_reader_offset(r);
        c = tfc_record_reader_next(r, &rec, st);
        if (c != TFC_OK) break;
        if ((size_t)idx->count == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            uint64_t *no = tfc_realloc(idx->offsets, ncap * sizeof *no);
            if (!no) {
                c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", path);
                break;
            }
            idx->offsets = no, cap = ncap;
        }
        idx->offsets[idx->count++] = off;
    }
    idx->stream_size = tfc_record_reader_offset(r);
    idx->comp = tfc_record_reader_compression(r);
    tfc_record_reader_free(r);
    if (c != TFC_OUT_OF_RANGE) {
        tfc_record_index_free(idx);
        return c;
    }
    tfc_status_clear(st);
    idx->data_size = fp.size, idx->data_mtime_ns = fp.mtime_ns;
    idx->data_ino = fp.ino, idx->data_ctime_ns = fp.ctime_ns;
    idx->head_crc = fp.head_crc, idx->tail_crc = fp.tail_crc;
    *out = idx;
    return TFC_OK;
}

static void put_head(const tfc_record_index *idx, uint8_t *h) {
    memcpy(h, MAGIC, 8);
    tfc_put_u32le(h + 8, (uint32_t)idx->comp);
    tfc_put_u32le(h + 12, 0); /* the header checksum, filled in last */
    tfc_put_u64le(h + 16, idx->data_size);
    tfc_put_u64le(h + 24, (uint64_t)idx->data_mtime_ns);
    tfc_put_u32le(h + 32, idx->head_crc);
    tfc_put_u32le(h + 36, idx->tail_crc);
    tfc_put_u64le(h + 40, idx->stream_size);
    tfc_put_u64le(h + 48, (uint64_t)idx->count);
    tfc_put_u64le(h + 56, idx->data_ino);
    tfc_put_u64le(h + 64, (uint64_t)idx->data_ctime_ns);
    tfc_put_u32le(h + 12, tfc_crc32c_mask(tfc_crc32c(h, HEAD_BYTES)));
}

/* Checks a 56-byte header's magic and checksum. */
static bool head_ok(const uint8_t *h) {
    uint8_t copy[HEAD_BYTES];
    memcpy(copy, h, HEAD_BYTES);
    memset(copy + 12, 0, 4);
    return memcmp(h, MAGIC, 8) == 0 &&
           tfc_crc32c_mask(tfc_crc32c(copy, HEAD_BYTES)) == tfc_get_u32le(h + 12);
}

/* Whether the data file still is what the header describes. */
static bool head_matches(const uint8_t *h, const fingerprint *fp) {
    tfc_compression comp = (tfc_compression)tfc_get_u32le(h + 8);
    return fp->size == tfc_get_u64le(h + 16) && fp->mtime_ns == (int64_t)tfc_get_u64le(h + 24) &&
           fp->head_crc == tfc_get_u32le(h + 32) && fp->tail_crc == tfc_get_u32le(h + 36) &&
           fp->ino == tfc_get_u64le(h + 56) && fp->ctime_ns == (int64_t)tfc_get_u64le(h + 64) &&
           (comp != TFC_COMPRESSION_NONE || tfc_get_u64le(h + 40) == fp->size);
}

tfc_code tfc_record_index_write(const tfc_record_index *idx, const char *index_path,
                                tfc_status *st) {
    char *def = NULL;
    if (!index_path && !(index_path = def = tfc_record_index_default_path(idx->data_path)))
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    size_t n = HEAD_BYTES + 8 * (size_t)idx->count + 4;
    uint8_t *b = tfc_malloc(n);
    if (!b) {
        tfc_free(def);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", index_path);
    }
    put_head(idx, b);
    for (int64_t i = 0; i < idx->count; i++) tfc_put_u64le(b + HEAD_BYTES + 8 * i, idx->offsets[i]);
    tfc_put_u32le(b + n - 4, tfc_crc32c_mask(tfc_crc32c(b, n - 4)));
    tfc_code c = tfc_gfile_write_atomic(index_path, b, n, st);
    tfc_free(b);
    tfc_free(def);
    return c;
}

tfc_code tfc_record_index_write_dali(const tfc_record_index *idx, const char *dali_path,
                                     tfc_status *st) {
    if (idx->comp != TFC_COMPRESSION_NONE)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                              "%s is %s-compressed: DALI's index describes uncompressed files only",
                              idx->data_path, tfc_compression_name(idx->comp));
    size_t cap = 32 * (size_t)idx->count + 1, n = 0;
    char *text = tfc_malloc(cap);
    if (!text) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", dali_path);
    for (int64_t i = 0; i < idx->count; i++) {
        uint64_t end = i + 1 < idx->count ? idx->offsets[i + 1] : idx->stream_size;
        int k = snprintf(text + n, cap - n, "%llu %llu\n", (unsigned long long)idx->offsets[i],
                         (unsigned long long)(end - idx->offsets[i]));
        if (k < 0 || (size_t)k >= cap - n) {
            tfc_free(text);
            return tfc_status_set(st, TFC_INTERNAL, "%s: DALI index line %lld does not fit",
                                  dali_path, (long long)i);
        }
        n += (size_t)k;
    }
    tfc_code c = tfc_gfile_write_atomic(dali_path, text, n, st);
    tfc_free(text);
    return c;
}

tfc_code tfc_record_index_load(const char *data_path, const char *index_path,
                               tfc_record_index **out, tfc_status *st) {
    *out = NULL;
    char *def = NULL;
    if (!index_path && !(index_path = def = tfc_record_index_default_path(data_path)))
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    uint8_t *b = NULL;
    size_t n = 0;
    tfc_record_index *idx = NULL;
    tfc_code c = tfc_gfile_read_all(index_path, &b, &n, st);
    if (c != TFC_OK) goto done;
    uint64_t count = n >= HEAD_BYTES ? tfc_get_u64le(b + 48) : 0;
    if (n < HEAD_BYTES + 4 || !head_ok(b) || count > (n - HEAD_BYTES - 4) / 8 ||
        HEAD_BYTES + 8 * count + 4 != n ||
        tfc_crc32c_mask(tfc_crc32c(b, n - 4)) != tfc_get_u32le(b + n - 4)) {
        c = tfc_status_set(st, TFC_DATA_LOSS,
                           "%s: not a valid tfc record index (bad magic, size or checksum)",
                           index_path);
        goto done;
    }
    if (!(idx = index_alloc(data_path))) {
        c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", index_path);
        goto done;
    }
    idx->comp = (tfc_compression)tfc_get_u32le(b + 8);
    idx->data_size = tfc_get_u64le(b + 16);
    idx->data_mtime_ns = (int64_t)tfc_get_u64le(b + 24);
    idx->data_ino = tfc_get_u64le(b + 56);
    idx->data_ctime_ns = (int64_t)tfc_get_u64le(b + 64);
    idx->head_crc = tfc_get_u32le(b + 32), idx->tail_crc = tfc_get_u32le(b + 36);
    idx->stream_size = tfc_get_u64le(b + 40);
    idx->count = (int64_t)count;
    /* Decode the offsets in place (a no-op copy on little-endian hosts): the buffer, 16-byte
     * aligned, puts them at an 8-byte boundary. */
    idx->owned = b;
    idx->offsets = (uint64_t *)(void *)(b + HEAD_BYTES);
    b = NULL;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t v = tfc_get_u64le((const uint8_t *)&idx->offsets[i]);
        idx->offsets[i] = v;
        if (i > 0 && v < idx->offsets[i - 1] + 16) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "%s: damaged index (record %llu overlaps)",
                               index_path, (unsigned long long)i);
            goto done;
        }
    }
    if (count > 0 && idx->stream_size < idx->offsets[count - 1] + 16) {
        c = tfc_status_set(st, TFC_DATA_LOSS, "%s: damaged index (last record overlaps the end)",
                           index_path);
        goto done;
    }
    fingerprint fp;
    if ((c = take_fingerprint(data_path, &fp, st)) != TFC_OK) goto done;
    if (!head_matches(idx->owned, &fp)) {
        c = tfc_status_set(st, TFC_FAILED_PRECONDITION,
                           "stale index %s: %s changed since it was indexed", index_path,
                           data_path);
        goto done;
    }
done:
    if (c == TFC_OK)
        *out = idx;
    else
        tfc_record_index_free(idx);
    tfc_free(b);
    tfc_free(def);
    return c;
}

/* The count from a valid sidecar index, reading only its header and the data file's
 * fingerprint. Returns false (and touches nothing) when there is no usable index. */
static bool count_from_index(const char *path, tfc_compression want, int64_t *count) {
    char *ip = tfc_record_index_default_path(path);
    if (!ip) return false;
    int fd = open(ip, O_RDONLY | O_CLOEXEC);
    tfc_free(ip);
    if (fd < 0) return false;
    uint8_t h[HEAD_BYTES];
    struct stat sb;
    ssize_t r;
    do r = pread(fd, h, sizeof h, 0);
    while (r < 0 && errno == EINTR);
    bool ok = r == (ssize_t)sizeof h && fstat(fd, &sb) == 0 && head_ok(h);
    close(fd);
    if (!ok) return false;
    uint64_t n = tfc_get_u64le(h + 48);
    tfc_compression comp = (tfc_compression)tfc_get_u32le(h + 8);
    fingerprint fp;
    if (n > ((uint64_t)sb.st_size - HEAD_BYTES) / 8 ||
        (uint64_t)sb.st_size != HEAD_BYTES + 8 * n + 4 ||
        (want != TFC_COMPRESSION_AUTO && want != comp) ||
        take_fingerprint(path, &fp, NULL) != TFC_OK || !head_matches(h, &fp))
        return false;
    *count = (int64_t)n;
    return true;
}

tfc_code tfc_record_index_open(const char *data_path, tfc_compression compression, bool write,
                               tfc_record_index **out, tfc_status *st) {
    tfc_code c = tfc_record_index_load(data_path, NULL, out, st);
    if (c == TFC_OK && (compression == TFC_COMPRESSION_AUTO || compression == (*out)->comp))
        return TFC_OK;
    tfc_record_index_free(*out);
    *out = NULL;
    if (c == TFC_RESOURCE_EXHAUSTED) return c;
    if ((c = tfc_record_index_build(data_path, compression, out, st)) != TFC_OK) return c;
    if (write) {
        tfc_status ws = {0};
        (void)tfc_record_index_write(*out, NULL, &ws); /* a read-only directory is fine */
    }
    return TFC_OK;
}

int64_t tfc_record_index_count(const tfc_record_index *idx) {
    return idx->count;
}

tfc_compression tfc_record_index_compression(const tfc_record_index *idx) {
    return idx->comp;
}

const char *tfc_record_index_data_path(const tfc_record_index *idx) {
    return idx->data_path;
}

tfc_code tfc_record_index_entry(const tfc_record_index *idx, int64_t i, uint64_t *offset,
                                uint64_t *framed_size, tfc_status *st) {
    if (i < 0 || i >= idx->count)
        return tfc_status_set(st, TFC_OUT_OF_RANGE, "record %lld out of range: %s has %lld records",
                              (long long)i, idx->data_path, (long long)idx->count);
    *offset = idx->offsets[i];
    *framed_size = (i + 1 < idx->count ? idx->offsets[i + 1] : idx->stream_size) - *offset;
    return TFC_OK;
}

/* Counts an uncompressed file by hopping from header to header. Headers are read through a
 * window: 128 KiB while records are small (a system call per many records), one page once they
 * are large (a system call per record, the payloads never read). */
#define WIN_BIG (128 * 1024)
#define WIN_SMALL 4096
static tfc_code count_headers(const char *path, int64_t *count, tfc_status *st) {
    *count = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "open %s for reading", path);
    struct stat sb;
    uint8_t *win = tfc_malloc(WIN_BIG);
    if (!win || fstat(fd, &sb) != 0) {
        int err = win ? errno : ENOMEM;
        tfc_free(win);
        close(fd);
        return tfc__errno_status(st, err, "count %s", path);
    }
    uint64_t size = (uint64_t)sb.st_size, off = 0, win_off = 0, win_len = 0, last = 0;
    int64_t n = 0;
    tfc_code c = TFC_OK;
    while (off < size) {
        if (off < win_off || off + 12 > win_off + win_len) {
            ssize_t r;
            size_t want = last > WIN_BIG / 2 ? WIN_SMALL : WIN_BIG;
            do r = pread(fd, win, want, (off_t)off);
            while (r < 0 && errno == EINTR);
            if (r < 0) {
                c = tfc__errno_status(st, errno, "read %s at %llu", path, (unsigned long long)off);
                break;
            }
            win_off = off, win_len = (uint64_t)r;
        }
        if (size - off < 12 || win_len - (off - win_off) < 12) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                               (unsigned long long)off, path);
            break;
        }
        const uint8_t *h = win + (off - win_off);
        if (tfc_crc32c_mask(tfc_crc32c(h, 8)) != tfc_get_u32le(h + 8)) {
            const char *hint = off == 0 ? tfc__record_hint(h, (size_t)win_len) : "";
            c = tfc_status_set(st, TFC_DATA_LOSS, "corrupted record at %llu in %s%s",
                               (unsigned long long)off, path, hint);
            break;
        }
        uint64_t len = tfc_get_u64le(h);
        if (size - off < 16 || len > size - off - 16) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                               (unsigned long long)off, path);
            break;
        }
        last = 16 + len;
        off += last;
        n++;
    }
    tfc_free(win);
    close(fd);
    *count = n;
    return c;
}

tfc_code tfc_record_count(const char *path, const tfc_record_count_opts *opts, int64_t *count,
                          tfc_status *st) {
    tfc_record_count_opts o = {0};
    if (opts) o = *opts;
    *count = 0;
    if (!o.no_index && count_from_index(path, o.compression, count)) return TFC_OK;
    tfc_record_reader *r;
    tfc_record_reader_opts ro = {.compression = o.compression, .skip_payload_crc = true};
    tfc_code c = tfc_record_reader_open(path, &ro, &r, st);
    if (c != TFC_OK) return c;
    struct stat sb;
    bool regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode); /* pipes are read through */
    if (tfc_record_reader_compression(r) == TFC_COMPRESSION_NONE && regular) {
        tfc_record_reader_free(r);
        return count_headers(path, count, st);
    }
    tfc_bytes rec;
    int64_t n = 0;
    while ((c = tfc_record_reader_next(r, &rec, st)) == TFC_OK) n++;
    tfc_record_reader_free(r);
    *count = n;
    if (c != TFC_OUT_OF_RANGE) return c;
    tfc_status_clear(st);
    return TFC_OK;
}
