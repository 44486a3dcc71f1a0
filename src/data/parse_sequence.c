/* tf.io.parse_single_sequence_example: the context as one Example, each feature list as steps
 * stacked into a dense [T]+shape tensor or a SparseTensor indexed by (step, position). */
#include <string.h>

#include "data/parse_int.h"

/* Checks list `li` of se (-1: absent) against a feature-list spec; *total and *max count VarLen
 * values (all steps; the most in one step). */
static tfc_code check_list(const tfc_sequence_example *se, int64_t li, const tfc_feature_spec *s,
                           int64_t *total, int64_t *max, tfc_status *st) {
    *total = *max = 0;
    if (li < 0) {
        if (s->kind == TFC_FIXED_LEN_SEQUENCE && !s->allow_missing)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "Feature list '%s' is required but could not be found.  Set "
                                  "allow_missing to read a missing list as zero steps.",
                                  s->key);
        return TFC_OK;
    }
    /* A VarLen spec's shape is never read: it may hold anything. */
    int64_t elems = s->kind == TFC_VAR_LEN ? 0 : tfc_shape_num_elements(&s->shape);
    size_t steps = tfc_sequence_example_list_len(se, (size_t)li);
    tfc__where w = {tfc__parse_label(TFC__ROLE_SEQUENCE), s->key, "Step", 0};
    for (size_t t = 0; t < steps; t++) {
        tfc_feature f = tfc_sequence_example_list_step(se, (size_t)li, t);
        w.index = (int64_t)t;
        if (f.kind != TFC_FEATURE_NONE && f.kind != tfc__parse_kind(s->dtype))
            return tfc__parse_type_error(st, &w, f.kind, s->dtype);
        int64_t n = (int64_t)f.count;
        if (s->kind == TFC_FIXED_LEN_SEQUENCE && n != elems)
            return tfc__parse_count_error(st, &w, s->dtype, f.count, &s->shape);
        *total += n;
        if (n > *max) *max = n;
    }
    return TFC_OK;
}

/* Allocates and fills one feature-list spec's outputs (the list already checked). */
static tfc_code fill_list(const tfc_sequence_example *se, int64_t li, const tfc_feature_spec *s,
                          int64_t total, int64_t max, tfc_parsed *out, tfc_status *st) {
    tfc__where w = {tfc__parse_label(TFC__ROLE_SEQUENCE), s->key, "Step", -1};
    int64_t steps = li < 0 ? 0 : (int64_t)tfc_sequence_example_list_len(se, (size_t)li);
    tfc_code c;
    if (s->kind == TFC_FIXED_LEN_SEQUENCE) {
        tfc_shape sh = {s->shape.rank + 1, {steps}};
        memcpy(sh.dims + 1, s->shape.dims, (size_t)s->shape.rank * sizeof(int64_t));
        if ((c = tfc__parse_new(s->dtype, &sh, &w, &out->dense, st)) != TFC_OK) return c;
        int64_t at = 0;
        for (int64_t t = 0; t < steps; t++) {
            tfc_feature f = tfc_sequence_example_list_step(se, (size_t)li, (size_t)t);
            if ((c = tfc__parse_copy(out->dense, at, &f, st)) != TFC_OK) return c;
            at += (int64_t)f.count;
        }
        return TFC_OK;
    }
    tfc_shape ish = tfc_shape_make(2, (int64_t[]){total, 2});
    tfc_shape vsh = tfc_shape_make(1, &total), dsh = tfc_shape_make(1, (int64_t[]){2});
    if ((c = tfc__parse_new(TFC_DT_INT64, &ish, &w, &out->indices, st)) != TFC_OK ||
        (c = tfc__parse_new(s->dtype, &vsh, &w, &out->values, st)) != TFC_OK ||
        (c = tfc__parse_new(TFC_DT_INT64, &dsh, &w, &out->dense_shape, st)) != TFC_OK)
        return c;
    int64_t *idx = tfc_tensor_data(out->indices), *ds = tfc_tensor_data(out->dense_shape);
    int64_t k = 0;
    for (int64_t t = 0; t < steps; t++) {
        tfc_feature f = tfc_sequence_example_list_step(se, (size_t)li, (size_t)t);
        if ((c = tfc__parse_copy(out->values, k, &f, st)) != TFC_OK) return c;
        for (int64_t i = 0; i < (int64_t)f.count; i++, k++) *idx++ = t, *idx++ = i;
    }
    ds[0] = steps, ds[1] = max;
    return TFC_OK;
}

static tfc_code parse_lists(const tfc_sequence_example *se, const tfc_feature_spec *seq, int nseq,
                            tfc_parsed *out, tfc_status *st) {
    /* Every list is checked before anything is allocated, so a bad last list costs nothing. */
    for (int s = 0; s < nseq; s++) {
        int64_t total, max;
        tfc_code c = check_list(se, tfc_sequence_example_find_list(se, seq[s].key), &seq[s], &total,
                                &max, st);
        if (c != TFC_OK) return c;
    }
    for (int s = 0; s < nseq; s++) {
        int64_t li = tfc_sequence_example_find_list(se, seq[s].key), total, max;
        tfc_code c = check_list(se, li, &seq[s], &total, &max, st);
        if (c == TFC_OK) c = fill_list(se, li, &seq[s], total, max, &out[s], st);
        if (c != TFC_OK) return c;
    }
    return TFC_OK;
}

tfc_code tfc_parse_sequence_example(const void *data, size_t n, const tfc_feature_spec *context,
                                    int nctx, const tfc_feature_spec *seq, int nseq,
                                    tfc_parsed *ctx_out, tfc_parsed *seq_out, tfc_status *st) {
    tfc_status local;
    if (!st) st = &local;
    if (nctx > 0 && ctx_out) memset(ctx_out, 0, (size_t)nctx * sizeof *ctx_out);
    if (nseq > 0 && seq_out) memset(seq_out, 0, (size_t)nseq * sizeof *seq_out);
    if ((nctx > 0 && !ctx_out) || (nseq > 0 && !seq_out))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "no output array for %d specs",
                              nctx > 0 && !ctx_out ? nctx : nseq);
    tfc_code c = tfc__parse_check_specs(context, nctx, TFC__ROLE_CONTEXT, st);
    if (c == TFC_OK) c = tfc__parse_check_specs(seq, nseq, TFC__ROLE_SEQUENCE, st);
    if (c != TFC_OK) return c;
    if (!data && n) return tfc_status_set(st, TFC_INVALID_ARGUMENT, "NULL data with %zu bytes", n);
    tfc_sequence_example *se;
    if ((c = tfc_sequence_example_parse(data ? data : "", n, &se, st)) != TFC_OK) {
        tfc_status_prefix(st, "Could not parse example input");
        return c;
    }
    const tfc_features *fs = tfc_sequence_example_context_const(se);
    c = tfc__parse_features(&fs, 1, TFC__ROLE_CONTEXT, context, nctx, ctx_out, st);
    if (c == TFC_OK && (c = parse_lists(se, seq, nseq, seq_out, st)) != TFC_OK) {
        tfc_parsed_clear(ctx_out, nctx);
        tfc_parsed_clear(seq_out, nseq);
    }
    tfc_sequence_example_free(se);
    return c;
}
