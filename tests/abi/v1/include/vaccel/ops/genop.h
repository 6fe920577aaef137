// SPDX-License-Identifier: Apache-2.0
/* The generic op: any op as a list of typed args. read[0] is a UINT8 arg
 * holding the op number; the rest follow the per-op layout documented in
 * docs/genop.md (upstream's layout for ops 1..23, ours for the extensions). */
#pragma once

#include "vaccel/arg.h"
#include "vaccel/session.h"

#ifdef __cplusplus
extern "C" {
#endif

int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read,
		 int nr_read, struct vaccel_arg *write, int nr_write);

#ifdef __cplusplus
}
#endif
