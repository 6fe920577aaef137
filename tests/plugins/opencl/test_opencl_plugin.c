// SPDX-License-Identifier: Apache-2.0
/* The opencl plugin through the public API, each case on a local session
 * and on a session of a real vaccel-agent serving the plugin: sgemm
 * against a naive product (several shapes, padded leading dimensions,
 * alpha/beta), zero sizes and invalid arguments, sgemm through genop,
 * minmax and the fpga ops against plain loops, concurrent calls, device
 * selection from the environment.
 *
 *   test-opencl-plugin            the cases above
 *   test-opencl-plugin nodevice   with an empty ICD directory: sessions
 *                                 are refused with VACCEL_ENODEV, locally
 *                                 and through the agent */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CL_TARGET_OPENCL_VERSION 120
#include "gemm_ref.h"
#include "paths.h"
#include "remote_tu.h"
#include <CL/cl.h>
#include <vaccel.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int call(void *ctx, const struct gcase *g, const float *a, int64_t lda,
		const float *b, int64_t ldb, float *c, int64_t ldc)
{
	return vaccel_sgemm(ctx, g->m, g->n, g->k, g->alpha, (float *)a, lda,
			    (float *)b, ldb, g->beta, c, ldc);
}

static void sgemm_shapes(struct vaccel_session *s)
{
	static const struct gcase shapes[] = {
		{ .m = 1, .n = 1, .k = 1, .alpha = 1 },
		{ .m = 7, .n = 5, .k = 3, .alpha = 1 },
		{ .m = 64, .n = 33, .k = 17, .alpha = 2.5f, .beta = -1 },
		{ .m = 128, .n = 128, .k = 128, .alpha = 1, .beta = 1 },
		{ .m = 100,
		  .n = 1,
		  .k = 200,
		  .pad_a = 3,
		  .pad_c = 1,
		  .alpha = -0.5f,
		  .beta = 0.25f },
		{ .m = 3,
		  .n = 257,
		  .k = 65,
		  .pad_a = 7,
		  .pad_b = 5,
		  .pad_c = 11,
		  .alpha = 1 },
		{ .m = 256,
		  .n = 64,
		  .k = 512,
		  .pad_b = 16,
		  .alpha = 0.125f,
		  .beta = 2 },
		{ .m = 1, .n = 300, .k = 1, .alpha = 1, .beta = -3 },
	};

	for (size_t j = 0; j < sizeof(shapes) / sizeof(shapes[0]); j++)
		gemm_check(&shapes[j], call, s);
}

static void test_sgemm_shapes(void **state)
{
	rtu_each(sgemm_shapes);
}

static void zero_and_invalid(struct vaccel_session *s)
{
	float a[16] = { 1, 2, 3, 4 }, b[16] = { 5, 6, 7, 8 };
	float c[16] = { 3, -6, 9, -12 };

	/* zero sizes (not remotely: the agent hands the plugin NULL for the
	 * empty matrices, which sgemm refuses): k = 0 is C = beta C, m or
	 * n = 0 does nothing */
	if (!s->is_virtio) {
		c[0] = 1, c[1] = -2, c[2] = 3, c[3] = -4;
		assert_int_equal(
			vaccel_sgemm(s, 2, 2, 0, 1, a, 1, b, 2, 3, c, 2),
			VACCEL_OK);
		assert_int_equal(
			vaccel_sgemm(s, 0, 2, 2, 1, a, 2, b, 2, 0, c, 2),
			VACCEL_OK);
		assert_int_equal(
			vaccel_sgemm(s, 2, 0, 2, 1, a, 2, b, 1, 0, c, 1),
			VACCEL_OK);
	}
	assert_true(c[0] == 3 && c[1] == -6 && c[2] == 9 && c[3] == -12);
	/* negative sizes, leading dimensions below the row length */
	assert_int_equal(vaccel_sgemm(s, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(s, 2, 3, 4, 1, a, 3, b, 3, 0, c, 3),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(s, 2, 3, 4, 1, a, 4, b, 2, 0, c, 3),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_sgemm(s, 2, 3, 4, 1, a, 4, b, 3, 0, c, 2),
			 VACCEL_EINVAL);
	/* nothing was written */
	assert_true(c[0] == 3 && c[1] == -6 && c[2] == 9 && c[3] == -12);
}

static void test_sgemm_zero_invalid(void **state)
{
	rtu_each(zero_and_invalid);
}

/* sgemm through genop: upstream's argument layout (docs/genop.md). */
static void sgemm_genop(struct vaccel_session *s)
{
	int64_t m = 9, n = 11, k = 13, lda = 13, ldb = 11, ldc = 11;
	float alpha = 1.5f, beta = -0.5f, c[99];
	float *a = gemm_rand(9 * 13), *b = gemm_rand(13 * 11);
	float *c0 = gemm_rand(99);
	uint8_t op = VACCEL_OP_BLAS_SGEMM;
	struct vaccel_arg rd[11] = {
		{ &op, 1, VACCEL_ARG_UINT8, 0, false },
		{ &m, 8, VACCEL_ARG_INT64, 0, false },
		{ &n, 8, VACCEL_ARG_INT64, 0, false },
		{ &k, 8, VACCEL_ARG_INT64, 0, false },
		{ &alpha, 4, VACCEL_ARG_FLOAT32, 0, false },
		{ a, 9 * 13 * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false },
		{ &lda, 8, VACCEL_ARG_INT64, 0, false },
		{ b, 13 * 11 * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false },
		{ &ldb, 8, VACCEL_ARG_INT64, 0, false },
		{ &beta, 4, VACCEL_ARG_FLOAT32, 0, false },
		{ &ldc, 8, VACCEL_ARG_INT64, 0, false },
	};
	struct vaccel_arg wr = { c, sizeof(c), VACCEL_ARG_FLOAT32_ARRAY, 0,
				 false };

	memcpy(c, c0, sizeof(c));
	assert_int_equal(vaccel_genop(s, rd, 11, &wr, 1), VACCEL_OK);
	for (int i = 0; i < 9; i++) {
		for (int j = 0; j < 11; j++) {
			double want = beta * c0[i * 11 + j];

			for (int p = 0; p < 13; p++)
				want += alpha * (double)a[i * 13 + p] *
					b[p * 11 + j];
			assert_true(fabs(c[i * 11 + j] - want) < 1e-4);
		}
	}
	free(a);
	free(b);
	free(c0);
}

static void test_sgemm_genop(void **state)
{
	rtu_each(sgemm_genop);
}

static void minmax(struct vaccel_session *s)
{
	double in[1000], out[1000], mn, mx, lo = INFINITY, hi = -INFINITY;
	float *r = gemm_rand(1000);

	for (int i = 0; i < 1000; i++) {
		in[i] = r[i] * 500.0;
		double want = in[i] < -100 ? -100 : in[i] > 250 ? 250 : in[i];

		lo = fmin(lo, want);
		hi = fmax(hi, want);
	}
	free(r);
	assert_int_equal(vaccel_minmax(s, in, 1000, -100, 250, out, &mn, &mx),
			 VACCEL_OK);
	for (int i = 0; i < 1000; i++)
		assert_true(out[i] == (in[i] < -100  ? -100
				       : in[i] > 250 ? 250
						     : in[i]));
	assert_true(mn == lo && mx == hi && mn == -100 && mx == 250);
	/* in place, one element, and one in range */
	in[0] = 3.5;
	assert_int_equal(vaccel_minmax(s, in, 1, 0, 10, in, &mn, &mx),
			 VACCEL_OK);
	assert_true(in[0] == 3.5 && mn == 3.5 && mx == 3.5);
	/* invalid: no data, low > high, NaN */
	in[1] = NAN;
	assert_int_equal(vaccel_minmax(s, in, 0, 0, 1, out, &mn, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(s, in, 1, 5, 1, out, &mn, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(s, in, 3, 0, 5, out, &mn, &mx),
			 VACCEL_EINVAL);
}

static void test_minmax(void **state)
{
	rtu_each(minmax);
}

static void mmult(struct vaccel_session *s, size_t n)
{
	size_t len = n * n;
	float *a = gemm_rand(len), *b = gemm_rand(len), *c = gemm_rand(len);

	assert_int_equal(vaccel_fpga_mmult(s, a, b, c, len), VACCEL_OK);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			double want = 0;

			for (size_t p = 0; p < n; p++)
				want += (double)a[i * n + p] * b[p * n + j];
			assert_true(fabs(c[i * n + j] - want) <
				    1e-5 * (double)(n + 1));
		}
	}
	/* the output may be an input */
	assert_int_equal(vaccel_fpga_mmult(s, a, b, a, len), VACCEL_OK);
	assert_memory_equal(a, c, len * sizeof(float));
	free(a);
	free(b);
	free(c);
}

static void fpga_ops(struct vaccel_session *s)
{
	enum {
		N = 1031
	};
	float *a = gemm_rand(N), *b = gemm_rand(N);
	float add[N], mult[N], c[N];
	int ia[N], io[N];

	for (int i = 0; i < N; i++)
		ia[i] = (int)(a[i] * 1e6f), io[i] = 0;
	assert_int_equal(vaccel_fpga_arraycopy(s, ia, io, N), VACCEL_OK);
	assert_memory_equal(ia, io, sizeof(ia));
	assert_int_equal(vaccel_fpga_parallel(s, a, b, add, mult, N),
			 VACCEL_OK);
	assert_int_equal(vaccel_fpga_vadd(s, a, b, c, N, N), VACCEL_OK);
	for (int i = 0; i < N; i++) {
		assert_true(add[i] == a[i] + b[i]);
		assert_true(mult[i] == a[i] * b[i]);
		assert_true(c[i] == a[i] + b[i]);
	}
	mmult(s, 1);
	mmult(s, 37);
	/* wrong lengths */
	assert_int_equal(vaccel_fpga_vadd(s, a, b, c, N, N - 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(s, a, b, c, 8), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_arraycopy(s, ia, io, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_parallel(s, a, b, add, mult, 0),
			 VACCEL_EINVAL);
	free(a);
	free(b);
}

static void test_fpga(void **state)
{
	rtu_each(fpga_ops);
}

static void unsupported(struct vaccel_session *s)
{
	unsigned char img[4] = { 1, 2, 3, 4 }, out[16];

	assert_int_equal(
		vaccel_image_detection(s, img, out, sizeof(img), sizeof(out)),
		VACCEL_ENOTSUP);
}

static void test_unsupported(void **state)
{
	rtu_each(unsupported);
}

/* Three threads, each with its own session, sgemm at the same time. */
static void *gemm_thread(void *arg)
{
	static const struct gcase g = {
		.m = 96, .n = 80, .k = 200, .pad_c = 3, .alpha = 1, .beta = 0.5f
	};
	struct vaccel_session *s = rtu_session(0);

	for (int r = 0; r < 4; r++)
		gemm_check(&g, call, s);
	rtu_session_free(s);
	return arg;
}

static void test_threads(void **state)
{
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, gemm_thread, NULL),
				 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

/* A session after reloading the plugin with this selection (the plugin
 * alone: the rpc transport's reload is slow and not what is tested). */
static int session_with(const char *platform, const char *device)
{
	struct vaccel_session s;
	int ret;

	setenv("VACCEL_PLUGINS", plugin_path("opencl"), 1);

	platform ? setenv("VACCEL_OPENCL_PLATFORM", platform, 1)
		 : unsetenv("VACCEL_OPENCL_PLATFORM");
	device ? setenv("VACCEL_OPENCL_DEVICE", device, 1)
	       : unsetenv("VACCEL_OPENCL_DEVICE");
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	ret = vaccel_session_init(&s, 0);
	if (!ret) {
		float a[4] = { 1, 2, 3, 4 }, c[4];

		assert_int_equal(
			vaccel_sgemm(&s, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2),
			VACCEL_OK);
		assert_true(c[0] == 7 && c[1] == 10 && c[2] == 15 &&
			    c[3] == 22);
		vaccel_session_release(&s);
	}
	return ret;
}

/* Selection by index and by part of the name (the first device's, asked
 * from OpenCL here), and selections that match nothing. Last: it reloads
 * the plugins. */
static void test_device_selection(void **state)
{
	cl_platform_id p;
	cl_device_id d;
	char name[128], part[8];

	assert_int_equal(clGetPlatformIDs(1, &p, NULL), CL_SUCCESS);
	assert_int_equal(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &d, NULL),
			 CL_SUCCESS);
	clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof(name), name, NULL);
	snprintf(part, sizeof(part), "%s", name + strlen(name) / 3);
	printf("# first device: %s (selected by \"%s\")\n", name, part);
	assert_int_equal(session_with("0", "0"), VACCEL_OK);
	assert_int_equal(session_with(NULL, part), VACCEL_OK);
	assert_int_equal(session_with(NULL, "no such device"), VACCEL_ENODEV);
	assert_int_equal(session_with(NULL, "63"), VACCEL_ENODEV);
	assert_int_equal(session_with("no such platform", NULL), VACCEL_ENODEV);
	assert_int_equal(session_with("15", NULL), VACCEL_ENODEV);
	assert_int_equal(session_with(NULL, NULL), VACCEL_OK);
}

/* An ICD directory without drivers: no platform, so no session, locally
 * and through the agent (which inherits the environment). */
static void test_no_device(void **state)
{
	struct vaccel_session s;

	for (int i = 0; i < rtu_nr_sessions(); i++) {
		int ret = vaccel_session_init(&s, i ? VACCEL_PLUGIN_REMOTE : 0);

		printf("# %s session without a device: %s\n", rtu_name(i),
		       vaccel_strerror(ret));
		assert_int_equal(ret, VACCEL_ENODEV);
	}
}

/* The CLI lists the plugin and the ops it serves. */
static void test_info(void **state)
{
	rtu_check_info("opencl", "ops: blas_sgemm fpga_arraycopy fpga_mmult "
				 "fpga_parallel fpga_vectoradd minmax");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgemm_shapes),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_sgemm_zero_invalid),
		cmocka_unit_test(test_sgemm_genop),
		cmocka_unit_test(test_minmax),
		cmocka_unit_test(test_fpga),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_device_selection),
	};
	const struct CMUnitTest nodev[] = {
		cmocka_unit_test(test_no_device),
	};
	char empty[] = "/tmp/vaccel-opencl-noicd-XXXXXX";
	bool no_icd = argc > 1 && !strcmp(argv[1], "nodevice");
	int ret;

	if (no_icd) {
		if (!mkdtemp(empty))
			return 1;
		setenv("OCL_ICD_VENDORS", empty, 1);
	}
	/* pocl compiles kernels by running a linker: the agent's workers may
	 * start programs (inside their sandbox) with --worker-exec
	 * (docs/plugins/opencl.md) */
	static const char *const worker_exec[] = { "--worker-exec", NULL };

	if (rtu_setup("opencl", NULL, worker_exec))
		return 1;
	ret = no_icd ? cmocka_run_group_tests(nodev, NULL, NULL)
		     : cmocka_run_group_tests(tests, NULL, NULL);
	rtu_teardown();
	if (no_icd)
		rmdir(empty);
	return ret;
}
