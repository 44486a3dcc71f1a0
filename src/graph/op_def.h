/* The op registry's contract (private to the library): how an op is declared, how the graph
 * validates nodes against it, and the shape-inference context its shape function receives.
 *
 * Ops are declared in src/ops/<family>.c as tables of tfc_op_spec, in TensorFlow's REGISTER_OP
 * syntax, so a declaration reads like TF's own:
 *
 *     {.name = "MatMul",
 *      .sig = "a: T, b: T -> product: T",
 *      .attrs = "transpose_a: bool = false; transpose_b: bool = false; "
 *               "T: {bfloat16, half, float, double, int32, int64}",
 *      .shape = tfc__shape_matmul, .kernel = &kernel_matmul, .grad = grad_matmul}
 *
 * Signature: comma-separated inputs, "->", comma-separated outputs; each "name: TYPE" where TYPE is
 * a fixed dtype ("float", "int32", "string", "resource", "bool", ...), a type attr ("T"), a list
 * "N * T" (N an int attr, T a type attr or fixed dtype), or a type-list attr ("Tout" declared as
 * list(type)); "Ref(T)" marks a reference input/output (TF1 variables). An op with no inputs or
 * outputs leaves that side empty ("-> output: dtype", "ref: Ref(T) ->").
 *
 * Attrs: "; "-separated "name: TYPE [= DEFAULT]" with TYPE one of string, int, float, bool, type,
 * shape, tensor, func, list(string), list(int), list(float), list(bool), list(type), list(shape),
 * a type set "{float, double, int32}" (a type attr restricted to those; TF's group names
 * numbertypes, realnumbertypes and quantizedtypes may appear in it), "list({float, int32})", or a
 * string set "{'SAME', 'VALID'}"; "int >= 2" sets a minimum (for a list, its length). Type names
 * are TF's (float, double, half, bfloat16, int32, ..., complex64, qint8): a set may name types tfc
 * does not hold, so it reads as TF's. Defaults in TF's text form, read as the AttrValue field's
 * text: false, 1, 0.5, 'NHWC' or "NHWC", DT_FLOAT, [1, 1, 1, 1], [], { unknown_rank: true } ...
 * An attr without a default is required, except type and number attrs inferred from inputs.
 *
 * The registry is built from every family's table once per process (pthread_once) and is
 * read-only afterwards; a spec that does not parse is a programming error caught by the registry
 * test (tests/ops), which walks every op. */
#ifndef TFC_OP_DEF_H
#define TFC_OP_DEF_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/graph.h"
#include "tfc/tensor.h"

struct tfc_kernel; /* runtime: the CPU kernel (src/runtime/kernel.h) */

/* Builds the gradient subgraph of node `op` (like TF's RegisterGradient functions): grads[i] is
 * the gradient flowing into output i ({NULL, 0} when none reaches it); fills din[j] for each input
 * j ({NULL, 0} for inputs that get no gradient, e.g. integer or shape inputs). Errors go on g. */
typedef void (*tfc_grad_fn)(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

/* ---- Shape inference ---- */
typedef struct tfc_shape_ctx tfc_shape_ctx;

/* Input i's dtype and static shape (for list inputs, flattened in order). */
int tfc_shape_ctx_num_inputs(const tfc_shape_ctx *c);
tfc_dtype tfc_shape_ctx_input_dtype(const tfc_shape_ctx *c, int i);
const tfc_shape *tfc_shape_ctx_input_shape(const tfc_shape_ctx *c, int i);
/* The value of input i when it is known at build time (a Const, also through Identity nodes, or
 * a Shape of a fully defined tensor), else NULL — what TF's shape functions use for Reshape's
 * shape or Sum's axes. Borrowed: valid while the shape function runs. */
const tfc_tensor *tfc_shape_ctx_input_value(const tfc_shape_ctx *c, int i);
/* The node's attrs (validated and defaulted before the shape function runs). */
const tfc_node *tfc_shape_ctx_node(const tfc_shape_ctx *c);
/* Output i's dtype comes from the signature; the shape function sets the shapes. */
int tfc_shape_ctx_num_outputs(const tfc_shape_ctx *c);
void tfc_shape_ctx_set_output(tfc_shape_ctx *c, int i, const tfc_shape *s);
/* Fails shape inference: the message is prefixed with the node name and op by the graph. */
tfc_code tfc_shape_ctx_fail(tfc_shape_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

typedef tfc_code (*tfc_shape_fn)(tfc_shape_ctx *c);

/* Shared shape functions. */
tfc_code tfc__shape_unchanged(tfc_shape_ctx *c);  /* output 0 = input 0's shape */
tfc_code tfc__shape_broadcast(tfc_shape_ctx *c);  /* NumPy broadcasting of inputs 0 and 1 */
tfc_code tfc__shape_scalar(tfc_shape_ctx *c);     /* every output a scalar */
tfc_code tfc__shape_unknown(tfc_shape_ctx *c);    /* every output of unknown shape */
tfc_code tfc__shape_from_attr(tfc_shape_ctx *c);  /* output 0 = the "shape" attr */
/* output 0 = the dims held by input 0, an int32/int64 vector (Fill, the random ops); its rank
 * alone when only the vector's length is known. */
tfc_code tfc__shape_from_input_dims(tfc_shape_ctx *c);

/* ---- Declaring ops ---- */
typedef enum tfc_op_flags {
    TFC_OP_STATEFUL = 1,    /* never pruned as constant, never deduplicated (variables, random) */
    TFC_OP_NO_GRADIENT = 2, /* not differentiable (integer results, shapes, comparisons) */
} tfc_op_flags;

typedef struct tfc_op_spec {
    const char *name;
    const char *sig;   /* "a: T, b: T -> product: T" */
    const char *attrs; /* "T: {float, double}; transpose_a: bool = false" */
    tfc_shape_fn shape;
    const struct tfc_kernel *kernel; /* NULL: the runtime handles it (NoOp) or not runnable yet */
    tfc_grad_fn grad;                /* NULL with TFC_OP_NO_GRADIENT, or not differentiable */
    unsigned flags;
} tfc_op_spec;

/* ---- The parsed registry ---- */
typedef enum tfc_attr_kind {
    TFC_ATTR_STRING,
    TFC_ATTR_INT,
    TFC_ATTR_FLOAT,
    TFC_ATTR_BOOL,
    TFC_ATTR_TYPE,
    TFC_ATTR_SHAPE,
    TFC_ATTR_TENSOR,
    TFC_ATTR_FUNC,
    TFC_ATTR_LIST_STRING,
    TFC_ATTR_LIST_INT,
    TFC_ATTR_LIST_FLOAT,
    TFC_ATTR_LIST_BOOL,
    TFC_ATTR_LIST_TYPE,
    TFC_ATTR_LIST_SHAPE,
} tfc_attr_kind;

typedef struct tfc_arg_def {
    char *name;
    tfc_dtype type;       /* fixed dtype, or TFC_DT_INVALID when an attr decides */
    char *type_attr;      /* "T" */
    char *number_attr;    /* "N" for "N * T" */
    char *type_list_attr; /* "Tout" */
    bool is_ref;
} tfc_arg_def;

typedef struct tfc_attr_def {
    char *name;
    tfc_attr_kind kind;
    char *default_text; /* NULL = required (or inferred, for type attrs) */
    tfc_dtype *allowed_types;
    int num_allowed_types; /* 0 = any */
    char **allowed_strings;
    int num_allowed_strings; /* 0 = any */
    bool has_minimum;
    int64_t minimum;
} tfc_attr_def;

typedef struct tfc_op_def {
    const tfc_op_spec *spec; /* name, shape fn, kernel, grad, flags */
    tfc_arg_def *inputs;
    int num_inputs;
    tfc_arg_def *outputs;
    int num_outputs;
    tfc_attr_def *attrs;
    int num_attrs;
} tfc_op_def;

/* The op named `name`, or NULL if tfc has no such op. Thread-safe. */
const tfc_op_def *tfc__op_lookup(const char *name);
/* Every registered op, sorted by name (for the registry test and `tfc graph ops`). */
int tfc__op_count(void);
const tfc_op_def *tfc__op_at(int i);

/* OK when every family's spec parsed; else the first problem, naming the op ("op 'MatMul': attr
 * 'T': unknown type 'flaot'"). An op whose spec does not parse is left out of the registry; the
 * registry test calls this so such an op fails the build's tests instead of vanishing. */
tfc_code tfc__op_registry_status(tfc_status *st);

/* Each family's table (src/ops/<family>.c), gathered by src/ops/registry.c. */
typedef struct tfc_op_family {
    const char *name; /* "base", "math", "nn", ... */
    const tfc_op_spec *ops;
    int count;
} tfc_op_family;

/* The families, listed in src/ops/registry.c (its tripwire counts them). */
extern const tfc_op_family *const tfc__op_families[];
extern const int tfc__op_num_families;

#endif
