/* Data pipeline benchmarks (issue 4, item 7): the Fashion-MNIST TFRecords of `make demo` through
 * shuffle -> parse -> decode -> scale -> batch(100) -> prefetch, in examples/s on 1 and 2 threads,
 * and the per-element cost of map, shuffle, batch and prefetch. 1t: the whole pipeline on one
 * pipeline thread (the final prefetch's); 2t: the records read ahead by a prefetch on a second
 * thread; 2t_parallel_map: map with num_parallel_calls = 2 instead.
 *
 *     build/bench_data [data/fashion_mnist/train.tfrecord.gz]   # BENCH_REPS runs (default 5)
 *
 * BENCH_DATA_THREADS=1 or 2 runs that pipeline alone; BENCH_DATA_PARALLEL_MAP=0 leaves out
 * 2t_parallel_map.
 *
 * Prints `BENCH name value unit` lines (medians). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "fmnist_input.h"
#include "tfc/data.h"

static void die(const char *what, const tfc_status *st) {
    fprintf(stderr, "bench_data: %s: %s\n", what, st->msg);
    exit(1);
}

/* Examples per second of one epoch through the full pipeline with `threads` map workers. */
static double pipeline_rate(const char *path, int threads, bool parallel_map, bool parse_first,
                            int64_t *count) {
    tfc_status st;
    tfc_dataset *ready;
    /* 2t: the records are read ahead on their own thread: the gzip stream is the serial part
     * (~3 us a record), so the reader gets a core and map, shuffle and batch the other */
    if (fmnist_pipeline_ordered(path, true, 42, 100, threads == 2 && !parallel_map,
                                parallel_map ? threads : 0, false, parse_first, &ready, &st))
        die("pipeline", &st);
    tfc_iterator *it;
    double t0 = now();
    if (tfc_iterator_new(ready, &it, &st)) die("iterator", &st);
    tfc_element e = {0};
    int64_t n = 0;
    tfc_code c;
    while ((c = tfc_iterator_get_next(it, &e, &st)) == TFC_OK) n += tfc_tensor_dim(e.t[0], 0);
    if (c != TFC_OUT_OF_RANGE) die("get_next", &st);
    double t = now() - t0;
    tfc_element_clear(&e);
    tfc_iterator_free(it);
    tfc_dataset_free(ready);
    *count = n;
    return (double)n / t;
}

static tfc_code identity(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                         tfc_status *st) {
    (void)ctx, (void)worker, (void)st;
    out->t[0] = tfc_tensor_ref(in->t[0]);
    out->n = 1;
    return TFC_OK;
}

/* Nanoseconds per element of range(n) followed by the stage (kind), minus range alone. */
static double stage_seconds(int kind, int64_t n) {
    tfc_status st;
    tfc_dataset *r, *ds = NULL;
    if (tfc_dataset_range(0, n, 1, &r, &st)) die("range", &st);
    switch (kind) {
    case 0:
        ds = tfc_dataset_ref(r);
        break;
    case 1:
        if (tfc_dataset_map(r, identity, NULL, NULL, &ds, &st)) die("map", &st);
        break;
    case 2:
        if (tfc_dataset_shuffle(r, 10000, 1, false, &ds, &st)) die("shuffle", &st);
        break;
    case 3:
        if (tfc_dataset_batch(r, 100, false, &ds, &st)) die("batch", &st);
        break;
    default:
        if (tfc_dataset_prefetch(r, 16, &ds, &st)) die("prefetch", &st);
        break;
    }
    tfc_iterator *it;
    double t0 = now();
    if (tfc_iterator_new(ds, &it, &st)) die("iterator", &st);
    tfc_element e = {0};
    while (tfc_iterator_get_next(it, &e, &st) == TFC_OK) {
    }
    double t = now() - t0;
    tfc_element_clear(&e);
    tfc_iterator_free(it);
    tfc_dataset_free(ds), tfc_dataset_free(r);
    return t;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "data/fashion_mnist/train.tfrecord.gz";
    const char *e = getenv("BENCH_REPS");
    int reps = e && atoi(e) > 0 ? atoi(e) : 5;
    double *v = malloc(sizeof(double) * (size_t)reps);
    const char *only = getenv("BENCH_DATA_THREADS"); /* profile one configuration */
    for (int threads = 1; threads <= 2; threads++) {
        if (only && atoi(only) != threads) continue;
        int64_t n = 0;
        pipeline_rate(path, threads, false, true, &n); /* warm the page cache */
        /* the order: parse, decode, scale, then shuffle the float images */
        for (int r = 0; r < reps; r++) v[r] = pipeline_rate(path, threads, false, true, &n);
        printf("BENCH pipeline_fmnist_%dt %.0f ex/s\n", threads, median(v, reps));
        /* what the trainer runs: the records shuffled before parsing (same elements, same
         * order, a third of the buffer) */
        for (int r = 0; r < reps; r++) v[r] = pipeline_rate(path, threads, false, false, &n);
        printf("BENCH pipeline_fmnist_%dt_shuffle_records %.0f ex/s\n", threads, median(v, reps));
        /* the other way to use two threads: map(num_parallel_calls=2); BENCH_DATA_PARALLEL_MAP=0
         * skips it (to profile 2t alone) */
        const char *pm = getenv("BENCH_DATA_PARALLEL_MAP");
        if (threads == 2 && !(pm && atoi(pm) == 0)) {
            for (int r = 0; r < reps; r++) v[r] = pipeline_rate(path, threads, true, true, &n);
            printf("BENCH pipeline_fmnist_2t_parallel_map %.0f ex/s\n", median(v, reps));
        }
        fflush(stdout);
    }
    if (only) {
        free(v);
        return 0;
    }
    static const char *names[] = {"range", "map", "shuffle", "batch", "prefetch"};
    const int64_t n = 1000000;
    double base[16];
    for (int r = 0; r < reps; r++) base[r] = stage_seconds(0, n);
    double b = median(base, reps);
    printf("BENCH data_range_per_element %.1f ns\n", b / (double)n * 1e9);
    for (int kind = 1; kind < 5; kind++) {
        for (int r = 0; r < reps; r++) v[r] = stage_seconds(kind, n);
        printf("BENCH data_%s_per_element %.1f ns\n", names[kind],
               (median(v, reps) - b) / (double)n * 1e9);
        fflush(stdout);
    }
    free(v);
    if (tfc_alloc_live_count() != 0) {
        fprintf(stderr, "bench_data: %lld allocations leaked\n", (long long)tfc_alloc_live_count());
        return 1;
    }
    return 0;
}
