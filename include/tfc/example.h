/* tfc example: tf.train.Example and tf.train.SequenceExample — build, serialize, parse, and show.
 *
 * Wire format (FORMATS.md §2, proto3, package tensorflow):
 *
 *   | message         | fields                                                              |
 *   |-----------------|---------------------------------------------------------------------|
 *   | BytesList       | repeated bytes value = 1                                            |
 *   | FloatList       | repeated float value = 1 [packed]                                   |
 *   | Int64List       | repeated int64 value = 1 [packed]                                   |
 *   | Feature         | oneof kind { BytesList=1; FloatList=2; Int64List=3 }                |
 *   | Features        | map<string, Feature> feature = 1                                    |
 *   | FeatureList     | repeated Feature feature = 1                                        |
 *   | FeatureLists    | map<string, FeatureList> feature_list = 1                           |
 *   | Example         | Features features = 1                                               |
 *   | SequenceExample | Features context = 1; FeatureLists feature_lists = 2                |
 *
 * Parsing accepts packed and unpacked repeated scalars, an empty Feature (kind NONE: present but
 * empty), and duplicate keys (the last one wins, as in protobuf maps). Keys keep the order of
 * their first appearance; serialization writes them in that order.
 *
 *     tfc_example *ex = tfc_example_new();
 *     tfc_example_set_int64s(ex, "label", (int64_t[]){7}, 1);
 *     tfc_example_set_bytes(ex, "image/raw", &(tfc_bytes){pixels, 784}, 1);
 *     tfc_example_serialize(ex, &buf, &n, &st);
 *
 * Handles are not thread-safe; distinct handles may be used from distinct threads. */
#ifndef TFC_EXAMPLE_H
#define TFC_EXAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tfc_feature_kind {
    TFC_FEATURE_NONE = 0, /* an empty Feature message: present, no values */
    TFC_FEATURE_BYTES = 1,
    TFC_FEATURE_FLOAT = 2,
    TFC_FEATURE_INT64 = 3,
} tfc_feature_kind;

/* "none", "bytes_list", "float_list", "int64_list". */
const char *tfc_feature_kind_name(tfc_feature_kind k);

/* A read-only view of one Feature; pointers are owned by the container they came from and valid
 * until it is changed or freed. Exactly the array matching kind is set. */
typedef struct tfc_feature {
    tfc_feature_kind kind;
    size_t count;
    const float *floats;
    const int64_t *int64s;
    const tfc_bytes *bytes;
} tfc_feature;

/* ---- Features: an ordered map from key to Feature (tf.train.Features) ---- */
typedef struct tfc_features tfc_features;

size_t tfc_features_count(const tfc_features *fs);
/* Key and feature at position i (0 <= i < count); NULL key if out of range. */
const char *tfc_features_key(const tfc_features *fs, size_t i);
tfc_feature tfc_features_at(const tfc_features *fs, size_t i);
/* Finds key; returns false if absent. */
bool tfc_features_find(const tfc_features *fs, const char *key, tfc_feature *out);
/* Typed access: NOT_FOUND if key is absent, INVALID_ARGUMENT naming the key and both kinds if it
 * holds another kind (an empty Feature reads as zero values of any kind). */
tfc_code tfc_features_get_floats(const tfc_features *fs, const char *key, const float **vals,
                                 size_t *n, tfc_status *st);
tfc_code tfc_features_get_int64s(const tfc_features *fs, const char *key, const int64_t **vals,
                                 size_t *n, tfc_status *st);
tfc_code tfc_features_get_bytes(const tfc_features *fs, const char *key, const tfc_bytes **vals,
                                size_t *n, tfc_status *st);
/* Set (replace or add) a feature; values are copied. RESOURCE_EXHAUSTED on allocation failure. */
tfc_code tfc_features_set_floats(tfc_features *fs, const char *key, const float *vals, size_t n);
tfc_code tfc_features_set_int64s(tfc_features *fs, const char *key, const int64_t *vals, size_t n);
tfc_code tfc_features_set_bytes(tfc_features *fs, const char *key, const tfc_bytes *vals, size_t n);
tfc_code tfc_features_set_empty(tfc_features *fs, const char *key);
/* Removes key; returns false if it was absent. */
bool tfc_features_remove(tfc_features *fs, const char *key);

/* ---- Example ---- */
typedef struct tfc_example tfc_example;

tfc_example *tfc_example_new(void); /* NULL when out of memory */
void tfc_example_free(tfc_example *ex); /* accepts NULL */
/* The example's features (owned by ex). */
tfc_features *tfc_example_features(tfc_example *ex);
const tfc_features *tfc_example_features_const(const tfc_example *ex);

/* Shorthands for tfc_features_* on tfc_example_features(ex). */
tfc_code tfc_example_set_floats(tfc_example *ex, const char *key, const float *vals, size_t n);
tfc_code tfc_example_set_int64s(tfc_example *ex, const char *key, const int64_t *vals, size_t n);
tfc_code tfc_example_set_bytes(tfc_example *ex, const char *key, const tfc_bytes *vals, size_t n);

/* Parses a serialized Example. INVALID_ARGUMENT "could not parse Example: ..." saying what is
 * wrong when the bytes are not a valid Example. *out is new (free with tfc_example_free). */
tfc_code tfc_example_parse(const void *data, size_t n, tfc_example **out, tfc_status *st);
/* Serializes ex into a new buffer (*out, free with tfc_free), keys in order, lists packed. */
tfc_code tfc_example_serialize(const tfc_example *ex, uint8_t **out, size_t *n, tfc_status *st);

/* ---- SequenceExample ---- */
typedef struct tfc_sequence_example tfc_sequence_example;

tfc_sequence_example *tfc_sequence_example_new(void);
void tfc_sequence_example_free(tfc_sequence_example *se); /* accepts NULL */
tfc_features *tfc_sequence_example_context(tfc_sequence_example *se);
const tfc_features *tfc_sequence_example_context_const(const tfc_sequence_example *se);
/* Feature lists: key i and its steps (each step one Feature). */
size_t tfc_sequence_example_num_lists(const tfc_sequence_example *se);
const char *tfc_sequence_example_list_key(const tfc_sequence_example *se, size_t i);
size_t tfc_sequence_example_list_len(const tfc_sequence_example *se, size_t i);
tfc_feature tfc_sequence_example_list_step(const tfc_sequence_example *se, size_t i, size_t step);
/* Index of a list by key, or -1. */
int64_t tfc_sequence_example_find_list(const tfc_sequence_example *se, const char *key);
/* Appends one step to list key (created if absent); step holds the values (copied). */
tfc_code tfc_sequence_example_append(tfc_sequence_example *se, const char *key,
                                     const tfc_feature *step);
tfc_code tfc_sequence_example_parse(const void *data, size_t n, tfc_sequence_example **out,
                                    tfc_status *st);
tfc_code tfc_sequence_example_serialize(const tfc_sequence_example *se, uint8_t **out, size_t *n,
                                        tfc_status *st);

/* ---- Text and JSON views (what `tfc example show` prints) ----
 * Each returns a new NUL-terminated string (free with tfc_free), NULL when out of memory.
 * Text is protobuf text format as TF's print(example) shows it. JSON is protobuf's canonical JSON
 * mapping on one line: lowerCamelCase names (floatList, int64List, bytesList, featureLists), int64
 * as strings, bytes as base64, NaN/Infinity/-Infinity as strings. Floats print in the shortest
 * form that reads back to the same float. */
char *tfc_example_to_text(const tfc_example *ex);
char *tfc_example_to_json(const tfc_example *ex);
char *tfc_sequence_example_to_text(const tfc_sequence_example *se);
char *tfc_sequence_example_to_json(const tfc_sequence_example *se);
/* Inverse of the JSON form: a JSON object {"features": {"feature": {...}}} (Example) or
 * {"context": ..., "featureLists": ...} (SequenceExample). Also accepts the proto field names
 * (float_list, int64_list, bytes_list, feature_lists, feature_list) and int64 given as numbers.
 * INVALID_ARGUMENT naming the JSON path of the first problem. */
tfc_code tfc_example_from_json(const char *json, size_t n, tfc_example **out, tfc_status *st);
tfc_code tfc_sequence_example_from_json(const char *json, size_t n, tfc_sequence_example **out,
                                        tfc_status *st);
/* The keys as a tree split at '/': "image/encoded" and "image/height" under "image/", one line
 * per node with kind and value count for leaves, e.g.
 *     image/
 *       encoded   bytes_list[1]
 *       height    int64_list[1]
 *     label       int64_list[1]
 * Keys are sorted. */
char *tfc_features_key_tree(const tfc_features *fs);

#ifdef __cplusplus
}
#endif
#endif
