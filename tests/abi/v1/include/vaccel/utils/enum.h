// SPDX-License-Identifier: Apache-2.0
/* Helper of the enum-to-string functions of the public headers. Each enum
 * is written out in full in its header (so every name can be found with
 * grep); the name tables live in the library (src/core/names.c). */
#pragma once

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name without its prefix (e.g. "NOOP" for "VACCEL_OP_NOOP"). */
static inline const char *vaccel_enum_base(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	return strncmp(name, prefix, len) == 0 ? name + len : name;
}

#ifdef __cplusplus
}
#endif
