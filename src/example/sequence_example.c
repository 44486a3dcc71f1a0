/* tf.train.SequenceExample: context Features plus ordered feature lists (each a sequence of
 * Feature steps), with the same key rules as Features: order of first appearance, last
 * duplicate wins. */
#include <string.h>

#include "example/example_int.h"

tfc_sequence_example *tfc_sequence_example_new(void) {
    tfc_sequence_example *se = tfc_malloc(sizeof *se);
    if (se) *se = (tfc_sequence_example){0};
    return se;
}

void tfc__seq_list_reset(tfc_sequence_example *se, size_t idx) {
    tfc__flist *l = &se->lists[idx];
    for (size_t s = 0; s < l->n; s++) tfc__fval_clear(&l->steps[s]);
    tfc_free(l->steps);
    l->steps = NULL;
    l->n = l->cap = 0;
}

void tfc_sequence_example_free(tfc_sequence_example *se) {
    if (!se) return;
    tfc__features_clear(&se->context);
    for (size_t i = 0; i < se->n; i++) {
        tfc__seq_list_reset(se, i);
        tfc_free(se->lists[i].key);
    }
    tfc_free(se->lists);
    tfc__keymap_free(&se->map);
    tfc_free(se);
}

tfc_features *tfc_sequence_example_context(tfc_sequence_example *se) {
    return &se->context;
}

const tfc_features *tfc_sequence_example_context_const(const tfc_sequence_example *se) {
    return &se->context;
}

size_t tfc_sequence_example_num_lists(const tfc_sequence_example *se) {
    return se->n;
}

const char *tfc_sequence_example_list_key(const tfc_sequence_example *se, size_t i) {
    return i < se->n ? se->lists[i].key : NULL;
}

size_t tfc_sequence_example_list_len(const tfc_sequence_example *se, size_t i) {
    return i < se->n ? se->lists[i].n : 0;
}

tfc_feature tfc_sequence_example_list_step(const tfc_sequence_example *se, size_t i, size_t step) {
    if (i >= se->n || step >= se->lists[i].n) return (tfc_feature){0};
    return tfc__fval_view(&se->lists[i].steps[step]);
}

int64_t tfc_sequence_example_find_list(const tfc_sequence_example *se, const char *key) {
    size_t i =
        key ? tfc__keymap_find(&se->map, se->lists, sizeof *se->lists, se->n, key) : SIZE_MAX;
    return i == SIZE_MAX ? -1 : (int64_t)i;
}

tfc_code tfc__seq_list_get(tfc_sequence_example *se, const char *key, size_t *idx) {
    size_t i = tfc__keymap_find(&se->map, se->lists, sizeof *se->lists, se->n, key);
    if (i != SIZE_MAX) {
        *idx = i;
        return TFC_OK;
    }
    if (se->n == se->cap) {
        size_t cap = se->cap ? se->cap * 2 : 4;
        tfc__flist *lists = tfc_realloc(se->lists, cap * sizeof *lists);
        if (!lists) return TFC_RESOURCE_EXHAUSTED;
        se->lists = lists;
        se->cap = cap;
    }
    char *k = tfc_strdup(key);
    if (!k) return TFC_RESOURCE_EXHAUSTED;
    se->lists[se->n++] = (tfc__flist){.key = k};
    tfc__keymap_update(&se->map, se->lists, sizeof *se->lists, se->n, false);
    *idx = se->n - 1;
    return TFC_OK;
}

tfc_code tfc__seq_list_push(tfc_sequence_example *se, size_t idx, tfc__fval *step) {
    tfc__flist *l = &se->lists[idx];
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        tfc__fval *steps = tfc_realloc(l->steps, cap * sizeof *steps);
        if (!steps) return TFC_RESOURCE_EXHAUSTED;
        l->steps = steps;
        l->cap = cap;
    }
    l->steps[l->n++] = *step;
    *step = (tfc__fval){0};
    return TFC_OK;
}

tfc_code tfc_sequence_example_add_list(tfc_sequence_example *se, const char *key) {
    if (!key) return TFC_INVALID_ARGUMENT;
    size_t idx;
    return tfc__seq_list_get(se, key, &idx);
}

tfc_code tfc_sequence_example_append(tfc_sequence_example *se, const char *key,
                                     const tfc_feature *step) {
    if (!key || !step) return TFC_INVALID_ARGUMENT;
    tfc__fval v;
    size_t idx;
    tfc_code c = tfc__fval_copy(step, &v);
    if (c == TFC_OK) c = tfc__seq_list_get(se, key, &idx);
    if (c == TFC_OK) c = tfc__seq_list_push(se, idx, &v);
    tfc__fval_clear(&v);
    return c;
}

bool tfc_sequence_example_equal(const tfc_sequence_example *a, const tfc_sequence_example *b) {
    if (!tfc_features_equal(&a->context, &b->context) || a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++) {
        int64_t j = tfc_sequence_example_find_list(b, a->lists[i].key);
        if (j < 0 || a->lists[i].n != b->lists[j].n) return false;
        for (size_t s = 0; s < a->lists[i].n; s++)
            if (!tfc__fval_equal(&a->lists[i].steps[s], &b->lists[j].steps[s])) return false;
    }
    return true;
}

tfc_code tfc_sequence_example_parse(const void *data, size_t n, tfc_sequence_example **out,
                                    tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    *out = NULL;
    tfc_sequence_example *se = tfc_sequence_example_new();
    if (!se)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory parsing SequenceExample (%zu bytes)", n);
    tfc_code c = tfc__decode(data, n, &se->context, se, st);
    if (c != TFC_OK) {
        tfc_sequence_example_free(se);
        return c;
    }
    *out = se;
    return TFC_OK;
}

/* FeatureList message body: its steps as repeated Feature (field 1). */
static size_t list_body_size(const tfc__flist *l) {
    size_t n = 0;
    for (size_t s = 0; s < l->n; s++)
        n += tfc__wire_len_field_size(tfc__fval_wire_size(&l->steps[s]));
    return n;
}

static size_t list_entry_size(const tfc__flist *l) {
    return tfc__wire_len_field_size(strlen(l->key)) + tfc__wire_len_field_size(list_body_size(l));
}

static size_t lists_body_size(const tfc_sequence_example *se) {
    size_t n = 0;
    for (size_t i = 0; i < se->n; i++)
        n += tfc__wire_len_field_size(list_entry_size(&se->lists[i]));
    return n;
}

tfc_code tfc_sequence_example_serialize(const tfc_sequence_example *se, uint8_t **out, size_t *n,
                                        tfc_status *st) {
    *out = NULL, *n = 0;
    size_t ctx = tfc__features_wire_size(&se->context), lists = lists_body_size(se);
    size_t total =
        (ctx ? tfc__wire_len_field_size(ctx) : 0) + (se->n ? tfc__wire_len_field_size(lists) : 0);
    if (total > TFC__WIRE_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "SequenceExample of %zu bytes is over protobuf's 2 GiB limit", total);
    uint8_t *buf = tfc_malloc(total), *p = buf;
    if (!buf)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory serializing SequenceExample (%zu bytes)", total);
    if (ctx) p = tfc__features_wire_write(&se->context, tfc__wire_len_field(p, 0x0a, ctx));
    if (se->n) {
        p = tfc__wire_len_field(p, 0x12, lists);
        for (size_t i = 0; i < se->n; i++) {
            const tfc__flist *l = &se->lists[i];
            size_t klen = strlen(l->key);
            p = tfc__wire_len_field(p, 0x0a, list_entry_size(l));
            p = tfc__wire_len_field(p, 0x0a, klen);
            memcpy(p, l->key, klen);
            p += klen;
            p = tfc__wire_len_field(p, 0x12, list_body_size(l));
            for (size_t s = 0; s < l->n; s++) {
                p = tfc__wire_len_field(p, 0x0a, tfc__fval_wire_size(&l->steps[s]));
                p = tfc__fval_wire_write(&l->steps[s], p);
            }
        }
    }
    *out = buf, *n = total;
    return TFC_OK;
}
