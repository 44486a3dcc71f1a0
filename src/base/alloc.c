/* Counted allocation: every block carries a 16-byte header with its size, so live blocks and
 * bytes can be tracked with two atomics and tests can end by asserting nothing leaked. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/base.h"

static _Atomic int64_t live_count;
static _Atomic int64_t live_bytes;
static _Atomic int64_t total_count; /* allocations ever made, for "allocates nothing" tests */

#define HDR 16 /* keeps malloc's 16-byte alignment for the caller */

void *tfc_malloc(size_t n) {
    if (n > SIZE_MAX - HDR) return NULL;
    unsigned char *p = malloc(n + HDR);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&total_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&live_bytes, (int64_t)n, memory_order_relaxed);
    return p + HDR;
}

void *tfc_calloc(size_t count, size_t n) {
    if (n && count > SIZE_MAX / n) return NULL;
    void *p = tfc_malloc(count * n);
    if (p) memset(p, 0, count * n);
    return p;
}

void tfc_free(void *p) {
    if (!p) return;
    unsigned char *b = (unsigned char *)p - HDR;
    size_t n;
    memcpy(&n, b, sizeof n);
    atomic_fetch_sub_explicit(&live_count, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&live_bytes, (int64_t)n, memory_order_relaxed);
    free(b);
}

void *tfc_realloc(void *p, size_t n) {
    if (!p) return tfc_malloc(n);
    if (n > SIZE_MAX - HDR) return NULL;
    unsigned char *b = (unsigned char *)p - HDR;
    size_t old;
    memcpy(&old, b, sizeof old);
    unsigned char *nb = realloc(b, n + HDR);
    if (!nb) return NULL;
    atomic_fetch_add_explicit(&total_count, 1, memory_order_relaxed);
    memcpy(nb, &n, sizeof n);
    atomic_fetch_add_explicit(&live_bytes, (int64_t)n - (int64_t)old, memory_order_relaxed);
    return nb + HDR;
}

static char *dup_len(const char *s, size_t len) {
    char *d = tfc_malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *tfc_strndup(const char *s, size_t n) {
    return dup_len(s, strnlen(s, n));
}

char *tfc_strdup(const char *s) {
    return dup_len(s, strlen(s));
}

/* malloc and round up, the block's start kept in the word before the result: posix_memalign
 * splits a larger chunk and frees the pieces around the aligned part, which cost ~900 instructions
 * a call (a tenth of a data pipeline's time went there); a small malloc comes from the
 * per-thread cache. */
#define ALIGN 64

void *tfc_aligned_alloc(size_t n) {
    if (n > SIZE_MAX - ALIGN) return NULL;
    unsigned char *raw = malloc(n + ALIGN);
    if (!raw) return NULL;
    /* malloc's (at least 8-byte) alignment leaves room below p for the word */
    unsigned char *p = (unsigned char *)(((uintptr_t)raw + ALIGN) & ~(uintptr_t)(ALIGN - 1));
    memcpy(p - sizeof raw, &raw, sizeof raw);
    atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&total_count, 1, memory_order_relaxed);
    return p;
}

void tfc_aligned_free(void *p) {
    if (!p) return;
    unsigned char *raw;
    memcpy(&raw, (unsigned char *)p - sizeof raw, sizeof raw);
    atomic_fetch_sub_explicit(&live_count, 1, memory_order_relaxed);
    free(raw);
}

int64_t tfc_alloc_live_count(void) {
    return atomic_load(&live_count);
}

int64_t tfc_alloc_live_bytes(void) {
    return atomic_load(&live_bytes);
}

int64_t tfc_alloc_total_count(void) {
    return atomic_load(&total_count);
}
