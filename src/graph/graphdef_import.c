/* GraphDef import: decode (binary or text, told apart by trying), resolve the inputs by name,
 * order the nodes (they may come in any order; cycles are errors), make each node into a scratch
 * graph with the same validation as built nodes, then move the nodes into the caller's graph. Any
 * error leaves the caller's graph as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"
#include "graph/op_def.h"
#include "proto/textformat.h"

typedef struct edge {
    int src;   /* index in the GraphDef */
    int index; /* output index; -1 for a control input */
} edge;

typedef struct import_ctx {
    const Tensorflow__GraphDef *gd;
    const char *prefix;
    tfc_status *st;
    int n;
    edge **edges; /* per node */
    int *n_edges;
    int *order;
    tfc_node **made;
    tfc__strmap names; /* GraphDef name -> index (keys borrowed from the GraphDef) */
    uint64_t filled;   /* bytes of tensors expanded from short value lists so far */
} import_ctx;

/* Text unless it holds control characters, which binary GraphDefs always have (field tags 0x12,
 * 0x1a, ...); decides which decoder's error to report when both fail. */
static bool looks_text(const uint8_t *p, size_t n) {
    for (size_t k = 0; k < n; k++)
        if ((p[k] < 0x20 && p[k] != '\n' && p[k] != '\r' && p[k] != '\t') || p[k] == 0x7f)
            return false;
    return true;
}

static tfc_code decode(const void *data, size_t n, Tensorflow__GraphDef **out, tfc_status *st) {
    ProtobufCMessage *m = NULL;
    tfc_status bin, text;
    tfc_code c =
        tfc__proto_unpack(&tensorflow__graph_def__descriptor, data, n, "GraphDef", &m, &bin);
    if (c == TFC_INVALID_ARGUMENT)
        c = tfc__text_parse(&tensorflow__graph_def__descriptor, data, n, TFC_TEXT_SKIP_UNKNOWN, &m,
                            &text);
    *out = (Tensorflow__GraphDef *)m;
    if (c == TFC_OK) return TFC_OK;
    if (c == TFC_RESOURCE_EXHAUSTED)
        return tfc_status_set(st, c, "out of memory reading a GraphDef");
    if (data && looks_text(data, n))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "GraphDef %s", text.msg);
    return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s", bin.msg);
}

static tfc_code fail_node(import_ctx *x, int k, const char *fmt, const char *arg) {
    char msg[TFC_STATUS_MSG_MAX];
    snprintf(msg, sizeof msg, fmt, arg);
    return tfc_status_set(x->st, TFC_INVALID_ARGUMENT, "node '%.200s': %s", x->gd->node[k]->name,
                          msg);
}

static tfc_code index_names(import_ctx *x) {
    if (!tfc__strmap_reserve(&x->names, (size_t)x->n)) goto oom;
    for (int k = 0; k < x->n; k++) {
        const char *name = x->gd->node[k]->name;
        if (!name || !*name)
            return tfc_status_set(x->st, TFC_INVALID_ARGUMENT,
                                  "node %d of the GraphDef has no name", k);
        if (!tfc__valid_node_name(name))
            return tfc_status_set(x->st, TFC_INVALID_ARGUMENT, "node name '%.200s' is not valid",
                                  name);
        if (tfc__strmap_get(&x->names, name, NULL))
            return tfc_status_set(x->st, TFC_INVALID_ARGUMENT,
                                  "node name '%.200s' appears twice in the GraphDef", name);
        tfc__strmap_put(&x->names, name, k);
        /* Unknown ops first: a TF1 while_loop (Enter, Merge, NextIteration) would otherwise be
         * reported as a cycle, hiding the one error that matters. */
        const char *op = x->gd->node[k]->op;
        bool pre = x->prefix && *x->prefix;
        if (op && *op && !tfc__op_lookup(op))
            return tfc_status_set(x->st, TFC_UNIMPLEMENTED,
                                  "op '%.100s' (node '%s%s%.200s') is not supported by tfc", op,
                                  pre ? x->prefix : "", pre ? "/" : "", name);
    }
    return TFC_OK;
oom:
    return tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory importing a GraphDef");
}

/* "name", "name:3" or "^name" -> edge. */
static tfc_code parse_input(import_ctx *x, int k, const char *s, edge *e) {
    bool ctrl = s[0] == '^';
    const char *name = s + ctrl, *colon = strrchr(name, ':');
    size_t len = strlen(name);
    long idx = 0;
    if (colon && !ctrl) {
        const char *d = colon + 1;
        size_t nd = strspn(d, "0123456789");
        if (nd == 0 || d[nd] || nd > 9) return fail_node(x, k, "input '%.200s' is malformed", s);
        idx = strtol(d, NULL, 10);
        len = (size_t)(colon - name);
    }
    char *buf = tfc_malloc(len + 1);
    if (!buf) return tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    memcpy(buf, name, len);
    buf[len] = '\0';
    int64_t src;
    bool found = tfc__strmap_get(&x->names, buf, &src);
    tfc_free(buf);
    if (!found) return fail_node(x, k, "input '%.200s' is not a node of the GraphDef", s);
    *e = (edge){(int)src, ctrl ? -1 : (int)idx};
    return TFC_OK;
}

static tfc_code parse_edges(import_ctx *x) {
    for (int k = 0; k < x->n; k++) {
        const Tensorflow__NodeDef *nd = x->gd->node[k];
        if (nd->n_input > (size_t)(1 << 24)) return fail_node(x, k, "%s", "too many inputs");
        if (nd->n_input && !(x->edges[k] = tfc_calloc(nd->n_input, sizeof **x->edges)))
            return tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory");
        bool seen_ctrl = false;
        for (size_t j = 0; j < nd->n_input; j++) {
            const char *s = nd->input[j] ? nd->input[j] : "";
            tfc_code c = parse_input(x, k, s, &x->edges[k][j]);
            if (c) return c;
            if (x->edges[k][j].index >= 0 && seen_ctrl)
                return fail_node(x, k, "data input '%.200s' comes after a control input", s);
            seen_ctrl |= x->edges[k][j].index < 0;
            x->n_edges[k]++;
        }
    }
    return TFC_OK;
}

/* Depth-first topological order with an explicit stack (graphs can be deep); keeps the
 * GraphDef's order where it already is one. */
static tfc_code topo_order(import_ctx *x) {
    unsigned char *state = tfc_calloc((size_t)x->n + 1, 1); /* 0 new, 1 on the stack, 2 done */
    int *stack = tfc_malloc(((size_t)x->n + 1) * sizeof *stack);
    int *next = tfc_calloc((size_t)x->n + 1, sizeof *next);
    tfc_code c = TFC_OK;
    int m = 0;
    if (!state || !stack || !next) {
        c = tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    for (int root = 0; root < x->n && !c; root++) {
        if (state[root]) continue;
        int sp = 0;
        stack[sp++] = root, state[root] = 1;
        while (sp && !c) {
            int top = stack[sp - 1];
            if (next[top] < x->n_edges[top]) {
                int src = x->edges[top][next[top]++].src;
                if (state[src] == 0) {
                    stack[sp++] = src, state[src] = 1;
                } else if (state[src] == 1) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "%.200s", x->gd->node[src]->name);
                    c = fail_node(x, top, "is part of a cycle through '%s'", msg);
                }
            } else {
                state[top] = 2, x->order[m++] = top, sp--;
            }
        }
    }
done:
    tfc_free(state), tfc_free(stack), tfc_free(next);
    return c;
}

/* Bytes a TensorProto expands to when its values come from a typed list (TF repeats the last
 * value), 0 when tensor_content holds them (those bytes are in the input already). Saturates. */
static uint64_t fill_bytes(const Tensorflow__TensorProto *t) {
    if (!t || t->tensor_content.len || !t->tensor_shape) return 0;
    uint64_t bytes = tfc_dtype_size((tfc_dtype)t->dtype);
    if (!bytes) bytes = 1; /* strings: at least a byte each */
    for (size_t i = 0; i < t->tensor_shape->n_dim; i++) {
        int64_t d = t->tensor_shape->dim[i] ? t->tensor_shape->dim[i]->size : 0;
        if (d <= 0) return 0;
        if (bytes > UINT64_MAX / (uint64_t)d) return UINT64_MAX;
        bytes *= (uint64_t)d;
    }
    return bytes;
}

/* One import's value-list expansions share TFC_TENSOR_PROTO_MAX_FILL_BYTES: a small hostile
 * GraphDef of many one-value Consts of huge shapes is refused before anything is allocated. */
static tfc_code charge_fills(import_ctx *x, int k, const Tensorflow__NodeDef__AttrEntry *e) {
    const Tensorflow__AttrValue *v = e->value;
    if (!v) return TFC_OK;
    uint64_t add = 0;
    if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR) add = fill_bytes(v->tensor);
    if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST && v->list)
        for (size_t i = 0; i < v->list->n_tensor; i++) {
            uint64_t b = fill_bytes(v->list->tensor[i]);
            add = add > UINT64_MAX - b ? UINT64_MAX : add + b;
        }
    if (add > TFC_TENSOR_PROTO_MAX_FILL_BYTES - x->filled ||
        x->filled > TFC_TENSOR_PROTO_MAX_FILL_BYTES)
        return tfc_status_set(x->st, TFC_INVALID_ARGUMENT,
                              "node '%.200s': attr '%.100s': tensors filled from value lists "
                              "would take over %llu bytes in this GraphDef (tfc's limit)",
                              x->gd->node[k]->name, e->key ? e->key : "",
                              (unsigned long long)TFC_TENSOR_PROTO_MAX_FILL_BYTES);
    x->filled += add;
    return TFC_OK;
}

static tfc_code make_node(import_ctx *x, tfc_graph *tmp, int k) {
    const Tensorflow__NodeDef *nd = x->gd->node[k];
    tfc__pending p = {0};
    tfc_code c = TFC_OK;
    size_t plen = x->prefix ? strlen(x->prefix) : 0, len = strlen(nd->name) + plen + 2;
    if (!nd->op || !*nd->op) return fail_node(x, k, "%s", "has no op");
    if (nd->n_attr > (size_t)(1 << 24)) return fail_node(x, k, "%s", "has too many attrs");
    if (!(p.name = tfc_malloc(len)) || !(p.op = tfc_strdup(nd->op)) ||
        (nd->device && *nd->device && !(p.device = tfc_strdup(nd->device))))
        goto oom;
    snprintf(p.name, len, "%s%s%s", plen ? x->prefix : "", plen ? "/" : "", nd->name);
    if (nd->n_attr && !(p.attrs = tfc_calloc(nd->n_attr, sizeof *p.attrs))) goto oom;
    for (size_t j = 0; j < nd->n_attr; j++) {
        const Tensorflow__NodeDef__AttrEntry *e = nd->attr[j];
        tfc__attr *a = &p.attrs[p.n_attrs++];
        if (!(a->name = tfc_strdup(e->key ? e->key : ""))) goto oom;
        if (e->value && (c = tfc__attr_from_pb(e->value, &a->v, x->st))) {
            tfc_status_prefix(x->st, "node '%.200s': attr '%.100s'", nd->name, a->name);
            goto out;
        }
    }
    if (tfc__attrs_sort(p.attrs, &p.n_attrs)) goto oom;
    p.cap_attrs = (int)nd->n_attr;
    for (int j = 0; j < x->n_edges[k]; j++) {
        edge e = x->edges[k][j];
        tfc_node *src = x->made[e.src];
        if (e.index < 0) {
            if (tfc__pending_add_ctrl(&p, src)) goto oom;
            continue;
        }
        if (e.index >= src->num_outputs) {
            c = tfc_status_set(x->st, TFC_INVALID_ARGUMENT,
                               "node '%.200s': input '%.200s' asks for output %d, but op '%s' has "
                               "%d output%s",
                               nd->name, nd->input[j], e.index, src->op_name, src->num_outputs,
                               src->num_outputs == 1 ? "" : "s");
            goto out;
        }
        if (tfc__pending_add_input(&p, (tfc_out){src, e.index})) goto oom;
    }
    return tfc__node_make(tmp, &p, &x->made[k], x->st); /* clears p */
oom:
    c = tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory importing node '%.200s'",
                       nd->name);
out:
    tfc__pending_clear(&p);
    return c;
}

static tfc_code build(import_ctx *x, tfc_graph *tmp) {
    size_t n = (size_t)x->n + 1;
    if (!(x->edges = tfc_calloc(n, sizeof *x->edges)) ||
        !(x->n_edges = tfc_calloc(n, sizeof *x->n_edges)) ||
        !(x->order = tfc_calloc(n, sizeof *x->order)) ||
        !(x->made = tfc_calloc(n, sizeof *x->made)))
        return tfc_status_set(x->st, TFC_RESOURCE_EXHAUSTED, "out of memory importing a GraphDef");
    tfc_code c;
    for (int k = 0; k < x->n; k++) /* before anything is allocated */
        for (size_t j = 0; j < x->gd->node[k]->n_attr; j++)
            if ((c = charge_fills(x, k, x->gd->node[k]->attr[j]))) return c;
    if ((c = index_names(x)) || (c = parse_edges(x)) || (c = topo_order(x))) return c;
    for (int k = 0; k < x->n; k++)
        if ((c = make_node(x, tmp, x->order[k]))) return c;
    return TFC_OK;
}

/* Moves tmp's nodes into g; checks and reserves first, so the moves cannot fail. */
static tfc_code transfer(tfc_graph *g, tfc_graph *tmp, const char *prefix, tfc_status *st) {
    int64_t m = tmp->n_nodes;
    for (int64_t k = 0; k < m; k++)
        if (tfc__strmap_get(&g->by_name, tmp->nodes[k]->name, NULL))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "the graph already has a node named '%.200s' (import with a "
                                  "prefix to keep both)",
                                  tmp->nodes[k]->name);
    tfc_code c = tfc__graph_reserve(g, m, st);
    if (c) return c;
    char **keys = tfc_malloc(((size_t)m + 1) * sizeof *keys);
    bool ok = keys && tfc__strmap_reserve(&g->names_in_use, (size_t)m + 1);
    for (int64_t k = 0; ok && k < m; k++)
        ok = (keys[k] = tfc__names_key(g, tmp->nodes[k]->name)) != NULL;
    if (ok && prefix && *prefix) ok = (keys[m] = tfc__names_key(g, prefix)) != NULL;
    if (!ok) {
        tfc_free(keys);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory importing a GraphDef");
    }
    for (int64_t k = 0; k <= m; k++) {
        if (k == m && !(prefix && *prefix)) break;
        if (k < m) tfc__graph_append(g, tmp->nodes[k]);
        if (!tfc__strmap_get(&g->names_in_use, keys[k], NULL))
            tfc__strmap_put(&g->names_in_use, keys[k], 1);
    }
    tmp->n_nodes = 0;
    tfc_free(keys);
    return TFC_OK;
}

tfc_code tfc_graph_import(tfc_graph *g, const void *data, size_t n, const char *prefix,
                          tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    if (!g) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "graph is NULL");
    if (g->status.code)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "the graph already holds an error: %s",
                              g->status.msg);
    /* "scope/" names the scope itself, as TF's import_graph_def(name="scope/") does: nodes become
     * scope/x, not scope//x. */
    char pre[512];
    if (prefix && *prefix) {
        size_t pl = strlen(prefix);
        if (pl >= sizeof pre)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "import prefix is %zu bytes long", pl);
        memcpy(pre, prefix, pl + 1);
        if (pl > 1 && pre[pl - 1] == '/') pre[pl - 1] = '\0';
        prefix = pre;
    }
    if (prefix && *prefix && !tfc__valid_node_name(prefix))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "import prefix '%.200s' is not a valid name", prefix);
    Tensorflow__GraphDef *gd = NULL;
    tfc_code c = decode(data, n, &gd, st);
    if (c) return c;
    if (gd->n_node > (size_t)(1 << 28)) {
        tfc__proto_free(&gd->base);
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "GraphDef has too many nodes");
    }
    import_ctx x = {.gd = gd, .prefix = prefix, .st = st, .n = (int)gd->n_node};
    tfc__lib_plan plan = {0};
    tfc_graph *tmp = tfc_graph_new();
    if (!tmp) c = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory importing a GraphDef");
    if (!c) c = build(&x, tmp);
    if (!c) c = tfc__library_prepare(g, gd->library, &plan, st);
    if (!c) c = transfer(g, tmp, prefix, st);
    if (!c) tfc__library_commit(g, gd, &plan);
    tfc__library_plan_free(&plan);
    tfc_graph_free(tmp);
    for (int k = 0; x.edges && k < x.n; k++) tfc_free(x.edges[k]);
    tfc_free(x.edges), tfc_free(x.n_edges), tfc_free(x.order), tfc_free(x.made);
    tfc__strmap_free(&x.names);
    tfc__proto_free(&gd->base);
    return c;
}
