/* tf.contrib.layers' l1_regularizer, l2_regularizer and l1_l2_regularizer, with their node names;
 * L2Loss is spelled out as sum(Square(w)) * 0.5 because tfc has no L2Loss op. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static tfc_out none(void) {
    return (tfc_out){NULL, 0};
}

/* reduce_sum over every axis: Sum(x, Const [0, ..., rank-1]). */
static tfc_out sum_all(tfc_graph *g, tfc_out x) {
    const tfc_shape *s = tfc_out_shape(x);
    int rank = s ? s->rank : -1;
    if (rank < 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: the weights' rank is unknown",
                       tfc_graph_scope(g));
        return none();
    }
    int64_t axes[TFC_MAX_RANK];
    for (int i = 0; i < rank; i++) axes[i] = i;
    return tfc__op2(g, "Sum", "Sum", x, tfc__const_i32(g, "Const", axes, rank));
}

/* A regularizer's scale: false (no loss, no error) when disabled by zero; a graph error when
 * unset or negative. */
static bool scale_ok(tfc_graph *g, const char *what, float scale, float def, double *out) {
    if (!tfc__fset(scale) && def == 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: %s needs a scale", tfc_graph_scope(g), what);
        return false;
    }
    *out = tfc__fval(scale, def);
    if (*out < 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: Setting a scale less than 0 on a regularizer: %g", tfc_graph_scope(g),
                       *out);
        return false;
    }
    return *out > 0;
}

/* scope_name (TF's scope argument) or the regularizer's own name as the name scope; the result
 * is the Mul named after it: scale * f(w). */
static tfc_out scaled(tfc_graph *g, const char *scope_name, bool l2, double scale, tfc_out w) {
    const char *scope = tfc_graph_push_scope(g, scope_name);
    if (!scope) return none();
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(w));
    tfc_out my_scale = tfc__const_scalar(g, "scale", dt, scale);
    tfc_out term;
    char buf[1024];
    if (l2) {
        const char *inner = tfc_graph_push_scope(g, "L2Loss");
        tfc_out half_sum = none();
        if (inner) {
            tfc_out ss = sum_all(g, tfc__op1(g, "Square", "Square", w));
            half_sum = tfc__op2(g, "Mul", tfc__exact(inner, buf, sizeof buf), ss,
                                tfc__const_scalar(g, "half", dt, 0.5));
            tfc_graph_pop_scope(g);
        }
        term = half_sum;
    } else {
        term = sum_all(g, tfc__op1(g, "Abs", "Abs", w));
    }
    tfc_out out = tfc__op2(g, "Mul", tfc__exact(scope, buf, sizeof buf), my_scale, term);
    tfc_graph_pop_scope(g);
    return out;
}

tfc_out tfc_layers_regularization(tfc_layers *L, const tfc_regularizer *r, tfc_out w) {
    tfc_graph *g = L->g;
    if (!r || r->kind == TFC_REG_UNSET || r->kind == TFC_REG_NONE) return none();
    if (!tfc__need_float(g, "regularizer", w)) return none();
    double s1 = 0, s2 = 0;
    switch (r->kind) {
    case TFC_REG_L1:
        return scale_ok(g, "l1_regularizer", r->l1, 0, &s1)
                   ? scaled(g, "l1_regularizer", false, s1, w)
                   : none();
    case TFC_REG_L2:
        return scale_ok(g, "l2_regularizer", r->l2, 0, &s2)
                   ? scaled(g, "l2_regularizer", true, s2, w)
                   : none();
    case TFC_REG_L1_L2: {
        bool on1 = scale_ok(g, "l1_l2_regularizer", r->l1, 1.0f, &s1);
        bool on2 = scale_ok(g, "l1_l2_regularizer", r->l2, 1.0f, &s2);
        if (tfc_graph_status(g, NULL) != TFC_OK || (!on1 && !on2)) return none();
        /* TF: with one scale zero, the other regularizer alone under the l1_l2 name. */
        if (!on2) return scaled(g, "l1_l2_regularizer", false, s1, w);
        if (!on1) return scaled(g, "l1_l2_regularizer", true, s2, w);
        const char *scope = tfc_graph_push_scope(g, "l1_l2_regularizer");
        if (!scope) return none();
        tfc_out parts[2] = {scaled(g, "l1_regularizer", false, s1, w),
                            scaled(g, "l2_regularizer", true, s2, w)};
        char buf[1024];
        tfc_node_builder *b = tfc_node_begin(g, "AddN", tfc__exact(scope, buf, sizeof buf));
        tfc_node_add_input_list(b, parts, 2);
        tfc_out out = tfc_node_output(tfc_node_finish(b), 0);
        tfc_graph_pop_scope(g);
        return out;
    }
    default:
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: unknown regularizer kind %d",
                       tfc_graph_scope(g), (int)r->kind);
        return none();
    }
}
