/* Collections (tf.add_to_collection / tf.get_collection): named lists of outputs, filtered by
 * scope when read. */
#include <string.h>

#include "graph/graph_int.h"

static tfc__collection *find(const tfc_graph *g, const char *key) {
    for (int k = 0; k < g->n_colls; k++)
        if (!strcmp(g->colls[k].key, key)) return &g->colls[k];
    return NULL;
}

void tfc_graph_add_to_collection(tfc_graph *g, const char *key, tfc_out item) {
    if (!g || !key || !item.node || g->status.code != TFC_OK) return; /* sticky error */
    if (item.node->graph != g) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "collection '%s': node '%s' belongs to another graph", key, item.node->name);
        return;
    }
    tfc__collection *c = find(g, key);
    if (!c) {
        if (g->n_colls == g->cap_colls) {
            int cap = g->cap_colls ? 2 * g->cap_colls : 8;
            tfc__collection *cs = tfc_realloc(g->colls, (size_t)cap * sizeof *cs);
            if (!cs) goto oom;
            g->colls = cs, g->cap_colls = cap;
        }
        const char *k = tfc__arena_strdup(&g->strings, key);
        if (!k) goto oom;
        c = &g->colls[g->n_colls++];
        *c = (tfc__collection){.key = k};
    }
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        tfc_out *items = tfc_realloc(c->items, (size_t)cap * sizeof *items);
        if (!items) goto oom;
        c->items = items, c->cap = cap;
    }
    c->items[c->n++] = item;
    return;
oom:
    tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory adding to collection '%s'", key);
}

/* Whether a node name lies in scope: the scope is a prefix that ends at a '/' (or the name's
 * end), so "dense" holds "dense" and "dense/kernel" but not "dense_1/kernel". */
static bool in_scope(const char *name, const char *scope, size_t len) {
    if (strncmp(name, scope, len)) return false;
    if (scope[len - 1] == '/') return true;
    return name[len] == '\0' || name[len] == '/' || name[len] == ':';
}

int tfc_graph_get_collection(const tfc_graph *g, const char *key, const char *scope, tfc_out *items,
                             int max) {
    if (!g || !key) return 0;
    const tfc__collection *c = find(g, key);
    if (!c) return 0;
    size_t len = scope ? strlen(scope) : 0;
    int total = 0;
    for (int k = 0; k < c->n; k++) {
        if (len && !in_scope(c->items[k].node->name, scope, len)) continue;
        if (items && total < max) items[total] = c->items[k];
        total++;
    }
    return total;
}

int tfc_graph_num_collections(const tfc_graph *g) {
    return g ? g->n_colls : 0;
}

const char *tfc_graph_collection_key(const tfc_graph *g, int i) {
    return g && i >= 0 && i < g->n_colls ? g->colls[i].key : NULL;
}
