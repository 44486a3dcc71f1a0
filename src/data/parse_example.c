/* tf.io.parse_single_example and tf.io.parse_example over the Example decoder: spec checks, one
 * pass that finds and checks every feature, then one allocation per output tensor. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "data/parse_int.h"

void tfc_parsed_clear(tfc_parsed *p, int n) {
    for (int i = 0; p && i < n; i++) {
        tfc_tensor_unref(p[i].dense);
        tfc_tensor_unref(p[i].indices);
        tfc_tensor_unref(p[i].values);
        tfc_tensor_unref(p[i].dense_shape);
        p[i] = (tfc_parsed){0};
    }
}

/* ---- names and messages ---- */

const char *tfc__parse_label(tfc__spec_role role) {
    return role == TFC__ROLE_CONTEXT    ? "Context feature"
           : role == TFC__ROLE_SEQUENCE ? "Feature list"
                                        : "Key";
}

tfc_feature_kind tfc__parse_kind(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT   ? TFC_FEATURE_FLOAT
           : dt == TFC_DT_INT64 ? TFC_FEATURE_INT64
                                : TFC_FEATURE_BYTES;
}

/* TF's DataTypeString, which messages use ("float", not tfc's "float32"). */
static const char *tf_type_name(tfc_dtype dt) {
    return dt == TFC_DT_FLOAT    ? "float"
           : dt == TFC_DT_INT64  ? "int64"
           : dt == TFC_DT_STRING ? "string"
                                 : tfc_dtype_name(dt);
}

static const char *kind_type_name(tfc_feature_kind k) {
    return k == TFC_FEATURE_FLOAT ? "float" : k == TFC_FEATURE_INT64 ? "int64" : "string";
}

/* "Key: k" or "Key: k, Index: 3" into buf. */
static const char *where_str(const tfc__where *w, char *buf, size_t n) {
    if (w->index >= 0)
        snprintf(buf, n, "%s: %s, %s: %lld", w->label, w->key, w->sub, (long long)w->index);
    else
        snprintf(buf, n, "%s: %s", w->label, w->key);
    return buf;
}

tfc_code tfc__parse_type_error(tfc_status *st, const tfc__where *w, tfc_feature_kind have,
                               tfc_dtype want) {
    char where[TFC_STATUS_MSG_MAX];
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "%s.  Data types don't match. Data type: %s but expected type: %s",
                          where_str(w, where, sizeof where), kind_type_name(have),
                          tf_type_name(want));
}

tfc_code tfc__parse_count_error(tfc_status *st, const tfc__where *w, tfc_dtype dt, size_t count,
                                const tfc_shape *shape) {
    char where[TFC_STATUS_MSG_MAX], sh[160];
    /* TF counts bytes_list values as "bytes" here, where type errors say "string". */
    return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                          "%s.  Number of %s values != expected.  Values size: %zu but output "
                          "shape: %s",
                          where_str(w, where, sizeof where),
                          dt == TFC_DT_STRING ? "bytes" : tf_type_name(dt), count,
                          tfc_shape_to_string(shape, sh, sizeof sh));
}

/* ---- spec checks ---- */

/* "Key: k.  WHAT" for a spec that cannot be used. */
static tfc_code spec_error(tfc_status *st, tfc__spec_role role, const char *key, const char *fmt,
                           ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static tfc_code spec_error(tfc_status *st, tfc__spec_role role, const char *key, const char *fmt,
                           ...) {
    char what[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%s: %s.  %s", tfc__parse_label(role), key,
                          what);
}

/* Dims the output adds in front of the spec's shape. */
static int extra_dims(tfc_feature_spec_kind kind, tfc__spec_role role) {
    int batch = role == TFC__ROLE_BATCH;
    return kind == TFC_FIXED_LEN_SEQUENCE ? 1 + batch : batch;
}

static tfc_code check_shape(const tfc_feature_spec *s, tfc__spec_role role, tfc_status *st) {
    const tfc_shape *sh = &s->shape;
    if (sh->rank < 0 || sh->rank > TFC_MAX_RANK)
        return spec_error(st, role, s->key, "The shape must be fully defined; its rank is %d",
                          sh->rank);
    char buf[160];
    for (int i = 0; i < sh->rank; i++)
        if (sh->dims[i] < 0)
            return spec_error(st, role, s->key,
                              "All dimensions of shape for feature %s need to be known but "
                              "received %s.",
                              s->key, tfc_shape_to_string(sh, buf, sizeof buf));
    if (tfc_shape_num_elements(sh) < 0)
        return spec_error(st, role, s->key, "Shape %s has too many elements",
                          tfc_shape_to_string(sh, buf, sizeof buf));
    int rank = sh->rank + extra_dims(s->kind, role);
    if (rank > TFC_MAX_RANK)
        return spec_error(st, role, s->key,
                          "Shape %s is too deep: the output would have %d dims, over tfc's limit "
                          "of %d",
                          tfc_shape_to_string(sh, buf, sizeof buf), rank, TFC_MAX_RANK);
    return TFC_OK;
}

static tfc_code check_default(const tfc_feature_spec *s, tfc__spec_role role, tfc_status *st) {
    const tfc_tensor *d = s->default_value;
    if (!d) return TFC_OK;
    if (s->kind == TFC_FIXED_LEN_SEQUENCE && role == TFC__ROLE_SEQUENCE)
        return spec_error(st, role, s->key,
                          "A feature list's default_value must be NULL (every step holds its own "
                          "values; TF: feature_list.dense_defaults must be None)");
    if (tfc_tensor_dtype(d) != s->dtype)
        return spec_error(st, role, s->key, "Default value is %s but the feature is %s",
                          tf_type_name(tfc_tensor_dtype(d)), tf_type_name(s->dtype));
    int64_t have = tfc_tensor_num_elements(d);
    if (s->kind == TFC_FIXED_LEN_SEQUENCE) {
        if (have != 1)
            return spec_error(st, role, s->key,
                              "A FixedLenSequence padding value must be one value; it holds %lld",
                              (long long)have);
        return TFC_OK;
    }
    int64_t want = tfc_shape_num_elements(&s->shape);
    if (have != want) {
        char buf[160];
        return spec_error(
            st, role, s->key, "Default value has %lld values, but the shape %s has %lld elements",
            (long long)have, tfc_shape_to_string(&s->shape, buf, sizeof buf), (long long)want);
    }
    return TFC_OK;
}

static tfc_code check_spec(const tfc_feature_spec *s, int i, tfc__spec_role role, tfc_status *st) {
    if (!s->key) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "Feature spec %d has no key", i);
    if (s->dtype != TFC_DT_FLOAT && s->dtype != TFC_DT_INT64 && s->dtype != TFC_DT_STRING)
        return spec_error(st, role, s->key,
                          "Unsupported dtype %s: a feature spec's dtype must be float, int64 or "
                          "string",
                          tfc_dtype_name(s->dtype));
    switch (s->kind) {
    case TFC_VAR_LEN:
        return TFC_OK; /* shape, default and allow_missing mean nothing here, as in TF */
    case TFC_FIXED_LEN:
        if (role == TFC__ROLE_SEQUENCE)
            return spec_error(st, role, s->key,
                              "Unsupported FixedLen spec for a feature list: use FixedLenSequence "
                              "or VarLen");
        break;
    case TFC_FIXED_LEN_SEQUENCE:
        if (role == TFC__ROLE_CONTEXT)
            return spec_error(st, role, s->key,
                              "Unsupported FixedLenSequence spec for a context feature: use "
                              "FixedLen or VarLen");
        if (role != TFC__ROLE_SEQUENCE && !s->allow_missing)
            return spec_error(st, role, s->key,
                              "Unsupported: FixedLenSequenceFeature requires allow_missing to be "
                              "True.");
        break;
    default:
        return spec_error(st, role, s->key, "Unknown feature spec kind %d", (int)s->kind);
    }
    tfc_code c = check_shape(s, role, st);
    return c != TFC_OK ? c : check_default(s, role, st);
}

tfc_code tfc__parse_check_specs(const tfc_feature_spec *specs, int n, tfc__spec_role role,
                                tfc_status *st) {
    if (n < 0) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "negative spec count %d", n);
    if (n > 0 && !specs)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "%d specs given as NULL", n);
    for (int i = 0; i < n; i++) {
        tfc_code c = check_spec(&specs[i], i, role, st);
        if (c != TFC_OK) return c;
    }
    return TFC_OK;
}

/* ---- output tensors ---- */

tfc_code tfc__parse_new(tfc_dtype dt, const tfc_shape *shape, const tfc__where *w, tfc_tensor **out,
                        tfc_status *st) {
    tfc_code c = tfc_tensor_new(dt, shape, out, st);
    if (c != TFC_OK) tfc_status_prefix(st, "%s: %s", w->label, w->key);
    return c;
}

tfc_code tfc__parse_copy(tfc_tensor *t, int64_t at, const tfc_feature *f, tfc_status *st) {
    if (!f->count) return TFC_OK;
    switch (f->kind) {
    case TFC_FEATURE_FLOAT:
        memcpy((float *)tfc_tensor_data(t) + at, f->floats, f->count * sizeof(float));
        return TFC_OK;
    case TFC_FEATURE_INT64:
        memcpy((int64_t *)tfc_tensor_data(t) + at, f->int64s, f->count * sizeof(int64_t));
        return TFC_OK;
    case TFC_FEATURE_BYTES:
        for (size_t i = 0; i < f->count; i++) {
            tfc_code c =
                tfc_tensor_set_string(t, at + (int64_t)i, f->bytes[i].data, f->bytes[i].size, st);
            if (c != TFC_OK) return c;
        }
        return TFC_OK;
    default:
        return TFC_OK;
    }
}

/* Copies all of src's elements (same dtype) into t from element at. */
static tfc_code copy_tensor(tfc_tensor *t, int64_t at, const tfc_tensor *src, tfc_status *st) {
    int64_t n = tfc_tensor_num_elements(src);
    if (tfc_tensor_dtype(src) != TFC_DT_STRING) {
        size_t each = tfc_dtype_size(tfc_tensor_dtype(src));
        if (n) memcpy((char *)tfc_tensor_data(t) + at * each, tfc_tensor_data_const(src), n * each);
        return TFC_OK;
    }
    for (int64_t i = 0; i < n; i++) {
        tfc_bytes b = tfc_tensor_string_at(src, i);
        if (b.size) {
            tfc_code c = tfc_tensor_set_string(t, at + i, b.data, b.size, st);
            if (c != TFC_OK) return c;
        }
    }
    return TFC_OK;
}

/* Writes pad's single value into elements [at, at + n) of t; nothing when pad is NULL or zero,
 * since new tensors start as zeros and empty strings. */
static tfc_code pad_with(tfc_tensor *t, int64_t at, int64_t n, const tfc_tensor *pad,
                         tfc_status *st) {
    if (!pad || n <= 0) return TFC_OK;
    switch (tfc_tensor_dtype(t)) {
    case TFC_DT_FLOAT: {
        float v = *(const float *)tfc_tensor_data_const(pad), *p = (float *)tfc_tensor_data(t) + at;
        for (int64_t i = 0; i < n; i++) p[i] = v;
        return TFC_OK;
    }
    case TFC_DT_INT64: {
        int64_t v = *(const int64_t *)tfc_tensor_data_const(pad);
        int64_t *p = (int64_t *)tfc_tensor_data(t) + at;
        for (int64_t i = 0; i < n; i++) p[i] = v;
        return TFC_OK;
    }
    default: {
        tfc_bytes b = tfc_tensor_string_at(pad, 0);
        for (int64_t i = 0; b.size && i < n; i++) {
            tfc_code c = tfc_tensor_set_string(t, at + i, b.data, b.size, st);
            if (c != TFC_OK) return c;
        }
        return TFC_OK;
    }
    }
}

/* ---- the batch ---- */

/* What the checking pass learns about one spec across the batch. */
typedef struct plan {
    int64_t elems; /* FixedLen: values per example; FixedLenSequence: values per step */
    int64_t total; /* VarLen: values in all examples */
    int64_t max;   /* VarLen: most values in one example; FixedLenSequence: most steps */
} plan;

/* Finds spec s's feature in fs and checks it (pass 1). */
static tfc_code check_feature(const tfc_features *fs, const tfc_feature_spec *s, plan *pl,
                              tfc__spec_role role, const tfc__where *w, tfc_feature *f,
                              tfc_status *st) {
    *f = (tfc_feature){0};
    if (fs) tfc_features_find(fs, s->key, f);
    if (f->kind != TFC_FEATURE_NONE && f->kind != tfc__parse_kind(s->dtype))
        return tfc__parse_type_error(st, w, f->kind, s->dtype);
    int64_t count = (int64_t)f->count;
    switch (s->kind) {
    case TFC_FIXED_LEN:
        if (f->kind == TFC_FEATURE_NONE && !s->default_value) {
            char idx[48] = "";
            if (w->index >= 0) snprintf(idx, sizeof idx, "Index: %lld.  ", (long long)w->index);
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "%s%s: %s (data type: %s) is required but could not be found.",
                                  idx, role == TFC__ROLE_CONTEXT ? "Context feature" : "Feature",
                                  s->key, tf_type_name(s->dtype));
        }
        if (f->kind != TFC_FEATURE_NONE && count != pl->elems)
            return tfc__parse_count_error(st, w, s->dtype, f->count, &s->shape);
        return TFC_OK;
    case TFC_VAR_LEN:
        pl->total += count;
        if (count > pl->max) pl->max = count;
        return TFC_OK;
    default: { /* FixedLenSequence */
        if (pl->elems ? count % pl->elems : count) {
            char where[TFC_STATUS_MSG_MAX], sh[160];
            tfc_shape any = {s->shape.rank + 1, {-1}};
            memcpy(any.dims + 1, s->shape.dims, (size_t)s->shape.rank * sizeof(int64_t));
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "%s.  Number of %s values is not a multiple of stride length. "
                                  "Saw %lld values but output shape is: %s",
                                  where_str(w, where, sizeof where),
                                  s->dtype == TFC_DT_STRING ? "bytes" : tf_type_name(s->dtype),
                                  (long long)count, tfc_shape_to_string(&any, sh, sizeof sh));
        }
        int64_t steps = pl->elems ? count / pl->elems : 0;
        if (steps > pl->max) pl->max = steps;
        return TFC_OK;
    }
    }
}

/* The shape with lead dims (n of them) put in front. */
static tfc_shape prepend(const tfc_shape *s, int n, int64_t d0, int64_t d1) {
    tfc_shape out = {s->rank + n, {0}};
    out.dims[0] = d0;
    if (n == 2) out.dims[1] = d1;
    memcpy(out.dims + n, s->dims, (size_t)s->rank * sizeof(int64_t));
    return out;
}

/* Allocates and fills spec s's outputs from the checked views f[b * stride] (pass 2). */
static tfc_code fill_spec(const tfc_feature_spec *s, const plan *pl, const tfc_feature *f,
                          size_t stride, int64_t nb, bool batched, const tfc__where *w,
                          tfc_parsed *out, tfc_status *st) {
    tfc_code c;
    if (s->kind == TFC_FIXED_LEN) {
        tfc_shape sh = batched ? prepend(&s->shape, 1, nb, 0) : s->shape;
        if ((c = tfc__parse_new(s->dtype, &sh, w, &out->dense, st)) != TFC_OK) return c;
        for (int64_t b = 0; b < nb; b++) {
            const tfc_feature *v = &f[(size_t)b * stride];
            c = v->kind == TFC_FEATURE_NONE
                    ? copy_tensor(out->dense, b * pl->elems, s->default_value, st)
                    : tfc__parse_copy(out->dense, b * pl->elems, v, st);
            if (c != TFC_OK) return c;
        }
        return TFC_OK;
    }
    if (s->kind == TFC_FIXED_LEN_SEQUENCE) {
        tfc_shape sh =
            batched ? prepend(&s->shape, 2, nb, pl->max) : prepend(&s->shape, 1, pl->max, 0);
        if ((c = tfc__parse_new(s->dtype, &sh, w, &out->dense, st)) != TFC_OK) return c;
        int64_t row = pl->max * pl->elems;
        for (int64_t b = 0; b < nb; b++) {
            const tfc_feature *v = &f[(size_t)b * stride];
            int64_t n = (int64_t)v->count;
            if ((c = tfc__parse_copy(out->dense, b * row, v, st)) != TFC_OK ||
                (c = pad_with(out->dense, b * row + n, row - n, s->default_value, st)) != TFC_OK)
                return c;
        }
        return TFC_OK;
    }
    /* VarLen: TF's SparseTensor in row-major order. */
    int r = batched ? 2 : 1;
    tfc_shape ish = tfc_shape_make(2, (int64_t[]){pl->total, r});
    tfc_shape vsh = tfc_shape_make(1, &pl->total), dsh = tfc_shape_make(1, (int64_t[]){r});
    if ((c = tfc__parse_new(TFC_DT_INT64, &ish, w, &out->indices, st)) != TFC_OK ||
        (c = tfc__parse_new(s->dtype, &vsh, w, &out->values, st)) != TFC_OK ||
        (c = tfc__parse_new(TFC_DT_INT64, &dsh, w, &out->dense_shape, st)) != TFC_OK)
        return c;
    int64_t *idx = tfc_tensor_data(out->indices), *ds = tfc_tensor_data(out->dense_shape);
    int64_t k = 0;
    for (int64_t b = 0; b < nb; b++) {
        const tfc_feature *v = &f[(size_t)b * stride];
        if ((c = tfc__parse_copy(out->values, k, v, st)) != TFC_OK) return c;
        for (int64_t i = 0; i < (int64_t)v->count; i++, k++) {
            if (batched) *idx++ = b;
            *idx++ = i;
        }
    }
    ds[0] = batched ? nb : pl->total;
    if (batched) ds[1] = pl->max;
    return TFC_OK;
}

/* Views of the features and per-spec plans live on the stack for small calls (a single example,
 * as a pipeline's map calls it), else in one block. */
#define STACK_VIEWS 32

tfc_code tfc__parse_features(const tfc_features *const *fs, int64_t nb, tfc__spec_role role,
                             const tfc_feature_spec *specs, int nspecs, tfc_parsed *out,
                             tfc_status *st) {
    bool batched = role == TFC__ROLE_BATCH;
    size_t nviews = (size_t)nb * (size_t)nspecs;
    tfc_feature stack_views[STACK_VIEWS];
    plan stack_plans[STACK_VIEWS];
    tfc_feature *views = stack_views;
    plan *plans = stack_plans;
    void *block = NULL;
    if (nviews > STACK_VIEWS || nspecs > STACK_VIEWS) {
        if (nspecs && (size_t)nb > (SIZE_MAX / 2) / sizeof(tfc_feature) / (size_t)nspecs)
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "a batch of %lld is too large",
                                  (long long)nb);
        block = tfc_malloc(nviews * sizeof(tfc_feature) + (size_t)nspecs * sizeof(plan));
        if (!block)
            return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                                  "out of memory parsing a batch of %lld examples", (long long)nb);
        views = block;
        plans = (plan *)(views + nviews);
    }
    for (int s = 0; s < nspecs; s++)
        plans[s] = (plan){
            specs[s].kind == TFC_VAR_LEN ? 0 : tfc_shape_num_elements(&specs[s].shape), 0, 0};

    tfc_code c = TFC_OK;
    tfc__where w = {tfc__parse_label(role), NULL, "Index", -1};
    /* Examples outer, specs inner: the first error reported is the earliest example's. */
    for (int64_t b = 0; b < nb && c == TFC_OK; b++)
        for (int s = 0; s < nspecs && c == TFC_OK; s++) {
            w.key = specs[s].key, w.index = batched ? b : -1;
            c = check_feature(fs[b], &specs[s], &plans[s], role, &w, &views[(size_t)b * nspecs + s],
                              st);
        }
    w.index = -1;
    for (int s = 0; s < nspecs && c == TFC_OK; s++) {
        w.key = specs[s].key;
        c = fill_spec(&specs[s], &plans[s], views + s, (size_t)nspecs, nb, batched, &w, &out[s],
                      st);
    }
    tfc_free(block);
    if (c != TFC_OK) tfc_parsed_clear(out, nspecs);
    return c;
}

/* ---- the public calls ---- */

static tfc_code check_call(const tfc_feature_spec *specs, int nspecs, tfc_parsed *out,
                           tfc__spec_role role, tfc_status *st) {
    if (nspecs > 0 && out) memset(out, 0, (size_t)nspecs * sizeof *out);
    if (nspecs > 0 && !out)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "no output array for %d specs", nspecs);
    return tfc__parse_check_specs(specs, nspecs, role, st);
}

tfc_code tfc_parse_single_example(const void *data, size_t n, const tfc_feature_spec *specs,
                                  int nspecs, tfc_parsed *out, tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    tfc_code c = check_call(specs, nspecs, out, TFC__ROLE_SINGLE, st);
    if (c != TFC_OK) return c;
    if (!data && n) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "NULL data with %zu bytes", n);
    tfc_example *ex;
    if ((c = tfc_example_parse(data ? data : "", n, &ex, st)) != TFC_OK) {
        tfc_status_prefix(st, "Could not parse example input");
        return c;
    }
    const tfc_features *fs = tfc_example_features_const(ex);
    c = tfc__parse_features(&fs, 1, TFC__ROLE_SINGLE, specs, nspecs, out, st);
    tfc_example_free(ex);
    return c;
}

tfc_code tfc_parse_example(const tfc_tensor *serialized, const tfc_feature_spec *specs, int nspecs,
                           tfc_parsed *out, tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    tfc_code c = check_call(specs, nspecs, out, TFC__ROLE_BATCH, st);
    if (c != TFC_OK) return c;
    if (!serialized || tfc_tensor_dtype(serialized) != TFC_DT_STRING ||
        tfc_tensor_rank(serialized) != 1) {
        char sh[160] = "";
        if (serialized) tfc_shape_to_string(tfc_tensor_shape(serialized), sh, sizeof sh);
        return tfc_status_set(
            st, TFC_INVALID_ARGUMENT, "serialized must be a string vector; got %s %s",
            serialized ? tfc_dtype_name(tfc_tensor_dtype(serialized)) : "NULL", sh);
    }
    int64_t nb = tfc_tensor_dim(serialized, 0);
    /* One block: the parsed examples, then their features (what the core reads). */
    tfc_example **exs = tfc_calloc((size_t)nb ? (size_t)nb : 1, sizeof *exs + sizeof(void *));
    if (!exs)
        return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED,
                              "out of memory parsing a batch of %lld examples", (long long)nb);
    const tfc_features **fs = (const tfc_features **)(exs + nb);
    int64_t parsed = 0;
    for (; parsed < nb; parsed++) {
        tfc_bytes b = tfc_tensor_string_at(serialized, parsed);
        if ((c = tfc_example_parse(b.data, b.size, &exs[parsed], st)) != TFC_OK) {
            tfc_status_prefix(st, "Index: %lld.  Could not parse example input", (long long)parsed);
            break;
        }
        fs[parsed] = tfc_example_features_const(exs[parsed]);
    }
    if (c == TFC_OK) c = tfc__parse_features(fs, nb, TFC__ROLE_BATCH, specs, nspecs, out, st);
    for (int64_t i = 0; i < parsed; i++) tfc_example_free(exs[i]);
    tfc_free(exs);
    return c;
}
