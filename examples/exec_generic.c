// SPDX-License-Identifier: Apache-2.0
/* exec_generic <lib_file> [iterations]
 * The exec example through vaccel_genop(): read = UINT8 op type (EXEC),
 * STRING library, STRING "mytestfunc", INT32 input; write = INT32 output. */
#include "common/file.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

enum {
	INPUT_VAL = 10
};

static int run(struct vaccel_session *sess, char *lib, int iter)
{
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("exec");
	struct vaccel_arg_array read_args, write_args;
	uint8_t op = (uint8_t)VACCEL_OP_EXEC;
	char fn[] = "mytestfunc";
	int32_t input = INPUT_VAL, output = 0;

	int ret = vaccel_arg_array_init(&read_args, 4);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&write_args, 1);
	if (ret)
		goto release_read;
	ret = vaccel_arg_array_add_uint8(&read_args, &op);
	if (!ret)
		ret = vaccel_arg_array_add_string(&read_args, lib);
	if (!ret)
		ret = vaccel_arg_array_add_string(&read_args, fn);
	if (!ret)
		ret = vaccel_arg_array_add_int32(&read_args, &input);
	if (!ret)
		ret = vaccel_arg_array_add_int32(&write_args, &output);
	if (ret) {
		fprintf(stderr, "Failed to pack the args\n");
		goto release_write;
	}
	for (int i = 0; i < iter; i++) {
		vaccel_prof_region_start(&stats);
		ret = vaccel_genop(sess, read_args.args, (int)read_args.count,
				   write_args.args, (int)write_args.count);
		vaccel_prof_region_stop(&stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
		printf("output: %" PRId32 "\n", output);
	}
release_write:
	vaccel_arg_array_release(&write_args);
release_read:
	vaccel_arg_array_release(&read_args);
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	int iter = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <lib_file> [iterations]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &iter))
		return VACCEL_EINVAL;

	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	ret = run(&sess, argv[1], iter);
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
	return ret;
}
