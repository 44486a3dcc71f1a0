/* The TF tutorial CNN's forward + backward through a tfc session (issue 3, item 9): conv 5x5x32
 * SAME + relu + max pool 2x2, conv 5x5x64 SAME + relu + max pool, dense 3136->1024 + relu,
 * dense 1024->10, sparse softmax cross entropy; gradients of the loss w.r.t. every weight built by
 * tfc_gradients. Batch 100 of random images. Prints images/s for 1 and 2 threads:
 *
 *     build/bench_cnn [threads...]        # default: 1 2
 *
 * The peer (PyTorch, ../shared/peers/cnn_bench.py) is run by bench/run.sh in the same invocation;
 * its figure includes an SGD update (a few hundred microseconds per step) and dropout, which this
 * graph does not have yet (optimizers and dropout come with the training issue). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "tfc/tfc.h"

static void die(const char *what, const tfc_status *st) {
    fprintf(stderr, "bench_cnn: %s: %s\n", what, st->msg);
    exit(1);
}

static tfc_tensor *rnd(int rank, const int64_t *dims, float scale, uint32_t seed) {
    tfc_tensor *t;
    tfc_status st;
    tfc_shape s = tfc_shape_make(rank, dims);
    if (tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st) != TFC_OK) die("tensor", &st);
    float *p = tfc_tensor_data(t);
    for (int64_t i = 0; i < tfc_tensor_num_elements(t); i++)
        seed = seed * 1664525u + 1013904223u,
        p[i] = scale * ((float)(seed >> 8) / 16777216.0f - 0.5f);
    return t;
}

static tfc_out op(tfc_graph *g, const char *name, const tfc_out *in, int n) {
    tfc_node_builder *b = tfc_node_begin(g, name, NULL);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    if (!strcmp(name, "Conv2D")) {
        tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 1, 1, 1}, 4);
        tfc_node_set_attr_string(b, "padding", "SAME", 4);
    } else if (!strcmp(name, "MaxPool")) {
        tfc_node_set_attr_int_list(b, "ksize", (int64_t[]){1, 2, 2, 1}, 4);
        tfc_node_set_attr_int_list(b, "strides", (int64_t[]){1, 2, 2, 1}, 4);
        tfc_node_set_attr_string(b, "padding", "VALID", 5);
    }
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out weight(tfc_graph *g, const char *name, int rank, const int64_t *dims, float scale,
                      uint32_t seed) {
    tfc_tensor *t = rnd(rank, dims, scale, seed);
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}

int main(int argc, char **argv) {
    tfc_status st;
    tfc_graph *g = tfc_graph_new();
    const int64_t batch = 100;
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {batch, 28, 28, 1}});
    tfc_out labels = tfc_placeholder(g, "labels", TFC_DT_INT32, &(tfc_shape){1, {batch}});
    tfc_out w[8] = {
        weight(g, "conv1/kernel", 4, (int64_t[]){5, 5, 1, 32}, 0.4f, 1),
        weight(g, "conv1/bias", 1, (int64_t[]){32}, 0.1f, 2),
        weight(g, "conv2/kernel", 4, (int64_t[]){5, 5, 32, 64}, 0.1f, 3),
        weight(g, "conv2/bias", 1, (int64_t[]){64}, 0.1f, 4),
        weight(g, "dense/kernel", 2, (int64_t[]){3136, 1024}, 0.04f, 5),
        weight(g, "dense/bias", 1, (int64_t[]){1024}, 0.1f, 6),
        weight(g, "logits/kernel", 2, (int64_t[]){1024, 10}, 0.1f, 7),
        weight(g, "logits/bias", 1, (int64_t[]){10}, 0.1f, 8),
    };
    tfc_out h = op(g, "Relu",
                   (tfc_out[]){op(g, "BiasAdd",
                                  (tfc_out[]){op(g, "Conv2D", (tfc_out[]){x, w[0]}, 2), w[1]}, 2)},
                   1);
    h = op(g, "MaxPool", &h, 1);
    h = op(g, "Relu",
           (tfc_out[]){
               op(g, "BiasAdd", (tfc_out[]){op(g, "Conv2D", (tfc_out[]){h, w[2]}, 2), w[3]}, 2)},
           1);
    h = op(g, "MaxPool", &h, 1);
    tfc_tensor *flat = NULL;
    if (tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {2}}, (int32_t[]){-1, 3136}, 8, &flat,
                             &st))
        die("tensor", &st);
    tfc_out flat_shape = tfc_const(g, "flat_shape", flat);
    tfc_tensor_unref(flat);
    h = op(g, "Reshape", (tfc_out[]){h, flat_shape}, 2);
    h = op(g, "Relu",
           (tfc_out[]){
               op(g, "BiasAdd", (tfc_out[]){op(g, "MatMul", (tfc_out[]){h, w[4]}, 2), w[5]}, 2)},
           1);
    tfc_out logits =
        op(g, "BiasAdd", (tfc_out[]){op(g, "MatMul", (tfc_out[]){h, w[6]}, 2), w[7]}, 2);
    tfc_out loss = op(g, "SparseSoftmaxCrossEntropyWithLogits", (tfc_out[]){logits, labels}, 2);
    tfc_out grads[8];
    if (tfc_gradients(g, &loss, 1, w, 8, NULL, grads, &st) != TFC_OK) die("gradients", &st);
    tfc_out fetches[9] = {loss};
    memcpy(fetches + 1, grads, sizeof grads);
    tfc_tensor *xv = rnd(4, (int64_t[]){batch, 28, 28, 1}, 2.0f, 9), *yv;
    int32_t lab[100];
    for (int i = 0; i < 100; i++) lab[i] = i % 10;
    if (tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {batch}}, lab, sizeof lab, &yv, &st))
        die("tensor", &st);
    tfc_feed feeds[2] = {{x, xv}, {labels, yv}};
    const char *e = getenv("BENCH_REPS");
    int reps = e && atoi(e) > 0 ? atoi(e) : 5;
    int nthreads = argc > 1 ? argc - 1 : 2;
    for (int a = 0; a < nthreads; a++) {
        int threads = argc > 1 ? atoi(argv[a + 1]) : a + 1;
        tfc_session *s;
        tfc_session_opts o = {.num_threads = threads};
        if (tfc_session_new(g, &o, &s, &st) != TFC_OK) die("session", &st);
        double *ips = malloc(sizeof(double) * (size_t)reps);
        for (int r = -1; r < reps; r++) {
            const int steps = 10;
            double t0 = now();
            for (int k = 0; k < steps; k++) {
                tfc_tensor *out[9];
                if (tfc_session_run(s, feeds, 2, fetches, 9, out, NULL, 0, &st) != TFC_OK)
                    die("run", &st);
                if (!isfinite(*(float *)tfc_tensor_data(out[0]))) {
                    fprintf(stderr, "bench_cnn: loss is not finite\n");
                    return 1;
                }
                for (int i = 0; i < 9; i++) tfc_tensor_unref(out[i]);
            }
            if (r >= 0) ips[r] = steps * batch / (now() - t0);
        }
        qsort(ips, (size_t)reps, sizeof *ips, cmp_double);
        printf("BENCH cnn_fwd_bwd_%dt %.1f img/s\n", threads, ips[reps / 2]);
        fflush(stdout);
        free(ips);
        tfc_session_free(s);
    }
    tfc_tensor_unref(xv), tfc_tensor_unref(yv);
    tfc_graph_free(g);
    return 0;
}
