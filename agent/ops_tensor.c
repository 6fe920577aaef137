// SPDX-License-Identifier: Apache-2.0
/* Tensors of the model ops: every size a backend reads checked against
 * the request's bytes, the application's view of them, the reply's
 * description of outputs, and their deletion after the reply. */
#include "ops_int.h"
#include "tensor_size.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The bytes a tensor's dims and element type describe: false if the dims
 * are negative or overflow, or the type has no fixed size (such tensors
 * are refused: the agent could not check what a backend reads). */
static bool tensor_bytes(unsigned family, const struct vrpc_tensor *t,
			 uint64_t *bytes)
{
	return vaccel__tensor_bytes(family, t->data_type, t->nr_dims, t->dims,
				    bytes);
}

/* A tensor's data holds at least what its dims and type say. */
bool tensor_ok(struct req *r, unsigned family, const struct vrpc_tensor *t)
{
	uint64_t bytes;
	if (!tensor_bytes(family, t, &bytes))
		return reply_err(r, VRPC_E_INVAL,
				 "tensor of type %u with these dims not "
				 "supported remotely",
				 (unsigned)t->data_type),
		       false;
	if (bytes > t->data.len)
		return reply_err(r, VRPC_E_INVAL,
				 "tensor data smaller than its dims"),
		       false;
	if (family == VACCEL_OP_TFLITE_MODEL_RUN) {
		for (uint32_t i = 0; i < t->nr_dims; i++)
			if (t->dims[i] > INT32_MAX)
				return reply_err(r, VRPC_E_INVAL,
						 "dim over int32"),
				       false;
	}
	if (family == VACCEL_OP_ONNX_MODEL_RUN &&
	    t->nr_dims > VACCEL_ONNX_MAX_DIMS)
		return reply_err(r, VRPC_E_INVAL, "too many dims"), false;
	return true;
}

bool fill_tensor(struct req *r, unsigned family, const struct vrpc_tensor *t,
		 union any_tensor *v)
{
	void *data = t->data.data;
	size_t size = (size_t)t->data.len;
	switch (family) {
	case VACCEL_OP_TF_MODEL_RUN:
		v->tf = (struct vaccel_tf_tensor){
			data,	 size,
			false,	 (int)t->nr_dims,
			t->dims, (enum vaccel_tf_data_type)t->data_type
		};
		return true;
	case VACCEL_OP_TFLITE_MODEL_RUN: {
		int32_t *d = pool(r, t->nr_dims * sizeof(int32_t));
		for (uint32_t i = 0; d && i < t->nr_dims; i++)
			d[i] = (int32_t)t->dims[i];
		v->tfl = (struct vaccel_tflite_tensor){
			data,  size,
			false, (int)t->nr_dims,
			d,     (enum vaccel_tflite_data_type)t->data_type
		};
		return d != NULL;
	}
	case VACCEL_OP_TORCH_MODEL_RUN:
	case VACCEL_OP_TORCH_SGEMM:
		v->torch = (struct vaccel_torch_tensor){
			data,	 size,
			false,	 (int64_t)t->nr_dims,
			t->dims, (enum vaccel_torch_data_type)t->data_type
		};
		return true;
	default:
		v->onnx = (struct vaccel_onnx_tensor){
			data,	 size,
			false,	 (int)t->nr_dims,
			t->dims, (enum vaccel_onnx_data_type)t->data_type
		};
		return true;
	}
}

void delete_outputs(struct req *r)
{
	struct outputs *o = r->after_ctx;
	for (uint32_t i = 0; i < o->n; i++) {
		if (!o->t[i])
			continue;
		switch (o->family) {
		case VACCEL_OP_TF_MODEL_RUN:
			vaccel_tf_tensor_delete(o->t[i]);
			break;
		case VACCEL_OP_TFLITE_MODEL_RUN:
			vaccel_tflite_tensor_delete(o->t[i]);
			break;
		case VACCEL_OP_TORCH_MODEL_RUN:
		case VACCEL_OP_TORCH_SGEMM:
			vaccel_torch_tensor_delete(o->t[i]);
			break;
		default:
			vaccel_onnx_tensor_delete(o->t[i]);
		}
	}
}

/* Describe an output tensor of the plugin (NULL: an empty tensor). */
bool describe(struct req *r, unsigned family, void *p, struct vrpc_tensor *t)
{
	union any_tensor *v = p;
	bool torch = family == VACCEL_OP_TORCH_MODEL_RUN ||
		     family == VACCEL_OP_TORCH_SGEMM;
	bool tfl = family == VACCEL_OP_TFLITE_MODEL_RUN;
	memset(t, 0, sizeof(*t));
	t->data.kind = VRPC_BUF_NONE;
	if (!v)
		return true;
	int64_t nd = torch ? v->torch.nr_dims : v->tf.nr_dims;
	if (nd < 0 || (uint64_t)nd > cfg.lim.max_dims) {
		reply_err(r, VRPC_E_BACKEND, "output tensor dims");
		return false;
	}
	t->nr_dims = (uint32_t)nd;
	if (!(t->dims = pool(r, (size_t)nd * sizeof(int64_t))))
		return false;
	for (int64_t i = 0; i < nd; i++)
		t->dims[i] = tfl     ? v->tfl.dims[i]
			     : torch ? v->torch.dims[i]
				     : v->tf.dims[i];
	switch (family) {
	case VACCEL_OP_TF_MODEL_RUN:
		t->data_type = (uint32_t)v->tf.data_type;
		break;
	case VACCEL_OP_TFLITE_MODEL_RUN:
		t->data_type = (uint32_t)v->tfl.data_type;
		break;
	case VACCEL_OP_ONNX_MODEL_RUN:
		t->data_type = (uint32_t)v->onnx.data_type;
		break;
	default:
		t->data_type = (uint32_t)v->torch.data_type;
	}
	/* data and size lead every family's struct; a backend's size is
	 * believed only if it is what its dims and type say (a faulty one
	 * must not make the agent send memory beyond its data) */
	uint64_t bytes;
	if (!tensor_bytes(family, t, &bytes) || bytes != v->tf.size ||
	    (bytes && !v->tf.data)) {
		reply_err(r, VRPC_E_BACKEND,
			  "the backend's output tensor says %zu bytes where "
			  "its dims and type say otherwise",
			  v->tf.size);
		return false;
	}
	if (bytes)
		t->data = (struct vrpc_buf){ VRPC_BUF_INLINE, v->tf.size, 0, 0,
					     v->tf.data };
	return true;
}

/* Input tensors as the family's pointer array. */
void **make_inputs(struct req *r, unsigned family)
{
	struct vrpc_model *md = &r->msg.u.model;
	void **in = pool(r, md->nr_in * sizeof(void *));
	union any_tensor *v = pool(r, md->nr_in * sizeof(*v));
	if (!in || !v)
		return NULL;
	for (uint32_t i = 0; i < md->nr_in; i++) {
		if (!tensor_ok(r, family, &md->in[i]) ||
		    !fill_tensor(r, family, &md->in[i], &v[i]))
			return NULL;
		in[i] = &v[i];
	}
	return in;
}
