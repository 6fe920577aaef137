// SPDX-License-Identifier: Apache-2.0
/* The rpc transport plugin (libvaccel-rpc.so): forwards every op of a
 * remote session to vaccel-agent (docs/protocol.md).
 *
 * One job per file, each using only the files listed before it:
 *   config.c   the configuration, from the environment
 *   arena.c    this process's shared-memory arenas (bookkeeping only)
 *   frame.c    whole frames on a link's stream (HELLO, BYE, reply headers)
 *   hello.c    the handshake, and the vport resynchronisation
 *   link.c     the live connection: connect, share, replace when dead or
 *              after fork, BYE
 *   call.c     calls: request ids, send, wait (one reader at a time among
 *              the waiting threads), deadlines
 *   reply.c    a reply's buffers, bulk and status; the end of a call
 *   shm.c      attaching arenas, placement of large buffers, the zero-copy
 *              allocator of vaccel_rpc.h
 *   session.c, resource.c, ops.c, ops_model.c   the descriptor's hooks and
 *              ops (the descriptor itself is in plugin.c) */
#pragma once

#include "codec.h"
#include "op_list.h"
#include "optime.h"
#include "msg.h"
#include "stream.h"
#include "transport.h"
#include "wire.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <vaccel.h>

#define LOG_PREFIX    "[rpc] "
#define rpc_err(...)  vaccel_error(LOG_PREFIX __VA_ARGS__)
#define rpc_warn(...) vaccel_warn(LOG_PREFIX __VA_ARGS__)
#define rpc_dbg(...)  vaccel_debug(LOG_PREFIX __VA_ARGS__)
/* A connection failure: an error, except while the plugin's load probes
 * the agent (then a warning: the first call says it again as an error). */
#define rpc_conn_err(...)                                                      \
	vaccel_log_print(rpc_cfg.probing ? VACCEL_LOG_WARN : VACCEL_LOG_ERROR, \
			 NULL, LOG_PREFIX __VA_ARGS__)

/* Internal protocol error (a malformed frame; never returned to
 * applications: the link dies and calls see VACCEL_EIO). */
#define RPC_EPROTO EPROTO

/* A shared-memory region lent to one call. */
struct rpc_region {
	struct rpc_arena *arena;
	uint64_t off, len;
};

enum {
	RPC_CALL_WAIT,
	RPC_CALL_GOT,
	RPC_CALL_FAILED
};

#define RPC_MAX_REGIONS 32

/* A call sent on a link and not yet answered (in the link's pending list
 * until its reply was taken or the link died). */
struct rpc_call {
	uint64_t id;
	struct rpc_call *next;
	int state;
	int err;
	bool abandoned;
	struct vrpc_hdr hdr;
	uint8_t *fields;
	struct rpc_region regions[RPC_MAX_REGIONS];
	int nregions;
};

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
	/* recent duration of each op's calls, to spin briefly before its
	 * reply is due */
	struct vrpc_optime optime;
	/* the spin windows' recent outcomes (used by the reading thread) */
	struct vrpc_spinwin spinwin;
	/* near calls that still keep their thread on its CPU while they
	 * wait (call.c, stay) */
	atomic_int stay_calls;
	/* from HELLO */
	struct vrpc_limits lim;
	uint64_t ops;
	uint32_t flags;
	uint64_t conn_id;
	/* the negotiated minor version (RING_OFFER: 2) */
	uint16_t minor;
	bool shm;
	/* why the link died, as the agent said (NOTICE), or empty */
	char why[512];
	/* a freed call, and a freed fields buffer of RPC_SMALL_FIELDS bytes,
	 * kept for the next (no malloc and free of either per call) */
	_Atomic(struct rpc_call *) spare_call;
	_Atomic(uint8_t *) spare_fields;
};
/* Replies with this many bytes of fields or fewer get a buffer of this
 * size, which is kept for the next when freed (rpc_fields_free). */
#define RPC_SMALL_FIELDS 512u

/* A copy to do once the bulk of a reply was read (shared memory to the
 * application's buffer). */
struct rpc_copy {
	void *dst;
	const void *src;
	size_t len;
};

/* Slots for the buffers of a reply kept in the call's context (most
 * replies have no more; the others take them from the pool). */
#define RPC_INLINE_SLOTS 4

/* Bytes of a call's decoded reply held in its context. */
#define RPC_POOL_SEED 256

/* One call, on the caller's stack. */
struct rpc_ctx {
	struct rpc_link *link;
	struct vrpc_msg req;
	int fd; /* passed with the request (SHM_ATTACH), -1 */
	/* the reply, decoded (allocations in `pool`) */
	struct vrpc_msg rep;
	struct vrpc_pool pool;
	/* rpc_begin does not clear its encoding storage (unused), nor
	 * pool_seed, which follows it */
	struct vrpc_io dec;
	/* the pool's first bytes (no malloc for a small reply) */
	_Alignas(16) uint8_t pool_seed[RPC_POOL_SEED];
	struct rpc_call *call;
	int64_t deadline;
	int64_t t0;
	/* one slot per buffer of the reply (inline, or in `pool`) */
	struct rpc_copy *copies;
	int ncopies;
	/* allocations owned by the call until rpc_end (tensor data...) */
	void **owned;
	int nowned;
	struct rpc_copy copies_inline[RPC_INLINE_SLOTS];
	void *owned_inline[RPC_INLINE_SLOTS];
	/* bytes of the request's buffers in shared memory */
	uint64_t shm_bytes;
	/* the CPU this call asked the ring's worker to wait on, -1 */
	int near_cpu;
};

/* ---- config.c ---- */
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
	/* offer a shared-memory ring on UNIX sockets (VACCEL_RPC_RING),
	 * spinning at most ring_spin_us per wait */
	bool ring;
	int64_t ring_spin_us;
	/* ask the ring's worker to wait on this CPU for calls with much data
	 * in shared memory and for long ones (VACCEL_RPC_NEAR, default on) */
	bool near;
	char identity[VRPC_MAX_IDENTITY];
	/* the plugin's load is probing the agent (connection failures are
	 * warnings then) */
	bool probing;
	/* VACCEL_RPC_TOKEN_FILE cannot be used: sessions fail with this
	 * (logged when they do) */
	char token_error[PATH_MAX + 128];
	int token_err;
};

extern struct rpc_config rpc_cfg;

/* Fill rpc_cfg from the environment: 0, or VACCEL_EINVAL (logged) for an
 * address that cannot be parsed. */
int rpc_config_read(void);

/* ---- arena.c ---- */
#define RPC_ARENA_ALIGN 4096u

struct rpc_arena {
	uint32_t id;
	int fd;
	uint8_t *map;
	size_t size;
	/* one buffer of the application (vaccel_rpc_shm_alloc) */
	bool user;
	/* generation of the link it is attached to (0: none) */
	uint64_t attached;
	/* scratch arenas: regions lent, sorted by offset */
	struct rpc_arena_used *used;
	size_t nused, cap;
	struct rpc_arena *next;
};

/* Lend a region of `len` bytes of a scratch arena (a new arena if none
 * has room, while all arenas stay within `max_total` bytes). */
bool rpc_arena_lend(uint64_t len, uint64_t max_total, struct rpc_region *r);
/* Give back regions. */
void rpc_arena_release(struct rpc_region *r, int n);
/* The application's arena holding [p, p + len), and its offset there. */
struct rpc_arena *rpc_arena_of_user(const void *p, uint64_t len, uint64_t *off);
/* The bytes of a shared buffer of a reply (checked), or NULL. */
void *rpc_arena_ptr(uint32_t arena, uint64_t off, uint64_t len);
/* Forget which links arenas are attached to; free idle scratch arenas
 * (after fork, at unload). */
void rpc_arena_forget(void);
/* A new application arena of `size` bytes (a multiple of the alignment):
 * its mapping, or NULL. */
void *rpc_arena_user_new(size_t size);
/* Unlist the application arena mapped at `ptr` (NULL if none); the caller
 * detaches it and frees it with rpc_arena_free. */
struct rpc_arena *rpc_arena_user_take(void *ptr);
void rpc_arena_free(struct rpc_arena *a);

/* ---- frame.c ---- */
/* Encode a message without bulk and write it before `deadline` (the
 * caller holds the send lock where calls may be running). */
int rpc_send_msg(struct rpc_link *l, struct vrpc_msg *m, int64_t deadline);
/* Read one reply frame's header and fields (the caller frees *fields,
 * with rpc_fields_free on the call path to keep a small one for the next).
 * RPC_EPROTO for a header that is not a valid reply. */
int rpc_read_frame(struct rpc_link *l, struct vrpc_hdr *h, uint8_t **fields,
		   int64_t deadline);
/* Free the fields of a reply read by rpc_read_frame (`len` bytes; kept
 * for the next when small). */
void rpc_fields_free(struct rpc_link *l, uint8_t *fields, size_t len);

/* ---- hello.c ---- */
/* The handshake on a new link: 0 (l->lim, ops, flags, shm set), the
 * agent's refusal as VACCEL_E*, RPC_EPROTO, or a stream error. */
int rpc_hello(struct rpc_link *l, int64_t deadline);

/* ---- ring.c ---- */
/* After the handshake: offer the agent a shared-memory ring (UNIX
 * sockets, VACCEL_RPC_RING not 0). 0 when the link goes on, with a ring
 * or without (the agent said no); a stream error otherwise. */
int rpc_ring_offer(struct rpc_link *l, int64_t deadline);

/* ---- link.c ---- */
/* Start at plugin load (after rpc_config_read): connect once to learn the
 * agent's ops (not fatal if it cannot be reached). */
int rpc_link_start(void);
/* At unload: BYE to the agent, drop the link. */
void rpc_link_stop(void);
/* The live link (connecting if there is none), with a reference: 0, or
 * VACCEL_EIO etc. if the agent cannot be reached. */
int rpc_link_get(struct rpc_link **out);
/* The live link only if its generation is `gen` (the session's): else
 * VACCEL_ESESS (the session was lost with its connection). */
int rpc_link_get_gen(uint64_t gen, struct rpc_link **out);
void rpc_link_put(struct rpc_link *l);
/* The link is dead: fail every call on it (l->lock held). */
void rpc_link_kill(struct rpc_link *l, const char *why);
/* As rpc_link_kill, for the agent's own reason (a NOTICE frame): its calls
 * in flight fail with `err` and `why`. */
void rpc_link_fail(struct rpc_link *l, const char *why, int err);
/* Free a call that is in no pending list (and its shared regions); the
 * link keeps it for its next call. */
void rpc_call_free(struct rpc_link *l, struct rpc_call *c);
/* Ops the agent serves (all if it could not be reached at load time). */
uint64_t rpc_agent_ops(void);

/* ---- call.c, reply.c ---- */
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
/* Take the call off its link's pending list (answered or failed). */
void rpc_call_unlink(struct rpc_link *l, struct rpc_call *c);
/* The encoding hook that lends shared memory to large request buffers on
 * links with shared memory (set once at load). */
void rpc_call_set_place(vrpc_place_fn fn);

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
/* Encoding hook (vrpc_place_fn): lend large buffers shared memory. */
bool rpc_shm_place(void *ctx, struct vrpc_buf *b);

/* ---- session.c: per-session state in sess->priv ---- */
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

/* ---- session.c, resource.c: the descriptor's hooks ---- */
int rpc_sess_init(struct vaccel_session *sess, uint32_t flags);
int rpc_sess_release(struct vaccel_session *sess);
int rpc_sess_update(struct vaccel_session *sess, uint32_t flags);
int rpc_res_register(struct vaccel_resource *res, struct vaccel_session *sess);
int rpc_res_unregister(struct vaccel_resource *res,
		       struct vaccel_session *sess);
int rpc_res_sync(struct vaccel_resource *res, struct vaccel_session *sess);

/* ---- ops.c, ops_model.c ---- */
/* Begin an op's call on the session's link (a lost session is logged
 * once); end it: rpc_finish and the op's status, then rpc_end. */
int rpc_op_begin(struct rpc_ctx *x, struct vaccel_session *sess,
		 vaccel_op_type_t op);
int rpc_op_end(struct rpc_ctx *x, int ret);
/* The TF status of a reply into `status` (its message is new memory). */
void rpc_tf_status(struct rpc_ctx *x, struct vaccel_tf_status *status);

/* The forwarding function of every op of the list, fwd_<name>, declared
 * with the op's plugin signature (its member of union vaccel_op_fn). */
#define RPC_FWD_DECL(number, OP, name, family, shape, api) \
	__typeof__(*((union vaccel_op_fn *)0)->OP) fwd_##name;
VACCEL__OP_LIST(RPC_FWD_DECL)
#undef RPC_FWD_DECL
