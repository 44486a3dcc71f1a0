/* Private to src/graph: the graph and node layout, attr values, and the helpers the graph's
 * files share (name maps, node creation, GraphDef conversion). */
#ifndef TFC_GRAPH_INT_H
#define TFC_GRAPH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/op_def.h"
#include "proto/attr_value.pb-c.h"
#include "proto/function.pb-c.h"
#include "proto/graph.pb-c.h"
#include "proto/proto_util.h"
#include "tfc/graph.h"

/* The GraphDef producer version tfc writes (VersionDef.producer). TF loads any producer at or
 * above its minimum (0); a low fixed one keeps clear of ops TF deprecates at later versions, and
 * being fixed keeps exports byte-identical. */
#define TFC_GRAPH_DEF_PRODUCER 134

/* ---- strmap.c: string -> int64 open-addressing map. Keys are borrowed: the owner keeps them
 * alive (node names, or strings in the graph's arena). ---- */
typedef struct tfc__strmap_slot {
    const char *key; /* NULL = empty */
    int64_t val;
} tfc__strmap_slot;

typedef struct tfc__strmap {
    tfc__strmap_slot *slots;
    size_t cap, n; /* cap a power of two, kept at most half full */
} tfc__strmap;

bool tfc__strmap_get(const tfc__strmap *m, const char *key, int64_t *val);
/* Inserts or replaces. RESOURCE_EXHAUSTED when the table cannot grow. */
tfc_code tfc__strmap_put(tfc__strmap *m, const char *key, int64_t val);
/* Makes room for `more` insertions that then cannot fail. */
bool tfc__strmap_reserve(tfc__strmap *m, size_t more);
void tfc__strmap_free(tfc__strmap *m);

/* ---- attr.c: attr values (AttrValue as tfc holds it) ---- */
typedef enum tfc__av_kind {
    TFC__AV_NONE, /* an AttrValue with no value set */
    TFC__AV_S,
    TFC__AV_I,
    TFC__AV_F,
    TFC__AV_B,
    TFC__AV_TYPE,
    TFC__AV_SHAPE,
    TFC__AV_TENSOR,
    TFC__AV_PLACEHOLDER,
    TFC__AV_FUNC,
    TFC__AV_LIST,
} tfc__av_kind;

typedef struct tfc__str {
    char *p; /* owned, NUL-terminated after n bytes */
    size_t n;
} tfc__str;

typedef struct tfc__attr tfc__attr;

typedef struct tfc__func {
    char *name;
    tfc__attr *attrs; /* sorted by name */
    int n_attrs;
} tfc__func;

/* AttrValue.ListValue: every sub-list as protobuf carries them (normally at most one is used). */
typedef struct tfc__list {
    int n_s, n_i, n_f, n_b, n_type, n_shape, n_tensor, n_func;
    tfc__str *s;
    int64_t *i;
    float *f;
    bool *b;
    tfc_dtype *type;
    tfc_shape *shape;
    tfc_tensor **tensor; /* one reference each */
    tfc__func *func;
} tfc__list;

typedef struct tfc__attr_value {
    tfc__av_kind kind;
    union {
        tfc__str s; /* S and PLACEHOLDER */
        int64_t i;
        float f;
        bool b;
        tfc_dtype type;
        tfc_shape shape;
        tfc_tensor *tensor; /* one reference */
        tfc__func *func;
        tfc__list *list;
    };
} tfc__attr_value;

struct tfc__attr {
    char *name;
    tfc__attr_value v;
};

void tfc__attr_value_clear(tfc__attr_value *v); /* frees and leaves NONE */
void tfc__attrs_free(tfc__attr *a, int n);
/* Binary search in an array sorted by name; NULL if absent. */
tfc__attr *tfc__attrs_find(const tfc__attr *a, int n, const char *name);
/* Inserts (keeping the order) or replaces name's value, taking *v (left NONE, also on error).
 * *cap may be 0. */
tfc_code tfc__attrs_put(tfc__attr **a, int *n, int *cap, const char *name, tfc__attr_value *v);
/* Sorts an array in any order by name; of equal names the last one stays (protobuf map
 * semantics). RESOURCE_EXHAUSTED leaves it as it was. */
tfc_code tfc__attrs_sort(tfc__attr *a, int *n);
/* "int", "list(type)", "shape", ... (for an empty list: "list"). */
const char *tfc__attr_value_kind_name(const tfc__attr_value *v);
/* Whether v can be the value of an attr declared as kind (an empty list fits every list kind). */
bool tfc__attr_value_fits(const tfc__attr_value *v, tfc_attr_kind kind);
const char *tfc__attr_kind_name(tfc_attr_kind kind);
/* A dtype for messages: "float32", or TF's enum name for types tfc does not hold ("DT_COMPLEX64"),
 * or "DataType 99". buf needs 24 bytes. */
const char *tfc__dtype_str(tfc_dtype dt, char *buf, size_t n);

/* ---- attr_pb.c ---- */
/* Converts an AttrValue message (shape and tensor values checked by the tensor part). */
tfc_code tfc__attr_from_pb(const Tensorflow__AttrValue *pb, tfc__attr_value *out, tfc_status *st);
/* Builds an AttrValue message for v in the arena (NULL and a->oom when out of memory). */
Tensorflow__AttrValue *tfc__attr_to_pb(const tfc__attr_value *v, tfc__arena *a);
/* Parses an op's default text (op_def.h syntax) into a value of the attr's kind. */
tfc_code tfc__attr_parse_default(const tfc_attr_def *def, tfc__attr_value *out, tfc_status *st);

/* ---- op_spec.c / op_registry.c ---- */
/* Parses one spec into def (plain malloc: the registry lives for the process). INVALID_ARGUMENT
 * naming the op and the problem; def is left empty then. */
tfc_code tfc__op_def_parse(const tfc_op_spec *spec, tfc_op_def *def, tfc_status *st);
void tfc__op_def_release(tfc_op_def *def);
/* A type name as op specs write it ("float", "int32", "half", "complex64") -> DataType. */
bool tfc__tf_type_name(const char *s, size_t n, tfc_dtype *out);

/* ---- Nodes and graphs ---- */
struct tfc_node {
    tfc_graph *graph;
    int64_t id;
    char *name, *op_name, *device; /* device "" when unset */
    const tfc_op_def *op;
    tfc_out *inputs;
    int num_inputs;
    tfc_node **ctrl;
    int num_ctrl;
    tfc__attr *attrs; /* sorted by name */
    int num_attrs;
    int num_outputs;
    tfc_dtype *out_dtypes;
    tfc_shape *out_shapes;
};

typedef struct tfc__ctrl_frame {
    tfc_node **nodes;
    int n;
    int64_t first_id; /* nodes created while the frame is pushed have id >= first_id */
} tfc__ctrl_frame;

typedef struct tfc__collection {
    const char *key; /* in the graph's string arena */
    tfc_out *items;
    int n, cap;
} tfc__collection;

struct tfc_graph {
    tfc_node **nodes;
    int64_t n_nodes, cap_nodes;
    tfc__strmap by_name;      /* exact node name -> index */
    tfc__strmap names_in_use; /* lower-cased name -> use count, TF's Graph._names_in_use */
    tfc__arena strings;       /* names handed to callers, map keys */
    const char **scopes;      /* scope stack (full names, "" = top); current = last */
    int n_scopes, cap_scopes;
    tfc__ctrl_frame *ctrl;
    int n_ctrl, cap_ctrl;
    tfc__collection *colls;
    int n_colls, cap_colls;
    Tensorflow__FunctionDefLibrary *library; /* kept from imports; NULL if none */
    tfc_status status;                       /* sticky */
};

/* A node being assembled (by the builder, or from a NodeDef). */
typedef struct tfc__pending {
    char *name; /* final full name */
    char *op, *device;
    tfc_out *inputs;
    int n_inputs, cap_inputs;
    int *groups; /* builder: inputs per argument (-1 = one add_input); NULL when from a NodeDef */
    int n_groups, cap_groups;
    tfc_node **ctrl;
    int n_ctrl, cap_ctrl;
    tfc__attr *attrs;
    int n_attrs, cap_attrs;
} tfc__pending;

/* node_builder.c */
void tfc__pending_clear(tfc__pending *p);
tfc_code tfc__pending_add_input(tfc__pending *p, tfc_out in);
tfc_code tfc__pending_add_ctrl(tfc__pending *p, tfc_node *n); /* duplicates: see below */
/* Removes duplicate control inputs (call before the list is used). */
void tfc__pending_unique_ctrl(tfc__pending *p);

/* node_make.c: validates p against its op (UNIMPLEMENTED for an unknown op; attrs inferred,
 * defaulted and checked; input dtypes checked), runs shape inference and appends the node to g
 * (whose name maps must not hold p->name yet). p is cleared either way. Errors name the node and
 * go to st only (the caller decides whether they stick). */
tfc_code tfc__node_make(tfc_graph *g, tfc__pending *p, tfc_node **out, tfc_status *st);

/* graph.c */
void tfc__node_free(tfc_node *n);
/* Room for `more` nodes, so that tfc__graph_append cannot fail. */
tfc_code tfc__graph_reserve(tfc_graph *g, int64_t more, tfc_status *st);
/* Adds a node to g's array and name map (sets its graph and id). */
void tfc__graph_append(tfc_graph *g, tfc_node *n);
/* Makes st g's sticky error unless g already holds one; returns g's code. */
tfc_code tfc__graph_set_error(tfc_graph *g, const tfc_status *st);

/* graph_names.c */
/* The key of a full name in names_in_use (lower-cased, in g's arena); NULL when out of memory. */
char *tfc__names_key(tfc_graph *g, const char *name);
/* Marks a full name as used (TF's _names_in_use) so later unique names avoid it. */
tfc_code tfc__names_mark_used(tfc_graph *g, const char *name);
/* The full name a new node with base name `name` gets: scoped and uniquified, or exactly `name`
 * without its trailing '/' when it ends in one. In the graph's arena; NULL (error set) if out of
 * memory. */
const char *tfc__node_full_name(tfc_graph *g, const char *name);
/* Whether s is a valid node name (TF: [A-Za-z0-9.][A-Za-z0-9_.\-/>]*). */
bool tfc__valid_node_name(const char *s);

/* graphdef_library.c: merging an imported GraphDef's library into g's, in two steps so that an
 * import changes nothing unless it succeeds: prepare checks for functions defined differently and
 * makes room; commit moves the new entries over (and cannot fail). */
typedef struct tfc__lib_plan {
    Tensorflow__FunctionDefLibrary *src;
    bool take_whole;                      /* g has no library yet: it takes src */
    unsigned char *add_f, *add_g, *add_r; /* per entry of src: new to g */
} tfc__lib_plan;
tfc_code tfc__library_prepare(tfc_graph *g, Tensorflow__FunctionDefLibrary *src,
                              tfc__lib_plan *plan, tfc_status *st);
void tfc__library_commit(tfc_graph *g, Tensorflow__GraphDef *gd, tfc__lib_plan *plan);
void tfc__library_plan_free(tfc__lib_plan *plan);

/* shape_ctx.c: runs n's shape function; fills n->out_shapes. */
tfc_code tfc__shape_infer(tfc_node *n, tfc_status *st);

#endif
