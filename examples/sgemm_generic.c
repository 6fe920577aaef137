// SPDX-License-Identifier: Apache-2.0
/* sgemm_generic [iterations] [out_file]
 * The sgemm example through vaccel_genop(): read = UINT8 op type, INT64 m,
 * n, k, FLOAT32 alpha, FLOAT32_ARRAY a, INT64 lda, FLOAT32_ARRAY b, INT64
 * ldb, FLOAT32 beta, INT64 ldc; write = FLOAT32_ARRAY c. */
#include "common/file.h"
#include "common/sgemm_data.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

struct scalars {
	uint8_t op;
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
};

static int pack(struct vaccel_arg_array *rd, struct vaccel_arg_array *wr,
		struct scalars *s, struct sgemm_data *d)
{
	size_t na = (size_t)SGEMM_M * SGEMM_K, nb = (size_t)SGEMM_K * SGEMM_N;
	size_t nc = (size_t)SGEMM_M * SGEMM_N;

	int ret = vaccel_arg_array_add_uint8(rd, &s->op);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->m);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->n);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->k);
	ret = ret ? ret : vaccel_arg_array_add_float(rd, &s->alpha);
	ret = ret ? ret : vaccel_arg_array_add_float_array(rd, d->a, na);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->lda);
	ret = ret ? ret : vaccel_arg_array_add_float_array(rd, d->b, nb);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->ldb);
	ret = ret ? ret : vaccel_arg_array_add_float(rd, &s->beta);
	ret = ret ? ret : vaccel_arg_array_add_int64(rd, &s->ldc);
	ret = ret ? ret : vaccel_arg_array_add_float_array(wr, d->c, nc);
	if (ret)
		fprintf(stderr, "Failed to pack the args\n");
	return ret;
}

static int run(struct vaccel_session *sess, struct sgemm_data *d, int iter)
{
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("sgemm");
	struct scalars s = {
		.op = (uint8_t)VACCEL_OP_BLAS_SGEMM,
		.m = SGEMM_M,
		.n = SGEMM_N,
		.k = SGEMM_K,
		.lda = SGEMM_K,
		.ldb = SGEMM_N,
		.ldc = SGEMM_N,
		.alpha = SGEMM_ALPHA,
		.beta = SGEMM_BETA,
	};
	struct vaccel_arg_array rd, wr;

	int ret = vaccel_arg_array_init(&rd, 11);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&wr, 1);
	if (ret)
		goto release_read;
	ret = pack(&rd, &wr, &s, d);
	for (int i = 0; !ret && i < iter; i++) {
		vaccel_prof_region_start(&stats);
		ret = vaccel_genop(sess, rd.args, (int)rd.count, wr.args,
				   (int)wr.count);
		vaccel_prof_region_stop(&stats);
		if (ret)
			fprintf(stderr, "Could not run sgemm: %d\n", ret);
	}
	vaccel_arg_array_release(&wr);
release_read:
	vaccel_arg_array_release(&rd);
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}

int main(int argc, char *argv[])
{
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

	ret = run(&sess, &d, iter);
	if (!ret && argc > 2 && sgemm_write_c(&d, argv[2]))
		ret = VACCEL_EIO;
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
out:
	sgemm_data_release(&d);
	return ret;
}
