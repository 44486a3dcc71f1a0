/* Gradient builders of the ops in src/ops (TF's RegisterGradient functions), attached to the op
 * tables. Each receives the gradients of the op's outputs and fills those of its inputs. */
#ifndef TFC_GRADS_H
#define TFC_GRADS_H

#include "graph/op_def.h"

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
