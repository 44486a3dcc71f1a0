/* tfc variables: TF1's tf.Variable and tf.global_variables_initializer on a graph, built from the
 * state ops (VariableV2, Assign, Identity; or, as resource variables, VarHandleOp,
 * AssignVariableOp, ReadVariableOp), named as TensorFlow names them, so a graph exported from tfc
 * reads in TF like one TF built.
 *
 *     tfc_tensor *zeros = ...;                                    // [784, 10] of 0.0f
 *     tfc_var w = tfc_variable(g, "w", tfc_const(g, "w/initial_value", zeros), true);
 *     tfc_out y = ...MatMul(x, w.value)...;                       // w.value is "w/read"
 *     tfc_node *init = tfc_global_variables_initializer(g);       // NoOp "init"
 *     tfc_session_run(s, NULL, 0, NULL, 0, NULL, &init, 1, &st);
 *
 * The values live in each session that runs the graph (include/tfc/session.h). Errors stick on
 * the graph like every builder's (a NULL node / {NULL, 0} outputs after one). */
#ifndef TFC_VARIABLES_H
#define TFC_VARIABLES_H

#include <stdbool.h>

#include "tfc/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A variable's parts. */
typedef struct tfc_var {
    tfc_out ref;           /* VariableV2's Ref(dtype) output, or VarHandleOp's resource handle:
                            * what Assign ops and optimizer updates take */
    tfc_out value;         /* the read: "<name>/read" (Identity), or "<name>/Read/ReadVariableOp" */
    tfc_node *initializer; /* "<name>/Assign": Assign, or AssignVariableOp */
} tfc_var;

/* tf.Variable(initial_value, name=name, trainable=trainable) of TF1: in name scope `name` (made
 * unique as TF does: "w", "w_1"; in the current scope), a VariableV2 named after the scope with
 * initial_value's dtype and shape, "<name>/Assign" and "<name>/read". ref goes in the
 * GLOBAL_VARIABLES collection, and in TRAINABLE_VARIABLES when trainable. initial_value's static
 * shape must be fully defined (TF's validate_shape); a graph error otherwise. */
tfc_var tfc_variable(tfc_graph *g, const char *name, tfc_out initial_value, bool trainable);
/* The same as a resource variable (TF2, and TF1's use_resource=True): VarHandleOp with
 * shared_name = its name, AssignVariableOp "<name>/Assign", ReadVariableOp
 * "<name>/Read/ReadVariableOp". */
tfc_var tfc_resource_variable(tfc_graph *g, const char *name, tfc_out initial_value,
                              bool trainable);

/* tf.global_variables_initializer(): a NoOp named "init" (made unique) with a control input on
 * the initializer of every variable in GLOBAL_VARIABLES (found as "<variable>/Assign", or else as
 * the first Assign / AssignVariableOp of it). FAILED_PRECONDITION on the graph, naming it, when a
 * variable has no initializer. NULL after a graph error. */
tfc_node *tfc_global_variables_initializer(tfc_graph *g);

#ifdef __cplusplus
}
#endif
#endif
