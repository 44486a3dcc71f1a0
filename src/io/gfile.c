/* tf.io.gfile's path operations for local POSIX paths (stat, mkdir -p, rm -r, rename, copy,
 * listdir, walk), plus the errno-to-status and string-list helpers the rest of src/io shares. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_int.h"
#include "tfc/gfile.h"

/* ---- Shared helpers (io_int.h) ---- */

tfc_code tfc__errno_code(int err) {
    switch (err) {
    case ENOENT:
        return TFC_NOT_FOUND;
    case EACCES:
    case EPERM:
        return TFC_PERMISSION_DENIED;
    case EEXIST:
        return TFC_ALREADY_EXISTS;
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
        return TFC_FAILED_PRECONDITION;
    case ENOSPC:
    case ENOMEM:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
        return TFC_RESOURCE_EXHAUSTED;
    default:
        return TFC_UNKNOWN;
    }
}

tfc_code tfc__errno_status(tfc_status *st, int err, const char *fmt, ...) {
    tfc_code code = tfc__errno_code(err);
    if (!st) return code;
    char what[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char ebuf[128];
    /* GNU strerror_r: thread-safe, returns a pointer that may or may not be ebuf. */
    const char *emsg = err ? strerror_r(err, ebuf, sizeof ebuf) : "unknown error";
    return tfc_status_set(st, code, "%s: %s", what, emsg);
}

char *tfc__path_join(const char *dir, const char *name) {
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *p = tfc_malloc(dl + slash + nl + 1);
    if (!p) return NULL;
    memcpy(p, dir, dl);
    if (slash) p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

bool tfc__strlist_push(tfc_strlist *l, size_t *cap, char *s) {
    if (!s) return false;
    if (l->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **items = tfc_realloc(l->items, ncap * sizeof *items);
        if (!items) {
            tfc_free(s);
            return false;
        }
        l->items = items;
        *cap = ncap;
    }
    l->items[l->count++] = s;
    return true;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tfc__strlist_sort(tfc_strlist *l) {
    if (l->count > 1) qsort(l->items, l->count, sizeof *l->items, cmp_str);
}

void tfc_strlist_free(tfc_strlist *l) {
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) tfc_free(l->items[i]);
    tfc_free(l->items);
    l->items = NULL;
    l->count = 0;
}

int tfc__rename_noreplace(const char *src, const char *dst) {
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0) return 0;
    /* EINVAL: this file system does not support the flag; ENOSYS: old kernel. */
    if (errno != EINVAL && errno != ENOSYS) return errno;
#endif
    struct stat sb;
    if (lstat(dst, &sb) == 0) return EEXIST;
    return rename(src, dst) == 0 ? 0 : errno;
}

/* ---- Paths ---- */

bool tfc_gfile_exists(const char *path) {
    struct stat sb;
    return path && stat(path, &sb) == 0;
}

bool tfc_gfile_isdir(const char *path) {
    struct stat sb;
    return path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

tfc_code tfc_gfile_stat(const char *path, tfc_file_stat *out, tfc_status *st) {
    struct stat sb;
    if (stat(path, &sb) != 0) return tfc__errno_status(st, errno, "stat %s", path);
    out->size = (int64_t)sb.st_size;
    out->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    out->is_dir = S_ISDIR(sb.st_mode);
    return TFC_OK;
}

/* mkdir one prefix; an existing directory is fine (whatever mkdir said: EEXIST, or EACCES/EROFS
 * for a parent we may not write to), an existing non-directory is FAILED_PRECONDITION. */
static tfc_code mkdir_one(const char *prefix, const char *path, tfc_status *st) {
    if (mkdir(prefix, 0777) == 0) return TFC_OK;
    int err = errno;
    struct stat sb;
    if (stat(prefix, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return TFC_OK;
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "makedirs %s: %s is not a directory",
                              path, prefix);
    }
    return tfc__errno_status(st, err, "makedirs %s: mkdir %s", path, prefix);
}

tfc_code tfc_gfile_makedirs(const char *path, tfc_status *st) {
    if (!path || !*path) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "makedirs: empty path");
    if (tfc_gfile_isdir(path)) return TFC_OK;
    char *buf = tfc_strdup(path);
    if (!buf) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "makedirs %s: out of memory", path);
    tfc_code code = TFC_OK;
    /* Create each prefix in turn: cut the copy at every '/' that ends a non-empty component. */
    for (char *p = buf + 1; code == TFC_OK; p++) {
        if (*p != '/' && *p != '\0') continue;
        if (p[-1] != '/') {
            char c = *p;
            *p = '\0';
            code = mkdir_one(buf, path, st);
            *p = c;
        }
        if (*p == '\0') break;
    }
    tfc_free(buf);
    return code;
}

tfc_code tfc_gfile_remove(const char *path, tfc_status *st) {
    if (unlink(path) != 0) return tfc__errno_status(st, errno, "remove %s", path);
    return TFC_OK;
}

/* Empties the directory open at dfd (path is its name, for messages); takes ownership of dfd.
 * Works relative to directory descriptors and never follows a symlink, so a link inside the tree
 * (or one swapped in while we run) removes the link, not what it points to. */
static tfc_code rm_contents(int dfd, const char *path, tfc_status *st) {
    DIR *d = fdopendir(dfd);
    if (!d) {
        int err = errno;
        close(dfd);
        return tfc__errno_status(st, err, "delete_recursively: open directory %s", path);
    }
    tfc_code code = TFC_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) code = tfc__errno_status(st, errno, "delete_recursively: read %s", path);
            break;
        }
        const char *n = e->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat sb;
            is_dir = fstatat(dirfd(d), n, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
        }
        char *child = tfc__path_join(path, n);
        if (!child) {
            code = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                  "delete_recursively %s: out of memory", path);
            break;
        }
        if (is_dir) {
            int cfd = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0)
                code = tfc__errno_status(st, errno, "delete_recursively: open directory %s", child);
            else
                code = rm_contents(cfd, child, st);
        }
        if (code == TFC_OK && unlinkat(dirfd(d), n, is_dir ? AT_REMOVEDIR : 0) != 0)
            code = tfc__errno_status(st, errno, "delete_recursively: remove %s", child);
        tfc_free(child);
        if (code != TFC_OK) break;
    }
    closedir(d);
    return code;
}

tfc_code tfc_gfile_delete_recursively(const char *path, tfc_status *st) {
    struct stat sb;
    if (lstat(path, &sb) != 0) return tfc__errno_status(st, errno, "delete_recursively %s", path);
    if (!S_ISDIR(sb.st_mode)) {
        if (unlink(path) != 0) return tfc__errno_status(st, errno, "delete_recursively %s", path);
        return TFC_OK;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return tfc__errno_status(st, errno, "delete_recursively: open directory %s", path);
    tfc_code code = rm_contents(fd, path, st);
    if (code == TFC_OK && rmdir(path) != 0)
        code = tfc__errno_status(st, errno, "delete_recursively: remove %s", path);
    return code;
}

tfc_code tfc_gfile_rename(const char *src, const char *dst, bool overwrite, tfc_status *st) {
    int err = overwrite ? (rename(src, dst) == 0 ? 0 : errno) : tfc__rename_noreplace(src, dst);
    if (err) return tfc__errno_status(st, err, "rename %s to %s", src, dst);
    return TFC_OK;
}

tfc_code tfc_gfile_copy(const char *src, const char *dst, bool overwrite, tfc_status *st) {
    struct stat sb;
    if (!overwrite && lstat(dst, &sb) == 0)
        return tfc_status_set(st, TFC_ALREADY_EXISTS, "copy %s to %s: %s already exists", src, dst,
                              dst);
    tfc_file *in, *out;
    tfc_code code = tfc_file_open(src, TFC_FILE_READ, &in, st);
    if (code != TFC_OK) return code;
    code = tfc_file_open(dst, TFC_FILE_WRITE_ATOMIC, &out, st);
    if (code != TFC_OK) {
        tfc_file_abort(in);
        return code;
    }
    /* Chunks larger than the files' buffers go straight between the descriptors and this one. */
    size_t chunk = 1 << 20, got = 0;
    uint8_t *buf = tfc_malloc(chunk);
    if (!buf) code = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "copy %s: out of memory", src);
    while (code == TFC_OK) {
        code = tfc_file_read(in, buf, chunk, &got, st);
        if (code == TFC_OK && got > 0) code = tfc_file_write(out, buf, got, st);
        if (got < chunk) break;
    }
    tfc_free(buf);
    tfc_file_abort(in);
    if (code != TFC_OK) {
        tfc_file_abort(out);
        return code;
    }
    return overwrite ? tfc_file_close(out, st) : tfc__file_close_noreplace(out, st);
}

/* ---- Directories ---- */

/* Reads dir's entry names into *all (every entry), or splits them into *dirs and *files (symlinks
 * are files: never followed). Unsorted. On error the lists are freed. */
static tfc_code read_dir(const char *dir, tfc_strlist *all, tfc_strlist *dirs, tfc_strlist *files,
                         tfc_status *st) {
    DIR *d = opendir(dir);
    if (!d) return tfc__errno_status(st, errno, "list directory %s", dir);
    size_t cap_all = 0, cap_dirs = 0, cap_files = 0;
    tfc_code code = TFC_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) code = tfc__errno_status(st, errno, "list directory %s", dir);
            break;
        }
        const char *n = e->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
        bool ok;
        if (all) {
            ok = tfc__strlist_push(all, &cap_all, tfc_strdup(n));
        } else {
            bool is_dir = e->d_type == DT_DIR;
            if (e->d_type == DT_UNKNOWN) {
                struct stat sb;
                is_dir = fstatat(dirfd(d), n, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
            }
            ok = is_dir ? tfc__strlist_push(dirs, &cap_dirs, tfc_strdup(n))
                        : tfc__strlist_push(files, &cap_files, tfc_strdup(n));
        }
        if (!ok) {
            code =
                tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "list directory %s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    if (code != TFC_OK) {
        tfc_strlist_free(all);
        tfc_strlist_free(dirs);
        tfc_strlist_free(files);
    }
    return code;
}

tfc_code tfc_gfile_listdir(const char *dir, tfc_strlist *out, tfc_status *st) {
    out->items = NULL;
    out->count = 0;
    tfc_code code = read_dir(dir, out, NULL, NULL, st);
    if (code == TFC_OK) tfc__strlist_sort(out);
    return code;
}

tfc_code tfc_gfile_walk(const char *top, tfc_walk_fn fn, void *ctx, tfc_status *st) {
    tfc_strlist dirs = {0}, files = {0};
    tfc_code code = read_dir(top, NULL, &dirs, &files, st);
    if (code != TFC_OK) return code;
    tfc__strlist_sort(&dirs);
    tfc__strlist_sort(&files);
    code = fn(ctx, top, &dirs, &files, st);
    /* Top-down: the callback sees a directory before any of its subdirectories. */
    for (size_t i = 0; code == TFC_OK && i < dirs.count; i++) {
        char *sub = tfc__path_join(top, dirs.items[i]);
        if (!sub) {
            code = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "walk %s: out of memory", top);
            break;
        }
        code = tfc_gfile_walk(sub, fn, ctx, st);
        tfc_free(sub);
    }
    tfc_strlist_free(&dirs);
    tfc_strlist_free(&files);
    return code;
}
