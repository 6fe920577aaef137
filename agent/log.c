// SPDX-License-Identifier: Apache-2.0
/* The agent's own log: stderr, one write(2) per line (lines of concurrent
 * threads never mix), ISO time, level; a worker's stderr is a pipe the
 * front reads and logs with alog_worker (workers_log.c);
 * or, with --log-format json, one JSON object a line for log collectors:
 *   {"time":"2026-12-06T02:20:38.330+0000","level":"info","pid":31882,
 *    "tag":"worker token:alice","msg":"..."}
 * Independent of libvaccel's log, which the backends use. Workers inherit
 * the format with the front's command line. */

#include "agent.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int alog_level = ALOG_INFO;
bool alog_json;
bool alog_relayed;
char alog_tag[96];

#define LINE_MAX_BYTES 4096

/* `len` bytes of `s` (NULs included), at most `size` - 1 bytes out, as
 * the inside of a JSON string, or as text with control characters as
 * \xHH: a client's (or a worker's) string cannot start a line of its own
 * or rewrite one. */
/* The length of the valid UTF-8 sequence at `s` (`left` bytes there), 0
 * if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c >= 0xc2 && c <= 0xdf   ? 2
		   : c >= 0xe0 && c <= 0xef ? 3
		   : c >= 0xf0 && c <= 0xf4 ? 4
					    : 0;
	if (!n || n > left)
		return 0;
	unsigned char lo = c == 0xe0   ? 0xa0
			   : c == 0xf0 ? 0x90
				       : 0x80,
		      hi = c == 0xed   ? 0x9f
			   : c == 0xf4 ? 0x8f
				       : 0xbf;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void escape(char *out, size_t size, const char *s, size_t len, bool json)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 7 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t u;
		/* JSON is UTF-8: a byte that is not part of a valid
		 * sequence (a worker's, a cut line's last character) is
		 * U+FFFD */
		if (json && ch >= 0x80) {
			u = utf8_len((const unsigned char *)s + i, len - i);
			if (!u) {
				n += (size_t)snprintf(out + n, size - n,
						      "\\ufffd");
				continue;
			}
			memcpy(out + n, s + i, u);
			n += u;
			i += u - 1;
		} else if (json && (ch == '"' || ch == '\\'))
			n += (size_t)snprintf(out + n, size - n, "\\%c", ch);
		else if (ch < 0x20 || (!json && ch == 0x7f))
			n += (size_t)snprintf(out + n, size - n,
					      json ? "\\u%04x" : "\\x%02x", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = 0;
}

static int stamp(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, size - n, ".%03d",
			      (int)(tv.tv_usec / 1000));
	if (alog_json)
		n += strftime(out + n, size - n, "%z", &tm);
	return (int)n;
}

/* Write the `n` bytes snprintf made of `line` (`size` bytes: cut to fit
 * with its newline) in one write. */
static void put_line(char *line, size_t size, int n)
{
	if (n < 0)
		return;
	if (n > (int)size - 2)
		n = (int)size - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

void alog(int level, const char *fmt, ...)
{
	static const char *const names[] = { "", "error", "warn", "info",
					     "debug" };
	if (level > alog_level)
		return;
	char msg[2048], when[48], line[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stamp(when, sizeof(when));
	int n;
	if (alog_relayed) {
		char emsg[sizeof(msg) + 64];
		escape(emsg, sizeof(emsg), msg, strlen(msg), false);
		n = snprintf(line, sizeof(line), "%s: %s", names[level], emsg);
	} else if (alog_json) {
		char emsg[sizeof(msg) + 64], etag[sizeof(alog_tag) * 2];
		escape(emsg, sizeof(emsg), msg, strlen(msg), true);
		escape(etag, sizeof(etag), alog_tag, strlen(alog_tag), true);
		n = snprintf(line, sizeof(line),
			     "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%d,"
			     "\"tag\":\"%s\",\"msg\":\"%s\"}",
			     when, names[level], (int)getpid(), etag, emsg);
	} else {
		char emsg[sizeof(msg) + 64], etag[sizeof(alog_tag) * 2];
		escape(emsg, sizeof(emsg), msg, strlen(msg), false);
		escape(etag, sizeof(etag), alog_tag, strlen(alog_tag), false);
		n = snprintf(line, sizeof(line),
			     "%s vaccel-agent[%d]%s%s %s: %s", when,
			     (int)getpid(), etag[0] ? " " : "", etag,
			     names[level], emsg);
	}
	put_line(line, sizeof(line), n);
}

void alog_worker(int pid, const char *tenant, const char *text, size_t len,
		 bool cut)
{
	/* each byte takes at most 6 escaped; the front's poll loop is the
	 * only caller */
	static char etext[6 * ALOG_WORKER_LINE + 8], line[sizeof(etext) + 512];
	char when[48], etag[256];
	if (len > ALOG_WORKER_LINE)
		len = ALOG_WORKER_LINE, cut = true;
	stamp(when, sizeof(when));
	escape(etext, sizeof(etext), text, len, alog_json);
	escape(etag, sizeof(etag), tenant, strlen(tenant), alog_json);
	int n;
	if (alog_json)
		n = snprintf(line, sizeof(line),
			     "{\"time\":\"%s\",\"level\":\"info\",\"pid\":%d,"
			     "\"tag\":\"worker %s\",\"worker_pid\":%d,"
			     "\"output\":\"%s\"%s}",
			     when, (int)getpid(), etag, pid, etext,
			     cut ? ",\"cut\":true" : "");
	else
		n = snprintf(line, sizeof(line),
			     "%s vaccel-agent[%d] worker[%d %s] output: %s%s",
			     when, (int)getpid(), pid, etag, etext,
			     cut ? " [cut]" : "");
	put_line(line, sizeof(line), n);
}
