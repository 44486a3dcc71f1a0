/* The test-only trace hook (trace.h). */
#include "base/trace.h"

void (*tfc__trace)(tfc__trace_kind kind, const char *op);
