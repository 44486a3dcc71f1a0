/* Small graph-building helpers shared by the train part's builders (losses, metrics, schedules):
 * a node from an op name and inputs, and constants whose allocation failure stays on the graph. */
#ifndef TFC_TRAIN_BUILD_INT_H
#define TFC_TRAIN_BUILD_INT_H

#include "tfc/graph.h"

static inline tfc_out tfc__none(void) {
    return (tfc_out){NULL, 0};
}

static inline bool tfc__failed(tfc_graph *g) {
    return tfc_graph_status(g, NULL) != TFC_OK;
}

/* A node of op with inputs in[0..n), named `name` (a name ending in '/' is exact). */
static inline tfc_out tfc__op_n(tfc_graph *g, const char *op, const char *name, const tfc_out *in,
                                int n) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    return tfc_node_output(tfc_node_finish(b), 0);
}
static inline tfc_out tfc__op1(tfc_graph *g, const char *op, const char *name, tfc_out a) {
    return tfc__op_n(g, op, name, &a, 1);
}
static inline tfc_out tfc__op2(tfc_graph *g, const char *op, const char *name, tfc_out a,
                               tfc_out b) {
    return tfc__op_n(g, op, name, (tfc_out[]){a, b}, 2);
}

/* A Const of t (consumed; NULL after an allocation failure fails the graph). */
static inline tfc_out tfc__konst(tfc_graph *g, const char *name, tfc_tensor *t) {
    if (!t) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a constant");
        return tfc__none();
    }
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}

/* A float32 scalar Const. */
static inline tfc_out tfc__fconst(tfc_graph *g, const char *name, double v) {
    return tfc__konst(g, name, tfc_tensor_scalar_float((float)v));
}

#endif
