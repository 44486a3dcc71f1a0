/* shuffle with TF's buffer algorithm: fill a buffer of buffer_size elements, then output a
 * uniformly chosen slot and refill it from the input. The order is a function of the seed and,
 * with reshuffle_each_iteration, of the pass (the iterator's epoch). */
#include <stdio.h>

#include "data/data_int.h"

typedef struct shuffle_params {
    int64_t size;
    uint64_t seed;
    bool reshuffle;
} shuffle_params;

typedef struct shuffle_iter {
    tfc__iter base;
    tfc__iter *in;
    tfc__rng rng;
    tfc_element *buf;
    int64_t n, cap; /* elements held; room */
    bool input_done;
} shuffle_iter;

static tfc_code fill(shuffle_iter *s, int64_t size, tfc_status *st) {
    while (!s->input_done && s->n < size) {
        bool end = false;
        tfc_code c = tfc__iter_next(s->in, &s->buf[s->n], &end, st);
        if (end) {
            s->input_done = true;
            break;
        }
        if (c) return c; /* the failed element is reported; the buffer stays as it was */
        s->n++;
    }
    return TFC_OK;
}

static tfc_code shuffle_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    shuffle_iter *s = (shuffle_iter *)it;
    tfc_code c = fill(s, s->cap, st);
    if (c) return c;
    if (s->n == 0) return *end = true, TFC_OK;
    int64_t j = (int64_t)tfc__rng_below(&s->rng, (uint64_t)s->n);
    tfc_element_move(out, &s->buf[j]);
    if (j != s->n - 1) tfc_element_move(&s->buf[j], &s->buf[s->n - 1]);
    s->n--;
    return TFC_OK;
}

static tfc_code shuffle_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    shuffle_iter *s = (shuffle_iter *)it;
    tfc_code c = TFC_OK;
    for (int k = 0; k < 4 && !c; k++) c = tfc__w_i64(w, (int64_t)s->rng.s[k], st);
    if (!c) c = tfc__w_i64(w, s->input_done, st);
    if (!c) c = tfc__w_i64(w, s->n, st);
    for (int64_t k = 0; k < s->n && !c; k++) c = tfc__w_element(w, &s->buf[k], st);
    return c ? c : tfc__w_iter(w, s->input_done ? NULL : s->in, st);
}

static tfc_code shuffle_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    shuffle_iter *s = (shuffle_iter *)it;
    int64_t v, done, n;
    tfc_code c = TFC_OK;
    for (int k = 0; k < 4 && !c; k++)
        if (!(c = tfc__r_i64(r, &v, st))) s->rng.s[k] = (uint64_t)v;
    if (!c) c = tfc__r_i64(r, &done, st);
    if (!c) c = tfc__r_i64(r, &n, st);
    if (c) return c;
    if (n < 0 || n > s->cap) return tfc__r_bad(r, "shuffle buffer size", st);
    for (int64_t k = 0; k < s->n; k++) tfc_element_clear(&s->buf[k]);
    s->n = 0;
    for (; s->n < n; s->n++)
        if ((c = tfc__r_element(r, &s->buf[s->n], st))) return c;
    s->input_done = done != 0;
    tfc__iter_free(s->in), s->in = NULL;
    if ((c = tfc__r_iter(r, it->ds->in[0], it->epoch, &s->in, st))) return c;
    if (!s->in && !s->input_done) return tfc__r_bad(r, "shuffle input", st);
    return TFC_OK;
}

static tfc_code shuffle_close(tfc__iter *it, tfc_status *st) {
    shuffle_iter *s = (shuffle_iter *)it;
    tfc_code c = tfc__iter_close(s->in, st);
    s->in = NULL;
    return c;
}

static void shuffle_free(tfc__iter *it) {
    shuffle_iter *s = (shuffle_iter *)it;
    tfc__iter_free(s->in);
    for (int64_t k = 0; k < s->n; k++) tfc_element_clear(&s->buf[k]);
    tfc_free(s->buf);
    tfc_free(s);
}

static const tfc__iter_ops shuffle_iter_ops = {shuffle_next, shuffle_save, shuffle_restore,
                                               shuffle_close, shuffle_free};

static tfc_code shuffle_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    const shuffle_params *p = ds->p;
    shuffle_iter *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc__oom(st, "iterator");
    s->base.ops = &shuffle_iter_ops;
    /* the buffer grows with the input up to size, so a big buffer over a small dataset is cheap */
    int64_t cap = p->size;
    int64_t card = tfc_dataset_cardinality(ds->in[0]);
    if (card >= 0 && card < cap) cap = card;
    if (cap < 1) cap = 1;
    s->cap = cap;
    if (!(s->buf = tfc_calloc((size_t)cap, sizeof *s->buf))) {
        tfc_free(s);
        return tfc__oom(st, "shuffle buffer");
    }
    tfc__rng_seed(&s->rng, p->reshuffle ? tfc__epoch_mix(p->seed, epoch) : p->seed);
    tfc_code c = tfc__iter_new(ds->in[0], epoch, &s->in, st);
    if (c) {
        tfc_free(s->buf), tfc_free(s);
        return c;
    }
    *out = &s->base;
    return TFC_OK;
}

static int64_t same_card(const tfc_dataset *ds) {
    return tfc_dataset_cardinality(ds->in[0]);
}

static void shuffle_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const shuffle_params *p = ds->p;
    snprintf(buf, n, "%lld, seed %llu%s", (long long)p->size, (unsigned long long)p->seed,
             p->reshuffle ? ", reshuffle" : "");
}

static void free_params(tfc_dataset *ds) {
    tfc_free(ds->p);
}

static const tfc__ds_ops shuffle_ops = {"Shuffle", shuffle_iter_new, same_card, shuffle_describe,
                                        free_params};

tfc_code tfc_dataset_shuffle(tfc_dataset *in, int64_t buffer_size, uint64_t seed,
                             bool reshuffle_each_iteration, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "shuffle: input dataset is NULL");
    if (buffer_size < 1 || buffer_size > ((int64_t)1 << 32))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "shuffle: buffer_size must be in [1, 2^32]: %lld",
                              (long long)buffer_size);
    shuffle_params *p = tfc_malloc(sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    *p = (shuffle_params){buffer_size, seed, reshuffle_each_iteration};
    return tfc__dataset_new(&shuffle_ops, in->n, NULL, in, NULL, p, out, st);
}
