// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof = VACCEL__PROF_OP_INIT("vaccel_blas_op");

int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k,
		 float alpha, float *a, int64_t lda, float *b, int64_t ldb,
		 float beta, float *c, int64_t ldc)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_BLAS_SGEMM, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(m >= 0 && n >= 0 && k >= 0, "sgemm", "dimensions");
	VACCEL__OP_CALL(ret, prof, sess,
			fn->BLAS_SGEMM(sess, m, n, k, alpha, a, lda, b, ldb,
				       beta, c, ldc));
	return ret;
}
