/* Attr values: storage, sorted attr arrays, kind names and the public typed getters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"
#include "tensor/tensor_int.h"

static void func_free(tfc__func *f) {
    if (!f) return;
    tfc_free(f->name);
    tfc__attrs_free(f->attrs, f->n_attrs);
    tfc_free(f);
}

static void list_free(tfc__list *l) {
    if (!l) return;
    for (int k = 0; k < l->n_s; k++) tfc_free(l->s[k].p);
    for (int k = 0; k < l->n_tensor; k++) tfc_tensor_unref(l->tensor[k]);
    for (int k = 0; k < l->n_func; k++) {
        tfc_free(l->func[k].name);
        tfc__attrs_free(l->func[k].attrs, l->func[k].n_attrs);
    }
    tfc_free(l->s), tfc_free(l->i), tfc_free(l->f), tfc_free(l->b), tfc_free(l->type);
    tfc_free(l->shape), tfc_free(l->tensor), tfc_free(l->func);
    tfc_free(l);
}

void tfc__attr_value_clear(tfc__attr_value *v) {
    switch (v->kind) {
    case TFC__AV_S:
    case TFC__AV_PLACEHOLDER:
        tfc_free(v->s.p);
        break;
    case TFC__AV_TENSOR:
        tfc_tensor_unref(v->tensor);
        break;
    case TFC__AV_FUNC:
        func_free(v->func);
        break;
    case TFC__AV_LIST:
        list_free(v->list);
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
}

void tfc__attrs_free(tfc__attr *a, int n) {
    for (int k = 0; k < n; k++) {
        tfc_free(a[k].name);
        tfc__attr_value_clear(&a[k].v);
    }
    tfc_free(a);
}

/* Index of name, or -(insertion point) - 1. */
static int search(const tfc__attr *a, int n, const char *name) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(a[mid].name, name);
        if (!c) return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -lo - 1;
}

tfc__attr *tfc__attrs_find(const tfc__attr *a, int n, const char *name) {
    int k = search(a, n, name);
    return k >= 0 ? (tfc__attr *)&a[k] : NULL;
}

tfc_code tfc__attrs_put(tfc__attr **a, int *n, int *cap, const char *name, tfc__attr_value *v) {
    int k = search(*a, *n, name);
    if (k >= 0) {
        tfc__attr_value_clear(&(*a)[k].v);
        (*a)[k].v = *v;
        memset(v, 0, sizeof *v);
        return TFC_OK;
    }
    k = -k - 1;
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 4;
        tfc__attr *na = tfc_realloc(*a, (size_t)c * sizeof *na);
        if (!na) goto oom;
        *a = na, *cap = c;
    }
    char *nm = tfc_strdup(name);
    if (!nm) goto oom;
    memmove(&(*a)[k + 1], &(*a)[k], (size_t)(*n - k) * sizeof **a);
    (*a)[k] = (tfc__attr){.name = nm, .v = *v};
    (*n)++;
    memset(v, 0, sizeof *v);
    return TFC_OK;
oom:
    tfc__attr_value_clear(v);
    return TFC_RESOURCE_EXHAUSTED;
}

typedef struct ranked {
    tfc__attr a;
    int pos;
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    int c = strcmp(a->a.name, b->a.name);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

tfc_code tfc__attrs_sort(tfc__attr *a, int *n) {
    if (*n < 2) return TFC_OK;
    ranked *r = tfc_malloc((size_t)*n * sizeof *r);
    if (!r) return TFC_RESOURCE_EXHAUSTED;
    for (int k = 0; k < *n; k++) r[k] = (ranked){a[k], k};
    qsort(r, (size_t)*n, sizeof *r, cmp_ranked);
    int w = 0;
    for (int k = 0; k < *n; k++) {
        if (k + 1 < *n && !strcmp(r[k].a.name, r[k + 1].a.name)) { /* a later one replaces it */
            tfc_free(r[k].a.name);
            tfc__attr_value_clear(&r[k].a.v);
            continue;
        }
        a[w++] = r[k].a;
    }
    *n = w;
    tfc_free(r);
    return TFC_OK;
}

static const char *list_kind(const tfc__list *l) {
    if (l->n_s) return "list(string)";
    if (l->n_i) return "list(int)";
    if (l->n_f) return "list(float)";
    if (l->n_b) return "list(bool)";
    if (l->n_type) return "list(type)";
    if (l->n_shape) return "list(shape)";
    if (l->n_tensor) return "list(tensor)";
    if (l->n_func) return "list(func)";
    return "list";
}

const char *tfc__attr_value_kind_name(const tfc__attr_value *v) {
    switch (v->kind) {
    case TFC__AV_NONE:
        return "no value";
    case TFC__AV_S:
        return "string";
    case TFC__AV_I:
        return "int";
    case TFC__AV_F:
        return "float";
    case TFC__AV_B:
        return "bool";
    case TFC__AV_TYPE:
        return "type";
    case TFC__AV_SHAPE:
        return "shape";
    case TFC__AV_TENSOR:
        return "tensor";
    case TFC__AV_PLACEHOLDER:
        return "placeholder";
    case TFC__AV_FUNC:
        return "func";
    case TFC__AV_LIST:
        return list_kind(v->list);
    }
    return "?";
}

const char *tfc__attr_kind_name(tfc_attr_kind kind) {
    static const char *const names[] = {
        "string",      "int",        "float",      "bool",         "type",
        "shape",       "tensor",     "func",       "list(string)", "list(int)",
        "list(float)", "list(bool)", "list(type)", "list(shape)",
    };
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

bool tfc__attr_value_fits(const tfc__attr_value *v, tfc_attr_kind kind) {
    static const tfc__av_kind scalar[] = {TFC__AV_S,      TFC__AV_I,    TFC__AV_F,
                                          TFC__AV_B,      TFC__AV_TYPE, TFC__AV_SHAPE,
                                          TFC__AV_TENSOR, TFC__AV_FUNC};
    if (kind <= TFC_ATTR_FUNC) return v->kind == scalar[kind];
    if (v->kind != TFC__AV_LIST) return false;
    const char *k = list_kind(v->list);
    return !strcmp(k, "list") || !strcmp(k, tfc__attr_kind_name(kind));
}

const char *tfc__dtype_str(tfc_dtype dt, char *buf, size_t n) {
    if (tfc_dtype_is_valid(dt)) return tfc_dtype_name(dt);
    int base = (int)dt > TFC_DT_REF_OFFSET ? (int)dt - TFC_DT_REF_OFFSET : (int)dt;
    const char *name = tfc__dtype_proto_name(base);
    if (name && base != (int)dt)
        snprintf(buf, n, "%s_REF", name);
    else if (name)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "DataType %d", (int)dt);
    return buf;
}

/* ---- Public getters ---- */

static tfc_code get(const tfc_node *n, const char *name, tfc__av_kind want, const char *want_name,
                    const tfc__attr_value **v, tfc_status *st) {
    if (!n || !name) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "no node or attr name");
    const tfc__attr *a = tfc__attrs_find(n->attrs, n->num_attrs, name);
    if (!a)
        return tfc_status_set(st, TFC_NOT_FOUND, "node '%s' (op '%s') has no attr '%s'", n->name,
                              n->op_name, name);
    if (a->v.kind != want) {
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "node '%s' (op '%s'): attr '%s' is %s, not %s", n->name, n->op_name,
                              name, tfc__attr_value_kind_name(&a->v), want_name);
    }
    *v = &a->v;
    return TFC_OK;
}

tfc_code tfc_node_attr_int(const tfc_node *n, const char *name, int64_t *v, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_I, "int", &a, st);
    if (!c) *v = a->i;
    return c;
}

tfc_code tfc_node_attr_float(const tfc_node *n, const char *name, float *v, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_F, "float", &a, st);
    if (!c) *v = a->f;
    return c;
}

tfc_code tfc_node_attr_bool(const tfc_node *n, const char *name, bool *v, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_B, "bool", &a, st);
    if (!c) *v = a->b;
    return c;
}

tfc_code tfc_node_attr_type(const tfc_node *n, const char *name, tfc_dtype *v, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_TYPE, "type", &a, st);
    if (!c) *v = a->type;
    return c;
}

tfc_code tfc_node_attr_string(const tfc_node *n, const char *name, const char **s, size_t *len,
                              tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_S, "string", &a, st);
    if (!c) {
        *s = a->s.p ? a->s.p : "";
        if (len) *len = a->s.n;
    }
    return c;
}

tfc_code tfc_node_attr_shape(const tfc_node *n, const char *name, tfc_shape *v, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_SHAPE, "shape", &a, st);
    if (!c) *v = a->shape;
    return c;
}

tfc_code tfc_node_attr_tensor(const tfc_node *n, const char *name, const tfc_tensor **v,
                              tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_TENSOR, "tensor", &a, st);
    if (!c) *v = a->tensor;
    return c;
}

/* A list attr whose used sub-list is `kind` (an empty list fits any). */
static tfc_code get_list(const tfc_node *n, const char *name, tfc_attr_kind kind,
                         const tfc__list **l, tfc_status *st) {
    const tfc__attr_value *a = NULL;
    tfc_code c = get(n, name, TFC__AV_LIST, tfc__attr_kind_name(kind), &a, st);
    if (c) return c;
    if (!tfc__attr_value_fits(a, kind))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "node '%s' (op '%s'): attr '%s' is %s, not %s", n->name, n->op_name,
                              name, tfc__attr_value_kind_name(a), tfc__attr_kind_name(kind));
    *l = a->list;
    return TFC_OK;
}

tfc_code tfc_node_attr_int_list(const tfc_node *n, const char *name, const int64_t **v, int *count,
                                tfc_status *st) {
    const tfc__list *l = NULL;
    tfc_code c = get_list(n, name, TFC_ATTR_LIST_INT, &l, st);
    if (!c) *v = l->i, *count = l->n_i;
    return c;
}

tfc_code tfc_node_attr_float_list(const tfc_node *n, const char *name, const float **v, int *count,
                                  tfc_status *st) {
    const tfc__list *l = NULL;
    tfc_code c = get_list(n, name, TFC_ATTR_LIST_FLOAT, &l, st);
    if (!c) *v = l->f, *count = l->n_f;
    return c;
}

tfc_code tfc_node_attr_type_list(const tfc_node *n, const char *name, const tfc_dtype **v,
                                 int *count, tfc_status *st) {
    const tfc__list *l = NULL;
    tfc_code c = get_list(n, name, TFC_ATTR_LIST_TYPE, &l, st);
    if (!c) *v = l->type, *count = l->n_type;
    return c;
}

bool tfc_node_has_attr(const tfc_node *n, const char *name) {
    return n && name && tfc__attrs_find(n->attrs, n->num_attrs, name) != NULL;
}
