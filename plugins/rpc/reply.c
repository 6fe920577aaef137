// SPDX-License-Identifier: Apache-2.0
/* The reply of a call: where each of its buffers goes (an application
 * buffer, new memory, a copy out of shared memory), reading its bulk, its
 * status, and the end of the call. */

#include "rpc.h"
#include <stdlib.h>
#include <string.h>

int rpc_out(struct rpc_ctx *x, struct vrpc_buf *rb, const struct vrpc_buf *qb,
	    void *dst, size_t cap)
{
	if (rb->len > cap)
		return VACCEL_EIO;
	if (rb->kind == VRPC_BUF_INLINE) {
		rb->data = dst;
		return 0;
	}
	if (rb->kind != VRPC_BUF_SHM)
		return 0;
	/* written in place: the region this call lent for it */
	if (!qb || qb->kind != VRPC_BUF_SHM || qb->arena != rb->arena ||
	    qb->off != rb->off)
		return VACCEL_EIO;
	void *src = rpc_arena_ptr(rb->arena, rb->off, rb->len);
	if (!src || x->ncopies >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	if (src != dst && rb->len)
		x->copies[x->ncopies++] =
			(struct rpc_copy){ dst, src, rb->len };
	return 0;
}

int rpc_out_alloc(struct rpc_ctx *x, struct vrpc_buf *rb, void **out)
{
	*out = NULL;
	if (rb->kind == VRPC_BUF_NONE || !rb->len)
		return 0;
	if (x->nowned >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	void *p = malloc(rb->len);
	if (!p)
		return VACCEL_ENOMEM;
	x->owned[x->nowned++] = p;
	*out = p;
	if (rb->kind == VRPC_BUF_INLINE) {
		rb->data = p;
		return 0;
	}
	void *src = rpc_arena_ptr(rb->arena, rb->off, rb->len);
	if (!src || x->ncopies >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	x->copies[x->ncopies++] = (struct rpc_copy){ p, src, rb->len };
	return 0;
}

int rpc_finish(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct rpc_call *c = x->call;
	int ret = 0;
	if (c->hdr.bulk_len) {
		/* the stream is ours until the bulk is read */
		int64_t dl = vrpc_deadline(rpc_cfg.timeout_ms);
		for (size_t i = 0; !ret && i < x->dec.nbufs; i++) {
			struct vrpc_buf *b = x->dec.bufs[i];
			if (b->kind != VRPC_BUF_INLINE || !b->len)
				continue;
			ret = b->data ? vrpc_stream_read(&l->s, b->data, b->len,
							 dl)
				      : vrpc_stream_skip(&l->s, b->len, dl);
		}
		pthread_mutex_lock(&l->lock);
		l->reading = false;
		if (ret)
			rpc_link_kill(l, "end of stream in a reply");
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->lock);
		c->hdr.bulk_len = 0;
		if (ret)
			return VACCEL_EIO;
	}
	for (int i = 0; i < x->ncopies; i++)
		memcpy(x->copies[i].dst, x->copies[i].src, x->copies[i].len);
	x->ncopies = 0;
	return 0;
}

void rpc_end(struct rpc_ctx *x)
{
	struct rpc_call *c = x->call;
	if (c) {
		/* a reply whose bulk was never read (an error on our side):
		 * skip it, the stream must go on */
		if (c->state == RPC_CALL_GOT && c->hdr.bulk_len) {
			for (size_t i = 0; i < x->dec.nbufs; i++)
				x->dec.bufs[i]->data = NULL;
			x->ncopies = 0;
			rpc_finish(x);
		}
		/* an answered call left the list when its reply came */
		if (x->link && c->state != RPC_CALL_GOT)
			rpc_call_unlink(x->link, c);
		rpc_call_free(x->link, c);
	}
	for (int i = 0; i < x->nowned; i++)
		free(x->owned[i]);
	vrpc_io_release(&x->dec);
	vrpc_pool_release(&x->pool);
	if (x->link)
		rpc_link_put(x->link);
	x->link = NULL;
	x->call = NULL;
}

int rpc_status(struct rpc_ctx *x)
{
	if (!x->rep.status)
		return 0;
	int ret = vrpc_err_from_wire(x->rep.status);
	const char *what = vrpc_type_name(x->req.type);
	if (what && !strncmp(what, "OP_", 3))
		what += 3;
	/* the agent's reason becomes the application's (one error line) */
	if (x->rep.message && *x->rep.message)
		return vaccel_fail(ret, LOG_PREFIX "the agent failed %s: %s",
				   what ? what : "a request", x->rep.message);
	return vaccel_fail(ret, LOG_PREFIX "the agent failed %s: %s (%s)",
			   what ? what : "a request",
			   vrpc_err_name(x->rep.status), vaccel_strerror(ret));
}

int rpc_simple(struct rpc_ctx *x)
{
	int ret = rpc_call(x);
	if (!ret)
		ret = rpc_finish(x);
	return ret ? ret : rpc_status(x);
}
