/* Private to the TFRecord code: the byte source under the reader (a file or memory, optionally
 * inflated) and the deflating sink under the writer. */
#ifndef TFC_RECORD_INT_H
#define TFC_RECORD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "tfc/record.h"

/* A sequential byte source: raw bytes from a file descriptor (a regular file or a pipe) or a
 * memory buffer, inflated when compressed (gzip members may follow one another; so may zlib
 * streams; zero padding after the last member is accepted, as gzip(1) does). */
#define TFC__PREFIX 4096
typedef struct tfc__instream {
    const char *name; /* borrowed, for messages */
    int fd;           /* -1 for memory */
    bool seekable;    /* a regular file or memory */
    const uint8_t *mem;
    uint64_t raw_size; /* file or buffer size; UINT64_MAX when unknown (pipes) */
    uint64_t raw_pos;  /* raw bytes consumed from the source so far */
    /* The first bytes of a pipe, read for detection and handed out before reading on. */
    uint8_t prefix[TFC__PREFIX];
    size_t prefix_len, prefix_pos;
    tfc_compression comp;
    /* inflate state */
    z_stream zs;
    bool z_live;       /* inflateInit done */
    bool z_member_end; /* a member/stream ended; more may follow */
    bool z_member_new; /* the next inflate starts a member */
    /* A GZIP member's CRC-32 and length checked here rather than by zlib (tfc__crc32 is several
     * times faster than zlib's): z_crc and z_len cover the member's bytes so far, z_tail keeps
     * the last 8 compressed bytes consumed before zin's current contents, since the trailer
     * (CRC, then length, 4 bytes each) may straddle two reads. */
    bool z_own_check;
    uint32_t z_crc, z_len;
    uint8_t z_tail[8];
    bool truncated; /* the raw data ended inside a compressed stream (so far: it may grow) */
    uint8_t *zin;
    size_t zin_cap;
    uint64_t out_pos; /* uncompressed bytes produced so far */
    tfc_status err;   /* a damaged stream's error, reported after the bytes before it */
} tfc__instream;

/* Opens the source over fd (owned by the stream from here on, closed by close) or memory. When
 * comp is AUTO the compression is detected from the first bytes: a valid TFRecord header means
 * NONE; a gzip or zlib header is taken only if inflating the first bytes works and yields a valid
 * record header (or an empty stream). INVALID_ARGUMENT for a compression value out of range. */
tfc_code tfc__instream_open(tfc__instream *s, const char *name, int fd, const uint8_t *mem,
                            uint64_t size, tfc_compression comp, tfc_status *st);
/* Reads up to n uncompressed bytes; *got < n only at the end of the data available now. When
 * that end is inside a compressed stream, s->truncated is set (more bytes may come later, as with
 * a file still being written). DATA_LOSS for damaged compressed data, after the bytes before the
 * damage; the message gives the compressed and uncompressed offsets. */
tfc_code tfc__instream_read(tfc__instream *s, uint8_t *dst, size_t n, size_t *got, tfc_status *st);
/* Seeks raw (NONE) sources to offset; restarts compressed ones at the beginning (offset 0 only).
 * FAILED_PRECONDITION for pipes. */
tfc_code tfc__instream_rewind(tfc__instream *s, uint64_t offset, tfc_status *st);
void tfc__instream_close(tfc__instream *s);

/* For a bad header at offset 0 of a file read as uncompressed: a hint saying what the first
 * bytes look like (" (the file starts like a gzip stream: ...)"), never NULL. */
const char *tfc__record_hint(const uint8_t *head, size_t n);

/* zlib's crc32(crc, p, n) (gzip's CRC-32, pre- and post-inverted), with PCLMULQDQ where the CPU
 * has it (crc32.c). */
uint32_t tfc__crc32(uint32_t crc, const uint8_t *p, size_t n);

/* zlib allocation hooks that count through tfc_malloc. */
void *tfc__zalloc(void *opaque, unsigned items, unsigned size);
void tfc__zfree(void *opaque, void *p);

#endif
