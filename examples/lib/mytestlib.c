// SPDX-License-Identifier: Apache-2.0
/* libmytestlib.so: the functions the exec examples call through the exec
 * plugin. Each has the prototype the plugin expects,
 *   int fn(struct vaccel_arg *read, size_t nr_read,
 *          struct vaccel_arg *write, size_t nr_write);
 * and returns 0 on success (anything else becomes VACCEL_EBACKEND). */

#include "mydata.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

/* Exported on purpose (the plugin looks them up by name); declared here
 * because no header of the examples needs them. */
int mytestfunc(struct vaccel_arg *read, size_t nr_read,
	       struct vaccel_arg *write, size_t nr_write);
int mytestfunc_nonser(struct vaccel_arg *read, size_t nr_read,
		      struct vaccel_arg *write, size_t nr_write);

static int wrap(struct vaccel_arg_array *in, struct vaccel_arg *read,
		size_t nr_read, struct vaccel_arg_array *out,
		struct vaccel_arg *write, size_t nr_write)
{
	if (!read || !nr_read || !write || !nr_write) {
		fprintf(stderr,
			"mytestlib: expected at least 1 read and 1 "
			"write arg (got %zu and %zu)\n",
			nr_read, nr_write);
		return VACCEL_EINVAL;
	}
	int ret = vaccel_arg_array_wrap(in, read, nr_read);
	return ret ? ret : vaccel_arg_array_wrap(out, write, nr_write);
}

/* One INT32 in, one INT32 out: out = 2 * in. */
int mytestfunc(struct vaccel_arg *read, size_t nr_read,
	       struct vaccel_arg *write, size_t nr_write)
{
	struct vaccel_arg_array in, out;
	int32_t input, output;

	int ret = wrap(&in, read, nr_read, &out, write, nr_write);
	if (ret)
		return ret;
	printf("I got nr_in: %zu, nr_out: %zu\n", nr_read, nr_write);

	ret = vaccel_arg_array_get_int32(&in, &input);
	if (ret) {
		fprintf(stderr, "mytestlib: read[0] is not an INT32\n");
		return ret;
	}
	printf("I got input: %" PRId32 "\n", input);

	output = (int32_t)((uint32_t)input * 2u);
	printf("Will return output: %" PRId32 "\n", output);
	ret = vaccel_arg_array_set_int32(&out, &output);
	if (ret)
		fprintf(stderr, "mytestlib: write[0] is not an INT32\n");
	return ret;
}

/* One mydata in, one mydata of the same count out: the values reversed. */
int mytestfunc_nonser(struct vaccel_arg *read, size_t nr_read,
		      struct vaccel_arg *write, size_t nr_write)
{
	struct vaccel_arg_array in, out;
	struct mydata data = { 0 };

	int ret = wrap(&in, read, nr_read, &out, write, nr_write);
	if (ret)
		return ret;
	printf("I got nr_in: %zu, nr_out: %zu\n", nr_read, nr_write);

	ret = vaccel_arg_array_get_serialized(&in, VACCEL_ARG_CUSTOM,
					      MYDATA_TYPE_ID, &data,
					      sizeof(data), mydata_deserialize);
	if (ret) {
		fprintf(stderr, "mytestlib: read[0] is not a mydata\n");
		return ret;
	}
	for (uint32_t i = 0; i < data.count / 2; i++) {
		uint32_t t = data.array[i];
		data.array[i] = data.array[data.count - 1 - i];
		data.array[data.count - 1 - i] = t;
	}
	ret = vaccel_arg_array_set_serialized(&out, VACCEL_ARG_CUSTOM,
					      MYDATA_TYPE_ID, &data,
					      sizeof(data), mydata_serialize);
	if (ret)
		fprintf(stderr, "mytestlib: write[0] cannot hold the result\n");
	mydata_release(&data);
	return ret;
}
