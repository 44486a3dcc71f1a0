/* The wire decoder's messages above Feature: Features and FeatureLists (maps from key to Feature
 * and to FeatureList), and Example / SequenceExample around them (see decode_int.h). */
#include <string.h>

#include "example/decode_int.h"

/* A map entry's key (field 1): checked; the caller keeps the last one. */
static tfc_code check_key(tfc__dec *d, const tfc__wfield *f) {
    if (f->wt != 2) return tfc__dec_wire_type(d, f, "key", 2);
    if (memchr(f->body, 0, f->len))
        return tfc__dec_fail(d, f->at, "key holds a NUL byte, which tfc cannot represent");
    return TFC_OK;
}

static char *copy_key(const uint8_t *key, size_t klen) {
    char *k = tfc_malloc(klen + 1);
    if (!k) return NULL;
    if (klen) memcpy(k, key, klen);
    k[klen] = 0;
    return k;
}

/* ---- Features ---- */

/* One entry { 1: key, 2: Feature } into fs (replacing the key's value, or added at the end). */
static tfc_code dec_feature_entry(tfc__dec *d, const uint8_t *p, const uint8_t *end,
                                  tfc_features *fs) {
    const uint8_t *key = NULL;
    size_t klen = 0;
    tfc__fval v = {0};
    tfc_code c = TFC_OK;
    tfc__wfield f;
    for (; p < end && c == TFC_OK; p = f.body + f.len) {
        if ((c = tfc__dec_field(d, p, end, &f)) != TFC_OK) break;
        if (f.id == 1) {
            if ((c = check_key(d, &f)) == TFC_OK) key = f.body, klen = f.len;
        } else if (f.id == 2) {
            if (f.wt != 2) {
                c = tfc__dec_wire_type(d, &f, "value", 2);
                break;
            }
            tfc__dec_push(d, TFC__FRAME_FIELD, "value", &f, 0);
            if ((c = tfc__dec_feature(d, f.body, f.body + f.len, &v)) == TFC_OK) d->depth--;
        }
    }
    if (c == TFC_OK) {
        char *k = copy_key(key, klen);
        if (!k || tfc__features_put_owned(fs, k, &v) != TFC_OK) c = tfc__dec_oom(d);
    }
    tfc__fval_clear(&v);
    return c;
}

static tfc_code dec_features(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc_features *fs) {
    size_t index = 0;
    tfc__wfield f;
    for (; p < end; p = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, p, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt != 2) return tfc__dec_wire_type(d, &f, "feature", 2);
        tfc__dec_push(d, TFC__FRAME_ENTRY, "feature", &f, index++);
        if ((c = dec_feature_entry(d, f.body, f.body + f.len, fs)) != TFC_OK) return c;
        d->depth--;
    }
    return TFC_OK;
}

/* ---- FeatureLists ---- */

typedef struct steps {
    tfc__fval *v;
    size_t n, cap;
} steps;

static void steps_free(steps *s) {
    for (size_t i = 0; i < s->n; i++) tfc__fval_clear(&s->v[i]);
    tfc_free(s->v);
    *s = (steps){0};
}

/* A FeatureList { repeated Feature feature = 1 }: its steps are appended to s. */
static tfc_code dec_feature_list(tfc__dec *d, const uint8_t *p, const uint8_t *end, steps *s) {
    size_t index = 0;
    tfc__wfield f;
    for (; p < end; p = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, p, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt != 2) return tfc__dec_wire_type(d, &f, "feature", 2);
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 4;
            tfc__fval *v = tfc_realloc(s->v, cap * sizeof *v);
            if (!v) return tfc__dec_oom(d);
            s->v = v, s->cap = cap;
        }
        tfc__fval *step = &s->v[s->n++];
        *step = (tfc__fval){0};
        tfc__dec_push(d, TFC__FRAME_INDEX, "feature", &f, index++);
        if ((c = tfc__dec_feature(d, f.body, f.body + f.len, step)) != TFC_OK) return c;
        d->depth--;
    }
    return TFC_OK;
}

/* One entry { 1: key, 2: FeatureList }: the key's list is replaced by these steps. */
static tfc_code dec_list_entry(tfc__dec *d, const uint8_t *p, const uint8_t *end,
                               tfc_sequence_example *se) {
    const uint8_t *key = NULL;
    size_t klen = 0;
    steps s = {0};
    tfc_code c = TFC_OK;
    tfc__wfield f;
    for (; p < end && c == TFC_OK; p = f.body + f.len) {
        if ((c = tfc__dec_field(d, p, end, &f)) != TFC_OK) break;
        if (f.id == 1) {
            if ((c = check_key(d, &f)) == TFC_OK) key = f.body, klen = f.len;
        } else if (f.id == 2) {
            if (f.wt != 2) {
                c = tfc__dec_wire_type(d, &f, "value", 2);
                break;
            }
            tfc__dec_push(d, TFC__FRAME_FIELD, "value", &f, 0);
            if ((c = dec_feature_list(d, f.body, f.body + f.len, &s)) == TFC_OK) d->depth--;
        }
    }
    if (c == TFC_OK) {
        char *k = copy_key(key, klen);
        size_t idx;
        if (!k || tfc__seq_list_get(se, k, &idx) != TFC_OK) {
            c = tfc__dec_oom(d);
        } else {
            tfc__seq_list_reset(se, idx);
            tfc__flist *l = &se->lists[idx];
            l->steps = s.v, l->n = s.n, l->cap = s.cap;
            s = (steps){0};
        }
        tfc_free(k);
    }
    steps_free(&s);
    return c;
}

static tfc_code dec_feature_lists(tfc__dec *d, const uint8_t *p, const uint8_t *end,
                                  tfc_sequence_example *se) {
    size_t index = 0;
    tfc__wfield f;
    for (; p < end; p = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, p, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt != 2) return tfc__dec_wire_type(d, &f, "feature_list", 2);
        tfc__dec_push(d, TFC__FRAME_ENTRY, "feature_list", &f, index++);
        if ((c = dec_list_entry(d, f.body, f.body + f.len, se)) != TFC_OK) return c;
        d->depth--;
    }
    return TFC_OK;
}

/* ---- Example, SequenceExample ---- */

tfc_code tfc__decode(const void *data, size_t n, tfc_features *fs, tfc_sequence_example *se,
                     tfc_status *st) {
    const char *what = se ? "SequenceExample" : "Example";
    if (n > TFC__WIRE_MAX)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "could not parse %s: %zu bytes is over protobuf's 2 GiB limit", what,
                              n);
    tfc__dec d = {.base = data, .n = n, .what = what, .st = st};
    const uint8_t *p = data, *end = p + n;
    const char *field1 = se ? "context" : "features";
    tfc__wfield f;
    for (; p < end; p = f.body + f.len) {
        tfc_code c = tfc__dec_field(&d, p, end, &f);
        if (c != TFC_OK) return c;
        if (f.id == 1) {
            if (f.wt != 2) return tfc__dec_wire_type(&d, &f, field1, 2);
            tfc__dec_push(&d, TFC__FRAME_FIELD, field1, &f, 0);
            if ((c = dec_features(&d, f.body, f.body + f.len, fs)) != TFC_OK) return c;
            d.depth--;
        } else if (f.id == 2 && se) {
            if (f.wt != 2) return tfc__dec_wire_type(&d, &f, "feature_lists", 2);
            tfc__dec_push(&d, TFC__FRAME_FIELD, "feature_lists", &f, 0);
            if ((c = dec_feature_lists(&d, f.body, f.body + f.len, se)) != TFC_OK) return c;
            d.depth--;
        }
    }
    return TFC_OK;
}
