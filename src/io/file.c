/* Buffered local files (read, write, append, atomic write committed by close), and the whole-file
 * helpers built on them: read_all, write_atomic, sync_dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io_int.h"
#include "tfc/gfile.h"

#define FILE_BUF (64 * 1024)
#define TMP_BASE_MAX 200 /* keeps ".<base>.tmp.<pid>.<hex>" under NAME_MAX (255) */

struct tfc_file {
    int fd;
    tfc_file_mode mode;
    char *path;
    char *tmp; /* WRITE_ATOMIC: the temporary being written; else NULL */
    uint8_t *buf;
    size_t len;  /* read: valid bytes in buf; write: bytes waiting to be written */
    size_t off;  /* read: next unread byte in buf */
    int64_t pos; /* what tell reports: offset in the file of the next byte read or written */
    int werr;    /* errno of the first failed write: later writes fail, close does not commit */
};

/* ---- Raw descriptor I/O: retry on EINTR, loop over short transfers ---- */

static ssize_t read_once(int fd, void *p, size_t n) {
    ssize_t r;
    do r = read(fd, p, n);
    while (r < 0 && errno == EINTR);
    return r;
}

/* Reads until n bytes or end of file; returns 0 or an errno value, *got the bytes read. */
static int read_full(int fd, uint8_t *p, size_t n, size_t *got) {
    *got = 0;
    while (*got < n) {
        ssize_t r = read_once(fd, p + *got, n - *got);
        if (r < 0) return errno;
        if (r == 0) break;
        *got += (size_t)r;
    }
    return 0;
}

/* Writes all n bytes; returns 0 or an errno value. */
static int write_full(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno;
        if (r == 0) return ENOSPC; /* no progress and no error: treat as a full device */
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int fsync_retry(int fd) {
    int r;
    do r = fsync(fd);
    while (r < 0 && errno == EINTR);
    return r < 0 ? errno : 0;
}

/* ---- Paths of the target's directory and the temporary ---- */

/* The directory part of path ("." when there is none, "/" for "/x"), in a new string. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return tfc_strdup(".");
    return tfc_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static uint32_t random_u32(const void *salt) {
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) return r;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761u ^ (uint32_t)(uintptr_t)salt;
}

/* Creates "<dir>/.<base>.tmp.<pid>.<random>" next to path. A leading dot keeps it out of glob "*"
 * matches; same directory so the final rename is atomic. O_EXCL with 0666 (rather than mkstemp's
 * 0600) gives the committed file the permissions a plain create would, honouring the umask. */
static tfc_code open_tmp(tfc_file *f, tfc_status *st) {
    const char *slash = strrchr(f->path, '/');
    size_t dirlen = slash ? (size_t)(slash - f->path) + 1 : 0;
    const char *base = f->path + dirlen;
    size_t baselen = strnlen(base, TMP_BASE_MAX);
    size_t cap = dirlen + baselen + 64;
    f->tmp = tfc_malloc(cap);
    if (!f->tmp)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "open %s: out of memory", f->path);
    for (int attempt = 0;; attempt++) {
        snprintf(f->tmp, cap, "%.*s.%.*s.tmp.%ld.%08x", (int)dirlen, f->path, (int)baselen, base,
                 (long)getpid(), random_u32(f->tmp));
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd >= 0) return TFC_OK;
        if (errno != EEXIST || attempt == 100)
            return tfc__errno_status(st, errno, "open %s for writing: create temporary %s", f->path,
                                     f->tmp);
    }
}

static void file_free(tfc_file *f) {
    tfc_free(f->path);
    tfc_free(f->tmp);
    tfc_free(f->buf);
    tfc_free(f);
}

/* ---- Buffered files ---- */

tfc_code tfc_file_open(const char *path, tfc_file_mode mode, tfc_file **out, tfc_status *st) {
    *out = NULL;
    if (!path || !*path) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "open: empty path");
    if (mode < TFC_FILE_READ || mode > TFC_FILE_WRITE_ATOMIC)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "open %s: bad mode %d", path, (int)mode);
    tfc_file *f = tfc_calloc(1, sizeof *f);
    if (f) {
        f->fd = -1;
        f->mode = mode;
        f->path = tfc_strdup(path);
        f->buf = tfc_malloc(FILE_BUF);
    }
    if (!f || !f->path || !f->buf) {
        if (f) file_free(f);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "open %s: out of memory", path);
    }
    tfc_code code = TFC_OK;
    struct stat sb;
    switch (mode) {
    case TFC_FILE_READ:
        f->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0) code = tfc__errno_status(st, errno, "open %s for reading", path);
        /* open(2) succeeds on a directory; say so now rather than at the first read. */
        else if (fstat(f->fd, &sb) == 0 && S_ISDIR(sb.st_mode))
            code = tfc__errno_status(st, EISDIR, "open %s for reading", path);
        break;
    case TFC_FILE_WRITE:
        f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (f->fd < 0) code = tfc__errno_status(st, errno, "open %s for writing", path);
        break;
    case TFC_FILE_APPEND:
        f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (f->fd < 0) {
            code = tfc__errno_status(st, errno, "open %s for appending", path);
        } else {
            off_t end = lseek(f->fd, 0, SEEK_END);
            f->pos = end > 0 ? (int64_t)end : 0; /* a pipe has no end: count from 0 */
        }
        break;
    case TFC_FILE_WRITE_ATOMIC:
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            code = tfc__errno_status(st, EISDIR, "open %s for writing", path);
        else
            code = open_tmp(f, st);
        break;
    }
    if (code != TFC_OK) {
        if (f->fd >= 0) close(f->fd);
        file_free(f);
        return code;
    }
    *out = f;
    return TFC_OK;
}

tfc_code tfc_file_read(tfc_file *f, void *buf, size_t n, size_t *got, tfc_status *st) {
    *got = 0;
    if (f->mode != TFC_FILE_READ)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "read %s: file is open for writing",
                              f->path);
    uint8_t *dst = buf;
    size_t done = 0;
    while (done < n) {
        size_t avail = f->len - f->off;
        if (avail > 0) {
            size_t take = avail < n - done ? avail : n - done;
            memcpy(dst + done, f->buf + f->off, take);
            f->off += take;
            done += take;
            continue;
        }
        ssize_t r;
        if (n - done >= FILE_BUF) {
            /* Large request: straight into the caller's memory, no copy through the buffer. */
            r = read_once(f->fd, dst + done, n - done);
            if (r > 0) done += (size_t)r;
            f->len = f->off = 0;
        } else {
            r = read_once(f->fd, f->buf, FILE_BUF);
            f->len = r > 0 ? (size_t)r : 0;
            f->off = 0;
        }
        if (r < 0) {
            int err = errno;
            f->pos += (int64_t)done;
            *got = done;
            return tfc__errno_status(st, err, "read %s at offset %lld", f->path, (long long)f->pos);
        }
        if (r == 0) break;
    }
    f->pos += (int64_t)done;
    *got = done;
    return TFC_OK;
}

tfc_code tfc_file_seek(tfc_file *f, int64_t offset, tfc_status *st) {
    if (f->mode != TFC_FILE_READ)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "seek %s: file is open for writing",
                              f->path);
    if (offset < 0)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "seek %s to negative offset %lld", f->path,
                              (long long)offset);
    /* A seek inside what is buffered (common for a record reader stepping back) costs nothing. */
    int64_t start = f->pos - (int64_t)f->off;
    if (offset >= start && offset <= start + (int64_t)f->len) {
        f->off = (size_t)(offset - start);
        f->pos = offset;
        return TFC_OK;
    }
    if (lseek(f->fd, (off_t)offset, SEEK_SET) < 0)
        return tfc__errno_status(st, errno, "seek %s to offset %lld", f->path, (long long)offset);
    f->len = f->off = 0;
    f->pos = offset;
    return TFC_OK;
}

int64_t tfc_file_tell(const tfc_file *f) {
    return f->pos;
}

const char *tfc_file_path(const tfc_file *f) {
    return f->path;
}

static tfc_code write_failed(tfc_file *f, tfc_status *st) {
    return tfc__errno_status(st, f->werr, "write %s", f->path);
}

/* Writes out the buffer; a failure is remembered so the file is never committed half-written. */
static tfc_code flush_buf(tfc_file *f, tfc_status *st) {
    if (f->werr) return write_failed(f, st);
    if (f->len == 0) return TFC_OK;
    int err = write_full(f->fd, f->buf, f->len);
    f->len = 0;
    if (err) {
        f->werr = err;
        return write_failed(f, st);
    }
    return TFC_OK;
}

tfc_code tfc_file_write(tfc_file *f, const void *data, size_t n, tfc_status *st) {
    if (f->mode == TFC_FILE_READ)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "write %s: file is open for reading",
                              f->path);
    if (f->werr) return write_failed(f, st);
    if (n == 0) return TFC_OK;
    if (n > FILE_BUF - f->len) {
        tfc_code code = flush_buf(f, st);
        if (code != TFC_OK) return code;
        if (n >= FILE_BUF) {
            int err = write_full(f->fd, data, n);
            if (err) {
                f->werr = err;
                return write_failed(f, st);
            }
            f->pos += (int64_t)n;
            return TFC_OK;
        }
    }
    memcpy(f->buf + f->len, data, n);
    f->len += n;
    f->pos += (int64_t)n;
    return TFC_OK;
}

tfc_code tfc_file_flush(tfc_file *f, tfc_status *st) {
    if (f->mode == TFC_FILE_READ) return TFC_OK;
    return flush_buf(f, st);
}

tfc_code tfc_file_sync(tfc_file *f, tfc_status *st) {
    if (f->mode == TFC_FILE_READ) return TFC_OK;
    tfc_code code = flush_buf(f, st);
    if (code != TFC_OK) return code;
    int err = fsync_retry(f->fd);
    if (err) return tfc__errno_status(st, err, "fsync %s", f->tmp ? f->tmp : f->path);
    return TFC_OK;
}

/* Commits an atomic file: fsync, close, rename over the target, fsync the directory. The
 * temporary is removed on any failure before the rename; after it the target is already the new
 * file, so a failing directory fsync is reported but cannot be undone. */
static tfc_code commit(tfc_file *f, bool overwrite, tfc_status *st) {
    tfc_code code = tfc_file_sync(f, st);
    int fd = f->fd;
    f->fd = -1;
    /* close(2) can report a deferred write error (NFS, quotas); EINTR still closes on Linux. */
    if (close(fd) != 0 && errno != EINTR && code == TFC_OK)
        code = tfc__errno_status(st, errno, "close %s", f->tmp);
    if (code == TFC_OK) {
        int err = overwrite ? (rename(f->tmp, f->path) == 0 ? 0 : errno)
                            : tfc__rename_noreplace(f->tmp, f->path);
        if (err) code = tfc__errno_status(st, err, "commit %s: rename %s", f->path, f->tmp);
    }
    if (code != TFC_OK) {
        unlink(f->tmp);
        return code;
    }
    char *dir = dir_of(f->path);
    if (!dir)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "commit %s: out of memory", f->path);
    code = tfc_gfile_sync_dir(dir, st);
    tfc_free(dir);
    return code;
}

static tfc_code close_impl(tfc_file *f, bool overwrite, tfc_status *st) {
    tfc_code code = TFC_OK;
    if (f->mode == TFC_FILE_WRITE_ATOMIC) {
        code = commit(f, overwrite, st);
    } else {
        if (f->mode != TFC_FILE_READ) code = flush_buf(f, st);
        if (close(f->fd) != 0 && errno != EINTR && code == TFC_OK && f->mode != TFC_FILE_READ)
            code = tfc__errno_status(st, errno, "close %s", f->path);
    }
    file_free(f);
    return code;
}

tfc_code tfc_file_close(tfc_file *f, tfc_status *st) {
    return close_impl(f, true, st);
}

tfc_code tfc__file_close_noreplace(tfc_file *f, tfc_status *st) {
    return close_impl(f, false, st);
}

void tfc_file_abort(tfc_file *f) {
    if (!f) return;
    /* Buffered bytes are dropped: abort means "do not keep what was not yet written". */
    close(f->fd);
    if (f->tmp) unlink(f->tmp);
    file_free(f);
}

/* ---- Whole files ---- */

tfc_code tfc_gfile_read_all(const char *path, uint8_t **data, size_t *size, tfc_status *st) {
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "open %s for reading", path);
    struct stat sb;
    int serr = fstat(fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
    if (serr) {
        close(fd);
        return tfc__errno_status(st, serr, "open %s for reading", path);
    }
    /* st_size is a hint: /proc files say 0, and a file may change while we read it. Room for the
     * size, the NUL and one byte more lets the read that sees end of file need no growth. */
    size_t cap = sb.st_size > 0 ? (size_t)sb.st_size + 2 : 4096, len = 0;
    uint8_t *buf = tfc_malloc(cap);
    tfc_code code = TFC_OK;
    while (buf) {
        if (cap - len < 2) {
            uint8_t *nb = cap > SIZE_MAX / 2 ? NULL : tfc_realloc(buf, cap * 2);
            if (!nb) {
                tfc_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got;
        int err = read_full(fd, buf + len, cap - len - 1, &got);
        len += got;
        if (err) {
            code = tfc__errno_status(st, err, "read %s at offset %zu", path, len);
            break;
        }
        if (len < cap - 1) break; /* read_full stops short only at end of file */
    }
    close(fd);
    if (!buf)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "read %s: out of memory (%lld bytes)",
                              path, (long long)sb.st_size);
    if (code != TFC_OK) {
        tfc_free(buf);
        return code;
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return TFC_OK;
}

tfc_code tfc_gfile_write_atomic(const char *path, const void *data, size_t size, tfc_status *st) {
    tfc_file *f;
    tfc_code code = tfc_file_open(path, TFC_FILE_WRITE_ATOMIC, &f, st);
    if (code != TFC_OK) return code;
    code = tfc_file_write(f, data, size, st);
    if (code != TFC_OK) {
        tfc_file_abort(f);
        return code;
    }
    return tfc_file_close(f, st);
}

tfc_code tfc_gfile_sync_dir(const char *dir, tfc_status *st) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "sync directory %s: open", dir);
    int err = fsync_retry(fd);
    close(fd);
    /* EINVAL: the file system cannot fsync a directory (some FUSE/network mounts). */
    if (err && err != EINVAL) return tfc__errno_status(st, err, "sync directory %s", dir);
    return TFC_OK;
}
