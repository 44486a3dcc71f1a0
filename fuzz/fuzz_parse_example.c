/* libFuzzer target for the Example parsing ops (tfc/data_parse.h): fixed specs of all three kinds
 * over the input as one Example, as a batch of {input, first half, second half, empty}, and as a
 * SequenceExample. A failure must be INVALID_ARGUMENT with a message and every output NULL; a
 * success must have TF's shapes, sparse indices in row-major order and in range, and the batch
 * must agree with the single-example parses of its parts (the batch succeeds exactly when every
 * part does, and row b is part b's result). No call may leave an allocation behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/data_parse.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

#define NSPECS 9
#define NPARTS 4

typedef struct specs {
    tfc_tensor *d_a, *d_b, *d_species, *pad_e;
    tfc_feature_spec optional[NSPECS]; /* every feature may be missing */
    tfc_feature_spec required[2];
    tfc_feature_spec ctx[2], seq_optional[3], seq_required[3];
} specs;

static tfc_shape shape1(int64_t d) {
    return tfc_shape_make(1, &d);
}

/* Built once; read-only afterwards (the live count is measured around each input). */
static const specs *get_specs(void) {
    static specs s;
    static int made;
    if (made) return &s;
    made = 1;
    tfc_shape two = shape1(2);
    CHECK(tfc_tensor_from_data(TFC_DT_FLOAT, &two, (float[]){1, 2}, 8, &s.d_a, NULL) == TFC_OK);
    CHECK((s.d_b = tfc_tensor_scalar_string("d", 1)) &&
          (s.d_species = tfc_tensor_scalar_int64(-1)) && (s.pad_e = tfc_tensor_scalar_float(9)));
    /* Short keys a fuzzer finds, and the seeds' keys (penguin, wmt14). */
    tfc_feature_spec opt[NSPECS] = {
        {.key = "a", .dtype = TFC_DT_FLOAT, .shape = two, .default_value = s.d_a},
        {.key = "b", .dtype = TFC_DT_STRING, .default_value = s.d_b},
        {.key = "species", .dtype = TFC_DT_INT64, .default_value = s.d_species},
        {.key = "c", .kind = TFC_VAR_LEN, .dtype = TFC_DT_INT64},
        {.key = "d", .kind = TFC_VAR_LEN, .dtype = TFC_DT_STRING},
        {.key = "body_mass_g", .kind = TFC_VAR_LEN, .dtype = TFC_DT_FLOAT},
        {.key = "e",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_FLOAT,
         .shape = two,
         .default_value = s.pad_e,
         .allow_missing = true},
        {.key = "f", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_STRING, .allow_missing = true},
        {.key = "source_id",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_INT64,
         .allow_missing = true},
    };
    memcpy(s.optional, opt, sizeof opt);
    s.required[0] = (tfc_feature_spec){.key = "body_mass_g", .dtype = TFC_DT_FLOAT};
    s.required[1] = (tfc_feature_spec){.key = "a", .dtype = TFC_DT_INT64, .shape = shape1(1)};
    s.ctx[0] = opt[0];
    s.ctx[1] = opt[3];
    tfc_feature_spec seq[3] = {
        {.key = "e",
         .kind = TFC_FIXED_LEN_SEQUENCE,
         .dtype = TFC_DT_FLOAT,
         .shape = shape1(1),
         .allow_missing = true},
        opt[4],
        {.key = "t", .kind = TFC_FIXED_LEN_SEQUENCE, .dtype = TFC_DT_INT64, .allow_missing = true},
    };
    memcpy(s.seq_optional, seq, sizeof seq);
    seq[2].allow_missing = false; /* a missing list "t" is then an error */
    memcpy(s.seq_required, seq, sizeof seq);
    return &s;
}

static void check_failed(tfc_code c, const tfc_status *st, const tfc_parsed *out, int n) {
    CHECK(c == TFC_INVALID_ARGUMENT && st->code == c && st->msg[0]);
    for (int i = 0; i < n; i++)
        CHECK(!out[i].dense && !out[i].indices && !out[i].values && !out[i].dense_shape);
}

static const int64_t *i64(const tfc_tensor *t) {
    return tfc_tensor_data_const(t);
}

/* A sparse output of rank r (1 single, 2 batched): shapes, and indices sorted and in range. */
static void check_sparse(const tfc_parsed *p, const tfc_feature_spec *s, int r) {
    CHECK(!p->dense && p->indices && p->values && p->dense_shape);
    int64_t n = tfc_tensor_dim(p->values, 0);
    CHECK(tfc_tensor_rank(p->values) == 1 && tfc_tensor_dtype(p->values) == s->dtype);
    CHECK(tfc_tensor_rank(p->indices) == 2 && tfc_tensor_dim(p->indices, 0) == n &&
          tfc_tensor_dim(p->indices, 1) == r);
    CHECK(tfc_tensor_rank(p->dense_shape) == 1 && tfc_tensor_dim(p->dense_shape, 0) == r);
    const int64_t *idx = i64(p->indices), *ds = i64(p->dense_shape);
    for (int64_t k = 0; k < n; k++) {
        for (int j = 0; j < r; j++) CHECK(idx[k * r + j] >= 0 && idx[k * r + j] < ds[j]);
        if (k) { /* row-major: strictly increasing, positions counting up within a row */
            bool same_row = r == 1 || idx[k * r] == idx[(k - 1) * r];
            CHECK(same_row ? idx[k * r + r - 1] == idx[(k - 1) * r + r - 1] + 1
                           : idx[k * r] > idx[(k - 1) * r] && idx[k * r + 1] == 0);
        } else {
            CHECK(idx[r - 1] == 0);
        }
    }
    if (r == 1) CHECK(ds[0] == n);
}

/* Outputs of a successful parse of nb examples (nb < 0: single). */
static void check_parsed(const tfc_parsed *out, const tfc_feature_spec *specs, int n, int64_t nb) {
    int lead = nb < 0 ? 0 : 1;
    for (int i = 0; i < n; i++) {
        const tfc_feature_spec *s = &specs[i];
        const tfc_parsed *p = &out[i];
        if (s->kind == TFC_VAR_LEN) {
            check_sparse(p, s, lead + 1);
            if (lead) CHECK(i64(p->dense_shape)[0] == nb);
            continue;
        }
        CHECK(p->dense && !p->indices && !p->values && !p->dense_shape);
        CHECK(tfc_tensor_dtype(p->dense) == s->dtype);
        int extra = lead + (s->kind == TFC_FIXED_LEN_SEQUENCE);
        CHECK(tfc_tensor_rank(p->dense) == extra + s->shape.rank);
        if (lead) CHECK(tfc_tensor_dim(p->dense, 0) == nb);
        for (int d = 0; d < s->shape.rank; d++)
            CHECK(tfc_tensor_dim(p->dense, extra + d) == s->shape.dims[d]);
    }
}

static bool elements_equal(const tfc_tensor *a, int64_t ia, const tfc_tensor *b, int64_t ib,
                           int64_t n) {
    if (tfc_tensor_dtype(a) == TFC_DT_STRING) {
        for (int64_t i = 0; i < n; i++) {
            tfc_bytes x = tfc_tensor_string_at(a, ia + i), y = tfc_tensor_string_at(b, ib + i);
            if (x.size != y.size || (x.size && memcmp(x.data, y.data, x.size))) return false;
        }
        return true;
    }
    size_t each = tfc_dtype_size(tfc_tensor_dtype(a));
    return !n || !memcmp((const char *)tfc_tensor_data_const(a) + ia * each,
                         (const char *)tfc_tensor_data_const(b) + ib * each, (size_t)n * each);
}

/* Row b of the batch outputs against part b's single parse. */
static void check_row(const tfc_parsed *batch, const tfc_parsed *one, const tfc_feature_spec *specs,
                      int n, int64_t b) {
    for (int i = 0; i < n; i++) {
        const tfc_feature_spec *s = &specs[i];
        if (s->kind == TFC_VAR_LEN) {
            /* The batch's values of row b, in order, are the single parse's values. */
            int64_t nv = tfc_tensor_dim(batch[i].values, 0), first = -1, count = 0;
            const int64_t *idx = i64(batch[i].indices);
            for (int64_t k = 0; k < nv; k++)
                if (idx[2 * k] == b) first = first < 0 ? k : first, count++;
            CHECK(count == tfc_tensor_dim(one[i].values, 0));
            CHECK(elements_equal(batch[i].values, first, one[i].values, 0, count));
            continue;
        }
        int64_t row = tfc_tensor_num_elements(batch[i].dense) / tfc_tensor_dim(batch[i].dense, 0);
        /* FixedLenSequence: the single parse's steps, then padding. */
        CHECK(tfc_tensor_num_elements(one[i].dense) <= row);
        CHECK(elements_equal(batch[i].dense, b * row, one[i].dense, 0,
                             tfc_tensor_num_elements(one[i].dense)));
    }
}

static void run_specs(const tfc_bytes parts[NPARTS], const tfc_tensor *batch,
                      const tfc_feature_spec *specs, int n) {
    tfc_status st = {0};
    tfc_parsed one[NPARTS][NSPECS], out[NSPECS];
    bool all_ok = true;
    for (int b = 0; b < NPARTS; b++) {
        memset(one[b], 0x5a, sizeof one[b]);
        tfc_code c = tfc_parse_single_example(parts[b].data, parts[b].size, specs, n, one[b], &st);
        if (c == TFC_OK)
            check_parsed(one[b], specs, n, -1);
        else
            check_failed(c, &st, one[b], n), all_ok = false;
    }
    memset(out, 0x5a, sizeof out);
    tfc_code c = tfc_parse_example(batch, specs, n, out, &st);
    CHECK((c == TFC_OK) == all_ok);
    if (c == TFC_OK) {
        check_parsed(out, specs, n, NPARTS);
        for (int b = 0; b < NPARTS; b++) check_row(out, one[b], specs, n, b);
    } else {
        check_failed(c, &st, out, n);
    }
    tfc_parsed_clear(out, n);
    for (int b = 0; b < NPARTS; b++) tfc_parsed_clear(one[b], n);
}

static void run_sequence(const uint8_t *data, size_t size, const specs *s,
                         const tfc_feature_spec *seq) {
    tfc_status st = {0};
    tfc_parsed co[2], so[3];
    memset(co, 0x5a, sizeof co), memset(so, 0x5a, sizeof so);
    tfc_code c = tfc_parse_sequence_example(data, size, s->ctx, 2, seq, 3, co, so, &st);
    if (c != TFC_OK) {
        check_failed(c, &st, co, 2);
        check_failed(c, &st, so, 3);
        return;
    }
    check_parsed(co, s->ctx, 2, -1);
    /* Feature lists: [T]+shape, and sparse by (step, position) with dense_shape[0] = T. */
    for (int i = 0; i < 3; i++) {
        if (seq[i].kind == TFC_VAR_LEN) {
            check_sparse(&so[i], &seq[i], 2);
            continue;
        }
        CHECK(so[i].dense && tfc_tensor_rank(so[i].dense) == 1 + seq[i].shape.rank);
    }
    tfc_parsed_clear(co, 2);
    tfc_parsed_clear(so, 3);
}

/* A varint in [*p, end) (at most 5 bytes, as lengths are); false if there is none. */
static bool get_len(const uint8_t **p, const uint8_t *end, size_t *v) {
    *v = 0;
    for (int i = 0; i < 5 && *p < end; i++) {
        uint8_t b = *(*p)++;
        *v |= (size_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) return true;
    }
    return false;
}

static size_t put_field(uint8_t *out, const uint8_t *body, size_t n) {
    size_t k = 0;
    out[k++] = 0x0a; /* Example.features */
    for (size_t v = n;; v >>= 7) {
        out[k++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80) break;
    }
    memcpy(out + k, body, n);
    return k + n;
}

/* When the input is one features field of well-framed map entries, its entries split in two
 * Examples (re-framed into buf, which holds size + 16), so a valid input makes a batch whose rows
 * are valid and differ; otherwise the input's two halves. This is a harness-side frame walker:
 * the entries themselves are left to the parser. */
static void split(const uint8_t *data, size_t size, uint8_t *buf, tfc_bytes *a, tfc_bytes *b) {
    const uint8_t *p = data + 1, *end = data + size, *body;
    size_t len;
    if (size >= 2 && data[0] == 0x0a && get_len(&p, end, &len) && len == (size_t)(end - p)) {
        body = p;
        const uint8_t *mid = NULL;
        size_t entries = 0;
        while (p < end && p[0] == 0x0a && (++p, get_len(&p, end, &len)) &&
               len <= (size_t)(end - p)) {
            p += len;
            if (++entries == 1) mid = p;
        }
        if (p == end && mid) {
            size_t k = put_field(buf, body, (size_t)(mid - body));
            *a = (tfc_bytes){buf, k};
            *b = (tfc_bytes){buf + k, put_field(buf + k, mid, (size_t)(end - mid))};
            return;
        }
    }
    *a = (tfc_bytes){data, size / 2};
    *b = (tfc_bytes){data + size / 2, size - size / 2};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const specs *s = get_specs();
    int64_t live = tfc_alloc_live_count();
    uint8_t *buf = malloc(size + 16);
    CHECK(buf);
    tfc_bytes parts[NPARTS] = {{data, size}, {0}, {0}, {data, 0}};
    split(data, size, buf, &parts[1], &parts[2]);
    tfc_tensor *batch;
    tfc_shape bs = shape1(NPARTS);
    CHECK(tfc_tensor_new(TFC_DT_STRING, &bs, &batch, NULL) == TFC_OK);
    for (int b = 0; b < NPARTS; b++)
        CHECK(tfc_tensor_set_string(batch, b, parts[b].data, parts[b].size, NULL) == TFC_OK);
    run_specs(parts, batch, s->optional, NSPECS);
    run_specs(parts, batch, s->required, 2);
    tfc_tensor_unref(batch);
    free(buf);
    run_sequence(data, size, s, s->seq_optional);
    run_sequence(data, size, s, s->seq_required);
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
