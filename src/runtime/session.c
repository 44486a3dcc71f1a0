/* The session (include/tfc/session.h): a cache of plans per (feeds, fetches, targets) signature,
 * feed validation, and running a plan's steps in order on the session's variables and pool. */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/trace.h"
#include "runtime/runtime_int.h"

/* Plans kept per session; the least recently used one goes when a new signature needs room. */
#define TFC__MAX_PLANS 64

struct tfc_session {
    tfc_graph *g;
    tfc_threadpool *pool;
    tfc_var_table *vars;
    bool any_feed_shape;
    pthread_mutex_t mu; /* one run at a time */
    tfc__plan *plans[TFC__MAX_PLANS];
    int num_plans;
    uint64_t clock;
};

tfc_code tfc_session_new(tfc_graph *g, const tfc_session_opts *opts, tfc_session **out,
                         tfc_status *st) {
    *out = NULL;
    if (!g) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "tfc_session_new: graph is NULL");
    tfc_status gs;
    if (tfc_graph_status(g, &gs) != TFC_OK)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION, "the graph holds an error: %s", gs.msg);
    tfc_session *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory creating a session");
    s->g = g;
    s->any_feed_shape = opts && opts->any_feed_shape;
    if (!(s->vars = tfc__var_table_new())) {
        tfc_free(s);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory creating a session");
    }
    tfc_code rc = tfc_threadpool_new(opts ? opts->num_threads : 0, &s->pool, st);
    if (rc != TFC_OK) {
        tfc__var_table_free(s->vars);
        tfc_free(s);
        return rc;
    }
    /* The session's pool owns the cores (DESIGN.md §7): kernels split their work over it (conv by
     * images, MatMul by rows), each part calling BLAS single-threaded — two thread pools fighting
     * over two cores measured ~1.2-1.5x slower. OpenBLAS's setting is process-wide. */
    openblas_set_num_threads(1);
    pthread_mutex_init(&s->mu, NULL);
    *out = s;
    return TFC_OK;
}

void tfc_session_free(tfc_session *s) {
    if (!s) return;
    for (int i = 0; i < s->num_plans; i++) tfc__plan_free(s->plans[i]);
    tfc__var_table_free(s->vars);
    tfc_threadpool_free(s->pool);
    pthread_mutex_destroy(&s->mu);
    tfc_free(s);
}

/* The cached plan for this signature, or a new one (evicting the least recently used). */
static tfc_code get_plan(tfc_session *s, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                         int nx, tfc_node *const *targets, int nt, tfc__plan **out,
                         tfc_status *st) {
    uint64_t h = tfc__plan_hash(feeds, nf, fetches, nx, targets, nt);
    for (int i = 0; i < s->num_plans; i++) {
        tfc__plan *p = s->plans[i];
        if (p->hash == h && tfc__plan_matches(p, feeds, nf, fetches, nx, targets, nt)) {
            p->last_used = ++s->clock;
            *out = p;
            return TFC_OK;
        }
    }
    tfc__plan *p;
    tfc_code rc = tfc__plan_build(s->g, feeds, nf, fetches, nx, targets, nt, &p, st);
    if (rc != TFC_OK) return rc;
    int at = s->num_plans;
    if (at == TFC__MAX_PLANS) {
        at = 0;
        for (int i = 1; i < s->num_plans; i++)
            if (s->plans[i]->last_used < s->plans[at]->last_used) at = i;
        tfc__plan_free(s->plans[at]);
    } else {
        s->num_plans++;
    }
    s->plans[at] = p;
    p->last_used = ++s->clock;
    *out = p;
    return TFC_OK;
}

/* A fed value must have the output's dtype and a shape compatible with its static shape. */
static tfc_code check_feed(const tfc_feed *f, bool any_shape, tfc_status *st) {
    tfc_dtype want = tfc_dtype_base(tfc_out_dtype(f->out)), have = tfc_tensor_dtype(f->value);
    const char *name = tfc_node_name(f->out.node);
    if (want == TFC_DT_RESOURCE)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "Tensor '%s:%d' is a resource handle; tfc cannot feed one", name,
                              f->out.index);
    if (have != want)
        return tfc_status_set(
            st, TFC_INVALID_ARGUMENT,
            "Cannot feed value of dtype %s for Tensor '%s:%d', which has dtype %s",
            tfc__tf_dtype_string(have), name, f->out.index, tfc__tf_dtype_string(want));
    const tfc_shape *s = tfc_out_shape(f->out);
    if (!any_shape && !tfc_shape_is_compatible(tfc_tensor_shape(f->value), s)) {
        char a[128], b[128];
        return tfc_status_set(
            st, TFC_INVALID_ARGUMENT,
            "Cannot feed value of shape %s for Tensor '%s:%d', which has shape %s",
            tfc_shape_to_string(tfc_tensor_shape(f->value), a, sizeof a), name, f->out.index,
            tfc_shape_to_string(s, b, sizeof b));
    }
    return TFC_OK;
}

static tfc_code uninitialized(const tfc__step *s, const tfc_node *var, tfc_status *st) {
    return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                          "node '%s' (%s): Attempting to use uninitialized value %s",
                          tfc_node_name(s->node), tfc_node_op(s->node), tfc_node_name(var));
}

static tfc_code run_step(tfc_session *ses, tfc__plan *p, tfc__step *s, tfc_status *st) {
    if (s->skip) { /* fused into an earlier step */
        for (int k = 0; k < s->num_release; k++) tfc__slot_release(&p->slots[s->release[k]]);
        return TFC_OK;
    }
    for (int i = 0; i < s->num_inputs; i++) {
        const tfc__slot *slot = &p->slots[s->in_slot[i]];
        if (s->in_kind[i] == TFC__IN_VALUE) {
            s->in[i] = tfc__slot_value(slot);
            s->in_ref[i] = NULL;
            if (!s->in[i]) return uninitialized(s, p->slot_node[s->in_slot[i]], st);
        } else {
            if (slot->kind != TFC__SLOT_REF)
                return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                      "node '%s' (%s): input %d must come from a variable",
                                      tfc_node_name(s->node), tfc_node_op(s->node), i);
            s->in_ref[i] = slot->ref;
            s->in[i] = *slot->ref;
        }
    }
    if (s->kernel) {
        tfc_kernel_ctx c = {.node = s->node,
                            .num_inputs = s->num_inputs,
                            .num_outputs = s->num_outputs,
                            .in = s->in,
                            .in_ref = s->in_ref,
                            .out = &p->slots[s->out_slot],
                            .pool = ses->pool,
                            .vars = ses->vars,
                            .st = st};
        c.epi_relu_grad = s->epi_relu_grad;
        if (s->epi_bias_slot >= 0) {
            c.epi_bias = tfc__slot_value(&p->slots[s->epi_bias_slot]);
            c.epi_relu = s->epi_relu;
            if (!c.epi_bias) return uninitialized(s, p->slot_node[s->epi_bias_slot], st);
        }
        tfc_code rc = s->kernel->compute(&c, s->state);
        if (tfc__trace && rc == TFC_OK) tfc__trace(TFC_TRACE_KERNEL, tfc_node_op(s->node));
        if (rc != TFC_OK) {
            if (st->code == TFC_OK) /* a kernel that forgot tfc_kctx_fail */
                tfc_kctx_fail(&c, rc, "failed without a message");
            return rc;
        }
        for (int k = 0; k < s->num_outputs; k++)
            if (!c.out[k].set)
                return tfc_kctx_fail(&c, TFC_INTERNAL, "the kernel did not produce output %d", k);
    }
    for (int k = 0; k < s->num_release; k++) tfc__slot_release(&p->slots[s->release[k]]);
    return TFC_OK;
}

static tfc_code collect(tfc__plan *p, const tfc_out *fetches, tfc_tensor **results,
                        tfc_status *st) {
    for (int i = 0; i < p->num_fetches; i++) {
        const tfc__slot *slot = &p->slots[p->fetch_slot[i]];
        tfc_tensor *v = tfc__slot_value(slot);
        const char *name = tfc_node_name(fetches[i].node);
        if (tfc_dtype_base(tfc_out_dtype(fetches[i])) == TFC_DT_RESOURCE)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "fetch '%s:%d' is a resource handle; tfc cannot return one "
                                  "(fetch a ReadVariableOp of it)",
                                  name, fetches[i].index);
        if (!v)
            return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                                  "Attempting to use uninitialized value %s", name);
        results[i] = tfc_tensor_ref(v);
    }
    return TFC_OK;
}

static tfc_code run_locked(tfc_session *s, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                           int nx, tfc_tensor **results, tfc_node *const *targets, int nt,
                           tfc_status *st) {
    tfc__plan *p;
    tfc_code rc = get_plan(s, feeds, nf, fetches, nx, targets, nt, &p, st);
    if (rc != TFC_OK) return rc;
    for (int i = 0; i < nf && rc == TFC_OK; i++) rc = check_feed(&feeds[i], s->any_feed_shape, st);
    if (rc != TFC_OK) return rc;
    for (int i = 0; i < nf; i++)
        p->slots[p->feed_slot[i]] = (tfc__slot){
            .t = tfc_tensor_ref(feeds[i].value), .kind = TFC__SLOT_FORWARD, .set = true};
    for (int i = 0; i < p->num_steps && rc == TFC_OK; i++) rc = run_step(s, p, &p->steps[i], st);
    if (rc == TFC_OK) rc = collect(p, fetches, results, st);
    for (int i = 0; i < p->num_slots; i++) tfc__slot_release(&p->slots[i]);
    return rc;
}

tfc_code tfc_session_run(tfc_session *s, const tfc_feed *feeds, int num_feeds,
                         const tfc_out *fetches, int num_fetches, tfc_tensor **results,
                         tfc_node *const *targets, int num_targets, tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    tfc_status_clear(st);
    if (num_feeds < 0 || num_fetches < 0 || num_targets < 0 || (num_feeds && !feeds) ||
        (num_fetches && (!fetches || !results)) || (num_targets && !targets))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "tfc_session_run: a count is negative or an array is NULL");
    for (int i = 0; i < num_fetches; i++) results[i] = NULL;
    pthread_mutex_lock(&s->mu);
    tfc_code rc =
        run_locked(s, feeds, num_feeds, fetches, num_fetches, results, targets, num_targets, st);
    pthread_mutex_unlock(&s->mu);
    if (rc != TFC_OK)
        for (int i = 0; i < num_fetches; i++) {
            tfc_tensor_unref(results[i]);
            results[i] = NULL;
        }
    return rc;
}
