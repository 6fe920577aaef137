// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof_load =
	VACCEL__PROF_OP_INIT("vaccel_tf_model_load");
static struct vaccel__prof_op prof_unload =
	VACCEL__PROF_OP_INIT("vaccel_tf_model_unload");
static struct vaccel__prof_op prof_run =
	VACCEL__PROF_OP_INIT("vaccel_tf_model_run");

int vaccel_tf_model_load(struct vaccel_session *sess,
			 struct vaccel_resource *model,
			 struct vaccel_tf_status *status)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TF_MODEL_LOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_load, sess,
			fn->TF_MODEL_LOAD(sess, model, status));
	return ret;
}

int vaccel_tf_model_unload(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   struct vaccel_tf_status *status)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TF_MODEL_UNLOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_unload, sess,
			fn->TF_MODEL_UNLOAD(sess, model, status));
	return ret;
}

int vaccel_tf_model_run(struct vaccel_session *sess,
			const struct vaccel_resource *model,
			const struct vaccel_tf_buffer *run_options,
			const struct vaccel_tf_node *in_nodes,
			struct vaccel_tf_tensor *const *in_tensors,
			int nr_inputs, const struct vaccel_tf_node *out_nodes,
			struct vaccel_tf_tensor **out_tensors, int nr_outputs,
			struct vaccel_tf_status *status)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TF_MODEL_RUN, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(nr_inputs >= 0 && nr_outputs >= 0, "tf_model_run",
			  "tensor counts");
	VACCEL__CHECK_ARG((in_nodes && in_tensors) || !nr_inputs,
			  "tf_model_run", "inputs");
	VACCEL__CHECK_ARG((out_nodes && out_tensors) || !nr_outputs,
			  "tf_model_run", "outputs");
	VACCEL__OP_CALL(ret, prof_run, sess,
			fn->TF_MODEL_RUN(sess, model, run_options, in_nodes,
					 in_tensors, nr_inputs, out_nodes,
					 out_tensors, nr_outputs, status));
	return ret;
}
