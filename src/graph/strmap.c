/* String -> int64 map with borrowed keys (node names, TF's names-in-use counts). Linear probing,
 * FNV-1a hashing, at most half full; entries are never removed. */
#include <string.h>

#include "graph/graph_int.h"

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t find_slot(const tfc__strmap_slot *slots, size_t cap, const char *key) {
    size_t i = (size_t)hash(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key)) i = (i + 1) & (cap - 1);
    return i;
}

bool tfc__strmap_get(const tfc__strmap *m, const char *key, int64_t *val) {
    if (!m->cap) return false;
    size_t i = find_slot(m->slots, m->cap, key);
    if (!m->slots[i].key) return false;
    if (val) *val = m->slots[i].val;
    return true;
}

static bool grow(tfc__strmap *m, size_t want) {
    size_t cap = m->cap ? m->cap : 16;
    while (cap / 2 < want) {
        if (cap > SIZE_MAX / 2 / sizeof(tfc__strmap_slot)) return false;
        cap *= 2;
    }
    if (cap == m->cap) return true;
    tfc__strmap_slot *slots = tfc_calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) slots[find_slot(slots, cap, m->slots[i].key)] = m->slots[i];
    tfc_free(m->slots);
    m->slots = slots, m->cap = cap;
    return true;
}

bool tfc__strmap_reserve(tfc__strmap *m, size_t more) {
    return more <= SIZE_MAX / 2 - m->n && grow(m, m->n + more);
}

tfc_code tfc__strmap_put(tfc__strmap *m, const char *key, int64_t val) {
    if (!tfc__strmap_reserve(m, 1)) return TFC_RESOURCE_EXHAUSTED;
    size_t i = find_slot(m->slots, m->cap, key);
    if (!m->slots[i].key) m->slots[i].key = key, m->n++;
    m->slots[i].val = val;
    return TFC_OK;
}

void tfc__strmap_free(tfc__strmap *m) {
    tfc_free(m->slots);
    *m = (tfc__strmap){0};
}
