// SPDX-License-Identifier: Apache-2.0
/* CPU kernels of the blas plugin: OpenBLAS for the matrix products, plain
 * loops (auto-vectorised) for the element-wise demo ops. */
#include "kernels.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

#define TAG "[blas] "

int vblas_sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
		int64_t lda, const float *b, int64_t ldb, float beta, float *c,
		int64_t ldc)
{
	if (m < 0 || n < 0 || k < 0) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "sgemm: negative size m=%ld n=%ld k=%ld",
				   (long)m, (long)n, (long)k);
	}
	if (lda < (k > 1 ? k : 1) || ldb < (n > 1 ? n : 1) ||
	    ldc < (n > 1 ? n : 1)) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG
				   "sgemm: leading dimensions too small for "
				   "row-major (need lda>=k, ldb>=n, ldc>=n): "
				   "m=%ld n=%ld k=%ld lda=%ld ldb=%ld ldc=%ld",
				   (long)m, (long)n, (long)k, (long)lda,
				   (long)ldb, (long)ldc);
	}
	if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX ||
	    ldb > INT_MAX || ldc > INT_MAX) {
		return vaccel_fail(
			VACCEL_EINVAL,
			TAG "sgemm: sizes above OpenBLAS's 32-bit index");
	}
	if (!a || !b || !c) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "sgemm: NULL matrix pointer");
	}
	if (!m || !n)
		return VACCEL_OK;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
		    (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
	return VACCEL_OK;
}

int vblas_minmax(const double *in, int ndata, int low, int high, double *out,
		 double *min, double *max)
{
	double lo = INFINITY, hi = -INFINITY;

	if (!in || !out || !min || !max || ndata < 1 || low > high) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG
				   "minmax: need data (ndata=%d >= 1), outputs "
				   "and low <= high (%d, %d)",
				   ndata, low, high);
	}
	for (int i = 0; i < ndata; i++) {
		if (isnan(in[i])) {
			return vaccel_fail(VACCEL_EINVAL,
					   TAG "minmax: NaN at index %d", i);
		}
	}
	for (int i = 0; i < ndata; i++) {
		double v = in[i] < low ? low : in[i] > high ? high : in[i];

		out[i] = v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	*min = lo;
	*max = hi;
	return VACCEL_OK;
}

static int check_len(const char *op, size_t len, bool ok)
{
	if (!ok || !len) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "%s: NULL array or length 0 (len=%zu)",
				   op, len);
	}
	return VACCEL_OK;
}

int vblas_arraycopy(const int *a, int *out, size_t len)
{
	int ret = check_len("arraycopy", len, a && out);

	if (!ret)
		memmove(out, a, len * sizeof(int));
	return ret;
}

static size_t isqrt(size_t v)
{
	size_t r = (size_t)sqrt((double)v);

	while (r * r > v)
		r--;
	while ((r + 1) * (r + 1) <= v)
		r++;
	return r;
}

static bool overlap(const float *p, const float *q, size_t len)
{
	return p < q + len && q < p + len;
}

int vblas_mmult(const float *a, const float *b, float *c, size_t len)
{
	int ret = check_len("mmult", len, a && b && c);
	size_t n = isqrt(len);
	float *dst = c;

	if (ret)
		return ret;
	if (n * n != len || n > INT_MAX) {
		return vaccel_fail(
			VACCEL_EINVAL,
			TAG "mmult: %zu elements is not a square matrix", len);
	}
	if (overlap(c, a, len) || overlap(c, b, len)) {
		dst = malloc(len * sizeof(float));
		if (!dst)
			return VACCEL_ENOMEM;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n,
		    (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f, dst, (int)n);
	if (dst != c) {
		memcpy(c, dst, len * sizeof(float));
		free(dst);
	}
	return VACCEL_OK;
}

int vblas_parallel(const float *a, const float *b, float *add, float *mult,
		   size_t len)
{
	int ret = check_len("parallel", len, a && b && add && mult);

	if (ret)
		return ret;
	for (size_t i = 0; i < len; i++) {
		float x = a[i], y = b[i];

		add[i] = x + y;
		mult[i] = x * y;
	}
	return VACCEL_OK;
}

int vblas_vectoradd(const float *a, const float *b, float *c, size_t len_a,
		    size_t len_b)
{
	int ret = check_len("vectoradd", len_a, a && b && c);

	if (ret)
		return ret;
	if (len_a != len_b) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "vectoradd: lengths differ (%zu, %zu)",
				   len_a, len_b);
	}
	for (size_t i = 0; i < len_a; i++)
		c[i] = a[i] + b[i];
	return VACCEL_OK;
}

int vblas_threads_from_env(void)
{
	const char *s = getenv("VACCEL_BLAS_THREADS");
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 256) {
		vaccel_warn(TAG "VACCEL_BLAS_THREADS=%s is not in 1..256; "
				"using 1",
			    s);
		return 1;
	}
	return (int)v;
}
