/* Private to src/runtime: the kernel context and output slots the session and tfc__kernel_run
 * share, and the variable table. */
#ifndef TFC_RUNTIME_INT_H
#define TFC_RUNTIME_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/kernel.h"
#include "tfc/session.h"

/* What an output slot holds, which decides what happens to it when its last consumer has run:
 *   OWNED    a tensor the runtime allocated: kept across runs and reused when still exclusive;
 *   FORWARD  a reference to someone else's tensor (Identity, a feed): dropped;
 *   VIEW     a header sharing another tensor's buffer (Reshape): detached from the buffer but
 *            kept, so the next run re-points it without allocating;
 *   REF      a variable slot (Ref(T) and resource edges): forgotten. */
typedef enum tfc__slot_kind {
    TFC__SLOT_EMPTY = 0,
    TFC__SLOT_OWNED,
    TFC__SLOT_FORWARD,
    TFC__SLOT_VIEW,
    TFC__SLOT_REF,
} tfc__slot_kind;

typedef struct tfc__slot {
    tfc_tensor *t;    /* OWNED, FORWARD, VIEW (a VIEW header with no buffer between runs) */
    tfc_tensor **ref; /* REF */
    uint8_t kind;     /* tfc__slot_kind */
    bool set;         /* produced in the current run */
} tfc__slot;

/* The value a slot carries this run (a REF slot's variable value, which may be NULL). */
static inline tfc_tensor *tfc__slot_value(const tfc__slot *s) {
    return s->kind == TFC__SLOT_REF ? *s->ref : s->t;
}

/* Drops what a slot holds for the rest of the run (OWNED tensors stay for reuse). */
void tfc__slot_release(tfc__slot *s);
/* Frees everything a slot holds (session teardown, plan eviction). */
void tfc__slot_clear(tfc__slot *s);

/* Per flattened input: how the runtime delivers it. */
enum { TFC__IN_VALUE = 0, TFC__IN_REF = 1, TFC__IN_RESOURCE = 2 };
/* Fills kinds[0..tfc_node_num_inputs(n)) from the op's signature (list arguments expanded). */
void tfc__node_input_kinds(const tfc_node *n, uint8_t *kinds);

struct tfc_kernel_ctx {
    const tfc_node *node;
    int num_inputs, num_outputs;
    const tfc_tensor **in; /* values this run (NULL for ref/resource inputs of empty slots) */
    tfc_tensor ***in_ref;  /* per input: the variable slot of a ref/resource input, else NULL */
    tfc__slot *out;
    tfc_threadpool *pool;
    tfc_var_table *vars;
    tfc_status *st;
    const tfc_tensor *epi_bias; /* a fused BiasAdd's bias (NULL: none) */
    bool epi_relu;              /* ... followed by a fused Relu */
    bool epi_relu_grad;         /* a fused ReluGrad(output 0, input 0) */
};

/* Variable table: an open-addressing map from key to a heap entry (so slots never move). */
tfc_tensor **tfc__var_table_slot(tfc_var_table *vars, const char *key);
tfc_tensor **tfc__var_table_find(const tfc_var_table *vars, const char *key);

/* Resolves a ref/resource input's variable in vars by following the graph to its VariableV2 or
 * VarHandleOp (through Assign-like ops whose output forwards their ref input); NULL when the
 * producer is not one of those, or out of memory. */
tfc_tensor **tfc__var_slot_of_input(tfc_var_table *vars, const tfc_node *n, int i);

#endif

/* ---- Session plans (session_plan.c builds them, session.c runs them) ---- */

/* One node of a plan, in execution order. */
typedef struct tfc__step {
    const tfc_node *node;
    const tfc_kernel *kernel; /* NULL: nothing to compute (NoOp) */
    void *state;              /* from kernel->prepare */
    int num_inputs, num_outputs;
    int *in_slot;          /* per input: index into plan->slots */
    uint8_t *in_kind;      /* TFC__IN_* */
    const tfc_tensor **in; /* scratch handed to the kernel */
    tfc_tensor ***in_ref;
    int out_slot; /* index of output 0's slot */
    /* Epilogue fusion (session_plan.c): a step whose kernel fuses_bias_relu may take over the
     * BiasAdd (and Relu) after it: epi_bias_slot >= 0 is the bias's slot, and its output 0 goes
     * to the last fused step's slot; the fused steps are skipped. */
    int epi_bias_slot;
    bool epi_relu;
    bool epi_relu_grad; /* fuses_relu_grad: the ReluGrad after it is folded in */
    bool skip;
    int *release; /* slots whose last reader is this step */
    int num_release;
} tfc__step;

typedef struct tfc__plan {
    /* the signature: node ids and output indices as given */
    uint64_t hash;
    int num_feeds, num_fetches, num_targets;
    int64_t *sig; /* feeds (id, index), fetches (id, index), targets (id) */
    tfc__step *steps;
    int num_steps;
    tfc__slot *slots;
    const tfc_node **slot_node; /* producer of each slot, for messages */
    int num_slots;
    int *feed_slot;     /* per feed */
    int *fetch_slot;    /* per fetch */
    uint64_t last_used; /* for eviction */
} tfc__plan;

/* Hash of a run's signature. */
uint64_t tfc__plan_hash(const tfc_feed *feeds, int nf, const tfc_out *fetches, int nx,
                        tfc_node *const *targets, int nt);
/* Whether plan p was built for exactly this signature. */
bool tfc__plan_matches(const tfc__plan *p, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                       int nx, tfc_node *const *targets, int nt);
/* Prunes g to what the fetches and targets need (data and control inputs; fed outputs cut the
 * graph), orders it (creation order is a topological order in a tfc graph), assigns output slots,
 * computes each slot's last reader and prepares every kernel. Errors: INVALID_ARGUMENT for a fetch,
 * feed or target that is not in g or fed twice, UNIMPLEMENTED for a node without a CPU kernel, a
 * kernel's prepare error (naming the node), RESOURCE_EXHAUSTED. */
tfc_code tfc__plan_build(const tfc_graph *g, const tfc_feed *feeds, int nf, const tfc_out *fetches,
                         int nx, tfc_node *const *targets, int nt, tfc__plan **out, tfc_status *st);
void tfc__plan_free(tfc__plan *p);
