/* Private helpers shared by the io part (gfile, buffered files, record reader/writer). */
#ifndef TFC_IO_INT_H
#define TFC_IO_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "tfc/base.h"

/* Declared in tfc/gfile.h; repeated (C11 allows it) so that this header stays light. */
typedef struct tfc_strlist tfc_strlist;
typedef struct tfc_file tfc_file;

/* Maps an errno value to a tfc code: ENOENT -> NOT_FOUND, EACCES/EPERM -> PERMISSION_DENIED,
 * EEXIST -> ALREADY_EXISTS, ENOTDIR/EISDIR/ENOTEMPTY -> FAILED_PRECONDITION,
 * ENOSPC/ENOMEM/EDQUOT/EMFILE/ENFILE -> RESOURCE_EXHAUSTED, anything else -> UNKNOWN.
 * err == 0 (a failure with no errno, e.g. a short write that reports no error) -> UNKNOWN. */
tfc_code tfc__errno_code(int err);

/* Sets st (if non-NULL) to tfc__errno_code(err) with the message "<fmt...>: <strerror(err)>", and
 * returns that code. fmt names the operation and path, e.g.
 *     return tfc__errno_status(st, errno, "open %s for reading", path);
 * gives "open /x/y for reading: No such file or directory". Pass errno by value: read it before
 * any other call (including cleanup such as close()) can change it. */
tfc_code tfc__errno_status(tfc_status *st, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* "dir/name" in a new tfc_malloc'd string (no doubled '/' when dir ends with one; just name when
 * dir is ""). NULL when out of memory. */
char *tfc__path_join(const char *dir, const char *name);

/* Appends s to l, taking ownership of s; *cap is the builder's capacity (start at 0 with an empty
 * list). On out of memory frees s, leaves l unchanged and returns false. */
bool tfc__strlist_push(tfc_strlist *l, size_t *cap, char *s);
/* Sorts l's items by strcmp (byte order, as TF's listdir and glob). */
void tfc__strlist_sort(tfc_strlist *l);

/* rename(2) that fails with errno EEXIST instead of replacing an existing dst: renameat2
 * RENAME_NOREPLACE where the kernel and file system support it, else a check then rename (racy,
 * but only on file systems without the flag). Returns 0 or an errno value. */
int tfc__rename_noreplace(const char *src, const char *dst);

/* tfc_file_close for a TFC_FILE_WRITE_ATOMIC file, except that the commit fails with
 * ALREADY_EXISTS (and the temporary is removed) if the target exists by then. Used by
 * tfc_gfile_copy without overwrite, so a file created meanwhile is never clobbered. */
tfc_code tfc__file_close_noreplace(tfc_file *f, tfc_status *st);

#endif
