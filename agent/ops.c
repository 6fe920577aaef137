// SPDX-License-Identifier: Apache-2.0
/* One handler per op (docs/protocol.md §5.4): rebuild the application's
 * arguments over the request's buffers, call the public API, describe the
 * results. Every size a backend will read is checked against the bytes
 * the agent really has first: a client can make an op fail, never make a
 * plugin read or write outside its buffers. */

/* fpga, minmax and torch_sgemm are deprecated upstream, not here */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "op_list.h"
#include "policy.h"
#include "serve.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct vaccel_session *hold_sess(struct req *r)
{
	struct obj *o;
	return req_hold(r, OBJ_SESSION, r->msg.session, false, &o) ? NULL
								   : o->u.sess;
}

static struct obj *hold_res(struct req *r)
{
	struct obj *o;
	return req_hold(r, OBJ_RESOURCE, r->msg.resource, false, &o) ? NULL : o;
}

/* The reply buffer of an output: in place if the request gave shared
 * memory, otherwise the agent's bytes. */
static struct vrpc_buf out_buf(const struct vrpc_buf *in, void *data,
			       uint64_t len)
{
	if (in->kind == VRPC_BUF_SHM)
		return (struct vrpc_buf){ VRPC_BUF_SHM, len, in->arena, in->off,
					  NULL };
	return (struct vrpc_buf){ VRPC_BUF_INLINE, len, 0, 0, data };
}

static void *pool(struct req *r, size_t size)
{
	void *p = vrpc_pool_alloc(&r->rpool, size ? size : 1);
	if (!p)
		reply_err(r, VRPC_E_NOMEM, "no memory");
	return p;
}

/* ---- exec, exec_with_resource, opencv ---------------------------------- */

static struct vaccel_arg *make_args(struct req *r, struct vrpc_arg *a,
				    uint32_t n)
{
	struct vaccel_arg *v = pool(r, n * sizeof(*v));
	for (uint32_t i = 0; v && i < n; i++)
		v[i] = (struct vaccel_arg){
			.buf = a[i].data.data,
			.size = (size_t)a[i].data.len,
			.type = (vaccel_arg_type_t)a[i].type,
			.custom_type_id = a[i].custom_id
		};
	return v;
}

/* Whether the session may run the library of this request. */
static bool exec_allowed(struct req *r, unsigned op, struct obj *res, char *lib,
			 size_t size)
{
	if (!cfg.nr_exec_dirs) {
		reply_err(r, VRPC_E_PERM, "exec is disabled on this agent");
		return false;
	}
	if (op == VACCEL_OP_EXEC &&
	    policy_exec_library(r->msg.u.exec.library, lib, size)) {
		reply_err(r, VRPC_E_PERM,
			  "library %s is not under an --exec-allow directory",
			  r->msg.u.exec.library);
		return false;
	}
	if (op == VACCEL_OP_EXEC_WITH_RESOURCE && !res->u.r.exec_ok) {
		reply_err(r, VRPC_E_PERM,
			  "resource %" PRIu64 " is not an allowlisted library",
			  res->id);
		return false;
	}
	return true;
}

static void op_exec(struct req *r, unsigned op)
{
	struct vrpc_exec *e = &r->msg.u.exec;
	struct vaccel_session *s = hold_sess(r);
	struct obj *res = NULL;
	char lib[PATH_MAX];
	if (!s || (op == VACCEL_OP_EXEC_WITH_RESOURCE && !(res = hold_res(r))))
		return;
	if (op != VACCEL_OP_OPENCV &&
	    !exec_allowed(r, op, res, lib, sizeof(lib)))
		return;
	struct vaccel_arg *rd = make_args(r, e->read, e->nr_read);
	struct vaccel_arg *wr = make_args(r, e->write, e->nr_write);
	if (!rd || !wr)
		return;
	int ret;
	if (op == VACCEL_OP_EXEC)
		ret = vaccel_exec(s, lib, e->symbol, rd, e->nr_read, wr,
				  e->nr_write);
	else if (op == VACCEL_OP_EXEC_WITH_RESOURCE)
		ret = vaccel_exec_with_resource(s, res->u.r.res, e->symbol, rd,
						e->nr_read, wr, e->nr_write);
	else
		ret = vaccel_opencv(s, rd, (int)e->nr_read, wr,
				    (int)e->nr_write);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	struct vrpc_bufs *b = &r->rep.u.bufs;
	if (!(b->bufs = pool(r, e->nr_write * sizeof(*b->bufs))))
		return;
	b->nr = e->nr_write;
	for (uint32_t i = 0; i < e->nr_write; i++)
		b->bufs[i] = out_buf(&e->write[i].data, e->write[i].data.data,
				     e->write[i].data.len);
}

/* ---- image ops ----------------------------------------------------------- */

/* The written part of an output string buffer: up to the last non-zero
 * byte plus one terminating zero (the rest is the agent's zero fill). */
/* Whether the page at `page` (aligned) was ever touched. */
static bool resident(uintptr_t page)
{
	unsigned char in = 1;
	return mincore((void *)page, 1, &in) != 0 || (in & 1);
}

static uint64_t used_len(const unsigned char *p, uint64_t cap)
{
	uintptr_t mask = ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	uint64_t n = cap;
	while (n) {
		/* a page the backend never touched is zero: skipped without
		 * reading it (a read would fault it in: a client's capacity of
		 * 1 GiB would cost seconds and, here, resident memory) */
		uintptr_t page = (uintptr_t)(p + n - 1) & mask;
		uint64_t from = page > (uintptr_t)p ? page - (uintptr_t)p : 0;
		if (!resident(page)) {
			n = from;
			continue;
		}
		while (n > from && !p[n - 1])
			n--;
		if (n > from)
			break;
	}
	return n < cap ? n + 1 : cap;
}

static void op_image(struct req *r, unsigned op)
{
	struct vrpc_image *im = &r->msg.u.image;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	uint64_t max = cfg.lim.max_bulk;
	if (im->len_text > max || im->len_name > max ||
	    im->len_text + im->len_name > max) {
		reply_err(r, VRPC_E_TOOBIG, "output buffers over max_bulk");
		return;
	}
	/* capacities the client claims: charged to its budget, committed
	 * only as the backend writes */
	unsigned char *text = im->len_text ? req_alloc(r, im->len_text) : NULL;
	unsigned char *name = req_alloc(r, im->len_name);
	if ((im->len_text && !text) || !name)
		return;
	const void *img = im->image.data;
	size_t len = (size_t)im->image.len, ln = (size_t)im->len_name;
	int ret;
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		ret = vaccel_image_classification(s, img, text, name, len,
						  (size_t)im->len_text, ln);
		break;
	case VACCEL_OP_IMAGE_DETECT:
		ret = vaccel_image_detection(s, img, name, len, ln);
		break;
	case VACCEL_OP_IMAGE_SEGMENT:
		ret = vaccel_image_segmentation(s, img, name, len, ln);
		break;
	case VACCEL_OP_IMAGE_POSE:
		ret = vaccel_image_pose(s, img, name, len, ln);
		break;
	default:
		ret = vaccel_image_depth(s, img, name, len, ln);
		break;
	}
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.image.text =
		(struct vrpc_buf){ VRPC_BUF_INLINE,
				   text ? used_len(text, im->len_text) : 0, 0,
				   0, text };
	r->rep.u.image.name =
		(struct vrpc_buf){ VRPC_BUF_INLINE,
				   used_len(name, im->len_name), 0, 0, name };
}

/* ---- models -------------------------------------------------------------- */

static void op_model_load(struct req *r, unsigned op)
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

/* Bytes of one element of `type` in `family` (an op number), 0 if the
 * type has no fixed size (such tensors are refused: the agent could not
 * check what a backend reads). */
static size_t elem_size(unsigned family, uint32_t type)
{
	static const uint8_t tf[] = { 0, 4, 8, 4, 1, 2, 1,  0, 8, 8, 1, 1,
				      1, 4, 2, 2, 2, 2, 16, 2, 0, 0, 4, 8 };
	static const uint8_t tfl[] = { 0, 4, 4, 1,  8, 0, 1, 2, 8,
				       1, 2, 8, 16, 8, 0, 0, 4, 2 };
	static const uint8_t torch[] = { 0, 1, 1, 2, 4, 8, 2, 4 };
	switch (family) {
	case VACCEL_OP_TF_MODEL_RUN:
		return type < sizeof(tf) ? tf[type] : 0;
	case VACCEL_OP_TFLITE_MODEL_RUN:
		return type < sizeof(tfl) ? tfl[type] : 0;
	case VACCEL_OP_TORCH_MODEL_RUN:
	case VACCEL_OP_TORCH_SGEMM:
		return type < sizeof(torch) ? torch[type] : 0;
	default:
		return vaccel_onnx_data_type_size(
			(enum vaccel_onnx_data_type)type);
	}
}

/* A tensor's data holds at least what its dims and type say. */
/* The bytes a tensor's dims and element type describe: false if the dims
 * are negative or overflow, or the type has no fixed size (such tensors
 * are refused: the agent could not check what a backend reads). */
static bool tensor_bytes(unsigned family, const struct vrpc_tensor *t,
			 uint64_t *bytes)
{
	size_t esize = elem_size(family, t->data_type);
	uint64_t n = 1;
	if (!esize)
		return false;
	for (uint32_t i = 0; i < t->nr_dims; i++) {
		if (t->dims[i] < 0 ||
		    (t->dims[i] && n > UINT64_MAX / (uint64_t)t->dims[i]))
			return false;
		n *= (uint64_t)t->dims[i];
	}
	if (n > UINT64_MAX / esize)
		return false;
	*bytes = n * esize;
	return true;
}

/* A tensor's data holds at least what its dims and type say. */
static bool tensor_ok(struct req *r, unsigned family,
		      const struct vrpc_tensor *t)
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

/* The application's view of a tensor: every family's struct starts with
 * data, size, owned, then the dims, which differ in type. */
union any_tensor {
	struct vaccel_tf_tensor tf;
	struct vaccel_tflite_tensor tfl;
	struct vaccel_torch_tensor torch;
	struct vaccel_onnx_tensor onnx;
};

static bool fill_tensor(struct req *r, unsigned family,
			const struct vrpc_tensor *t, union any_tensor *v)
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

/* Outputs of a run, deleted after the reply was sent. */
struct outputs {
	unsigned family;
	void **t;
	uint32_t n;
};

static void delete_outputs(struct req *r)
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
static bool describe(struct req *r, unsigned family, void *p,
		     struct vrpc_tensor *t)
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
static void **make_inputs(struct req *r, unsigned family)
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

static void op_model_run(struct req *r, unsigned family)
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

static void op_torch_sgemm(struct req *r)
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

/* ---- blas, fpga, minmax ----------------------------------------------------
 */

/* Bytes a row-major rows x cols float matrix with leading dimension ld
 * spans (element (i, j) at i * ld + j: what any reader of it touches, even
 * with ld < cols, which backends refuse), or -1 if the numbers describe no
 * memory. */
static int64_t extent(int64_t rows, int64_t cols, int64_t ld)
{
	if (rows <= 0 || cols <= 0)
		return 0;
	if (ld < 0 || (ld && rows - 1 > (INT64_MAX / 8 - cols) / ld))
		return -1;
	return ((rows - 1) * ld + cols) * (int64_t)sizeof(float);
}

static void op_sgemm(struct req *r)
{
	struct vrpc_sgemm *g = &r->msg.u.sgemm;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	int64_t ea = extent(g->m, g->k, g->lda),
		eb = extent(g->k, g->n, g->ldb),
		ec = extent(g->m, g->n, g->ldc);
	/* the backend may read every byte the numbers describe: they must
	 * all be here (negative m, n, k go on: the core refuses them) */
	if (ea < 0 || eb < 0 || ec < 0 || (uint64_t)ea != g->a.len ||
	    (uint64_t)eb != g->b.len || (uint64_t)ec != g->c.len) {
		reply_err(r, VRPC_E_INVAL, "sgemm matrices of the wrong size");
		return;
	}
	int ret = vaccel_sgemm(s, g->m, g->n, g->k, g->alpha, g->a.data, g->lda,
			       g->b.data, g->ldb, g->beta, g->c.data, g->ldc);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.sgemm.c = out_buf(&g->c, g->c.data, g->c.len);
}

/* Memory for a pure output whose size was checked. */
static bool none_out(struct req *r, struct vrpc_buf *b)
{
	if (b->kind != VRPC_BUF_NONE || !b->len)
		return true;
	return (b->data = req_alloc(r, b->len)) != NULL;
}

static void op_arrays(struct req *r, unsigned op)
{
	struct vrpc_arrays *a = &r->msg.u.arrays;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	uint64_t n = a->a.len, esz = op == VACCEL_OP_MINMAX ? 8 : 4;
	bool ok = n % esz == 0;
	if (op == VACCEL_OP_MINMAX)
		ok = a->ndata >= 0 && n == (uint64_t)a->ndata * 8;
	if (op == VACCEL_OP_FPGA_MMULT || op == VACCEL_OP_FPGA_PARALLEL)
		ok = ok && a->b.len == n;
	if (op == VACCEL_OP_FPGA_VECTORADD)
		ok = ok && a->b.len % 4 == 0;
	ok = ok && a->out1.len == n &&
	     (op != VACCEL_OP_FPGA_PARALLEL || a->out2.len == n);
	if (!ok) {
		reply_err(r, VRPC_E_INVAL, "array sizes do not match");
		return;
	}
	/* pure outputs (NONE) get zeroed memory now that their size is known
	 * to match the inputs; in shared memory they are the client's own
	 * bytes, left as they are */
	if (!none_out(r, &a->out1) ||
	    (op == VACCEL_OP_FPGA_PARALLEL && !none_out(r, &a->out2)))
		return;
	size_t len = (size_t)(n / esz);
	int ret;
	switch (op) {
	case VACCEL_OP_FPGA_ARRAYCOPY:
		ret = vaccel_fpga_arraycopy(s, a->a.data, a->out1.data, len);
		break;
	case VACCEL_OP_FPGA_MMULT:
		ret = vaccel_fpga_mmult(s, a->a.data, a->b.data, a->out1.data,
					len);
		break;
	case VACCEL_OP_FPGA_PARALLEL:
		ret = vaccel_fpga_parallel(s, a->a.data, a->b.data,
					   a->out1.data, a->out2.data, len);
		break;
	case VACCEL_OP_FPGA_VECTORADD:
		ret = vaccel_fpga_vadd(s, a->a.data, a->b.data, a->out1.data,
				       len, (size_t)(a->b.len / 4));
		break;
	default:
		ret = vaccel_minmax(s, a->a.data, a->ndata, a->low, a->high,
				    a->out1.data, &r->rep.u.arrays.min,
				    &r->rep.u.arrays.max);
	}
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.arrays.out1 = out_buf(&a->out1, a->out1.data, n);
	if (op == VACCEL_OP_FPGA_PARALLEL)
		r->rep.u.arrays.out2 = out_buf(&a->out2, a->out2.data, n);
}

/* ---- dispatch: one handler per wire family of the op list ---------------- */

typedef void (*op_handler)(struct req *r, unsigned op);

static void op_noop(struct req *r, unsigned op)
{
	struct vaccel_session *s = hold_sess(r);
	if (s)
		reply_ret(r, vaccel_noop(s));
}

static void op_tsgemm(struct req *r, unsigned op)
{
	op_torch_sgemm(r);
}

static void op_blas_sgemm(struct req *r, unsigned op)
{
	op_sgemm(r);
}

static const op_handler family_handlers[VACCEL__FAMILY_MAX] = {
	[VACCEL__FAMILY_NOOP] = op_noop,
	[VACCEL__FAMILY_EXEC] = op_exec,
	[VACCEL__FAMILY_IMAGE] = op_image,
	[VACCEL__FAMILY_MODEL] = op_model_load,
	[VACCEL__FAMILY_RUN] = op_model_run,
	[VACCEL__FAMILY_TSGEMM] = op_tsgemm,
	[VACCEL__FAMILY_SGEMM] = op_blas_sgemm,
	[VACCEL__FAMILY_ARRAYS] = op_arrays,
};

void handle_op(struct req *r)
{
	unsigned op = r->msg.type - VRPC_T_OP;
	if (!vaccel__op_valid(op) || !(serve_ops & (UINT64_C(1) << op))) {
		reply_err(r, VRPC_E_NOTSUP, "no backend plugin serves %s",
			  vrpc_type_name(r->msg.type));
		return;
	}
	op_handler h = family_handlers[vaccel__op_family(op)];
	if (!h) {
		reply_err(r, VRPC_E_NOTSUP, "the agent cannot serve %s",
			  vrpc_type_name(r->msg.type));
		return;
	}
	h(r, op);
}

uint64_t agent_ops_mask(void)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < vaccel_plugin_count(); i++) {
		uint64_t m = 0;
		if (!vaccel_plugin_get_info(i, NULL, NULL, NULL, NULL, &m))
			mask |= m;
	}
	/* only ops the dispatch above knows are offered to clients */
	return mask & VACCEL__OPS_ALL;
}
