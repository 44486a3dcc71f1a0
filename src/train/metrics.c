/* Streaming metrics (include/tfc/metrics.h) built as TF's metrics_impl.py builds them: local
 * float32 totals made by metric_variable, AssignAdd updates, DivNoNan / Select results, in TF's
 * scopes, so a graph exported from tfc reads in TF like one it built. */
#include <stdio.h>
#include <string.h>

#include "train/build_int.h"
#include "tfc/metrics.h"
static tfc_metric no_metric(void) {
    return (tfc_metric){{NULL, 0}, NULL};
}
static tfc_out bconst(tfc_graph *g, const char *name, bool v) {
    tfc_tensor *t = NULL;
    if (tfc_tensor_new(TFC_DT_BOOL, &(tfc_shape){0, {0}}, &t, NULL) == TFC_OK)
        *(uint8_t *)tfc_tensor_data(t) = v;
    return tfc__konst(g, name, t);
}

/* math_ops.cast: the input itself when it already has the dtype. */
static tfc_out cast(tfc_graph *g, tfc_out x, tfc_dtype dt) {
    if (!x.node || tfc_dtype_base(tfc_out_dtype(x)) == dt) return x;
    tfc_node_builder *b = tfc_node_begin(g, "Cast", "Cast");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_type(b, "DstT", dt);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* reduce_sum over every axis: constant axes when the rank is known, else range(0, rank(x)). */
static tfc_out sum_all(tfc_graph *g, tfc_out x) {
    if (!x.node) return tfc__none();
    const tfc_shape *s = tfc_out_shape(x);
    tfc_out axes;
    if (s->rank >= 0) {
        int32_t ax[TFC_MAX_RANK];
        for (int i = 0; i < s->rank; i++) ax[i] = i;
        tfc_tensor *t = NULL;
        tfc_shape vs = tfc_shape_make(1, (int64_t[]){s->rank});
        tfc_tensor_from_data(TFC_DT_INT32, &vs, ax, sizeof *ax * (size_t)s->rank, &t, NULL);
        axes = tfc__konst(g, "Const", t);
    } else {
        tfc_out r = tfc__op1(g, "Rank", "Rank", x);
        tfc_out start = tfc__konst(g, "Const", tfc_tensor_scalar_int32(0));
        tfc_out delta = tfc__konst(g, "Const", tfc_tensor_scalar_int32(1));
        axes = tfc__op_n(g, "Range", "range", (tfc_out[]){start, r, delta}, 3);
    }
    return tfc__op2(g, "Sum", "Sum", x, axes);
}

static tfc_out squeeze_last(tfc_graph *g, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, "Squeeze", "Squeeze");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_int_list(b, "squeeze_dims", (int64_t[]){-1}, 1);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static tfc_out expand_last(tfc_graph *g, tfc_out x) {
    return tfc__op2(g, "ExpandDims", "ExpandDims", x,
                    tfc__konst(g, "Const", tfc_tensor_scalar_int32(-1)));
}

static bool one_or_unknown(int64_t d) {
    return d == 1 || d < 0;
}

/* metrics_impl._remove_squeezable_dimensions on static ranks: a trailing dim of 1 on labels or
 * predictions whose ranks differ by one goes (confusion_matrix.remove_squeezable_dimensions);
 * the shapes must then be compatible; weights one rank above the predictions lose a trailing
 * dim, one below gain one. labels may be NULL (mean), weights may be {NULL, 0}. Errors name
 * `what` (the metric's scope). */
static bool squeezable(tfc_graph *g, const char *what, tfc_out *labels, tfc_out *pred,
                       tfc_out *weights) {
    const tfc_shape *ps = tfc_out_shape(*pred);
    if (labels) {
        const tfc_shape *ls = tfc_out_shape(*labels);
        if (ps->rank >= 0 && ls->rank >= 0) {
            int diff = ps->rank - ls->rank;
            if (diff == 1 && one_or_unknown(ps->dims[ps->rank - 1]))
                *pred = squeeze_last(g, *pred);
            else if (diff == -1 && one_or_unknown(ls->dims[ls->rank - 1]))
                *labels = squeeze_last(g, *labels);
        }
        if (tfc__failed(g)) return false;
        ps = tfc_out_shape(*pred);
        ls = tfc_out_shape(*labels);
        if (!tfc_shape_is_compatible(ps, ls)) {
            char a[96], b[96];
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: Shapes %s and %s are incompatible", what,
                           tfc_shape_to_string(ps, a, sizeof a),
                           tfc_shape_to_string(ls, b, sizeof b));
            return false;
        }
    }
    if (!weights->node) return true;
    int wr = tfc_out_shape(*weights)->rank;
    if (wr > 0 && ps->rank >= 0) {
        if (wr - ps->rank == 1)
            *weights = squeeze_last(g, *weights);
        else if (ps->rank - wr == 1)
            *weights = expand_last(g, *weights);
    }
    return !tfc__failed(g);
}

/* weights_broadcast_ops.broadcast_weights (float32 weights): the static check of
 * assert_broadcastable, then weights * ones_like(values) unless both shapes are fully defined
 * and compatible. */
static tfc_out broadcast_weights(tfc_graph *g, tfc_out w, tfc_out values) {
    const tfc_shape *ws = tfc_out_shape(w), *vs = tfc_out_shape(values);
    char a[96], b[96];
    bool ok = ws->rank <= 0 || vs->rank < 0 || ws->rank == vs->rank;
    for (int i = 0; ok && ws->rank > 0 && vs->rank == ws->rank && i < ws->rank; i++)
        ok = ws->dims[i] < 0 || vs->dims[i] < 0 || ws->dims[i] == vs->dims[i] || ws->dims[i] == 1;
    if (!ok) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: weights can not be broadcast to values. values.shape=%s, "
                       "weights.shape=%s.",
                       tfc_graph_scope(g), tfc_shape_to_string(vs, a, sizeof a),
                       tfc_shape_to_string(ws, b, sizeof b));
        return tfc__none();
    }
    if (tfc_shape_is_fully_defined(ws) && tfc_shape_is_fully_defined(vs) &&
        tfc_shape_is_compatible(ws, vs))
        return w;
    const char *scope = tfc_graph_push_scope(g, "broadcast_weights");
    if (!scope) return tfc__none();
    char name[1024];
    snprintf(name, sizeof name, "%s/", scope);
    tfc_out out = tfc__op2(g, "Mul", name, w, tfc__op1(g, "OnesLike", "ones_like", values));
    tfc_graph_pop_scope(g);
    return out;
}

/* A local float32 scalar total, as metrics_impl.metric_variable makes it: "<name>" (VariableV2),
 * "<name>/Initializer/zeros", "<name>/Assign", "<name>/read"; in LOCAL_VARIABLES and
 * METRIC_VARIABLES. */
typedef struct mvar {
    tfc_out ref, value;
} mvar;

static mvar metric_variable(tfc_graph *g, const char *name) {
    mvar v = {{NULL, 0}, {NULL, 0}};
    const char *scope = tfc_graph_push_scope(g, name);
    if (!scope) return v;
    char exact[1024];
    snprintf(exact, sizeof exact, "%s/", scope);
    tfc_out zeros = tfc__none();
    if (tfc_graph_push_scope(g, "Initializer")) {
        zeros = tfc__fconst(g, "zeros", 0.0f);
        tfc_graph_pop_scope(g);
    }
    tfc_node_builder *b = tfc_node_begin(g, "VariableV2", exact);
    tfc_node_set_attr_shape(b, "shape", &(tfc_shape){0, {0}});
    tfc_node_set_attr_type(b, "dtype", TFC_DT_FLOAT);
    tfc_out ref = tfc_node_output(tfc_node_finish(b), 0);
    tfc__op2(g, "Assign", "Assign", ref, zeros);
    tfc_out read = tfc__op1(g, "Identity", "read", ref);
    tfc_graph_pop_scope(g);
    if (tfc__failed(g)) return v;
    tfc_graph_add_to_collection(g, TFC_LOCAL_VARIABLES, ref);
    tfc_graph_add_to_collection(g, TFC_METRIC_VARIABLES, ref);
    v.ref = ref, v.value = read;
    return v;
}

static const tfc_metric_opts default_opts;

static void add_to_collections(tfc_graph *g, const tfc_metric_opts *o, tfc_metric m) {
    if (o->metrics_collection && *o->metrics_collection)
        tfc_graph_add_to_collection(g, o->metrics_collection, m.value);
    if (o->updates_collection && *o->updates_collection)
        tfc_graph_add_to_collection(g, o->updates_collection, tfc_node_output(m.update_op, 0));
}

static tfc_metric finish(tfc_graph *g, tfc_out value, tfc_out update) {
    tfc_graph_pop_scope(g);
    if (tfc__failed(g)) return no_metric();
    return (tfc_metric){value, update.node};
}

/* metrics.mean's body with its scope named `name`. */
static tfc_metric mean_in(tfc_graph *g, tfc_out values, const tfc_metric_opts *o,
                          const char *name) {
    if (!tfc_graph_push_scope(g, name)) return no_metric();
    tfc_out v = cast(g, values, TFC_DT_FLOAT), w = o->weights, num;
    mvar total = metric_variable(g, "total"), count = metric_variable(g, "count");
    if (!w.node) {
        num = cast(g, tfc__op1(g, "Size", "Size", v), TFC_DT_FLOAT);
    } else {
        if (!squeezable(g, tfc_graph_scope(g), NULL, &v, &w))
            return finish(g, tfc__none(), tfc__none());
        w = broadcast_weights(g, cast(g, w, TFC_DT_FLOAT), v);
        v = tfc__op2(g, "Mul", "Mul", v, w);
        num = sum_all(g, w);
    }
    tfc_out update_total = tfc__op2(g, "AssignAdd", "AssignAdd", total.ref, sum_all(g, v));
    /* TF adds the count only after the values are computed (a control input). When the values
     * are the caller's own tensor, Size(values) already orders it, and a control input on a
     * tensor the caller feeds would make the session run its producer (a Placeholder fails). */
    bool own = v.node && v.node != values.node;
    if (own) tfc_graph_push_control_deps(g, &v.node, 1);
    tfc_out update_count = tfc__op2(g, "AssignAdd", "AssignAdd", count.ref, num);
    if (own) tfc_graph_pop_control_deps(g);
    tfc_out zero = tfc__fconst(g, "Const", 0.0f);
    tfc_out value = tfc__op2(g, "DivNoNan", "value", total.value,
                             tfc__op2(g, "Maximum", "Maximum", count.value, zero));
    tfc_out update = tfc__op2(g, "DivNoNan", "update_op", update_total,
                              tfc__op2(g, "Maximum", "Maximum", update_count, zero));
    tfc_metric m = finish(g, value, update);
    if (m.update_op) add_to_collections(g, o, m);
    return m;
}

static bool given(tfc_graph *g, tfc_out a, tfc_out b, const char *fn) {
    if (tfc__failed(g)) return false;
    if (a.node && b.node) return true;
    tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: %s is missing", fn,
                   a.node ? "predictions" : "labels");
    return false;
}

tfc_metric tfc_metrics_mean(tfc_graph *g, tfc_out values, const tfc_metric_opts *opts) {
    if (!opts) opts = &default_opts;
    if (!given(g, values, values, "mean")) return no_metric();
    return mean_in(g, values, opts, opts->name ? opts->name : "mean");
}

tfc_metric tfc_metrics_accuracy(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                const tfc_metric_opts *opts) {
    if (!opts) opts = &default_opts;
    if (!given(g, labels, predictions, "accuracy")) return no_metric();
    tfc_metric_opts o = *opts;
    if (!squeezable(g, o.name ? o.name : "accuracy", &labels, &predictions, &o.weights))
        return no_metric();
    tfc_dtype ldt = tfc_dtype_base(tfc_out_dtype(labels));
    predictions = cast(g, predictions, ldt);
    tfc_out correct = cast(g, tfc__op2(g, "Equal", "Equal", predictions, labels), TFC_DT_FLOAT);
    if (tfc__failed(g)) return no_metric();
    return mean_in(g, correct, &o, o.name ? o.name : "accuracy");
}

typedef enum cond_kind { TRUE_POS, FALSE_POS, FALSE_NEG } cond_kind;

/* metrics_impl._count_condition over the condition of `kind`, in scope `name`; labels and
 * predictions are bool. */
static tfc_metric count_in(tfc_graph *g, tfc_out labels, tfc_out pred, cond_kind kind,
                           const tfc_metric_opts *o, const char *name) {
    if (!tfc_graph_push_scope(g, name)) return no_metric();
    tfc_out w = o->weights;
    if (!squeezable(g, tfc_graph_scope(g), &labels, &pred, &w))
        return finish(g, tfc__none(), tfc__none());
    tfc_out l = tfc__op2(g, "Equal", "Equal", labels, bconst(g, "Const", kind != FALSE_POS));
    tfc_out p = tfc__op2(g, "Equal", "Equal", pred, bconst(g, "Const", kind != FALSE_NEG));
    tfc_out cond = tfc__op2(g, "LogicalAnd", "LogicalAnd", l, p);
    mvar count = metric_variable(g, "count");
    tfc_out v = cast(g, cond, TFC_DT_FLOAT);
    if (w.node) {
        int wr = tfc_out_shape(w)->rank, vr = tfc_out_shape(v)->rank;
        if (wr > 0 && vr >= 0 && wr != vr) {
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                           "%s: weights must be a scalar or of the values' rank %d, not rank %d",
                           tfc_graph_scope(g), vr, wr);
            return finish(g, tfc__none(), tfc__none());
        }
        v = tfc__op2(g, "Mul", "Mul", v, cast(g, w, TFC_DT_FLOAT));
    }
    tfc_out value = tfc__op1(g, "Identity", "Identity", count.value);
    tfc_out update = tfc__op2(g, "AssignAdd", "AssignAdd", count.ref, sum_all(g, v));
    tfc_metric m = finish(g, value, update);
    if (m.update_op) add_to_collections(g, o, m);
    return m;
}

static tfc_metric counts(tfc_graph *g, tfc_out labels, tfc_out pred, cond_kind kind,
                         const tfc_metric_opts *opts, const char *dflt) {
    if (!opts) opts = &default_opts;
    if (!given(g, labels, pred, dflt)) return no_metric();
    return count_in(g, cast(g, labels, TFC_DT_BOOL), cast(g, pred, TFC_DT_BOOL), kind, opts,
                    opts->name ? opts->name : dflt);
}

tfc_metric tfc_metrics_true_positives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                      const tfc_metric_opts *opts) {
    return counts(g, labels, predictions, TRUE_POS, opts, "true_positives");
}

tfc_metric tfc_metrics_false_positives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                       const tfc_metric_opts *opts) {
    return counts(g, labels, predictions, FALSE_POS, opts, "false_positives");
}

tfc_metric tfc_metrics_false_negatives(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                       const tfc_metric_opts *opts) {
    return counts(g, labels, predictions, FALSE_NEG, opts, "false_negatives");
}

/* where(tp + other > 0, tp / (tp + other), 0), named `name`: precision and recall. */
static tfc_out ratio(tfc_graph *g, tfc_out tp, tfc_out other, const char *name) {
    tfc_out pos = tfc__op2(g, "Greater", "Greater", tfc__op2(g, "AddV2", "add", tp, other),
                           tfc__fconst(g, "Const", 0.0f));
    tfc_out q = tfc__op2(g, "RealDiv", "truediv", tp, tfc__op2(g, "AddV2", "add", tp, other));
    return tfc__op_n(g, "Select", name, (tfc_out[]){pos, q, tfc__fconst(g, "Const", 0.0f)}, 3);
}

/* precision (other = false positives) and recall (other = false negatives). */
static tfc_metric ratio_metric(tfc_graph *g, tfc_out labels, tfc_out predictions, cond_kind other,
                               const tfc_metric_opts *opts, const char *dflt) {
    if (!opts) opts = &default_opts;
    if (!given(g, labels, predictions, dflt)) return no_metric();
    if (!tfc_graph_push_scope(g, opts->name ? opts->name : dflt)) return no_metric();
    tfc_out p = cast(g, predictions, TFC_DT_BOOL), l = cast(g, labels, TFC_DT_BOOL);
    tfc_metric_opts inner = {.weights = opts->weights};
    if (!squeezable(g, tfc_graph_scope(g), &l, &p, &inner.weights))
        return finish(g, tfc__none(), tfc__none());
    tfc_metric tp = count_in(g, l, p, TRUE_POS, &inner, "true_positives");
    tfc_metric o = count_in(g, l, p, other, &inner,
                            other == FALSE_POS ? "false_positives" : "false_negatives");
    if (!tp.update_op || !o.update_op) return finish(g, tfc__none(), tfc__none());
    tfc_out value = ratio(g, tp.value, o.value, "value");
    tfc_out update =
        ratio(g, tfc_node_output(tp.update_op, 0), tfc_node_output(o.update_op, 0), "update_op");
    tfc_metric m = finish(g, value, update);
    if (m.update_op) add_to_collections(g, opts, m);
    return m;
}

tfc_metric tfc_metrics_precision(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                 const tfc_metric_opts *opts) {
    return ratio_metric(g, labels, predictions, FALSE_POS, opts, "precision");
}

tfc_metric tfc_metrics_recall(tfc_graph *g, tfc_out labels, tfc_out predictions,
                              const tfc_metric_opts *opts) {
    return ratio_metric(g, labels, predictions, FALSE_NEG, opts, "recall");
}

/* ---- Initializers ---- */

static bool is_initializer_of(const tfc_node *n, const tfc_node *var) {
    const char *op = tfc_node_op(n);
    return (!strcmp(op, "Assign") || !strcmp(op, "AssignVariableOp")) &&
           tfc_node_num_inputs(n) > 0 && tfc_node_input(n, 0).node == var;
}

/* "<variable>/Assign", or else the first Assign of the variable after it (as the global
 * initializer finds them). */
static tfc_node *initializer_of(const tfc_graph *g, const tfc_node *var) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s/Assign", tfc_node_name(var));
    tfc_node *n = tfc_graph_find(g, buf);
    if (n && is_initializer_of(n, var)) return n;
    for (int64_t i = tfc_node_id(var) + 1; i < tfc_graph_num_nodes(g); i++)
        if (is_initializer_of(tfc_graph_node(g, i), var)) return tfc_graph_node(g, i);
    return NULL;
}

/* tf.variables_initializer over the items of collection key under scope: NoOp "init". */
static tfc_node *initializer(tfc_graph *g, const char *key, const char *scope, const char *fn) {
    if (tfc__failed(g)) return NULL;
    int n = tfc_graph_get_collection(g, key, scope, NULL, 0);
    tfc_out *vars = tfc_malloc(((size_t)n + 1) * sizeof *vars);
    if (!vars) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory in %s", fn);
        return NULL;
    }
    tfc_graph_get_collection(g, key, scope, vars, n);
    tfc_node_builder *b = tfc_node_begin(g, "NoOp", "init");
    for (int i = 0; i < n; i++) {
        tfc_node *init = initializer_of(g, vars[i].node);
        if (!init) {
            tfc_graph_fail(g, TFC_FAILED_PRECONDITION, "%s: variable '%s' has no initializer", fn,
                           tfc_node_name(vars[i].node));
            break;
        }
        tfc_node_add_control_input(b, init);
    }
    tfc_free(vars);
    return tfc_node_finish(b);
}

tfc_node *tfc_local_variables_initializer(tfc_graph *g) {
    return initializer(g, TFC_LOCAL_VARIABLES, NULL, "local_variables_initializer");
}

tfc_node *tfc_metrics_reset(tfc_graph *g, const char *scope) {
    return initializer(g, TFC_METRIC_VARIABLES, scope, "metrics_reset");
}
