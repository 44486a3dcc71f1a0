/* tf.layers.max_pooling2d and average_pooling2d on NHWC: one MaxPool / AvgPool each. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static void merge(tfc_pool2d_opts *o, const tfc_pool2d_opts *d) {
    if (!o->pool_size[0]) o->pool_size[0] = d->pool_size[0], o->pool_size[1] = d->pool_size[1];
    if (!o->strides[0]) o->strides[0] = d->strides[0], o->strides[1] = d->strides[1];
    if (!o->padding) o->padding = d->padding;
}

static tfc_out pool(tfc_layers *L, tfc_layer_kind kind, const char *base, const char *op, tfc_out x,
                    const tfc_pool2d_opts *opts) {
    tfc_graph *g = L->g;
    tfc_pool2d_opts o = {0};
    if (opts) o = *opts;
    const tfc__any_opts *d;
    for (int i = 0; (d = tfc__layers_default(L, kind, i)); i++) merge(&o, &d->pool2d);
    tfc_out y = {NULL, 0};
    if (!tfc__layer_begin(L, base, o.name, TFC_REUSE_UNSET)) goto out;
    const char *layer = tfc_layers_var_scope(L);
    if (!tfc__need_float(g, layer, x)) goto out;
    const tfc_shape *s = tfc_out_shape(x);
    int64_t k[2], st[2];
    tfc__pair(o.pool_size, 0, k);
    tfc__pair(o.strides, 0, st);
    if (!st[0]) st[0] = k[0], st[1] = k[1];
    char sb[160];
    if (k[0] <= 0 || k[1] <= 0 || st[0] <= 0 || st[1] <= 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: pool_size (required) and strides must be positive, got pool_size "
                       "(%lld, %lld), strides (%lld, %lld)",
                       layer, (long long)k[0], (long long)k[1], (long long)st[0], (long long)st[1]);
        goto out;
    }
    if (o.padding != TFC_PADDING_UNSET && o.padding != TFC_SAME && o.padding != TFC_VALID) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: unknown padding %d", layer, (int)o.padding);
        goto out;
    }
    if (s->rank != 4) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: the input must be NHWC of rank 4, got shape %s", layer,
                       tfc_shape_to_string(s, sb, sizeof sb));
        goto out;
    }
    tfc_node_builder *b = tfc_node_begin(g, op, op);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_int_list(b, "ksize", (int64_t[]){1, k[0], k[1], 1}, 4);
    tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, st[0], st[1], 1}, 4);
    const char *pad = tfc__padding_name(o.padding);
    tfc_node_set_attr_string(b, "padding", pad, strlen(pad));
    tfc_node_set_attr_string(b, "data_format", "NHWC", 4);
    y = tfc_node_output(tfc_node_finish(b), 0);
out:
    tfc__layer_end(L);
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    return y;
}

tfc_out tfc_layers_max_pooling2d(tfc_layers *L, tfc_out x, const tfc_pool2d_opts *opts) {
    return pool(L, TFC_LAYER_MAX_POOLING2D, "max_pooling2d", "MaxPool", x, opts);
}

tfc_out tfc_layers_average_pooling2d(tfc_layers *L, tfc_out x, const tfc_pool2d_opts *opts) {
    return pool(L, TFC_LAYER_AVERAGE_POOLING2D, "average_pooling2d", "AvgPool", x, opts);
}
