// SPDX-License-Identifier: Apache-2.0
/* mbench <time_ms> <lib_file> [iterations]
 * Asks the mbench plugin to spin for <time_ms> per call, sending the bytes
 * of <lib_file> (any file) along as payload: what vAccel adds to a call of
 * known length and size (compare with VACCEL_PROFILING_ENABLED=1). */
#include "common/file.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("mbench");
	char lib[] = "mbench", fn[] = "mbench";
	void *file = NULL;
	size_t file_size;
	int iter = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "Usage: %s <time_ms> <lib_file> [iterations]\n",
			argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 3 && !example_parse_iterations(argv[3], &iter))
		return VACCEL_EINVAL;

	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	ret = example_read_file(argv[2], &file, &file_size);
	if (ret)
		goto release_session;

	/* raw args, as upstream: the time as a string, the payload */
	struct vaccel_arg args[2];
	memset(args, 0, sizeof(args));
	args[0].buf = argv[1];
	args[0].size = strlen(argv[1]) + 1;
	args[1].buf = file;
	args[1].size = file_size;

	for (int i = 0; i < iter; i++) {
		vaccel_prof_region_start(&stats);
		ret = vaccel_exec(&sess, lib, fn, args, 2, NULL, 0);
		vaccel_prof_region_stop(&stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
	}
	free(file);
release_session:
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}
