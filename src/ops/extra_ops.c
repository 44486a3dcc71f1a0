/* The extra family: Size, the stateful random ops (RandomUniform, RandomStandardNormal,
 * TruncatedNormal) and BatchMatMulV2 with its gradient. Signatures, attrs and defaults are
 * TensorFlow's.
 *
 * Random numbers come from Philox 4x32-10 (the counter-based generator TF uses), keyed by
 * (seed, seed2): key = seed, counter words 2-3 = seed2, counter words 0-1 count blocks. When both
 * seeds are 0 the key is derived from the node's id, so each node draws its own stream and a graph
 * gives the same numbers each time it is planned. The stream position lives in the kernel state
 * made by prepare, so each run of a plan draws new numbers. The streams are not bit-identical to
 * TF's (TF skips ahead per run by a fixed sample count and transforms differently). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "graph/op_def.h"
#include "runtime/kernel.h"

static int64_t int_at(const tfc_tensor *t, int64_t i) {
    const void *p = tfc_tensor_data_const(t);
    return tfc_tensor_dtype(t) == TFC_DT_INT64 ? ((const int64_t *)p)[i] : ((const int32_t *)p)[i];
}

static tfc_out op1(tfc_graph *g, const char *op, tfc_out a) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(b, a);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out op2(tfc_graph *g, const char *op, tfc_out a, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(b, a);
    tfc_node_add_input(b, x);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* ---- Size ---- */

static tfc_code size_prepare(const tfc_node *node, void **state, tfc_status *st) {
    tfc_dtype *dt = tfc_malloc(sizeof *dt);
    if (!dt) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    *dt = TFC_DT_INT32;
    tfc_node_attr_type(node, "out_type", dt, NULL);
    *state = dt;
    return TFC_OK;
}

static tfc_code size_compute(tfc_kernel_ctx *c, void *state) {
    tfc_dtype dt = *(const tfc_dtype *)state;
    int64_t n = tfc_tensor_num_elements(tfc_kctx_input(c, 0));
    if (dt == TFC_DT_INT32 && n > INT32_MAX)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Number of elements was larger than representable by 32-bit output "
                             "type");
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &(tfc_shape){0, {0}}, &y);
    if (rc != TFC_OK) return rc;
    if (dt == TFC_DT_INT64)
        *(int64_t *)tfc_tensor_data(y) = n;
    else
        *(int32_t *)tfc_tensor_data(y) = (int32_t)n;
    return TFC_OK;
}
static const tfc_kernel kernel_size = {.prepare = size_prepare, .compute = size_compute};

/* ---- Random ---- */

typedef enum { RNG_UNIFORM, RNG_NORMAL, RNG_TRUNCATED } rng_kind;

typedef struct rng_state {
    rng_kind kind;
    tfc_dtype dtype;
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    int used; /* words of buf consumed (4 = empty) */
} rng_state;

static void philox_block(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4]) {
    uint32_t c[4] = {ctr_in[0], ctr_in[1], ctr_in[2], ctr_in[3]}, k[2] = {key_in[0], key_in[1]};
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k[0], n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k[1];
        c[1] = (uint32_t)p1, c[3] = (uint32_t)p0, c[0] = n0, c[2] = n2;
        /* the product words go to 1 and 3, the mixed high words to 0 and 2 */
        k[0] += 0x9E3779B9u, k[1] += 0xBB67AE85u;
    }
    memcpy(out, c, sizeof c);
}

static uint32_t rng_u32(rng_state *s) {
    if (s->used == 4) {
        philox_block(s->ctr, s->key, s->buf);
        if (++s->ctr[0] == 0) ++s->ctr[1];
        s->used = 0;
    }
    return s->buf[s->used++];
}

/* Uniform in [0, 1) with the precision of the dtype (TF's bit tricks). */
static float rng_float(rng_state *s) {
    uint32_t v = (rng_u32(s) & 0x7fffffu) | 0x3f800000u;
    float f;
    memcpy(&f, &v, sizeof f);
    return f - 1.0f;
}

static double rng_double(rng_state *s) {
    uint64_t hi = rng_u32(s), lo = rng_u32(s);
    uint64_t v = (((hi << 32) | lo) & 0xfffffffffffffull) | 0x3ff0000000000000ull;
    double d;
    memcpy(&d, &v, sizeof d);
    return d - 1.0;
}

static double rng_unit(rng_state *s, bool dbl) {
    return dbl ? rng_double(s) : rng_float(s);
}

/* Box-Muller: two standard normals. */
static void rng_normal2(rng_state *s, bool dbl, double *z0, double *z1) {
    double u1 = rng_unit(s, dbl), u2 = rng_unit(s, dbl);
    const double eps = 1e-37;
    if (u1 < eps) u1 = eps;
    double r = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
    *z0 = r * sin(th), *z1 = r * cos(th);
}

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static tfc_code rng_prepare(const tfc_node *node, void **state, tfc_status *st) {
    rng_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    const char *op = tfc_node_op(node);
    s->kind = !strcmp(op, "RandomUniform")          ? RNG_UNIFORM
              : !strcmp(op, "RandomStandardNormal") ? RNG_NORMAL
                                                    : RNG_TRUNCATED;
    s->dtype = TFC_DT_FLOAT;
    tfc_node_attr_type(node, "dtype", &s->dtype, NULL);
    int64_t seed = 0, seed2 = 0;
    tfc_node_attr_int(node, "seed", &seed, NULL);
    tfc_node_attr_int(node, "seed2", &seed2, NULL);
    if (seed == 0 && seed2 == 0) {
        uint64_t id = (uint64_t)tfc_node_id(node);
        seed = (int64_t)splitmix64(id * 2 + 1);
        seed2 = (int64_t)splitmix64(id * 2 + 2);
    }
    s->key[0] = (uint32_t)(uint64_t)seed, s->key[1] = (uint32_t)((uint64_t)seed >> 32);
    s->ctr[2] = (uint32_t)(uint64_t)seed2, s->ctr[3] = (uint32_t)((uint64_t)seed2 >> 32);
    s->used = 4;
    *state = s;
    return TFC_OK;
}

static tfc_code rng_compute(tfc_kernel_ctx *c, void *state) {
    rng_state *s = state;
    const tfc_tensor *shp = tfc_kctx_input(c, 0);
    if (tfc_tensor_rank(shp) != 1)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "shape must be a vector of {int32,int64}");
    int64_t r = tfc_tensor_num_elements(shp);
    if (r > TFC_MAX_RANK)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "rank %lld too large", (long long)r);
    tfc_shape os = tfc_shape_make((int)r, NULL);
    for (int64_t i = 0; i < r; i++)
        if ((os.dims[i] = int_at(shp, i)) < 0)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT, "Dimension %lld must be >= 0",
                                 (long long)os.dims[i]);
    if (s->dtype != TFC_DT_FLOAT && s->dtype != TFC_DT_DOUBLE)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "%s is not implemented for %s",
                             tfc_node_op(tfc_kctx_node(c)), tfc__tf_dtype_string(s->dtype));
    tfc_tensor *y;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, s->dtype, &os, &y);
    if (rc != TFC_OK) return rc;
    bool dbl = s->dtype == TFC_DT_DOUBLE;
    int64_t n = tfc_tensor_num_elements(y);
    void *p = tfc_tensor_data(y);
    for (int64_t i = 0; i < n;) {
        double v[2];
        int nv;
        if (s->kind == RNG_UNIFORM) {
            v[0] = rng_unit(s, dbl), nv = 1;
        } else {
            rng_normal2(s, dbl, &v[0], &v[1]);
            nv = 2;
            if (s->kind == RNG_TRUNCATED) { /* keep only those within 2 stddev */
                nv = 0;
                double z0 = v[0], z1 = v[1];
                if (fabs(z0) <= 2.0) v[nv++] = z0;
                if (fabs(z1) <= 2.0) v[nv++] = z1;
            }
        }
        for (int k = 0; k < nv && i < n; k++, i++) {
            if (dbl)
                ((double *)p)[i] = v[k];
            else
                ((float *)p)[i] = (float)v[k];
        }
    }
    return TFC_OK;
}
static const tfc_kernel kernel_random = {.prepare = rng_prepare, .compute = rng_compute};

/* ---- BatchMatMulV2 ---- */

static tfc_code shape_batch_matmul(tfc_shape_ctx *c) {
    const tfc_shape *x = tfc_shape_ctx_input_shape(c, 0), *y = tfc_shape_ctx_input_shape(c, 1);
    const tfc_node *n = tfc_shape_ctx_node(c);
    bool ax = false, ay = false;
    tfc_node_attr_bool(n, "adj_x", &ax, NULL);
    tfc_node_attr_bool(n, "adj_y", &ay, NULL);
    if (x->rank >= 0 && x->rank < 2)
        return tfc_shape_ctx_fail(c, "Shape must be at least rank 2 but is rank %d", x->rank);
    if (y->rank >= 0 && y->rank < 2)
        return tfc_shape_ctx_fail(c, "Shape must be at least rank 2 but is rank %d", y->rank);
    tfc_shape out = tfc_shape_unknown();
    if (x->rank < 0 || y->rank < 0) {
        tfc_shape_ctx_set_output(c, 0, &out);
        return TFC_OK;
    }
    int64_t m = x->dims[x->rank - (ax ? 1 : 2)], kx = x->dims[x->rank - (ax ? 2 : 1)];
    int64_t ky = y->dims[y->rank - (ay ? 1 : 2)], nn = y->dims[y->rank - (ay ? 2 : 1)];
    if (kx >= 0 && ky >= 0 && kx != ky)
        return tfc_shape_ctx_fail(c,
                                  "Dimensions must be equal, but are %lld and %lld for "
                                  "'BatchMatMulV2' with input shapes",
                                  (long long)kx, (long long)ky);
    int bx = x->rank - 2, by = y->rank - 2, br = bx > by ? bx : by;
    out.rank = br + 2;
    for (int d = 0; d < br; d++) {
        int64_t a = d - (br - bx) >= 0 ? x->dims[d - (br - bx)] : 1;
        int64_t b = d - (br - by) >= 0 ? y->dims[d - (br - by)] : 1;
        int64_t o;
        if (a == 1)
            o = b;
        else if (b == 1)
            o = a;
        else if (a < 0 || b < 0)
            o = a < 0 ? (b > 1 ? b : -1) : a;
        else if (a == b)
            o = a;
        else
            return tfc_shape_ctx_fail(c, "Incompatible batch dimensions: %lld vs %lld",
                                      (long long)a, (long long)b);
        out.dims[d] = o;
    }
    out.dims[br] = m, out.dims[br + 1] = nn;
    tfc_shape_ctx_set_output(c, 0, &out);
    return TFC_OK;
}

typedef struct bmm_state {
    bool adj_x, adj_y;
} bmm_state;

static tfc_code bmm_prepare(const tfc_node *node, void **state, tfc_status *st) {
    bmm_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_node_attr_bool(node, "adj_x", &s->adj_x, NULL);
    tfc_node_attr_bool(node, "adj_y", &s->adj_y, NULL);
    *state = s;
    return TFC_OK;
}

static tfc_code bmm_compute(tfc_kernel_ctx *c, void *state) {
    const bmm_state *s = state;
    const tfc_tensor *x = tfc_kctx_input(c, 0), *y = tfc_kctx_input(c, 1);
    tfc_dtype dt = tfc_tensor_dtype(x);
    const tfc_shape *xs = tfc_tensor_shape(x), *ys = tfc_tensor_shape(y);
    if (xs->rank < 2 || ys->rank < 2)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "In[0] and In[1] must have rank >= 2, got %d and %d", xs->rank,
                             ys->rank);
    if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE)
        return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "BatchMatMulV2 is not implemented for %s",
                             tfc__tf_dtype_string(dt));
    int64_t xr = xs->dims[xs->rank - 2], xc = xs->dims[xs->rank - 1];
    int64_t yr = ys->dims[ys->rank - 2], yc = ys->dims[ys->rank - 1];
    int64_t m = s->adj_x ? xc : xr, k = s->adj_x ? xr : xc;
    int64_t k2 = s->adj_y ? yc : yr, n = s->adj_y ? yr : yc;
    if (k != k2)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Matrix size-incompatible: In[0]: [%lld,%lld], In[1]: [%lld,%lld]",
                             (long long)xr, (long long)xc, (long long)yr, (long long)yc);
    int bx = xs->rank - 2, by = ys->rank - 2, br = bx > by ? bx : by;
    tfc_shape os = tfc_shape_make(br + 2, NULL);
    int64_t xstr[TFC_MAX_RANK], ystr[TFC_MAX_RANK]; /* batch strides in matrices, 0 = broadcast */
    int64_t sx = 1, sy = 1;
    for (int d = br - 1; d >= 0; d--) {
        int ix = d - (br - bx), iy = d - (br - by);
        int64_t a = ix >= 0 ? xs->dims[ix] : 1, b = iy >= 0 ? ys->dims[iy] : 1;
        if (a != b && a != 1 && b != 1)
            return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                                 "In[0] and In[1] must have compatible batch dimensions: %lld vs "
                                 "%lld",
                                 (long long)a, (long long)b);
        os.dims[d] = a == 1 ? b : a;
        xstr[d] = a == 1 ? 0 : sx, ystr[d] = b == 1 ? 0 : sy;
        sx *= a, sy *= b;
    }
    os.dims[br] = m, os.dims[br + 1] = n;
    tfc_tensor *z;
    tfc_code rc = tfc_kctx_alloc_output(c, 0, dt, &os, &z);
    if (rc != TFC_OK) return rc;
    int64_t nb = 1;
    for (int d = 0; d < br; d++) nb *= os.dims[d];
    if (m * n == 0) return TFC_OK;
    size_t esz = tfc_dtype_size(dt);
    if (k == 0) {
        memset(tfc_tensor_data(z), 0, tfc_tensor_byte_size(z));
        return TFC_OK;
    }
    const char *px = tfc_tensor_data_const(x), *py = tfc_tensor_data_const(y);
    char *pz = tfc_tensor_data(z);
    enum CBLAS_TRANSPOSE tx = s->adj_x ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE ty = s->adj_y ? CblasTrans : CblasNoTrans;
    for (int64_t b = 0; b < nb; b++) {
        int64_t rem = b, ox = 0, oy = 0;
        for (int d = br - 1; d >= 0; d--) {
            int64_t i = rem % os.dims[d];
            rem /= os.dims[d];
            ox += i * xstr[d], oy += i * ystr[d];
        }
        const char *a = px + (size_t)(ox * xr * xc) * esz, *bb = py + (size_t)(oy * yr * yc) * esz;
        char *cc = pz + (size_t)(b * m * n) * esz;
        if (dt == TFC_DT_FLOAT)
            cblas_sgemm(CblasRowMajor, tx, ty, (int)m, (int)n, (int)k, 1.0f, (const float *)a,
                        (int)xc, (const float *)bb, (int)yc, 0.0f, (float *)cc, (int)n);
        else
            cblas_dgemm(CblasRowMajor, tx, ty, (int)m, (int)n, (int)k, 1.0, (const double *)a,
                        (int)xc, (const double *)bb, (int)yc, 0.0, (double *)cc, (int)n);
    }
    return TFC_OK;
}
static const tfc_kernel kernel_bmm = {.prepare = bmm_prepare, .compute = bmm_compute};

static tfc_out bmm(tfc_graph *g, tfc_out a, tfc_out b, bool adj_a, bool adj_b) {
    tfc_node_builder *nb = tfc_node_begin(g, "BatchMatMulV2", NULL);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    tfc_node_set_attr_bool(nb, "adj_x", adj_a);
    tfc_node_set_attr_bool(nb, "adj_y", adj_b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

static tfc_out int_vec(tfc_graph *g, int64_t v) {
    tfc_tensor *t;
    if (tfc_tensor_new(TFC_DT_INT32, &(tfc_shape){1, {1}}, &t, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a gradient");
        return (tfc_out){NULL, 0};
    }
    *(int32_t *)tfc_tensor_data(t) = (int32_t)v;
    tfc_out o = tfc_const(g, "Const", t);
    tfc_tensor_unref(t);
    return o;
}

/* shape[:-2] */
static tfc_out batch_dims(tfc_graph *g, tfc_out shape) {
    tfc_node_builder *b = tfc_node_begin(g, "StridedSlice", NULL);
    tfc_node_add_input(b, shape);
    tfc_node_add_input(b, int_vec(g, 0));
    tfc_node_add_input(b, int_vec(g, -2));
    tfc_node_add_input(b, int_vec(g, 1));
    tfc_node_set_attr_int(b, "begin_mask", 1);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static bool same_batch(const tfc_shape *a, const tfc_shape *b) {
    if (!tfc_shape_is_fully_defined(a) || !tfc_shape_is_fully_defined(b) || a->rank != b->rank)
        return false;
    for (int d = 0; d < a->rank - 2; d++)
        if (a->dims[d] != b->dims[d]) return false;
    return true;
}

/* TF's _BatchMatMulV2Grad: the MatMul-like products with adjoints, then the broadcast batch dims
 * summed away with BroadcastGradientArgs of the batch shapes and reshaped to the inputs. */
static void grad_bmm(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din) {
    tfc_out x = tfc_node_input(op, 0), y = tfc_node_input(op, 1), d = grads[0];
    bool ax = false, ay = false;
    tfc_node_attr_bool(op, "adj_x", &ax, NULL);
    tfc_node_attr_bool(op, "adj_y", &ay, NULL);
    tfc_out gx, gy;
    if (!ax) {
        if (!ay)
            gx = bmm(g, d, y, false, true), gy = bmm(g, x, d, true, false);
        else
            gx = bmm(g, d, y, false, false), gy = bmm(g, d, x, true, false);
    } else {
        if (!ay)
            gx = bmm(g, y, d, false, true), gy = bmm(g, x, d, false, false);
        else
            gx = bmm(g, y, d, true, true), gy = bmm(g, d, x, true, true);
    }
    if (same_batch(tfc_out_shape(x), tfc_out_shape(y))) {
        din[0] = gx, din[1] = gy;
        return;
    }
    tfc_out sx = op1(g, "Shape", x), sy = op1(g, "Shape", y);
    tfc_node_builder *b = tfc_node_begin(g, "BroadcastGradientArgs", NULL);
    tfc_node_add_input(b, batch_dims(g, sx));
    tfc_node_add_input(b, batch_dims(g, sy));
    tfc_node *args = tfc_node_finish(b);
    din[0] = op2(g, "Reshape", op2(g, "Sum", gx, tfc_node_output(args, 0)), sx);
    din[1] = op2(g, "Reshape", op2(g, "Sum", gy, tfc_node_output(args, 1)), sy);
}

static const tfc_op_spec extra_ops[] = {
    {.name = "Size",
     .sig = "input: T -> output: out_type",
     .attrs = "T: type; out_type: {int32, int64} = DT_INT32",
     .shape = tfc__shape_scalar,
     .kernel = &kernel_size,
     .flags = TFC_OP_NO_GRADIENT},
    {.name = "RandomUniform",
     .sig = "shape: T -> output: dtype",
     .attrs = "seed: int = 0; seed2: int = 0; dtype: {half, bfloat16, float, double}; "
              "T: {int32, int64}",
     .shape = tfc__shape_from_input_dims,
     .kernel = &kernel_random,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "RandomStandardNormal",
     .sig = "shape: T -> output: dtype",
     .attrs = "seed: int = 0; seed2: int = 0; dtype: {half, bfloat16, float, double}; "
              "T: {int32, int64}",
     .shape = tfc__shape_from_input_dims,
     .kernel = &kernel_random,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "TruncatedNormal",
     .sig = "shape: T -> output: dtype",
     .attrs = "seed: int = 0; seed2: int = 0; dtype: {half, bfloat16, float, double}; "
              "T: {int32, int64}",
     .shape = tfc__shape_from_input_dims,
     .kernel = &kernel_random,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "BatchMatMulV2",
     .sig = "x: T, y: T -> output: T",
     .attrs = "T: {bfloat16, half, float, double, int16, int32, int64, complex64, complex128}; "
              "adj_x: bool = false; adj_y: bool = false",
     .shape = shape_batch_matmul,
     .kernel = &kernel_bmm,
     .grad = grad_bmm},
};

const tfc_op_family tfc__ops_extra = {"extra", extra_ops,
                                      (int)(sizeof extra_ops / sizeof extra_ops[0])};
