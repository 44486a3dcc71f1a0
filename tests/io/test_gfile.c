/* Tests for tfc gfile: path operations, glob, walk and buffered (including atomic) files. Files are
 * prepared and checked with plain stdio/POSIX calls, independent of the code under test. */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io_int.h"
#include "tfc/gfile.h"

/* A fresh directory tu_tmp(name) for one test; returns its path (a rotating slot). */
static const char *fresh_dir(const char *name) {
    const char *d = tu_tmp(name);
    assert_int_equal(mkdir(d, 0777), 0);
    return d;
}

static char *join(char *buf, const char *dir, const char *name) {
    int n = snprintf(buf, 4096, "%s/%s", dir, name);
    assert_true(n > 0 && n < 4096);
    return buf;
}

static void put(const char *dir, const char *name, const char *text) {
    char p[4096];
    tu_write_file(join(p, dir, name), text, strlen(text));
}

static void assert_file_is(const char *path, const void *data, size_t n) {
    size_t got;
    uint8_t *b = tu_read_file(path, &got);
    assert_non_null(b);
    assert_int_equal(got, n);
    assert_memory_equal(b, data, n);
    free(b);
}

/* Number of entries in dir other than "." and "..". */
static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static uint8_t *pattern_bytes(size_t n) {
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(i * 131 + (i >> 8));
    return b;
}

/* Joins a list as "a,b,c" into buf. */
static const char *joined(const tfc_strlist *l, char *buf, size_t cap) {
    buf[0] = '\0';
    for (size_t i = 0; i < l->count; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", i ? "," : "", l->items[i]);
    }
    return buf;
}

/* ---- errno mapping ---- */

static void test_errno_status(void **state) {
    (void)state;
    assert_int_equal(tfc__errno_code(ENOENT), TFC_NOT_FOUND);
    assert_int_equal(tfc__errno_code(EACCES), TFC_PERMISSION_DENIED);
    assert_int_equal(tfc__errno_code(EPERM), TFC_PERMISSION_DENIED);
    assert_int_equal(tfc__errno_code(EEXIST), TFC_ALREADY_EXISTS);
    assert_int_equal(tfc__errno_code(ENOTDIR), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc__errno_code(EISDIR), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc__errno_code(ENOTEMPTY), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc__errno_code(ENOSPC), TFC_RESOURCE_EXHAUSTED);
    assert_int_equal(tfc__errno_code(ENOMEM), TFC_RESOURCE_EXHAUSTED);
    assert_int_equal(tfc__errno_code(EIO), TFC_UNKNOWN);
    assert_int_equal(tfc__errno_code(0), TFC_UNKNOWN);
    tfc_status st = {0};
    assert_int_equal(tfc__errno_status(&st, ENOENT, "open %s for reading", "/x/y"), TFC_NOT_FOUND);
    assert_int_equal(st.code, TFC_NOT_FOUND);
    assert_string_equal(st.msg, "open /x/y for reading: No such file or directory");
    assert_int_equal(tfc__errno_status(NULL, EEXIST, "x"), TFC_ALREADY_EXISTS);
}

/* ---- exists / isdir / stat ---- */

static void test_stat(void **state) {
    (void)state;
    const char *d = fresh_dir("stat");
    char f[4096], missing[4096];
    put(d, "f", "hello");
    join(f, d, "f");
    join(missing, d, "missing");
    assert_true(tfc_gfile_exists(f));
    assert_true(tfc_gfile_exists(d));
    assert_false(tfc_gfile_exists(missing));
    assert_true(tfc_gfile_isdir(d));
    assert_false(tfc_gfile_isdir(f));
    assert_false(tfc_gfile_isdir(missing));

    tfc_file_stat fs;
    TU_OK(tfc_gfile_stat(f, &fs, NULL));
    assert_int_equal(fs.size, 5);
    assert_false(fs.is_dir);
    int64_t now_ns = (int64_t)time(NULL) * 1000000000;
    assert_true(fs.mtime_ns > now_ns - 600LL * 1000000000 &&
                fs.mtime_ns < now_ns + 600LL * 1000000000);
    struct stat sb;
    assert_int_equal(stat(f, &sb), 0);
    assert_int_equal(fs.mtime_ns % 1000000000, sb.st_mtim.tv_nsec);
    TU_OK(tfc_gfile_stat(d, &fs, NULL));
    assert_true(fs.is_dir);

    tfc_status st = {0};
    assert_int_equal(tfc_gfile_stat(missing, &fs, &st), TFC_NOT_FOUND);
    assert_non_null(strstr(st.msg, "stat "));
    assert_non_null(strstr(st.msg, missing));
}

/* ---- makedirs / remove / delete_recursively ---- */

static void test_makedirs(void **state) {
    (void)state;
    const char *d = fresh_dir("mk");
    char p[4096], q[4096];
    TU_OK(tfc_gfile_makedirs(join(p, d, "a/b/c"), NULL));
    assert_true(tfc_gfile_isdir(p));
    TU_OK(tfc_gfile_makedirs(p, NULL)); /* already there */
    TU_OK(tfc_gfile_makedirs(join(p, d, "x//y/"), NULL));
    assert_true(tfc_gfile_isdir(join(q, d, "x/y")));
    TU_OK(tfc_gfile_makedirs(d, NULL));

    put(d, "file", "x");
    tfc_status st = {0};
    assert_int_equal(tfc_gfile_makedirs(join(p, d, "file/sub"), &st), TFC_FAILED_PRECONDITION);
    assert_non_null(strstr(st.msg, "is not a directory"));
    assert_int_equal(tfc_gfile_makedirs(join(p, d, "file"), &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_gfile_makedirs("", &st), TFC_INVALID_ARGUMENT);
}

static void test_remove(void **state) {
    (void)state;
    const char *d = fresh_dir("rm");
    char p[4096];
    put(d, "f", "x");
    TU_OK(tfc_gfile_remove(join(p, d, "f"), NULL));
    assert_false(tfc_gfile_exists(p));
    tfc_status st = {0};
    assert_int_equal(tfc_gfile_remove(p, &st), TFC_NOT_FOUND);
    assert_non_null(strstr(st.msg, "remove "));
    assert_non_null(strstr(st.msg, "No such file or directory"));
    assert_int_equal(tfc_gfile_remove(d, &st), TFC_FAILED_PRECONDITION);
    assert_true(tfc_gfile_isdir(d));
}

static void test_delete_recursively(void **state) {
    (void)state;
    const char *d = fresh_dir("rmr");
    char p[4096], keep[4096], t[4096];
    join(t, d, "tree");
    TU_OK(tfc_gfile_makedirs(join(p, t, "a/b/c"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, t, "empty"), NULL));
    put(t, "f1", "1");
    put(t, ".hidden", "h");
    put(t, "a/f2", "2");
    put(t, "a/b/c/f3", "3");
    /* A symlink to a directory outside the tree: the link goes, the target stays. */
    TU_OK(tfc_gfile_makedirs(join(keep, d, "keep"), NULL));
    put(keep, "precious", "p");
    assert_int_equal(symlink(keep, join(p, t, "a/link")), 0);
    assert_int_equal(symlink("/nonexistent/dangling", join(p, t, "dangling")), 0);

    TU_OK(tfc_gfile_delete_recursively(t, NULL));
    assert_false(tfc_gfile_exists(t));
    assert_true(tfc_gfile_exists(join(p, keep, "precious")));

    tfc_status st = {0};
    assert_int_equal(tfc_gfile_delete_recursively(t, &st), TFC_NOT_FOUND);
    assert_non_null(strstr(st.msg, t));
    /* A plain file, and a symlink to a directory (only the link is removed). */
    put(d, "single", "s");
    TU_OK(tfc_gfile_delete_recursively(join(p, d, "single"), NULL));
    assert_false(tfc_gfile_exists(p));
    assert_int_equal(symlink(keep, join(p, d, "lk")), 0);
    TU_OK(tfc_gfile_delete_recursively(p, NULL));
    assert_true(tfc_gfile_exists(join(p, keep, "precious")));
}

/* ---- rename / copy ---- */

static void test_rename(void **state) {
    (void)state;
    const char *d = fresh_dir("mv");
    char a[4096], b[4096], m[4096], sd[4096], sd2[4096];
    put(d, "a", "AAA");
    put(d, "b", "BB");
    join(a, d, "a");
    join(b, d, "b");
    tfc_status st = {0};
    assert_int_equal(tfc_gfile_rename(a, b, false, &st), TFC_ALREADY_EXISTS);
    assert_non_null(strstr(st.msg, "rename "));
    assert_file_is(a, "AAA", 3);
    assert_file_is(b, "BB", 2);
    TU_OK(tfc_gfile_rename(a, b, true, NULL));
    assert_false(tfc_gfile_exists(a));
    assert_file_is(b, "AAA", 3);
    TU_OK(tfc_gfile_rename(b, a, false, NULL));
    assert_file_is(a, "AAA", 3);
    assert_int_equal(tfc_gfile_rename(join(m, d, "missing"), b, false, &st), TFC_NOT_FOUND);
    assert_int_equal(tfc_gfile_rename(m, b, true, &st), TFC_NOT_FOUND);
    /* Directories move too. */
    TU_OK(tfc_gfile_makedirs(join(sd, d, "sub"), NULL));
    put(sd, "x", "x");
    TU_OK(tfc_gfile_rename(sd, join(sd2, d, "sub2"), false, NULL));
    assert_true(tfc_gfile_exists(join(m, sd2, "x")));
}

static void test_copy(void **state) {
    (void)state;
    const char *d = fresh_dir("cp");
    char src[4096], dst[4096], p[4096];
    size_t n = 3 * 1024 * 1024 + 12345; /* several copy chunks, and not a multiple of them */
    uint8_t *data = pattern_bytes(n);
    tu_write_file(join(src, d, "src"), data, n);
    TU_OK(tfc_gfile_copy(src, join(dst, d, "dst"), false, NULL));
    assert_file_is(dst, data, n);
    assert_file_is(src, data, n);

    tfc_status st = {0};
    put(d, "small", "small");
    assert_int_equal(tfc_gfile_copy(join(p, d, "small"), dst, false, &st), TFC_ALREADY_EXISTS);
    assert_non_null(strstr(st.msg, dst));
    assert_file_is(dst, data, n);
    TU_OK(tfc_gfile_copy(p, dst, true, NULL));
    assert_file_is(dst, "small", 5);
    TU_OK(tfc_gfile_copy(dst, dst, true, NULL)); /* onto itself: the atomic write keeps it whole */
    assert_file_is(dst, "small", 5);

    put(d, "empty", "");
    TU_OK(tfc_gfile_copy(join(p, d, "empty"), join(dst, d, "empty2"), false, NULL));
    assert_file_is(dst, "", 0);

    assert_int_equal(tfc_gfile_copy(join(p, d, "missing"), join(dst, d, "x"), false, &st),
                     TFC_NOT_FOUND);
    assert_false(tfc_gfile_exists(dst));
    assert_int_equal(tfc_gfile_copy(d, dst, false, &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_gfile_copy(src, join(dst, d, "nodir/x"), false, &st), TFC_NOT_FOUND);
    /* src, dst, small, empty, empty2: no temporaries left behind. */
    assert_int_equal(count_entries(d), 5);
    free(data);
}

/* ---- listdir / walk ---- */

static void test_listdir(void **state) {
    (void)state;
    const char *d = fresh_dir("ls");
    char p[4096], buf[512];
    put(d, "b", "");
    put(d, "a", "");
    put(d, "C", "");
    put(d, ".h", "");
    TU_OK(tfc_gfile_makedirs(join(p, d, "dir"), NULL));
    tfc_strlist l;
    TU_OK(tfc_gfile_listdir(d, &l, NULL));
    assert_string_equal(joined(&l, buf, sizeof buf), ".h,C,a,b,dir");
    tfc_strlist_free(&l);
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    tfc_strlist_free(NULL);

    TU_OK(tfc_gfile_listdir(p, &l, NULL));
    assert_int_equal(l.count, 0);
    tfc_strlist_free(&l);

    tfc_status st = {0};
    assert_int_equal(tfc_gfile_listdir(join(p, d, "missing"), &l, &st), TFC_NOT_FOUND);
    assert_non_null(strstr(st.msg, p));
    assert_int_equal(l.count, 0);
    assert_int_equal(tfc_gfile_listdir(join(p, d, "a"), &l, &st), TFC_FAILED_PRECONDITION);
}

typedef struct walk_log {
    size_t top_len;
    char text[2048];
    int calls, stop_after;
} walk_log;

static tfc_code log_dir(void *ctx, const char *dir, const tfc_strlist *subdirs,
                        const tfc_strlist *files, tfc_status *st) {
    walk_log *w = ctx;
    char s[512], f[512];
    size_t len = strlen(w->text);
    snprintf(w->text + len, sizeof w->text - len, "[%s] d=%s f=%s\n",
             dir[w->top_len] ? dir + w->top_len + 1 : ".", joined(subdirs, s, sizeof s),
             joined(files, f, sizeof f));
    if (++w->calls == w->stop_after) return tfc_status_set(st, TFC_CANCELLED, "stop");
    return TFC_OK;
}

static void test_walk(void **state) {
    (void)state;
    const char *d = fresh_dir("walk");
    char top[4096], p[4096];
    join(top, d, "top");
    TU_OK(tfc_gfile_makedirs(join(p, top, "b/y"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, top, "a/x"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, top, "a/w"), NULL));
    put(top, "f2", "");
    put(top, "f1", "");
    put(top, "a/af", "");
    put(top, "b/y/deep", "");
    /* A symlinked directory is a file to walk, and not followed. */
    char target[4096];
    assert_int_equal(symlink(join(target, top, "b"), join(p, top, "a/link")), 0);

    walk_log w = {.top_len = strlen(top)};
    TU_OK(tfc_gfile_walk(top, log_dir, &w, NULL));
    assert_string_equal(w.text, "[.] d=a,b f=f1,f2\n"
                                "[a] d=w,x f=af,link\n"
                                "[a/w] d= f=\n"
                                "[a/x] d= f=\n"
                                "[b] d=y f=\n"
                                "[b/y] d= f=deep\n");

    walk_log stop = {.top_len = strlen(top), .stop_after = 2};
    tfc_status st = {0};
    assert_int_equal(tfc_gfile_walk(top, log_dir, &stop, &st), TFC_CANCELLED);
    assert_int_equal(stop.calls, 2);
    assert_string_equal(st.msg, "stop");

    assert_int_equal(tfc_gfile_walk(join(p, d, "missing"), log_dir, &w, &st), TFC_NOT_FOUND);
}

/* ---- glob ---- */

static const char *glob_str(const char *pattern, char *buf, size_t cap, size_t strip) {
    tfc_strlist l;
    tfc_status st = {0};
    if (tfc_gfile_glob(pattern, &l, &st) != TFC_OK) fail_msg("glob %s: %s", pattern, st.msg);
    for (size_t i = 0; i < l.count; i++)
        if (strip && strlen(l.items[i]) >= strip)
            memmove(l.items[i], l.items[i] + strip, strlen(l.items[i] + strip) + 1);
    joined(&l, buf, cap);
    tfc_strlist_free(&l);
    return buf;
}

static const char *glob_setup(const char *name) {
    const char *d = fresh_dir(name);
    char p[4096];
    const char *files[] = {"a.txt",
                           "b.txt",
                           "c.txt",
                           "x.txt",
                           "ab.txt",
                           ".hidden.txt",
                           "train-00000-of-00002",
                           "train-00001-of-00002",
                           "eval-00000-of-00001",
                           "runs/r1/events.out.1",
                           "runs/r1/events.out.2",
                           "runs/r1/other",
                           "runs/r2/events.out.3",
                           "runs/r3/nothing",
                           "runs/.tmp/events.out.9"};
    TU_OK(tfc_gfile_makedirs(join(p, d, "runs/r1"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, d, "runs/r2"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, d, "runs/r3"), NULL));
    TU_OK(tfc_gfile_makedirs(join(p, d, "runs/.tmp"), NULL));
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) put(d, files[i], "");
    put(d, "runs/file-not-dir", "");
    return d;
}

static void test_glob_absolute(void **state) {
    (void)state;
    const char *d = glob_setup("glob_abs");
    char pat[4096], buf[1024];
    size_t strip = strlen(d) + 1;
#define G(rel) glob_str(join(pat, d, rel), buf, sizeof buf, strip)
    assert_string_equal(G("*.txt"), "a.txt,ab.txt,b.txt,c.txt,x.txt");
    assert_string_equal(G("?.txt"), "a.txt,b.txt,c.txt,x.txt");
    assert_string_equal(G("[a-c].txt"), "a.txt,b.txt,c.txt");
    assert_string_equal(G("[!x].txt"), "a.txt,b.txt,c.txt");
    assert_string_equal(G("[^abc].txt"), "x.txt");
    assert_string_equal(G("[ax]*.txt"), "a.txt,ab.txt,x.txt");
    assert_string_equal(G(".*.txt"), ".hidden.txt");
    assert_string_equal(G("train-*-of-*"), "train-00000-of-00002,train-00001-of-00002");
    assert_string_equal(G("*-of-*"),
                        "eval-00000-of-00001,train-00000-of-00002,train-00001-of-00002");
    assert_string_equal(G("runs/*/events.*"),
                        "runs/r1/events.out.1,runs/r1/events.out.2,runs/r2/events.out.3");
    assert_string_equal(G("r*/r?/events.out.[13]"), "runs/r1/events.out.1,runs/r2/events.out.3");
    assert_string_equal(G("runs/*/other"), "runs/r1/other");
    assert_string_equal(G("runs/*/"), "runs/r1/,runs/r2/,runs/r3/");
    assert_string_equal(G("runs//r1/*.2"), "runs/r1/events.out.2");
    assert_string_equal(G("*/*/nothing"), "runs/r3/nothing");
    assert_string_equal(G("*.none"), "");
    assert_string_equal(G("nodir/*"), "");
    assert_string_equal(G("a.txt/*"), "");
    assert_string_equal(G("a.txt"), "a.txt");
    assert_string_equal(G("missing.txt"), "");
#undef G
    tfc_strlist l;
    TU_OK(tfc_gfile_glob("", &l, NULL));
    assert_int_equal(l.count, 0);
    assert_null(l.items);
}

static void test_glob_relative(void **state) {
    (void)state;
    const char *d = glob_setup("glob_rel");
    char cwd[4096], buf[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(d), 0);
    const char *got1 = glob_str("[bc].txt", buf, sizeof buf, 0);
    int ok1 = strcmp(got1, "b.txt,c.txt") == 0;
    const char *got2 = glob_str("runs/r?/events.out.?", buf + 512, 512, 0);
    int ok2 = strcmp(got2, "runs/r1/events.out.1,runs/r1/events.out.2,runs/r2/events.out.3") == 0;
    char got3[256];
    snprintf(got3, sizeof got3, "%s", glob_str("./r*", buf, sizeof buf, 0));
    assert_int_equal(chdir(cwd), 0); /* restore before any assertion can leave the test */
    assert_true(ok1);
    assert_true(ok2);
    assert_string_equal(got3, "./runs");
}

/* ---- buffered files ---- */

static void test_file_read_seek_tell(void **state) {
    (void)state;
    const char *d = fresh_dir("read");
    char p[4096];
    size_t n = 200000;
    uint8_t *data = pattern_bytes(n), *got = malloc(n + 10);
    tu_write_file(join(p, d, "f"), data, n);
    tfc_file *f;
    TU_OK(tfc_file_open(p, TFC_FILE_READ, &f, NULL));
    assert_string_equal(tfc_file_path(f), p);
    /* Mixed sizes: tiny (buffered), larger than the buffer (direct), across buffer edges. */
    size_t sizes[] = {1, 100, 70000, 3, 65536, 5000, 0, 65536}, pos = 0, g;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t want = sizes[i] < n - pos ? sizes[i] : n - pos;
        TU_OK(tfc_file_read(f, got, sizes[i], &g, NULL));
        assert_int_equal(g, want);
        assert_memory_equal(got, data + pos, want);
        pos += g;
        assert_int_equal(tfc_file_tell(f), (int64_t)pos);
    }
    TU_OK(tfc_file_read(f, got, 10, &g, NULL)); /* at end of file */
    assert_int_equal(g, 0);

    int64_t offs[] = {0, 199990, 65536, 65530, 12345, 12300, 12400, 200000, 300000};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        TU_OK(tfc_file_seek(f, offs[i], NULL));
        assert_int_equal(tfc_file_tell(f), offs[i]);
        TU_OK(tfc_file_read(f, got, 20, &g, NULL));
        size_t want =
            offs[i] >= (int64_t)n ? 0 : (n - (size_t)offs[i] < 20 ? n - (size_t)offs[i] : 20);
        assert_int_equal(g, want);
        if (want) assert_memory_equal(got, data + offs[i], want);
    }
    TU_OK(tfc_file_seek(f, 10, NULL));
    TU_OK(tfc_file_read(f, got, n + 10, &g, NULL)); /* larger than what is left */
    assert_int_equal(g, n - 10);
    assert_memory_equal(got, data + 10, n - 10);

    tfc_status st = {0};
    assert_int_equal(tfc_file_seek(f, -1, &st), TFC_INVALID_ARGUMENT);
    assert_int_equal(tfc_file_write(f, "x", 1, &st), TFC_FAILED_PRECONDITION);
    TU_OK(tfc_file_flush(f, NULL));
    TU_OK(tfc_file_close(f, NULL));

    assert_int_equal(tfc_file_open(join(p, d, "missing"), TFC_FILE_READ, &f, &st), TFC_NOT_FOUND);
    assert_null(f);
    char want_msg[4200];
    snprintf(want_msg, sizeof want_msg, "open %s for reading: No such file or directory", p);
    assert_string_equal(st.msg, want_msg);
    assert_int_equal(tfc_file_open(d, TFC_FILE_READ, &f, &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_file_open("", TFC_FILE_READ, &f, &st), TFC_INVALID_ARGUMENT);
    assert_int_equal(tfc_file_open(p, (tfc_file_mode)7, &f, &st), TFC_INVALID_ARGUMENT);
    free(data);
    free(got);
}

static void test_file_write_large(void **state) {
    (void)state;
    const char *d = fresh_dir("write");
    char p[4096];
    size_t n = 1000000;
    uint8_t *data = pattern_bytes(n);
    tfc_file *f;
    TU_OK(tfc_file_open(join(p, d, "f"), TFC_FILE_WRITE, &f, NULL));
    /* Small (buffered), exactly the buffer, more than the buffer, and ones that overflow it. */
    size_t sizes[] = {10, 65536, 100000, 60000, 10000, 1, 0, 300000, 65535, 2}, pos = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        TU_OK(tfc_file_write(f, data + pos, sizes[i], NULL));
        pos += sizes[i];
        assert_int_equal(tfc_file_tell(f), (int64_t)pos);
    }
    TU_OK(tfc_file_flush(f, NULL));
    assert_file_is(p, data, pos);
    TU_OK(tfc_file_write(f, data + pos, n - pos, NULL));
    TU_OK(tfc_file_sync(f, NULL));
    tfc_status st = {0};
    size_t g;
    assert_int_equal(tfc_file_read(f, data, 1, &g, &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_file_seek(f, 0, &st), TFC_FAILED_PRECONDITION);
    TU_OK(tfc_file_close(f, NULL));
    assert_file_is(p, data, n);

    /* WRITE truncates. */
    TU_OK(tfc_file_open(p, TFC_FILE_WRITE, &f, NULL));
    TU_OK(tfc_file_write(f, "xyz", 3, NULL));
    TU_OK(tfc_file_close(f, NULL));
    assert_file_is(p, "xyz", 3);
    assert_int_equal(tfc_file_open(join(p, d, "no/such/dir"), TFC_FILE_WRITE, &f, &st),
                     TFC_NOT_FOUND);
    assert_int_equal(tfc_file_open(d, TFC_FILE_WRITE, &f, &st), TFC_FAILED_PRECONDITION);
    free(data);
}

static void test_file_append(void **state) {
    (void)state;
    const char *d = fresh_dir("append");
    char p[4096];
    tfc_file *f;
    TU_OK(tfc_file_open(join(p, d, "f"), TFC_FILE_APPEND, &f, NULL)); /* creates */
    assert_int_equal(tfc_file_tell(f), 0);
    TU_OK(tfc_file_write(f, "abc", 3, NULL));
    TU_OK(tfc_file_close(f, NULL));
    TU_OK(tfc_file_open(p, TFC_FILE_APPEND, &f, NULL));
    assert_int_equal(tfc_file_tell(f), 3);
    TU_OK(tfc_file_write(f, "def", 3, NULL));
    assert_int_equal(tfc_file_tell(f), 6);
    TU_OK(tfc_file_close(f, NULL));
    assert_file_is(p, "abcdef", 6);
}

static void test_file_atomic(void **state) {
    (void)state;
    const char *d = fresh_dir("atomic");
    char p[4096];
    put(d, "target", "old");
    join(p, d, "target");
    size_t n = 150000;
    uint8_t *data = pattern_bytes(n);

    /* Until close, the target keeps its old content and the new bytes live in a hidden temporary.
     */
    tfc_file *f;
    TU_OK(tfc_file_open(p, TFC_FILE_WRITE_ATOMIC, &f, NULL));
    TU_OK(tfc_file_write(f, data, 100, NULL));
    TU_OK(tfc_file_write(f, data + 100, n - 100, NULL));
    assert_int_equal(tfc_file_tell(f), (int64_t)n);
    assert_file_is(p, "old", 3);
    assert_int_equal(count_entries(d), 2);
    TU_OK(tfc_file_close(f, NULL));
    assert_file_is(p, data, n);
    assert_int_equal(count_entries(d), 1);

    /* Abort: old content stays, temporary is gone. */
    TU_OK(tfc_file_open(p, TFC_FILE_WRITE_ATOMIC, &f, NULL));
    TU_OK(tfc_file_write(f, "new", 3, NULL));
    TU_OK(tfc_file_flush(f, NULL));
    tfc_file_abort(f);
    assert_file_is(p, data, n);
    assert_int_equal(count_entries(d), 1);
    tfc_file_abort(NULL);

    /* A new file appears only at close. */
    char q[4096];
    TU_OK(tfc_file_open(join(q, d, "fresh"), TFC_FILE_WRITE_ATOMIC, &f, NULL));
    assert_false(tfc_gfile_exists(q));
    tfc_file_abort(f);
    assert_false(tfc_gfile_exists(q));
    TU_OK(tfc_file_open(q, TFC_FILE_WRITE_ATOMIC, &f, NULL));
    TU_OK(tfc_file_close(f, NULL));
    assert_file_is(q, "", 0);

    /* A commit that fails (the target became a non-empty directory) removes the temporary. */
    char r[4096], r2[4096];
    TU_OK(tfc_file_open(join(r, d, "becomes-dir"), TFC_FILE_WRITE_ATOMIC, &f, NULL));
    TU_OK(tfc_file_write(f, "zz", 2, NULL));
    TU_OK(tfc_gfile_makedirs(r, NULL));
    put(r, "inside", "i");
    tfc_status st = {0};
    assert_int_equal(tfc_file_close(f, &st), TFC_FAILED_PRECONDITION);
    assert_non_null(strstr(st.msg, r));
    assert_true(tfc_gfile_exists(join(r2, r, "inside")));
    assert_int_equal(count_entries(d), 3); /* target, fresh, becomes-dir */

    assert_int_equal(tfc_file_open(d, TFC_FILE_WRITE_ATOMIC, &f, &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_file_open(join(r, d, "nodir/x"), TFC_FILE_WRITE_ATOMIC, &f, &st),
                     TFC_NOT_FOUND);
    assert_non_null(strstr(st.msg, r));
    /* Relative path: the temporary and the directory sync use ".". */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(d), 0);
    tfc_code c = tfc_gfile_write_atomic("rel", "rel", 3, NULL);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(c, TFC_OK);
    assert_file_is(join(r, d, "rel"), "rel", 3);
    free(data);
}

static void test_read_all_write_atomic(void **state) {
    (void)state;
    const char *d = fresh_dir("whole");
    char p[4096];
    size_t n = 300001, size;
    uint8_t *data = pattern_bytes(n), *got;
    TU_OK(tfc_gfile_write_atomic(join(p, d, "f"), data, n, NULL));
    assert_file_is(p, data, n);
    TU_OK(tfc_gfile_read_all(p, &got, &size, NULL));
    assert_int_equal(size, n);
    assert_memory_equal(got, data, n);
    assert_int_equal(got[n], 0);
    tfc_free(got);

    TU_OK(tfc_gfile_write_atomic(p, "text", 4, NULL)); /* replaces */
    TU_OK(tfc_gfile_read_all(p, &got, &size, NULL));
    assert_int_equal(size, 4);
    assert_string_equal((char *)got, "text");
    tfc_free(got);
    TU_OK(tfc_gfile_write_atomic(p, NULL, 0, NULL));
    TU_OK(tfc_gfile_read_all(p, &got, &size, NULL));
    assert_int_equal(size, 0);
    assert_int_equal(got[0], 0);
    tfc_free(got);
    assert_int_equal(count_entries(d), 1);

    /* st_size is only a hint: /proc files report 0. */
    TU_OK(tfc_gfile_read_all("/proc/self/status", &got, &size, NULL));
    assert_true(size > 0);
    assert_non_null(strstr((char *)got, "Name:"));
    tfc_free(got);

    tfc_status st = {0};
    assert_int_equal(tfc_gfile_read_all(join(p, d, "missing"), &got, &size, &st), TFC_NOT_FOUND);
    assert_null(got);
    assert_int_equal(tfc_gfile_read_all(d, &got, &size, &st), TFC_FAILED_PRECONDITION);
    assert_int_equal(tfc_gfile_write_atomic(join(p, d, "no/x"), "x", 1, &st), TFC_NOT_FOUND);
    free(data);
}

static void test_sync_dir(void **state) {
    (void)state;
    const char *d = fresh_dir("sync");
    char p[4096];
    TU_OK(tfc_gfile_sync_dir(d, NULL));
    TU_OK(tfc_gfile_sync_dir(".", NULL));
    tfc_status st = {0};
    assert_int_equal(tfc_gfile_sync_dir(join(p, d, "missing"), &st), TFC_NOT_FOUND);
    put(d, "f", "");
    assert_int_equal(tfc_gfile_sync_dir(join(p, d, "f"), &st), TFC_FAILED_PRECONDITION);
}

static void test_permission_denied(void **state) {
    (void)state;
    if (geteuid() == 0) skip(); /* root reads anything */
    const char *d = fresh_dir("perm");
    char p[4096];
    put(d, "secret", "s");
    assert_int_equal(chmod(join(p, d, "secret"), 0), 0);
    tfc_file *f;
    tfc_status st = {0};
    assert_int_equal(tfc_file_open(p, TFC_FILE_READ, &f, &st), TFC_PERMISSION_DENIED);
    assert_non_null(strstr(st.msg, "Permission denied"));
    chmod(p, 0600);
}

int tu_run_gfile(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_errno_status),
        TU_TEST(test_stat),
        TU_TEST(test_makedirs),
        TU_TEST(test_remove),
        TU_TEST(test_delete_recursively),
        TU_TEST(test_rename),
        TU_TEST(test_copy),
        TU_TEST(test_listdir),
        TU_TEST(test_walk),
        TU_TEST(test_glob_absolute),
        TU_TEST(test_glob_relative),
        TU_TEST(test_file_read_seek_tell),
        TU_TEST(test_file_write_large),
        TU_TEST(test_file_append),
        TU_TEST(test_file_atomic),
        TU_TEST(test_read_all_write_atomic),
        TU_TEST(test_sync_dir),
        TU_TEST(test_permission_denied),
    };
    return cmocka_run_group_tests_name("gfile", tests, NULL, NULL);
}
