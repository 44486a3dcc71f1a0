/* libFuzzer target for GraphDef import (binary and text format, told apart by the importer).
 * Whatever imports must export, import again and export to the same bytes; its text form must
 * import and print the same text again. A rejected input must fail with a message and one of the
 * codes bad input may give (RESOURCE_EXHAUSTED: a value over the tensor part's limits), and no
 * call may leave an allocation behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/graph.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static void check_binary_roundtrip(const tfc_graph *g) {
    tfc_status st;
    uint8_t *b1, *b2;
    size_t n1, n2;
    CHECK(tfc_graph_to_graphdef(g, &b1, &n1, &st) == TFC_OK);
    tfc_graph *g2 = tfc_graph_new();
    CHECK(tfc_graph_import(g2, b1, n1, NULL, &st) == TFC_OK);
    CHECK(tfc_graph_num_nodes(g2) == tfc_graph_num_nodes(g));
    CHECK(tfc_graph_to_graphdef(g2, &b2, &n2, &st) == TFC_OK);
    CHECK(n1 == n2 && !memcmp(b1, b2, n1));
    tfc_free(b1), tfc_free(b2);
    tfc_graph_free(g2);
}

/* Text compares as text: a NaN's payload does not survive "nan", everything else does. */
static void check_text_roundtrip(const tfc_graph *g) {
    tfc_status st;
    char *t1 = tfc_graph_to_text(g);
    CHECK(t1);
    tfc_graph *g2 = tfc_graph_new();
    CHECK(tfc_graph_import(g2, t1, strlen(t1), NULL, &st) == TFC_OK);
    char *t2 = tfc_graph_to_text(g2);
    CHECK(t2 && !strcmp(t1, t2));
    check_binary_roundtrip(g2);
    tfc_free(t1), tfc_free(t2);
    tfc_graph_free(g2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t live = tfc_alloc_live_count();
    tfc_graph *g = tfc_graph_new();
    tfc_status st = {0};
    tfc_code c = tfc_graph_import(g, data, size, NULL, &st);
    if (c == TFC_OK) {
        check_binary_roundtrip(g);
        check_text_roundtrip(g);
        /* The same GraphDef again under a prefix lands beside the first copy. */
        int64_t n = tfc_graph_num_nodes(g);
        if (tfc_graph_import(g, data, size, "fuzz_prefix", &st) == TFC_OK)
            CHECK(tfc_graph_num_nodes(g) == 2 * n);
        else
            CHECK(tfc_graph_num_nodes(g) == n && st.msg[0]);
    } else {
        CHECK(c == TFC_INVALID_ARGUMENT || c == TFC_UNIMPLEMENTED || c == TFC_RESOURCE_EXHAUSTED);
        CHECK(st.code == c && st.msg[0]);
        CHECK(tfc_graph_num_nodes(g) == 0);
    }
    tfc_graph_free(g);
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
