/* Text format printer: walks a protobuf-c message by its descriptor (see textformat.h). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_util.h"
#include "proto/textformat.h"

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->cap - b->n <= n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n <= n) cap *= 2;
        char *p = tfc_realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(sbuf *b, const char *s) {
    put(b, s, strlen(s));
}

static void indent(sbuf *b, int level) {
    static const char spaces[] = "                                ";
    for (int n = 2 * level; n > 0; n -= 32) put(b, spaces, n < 32 ? (size_t)n : 32);
}

/* ---- Floats: Python's repr layout of the shortest digits that read back ---- */

/* digits/decimal exponent of v printed with p significant digits ("%.*e"). */
static int split_e(double v, int p, char *digits, size_t n) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    const char *s = tmp + (tmp[0] == '-');
    size_t k = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.' && k + 1 < n) digits[k++] = *s;
    while (k > 1 && digits[k - 1] == '0') k--;
    digits[k] = '\0';
    return *s == 'e' ? atoi(s + 1) : 0;
}

static void layout(bool neg, const char *digits, int exp10, char *buf, size_t n) {
    char out[64];
    int k = 0, decpt = exp10 + 1, nd = (int)strlen(digits);
    if (neg) out[k++] = '-';
    if (decpt <= -4 || decpt > 16) {
        out[k++] = digits[0];
        if (nd > 1) out[k++] = '.';
        for (int i = 1; i < nd; i++) out[k++] = digits[i];
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", exp10 < 0 ? '-' : '+',
                 exp10 < 0 ? -exp10 : exp10);
    } else if (decpt <= 0) {
        out[k++] = '0', out[k++] = '.';
        for (int i = 0; i < -decpt; i++) out[k++] = '0';
        for (int i = 0; i < nd; i++) out[k++] = digits[i];
        out[k] = '\0';
    } else {
        for (int i = 0; i < nd || i < decpt; i++) {
            if (i == decpt) out[k++] = '.';
            out[k++] = i < nd ? digits[i] : '0';
        }
        if (decpt >= nd) out[k++] = '.', out[k++] = '0';
        out[k] = '\0';
    }
    snprintf(buf, n, "%s", out);
}

static bool special(double v, char *buf, size_t n) {
    if (isnan(v)) return snprintf(buf, n, "nan"), true;
    if (isinf(v)) return snprintf(buf, n, "%s", v < 0 ? "-inf" : "inf"), true;
    return false;
}

void tfc__text_format_float(float v, char *buf, size_t n) {
    char digits[40];
    if (special(v, buf, n)) return;
    int p = 6;
    for (; p < 9; p++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, (double)v);
        if ((float)strtod(tmp, NULL) == v) break;
    }
    int e = split_e(fabs((double)v), p, digits, sizeof digits);
    layout(signbit(v) != 0, digits, e, buf, n);
}

void tfc__text_format_double(double v, char *buf, size_t n) {
    char digits[40];
    if (special(v, buf, n)) return;
    int p = 1;
    for (; p < 17; p++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v) break;
    }
    int e = split_e(fabs(v), p, digits, sizeof digits);
    layout(signbit(v) != 0, digits, e, buf, n);
}

/* ---- Scalars ---- */

static void put_quoted(sbuf *b, const uint8_t *s, size_t n) {
    char tmp[8];
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        const char *e = NULL;
        switch (c) {
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        case '"':
            e = "\\\"";
            break;
        case '\'':
            e = "\\'";
            break;
        case '\\':
            e = "\\\\";
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                snprintf(tmp, sizeof tmp, "\\%03o", c);
                e = tmp;
            }
        }
        if (e)
            puts_(b, e);
        else
            put(b, (const char *)&c, 1);
    }
    put(b, "\"", 1);
}

static void print_message(sbuf *b, const ProtobufCMessage *m, int level);

static void print_value(sbuf *b, const ProtobufCFieldDescriptor *f, const void *v, int level) {
    char tmp[64];
    indent(b, level);
    puts_(b, f->name);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        puts_(b, " {\n");
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)v;
        if (sub) print_message(b, sub, level + 1);
        indent(b, level);
        puts_(b, "}\n");
        return;
    }
    puts_(b, ": ");
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(tmp, sizeof tmp, "%d", (int)*(const int32_t *)v);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        snprintf(tmp, sizeof tmp, "%u", (unsigned)*(const uint32_t *)v);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(tmp, sizeof tmp, "%lld", (long long)*(const int64_t *)v);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)*(const uint64_t *)v);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        tfc__text_format_float(*(const float *)v, tmp, sizeof tmp);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        tfc__text_format_double(*(const double *)v, tmp, sizeof tmp);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        snprintf(tmp, sizeof tmp, "%s", *(const protobuf_c_boolean *)v ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int e = *(const int *)v;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, e);
        if (ev)
            snprintf(tmp, sizeof tmp, "%s", ev->name);
        else
            snprintf(tmp, sizeof tmp, "%d", e);
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)v;
        put_quoted(b, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0);
        put(b, "\n", 1);
        return;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *d = v;
        put_quoted(b, d->data, d->data ? d->len : 0);
        put(b, "\n", 1);
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    puts_(b, tmp);
    put(b, "\n", 1);
}

/* ---- Maps: repeated XxxEntry messages with key = 1 and value = 2, printed sorted by key ---- */

static bool is_map_entry(const ProtobufCFieldDescriptor *f) {
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label != PROTOBUF_C_LABEL_REPEATED) return false;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t len = strlen(d->name);
    return d->n_fields == 2 && len > 5 && !strcmp(d->name + len - 5, "Entry") &&
           d->fields[0].id == 1 && !strcmp(d->fields[0].name, "key") && d->fields[1].id == 2 &&
           d->fields[0].label != PROTOBUF_C_LABEL_REPEATED;
}

typedef struct map_item {
    const ProtobufCMessage *entry;
    const char *s; /* string key */
    int64_t i;     /* signed integer / bool key */
    uint64_t u;    /* unsigned integer key */
    size_t index;  /* tie-break: duplicate keys keep their order */
} map_item;

static int cmp_items(const void *pa, const void *pb) {
    const map_item *a = pa, *b = pb;
    int c = 0;
    if (a->s || b->s)
        c = strcmp(a->s ? a->s : "", b->s ? b->s : "");
    else if (a->i != b->i)
        c = a->i < b->i ? -1 : 1;
    else if (a->u != b->u)
        c = a->u < b->u ? -1 : 1;
    if (c) return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void key_of(const ProtobufCFieldDescriptor *kf, const ProtobufCMessage *e, map_item *it) {
    const char *p = (const char *)e + kf->offset;
    switch (kf->type) {
    case PROTOBUF_C_TYPE_STRING:
        it->s = *(char *const *)p, it->s = it->s ? it->s : "";
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        it->i = *(const int32_t *)p;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        it->i = *(const int64_t *)p;
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        it->u = *(const uint32_t *)p;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        it->u = *(const uint64_t *)p;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        it->i = *(const protobuf_c_boolean *)p != 0;
        break;
    default:
        break;
    }
}

static void print_map(sbuf *b, const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *arr,
                      size_t n, int level) {
    map_item *items = tfc_malloc(n * sizeof *items);
    if (!items) {
        b->oom = true;
        return;
    }
    const ProtobufCFieldDescriptor *kf =
        &((const ProtobufCMessageDescriptor *)f->descriptor)->fields[0];
    for (size_t i = 0; i < n; i++) {
        items[i] = (map_item){.entry = arr[i], .index = i};
        if (arr[i]) key_of(kf, arr[i], &items[i]);
    }
    qsort(items, n, sizeof *items, cmp_items);
    for (size_t i = 0; i < n; i++) print_value(b, f, &items[i].entry, level);
    tfc_free(items);
}

/* ---- Messages ---- */

static bool present(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m) {
    const char *base = (const char *)m, *v = base + f->offset;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED) return true;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
            return *(void *const *)v != NULL && *(void *const *)v != f->default_value;
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    }
    switch (f->type) { /* proto3: present when not the default */
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)v != 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)v != 0;
    case PROTOBUF_C_TYPE_STRING:
        return *(char *const *)v && **(char *const *)v;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)v)->len > 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(void *const *)v != NULL;
    default:
        break;
    }
    size_t sz = tfc__proto_elem_size(f->type);
    for (size_t i = 0; i < sz; i++)
        if (v[i]) return true;
    return false;
}

static void print_message(sbuf *b, const ProtobufCMessage *m, int level) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) { /* protobuf-c keeps fields sorted by number */
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *v = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            const char *arr = *(char *const *)v;
            if (!n || !arr) continue;
            if (is_map_entry(f)) {
                print_map(b, f, (ProtobufCMessage *const *)arr, n, level);
                continue;
            }
            size_t sz = tfc__proto_elem_size(f->type);
            for (size_t k = 0; k < n; k++) print_value(b, f, arr + k * sz, level);
        } else if (present(f, m)) {
            print_value(b, f, v, level);
        }
    }
}

char *tfc__text_print(const ProtobufCMessage *m) {
    sbuf b = {0};
    put(&b, "", 0);
    if (b.oom) return NULL;
    b.p[0] = '\0';
    print_message(&b, m, 0);
    if (b.oom) {
        tfc_free(b.p);
        return NULL;
    }
    return b.p;
}
