/* The op registry's tripwire (ggml's static_assert(OP_COUNT == N), made a test): every op of
 * every family parses, has a CPU kernel, and has a gradient builder unless it is marked
 * TFC_OP_NO_GRADIENT, has no inputs, or is listed below as one whose gradient is known to be
 * missing. So an op added without a kernel or a gradient fails here.
 *
 * Each op's kernel is checked against a reference implementation, and each gradient against finite
 * differences, in its family's tests (tests/runtime, tests/ops_<family>, tests/train). Those test
 * programs record which kernels they ran and which gradients they built inside a successful
 * tfc_compute_gradient_error (base/trace.h, tests/test_util.c) in TU_OPCOV_DIR; ctest runs this test
 * after them, and it fails for any op whose kernel no test ran or whose gradient no test checked. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/op_def.h"
#include "test_util.h"

/* Ops the runtime runs without a kernel. */
static const char *const no_kernel[] = {"NoOp"};

/* Differentiable ops whose gradient tfc does not build yet (second-order gradients: TF has
 * ReluGradGrad-style builders for some of these). An entry that gains a gradient must leave. */
static const char *const gradient_missing[] = {
    "AvgPoolGrad", "BiasAddGrad", "Conv2DBackpropFilter", "Conv2DBackpropInput",
    "EluGrad",     "MaxPoolGrad", "ReciprocalGrad",       "Relu6Grad",
    "ReluGrad",    "RsqrtGrad",   "SigmoidGrad",          "SoftplusGrad",
    "SqrtGrad",    "TanhGrad",    "FusedBatchNormGradV3",
};

/* Ops the coverage check cannot see exercised, and why. */
static const char *const kernel_untraced[] = {
    "Placeholder", /* its kernel only fails ("must feed a value"): tests/runtime checks the message */
};
static const char *const gradient_untraced[] = {
    /* TF's _ReadGrad passes the gradient to the handle; handles are resources, where tfc_gradients
     * stops, so gradients w.r.t. a resource variable are taken at its read value instead. */
    "ReadVariableOp",
};

static bool listed(const char *name, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], name)) return true;
    return false;
}

static void test_every_spec_parses(void **state) {
    (void)state;
    tfc_status st;
    if (tfc__op_registry_status(&st) != TFC_OK) fail_msg("%s", st.msg);
    assert_true(tfc__op_count() >= 100);
}

static void test_every_op_has_kernel_and_gradient(void **state) {
    (void)state;
    int missing = 0;
    for (int i = 0; i < tfc__op_count(); i++) {
        const tfc_op_def *d = tfc__op_at(i);
        const char *name = d->spec->name;
        bool nokernel_ok = listed(name, no_kernel, sizeof no_kernel / sizeof *no_kernel);
        if (!d->spec->kernel && !nokernel_ok) {
            print_error("op %s has no CPU kernel\n", name);
            missing++;
        }
        /* an op without inputs (Placeholder, VariableV2) has nothing to differentiate into */
        bool no_grad = (d->spec->flags & TFC_OP_NO_GRADIENT) || d->num_inputs == 0;
        bool allowed =
            listed(name, gradient_missing, sizeof gradient_missing / sizeof *gradient_missing);
        if (!d->spec->grad && !no_grad && !allowed) {
            print_error("op %s has neither a gradient nor TFC_OP_NO_GRADIENT\n", name);
            missing++;
        }
        if ((d->spec->grad || no_grad) && allowed) {
            print_error("op %s is listed as missing a gradient but has one (or is marked "
                        "non-differentiable): remove it from the list\n",
                        name);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
}

/* The union of every test program's coverage lines ("K op" / "G op"). */
typedef struct coverage {
    char *text; /* all files, concatenated, one "K op" or "G op" per line */
    size_t n;
    int files;
} coverage;

static void coverage_load(coverage *cv) {
    memset(cv, 0, sizeof *cv);
    DIR *d = opendir(TU_OPCOV_DIR);
    if (!d) fail_msg("cannot open %s: run the whole suite (ctest) first", TU_OPCOV_DIR);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", TU_OPCOV_DIR, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        char line[256];
        while (fgets(line, sizeof line, f)) {
            size_t l = strlen(line);
            cv->text = realloc(cv->text, cv->n + l + 2);
            assert_non_null(cv->text);
            memcpy(cv->text + cv->n, line, l + 1);
            cv->n += l;
        }
        fclose(f);
        cv->files++;
    }
    closedir(d);
}

static bool covered(const coverage *cv, char kind, const char *op) {
    char want[256];
    snprintf(want, sizeof want, "%c %s\n", kind, op);
    for (const char *p = cv->text; p && (p = strstr(p, want)); p++)
        if (p == cv->text || p[-1] == '\n') return true;
    return false;
}

static void test_every_kernel_and_gradient_is_tested(void **state) {
    (void)state;
    coverage cv;
    coverage_load(&cv);
    if (cv.files < 5) fail_msg("only %d coverage files in %s", cv.files, TU_OPCOV_DIR);
    int missing = 0;
    for (int i = 0; i < tfc__op_count(); i++) {
        const tfc_op_spec *sp = tfc__op_at(i)->spec;
        if (sp->kernel && !covered(&cv, 'K', sp->name) &&
            !listed(sp->name, kernel_untraced, sizeof kernel_untraced / sizeof *kernel_untraced)) {
            print_error("op %s: no test ran its kernel\n", sp->name);
            missing++;
        }
        if (sp->grad && !covered(&cv, 'G', sp->name) &&
            !listed(sp->name, gradient_untraced,
                    sizeof gradient_untraced / sizeof *gradient_untraced)) {
            print_error("op %s: no test checked its gradient with tfc_compute_gradient_error\n",
                        sp->name);
            missing++;
        }
    }
    free(cv.text);
    assert_int_equal(missing, 0);
}

static void test_lookup(void **state) {
    (void)state;
    assert_non_null(tfc__op_lookup("MatMul"));
    assert_null(tfc__op_lookup("NoSuchOp"));
    for (int i = 1; i < tfc__op_count(); i++) /* sorted by name, no duplicates */
        assert_true(strcmp(tfc__op_at(i - 1)->spec->name, tfc__op_at(i)->spec->name) < 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_every_spec_parses),
        TU_TEST(test_every_op_has_kernel_and_gradient),
        TU_TEST(test_lookup),
        TU_TEST(test_every_kernel_and_gradient_is_tested),
    };
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
