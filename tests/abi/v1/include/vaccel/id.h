// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Identifier of sessions and resources: 1, 2, ... (0 = not initialized). */
typedef int64_t vaccel_id_t;

#ifdef __cplusplus
}
#endif
