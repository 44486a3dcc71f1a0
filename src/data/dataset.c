/* Datasets and iterators in general: references, component names, descriptions, the public
 * iterator over a chain of internal ones, and elements. */
#include <stdio.h>
#include <stdlib.h>

#include "data/data_int.h"

tfc_code tfc__oom(tfc_status *st, const char *what) {
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory (%s)", what);
}

/* ---- Elements ---- */

void tfc_element_clear(tfc_element *e) {
    if (!e) return;
    for (int i = 0; i < e->n && i < TFC_DATA_MAX_COMPONENTS; i++) tfc_tensor_unref(e->t[i]);
    e->n = 0;
    e->source[0] = '\0';
}

tfc_code tfc_element_push(tfc_element *e, tfc_tensor *t, tfc_status *st) {
    if (e->n >= TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "an element holds at most %d components",
                              TFC_DATA_MAX_COMPONENTS);
    e->t[e->n++] = tfc_tensor_ref(t);
    return TFC_OK;
}

void tfc_element_move(tfc_element *dst, tfc_element *src) {
    tfc_element_clear(dst);
    /* the used part only: a whole element is 328 bytes, most of them an unused source tail, and
     * shuffle moves elements in and out of a buffer too large for the cache */
    int n = src->n < TFC_DATA_MAX_COMPONENTS ? src->n : TFC_DATA_MAX_COMPONENTS;
    dst->n = n;
    memcpy(dst->t, src->t, (size_t)n * sizeof *src->t);
    size_t len = strnlen(src->source, sizeof src->source - 1);
    memcpy(dst->source, src->source, len);
    dst->source[len] = '\0';
    src->n = 0;
    src->source[0] = '\0';
}

void tfc__element_copy(tfc_element *dst, const tfc_element *src) {
    dst->n = src->n;
    for (int i = 0; i < src->n; i++) dst->t[i] = tfc_tensor_ref(src->t[i]);
    memcpy(dst->source, src->source, sizeof dst->source);
}

const char *tfc__element_where(const tfc_element *e, char *buf, size_t n) {
    if (!e || !e->source[0])
        buf[0] = '\0';
    else
        snprintf(buf, n, " (element from %s)", e->source);
    return buf;
}

/* ---- Datasets ---- */

tfc_code tfc__dataset_new(const tfc__ds_ops *ops, int n, const char *const *names, tfc_dataset *in0,
                          tfc_dataset *in1, void *p, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_dataset *ds = tfc_calloc(1, sizeof *ds);
    if (!ds) {
        if (p) {
            tfc_dataset tmp = {.ops = ops, .p = p};
            if (ops->free_params) ops->free_params(&tmp);
        }
        return tfc__oom(st, "dataset");
    }
    ds->ops = ops;
    ds->p = p;
    atomic_store(&ds->refs, 1);
    if (in0) ds->in[0] = tfc_dataset_ref(in0);
    if (in1) ds->in[1] = tfc_dataset_ref(in1);
    if (n < 0 || n > TFC_DATA_MAX_COMPONENTS) {
        tfc_dataset_free(ds);
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s: %d components (an element holds 1 to %d)", ops->name, n,
                              TFC_DATA_MAX_COMPONENTS);
    }
    ds->n = n;
    for (int i = 0; i < n; i++) {
        char num[16];
        const char *name = names && names[i] ? names[i] : NULL;
        if (!name && in0 && in0->n == n) name = in0->names[i];
        if (!name) snprintf(num, sizeof num, "%d", i), name = num;
        if (!(ds->names[i] = tfc_strdup(name))) {
            tfc_dataset_free(ds);
            return tfc__oom(st, "dataset");
        }
    }
    *out = ds;
    return TFC_OK;
}

tfc_dataset *tfc_dataset_ref(tfc_dataset *ds) {
    if (ds) atomic_fetch_add(&ds->refs, 1);
    return ds;
}

void tfc_dataset_free(tfc_dataset *ds) {
    if (!ds || atomic_fetch_sub(&ds->refs, 1) != 1) return;
    if (ds->ops->free_params && ds->p) ds->ops->free_params(ds);
    for (int i = 0; i < TFC_DATA_MAX_COMPONENTS; i++) tfc_free(ds->names[i]);
    tfc_dataset_free(ds->in[0]);
    tfc_dataset_free(ds->in[1]);
    tfc_free(ds);
}

int tfc_dataset_num_components(const tfc_dataset *ds) {
    return ds ? ds->n : 0;
}

const char *tfc_dataset_component_name(const tfc_dataset *ds, int i) {
    return ds && i >= 0 && i < ds->n ? ds->names[i] : NULL;
}

int tfc_dataset_component_index(const tfc_dataset *ds, const char *name) {
    for (int i = 0; ds && name && i < ds->n; i++)
        if (!strcmp(ds->names[i], name)) return i;
    return -1;
}

int64_t tfc_dataset_cardinality(const tfc_dataset *ds) {
    if (!ds) return TFC_UNKNOWN_CARDINALITY;
    return ds->ops->cardinality ? ds->ops->cardinality(ds) : TFC_UNKNOWN_CARDINALITY;
}

static void describe_into(const tfc_dataset *ds, char *buf, size_t n, int depth) {
    size_t len = strlen(buf);
    if (len + 1 >= n) return;
    char params[256] = "";
    if (ds->ops->describe) ds->ops->describe(ds, params, sizeof params);
    snprintf(buf + len, n - len, "%s%s(%s)", depth ? "<-" : "", ds->ops->name, params);
    if (ds->in[1]) {
        len = strlen(buf);
        snprintf(buf + len, n - len, "<-[");
        describe_into(ds->in[1], buf, n, 0);
        len = strlen(buf);
        snprintf(buf + len, n - len, "]");
    }
    if (ds->in[0] && depth < 64) describe_into(ds->in[0], buf, n, depth + 1);
}

char *tfc_dataset_describe(const tfc_dataset *ds) {
    char buf[4096] = "";
    if (ds) describe_into(ds, buf, sizeof buf, 0);
    return tfc_strdup(buf);
}

/* ---- Internal iterators ---- */

tfc_code tfc__iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    *out = NULL;
    tfc_code c = ds->ops->iter_new(ds, epoch, out, st);
    /* a dataset may hand out an iterator of an inner dataset, which keeps its own */
    if (c == TFC_OK && (!(*out)->ds || (*out)->ds == ds)) (*out)->ds = ds, (*out)->epoch = epoch;
    return c;
}

uint64_t tfc__epoch_mix(uint64_t e, uint64_t k) {
    uint64_t z = e * 0x9e3779b97f4a7c15ull + k + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    return z ^ (z >> 27);
}

tfc_code tfc__iter_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    *end = false;
    return it->ops->next(it, out, end, st);
}

tfc_code tfc__iter_close(tfc__iter *it, tfc_status *st) {
    if (!it) return TFC_OK;
    tfc_code c = it->ops->close ? it->ops->close(it, st) : TFC_OK;
    it->ops->free(it);
    return c;
}

void tfc__iter_free(tfc__iter *it) {
    tfc_status ignored;
    tfc__iter_close(it, &ignored);
}

/* ---- Public iterators ---- */

struct tfc_iterator {
    tfc_dataset *ds; /* owned reference: keeps the whole pipeline alive */
    tfc__iter *root;
    bool ended;
};

static tfc_code iterator_wrap(tfc_dataset *ds, tfc__iter *root, tfc_iterator **out,
                              tfc_status *st) {
    tfc_iterator *it = tfc_calloc(1, sizeof *it);
    if (!it) {
        tfc__iter_free(root);
        return tfc__oom(st, "iterator");
    }
    it->ds = tfc_dataset_ref(ds);
    it->root = root;
    *out = it;
    return TFC_OK;
}

tfc_code tfc_iterator_new(tfc_dataset *ds, tfc_iterator **out, tfc_status *st) {
    *out = NULL;
    if (!ds) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "dataset is NULL");
    tfc__iter *root;
    uint64_t epoch = atomic_fetch_add(&ds->passes, 1);
    tfc_code c = tfc__iter_new(ds, epoch, &root, st);
    if (c) return c;
    return iterator_wrap(ds, root, out, st);
}

tfc_code tfc_iterator_get_next(tfc_iterator *it, tfc_element *out, tfc_status *st) {
    tfc_element_clear(out);
    if (!it->ended) {
        bool end = false;
        tfc_code c = tfc__iter_next(it->root, out, &end, st);
        if (c != TFC_OK) {
            tfc_element_clear(out);
            return c;
        }
        if (!end) return TFC_OK;
        it->ended = true;
    }
    return tfc_status_set(st, TFC_OUT_OF_RANGE, "End of sequence");
}

tfc_dataset *tfc_iterator_dataset(const tfc_iterator *it) {
    return it ? it->ds : NULL;
}

tfc_code tfc_iterator_close(tfc_iterator *it, tfc_status *st) {
    if (!it) return TFC_OK;
    tfc_code c = tfc__iter_close(it->root, st);
    tfc_dataset_free(it->ds);
    tfc_free(it);
    return c;
}

void tfc_iterator_free(tfc_iterator *it) {
    tfc_status ignored;
    tfc_iterator_close(it, &ignored);
}

/* Save/restore framing (the value stream itself is in state.c). */
tfc_code tfc__state_save(tfc_dataset *ds, tfc__iter *root, bool ended, uint8_t **out, size_t *n,
                         tfc_status *st);
tfc_code tfc__state_restore(tfc_dataset *ds, const void *data, size_t n, tfc__iter **root,
                            bool *ended, tfc_status *st);

tfc_code tfc_iterator_save(tfc_iterator *it, uint8_t **out, size_t *n, tfc_status *st) {
    return tfc__state_save(it->ds, it->root, it->ended, out, n, st);
}

tfc_code tfc_iterator_restore(tfc_dataset *ds, const void *state, size_t n, tfc_iterator **out,
                              tfc_status *st) {
    *out = NULL;
    if (!ds) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "dataset is NULL");
    tfc__iter *root;
    bool ended;
    tfc_code c = tfc__state_restore(ds, state, n, &root, &ended, st);
    if (c) return c;
    if ((c = iterator_wrap(ds, root, out, st))) return c;
    (*out)->ended = ended;
    /* the next new iterator takes the pass after the restored one (its reshuffles differ) */
    uint64_t next = root->epoch + 1, cur = atomic_load(&ds->passes);
    while (cur < next && !atomic_compare_exchange_weak(&ds->passes, &cur, next)) {
    }
    return TFC_OK;
}
