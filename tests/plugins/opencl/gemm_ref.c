// SPDX-License-Identifier: Apache-2.0
#include "gemm_ref.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vaccel.h>

float *gemm_rand(size_t n)
{
	static uint32_t state = 12345;
	float *v = malloc((n ? n : 1) * sizeof(float));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		state = state * 1664525u + 1013904223u;
		v[i] = (float)(state >> 8) / (float)(1 << 23) - 1.0f;
	}
	return v;
}

/* Stored lines and their length of a rows x cols operand (see ops.h). */
static void shape(bool col_major, bool trans, int64_t rows, int64_t cols,
		  int64_t *outer, int64_t *inner)
{
	bool by_rows = col_major == trans;

	*outer = by_rows ? rows : cols;
	*inner = by_rows ? cols : rows;
}

/* Index of element (i, j) of op(X) stored with leading dimension ld. */
static size_t at(bool col_major, bool trans, int64_t i, int64_t j, int64_t ld)
{
	return (size_t)(col_major == trans ? i * ld + j : j * ld + i);
}

static void naive(const struct gcase *g, const float *a, int64_t lda,
		  const float *b, int64_t ldb, double *c, int64_t ldc)
{
	for (int64_t i = 0; i < g->m; i++) {
		for (int64_t j = 0; j < g->n; j++) {
			size_t ci = at(g->col_major, false, i, j, ldc);
			double s = 0;

			for (int64_t p = 0; p < g->k; p++)
				s += (double)a[at(g->col_major, g->trans_a, i,
						  p, lda)] *
				     b[at(g->col_major, g->trans_b, p, j, ldb)];
			c[ci] = g->alpha * s + g->beta * c[ci];
		}
	}
}

static void compare(const struct gcase *g, const float *got, const double *want,
		    int64_t ldc)
{
	int64_t outer, inner;
	double tol = 1e-6 * (double)(g->k + 1) * (fabs(g->alpha) + 1) +
		     1e-6 * fabs(g->beta);

	shape(g->col_major, false, g->m, g->n, &outer, &inner);
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t x = 0; x < ldc; x++) {
			size_t i = (size_t)(o * ldc + x);
			/* the padding of C is never written */
			double t = x < inner ? tol : 0;

			if (fabs(got[i] - want[i]) > t)
				fail_msg("%s A%s B%s m=%ld n=%ld k=%ld: "
					 "C line %ld element %ld = %.7g, want "
					 "%.7g (tol %.2g)",
					 g->col_major ? "col" : "row",
					 g->trans_a ? "'" : "",
					 g->trans_b ? "'" : "", (long)g->m,
					 (long)g->n, (long)g->k, (long)o,
					 (long)x, got[i], want[i], t);
		}
	}
}

void gemm_check(const struct gcase *g, gemm_fn fn, void *ctx)
{
	int64_t ao, ai, bo, bi, co, ci;

	shape(g->col_major, g->trans_a, g->m, g->k, &ao, &ai);
	shape(g->col_major, g->trans_b, g->k, g->n, &bo, &bi);
	shape(g->col_major, false, g->m, g->n, &co, &ci);
	int64_t lda = ai + g->pad_a, ldb = bi + g->pad_b, ldc = ci + g->pad_c;
	size_t na = (size_t)(ao * lda), nb = (size_t)(bo * ldb);
	size_t nc = (size_t)(co * ldc);
	float *a = gemm_rand(na), *b = gemm_rand(nb), *c = gemm_rand(nc);
	double *ref = malloc((nc ? nc : 1) * sizeof(double));

	assert_non_null(ref);
	for (size_t i = 0; i < nc; i++)
		ref[i] = c[i];
	naive(g, a, lda, b, ldb, ref, ldc);
	assert_int_equal(fn(ctx, g, a, lda, b, ldb, c, ldc), VACCEL_OK);
	compare(g, c, ref, ldc);
	free(a);
	free(b);
	free(c);
	free(ref);
}
