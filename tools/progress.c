// SPDX-License-Identifier: Apache-2.0
/* Progress of a large upload on a terminal.
 *
 * The bytes move inside libvaccel and its plugin (the rpc plugin hashes the
 * mapped files, then writes them to the socket or copies them into shared
 * memory), which report nothing while they work. So a thread samples what
 * this process has done, from the kernel's accounting in /proc/self: file
 * pages mapped in (the hashing pass: RssFile), bytes written to files and
 * sockets (wchar) and shared memory filled (RssShmem). Local plugins that
 * only map the files show the first pass. */

#include "cli.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS	    250
#define MIB	    (1024.0 * 1024.0)
#define SENDING_MIN (UINT64_C(1) << 20)

struct counters {
	uint64_t mapped; /* RssFile, bytes */
	uint64_t sent;	 /* wchar + RssShmem, bytes */
};

struct progress {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char what[64];
	uint64_t total;
	struct counters base;
	struct timespec t0;
};

/* The value of "KEY ... N" in a /proc file, times MULT; 0 if absent. */
static uint64_t proc_value(const char *path, const char *key, uint64_t mult)
{
	FILE *f = fopen(path, "r");
	char line[256];
	uint64_t v = 0;
	size_t klen = strlen(key);

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen)) {
			v = strtoull(line + klen, NULL, 10) * mult;
			break;
		}
	}
	if (f)
		fclose(f);
	return v;
}

static void sample(struct counters *c)
{
	c->mapped = proc_value("/proc/self/status", "RssFile:", 1024);
	c->sent = proc_value("/proc/self/io", "wchar:", 1) +
		  proc_value("/proc/self/status", "RssShmem:", 1024);
}

static double elapsed(const struct progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->t0.tv_sec) +
	       (double)(now.tv_nsec - p->t0.tv_nsec) / 1e9;
}

static uint64_t delta(uint64_t now, uint64_t base, uint64_t cap)
{
	uint64_t d = now > base ? now - base : 0;

	return d < cap ? d : cap;
}

/* One line, rewritten in place (\r, then erase to its end). */
static void show(struct progress *p)
{
	struct counters now;
	double t = elapsed(p);

	sample(&now);
	uint64_t hashed = delta(now.mapped, p->base.mapped, p->total);
	uint64_t sent = delta(now.sent, p->base.sent, p->total);

	/* a few KiB of messages are not the upload yet */
	if (sent < SENDING_MIN)
		fprintf(stderr,
			"\r%s %.1f MiB: reading %" PRIu64 "%%, %.0f s\033[K",
			p->what, (double)p->total / MIB,
			hashed * 100 / p->total, t);
	else
		fprintf(stderr,
			"\r%s %.1f MiB: sent %.1f MiB (%" PRIu64
			"%%), %.1f MiB/s, %.0f s\033[K",
			p->what, (double)p->total / MIB, (double)sent / MIB,
			sent * 100 / p->total,
			t > 0 ? (double)sent / MIB / t : 0, t);
	fflush(stderr);
}

static void *run(void *arg)
{
	struct progress *p = arg;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		show(p);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TICK_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_begin(const char *what, uint64_t total)
{
	struct progress *p;

	if (total < CLI_PROGRESS_MIN || !isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->total = total;
	sample(&p->base);
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, run, p)) {
		/* no progress is no reason to fail the upload */
		free(p);
		return NULL;
	}
	return p;
}

void progress_end(struct progress *p, int ret)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (ret)
		fprintf(stderr, "\r%s %.1f MiB: failed after %.1f s\033[K\n",
			p->what, (double)p->total / MIB, elapsed(p));
	else
		fprintf(stderr, "\r%s %.1f MiB: done in %.1f s\033[K\n",
			p->what, (double)p->total / MIB, elapsed(p));
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
