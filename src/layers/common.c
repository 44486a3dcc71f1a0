/* Small builders the layer files share: single-op nodes, constants, TF's random seeds, option
 * checks, and the activations. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

tfc_out tfc__op1(tfc_graph *g, const char *op, const char *name, tfc_out a) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, a);
    return tfc_node_output(tfc_node_finish(b), 0);
}

tfc_out tfc__op2(tfc_graph *g, const char *op, const char *name, tfc_out a, tfc_out c) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, a);
    tfc_node_add_input(b, c);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out const_of(tfc_graph *g, const char *name, tfc_tensor *t) {
    if (!t) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building constant '%s'", name);
        return (tfc_out){NULL, 0};
    }
    tfc_out o = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return o;
}

static bool fill_tensor(tfc_tensor *t, double v) {
    int64_t n = tfc_tensor_num_elements(t);
    void *p = tfc_tensor_data(t);
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_FLOAT:
        for (int64_t i = 0; i < n; i++) ((float *)p)[i] = (float)v;
        return true;
    case TFC_DT_DOUBLE:
        for (int64_t i = 0; i < n; i++) ((double *)p)[i] = v;
        return true;
    case TFC_DT_INT32:
        for (int64_t i = 0; i < n; i++) ((int32_t *)p)[i] = (int32_t)v;
        return true;
    case TFC_DT_INT64:
        for (int64_t i = 0; i < n; i++) ((int64_t *)p)[i] = (int64_t)v;
        return true;
    default:
        return false;
    }
}

tfc_out tfc__const_fill(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                        double v) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_new(dt, shape, &t, &st) != TFC_OK) {
        tfc_graph_fail(g, st.code, "constant '%s': %s", name, st.msg);
        return (tfc_out){NULL, 0};
    }
    if (!fill_tensor(t, v)) {
        tfc_tensor_unref(t);
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "constant '%s': dtype %s is not supported", name,
                       tfc_dtype_name(dt));
        return (tfc_out){NULL, 0};
    }
    return const_of(g, name, t);
}

tfc_out tfc__const_scalar(tfc_graph *g, const char *name, tfc_dtype dt, double v) {
    tfc_shape s = tfc_shape_scalar();
    return tfc__const_fill(g, name, dt, &s, v);
}

tfc_out tfc__const_i32(tfc_graph *g, const char *name, const int64_t *v, int n) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return (tfc_out){NULL, 0};
    int64_t dim = n;
    tfc_shape s = tfc_shape_make(1, &dim);
    tfc_tensor *t = NULL;
    if (tfc_tensor_new(TFC_DT_INT32, &s, &t, NULL) != TFC_OK) t = NULL;
    if (t)
        for (int i = 0; i < n; i++) ((int32_t *)tfc_tensor_data(t))[i] = (int32_t)v[i];
    return const_of(g, name, t);
}

/* TF's random_seed.get_seed (see tfc_layers_set_random_seed), with _truncate_seed. */
void tfc__seeds(const tfc_layers *L, int64_t op_seed, int64_t *seed, int64_t *seed2) {
    const int64_t max32 = 2147483647, default_graph_seed = 87654321;
    if (L->has_seed) {
        int64_t s2 = op_seed ? op_seed : tfc_graph_num_nodes(L->g);
        *seed = ((L->seed % max32) + max32) % max32;
        *seed2 = ((s2 % max32) + max32) % max32;
    } else if (op_seed) {
        *seed = default_graph_seed;
        *seed2 = ((op_seed % max32) + max32) % max32;
    } else {
        *seed = *seed2 = 0;
        return;
    }
    /* TF avoids (0, 0), which the kernels read as "no seed". */
    if (*seed == 0 && *seed2 == 0) *seed2 = max32;
}

const char *tfc__exact(const char *scope, char *buf, size_t n) {
    snprintf(buf, n, "%s/", scope);
    return buf;
}

bool tfc__need_float(tfc_graph *g, const char *who, tfc_out x) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return false;
    if (!x.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no input", who);
        return false;
    }
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    if (dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE) return true;
    tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: the input must be float32 or float64, got %s", who,
                   tfc_dtype_name(dt));
    return false;
}

/* A training flag must be a bool scalar (or of unknown shape, checked at run time by Select). */
bool tfc__check_training_flag(tfc_graph *g, const char *layer, tfc_out flag) {
    if (!flag.node) return true;
    const tfc_shape *s = tfc_out_shape(flag);
    if (tfc_dtype_base(tfc_out_dtype(flag)) == TFC_DT_BOOL && (s->rank <= 0)) return true;
    char sb[160];
    tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                   "%s: training_flag must be a bool scalar, got %s of shape %s", layer,
                   tfc_dtype_name(tfc_out_dtype(flag)), tfc_shape_to_string(s, sb, sizeof sb));
    return false;
}

const char *tfc__padding_name(tfc_padding p) {
    return p == TFC_SAME ? "SAME" : "VALID";
}

const char *tfc__py_shape(const tfc_shape *s, char *buf, size_t n) {
    if (!s || s->rank < 0) {
        snprintf(buf, n, "<unknown>");
        return buf;
    }
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < s->rank && k < n; i++) {
        if (s->dims[i] < 0)
            k += (size_t)snprintf(buf + k, n - k, "%s?", i ? ", " : "");
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)s->dims[i]);
    }
    if (k < n) snprintf(buf + k, n - k, s->rank == 1 ? ",)" : ")");
    return buf;
}

tfc_out tfc_layers_activation(tfc_layers *L, tfc_activation act, tfc_out x) {
    static const char *const ops[] = {
        [TFC_ACT_RELU] = "Relu",       [TFC_ACT_RELU6] = "Relu6", [TFC_ACT_ELU] = "Elu",
        [TFC_ACT_SIGMOID] = "Sigmoid", [TFC_ACT_TANH] = "Tanh",   [TFC_ACT_SOFTPLUS] = "Softplus",
    };
    if (act == TFC_ACT_UNSET || act == TFC_ACT_NONE) return x;
    if ((unsigned)act >= sizeof ops / sizeof ops[0] || !ops[act]) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT, "%s: unknown activation %d",
                       *tfc_layers_var_scope(L) ? tfc_layers_var_scope(L) : "activation", (int)act);
        return (tfc_out){NULL, 0};
    }
    return tfc__op1(L->g, ops[act], NULL, x);
}
