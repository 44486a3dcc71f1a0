/* Shared helpers of the graph part's tests. */
#ifndef TFC_GRAPH_TESTS_H
#define TFC_GRAPH_TESTS_H

#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "tfc/graph.h"

int tu_run_graph_build(void);
int tu_run_graph_shapes(void);
int tu_run_graph_lists(void);
int tu_run_graphdef(void);
int tu_run_textformat(void);

/* A one-input node of op `op` named `name` (NULL = the op name). */
static inline tfc_out tg_unary(tfc_graph *g, const char *op, const char *name, tfc_out x) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, x);
    return tfc_node_output(tfc_node_finish(b), 0);
}

static inline tfc_out tg_binary(tfc_graph *g, const char *op, const char *name, tfc_out x,
                                tfc_out y) {
    tfc_node_builder *b = tfc_node_begin(g, op, name);
    tfc_node_add_input(b, x);
    tfc_node_add_input(b, y);
    return tfc_node_output(tfc_node_finish(b), 0);
}

/* A placeholder of the given dims (rank -1 = unknown rank). */
static inline tfc_out tg_ph(tfc_graph *g, const char *name, tfc_dtype dt, int rank,
                            const int64_t *dims) {
    tfc_shape s = rank < 0 ? tfc_shape_unknown() : tfc_shape_make(rank, dims);
    return tfc_placeholder(g, name, dt, &s);
}

/* An int32 vector Const. */
static inline tfc_out tg_const_i32(tfc_graph *g, const char *name, const int32_t *v, int n) {
    tfc_shape s = tfc_shape_make(1, (int64_t[]){n});
    tfc_tensor *t = NULL;
    tfc_status st;
    if (tfc_tensor_from_data(TFC_DT_INT32, &s, v, (size_t)n * sizeof *v, &t, &st))
        fail_msg("tensor: %s", st.msg);
    tfc_out o = tfc_const(g, name, t);
    tfc_tensor_unref(t);
    return o;
}

/* The shape as text ("[2,?]"), in a rotating static buffer. */
static inline const char *tg_shape(tfc_out o) {
    static char bufs[4][96];
    static int slot;
    char *b = bufs[slot++ & 3];
    const tfc_shape *s = tfc_out_shape(o);
    return s ? tfc_shape_to_string(s, b, 96) : "(none)";
}

/* Asserts the graph's status has this code and its message contains each of the fragments. */
#define TG_EXPECT_ERROR(g, want_code, ...)                                                         \
    do {                                                                                           \
        tfc_status tg_st_;                                                                         \
        assert_int_equal(tfc_graph_status((g), &tg_st_), (want_code));                             \
        const char *tg_frags_[] = {__VA_ARGS__};                                                   \
        for (size_t tg_i_ = 0; tg_i_ < sizeof tg_frags_ / sizeof tg_frags_[0]; tg_i_++)            \
            if (!strstr(tg_st_.msg, tg_frags_[tg_i_]))                                             \
                fail_msg("message '%s' lacks '%s'", tg_st_.msg, tg_frags_[tg_i_]);                 \
    } while (0)

#define TG_EXPECT_STATUS(st, want_code, ...)                                                       \
    do {                                                                                           \
        assert_int_equal((st).code, (want_code));                                                  \
        const char *tg_frags_[] = {__VA_ARGS__};                                                   \
        for (size_t tg_i_ = 0; tg_i_ < sizeof tg_frags_ / sizeof tg_frags_[0]; tg_i_++)            \
            if (!strstr((st).msg, tg_frags_[tg_i_]))                                               \
                fail_msg("message '%s' lacks '%s'", (st).msg, tg_frags_[tg_i_]);                   \
    } while (0)

#endif
