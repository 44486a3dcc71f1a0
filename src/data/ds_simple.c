/* Transformations that pass elements through one at a time, keeping a count or two: take, skip,
 * repeat, shard, k-fold, enumerate, filter. They share one iterator shape (input, two counters). */
#include <stdio.h>

#include "data/data_int.h"

typedef struct count_params {
    int64_t a, b; /* take/skip/repeat: count; shard/kfold: num/k and index/fold; enumerate: start */
    bool flag;    /* kfold: true for the validation fold */
    tfc_predicate_fn pred;
    void *ctx;
} count_params;

typedef struct unary_iter {
    tfc__iter base;
    tfc__iter *in;
    int64_t i, k;
} unary_iter;

static const tfc__iter_ops repeat_iter;

static tfc_code unary_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    tfc_code c = tfc__w_i64(w, u->i, st);
    if (!c) c = tfc__w_i64(w, u->k, st);
    return c ? c : tfc__w_iter(w, u->in, st);
}

static tfc_code unary_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    tfc_code c = tfc__r_i64(r, &u->i, st);
    if (!c) c = tfc__r_i64(r, &u->k, st);
    if (c) return c;
    if (u->i < 0 || u->k < 0) return tfc__r_bad(r, "counter", st);
    tfc__iter_free(u->in), u->in = NULL;
    /* repeat's input belongs to repetition k */
    uint64_t epoch =
        it->ops == &repeat_iter ? tfc__epoch_mix(it->epoch, (uint64_t)u->k) : it->epoch;
    c = tfc__r_iter(r, it->ds->in[0], epoch, &u->in, st);
    if (!c && !u->in) c = tfc__r_bad(r, "input iterator", st);
    return c;
}

static tfc_code unary_close(tfc__iter *it, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    tfc_code c = tfc__iter_close(u->in, st);
    u->in = NULL;
    return c;
}

static void unary_free(tfc__iter *it) {
    tfc__iter_free(((unary_iter *)it)->in);
    tfc_free(it);
}

static tfc_code unary_new(const tfc__iter_ops *ops, tfc_dataset *ds, uint64_t epoch,
                          tfc__iter **out, tfc_status *st) {
    unary_iter *u = tfc_calloc(1, sizeof *u);
    if (!u) return tfc__oom(st, "iterator");
    u->base.ops = ops;
    tfc_code c = tfc__iter_new(ds->in[0], epoch, &u->in, st);
    if (c) {
        tfc_free(u);
        return c;
    }
    *out = &u->base;
    return TFC_OK;
}

static void free_params(tfc_dataset *ds) {
    tfc_free(ds->p);
}

static tfc_code make(const tfc__ds_ops *ops, tfc_dataset *in, count_params p, tfc_dataset **out,
                     tfc_status *st) {
    *out = NULL;
    if (!in)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: input dataset is NULL", ops->name);
    count_params *pp = tfc_malloc(sizeof *pp);
    if (!pp) return tfc__oom(st, "dataset");
    *pp = p;
    return tfc__dataset_new(ops, in->n, NULL, in, NULL, pp, out, st);
}

static void describe_a(const tfc_dataset *ds, char *buf, size_t n) {
    snprintf(buf, n, "%lld", (long long)((const count_params *)ds->p)->a);
}

static void describe_ab(const tfc_dataset *ds, char *buf, size_t n) {
    const count_params *p = ds->p;
    snprintf(buf, n, "%lld, %lld%s", (long long)p->a, (long long)p->b,
             p->flag ? ", validation" : "");
}

/* ---- take ---- */

static tfc_code take_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    int64_t count = ((const count_params *)it->ds->p)->a;
    if (count >= 0 && u->i >= count) return *end = true, TFC_OK;
    tfc_code c = tfc__iter_next(u->in, out, end, st);
    u->i++; /* an element that failed still counts, as in TF */
    return c;
}

static const tfc__iter_ops take_iter = {take_next, unary_save, unary_restore, unary_close,
                                        unary_free};

static tfc_code take_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return unary_new(&take_iter, ds, epoch, out, st);
}

static int64_t take_card(const tfc_dataset *ds) {
    int64_t n = ((const count_params *)ds->p)->a, c = tfc_dataset_cardinality(ds->in[0]);
    if (n < 0) return c;
    if (c == TFC_INFINITE_CARDINALITY) return n;
    if (c == TFC_UNKNOWN_CARDINALITY) return c;
    return c < n ? c : n;
}

static const tfc__ds_ops take_ops = {"Take", take_iter_new, take_card, describe_a, free_params};

tfc_code tfc_dataset_take(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st) {
    return make(&take_ops, in, (count_params){.a = count}, out, st);
}

/* ---- skip ---- */

static tfc_code skip_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    int64_t count = ((const count_params *)it->ds->p)->a;
    while (count < 0 || u->i < count) {
        tfc_code c = tfc__iter_next(u->in, out, end, st);
        tfc_element_clear(out);
        if (*end) return TFC_OK;
        u->i++; /* a failed element counts, as in take, so take(n) + skip(n) cover the input */
        if (c) return c; /* and it is still reported, as in TF */
    }
    return tfc__iter_next(u->in, out, end, st);
}

static const tfc__iter_ops skip_iter = {skip_next, unary_save, unary_restore, unary_close,
                                        unary_free};

static tfc_code skip_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return unary_new(&skip_iter, ds, epoch, out, st);
}

static int64_t skip_card(const tfc_dataset *ds) {
    int64_t n = ((const count_params *)ds->p)->a, c = tfc_dataset_cardinality(ds->in[0]);
    if (c < 0) return c;
    if (n < 0) return 0;
    return c > n ? c - n : 0;
}

static const tfc__ds_ops skip_ops = {"Skip", skip_iter_new, skip_card, describe_a, free_params};

tfc_code tfc_dataset_skip(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st) {
    return make(&skip_ops, in, (count_params){.a = count}, out, st);
}

/* ---- repeat ---- */

/* i: elements of this repetition; k: finished repetitions. An empty repetition ends a forever
 * repeat (TF does the same rather than spin). */
static tfc_code repeat_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    int64_t count = ((const count_params *)it->ds->p)->a;
    for (;;) {
        if (count >= 0 && u->k >= count) return *end = true, TFC_OK;
        tfc_code c;
        if (!u->in && /* a repetition whose start failed: try again */
            (c = tfc__iter_new(it->ds->in[0], tfc__epoch_mix(it->epoch, (uint64_t)u->k), &u->in,
                               st)))
            return c;
        c = tfc__iter_next(u->in, out, end, st);
        if (!*end) {
            u->i++;
            return c;
        }
        if (u->i == 0) return TFC_OK; /* empty: *end stays set */
        u->k++, u->i = 0;
        *end = false;
        tfc__iter_free(u->in), u->in = NULL;
        if (count >= 0 && u->k >= count) return *end = true, TFC_OK;
        if ((c = tfc__iter_new(it->ds->in[0], tfc__epoch_mix(it->epoch, (uint64_t)u->k), &u->in,
                               st)))
            return c;
    }
}

static const tfc__iter_ops repeat_iter = {repeat_next, unary_save, unary_restore, unary_close,
                                          unary_free};

static tfc_code repeat_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    unary_iter *u = tfc_calloc(1, sizeof *u);
    if (!u) return tfc__oom(st, "iterator");
    u->base.ops = &repeat_iter;
    tfc_code c = tfc__iter_new(ds->in[0], tfc__epoch_mix(epoch, 0), &u->in, st);
    if (c) {
        tfc_free(u);
        return c;
    }
    *out = &u->base;
    return TFC_OK;
}

static int64_t repeat_card(const tfc_dataset *ds) {
    int64_t n = ((const count_params *)ds->p)->a, c = tfc_dataset_cardinality(ds->in[0]);
    if (c == 0 || n == 0) return 0;
    if (n < 0) return c == TFC_UNKNOWN_CARDINALITY ? c : TFC_INFINITE_CARDINALITY;
    if (c < 0) return c;
    return c > INT64_MAX / n ? TFC_INFINITE_CARDINALITY : c * n;
}

static const tfc__ds_ops repeat_ops = {"Repeat", repeat_iter_new, repeat_card, describe_a,
                                       free_params};

tfc_code tfc_dataset_repeat(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st) {
    return make(&repeat_ops, in, (count_params){.a = count < 0 ? -1 : count}, out, st);
}

/* ---- shard and k-fold: keep input element j by j % a ---- */

static bool keeps(const count_params *p, int64_t j) {
    bool in_fold = j % p->a == p->b;
    return p->flag || p->pred == NULL ? in_fold : !in_fold;
}

static tfc_code modulo_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    const count_params *p = it->ds->p;
    for (;;) {
        tfc_code c = tfc__iter_next(u->in, out, end, st);
        if (*end) return TFC_OK;
        if (keeps(p, u->i++)) return c;
        tfc_element_clear(out);
    }
}

static const tfc__iter_ops modulo_iter = {modulo_next, unary_save, unary_restore, unary_close,
                                          unary_free};

static tfc_code modulo_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return unary_new(&modulo_iter, ds, epoch, out, st);
}

static int64_t modulo_card(const tfc_dataset *ds) {
    const count_params *p = ds->p;
    int64_t c = tfc_dataset_cardinality(ds->in[0]);
    if (c < 0) return c;
    int64_t in_fold = c / p->a + (p->b < c % p->a);
    return keeps(p, p->b) ? in_fold : c - in_fold;
}

static const tfc__ds_ops shard_ops = {"Shard", modulo_iter_new, modulo_card, describe_ab,
                                      free_params};
static const tfc__ds_ops kfold_ops = {"KFold", modulo_iter_new, modulo_card, describe_ab,
                                      free_params};

tfc_code tfc_dataset_shard(tfc_dataset *in, int64_t num, int64_t index, tfc_dataset **out,
                           tfc_status *st) {
    *out = NULL;
    if (num < 1 || index < 0 || index >= num)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "shard: index %lld must be in [0, num_shards) with num_shards %lld "
                              ">= 1",
                              (long long)index, (long long)num);
    return make(&shard_ops, in, (count_params){.a = num, .b = index, .flag = true}, out, st);
}

/* A non-NULL pred marks the training side (its folds are the ones not equal to b). */
static tfc_code train_marker(void *ctx, const tfc_element *in, bool *keep, tfc_status *st) {
    (void)ctx, (void)in, (void)st;
    *keep = true;
    return TFC_OK;
}

tfc_code tfc_dataset_kfold(tfc_dataset *in, int k, int fold, tfc_dataset **train,
                           tfc_dataset **validation, tfc_status *st) {
    *train = *validation = NULL;
    if (k < 2 || fold < 0 || fold >= k)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "kfold: fold %d must be in [0, k) with k %d >= 2", fold, k);
    tfc_code c =
        make(&kfold_ops, in, (count_params){.a = k, .b = fold, .pred = train_marker}, train, st);
    if (!c)
        c = make(&kfold_ops, in, (count_params){.a = k, .b = fold, .flag = true}, validation, st);
    if (c) tfc_dataset_free(*train), *train = NULL;
    return c;
}

/* ---- enumerate ---- */

static tfc_code enumerate_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    tfc_element e = {0};
    tfc_code c = tfc__iter_next(u->in, &e, end, st);
    if (*end) return TFC_OK;
    int64_t idx = ((const count_params *)it->ds->p)->a + u->i++;
    if (c) return c;
    tfc_tensor *t = tfc_tensor_scalar_int64(idx);
    if (!t) {
        tfc_element_clear(&e);
        return tfc__oom(st, "enumerate");
    }
    out->t[0] = t;
    for (int k = 0; k < e.n; k++) out->t[k + 1] = e.t[k];
    out->n = e.n + 1;
    memcpy(out->source, e.source, sizeof out->source);
    return TFC_OK;
}

static const tfc__iter_ops enumerate_iter = {enumerate_next, unary_save, unary_restore, unary_close,
                                             unary_free};

static tfc_code enumerate_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out,
                                   tfc_status *st) {
    return unary_new(&enumerate_iter, ds, epoch, out, st);
}

static int64_t same_card(const tfc_dataset *ds) {
    return tfc_dataset_cardinality(ds->in[0]);
}

static const tfc__ds_ops enumerate_ops = {"Enumerate", enumerate_iter_new, same_card, describe_a,
                                          free_params};

tfc_code tfc_dataset_enumerate(tfc_dataset *in, int64_t start, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "enumerate: input dataset is NULL");
    if (in->n >= TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "enumerate: the input has %d components",
                              in->n);
    const char *names[TFC_DATA_MAX_COMPONENTS] = {"index"};
    for (int k = 0; k < in->n; k++) names[k + 1] = in->names[k];
    count_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    p->a = start;
    return tfc__dataset_new(&enumerate_ops, in->n + 1, names, in, NULL, p, out, st);
}

/* ---- filter ---- */

static tfc_code filter_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    unary_iter *u = (unary_iter *)it;
    const count_params *p = it->ds->p;
    for (;;) {
        tfc_code c = tfc__iter_next(u->in, out, end, st);
        if (*end || c) return c;
        bool keep = false;
        if ((c = p->pred(p->ctx, out, &keep, st))) {
            char where[256];
            tfc_status_prefix(st, "filter%s", tfc__element_where(out, where, sizeof where));
            tfc_element_clear(out);
            return c;
        }
        if (keep) return TFC_OK;
        tfc_element_clear(out);
    }
}

static const tfc__iter_ops filter_iter = {filter_next, unary_save, unary_restore, unary_close,
                                          unary_free};

static tfc_code filter_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return unary_new(&filter_iter, ds, epoch, out, st);
}

static int64_t unknown_card(const tfc_dataset *ds) {
    int64_t c = tfc_dataset_cardinality(ds->in[0]);
    return c == TFC_INFINITE_CARDINALITY || c == 0 ? c : TFC_UNKNOWN_CARDINALITY;
}

static const tfc__ds_ops filter_ops = {"Filter", filter_iter_new, unknown_card, NULL, free_params};

tfc_code tfc_dataset_filter(tfc_dataset *in, tfc_predicate_fn fn, void *ctx, tfc_dataset **out,
                            tfc_status *st) {
    *out = NULL;
    if (!fn) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "filter: predicate is NULL");
    return make(&filter_ops, in, (count_params){.pred = fn, .ctx = ctx}, out, st);
}
