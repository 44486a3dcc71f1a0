/* Engine benchmarks (issue 3, item 9): MatMul through a session vs a direct cblas_sgemm at
 * 256..2048 on 1 and 2 threads, and the session's overhead per run of a 3-node graph.
 *
 *     build/bench_engine            # BENCH_REPS (default 5) runs per figure, medians
 *
 * Prints `BENCH name value unit` and `RATIO name tfc/peer` (throughput ratio: >= 1 means tfc is as
 * fast as the peer). The peer runs in the same process, alternating with tfc run by run. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#include "tfc/tfc.h"
#include "tfc/session.h"

static void die(const char *what, const tfc_status *st) {
    fprintf(stderr, "bench_engine: %s: %s\n", what, st ? st->msg : "");
    exit(1);
}

static tfc_tensor *random_matrix(int64_t n) {
    tfc_tensor *t;
    tfc_status st;
    tfc_shape s = tfc_shape_make(2, (int64_t[]){n, n});
    if (tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st) != TFC_OK) die("tensor", &st);
    float *p = tfc_tensor_data(t);
    uint32_t x = 12345;
    for (int64_t i = 0; i < n * n; i++)
        x = x * 1664525u + 1013904223u, p[i] = (float)(x >> 8) / 16777216.0f - 0.5f;
    return t;
}

/* OpenBLAS's worker threads spin for ~0.1 s after a multi-threaded call (2^28 cycles by default)
 * and take a core from whatever runs next; wait them out so neither side is timed against the
 * other's spinning threads. */
static void settle(void) {
    usleep(250000);
}

/* GFLOP/s of n x n x n MatMul: through a session (fed a, b; fetched product) vs cblas_sgemm. */
static void bench_matmul(int64_t n, int threads, int reps) {
    tfc_status st;
    tfc_graph *g = tfc_graph_new();
    tfc_shape s = tfc_shape_make(2, (int64_t[]){n, n});
    tfc_out a = tfc_placeholder(g, "a", TFC_DT_FLOAT, &s),
            b = tfc_placeholder(g, "b", TFC_DT_FLOAT, &s);
    tfc_node_builder *nb = tfc_node_begin(g, "MatMul", NULL);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    tfc_out y = tfc_node_output(tfc_node_finish(nb), 0);
    if (tfc_graph_status(g, &st) != TFC_OK) die("graph", &st);
    tfc_session *sess;
    tfc_session_opts o = {.num_threads = threads};
    if (tfc_session_new(g, &o, &sess, &st) != TFC_OK) die("session", &st);
    tfc_tensor *ta = random_matrix(n), *tb = random_matrix(n);
    float *c = malloc(sizeof(float) * (size_t)(n * n));
    tfc_feed feeds[2] = {{a, ta}, {b, tb}};
    double flop = 2.0 * (double)n * (double)n * (double)n;
    /* ~1e10 flop per timed section (~0.1 s): short sections right after settle() were dominated
     * by waking threads */
    int inner = (int)(1e10 / flop) + 1;
    double *tv = malloc(sizeof(double) * (size_t)reps), *pv = malloc(sizeof(double) * (size_t)reps),
           *rv = malloc(sizeof(double) * (size_t)reps);
    for (int r = -1; r < reps; r++) { /* r = -1 warms up both */
        openblas_set_num_threads(1);  /* as the session sets it: its pool splits the rows */
        settle();
        double t0 = now();
        for (int k = 0; k < inner; k++) {
            tfc_tensor *out;
            if (tfc_session_run(sess, feeds, 2, &y, 1, &out, NULL, 0, &st) != TFC_OK)
                die("run", &st);
            tfc_tensor_unref(out);
        }
        double t1 = now();
        openblas_set_num_threads(threads);
        settle();
        double t2p = now();
        for (int k = 0; k < inner; k++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f,
                        tfc_tensor_data(ta), (int)n, tfc_tensor_data(tb), (int)n, 0.0f, c, (int)n);
        double t2 = now();
        if (r < 0) continue;
        tv[r] = flop * inner / (t1 - t0) * 1e-9;
        pv[r] = flop * inner / (t2 - t2p) * 1e-9;
        rv[r] = tv[r] / pv[r];
    }
    printf("BENCH matmul_%lld_%dt %.1f GFLOP/s\n", (long long)n, threads, median(tv, reps));
    printf("BENCH openblas_sgemm_%lld_%dt %.1f GFLOP/s\n", (long long)n, threads, median(pv, reps));
    printf("RATIO matmul_%lld_%dt_vs_openblas %.3f\n", (long long)n, threads, median(rv, reps));
    fflush(stdout);
    free(tv), free(pv), free(rv), free(c);
    tfc_tensor_unref(ta), tfc_tensor_unref(tb);
    tfc_session_free(sess);
    tfc_graph_free(g);
}

/* Microseconds per run of x -> AddV2(x, x) -> Neg, x a fed scalar, one thread. */
static void bench_overhead(int reps) {
    tfc_status st;
    tfc_graph *g = tfc_graph_new();
    tfc_shape scalar = tfc_shape_scalar();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &scalar);
    tfc_node_builder *nb = tfc_node_begin(g, "AddV2", NULL);
    tfc_node_add_input(nb, x);
    tfc_node_add_input(nb, x);
    tfc_out s = tfc_node_output(tfc_node_finish(nb), 0);
    nb = tfc_node_begin(g, "Neg", NULL);
    tfc_node_add_input(nb, s);
    tfc_out y = tfc_node_output(tfc_node_finish(nb), 0);
    if (tfc_graph_status(g, &st) != TFC_OK) die("graph", &st);
    tfc_session *sess;
    tfc_session_opts o = {.num_threads = 1};
    if (tfc_session_new(g, &o, &sess, &st) != TFC_OK) die("session", &st);
    tfc_tensor *v = tfc_tensor_scalar_float(1.5f);
    tfc_feed feed = {x, v};
    const int steps = 200000;
    double *us = malloc(sizeof(double) * (size_t)reps);
    for (int r = -1; r < reps; r++) {
        double t0 = now();
        for (int k = 0; k < steps; k++) {
            tfc_tensor *out;
            if (tfc_session_run(sess, &feed, 1, &y, 1, &out, NULL, 0, &st) != TFC_OK)
                die("run", &st);
            tfc_tensor_unref(out);
        }
        if (r >= 0) us[r] = (now() - t0) / steps * 1e6;
    }
    printf("BENCH session_overhead %.3f us\n", median(us, reps));
    free(us);
    tfc_tensor_unref(v);
    tfc_session_free(sess);
    tfc_graph_free(g);
}

int main(void) {
    const char *e = getenv("BENCH_REPS");
    int reps = e && atoi(e) > 0 ? atoi(e) : 5;
    bench_overhead(reps);
    static const int64_t sizes[] = {256, 512, 1024, 2048};
    for (int threads = 1; threads <= 2; threads++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            bench_matmul(sizes[i], threads, reps);
    if (tfc_alloc_live_count() != 0) {
        fprintf(stderr, "bench_engine: %lld allocations leaked\n",
                (long long)tfc_alloc_live_count());
        return 1;
    }
    return 0;
}
