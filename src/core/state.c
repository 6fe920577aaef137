// SPDX-License-Identifier: Apache-2.0
/* The library's state: its configuration, its run directory and whether it
 * is bootstrapped. core.c writes it (bootstrap, cleanup, under its lock);
 * everything else reads it through these functions. */

#include "internal.h"

struct vaccel__state vaccel__state = {
	.config = { .log_level = VACCEL_LOG_ERROR },
	.bootstrap_status = VACCEL_ESESS,
};

const struct vaccel_config *vaccel_config(void)
{
	return &vaccel__state.config;
}

const char *vaccel_version(void)
{
	return VACCEL_VERSION;
}

bool vaccel_is_initialized(void)
{
	return vaccel__state.initialized;
}

const char *vaccel_rundir(void)
{
	return vaccel__state.rundir;
}

/* 0 = ready; otherwise the error of the last bootstrap (what
 * vaccel_session_init() reports) or VACCEL_ESESS if never done. */
static int bootstrap_state(void)
{
	return vaccel__state.initialized ? VACCEL_OK
					 : vaccel__state.bootstrap_status;
}

int vaccel__check_ready(const char *what)
{
	int st = bootstrap_state();
	if (vaccel__unlikely(st)) {
		vaccel_error("%s: vAccel is not initialized (%s)", what,
			     st == VACCEL_ESESS
				     ? "bootstrap disabled or not done"
				     : vaccel_strerror(st));
	}
	return st;
}
