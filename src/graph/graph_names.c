/* Unique names and name scopes as TF's Graph.unique_name / name_scope make them, and the
 * control-dependency stack (tf.control_dependencies). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph_int.h"

static bool name_char(char c, bool first) {
    if (isalnum((unsigned char)c) || c == '.') return true;
    return !first && (c == '_' || c == '-' || c == '/' || c == '\\' || c == '>');
}

/* TF's _VALID_OP_NAME_REGEX: [A-Za-z0-9.][A-Za-z0-9_.\\/>-]* */
bool tfc__valid_node_name(const char *s) {
    if (!s || !*s || !name_char(s[0], true)) return false;
    for (s++; *s; s++)
        if (!name_char(*s, false)) return false;
    return true;
}

/* TF's _VALID_SCOPE_NAME_REGEX for nested scopes: [A-Za-z0-9_.\\/>-]* */
static bool valid_nested_scope(const char *s) {
    for (; *s; s++)
        if (!name_char(*s, false)) return false;
    return true;
}

char *tfc__names_key(tfc_graph *g, const char *s) {
    char *k = tfc__arena_strdup(&g->strings, s);
    if (k)
        for (char *p = k; *p; p++) *p = (char)tolower((unsigned char)*p);
    return k;
}

tfc_code tfc__names_mark_used(tfc_graph *g, const char *name) {
    char *key = tfc__names_key(g, name);
    if (!key) return TFC_RESOURCE_EXHAUSTED;
    if (tfc__strmap_get(&g->names_in_use, key, NULL)) return TFC_OK;
    return tfc__strmap_put(&g->names_in_use, key, 1);
}

static void oom(tfc_graph *g) {
    tfc_graph_fail(g, TFC_RESOURCE_EXHAUSTED, "out of memory making a name");
}

/* The current scope's prefix joined with name ("dense/kernel"), in the arena. */
static char *scoped(tfc_graph *g, const char *name) {
    const char *scope = tfc_graph_scope(g);
    size_t a = strlen(scope), b = strlen(name);
    char *s = tfc__arena_alloc(&g->strings, a + b + 2);
    if (!s) return NULL;
    memcpy(s, scope, a);
    if (a) s[a++] = '/';
    memcpy(s + a, name, b + 1);
    return s;
}

/* TF's Graph.unique_name(name, mark_as_used=True) for a full name: the first use keeps it; later
 * uses get "_1", "_2", ... skipping any composed name already in use. Use counts are kept per
 * lower-cased name, so "Foo" and "foo" collide as they do in TF. */
static const char *unique(tfc_graph *g, const char *full) {
    char *key = tfc__names_key(g, full);
    if (!key) return NULL;
    int64_t i = 0;
    tfc__strmap_get(&g->names_in_use, key, &i);
    if (tfc__strmap_put(&g->names_in_use, key, i + 1)) return NULL;
    if (i == 0) return full;
    size_t len = strlen(full);
    char *cand = tfc__arena_alloc(&g->strings, len + 24);
    if (!cand) return NULL;
    for (;; i++) {
        snprintf(cand, len + 24, "%s_%lld", key, (long long)i);
        if (!tfc__strmap_get(&g->names_in_use, cand, NULL)) break;
    }
    if (tfc__strmap_put(&g->names_in_use, cand, 1)) return NULL;
    char *out = tfc__arena_alloc(&g->strings, len + 24);
    if (!out) return NULL;
    snprintf(out, len + 24, "%s_%lld", full, (long long)i); /* the caller's capitalisation */
    return out;
}

const char *tfc_graph_unique_name(tfc_graph *g, const char *name) {
    if (!g || g->status.code || !name) return NULL;
    char *full = scoped(g, name);
    const char *u = full ? unique(g, full) : NULL;
    if (!u) oom(g);
    return u;
}

/* The full name a new node gets (see tfc_node_begin): base names are scoped and uniquified; a name
 * ending in '/' is taken as the exact full name (marked used). NULL after an error. */
const char *tfc__node_full_name(tfc_graph *g, const char *name) {
    size_t len = strlen(name);
    if (len && name[len - 1] == '/') {
        char *exact = tfc__arena_alloc(&g->strings, len);
        if (exact) memcpy(exact, name, len - 1); /* the arena zeroes: terminated */
        if (!exact || tfc__names_mark_used(g, exact)) {
            oom(g);
            return NULL;
        }
        return exact;
    }
    return tfc_graph_unique_name(g, name);
}

const char *tfc_graph_push_scope(tfc_graph *g, const char *name) {
    if (!g || g->status.code) return NULL;
    const char *full;
    size_t len = name ? strlen(name) : 0;
    if (!len) {
        full = ""; /* TF: an empty scope name returns to the top */
    } else if (name[len - 1] == '/') {
        char *exact = tfc__arena_alloc(&g->strings, len);
        if (!exact) return oom(g), NULL;
        memcpy(exact, name, len - 1);
        full = exact;
    } else {
        bool nested = g->n_scopes > 0 && *tfc_graph_scope(g);
        if (nested ? !valid_nested_scope(name) : !tfc__valid_node_name(name)) {
            tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "'%s' is not a valid scope name", name);
            return NULL;
        }
        full = tfc_graph_unique_name(g, name);
        if (!full) return NULL;
    }
    if (g->n_scopes == g->cap_scopes) {
        int cap = g->cap_scopes ? 2 * g->cap_scopes : 8;
        const char **s = tfc_realloc(g->scopes, (size_t)cap * sizeof *s);
        if (!s) return oom(g), NULL;
        g->scopes = s, g->cap_scopes = cap;
    }
    g->scopes[g->n_scopes++] = full;
    return full;
}

void tfc_graph_pop_scope(tfc_graph *g) {
    if (g && g->n_scopes > 0) g->n_scopes--;
}

const char *tfc_graph_scope(const tfc_graph *g) {
    return g && g->n_scopes > 0 ? g->scopes[g->n_scopes - 1] : "";
}

/* ---- Control dependencies ---- */

void tfc_graph_push_control_deps(tfc_graph *g, tfc_node *const *nodes, int n) {
    if (!g) return;
    if (g->n_ctrl == g->cap_ctrl) {
        int cap = g->cap_ctrl ? 2 * g->cap_ctrl : 4;
        tfc__ctrl_frame *f = tfc_realloc(g->ctrl, (size_t)cap * sizeof *f);
        if (!f) {
            oom(g);
            return;
        }
        g->ctrl = f, g->cap_ctrl = cap;
    }
    tfc__ctrl_frame fr = {NULL, 0, g->n_nodes};
    if (n > 0 && nodes) {
        if (!(fr.nodes = tfc_malloc((size_t)n * sizeof *fr.nodes))) {
            oom(g);
            return;
        }
        for (int k = 0; k < n; k++) {
            if (!nodes[k]) continue;
            if (nodes[k]->graph != g) {
                tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                               "control dependency '%s' belongs to another graph", nodes[k]->name);
                continue;
            }
            fr.nodes[fr.n++] = nodes[k];
        }
    }
    g->ctrl[g->n_ctrl++] = fr;
}

void tfc_graph_pop_control_deps(tfc_graph *g) {
    if (!g || g->n_ctrl == 0) return;
    tfc_free(g->ctrl[--g->n_ctrl].nodes);
}
