/* tfc train: what training adds to a graph. So far: symbolic gradients like tf.gradients.
 *
 *     tfc_out dw;
 *     if (tfc_gradients(g, &loss, 1, &w, 1, NULL, &dw, &st) != TFC_OK) ...;
 *     // dw: the output of the gradient subgraph ("gradients/..."), {NULL, 0} if loss does not
 *     // depend on w
 *
 * Gradient subgraphs use TensorFlow's own gradient ops where TF has them (ReluGrad, BiasAddGrad,
 * Conv2DBackpropInput, ...), so a training graph exported from tfc is one TensorFlow can load. */
#ifndef TFC_TRAIN_H
#define TFC_TRAIN_H

#include "tfc/base.h"
#include "tfc/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tf.gradients(ys, xs, grad_ys): adds to g the nodes computing d(sum of ys)/d(xs[i]) and sets
 * dxs[i] to their outputs. grad_ys (NULL, or one per y; an entry {NULL, 0} = ones like y) seeds
 * the backward pass. Paths through an output add up (AddN); only floating-point tensors carry
 * gradients (integer and string edges stop them, as in TF); an x that no y depends on gets
 * {NULL, 0}. New nodes are named under the scope "gradients" ("gradients/dense/MatMul_grad/...").
 * Errors (also left on the graph): an op on the path with no gradient function is UNIMPLEMENTED
 * with TF's LookupError text, "No gradient defined for operation 'name' (op type: Foo)"; a
 * gradient builder's own failure names its node. */
tfc_code tfc_gradients(tfc_graph *g, const tfc_out *ys, int num_ys, const tfc_out *xs, int num_xs,
                       const tfc_out *grad_ys, tfc_out *dxs, tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
