// SPDX-License-Identifier: Apache-2.0
/* What every op handler uses (ops_int.h). */
#include "ops_int.h"
#include <stdlib.h>

struct vaccel_session *hold_sess(struct req *r)
{
	struct obj *o;
	return req_hold(r, OBJ_SESSION, r->msg.session, false, &o) ? NULL
								   : o->u.sess;
}

struct obj *hold_res(struct req *r)
{
	struct obj *o;
	return req_hold(r, OBJ_RESOURCE, r->msg.resource, false, &o) ? NULL : o;
}

/* The reply buffer of an output: in place if the request gave shared
 * memory, otherwise the agent's bytes. */
struct vrpc_buf out_buf(const struct vrpc_buf *in, void *data, uint64_t len)
{
	if (in->kind == VRPC_BUF_SHM)
		return (struct vrpc_buf){ VRPC_BUF_SHM, len, in->arena, in->off,
					  NULL };
	return (struct vrpc_buf){ VRPC_BUF_INLINE, len, 0, 0, data };
}

void *pool(struct req *r, size_t size)
{
	void *p = vrpc_pool_alloc(&r->rpool, size ? size : 1);
	if (!p)
		reply_err(r, VRPC_E_NOMEM, "no memory");
	return p;
}
