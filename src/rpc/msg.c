// SPDX-License-Identifier: Apache-2.0
/* The fields of every message, one visitor each (docs/protocol.md §4-5). */

#include "msg.h"
#include "op_list.h"

/* Smallest wire size of array elements (for the count check). */
#define W_ARG	 (4 + 4 + 9)
#define W_TENSOR (4 + 4 + 9)
#define W_NODE	 (4 + 4)
#define W_BLOB	 (4 + 1 + 8 + VRPC_SHA256_LEN)
#define W_BUF	 9
#define W_KV	 10
#define W_PLUGIN (4 + 4 + 4 + 8)

/* A decoding limit (encoding is not limited). */
#define LIM(io, name) ((io)->lim ? (io)->lim->name : UINT32_MAX)

static void io_kvs(struct vrpc_io *io, struct vrpc_kv **kv, uint32_t *n)
{
	vrpc_io_array(io, (void **)kv, n, sizeof(**kv), 64, W_KV);
	for (uint32_t i = 0; i < *n && !vrpc_io_failed(io); i++) {
		vrpc_io_u16(io, &(*kv)[i].key);
		vrpc_io_u64(io, &(*kv)[i].val);
	}
}

static void io_args(struct vrpc_io *io, struct vrpc_arg **a, uint32_t *n)
{
	vrpc_io_array(io, (void **)a, n, sizeof(**a), LIM(io, max_args), W_ARG);
	for (uint32_t i = 0; i < *n && !vrpc_io_failed(io); i++) {
		vrpc_io_u32(io, &(*a)[i].type);
		vrpc_io_u32(io, &(*a)[i].custom_id);
		vrpc_io_buf(io, &(*a)[i].data);
	}
}

static void io_tensor(struct vrpc_io *io, struct vrpc_tensor *t)
{
	vrpc_io_u32(io, &t->data_type);
	vrpc_io_array(io, (void **)&t->dims, &t->nr_dims, sizeof(int64_t),
		      LIM(io, max_dims), 8);
	for (uint32_t i = 0; i < t->nr_dims && !vrpc_io_failed(io); i++)
		vrpc_io_i64(io, &t->dims[i]);
	vrpc_io_buf(io, &t->data);
}

static void io_tensors(struct vrpc_io *io, struct vrpc_tensor **t, uint32_t *n)
{
	vrpc_io_array(io, (void **)t, n, sizeof(**t), LIM(io, max_args),
		      W_TENSOR);
	for (uint32_t i = 0; i < *n && !vrpc_io_failed(io); i++)
		io_tensor(io, &(*t)[i]);
}

static void io_nodes(struct vrpc_io *io, struct vrpc_node **nd, uint32_t *n)
{
	vrpc_io_array(io, (void **)nd, n, sizeof(**nd), LIM(io, max_args),
		      W_NODE);
	for (uint32_t i = 0; i < *n && !vrpc_io_failed(io); i++) {
		vrpc_io_str(io, &(*nd)[i].name, 4096);
		vrpc_io_i32(io, &(*nd)[i].id);
	}
}

static void io_bufs(struct vrpc_io *io, struct vrpc_bufs *b)
{
	vrpc_io_array(io, (void **)&b->bufs, &b->nr, sizeof(*b->bufs),
		      LIM(io, max_args), W_BUF);
	for (uint32_t i = 0; i < b->nr && !vrpc_io_failed(io); i++)
		vrpc_io_buf(io, &b->bufs[i]);
}

/* ---- control ----------------------------------------------------------- */

static void io_hello(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_hello *h = &m->u.hello;
	vrpc_io_u16(io, &h->major);
	vrpc_io_u16(io, &h->minor);
	vrpc_io_u32(io, &h->flags);
	vrpc_io_u64(io, &h->nonce);
	vrpc_io_str(io, &h->identity, VRPC_MAX_IDENTITY);
	vrpc_io_bytes(io, &h->token, &h->token_len, VRPC_MAX_TOKEN);
}

static void io_hello_r(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_hello_r *h = &m->u.hello_r;
	if (m->status == VRPC_E_VERSION) {
		vrpc_io_u16(io, &h->min_major);
		vrpc_io_u16(io, &h->max_major);
		return;
	}
	if (m->status)
		return;
	vrpc_io_u16(io, &h->major);
	vrpc_io_u16(io, &h->minor);
	vrpc_io_u32(io, &h->flags);
	vrpc_io_u64(io, &h->nonce);
	vrpc_io_u64(io, &h->conn);
	vrpc_io_str(io, &h->version, 256);
	vrpc_io_u64(io, &h->ops);
	io_kvs(io, &h->limits, &h->nr_limits);
}

static void io_info_r(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_info_r *r = &m->u.info_r;
	if (m->status)
		return;
	vrpc_io_str(io, &r->version, 256);
	vrpc_io_u64(io, &r->ops);
	vrpc_io_array(io, (void **)&r->plugins, &r->nr_plugins,
		      sizeof(*r->plugins), 256, W_PLUGIN);
	for (uint32_t i = 0; i < r->nr_plugins && !vrpc_io_failed(io); i++) {
		vrpc_io_str(io, &r->plugins[i].name, 256);
		vrpc_io_str(io, &r->plugins[i].version, 256);
		vrpc_io_u32(io, &r->plugins[i].type);
		vrpc_io_u64(io, &r->plugins[i].ops);
	}
	io_kvs(io, &r->limits, &r->nr_limits);
	io_kvs(io, &r->stats, &r->nr_stats);
}

static void io_res_create(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_res_create *rc = &m->u.rc;
	vrpc_io_u8(io, &rc->type);
	vrpc_io_u8(io, &rc->layout);
	vrpc_io_u64(io, &m->session);
	vrpc_io_array(io, (void **)&rc->blobs, &rc->nr_blobs,
		      sizeof(*rc->blobs), LIM(io, max_args), W_BLOB);
	for (uint32_t i = 0; i < rc->nr_blobs && !vrpc_io_failed(io); i++) {
		struct vrpc_blobdesc *b = &rc->blobs[i];
		vrpc_io_str(io, &b->name, 4096);
		vrpc_io_u8(io, &b->kind);
		vrpc_io_u64(io, &b->size);
		vrpc_io_raw(io, b->sha, sizeof(b->sha));
	}
}

static void io_res_create_r(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_res_create *rc = &m->u.rc;
	if (m->status == VRPC_E_NEED_UPLOAD) {
		vrpc_io_array(io, (void **)&rc->missing, &rc->nr_missing,
			      sizeof(uint32_t), LIM(io, max_args), 4);
		for (uint32_t i = 0; i < rc->nr_missing && !vrpc_io_failed(io);
		     i++)
			vrpc_io_u32(io, &rc->missing[i]);
	} else if (!m->status) {
		vrpc_io_u64(io, &m->resource);
	}
}

static void io_control(struct vrpc_io *io, struct vrpc_msg *m)
{
	bool rep = m->reply;
	switch (m->type) {
	case VRPC_T_HELLO:
		rep ? io_hello_r(io, m) : io_hello(io, m);
		break;
	case VRPC_T_PING:
		if (!rep || !m->status)
			vrpc_io_buf(io, &m->u.ping);
		break;
	case VRPC_T_INFO:
		if (rep)
			io_info_r(io, m);
		break;
	case VRPC_T_SHM_ATTACH:
		if (!rep) {
			vrpc_io_u32(io, &m->u.shm.arena);
			vrpc_io_u64(io, &m->u.shm.size);
		}
		break;
	case VRPC_T_SHM_DETACH:
		if (!rep)
			vrpc_io_u32(io, &m->u.shm.arena);
		break;
	case VRPC_T_RING_OFFER:
		if (!rep) {
			vrpc_io_u32(io, &m->u.ring.to_agent);
			vrpc_io_u32(io, &m->u.ring.to_client);
		}
		break;
	case VRPC_T_SESS_INIT:
		if (!rep)
			vrpc_io_u32(io, &m->flags);
		else if (!m->status)
			vrpc_io_u64(io, &m->session);
		break;
	case VRPC_T_SESS_RELEASE:
		if (!rep)
			vrpc_io_u64(io, &m->session);
		break;
	case VRPC_T_SESS_UPDATE:
		if (!rep) {
			vrpc_io_u64(io, &m->session);
			vrpc_io_u32(io, &m->flags);
		}
		break;
	case VRPC_T_BLOB_PUT:
		if (!rep) {
			vrpc_io_raw(io, m->u.put.sha, sizeof(m->u.put.sha));
			vrpc_io_buf(io, &m->u.put.data);
		}
		break;
	case VRPC_T_RES_CREATE:
		rep ? io_res_create_r(io, m) : io_res_create(io, m);
		break;
	case VRPC_T_RES_REGISTER:
	case VRPC_T_RES_UNREGISTER:
	case VRPC_T_RES_SYNC:
		if (!rep) {
			vrpc_io_u64(io, &m->resource);
			vrpc_io_u64(io, &m->session);
			if (m->type == VRPC_T_RES_UNREGISTER)
				vrpc_io_u32(io, &m->flags);
		} else if (m->type == VRPC_T_RES_SYNC && !m->status) {
			io_bufs(io, &m->u.bufs);
		}
		break;
	case VRPC_T_RES_DESTROY:
		if (!rep)
			vrpc_io_u64(io, &m->resource);
		break;
	case VRPC_T_BYE:
		if (!rep)
			vrpc_io_u32(io, &m->flags);
		break;
	default:
		break;
	}
}

/* ---- ops --------------------------------------------------------------- */

static void io_exec(struct vrpc_io *io, struct vrpc_msg *m,
		    enum vaccel__op_shape shape)
{
	struct vrpc_exec *e = &m->u.exec;
	if (m->reply) {
		if (!m->status)
			io_bufs(io, &m->u.bufs);
		return;
	}
	if (shape == VACCEL__SHAPE_EXEC_LIB)
		vrpc_io_str(io, &e->library, 4096);
	if (shape == VACCEL__SHAPE_EXEC_RES)
		vrpc_io_u64(io, &m->resource);
	if (shape != VACCEL__SHAPE_EXEC_ARGS)
		vrpc_io_str(io, &e->symbol, 4096);
	io_args(io, &e->read, &e->nr_read);
	io_args(io, &e->write, &e->nr_write);
}

static void io_image(struct vrpc_io *io, struct vrpc_msg *m,
		     enum vaccel__op_shape shape)
{
	struct vrpc_image *im = &m->u.image;
	bool classify = shape == VACCEL__SHAPE_IMAGE_TEXT;
	if (m->reply) {
		if (m->status)
			return;
		if (classify)
			vrpc_io_buf(io, &im->text);
		vrpc_io_buf(io, &im->name);
		return;
	}
	vrpc_io_buf(io, &im->image);
	if (classify)
		vrpc_io_u64(io, &im->len_text);
	vrpc_io_u64(io, &im->len_name);
}

static void io_model_load(struct vrpc_io *io, struct vrpc_msg *m,
			  enum vaccel__op_shape shape)
{
	bool tf = shape == VACCEL__SHAPE_MODEL_TF;
	if (!m->reply)
		vrpc_io_u64(io, &m->resource);
	else if (tf) {
		vrpc_io_u8(io, &m->u.model.code);
		vrpc_io_str(io, &m->u.model.status_msg, 4096);
	}
}

static void io_model_run(struct vrpc_io *io, struct vrpc_msg *m,
			 enum vaccel__op_shape shape)
{
	struct vrpc_model *md = &m->u.model;
	bool tf = shape == VACCEL__SHAPE_RUN_TF;
	if (m->reply) {
		if (tf || shape == VACCEL__SHAPE_RUN_TFLITE)
			vrpc_io_u8(io, &md->code);
		if (tf)
			vrpc_io_str(io, &md->status_msg, 4096);
		if (!m->status)
			io_tensors(io, &md->out, &md->nr_out);
		return;
	}
	vrpc_io_u64(io, &m->resource);
	if (tf || shape == VACCEL__SHAPE_RUN_TORCH)
		vrpc_io_buf(io, &md->run_options);
	if (tf)
		io_nodes(io, &md->in_nodes, &md->nr_in_nodes);
	io_tensors(io, &md->in, &md->nr_in);
	if (tf) {
		io_nodes(io, &md->out_nodes, &md->nr_out_nodes);
		md->nr_outputs = md->nr_out_nodes;
	} else {
		vrpc_io_u32(io, &md->nr_outputs);
	}
}

static void io_tsgemm(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_tsgemm *t = &m->u.tsgemm;
	if (m->reply) {
		if (m->status)
			return;
		vrpc_io_u8(io, &t->has_out);
		if (t->has_out > 1)
			vrpc_io_fail(io, VRPC_E_PROTO);
		if (t->has_out)
			io_tensor(io, &t->out);
		return;
	}
	io_tensor(io, &t->a);
	io_tensor(io, &t->b);
	io_tensor(io, &t->c);
	vrpc_io_i32(io, &t->m);
	vrpc_io_i32(io, &t->n);
	vrpc_io_i32(io, &t->k);
}

static void io_sgemm(struct vrpc_io *io, struct vrpc_msg *m)
{
	struct vrpc_sgemm *s = &m->u.sgemm;
	if (m->reply) {
		if (!m->status)
			vrpc_io_buf(io, &s->c);
		return;
	}
	vrpc_io_i64(io, &s->m);
	vrpc_io_i64(io, &s->n);
	vrpc_io_i64(io, &s->k);
	vrpc_io_f32(io, &s->alpha);
	vrpc_io_buf(io, &s->a);
	vrpc_io_i64(io, &s->lda);
	vrpc_io_buf(io, &s->b);
	vrpc_io_i64(io, &s->ldb);
	vrpc_io_f32(io, &s->beta);
	vrpc_io_buf(io, &s->c);
	vrpc_io_i64(io, &s->ldc);
}

static void io_arrays(struct vrpc_io *io, struct vrpc_msg *m,
		      enum vaccel__op_shape shape)
{
	struct vrpc_arrays *a = &m->u.arrays;
	bool minmax = shape == VACCEL__SHAPE_MINMAX;
	bool parallel = shape == VACCEL__SHAPE_PARALLEL;
	bool two_in = shape != VACCEL__SHAPE_ARRAYCOPY && !minmax;
	if (m->reply) {
		if (m->status)
			return;
		vrpc_io_buf(io, &a->out1);
		if (parallel)
			vrpc_io_buf(io, &a->out2);
		if (minmax) {
			vrpc_io_f64(io, &a->min);
			vrpc_io_f64(io, &a->max);
		}
		return;
	}
	vrpc_io_buf(io, &a->a);
	if (two_in)
		vrpc_io_buf(io, &a->b);
	if (minmax) {
		vrpc_io_i32(io, &a->ndata);
		vrpc_io_i32(io, &a->low);
		vrpc_io_i32(io, &a->high);
	}
	vrpc_io_buf(io, &a->out1);
	if (parallel)
		vrpc_io_buf(io, &a->out2);
}

static bool io_op(struct vrpc_io *io, struct vrpc_msg *m, unsigned op)
{
	enum vaccel__op_shape shape = vaccel__op_shape(op);
	if (!m->reply)
		vrpc_io_u64(io, &m->session);
	switch (vaccel__op_family(op)) {
	case VACCEL__FAMILY_NOOP:
		return true;
	case VACCEL__FAMILY_EXEC:
		io_exec(io, m, shape);
		return true;
	case VACCEL__FAMILY_IMAGE:
		io_image(io, m, shape);
		return true;
	case VACCEL__FAMILY_MODEL:
		io_model_load(io, m, shape);
		return true;
	case VACCEL__FAMILY_RUN:
		io_model_run(io, m, shape);
		return true;
	case VACCEL__FAMILY_TSGEMM:
		io_tsgemm(io, m);
		return true;
	case VACCEL__FAMILY_SGEMM:
		io_sgemm(io, m);
		return true;
	case VACCEL__FAMILY_ARRAYS:
		io_arrays(io, m, shape);
		return true;
	default:
		return false;
	}
}

/* True if `type` is a message this version knows. */
static bool msg_known(uint16_t type)
{
	return vrpc_type_name(type) != NULL;
}

bool vrpc_op_computes(uint16_t type)
{
	return type >= VRPC_T_OP &&
	       vaccel__op_family(type - VRPC_T_OP) > VACCEL__FAMILY_NOOP;
}

uint32_t vrpc_msg_io(struct vrpc_io *io, struct vrpc_msg *m)
{
	if (m->reply) {
		vrpc_io_u32(io, &m->status);
		vrpc_io_str(io, &m->message, 4096);
	}
	if (!msg_known(m->type)) {
		/* an error reply to a message of an unknown type is just
		 * status and message */
		if (!m->reply || !m->status)
			vrpc_io_fail(io, VRPC_E_PROTO);
	} else if (m->type >= VRPC_T_OP)
		io_op(io, m, m->type - VRPC_T_OP);
	else
		io_control(io, m);
	return io->err;
}
