/* tf.gradients: walks the ops between xs and ys backwards from the ys, calling each op's gradient
 * builder (src/ops) once every consumer on the path has handed it its output gradients, and sums
 * the gradients that reach one output along several paths with AddN. */
#include <stdio.h>
#include <string.h>

#include "base/trace.h"
#include "graph/op_def.h"
#include "tfc/train.h"

typedef struct grad_list {
    int n, cap;
    tfc_out *g;
    int *idx; /* which output of the node each gradient is for */
} grad_list;

typedef struct walk {
    tfc_graph *g;
    int64_t n;                  /* nodes that existed when the walk began */
    int64_t *cons_start, *cons; /* consumers (CSR by node id) */
    bool *back, *fwd;           /* reaches a y / reached from an x */
    int *pending;
    grad_list *acc;
    tfc_out *summed;    /* per node, per output: the summed gradient (filled when processed) */
    int64_t *out_start; /* offsets into summed */
} walk;

static bool differentiable(tfc_dtype dt) {
    dt = tfc_dtype_base(dt);
    return dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE || dt == TFC_DT_HALF || dt == TFC_DT_BFLOAT16;
}

static bool acc_add(grad_list *l, int idx, tfc_out grad) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 2;
        tfc_out *g = tfc_realloc(l->g, (size_t)cap * sizeof *g);
        if (!g) return false;
        l->g = g;
        int *ix = tfc_realloc(l->idx, (size_t)cap * sizeof *ix);
        if (!ix) return false;
        l->idx = ix, l->cap = cap;
    }
    l->g[l->n] = grad, l->idx[l->n++] = idx;
    return true;
}

/* The sum of the gradients accumulated for output i of node id. */
static tfc_out sum_for(walk *w, int64_t id, int i) {
    grad_list *l = &w->acc[id];
    tfc_out parts[64], one = {NULL, 0};
    int k = 0, total = 0;
    for (int j = 0; j < l->n; j++)
        if (l->idx[j] == i) {
            total++;
            if (k < 64) parts[k++] = l->g[j];
            one = l->g[j];
        }
    if (total <= 1) return one;
    if (total > 64) {
        tfc_graph_fail(w->g, TFC_UNIMPLEMENTED, "more than 64 gradient paths into one output");
        return (tfc_out){NULL, 0};
    }
    tfc_node_builder *b = tfc_node_begin(w->g, "AddN", NULL);
    tfc_node_add_input_list(b, parts, k);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static void walk_free(walk *w) {
    if (w->acc)
        for (int64_t i = 0; i < w->n; i++) tfc_free(w->acc[i].g), tfc_free(w->acc[i].idx);
    tfc_free(w->acc), tfc_free(w->cons_start), tfc_free(w->cons), tfc_free(w->back);
    tfc_free(w->fwd), tfc_free(w->pending), tfc_free(w->summed), tfc_free(w->out_start);
}

static tfc_code build_maps(walk *w) {
    int64_t n = w->n, edges = 0, outs = 0;
    for (int64_t i = 0; i < n; i++) {
        edges += tfc_node_num_inputs(tfc_graph_node(w->g, i));
        outs += tfc_node_num_outputs(tfc_graph_node(w->g, i));
    }
    w->cons_start = tfc_calloc((size_t)n + 1, sizeof *w->cons_start);
    w->cons = tfc_calloc((size_t)edges + 1, sizeof *w->cons);
    w->back = tfc_calloc((size_t)n + 1, sizeof *w->back);
    w->fwd = tfc_calloc((size_t)n + 1, sizeof *w->fwd);
    w->pending = tfc_calloc((size_t)n + 1, sizeof *w->pending);
    w->acc = tfc_calloc((size_t)n + 1, sizeof *w->acc);
    w->summed = tfc_calloc((size_t)outs + 1, sizeof *w->summed);
    w->out_start = tfc_calloc((size_t)n + 1, sizeof *w->out_start);
    if (!w->cons_start || !w->cons || !w->back || !w->fwd || !w->pending || !w->acc || !w->summed ||
        !w->out_start)
        return TFC_RESOURCE_EXHAUSTED;
    for (int64_t i = 0, o = 0; i < n; i++) {
        w->out_start[i] = o;
        o += tfc_node_num_outputs(tfc_graph_node(w->g, i));
        tfc_node *node = tfc_graph_node(w->g, i);
        for (int j = 0; j < tfc_node_num_inputs(node); j++)
            w->cons_start[tfc_node_id(tfc_node_input(node, j).node) + 1]++;
    }
    for (int64_t i = 0; i < n; i++) w->cons_start[i + 1] += w->cons_start[i];
    int64_t *fill = tfc_calloc((size_t)n + 1, sizeof *fill);
    if (!fill) return TFC_RESOURCE_EXHAUSTED;
    for (int64_t i = 0; i < n; i++) {
        tfc_node *node = tfc_graph_node(w->g, i);
        for (int j = 0; j < tfc_node_num_inputs(node); j++) {
            int64_t src = tfc_node_id(tfc_node_input(node, j).node);
            w->cons[w->cons_start[src] + fill[src]++] = i;
        }
    }
    tfc_free(fill);
    return TFC_OK;
}

/* Marks what reaches the ys (backwards over inputs) and what the xs reach (forwards). */
static tfc_code mark(walk *w, const tfc_out *ys, int ny, const tfc_out *xs, int nx) {
    int64_t *stack = tfc_malloc(sizeof *stack * ((size_t)w->n + 1)), sp = 0;
    if (!stack) return TFC_RESOURCE_EXHAUSTED;
    for (int i = 0; i < ny; i++) {
        int64_t id = tfc_node_id(ys[i].node);
        if (!w->back[id]) w->back[id] = true, stack[sp++] = id;
    }
    while (sp) {
        tfc_node *node = tfc_graph_node(w->g, stack[--sp]);
        for (int j = 0; j < tfc_node_num_inputs(node); j++) {
            int64_t src = tfc_node_id(tfc_node_input(node, j).node);
            if (!w->back[src]) w->back[src] = true, stack[sp++] = src;
        }
    }
    for (int i = 0; i < nx; i++) {
        int64_t id = tfc_node_id(xs[i].node);
        if (!w->fwd[id]) w->fwd[id] = true, stack[sp++] = id;
    }
    while (sp) {
        int64_t id = stack[--sp];
        for (int64_t k = w->cons_start[id]; k < w->cons_start[id + 1]; k++)
            if (!w->fwd[w->cons[k]]) w->fwd[w->cons[k]] = true, stack[sp++] = w->cons[k];
    }
    tfc_free(stack);
    return TFC_OK;
}

static bool between(const walk *w, int64_t id) {
    return w->back[id] && w->fwd[id];
}

/* Calls node id's gradient builder with its summed output gradients and hands the input
 * gradients to the producers on the path. */
static tfc_code backprop(walk *w, int64_t id) {
    tfc_node *node = tfc_graph_node(w->g, id);
    int nout = tfc_node_num_outputs(node), nin = tfc_node_num_inputs(node);
    tfc_out *outg = &w->summed[w->out_start[id]];
    bool any = false;
    for (int i = 0; i < nout; i++) {
        tfc_out o = tfc_node_output(node, i);
        outg[i] = differentiable(tfc_out_dtype(o)) ? sum_for(w, id, i) : (tfc_out){NULL, 0};
        any |= outg[i].node != NULL;
    }
    bool wanted = false; /* does any input lead further back towards an x? */
    for (int j = 0; j < nin; j++) {
        tfc_out in = tfc_node_input(node, j);
        wanted |= between(w, tfc_node_id(in.node)) && differentiable(tfc_out_dtype(in));
    }
    if (!any || !wanted) return tfc_graph_status(w->g, NULL);
    const tfc_op_def *def = tfc__op_lookup(tfc_node_op(node));
    if (def && (def->spec->flags & TFC_OP_NO_GRADIENT)) return TFC_OK;
    if (!def || !def->spec->grad)
        return tfc_graph_fail(w->g, TFC_UNIMPLEMENTED,
                              "No gradient defined for operation '%s' (op type: %s)",
                              tfc_node_name(node), tfc_node_op(node));
    tfc_out din[64];
    if (nin > 64)
        return tfc_graph_fail(w->g, TFC_UNIMPLEMENTED, "gradient of '%s': too many inputs",
                              tfc_node_name(node));
    memset(din, 0, sizeof din);
    char scope[512];
    snprintf(scope, sizeof scope, "%s_grad", tfc_node_name(node));
    tfc_graph_push_scope(w->g, scope);
    def->spec->grad(w->g, node, outg, din);
    if (tfc__trace) tfc__trace(TFC_TRACE_GRAD, tfc_node_op(node));
    tfc_graph_pop_scope(w->g);
    tfc_code c = tfc_graph_status(w->g, NULL);
    if (c != TFC_OK) return c;
    for (int j = 0; j < nin; j++) {
        tfc_out in = tfc_node_input(node, j);
        int64_t src = tfc_node_id(in.node);
        if (!din[j].node || !between(w, src) || !differentiable(tfc_out_dtype(in))) continue;
        if (!acc_add(&w->acc[src], in.index, din[j]))
            return tfc_graph_fail(w->g, TFC_RESOURCE_EXHAUSTED, "out of memory building gradients");
    }
    return TFC_OK;
}

tfc_code tfc_gradients(tfc_graph *g, const tfc_out *ys, int num_ys, const tfc_out *xs, int num_xs,
                       const tfc_out *grad_ys, tfc_out *dxs, tfc_status *st) {
    for (int i = 0; i < num_xs; i++) dxs[i] = (tfc_out){NULL, 0};
    if (tfc_graph_status(g, st) != TFC_OK) return st ? st->code : TFC_FAILED_PRECONDITION;
    for (int i = 0; i < num_ys; i++)
        if (!ys[i].node)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "gradients: ys[%d] is empty", i);
    for (int i = 0; i < num_xs; i++)
        if (!xs[i].node)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "gradients: xs[%d] is empty", i);
    walk w = {.g = g, .n = tfc_graph_num_nodes(g)};
    tfc_code c = build_maps(&w);
    if (c == TFC_OK) c = mark(&w, ys, num_ys, xs, num_xs);
    int64_t *queue = c == TFC_OK ? tfc_malloc(sizeof *queue * ((size_t)w.n + 1)) : NULL;
    if (c != TFC_OK || !queue) {
        walk_free(&w);
        tfc_free(queue);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory building gradients");
    }
    tfc_graph_push_scope(g, "gradients");
    /* Seeds: grad_ys, or ones shaped like each y. */
    for (int i = 0; i < num_ys && c == TFC_OK; i++) {
        int64_t id = tfc_node_id(ys[i].node);
        if (!between(&w, id)) continue;
        tfc_out seed = grad_ys && grad_ys[i].node ? grad_ys[i] : (tfc_out){NULL, 0};
        if (!seed.node) {
            tfc_node_builder *b = tfc_node_begin(g, "OnesLike", "grad_ys");
            tfc_node_add_input(b, ys[i]);
            seed = tfc_node_output(tfc_node_finish(b), 0);
        }
        if (!seed.node || !acc_add(&w.acc[id], ys[i].index, seed)) c = tfc_graph_status(g, NULL);
    }
    /* Pending consumers on the path, then a topological walk from the ys back. */
    for (int64_t id = 0; id < w.n; id++) {
        if (!between(&w, id)) continue;
        tfc_node *node = tfc_graph_node(g, id);
        for (int j = 0; j < tfc_node_num_inputs(node); j++) {
            int64_t src = tfc_node_id(tfc_node_input(node, j).node);
            if (between(&w, src)) w.pending[src]++;
        }
    }
    int64_t head = 0, tail = 0;
    for (int64_t id = 0; id < w.n; id++)
        if (between(&w, id) && w.pending[id] == 0) queue[tail++] = id;
    while (c == TFC_OK && head < tail) {
        int64_t id = queue[head++];
        if ((c = backprop(&w, id)) != TFC_OK) break;
        tfc_node *node = tfc_graph_node(g, id);
        for (int j = 0; j < tfc_node_num_inputs(node); j++) {
            int64_t src = tfc_node_id(tfc_node_input(node, j).node);
            if (between(&w, src) && --w.pending[src] == 0) queue[tail++] = src;
        }
    }
    tfc_graph_pop_scope(g);
    if (c == TFC_OK) {
        for (int i = 0; i < num_xs; i++) {
            int64_t id = tfc_node_id(xs[i].node);
            if (between(&w, id)) dxs[i] = w.summed[w.out_start[id] + xs[i].index];
        }
        /* An x that is also a node whose outputs were never processed (not between) stays empty. */
    }
    tfc_free(queue);
    walk_free(&w);
    if (c == TFC_OK)
        c = tfc_graph_status(g, st);
    else
        tfc_graph_status(g, st);
    if (c != TFC_OK)
        for (int i = 0; i < num_xs; i++) dxs[i] = (tfc_out){NULL, 0};
    return c;
}
