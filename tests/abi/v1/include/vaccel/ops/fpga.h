// SPDX-License-Identifier: Apache-2.0
/* Upstream's FPGA demo ops (deprecated upstream; kept with CPU
 * implementations in the blas plugin). */
#pragma once

#include "vaccel/session.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL__FPGA_DEPRECATED __attribute__((deprecated))

/* out_a = a (len_a ints) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_arraycopy(struct vaccel_session *sess,
						  int a[], int out_a[],
						  size_t len_a);
/* c = a x b, square matrices of len_a elements (n x n, n*n == len_a) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_mmult(struct vaccel_session *sess,
					      float a[], float b[], float c[],
					      size_t len_a);
/* add_output = a + b, mult_output = a * b (element-wise) */
VACCEL__FPGA_DEPRECATED int
vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
		     float add_output[], float mult_output[], size_t len_a);
/* c = a + b (element-wise; len_a == len_b) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_vadd(struct vaccel_session *sess,
					     float a[], float b[], float c[],
					     size_t len_a, size_t len_b);

#ifdef __cplusplus
}
#endif
