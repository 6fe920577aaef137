// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof_load =
	VACCEL__PROF_OP_INIT("vaccel_torch_model_load_op");
static struct vaccel__prof_op prof_run =
	VACCEL__PROF_OP_INIT("vaccel_torch_model_run_op");
static struct vaccel__prof_op prof_sgemm =
	VACCEL__PROF_OP_INIT("vaccel_sgemm_op");

int vaccel_torch_model_load(struct vaccel_session *sess,
			    struct vaccel_resource *model)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TORCH_MODEL_LOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_load, sess,
			fn->TORCH_MODEL_LOAD(sess, model));
	return ret;
}

int vaccel_torch_model_run(struct vaccel_session *sess,
			   const struct vaccel_resource *model,
			   const struct vaccel_torch_buffer *run_options,
			   struct vaccel_torch_tensor *const *inputs,
			   int nr_inputs, struct vaccel_torch_tensor **outputs,
			   int nr_outputs)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TORCH_MODEL_RUN, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(nr_inputs >= 0 && nr_outputs >= 0, "torch_model_run",
			  "tensor counts");
	VACCEL__CHECK_ARG(inputs || !nr_inputs, "torch_model_run", "inputs");
	VACCEL__CHECK_ARG(outputs || !nr_outputs, "torch_model_run", "outputs");
	VACCEL__OP_CALL(ret, prof_run, sess,
			fn->TORCH_MODEL_RUN(sess, model, run_options, inputs,
					    nr_inputs, outputs, nr_outputs));
	return ret;
}

int vaccel_torch_sgemm(struct vaccel_session *sess,
		       struct vaccel_torch_tensor **in_A,
		       struct vaccel_torch_tensor **in_B,
		       struct vaccel_torch_tensor **in_C, int M, int N, int K,
		       struct vaccel_torch_tensor **out)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_TORCH_SGEMM, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(in_A && in_B && out, "torch_sgemm", "tensors");
	VACCEL__CHECK_ARG(M >= 0 && N >= 0 && K >= 0, "torch_sgemm",
			  "dimensions");
	VACCEL__OP_CALL(ret, prof_sgemm, sess,
			fn->TORCH_SGEMM(sess, in_A, in_B, in_C, M, N, K, out));
	return ret;
}
