// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "vaccel/session.h"
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* C = alpha * A * B + beta * C, row-major: A is m x k (leading dimension
 * lda >= k), B is k x n (ldb >= n), C is m x n (ldc >= n). */
int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k,
		 float alpha, float *a, int64_t lda, float *b, int64_t ldb,
		 float beta, float *c, int64_t ldc);

#ifdef __cplusplus
}
#endif
