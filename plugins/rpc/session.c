// SPDX-License-Identifier: Apache-2.0
/* Remote sessions. A remote session lives on the agent, on the connection
 * that made it; sess->priv remembers that connection's generation, so a
 * session of a lost connection answers VACCEL_ESESS instead of reaching
 * another client's (or a new) session. */

#include "rpc.h"
#include <inttypes.h>
#include <stdlib.h>

int rpc_sess_init(struct vaccel_session *sess, uint32_t flags)
{
	struct rpc_sess *s = calloc(1, sizeof(*s));
	struct rpc_ctx x;
	if (!s)
		return VACCEL_ENOMEM;
	int ret = rpc_begin(&x, VRPC_T_SESS_INIT, 0);
	if (!ret) {
		x.req.flags = flags;
		ret = rpc_simple(&x);
	}
	if (!ret) {
		sess->remote_id = (vaccel_id_t)x.rep.session;
		s->gen = x.link->gen;
		sess->priv = s;
		rpc_dbg("session %" PRId64 " is %" PRId64 " on the agent",
			sess->id, sess->remote_id);
	} else {
		free(s);
	}
	rpc_end(&x);
	return ret;
}

int rpc_sess_release(struct vaccel_session *sess)
{
	struct rpc_ctx x;
	int ret = rpc_begin(&x, VRPC_T_SESS_RELEASE, rpc_sess_gen(sess));
	if (!ret) {
		x.req.session = (uint64_t)sess->remote_id;
		ret = rpc_simple(&x);
	}
	rpc_end(&x);
	/* a session lost with its connection is gone on the agent anyway */
	if (ret == VACCEL_ESESS)
		ret = VACCEL_OK;
	free(sess->priv);
	sess->priv = NULL;
	return ret;
}

int rpc_sess_update(struct vaccel_session *sess, uint32_t flags)
{
	struct rpc_ctx x;
	int ret = rpc_begin(&x, VRPC_T_SESS_UPDATE, rpc_sess_gen(sess));
	if (!ret) {
		x.req.session = (uint64_t)sess->remote_id;
		x.req.flags = flags;
		ret = rpc_simple(&x);
	}
	rpc_end(&x);
	return ret;
}
