// SPDX-License-Identifier: Apache-2.0
/* The shared-secret token of the handshake (docs/security.md), as both
 * ends read it from a file: the client (VACCEL_RPC_TOKEN_FILE) and the
 * agent (--token-file). */
#pragma once

#include "wire.h"
#include <stddef.h>
#include <stdint.h>

/* Read the token in file `path`: its bytes without trailing newlines,
 * carriage returns and spaces (an editor's final newline is not part of
 * the token). 0 and *len (0 for an empty file); VACCEL_EIO if it cannot
 * be read; VACCEL_EINVAL if it holds more than VRPC_MAX_TOKEN bytes. */
int vrpc_token_read(const char *path, uint8_t token[VRPC_MAX_TOKEN],
		    size_t *len);
