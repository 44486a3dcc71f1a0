/* What the optimizers build on: small graph helpers, slot-style variables, the global step
 * (tf.train.get_or_create_global_step) and tf.clip_by_global_norm. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "train/optimizer_int.h"

/* ---- Helpers ---- */

tfc_code tfc__opt_fail(tfc_graph *g, tfc_status *st, tfc_code code, const char *fmt, ...) {
    char msg[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tfc_graph_fail(g, code, "%s", msg);
    return tfc_graph_status(g, st);
}

tfc_node *tfc__opt_node(tfc_graph *g, const char *op, const char *name, const tfc_out *in, int n) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    return tfc_node_finish(b);
}

tfc_out tfc__opt_op(tfc_graph *g, const char *op, const char *name, const tfc_out *in, int n) {
    return tfc_node_output(tfc__opt_node(g, op, name, in, n), 0);
}

tfc_out tfc__opt_const(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                       double v) {
    tfc_tensor *t;
    tfc_status st;
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    if (tfc_tensor_new(dt, shape, &t, &st) != TFC_OK) {
        tfc_graph_fail(g, st.code, "%s", st.msg);
        return (tfc_out){NULL, 0};
    }
    int64_t n = tfc_tensor_num_elements(t);
    void *p = tfc_tensor_data(t);
    for (int64_t i = 0; i < n; i++) switch (dt) {
        case TFC_DT_FLOAT:
            ((float *)p)[i] = (float)v;
            break;
        case TFC_DT_DOUBLE:
            ((double *)p)[i] = v;
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)v;
            break;
        default:
            ((int64_t *)p)[i] = (int64_t)v;
            break;
        }
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}

tfc_out tfc__opt_cast(tfc_graph *g, tfc_out x, tfc_dtype dt) {
    if (!x.node || tfc_dtype_base(tfc_out_dtype(x)) == dt) return x;
    tfc_node_builder *b = tfc_node_begin(g, "Cast", NULL);
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "DstT", dt);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* TF's array_ops.zeros / fill for an initializer: a Const for small shapes, Fill for large ones
 * (a graph holding a 12 MB Const per slot would be a 12 MB GraphDef). */
static tfc_out initial_value(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                             double value) {
    int64_t n = tfc_shape_num_elements(shape);
    if (n < 1000) return tfc__opt_const(g, name, dt, shape, value);
    /* The Fill is named after the scope its inputs are in: "zeros", "zeros/shape_as_tensor". */
    const char *scope = tfc_graph_push_scope(g, name);
    char exact[1024];
    if (!scope) return (tfc_out){NULL, 0};
    snprintf(exact, sizeof exact, "%s/", scope);
    bool wide = false;
    for (int i = 0; i < shape->rank; i++) wide |= shape->dims[i] > INT32_MAX;
    tfc_tensor *dims;
    tfc_status st;
    tfc_shape ds = tfc_shape_make(1, (int64_t[]){shape->rank});
    if (tfc_tensor_new(wide ? TFC_DT_INT64 : TFC_DT_INT32, &ds, &dims, &st) != TFC_OK) {
        tfc_graph_fail(g, st.code, "%s", st.msg);
        tfc_graph_pop_scope(g);
        return (tfc_out){NULL, 0};
    }
    for (int i = 0; i < shape->rank; i++)
        if (wide)
            ((int64_t *)tfc_tensor_data(dims))[i] = shape->dims[i];
        else
            ((int32_t *)tfc_tensor_data(dims))[i] = (int32_t)shape->dims[i];
    tfc_out d = tfc_const(g, "shape_as_tensor", dims);
    tfc_tensor_unref(dims);
    tfc_out v = tfc__opt_const(g, "Const", dt, &(tfc_shape){0}, value);
    tfc_graph_pop_scope(g);
    tfc_node_builder *b = tfc_node_begin(g, "Fill", exact);
    tfc_node_add_input(b, d);
    tfc_node_add_input(b, v);
    tfc_node_set_attr_type(b, "index_type", wide ? TFC_DT_INT64 : TFC_DT_INT32);
    return tfc_node_output(tfc_node_finish(b), 0);
}

tfc_var tfc__opt_make_variable(tfc_graph *g, const char *base, bool resource, tfc_dtype dt,
                               const tfc_shape *shape, double value, const char *init_scope,
                               const char *init_name) {
    tfc_var none = {{NULL, 0}, {NULL, 0}, NULL};
    if (!tfc_shape_is_fully_defined(shape)) {
        char s[96];
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "cannot create variable '%s': shape %s is not fully defined", base,
                       tfc_shape_to_string(shape, s, sizeof s));
        return none;
    }
    if (!tfc_graph_push_scope(g, "")) return none; /* slots live at the top, as TF's */
    const char *full = tfc_graph_unique_name(g, base);
    char exact[1024];
    tfc_var v = none;
    if (full && (size_t)snprintf(exact, sizeof exact, "%s/", full) < sizeof exact &&
        tfc_graph_push_scope(g, exact)) {
        bool sub = init_scope && tfc_graph_push_scope(g, init_scope);
        tfc_out init = initial_value(g, init_name, dt, shape, value);
        if (sub) tfc_graph_pop_scope(g);
        tfc_graph_pop_scope(g);
        v = resource ? tfc_resource_variable(g, exact, init, false)
                     : tfc_variable(g, exact, init, false);
    } else if (full) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "variable name '%s' is too long", full);
    }
    tfc_graph_pop_scope(g);
    return v;
}

/* ---- The global step ---- */

static bool is_variable_node(const tfc_node *n) {
    return n && (!strcmp(tfc_node_op(n), "VariableV2") || !strcmp(tfc_node_op(n), "VarHandleOp"));
}

static bool is_integer(tfc_dtype dt) {
    switch (tfc_dtype_base(dt)) {
    case TFC_DT_INT8:
    case TFC_DT_INT16:
    case TFC_DT_INT32:
    case TFC_DT_INT64:
    case TFC_DT_UINT8:
    case TFC_DT_UINT16:
    case TFC_DT_UINT32:
    case TFC_DT_UINT64:
        return true;
    default:
        return false;
    }
}

/* The node named "<var>/<suffix>" when it is an op of type op reading var, else NULL. */
static tfc_node *part_of(tfc_graph *g, const tfc_node *var, const char *suffix, const char *op) {
    char name[1024];
    snprintf(name, sizeof name, "%s/%s", tfc_node_name(var), suffix);
    tfc_node *n = tfc_graph_find(g, name);
    return n && !strcmp(tfc_node_op(n), op) && tfc_node_num_inputs(n) > 0 &&
                   tfc_node_input(n, 0).node == var
               ? n
               : NULL;
}

tfc_var tfc_train_get_global_step(tfc_graph *g) {
    tfc_var v = {{NULL, 0}, {NULL, 0}, NULL};
    if (tfc_graph_status(g, NULL) != TFC_OK) return v;
    tfc_out items[2];
    int n = tfc_graph_get_collection(g, TFC_GLOBAL_STEP, NULL, items, 2);
    if (n > 1) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "Multiple tensors in global_step collection.");
        return v;
    }
    tfc_out step = n == 1 ? items[0] : tfc_node_output(tfc_graph_find(g, "global_step"), 0);
    if (!step.node) return v;
    tfc_node *node = step.node;
    tfc_dtype dt = TFC_DT_INVALID;
    tfc_shape shape = tfc_shape_unknown();
    tfc_node_attr_type(node, "dtype", &dt, NULL);
    tfc_node_attr_shape(node, "shape", &shape, NULL);
    char s[96];
    if (!is_variable_node(node)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "Existing \"global_step\" must be a variable: node '%s' is a %s",
                       tfc_node_name(node), tfc_node_op(node));
    } else if (!is_integer(dt)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "Existing \"global_step\" does not have integer type: %s",
                       tfc_dtype_name(dt));
    } else if (shape.rank != 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "Existing \"global_step\" is not scalar: %s",
                       tfc_shape_to_string(&shape, s, sizeof s));
    }
    if (tfc_graph_status(g, NULL) != TFC_OK) return v;
    bool resource = !strcmp(tfc_node_op(node), "VarHandleOp");
    v.ref = step;
    tfc_node *read = resource ? part_of(g, node, "Read/ReadVariableOp", "ReadVariableOp")
                              : part_of(g, node, "read", "Identity");
    v.value = tfc_node_output(read, 0);
    v.initializer = part_of(g, node, "Assign", resource ? "AssignVariableOp" : "Assign");
    return v;
}

tfc_var tfc_train_get_or_create_global_step(tfc_graph *g) {
    tfc_var v = tfc_train_get_global_step(g);
    if (v.ref.node || tfc_graph_status(g, NULL) != TFC_OK) return v;
    v = tfc__opt_make_variable(g, TFC_GLOBAL_STEP, false, TFC_DT_INT64, &(tfc_shape){0}, 0,
                               "Initializer", "zeros");
    if (v.ref.node) tfc_graph_add_to_collection(g, TFC_GLOBAL_STEP, v.ref);
    return v;
}

/* ---- tf.clip_by_global_norm ---- */

tfc_code tfc_clip_by_global_norm(tfc_graph *g, const tfc_out *t_list, int n, double clip_norm,
                                 tfc_out *clipped, tfc_out *global_norm, tfc_status *st) {
    for (int i = 0; i < n; i++) clipped[i] = (tfc_out){NULL, 0};
    if (global_norm) *global_norm = (tfc_out){NULL, 0};
    if (tfc_graph_status(g, st) != TFC_OK) return st ? st->code : TFC_FAILED_PRECONDITION;
    if (!(clip_norm > 0))
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "clip_by_global_norm: clip_norm must be positive, got %g", clip_norm);
    tfc_dtype dt = TFC_DT_INVALID;
    int present = 0;
    for (int i = 0; i < n; i++) {
        if (!t_list[i].node) continue;
        tfc_dtype d = tfc_dtype_base(tfc_out_dtype(t_list[i]));
        if (d != TFC_DT_FLOAT && d != TFC_DT_DOUBLE)
            return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                                 "clip_by_global_norm: '%s:%d' is %s; expected float32 or float64",
                                 tfc_node_name(t_list[i].node), t_list[i].index, tfc_dtype_name(d));
        if (present++ && d != dt)
            return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                                 "clip_by_global_norm: the tensors' dtypes differ (%s and %s at "
                                 "'%s:%d')",
                                 tfc_dtype_name(dt), tfc_dtype_name(d),
                                 tfc_node_name(t_list[i].node), t_list[i].index);
        dt = d;
    }
    if (!present)
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "clip_by_global_norm: no tensors to clip (every entry is empty)");
    tfc_out *sums = tfc_malloc((size_t)present * sizeof *sums);
    if (!sums)
        return tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory in clip_by_global_norm");
    if (tfc_graph_push_scope(g, "clip_by_global_norm")) {
        tfc_tensor *m1 = tfc_tensor_scalar_int32(-1), *zero = tfc_tensor_scalar_int32(0);
        tfc_shape vec = tfc_shape_make(1, (int64_t[]){1});
        tfc_tensor *flat_shape = NULL, *axis = NULL;
        if (m1 && zero && tfc_tensor_reshape(m1, &vec, &flat_shape, NULL) == TFC_OK &&
            tfc_tensor_reshape(zero, &vec, &axis, NULL) == TFC_OK) {
            tfc_out shape_c = tfc_const(g, "Reshape/shape", flat_shape);
            tfc_out axis_c = tfc_const(g, "Const", axis);
            /* The sum of squares of every element of every tensor. */
            for (int i = 0, k = 0; i < n; i++) {
                if (!t_list[i].node) continue;
                tfc_out sq = tfc__opt_op(g, "Square", NULL, &t_list[i], 1);
                tfc_out flat = tfc__opt_op(g, "Reshape", NULL, (tfc_out[]){sq, shape_c}, 2);
                sums[k++] = tfc__opt_op(g, "Sum", NULL, (tfc_out[]){flat, axis_c}, 2);
            }
            tfc_out total = sums[0];
            if (present > 1) {
                tfc_node_builder *b = tfc_node_begin(g, "AddN", NULL);
                tfc_node_add_input_list(b, sums, present);
                total = tfc_node_output(tfc_node_finish(b), 0);
            }
            tfc_out norm = tfc__opt_op(g, "Sqrt", "global_norm", &total, 1);
            tfc_shape sc = tfc_shape_scalar();
            tfc_out clip = tfc__opt_const(g, "clip_norm", dt, &sc, clip_norm);
            tfc_out one = tfc__opt_const(g, "truediv/x", dt, &sc, 1);
            tfc_out inv_norm = tfc__opt_op(g, "RealDiv", "truediv", (tfc_out[]){one, norm}, 2);
            tfc_out inv_clip = tfc__opt_op(g, "RealDiv", "truediv", (tfc_out[]){one, clip}, 2);
            tfc_out least = tfc__opt_op(g, "Minimum", NULL, (tfc_out[]){inv_norm, inv_clip}, 2);
            tfc_out finite = tfc__opt_op(g, "Mul", "mul", (tfc_out[]){clip, least}, 2);
            /* norm - norm is 0, or NaN when the norm is not finite: then so is every result. */
            tfc_out nan_if = tfc__opt_op(g, "Sub", "sub", (tfc_out[]){norm, norm}, 2);
            tfc_out scale = tfc__opt_op(g, "AddV2", "add", (tfc_out[]){finite, nan_if}, 2);
            for (int i = 0; i < n; i++) {
                if (!t_list[i].node) continue;
                char name[32];
                snprintf(name, sizeof name, "_%d", i);
                tfc_out scaled = tfc__opt_op(g, "Mul", "mul", (tfc_out[]){t_list[i], scale}, 2);
                clipped[i] = tfc__opt_op(g, "Identity", name, &scaled, 1);
            }
            if (global_norm) *global_norm = norm;
        } else {
            tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory in clip_by_global_norm");
        }
        tfc_tensor_unref(m1), tfc_tensor_unref(zero);
        tfc_tensor_unref(flat_shape), tfc_tensor_unref(axis);
        tfc_graph_pop_scope(g);
    }
    tfc_free(sums);
    tfc_code rc = tfc_graph_status(g, st);
    if (rc != TFC_OK) {
        for (int i = 0; i < n; i++) clipped[i] = (tfc_out){NULL, 0};
        if (global_norm) *global_norm = (tfc_out){NULL, 0};
    }
    return rc;
}
