/* TFRecordDataset and list_files. One file is read by a "TFRecordFile" dataset whose iterator's
 * state is the next record's offset and number; a list of files is an interleave over the file
 * names (cycle 1 for files in turn, cycle num_parallel_reads with a reading thread per open file),
 * whose cardinality the sidecar indexes can tell. */
#include <stdio.h>

#include "data/data_int.h"
#include "tfc/gfile.h"

typedef struct file_params {
    char *path;
    tfc_tfrecord_opts o;
    int64_t count; /* from the index, or TFC_UNKNOWN_CARDINALITY */
} file_params;

typedef struct file_iter {
    tfc__iter base;
    tfc_record_reader *r; /* opened at the first next (or restore) */
    int64_t record;       /* number of the next record */
    uint64_t offset;      /* where it starts */
    bool done;
    size_t prefix_len; /* source = "PATH record " + number: snprintf per record cost 10% */
    char prefix[168];
} file_iter;

/* Writes prefix + the decimal of v into the element's source. */
static void set_source(const file_iter *f, tfc_element *e, int64_t v) {
    char digits[24];
    int n = 0;
    uint64_t u = (uint64_t)v;
    do digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) && n < 20);
    memcpy(e->source, f->prefix, f->prefix_len);
    size_t at = f->prefix_len;
    while (n) e->source[at++] = digits[--n];
    e->source[at] = '\0';
}

static tfc_code file_open(file_iter *f, tfc_status *st) {
    const file_params *p = f->base.ds->p;
    tfc_record_reader_opts ro = {.compression = p->o.compression, .buffer_size = p->o.buffer_size};
    tfc_code c = tfc_record_reader_open(p->path, &ro, &f->r, st);
    if (!c && f->offset) c = tfc_record_reader_seek(f->r, f->offset, st);
    if (c) tfc_record_reader_free(f->r), f->r = NULL;
    return c;
}

static tfc_code file_next(tfc__iter *it, tfc_element *out, bool *end, tfc_status *st) {
    file_iter *f = (file_iter *)it;
    const file_params *p = it->ds->p;
    if (f->done) return *end = true, TFC_OK;
    tfc_code c = f->r ? TFC_OK : file_open(f, st);
    if (c) {
        f->done = true; /* reported once; the next file goes on (it would repeat forever) */
        return c;
    }
    tfc_bytes rec;
    c = tfc_record_reader_next(f->r, &rec, st);
    if (c == TFC_OUT_OF_RANGE) {
        f->done = true;
        tfc_status_clear(st);
        return *end = true, TFC_OK;
    }
    if (c) {
        /* the reader stays at the bad record: later calls would repeat the error forever, so this
         * file ends here (TF's TFRecordDataset stops at DATA_LOSS too) */
        f->done = true;
        tfc_status_prefix(st, "record %lld of %s", (long long)f->record, p->path);
        return c;
    }
    tfc_tensor *t = tfc_tensor_scalar_string(rec.data, rec.size);
    if (!t) return tfc__oom(st, "record");
    out->n = 1, out->t[0] = t;
    set_source(f, out, f->record);
    f->record++;
    f->offset = tfc_record_reader_offset(f->r);
    return TFC_OK;
}

static tfc_code file_save(tfc__iter *it, tfc__wstate *w, tfc_status *st) {
    file_iter *f = (file_iter *)it;
    tfc_code c = tfc__w_i64(w, f->record, st);
    if (!c) c = tfc__w_i64(w, (int64_t)f->offset, st);
    return c ? c : tfc__w_i64(w, f->done, st);
}

static tfc_code file_restore(tfc__iter *it, tfc__rstate *r, tfc_status *st) {
    file_iter *f = (file_iter *)it;
    int64_t off, done;
    tfc_code c = tfc__r_i64(r, &f->record, st);
    if (!c) c = tfc__r_i64(r, &off, st);
    if (!c) c = tfc__r_i64(r, &done, st);
    if (c) return c;
    if (f->record < 0 || off < 0) return tfc__r_bad(r, "record position", st);
    f->offset = (uint64_t)off, f->done = done != 0;
    tfc_record_reader_free(f->r), f->r = NULL;
    return TFC_OK;
}

static void file_free(tfc__iter *it) {
    tfc_record_reader_free(((file_iter *)it)->r);
    tfc_free(it);
}

static const tfc__iter_ops file_iter_ops = {file_next, file_save, file_restore, NULL, file_free};

static tfc_code file_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    (void)epoch;
    file_iter *f = tfc_calloc(1, sizeof *f);
    if (!f) return tfc__oom(st, "iterator");
    f->base.ops = &file_iter_ops;
    snprintf(f->prefix, sizeof f->prefix, "%.150s record ", ((const file_params *)ds->p)->path);
    f->prefix_len = strlen(f->prefix);
    *out = &f->base;
    return TFC_OK;
}

static int64_t file_card(const tfc_dataset *ds) {
    return ((const file_params *)ds->p)->count;
}

static void file_describe(const tfc_dataset *ds, char *buf, size_t n) {
    snprintf(buf, n, "%.200s", ((const file_params *)ds->p)->path);
}

static void file_free_params(tfc_dataset *ds) {
    file_params *p = ds->p;
    tfc_free(p->path);
    tfc_free(p);
}

static const tfc__ds_ops file_ops = {"TFRecordFile", file_iter_new, file_card, file_describe,
                                     file_free_params};

tfc_code tfc__dataset_tfrecord_file(const char *path, const tfc_tfrecord_opts *o, tfc_dataset **out,
                                    tfc_status *st) {
    *out = NULL;
    file_params *p = tfc_calloc(1, sizeof *p);
    if (!p || !(p->path = tfc_strdup(path))) {
        tfc_free(p);
        return tfc__oom(st, "dataset");
    }
    p->o = *o;
    p->count = TFC_UNKNOWN_CARDINALITY;
    if (o->use_index) {
        tfc_record_index *idx;
        tfc_code c = tfc_record_index_open(path, o->compression, true, &idx, st);
        if (c) {
            file_free_params(&(tfc_dataset){.p = p});
            return c;
        }
        p->count = tfc_record_index_count(idx);
        tfc_record_index_free(idx);
    }
    return tfc__dataset_new(&file_ops, 1, (const char *const[]){"record"}, NULL, NULL, p, out, st);
}

/* ---- a list of files ---- */

typedef struct files_params {
    tfc_tfrecord_opts o;
    int64_t count;
    int nfiles;
    uint32_t names_crc; /* of the file names: a saved state names the files it read */
} files_params;

static tfc_code open_file(void *ctx, const tfc_element *in, tfc_dataset **out, tfc_status *st) {
    const files_params *p = ctx;
    tfc_bytes name = tfc_tensor_string_at(in->t[0], 0);
    char *path = tfc_malloc(name.size + 1);
    if (!path) return tfc__oom(st, "file name");
    memcpy(path, name.data, name.size);
    path[name.size] = '\0';
    tfc_tfrecord_opts o = p->o;
    o.use_index = false; /* counted when the dataset was built */
    tfc_code c = tfc__dataset_tfrecord_file(path, &o, out, st);
    tfc_free(path);
    return c;
}

static tfc_code files_iter_new(tfc_dataset *ds, uint64_t epoch, tfc__iter **out, tfc_status *st) {
    return tfc__iter_new(ds->in[0], epoch, out, st); /* the interleave's iterator */
}

static int64_t files_card(const tfc_dataset *ds) {
    return ((const files_params *)ds->p)->count;
}

static void files_describe(const tfc_dataset *ds, char *buf, size_t n) {
    const files_params *p = ds->p;
    snprintf(buf, n, "%d files %08x", p->nfiles, (unsigned)p->names_crc);
}

static void free_params(tfc_dataset *ds) {
    tfc_free(ds->p);
}

static const tfc__ds_ops files_ops = {"TFRecord", files_iter_new, files_card, files_describe,
                                      free_params};

/* Expands the patterns (a path without wildcards must exist) into a DT_STRING vector. */
static tfc_code expand(const char *const *patterns, int n, tfc_tensor **out, tfc_status *st) {
    *out = NULL;
    tfc_strlist all = {0};
    tfc_code c = TFC_OK;
    for (int i = 0; i < n && !c; i++) {
        if (!patterns[i]) {
            c = tfc_status_set(st, TFC_INVALID_ARGUMENT, "file pattern %d is NULL", i);
            break;
        }
        tfc_strlist m = {0};
        if ((c = tfc_gfile_glob(patterns[i], &m, st))) break;
        if (m.count == 0)
            c = tfc_status_set(st, TFC_NOT_FOUND, "no files match '%.300s'", patterns[i]);
        for (size_t k = 0; k < m.count && !c; k++) {
            char **items = tfc_realloc(all.items, (all.count + 1) * sizeof *items);
            if (!items) {
                c = tfc__oom(st, "file list");
                break;
            }
            all.items = items;
            all.items[all.count++] = m.items[k];
            m.items[k] = NULL;
        }
        tfc_strlist_free(&m);
    }
    if (!c) c = tfc_tensor_new(TFC_DT_STRING, &(tfc_shape){1, {(int64_t)all.count}}, out, st);
    for (size_t k = 0; k < all.count && !c; k++)
        c = tfc_tensor_set_string(*out, (int64_t)k, all.items[k], strlen(all.items[k]), st);
    if (c) tfc_tensor_unref(*out), *out = NULL;
    tfc_strlist_free(&all);
    return c;
}

tfc_code tfc_dataset_tfrecord(const char *const *files, int nfiles, const tfc_tfrecord_opts *opts,
                              tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_tfrecord_opts o = opts ? *opts : (tfc_tfrecord_opts){0};
    tfc_tensor *names;
    tfc_code c = expand(files, nfiles, &names, st);
    if (c) return c;
    files_params *p = tfc_calloc(1, sizeof *p);
    if (!p) {
        tfc_tensor_unref(names);
        return tfc__oom(st, "dataset");
    }
    p->o = o;
    p->nfiles = (int)tfc_tensor_num_elements(names);
    for (int64_t k = 0; k < p->nfiles; k++) {
        tfc_bytes b = tfc_tensor_string_at(names, k);
        p->names_crc = tfc_crc32c_extend(p->names_crc, b.data, b.size);
        p->names_crc = tfc_crc32c_extend(p->names_crc, "", 1);
    }
    p->count = o.use_index ? 0 : TFC_UNKNOWN_CARDINALITY;
    for (int64_t k = 0; k < p->nfiles && o.use_index && !c; k++) {
        tfc_bytes b = tfc_tensor_string_at(names, k);
        char *path = tfc_malloc(b.size + 1);
        if (!path) {
            c = tfc__oom(st, "file name");
            break;
        }
        memcpy(path, b.data, b.size);
        path[b.size] = '\0';
        tfc_record_index *idx;
        if (!(c = tfc_record_index_open(path, o.compression, true, &idx, st))) {
            p->count += tfc_record_index_count(idx);
            tfc_record_index_free(idx);
        }
        tfc_free(path);
    }
    tfc_dataset *list = NULL, *il = NULL;
    if (!c)
        c = tfc_dataset_from_tensor_slices(&names, (const char *const[]){"filename"}, 1, &list, st);
    tfc_tensor_unref(names);
    tfc_interleave_opts io = {.cycle_length = o.num_parallel_reads > 1 ? o.num_parallel_reads : 1,
                              .block_length = 1,
                              .num_parallel_calls = o.num_parallel_reads,
                              .num_components = 1,
                              .names = (const char *const[]){"record"}};
    if (!c) c = tfc_dataset_interleave(list, open_file, p, &io, &il, st);
    tfc_dataset_free(list);
    if (c) {
        tfc_free(p);
        return c;
    }
    /* p is the interleave's function context: it lives as long as this dataset, which holds the
     * only reference to the interleave */
    c = tfc__dataset_new(&files_ops, 1, (const char *const[]){"record"}, il, NULL, p, out, st);
    tfc_dataset_free(il);
    return c;
}

tfc_code tfc_dataset_list_files(const char *const *patterns, int n, bool shuffle, uint64_t seed,
                                tfc_dataset **out, tfc_status *st) {
    *out = NULL;
    tfc_tensor *names;
    tfc_code c = expand(patterns, n, &names, st);
    if (c) return c;
    int64_t count = tfc_tensor_num_elements(names);
    if (shuffle && count > 1) { /* Fisher-Yates over the sorted names */
        tfc__rng rng;
        tfc__rng_seed(&rng, seed);
        tfc_bytes *v = tfc_malloc((size_t)count * sizeof *v);
        tfc_tensor *shuffled = NULL;
        c = v ? tfc_tensor_new(TFC_DT_STRING, tfc_tensor_shape(names), &shuffled, st)
              : tfc__oom(st, "file list");
        if (!c) {
            for (int64_t k = 0; k < count; k++) v[k] = tfc_tensor_string_at(names, k);
            for (int64_t k = count - 1; k > 0; k--) {
                int64_t j = (int64_t)tfc__rng_below(&rng, (uint64_t)k + 1);
                tfc_bytes t = v[k];
                v[k] = v[j], v[j] = t;
            }
            for (int64_t k = 0; k < count && !c; k++)
                c = tfc_tensor_set_string(shuffled, k, v[k].data, v[k].size, st);
        }
        tfc_free(v);
        tfc_tensor_unref(names);
        names = shuffled;
        if (c) {
            tfc_tensor_unref(names);
            return c;
        }
    }
    c = tfc_dataset_from_tensor_slices(&names, (const char *const[]){"filename"}, 1, out, st);
    tfc_tensor_unref(names);
    return c;
}
