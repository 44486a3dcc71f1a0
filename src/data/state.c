/* Iterator state as bytes, and the small PRNG whose state goes in it.
 *
 *   | bytes | field                                                        |
 *   |-------|--------------------------------------------------------------|
 *   | 8     | magic "TFCITER1"                                             |
 *   | 8     | FNV-1a 64 of the pipeline's description (tfc_dataset_describe) |
 *   | 1     | 1 when the iterator had reached the end                      |
 *   | 8     | the root iterator's epoch (its pass over the dataset)        |
 *   | ...   | values: 'i' + int64 LE, or 'b' + uint64 LE length + bytes    |
 *   | 4     | masked CRC-32C of everything before                          |
 *
 * An element is 'i' n, n tensors as 'b' TensorProto, then 'b' source; an iterator is 'i' 1 and its
 * fields, or 'i' 0 for none. */
#include <stdio.h>

#include "data/data_int.h"

struct tfc__wstate {
    uint8_t *buf;
    size_t n, cap;
};

struct tfc__rstate {
    const uint8_t *p;
    size_t n, off;
};

static tfc_code w_raw(tfc__wstate *w, const void *p, size_t n, tfc_status *st) {
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->n + n) cap *= 2;
        uint8_t *b = tfc_realloc(w->buf, cap);
        if (!b) return tfc__oom(st, "iterator state");
        w->buf = b, w->cap = cap;
    }
    if (n) memcpy(w->buf + w->n, p, n);
    w->n += n;
    return TFC_OK;
}

static void put_u64(uint8_t *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

tfc_code tfc__w_i64(tfc__wstate *w, int64_t v, tfc_status *st) {
    uint8_t b[9] = {'i'};
    put_u64(b + 1, (uint64_t)v);
    return w_raw(w, b, sizeof b, st);
}

tfc_code tfc__w_bytes(tfc__wstate *w, const void *p, size_t n, tfc_status *st) {
    uint8_t b[9] = {'b'};
    put_u64(b + 1, (uint64_t)n);
    tfc_code c = w_raw(w, b, sizeof b, st);
    return c ? c : w_raw(w, p, n, st);
}

tfc_code tfc__w_element(tfc__wstate *w, const tfc_element *e, tfc_status *st) {
    tfc_code c = tfc__w_i64(w, e->n, st);
    for (int i = 0; c == TFC_OK && i < e->n; i++) {
        uint8_t *pb;
        size_t n;
        if ((c = tfc_tensor_to_proto(e->t[i], false, &pb, &n, st))) break;
        c = tfc__w_bytes(w, pb, n, st);
        tfc_free(pb);
    }
    return c ? c : tfc__w_bytes(w, e->source, strlen(e->source), st);
}

tfc_code tfc__w_iter(tfc__wstate *w, tfc__iter *it, tfc_status *st) {
    tfc_code c = tfc__w_i64(w, it ? 1 : 0, st);
    if (c || !it) return c;
    if (!it->ops->save)
        return tfc_status_set(st, TFC_UNIMPLEMENTED, "the state of a %s iterator cannot be saved",
                              it->ds->ops->name);
    return it->ops->save(it, w, st);
}

tfc_code tfc__r_bad(tfc__rstate *r, const char *what, tfc_status *st) {
    return tfc_status_set(st, TFC_DATA_LOSS, "iterator state: bad %s at byte %zu", what, r->off);
}

static tfc_code r_tag(tfc__rstate *r, char tag, uint64_t *v, tfc_status *st) {
    if (r->n - r->off < 9 || r->p[r->off] != (uint8_t)tag)
        return tfc_status_set(st, TFC_DATA_LOSS,
                              "iterator state: expected a %s at byte %zu (damaged, or saved by "
                              "another version)",
                              tag == 'i' ? "number" : "byte string", r->off);
    *v = get_u64(r->p + r->off + 1);
    r->off += 9;
    return TFC_OK;
}

tfc_code tfc__r_i64(tfc__rstate *r, int64_t *v, tfc_status *st) {
    uint64_t u;
    tfc_code c = r_tag(r, 'i', &u, st);
    *v = (int64_t)u;
    return c;
}

tfc_code tfc__r_bytes(tfc__rstate *r, const void **p, size_t *n, tfc_status *st) {
    uint64_t len;
    size_t at = r->off;
    tfc_code c = r_tag(r, 'b', &len, st);
    if (c) return c;
    if (len > r->n - r->off) {
        r->off = at;
        return tfc__r_bad(r, "length", st);
    }
    *p = r->p + r->off, *n = (size_t)len;
    r->off += (size_t)len;
    return TFC_OK;
}

tfc_code tfc__r_element(tfc__rstate *r, tfc_element *e, tfc_status *st) {
    int64_t n;
    tfc_code c = tfc__r_i64(r, &n, st);
    if (c) return c;
    if (n < 0 || n > TFC_DATA_MAX_COMPONENTS) return tfc__r_bad(r, "element size", st);
    tfc_element_clear(e);
    for (int64_t i = 0; i < n; i++) {
        const void *p;
        size_t len;
        if ((c = tfc__r_bytes(r, &p, &len, st))) break;
        if ((c = tfc_tensor_from_proto(p, len, &e->t[e->n], st))) break;
        e->n++;
    }
    const void *src;
    size_t len;
    if (!c && !(c = tfc__r_bytes(r, &src, &len, st))) {
        if (len >= sizeof e->source) len = sizeof e->source - 1;
        memcpy(e->source, src, len);
        e->source[len] = '\0';
    }
    if (c) tfc_element_clear(e);
    return c;
}

tfc_code tfc__r_iter(tfc__rstate *r, tfc_dataset *ds, uint64_t epoch, tfc__iter **it,
                     tfc_status *st) {
    *it = NULL;
    int64_t present;
    tfc_code c = tfc__r_i64(r, &present, st);
    if (c || !present) return c;
    if (present != 1) return tfc__r_bad(r, "iterator flag", st);
    if ((c = tfc__iter_new(ds, epoch, it, st))) return c;
    if (!(*it)->ops->restore) {
        tfc__iter_free(*it), *it = NULL;
        return tfc_status_set(st, TFC_UNIMPLEMENTED, "a %s iterator cannot be restored",
                              ds->ops->name);
    }
    if ((c = (*it)->ops->restore(*it, r, st))) tfc__iter_free(*it), *it = NULL;
    return c;
}

/* ---- Framing ---- */

static uint64_t fingerprint(const tfc_dataset *ds) {
    char *d = tfc_dataset_describe(ds);
    uint64_t h = 1469598103934665603ull;
    for (const char *s = d ? d : ""; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    tfc_free(d);
    return h;
}

tfc_code tfc__state_save(tfc_dataset *ds, tfc__iter *root, bool ended, uint8_t **out, size_t *n,
                         tfc_status *st);
tfc_code tfc__state_restore(tfc_dataset *ds, const void *data, size_t n, tfc__iter **root,
                            bool *ended, tfc_status *st);

tfc_code tfc__state_save(tfc_dataset *ds, tfc__iter *root, bool ended, uint8_t **out, size_t *n,
                         tfc_status *st) {
    *out = NULL, *n = 0;
    tfc__wstate w = {0};
    uint8_t head[25];
    memcpy(head, "TFCITER1", 8);
    put_u64(head + 8, fingerprint(ds));
    head[16] = ended;
    put_u64(head + 17, root->epoch);
    tfc_code c = w_raw(&w, head, sizeof head, st);
    if (!c) c = tfc__w_iter(&w, root, st);
    if (!c) {
        uint32_t crc = tfc_crc32c_mask(tfc_crc32c(w.buf, w.n));
        uint8_t b[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                        (uint8_t)(crc >> 24)};
        c = w_raw(&w, b, 4, st);
    }
    if (c) {
        tfc_free(w.buf);
        return c;
    }
    *out = w.buf, *n = w.n;
    return TFC_OK;
}

tfc_code tfc__state_restore(tfc_dataset *ds, const void *data, size_t n, tfc__iter **root,
                            bool *ended, tfc_status *st) {
    *root = NULL;
    const uint8_t *p = data;
    if (!p || n < 29 || memcmp(p, "TFCITER1", 8))
        return tfc_status_set(st, TFC_DATA_LOSS,
                              "iterator state: not a tfc iterator state (%zu bytes)", n);
    uint32_t want = (uint32_t)p[n - 4] | (uint32_t)p[n - 3] << 8 | (uint32_t)p[n - 2] << 16 |
                    (uint32_t)p[n - 1] << 24;
    if (tfc_crc32c_mask(tfc_crc32c(p, n - 4)) != want)
        return tfc_status_set(st, TFC_DATA_LOSS, "iterator state: checksum mismatch (damaged)");
    if (get_u64(p + 8) != fingerprint(ds)) {
        char *d = tfc_dataset_describe(ds);
        tfc_code c = tfc_status_set(st, TFC_FAILED_PRECONDITION,
                                    "iterator state was saved from another pipeline than %.300s",
                                    d ? d : "this one");
        tfc_free(d);
        return c;
    }
    *ended = p[16] != 0;
    tfc__rstate r = {p, n - 4, 25};
    tfc_code c = tfc__r_iter(&r, ds, get_u64(p + 17), root, st);
    if (!c && !*root) c = tfc__r_bad(&r, "root iterator", st);
    if (!c && r.off != r.n) c = tfc__r_bad(&r, "trailing bytes", st);
    if (c) tfc__iter_free(*root), *root = NULL;
    return c;
}

/* ---- PRNG ---- */

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void tfc__rng_seed(tfc__rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t tfc__rng_next(tfc__rng *r) {
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return out;
}

uint64_t tfc__rng_below(tfc__rng *r, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, v; /* rejection: no modulo bias */
    do v = tfc__rng_next(r);
    while (v >= limit);
    return v % n;
}

/* ---- One element as bytes (the file cache's records) ---- */

tfc_code tfc__element_encode(const tfc_element *e, uint8_t **out, size_t *n, tfc_status *st) {
    tfc__wstate w = {0};
    tfc_code c = tfc__w_element(&w, e, st);
    if (c) {
        tfc_free(w.buf);
        return c;
    }
    *out = w.buf, *n = w.n;
    return TFC_OK;
}

tfc_code tfc__element_decode(const void *p, size_t n, tfc_element *e, tfc_status *st) {
    tfc__rstate r = {p, n, 0};
    tfc_code c = tfc__r_element(&r, e, st);
    if (!c && r.off != n) {
        tfc_element_clear(e);
        c = tfc__r_bad(&r, "cached element (trailing bytes)", st);
    }
    return c;
}
