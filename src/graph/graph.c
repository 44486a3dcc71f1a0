/* The graph handle: lifetime, the sticky status, node lookup and the node/output accessors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

tfc_graph *tfc_graph_new(void) {
    return tfc_calloc(1, sizeof(tfc_graph));
}

void tfc__node_free(tfc_node *n) {
    if (!n) return;
    tfc_free(n->name), tfc_free(n->op_name), tfc_free(n->device);
    tfc_free(n->inputs), tfc_free(n->ctrl);
    tfc__attrs_free(n->attrs, n->num_attrs);
    tfc_free(n->out_dtypes), tfc_free(n->out_shapes);
    tfc_free(n);
}

void tfc_graph_free(tfc_graph *g) {
    if (!g) return;
    for (int64_t k = 0; k < g->n_nodes; k++) tfc__node_free(g->nodes[k]);
    tfc_free(g->nodes);
    tfc__strmap_free(&g->by_name);
    tfc__strmap_free(&g->names_in_use);
    tfc__arena_free(&g->strings);
    tfc_free(g->scopes);
    for (int k = 0; k < g->n_ctrl; k++) tfc_free(g->ctrl[k].nodes);
    tfc_free(g->ctrl);
    for (int k = 0; k < g->n_colls; k++) tfc_free(g->colls[k].items);
    tfc_free(g->colls);
    if (g->library) tfc__proto_free(&g->library->base);
    tfc_free(g);
}

tfc_code tfc_graph_status(const tfc_graph *g, tfc_status *st) {
    if (!g) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "graph is NULL");
    if (st) *st = g->status;
    return g->status.code;
}

tfc_code tfc_graph_fail(tfc_graph *g, tfc_code code, const char *fmt, ...) {
    if (!g) return TFC_INVALID_ARGUMENT;
    if (g->status.code == TFC_OK && code != TFC_OK) {
        va_list ap;
        va_start(ap, fmt);
        g->status.code = code;
        vsnprintf(g->status.msg, sizeof g->status.msg, fmt, ap);
        va_end(ap);
    }
    return g->status.code;
}

tfc_code tfc__graph_set_error(tfc_graph *g, const tfc_status *st) {
    if (g->status.code == TFC_OK && st->code != TFC_OK) g->status = *st;
    return g->status.code;
}

tfc_code tfc__graph_reserve(tfc_graph *g, int64_t more, tfc_status *st) {
    if (g->n_nodes + more > g->cap_nodes) {
        int64_t cap = g->cap_nodes ? g->cap_nodes : 16;
        while (cap < g->n_nodes + more) cap *= 2;
        tfc_node **nodes = tfc_realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) goto oom;
        g->nodes = nodes, g->cap_nodes = cap;
    }
    if (!tfc__strmap_reserve(&g->by_name, (size_t)more)) goto oom;
    return TFC_OK;
oom:
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory adding %lld nodes",
                          (long long)more);
}

void tfc__graph_append(tfc_graph *g, tfc_node *n) {
    n->graph = g;
    n->id = g->n_nodes;
    g->nodes[g->n_nodes++] = n;
    tfc__strmap_put(&g->by_name, n->name, n->id); /* room reserved: cannot fail */
}

int64_t tfc_graph_num_nodes(const tfc_graph *g) {
    return g ? g->n_nodes : 0;
}

tfc_node *tfc_graph_node(const tfc_graph *g, int64_t i) {
    return g && i >= 0 && i < g->n_nodes ? g->nodes[i] : NULL;
}

tfc_node *tfc_graph_find(const tfc_graph *g, const char *name) {
    int64_t i;
    if (!g || !name || !tfc__strmap_get(&g->by_name, name, &i)) return NULL;
    return g->nodes[i];
}

tfc_out tfc_graph_find_output(const tfc_graph *g, const char *name) {
    tfc_out none = {NULL, 0};
    if (!g || !name) return none;
    const char *colon = strrchr(name, ':');
    long idx = 0;
    char buf[512];
    if (colon && colon[1]) {
        char *end;
        idx = strtol(colon + 1, &end, 10);
        if (*end || colon[1] == '-' || colon[1] == '+' || idx > 1 << 30) return none;
        size_t len = (size_t)(colon - name);
        if (len >= sizeof buf) return none;
        memcpy(buf, name, len);
        buf[len] = '\0';
        name = buf;
    }
    tfc_node *n = tfc_graph_find(g, name);
    if (!n || idx >= n->num_outputs) return none;
    return (tfc_out){n, (int)idx};
}

/* ---- Nodes ---- */

const char *tfc_node_name(const tfc_node *n) {
    return n ? n->name : NULL;
}

const char *tfc_node_op(const tfc_node *n) {
    return n ? n->op_name : NULL;
}

const char *tfc_node_device(const tfc_node *n) {
    return n ? n->device : NULL;
}

int64_t tfc_node_id(const tfc_node *n) {
    return n ? n->id : -1;
}

int tfc_node_num_inputs(const tfc_node *n) {
    return n ? n->num_inputs : 0;
}

tfc_out tfc_node_input(const tfc_node *n, int i) {
    if (!n || i < 0 || i >= n->num_inputs) return (tfc_out){NULL, 0};
    return n->inputs[i];
}

int tfc_node_num_control_inputs(const tfc_node *n) {
    return n ? n->num_ctrl : 0;
}

tfc_node *tfc_node_control_input(const tfc_node *n, int i) {
    return n && i >= 0 && i < n->num_ctrl ? n->ctrl[i] : NULL;
}

int tfc_node_num_outputs(const tfc_node *n) {
    return n ? n->num_outputs : 0;
}

tfc_out tfc_node_output(tfc_node *n, int i) {
    if (!n || i < 0 || i >= n->num_outputs) return (tfc_out){NULL, 0};
    return (tfc_out){n, i};
}

static bool valid_out(tfc_out o) {
    return o.node && o.index >= 0 && o.index < o.node->num_outputs;
}

tfc_dtype tfc_out_dtype(tfc_out o) {
    return valid_out(o) ? o.node->out_dtypes[o.index] : TFC_DT_INVALID;
}

const tfc_shape *tfc_out_shape(tfc_out o) {
    return valid_out(o) ? &o.node->out_shapes[o.index] : NULL;
}

tfc_code tfc_out_set_shape(tfc_out o, const tfc_shape *s, tfc_status *st) {
    char a[128], b[128];
    if (!valid_out(o) || !s)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_out_set_shape: no such output");
    if (tfc_shape_check(s->rank, s->dims, st)) return TFC_INVALID_ARGUMENT;
    tfc_shape *cur = &o.node->out_shapes[o.index], merged;
    if (!tfc_shape_merge(cur, s, &merged))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "node '%s' output %d has shape %s, which is not compatible with %s",
                              o.node->name, o.index, tfc_shape_to_string(cur, a, sizeof a),
                              tfc_shape_to_string(s, b, sizeof b));
    *cur = merged;
    return TFC_OK;
}
