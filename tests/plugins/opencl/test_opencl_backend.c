// SPDX-License-Identifier: Apache-2.0
/* The opencl plugin's sgemm below the op (vcl_sgemm: what the op calls
 * with row-major, untransposed operands), in both layouts with every
 * combination of transposes, against a naive product; checks that ld
 * errors are caught before the device sees them, and beta = 0 with NaNs
 * in C. Runs on whatever device the environment selects (pocl's CPU
 * device here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gemm_ref.h"
#include "device.h"
#include "ops.h"
#include <vaccel.h>

static int call(void *ctx, const struct gcase *g, const float *a, int64_t lda,
		const float *b, int64_t ldb, float *c, int64_t ldc)
{
	const struct vcl_gemm v = { .col_major = g->col_major,
				    .trans_a = g->trans_a,
				    .trans_b = g->trans_b,
				    .m = g->m,
				    .n = g->n,
				    .k = g->k,
				    .alpha = g->alpha,
				    .beta = g->beta,
				    .a = a,
				    .lda = lda,
				    .b = b,
				    .ldb = ldb,
				    .c = c,
				    .ldc = ldc };

	return vcl_sgemm(&v);
}

/* Every layout and transpose on shapes that take CLBlast's direct kernel
 * (small) and its tiled one (large), with padded leading dimensions. */
static void test_layouts_transposes(void **state)
{
	static const struct gcase sizes[] = {
		{ .m = 1, .n = 1, .k = 1, .alpha = 1 },
		{ .m = 7, .n = 5, .k = 3, .pad_a = 2, .alpha = 2, .beta = -1 },
		{ .m = 33,
		  .n = 17,
		  .k = 65,
		  .pad_b = 3,
		  .pad_c = 5,
		  .alpha = -0.5f,
		  .beta = 0.25f },
		{ .m = 130,
		  .n = 70,
		  .k = 260,
		  .pad_a = 1,
		  .pad_c = 2,
		  .alpha = 1,
		  .beta = 1 },
	};

	for (int l = 0; l < 8; l++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct gcase g = sizes[s];

			g.col_major = l & 1;
			g.trans_a = l & 2;
			g.trans_b = l & 4;
			gemm_check(&g, call, NULL);
		}
	}
}

static void test_leading_dims(void **state)
{
	float a[64] = { 0 }, b[64] = { 0 }, c[64] = { 0 };
	struct vcl_gemm g = { .m = 3,
			      .n = 4,
			      .k = 5,
			      .alpha = 1,
			      .a = a,
			      .lda = 5,
			      .b = b,
			      .ldb = 4,
			      .c = c,
			      .ldc = 4 };

	assert_int_equal(vcl_sgemm(&g), VACCEL_OK);
	/* column-major: lda >= m, ldb >= k, ldc >= m */
	g.col_major = true;
	assert_int_equal(vcl_sgemm(&g), VACCEL_EINVAL);
	g.lda = 3, g.ldb = 5, g.ldc = 3;
	assert_int_equal(vcl_sgemm(&g), VACCEL_OK);
	/* transposed A in column-major is stored k x m by columns: lda >= k */
	g.trans_a = true;
	assert_int_equal(vcl_sgemm(&g), VACCEL_EINVAL);
	g.lda = 5;
	assert_int_equal(vcl_sgemm(&g), VACCEL_OK);
	g.m = -1;
	assert_int_equal(vcl_sgemm(&g), VACCEL_EINVAL);
	g.m = 3, g.c = NULL;
	assert_int_equal(vcl_sgemm(&g), VACCEL_EINVAL);
}

/* BLAS does not read C when beta is 0: NaNs there must not come out. */
static void test_beta_zero_nan(void **state)
{
	float a[6] = { 1, 2, 3, 4, 5, 6 }, b[6] = { 1, 0, 0, 1, 1, 1 };
	float c[6] = { NAN, NAN, NAN, NAN, -7, -7 };
	const struct vcl_gemm g = { .m = 2,
				    .n = 2,
				    .k = 3,
				    .alpha = 1,
				    .a = a,
				    .lda = 3,
				    .b = b,
				    .ldb = 2,
				    .c = c,
				    .ldc = 3 };

	assert_int_equal(vcl_sgemm(&g), VACCEL_OK);
	/* [1 2 3; 4 5 6] x [1 0; 0 1; 1 1] = [4 5; 10 11]; C[0][2] and
	 * C[1][2] are padding (ldc 3) */
	assert_true(c[0] == 4 && c[1] == 5 && c[3] == 10 && c[4] == 11);
	assert_true(isnan(c[2]) && c[5] == -7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts_transposes),
		cmocka_unit_test(test_leading_dims),
		cmocka_unit_test(test_beta_zero_nan),
	};

	/* as the plugin does when it loads: the kernel cache directory */
	vcl_cache_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
