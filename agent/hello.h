// SPDX-License-Identifier: Apache-2.0
/* The answer to a HELLO (hello.c), given by the front for a connection's
 * first HELLO (so that a client never waits for its tenant's worker to
 * start before its handshake completes) and by a worker for a later one on
 * the same stream (a new client of a vport). */
#pragma once

#include "codec.h"
#include "msg.h"
#include <stdbool.h>

/* Fill `o` from the client's HELLO; `kv` has room for VRPC_NR_LIMITS. */
void hello_answer(struct vrpc_hello_r *o, const struct vrpc_hello *h,
		  bool shm_ok, uint64_t conn, uint64_t ops, struct vrpc_kv *kv);
