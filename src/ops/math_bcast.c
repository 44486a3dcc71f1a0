/* NumPy broadcasting of up to three inputs for the math family's kernels (math_int.h): the plan
 * with runs of alike dims merged, and a driver that walks it row by row on the session's pool. */
#include <stdio.h>
#include <string.h>

#include "ops/math_int.h"

bool tfc__mbcast_make(int nin, const tfc_shape *const *in, tfc_shape *out, tfc__mbcast *b) {
    int r = 0;
    for (int k = 0; k < nin; k++)
        if (in[k]->rank > r) r = in[k]->rank;
    bool vary[TFC__MB_MAX_IN][TFC_MAX_RANK];
    *out = (tfc_shape){.rank = r};
    *b = (tfc__mbcast){.nin = nin, .n = 1};
    for (int i = 0; i < r; i++) {
        int64_t d = 1, dk[TFC__MB_MAX_IN];
        for (int k = 0; k < nin; k++) {
            int ik = i - (r - in[k]->rank);
            dk[k] = ik < 0 ? 1 : in[k]->dims[ik];
            if (dk[k] == 1) continue;
            if (d != 1 && d != dk[k]) return false;
            d = dk[k];
        }
        out->dims[i] = d;
        if (__builtin_mul_overflow(b->n, d, &b->n)) return false;
        if (d == 1) continue; /* contributes nothing to any side */
        bool same = b->rank > 0;
        for (int k = 0; k < nin && same; k++) same = vary[k][b->rank - 1] == (dk[k] == d);
        if (same) {
            b->dims[b->rank - 1] *= d;
        } else {
            for (int k = 0; k < nin; k++) vary[k][b->rank] = dk[k] == d;
            b->dims[b->rank++] = d;
        }
    }
    if (b->rank == 0) {
        for (int k = 0; k < nin; k++) vary[k][0] = true;
        b->dims[b->rank++] = 1;
    }
    for (int k = 0; k < nin; k++) {
        int64_t s = 1;
        for (int j = b->rank - 1; j >= 0; j--) {
            b->strides[k][j] = vary[k][j] ? s : 0;
            if (vary[k][j]) s *= b->dims[j];
        }
    }
    return true;
}

tfc_code tfc__mbcast_fail(tfc_kernel_ctx *c, int nin, const tfc_shape *const *in) {
    char buf[3][96];
    for (int k = 0; k < nin; k++) tfc_shape_to_string(in[k], buf[k], sizeof buf[k]);
    if (nin == 3)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s vs. %s",
                             buf[0], buf[1], buf[2]);
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s", buf[0],
                         nin > 1 ? buf[1] : buf[0]);
}

typedef struct mb_job {
    const tfc__mbcast *b;
    const char *in[TFC__MB_MAX_IN];
    int64_t es[TFC__MB_MAX_IN];
    char *out;
    int64_t oes;
    tfc__mrow_fn fn;
    const void *ctx;
} mb_job;

/* Rows [lo, hi) of the plan: a row is the innermost run, walked like an odometer. */
static void mb_rows(void *p, int64_t lo, int64_t hi) {
    const mb_job *j = p;
    const tfc__mbcast *b = j->b;
    int r = b->rank, nin = b->nin;
    int64_t inner = b->dims[r - 1], idx[TFC_MAX_RANK] = {0}, off[TFC__MB_MAX_IN] = {0}, rem = lo;
    int64_t s[TFC__MB_MAX_IN];
    for (int k = 0; k < nin; k++) s[k] = b->strides[k][r - 1];
    for (int d = r - 2; d >= 0; d--) {
        idx[d] = rem % b->dims[d];
        rem /= b->dims[d];
        for (int k = 0; k < nin; k++) off[k] += idx[d] * b->strides[k][d];
    }
    for (int64_t row = lo; row < hi; row++) {
        const char *ptr[TFC__MB_MAX_IN];
        for (int k = 0; k < nin; k++) ptr[k] = j->in[k] + off[k] * j->es[k];
        j->fn(j->ctx, ptr, s, j->out + row * inner * j->oes, inner);
        for (int d = r - 2; d >= 0; d--) {
            for (int k = 0; k < nin; k++) off[k] += b->strides[k][d];
            if (++idx[d] < b->dims[d]) break;
            for (int k = 0; k < nin; k++) off[k] -= idx[d] * b->strides[k][d];
            idx[d] = 0;
        }
    }
}

/* A single merged dim: split the one run by element ranges. */
static void mb_flat(void *p, int64_t lo, int64_t hi) {
    const mb_job *j = p;
    const char *ptr[TFC__MB_MAX_IN];
    int64_t s[TFC__MB_MAX_IN];
    for (int k = 0; k < j->b->nin; k++) {
        s[k] = j->b->strides[k][0];
        ptr[k] = j->in[k] + lo * s[k] * j->es[k];
    }
    j->fn(j->ctx, ptr, s, j->out + lo * j->oes, hi - lo);
}

void tfc__mbcast_run(tfc_kernel_ctx *c, const tfc__mbcast *b, const void *const *in,
                     const size_t *es, void *out, size_t oes, tfc__mrow_fn fn, const void *ctx) {
    if (b->n == 0) return;
    mb_job j = {.b = b, .out = out, .oes = (int64_t)oes, .fn = fn, .ctx = ctx};
    for (int k = 0; k < b->nin; k++) j.in[k] = in[k], j.es[k] = (int64_t)es[k];
    if (b->rank == 1) {
        tfc_kctx_parallel_range(c, b->n, TFC_KCTX_MIN_CHUNK, mb_flat, &j);
    } else {
        int64_t inner = b->dims[b->rank - 1], min_rows = TFC_KCTX_MIN_CHUNK / inner;
        tfc_kctx_parallel_range(c, b->n / inner, min_rows ? min_rows : 1, mb_rows, &j);
    }
}
