/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * Fast path: the SSE4.2 crc32 instruction has a 3-cycle latency but a 1-cycle throughput, so a long
 * buffer is cut into three blocks whose CRCs run interleaved and are then combined. Combining uses
 * linearity: crc(s, A||B) = shift(crc(s, A), |B|) ^ crc(0, B), where shift(x, n) multiplies by
 * x^(8n) mod P; for the fixed block lengths used here that multiply is four table lookups.
 * Fallback: slicing-by-8 tables. Tables are built once (pthread_once) and read-only afterwards. */
#include <pthread.h>
#include <string.h>

#include "tfc/base.h"

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define TFC_HAVE_X86 1
#endif

#define POLY 0x82f63b78u

static uint32_t slice_tab[8][256];

/* Shift tables: shift_tab[k][j][b] = (b << 8j) * x^(8*len_k) mod P, for the lengths below. */
enum { BLK_BIG = 4096, BLK_SMALL = 256 };
static uint32_t shift_tab[4][4]
                         [256]; /* [0]=BLK_BIG, [1]=2*BLK_BIG, [2]=BLK_SMALL, [3]=2*BLK_SMALL */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int have_hw;

/* Polynomial product a*b mod P in the reflected bit order (bit 31 is x^0). */
static uint32_t multmodp(uint32_t a, uint32_t b) {
    uint32_t p = 0;
    for (uint32_t m = 1u << 31; m; m >>= 1) {
        if (a & m) p ^= b;
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return p;
}

/* x^(8n) mod P. */
static uint32_t xpow8n(size_t n) {
    uint32_t p = 1u << 31; /* x^0 */
    for (size_t i = 0; i < 8 * n; i++) p = (p & 1) ? (p >> 1) ^ POLY : p >> 1;
    return p;
}

static void build_shift(uint32_t tab[4][256], size_t len) {
    uint32_t k = xpow8n(len);
    for (int j = 0; j < 4; j++)
        for (uint32_t b = 0; b < 256; b++) tab[j][b] = multmodp(b << (8 * j), k);
}

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        slice_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            slice_tab[t][i] = (slice_tab[t - 1][i] >> 8) ^ slice_tab[0][slice_tab[t - 1][i] & 0xff];
    build_shift(shift_tab[0], BLK_BIG);
    build_shift(shift_tab[1], 2 * BLK_BIG);
    build_shift(shift_tab[2], BLK_SMALL);
    build_shift(shift_tab[3], 2 * BLK_SMALL);
#ifdef TFC_HAVE_X86
    __builtin_cpu_init();
    have_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static inline uint32_t shift(const uint32_t tab[4][256], uint32_t x) {
    return tab[0][x & 0xff] ^ tab[1][(x >> 8) & 0xff] ^ tab[2][(x >> 16) & 0xff] ^ tab[3][x >> 24];
}

/* Raw state in, raw state out (no pre/post inversion). */
static uint32_t crc_portable(uint32_t c, const uint8_t *p, size_t n) {
    while (n && ((uintptr_t)p & 7)) c = (c >> 8) ^ slice_tab[0][(c ^ *p++) & 0xff], n--;
    while (n >= 8) {
        uint32_t lo = c ^ tfc_get_u32le(p), hi = tfc_get_u32le(p + 4);
        c = slice_tab[7][lo & 0xff] ^ slice_tab[6][(lo >> 8) & 0xff] ^
            slice_tab[5][(lo >> 16) & 0xff] ^ slice_tab[4][lo >> 24] ^ slice_tab[3][hi & 0xff] ^
            slice_tab[2][(hi >> 8) & 0xff] ^ slice_tab[1][(hi >> 16) & 0xff] ^
            slice_tab[0][hi >> 24];
        p += 8, n -= 8;
    }
    while (n--) c = (c >> 8) ^ slice_tab[0][(c ^ *p++) & 0xff];
    return c;
}

#ifdef TFC_HAVE_X86
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    /* No alignment prologue: unaligned 8-byte loads cost nothing extra on x86, and records
     * (whose headers sit at any offset) are mostly short. Three interleaved streams; the big tier
     * for long buffers, the small one for record-sized. */
    for (int tier = 0; tier < 2; tier++) {
        const size_t blk = tier == 0 ? BLK_BIG : BLK_SMALL;
        const uint32_t(*t1)[256] = shift_tab[tier * 2], (*t2)[256] = shift_tab[tier * 2 + 1];
        while (n >= 3 * blk) {
            uint64_t c0 = c, c1 = 0, c2 = 0;
            const uint8_t *p0 = p, *p1 = p + blk, *p2 = p + 2 * blk;
            for (size_t i = 0; i < blk; i += 8) {
                uint64_t a, b, d;
                memcpy(&a, p0 + i, 8), memcpy(&b, p1 + i, 8), memcpy(&d, p2 + i, 8);
                c0 = _mm_crc32_u64(c0, a);
                c1 = _mm_crc32_u64(c1, b);
                c2 = _mm_crc32_u64(c2, d);
            }
            c = shift(t2, (uint32_t)c0) ^ shift(t1, (uint32_t)c1) ^ (uint32_t)c2;
            p += 3 * blk, n -= 3 * blk;
        }
    }
    while (n >= 8) {
        uint64_t a;
        memcpy(&a, p, 8);
        c = _mm_crc32_u64(c, a);
        p += 8, n -= 8;
    }
    while (n--) c = _mm_crc32_u8((uint32_t)c, *p++);
    return (uint32_t)c;
}
#endif

uint32_t tfc_crc32c_extend(uint32_t crc, const void *data, size_t n) {
    pthread_once(&init_once, crc_init);
#ifdef TFC_HAVE_X86
    if (have_hw) return ~crc_hw(~crc, data, n);
#endif
    return ~crc_portable(~crc, data, n);
}

uint32_t tfc_crc32c_extend_portable(uint32_t crc, const void *data, size_t n) {
    pthread_once(&init_once, crc_init);
    return ~crc_portable(~crc, data, n);
}

uint32_t tfc_crc32c(const void *data, size_t n) {
    return tfc_crc32c_extend(0, data, n);
}

const char *tfc_crc32c_impl(void) {
    pthread_once(&init_once, crc_init);
    return have_hw ? "sse4.2" : "portable";
}
