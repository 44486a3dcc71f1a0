/* Shared helpers of the runtime part's tests: graph building shorthands, random tensors, and
 * running one kernel. */
#ifndef TFC_RUNTIME_TESTS_H
#define TFC_RUNTIME_TESTS_H

#include <stdio.h>
#include <string.h>

#include "runtime/kernel.h"
#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/session.h"
#include "tfc/variables.h"

int tr_run_kernels(void);
int tr_run_session(void);
int tr_run_variables(void);
int tr_run_fusion(void);

static inline tfc_out tr_unary(tfc_graph *g, const char *op, const char *name, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, x);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static inline tfc_out tr_binary(tfc_graph *g, const char *op, const char *name, tfc_out x,
                                tfc_out y) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, y);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* A placeholder of the given dims (rank -1 = unknown rank). */
static inline tfc_out tr_ph(tfc_graph *g, const char *name, tfc_dtype dt, int rank,
                            const int64_t *dims) {
    tfc_shape s = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
    return tfc_placeholder(g, name, dt, &s);
}

/* A new tensor of dt and shape (asserts success). */
tfc_tensor *tr_tensor(tfc_dtype dt, int rank, const int64_t *dims);
/* A float scalar / vector tensor with the given values. */
tfc_tensor *tr_floats(int rank, const int64_t *dims, const float *v);
/* Fills t with pseudo-random values from *seed: floats in [-2, 2), integers in [-50, 50). */
void tr_fill(tfc_tensor *t, uint64_t *seed);
/* A Const node holding a float scalar. */
tfc_out tr_const_float(tfc_graph *g, const char *name, float v);
/* A Const node holding floats of the given shape. */
tfc_out tr_const_floats(tfc_graph *g, const char *name, int rank, const int64_t *dims,
                        const float *v);

/* Asserts st has code and its message contains frag. */
#define TR_EXPECT(st, want, frag)                                                                  \
    do {                                                                                           \
        if ((st).code != (want) || !strstr((st).msg, (frag)))                                      \
            fail_msg("expected %s containing \"%s\", got %s: %s", tfc_code_name(want), (frag),     \
                     tfc_code_name((st).code), (st).msg);                                          \
    } while (0)

#endif
