/* Shapes with unknown rank and unknown dims: construction, checks, element counts that cannot
 * overflow, and TF's compatibility and merge rules. */
#include <stdio.h>
#include <string.h>

#include "tensor/tensor_int.h"

static bool rank_ok(int rank) {
    return rank >= 0 && rank <= TFC_MAX_RANK;
}

tfc_shape tfc_shape_unknown(void) {
    tfc_shape s = {.rank = -1};
    return s;
}

tfc_shape tfc_shape_scalar(void) {
    tfc_shape s = {.rank = 0};
    return s;
}

tfc_shape tfc_shape_make(int rank, const int64_t *dims) {
    if (!rank_ok(rank)) return tfc_shape_unknown();
    tfc_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) {
        s.dims[i] = dims ? dims[i] : -1;
        if (s.dims[i] < -1) return tfc_shape_unknown();
    }
    return s;
}

tfc_code tfc_shape_check(int rank, const int64_t *dims, tfc_status *st) {
    if (rank == -1) return TFC_OK;
    if (rank < -1)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "rank %d is negative (-1 = unknown rank)",
                              rank);
    if (rank > TFC_MAX_RANK)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT, "rank %d is over tfc's maximum of %d", rank,
                              TFC_MAX_RANK);
    for (int i = 0; dims && i < rank; i++)
        if (dims[i] < -1)
            return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                                  "dim %d has size %lld; sizes are >= 0, or -1 for unknown", i,
                                  (long long)dims[i]);
    return TFC_OK;
}

bool tfc_shape_is_fully_defined(const tfc_shape *s) {
    if (!rank_ok(s->rank)) return false;
    for (int i = 0; i < s->rank; i++)
        if (s->dims[i] < 0) return false;
    return true;
}

int64_t tfc_shape_num_elements(const tfc_shape *s) {
    if (!tfc_shape_is_fully_defined(s)) return -1;
    int64_t n = 1;
    bool zero = false;
    for (int i = 0; i < s->rank; i++) zero = zero || s->dims[i] == 0;
    if (zero) return 0; /* [0, 2^40, 2^40] holds nothing, whatever the other dims multiply to */
    for (int i = 0; i < s->rank; i++)
        if (__builtin_mul_overflow(n, s->dims[i], &n)) return -1;
    return n;
}

tfc_code tfc__shape_elements(const tfc_shape *s, const char *what, int64_t *n, tfc_status *st) {
    char buf[16 * (TFC_MAX_RANK + 1)];
    if (!tfc_shape_is_fully_defined(s))
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s has shape %s, which is not fully defined", what,
                              tfc_shape_to_string(s, buf, sizeof buf));
    *n = tfc_shape_num_elements(s);
    if (*n < 0)
        return tfc_status_set(st, TFC_INVALID_ARGUMENT,
                              "%s has shape %s, which has more than 2^63-1 elements", what,
                              tfc_shape_to_string(s, buf, sizeof buf));
    return TFC_OK;
}

bool tfc_shape_equal(const tfc_shape *a, const tfc_shape *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; rank_ok(a->rank) && i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

bool tfc_shape_is_compatible(const tfc_shape *a, const tfc_shape *b) {
    if (!rank_ok(a->rank) || !rank_ok(b->rank)) return true;
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] >= 0 && b->dims[i] >= 0 && a->dims[i] != b->dims[i]) return false;
    return true;
}

bool tfc_shape_merge(const tfc_shape *a, const tfc_shape *b, tfc_shape *out) {
    if (!tfc_shape_is_compatible(a, b)) return false;
    if (!rank_ok(a->rank)) return *out = *b, true;
    if (!rank_ok(b->rank)) return *out = *a, true;
    tfc_shape m = {.rank = a->rank};
    for (int i = 0; i < a->rank; i++) m.dims[i] = a->dims[i] >= 0 ? a->dims[i] : b->dims[i];
    *out = m;
    return true;
}

char *tfc_shape_to_string(const tfc_shape *s, char *buf, size_t n) {
    if (!n) return buf;
    if (!rank_ok(s->rank)) {
        size_t k = n - 1 < 9 ? n - 1 : 9;
        memcpy(buf, "<unknown>", k);
        buf[k] = '\0';
        return buf;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i <= s->rank && len < n; i++) {
        char part[24];
        const char *sep = i ? "," : "[";
        if (i == s->rank)
            snprintf(part, sizeof part, "%s]", i ? "" : "[");
        else if (s->dims[i] < 0)
            snprintf(part, sizeof part, "%s?", sep);
        else
            snprintf(part, sizeof part, "%s%lld", sep, (long long)s->dims[i]);
        size_t k = strlen(part);
        if (k >= n - len) k = n - len - 1; /* truncate, keeping the NUL */
        memcpy(buf + len, part, k);
        len += k;
        buf[len] = '\0';
        if (len == n - 1) break;
    }
    return buf;
}
