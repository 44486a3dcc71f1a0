/* Datasets with graphs: map with a graph function, feeding a session from an iterator, and the
 * same order from parallel pipelines run twice. */
#include <string.h>

#include "data_tests.h"

static tfc_out op2(tfc_graph *g, const char *op, tfc_out a, tfc_out b) {
    tfc_node_builder *nb = tfc_node_begin(g, op, NULL);
    tfc_node_add_input(nb, a);
    if (b.node) tfc_node_add_input(nb, b);
    return tfc_node_output(tfc_node_finish(nb), 0);
}

static tfc_dataset *floats(int n) {
    float v[64];
    for (int i = 0; i < n; i++) v[i] = (float)i * 0.5f;
    tfc_tensor *t;
    tfc_dataset *ds;
    TU_OK(tfc_tensor_from_data(TFC_DT_FLOAT, &(tfc_shape){1, {n}}, v, sizeof(float) * (size_t)n, &t,
                               &tu_st_));
    TU_OK(tfc_dataset_from_tensor_slices(&t, (const char *const[]){"x"}, 1, &ds, &tu_st_));
    tfc_tensor_unref(t);
    return ds;
}

void test_map_graph_and_feeds(void **state) {
    (void)state;
    tfc_status st;
    /* map: y = x * x + x, on 1 and 3 workers */
    tfc_graph *g = tfc_graph_new();
    tfc_out x = tfc_placeholder(g, "x", TFC_DT_FLOAT, &(tfc_shape){0, {0}});
    tfc_out y = op2(g, "AddV2", op2(g, "Square", x, (tfc_out){0}), x);
    /* the step: the sum of a batch */
    tfc_graph *step = tfc_graph_new();
    tfc_out b = tfc_placeholder(step, "b", TFC_DT_FLOAT, &(tfc_shape){1, {-1}});
    int32_t zero = 0;
    tfc_tensor *axis;
    TU_OK(tfc_tensor_from_data(TFC_DT_INT32, &(tfc_shape){1, {1}}, &zero, 4, &axis, &st));
    tfc_out sum = op2(step, "Sum", b, tfc_const(step, "axis", axis));
    tfc_tensor_unref(axis);
    TU_OK(tfc_graph_status(step, &st));
    tfc_session *s;
    TU_OK(tfc_session_new(step, &(tfc_session_opts){.num_threads = 1}, &s, &st));
    for (int workers = 1; workers <= 3; workers += 2) {
        tfc_dataset *src = floats(10), *m, *batched;
        TU_OK(tfc_dataset_map_graph(src, g, &x, 1, &y, 1,
                                    &(tfc_map_opts){.num_parallel_calls = workers}, &m, &st));
        assert_string_equal(tfc_dataset_component_name(m, 0), tfc_node_name(y.node));
        TU_OK(tfc_dataset_batch(m, 4, false, &batched, &st));
        tfc_iterator *it;
        TU_OK(tfc_iterator_new(batched, &it, &st));
        tfc_element holder = {0};
        tfc_feed feed;
        double total = 0;
        int steps = 0;
        tfc_code c;
        while ((c = tfc_iterator_next_feeds(it, &b, NULL, 1, &holder, &feed, &st)) == TFC_OK) {
            assert_ptr_equal(feed.value, holder.t[0]); /* the batch itself, not a copy */
            tfc_tensor *r;
            TU_OK(tfc_session_run(s, &feed, 1, &sum, 1, &r, NULL, 0, &st));
            total += *(const float *)tfc_tensor_data_const(r);
            tfc_tensor_unref(r);
            steps++;
        }
        assert_int_equal(c, TFC_OUT_OF_RANGE);
        assert_int_equal(steps, 3);
        double want = 0;
        for (int i = 0; i < 10; i++) want += 0.25 * i * i + 0.5 * i;
        assert_float_equal(total, want, 1e-4);
        /* a component the dataset lacks */
        tfc_iterator_free(it);
        TU_OK(tfc_iterator_new(batched, &it, &st));
        assert_int_equal(
            tfc_iterator_next_feeds(it, &b, (const char *const[]){"nope"}, 1, &holder, &feed, &st),
            TFC_INVALID_ARGUMENT);
        tfc_element_clear(&holder);
        tfc_iterator_free(it);
        tfc_dataset_free(batched), tfc_dataset_free(m), tfc_dataset_free(src);
    }
    tfc_session_free(s);
    tfc_graph_free(step);
    tfc_graph_free(g);
}

static tfc_code ten_from(void *ctx, const tfc_element *in, tfc_dataset **out, tfc_status *st) {
    (void)ctx;
    int64_t v = *(const int64_t *)tfc_tensor_data_const(in->t[0]);
    return tfc_dataset_range(v * 100, v * 100 + 10, 1, out, st);
}

static tfc_code plus_one(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                         tfc_status *st) {
    (void)ctx, (void)worker, (void)st;
    out->t[0] = tfc_tensor_scalar_int64(*(const int64_t *)tfc_tensor_data_const(in->t[0]) + 1);
    out->n = 1;
    return TFC_OK;
}

/* Same seed, same order: parallel interleave -> parallel map -> shuffle -> batch -> prefetch. */
void test_determinism(void **state) {
    (void)state;
    tfc_status st;
    int64_t first[512], again[512];
    for (int run = 0; run < 3; run++) {
        tfc_dataset *r = td_range(20), *il, *m, *sh, *p;
        TU_OK(tfc_dataset_interleave(
            r, ten_from, NULL,
            &(tfc_interleave_opts){.cycle_length = 4, .block_length = 3, .num_parallel_calls = 4},
            &il, &st));
        TU_OK(
            tfc_dataset_map(il, plus_one, NULL, &(tfc_map_opts){.num_parallel_calls = 3}, &m, &st));
        TU_OK(tfc_dataset_shuffle(m, 64, 1234, false, &sh, &st));
        TU_OK(tfc_dataset_prefetch(sh, 8, &p, &st));
        int64_t *dst = run ? again : first;
        assert_int_equal(td_collect(p, 0, dst, 512), 200);
        if (run) assert_memory_equal(first, again, 200 * sizeof *first);
        tfc_dataset_free(p), tfc_dataset_free(sh), tfc_dataset_free(m), tfc_dataset_free(il);
        tfc_dataset_free(r);
    }
}
