/* The data part's internals: a dataset is a refcounted node with a vtable and up to two inputs;
 * an iterator is a chain of per-dataset iterator states, each pulling from its input's. */
#ifndef TFC_DATA_INT_H
#define TFC_DATA_INT_H

#include <stdatomic.h>
#include <string.h>

#include "tfc/data.h"

typedef struct tfc__iter tfc__iter;
typedef struct tfc__wstate tfc__wstate;
typedef struct tfc__rstate tfc__rstate;

typedef struct tfc__ds_ops {
    const char *name; /* TF's dataset op name without "Dataset": "Range", "Batch", ... */
    /* A new iterator at the start of this dataset's sequence, for pass `epoch` (what reshuffling
     * shuffles draw their order from; an iterator gives its inputs its own epoch, repeat mixes in
     * its repetition). */
    tfc_code (*iter_new)(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st);
    int64_t (*cardinality)(const tfc_dataset *ds);
    /* Appends the parameters that make up the description ("100, drop_remainder"); may be NULL. */
    void (*describe)(const tfc_dataset *ds, char *buf, size_t n);
    void (*free_params)(tfc_dataset *ds); /* frees ds->p; may be NULL */
} tfc__ds_ops;

struct tfc_dataset {
    const tfc__ds_ops *ops;
    _Atomic int64_t refs;
    _Atomic uint64_t passes;              /* iterators made by tfc_iterator_new */
    int n;                                /* components */
    char *names[TFC_DATA_MAX_COMPONENTS]; /* owned */
    tfc_dataset *in[2];                   /* inputs (owned references), or NULL */
    void *p;                              /* the op's parameters */
};

typedef struct tfc__iter_ops {
    /* The next element into *out (empty on entry), or *end = true. An error is the element's. */
    tfc_code (*next)(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st);
    tfc_code (*save)(tfc__iter *it, tfc__wstate *w, tfc_status *st);
    tfc_code (*restore)(tfc__iter *it, tfc__rstate *r, tfc_status *st);
    /* Stops threads, reports what could not be finished; may be NULL. */
    tfc_code (*close)(tfc__iter *it, tfc_status *st);
    void (*free)(tfc__iter *it);
} tfc__iter_ops;

struct tfc__iter {
    const tfc__iter_ops *ops;
    tfc_dataset
        *ds; /* borrowed: the iterator chain's root holds a reference to the whole pipeline */
    uint64_t epoch;
};

/* A dataset with n components named names (NULL: inherit from in[0] if counts match, else
 * "0", "1", ...), inputs in0/in1 (referenced) and params p (owned; freed by ops->free_params even
 * when this fails). */
tfc_code tfc__dataset_new(const tfc__ds_ops *ops, int n, const char *const *names, tfc_dataset *in0,
                          tfc_dataset *in1, void *p, tfc_dataset **out, tfc_status *st);
/* Helpers for iterator implementations. */
tfc_code tfc__iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st);
/* The epoch a repetition k of an iterator of epoch e gives its input. */
uint64_t tfc__epoch_mix(uint64_t e, uint64_t k);
tfc_code tfc__iter_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st);
tfc_code tfc__iter_close(tfc__iter *it, tfc_status *st);
void tfc__iter_free(tfc__iter *it);
tfc_code tfc__oom(tfc_status *st, const char *what);
/* Copies e's tensor references into a new element (refs added). */
void tfc__element_copy(tfc_element *dst, const tfc_element *src);
/* "where" from the element's source, for messages: " (element from FILE record N)" or "". */
const char *tfc__element_where(const tfc_element *e, char *buf, size_t n);

/* ---- Iterator state (save/restore): a flat stream of tagged values; each iterator writes its
 * fields in order and reads them back in the same order (its inputs' states nested inside). */
tfc_code tfc__w_i64(tfc__wstate *w, int64_t v, tfc_status *st);
tfc_code tfc__w_bytes(tfc__wstate *w, const void *p, size_t n, tfc_status *st);
tfc_code tfc__w_element(tfc__wstate *w, const tfc_element *e, tfc_status *st);
tfc_code tfc__w_iter(tfc__wstate *w, tfc__iter *it, tfc_status *st); /* it may be NULL */
tfc_code tfc__r_i64(tfc__rstate *r, int64_t *v, tfc_status *st);
/* A view into the state buffer, valid while it is restored. */
tfc_code tfc__r_bytes(tfc__rstate *r, const void **p, size_t *n, tfc_status *st);
tfc_code tfc__r_element(tfc__rstate *r, tfc_element *e, tfc_status *st);
/* Reads an iterator's state written by tfc__w_iter: *it is NULL when none was saved; otherwise
 * a new iterator over ds restored from it. */
tfc_code tfc__r_iter(tfc__rstate *r, tfc_dataset *ds, uint64_t epoch, tfc__iter **it,
                     tfc_status *st);
/* One element as bytes (new buffer, tfc_free) and back: the file cache's records. */
tfc_code tfc__element_encode(const tfc_element *e, uint8_t **out, size_t *n, tfc_status *st);
tfc_code tfc__element_decode(const void *p, size_t n, tfc_element *e, tfc_status *st);
/* A restored value out of range for what it describes (DATA_LOSS naming it). */
tfc_code tfc__r_bad(tfc__rstate *r, const char *what, tfc_status *st);

/* Philox-free small PRNG for shuffles and file order: splitmix64 seeding xoshiro256**; its state
 * is four words saved with the iterator. */
typedef struct tfc__rng {
    uint64_t s[4];
} tfc__rng;
void tfc__rng_seed(tfc__rng *r, uint64_t seed);
uint64_t tfc__rng_next(tfc__rng *r);
uint64_t tfc__rng_below(tfc__rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* Background production shared by prefetch and parallel map: worker threads pull input elements
 * in order, apply fn (NULL = identity) and hand them out in order (or as they finish). */
typedef struct tfc__pipe tfc__pipe;
typedef struct tfc__pipe_opts {
    int workers;      /* threads applying fn */
    int64_t capacity; /* elements in flight or finished, not yet taken */
    bool ordered;
    tfc_map_fn fn;
    void *fn_ctx;
    int n_out; /* components fn produces (ignored without fn) */
} tfc__pipe_opts;
tfc_code tfc__pipe_new(tfc__iter *input, const tfc__pipe_opts *o, tfc__pipe **out, tfc_status *st);
tfc_code tfc__pipe_next(tfc__pipe *p, tfc_element *out, bool *end, tfc_status *st);
/* Pauses the workers and writes the input's state (as tfc__w_iter), then the finished elements. */
tfc_code tfc__pipe_save(tfc__pipe *p, tfc__wstate *w, tfc_status *st);
/* Loads the finished elements written by tfc__pipe_save into a fresh (not yet started) pipe whose
 * input the caller has just restored with tfc__r_iter from the same stream. */
tfc_code tfc__pipe_restore(tfc__pipe *p, tfc__rstate *r, tfc_status *st);
/* Stops the workers, then closes and frees the input. */
tfc_code tfc__pipe_free(tfc__pipe *p, tfc_status *st);

/* tfc_dataset_map whose dataset owns ctx: ctx_free(ctx) runs when the dataset goes (also when
 * this fails). */
tfc_code tfc__dataset_map_owned(tfc_dataset *in, tfc_map_fn fn, void *ctx, void (*ctx_free)(void *),
                                const tfc_map_opts *opts, tfc_dataset **out, tfc_status *st);

/* A TFRecord reader dataset over exactly one file (the building block of tfc_dataset_tfrecord). */
tfc_code tfc__dataset_tfrecord_file(const char *path, const tfc_tfrecord_opts *o, tfc_dataset **out,
                                    tfc_status *st);

#endif
