/* The losses of include/tfc/losses.h, built as TF's losses_impl.py builds them (the same ops in
 * the same scopes, constants as float32 Consts), so their values round as TF's do and a graph
 * exported from tfc reads in TF like one it built. */
#include <stdio.h>
#include <string.h>

#include "train/build_int.h"
#include "tfc/losses.h"
/* A float32 scalar Const. */
static tfc_out int_vector(tfc_graph *g, const char *name, const int32_t *v, int n) {
    tfc_tensor *t = NULL;
    tfc_shape s = tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor_from_data(TFC_DT_INT32, &s, v, sizeof *v * (size_t)n, &t, NULL);
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

/* The current scope's exact name "<scope>/" into buf, for the node TF names after its scope. */
static const char *exact(tfc_graph *g, char *buf, size_t n) {
    snprintf(buf, n, "%s/", tfc_graph_scope(g));
    return buf;
}

/* reduce_sum over every axis (TF's _ReductionDims: a constant when the rank is known, else
 * range(0, rank(x))). */
static tfc_out sum_all(tfc_graph *g, tfc_out x, const char *name) {
    if (!x.node) return tfc__none();
    const tfc_shape *s = tfc_out_shape(x);
    tfc_out axes;
    if (s->rank >= 0) {
        int32_t ax[TFC_MAX_RANK];
        for (int i = 0; i < s->rank; i++) ax[i] = i;
        axes = int_vector(g, "Const", ax, s->rank);
    } else {
        tfc_graph_push_scope(g, "range");
        tfc_out start = tfc__konst(g, "start", tfc_tensor_scalar_int32(0));
        tfc_out delta = tfc__konst(g, "delta", tfc_tensor_scalar_int32(1));
        tfc_graph_pop_scope(g);
        axes = tfc__op_n(g, "Range", "range",
                         (tfc_out[]){start, tfc__op1(g, "Rank", "Rank", x), delta}, 3);
    }
    return tfc__op2(g, "Sum", name, x, axes);
}

/* A dim compatible with 1 (TF's is_compatible_with(1)). */
static bool one_or_unknown(int64_t d) {
    return d == 1 || d < 0;
}

static tfc_out squeeze_last(tfc_graph *g, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, "Squeeze", "Squeeze");
    tfc_node_add_input(b, x);
    tfc_node_set_attr_int_list(b, "squeeze_dims", (int64_t[]){-1}, 1);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* assert_is_compatible_with on static shapes, failing the graph with TF's words. */
static bool compatible(tfc_graph *g, tfc_out a, tfc_out b) {
    const tfc_shape *sa = tfc_out_shape(a), *sb = tfc_out_shape(b);
    if (tfc_shape_is_compatible(sa, sb)) return true;
    char x[96], y[96];
    tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: Shapes %s and %s are incompatible",
                   tfc_graph_scope(g), tfc_shape_to_string(sa, x, sizeof x),
                   tfc_shape_to_string(sb, y, sizeof y));
    return false;
}

/* weights_broadcast_ops.assert_broadcastable on static shapes: a scalar, or values' rank with
 * every dim 1 or equal. Unknown ranks or dims pass (TF checks those at run time). */
static bool broadcastable(tfc_graph *g, tfc_out weights, tfc_out values) {
    const tfc_shape *ws = tfc_out_shape(weights), *vs = tfc_out_shape(values);
    if (ws->rank <= 0 || vs->rank < 0) return true;
    char a[96], b[96];
    tfc_shape_to_string(vs, a, sizeof a);
    tfc_shape_to_string(ws, b, sizeof b);
    if (ws->rank != vs->rank) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: weights can not be broadcast to values. values.rank=%d. "
                       "weights.rank=%d. values.shape=%s. weights.shape=%s.",
                       tfc_graph_scope(g), vs->rank, ws->rank, a, b);
        return false;
    }
    for (int i = 0; i < ws->rank; i++) {
        int64_t w = ws->dims[i], v = vs->dims[i];
        if (w >= 0 && v >= 0 && w != v && w != 1) {
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                           "%s: weights can not be broadcast to values. Mismatch at dim %d. "
                           "values.shape=%s, weights.shape=%s.",
                           tfc_graph_scope(g), i, a, b);
            return false;
        }
    }
    return true;
}

/* _num_elements: the element count of losses as float32, in scope "num_elements". */
static tfc_out num_elements(tfc_graph *g, tfc_out losses) {
    char buf[1024];
    if (!tfc_graph_push_scope(g, "num_elements")) return tfc__none();
    tfc_out n = cast(g, tfc__op1(g, "Size", exact(g, buf, sizeof buf), losses), TFC_DT_FLOAT);
    tfc_graph_pop_scope(g);
    return n;
}

/* weights_broadcast_ops.broadcast_weights: weights * ones_like(values) unless both static shapes
 * are fully defined and compatible (then weights as they are, as TF). */
static tfc_out broadcast_weights(tfc_graph *g, tfc_out w, tfc_out values) {
    const tfc_shape *ws = tfc_out_shape(w), *vs = tfc_out_shape(values);
    if (tfc_shape_is_fully_defined(ws) && tfc_shape_is_fully_defined(vs) &&
        tfc_shape_is_compatible(ws, vs))
        return w;
    char buf[1024];
    if (!tfc_graph_push_scope(g, "broadcast_weights")) return tfc__none();
    tfc_out out = tfc__op2(g, "Mul", exact(g, buf, sizeof buf), w,
                           tfc__op1(g, "OnesLike", "ones_like", values));
    tfc_graph_pop_scope(g);
    return out;
}

/* _num_present: how many elements of losses have a nonzero weight, in scope "num_present". */
static tfc_out num_present(tfc_graph *g, tfc_out losses, tfc_out weights) {
    char buf[1024];
    if (!tfc_graph_push_scope(g, "num_present")) return tfc__none();
    tfc_out w = cast(g, weights, TFC_DT_FLOAT);
    tfc_out is0 = tfc__op2(g, "Equal", "Equal", w, tfc__fconst(g, "Const", 0.0));
    tfc_out present = tfc__op_n(g, "Select", "Select",
                                (tfc_out[]){is0, tfc__op1(g, "ZerosLike", "zeros_like", w),
                                            tfc__op1(g, "OnesLike", "ones_like", w)},
                                3);
    present = broadcast_weights(g, present, losses);
    tfc_out n = sum_all(g, present, exact(g, buf, sizeof buf));
    tfc_graph_pop_scope(g);
    return n;
}

static const tfc_loss_opts default_opts;

/* compute_weighted_loss's body, in the current scope. */
static tfc_out weighted(tfc_graph *g, tfc_out losses, const tfc_loss_opts *o) {
    if (tfc__failed(g)) return tfc__none();
    if (!losses.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no losses given", tfc_graph_scope(g));
        return tfc__none();
    }
    tfc_dtype in_dt = tfc_dtype_base(tfc_out_dtype(losses));
    tfc_out lf = cast(g, losses, TFC_DT_FLOAT);
    bool have_w = o->weights.node != NULL;
    if (have_w && !broadcastable(g, o->weights, lf)) return tfc__none();
    tfc_out w = have_w ? cast(g, o->weights, TFC_DT_FLOAT) : tfc__fconst(g, "Const", 1.0);
    tfc_out wl = tfc__op2(g, "Mul", "Mul", lf, w), loss;
    switch (o->reduction) {
    case TFC_REDUCTION_NONE:
        loss = wl;
        break;
    case TFC_REDUCTION_SUM:
        loss = sum_all(g, wl, "Sum");
        break;
    case TFC_REDUCTION_MEAN: {
        tfc_out total = sum_all(g, wl, "Sum");
        tfc_out wsum = sum_all(
            g, tfc__op2(g, "Mul", "mul", tfc__op1(g, "OnesLike", "ones_like", lf), w), "Sum");
        loss = tfc__op2(g, "DivNoNan", "value", total, wsum);
        break;
    }
    case TFC_REDUCTION_SUM_OVER_BATCH_SIZE: {
        tfc_out total = sum_all(g, wl, "Sum");
        loss = tfc__op2(g, "DivNoNan", "value", total, num_elements(g, lf));
        break;
    }
    case TFC_REDUCTION_SUM_BY_NONZERO_WEIGHTS:
    case TFC_REDUCTION_SUM_OVER_NONZERO_WEIGHTS: {
        tfc_out total = sum_all(g, wl, "Sum");
        /* TF counts elements directly when weights is a nonzero Python number */
        tfc_out n = have_w ? num_present(g, lf, o->weights) : num_elements(g, lf);
        loss = tfc__op2(g, "DivNoNan", "value", total, n);
        break;
    }
    default:
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: unknown reduction %d", tfc_graph_scope(g),
                       (int)o->reduction);
        return tfc__none();
    }
    loss = cast(g, loss, in_dt);
    if (tfc__failed(g)) return tfc__none();
    const char *coll = o->loss_collection ? o->loss_collection : TFC_LOSSES;
    if (*coll) tfc_graph_add_to_collection(g, coll, loss);
    return loss;
}

/* Enters a loss's scope (opts->scope or its default); false after a graph error. */
static bool enter(tfc_graph *g, const tfc_loss_opts **o, const char *dflt) {
    if (!*o) *o = &default_opts;
    if (tfc__failed(g)) return false;
    return tfc_graph_push_scope(g, (*o)->scope ? (*o)->scope : dflt) != NULL;
}

static tfc_out leave(tfc_graph *g, tfc_out loss) {
    tfc_graph_pop_scope(g);
    return tfc__failed(g) ? tfc__none() : loss;
}

/* Both inputs present, else a graph error naming the loss and the argument. */
static bool inputs_given(tfc_graph *g, const char *fn, tfc_out a, const char *an, tfc_out b,
                         const char *bn) {
    if (a.node && b.node) return true;
    tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no %s given", fn, a.node ? bn : an);
    return false;
}

tfc_out tfc_losses_compute_weighted_loss(tfc_graph *g, tfc_out losses, const tfc_loss_opts *opts) {
    if (!enter(g, &opts, "weighted_loss")) return tfc__none();
    return leave(g, weighted(g, losses, opts));
}

tfc_out tfc_losses_softmax_cross_entropy(tfc_graph *g, tfc_out onehot_labels, tfc_out logits,
                                         const tfc_loss_opts *opts) {
    if (!tfc__failed(g) &&
        !inputs_given(g, "softmax_cross_entropy", onehot_labels, "onehot_labels", logits, "logits"))
        return tfc__none();
    if (!enter(g, &opts, "softmax_cross_entropy_loss")) return tfc__none();
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(logits));
    tfc_out labels = cast(g, onehot_labels, dt);
    if (!compatible(g, logits, labels)) return leave(g, tfc__none());
    if (opts->label_smoothing > 0) {
        /* num_classes = shape(labels)[-1], at run time as TF reads it */
        tfc_out shape = tfc__op1(g, "Shape", "Shape", labels);
        char buf[1024];
        if (!tfc_graph_push_scope(g, "strided_slice")) return leave(g, tfc__none());
        tfc_out stack[3] = {int_vector(g, "stack", (int32_t[]){-1}, 1),
                            int_vector(g, "stack_1", (int32_t[]){0}, 1),
                            int_vector(g, "stack_2", (int32_t[]){1}, 1)};
        tfc_node_builder *b = tfc_node_begin(g, "StridedSlice", exact(g, buf, sizeof buf));
        tfc_node_add_input(b, shape);
        for (int i = 0; i < 3; i++) tfc_node_add_input(b, stack[i]);
        tfc_node_set_attr_int(b, "shrink_axis_mask", 1);
        tfc_out last = tfc_node_output(tfc_node_finish(b), 0);
        tfc_graph_pop_scope(g);
        tfc_out classes = cast(g, last, dt);
        tfc_out pos = cast(g, tfc__fconst(g, "Const", 1.0 - opts->label_smoothing), dt);
        tfc_out neg =
            tfc__op2(g, "RealDiv", "truediv",
                     cast(g, tfc__fconst(g, "Const", opts->label_smoothing), dt), classes);
        labels = tfc__op2(g, "AddV2", "add", tfc__op2(g, "Mul", "mul", labels, pos), neg);
    }
    labels = tfc__op1(g, "StopGradient", "labels_stop_gradient", labels);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s/xentropy/", tfc_graph_scope(g));
    tfc_out losses = tfc__op2(g, "SoftmaxCrossEntropyWithLogits", buf, logits, labels);
    return leave(g, weighted(g, losses, opts));
}

tfc_out tfc_losses_sparse_softmax_cross_entropy(tfc_graph *g, tfc_out labels, tfc_out logits,
                                                const tfc_loss_opts *opts) {
    if (!tfc__failed(g) &&
        !inputs_given(g, "sparse_softmax_cross_entropy", labels, "labels", logits, "logits"))
        return tfc__none();
    if (!enter(g, &opts, "sparse_softmax_cross_entropy_loss")) return tfc__none();
    tfc_loss_opts o = *opts;
    /* _remove_squeezable_dimensions with expected_rank_diff = 1, on static ranks */
    const tfc_shape *ls = tfc_out_shape(labels), *xs = tfc_out_shape(logits);
    if (ls->rank >= 0 && xs->rank >= 0) {
        int diff = xs->rank - ls->rank;
        if (diff == 2 && one_or_unknown(xs->dims[xs->rank - 1]))
            logits = squeeze_last(g, logits);
        else if (diff == 0 && ls->rank > 0 && one_or_unknown(ls->dims[ls->rank - 1]))
            labels = squeeze_last(g, labels);
        ls = tfc_out_shape(labels);
    }
    if (o.weights.node && ls->rank >= 0 && tfc_out_shape(o.weights)->rank == ls->rank + 1)
        o.weights = squeeze_last(g, o.weights);
    xs = tfc_out_shape(logits);
    if (!tfc__failed(g) && ls->rank >= 0 && xs->rank >= 0 && ls->rank != xs->rank - 1) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: Rank mismatch: Rank of labels (received %d) should equal rank of "
                       "logits minus 1 (received %d).",
                       tfc_graph_scope(g), ls->rank, xs->rank);
        return leave(g, tfc__none());
    }
    if (!tfc_graph_push_scope(g, "xentropy")) return leave(g, tfc__none());
    tfc_out losses = tfc__op2(g, "SparseSoftmaxCrossEntropyWithLogits", "xentropy", logits, labels);
    tfc_graph_pop_scope(g);
    return leave(g, weighted(g, losses, &o));
}

tfc_out tfc_losses_sigmoid_cross_entropy(tfc_graph *g, tfc_out multi_class_labels, tfc_out logits,
                                         const tfc_loss_opts *opts) {
    if (!tfc__failed(g) && !inputs_given(g, "sigmoid_cross_entropy", multi_class_labels,
                                         "multi_class_labels", logits, "logits"))
        return tfc__none();
    if (!enter(g, &opts, "sigmoid_cross_entropy_loss")) return tfc__none();
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(logits));
    tfc_out z = cast(g, multi_class_labels, dt);
    if (!compatible(g, logits, z)) return leave(g, tfc__none());
    if (opts->label_smoothing > 0) {
        double s = opts->label_smoothing;
        z = tfc__op2(g, "AddV2", "add",
                     tfc__op2(g, "Mul", "mul", z, cast(g, tfc__fconst(g, "Const", 1.0 - s), dt)),
                     cast(g, tfc__fconst(g, "Const", 0.5 * s), dt));
    }
    /* nn.sigmoid_cross_entropy_with_logits, the stable form: max(x, 0) - x * z + log1p(exp(-|x|)),
     * with max and -|x| taken by Select as TF does */
    char buf[1024];
    if (!tfc_graph_push_scope(g, "xentropy")) return leave(g, tfc__none());
    tfc_out zeros = tfc__op1(g, "ZerosLike", "zeros_like", logits);
    tfc_out cond = tfc__op2(g, "GreaterEqual", "GreaterEqual", logits, zeros);
    tfc_out relu = tfc__op_n(g, "Select", "Select", (tfc_out[]){cond, logits, zeros}, 3);
    tfc_out neg_abs = tfc__op_n(g, "Select", "Select",
                                (tfc_out[]){cond, tfc__op1(g, "Neg", "Neg", logits), logits}, 3);
    tfc_out first = tfc__op2(g, "Sub", "sub", relu, tfc__op2(g, "Mul", "mul", logits, z));
    tfc_out second = tfc__op1(g, "Log1p", "Log1p", tfc__op1(g, "Exp", "Exp", neg_abs));
    tfc_out losses = tfc__op2(g, "AddV2", exact(g, buf, sizeof buf), first, second);
    tfc_graph_pop_scope(g);
    return leave(g, weighted(g, losses, opts));
}

tfc_out tfc_losses_mean_squared_error(tfc_graph *g, tfc_out labels, tfc_out predictions,
                                      const tfc_loss_opts *opts) {
    if (!tfc__failed(g) &&
        !inputs_given(g, "mean_squared_error", labels, "labels", predictions, "predictions"))
        return tfc__none();
    if (!enter(g, &opts, "mean_squared_error")) return tfc__none();
    tfc_out p = cast(g, predictions, TFC_DT_FLOAT), l = cast(g, labels, TFC_DT_FLOAT);
    if (!compatible(g, p, l)) return leave(g, tfc__none());
    tfc_out losses = tfc__op2(g, "SquaredDifference", "SquaredDifference", p, l);
    return leave(g, weighted(g, losses, opts));
}

tfc_out tfc_losses_huber_loss(tfc_graph *g, tfc_out labels, tfc_out predictions,
                              const tfc_loss_opts *opts) {
    if (!tfc__failed(g) &&
        !inputs_given(g, "huber_loss", labels, "labels", predictions, "predictions"))
        return tfc__none();
    if (!enter(g, &opts, "huber_loss")) return tfc__none();
    double delta = opts->delta != 0 ? opts->delta : 1.0;
    tfc_out p = cast(g, predictions, TFC_DT_FLOAT), l = cast(g, labels, TFC_DT_FLOAT);
    if (!compatible(g, p, l)) return leave(g, tfc__none());
    tfc_out abs_err = tfc__op1(g, "Abs", "Abs", tfc__op2(g, "Sub", "Sub", p, l));
    /* quadratic equals |e| below delta; linear is 0 there */
    tfc_out quad = tfc__op2(g, "Minimum", "Minimum", abs_err, tfc__fconst(g, "Const", delta));
    tfc_out lin = tfc__op2(g, "Sub", "Sub", abs_err, quad);
    tfc_out half_sq = tfc__op2(g, "Mul", "Mul", tfc__fconst(g, "Const", 0.5),
                               tfc__op2(g, "Mul", "Mul", quad, quad));
    tfc_out losses = tfc__op2(g, "AddV2", "Add", half_sq,
                              tfc__op2(g, "Mul", "Mul", tfc__fconst(g, "Const", delta), lin));
    return leave(g, weighted(g, losses, opts));
}

/* math_ops.add_n(items, name): an Identity for a single item, as TF. */
static tfc_out add_n(tfc_graph *g, const tfc_out *items, int n, const char *name) {
    if (n == 1) return tfc__op1(g, "Identity", name, items[0]);
    tfc_node_builder *b = tfc_node_begin(g, "AddN", name);
    tfc_node_add_input_list(b, items, n);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* The items of the given collections whose names start with scope, in a new array (tfc_free). */
static tfc_out *gather(tfc_graph *g, const char *const *keys, int nkeys, const char *scope,
                       int *n) {
    int total = 0;
    for (int k = 0; k < nkeys; k++) total += tfc_graph_get_collection(g, keys[k], scope, NULL, 0);
    tfc_out *items = tfc_malloc(sizeof *items * (size_t)(total + 1));
    if (!items) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory gathering losses");
        return NULL;
    }
    int at = 0;
    for (int k = 0; k < nkeys; k++)
        at += tfc_graph_get_collection(g, keys[k], scope, items + at, total - at);
    *n = at;
    return items;
}

tfc_out tfc_losses_get_regularization_loss(tfc_graph *g, const char *scope) {
    if (tfc__failed(g)) return tfc__none();
    static const char *const keys[] = {TFC_REGULARIZATION_LOSSES};
    int n;
    tfc_out *items = gather(g, keys, 1, scope, &n);
    if (!items) return tfc__none();
    tfc_out out =
        n ? add_n(g, items, n, "total_regularization_loss") : tfc__fconst(g, "Const", 0.0);
    tfc_free(items);
    return tfc__failed(g) ? tfc__none() : out;
}

tfc_out tfc_losses_get_total_loss(tfc_graph *g, bool add_regularization_losses, const char *scope) {
    if (tfc__failed(g)) return tfc__none();
    static const char *const keys[] = {TFC_LOSSES, TFC_REGULARIZATION_LOSSES};
    int n;
    tfc_out *items = gather(g, keys, add_regularization_losses ? 2 : 1, scope, &n);
    if (!items) return tfc__none();
    tfc_out out = tfc__none();
    if (n)
        out = add_n(g, items, n, "total_loss");
    else
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "get_total_loss: no losses in '%s'%s under scope '%s' to sum", TFC_LOSSES,
                       add_regularization_losses ? " or '" TFC_REGULARIZATION_LOSSES "'" : "",
                       scope ? scope : "");
    tfc_free(items);
    return tfc__failed(g) ? tfc__none() : out;
}

tfc_out tfc_nn_l2_loss(tfc_graph *g, tfc_out t, const char *name) {
    if (tfc__failed(g)) return tfc__none();
    if (!t.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "l2_loss: no input");
        return tfc__none();
    }
    return tfc__op1(g, "L2Loss", name ? name : "L2Loss", t);
}
