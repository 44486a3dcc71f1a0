/* tf.train.Features in memory: an ordered key -> Feature map (array in order of first appearance
 * plus a hash index), and the value blocks each Feature owns. */
#include <math.h>
#include <string.h>

#include "example/example_int.h"

const char *tfc_feature_kind_name(tfc_feature_kind k) {
    switch (k) {
    case TFC_FEATURE_NONE:
        return "none";
    case TFC_FEATURE_BYTES:
        return "bytes_list";
    case TFC_FEATURE_FLOAT:
        return "float_list";
    case TFC_FEATURE_INT64:
        return "int64_list";
    }
    return "unknown";
}

/* ---- key index ---- */

/* Below this many items a scan is as fast as hashing. */
#define KEYMAP_MIN_ITEMS 8

static const char *key_at(const void *items, size_t stride, size_t i) {
    return *(char *const *)((const char *)items + i * stride);
}

static uint32_t key_hash(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

size_t tfc__keymap_find(const tfc__keymap *m, const void *items, size_t stride, size_t n,
                        const char *key) {
    if (!m->cap) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(key_at(items, stride, i), key)) return i;
        return SIZE_MAX;
    }
    size_t mask = m->cap - 1;
    for (size_t s = key_hash(key) & mask;; s = (s + 1) & mask) {
        uint32_t v = m->slots[s];
        if (!v) return SIZE_MAX;
        if (!strcmp(key_at(items, stride, v - 1), key)) return v - 1;
    }
}

static void keymap_insert(tfc__keymap *m, const void *items, size_t stride, size_t i) {
    size_t mask = m->cap - 1;
    size_t s = key_hash(key_at(items, stride, i)) & mask;
    while (m->slots[s]) s = (s + 1) & mask;
    m->slots[s] = (uint32_t)(i + 1);
}

void tfc__keymap_update(tfc__keymap *m, const void *items, size_t stride, size_t n, bool rebuild) {
    if (n < KEYMAP_MIN_ITEMS || n >= UINT32_MAX) {
        tfc__keymap_free(m);
        return;
    }
    if (!rebuild && m->cap && n * 2 <= m->cap) {
        keymap_insert(m, items, stride, n - 1);
        return;
    }
    size_t cap = m->cap ? m->cap : 16;
    while (cap < n * 2) cap *= 2;
    tfc__keymap_free(m);
    m->slots = tfc_calloc(cap, sizeof *m->slots);
    if (!m->slots) return; /* lookups fall back to scanning */
    m->cap = cap;
    for (size_t i = 0; i < n; i++) keymap_insert(m, items, stride, i);
}

void tfc__keymap_free(tfc__keymap *m) {
    tfc_free(m->slots);
    m->slots = NULL;
    m->cap = 0;
}

/* ---- values ---- */

void tfc__fval_clear(tfc__fval *v) {
    tfc_free(v->data);
    v->data = NULL;
    v->count = 0;
    v->kind = TFC_FEATURE_NONE;
}

tfc_feature tfc__fval_view(const tfc__fval *v) {
    tfc_feature f = {.kind = v->kind, .count = v->count};
    if (v->kind == TFC_FEATURE_FLOAT) f.floats = v->data;
    if (v->kind == TFC_FEATURE_INT64) f.int64s = v->data;
    if (v->kind == TFC_FEATURE_BYTES) f.bytes = v->data;
    return f;
}

uint8_t *tfc__fval_payload(const tfc__fval *v) {
    return v->data ? (uint8_t *)v->data + v->count * sizeof(tfc_bytes) : NULL;
}

tfc_code tfc__fval_alloc_bytes(tfc__fval *out, size_t n, size_t payload_total) {
    *out = (tfc__fval){.kind = TFC_FEATURE_BYTES, .count = n};
    if (!n) return TFC_OK;
    if (n > (SIZE_MAX - payload_total) / sizeof(tfc_bytes)) return TFC_RESOURCE_EXHAUSTED;
    out->data = tfc_malloc(n * sizeof(tfc_bytes) + payload_total);
    if (!out->data) {
        out->count = 0;
        return TFC_RESOURCE_EXHAUSTED;
    }
    return TFC_OK;
}

static tfc_code fval_copy_array(tfc__fval *out, tfc_feature_kind kind, const void *vals, size_t n,
                                size_t elem) {
    *out = (tfc__fval){.kind = kind, .count = n};
    if (!n) return TFC_OK;
    if (!vals) return TFC_INVALID_ARGUMENT;
    if (n > SIZE_MAX / elem) return TFC_RESOURCE_EXHAUSTED;
    out->data = tfc_malloc(n * elem);
    if (!out->data) {
        out->count = 0;
        return TFC_RESOURCE_EXHAUSTED;
    }
    memcpy(out->data, vals, n * elem);
    return TFC_OK;
}

static tfc_code fval_copy_bytes(tfc__fval *out, const tfc_bytes *vals, size_t n) {
    *out = (tfc__fval){.kind = TFC_FEATURE_BYTES};
    if (n && !vals) return TFC_INVALID_ARGUMENT;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (vals[i].size && !vals[i].data) return TFC_INVALID_ARGUMENT;
        if (vals[i].size > SIZE_MAX - total) return TFC_RESOURCE_EXHAUSTED;
        total += vals[i].size;
    }
    tfc_code c = tfc__fval_alloc_bytes(out, n, total);
    if (c != TFC_OK) return c;
    tfc_bytes *items = out->data;
    uint8_t *p = tfc__fval_payload(out);
    for (size_t i = 0; i < n; i++) {
        if (vals[i].size) memcpy(p, vals[i].data, vals[i].size);
        items[i] = (tfc_bytes){p, vals[i].size};
        p += vals[i].size;
    }
    return TFC_OK;
}

tfc_code tfc__fval_copy(const tfc_feature *src, tfc__fval *out) {
    switch (src->kind) {
    case TFC_FEATURE_NONE:
        *out = (tfc__fval){0};
        return TFC_OK;
    case TFC_FEATURE_FLOAT:
        return fval_copy_array(out, src->kind, src->floats, src->count, sizeof(float));
    case TFC_FEATURE_INT64:
        return fval_copy_array(out, src->kind, src->int64s, src->count, sizeof(int64_t));
    case TFC_FEATURE_BYTES:
        return fval_copy_bytes(out, src->bytes, src->count);
    }
    *out = (tfc__fval){0};
    return TFC_INVALID_ARGUMENT;
}

bool tfc__fval_equal(const tfc__fval *a, const tfc__fval *b) {
    if (a->kind != b->kind || a->count != b->count) return false;
    if (!a->count) return true;
    if (a->kind == TFC_FEATURE_INT64) return !memcmp(a->data, b->data, a->count * sizeof(int64_t));
    if (a->kind == TFC_FEATURE_FLOAT) {
        const float *x = a->data, *y = b->data;
        for (size_t i = 0; i < a->count; i++) {
            if (isnan(x[i]) && isnan(y[i])) continue;
            if (memcmp(&x[i], &y[i], sizeof(float))) return false;
        }
        return true;
    }
    const tfc_bytes *x = a->data, *y = b->data;
    for (size_t i = 0; i < a->count; i++)
        if (x[i].size != y[i].size || (x[i].size && memcmp(x[i].data, y[i].data, x[i].size)))
            return false;
    return true;
}

/* ---- Features ---- */

void tfc__features_init(tfc_features *fs) {
    *fs = (tfc_features){0};
}

void tfc__features_clear(tfc_features *fs) {
    for (size_t i = 0; i < fs->n; i++) {
        tfc_free(fs->items[i].key);
        tfc__fval_clear(&fs->items[i].v);
    }
    tfc_free(fs->items);
    tfc__keymap_free(&fs->map);
    tfc__features_init(fs);
}

static size_t features_index(const tfc_features *fs, const char *key) {
    return tfc__keymap_find(&fs->map, fs->items, sizeof *fs->items, fs->n, key);
}

tfc_code tfc__features_put_owned(tfc_features *fs, char *key, tfc__fval *v) {
    size_t i = features_index(fs, key);
    if (i != SIZE_MAX) {
        tfc_free(key);
        tfc__fval_clear(&fs->items[i].v);
        fs->items[i].v = *v;
        *v = (tfc__fval){0};
        return TFC_OK;
    }
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 8;
        tfc__fentry *items = tfc_realloc(fs->items, cap * sizeof *items);
        if (!items) {
            tfc_free(key);
            return TFC_RESOURCE_EXHAUSTED;
        }
        fs->items = items;
        fs->cap = cap;
    }
    fs->items[fs->n++] = (tfc__fentry){key, *v};
    *v = (tfc__fval){0};
    tfc__keymap_update(&fs->map, fs->items, sizeof *fs->items, fs->n, false);
    return TFC_OK;
}

tfc_code tfc__features_put(tfc_features *fs, const char *key, tfc__fval *v) {
    char *k = tfc_strdup(key);
    return k ? tfc__features_put_owned(fs, k, v) : TFC_RESOURCE_EXHAUSTED;
}

size_t tfc_features_count(const tfc_features *fs) {
    return fs->n;
}

const char *tfc_features_key(const tfc_features *fs, size_t i) {
    return i < fs->n ? fs->items[i].key : NULL;
}

tfc_feature tfc_features_at(const tfc_features *fs, size_t i) {
    if (i >= fs->n) return (tfc_feature){0};
    return tfc__fval_view(&fs->items[i].v);
}

bool tfc_features_find(const tfc_features *fs, const char *key, tfc_feature *out) {
    size_t i = key ? features_index(fs, key) : SIZE_MAX;
    if (i == SIZE_MAX) return false;
    if (out) *out = tfc__fval_view(&fs->items[i].v);
    return true;
}

static tfc_code features_get(const tfc_features *fs, const char *key, tfc_feature_kind kind,
                             tfc_feature *f, tfc_status *st) {
    if (!key) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "feature key is NULL");
    if (!tfc_features_find(fs, key, f))
        return tfc_status_set(st, TFC_NOT_FOUND, "no feature '%s'", key);
    if (f->kind != kind && f->kind != TFC_FEATURE_NONE)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "feature '%s' is %s, not %s", key,
                              tfc_feature_kind_name(f->kind), tfc_feature_kind_name(kind));
    return TFC_OK;
}

tfc_code tfc_features_get_floats(const tfc_features *fs, const char *key, const float **vals,
                                 size_t *n, tfc_status *st) {
    tfc_feature f;
    tfc_code c = features_get(fs, key, TFC_FEATURE_FLOAT, &f, st);
    if (c != TFC_OK) return c;
    *vals = f.floats, *n = f.count;
    return TFC_OK;
}

tfc_code tfc_features_get_int64s(const tfc_features *fs, const char *key, const int64_t **vals,
                                 size_t *n, tfc_status *st) {
    tfc_feature f;
    tfc_code c = features_get(fs, key, TFC_FEATURE_INT64, &f, st);
    if (c != TFC_OK) return c;
    *vals = f.int64s, *n = f.count;
    return TFC_OK;
}

tfc_code tfc_features_get_bytes(const tfc_features *fs, const char *key, const tfc_bytes **vals,
                                size_t *n, tfc_status *st) {
    tfc_feature f;
    tfc_code c = features_get(fs, key, TFC_FEATURE_BYTES, &f, st);
    if (c != TFC_OK) return c;
    *vals = f.bytes, *n = f.count;
    return TFC_OK;
}

tfc_code tfc_features_set(tfc_features *fs, const char *key, const tfc_feature *f) {
    if (!key || !f) return TFC_INVALID_ARGUMENT;
    tfc__fval v;
    tfc_code c = tfc__fval_copy(f, &v);
    if (c == TFC_OK) c = tfc__features_put(fs, key, &v);
    tfc__fval_clear(&v);
    return c;
}

tfc_code tfc_features_set_floats(tfc_features *fs, const char *key, const float *vals, size_t n) {
    tfc_feature f = {.kind = TFC_FEATURE_FLOAT, .count = n, .floats = vals};
    return tfc_features_set(fs, key, &f);
}

tfc_code tfc_features_set_int64s(tfc_features *fs, const char *key, const int64_t *vals, size_t n) {
    tfc_feature f = {.kind = TFC_FEATURE_INT64, .count = n, .int64s = vals};
    return tfc_features_set(fs, key, &f);
}

tfc_code tfc_features_set_bytes(tfc_features *fs, const char *key, const tfc_bytes *vals,
                                size_t n) {
    tfc_feature f = {.kind = TFC_FEATURE_BYTES, .count = n, .bytes = vals};
    return tfc_features_set(fs, key, &f);
}

tfc_code tfc_features_set_empty(tfc_features *fs, const char *key) {
    tfc_feature f = {.kind = TFC_FEATURE_NONE};
    return tfc_features_set(fs, key, &f);
}

bool tfc_features_remove(tfc_features *fs, const char *key) {
    size_t i = key ? features_index(fs, key) : SIZE_MAX;
    if (i == SIZE_MAX) return false;
    tfc_free(fs->items[i].key);
    tfc__fval_clear(&fs->items[i].v);
    memmove(&fs->items[i], &fs->items[i + 1], (fs->n - i - 1) * sizeof *fs->items);
    fs->n--;
    tfc__keymap_update(&fs->map, fs->items, sizeof *fs->items, fs->n, true);
    return true;
}

bool tfc_features_equal(const tfc_features *a, const tfc_features *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++) {
        size_t j = features_index(b, a->items[i].key);
        if (j == SIZE_MAX || !tfc__fval_equal(&a->items[i].v, &b->items[j].v)) return false;
    }
    return true;
}
