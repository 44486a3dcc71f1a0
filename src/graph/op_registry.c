/* The op registry: every family's specs parsed once per process (pthread_once), sorted by name
 * for binary search, read-only afterwards. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static tfc_op_def *defs;
static int n_defs;
static tfc_status first_error; /* written once, inside build() */

static int cmp_defs(const void *a, const void *b) {
    return strcmp(((const tfc_op_def *)a)->spec->name, ((const tfc_op_def *)b)->spec->name);
}

static void note(const tfc_status *st) {
    if (first_error.code == TFC_OK) first_error = *st;
}

static void build(void) {
    int total = 0;
    for (int f = 0; f < tfc__op_num_families; f++) total += tfc__op_families[f]->count;
    defs = calloc(total ? (size_t)total : 1, sizeof *defs);
    if (!defs) {
        tfc_status_set(&first_error, TFC_RESOURCE_EXHAUSTED,
                       "out of memory building the op registry");
        return;
    }
    for (int f = 0; f < tfc__op_num_families; f++) {
        const tfc_op_family *fam = tfc__op_families[f];
        for (int k = 0; k < fam->count; k++) {
            tfc_status st;
            if (tfc__op_def_parse(&fam->ops[k], &defs[n_defs], &st)) {
                tfc_status_prefix(&st, "op family '%s'", fam->name);
                note(&st);
                continue;
            }
            n_defs++;
        }
    }
    qsort(defs, (size_t)n_defs, sizeof *defs, cmp_defs);
    int w = 0;
    for (int k = 0; k < n_defs; k++) {
        if (w > 0 && !strcmp(defs[w - 1].spec->name, defs[k].spec->name)) {
            tfc_status st;
            tfc_status_set(&st, TFC_INVALID_ARGUMENT, "op '%s' is registered twice",
                           defs[k].spec->name);
            note(&st);
            tfc__op_def_release(&defs[k]);
            continue;
        }
        defs[w++] = defs[k];
    }
    n_defs = w;
}

static void ensure(void) {
    pthread_once(&once, build);
}

const tfc_op_def *tfc__op_lookup(const char *name) {
    if (!name) return NULL;
    ensure();
    int lo = 0, hi = n_defs;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(defs[mid].spec->name, name);
        if (!c) return &defs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int tfc__op_count(void) {
    ensure();
    return n_defs;
}

const tfc_op_def *tfc__op_at(int i) {
    ensure();
    return i >= 0 && i < n_defs ? &defs[i] : NULL;
}

tfc_code tfc__op_registry_status(tfc_status *st) {
    ensure();
    if (st) *st = first_error;
    return first_error.code;
}
