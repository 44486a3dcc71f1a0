/* The flagship: TensorFlow's layers-tutorial CNN trained on Fashion-MNIST in C. The TFRecords made
 * by fmnist_to_tfrecord are read through tfc's pipeline (parse, scale to [0,1], shuffle, batch,
 * prefetch), the model is built with tfc's layers exactly as the tutorial builds it, trained with
 * Adam, and evaluated on the 10,000 test images.
 *
 *     fmnist_train [--data DIR] [--epochs N | --full] [--threads N] [--batch N] [--lr X]
 *                  [--seed N] [--steps N]
 *
 * --full is the schedule that reaches the tutorial's test accuracy (see README); the default is
 * the short one `make demo` runs. Exit status: 0 done, 1 a data or run error, 2 a usage error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmnist_input.h"
#include "fmnist_model.h"
#include "tfc/session.h"

typedef struct opts {
    const char *data;
    int epochs, threads, batch;
    int64_t max_steps; /* 0: all */
    double lr;
    uint64_t seed;
} opts;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int usage(const char *msg) {
    if (msg) fprintf(stderr, "fmnist_train: %s\n", msg);
    fprintf(stderr, "usage: fmnist_train [--data DIR] [--epochs N | --full] [--threads N] "
                    "[--batch N] [--lr X] [--seed N] [--steps N]\n");
    return 2;
}

/* Test accuracy over the whole test file. */
static tfc_code evaluate(tfc_session *s, const fmnist_model *m, tfc_dataset *test, double *acc,
                         int64_t *n, tfc_status *st) {
    tfc_iterator *it;
    tfc_code c = tfc_iterator_new(test, &it, st);
    if (c) return c;
    tfc_element batch = {0};
    tfc_feed feed;
    int64_t correct = 0, total = 0;
    while ((c = tfc_iterator_next_feeds(it, &m->x, (const char *const[]){"image"}, 1, &batch, &feed,
                                        st)) == TFC_OK) {
        tfc_tensor *pred;
        if ((c = tfc_session_run(s, &feed, 1, &m->predictions, 1, &pred, NULL, 0, st))) break;
        const int64_t *p = tfc_tensor_data_const(pred), *y = tfc_tensor_data_const(batch.t[1]);
        for (int64_t i = 0; i < tfc_tensor_num_elements(pred); i++) correct += p[i] == y[i];
        total += tfc_tensor_num_elements(pred);
        tfc_tensor_unref(pred);
    }
    tfc_element_clear(&batch);
    tfc_iterator_free(it);
    if (c != TFC_OUT_OF_RANGE) return c;
    *acc = total ? (double)correct / (double)total : 0;
    *n = total;
    return TFC_OK;
}

static void progress(int64_t step, int64_t steps, double loss, double acc, double rate,
                     double eta) {
    fprintf(stderr,
            "\rstep %6" PRId64 "/%" PRId64 "  loss %.4f  accuracy %.3f  %6.0f ex/s  ETA %d:%02d ",
            step, steps, loss, acc, rate, (int)eta / 60, (int)eta % 60);
    fflush(stderr);
}

static int run(const opts *o) {
    tfc_status st;
    char train_path[1024], test_path[1024];
    snprintf(train_path, sizeof train_path, "%s/train.tfrecord.gz", o->data);
    snprintf(test_path, sizeof test_path, "%s/test.tfrecord.gz", o->data);
    tfc_graph *g = tfc_graph_new();
    fmnist_model m = {0};
    tfc_session *s = NULL;
    tfc_dataset *train = NULL, *test = NULL, *epochs = NULL;
    tfc_iterator *it = NULL;
    tfc_element batch = {0};
    int rc = 1;
    tfc_optimizer_opts adam = {.kind = TFC_OPTIMIZER_ADAM, .learning_rate = o->lr};
    if (fmnist_model_build(g, o->seed, &adam, &m, &st) ||
        tfc_session_new(g, &(tfc_session_opts){.num_threads = o->threads}, &s, &st) ||
        tfc_session_run(s, NULL, 0, NULL, 0, NULL, &m.init, 1, &st) ||
        fmnist_pipeline(train_path, true, o->seed, o->batch, true, 0, true, &train, &st) ||
        fmnist_pipeline(test_path, false, 0, 1000, true, 0, true, &test, &st) ||
        tfc_dataset_repeat(train, o->epochs, &epochs, &st) || tfc_iterator_new(epochs, &it, &st)) {
        fprintf(stderr, "fmnist_train: %s\n", st.msg);
        goto done;
    }
    int64_t per_epoch = tfc_dataset_cardinality(train);
    int64_t steps = per_epoch > 0 ? per_epoch * o->epochs : -1;
    if (o->max_steps > 0 && (steps < 0 || o->max_steps < steps)) steps = o->max_steps;
    printf("training the tutorial CNN: %d epoch(s) of %" PRId64 " batches of %d, Adam lr %g, %d "
           "thread(s)\n",
           o->epochs, per_epoch, o->batch, o->lr, o->threads);
    fflush(stdout);
    double t0 = now(), last = t0, loss = 0, acc = 0;
    int64_t step = 0, seen = 0;
    tfc_out fetch[2] = {m.loss, m.accuracy};
    tfc_feed feeds[3];
    tfc_tensor *yes = fmnist_bool(true);
    tfc_code c;
    while ((steps < 0 || step < steps) &&
           (c = tfc_iterator_next_feeds(it, (tfc_out[]){m.x, m.y},
                                        (const char *const[]){"image", "label"}, 2, &batch, feeds,
                                        &st)) == TFC_OK) {
        feeds[2] = (tfc_feed){m.training, yes};
        tfc_tensor *out[2];
        if ((c = tfc_session_run(s, feeds, 3, fetch, 2, out, &m.train_op, 1, &st))) break;
        loss = *(const float *)tfc_tensor_data_const(out[0]);
        acc = *(const float *)tfc_tensor_data_const(out[1]);
        tfc_tensor_unref(out[0]), tfc_tensor_unref(out[1]);
        step++, seen += tfc_tensor_dim(batch.t[0], 0);
        double t = now();
        if (t - last > 0.5 || step == steps) {
            double rate = (double)seen / (t - t0);
            double eta = steps > 0 ? (double)(steps - step) * o->batch / rate : 0;
            progress(step, steps, loss, acc, rate, eta);
            last = t;
        }
    }
    tfc_tensor_unref(yes);
    double train_s = now() - t0;
    fprintf(stderr, "\n");
    if (c != TFC_OK && c != TFC_OUT_OF_RANGE) {
        fprintf(stderr, "fmnist_train: %s\n", st.msg);
        goto done;
    }
    printf("trained %" PRId64 " steps (%" PRId64 " examples) in %.1f s: %.0f examples/s; last "
           "batch loss %.4f\n",
           step, seen, train_s, (double)seen / train_s, loss);
    double test_acc;
    int64_t n;
    double e0 = now();
    if (evaluate(s, &m, test, &test_acc, &n, &st)) {
        fprintf(stderr, "fmnist_train: evaluation: %s\n", st.msg);
        goto done;
    }
    printf("test accuracy %.4f on %" PRId64 " images (%.1f s); wall time %.1f s\n", test_acc, n,
           now() - e0, now() - t0);
    rc = 0;
done:
    tfc_element_clear(&batch);
    tfc_iterator_free(it);
    tfc_dataset_free(epochs), tfc_dataset_free(train), tfc_dataset_free(test);
    tfc_session_free(s);
    tfc_graph_free(g);
    return rc;
}

int main(int argc, char **argv) {
    opts o = {.data = "data/fashion_mnist",
              .epochs = 1,
              .threads = 0,
              .batch = 100,
              .lr = 1e-3,
              .seed = 42};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--full")) {
            o.epochs = 15;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(NULL), 0;
        if (!v) return usage("an option needs a value");
        char *end = NULL;
        if (!strcmp(a, "--data"))
            o.data = v;
        else if (!strcmp(a, "--epochs"))
            o.epochs = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--threads"))
            o.threads = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--batch"))
            o.batch = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--steps"))
            o.max_steps = strtoll(v, &end, 10);
        else if (!strcmp(a, "--lr"))
            o.lr = strtod(v, &end);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, &end, 10);
        else
            return usage("unknown option");
        if (end && *end) return usage("not a number");
        i++;
    }
    if (o.epochs < 1 || o.batch < 1 || o.threads < 0 || o.lr <= 0) return usage("out of range");
    return run(&o);
}
