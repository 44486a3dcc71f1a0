/* cache: the first pass that reaches the end of its input fills the cache (in memory, or a TFRecord
 * file of encoded elements written through an atomic writer, so the file appears whole or not at
 * all); later passes read it. A pass stopped early either completes the cache or says it did not
 * (TF silently drops it, tensorflow#37340). */
#include <pthread.h>
#include <stdio.h>

#include "data/data_int.h"
#include "tfc/gfile.h"

typedef struct cache_params {
    char *filename; /* NULL: memory */
    bool complete_partial;
    pthread_mutex_t mu;
    bool complete; /* memory: elems holds the whole input */
    tfc_element *elems;
    int64_t n;
} cache_params;

enum { READ_MEM, READ_FILE, WRITE };

typedef struct cache_iter {
    tfc__iter base;
    int mode;
    int64_t pos;          /* READ_*: next element; WRITE: elements written */
    tfc__iter *in;        /* WRITE */
    tfc_element *pending; /* WRITE to memory */
    int64_t cap;
    tfc_record_writer *w; /* WRITE to file */
    tfc_record_reader *r; /* READ_FILE */
    bool finished;
} cache_iter;

static tfc_code commit(cache_iter *ci, tfc_status *st) {
    cache_params *p = ci->base.ds->p;
    ci->finished = true;
    if (p->filename) {
        tfc_code c = tfc_record_writer_close(ci->w, st);
        ci->w = NULL;
        if (c) tfc_status_prefix(st, "cache %s", p->filename);
        return c;
    }
    pthread_mutex_lock(&p->mu);
    if (!p->complete) {
        p->elems = ci->pending, p->n = ci->pos, p->complete = true;
        ci->pending = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    return TFC_OK;
}

static tfc_code keep(cache_iter *ci, const tfc_element *e, tfc_status *st) {
    cache_params *p = ci->base.ds->p;
    if (p->filename) {
        uint8_t *buf;
        size_t n;
        tfc_code c = tfc__element_encode(e, &buf, &n, st);
        if (!c) c = tfc_record_writer_write(ci->w, buf, n, st);
        tfc_free(buf);
        if (!c) ci->pos++;
        return c;
    }
    if (ci->pos == ci->cap) {
        int64_t cap = ci->cap ? 2 * ci->cap : 64;
        tfc_element *v = tfc_realloc(ci->pending, (size_t)cap * sizeof *v);
        if (!v) return tfc__oom(st, "cache");
        ci->pending = v, ci->cap = cap;
    }
    memset(&ci->pending[ci->pos], 0, sizeof *ci->pending);
    tfc__element_copy(&ci->pending[ci->pos++], e);
    return TFC_OK;
}

static tfc_code cache_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    cache_iter *ci = (cache_iter *)it;
    cache_params *p = it->ds->p;
    if (ci->mode == READ_MEM) {
        if (ci->pos >= p->n) return *end = true, TFC_OK;
        tfc__element_copy(out, &p->elems[ci->pos++]);
        return TFC_OK;
    }
    if (ci->mode == READ_FILE) {
        tfc_code c = TFC_OK;
        if (!ci->r) {
            c = tfc_record_reader_open(p->filename, NULL, &ci->r, st);
            for (int64_t k = 0; k < ci->pos && !c; k++) { /* restored mid-file */
                tfc_bytes b;
                c = tfc_record_reader_next(ci->r, &b, st);
            }
            if (c) {
                tfc_record_reader_free(ci->r), ci->r = NULL;
                return c;
            }
        }
        tfc_bytes b;
        c = tfc_record_reader_next(ci->r, &b, st);
        if (c == TFC_OUT_OF_RANGE) return *end = true, TFC_OK;
        if (!c) c = tfc__element_decode(b.data, b.size, out, st);
        if (c) tfc_status_prefix(st, "cache %s element %lld", p->filename, (long long)ci->pos);
        ci->pos++;
        return c;
    }
    if (ci->finished) return *end = true, TFC_OK;
    tfc_code c = tfc__iter_next(ci->in, out, end, st);
    if (*end) return commit(ci, st);
    if (c) return c; /* a failed element is not cached */
    if ((c = keep(ci, out, st))) tfc_element_clear(out);
    return c;
}

static tfc_code cache_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    cache_iter *ci = (cache_iter *)it;
    if (ci->mode == WRITE)
        return tfc_status_set(st, TFC_UNIMPLEMENTED,
                              "cannot save an iterator while its pass fills a cache: save "
                              "after the first epoch, or cache before the part that is saved");
    tfc_code c = tfc__w_i64(w, ci->mode, st);
    return c ? c : tfc__w_i64(w, ci->pos, st);
}

static tfc_code cache_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    cache_iter *ci = (cache_iter *)it;
    int64_t mode, pos;
    tfc_code c = tfc__r_i64(r, &mode, st);
    if (!c) c = tfc__r_i64(r, &pos, st);
    if (c) return c;
    if (mode != ci->mode || pos < 0)
        return tfc_status_set(st, TFC_FAILED_PRECONDITION,
                              "iterator state: it read a cache that this process does not have");
    ci->pos = pos;
    return TFC_OK;
}

static tfc_code cache_close(tfc__iter *it, tfc_status *st) {
    cache_iter *ci = (cache_iter *)it;
    cache_params *p = it->ds->p;
    tfc_code c = TFC_OK;
    if (ci->mode == WRITE && !ci->finished && ci->in) {
        if (p->complete_partial) {
            tfc_element e = {0};
            bool end = false;
            while (!end && !c) {
                tfc_code ce = tfc__iter_next(ci->in, &e, &end, st);
                if (end)
                    c = commit(ci, st);
                else if (!ce) /* a failed element is skipped, as in a normal pass */
                    c = keep(ci, &e, st);
                tfc_element_clear(&e);
            }
        } else {
            c = tfc_status_set(st, TFC_FAILED_PRECONDITION,
                               "cache%s%s was not filled: the pass stopped after %lld elements, "
                               "before the end of its input; nothing was kept (read to the end, "
                               "or build the cache with complete_partial)",
                               p->filename ? " " : "", p->filename ? p->filename : "",
                               (long long)ci->pos);
        }
    }
    tfc_code ci_c = tfc__iter_close(ci->in, st);
    ci->in = NULL;
    return c ? c : ci_c;
}

static void cache_free(tfc__iter *it) {
    cache_iter *ci = (cache_iter *)it;
    tfc__iter_free(ci->in);
    tfc_record_writer_abort(ci->w);
    tfc_record_reader_free(ci->r);
    for (int64_t k = 0; ci->pending && k < ci->pos; k++) tfc_element_clear(&ci->pending[k]);
    tfc_free(ci->pending);
    tfc_free(ci);
}

static const tfc__iter_ops cache_iter_ops = {cache_next, cache_save, cache_restore, cache_close,
                                             cache_free};

static tfc_code cache_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    cache_params *p = ds->p;
    cache_iter *ci = tfc_calloc(1, sizeof *ci);
    if (!ci) return tfc__oom(st, "iterator");
    ci->base.ops = &cache_iter_ops;
    pthread_mutex_lock(&p->mu);
    bool have = p->filename ? tfc_gfile_exists(p->filename) : p->complete;
    pthread_mutex_unlock(&p->mu);
    tfc_code c = TFC_OK;
    if (have) {
        ci->mode = p->filename ? READ_FILE : READ_MEM;
    } else {
        ci->mode = WRITE;
        c = tfc__iter_new(ds->in[0], epoch, &ci->in, st);
        if (!c && p->filename)
            c = tfc_record_writer_open(p->filename, &(tfc_record_writer_opts){.atomic = true},
                                       &ci->w, st);
    }
    if (c) {
        cache_free(&ci->base);
        return c;
    }
    *out = &ci->base;
    return TFC_OK;
}

static int64_t same_card(const tfc_dataset *ds) {
    return tfc_dataset_cardinality(ds->in[0]);
}

static void cache_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const cache_params *p = ds->p;
    snprintf(buf, n, "%.200s", p->filename ? p->filename : "memory");
}

static void cache_free_params(tfc_dataset *ds) {
    cache_params *p = ds->p;
    for (int64_t k = 0; k < p->n; k++) tfc_element_clear(&p->elems[k]);
    tfc_free(p->elems);
    tfc_free(p->filename);
    pthread_mutex_destroy(&p->mu);
    tfc_free(p);
}

static const tfc__ds_ops cache_ops = {"Cache", cache_iter_new, same_card, cache_describe,
                                      cache_free_params};

tfc_code tfc_dataset_cache(tfc_dataset *in, const char *filename, bool complete_partial,
                           tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    if (!in) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "cache: input dataset is NULL");
    cache_params *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc__oom(st, "dataset");
    pthread_mutex_init(&p->mu, NULL);
    p->complete_partial = complete_partial;
    if (filename && *filename && !(p->filename = tfc_strdup(filename))) {
        cache_free_params(&(tfc_dataset){.p = p});
        return tfc__oom(st, "dataset");
    }
    return tfc__dataset_new(&cache_ops, in->n, NULL, in, NULL, p, out, st);
}
