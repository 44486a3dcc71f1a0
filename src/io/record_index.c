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

#define MAGIC "TFCIDX01"
#define HEAD_BYTES 56
#define PROBE (64 * 1024)

struct tfc_record_index {
    char *data_path;
    tfc_compression comp;
    uint64_t data_size;
    int64_t data_mtime_ns;
    uint32_t head_crc, tail_crc;
    uint64_t stream_size;
    int64_t count;
    uint64_t *offsets;
};

/* The identity of a data file: size, mtime and checksums of its first and last 64 KiB. */
typedef struct fingerprint {
    uint64_t size;
    int64_t mtime_ns;
    uint32_t head_crc, tail_crc;
} fingerprint;

static tfc_code crc_range(int fd, const char *path, uint64_t off, uint64_t n, uint32_t *crc,
                          tfc_status *st) {
    uint8_t buf[PROBE];
    ssize_t r;
    do r = pread(fd, buf, (size_t)n, (off_t)off);
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)n)
        return tfc_status_set(st, TFC_UNKNOWN, "read %s at %llu: %s", path,
                              (unsigned long long)off, r < 0 ? strerror(errno) : "short read");
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
    } else {
        fp->size = (uint64_t)sb.st_size;
        fp->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
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
    tfc_record_reader_opts ro = {.compression = compression, .buffer_size = 1 << 20};
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
    idx->head_crc = fp.head_crc, idx->tail_crc = fp.tail_crc;
    *out = idx;
    return TFC_OK;
}

static void put_head(const tfc_record_index *idx, uint8_t *h) {
    memcpy(h, MAGIC, 8);
    tfc_put_u32le(h + 8, (uint32_t)idx->comp);
    tfc_put_u32le(h + 12, 0);
    tfc_put_u64le(h + 16, idx->data_size);
    tfc_put_u64le(h + 24, (uint64_t)idx->data_mtime_ns);
    tfc_put_u32le(h + 32, idx->head_crc);
    tfc_put_u32le(h + 36, idx->tail_crc);
    tfc_put_u64le(h + 40, idx->stream_size);
    tfc_put_u64le(h + 48, (uint64_t)idx->count);
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
        n += (size_t)snprintf(text + n, cap - n, "%llu %llu\n", (unsigned long long)idx->offsets[i],
                              (unsigned long long)(end - idx->offsets[i]));
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
    if (n < HEAD_BYTES + 4 || memcmp(b, MAGIC, 8) != 0) {
        c = tfc_status_set(st, TFC_DATA_LOSS, "%s: not a tfc record index (bad magic or size %zu)",
                           index_path, n);
        goto done;
    }
    uint64_t count = tfc_get_u64le(b + 48);
    if (count > (n - HEAD_BYTES - 4) / 8 || HEAD_BYTES + 8 * count + 4 != n ||
        tfc_crc32c_mask(tfc_crc32c(b, n - 4)) != tfc_get_u32le(b + n - 4)) {
        c = tfc_status_set(st, TFC_DATA_LOSS, "%s: damaged index (size or checksum mismatch)",
                           index_path);
        goto done;
    }
    if (!(idx = index_alloc(data_path)) ||
        !(idx->offsets = tfc_malloc(count ? 8 * (size_t)count : 1))) {
        c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "%s: out of memory", index_path);
        goto done;
    }
    idx->comp = (tfc_compression)tfc_get_u32le(b + 8);
    idx->data_size = tfc_get_u64le(b + 16);
    idx->data_mtime_ns = (int64_t)tfc_get_u64le(b + 24);
    idx->head_crc = tfc_get_u32le(b + 32), idx->tail_crc = tfc_get_u32le(b + 36);
    idx->stream_size = tfc_get_u64le(b + 40);
    idx->count = (int64_t)count;
    for (uint64_t i = 0; i < count; i++) {
        idx->offsets[i] = tfc_get_u64le(b + HEAD_BYTES + 8 * i);
        uint64_t next = i + 1 < count ? tfc_get_u64le(b + HEAD_BYTES + 8 * (i + 1)) : idx->stream_size;
        if (next < idx->offsets[i] + 16) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "%s: damaged index (record %llu overlaps)",
                               index_path, (unsigned long long)i);
            goto done;
        }
    }
    fingerprint fp;
    if ((c = take_fingerprint(data_path, &fp, st)) != TFC_OK) goto done;
    if (fp.size != idx->data_size || fp.mtime_ns != idx->data_mtime_ns ||
        fp.head_crc != idx->head_crc || fp.tail_crc != idx->tail_crc ||
        (idx->comp == TFC_COMPRESSION_NONE && idx->stream_size != fp.size)) {
        c = tfc_status_set(st, TFC_FAILED_PRECONDITION,
                           "stale index %s: %s changed since it was indexed", index_path,
                           data_path);
        goto done;
    }
done:
    if (c == TFC_OK) *out = idx;
    else tfc_record_index_free(idx);
    tfc_free(b);
    tfc_free(def);
    return c;
}

tfc_code tfc_record_index_open(const char *data_path, tfc_compression compression, bool write,
                               tfc_record_index **out, tfc_status *st) {
    tfc_code c = tfc_record_index_load(data_path, NULL, out, st);
    if (c == TFC_OK &&
        (compression == TFC_COMPRESSION_AUTO || compression == (*out)->comp))
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
 * one-page window, so small records cost no system call each and large ones one pread. */
static tfc_code count_headers(const char *path, int64_t *count, tfc_status *st) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "open %s for reading", path);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return tfc_status_set(st, TFC_UNKNOWN, "stat %s: %s", path, strerror(errno));
    }
    uint64_t size = (uint64_t)sb.st_size, off = 0, win_off = 0, win_len = 0;
    uint8_t win[4096];
    int64_t n = 0;
    tfc_code c = TFC_OK;
    while (off < size) {
        if (off < win_off || off + 12 > win_off + win_len) {
            ssize_t r;
            do r = pread(fd, win, sizeof win, (off_t)off);
            while (r < 0 && errno == EINTR);
            if (r < 0) {
                c = tfc_status_set(st, TFC_UNKNOWN, "read %s at %llu: %s", path,
                                   (unsigned long long)off, strerror(errno));
                break;
            }
            win_off = off, win_len = (uint64_t)r;
        }
        if (size - off < 12) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                               (unsigned long long)off, path);
            break;
        }
        const uint8_t *h = win + (off - win_off);
        if (tfc_crc32c_mask(tfc_crc32c(h, 8)) != tfc_get_u32le(h + 8)) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "corrupted record at %llu in %s%s",
                               (unsigned long long)off, path,
                               off == 0 ? tfc__record_hint(h, (size_t)(win_len - (off - win_off))) : "");
            break;
        }
        uint64_t len = tfc_get_u64le(h);
        if (size - off < 16 || len > size - off - 16) {
            c = tfc_status_set(st, TFC_DATA_LOSS, "truncated record at %llu in %s",
                               (unsigned long long)off, path);
            break;
        }
        off += 16 + len;
        n++;
    }
    close(fd);
    *count = n;
    return c;
}

tfc_code tfc_record_count(const char *path, const tfc_record_count_opts *opts, int64_t *count,
                          tfc_status *st) {
    tfc_record_count_opts o = {0};
    if (opts) o = *opts;
    *count = 0;
    if (!o.no_index) {
        tfc_record_index *idx;
        tfc_status ls = {0};
        if (tfc_record_index_load(path, NULL, &idx, &ls) == TFC_OK) {
            bool match = o.compression == TFC_COMPRESSION_AUTO || o.compression == idx->comp;
            *count = idx->count;
            tfc_record_index_free(idx);
            if (match) return TFC_OK;
        }
    }
    tfc_record_reader *r;
    tfc_record_reader_opts ro = {.compression = o.compression, .skip_payload_crc = true,
                                 .buffer_size = 1 << 20};
    tfc_code c = tfc_record_reader_open(path, &ro, &r, st);
    if (c != TFC_OK) return c;
    tfc_compression comp = tfc_record_reader_compression(r);
    if (comp == TFC_COMPRESSION_NONE) {
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
