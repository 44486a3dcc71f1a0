/* TF1's tf.train optimizers (include/tfc/optimizers.h): compute_gradients, apply_gradients and
 * minimize building TF's graph — slots, hyperparameter Consts, one Apply* op per variable, the
 * finishing ops, the train op and the global step's increment — with TF's names. */
#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "train/optimizer_int.h"
#include "tfc/train.h"

#define MAX_SLOTS 2

/* ---- Options ---- */

typedef struct opt_params {
    tfc_optimizer_kind kind;
    const char *name;
    double lr, momentum, beta1, beta2, epsilon, decay, rms_momentum, init_acc, clip;
    tfc_out lr_tensor;
    bool nesterov;
} opt_params;

static const char *const kind_names[] = {"GradientDescent", "Momentum", "Adam", "RMSProp",
                                         "Adagrad"};

const char *tfc_optimizer_kind_name(tfc_optimizer_kind kind) {
    return (unsigned)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : NULL;
}

static double or_default(double v, double def) {
    return v != 0 ? v : def;
}

/* TF1's defaults for the zero fields, and the checks TF's constructors make. */
static tfc_code resolve(tfc_graph *g, const tfc_optimizer_opts *o, opt_params *p, tfc_status *st) {
    const char *kind = o ? tfc_optimizer_kind_name(o->kind) : NULL;
    if (!kind)
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT, "optimizer: unknown kind %d",
                             o ? (int)o->kind : -1);
    *p = (opt_params){.kind = o->kind,
                      .name = o->name && *o->name ? o->name : kind,
                      .lr = o->learning_rate,
                      .lr_tensor = o->learning_rate_tensor,
                      .momentum = o->momentum,
                      .nesterov = o->use_nesterov,
                      .beta1 = or_default(o->beta1, 0.9),
                      .beta2 = or_default(o->beta2, 0.999),
                      .epsilon =
                          or_default(o->epsilon, o->kind == TFC_OPTIMIZER_RMSPROP ? 1e-10 : 1e-8),
                      .decay = or_default(o->decay, 0.9),
                      .rms_momentum = o->rms_momentum,
                      .init_acc = or_default(o->initial_accumulator_value, 0.1),
                      .clip = o->clip_global_norm};
    if (o->kind == TFC_OPTIMIZER_ADAM) p->lr = or_default(p->lr, 0.001);
    if (p->lr_tensor.node) {
        tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(p->lr_tensor));
        const tfc_shape *s = tfc_out_shape(p->lr_tensor);
        if ((dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE) || s->rank > 0)
            return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                                 "%s: learning_rate_tensor '%s:%d' must be a float32 or float64 "
                                 "scalar, got %s of rank %d",
                                 p->name, tfc_node_name(p->lr_tensor.node), p->lr_tensor.index,
                                 tfc_dtype_name(dt), s->rank);
    } else if (p->lr == 0) {
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "%s: a learning rate is required (learning_rate or "
                             "learning_rate_tensor)",
                             p->name);
    }
    if (o->kind == TFC_OPTIMIZER_ADAGRAD && p->init_acc < 0)
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "%s: initial_accumulator_value must be positive: %g", p->name,
                             p->init_acc);
    if (p->clip < 0)
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "%s: clip_global_norm must be positive (or 0 for none): %g", p->name,
                             p->clip);
    return TFC_OK;
}

/* ---- Variables ---- */

typedef struct opt_var {
    tfc_out ref;    /* what the update takes: VariableV2's ref or VarHandleOp's handle */
    tfc_node *node; /* the VariableV2 / VarHandleOp */
    bool resource;
    tfc_dtype dt;
    tfc_shape shape;
    tfc_out grad;
    tfc_var slot[MAX_SLOTS];
} opt_var;

static bool is_float(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE || dt == TFC_DT_HALF || dt == TFC_DT_BFLOAT16;
}

static tfc_code var_info(tfc_graph *g, tfc_out ref, int i, opt_var *v, tfc_status *st) {
    const char *op = ref.node ? tfc_node_op(ref.node) : "";
    bool resource = !strcmp(op, "VarHandleOp");
    if (!resource && strcmp(op, "VariableV2"))
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "var_list[%d] is not a variable: %s%s%s (pass a tfc_var's ref: a "
                             "VariableV2 or VarHandleOp output)",
                             i, ref.node ? "'" : "", ref.node ? tfc_node_name(ref.node) : "empty",
                             ref.node ? "'" : "");
    *v = (opt_var){.ref = ref, .node = ref.node, .resource = resource};
    tfc_node_attr_type(ref.node, "dtype", &v->dt, NULL);
    v->shape = tfc_shape_unknown();
    tfc_node_attr_shape(ref.node, "shape", &v->shape, NULL);
    return TFC_OK;
}

static tfc_code loss_check(tfc_graph *g, tfc_out loss, tfc_status *st) {
    if (!loss.node) return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT, "the loss is empty");
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(loss));
    if (!is_float(dt))
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "Invalid type %s for loss '%s:%d', expected: [float16, bfloat16, "
                             "float32, float64].",
                             tfc_dtype_name(dt), tfc_node_name(loss.node), loss.index);
    return TFC_OK;
}

/* "['w', 'b']" into buf (cut short when long, as the status message would be). */
static const char *var_names(const opt_var *v, int n, char *buf, size_t cap) {
    size_t len = 0;
    for (int i = 0; i <= n && len < cap; i++) {
        int w = i == n ? snprintf(buf + len, cap - len, "]")
                       : snprintf(buf + len, cap - len, "%s'%s'", i ? ", " : "[",
                                  tfc_node_name(v[i].node));
        if (w < 0) break;
        len += (size_t)w;
    }
    return buf;
}

/* ---- compute_gradients ---- */

/* The points a variable's gradient is taken at: its ref output, or every ReadVariableOp of its
 * handle. owner[k] = the variable xs[k] belongs to. */
static int gradient_points(tfc_graph *g, const opt_var *v, int n, tfc_out *xs, int *owner) {
    int nx = 0;
    bool any_resource = false;
    for (int i = 0; i < n; i++) {
        if (!is_float(v[i].dt)) continue; /* integer variables carry no gradient (TF skips them) */
        if (v[i].resource)
            any_resource = true;
        else
            xs[nx] = v[i].ref, owner[nx++] = i;
    }
    if (!any_resource) return nx;
    for (int64_t k = 0; k < tfc_graph_num_nodes(g); k++) {
        tfc_node *node = tfc_graph_node(g, k);
        if (strcmp(tfc_node_op(node), "ReadVariableOp")) continue;
        const tfc_node *src = tfc__var_source(node, 0);
        for (int i = 0; i < n; i++)
            if (src == v[i].node && v[i].resource && is_float(v[i].dt)) {
                xs[nx] = tfc_node_output(node, 0), owner[nx++] = i;
                break;
            }
    }
    return nx;
}

static tfc_code gradients_of(tfc_graph *g, tfc_out loss, opt_var *v, int n, tfc_status *st) {
    int64_t reads = 0;
    for (int64_t k = 0; k < tfc_graph_num_nodes(g); k++)
        reads += !strcmp(tfc_node_op(tfc_graph_node(g, k)), "ReadVariableOp");
    size_t cap = (size_t)n + (size_t)reads + 1;
    tfc_out *xs = tfc_malloc(cap * sizeof *xs), *dxs = tfc_malloc(cap * sizeof *dxs);
    int *owner = tfc_malloc(cap * sizeof *owner);
    tfc_code rc = TFC_OK;
    if (!xs || !dxs || !owner) {
        rc = tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory computing gradients");
        goto done;
    }
    int nx = gradient_points(g, v, n, xs, owner);
    if (nx && (rc = tfc_gradients(g, &loss, 1, xs, nx, NULL, dxs, st)) != TFC_OK) goto done;
    for (int i = 0; i < n && rc == TFC_OK; i++) {
        tfc_out parts[64];
        int np = 0;
        for (int k = 0; k < nx; k++)
            if (owner[k] == i && dxs[k].node && np < 64) parts[np++] = dxs[k];
        v[i].grad = np == 1 ? parts[0] : (tfc_out){NULL, 0};
        if (np > 1) {
            tfc_node_builder *b = tfc_node_begin(g, "AddN", NULL);
            tfc_node_add_input_list(b, parts, np);
            v[i].grad = tfc_node_output(tfc_node_finish(b), 0);
            rc = tfc_graph_status(g, st);
        }
    }
done:
    tfc_free(xs), tfc_free(dxs), tfc_free(owner);
    return rc;
}

static tfc_code collect_vars(tfc_graph *g, const tfc_out *list, int n, opt_var **out,
                             tfc_status *st) {
    *out = NULL;
    if (n <= 0) return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT, "No variables to optimize.");
    opt_var *v = tfc_calloc((size_t)n, sizeof *v);
    if (!v) return tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    for (int i = 0; i < n; i++) {
        tfc_code rc = var_info(g, list[i], i, &v[i], st);
        if (rc != TFC_OK) {
            tfc_free(v);
            return rc;
        }
    }
    *out = v;
    return TFC_OK;
}

tfc_code tfc_optimizer_compute_gradients(tfc_graph *g, tfc_out loss, const tfc_out *var_list,
                                         int n_vars, tfc_out *grads, tfc_status *st) {
    for (int i = 0; i < n_vars; i++) grads[i] = (tfc_out){NULL, 0};
    if (tfc_graph_status(g, st) != TFC_OK) return st ? st->code : TFC_FAILED_PRECONDITION;
    opt_var *v;
    tfc_code rc = loss_check(g, loss, st);
    if (rc == TFC_OK) rc = collect_vars(g, var_list, n_vars, &v, st);
    if (rc != TFC_OK) return rc;
    rc = gradients_of(g, loss, v, n_vars, st);
    for (int i = 0; i < n_vars && rc == TFC_OK; i++) grads[i] = v[i].grad;
    tfc_free(v);
    return rc;
}

/* ---- apply_gradients ---- */

/* A slot of v at the top scope, named "<var>/<optimizer name>" made unique (TF's slot_creator). */
static tfc_var make_slot(tfc_graph *g, const opt_params *p, const opt_var *v, double value,
                         const char *init_name) {
    char base[1024];
    snprintf(base, sizeof base, "%s/%s", tfc_node_name(v->node), p->name);
    return tfc__opt_make_variable(g, base, v->resource, v->dt, &v->shape, value, "Initializer",
                                  init_name);
}

/* TF's _create_slots, in TF's order (Adam's beta powers first, then each variable's slots). */
static tfc_code create_slots(tfc_graph *g, const opt_params *p, opt_var *v, int n,
                             tfc_var *beta_power, tfc_status *st) {
    if (p->kind == TFC_OPTIMIZER_ADAM) {
        /* TF colocates the beta powers with the variable first by name, and makes them resource
         * variables when it is one. */
        const opt_var *first = &v[0];
        for (int i = 1; i < n; i++)
            if (strcmp(tfc_node_name(v[i].node), tfc_node_name(first->node)) < 0) first = &v[i];
        tfc_shape scalar = tfc_shape_scalar();
        beta_power[0] = tfc__opt_make_variable(g, "beta1_power", first->resource, TFC_DT_FLOAT,
                                               &scalar, (float)p->beta1, NULL, "initial_value");
        beta_power[1] = tfc__opt_make_variable(g, "beta2_power", first->resource, TFC_DT_FLOAT,
                                               &scalar, (float)p->beta2, NULL, "initial_value");
    }
    for (int i = 0; i < n; i++) {
        switch (p->kind) {
        case TFC_OPTIMIZER_MOMENTUM:
            v[i].slot[0] = make_slot(g, p, &v[i], 0, "zeros");
            break;
        case TFC_OPTIMIZER_ADAM:
            v[i].slot[0] = make_slot(g, p, &v[i], 0, "zeros");
            v[i].slot[1] = make_slot(g, p, &v[i], 0, "zeros");
            break;
        case TFC_OPTIMIZER_RMSPROP: /* TF starts the mean square at ones */
            v[i].slot[0] = make_slot(g, p, &v[i], 1, "ones");
            v[i].slot[1] = make_slot(g, p, &v[i], 0, "zeros");
            break;
        case TFC_OPTIMIZER_ADAGRAD:
            v[i].slot[0] = make_slot(g, p, &v[i], p->init_acc, "Const");
            break;
        default:
            break;
        }
    }
    return tfc_graph_status(g, st);
}

/* The hyperparameter Consts of TF's _prepare, in TF's order, in the optimizer's scope. */
typedef struct hyper {
    tfc_out lr, momentum, beta1, beta2, epsilon, decay;
} hyper;

static hyper prepare(tfc_graph *g, const opt_params *p) {
    hyper h = {0};
    tfc_shape sc = tfc_shape_scalar();
    h.lr = p->lr_tensor.node ? p->lr_tensor
                             : tfc__opt_const(g, "learning_rate", TFC_DT_FLOAT, &sc, p->lr);
    switch (p->kind) {
    case TFC_OPTIMIZER_MOMENTUM:
        h.momentum = tfc__opt_const(g, "momentum", TFC_DT_FLOAT, &sc, p->momentum);
        break;
    case TFC_OPTIMIZER_ADAM:
        h.beta1 = tfc__opt_const(g, "beta1", TFC_DT_FLOAT, &sc, p->beta1);
        h.beta2 = tfc__opt_const(g, "beta2", TFC_DT_FLOAT, &sc, p->beta2);
        h.epsilon = tfc__opt_const(g, "epsilon", TFC_DT_FLOAT, &sc, p->epsilon);
        break;
    case TFC_OPTIMIZER_RMSPROP:
        h.decay = tfc__opt_const(g, "decay", TFC_DT_FLOAT, &sc, p->decay);
        h.momentum = tfc__opt_const(g, "momentum", TFC_DT_FLOAT, &sc, p->rms_momentum);
        h.epsilon = tfc__opt_const(g, "epsilon", TFC_DT_FLOAT, &sc, p->epsilon);
        break;
    default:
        break;
    }
    return h;
}

/* One variable's update op in scope "update_<var>" (TF's _apply_dense / _resource_apply_dense). */
static tfc_node *apply_one(tfc_graph *g, const opt_params *p, const hyper *h, const opt_var *v,
                           const tfc_var *beta_power) {
    char scope[1024];
    snprintf(scope, sizeof scope, "update_%s", tfc_node_name(v->node));
    if (!tfc_graph_push_scope(g, scope)) return NULL;
    static const char *const ops[][2] = {{"ApplyGradientDescent", "ResourceApplyGradientDescent"},
                                         {"ApplyMomentum", "ResourceApplyMomentum"},
                                         {"ApplyAdam", "ResourceApplyAdam"},
                                         {"ApplyRMSProp", "ResourceApplyRMSProp"},
                                         {"ApplyAdagrad", "ResourceApplyAdagrad"}};
    tfc_dtype dt = v->dt;
    tfc_out lr = tfc__opt_cast(g, h->lr, dt), in[10];
    tfc_out s0 = v->slot[0].ref, s1 = v->slot[1].ref;
    int n = 0;
    switch (p->kind) {
    case TFC_OPTIMIZER_GRADIENT_DESCENT:
        in[n++] = v->ref, in[n++] = lr, in[n++] = v->grad;
        break;
    case TFC_OPTIMIZER_MOMENTUM:
        in[n++] = v->ref, in[n++] = s0, in[n++] = lr, in[n++] = v->grad;
        in[n++] = tfc__opt_cast(g, h->momentum, dt);
        break;
    case TFC_OPTIMIZER_ADAM:
        in[n++] = v->ref, in[n++] = s0, in[n++] = s1;
        in[n++] = tfc__opt_cast(g, beta_power[0].value, dt);
        in[n++] = tfc__opt_cast(g, beta_power[1].value, dt);
        in[n++] = lr, in[n++] = tfc__opt_cast(g, h->beta1, dt);
        in[n++] = tfc__opt_cast(g, h->beta2, dt), in[n++] = tfc__opt_cast(g, h->epsilon, dt);
        in[n++] = v->grad;
        break;
    case TFC_OPTIMIZER_RMSPROP:
        in[n++] = v->ref, in[n++] = s0, in[n++] = s1, in[n++] = lr;
        in[n++] = tfc__opt_cast(g, h->decay, dt), in[n++] = tfc__opt_cast(g, h->momentum, dt);
        in[n++] = tfc__opt_cast(g, h->epsilon, dt), in[n++] = v->grad;
        break;
    case TFC_OPTIMIZER_ADAGRAD:
        in[n++] = v->ref, in[n++] = s0, in[n++] = lr, in[n++] = v->grad;
        break;
    }
    tfc_node_builder *b = tfc_node_begin(g, ops[p->kind][v->resource], NULL);
    for (int i = 0; i < n; i++) tfc_node_add_input(b, in[i]);
    if (p->kind == TFC_OPTIMIZER_MOMENTUM || p->kind == TFC_OPTIMIZER_ADAM)
        tfc_node_set_attr_bool(b, "use_nesterov", p->nesterov);
    tfc_node *node = tfc_node_finish(b);
    tfc_graph_pop_scope(g);
    return node;
}

/* var = var * factor after the updates (Adam's beta powers), as Mul + Assign(VariableOp). */
static tfc_node *scale_variable(tfc_graph *g, const tfc_var *var, tfc_out factor) {
    tfc_out prod = tfc__opt_op(g, "Mul", "mul", (tfc_out[]){var->value, factor}, 2);
    bool resource = var->ref.node && !strcmp(tfc_node_op(var->ref.node), "VarHandleOp");
    return tfc__opt_node(g, resource ? "AssignVariableOp" : "Assign", NULL,
                         (tfc_out[]){var->ref, prod}, 2);
}

static tfc_code check_global_step(tfc_graph *g, const tfc_var *gs, tfc_status *st) {
    if (!gs) return TFC_OK;
    const char *op = gs->ref.node ? tfc_node_op(gs->ref.node) : "";
    tfc_dtype dt = TFC_DT_INVALID;
    if (gs->ref.node) tfc_node_attr_type(gs->ref.node, "dtype", &dt, NULL);
    if ((strcmp(op, "VariableV2") && strcmp(op, "VarHandleOp")) ||
        (dt != TFC_DT_INT32 && dt != TFC_DT_INT64))
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "global_step must be an int32 or int64 variable (VariableV2 or "
                             "VarHandleOp)%s%s%s",
                             gs->ref.node ? ", got '" : "",
                             gs->ref.node ? tfc_node_name(gs->ref.node) : "",
                             gs->ref.node ? "'" : "");
    return TFC_OK;
}

/* The updates, the finishing ops and the train op for the variables that have gradients. */
static tfc_code build_updates(tfc_graph *g, const opt_params *p, opt_var *v, int n,
                              const tfc_var *gs, tfc_node **train_op, tfc_status *st) {
    tfc_var beta_power[2] = {{{NULL, 0}, {NULL, 0}, NULL}, {{NULL, 0}, {NULL, 0}, NULL}};
    tfc_code rc = create_slots(g, p, v, n, beta_power, st);
    if (rc != TFC_OK) return rc;
    int n_update = tfc_graph_get_collection(g, TFC_UPDATE_OPS, NULL, NULL, 0);
    tfc_node **deps = tfc_malloc(((size_t)n + (size_t)n_update + 3) * sizeof *deps);
    tfc_out *update_ops = tfc_malloc(((size_t)n_update + 1) * sizeof *update_ops);
    if (!deps || !update_ops) {
        tfc_free(deps), tfc_free(update_ops);
        return tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory in apply_gradients");
    }
    tfc_graph_get_collection(g, TFC_UPDATE_OPS, NULL, update_ops, n_update);
    const char *scope = tfc_graph_push_scope(g, p->name);
    char exact[1024];
    if (scope) {
        snprintf(exact, sizeof exact, "%s/", scope);
        hyper h = prepare(g, p);
        int nd = 0;
        for (int i = 0; i < n; i++) deps[nd++] = apply_one(g, p, &h, &v[i], beta_power);
        if (p->kind == TFC_OPTIMIZER_ADAM && tfc_graph_status(g, NULL) == TFC_OK) {
            /* TF's _finish: the beta powers advance once the updates have read them. */
            tfc_graph_push_control_deps(g, deps, nd);
            tfc_node *b1 = scale_variable(g, &beta_power[0], h.beta1);
            tfc_node *b2 = scale_variable(g, &beta_power[1], h.beta2);
            tfc_graph_pop_control_deps(g);
            deps[nd++] = b1, deps[nd++] = b2;
        }
        for (int i = 0; i < n_update; i++) deps[nd++] = update_ops[i].node;
        tfc_node_builder *b = tfc_node_begin(g, "NoOp", gs ? "update" : exact);
        for (int i = 0; i < nd; i++)
            if (deps[i]) tfc_node_add_control_input(b, deps[i]);
        tfc_node *group = tfc_node_finish(b);
        *train_op = group;
        if (gs && group) {
            bool resource = !strcmp(tfc_node_op(gs->ref.node), "VarHandleOp");
            tfc_dtype dt = TFC_DT_INT64;
            tfc_node_attr_type(gs->ref.node, "dtype", &dt, NULL);
            tfc_out one = tfc__opt_const(g, "value", dt, &(tfc_shape){0}, 1);
            b = tfc_node_begin(g, resource ? "AssignAddVariableOp" : "AssignAdd", exact);
            tfc_node_add_input(b, gs->ref);
            tfc_node_add_input(b, one);
            tfc_node_add_control_input(b, group);
            *train_op = tfc_node_finish(b);
        }
        tfc_graph_pop_scope(g);
    }
    tfc_free(deps), tfc_free(update_ops);
    rc = tfc_graph_status(g, st);
    if (rc != TFC_OK) *train_op = NULL;
    return rc;
}

/* Keeps the variables that have gradients (moved to the front); returns how many. */
static int with_gradients(opt_var *v, int n) {
    int k = 0;
    for (int i = 0; i < n; i++)
        if (v[i].grad.node) v[k++] = v[i];
    return k;
}

/* apply_gradients on v (gradients set): TF's dtype checks, clipping, then the graph. */
static tfc_code apply(tfc_graph *g, const opt_params *p, opt_var *v, int n, const tfc_var *gs,
                      tfc_node **train_op, tfc_status *st) {
    char names[256];
    int all = n;
    tfc_code rc = check_global_step(g, gs, st);
    if (rc != TFC_OK) return rc;
    n = with_gradients(v, n);
    if (!n)
        return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                             "No gradients provided for any variable: %s.",
                             var_names(v, all, names, sizeof names));
    for (int i = 0; i < n; i++) {
        const char *name = tfc_node_name(v[i].node);
        tfc_dtype gdt = tfc_dtype_base(tfc_out_dtype(v[i].grad));
        if (!is_float(v[i].dt))
            return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                                 "Invalid type %s for %s, expected: [float16, bfloat16, float32, "
                                 "float64].",
                                 tfc_dtype_name(v[i].dt), name);
        if (v[i].dt != TFC_DT_FLOAT && v[i].dt != TFC_DT_DOUBLE)
            return tfc__opt_fail(g, st, TFC_UNIMPLEMENTED,
                                 "%s: variable '%s' is %s; tfc's update kernels take float32 and "
                                 "float64 variables",
                                 p->name, name, tfc_dtype_name(v[i].dt));
        if (gdt != v[i].dt)
            return tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                                 "%s: the gradient of '%s' ('%s:%d') is %s, the variable %s",
                                 p->name, name, tfc_node_name(v[i].grad.node), v[i].grad.index,
                                 tfc_dtype_name(gdt), tfc_dtype_name(v[i].dt));
    }
    if (p->clip > 0) {
        tfc_out *in = tfc_malloc((size_t)n * 2 * sizeof *in);
        if (!in) return tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory");
        for (int i = 0; i < n; i++) in[i] = v[i].grad;
        rc = tfc_clip_by_global_norm(g, in, n, p->clip, in + n, NULL, st);
        for (int i = 0; i < n && rc == TFC_OK; i++) v[i].grad = in[n + i];
        tfc_free(in);
        if (rc != TFC_OK) return rc;
    }
    return build_updates(g, p, v, n, gs, train_op, st);
}

tfc_code tfc_optimizer_apply_gradients(tfc_graph *g, const tfc_optimizer_opts *o,
                                       const tfc_out *grads, const tfc_out *vars, int n,
                                       const tfc_var *global_step, tfc_node **train_op,
                                       tfc_status *st) {
    *train_op = NULL;
    if (tfc_graph_status(g, st) != TFC_OK) return st ? st->code : TFC_FAILED_PRECONDITION;
    opt_params p;
    opt_var *v;
    tfc_code rc = resolve(g, o, &p, st);
    if (rc == TFC_OK) rc = collect_vars(g, vars, n, &v, st);
    if (rc != TFC_OK) return rc;
    for (int i = 0; i < n; i++) v[i].grad = grads[i];
    rc = apply(g, &p, v, n, global_step, train_op, st);
    tfc_free(v);
    return rc;
}

tfc_code tfc_optimizer_minimize(tfc_graph *g, const tfc_optimizer_opts *o, tfc_out loss,
                                const tfc_var *global_step, const tfc_out *var_list, int n_vars,
                                tfc_node **train_op, tfc_status *st) {
    *train_op = NULL;
    if (tfc_graph_status(g, st) != TFC_OK) return st ? st->code : TFC_FAILED_PRECONDITION;
    opt_params p;
    tfc_code rc = resolve(g, o, &p, st);
    if (rc == TFC_OK) rc = loss_check(g, loss, st);
    if (rc != TFC_OK) return rc;
    tfc_out *trainable = NULL;
    if (!var_list || n_vars <= 0) {
        n_vars = tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, NULL, 0);
        trainable = tfc_malloc(((size_t)n_vars + 1) * sizeof *trainable);
        if (!trainable) return tfc__opt_fail(g, st, TFC_RESOURCE_EXHAUSTED, "out of memory");
        tfc_graph_get_collection(g, TFC_TRAINABLE_VARIABLES, NULL, trainable, n_vars);
        var_list = trainable;
    }
    opt_var *v = NULL;
    rc = collect_vars(g, var_list, n_vars, &v, st);
    if (rc == TFC_OK) rc = gradients_of(g, loss, v, n_vars, st);
    if (rc == TFC_OK) {
        bool any = false;
        for (int i = 0; i < n_vars; i++) any |= v[i].grad.node != NULL;
        char names[256];
        if (!any)
            rc = tfc__opt_fail(g, st, TFC_INVALID_ARGUMENT,
                               "No gradients provided for any variable, check your graph for ops "
                               "that do not support gradients, between variables %s and loss "
                               "'%s:%d'.",
                               var_names(v, n_vars, names, sizeof names), tfc_node_name(loss.node),
                               loss.index);
    }
    if (rc == TFC_OK) rc = apply(g, &p, v, n_vars, global_step, train_op, st);
    tfc_free(v);
    tfc_free(trainable);
    return rc;
}
