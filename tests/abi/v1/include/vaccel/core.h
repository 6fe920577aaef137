// SPDX-License-Identifier: Apache-2.0
/* Library lifecycle. The library bootstraps itself from the environment when
 * it is loaded (unless VACCEL_BOOTSTRAP_ENABLED=0) and cleans up at exit
 * (unless VACCEL_CLEANUP_ENABLED=0). A failed automatic bootstrap never ends
 * the process: it is logged, and the next vaccel_session_init() returns the
 * error. */
#pragma once

#include "config.h"
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* (Re)initialize from the environment. */
int vaccel_bootstrap(void);
/* (Re)initialize from `config` (copied). */
int vaccel_bootstrap_with_config(struct vaccel_config *config);
/* Release every session, resource and plugin; safe to call twice. */
int vaccel_cleanup(void);
bool vaccel_is_initialized(void);
/* The top-level run directory ("" before bootstrap). */
const char *vaccel_rundir(void);
/* The live configuration (never NULL). */
const struct vaccel_config *vaccel_config(void);
/* The library's version (ours): what VACCEL_VERSION was when libvaccel was
 * built, for bindings that cannot read the header's macro. */
const char *vaccel_version(void);

#ifdef __cplusplus
}
#endif
