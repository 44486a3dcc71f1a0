/* Internals of the layers part: the tfc_layers handle (variable store, variable-scope stack with
 * TF's scope-name counts, pushed defaults) and the helpers every layer file builds with. */
#ifndef TFC_LAYERS_INT_H
#define TFC_LAYERS_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "tfc/layers.h"

/* A variable made by get_variable (TF's _VariableStore._vars entry). */
typedef struct tfc__var_entry {
    char *name;
    tfc_var var;
    tfc_dtype dtype;
    tfc_shape shape;
} tfc__var_entry;

/* One entered variable scope; entry 0 is the top ("" with TF's defaults). */
typedef struct tfc__var_scope {
    char *name; /* full variable-scope name */
    tfc_reuse reuse;
    tfc_initializer initializer;
    tfc_regularizer regularizer;
    bool use_resource;
    bool graph_scope; /* whether a graph name scope was pushed (and must be popped) */
} tfc__var_scope;

/* How many times a full variable-scope name has been opened (TF's variable_scopes_count). */
typedef struct tfc__scope_count {
    char *name;
    int64_t count;
} tfc__scope_count;

typedef union tfc__any_opts {
    tfc_dense_opts dense;
    tfc_conv2d_opts conv2d;
    tfc_pool2d_opts pool2d;
    tfc_dropout_opts dropout;
    tfc_batch_norm_opts batch_norm;
} tfc__any_opts;

typedef struct tfc__defaults {
    tfc_layer_kind kind; /* 0 for a push that failed (kept so pops stay balanced) */
    tfc__any_opts opts;
} tfc__defaults;

struct tfc_layers {
    tfc_graph *g;
    tfc__var_entry *vars;
    int n_vars, cap_vars;
    tfc__var_scope *scopes;
    int n_scopes, cap_scopes;
    int lost_scopes; /* pushes that could not be recorded (out of memory), popped first */
    tfc__scope_count *counts;
    int n_counts, cap_counts;
    tfc__defaults *defaults;
    int n_defaults, cap_defaults;
    int lost_defaults;
    bool has_seed;
    int64_t seed;
};

/* ---- Options ---- */
/* A float option is set when it is not +0 (TFC_ZERO, -0, counts as set). */
static inline bool tfc__fset(float v) {
    return v != 0 || signbit(v);
}
/* The first set of a (call) and b (default); 0 when neither is. */
static inline float tfc__fpick(float a, float b) {
    return tfc__fset(a) ? a : b;
}
/* The value of an option that may be unset: v itself when set (-0 read as 0), else def. */
static inline float tfc__fval(float v, float def) {
    return tfc__fset(v) ? (v == 0 ? 0.0f : v) : def;
}
static inline bool tfc__flag(tfc_flag f, bool def) {
    return f == TFC_FLAG_UNSET ? def : f == TFC_TRUE;
}
/* Two-element sizes: {k} = {k, k}; a pair is set when its first element is. */
static inline void tfc__pair(const int64_t in[2], int64_t def, int64_t out[2]) {
    out[0] = in[0] ? in[0] : def;
    out[1] = in[0] ? (in[1] ? in[1] : in[0]) : def;
}
/* Fill *o's unset training pair from d's. */
static inline void tfc__merge_training(tfc_flag *t, tfc_out *flag, tfc_flag dt, tfc_out dflag) {
    if (*t == TFC_FLAG_UNSET && !flag->node) *t = dt, *flag = dflag;
}

/* The pushed defaults of kind from the innermost outwards: i = 0, 1, ... until NULL. */
const tfc__any_opts *tfc__layers_default(const tfc_layers *L, tfc_layer_kind kind, int i);

/* ---- Scopes ---- */
/* Enters a layer's variable scope: `name` as given when reuse is set (TF's rule), otherwise
 * `name` or `base` made unique. The effective reuse is the layer's or the enclosing scope's.
 * Returns false after a graph error (the scope is entered anyway; leave it with
 * tfc__layer_end). */
bool tfc__layer_begin(tfc_layers *L, const char *base, const char *name, tfc_reuse reuse);
void tfc__layer_end(tfc_layers *L);
const tfc__var_scope *tfc__current_scope(const tfc_layers *L);

/* ---- Building ---- */
tfc_out tfc__op1(tfc_graph *g, const char *op, const char *name, tfc_out a);
tfc_out tfc__op2(tfc_graph *g, const char *op, const char *name, tfc_out a, tfc_out b);
/* A scalar Const of dtype dt (float, double, int32, int64) holding v. */
tfc_out tfc__const_scalar(tfc_graph *g, const char *name, tfc_dtype dt, double v);
/* An int32 vector Const. */
tfc_out tfc__const_i32(tfc_graph *g, const char *name, const int64_t *v, int n);
/* A Const of dtype dt and shape with every element v. */
tfc_out tfc__const_fill(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                        double v);
/* TF's (seed, seed2) for an op-level seed (0 = none); see tfc_layers_set_random_seed. */
void tfc__seeds(const tfc_layers *L, int64_t op_seed, int64_t *seed, int64_t *seed2);
/* "<scope>/": the node name that is exactly the scope's own name (TF's name=scope pattern, where
 * a helper's last op carries its name scope's name). */
const char *tfc__exact(const char *scope, char *buf, size_t n);
/* A float or double dtype check that fails the graph naming who. */
bool tfc__need_float(tfc_graph *g, const char *who, tfc_out x);
/* "(3, 4)" / "(?, 3)" / "(3,)": TF1's TensorShape text, for messages. */
const char *tfc__py_shape(const tfc_shape *s, char *buf, size_t n);
/* Whether flag is absent or a bool scalar (or of unknown shape); a graph error naming layer if
 * not. */
bool tfc__check_training_flag(tfc_graph *g, const char *layer, tfc_out flag);
/* "SAME" or "VALID" (unset is VALID, TF's default). */
const char *tfc__padding_name(tfc_padding p);

/* Weight creation for layers: get_variable with the layer's trainable flag. */
tfc_var tfc__layer_weight(tfc_layers *L, const char *name, const tfc_shape *shape, tfc_dtype dt,
                          const tfc_initializer *init, const tfc_regularizer *reg, bool trainable);

#endif
