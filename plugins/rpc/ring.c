// SPDX-License-Identifier: Apache-2.0
/* The shared-memory ring of a link (docs/protocol.md §11): offered right
 * after the handshake, before any call, on UNIX sockets only. The agent
 * accepts it (its reply still comes on the socket; every byte after it
 * goes through the ring) or answers with an error: then, or with an agent
 * that does not know RING_OFFER, the link stays on the socket. */

#include "rpc.h"
#include "ring.h"
#include <stdlib.h>
#include <unistd.h>

static int send_offer(struct rpc_link *l, int fd, int64_t deadline)
{
	struct vrpc_msg m = { .type = VRPC_T_RING_OFFER };
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	m.u.ring.to_agent = m.u.ring.to_client = VRPC_RING_DEFAULT;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, &m);
	int ret = vrpc_io_frame(&io, m.type, VRPC_F_FD, 0, &iov, &niov)
			  ? VACCEL_EINVAL
			  : vrpc_stream_writev(&l->s, iov, niov, fd, deadline);
	vrpc_io_release(&io);
	return ret;
}

/* The agent's answer: 0 accepted, 1 refused (its reason logged), or a
 * stream error. */
static int read_answer(struct rpc_link *l, int64_t deadline)
{
	struct vrpc_hdr h;
	uint8_t *fields = NULL;
	int ret = rpc_read_frame(l, &h, &fields, deadline);
	if (ret)
		return ret;
	if (h.type != VRPC_T_RING_OFFER || h.bulk_len) {
		free(fields);
		return RPC_EPROTO;
	}
	struct vrpc_msg m = { .type = VRPC_T_RING_OFFER, .reply = true };
	struct vrpc_pool pool = { 0 };
	struct vrpc_io io;
	vrpc_io_init_dec(&io, fields, h.fields_len, &pool, NULL);
	vrpc_msg_io(&io, &m);
	ret = vrpc_io_finish_dec(&io, 0) ? RPC_EPROTO : m.status ? 1 : 0;
	if (ret == 1)
		rpc_dbg("no ring: the agent says %s (%s)",
			vrpc_err_name(m.status), m.message ? m.message : "");
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
	free(fields);
	return ret;
}

int rpc_ring_offer(struct rpc_link *l, int64_t deadline)
{
	struct vrpc_ring *ring;
	int fd;
	/* an agent of minor 1 would only answer "unexpected message" */
	if (!rpc_cfg.ring || !l->s.pass_fds || l->minor < 2)
		return 0;
	if (vrpc_ring_create(VRPC_RING_DEFAULT, &fd, &ring)) {
		rpc_dbg("no ring: cannot create a memfd");
		return 0;
	}
	int ret = send_offer(l, fd, deadline);
	close(fd);
	if (!ret)
		ret = read_answer(l, deadline);
	if (ret) {
		vrpc_ring_free(ring);
		return ret == 1 ? 0 : ret;
	}
	vrpc_ring_set_spin(ring, rpc_cfg.ring_spin_us * 1000);
	vrpc_stream_use_ring(&l->s, ring, true);
	rpc_dbg("calls go through a shared-memory ring");
	return 0;
}
