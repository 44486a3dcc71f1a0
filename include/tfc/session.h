/* tfc session: runs a graph like tf.Session — feeds, fetches and targets; only what the fetches
 * and targets need runs; a plan is compiled once per (feeds, fetches, targets) signature and
 * reused, so repeated runs of a training step allocate nothing.
 *
 *     tfc_session *s;
 *     tfc_session_new(g, NULL, &s, &st);
 *     tfc_session_run(s, NULL, 0, NULL, 0, NULL, &init, 1, &st);        // run the initializers
 *     tfc_feed feed = {x, batch};
 *     tfc_tensor *loss;
 *     tfc_session_run(s, &feed, 1, &loss_out, 1, &loss, &train_op, 1, &st);
 *     ... use tfc_tensor_data(loss) ...
 *     tfc_tensor_unref(loss);
 *
 * Errors name what is wrong: a placeholder needed by the fetches but not fed ("You must feed a
 * value for placeholder tensor 'x' with dtype float and shape [?,784]", TF's wording), a fed tensor
 * whose dtype or shape does not match (expected vs got), a variable read before it was initialized
 * (FAILED_PRECONDITION "Attempting to use uninitialized value dense/kernel"), a kernel's failure
 * (named by node). Variables (TF1 VariableV2 and TF2 resource variables; include/tfc/variables.h
 * builds them) live in the session, as in TF: each session has its own values. Kernels use the
 * session's thread pool: TFC_NUM_THREADS threads (default: the cores), and BLAS is held to the
 * same count (OpenBLAS's setting is process-wide). One run at a time per session (calls are
 * serialised); nodes run one after another in creation order, which is a topological order.
 *
 * Memory: a run keeps the tensors it allocated for the next run of the same signature and writes
 * into them again when nobody else holds them, so a result you still hold when you run again is
 * never overwritten (that run allocates a fresh buffer instead), and a step whose results you
 * release allocates nothing. Results may share their buffer with a Const, a fed tensor or a
 * variable's value: read them, and copy (tfc_tensor_copy) before writing. A variable update
 * writes in place only when the variable holds its value alone, so a fetched variable value stays
 * as it was. */
#ifndef TFC_SESSION_H
#define TFC_SESSION_H

#include <stdbool.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tfc_session tfc_session;

typedef struct tfc_session_opts {
    int num_threads; /* 0 = TFC_NUM_THREADS from the environment, else the online cores */
    /* false: a fed value's shape must be compatible with the output's static shape, as TF's
     * Python Session checks; true: any shape is fed (TF's C++ Session does not check), and the
     * kernels check what they need. The dtype must match either way. */
    bool any_feed_shape;
} tfc_session_opts;

/* The graph must outlive the session and not change while sessions run it (nodes added later
 * are fine: they are planned when first needed). */
tfc_code tfc_session_new(tfc_graph *g, const tfc_session_opts *opts, tfc_session **out,
                         tfc_status *st);
void tfc_session_free(tfc_session *s); /* accepts NULL */

typedef struct tfc_feed {
    tfc_out out;       /* usually a placeholder's output; any output may be fed */
    tfc_tensor *value; /* borrowed for the run */
} tfc_feed;

/* Runs the graph: feeds replace those outputs' values (the nodes behind them run only if
 * something else needs them); every fetch is computed and returned in results[i] as a new
 * reference (unref it); targets are run for their effects. Only the nodes the fetches and targets
 * need run (data and control inputs). Fetches and targets may be empty; a fed output may be
 * fetched (its value comes back). The first run of a signature (which outputs are fed, fetched,
 * and which targets, in order) compiles its plan: later runs reuse it.
 * Errors (results are all NULL then): INVALID_ARGUMENT for an output or node not in the graph,
 * an output fed twice, a fed dtype or shape that does not match the output's ("Cannot feed value
 * of shape [2] for Tensor 'x:0', which has shape [?,3]"), a placeholder needed but not fed, a
 * kernel's bad input (naming the node); FAILED_PRECONDITION for a read of an uninitialized
 * variable; UNIMPLEMENTED for a node whose op has no CPU kernel (or not for that dtype);
 * RESOURCE_EXHAUSTED. A failed run leaves variables assigned by the nodes that ran before the
 * failure assigned, as in TF. */
tfc_code tfc_session_run(tfc_session *s, const tfc_feed *feeds, int num_feeds,
                         const tfc_out *fetches, int num_fetches, tfc_tensor **results,
                         tfc_node *const *targets, int num_targets, tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
