// SPDX-License-Identifier: Apache-2.0
/* sgemm cases checked against a naive double-precision product (the
 * opencl plugin's backend test and plugin test). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One case: layout, transposes, sizes, the padding each leading dimension
 * has beyond its minimum, alpha and beta. */
struct gcase {
	bool col_major, trans_a, trans_b;
	int64_t m, n, k, pad_a, pad_b, pad_c;
	float alpha, beta;
};

/* The call under test, on operands laid out as `g` says. */
typedef int (*gemm_fn)(void *ctx, const struct gcase *g, const float *a,
		       int64_t lda, const float *b, int64_t ldb, float *c,
		       int64_t ldc);

/* Random operands for `g` (C too: beta reads it), `fn`, and every element
 * of C compared with the naive product: |error| <= 1e-6 (k + 1)
 * (|alpha| + 1) + 1e-6 |beta|; the padding of C must be unchanged. A
 * mismatch fails the test with the case and the element. */
void gemm_check(const struct gcase *g, gemm_fn fn, void *ctx);

/* n deterministic pseudo-random floats in [-1, 1) (malloc'ed). */
float *gemm_rand(size_t n);
