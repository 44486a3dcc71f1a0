/* Status codes with TF's names, and messages that accumulate context as errors travel up. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tfc/base.h"

static const char *const code_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *tfc_code_name(tfc_code code) {
    if ((unsigned)code >= sizeof code_names / sizeof code_names[0]) return "UNKNOWN_CODE";
    return code_names[code];
}

tfc_code tfc_status_set(tfc_status *st, tfc_code code, const char *fmt, ...) {
    if (!st) return code;
    st->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return code;
}

void tfc_status_clear(tfc_status *st) {
    if (!st) return;
    st->code = TFC_OK;
    st->msg[0] = '\0';
}

void tfc_status_prefix(tfc_status *st, const char *fmt, ...) {
    if (!st) return;
    char prefix[TFC_STATUS_MSG_MAX], old[TFC_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, st->msg, sizeof old);
    /* Truncation is the intent: the message keeps as much as fits. */
    size_t n = strlen(prefix);
    memcpy(st->msg, prefix, n);
    if (n + 2 < sizeof st->msg) {
        memcpy(st->msg + n, ": ", 2);
        n += 2;
        size_t rest = strlen(old);
        if (rest > sizeof st->msg - 1 - n) rest = sizeof st->msg - 1 - n;
        memcpy(st->msg + n, old, rest);
        n += rest;
    }
    st->msg[n] = '\0';
}
