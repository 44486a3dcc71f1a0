/* Gathers every op family's table for the registry (src/graph/op_registry.c). */
#include "graph/op_def.h"

extern const tfc_op_family tfc__ops_array;
extern const tfc_op_family tfc__ops_base;
extern const tfc_op_family tfc__ops_bn;
extern const tfc_op_family tfc__ops_extra;
extern const tfc_op_family tfc__ops_manip;
extern const tfc_op_family tfc__ops_math;
extern const tfc_op_family tfc__ops_math2;
extern const tfc_op_family tfc__ops_nn;
extern const tfc_op_family tfc__ops_state;

/* Tripwire: adding a family means defining its table in src/ops/<family>.c, listing it here and
 * bumping this count; the registry test then checks that every op of every family parsed and has
 * its kernel and gradient. */
#define TFC__NUM_OP_FAMILIES 9

const tfc_op_family *const tfc__op_families[] = {
    &tfc__ops_array,
    &tfc__ops_base,
    &tfc__ops_bn,
    &tfc__ops_extra,
    &tfc__ops_manip,
    &tfc__ops_math,
    &tfc__ops_math2,
    &tfc__ops_nn,
    &tfc__ops_state,
};
const int tfc__op_num_families = (int)(sizeof tfc__op_families / sizeof tfc__op_families[0]);

_Static_assert(sizeof tfc__op_families / sizeof tfc__op_families[0] == TFC__NUM_OP_FAMILIES,
               "op family list out of step with TFC__NUM_OP_FAMILIES");
