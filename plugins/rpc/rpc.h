// SPDX-License-Identifier: Apache-2.0
/* The rpc transport plugin (libvaccel-rpc.so): forwards every op of a
 * remote session to vaccel-agent (docs/protocol.md).
 *
 *   client.c   configuration, the connection ("link"), handshake and vport
 *              resynchronisation, calls (request ids, one reader at a time
 *              among the waiting threads), deadlines, reconnection
 *   shm.c      shared-memory arenas: placement of large buffers, the
 *              zero-copy allocator of vaccel_rpc.h
 *   plugin.c   the descriptor, sessions, resources (content hashes, upload)
 *   ops.c      one function per op */
#pragma once

#include "codec.h"
#include "msg.h"
#include "stream.h"
#include "transport.h"
#include "wire.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <vaccel.h>

#define LOG_PREFIX    "[rpc] "
#define rpc_err(...)  vaccel_error(LOG_PREFIX __VA_ARGS__)
#define rpc_warn(...) vaccel_warn(LOG_PREFIX __VA_ARGS__)
#define rpc_dbg(...)  vaccel_debug(LOG_PREFIX __VA_ARGS__)

struct rpc_call;

/* One connection to the agent. Replaced by a new one (a new generation)
 * when it dies; sessions and resources of a dead link are lost. */
struct rpc_link {
	atomic_int refs;
	uint64_t gen;
	struct vrpc_stream s;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_mutex_t send_lock;
	bool dead;
	/* a thread reads the stream (a waiter, or the call owning a bulk) */
	bool reading;
	/* calls sent and not answered (including abandoned ones) */
	struct rpc_call *pending;
	uint64_t next_id;
	/* bulk bytes of an unwanted reply still to skip */
	uint64_t discard;
	/* recent duration of each op's calls (µs, 0: unknown), to spin
	 * briefly before its reply is due */
	uint32_t op_us[64];
	/* from HELLO */
	struct vrpc_limits lim;
	uint64_t ops;
	uint32_t flags;
	uint64_t conn_id;
	bool shm;
};

/* A copy to do once the bulk of a reply was read (shared memory to the
 * application's buffer). */
struct rpc_copy {
	void *dst;
	const void *src;
	size_t len;
};

/* A shared-memory region lent to one call. */
struct rpc_region {
	struct rpc_arena *arena;
	uint64_t off, len;
};

/* One call, on the caller's stack. */
struct rpc_ctx {
	struct rpc_link *link;
	struct vrpc_msg req;
	int fd; /* passed with the request (SHM_ATTACH), -1 */
	/* the reply, decoded (allocations in `pool`) */
	struct vrpc_msg rep;
	struct vrpc_pool pool;
	struct vrpc_io dec;
	struct rpc_call *call;
	int64_t deadline;
	int64_t t0;
	/* one slot per buffer of the reply (in `pool`) */
	struct rpc_copy *copies;
	int ncopies;
	/* allocations owned by the call until rpc_end (tensor data...) */
	void **owned;
	int nowned;
};

/* ---- client.c ---- */
struct rpc_config {
	struct vrpc_addr addr;
	char uri[PATH_MAX + 16];
	int64_t timeout_ms;
	int64_t connect_timeout_ms;
	uint8_t token[VRPC_MAX_TOKEN];
	size_t token_len;
	bool shm;
	uint64_t shm_threshold;
	/* most µs spent spinning before a reply is due (0: never spin) */
	int64_t spin_us;
	char identity[VRPC_MAX_IDENTITY];
};

extern struct rpc_config rpc_cfg;

int rpc_client_init(void);
void rpc_client_fini(void);
/* The live link (connecting if there is none), with a reference: 0, or
 * VACCEL_EIO etc. if the agent cannot be reached. */
int rpc_link_get(struct rpc_link **out);
/* The live link only if its generation is `gen` (the session's): else
 * VACCEL_ESESS (the session was lost with its connection). */
int rpc_link_get_gen(uint64_t gen, struct rpc_link **out);
void rpc_link_put(struct rpc_link *l);
/* Ops the agent serves (all if it could not be reached at load time). */
uint64_t rpc_agent_ops(void);

/* Calls. rpc_begin takes a link reference (the session's link when
 * `gen` != 0); rpc_call sends x->req and waits for the reply, decoded into
 * x->rep (status in x->rep.status; then the op gives every INLINE reply buf
 * a destination with rpc_out_*); rpc_finish reads the bulk and does the
 * copies; rpc_end releases everything. The return values are VACCEL_E*
 * codes of the transport (the op's own status is x->rep.status). */
int rpc_begin(struct rpc_ctx *x, uint16_t type, uint64_t gen);
/* rpc_begin on a link the caller holds. */
int rpc_begin_link(struct rpc_ctx *x, uint16_t type, struct rpc_link *l);
int rpc_call(struct rpc_ctx *x);
int rpc_finish(struct rpc_ctx *x);
void rpc_end(struct rpc_ctx *x);
/* rpc_call + rpc_finish + status: for replies without buffers to place. */
int rpc_simple(struct rpc_ctx *x);
/* The op's result: the reply status as VACCEL_E* (logs the message). */
int rpc_status(struct rpc_ctx *x);

/* Destination of a reply buffer `rb` that answers the request buffer `qb`
 * (or NULL): `dst` of `cap` bytes. Shared memory is copied there after the
 * bulk. VACCEL_EIO if the reply does not fit. */
int rpc_out(struct rpc_ctx *x, struct vrpc_buf *rb, const struct vrpc_buf *qb,
	    void *dst, size_t cap);
/* A reply buffer into new memory (malloc, `*out` owned by the caller after
 * rpc_finish succeeded; freed by rpc_end otherwise). */
int rpc_out_alloc(struct rpc_ctx *x, struct vrpc_buf *rb, void **out);

/* A request buffer (INLINE; shared memory is decided at encoding). */
static inline struct vrpc_buf rpc_in(const void *data, size_t len)
{
	return (struct vrpc_buf){ VRPC_BUF_INLINE, len, 0, 0, (void *)data };
}
/* An output-only request buffer of `cap` bytes (NONE or a shared region). */
static inline struct vrpc_buf rpc_outbuf(void *data, size_t cap)
{
	return (struct vrpc_buf){ VRPC_BUF_NONE, cap, 0, 0, cap ? data : NULL };
}

/* Record a region the placement hook lent to the current call (kept
 * until its reply arrived, even if the call gave up waiting). */
bool rpc_call_add_region(struct rpc_ctx *x, struct rpc_region r);

/* ---- shm.c ---- */
struct rpc_arena;
/* Encoding hook (vrpc_place_fn): lend large buffers shared memory. */
bool rpc_shm_place(void *ctx, struct vrpc_buf *b);
/* The bytes of a shared buffer of a reply (checked), or NULL. */
void *rpc_shm_ptr(uint32_t arena, uint64_t off, uint64_t len);
/* Give back the regions a call borrowed. */
void rpc_shm_release(struct rpc_region *r, int n);
/* Forget which links arenas are attached to (after fork). */
void rpc_shm_fini(void);

/* ---- plugin.c: per-session state in sess->priv ---- */
struct rpc_sess {
	uint64_t gen;
	bool lost_logged;
};
/* The link generation of a remote session (0: none/unknown). */
static inline uint64_t rpc_sess_gen(const struct vaccel_session *sess)
{
	const struct rpc_sess *s = sess->priv;
	return s ? s->gen : 0;
}

/* The descriptor's hooks (its op table is in ops.c). */
int rpc_plugin_init(void);
int rpc_plugin_fini(void);
int rpc_sess_init(struct vaccel_session *sess, uint32_t flags);
int rpc_sess_release(struct vaccel_session *sess);
int rpc_sess_update(struct vaccel_session *sess, uint32_t flags);
int rpc_res_register(struct vaccel_resource *res, struct vaccel_session *sess);
int rpc_res_unregister(struct vaccel_resource *res,
		       struct vaccel_session *sess);
int rpc_res_sync(struct vaccel_resource *res, struct vaccel_session *sess);
