// SPDX-License-Identifier: Apache-2.0
/* Logging: one line per message, to stdout (through stdio, so that lines keep
 * their order relative to the application's own printf output) or appended
 * to VACCEL_LOG_FILE with one write(2) per line. */

#include "internal.h"
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

_Atomic int vaccel__log_level = VACCEL_LOG_ERROR;

/* -1: stdout through stdio; otherwise a file descriptor we own. */
static int log_fd = -1;
static bool log_color;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_tag[VACCEL_LOG_MAX] = {
	[VACCEL_LOG_ERROR] = "error",
	[VACCEL_LOG_WARN] = "warn",
	[VACCEL_LOG_INFO] = "info",
	[VACCEL_LOG_DEBUG] = "debug",
};

static const char *const level_color[VACCEL_LOG_MAX] = {
	[VACCEL_LOG_ERROR] = "\033[31m",
	[VACCEL_LOG_WARN] = "\033[33m",
	[VACCEL_LOG_INFO] = "\033[32m",
	[VACCEL_LOG_DEBUG] = "\033[34m",
};

int vaccel_log_enabled(vaccel_log_level_t level)
{
	int cur =
		atomic_load_explicit(&vaccel__log_level, memory_order_relaxed);
	return (int)level >= VACCEL_LOG_ERROR && (int)level <= cur;
}

/* Levels 1..4 print up to that level; anything else prints nothing. */
static int effective_level(int level)
{
	return (level >= VACCEL_LOG_ERROR && level <= VACCEL_LOG_DEBUG) ? level
									: 0;
}

int vaccel__log_open(const struct vaccel_config *config)
{
	int fd = -1;
	const char *file = config ? config->log_file : NULL;

	if (file && *file && strcmp(file, "/dev/stdout") != 0) {
		fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0644);
		if (fd < 0)
			fprintf(stderr,
				"vaccel: cannot open log file %s: %s; logging "
				"to stdout\n",
				file, strerror(errno));
	}

	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_color = fd < 0 ? isatty(STDOUT_FILENO) : isatty(fd);
	pthread_mutex_unlock(&log_lock);

	atomic_store(&vaccel__log_level,
		     effective_level(config ? (int)config->log_level
					    : VACCEL_LOG_ERROR));
	return VACCEL_OK;
}

void vaccel__log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	pthread_mutex_unlock(&log_lock);
}

/* "YYYY.MM.DD-HH:MM:SS.cc - " (local time, hundredths of a second). */
static size_t format_prefix(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	int n = snprintf(buf, size, "%04d.%02d.%02d-%02d:%02d:%02d.%02ld - ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)(tv.tv_usec / 10000));
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static void emit(const char *line, size_t len)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		ssize_t w = write(log_fd, line, len);
		(void)w; /* nowhere to report a failed log write */
	} else {
		fwrite(line, 1, len, stdout);
		fflush(stdout);
	}
	pthread_mutex_unlock(&log_lock);
}

void vaccel_log_print(vaccel_log_level_t level, const char *where,
		      const char *fmt, ...)
{
	if (!vaccel_log_enabled(level) || !fmt)
		return;

	char line[4096];
	size_t len = format_prefix(line, sizeof(line));
	const char *c0 = log_color ? level_color[level] : "";
	const char *c1 = log_color ? "\033[0m" : "";
	int n = snprintf(line + len, sizeof(line) - len, "%s<%s>%s %s%s%s", c0,
			 level_tag[level], c1, where ? "[" : "",
			 where ? where : "", where ? "] " : "");
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n
						      : sizeof(line) - len - 1;

	va_list ap;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n
						      : sizeof(line) - len - 1;

	/* Always end with exactly one newline, even when truncated. */
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	emit(line, len);
}
