/* tf.layers.batch_normalization over the last axis with FusedBatchNormV3 (TF's fused path), the
 * moving statistics updated by AssignMovingAvg ops in UPDATE_OPS, and a training switch. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static void merge(tfc_batch_norm_opts *o, const tfc_batch_norm_opts *d) {
    o->momentum = tfc__fpick(o->momentum, d->momentum);
    o->epsilon = tfc__fpick(o->epsilon, d->epsilon);
    if (!o->center) o->center = d->center;
    if (!o->scale) o->scale = d->scale;
    if (!o->beta_initializer.kind) o->beta_initializer = d->beta_initializer;
    if (!o->gamma_initializer.kind) o->gamma_initializer = d->gamma_initializer;
    if (!o->moving_mean_initializer.kind) o->moving_mean_initializer = d->moving_mean_initializer;
    if (!o->moving_variance_initializer.kind)
        o->moving_variance_initializer = d->moving_variance_initializer;
    if (!o->beta_regularizer.kind) o->beta_regularizer = d->beta_regularizer;
    if (!o->gamma_regularizer.kind) o->gamma_regularizer = d->gamma_regularizer;
    tfc__merge_training(&o->training, &o->training_flag, d->training, d->training_flag);
    if (!o->trainable) o->trainable = d->trainable;
    if (!o->reuse) o->reuse = d->reuse;
}

static tfc_initializer init_or(tfc_initializer i, tfc_init_kind def) {
    if (!i.kind) i.kind = def; /* TF's explicit defaults: the scope's initializer never applies */
    return i;
}

static tfc_node *fused(tfc_graph *g, tfc_out x, tfc_out gamma, tfc_out beta, tfc_out mean,
                       tfc_out var, float eps, bool training) {
    tfc_node_builder *b = tfc_node_begin(g, "FusedBatchNormV3", "FusedBatchNormV3");
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, gamma);
    tfc_node_add_input(b, beta);
    tfc_node_add_input(b, mean);
    tfc_node_add_input(b, var);
    tfc_node_set_attr_float(b, "epsilon", eps);
    tfc_node_set_attr_string(b, "data_format", "NHWC", 4);
    tfc_node_set_attr_bool(b, "is_training", training);
    return tfc_node_finish(b);
}

/* TF's _assign_moving_average under "AssignMovingAvg": variable -= (variable - value) * decay
 * with decay = 1 - momentum, named as TF names it ("sub/x", "sub", "sub_1", "mul"). Returns the
 * update: AssignSub named after the scope for a ref variable; for a resource variable the
 * AssignSubVariableOp "AssignMovingAvg/AssignSubVariableOp", which has no outputs, so the item
 * is {node, 0} (TF's UPDATE_OPS holds operations too). */
static tfc_out assign_moving_average(tfc_graph *g, tfc_var v, tfc_out value, tfc_out momentum) {
    const char *scope = tfc_graph_push_scope(g, "AssignMovingAvg");
    if (!scope) return (tfc_out){NULL, 0};
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(value));
    tfc_out decay = tfc__op2(g, "Sub", "sub", tfc__const_scalar(g, "sub/x", dt, 1), momentum);
    tfc_out delta = tfc__op2(g, "Mul", "mul", tfc__op2(g, "Sub", "sub_1", v.value, value), decay);
    char buf[1024];
    tfc_out out = {NULL, 0};
    if (tfc_dtype_base(tfc_out_dtype(v.ref)) != TFC_DT_RESOURCE) {
        out = tfc__op2(g, "AssignSub", tfc__exact(scope, buf, sizeof buf), v.ref, delta);
    } else {
        tfc_node_builder *b = tfc_node_begin(g, "AssignSubVariableOp", "AssignSubVariableOp");
        tfc_node_add_input(b, v.ref);
        tfc_node_add_input(b, delta);
        out.node = tfc_node_finish(b);
    }
    tfc_graph_pop_scope(g);
    return out;
}

/* The unfused path's biased variance from the fused op's Bessel-corrected one:
 * var * (n - 1) / n with n = size(x) / C, computed at run time since the batch may be unknown. */
static tfc_out unbessel(tfc_graph *g, tfc_out x4, tfc_out var, int64_t channels) {
    tfc_node_builder *b = tfc_node_begin(g, "Cast", "Cast");
    tfc_node_add_input(b, tfc__op1(g, "Size", "Size", x4));
    tfc_node_set_attr_type(b, "DstT", TFC_DT_FLOAT);
    tfc_out size = tfc_node_output(tfc_node_finish(b), 0);
    tfc_out n = tfc__op2(g, "RealDiv", "truediv", size,
                         tfc__const_scalar(g, "channels", TFC_DT_FLOAT, (double)channels));
    tfc_out nm1 = tfc__op2(g, "Sub", "sub", n, tfc__const_scalar(g, "one", TFC_DT_FLOAT, 1));
    return tfc__op2(g, "Mul", "mul", var, tfc__op2(g, "RealDiv", "truediv_1", nm1, n));
}

tfc_out tfc_layers_batch_normalization(tfc_layers *L, tfc_out x, const tfc_batch_norm_opts *opts) {
    tfc_graph *g = L->g;
    tfc_batch_norm_opts o = {0};
    if (opts) o = *opts;
    const tfc__any_opts *d;
    for (int i = 0; (d = tfc__layers_default(L, TFC_LAYER_BATCH_NORMALIZATION, i)); i++)
        merge(&o, &d->batch_norm);
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, "batch_normalization", o.name, o.reuse)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!x.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no input", layer);
        goto out;
    }
    if (!tfc__check_training_flag(g, layer, o.training_flag)) goto out;
    const tfc_shape *s = tfc_out_shape(x);
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    char sb[160];
    if (dt != TFC_DT_FLOAT) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: the input must be float32, got %s", layer,
                       tfc_dtype_name(dt));
        goto out;
    }
    if (s->rank < 1 || s->dims[s->rank - 1] < 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: Input has undefined `axis` dimension. Input shape: %s", layer,
                       tfc_shape_to_string(s, sb, sizeof sb));
        goto out;
    }
    const int64_t c = s->dims[s->rank - 1];
    double momentum = tfc__fval(o.momentum, 0.99f), eps = tfc__fval(o.epsilon, 1e-3f);
    if (eps < 1.001e-5) eps = 1.001e-5; /* TF's fused_batch_norm floor */
    bool center = tfc__flag(o.center, true), scale = tfc__flag(o.scale, true);
    bool trainable = tfc__flag(o.trainable, true);
    bool training = tfc__flag(o.training, false);
    tfc_out flag = o.training_flag;
    bool build_train = flag.node || training, build_infer = flag.node || !training;

    tfc_shape ps = tfc_shape_make(1, &c);
    tfc_initializer gi = init_or(o.gamma_initializer, TFC_INIT_ONES);
    tfc_initializer bi = init_or(o.beta_initializer, TFC_INIT_ZEROS);
    tfc_initializer mi = init_or(o.moving_mean_initializer, TFC_INIT_ZEROS);
    tfc_initializer vi = init_or(o.moving_variance_initializer, TFC_INIT_ONES);
    tfc_var gamma = {{NULL, 0}, {NULL, 0}, NULL}, beta = gamma;
    if (scale) gamma = tfc__layer_weight(L, "gamma", &ps, dt, &gi, &o.gamma_regularizer, trainable);
    if (center) beta = tfc__layer_weight(L, "beta", &ps, dt, &bi, &o.beta_regularizer, trainable);
    tfc_var mm = tfc__layer_weight(L, "moving_mean", &ps, dt, &mi, NULL, false);
    tfc_var mv = tfc__layer_weight(L, "moving_variance", &ps, dt, &vi, NULL, false);
    if (tfc_graph_status(g, NULL) != TFC_OK) goto out;
    tfc_out gamma_t = scale ? gamma.value : tfc__const_fill(g, "Const", dt, &ps, 1);
    tfc_out beta_t = center ? beta.value : tfc__const_fill(g, "Const", dt, &ps, 0);

    /* Other ranks go through the fused op as [-1, 1, 1, C]: the statistics per channel over
     * every other axis are what TF's unfused path computes for axis=-1. */
    tfc_out x4 = x;
    if (s->rank != 4)
        x4 = tfc__op2(g, "Reshape", "Reshape", x,
                      tfc__const_i32(g, "Reshape/shape", (int64_t[]){-1, 1, 1, c}, 4));
    tfc_node *train_bn = NULL, *infer_bn = NULL;
    if (build_train) {
        tfc_shape empty = tfc_shape_make(1, (int64_t[]){0});
        tfc_out e1 = tfc__const_fill(g, "Const", dt, &empty, 0);
        tfc_out e2 = tfc__const_fill(g, "Const", dt, &empty, 0);
        train_bn = fused(g, x4, gamma_t, beta_t, e1, e2, (float)eps, true);
    }
    if (build_infer)
        infer_bn = fused(g, x4, gamma_t, beta_t, mm.value, mv.value, (float)eps, false);
    if (flag.node) {
        tfc_node_builder *b = tfc_node_begin(g, "Select", "Select");
        tfc_node_add_input(b, flag);
        tfc_node_add_input(b, tfc_node_output(train_bn, 0));
        tfc_node_add_input(b, tfc_node_output(infer_bn, 0));
        y = tfc_node_output(tfc_node_finish(b), 0);
    } else {
        y = tfc_node_output(training ? train_bn : infer_bn, 0);
    }
    if (s->rank != 4) {
        tfc_out shape = tfc_shape_is_fully_defined(s) ? tfc__const_i32(g, "Shape", s->dims, s->rank)
                                                      : tfc__op1(g, "Shape", "Shape", x);
        y = tfc__op2(g, "Reshape", "Reshape_1", y, shape);
        if (y.node) tfc_out_set_shape(y, s, NULL);
    }
    if (build_train && train_bn) {
        tfc_out mean = tfc_node_output(train_bn, 1), var = tfc_node_output(train_bn, 2);
        if (s->rank != 4) var = unbessel(g, x4, var, c);
        /* With a flag, momentum is 1 (no change) in runs that do not train, as TF's
         * smart_cond(training, momentum, 1.0) makes it. */
        tfc_out mom = tfc__const_scalar(g, "Const", dt, momentum);
        if (flag.node) {
            tfc_node_builder *b = tfc_node_begin(g, "Select", "momentum");
            tfc_node_add_input(b, flag);
            tfc_node_add_input(b, mom);
            tfc_node_add_input(b, tfc__const_scalar(g, "Const", dt, 1));
            mom = tfc_node_output(tfc_node_finish(b), 0);
        }
        tfc_out u1 = assign_moving_average(g, mm, mean, mom);
        tfc_out u2 = assign_moving_average(g, mv, var, mom);
        if (tfc_graph_status(g, NULL) == TFC_OK) {
            tfc_graph_add_to_collection(g, TFC_UPDATE_OPS, u1);
            tfc_graph_add_to_collection(g, TFC_UPDATE_OPS, u2);
        }
    }
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}
