/* tfc metrics: TF1's streaming metrics (tf.compat.v1.metrics) on a graph — accuracy, mean,
 * precision, recall and the counts under them. Each keeps running totals in local variables and
 * returns two things: a value that reads the totals, and an update op that adds one batch to
 * them and yields the updated metric. Variables, scopes and node names are TF's ("accuracy/total",
 * "accuracy/count", "accuracy/value", "accuracy/update_op", "precision/true_positives/count").
 *
 *     tfc_metric acc = tfc_metrics_accuracy(g, labels, predictions, NULL);
 *     tfc_node *init = tfc_local_variables_initializer(g);   // zeroes the totals
 *     run init; then per batch: run acc.update_op (feeding the batch);
 *     fetch acc.value for the accuracy so far; run init (or tfc_metrics_reset) to start over
 *
 * The totals are float32 scalar VariableV2s, non-trainable, in the LOCAL_VARIABLES and
 * METRIC_VARIABLES collections (not in GLOBAL_VARIABLES, so a Saver and the global initializer
 * leave them alone), each with "<var>/Initializer/zeros", "<var>/Assign" and "<var>/read" as
 * TF's metric_variable makes them. They live in each session, like every variable.
 *
 * Errors stick on the graph like every builder's: after one (incompatible shapes, missing
 * inputs, named in the message), or when the graph already holds an error, the metric returned
 * is {{NULL, 0}, NULL}. Not thread-safe while the graph is being built. */
#ifndef TFC_METRICS_H
#define TFC_METRICS_H

#include "tfc/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tf.GraphKeys.METRIC_VARIABLES. */
#define TFC_METRIC_VARIABLES "metric_variables"

/* A streaming metric. update_op's output 0 (tfc_node_output(update_op, 0)) is the metric after
 * the update, as TF's update_op tensor; fetch it or run the node as a target. */
typedef struct tfc_metric {
    tfc_out value;       /* reads the totals; does not change them */
    tfc_node *update_op; /* adds a batch to the totals */
} tfc_metric;

/* TF's keyword arguments; zero (or NULL opts) means TF's default for each. */
typedef struct tfc_metric_opts {
    /* Per-element weights (any numeric dtype, cast to float32), broadcast to the values as TF
     * requires (a scalar, or the values' rank with each dim 1 or equal; one extra trailing dim of
     * 1 is squeezed). {NULL, 0} = every element counts once. */
    tfc_out weights;
    const char *metrics_collection; /* also add value to this collection; NULL = none */
    const char *updates_collection; /* also add update_op's output to this collection */
    const char *name;               /* scope; NULL = the metric's own ("accuracy", ...) */
} tfc_metric_opts;

/* tf.compat.v1.metrics.mean: total += sum(values * weights), count += sum(weights) (or the
 * element count without weights); value = total / count, 0 while count is 0 (DivNoNan). Variables
 * "mean/total", "mean/count". */
tfc_metric tfc_metrics_mean(tfc_graph *g, tfc_out values, const tfc_metric_opts *opts);

/* tf.compat.v1.metrics.accuracy: the mean of Equal(predictions, labels) (predictions cast to the
 * labels' dtype; a trailing dim of 1 on either squeezed when their ranks differ by one; shapes
 * must be compatible). Variables "accuracy/total", "accuracy/count". */
tfc_metric tfc_metrics_accuracy(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                const tfc_metric_opts *opts);

/* tf.compat.v1.metrics.precision: tp / (tp + fp), 0 while tp + fp is 0. labels and predictions
 * of any dtype, cast to bool (nonzero is true). Variables "precision/true_positives/count" and
 * "precision/false_positives/count". */
tfc_metric tfc_metrics_precision(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                 const tfc_metric_opts *opts);

/* tf.compat.v1.metrics.recall: tp / (tp + fn), 0 while tp + fn is 0. Variables
 * "recall/true_positives/count" and "recall/false_negatives/count". */
tfc_metric tfc_metrics_recall(tfc_graph *g, tfc_out labels, tfc_out predictions,
                              const tfc_metric_opts *opts);

/* tf.compat.v1.metrics.true_positives, false_positives, false_negatives: weighted counts of
 * labels && predictions, !labels && predictions, labels && !predictions (both cast to bool);
 * the value is an Identity of "<scope>/count". weights must be a scalar or of the values' rank. */
tfc_metric tfc_metrics_true_positives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                      const tfc_metric_opts *opts);
tfc_metric tfc_metrics_false_positives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                       const tfc_metric_opts *opts);
tfc_metric tfc_metrics_false_negatives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                       const tfc_metric_opts *opts);

/* tf.compat.v1.local_variables_initializer(): a NoOp named "init" (made unique: "init_1" after
 * the global initializer) with a control input on the initializer ("<var>/Assign") of every
 * variable in LOCAL_VARIABLES; a plain NoOp when there are none, as TF. FAILED_PRECONDITION on
 * the graph, naming it, for a variable without an initializer. NULL after a graph error. */
tfc_node *tfc_local_variables_initializer(tfc_graph *g);

/* Resets metrics: TF's idiom tf.variables_initializer(tf.get_collection(METRIC_VARIABLES,
 * scope)) — a NoOp named "init" (made unique) over the initializers of the METRIC_VARIABLES
 * whose names start with scope ("accuracy" resets the accuracy metric and not "accuracy_1";
 * NULL or "" = every metric). Running it zeroes those totals. Errors as above. */
tfc_node *tfc_metrics_reset(tfc_graph *g, const char *scope);

#ifdef __cplusplus
}
#endif
#endif
