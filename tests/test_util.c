/* Shared helpers for the unit tests. */
#define _GNU_SOURCE
#include "test_util.h"

#include "runtime/kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char slots[8][4096];
static int slot_next;
static char tmpdir[4096];

static char *slot(void) {
    return slots[slot_next++ & 7];
}

const char *tu_testdata(const char *rel) {
    const char *root = getenv("TFC_TESTDATA");
    char *s = slot();
    snprintf(s, 4096, "%s/%s", root && *root ? root : "../shared/testdata", rel);
    return s;
}

const char *tu_tmpdir(void) {
    if (!tmpdir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/tfc-test-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

const char *tu_tmp(const char *name) {
    char *s = slot();
    snprintf(s, 4096, "%s/%s", tu_tmpdir(), name);
    return s;
}

uint8_t *tu_read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while ((got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *n = len;
    return b;
}

void tu_write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        perror(path);
        abort();
    }
    fclose(f);
}

void tu_cleanup_tmp(void) {
    if (!tmpdir[0]) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    tmpdir[0] = '\0';
}

int tu_leak_setup(void **state) {
    *state = (void *)(intptr_t)tfc_alloc_live_count();
    return 0;
}

int tu_leak_teardown(void **state) {
    int64_t before = (int64_t)(intptr_t)*state, now = tfc_alloc_live_count();
    if (now != before) {
        fprintf(stderr, "leak: %lld live allocations before the test, %lld after\n",
                (long long)before, (long long)now);
        return -1;
    }
    return 0;
}

tfc_code tu_run_op(tfc_threadpool *pool, const char *op, const tfc_tensor *const *in, int nin,
                   tu_attrs_fn fn, const void *ctx, tfc_tensor **out, int nout, bool static_unknown,
                   tfc_status *st) {
    for (int k = 0; k < nout; k++) out[k] = NULL;
    if (nin > 8) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "tu_run_op: more than 8 inputs");
    tfc_graph *g = tfc_graph_new();
    tfc_out ph[8];
    for (int k = 0; k < nin; k++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", k);
        tfc_shape s = static_unknown ? tfc_shape_unknown() : *tfc_tensor_shape(in[k]);
        ph[k] = tfc_placeholder(g, name, tfc_tensor_dtype(in[k]), &s);
    }
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int k = 0; k < nin; k++) tfc_node_add_input(b, ph[k]);
    if (fn) fn(b, ctx);
    tfc_node *n = tfc_node_finish(b);
    tfc_code rc = tfc_graph_status(g, st);
    if (rc == TFC_OK) rc = tfc__kernel_run(n, in, nin, out, nout, pool, NULL, st);
    tfc_graph_free(g);
    return rc;
}
