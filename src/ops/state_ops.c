/* The state family: TF1 reference variables (VariableV2, Assign, AssignAdd, AssignSub) and TF2
 * resource variables (VarHandleOp, ReadVariableOp, AssignVariableOp, AssignAddVariableOp,
 * AssignSubVariableOp), with TF's signatures, their shape functions and CPU kernels; and the
 * tf.train update ops on both kinds (ApplyGradientDescent, ApplyMomentum, ApplyAdam, ApplyRMSProp,
 * ApplyAdagrad and their Resource* versions), whose kernels live in train_kernels.c. Values live
 * in the session's variable table (src/runtime/kernel.h); ref and resource edges carry the table
 * slot. An update writes in place when the variable holds its tensor alone, and otherwise
 * replaces it with a new one (copy on write), so a value a caller fetched never changes. */
#include <stdio.h>
#include <string.h>

#include "graph/op_def.h"
#include "ops/grads.h"
#include "ops/train_kernels.h"
#include "runtime/kernel.h"

/* ---- Shape functions ---- */

static tfc_code merge_or_fail(tfc_shape_ctx *c, const tfc_shape *a, const tfc_shape *b,
                              tfc_shape *out) {
    char x[96], y[96];
    if (tfc_shape_merge(a, b, out)) return TFC_OK;
    return tfc_shape_ctx_fail(c, "Shapes must be equal rank, and compatible: %s and %s",
                              tfc_shape_to_string(a, x, sizeof x),
                              tfc_shape_to_string(b, y, sizeof y));
}

/* Assign: the merged shape, or the value's when validate_shape is false (TF's). */
static tfc_code shape_assign(tfc_shape_ctx *c) {
    bool validate = true;
    tfc_node_attr_bool(tfc_shape_ctx_node(c), "validate_shape", &validate, NULL);
    const tfc_shape *value = tfc_shape_ctx_input_shape(c, 1);
    if (!validate) {
        tfc_shape_ctx_set_output(c, 0, value);
        return TFC_OK;
    }
    tfc_shape out;
    tfc_code rc = merge_or_fail(c, tfc_shape_ctx_input_shape(c, 0), value, &out);
    if (rc == TFC_OK) tfc_shape_ctx_set_output(c, 0, &out);
    return rc;
}

static tfc_code shape_merge_inputs(tfc_shape_ctx *c) {
    tfc_shape out;
    tfc_code rc =
        merge_or_fail(c, tfc_shape_ctx_input_shape(c, 0), tfc_shape_ctx_input_shape(c, 1), &out);
    if (rc == TFC_OK) tfc_shape_ctx_set_output(c, 0, &out);
    return rc;
}

/* The VarHandleOp a resource input comes from, or NULL (a handle from elsewhere). */
static const tfc_node *handle_node(const tfc_node *n, int i) {
    const tfc_node *src = tfc__var_source(n, i);
    return src && !strcmp(tfc_node_op(src), "VarHandleOp") ? src : NULL;
}

/* ReadVariableOp: the variable's declared shape, known from its VarHandleOp (TF keeps it as the
 * handle's shape-and-type data); unknown otherwise. */
static tfc_code shape_read_variable(tfc_shape_ctx *c) {
    const tfc_node *h = handle_node(tfc_shape_ctx_node(c), 0);
    tfc_shape s = tfc_shape_unknown();
    if (h) {
        tfc_dtype want, have;
        tfc_node_attr_type(tfc_shape_ctx_node(c), "dtype", &want, NULL);
        if (tfc_node_attr_type(h, "dtype", &have, NULL) == TFC_OK && have != want)
            return tfc_shape_ctx_fail(
                c, "Trying to read variable with wrong dtype. Expected %s got %s",
                tfc__tf_dtype_string(have), tfc__tf_dtype_string(want));
        tfc_node_attr_shape(h, "shape", &s, NULL);
    }
    tfc_shape_ctx_set_output(c, 0, &s);
    return TFC_OK;
}

/* Assign*VariableOp: the value must fit the variable's declared shape. */
static tfc_code shape_assign_variable(tfc_shape_ctx *c) {
    const tfc_node *h = handle_node(tfc_shape_ctx_node(c), 0);
    tfc_shape s, out;
    if (h && tfc_node_attr_shape(h, "shape", &s, NULL) == TFC_OK)
        return merge_or_fail(c, &s, tfc_shape_ctx_input_shape(c, 1), &out);
    return TFC_OK;
}

/* ---- Kernels: creating the variable ---- */

typedef struct var_state {
    char key[512];
    char name[256];      /* the variable's name in messages */
    char container[128]; /* resource variables: for TF's lookup message */
} var_state;

/* State for a node that creates a variable (input < 0) or uses the one behind input `input`. */
static tfc_code var_prepare_from(const tfc_node *n, int input, void **state, tfc_status *st) {
    var_state *s = tfc_calloc(1, sizeof *s);
    if (!s) return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    const tfc_node *v = input < 0 ? n : tfc__var_source(n, input);
    const char *name = v ? tfc_node_name(v) : "?";
    const char *shared = "", *container = "";
    size_t ls = 0, lc = 0;
    if (v) {
        tfc_node_attr_string(v, "shared_name", &shared, &ls, NULL);
        tfc_node_attr_string(v, "container", &container, &lc, NULL);
        if (v == n && !tfc__var_key(v, s->key, sizeof s->key)) {
            tfc_free(s);
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "node '%s': variable name too long for tfc", name);
        }
    }
    snprintf(s->name, sizeof s->name, "%.*s", ls ? (int)ls : (int)strlen(name), ls ? shared : name);
    snprintf(s->container, sizeof s->container, "%.*s", lc ? (int)lc : 9,
             lc ? container : "localhost");
    *state = s;
    return TFC_OK;
}

static tfc_code var_prepare(const tfc_node *n, void **state, tfc_status *st) {
    return var_prepare_from(n, -1, state, st);
}

static tfc_code use_prepare(const tfc_node *n, void **state, tfc_status *st) {
    return var_prepare_from(n, 0, state, st);
}

/* VariableV2 and VarHandleOp: output the slot (created on first run, as TF creates the resource
 * when the op first runs). */
static tfc_code var_compute(tfc_kernel_ctx *c, void *state) {
    const var_state *s = state;
    tfc_tensor **slot;
    tfc_code rc = tfc_kctx_variable(c, s->key, &slot);
    if (rc == TFC_OK) tfc_kctx_set_output_ref(c, 0, slot);
    return rc;
}
static const tfc_kernel kernel_variable = {.prepare = var_prepare, .compute = var_compute};

/* ---- Kernels: updates ---- */

typedef enum update_kind { UPDATE_SET, UPDATE_ADD, UPDATE_SUB } update_kind;

#define UPDATE_LOOP(T, U)                                                                          \
    {                                                                                              \
        const T *a = tfc_tensor_data_const(old), *b = tfc_tensor_data_const(value);                \
        T *z = tfc_tensor_data(out);                                                               \
        if (kind == UPDATE_ADD)                                                                    \
            for (int64_t i = 0; i < n; i++) z[i] = (T)((U)a[i] + (U)b[i]);                         \
        else                                                                                       \
            for (int64_t i = 0; i < n; i++) z[i] = (T)((U)a[i] - (U)b[i]);                         \
    }

/* *slot = value, or *slot (+|-)= value; in place when the variable is the only holder of its
 * tensor, else into a new tensor that replaces it. Shapes and dtypes are checked by the caller. */
static tfc_code update_slot(tfc_kernel_ctx *c, tfc_tensor **slot, const tfc_tensor *value,
                            update_kind kind) {
    tfc_tensor *old = *slot, *out;
    tfc_dtype dt = tfc_tensor_dtype(value);
    tfc_status st;
    bool in_place = old && dt != TFC_DT_STRING && tfc_tensor_dtype(old) == dt &&
                    tfc_shape_equal(tfc_tensor_shape(old), tfc_tensor_shape(value)) &&
                    tfc__tensor_exclusive(old);
    if (kind == UPDATE_SET) {
        if (in_place) {
            if (tfc_tensor_byte_size(value) && tfc_tensor_data(old) != tfc_tensor_data_const(value))
                memcpy(tfc_tensor_data(old), tfc_tensor_data_const(value),
                       tfc_tensor_byte_size(value));
            return TFC_OK;
        }
        if (tfc_tensor_copy(value, &out, &st) != TFC_OK)
            return tfc_kctx_fail(c, st.code, "%s", st.msg);
    } else {
        if (dt != TFC_DT_FLOAT && dt != TFC_DT_DOUBLE && dt != TFC_DT_INT32 && dt != TFC_DT_INT64)
            return tfc_kctx_fail(c, TFC_UNIMPLEMENTED, "no CPU kernel for updates of %s",
                                 tfc_dtype_name(dt));
        if (in_place) {
            out = old;
        } else if (tfc_tensor_new(dt, tfc_tensor_shape(value), &out, &st) != TFC_OK) {
            return tfc_kctx_fail(c, st.code, "%s", st.msg);
        }
        int64_t n = tfc_tensor_num_elements(value);
        switch (dt) {
        case TFC_DT_FLOAT:
            UPDATE_LOOP(float, float)
            break;
        case TFC_DT_DOUBLE:
            UPDATE_LOOP(double, double)
            break;
        case TFC_DT_INT32:
            UPDATE_LOOP(int32_t, uint32_t)
            break;
        default:
            UPDATE_LOOP(int64_t, uint64_t)
            break;
        }
        if (in_place) return TFC_OK;
    }
    tfc_tensor_unref(old);
    *slot = out;
    return TFC_OK;
}

/* Assign: TF's AssignOp (validate_shape checks an initialized variable's shape). */
static tfc_code assign_compute(tfc_kernel_ctx *c, void *state) {
    tfc_tensor **slot = tfc_kctx_input_ref(c, 0);
    const tfc_tensor *value = tfc_kctx_input(c, 1);
    bool validate = true;
    tfc_node_attr_bool(tfc_kctx_node(c), "validate_shape", &validate, NULL);
    if (validate && *slot && !tfc_shape_equal(tfc_tensor_shape(*slot), tfc_tensor_shape(value))) {
        char a[96], b[96];
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "Assign requires shapes of both tensors to match. lhs shape= %s rhs "
                             "shape= %s",
                             tfc_shape_to_string(tfc_tensor_shape(*slot), a, sizeof a),
                             tfc_shape_to_string(tfc_tensor_shape(value), b, sizeof b));
    }
    tfc_code rc = update_slot(c, slot, value, UPDATE_SET);
    if (rc == TFC_OK) tfc_kctx_set_output_ref(c, 0, slot);
    return rc;
}
static const tfc_kernel kernel_assign = {.compute = assign_compute};

static tfc_code check_same_shape(tfc_kernel_ctx *c, const tfc_tensor *var,
                                 const tfc_tensor *value) {
    if (tfc_shape_equal(tfc_tensor_shape(var), tfc_tensor_shape(value))) return TFC_OK;
    char a[96], b[96];
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                         "Cannot update variable with shape %s using a Tensor with shape %s, "
                         "shapes must be equal.",
                         tfc_shape_to_string(tfc_tensor_shape(var), a, sizeof a),
                         tfc_shape_to_string(tfc_tensor_shape(value), b, sizeof b));
}

/* AssignAdd, AssignSub: the variable must hold a value (TF1's message). */
static tfc_code ref_update(tfc_kernel_ctx *c, const var_state *s, update_kind kind) {
    tfc_tensor **slot = tfc_kctx_input_ref(c, 0);
    const tfc_tensor *value = tfc_kctx_input(c, 1);
    if (!*slot)
        return tfc_kctx_fail(c, TFC_FAILED_PRECONDITION, "Attempting to use uninitialized value %s",
                             s->name);
    tfc_code rc = check_same_shape(c, *slot, value);
    if (rc == TFC_OK) rc = update_slot(c, slot, value, kind);
    if (rc == TFC_OK) tfc_kctx_set_output_ref(c, 0, slot);
    return rc;
}
static tfc_code assign_add_compute(tfc_kernel_ctx *c, void *state) {
    return ref_update(c, state, UPDATE_ADD);
}
static tfc_code assign_sub_compute(tfc_kernel_ctx *c, void *state) {
    return ref_update(c, state, UPDATE_SUB);
}
static const tfc_kernel kernel_assign_add = {.prepare = use_prepare, .compute = assign_add_compute};
static const tfc_kernel kernel_assign_sub = {.prepare = use_prepare, .compute = assign_sub_compute};

/* ---- Kernels: resource variables ---- */

/* TF's message for a resource variable that was never assigned (the resource does not exist). */
static tfc_code uninitialized_resource(tfc_kernel_ctx *c, const var_state *s) {
    return tfc_kctx_fail(c, TFC_FAILED_PRECONDITION,
                         "Error while reading resource variable %s from Container: %s. This could "
                         "mean that the variable was uninitialized. Not found: Container %s does "
                         "not exist. (Could not find resource: %s/%s)",
                         s->name, s->container, s->container, s->container, s->name);
}

static tfc_code check_dtype(tfc_kernel_ctx *c, const char *what, tfc_dtype have, tfc_dtype want) {
    if (have == want) return TFC_OK;
    return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                         "Trying to %s variable with wrong dtype. Expected %s got %s", what,
                         tfc__tf_dtype_string(have), tfc__tf_dtype_string(want));
}

static tfc_code read_variable_compute(tfc_kernel_ctx *c, void *state) {
    tfc_tensor **slot = tfc_kctx_input_ref(c, 0);
    if (!slot || !*slot) return uninitialized_resource(c, state);
    tfc_dtype want = TFC_DT_INVALID;
    tfc_node_attr_type(tfc_kctx_node(c), "dtype", &want, NULL);
    tfc_code rc = check_dtype(c, "read", tfc_tensor_dtype(*slot), want);
    if (rc == TFC_OK) tfc_kctx_set_output(c, 0, *slot);
    return rc;
}
static const tfc_kernel kernel_read_variable = {.prepare = use_prepare,
                                                .compute = read_variable_compute};

/* AssignVariableOp creates the variable's value (TF creates the resource on first assign). */
static tfc_code assign_variable_compute(tfc_kernel_ctx *c, void *state) {
    tfc_tensor **slot = tfc_kctx_input_ref(c, 0);
    const tfc_tensor *value = tfc_kctx_input(c, 1);
    bool validate = false;
    tfc_node_attr_bool(tfc_kctx_node(c), "validate_shape", &validate, NULL);
    if (!slot) return uninitialized_resource(c, state);
    if (*slot) {
        tfc_code rc = check_dtype(c, "assign", tfc_tensor_dtype(*slot), tfc_tensor_dtype(value));
        if (rc == TFC_OK && validate) rc = check_same_shape(c, *slot, value);
        if (rc != TFC_OK) return rc;
    }
    return update_slot(c, slot, value, UPDATE_SET);
}
static const tfc_kernel kernel_assign_variable = {.prepare = use_prepare,
                                                  .compute = assign_variable_compute};

static tfc_code resource_update(tfc_kernel_ctx *c, const var_state *s, update_kind kind) {
    tfc_tensor **slot = tfc_kctx_input_ref(c, 0);
    const tfc_tensor *value = tfc_kctx_input(c, 1);
    if (!slot || !*slot) return uninitialized_resource(c, s);
    tfc_code rc = check_dtype(c, "update", tfc_tensor_dtype(*slot), tfc_tensor_dtype(value));
    if (rc == TFC_OK) rc = check_same_shape(c, *slot, value);
    return rc == TFC_OK ? update_slot(c, slot, value, kind) : rc;
}
static tfc_code assign_add_variable_compute(tfc_kernel_ctx *c, void *state) {
    return resource_update(c, state, UPDATE_ADD);
}
static tfc_code assign_sub_variable_compute(tfc_kernel_ctx *c, void *state) {
    return resource_update(c, state, UPDATE_SUB);
}
static const tfc_kernel kernel_assign_add_variable = {.prepare = use_prepare,
                                                      .compute = assign_add_variable_compute};
static const tfc_kernel kernel_assign_sub_variable = {.prepare = use_prepare,
                                                      .compute = assign_sub_variable_compute};

/* ---- The table ---- */
/* tf.train's updates (TF's training_ops.cc): a ref version that outputs the variable's ref,
 * and a resource version with no outputs. */
#define APPLY_ATTRS "T: {numbertypes}; use_locking: bool = false"
#define APPLY_OP(NAME, SIG, ATTRS, KERNEL)                                                         \
    {                                                                                              \
        .name = NAME, .sig = SIG, .attrs = ATTRS, .shape = tfc__shape_apply, .kernel = &KERNEL,    \
        .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT                                              \
    }

static const tfc_op_spec state_ops[] = {
    {.name = "VariableV2",
     .sig = "-> ref: Ref(dtype)",
     .attrs = "shape: shape; dtype: type; container: string = ''; shared_name: string = ''",
     .shape = tfc__shape_from_attr,
     .kernel = &kernel_variable,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "Assign",
     .sig = "ref: Ref(T), value: T -> output_ref: Ref(T)",
     .attrs = "T: type; validate_shape: bool = true; use_locking: bool = true",
     .shape = shape_assign,
     .kernel = &kernel_assign,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "AssignAdd",
     .sig = "ref: Ref(T), value: T -> output_ref: Ref(T)",
     .attrs = "T: {numbertypes}; use_locking: bool = false",
     .shape = shape_merge_inputs,
     .kernel = &kernel_assign_add,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "AssignSub",
     .sig = "ref: Ref(T), value: T -> output_ref: Ref(T)",
     .attrs = "T: {numbertypes}; use_locking: bool = false",
     .shape = shape_merge_inputs,
     .kernel = &kernel_assign_sub,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "VarHandleOp",
     .sig = "-> resource: resource",
     .attrs = "container: string = ''; shared_name: string = ''; debug_name: string = ''; "
              "dtype: type; shape: shape; allowed_devices: list(string) = []",
     .shape = tfc__shape_scalar,
     .kernel = &kernel_variable,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "ReadVariableOp",
     .sig = "resource: resource -> value: dtype",
     .attrs = "dtype: type",
     .shape = shape_read_variable,
     .kernel = &kernel_read_variable,
     .grad = tfc__grad_identity, /* TF's _ReadGrad: to the handle, where gradients stop */
     .flags = TFC_OP_STATEFUL},
    {.name = "AssignVariableOp",
     .sig = "resource: resource, value: dtype ->",
     .attrs = "dtype: type; validate_shape: bool = false",
     .shape = shape_assign_variable,
     .kernel = &kernel_assign_variable,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "AssignAddVariableOp",
     .sig = "resource: resource, value: dtype ->",
     .attrs = "dtype: type",
     .shape = shape_assign_variable,
     .kernel = &kernel_assign_add_variable,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},
    {.name = "AssignSubVariableOp",
     .sig = "resource: resource, value: dtype ->",
     .attrs = "dtype: type",
     .shape = shape_assign_variable,
     .kernel = &kernel_assign_sub_variable,
     .flags = TFC_OP_STATEFUL | TFC_OP_NO_GRADIENT},

    /* tf.train's updates (train_kernels.c) */
    APPLY_OP("ApplyGradientDescent", "var: Ref(T), alpha: T, delta: T -> out: Ref(T)", APPLY_ATTRS,
             tfc__kernel_apply_gradient_descent),
    APPLY_OP("ResourceApplyGradientDescent", "var: resource, alpha: T, delta: T ->", APPLY_ATTRS,
             tfc__kernel_apply_gradient_descent),
    APPLY_OP("ApplyMomentum",
             "var: Ref(T), accum: Ref(T), lr: T, grad: T, momentum: T -> out: Ref(T)",
             APPLY_ATTRS "; use_nesterov: bool = false", tfc__kernel_apply_momentum),
    APPLY_OP("ResourceApplyMomentum",
             "var: resource, accum: resource, lr: T, grad: T, momentum: T ->",
             APPLY_ATTRS "; use_nesterov: bool = false", tfc__kernel_apply_momentum),
    APPLY_OP("ApplyAdam",
             "var: Ref(T), m: Ref(T), v: Ref(T), beta1_power: T, beta2_power: T, lr: T, "
             "beta1: T, beta2: T, epsilon: T, grad: T -> out: Ref(T)",
             APPLY_ATTRS "; use_nesterov: bool = false", tfc__kernel_apply_adam),
    APPLY_OP("ResourceApplyAdam",
             "var: resource, m: resource, v: resource, beta1_power: T, beta2_power: T, lr: T, "
             "beta1: T, beta2: T, epsilon: T, grad: T ->",
             APPLY_ATTRS "; use_nesterov: bool = false", tfc__kernel_apply_adam),
    APPLY_OP("ApplyRMSProp",
             "var: Ref(T), ms: Ref(T), mom: Ref(T), lr: T, rho: T, momentum: T, epsilon: T, "
             "grad: T -> out: Ref(T)",
             APPLY_ATTRS, tfc__kernel_apply_rms_prop),
    APPLY_OP("ResourceApplyRMSProp",
             "var: resource, ms: resource, mom: resource, lr: T, rho: T, momentum: T, "
             "epsilon: T, grad: T ->",
             APPLY_ATTRS, tfc__kernel_apply_rms_prop),
    APPLY_OP("ApplyAdagrad", "var: Ref(T), accum: Ref(T), lr: T, grad: T -> out: Ref(T)",
             APPLY_ATTRS "; update_slots: bool = true", tfc__kernel_apply_adagrad),
    APPLY_OP("ResourceApplyAdagrad", "var: resource, accum: resource, lr: T, grad: T ->",
             APPLY_ATTRS "; update_slots: bool = true", tfc__kernel_apply_adagrad),
};

const tfc_op_family tfc__ops_state = {"state", state_ops,
                                      (int)(sizeof state_ops / sizeof state_ops[0])};
