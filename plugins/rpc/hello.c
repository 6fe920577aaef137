// SPDX-License-Identifier: Apache-2.0
/* The handshake of a new link (docs/protocol.md §4): HELLO with the
 * token and a nonce, and what the agent's reply says (limits, ops, shared
 * memory). On a virtio-serial port the stream outlives processes: a dead
 * process may have left half a frame in it, so the client pads it out and
 * scans for the reply to its own nonce (protocol.md §4.3). */

#include "rpc.h"
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t random_u64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)vrpc_now_ns() * 0x9e3779b97f4a7c15ull;
	return v | 1;
}

static int send_hello(struct rpc_link *l, uint64_t nonce, int64_t deadline)
{
	struct vrpc_msg m = { .type = VRPC_T_HELLO };
	m.u.hello = (struct vrpc_hello){
		.major = VRPC_MAJOR,
		.minor = VRPC_MINOR,
		.flags = rpc_cfg.shm ? VRPC_HELLO_WANT_SHM : 0,
		.nonce = nonce,
		.identity = rpc_cfg.identity,
		.token = rpc_cfg.token,
		.token_len = (uint32_t)rpc_cfg.token_len,
	};
	return rpc_send_msg(l, &m, deadline);
}

/* Check a HELLO reply and keep what the agent says. */
static int take_hello(struct rpc_link *l, const struct vrpc_hdr *h,
		      uint8_t *fields, uint64_t nonce)
{
	struct vrpc_pool pool = { 0 };
	struct vrpc_io io;
	struct vrpc_msg m = { .type = VRPC_T_HELLO, .reply = true };
	vrpc_io_init_dec(&io, fields, h->fields_len, &pool, NULL);
	vrpc_msg_io(&io, &m);
	int ret = vrpc_io_finish_dec(&io, h->bulk_len) ? VACCEL_EIO : 0;
	if (!ret && m.status) {
		rpc_conn_err("the agent at %s refused the connection: %s (%s)",
			     rpc_cfg.uri, vrpc_err_name(m.status), m.message);
		ret = vrpc_err_from_wire(m.status);
	} else if (!ret && m.u.hello_r.nonce != nonce) {
		ret = VACCEL_EAGAIN; /* a stale reply (vport) */
	} else if (!ret) {
		vrpc_limits_default(&l->lim);
		vrpc_limits_from_kv(&l->lim, m.u.hello_r.limits,
				    m.u.hello_r.nr_limits);
		l->ops = m.u.hello_r.ops;
		l->flags = m.u.hello_r.flags;
		l->conn_id = m.u.hello_r.conn;
		l->minor = m.u.hello_r.minor;
		l->shm = rpc_cfg.shm && (l->flags & VRPC_AGENT_SHM) &&
			 l->s.pass_fds;
	}
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
	return ret;
}

static int plain_hello(struct rpc_link *l, int64_t deadline)
{
	uint64_t nonce = random_u64();
	struct vrpc_hdr h;
	uint8_t *f = NULL;
	int ret = send_hello(l, nonce, deadline);
	if (!ret)
		ret = rpc_read_frame(l, &h, &f, deadline);
	if (!ret && (h.type != VRPC_T_HELLO || h.bulk_len))
		ret = RPC_EPROTO;
	if (!ret)
		ret = take_hello(l, &h, f, nonce);
	free(f);
	return ret;
}

/* Scan the stream for the HELLO reply to `nonce`, skipping stale bytes,
 * until `until`. VACCEL_ETIMEDOUT: not (yet) there. */
static int scan_hello(struct rpc_link *l, uint64_t nonce, int64_t until)
{
	static const uint8_t magic[4] = { 'V', 'A', 'C', 'R' };
	uint8_t win[VRPC_HDR_SIZE];
	size_t have = 0;
	for (;;) {
		int ret = vrpc_stream_read(&l->s, win + have, 1, until);
		if (ret)
			return ret;
		have++;
		/* keep the window aligned on a possible magic */
		while (have && memcmp(win, magic, have < 4 ? have : 4)) {
			memmove(win, win + 1, --have);
		}
		if (have < VRPC_HDR_SIZE)
			continue;
		struct vrpc_hdr h;
		vrpc_hdr_unpack(win, &h);
		have = 0;
		if (h.type != VRPC_T_HELLO || !(h.flags & VRPC_F_REPLY) ||
		    h.bulk_len || h.fields_len > VRPC_PREAUTH_MAX_FIELDS)
			continue;
		uint8_t f[VRPC_PREAUTH_MAX_FIELDS];
		ret = vrpc_stream_read(&l->s, f, h.fields_len, until);
		if (ret)
			return ret;
		ret = take_hello(l, &h, f, nonce);
		if (ret != VACCEL_EAGAIN && ret != VACCEL_EIO)
			return ret;
	}
}

/* vport: push a dead process's half frame out with zero padding and find
 * our HELLO reply among stale bytes (protocol.md §4.3). */
static int resync_hello(struct rpc_link *l, int64_t deadline)
{
	static const uint8_t zeros[65536];
	size_t pad = 4096;
	for (;;) {
		for (size_t sent = 0; sent < pad;) {
			size_t n = pad - sent < sizeof(zeros) ? pad - sent
							      : sizeof(zeros);
			struct iovec iov = { (void *)zeros, n };
			int ret = vrpc_stream_writev(&l->s, &iov, 1, -1,
						     deadline);
			if (ret)
				return ret;
			sent += n;
		}
		uint64_t nonce = random_u64();
		int ret = send_hello(l, nonce, deadline);
		if (ret)
			return ret;
		int64_t until = vrpc_deadline(250);
		if (deadline && until > deadline)
			until = deadline;
		ret = scan_hello(l, nonce, until);
		if (ret != VACCEL_ETIMEDOUT)
			return ret;
		if (deadline && vrpc_now_ns() >= deadline) {
			rpc_conn_err(
				"%s: no answer after %zu bytes of padding: a "
				"previous process may have died in the middle "
				"of a large message; try again",
				rpc_cfg.uri, pad);
			return VACCEL_EIO;
		}
		if (pad < (1ull << 31))
			pad *= 2;
	}
}

int rpc_hello(struct rpc_link *l, int64_t deadline)
{
	return rpc_cfg.addr.t->resync ? resync_hello(l, deadline)
				      : plain_hello(l, deadline);
}
