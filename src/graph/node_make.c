/* Making a node: checks it against its op's signature the way TF's NodeDef validation does
 * (declared attrs of the right kind, type attrs inferred from the inputs, defaults, allowed
 * values, input counts and dtypes), computes the outputs' dtypes and runs shape inference. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph_int.h"

/* Upper bound on list lengths taken from attrs (N, type lists), so bad input cannot make the
 * graph allocate without limit. */
#define MAX_LIST (1 << 20)

typedef struct vctx {
    tfc_node *n;
    const tfc_op_def *op;
    tfc_status *st;
    int *sizes; /* tensors per input argument */
    int cap_attrs;
} vctx;

static tfc_code err(vctx *v, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static tfc_code err(vctx *v, tfc_code code, const char *fmt, ...) {
    char msg[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tfc_status_set(v->st, code, "node '%s' (op '%s'): %s", v->n->name, v->n->op_name, msg);
}

static tfc_code oom(vctx *v) {
    return err(v, TFC_RESOURCE_EXHAUSTED, "out of memory");
}

static const tfc_attr_def *attr_def(const tfc_op_def *op, const char *name) {
    for (int k = 0; k < op->num_attrs; k++)
        if (!strcmp(op->attrs[k].name, name)) return &op->attrs[k];
    return NULL;
}

static tfc__attr *find(vctx *v, const char *name) {
    return tfc__attrs_find(v->n->attrs, v->n->num_attrs, name);
}

static tfc_code put(vctx *v, const char *name, tfc__attr_value *val) {
    if (v->cap_attrs < v->n->num_attrs) v->cap_attrs = v->n->num_attrs;
    return tfc__attrs_put(&v->n->attrs, &v->n->num_attrs, &v->cap_attrs, name, val) ? oom(v)
                                                                                    : TFC_OK;
}

static tfc_dtype in_dtype(const tfc_node *n, int i) {
    tfc_out o = n->inputs[i];
    return o.node->out_dtypes[o.index];
}

static const char *dts(tfc_dtype dt, char *buf) {
    return tfc__dtype_str(dt, buf, 24);
}

/* Every attr given is declared by the op (or internal, "_..."), with a value of its kind. */
static tfc_code check_declared(vctx *v) {
    for (int k = 0; k < v->n->num_attrs; k++) {
        const tfc__attr *a = &v->n->attrs[k];
        if (a->name[0] == '_') continue;
        const tfc_attr_def *d = attr_def(v->op, a->name);
        if (!d)
            return err(v, TFC_INVALID_ARGUMENT, "op '%s' has no attr '%s'", v->n->op_name, a->name);
        if (!tfc__attr_value_fits(&a->v, d->kind))
            return err(v, TFC_INVALID_ARGUMENT, "attr '%s' holds %s where the op declares %s",
                       a->name,
                       a->v.kind == TFC__AV_NONE ? "no value" : tfc__attr_value_kind_name(&a->v),
                       tfc__attr_kind_name(d->kind));
    }
    return TFC_OK;
}

static bool is_list_arg(const tfc_arg_def *a) {
    return a->number_attr || a->type_list_attr;
}

/* How many tensors each input argument takes: from the builder's add_input calls, or (for a
 * NodeDef's flat input list) from the N / type-list attrs, one unknown list taking the rest. */
static tfc_code arg_sizes(vctx *v, const int *groups, int n_groups) {
    const tfc_op_def *op = v->op;
    if (!(v->sizes = tfc_calloc(op->num_inputs ? (size_t)op->num_inputs : 1, sizeof *v->sizes)))
        return oom(v);
    if (groups) {
        if (n_groups != op->num_inputs)
            return err(v, TFC_INVALID_ARGUMENT, "expects %d input argument%s, got %d",
                       op->num_inputs, op->num_inputs == 1 ? "" : "s", n_groups);
        for (int i = 0; i < op->num_inputs; i++) {
            bool list = is_list_arg(&op->inputs[i]);
            if (list && groups[i] < 0)
                return err(v, TFC_INVALID_ARGUMENT,
                           "input '%s' is a list: add it with tfc_node_add_input_list",
                           op->inputs[i].name);
            if (!list && groups[i] >= 0)
                return err(v, TFC_INVALID_ARGUMENT, "input '%s' takes one tensor, not a list",
                           op->inputs[i].name);
            v->sizes[i] = list ? groups[i] : 1;
        }
        return TFC_OK;
    }
    int64_t known = 0;
    int unknown = -1;
    for (int i = 0; i < op->num_inputs; i++) {
        const tfc_arg_def *a = &op->inputs[i];
        int64_t s = 1;
        if (is_list_arg(a)) {
            const tfc__attr *at = find(v, a->number_attr ? a->number_attr : a->type_list_attr);
            if (at && a->number_attr && at->v.kind == TFC__AV_I)
                s = at->v.i;
            else if (at && a->type_list_attr && at->v.kind == TFC__AV_LIST)
                s = at->v.list->n_type;
            else if (unknown < 0)
                s = -1, unknown = i;
            else
                return err(v, TFC_INVALID_ARGUMENT,
                           "cannot tell how the %d inputs split between lists '%s' and '%s' "
                           "without their length attrs",
                           v->n->num_inputs, op->inputs[unknown].name, a->name);
            if ((s < 0 && unknown != i) || s > MAX_LIST)
                return err(v, TFC_INVALID_ARGUMENT, "list input '%s' has an invalid length %lld",
                           a->name, (long long)s);
        }
        v->sizes[i] = (int)s;
        if (s > 0) known += s;
    }
    if (unknown >= 0) { /* the one list without a length attr takes what is left */
        v->sizes[unknown] = known <= v->n->num_inputs ? (int)(v->n->num_inputs - known) : 0;
        known += v->sizes[unknown];
    }
    if (known != v->n->num_inputs)
        return err(v, TFC_INVALID_ARGUMENT, "expects %lld input%s, got %d", (long long)known,
                   known == 1 ? "" : "s", v->n->num_inputs);
    return TFC_OK;
}

/* Sets or checks the attrs the inputs determine: N of "N * T", list(type) attrs, and type attrs. */
static tfc_code infer(vctx *v) {
    char b1[24], b2[24];
    int idx = 0;
    for (int i = 0; i < v->op->num_inputs; i++) {
        const tfc_arg_def *arg = &v->op->inputs[i];
        int s = v->sizes[i];
        tfc__attr *a;
        if (arg->number_attr) {
            if ((a = find(v, arg->number_attr))) {
                if (a->v.i != s)
                    return err(v, TFC_INVALID_ARGUMENT,
                               "attr '%s' is %lld but input '%s' has %d tensors", arg->number_attr,
                               (long long)a->v.i, arg->name, s);
            } else {
                tfc__attr_value val = {.kind = TFC__AV_I, .i = s};
                if (put(v, arg->number_attr, &val)) return TFC_RESOURCE_EXHAUSTED;
            }
        }
        for (int k = 0; k < s; k++) {
            tfc_dtype dt = in_dtype(v->n, idx + k), base = tfc_dtype_base(dt);
            if (arg->is_ref && (int)dt <= TFC_DT_REF_OFFSET)
                return err(v, TFC_INVALID_ARGUMENT,
                           "input '%s' must be a reference (a variable's output), got %s",
                           arg->name, dts(dt, b1));
            if (arg->type_list_attr) continue;
            if (arg->type != TFC_DT_INVALID) {
                if (base != arg->type)
                    return err(v, TFC_INVALID_ARGUMENT, "input '%s' has dtype %s, expected %s",
                               arg->name, dts(dt, b1), dts(arg->type, b2));
                continue;
            }
            if ((a = find(v, arg->type_attr))) {
                if (a->v.type != base)
                    return err(v, TFC_INVALID_ARGUMENT,
                               "input '%s' has dtype %s, but attr '%s' is %s", arg->name,
                               dts(dt, b1), arg->type_attr, dts(a->v.type, b2));
            } else {
                tfc__attr_value val = {.kind = TFC__AV_TYPE, .type = base};
                if (put(v, arg->type_attr, &val)) return TFC_RESOURCE_EXHAUSTED;
            }
        }
        if (arg->type_list_attr) {
            if ((a = find(v, arg->type_list_attr))) {
                if (a->v.list->n_type != s)
                    return err(v, TFC_INVALID_ARGUMENT,
                               "attr '%s' lists %d types but input '%s' has %d tensors",
                               arg->type_list_attr, a->v.list->n_type, arg->name, s);
                for (int k = 0; k < s; k++)
                    if (tfc_dtype_base(in_dtype(v->n, idx + k)) != a->v.list->type[k])
                        return err(v, TFC_INVALID_ARGUMENT,
                                   "input '%s' tensor %d has dtype %s, but attr '%s' says %s",
                                   arg->name, k, dts(in_dtype(v->n, idx + k), b1),
                                   arg->type_list_attr, dts(a->v.list->type[k], b2));
            } else {
                tfc__attr_value val = {.kind = TFC__AV_LIST};
                if (!(val.list = tfc_calloc(1, sizeof *val.list)) ||
                    (s && !(val.list->type = tfc_calloc((size_t)s, sizeof *val.list->type)))) {
                    tfc__attr_value_clear(&val);
                    return oom(v);
                }
                val.list->n_type = s;
                for (int k = 0; k < s; k++)
                    val.list->type[k] = tfc_dtype_base(in_dtype(v->n, idx + k));
                if (put(v, arg->type_list_attr, &val)) return TFC_RESOURCE_EXHAUSTED;
            }
        }
        idx += s;
    }
    return TFC_OK;
}

static bool type_allowed(const tfc_attr_def *d, tfc_dtype dt) {
    if (!d->num_allowed_types) return true;
    for (int k = 0; k < d->num_allowed_types; k++)
        if (d->allowed_types[k] == dt) return true;
    return false;
}

static tfc_code check_type(vctx *v, const tfc_attr_def *d, tfc_dtype dt) {
    char b1[24], list[TFC_STATUS_MSG_MAX / 2];
    if (!tfc_dtype_is_valid(dt) || (int)dt > TFC_DT_REF_OFFSET)
        return err(v, TFC_UNIMPLEMENTED, "attr '%s' is %s, a dtype tfc does not support", d->name,
                   dts(dt, b1));
    if (type_allowed(d, dt)) return TFC_OK;
    size_t len = 0;
    list[0] = '\0';
    for (int k = 0; k < d->num_allowed_types && len < sizeof list; k++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                                dts(d->allowed_types[k], b1));
    return err(v, TFC_INVALID_ARGUMENT, "attr '%s' = %s is not allowed (allowed: %s)", d->name,
               dts(dt, b1), list);
}

static tfc_code check_string(vctx *v, const tfc_attr_def *d, const char *s) {
    if (!d->num_allowed_strings) return TFC_OK;
    for (int k = 0; k < d->num_allowed_strings; k++)
        if (!strcmp(d->allowed_strings[k], s)) return TFC_OK;
    return err(v, TFC_INVALID_ARGUMENT, "attr '%s' = '%s' is not one of the allowed values",
               d->name, s);
}

/* Defaults for what is still missing, then every declared attr present and within its limits. */
static tfc_code complete_and_check(vctx *v) {
    for (int k = 0; k < v->op->num_attrs; k++) {
        const tfc_attr_def *d = &v->op->attrs[k];
        tfc__attr *a = find(v, d->name);
        if (!a && d->default_text) {
            tfc__attr_value val;
            tfc_status st;
            if (tfc__attr_parse_default(d, &val, &st)) return err(v, st.code, "%s", st.msg);
            if (put(v, d->name, &val)) return TFC_RESOURCE_EXHAUSTED;
            a = find(v, d->name);
        }
        if (!a) return err(v, TFC_INVALID_ARGUMENT, "missing required attr '%s'", d->name);
        const tfc__attr_value *val = &a->v;
        tfc_code c = TFC_OK;
        int64_t len = -1;
        switch (d->kind) {
        case TFC_ATTR_TYPE:
            c = check_type(v, d, val->type);
            break;
        case TFC_ATTR_STRING:
            c = check_string(v, d, val->s.p);
            break;
        case TFC_ATTR_INT:
            if (d->has_minimum && val->i < d->minimum)
                c = err(v, TFC_INVALID_ARGUMENT, "attr '%s' = %lld is below its minimum %lld",
                        d->name, (long long)val->i, (long long)d->minimum);
            break;
        case TFC_ATTR_LIST_TYPE:
            for (int j = 0; j < val->list->n_type && !c; j++)
                c = check_type(v, d, val->list->type[j]);
            len = val->list->n_type;
            break;
        case TFC_ATTR_LIST_STRING:
            for (int j = 0; j < val->list->n_s && !c; j++)
                c = check_string(v, d, val->list->s[j].p);
            len = val->list->n_s;
            break;
        case TFC_ATTR_LIST_INT:
            len = val->list->n_i;
            break;
        case TFC_ATTR_LIST_FLOAT:
            len = val->list->n_f;
            break;
        case TFC_ATTR_LIST_BOOL:
            len = val->list->n_b;
            break;
        case TFC_ATTR_LIST_SHAPE:
            len = val->list->n_shape;
            break;
        default:
            break;
        }
        if (c) return c;
        if (len >= 0 && d->has_minimum && len < d->minimum)
            return err(v, TFC_INVALID_ARGUMENT,
                       "attr '%s' has %lld values, fewer than its minimum %lld", d->name,
                       (long long)len, (long long)d->minimum);
    }
    return TFC_OK;
}

/* Output dtypes from the signature and the (now complete) attrs. */
static tfc_code outputs(vctx *v) {
    const tfc_op_def *op = v->op;
    int64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        int idx = 0;
        for (int i = 0; i < op->num_outputs; i++) {
            const tfc_arg_def *arg = &op->outputs[i];
            int64_t s = 1;
            const tfc__attr *a = NULL;
            if (arg->number_attr) s = find(v, arg->number_attr)->v.i;
            if (arg->type_list_attr) a = find(v, arg->type_list_attr), s = a->v.list->n_type;
            if (pass == 0) {
                if (s < 0 || s > MAX_LIST || (total += s) > MAX_LIST)
                    return err(v, TFC_INVALID_ARGUMENT, "output '%s' would have %lld tensors",
                               arg->name, (long long)s);
                continue;
            }
            for (int k = 0; k < s; k++) {
                tfc_dtype dt = a                             ? a->v.list->type[k]
                               : arg->type != TFC_DT_INVALID ? arg->type
                                                             : find(v, arg->type_attr)->v.type;
                v->n->out_dtypes[idx++] =
                    arg->is_ref ? (tfc_dtype)((int)dt + TFC_DT_REF_OFFSET) : dt;
            }
        }
        if (pass == 0) {
            v->n->num_outputs = (int)total;
            size_t cnt = total ? (size_t)total : 1;
            if (!(v->n->out_dtypes = tfc_calloc(cnt, sizeof *v->n->out_dtypes)) ||
                !(v->n->out_shapes = tfc_calloc(cnt, sizeof *v->n->out_shapes)))
                return oom(v);
        }
    }
    return TFC_OK;
}

static tfc_code validate(vctx *v, const int *groups, int n_groups) {
    tfc_code c;
    if ((c = check_declared(v)) || (c = arg_sizes(v, groups, n_groups)) || (c = infer(v)) ||
        (c = complete_and_check(v)) || (c = outputs(v)))
        return c;
    return tfc__shape_infer(v->n, v->st);
}

tfc_code tfc__node_make(tfc_graph *g, tfc__pending *p, tfc_node **out, tfc_status *st) {
    tfc_code c = TFC_OK;
    *out = NULL;
    tfc_node *n = tfc_calloc(1, sizeof *n);
    if (!n || !(n->device = p->device ? p->device : tfc_strdup(""))) {
        tfc_free(n);
        tfc__pending_clear(p);
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory making a node");
    }
    n->graph = g;
    n->name = p->name, n->op_name = p->op;
    n->inputs = p->inputs, n->num_inputs = p->n_inputs;
    tfc__pending_unique_ctrl(p);
    n->ctrl = p->ctrl, n->num_ctrl = p->n_ctrl;
    n->attrs = p->attrs, n->num_attrs = p->n_attrs;
    vctx v = {.n = n, .st = st, .cap_attrs = p->cap_attrs};
    int *groups = p->groups, n_groups = p->n_groups;
    memset(p, 0, sizeof *p); /* everything moved to n or taken above */

    if (!(v.op = n->op = tfc__op_lookup(n->op_name))) {
        c = tfc_status_set(st, TFC_UNIMPLEMENTED, "op '%s' (node '%s') is not supported by tfc",
                           n->op_name, n->name);
    } else if (tfc__strmap_get(&g->by_name, n->name, NULL)) {
        c = err(&v, TFC_INVALID_ARGUMENT, "a node named '%s' already exists", n->name);
    } else if (!(c = validate(&v, groups, n_groups))) {
        c = tfc__graph_reserve(g, 1, st);
    }
    tfc_free(groups);
    tfc_free(v.sizes);
    if (c) {
        tfc__node_free(n);
        return c;
    }
    tfc__graph_append(g, n);
    *out = n;
    return TFC_OK;
}
