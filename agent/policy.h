// SPDX-License-Identifier: Apache-2.0
/* What clients may name and run (policy.c): the exec allowlist (a library
 * is found under an --exec-allow directory by name or by content hash; a
 * client path is never opened as sent), client names of resource files. */
#pragma once

#include "sha256.h"
#include <stddef.h>

/* Resolve the library name of an EXEC request under the allowlist. Writes
 * the real path. 0, VACCEL_EPERM (exec disabled, or not under an allowed
 * directory). */
int policy_exec_library(const char *name, char *out, size_t size);
/* The real path of an allowlisted file whose content hash is `sha`, or
 * VACCEL_ENOENT. */
int policy_exec_by_hash(const uint8_t sha[VRPC_SHA256_LEN], char *out,
			size_t size);
/* Sanitise a client name (protocol.md §5.3): relative, at most
 * `max_parts` components. 0 or VACCEL_EINVAL. */
int policy_sanitize_name(const char *in, int max_parts, char *out, size_t size);
