/* Shared helpers of the layers part's tests: sessions, fetches, known tensors, and checks of
 * graph errors and node names. */
#ifndef TFC_LAYERS_TESTS_H
#define TFC_LAYERS_TESTS_H

#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "tfc/graph.h"
#include "tfc/layers.h"
#include "tfc/session.h"
#include "tfc/train.h"
#include "tfc/variables.h"

int tl_run_names(void);
int tl_run_init(void);
int tl_run_compute(void);
int tl_run_bn_dropout(void);
int tl_run_reg_grad(void);

/* A session over g (asserts success); free with tfc_session_free. */
tfc_session *tl_session(tfc_graph *g);
/* Runs tfc_global_variables_initializer(g) in s. */
void tl_init(tfc_graph *g, tfc_session *s);
/* Fetches one output with optional feeds (asserts success); unref the result. */
tfc_tensor *tl_fetch(tfc_session *s, const tfc_feed *feeds, int nf, tfc_out o);
/* Runs targets (asserts success). */
void tl_run_targets(tfc_session *s, const tfc_feed *feeds, int nf, tfc_node *const *t, int n);
/* A float tensor of the given shape and values (values NULL = zeros). */
tfc_tensor *tl_floats(int rank, const int64_t *dims, const float *v);
tfc_tensor *tl_bool(bool v);
/* Assign(var.ref, Const(value)): a node to run as target to give a variable a known value. */
tfc_node *tl_assign(tfc_graph *g, tfc_var v, tfc_tensor *value);
/* The variable of full name made through L (fails the test if absent). */
tfc_var tl_var(tfc_layers *L, const char *name);
/* Asserts a node of that name exists (and has op, when op is not NULL). */
void tl_expect_node(tfc_graph *g, const char *name, const char *op);
/* Asserts every element of t is within tol of want[i]. */
void tl_expect_close(const tfc_tensor *t, const float *want, int64_t n, double tol);
/* Asserts the names of collection key (in order) are exactly names[0..n). */
void tl_expect_collection(tfc_graph *g, const char *key, const char *const *names, int n);

/* Asserts g holds an error of code whose message contains frag. */
#define TL_EXPECT_ERR(g, want, frag)                                                               \
    do {                                                                                           \
        tfc_status tl_st_;                                                                         \
        tfc_code tl_c_ = tfc_graph_status((g), &tl_st_);                                           \
        if (tl_c_ != (want) || !strstr(tl_st_.msg, (frag)))                                        \
            fail_msg("expected %s containing \"%s\", got %s: %s", tfc_code_name(want), (frag),     \
                     tfc_code_name(tl_c_), tl_st_.msg);                                            \
    } while (0)

#define TL_GRAPH_OK(g)                                                                             \
    do {                                                                                           \
        tfc_status tl_st_;                                                                         \
        if (tfc_graph_status((g), &tl_st_) != TFC_OK) fail_msg("graph: %s", tl_st_.msg);           \
    } while (0)

static inline const float *tl_data(const tfc_tensor *t) {
    return (const float *)tfc_tensor_data_const(t);
}

#endif
