/* DataType names, sizes and the 16-bit float formats: one table of the types tfc holds, plus the
 * names of the ones it does not, so an error can say "DT_COMPLEX64" rather than "dtype 8". */
#include <math.h>
#include <string.h>

#include "tensor/tensor_int.h"

typedef struct dtype_info {
    tfc_dtype dt;
    const char *name;      /* Python's */
    const char *enum_name; /* types.proto's */
    size_t size;
} dtype_info;

static const dtype_info infos[] = {
    {TFC_DT_FLOAT, "float32", "DT_FLOAT", 4},
    {TFC_DT_DOUBLE, "float64", "DT_DOUBLE", 8},
    {TFC_DT_INT32, "int32", "DT_INT32", 4},
    {TFC_DT_UINT8, "uint8", "DT_UINT8", 1},
    {TFC_DT_INT16, "int16", "DT_INT16", 2},
    {TFC_DT_INT8, "int8", "DT_INT8", 1},
    {TFC_DT_STRING, "string", "DT_STRING", 0},
    {TFC_DT_INT64, "int64", "DT_INT64", 8},
    {TFC_DT_BOOL, "bool", "DT_BOOL", 1},
    {TFC_DT_BFLOAT16, "bfloat16", "DT_BFLOAT16", 2},
    {TFC_DT_UINT16, "uint16", "DT_UINT16", 2},
    {TFC_DT_HALF, "float16", "DT_HALF", 2},
    {TFC_DT_RESOURCE, "resource", "DT_RESOURCE", 0},
    {TFC_DT_VARIANT, "variant", "DT_VARIANT", 0},
    {TFC_DT_UINT32, "uint32", "DT_UINT32", 4},
    {TFC_DT_UINT64, "uint64", "DT_UINT64", 8},
};
#define NUM_INFOS (sizeof infos / sizeof infos[0])
/* Tripwire: a dtype added to tensor.h must be added here (and to the proto conversions). */
_Static_assert(NUM_INFOS == 16, "dtype table out of step with tfc_dtype");

/* The enum names of the ref types, so tfc_dtype_enum_name can return a constant string. */
static const char *const ref_enum_names[NUM_INFOS] = {
    "DT_FLOAT_REF",    "DT_DOUBLE_REF",   "DT_INT32_REF",  "DT_UINT8_REF",
    "DT_INT16_REF",    "DT_INT8_REF",     "DT_STRING_REF", "DT_INT64_REF",
    "DT_BOOL_REF",     "DT_BFLOAT16_REF", "DT_UINT16_REF", "DT_HALF_REF",
    "DT_RESOURCE_REF", "DT_VARIANT_REF",  "DT_UINT32_REF", "DT_UINT64_REF",
};
static const char *const ref_names[NUM_INFOS] = {
    "float32_ref",  "float64_ref", "int32_ref",  "uint8_ref",    "int16_ref",  "int8_ref",
    "string_ref",   "int64_ref",   "bool_ref",   "bfloat16_ref", "uint16_ref", "float16_ref",
    "resource_ref", "variant_ref", "uint32_ref", "uint64_ref",
};

static int info_index(tfc_dtype dt) {
    for (size_t i = 0; i < NUM_INFOS; i++)
        if (infos[i].dt == dt) return (int)i;
    return -1;
}

static bool is_ref(tfc_dtype dt) {
    return (int)dt > TFC_DT_REF_OFFSET;
}

tfc_dtype tfc_dtype_base(tfc_dtype dt) {
    return is_ref(dt) ? (tfc_dtype)((int)dt - TFC_DT_REF_OFFSET) : dt;
}

bool tfc_dtype_is_valid(tfc_dtype dt) {
    return info_index(tfc_dtype_base(dt)) >= 0;
}

bool tfc__dtype_holdable(tfc_dtype dt) {
    return !is_ref(dt) && info_index(dt) >= 0 && dt != TFC_DT_RESOURCE && dt != TFC_DT_VARIANT;
}

const char *tfc_dtype_name(tfc_dtype dt) {
    int i = info_index(tfc_dtype_base(dt));
    if (i < 0) return "invalid";
    return is_ref(dt) ? ref_names[i] : infos[i].name;
}

const char *tfc_dtype_enum_name(tfc_dtype dt) {
    int i = info_index(tfc_dtype_base(dt));
    if (i < 0) return "DT_INVALID";
    return is_ref(dt) ? ref_enum_names[i] : infos[i].enum_name;
}

bool tfc_dtype_parse(const char *s, tfc_dtype *out) {
    if (!s) return false;
    static const struct {
        const char *alias;
        tfc_dtype dt;
    } aliases[] = {{"float", TFC_DT_FLOAT}, {"double", TFC_DT_DOUBLE}, {"half", TFC_DT_HALF}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(s, aliases[i].alias)) return *out = aliases[i].dt, true;
    for (size_t i = 0; i < NUM_INFOS; i++) {
        tfc_dtype ref = (tfc_dtype)((int)infos[i].dt + TFC_DT_REF_OFFSET);
        if (!strcmp(s, infos[i].name) || !strcmp(s, infos[i].enum_name))
            return *out = infos[i].dt, true;
        if (!strcmp(s, ref_names[i]) || !strcmp(s, ref_enum_names[i])) return *out = ref, true;
    }
    return false;
}

size_t tfc_dtype_size(tfc_dtype dt) {
    int i = info_index(tfc_dtype_base(dt));
    return i < 0 ? 0 : infos[i].size;
}

const char *tfc__dtype_proto_name(int dt) {
    /* The DataType values tfc does not hold, for error messages only. */
    static const struct {
        int dt;
        const char *name;
    } others[] = {
        {0, "DT_INVALID"},          {8, "DT_COMPLEX64"},
        {11, "DT_QINT8"},           {12, "DT_QUINT8"},
        {13, "DT_QINT32"},          {15, "DT_QINT16"},
        {16, "DT_QUINT16"},         {18, "DT_COMPLEX128"},
        {24, "DT_FLOAT8_E5M2"},     {25, "DT_FLOAT8_E4M3FN"},
        {26, "DT_FLOAT8_E4M3FNUZ"}, {27, "DT_FLOAT8_E4M3B11FNUZ"},
        {28, "DT_FLOAT8_E5M2FNUZ"}, {29, "DT_INT4"},
        {30, "DT_UINT4"},           {31, "DT_INT2"},
        {32, "DT_UINT2"},           {33, "DT_FLOAT4_E2M1FN"},
    };
    if (tfc_dtype_is_valid((tfc_dtype)dt)) return tfc_dtype_enum_name((tfc_dtype)dt);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i].dt == dt) return others[i].name;
    return NULL;
}

float tfc__half_to_float(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24); /* zero and subnormals */
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

float tfc__bfloat16_to_float(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
