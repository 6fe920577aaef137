// SPDX-License-Identifier: Apache-2.0
/* Functions for the exec plugin tests, with the prototype the plugin calls.
 * No libvaccel dependency: the args are read directly. */
#include "testlibs.h"
#include <vaccel/arg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static int get_i32(const struct vaccel_arg *a, int32_t *v)
{
	if (!a || !a->buf || a->size != sizeof(*v))
		return -1;
	memcpy(v, a->buf, sizeof(*v));
	return 0;
}

/* write[0] = 2 * read[0] (INT32) */
int double_it(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	      size_t nr_write)
{
	int32_t v;

	if (nr_read < 1 || nr_write < 1 || get_i32(&read[0], &v) ||
	    !write[0].buf || write[0].size != sizeof(v))
		return 1;
	v *= 2;
	memcpy(write[0].buf, &v, sizeof(v));
	return 0;
}

/* write[0] = sum of every read arg (INT32) */
int sum(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	size_t nr_write)
{
	int32_t s = 0, v;

	for (size_t i = 0; i < nr_read; i++) {
		if (get_i32(&read[i], &v))
			return 2;
		s += v;
	}
	if (nr_write < 1 || !write[0].buf || write[0].size != sizeof(s))
		return 3;
	memcpy(write[0].buf, &s, sizeof(s));
	return 0;
}

int fail_always(struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write)
{
	(void)read;
	(void)nr_read;
	(void)write;
	(void)nr_write;
	return 7;
}

/* Sleep read[0] milliseconds (INT32): an op that runs for a while. It
 * also makes libc a dependency of this library, whose functions (abort,
 * exit) the plugin must refuse to run through it. */
int hold_ms(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	    size_t nr_write)
{
	int32_t ms;
	(void)write;
	(void)nr_write;
	if (nr_read < 1 || get_i32(&read[0], &ms) || ms < 0)
		return 1;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	return 0;
}

/* A data symbol, not a function: the plugin refuses to call it. */
int not_a_function = 42;
