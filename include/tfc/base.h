/* tfc base: status codes and messages, counted allocation, CRC-32C, varints and a thread pool.
 *
 * Every fallible tfc call returns a tfc_code and, when given a tfc_status, fills it with a message
 * that names the file, offset, node or tensor involved:
 *
 *     tfc_status st;
 *     if (tfc_record_reader_open(path, NULL, &r, &st) != TFC_OK)
 *         fprintf(stderr, "%s: %s\n", tfc_code_name(st.code), st.msg);
 *
 * The library never exits and never prints to stdout. */
#ifndef TFC_BASE_H
#define TFC_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TensorFlow's canonical error codes (tensorflow/core/protobuf/error_codes.proto), same numbers. */
typedef enum tfc_code {
    TFC_OK = 0,
    TFC_CANCELLED = 1,
    TFC_UNKNOWN = 2,
    TFC_INVALID_ARGUMENT = 3,
    TFC_DEADLINE_EXCEEDED = 4,
    TFC_NOT_FOUND = 5,
    TFC_ALREADY_EXISTS = 6,
    TFC_PERMISSION_DENIED = 7,
    TFC_RESOURCE_EXHAUSTED = 8,
    TFC_FAILED_PRECONDITION = 9,
    TFC_ABORTED = 10,
    TFC_OUT_OF_RANGE = 11,
    TFC_UNIMPLEMENTED = 12,
    TFC_INTERNAL = 13,
    TFC_UNAVAILABLE = 14,
    TFC_DATA_LOSS = 15,
    TFC_UNAUTHENTICATED = 16,
} tfc_code;

#define TFC_STATUS_MSG_MAX 512

/* A code plus a human-readable message. Plain value; zero-initialised means OK with no message. */
typedef struct tfc_status {
    tfc_code code;
    char msg[TFC_STATUS_MSG_MAX];
} tfc_status;

/* TF's name of a code: "OK", "INVALID_ARGUMENT", "DATA_LOSS", ... ("UNKNOWN_CODE" if out of range).
 */
const char *tfc_code_name(tfc_code code);

/* Sets st (if non-NULL) to code with a printf-style message, truncated to fit. Returns code, so
 * `return tfc_status_set(st, TFC_NOT_FOUND, "no file %s", p);` reads naturally. */
tfc_code tfc_status_set(tfc_status *st, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets st to OK with an empty message. Accepts NULL. */
void tfc_status_clear(tfc_status *st);

/* Prepends "prefix: " to st's message (for adding context as an error travels up). */
void tfc_status_prefix(tfc_status *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Counted allocation ----
 * Every allocation the library makes goes through these, so tests can check that a run ends with
 * zero live allocations. The counters are process-wide atomics (the one piece of shared state:
 * they are statistics, not behaviour). tfc_malloc(0) returns a valid unique pointer.
 * All return NULL when the system is out of memory; callers turn that into RESOURCE_EXHAUSTED. */
void *tfc_malloc(size_t n);
void *tfc_calloc(size_t count, size_t n);
void *tfc_realloc(void *p, size_t n);
char *tfc_strdup(const char *s);
char *tfc_strndup(const char *s, size_t n);
void tfc_free(void *p); /* accepts NULL */

/* 64-byte-aligned allocation for tensors and buffers; free with tfc_aligned_free (accepts NULL). */
void *tfc_aligned_alloc(size_t n);
void tfc_aligned_free(void *p);

/* Number of live (allocated, not yet freed) blocks and their total bytes. */
int64_t tfc_alloc_live_count(void);
int64_t tfc_alloc_live_bytes(void);
/* Number of allocations made since the process started (tfc_malloc, tfc_calloc, tfc_realloc,
 * tfc_aligned_alloc, ...): a difference across a piece of code says whether it allocated at all
 * (a session's repeated runs of one signature must not). */
int64_t tfc_alloc_total_count(void);

/* ---- CRC-32C (Castagnoli) ----
 * Uses the SSE4.2 crc32 instruction when the CPU has it (three interleaved streams on large
 * buffers), else a portable slicing-by-8 table; the choice is made once at run time. */
uint32_t tfc_crc32c(const void *data, size_t n);
/* Continues a CRC: tfc_crc32c_extend(tfc_crc32c(a, na), b, nb) == tfc_crc32c(a||b). */
uint32_t tfc_crc32c_extend(uint32_t crc, const void *data, size_t n);
/* TFRecord/LevelDB masking: ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
static inline uint32_t tfc_crc32c_mask(uint32_t crc) {
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
static inline uint32_t tfc_crc32c_unmask(uint32_t masked) {
    uint32_t rot = masked - 0xa282ead8u;
    return (rot >> 17) | (rot << 15);
}
/* "sse4.2" or "portable": which implementation this process uses. */
const char *tfc_crc32c_impl(void);
/* Forces the portable implementation (for tests comparing the two). */
uint32_t tfc_crc32c_extend_portable(uint32_t crc, const void *data, size_t n);

/* ---- Little-endian fixed-width and varint encodings (protobuf / LevelDB) ---- */
static inline void tfc_put_u32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}
static inline void tfc_put_u64le(uint8_t *p, uint64_t v) {
    tfc_put_u32le(p, (uint32_t)v), tfc_put_u32le(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t tfc_get_u32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tfc_get_u64le(const uint8_t *p) {
    return (uint64_t)tfc_get_u32le(p) | (uint64_t)tfc_get_u32le(p + 4) << 32;
}

#define TFC_VARINT64_MAX 10
/* Writes v as a varint into p (room for TFC_VARINT64_MAX bytes); returns the bytes written. */
size_t tfc_varint_put64(uint8_t *p, uint64_t v);
/* Reads a varint from [p, end). Returns the bytes consumed, or 0 if the input ends inside the
 * varint or it is longer than 10 bytes (malformed). */
size_t tfc_varint_get64(const uint8_t *p, const uint8_t *end, uint64_t *v);
/* Bytes tfc_varint_put64 would write for v. */
size_t tfc_varint_len64(uint64_t v);

/* ---- Thread pool ----
 * A fixed set of worker threads. tfc_threadpool_parallel_for runs fn(ctx, i) for i in [0, n),
 * spreading the indices over the workers and the calling thread, and returns when all are done.
 * One parallel_for at a time per pool (calls from several threads are serialised). */
typedef struct tfc_threadpool tfc_threadpool;

/* Creates a pool of num_threads (0 = TFC_NUM_THREADS from the environment, else the number of
 * online cores). The calling thread counts as one, so a pool of 1 starts no threads. */
tfc_code tfc_threadpool_new(int num_threads, tfc_threadpool **out, tfc_status *st);
void tfc_threadpool_free(tfc_threadpool *pool); /* joins the workers; accepts NULL */
int tfc_threadpool_size(const tfc_threadpool *pool);
void tfc_threadpool_parallel_for(tfc_threadpool *pool, int64_t n, void (*fn)(void *ctx, int64_t i),
                                 void *ctx);
/* The thread count TFC_NUM_THREADS asks for, or the number of online cores. */
int tfc_default_num_threads(void);

/* ---- Byte views ---- */
typedef struct tfc_bytes {
    const uint8_t *data;
    size_t size;
} tfc_bytes;

#ifdef __cplusplus
}
#endif
#endif
