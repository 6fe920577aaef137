// SPDX-License-Identifier: Apache-2.0
/* Our ONNX extension ops (vaccel/ops/onnx.h). */
#include "op_common.h"
#include <stdlib.h>
#include <string.h>

static struct vaccel__prof_op prof_load =
	VACCEL__PROF_OP_INIT("vaccel_onnx_model_load");
static struct vaccel__prof_op prof_run =
	VACCEL__PROF_OP_INIT("vaccel_onnx_model_run");
static struct vaccel__prof_op prof_unload =
	VACCEL__PROF_OP_INIT("vaccel_onnx_model_unload");

int vaccel_onnx_model_load(struct vaccel_session *sess,
			   struct vaccel_resource *model)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_ONNX_MODEL_LOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_load, sess, fn->ONNX_MODEL_LOAD(sess, model));
	return ret;
}

int vaccel_onnx_model_run(struct vaccel_session *sess,
			  const struct vaccel_resource *model,
			  struct vaccel_onnx_tensor *const *inputs,
			  int nr_inputs, struct vaccel_onnx_tensor **outputs,
			  int nr_outputs)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_ONNX_MODEL_RUN, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(nr_inputs >= 0 && nr_outputs >= 0, "onnx_model_run",
			  "tensor counts");
	VACCEL__CHECK_ARG(inputs || !nr_inputs, "onnx_model_run", "inputs");
	VACCEL__CHECK_ARG(outputs || !nr_outputs, "onnx_model_run", "outputs");
	for (int i = 0; i < nr_inputs; i++)
		VACCEL__CHECK_ARG(inputs[i], "onnx_model_run", "NULL input");
	VACCEL__OP_CALL(ret, prof_run, sess,
			fn->ONNX_MODEL_RUN(sess, model, inputs, nr_inputs,
					   outputs, nr_outputs));
	return ret;
}

int vaccel_onnx_model_unload(struct vaccel_session *sess,
			     struct vaccel_resource *model)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, model, VACCEL_RESOURCE_MODEL,
				       VACCEL_OP_ONNX_MODEL_UNLOAD, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_unload, sess,
			fn->ONNX_MODEL_UNLOAD(sess, model));
	return ret;
}

/* ---- genop form of onnx_model_run (layout: docs/genop.md) ---- */

/* Bytes of a tensor of `dims`, or false on overflow/negative dims. */
static bool tensor_bytes(const int64_t *dims, size_t n, size_t elem,
			 size_t *bytes)
{
	size_t total = elem;
	for (size_t i = 0; i < n; i++) {
		if (dims[i] < 0 ||
		    (dims[i] && total > SIZE_MAX / (size_t)dims[i]))
			return false;
		total *= (size_t)dims[i];
	}
	*bytes = total;
	return true;
}

/* Input i from its (INT32 dtype, INT64_ARRAY dims, BUFFER data) args; the
 * tensor references the arg's data. */
static int genop_input(struct vaccel_arg *a, struct vaccel_onnx_tensor *t)
{
	int32_t dtype;
	size_t bytes;
	if (a[0].type != VACCEL_ARG_INT32 || a[0].size != sizeof(dtype) ||
	    !a[0].buf || a[1].type != VACCEL_ARG_INT64_ARRAY || !a[1].buf ||
	    !a[1].size || a[1].size % sizeof(int64_t) ||
	    a[2].type != VACCEL_ARG_BUFFER || !a[2].buf)
		return VACCEL_EINVAL;
	memcpy(&dtype, a[0].buf, sizeof(dtype));
	size_t nd = a[1].size / sizeof(int64_t);
	size_t es = vaccel_onnx_data_type_size(dtype);
	int64_t dims[VACCEL_ONNX_MAX_DIMS];
	if (!es || nd > VACCEL_ONNX_MAX_DIMS)
		return VACCEL_EINVAL;
	memcpy(dims, a[1].buf, nd * sizeof(int64_t));
	if (!tensor_bytes(dims, nd, es, &bytes) || bytes != a[2].size)
		return VACCEL_EINVAL;
	int ret = vaccel_onnx_tensor_init(t, (int)nd, dims, dtype);
	if (!ret)
		ret = vaccel_onnx_tensor_set_data(t, a[2].buf, a[2].size);
	return ret;
}

/* Output j into its (INT64_ARRAY meta, BUFFER data) args: meta =
 * [dtype, nr_dims, dims...]. VACCEL_ERANGE if an arg is too small. */
static int genop_output(const struct vaccel_onnx_tensor *t,
			struct vaccel_arg *a)
{
	if (a[0].type != VACCEL_ARG_INT64_ARRAY || !a[0].buf ||
	    a[1].type != VACCEL_ARG_BUFFER || !a[1].buf)
		return VACCEL_EINVAL;
	if (a[0].size < (size_t)(t->nr_dims + 2) * sizeof(int64_t) ||
	    a[1].size < t->size) {
		vaccel_error("genop onnx_model_run: output arguments too small "
			     "(need %d dims, %zu bytes)",
			     t->nr_dims, t->size);
		return VACCEL_ERANGE;
	}
	int64_t *meta = a[0].buf;
	meta[0] = t->data_type;
	meta[1] = t->nr_dims;
	memcpy(meta + 2, t->dims, (size_t)t->nr_dims * sizeof(int64_t));
	if (t->size)
		memcpy(a[1].buf, t->data, t->size);
	return VACCEL_OK;
}

int vaccel__genop_onnx_run(struct vaccel_session *sess,
			   struct vaccel_resource *res, struct vaccel_arg *in,
			   int nr_in, struct vaccel_arg *out, int nr_out)
{
	int n_in = nr_in / 3, n_out = nr_out / 2, ret = VACCEL_OK;
	struct vaccel_onnx_tensor *ins = calloc((size_t)n_in + 1, sizeof(*ins));
	struct vaccel_onnx_tensor **inp =
		calloc((size_t)n_in + 1, sizeof(*inp));
	struct vaccel_onnx_tensor **outs =
		calloc((size_t)n_out + 1, sizeof(*outs));
	if (!ins || !inp || !outs)
		ret = VACCEL_ENOMEM;
	for (int i = 0; !ret && i < n_in; i++) {
		ret = genop_input(&in[3 * i], &ins[i]);
		inp[i] = &ins[i];
		if (ret)
			vaccel_error("genop onnx_model_run: bad input %d", i);
	}
	if (!ret)
		ret = vaccel_onnx_model_run(sess, res, inp, n_in, outs, n_out);
	for (int j = 0; !ret && j < n_out; j++)
		ret = outs[j] ? genop_output(outs[j], &out[2 * j])
			      : VACCEL_EBACKEND;
	for (int j = 0; outs && j < n_out; j++)
		if (outs[j])
			vaccel_onnx_tensor_delete(outs[j]);
	for (int i = 0; ins && i < n_in; i++)
		vaccel_onnx_tensor_release(&ins[i]);
	free(ins);
	free(inp);
	free(outs);
	return ret;
}
