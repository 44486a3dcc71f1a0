/* The Fashion-MNIST input pipeline shared by the trainer and the benchmarks: the TFRecords that
 * fmnist_to_tfrecord writes, parsed into (image float [28, 28, 1] in [0, 1], label int64). */
#ifndef FMNIST_INPUT_H
#define FMNIST_INPUT_H

#include "tfc/data.h"

/* A tfc_map_fn: one serialized Example ("image/raw" 784 bytes, "label") -> (image, label). */
tfc_code fmnist_parse(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                      tfc_status *st);

/* path's records shuffled (buffer 10000, seed, reshuffled each pass) when shuffle is true, parsed,
 * batched by batch, prefetched; read_ahead puts the reader on its own thread (the gzip stream is
 * the serial part of the pipeline). num_parallel_calls is the map's. Components "image", "label".
 */
tfc_code fmnist_pipeline(const char *path, bool shuffle, uint64_t seed, int batch, bool read_ahead,
                         int num_parallel_calls, bool use_index, tfc_dataset **out, tfc_status *st);

/* As fmnist_pipeline, with the order of shuffle and parse chosen: parse_first gives the order
 * the tf.data issue's benchmark names (parse -> decode -> scale -> shuffle -> batch -> prefetch);
 * otherwise the serialized records are shuffled before they are parsed (what fmnist_pipeline
 * does: the same elements in the same order, with a third of the buffer). */
tfc_code fmnist_pipeline_ordered(const char *path, bool shuffle, uint64_t seed, int batch,
                                 bool read_ahead, int num_parallel_calls, bool use_index,
                                 bool parse_first, tfc_dataset **out, tfc_status *st);

#endif
