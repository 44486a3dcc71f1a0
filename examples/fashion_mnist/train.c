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

#include "tfc/data.h"
#include "tfc/data_decode.h"
#include "tfc/data_parse.h"
#include "tfc/layers.h"
#include "tfc/losses.h"
#include "tfc/optimizers.h"
#include "tfc/session.h"
#include "tfc/variables.h"

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

/* Example -> (image float [28, 28, 1] in [0, 1], label int64 []). */
static tfc_code parse_fmnist(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                             tfc_status *st) {
    (void)ctx, (void)worker;
    static const tfc_feature_spec specs[2] = {
        {.key = "image/raw", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_STRING, .shape = {0, {0}}},
        {.key = "label", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_INT64, .shape = {0, {0}}},
    };
    tfc_bytes rec = tfc_tensor_string_at(in->t[0], 0);
    tfc_parsed p[2] = {0};
    tfc_code c = tfc_parse_single_example(rec.data, rec.size, specs, 2, p, st);
    tfc_tensor *pixels = NULL, *scaled = NULL;
    if (!c) {
        tfc_bytes raw = tfc_tensor_string_at(p[0].dense, 0);
        c = tfc_decode_raw_bytes(raw.data, raw.size, TFC_DT_UINT8, true, &pixels, st);
    }
    if (!c) c = tfc_scale(pixels, 1.0 / 255.0, 0.0, TFC_DT_FLOAT, &scaled, st);
    if (!c) c = tfc_tensor_reshape(scaled, &(tfc_shape){3, {28, 28, 1}}, &out->t[0], st);
    if (!c) {
        out->t[1] = tfc_tensor_ref(p[1].dense);
        out->n = 2;
    }
    tfc_tensor_unref(pixels), tfc_tensor_unref(scaled);
    tfc_parsed_clear(p, 2);
    return c;
}

/* The records of path parsed into (image, label), shuffled when train, batched, prefetched. */
static tfc_code pipeline(const char *path, bool train, const opts *o, tfc_dataset **out,
                         tfc_status *st) {
    tfc_dataset *ds = NULL, *next = NULL;
    tfc_code c = tfc_dataset_tfrecord(&path, 1, &(tfc_tfrecord_opts){.use_index = true}, &ds, st);
    /* the records are read ahead on their own thread: the gzip stream is the serial part */
    if (!c) c = tfc_dataset_prefetch(ds, 256, &next, st), tfc_dataset_free(ds), ds = next;
    tfc_map_opts mo = {.names = (const char *const[]){"image", "label"}, .num_outputs = 2};
    if (!c)
        c = tfc_dataset_map(ds, parse_fmnist, NULL, &mo, &next, st), tfc_dataset_free(ds),
        ds = next;
    if (!c && train)
        c = tfc_dataset_shuffle(ds, 10000, o->seed, true, &next, st), tfc_dataset_free(ds),
        ds = next;
    if (!c)
        c = tfc_dataset_batch(ds, train ? o->batch : 1000, false, &next, st), tfc_dataset_free(ds),
        ds = next;
    if (!c) c = tfc_dataset_prefetch(ds, 2, &next, st), tfc_dataset_free(ds), ds = next;
    *out = c ? NULL : ds;
    if (c) tfc_dataset_free(ds);
    return c;
}

static tfc_out op2(tfc_graph *g, const char *op, const char *name, tfc_out a, tfc_out b) {
    tfc_node_builder *nb = tfc_node_begin(g, op, name);
    tfc_node_add_input(nb, a);
    tfc_node_add_input(nb, b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

static tfc_tensor *bool_scalar(bool v) {
    tfc_tensor *t = NULL;
    if (tfc_tensor_new(TFC_DT_BOOL, &(tfc_shape){0, {0}}, &t, NULL) == TFC_OK)
        *(uint8_t *)tfc_tensor_data(t) = v;
    return t;
}

static tfc_out int_const(tfc_graph *g, const char *name, int32_t v) {
    tfc_tensor *t = tfc_tensor_scalar_int32(v);
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}

typedef struct model {
    tfc_out x, y, training, logits, loss, accuracy, predictions;
    tfc_node *train_op, *init;
} model;

/* The tutorial's model (cnn_mnist.py): conv 5x5x32 SAME relu, max pool 2x2/2, conv 5x5x64 SAME
 * relu, max pool 2x2/2, flatten, dense 1024 relu, dropout 0.4 (training only), dense 10. */
static tfc_code build(tfc_graph *g, const opts *o, model *m, tfc_status *st) {
    tfc_layers *L = tfc_layers_new(g);
    if (!L) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_layers_set_random_seed(L, (int64_t)o->seed);
    m->x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){4, {-1, 28, 28, 1}});
    m->y = tfc_placeholder(g, "y", TFC_DT_INT64, &(tfc_shape){1, {-1}});
    tfc_tensor *no = bool_scalar(false);
    tfc_node_builder *b = tfc_node_begin(g, "PlaceholderWithDefault", "training");
    tfc_node_add_input(b, tfc_const(g, "training/default", no));
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){0, {0}});
    m->training = tfc_node_output(tfc_node_finish(b), 0);
    tfc_tensor_unref(no);
    /* arg_scope: every conv2d here is 5x5, SAME, relu, as in the tutorial */
    tfc_layers_push_defaults(
        L, TFC_LAYER_CONV2D,
        &(tfc_conv2d_opts){.kernel_size = {5, 5}, .padding = TFC_SAME, .activation = TFC_ACT_RELU});
    tfc_pool2d_opts pool = {.pool_size = {2, 2}, .strides = {2, 2}};
    tfc_out h = tfc_layers_conv2d(L, m->x, &(tfc_conv2d_opts){.filters = 32});
    h = tfc_layers_max_pooling2d(L, h, &pool);
    h = tfc_layers_conv2d(L, h, &(tfc_conv2d_opts){.filters = 64});
    h = tfc_layers_max_pooling2d(L, h, &pool);
    tfc_layers_pop_defaults(L);
    h = tfc_layers_flatten(L, h, NULL);
    h = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 1024, .activation = TFC_ACT_RELU});
    h = tfc_layers_dropout(L, h, &(tfc_dropout_opts){.rate = 0.4f, .training_flag = m->training});
    m->logits = tfc_layers_dense(L, h, &(tfc_dense_opts){.units = 10});
    tfc_layers_free(L);
    m->loss = tfc_losses_sparse_softmax_cross_entropy(g, m->y, m->logits, NULL);
    m->predictions = op2(g, "ArgMax", "predictions", m->logits, int_const(g, "class_axis", 1));
    tfc_node_builder *cb = tfc_node_begin(g, "Cast", "hit");
    tfc_node_add_input(cb, op2(g, "Equal", "correct", m->predictions, m->y));
    tfc_node_set_attr_type(cb, "DstT", TFC_DT_FLOAT);
    tfc_out hit = tfc_node_output(tfc_node_finish(cb), 0);
    m->accuracy = op2(g, "Mean", "batch_accuracy", hit, int_const(g, "batch_axis", 0));
    tfc_var step = tfc_train_get_or_create_global_step(g);
    tfc_code c = tfc_graph_status(g, st);
    if (c) return c;
    tfc_optimizer_opts adam = {.kind = TFC_OPTIMIZER_ADAM, .learning_rate = o->lr};
    if ((c = tfc_optimizer_minimize(g, &adam, m->loss, &step, NULL, 0, &m->train_op, st))) return c;
    m->init = tfc_global_variables_initializer(g);
    return tfc_graph_status(g, st);
}

/* Test accuracy over the whole test file. */
static tfc_code evaluate(tfc_session *s, const model *m, tfc_dataset *test, double *acc, int64_t *n,
                         tfc_status *st) {
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
    model m = {0};
    tfc_session *s = NULL;
    tfc_dataset *train = NULL, *test = NULL, *epochs = NULL;
    tfc_iterator *it = NULL;
    tfc_element batch = {0};
    int rc = 1;
    if (build(g, o, &m, &st) ||
        tfc_session_new(g, &(tfc_session_opts){.num_threads = o->threads}, &s, &st) ||
        tfc_session_run(s, NULL, 0, NULL, 0, NULL, &m.init, 1, &st) ||
        pipeline(train_path, true, o, &train, &st) || pipeline(test_path, false, o, &test, &st) ||
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
    tfc_tensor *yes = bool_scalar(true);
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
