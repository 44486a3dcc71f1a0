/* tf.layers.dense: MatMul with a [in, units] kernel, BiasAdd, activation (TF1's core Dense). */
#include <stdio.h>

#include "layers/layers_int.h"

static void merge(tfc_dense_opts *o, const tfc_dense_opts *d) {
    if (!o->units) o->units = d->units;
    if (!o->activation) o->activation = d->activation;
    if (!o->use_bias) o->use_bias = d->use_bias;
    if (!o->kernel_initializer.kind) o->kernel_initializer = d->kernel_initializer;
    if (!o->bias_initializer.kind) o->bias_initializer = d->bias_initializer;
    if (!o->kernel_regularizer.kind) o->kernel_regularizer = d->kernel_regularizer;
    if (!o->bias_regularizer.kind) o->bias_regularizer = d->bias_regularizer;
    if (!o->trainable) o->trainable = d->trainable;
    if (!o->reuse) o->reuse = d->reuse;
}

/* x [d0, ..., d(r-2), in] times the kernel: a MatMul for rank 2; for higher ranks (TF's
 * tensordot) a reshape to [-1, in] and back to [d0, ..., units]. */
static tfc_out matmul(tfc_graph *g, const char *layer, tfc_out x, tfc_out kernel, int64_t units) {
    const tfc_shape *s = tfc_out_shape(x);
    if (s->rank == 2) return tfc__op2(g, "MatMul", "MatMul", x, kernel);
    int64_t back[TFC_MAX_RANK];
    for (int i = 0; i < s->rank - 1; i++) {
        back[i] = i == 0 ? -1 : s->dims[i];
        if (i > 0 && s->dims[i] < 0) {
            char sb[160];
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                           "%s: for inputs of rank above 2 only the first dimension may be "
                           "unknown; input shape %s",
                           layer, tfc_shape_to_string(s, sb, sizeof sb));
            return (tfc_out){NULL, 0};
        }
    }
    back[s->rank - 1] = units;
    const char *scope = tfc_graph_push_scope(g, "Tensordot");
    if (!scope) return (tfc_out){NULL, 0};
    int64_t flat[2] = {-1, s->dims[s->rank - 1]};
    tfc_out x2 = tfc__op2(g, "Reshape", "Reshape", x, tfc__const_i32(g, "shape", flat, 2));
    tfc_out y2 = tfc__op2(g, "MatMul", "MatMul", x2, kernel);
    char buf[1024];
    tfc_out y = tfc__op2(g, "Reshape", tfc__exact(scope, buf, sizeof buf), y2,
                         tfc__const_i32(g, "output_shape", back, s->rank));
    tfc_graph_pop_scope(g);
    if (y.node && s->dims[0] >= 0) {
        tfc_shape full = *s;
        full.dims[s->rank - 1] = units;
        tfc_out_set_shape(y, &full, NULL);
    }
    return y;
}

tfc_out tfc_layers_dense(tfc_layers *L, tfc_out x, const tfc_dense_opts *opts) {
    tfc_graph *g = L->g;
    tfc_dense_opts o = {0};
    if (opts) o = *opts;
    const tfc__any_opts *d;
    for (int i = 0; (d = tfc__layers_default(L, TFC_LAYER_DENSE, i)); i++) merge(&o, &d->dense);
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, "dense", o.name, o.reuse)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!tfc__need_float(g, layer, x)) goto out;
    const tfc_shape *s = tfc_out_shape(x);
    char sb[160];
    if (o.units <= 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: units must be positive, got %lld", layer,
                       (long long)o.units);
        goto out;
    }
    if (s->rank < 2 || s->dims[s->rank - 1] < 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: the input must have rank >= 2 and a defined last dimension, got "
                       "shape %s",
                       layer, tfc_shape_to_string(s, sb, sizeof sb));
        goto out;
    }
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    bool trainable = tfc__flag(o.trainable, true);
    tfc_shape ks = tfc_shape_make(2, (int64_t[]){s->dims[s->rank - 1], o.units});
    tfc_var kernel = tfc__layer_weight(L, "kernel", &ks, dt, &o.kernel_initializer,
                                       &o.kernel_regularizer, trainable);
    tfc_var bias = {{NULL, 0}, {NULL, 0}, NULL};
    if (tfc__flag(o.use_bias, true)) {
        tfc_initializer bi = o.bias_initializer;
        if (!bi.kind) bi.kind = TFC_INIT_ZEROS; /* TF's bias default, not the scope's */
        tfc_shape bs = tfc_shape_make(1, &o.units);
        bias = tfc__layer_weight(L, "bias", &bs, dt, &bi, &o.bias_regularizer, trainable);
    }
    if (tfc_graph_status(g, NULL) != TFC_OK) goto out;
    y = matmul(g, layer, x, kernel.value, o.units);
    if (bias.value.node) y = tfc__op2(g, "BiasAdd", "BiasAdd", y, bias.value);
    y = tfc_layers_activation(L, o.activation, y);
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}
