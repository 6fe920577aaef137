// SPDX-License-Identifier: Apache-2.0
/* Compatibility for code written against upstream vAccel, whose logging
 * macros expanded to slog's. Here the slog_<level>() names map onto
 * vaccel_log_print(); there is no separate slog library. */
#pragma once

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

#define slog_error(...) vaccel_log_print(VACCEL_LOG_ERROR, NULL, __VA_ARGS__)
#define slog_warn(...)	vaccel_log_print(VACCEL_LOG_WARN, NULL, __VA_ARGS__)
#define slog_info(...)	vaccel_log_print(VACCEL_LOG_INFO, NULL, __VA_ARGS__)
#define slog_debug(...) vaccel_log_print(VACCEL_LOG_DEBUG, NULL, __VA_ARGS__)
#define slog_trace(...) vaccel_trace(__VA_ARGS__)
#define slog_fatal(...) vaccel_fatal(__VA_ARGS__)

#ifdef __cplusplus
}
#endif
