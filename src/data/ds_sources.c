/* Sources held in memory or computed: range, from_tensor_slices, from_generator. Each iterator's
 * state is one position. */
#include <stdio.h>

#include "data/data_int.h"
#include "data/rows.h"

/* An iterator whose whole state is the index of its next element. */
typedef struct pos_iter {
    tfc__iter base;
    int64_t i;
} pos_iter;

static tfc_code pos_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    return tfc__w_i64(w, ((pos_iter *)it)->i, st);
}

static tfc_code pos_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    tfc_code c = tfc__r_i64(r, &((pos_iter *)it)->i, st);
    if (!c && ((pos_iter *)it)->i < 0) return tfc__r_bad(r, "position", st);
    return c;
}

static void pos_free(tfc__iter *it) {
    tfc_free(it);
}

static tfc_code pos_new(const tfc__iter_ops *ops, tfc__iter **out, tfc_status *st) {
    pos_iter *it = tfc_calloc(1, sizeof *it);
    if (!it) return tfc__oom(st, "iterator");
    it->base.ops = ops;
    *out = &it->base;
    return TFC_OK;
}

/* ---- range ---- */

typedef struct range_params {
    int64_t start, stop, step;
} range_params;

static int64_t range_count(const tfc_dataset *ds) {
    const range_params *p = ds->p;
    /* in unsigned: stop - start can exceed INT64_MAX; the count saturates at INT64_MAX */
    uint64_t span, step;
    if (p->step > 0 && p->stop > p->start)
        span = (uint64_t)p->stop - (uint64_t)p->start, step = (uint64_t)p->step;
    else if (p->step < 0 && p->stop < p->start)
        span = (uint64_t)p->start - (uint64_t)p->stop, step = 0 - (uint64_t)p->step;
    else
        return 0;
    uint64_t n = (span - 1) / step + 1;
    return n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

static tfc_code range_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    pos_iter *r = (pos_iter *)it;
    const range_params *p = it->ds->p;
    if (r->i >= range_count(it->ds)) return *end = true, TFC_OK;
    tfc_tensor *t = tfc_tensor_scalar_int64(
        (int64_t)((uint64_t)p->start + (uint64_t)r->i * (uint64_t)p->step)); /* no overflow UB */
    if (!t) return tfc__oom(st, "range element");
    r->i++;
    out->n = 1, out->t[0] = t;
    return TFC_OK;
}

static const tfc__iter_ops range_iter_ops = {range_next, pos_save, pos_restore, NULL, pos_free};

static tfc_code range_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    (void)ds, (void)epoch;
    return pos_new(&range_iter_ops, out, st);
}

static void range_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const range_params *p = ds->p;
    snprintf(buf, n, "%lld, %lld, %lld", (long long)p->start, (long long)p->stop,
             (long long)p->step);
}

static void free_params(tfc_dataset *ds) {
    tfc_free(ds->p);
}

static const tfc__ds_ops range_ops = {"Range", range_iter_new, range_count, range_describe,
                                      free_params};

tfc_code tfc_dataset_range(int64_t start, int64_t stop, int64_t step, tfc_dataset **out,
                           tfc_status *st) {
    *out = NULL;
    if (step == 0)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "step must be a non-zero integer");
    range_params *p = tfc_malloc(sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    *p = (range_params){start, stop, step};
    return tfc__dataset_new(&range_ops, 1, (const char *const[]){"value"}, NULL, NULL, p, out, st);
}

/* ---- from_tensor_slices ---- */

typedef struct slices_params {
    int n;
    int64_t rows;
    uint32_t crc; /* of the values: a saved state belongs to these slices */
    tfc_tensor *t[TFC_DATA_MAX_COMPONENTS];
} slices_params;

static int64_t slices_count(const tfc_dataset *ds) {
    return ((const slices_params *)ds->p)->rows;
}

static tfc_code slices_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    pos_iter *r = (pos_iter *)it;
    const slices_params *p = it->ds->p;
    if (r->i >= p->rows) return *end = true, TFC_OK;
    for (int k = 0; k < p->n; k++) {
        tfc_code c = tfc__row_get(p->t[k], r->i, &out->t[k], st);
        if (c) {
            out->n = k;
            tfc_element_clear(out);
            return c;
        }
    }
    out->n = p->n;
    r->i++;
    return TFC_OK;
}

static const tfc__iter_ops slices_iter_ops = {slices_next, pos_save, pos_restore, NULL, pos_free};

static tfc_code slices_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    (void)ds, (void)epoch;
    return pos_new(&slices_iter_ops, out, st);
}

static void slices_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const slices_params *p = ds->p;
    snprintf(buf, n, "%lld rows %08x", (long long)p->rows, (unsigned)p->crc);
}

static void slices_free(tfc_dataset *ds) {
    slices_params *p = ds->p;
    for (int k = 0; k < p->n; k++) tfc_tensor_unref(p->t[k]);
    tfc_free(p);
}

static const tfc__ds_ops slices_ops = {"TensorSlice", slices_iter_new, slices_count,
                                       slices_describe, slices_free};

tfc_code tfc_dataset_from_tensor_slices(tfc_tensor *const *tensors, const char *const *names, int n,
                                        tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (n < 1 || n > TFC_DATA_MAX_COMPONENTS)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "from_tensor_slices: %d tensors (1 to %d)",
                              n, TFC_DATA_MAX_COMPONENTS);
    for (int k = 0; k < n; k++) {
        if (!tensors[k] || tfc_tensor_rank(tensors[k]) < 1)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "from_tensor_slices: tensor %d must have rank >= 1", k);
        if (tfc_tensor_dim(tensors[k], 0) != tfc_tensor_dim(tensors[0], 0))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "from_tensor_slices: all tensors need the same first dim: "
                                  "tensor 0 has %lld, tensor %d has %lld",
                                  (long long)tfc_tensor_dim(tensors[0], 0), k,
                                  (long long)tfc_tensor_dim(tensors[k], 0));
    }
    slices_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    p->n = n;
    p->rows = tfc_tensor_dim(tensors[0], 0);
    for (int k = 0; k < n; k++) {
        p->t[k] = tfc_tensor_ref(tensors[k]);
        if (tfc_tensor_dtype(tensors[k]) != TFC_DT_STRING) {
            p->crc = tfc_crc32c_extend(p->crc, tfc_tensor_data_const(tensors[k]),
                                       tfc_tensor_byte_size(tensors[k]));
            continue;
        }
        for (int64_t i = 0; i < tfc_tensor_num_elements(tensors[k]); i++) {
            tfc_bytes b = tfc_tensor_string_at(tensors[k], i);
            p->crc = tfc_crc32c_extend(p->crc, b.data, b.size);
            p->crc = tfc_crc32c_extend(p->crc, "", 1);
        }
    }
    return tfc__dataset_new(&slices_ops, n, names, NULL, NULL, p, out, st);
}

/* ---- from_generator ---- */

typedef struct gen_params {
    tfc_generator_fn fn;
    void *ctx;
    int n;
    int64_t cardinality;
} gen_params;

static int64_t gen_count(const tfc_dataset *ds) {
    return ((const gen_params *)ds->p)->cardinality;
}

static tfc_code gen_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    pos_iter *r = (pos_iter *)it;
    const gen_params *p = it->ds->p;
    tfc_code c = p->fn(p->ctx, r->i, out, end, st);
    if (c == TFC_OK && !*end && out->n != p->n) {
        int got = out->n;
        tfc_element_clear(out);
        c = tfc_status_set(st, TFC_INVALID_ARGUMENT,
                           "generator gave %d components for element %lld, expected %d", got,
                           (long long)r->i, p->n);
    }
    if (c != TFC_OK) tfc_element_clear(out);
    if (c == TFC_OK && !*end && !out->source[0])
        snprintf(out->source, sizeof out->source, "generator element %lld", (long long)r->i);
    r->i++;
    return c;
}

static const tfc__iter_ops gen_iter_ops = {gen_next, pos_save, pos_restore, NULL, pos_free};

static tfc_code gen_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    (void)ds, (void)epoch;
    return pos_new(&gen_iter_ops, out, st);
}

static const tfc__ds_ops gen_ops = {"Generator", gen_iter_new, gen_count, NULL, free_params};

tfc_code tfc_dataset_from_generator(tfc_generator_fn fn, void *ctx, const char *const *names, int n,
                                    int64_t cardinality, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!fn) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "from_generator: fn is NULL");
    if (cardinality < TFC_UNKNOWN_CARDINALITY) cardinality = TFC_UNKNOWN_CARDINALITY;
    gen_params *p = tfc_malloc(sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    *p = (gen_params){fn, ctx, n, cardinality};
    return tfc__dataset_new(&gen_ops, n, names, NULL, NULL, p, out, st);
}
