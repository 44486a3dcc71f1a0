/* tf.layers.dropout: TF2's nn.dropout formula in training, Identity at inference, and a Select
 * between them for a training flag known only at run time. */
#include <stdio.h>

#include "layers/layers_int.h"

static void merge(tfc_dropout_opts *o, const tfc_dropout_opts *d) {
    o->rate = tfc__fpick(o->rate, d->rate);
    if (!o->seed) o->seed = d->seed;
    tfc__merge_training(&o->training, &o->training_flag, d->training, d->training_flag);
}

/* nn.dropout(x, rate) under "dropout/": x * (1 / (1 - rate)) * Cast(U[0, 1) >= rate). The
 * RandomUniform is used as is: TF's affine rnd * (1 - 0) + 0 changes no value. */
static tfc_out dropped(tfc_layers *L, tfc_out x, double rate, int64_t op_seed) {
    tfc_graph *g = L->g;
    const char *scope = tfc_graph_push_scope(g, "dropout");
    if (!scope) return (tfc_out){NULL, 0};
    const tfc_shape *s = tfc_out_shape(x);
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    /* TF's array_ops.shape folds a fully defined shape into a Const. */
    tfc_out shape = tfc_shape_is_fully_defined(s) ? tfc__const_i32(g, "Shape", s->dims, s->rank)
                                                  : tfc__op1(g, "Shape", "Shape", x);
    int64_t seed, seed2;
    tfc__seeds(L, op_seed, &seed, &seed2);
    tfc_node_builder *b = tfc_node_begin(g, "RandomUniform", "random_uniform/RandomUniform");
    tfc_node_add_input(b, shape);
    tfc_node_set_attr_type(b, "dtype", dt);
    tfc_node_set_attr_int(b, "seed", seed);
    tfc_node_set_attr_int(b, "seed2", seed2);
    tfc_out u = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out keep = tfc__op2(g, "GreaterEqual", "GreaterEqual", u,
                            tfc__const_scalar(g, "GreaterEqual/y", dt, rate));
    tfc_out scaled =
        tfc__op2(g, "Mul", "mul", x, tfc__const_scalar(g, "mul/y", dt, 1.0 / (1.0 - rate)));
    tfc_node_builder *c = tfc_node_begin(g, "Cast", "Cast");
    tfc_node_add_input(c, keep);
    tfc_node_set_attr_type(c, "DstT", dt);
    tfc_out mask = tfc_node_output(tfc_node_finish(c), 0);
    tfc_out y = tfc__op2(g, "Mul", "mul_1", scaled, mask);
    tfc_graph_pop_scope(g);
    if (y.node) tfc_out_set_shape(y, s, NULL);
    return y;
}

tfc_out tfc_layers_dropout(tfc_layers *L, tfc_out x, const tfc_dropout_opts *opts) {
    tfc_graph *g = L->g;
    tfc_dropout_opts o = {0};
    if (opts) o = *opts;
    const tfc__any_opts *d;
    for (int i = 0; (d = tfc__layers_default(L, TFC_LAYER_DROPOUT, i)); i++) merge(&o, &d->dropout);
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, "dropout", o.name, TFC_REUSE_UNSET)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!tfc__need_float(g, layer, x) || !tfc__check_training_flag(g, layer, o.training_flag))
        goto out;
    double rate = tfc__fval(o.rate, 0.5f);
    if (!(rate >= 0 && rate < 1)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: rate must be a scalar tensor or a float in the range [0, 1), got %g",
                       layer, rate);
        goto out;
    }
    bool training = tfc__flag(o.training, false);
    if (rate == 0 || (!o.training_flag.node && !training)) {
        y = tfc__op1(g, "Identity", "Identity", x);
        goto out;
    }
    y = dropped(L, x, rate, o.seed);
    if (o.training_flag.node) {
        tfc_node_builder *b = tfc_node_begin(g, "Select", "Select");
        tfc_node_add_input(b, o.training_flag);
        tfc_node_add_input(b, y);
        tfc_node_add_input(b, x);
        y = tfc_node_output(tfc_node_finish(b), 0);
    }
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}
