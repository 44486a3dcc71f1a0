/* Gradient builders of the ops in src/ops (TF's RegisterGradient functions), attached to the op
 * tables. Each receives the gradients of the op's outputs and fills those of its inputs. */
#ifndef TFC_GRADS_H
#define TFC_GRADS_H

#include "graph/op_def.h"

/* Adds a node of `op` with inputs in[0..n) and no attrs, returning its output 0 ({NULL, 0} after
 * an error, which stays on g). The shorthands below are what gradient builders are written in. */
tfc_out tfc__grad_op(tfc_graph *g, const char *op, const tfc_out *in, int n);
static inline tfc_out tfc__g1(tfc_graph *g, const char *op, tfc_out a) {
    return tfc__grad_op(g, op, &a, 1);
}
static inline tfc_out tfc__g2(tfc_graph *g, const char *op, tfc_out a, tfc_out b) {
    return tfc__grad_op(g, op, (tfc_out[]){a, b}, 2);
}
static inline tfc_out tfc__g3(tfc_graph *g, const char *op, tfc_out a, tfc_out b, tfc_out c) {
    return tfc__grad_op(g, op, (tfc_out[]){a, b, c}, 3);
}

void tfc__grad_identity(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_identity_n(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_add_n(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_add(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sub(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_mul(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_real_div(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_neg(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_square(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_relu(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_matmul(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_reshape(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_expand_dims(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sum(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_fill(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

void tfc__grad_bias_add(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_conv2d(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_max_pool(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_avg_pool(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_softmax(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_log_softmax(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_softmax_xent(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sparse_softmax_xent(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_relu6(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_elu(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_softplus(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_sigmoid(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);
void tfc__grad_tanh(tfc_graph *g, tfc_node *op, const tfc_out *grads, tfc_out *din);

#endif
