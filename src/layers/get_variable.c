/* get_variable over the handle's variable store: TF's _VariableStore._get_single_variable —
 * reuse rules and messages, creation at the top name scope with the initializer under
 * "<name>/Initializer", and the regularizer's loss under "<name>/Regularizer". */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static tfc_var none(void) {
    return (tfc_var){{NULL, 0}, {NULL, 0}, NULL};
}

static tfc__var_entry *find(const tfc_layers *L, const char *name) {
    for (int i = 0; i < L->n_vars; i++)
        if (!strcmp(L->vars[i].name, name)) return &L->vars[i];
    return NULL;
}

bool tfc_layers_find_variable(const tfc_layers *L, const char *full_name, tfc_var *out) {
    const tfc__var_entry *e = find(L, full_name);
    if (e && out) *out = e->var;
    return e != NULL;
}

/* An existing variable, checked against what the caller asked for. */
static tfc_var existing(tfc_layers *L, const tfc__var_entry *e, const tfc_shape *shape,
                        tfc_dtype dt) {
    char a[160], b[160];
    if (shape && !tfc_shape_is_compatible(shape, &e->shape)) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT,
                       "Trying to share variable %s, but specified shape %s and found shape %s.",
                       e->name, tfc__py_shape(shape, a, sizeof a),
                       tfc__py_shape(&e->shape, b, sizeof b));
        return none();
    }
    if (dt != e->dtype) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT,
                       "Trying to share variable %s, but specified dtype %s and found dtype %s.",
                       e->name, tfc_dtype_name(dt), tfc_dtype_name(e->dtype));
        return none();
    }
    return e->var;
}

static bool remember(tfc_layers *L, const char *name, tfc_var v, tfc_dtype dt,
                     const tfc_shape *shape) {
    if (L->n_vars == L->cap_vars) {
        int cap = L->cap_vars ? 2 * L->cap_vars : 16;
        tfc__var_entry *e = tfc_realloc(L->vars, (size_t)cap * sizeof *e);
        if (!e) return false;
        L->vars = e, L->cap_vars = cap;
    }
    char *s = tfc_strdup(name);
    if (!s) return false;
    L->vars[L->n_vars++] = (tfc__var_entry){s, v, dt, *shape};
    return true;
}

/* TF's _get_default_initializer: glorot_uniform for floats, zeros for integers. */
static bool default_initializer(tfc_layers *L, const char *name, tfc_dtype dt,
                                tfc_initializer *out) {
    if (dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE) {
        *out = (tfc_initializer){.kind = TFC_INIT_GLOROT_UNIFORM};
        return true;
    }
    if (dt == TFC_DT_INT32 || dt == TFC_DT_INT64) {
        *out = (tfc_initializer){.kind = TFC_INIT_ZEROS};
        return true;
    }
    tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT, "An initializer for variable %s of %s is required",
                   name, tfc_dtype_name(dt));
    return false;
}

/* Builds the variable `full` (initial value, variable, regularizer) at the top name scope. */
static tfc_var create(tfc_layers *L, const char *full, const tfc_shape *shape, tfc_dtype dt,
                      const tfc_initializer *init, const tfc_regularizer *reg, bool trainable,
                      bool resource) {
    tfc_graph *g = L->g;
    char buf[1024];
    tfc_var v = none();
    /* Variable names depend on the variable scope only, so TF leaves every name scope first. */
    if (!tfc_graph_push_scope(g, "")) return none();
    const char *vscope = tfc_graph_push_scope(g, full);
    tfc_out value = {NULL, 0};
    if (vscope) {
        if (tfc_graph_push_scope(g, "Initializer")) {
            value = tfc_layers_initial_value(L, init, dt, shape);
            tfc_graph_pop_scope(g);
        }
        tfc_graph_pop_scope(g);
        tfc__exact(vscope, buf, sizeof buf);
        v = resource ? tfc_resource_variable(g, buf, value, trainable)
                     : tfc_variable(g, buf, value, trainable);
    }
    if (v.ref.node && reg->kind != TFC_REG_UNSET && reg->kind != TFC_REG_NONE) {
        int len = snprintf(buf, sizeof buf, "%s/Regularizer/", full);
        if (len < 0 || (size_t)len >= sizeof buf)
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "variable name '%.200s' is too long", full);
        else if (tfc_graph_push_scope(g, buf)) {
            tfc_out loss = tfc_layers_regularization(L, reg, v.value);
            if (loss.node) tfc_graph_add_to_collection(g, TFC_REGULARIZATION_LOSSES, loss);
            tfc_graph_pop_scope(g);
        }
    }
    tfc_graph_pop_scope(g);
    if (tfc_graph_status(g, NULL) != TFC_OK) return none();
    return v;
}

tfc_var tfc_layers_get_variable(tfc_layers *L, const char *name, const tfc_shape *shape,
                                const tfc_get_variable_opts *opts) {
    tfc_graph *g = L->g;
    if (tfc_graph_status(g, NULL) != TFC_OK) return none();
    tfc_get_variable_opts o = {0};
    if (opts) o = *opts;
    if (!name || !*name) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "get_variable: a name is required");
        return none();
    }
    const tfc__var_scope *sc = tfc__current_scope(L);
    char full[1024];
    if (*sc->name)
        snprintf(full, sizeof full, "%s/%s", sc->name, name);
    else
        snprintf(full, sizeof full, "%s", name);
    tfc_dtype dt = o.dtype ? o.dtype : TFC_DT_FLOAT;
    const tfc__var_entry *e = find(L, full);
    if (e) {
        if (sc->reuse == TFC_REUSE_UNSET) {
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                           "Variable %s already exists, disallowed. Did you mean to set "
                           "reuse=True or reuse=tf.AUTO_REUSE in VarScope?",
                           full);
            return none();
        }
        return existing(L, e, shape, dt);
    }
    if (sc->reuse == TFC_REUSE) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "Variable %s does not exist, or was not created with tf.get_variable(). "
                       "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?",
                       full);
        return none();
    }
    if (!shape || !tfc_shape_is_fully_defined(shape)) {
        char sb[160];
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "Shape of a new variable (%s) must be fully defined, but instead was %s.",
                       full, tfc__py_shape(shape, sb, sizeof sb));
        return none();
    }
    tfc_initializer init = o.initializer.kind ? o.initializer : sc->initializer;
    if (!init.kind && !default_initializer(L, full, dt, &init)) return none();
    tfc_regularizer reg = o.regularizer.kind ? o.regularizer : sc->regularizer;
    tfc_var v = create(L, full, shape, dt, &init, &reg, tfc__flag(o.trainable, true),
                       tfc__flag(o.use_resource, sc->use_resource));
    if (!v.ref.node) return none();
    if (!remember(L, full, v, dt, shape)) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory in get_variable(%s)", full);
        return none();
    }
    return v;
}

tfc_var tfc__layer_weight(tfc_layers *L, const char *name, const tfc_shape *shape, tfc_dtype dt,
                          const tfc_initializer *init, const tfc_regularizer *reg, bool trainable) {
    tfc_get_variable_opts o = {.dtype = dt, .trainable = trainable ? TFC_TRUE : TFC_FALSE};
    if (init) o.initializer = *init;
    if (reg) o.regularizer = *reg;
    return tfc_layers_get_variable(L, name, shape, &o);
}
