// SPDX-License-Identifier: Apache-2.0
/* What workers write to their stdout and stderr (workers.c): a worker
 * runs tenants' code, so it does not get the front's log. Its descriptors
 * 1 and 2 are a pipe whose read end the front reads without waiting (a
 * worker that fills it waits itself) and logs line by line as that
 * worker's (alog_worker: the front's time and pid, "worker[PID TENANT]
 * output:", control characters escaped; one JSON record a line with
 * --log-format json). A line is cut at ALOG_WORKER_LINE bytes; each
 * tenant's workers may have WK_LOG_RATE bytes a second logged together
 * (each line counted with the front's prefix; the budget is the tenant's,
 * workers_hist.c, not each worker's: a tenant that crashed ~100 workers a
 * second had 64 KiB a second with each), the rest is left out and
 * counted, and the count logged once a second; the front reads at most
 * WK_READ_RATE bytes of one worker a second, after which that worker's
 * pipe waits for the next second (its writes block, no one else's). What
 * is left in the pipe when a worker ends (a crash's last words, a
 * sanitizer's report) is read before its end is logged, within what is
 * left of its tenant's budget. */

#include "workers_int.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WK_LOG_RATE (64u << 10)
/* what one peer uid's processes' workers share on ?tenant=conn listeners
 * (each process's tenants have WK_LOG_RATE: workers_hist.c) */
#define PEER_LOG_RATE (4 * WK_LOG_RATE)
#define WK_READ_RATE  (8u << 20)
#define WK_LINE_COST  64 /* the front's prefix, counted with each line */
#define WK_LAST_WORDS (1u << 20)
#define SECOND	      1000000000

static void report(struct worker *w)
{
	if (!w->dropped_lines && !w->dropped_bytes)
		return;
	awarn("worker %d of %s: %" PRIu64 " line(s), %" PRIu64
	      " bytes of its output left out (its tenant's over %u bytes a "
	      "second)",
	      (int)w->pid, w->tenant, w->dropped_lines, w->dropped_bytes,
	      WK_LOG_RATE);
	w->dropped_lines = w->dropped_bytes = 0;
}

static void new_second(struct worker *w, int64_t now)
{
	if (now - w->log_second < SECOND)
		return;
	report(w);
	w->log_second = now;
	w->logged = w->log_read = 0;
}

/* The line read so far, logged or counted. */
static void emit(struct worker *w)
{
	size_t cost = w->linelen + WK_LINE_COST;
	if (!w->linelen && !w->cut)
		return;
	/* the tenant's budget this second (the worker's own without) */
	struct hist *h = wk_hist(w);
	struct hist_peer *pe = wk_hist_peer(h);
	uint64_t *logged = h ? &h->logged : &w->logged;
	int64_t now = h ? vrpc_now_ns() : 0;
	if (h && now - h->log_second >= SECOND) {
		h->log_second = now;
		h->logged = 0;
	}
	if (pe && now - pe->log_second >= SECOND) {
		pe->log_second = now;
		pe->logged = 0;
	}
	if (*logged + cost <= WK_LOG_RATE &&
	    (!pe || pe->logged + cost <= PEER_LOG_RATE)) {
		alog_worker((int)w->pid, w->tenant, w->line, w->linelen,
			    w->cut);
		*logged += cost;
		if (pe)
			pe->logged += cost;
	} else {
		w->dropped_lines++;
		w->dropped_bytes += w->linelen;
	}
	w->linelen = 0;
	w->cut = false;
}

static void take(struct worker *w, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		size_t room = ALOG_WORKER_LINE - w->linelen;
		size_t keep = k < room ? k : room;
		memcpy(w->line + w->linelen, p, keep);
		w->linelen += keep;
		if (keep < k) {
			w->cut = true;
			w->dropped_bytes += k - keep;
		}
		if (nl) {
			emit(w);
			k++;
		}
		p += k;
		n -= k;
	}
}

/* One read (at most 64 KiB: others' turn comes in the same loop). 1: read
 * some; 0: nothing now; -1: the pipe ended (closed here). */
static int read_once(struct worker *w)
{
	static char buf[64 << 10];
	ssize_t r = read(w->logfd, buf, sizeof(buf));
	if (r > 0) {
		w->log_read += (uint64_t)r;
		take(w, buf, (size_t)r);
		return 1;
	}
	if (r < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	emit(w); /* a last line without its newline */
	report(w);
	close(w->logfd);
	w->logfd = -1;
	free(w->line);
	w->line = NULL;
	return -1;
}

int wk_log_open(struct worker *w, int fd)
{
	w->line = malloc(ALOG_WORKER_LINE);
	if (!w->line)
		return -1;
	w->logfd = fd;
	return 0;
}

int wk_log_pollfd(struct worker *w, struct pollfd *pf, int64_t *deadline)
{
	if (w->logfd < 0)
		return 0;
	int64_t next = w->log_second + SECOND;
	bool paused = w->log_read >= WK_READ_RATE && vrpc_now_ns() < next;
	/* a new second unpauses it, or reports what was left out */
	if (paused || w->dropped_lines || w->dropped_bytes)
		deadline_min(deadline, next);
	if (paused)
		return 0;
	*pf = (struct pollfd){ .fd = w->logfd, .events = POLLIN };
	return 1;
}

void wk_log_event(struct worker *w)
{
	new_second(w, vrpc_now_ns());
	if (w->log_read < WK_READ_RATE)
		read_once(w);
}

void wk_log_tick(struct worker *w)
{
	if (w->logfd >= 0)
		new_second(w, vrpc_now_ns());
}

void wk_log_close(struct worker *w)
{
	if (w->logfd < 0)
		return;
	report(w);
	/* what a worker wrote before it died, within its tenant's budget
	 * (a budget of its own let each of a crash loop's workers log 64
	 * KiB more); bounded reads (its children, with --worker-exec, may
	 * still hold the pipe) */
	w->log_read = 0;
	if (!wk_hist(w))
		w->logged = 0;
	while (w->logfd >= 0 && w->log_read < WK_LAST_WORDS)
		if (read_once(w) == 0)
			break;
	if (w->logfd >= 0) {
		emit(w);
		report(w);
		close(w->logfd);
		w->logfd = -1;
	}
	free(w->line);
	w->line = NULL;
}
