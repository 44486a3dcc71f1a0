/* tfc optimizers: TF1's tf.train optimizers (tf.compat.v1.train.GradientDescentOptimizer,
 * MomentumOptimizer, AdamOptimizer, RMSPropOptimizer, AdagradOptimizer), the global step and
 * tf.clip_by_global_norm. Minimizing adds to the graph the loss's gradients, one of TF's update ops
 * per variable (ApplyAdam, or ResourceApplyAdam for a resource variable) with the slot variables
 * it keeps, and a train op: one session run of the train op is one training step.
 *
 *     tfc_var step = tfc_train_get_or_create_global_step(g);
 *     tfc_node *train_op;
 *     tfc_optimizer_opts adam = {.kind = TFC_OPTIMIZER_ADAM, .learning_rate = 1e-3};
 *     if (tfc_optimizer_minimize(g, &adam, loss, &step, NULL, 0, &train_op, &st) != TFC_OK) ...;
 *     tfc_node *init = tfc_global_variables_initializer(g);  // after minimize: it covers the slots
 *     ... run init once, then per step:
 *     tfc_session_run(s, feeds, 2, &loss, 1, &loss_value, &train_op, 1, &st);
 *
 * What minimize adds, named as TF names it (optimizer "Adam", variable "w"):
 *   gradients/...                  the gradients of the loss (tfc_gradients, include/tfc/train.h)
 *   clip_by_global_norm/...        when clip_global_norm > 0
 *   w/Adam, w/Adam_1               slot variables at the top scope: same dtype, shape and kind (ref
 *                                  or resource) as w, in GLOBAL_VARIABLES, not trainable, each with
 *                                  an initializer ("w/Adam/Initializer/zeros", "w/Adam/Assign")
 *   beta1_power, beta2_power       Adam's two float32 non-slot variables (initially beta1, beta2)
 *   Adam/learning_rate, Adam/beta1, Adam/beta2, Adam/epsilon   the hyperparameters (float32 Const;
 *                                  learning_rate_tensor is used as given instead)
 *   Adam/update_w/ApplyAdam        the update (ResourceApplyAdam for a resource variable), with
 *                                  Cast nodes first when the variable is not float32
 *   Adam/mul, Adam/Assign, Adam/mul_1, Adam/Assign_1   beta1_power *= beta1, beta2_power *= beta2,
 *                                  after every update (control inputs)
 *   Adam                           the train op. Without a global step: a NoOp with a control input
 *                                  on every update (and on the beta assigns). With one: that NoOp
 * is "Adam/update" and "Adam" is AssignAdd(global_step, 1) (AssignAddVariableOp for a resource
 * step) run after it — TF's. The train op also gets a control input on every op in the UPDATE_OPS
 * collection when minimize runs (batch norm's moving averages, tf.layers' habit), so they run each
 * step without the `with tf.control_dependencies(update_ops)` wrapper TF users write. Ops added to
 * UPDATE_OPS later are not included.
 *
 * Slots and hyperparameters by optimizer (the slot names use the optimizer's name; the op scope is
 * that name made unique: a second Adam gets "Adam_1/...", its slots "w/Adam_2", "w/Adam_3"):
 *   GradientDescent   no slots                           ApplyGradientDescent(var, lr, grad)
 *   Momentum          w/Momentum (accumulation, zeros)   ApplyMomentum(..., lr, grad, momentum)
 *   Adam              w/Adam (m), w/Adam_1 (v), zeros; beta1_power, beta2_power      ApplyAdam
 *   RMSProp           w/RMSProp (ms, ones, as TF), w/RMSProp_1 (mom, zeros)          ApplyRMSProp
 *   Adagrad           w/Adagrad (accumulator, initial_accumulator_value)            ApplyAdagrad
 * The update formulas are TF's CPU kernels' (src/ops/train_kernels.c has them), evaluated in the
 * variable's dtype: float and double variables are updated; half and bfloat16 ones are
 * UNIMPLEMENTED.
 *
 * Errors are returned with a status and also stay on the graph (sticky, as every builder's), so
 * after a failure the graph is done; nodes added before the failure stay in it. Not thread-safe:
 * graph building is single-threaded. */
#ifndef TFC_OPTIMIZERS_H
#define TFC_OPTIMIZERS_H

#include <stdbool.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/variables.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tfc_optimizer_kind {
    TFC_OPTIMIZER_GRADIENT_DESCENT = 0,
    TFC_OPTIMIZER_MOMENTUM = 1,
    TFC_OPTIMIZER_ADAM = 2,
    TFC_OPTIMIZER_RMSPROP = 3,
    TFC_OPTIMIZER_ADAGRAD = 4,
} tfc_optimizer_kind;

/* An optimizer's keyword arguments. Zero (or NULL) means TF1's default where TF has one:
 *   learning_rate   Adam 0.001; the others have no default in TF: 0 with no learning_rate_tensor
 *                   is INVALID_ARGUMENT
 *   momentum        Momentum's; TF has no default, so 0 is 0 (plain gradient descent with a slot)
 *   use_nesterov    Momentum; also Adam (ApplyAdam's attr: TF1's AdamOptimizer does not expose it)
 *   beta1, beta2, epsilon   Adam 0.9, 0.999, 1e-8; epsilon is also RMSProp's (default 1e-10)
 *   decay           RMSProp 0.9 (the "rho" input of ApplyRMSProp)
 *   rms_momentum    RMSProp's momentum, default 0
 *   initial_accumulator_value   Adagrad 0.1 (TF requires > 0; negative is INVALID_ARGUMENT)
 *   clip_global_norm  0 = no clipping; > 0 clips the gradients with tfc_clip_by_global_norm first
 *   name            the optimizer's name: NULL = "GradientDescent", "Momentum", "Adam", "RMSProp",
 *                   "Adagrad"
 * The hyperparameters become float32 Consts as in TF (so a double variable's updates see them
 * rounded to float and Cast back, as TF's do). */
typedef struct tfc_optimizer_opts {
    tfc_optimizer_kind kind;
    double learning_rate;
    /* A scalar float32 or float64 tensor used as the learning rate (a schedule on the global step);
     * {NULL, 0} = the constant learning_rate. */
    tfc_out learning_rate_tensor;
    double momentum;
    bool use_nesterov;
    double beta1, beta2, epsilon;
    double decay, rms_momentum;
    double initial_accumulator_value;
    double clip_global_norm;
    const char *name;
} tfc_optimizer_opts;

/* TF's default name of an optimizer kind ("Adam"), or NULL for a value that is not a kind. */
const char *tfc_optimizer_kind_name(tfc_optimizer_kind kind);

/* ---- The global step (tf.compat.v1.train.get_global_step / get_or_create_global_step) ---- */

/* The graph's global step: the one variable in the "global_step" collection, else the node named
 * "global_step". Its parts are filled from the graph ("global_step/read" or
 * ".../Read/ReadVariableOp", "global_step/Assign"; {NULL, 0} / NULL where absent). An empty
 * tfc_var (ref.node NULL) when there is none or the graph holds an error. A graph error
 * (INVALID_ARGUMENT, TF's wording) when the collection holds several ("Multiple tensors in
 * global_step collection."), or what it finds is not a scalar integer variable. */
tfc_var tfc_train_get_global_step(tfc_graph *g);

/* The global step, created when the graph has none: an int64 scalar VariableV2 named
 * "global_step" at the top scope, initialized to 0 ("global_step/Initializer/zeros"), in
 * GLOBAL_VARIABLES and the "global_step" collection, not trainable — what TF's
 * get_or_create_global_step makes. An empty tfc_var after a graph error. */
tfc_var tfc_train_get_or_create_global_step(tfc_graph *g);

/* ---- Minimizing ---- */

/* optimizer.minimize(loss, global_step, var_list): compute_gradients then apply_gradients below.
 * var_list: the variables' ref outputs (tfc_var.ref: a VariableV2 or VarHandleOp output); NULL
 * with n_vars 0 = every variable in TRAINABLE_VARIABLES. A variable the loss does not depend on,
 * or whose dtype carries no gradient (integers), is skipped, as in TF. global_step NULL = none;
 * else its variable (int32 or int64, ref or resource) is incremented by one after the updates.
 * *train_op receives the node to run (see the top of this header); NULL on error.
 * Errors: INVALID_ARGUMENT for opts that are out of range (an unknown kind, no learning rate where
 * TF requires one, a negative Adagrad accumulator, a learning_rate_tensor that is not a float
 * scalar), a loss that is not floating point, a var_list entry that is not a variable ("No
 * variables to optimize." for none at all), and a loss that no variable affects — TF's "No
 * gradients provided for any variable, check your graph for ops that do not support gradients,
 * between variables [...] and loss ..."; UNIMPLEMENTED for a half or bfloat16 variable, or an op
 * on the path without a gradient; the graph's own error when g already holds one (nothing is
 * added then). */
tfc_code tfc_optimizer_minimize(tfc_graph *g, const tfc_optimizer_opts *o, tfc_out loss,
                                const tfc_var *global_step, const tfc_out *var_list, int n_vars,
                                tfc_node **train_op, tfc_status *st);

/* optimizer.compute_gradients(loss, var_list): grads[i] = d(loss)/d(var_list[i]) ({NULL, 0} when
 * the loss does not depend on it, or it is not floating point). n_vars >= 1. For a ref variable the
 * gradient is taken at its ref output (so every read of it counts); for a resource variable, at
 * every ReadVariableOp of its handle in the graph, summed (AddN) when there are several — what
 * TF's _ReadGrad gives. Errors as tfc_optimizer_minimize's (except "No gradients provided", which
 * minimize and apply_gradients raise). */
tfc_code tfc_optimizer_compute_gradients(tfc_graph *g, tfc_out loss, const tfc_out *var_list,
                                         int n_vars, tfc_out *grads, tfc_status *st);

/* optimizer.apply_gradients(zip(grads, vars), global_step): the slots, update ops and train op for
 * n (gradient, variable) pairs; a pair whose gradient is {NULL, 0} is skipped, and none left is
 * INVALID_ARGUMENT "No gradients provided for any variable: [...]." A gradient must have its
 * variable's dtype and shape (the update op's shape check names both otherwise). A variable of
 * another dtype than float16/bfloat16/float32/float64 with a gradient is INVALID_ARGUMENT (TF's
 * "Invalid type int32 for w, expected: [...]"). Clips first when o->clip_global_norm > 0. */
tfc_code tfc_optimizer_apply_gradients(tfc_graph *g, const tfc_optimizer_opts *o,
                                       const tfc_out *grads, const tfc_out *vars, int n,
                                       const tfc_var *global_step, tfc_node **train_op,
                                       tfc_status *st);

/* tf.clip_by_global_norm(t_list, clip_norm): global_norm = sqrt(sum of every element squared of
 * every tensor), and clipped[i] = t_list[i] * clip_norm / max(global_norm, clip_norm) — as TF
 * computes it, clip_norm * min(1 / global_norm, 1 / clip_norm), plus (global_norm - global_norm) so
 * that a NaN or infinite norm makes every clipped value NaN. Entries {NULL, 0} pass through as
 * {NULL, 0}. Nodes go in scope "clip_by_global_norm" (made unique): the norm is
 * "clip_by_global_norm/global_norm", each result an Identity "clip_by_global_norm/_<i>". TF sums
 * L2Loss values times 2; tfc sums squares directly (the same value, rounded once less).
 * clipped (n entries) and *global_norm (NULL: not wanted) are filled on success.
 * Errors: INVALID_ARGUMENT when clip_norm <= 0, every entry is empty, or the tensors' dtypes
 * differ or are not float/double. */
tfc_code tfc_clip_by_global_norm(tfc_graph *g, const tfc_out *t_list, int n, double clip_norm,
                                 tfc_out *clipped, tfc_out *global_norm, tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
