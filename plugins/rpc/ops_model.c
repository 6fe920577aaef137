// SPDX-License-Identifier: Apache-2.0
/* The model runs and torch sgemm, forwarded: each family's tensors to the
 * wire's form and back (docs/protocol.md §5.4). */

#include "rpc.h"
#include "tensor_size.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- model runs -------------------------------------------------------------
 */

/* Every family's tensor starts with data, size, owned; nr_dims and dims
 * differ in type (see ops/tf.h, tflite.h, torch.h, onnx.h). */
struct tview {
	void *data;
	size_t size;
	int64_t nr_dims;
	const void *dims;
	bool dims32;
	uint32_t type;
};

static void view_of(vaccel_op_type_t fam, const void *p, struct tview *v)
{
	const struct vaccel_tf_tensor *tf = p;
	const struct vaccel_tflite_tensor *tl = p;
	const struct vaccel_torch_tensor *to = p;
	const struct vaccel_onnx_tensor *on = p;
	switch (fam) {
	case VACCEL_OP_TF_MODEL_RUN:
		*v =
			(struct tview){ tf->data,    tf->size,
					tf->nr_dims, tf->dims,
					false,	     (uint32_t)tf->data_type };
		break;
	case VACCEL_OP_TFLITE_MODEL_RUN:
		*v =
			(struct tview){ tl->data,    tl->size,
					tl->nr_dims, tl->dims,
					true,	     (uint32_t)tl->data_type };
		break;
	case VACCEL_OP_ONNX_MODEL_RUN:
		*v =
			(struct tview){ on->data,    on->size,
					on->nr_dims, on->dims,
					false,	     (uint32_t)on->data_type };
		break;
	default:
		*v =
			(struct tview){ to->data,    to->size,
					to->nr_dims, to->dims,
					false,	     (uint32_t)to->data_type };
	}
}

/* The wire form of an application tensor (dims copied into the pool). */
static int wire_tensor(struct rpc_ctx *x, vaccel_op_type_t fam, const void *p,
		       struct vrpc_tensor *t)
{
	struct tview v;
	if (!p)
		return VACCEL_EINVAL;
	view_of(fam, p, &v);
	if (v.nr_dims < 0 || v.nr_dims > 1024 || (v.nr_dims && !v.dims))
		return VACCEL_EINVAL;
	t->data_type = v.type;
	t->nr_dims = (uint32_t)v.nr_dims;
	t->dims = vrpc_pool_alloc(&x->pool, (size_t)v.nr_dims * 8 + 8);
	if (!t->dims)
		return VACCEL_ENOMEM;
	for (int64_t i = 0; i < v.nr_dims; i++)
		t->dims[i] = v.dims32 ? ((const int32_t *)v.dims)[i]
				      : ((const int64_t *)v.dims)[i];
	t->data = rpc_in(v.data, v.data ? v.size : 0);
	return 0;
}

static int wire_tensors(struct rpc_ctx *x, vaccel_op_type_t fam,
			const void *const *in, int n)
{
	struct vrpc_model *m = &x->req.u.model;
	m->in = vrpc_pool_alloc(&x->pool, (size_t)n * sizeof(*m->in) + 1);
	if (!m->in)
		return VACCEL_ENOMEM;
	m->nr_in = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		int ret = wire_tensor(x, fam, in[i], &m->in[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static size_t tensor_struct_size(vaccel_op_type_t fam)
{
	switch (fam) {
	case VACCEL_OP_TF_MODEL_RUN:
		return sizeof(struct vaccel_tf_tensor);
	case VACCEL_OP_TFLITE_MODEL_RUN:
		return sizeof(struct vaccel_tflite_tensor);
	case VACCEL_OP_ONNX_MODEL_RUN:
		return sizeof(struct vaccel_onnx_tensor);
	default:
		return sizeof(struct vaccel_torch_tensor);
	}
}

/* nr_dims, dims and data_type of `o`, a tensor struct of any family, from
 * the wire tensor `t` (the types of the fields differ by family). */
#define SET_SHAPE(o, ENUM, t, d)                            \
	do {                                                \
		(o)->nr_dims = (t)->nr_dims;                \
		(o)->dims = (d);                            \
		(o)->data_type = (enum ENUM)(t)->data_type; \
	} while (0)

/* A new application tensor from a reply tensor; its data is placed by
 * rpc_out_alloc and adopted once the bulk is read. */
static int app_tensor(struct rpc_ctx *x, vaccel_op_type_t fam,
		      struct vrpc_tensor *t, void **out, void **data)
{
	*out = NULL;
	if (!t->nr_dims && t->data.kind == VRPC_BUF_NONE)
		return 0;
	/* an application reads what the dims and type say: the data holds
	 * exactly that (the agent checks its backends' outputs the same
	 * way; a worker runs its tenant's code, and a reply from one that
	 * did not would have the application read past the data) */
	uint64_t bytes;
	if (!vaccel__tensor_bytes(fam, t->data_type, t->nr_dims, t->dims,
				  &bytes) ||
	    bytes != t->data.len)
		return VACCEL_EIO;
	bool d32 = fam == VACCEL_OP_TFLITE_MODEL_RUN;
	void *p = calloc(1, tensor_struct_size(fam));
	void *dims = malloc(t->nr_dims * (d32 ? 4 : 8) + 1);
	if (!p || !dims) {
		free(p);
		free(dims);
		return VACCEL_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nr_dims; i++) {
		/* TFLite's dims are int32: a larger one (with a zero beside
		 * it, no bytes) reached the application negative */
		if (d32 && t->dims[i] > INT32_MAX) {
			free(p);
			free(dims);
			return VACCEL_EIO;
		}
		if (d32)
			((int32_t *)dims)[i] = (int32_t)t->dims[i];
		else
			((int64_t *)dims)[i] = t->dims[i];
	}
	/* data, size, owned lead every family's struct (see tview) */
	struct vaccel_tf_tensor *h = p;
	h->size = (size_t)t->data.len;
	h->owned = true;
	switch (fam) {
	case VACCEL_OP_TF_MODEL_RUN:
		SET_SHAPE((struct vaccel_tf_tensor *)p, vaccel_tf_data_type, t,
			  dims);
		break;
	case VACCEL_OP_TFLITE_MODEL_RUN:
		SET_SHAPE((struct vaccel_tflite_tensor *)p,
			  vaccel_tflite_data_type, t, dims);
		break;
	case VACCEL_OP_ONNX_MODEL_RUN:
		SET_SHAPE((struct vaccel_onnx_tensor *)p, vaccel_onnx_data_type,
			  t, dims);
		break;
	default:
		SET_SHAPE((struct vaccel_torch_tensor *)p,
			  vaccel_torch_data_type, t, dims);
	}
	*out = p;
	return rpc_out_alloc(x, &t->data, data);
}

/* Turn the reply's tensors `t` into application tensors in `out`. */
static int take_outputs(struct rpc_ctx *x, vaccel_op_type_t fam,
			struct vrpc_tensor *t, uint32_t nr_t, void **out,
			int nr_outputs)
{
	if (nr_t != (uint32_t)nr_outputs)
		return VACCEL_EIO;
	void **data = calloc((size_t)nr_outputs + 1, sizeof(*data));
	if (!data)
		return VACCEL_ENOMEM;
	int ret = 0;
	for (int i = 0; i < nr_outputs; i++)
		out[i] = NULL;
	for (int i = 0; !ret && i < nr_outputs; i++)
		ret = app_tensor(x, fam, &t[i], &out[i], &data[i]);
	if (!ret)
		ret = rpc_finish(x);
	for (int i = 0; i < nr_outputs; i++) {
		if (!out[i])
			continue;
		struct tview v;
		view_of(fam, out[i], &v);
		if (ret) {
			free((void *)v.dims);
			free(out[i]);
			out[i] = NULL;
			continue;
		}
		((struct vaccel_tf_tensor *)out[i])->data = data[i];
		/* the data is the tensor's now */
		for (int k = 0; k < x->nowned; k++)
			if (x->owned[k] == data[i])
				x->owned[k] = NULL;
	}
	free(data);
	return ret;
}

static int run_common(struct vaccel_session *sess, vaccel_op_type_t fam,
		      const struct vaccel_resource *model, const void *opts,
		      size_t opts_len, const void *const *in, int nr_in,
		      void **out, int nr_out, struct rpc_ctx *x)
{
	int ret = rpc_op_begin(x, sess, fam);
	if (ret)
		return ret;
	x->req.resource = (uint64_t)model->remote_id;
	x->req.u.model.run_options =
		opts ? rpc_in(opts, opts_len) : rpc_outbuf(NULL, 0);
	x->req.u.model.nr_outputs = (uint32_t)nr_out;
	ret = wire_tensors(x, fam, in, nr_in);
	if (!ret)
		ret = rpc_call(x);
	if (!ret && !x->rep.status)
		ret = take_outputs(x, fam, x->rep.u.model.out,
				   x->rep.u.model.nr_out, out, nr_out);
	return ret;
}

int fwd_tf_model_run(struct vaccel_session *sess,
		     const struct vaccel_resource *model,
		     const struct vaccel_tf_buffer *run_options,
		     const struct vaccel_tf_node *in_nodes,
		     struct vaccel_tf_tensor *const *in, int nr_inputs,
		     const struct vaccel_tf_node *out_nodes,
		     struct vaccel_tf_tensor **out, int nr_outputs,
		     struct vaccel_tf_status *status)
{
	struct rpc_ctx x;
	struct vrpc_node *nodes =
		calloc((size_t)(nr_inputs + nr_outputs) + 1, sizeof(*nodes));
	if (!nodes)
		return VACCEL_ENOMEM;
	for (int i = 0; i < nr_inputs; i++)
		nodes[i] =
			(struct vrpc_node){ in_nodes[i].name, in_nodes[i].id };
	for (int i = 0; i < nr_outputs; i++)
		nodes[nr_inputs + i] = (struct vrpc_node){ out_nodes[i].name,
							   out_nodes[i].id };
	int ret = rpc_op_begin(&x, sess, VACCEL_OP_TF_MODEL_RUN);
	if (!ret) {
		x.req.resource = (uint64_t)model->remote_id;
		x.req.u.model.run_options =
			run_options
				? rpc_in(run_options->data, run_options->size)
				: rpc_outbuf(NULL, 0);
		x.req.u.model.in_nodes = nodes;
		x.req.u.model.nr_in_nodes = (uint32_t)nr_inputs;
		x.req.u.model.out_nodes = nodes + nr_inputs;
		x.req.u.model.nr_out_nodes = (uint32_t)nr_outputs;
		ret = wire_tensors(&x, VACCEL_OP_TF_MODEL_RUN,
				   (const void *const *)in, nr_inputs);
	}
	if (!ret)
		ret = rpc_call(&x);
	if (!ret && status)
		rpc_tf_status(&x, status);
	if (!ret && !x.rep.status)
		ret = take_outputs(&x, VACCEL_OP_TF_MODEL_RUN,
				   x.rep.u.model.out, x.rep.u.model.nr_out,
				   (void **)out, nr_outputs);
	free(nodes);
	return rpc_op_end(&x, ret);
}

int fwd_tflite_model_run(struct vaccel_session *sess,
			 const struct vaccel_resource *model,
			 struct vaccel_tflite_tensor *const *in, int nr_inputs,
			 struct vaccel_tflite_tensor **out, int nr_outputs,
			 uint8_t *status)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_TFLITE_MODEL_RUN, model, NULL, 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	if (!ret && status)
		*status = x.rep.u.model.code;
	return rpc_op_end(&x, ret);
}

int fwd_torch_model_run(struct vaccel_session *sess,
			const struct vaccel_resource *model,
			const struct vaccel_torch_buffer *run_options,
			struct vaccel_torch_tensor *const *in, int nr_inputs,
			struct vaccel_torch_tensor **out, int nr_outputs)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_TORCH_MODEL_RUN, model,
			     run_options ? run_options->data : NULL,
			     run_options ? run_options->size : 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	return rpc_op_end(&x, ret);
}

int fwd_onnx_model_run(struct vaccel_session *sess,
		       const struct vaccel_resource *model,
		       struct vaccel_onnx_tensor *const *in, int nr_inputs,
		       struct vaccel_onnx_tensor **out, int nr_outputs)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_ONNX_MODEL_RUN, model, NULL, 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	return rpc_op_end(&x, ret);
}

int fwd_torch_sgemm(struct vaccel_session *sess,
		    struct vaccel_torch_tensor **in_A,
		    struct vaccel_torch_tensor **in_B,
		    struct vaccel_torch_tensor **in_C, int M, int N, int K,
		    struct vaccel_torch_tensor **out)
{
	struct rpc_ctx x;
	const vaccel_op_type_t f = VACCEL_OP_TORCH_SGEMM;
	int ret = rpc_op_begin(&x, sess, f);
	struct vrpc_tsgemm *t = &x.req.u.tsgemm;
	if (!ret)
		ret = wire_tensor(&x, f, *in_A, &t->a);
	if (!ret)
		ret = wire_tensor(&x, f, *in_B, &t->b);
	if (!ret && in_C && *in_C)
		ret = wire_tensor(&x, f, *in_C, &t->c);
	else if (!ret)
		t->c = (struct vrpc_tensor){ VACCEL_TORCH_FLOAT, 0, NULL,
					     rpc_outbuf(NULL, 0) };
	t->m = M, t->n = N, t->k = K;
	if (!ret)
		ret = rpc_call(&x);
	if (!ret && !x.rep.status && x.rep.u.tsgemm.has_out)
		ret = take_outputs(&x, f, &x.rep.u.tsgemm.out, 1, (void **)out,
				   1);
	return rpc_op_end(&x, ret);
}
