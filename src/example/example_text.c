/* Protobuf text format as Python's protobuf text printer (text_format.MessageToString, what
 * print(example) showed before protobuf's upb backend) writes it: two-space indentation, one value
 * per line, map entries sorted by key, bytes C-escaped with octal for non-ASCII, keys likewise but
 * keeping valid UTF-8, floats in their shortest repr. */
#include <stdlib.h>
#include <string.h>

#include "example/example_int.h"

static void open_block(tfc__sb *sb, int depth, const char *name) {
    tfc__sb_spaces(sb, (size_t)depth * 2);
    tfc__sb_puts(sb, name);
    tfc__sb_puts(sb, " {\n");
}

static void close_block(tfc__sb *sb, int depth) {
    tfc__sb_spaces(sb, (size_t)depth * 2);
    tfc__sb_puts(sb, "}\n");
}

static void quoted(tfc__sb *sb, const uint8_t *s, size_t n, bool utf8) {
    tfc__sb_putc(sb, '"');
    tfc__sb_cescape(sb, s, n, utf8);
    tfc__sb_putc(sb, '"');
}

/* The fields of a Feature message (its kind's list), at depth. */
static void feature_text(tfc__sb *sb, const tfc__fval *v, int depth) {
    if (v->kind == TFC_FEATURE_NONE) return;
    open_block(sb, depth, tfc_feature_kind_name(v->kind));
    for (size_t i = 0; i < v->count; i++) {
        tfc__sb_spaces(sb, (size_t)(depth + 1) * 2);
        tfc__sb_puts(sb, "value: ");
        if (v->kind == TFC_FEATURE_FLOAT) {
            char f[32];
            tfc__sb_put(sb, f, tfc__format_float(((const float *)v->data)[i], f));
        } else if (v->kind == TFC_FEATURE_INT64) {
            tfc__sb_printf(sb, "%lld", (long long)((const int64_t *)v->data)[i]);
        } else {
            const tfc_bytes *b = &((const tfc_bytes *)v->data)[i];
            quoted(sb, b->data, b->size, false);
        }
        tfc__sb_putc(sb, '\n');
    }
    close_block(sb, depth);
}

static int cmp_keys(const void *a, const void *b) {
    return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Pointers to the keys (each the first member of its item), sorted; NULL if out of memory. */
static char **sorted_keys(const void *items, size_t stride, size_t n) {
    char **order = tfc_malloc((n ? n : 1) * sizeof *order);
    if (!order) return NULL;
    for (size_t i = 0; i < n; i++) order[i] = (char *)items + i * stride;
    qsort(order, n, sizeof *order, cmp_keys);
    return order;
}

static void key_line(tfc__sb *sb, int depth, const char *key) {
    tfc__sb_spaces(sb, (size_t)depth * 2);
    tfc__sb_puts(sb, "key: ");
    quoted(sb, (const uint8_t *)key, strlen(key), true);
    tfc__sb_putc(sb, '\n');
}

/* A Features message's fields ("feature { ... }" per key), at depth. */
static void features_text(tfc__sb *sb, const tfc_features *fs, int depth) {
    char **order = sorted_keys(fs->items, sizeof *fs->items, fs->n);
    if (!order) {
        sb->oom = true;
        return;
    }
    for (size_t i = 0; i < fs->n; i++) {
        const tfc__fentry *e = (const tfc__fentry *)order[i];
        open_block(sb, depth, "feature");
        key_line(sb, depth + 1, e->key);
        open_block(sb, depth + 1, "value");
        feature_text(sb, &e->v, depth + 2);
        close_block(sb, depth + 1);
        close_block(sb, depth);
    }
    tfc_free(order);
}

char *tfc_example_to_text(const tfc_example *ex) {
    tfc__sb sb = {0};
    if (ex->features.n) {
        open_block(&sb, 0, "features");
        features_text(&sb, &ex->features, 1);
        close_block(&sb, 0);
    }
    return tfc__sb_finish(&sb);
}

char *tfc_sequence_example_to_text(const tfc_sequence_example *se) {
    tfc__sb sb = {0};
    if (se->context.n) {
        open_block(&sb, 0, "context");
        features_text(&sb, &se->context, 1);
        close_block(&sb, 0);
    }
    if (se->n) {
        char **order = sorted_keys(se->lists, sizeof *se->lists, se->n);
        if (!order) {
            tfc_free(tfc__sb_finish(&sb));
            return NULL;
        }
        open_block(&sb, 0, "feature_lists");
        for (size_t i = 0; i < se->n; i++) {
            const tfc__flist *l = (const tfc__flist *)order[i];
            open_block(&sb, 1, "feature_list");
            key_line(&sb, 2, l->key);
            open_block(&sb, 2, "value");
            for (size_t s = 0; s < l->n; s++) {
                open_block(&sb, 3, "feature");
                feature_text(&sb, &l->steps[s], 4);
                close_block(&sb, 3);
            }
            close_block(&sb, 2);
            close_block(&sb, 1);
        }
        close_block(&sb, 0);
        tfc_free(order);
    }
    return tfc__sb_finish(&sb);
}
