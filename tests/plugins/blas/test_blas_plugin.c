// SPDX-License-Identifier: Apache-2.0
/* The blas plugin through the public API (VACCEL_PLUGINS names the build
 * tree's libvaccel-blas.so): sgemm against a naive double-precision
 * reference on random data of several shapes, padded leading dimensions,
 * alpha/beta, zero sizes, invalid arguments; minmax and the fpga ops
 * against plain loops; sgemm and vadd through genop. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <cmocka.h>
#include <vaccel.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static struct vaccel_session sess;

static int setup(void **state)
{
	int ret = vaccel_session_init(&sess, VACCEL_PLUGIN_CPU);

	if (ret) {
		fprintf(stderr, "session init: %d\n", ret);
		return -1;
	}
	if (strcmp(sess.plugin->info->name, "blas")) {
		fprintf(stderr, "session bound to %s\n",
			sess.plugin->info->name);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	return vaccel_session_release(&sess);
}

/* Deterministic pseudo-random floats in [-1, 1]. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static float *frand_array(size_t n)
{
	float *v = malloc((n ? n : 1) * sizeof(float));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = frand();
	return v;
}

/* C = alpha A B + beta C in double precision, row-major with strides. */
static void ref_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
		      const float *a, int64_t lda, const float *b, int64_t ldb,
		      float beta, double *c, int64_t ldc)
{
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			double s = 0;

			for (int64_t p = 0; p < k; p++)
				s += (double)a[i * lda + p] * b[p * ldb + j];
			c[i * ldc + j] = alpha * s + beta * c[i * ldc + j];
		}
	}
}

struct shape {
	int64_t m, n, k, pad_a, pad_b, pad_c;
	float alpha, beta;
};

static void check_shape(const struct shape *s)
{
	int64_t lda = s->k + s->pad_a, ldb = s->n + s->pad_b;
	int64_t ldc = s->n + s->pad_c;
	size_t na = (size_t)(s->m * lda), nb = (size_t)(s->k * ldb);
	size_t nc = (size_t)(s->m * ldc);
	float *a = frand_array(na), *b = frand_array(nb), *c = frand_array(nc);
	double *ref = malloc((nc ? nc : 1) * sizeof(double));
	/* |error| of a k-term float dot product of values in [-1, 1] */
	double tol = 1e-6 * (double)(s->k + 1) * (fabs(s->alpha) + 1) +
		     1e-6 * fabs(s->beta);

	assert_non_null(ref);
	for (size_t i = 0; i < nc; i++)
		ref[i] = c[i];
	ref_sgemm(s->m, s->n, s->k, s->alpha, a, lda, b, ldb, s->beta, ref,
		  ldc);
	assert_int_equal(vaccel_sgemm(&sess, s->m, s->n, s->k, s->alpha, a, lda,
				      b, ldb, s->beta, c, ldc),
			 VACCEL_OK);
	for (int64_t i = 0; i < s->m; i++) {
		for (int64_t j = 0; j < ldc; j++) {
			double want = ref[i * ldc + j];
			double got = c[i * ldc + j];

			/* padding columns are never written */
			if (fabs(got - want) > (j < s->n ? tol : 0)) {
				fail_msg("m=%ld n=%ld k=%ld: C[%ld][%ld] = "
					 "%.7g, "
					 "want %.7g (tol %.2g)",
					 (long)s->m, (long)s->n, (long)s->k,
					 (long)i, (long)j, got, want, tol);
			}
		}
	}
	free(a);
	free(b);
	free(c);
	free(ref);
}

static void test_sgemm_shapes(void **state)
{
	static const struct shape shapes[] = {
		{ 1, 1, 1, 0, 0, 0, 1, 0 },
		{ 7, 5, 3, 0, 0, 0, 1, 0 },
		{ 64, 33, 17, 0, 0, 0, 2.5f, -1 },
		{ 128, 128, 128, 0, 0, 0, 1, 1 },
		{ 100, 1, 200, 3, 0, 1, -0.5f, 0.25f },
		{ 3, 257, 65, 7, 5, 11, 1, 0 },
		{ 256, 64, 512, 0, 16, 0, 0.125f, 2 },
		{ 1, 300, 1, 0, 0, 0, 1, -3 },
	};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		check_shape(&shapes[i]);
}

/* k = 0: C = beta C; m or n = 0: nothing is touched. */
static void test_sgemm_zero_sizes(void **state)
{
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	float c[4] = { 1, -2, 3, -4 };

	assert_int_equal(vaccel_sgemm(&sess, 2, 2, 0, 1, a, 1, b, 2, 3, c, 2),
			 VACCEL_OK);
	assert_true(c[0] == 3 && c[1] == -6 && c[2] == 9 && c[3] == -12);
	assert_int_equal(vaccel_sgemm(&sess, 0, 2, 2, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_OK);
	assert_int_equal(vaccel_sgemm(&sess, 2, 0, 2, 1, a, 2, b, 1, 0, c, 1),
			 VACCEL_OK);
	assert_true(c[0] == 3 && c[1] == -6 && c[2] == 9 && c[3] == -12);
}

static void test_sgemm_invalid(void **state)
{
	float a[16] = { 0 }, b[16] = { 0 }, c[16] = { 0 };

	/* negative sizes */
	assert_int_equal(vaccel_sgemm(&sess, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(&sess, 2, -2, 2, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(&sess, 2, 2, -3, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_EINVAL);
	/* leading dimensions below the row length (row-major) */
	assert_int_equal(vaccel_sgemm(&sess, 2, 3, 4, 1, a, 3, b, 3, 0, c, 3),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(&sess, 2, 3, 4, 1, a, 4, b, 2, 0, c, 3),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(&sess, 2, 3, 4, 1, a, 4, b, 3, 0, c, 2),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(&sess, 2, 3, 0, 1, a, 0, b, 3, 0, c, 3),
			 VACCEL_EINVAL);
	/* beyond OpenBLAS's 32-bit index */
	assert_int_equal(vaccel_sgemm(&sess, 1, 1, 1, 1, a, (int64_t)1 << 32, b,
				      1, 0, c, 1),
			 VACCEL_EINVAL);
	/* NULL matrices */
	assert_int_equal(
		vaccel_sgemm(&sess, 2, 2, 2, 1, NULL, 2, b, 2, 0, c, 2),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_sgemm(&sess, 2, 2, 2, 1, a, 2, NULL, 2, 0, c, 2),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_sgemm(&sess, 2, 2, 2, 1, a, 2, b, 2, 0, NULL, 2),
		VACCEL_EINVAL);
	/* nothing was written */
	for (int i = 0; i < 16; i++)
		assert_true(c[i] == 0);
}

static void test_sgemm_genop(void **state)
{
	int64_t m = 9, n = 11, k = 13, lda = 13, ldb = 11, ldc = 11;
	float alpha = 1.5f, beta = -0.5f;
	float *a = frand_array(9 * 13), *b = frand_array(13 * 11);
	float *c = frand_array(9 * 11);
	double ref[9 * 11];
	uint8_t op = VACCEL_OP_BLAS_SGEMM;
	struct vaccel_arg_array rd, wr;

	for (int i = 0; i < 9 * 11; i++)
		ref[i] = c[i];
	ref_sgemm(m, n, k, alpha, a, lda, b, ldb, beta, ref, ldc);
	assert_int_equal(vaccel_arg_array_init(&rd, 11), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_init(&wr, 1), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_uint8(&rd, &op), VACCEL_OK);
	vaccel_arg_array_add_int64(&rd, &m);
	vaccel_arg_array_add_int64(&rd, &n);
	vaccel_arg_array_add_int64(&rd, &k);
	vaccel_arg_array_add_float(&rd, &alpha);
	vaccel_arg_array_add_float_array(&rd, a, 9 * 13);
	vaccel_arg_array_add_int64(&rd, &lda);
	vaccel_arg_array_add_float_array(&rd, b, 13 * 11);
	vaccel_arg_array_add_int64(&rd, &ldb);
	vaccel_arg_array_add_float(&rd, &beta);
	assert_int_equal(vaccel_arg_array_add_int64(&rd, &ldc), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_float_array(&wr, c, 9 * 11),
			 VACCEL_OK);
	assert_int_equal(vaccel_genop(&sess, vaccel_arg_array_raw(&rd),
				      (int)vaccel_arg_array_count(&rd),
				      vaccel_arg_array_raw(&wr),
				      (int)vaccel_arg_array_count(&wr)),
			 VACCEL_OK);
	for (int i = 0; i < 9 * 11; i++)
		assert_true(fabs(c[i] - ref[i]) < 1e-4);
	vaccel_arg_array_release(&rd);
	vaccel_arg_array_release(&wr);
	free(a);
	free(b);
	free(c);
}

static void test_minmax(void **state)
{
	double in[1000], out[1000], min, max, lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < 1000; i++) {
		in[i] = frand() * 500.0;
		double want = in[i] < -100 ? -100 : in[i] > 250 ? 250 : in[i];

		lo = fmin(lo, want);
		hi = fmax(hi, want);
	}
	assert_int_equal(
		vaccel_minmax(&sess, in, 1000, -100, 250, out, &min, &max),
		VACCEL_OK);
	for (int i = 0; i < 1000; i++)
		assert_true(out[i] == (in[i] < -100  ? -100
				       : in[i] > 250 ? 250
						     : in[i]));
	assert_true(min == lo && max == hi);
	assert_true(min == -100 && max == 250); /* 1000 values span both */
	/* in place, one element inside the range */
	in[0] = 3.5;
	assert_int_equal(vaccel_minmax(&sess, in, 1, 0, 10, in, &min, &max),
			 VACCEL_OK);
	assert_true(in[0] == 3.5 && min == 3.5 && max == 3.5);
}

static void test_minmax_invalid(void **state)
{
	double in[3] = { 1, NAN, 3 }, out[3], min, max;

	assert_int_equal(vaccel_minmax(&sess, in, 0, 0, 1, out, &min, &max),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&sess, in, 1, 5, 1, out, &min, &max),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&sess, in, 3, 0, 5, out, &min, &max),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&sess, in, 1, 0, 5, NULL, &min, &max),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&sess, in, 1, 0, 5, out, NULL, &max),
			 VACCEL_EINVAL);
}

static void test_arraycopy(void **state)
{
	int a[513], out[513];

	for (int i = 0; i < 513; i++) {
		a[i] = (int)(frand() * 1e6);
		out[i] = 0;
	}
	assert_int_equal(vaccel_fpga_arraycopy(&sess, a, out, 513), VACCEL_OK);
	assert_memory_equal(a, out, sizeof(a));
	assert_int_equal(vaccel_fpga_arraycopy(&sess, a, out, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_arraycopy(&sess, a, NULL, 3),
			 VACCEL_EINVAL);
}

static void test_mmult(void **state)
{
	static const size_t sizes[] = { 1, 2, 5, 16, 37 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s], len = n * n;
		float *a = frand_array(len), *b = frand_array(len);
		float *c = frand_array(len);
		double *ref = calloc(len, sizeof(double));

		ref_sgemm((int64_t)n, (int64_t)n, (int64_t)n, 1, a, (int64_t)n,
			  b, (int64_t)n, 0, ref, (int64_t)n);
		assert_int_equal(vaccel_fpga_mmult(&sess, a, b, c, len),
				 VACCEL_OK);
		for (size_t i = 0; i < len; i++)
			assert_true(fabs(c[i] - ref[i]) <
				    1e-5 * (double)(n + 1));
		/* the output may be an input */
		assert_int_equal(vaccel_fpga_mmult(&sess, a, b, a, len),
				 VACCEL_OK);
		for (size_t i = 0; i < len; i++)
			assert_true(fabs(a[i] - ref[i]) <
				    1e-5 * (double)(n + 1));
		free(a);
		free(b);
		free(c);
		free(ref);
	}
}

static void test_mmult_invalid(void **state)
{
	float a[8] = { 0 }, b[8] = { 0 }, c[8] = { 0 };

	assert_int_equal(vaccel_fpga_mmult(&sess, a, b, c, 8), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(&sess, a, b, c, 3), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(&sess, a, b, c, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(&sess, a, NULL, c, 4),
			 VACCEL_EINVAL);
}

static void test_parallel_vadd(void **state)
{
	enum {
		N = 1031
	};
	float *a = frand_array(N), *b = frand_array(N);
	float add[N], mult[N], c[N];

	assert_int_equal(vaccel_fpga_parallel(&sess, a, b, add, mult, N),
			 VACCEL_OK);
	assert_int_equal(vaccel_fpga_vadd(&sess, a, b, c, N, N), VACCEL_OK);
	for (int i = 0; i < N; i++) {
		assert_true(add[i] == a[i] + b[i]);
		assert_true(mult[i] == a[i] * b[i]);
		assert_true(c[i] == a[i] + b[i]);
	}
	assert_int_equal(vaccel_fpga_vadd(&sess, a, b, c, N, N - 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_vadd(&sess, a, b, c, 0, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_parallel(&sess, a, b, add, NULL, N),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_parallel(&sess, a, b, add, mult, 0),
			 VACCEL_EINVAL);
	free(a);
	free(b);
}

static void test_vadd_genop(void **state)
{
	float a[5] = { 1, 2, 3, 4, 5 }, b[5] = { 10, 20, 30, 40, 50 };
	float c[5] = { 0 };
	uint8_t op = VACCEL_OP_FPGA_VECTORADD;
	struct vaccel_arg rd[3], wr[1];

	vaccel_arg_init_from_buf(&rd[0], &op, 1, VACCEL_ARG_UINT8, 0);
	vaccel_arg_init_from_buf(&rd[1], a, sizeof(a), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&rd[2], b, sizeof(b), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&wr[0], c, sizeof(c), VACCEL_ARG_RAW, 0);
	assert_int_equal(vaccel_genop(&sess, rd, 3, wr, 1), VACCEL_OK);
	for (int i = 0; i < 5; i++)
		assert_true(c[i] == a[i] + b[i]);
}

/* Ops the plugin does not serve answer ENOTSUP. */
static void test_unsupported(void **state)
{
	unsigned char img[4] = { 1, 2, 3, 4 }, out[16];

	assert_int_equal(vaccel_image_detection(&sess, img, out, sizeof(img),
						sizeof(out)),
			 VACCEL_ENOTSUP);
}

/* VACCEL_BLAS_THREADS sets OpenBLAS's pool when the plugin loads (the
 * library is shared with this process, so it can be asked). Last: the
 * reload releases the group's session, so this makes a new one. */
static void test_threads_env(void **state)
{
	float a[4] = { 1, 2, 3, 4 }, c[4];

	assert_int_equal(openblas_get_num_threads(), 1);
	setenv("VACCEL_BLAS_THREADS", "2", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_equal(openblas_get_num_threads(), 2);
	assert_int_equal(vaccel_session_init(&sess, VACCEL_PLUGIN_CPU), 0);
	assert_int_equal(vaccel_sgemm(&sess, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2),
			 VACCEL_OK);
	assert_true(c[0] == 7 && c[1] == 10 && c[2] == 15 && c[3] == 22);
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	/* out of range: a warning, and the default */
	setenv("VACCEL_BLAS_THREADS", "0", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_equal(openblas_get_num_threads(), 1);
	unsetenv("VACCEL_BLAS_THREADS");
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&sess, VACCEL_PLUGIN_CPU), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgemm_shapes),
		cmocka_unit_test(test_sgemm_zero_sizes),
		cmocka_unit_test(test_sgemm_invalid),
		cmocka_unit_test(test_sgemm_genop),
		cmocka_unit_test(test_minmax),
		cmocka_unit_test(test_minmax_invalid),
		cmocka_unit_test(test_arraycopy),
		cmocka_unit_test(test_mmult),
		cmocka_unit_test(test_mmult_invalid),
		cmocka_unit_test(test_parallel_vadd),
		cmocka_unit_test(test_vadd_genop),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_threads_env),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
