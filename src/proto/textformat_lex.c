/* Text format tokenizer and scalar readers: identifiers, numbers, quoted strings with C escapes,
 * symbols, '#' comments; positions kept as line:column for messages. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/textformat_int.h"

tfc_code tfc__text_fail_at(tfc__text_parser *ps, int line, int col, const char *fmt, ...) {
    char msg[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!ps->failed)
        tfc_status_set(ps->st, TFC_INVALID_ARGUMENT, "text format: %d:%d: %s", line, col, msg);
    ps->failed = true;
    return TFC_INVALID_ARGUMENT;
}

tfc_code tfc__text_oom(tfc__text_parser *ps) {
    if (!ps->failed) tfc_status_set(ps->st, TFC_RESOURCE_EXHAUSTED, "text format: out of memory");
    ps->failed = true;
    return TFC_RESOURCE_EXHAUSTED;
}

/* What the current token looks like, for messages. */
const char *tfc__text_tok_desc(tfc__text_parser *ps, char *buf, size_t n) {
    if (ps->kind == TFC__TOK_EOF) return "end of input";
    size_t len = ps->len > 40 ? 40 : ps->len;
    snprintf(buf, n, "'%.*s%s'", (int)len, ps->tok, len < ps->len ? "..." : "");
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
    return buf;
}

/* ---- Tokenizer ---- */

static bool is_ident_start(int c) {
    return isalpha(c) || c == '_';
}

tfc_code tfc__text_next(tfc__text_parser *ps) {
    const char *p = ps->p, *end = ps->end;
    for (;;) {
        while (p < end &&
               (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')) {
            if (*p == '\n') ps->line++, ps->line_start = p + 1;
            p++;
        }
        if (p < end && *p == '#') {
            while (p < end && *p != '\n') p++;
            continue;
        }
        break;
    }
    ps->tok = p, ps->tline = ps->line, ps->tcol = (int)(p - ps->line_start) + 1;
    if (p >= end) {
        ps->kind = TFC__TOK_EOF, ps->len = 0, ps->p = p;
        return TFC_OK;
    }
    unsigned char c = (unsigned char)*p;
    const char *s = p;
    if (is_ident_start(c)) {
        while (p < end && (isalnum((unsigned char)*p) || *p == '_')) p++;
        ps->kind = TFC__TOK_IDENT;
    } else if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
        bool hex = c == '0' && p + 1 < end && (p[1] == 'x' || p[1] == 'X');
        while (p < end) {
            unsigned char d = (unsigned char)*p;
            if (isalnum(d) || d == '.' || d == '_' ||
                ((d == '+' || d == '-') && !hex && (p[-1] == 'e' || p[-1] == 'E')))
                p++;
            else
                break;
        }
        ps->kind = TFC__TOK_NUM;
    } else if (c == '"' || c == '\'') {
        p++;
        while (p < end && (unsigned char)*p != c) {
            if (*p == '\n') break;
            if (*p == '\\' && p + 1 < end && p[1] != '\n') p++;
            p++;
        }
        if (p >= end || *p != (char)c) {
            ps->p = p;
            return FAIL(ps, "string literal is not terminated before the end of the line");
        }
        p++;
        ps->kind = TFC__TOK_STR;
    } else if (strchr("{}<>[]:,;-", c)) {
        p++;
        ps->kind = TFC__TOK_SYM;
    } else {
        ps->p = p;
        return FAIL(ps, "unexpected character 0x%02x", c);
    }
    ps->len = (size_t)(p - s);
    ps->p = p;
    return TFC_OK;
}

bool tfc__text_is_sym(const tfc__text_parser *ps, char c) {
    return ps->kind == TFC__TOK_SYM && ps->tok[0] == c;
}

tfc_code tfc__text_expect_sym(tfc__text_parser *ps, char c, const char *after) {
    char buf[64];
    if (!tfc__text_is_sym(ps, c))
        return FAIL(ps, "expected '%c' %s, got %s", c, after,
                    tfc__text_tok_desc(ps, buf, sizeof buf));
    return tfc__text_next(ps);
}

/* ---- Strings ---- */

static int hexval(int c) {
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static size_t put_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) return out[0] = (char)cp, 1;
    if (cp < 0x800) return out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Unescapes the current string token (quotes excluded) into out (room for len bytes: escapes
 * never grow), appending at *n. */
static tfc_code unescape(tfc__text_parser *ps, char *out, size_t *n) {
    const char *s = ps->tok + 1, *e = ps->tok + ps->len - 1;
    size_t k = *n;
    while (s < e) {
        if (*s != '\\') {
            out[k++] = *s++;
            continue;
        }
        s++; /* the tokenizer guarantees a character after a backslash */
        char c = *s++;
        switch (c) {
        case 'n':
            out[k++] = '\n';
            break;
        case 'r':
            out[k++] = '\r';
            break;
        case 't':
            out[k++] = '\t';
            break;
        case 'a':
            out[k++] = '\a';
            break;
        case 'b':
            out[k++] = '\b';
            break;
        case 'f':
            out[k++] = '\f';
            break;
        case 'v':
            out[k++] = '\v';
            break;
        case '\\':
        case '\'':
        case '"':
        case '?':
            out[k++] = c;
            break;
        case 'x':
        case 'X': {
            int v = 0, d = 0;
            while (d < 2 && s < e && hexval((unsigned char)*s) >= 0)
                v = v * 16 + hexval((unsigned char)*s++), d++;
            if (!d) return FAIL(ps, "\\x escape without hex digits in string literal");
            out[k++] = (char)v;
            break;
        }
        case 'u':
        case 'U': {
            int want = c == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int d = 0; d < want; d++) {
                if (s >= e || hexval((unsigned char)*s) < 0)
                    return FAIL(ps, "\\%c escape needs %d hex digits", c, want);
                cp = cp * 16 + (uint32_t)hexval((unsigned char)*s++);
            }
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return FAIL(ps, "\\%c escape U+%X is not a Unicode scalar value", c, (unsigned)cp);
            k += put_utf8(cp, out + k); /* at most 4 bytes for 6 or 10 input bytes */
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', d = 1;
                while (d < 3 && s < e && *s >= '0' && *s <= '7') v = v * 8 + (*s++ - '0'), d++;
                out[k++] = (char)v;
                break;
            }
            return FAIL(ps, "invalid escape '\\%c' in string literal", c);
        }
    }
    *n = k;
    return TFC_OK;
}

/* Reads one or more adjacent string literals into a new buffer (NUL-terminated, *len bytes). */
tfc_code tfc__text_read_string(tfc__text_parser *ps, char **out, size_t *len) {
    char buf[64];
    *out = NULL;
    if (ps->kind != TFC__TOK_STR)
        return FAIL(ps, "expected a string, got %s", tfc__text_tok_desc(ps, buf, sizeof buf));
    size_t total = 0;
    tfc__text_parser look = *ps;
    while (look.kind ==
           TFC__TOK_STR) { /* sizes first: the literals' raw lengths bound the result */
        total += look.len;
        if (tfc__text_next(&look)) return ps->failed = true, TFC_INVALID_ARGUMENT;
    }
    char *s = tfc_malloc(total + 1);
    if (!s) return tfc__text_oom(ps);
    size_t n = 0;
    while (ps->kind == TFC__TOK_STR) {
        if (unescape(ps, s, &n) || tfc__text_next(ps)) {
            tfc_free(s);
            return TFC_INVALID_ARGUMENT;
        }
    }
    s[n] = '\0';
    *out = s, *len = n;
    return TFC_OK;
}

/* ---- Numbers ---- */

tfc_code tfc__text_read_uint(tfc__text_parser *ps, uint64_t *v) {
    char buf[72];
    if (ps->kind != TFC__TOK_NUM)
        return FAIL(ps, "expected an integer, got %s", tfc__text_tok_desc(ps, buf, sizeof buf));
    if (ps->len >= sizeof buf) return FAIL(ps, "integer is too long");
    memcpy(buf, ps->tok, ps->len);
    buf[ps->len] = '\0';
    char *end;
    errno = 0;
    unsigned long long u = strtoull(buf, &end, 0);
    if (*end || end == buf) return FAIL(ps, "expected an integer, got '%s'", buf);
    if (errno == ERANGE) return FAIL(ps, "integer %s is out of range", buf);
    *v = u;
    return tfc__text_next(ps);
}

tfc_code tfc__text_read_double(tfc__text_parser *ps, bool neg, double *v) {
    char buf[72];
    if (ps->kind == TFC__TOK_IDENT) {
        if ((ps->len == 3 && !strncasecmp(ps->tok, "inf", 3)) ||
            (ps->len == 8 && !strncasecmp(ps->tok, "infinity", 8)))
            *v = neg ? -HUGE_VAL : HUGE_VAL;
        else if (ps->len == 3 && !strncasecmp(ps->tok, "nan", 3))
            *v = neg ? -NAN : NAN;
        else
            return FAIL(ps, "expected a number, got %s", tfc__text_tok_desc(ps, buf, sizeof buf));
        return tfc__text_next(ps);
    }
    if (ps->kind != TFC__TOK_NUM)
        return FAIL(ps, "expected a number, got %s", tfc__text_tok_desc(ps, buf, sizeof buf));
    if (ps->len >= sizeof buf) return FAIL(ps, "number is too long");
    memcpy(buf, ps->tok, ps->len);
    size_t n = ps->len;
    bool hex = n > 1 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
    if (!hex && n > 1 && (buf[n - 1] == 'f' || buf[n - 1] == 'F')) n--;
    buf[n] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (*end || end == buf) return FAIL(ps, "expected a number, got '%.*s'", (int)ps->len, ps->tok);
    if (!hex && n > 1 && buf[0] == '0' && isdigit((unsigned char)buf[1]) && !strpbrk(buf, ".eE")) {
        /* an octal integer literal used as a float */
        unsigned long long u = strtoull(buf, &end, 8);
        if (*end) return FAIL(ps, "invalid octal number '%s'", buf);
        d = (double)u;
    }
    *v = neg ? -d : d;
    return tfc__text_next(ps);
}
