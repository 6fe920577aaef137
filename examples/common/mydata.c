// SPDX-License-Identifier: Apache-2.0
#include "mydata.h"

#include <vaccel.h>
#include <stdlib.h>
#include <string.h>

#define MYDATA_COUNT_MAX (UINT32_MAX / sizeof(uint32_t) - 1)

int mydata_serialize(const void *data, size_t data_size, uint32_t custom_id,
		     void **buf, size_t *size)
{
	const struct mydata *d = data;

	if (!d || data_size != sizeof(*d) || custom_id != MYDATA_TYPE_ID ||
	    !buf || !size || d->count > MYDATA_COUNT_MAX ||
	    (d->count && !d->array))
		return VACCEL_EINVAL;
	size_t n = ((size_t)d->count + 1) * sizeof(uint32_t);
	unsigned char *out = malloc(n);
	if (!out)
		return VACCEL_ENOMEM;
	memcpy(out, &d->count, sizeof(uint32_t));
	if (d->count)
		memcpy(out + sizeof(uint32_t), d->array,
		       (size_t)d->count * sizeof(uint32_t));
	*buf = out; /* owned by the caller (the arg array) */
	*size = n;
	return VACCEL_OK;
}

int mydata_deserialize(const void *buf, size_t size, uint32_t custom_id,
		       size_t data_size, void *data)
{
	struct mydata *d = data;
	uint32_t count;

	if (!buf || size < sizeof(uint32_t) || custom_id != MYDATA_TYPE_ID ||
	    !d || data_size != sizeof(*d))
		return VACCEL_EINVAL;
	memcpy(&count, buf, sizeof(count));
	if (count > MYDATA_COUNT_MAX ||
	    size != ((size_t)count + 1) * sizeof(uint32_t))
		return VACCEL_EINVAL;
	d->count = count;
	d->array = NULL;
	if (!count)
		return VACCEL_OK;
	d->array = malloc((size_t)count * sizeof(uint32_t));
	if (!d->array)
		return VACCEL_ENOMEM;
	memcpy(d->array, (const unsigned char *)buf + sizeof(uint32_t),
	       (size_t)count * sizeof(uint32_t));
	return VACCEL_OK;
}

void mydata_release(struct mydata *d)
{
	if (!d)
		return;
	free(d->array);
	d->array = NULL;
	d->count = 0;
}
