/* map (in the caller's thread, or on worker threads through a pipe) and prefetch (a pipe with one
 * worker and no function). */
#include <stdio.h>

#include "data/data_int.h"

typedef struct map_params {
    tfc_map_fn fn;
    void *ctx;
    void (*ctx_free)(void *);
    int workers; /* 0: no threads */
    bool ordered;
    int64_t capacity;
} map_params;

typedef struct map_iter {
    tfc__iter base;
    tfc__iter *in;   /* sequential */
    tfc__pipe *pipe; /* threaded */
} map_iter;

static tfc_code apply(const map_params *p, int n_out, const tfc_element *in, tfc_element *out,
                      tfc_status *st) {
    tfc_code c = p->fn(p->ctx, 0, in, out, st);
    if (c == TFC_OK && out->n != n_out)
        c = tfc_status_set(st, TFC_INVALID_ARGUMENT,
                           "map function returned %d components, expected %d", out->n, n_out);
    if (c != TFC_OK) {
        char where[256];
        tfc_status_prefix(st, "map%s", tfc__element_where(in, where, sizeof where));
        tfc_element_clear(out);
    } else if (!out->source[0]) {
        memcpy(out->source, in->source, sizeof out->source);
    }
    return c;
}

static tfc_code map_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    map_iter *m = (map_iter *)it;
    if (m->pipe) return tfc__pipe_next(m->pipe, out, end, st);
    tfc_element in = {0};
    tfc_code c = tfc__iter_next(m->in, &in, end, st);
    if (c == TFC_OK && !*end) c = apply(it->ds->p, it->ds->n, &in, out, st);
    tfc_element_clear(&in);
    return c;
}

static tfc_code map_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    map_iter *m = (map_iter *)it;
    return m->pipe ? tfc__pipe_save(m->pipe, w, st) : tfc__w_iter(w, m->in, st);
}

static tfc_code make_pipe(map_iter *m, tfc__iter *input, tfc_status *st) {
    const map_params *p = m->base.ds->p;
    tfc__pipe_opts o = {.workers = p->workers,
                        .capacity = p->capacity,
                        .ordered = p->ordered,
                        .fn = p->fn,
                        .fn_ctx = p->ctx,
                        .n_out = m->base.ds->n};
    tfc_code c = tfc__pipe_new(input, &o, &m->pipe, st);
    if (c) tfc__iter_free(input);
    return c;
}

static tfc_code map_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    map_iter *m = (map_iter *)it;
    tfc__iter *input;
    if (m->pipe) {
        tfc__pipe_free(m->pipe, &(tfc_status){0});
        m->pipe = NULL;
        tfc_code c = tfc__r_iter(r, it->ds->in[0], it->epoch, &input, st);
        if (!c && !input) c = tfc__r_bad(r, "input iterator", st);
        if (!c) c = make_pipe(m, input, st);
        return c ? c : tfc__pipe_restore(m->pipe, r, st);
    }
    tfc__iter_free(m->in), m->in = NULL;
    tfc_code c = tfc__r_iter(r, it->ds->in[0], it->epoch, &m->in, st);
    if (!c && !m->in) c = tfc__r_bad(r, "input iterator", st);
    return c;
}

static tfc_code map_close(tfc__iter *it, tfc_status *st) {
    map_iter *m = (map_iter *)it;
    tfc_code c = m->pipe ? tfc__pipe_free(m->pipe, st) : tfc__iter_close(m->in, st);
    m->pipe = NULL, m->in = NULL;
    return c;
}

static void map_free(tfc__iter *it) {
    tfc_free(it);
}

static const tfc__iter_ops map_iter_ops = {map_next, map_save, map_restore, map_close, map_free};

static tfc_code map_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    map_iter *m = tfc_calloc(1, sizeof *m);
    if (!m) return tfc__oom(st, "iterator");
    m->base.ops = &map_iter_ops;
    m->base.ds = ds; /* make_pipe reads the params before tfc__iter_new sets it */
    tfc__iter *input;
    tfc_code c = tfc__iter_new(ds->in[0], epoch, &input, st);
    if (!c) {
        if (((const map_params *)ds->p)->workers > 0)
            c = make_pipe(m, input, st);
        else
            m->in = input;
    }
    if (c) {
        tfc_free(m);
        return c;
    }
    *out = &m->base;
    return TFC_OK;
}

static int64_t same_card(const tfc_dataset *ds) {
    return tfc_dataset_cardinality(ds->in[0]);
}

static void map_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const map_params *p = ds->p;
    if (!p->fn)
        snprintf(buf, n, "%lld", (long long)p->capacity);
    else if (p->workers) /* not the count: a state saved on 2 cores restores on 4 */
        snprintf(buf, n, "parallel%s", p->ordered ? "" : ", nondeterministic");
}

static void free_params(tfc_dataset *ds) {
    map_params *p = ds->p;
    if (p->ctx_free) p->ctx_free(p->ctx);
    tfc_free(p);
}

static const tfc__ds_ops map_ops = {"Map", map_iter_new, same_card, map_describe, free_params};
static const tfc__ds_ops prefetch_ops = {"Prefetch", map_iter_new, same_card, map_describe,
                                         free_params};

tfc_code tfc__dataset_map_owned(tfc_dataset *in, tfc_map_fn fn, void *ctx, void (*ctx_free)(void *),
                                const tfc_map_opts *opts, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in || !fn) {
        if (ctx_free) ctx_free(ctx);
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "map: input or function is NULL");
    }
    tfc_map_opts o = opts ? *opts : (tfc_map_opts){0};
    int n_out = o.num_outputs > 0 ? o.num_outputs : in->n;
    int workers = o.num_parallel_calls < 0 ? tfc_default_num_threads() : o.num_parallel_calls;
    if (workers > 256) workers = 256;
    map_params *p = tfc_calloc(1, sizeof *p);
    if (!p) {
        if (ctx_free) ctx_free(ctx);
        return tfc__oom(st, "dataset");
    }
    *p = (map_params){fn,
                      ctx,
                      ctx_free,
                      workers > 1 ? workers : 0,
                      !o.nondeterministic,
                      32 * (int64_t)workers} /* chunks of 16 */;
    return tfc__dataset_new(&map_ops, n_out, o.names, in, NULL, p, out, st);
}

tfc_code tfc_dataset_map(tfc_dataset *in, tfc_map_fn fn, void *ctx, const tfc_map_opts *opts,
                         tfc_dataset **out, tfc_status *st) {
    return tfc__dataset_map_owned(in, fn, ctx, NULL, opts, out, st);
}

tfc_code tfc_dataset_prefetch(tfc_dataset *in, int64_t buffer_size, tfc_dataset **out,
                              tfc_status *st) {
    *out = NULL;
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "prefetch: input dataset is NULL");
    if (buffer_size <= 0) buffer_size = 2;
    if (buffer_size > (1 << 20))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "prefetch: buffer_size %lld is too large",
                              (long long)buffer_size);
    map_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    *p = (map_params){NULL, NULL, NULL, 1, true, buffer_size};
    return tfc__dataset_new(&prefetch_ops, in->n, NULL, in, NULL, p, out, st);
}
