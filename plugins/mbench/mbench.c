// SPDX-License-Identifier: Apache-2.0
/* The mbench plugin: an EXEC op that burns a given amount of CPU time, to
 * measure what vAccel adds around a call of known length (locally, or
 * through a transport). Contract (docs/plugins/mbench.md):
 *   vaccel_exec(sess, "mbench", "mbench", read, nr_read >= 2, ...)
 *   read[0]: the milliseconds as a decimal string, 1..300000;
 *   read[1]: any payload (only its size is looked at);
 * library or fn_symbol must be "mbench". It spins on CLOCK_MONOTONIC_RAW
 * and times each call in the profiling region "vaccel_mbench_plugin",
 * printed when the plugin is unloaded. */

#include <vaccel.h>
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAG	 "[mbench] "
#define LOG(...) vaccel_debug(TAG __VA_ARGS__)
#define NAME	 "mbench"
#define REGION	 "vaccel_mbench_plugin"
#define MS_MAX	 300000L

static struct vaccel_prof_region region = VACCEL_PROF_REGION_INIT(REGION);
/* samples are start/stop pairs: one call at a time while profiling */
static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Busy-wait (not sleep): the point is to occupy the CPU like real work. */
static void spin_ms(long ms)
{
	const uint64_t end = now_ns() + (uint64_t)ms * 1000000u;

	while (now_ns() < end)
		;
}

/* The milliseconds of `a`: decimal digits, optionally surrounded by
 * blanks, within the arg's size (it need not be NUL-terminated). 0 if
 * not a number. */
static long parse_ms(const struct vaccel_arg *a)
{
	char s[24];
	size_t n = 0;

	if (!a->buf || !a->size)
		return 0;
	const char *p = a->buf;
	while (n < a->size && p[n] && n < sizeof(s) - 1) {
		s[n] = p[n];
		n++;
	}
	if (n < a->size && p[n] && n == sizeof(s) - 1)
		return 0; /* too long to be in range */
	s[n] = '\0';

	char *end;
	const char *q = s;
	while (isspace((unsigned char)*q))
		q++;
	if (!isdigit((unsigned char)*q))
		return 0;
	long ms = strtol(q, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return *end ? 0 : ms;
}

static int mbench_exec(struct vaccel_session *sess, const char *library,
		       const char *fn_symbol, struct vaccel_arg *read,
		       size_t nr_read, struct vaccel_arg *write,
		       size_t nr_write)
{
	if (!(library && !strcmp(library, NAME)) &&
	    !(fn_symbol && !strcmp(fn_symbol, NAME))) {
		vaccel_error(TAG "Unknown library/function %s/%s (expected "
				 "\"" NAME "\")",
			     library ? library : "(null)",
			     fn_symbol ? fn_symbol : "(null)");
		return VACCEL_EINVAL;
	}
	if (nr_read < 2 || !read) {
		vaccel_error(TAG "Expected 2 read args (time in ms, payload), "
				 "got %zu",
			     nr_read);
		return VACCEL_EINVAL;
	}
	long ms = parse_ms(&read[0]);
	if (ms < 1 || ms > MS_MAX) {
		vaccel_error(TAG "Invalid time: read[0] must be 1..%ld ms as a "
				 "decimal string",
			     MS_MAX);
		return VACCEL_EINVAL;
	}
	LOG("session %" PRId64 ": spinning %ld ms (payload %zu bytes)",
	    sess->id, ms, read[1].size);

	bool prof = vaccel_prof_enabled();
	if (prof) {
		pthread_mutex_lock(&region_lock);
		vaccel_prof_region_start(&region);
	}
	spin_ms(ms);
	if (prof) {
		vaccel_prof_region_stop(&region);
		pthread_mutex_unlock(&region_lock);
	}
	return VACCEL_OK;
}

static int mbench_init(void)
{
	/* a fresh region if the plugin is loaded again in this process */
	region = (struct vaccel_prof_region)VACCEL_PROF_REGION_INIT(REGION);
	return VACCEL_OK;
}

static int mbench_fini(void)
{
	pthread_mutex_lock(&region_lock);
	vaccel_prof_region_print(&region);
	vaccel_prof_region_release(&region);
	pthread_mutex_unlock(&region_lock);
	return VACCEL_OK;
}

static const struct vaccel_plugin_op ops[] = {
	VACCEL_PLUGIN_OP(EXEC, mbench_exec),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "mbench", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_SOFTWARE |
				 VACCEL_PLUGIN_GENERIC | VACCEL_PLUGIN_CPU,
			 .init = mbench_init, .fini = mbench_fini, .ops = ops,
			 .nr_ops = sizeof(ops) / sizeof(ops[0]));
