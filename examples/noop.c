// SPDX-License-Identifier: Apache-2.0
/* noop [iterations]
 * Calls vaccel_noop(): the cost of a call through vAccel to the session's
 * plugin, timed in the profiling region "noop". */
#include "common/file.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_prof_region noop_stats = VACCEL_PROF_REGION_INIT("noop");
	int iter = 1;

	if (argc > 2) {
		fprintf(stderr, "Usage: %s [iterations]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 1 && !example_parse_iterations(argv[1], &iter))
		return VACCEL_EINVAL;

	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	for (int i = 0; i < iter; i++) {
		vaccel_prof_region_start(&noop_stats);
		ret = vaccel_noop(&sess);
		vaccel_prof_region_stop(&noop_stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
	}

	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
	vaccel_prof_region_print(&noop_stats);
	vaccel_prof_region_release(&noop_stats);
	return ret;
}
