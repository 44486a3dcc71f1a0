/* A fixed pool of worker threads running parallel_for jobs: indices are claimed from an atomic
 * counter, so uneven items balance themselves; the caller works too and waits for the stragglers.
 * Between jobs a worker spins for a short while (SPIN_NS) before it sleeps, and so does the caller
 * waiting for stragglers: a futex wake-up costs tens of microseconds here, as much as a 256x256
 * GEMM half, and a training step runs its parallel kernels back to back. The spin is kept short
 * because a spinning thread takes a core from whatever runs next (OpenBLAS's ~0.1 s spin halved
 * the next GEMM, bench_engine). */
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tfc/base.h"

struct tfc_threadpool {
    int size; /* threads including the caller */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    pthread_mutex_t run_mu; /* serialises parallel_for calls */
    _Atomic uint64_t generation; /* bumped per job */
    _Atomic int busy;            /* workers still inside the current job */
    _Atomic bool stop;
    /* current job */
    void (*fn)(void *, int64_t);
    void *ctx;
    int64_t n;
    _Atomic int64_t next;
};

int tfc_default_num_threads(void) {
    const char *e = getenv("TFC_NUM_THREADS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0 && v <= 1024) return (int)v;
    }
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

static void run_items(tfc_threadpool *p) {
    int64_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->n) p->fn(p->ctx, i);
}

enum { SPIN_NS = 100000 };

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spins until done(p, arg) holds or SPIN_NS pass; true when it held. */
static bool spin_until(tfc_threadpool *p, bool (*done)(tfc_threadpool *, uint64_t), uint64_t arg) {
    int64_t end = mono_ns() + SPIN_NS;
    for (int i = 0;; i++) {
        if (done(p, arg)) return true;
        cpu_relax();
        if ((i & 63) == 63 && mono_ns() > end) return false;
    }
}

static bool new_job(tfc_threadpool *p, uint64_t seen) {
    return atomic_load(&p->stop) || atomic_load(&p->generation) != seen;
}

static bool workers_done(tfc_threadpool *p, uint64_t unused) {
    (void)unused;
    return atomic_load(&p->busy) == 0;
}

static void *worker(void *arg) {
    tfc_threadpool *p = arg;
    uint64_t seen = 0;
    for (;;) {
        if (!spin_until(p, new_job, seen)) {
            pthread_mutex_lock(&p->mu);
            while (!new_job(p, seen)) pthread_cond_wait(&p->work_cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) break;
        seen = atomic_load(&p->generation);
        run_items(p);
        if (atomic_fetch_sub(&p->busy, 1) == 1) { /* the last one wakes the caller */
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done_cv);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

tfc_code tfc_threadpool_new(int num_threads, tfc_threadpool **out, tfc_status *st) {
    *out = NULL;
    if (num_threads <= 0) num_threads = tfc_default_num_threads();
    tfc_threadpool *p = tfc_calloc(1, sizeof *p);
    if (!p) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "thread pool: out of memory");
    p->size = num_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->run_mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    if (num_threads > 1) {
        p->threads = tfc_calloc((size_t)num_threads - 1, sizeof *p->threads);
        if (!p->threads) {
            tfc_threadpool_free(p);
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "thread pool: out of memory");
        }
        for (int i = 0; i < num_threads - 1; i++) {
            if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
                p->size = i + 1; /* free joins only the started ones */
                tfc_threadpool_free(p);
                return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                      "thread pool: could not start thread %d of %d", i + 1,
                                      num_threads - 1);
            }
        }
    }
    *out = p;
    return TFC_OK;
}

void tfc_threadpool_free(tfc_threadpool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    if (p->threads)
        for (int i = 0; i < p->size - 1; i++) pthread_join(p->threads[i], NULL);
    tfc_free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->run_mu);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    tfc_free(p);
}

int tfc_threadpool_size(const tfc_threadpool *p) {
    return p->size;
}

void tfc_threadpool_parallel_for(tfc_threadpool *p, int64_t n, void (*fn)(void *, int64_t),
                                 void *ctx) {
    if (n <= 0) return;
    if (p->size == 1 || n == 1) {
        for (int64_t i = 0; i < n; i++) fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&p->run_mu);
    pthread_mutex_lock(&p->mu);
    p->fn = fn, p->ctx = ctx, p->n = n;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->size - 1);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    run_items(p);
    if (!spin_until(p, workers_done, 0)) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done_cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&p->run_mu);
}
