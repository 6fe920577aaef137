// SPDX-License-Identifier: Apache-2.0
/* References a function that no library defines: loads with RTLD_LAZY
 * only. safe() never calls it. */
#include "testlibs.h"
#include <vaccel/arg.h>
#include <stdint.h>
#include <string.h>

int safe(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	 size_t nr_write)
{
	int32_t v = 5;

	(void)read;
	(void)nr_read;
	if (nr_write < 1 || !write[0].buf || write[0].size != sizeof(v))
		return 1;
	memcpy(write[0].buf, &v, sizeof(v));
	return 0;
}

int unsafe(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	   size_t nr_write)
{
	(void)read;
	(void)nr_read;
	(void)write;
	(void)nr_write;
	return nowhere_defined();
}
