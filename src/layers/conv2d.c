/* tf.layers.conv2d on NHWC: Conv2D with a [kh, kw, in, filters] kernel, BiasAdd, activation. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static void merge(tfc_conv2d_opts *o, const tfc_conv2d_opts *d) {
    if (!o->filters) o->filters = d->filters;
    if (!o->kernel_size[0])
        o->kernel_size[0] = d->kernel_size[0], o->kernel_size[1] = d->kernel_size[1];
    if (!o->strides[0]) o->strides[0] = d->strides[0], o->strides[1] = d->strides[1];
    if (!o->padding) o->padding = d->padding;
    if (!o->dilation_rate[0])
        o->dilation_rate[0] = d->dilation_rate[0], o->dilation_rate[1] = d->dilation_rate[1];
    if (!o->activation) o->activation = d->activation;
    if (!o->use_bias) o->use_bias = d->use_bias;
    if (!o->kernel_initializer.kind) o->kernel_initializer = d->kernel_initializer;
    if (!o->bias_initializer.kind) o->bias_initializer = d->bias_initializer;
    if (!o->kernel_regularizer.kind) o->kernel_regularizer = d->kernel_regularizer;
    if (!o->bias_regularizer.kind) o->bias_regularizer = d->bias_regularizer;
    if (!o->trainable) o->trainable = d->trainable;
    if (!o->reuse) o->reuse = d->reuse;
}

tfc_out tfc_layers_conv2d(tfc_layers *L, tfc_out x, const tfc_conv2d_opts *opts) {
    tfc_graph *g = L->g;
    tfc_conv2d_opts o = {0};
    if (opts) o = *opts;
    const tfc__any_opts *d;
    for (int i = 0; (d = tfc__layers_default(L, TFC_LAYER_CONV2D, i)); i++) merge(&o, &d->conv2d);
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, "conv2d", o.name, o.reuse)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!tfc__need_float(g, layer, x)) goto out;
    const tfc_shape *s = tfc_out_shape(x);
    int64_t k[2], st[2], dl[2];
    tfc__pair(o.kernel_size, 0, k);
    tfc__pair(o.strides, 1, st);
    tfc__pair(o.dilation_rate, 1, dl);
    char sb[160];
    if (o.filters <= 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: filters must be positive, got %lld", layer,
                       (long long)o.filters);
        goto out;
    }
    if (k[0] <= 0 || k[1] <= 0 || st[0] <= 0 || st[1] <= 0 || dl[0] <= 0 || dl[1] <= 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: kernel_size (required), strides and dilation_rate must be positive, "
                       "got kernel_size (%lld, %lld), strides (%lld, %lld), dilation_rate "
                       "(%lld, %lld)",
                       layer, (long long)k[0], (long long)k[1], (long long)st[0], (long long)st[1],
                       (long long)dl[0], (long long)dl[1]);
        goto out;
    }
    if ((st[0] > 1 || st[1] > 1) && (dl[0] > 1 || dl[1] > 1)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: strides > 1 not supported in conjunction with dilation_rate > 1",
                       layer);
        goto out;
    }
    if (o.padding != TFC_PADDING_UNSET && o.padding != TFC_SAME && o.padding != TFC_VALID) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: unknown padding %d", layer, (int)o.padding);
        goto out;
    }
    if (s->rank != 4 || s->dims[3] < 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: the input must be NHWC of rank 4 with a defined channel dimension, "
                       "got shape %s",
                       layer, tfc_shape_to_string(s, sb, sizeof sb));
        goto out;
    }
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    bool trainable = tfc__flag(o.trainable, true);
    tfc_shape ks = tfc_shape_make(4, (int64_t[]){k[0], k[1], s->dims[3], o.filters});
    tfc_var kernel = tfc__layer_weight(L, "kernel", &ks, dt, &o.kernel_initializer,
                                       &o.kernel_regularizer, trainable);
    tfc_var bias = {{NULL, 0}, {NULL, 0}, NULL};
    if (tfc__flag(o.use_bias, true)) {
        tfc_initializer bi = o.bias_initializer;
        if (!bi.kind) bi.kind = TFC_INIT_ZEROS;
        tfc_shape bs = tfc_shape_make(1, &o.filters);
        bias = tfc__layer_weight(L, "bias", &bs, dt, &bi, &o.bias_regularizer, trainable);
    }
    if (tfc_graph_status(g, NULL) != TFC_OK) goto out;
    tfc_node_builder *b = tfc_node_begin(g, "Conv2D", "Conv2D");
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, kernel.value);
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, st[0], st[1], 1}, 4);
    const char *pad = tfc__padding_name(o.padding);
    tfc_node_set_attr_string(b, "padding", pad, strlen(pad));
    tfc_node_set_attr_int_list(b, "dilations", (int64_t[]){1, dl[0], dl[1], 1}, 4);
    tfc_node_set_attr_string(b, "data_format", "NHWC", 4);
    y = tfc_node_output(tfc_node_finish(b), 0);
    if (bias.value.node) y = tfc__op2(g, "BiasAdd", "BiasAdd", y, bias.value);
    y = tfc_layers_activation(L, o.activation, y);
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}
