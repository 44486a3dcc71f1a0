/* Arithmetic kernels of the base family: Add/AddV2/Sub/Mul/RealDiv with NumPy broadcasting (same
 * shapes and scalars take a flat loop; everything else a strided loop over the broadcast shape
 * with its dims coalesced), AddN, Relu/Neg/Square, and MatMul (OpenBLAS for float and double, a
 * plain loop for integers). float32, float64, int32 and int64, as TF registers them on CPU.
 * Integer arithmetic wraps around like TF's (done in unsigned types: signed overflow is undefined
 * in C). Loops over more than TFC_KCTX_MIN_CHUNK elements are split over the session's pool. */
#include <cblas.h>
#include <string.h>

#include "ops/base_kernels.h"
#include "ops/unary.h"

/* ---- Element functions: z[i] = x[i] op y[i], with a stride of 0 or 1 on each side ---- */

typedef void (*binary_fn)(const void *x, int64_t sx, const void *y, int64_t sy, void *z, int64_t n);

#define BINARY_LOOP(NAME, T, EXPR)                                                                 \
    static void NAME(const void *xv, int64_t sx, const void *yv, int64_t sy, void *zv,             \
                     int64_t n) {                                                                  \
        const T *x = xv, *y = yv;                                                                  \
        T *z = zv;                                                                                 \
        if (sx && sy) {                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T a = x[i], b = y[i];                                                              \
                z[i] = EXPR;                                                                       \
            }                                                                                      \
        } else if (sx) {                                                                           \
            const T b = y[0];                                                                      \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T a = x[i];                                                                        \
                z[i] = EXPR;                                                                       \
            }                                                                                      \
        } else if (sy) {                                                                           \
            const T a = x[0];                                                                      \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T b = y[i];                                                                        \
                z[i] = EXPR;                                                                       \
            }                                                                                      \
        } else {                                                                                   \
            const T a = x[0], b = y[0];                                                            \
            for (int64_t i = 0; i < n; i++) z[i] = EXPR;                                           \
        }                                                                                          \
    }

#define WRAP(T, U, EXPR) ((T)(U)(EXPR))
BINARY_LOOP(add_f32, float, a + b)
BINARY_LOOP(add_f64, double, a + b)
BINARY_LOOP(add_i32, int32_t, WRAP(int32_t, uint32_t, (uint32_t)a + (uint32_t)b))
BINARY_LOOP(add_i64, int64_t, WRAP(int64_t, uint64_t, (uint64_t)a + (uint64_t)b))
BINARY_LOOP(sub_f32, float, a - b)
BINARY_LOOP(sub_f64, double, a - b)
BINARY_LOOP(sub_i32, int32_t, WRAP(int32_t, uint32_t, (uint32_t)a - (uint32_t)b))
BINARY_LOOP(sub_i64, int64_t, WRAP(int64_t, uint64_t, (uint64_t)a - (uint64_t)b))
BINARY_LOOP(mul_f32, float, a *b)
BINARY_LOOP(mul_f64, double, a *b)
BINARY_LOOP(mul_i32, int32_t, WRAP(int32_t, uint32_t, (uint32_t)a *(uint32_t)b))
BINARY_LOOP(mul_i64, int64_t, WRAP(int64_t, uint64_t, (uint64_t)a *(uint64_t)b))
BINARY_LOOP(div_f32, float, a / b)
BINARY_LOOP(div_f64, double, a / b)

typedef struct binary_op {
    const char *name;
    binary_fn f32, f64, i32, i64; /* NULL: not registered on CPU for that type */
} binary_op;

static const binary_op op_add = {"Add", add_f32, add_f64, add_i32, add_i64};
static const binary_op op_sub = {"Sub", sub_f32, sub_f64, sub_i32, sub_i64};
static const binary_op op_mul = {"Mul", mul_f32, mul_f64, mul_i32, mul_i64};
static const binary_op op_div = {"RealDiv", div_f32, div_f64, NULL, NULL};

static binary_fn binary_for(const binary_op *op, tfc_dtype dt) {
    switch (dt) {
    case TFC_DT_FLOAT:
        return op->f32;
    case TFC_DT_DOUBLE:
        return op->f64;
    case TFC_DT_INT32:
        return op->i32;
    case TFC_DT_INT64:
        return op->i64;
    default:
        return NULL;
    }
}

/* ---- Broadcasting ---- */

/* The broadcast shape as runs of dims in which each side either varies or stays put, merged
 * so that [2,1,3]+[4,1] becomes three runs, and same shapes one run. Strides in elements. */
typedef struct bcast {
    int rank;
    int64_t dims[TFC_MAX_RANK], xs[TFC_MAX_RANK], ys[TFC_MAX_RANK];
    int64_t n;
} bcast;

/* INVALID_ARGUMENT (TF's BCast message) when the shapes do not broadcast. */
static tfc_code bcast_make(tfc_kernel_ctx *c, const tfc_shape *x, const tfc_shape *y,
                           tfc_shape *out, bcast *b) {
    int r = x->rank > y->rank ? x->rank : y->rank;
    bool vx[TFC_MAX_RANK], vy[TFC_MAX_RANK];
    *out = (tfc_shape){.rank = r};
    *b = (bcast){.n = 1};
    for (int i = 0; i < r; i++) {
        int ix = i - (r - x->rank), iy = i - (r - y->rank);
        int64_t dx = ix < 0 ? 1 : x->dims[ix], dy = iy < 0 ? 1 : y->dims[iy];
        if (dx != dy && dx != 1 && dy != 1) {
            char a[96], bb[96];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s",
                                 tfc_shape_to_string(x, a, sizeof a),
                                 tfc_shape_to_string(y, bb, sizeof bb));
        }
        int64_t d = dx == 1 ? dy : dx;
        out->dims[i] = d;
        if (__builtin_mul_overflow(b->n, d, &b->n))
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "the broadcast shape has more than 2^63-1 elements");
        if (d == 1) continue; /* contributes nothing either side */
        bool ax = dx == d, ay = dy == d;
        if (b->rank > 0 && vx[b->rank - 1] == ax && vy[b->rank - 1] == ay) {
            b->dims[b->rank - 1] *= d;
        } else {
            vx[b->rank] = ax, vy[b->rank] = ay;
            b->dims[b->rank++] = d;
        }
    }
    if (b->rank == 0) vx[0] = vy[0] = true, b->dims[b->rank++] = 1;
    int64_t sx = 1, sy = 1;
    for (int k = b->rank - 1; k >= 0; k--) {
        b->xs[k] = vx[k] ? sx : 0;
        b->ys[k] = vy[k] ? sy : 0;
        if (vx[k]) sx *= b->dims[k];
        if (vy[k]) sy *= b->dims[k];
    }
    return TFC_OK;
}

typedef struct binary_job {
    const bcast *b;
    binary_fn fn;
    const char *x, *y;
    char *z;
    size_t es; /* element size */
} binary_job;

/* Rows [lo, hi) of the broadcast: a row is the innermost run. */
static void binary_rows(void *p, int64_t lo, int64_t hi) {
    const binary_job *j = p;
    const bcast *b = j->b;
    int r = b->rank;
    int64_t inner = b->dims[r - 1], idx[TFC_MAX_RANK] = {0}, ox = 0, oy = 0, rem = lo;
    for (int k = r - 2; k >= 0; k--) {
        idx[k] = rem % b->dims[k];
        rem /= b->dims[k];
        ox += idx[k] * b->xs[k], oy += idx[k] * b->ys[k];
    }
    for (int64_t row = lo; row < hi; row++) {
        j->fn(j->x + ox * (int64_t)j->es, b->xs[r - 1], j->y + oy * (int64_t)j->es, b->ys[r - 1],
              j->z + row * inner * (int64_t)j->es, inner);
        for (int k = r - 2; k >= 0; k--) { /* next row: carry like an odometer */
            ox += b->xs[k], oy += b->ys[k];
            if (++idx[k] < b->dims[k]) break;
            ox -= idx[k] * b->xs[k], oy -= idx[k] * b->ys[k];
            idx[k] = 0;
        }
    }
}

/* Same-shape and scalar cases: one flat run, split in element ranges. */
static void binary_flat(void *p, int64_t lo, int64_t hi) {
    const binary_job *j = p;
    int64_t sx = j->b->xs[0], sy = j->b->ys[0], es = (int64_t)j->es;
    j->fn(j->x + lo * sx * es, sx, j->y + lo * sy * es, sy, j->z + lo * es, hi - lo);
}

static tfc_code binary_compute(tfc_kernel_ctx *c, const binary_op *op) {
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(x);
    binary_fn fn = binary_for(op, dt);
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", op->name,
                             tfc_dtype_name(dt));
    bcast b;
    tfc_shape s;
    tfc_code rc = bcast_make(c, tfc_tensor_shape(x), tfc_tensor_shape(y), &s, &b);
    tfc_tensor *z;
    if (rc != TFC_OK || (rc = tfc_kctx_alloc_output(c, 0, dt, &s, &z)) != TFC_OK) return rc;
    if (b.n == 0) return TFC_OK;
    binary_job j = {&b,
                    fn,
                    tfc_tensor_data_const(x),
                    tfc_tensor_data_const(y),
                    tfc_tensor_data(z),
                    tfc_dtype_size(dt)};
    if (b.rank == 1) {
        tfc_kctx_parallel_range(c, b.n, TFC_KCTX_MIN_CHUNK, binary_flat, &j);
    } else {
        int64_t inner = b.dims[b.rank - 1], min_rows = TFC_KCTX_MIN_CHUNK / inner;
        tfc_kctx_parallel_range(c, b.n / inner, min_rows ? min_rows : 1, binary_rows, &j);
    }
    return TFC_OK;
}

#define BINARY_KERNEL(NAME, OP)                                                                    \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        return binary_compute(c, &OP);                                                             \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};
BINARY_KERNEL(add, op_add)
BINARY_KERNEL(sub, op_sub)
BINARY_KERNEL(mul, op_mul)
BINARY_KERNEL(real_div, op_div)

/* ---- AddN: inputs of one shape, summed in input order ---- */

typedef struct add_n_job {
    const tfc_kernel_ctx *c;
    tfc_dtype dt;
    void *z;
} add_n_job;

#define ADD_N_LOOP(T, U)                                                                           \
    {                                                                                              \
        T *z = j->z;                                                                               \
        const T *x0 = tfc_tensor_data_const(tfc_kctx_input(j->c, 0));                              \
        for (int64_t i = lo; i < hi; i++) z[i] = x0[i];                                            \
        for (int k = 1; k < n; k++) {                                                              \
            const T *x = tfc_tensor_data_const(tfc_kctx_input(j->c, k));                           \
            for (int64_t i = lo; i < hi; i++) z[i] = (T)((U)z[i] + (U)x[i]);                       \
        }                                                                                          \
    }

static void add_n_range(void *p, int64_t lo, int64_t hi) {
    const add_n_job *j = p;
    int n = tfc_kctx_num_inputs(j->c);
    switch (j->dt) {
    case TFC_DT_FLOAT:
        ADD_N_LOOP(float, float)
        break;
    case TFC_DT_DOUBLE:
        ADD_N_LOOP(double, double)
        break;
    case TFC_DT_INT32:
        ADD_N_LOOP(int32_t, uint32_t)
        break;
    default:
        ADD_N_LOOP(int64_t, uint64_t)
        break;
    }
}

static tfc_code add_n_compute(tfc_kernel_ctx *c, void *state) {
    const tfc_tensor *x0 = tfc_kctx_input(c, 0);
    tfc_dtype dt = tfc_tensor_dtype(x0);
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for AddN on %s",
                             tfc_dtype_name(dt));
    for (int k = 1; k < tfc_kctx_num_inputs(c); k++) {
        const tfc_shape *s = tfc_tensor_shape(tfc_kctx_input(c, k));
        if (!tfc_shape_equal(s, tfc_tensor_shape(x0))) {
            char a[96], b[96];
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "Inputs to operation AddN must have the same size and shape.  "
                                 "Input 0: %s != input %d: %s",
                                 tfc_shape_to_string(tfc_tensor_shape(x0), a, sizeof a), k,
                                 tfc_shape_to_string(s, b, sizeof b));
        }
    }
    tfc_tensor *z;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, tfc_tensor_shape(x0), &z);
    if (rc != TFC_OK) return rc;
    add_n_job j = {c, dt, tfc_tensor_data(z)};
    tfc_kctx_parallel_range(c, tfc_tensor_num_elements(x0), TFC_KCTX_MIN_CHUNK, add_n_range, &j);
    return TFC_OK;
}
const tfc_kernel tfc__kernel_add_n = {.compute = add_n_compute};

/* ---- Unary ---- */

typedef struct unary_job {
    tfc__unary_fn fn;
    const char *x;
    char *y;
    int64_t es;
} unary_job;

static void unary_range(void *p, int64_t lo, int64_t hi) {
    const unary_job *j = p;
    j->fn(j->x + lo * j->es, j->y + lo * j->es, hi - lo);
}

tfc_code tfc__unary_compute(tfc_kernel_ctx *c, const tfc__unary_op *op) {
    const tfc_tensor *x = tfc_kctx_input(c, 0);
    tfc_dtype dt = tfc_tensor_dtype(x);
    tfc__unary_fn fn = dt == TFC_DT_FLOAT    ? op->f32
                       : dt == TFC_DT_DOUBLE ? op->f64
                       : dt == TFC_DT_INT32  ? op->i32
                       : dt == TFC_DT_INT64  ? op->i64
                                             : NULL;
    if (!fn)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for %s on %s", op->name,
                             tfc_dtype_name(dt));
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, tfc_tensor_shape(x), &y);
    if (rc != TFC_OK) return rc;
    unary_job j = {fn, tfc_tensor_data_const(x), tfc_tensor_data(y), (int64_t)tfc_dtype_size(dt)};
    tfc_kctx_parallel_range(c, tfc_tensor_num_elements(x), TFC_KCTX_MIN_CHUNK, unary_range, &j);
    return TFC_OK;
}

/* Relu as Eigen's max(x, 0) computes it: NaN passes through. */
TFC__UNARY_LOOP(relu_f32, float, a < 0 ? 0 : a)
TFC__UNARY_LOOP(relu_f64, double, a < 0 ? 0 : a)
TFC__UNARY_LOOP(relu_i32, int32_t, a < 0 ? 0 : a)
TFC__UNARY_LOOP(relu_i64, int64_t, a < 0 ? 0 : a)
TFC__UNARY_LOOP(neg_f32, float, -a)
TFC__UNARY_LOOP(neg_f64, double, -a)
TFC__UNARY_LOOP(neg_i32, int32_t, WRAP(int32_t, uint32_t, 0u - (uint32_t)a))
TFC__UNARY_LOOP(neg_i64, int64_t, WRAP(int64_t, uint64_t, 0u - (uint64_t)a))
TFC__UNARY_LOOP(square_f32, float, a *a)
TFC__UNARY_LOOP(square_f64, double, a *a)
TFC__UNARY_LOOP(square_i32, int32_t, WRAP(int32_t, uint32_t, (uint32_t)a *(uint32_t)a))
TFC__UNARY_LOOP(square_i64, int64_t, WRAP(int64_t, uint64_t, (uint64_t)a *(uint64_t)a))

#define UNARY_KERNEL(NAME, OPNAME)                                                                 \
    static const tfc__unary_op op_##NAME = {OPNAME, NAME##_f32, NAME##_f64, NAME##_i32,            \
                                            NAME##_i64};                                           \
    static tfc_code NAME##_compute(tfc_kernel_ctx *c, void *state) {                               \
        return tfc__unary_compute(c, &op_##NAME);                                                  \
    }                                                                                              \
    const tfc_kernel tfc__kernel_##NAME = {.compute = NAME##_compute};
UNARY_KERNEL(relu, "Relu")
UNARY_KERNEL(neg, "Neg")
UNARY_KERNEL(square, "Square")

/* ---- MatMul ---- */

typedef struct matmul_state {
    bool ta, tb;
} matmul_state;

static tfc_code matmul_prepare(const tfc_node *n, void **state, tfc_status *st) {
    matmul_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_node_attr_bool(n, "transpose_a", &s->ta, NULL);
    tfc_node_attr_bool(n, "transpose_b", &s->tb, NULL);
    *state = s;
    return TFC_OK;
}

/* Row-major C[m,n] = op(A) op(B), A stored [m,k] or [k,m], B [k,n] or [n,k]; wrapping integers. */
#define MATMUL_LOOP(T, U)                                                                          \
    {                                                                                              \
        const T *a = tfc_tensor_data_const(A), *b = tfc_tensor_data_const(B);                      \
        T *out = tfc_tensor_data(C);                                                               \
        for (int64_t i = 0; i < m; i++)                                                            \
            for (int64_t j = 0; j < n; j++) {                                                      \
                U acc = 0;                                                                         \
                for (int64_t p = 0; p < k; p++)                                                    \
                    acc += (U)(s->ta ? a[p * m + i] : a[i * k + p]) *                              \
                           (U)(s->tb ? b[j * k + p] : b[p * n + j]);                               \
                out[i * n + j] = (T)acc;                                                           \
            }                                                                                      \
    }

/* One block of C's rows through BLAS (single-threaded BLAS, one block per pool thread). */
typedef struct gemm_rows {
    tfc_dtype dt;
    enum CBLAS_TRANSPOSE ta, tb;
    int n, k, lda, ldb;
    const tfc_tensor *A, *B;
    tfc_tensor *C;
    bool a_transposed; /* row r of op(A) is column r of A */
} gemm_rows;

static void gemm_rows_fn(void *ctx, int64_t begin, int64_t end) {
    const gemm_rows *g = ctx;
    int rows = (int)(end - begin);
    size_t a_off = g->a_transposed ? (size_t)begin : (size_t)begin * (size_t)g->lda;
    size_t c_off = (size_t)begin * (size_t)g->n;
    if (g->dt == TFC_DT_FLOAT)
        cblas_sgemm(CblasRowMajor, g->ta, g->tb, rows, g->n, g->k, 1.0f,
                    (const float *)tfc_tensor_data_const(g->A) + a_off, g->lda,
                    tfc_tensor_data_const(g->B), g->ldb, 0.0f,
                    (float *)tfc_tensor_data(g->C) + c_off, g->n);
    else
        cblas_dgemm(CblasRowMajor, g->ta, g->tb, rows, g->n, g->k, 1.0,
                    (const double *)tfc_tensor_data_const(g->A) + a_off, g->lda,
                    tfc_tensor_data_const(g->B), g->ldb, 0.0,
                    (double *)tfc_tensor_data(g->C) + c_off, g->n);
}

/* A few rows of C (batch-1 inference): one GEMV per row over a block of C's columns, the blocks
 * spread over the pool. sgemm packs all of B on every call, which for one row of A costs more
 * than the product (a 3136x1024 dense layer at batch 1: 72% of the tutorial CNN's latency, 42%
 * in OpenBLAS's packing); a GEMV reads B once, and the column blocks split that read over the
 * cores. */
static void gemv_cols_fn(const void *ctx, int64_t begin, int64_t end) {
    const gemm_rows *g = ctx;
    int m = (int)(tfc_tensor_num_elements(g->C) / g->n), cols = (int)(end - begin);
    bool f32 = g->dt == TFC_DT_FLOAT;
    size_t es = f32 ? sizeof(float) : sizeof(double);
    const char *A = tfc_tensor_data_const(g->A), *B = tfc_tensor_data_const(g->B);
    char *C = tfc_tensor_data(g->C);
    /* op(B) columns [begin, end): B's columns when B is not transposed, else its rows */
    bool bt = g->tb == CblasTrans;
    const char *b = B + (size_t)begin * (bt ? (size_t)g->ldb : 1) * es;
    enum CBLAS_TRANSPOSE t = bt ? CblasNoTrans : CblasTrans;
    int rows = bt ? cols : g->k, ncols = bt ? g->k : cols;
    for (int i = 0; i < m; i++) {
        /* row i of op(A): a row of A, or a column (stride lda) when A is transposed */
        const char *a = A + (size_t)i * (g->a_transposed ? 1 : (size_t)g->lda) * es;
        int inc = g->a_transposed ? g->lda : 1;
        char *y = C + ((size_t)i * (size_t)g->n + (size_t)begin) * es;
        if (f32)
            cblas_sgemv(CblasRowMajor, t, rows, ncols, 1.0f, (const float *)b, g->ldb,
                        (const float *)a, inc, 0.0f, (float *)y, 1);
        else
            cblas_dgemv(CblasRowMajor, t, rows, ncols, 1.0, (const double *)b, g->ldb,
                        (const double *)a, inc, 0.0, (double *)y, 1);
    }
}

typedef struct gemv_cols {
    gemm_rows g;
    int parts;
} gemv_cols;

/* Part p of C's columns, its bounds on multiples of 16 (whole cache lines of C and of B's rows). */
static void gemv_part(void *ctx, int64_t p) {
    const gemv_cols *j = ctx;
    int64_t blocks = (j->g.n + 15) / 16, lo = blocks * p / j->parts * 16,
            hi = blocks * (p + 1) / j->parts * 16;
    if (hi > j->g.n) hi = j->g.n;
    if (hi > lo) gemv_cols_fn(&j->g, lo, hi);
}

typedef struct gemm_cols {
    gemm_rows g;
    int parts;
} gemm_cols;

/* Part p of C's columns (bounds on multiples of 16): C[:, lo:hi) = op(A) op(B)[:, lo:hi). */
static void gemm_col_part(void *ctx, int64_t p) {
    const gemm_cols *j = ctx;
    const gemm_rows *g = &j->g;
    int64_t blocks = (g->n + 15) / 16, lo = blocks * p / j->parts * 16,
            hi = blocks * (p + 1) / j->parts * 16;
    if (hi > g->n) hi = g->n;
    if (hi <= lo) return;
    int m = (int)(tfc_tensor_num_elements(g->C) / g->n), cols = (int)(hi - lo);
    size_t boff = (size_t)lo * (g->tb == CblasTrans ? (size_t)g->ldb : 1);
    if (g->dt == TFC_DT_FLOAT)
        cblas_sgemm(CblasRowMajor, g->ta, g->tb, m, cols, g->k, 1.0f, tfc_tensor_data_const(g->A),
                    g->lda, (const float *)tfc_tensor_data_const(g->B) + boff, g->ldb, 0.0f,
                    (float *)tfc_tensor_data(g->C) + lo, g->n);
    else
        cblas_dgemm(CblasRowMajor, g->ta, g->tb, m, cols, g->k, 1.0, tfc_tensor_data_const(g->A),
                    g->lda, (const double *)tfc_tensor_data_const(g->B) + boff, g->ldb, 0.0,
                    (double *)tfc_tensor_data(g->C) + lo, g->n);
}

static tfc_code matmul_compute(tfc_kernel_ctx *c, void *state) {
    const matmul_state *s = state;
    const tfc_tensor *A = tfc_kctx_input(c, 0), *B = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(A);
    char sa[96], sb[96];
    if (tfc_tensor_rank(A) != 2 || tfc_tensor_rank(B) != 2)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "In[0] and In[1] must be matrices: %s, %s",
                             tfc_shape_to_string(tfc_tensor_shape(A), sa, sizeof sa),
                             tfc_shape_to_string(tfc_tensor_shape(B), sb, sizeof sb));
    int64_t m = tfc_tensor_dim(A, s->ta), k = tfc_tensor_dim(A, !s->ta);
    int64_t kb = tfc_tensor_dim(B, s->tb), n = tfc_tensor_dim(B, !s->tb);
    if (k != kb)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Matrix size-incompatible: In[0]: %s, In[1]: %s",
                             tfc_shape_to_string(tfc_tensor_shape(A), sa, sizeof sa),
                             tfc_shape_to_string(tfc_tensor_shape(B), sb, sizeof sb));
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for MatMul on %s",
                             tfc_dtype_name(dt));
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "MatMul dims over 2^31-1 (BLAS int)");
    tfc_shape os = tfc_shape_make(2, (int64_t[]){m, n});
    tfc_tensor *C;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &os, &C);
    if (rc != TFC_OK || m == 0 || n == 0) return rc;
    if (k == 0) { /* BLAS may leave C alone when k is 0 */
        memset(tfc_tensor_data(C), 0, tfc_tensor_byte_size(C));
        return TFC_OK;
    }
    enum CBLAS_TRANSPOSE ta = s->ta ? CblasTrans : CblasNoTrans,
                         tb = s->tb ? CblasTrans : CblasNoTrans;
    int lda = (int)(s->ta ? m : k), ldb = (int)(s->tb ? k : n);
    int threads = tfc_threadpool_size(tfc_kctx_pool(c));
    if ((dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE) && m <= 4 && (double)n * (double)k >= 65536) {
        gemv_cols j = {{dt, ta, tb, (int)n, (int)k, lda, ldb, A, B, C, s->ta}, threads};
        if (threads > 1 && n >= 32 * threads)
            tfc_threadpool_parallel_for(tfc_kctx_pool(c), threads, gemv_part, &j);
        else
            gemv_cols_fn(&j.g, 0, n);
        return TFC_OK;
    }
    if ((dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE) && threads > 1 && m >= 2 * threads &&
        (double)m * (double)n * (double)k >= 4e6 && openblas_get_num_threads() == 1) {
        /* BLAS is held to one thread (the session's pool owns the cores): split C's rows over the
         * pool. OpenBLAS's own threads are never used: after a call they spin for ~0.1 s, and a
         * spinning worker halved the next row-split GEMM and slowed the tutorial CNN's step by
         * ~12% (bench_cnn, bench_engine). */
        gemm_rows g = {dt, ta, tb, (int)n, (int)k, lda, ldb, A, B, C, s->ta};
        if (m < n && n >= 16 * threads) {
            /* Few rows, many columns (a dense layer's forward and input gradient at batch 100):
             * each part takes a block of C's columns, so each packs only its share of op(B);
             * splitting the rows had every part pack all of B (a 12.8 MB weight matrix). */
            gemm_cols j = {g, threads};
            tfc_threadpool_parallel_for(tfc_kctx_pool(c), threads, gemm_col_part, &j);
            return TFC_OK;
        }
        tfc_kctx_parallel_range(c, m, (m + threads - 1) / threads, gemm_rows_fn, &g);
        return TFC_OK;
    }
    switch (dt) {
    case TFC_DT_FLOAT:
        cblas_sgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, 1.0f, tfc_tensor_data_const(A),
                    lda, tfc_tensor_data_const(B), ldb, 0.0f, tfc_tensor_data(C), (int)n);
        break;
    case TFC_DT_DOUBLE:
        cblas_dgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, 1.0, tfc_tensor_data_const(A),
                    lda, tfc_tensor_data_const(B), ldb, 0.0, tfc_tensor_data(C), (int)n);
        break;
    case TFC_DT_INT32:
        MATMUL_LOOP(int32_t, uint32_t)
        break;
    default:
        MATMUL_LOOP(int64_t, uint64_t)
        break;
    }
    return TFC_OK;
}
const tfc_kernel tfc__kernel_matmul = {.prepare = matmul_prepare, .compute = matmul_compute};
