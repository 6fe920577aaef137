// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof_load =
	VACCEL__PROF_OP_INIT("vaccel_tflite_model_load");
static struct vaccel__prof_op prof_unload =
	VACCEL__PROF_OP_INIT("vaccel_tflite_model_unload");
static struct vaccel__prof_op prof_run =
	VACCEL__PROF_OP_INIT("vaccel_tflite_model_run");

int vaccel_tflite_model_load(struct vaccel_session *sess,
			     struct vaccel_resource *model)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TFLITE_MODEL_LOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_load, sess,
			fn->TFLITE_MODEL_LOAD(sess, model));
	return ret;
}

int vaccel_tflite_model_unload(struct vaccel_session *sess,
			       struct vaccel_resource *model)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TFLITE_MODEL_UNLOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_unload, sess,
			fn->TFLITE_MODEL_UNLOAD(sess, model));
	return ret;
}

int vaccel_tflite_model_run(struct vaccel_session *sess,
			    const struct vaccel_resource *model,
			    struct vaccel_tflite_tensor *const *inputs,
			    int nr_inputs,
			    struct vaccel_tflite_tensor **outputs,
			    int nr_outputs, uint8_t *status)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_TFLITE_MODEL_RUN, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(nr_inputs >= 0 && nr_outputs >= 0, "tflite_model_run",
			  "tensor counts");
	VACCEL__CHECK_ARG(inputs || !nr_inputs, "tflite_model_run", "inputs");
	VACCEL__CHECK_ARG(outputs || !nr_outputs, "tflite_model_run",
			  "outputs");
	VACCEL__OP_CALL(ret, prof_run, sess,
			fn->TFLITE_MODEL_RUN(sess, model, inputs, nr_inputs,
					     outputs, nr_outputs, status));
	return ret;
}
