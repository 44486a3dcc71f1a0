/* libFuzzer target for iterator state (tfc_iterator_restore parses it). The input picks one of a
 * few pipelines and how far to run it; its valid saved state is then damaged by the rest of the
 * input (position/xor pairs), or the input is taken whole as the state. A restore must fail with
 * DATA_LOSS / FAILED_PRECONDITION / INVALID_ARGUMENT or give an iterator that runs to an end;
 * nothing may crash or stay allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/data.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static tfc_code plus(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                     tfc_status *st) {
    (void)ctx, (void)worker;
    if (tfc_tensor_dtype(in->t[0]) != TFC_DT_INT64 || tfc_tensor_num_elements(in->t[0]) < 1)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "not an int64");
    out->t[0] = tfc_tensor_scalar_int64(*(const int64_t *)tfc_tensor_data_const(in->t[0]) + 1);
    out->n = out->t[0] ? 1 : 0;
    return out->n ? TFC_OK : TFC_RESOURCE_EXHAUSTED;
}

static tfc_code sub_range(void *ctx, const tfc_element *in, tfc_dataset **out, tfc_status *st) {
    (void)ctx;
    if (tfc_tensor_dtype(in->t[0]) != TFC_DT_INT64 || tfc_tensor_num_elements(in->t[0]) < 1)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "not an int64");
    int64_t v = *(const int64_t *)tfc_tensor_data_const(in->t[0]) % 1000;
    return tfc_dataset_range(v, v + 4, 1, out, st);
}

static tfc_dataset *build(int kind) {
    tfc_status st;
    tfc_dataset *r, *a = NULL, *b = NULL, *out = NULL;
    CHECK(!tfc_dataset_range(0, 50, 1, &r, &st));
    switch (kind % 4) {
    case 0:
        CHECK(!tfc_dataset_shuffle(r, 8, 3, true, &a, &st));
        CHECK(!tfc_dataset_repeat(a, 2, &b, &st));
        CHECK(!tfc_dataset_batch(b, 3, false, &out, &st));
        break;
    case 1:
        CHECK(!tfc_dataset_map(r, plus, NULL, &(tfc_map_opts){.num_parallel_calls = 2}, &a, &st));
        CHECK(!tfc_dataset_prefetch(a, 3, &out, &st));
        break;
    case 2:
        CHECK(!tfc_dataset_interleave(r, sub_range, NULL,
                                      &(tfc_interleave_opts){.cycle_length = 3, .block_length = 2},
                                      &out, &st));
        break;
    default:
        CHECK(!tfc_dataset_batch(r, 4, false, &a, &st));
        CHECK(!tfc_dataset_unbatch(a, &b, &st));
        CHECK(!tfc_dataset_skip(b, 3, &out, &st));
        break;
    }
    tfc_dataset_free(a), tfc_dataset_free(b), tfc_dataset_free(r);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    int64_t live = tfc_alloc_live_count();
    tfc_status st;
    tfc_dataset *ds = build(data[0]);
    tfc_iterator *it;
    CHECK(!tfc_iterator_new(ds, &it, &st));
    tfc_element e = {0};
    for (int i = 0; i < data[1] % 64; i++)
        if (tfc_iterator_get_next(it, &e, &st) == TFC_OUT_OF_RANGE) break;
    tfc_element_clear(&e);
    uint8_t *state = NULL;
    size_t n = 0;
    CHECK(!tfc_iterator_save(it, &state, &n, &st));
    tfc_iterator_free(it);
    uint8_t *input = NULL;
    if (data[0] & 0x80) { /* the input is the state */
        input = malloc(size - 2 + 1);
        memcpy(input, data + 2, size - 2);
        n = size - 2;
    } else { /* damage the real state: (16-bit position, xor) triples */
        input = malloc(n);
        memcpy(input, state, n);
        for (size_t k = 2; k + 3 <= size; k += 3) {
            size_t pos = ((size_t)data[k] << 8 | data[k + 1]) % n;
            input[pos] ^= data[k + 2];
        }
    }
    tfc_free(state);
    tfc_code c = tfc_iterator_restore(ds, input, n, &it, &st);
    if (c == TFC_OK) {
        for (int i = 0; i < 10000; i++) {
            tfc_code g = tfc_iterator_get_next(it, &e, &st);
            if (g == TFC_OUT_OF_RANGE) break;
            CHECK(g == TFC_OK || st.msg[0]);
        }
        tfc_element_clear(&e);
        tfc_iterator_free(it);
    } else {
        CHECK(st.msg[0]);
    }
    free(input);
    tfc_dataset_free(ds);
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
