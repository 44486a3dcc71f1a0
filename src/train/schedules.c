/* Learning-rate schedules (include/tfc/schedules.h) built as graph ops in float32, following TF's
 * ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay and CosineDecay
 * (keras/optimizers/schedules/learning_rate_schedule.py, which TF1's learning_rate_decay.py
 * calls): the same operations in the same order, so the float32 results round the same way. */
#include <math.h>
#include <stdio.h>

#include "train/build_int.h"
#include "tfc/schedules.h"
/* A scalar constant of dtype dt (float32, float64, int32 or int64) holding v. */
static tfc_out scalar(tfc_graph *g, const char *name, tfc_dtype dt, double v) {
    tfc_tensor *t;
    if (tfc_tensor_new(dt, &(tfc_shape){0, {0}}, &t, NULL) != TFC_OK) {
        tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory building a schedule");
        return tfc__none();
    }
    void *p = tfc_tensor_data(t);
    if (dt == TFC_DT_DOUBLE)
        *(double *)p = v;
    else if (dt == TFC_DT_INT32)
        *(int32_t *)p = (int32_t)v;
    else if (dt == TFC_DT_INT64)
        *(int64_t *)p = (int64_t)v;
    else
        *(float *)p = (float)v;
    tfc_out c = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return c;
}
/* One schedule being built: its scope is pushed by begin and popped by end. */
typedef struct sched {
    tfc_graph *g;
    char exact[1024]; /* "<scope>/": the exact name of the node named after the scope */
    tfc_out step;     /* the global step as float32 */
} sched;

static bool step_dtype_ok(tfc_dtype dt) {
    return dt == TFC_DT_INT32 || dt == TFC_DT_INT64 || dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE;
}

/* Checks the step, enters the scope and casts the step to float32 (TF's global_step_recomp). */
static bool begin(sched *s, tfc_graph *g, tfc_out step, const char *name, const char *dflt,
                  const char *fn, bool cast) {
    s->g = g;
    if (tfc_graph_status(g, NULL) != TFC_OK) return false;
    if (!step.node) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "global_step is required for %s", fn);
        return false;
    }
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(step));
    if (!step_dtype_ok(dt)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: global_step '%s' is %s; it must be an int32, int64, float or double "
                       "scalar",
                       fn, tfc_node_name(step.node), tfc_dtype_name(dt));
        return false;
    }
    const tfc_shape *ss = tfc_out_shape(step);
    if (ss->rank > 0) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: global_step '%s' must be a scalar, not rank %d", fn,
                       tfc_node_name(step.node), ss->rank);
        return false;
    }
    const char *scope = tfc_graph_push_scope(g, name ? name : dflt);
    if (!scope) return false;
    snprintf(s->exact, sizeof s->exact, "%s/", scope);
    s->step = step;
    if (cast && dt != TFC_DT_FLOAT) {
        tfc_node_builder *b = tfc_node_begin(g, "Cast", "Cast");
        tfc_node_add_input(b, step);
        tfc_node_set_attr_type(b, "DstT", TFC_DT_FLOAT);
        s->step = tfc_node_output(tfc_node_finish(b), 0);
    }
    return true;
}

static tfc_out end(sched *s, tfc_out out) {
    tfc_graph_pop_scope(s->g);
    return tfc_graph_status(s->g, NULL) == TFC_OK ? out : tfc__none();
}

tfc_out tfc_train_exponential_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                    double decay_steps, double decay_rate, bool staircase,
                                    const char *name) {
    sched s;
    if (!begin(&s, g, global_step, name, "ExponentialDecay", "exponential_decay", true))
        return tfc__none();
    tfc_out lr = tfc__fconst(g, "initial_learning_rate", learning_rate);
    tfc_out ds = tfc__fconst(g, "decay_steps", decay_steps),
            dr = tfc__fconst(g, "decay_rate", decay_rate);
    tfc_out p = tfc__op2(g, "RealDiv", "truediv", s.step, ds);
    if (staircase) p = tfc__op1(g, "Floor", "Floor", p);
    return end(&s, tfc__op2(g, "Mul", s.exact, lr, tfc__op2(g, "Pow", "Pow", dr, p)));
}

tfc_out tfc_train_piecewise_constant(tfc_graph *g, tfc_out x, const int64_t *boundaries,
                                     const double *values, int num_boundaries, const char *name) {
    if (tfc_graph_status(g, NULL) != TFC_OK) return tfc__none();
    if (num_boundaries < 1 || !boundaries || !values) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "piecewise_constant: needs at least one boundary and one value more than "
                       "boundaries (got %d boundaries)",
                       num_boundaries);
        return tfc__none();
    }
    for (int i = 1; i < num_boundaries; i++)
        if (boundaries[i] < boundaries[i - 1]) {
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                           "piecewise_constant: boundaries must not decrease, but boundaries[%d] "
                           "= %lld < boundaries[%d] = %lld",
                           i, (long long)boundaries[i], i - 1, (long long)boundaries[i - 1]);
            return tfc__none();
        }
    sched s;
    if (!begin(&s, g, x, name, "PiecewiseConstant", "piecewise_constant", false))
        return tfc__none();
    tfc_dtype dt = tfc_dtype_base(tfc_out_dtype(x));
    /* Scanning from the last boundary down, the innermost test that holds picks the value: the
     * same choice as TF's mutually exclusive cases when boundaries do not decrease. */
    tfc_out r = tfc__fconst(g, "Const", values[num_boundaries]);
    for (int i = num_boundaries - 1; i >= 0; i--) {
        tfc_out le =
            tfc__op2(g, "LessEqual", "LessEqual", x, scalar(g, "Const", dt, (double)boundaries[i]));
        char last[1040];
        snprintf(last, sizeof last, "%scase/", s.exact);
        r = tfc__op_n(g, "SelectV2", i == 0 ? last : "SelectV2",
                      (tfc_out[]){le, tfc__fconst(g, "Const", values[i]), r}, 3);
    }
    return end(&s, r);
}

tfc_out tfc_train_polynomial_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                   double decay_steps, double end_learning_rate, double power,
                                   bool cycle, const char *name) {
    sched s;
    if (!begin(&s, g, global_step, name, "PolynomialDecay", "polynomial_decay", true))
        return tfc__none();
    tfc_out lr = tfc__fconst(g, "initial_learning_rate", learning_rate);
    tfc_out end_lr = tfc__fconst(g, "end_learning_rate", end_learning_rate);
    tfc_out pw = tfc__fconst(g, "power", power), ds = tfc__fconst(g, "decay_steps", decay_steps);
    tfc_out step = s.step;
    if (cycle) {
        /* the first multiple of decay_steps at or past the step; 1 at step 0 */
        tfc_out at0 = tfc__op2(g, "Equal", "Equal", step, tfc__fconst(g, "Const", 0.0));
        tfc_out up = tfc__op1(g, "Ceil", "Ceil", tfc__op2(g, "RealDiv", "truediv", step, ds));
        tfc_out mult = tfc__op_n(g, "SelectV2", "SelectV2",
                                 (tfc_out[]){at0, tfc__fconst(g, "Const", 1.0), up}, 3);
        ds = tfc__op2(g, "Mul", "Mul", ds, mult);
    } else {
        step = tfc__op2(g, "Minimum", "Minimum", step, ds);
    }
    tfc_out p = tfc__op2(g, "RealDiv", "truediv", step, ds);
    tfc_out frac = tfc__op2(g, "Sub", "sub", tfc__fconst(g, "Const", 1.0), p);
    tfc_out decayed = tfc__op2(g, "Mul", "Mul", tfc__op2(g, "Sub", "sub", lr, end_lr),
                               tfc__op2(g, "Pow", "Pow", frac, pw));
    return end(&s, tfc__op2(g, "AddV2", s.exact, decayed, end_lr));
}

tfc_out tfc_train_inverse_time_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                                     double decay_steps, double decay_rate, bool staircase,
                                     const char *name) {
    sched s;
    if (!begin(&s, g, global_step, name, "InverseTimeDecay", "inverse_time_decay", true))
        return tfc__none();
    tfc_out lr = tfc__fconst(g, "initial_learning_rate", learning_rate);
    tfc_out ds = tfc__fconst(g, "decay_steps", decay_steps),
            dr = tfc__fconst(g, "decay_rate", decay_rate);
    tfc_out p = tfc__op2(g, "RealDiv", "truediv", s.step, ds);
    if (staircase) p = tfc__op1(g, "Floor", "Floor", p);
    tfc_out denom =
        tfc__op2(g, "AddV2", "Add", tfc__fconst(g, "Const", 1.0), tfc__op2(g, "Mul", "Mul", dr, p));
    return end(&s, tfc__op2(g, "RealDiv", s.exact, lr, denom));
}

/* Keras' CosineDecay._decay_function: from_lr * ((1 - alpha) * cosine + alpha). */
static tfc_out cosine(tfc_graph *g, tfc_out step, tfc_out ds, tfc_out from_lr, double alpha) {
    tfc_out frac = tfc__op2(g, "RealDiv", "truediv", step, ds);
    tfc_out c =
        tfc__op1(g, "Cos", "Cos", tfc__op2(g, "Mul", "mul", tfc__fconst(g, "Const", M_PI), frac));
    tfc_out cd = tfc__op2(g, "Mul", "mul", tfc__fconst(g, "Const", 0.5),
                          tfc__op2(g, "AddV2", "add", tfc__fconst(g, "Const", 1.0), c));
    tfc_out decayed = tfc__op2(g, "AddV2", "add",
                               tfc__op2(g, "Mul", "mul", tfc__fconst(g, "Const", 1.0 - alpha), cd),
                               tfc__fconst(g, "Const", alpha));
    return tfc__op2(g, "Mul", "Mul", from_lr, decayed);
}

tfc_out tfc_train_cosine_decay(tfc_graph *g, double learning_rate, tfc_out global_step,
                               double decay_steps, double alpha, double warmup_steps,
                               const char *name) {
    sched s;
    if (!begin(&s, g, global_step, name, "CosineDecay", "cosine_decay", true)) return tfc__none();
    tfc_out lr = tfc__fconst(g, "initial_learning_rate", learning_rate);
    tfc_out ds = tfc__fconst(g, "decay_steps", decay_steps);
    if (!(warmup_steps > 0))
        return end(&s, cosine(g, tfc__op2(g, "Minimum", "Minimum", s.step, ds), ds, lr, alpha));
    tfc_out ws = tfc__fconst(g, "warmup_steps", warmup_steps);
    tfc_out step = tfc__op2(g, "Minimum", "Minimum", s.step, tfc__op2(g, "AddV2", "add", ds, ws));
    tfc_out warm = tfc__op2(g, "Mul", "mul", lr, tfc__op2(g, "RealDiv", "truediv", step, ws));
    tfc_out cool = cosine(g, tfc__op2(g, "Sub", "sub", step, ws), ds, lr, alpha);
    tfc_out in_warmup = tfc__op2(g, "Less", "Less", step, ws);
    return end(&s, tfc__op_n(g, "SelectV2", "SelectV2", (tfc_out[]){in_warmup, warm, cool}, 3));
}
