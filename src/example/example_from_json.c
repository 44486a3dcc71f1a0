/* Example and SequenceExample from protobuf's JSON mapping (the inverse of example_json.c),
 * parsed with cJSON. Every error names the JSON path of the first problem, e.g.
 * "features.feature.age.int64List.value[2]: expected an integer". */
#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example/example_int.h"

typedef struct jctx {
    char path[320];
    size_t plen;
    tfc_status *st;
} jctx;

static tfc_code jfail(jctx *j, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static tfc_code jfail(jctx *j, const char *fmt, ...) {
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (j->plen) return tfc_status_set(j->st, TFC_INVALID_ARGUMENT, "%s: %s", j->path, what);
    return tfc_status_set(j->st, TFC_INVALID_ARGUMENT, "%s", what);
}

static tfc_code joom(jctx *j) {
    return tfc_status_set(j->st, TFC_RESOURCE_EXHAUSTED, "out of memory reading JSON at %s",
                          j->plen ? j->path : "the top level");
}

/* Appends ".name" (or "name" at the start) or "[i]" to the path; returns the length to restore. */
static size_t push(jctx *j, const char *name, long long index) {
    size_t saved = j->plen, room = sizeof j->path - j->plen;
    int k = index >= 0 ? snprintf(j->path + j->plen, room, "[%lld]", index)
                       : snprintf(j->path + j->plen, room, "%s%s", j->plen ? "." : "", name ? name : "");
    j->plen = k < 0 || (size_t)k >= room ? sizeof j->path - 1 : j->plen + (size_t)k;
    return saved;
}

static void pop(jctx *j, size_t saved) {
    j->path[j->plen = saved] = 0;
}

static bool name_is(const cJSON *it, const char *camel, const char *snake) {
    return !strcmp(it->string, camel) || !strcmp(it->string, snake);
}

static tfc_code unknown_field(jctx *j, const cJSON *it) {
    size_t saved = push(j, it->string, -1);
    tfc_code c = jfail(j, "unknown field");
    pop(j, saved);
    return c;
}

static tfc_code expect_object(jctx *j, const cJSON *v) {
    return cJSON_IsObject(v) ? TFC_OK : jfail(j, "expected an object");
}

/* ---- scalar values ---- */

static tfc_code int64_value(jctx *j, const cJSON *v, int64_t *out) {
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d != floor(d) || !isfinite(d)) return jfail(j, "expected an integer");
        /* Past 2^53 a JSON number may already have lost digits (cJSON reads doubles). */
        if (fabs(d) > 9007199254740992.0)
            return jfail(j, "integer %.17g is too large for a JSON number; write it as a string",
                         d);
        *out = (int64_t)d;
        return TFC_OK;
    }
    if (!cJSON_IsString(v)) return jfail(j, "expected an integer");
    const char *s = v->valuestring, *digits = s + (*s == '-');
    if (*digits < '0' || *digits > '9') return jfail(j, "expected an integer, not \"%.40s\"", s);
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end) return jfail(j, "expected an integer, not \"%.40s\"", s);
    if (errno == ERANGE) return jfail(j, "integer %.40s is out of range for int64", s);
    *out = (int64_t)x;
    return TFC_OK;
}

static tfc_code float_value(jctx *j, const cJSON *v, float *out) {
    double d;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        if (!strcmp(s, "NaN")) {
            *out = NAN;
            return TFC_OK;
        }
        if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
            *out = *s == '-' ? -INFINITY : INFINITY;
            return TFC_OK;
        }
        char *end;
        d = strtod(s, &end);
        /* A number written as a string, as protobuf accepts; not strtod's "inf"/"nan"/hex. */
        if (!*s || !strchr("+-.0123456789", *s) || *end || !isfinite(d) || strpbrk(s, "xXnN"))
            return jfail(j,
                         "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", not "
                         "\"%.40s\"",
                         s);
    } else {
        return jfail(j, "expected a number");
    }
    if (!isfinite(d) || isinf((float)d)) return jfail(j, "%g is out of range for a float", d);
    *out = (float)d;
    return TFC_OK;
}

static int b64_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes standard or URL-safe base64, padding optional, into out (room for len*3/4 bytes). */
static bool base64_decode(const char *s, size_t len, uint8_t *out, size_t *n) {
    while (len && s[len - 1] == '=') len--;
    if (len % 4 == 1) return false;
    size_t o = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        int d = b64_digit(s[i]);
        if (d < 0) return false;
        acc = acc << 6 | (uint32_t)d;
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16), out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (len % 4 == 2) out[o++] = (uint8_t)(acc >> 4);
    if (len % 4 == 3) out[o++] = (uint8_t)(acc >> 10), out[o++] = (uint8_t)(acc >> 2);
    *n = o;
    return true;
}

/* ---- lists, Feature, Features ---- */

static tfc_code list_values(jctx *j, const cJSON *arr, tfc_feature_kind kind, tfc__fval *out) {
    size_t n = (size_t)cJSON_GetArraySize(arr), total = 0;
    const cJSON *it;
    if (kind == TFC_FEATURE_BYTES) {
        cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it)) total += strlen(it->valuestring);
        if (tfc__fval_alloc_bytes(out, n, total) != TFC_OK) return joom(j);
    } else {
        *out = (tfc__fval){kind, n, NULL};
        out->data =
            n ? tfc_malloc(n * (kind == TFC_FEATURE_FLOAT ? sizeof(float) : sizeof(int64_t)))
              : NULL;
        if (n && !out->data) {
            out->count = 0;
            return joom(j);
        }
    }
    uint8_t *payload = kind == TFC_FEATURE_BYTES ? tfc__fval_payload(out) : NULL;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr) {
        size_t saved = push(j, NULL, (long long)i);
        tfc_code c = TFC_OK;
        if (kind == TFC_FEATURE_FLOAT) {
            c = float_value(j, it, &((float *)out->data)[i]);
        } else if (kind == TFC_FEATURE_INT64) {
            c = int64_value(j, it, &((int64_t *)out->data)[i]);
        } else {
            size_t len;
            if (!cJSON_IsString(it))
                c = jfail(j, "expected a base64 string");
            else if (!base64_decode(it->valuestring, strlen(it->valuestring), payload, &len))
                c = jfail(j, "invalid base64");
            else
                ((tfc_bytes *)out->data)[i] = (tfc_bytes){payload, len}, payload += len;
        }
        if (c != TFC_OK) return c;
        pop(j, saved);
        i++;
    }
    return TFC_OK;
}

static tfc_code list_from_json(jctx *j, const cJSON *obj, tfc_feature_kind kind, tfc__fval *out) {
    *out = (tfc__fval){.kind = kind};
    if (cJSON_IsNull(obj)) return TFC_OK;
    if (expect_object(j, obj) != TFC_OK) return j->st->code;
    const cJSON *it, *values = NULL;
    cJSON_ArrayForEach(it, obj) {
        if (strcmp(it->string, "value")) return unknown_field(j, it);
        if (values) return jfail(j, "duplicate field \"value\"");
        values = it;
    }
    if (!values || cJSON_IsNull(values)) return TFC_OK;
    size_t saved = push(j, "value", -1);
    tfc_code c =
        cJSON_IsArray(values) ? list_values(j, values, kind, out) : jfail(j, "expected an array");
    if (c == TFC_OK) pop(j, saved);
    return c;
}

static tfc_code feature_from_json(jctx *j, const cJSON *obj, tfc__fval *out) {
    *out = (tfc__fval){0};
    if (cJSON_IsNull(obj)) return TFC_OK;
    if (expect_object(j, obj) != TFC_OK) return j->st->code;
    const cJSON *it, *list = NULL;
    tfc_feature_kind kind = TFC_FEATURE_NONE;
    cJSON_ArrayForEach(it, obj) {
        tfc_feature_kind k = name_is(it, "bytesList", "bytes_list")   ? TFC_FEATURE_BYTES
                             : name_is(it, "floatList", "float_list") ? TFC_FEATURE_FLOAT
                             : name_is(it, "int64List", "int64_list") ? TFC_FEATURE_INT64
                                                                      : TFC_FEATURE_NONE;
        if (k == TFC_FEATURE_NONE) return unknown_field(j, it);
        if (list) return jfail(j, "more than one of bytesList, floatList and int64List");
        list = it, kind = k;
    }
    if (!list) return TFC_OK;
    size_t saved = push(j, list->string, -1);
    tfc_code c = list_from_json(j, list, kind, out);
    if (c == TFC_OK) pop(j, saved);
    return c;
}

/* A map object {"key": value, ...}; fn parses one value into ctx. */
typedef tfc_code (*entry_fn)(jctx *j, const cJSON *v, const char *key, void *ctx);

static tfc_code map_from_json(jctx *j, const cJSON *obj, entry_fn fn, void *ctx) {
    if (cJSON_IsNull(obj)) return TFC_OK;
    if (expect_object(j, obj) != TFC_OK) return j->st->code;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        size_t saved = push(j, it->string, -1);
        tfc_code c = fn(j, it, it->string, ctx);
        if (c != TFC_OK) return c;
        pop(j, saved);
    }
    return TFC_OK;
}

static tfc_code feature_entry(jctx *j, const cJSON *v, const char *key, void *ctx) {
    tfc__fval fv;
    tfc_code c = feature_from_json(j, v, &fv);
    if (c == TFC_OK && tfc__features_put(ctx, key, &fv) != TFC_OK) c = joom(j);
    tfc__fval_clear(&fv);
    return c;
}

/* An object with exactly one known member (a message with one field): {"feature": {...}}. */
static tfc_code single_field(jctx *j, const cJSON *obj, const char *camel, const char *snake,
                             const cJSON **out) {
    *out = NULL;
    if (cJSON_IsNull(obj)) return TFC_OK;
    if (expect_object(j, obj) != TFC_OK) return j->st->code;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        if (!name_is(it, camel, snake)) return unknown_field(j, it);
        if (*out) return jfail(j, "duplicate field \"%s\"", camel);
        *out = it;
    }
    return TFC_OK;
}

static tfc_code features_from_json(jctx *j, const cJSON *obj, tfc_features *fs) {
    const cJSON *map;
    tfc_code c = single_field(j, obj, "feature", "feature", &map);
    if (c != TFC_OK || !map) return c;
    size_t saved = push(j, map->string, -1);
    c = map_from_json(j, map, feature_entry, fs);
    if (c == TFC_OK) pop(j, saved);
    return c;
}

static tfc_code feature_list_entry(jctx *j, const cJSON *v, const char *key, void *ctx) {
    tfc_sequence_example *se = ctx;
    size_t idx;
    if (tfc__seq_list_get(se, key, &idx) != TFC_OK) return joom(j);
    tfc__seq_list_reset(se, idx); /* a later duplicate key wins */
    const cJSON *steps;
    tfc_code c = single_field(j, v, "feature", "feature", &steps);
    if (c != TFC_OK || !steps || cJSON_IsNull(steps)) return c;
    size_t saved = push(j, steps->string, -1);
    if (!cJSON_IsArray(steps)) return jfail(j, "expected an array");
    const cJSON *it;
    long long i = 0;
    cJSON_ArrayForEach(it, steps) {
        size_t saved_i = push(j, NULL, i++);
        tfc__fval fv;
        c = feature_from_json(j, it, &fv);
        if (c == TFC_OK && tfc__seq_list_push(se, idx, &fv) != TFC_OK) c = joom(j);
        tfc__fval_clear(&fv);
        if (c != TFC_OK) return c;
        pop(j, saved_i);
    }
    pop(j, saved);
    return TFC_OK;
}

/* ---- top level ---- */

static cJSON *parse_json(const char *json, size_t n, tfc_status *st) {
    const char *end = NULL;
    cJSON *root = n ? cJSON_ParseWithLengthOpts(json, n, &end, false) : NULL;
    if (!root) {
        size_t at = end && end >= json ? (size_t)(end - json) : 0;
        tfc_status_set(st, TFC_INVALID_ARGUMENT, "invalid JSON at byte %zu", at);
        return NULL;
    }
    for (const char *p = end; p < json + n; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            tfc_status_set(st, TFC_INVALID_ARGUMENT,
                           "unexpected text after the JSON value at "
                           "byte %zu",
                           (size_t)(p - json));
            cJSON_Delete(root);
            return NULL;
        }
    }
    if (!cJSON_IsObject(root)) {
        tfc_status_set(st, TFC_INVALID_ARGUMENT, "expected a JSON object");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static bool is_sequence_json(const cJSON *root) {
    const cJSON *it;
    cJSON_ArrayForEach(it, root) {
        if (!strcmp(it->string, "context") || name_is(it, "featureLists", "feature_lists"))
            return true;
    }
    return false;
}

static tfc_code example_from_root(jctx *j, const cJSON *root, tfc_example *ex) {
    const cJSON *features;
    if (is_sequence_json(root))
        return jfail(j, "has context/featureLists: a SequenceExample, not an Example");
    tfc_code c = single_field(j, root, "features", "features", &features);
    if (c != TFC_OK || !features) return c;
    size_t saved = push(j, features->string, -1);
    c = features_from_json(j, features, &ex->features);
    if (c == TFC_OK) pop(j, saved);
    return c;
}

static tfc_code sequence_from_root(jctx *j, const cJSON *root, tfc_sequence_example *se) {
    const cJSON *it, *ctx = NULL, *lists = NULL;
    cJSON_ArrayForEach(it, root) {
        const cJSON **slot = !strcmp(it->string, "context")                 ? &ctx
                             : name_is(it, "featureLists", "feature_lists") ? &lists
                                                                            : NULL;
        if (!slot) return unknown_field(j, it);
        if (*slot) return jfail(j, "duplicate field \"%s\"", it->string);
        *slot = it;
    }
    tfc_code c = TFC_OK;
    if (ctx) {
        size_t saved = push(j, ctx->string, -1);
        c = features_from_json(j, ctx, &se->context);
        if (c != TFC_OK) return c;
        pop(j, saved);
    }
    if (lists) {
        size_t saved = push(j, lists->string, -1);
        const cJSON *map;
        c = single_field(j, lists, "featureList", "feature_list", &map);
        if (c != TFC_OK || !map) return c;
        push(j, map->string, -1);
        c = map_from_json(j, map, feature_list_entry, se);
        if (c != TFC_OK) return c;
        pop(j, saved);
    }
    return TFC_OK;
}

tfc_code tfc_example_from_json_any(const char *json, size_t n, tfc_example **ex,
                                   tfc_sequence_example **se, tfc_status *st) {
    tfc_status local;
    jctx j = {.st = st ? st : &local};
    if (ex) *ex = NULL;
    if (se) *se = NULL;
    cJSON *root = parse_json(json, n, j.st);
    if (!root) return j.st->code;
    tfc_code c;
    if (se && (!ex || is_sequence_json(root))) {
        *se = tfc_sequence_example_new();
        c = *se ? sequence_from_root(&j, root, *se) : joom(&j);
        if (c != TFC_OK) tfc_sequence_example_free(*se), *se = NULL;
    } else {
        *ex = tfc_example_new();
        c = *ex ? example_from_root(&j, root, *ex) : joom(&j);
        if (c != TFC_OK) tfc_example_free(*ex), *ex = NULL;
    }
    cJSON_Delete(root);
    return c;
}

tfc_code tfc_example_from_json(const char *json, size_t n, tfc_example **out, tfc_status *st) {
    return tfc_example_from_json_any(json, n, out, NULL, st);
}

tfc_code tfc_sequence_example_from_json(const char *json, size_t n, tfc_sequence_example **out,
                                        tfc_status *st) {
    return tfc_example_from_json_any(json, n, NULL, out, st);
}
