/* The Fashion-MNIST input pipeline (fmnist_input.h). */
#include "fmnist_input.h"

#include "tfc/data_decode.h"
#include "tfc/data_parse.h"

tfc_code fmnist_parse(void *ctx, int worker, const tfc_element *in, tfc_element *out,
                      tfc_status *st) {
    (void)ctx, (void)worker;
    static const tfc_feature_spec specs[2] = {
        {.key = "image/raw", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_STRING, .shape = {0, {0}}},
        {.key = "label", .kind = TFC_FIXED_LEN, .dtype = TFC_DT_INT64, .shape = {0, {0}}},
    };
    tfc_bytes rec = tfc_tensor_string_at(in->t[0], 0);
    tfc_parsed p[2] = {0};
    tfc_code c = tfc_parse_single_example(rec.data, rec.size, specs, 2, p, st);
    tfc_tensor *pixels = NULL, *scaled = NULL;
    if (!c) {
        tfc_bytes raw = tfc_tensor_string_at(p[0].dense, 0);
        c = tfc_decode_raw_bytes(raw.data, raw.size, TFC_DT_UINT8, true, &pixels, st);
    }
    if (!c) c = tfc_scale(pixels, 1.0 / 255.0, 0.0, TFC_DT_FLOAT, &scaled, st);
    if (!c) c = tfc_tensor_reshape(scaled, &(tfc_shape){3, {28, 28, 1}}, &out->t[0], st);
    if (!c) {
        out->t[1] = tfc_tensor_ref(p[1].dense);
        out->n = 2;
    }
    tfc_tensor_unref(pixels), tfc_tensor_unref(scaled);
    tfc_parsed_clear(p, 2);
    return c;
}

/* Replaces *ds by *next (made from it) when c is OK. next is read after the call that made it:
 * the order in which a call's arguments are evaluated is unspecified. */
static tfc_code chain(tfc_code c, tfc_dataset **ds, tfc_dataset **next) {
    if (c == TFC_OK) {
        tfc_dataset_free(*ds);
        *ds = *next;
    }
    return c;
}

tfc_code fmnist_pipeline(const char *path, bool shuffle, uint64_t seed, int batch, bool read_ahead,
                         int num_parallel_calls, bool use_index, tfc_dataset **out,
                         tfc_status *st) {
    return fmnist_pipeline_ordered(path, shuffle, seed, batch, read_ahead, num_parallel_calls,
                                   use_index, false, out, st);
}

tfc_code fmnist_pipeline_ordered(const char *path, bool shuffle, uint64_t seed, int batch,
                                 bool read_ahead, int num_parallel_calls, bool use_index,
                                 bool parse_first, tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_dataset *ds = NULL, *next = NULL;
    tfc_code c =
        tfc_dataset_tfrecord(&path, 1, &(tfc_tfrecord_opts){.use_index = use_index}, &ds, st);
    if (!c && read_ahead) c = chain(tfc_dataset_prefetch(ds, 256, &next, st), &ds, &next);
    tfc_map_opts mo = {.num_parallel_calls = num_parallel_calls,
                       .names = (const char *const[]){"image", "label"},
                       .num_outputs = 2};
    /* shuffle the serialized records, then parse: the order is the same as parsing first (a
     * shuffle's order depends only on its seed, pass and input count), but the buffer holds
     * 10,000 records of ~1 KB rather than 10,000 images of 3 KB as floats, and each image is
     * batched while it is still in the cache */
    if (!c && parse_first)
        c = chain(tfc_dataset_map(ds, fmnist_parse, NULL, &mo, &next, st), &ds, &next);
    if (!c && shuffle) c = chain(tfc_dataset_shuffle(ds, 10000, seed, true, &next, st), &ds, &next);
    if (!c && !parse_first)
        c = chain(tfc_dataset_map(ds, fmnist_parse, NULL, &mo, &next, st), &ds, &next);
    if (!c) c = chain(tfc_dataset_batch(ds, batch, false, &next, st), &ds, &next);
    if (!c) c = chain(tfc_dataset_prefetch(ds, 2, &next, st), &ds, &next);
    if (c) {
        tfc_dataset_free(ds);
        return c;
    }
    *out = ds;
    return TFC_OK;
}
