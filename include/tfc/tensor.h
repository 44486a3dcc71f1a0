/* tfc tensor: dtypes with TensorFlow's numbers, shapes with unknown dimensions, reference-counted
 * 64-byte-aligned tensors, and conversion to and from TensorProto.
 *
 *     tfc_tensor *t;
 *     tfc_shape s = tfc_shape_make(2, (int64_t[]){2, 3});
 *     if (tfc_tensor_new(TFC_DT_FLOAT, &s, &t, &st) != TFC_OK) ...;
 *     float *x = tfc_tensor_data(t);          // 6 zeros, 64-byte aligned
 *     tfc_tensor *u = tfc_tensor_ref(t);      // a second owner
 *     tfc_tensor_unref(t);                    // ... each owner unrefs once
 *     tfc_tensor_unref(u);
 *
 * A tensor is a header (dtype, shape) over a buffer; headers made by tfc_tensor_reshape share the
 * buffer (TF's Reshape, ExpandDims, Squeeze cost no copy). Reference counts are atomic, so a tensor
 * may be shared between threads; writing its data while another thread reads it is the caller's
 * race. DT_STRING tensors hold one owned byte string per element.
 *
 * TensorProto (FORMATS.md §4): dtype = 1, tensor_shape = 2, version_number = 3,
 * tensor_content = 4 (raw little-endian, row-major), typed values: float_val = 5, double_val = 6,
 * int_val = 7 (int32, int16, int8, uint8, uint16 and bool in older writers), string_val = 8,
 * int64_val = 10, bool_val = 11, half_val = 13 (fp16/bf16 bits in int32s), uint32_val = 16,
 * uint64_val = 17. When a typed list holds fewer values than the shape has elements, TF repeats the
 * last value (a `float_val: 0.5` with shape [2, 3] is six halves); an empty list means zeros. */
#ifndef TFC_TENSOR_H
#define TFC_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TensorFlow's DataType numbers (types.proto). *_REF types are base + 100. */
typedef enum tfc_dtype {
    TFC_DT_INVALID = 0,
    TFC_DT_FLOAT = 1,
    TFC_DT_DOUBLE = 2,
    TFC_DT_INT32 = 3,
    TFC_DT_UINT8 = 4,
    TFC_DT_INT16 = 5,
    TFC_DT_INT8 = 6,
    TFC_DT_STRING = 7,
    TFC_DT_INT64 = 9,
    TFC_DT_BOOL = 10,
    TFC_DT_BFLOAT16 = 14,
    TFC_DT_UINT16 = 17,
    TFC_DT_HALF = 19,
    TFC_DT_RESOURCE = 20,
    TFC_DT_VARIANT = 21,
    TFC_DT_UINT32 = 22,
    TFC_DT_UINT64 = 23,
} tfc_dtype;

#define TFC_DT_REF_OFFSET 100

/* Python-style name: "float32", "float64", "int32", "uint8", "int16", "int8", "string", "int64",
 * "bool", "bfloat16", "uint16", "float16", "resource", "variant", "uint32", "uint64"; a *_REF type
 * gets "_ref" appended; "invalid" for anything else. */
const char *tfc_dtype_name(tfc_dtype dt);
/* The enum's proto name: "DT_FLOAT", "DT_INT32", "DT_FLOAT_REF", ... */
const char *tfc_dtype_enum_name(tfc_dtype dt);
/* Accepts either name form ("float32", "DT_FLOAT") and the aliases "float", "double", "half".
 * Returns false if s names no dtype. */
bool tfc_dtype_parse(const char *s, tfc_dtype *out);
/* Bytes per element for fixed-size types (a *_REF type has its base type's size); 0 for STRING,
 * RESOURCE, VARIANT and unknown values. */
size_t tfc_dtype_size(tfc_dtype dt);
/* dt without its _REF (TFC_DT_FLOAT for 101). */
tfc_dtype tfc_dtype_base(tfc_dtype dt);
/* Whether dt is one of the values above (after tfc_dtype_base). */
bool tfc_dtype_is_valid(tfc_dtype dt);

/* ---- Shapes ---- */
#define TFC_MAX_RANK 8

/* rank -1 = unknown rank; a dim of -1 = unknown size. Plain value type. */
typedef struct tfc_shape {
    int rank;
    int64_t dims[TFC_MAX_RANK];
} tfc_shape;

/* A shape of the given rank (0..TFC_MAX_RANK) and dims (-1 for unknown); dims may be NULL for a
 * scalar (for rank > 0, NULL means every dim unknown). Rank -1 is the unknown-rank shape; any
 * other rank outside 0..TFC_MAX_RANK or a dim below -1 also gives it; use tfc_shape_check to tell
 * the caller why. */
tfc_shape tfc_shape_make(int rank, const int64_t *dims);
tfc_shape tfc_shape_scalar(void);
tfc_shape tfc_shape_unknown(void); /* unknown rank */
/* INVALID_ARGUMENT (naming the problem) if rank or a dim is out of range; rank -1 (unknown) and
 * dims == NULL are fine. */
tfc_code tfc_shape_check(int rank, const int64_t *dims, tfc_status *st);
bool tfc_shape_is_fully_defined(const tfc_shape *s);
/* Product of the dims; -1 if not fully defined or if it overflows int64. Scalar = 1. */
int64_t tfc_shape_num_elements(const tfc_shape *s);
/* Same rank and dims (unknowns must match exactly). */
bool tfc_shape_equal(const tfc_shape *a, const tfc_shape *b);
/* TF's compatibility: unknown rank is compatible with anything; otherwise equal ranks and each
 * pair of dims equal or at least one unknown. */
bool tfc_shape_is_compatible(const tfc_shape *a, const tfc_shape *b);
/* The most specific shape compatible with both (TF's merge_with); false if incompatible. */
bool tfc_shape_merge(const tfc_shape *a, const tfc_shape *b, tfc_shape *out);
/* TF's DebugString: "[2,?,3]", "[]" for a scalar, "<unknown>" for unknown rank. Writes at most n
 * bytes including the NUL; returns buf. */
char *tfc_shape_to_string(const tfc_shape *s, char *buf, size_t n);

/* ---- Tensors ---- */
typedef struct tfc_tensor tfc_tensor;

/* A new zero-filled tensor (empty strings for DT_STRING) of a fully defined shape, with refcount
 * 1. INVALID_ARGUMENT for an unknown dtype, a *_REF dtype, RESOURCE or VARIANT (tfc holds no such
 * values), a shape that is not fully defined or whose element count overflows int64;
 * RESOURCE_EXHAUSTED when the bytes cannot be allocated or their count overflows size_t. */
tfc_code tfc_tensor_new(tfc_dtype dt, const tfc_shape *shape, tfc_tensor **out, tfc_status *st);
/* A new tensor holding a copy of nbytes of data, which must equal num_elements * dtype size
 * (INVALID_ARGUMENT saying both otherwise). Not for DT_STRING (use tfc_tensor_set_string). */
tfc_code tfc_tensor_from_data(tfc_dtype dt, const tfc_shape *shape, const void *data, size_t nbytes,
                              tfc_tensor **out, tfc_status *st);
/* Convenience scalars (NULL when out of memory). */
tfc_tensor *tfc_tensor_scalar_float(float v);
tfc_tensor *tfc_tensor_scalar_int32(int32_t v);
tfc_tensor *tfc_tensor_scalar_int64(int64_t v);
tfc_tensor *tfc_tensor_scalar_string(const void *data, size_t n);

/* Adds an owner; returns t. */
tfc_tensor *tfc_tensor_ref(tfc_tensor *t);
/* Drops an owner; the last one frees the header (and the buffer when no other header shares it).
 * Accepts NULL. */
void tfc_tensor_unref(tfc_tensor *t);
int64_t tfc_tensor_refcount(const tfc_tensor *t);

tfc_dtype tfc_tensor_dtype(const tfc_tensor *t);
const tfc_shape *tfc_tensor_shape(const tfc_tensor *t);
int tfc_tensor_rank(const tfc_tensor *t);
int64_t tfc_tensor_dim(const tfc_tensor *t, int i); /* -1 when i is not in [0, rank) */
int64_t tfc_tensor_num_elements(const tfc_tensor *t);
/* num_elements * dtype size (for DT_STRING, num_elements * sizeof(tfc_bytes)). */
size_t tfc_tensor_byte_size(const tfc_tensor *t);
/* The element buffer, 64-byte aligned (NULL for DT_STRING). Writable: the caller decides when a
 * shared buffer may be written (kernels write only tensors they created). */
void *tfc_tensor_data(tfc_tensor *t);
const void *tfc_tensor_data_const(const tfc_tensor *t);

/* String elements: a view valid until the element is replaced or the tensor freed. An empty
 * view ({"", 0}) when t is not DT_STRING or i is out of range. */
tfc_bytes tfc_tensor_string_at(const tfc_tensor *t, int64_t i);
/* Replaces element i with a copy of n bytes. INVALID_ARGUMENT if t is not DT_STRING or i is out
 * of range. */
tfc_code tfc_tensor_set_string(tfc_tensor *t, int64_t i, const void *data, size_t n,
                               tfc_status *st);

/* A new header with another shape over the same buffer (no copy). INVALID_ARGUMENT if the
 * element counts differ; one dim of -1 is inferred as in tf.reshape. */
tfc_code tfc_tensor_reshape(tfc_tensor *t, const tfc_shape *shape, tfc_tensor **out,
                            tfc_status *st);
/* A deep copy with its own buffer. */
tfc_code tfc_tensor_copy(const tfc_tensor *t, tfc_tensor **out, tfc_status *st);
/* Same dtype, shape and element values (bitwise for floats, except NaN equals NaN). Two NULLs
 * are equal; NULL and a tensor are not. */
bool tfc_tensor_equal(const tfc_tensor *a, const tfc_tensor *b);

/* ---- TensorProto ---- */
/* The most bytes tfc_tensor_from_proto builds from a typed list shorter than the shape (TF's
 * repeat-the-last-value rule, or an empty list for zeros). Such a proto can be a dozen bytes long
 * and ask for terabytes, so a hostile file must not decide how much memory tfc commits. Values
 * given in full (tensor_content, or one typed value per element) are bounded by the input's size
 * and have no limit here. */
#define TFC_TENSOR_PROTO_MAX_FILL_BYTES ((uint64_t)1 << 30)

/* Parses a serialized TensorProto: tensor_content or the typed value fields (short lists repeat
 * their last value; bool from bool_val only, as TF; half/bfloat16 from half_val). A string tensor
 * may also come from tensor_content in TF's string-list encoding (a varint32 length per element,
 * then the bytes). No tensor_shape means a scalar.
 * INVALID_ARGUMENT naming the field for: a malformed proto (with the byte offset); a dtype tfc
 * cannot hold (DT_INVALID, a *_REF type, RESOURCE, VARIANT, complex, quantized, float8, ...); a
 * shape that is not fully defined, has more than TFC_MAX_RANK dims or overflows int64; values
 * that do not fit the shape (more values than elements, tensor_content of the wrong size); values
 * in a field of another type, or in two fields; an int_val outside the dtype's range (int8, uint8,
 * int16, uint16) or a half_val outside 0..65535. tensor_content bytes of a bool tensor read as
 * true when nonzero. RESOURCE_EXHAUSTED when a short list would expand past
 * TFC_TENSOR_PROTO_MAX_FILL_BYTES, or out of memory. On error *out is NULL. */
tfc_code tfc_tensor_from_proto(const void *data, size_t n, tfc_tensor **out, tfc_status *st);
/* Serializes t as TensorProto into a new buffer (free with tfc_free): POD types in
 * tensor_content, or in the typed field when typed_values is true (what TF writes for small
 * constants; one value per element, int8/int16/uint8/uint16 in int_val, half and bfloat16 bits in
 * half_val); strings always in string_val. The shape is always written (`tensor_shape {}` for a
 * scalar). INVALID_ARGUMENT when the message would be over protobuf's 2 GiB limit;
 * RESOURCE_EXHAUSTED when out of memory. */
tfc_code tfc_tensor_to_proto(const tfc_tensor *t, bool typed_values, uint8_t **out, size_t *n,
                             tfc_status *st);

/* JSON of the values as nested lists (a bare value for a scalar; elements joined by ", "), as TF
 * Serving prints them (FORMATS.md §6): a float (float16 and bfloat16 as their float value) is
 * written with 6 significant digits (%g) when that reads back to the same value, else %.9g (%.17g
 * for double), with ".0" appended when the text has neither '.' nor 'e' (so [2.5, 3.0, 4.5]); NaN,
 * Infinity and -Infinity as bare tokens; integers as numbers; bools as true/false; strings as JSON
 * strings, or {"b64": "..."} when not valid UTF-8. New string, free with tfc_free; NULL when out of
 * memory. The text's minimum length is reserved before anything is written, so a tensor with few
 * elements but a huge text (the 2^40 empty lists of a [2^40, 0] tensor) fails at once. */
char *tfc_tensor_to_json(const tfc_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
