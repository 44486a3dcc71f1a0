/* The shape-inference context an op's shape function sees (op_def.h), and running it for a new
 * node. Input values known at build time come from Const nodes (through Identity) and from Shape
 * nodes whose input shape is fully defined. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph_int.h"

struct tfc_shape_ctx {
    tfc_node *node;
    tfc_tensor **values; /* computed input values (Shape of a known shape), owned */
    tfc_status st;
};

static const tfc_shape unknown_shape = {.rank = -1};

int tfc_shape_ctx_num_inputs(const tfc_shape_ctx *c) {
    return c->node->num_inputs;
}

tfc_dtype tfc_shape_ctx_input_dtype(const tfc_shape_ctx *c, int i) {
    if (i < 0 || i >= c->node->num_inputs) return TFC_DT_INVALID;
    tfc_out o = c->node->inputs[i];
    return o.node->out_dtypes[o.index];
}

const tfc_shape *tfc_shape_ctx_input_shape(const tfc_shape_ctx *c, int i) {
    if (i < 0 || i >= c->node->num_inputs) return &unknown_shape;
    tfc_out o = c->node->inputs[i];
    return &o.node->out_shapes[o.index];
}

/* The value of Shape(x) when x's shape is fully defined, as a new tensor. */
static tfc_tensor *shape_value(const tfc_node *shape_node) {
    tfc_out in = shape_node->inputs[0];
    const tfc_shape *s = &in.node->out_shapes[in.index];
    if (!tfc_shape_is_fully_defined(s)) return NULL;
    tfc_dtype dt = shape_node->out_dtypes[0];
    tfc_shape vs = tfc_shape_make(1, (int64_t[]){s->rank});
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &vs, &t, NULL)) return NULL;
    for (int k = 0; k < s->rank; k++) {
        if (dt == TFC_DT_INT64)
            ((int64_t *)tfc_tensor_data(t))[k] = s->dims[k];
        else
            ((int32_t *)tfc_tensor_data(t))[k] = (int32_t)s->dims[k];
    }
    return t;
}

const tfc_tensor *tfc_shape_ctx_input_value(const tfc_shape_ctx *c, int i) {
    if (i < 0 || i >= c->node->num_inputs) return NULL;
    if (c->values && c->values[i]) return c->values[i];
    const tfc_node *src = c->node->inputs[i].node;
    for (int hops = 0; hops < 64 && !strcmp(src->op_name, "Identity"); hops++)
        src = src->inputs[0].node;
    if (!strcmp(src->op_name, "Const")) {
        const tfc__attr *a = tfc__attrs_find(src->attrs, src->num_attrs, "value");
        return a && a->v.kind == TFC__AV_TENSOR ? a->v.tensor : NULL;
    }
    if (!strcmp(src->op_name, "Shape") && src->num_inputs == 1) {
        tfc_shape_ctx *mc = (tfc_shape_ctx *)c; /* the cache is not part of the observable state */
        if (!mc->values &&
            !(mc->values = tfc_calloc((size_t)c->node->num_inputs, sizeof *mc->values)))
            return NULL;
        return mc->values[i] = shape_value(src);
    }
    return NULL;
}

const tfc_node *tfc_shape_ctx_node(const tfc_shape_ctx *c) {
    return c->node;
}

int tfc_shape_ctx_num_outputs(const tfc_shape_ctx *c) {
    return c->node->num_outputs;
}

void tfc_shape_ctx_set_output(tfc_shape_ctx *c, int i, const tfc_shape *s) {
    if (i < 0 || i >= c->node->num_outputs || !s) return;
    if (tfc_shape_check(s->rank, s->dims, NULL)) {
        tfc_shape_ctx_fail(c, "output %d gets an invalid shape (rank %d)", i, s->rank);
        return;
    }
    c->node->out_shapes[i] = *s;
}

tfc_code tfc_shape_ctx_fail(tfc_shape_ctx *c, const char *fmt, ...) {
    if (c->st.code == TFC_OK) {
        va_list ap;
        va_start(ap, fmt);
        c->st.code = TFC_INVALID_ARGUMENT;
        vsnprintf(c->st.msg, sizeof c->st.msg, fmt, ap);
        va_end(ap);
    }
    return TFC_INVALID_ARGUMENT;
}

tfc_code tfc__shape_infer(tfc_node *n, tfc_status *st) {
    for (int k = 0; k < n->num_outputs; k++) n->out_shapes[k] = unknown_shape;
    tfc_shape_fn fn = n->op->spec->shape;
    if (!fn) return TFC_OK;
    tfc_shape_ctx c = {.node = n};
    tfc_code code = fn(&c);
    if (c.values)
        for (int k = 0; k < n->num_inputs; k++) tfc_tensor_unref(c.values[k]);
    tfc_free(c.values);
    if (code == TFC_OK && c.st.code == TFC_OK) return TFC_OK;
    if (c.st.code == TFC_OK) tfc_status_set(&c.st, code, "the shape function failed");
    char shapes[256], one[96];
    size_t len = 0;
    shapes[0] = '\0';
    for (int k = 0; k < n->num_inputs && len < sizeof shapes; k++)
        len += (size_t)snprintf(
            shapes + len, sizeof shapes - len, "%s%s", k ? ", " : "",
            tfc_shape_to_string(tfc_shape_ctx_input_shape(&c, k), one, sizeof one));
    return tfc_status_set(st, c.st.code, "node '%s' (op '%s'): %s (input shapes: %s)", n->name,
                          n->op_name, c.st.msg, n->num_inputs ? shapes : "none");
}
