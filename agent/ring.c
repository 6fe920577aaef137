// SPDX-License-Identifier: Apache-2.0
/* RING_OFFER (docs/protocol.md §11): a client on this host hands its
 * connection's worker a sealed memfd holding two byte rings; once the
 * reply accepting it went out on the socket, this connection's bytes go
 * through the ring (src/rpc/ring.c checks every index the client can
 * write). The ring belongs to this connection of this worker only: the
 * front never sees it. */

#include "serve.h"
#include "ring.h"
#include <inttypes.h>

static void install(struct req *r)
{
	struct vrpc_ring *ring = r->after_ctx;
	conn_set_ring(r->c, ring);
	adebug("conn %" PRIu64 ": calls go through a shared-memory ring",
	       conn_id(r->c));
}

void handle_ring_offer(struct req *r)
{
	struct vrpc_stream *s = conn_stream(r->c);
	struct vrpc_ring *ring;
	if (cfg.no_ring) {
		reply_err(r, VRPC_E_NOTSUP, "rings are off (--ring off)");
		return;
	}
	if (!s->pass_fds || s->ring) {
		reply_err(r, VRPC_E_NOTSUP,
			  s->ring ? "this connection has a ring"
				  : "a ring needs a UNIX socket");
		return;
	}
	if (r->fd < 0) {
		reply_err(r, VRPC_E_PROTO, "RING_OFFER without a descriptor");
		return;
	}
	int ret = vrpc_ring_attach(r->fd, r->msg.u.ring.to_agent,
				   r->msg.u.ring.to_client, &ring);
	if (ret) {
		reply_err(r, vrpc_err_to_wire(ret),
			  ret == VACCEL_EINVAL
				  ? "ring sizes must be powers of two of %u to "
				    "%u bytes, in a memfd that large"
				  : "not a sealed memfd (%u to %u bytes)",
			  VRPC_RING_MIN, VRPC_RING_MAX);
		return;
	}
	r->after = install;
	r->after_ctx = ring;
}

void ring_log_end(uint64_t conn, const struct vrpc_stream *s, uint64_t requests,
		  uint64_t near_pins, uint64_t near_backoffs)
{
	struct vrpc_ring_stats st;
	if (!s->ring)
		return;
	vrpc_ring_stats(s->ring, &st);
	ainfo("conn %" PRIu64 " ring: %" PRIu64 " requests, %" PRIu64
	      " waits, %" PRIu64 " caught spinning, %" PRIu64
	      " sleeps, spun %.3f ms; waited on the client's CPU %" PRIu64
	      " times, stopped %" PRIu64 " times (preempted)",
	      conn, requests, st.waits, st.spin_hits, st.sleeps,
	      (double)st.spin_ns / 1e6, near_pins, near_backoffs);
}
