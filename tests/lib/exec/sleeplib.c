// SPDX-License-Identifier: Apache-2.0
/* libtestsleep.so: exec targets for the agent tests (under an
 * --exec-allow directory). */
#include "testlibs.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Sleep read[0] (int32) milliseconds; write[0] (int32, optional) = 1. */
int sleep_ms(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	     size_t nr_write)
{
	int32_t ms;
	if (nr_read < 1 || read[0].size != sizeof(ms))
		return 1;
	memcpy(&ms, read[0].buf, sizeof(ms));
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	if (nr_write >= 1 && write[0].size == sizeof(int32_t))
		*(int32_t *)write[0].buf = 1;
	return 0;
}

/* write[i] = read[i] for every pair of equal sizes. */
int echo(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	 size_t nr_write)
{
	for (size_t i = 0; i < nr_read && i < nr_write; i++)
		if (read[i].size == write[i].size)
			memcpy(write[i].buf, read[i].buf, read[i].size);
	return 0;
}
