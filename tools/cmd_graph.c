/* `tfc graph`: inspect a GraphDef (text or binary; e.g. a frozen .pb) and run it from the shell,
 * with values given and printed as JSON. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tfc/gfile.h"
#include "tfc/graph.h"
#include "tfc/session.h"

static const char usage_main[] =
    "usage: tfc graph <subcommand> [args]\n"
    "\n"
    "  show FILE                              nodes, placeholders and likely outputs of a "
    "GraphDef\n"
    "  run FILE --feed NAME=VALUE ... FETCH...  run it on JSON values and print the fetches\n"
    "\n"
    "FILE is a GraphDef, binary or text format (what tf.io.write_graph writes; a frozen .pb).\n"
    "Exit status: 0 success, 1 data error (an unsupported op, a missing feed...), 2 usage error.\n";

static const char usage_show[] =
    "usage: tfc graph show FILE\n"
    "Prints the placeholders (dtype and shape), the likely outputs (nodes no other node consumes)\n"
    "and every node as 'name = Op(inputs)' (control inputs as ^name), in the graph's order.\n";

static const char usage_run[] =
    "usage: tfc graph run FILE [--feed NAME=VALUE]... FETCH...\n"
    "Feeds each NAME (a placeholder, or any output 'node:i') with VALUE, a JSON number, bool or\n"
    "string, or nested lists of them ('[[1, 2], [3, 4]]'), of the dtype the graph gives NAME; "
    "then\n"
    "prints one line 'FETCH: VALUE' per FETCH (an output 'node' or 'node:i') as JSON. A FETCH "
    "that\n"
    "names a node without outputs is run for its effects and prints nothing. A value of any\n"
    "shape may be fed, whatever shape the graph declares (as TF's C++ Session allows).\n"
    "Example: tfc graph run addition_int32.pb --feed x=2 --feed y=3 z   prints 'z: 5'\n";

/* Reads and imports FILE; prints the error and returns NULL on failure. */
static tfc_graph *load(const char *path, int *rc) {
    tfc_status st = {0};
    uint8_t *data;
    size_t n;
    if (tfc_gfile_read_all(path, &data, &n, &st) != TFC_OK) {
        *rc = cli_fail(&st);
        return NULL;
    }
    tfc_graph *g = tfc_graph_new();
    tfc_code c = g ? tfc_graph_import(g, data, n, NULL, &st)
                   : tfc_status_set(&st, TFC_RESOURCE_EXHAUSTED, "out of memory");
    tfc_free(data);
    if (c != TFC_OK) {
        tfc_status_prefix(&st, "%s", path);
        tfc_graph_free(g);
        *rc = cli_fail(&st);
        return NULL;
    }
    return g;
}

/* ---- show ---- */

static void print_out(tfc_node *n, int i) {
    char buf[160];
    tfc_out o = tfc_node_output(n, i);
    if (tfc_node_num_outputs(n) > 1)
        printf("  %s:%d: ", tfc_node_name(n), i);
    else
        printf("  %s: ", tfc_node_name(n));
    printf("%s %s (%s)\n", tfc_dtype_name(tfc_out_dtype(o)),
           tfc_shape_to_string(tfc_out_shape(o), buf, sizeof buf), tfc_node_op(n));
}

static int cmd_show(int argc, char **argv) {
    const char *cmd = "graph show", *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        if (path)
            return cli_usage_error(cmd, "expected one FILE, got '%s' and '%s'", path, argv[i]);
        path = argv[i];
    }
    if (!path) return cli_usage_error(cmd, "no FILE given");
    int rc = CLI_OK;
    tfc_graph *g = load(path, &rc);
    if (!g) return rc;
    int64_t n = tfc_graph_num_nodes(g), placeholders = 0;
    unsigned char *consumed = calloc((size_t)n + 1, 1);
    if (!consumed) {
        tfc_graph_free(g);
        fprintf(stderr, "tfc: out of memory\n");
        return CLI_DATA_ERROR;
    }
    for (int64_t i = 0; i < n; i++) {
        tfc_node *node = tfc_graph_node(g, i);
        for (int k = 0; k < tfc_node_num_inputs(node); k++)
            consumed[tfc_node_id(tfc_node_input(node, k).node)] = 1;
        for (int k = 0; k < tfc_node_num_control_inputs(node); k++)
            consumed[tfc_node_id(tfc_node_control_input(node, k))] = 1;
        if (!strcmp(tfc_node_op(node), "Placeholder")) placeholders++;
    }
    printf("%s: %lld nodes, %lld placeholders\n", path, (long long)n, (long long)placeholders);
    printf("placeholders:\n");
    for (int64_t i = 0; i < n; i++) {
        tfc_node *node = tfc_graph_node(g, i);
        if (!strcmp(tfc_node_op(node), "Placeholder")) print_out(node, 0);
    }
    printf("likely outputs (consumed by no other node):\n");
    for (int64_t i = 0; i < n; i++) {
        tfc_node *node = tfc_graph_node(g, i);
        if (consumed[i] || !strcmp(tfc_node_op(node), "Placeholder")) continue;
        if (!tfc_node_num_outputs(node))
            printf("  %s: no outputs, run it as a target (%s)\n", tfc_node_name(node),
                   tfc_node_op(node));
        for (int k = 0; k < tfc_node_num_outputs(node); k++) print_out(node, k);
    }
    printf("nodes:\n");
    for (int64_t i = 0; i < n; i++) {
        tfc_node *node = tfc_graph_node(g, i);
        printf("  %s = %s(", tfc_node_name(node), tfc_node_op(node));
        int k = 0;
        for (; k < tfc_node_num_inputs(node); k++) {
            tfc_out in = tfc_node_input(node, k);
            printf(in.index ? "%s%s:%d" : "%s%s", k ? ", " : "", tfc_node_name(in.node), in.index);
        }
        for (int c = 0; c < tfc_node_num_control_inputs(node); c++, k++)
            printf("%s^%s", k ? ", " : "", tfc_node_name(tfc_node_control_input(node, c)));
        printf(")\n");
    }
    free(consumed);
    tfc_graph_free(g);
    return CLI_OK;
}

/* ---- run: JSON values to tensors ---- */

/* The shape of nested lists (rectangular, at most TFC_MAX_RANK deep); false with a message. */
static bool json_shape(const cJSON *v, tfc_shape *s, int depth, char *err, size_t n) {
    if (!cJSON_IsArray(v)) {
        if (depth == 0) *s = tfc_shape_scalar();
        return true;
    }
    if (depth >= TFC_MAX_RANK) {
        snprintf(err, n, "lists nested deeper than %d", TFC_MAX_RANK);
        return false;
    }
    int len = cJSON_GetArraySize(v);
    if (depth == 0) *s = (tfc_shape){.rank = 0};
    if (s->rank == depth) { /* first visit at this depth decides */
        s->rank = depth + 1;
        s->dims[depth] = len;
        if (len && cJSON_IsArray(v->child) && !json_shape(v->child, s, depth + 1, err, n))
            return false;
    } else if (s->dims[depth] != len) {
        snprintf(err, n, "ragged lists: a list of %d where %lld were expected at depth %d", len,
                 (long long)s->dims[depth], depth);
        return false;
    }
    for (const cJSON *c = v->child; c; c = c->next) {
        bool nested = cJSON_IsArray(c);
        if (nested != (s->rank > depth + 1)) {
            snprintf(err, n, "ragged lists: a %s where %s expected at depth %d",
                     nested ? "list" : "value", nested ? "a value was" : "a list was", depth + 1);
            return false;
        }
        if (nested && !json_shape(c, s, depth + 1, err, n)) return false;
    }
    return true;
}

/* Writes the scalar v as element i of t; false with a message if it does not fit the dtype. */
static bool put_value(tfc_tensor *t, int64_t i, const cJSON *v, char *err, size_t n) {
    tfc_dtype dt = tfc_tensor_dtype(t);
    void *p = tfc_tensor_data(t);
    if (dt == TFC_DT_STRING) {
        if (!cJSON_IsString(v)) return snprintf(err, n, "expected a string"), false;
        return tfc_tensor_set_string(t, i, v->valuestring, strlen(v->valuestring), NULL) == TFC_OK;
    }
    if (dt == TFC_DT_BOOL) {
        if (!cJSON_IsBool(v)) return snprintf(err, n, "expected true or false"), false;
        ((uint8_t *)p)[i] = cJSON_IsTrue(v);
        return true;
    }
    if (!cJSON_IsNumber(v)) return snprintf(err, n, "expected a number"), false;
    double d = v->valuedouble;
    switch (dt) {
    case TFC_DT_FLOAT:
        ((float *)p)[i] = (float)d;
        return true;
    case TFC_DT_DOUBLE:
        ((double *)p)[i] = d;
        return true;
    default:
        break;
    }
    static const struct {
        tfc_dtype dt;
        double lo, hi;
    } ints[] = {{TFC_DT_INT8, -128, 127},
                {TFC_DT_UINT8, 0, 255},
                {TFC_DT_INT16, -32768, 32767},
                {TFC_DT_UINT16, 0, 65535},
                {TFC_DT_INT32, -2147483648.0, 2147483647.0},
                {TFC_DT_UINT32, 0, 4294967295.0},
                {TFC_DT_INT64, -9007199254740992.0, 9007199254740992.0},
                {TFC_DT_UINT64, 0, 9007199254740992.0}};
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        if (ints[k].dt != dt) continue;
        if (d != floor(d) || d < ints[k].lo || d > ints[k].hi)
            return snprintf(err, n, "%g is not a %s", d, tfc_dtype_name(dt)), false;
        switch (dt) {
        case TFC_DT_INT8:
            ((int8_t *)p)[i] = (int8_t)d;
            break;
        case TFC_DT_UINT8:
            ((uint8_t *)p)[i] = (uint8_t)d;
            break;
        case TFC_DT_INT16:
            ((int16_t *)p)[i] = (int16_t)d;
            break;
        case TFC_DT_UINT16:
            ((uint16_t *)p)[i] = (uint16_t)d;
            break;
        case TFC_DT_INT32:
            ((int32_t *)p)[i] = (int32_t)d;
            break;
        case TFC_DT_UINT32:
            ((uint32_t *)p)[i] = (uint32_t)d;
            break;
        case TFC_DT_INT64:
            ((int64_t *)p)[i] = (int64_t)d;
            break;
        default:
            ((uint64_t *)p)[i] = (uint64_t)d;
            break;
        }
        return true;
    }
    return snprintf(err, n, "tfc graph run cannot feed %s values", tfc_dtype_name(dt)), false;
}

static bool fill(tfc_tensor *t, const cJSON *v, int64_t *i, char *err, size_t n) {
    if (!cJSON_IsArray(v)) {
        if (!put_value(t, *i, v, err, n)) return false;
        return ++*i, true;
    }
    for (const cJSON *c = v->child; c; c = c->next)
        if (!fill(t, c, i, err, n)) return false;
    return true;
}

/* A tensor of dtype dt from JSON text; CLI_USAGE with a message naming the feed otherwise. */
static int json_tensor(const char *name, const char *text, tfc_dtype dt, tfc_tensor **out) {
    const char *cmd = "graph run";
    char err[200] = "";
    cJSON *v = cJSON_ParseWithOpts(text, NULL, 1);
    if (!v) return cli_usage_error(cmd, "--feed %s: '%s' is not valid JSON", name, text);
    tfc_shape s;
    tfc_status st = {0};
    int rc = CLI_OK;
    *out = NULL;
    if (!json_shape(v, &s, 0, err, sizeof err)) {
        rc = cli_usage_error(cmd, "--feed %s: %s", name, err);
    } else if (tfc_tensor_new(dt, &s, out, &st) != TFC_OK) {
        rc = cli_fail(&st);
    } else {
        int64_t i = 0;
        if (!fill(*out, v, &i, err, sizeof err)) {
            rc = cli_usage_error(cmd, "--feed %s: element %lld: %s", name, (long long)i, err);
            tfc_tensor_unref(*out);
            *out = NULL;
        }
    }
    cJSON_Delete(v);
    return rc;
}

/* ---- run ---- */

typedef struct run_args {
    const char *path;
    const char **feed_specs, **fetch_names;
    int num_feeds, num_fetches;
} run_args;

static int parse_run(int argc, char **argv, run_args *a) {
    const char *cmd = "graph run";
    for (int i = 1; i < argc; i++) {
        const char *v = cli_flag_value(argc, argv, &i, "--feed");
        if (v) {
            if (!strchr(v, '=') || v[0] == '=')
                return cli_usage_error(cmd, "--feed wants NAME=VALUE, got '%s'", v);
            a->feed_specs[a->num_feeds++] = v;
        } else if (!strcmp(argv[i], "--feed")) {
            return cli_usage_error(cmd, "--feed needs NAME=VALUE");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        } else if (!a->path) {
            a->path = argv[i];
        } else {
            a->fetch_names[a->num_fetches++] = argv[i];
        }
    }
    if (!a->path) return cli_usage_error(cmd, "no FILE given");
    if (!a->num_fetches) return cli_usage_error(cmd, "nothing to fetch: name at least one FETCH");
    return CLI_OK;
}

/* Resolves "node" or "node:i" in g; NOT_FOUND naming the file otherwise. */
static tfc_code find(tfc_graph *g, const char *path, const char *name, tfc_out *o,
                     tfc_node **target, tfc_status *st) {
    *o = tfc_graph_find_output(g, name);
    if (o->node) return TFC_OK;
    tfc_node *n = tfc_graph_find(g, name);
    if (n && target && !tfc_node_num_outputs(n)) {
        *target = n;
        return TFC_OK;
    }
    return tfc_status_set(st, TFC_NOT_FOUND, "%s has no %s '%s'", path,
                          strchr(name, ':') ? "output" : "node", name);
}

static int run_graph(run_args *a, tfc_graph *g) {
    tfc_status st = {0};
    int rc = CLI_OK, nt = 0, nx = 0;
    tfc_feed *feeds = calloc((size_t)a->num_feeds + 1, sizeof *feeds);
    tfc_out *fetches = calloc((size_t)a->num_fetches + 1, sizeof *fetches);
    const char **shown = calloc((size_t)a->num_fetches + 1, sizeof *shown);
    tfc_node **targets = calloc((size_t)a->num_fetches + 1, sizeof *targets);
    tfc_tensor **results = calloc((size_t)a->num_fetches + 1, sizeof *results);
    tfc_session *s = NULL;
    if (!feeds || !fetches || !shown || !targets || !results) {
        fprintf(stderr, "tfc: out of memory\n");
        rc = CLI_DATA_ERROR;
        goto done;
    }
    for (int i = 0; i < a->num_feeds && rc == CLI_OK; i++) {
        const char *eq = strchr(a->feed_specs[i], '=');
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(eq - a->feed_specs[i]), a->feed_specs[i]);
        if (find(g, a->path, name, &feeds[i].out, NULL, &st) != TFC_OK) {
            rc = cli_fail(&st);
            break;
        }
        rc =
            json_tensor(name, eq + 1, tfc_dtype_base(tfc_out_dtype(feeds[i].out)), &feeds[i].value);
    }
    for (int i = 0; i < a->num_fetches && rc == CLI_OK; i++) {
        tfc_node *target = NULL;
        tfc_out o;
        if (find(g, a->path, a->fetch_names[i], &o, &target, &st) != TFC_OK)
            rc = cli_fail(&st);
        else if (target)
            targets[nt++] = target;
        else
            shown[nx] = a->fetch_names[i], fetches[nx++] = o;
    }
    if (rc != CLI_OK) goto done;
    /* Any shape may be fed: trying a graph traced for scalars on lists is the point here. */
    tfc_session_opts opts = {.any_feed_shape = true};
    if (tfc_session_new(g, &opts, &s, &st) != TFC_OK ||
        tfc_session_run(s, feeds, a->num_feeds, fetches, nx, results, targets, nt, &st) != TFC_OK) {
        rc = cli_fail(&st);
        goto done;
    }
    for (int i = 0; i < nx; i++) {
        char *json = tfc_tensor_to_json(results[i]);
        if (!json) {
            fprintf(stderr, "tfc: out of memory printing %s\n", shown[i]);
            rc = CLI_DATA_ERROR;
            break;
        }
        printf("%s: %s\n", shown[i], json);
        tfc_free(json);
    }
done:
    if (results)
        for (int i = 0; i < nx; i++) tfc_tensor_unref(results[i]);
    if (feeds)
        for (int i = 0; i < a->num_feeds; i++) tfc_tensor_unref(feeds[i].value);
    tfc_session_free(s);
    free(feeds), free(fetches), free(shown), free(targets), free(results);
    return rc;
}

static int cmd_run(int argc, char **argv) {
    run_args a = {0};
    a.feed_specs = calloc((size_t)argc + 1, sizeof *a.feed_specs);
    a.fetch_names = calloc((size_t)argc + 1, sizeof *a.fetch_names);
    int rc = a.feed_specs && a.fetch_names ? parse_run(argc, argv, &a) : CLI_DATA_ERROR;
    tfc_graph *g = NULL;
    if (rc == CLI_OK && (g = load(a.path, &rc))) rc = run_graph(&a, g);
    tfc_graph_free(g);
    free(a.feed_specs), free(a.fetch_names);
    fflush(stdout);
    return rc;
}

int cli_graph(int argc, char **argv) {
    static const cli_subcommand subs[] = {{"show", usage_show, cmd_show},
                                          {"run", usage_run, cmd_run}};
    return cli_dispatch("graph", usage_main, subs, (int)(sizeof subs / sizeof subs[0]), argc, argv);
}
