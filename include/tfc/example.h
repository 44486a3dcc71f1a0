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
 * their first appearance; serialization writes them in that order. Keys are NUL-terminated
 * strings: a serialized key holding a NUL byte is rejected as unrepresentable (no other check is
 * made on key bytes, as in TensorFlow's own parser). Unknown fields are skipped and not kept.
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
 * until it is changed or freed. Only the array matching kind is set (NULL when count is 0). A
 * list that is present but empty (e.g. kind FLOAT, count 0) is kept apart from kind NONE, since
 * protobuf writes them differently. To set a feature from a view, fill kind, count and the one
 * matching array. */
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
/* Key and feature at position i (0 <= i < count) in order of first appearance; NULL key and an
 * empty feature if out of range. */
const char *tfc_features_key(const tfc_features *fs, size_t i);
tfc_feature tfc_features_at(const tfc_features *fs, size_t i);
/* Finds key (hashed once there are more than a few keys); returns false if absent. out may be
 * NULL. */
bool tfc_features_find(const tfc_features *fs, const char *key, tfc_feature *out);
/* Typed access: *vals (owned by fs, valid until fs changes) and *n. NOT_FOUND "no feature 'k'"
 * if key is absent, INVALID_ARGUMENT "feature 'k' is int64_list, not float_list" if it holds
 * another kind (an empty Feature reads as zero values of any kind, *vals NULL). */
tfc_code tfc_features_get_floats(const tfc_features *fs, const char *key, const float **vals,
                                 size_t *n, tfc_status *st);
tfc_code tfc_features_get_int64s(const tfc_features *fs, const char *key, const int64_t **vals,
                                 size_t *n, tfc_status *st);
tfc_code tfc_features_get_bytes(const tfc_features *fs, const char *key, const tfc_bytes **vals,
                                size_t *n, tfc_status *st);
/* Set (replace, keeping its position, or add at the end) a feature; values are copied.
 * RESOURCE_EXHAUSTED on allocation failure; INVALID_ARGUMENT if key is NULL or n > 0 with NULL
 * values. tfc_features_set copies any view (e.g. one from another container, or from fs itself). */
tfc_code tfc_features_set(tfc_features *fs, const char *key, const tfc_feature *f);
tfc_code tfc_features_set_floats(tfc_features *fs, const char *key, const float *vals, size_t n);
tfc_code tfc_features_set_int64s(tfc_features *fs, const char *key, const int64_t *vals, size_t n);
tfc_code tfc_features_set_bytes(tfc_features *fs, const char *key, const tfc_bytes *vals, size_t n);
tfc_code tfc_features_set_empty(tfc_features *fs, const char *key);
/* Removes key; returns false if it was absent. The other keys keep their order. */
bool tfc_features_remove(tfc_features *fs, const char *key);
/* True if a and b hold the same keys with the same kinds and values, in any order (protobuf map
 * equality). Floats compare by bit pattern, except that all NaNs are equal. */
bool tfc_features_equal(const tfc_features *a, const tfc_features *b);

/* ---- Example ---- */
typedef struct tfc_example tfc_example;

tfc_example *tfc_example_new(void);     /* NULL when out of memory */
void tfc_example_free(tfc_example *ex); /* accepts NULL */
/* The example's features (owned by ex). */
tfc_features *tfc_example_features(tfc_example *ex);
const tfc_features *tfc_example_features_const(const tfc_example *ex);

/* Shorthands for tfc_features_* on tfc_example_features(ex). */
tfc_code tfc_example_set_floats(tfc_example *ex, const char *key, const float *vals, size_t n);
tfc_code tfc_example_set_int64s(tfc_example *ex, const char *key, const int64_t *vals, size_t n);
tfc_code tfc_example_set_bytes(tfc_example *ex, const char *key, const tfc_bytes *vals, size_t n);

/* Same features (tfc_features_equal). */
bool tfc_example_equal(const tfc_example *a, const tfc_example *b);

/* Parses a serialized Example. INVALID_ARGUMENT "could not parse Example: PATH: PROBLEM at byte
 * N" when the bytes are not a valid Example (e.g. "features.feature["age"].value.int64_list:
 * packed int64 value is truncated ... at byte 40"); RESOURCE_EXHAUSTED when memory runs out.
 * *out is new (free with tfc_example_free); NULL on error. */
tfc_code tfc_example_parse(const void *data, size_t n, tfc_example **out, tfc_status *st);
/* Serializes ex into a new buffer (*out, free with tfc_free; an empty Example is 0 bytes), keys
 * in order, lists packed, as TensorFlow writes them. INVALID_ARGUMENT past protobuf's 2 GiB. */
tfc_code tfc_example_serialize(const tfc_example *ex, uint8_t **out, size_t *n, tfc_status *st);
/* True if the serialized message has a feature_lists field (field 2 of SequenceExample), i.e. it
 * must be parsed as a SequenceExample to see everything. An Example and a SequenceExample share
 * field 1 (features / context), so any Example parses as a SequenceExample too. Only walks the
 * top-level fields: false if they are malformed before a field 2 shows up. */
bool tfc_example_is_sequence(const void *data, size_t n);

/* ---- SequenceExample ---- */
typedef struct tfc_sequence_example tfc_sequence_example;

tfc_sequence_example *tfc_sequence_example_new(void);     /* NULL when out of memory */
void tfc_sequence_example_free(tfc_sequence_example *se); /* accepts NULL */
tfc_features *tfc_sequence_example_context(tfc_sequence_example *se);
const tfc_features *tfc_sequence_example_context_const(const tfc_sequence_example *se);
/* Feature lists in order of first appearance: key i and its steps (each step one Feature).
 * Out of range: NULL key, length 0, an empty step. */
size_t tfc_sequence_example_num_lists(const tfc_sequence_example *se);
const char *tfc_sequence_example_list_key(const tfc_sequence_example *se, size_t i);
size_t tfc_sequence_example_list_len(const tfc_sequence_example *se, size_t i);
tfc_feature tfc_sequence_example_list_step(const tfc_sequence_example *se, size_t i, size_t step);
/* Index of a list by key, or -1. */
int64_t tfc_sequence_example_find_list(const tfc_sequence_example *se, const char *key);
/* Appends one step to list key (created if absent); step holds the values (copied; kind NONE
 * for an empty step). RESOURCE_EXHAUSTED, or INVALID_ARGUMENT for a NULL key/step or values. */
tfc_code tfc_sequence_example_append(tfc_sequence_example *se, const char *key,
                                     const tfc_feature *step);
/* Creates list key with no steps if it is absent (an existing list is left as it is). */
tfc_code tfc_sequence_example_add_list(tfc_sequence_example *se, const char *key);
/* Same context and the same lists (by key, any order) with equal steps in the same order. */
bool tfc_sequence_example_equal(const tfc_sequence_example *a, const tfc_sequence_example *b);
/* As tfc_example_parse / tfc_example_serialize ("could not parse SequenceExample: ..."). A list
 * key given twice keeps the last list's steps. An empty context or no lists are not written. */
tfc_code tfc_sequence_example_parse(const void *data, size_t n, tfc_sequence_example **out,
                                    tfc_status *st);
tfc_code tfc_sequence_example_serialize(const tfc_sequence_example *se, uint8_t **out, size_t *n,
                                        tfc_status *st);

/* ---- Text and JSON views (what `tfc example show` prints) ----
 * Each returns a new NUL-terminated string (free with tfc_free), NULL when out of memory.
 *
 * Text is protobuf text format as TF's print(example) shows it, byte for byte what protobuf's
 * Python printer text_format.MessageToString writes (the upb backend's str() differs only in
 * printing floats with %.9g and map entries unsorted): 2-space indentation, one field per line,
 * every line ending in '\n', map entries sorted by key (byte order), keys and bytes in double
 * quotes with \n \r \t \" \' \\ and octal \NNN for other bytes < 0x20 or >= 0x7f (keys, being
 * strings, keep valid UTF-8 as is), int64 in decimal, floats as Python prints them (the shortest
 * of 6..9 significant digits that reads back to the same float through strtof, repr layout:
 * "1.0", "0.25694445", "1e-05", "inf", "-inf", "nan"). An empty Feature is "value {\n}", an empty
 * Example the empty string.
 *
 *     features {
 *       feature {
 *         key: "label"
 *         value {
 *           int64_list {
 *             value: 7
 *           }
 *         }
 *       }
 *     }
 *
 * JSON is protobuf's canonical JSON mapping on one line, no spaces: lowerCamelCase names
 * (floatList, int64List, bytesList, featureLists, featureList), map entries in the container's
 * order, int64 as strings, bytes as standard base64 with padding, floats as in text and
 * NaN/Infinity/-Infinity as strings, an empty Feature as {}, empty lists and messages left out
 * (an empty Example is {}). Key bytes that are not UTF-8 become U+FFFD.
 *
 *     {"features":{"feature":{"label":{"int64List":{"value":["7"]}}}}}
 *     {"context":{"feature":{...}},"featureLists":{"featureList":{"t":{"feature":[{...}]}}}}
 */
char *tfc_example_to_text(const tfc_example *ex);
char *tfc_example_to_json(const tfc_example *ex);
char *tfc_sequence_example_to_text(const tfc_sequence_example *se);
char *tfc_sequence_example_to_json(const tfc_sequence_example *se);
/* Inverse of the JSON form: a JSON object {"features": {"feature": {...}}} (Example) or
 * {"context": ..., "featureLists": ...} (SequenceExample); json need not be NUL-terminated.
 * Also accepts the proto field names (float_list, int64_list, bytes_list, feature_lists,
 * feature_list), int64 given as numbers (integral, |v| <= 2^53, beyond which JSON numbers lose
 * digits) or strings, floats given as numeric strings, URL-safe or unpadded base64, and null for
 * an absent field. A map key given twice: the last one wins.
 * INVALID_ARGUMENT naming the JSON path of the first problem, e.g.
 * "features.feature.age.int64List.value[2]: expected an integer", "features.feature.x.floatList:
 * unknown field", "invalid JSON at byte 17"; an Example's JSON with context/featureLists is
 * rejected (it is a SequenceExample). *out is new, NULL on error. */
tfc_code tfc_example_from_json(const char *json, size_t n, tfc_example **out, tfc_status *st);
tfc_code tfc_sequence_example_from_json(const char *json, size_t n, tfc_sequence_example **out,
                                        tfc_status *st);
/* Either form from one JSON object: a SequenceExample (*se) when the object has context or
 * featureLists, else an Example (*ex). Give both pointers; exactly one is set on success. */
tfc_code tfc_example_from_json_any(const char *json, size_t n, tfc_example **ex,
                                   tfc_sequence_example **se, tfc_status *st);
/* The keys as a tree split at '/': "image/encoded" and "image/height" under "image/", one line
 * per node with kind and value count for leaves, e.g.
 *     image/
 *       encoded   bytes_list[1]
 *       height    int64_list[1]
 *     label       int64_list[1]
 * Keys are sorted (byte order); the labels line up 3 spaces after the longest name; an empty
 * Feature is "none[0]"; control bytes and bytes that are not UTF-8 show as \NNN, an empty name
 * as "". A new string (free with tfc_free), NULL when out of memory; "" for no keys. */
char *tfc_features_key_tree(const tfc_features *fs);
/* The same for a SequenceExample: a "context:" section with the context's tree, then a
 * "feature_lists:" section with one leaf per list, "feature_list[STEPS x KIND]" (KIND "mixed"
 * when steps differ; just "feature_list[STEPS]" when every step is an empty Feature), each
 * indented by 2.
 * Empty sections are left out. */
char *tfc_sequence_example_key_tree(const tfc_sequence_example *se);

#ifdef __cplusplus
}
#endif
#endif
