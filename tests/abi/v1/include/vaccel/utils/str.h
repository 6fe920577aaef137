// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lower-case `str`. With `alloc_lower` non-NULL the result is a new string
 * the caller frees; otherwise it is written to `lower` (`size` bytes,
 * truncated, always NUL-terminated). Returns VACCEL_EINVAL on bad
 * arguments, VACCEL_ENOMEM if allocation fails. */
int vaccel_str_to_lower(const char *str, char *lower, size_t size,
			char **alloc_lower);

#ifdef __cplusplus
}
#endif
