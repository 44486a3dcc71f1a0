/* Datasets of several inputs: zip (side by side, up to the shortest) and concatenate (one after
 * the other). */
#include <stdio.h>

#include "data/data_int.h"

/* ---- zip ---- */

typedef struct zip_params {
    int n;
    tfc_dataset *in[TFC_DATA_MAX_COMPONENTS];
} zip_params;

typedef struct zip_iter {
    tfc__iter base;
    int n;
    tfc__iter *in[TFC_DATA_MAX_COMPONENTS];
} zip_iter;

static tfc_code zip_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    zip_iter *z = (zip_iter *)it;
    tfc_code c = TFC_OK;
    for (int k = 0; k < z->n; k++) {
        tfc_element e = {0};
        bool e_end = false;
        tfc_code ck = tfc__iter_next(z->in[k], &e, &e_end, st);
        if (e_end) *end = true;
        if (ck && !c) c = ck; /* the first failure is reported; every input still advances */
        for (int j = 0; j < e.n && !*end && !c; j++) out->t[out->n++] = tfc_tensor_ref(e.t[j]);
        if (k == 0) memcpy(out->source, e.source, sizeof out->source);
        tfc_element_clear(&e);
    }
    if (*end || c) tfc_element_clear(out);
    return *end ? TFC_OK : c;
}

static tfc_code zip_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    zip_iter *z = (zip_iter *)it;
    tfc_code c = TFC_OK;
    for (int k = 0; k < z->n && !c; k++) c = tfc__w_iter(w, z->in[k], st);
    return c;
}

static tfc_code zip_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    zip_iter *z = (zip_iter *)it;
    const zip_params *p = it->ds->p;
    tfc_code c = TFC_OK;
    for (int k = 0; k < z->n && !c; k++) {
        tfc__iter_free(z->in[k]), z->in[k] = NULL;
        c = tfc__r_iter(r, p->in[k], it->epoch, &z->in[k], st);
        if (!c && !z->in[k]) c = tfc__r_bad(r, "zip input", st);
    }
    return c;
}

static tfc_code zip_close(tfc__iter *it, tfc_status *st) {
    zip_iter *z = (zip_iter *)it;
    tfc_code c = TFC_OK;
    for (int k = 0; k < z->n; k++) {
        tfc_code ck = tfc__iter_close(z->in[k], st);
        if (!c) c = ck;
        z->in[k] = NULL;
    }
    return c;
}

static void zip_free(tfc__iter *it) {
    zip_iter *z = (zip_iter *)it;
    for (int k = 0; k < z->n; k++) tfc__iter_free(z->in[k]);
    tfc_free(z);
}

static const tfc__iter_ops zip_iter_ops = {zip_next, zip_save, zip_restore, zip_close, zip_free};

static tfc_code zip_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    const zip_params *p = ds->p;
    zip_iter *z = tfc_calloc(1, sizeof *z);
    if (!z) return tfc__oom(st, "iterator");
    z->base.ops = &zip_iter_ops;
    tfc_code c = TFC_OK;
    for (; z->n < p->n; z->n++)
        if ((c = tfc__iter_new(p->in[z->n], epoch, &z->in[z->n], st))) break;
    if (c) {
        zip_free(&z->base);
        return c;
    }
    *out = &z->base;
    return TFC_OK;
}

static int64_t zip_card(const tfc_dataset *ds) {
    const zip_params *p = ds->p;
    int64_t best = TFC_INFINITE_CARDINALITY;
    for (int k = 0; k < p->n; k++) {
        int64_t c = tfc_dataset_cardinality(p->in[k]);
        if (c == TFC_INFINITE_CARDINALITY) continue;
        if (c == TFC_UNKNOWN_CARDINALITY) return c; /* as TF: the shortest may be that one */
        if (best < 0 || c < best) best = c;
    }
    return best;
}

static void zip_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const zip_params *p = ds->p;
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < p->n && len + 2 < n; k++) {
        char *d = tfc_dataset_describe(p->in[k]);
        snprintf(buf + len, n - len, "%s[%s]", k ? ", " : "", d ? d : "");
        tfc_free(d);
        len = strlen(buf);
    }
}

static void zip_free_params(tfc_dataset *ds) {
    zip_params *p = ds->p;
    for (int k = 0; k < p->n; k++) tfc_dataset_free(p->in[k]);
    tfc_free(p);
}

static const tfc__ds_ops zip_ops = {"Zip", zip_iter_new, zip_card, zip_describe, zip_free_params};

tfc_code tfc_dataset_zip(tfc_dataset *const *in, int n, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (n < 1 || n > TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "zip: %d datasets (1 to %d)", n,
                              TFC_DATA_MAX_COMPONENTS);
    const char *names[TFC_DATA_MAX_COMPONENTS];
    int total = 0;
    for (int k = 0; k < n; k++) {
        if (!in[k]) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "zip: dataset %d is NULL", k);
        if (total + in[k]->n > TFC_DATA_MAX_COMPONENTS)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT, "zip: more than %d components in all",
                                  TFC_DATA_MAX_COMPONENTS);
        for (int j = 0; j < in[k]->n; j++) names[total++] = in[k]->names[j];
    }
    zip_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    for (; p->n < n; p->n++) p->in[p->n] = tfc_dataset_ref(in[p->n]);
    return tfc__dataset_new(&zip_ops, total, names, NULL, NULL, p, out, st);
}

/* ---- concatenate ---- */

typedef struct concat_iter {
    tfc__iter base;
    int which; /* 0: a, 1: b, 2: done */
    tfc__iter *in;
} concat_iter;

static tfc_code concat_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    concat_iter *ci = (concat_iter *)it;
    while (ci->which < 2) {
        tfc_code c = ci->in ? TFC_OK : tfc__iter_new(it->ds->in[ci->which], it->epoch, &ci->in, st);
        if (c) return c;
        c = tfc__iter_next(ci->in, out, end, st);
        if (!*end) return c;
        *end = false;
        tfc__iter_free(ci->in), ci->in = NULL;
        ci->which++;
    }
    *end = true;
    return TFC_OK;
}

static tfc_code concat_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    concat_iter *ci = (concat_iter *)it;
    tfc_code c = tfc__w_i64(w, ci->which, st);
    return c ? c : tfc__w_iter(w, ci->in, st);
}

static tfc_code concat_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    concat_iter *ci = (concat_iter *)it;
    int64_t which;
    tfc_code c = tfc__r_i64(r, &which, st);
    if (c) return c;
    if (which < 0 || which > 2) return tfc__r_bad(r, "concatenate side", st);
    ci->which = (int)which;
    tfc__iter_free(ci->in), ci->in = NULL;
    return tfc__r_iter(r, which < 2 ? it->ds->in[which] : it->ds->in[0], it->epoch, &ci->in, st);
}

static tfc_code concat_close(tfc__iter *it, tfc_status *st) {
    concat_iter *ci = (concat_iter *)it;
    tfc_code c = tfc__iter_close(ci->in, st);
    ci->in = NULL;
    return c;
}

static void concat_free(tfc__iter *it) {
    tfc__iter_free(((concat_iter *)it)->in);
    tfc_free(it);
}

static const tfc__iter_ops concat_iter_ops = {concat_next, concat_save, concat_restore,
                                              concat_close, concat_free};

static tfc_code concat_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    (void)ds, (void)epoch;
    concat_iter *ci = tfc_calloc(1, sizeof *ci);
    if (!ci) return tfc__oom(st, "iterator");
    ci->base.ops = &concat_iter_ops;
    *out = &ci->base;
    return TFC_OK;
}

static int64_t concat_card(const tfc_dataset *ds) {
    int64_t a = tfc_dataset_cardinality(ds->in[0]), b = tfc_dataset_cardinality(ds->in[1]);
    if (a == TFC_INFINITE_CARDINALITY || b == TFC_INFINITE_CARDINALITY)
        return TFC_INFINITE_CARDINALITY;
    if (a < 0 || b < 0) return TFC_UNKNOWN_CARDINALITY;
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static const tfc__ds_ops concat_ops = {"Concatenate", concat_iter_new, concat_card, NULL, NULL};

tfc_code tfc_dataset_concatenate(tfc_dataset *a, tfc_dataset *b, tfc_dataset **out,
                                 tfc_status *st) {
    *out = NULL;
    if (!a || !b) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "concatenate: dataset is NULL");
    if (a->n != b->n)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "concatenate: the datasets have %d and %d components", a->n, b->n);
    return tfc__dataset_new(&concat_ops, a->n, NULL, a, b, NULL, out, st);
}
