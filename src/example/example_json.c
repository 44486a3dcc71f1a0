/* Protobuf's canonical JSON mapping of Example and SequenceExample, on one line: lowerCamelCase
 * field names, int64 as strings, bytes as base64, non-finite floats as "NaN"/"Infinity"/
 * "-Infinity", empty lists and messages left out. Map entries keep the container's order. */
#include <math.h>
#include <string.h>

#include "example/example_int.h"

static const char *json_kind_name(tfc_feature_kind k) {
    switch (k) {
    case TFC_FEATURE_BYTES:
        return "bytesList";
    case TFC_FEATURE_FLOAT:
        return "floatList";
    case TFC_FEATURE_INT64:
        return "int64List";
    case TFC_FEATURE_NONE:
        break;
    }
    return "";
}

static void json_string(tfc__sb *sb, const uint8_t *s, size_t n) {
    tfc__sb_putc(sb, '"');
    tfc__sb_json_escape(sb, s, n);
    tfc__sb_putc(sb, '"');
}

static void json_float(tfc__sb *sb, float f) {
    if (isnan(f))
        tfc__sb_puts(sb, "\"NaN\"");
    else if (isinf(f))
        tfc__sb_puts(sb, f < 0 ? "\"-Infinity\"" : "\"Infinity\"");
    else {
        char buf[32];
        tfc__sb_put(sb, buf, tfc__format_float(f, buf));
    }
}

/* A Feature message: {} or {"floatList":{"value":[...]}} (an empty list as {"floatList":{}}). */
static void feature_json(tfc__sb *sb, const tfc__fval *v) {
    if (v->kind == TFC_FEATURE_NONE) {
        tfc__sb_puts(sb, "{}");
        return;
    }
    tfc__sb_printf(sb, "{\"%s\":{", json_kind_name(v->kind));
    if (v->count) {
        tfc__sb_puts(sb, "\"value\":[");
        for (size_t i = 0; i < v->count; i++) {
            if (i) tfc__sb_putc(sb, ',');
            if (v->kind == TFC_FEATURE_FLOAT) {
                json_float(sb, ((const float *)v->data)[i]);
            } else if (v->kind == TFC_FEATURE_INT64) {
                tfc__sb_printf(sb, "\"%lld\"", (long long)((const int64_t *)v->data)[i]);
            } else {
                const tfc_bytes *b = &((const tfc_bytes *)v->data)[i];
                tfc__sb_putc(sb, '"');
                tfc__sb_base64(sb, b->data, b->size);
                tfc__sb_putc(sb, '"');
            }
        }
        tfc__sb_putc(sb, ']');
    }
    tfc__sb_puts(sb, "}}");
}

/* A Features message: {"feature":{"k":{...},...}}. */
static void features_json(tfc__sb *sb, const tfc_features *fs) {
    tfc__sb_puts(sb, "{\"feature\":{");
    for (size_t i = 0; i < fs->n; i++) {
        if (i) tfc__sb_putc(sb, ',');
        json_string(sb, (const uint8_t *)fs->items[i].key, strlen(fs->items[i].key));
        tfc__sb_putc(sb, ':');
        feature_json(sb, &fs->items[i].v);
    }
    tfc__sb_puts(sb, "}}");
}

char *tfc_example_to_json(const tfc_example *ex) {
    tfc__sb sb = {0};
    tfc__sb_putc(&sb, '{');
    if (ex->features.n) {
        tfc__sb_puts(&sb, "\"features\":");
        features_json(&sb, &ex->features);
    }
    tfc__sb_putc(&sb, '}');
    return tfc__sb_finish(&sb);
}

char *tfc_sequence_example_to_json(const tfc_sequence_example *se) {
    tfc__sb sb = {0};
    tfc__sb_putc(&sb, '{');
    if (se->context.n) {
        tfc__sb_puts(&sb, "\"context\":");
        features_json(&sb, &se->context);
    }
    if (se->n) {
        if (se->context.n) tfc__sb_putc(&sb, ',');
        tfc__sb_puts(&sb, "\"featureLists\":{\"featureList\":{");
        for (size_t i = 0; i < se->n; i++) {
            const tfc__flist *l = &se->lists[i];
            if (i) tfc__sb_putc(&sb, ',');
            json_string(&sb, (const uint8_t *)l->key, strlen(l->key));
            tfc__sb_putc(&sb, ':');
            if (!l->n) {
                tfc__sb_puts(&sb, "{}");
                continue;
            }
            tfc__sb_puts(&sb, "{\"feature\":[");
            for (size_t s = 0; s < l->n; s++) {
                if (s) tfc__sb_putc(&sb, ',');
                feature_json(&sb, &l->steps[s]);
            }
            tfc__sb_puts(&sb, "]}");
        }
        tfc__sb_puts(&sb, "}}");
    }
    tfc__sb_putc(&sb, '}');
    return tfc__sb_finish(&sb);
}
