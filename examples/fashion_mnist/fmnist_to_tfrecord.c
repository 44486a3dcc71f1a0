/* Converts Fashion-MNIST's IDX files (Debian package dataset-fashion-mnist) to GZIP TFRecords of
 * tf.train.Examples, the layout TensorFlow's tutorials use:
 *
 *   image/raw     bytes_list[1]   the 28x28 uint8 pixels, row-major (784 bytes)
 *   image/height  int64_list[1]   28
 *   image/width   int64_list[1]   28
 *   label         int64_list[1]   0..9
 *
 * usage: fmnist_to_tfrecord [--src DIR] [--out DIR] [--compression gzip|zlib|none]
 * writes OUT/train.tfrecord.gz (60000 examples) and OUT/test.tfrecord.gz (10000), atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tfc/example.h"
#include "tfc/gfile.h"
#include "tfc/record.h"

/* Reads a gzip-compressed IDX file: big-endian magic (0x0000080n, n = number of dims), dims, data.
 */
static uint8_t *read_idx(const char *path, int want_dims, uint32_t dims[3], size_t *n) {
    gzFile g = gzopen(path, "rb");
    if (!g) {
        fprintf(stderr, "fmnist: cannot open %s\n", path);
        return NULL;
    }
    uint8_t hdr[16];
    size_t hlen = 4 + 4 * (size_t)want_dims;
    uint8_t *data = NULL;
    if (gzread(g, hdr, (unsigned)hlen) != (int)hlen || hdr[0] || hdr[1] || hdr[2] != 8 ||
        hdr[3] != want_dims) {
        fprintf(stderr, "fmnist: %s: not an IDX file of %d uint8 dimensions\n", path, want_dims);
        goto out;
    }
    *n = 1;
    for (int d = 0; d < want_dims; d++) {
        const uint8_t *p = hdr + 4 + 4 * d;
        dims[d] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        *n *= dims[d];
    }
    data = malloc(*n ? *n : 1);
    if (!data || gzread(g, data, (unsigned)*n) != (int)*n) {
        fprintf(stderr, "fmnist: %s: truncated (expected %zu bytes of data)\n", path, *n);
        free(data);
        data = NULL;
    }
out:
    gzclose(g);
    return data;
}

static int convert(const char *src, const char *split, const char *prefix, const char *out_dir,
                   tfc_compression comp) {
    char ipath[4096], lpath[4096], opath[4096];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", src, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", src, prefix);
    snprintf(opath, sizeof opath, "%s/%s.tfrecord%s", out_dir, split,
             comp == TFC_COMPRESSION_GZIP   ? ".gz"
             : comp == TFC_COMPRESSION_ZLIB ? ".zz"
                                            : "");
    uint32_t idims[3], ldims[3];
    size_t ni, nl;
    uint8_t *img = read_idx(ipath, 3, idims, &ni);
    uint8_t *lab = img ? read_idx(lpath, 1, ldims, &nl) : NULL;
    int rc = 1;
    if (!img || !lab) goto out;
    if (idims[0] != ldims[0]) {
        fprintf(stderr, "fmnist: %u images but %u labels\n", idims[0], ldims[0]);
        goto out;
    }
    tfc_status st = {0};
    tfc_record_writer *w;
    tfc_record_writer_opts o = {.compression = comp, .atomic = true};
    if (tfc_record_writer_open(opath, &o, &w, &st) != TFC_OK) {
        fprintf(stderr, "fmnist: %s\n", st.msg);
        goto out;
    }
    size_t pix = (size_t)idims[1] * idims[2];
    int64_t h = idims[1], wd = idims[2];
    for (uint32_t i = 0; i < idims[0]; i++) {
        tfc_example *ex = tfc_example_new();
        int64_t label = lab[i];
        tfc_bytes raw = {img + i * pix, pix};
        uint8_t *buf = NULL;
        size_t n = 0;
        tfc_code c = ex ? TFC_OK : TFC_RESOURCE_EXHAUSTED;
        if (c == TFC_OK) c = tfc_example_set_bytes(ex, "image/raw", &raw, 1);
        if (c == TFC_OK) c = tfc_example_set_int64s(ex, "image/height", &h, 1);
        if (c == TFC_OK) c = tfc_example_set_int64s(ex, "image/width", &wd, 1);
        if (c == TFC_OK) c = tfc_example_set_int64s(ex, "label", &label, 1);
        if (c == TFC_OK) c = tfc_example_serialize(ex, &buf, &n, &st);
        if (c == TFC_OK) c = tfc_record_writer_write(w, buf, n, &st);
        tfc_free(buf);
        tfc_example_free(ex);
        if (c != TFC_OK) {
            fprintf(stderr, "fmnist: example %u: %s %s\n", i, tfc_code_name(c), st.msg);
            tfc_record_writer_abort(w);
            goto out;
        }
    }
    if (tfc_record_writer_close(w, &st) != TFC_OK) {
        fprintf(stderr, "fmnist: %s\n", st.msg);
        goto out;
    }
    printf("%s: %u examples (%ux%u images)\n", opath, idims[0], idims[1], idims[2]);
    rc = 0;
out:
    free(img);
    free(lab);
    return rc;
}

int main(int argc, char **argv) {
    const char *src = "/usr/share/datasets/fashion-mnist", *out = "data/fashion_mnist";
    tfc_compression comp = TFC_COMPRESSION_GZIP;
    for (int i = 1; i < argc; i++) {
        tfc_status st;
        if (!strcmp(argv[i], "--src") && i + 1 < argc)
            src = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--compression") && i + 1 < argc) {
            if (tfc_compression_parse(argv[++i], &comp, &st) != TFC_OK) {
                fprintf(stderr, "fmnist: %s\n", st.msg);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: %s [--src DIR] [--out DIR] [--compression gzip|zlib|none]\n",
                    argv[0]);
            return 2;
        }
    }
    tfc_status st;
    if (tfc_gfile_makedirs(out, &st) != TFC_OK) {
        fprintf(stderr, "fmnist: %s\n", st.msg);
        return 1;
    }
    if (convert(src, "train", "train", out, comp) || convert(src, "test", "t10k", out, comp))
        return 1;
    return 0;
}
