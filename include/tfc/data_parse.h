/* tfc data_parse: TensorFlow's Example parsing ops for input pipelines —
 * tf.io.parse_single_example, tf.io.parse_example and tf.io.parse_single_sequence_example — from
 * serialized bytes to tensors.
 *
 *     tfc_feature_spec specs[] = {
 *         {.key = "image/raw", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_STRING},   // shape [] =
 * scalar
 *         {.key = "label", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_INT64},
 *         {.key = "tags", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
 *     };
 *     tfc_parsed out[3];
 *     if (tfc_parse_example(serialized, specs, 3, out, &st) != TFC_OK) report(st.msg);
 *     // out[0].dense: string [B]; out[1].dense: int64 [B];
 *     // out[2].indices int64 [N,2], .values string [N], .dense_shape int64 [2] = {B, max count}
 *     tfc_parsed_clear(out, 3);
 *
 * A spec is TF's feature configuration:
 *
 *   | kind                   | TF class                | output (single)     | output (batch of B)
 * |
 *   |------------------------|-------------------------|---------------------|--------------------------|
 *   | TFC_FIXED_LEN          | FixedLenFeature         | dense shape         | dense [B]+shape | |
 * TFC_VAR_LEN            | VarLenFeature           | sparse, indices N,1 | sparse, indices [N,2] |
 *   | TFC_FIXED_LEN_SEQUENCE | FixedLenSequenceFeature | dense [T]+shape     | dense [B, max
 * T]+shape   |
 *
 * where N is the number of values, T = values / elements of shape (the steps), and a sparse output
 * is TF's SparseTensor: indices int64 [N, rank] in row-major order (example, position within it),
 * values [N] of the spec's dtype, dense_shape int64 [rank] ({N} single, {B, max count} batched).
 *
 * Semantics are TensorFlow's (example_proto_fast_parsing.cc):
 * - A key absent from an example, or present with an empty Feature (no list set), is missing.
 *   A missing FixedLen feature takes default_value, or is an error when there is none; a missing
 *   VarLen feature has no values; a missing FixedLenSequence feature has no steps.
 * - A feature whose list is of another type than the spec's dtype is an error, even when empty
 *   (float_list = float, int64_list = int64, bytes_list = string).
 * - A FixedLen feature that is present must hold exactly shape's element count of values; an
 *   empty list is not missing (it is a count of 0).
 * - A FixedLenSequence feature must hold a multiple of shape's element count; in a batch, shorter
 *   examples are padded to the longest with default_value (one value, broadcast; NULL = 0 or "").
 * - A key given twice in one Example: the last one wins (protobuf map semantics).
 *
 * Errors are INVALID_ARGUMENT with TF's messages, naming the key and, in a batch, the example
 * index ("Index: I"), and saying what was expected:
 *   "Feature: KEY (data type: float) is required but could not be found."
 *   "Key: KEY, Index: 3.  Number of float values != expected.  Values size: 3 but output shape:
 * [4]" "Key: KEY, Index: 3.  Data types don't match. Data type: int64 but expected type: float"
 *   "Key: KEY, Index: 3.  Number of float values is not a multiple of stride length. Saw 3 values
 *    but output shape is: [?,2]"
 *   "Index: 3.  Could not parse example input: could not parse Example: PATH: PROBLEM at byte N"
 * (", Index: I" and "Index: I.  " appear only in a batch). Spec errors ("Key: KEY.  Unsupported
 * dtype int32 ...") are found before any input is read. RESOURCE_EXHAUSTED when memory runs out
 * (or an output would be too large to allocate).
 *
 * Ownership: specs, default values and inputs are borrowed for the call. Every output tensor is a
 * new reference owned by the caller (free with tfc_parsed_clear). On error every tfc_parsed in the
 * output arrays is zeroed: nothing is half-returned.
 * Thread-safety: the calls keep no state; any number may run at once from different threads
 * (specs and default tensors may be shared between them). */
#ifndef TFC_DATA_PARSE_H
#define TFC_DATA_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "tfc/base.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tfc_feature_spec_kind {
    TFC_FIXED_LEN = 0,          /* tf.io.FixedLenFeature */
    TFC_VAR_LEN = 1,            /* tf.io.VarLenFeature */
    TFC_FIXED_LEN_SEQUENCE = 2, /* tf.io.FixedLenSequenceFeature */
} tfc_feature_spec_kind;

/* One feature to parse. Zero-initialised fields are TF's defaults (a scalar FixedLen feature with
 * no default, i.e. required), except dtype, which must be set. */
typedef struct tfc_feature_spec {
    const char *key; /* the Example's feature key (or feature list key, for sequence specs) */
    tfc_feature_spec_kind kind;
    tfc_dtype dtype; /* TFC_DT_FLOAT, TFC_DT_INT64 or TFC_DT_STRING */
    /* FixedLen: the shape of one example's value; FixedLenSequence: the shape of one step. Must
     * be fully defined (dims >= 0); rank 0 (the zero value) is a scalar. Ignored for VarLen. The
     * output's rank ([B]+shape, [B, T]+shape) may not exceed TFC_MAX_RANK. */
    tfc_shape shape;
    /* FixedLen: the value of a missing feature, of dtype and holding shape's element count (any
     * shape with that count, as TF reshapes it); NULL = the feature is required.
     * FixedLenSequence: the padding value, one element of dtype (NULL = 0 or ""); must be NULL
     * for the feature lists of a SequenceExample. Ignored for VarLen. */
    const tfc_tensor *default_value;
    /* FixedLenSequence only. In Example parsing TF requires it to be true (a missing feature has
     * zero steps); for a SequenceExample's feature lists, false makes a missing list an error and
     * true reads it as zero steps. */
    bool allow_missing;
} tfc_feature_spec;

/* What one spec yields: dense (FixedLen, FixedLenSequence), or the three parts of a SparseTensor
 * (VarLen); the other fields are NULL. */
typedef struct tfc_parsed {
    tfc_tensor *dense;
    tfc_tensor *indices;     /* int64 [N, rank] */
    tfc_tensor *values;      /* dtype [N] */
    tfc_tensor *dense_shape; /* int64 [rank] */
} tfc_parsed;

/* Drops the references in p[0..n) and zeroes them. Accepts NULL tensors (and p NULL with n 0). */
void tfc_parsed_clear(tfc_parsed *p, int n);

/* tf.io.parse_single_example: parses n bytes of one serialized Example (data may be NULL when n
 * is 0: the empty Example) with nspecs specs into out[0..nspecs) (the caller's array, overwritten
 * without being read). Outputs are unbatched: FixedLen dense shape = spec.shape; VarLen indices
 * [N,1], dense_shape {N}; FixedLenSequence [T]+shape. Errors as described at the top, without
 * example indices; INVALID_ARGUMENT for nspecs < 0, or specs / out NULL with nspecs > 0. */
tfc_code tfc_parse_single_example(const void *data, size_t n, const tfc_feature_spec *specs,
                                  int nspecs, tfc_parsed *out, tfc_status *st);

/* tf.io.parse_example: parses a batch, serialized being a DT_STRING vector [B] (B may be 0) of
 * serialized Examples. Outputs: FixedLen dense [B]+shape; VarLen indices [N,2] (example,
 * position), values [N], dense_shape {B, max count}; FixedLenSequence [B, max T]+shape padded
 * with default_value. Errors name the example index; INVALID_ARGUMENT "serialized must be a
 * string vector" when it is not a DT_STRING tensor of rank 1. */
tfc_code tfc_parse_example(const tfc_tensor *serialized, const tfc_feature_spec *specs, int nspecs,
                           tfc_parsed *out, tfc_status *st);

/* tf.io.parse_single_sequence_example: parses n bytes of one serialized SequenceExample.
 * Context specs (FixedLen or VarLen) read the context features as parse_single_example does,
 * into ctx_out[0..nctx) (errors say "Context feature: KEY"). Sequence specs read the feature
 * lists into seq_out[0..nseq): FixedLenSequence gives dense [T]+shape (T = the list's steps, each
 * step holding exactly shape's element count); VarLen gives indices [N,2] (step, position within
 * the step), values [N], dense_shape {T, max values in a step}. A step that is an empty Feature
 * holds no values; a missing list has T = 0 (an error for FixedLenSequence without
 * allow_missing: "Feature list 'KEY' is required but could not be found ..."). Step errors name
 * the step: "Feature list: KEY, Step: 2.  Number of float values != expected.  Values size: 1
 * but output shape: [2]". FixedLen sequence specs and FixedLenSequence context specs are
 * INVALID_ARGUMENT (as in TF). On error both output arrays are zeroed. */
tfc_code tfc_parse_sequence_example(const void *data, size_t n, const tfc_feature_spec *context,
                                    int nctx, const tfc_feature_spec *seq, int nseq,
                                    tfc_parsed *ctx_out, tfc_parsed *seq_out, tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
