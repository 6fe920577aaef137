// SPDX-License-Identifier: Apache-2.0
/* Generic ONNX model inference: load a MODEL resource's network into the
 * session, run it on the caller's tensors, unload it. */
#include "onnx.h"
#include "vpc_image.h"
#include "vpc_post.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

/* The session's state, locked (the caller unlocks s->lock), and the entry
 * of `model` (created if `create`; NULL if there is none).
 * VACCEL_EINVAL for a session this plugin did not set up. */
static int lock_entry(struct vaccel_session *sess,
		      const struct vaccel_resource *model, bool create,
		      struct onnx_sess **s, struct onnx_res **e)
{
	*s = onnx_sess_state(sess);
	if (!*s)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&(*s)->lock);
	*e = onnx_entry_of(*s, (struct vaccel_resource *)model, create);
	return VACCEL_OK;
}

int onnx_op_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct onnx_sess *s;
	struct ort_net *net = NULL;
	struct onnx_res *e;
	int ret = lock_entry(sess, model, true, &s, &e);

	if (ret)
		return ret;
	ret = !e       ? VACCEL_ENOMEM
	      : e->net ? VACCEL_OK
		       : onnx_resource_net(model, &net);
	if (!ret && !e->net)
		e->net = net;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int onnx_op_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct onnx_sess *s;
	struct ort_net *net = NULL;
	struct onnx_res *e;

	if (lock_entry(sess, model, false, &s, &e))
		return VACCEL_EINVAL;
	if (e) {
		net = e->net;
		e->net = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (!net) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "unload: resource %ld is not loaded in "
				   "session %ld",
				   (long)model->id, (long)sess->id);
	}
	ort_net_put(net);
	return VACCEL_OK;
}

/* Check one caller tensor against the network's input i and wrap it. */
static int wrap_input(const struct ort_net *net, size_t i,
		      const struct vaccel_onnx_tensor *t, OrtValue **v)
{
	const struct ort_io *io = &net->inputs[i];
	size_t esize = ort_type_size(io->type), count = 1;

	if (!t || t->nr_dims < 0 || t->nr_dims > ORT_MAX_DIMS ||
	    (t->nr_dims && !t->dims) || (!t->data && t->size)) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "run: input %zu is malformed", i);
	}
	if (!io->is_tensor || !esize || (int)t->data_type != (int)io->type) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) wants %s, got type "
				   "%d",
				   i, io->name, ort_type_name(io->type),
				   (int)t->data_type);
	}
	/* rank-0 inputs arrive as [1] (vAccel tensors have a rank >= 1) */
	if (io->nr_dims == 0 && t->nr_dims == 1 && t->dims[0] == 1 &&
	    t->size == esize)
		return ort_tensor_wrap(t->data, t->size, t->dims, 0, io->type,
				       v);
	if (io->nr_dims != t->nr_dims) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) has %d dims, got %d",
				   i, io->name, io->nr_dims, t->nr_dims);
	}
	for (int d = 0; d < t->nr_dims; d++) {
		if (t->dims[d] < 0 ||
		    (io->dims[d] > 0 && io->dims[d] != t->dims[d]) ||
		    (t->dims[d] && count > SIZE_MAX / (size_t)t->dims[d])) {
			return vaccel_fail(VACCEL_EINVAL,
					   ONNX_TAG
					   "run: input %zu (%s) dim %d is "
					   "%ld, the model wants %ld",
					   i, io->name, d, (long)t->dims[d],
					   (long)io->dims[d]);
		}
		count *= (size_t)t->dims[d];
	}
	if (count > SIZE_MAX / esize || count * esize != t->size) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) holds %zu bytes, its "
				   "dims need %zu",
				   i, io->name, t->size, count * esize);
	}
	return ort_tensor_wrap(t->data, t->size, t->dims, t->nr_dims, io->type,
			       v);
}

/* Copy an ORT output into a new vAccel tensor (the caller's). */
static int output_tensor(OrtValue *v, struct vaccel_onnx_tensor **out)
{
	ONNXTensorElementDataType type;
	int64_t dims[ORT_MAX_DIMS];
	int nr_dims, ret;
	size_t count;
	void *data;

	ret = ort_tensor_info(v, &type, dims, &nr_dims, &count, &data);
	if (ret)
		return ret;
	if (!ort_type_size(type)) {
		return vaccel_fail(VACCEL_ENOTSUP,
				   ONNX_TAG "run: outputs of type %s are not "
					    "supported",
				   ort_type_name(type));
	}
	if (nr_dims == 0) { /* a scalar: vAccel tensors have a rank >= 1 */
		nr_dims = 1;
		dims[0] = 1;
	}
	ret = vaccel_onnx_tensor_allocate(out, nr_dims, dims,
					  (enum vaccel_onnx_data_type)type,
					  count * ort_type_size(type));
	if (!ret && count)
		memcpy((*out)->data, data, count * ort_type_size(type));
	return ret;
}

static int run_net(struct ort_net *net,
		   struct vaccel_onnx_tensor *const *inputs, int nr_inputs,
		   struct vaccel_onnx_tensor **outputs, int nr_outputs)
{
	OrtValue *ins[64] = { 0 }, *outs[64] = { 0 };
	size_t in_idx[64], out_idx[64];
	int ret = VACCEL_OK, i;

	if (!inputs || !outputs || nr_inputs < 0 ||
	    (size_t)nr_inputs != net->nr_inputs || nr_outputs < 1 ||
	    (size_t)nr_outputs > net->nr_outputs || nr_inputs > 64 ||
	    nr_outputs > 64) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: %s takes %zu inputs and up to %zu "
				   "outputs; got %d and %d",
				   net->what, net->nr_inputs, net->nr_outputs,
				   nr_inputs, nr_outputs);
	}
	for (i = 0; i < nr_outputs; i++) {
		outputs[i] = NULL;
		out_idx[i] = (size_t)i;
	}
	for (i = 0; i < nr_inputs && !ret; i++) {
		in_idx[i] = (size_t)i;
		ret = wrap_input(net, (size_t)i, inputs[i], &ins[i]);
	}
	if (!ret)
		ret = ort_run(net, in_idx, ins, (size_t)nr_inputs, out_idx,
			      outs, (size_t)nr_outputs);
	for (i = 0; i < nr_outputs && !ret; i++)
		ret = output_tensor(outs[i], &outputs[i]);
	for (i = 0; i < 64; i++) {
		if (ins[i])
			ort_api()->ReleaseValue(ins[i]);
		if (outs[i])
			ort_api()->ReleaseValue(outs[i]);
	}
	for (i = 0; ret && i < nr_outputs; i++) {
		vaccel_onnx_tensor_delete(outputs[i]);
		outputs[i] = NULL;
	}
	return ret;
}

int onnx_op_run(struct vaccel_session *sess,
		const struct vaccel_resource *model,
		struct vaccel_onnx_tensor *const *inputs, int nr_inputs,
		struct vaccel_onnx_tensor **outputs, int nr_outputs)
{
	struct onnx_sess *s;
	struct ort_net *net = NULL;
	struct onnx_res *e;
	int ret = lock_entry(sess, model, false, &s, &e);

	if (ret)
		return ret;
	if (e && e->net) {
		net = e->net;
		ort_net_get(net);
	}
	pthread_mutex_unlock(&s->lock);
	if (!net) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: resource %ld is not loaded in "
				   "session %ld (call "
				   "vaccel_onnx_model_load() first)",
				   (long)model->id, (long)sess->id);
	}
	ret = run_net(net, inputs, nr_inputs, outputs, nr_outputs);
	ort_net_put(net);
	return ret;
}
