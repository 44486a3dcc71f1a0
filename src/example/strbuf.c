/* A growable string and the value formatting shared by the text, JSON and key-tree views. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example/example_int.h"

static bool sb_reserve(tfc__sb *sb, size_t extra) {
    if (sb->oom) return false;
    if (sb->cap - sb->n > extra) return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap - sb->n <= extra) {
        if (cap > SIZE_MAX / 2) {
            sb->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = tfc_realloc(sb->p, cap);
    if (!p) {
        sb->oom = true;
        return false;
    }
    sb->p = p, sb->cap = cap;
    return true;
}

void tfc__sb_put(tfc__sb *sb, const void *s, size_t n) {
    if (!sb_reserve(sb, n)) return;
    memcpy(sb->p + sb->n, s, n);
    sb->n += n;
    sb->p[sb->n] = 0;
}

void tfc__sb_puts(tfc__sb *sb, const char *s) {
    tfc__sb_put(sb, s, strlen(s));
}

void tfc__sb_putc(tfc__sb *sb, char c) {
    tfc__sb_put(sb, &c, 1);
}

void tfc__sb_spaces(tfc__sb *sb, size_t n) {
    if (!sb_reserve(sb, n)) return;
    memset(sb->p + sb->n, ' ', n);
    sb->n += n;
    sb->p[sb->n] = 0;
}

void tfc__sb_printf(tfc__sb *sb, const char *fmt, ...) {
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) {
        sb->oom = true;
        return;
    }
    if ((size_t)k < sizeof small) {
        tfc__sb_put(sb, small, (size_t)k);
        return;
    }
    if (!sb_reserve(sb, (size_t)k)) return;
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    sb->n += (size_t)k;
}

char *tfc__sb_finish(tfc__sb *sb) {
    if (!sb->oom && !sb->p) sb_reserve(sb, 0);
    if (sb->oom) {
        tfc_free(sb->p);
        *sb = (tfc__sb){0};
        return NULL;
    }
    sb->p[sb->n] = 0;
    char *s = sb->p;
    *sb = (tfc__sb){0};
    return s;
}

size_t tfc__format_float(float f, char out[32]) {
    if (isnan(f)) return (size_t)snprintf(out, 32, "nan");
    if (isinf(f)) return (size_t)snprintf(out, 32, f < 0 ? "-inf" : "inf");
    /* Python's protobuf (what print(example) uses) starts at 6 significant digits and adds one
     * until the value reads back as the same float; 9 always does. */
    char e[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, (double)f);
        if (strtof(e, NULL) == f && (float)strtod(e, NULL) == f) break;
    }
    /* e is "[-]d.ddddde[+-]XX": split into sign, digits (trailing zeros dropped), exponent. */
    const char *p = e;
    bool neg = *p == '-';
    if (neg) p++;
    char digits[16];
    size_t nd = 0;
    for (; *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    int x = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;

    /* Then lay it out as Python's repr does: positional for 1e-4 <= |f| < 1e16, else "1.5e-05". */
    size_t n = 0;
    if (neg) out[n++] = '-';
    if (x < -4 || x >= 16) {
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, digits + 1, nd - 1);
            n += nd - 1;
        }
        n += (size_t)snprintf(out + n, 32 - n, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x < 0) {
        out[n++] = '0', out[n++] = '.';
        for (int i = -1; i > x; i--) out[n++] = '0';
        memcpy(out + n, digits, nd);
        n += nd;
    } else {
        for (int i = 0; i <= x; i++) out[n++] = (size_t)i < nd ? digits[i] : '0';
        out[n++] = '.';
        if ((size_t)x + 1 < nd) {
            memcpy(out + n, digits + x + 1, nd - (size_t)x - 1);
            n += nd - (size_t)x - 1;
        } else {
            out[n++] = '0';
        }
    }
    out[n] = 0;
    return n;
}

void tfc__sb_cescape(tfc__sb *sb, const uint8_t *s, size_t n, bool utf8) {
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        size_t k = utf8 && c >= 0x80 ? tfc__utf8_seq(s + i, n - i) : 0;
        if (k > 1) {
            tfc__sb_put(sb, s + i, k);
            i += k - 1;
            continue;
        }
        switch (c) {
        case '\n':
            tfc__sb_put(sb, "\\n", 2);
            continue;
        case '\r':
            tfc__sb_put(sb, "\\r", 2);
            continue;
        case '\t':
            tfc__sb_put(sb, "\\t", 2);
            continue;
        case '"':
            tfc__sb_put(sb, "\\\"", 2);
            continue;
        case '\'':
            tfc__sb_put(sb, "\\'", 2);
            continue;
        case '\\':
            tfc__sb_put(sb, "\\\\", 2);
            continue;
        default:
            break;
        }
        if (c < 0x20 || c >= 0x7f) {
            char o[5] = {'\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
                         (char)('0' + (c & 7)), 0};
            tfc__sb_put(sb, o, 4);
        } else {
            tfc__sb_putc(sb, (char)c);
        }
    }
}

size_t tfc__utf8_seq(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    return len;
}

bool tfc__utf8_valid(const uint8_t *s, size_t n) {
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = tfc__utf8_seq(s + i, n - i))) return false;
    return true;
}

void tfc__sb_json_escape(tfc__sb *sb, const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t k = tfc__utf8_seq(s + i, n - i);
        if (!k) {
            tfc__sb_put(sb, "\xef\xbf\xbd", 3); /* U+FFFD */
            i++;
            continue;
        }
        if (k > 1) {
            tfc__sb_put(sb, s + i, k);
            i += k;
            continue;
        }
        i++;
        switch (c) {
        case '"':
            tfc__sb_put(sb, "\\\"", 2);
            break;
        case '\\':
            tfc__sb_put(sb, "\\\\", 2);
            break;
        case '\n':
            tfc__sb_put(sb, "\\n", 2);
            break;
        case '\r':
            tfc__sb_put(sb, "\\r", 2);
            break;
        case '\t':
            tfc__sb_put(sb, "\\t", 2);
            break;
        case '\b':
            tfc__sb_put(sb, "\\b", 2);
            break;
        case '\f':
            tfc__sb_put(sb, "\\f", 2);
            break;
        default:
            if (c < 0x20)
                tfc__sb_printf(sb, "\\u%04x", c);
            else
                tfc__sb_putc(sb, (char)c);
        }
    }
}

void tfc__sb_base64(tfc__sb *sb, const uint8_t *s, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n / 3 >= SIZE_MAX / 4 - 1 || !sb_reserve(sb, (n + 2) / 3 * 4)) {
        sb->oom = true;
        return;
    }
    char *o = sb->p + sb->n;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = tab[v >> 18], *o++ = tab[(v >> 12) & 63], *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        *o++ = tab[v >> 18], *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    sb->n = (size_t)(o - sb->p);
    sb->p[sb->n] = 0;
}
