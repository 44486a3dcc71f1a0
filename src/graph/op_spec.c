/* Parses an op's declaration (TF's REGISTER_OP syntax, see op_def.h) into a tfc_op_def. The
 * registry lives for the whole process, so its tables use plain malloc: counting them would make
 * the first graph built in a process look like it leaked. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"
#include "proto/types.pb-c.h"

typedef struct slice {
    const char *p;
    size_t n;
} slice;

static slice trim(slice s) {
    while (s.n && isspace((unsigned char)s.p[0])) s.p++, s.n--;
    while (s.n && isspace((unsigned char)s.p[s.n - 1])) s.n--;
    return s;
}

static bool eq(slice s, const char *lit) {
    return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static bool is_ident(slice s) {
    if (!s.n || !(isalpha((unsigned char)s.p[0]) || s.p[0] == '_')) return false;
    for (size_t k = 1; k < s.n; k++)
        if (!isalnum((unsigned char)s.p[k]) && s.p[k] != '_') return false;
    return true;
}

static char *dup(slice s) {
    char *p = malloc(s.n + 1);
    if (p) memcpy(p, s.p, s.n), p[s.n] = '\0';
    return p;
}

/* Splits s at top-level separators sep (outside (), {}, [], quotes); calls fn for each piece. */
static tfc_code split(slice s, char sep, tfc_code (*fn)(void *ctx, slice piece), void *ctx) {
    int depth = 0;
    char quote = 0;
    size_t start = 0;
    for (size_t k = 0; k <= s.n; k++) {
        char c = k < s.n ? s.p[k] : sep;
        if (quote) {
            if (c == '\\' && k + 1 < s.n)
                k++;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        if (c == '(' || c == '{' || c == '[') depth++;
        if (c == ')' || c == '}' || c == ']') depth--;
        if (c == sep && depth == 0) {
            slice piece = trim((slice){s.p + start, k - start});
            tfc_code r = piece.n ? fn(ctx, piece) : TFC_OK;
            if (r) return r;
            start = k + 1;
        }
    }
    return TFC_OK;
}

/* ---- Type names ---- */

bool tfc__tf_type_name(const char *s, size_t n, tfc_dtype *out) {
    char name[40] = "DT_";
    if (n == 0 || n > 30) return false;
    for (size_t k = 0; k < n; k++) {
        if (!isalnum((unsigned char)s[k])) return false;
        name[3 + k] = (char)toupper((unsigned char)s[k]);
    }
    name[3 + n] = '\0';
    if (!strcmp(name, "DT_INVALID") || strstr(name, "_REF")) return false;
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(&tensorflow__data_type__descriptor, name);
    if (!v) return false;
    *out = (tfc_dtype)v->value;
    return true;
}

/* TF's named groups (tensorflow/core/framework/types.h). */
static const tfc_dtype real_number_types[] = {
    TFC_DT_FLOAT, TFC_DT_DOUBLE, TFC_DT_INT32, TFC_DT_INT64,  TFC_DT_UINT8,  TFC_DT_INT16,
    TFC_DT_INT8,  TFC_DT_UINT16, TFC_DT_HALF,  TFC_DT_UINT32, TFC_DT_UINT64, TFC_DT_BFLOAT16,
};
static const tfc_dtype quantized_types[] = {11, 12, 15, 16,
                                            13};  /* qint8 quint8 qint16 quint16 qint32 */
static const tfc_dtype complex_types[] = {8, 18}; /* complex64 complex128 */

typedef struct type_set {
    tfc_dtype *v;
    int n;
} type_set;

static bool set_add(type_set *ts, tfc_dtype dt) {
    for (int k = 0; k < ts->n; k++)
        if (ts->v[k] == dt) return true;
    tfc_dtype *v = realloc(ts->v, (size_t)(ts->n + 1) * sizeof *v);
    if (!v) return false;
    ts->v = v, ts->v[ts->n++] = dt;
    return true;
}

static bool set_add_all(type_set *ts, const tfc_dtype *v, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (!set_add(ts, v[k])) return false;
    return true;
}

/* ---- Parsing context ---- */

typedef struct ctx {
    tfc_op_def *def;
    tfc_status *st;
    const char *op;
    type_set ts;    /* scratch for a type set */
    char **strings; /* scratch for a string set */
    int n_strings;
    tfc_arg_def **args; /* the side being parsed */
    int *n_args;
} ctx;

static tfc_code fail(ctx *c, const char *what, slice s) {
    return tfc_status_set(c->st, TFC_INVALID_ARGUMENT, "op '%s': %s '%.*s'", c->op, what, (int)s.n,
                          s.p);
}

static tfc_code oom(ctx *c) {
    return tfc_status_set(c->st, TFC_RESOURCE_EXHAUSTED, "op '%s': out of memory", c->op);
}

static tfc_code add_type_name(void *vc, slice s) {
    ctx *c = vc;
    tfc_dtype dt;
    if (eq(s, "realnumbertypes"))
        return set_add_all(&c->ts, real_number_types, 12) ? TFC_OK : oom(c);
    if (eq(s, "quantizedtypes")) return set_add_all(&c->ts, quantized_types, 5) ? TFC_OK : oom(c);
    if (eq(s, "numbertypes")) {
        bool ok = set_add_all(&c->ts, real_number_types, 12) &&
                  set_add_all(&c->ts, complex_types, 2) && set_add_all(&c->ts, quantized_types, 5);
        return ok ? TFC_OK : oom(c);
    }
    if (!tfc__tf_type_name(s.p, s.n, &dt)) return fail(c, "unknown type", s);
    return set_add(&c->ts, dt) ? TFC_OK : oom(c);
}

static tfc_code add_string(void *vc, slice s) {
    ctx *c = vc;
    if (s.n < 2 || (s.p[0] != '\'' && s.p[0] != '"') || s.p[s.n - 1] != s.p[0])
        return fail(c, "expected a quoted string in a string set, got", s);
    char **v = realloc(c->strings, (size_t)(c->n_strings + 1) * sizeof *v);
    if (!v) return oom(c);
    c->strings = v;
    if (!(v[c->n_strings] = dup((slice){s.p + 1, s.n - 2}))) return oom(c);
    c->n_strings++;
    return TFC_OK;
}

/* "{...}" contents: a string set or a type set. */
static tfc_code parse_set(ctx *c, slice inner, tfc_attr_def *a, bool list) {
    inner = trim(inner);
    if (inner.n && (inner.p[0] == '\'' || inner.p[0] == '"')) {
        a->kind = list ? TFC_ATTR_LIST_STRING : TFC_ATTR_STRING;
        tfc_code r = split(inner, ',', add_string, c);
        a->allowed_strings = c->strings, a->num_allowed_strings = c->n_strings;
        c->strings = NULL, c->n_strings = 0;
        return r;
    }
    a->kind = list ? TFC_ATTR_LIST_TYPE : TFC_ATTR_TYPE;
    tfc_code r = split(inner, ',', add_type_name, c);
    a->allowed_types = c->ts.v, a->num_allowed_types = c->ts.n;
    c->ts = (type_set){0};
    if (!r && !a->num_allowed_types)
        return fail(c, "empty type set in attr", (slice){a->name, strlen(a->name)});
    return r;
}

static bool kind_from_name(slice s, bool list, tfc_attr_kind *k) {
    static const struct {
        const char *name;
        tfc_attr_kind kind;
        int list_kind; /* -1: no list form */
    } kinds[] = {
        {"string", TFC_ATTR_STRING, TFC_ATTR_LIST_STRING},
        {"int", TFC_ATTR_INT, TFC_ATTR_LIST_INT},
        {"float", TFC_ATTR_FLOAT, TFC_ATTR_LIST_FLOAT},
        {"bool", TFC_ATTR_BOOL, TFC_ATTR_LIST_BOOL},
        {"type", TFC_ATTR_TYPE, TFC_ATTR_LIST_TYPE},
        {"shape", TFC_ATTR_SHAPE, TFC_ATTR_LIST_SHAPE},
        {"tensor", TFC_ATTR_TENSOR, -1},
        {"func", TFC_ATTR_FUNC, -1},
    };
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
        if (!eq(s, kinds[j].name)) continue;
        if (!list) return *k = kinds[j].kind, true;
        if (kinds[j].list_kind < 0) return false;
        return *k = (tfc_attr_kind)kinds[j].list_kind, true;
    }
    return false;
}

/* Index of the bracket closing the one at s.p[0], or 0. */
static size_t closing(slice s, char open, char close) {
    int depth = 0;
    for (size_t k = 0; k < s.n; k++) {
        if (s.p[k] == open) depth++;
        if (s.p[k] == close && --depth == 0) return k;
    }
    return 0;
}

static tfc_code check_default(ctx *c, tfc_attr_def *a) {
    tfc__attr_value v;
    tfc_status st;
    if (tfc__attr_parse_default(a, &v, &st))
        return tfc_status_set(c->st, st.code, "op '%s': %s", c->op, st.msg);
    bool ok = true;
    if (v.kind == TFC__AV_TYPE && a->num_allowed_types) {
        ok = false;
        for (int k = 0; k < a->num_allowed_types; k++) ok |= a->allowed_types[k] == v.type;
    }
    if (v.kind == TFC__AV_S && a->num_allowed_strings) {
        ok = false;
        for (int k = 0; k < a->num_allowed_strings; k++)
            ok |= !strcmp(a->allowed_strings[k], v.s.p);
    }
    if (v.kind == TFC__AV_I && a->has_minimum && v.i < a->minimum) ok = false;
    tfc__attr_value_clear(&v);
    if (!ok)
        return tfc_status_set(c->st, TFC_INVALID_ARGUMENT,
                              "op '%s': default '%s' of attr '%s' is not an allowed value", c->op,
                              a->default_text, a->name);
    return TFC_OK;
}

static tfc_code parse_attr(void *vc, slice item) {
    ctx *c = vc;
    tfc_op_def *d = c->def;
    const char *colon = memchr(item.p, ':', item.n);
    if (!colon) return fail(c, "attr needs 'name: type', got", item);
    slice name = trim((slice){item.p, (size_t)(colon - item.p)});
    slice rest = trim((slice){colon + 1, item.n - (size_t)(colon + 1 - item.p)});
    if (!is_ident(name)) return fail(c, "bad attr name", name);
    for (int k = 0; k < d->num_attrs; k++)
        if (eq(name, d->attrs[k].name)) return fail(c, "attr declared twice:", name);
    tfc_attr_def *na = realloc(d->attrs, (size_t)(d->num_attrs + 1) * sizeof *na);
    if (!na) return oom(c);
    d->attrs = na;
    tfc_attr_def *a = &d->attrs[d->num_attrs++];
    memset(a, 0, sizeof *a);
    if (!(a->name = dup(name))) return oom(c);

    size_t used;
    tfc_code r = TFC_OK;
    if (rest.n && rest.p[0] == '{') {
        if (!(used = closing(rest, '{', '}'))) return fail(c, "unclosed '{' in attr", name);
        r = parse_set(c, (slice){rest.p + 1, used - 1}, a, false);
        used++;
    } else if (rest.n > 5 && !memcmp(rest.p, "list(", 5)) {
        slice paren = {rest.p + 4, rest.n - 4};
        if (!(used = closing(paren, '(', ')'))) return fail(c, "unclosed 'list(' in attr", name);
        slice inner = trim((slice){paren.p + 1, used - 1});
        if (inner.n && inner.p[0] == '{' && closing(inner, '{', '}') == inner.n - 1)
            r = parse_set(c, (slice){inner.p + 1, inner.n - 2}, a, true);
        else if (!kind_from_name(inner, true, &a->kind))
            return fail(c, "unknown list type", inner);
        used += 5;
    } else {
        used = 0;
        while (used < rest.n && (isalnum((unsigned char)rest.p[used]) || rest.p[used] == '_'))
            used++;
        if (!kind_from_name((slice){rest.p, used}, false, &a->kind))
            return fail(c, "unknown attr type", (slice){rest.p, used ? used : rest.n});
    }
    if (r) return r;
    rest = trim((slice){rest.p + used, rest.n - used});
    if (rest.n >= 2 && rest.p[0] == '>' && rest.p[1] == '=') {
        char *end;
        char num[32];
        slice m = trim((slice){rest.p + 2, rest.n - 2});
        size_t k = 0;
        while (k < m.n && k < sizeof num - 1 &&
               (isdigit((unsigned char)m.p[k]) || (k == 0 && m.p[k] == '-')))
            num[k] = m.p[k], k++;
        num[k] = '\0';
        a->minimum = strtoll(num, &end, 10);
        if (!k || *end) return fail(c, "bad minimum in attr", name);
        a->has_minimum = true;
        rest = trim((slice){m.p + k, m.n - k});
    }
    if (rest.n && rest.p[0] == '=') {
        slice def = trim((slice){rest.p + 1, rest.n - 1});
        if (!def.n) return fail(c, "empty default in attr", name);
        if (!(a->default_text = dup(def))) return oom(c);
        return check_default(c, a);
    }
    if (rest.n) return fail(c, "unexpected text after the type of attr", name);
    return TFC_OK;
}

static tfc_attr_def *find_attr(tfc_op_def *d, slice name) {
    for (int k = 0; k < d->num_attrs; k++)
        if (eq(name, d->attrs[k].name)) return &d->attrs[k];
    return NULL;
}

static tfc_code parse_arg(void *vc, slice item) {
    ctx *c = vc;
    const char *colon = memchr(item.p, ':', item.n);
    if (!colon) return fail(c, "argument needs 'name: type', got", item);
    slice name = trim((slice){item.p, (size_t)(colon - item.p)});
    slice type = trim((slice){colon + 1, item.n - (size_t)(colon + 1 - item.p)});
    if (!is_ident(name)) return fail(c, "bad argument name", name);
    for (int k = 0; k < *c->n_args; k++)
        if (eq(name, (*c->args)[k].name)) return fail(c, "argument declared twice:", name);
    tfc_arg_def *na = realloc(*c->args, (size_t)(*c->n_args + 1) * sizeof *na);
    if (!na) return oom(c);
    *c->args = na;
    tfc_arg_def *a = &na[(*c->n_args)++];
    memset(a, 0, sizeof *a);
    if (!(a->name = dup(name))) return oom(c);
    if (type.n > 5 && !memcmp(type.p, "Ref(", 4) && type.p[type.n - 1] == ')') {
        a->is_ref = true;
        type = trim((slice){type.p + 4, type.n - 5});
    }
    const char *star = memchr(type.p, '*', type.n);
    if (star) {
        slice num = trim((slice){type.p, (size_t)(star - type.p)});
        tfc_attr_def *nattr = find_attr(c->def, num);
        if (!nattr || nattr->kind != TFC_ATTR_INT)
            return fail(c, "number attr is not an int attr:", num);
        if (!(a->number_attr = dup(num))) return oom(c);
        type = trim((slice){star + 1, type.n - (size_t)(star + 1 - type.p)});
    }
    if (tfc__tf_type_name(type.p, type.n, &a->type)) return TFC_OK;
    a->type = TFC_DT_INVALID;
    tfc_attr_def *ta = find_attr(c->def, type);
    if (ta && ta->kind == TFC_ATTR_TYPE)
        a->type_attr = dup(type);
    else if (ta && ta->kind == TFC_ATTR_LIST_TYPE && !star)
        a->type_list_attr = dup(type);
    else
        return fail(c, "argument type is neither a dtype nor a type attr:", type);
    return (a->type_attr || a->type_list_attr) ? TFC_OK : oom(c);
}

static void free_args(tfc_arg_def *a, int n) {
    for (int k = 0; k < n; k++) {
        free(a[k].name), free(a[k].type_attr), free(a[k].number_attr), free(a[k].type_list_attr);
    }
    free(a);
}

void tfc__op_def_release(tfc_op_def *d) {
    free_args(d->inputs, d->num_inputs);
    free_args(d->outputs, d->num_outputs);
    for (int k = 0; k < d->num_attrs; k++) {
        tfc_attr_def *a = &d->attrs[k];
        free(a->name), free(a->default_text), free(a->allowed_types);
        for (int j = 0; j < a->num_allowed_strings; j++) free(a->allowed_strings[j]);
        free(a->allowed_strings);
    }
    free(d->attrs);
    memset(d, 0, sizeof *d);
}

tfc_code tfc__op_def_parse(const tfc_op_spec *spec, tfc_op_def *d, tfc_status *st) {
    memset(d, 0, sizeof *d);
    d->spec = spec;
    ctx c = {.def = d, .st = st, .op = spec->name ? spec->name : "(null)"};
    tfc_code r = TFC_OK;
    if (!spec->name || !is_ident((slice){spec->name, strlen(spec->name)}))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "op name '%s' is not an identifier", c.op);
    if (spec->attrs) r = split((slice){spec->attrs, strlen(spec->attrs)}, ';', parse_attr, &c);
    slice sig = trim((slice){spec->sig ? spec->sig : "", spec->sig ? strlen(spec->sig) : 0});
    if (!r && sig.n) {
        const char *arrow = strstr(spec->sig, "->");
        if (!arrow) {
            r = fail(&c, "signature has no '->':", sig);
        } else {
            c.args = &d->inputs, c.n_args = &d->num_inputs;
            r = split((slice){spec->sig, (size_t)(arrow - spec->sig)}, ',', parse_arg, &c);
            c.args = &d->outputs, c.n_args = &d->num_outputs;
            if (!r) r = split((slice){arrow + 2, strlen(arrow + 2)}, ',', parse_arg, &c);
        }
    }
    free(c.ts.v);
    for (int k = 0; k < c.n_strings; k++) free(c.strings[k]);
    free(c.strings);
    if (r) tfc__op_def_release(d);
    return r;
}
