/* The tutorial CNN (fmnist_model.h). */
#include "fmnist_model.h"

#include "tfc/layers.h"
#include "tfc/losses.h"
#include "tfc/variables.h"

static tfc_out op2(tfc_graph *g, const char *op, const char *name, tfc_out a, tfc_out b) {
    tfc_node_builder *nb = tfc_node_begin(g, op, name);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

tfc_tensor *fmnist_bool(bool v) {
    tfc_tensor *t = NULL;
    if (tfc_tensor_new(TFC_DT_BOOL, &(tfc_shape){0, {0}}, &t, NULL) == TFC_OK)
        *(uint8_t *)tfc_tensor_data(t) = v;
    return t;
}

static tfc_out int_const(tfc_graph *g, const char *name, int32_t v) {
    tfc_tensor *t = tfc_tensor_scalar_int32(v);
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}

tfc_code fmnist_model_build(tfc_graph *g, uint64_t seed, const tfc_optimizer_opts *o,
                            fmnist_model *m, tfc_status *st) {
    tfc_layers *L = tfc_layers_new(g);
    if (!L) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_layers_set_random_seed(L, (int64_t)seed);
    m->x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 28, 28, 1}});
    m->y = tfc_placeholder(g, "y", TFC_DT_INT64, &(tfc_shape){1, {-1}});
    tfc_tensor *no = fmnist_bool(false);
    tfc_node_builder *b = tfc_node_begin(g, "PlaceholderWithDefault", "training");
    tfc_node_add_input(b, tfc_const(g, "training/default", no));
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){0, {0}});
    m->training = tfc_node_output(tfc_node_finish(b), 0);
    tfc_tensor_unref(no);
    /* arg_scope: every conv2d here is 5x5, SAME, relu, as in the tutorial */
    tfc_layers_push_defaults(
        L, TFC_LAYER_CONV2D,
        &(tfc_conv2d_opts){.kernel_size = {5, 5}, .padding = TFC_SAME, .activation = TFC_ACT_RELU});
    tfc_pool2d_opts pool = {.pool_size = {2, 2}, .strides = {2, 2}};
    tfc_out h = tfc_layers_conv2d(L, m->x, &(tfc_conv2d_opts){.filters = 32});
    h = tfc_layers_max_pooling2d(L, h, &pool);
    h = tfc_layers_conv2d(L, h, &(tfc_conv2d_opts){.filters = 64});
    h = tfc_layers_max_pooling2d(L, h, &pool);
    tfc_layers_pop_defaults(L);
    h = tfc_layers_flatten(L, h, NULL);
    h = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 1024, .activation = TFC_ACT_RELU});
    h = tfc_layers_dropout(L, h, &(tfc_dropout_opts){.rate = 0.4f, .training_flag = m->training});
    m->logits = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 10});
    tfc_layers_free(L);
    m->loss = tfc_losses_sparse_softmax_cross_entropy(g, m->y, m->logits, NULL);
    m->predictions = op2(g, "ArgMax", "predictions", m->logits, int_const(g, "class_axis", 1));
    tfc_node_builder *cb = tfc_node_begin(g, "Cast", "hit");
    tfc_node_add_input(cb, op2(g, "Equal", "correct", m->predictions, m->y));
    tfc_node_set_attr_type(cb, "DstT", TFC_DT_FLOAT);
    tfc_out hit = tfc_node_output(tfc_node_finish(cb), 0);
    m->accuracy = op2(g, "Mean", "batch_accuracy", hit, int_const(g, "batch_axis", 0));
    tfc_var step = tfc_train_get_or_create_global_step(g);
    tfc_code c = tfc_graph_status(g, st);
    if (c) return c;
    if ((c = tfc_optimizer_minimize(g, o, m->loss, &step, NULL, 0, &m->train_op, st))) return c;
    m->init = tfc_global_variables_initializer(g);
    return tfc_graph_status(g, st);
}
