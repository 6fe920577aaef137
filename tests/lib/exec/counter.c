// SPDX-License-Identifier: Apache-2.0
/* write[0] (INT32) = how many times count() was called since this library
 * was loaded: shows whether the exec plugin kept or closed it. Built under
 * several names so that tests do not share one loaded copy. */
#include "testlibs.h"
#include <vaccel/arg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static atomic_int calls;

int count(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	  size_t nr_write)
{
	(void)read;
	(void)nr_read;
	int32_t n = atomic_fetch_add(&calls, 1) + 1;
	if (nr_write < 1 || !write[0].buf || write[0].size != sizeof(n))
		return 1;
	memcpy(write[0].buf, &n, sizeof(n));
	return 0;
}
