// SPDX-License-Identifier: Apache-2.0
/* The opencl plugin's computations, without sessions (the plugin's ops and
 * the backend test call them). Contracts: docs/plugins/opencl.md. Each
 * returns VACCEL_OK or a VACCEL_E* code after one log line saying why; on
 * an error nothing was written to the outputs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vaccel_session;

/* C = alpha * op(A) * op(B) + beta * C on CLBlast, in either layout. op(A)
 * is m x k, op(B) k x n, C m x n; trans_a / trans_b: A and B are stored
 * transposed. m, n, k >= 0; each leading dimension at least max(1, the
 * stored row length in row-major, the stored column length in
 * column-major); a, b, c not NULL. Only the m x n elements of C are
 * written (never the padding up to ldc). */
struct vcl_gemm {
	bool col_major, trans_a, trans_b;
	int64_t m, n, k;
	float alpha, beta;
	const float *a;
	int64_t lda;
	const float *b;
	int64_t ldb;
	float *c;
	int64_t ldc;
};
int vcl_sgemm(const struct vcl_gemm *g);

/* The other ops, with the plugin's op signatures (the session is not
 * used: the device is the process's). */

/* out[i] = in[i] clamped to [low, high], *min / *max the extremes of out.
 * ndata >= 1, low <= high, no NaN; out may be in. Needs cl_khr_fp64. */
int vcl_minmax(struct vaccel_session *sess, const double *in, int ndata,
	       int low, int high, double *out, double *min, double *max);
/* out = a (len >= 1 ints) */
int vcl_arraycopy(struct vaccel_session *sess, int a[], int out[], size_t len);
/* c = a x b, n x n row-major, n * n == len; c may overlap a or b */
int vcl_mmult(struct vaccel_session *sess, float a[], float b[], float c[],
	      size_t len);
/* add = a + b, mult = a * b element-wise (len >= 1) */
int vcl_parallel(struct vaccel_session *sess, float a[], float b[], float add[],
		 float mult[], size_t len);
/* c = a + b element-wise, len_a == len_b >= 1 */
int vcl_vectoradd(struct vaccel_session *sess, float a[], float b[], float c[],
		  size_t len_a, size_t len_b);
