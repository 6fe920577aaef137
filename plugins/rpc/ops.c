// SPDX-License-Identifier: Apache-2.0
/* Every op, forwarded (docs/protocol.md §5.4): the request carries what
 * the op reads (write args too: they are in-out), the reply what it wrote,
 * straight into the application's buffers. */

#include "op_list.h"
#include "rpc.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int begin_op(struct rpc_ctx *x, struct vaccel_session *sess,
		    vaccel_op_type_t op)
{
	int ret = rpc_begin(x, (uint16_t)(VRPC_T_OP + op), rpc_sess_gen(sess));
	if (ret == VACCEL_ESESS) {
		struct rpc_sess *s = sess->priv;
		if (s && !s->lost_logged) {
			s->lost_logged = true;
			rpc_err("session %" PRId64 " was lost with its "
				"connection to the agent: release it and make "
				"a new one",
				sess->id);
		}
	}
	x->req.session = (uint64_t)sess->remote_id;
	return ret;
}

/* rpc_finish + the op's status, then rpc_end. */
static int end_op(struct rpc_ctx *x, int ret)
{
	if (!ret)
		ret = rpc_finish(x);
	if (!ret)
		ret = rpc_status(x);
	rpc_end(x);
	return ret;
}

static int fwd_noop(struct vaccel_session *sess)
{
	struct rpc_ctx x;
	int ret = begin_op(&x, sess, VACCEL_OP_NOOP);
	if (!ret)
		ret = rpc_call(&x);
	return end_op(&x, ret);
}

/* ---- exec, exec_with_resource, opencv ------------------------------------ */

static struct vrpc_arg *wire_args(const struct vaccel_arg *a, size_t n)
{
	struct vrpc_arg *w = calloc(n ? n : 1, sizeof(*w));
	for (size_t i = 0; w && i < n; i++)
		w[i] = (struct vrpc_arg){ (uint32_t)a[i].type,
					  a[i].custom_type_id,
					  rpc_in(a[i].buf, a[i].size) };
	return w;
}

static int exec_common(struct vaccel_session *sess, vaccel_op_type_t op,
		       const char *library, struct vaccel_resource *res,
		       const char *symbol, struct vaccel_arg *read,
		       size_t nr_read, struct vaccel_arg *write,
		       size_t nr_write)
{
	struct rpc_ctx x;
	struct vrpc_arg *rd = wire_args(read, nr_read);
	struct vrpc_arg *wr = wire_args(write, nr_write);
	int ret = rd && wr ? begin_op(&x, sess, op) : VACCEL_ENOMEM;
	if (!ret) {
		x.req.u.exec = (struct vrpc_exec){ (char *)library,
						   (char *)symbol,
						   rd,
						   (uint32_t)nr_read,
						   wr,
						   (uint32_t)nr_write };
		x.req.resource = res ? (uint64_t)res->remote_id : 0;
		ret = rpc_call(&x);
	}
	if (!ret && !x.rep.status) {
		struct vrpc_bufs *b = &x.rep.u.bufs;
		if (b->nr != nr_write)
			ret = VACCEL_EIO;
		for (uint32_t i = 0; !ret && i < b->nr; i++)
			ret = rpc_out(&x, &b->bufs[i], &wr[i].data,
				      write[i].buf, write[i].size);
	}
	ret = rd && wr ? end_op(&x, ret) : ret;
	free(rd);
	free(wr);
	return ret;
}

static int fwd_exec(struct vaccel_session *sess, const char *library,
		    const char *fn_symbol, struct vaccel_arg *read,
		    size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	return exec_common(sess, VACCEL_OP_EXEC, library, NULL, fn_symbol, read,
			   nr_read, write, nr_write);
}

static int fwd_exec_with_resource(struct vaccel_session *sess,
				  struct vaccel_resource *res,
				  const char *fn_symbol,
				  struct vaccel_arg *read, size_t nr_read,
				  struct vaccel_arg *write, size_t nr_write)
{
	return exec_common(sess, VACCEL_OP_EXEC_WITH_RESOURCE, NULL, res,
			   fn_symbol, read, nr_read, write, nr_write);
}

static int fwd_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		      int nr_read, struct vaccel_arg *write, int nr_write)
{
	return exec_common(sess, VACCEL_OP_OPENCV, NULL, NULL, NULL, read,
			   (size_t)nr_read, write, (size_t)nr_write);
}

/* ---- image ops ------------------------------------------------------------
 */

static int image_op(struct vaccel_session *sess, vaccel_op_type_t op,
		    const void *img, unsigned char *out_text,
		    unsigned char *out_imgname, size_t len_img,
		    size_t len_out_text, size_t len_out_imgname)
{
	struct rpc_ctx x;
	int ret = begin_op(&x, sess, op);
	if (!ret) {
		x.req.u.image.image = rpc_in(img, len_img);
		x.req.u.image.len_text = out_text ? len_out_text : 0;
		x.req.u.image.len_name = out_imgname ? len_out_imgname : 0;
		ret = rpc_call(&x);
	}
	if (!ret && !x.rep.status) {
		struct vrpc_image *r = &x.rep.u.image;
		if (op == VACCEL_OP_IMAGE_CLASSIFY)
			ret = rpc_out(&x, &r->text, NULL, out_text,
				      out_text ? len_out_text : 0);
		if (!ret)
			ret = rpc_out(&x, &r->name, NULL, out_imgname,
				      out_imgname ? len_out_imgname : 0);
	}
	return end_op(&x, ret);
}

static int fwd_image_classify(struct vaccel_session *sess, const void *img,
			      unsigned char *out_text,
			      unsigned char *out_imgname, size_t len_img,
			      size_t len_out_text, size_t len_out_imgname)
{
	return image_op(sess, VACCEL_OP_IMAGE_CLASSIFY, img, out_text,
			out_imgname, len_img, len_out_text, len_out_imgname);
}

/* The forwarding function of every op of shape IMAGE (one signature). */
#define FWD_IMAGE(OP, name)                                                   \
	static int fwd_##name(struct vaccel_session *sess, const void *img,   \
			      unsigned char *out_imgname, size_t len_img,     \
			      size_t len_out_imgname)                         \
	{                                                                     \
		return image_op(sess, VACCEL_OP_##OP, img, NULL, out_imgname, \
				len_img, 0, len_out_imgname);                 \
	}

/* ---- model load/unload ----------------------------------------------------
 */

static int model_op(struct vaccel_session *sess, vaccel_op_type_t op,
		    const struct vaccel_resource *model,
		    struct vaccel_tf_status *status)
{
	struct rpc_ctx x;
	int ret = begin_op(&x, sess, op);
	if (!ret) {
		x.req.resource = (uint64_t)model->remote_id;
		ret = rpc_call(&x);
	}
	if (!ret && status) {
		status->code = x.rep.u.model.code;
		status->message = x.rep.u.model.status_msg
					  ? strdup(x.rep.u.model.status_msg)
					  : NULL;
	}
	return end_op(&x, ret);
}

static int fwd_tf_model_load(struct vaccel_session *sess,
			     struct vaccel_resource *m,
			     struct vaccel_tf_status *status)
{
	return model_op(sess, VACCEL_OP_TF_MODEL_LOAD, m, status);
}

static int fwd_tf_model_unload(struct vaccel_session *sess,
			       struct vaccel_resource *m,
			       struct vaccel_tf_status *status)
{
	return model_op(sess, VACCEL_OP_TF_MODEL_UNLOAD, m, status);
}

/* ... and of every op of shape MODEL. */
#define FWD_MODEL(OP, name)                                     \
	static int fwd_##name(struct vaccel_session *sess,      \
			      struct vaccel_resource *m)        \
	{                                                       \
		return model_op(sess, VACCEL_OP_##OP, m, NULL); \
	}
#define FWD_SHAPE(number, OP, name, family, shape, api) FWD_SHAPE_##shape(OP, name)
#define FWD_SHAPE_IMAGE(OP, name)		   FWD_IMAGE(OP, name)
#define FWD_SHAPE_MODEL(OP, name)		   FWD_MODEL(OP, name)
/* shapes of a single op: written out above or below */
#define FWD_SHAPE_NOOP(OP, name)
#define FWD_SHAPE_EXEC_LIB(OP, name)
#define FWD_SHAPE_EXEC_RES(OP, name)
#define FWD_SHAPE_EXEC_ARGS(OP, name)
#define FWD_SHAPE_IMAGE_TEXT(OP, name)
#define FWD_SHAPE_MODEL_TF(OP, name)
#define FWD_SHAPE_RUN_TF(OP, name)
#define FWD_SHAPE_RUN_TFLITE(OP, name)
#define FWD_SHAPE_RUN_TORCH(OP, name)
#define FWD_SHAPE_RUN_ONNX(OP, name)
#define FWD_SHAPE_TSGEMM(OP, name)
#define FWD_SHAPE_SGEMM(OP, name)
#define FWD_SHAPE_ARRAYCOPY(OP, name)
#define FWD_SHAPE_MMULT(OP, name)
#define FWD_SHAPE_PARALLEL(OP, name)
#define FWD_SHAPE_VECTORADD(OP, name)
#define FWD_SHAPE_MINMAX(OP, name)
VACCEL__OP_LIST(FWD_SHAPE)

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

/* A new application tensor from a reply tensor; its data is placed by
 * rpc_out_alloc and adopted once the bulk is read. */
static int app_tensor(struct rpc_ctx *x, vaccel_op_type_t fam,
		      struct vrpc_tensor *t, void **out, void **data)
{
	*out = NULL;
	if (!t->nr_dims && t->data.kind == VRPC_BUF_NONE)
		return 0;
	bool d32 = fam == VACCEL_OP_TFLITE_MODEL_RUN;
	void *p = calloc(1, tensor_struct_size(fam));
	void *dims = malloc(t->nr_dims * (d32 ? 4 : 8) + 1);
	if (!p || !dims) {
		free(p);
		free(dims);
		return VACCEL_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nr_dims; i++) {
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
		h->nr_dims = (int)t->nr_dims;
		h->dims = dims;
		h->data_type = (enum vaccel_tf_data_type)t->data_type;
		break;
	case VACCEL_OP_TFLITE_MODEL_RUN: {
		struct vaccel_tflite_tensor *l = p;
		l->nr_dims = (int)t->nr_dims;
		l->dims = dims;
		l->data_type = (enum vaccel_tflite_data_type)t->data_type;
		break;
	}
	case VACCEL_OP_ONNX_MODEL_RUN: {
		struct vaccel_onnx_tensor *o = p;
		o->nr_dims = (int)t->nr_dims;
		o->dims = dims;
		o->data_type = (enum vaccel_onnx_data_type)t->data_type;
		break;
	}
	default: {
		struct vaccel_torch_tensor *o = p;
		o->nr_dims = t->nr_dims;
		o->dims = dims;
		o->data_type = (enum vaccel_torch_data_type)t->data_type;
	}
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
	int ret = begin_op(x, sess, fam);
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

static int fwd_tf_model_run(struct vaccel_session *sess,
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
	int ret = begin_op(&x, sess, VACCEL_OP_TF_MODEL_RUN);
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
	if (!ret && status) {
		status->code = x.rep.u.model.code;
		status->message = x.rep.u.model.status_msg
					  ? strdup(x.rep.u.model.status_msg)
					  : NULL;
	}
	if (!ret && !x.rep.status)
		ret = take_outputs(&x, VACCEL_OP_TF_MODEL_RUN,
				   x.rep.u.model.out, x.rep.u.model.nr_out,
				   (void **)out, nr_outputs);
	free(nodes);
	return end_op(&x, ret);
}

static int fwd_tflite_model_run(struct vaccel_session *sess,
				const struct vaccel_resource *model,
				struct vaccel_tflite_tensor *const *in,
				int nr_inputs,
				struct vaccel_tflite_tensor **out,
				int nr_outputs, uint8_t *status)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_TFLITE_MODEL_RUN, model, NULL, 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	if (!ret && status)
		*status = x.rep.u.model.code;
	return end_op(&x, ret);
}

static int fwd_torch_model_run(struct vaccel_session *sess,
			       const struct vaccel_resource *model,
			       const struct vaccel_torch_buffer *run_options,
			       struct vaccel_torch_tensor *const *in,
			       int nr_inputs, struct vaccel_torch_tensor **out,
			       int nr_outputs)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_TORCH_MODEL_RUN, model,
			     run_options ? run_options->data : NULL,
			     run_options ? run_options->size : 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	return end_op(&x, ret);
}

static int fwd_onnx_model_run(struct vaccel_session *sess,
			      const struct vaccel_resource *model,
			      struct vaccel_onnx_tensor *const *in,
			      int nr_inputs, struct vaccel_onnx_tensor **out,
			      int nr_outputs)
{
	struct rpc_ctx x;
	int ret = run_common(sess, VACCEL_OP_ONNX_MODEL_RUN, model, NULL, 0,
			     (const void *const *)in, nr_inputs, (void **)out,
			     nr_outputs, &x);
	return end_op(&x, ret);
}

static int fwd_torch_sgemm(struct vaccel_session *sess,
			   struct vaccel_torch_tensor **in_A,
			   struct vaccel_torch_tensor **in_B,
			   struct vaccel_torch_tensor **in_C, int M, int N,
			   int K, struct vaccel_torch_tensor **out)
{
	struct rpc_ctx x;
	const vaccel_op_type_t f = VACCEL_OP_TORCH_SGEMM;
	int ret = begin_op(&x, sess, f);
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
	return end_op(&x, ret);
}

/* ---- blas, fpga, minmax -------------------------------------------- */

/* Floats a row-major rows x cols matrix with leading dimension ld spans
 * (the contract of vaccel_sgemm): element (i, j) is at i * ld + j. 0 for an
 * empty matrix or numbers that describe no memory (the core or the
 * backend refuses those; the agent checks the same formula). */
static size_t extent(int64_t rows, int64_t cols, int64_t ld)
{
	if (rows <= 0 || cols <= 0 || ld < 0 ||
	    (ld && rows - 1 > (INT64_MAX / 8 - cols) / ld))
		return 0;
	return (size_t)((rows - 1) * ld + cols);
}

static int fwd_blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
			  int64_t k, float alpha, float *a, int64_t lda,
			  float *b, int64_t ldb, float beta, float *c,
			  int64_t ldc)
{
	struct rpc_ctx x;
	int ret = begin_op(&x, sess, VACCEL_OP_BLAS_SGEMM);
	struct vrpc_sgemm *g = &x.req.u.sgemm;
	size_t na = extent(m, k, lda), nb = extent(k, n, ldb),
	       nc = extent(m, n, ldc);
	*g = (struct vrpc_sgemm){ m,
				  n,
				  k,
				  lda,
				  ldb,
				  ldc,
				  alpha,
				  beta,
				  rpc_in(a, na * 4),
				  rpc_in(b, nb * 4),
				  rpc_in(c, nc * 4) };
	if (!ret)
		ret = rpc_call(&x);
	if (!ret && !x.rep.status)
		ret = rpc_out(&x, &x.rep.u.sgemm.c, &g->c, c, nc * 4);
	return end_op(&x, ret);
}

static int arrays_op(struct vaccel_session *sess, vaccel_op_type_t op,
		     struct vrpc_arrays *a, void *out1, void *out2, double *min,
		     double *max)
{
	struct rpc_ctx x;
	int ret = begin_op(&x, sess, op);
	x.req.u.arrays = *a;
	if (!ret)
		ret = rpc_call(&x);
	struct vrpc_arrays *q = &x.req.u.arrays, *r = &x.rep.u.arrays;
	if (!ret && !x.rep.status) {
		ret = rpc_out(&x, &r->out1, &q->out1, out1, q->out1.len);
		if (!ret && out2)
			ret = rpc_out(&x, &r->out2, &q->out2, out2,
				      q->out2.len);
		if (min)
			*min = r->min;
		if (max)
			*max = r->max;
	}
	return end_op(&x, ret);
}

static int fwd_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			      size_t len_a)
{
	struct vrpc_arrays w = { .a = rpc_in(a, len_a * sizeof(int)),
				 .out1 = rpc_outbuf(out_a,
						    len_a * sizeof(int)) };
	return arrays_op(sess, VACCEL_OP_FPGA_ARRAYCOPY, &w, out_a, NULL, NULL,
			 NULL);
}

static int fwd_fpga_mmult(struct vaccel_session *sess, float a[], float b[],
			  float c[], size_t len_a)
{
	size_t n = len_a * sizeof(float);
	struct vrpc_arrays w = { .a = rpc_in(a, n),
				 .b = rpc_in(b, n),
				 .out1 = rpc_outbuf(c, n) };
	return arrays_op(sess, VACCEL_OP_FPGA_MMULT, &w, c, NULL, NULL, NULL);
}

static int fwd_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
			     float add_output[], float mult_output[],
			     size_t len_a)
{
	size_t n = len_a * sizeof(float);
	struct vrpc_arrays w = { .a = rpc_in(a, n),
				 .b = rpc_in(b, n),
				 .out1 = rpc_outbuf(add_output, n),
				 .out2 = rpc_outbuf(mult_output, n) };
	return arrays_op(sess, VACCEL_OP_FPGA_PARALLEL, &w, add_output,
			 mult_output, NULL, NULL);
}

static int fwd_fpga_vectoradd(struct vaccel_session *sess, float a[], float b[],
			      float c[], size_t len_a, size_t len_b)
{
	struct vrpc_arrays w = { .a = rpc_in(a, len_a * sizeof(float)),
				 .b = rpc_in(b, len_b * sizeof(float)),
				 .out1 = rpc_outbuf(c, len_a * sizeof(float)) };
	return arrays_op(sess, VACCEL_OP_FPGA_VECTORADD, &w, c, NULL, NULL,
			 NULL);
}

static int fwd_minmax(struct vaccel_session *sess, const double *indata,
		      int ndata, int low_threshold, int high_threshold,
		      double *outdata, double *min, double *max)
{
	size_t n = ndata > 0 ? (size_t)ndata * sizeof(double) : 0;
	struct vrpc_arrays w = { .a = rpc_in(indata, n),
				 .out1 = rpc_outbuf(outdata, n),
				 .ndata = ndata,
				 .low = low_threshold,
				 .high = high_threshold };
	return arrays_op(sess, VACCEL_OP_MINMAX, &w, outdata, NULL, min, max);
}

/* ---- the descriptor ------------------------------------------------ */

/* Every op of the list, each forwarded by fwd_<name>. */
#define FWD_OP(number, OP, name, family, shape, api) \
	VACCEL_PLUGIN_OP(OP, fwd_##name),
static const struct vaccel_plugin_op ops[] = { VACCEL__OP_LIST(FWD_OP) };

VACCEL_PLUGIN_DESCRIPTOR(.name = "rpc", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_REMOTE, .is_virtio = true,
			 .init = rpc_plugin_init, .fini = rpc_plugin_fini,
			 .session_init = rpc_sess_init,
			 .session_release = rpc_sess_release,
			 .session_update = rpc_sess_update,
			 .resource_register = rpc_res_register,
			 .resource_unregister = rpc_res_unregister,
			 .resource_sync = rpc_res_sync,
			 .ops_mask = rpc_agent_ops, .ops = ops,
			 .nr_ops = sizeof(ops) / sizeof(ops[0]));
