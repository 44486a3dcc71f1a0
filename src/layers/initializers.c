/* Initializers as tf.compat.v1's init_ops build them: constants, the random ops with TF's affine
 * transform and node names, and variance scaling with TF's fan computation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

/* The stddev of a unit normal truncated to [-2, 2] (scipy.stats.truncnorm.std(a=-2, b=2)): TF
 * divides by it so a truncated draw has the variance the scaling asked for. */
#define TRUNCATED_NORMAL_STDDEV 0.87962566103423978

static tfc_out none(void) {
    return (tfc_out){NULL, 0};
}

/* TF's array_ops.zeros / ones: a Const when small, else Fill(shape, value) so that a GraphDef
 * does not carry every element. */
static tfc_out filled(tfc_graph *g, const char *name, tfc_dtype dt, const tfc_shape *shape,
                      double v) {
    if (tfc_shape_num_elements(shape) < 1000) return tfc__const_fill(g, name, dt, shape, v);
    const char *scope = tfc_graph_push_scope(g, name);
    if (!scope) return none();
    tfc_out dims = tfc__const_i32(g, "shape_as_tensor", shape->dims, shape->rank);
    tfc_out value = tfc__const_scalar(g, "Const", dt, v);
    char buf[1024];
    tfc_out out = tfc__op2(g, "Fill", tfc__exact(scope, buf, sizeof buf), dims, value);
    tfc_graph_pop_scope(g);
    return out;
}

/* random_ops.random_uniform / random_normal / truncated_normal with a float dtype:
 * name scope `helper` holding "shape", the two parameters, the random op and the affine
 * transform, whose Add is named after the scope. Uniform: rnd * (b - a) + a with a = min, b = max;
 * normal ones: rnd * b + a with a = mean, b = stddev. */
static tfc_out random_affine(tfc_layers *L, const char *helper, const char *op, tfc_dtype dt,
                             const tfc_shape *shape, double a, double b, int64_t op_seed) {
    tfc_graph *g = L->g;
    bool uniform = !strcmp(op, "RandomUniform");
    const char *scope = tfc_graph_push_scope(g, helper);
    if (!scope) return none();
    tfc_out dims = tfc__const_i32(g, "shape", shape->dims, shape->rank);
    tfc_out ca = tfc__const_scalar(g, uniform ? "min" : "mean", dt, a);
    tfc_out cb = tfc__const_scalar(g, uniform ? "max" : "stddev", dt, b);
    int64_t seed, seed2;
    tfc__seeds(L, op_seed, &seed, &seed2);
    tfc_node_builder *nb = tfc_node_begin(g, op, op);
    tfc_node_add_input(nb, dims);
    tfc_node_set_attr_type(nb, "dtype", dt);
    tfc_node_set_attr_int(nb, "seed", seed);
    tfc_node_set_attr_int(nb, "seed2", seed2);
    tfc_out rnd = tfc_node_output(tfc_node_finish(nb), 0);
    tfc_out scale = uniform ? tfc__op2(g, "Sub", "sub", cb, ca) : cb;
    tfc_out mul = tfc__op2(g, "Mul", "mul", rnd, scale);
    char buf[1024];
    tfc_out out = tfc__op2(g, "Add", tfc__exact(scope, buf, sizeof buf), mul, ca);
    tfc_graph_pop_scope(g);
    return out;
}

/* TF's init_ops._compute_fans. */
static void compute_fans(const tfc_shape *s, double *fan_in, double *fan_out) {
    if (s->rank < 1) {
        *fan_in = *fan_out = 1;
    } else if (s->rank == 1) {
        *fan_in = *fan_out = (double)s->dims[0];
    } else if (s->rank == 2) {
        *fan_in = (double)s->dims[0], *fan_out = (double)s->dims[1];
    } else {
        double receptive = 1;
        for (int i = 0; i < s->rank - 2; i++) receptive *= (double)s->dims[i];
        *fan_in = (double)s->dims[s->rank - 2] * receptive;
        *fan_out = (double)s->dims[s->rank - 1] * receptive;
    }
}

static tfc_out variance_scaling(tfc_layers *L, const char *who, double scale, tfc_fan_mode mode,
                                tfc_distribution dist, tfc_dtype dt, const tfc_shape *shape,
                                int64_t seed) {
    if (!(scale > 0)) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT, "%s: `scale` must be positive float, got %g",
                       who, scale);
        return none();
    }
    double fan_in, fan_out;
    compute_fans(shape, &fan_in, &fan_out);
    if (mode == TFC_FAN_OUT)
        scale /= fmax(1.0, fan_out);
    else if (mode == TFC_FAN_AVG)
        scale /= fmax(1.0, (fan_in + fan_out) / 2.0);
    else
        scale /= fmax(1.0, fan_in);
    if (dist == TFC_DIST_UNIFORM) {
        double limit = sqrt(3.0 * scale);
        return random_affine(L, "random_uniform", "RandomUniform", dt, shape, -limit, limit, seed);
    }
    if (dist == TFC_DIST_UNTRUNCATED_NORMAL)
        return random_affine(L, "random_normal", "RandomStandardNormal", dt, shape, 0.0,
                             sqrt(scale), seed);
    return random_affine(L, "truncated_normal", "TruncatedNormal", dt, shape, 0.0,
                         sqrt(scale) / TRUNCATED_NORMAL_STDDEV, seed);
}

tfc_out tfc_layers_initial_value(tfc_layers *L, const tfc_initializer *init, tfc_dtype dt,
                                 const tfc_shape *shape) {
    tfc_graph *g = L->g;
    if (tfc_graph_status(g, NULL) != TFC_OK) return none();
    const char *who = *tfc_graph_scope(g) ? tfc_graph_scope(g) : "initializer";
    char sb[160];
    if (!init || init->kind == TFC_INIT_UNSET) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: no initializer kind given", who);
        return none();
    }
    if (!shape || !tfc_shape_is_fully_defined(shape)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: the shape %s is not fully defined", who,
                       tfc__py_shape(shape, sb, sizeof sb));
        return none();
    }
    bool is_float = dt == TFC_DT_FLOAT || dt == TFC_DT_DOUBLE;
    bool is_int = dt == TFC_DT_INT32 || dt == TFC_DT_INT64;
    bool constant = init->kind == TFC_INIT_ZEROS || init->kind == TFC_INIT_ONES ||
                    init->kind == TFC_INIT_CONSTANT;
    if (!is_float && !(constant && is_int)) {
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                       "%s: dtype %s is not supported by this initializer (%s)", who,
                       tfc_dtype_name(dt),
                       constant ? "float32, float64, int32 or int64" : "float32 or float64");
        return none();
    }
    const int64_t seed = init->seed;
    switch (init->kind) {
    case TFC_INIT_ZEROS:
        return filled(g, "zeros", dt, shape, 0);
    case TFC_INIT_ONES:
        return filled(g, "ones", dt, shape, 1);
    case TFC_INIT_CONSTANT:
        return tfc__const_fill(g, "Const", dt, shape, tfc__fval(init->value, 0));
    case TFC_INIT_RANDOM_UNIFORM:
        return random_affine(L, "random_uniform", "RandomUniform", dt, shape,
                             tfc__fval(init->minval, 0), tfc__fval(init->maxval, 1), seed);
    case TFC_INIT_RANDOM_NORMAL:
        return random_affine(L, "random_normal", "RandomStandardNormal", dt, shape,
                             tfc__fval(init->mean, 0), tfc__fval(init->stddev, 1), seed);
    case TFC_INIT_TRUNCATED_NORMAL:
        return random_affine(L, "truncated_normal", "TruncatedNormal", dt, shape,
                             tfc__fval(init->mean, 0), tfc__fval(init->stddev, 1), seed);
    case TFC_INIT_GLOROT_UNIFORM:
        return variance_scaling(L, who, 1.0, TFC_FAN_AVG, TFC_DIST_UNIFORM, dt, shape, seed);
    case TFC_INIT_GLOROT_NORMAL:
        return variance_scaling(L, who, 1.0, TFC_FAN_AVG, TFC_DIST_TRUNCATED_NORMAL, dt, shape,
                                seed);
    case TFC_INIT_HE_NORMAL:
        return variance_scaling(L, who, 2.0, TFC_FAN_IN, TFC_DIST_TRUNCATED_NORMAL, dt, shape,
                                seed);
    case TFC_INIT_HE_UNIFORM:
        return variance_scaling(L, who, 2.0, TFC_FAN_IN, TFC_DIST_UNIFORM, dt, shape, seed);
    case TFC_INIT_VARIANCE_SCALING:
        return variance_scaling(L, who, tfc__fval(init->scale, 1.0f), init->mode,
                                init->distribution, dt, shape, seed);
    default:
        tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "%s: unknown initializer kind %d", who,
                       (int)init->kind);
        return none();
    }
}
