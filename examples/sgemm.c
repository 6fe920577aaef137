// SPDX-License-Identifier: Apache-2.0
/* sgemm [iterations] [out_file]
 * C = alpha * A x B + beta * C (512x512 floats) with vaccel_sgemm(), each
 * iteration on the previous C; C is written to out_file if given (upstream
 * opened argv[1] instead: fixed). */
#include "common/file.h"
#include "common/sgemm_data.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("sgemm");
	struct vaccel_session sess;
	struct sgemm_data d;
	int iter = 1;

	if (argc > 3) {
		fprintf(stderr, "Usage: %s [iterations] [out_file]\n", argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 1 && !example_parse_iterations(argv[1], &iter))
		return VACCEL_EINVAL;
	if (sgemm_data_init(&d))
		return VACCEL_ENOMEM;

	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		goto out;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	for (int i = 0; i < iter; i++) {
		vaccel_prof_region_start(&stats);
		ret = vaccel_sgemm(&sess, SGEMM_M, SGEMM_N, SGEMM_K,
				   SGEMM_ALPHA, d.a, SGEMM_K, d.b, SGEMM_N,
				   SGEMM_BETA, d.c, SGEMM_N);
		vaccel_prof_region_stop(&stats);
		if (ret) {
			fprintf(stderr, "Could not run sgemm: %d\n", ret);
			break;
		}
	}
	if (!ret && argc > 2 && sgemm_write_c(&d, argv[2]))
		ret = VACCEL_EIO;

	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
out:
	sgemm_data_release(&d);
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}
