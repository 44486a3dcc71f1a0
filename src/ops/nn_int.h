/* Private to the nn op family (src/ops/nn_*.c): the shape functions and CPU kernels the family
 * table (nn_ops.c) lists, the window geometry Conv2D, the pools and their gradients share, and
 * small helpers (parallel loops that tolerate a NULL pool, a per-node scratch buffer).
 *
 * Layout: every windowed op is NHWC (TF's default and the only layout TF's own CPU Conv2D takes);
 * data_format NCHW is refused by their shape functions, so a graph asking for it fails when it is
 * built or imported, never when it runs (BiasAdd and BiasAddGrad take both layouts). Filters are
 * HWIO ([k_h, k_w, in_c, out_c]). */
#ifndef TFC_NN_INT_H
#define TFC_NN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/op_def.h"
#include "runtime/kernel.h"

/* ---- Window attrs and geometry (nn_window.c) ---- */

typedef enum tfc__nn_padding {
    TFC__NN_SAME,
    TFC__NN_VALID,
    TFC__NN_EXPLICIT,
} tfc__nn_padding;

/* A windowed op's attrs, validated: strides and dilations of the batch and depth dims are 1,
 * spatial ones positive; pools' ksize is 1 in batch and depth; explicit_paddings is empty unless
 * padding is EXPLICIT, then 8 non-negative values with zeros for batch and depth. */
typedef struct tfc__nn_attrs {
    int64_t k_h, k_w; /* pools: ksize; convolutions: 0 (the filter decides) */
    int64_t stride_h, stride_w;
    int64_t dil_h, dil_w; /* 1 for pools */
    tfc__nn_padding padding;
    int64_t pad_top, pad_bottom, pad_left, pad_right; /* EXPLICIT only */
} tfc__nn_attrs;

/* Reads strides, padding, explicit_paddings (when the op has it), data_format, and dilations
 * (convolutions) or ksize (pools, pool == true) from node n. INVALID_ARGUMENT with a message
 * naming the attr and its value ("Conv2D requires the stride attribute to contain 4 values, but
 * got: 3"); data_format other than NHWC is refused the same way. */
tfc_code tfc__nn_attrs_parse(const tfc_node *n, bool pool, tfc__nn_attrs *a, tfc_status *st);

/* One spatial dim of a window op, as TF's GetWindowedOutputSizeVerbose computes it:
 * effective window e = (k - 1) * dil + 1;
 *   VALID:    out = (in - e + stride) / stride, no padding;
 *   SAME:     out = ceil(in / stride), padding (out - 1) * stride + e - in (if positive), the
 *             smaller half before;
 *   EXPLICIT: out = (in + before + after - e + stride) / stride.
 * INVALID_ARGUMENT naming `dim` ("height") and the sizes when out would be negative. */
tfc_code tfc__nn_out_size(const char *dim, int64_t in, int64_t k, int64_t dil, int64_t stride,
                          tfc__nn_padding p, int64_t exp_before, int64_t exp_after, int64_t *out,
                          int64_t *pad_before, tfc_status *st);

/* Everything a kernel needs about one NHWC window op on one batch. */
typedef struct tfc__nn_geom {
    int64_t n, in_h, in_w, in_c;
    int64_t k_h, k_w, out_c; /* pools: out_c = in_c */
    int64_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_top, pad_left;
    int64_t out_h, out_w;
} tfc__nn_geom;

/* The geometry for input [n, in_h, in_w, in_c] and window k_h x k_w (out_c output channels);
 * errors as tfc__nn_out_size. */
tfc_code tfc__nn_geom_make(const tfc__nn_attrs *a, int64_t n, int64_t in_h, int64_t in_w,
                           int64_t in_c, int64_t k_h, int64_t k_w, int64_t out_c, tfc__nn_geom *g,
                           tfc_status *st);

/* "[1,2,2,1]": an int list as TF prints it, into buf (returns buf). */
const char *tfc__nn_list_str(const int64_t *v, int n, char *buf, size_t size);

/* ---- Helpers for kernels (nn_window.c) ---- */

/* Runs fn(ctx, i) for i in [0, n) on pool, serially when pool is NULL. */
void tfc__nn_parallel(tfc_threadpool *pool, int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx);
/* How many parts to split `units` independent pieces of work into: the pool's size, at most
 * units, at least 1. */
int64_t tfc__nn_num_parts(tfc_threadpool *pool, int64_t units);

/* A buffer a kernel keeps in its state across runs (the runtime never runs two computes of one
 * node at once), so a step allocates only when a shape grows. */
typedef struct tfc__nn_scratch {
    void *p; /* 64-byte aligned */
    size_t cap;
} tfc__nn_scratch;

/* At least `bytes` of scratch (contents unspecified); NULL when out of memory. */
void *tfc__nn_scratch_get(tfc__nn_scratch *s, size_t bytes);
void tfc__nn_scratch_free(tfc__nn_scratch *s);

/* The node's type attr T when it is float or double, else UNIMPLEMENTED naming the op and the
 * type (the graph accepts TF's whole type set; tfc's kernels compute in float32 and float64). */
tfc_code tfc__nn_float_type(const tfc_node *n, const char *attr, tfc_dtype *dt, tfc_status *st);

/* Shared prepare for kernels whose state is just the element type. */
typedef struct tfc__nn_typed_state {
    tfc_dtype dt;
} tfc__nn_typed_state;
tfc_code tfc__nn_prepare_typed(const tfc_node *n, void **state, tfc_status *st);

/* ---- Shape functions (nn_shape.c) ---- */
tfc_code tfc__shape_bias_add(tfc_shape_ctx *c);
tfc_code tfc__shape_bias_add_grad(tfc_shape_ctx *c);
tfc_code tfc__shape_conv2d(tfc_shape_ctx *c);
tfc_code tfc__shape_conv2d_backprop_input(tfc_shape_ctx *c);
tfc_code tfc__shape_conv2d_backprop_filter(tfc_shape_ctx *c);
tfc_code tfc__shape_pool(tfc_shape_ctx *c);
tfc_code tfc__shape_max_pool_grad(tfc_shape_ctx *c);
tfc_code tfc__shape_avg_pool_grad(tfc_shape_ctx *c);
tfc_code tfc__shape_softmax(tfc_shape_ctx *c);
tfc_code tfc__shape_xent(tfc_shape_ctx *c);
tfc_code tfc__shape_sparse_xent(tfc_shape_ctx *c);
tfc_code tfc__shape_merge_inputs(tfc_shape_ctx *c); /* output = inputs 0 and 1 merged */

/* ---- Kernels ---- */
extern const tfc_kernel tfc__kernel_bias_add;         /* nn_bias.c */
extern const tfc_kernel tfc__kernel_bias_add_grad;    /* nn_bias.c */
extern const tfc_kernel tfc__kernel_conv2d;           /* nn_conv.c */
extern const tfc_kernel tfc__kernel_conv2d_bp_input;  /* nn_conv_grad.c */
extern const tfc_kernel tfc__kernel_conv2d_bp_filter; /* nn_conv_grad.c */
extern const tfc_kernel tfc__kernel_max_pool;         /* nn_pool.c */
extern const tfc_kernel tfc__kernel_max_pool_grad;    /* nn_pool.c */
extern const tfc_kernel tfc__kernel_avg_pool;         /* nn_pool.c */
extern const tfc_kernel tfc__kernel_avg_pool_grad;    /* nn_pool.c */
extern const tfc_kernel tfc__kernel_softmax;          /* nn_softmax.c */
extern const tfc_kernel tfc__kernel_log_softmax;      /* nn_softmax.c */
extern const tfc_kernel tfc__kernel_xent;             /* nn_softmax.c */
extern const tfc_kernel tfc__kernel_sparse_xent;      /* nn_softmax.c */
extern const tfc_kernel tfc__kernel_relu_grad;        /* nn_act.c */
extern const tfc_kernel tfc__kernel_relu6;
extern const tfc_kernel tfc__kernel_relu6_grad;
extern const tfc_kernel tfc__kernel_elu;
extern const tfc_kernel tfc__kernel_elu_grad;
extern const tfc_kernel tfc__kernel_softplus;
extern const tfc_kernel tfc__kernel_softplus_grad;
extern const tfc_kernel tfc__kernel_sigmoid;
extern const tfc_kernel tfc__kernel_sigmoid_grad;
extern const tfc_kernel tfc__kernel_tanh;
extern const tfc_kernel tfc__kernel_tanh_grad;

/* ---- im2col / col2im (nn_conv.c), shared by Conv2D and its backprops ----
 * The patch matrix of image `img` (NHWC, g->in_h x g->in_w x g->in_c) for output rows
 * [0, out_h * out_w): row p = (oh, ow), columns (kh, kw, ic) in the filter's HWIO order, so
 * out = col x filter[k_h * k_w * in_c, out_c]. Padding reads as zero. elsize is 4 or 8. */
void tfc__nn_im2col(const tfc__nn_geom *g, const void *img, void *col, size_t elsize);
/* The adjoint: adds each patch row of col back into img (which the caller zeroes first). */
void tfc__nn_col2im_f32(const tfc__nn_geom *g, const float *col, float *img);
void tfc__nn_col2im_f64(const tfc__nn_geom *g, const double *col, double *img);
/* True when the patch matrix is the image itself (1x1 window, stride 1, no padding). */
bool tfc__nn_col_is_identity(const tfc__nn_geom *g);

/* ---- Convolution kernels' shared parts (nn_conv.c) ---- */

/* The most patch-matrix bytes one part of the batch lays out before a GEMM. */
#define NN_COL_BYTES ((int64_t)4 << 20)

typedef struct tfc__nn_conv_state {
    tfc_dtype dt;
    tfc__nn_attrs a;
    bool direct;             /* float32, dil_w 1 and the CPU has AVX2 + FMA: nn_direct.c */
    tfc__nn_scratch scratch; /* parts x (patches + extra) */
} tfc__nn_conv_state;

/* How a convolution's batch is spread over threads. Batch mode (single-threaded BLAS): `parts`
 * parts, one per pool thread, each handling its images `group` at a time in its own patch buffer
 * of col_elems elements plus part_elems - col_elems elements of its own (Conv2DBackpropFilter's
 * partial filter gradient). Phases mode (multithreaded BLAS): one part; the pool lays out each
 * group's patches and BLAS spreads the GEMM. All in one scratch block. */
typedef struct tfc__nn_batch_split {
    size_t es;    /* element size: 4 or 8 */
    int64_t P, K; /* patch rows per image (out_h * out_w), patch length (k_h * k_w * in_c) */
    bool phases;
    int64_t parts, group;
    int64_t col_elems, part_elems;
    void *scratch;
} tfc__nn_batch_split;

/* Handles images [n0, n0 + cnt) of part `part`, with that part's buffer `col`; pool is the pool
 * to spread patch layout over in phases mode, NULL in batch mode (the caller is a pool thread). */
typedef void (*tfc__nn_group_fn)(const void *job, int64_t part, int64_t n0, int64_t cnt, char *col,
                                 tfc_threadpool *pool);

tfc_code tfc__nn_conv_prepare(const tfc_node *n, void **state, tfc_status *st);
void tfc__nn_conv_release(void *state);
/* t's dims when it is a rank-4 tensor of the state's dtype, else INVALID_ARGUMENT naming what. */
tfc_code tfc__nn_conv_dims(tfc_kernel_ctx *c, const tfc__nn_conv_state *s, const tfc_tensor *t,
                           const char *what, int64_t d[4]);
/* The geometry of input dims in and filter dims f; fails when depths differ or a VALID window
 * does not fit. */
tfc_code tfc__nn_conv_check(tfc_kernel_ctx *c, const tfc__nn_conv_state *s, const int64_t in[4],
                            const int64_t f[4], tfc__nn_geom *g);
/* Splits the batch and sizes the state's scratch for it. */
tfc_code tfc__nn_conv_split(tfc_kernel_ctx *c, tfc__nn_conv_state *s, const tfc__nn_geom *g,
                            int64_t extra_per_part, tfc__nn_batch_split *p);
/* Runs fn over every group of the batch as the split says, and returns when all are done. */
void tfc__nn_conv_run(tfc_kernel_ctx *c, const tfc__nn_geom *g, const tfc__nn_batch_split *p,
                      tfc__nn_group_fn fn, const void *job);
/* im2col of cnt consecutive images from x into consecutive patch matrices in col; col2im of cnt
 * patch matrices into cnt images (zeroed first). Spread over pool (NULL: this thread). */
void tfc__nn_im2col_images(tfc_threadpool *pool, const tfc__nn_geom *g, const void *x, int64_t cnt,
                           void *col, size_t es);
void tfc__nn_col2im_images(tfc_threadpool *pool, const tfc__nn_geom *g, const void *col,
                           int64_t cnt, void *img, size_t es);
/* Row-major C = A(m x k) * B(k x n) + beta * C, with A or B transposed when ta / tb; sgemm when
 * f32, else dgemm. */
void tfc__nn_gemm(bool f32, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void *a,
                  int64_t lda, const void *b, int64_t ldb, double beta, void *c, int64_t ldc);

/* ---- Direct float32 convolution with AVX2 + FMA (nn_direct.c) ----
 * For geometries with dil_w == 1; the input gradient also needs stride 1 (bp_input_fits). Each
 * takes a scratch block of at least the matching *_scratch bytes (64-byte aligned), sized for
 * the pool it runs on. */
/* The CPU has AVX2 and FMA, and TFC_CONV_IMPL is not "gemm" (the im2col + BLAS path). */
bool tfc__nn_direct_available(void);
/* g suits the direct forward and filter-gradient kernels (dil_w 1, a padded image of at most
 * 2^30 elements); bp_input_fits: the input gradient's (also stride 1). */
bool tfc__nn_direct_fits(const tfc__nn_geom *g);
bool tfc__nn_direct_bp_input_fits(const tfc__nn_geom *g);
size_t tfc__nn_direct_fwd_scratch(tfc_threadpool *pool, const tfc__nn_geom *g);
size_t tfc__nn_direct_bp_input_scratch(tfc_threadpool *pool, const tfc__nn_geom *g);
size_t tfc__nn_direct_bp_filter_scratch(tfc_threadpool *pool, const tfc__nn_geom *g);
/* y = conv(x, w): x [n, in_h, in_w, in_c], w HWIO, y [n, out_h, out_w, out_c]; plus bias
 * [out_c] unless NULL, then max(., 0) when relu. */
void tfc__nn_direct_fwd(tfc_threadpool *pool, const tfc__nn_geom *g, const float *x, const float *w,
                        const float *bias, bool relu, float *y, float *scratch);
/* dx of y = conv(x, w) from dy. */
void tfc__nn_direct_bp_input(tfc_threadpool *pool, const tfc__nn_geom *g, const float *w,
                             const float *dy, float *dx, float *scratch);
/* dw of y = conv(x, w) from dy (summed over the batch). */
void tfc__nn_direct_bp_filter(tfc_threadpool *pool, const tfc__nn_geom *g, const float *x,
                              const float *dy, float *dw, float *scratch);

#endif
