/* The kernel context (kernel.h): outputs with buffer reuse, variable slots and the table that
 * holds them, parallel ranges, and tfc__kernel_run, which runs one kernel outside a session. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/trace.h"
#include "graph/op_def.h"
#include "runtime/runtime_int.h"
#include "tensor/tensor_int.h"

/* ---- Context accessors ---- */

int tfc_kctx_num_inputs(const tfc_kernel_ctx *c) {
    return c->num_inputs;
}

const tfc_tensor *tfc_kctx_input(const tfc_kernel_ctx *c, int i) {
    return i >= 0 && i < c->num_inputs ? c->in[i] : NULL;
}

tfc_tensor **tfc_kctx_input_ref(const tfc_kernel_ctx *c, int i) {
    return i >= 0 && i < c->num_inputs ? c->in_ref[i] : NULL;
}

int tfc_kctx_num_outputs(const tfc_kernel_ctx *c) {
    return c->num_outputs;
}

const tfc_node *tfc_kctx_node(const tfc_kernel_ctx *c) {
    return c->node;
}

tfc_threadpool *tfc_kctx_pool(tfc_kernel_ctx *c) {
    return c->pool;
}

bool tfc_kctx_epilogue(const tfc_kernel_ctx *c, const tfc_tensor **bias, bool *relu) {
    *bias = c->epi_bias;
    *relu = c->epi_relu;
    return c->epi_bias != NULL;
}

bool tfc_kctx_relu_grad_fused(const tfc_kernel_ctx *c) {
    return c->epi_relu_grad;
}

tfc_code tfc_kctx_fail(tfc_kernel_ctx *c, tfc_code code, const char *fmt, ...) {
    char msg[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tfc_status_set(c->st, code, "node '%s' (%s): %s", tfc_node_name(c->node),
                          tfc_node_op(c->node), msg);
}

/* ---- Slots ---- */

bool tfc__tensor_exclusive(const tfc_tensor *t) {
    return atomic_load_explicit(&((tfc_tensor *)t)->refs, memory_order_acquire) == 1 &&
           atomic_load_explicit(&t->buf->refs, memory_order_acquire) == 1;
}

/* A detached VIEW header has no buffer: free the header alone. */
static void free_header(tfc_tensor *t) {
    if (t->buf)
        tfc_tensor_unref(t);
    else
        tfc_free(t);
}

void tfc__slot_clear(tfc__slot *s) {
    if (s->t) free_header(s->t);
    *s = (tfc__slot){0};
}

void tfc__slot_release(tfc__slot *s) {
    s->set = false;
    switch (s->kind) {
    case TFC__SLOT_OWNED:
        return;
    case TFC__SLOT_VIEW:
        /* Keep the header when the runtime is its only holder and others hold the buffer (so
         * detaching cannot free it); otherwise let it go. */
        if (s->t && s->t->buf && tfc_tensor_refcount(s->t) == 1 &&
            atomic_load_explicit(&s->t->buf->refs, memory_order_acquire) > 1) {
            atomic_fetch_sub_explicit(&s->t->buf->refs, 1, memory_order_acq_rel);
            s->t->buf = NULL;
            return;
        }
        if (s->t && !s->t->buf) return;
        break;
    default:
        break;
    }
    tfc__slot_clear(s);
}

tfc_code tfc_kctx_alloc_output(tfc_kernel_ctx *c, int i, tfc_dtype dt, const tfc_shape *shape,
                               tfc_tensor **out) {
    *out = NULL;
    if (i < 0 || i >= c->num_outputs)
        return tfc_kctx_fail(c, TFC_INTERNAL, "output %d out of range (%d outputs)", i,
                             c->num_outputs);
    tfc__slot *s = &c->out[i];
    if (s->kind == TFC__SLOT_OWNED && s->t && s->t->dtype == dt &&
        tfc_shape_equal(&s->t->shape, shape) && tfc__tensor_exclusive(s->t)) {
        s->set = true;
        *out = s->t;
        return TFC_OK;
    }
    tfc__slot_clear(s);
    tfc_status st;
    tfc_tensor *t;
    if (tfc__tensor_alloc(dt, shape, false, &t, &st) != TFC_OK)
        return tfc_kctx_fail(c, st.code, "output %d: %s", i, st.msg);
    *s = (tfc__slot){.t = t, .kind = TFC__SLOT_OWNED, .set = true};
    *out = t;
    return TFC_OK;
}

void tfc_kctx_set_output(tfc_kernel_ctx *c, int i, tfc_tensor *t) {
    if (i < 0 || i >= c->num_outputs || !t) return;
    tfc__slot *s = &c->out[i];
    tfc_tensor_ref(t); /* before clearing: t may be the slot's own tensor */
    tfc__slot_clear(s);
    *s = (tfc__slot){.t = t, .kind = TFC__SLOT_FORWARD, .set = true};
}

tfc_code tfc_kctx_set_output_view(tfc_kernel_ctx *c, int i, const tfc_tensor *in,
                                  const tfc_shape *shape) {
    if (i < 0 || i >= c->num_outputs)
        return tfc_kctx_fail(c, TFC_INTERNAL, "output %d out of range (%d outputs)", i,
                             c->num_outputs);
    tfc__slot *s = &c->out[i];
    char a[96], b[96];
    if (!tfc_shape_is_fully_defined(shape) || tfc_shape_num_elements(shape) != in->num_elements)
        return tfc_kctx_fail(c, TFC_INVALID_ARGUMENT,
                             "cannot view a tensor of shape %s (%lld elements) as shape %s",
                             tfc_shape_to_string(&in->shape, a, sizeof a),
                             (long long)in->num_elements, tfc_shape_to_string(shape, b, sizeof b));
    if (s->kind == TFC__SLOT_VIEW && s->t && !s->t->buf && tfc_tensor_refcount(s->t) == 1) {
        atomic_fetch_add_explicit(&in->buf->refs, 1, memory_order_relaxed);
        s->t->buf = in->buf;
        s->t->dtype = in->dtype;
        s->t->shape = *shape;
        s->t->num_elements = in->num_elements;
        s->set = true;
        return TFC_OK;
    }
    tfc__slot_clear(s);
    tfc_status st;
    tfc_tensor *t;
    if (tfc_tensor_reshape((tfc_tensor *)in, shape, &t, &st) != TFC_OK)
        return tfc_kctx_fail(c, st.code, "%s", st.msg);
    *s = (tfc__slot){.t = t, .kind = TFC__SLOT_VIEW, .set = true};
    return TFC_OK;
}

void tfc_kctx_set_output_ref(tfc_kernel_ctx *c, int i, tfc_tensor **slot) {
    if (i < 0 || i >= c->num_outputs || !slot) return;
    tfc__slot *s = &c->out[i];
    tfc__slot_clear(s);
    *s = (tfc__slot){.ref = slot, .kind = TFC__SLOT_REF, .set = true};
}

/* ---- Parallel ranges ---- */

typedef struct range_job {
    void (*fn)(void *, int64_t, int64_t);
    void *ctx;
    int64_t n, chunk;
} range_job;

static void range_item(void *p, int64_t k) {
    range_job *j = p;
    int64_t lo = k * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
    j->fn(j->ctx, lo, hi);
}

void tfc_kctx_parallel_range(tfc_kernel_ctx *c, int64_t n, int64_t min_chunk,
                             void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx) {
    if (n <= 0) return;
    int threads = c->pool ? tfc_threadpool_size(c->pool) : 1;
    if (min_chunk < 1) min_chunk = 1;
    if (threads <= 1 || n < 2 * min_chunk) {
        fn(ctx, 0, n);
        return;
    }
    /* About four ranges per thread balance uneven progress without paying much per range. */
    int64_t chunk = (n + 4 * (int64_t)threads - 1) / (4 * (int64_t)threads);
    if (chunk < min_chunk) chunk = min_chunk;
    range_job j = {fn, ctx, n, chunk};
    tfc_threadpool_parallel_for(c->pool, (n + chunk - 1) / chunk, range_item, &j);
}

/* ---- Variable table ---- */

typedef struct var_entry {
    char *key;
    tfc_tensor *value;
} var_entry;

struct tfc_var_table {
    var_entry **slots; /* power-of-two capacity, at most half full */
    size_t cap, n;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

tfc_var_table *tfc__var_table_new(void) {
    return tfc_calloc(1, sizeof(tfc_var_table));
}

void tfc__var_table_free(tfc_var_table *v) {
    if (!v) return;
    for (size_t i = 0; i < v->cap; i++) {
        if (!v->slots[i]) continue;
        tfc_tensor_unref(v->slots[i]->value);
        tfc_free(v->slots[i]->key);
        tfc_free(v->slots[i]);
    }
    tfc_free(v->slots);
    tfc_free(v);
}

static var_entry **probe(var_entry **slots, size_t cap, const char *key) {
    size_t i = (size_t)hash_str(key) & (cap - 1);
    while (slots[i] && strcmp(slots[i]->key, key)) i = (i + 1) & (cap - 1);
    return &slots[i];
}

tfc_tensor **tfc__var_table_find(const tfc_var_table *v, const char *key) {
    if (!v || !v->cap) return NULL;
    var_entry *e = *probe(v->slots, v->cap, key);
    return e ? &e->value : NULL;
}

tfc_tensor **tfc__var_table_slot(tfc_var_table *v, const char *key) {
    tfc_tensor **found = tfc__var_table_find(v, key);
    if (found) return found;
    if (2 * (v->n + 1) > v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        var_entry **slots = tfc_calloc(cap, sizeof *slots);
        if (!slots) return NULL;
        for (size_t i = 0; i < v->cap; i++)
            if (v->slots[i]) *probe(slots, cap, v->slots[i]->key) = v->slots[i];
        tfc_free(v->slots);
        v->slots = slots, v->cap = cap;
    }
    var_entry *e = tfc_calloc(1, sizeof *e);
    if (!e || !(e->key = tfc_strdup(key))) {
        tfc_free(e);
        return NULL;
    }
    *probe(v->slots, v->cap, key) = e;
    v->n++;
    return &e->value;
}

tfc_code tfc_kctx_variable(tfc_kernel_ctx *c, const char *key, tfc_tensor ***slot) {
    *slot = c->vars ? tfc__var_table_slot(c->vars, key) : NULL;
    if (!*slot)
        return tfc_kctx_fail(c, TFC_RESOURCE_EXHAUSTED, "out of memory creating variable %s", key);
    return TFC_OK;
}

bool tfc__var_key(const tfc_node *node, char *buf, size_t n) {
    const char *op = tfc_node_op(node), *kind;
    if (!strcmp(op, "VariableV2"))
        kind = "ref";
    else if (!strcmp(op, "VarHandleOp"))
        kind = "res";
    else
        return false;
    const char *container = "", *shared = "";
    size_t lc = 0, ls = 0;
    tfc_node_attr_string(node, "container", &container, &lc, NULL);
    tfc_node_attr_string(node, "shared_name", &shared, &ls, NULL);
    if (!lc) container = "localhost", lc = strlen(container);
    if (!ls) shared = tfc_node_name(node), ls = strlen(shared);
    int w = snprintf(buf, n, "%s:%.*s/%.*s", kind, (int)lc, container, (int)ls, shared);
    return w >= 0 && (size_t)w < n;
}

/* Ops whose output i is their input i's ref or handle, passed on: TF's Assign family (output 0)
 * and Identity(N) of a resource handle. */
static bool forwards_ref(tfc_out o) {
    const char *op = tfc_node_op(o.node);
    if (!strcmp(op, "Identity") || !strcmp(op, "IdentityN"))
        return tfc_out_dtype(o) == TFC_DT_RESOURCE;
    return o.index == 0 &&
           (!strcmp(op, "Assign") || !strcmp(op, "AssignAdd") || !strcmp(op, "AssignSub"));
}

const tfc_node *tfc__var_source(const tfc_node *n, int i) {
    tfc_out src = tfc_node_input(n, i);
    while (src.node && forwards_ref(src)) src = tfc_node_input(src.node, src.index);
    return src.node;
}

tfc_tensor **tfc__var_slot_of_input(tfc_var_table *vars, const tfc_node *n, int i) {
    const tfc_node *v = tfc__var_source(n, i);
    char key[512];
    if (!v || !tfc__var_key(v, key, sizeof key)) return NULL;
    return tfc__var_table_slot(vars, key);
}

/* ---- Input kinds ---- */

void tfc__node_input_kinds(const tfc_node *n, uint8_t *kinds) {
    const tfc_op_def *op = tfc__op_lookup(tfc_node_op(n));
    int total = tfc_node_num_inputs(n), k = 0;
    for (int a = 0; op && a < op->num_inputs && k < total; a++) {
        const tfc_arg_def *arg = &op->inputs[a];
        int count = 1;
        if (arg->number_attr) {
            int64_t v = 0;
            tfc_node_attr_int(n, arg->number_attr, &v, NULL);
            count = (int)v;
        } else if (arg->type_list_attr) {
            const tfc_dtype *types;
            if (tfc_node_attr_type_list(n, arg->type_list_attr, &types, &count, NULL) != TFC_OK)
                count = 0;
        }
        uint8_t kind = arg->is_ref                    ? TFC__IN_REF
                       : arg->type == TFC_DT_RESOURCE ? TFC__IN_RESOURCE
                                                      : TFC__IN_VALUE;
        for (int j = 0; j < count && k < total; j++, k++) {
            /* A resource handle passed through a type attr (Identity of a handle) stays one. */
            tfc_dtype dt = tfc_out_dtype(tfc_node_input(n, k));
            kinds[k] = kind == TFC__IN_VALUE && dt == TFC_DT_RESOURCE ? TFC__IN_RESOURCE : kind;
        }
    }
    while (k < total) kinds[k++] = TFC__IN_VALUE;
}

/* ---- Running one kernel ---- */

tfc_code tfc__kernel_run(const tfc_node *node, const tfc_tensor *const *inputs, int num_inputs,
                         tfc_tensor **outputs, int num_outputs, tfc_threadpool *pool,
                         tfc_var_table *vars, tfc_status *st) {
    for (int i = 0; i < num_outputs; i++) outputs[i] = NULL;
    const char *name = tfc_node_name(node), *opname = tfc_node_op(node);
    if (num_inputs != tfc_node_num_inputs(node) || num_outputs != tfc_node_num_outputs(node))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "node '%s' (%s) has %d inputs and %d outputs; given %d and %d", name,
                              opname, tfc_node_num_inputs(node), tfc_node_num_outputs(node),
                              num_inputs, num_outputs);
    const tfc_op_def *op = tfc__op_lookup(opname);
    const tfc_kernel *k = op ? op->spec->kernel : NULL;
    if (!k) {
        if (!strcmp(opname, "NoOp")) {
            tfc_status_clear(st);
            return TFC_OK;
        }
        return tfc_status_set(st, TFC_UNIMPLEMENTED, "op '%s' (node '%s') has no CPU kernel in tfc",
                              opname, name);
    }
    tfc_var_table *own_vars = NULL;
    tfc_threadpool *own_pool = NULL;
    const tfc_tensor **in = tfc_calloc((size_t)num_inputs + 1, sizeof *in);
    tfc_tensor ***in_ref = tfc_calloc((size_t)num_inputs + 1, sizeof *in_ref);
    tfc_tensor **tmp_ref = tfc_calloc((size_t)num_inputs + 1, sizeof *tmp_ref);
    uint8_t *kinds = tfc_calloc((size_t)num_inputs + 1, 1);
    tfc__slot *out = tfc_calloc((size_t)num_outputs + 1, sizeof *out);
    if (!vars) vars = own_vars = tfc__var_table_new();
    tfc_code rc = TFC_OK;
    if (!in || !in_ref || !tmp_ref || !kinds || !out || !vars) {
        rc = tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory running node '%s'", name);
        goto done;
    }
    if (!pool && (rc = tfc_threadpool_new(1, &own_pool, st)) != TFC_OK) goto done;
    tfc__node_input_kinds(node, kinds);
    for (int i = 0; i < num_inputs; i++) {
        in[i] = inputs[i];
        if (kinds[i] == TFC__IN_VALUE) {
            if (inputs[i]) continue;
            rc = tfc_status_set(st, TFC_INVALID_ARGUMENT, "node '%s' (%s): input %d is NULL", name,
                                opname, i);
            goto done;
        }
        in_ref[i] = tfc__var_slot_of_input(vars, node, i);
        if (!in_ref[i]) {
            if (inputs[i]) tmp_ref[i] = tfc_tensor_ref((tfc_tensor *)inputs[i]);
            in_ref[i] = &tmp_ref[i];
        }
        in[i] = *in_ref[i];
    }
    tfc_kernel_ctx c = {.node = node,
                        .num_inputs = num_inputs,
                        .num_outputs = num_outputs,
                        .in = in,
                        .in_ref = in_ref,
                        .out = out,
                        .pool = pool ? pool : own_pool,
                        .vars = vars,
                        .st = st};
    void *state = NULL;
    if (k->prepare && (rc = k->prepare(node, &state, st)) != TFC_OK) goto done;
    tfc_status_clear(st);
    rc = k->compute(&c, state);
    if (tfc__trace && rc == TFC_OK) tfc__trace(TFC_TRACE_KERNEL, tfc_node_op(node));
    if (k->release)
        k->release(state);
    else
        tfc_free(state);
    if (rc != TFC_OK) goto done;
    for (int i = 0; i < num_outputs; i++) {
        if (!out[i].set) {
            rc = tfc_kctx_fail(&c, TFC_INTERNAL, "the kernel did not produce output %d", i);
            goto done;
        }
    }
    for (int i = 0; i < num_outputs; i++) {
        tfc_tensor *v = tfc__slot_value(&out[i]);
        outputs[i] = v ? tfc_tensor_ref(v) : NULL;
    }
done:
    if (out)
        for (int i = 0; i < num_outputs; i++) tfc__slot_clear(&out[i]);
    if (tmp_ref)
        for (int i = 0; i < num_inputs; i++) tfc_tensor_unref(tmp_ref[i]);
    tfc_free(in), tfc_free(in_ref), tfc_free(tmp_ref), tfc_free(kinds), tfc_free(out);
    tfc__var_table_free(own_vars);
    tfc_threadpool_free(own_pool);
    return rc;
}

const char *tfc__tf_dtype_string(tfc_dtype dt) {
    static const char *const refs[] = {
        [TFC_DT_FLOAT] = "float_ref", [TFC_DT_DOUBLE] = "double_ref", [TFC_DT_HALF] = "half_ref"};
    tfc_dtype base = tfc_dtype_base(dt);
    bool ref = base != dt;
    switch (base) {
    case TFC_DT_FLOAT:
    case TFC_DT_DOUBLE:
    case TFC_DT_HALF:
        if (ref) return refs[base];
        return base == TFC_DT_FLOAT ? "float" : base == TFC_DT_DOUBLE ? "double" : "half";
    default:
        return tfc_dtype_name(dt);
    }
}
