// SPDX-License-Identifier: Apache-2.0
/* Upstream's (deprecated) FPGA demo ops. */
#include "op_common.h"

static struct vaccel__prof_op prof_copy =
	VACCEL__PROF_OP_INIT("vaccel_fpga_arraycopy_op");
static struct vaccel__prof_op prof_mmult =
	VACCEL__PROF_OP_INIT("vaccel_fpga_mmult_op");
static struct vaccel__prof_op prof_parallel =
	VACCEL__PROF_OP_INIT("vaccel_fpga_parallel_op");
static struct vaccel__prof_op prof_vadd =
	VACCEL__PROF_OP_INIT("vaccel_fpga_vadd_op");

int vaccel_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			  size_t len_a)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_FPGA_ARRAYCOPY, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG((a && out_a) || !len_a, "fpga_arraycopy", "arrays");
	VACCEL__OP_CALL(ret, prof_copy, sess,
			fn->FPGA_ARRAYCOPY(sess, a, out_a, len_a));
	return ret;
}

int vaccel_fpga_mmult(struct vaccel_session *sess, float a[], float b[],
		      float c[], size_t len_a)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_FPGA_MMULT, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG((a && b && c) || !len_a, "fpga_mmult", "arrays");
	VACCEL__OP_CALL(ret, prof_mmult, sess,
			fn->FPGA_MMULT(sess, a, b, c, len_a));
	return ret;
}

int vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
			 float add_output[], float mult_output[], size_t len_a)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_FPGA_PARALLEL, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG((a && b && add_output && mult_output) || !len_a,
			  "fpga_parallel", "arrays");
	VACCEL__OP_CALL(
		ret, prof_parallel, sess,
		fn->FPGA_PARALLEL(sess, a, b, add_output, mult_output, len_a));
	return ret;
}

int vaccel_fpga_vadd(struct vaccel_session *sess, float a[], float b[],
		     float c[], size_t len_a, size_t len_b)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_FPGA_VECTORADD, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG((a && b && c) || (!len_a && !len_b), "fpga_vadd",
			  "arrays");
	VACCEL__OP_CALL(ret, prof_vadd, sess,
			fn->FPGA_VECTORADD(sess, a, b, c, len_a, len_b));
	return ret;
}
