/* GraphDef export: the graph as a protobuf-c message tree in an arena (names and values borrowed
 * from the nodes), packed as binary or printed as text format. Deterministic: nodes in creation
 * order, attrs sorted by name, single values in TensorProto's typed fields and arrays in
 * tensor_content, so export -> import -> export gives the same bytes. */
#include <stdio.h>
#include <string.h>

#include "graph/graph_int.h"
#include "proto/textformat.h"

static char *input_name(tfc__arena *a, const tfc_node *src, int index, bool ctrl) {
    size_t n = strlen(src->name) + 16;
    char *s = tfc__arena_alloc(a, n);
    if (!s) return NULL;
    if (ctrl)
        snprintf(s, n, "^%s", src->name);
    else if (index)
        snprintf(s, n, "%s:%d", src->name, index);
    else
        snprintf(s, n, "%s", src->name);
    return s;
}

static Tensorflow__NodeDef *node_def(const tfc_node *n, tfc__arena *a) {
    Tensorflow__NodeDef *nd = tfc__arena_message(a, &tensorflow__node_def__descriptor);
    if (!nd) return NULL;
    nd->name = n->name, nd->op = n->op_name;
    if (n->device[0]) nd->device = n->device;
    nd->n_input = (size_t)(n->num_inputs + n->num_ctrl);
    if (nd->n_input && !(nd->input = tfc__arena_alloc(a, nd->n_input * sizeof *nd->input)))
        return NULL;
    for (int k = 0; k < n->num_inputs; k++)
        if (!(nd->input[k] = input_name(a, n->inputs[k].node, n->inputs[k].index, false)))
            return NULL;
    for (int k = 0; k < n->num_ctrl; k++)
        if (!(nd->input[n->num_inputs + k] = input_name(a, n->ctrl[k], 0, true))) return NULL;
    nd->n_attr = (size_t)n->num_attrs;
    if (nd->n_attr && !(nd->attr = tfc__arena_alloc(a, nd->n_attr * sizeof *nd->attr))) return NULL;
    for (int k = 0; k < n->num_attrs; k++) { /* already sorted by name */
        Tensorflow__NodeDef__AttrEntry *e =
            tfc__arena_message(a, &tensorflow__node_def__attr_entry__descriptor);
        if (!e || !(e->value = tfc__attr_to_pb(&n->attrs[k].v, a))) return NULL;
        e->key = n->attrs[k].name;
        nd->attr[k] = e;
    }
    return nd;
}

static Tensorflow__GraphDef *graph_def(const tfc_graph *g, tfc__arena *a) {
    Tensorflow__GraphDef *gd = tfc__arena_message(a, &tensorflow__graph_def__descriptor);
    Tensorflow__VersionDef *ver = tfc__arena_message(a, &tensorflow__version_def__descriptor);
    if (!gd || !ver) return NULL;
    ver->producer = TFC_GRAPH_DEF_PRODUCER;
    gd->versions = ver;
    gd->library = g->library;
    gd->n_node = (size_t)g->n_nodes;
    if (gd->n_node && !(gd->node = tfc__arena_alloc(a, gd->n_node * sizeof *gd->node))) return NULL;
    for (int64_t k = 0; k < g->n_nodes; k++)
        if (!(gd->node[k] = node_def(g->nodes[k], a))) return NULL;
    return gd;
}

tfc_code tfc_graph_to_graphdef(const tfc_graph *g, uint8_t **out, size_t *n, tfc_status *st) {
    *out = NULL, *n = 0;
    if (!g) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "graph is NULL");
    tfc__arena a = {0};
    Tensorflow__GraphDef *gd = graph_def(g, &a);
    tfc_code c = gd && !a.oom ? tfc__proto_pack(&gd->base, out, n, st)
                              : tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                               "out of memory building the GraphDef");
    tfc__arena_free(&a);
    return c;
}

char *tfc_graph_to_text(const tfc_graph *g) {
    if (!g) return NULL;
    tfc__arena a = {0};
    Tensorflow__GraphDef *gd = graph_def(g, &a);
    char *text = gd && !a.oom ? tfc__text_print(&gd->base) : NULL;
    tfc__arena_free(&a);
    return text;
}
