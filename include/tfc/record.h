/* tfc record: TensorFlow's TFRecord files — writer, reader, and a sidecar index.
 *
 * A TFRecord file is a sequence of framed records (FORMATS.md §1); with GZIP or ZLIB the whole
 * sequence is one compressed stream (not each record):
 *
 *   | offset   | size   | field                                        |
 *   |----------|--------|----------------------------------------------|
 *   | 0        | 8      | uint64 length, little-endian                 |
 *   | 8        | 4      | masked CRC-32C of the 8 length bytes (LE)    |
 *   | 12       | length | payload                                      |
 *   | 12+len   | 4      | masked CRC-32C of the payload (LE)           |
 *
 *     tfc_record_reader *r;
 *     tfc_bytes rec;
 *     if (tfc_record_reader_open("train.tfrecord.gz", NULL, &r, &st) != TFC_OK) ...;
 *     while (tfc_record_reader_next(r, &rec, &st) == TFC_OK) use(rec.data, rec.size);
 *     if (st.code != TFC_OUT_OF_RANGE) report(st.msg);   // DATA_LOSS names file and offset
 *     tfc_record_reader_free(r);
 *
 * Offsets are byte offsets in the uncompressed record stream (the file offset for NONE), as in
 * TensorFlow's messages. What tfc adds to TF: compression detected from the first bytes, gzip
 * streams of several members, resynchronisation past corrupted records (opt-in), and an index
 * giving the record count in O(1) and record i by one seek (uncompressed files; compressed files
 * get the count, and record i by a scan). */
#ifndef TFC_RECORD_H
#define TFC_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "tfc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tfc_compression {
    TFC_COMPRESSION_AUTO = 0, /* reader: detect from the first bytes; writer: NONE */
    TFC_COMPRESSION_NONE = 1,
    TFC_COMPRESSION_ZLIB = 2, /* RFC 1950 stream, TF's "ZLIB" */
    TFC_COMPRESSION_GZIP = 3, /* RFC 1952 stream, TF's "GZIP" */
} tfc_compression;

/* "auto", "none" (also ""), "zlib", "gzip", case-insensitive. INVALID_ARGUMENT otherwise. */
tfc_code tfc_compression_parse(const char *s, tfc_compression *out, tfc_status *st);
/* TF's spelling: "" for NONE, "ZLIB", "GZIP"; "AUTO" for AUTO. */
const char *tfc_compression_name(tfc_compression c);
/* Guesses the compression from a file's first bytes (n may be small; 12 bytes suffice): a valid
 * TFRecord header means NONE, then the gzip magic means GZIP, then a zlib header means ZLIB; an
 * empty prefix is NONE. Returns AUTO when nothing fits. */
tfc_compression tfc_compression_detect(const uint8_t *head, size_t n);

/* Encodes the 12-byte frame header for a payload of length n / the 4-byte footer for a payload. */
void tfc_record_encode_header(uint64_t n, uint8_t out[12]);
void tfc_record_encode_footer(const void *payload, size_t n, uint8_t out[4]);

/* ---- Writer ---- */
typedef struct tfc_record_writer_opts {
    tfc_compression compression; /* AUTO/0 = NONE */
    int compression_level;       /* 0 = zlib's default (Z_DEFAULT_COMPRESSION); 1..9 otherwise */
    bool atomic;                 /* write a temporary and rename it into place at close */
} tfc_record_writer_opts;

typedef struct tfc_record_writer tfc_record_writer;

/* Creates (or truncates, unless atomic) path. opts may be NULL for TF's defaults. */
tfc_code tfc_record_writer_open(const char *path, const tfc_record_writer_opts *opts,
                                tfc_record_writer **out, tfc_status *st);
/* Appends one record of n bytes (any size the machine can hold). */
tfc_code tfc_record_writer_write(tfc_record_writer *w, const void *data, size_t n, tfc_status *st);
/* Pushes everything written so far to the OS; compressed streams are sync-flushed, so a reader
 * sees every record written before the flush. */
tfc_code tfc_record_writer_flush(tfc_record_writer *w, tfc_status *st);
/* Finishes the stream and closes. Like TensorFlow's writer, a plain close does not fsync; an atomic
 * writer fsyncs, renames into place and fsyncs the directory. The writer is freed whatever the
 * result. */
tfc_code tfc_record_writer_close(tfc_record_writer *w, tfc_status *st);
/* Frees without finishing; an atomic writer's temporary is removed. Accepts NULL. */
void tfc_record_writer_abort(tfc_record_writer *w);
/* Records written so far. */
int64_t tfc_record_writer_count(const tfc_record_writer *w);

/* ---- Reader ---- */
typedef struct tfc_record_reader_opts {
    tfc_compression compression; /* AUTO/0 = detect */
    size_t buffer_size;          /* 0 = 256 KiB; the buffer grows to hold the largest record */
    bool skip_corrupted;         /* on a bad record, resynchronise at the next valid one */
    bool skip_payload_crc;       /* trust payloads (header CRCs are still checked); for counting */
    /* With skip_corrupted: called once per skipped region with the problem found at its start
     * (as next() would have reported it), the region's offset and its length in bytes. */
    void (*on_skip)(void *ctx, const tfc_status *problem, uint64_t offset, uint64_t bytes);
    void *on_skip_ctx;
} tfc_record_reader_opts;

typedef struct tfc_record_reader tfc_record_reader;

typedef struct tfc_record_reader_stats {
    int64_t records;         /* records returned so far */
    int64_t skipped_regions; /* corrupted regions passed over (skip_corrupted) */
    int64_t skipped_bytes;   /* bytes in those regions */
} tfc_record_reader_stats;

/* Opens path for reading; opts may be NULL (detect compression). NOT_FOUND if absent. */
tfc_code tfc_record_reader_open(const char *path, const tfc_record_reader_opts *opts,
                                tfc_record_reader **out, tfc_status *st);
/* Reads from a caller-owned buffer that must outlive the reader; name is used in messages. */
tfc_code tfc_record_reader_open_memory(const void *data, size_t n, const char *name,
                                       const tfc_record_reader_opts *opts, tfc_record_reader **out,
                                       tfc_status *st);
/* Reads the next record into *out: a view into the reader's buffer, valid until the next call on
 * this reader. Returns TFC_OK; TFC_OUT_OF_RANGE at a clean end ("eof"); TFC_DATA_LOSS
 * "corrupted record at OFFSET" when a length or payload checksum fails or the compressed stream is
 * damaged, "truncated record at OFFSET" when the data ends inside a record — each naming the file.
 * After DATA_LOSS the reader stays at that record (later calls repeat the error) unless it was
 * opened with skip_corrupted, in which case it resynchronises at the next record whose header and
 * payload checksums hold, and counts what it skipped. A wrong record is never returned.
 * Not thread-safe: one reader per thread. */
tfc_code tfc_record_reader_next(tfc_record_reader *r, tfc_bytes *out, tfc_status *st);
/* Moves to the record that starts at offset (from an index). For NONE files this is one seek;
 * for compressed files the stream is decompressed up to offset (restarting if it is behind). */
tfc_code tfc_record_reader_seek(tfc_record_reader *r, uint64_t offset, tfc_status *st);
/* Offset where the next record starts (or where the reader stopped on an error). */
uint64_t tfc_record_reader_offset(const tfc_record_reader *r);
tfc_compression tfc_record_reader_compression(const tfc_record_reader *r);
tfc_record_reader_stats tfc_record_reader_get_stats(const tfc_record_reader *r);
void tfc_record_reader_free(tfc_record_reader *r); /* accepts NULL */

/* ---- Counting and the index ----
 * The index is a sidecar file (default: DATA_PATH + ".tfcidx"), laid out as
 *
 *   | offset | size | field                                                           |
 *   |--------|------|-----------------------------------------------------------------|
 *   | 0      | 8    | magic "TFCIDX02"                                                |
 *   | 8      | 4    | uint32 compression (tfc_compression of the data file)           |
 *   | 12     | 4    | uint32 masked CRC-32C of bytes 0..71 with this field as zero     |
 *   | 16     | 8    | uint64 data file size in bytes                                  |
 *   | 24     | 8    | int64 data file mtime in nanoseconds                            |
 *   | 32     | 4    | uint32 CRC-32C of the data file's first min(size, 64 KiB) bytes  |
 *   | 36     | 4    | uint32 CRC-32C of the data file's last min(size, 64 KiB) bytes   |
 *   | 40     | 8    | uint64 uncompressed stream size                                 |
 *   | 48     | 8    | uint64 N, the number of records                                 |
 *   | 56     | 8    | uint64 data file inode number                                   |
 *   | 64     | 8    | int64 data file ctime in nanoseconds                            |
 *   | 72     | 8*N  | uint64 offset of each record in the uncompressed stream          |
 *   | 72+8N  | 4    | uint32 masked CRC-32C of all the bytes before it                |
 *
 * all little-endian. The header checksum lets a count be answered from the first 72 bytes alone.
 * The index is trusted only while the data file's size, mtime, inode, ctime and head/tail checksums
 * all match; otherwise it is stale and rebuilt. Any write to the data file moves its ctime (even
 * one that restores the mtime), and a copy is a new inode, so a copied data file is re-indexed
 * rather than trusted. Only regular files are indexed (FAILED_PRECONDITION for pipes). Record i's framed size is
 * offset[i+1] - offset[i] (the stream size for the last). */
typedef struct tfc_record_index tfc_record_index;

/* Scans path (every checksum verified) and builds its index in memory. DATA_LOSS as the reader. */
tfc_code tfc_record_index_build(const char *path, tfc_compression compression,
                                tfc_record_index **out, tfc_status *st);
/* Writes idx atomically to index_path (NULL = default sidecar path of its data file). */
tfc_code tfc_record_index_write(const tfc_record_index *idx, const char *index_path,
                                tfc_status *st);
/* Writes NVIDIA DALI's text index ("offset framed_size" per line). FAILED_PRECONDITION for a
 * compressed data file (DALI indexes uncompressed files only). */
tfc_code tfc_record_index_write_dali(const tfc_record_index *idx, const char *dali_path,
                                     tfc_status *st);
/* Loads the index of data_path from index_path (NULL = default) and checks it against the data
 * file: NOT_FOUND if there is none, FAILED_PRECONDITION "stale index" if the data file changed,
 * DATA_LOSS if the index file is damaged. */
tfc_code tfc_record_index_load(const char *data_path, const char *index_path,
                               tfc_record_index **out, tfc_status *st);
/* Loads the default sidecar index if it is valid; otherwise builds one and (if write is true)
 * tries to write it — a read-only directory is not an error. */
tfc_code tfc_record_index_open(const char *data_path, tfc_compression compression, bool write,
                               tfc_record_index **out, tfc_status *st);
int64_t tfc_record_index_count(const tfc_record_index *idx);
tfc_compression tfc_record_index_compression(const tfc_record_index *idx);
/* Offset in the uncompressed stream and framed size (length + 16) of record i. OUT_OF_RANGE if
 * i is not in [0, count). */
tfc_code tfc_record_index_entry(const tfc_record_index *idx, int64_t i, uint64_t *offset,
                                uint64_t *framed_size, tfc_status *st);
const char *tfc_record_index_data_path(const tfc_record_index *idx);
void tfc_record_index_free(tfc_record_index *idx); /* accepts NULL */
/* Default sidecar path: data_path + ".tfcidx" (free with tfc_free). */
char *tfc_record_index_default_path(const char *data_path);

/* Reads record i using idx: one seek for NONE files, a scan for compressed ones. *out is a view
 * valid until the next call on r. */
tfc_code tfc_record_reader_read_at(tfc_record_reader *r, const tfc_record_index *idx, int64_t i,
                                   tfc_bytes *out, tfc_status *st);

typedef struct tfc_record_count_opts {
    tfc_compression compression; /* AUTO/0 = detect */
    bool no_index;               /* ignore any sidecar index */
} tfc_record_count_opts;

/* Counts the records of path: O(1) from a valid sidecar index; otherwise, for NONE files, reads
 * only the 12-byte headers (checking their CRCs) and seeks over payloads; compressed files are
 * decompressed (header CRCs checked). DATA_LOSS with the offset if the framing is broken. */
tfc_code tfc_record_count(const char *path, const tfc_record_count_opts *opts, int64_t *count,
                          tfc_status *st);

#ifdef __cplusplus
}
#endif
#endif
