/* tfc schedules: learning-rate schedules as graph ops on the global step, like TF1's
 * tf.compat.v1.train.exponential_decay, piecewise_constant, polynomial_decay, inverse_time_decay
 * and cosine_decay (TF's learning_rate_decay.py over the Keras schedules), with the same formulas
 * computed in float32 as TF computes them, so a graph exported from tfc decays its learning rate
 * like one TF built.
 *
 *     tfc_out step = ...;                 // the global step's value (int64 scalar)
 *     tfc_out lr = tfc_train_exponential_decay(g, 0.1, step, 1000, 0.96, true, NULL);
 *     // lr: float32 scalar "ExponentialDecay" = 0.1 * 0.96 ^ floor(step / 1000)
 *
 * Every schedule builds its nodes in a name scope of TF's default name ("ExponentialDecay",
 * "PiecewiseConstant", "PolynomialDecay", "InverseTimeDecay", "CosineDecay"; made unique,
 * "ExponentialDecay_1", ...) or of `name` when it is not NULL. The step may be an int32, int64,
 * float or double scalar: VariableV2's ref output, its read, or a placeholder (all are cast to
 * float32 in the graph, as TF casts them). The rates and step counts are converted to float32
 * constants, as TF converts Python numbers.
 *
 * Errors stick on the graph like every builder's: {NULL, 0} is returned after one (a missing or
 * non-numeric global_step, inconsistent arguments, named in the message), or when the graph
 * already holds an error. Not thread-safe while the graph is being built. */
#ifndef TFC_SCHEDULES_H
#define TFC_SCHEDULES_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* learning_rate * decay_rate ^ (global_step / decay_steps); the exponent is floored when
 * staircase (the rate drops at whole multiples of decay_steps). The result's node is named after
 * the scope ("ExponentialDecay"). */
tfc_out tfc_train_exponential_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                    double decay_steps, double decay_rate, bool staircase,
                                    const char *name);

/* values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <= boundaries[i],
 * values[num_boundaries] after the last boundary. values has num_boundaries + 1 entries (float32
 * results); boundaries are converted to x's dtype and must not decrease (TF fails at run time
 * when two of its exclusive cases hold; tfc refuses such boundaries when building). TF picks the
 * value with tf.case (Switch/Merge control flow, which tfc does not run); tfc picks the same value
 * with a chain of SelectV2 over LessEqual comparisons ending in a node named "<scope>/case". */
tfc_out tfc_train_piecewise_constant(tfc_graph *g, tfc_out x, const int64_t *boundaries,
                                     const double *values, int num_boundaries, const char *name);

/* (learning_rate - end_learning_rate) * (1 - step / decay_steps) ^ power + end_learning_rate,
 * with step = min(global_step, decay_steps); with cycle, step = global_step and decay_steps is
 * stretched to the first multiple of itself >= global_step (1 multiple at step 0), so the decay
 * restarts. TF's defaults are end_learning_rate = 0.0001, power = 1.0, cycle = false. The result
 * is named after the scope ("PolynomialDecay"). */
tfc_out tfc_train_polynomial_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                   double decay_steps, double end_learning_rate, double power,
                                   bool cycle, const char *name);

/* learning_rate / (1 + decay_rate * global_step / decay_steps), the quotient floored when
 * staircase. The result is named after the scope ("InverseTimeDecay"). */
tfc_out tfc_train_inverse_time_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                     double decay_steps, double decay_rate, bool staircase,
                                     const char *name);

/* Cosine decay: learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
 * with s = min(global_step, decay_steps), alpha the floor as a fraction of learning_rate (TF's
 * default 0). warmup_steps > 0 adds a linear warmup first, as Keras' CosineDecay does with
 * initial_learning_rate 0 and warmup_target = learning_rate: learning_rate * step / warmup_steps
 * while step < warmup_steps, then the cosine decay of step - warmup_steps (step held at
 * warmup_steps + decay_steps at most). warmup_steps 0 is TF1's cosine_decay exactly. */
tfc_out tfc_train_cosine_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                               double decay_steps, double alpha, double warmup_steps,
                               const char *name);

#ifdef __cplusplus
}
#endif
#endif
