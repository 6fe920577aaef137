// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "log.h"
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Library configuration. Strings are owned by the config (copied on init,
 * freed on release). */
struct vaccel_config {
	/* ':'-separated plugin list (paths or sonames), or NULL */
	char *plugins;

	/* messages up to this level are printed (1..4) */
	vaccel_log_level_t log_level;

	/* log file path, or NULL for stdout */
	char *log_file;

	/* collect profiling samples */
	bool profiling_enabled;

	/* ignored (kept for compatibility): plugins are checked by ABI
	 * version, not by version string */
	bool version_ignore;
};

int vaccel_config_init(struct vaccel_config *config, const char *plugins,
		       vaccel_log_level_t log_level, const char *log_file,
		       bool profiling_enabled, bool version_ignore);
/* Read VACCEL_PLUGINS, VACCEL_LOG_LEVEL, VACCEL_LOG_FILE,
 * VACCEL_PROFILING_ENABLED, VACCEL_VERSION_IGNORE (and the deprecated
 * VACCEL_BACKENDS, VACCEL_DEBUG_LEVEL, VACCEL_IGNORE_VERSION, with a warning
 * on stderr). A malformed number gives VACCEL_EINVAL. */
int vaccel_config_init_from_env(struct vaccel_config *config);
int vaccel_config_init_from(struct vaccel_config *config,
			    struct vaccel_config *src);
int vaccel_config_release(struct vaccel_config *config);
int vaccel_config_new(struct vaccel_config **config, const char *plugins,
		      vaccel_log_level_t log_level, const char *log_file,
		      bool profiling_enabled, bool version_ignore);
int vaccel_config_from_env(struct vaccel_config **config);
int vaccel_config_from(struct vaccel_config **config,
		       struct vaccel_config *src);
int vaccel_config_delete(struct vaccel_config *config);
void vaccel_config_print_debug(struct vaccel_config *config);

#ifdef __cplusplus
}
#endif
