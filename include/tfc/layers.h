/* tfc layers: tf.compat.v1.layers for C — dense, conv2d, pooling, dropout, batch normalization and
 * flatten over a graph, with TF1's variable scopes (reuse, AUTO_REUSE, get_variable), its
 * initializers and regularizers, and scoped default options like Slim's arg_scope. Variables get
 * TensorFlow's names and collections, so a checkpoint or GraphDef written from tfc reads in TF.
 *
 *     tfc_graph *g = tfc_graph_new();
 *     tfc_layers *L = tfc_layers_new(g);
 *     tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 28, 28, 1}});
 *     tfc_layers_push_defaults(L, TFC_LAYER_CONV2D,
 *                              &(tfc_conv2d_opts){.padding = TFC_SAME, .activation =
 * TFC_ACT_RELU}); tfc_out h = tfc_layers_conv2d(L, x, &(tfc_conv2d_opts){.filters = 32,
 * .kernel_size = {5}}); h = tfc_layers_max_pooling2d(L, h, &(tfc_pool2d_opts){.pool_size = {2},
 * .strides = {2}});
 *     ...                                                // "conv2d/kernel", "conv2d/bias", ...
 *     tfc_layers_pop_defaults(L);
 *     h = tfc_layers_flatten(L, h, NULL);
 *     h = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 1024, .activation = TFC_ACT_RELU});
 *     h = tfc_layers_dropout(L, h, &(tfc_dropout_opts){.rate = 0.4f, .training_flag =
 * is_training}); tfc_out logits = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 10});  //
 * "dense_1/..." if (tfc_graph_status(g, &st) != TFC_OK) fprintf(stderr, "%s\n", st.msg);
 *     tfc_layers_free(L);   // the graph keeps every node; L only held the scope state
 *
 * Where the state lives. TF keeps the variable store, the variable-scope stack and the arg_scope
 * stack on the graph; tfc's graph has no slot for them, so they live in a tfc_layers handle that
 * borrows one graph. Use one handle per graph for the whole model: a second handle over the same
 * graph knows nothing of the first one's variables, so its get_variable calls would create new
 * ones (uniquified by the graph: "dense/kernel_1"). The handle may be freed before or after the
 * graph, but not used after the graph is freed.
 *
 * Errors stick on the graph like every builder's (tfc_graph_status): a layer after an error
 * returns {NULL, 0}; messages name the layer or variable ("dense_1: ...", TF's texts for reuse
 * misuse). Push/pop calls stay balanced after an error, so model code needs no checks between
 * them. Not thread-safe: one thread builds a graph.
 *
 * Options and "unset". Every option struct is meant for designated initializers, and a zero field
 * means "unset": the value comes from the innermost pushed defaults that set it (see
 * tfc_layers_push_defaults), else TF's default, noted at each field. So every enum has 0 = unset
 * and explicit values for all real choices (TFC_ACT_NONE to ask for no activation where a default
 * says relu, TFC_FALSE for a false flag). A float field whose zero means something (a dropout rate
 * of 0, a momentum of 0) takes TFC_ZERO, a negative zero the library tells from the unset +0. Two
 * element sizes ({k, k}) may be written {k}: a zero second element repeats the first. */
#ifndef TFC_LAYERS_H
#define TFC_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/graph.h"
#include "tfc/tensor.h"
#include "tfc/variables.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tfc_layers tfc_layers;

/* A new context over g (borrowed; must outlive every call that uses the handle). NULL when out of
 * memory or g is NULL. */
tfc_layers *tfc_layers_new(tfc_graph *g);
void tfc_layers_free(tfc_layers *L); /* accepts NULL; the graph and its nodes stay */
tfc_graph *tfc_layers_graph(const tfc_layers *L);

/* tf.compat.v1.set_random_seed: the graph-level seed. Random ops built afterwards get TF's
 * (seed, seed2) from random_seed.get_seed: with a graph seed, (graph seed, op seed) or, without an
 * op seed, (graph seed, number of nodes in the graph so far) — tfc's stand-in for TF's
 * graph._last_id; without a graph seed, (87654321, op seed), or (0, 0) when neither is set, which
 * the random kernels take as "a stream of the node's own" (see src/ops/extra_ops.c). */
void tfc_layers_set_random_seed(tfc_layers *L, int64_t seed);

/* An explicit zero for a float option (see "Options and unset" above). */
#define TFC_ZERO (-0.0f)

/* A flag option. */
typedef enum tfc_flag {
    TFC_FLAG_UNSET = 0,
    TFC_TRUE = 1,
    TFC_FALSE = 2,
} tfc_flag;

/* ---- Activations ---- */
typedef enum tfc_activation {
    TFC_ACT_UNSET = 0, /* TF's default for layers: none */
    TFC_ACT_NONE,      /* linear (to override a default that sets one) */
    TFC_ACT_RELU,      /* Relu */
    TFC_ACT_RELU6,     /* Relu6 */
    TFC_ACT_ELU,       /* Elu */
    TFC_ACT_SIGMOID,   /* Sigmoid */
    TFC_ACT_TANH,      /* Tanh */
    TFC_ACT_SOFTPLUS,  /* Softplus */
} tfc_activation;

/* The activation's TF op on x, named after the op in the current name scope ("dense/Relu"); x
 * itself for UNSET and NONE. */
tfc_out tfc_layers_activation(tfc_layers *L, tfc_activation act, tfc_out x);

/* ---- Initializers (tf.compat.v1 init_ops) ----
 * Random initializers are built as TF builds them, from RandomUniform / RandomStandardNormal /
 * TruncatedNormal and an affine Mul + Add, under the name of TF's helper: a kernel's value is
 * "dense/kernel/Initializer/random_uniform" with ".../random_uniform/shape", ".../min", ".../max",
 * ".../RandomUniform", ".../sub", ".../mul". Variance scaling uses TF's fans: for a shape of rank 0
 * both are 1; rank 1, both are the dim; rank 2 [in, out]; higher ranks are conv kernels [..., in,
 * out] whose leading dims multiply both (the receptive field). The scale is divided by
 * max(1, fan_in), max(1, fan_out) or max(1, (fan_in + fan_out) / 2); then truncated_normal has
 * stddev sqrt(scale) / 0.87962566103423978 (the stddev of a unit normal truncated at +-2, so the
 * result has variance `scale`), untruncated_normal stddev sqrt(scale), uniform limit
 * sqrt(3 * scale). Random initializers need a float or double dtype; zeros, ones and constant also
 * take int32 and int64. Zeros and ones of 1000 elements or more are a Fill (as TF's array_ops.zeros
 * does, to keep GraphDefs small); smaller ones and constants are a Const. */
typedef enum tfc_init_kind {
    TFC_INIT_UNSET = 0, /* the variable scope's initializer, else TF's default for the variable */
    TFC_INIT_ZEROS,
    TFC_INIT_ONES,
    TFC_INIT_CONSTANT,         /* value */
    TFC_INIT_RANDOM_UNIFORM,   /* [minval, maxval): unset 0 and 1 (TF1's defaults) */
    TFC_INIT_RANDOM_NORMAL,    /* mean, stddev: unset 0 and 1 */
    TFC_INIT_TRUNCATED_NORMAL, /* mean, stddev: unset 0 and 1; redrawn outside 2 stddev */
    TFC_INIT_GLOROT_UNIFORM,   /* variance scaling 1.0, fan_avg, uniform: TF's kernel default */
    TFC_INIT_GLOROT_NORMAL,    /* 1.0, fan_avg, truncated_normal */
    TFC_INIT_HE_NORMAL,        /* 2.0, fan_in, truncated_normal */
    TFC_INIT_HE_UNIFORM,       /* 2.0, fan_in, uniform */
    TFC_INIT_VARIANCE_SCALING, /* scale, mode, distribution */
} tfc_init_kind;

typedef enum tfc_fan_mode {
    TFC_FAN_UNSET = 0, /* fan_in */
    TFC_FAN_IN,
    TFC_FAN_OUT,
    TFC_FAN_AVG,
} tfc_fan_mode;

typedef enum tfc_distribution {
    TFC_DIST_UNSET = 0, /* truncated_normal */
    TFC_DIST_TRUNCATED_NORMAL,
    TFC_DIST_UNTRUNCATED_NORMAL,
    TFC_DIST_UNIFORM,
} tfc_distribution;

typedef struct tfc_initializer {
    tfc_init_kind kind;
    float value;                   /* CONSTANT (0 = 0) */
    float minval, maxval;          /* RANDOM_UNIFORM */
    float mean, stddev;            /* RANDOM_NORMAL, TRUNCATED_NORMAL */
    float scale;                   /* VARIANCE_SCALING: unset 1.0; must be positive */
    tfc_fan_mode mode;             /* VARIANCE_SCALING */
    tfc_distribution distribution; /* VARIANCE_SCALING */
    int64_t seed;                  /* the op-level seed; 0 = none (TF's None) */
} tfc_initializer;

/* The initial value init gives a variable of dtype dt and the fully defined shape (TF's
 * initializer(shape, dtype)), built in the current name scope. {NULL, 0} and a graph error for an
 * unset kind, a dtype the initializer does not support, a shape that is not fully defined, or a
 * variance-scaling scale that is not positive. */
tfc_out tfc_layers_initial_value(tfc_layers *L, const tfc_initializer *init, tfc_dtype dt,
                                 const tfc_shape *shape);

/* ---- Regularizers (tf.contrib.layers) ----
 * l1_regularizer(scale): scale * sum(|w|), nodes "l1_regularizer/scale", ".../Abs", ".../Sum",
 * and the Mul "l1_regularizer". l2_regularizer(scale): scale * l2_loss(w) = scale * sum(w^2) / 2,
 * built from Square, Sum and Mul (tfc has no L2Loss op) as ".../scale", ".../L2Loss" (the half
 * sum of squares) and the Mul "l2_regularizer". l1_l2_regularizer(scale_l1, scale_l2): both
 * inside scope "l1_l2_regularizer", summed by the AddN "l1_l2_regularizer" (contrib's
 * sum_regularizer with that scope); with one scale zero, the other alone under that name. A scale
 * of TFC_ZERO disables a regularizer (no loss, as TF's "Scale of 0 disables regularizer"); a
 * negative scale is an error. */
typedef enum tfc_reg_kind {
    TFC_REG_UNSET = 0, /* the variable scope's regularizer, else none */
    TFC_REG_NONE,      /* none (to override a scope's) */
    TFC_REG_L1,        /* l1: required */
    TFC_REG_L2,        /* l2: required */
    TFC_REG_L1_L2,     /* l1 and l2: unset 1.0 each (TF's defaults) */
} tfc_reg_kind;

typedef struct tfc_regularizer {
    tfc_reg_kind kind;
    float l1, l2; /* the scales */
} tfc_regularizer;

/* The regularization loss r gives weights w (a scalar of w's dtype), built in the current name
 * scope and not added to any collection; {NULL, 0} (without an error) when r is unset, NONE or
 * disabled by a zero scale. Graph errors: a required scale unset or negative, w not float or
 * double. */
tfc_out tfc_layers_regularization(tfc_layers *L, const tfc_regularizer *r, tfc_out w);

/* ---- Variable scopes (tf.compat.v1.variable_scope) and get_variable ---- */
typedef enum tfc_reuse {
    TFC_REUSE_UNSET = 0, /* TF's reuse=None/False: inherit the enclosing scope's (create at top) */
    TFC_REUSE = 1,       /* reuse=True: get_variable returns existing variables only */
    TFC_AUTO_REUSE = 2,  /* reuse=tf.AUTO_REUSE: returns a variable if it exists, else creates it */
} tfc_reuse;

typedef struct tfc_var_scope_opts {
    tfc_reuse reuse;             /* unset = the enclosing scope's (a scope never un-reuses) */
    tfc_initializer initializer; /* get_variable's default in this scope; unset = enclosing's */
    tfc_regularizer regularizer; /* get_variable's default in this scope; unset = enclosing's */
    tfc_flag use_resource;       /* resource variables in this scope; unset = enclosing's (false) */
    const char *default_name;    /* used when name is NULL: made unique among sibling scopes */
} tfc_var_scope_opts;

/* Enters variable scope `name` inside the current one (variable names "outer/name/...") and the
 * name scope `name` (made unique like tf.name_scope: re-entering "model" for reuse gives ops
 * "model_1/..." while variables stay "model/..."). name NULL: opts->default_name made unique as
 * TF does ("block", "block_1", ...; counts restart inside a scope each time it is re-entered, so a
 * model function called twice in a reusing scope finds the same names). Layers use the same
 * mechanism, which is how "conv2d", "conv2d_1" come about. opts may be NULL. Returns the new
 * scope's full name (owned by L, valid until it is popped), or NULL after an error (the push still
 * counts for pop). Errors: no name and no default_name; TFC_REUSE with no name (TF: "reuse=True
 * cannot be used without a name_or_scope"). */
const char *tfc_layers_push_var_scope(tfc_layers *L, const char *name,
                                      const tfc_var_scope_opts *opts);
/* Leaves the innermost variable scope (and its name scope). No-op at the top. */
void tfc_layers_pop_var_scope(tfc_layers *L);
/* The current variable scope's full name; "" at the top. Owned by L. */
const char *tfc_layers_var_scope(const tfc_layers *L);

typedef struct tfc_get_variable_opts {
    tfc_dtype dtype;             /* unset (TFC_DT_INVALID) = float */
    tfc_initializer initializer; /* unset: the scope's, else glorot_uniform for floats and zeros
                                  * for integers (TF's _get_default_initializer) */
    tfc_regularizer regularizer; /* unset: the scope's; its loss goes to REGULARIZATION_LOSSES */
    tfc_flag trainable;          /* unset = true: also in TRAINABLE_VARIABLES */
    tfc_flag use_resource;       /* unset: the scope's, else false (a VariableV2) */
} tfc_get_variable_opts;

/* tf.compat.v1.get_variable(name, shape, ...): the variable "<var scope>/<name>". A new one
 * (reuse unset, or AUTO_REUSE and absent) is built at the top name scope as TF does: its
 * initial value under "<full name>/Initializer/", the variable through tfc_variable (or
 * tfc_resource_variable), so "<full name>", "<full name>/Assign", "<full name>/read"; in
 * GLOBAL_VARIABLES and, when trainable, TRAINABLE_VARIABLES; the regularizer's loss built under
 * "<full name>/Regularizer/" and added to REGULARIZATION_LOSSES. An existing one (TFC_REUSE, or
 * AUTO_REUSE and present) is returned as it was made; its shape and dtype must agree. opts may be
 * NULL. Errors (INVALID_ARGUMENT, TF's ValueError texts): "Variable dense/kernel already exists,
 * disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"; "Variable
 * dense/kernel does not exist, or was not created with tf.get_variable(). Did you mean to set
 * reuse=tf.AUTO_REUSE in VarScope?"; "Trying to share variable dense/kernel, but specified shape
 * (3, 5) and found shape (3, 4)."; the same for dtypes; "Shape of a new variable (dense/kernel)
 * must be fully defined, but instead was (?, 3)."; and the initializer's and regularizer's. */
tfc_var tfc_layers_get_variable(tfc_layers *L, const char *name, const tfc_shape *shape,
                                const tfc_get_variable_opts *opts);
/* The variable get_variable made under this full name ("conv2d/kernel"): true and *out filled,
 * or false. */
bool tfc_layers_find_variable(const tfc_layers *L, const char *full_name, tfc_var *out);

/* ---- Layers (tf.compat.v1.layers) ----
 * Each layer enters a variable scope named after it — `name`, or TF's base name made unique
 * ("dense", "dense_1", ...) — creates its variables there with get_variable and builds its ops in
 * the matching name scope ("dense/MatMul", "dense/BiasAdd", "dense/Relu"). Options that every
 * layer with weights has:
 *   name       the layer's scope name; unset = the base name made unique. With reuse set, the
 *              name is taken as given (TF's rule), so name the layer you want to share.
 *   reuse      TFC_REUSE / TFC_AUTO_REUSE: share the variables of the layer of this name;
 *              unset = the enclosing variable scope's.
 *   trainable  unset = true; TFC_FALSE keeps the layer's variables out of TRAINABLE_VARIABLES.
 * A training switch (dropout, batch normalization) is a bool scalar output (training_flag, e.g. a
 * placeholder or PlaceholderWithDefault) or a constant (training); the flag wins when both are
 * given, and pushed defaults supply the pair only when the call sets neither. With a flag, both
 * behaviours are built and a Select picks one per run (tfc has no tf.cond), so a graph built only
 * for inference is cheaper with the constant. */

/* tf.layers.dense: activation(x . kernel + bias) with kernel [in, units] and bias [units].
 * x: float or double of rank >= 2 whose last dim is known; rank 2 is a MatMul ("dense/MatMul");
 * higher ranks are reshaped to [-1, in], multiplied and reshaped back (their dims other than the
 * first must be known). */
typedef struct tfc_dense_opts {
    int64_t units;                      /* required: > 0 */
    tfc_activation activation;          /* unset: none */
    tfc_flag use_bias;                  /* unset: true */
    tfc_initializer kernel_initializer; /* unset: the variable scope's, else glorot_uniform */
    tfc_initializer bias_initializer;   /* unset: zeros */
    tfc_regularizer kernel_regularizer; /* unset: the variable scope's, else none */
    tfc_regularizer bias_regularizer;   /* unset: the variable scope's, else none */
    tfc_flag trainable;
    tfc_reuse reuse;
    const char *name; /* never taken from pushed defaults */
} tfc_dense_opts;
tfc_out tfc_layers_dense(tfc_layers *L, tfc_out x, const tfc_dense_opts *opts);

typedef enum tfc_padding {
    TFC_PADDING_UNSET = 0, /* VALID (TF's default for conv2d and pooling) */
    TFC_SAME,
    TFC_VALID,
} tfc_padding;

/* tf.layers.conv2d on NHWC input x [N, H, W, C] (float or double, C known): kernel
 * [kh, kw, C, filters], bias [filters]; "conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu". Strides
 * above 1 together with a dilation above 1 are refused, as TF refuses them. */
typedef struct tfc_conv2d_opts {
    int64_t filters;          /* required: > 0 */
    int64_t kernel_size[2];   /* required (kh, kw); {k} = {k, k} */
    int64_t strides[2];       /* unset: {1, 1} */
    tfc_padding padding;      /* unset: VALID */
    int64_t dilation_rate[2]; /* unset: {1, 1} */
    tfc_activation activation;
    tfc_flag use_bias;
    tfc_initializer kernel_initializer, bias_initializer;
    tfc_regularizer kernel_regularizer, bias_regularizer;
    tfc_flag trainable;
    tfc_reuse reuse;
    const char *name;
} tfc_conv2d_opts;
tfc_out tfc_layers_conv2d(tfc_layers *L, tfc_out x, const tfc_conv2d_opts *opts);

/* tf.layers.max_pooling2d / average_pooling2d on NHWC input: "max_pooling2d/MaxPool",
 * "average_pooling2d/AvgPool". */
typedef struct tfc_pool2d_opts {
    int64_t pool_size[2]; /* required; {k} = {k, k} */
    int64_t strides[2];   /* unset: pool_size (Keras's rule; tf.layers requires strides) */
    tfc_padding padding;  /* unset: VALID */
    const char *name;
} tfc_pool2d_opts;
tfc_out tfc_layers_max_pooling2d(tfc_layers *L, tfc_out x, const tfc_pool2d_opts *opts);
tfc_out tfc_layers_average_pooling2d(tfc_layers *L, tfc_out x, const tfc_pool2d_opts *opts);

/* tf.layers.dropout. Training: TF2's nn.dropout, x * (1 / (1 - rate)) * Cast(U >= rate) with U
 * uniform in [0, 1) of x's shape ("dropout/dropout/random_uniform/RandomUniform", ...,
 * "dropout/dropout/mul_1"); inference: Identity ("dropout/Identity"). The output keeps x's static
 * shape. Rate must be in [0, 1); TFC_ZERO is the identity in both modes. */
typedef struct tfc_dropout_opts {
    float rate;            /* unset: 0.5 */
    int64_t seed;          /* op-level seed; 0 = none */
    tfc_flag training;     /* unset: false (TF's default) */
    tfc_out training_flag; /* a bool scalar; {NULL, 0} = use training */
    const char *name;
} tfc_dropout_opts;
tfc_out tfc_layers_dropout(tfc_layers *L, tfc_out x, const tfc_dropout_opts *opts);

/* tf.layers.batch_normalization over the last axis (TF's axis=-1; channels last), float input
 * whose last dim C is known. Variables (in TF's order): gamma (ones; when scale), beta (zeros;
 * when center) and the non-trainable moving_mean (zeros) and moving_variance (ones), all [C].
 * Rank 4 is one FusedBatchNormV3 ("batch_normalization/FusedBatchNormV3"), as TF's fused path;
 * other ranks are reshaped to [-1, 1, 1, C] around it, which computes what TF's unfused path does.
 * Training normalizes with the batch's mean and (biased) variance and adds two updates to
 * UPDATE_OPS, "batch_normalization/AssignMovingAvg" and "..._1": moving -= (moving - batch) *
 * (1 - momentum), where the batch variance is Bessel-corrected (n / (n - 1)) for rank 4 as TF's
 * fused path does and biased for other ranks as TF's unfused path does. Run them with the
 * training step, by their node (targets or control inputs): an item is the AssignSub's output for
 * a ref variable, and {AssignSubVariableOp ".../AssignMovingAvg/AssignSubVariableOp", 0} — a node
 * without outputs — for a resource variable (TF's UPDATE_OPS holds operations). Inference
 * normalizes with the moving statistics and adds no updates. With a training_flag both are
 * built, the updates are added, and their decay is 0 in runs where the flag is false, so running
 * them then changes nothing. Epsilon below 1.001e-5 is raised to it, as TF's fused_batch_norm
 * does. */
typedef struct tfc_batch_norm_opts {
    float momentum;                                      /* unset: 0.99 */
    float epsilon;                                       /* unset: 1e-3 */
    tfc_flag center;                                     /* unset: true (a beta variable) */
    tfc_flag scale;                                      /* unset: true (a gamma variable) */
    tfc_initializer beta_initializer, gamma_initializer; /* zeros, ones */
    tfc_initializer moving_mean_initializer, moving_variance_initializer; /* zeros, ones */
    tfc_regularizer beta_regularizer, gamma_regularizer;
    tfc_flag training;     /* unset: false */
    tfc_out training_flag; /* a bool scalar; {NULL, 0} = use training */
    tfc_flag trainable;
    tfc_reuse reuse;
    const char *name;
} tfc_batch_norm_opts;
tfc_out tfc_layers_batch_normalization(tfc_layers *L, tfc_out x, const tfc_batch_norm_opts *opts);

/* tf.layers.flatten: [N, ...] -> [N, prod(...)] ("flatten/Reshape"). With the trailing dims known
 * the shape is the Const [-1, prod]; with only N known, [N, -1]; otherwise it is computed at run
 * time from Shape. name NULL = "flatten" made unique. x must have rank >= 1 known. */
tfc_out tfc_layers_flatten(tfc_layers *L, tfc_out x, const char *name);

/* ---- Scoped defaults (Slim's arg_scope) ---- */
typedef enum tfc_layer_kind {
    TFC_LAYER_DENSE = 1,          /* opts: tfc_dense_opts */
    TFC_LAYER_CONV2D,             /* tfc_conv2d_opts */
    TFC_LAYER_MAX_POOLING2D,      /* tfc_pool2d_opts */
    TFC_LAYER_AVERAGE_POOLING2D,  /* tfc_pool2d_opts */
    TFC_LAYER_DROPOUT,            /* tfc_dropout_opts */
    TFC_LAYER_BATCH_NORMALIZATION /* tfc_batch_norm_opts */
} tfc_layer_kind;

/* Pushes defaults for every later layer of `kind` until the matching pop: each field a call
 * leaves unset takes the value of the innermost pushed defaults that set it (so nested pushes
 * override outer ones field by field, and a call overrides them all). opts must point to the
 * options struct of kind (listed above); it is copied. The name field is never used as a default.
 * A training_flag in defaults refers to a node of this graph. An unknown kind is a graph error
 * (the push still counts for pop). */
void tfc_layers_push_defaults(tfc_layers *L, tfc_layer_kind kind, const void *opts);
/* Removes the most recent push. No-op when none is left. */
void tfc_layers_pop_defaults(tfc_layers *L);

#ifdef __cplusplus
}
#endif
#endif
