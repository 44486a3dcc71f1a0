/* Text format parser: a recursive-descent reader (depth-bounded) that fills protobuf-c messages
 * through their descriptors (see textformat.h), on the tokenizer of textformat_lex.c. The
 * message tree is kept freeable at every step, so an error anywhere releases everything with
 * tfc__proto_free. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_util.h"
#include "proto/textformat.h"
#include "proto/textformat_int.h"

/* ---- Values ---- */

static tfc_code parse_fields(tfc__text_parser *ps, ProtobufCMessage *m, int depth, char close);

static tfc_code read_scalar(tfc__text_parser *ps, const ProtobufCFieldDescriptor *f, void *dst) {
    char buf[64];
    bool neg = false;
    int line = ps->tline, col = ps->tcol;
    if (tfc__text_is_sym(ps, '-')) {
        neg = true;
        if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t u;
        if (tfc__text_read_uint(ps, &u)) return TFC_INVALID_ARGUMENT;
        bool is32 = tfc__proto_elem_size(f->type) == 4;
        bool is_signed = f->type == PROTOBUF_C_TYPE_INT32 || f->type == PROTOBUF_C_TYPE_SINT32 ||
                         f->type == PROTOBUF_C_TYPE_SFIXED32 || f->type == PROTOBUF_C_TYPE_INT64 ||
                         f->type == PROTOBUF_C_TYPE_SINT64 || f->type == PROTOBUF_C_TYPE_SFIXED64;
        uint64_t max_pos =
            is_signed ? (is32 ? INT32_MAX : INT64_MAX) : (is32 ? UINT32_MAX : UINT64_MAX);
        uint64_t max_neg =
            is_signed ? (is32 ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT64_MAX + 1) : 0;
        if (neg ? u > max_neg : u > max_pos)
            return tfc__text_fail_at(ps, line, col, "value %s%llu is out of range for field '%s'",
                                     neg ? "-" : "", (unsigned long long)u, f->name);
        uint64_t bits = neg ? (uint64_t)0 - u : u;
        if (is32) {
            uint32_t w = (uint32_t)bits;
            memcpy(dst, &w, 4);
        } else {
            memcpy(dst, &bits, 8);
        }
        return TFC_OK;
    }
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = 0;
        if (tfc__text_read_double(ps, neg, &d)) return TFC_INVALID_ARGUMENT;
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)dst = (float)d;
        else
            *(double *)dst = d;
        return TFC_OK;
    }
    case PROTOBUF_C_TYPE_BOOL: {
        bool ok = !neg, v = false;
        if (ps->kind == TFC__TOK_IDENT) {
            if ((ps->len == 4 && (!memcmp(ps->tok, "true", 4) || !memcmp(ps->tok, "True", 4))) ||
                (ps->len == 1 && ps->tok[0] == 't'))
                v = true;
            else if (!((ps->len == 5 &&
                        (!memcmp(ps->tok, "false", 5) || !memcmp(ps->tok, "False", 5))) ||
                       (ps->len == 1 && ps->tok[0] == 'f')))
                ok = false;
        } else if (ps->kind == TFC__TOK_NUM && ps->len == 1 &&
                   (ps->tok[0] == '0' || ps->tok[0] == '1')) {
            v = ps->tok[0] == '1';
        } else {
            ok = false;
        }
        if (!ok)
            return tfc__text_fail_at(ps, line, col, "expected true or false for field '%s', got %s",
                                     f->name, tfc__text_tok_desc(ps, buf, sizeof buf));
        *(protobuf_c_boolean *)dst = v;
        return tfc__text_next(ps);
    }
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        if (ps->kind == TFC__TOK_IDENT && !neg) {
            char name[128];
            if (ps->len >= sizeof name) return FAIL(ps, "enum value name is too long");
            memcpy(name, ps->tok, ps->len);
            name[ps->len] = '\0';
            const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, name);
            if (!ev) return FAIL(ps, "unknown value '%s' for enum %s", name, ed->name);
            *(int *)dst = ev->value;
            return tfc__text_next(ps);
        }
        uint64_t u;
        if (tfc__text_read_uint(ps, &u)) return TFC_INVALID_ARGUMENT;
        if (neg ? u > (uint64_t)INT32_MAX + 1 : u > INT32_MAX)
            return tfc__text_fail_at(ps, line, col, "enum value is out of range for field '%s'",
                                     f->name);
        *(int *)dst = (int)(neg ? -(int64_t)u : (int64_t)u);
        return TFC_OK;
    }
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES: {
        if (neg)
            return tfc__text_fail_at(ps, line, col, "expected a string for field '%s'", f->name);
        char *s;
        size_t n = 0;
        if (tfc__text_read_string(ps, &s, &n)) return TFC_INVALID_ARGUMENT;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            *(char **)dst = s;
        } else if (n == 0) {
            tfc_free(s);
            *(ProtobufCBinaryData *)dst = (ProtobufCBinaryData){0, NULL};
        } else {
            *(ProtobufCBinaryData *)dst = (ProtobufCBinaryData){n, (uint8_t *)s};
        }
        return TFC_OK;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    return FAIL(ps, "field '%s' has a type the parser does not know", f->name);
}

/* ---- Messages ---- */

static char *member(ProtobufCMessage *m, size_t offset) {
    return (char *)m + offset;
}

/* Appends a zeroed element to a repeated field (capacity: the next power of two). */
static void *append_elem(tfc__text_parser *ps, ProtobufCMessage *m,
                         const ProtobufCFieldDescriptor *f) {
    size_t *n = (size_t *)member(m, f->quantifier_offset);
    char **arr = (char **)member(m, f->offset);
    size_t sz = tfc__proto_elem_size(f->type);
    if (*n == 0 || (*n & (*n - 1)) == 0) {
        size_t cap = *n ? 2 * *n : 1;
        if (cap > SIZE_MAX / sz) return tfc__text_oom(ps), NULL;
        char *p = tfc_realloc(*arr, cap * sz);
        if (!p) return tfc__text_oom(ps), NULL;
        *arr = p;
    }
    char *e = *arr + *n * sz;
    memset(e, 0, sz);
    (*n)++;
    return e;
}

static void mark_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)member(m, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
             f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)member(m, f->quantifier_offset) = 1;
}

static tfc_code parse_one_message(tfc__text_parser *ps, ProtobufCMessage *m,
                                  const ProtobufCFieldDescriptor *f, int depth) {
    char buf[64];
    char close = tfc__text_is_sym(ps, '{') ? '}' : tfc__text_is_sym(ps, '<') ? '>' : 0;
    if (!close)
        return FAIL(ps, "expected '{' or '<' to start field '%s', got %s", f->name,
                    tfc__text_tok_desc(ps, buf, sizeof buf));
    if (depth >= TFC_PROTO_MAX_DEPTH)
        return FAIL(ps, "messages are nested deeper than %d", TFC_PROTO_MAX_DEPTH);
    if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    const ProtobufCMessageDescriptor *sd = f->descriptor;
    ProtobufCMessage *sub = tfc_malloc(sd->sizeof_message);
    if (!sub) return tfc__text_oom(ps);
    protobuf_c_message_init(sd, sub);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        ProtobufCMessage **slot = append_elem(ps, m, f);
        if (!slot) {
            tfc_free(sub);
            return TFC_RESOURCE_EXHAUSTED;
        }
        *slot = sub;
    } else {
        *(ProtobufCMessage **)member(m, f->offset) = sub;
        mark_set(m, f);
    }
    return parse_fields(ps, sub, depth + 1, close);
}

static tfc_code parse_one_value(tfc__text_parser *ps, ProtobufCMessage *m,
                                const ProtobufCFieldDescriptor *f) {
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        void *dst = append_elem(ps, m, f);
        return dst ? read_scalar(ps, f, dst) : TFC_RESOURCE_EXHAUSTED;
    }
    if (read_scalar(ps, f, member(m, f->offset))) return TFC_INVALID_ARGUMENT;
    mark_set(m, f);
    return TFC_OK;
}

/* A field's value(s) after its name: "[:] {...}", ": v", ": [v, ...]", "[:] [{...}, ...]". */
static tfc_code parse_field(tfc__text_parser *ps, ProtobufCMessage *m,
                            const ProtobufCFieldDescriptor *f, int depth) {
    char buf[64];
    bool is_msg = f->type == PROTOBUF_C_TYPE_MESSAGE;
    if (tfc__text_is_sym(ps, ':')) {
        if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    } else if (!is_msg) {
        return FAIL(ps, "expected ':' after field '%s', got %s", f->name,
                    tfc__text_tok_desc(ps, buf, sizeof buf));
    }
    if (!tfc__text_is_sym(ps, '['))
        return is_msg ? parse_one_message(ps, m, f, depth) : parse_one_value(ps, m, f);
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return FAIL(ps, "field '%s' is not repeated but is given a list", f->name);
    if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    if (tfc__text_is_sym(ps, ']')) return tfc__text_next(ps);
    for (;;) {
        tfc_code c = is_msg ? parse_one_message(ps, m, f, depth) : parse_one_value(ps, m, f);
        if (c) return c;
        if (tfc__text_is_sym(ps, ',')) {
            if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
            continue;
        }
        return tfc__text_expect_sym(ps, ']', "to close the list");
    }
}

/* ---- Skipping fields the descriptor does not know (TFC_TEXT_SKIP_UNKNOWN) ---- */

/* Fields TensorFlow declares that tfc's protos leave out (the comments atop proto/ say which), and
 * any "experimental_" field TF may add later: TFC_TEXT_SKIP_UNKNOWN skips these and nothing else,
 * so a misspelled field is still an error. */
static bool tf_only_field(const ProtobufCMessageDescriptor *d, const char *name) {
    static const char *const known[][2] = {
        {"GraphDef", "debug_info"},           {"NodeDef", "experimental_debug_info"},
        {"NodeDef", "experimental_type"},     {"ArgDef", "handle_data"},
        {"ArgDef", "experimental_full_type"},
    };
    if (!strncmp(name, "experimental_", 13)) return true;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(d->short_name, known[i][0]) && !strcmp(name, known[i][1])) return true;
    return false;
}

static tfc_code skip_field(tfc__text_parser *ps, int depth);

static tfc_code skip_message(tfc__text_parser *ps, int depth) {
    char buf[64];
    char close = tfc__text_is_sym(ps, '{') ? '}' : '>';
    if (depth >= TFC_PROTO_MAX_DEPTH)
        return FAIL(ps, "messages are nested deeper than %d", TFC_PROTO_MAX_DEPTH);
    if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    while (!tfc__text_is_sym(ps, close)) {
        if (ps->kind != TFC__TOK_IDENT)
            return FAIL(ps, "expected a field name or '%c', got %s", close,
                        tfc__text_tok_desc(ps, buf, sizeof buf));
        if (tfc__text_next(ps) || skip_field(ps, depth + 1)) return TFC_INVALID_ARGUMENT;
        if ((tfc__text_is_sym(ps, ';') || tfc__text_is_sym(ps, ',')) && tfc__text_next(ps))
            return TFC_INVALID_ARGUMENT;
    }
    return tfc__text_next(ps);
}

static tfc_code skip_scalar(tfc__text_parser *ps) {
    char buf[64];
    if (tfc__text_is_sym(ps, '-') && tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    if (ps->kind == TFC__TOK_STR) {
        while (ps->kind == TFC__TOK_STR)
            if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
        return TFC_OK;
    }
    if (ps->kind != TFC__TOK_IDENT && ps->kind != TFC__TOK_NUM)
        return FAIL(ps, "expected a value, got %s", tfc__text_tok_desc(ps, buf, sizeof buf));
    return tfc__text_next(ps);
}

static tfc_code skip_item(tfc__text_parser *ps, int depth) {
    if (tfc__text_is_sym(ps, '{') || tfc__text_is_sym(ps, '<')) return skip_message(ps, depth);
    return skip_scalar(ps);
}

/* After an unknown field's name: "[:] {...}", ": value", "[:] [items]". */
static tfc_code skip_field(tfc__text_parser *ps, int depth) {
    bool colon = tfc__text_is_sym(ps, ':');
    if (colon && tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    if (!colon && !tfc__text_is_sym(ps, '{') && !tfc__text_is_sym(ps, '<') &&
        !tfc__text_is_sym(ps, '['))
        return FAIL(ps, "expected ':' or '{' after a field name");
    if (!tfc__text_is_sym(ps, '[')) return skip_item(ps, depth);
    if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    if (tfc__text_is_sym(ps, ']')) return tfc__text_next(ps);
    for (;;) {
        if (skip_item(ps, depth)) return TFC_INVALID_ARGUMENT;
        if (!tfc__text_is_sym(ps, ',')) return tfc__text_expect_sym(ps, ']', "to close the list");
        if (tfc__text_next(ps)) return TFC_INVALID_ARGUMENT;
    }
}

static tfc_code parse_fields(tfc__text_parser *ps, ProtobufCMessage *m, int depth, char close) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    unsigned char seen_small[64], *seen = seen_small;
    char buf[64], name[128];
    tfc_code c = TFC_OK;
    if (d->n_fields > sizeof seen_small) {
        if (!(seen = tfc_calloc(d->n_fields, 1))) return tfc__text_oom(ps);
    } else {
        memset(seen_small, 0, sizeof seen_small);
    }
    for (;;) {
        if (ps->kind == TFC__TOK_EOF) {
            if (close) c = FAIL(ps, "expected '%c' before the end of the input", close);
            break;
        }
        if (close && tfc__text_is_sym(ps, close)) {
            c = tfc__text_next(ps);
            break;
        }
        if (ps->kind != TFC__TOK_IDENT) {
            if (tfc__text_is_sym(ps, '['))
                c = FAIL(ps, "extensions and Any expansions ('[...]') are not supported");
            else
                c = FAIL(ps, "expected a field name, got %s",
                         tfc__text_tok_desc(ps, buf, sizeof buf));
            break;
        }
        if (ps->len >= sizeof name) {
            c = FAIL(ps, "field name is too long");
            break;
        }
        memcpy(name, ps->tok, ps->len);
        name[ps->len] = '\0';
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, name);
        if (!f && ps->skip_unknown && tf_only_field(d, name)) {
            if ((c = tfc__text_next(ps)) || (c = skip_field(ps, depth))) break;
            if ((tfc__text_is_sym(ps, ';') || tfc__text_is_sym(ps, ',')) &&
                (c = tfc__text_next(ps)))
                break;
            continue;
        }
        if (!f) {
            c = FAIL(ps, "message %s has no field named '%s'", d->name, name);
            break;
        }
        size_t idx = (size_t)(f - d->fields);
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (seen[idx]) {
                c = FAIL(ps, "non-repeated field '%s' is given more than once", name);
                break;
            }
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(uint32_t *)member(m, f->quantifier_offset) != 0) {
                c = FAIL(ps, "field '%s' is given along with another member of its oneof", name);
                break;
            }
            seen[idx] = 1;
        }
        if ((c = tfc__text_next(ps)) || (c = parse_field(ps, m, f, depth))) break;
        if ((tfc__text_is_sym(ps, ';') || tfc__text_is_sym(ps, ',')) && (c = tfc__text_next(ps)))
            break;
    }
    if (seen != seen_small) tfc_free(seen);
    return c;
}

tfc_code tfc__text_parse(const ProtobufCMessageDescriptor *desc, const char *text, size_t n,
                         unsigned flags, ProtobufCMessage **out, tfc_status *st) {
    static const char empty[1];
    tfc_status local;
    if (!st) st = &local;
    *out = NULL;
    if (!text) text = empty, n = 0;
    tfc__text_parser ps = {.p = text,
                           .end = text + n,
                           .line_start = text,
                           .line = 1,
                           .st = st,
                           .skip_unknown = (flags & TFC_TEXT_SKIP_UNKNOWN) != 0};
    ProtobufCMessage *m = tfc_malloc(desc->sizeof_message);
    if (!m) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "text format: out of memory");
    protobuf_c_message_init(desc, m);
    if (tfc__text_next(&ps) || parse_fields(&ps, m, 0, 0)) {
        tfc__proto_free(m);
        return st->code;
    }
    *out = m;
    return TFC_OK;
}
