/* The function library a graph keeps from imported GraphDefs (GraphDef.library). tfc does not run
 * functions; it keeps them so that a graph written back out still has them. Merging a second
 * library adds the functions and gradients the graph does not have yet; one defined again
 * differently is an error. The merge is prepared (checked, room made) before anything changes. */
#include <string.h>

#include "graph/graph_int.h"

static const char *fname(const Tensorflow__FunctionDef *f) {
    return f && f->signature && f->signature->name ? f->signature->name : "";
}

static bool same_message(const ProtobufCMessage *a, const ProtobufCMessage *b, bool *oom) {
    uint8_t *pa = NULL, *pb = NULL;
    size_t na = 0, nb = 0;
    bool same = false;
    if (tfc__proto_pack(a, &pa, &na, NULL) || tfc__proto_pack(b, &pb, &nb, NULL))
        *oom = true;
    else
        same = na == nb && !memcmp(pa, pb, na);
    tfc_free(pa), tfc_free(pb);
    return same;
}

static void *grow_to(void *arr, size_t n) {
    return tfc_realloc(arr, (n ? n : 1) * sizeof(void *));
}

tfc_code tfc__library_prepare(tfc_graph *g, Tensorflow__FunctionDefLibrary *src,
                              tfc__lib_plan *plan, tfc_status *st) {
    memset(plan, 0, sizeof *plan);
    plan->src = src;
    if (!src) return TFC_OK;
    Tensorflow__FunctionDefLibrary *dst = g->library;
    if (!dst) {
        plan->take_whole = true;
        return TFC_OK;
    }
    bool oom = false;
    size_t nf = src->n_function, ng = src->n_gradient, nr = src->n_registered_gradients;
    if (!(plan->add_f = tfc_calloc(nf + 1, 1)) || !(plan->add_g = tfc_calloc(ng + 1, 1)) ||
        !(plan->add_r = tfc_calloc(nr + 1, 1)))
        goto oom;
    size_t new_f = 0, new_g = 0, new_r = 0;
    for (size_t k = 0; k < nf; k++) {
        const Tensorflow__FunctionDef *f = src->function[k], *old = NULL;
        for (size_t j = 0; j < dst->n_function && !old; j++)
            if (!strcmp(fname(dst->function[j]), fname(f))) old = dst->function[j];
        if (!old) {
            plan->add_f[k] = 1, new_f++;
        } else if (!same_message(&old->base, &f->base, &oom)) {
            if (oom) goto oom;
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "function '%s' is already in the graph's library with another "
                                  "definition",
                                  fname(f));
        }
    }
    for (size_t k = 0; k < ng; k++) {
        const Tensorflow__GradientDef *gd = src->gradient[k], *old = NULL;
        for (size_t j = 0; j < dst->n_gradient && !old; j++)
            if (!strcmp(dst->gradient[j]->function_name, gd->function_name)) old = dst->gradient[j];
        if (!old)
            plan->add_g[k] = 1, new_g++;
        else if (strcmp(old->gradient_func, gd->gradient_func))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "function '%s' already has gradient '%s', not '%s'",
                                  gd->function_name, old->gradient_func, gd->gradient_func);
    }
    for (size_t k = 0; k < nr; k++) {
        const Tensorflow__RegisteredGradient *r = src->registered_gradients[k], *old = NULL;
        for (size_t j = 0; j < dst->n_registered_gradients && !old; j++)
            if (!strcmp(dst->registered_gradients[j]->registered_op_type, r->registered_op_type))
                old = dst->registered_gradients[j];
        if (!old)
            plan->add_r[k] = 1, new_r++;
        else if (strcmp(old->gradient_func, r->gradient_func))
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "op type '%s' already has registered gradient '%s', not '%s'",
                                  r->registered_op_type, old->gradient_func, r->gradient_func);
    }
    /* Room now, so the commit cannot fail; the counts change only in the commit. */
    void *p;
    if (!(p = grow_to(dst->function, dst->n_function + new_f))) goto oom;
    dst->function = p;
    if (!(p = grow_to(dst->gradient, dst->n_gradient + new_g))) goto oom;
    dst->gradient = p;
    if (!(p = grow_to(dst->registered_gradients, dst->n_registered_gradients + new_r))) goto oom;
    dst->registered_gradients = p;
    return TFC_OK;
oom:
    return tfc_status_set(st, TFC_RESOURCE_EXHAUSTED, "out of memory merging function libraries");
}

void tfc__library_commit(tfc_graph *g, Tensorflow__GraphDef *gd, tfc__lib_plan *plan) {
    Tensorflow__FunctionDefLibrary *src = plan->src, *dst = g->library;
    if (!src) return;
    if (plan->take_whole) {
        g->library = src;
        gd->library = NULL;
        return;
    }
    /* Moved messages leave the source's arrays, which close up behind them. */
    size_t w = 0;
    for (size_t k = 0; k < src->n_function; k++) {
        if (plan->add_f[k])
            dst->function[dst->n_function++] = src->function[k];
        else
            src->function[w++] = src->function[k];
    }
    src->n_function = w, w = 0;
    for (size_t k = 0; k < src->n_gradient; k++) {
        if (plan->add_g[k])
            dst->gradient[dst->n_gradient++] = src->gradient[k];
        else
            src->gradient[w++] = src->gradient[k];
    }
    src->n_gradient = w, w = 0;
    for (size_t k = 0; k < src->n_registered_gradients; k++) {
        if (plan->add_r[k])
            dst->registered_gradients[dst->n_registered_gradients++] = src->registered_gradients[k];
        else
            src->registered_gradients[w++] = src->registered_gradients[k];
    }
    src->n_registered_gradients = w;
}

void tfc__library_plan_free(tfc__lib_plan *plan) {
    tfc_free(plan->add_f), tfc_free(plan->add_g), tfc_free(plan->add_r);
    memset(plan, 0, sizeof *plan);
}
