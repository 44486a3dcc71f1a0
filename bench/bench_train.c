/* Training benchmark (issue 5, item 6): the tutorial CNN's training step (forward + backward +
 * GradientDescent update, batch 100, as ../shared/peers/cnn_bench.py times PyTorch's), batch-100
 * inference, and batch-1 inference latency, at `threads` threads; then the process's peak RSS.
 *
 *     build/bench_train THREADS [data/fashion_mnist/train.tfrecord.gz]
 *
 * Input: the first 10,000 training images (parsed before timing), cycled, as the peer does. Each
 * figure is the median of BENCH_REPS (default 3) timed reps of about 3 s (latency: of the reps'
 * medians over 1000 runs). Prints BENCH lines. BENCH_ONLY=train|infer|latency runs just that
 * figure (to profile it alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"

#include "fmnist_input.h"
#include "fmnist_model.h"
#include "tfc/session.h"

enum { NB = 100, B = 100 };

static void die(const char *what, const tfc_status *st) {
    fprintf(stderr, "bench_train: %s: %s\n", what, st->msg);
    exit(1);
}

static tfc_element batches[NB];

static void load(const char *path) {
    tfc_status st;
    tfc_dataset *ds;
    tfc_iterator *it;
    if (fmnist_pipeline(path, false, 0, B, false, 0, false, &ds, &st)) die("pipeline", &st);
    if (tfc_iterator_new(ds, &it, &st)) die("iterator", &st);
    for (int i = 0; i < NB; i++)
        if (tfc_iterator_get_next(it, &batches[i], &st)) die("read", &st);
    tfc_iterator_free(it);
    tfc_dataset_free(ds);
}

/* One step on batch i (cycled). */
typedef void (*step_fn)(tfc_session *s, const fmnist_model *m, int i);

static tfc_tensor *yes;

static void train_step(tfc_session *s, const fmnist_model *m, int i) {
    tfc_status st;
    tfc_feed f[3] = {
        {m->x, batches[i % NB].t[0]}, {m->y, batches[i % NB].t[1]}, {m->training, yes}};
    if (tfc_session_run(s, f, 3, NULL, 0, NULL, &m->train_op, 1, &st)) die("train", &st);
}

static void infer_step(tfc_session *s, const fmnist_model *m, int i) {
    tfc_status st;
    tfc_feed f = {m->x, batches[i % NB].t[0]};
    tfc_tensor *out;
    if (tfc_session_run(s, &f, 1, &m->logits, 1, &out, NULL, 0, &st)) die("infer", &st);
    tfc_tensor_unref(out);
}

/* Images/s: reps of ~3 s each, median. */
static double rate(tfc_session *s, const fmnist_model *m, step_fn fn, int reps) {
    for (int i = 0; i < 3; i++) fn(s, m, i); /* warm up: plans, buffers */
    double t = now();
    for (int i = 0; i < 3; i++) fn(s, m, i);
    double per = (now() - t) / 3;
    int k = per > 0 ? (int)(3.0 / per) : 5;
    if (k < 5) k = 5;
    double v[16];
    for (int r = 0; r < reps; r++) {
        t = now();
        for (int i = 0; i < k; i++) fn(s, m, i);
        v[r] = (double)k * B / (now() - t);
    }
    return median(v, reps);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_train THREADS [train.tfrecord.gz]\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    const char *path = argc > 2 ? argv[2] : "data/fashion_mnist/train.tfrecord.gz";
    const char *e = getenv("BENCH_REPS");
    int reps = e && atoi(e) > 0 ? atoi(e) : 3;
    if (reps > 16) reps = 16;
    load(path);
    tfc_status st;
    tfc_graph *g = tfc_graph_new();
    fmnist_model m = {0};
    tfc_optimizer_opts sgd = {.kind = TFC_OPTIMIZER_GRADIENT_DESCENT, .learning_rate = 0.001};
    if (fmnist_model_build(g, 0, &sgd, &m, &st)) die("model", &st);
    tfc_session *s;
    if (tfc_session_new(g, &(tfc_session_opts){.num_threads = threads}, &s, &st))
        die("session", &st);
    if (tfc_session_run(s, NULL, 0, NULL, 0, NULL, &m.init, 1, &st)) die("init", &st);
    yes = fmnist_bool(true);
    const char *only = getenv("BENCH_ONLY");
    if (!only || !strcmp(only, "train"))
        printf("BENCH cnn_train_%dt %.1f img/s\n", threads, rate(s, &m, train_step, reps));
    fflush(stdout);
    if (!only || !strcmp(only, "infer"))
        printf("BENCH cnn_infer_b100_%dt %.1f img/s\n", threads, rate(s, &m, infer_step, reps));
    fflush(stdout);
    /* batch-1 latency: the median of 1000 runs, per rep; the median of the reps */
    tfc_tensor *x1;
    if (tfc_tensor_from_data(TFC_DT_FLOAT, &(tfc_shape){4, {1, 28, 28, 1}},
                             tfc_tensor_data_const(batches[0].t[0]), 28 * 28 * sizeof(float), &x1,
                             &st))
        die("image", &st);
    tfc_feed f1 = {m.x, x1};
    double meds[16], *lat = malloc(1000 * sizeof *lat);
    if (only && strcmp(only, "latency")) reps = 0;
    for (int i = 0; i < 50 && reps; i++) {
        tfc_tensor *out;
        if (tfc_session_run(s, &f1, 1, &m.logits, 1, &out, NULL, 0, &st)) die("latency", &st);
        tfc_tensor_unref(out);
    }
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < 1000; i++) {
            tfc_tensor *out;
            double t = now();
            if (tfc_session_run(s, &f1, 1, &m.logits, 1, &out, NULL, 0, &st)) die("latency", &st);
            lat[i] = now() - t;
            tfc_tensor_unref(out);
        }
        meds[r] = median(lat, 1000) * 1e6;
    }
    if (reps) printf("BENCH cnn_latency_b1_%dt %.1f us\n", threads, median(meds, reps));
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("BENCH cnn_peak_rss_%dt %.1f MiB\n", threads, (double)ru.ru_maxrss / 1024.0);
    free(lat);
    tfc_tensor_unref(x1), tfc_tensor_unref(yes);
    tfc_session_free(s);
    tfc_graph_free(g);
    for (int i = 0; i < NB; i++) tfc_element_clear(&batches[i]);
    return 0;
}
