/* Softmax and LogSoftmax over the last dim (any rank >= 1), SoftmaxCrossEntropyWithLogits
 * ([batch, classes] logits and labels, either broadcastable along a dim of size 1, as TF 2
 * allows) and SparseSoftmaxCrossEntropyWithLogits (int32 or int64 class ids), in float32 and
 * float64. Every row is shifted by its max before exp, and sums run in double. Rows are split
 * over the pool. */
#include <math.h>
#include <stdio.h>

#include "ops/nn_int.h"

#define GRAIN 16384 /* elements per task */

typedef struct sm_job {
    tfc_dtype dt;
    bool log;
    int64_t rows, cols, parts;
    const void *x;
    void *y;
    /* cross entropies */
    const void *labels;
    tfc_dtype label_dt; /* TFC_DT_INVALID for dense labels */
    int64_t fs_r, fs_c; /* features: element strides of a row and a column (0 = broadcast) */
    int64_t ls_r, ls_c; /* labels, the same */
    void *loss, *backprop;
} sm_job;

#define SOFTMAX_ROWS(T)                                                                            \
    static void softmax_rows_##T(const sm_job *j, int64_t lo, int64_t hi) {                        \
        int64_t C = j->cols;                                                                       \
        for (int64_t r = lo; r < hi; r++) {                                                        \
            const T *x = (const T *)j->x + r * C;                                                  \
            T *y = (T *)j->y + r * C;                                                              \
            T mx = x[0];                                                                           \
            for (int64_t c = 1; c < C; c++) mx = x[c] > mx ? x[c] : mx;                            \
            double sum = 0;                                                                        \
            for (int64_t c = 0; c < C; c++) sum += exp((double)(x[c] - mx));                       \
            if (j->log) {                                                                          \
                T lse = (T)log(sum);                                                               \
                for (int64_t c = 0; c < C; c++) y[c] = x[c] - mx - lse;                            \
            } else {                                                                               \
                double inv = 1 / sum;                                                              \
                for (int64_t c = 0; c < C; c++) y[c] = (T)(exp((double)(x[c] - mx)) * inv);        \
            }                                                                                      \
        }                                                                                          \
    }
SOFTMAX_ROWS(float)
SOFTMAX_ROWS(double)

static void softmax_part(void *ctx, int64_t part) {
    const sm_job *j = ctx;
    int64_t lo = j->rows * part / j->parts, hi = j->rows * (part + 1) / j->parts;
    if (j->dt == TFC_DT_FLOAT)
        softmax_rows_float(j, lo, hi);
    else
        softmax_rows_double(j, lo, hi);
}

static int64_t parts_for(tfc_kernel_ctx *c, int64_t rows, int64_t cols) {
    int64_t work = (rows * (cols > 0 ? cols : 1) + GRAIN - 1) / GRAIN;
    return tfc__nn_num_parts(tfc_kctx_pool(c), work < rows ? work : rows);
}

static tfc_code softmax_compute_common(tfc_kernel_ctx *c, void *state, bool log) {
    const tfc__nn_typed_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    if (tfc_tensor_dtype(x) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "logits must be %s, got %s",
                             tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(x)));
    int r = tfc_tensor_rank(x);
    if (r < 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "logits must have >= 1 dimension, got a scalar");
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dt, tfc_tensor_shape(x), &y);
    if (rc) return rc;
    sm_job j = {.dt = s->dt, .log = log, .x = tfc_tensor_data_const(x), .y = tfc_tensor_data(y)};
    j.cols = tfc_tensor_dim(x, r - 1);
    j.rows = j.cols ? tfc_tensor_num_elements(x) / j.cols : 0;
    if (j.cols == 0 || j.rows == 0) return TFC_OK;
    j.parts = parts_for(c, j.rows, j.cols);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, softmax_part, &j);
    return TFC_OK;
}

static tfc_code softmax_compute(tfc_kernel_ctx *c, void *state) {
    return softmax_compute_common(c, state, false);
}

static tfc_code log_softmax_compute(tfc_kernel_ctx *c, void *state) {
    return softmax_compute_common(c, state, true);
}

/* One cross-entropy row r: loss = sum_c labels * (logsumexp - logit), backprop = softmax -
 * labels; sparse labels are one-hot at their class. */
#define XENT_ROWS(T)                                                                               \
    static void xent_rows_##T(const sm_job *j, int64_t lo, int64_t hi) {                           \
        int64_t C = j->cols;                                                                       \
        for (int64_t r = lo; r < hi; r++) {                                                        \
            const T *f = (const T *)j->x + r * j->fs_r;                                            \
            T *bp = (T *)j->backprop + r * C;                                                      \
            T mx = f[0];                                                                           \
            for (int64_t c = 1; c < C; c++) mx = f[c * j->fs_c] > mx ? f[c * j->fs_c] : mx;        \
            double sum = 0;                                                                        \
            for (int64_t c = 0; c < C; c++) sum += exp((double)(f[c * j->fs_c] - mx));             \
            double lse = log(sum), loss = 0, inv = 1 / sum;                                        \
            if (j->label_dt == TFC_DT_INVALID) {                                                   \
                const T *l = (const T *)j->labels + r * j->ls_r;                                   \
                for (int64_t c = 0; c < C; c++) {                                                  \
                    double z = (double)(f[c * j->fs_c] - mx), lab = (double)l[c * j->ls_c];        \
                    loss += lab * (lse - z);                                                       \
                    bp[c] = (T)(exp(z) * inv - lab);                                               \
                }                                                                                  \
            } else {                                                                               \
                int64_t k = j->label_dt == TFC_DT_INT32 ? ((const int32_t *)j->labels)[r]          \
                                                        : ((const int64_t *)j->labels)[r];         \
                for (int64_t c = 0; c < C; c++)                                                    \
                    bp[c] = (T)(exp((double)(f[c] - mx)) * inv - (c == k));                        \
                loss = lse - (double)(f[k] - mx);                                                  \
            }                                                                                      \
            ((T *)j->loss)[r] = (T)loss;                                                           \
        }                                                                                          \
    }
XENT_ROWS(float)
XENT_ROWS(double)

static void xent_part(void *ctx, int64_t part) {
    const sm_job *j = ctx;
    int64_t lo = j->rows * part / j->parts, hi = j->rows * (part + 1) / j->parts;
    if (j->dt == TFC_DT_FLOAT)
        xent_rows_float(j, lo, hi);
    else
        xent_rows_double(j, lo, hi);
}

static tfc_code alloc_xent_outputs(tfc_kernel_ctx *c, sm_job *j) {
    tfc_shape ls = tfc_shape_make(1, &j->rows),
              bs = tfc_shape_make(2, (int64_t[]){j->rows, j->cols});
    tfc_tensor *loss, *bp;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, j->dt, &ls, &loss);
    if (rc || (rc = tfc_kctx_alloc_output(c, 1, j->dt, &bs, &bp))) return rc;
    j->loss = tfc_tensor_data(loss), j->backprop = tfc_tensor_data(bp);
    return TFC_OK;
}

static tfc_code xent_compute(tfc_kernel_ctx *c, void *state) {
    const tfc__nn_typed_state *s = state;
    const tfc_tensor *f = tfc_kctx_input(c, 0), *l = tfc_kctx_input(c, 1);
    char a[96], b[96];
    if (tfc_tensor_dtype(f) != s->dt || tfc_tensor_dtype(l) != s->dt)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "features and labels must be %s, got %s and %s", tfc_dtype_name(s->dt),
                             tfc_dtype_name(tfc_tensor_dtype(f)),
                             tfc_dtype_name(tfc_tensor_dtype(l)));
    int64_t d[2];
    bool ok = tfc_tensor_rank(f) == 2 && tfc_tensor_rank(l) == 2;
    for (int k = 0; ok && k < 2; k++) {
        int64_t x = tfc_tensor_dim(f, k), y = tfc_tensor_dim(l, k);
        ok = x == y || x == 1 || y == 1;
        d[k] = x == 1 ? y : x;
    }
    if (!ok)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "logits and labels must be broadcastable to [batch, classes]: "
                             "logits_size=%s labels_size=%s",
                             tfc_shape_to_string(tfc_tensor_shape(f), a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(l), b, sizeof b));
    sm_job j = {.dt = s->dt, .rows = d[0], .cols = d[1], .label_dt = TFC_DT_INVALID};
    if (j.rows > 0 && j.cols == 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Must have at least one class, but got logits shape %s",
                             tfc_shape_to_string(tfc_tensor_shape(f), a, sizeof a));
    int64_t fc = tfc_tensor_dim(f, 1), lc = tfc_tensor_dim(l, 1);
    j.fs_r = tfc_tensor_dim(f, 0) == 1 ? 0 : fc, j.fs_c = fc == 1 ? 0 : 1;
    j.ls_r = tfc_tensor_dim(l, 0) == 1 ? 0 : lc, j.ls_c = lc == 1 ? 0 : 1;
    j.x = tfc_tensor_data_const(f), j.labels = tfc_tensor_data_const(l);
    tfc_code rc = alloc_xent_outputs(c, &j);
    if (rc || j.rows == 0) return rc;
    j.parts = parts_for(c, j.rows, j.cols);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, xent_part, &j);
    return TFC_OK;
}

static tfc_code sparse_xent_compute(tfc_kernel_ctx *c, void *state) {
    const tfc__nn_typed_state *s = state;
    const tfc_tensor *f = tfc_kctx_input(c, 0), *l = tfc_kctx_input(c, 1);
    char a[96], b[96];
    tfc_dtype ldt = tfc_tensor_dtype(l);
    if (tfc_tensor_dtype(f) != s->dt || (ldt != TFC_DT_INT32 && ldt != TFC_DT_INT64))
        return tfc_kctx_fail(
            c, TFC_INVALID_ARGUMENT, "features must be %s and labels int32 or int64, got %s and %s",
            tfc_dtype_name(s->dt), tfc_dtype_name(tfc_tensor_dtype(f)), tfc_dtype_name(ldt));
    if (tfc_tensor_rank(f) != 2 || tfc_tensor_rank(l) != 1 ||
        tfc_tensor_dim(f, 0) != tfc_tensor_dim(l, 0))
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "logits must be 2-D [batch, classes] and labels 1-D [batch] with the "
                             "same batch, got logits shape %s and labels shape %s",
                             tfc_shape_to_string(tfc_tensor_shape(f), a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(l), b, sizeof b));
    sm_job j = {.dt = s->dt, .rows = tfc_tensor_dim(f, 0), .cols = tfc_tensor_dim(f, 1)};
    if (j.rows > 0 && j.cols == 0)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Must have at least one class, but got logits shape %s",
                             tfc_shape_to_string(tfc_tensor_shape(f), a, sizeof a));
    const void *lv = tfc_tensor_data_const(l);
    for (int64_t r = 0; r < j.rows; r++) {
        int64_t k = ldt == TFC_DT_INT32 ? ((const int32_t *)lv)[r] : ((const int64_t *)lv)[r];
        if (k < 0 || k >= j.cols) {
            /* TF lists the label values; the first few are enough to find the culprit. */
            char vals[200];
            size_t len = 0;
            vals[0] = '\0';
            for (int64_t q = 0; q < j.rows && q < 10 && len < sizeof vals; q++)
                len +=
                    (size_t)snprintf(vals + len, sizeof vals - len, "%s%lld", q ? " " : "",
                                     (long long)(ldt == TFC_DT_INT32 ? ((const int32_t *)lv)[q]
                                                                     : ((const int64_t *)lv)[q]));
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Received a label value of %lld which is outside the valid range "
                                 "of [0, %lld) at batch row %lld.  Label values: %s%s",
                                 (long long)k, (long long)j.cols, (long long)r, vals,
                                 j.rows > 10 ? " ..." : "");
        }
    }
    j.fs_r = j.cols, j.fs_c = 1, j.label_dt = ldt;
    j.x = tfc_tensor_data_const(f), j.labels = lv;
    tfc_code rc = alloc_xent_outputs(c, &j);
    if (rc || j.rows == 0) return rc;
    j.parts = parts_for(c, j.rows, j.cols);
    tfc__nn_parallel(tfc_kctx_pool(c), j.parts, xent_part, &j);
    return TFC_OK;
}

const tfc_kernel tfc__kernel_softmax = {.prepare = tfc__nn_prepare_typed,
                                        .compute = softmax_compute};
const tfc_kernel tfc__kernel_log_softmax = {.prepare = tfc__nn_prepare_typed,
                                            .compute = log_softmax_compute};
const tfc_kernel tfc__kernel_xent = {.prepare = tfc__nn_prepare_typed, .compute = xent_compute};
const tfc_kernel tfc__kernel_sparse_xent = {.prepare = tfc__nn_prepare_typed,
                                            .compute = sparse_xent_compute};
