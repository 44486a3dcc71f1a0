/* Shared helpers of the optimizer tests (tests/train_opt): tensors from double arrays, graph
 * shorthands, sessions, and reference-value checks. */
#ifndef TFC_OPT_TESTS_H
#define TFC_OPT_TESTS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/optimizers.h"
#include "tfc/session.h"
#include "tfc/train.h"
#include "tfc/variables.h"

int to_run_kernels(void);
int to_run_minimize(void);
int to_run_fit(void);

/* A Const holding such a tensor. */
tfc_out to_const(tfc_graph *g, const char *name, tfc_dtype dt, int rank, const int64_t *dims,
                 const double *v);
tfc_out to_const_scalar(tfc_graph *g, const char *name, tfc_dtype dt, double v);
/* A variable (ref or resource) of a vector of n values. */
tfc_var to_var(tfc_graph *g, const char *name, tfc_dtype dt, int64_t n, const double *v,
               bool resource, bool trainable);
/* Nodes without attrs, named after their op. */
tfc_out to_op1(tfc_graph *g, const char *op, tfc_out a);
tfc_out to_op2(tfc_graph *g, const char *op, tfc_out a, tfc_out b);
/* Sum of every element of a vector. */
tfc_out to_sum(tfc_graph *g, tfc_out x);

tfc_session *to_session(tfc_graph *g, int threads);
/* Runs fetch (one output) or targets; fail the test on error. */
tfc_tensor *to_fetch(tfc_session *s, tfc_out o);
void to_run(tfc_session *s, tfc_node *target);
/* Asserts every element of t is within rtol * |want| + atol of want[i]. */
void to_expect(const tfc_tensor *t, const double *want, int64_t n, double rtol, double atol,
               const char *what);
/* Fetches o and checks it against want (then drops it). */
void to_expect_out(tfc_session *s, tfc_out o, const double *want, int64_t n, double rtol,
                   const char *what);
/* Fails with the graph's status message unless it is OK. */
void to_graph_ok(tfc_graph *g);

/* Asserts st has code and its message contains frag. */
#define TO_EXPECT(st, want, frag)                                                                  \
    do {                                                                                           \
        if ((st).code != (want) || !strstr((st).msg, (frag)))                                      \
            fail_msg("expected %s containing \"%s\", got %s: %s", tfc_code_name(want), (frag),     \
                     tfc_code_name((st).code), (st).msg);                                          \
    } while (0)

#endif
