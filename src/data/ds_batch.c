/* batch, padded_batch (with the lengths TF makes users compute), unbatch. */
#include <stdio.h>

#include "data/data_int.h"
#include "data/rows.h"

typedef struct batch_params {
    int64_t size;
    bool drop_remainder, padded;
    tfc_shape shapes[TFC_DATA_MAX_COMPONENTS];
    tfc_tensor *pad[TFC_DATA_MAX_COMPONENTS];
} batch_params;

typedef struct batch_iter {
    tfc__iter base;
    tfc__iter *in;
    tfc_element *buf; /* size elements */
    tfc_element cur;  /* unbatch: the element being split */
    int64_t row;      /* unbatch: next row of cur */
} batch_iter;

/* Eager stacking: a full batch's tensors are made at its first element and each element's rows
 * are copied in as it arrives, while they are still in the cache (stacking 100 images after
 * pulling them all read each one back from memory). When no component is a string the element is
 * then released at once, so the next one reuses its memory; its slot keeps references to element
 * 0's tensors instead, which have the same dtypes and shapes. Anything unusual — elements that
 * differ in components, dtype or shape, a batch over EAGER_MAX_BYTES, strings that cannot be
 * copied — leaves the batch to tfc__rows_stack, which says what is wrong exactly as before (a
 * mismatch is between element 0 and a slot that was kept). */
#define EAGER_MAX_BYTES ((size_t)64 << 20)

typedef struct eager {
    bool on;
    bool release; /* no string components: elements are released once copied */
    tfc_tensor *t[TFC_DATA_MAX_COMPONENTS];
} eager;

static void eager_drop(eager *g) {
    for (int k = 0; k < TFC_DATA_MAX_COMPONENTS; k++) tfc_tensor_unref(g->t[k]), g->t[k] = NULL;
    g->on = false;
}

/* Copies element i of a batch of `size` (b->buf[i], just pulled) into g; drops g on anything
 * unusual. */
static void eager_put(eager *g, batch_iter *b, int64_t i, int64_t size) {
    tfc_element *e = &b->buf[i];
    const tfc_element *e0 = &b->buf[0];
    if (!g->on) return;
    if (e->n != e0->n || e->n < 1 || e->n > TFC_DATA_MAX_COMPONENTS) {
        eager_drop(g);
        return;
    }
    for (int k = 0; k < e->n; k++) {
        const tfc_tensor *r = e->t[k];
        if (i == 0) {
            bool str = tfc_tensor_dtype(r) == TFC_DT_STRING;
            size_t row = str ? (size_t)tfc_tensor_num_elements(r) * sizeof(tfc_bytes)
                             : tfc_tensor_byte_size(r);
            if ((row && (size_t)size > EAGER_MAX_BYTES / row) ||
                tfc__rows_new(r, size, &g->t[k], NULL) != TFC_OK) {
                eager_drop(g);
                return;
            }
            g->release = g->release && !str;
        } else if (tfc_tensor_dtype(r) != tfc_tensor_dtype(e0->t[k]) ||
                   !tfc_shape_equal(tfc_tensor_shape(r), tfc_tensor_shape(e0->t[k]))) {
            eager_drop(g);
            return;
        }
        if (tfc__rows_put(g->t[k], i, r, NULL) != TFC_OK) {
            eager_drop(g);
            return;
        }
    }
    if (i > 0 && g->release) {
        tfc_element_clear(e);
        e->n = e0->n;
        for (int k = 0; k < e0->n; k++) e->t[k] = tfc_tensor_ref(e0->t[k]);
    }
}

static tfc_code batch_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    batch_iter *b = (batch_iter *)it;
    const batch_params *p = it->ds->p;
    int64_t n = 0;
    tfc_code c = TFC_OK;
    eager g = {.on = !p->padded, .release = true};
    while (n < p->size) {
        bool e = false;
        if ((c = tfc__iter_next(b->in, &b->buf[n], &e, st)) || e) break;
        eager_put(&g, b, n, p->size);
        n++;
    }
    if (c == TFC_OK && (n == 0 || (n < p->size && p->drop_remainder))) *end = true;
    if (c == TFC_OK && !*end && g.on) {
        /* a short final batch: its first n rows */
        for (int k = 0; k < b->buf[0].n && !c && n < p->size; k++) {
            tfc_tensor *all = g.t[k];
            c = tfc__rows_prefix(all, n, &g.t[k], st);
            tfc_tensor_unref(all);
            if (c) g.t[k] = NULL;
        }
        if (!c) {
            out->n = b->buf[0].n;
            for (int k = 0; k < out->n; k++) out->t[k] = g.t[k], g.t[k] = NULL;
            memcpy(out->source, b->buf[0].source, sizeof out->source);
        }
    } else if (c == TFC_OK && !*end) {
        int comps = b->buf[0].n;
        tfc_tensor *vals[TFC_DATA_MAX_COMPONENTS] = {0}, *lens[TFC_DATA_MAX_COMPONENTS] = {0};
        tfc_tensor **col = tfc_malloc((size_t)n * sizeof *col);
        if (!col) c = tfc__oom(st, "batch");
        for (int k = 0; k < comps && !c; k++) {
            for (int64_t i = 0; i < n; i++) col[i] = b->buf[i].t[k];
            char what[160];
            snprintf(what, sizeof what, "component '%s'", it->ds->in[0]->names[k]);
            c = p->padded ? tfc__rows_pad_stack(col, n, &p->shapes[k], p->pad[k], what, &vals[k],
                                                &lens[k], st)
                          : tfc__rows_stack(col, n, what, &vals[k], st);
        }
        tfc_free(col);
        for (int k = 0; k < comps; k++) {
            if (c) {
                tfc_tensor_unref(vals[k]), tfc_tensor_unref(lens[k]);
                continue;
            }
            out->t[k] = vals[k];
            if (p->padded) out->t[comps + k] = lens[k];
        }
        if (!c) {
            out->n = p->padded ? 2 * comps : comps;
            memcpy(out->source, b->buf[0].source, sizeof out->source);
        }
    }
    eager_drop(&g);
    for (int64_t i = 0; i < n; i++) tfc_element_clear(&b->buf[i]);
    return c;
}

static tfc_code unbatch_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    batch_iter *b = (batch_iter *)it;
    for (;;) {
        if (b->cur.n > 0 && b->row < tfc_tensor_dim(b->cur.t[0], 0)) {
            for (int k = 0; k < b->cur.n; k++) {
                tfc_code c = tfc__row_get(b->cur.t[k], b->row, &out->t[k], st);
                if (c) {
                    out->n = k;
                    tfc_element_clear(out);
                    b->row++;
                    return c;
                }
                out->n = k + 1;
            }
            snprintf(out->source, sizeof out->source, "%.150s row %lld", b->cur.source,
                     (long long)b->row);
            if (!b->cur.source[0]) out->source[0] = '\0';
            b->row++;
            return TFC_OK;
        }
        tfc_element_clear(&b->cur);
        b->row = 0;
        tfc_code c = tfc__iter_next(b->in, &b->cur, end, st);
        if (c || *end) return c;
        for (int k = 0; k < b->cur.n; k++)
            if (tfc_tensor_rank(b->cur.t[k]) < 1 ||
                tfc_tensor_dim(b->cur.t[k], 0) != tfc_tensor_dim(b->cur.t[0], 0)) {
                char where[256];
                c = tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                   "unbatch: component %d has no first dim matching component "
                                   "0's%s",
                                   k, tfc__element_where(&b->cur, where, sizeof where));
                tfc_element_clear(&b->cur);
                return c;
            }
    }
}

static tfc_code batch_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    batch_iter *b = (batch_iter *)it;
    tfc_code c = tfc__w_i64(w, b->row, st);
    if (!c) c = tfc__w_element(w, &b->cur, st);
    return c ? c : tfc__w_iter(w, b->in, st);
}

static tfc_code batch_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    batch_iter *b = (batch_iter *)it;
    tfc_code c = tfc__r_i64(r, &b->row, st);
    if (!c) c = tfc__r_element(r, &b->cur, st);
    if (c) return c;
    if (b->row < 0) return tfc__r_bad(r, "row", st);
    tfc__iter_free(b->in), b->in = NULL;
    c = tfc__r_iter(r, it->ds->in[0], it->epoch, &b->in, st);
    if (!c && !b->in) c = tfc__r_bad(r, "input iterator", st);
    return c;
}

static tfc_code batch_close(tfc__iter *it, tfc_status *st) {
    batch_iter *b = (batch_iter *)it;
    tfc_code c = tfc__iter_close(b->in, st);
    b->in = NULL;
    return c;
}

static void batch_free(tfc__iter *it) {
    batch_iter *b = (batch_iter *)it;
    tfc__iter_free(b->in);
    tfc_element_clear(&b->cur);
    tfc_free(b->buf);
    tfc_free(b);
}

static const tfc__iter_ops batch_iter_ops = {batch_next, batch_save, batch_restore, batch_close,
                                             batch_free};
static const tfc__iter_ops unbatch_iter_ops = {unbatch_next, batch_save, batch_restore, batch_close,
                                               batch_free};

static tfc_code iter_new(tfc_dataset *ds, uint64_t epoch, const tfc__iter_ops *ops, int64_t n,
                         tfc__iter **out, tfc_status *st) {
    batch_iter *b = tfc_calloc(1, sizeof *b);
    if (!b) return tfc__oom(st, "iterator");
    b->base.ops = ops;
    if (n && !(b->buf = tfc_calloc((size_t)n, sizeof *b->buf))) {
        tfc_free(b);
        return tfc__oom(st, "batch buffer");
    }
    tfc_code c = tfc__iter_new(ds->in[0], epoch, &b->in, st);
    if (c) {
        tfc_free(b->buf), tfc_free(b);
        return c;
    }
    *out = &b->base;
    return TFC_OK;
}

static tfc_code batch_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return iter_new(ds, epoch, &batch_iter_ops, ((const batch_params *)ds->p)->size, out, st);
}

static tfc_code unbatch_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return iter_new(ds, epoch, &unbatch_iter_ops, 0, out, st);
}

static int64_t batch_card(const tfc_dataset *ds) {
    const batch_params *p = ds->p;
    int64_t c = tfc_dataset_cardinality(ds->in[0]);
    if (c < 0) return c;
    return p->drop_remainder ? c / p->size : c / p->size + (c % p->size != 0);
}

static int64_t unbatch_card(const tfc_dataset *ds) {
    int64_t c = tfc_dataset_cardinality(ds->in[0]);
    return c == TFC_INFINITE_CARDINALITY || c == 0 ? c : TFC_UNKNOWN_CARDINALITY;
}

static void batch_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const batch_params *p = ds->p;
    snprintf(buf, n, "%lld%s", (long long)p->size, p->drop_remainder ? ", drop_remainder" : "");
}

static void batch_free_params(tfc_dataset *ds) {
    batch_params *p = ds->p;
    for (int k = 0; k < TFC_DATA_MAX_COMPONENTS; k++) tfc_tensor_unref(p->pad[k]);
    tfc_free(p);
}

static const tfc__ds_ops batch_ops = {"Batch", batch_iter_new, batch_card, batch_describe,
                                      batch_free_params};
static const tfc__ds_ops padded_ops = {"PaddedBatch", batch_iter_new, batch_card, batch_describe,
                                       batch_free_params};
static const tfc__ds_ops unbatch_ops = {"Unbatch", unbatch_iter_new, unbatch_card, NULL,
                                        batch_free_params};

static tfc_code check_size(const char *op, tfc_dataset *in, int64_t size, tfc_status *st) {
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: input dataset is NULL", op);
    if (size < 1 || size > (1 << 30))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: batch_size must be in [1, 2^30]: %lld",
                              op, (long long)size);
    return TFC_OK;
}

tfc_code tfc_dataset_batch(tfc_dataset *in, int64_t batch_size, bool drop_remainder,
                           tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_code c = check_size("batch", in, batch_size, st);
    if (c) return c;
    batch_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    p->size = batch_size, p->drop_remainder = drop_remainder;
    return tfc__dataset_new(&batch_ops, in->n, NULL, in, NULL, p, out, st);
}

tfc_code tfc_dataset_padded_batch(tfc_dataset *in, int64_t batch_size,
                                  const tfc_shape *padded_shapes, tfc_tensor *const *padding_values,
                                  bool drop_remainder, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_code c = check_size("padded_batch", in, batch_size, st);
    if (c) return c;
    if (2 * in->n > TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "padded_batch: %d components and their lengths exceed %d", in->n,
                              TFC_DATA_MAX_COMPONENTS);
    batch_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    p->size = batch_size, p->drop_remainder = drop_remainder, p->padded = true;
    const char *names[TFC_DATA_MAX_COMPONENTS];
    char lengths[TFC_DATA_MAX_COMPONENTS][160];
    for (int k = 0; k < in->n; k++) {
        p->shapes[k] = padded_shapes ? padded_shapes[k] : (tfc_shape){.rank = -1};
        if (padding_values && padding_values[k]) p->pad[k] = tfc_tensor_ref(padding_values[k]);
        names[k] = in->names[k];
        snprintf(lengths[k], sizeof lengths[k], "%.140s_lengths", in->names[k]);
        names[in->n + k] = lengths[k];
    }
    return tfc__dataset_new(&padded_ops, 2 * in->n, names, in, NULL, p, out, st);
}

tfc_code tfc_dataset_unbatch(tfc_dataset *in, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "unbatch: input dataset is NULL");
    batch_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    return tfc__dataset_new(&unbatch_ops, in->n, NULL, in, NULL, p, out, st);
}
