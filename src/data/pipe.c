/* Background production for prefetch and parallel map. Worker threads take turns pulling the
 * input's next element (under the pipe's lock, so sequence numbers follow input order), apply the
 * map function outside the lock, and park the result in a ring slot keyed by its sequence number;
 * the consumer takes slots in sequence order (or, unordered, the first finished one). The ring
 * bounds the elements ahead of the consumer. Waiters are woken only when someone waits. Workers
 * start at the first next(), so a restored pipe can be filled before they run. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "data/data_int.h"

enum { SLOT_EMPTY, SLOT_BUSY, SLOT_DONE, SLOT_TAKEN };

typedef struct slot {
    int state;
    tfc_element e;
    tfc_status st; /* code != OK: the element's error */
} slot;

struct tfc__pipe {
    tfc__iter *input;
    tfc__pipe_opts o;
    pthread_mutex_t mu;
    pthread_cond_t room, ready, idle;
    pthread_t *threads;
    int nthreads;
    bool started, stop, paused, input_done;
    _Atomic uint64_t events; /* bumped when an element is parked, finished or taken */
    bool consumer_waiting;
    bool consumer_spin; /* the consumer's recent waits were short enough to spin through */
    bool pulling;       /* a worker is reading the input (outside the lock) */
    int64_t chunk;      /* the next chunk's size limit (slow start) */
    int room_waiters;
    int busy; /* workers pulling or applying fn */
    slot *ring;
    int64_t next_in;  /* sequence number the next pulled element gets */
    int64_t next_out; /* oldest sequence number not yet taken */
    int64_t end_seq;  /* with input_done: the sequence number at which the input ended */
};

static slot *at(tfc__pipe *p, int64_t seq) {
    return &p->ring[seq % p->o.capacity];
}

/* SPIN_NS: a reader's chunk of 32 Fashion-MNIST records takes ~100 us; a 50 us spin always ran
 * out, so the consumer slept and the reader, the pipeline's bottleneck, paid a futex wake per
 * chunk (bench_data 2t on a quiet VM: 234-260k ex/s with 50 us, 259-271k with 200 us; futex calls
 * per run 16k -> 7k). The spin yields, so a longer one costs other threads little. */
enum { MAX_CHUNK = 32, SPIN_NS = 200000 };

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Called with the lock held: releases it and spins up to SPIN_NS for another thread to change
 * the pipe, then takes it back; true if something changed. A futex sleep and wake costs tens of
 * microseconds here, more than a chunk of small elements: without the spin, prefetch cost 4.6 us
 * per element. A side whose last spin ran out sleeps at once until a wait is short again: a
 * consumer of 100-element batches spinning on every wait took 12% of the cores from the threads
 * producing them. The spin yields the core every 64 pauses: when the machine has more runnable
 * threads than cores (other work, or a producer sharing this core), a plain spin took the CPU
 * share the thread it waits for needed (bench_data 2t on a loaded 2-core VM: 160-174k ex/s
 * spinning, 186-203k yielding; prefetch per element 5.8 us -> 0.55 us); on an idle core
 * sched_yield returns at once. */
static bool spin_for_change(tfc__pipe *p, bool *worth) {
    if (!*worth) return false;
    uint64_t seen = atomic_load(&p->events);
    pthread_mutex_unlock(&p->mu);
    int64_t end = mono_ns() + SPIN_NS;
    bool changed = false;
    for (int i = 0; !changed; i++) {
        changed = atomic_load(&p->events) != seen;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if ((i & 63) == 63) {
            if (mono_ns() > end) break;
            sched_yield();
        }
    }
    pthread_mutex_lock(&p->mu);
    /* bumps happen under the lock: one between the last look and the lock counts too */
    changed = changed || atomic_load(&p->events) != seen;
    *worth = changed; /* a wait longer than the spin: sleep at once next time */
    return changed;
}

/* cond_wait that re-enables spinning when the wait turned out shorter than a spin. */
static void wait_on(tfc__pipe *p, pthread_cond_t *cv, bool *worth) {
    int64_t t0 = mono_ns();
    pthread_cond_wait(cv, &p->mu);
    if (mono_ns() - t0 < SPIN_NS) *worth = true;
}

/* Pulls a chunk of consecutive input elements without holding the lock (one puller at a time, so
 * sequence numbers follow the input), parks them, applies fn to them without the lock, and marks
 * them done. Chunks cut the lock and wake-up traffic per element (per-element hand-offs made a
 * 2-thread map slower than 1 thread), and reading outside the lock lets the consumer take
 * elements while a worker inflates the next records. Called with the lock held and room left. */
static void run_chunk(tfc__pipe *p, int worker) {
    int64_t want = p->o.capacity / (2 * p->o.workers),
            room = p->o.capacity - (p->next_in - p->next_out);
    if (want < 1) want = 1;
    if (want > MAX_CHUNK) want = MAX_CHUNK;
    /* slow start: chunks of 1, 2, 4, ... so the first elements come at once and a short input
     * is still spread over the workers (a 16-element map on 4 workers ran serially) */
    if (want > p->chunk) want = p->chunk;
    if (p->chunk < MAX_CHUNK) p->chunk *= 2;
    if (want > room) want = room;
    p->pulling = true;
    p->busy++;
    pthread_mutex_unlock(&p->mu);
    tfc_element got[MAX_CHUNK];
    tfc_status err;
    tfc_status_clear(&err);
    int64_t k = 0;
    bool ended = false;
    while (k < want) {
        got[k].n = 0, got[k].source[0] = '\0'; /* empty (not all 328 bytes zeroed) */
        tfc_code c = tfc__iter_next(p->input, &got[k], &ended, &err);
        if (ended) break;
        k++;
        if (c != TFC_OK) { /* the element's error: it goes out in its place */
            if (err.code == TFC_OK) tfc_status_set(&err, c, "failed without a message");
            tfc_element_clear(&got[k - 1]);
            break;
        }
        tfc_status_clear(&err); /* a callee may leave a status behind on success */
    }
    pthread_mutex_lock(&p->mu);
    int64_t first = p->next_in;
    for (int64_t i = 0; i < k; i++) {
        slot *s = at(p, p->next_in++);
        tfc_element_move(&s->e, &got[i]);
        if (i == k - 1 && err.code != TFC_OK)
            s->st = err;
        else
            tfc_status_clear(&s->st);
        s->state = SLOT_BUSY;
    }
    if (ended) p->input_done = true, p->end_seq = p->next_in;
    p->pulling = false;
    atomic_fetch_add(&p->events, 1);
    if (p->room_waiters) pthread_cond_broadcast(&p->room);
    if (ended && p->consumer_waiting) pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->mu);
    for (int64_t i = 0; i < k && p->o.fn; i++) {
        slot *s = at(p, first + i);
        if (s->st.code != TFC_OK) continue;
        tfc_element out = {0};
        tfc_code c = p->o.fn(p->o.fn_ctx, worker, &s->e, &out, &s->st);
        if (c == TFC_OK && out.n != p->o.n_out)
            c = tfc_status_set(&s->st, TFC_INVALID_ARGUMENT,
                               "map function returned %d components, expected %d", out.n,
                               p->o.n_out);
        if (c != TFC_OK) {
            char where[256];
            if (s->st.code == TFC_OK) tfc_status_set(&s->st, c, "failed without a message");
            tfc_status_prefix(&s->st, "map%s", tfc__element_where(&s->e, where, sizeof where));
            tfc_element_clear(&out);
            tfc_element_clear(&s->e);
            continue;
        }
        tfc_status_clear(&s->st);
        if (!out.source[0]) memcpy(out.source, s->e.source, sizeof out.source);
        tfc_element_move(&s->e, &out);
    }
    pthread_mutex_lock(&p->mu);
    for (int64_t i = 0; i < k; i++) at(p, first + i)->state = SLOT_DONE;
    atomic_fetch_add(&p->events, 1);
    p->busy--;
    if (p->consumer_waiting) pthread_cond_broadcast(&p->ready);
    if (p->paused && p->busy == 0) pthread_cond_broadcast(&p->idle);
}

typedef struct worker_arg {
    tfc__pipe *p;
    int index;
} worker_arg;

static void *worker(void *arg) {
    tfc__pipe *p = ((worker_arg *)arg)->p;
    int index = ((worker_arg *)arg)->index;
    bool spin_worth = true;
    tfc_free(arg);
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (p->paused || p->pulling || p->input_done || p->next_in - p->next_out >= p->o.capacity) {
            if (!p->paused && !p->input_done && spin_for_change(p, &spin_worth)) continue;
            if (p->stop) break;
            p->room_waiters++;
            wait_on(p, &p->room, &spin_worth);
            p->room_waiters--;
            continue;
        }
        run_chunk(p, index);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

tfc_code tfc__pipe_new(tfc__iter *input, const tfc__pipe_opts *o, tfc__pipe **out, tfc_status *st) {
    *out = NULL;
    tfc__pipe *p = tfc_calloc(1, sizeof *p);
    if (p) p->consumer_spin = true, p->chunk = 1;
    if (!p) return tfc__oom(st, "prefetch");
    p->o = *o;
    if (p->o.workers < 1) p->o.workers = 1;
    if (p->o.capacity < p->o.workers) p->o.capacity = p->o.workers;
    p->ring = tfc_calloc((size_t)p->o.capacity, sizeof *p->ring);
    p->threads = tfc_calloc((size_t)p->o.workers, sizeof *p->threads);
    if (!p->ring || !p->threads) {
        tfc_free(p->ring), tfc_free(p->threads), tfc_free(p);
        return tfc__oom(st, "prefetch buffer");
    }
    p->input = input;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->room, NULL);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->idle, NULL);
    *out = p;
    return TFC_OK;
}

static tfc_code start(tfc__pipe *p, tfc_status *st) {
    p->started = true;
    for (int i = 0; i < p->o.workers; i++) {
        worker_arg *a = tfc_malloc(sizeof *a);
        if (!a) return tfc__oom(st, "prefetch thread");
        *a = (worker_arg){p, i};
        if (pthread_create(&p->threads[i], NULL, worker, a) != 0) {
            tfc_free(a);
            return i ? TFC_OK /* run with fewer */
                     : tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "could not start a thread");
        }
        p->nthreads++;
    }
    return TFC_OK;
}

/* Takes slot s (finished) into out; returns the element's code. Called with the lock held. */
static tfc_code take(tfc__pipe *p, slot *s, tfc_element *out, tfc_status *st) {
    tfc_code c = s->st.code;
    if (c != TFC_OK)
        *st = s->st;
    else
        tfc_element_move(out, &s->e);
    tfc_element_clear(&s->e);
    s->state = SLOT_TAKEN;
    while (p->next_out < p->next_in && at(p, p->next_out)->state == SLOT_TAKEN)
        at(p, p->next_out++)->state = SLOT_EMPTY;
    atomic_fetch_add(&p->events, 1);
    /* wake sleeping workers once a chunk's worth of room is free, not at every element: a reader
     * running ahead of its consumer was woken (a futex call) for each element taken */
    int64_t free_slots = p->o.capacity - (p->next_in - p->next_out);
    int64_t enough = p->o.capacity / 4 < MAX_CHUNK ? p->o.capacity / 4 : MAX_CHUNK;
    if (p->room_waiters && free_slots >= (enough > 1 ? enough : 1))
        pthread_cond_broadcast(&p->room);
    return c;
}

tfc_code tfc__pipe_next(tfc__pipe *p, tfc_element *out, bool *end, tfc_status *st) {
    pthread_mutex_lock(&p->mu);
    tfc_code c = TFC_OK;
    if (!p->started && (c = start(p, st)) != TFC_OK) {
        pthread_mutex_unlock(&p->mu);
        return c;
    }
    for (;;) {
        if (p->o.ordered || p->next_out == p->next_in) {
            if (p->next_out < p->next_in && at(p, p->next_out)->state == SLOT_DONE) {
                c = take(p, at(p, p->next_out), out, st);
                break;
            }
        } else {
            slot *found = NULL;
            for (int64_t q = p->next_out; q < p->next_in && !found; q++)
                if (at(p, q)->state == SLOT_DONE) found = at(p, q);
            if (found) {
                c = take(p, found, out, st);
                break;
            }
        }
        if (p->input_done && p->next_out >= p->end_seq) {
            *end = true;
            break;
        }
        if (p->nthreads == 0) { /* no thread could start: produce here */
            run_chunk(p, 0);
            continue;
        }
        if (spin_for_change(p, &p->consumer_spin)) continue;
        p->consumer_waiting = true;
        wait_on(p, &p->ready, &p->consumer_spin);
        p->consumer_waiting = false;
    }
    pthread_mutex_unlock(&p->mu);
    return c;
}

tfc_code tfc__pipe_save(tfc__pipe *p, tfc__wstate *w, tfc_status *st) {
    pthread_mutex_lock(&p->mu);
    p->paused = true;
    while (p->busy > 0) pthread_cond_wait(&p->idle, &p->mu);
    tfc_code c = tfc__w_iter(w, p->input, st);
    if (!c) c = tfc__w_i64(w, p->input_done, st);
    int64_t n = 0;
    for (int64_t q = p->next_out; q < p->next_in; q++) n += at(p, q)->state == SLOT_DONE;
    if (!c) c = tfc__w_i64(w, n, st);
    for (int64_t q = p->next_out; q < p->next_in && !c; q++) {
        slot *s = at(p, q);
        if (s->state != SLOT_DONE) continue;
        c = tfc__w_i64(w, s->st.code, st);
        if (!c) c = tfc__w_bytes(w, s->st.msg, strlen(s->st.msg), st);
        if (!c) c = tfc__w_element(w, &s->e, st);
    }
    p->paused = false;
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->mu);
    return c;
}

tfc_code tfc__pipe_restore(tfc__pipe *p, tfc__rstate *r, tfc_status *st) {
    int64_t done, n;
    tfc_code c = tfc__r_i64(r, &done, st);
    if (!c) c = tfc__r_i64(r, &n, st);
    if (c) return c;
    if (n < 0 || n > (1 << 24)) return tfc__r_bad(r, "buffered element count", st);
    if (n > p->o.capacity) { /* saved with more workers (a bigger ring): hold them all */
        slot *ring = tfc_calloc((size_t)n, sizeof *ring);
        if (!ring) return tfc__oom(st, "prefetch buffer");
        tfc_free(p->ring);
        p->ring = ring, p->o.capacity = n;
    }
    for (int64_t q = 0; q < n; q++) {
        slot *s = at(p, q);
        int64_t code;
        const void *msg;
        size_t len;
        if ((c = tfc__r_i64(r, &code, st)) || (c = tfc__r_bytes(r, &msg, &len, st))) return c;
        if (code < 0 || code > 16) return tfc__r_bad(r, "element status", st);
        s->st.code = (tfc_code)code;
        if (len >= sizeof s->st.msg) len = sizeof s->st.msg - 1;
        memcpy(s->st.msg, msg, len);
        s->st.msg[len] = '\0';
        if ((c = tfc__r_element(r, &s->e, st))) return c;
        s->state = SLOT_DONE;
        p->next_in = q + 1;
    }
    if (done) p->input_done = true, p->end_seq = p->next_in;
    return TFC_OK;
}

tfc_code tfc__pipe_free(tfc__pipe *p, tfc_status *st) {
    if (!p) return TFC_OK;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    for (int64_t q = 0; q < p->o.capacity; q++) tfc_element_clear(&p->ring[q].e);
    tfc_code c = tfc__iter_close(p->input, st);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->idle);
    tfc_free(p->ring), tfc_free(p->threads), tfc_free(p);
    return c;
}
