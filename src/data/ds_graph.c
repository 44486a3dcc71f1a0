/* Where datasets meet graphs: map with a graph function (placeholders in, fetches out; one
 * single-threaded session per map worker, made on first use) and the feed helper a training loop
 * uses to run a step on the next batch without copying it. */
#include <pthread.h>
#include <stdio.h>

#include "data/data_int.h"
#include "tfc/session.h"

typedef struct graph_fn {
    tfc_graph *g;
    int nin, nout;
    tfc_out in[TFC_DATA_MAX_COMPONENTS], out[TFC_DATA_MAX_COMPONENTS];
    pthread_mutex_t mu;
    int nsess;
    tfc_session **sess; /* per worker */
} graph_fn;

static tfc_code run_graph(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                          tfc_status *st) {
    graph_fn *f = ctx;
    if (in->n != f->nin)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "graph function takes %d inputs, the element has %d", f->nin, in->n);
    if (worker < 0 || worker >= f->nsess)
        return tfc_status_set(st, TFC_INTERNAL, "map worker %d of %d", worker, f->nsess);
    pthread_mutex_lock(&f->mu);
    tfc_code c = TFC_OK;
    if (!f->sess[worker])
        c = tfc_session_new(f->g, &(tfc_session_opts){.num_threads = 1}, &f->sess[worker], st);
    pthread_mutex_unlock(&f->mu);
    if (c) return c;
    tfc_feed feeds[TFC_DATA_MAX_COMPONENTS];
    for (int k = 0; k < f->nin; k++) feeds[k] = (tfc_feed){f->in[k], in->t[k]};
    if ((c = tfc_session_run(f->sess[worker], feeds, f->nin, f->out, f->nout, out->t, NULL, 0, st)))
        return c;
    out->n = f->nout;
    return TFC_OK;
}

static void free_graph_fn(void *ctx) {
    graph_fn *f = ctx;
    for (int k = 0; k < f->nsess; k++) tfc_session_free(f->sess[k]);
    tfc_free(f->sess);
    pthread_mutex_destroy(&f->mu);
    tfc_free(f);
}

tfc_code tfc_dataset_map_graph(tfc_dataset *in, tfc_graph *g, const tfc_out *inputs, int nin,
                               const tfc_out *outputs, int nout, const tfc_map_opts *opts,
                               tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in || !g)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "map_graph: input or graph is NULL");
    if (nin != in->n || nout < 1 || nout > TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "map_graph: %d inputs for elements of %d components, %d outputs", nin,
                              in->n, nout);
    tfc_code c = tfc_graph_status(g, st);
    if (c) return c;
    graph_fn *f = tfc_calloc(1, sizeof *f);
    tfc_map_opts o = opts ? *opts : (tfc_map_opts){0};
    int workers = o.num_parallel_calls < 0 ? tfc_default_num_threads() : o.num_parallel_calls;
    if (workers < 1) workers = 1;
    if (workers > 256) workers = 256;
    if (!f || !(f->sess = tfc_calloc((size_t)workers, sizeof *f->sess))) {
        tfc_free(f);
        return tfc__oom(st, "map_graph");
    }
    f->g = g, f->nin = nin, f->nout = nout, f->nsess = workers;
    for (int k = 0; k < nin; k++) f->in[k] = inputs[k];
    for (int k = 0; k < nout; k++) f->out[k] = outputs[k];
    pthread_mutex_init(&f->mu, NULL);
    o.num_outputs = nout;
    const char *names[TFC_DATA_MAX_COMPONENTS];
    for (int k = 0; k < nout; k++) /* default: the fetched nodes' names */
        names[k] = o.names ? o.names[k] : tfc_node_name(outputs[k].node);
    o.names = names;
    return tfc__dataset_map_owned(in, run_graph, f, free_graph_fn, &o, out, st);
}

tfc_code tfc_iterator_next_feeds(tfc_iterator *it, const tfc_out *placeholders,
                                 const char *const *components, int n, tfc_element *holder,
                                 tfc_feed *feeds, tfc_status *st) {
    tfc_code c = tfc_iterator_get_next(it, holder, st);
    if (c) return c;
    tfc_dataset *ds = tfc_iterator_dataset(it);
    for (int k = 0; k < n; k++) {
        int idx = components && components[k] ? tfc_dataset_component_index(ds, components[k]) : k;
        if (idx < 0 || idx >= holder->n) {
            c = tfc_status_set(
                st, TFC_INVALID_ARGUMENT, "feeds: the dataset has no component '%s' (it has %d)",
                components && components[k] ? components[k] : "(by position)", holder->n);
            tfc_element_clear(holder);
            return c;
        }
        feeds[k] = (tfc_feed){placeholders[k], holder->t[idx]};
    }
    return TFC_OK;
}
