/* Private to the Example parsing ops (parse_example.c: specs, Examples and batches;
 * parse_sequence.c: SequenceExamples): spec checks, TF's error messages and the output fillers
 * both need. */
#ifndef TFC_DATA_PARSE_INT_H
#define TFC_DATA_PARSE_INT_H

#include "tfc/data_parse.h"
#include "tfc/example.h"

/* What a spec is checked for: it decides which kinds are allowed, how deep the output gets and
 * how keys are named in messages. */
typedef enum tfc__spec_role {
    TFC__ROLE_SINGLE,   /* parse_single_example */
    TFC__ROLE_BATCH,    /* parse_example */
    TFC__ROLE_CONTEXT,  /* a SequenceExample's context */
    TFC__ROLE_SEQUENCE, /* a SequenceExample's feature lists */
} tfc__spec_role;

/* Where a problem is, as TF writes it: "LABEL: KEY" then ", SUB: INDEX" when index >= 0
 * ("Key: age, Index: 3", "Feature list: tokens, Step: 2", "Context feature: length"). */
typedef struct tfc__where {
    const char *label;
    const char *key;
    const char *sub;
    int64_t index;
} tfc__where;

/* "Key", "Context feature" or "Feature list". */
const char *tfc__parse_label(tfc__spec_role role);
/* Checks specs[0..n) for role before any input is read (rules in data_parse.h). */
tfc_code tfc__parse_check_specs(const tfc_feature_spec *specs, int n, tfc__spec_role role,
                                tfc_status *st);
/* The list kind a spec's dtype reads (FLOAT, INT64 or BYTES). */
tfc_feature_kind tfc__parse_kind(tfc_dtype dt);

/* "WHERE.  Data types don't match. Data type: int64 but expected type: float". */
tfc_code tfc__parse_type_error(tfc_status *st, const tfc__where *w, tfc_feature_kind have,
                               tfc_dtype want);
/* "WHERE.  Number of float values != expected.  Values size: 3 but output shape: [4]". */
tfc_code tfc__parse_count_error(tfc_status *st, const tfc__where *w, tfc_dtype dt, size_t count,
                                const tfc_shape *shape);

/* A new zeroed tensor; on failure the status names the key ("Key: k: out of memory ..."). */
tfc_code tfc__parse_new(tfc_dtype dt, const tfc_shape *shape, const tfc__where *w, tfc_tensor **out,
                        tfc_status *st);
/* Copies f's values (of t's dtype) into t's elements [at, at + f->count). */
tfc_code tfc__parse_copy(tfc_tensor *t, int64_t at, const tfc_feature *f, tfc_status *st);

/* Parses nb Features (fs[b], one per example; a NULL entry is an empty Example) with specs
 * into out[0..nspecs), batched ([B]+shape, indices [N,2]) or not (nb must then be 1). role is
 * SINGLE, BATCH or CONTEXT and names keys in messages. On error out is zeroed. */
tfc_code tfc__parse_features(const tfc_features *const *fs, int64_t nb, tfc__spec_role role,
                             const tfc_feature_spec *specs, int nspecs, tfc_parsed *out,
                             tfc_status *st);

#endif
