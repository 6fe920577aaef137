// SPDX-License-Identifier: Apache-2.0
/* `mydata`: the application-defined type of the exec_serialized example
 * and of mytestfunc_nonser (libmytestlib.so), carried in a CUSTOM arg with
 * custom type id 100. Serialized form (host byte order):
 *   uint32 count, then count uint32 values. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MYDATA_TYPE_ID 100

struct mydata {
	uint32_t count;
	/* count values, malloc'ed (NULL when count is 0) */
	uint32_t *array;
};

/* vaccel_arg_serializer_fn: *buf is malloc'ed; the arg array that called
 * it owns it afterwards. */
int mydata_serialize(const void *data, size_t data_size, uint32_t custom_id,
		     void **buf, size_t *size);
/* vaccel_arg_deserializer_fn: fills the struct mydata at `data` with a new
 * array (the caller frees it with mydata_release()). */
int mydata_deserialize(const void *buf, size_t size, uint32_t custom_id,
		       size_t data_size, void *data);
void mydata_release(struct mydata *d);

#ifdef __cplusplus
}
#endif
