/* Attr values to and from AttrValue messages, and op defaults read as AttrValue text. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"
#include "proto/textformat.h"
#include "proto/types.pb-c.h"
#include "tensor/tensor_int.h"

/* ---- From messages ---- */

static tfc_code oom(tfc_status *st) {
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory reading an attr value");
}

static tfc_code str_from(const void *data, size_t n, tfc__str *out, tfc_status *st) {
    out->p = tfc_malloc(n + 1);
    if (!out->p) return oom(st);
    if (n) memcpy(out->p, data, n);
    out->p[n] = '\0';
    out->n = n;
    return TFC_OK;
}

static tfc_code count_of(size_t n, int *out, tfc_status *st) {
    if (n > INT_MAX / 64)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "attr list of %zu values is too long", n);
    *out = (int)n;
    return TFC_OK;
}

static tfc_code attrs_from_entries(Tensorflow__NameAttrList__AttrEntry *const *e, size_t n,
                                   tfc__attr **attrs, int *n_attrs, tfc_status *st) {
    tfc_code c = count_of(n, n_attrs, st);
    int total = *n_attrs;
    *n_attrs = 0;
    if (c || !total) return c;
    if (!(*attrs = tfc_calloc((size_t)total, sizeof **attrs))) return oom(st);
    for (; *n_attrs < total; (*n_attrs)++) {
        tfc__attr *a = &(*attrs)[*n_attrs];
        const Tensorflow__NameAttrList__AttrEntry *en = e[*n_attrs];
        if (!(a->name = tfc_strdup(en->key ? en->key : ""))) return oom(st);
        if (en->value && (c = tfc__attr_from_pb(en->value, &a->v, st))) {
            (*n_attrs)++; /* freed with the rest */
            return c;
        }
    }
    return tfc__attrs_sort(*attrs, n_attrs) ? oom(st) : TFC_OK;
}

static tfc_code func_from(const Tensorflow__NameAttrList *pb, tfc__func *f, tfc_status *st) {
    if (!(f->name = tfc_strdup(pb->name ? pb->name : ""))) return oom(st);
    return attrs_from_entries(pb->attr, pb->n_attr, &f->attrs, &f->n_attrs, st);
}

#define ALLOC_ARRAY(dst, count)                                                                    \
    do {                                                                                           \
        if ((count) && !((dst) = tfc_calloc((size_t)(count), sizeof *(dst)))) return oom(st);      \
    } while (0)

static tfc_code list_from(const Tensorflow__AttrValue__ListValue *pb, tfc__list *l,
                          tfc_status *st) {
    tfc_code c;
    if ((c = count_of(pb->n_s, &l->n_s, st)) || (c = count_of(pb->n_i, &l->n_i, st)) ||
        (c = count_of(pb->n_f, &l->n_f, st)) || (c = count_of(pb->n_b, &l->n_b, st)) ||
        (c = count_of(pb->n_type, &l->n_type, st)) ||
        (c = count_of(pb->n_shape, &l->n_shape, st)) ||
        (c = count_of(pb->n_tensor, &l->n_tensor, st)) ||
        (c = count_of(pb->n_func, &l->n_func, st)))
        return c;
    /* Counts are set first and arrays zeroed, so a failure part-way frees cleanly. */
    int ns = l->n_s, nt = l->n_tensor, nf = l->n_func;
    l->n_s = l->n_tensor = l->n_func = 0;
    ALLOC_ARRAY(l->s, ns);
    for (; l->n_s < ns; l->n_s++)
        if ((c = str_from(pb->s[l->n_s].data, pb->s[l->n_s].len, &l->s[l->n_s], st))) return c;
    ALLOC_ARRAY(l->i, l->n_i);
    if (l->n_i) memcpy(l->i, pb->i, (size_t)l->n_i * sizeof *l->i);
    ALLOC_ARRAY(l->f, l->n_f);
    if (l->n_f) memcpy(l->f, pb->f, (size_t)l->n_f * sizeof *l->f);
    ALLOC_ARRAY(l->b, l->n_b);
    for (int k = 0; k < l->n_b; k++) l->b[k] = pb->b[k] != 0;
    ALLOC_ARRAY(l->type, l->n_type);
    for (int k = 0; k < l->n_type; k++) l->type[k] = (tfc_dtype)pb->type[k];
    ALLOC_ARRAY(l->shape, l->n_shape);
    for (int k = 0; k < l->n_shape; k++)
        if ((c = tfc__shape_from_pb(pb->shape[k], &l->shape[k], st))) return c;
    ALLOC_ARRAY(l->tensor, nt);
    for (; l->n_tensor < nt; l->n_tensor++)
        if ((c = tfc__tensor_from_pb(pb->tensor[l->n_tensor], &l->tensor[l->n_tensor], st)))
            return c;
    ALLOC_ARRAY(l->func, nf);
    for (; l->n_func < nf;) {
        c = func_from(pb->func[l->n_func], &l->func[l->n_func], st);
        l->n_func++; /* counted even on failure: its parts are freed with the list */
        if (c) return c;
    }
    return TFC_OK;
}

tfc_code tfc__attr_from_pb(const Tensorflow__AttrValue *pb, tfc__attr_value *out, tfc_status *st) {
    tfc_code c = TFC_OK;
    memset(out, 0, sizeof *out);
    switch (pb->value_case) {
    case TENSORFLOW__ATTR_VALUE__VALUE_S:
        out->kind = TFC__AV_S;
        c = str_from(pb->s.data, pb->s.len, &out->s, st);
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_PLACEHOLDER:
        out->kind = TFC__AV_PLACEHOLDER;
        c = str_from(pb->placeholder ? pb->placeholder : "",
                     pb->placeholder ? strlen(pb->placeholder) : 0, &out->s, st);
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_I:
        out->kind = TFC__AV_I, out->i = pb->i;
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_F:
        out->kind = TFC__AV_F, out->f = pb->f;
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_B:
        out->kind = TFC__AV_B, out->b = pb->b != 0;
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_TYPE:
        out->kind = TFC__AV_TYPE, out->type = (tfc_dtype)pb->type;
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_SHAPE:
        out->kind = TFC__AV_SHAPE;
        c = tfc__shape_from_pb(pb->shape, &out->shape, st);
        break;
    case TENSORFLOW__ATTR_VALUE__VALUE_TENSOR: {
        static const Tensorflow__TensorProto empty = TENSORFLOW__TENSOR_PROTO__INIT;
        c = tfc__tensor_from_pb(pb->tensor ? pb->tensor : &empty, &out->tensor, st);
        if (!c) out->kind = TFC__AV_TENSOR;
        break;
    }
    case TENSORFLOW__ATTR_VALUE__VALUE_FUNC: {
        static const Tensorflow__NameAttrList empty = TENSORFLOW__NAME_ATTR_LIST__INIT;
        if (!(out->func = tfc_calloc(1, sizeof *out->func))) return oom(st);
        out->kind = TFC__AV_FUNC;
        c = func_from(pb->func ? pb->func : &empty, out->func, st);
        break;
    }
    case TENSORFLOW__ATTR_VALUE__VALUE_LIST: {
        static const Tensorflow__AttrValue__ListValue empty =
            TENSORFLOW__ATTR_VALUE__LIST_VALUE__INIT;
        if (!(out->list = tfc_calloc(1, sizeof *out->list))) return oom(st);
        out->kind = TFC__AV_LIST;
        c = list_from(pb->list ? pb->list : &empty, out->list, st);
        break;
    }
    default:
        break;
    }
    if (c) tfc__attr_value_clear(out);
    return c;
}

/* ---- To messages (in an arena; strings and numbers borrowed from the value) ---- */

static Tensorflow__TensorShapeProto *shape_to(const tfc_shape *s, tfc__arena *a) {
    Tensorflow__TensorShapeProto *pb =
        tfc__arena_message(a, &tensorflow__tensor_shape_proto__descriptor);
    Tensorflow__TensorShapeProto__Dim *dims = tfc__arena_alloc(a, TFC_MAX_RANK * sizeof *dims);
    Tensorflow__TensorShapeProto__Dim **ptrs = tfc__arena_alloc(a, TFC_MAX_RANK * sizeof *ptrs);
    if (!pb || !dims || !ptrs) return NULL;
    tfc__shape_to_pb(s, pb, dims, ptrs);
    return pb;
}

static Tensorflow__TensorProto *tensor_to(const tfc_tensor *t, tfc__arena *a) {
    Tensorflow__TensorProto *pb = NULL;
    /* TF writes single values in the typed field and arrays as tensor_content; so does tfc. */
    if (tfc__tensor_to_pb(t, tfc_tensor_num_elements(t) == 1, &pb, NULL)) {
        a->oom = true;
        return NULL;
    }
    tfc__arena_own(a, pb);
    return a->oom ? NULL : pb;
}

static Tensorflow__NameAttrList *func_to(const tfc__func *f, tfc__arena *a) {
    Tensorflow__NameAttrList *pb = tfc__arena_message(a, &tensorflow__name_attr_list__descriptor);
    if (!pb) return NULL;
    pb->name = f->name;
    pb->n_attr = (size_t)f->n_attrs;
    if (f->n_attrs && !(pb->attr = tfc__arena_alloc(a, (size_t)f->n_attrs * sizeof *pb->attr)))
        return NULL;
    for (int k = 0; k < f->n_attrs; k++) {
        Tensorflow__NameAttrList__AttrEntry *e =
            tfc__arena_message(a, &tensorflow__name_attr_list__attr_entry__descriptor);
        if (!e || !(e->value = tfc__attr_to_pb(&f->attrs[k].v, a))) return NULL;
        e->key = f->attrs[k].name;
        pb->attr[k] = e;
    }
    return pb;
}

#define ARENA_ARRAY(dst, count)                                                                    \
    ((count) ? ((dst) = tfc__arena_alloc(a, (size_t)(count) * sizeof *(dst))) != NULL : true)

static Tensorflow__AttrValue__ListValue *list_to(const tfc__list *l, tfc__arena *a) {
    Tensorflow__AttrValue__ListValue *pb =
        tfc__arena_message(a, &tensorflow__attr_value__list_value__descriptor);
    if (!pb || !ARENA_ARRAY(pb->s, l->n_s) || !ARENA_ARRAY(pb->b, l->n_b) ||
        !ARENA_ARRAY(pb->type, l->n_type) || !ARENA_ARRAY(pb->shape, l->n_shape) ||
        !ARENA_ARRAY(pb->tensor, l->n_tensor) || !ARENA_ARRAY(pb->func, l->n_func))
        return NULL;
    pb->n_s = (size_t)l->n_s, pb->n_i = (size_t)l->n_i, pb->n_f = (size_t)l->n_f;
    pb->n_b = (size_t)l->n_b, pb->n_type = (size_t)l->n_type, pb->n_shape = (size_t)l->n_shape;
    pb->n_tensor = (size_t)l->n_tensor, pb->n_func = (size_t)l->n_func;
    for (int k = 0; k < l->n_s; k++)
        pb->s[k] = (ProtobufCBinaryData){l->s[k].n, (uint8_t *)l->s[k].p};
    pb->i = l->i, pb->f = l->f;
    for (int k = 0; k < l->n_b; k++) pb->b[k] = l->b[k];
    for (int k = 0; k < l->n_type; k++) pb->type[k] = (Tensorflow__DataType)l->type[k];
    for (int k = 0; k < l->n_shape; k++)
        if (!(pb->shape[k] = shape_to(&l->shape[k], a))) return NULL;
    for (int k = 0; k < l->n_tensor; k++)
        if (!(pb->tensor[k] = tensor_to(l->tensor[k], a))) return NULL;
    for (int k = 0; k < l->n_func; k++)
        if (!(pb->func[k] = func_to(&l->func[k], a))) return NULL;
    return pb;
}

Tensorflow__AttrValue *tfc__attr_to_pb(const tfc__attr_value *v, tfc__arena *a) {
    Tensorflow__AttrValue *pb = tfc__arena_message(a, &tensorflow__attr_value__descriptor);
    if (!pb) return NULL;
    switch (v->kind) {
    case TFC__AV_NONE:
        break;
    case TFC__AV_S:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
        pb->s = (ProtobufCBinaryData){v->s.n, v->s.n ? (uint8_t *)v->s.p : NULL};
        break;
    case TFC__AV_PLACEHOLDER:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_PLACEHOLDER;
        pb->placeholder = v->s.p;
        break;
    case TFC__AV_I:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I, pb->i = v->i;
        break;
    case TFC__AV_F:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_F, pb->f = v->f;
        break;
    case TFC__AV_B:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B, pb->b = v->b;
        break;
    case TFC__AV_TYPE:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
        pb->type = (Tensorflow__DataType)v->type;
        break;
    case TFC__AV_SHAPE:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
        if (!(pb->shape = shape_to(&v->shape, a))) return NULL;
        break;
    case TFC__AV_TENSOR:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
        if (!(pb->tensor = tensor_to(v->tensor, a))) return NULL;
        break;
    case TFC__AV_FUNC:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_FUNC;
        if (!(pb->func = func_to(v->func, a))) return NULL;
        break;
    case TFC__AV_LIST:
        pb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
        if (!(pb->list = list_to(v->list, a))) return NULL;
        break;
    }
    return pb;
}

/* ---- Defaults: TF's REGISTER_OP writes them as the AttrValue field's text ---- */

/* Most defaults are a bool, a number or a DT_ name: read those directly (every node built
 * without the attr reads its default), the rest as AttrValue text. */
static bool parse_plain(const tfc_attr_def *def, tfc__attr_value *out) {
    const char *t = def->default_text;
    char *end;
    switch (def->kind) {
    case TFC_ATTR_BOOL:
        if (strcmp(t, "true") && strcmp(t, "false")) return false;
        *out = (tfc__attr_value){.kind = TFC__AV_B, .b = t[0] == 't'};
        return true;
    case TFC_ATTR_INT: {
        long long v = strtoll(t, &end, 10);
        if (end == t || *end) return false;
        *out = (tfc__attr_value){.kind = TFC__AV_I, .i = v};
        return true;
    }
    case TFC_ATTR_FLOAT: {
        if (!(t[0] == '-' || t[0] == '.' || (t[0] >= '0' && t[0] <= '9'))) return false;
        double v = strtod(t, &end);
        if (end == t || *end) return false;
        *out = (tfc__attr_value){.kind = TFC__AV_F, .f = (float)v};
        return true;
    }
    case TFC_ATTR_TYPE: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name(&tensorflow__data_type__descriptor, t);
        if (!ev) return false;
        *out = (tfc__attr_value){.kind = TFC__AV_TYPE, .type = (tfc_dtype)ev->value};
        return true;
    }
    default:
        return false;
    }
}

tfc_code tfc__attr_parse_default(const tfc_attr_def *def, tfc__attr_value *out, tfc_status *st) {
    static const char *const fmt[] = {
        [TFC_ATTR_STRING] = "s: %s",
        [TFC_ATTR_INT] = "i: %s",
        [TFC_ATTR_FLOAT] = "f: %s",
        [TFC_ATTR_BOOL] = "b: %s",
        [TFC_ATTR_TYPE] = "type: %s",
        [TFC_ATTR_SHAPE] = "shape %s",
        [TFC_ATTR_TENSOR] = "tensor %s",
        [TFC_ATTR_FUNC] = "func %s",
        [TFC_ATTR_LIST_STRING] = "list { s: %s }",
        [TFC_ATTR_LIST_INT] = "list { i: %s }",
        [TFC_ATTR_LIST_FLOAT] = "list { f: %s }",
        [TFC_ATTR_LIST_BOOL] = "list { b: %s }",
        [TFC_ATTR_LIST_TYPE] = "list { type: %s }",
        [TFC_ATTR_LIST_SHAPE] = "list { shape: %s }",
    };
    memset(out, 0, sizeof *out);
    if (!def->default_text || (unsigned)def->kind >= sizeof fmt / sizeof fmt[0])
        return tfc_status_set(st, TFC_INTERNAL, "attr '%s' has no default", def->name);
    if (parse_plain(def, out)) return TFC_OK;
    size_t n = strlen(def->default_text) + 32;
    char *text = tfc_malloc(n);
    if (!text) return oom(st);
    snprintf(text, n, fmt[def->kind], def->default_text);
    ProtobufCMessage *m = NULL;
    tfc_status local;
    tfc_code c =
        tfc__text_parse(&tensorflow__attr_value__descriptor, text, strlen(text), 0, &m, &local);
    tfc_free(text);
    if (!c) c = tfc__attr_from_pb((const Tensorflow__AttrValue *)m, out, &local);
    tfc__proto_free(m);
    if (!c && !tfc__attr_value_fits(out, def->kind)) {
        c = tfc_status_set(&local, TFC_INVALID_ARGUMENT, "is a %s", tfc__attr_value_kind_name(out));
        tfc__attr_value_clear(out);
    }
    if (c)
        return tfc_status_set(st, c, "default '%s' of attr '%s' (%s) does not parse: %s",
                              def->default_text, def->name, tfc__attr_kind_name(def->kind),
                              local.msg);
    return TFC_OK;
}
