// SPDX-License-Identifier: Apache-2.0
/* local_and_virtio <lib_file> [iterations]
 * One LIB resource registered with a remote session (VACCEL_PLUGIN_REMOTE:
 * a transport plugin such as rpc) and with a local one; the iterations
 * alternate between them (even: remote, odd: local), calling mytestfunc
 * with raw vaccel_arg literals. Exits with the error code if a session or
 * a call fails (upstream exits 0 then). */
#include "common/file.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
	INPUT_VAL = 10
};

struct run {
	struct vaccel_session virtio, local;
	struct vaccel_resource lib;
	int iter;
};

static int call_all(struct run *r)
{
	int32_t input = INPUT_VAL, output = 0;
	struct vaccel_arg read[1] = { { .buf = &input,
					.size = sizeof(input),
					.type = VACCEL_ARG_INT32 } };
	struct vaccel_arg write[1] = { { .buf = &output,
					 .size = sizeof(output),
					 .type = VACCEL_ARG_INT32 } };

	for (int i = 0; i < r->iter; i++) {
		struct vaccel_session *s = i % 2 ? &r->local : &r->virtio;
		int ret = vaccel_exec_with_resource(s, &r->lib, "mytestfunc",
						    read, 1, write, 1);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			return ret;
		}
		printf("output(2x%" PRId32 "): %" PRId32 "\n", input, output);
		output = -1;
	}
	return VACCEL_OK;
}

static int with_sessions(struct run *r)
{
	int ret = vaccel_resource_register(&r->lib, &r->local);
	if (ret) {
		fprintf(stderr, "Could not register lib with local session\n");
		return ret;
	}
	ret = vaccel_resource_register(&r->lib, &r->virtio);
	if (ret) {
		fprintf(stderr, "Could not register lib with virtio session\n");
	} else {
		ret = call_all(r);
		if (vaccel_resource_unregister(&r->lib, &r->virtio)) {
			fprintf(stderr, "Could not unregister lib from virtio "
					"session\n");
			ret = ret ? ret : VACCEL_EINVAL;
		}
	}
	if (vaccel_resource_unregister(&r->lib, &r->local)) {
		fprintf(stderr,
			"Could not unregister lib from local session\n");
		ret = ret ? ret : VACCEL_EINVAL;
	}
	return ret;
}

static int run(struct run *r)
{
	int ret = vaccel_session_init(&r->virtio, VACCEL_PLUGIN_REMOTE);
	if (ret) {
		fprintf(stderr, "Could not initialize virtio session\n");
		return ret;
	}
	printf("Initialized virtio session with id: %" PRId64 "\n",
	       r->virtio.id);

	ret = vaccel_session_init(&r->local, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize local session\n");
	} else {
		printf("Initialized local session with id: %" PRId64 "\n",
		       r->local.id);
		ret = with_sessions(r);
		if (vaccel_session_release(&r->local)) {
			fprintf(stderr, "Could not release local session\n");
			ret = ret ? ret : VACCEL_EINVAL;
		}
	}
	if (vaccel_session_release(&r->virtio)) {
		fprintf(stderr, "Could not release virtio session\n");
		ret = ret ? ret : VACCEL_EINVAL;
	}
	return ret;
}

int main(int argc, char *argv[])
{
	struct run r = { .iter = 1 };

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <lib_file> [iterations]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &r.iter))
		return VACCEL_EINVAL;

	int ret = vaccel_resource_init(&r.lib, argv[1], VACCEL_RESOURCE_LIB);
	if (ret) {
		fprintf(stderr, "Could not initialize lib resource: %s\n",
			strerror(ret));
		return ret;
	}
	ret = run(&r);
	if (vaccel_resource_release(&r.lib)) {
		fprintf(stderr, "Could not release lib resource\n");
		ret = ret ? ret : VACCEL_EINVAL;
	}
	return ret;
}
