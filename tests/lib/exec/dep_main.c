// SPDX-License-Identifier: Apache-2.0
/* The main library of the chain resources. */
#include "testlibs.h"
#include <vaccel/arg.h>
#include <stdint.h>
#include <string.h>

static int put(struct vaccel_arg *write, size_t nr_write, int32_t v)
{
	if (nr_write < 1 || !write[0].buf || write[0].size != sizeof(v))
		return 1;
	memcpy(write[0].buf, &v, sizeof(v));
	return 0;
}

/* write[0] = dep_b_value() + 1 = 22 */
int chain(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	  size_t nr_write)
{
	(void)read;
	(void)nr_read;
	return put(write, nr_write, dep_b_value() + 1);
}

/* write[0] = dep_data_value() = 101 */
int chain_data(struct vaccel_arg *read, size_t nr_read,
	       struct vaccel_arg *write, size_t nr_write)
{
	(void)read;
	(void)nr_read;
	return put(write, nr_write, dep_data_value());
}
