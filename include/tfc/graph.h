/* tfc graph: TensorFlow 1.x graphs — nodes with TF's op names and typed attrs, unique names and
 * name scopes as TF makes them, control dependencies, collections, shape inference at build time,
 * and GraphDef import/export (binary, and text format like tf.io.write_graph(as_text=True)).
 *
 *     tfc_graph *g = tfc_graph_new();
 *     tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){2, {-1, 3}});
 *     tfc_node_builder *b = tfc_node_begin(g, "Relu", NULL);   // named "Relu", then "Relu_1"...
 *     tfc_node_add_input(b, x);
 *     tfc_out y = tfc_node_output(tfc_node_finish(b), 0);       // shape [?,3] inferred
 *     if (tfc_graph_status(g, &st) != TFC_OK) fprintf(stderr, "%s\n", st.msg);
 *
 * Errors are sticky: the first failure (unknown op, missing attr, wrong dtype, incompatible shapes,
 * duplicate name) is kept on the graph with a message naming the node, every later builder call
 * is a no-op that returns NULL / {NULL, 0}, so model code is checked once at the end.
 *
 * Every op a graph accepts is in the op registry (src/ops): its signature (inputs, outputs, attrs
 * with defaults) validates each node as it is built or imported, and its shape function infers the
 * outputs' dtypes and shapes. An op that is not registered is rejected with UNIMPLEMENTED naming the
 * op and the node — at build or import time, never at run time.
 *
 * Nodes are never removed; node pointers stay valid until tfc_graph_free. A graph is not
 * thread-safe while it is being built; once built it may be read (and run by sessions) from many
 * threads. */
#ifndef TFC_GRAPH_H
#define TFC_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfc/base.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tfc_graph tfc_graph;
typedef struct tfc_node tfc_node;

/* One output of a node ("name:index"); {NULL, 0} stands for "no output" after an error. */
typedef struct tfc_out {
    tfc_node *node;
    int index;
} tfc_out;

tfc_graph *tfc_graph_new(void); /* NULL when out of memory */
void tfc_graph_free(tfc_graph *g); /* accepts NULL */
/* The graph's sticky status: OK, or the first error with its message. */
tfc_code tfc_graph_status(const tfc_graph *g, tfc_status *st);
/* Records an error on the graph (if none is recorded yet); returns the graph's code. For layers and
 * other builders above the graph that detect problems of their own. */
tfc_code tfc_graph_fail(tfc_graph *g, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

int64_t tfc_graph_num_nodes(const tfc_graph *g);
/* Node i in creation order (0 <= i < num_nodes), or NULL. */
tfc_node *tfc_graph_node(const tfc_graph *g, int64_t i);
/* Node by full name, or NULL. */
tfc_node *tfc_graph_find(const tfc_graph *g, const char *name);
/* Parses "name", "name:1" into an output; {NULL, 0} if there is no such node or output. */
tfc_out tfc_graph_find_output(const tfc_graph *g, const char *name);

/* ---- Names and scopes (tf.name_scope) ----
 * A node's name is its scope prefix plus its base name; if that is taken, TF's rule applies:
 * "name_1", "name_2", ... Pushing scope "dense" enters "dense/" the first time, "dense_1/" the next,
 * and so on (the same uniquifying). A base name ending in '/' re-enters that exact scope. */
/* Enters a scope; returns its full name (e.g. "dense_1"), owned by the graph. NULL after an error. */
const char *tfc_graph_push_scope(tfc_graph *g, const char *name);
void tfc_graph_pop_scope(tfc_graph *g);
/* The current scope's full name, "" at the top. */
const char *tfc_graph_scope(const tfc_graph *g);
/* The unique full name a node with base name `name` would get now, reserving it. Owned by the
 * graph. */
const char *tfc_graph_unique_name(tfc_graph *g, const char *name);

/* tf.control_dependencies: while pushed, every new node gets these as control inputs. */
void tfc_graph_push_control_deps(tfc_graph *g, tfc_node *const *nodes, int n);
void tfc_graph_pop_control_deps(tfc_graph *g);

/* ---- Building a node (like TF_NewOperation / TF_FinishOperation) ---- */
typedef struct tfc_node_builder tfc_node_builder;

/* Starts a node of op `op`. name NULL = the op name; uniquified in the current scope either way,
 * except that a name ending in '/' is the exact full name (without the '/'), as in TF.
 * After a graph error, returns a builder whose calls do nothing and whose finish returns NULL. */
tfc_node_builder *tfc_node_begin(tfc_graph *g, const char *op, const char *name);
void tfc_node_add_input(tfc_node_builder *b, tfc_out in);
/* A list input (for an op argument with a number or type-list attr, e.g. ConcatV2's values). */
void tfc_node_add_input_list(tfc_node_builder *b, const tfc_out *ins, int n);
void tfc_node_add_control_input(tfc_node_builder *b, tfc_node *n);
void tfc_node_set_device(tfc_node_builder *b, const char *device);
void tfc_node_set_attr_int(tfc_node_builder *b, const char *name, int64_t v);
void tfc_node_set_attr_float(tfc_node_builder *b, const char *name, float v);
void tfc_node_set_attr_bool(tfc_node_builder *b, const char *name, bool v);
void tfc_node_set_attr_type(tfc_node_builder *b, const char *name, tfc_dtype v);
void tfc_node_set_attr_string(tfc_node_builder *b, const char *name, const void *s, size_t n);
/* s NULL = unknown rank. */
void tfc_node_set_attr_shape(tfc_node_builder *b, const char *name, const tfc_shape *s);
/* Takes a reference to t (the caller keeps its own). */
void tfc_node_set_attr_tensor(tfc_node_builder *b, const char *name, tfc_tensor *t);
void tfc_node_set_attr_int_list(tfc_node_builder *b, const char *name, const int64_t *v, int n);
void tfc_node_set_attr_float_list(tfc_node_builder *b, const char *name, const float *v, int n);
void tfc_node_set_attr_type_list(tfc_node_builder *b, const char *name, const tfc_dtype *v, int n);
void tfc_node_set_attr_shape_list(tfc_node_builder *b, const char *name, const tfc_shape *v, int n);
void tfc_node_set_attr_string_list(tfc_node_builder *b, const char *name, const char *const *v,
                                   int n);
/* Validates the node against its op (inputs and their dtypes, attrs: missing ones get the op's
 * defaults, unknown or ill-typed ones are errors, type attrs are inferred from inputs), runs shape
 * inference, and adds it to the graph. Frees the builder. NULL on error (kept on the graph).
 * Attrs whose name starts with '_' ("_class", "_output_shapes") are TF's internal attrs: kept and
 * exported, never validated. */
tfc_node *tfc_node_finish(tfc_node_builder *b);

/* ---- Reading nodes ---- */
const char *tfc_node_name(const tfc_node *n);
const char *tfc_node_op(const tfc_node *n);
const char *tfc_node_device(const tfc_node *n); /* "" when none was set */
int64_t tfc_node_id(const tfc_node *n); /* creation index */
int tfc_node_num_inputs(const tfc_node *n);
tfc_out tfc_node_input(const tfc_node *n, int i);
int tfc_node_num_control_inputs(const tfc_node *n);
tfc_node *tfc_node_control_input(const tfc_node *n, int i);
int tfc_node_num_outputs(const tfc_node *n);
tfc_out tfc_node_output(tfc_node *n, int i); /* {NULL, 0} if n is NULL or i out of range */
/* Inferred at build time. */
tfc_dtype tfc_out_dtype(tfc_out o);
const tfc_shape *tfc_out_shape(tfc_out o);
/* Refines the static shape of an output (e.g. set_shape); INVALID_ARGUMENT if incompatible. */
tfc_code tfc_out_set_shape(tfc_out o, const tfc_shape *s, tfc_status *st);

/* Attr getters: NOT_FOUND if absent, INVALID_ARGUMENT naming node, attr and both types if it has
 * another type. Returned pointers are owned by the node. */
tfc_code tfc_node_attr_int(const tfc_node *n, const char *name, int64_t *v, tfc_status *st);
tfc_code tfc_node_attr_float(const tfc_node *n, const char *name, float *v, tfc_status *st);
tfc_code tfc_node_attr_bool(const tfc_node *n, const char *name, bool *v, tfc_status *st);
tfc_code tfc_node_attr_type(const tfc_node *n, const char *name, tfc_dtype *v, tfc_status *st);
tfc_code tfc_node_attr_string(const tfc_node *n, const char *name, const char **s, size_t *len,
                              tfc_status *st);
tfc_code tfc_node_attr_shape(const tfc_node *n, const char *name, tfc_shape *v, tfc_status *st);
tfc_code tfc_node_attr_tensor(const tfc_node *n, const char *name, const tfc_tensor **v,
                              tfc_status *st);
tfc_code tfc_node_attr_int_list(const tfc_node *n, const char *name, const int64_t **v, int *count,
                                tfc_status *st);
tfc_code tfc_node_attr_float_list(const tfc_node *n, const char *name, const float **v,
                                  int *count, tfc_status *st);
tfc_code tfc_node_attr_type_list(const tfc_node *n, const char *name, const tfc_dtype **v,
                                 int *count, tfc_status *st);
bool tfc_node_has_attr(const tfc_node *n, const char *name);

/* ---- Common nodes ---- */
/* Placeholder with dtype and shape attrs (shape may have unknown dims; NULL = unknown rank). */
tfc_out tfc_placeholder(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape);
/* Const holding a reference to value. */
tfc_out tfc_const(tfc_graph *g, const char *name, tfc_tensor *value);

/* ---- Collections (tf.add_to_collection / tf.get_collection) ---- */
#define TFC_GLOBAL_VARIABLES "variables"
#define TFC_TRAINABLE_VARIABLES "trainable_variables"
#define TFC_LOCAL_VARIABLES "local_variables"
#define TFC_UPDATE_OPS "update_ops"
#define TFC_LOSSES "losses"
#define TFC_REGULARIZATION_LOSSES "regularization_losses"
#define TFC_SUMMARIES "summaries"
#define TFC_GLOBAL_STEP "global_step"

void tfc_graph_add_to_collection(tfc_graph *g, const char *key, tfc_out item);
/* Items of collection key in insertion order whose node names start with scope (NULL or "" = all;
 * TF matches the scope as a regex prefix — tfc as a plain prefix, and "dense" does not match
 * "dense_1/..."). Fills up to max items into items; returns the total number that match. */
int tfc_graph_get_collection(const tfc_graph *g, const char *key, const char *scope,
                             tfc_out *items, int max);
/* Keys in first-use order. */
int tfc_graph_num_collections(const tfc_graph *g);
const char *tfc_graph_collection_key(const tfc_graph *g, int i);

/* ---- GraphDef ---- */
/* Serializes the graph as a binary GraphDef (nodes in creation order, inputs "name", "name:i",
 * "^ctrl", attrs sorted by name, versions.producer set, the function library of imported graphs)
 * into a new buffer (free with tfc_free). Deterministic: tensors of one element go in
 * TensorProto's typed field and larger ones in tensor_content (TF's habit), so export -> import
 * -> export gives the same bytes. */
tfc_code tfc_graph_to_graphdef(const tfc_graph *g, uint8_t **out, size_t *n, tfc_status *st);
/* The same as protobuf text format (tf.io.write_graph(as_text=True)); new string, tfc_free. */
char *tfc_graph_to_text(const tfc_graph *g);
/* Imports a GraphDef (binary, or text format when the bytes are text) into g, names prefixed with
 * `prefix/` when prefix is non-empty. Nodes may come in any order (inputs are resolved after all
 * are read); each is validated like a built node (missing attrs get their defaults) and they are
 * added in dependency order, keeping the GraphDef's order where it is one. Imported names count
 * as used for later unique names and scopes. A function library is kept (tfc does not run
 * functions yet) and merged with the one g has. Errors: INVALID_ARGUMENT for malformed bytes
 * (text errors give line:column), a missing input node, a cycle, bad attrs, a name g already
 * has, a library function defined differently; UNIMPLEMENTED "op 'Foo' (node 'bar') is not
 * supported by tfc" for an unregistered op, and for a dtype tfc does not hold; FAILED_PRECONDITION
 * when g already holds an error. On error g is left as it was before the call, and the error is
 * not kept on g. */
tfc_code tfc_graph_import(tfc_graph *g, const void *data, size_t n, const char *prefix,
                          tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
