/* Graph-building helpers shared by the optimizer files (src/train/optimizer*.c). */
#ifndef TFC_OPTIMIZER_INT_H
#define TFC_OPTIMIZER_INT_H

#include "tfc/optimizers.h"

/* A node of op on inputs in[0..n) named name (NULL = the op's name), without attrs; NULL after a
 * graph error. */
tfc_node *tfc__opt_node(tfc_graph *g, const char *op, const char *name, const tfc_out *in, int n);
/* Output 0 of such a node. */
tfc_out tfc__opt_op(tfc_graph *g, const char *op, const char *name, const tfc_out *in, int n);
/* A Const of dt (float, double, int32 or int64) and shape, every element v, named name. */
tfc_out tfc__opt_const(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                       double v);
/* x cast to dt (x itself when it already has dt). */
tfc_out tfc__opt_cast(tfc_graph *g, tfc_out x, tfc_dtype dt);

/* A non-trainable variable at the top scope named `base` made unique ("w/Adam", then "w/Adam_1"),
 * as TF's slot_creator names slots: a resource variable when resource is true, else a VariableV2;
 * dtype dt, shape (fully defined), every element `value`. Its initial value is named
 * "<name>/<init_scope>/<init_name>" (init_scope NULL: "<name>/<init_name>"): a Const, or for 1000
 * elements or more a Fill ("<...>/shape_as_tensor", "<...>/Const"), as TF's zeros initializer
 * builds it. An empty tfc_var after a graph error. */
tfc_var tfc__opt_make_variable(tfc_graph *g, const char *base, bool resource, tfc_dtype dt,
                               const tfc_shape *shape, double value, const char *init_scope,
                               const char *init_name);

/* Records an error on g (unless it holds one) and returns g's status in st. */
tfc_code tfc__opt_fail(tfc_graph *g, tfc_status *st, tfc_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
