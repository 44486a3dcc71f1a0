/* tfc data: tf.data in C — datasets (immutable descriptions of a stream of elements), iterators
 * (the state of one pass), and the transformations TF users chain: map, filter, shuffle, batch,
 * prefetch, interleave, cache, shard, ... plus what TF lacks: k-fold splits, a known cardinality
 * for indexed record files, padded batches that return the lengths, a file cache that never holds
 * the data in RAM and is never left half-written.
 *
 *     tfc_dataset *files, *ds, *b;
 *     tfc_dataset_tfrecord(paths, 2, &(tfc_tfrecord_opts){0}, &files, &st);
 *     tfc_dataset_map(files, parse_fn, NULL, &(tfc_map_opts){.num_parallel_calls = 2}, &ds, &st);
 *     tfc_dataset_shuffle(ds, 10000, 42, true, &b, &st);  ... batch, prefetch ...
 *     tfc_iterator *it;
 *     tfc_iterator_new(b, &it, &st);
 *     tfc_element e = {0};
 *     while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) { ...; tfc_element_clear(&e); }
 *     // st.code == TFC_OUT_OF_RANGE at the end
 *
 * An element is a tuple of up to TFC_DATA_MAX_COMPONENTS named tensors. Every transformation takes
 * its input(s) borrowed (it keeps its own reference) and returns a new dataset the caller frees
 * with tfc_dataset_free; building never runs anything. A dataset may be iterated by many iterators
 * at once, from different threads; one iterator is used from one thread at a time.
 *
 * Determinism: elements come in a fixed order given the seeds, whatever the thread counts
 * (parallel map and interleave keep input order unless deterministic is turned off).
 * Errors: a failed element surfaces at get_next with the code of the failure and a message that
 * names where the element came from (file and record number for record files); the iterator may
 * be asked for the next element afterwards. */
#ifndef TFC_DATA_H
#define TFC_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/record.h"
#include "tfc/session.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TFC_DATA_MAX_COMPONENTS 16
/* tf.data.INFINITE_CARDINALITY and tf.data.UNKNOWN_CARDINALITY. */
#define TFC_INFINITE_CARDINALITY (-1)
#define TFC_UNKNOWN_CARDINALITY (-2)

/* One element: n tensors (owned references) and where it came from ("train.tfrecord record 17";
 * empty when the source does not say). Zero-initialise before first use; tfc_element_clear drops
 * the references. Components are named by the dataset (tfc_dataset_component_name). */
typedef struct tfc_element {
    int n;
    tfc_tensor *t[TFC_DATA_MAX_COMPONENTS];
    char source[192];
} tfc_element;

void tfc_element_clear(tfc_element *e);
/* Appends a reference to t (the caller keeps its own); INVALID_ARGUMENT past the maximum. */
tfc_code tfc_element_push(tfc_element *e, tfc_tensor *t, tfc_status *st);
/* Moves src's references into dst (cleared first); src is left empty. */
void tfc_element_move(tfc_element *dst, tfc_element *src);

typedef struct tfc_dataset tfc_dataset;
typedef struct tfc_iterator tfc_iterator;

/* Drops the caller's reference (iterators and downstream datasets keep their own). Accepts NULL. */
void tfc_dataset_free(tfc_dataset *ds);
/* Adds a reference; returns ds. */
tfc_dataset *tfc_dataset_ref(tfc_dataset *ds);
int tfc_dataset_num_components(const tfc_dataset *ds);
const char *tfc_dataset_component_name(const tfc_dataset *ds, int i); /* NULL if out of range */
/* Index of the component called name, or -1. */
int tfc_dataset_component_index(const tfc_dataset *ds, const char *name);
/* tf.data.experimental.cardinality: the number of elements, TFC_INFINITE_CARDINALITY or
 * TFC_UNKNOWN_CARDINALITY. Known for range, from_tensor_slices and record files with a valid
 * index (tfc_tfrecord_opts.use_index), and through the transformations that preserve it. */
int64_t tfc_dataset_cardinality(const tfc_dataset *ds);
/* A one-line description of the pipeline ("Batch(100)<-Map<-TFRecord(2 files)"): new string,
 * free with tfc_free. */
char *tfc_dataset_describe(const tfc_dataset *ds);

/* ---- Sources ---- */

/* tf.data.Dataset.range(start, stop, step): int64 scalars named "value". INVALID_ARGUMENT for
 * step 0. */
tfc_code tfc_dataset_range(int64_t start, int64_t stop, int64_t step, tfc_dataset **out,
                           tfc_status *st);
/* from_tensor_slices: element i holds row i of each tensor (all must have the same first dim);
 * names may be NULL ("0", "1", ...). The tensors are referenced, not copied. */
tfc_code tfc_dataset_from_tensor_slices(tfc_tensor *const *tensors, const char *const *names, int n,
                                        tfc_dataset **out, tfc_status *st);
/* from_generator: fn(ctx, i, out, &end, st) fills element i (0, 1, ...) or sets end. One iterator
 * calls it from one thread at a time; several iterators over the dataset may call it at once. It
 * must give the same element for the same i when an iterator is restored at i. cardinality may be
 * TFC_UNKNOWN_CARDINALITY. names as above, n components. */
typedef tfc_code (*tfc_generator_fn)(void *ctx, int64_t i, tfc_element *out, bool *end,
                                     tfc_status *st);
tfc_code tfc_dataset_from_generator(tfc_generator_fn fn, void *ctx, const char *const *names, int n,
                                    int64_t cardinality, tfc_dataset **out, tfc_status *st);

typedef struct tfc_tfrecord_opts {
    tfc_compression compression; /* 0 = detect per file (TF needs it said; tfc can tell) */
    size_t buffer_size;          /* reader buffer per file; 0 = 256 KiB */
    int num_parallel_reads;      /* 0/1: files one after another; N: N files interleaved, each
                                    read ahead on its own thread, records in a fixed order */
    bool use_index;              /* load (or build and write) FILE.tfcidx: cardinality known */
} tfc_tfrecord_opts;
/* TFRecordDataset over files (paths or glob patterns, expanded and sorted at build time;
 * NOT_FOUND if a pattern matches nothing): one DT_STRING scalar per record, named "record", its
 * source "FILE record N". opts may be NULL. Corruption surfaces as DATA_LOSS at get_next. */
tfc_code tfc_dataset_tfrecord(const char *const *files, int nfiles, const tfc_tfrecord_opts *opts,
                              tfc_dataset **out, tfc_status *st);
/* tf.data.Dataset.list_files: the files matching the patterns as DT_STRING scalars named
 * "filename", shuffled with seed when shuffle is true (sorted otherwise). */
tfc_code tfc_dataset_list_files(const char *const *patterns, int n, bool shuffle, uint64_t seed,
                                tfc_dataset **out, tfc_status *st);

/* ---- Transformations ---- */

/* map: fn(ctx, worker, in, out, st) builds out from in (borrowed). With num_parallel_calls > 1
 * it is called from that many threads at once (worker = 0 .. num_parallel_calls - 1, for per-thread
 * scratch); in input order unless deterministic is false. out->source defaults to in's. */
typedef tfc_code (*tfc_map_fn)(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                               tfc_status *st);
typedef struct tfc_map_opts {
    int num_parallel_calls;   /* 0/1: in the caller's thread; N: N worker threads;
                                 -1 (TF's AUTOTUNE): one per core */
    bool nondeterministic;    /* let a finished element overtake a slow earlier one */
    const char *const *names; /* output component names; NULL keeps the input's when counts
                                 match, else "0", "1", ... */
    int num_outputs;          /* with names: how many; 0 = as many as the input */
} tfc_map_opts;
tfc_code tfc_dataset_map(tfc_dataset *in, tfc_map_fn fn, void *ctx, const tfc_map_opts *opts,
                         tfc_dataset **out, tfc_status *st);
/* map with a graph function: each element's components are fed to inputs[0..nin) (placeholders
 * of g) and outputs[0..nout) are fetched as the new element (named after their nodes unless
 * opts->names says). Each map worker runs its own single-threaded session over g, so g must outlive
 * the dataset and not change while it is iterated. */
tfc_code tfc_dataset_map_graph(tfc_dataset *in, tfc_graph *g, const tfc_out *inputs, int nin,
                               const tfc_out *outputs, int nout, const tfc_map_opts *opts,
                               tfc_dataset **out, tfc_status *st);
/* filter: keeps the elements for which fn sets *keep. */
typedef tfc_code (*tfc_predicate_fn)(void *ctx, const tfc_element *in, bool *keep, tfc_status *st);
tfc_code tfc_dataset_filter(tfc_dataset *in, tfc_predicate_fn fn, void *ctx, tfc_dataset **out,
                            tfc_status *st);
/* flat_map / interleave: fn(ctx, in, &ds, st) returns a new dataset for each input element (the
 * pipeline frees it). Its components cannot be known before fn runs, so they are stated: n
 * components named names (n = 0: as many as the input has, with its names); a dataset of fn with
 * another count is an error at get_next. fn is called from one thread at a time. */
typedef tfc_code (*tfc_dataset_fn)(void *ctx, const tfc_element *in, tfc_dataset **out,
                                   tfc_status *st);
tfc_code tfc_dataset_flat_map(tfc_dataset *in, tfc_dataset_fn fn, void *ctx, int n,
                              const char *const *names, tfc_dataset **out, tfc_status *st);
typedef struct tfc_interleave_opts {
    int cycle_length;       /* open datasets at once; 0 = one per core */
    int block_length;       /* consecutive elements from each; 0 = 1 */
    int num_parallel_calls; /* 0/1: in the caller's thread; N > 1 or -1: each open dataset is read
                               ahead on its own thread (order unchanged) */
    int num_components;     /* 0 = as many as the input, with its names */
    const char *const *names;
} tfc_interleave_opts;
tfc_code tfc_dataset_interleave(tfc_dataset *in, tfc_dataset_fn fn, void *ctx,
                                const tfc_interleave_opts *opts, tfc_dataset **out, tfc_status *st);
/* shuffle: a buffer of buffer_size elements, each output drawn uniformly from it (TF's
 * algorithm). The same seed gives the same order; with reshuffle_each_iteration each new iterator
 * (and each repetition under repeat) uses the next order in the seed's sequence. */
tfc_code tfc_dataset_shuffle(tfc_dataset *in, int64_t buffer_size, uint64_t seed,
                             bool reshuffle_each_iteration, tfc_dataset **out, tfc_status *st);
/* repeat: count times (count < 0: forever). */
tfc_code tfc_dataset_repeat(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st);
/* batch: stacks batch_size consecutive elements along a new first dim (components must have equal
 * shapes: INVALID_ARGUMENT naming the component and both shapes otherwise); a short last batch
 * is kept unless drop_remainder. An element that fails fails its batch: the batch's other elements
 * are dropped with it, as in TF. */
tfc_code tfc_dataset_batch(tfc_dataset *in, int64_t batch_size, bool drop_remainder,
                           tfc_dataset **out, tfc_status *st);
/* padded_batch: like batch, each component padded to padded_shapes[i] (dims of -1: the batch's
 * longest) with padding_values[i] (a scalar of the component's dtype; NULL = zeros / ""). Adds one
 * int64 [batch, rank] component per input component, named "<name>_lengths", holding each
 * element's original shape (what TF users compute by hand, tensorflow#17361). padded_shapes NULL =
 * all dims -1. */
tfc_code tfc_dataset_padded_batch(tfc_dataset *in, int64_t batch_size,
                                  const tfc_shape *padded_shapes, tfc_tensor *const *padding_values,
                                  bool drop_remainder, tfc_dataset **out, tfc_status *st);
/* unbatch: splits each element along its first dim (all components must agree on it). */
tfc_code tfc_dataset_unbatch(tfc_dataset *in, tfc_dataset **out, tfc_status *st);
/* prefetch: a thread produces up to buffer_size elements ahead (0 or -1: 2). */
tfc_code tfc_dataset_prefetch(tfc_dataset *in, int64_t buffer_size, tfc_dataset **out,
                              tfc_status *st);
/* cache: filename NULL or "" caches in memory; otherwise in filename (a TFRecord file of the
 * elements, written on the first complete pass, renamed into place atomically when that pass
 * ends; RAM stays bounded). Later passes read the cache. A pass that stops early (the iterator is
 * freed before the end) completes the cache by reading the rest of the input when
 * complete_partial is true; otherwise nothing is kept and tfc_iterator_close reports
 * FAILED_PRECONDITION saying how many elements were not cached (TF drops it silently,
 * tensorflow#37340). */
tfc_code tfc_dataset_cache(tfc_dataset *in, const char *filename, bool complete_partial,
                           tfc_dataset **out, tfc_status *st);
tfc_code tfc_dataset_take(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st);
tfc_code tfc_dataset_skip(tfc_dataset *in, int64_t count, tfc_dataset **out, tfc_status *st);
/* shard: elements index, index + num, index + 2 num, ... INVALID_ARGUMENT unless
 * 0 <= index < num. */
tfc_code tfc_dataset_shard(tfc_dataset *in, int64_t num, int64_t index, tfc_dataset **out,
                           tfc_status *st);
/* zip: element i = the components of each input's element i, ending with the shortest. */
tfc_code tfc_dataset_zip(tfc_dataset *const *in, int n, tfc_dataset **out, tfc_status *st);
/* concatenate: a's elements then b's (same components: INVALID_ARGUMENT otherwise). */
tfc_code tfc_dataset_concatenate(tfc_dataset *a, tfc_dataset *b, tfc_dataset **out, tfc_status *st);
/* enumerate: prepends an int64 scalar "index" (start, start + 1, ...). */
tfc_code tfc_dataset_enumerate(tfc_dataset *in, int64_t start, tfc_dataset **out, tfc_status *st);
/* k-fold cross-validation (tensorflow/datasets#664): element i belongs to fold i % k. *train gets
 * the elements of the other k - 1 folds, *validation those of fold `fold`; disjoint, together the
 * whole input, each in input order. Shuffle before (with a fixed seed, reshuffle off) for random
 * folds. INVALID_ARGUMENT unless k >= 2 and 0 <= fold < k. */
tfc_code tfc_dataset_kfold(tfc_dataset *in, int k, int fold, tfc_dataset **train,
                           tfc_dataset **validation, tfc_status *st);

/* ---- Iterators ---- */

tfc_code tfc_iterator_new(tfc_dataset *ds, tfc_iterator **out, tfc_status *st);
/* The next element into *out (cleared first; references owned by the caller). TFC_OUT_OF_RANGE
 * "End of sequence" at the end (and on every later call). Any other error is the element's: the
 * message names its source; later calls go on with the following elements. */
tfc_code tfc_iterator_get_next(tfc_iterator *it, tfc_element *out, tfc_status *st);
/* The iterator's dataset (borrowed). */
tfc_dataset *tfc_iterator_dataset(const tfc_iterator *it);
/* Saves the iterator's position (with any buffered elements and random state) as bytes (free with
 * tfc_free), so a job can resume mid-epoch with tfc_iterator_restore. */
tfc_code tfc_iterator_save(tfc_iterator *it, uint8_t **out, size_t *n, tfc_status *st);
/* A new iterator over ds positioned where the saved one was: its next element is the one the saved
 * iterator would have returned. FAILED_PRECONDITION when the state comes from another pipeline;
 * DATA_LOSS when it is damaged. */
tfc_code tfc_iterator_restore(tfc_dataset *ds, const void *state, size_t n, tfc_iterator **out,
                              tfc_status *st);
/* A training step's feeds from the next element, without copying it: feeds[k] = {placeholders[k],
 * the component named components[k]} (components NULL: by position). holder keeps the element's
 * references until the step has run (clear it, or pass it again next time). OUT_OF_RANGE at the
 * end, as tfc_iterator_get_next; INVALID_ARGUMENT for a component the dataset lacks.
 *
 *     while (tfc_iterator_next_feeds(it, (tfc_out[]){x, y}, (const char *[]){"image", "label"}, 2,
 *                                    &batch, feeds, &st) == TFC_OK)
 *         tfc_session_run(sess, feeds, 2, &loss, 1, &l, &train_op, 1, &st);
 */
tfc_code tfc_iterator_next_feeds(tfc_iterator *it, const tfc_out *placeholders,
                                 const char *const *components, int n, tfc_element *holder,
                                 tfc_feed *feeds, tfc_status *st);
/* Stops the iterator's threads and frees it; reports what a clean stop could not do (an
 * uncompleted cache). */
tfc_code tfc_iterator_close(tfc_iterator *it, tfc_status *st);
void tfc_iterator_free(tfc_iterator *it); /* tfc_iterator_close ignoring the status; accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
