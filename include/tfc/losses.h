/* tfc losses: TF1's tf.compat.v1.losses on a graph — softmax, sparse softmax and sigmoid cross
 * entropy, mean squared error, Huber loss — with TF's weights, label smoothing and reductions
 * (SUM_BY_NONZERO_WEIGHTS by default), TF's scope and node names, and each loss added to the
 * LOSSES collection as TF adds it; plus the regularization and total losses gathered from the
 * collections.
 *
 *     tfc_out logits = ...;                                     // [batch, 10] float32
 *     tfc_out labels = ...;                                     // [batch] int64 class ids
 *     tfc_out loss = tfc_losses_sparse_softmax_cross_entropy(g, labels, logits, NULL);
 *     // "sparse_softmax_cross_entropy_loss/value": the mean over the batch, in "losses"
 *     tfc_out total = tfc_losses_get_total_loss(g, true, NULL);  // "total_loss"
 *
 * Every loss is a float32 scalar (or, with TFC_REDUCTION_NONE, the weighted per-element losses)
 * built from ops TF has (SoftmaxCrossEntropyWithLogits, SquaredDifference, DivNoNan, ...), so it
 * exports in a GraphDef TF loads, and its gradient is tfc_gradients' (include/tfc/train.h).
 *
 * Shapes: weights must broadcast to the per-element losses as TF requires (a scalar, or the
 * losses' rank with each dim 1 or equal); checked when the static shapes are known. The softmax
 * losses take rank-2 logits [batch, classes] (TF also flattens higher ranks; tfc does not yet).
 *
 * Errors stick on the graph like every builder's: {NULL, 0} is returned after one (incompatible
 * shapes, wrong dtypes, naming the loss's scope), or when the graph already holds an error. Not
 * thread-safe while the graph is being built. */
#ifndef TFC_LOSSES_H
#define TFC_LOSSES_H

#include <stdbool.h>

#include "tfc/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tf.compat.v1.losses.Reduction. Zero is TF's default. */
typedef enum tfc_reduction {
    /* sum of weighted losses / number of nonzero weights (counted per element of the losses) */
    TFC_REDUCTION_SUM_BY_NONZERO_WEIGHTS = 0,
    TFC_REDUCTION_NONE,                     /* the weighted losses, unreduced */
    TFC_REDUCTION_SUM,                      /* sum of weighted losses */
    TFC_REDUCTION_MEAN,                     /* sum of weighted losses / sum of weights */
    TFC_REDUCTION_SUM_OVER_BATCH_SIZE,      /* sum of weighted losses / number of elements */
    TFC_REDUCTION_SUM_OVER_NONZERO_WEIGHTS, /* the same as SUM_BY_NONZERO_WEIGHTS (TF's alias) */
} tfc_reduction;

/* TF's keyword arguments; zero (or NULL opts) means TF's default for each. */
typedef struct tfc_loss_opts {
    /* Coefficients of the per-element losses, any numeric dtype (cast to float32). {NULL, 0} =
     * the Python number 1.0 TF defaults to, for which the count of nonzero weights is the element
     * count (no ops to count them). */
    tfc_out weights;
    /* softmax: labels * (1 - s) + s / num_classes; sigmoid: labels * (1 - s) + 0.5 * s. */
    double label_smoothing;
    double delta; /* huber_loss: where the loss turns linear; 0 = TF's 1.0 */
    tfc_reduction reduction;
    const char *scope;           /* NULL = the loss's default scope ("huber_loss", ...) */
    const char *loss_collection; /* NULL = TFC_LOSSES; "" = add to no collection */
} tfc_loss_opts;

/* tf.compat.v1.losses.softmax_cross_entropy: onehot_labels and logits [batch, classes] of
 * compatible shapes; labels are cast to the logits' dtype, smoothed, and made a StopGradient
 * ("labels_stop_gradient"); the per-example losses are SoftmaxCrossEntropyWithLogits "xentropy".
 * Scope "softmax_cross_entropy_loss". */
tfc_out tfc_losses_softmax_cross_entropy(tfc_graph *g, tfc_out onehot_labels, tfc_out logits,
                                         const tfc_loss_opts *opts);

/* tf.compat.v1.losses.sparse_softmax_cross_entropy: labels int32/int64 class ids [batch] (a
 * trailing dim of 1 is squeezed, as are weights one rank above the labels), logits [batch,
 * classes]. Per-example losses are SparseSoftmaxCrossEntropyWithLogits "xentropy/xentropy"; an
 * id outside [0, classes) fails the run, naming that node. Scope
 * "sparse_softmax_cross_entropy_loss". label_smoothing is ignored, as TF has none here. */
tfc_out tfc_losses_sparse_softmax_cross_entropy(tfc_graph *g, tfc_out labels, tfc_out logits,
                                                const tfc_loss_opts *opts);

/* tf.compat.v1.losses.sigmoid_cross_entropy: multi_class_labels (cast to the logits' dtype) and
 * logits of one shape; the per-element losses are TF's numerically stable
 * max(x, 0) - x * z + log1p(exp(-|x|)), node "xentropy". Scope "sigmoid_cross_entropy_loss". */
tfc_out tfc_losses_sigmoid_cross_entropy(tfc_graph *g, tfc_out multi_class_labels, tfc_out logits,
                                         const tfc_loss_opts *opts);

/* tf.compat.v1.losses.mean_squared_error: (predictions - labels)^2, both cast to float32 and of
 * compatible shapes. Scope "mean_squared_error". */
tfc_out tfc_losses_mean_squared_error(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                      const tfc_loss_opts *opts);

/* tf.compat.v1.losses.huber_loss: 0.5 * e^2 where |e| <= delta, else 0.5 * delta^2 + delta *
 * (|e| - delta), e = predictions - labels (both cast to float32). Scope "huber_loss". */
tfc_out tfc_losses_huber_loss(tfc_graph *g, tfc_out labels, tfc_out predictions,
                              const tfc_loss_opts *opts);

/* tf.compat.v1.losses.compute_weighted_loss: per-element losses (float32 or float64; the result
 * has their dtype) weighted and reduced as opts says, added to opts' collection. Scope
 * "weighted_loss" unless opts->scope. The losses above end with it. */
tfc_out tfc_losses_compute_weighted_loss(tfc_graph *g, tfc_out losses, const tfc_loss_opts *opts);

/* tf.compat.v1.losses.get_regularization_loss: the sum (AddN, or an Identity for a single one)
 * of the REGULARIZATION_LOSSES items whose names start with scope (NULL = all), named
 * "total_regularization_loss"; a float32 Const 0.0 named "Const" when there are none, as TF. */
tfc_out tfc_losses_get_regularization_loss(tfc_graph *g, const char *scope);

/* tf.compat.v1.losses.get_total_loss: the LOSSES items (and, with add_regularization_losses, the
 * REGULARIZATION_LOSSES items) whose names start with scope (NULL = all), summed by AddN (an
 * Identity for a single one) named "total_loss". INVALID_ARGUMENT on the graph when there is no
 * loss to sum (TF's add_n refuses an empty list). */
tfc_out tfc_losses_get_total_loss(tfc_graph *g, bool add_regularization_losses, const char *scope);

/* tf.nn.l2_loss: sum(t^2) / 2 as one L2Loss node (float32 or float64 t; a scalar of t's dtype),
 * named `name` (NULL = "L2Loss"). What L2 weight regularizers are made of. */
tfc_out tfc_nn_l2_loss(tfc_graph *g, tfc_out t, const char *name);

#ifdef __cplusplus
}
#endif
#endif
