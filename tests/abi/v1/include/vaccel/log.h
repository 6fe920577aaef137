// SPDX-License-Identifier: Apache-2.0
/* Logging. The vaccel_<level>() macros are printf-style and usable from
 * applications and plugins. Lines look like
 *   2026.11.21-22:01:55.63 - <info> message
 * and go to stdout, or to VACCEL_LOG_FILE (a path, appended to; "/dev/stderr"
 * works). Each line is written with one write(2), so lines of concurrent
 * threads never interleave. */
#pragma once

#include "utils/enum.h"
#include <slog.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	VACCEL_LOG_ERROR = 1,
	VACCEL_LOG_WARN = 2,
	VACCEL_LOG_INFO = 3,
	VACCEL_LOG_DEBUG = 4,
	VACCEL_LOG_MAX = 5,
} vaccel_log_level_t;

/* The full name of a value ("VACCEL_..."); "..._MAX" if unknown. */
const char *vaccel_log_level_name(vaccel_log_level_t l);

static inline const char *vaccel_log_level_to_str(vaccel_log_level_t l)
{
	return vaccel_log_level_name(l);
}

static inline const char *vaccel_log_level_to_base_str(vaccel_log_level_t l)
{
	return vaccel_enum_base(vaccel_log_level_to_str(l), "VACCEL_LOG_");
}

/* Print one log line at `level` if that level is enabled. `where` is NULL or
 * a "file:line" prefix. */
void vaccel_log_print(vaccel_log_level_t level, const char *where,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True if messages of `level` are printed (cheap; use it to skip building
 * expensive messages). */
int vaccel_log_enabled(vaccel_log_level_t level);

#define VACCEL__STR2(x) #x
#define VACCEL__STR(x)	VACCEL__STR2(x)
#define VACCEL__WHERE	__FILE__ ":" VACCEL__STR(__LINE__)

#define vaccel_error(...) vaccel_log_print(VACCEL_LOG_ERROR, NULL, __VA_ARGS__)
#define vaccel_warn(...)  vaccel_log_print(VACCEL_LOG_WARN, NULL, __VA_ARGS__)
#define vaccel_info(...)  vaccel_log_print(VACCEL_LOG_INFO, NULL, __VA_ARGS__)
#define vaccel_debug(...) vaccel_log_print(VACCEL_LOG_DEBUG, NULL, __VA_ARGS__)
/* trace: debug level with the source location; fatal: error level with the
 * source location. Neither ends the process. */
#define vaccel_trace(...) \
	vaccel_log_print(VACCEL_LOG_DEBUG, VACCEL__WHERE, __VA_ARGS__)
#define vaccel_fatal(...) \
	vaccel_log_print(VACCEL_LOG_ERROR, VACCEL__WHERE, __VA_ARGS__)

/* (Re)open the log sink from the current configuration. Called by
 * bootstrap; applications rarely need it. */
int vaccel_log_init(void);
int vaccel_log_shutdown(void);

#ifdef __cplusplus
}
#endif
