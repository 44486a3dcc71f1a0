/* The node builder (tfc_node_begin ... tfc_node_finish), its attr setters, and the common nodes
 * built with it. Every call is a no-op once the graph holds an error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

struct tfc_node_builder {
    tfc_graph *g;
    bool dead; /* the shared builder handed out after an error: never written */
    tfc__pending p;
};

/* Returned when no real builder can be made; every call checks `dead` first. */
static tfc_node_builder dead_builder = {.dead = true};

/* ---- Pending nodes ---- */

void tfc__pending_clear(tfc__pending *p) {
    tfc_free(p->name), tfc_free(p->op), tfc_free(p->device);
    tfc_free(p->inputs), tfc_free(p->groups), tfc_free(p->ctrl);
    tfc__attrs_free(p->attrs, p->n_attrs);
    memset(p, 0, sizeof *p);
}

static bool grow(void **arr, int *cap, int n, size_t elem) {
    if (n < *cap) return true;
    int c = *cap ? 2 * *cap : 4;
    void *a = tfc_realloc(*arr, (size_t)c * elem);
    if (!a) return false;
    *arr = a, *cap = c;
    return true;
}

tfc_code tfc__pending_add_input(tfc__pending *p, tfc_out in) {
    if (!grow((void **)&p->inputs, &p->cap_inputs, p->n_inputs, sizeof *p->inputs))
        return TFC_RESOURCE_EXHAUSTED;
    p->inputs[p->n_inputs++] = in;
    return TFC_OK;
}

/* Duplicates are dropped by a linear check while the list is short; past that (a node with
 * thousands of control inputs in an imported graph) they are appended and removed once, sorted,
 * by tfc__pending_unique_ctrl, so building stays O(n log n), not O(n^2). */
#define CTRL_SCAN 32

tfc_code tfc__pending_add_ctrl(tfc__pending *p, tfc_node *n) {
    if (p->n_ctrl < CTRL_SCAN)
        for (int k = 0; k < p->n_ctrl; k++)
            if (p->ctrl[k] == n) return TFC_OK;
    if (!grow((void **)&p->ctrl, &p->cap_ctrl, p->n_ctrl, sizeof *p->ctrl))
        return TFC_RESOURCE_EXHAUSTED;
    p->ctrl[p->n_ctrl++] = n;
    return TFC_OK;
}

static int by_id(const void *a, const void *b) {
    int64_t x = (*(tfc_node *const *)a)->id, y = (*(tfc_node *const *)b)->id;
    return x < y ? -1 : x > y;
}

void tfc__pending_unique_ctrl(tfc__pending *p) {
    if (p->n_ctrl <= CTRL_SCAN) return; /* the scan kept it unique */
    /* Such long lists come out in creation order, not first-appearance order; nothing
     * (execution, export) depends on the order of control inputs. */
    qsort(p->ctrl, (size_t)p->n_ctrl, sizeof *p->ctrl, by_id);
    int k = 0;
    for (int i = 0; i < p->n_ctrl; i++)
        if (k == 0 || p->ctrl[k - 1] != p->ctrl[i]) p->ctrl[k++] = p->ctrl[i];
    p->n_ctrl = k;
}

/* ---- Builder ---- */

static bool live(const tfc_node_builder *b) {
    return b && !b->dead && b->g->status.code == TFC_OK;
}

static void fail(tfc_node_builder *b, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(tfc_node_builder *b, tfc_code code, const char *fmt, ...) {
    char msg[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tfc_graph_fail(b->g, code, "node '%s' (op '%s'): %s", b->p.name ? b->p.name : "?",
                   b->p.op ? b->p.op : "?", msg);
}

static void oom(tfc_node_builder *b) {
    fail(b, TFC_RESOURCE_EXHAUSTED, "out of memory");
}

tfc_node_builder *tfc_node_begin(tfc_graph *g, const char *op, const char *name) {
    if (!g || g->status.code) return &dead_builder;
    if (!op || !*op) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "tfc_node_begin: no op name");
        return &dead_builder;
    }
    const char *base = name && *name ? name : op;
    const char *full = tfc__node_full_name(g, base);
    if (!full) return &dead_builder;
    if (!tfc__valid_node_name(full)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "'%s' is not a valid node name (op '%s')", full,
                       op);
        return &dead_builder;
    }
    tfc_node_builder *b = tfc_calloc(1, sizeof *b);
    if (!b || !(b->p.name = tfc_strdup(full)) || !(b->p.op = tfc_strdup(op))) {
        if (b) tfc__pending_clear(&b->p);
        tfc_free(b);
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory starting node '%s'", full);
        return &dead_builder;
    }
    b->g = g;
    return b;
}

static bool check_input(tfc_node_builder *b, tfc_out in, int pos) {
    if (!in.node) {
        fail(b, TFC_INVALID_ARGUMENT, "input %d is empty ({NULL, 0})", pos);
        return false;
    }
    if (in.node->graph != b->g) {
        fail(b, TFC_INVALID_ARGUMENT, "input %d ('%s') belongs to another graph", pos,
             in.node->name);
        return false;
    }
    if (in.index < 0 || in.index >= in.node->num_outputs) {
        fail(b, TFC_INVALID_ARGUMENT, "input %d refers to output %d of '%s', which has %d outputs",
             pos, in.index, in.node->name, in.node->num_outputs);
        return false;
    }
    return true;
}

static void add_group(tfc_node_builder *b, int size) {
    if (!grow((void **)&b->p.groups, &b->p.cap_groups, b->p.n_groups, sizeof *b->p.groups)) {
        oom(b);
        return;
    }
    b->p.groups[b->p.n_groups++] = size;
}

void tfc_node_add_input(tfc_node_builder *b, tfc_out in) {
    if (!live(b) || !check_input(b, in, b->p.n_inputs)) return;
    if (tfc__pending_add_input(&b->p, in)) {
        oom(b);
        return;
    }
    add_group(b, -1);
}

void tfc_node_add_input_list(tfc_node_builder *b, const tfc_out *ins, int n) {
    if (!live(b)) return;
    if (n < 0 || (n > 0 && !ins)) {
        fail(b, TFC_INVALID_ARGUMENT, "bad input list (n = %d)", n);
        return;
    }
    for (int k = 0; k < n; k++) {
        if (!check_input(b, ins[k], b->p.n_inputs)) return;
        if (tfc__pending_add_input(&b->p, ins[k])) {
            oom(b);
            return;
        }
    }
    add_group(b, n);
}

void tfc_node_add_control_input(tfc_node_builder *b, tfc_node *n) {
    if (!live(b)) return;
    if (!n) {
        fail(b, TFC_INVALID_ARGUMENT, "control input is NULL");
        return;
    }
    if (n->graph != b->g) {
        fail(b, TFC_INVALID_ARGUMENT, "control input '%s' belongs to another graph", n->name);
        return;
    }
    if (tfc__pending_add_ctrl(&b->p, n)) oom(b);
}

void tfc_node_set_device(tfc_node_builder *b, const char *device) {
    if (!live(b)) return;
    tfc_free(b->p.device);
    b->p.device = NULL;
    if (device && *device && !(b->p.device = tfc_strdup(device))) oom(b);
}

static void put(tfc_node_builder *b, const char *name, tfc__attr_value *v) {
    if (!name || !*name) {
        tfc__attr_value_clear(v);
        {
            fail(b, TFC_INVALID_ARGUMENT, "attr with no name");
            return;
        }
    }
    if (tfc__attrs_put(&b->p.attrs, &b->p.n_attrs, &b->p.cap_attrs, name, v)) oom(b);
}

void tfc_node_set_attr_int(tfc_node_builder *b, const char *name, int64_t v) {
    if (!live(b)) return;
    tfc__attr_value a = {.kind = TFC__AV_I, .i = v};
    put(b, name, &a);
}

void tfc_node_set_attr_float(tfc_node_builder *b, const char *name, float v) {
    if (!live(b)) return;
    tfc__attr_value a = {.kind = TFC__AV_F, .f = v};
    put(b, name, &a);
}

void tfc_node_set_attr_bool(tfc_node_builder *b, const char *name, bool v) {
    if (!live(b)) return;
    tfc__attr_value a = {.kind = TFC__AV_B, .b = v};
    put(b, name, &a);
}

void tfc_node_set_attr_type(tfc_node_builder *b, const char *name, tfc_dtype v) {
    if (!live(b)) return;
    tfc__attr_value a = {.kind = TFC__AV_TYPE, .type = v};
    put(b, name, &a);
}

static bool copy_str(tfc__str *s, const void *data, size_t n) {
    if (!(s->p = tfc_malloc(n + 1))) return false;
    if (n) memcpy(s->p, data, n);
    s->p[n] = '\0', s->n = n;
    return true;
}

void tfc_node_set_attr_string(tfc_node_builder *b, const char *name, const void *s, size_t n) {
    if (!live(b)) return;
    if (!s && n) {
        fail(b, TFC_INVALID_ARGUMENT, "attr '%s': NULL string", name ? name : "");
        return;
    }
    tfc__attr_value a = {.kind = TFC__AV_S};
    if (!copy_str(&a.s, s, n)) {
        oom(b);
        return;
    }
    put(b, name, &a);
}

static bool check_shape(tfc_node_builder *b, const char *name, const tfc_shape *s) {
    tfc_status st;
    if (tfc_shape_check(s->rank, s->dims, &st) == TFC_OK) return true;
    fail(b, TFC_INVALID_ARGUMENT, "attr '%s': %s", name ? name : "", st.msg);
    return false;
}

void tfc_node_set_attr_shape(tfc_node_builder *b, const char *name, const tfc_shape *s) {
    if (!live(b)) return;
    tfc__attr_value a = {.kind = TFC__AV_SHAPE, .shape = s ? *s : tfc_shape_unknown()};
    if (s && !check_shape(b, name, s)) return;
    put(b, name, &a);
}

void tfc_node_set_attr_tensor(tfc_node_builder *b, const char *name, tfc_tensor *t) {
    if (!live(b)) return;
    if (!t) {
        fail(b, TFC_INVALID_ARGUMENT, "attr '%s': NULL tensor", name ? name : "");
        return;
    }
    tfc__attr_value a = {.kind = TFC__AV_TENSOR, .tensor = tfc_tensor_ref(t)};
    put(b, name, &a);
}

/* A list attr with n elements of one kind; *data gets the array to fill (NULL when n == 0). */
static bool new_list(tfc_node_builder *b, const char *name, int n, void *ptrs, size_t elem,
                     tfc__attr_value *a) {
    if (n < 0) {
        fail(b, TFC_INVALID_ARGUMENT, "attr '%s': list of %d values", name ? name : "", n);
        return false;
    }
    *a = (tfc__attr_value){.kind = TFC__AV_LIST};
    void **arr = ptrs;
    if (!(a->list = tfc_calloc(1, sizeof *a->list)) ||
        (n > 0 && !(*arr = tfc_calloc((size_t)n, elem)))) {
        tfc__attr_value_clear(a);
        oom(b);
        return false;
    }
    return true;
}

void tfc_node_set_attr_int_list(tfc_node_builder *b, const char *name, const int64_t *v, int n) {
    tfc__attr_value a;
    int64_t *arr = NULL;
    if (!live(b) || !new_list(b, name, n, &arr, sizeof *arr, &a)) return;
    if (n) memcpy(arr, v, (size_t)n * sizeof *arr);
    a.list->i = arr, a.list->n_i = n;
    put(b, name, &a);
}

void tfc_node_set_attr_float_list(tfc_node_builder *b, const char *name, const float *v, int n) {
    tfc__attr_value a;
    float *arr = NULL;
    if (!live(b) || !new_list(b, name, n, &arr, sizeof *arr, &a)) return;
    if (n) memcpy(arr, v, (size_t)n * sizeof *arr);
    a.list->f = arr, a.list->n_f = n;
    put(b, name, &a);
}

void tfc_node_set_attr_type_list(tfc_node_builder *b, const char *name, const tfc_dtype *v, int n) {
    tfc__attr_value a;
    tfc_dtype *arr = NULL;
    if (!live(b) || !new_list(b, name, n, &arr, sizeof *arr, &a)) return;
    if (n) memcpy(arr, v, (size_t)n * sizeof *arr);
    a.list->type = arr, a.list->n_type = n;
    put(b, name, &a);
}

void tfc_node_set_attr_shape_list(tfc_node_builder *b, const char *name, const tfc_shape *v,
                                  int n) {
    tfc__attr_value a;
    tfc_shape *arr = NULL;
    if (!live(b)) return;
    for (int k = 0; k < n; k++)
        if (!check_shape(b, name, &v[k])) return;
    if (!new_list(b, name, n, &arr, sizeof *arr, &a)) return;
    if (n) memcpy(arr, v, (size_t)n * sizeof *arr);
    a.list->shape = arr, a.list->n_shape = n;
    put(b, name, &a);
}

void tfc_node_set_attr_string_list(tfc_node_builder *b, const char *name, const char *const *v,
                                   int n) {
    tfc__attr_value a;
    tfc__str *arr = NULL;
    if (!live(b) || !new_list(b, name, n, &arr, sizeof *arr, &a)) return;
    a.list->s = arr;
    for (int k = 0; k < n; k++, a.list->n_s++) {
        const char *s = v[k] ? v[k] : "";
        if (!copy_str(&arr[k], s, strlen(s))) {
            tfc__attr_value_clear(&a);
            {
                oom(b);
                return;
            }
        }
    }
    put(b, name, &a);
}

/* tf.control_dependencies: each pushed frame adds its nodes as control inputs, unless a data input
 * was itself created inside that frame (it already carries them) or is one of them. */
static tfc_code add_frame_deps(tfc_node_builder *b) {
    const tfc_graph *g = b->g;
    for (int f = 0; f < g->n_ctrl; f++) {
        const tfc__ctrl_frame *fr = &g->ctrl[f];
        bool dominated = false;
        for (int k = 0; k < b->p.n_inputs && !dominated; k++)
            dominated = b->p.inputs[k].node->id >= fr->first_id;
        if (dominated) continue;
        for (int j = 0; j < fr->n; j++) {
            bool is_input = false;
            for (int k = 0; k < b->p.n_inputs && !is_input; k++)
                is_input = b->p.inputs[k].node == fr->nodes[j];
            if (!is_input && tfc__pending_add_ctrl(&b->p, fr->nodes[j]))
                return TFC_RESOURCE_EXHAUSTED;
        }
    }
    return TFC_OK;
}

tfc_node *tfc_node_finish(tfc_node_builder *b) {
    if (!b || b->dead) return NULL;
    tfc_graph *g = b->g;
    tfc_node *n = NULL;
    if (g->status.code == TFC_OK) {
        tfc_status st;
        if (add_frame_deps(b)) {
            oom(b);
        } else if (tfc__node_make(g, &b->p, &n, &st)) {
            tfc__graph_set_error(g, &st);
            n = NULL;
        }
    }
    tfc__pending_clear(&b->p);
    tfc_free(b);
    return n;
}

/* ---- Common nodes ---- */

tfc_out tfc_placeholder(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape) {
    tfc_node_builder *b = tfc_node_begin(g, "Placeholder", name);
    tfc_node_set_attr_type(b, "dtype", dt);
    if (shape) tfc_node_set_attr_shape(b, "shape", shape);
    return tfc_node_output(tfc_node_finish(b), 0);
}

tfc_out tfc_const(tfc_graph *g, const char *name, tfc_tensor *value) {
    tfc_node_builder *b = tfc_node_begin(g, "Const", name);
    if (live(b) && !value) fail(b, TFC_INVALID_ARGUMENT, "no value");
    if (value) {
        tfc_node_set_attr_tensor(b, "value", value);
        tfc_node_set_attr_type(b, "dtype", tfc_tensor_dtype(value));
    }
    return tfc_node_output(tfc_node_finish(b), 0);
}
