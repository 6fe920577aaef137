// SPDX-License-Identifier: Apache-2.0
/* exec_serialized <lib_file> [iterations]
 * Passes an application-defined type (struct mydata, custom type id 100)
 * through vaccel_exec_with_resource() to mytestfunc_nonser of <lib_file>,
 * which returns the values reversed. The noop plugin echoes them. */
#include "common/file.h"
#include "common/mydata.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
	ARR_LEN = 6
};

static void print_data(const char *what, const struct mydata *d)
{
	printf("%s: ", what);
	for (uint32_t i = 0; i < d->count; i++)
		printf("%" PRIu32 " ", d->array[i]);
	printf("\n");
}

static int call(struct vaccel_session *sess, struct vaccel_resource *lib,
		struct vaccel_arg_array *rd, struct vaccel_arg_array *wr,
		int iter)
{
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("mytestfunc");
	int ret = VACCEL_OK;

	for (int i = 0; i < iter; i++) {
		struct mydata out = { 0 };

		vaccel_prof_region_start(&stats);
		ret = vaccel_exec_with_resource(sess, lib, "mytestfunc_nonser",
						rd->args, rd->count, wr->args,
						wr->count);
		vaccel_prof_region_stop(&stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
		vaccel_arg_array_reset_position(wr);
		ret = vaccel_arg_array_get_serialized(
			wr, VACCEL_ARG_CUSTOM, MYDATA_TYPE_ID, &out,
			sizeof(out), mydata_deserialize);
		if (ret) {
			fprintf(stderr, "Failed to unpack output arg\n");
			break;
		}
		print_data("Output", &out);
		mydata_release(&out);
	}
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}

static int run(struct vaccel_session *sess, struct vaccel_resource *lib,
	       int iter)
{
	uint32_t values[ARR_LEN];
	struct mydata in = { ARR_LEN, values };
	struct vaccel_arg_array rd, wr;

	for (uint32_t i = 0; i < ARR_LEN; i++)
		values[i] = 2 * i;
	print_data("Input", &in);

	int ret = vaccel_arg_array_init(&rd, 1);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&wr, 1);
	if (ret)
		goto release_read;
	ret = vaccel_arg_array_add_serialized(&rd, VACCEL_ARG_CUSTOM,
					      MYDATA_TYPE_ID, &in, sizeof(in),
					      mydata_serialize);
	/* the output: a serialized mydata of the same count, overwritten */
	if (!ret)
		ret = vaccel_arg_array_add_serialized(
			&wr, VACCEL_ARG_CUSTOM, MYDATA_TYPE_ID, &in, sizeof(in),
			mydata_serialize);
	if (ret)
		fprintf(stderr, "Failed to pack the args\n");
	else
		ret = call(sess, lib, &rd, &wr, iter);
	vaccel_arg_array_release(&wr);
release_read:
	vaccel_arg_array_release(&rd);
	return ret;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_resource lib;
	int iter = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <lib_file> [iterations]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &iter))
		return VACCEL_EINVAL;

	int ret = vaccel_resource_init(&lib, argv[1], VACCEL_RESOURCE_LIB);
	if (ret) {
		fprintf(stderr, "Could not initialize lib resource: %s\n",
			strerror(ret));
		return ret;
	}
	ret = vaccel_session_init(&sess, VACCEL_PLUGIN_DEBUG);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		goto release_resource;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	ret = vaccel_resource_register(&lib, &sess);
	if (ret) {
		fprintf(stderr, "Could not register lib with session\n");
		goto release_session;
	}
	ret = run(&sess, &lib, iter);
	if (vaccel_resource_unregister(&lib, &sess))
		fprintf(stderr, "Could not unregister lib from session\n");
release_session:
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
release_resource:
	if (vaccel_resource_release(&lib))
		fprintf(stderr, "Could not release lib resource\n");
	return ret;
}
