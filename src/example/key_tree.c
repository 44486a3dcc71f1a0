/* Key trees: feature keys split at '/' and shown as an indented tree, sorted, with each leaf's
 * kind and value count in one aligned column (what `tfc example show --keys` prints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example/example_int.h"

typedef struct tree_item {
    const char *key;
    char label[64];
} tree_item;

/* Gap between the longest name and the label column. */
#define LABEL_GAP 3

/* Writes a key component (if sb) with control and invalid bytes as \NNN; returns its display
 * width in characters. An empty component shows as "". */
static size_t component(tfc__sb *sb, const char *s, size_t n) {
    if (!n) {
        if (sb) tfc__sb_puts(sb, "\"\"");
        return 2;
    }
    size_t width = 0;
    for (size_t i = 0; i < n;) {
        const uint8_t *u = (const uint8_t *)s + i;
        size_t k = tfc__utf8_seq(u, n - i);
        if (k > 1) {
            if (sb) tfc__sb_put(sb, u, k);
            width++;
        } else if (u[0] < 0x20 || u[0] >= 0x7f) {
            k = 1;
            if (sb) tfc__sb_printf(sb, "\\%03o", u[0]);
            width += 4;
        } else {
            if (sb) tfc__sb_putc(sb, (char)u[0]);
            width++;
        }
        i += k;
    }
    return width;
}

/* Number of leading '/'-separated directory components that a and b share. */
static size_t shared_dirs(const char *a, const char *b) {
    size_t shared = 0;
    for (size_t i = 0;; i++) {
        if (a[i] != b[i]) return shared;
        if (!a[i]) return shared;
        if (a[i] == '/') shared++;
    }
}

static int cmp_items(const void *a, const void *b) {
    return strcmp(((const tree_item *)a)->key, ((const tree_item *)b)->key);
}

/* One pass over the sorted items: with sb NULL it only measures and returns the widest leaf. */
static size_t walk(tfc__sb *sb, const tree_item *items, size_t n, size_t indent, size_t column) {
    size_t widest = 0;
    const char *prev = "";
    size_t prev_dirs = 0;
    for (size_t i = 0; i < n; i++) {
        const char *key = items[i].key;
        size_t keep = i ? shared_dirs(prev, key) : 0;
        if (keep > prev_dirs) keep = prev_dirs;
        /* Print the directories of key after the shared ones. */
        const char *p = key;
        size_t depth = 0;
        for (const char *slash; (slash = strchr(p, '/')); p = slash + 1, depth++) {
            if (depth < keep) continue;
            if (sb) {
                tfc__sb_spaces(sb, indent + depth * 2);
                component(sb, p, (size_t)(slash - p));
                tfc__sb_puts(sb, "/\n");
            }
        }
        size_t width = indent + depth * 2 + component(NULL, p, strlen(p));
        if (width > widest) widest = width;
        if (sb) {
            tfc__sb_spaces(sb, indent + depth * 2);
            component(sb, p, strlen(p));
            tfc__sb_spaces(sb, column - width);
            tfc__sb_puts(sb, items[i].label);
            tfc__sb_putc(sb, '\n');
        }
        prev = key, prev_dirs = depth;
    }
    return widest;
}

static void tree(tfc__sb *sb, tree_item *items, size_t n, size_t indent) {
    qsort(items, n, sizeof *items, cmp_items);
    size_t column = walk(NULL, items, n, indent, 0) + LABEL_GAP;
    walk(sb, items, n, indent, column);
}

static void feature_items(const tfc_features *fs, tree_item *items) {
    for (size_t i = 0; i < fs->n; i++) {
        items[i].key = fs->items[i].key;
        snprintf(items[i].label, sizeof items[i].label, "%s[%zu]",
                 tfc_feature_kind_name(fs->items[i].v.kind), fs->items[i].v.count);
    }
}

char *tfc_features_key_tree(const tfc_features *fs) {
    tfc__sb sb = {0};
    tree_item *items = tfc_malloc((fs->n ? fs->n : 1) * sizeof *items);
    if (!items) return NULL;
    feature_items(fs, items);
    tree(&sb, items, fs->n, 0);
    tfc_free(items);
    return tfc__sb_finish(&sb);
}

/* "feature_list[5 x bytes_list]": steps and the kind they share ("mixed" if they differ). */
static void list_label(const tfc__flist *l, char *out, size_t size) {
    tfc_feature_kind kind = TFC_FEATURE_NONE;
    bool mixed = false;
    for (size_t s = 0; s < l->n; s++) {
        tfc_feature_kind k = l->steps[s].kind;
        if (k == TFC_FEATURE_NONE) continue;
        if (kind != TFC_FEATURE_NONE && k != kind) mixed = true;
        kind = k;
    }
    if (kind == TFC_FEATURE_NONE)
        snprintf(out, size, "feature_list[%zu]", l->n);
    else
        snprintf(out, size, "feature_list[%zu x %s]", l->n,
                 mixed ? "mixed" : tfc_feature_kind_name(kind));
}

char *tfc_sequence_example_key_tree(const tfc_sequence_example *se) {
    tfc__sb sb = {0};
    size_t n = se->context.n > se->n ? se->context.n : se->n;
    tree_item *items = tfc_malloc((n ? n : 1) * sizeof *items);
    if (!items) return NULL;
    if (se->context.n) {
        tfc__sb_puts(&sb, "context:\n");
        feature_items(&se->context, items);
        tree(&sb, items, se->context.n, 2);
    }
    if (se->n) {
        tfc__sb_puts(&sb, "feature_lists:\n");
        for (size_t i = 0; i < se->n; i++) {
            items[i].key = se->lists[i].key;
            list_label(&se->lists[i], items[i].label, sizeof items[i].label);
        }
        tree(&sb, items, se->n, 2);
    }
    tfc_free(items);
    return tfc__sb_finish(&sb);
}
