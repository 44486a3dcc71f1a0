/* A tensor's values as JSON, byte for byte as TF Serving writes them (util/json_tensor.cc): nested
 * lists joined by ", ", floats in their shortest round-tripping %g form, NaN/Infinity as bare
 * tokens, strings escaped as RapidJSON does, or {"b64": ...} when they are not UTF-8. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/tensor_int.h"

typedef struct jbuf {
    char *p;
    size_t len, cap;
    bool oom;
} jbuf;

static void put(jbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (n > b->cap - b->len - 1) {
        size_t cap = b->cap;
        while (n > cap - b->len - 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return;
            }
            cap *= 2;
        }
        char *q = tfc_realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(jbuf *b, const char *s) {
    put(b, s, strlen(s));
}

/* %g when it reads back as the same value, else max_digits10; ".0" when neither '.' nor 'e'. */
static void put_float(jbuf *b, double v, bool is_double) {
    if (isnan(v)) return puts_(b, "NaN");
    if (isinf(v)) return puts_(b, v > 0 ? "Infinity" : "-Infinity");
    char s[40];
    snprintf(s, sizeof s, "%g", v);
    bool same = is_double ? strtod(s, NULL) == v : strtof(s, NULL) == (float)v;
    if (!same) snprintf(s, sizeof s, is_double ? "%.17g" : "%.9g", v);
    if (!strpbrk(s, ".e")) strcat(s, ".0");
    puts_(b, s);
}

/* Length of the UTF-8 sequence at p (strict: no overlongs, surrogates or values past U+10FFFF),
 * 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, const uint8_t *end) {
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (!len || (size_t)(end - p) < len) return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
    if (c == 0xed && p[1] > 0x9f) return 0; /* surrogate */
    if (c == 0xf0 && p[1] < 0x90) return 0; /* overlong */
    if (c == 0xf4 && p[1] > 0x8f) return 0; /* past U+10FFFF */
    return len;
}

static bool is_utf8(tfc_bytes s) {
    for (const uint8_t *p = s.data, *end = s.data + s.size; p < end;) {
        size_t k = utf8_seq(p, end);
        if (!k) return false;
        p += k;
    }
    return true;
}

static void put_base64(jbuf *b, tfc_bytes s) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < s.size; i += 3) {
        uint32_t v = (uint32_t)s.data[i] << 16;
        if (i + 1 < s.size) v |= (uint32_t)s.data[i + 1] << 8;
        if (i + 2 < s.size) v |= s.data[i + 2];
        q[0] = tbl[v >> 18], q[1] = tbl[(v >> 12) & 63];
        q[2] = i + 1 < s.size ? tbl[(v >> 6) & 63] : '=';
        q[3] = i + 2 < s.size ? tbl[v & 63] : '=';
        put(b, q, 4);
    }
}

static void put_string(jbuf *b, tfc_bytes s) {
    if (!is_utf8(s)) {
        puts_(b, "{\"b64\": \"");
        put_base64(b, s);
        return puts_(b, "\"}");
    }
    put(b, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed before each escape */
    for (size_t i = 0; i < s.size; i++) {
        uint8_t c = s.data[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put(b, (const char *)s.data + i - run, run);
        run = 0;
        /* RapidJSON's escapes: the short forms, else \u00XX with upper-case hex */
        static const char shorts[] = "\"\"\\\\\bb\ff\nn\rr\tt";
        const char *hit = memchr(shorts, c, sizeof shorts - 1);
        char e[8];
        if (hit && (hit - shorts) % 2 == 0)
            e[0] = '\\', e[1] = hit[1], e[2] = '\0';
        else
            snprintf(e, sizeof e, "\\u%04X", (unsigned)c);
        puts_(b, e);
    }
    put(b, (const char *)s.data + s.size - run, run);
    put(b, "\"", 1);
}

static void put_element(jbuf *b, const tfc_tensor *t, int64_t i) {
    const void *d = tfc_tensor_data_const(t);
    char s[32];
    switch (t->dtype) {
    case TFC_DT_FLOAT:
        return put_float(b, ((const float *)d)[i], false);
    case TFC_DT_DOUBLE:
        return put_float(b, ((const double *)d)[i], true);
    case TFC_DT_HALF:
        return put_float(b, tfc__half_to_float(((const uint16_t *)d)[i]), false);
    case TFC_DT_BFLOAT16:
        return put_float(b, tfc__bfloat16_to_float(((const uint16_t *)d)[i]), false);
    case TFC_DT_BOOL:
        return puts_(b, ((const uint8_t *)d)[i] ? "true" : "false");
    case TFC_DT_STRING:
        return put_string(b, tfc_tensor_string_at(t, i));
    case TFC_DT_INT8:
        snprintf(s, sizeof s, "%d", ((const int8_t *)d)[i]);
        break;
    case TFC_DT_UINT8:
        snprintf(s, sizeof s, "%u", ((const uint8_t *)d)[i]);
        break;
    case TFC_DT_INT16:
        snprintf(s, sizeof s, "%d", ((const int16_t *)d)[i]);
        break;
    case TFC_DT_UINT16:
        snprintf(s, sizeof s, "%u", ((const uint16_t *)d)[i]);
        break;
    case TFC_DT_INT32:
        snprintf(s, sizeof s, "%ld", (long)((const int32_t *)d)[i]);
        break;
    case TFC_DT_UINT32:
        snprintf(s, sizeof s, "%lu", (unsigned long)((const uint32_t *)d)[i]);
        break;
    case TFC_DT_INT64:
        snprintf(s, sizeof s, "%lld", (long long)((const int64_t *)d)[i]);
        break;
    case TFC_DT_UINT64:
        snprintf(s, sizeof s, "%llu", (unsigned long long)((const uint64_t *)d)[i]);
        break;
    default:
        return puts_(b, "null");
    }
    puts_(b, s);
}

static void put_dims(jbuf *b, const tfc_tensor *t, int dim, int64_t *next) {
    if (dim == t->shape.rank) return put_element(b, t, (*next)++);
    put(b, "[", 1);
    for (int64_t i = 0; i < t->shape.dims[dim] && !b->oom; i++) {
        if (i) put(b, ", ", 2);
        put_dims(b, t, dim + 1, next);
    }
    put(b, "]", 1);
}

/* A lower bound on the text's length: two brackets per list and a byte per element. A shape like
 * [2^40, 0] has no elements but 2^40 lists, so this much is reserved before anything is written:
 * a text that cannot fit fails at once rather than after filling memory. */
static bool min_length(const tfc_tensor *t, size_t *out) {
    uint64_t lists = 0, level = 1, len;
    for (int i = 0; i < t->shape.rank; i++) {
        if (__builtin_add_overflow(lists, level, &lists)) return false;
        if (__builtin_mul_overflow(level, (uint64_t)t->shape.dims[i], &level)) return false;
    }
    if (__builtin_mul_overflow(lists, 2, &len) || __builtin_add_overflow(len, level, &len) ||
        len >= PTRDIFF_MAX)
        return false;
    *out = (size_t)len + 1;
    return true;
}

char *tfc_tensor_to_json(const tfc_tensor *t) {
    jbuf b = {0};
    if (!t || !min_length(t, &b.cap)) return NULL;
    if (b.cap < 64) b.cap = 64;
    if (!(b.p = tfc_malloc(b.cap))) return NULL;
    b.p[0] = '\0';
    int64_t next = 0;
    put_dims(&b, t, 0, &next);
    if (b.oom) {
        tfc_free(b.p);
        return NULL;
    }
    return b.p;
}
