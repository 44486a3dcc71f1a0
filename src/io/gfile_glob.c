/* tf.io.gfile.glob for local paths: the pattern is matched one path component at a time, listing
 * only the directories that earlier components matched. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "io/io_int.h"
#include "tfc/gfile.h"

static bool has_magic(const char *s) {
    return strpbrk(s, "*?[") != NULL;
}

/* The next non-empty component of *p (which is advanced past it), NUL-terminated in place. */
static char *next_component(char **p) {
    char *s = *p;
    while (*s == '/') s++;
    if (!*s) return NULL;
    char *e = strchr(s, '/');
    if (e) *e++ = '\0';
    *p = e ? e : s + strlen(s);
    return s;
}

/* Appends to *next the entries of the candidate directory c that match comp. A candidate that is
 * not a listable directory simply matches nothing (as in TF and the shell); other errors stop. */
static tfc_code expand(const char *c, const char *comp, tfc_strlist *next, size_t *cap,
                       tfc_status *st) {
    tfc_strlist names;
    tfc_status ls = {0};
    tfc_code code = tfc_gfile_listdir(*c ? c : ".", &names, &ls);
    if (code == TFC_NOT_FOUND || code == TFC_FAILED_PRECONDITION || code == TFC_PERMISSION_DENIED)
        return TFC_OK;
    if (code != TFC_OK) {
        if (st) *st = ls;
        return code;
    }
    for (size_t i = 0; code == TFC_OK && i < names.count; i++) {
        /* FNM_PERIOD: like the shell, a wildcard does not match a leading '.', which also keeps
         * the hidden temporaries of in-progress atomic writes out of the results. */
        if (fnmatch(comp, names.items[i], FNM_PATHNAME | FNM_PERIOD) != 0) continue;
        if (!tfc__strlist_push(next, cap, tfc__path_join(c, names.items[i])))
            code = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob: out of memory");
    }
    tfc_strlist_free(&names);
    return code;
}

/* Keeps only directories and gives them the pattern's trailing '/'. */
static tfc_code keep_dirs(tfc_strlist *l, tfc_status *st) {
    size_t kept = 0;
    tfc_code code = TFC_OK;
    for (size_t i = 0; i < l->count; i++) {
        char *p = l->items[i], *d = NULL;
        if (code == TFC_OK && tfc_gfile_isdir(p) && !(d = tfc__path_join(p, "")))
            code = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob: out of memory");
        tfc_free(p);
        if (d) l->items[kept++] = d;
    }
    l->count = kept;
    return code;
}

tfc_code tfc_gfile_glob(const char *pattern, tfc_strlist *out, tfc_status *st) {
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    struct stat sb;
    if (!*pattern) return TFC_OK;
    if (!has_magic(pattern)) {
        if (lstat(pattern, &sb) == 0 && !tfc__strlist_push(out, &cap, tfc_strdup(pattern)))
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob %s: out of memory", pattern);
        return TFC_OK;
    }
    char *pat = tfc_strdup(pattern);
    tfc_strlist cands = {0};
    if (!pat || !tfc__strlist_push(&cands, &cap, tfc_strdup(pattern[0] == '/' ? "/" : ""))) {
        tfc_free(pat);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob %s: out of memory", pattern);
    }
    tfc_code code = TFC_OK;
    char *rest = pat, *comp;
    while (code == TFC_OK && cands.count > 0 && (comp = next_component(&rest))) {
        tfc_strlist next = {0};
        size_t ncap = 0;
        bool magic = has_magic(comp);
        for (size_t i = 0; code == TFC_OK && i < cands.count; i++) {
            if (magic) {
                code = expand(cands.items[i], comp, &next, &ncap, st);
                continue;
            }
            /* A literal component needs no listing, only a check that it exists. */
            char *p = tfc__path_join(cands.items[i], comp);
            if (!p)
                code =
                    tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob %s: out of memory", pattern);
            else if (lstat(p, &sb) != 0)
                tfc_free(p);
            else if (!tfc__strlist_push(&next, &ncap, p))
                code =
                    tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "glob %s: out of memory", pattern);
        }
        tfc_strlist_free(&cands);
        cands = next;
    }
    tfc_free(pat);
    if (code == TFC_OK && pattern[strlen(pattern) - 1] == '/') code = keep_dirs(&cands, st);
    if (code != TFC_OK) {
        tfc_strlist_free(&cands);
        return code;
    }
    tfc__strlist_sort(&cands);
    *out = cands;
    return TFC_OK;
}
