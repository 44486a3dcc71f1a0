/* TF1-style variable builders (include/tfc/variables.h) over the graph's public API. */
#include <stdio.h>
#include <string.h>

#include "tfc/variables.h"

static tfc_var none(void) {
    return (tfc_var){{NULL, 0}, {NULL, 0}, NULL};
}

/* The dtype and fully defined shape of an initial value, or a graph error. */
static bool init_signature(tfc_graph *g, const char *name, tfc_out init, tfc_dtype *dt,
                           tfc_shape *s) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return false;
    if (!init.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "variable '%s': no initial value", name);
        return false;
    }
    *dt = tfc_dtype_base(tfc_out_dtype(init));
    *s = *tfc_out_shape(init);
    if (!tfc_shape_is_fully_defined(s)) {
        char buf[128];
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "variable '%s': the initial value's shape %s is not fully defined", name,
                       tfc_shape_to_string(s, buf, sizeof buf));
        return false;
    }
    return true;
}

static void add_to_collections(tfc_graph *g, tfc_out ref, bool trainable) {
    tfc_graph_add_to_collection(g, TFC_GLOBAL_VARIABLES, ref);
    if (trainable) tfc_graph_add_to_collection(g, TFC_TRAINABLE_VARIABLES, ref);
}

/* "<scope>/": the exact name of the node that is named after its scope (as TF names variables). */
static const char *exact(const char *scope, char *buf, size_t n) {
    snprintf(buf, n, "%s/", scope);
    return buf;
}

tfc_var tfc_variable(tfc_graph *g, const char *name, tfc_out init, bool trainable) {
    tfc_dtype dt;
    tfc_shape shape;
    if (!init_signature(g, name, init, &dt, &shape)) return none();
    const char *scope = tfc_graph_push_scope(g, name);
    if (!scope) return none();
    char buf[1024];
    tfc_var v = none();
    tfc_node_builder *b = tfc_node_begin(g, "VariableV2", exact(scope, buf, sizeof buf));
    tfc_node_set_attr_shape(b, "shape", &shape);
    tfc_node_set_attr_type(b, "dtype", dt);
    v.ref = tfc_node_output(tfc_node_finish(b), 0);
    b = tfc_node_begin(g, "Assign", "Assign");
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, init);
    v.initializer = tfc_node_finish(b);
    b = tfc_node_begin(g, "Identity", "read");
    tfc_node_add_input(b, v.ref);
    v.value = tfc_node_output(tfc_node_finish(b), 0);
    tfc_graph_pop_scope(g);
    if (tfc_graph_status(g, NULL) != TFC_OK) return none();
    add_to_collections(g, v.ref, trainable);
    return v;
}

tfc_var tfc_resource_variable(tfc_graph *g, const char *name, tfc_out init, bool trainable) {
    tfc_dtype dt;
    tfc_shape shape;
    if (!init_signature(g, name, init, &dt, &shape)) return none();
    const char *scope = tfc_graph_push_scope(g, name);
    if (!scope) return none();
    char buf[1024];
    tfc_var v = none();
    tfc_node_builder *b = tfc_node_begin(g, "VarHandleOp", exact(scope, buf, sizeof buf));
    tfc_node_set_attr_shape(b, "shape", &shape);
    tfc_node_set_attr_type(b, "dtype", dt);
    tfc_node_set_attr_string(b, "shared_name", scope, strlen(scope));
    v.ref = tfc_node_output(tfc_node_finish(b), 0);
    b = tfc_node_begin(g, "AssignVariableOp", "Assign");
    tfc_node_add_input(b, v.ref);
    tfc_node_add_input(b, init);
    v.initializer = tfc_node_finish(b);
    if (tfc_graph_push_scope(g, "Read")) {
        b = tfc_node_begin(g, "ReadVariableOp", "ReadVariableOp");
        tfc_node_add_input(b, v.ref);
        tfc_node_set_attr_type(b, "dtype", dt);
        v.value = tfc_node_output(tfc_node_finish(b), 0);
        tfc_graph_pop_scope(g);
    }
    tfc_graph_pop_scope(g);
    if (tfc_graph_status(g, NULL) != TFC_OK) return none();
    add_to_collections(g, v.ref, trainable);
    return v;
}

static bool is_initializer_of(const tfc_node *n, const tfc_node *var) {
    const char *op = tfc_node_op(n);
    return (!strcmp(op, "Assign") || !strcmp(op, "AssignVariableOp")) &&
           tfc_node_num_inputs(n) > 0 && tfc_node_input(n, 0).node == var;
}

static tfc_node *initializer_of(const tfc_graph *g, const tfc_node *var) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s/Assign", tfc_node_name(var));
    tfc_node *n = tfc_graph_find(g, buf);
    if (n && is_initializer_of(n, var)) return n;
    for (int64_t i = tfc_node_id(var) + 1; i < tfc_graph_num_nodes(g); i++)
        if (is_initializer_of(tfc_graph_node(g, i), var)) return tfc_graph_node(g, i);
    return NULL;
}

tfc_node *tfc_global_variables_initializer(tfc_graph *g) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return NULL;
    int n = tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, NULL, NULL, 0);
    tfc_out *vars = tfc_malloc(((size_t)n + 1) * sizeof *vars);
    if (!vars) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory in global_variables_initializer");
        return NULL;
    }
    tfc_graph_get_collection(g, TFC_GLOBAL_VARIABLES, NULL, vars, n);
    tfc_node_builder *b = tfc_node_begin(g, "NoOp", "init");
    for (int i = 0; i < n; i++) {
        tfc_node *init = initializer_of(g, vars[i].node);
        if (!init) {
            tfc_graph_fail(g, TFC_FAILED_PRECONDITION, "variable '%s' has no initializer",
                           tfc_node_name(vars[i].node));
            break;
        }
        tfc_node_add_control_input(b, init);
    }
    tfc_free(vars);
    return tfc_node_finish(b);
}
