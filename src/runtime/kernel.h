/* The CPU kernel contract (private to the library): what an op's kernel receives from the runtime
 * and how it produces its outputs. A kernel is three functions:
 *
 *     prepare  once per node when a session plans a run: parse attrs into a state struct, so
 *              compute reads no attrs (a step must cost microseconds, not attr lookups);
 *     compute  every run: read inputs, allocate or forward outputs, use the pool for big loops;
 *     release  frees what prepare made.
 *
 *     static tfc_code relu_compute(tfc_kernel_ctx *c, void *state) {
 *         const tfc_tensor *x = tfc_kctx_input(c, 0);
 *         tfc_tensor *y;
 *         tfc_code rc = tfc_kctx_alloc_output(c, 0, tfc_tensor_dtype(x), tfc_tensor_shape(x), &y);
 *         if (rc != TFC_OK) return rc;
 *         ... y[i] = max(x[i], 0) ...
 *         return TFC_OK;
 *     }
 *     const tfc_kernel tfc__kernel_relu = {.compute = relu_compute};
 *
 * Errors: return tfc_kctx_fail(c, code, fmt, ...), which records the message prefixed with the
 * node's name and op ("node 'dense/MatMul' (MatMul): ..."). Kernels never print and never abort.
 * Threads: compute may split work with tfc_kctx_parallel_range (or tfc_threadpool_parallel_for
 * on tfc_kctx_pool(c)); the runtime never runs two computes of the same node at once.
 * Testing: tfc__kernel_run (at the end) runs one node's kernel on given tensors. */
#ifndef TFC_KERNEL_H
#define TFC_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

typedef struct tfc_kernel_ctx tfc_kernel_ctx;

typedef struct tfc_kernel {
    /* NULL = no state. *state is passed to compute and release. */
    tfc_code (*prepare)(const tfc_node *node, void **state, tfc_status *st);
    tfc_code (*compute)(tfc_kernel_ctx *c, void *state);
    void (*release)(void *state); /* NULL = tfc_free(state) */
    /* The kernel can finish output 0 with a bias add over its last dim and a Relu: a session
     * plan then folds a following BiasAdd (NHWC) and Relu into this node (see
     * tfc_kctx_epilogue), as TF's remapper makes _FusedConv2D. */
    bool fuses_bias_relu;
    /* The kernel can mask output 0 as a following ReluGrad(output 0, input 0) would (a
     * MaxPoolGrad whose orig_input is the Relu's output): a plan then folds that ReluGrad in. */
    bool fuses_relu_grad;
} tfc_kernel;

/* When the plan fused a BiasAdd (and a Relu) into this node: true, with *bias the bias value
 * (unchecked: the kernel gives BiasAdd's error when it is not a vector of output 0's last dim and
 * dtype) and *relu whether the Relu follows; output 0 is then the fused value. False otherwise. */
bool tfc_kctx_epilogue(const tfc_kernel_ctx *c, const tfc_tensor **bias, bool *relu);
/* When the plan fused a ReluGrad(output 0, input 0) into this node: true; output 0 is then
 * input 0 > 0 ? value : 0 (ReluGrad's rule). */
bool tfc_kctx_relu_grad_fused(const tfc_kernel_ctx *c);

/* Inputs, flattened (list arguments expand in order); borrowed for the duration of compute. */
int tfc_kctx_num_inputs(const tfc_kernel_ctx *c);
const tfc_tensor *tfc_kctx_input(const tfc_kernel_ctx *c, int i);
int tfc_kctx_num_outputs(const tfc_kernel_ctx *c);
const tfc_node *tfc_kctx_node(const tfc_kernel_ctx *c);
tfc_threadpool *tfc_kctx_pool(tfc_kernel_ctx *c);

/* A new output tensor. Its contents are unspecified (a kernel that needs zeros writes them): the
 * runtime hands back the tensor this output got on the previous run of the plan when it has the
 * same dtype and shape and nobody else holds it, so a repeated step allocates nothing. *out is
 * owned by the runtime; the kernel writes it before returning. RESOURCE_EXHAUSTED (recorded,
 * naming the node) when out of memory. */
tfc_code tfc_kctx_alloc_output(tfc_kernel_ctx *c, int i, tfc_dtype dt, const tfc_shape *shape,
                               tfc_tensor **out);
/* Outputs an existing tensor (Identity, a variable's value): the runtime takes a reference. */
void tfc_kctx_set_output(tfc_kernel_ctx *c, int i, tfc_tensor *t);
/* Outputs a view of `in` with another shape over the same buffer (Reshape, ExpandDims, Squeeze):
 * no copy, and no allocation once the node has run with that shape. INVALID_ARGUMENT (recorded)
 * if the element counts differ or shape is not fully defined. */
tfc_code tfc_kctx_set_output_view(tfc_kernel_ctx *c, int i, const tfc_tensor *in,
                                  const tfc_shape *shape);

/* ---- Variables ----
 * State that outlives a run lives in the session's variable table, keyed by a string the kernels
 * make with tfc__var_key (TF1 VariableV2: container and shared_name or node name; TF2 VarHandleOp
 * the same, in a separate namespace, as TF keeps the two resource types apart). A slot holds the
 * variable's current value (NULL until assigned); a kernel that replaces it unrefs the old value.
 *
 * Ref and resource edges carry the slot, not a value: VariableV2 and VarHandleOp output it with
 * tfc_kctx_set_output_ref; a consumer's Ref(T) or resource input gets it from
 * tfc_kctx_input_ref. A consumer of a plain input fed by a Ref(T) output reads the value at the
 * moment it runs (TF1's ref semantics); if the slot is still NULL the runtime fails the consumer
 * with FAILED_PRECONDITION "Attempting to use uninitialized value <variable>" before compute. */
/* The slot for key, created (NULL value) on first use. RESOURCE_EXHAUSTED (recorded) if the table
 * cannot grow. The slot stays valid as long as the table. */
tfc_code tfc_kctx_variable(tfc_kernel_ctx *c, const char *key, tfc_tensor ***slot);
/* The slot a Ref(T) or resource input i refers to; NULL for plain inputs. */
tfc_tensor **tfc_kctx_input_ref(const tfc_kernel_ctx *c, int i);
/* Makes output i a reference to a variable slot. */
void tfc_kctx_set_output_ref(tfc_kernel_ctx *c, int i, tfc_tensor **slot);
/* The table key of the variable a VariableV2 or VarHandleOp node creates: "ref:" or "res:", the
 * container ("localhost" when empty, as TF's default container), '/', then shared_name or, when
 * that is empty, the node name. Writes at most n bytes; false if it does not fit or node is neither
 * op. */
bool tfc__var_key(const tfc_node *node, char *buf, size_t n);
/* The node behind Ref(T) or resource input i of n: its producer, followed back through the
 * Assign family (whose output is their ref input) and Identity(N) of a handle — the VariableV2 or
 * VarHandleOp that creates the variable, when the graph has one. */
const tfc_node *tfc__var_source(const tfc_node *n, int i);
/* Whether t is held by its holder alone (one reference, and no other header shares its buffer), so
 * it may be written in place (Assign of the same shape, optimizer updates). */
bool tfc__tensor_exclusive(const tfc_tensor *t);

/* ---- Threads ----
 * Runs fn(ctx, begin, end) over [0, n) split in ranges of at least min_chunk items (a few per pool
 * thread), on the pool; runs inline when n < 2 * min_chunk or the pool has one thread. Use
 * TFC_KCTX_MIN_CHUNK for cheap elementwise work. */
#define TFC_KCTX_MIN_CHUNK 32768
void tfc_kctx_parallel_range(tfc_kernel_ctx *c, int64_t n, int64_t min_chunk,
                             void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx);

/* TF's DataTypeString, for messages that quote TF: "float", "double", "int32", "half", "float_ref"
 * (tfc_dtype_name says "float32"). */
const char *tfc__tf_dtype_string(tfc_dtype dt);

/* Records an error naming the node; returns code. */
tfc_code tfc_kctx_fail(tfc_kernel_ctx *c, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Runs one node's kernel on given inputs outside any session: what the op tests use to check a
 * kernel against its reference implementation. inputs are borrowed; num_inputs and num_outputs
 * must be the node's (flattened) counts. outputs[i] receive new references (unref them); a
 * Ref(T) or resource output gives the variable's value (NULL while it is uninitialized). A Ref(T)
 * or resource input whose producer in the graph is a VariableV2 or VarHandleOp (also through the
 * Assign family) uses that variable's slot in vars, and inputs[i] is ignored; other ref inputs get
 * a temporary slot holding inputs[i]. vars NULL: a temporary table for this call. pool NULL: run
 * on the calling thread. Errors: INVALID_ARGUMENT for wrong counts or a NULL plain input,
 * UNIMPLEMENTED for an op without a CPU kernel, else the kernel's error (naming the node); outputs
 * are all NULL then. */
typedef struct tfc_var_table tfc_var_table;
tfc_var_table *tfc__var_table_new(void);
void tfc__var_table_free(tfc_var_table *vars);
tfc_code tfc__kernel_run(const tfc_node *node, const tfc_tensor *const *inputs, int num_inputs,
                         tfc_tensor **outputs, int num_outputs, tfc_threadpool *pool,
                         tfc_var_table *vars, tfc_status *st);

#endif
