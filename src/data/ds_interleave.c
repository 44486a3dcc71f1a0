/* interleave and flat_map (an interleave with one open dataset), following TF's
 * InterleaveDataset: cycle_length datasets open at once, block_length elements from each in turn;
 * an exhausted one is closed and the cycle moves on, the next free slot opening the next input
 * element's dataset. With num_parallel_calls > 1 each open dataset is read ahead by its own thread
 * (a pipe), which changes no order. */
#include <stdio.h>

#include "data/data_int.h"

typedef struct ileave_params {
    tfc_dataset_fn fn;
    void *ctx;
    int cycle, block;
    bool parallel;
} ileave_params;

typedef struct cycle_slot {
    tfc_element src; /* the input element the dataset came from (to rebuild it on restore) */
    tfc_dataset *ds;
    tfc__iter *it;   /* sequential */
    tfc__pipe *pipe; /* parallel */
    uint64_t epoch;  /* what it was opened with: restored with the same */
} cycle_slot;

typedef struct ileave_iter {
    tfc__iter base;
    tfc__iter *in;
    bool input_done;
    int cur, block, open;
    int64_t opened; /* datasets opened so far: each gets its own epoch */
    cycle_slot *slots;
} ileave_iter;

static void slot_close(cycle_slot *s) {
    if (s->pipe) tfc__pipe_free(s->pipe, &(tfc_status){0});
    tfc__iter_free(s->it);
    tfc_dataset_free(s->ds);
    tfc_element_clear(&s->src);
    memset(s, 0, sizeof *s);
}

/* Builds slot s's dataset from its src and an iterator over it (restored from r when given). */
static tfc_code slot_open(ileave_iter *li, cycle_slot *s, uint64_t epoch, tfc__rstate *r,
                          tfc_status *st) {
    const ileave_params *p = li->base.ds->p;
    s->epoch = epoch;
    tfc_code c = p->fn(p->ctx, &s->src, &s->ds, st);
    if (c == TFC_OK && !s->ds)
        c = tfc_status_set(st, TFC_INTERNAL, "interleave: the function returned no dataset");
    if (c == TFC_OK && s->ds->n != li->base.ds->n)
        c = tfc_status_set(st, TFC_INVALID_ARGUMENT,
                           "interleave: the function's dataset has %d components, expected %d",
                           s->ds->n, li->base.ds->n);
    tfc__iter *it = NULL;
    if (c == TFC_OK) {
        if (r) {
            c = tfc__r_iter(r, s->ds, epoch, &it, st);
            if (c == TFC_OK && !it) c = tfc__r_bad(r, "interleave element", st);
        } else {
            c = tfc__iter_new(s->ds, epoch, &it, st);
        }
    }
    if (c == TFC_OK && p->parallel) {
        tfc__pipe_opts o = {.workers = 1, .capacity = 2 * p->block, .ordered = true};
        if ((c = tfc__pipe_new(it, &o, &s->pipe, st)))
            tfc__iter_free(it);
        else if (r)
            c = tfc__pipe_restore(s->pipe, r, st);
        it = NULL;
    }
    s->it = it;
    if (c != TFC_OK) {
        char where[256];
        tfc_status_prefix(st, "interleave%s", tfc__element_where(&s->src, where, sizeof where));
        slot_close(s);
    }
    return c;
}

static void advance(ileave_iter *li, const ileave_params *p) {
    li->cur = (li->cur + 1) % p->cycle;
    li->block = 0;
}

static tfc_code ileave_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    ileave_iter *li = (ileave_iter *)it;
    const ileave_params *p = it->ds->p;
    while (!li->input_done || li->open > 0) {
        cycle_slot *s = &li->slots[li->cur];
        if (s->ds) {
            bool e = false;
            tfc_code c =
                s->pipe ? tfc__pipe_next(s->pipe, out, &e, st) : tfc__iter_next(s->it, out, &e, st);
            if (!e) {
                if (++li->block == p->block) advance(li, p);
                return c;
            }
            slot_close(s);
            li->open--;
            advance(li, p);
        } else if (!li->input_done) {
            bool e = false;
            tfc_code c = tfc__iter_next(li->in, &s->src, &e, st);
            if (e) {
                li->input_done = true;
                continue;
            }
            if (c) return c;
            if ((c = slot_open(li, s, tfc__epoch_mix(it->epoch, (uint64_t)li->opened++), NULL,
                               st))) {
                advance(li, p);
                return c;
            }
            li->open++;
        } else {
            advance(li, p);
        }
    }
    *end = true;
    return TFC_OK;
}

static tfc_code ileave_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    ileave_iter *li = (ileave_iter *)it;
    const ileave_params *p = it->ds->p;
    tfc_code c = tfc__w_iter(w, li->input_done ? NULL : li->in, st);
    int64_t v[] = {li->input_done, li->cur, li->block, li->opened};
    for (size_t k = 0; k < 4 && !c; k++) c = tfc__w_i64(w, v[k], st);
    for (int k = 0; k < p->cycle && !c; k++) {
        cycle_slot *s = &li->slots[k];
        if ((c = tfc__w_i64(w, s->ds != NULL, st)) || !s->ds) continue;
        if (!(c = tfc__w_i64(w, (int64_t)s->epoch, st)) && !(c = tfc__w_element(w, &s->src, st)))
            c = s->pipe ? tfc__pipe_save(s->pipe, w, st) : tfc__w_iter(w, s->it, st);
    }
    return c;
}

static tfc_code ileave_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    ileave_iter *li = (ileave_iter *)it;
    const ileave_params *p = it->ds->p;
    tfc__iter_free(li->in), li->in = NULL;
    tfc_code c = tfc__r_iter(r, it->ds->in[0], it->epoch, &li->in, st);
    int64_t v[4] = {0};
    for (size_t k = 0; k < 4 && !c; k++) c = tfc__r_i64(r, &v[k], st);
    if (c) return c;
    if (v[1] < 0 || v[1] >= p->cycle || v[2] < 0 || v[2] >= p->block || v[3] < 0 ||
        (!li->in && !v[0]))
        return tfc__r_bad(r, "interleave position", st);
    li->input_done = v[0] != 0, li->cur = (int)v[1], li->block = (int)v[2], li->opened = v[3];
    for (int k = 0; k < p->cycle && !c; k++) {
        int64_t present;
        if ((c = tfc__r_i64(r, &present, st)) || !present) continue;
        cycle_slot *s = &li->slots[k];
        int64_t epoch;
        if ((c = tfc__r_i64(r, &epoch, st)) || (c = tfc__r_element(r, &s->src, st))) break;
        /* the slot's own epoch: iterators it makes later (a repeat's) reshuffle as they would */
        if (!(c = slot_open(li, s, (uint64_t)epoch, r, st))) li->open++;
    }
    return c;
}

static tfc_code ileave_close(tfc__iter *it, tfc_status *st) {
    ileave_iter *li = (ileave_iter *)it;
    const ileave_params *p = it->ds->p;
    for (int k = 0; k < p->cycle; k++) slot_close(&li->slots[k]);
    li->open = 0;
    tfc_code c = tfc__iter_close(li->in, st);
    li->in = NULL;
    return c;
}

static void ileave_free(tfc__iter *it) {
    ileave_iter *li = (ileave_iter *)it;
    if (li->in || li->open) ileave_close(it, &(tfc_status){0});
    tfc_free(li->slots);
    tfc_free(li);
}

static const tfc__iter_ops ileave_iter_ops = {ileave_next, ileave_save, ileave_restore,
                                              ileave_close, ileave_free};

static tfc_code ileave_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    const ileave_params *p = ds->p;
    ileave_iter *li = tfc_calloc(1, sizeof *li);
    if (!li || !(li->slots = tfc_calloc((size_t)p->cycle, sizeof *li->slots))) {
        tfc_free(li);
        return tfc__oom(st, "iterator");
    }
    li->base.ops = &ileave_iter_ops;
    li->base.ds = ds;
    tfc_code c = tfc__iter_new(ds->in[0], epoch, &li->in, st);
    if (c) {
        tfc_free(li->slots), tfc_free(li);
        return c;
    }
    *out = &li->base;
    return TFC_OK;
}

static int64_t ileave_card(const tfc_dataset *ds) {
    int64_t c = tfc_dataset_cardinality(ds->in[0]);
    return c == 0 ? 0 : TFC_UNKNOWN_CARDINALITY;
}

static void ileave_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const ileave_params *p = ds->p;
    snprintf(buf, n, "cycle %d, block %d%s", p->cycle, p->block, p->parallel ? ", parallel" : "");
}

static void free_params(tfc_dataset *ds) {
    tfc_free(ds->p);
}

static const tfc__ds_ops ileave_ops = {"Interleave", ileave_iter_new, ileave_card, ileave_describe,
                                       free_params};
static const tfc__ds_ops flat_map_ops = {"FlatMap", ileave_iter_new, ileave_card, NULL,
                                         free_params};

/* Components of the function's datasets: learnt from the first input element would need running
 * it, so the caller states them through n/names (interleave of record files: one "record"). */
static tfc_code make(const tfc__ds_ops *ops, tfc_dataset *in, tfc_dataset_fn fn, void *ctx,
                     int cycle, int block, bool parallel, int n, const char *const *names,
                     tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in || !fn)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: input or function is NULL", ops->name);
    if (cycle <= 0) cycle = tfc_default_num_threads();
    if (block <= 0) block = 1;
    if (cycle > 4096 || block > (1 << 20))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: cycle_length %d / block_length %d too large", ops->name, cycle,
                              block);
    ileave_params *p = tfc_malloc(sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    *p = (ileave_params){fn, ctx, cycle, block, parallel};
    return tfc__dataset_new(ops, n, names, in, NULL, p, out, st);
}

tfc_code tfc_dataset_interleave(tfc_dataset *in, tfc_dataset_fn fn, void *ctx,
                                const tfc_interleave_opts *opts, tfc_dataset **out,
                                tfc_status *st) {
    tfc_interleave_opts d = opts ? *opts : (tfc_interleave_opts){0};
    int n = d.num_components > 0 ? d.num_components : in ? in->n : 0;
    return make(&ileave_ops, in, fn, ctx, d.cycle_length, d.block_length,
                d.num_parallel_calls > 1 || d.num_parallel_calls<0, n, d.num_components> 0 ? d.names
                                                                                           : NULL,
                out, st);
}

tfc_code tfc_dataset_flat_map(tfc_dataset *in, tfc_dataset_fn fn, void *ctx, int n,
                              const char *const *names, tfc_dataset **out, tfc_status *st) {
    return make(&flat_map_ops, in, fn, ctx, 1, 1, false,
                n > 0 ? n
                : in  ? in->n
                      : 0,
                n > 0 ? names : NULL, out, st);
}
