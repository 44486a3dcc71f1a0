/* tfc tensor internals: the tensor and buffer layout shared by the files of src/tensor, and the
 * protobuf-c level conversions the graph part uses for TensorProto and TensorShapeProto values
 * embedded in larger messages (AttrValue, NodeDef). */
#ifndef TFC_TENSOR_INT_H
#define TFC_TENSOR_INT_H

#include <stdatomic.h>
#include <string.h>

#include "proto/tensor.pb-c.h"
#include "proto/tensor_shape.pb-c.h"
#include "tfc/tensor.h"

/* The element buffer: this header, padded to 64 bytes, and the elements right after it. Several
 * tensor headers (reshapes) may share one buffer. A string element's bytes are its own block,
 * except those of the inline_bytes right after the elements (a string tensor made in one piece),
 * which go with the buffer. */
typedef struct tfc__buffer {
    _Atomic int64_t refs;
    tfc_dtype dtype;      /* decides whether elements are owned strings */
    int64_t num_elements; /* as allocated */
    size_t nbytes;        /* element bytes */
    size_t inline_bytes;  /* string bytes stored after the elements */
} tfc__buffer;

#define TFC__BUFFER_HDR 64
_Static_assert(sizeof(tfc__buffer) <= TFC__BUFFER_HDR, "buffer header must fit its padding");

struct tfc_tensor {
    _Atomic int64_t refs;
    tfc_dtype dtype;
    tfc_shape shape;
    int64_t num_elements;
    tfc__buffer *buf;
};

/* A tensor is one 64-byte-aligned block: the header of the tensor made with the buffer, padded to
 * TFC__TENSOR_SLOT bytes, then the buffer (one allocation per tensor instead of two, and the
 * header in the cache lines next to the data). The block lives while the buffer does: the first
 * header is not freed on its own, so other headers (reshapes) can outlive it. */
#define TFC__TENSOR_SLOT 128
_Static_assert(sizeof(struct tfc_tensor) <= TFC__TENSOR_SLOT, "tensor header must fit its slot");

static inline void *tfc__buffer_data(tfc__buffer *b) {
    return (unsigned char *)b + TFC__BUFFER_HDR;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TFC__HOST_BIG_ENDIAN 1
#else
#define TFC__HOST_BIG_ENDIAN 0
#endif

/* Copies n elements of `size` bytes between host order and little-endian (tensor_content). */
static inline void tfc__copy_le(void *dst, const void *src, size_t n, size_t size) {
    if (!TFC__HOST_BIG_ENDIAN || size == 1) {
        if (n) memcpy(dst, src, n * size);
        return;
    }
    const uint8_t *s = (const uint8_t *)src;
    uint8_t *d = (uint8_t *)dst;
    for (size_t i = 0; i < n; i++, s += size, d += size)
        for (size_t k = 0; k < size; k++) d[k] = s[size - 1 - k];
}

/* ---- dtype.c ---- */
/* Whether tensors of dt can be created: a valid base type that is not RESOURCE or VARIANT. */
bool tfc__dtype_holdable(tfc_dtype dt);
/* Names any DataType number for messages, including the ones tfc cannot hold ("DT_COMPLEX64");
 * NULL for numbers TF does not define. */
const char *tfc__dtype_proto_name(int dt);
/* IEEE fp16 and bfloat16 bit patterns to float. */
float tfc__half_to_float(uint16_t h);
float tfc__bfloat16_to_float(uint16_t b);

/* ---- shape.c ---- */
/* num_elements of a fully defined shape, or INVALID_ARGUMENT naming the shape (what) when a dim
 * is unknown or the product overflows int64. */
tfc_code tfc__shape_elements(const tfc_shape *s, const char *what, int64_t *n, tfc_status *st);

/* ---- tensor.c ---- */
/* Like tfc_tensor_new, but the elements are left uninitialised when zero is false (POD types;
 * string elements always start empty). */
tfc_code tfc__tensor_alloc(tfc_dtype dt, const tfc_shape *shape, bool zero, tfc_tensor **out,
                           tfc_status *st);
/* The same with room for `extra` bytes after the elements; for DT_STRING they are inline string
 * bytes (buf->inline_bytes) the caller points elements into, freed with the buffer. */
tfc_code tfc__tensor_alloc_extra(tfc_dtype dt, const tfc_shape *shape, bool zero, size_t extra,
                                 tfc_tensor **out, tfc_status *st);

/* ---- tensor_proto.c, tensor_proto_write.c ---- */
/* The conversion from a message protobuf-c already unpacked (e.g. AttrValue.tensor inside a
 * GraphDef). Same contract and messages as tfc_tensor_from_proto; pb is only read. */
tfc_code tfc__tensor_from_pb(const Tensorflow__TensorProto *pb, tfc_tensor **out, tfc_status *st);
/* Builds a TensorProto message tree for t, to be packed by the caller (alone or inside a larger
 * message). The tree is one tfc_malloc block freed with tfc_free(*out), never with protobuf-c's
 * free_unpacked; it borrows t's elements, so t must outlive it. */
tfc_code tfc__tensor_to_pb(const tfc_tensor *t, bool typed_values, Tensorflow__TensorProto **out,
                           tfc_status *st);
/* A TensorShapeProto as a shape (unknown rank and unknown dims allowed). INVALID_ARGUMENT for a
 * rank over TFC_MAX_RANK, a dim below -1, or dims together with unknown_rank. NULL = scalar. */
tfc_code tfc__shape_from_pb(const Tensorflow__TensorShapeProto *pb, tfc_shape *out, tfc_status *st);
/* Fills pb for s using the caller's storage for the dims (no allocation). */
void tfc__shape_to_pb(const tfc_shape *s, Tensorflow__TensorShapeProto *pb,
                      Tensorflow__TensorShapeProto__Dim dims[TFC_MAX_RANK],
                      Tensorflow__TensorShapeProto__Dim *dim_ptrs[TFC_MAX_RANK]);

/* ---- tensor_wire.c ---- */
/* Says why protobuf-c rejected bytes as a TensorProto ("field 4 (tensor_content): length 900
 * runs past the end of the message (12 bytes left) at byte 3"); false when the walk finds the
 * bytes well-formed. */
bool tfc__tensor_proto_diagnose(const uint8_t *data, size_t n, char *msg, size_t msg_size);

#endif
