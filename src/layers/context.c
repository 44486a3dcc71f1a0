/* The tfc_layers handle: variable scopes with TF's naming and reuse rules (variable_scope.py's
 * _pure_variable_scope and _get_unique_variable_scope), and the pushed defaults of arg_scope. */
#include <stdio.h>
#include <string.h>

#include "layers/layers_int.h"

static void oom(tfc_layers *L, const char *what) {
    tfc_graph_fail(L->g, TFC_RESOURCE_EXHAUSTED, "out of memory in %s", what);
}

tfc_layers *tfc_layers_new(tfc_graph *g) {
    if (!g) return NULL;
    tfc_layers *L = tfc_calloc(1, sizeof *L);
    if (!L) return NULL;
    L->g = g;
    L->scopes = tfc_calloc(8, sizeof *L->scopes);
    if (!L->scopes || !(L->scopes[0].name = tfc_strdup(""))) {
        tfc_free(L->scopes);
        tfc_free(L);
        return NULL;
    }
    L->n_scopes = 1, L->cap_scopes = 8;
    return L;
}

void tfc_layers_free(tfc_layers *L) {
    if (!L) return;
    for (int i = 0; i < L->n_vars; i++) tfc_free(L->vars[i].name);
    for (int i = 0; i < L->n_scopes; i++) tfc_free(L->scopes[i].name);
    for (int i = 0; i < L->n_counts; i++) tfc_free(L->counts[i].name);
    tfc_free(L->vars);
    tfc_free(L->scopes);
    tfc_free(L->counts);
    tfc_free(L->defaults);
    tfc_free(L);
}

tfc_graph *tfc_layers_graph(const tfc_layers *L) {
    return L ? L->g : NULL;
}

void tfc_layers_set_random_seed(tfc_layers *L, int64_t seed) {
    L->has_seed = true;
    L->seed = seed;
}

/* ---- Scope-name counts ---- */

static tfc__scope_count *find_count(const tfc_layers *L, const char *name) {
    for (int i = 0; i < L->n_counts; i++)
        if (!strcmp(L->counts[i].name, name)) return &L->counts[i];
    return NULL;
}

static int64_t count_of(const tfc_layers *L, const char *name) {
    const tfc__scope_count *c = find_count(L, name);
    return c ? c->count : 0;
}

static bool count_open(tfc_layers *L, const char *name) {
    tfc__scope_count *c = find_count(L, name);
    if (c) return c->count++, true;
    if (L->n_counts == L->cap_counts) {
        int cap = L->cap_counts ? 2 * L->cap_counts : 16;
        tfc__scope_count *v = tfc_realloc(L->counts, (size_t)cap * sizeof *v);
        if (!v) return false;
        L->counts = v, L->cap_counts = cap;
    }
    char *s = tfc_strdup(name);
    if (!s) return false;
    L->counts[L->n_counts++] = (tfc__scope_count){s, 1};
    return true;
}

/* Leaving a scope forgets how often its sub-scopes were opened (TF's close_variable_subscopes),
 * so the next entry of the same scope names its layers "dense", "dense_1" again — what lets a
 * model function rebuild itself in a reusing scope and find the variables it made before. */
static void close_subscopes(tfc_layers *L, const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < L->n_counts; i++)
        if (!strncmp(L->counts[i].name, name, n) && L->counts[i].name[n] == '/')
            L->counts[i].count = 0;
}

/* ---- Variable scopes ---- */

const tfc__var_scope *tfc__current_scope(const tfc_layers *L) {
    return &L->scopes[L->n_scopes - 1];
}

const char *tfc_layers_var_scope(const tfc_layers *L) {
    return tfc__current_scope(L)->name;
}

static char *join(const char *scope, const char *name) {
    size_t a = strlen(scope), b = strlen(name);
    char *s = tfc_malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, scope, a);
    if (a) s[a++] = '/';
    memcpy(s + a, name, b + 1);
    return s;
}

/* TF's _get_unique_variable_scope: prefix, or prefix_1, prefix_2, ... the first whose full name
 * was never opened (since the enclosing scope was last entered). */
static char *unique_scope(const tfc_layers *L, const char *parent, const char *prefix) {
    char *full = join(parent, prefix);
    if (!full || count_of(L, full) == 0) return full;
    size_t n = strlen(full) + 24;
    char *cand = tfc_malloc(n);
    if (cand)
        for (int64_t i = 1;; i++) {
            snprintf(cand, n, "%s_%lld", full, (long long)i);
            if (count_of(L, cand) == 0) break;
        }
    tfc_free(full);
    return cand;
}

static const char *push_scope(tfc_layers *L, const char *name, const tfc_var_scope_opts *o) {
    tfc_graph *g = L->g;
    if (L->n_scopes == L->cap_scopes) {
        int cap = 2 * L->cap_scopes;
        tfc__var_scope *v = tfc_realloc(L->scopes, (size_t)cap * sizeof *v);
        if (!v) {
            L->lost_scopes++;
            oom(L, "variable_scope");
            return NULL;
        }
        L->scopes = v, L->cap_scopes = cap;
    }
    const tfc__var_scope *parent = tfc__current_scope(L);
    tfc__var_scope s = {0};
    /* Reuse is inherited, and a sub-scope cannot turn it off (TF: reuse or parent.reuse). */
    s.reuse = o->reuse == TFC_REUSE || o->reuse == TFC_AUTO_REUSE ? o->reuse : parent->reuse;
    s.initializer = o->initializer.kind ? o->initializer : parent->initializer;
    s.regularizer = o->regularizer.kind ? o->regularizer : parent->regularizer;
    s.use_resource = tfc__flag(o->use_resource, parent->use_resource);
    const char *dflt = o->default_name;
    bool ok = tfc_graph_status(g, NULL) == TFC_OK;
    if (ok && !name && (!dflt || !*dflt))
        ok = !tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                             "variable_scope: a name or a default_name is required");
    if (ok && name && !*name)
        ok = !tfc_graph_fail(g, TFC_INVALID_ARGUMENT, "variable_scope: the name is empty");
    if (ok && !name && o->reuse == TFC_REUSE)
        ok = !tfc_graph_fail(g, TFC_INVALID_ARGUMENT,
                             "variable_scope '%s': reuse=True cannot be used without a "
                             "name_or_scope",
                             dflt);
    if (ok) {
        /* The name scope first, as TF enters it before it picks the variable-scope name. */
        s.graph_scope = tfc_graph_push_scope(g, name ? name : dflt) != NULL;
        s.name = name ? join(parent->name, name) : unique_scope(L, parent->name, dflt);
        if (!s.name || !count_open(L, s.name)) {
            oom(L, "variable_scope");
            ok = false;
        }
        ok = ok && s.graph_scope;
    }
    if (!s.name && !(s.name = tfc_strdup(parent->name))) {
        if (s.graph_scope) tfc_graph_pop_scope(g);
        L->lost_scopes++;
        oom(L, "variable_scope");
        return NULL;
    }
    L->scopes[L->n_scopes++] = s;
    return ok ? s.name : NULL;
}

const char *tfc_layers_push_var_scope(tfc_layers *L, const char *name,
                                      const tfc_var_scope_opts *opts) {
    tfc_var_scope_opts o = {0};
    if (opts) o = *opts;
    return push_scope(L, name, &o);
}

void tfc_layers_pop_var_scope(tfc_layers *L) {
    if (L->lost_scopes) {
        L->lost_scopes--;
        return;
    }
    if (L->n_scopes <= 1) return;
    tfc__var_scope *s = &L->scopes[--L->n_scopes];
    close_subscopes(L, s->name);
    if (s->graph_scope) tfc_graph_pop_scope(L->g);
    tfc_free(s->name);
}

bool tfc__layer_begin(tfc_layers *L, const char *base, const char *name, tfc_reuse reuse) {
    tfc_var_scope_opts o = {.reuse = reuse};
    /* TF's Layer._set_scope: a reusing layer enters its scope by name; any other gets the
     * unique default name. */
    if (reuse == TFC_REUSE || reuse == TFC_AUTO_REUSE)
        return push_scope(L, name ? name : base, &o) != NULL;
    o.default_name = name ? name : base;
    return push_scope(L, NULL, &o) != NULL;
}

void tfc__layer_end(tfc_layers *L) {
    tfc_layers_pop_var_scope(L);
}

/* ---- Defaults ---- */

static size_t opts_size(tfc_layer_kind kind) {
    switch (kind) {
    case TFC_LAYER_DENSE:
        return sizeof(tfc_dense_opts);
    case TFC_LAYER_CONV2D:
        return sizeof(tfc_conv2d_opts);
    case TFC_LAYER_MAX_POOLING2D:
    case TFC_LAYER_AVERAGE_POOLING2D:
        return sizeof(tfc_pool2d_opts);
    case TFC_LAYER_DROPOUT:
        return sizeof(tfc_dropout_opts);
    case TFC_LAYER_BATCH_NORMALIZATION:
        return sizeof(tfc_batch_norm_opts);
    }
    return 0;
}

void tfc_layers_push_defaults(tfc_layers *L, tfc_layer_kind kind, const void *opts) {
    if (L->n_defaults == L->cap_defaults) {
        int cap = L->cap_defaults ? 2 * L->cap_defaults : 8;
        tfc__defaults *v = tfc_realloc(L->defaults, (size_t)cap * sizeof *v);
        if (!v) {
            L->lost_defaults++;
            oom(L, "push_defaults");
            return;
        }
        L->defaults = v, L->cap_defaults = cap;
    }
    tfc__defaults *d = &L->defaults[L->n_defaults++];
    memset(d, 0, sizeof *d);
    size_t n = opts_size(kind);
    if (!n) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT, "push_defaults: unknown layer kind %d",
                       (int)kind);
        return;
    }
    if (!opts) {
        tfc_graph_fail(L->g, TFC_INVALID_ARGUMENT, "push_defaults: no options");
        return;
    }
    d->kind = kind;
    memcpy(&d->opts, opts, n);
}

void tfc_layers_pop_defaults(tfc_layers *L) {
    if (L->lost_defaults)
        L->lost_defaults--;
    else if (L->n_defaults > 0)
        L->n_defaults--;
}

const tfc__any_opts *tfc__layers_default(const tfc_layers *L, tfc_layer_kind kind, int i) {
    for (int k = L->n_defaults - 1; k >= 0; k--)
        if (L->defaults[k].kind == kind && i-- == 0) return &L->defaults[k].opts;
    return NULL;
}
