// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "vaccel/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An op that does nothing: measures the cost of a call. */
int vaccel_noop(struct vaccel_session *sess);

#ifdef __cplusplus
}
#endif
