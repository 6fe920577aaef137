// SPDX-License-Identifier: Apache-2.0
/* libbenchrpc.so: exec targets of bench-rpc (under the agent's
 * --exec-allow directory). */
#include "testlibs.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Busy-loop read[0] (int32) milliseconds of CPU time: a compute-bound
 * call. */
int spin_ms(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	    size_t nr_write)
{
	int32_t ms;
	struct timespec t0, t;
	if (nr_read < 1 || read[0].size != sizeof(ms))
		return 1;
	memcpy(&ms, read[0].buf, sizeof(ms));
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 +
		       (t.tv_nsec - t0.tv_nsec) / 1000000 <
	       ms);
	(void)write;
	(void)nr_write;
	return 0;
}
