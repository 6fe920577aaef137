// SPDX-License-Identifier: Apache-2.0
/* The agent's own log: stderr, one write(2) per line (lines of concurrent
 * threads never mix), ISO time, level. Independent of libvaccel's log,
 * which the backends use. */

#include "agent.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int alog_level = ALOG_INFO;
char alog_tag[96];

void alog(int level, const char *fmt, ...)
{
	static const char *const names[] = { "", "error", "warn", "info",
					     "debug" };
	if (level > alog_level)
		return;
	char line[2048];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(
		line + n, sizeof(line) - (size_t)n,
		".%03d vaccel-agent[%d]%s%s %s: ", (int)(tv.tv_usec / 1000),
		(int)getpid(), alog_tag[0] ? " " : "", alog_tag, names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}
