// SPDX-License-Identifier: Apache-2.0
/* Model load, unload and run (TensorFlow, TFLite, Torch, ONNX), and
 * torch sgemm. */
/* fpga, minmax and torch_sgemm are deprecated upstream, not here */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "ops_int.h"
#include <stdlib.h>
#include <string.h>

void op_model_load(struct req *r, unsigned op)
{
	struct vaccel_session *s = hold_sess(r);
	struct obj *o = s ? hold_res(r) : NULL;
	if (!o)
		return;
	struct vaccel_resource *m = o->u.r.res;
	struct vaccel_tf_status st = { 0, NULL };
	int ret;
	switch (op) {
	case VACCEL_OP_TF_MODEL_LOAD:
		ret = vaccel_tf_model_load(s, m, &st);
		break;
	case VACCEL_OP_TF_MODEL_UNLOAD:
		ret = vaccel_tf_model_unload(s, m, &st);
		break;
	case VACCEL_OP_TFLITE_MODEL_LOAD:
		ret = vaccel_tflite_model_load(s, m);
		break;
	case VACCEL_OP_TFLITE_MODEL_UNLOAD:
		ret = vaccel_tflite_model_unload(s, m);
		break;
	case VACCEL_OP_TORCH_MODEL_LOAD:
		ret = vaccel_torch_model_load(s, m);
		break;
	case VACCEL_OP_ONNX_MODEL_LOAD:
		ret = vaccel_onnx_model_load(s, m);
		break;
	default:
		ret = vaccel_onnx_model_unload(s, m);
		break;
	}
	reply_ret(r, ret);
	r->rep.u.model.code = st.code;
	if (st.message &&
	    (r->rep.u.model.status_msg = pool(r, strlen(st.message) + 1)))
		strcpy(r->rep.u.model.status_msg, st.message);
	if (st.message)
		vaccel_tf_status_release(&st);
}

static int run_tf(struct req *r, struct vaccel_session *s,
		  struct vaccel_resource *m, void **in, void **out)
{
	struct vrpc_model *md = &r->msg.u.model;
	struct vaccel_tf_node *inn = pool(r, md->nr_in_nodes * sizeof(*inn));
	struct vaccel_tf_node *outn = pool(r, md->nr_out_nodes * sizeof(*outn));
	if (!inn || !outn)
		return -1;
	if (md->nr_in_nodes != md->nr_in) {
		reply_err(r, VRPC_E_INVAL, "input nodes and tensors differ");
		return -1;
	}
	for (uint32_t i = 0; i < md->nr_in_nodes; i++)
		inn[i] = (struct vaccel_tf_node){ md->in_nodes[i].name,
						  md->in_nodes[i].id };
	for (uint32_t i = 0; i < md->nr_out_nodes; i++)
		outn[i] = (struct vaccel_tf_node){ md->out_nodes[i].name,
						   md->out_nodes[i].id };
	struct vaccel_tf_buffer opts = { md->run_options.data,
					 (size_t)md->run_options.len };
	struct vaccel_tf_status st = { 0, NULL };
	int ret = vaccel_tf_model_run(
		s, m, md->run_options.len ? &opts : NULL, inn,
		(struct vaccel_tf_tensor *const *)in, (int)md->nr_in, outn,
		(struct vaccel_tf_tensor **)out, (int)md->nr_outputs, &st);
	r->rep.u.model.code = st.code;
	if (st.message &&
	    (r->rep.u.model.status_msg = pool(r, strlen(st.message) + 1)))
		strcpy(r->rep.u.model.status_msg, st.message);
	if (st.message)
		vaccel_tf_status_release(&st);
	return ret;
}

static int run(struct req *r, unsigned family, struct vaccel_session *s,
	       struct vaccel_resource *m, void **in, void **out)
{
	struct vrpc_model *md = &r->msg.u.model;
	int nin = (int)md->nr_in, nout = (int)md->nr_outputs;
	switch (family) {
	case VACCEL_OP_TF_MODEL_RUN:
		return run_tf(r, s, m, in, out);
	case VACCEL_OP_TFLITE_MODEL_RUN:
		return vaccel_tflite_model_run(
			s, m, (struct vaccel_tflite_tensor *const *)in, nin,
			(struct vaccel_tflite_tensor **)out, nout,
			&r->rep.u.model.code);
	case VACCEL_OP_TORCH_MODEL_RUN: {
		struct vaccel_torch_buffer opts = {
			md->run_options.data, (size_t)md->run_options.len
		};
		return vaccel_torch_model_run(
			s, m, md->run_options.len ? &opts : NULL,
			(struct vaccel_torch_tensor *const *)in, nin,
			(struct vaccel_torch_tensor **)out, nout);
	}
	default:
		return vaccel_onnx_model_run(
			s, m, (struct vaccel_onnx_tensor *const *)in, nin,
			(struct vaccel_onnx_tensor **)out, nout);
	}
}

void op_model_run(struct req *r, unsigned family)
{
	struct vrpc_model *md = &r->msg.u.model;
	struct vaccel_session *s = hold_sess(r);
	struct obj *o = s ? hold_res(r) : NULL;
	if (!o)
		return;
	if (md->nr_outputs > cfg.lim.max_args) {
		reply_err(r, VRPC_E_TOOBIG, "too many outputs");
		return;
	}
	void **in = make_inputs(r, family);
	void **out = pool(r, md->nr_outputs * sizeof(void *));
	struct outputs *keep = pool(r, sizeof(*keep));
	if (!in || !out || !keep)
		return;
	*keep = (struct outputs){ family, out, md->nr_outputs };
	r->after = delete_outputs;
	r->after_ctx = keep;
	int ret = run(r, family, s, o->u.r.res, in, out);
	if (ret) {
		if (ret > 0)
			reply_ret(r, ret);
		return;
	}
	struct vrpc_model *rm = &r->rep.u.model;
	if (!(rm->out = pool(r, md->nr_outputs * sizeof(*rm->out))))
		return;
	rm->nr_out = md->nr_outputs;
	for (uint32_t i = 0; i < md->nr_outputs; i++)
		if (!describe(r, family, out[i], &rm->out[i]))
			return;
}

void op_torch_sgemm(struct req *r)
{
	struct vrpc_tsgemm *t = &r->msg.u.tsgemm;
	struct vaccel_session *s = hold_sess(r);
	union any_tensor a, b, c;
	const unsigned f = VACCEL_OP_TORCH_SGEMM;
	if (!s || !tensor_ok(r, f, &t->a) || !tensor_ok(r, f, &t->b) ||
	    !tensor_ok(r, f, &t->c) || !fill_tensor(r, f, &t->a, &a) ||
	    !fill_tensor(r, f, &t->b, &b) || !fill_tensor(r, f, &t->c, &c))
		return;
	struct vaccel_torch_tensor *pa = &a.torch, *pb = &b.torch,
				   *pc = &c.torch;
	void **out = pool(r, sizeof(void *));
	struct outputs *keep = pool(r, sizeof(*keep));
	if (!out || !keep)
		return;
	*keep = (struct outputs){ f, out, 1 };
	r->after = delete_outputs;
	r->after_ctx = keep;
	int ret = vaccel_torch_sgemm(s, &pa, &pb, &pc, t->m, t->n, t->k,
				     (struct vaccel_torch_tensor **)out);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.tsgemm.has_out = out[0] != NULL;
	describe(r, f, out[0], &r->rep.u.tsgemm.out);
}
