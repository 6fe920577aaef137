// SPDX-License-Identifier: Apache-2.0
/* exec_with_resource <lib_file> [iterations]
 * Calls mytestfunc with vaccel_exec_with_resource() on two LIB resources:
 * one made from the path of <lib_file>, one from its bytes (a copy the
 * library writes as "lib.so" in the resource's directory). Prints
 * output1/output2 (20 with the exec plugin, 10 with noop). */
#include "common/file.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	INPUT_VAL = 10
};

struct run {
	struct vaccel_session sess;
	struct vaccel_resource res1, res2;
	struct vaccel_arg_array rd, wr;
	struct vaccel_prof_region stats;
	int iter;
};

static int calls(struct run *r, struct vaccel_resource *res, int32_t *out,
		 const char *name)
{
	vaccel_arg_array_clear(&r->wr);
	int ret = vaccel_arg_array_add_int32(&r->wr, out);
	if (ret) {
		fprintf(stderr, "Failed to pack %s arg\n", name);
		return ret;
	}
	for (int i = 0; i < r->iter; i++) {
		vaccel_prof_region_start(&r->stats);
		ret = vaccel_exec_with_resource(&r->sess, res, "mytestfunc",
						r->rd.args, r->rd.count,
						r->wr.args, r->wr.count);
		vaccel_prof_region_stop(&r->stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			return ret;
		}
		printf("%s: %" PRId32 "\n", name, *out);
	}
	return VACCEL_OK;
}

static int with_args(struct run *r)
{
	int32_t input = INPUT_VAL, output1 = 0, output2 = 0;

	int ret = vaccel_arg_array_init(&r->rd, 1);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&r->wr, 1);
	if (ret)
		goto release_read;
	ret = vaccel_arg_array_add_int32(&r->rd, &input);
	if (ret)
		fprintf(stderr, "Failed to pack input arg\n");
	if (!ret)
		ret = calls(r, &r->res1, &output1, "output1");
	if (!ret)
		ret = calls(r, &r->res2, &output2, "output2");
	vaccel_arg_array_release(&r->wr);
release_read:
	vaccel_arg_array_release(&r->rd);
	return ret;
}

/* The second resource: the library's bytes, persisted by vAccel. */
static int with_copy(struct run *r, const char *path)
{
	void *buf;
	size_t len;

	int ret = example_read_file(path, &buf, &len);
	if (ret) {
		fprintf(stderr, "Could not read lib file\n");
		return ret;
	}
	ret = vaccel_resource_init_from_buf(
		&r->res2, buf, len, VACCEL_RESOURCE_LIB, "lib.so", false);
	if (ret) {
		fprintf(stderr,
			"Could not initialize lib resource 2 from buffer: %s\n",
			strerror(ret));
		goto free_buf;
	}
	ret = vaccel_resource_register(&r->res2, &r->sess);
	if (ret) {
		fprintf(stderr, "Could not register lib 2 with session\n");
		goto release_res2;
	}
	ret = with_args(r);
	if (vaccel_resource_unregister(&r->res2, &r->sess))
		fprintf(stderr, "Could not unregister lib 2 from session\n");
release_res2:
	if (vaccel_resource_release(&r->res2))
		fprintf(stderr, "Could not release lib resource 2\n");
free_buf:
	free(buf);
	return ret;
}

static int with_session(struct run *r, const char *path)
{
	int ret = vaccel_session_init(&r->sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", r->sess.id);

	ret = vaccel_resource_register(&r->res1, &r->sess);
	if (ret) {
		fprintf(stderr, "Could not register lib with session\n");
	} else {
		ret = with_copy(r, path);
		if (vaccel_resource_unregister(&r->res1, &r->sess))
			fprintf(stderr,
				"Could not unregister lib from session\n");
	}
	if (vaccel_session_release(&r->sess))
		fprintf(stderr, "Could not release session\n");
	return ret;
}

int main(int argc, char *argv[])
{
	struct run r = { .iter = 1,
			 .stats = VACCEL_PROF_REGION_INIT("mytestfunc") };

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <lib_file> [iterations]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &r.iter))
		return VACCEL_EINVAL;

	int ret = vaccel_resource_init(&r.res1, argv[1], VACCEL_RESOURCE_LIB);
	if (ret) {
		fprintf(stderr, "Could not initialize lib resource: %s\n",
			strerror(ret));
		return ret;
	}
	ret = with_session(&r, argv[1]);
	if (vaccel_resource_release(&r.res1))
		fprintf(stderr, "Could not release lib resource\n");
	vaccel_prof_region_print(&r.stats);
	vaccel_prof_region_release(&r.stats);
	return ret;
}
