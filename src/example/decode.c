/* The wire decoder's fields and leaves: reading and checking one field, naming the place of a
 * problem, and the Feature message with its three lists (see decode_int.h for the rules). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "example/decode_int.h"

/* ---- errors ---- */

static void path_push(char *path, size_t size, size_t *plen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void path_push(char *path, size_t size, size_t *plen, const char *fmt, ...) {
    if (*plen && *plen + 1 < size) path[(*plen)++] = '.', path[*plen] = 0;
    if (*plen >= size - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(path + *plen, size - *plen, fmt, ap);
    va_end(ap);
    *plen = k < 0 ? *plen : *plen + (size_t)k;
    if (*plen >= size) *plen = size - 1;
}

size_t tfc__wire_varint(const uint8_t *p, const uint8_t *end, size_t max, uint64_t *v) {
    uint64_t x = 0;
    for (size_t i = 0; i < max && p + i < end; i++) {
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* The first key (field 1) of a map entry, printable, for naming the entry in a path; false if
 * the entry's bytes break before one shows up. */
static bool entry_key(const uint8_t *p, const uint8_t *end, char *out, size_t out_size) {
    while (p < end) {
        uint64_t tag, len = 0, v;
        size_t k = tfc__wire_varint(p, end, 5, &tag);
        if (!k) return false;
        p += k;
        switch (tag & 7) {
        case 0: /* the varint is the field: skip it */
            k = 0, len = tfc__wire_varint(p, end, 10, &v);
            if (!len) return false;
            break;
        case 1:
            k = 0, len = 8;
            break;
        case 5:
            k = 0, len = 4;
            break;
        case 2:
            if (!(k = tfc__wire_varint(p, end, 5, &len))) return false;
            break;
        default:
            return false;
        }
        p += k;
        if (len > (size_t)(end - p)) return false;
        if (tag == (1 << 3 | 2)) {
            size_t j = 0;
            for (size_t i = 0; i < len && j + 4 < out_size; i++)
                out[j++] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' ? (char)p[i] : '?';
            if (len > out_size - 5) out[j++] = '.', out[j++] = '.', out[j++] = '.';
            out[j] = 0;
            return true;
        }
        p += len;
    }
    return false;
}

tfc_code tfc__dec_fail(tfc__dec *d, const uint8_t *at, const char *fmt, ...) {
    char path[256] = "", what[200], key[48];
    size_t plen = 0;
    for (int i = 0; i < d->depth; i++) {
        const tfc__frame *fr = &d->fr[i];
        if (fr->kind == TFC__FRAME_ENTRY && entry_key(fr->body, fr->end, key, sizeof key))
            path_push(path, sizeof path, &plen, "%s[\"%s\"]", fr->name, key);
        else if (fr->kind != TFC__FRAME_FIELD)
            path_push(path, sizeof path, &plen, "%s[%zu]", fr->name, fr->index);
        else
            path_push(path, sizeof path, &plen, "%s", fr->name);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tfc_status_set(d->st, TFC_INVALID_ARGUMENT, "could not parse %s: %s%s%s at byte %zu",
                          d->what, path, plen ? ": " : "", what, (size_t)(at - d->base));
}

tfc_code tfc__dec_oom(tfc__dec *d) {
    return tfc_status_set(d->st, TFC_RESOURCE_EXHAUSTED, "out of memory parsing %s (%zu bytes)",
                          d->what, d->n);
}

static const char *wire_type_name(unsigned wt) {
    static const char *const names[8] = {"varint",    "64-bit", "length-delimited", "start-group",
                                         "end-group", "32-bit", "invalid (6)",      "invalid (7)"};
    return names[wt & 7];
}

tfc_code tfc__dec_wire_type(tfc__dec *d, const tfc__wfield *f, const char *name, unsigned want) {
    return tfc__dec_fail(d, f->at, "field %u (%s) has wire type %s, expected %s", f->id, name,
                         wire_type_name(f->wt), wire_type_name(want));
}

/* ---- fields ---- */

tfc_code tfc__dec_field_slow(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__wfield *f) {
    f->at = p;
    if ((p[0] & 0xf8) == 0)
        return tfc__dec_fail(d, p, "invalid field tag 0x%02x (field number 0)", p[0]);
    uint64_t tag, len;
    size_t k = tfc__wire_varint(p, end, 5, &tag);
    if (!k) return tfc__dec_fail(d, p, "field tag is truncated or longer than 5 bytes");
    if (tag > UINT32_MAX)
        return tfc__dec_fail(d, p, "field tag 0x%llx is over 32 bits", (unsigned long long)tag);
    if (tag >> 3 == 0) return tfc__dec_fail(d, p, "invalid %zu-byte field tag (field number 0)", k);
    p += k;
    f->id = (uint32_t)(tag >> 3);
    f->wt = (unsigned)(tag & 7);
    f->body = p;
    switch (f->wt) {
    case 0:
        len = tfc__wire_varint(p, end, 10, &f->v);
        if (!len)
            return tfc__dec_fail(d, p, "field %u: varint is truncated or longer than 10 bytes",
                                 f->id);
        break;
    case 1:
        len = 8;
        break;
    case 5:
        len = 4;
        break;
    case 2:
        k = tfc__wire_varint(p, end, 5, &len);
        if (!k)
            return tfc__dec_fail(d, p, "field %u: length is truncated or longer than 5 bytes",
                                 f->id);
        if (len > TFC__WIRE_MAX)
            return tfc__dec_fail(d, p, "field %u: length %llu is over protobuf's 2 GiB limit",
                                 f->id, (unsigned long long)len);
        p += k, f->body = p;
        break;
    case 3:
    case 4:
        return tfc__dec_fail(d, f->at, "field %u is a group (wire type %u), not supported", f->id,
                             f->wt);
    default:
        return tfc__dec_fail(d, f->at, "field %u has invalid wire type %u", f->id, f->wt);
    }
    if (len > (uint64_t)(end - p))
        return tfc__dec_fail(d, f->at,
                             "field %u (%s, %llu bytes) runs past the end of the message "
                             "(%zu bytes left)",
                             f->id, wire_type_name(f->wt), (unsigned long long)len,
                             (size_t)(end - p));
    f->len = (size_t)len;
    return TFC_OK;
}

/* ---- lists ----
 * Each list message is walked twice: once to check it and count its values, once to store them
 * into an array grown once (values given again, by a merge, are appended). */

/* Grows v's float or int64 array by add elements; returns where they go, or NULL. */
static void *grow_array(tfc__fval *v, size_t add, size_t elem) {
    if (add > (SIZE_MAX / elem) - v->count) return NULL;
    void *data = tfc_realloc(v->data, (v->count + add) * elem);
    if (!data) return NULL;
    v->data = data;
    return (uint8_t *)data + v->count * elem;
}

/* A varint already checked by the first walk. */
static inline uint64_t trusted_varint(const uint8_t **pp) {
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned s = 0;; s += 7) {
        uint8_t b = *p++;
        if (s < 64) x |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) break;
    }
    *pp = p;
    return x;
}

static tfc_code dec_floats(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__fval *v) {
    size_t add = 0;
    tfc__wfield f;
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, q, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt == 5) {
            add++;
        } else if (f.wt == 2) {
            if (f.len % 4)
                return tfc__dec_fail(d, f.at, "packed floats take %zu bytes, not a multiple of 4",
                                     f.len);
            add += f.len / 4;
        } else {
            return tfc__dec_wire_type(d, &f, "value", 5);
        }
    }
    if (!add) return TFC_OK;
    float *out = grow_array(v, add, sizeof(float));
    if (!out) return tfc__dec_oom(d);
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc__dec_field(d, q, end, &f);
        if (f.id != 1) continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(out, f.body, f.len);
        out += f.len / 4;
#else
        for (size_t i = 0; i < f.len; i += 4) {
            uint32_t u = tfc_get_u32le(f.body + i);
            memcpy(out++, &u, 4);
        }
#endif
    }
    v->count += add;
    return TFC_OK;
}

static tfc_code dec_int64s(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__fval *v) {
    size_t add = 0;
    tfc__wfield f;
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, q, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt == 0) {
            add++;
        } else if (f.wt == 2) {
            /* Count the varints by their last bytes, checking that each ends within 10 bytes
             * and before the field does. */
            const uint8_t *r = f.body, *re = f.body + f.len;
            while (r < re) {
                const uint8_t *start = r;
                while (r < re && (*r & 0x80) && r - start < 9) r++;
                if (r == re || (*r & 0x80))
                    return tfc__dec_fail(d, start,
                                         "packed int64 value is truncated or longer than 10 bytes");
                r++, add++;
            }
        } else {
            return tfc__dec_wire_type(d, &f, "value", 0);
        }
    }
    if (!add) return TFC_OK;
    int64_t *out = grow_array(v, add, sizeof(int64_t));
    if (!out) return tfc__dec_oom(d);
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc__dec_field(d, q, end, &f);
        if (f.id != 1) continue;
        if (f.wt == 0) {
            *out++ = (int64_t)f.v;
            continue;
        }
        for (const uint8_t *r = f.body, *re = f.body + f.len; r < re;)
            *out++ = (int64_t)trusted_varint(&r);
    }
    v->count += add;
    return TFC_OK;
}

static tfc_code dec_bytes(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__fval *v) {
    size_t add = 0, total = 0;
    tfc__wfield f;
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, q, end, &f);
        if (c != TFC_OK) return c;
        if (f.id != 1) continue;
        if (f.wt != 2) return tfc__dec_wire_type(d, &f, "value", 2);
        add++, total += f.len; /* no overflow: the payloads lie within the input */
    }
    if (!add) return TFC_OK;
    /* The items and their payloads share one block (tfc__fval), so values already there (from
     * an earlier list merged into this one) move into the new block. */
    const tfc_bytes *old = v->data;
    size_t old_total = 0;
    for (size_t i = 0; i < v->count; i++) old_total += old[i].size;
    tfc__fval nv;
    if (tfc__fval_alloc_bytes(&nv, v->count + add, old_total + total) != TFC_OK)
        return tfc__dec_oom(d);
    tfc_bytes *items = nv.data;
    uint8_t *pay = tfc__fval_payload(&nv);
    for (size_t i = 0; i < v->count; i++) {
        if (old[i].size) memcpy(pay, old[i].data, old[i].size);
        *items++ = (tfc_bytes){pay, old[i].size};
        pay += old[i].size;
    }
    for (const uint8_t *q = p; q < end; q = f.body + f.len) {
        tfc__dec_field(d, q, end, &f);
        if (f.id != 1) continue;
        if (f.len) memcpy(pay, f.body, f.len);
        *items++ = (tfc_bytes){pay, f.len};
        pay += f.len;
    }
    tfc__fval_clear(v);
    *v = nv;
    return TFC_OK;
}

/* ---- Feature ---- */

tfc_code tfc__dec_feature(tfc__dec *d, const uint8_t *p, const uint8_t *end, tfc__fval *v) {
    /* Feature's field numbers are the kind values: bytes_list 1, float_list 2, int64_list 3. */
    static const char *const names[4] = {NULL, "bytes_list", "float_list", "int64_list"};
    tfc__wfield f;
    for (; p < end; p = f.body + f.len) {
        tfc_code c = tfc__dec_field(d, p, end, &f);
        if (c != TFC_OK) return c;
        if (f.id < 1 || f.id > 3) continue;
        if (f.wt != 2) return tfc__dec_wire_type(d, &f, names[f.id], 2);
        tfc_feature_kind kind = (tfc_feature_kind)f.id;
        if (v->kind != kind) { /* another member of the oneof replaces the one set */
            tfc__fval_clear(v);
            v->kind = kind;
        }
        tfc__dec_push(d, TFC__FRAME_FIELD, names[f.id], &f, 0);
        const uint8_t *b = f.body, *be = f.body + f.len;
        c = kind == TFC_FEATURE_BYTES   ? dec_bytes(d, b, be, v)
            : kind == TFC_FEATURE_FLOAT ? dec_floats(d, b, be, v)
                                        : dec_int64s(d, b, be, v);
        if (c != TFC_OK) return c;
        d->depth--;
    }
    return TFC_OK;
}
