/* Compiling a session plan: prune the graph to what a (feeds, fetches, targets) signature needs,
 * order it, give every output a slot, find where each slot is last read, and prepare the kernels,
 * once per signature. */
#include <string.h>

#include "graph/op_def.h"
#include "runtime/runtime_int.h"

uint64_t tfc__plan_hash(const tfc_feed *feeds, int nf, const tfc_out *fetches, int nx,
                        tfc_node *const *targets, int nt) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)nf ^ (uint64_t)nx << 20 ^ (uint64_t)nt << 40;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 0x100000001b3ull, h ^= h >> 29)
    for (int i = 0; i < nf; i++) MIX(tfc_node_id(feeds[i].out.node)), MIX(feeds[i].out.index);
    for (int i = 0; i < nx; i++) MIX(tfc_node_id(fetches[i].node)), MIX(fetches[i].index);
    for (int i = 0; i < nt; i++) MIX(tfc_node_id(targets[i]));
#undef MIX
    return h;
}

bool tfc__plan_matches(const tfc__plan *p, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                       int nx, tfc_node *const *targets, int nt) {
    if (p->num_feeds != nf || p->num_fetches != nx || p->num_targets != nt) return false;
    const int64_t *s = p->sig;
    for (int i = 0; i < nf; i++, s += 2)
        if (s[0] != tfc_node_id(feeds[i].out.node) || s[1] != feeds[i].out.index) return false;
    for (int i = 0; i < nx; i++, s += 2)
        if (s[0] != tfc_node_id(fetches[i].node) || s[1] != fetches[i].index) return false;
    for (int i = 0; i < nt; i++, s++)
        if (s[0] != tfc_node_id(targets[i])) return false;
    return true;
}

void tfc__plan_free(tfc__plan *p) {
    if (!p) return;
    for (int i = 0; i < p->num_steps; i++) {
        tfc__step *s = &p->steps[i];
        if (s->kernel && s->state) {
            if (s->kernel->release)
                s->kernel->release(s->state);
            else
                tfc_free(s->state);
        }
        tfc_free(s->in_slot), tfc_free(s->in_kind), tfc_free(s->in), tfc_free(s->in_ref);
        tfc_free(s->release);
    }
    for (int i = 0; i < p->num_slots; i++) tfc__slot_clear(&p->slots[i]);
    tfc_free(p->steps), tfc_free(p->slots), tfc_free(p->slot_node), tfc_free(p->sig);
    tfc_free(p->feed_slot), tfc_free(p->fetch_slot);
    tfc_free(p);
}

/* Scratch for building one plan. */
typedef struct builder {
    const tfc_graph *g;
    const tfc_feed *feeds;
    int nf;
    int64_t n_nodes;
    uint8_t *needed; /* per node id */
    int *fed;        /* per node id: -1, or index of the feed of output k is looked up by scan */
    int64_t *stack;
    int64_t n_stack;
    int *base;     /* per node id: slot of output 0, -1 when not in the plan */
    uint8_t *pick; /* per node id: a Select whose condition is known, 1 + the input it forwards */
    tfc_status *st;
} builder;

/* The feed of output o, or -1. Feeds are few; a scan costs less than a map here. */
static int feed_of(const builder *b, tfc_out o) {
    if (!b->fed[tfc_node_id(o.node)]) return -1;
    for (int i = 0; i < b->nf; i++)
        if (b->feeds[i].out.node == o.node && b->feeds[i].out.index == o.index) return i;
    return -1;
}

static void push(builder *b, const tfc_node *n) {
    int64_t id = tfc_node_id(n);
    if (b->needed[id]) return;
    b->needed[id] = 1;
    b->stack[b->n_stack++] = id;
}

/* A Select's condition when this run fixes it: a scalar bool PlaceholderWithDefault that is not
 * fed, whose default is a Const (tf.layers' training switch left at its default), neither with
 * control inputs (pruning the condition would skip them). -1 otherwise. */
static int known_condition(const builder *b, const tfc_node *n) {
    if (strcmp(tfc_node_op(n), "Select")) return -1; /* SelectV2 may broadcast: not an Identity */
    tfc_out c = tfc_node_input(n, 0);
    if (feed_of(b, c) >= 0 || strcmp(tfc_node_op(c.node), "PlaceholderWithDefault") ||
        tfc_node_num_control_inputs(c.node))
        return -1;
    tfc_out d = tfc_node_input(c.node, 0);
    const tfc_tensor *v = NULL;
    if (feed_of(b, d) >= 0 || strcmp(tfc_node_op(d.node), "Const") ||
        tfc_node_num_control_inputs(d.node) || /* TF would run those with the Const */
        tfc_node_attr_tensor(d.node, "value", &v, NULL) != TFC_OK || !v ||
        tfc_tensor_dtype(v) != TFC_DT_BOOL || tfc_tensor_rank(v) != 0)
        return -1;
    return *(const bool *)tfc_tensor_data_const(v) ? 1 : 0;
}

/* Marks every node the roots need, following data inputs that are not fed and control inputs. A
 * Select whose condition this run fixes needs only the input it picks (as TF's tf.cond runs one
 * branch: dropout's random mask is not drawn at inference). */
static void prune(builder *b) {
    while (b->n_stack) {
        const tfc_node *n = tfc_graph_node(b->g, b->stack[--b->n_stack]);
        int known = known_condition(b, n);
        if (known >= 0) b->pick[tfc_node_id(n)] = (uint8_t)(known ? 2 : 3);
        for (int i = 0; i < tfc_node_num_inputs(n); i++) {
            tfc_out in = tfc_node_input(n, i);
            if (known >= 0 && i != b->pick[tfc_node_id(n)] - 1) continue;
            if (feed_of(b, in) < 0) push(b, in.node);
        }
        for (int i = 0; i < tfc_node_num_control_inputs(n); i++) {
            const tfc_node *c = tfc_node_control_input(n, i);
            /* As TF's FeedInputs: a control edge from a fed Placeholder comes from the feed, so
             * the placeholder itself does not run (it would fail "must feed"). */
            bool fed_placeholder = (!strcmp(tfc_node_op(c), "Placeholder") ||
                                    !strcmp(tfc_node_op(c), "PlaceholderV2")) &&
                                   feed_of(b, tfc_node_output((tfc_node *)c, 0)) >= 0;
            if (!fed_placeholder) push(b, c);
        }
    }
}

static bool in_graph(const tfc_graph *g, const tfc_node *n) {
    return n && tfc_node_id(n) >= 0 && tfc_node_id(n) < tfc_graph_num_nodes(g) &&
           tfc_graph_node(g, tfc_node_id(n)) == n;
}

static tfc_code check_args(const tfc_graph *g, const tfc_feed *feeds, int nf,
                           const tfc_out *fetches, int nx, tfc_node *const *targets, int nt,
                           tfc_status *st) {
    for (int i = 0; i < nf; i++) {
        tfc_out o = feeds[i].out;
        if (!in_graph(g, o.node) || o.index < 0 || o.index >= tfc_node_num_outputs(o.node))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "feed %d is not an output of a node of this graph", i);
        if (!feeds[i].value)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "feed %d ('%s:%d') has no value", i,
                                  tfc_node_name(o.node), o.index);
        for (int k = 0; k < i; k++)
            if (feeds[k].out.node == o.node && feeds[k].out.index == o.index)
                return tfc_status_set(st, TFC_INVALID_ARGUMENT, "'%s:%d' is fed twice",
                                      tfc_node_name(o.node), o.index);
    }
    for (int i = 0; i < nx; i++)
        if (!in_graph(g, fetches[i].node) || fetches[i].index < 0 ||
            fetches[i].index >= tfc_node_num_outputs(fetches[i].node))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "fetch %d is not an output of a node of this graph", i);
    for (int i = 0; i < nt; i++)
        if (!in_graph(g, targets[i]))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "target %d is not a node of this graph",
                                  i);
    return TFC_OK;
}

static tfc_code oom(tfc_status *st) {
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory planning a session run");
}

/* Fills the steps of p from the needed nodes, in creation order. */
static tfc_code make_steps(builder *b, tfc__plan *p) {
    int n_steps = 0, n_slots = p->num_feeds;
    for (int64_t id = 0; id < b->n_nodes; id++) {
        if (!b->needed[id]) continue;
        b->base[id] = n_slots;
        n_slots += tfc_node_num_outputs(tfc_graph_node(b->g, id));
        n_steps++;
    }
    p->steps = tfc_calloc((size_t)n_steps + 1, sizeof *p->steps);
    p->slots = tfc_calloc((size_t)n_slots + 1, sizeof *p->slots);
    p->slot_node = tfc_calloc((size_t)n_slots + 1, sizeof *p->slot_node);
    if (!p->steps || !p->slots || !p->slot_node) return oom(b->st);
    p->num_slots = n_slots;
    for (int i = 0; i < p->num_feeds; i++) p->slot_node[i] = b->feeds[i].out.node;
    for (int64_t id = 0; id < b->n_nodes; id++) {
        if (!b->needed[id]) continue;
        const tfc_node *n = tfc_graph_node(b->g, id);
        tfc__step *s = &p->steps[p->num_steps++];
        s->node = n;
        s->epi_bias_slot = -1;
        s->num_inputs = tfc_node_num_inputs(n);
        s->num_outputs = tfc_node_num_outputs(n);
        s->out_slot = b->base[id];
        for (int k = 0; k < s->num_outputs; k++) p->slot_node[s->out_slot + k] = n;
        size_t ni = (size_t)s->num_inputs + 1;
        s->in_slot = tfc_calloc(ni, sizeof *s->in_slot);
        s->in_kind = tfc_calloc(ni, sizeof *s->in_kind);
        s->in = tfc_calloc(ni, sizeof *s->in);
        s->in_ref = tfc_calloc(ni, sizeof *s->in_ref);
        if (!s->in_slot || !s->in_kind || !s->in || !s->in_ref) return oom(b->st);
        tfc__node_input_kinds(n, s->in_kind);
        for (int i = 0; i < s->num_inputs; i++) {
            tfc_out in = tfc_node_input(n, i);
            int f = feed_of(b, in);
            s->in_slot[i] = f >= 0 ? f : b->base[tfc_node_id(in.node)] + in.index;
        }
        const char *op_name = tfc_node_op(n);
        if (b->pick[id]) { /* a Select with a known condition: an Identity of the picked input */
            tfc_out in = tfc_node_input(n, b->pick[id] - 1);
            int f = feed_of(b, in);
            s->in_slot[0] = f >= 0 ? f : b->base[tfc_node_id(in.node)] + in.index;
            s->in_kind[0] = TFC__IN_VALUE;
            s->num_inputs = 1;
            op_name = "Identity";
        }
        const tfc_op_def *op = tfc__op_lookup(op_name);
        s->kernel = op ? op->spec->kernel : NULL;
        if (!s->kernel && strcmp(tfc_node_op(n), "NoOp"))
            return tfc_status_set(b->st, TFC_UNIMPLEMENTED,
                                  "op '%s' (node '%s') has no CPU kernel in tfc", tfc_node_op(n),
                                  tfc_node_name(n));
        if (s->kernel && s->kernel->prepare && s->kernel->prepare(n, &s->state, b->st) != TFC_OK) {
            tfc_status_prefix(b->st, "node '%s' (%s)", tfc_node_name(n), tfc_node_op(n));
            s->state = NULL;
            return b->st->code;
        }
    }
    return TFC_OK;
}

static bool is_op(const tfc__step *s, const char *op) {
    return !s->skip && s->kernel && !strcmp(tfc_node_op(s->node), op) &&
           tfc_node_num_control_inputs(s->node) == 0;
}

/* The one step reading slot i, or -1 (none, several, or fetched). */
static int sole_reader(const tfc__plan *p, const int *readers, const int *reader, int i) {
    for (int f = 0; f < p->num_fetches; f++)
        if (p->fetch_slot[f] == i) return -1;
    return readers[i] == 1 ? reader[i] : -1;
}

/* A kernel that says so (fuses_relu_grad: MaxPoolGrad) also takes over a ReluGrad of its output
 * against its own input 0, the Relu output it pooled: the pool's gradient is written once, masked.
 * TF's remapper fuses Conv2D + BiasAdd (+ Relu) into one _FusedConv2D; here a plan does the same
 * for kernels that say they can (fuses_bias_relu): when a step's only output is read by a BiasAdd
 * alone (NHWC, bias produced earlier), the step adds the bias itself; when that BiasAdd's output
 * is read by a Relu alone, the step applies it too and writes the Relu's slot. The fused steps
 * are skipped; nothing fetched or control-bound is fused, so no value anyone sees changes. The
 * conv's output then never makes a separate pass through memory for each of the two ops. */
static tfc_code fuse_epilogues(tfc__plan *p, tfc_status *st) {
    int n = p->num_slots;
    int *readers = tfc_calloc((size_t)n + 1, sizeof *readers),
        *reader = tfc_malloc(((size_t)n + 1) * sizeof *reader),
        *producer = tfc_malloc(((size_t)n + 1) * sizeof *producer);
    if (!readers || !reader || !producer) {
        tfc_free(readers), tfc_free(reader), tfc_free(producer);
        return oom(st);
    }
    for (int i = 0; i < n; i++) producer[i] = -1;
    for (int k = 0; k < p->num_steps; k++) {
        const tfc__step *s = &p->steps[k];
        for (int o = 0; o < s->num_outputs; o++) producer[s->out_slot + o] = k;
        for (int i = 0; i < s->num_inputs; i++) readers[s->in_slot[i]]++, reader[s->in_slot[i]] = k;
    }
    for (int k = 0; k < p->num_steps; k++) {
        tfc__step *c = &p->steps[k];
        if (c->kernel && c->kernel->fuses_relu_grad && c->num_outputs == 1 && !c->skip) {
            /* MaxPoolGrad(relu_out, ...) read only by ReluGrad(it, relu_out) */
            int r = sole_reader(p, readers, reader, c->out_slot);
            if (r >= 0 && is_op(&p->steps[r], "ReluGrad") &&
                p->steps[r].in_slot[0] == c->out_slot && p->steps[r].in_slot[1] == c->in_slot[0]) {
                c->epi_relu_grad = true;
                c->out_slot = p->steps[r].out_slot;
                p->steps[r].skip = true;
            }
            continue;
        }
        if (!c->kernel || !c->kernel->fuses_bias_relu || c->num_outputs != 1 || c->skip) continue;
        int b = sole_reader(p, readers, reader, c->out_slot);
        if (b < 0 || !is_op(&p->steps[b], "BiasAdd")) continue;
        tfc__step *bs = &p->steps[b];
        const char *fmt = NULL;
        size_t fl = 0;
        bool nhwc = tfc_node_attr_string(bs->node, "data_format", &fmt, &fl, NULL) != TFC_OK ||
                    (fl == 4 && !memcmp(fmt, "NHWC", 4));
        if (!nhwc || bs->in_slot[0] != c->out_slot || producer[bs->in_slot[1]] >= k) continue;
        c->epi_bias_slot = bs->in_slot[1];
        bs->skip = true;
        int r = sole_reader(p, readers, reader, bs->out_slot);
        if (r >= 0 && is_op(&p->steps[r], "Relu") && p->steps[r].in_slot[0] == bs->out_slot) {
            c->epi_relu = true;
            c->out_slot = p->steps[r].out_slot;
            p->steps[r].skip = true;
        } else {
            c->out_slot = bs->out_slot;
        }
    }
    tfc_free(readers), tfc_free(reader), tfc_free(producer);
    return TFC_OK;
}

/* Each slot is released after its last reader; fetched slots only at the end of the run. */
static tfc_code plan_releases(tfc__plan *p, tfc_status *st) {
    int *last = tfc_malloc(((size_t)p->num_slots + 1) * sizeof *last);
    int *count = tfc_calloc((size_t)p->num_steps + 1, sizeof *count);
    if (!last || !count) {
        tfc_free(last), tfc_free(count);
        return oom(st);
    }
    for (int i = 0; i < p->num_slots; i++) last[i] = -1;
    for (int s = 0; s < p->num_steps; s++)
        for (int i = 0; i < p->steps[s].num_inputs; i++) last[p->steps[s].in_slot[i]] = s;
    for (int i = 0; i < p->num_fetches; i++) last[p->fetch_slot[i]] = -1;
    for (int i = 0; i < p->num_slots; i++)
        if (last[i] >= 0) count[last[i]]++;
    tfc_code rc = TFC_OK;
    for (int s = 0; s < p->num_steps && rc == TFC_OK; s++) {
        if (!count[s]) continue;
        if (!(p->steps[s].release = tfc_malloc((size_t)count[s] * sizeof(int)))) rc = oom(st);
    }
    for (int i = 0; i < p->num_slots && rc == TFC_OK; i++)
        if (last[i] >= 0) p->steps[last[i]].release[p->steps[last[i]].num_release++] = i;
    tfc_free(last), tfc_free(count);
    return rc;
}

tfc_code tfc__plan_build(const tfc_graph *g, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                         int nx, tfc_node *const *targets, int nt, tfc__plan **out,
                         tfc_status *st) {
    *out = NULL;
    tfc_code rc = check_args(g, feeds, nf, fetches, nx, targets, nt, st);
    if (rc != TFC_OK) return rc;
    int64_t n_nodes = tfc_graph_num_nodes(g);
    builder b = {.g = g, .feeds = feeds, .nf = nf, .n_nodes = n_nodes, .st = st};
    tfc__plan *p = tfc_calloc(1, sizeof *p);
    b.needed = tfc_calloc((size_t)n_nodes + 1, 1);
    b.fed = tfc_calloc((size_t)n_nodes + 1, sizeof *b.fed);
    b.stack = tfc_malloc(((size_t)n_nodes + 1) * sizeof *b.stack);
    b.base = tfc_malloc(((size_t)n_nodes + 1) * sizeof *b.base);
    b.pick = tfc_calloc((size_t)n_nodes + 1, 1);
    if (p) {
        p->sig = tfc_malloc(((size_t)2 * nf + 2 * nx + nt + 1) * sizeof *p->sig);
        p->feed_slot = tfc_malloc(((size_t)nf + 1) * sizeof *p->feed_slot);
        p->fetch_slot = tfc_malloc(((size_t)nx + 1) * sizeof *p->fetch_slot);
    }
    if (!p || !b.needed || !b.fed || !b.stack || !b.base || !b.pick || !p->sig || !p->feed_slot ||
        !p->fetch_slot) {
        rc = oom(st);
        goto done;
    }
    p->hash = tfc__plan_hash(feeds, nf, fetches, nx, targets, nt);
    p->num_feeds = nf, p->num_fetches = nx, p->num_targets = nt;
    int64_t *s = p->sig;
    for (int i = 0; i < nf; i++) *s++ = tfc_node_id(feeds[i].out.node), *s++ = feeds[i].out.index;
    for (int i = 0; i < nx; i++) *s++ = tfc_node_id(fetches[i].node), *s++ = fetches[i].index;
    for (int i = 0; i < nt; i++) *s++ = tfc_node_id(targets[i]);
    for (int i = 0; i < nf; i++) b.fed[tfc_node_id(feeds[i].out.node)] = 1;
    for (int64_t i = 0; i < n_nodes; i++) b.base[i] = -1;
    for (int i = 0; i < nx; i++)
        if (feed_of(&b, fetches[i]) < 0) push(&b, fetches[i].node);
    for (int i = 0; i < nt; i++) push(&b, targets[i]);
    prune(&b);
    for (int i = 0; i < nf; i++) p->feed_slot[i] = i;
    if ((rc = make_steps(&b, p)) != TFC_OK) goto done;
    for (int i = 0; i < nx; i++) {
        int f = feed_of(&b, fetches[i]);
        p->fetch_slot[i] = f >= 0 ? f : b.base[tfc_node_id(fetches[i].node)] + fetches[i].index;
    }
    if ((rc = fuse_epilogues(p, st)) != TFC_OK) goto done;
    rc = plan_releases(p, st);
done:
    tfc_free(b.needed), tfc_free(b.fed), tfc_free(b.stack), tfc_free(b.base), tfc_free(b.pick);
    if (rc == TFC_OK)
        *out = p;
    else
        tfc__plan_free(p);
    return rc;
}
