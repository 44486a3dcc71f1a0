/* TensorFlow's layers-tutorial CNN (cnn_mnist.py) built with tfc's layers, shared by the trainer
 * and the benchmarks. */
#ifndef FMNIST_MODEL_H
#define FMNIST_MODEL_H

#include "tfc/graph.h"
#include "tfc/optimizers.h"

typedef struct fmnist_model {
    tfc_out x;        /* float [-1, 28, 28, 1] placeholder */
    tfc_out y;        /* int64 [-1] labels placeholder */
    tfc_out training; /* bool scalar PlaceholderWithDefault(false): dropout on when fed true */
    tfc_out logits, loss, accuracy, predictions;
    tfc_node *train_op, *init;
} fmnist_model;

/* conv 5x5x32 SAME relu, max pool 2x2/2, conv 5x5x64 SAME relu, max pool 2x2/2, flatten, dense
 * 1024 relu, dropout 0.4, dense 10; sparse softmax cross entropy; batch accuracy; optimizer o's
 * minimize with a global step; the variables' initializer. Errors are the graph's. */
tfc_code fmnist_model_build(tfc_graph *g, uint64_t seed, const tfc_optimizer_opts *o,
                            fmnist_model *m, tfc_status *st);

/* A new bool scalar tensor (NULL when out of memory). */
tfc_tensor *fmnist_bool(bool v);

#endif
