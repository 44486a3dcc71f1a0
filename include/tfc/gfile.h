/* tfc gfile: TensorFlow's tf.io.gfile for local paths — file-system helpers and buffered files,
 * with whole-file atomic writes (temporary file, fsync, rename, fsync of the directory), so a
 * crash never leaves a half-written file where a good one was.
 *
 *     tfc_file *f;
 *     if (tfc_file_open("out.bin", TFC_FILE_WRITE_ATOMIC, &f, &st) == TFC_OK) {
 *         tfc_file_write(f, data, n, &st);
 *         tfc_file_close(f, &st);   // commits: out.bin appears whole or not at all
 *     }
 *
 * Errors name the path and the failing system call (NOT_FOUND, PERMISSION_DENIED, ALREADY_EXISTS,
 * FAILED_PRECONDITION for "is a directory"/"not a directory", else UNKNOWN with strerror). */
#ifndef TFC_GFILE_H
#define TFC_GFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Paths ---- */
bool tfc_gfile_exists(const char *path);
bool tfc_gfile_isdir(const char *path);

typedef struct tfc_file_stat {
    int64_t size;     /* bytes */
    int64_t mtime_ns; /* modification time, nanoseconds since the epoch */
    bool is_dir;
} tfc_file_stat;
tfc_code tfc_gfile_stat(const char *path, tfc_file_stat *out, tfc_status *st);

/* mkdir -p: creates path and missing parents; OK if it already is a directory. */
tfc_code tfc_gfile_makedirs(const char *path, tfc_status *st);
/* Removes a file (not a directory). NOT_FOUND if absent. */
tfc_code tfc_gfile_remove(const char *path, tfc_status *st);
/* rm -r: removes a file or a directory tree. NOT_FOUND if absent. Does not follow symlinks. */
tfc_code tfc_gfile_delete_recursively(const char *path, tfc_status *st);
/* Renames src to dst. If dst exists and overwrite is false: ALREADY_EXISTS. */
tfc_code tfc_gfile_rename(const char *src, const char *dst, bool overwrite, tfc_status *st);
/* Copies a file's bytes. If dst exists and overwrite is false: ALREADY_EXISTS. The copy is
 * written atomically (dst is whole or untouched). */
tfc_code tfc_gfile_copy(const char *src, const char *dst, bool overwrite, tfc_status *st);

/* A list of strings owned by the list (free with tfc_strlist_free). */
typedef struct tfc_strlist {
    char **items;
    size_t count;
} tfc_strlist;
void tfc_strlist_free(tfc_strlist *l); /* frees the items and resets l; accepts NULL */

/* Entry names (not paths) of a directory, sorted, without "." and "..". Directories get no
 * trailing slash. NOT_FOUND if absent, FAILED_PRECONDITION if not a directory. */
tfc_code tfc_gfile_listdir(const char *dir, tfc_strlist *out, tfc_status *st);

/* Paths matching a pattern, sorted. '*' and '?' match within one path component, '[...]' is a
 * character class ('[!...]' or '[^...]' negates); wildcards may appear in any component, e.g.
 * "data/train-*-of-*", or a wildcard directory
 * component such as "runs/run?" followed by "/events.*". No match is OK with an empty list, as in
 * TF. */
tfc_code tfc_gfile_glob(const char *pattern, tfc_strlist *out, tfc_status *st);

/* Walks a tree top-down, like os.walk / tf.io.gfile.walk: calls fn once per directory with its
 * path and the sorted names of its subdirectories and files. A non-OK return from fn stops the walk
 * and is returned. Symlinked directories are listed as files and not followed. */
typedef tfc_code (*tfc_walk_fn)(void *ctx, const char *dir, const tfc_strlist *subdirs,
                                const tfc_strlist *files, tfc_status *st);
tfc_code tfc_gfile_walk(const char *top, tfc_walk_fn fn, void *ctx, tfc_status *st);

/* Reads a whole file into a new buffer (free with tfc_free); *data gets a NUL after the last byte.
 */
tfc_code tfc_gfile_read_all(const char *path, uint8_t **data, size_t *size, tfc_status *st);
/* Writes a whole file atomically: tmp in the same directory, fsync, rename, fsync directory. */
tfc_code tfc_gfile_write_atomic(const char *path, const void *data, size_t size, tfc_status *st);
/* fsyncs a directory so a rename inside it is durable. */
tfc_code tfc_gfile_sync_dir(const char *dir, tfc_status *st);

/* ---- Buffered files ---- */
typedef enum tfc_file_mode {
    TFC_FILE_READ = 0,         /* read an existing file */
    TFC_FILE_WRITE = 1,        /* create or truncate */
    TFC_FILE_APPEND = 2,       /* create or append */
    TFC_FILE_WRITE_ATOMIC = 3, /* write a temporary; close commits (fsync, rename, fsync dir) */
} tfc_file_mode;

typedef struct tfc_file tfc_file;

/* Opens path. The handle owns an internal buffer (64 KiB). Not thread-safe. */
tfc_code tfc_file_open(const char *path, tfc_file_mode mode, tfc_file **out, tfc_status *st);
/* Reads up to n bytes; *got < n only at end of file. */
tfc_code tfc_file_read(tfc_file *f, void *buf, size_t n, size_t *got, tfc_status *st);
/* Moves the read position to offset (read mode only); discards the buffer. */
tfc_code tfc_file_seek(tfc_file *f, int64_t offset, tfc_status *st);
/* Current position: bytes read or written so far from the start of the file. */
int64_t tfc_file_tell(const tfc_file *f);
tfc_code tfc_file_write(tfc_file *f, const void *data, size_t n, tfc_status *st);
/* Pushes buffered bytes to the OS (not to disk). */
tfc_code tfc_file_flush(tfc_file *f, tfc_status *st);
/* Flushes and fsyncs to disk. */
tfc_code tfc_file_sync(tfc_file *f, tfc_status *st);
/* Flushes and closes; for TFC_FILE_WRITE_ATOMIC this is the commit. The handle is freed whatever
 * the result; on failure an atomic file's temporary is removed and the target is untouched. */
tfc_code tfc_file_close(tfc_file *f, tfc_status *st);
/* Closes without committing: an atomic file's temporary is removed. Accepts NULL. */
void tfc_file_abort(tfc_file *f);
/* The path given at open. */
const char *tfc_file_path(const tfc_file *f);

#ifdef __cplusplus
}
#endif
#endif
