/* Shared helpers for the unit tests. */
#define _GNU_SOURCE
#include "test_util.h"

#include "base/trace.h"
#include "runtime/kernel.h"
#include "tfc/testing.h"

#include <errno.h>
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

/* ---- Op coverage (base/trace.h): which kernels ran and which gradients were built inside a
 * successful tfc_compute_gradient_error, written at exit to TU_OPCOV_DIR/<program>.txt as lines
 * "K op" and "G op" for tests/ops/test_registry.c. Plain malloc: not counted as tfc leaks. */

typedef struct name_set {
    char **v;
    size_t n, cap;
} name_set;

static name_set cov_kernels, cov_grads, cov_pending;
static int cov_checking;

static void set_add(name_set *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], name)) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    s->v[s->n++] = strdup(name);
}

static void set_clear(name_set *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    s->n = 0;
}

static void cov_trace(tfc__trace_kind kind, const char *op) {
    switch (kind) {
    case TFC_TRACE_KERNEL:
        set_add(&cov_kernels, op);
        break;
    case TFC_TRACE_GRAD:
        if (cov_checking) set_add(&cov_pending, op);
        break;
    case TFC_TRACE_CHECK_BEGIN:
        if (cov_checking++ == 0) set_clear(&cov_pending);
        break;
    case TFC_TRACE_CHECK_END:
        if (--cov_checking == 0 && op)
            for (size_t i = 0; i < cov_pending.n; i++) set_add(&cov_grads, cov_pending.v[i]);
        break;
    }
}

static void cov_write(void) {
#ifdef TU_OPCOV_DIR
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", TU_OPCOV_DIR, program_invocation_short_name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    for (size_t i = 0; i < cov_kernels.n; i++) fprintf(f, "K %s\n", cov_kernels.v[i]);
    for (size_t i = 0; i < cov_grads.n; i++) fprintf(f, "G %s\n", cov_grads.v[i]);
    fclose(f);
#endif
    set_clear(&cov_kernels), set_clear(&cov_grads), set_clear(&cov_pending);
    free(cov_kernels.v), free(cov_grads.v), free(cov_pending.v);
}

int tu_leak_setup(void **state) {
    if (!tfc__trace) {
        tfc__trace = cov_trace;
        atexit(cov_write);
    }
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

double tu_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_FLOAT:
        return ((const float *)p)[i];
    case TFC_DT_DOUBLE:
        return ((const double *)p)[i];
    case TFC_DT_INT8:
        return ((const int8_t *)p)[i];
    case TFC_DT_INT16:
        return ((const int16_t *)p)[i];
    case TFC_DT_INT32:
        return ((const int32_t *)p)[i];
    case TFC_DT_INT64:
        return (double)((const int64_t *)p)[i];
    case TFC_DT_UINT8:
    case TFC_DT_BOOL:
        return ((const uint8_t *)p)[i];
    case TFC_DT_UINT16:
        return ((const uint16_t *)p)[i];
    case TFC_DT_UINT32:
        return ((const uint32_t *)p)[i];
    case TFC_DT_UINT64:
        return (double)((const uint64_t *)p)[i];
    default:
        fail_msg("tu_at: no numeric value in a %s tensor", tfc_dtype_name(tfc_tensor_dtype(t)));
        return 0;
    }
}

tfc_tensor *tu_tensor(tfc_dtype dt, int rank, const int64_t *dims, const double *v) {
    tfc_shape s = tfc_shape_make(rank, dims);
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(dt, &s, &t, &st)) fail_msg("tensor: %s", st.msg);
    void *p = tfc_tensor_data(t);
    for (int64_t i = 0; v && i < tfc_tensor_num_elements(t); i++) switch (dt) {
        case TFC_DT_FLOAT:
            ((float *)p)[i] = (float)v[i];
            break;
        case TFC_DT_DOUBLE:
            ((double *)p)[i] = v[i];
            break;
        case TFC_DT_INT8:
            ((int8_t *)p)[i] = (int8_t)v[i];
            break;
        case TFC_DT_INT16:
            ((int16_t *)p)[i] = (int16_t)v[i];
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)v[i];
            break;
        case TFC_DT_INT64:
            ((int64_t *)p)[i] = (int64_t)v[i];
            break;
        case TFC_DT_UINT8:
            ((uint8_t *)p)[i] = (uint8_t)v[i];
            break;
        case TFC_DT_UINT16:
            ((uint16_t *)p)[i] = (uint16_t)v[i];
            break;
        case TFC_DT_UINT32:
            ((uint32_t *)p)[i] = (uint32_t)v[i];
            break;
        case TFC_DT_UINT64:
            ((uint64_t *)p)[i] = (uint64_t)v[i];
            break;
        case TFC_DT_BOOL:
            ((uint8_t *)p)[i] = v[i] != 0;
            break;
        default:
            fail_msg("tu_tensor: dtype %s", tfc_dtype_name(dt));
        }
    return t;
}

tfc_tensor *tu_scalar(tfc_dtype dt, double v) {
    return tu_tensor(dt, 0, NULL, &v);
}

tfc_out tu_const_owned(tfc_graph *g, tfc_tensor *t) {
    tfc_out c = tfc_const(g, "c", t);
    tfc_tensor_unref(t);
    return c;
}

tfc_out tu_node(tfc_graph *g, const char *op, const tfc_out *in, int n) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    for (int k = 0; k < n; k++) tfc_node_add_input(b, in[k]);
    return tfc_node_output(tfc_node_finish(b), 0);
}

void tu_check_gradient(tfc_graph *g, tfc_out x, tfc_tensor *xv, tfc_out y, const char *what) {
    tfc_status st;
    if (tfc_graph_status(g, &st) != TFC_OK) fail_msg("%s: graph: %s", what, st.msg);
    double err;
    if (tfc_compute_gradient_error(g, x, xv, y, 1e-6, &err, &st) != TFC_OK)
        fail_msg("%s: %s", what, st.msg);
    if (!(err <= 1e-6)) fail_msg("%s: gradient error %g > 1e-6", what, err);
    tfc_tensor_unref(xv);
    tfc_graph_free(g);
}
