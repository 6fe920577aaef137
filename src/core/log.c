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

/* ---- the calling thread's error reason (vaccel/error.h) ---- */

/* The reason of the call in progress (or last failed) on this thread: the
 * first line given to vaccel_fail() since the call began, else the first
 * error line logged. Later lines (usually wrappers of the first) do not
 * replace it; `chosen` marks a vaccel_fail() reason. */
static _Thread_local struct {
	char msg[VACCEL__REASON_MAX];
	bool set, chosen;
} reason;

void vaccel__reason_begin(void)
{
	reason.set = reason.chosen = false;
	reason.msg[0] = '\0';
}

bool vaccel__reason_set(void)
{
	return reason.set;
}

static void reason_set(const char *msg, bool chosen)
{
	if (reason.chosen || (reason.set && !chosen))
		return;
	/* msg may be the current reason itself (a plugin quoting it) */
	memmove(reason.msg, msg, strnlen(msg, sizeof(reason.msg) - 1));
	reason.msg[strnlen(msg, sizeof(reason.msg) - 1)] = '\0';
	reason.set = true;
	reason.chosen = chosen;
}

const char *vaccel_last_error(void)
{
	return reason.msg;
}

void vaccel_last_error_clear(void)
{
	vaccel__reason_begin();
}

/* Append at most what fits, keeping the line NUL-terminated. */
static size_t add_len(size_t len, int n, size_t size)
{
	if (n <= 0)
		return len;
	return len + ((size_t)n < size - len ? (size_t)n : size - len - 1);
}

static void log_vprint(vaccel_log_level_t level, const char *where, bool chosen,
		       const char *fmt, va_list ap)
{
	char line[4096];
	size_t len = format_prefix(line, sizeof(line));
	const char *c0 = log_color ? level_color[level] : "";
	const char *c1 = log_color ? "\033[0m" : "";
	int n = snprintf(line + len, sizeof(line) - len, "%s<%s>%s %s%s%s", c0,
			 level_tag[level], c1, where ? "[" : "",
			 where ? where : "", where ? "] " : "");
	len = add_len(len, n, sizeof(line));
	size_t text = len;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len = add_len(len, n, sizeof(line));
	if (level == VACCEL_LOG_ERROR)
		reason_set(line + text, chosen);

	/* Always end with exactly one newline, even when truncated. */
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (vaccel_log_enabled(level))
		emit(line, len);
}

void vaccel_log_print(vaccel_log_level_t level, const char *where,
		      const char *fmt, ...)
{
	/* Error lines are formatted even when not printed: they are the
	 * thread's error reason (vaccel_last_error()). */
	if (!fmt || (level != VACCEL_LOG_ERROR && !vaccel_log_enabled(level)))
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vprint(level, where, false, fmt, ap);
	va_end(ap);
}

int vaccel_fail(int err, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		log_vprint(VACCEL_LOG_ERROR, NULL, true, fmt, ap);
		va_end(ap);
	}
	return err;
}
