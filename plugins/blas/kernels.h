// SPDX-License-Identifier: Apache-2.0
/* The blas plugin's CPU kernels, without sessions (the plugin's ops and the
 * unit tests call them). Contracts: docs/plugins/blas.md. Each returns
 * VACCEL_OK or VACCEL_EINVAL (after one log line saying why). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Row-major C = alpha * A * B + beta * C on cblas_sgemm. m, n, k >= 0 (a 0
 * is a no-op, or C = beta * C when k == 0), lda >= max(1, k),
 * ldb >= max(1, n), ldc >= max(1, n), all <= INT32_MAX (OpenBLAS's index
 * type); a, b, c not NULL. */
int vblas_sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
		int64_t lda, const float *b, int64_t ldb, float beta, float *c,
		int64_t ldc);

/* out[i] = in[i] clamped to [low, high]; *min and *max = the smallest and
 * largest out[i]. ndata >= 1, low <= high, no NaN in `in`; `out` may be `in`.
 */
int vblas_minmax(const double *in, int ndata, int low, int high, double *out,
		 double *min, double *max);

/* out = a (len ints, len >= 1) */
int vblas_arraycopy(const int *a, int *out, size_t len);
/* c = a x b for n x n row-major matrices, n * n == len (len >= 1); c may
 * overlap a or b. */
int vblas_mmult(const float *a, const float *b, float *c, size_t len);
/* add = a + b, mult = a * b, element-wise (len >= 1) */
int vblas_parallel(const float *a, const float *b, float *add, float *mult,
		   size_t len);
/* c = a + b element-wise; len_a == len_b >= 1 */
int vblas_vectoradd(const float *a, const float *b, float *c, size_t len_a,
		    size_t len_b);

/* Threads for OpenBLAS: VACCEL_BLAS_THREADS (1..256), default 1. */
int vblas_threads_from_env(void);
