// SPDX-License-Identifier: Apache-2.0
/* Monotonic time and deadlines (transport.h). */

#include "transport.h"
#include <limits.h>
#include <time.h>

int64_t vrpc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vrpc_deadline(int64_t ms)
{
	return ms > 0 ? vrpc_now_ns() + ms * 1000000 : 0;
}

int vrpc_ms_left(int64_t deadline)
{
	if (!deadline)
		return -1;
	int64_t left = deadline - vrpc_now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}
