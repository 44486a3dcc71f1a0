/* Shared helpers of the schedule, loss and metric tests: tensors from double values, running a
 * graph's fetches in a session, and reading results as doubles. Every expected value is computed
 * in the tests themselves, in double, from TF's formulas. */
#ifndef TFC_SCHED_TESTS_H
#define TFC_SCHED_TESTS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/session.h"
#include "tfc/tensor.h"

int ts_run_schedules(void);
int ts_run_losses(void);
int ts_run_metrics(void);


/* A Const holding a new tensor like ts_tensor's. */
tfc_out ts_const(tfc_graph *g, tfc_dtype dt, int rank, const int64_t *dims, const double *v);

/* Fails the test with the graph's error, if it has one. */
void ts_graph_ok(tfc_graph *g);

/* Runs fetch (feeds and targets may be empty) in s and returns its element 0 as a double. */
double ts_run1(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_out fetch);
/* Runs fetch and returns the result tensor (unref it). */
tfc_tensor *ts_run_tensor(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_out fetch);
/* Runs the target nodes. */
void ts_run_targets(tfc_session *s, const tfc_feed *feeds, int nfeeds, tfc_node *const *targets,
                    int n);

/* |got - want| <= tol * max(1, |want|), else fails naming what. */
void ts_close(const char *what, double got, double want, double tol);

#endif
