// SPDX-License-Identifier: Apache-2.0
/* The serving side: the connections a worker was handed, their requests,
 * what they own, replies, and the tenants they belong to. With
 * --isolation process a worker serves one tenant; with --isolation none
 * the one in-process worker serves them all, each with its own state. */
#pragma once

#include "agent.h"
#include "cache.h"
#include "codec.h"
#include "msg.h"
#include "ring.h"
#include "stats.h"
#include "stream.h"
#include "transport.h"
#include <pthread.h>
#include <stdatomic.h>
#include <vaccel.h>

struct ctl_msg;

/* ---- tenant.c: a tenant's state in this worker ---- */
struct tenant {
	char name[TENANT_MAX + 1];
	struct cache *cache;
	/* counters, enum tenant_stat (the TS_CACHE_* ones are the cache's);
	 * INFO of a connection of this tenant shows these only */
	uint64_t st[TS_MAX];
	struct tenant *next;
};
/* The tenant called `name`, created on first use (its cache opened).
 * NULL (logged) if that fails. */
struct tenant *tenant_get(const char *name);
void tenants_fini(void);
/* Counters change atomically, from any thread. */
void tenant_add(struct tenant *t, enum tenant_stat k, int64_t delta);
/* All counters of `t`, its cache's included. */
void tenant_stats(struct tenant *t, uint64_t st[TS_MAX]);
/* Call `fn` with each tenant's counters. */
void tenants_each(void (*fn)(const char *name, const uint64_t *st, void *ctx),
		  void *ctx);
/* Ops this worker's backends serve (bit n: op n). */
extern uint64_t serve_ops;

/* ---- conn.c ---- */
struct conn;
/* Serve the connection of a CONN message (takes `fd`). Calls
 * closed(id) when it ends (the worker tells the front). */
void conn_start(int fd, const struct ctl_msg *m, void (*closed)(uint64_t id));
/* Stop reading every connection (requests in flight finish). */
void conn_stop_all(void);
/* Connections alive (all tenants; conn_state.c). */
uint64_t conns_alive(void);
/* For the watchdog: the longest-running request of any connection, its
 * op and connection, or 0 if none runs. */
int64_t conn_oldest_call(uint16_t *type, uint64_t *conn);

/* ---- a request being served ---- */
/* Bytes of a request's pools held in the request itself. */
#define REQ_POOL_SEED 512

struct req {
	struct conn *c;
	struct vrpc_hdr hdr;
	struct vrpc_msg msg;
	struct vrpc_pool pool;
	/* the fields as read; kept with the spare request when small */
	uint8_t *fields;
	size_t fields_cap;
	/* agent memory of the request's INLINE buffers (one block) */
	uint8_t *mem;
	size_t mem_size;
	/* bytes charged to the connection's memory budget */
	uint64_t charged;
	/* output buffers allocated by handlers (req_alloc), freed at the end */
	void **outs;
	size_t nouts, outs_cap;
	/* its first large output: the connection's kept block (SPARE_OUT) */
	uint8_t *big_out;
	size_t big_out_size;
	/* BLOB_PUT streamed into the cache */
	struct cache_upload *upload;
	/* the descriptor of an SHM_ATTACH (-1 if none; closed at the end) */
	int fd;
	/* a decode error, answered without running anything */
	uint32_t early_err;
	/* bytes of its reply frame, once sent */
	uint64_t sent;
	/* when it started running (monotonic ns; the watchdog reads it) */
	int64_t t_start;
	struct req *run_next;
	/* the reply */
	struct vrpc_msg rep;
	struct vrpc_pool rpool;
	/* cleanup after the reply was sent */
	void (*after)(struct req *r);
	void *after_ctx;
	/* objects held while the request runs (sessions, resources, arenas
	 * its buffers point into) */
	struct obj **held;
	size_t nheld, held_cap;
	struct obj *held_inline[4];
	/* run after the request's objects are let go, before the reply is
	 * sent (RES_UNREGISTER's destroy-if-unused) */
	void (*finish)(struct req *r);
	/* last (a kept request is cleared up to here): the first bytes of
	 * `pool` and `rpool`, no malloc for a small request or reply */
	_Alignas(16) uint8_t pool_seed[2 * REQ_POOL_SEED];
	_Alignas(16) uint8_t rpool_seed[REQ_POOL_SEED];
};

/* ---- intake.c: reading requests ---- */
/* A large block kept for the connection's next request: one for request
 * buffers, one for outputs (SPARE_IN, SPARE_OUT). */
struct spare {
	uint8_t *p;
	size_t size;
};
enum {
	SPARE_IN,
	SPARE_OUT,
	SPARE_SLOTS
};
/* The connection's SPARE_SLOTS blocks. */
struct spare *conn_spare(struct conn *c);
/* Its kept request (one freed request, reused by the next). */
_Atomic(struct req *) *conn_spare_req(struct conn *c);
void conn_spare_free(struct conn *c);
/* Read one request. NULL: the connection is over (its reason set). */
struct req *intake_read(struct conn *c);
void req_free(struct req *r);
/* `size` zeroed bytes for an output of the request, charged to the
 * connection's memory budget and freed with the request. NULL (and an
 * error reply: TOOBIG over the budget, NOMEM) if it cannot be had. */
void *req_alloc(struct req *r, uint64_t size);

/* ---- reply.c ---- */
/* Set r->rep: an error reply. Returns `code`. */
uint32_t reply_err(struct req *r, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reply status from a VACCEL_E* return value. */
void reply_ret(struct req *r, int ret);
/* Encode and send r->rep. Returns 0 or VACCEL_E* (the peer does not
 * read: the connection must end). */
int reply_send(struct req *r);

/* ---- objects.c: what a connection owns ---- */
enum obj_kind {
	OBJ_SESSION,
	OBJ_RESOURCE,
	OBJ_ARENA
};

struct obj {
	enum obj_kind kind;
	uint64_t id;
	unsigned users; /* requests in flight using it */
	struct obj *next;
	union {
		struct vaccel_session *sess;
		struct {
			struct vaccel_resource *res;
			struct cache_entry **refs;
			size_t nr_refs;
			void **maps; /* BUFFER blobs: private mappings */
			size_t *map_sizes;
			char dir[PATH_MAX];
			/* files and directories made in `dir` (with it),
			 * charged to USE_ENTRIES */
			uint32_t entries;
			bool exec_ok;
		} r;
		struct {
			uint8_t *map;
			uint64_t size;
		} arena;
	} u;
};

/* The objects of one connection, with the upload references it keeps. */
struct objects {
	pthread_mutex_t lock;
	struct obj *list;
	uint64_t next_id;
	struct cache_entry **uploads;
	size_t nr_uploads;
	struct cache *cache;
};

void objects_init(struct objects *t, struct cache *cache);
/* Free every object and upload reference (no request runs). */
void objects_free_all(struct objects *t);
void objects_release(struct objects *t);
/* Look up `id` of `kind` and hold it for the request (VRPC_E_NOENT,
 * replied). With `alone`, the object must have no other user
 * (VRPC_E_BUSY, replied): an update or release of a session, a
 * (un)registration, must not run beside an op using it. */
uint32_t req_hold(struct req *r, enum obj_kind kind, uint64_t id, bool alone,
		  struct obj **out);
/* Let go of everything the request holds. */
void req_release_held(struct req *r);
/* Add an object (the connection owns it afterwards). */
void objects_add(struct objects *t, struct obj *o);
/* Remove an object that no request holds: VRPC_E_NOENT, VRPC_E_BUSY. The
 * caller frees it. */
uint32_t objects_remove(struct objects *t, enum obj_kind kind, uint64_t id,
			struct obj **out);
uint64_t objects_next_id(struct objects *t);
/* Keep the cache reference of an upload until a resource uses it or the
 * connection ends. 0 or VRPC_E_NOMEM. */
uint32_t objects_keep_upload(struct objects *t, struct cache_entry *e);
/* Take the upload reference of `sha` back, if the connection holds one. */
struct cache_entry *objects_take_upload(struct objects *t,
					const uint8_t sha[VRPC_SHA256_LEN]);
/* Pointer to `len` bytes of arena `arena` at `off`, held for the request
 * (it cannot be detached meanwhile), or NULL. */
void *req_hold_arena(struct req *r, uint32_t arena, uint64_t off, uint64_t len);
bool objects_arena_exists(struct objects *t, uint32_t arena);
/* Free everything an object holds (no lock held). */
void obj_free(struct obj *o, struct cache *cache);

/* ---- what handlers need of their connection (conn_state.c) ---- */
struct objects *conn_objects(struct conn *c);
struct tenant *conn_tenant(struct conn *c);
/* Quota counters of the connection (several requests of one connection
 * may run at once: change them with conn_use). */
struct conn_usage {
	uint64_t sessions, resources, stored, shm;
	/* files and directories its resources made in the run directory */
	uint64_t entries;
};
const struct conn_usage *conn_usage(struct conn *c);
enum usage_kind {
	USE_SESSIONS,
	USE_RESOURCES,
	USE_STORED,
	USE_SHM,
	USE_ENTRIES
};
/* Add `delta` to counter `k` of the connection and of its tenant. */
void conn_use(struct conn *c, enum usage_kind k, int64_t delta);
/* The connection's private directory (created on first use), or NULL. */
const char *conn_dir(struct conn *c);
bool conn_shm_ok(const struct conn *c);
/* Carry the connection's bytes on `ring` from now on (called by the
 * reader, after the reply that accepted it went out on the socket). */
void conn_set_ring(struct conn *c, struct vrpc_ring *ring);
uint64_t conn_id(const struct conn *c);
/* Write a whole frame under the send lock, within the send timeout. 0 or
 * VACCEL_E* (then the connection ends: its peer does not read). */
int conn_write(struct conn *c, struct iovec *iov, size_t niov);
/* The connection's memory budget (--max-conn-memory): true and charged
 * if `n` more bytes fit. */
bool conn_charge(struct conn *c, uint64_t n);
void conn_uncharge(struct conn *c, uint64_t n);
/* The connection's stream (read by its reader thread only). */
struct vrpc_stream *conn_stream(struct conn *c);
/* The first reason the connection ends for wins. */
void conn_set_reason(struct conn *c, const char *why);
bool conn_hello_done(const struct conn *c);

/* ---- handlers (control.c and resources.c, ops*.c) ---- */
/* RING_OFFER (ring.c). */
void handle_ring_offer(struct req *r);
/* Why a connection ended when its ring's reading or writing failed on an
 * impossible index of the client's (docs/protocol.md §11, Trust). */
#define RING_BROKEN "the client's ring holds an impossible index"
static inline bool ring_broken(struct vrpc_stream *s)
{
	return s->ring && vrpc_ring_broken(s->ring);
}
/* At a connection's end: log how its ring's waits went (if it had one). */
void ring_log_end(uint64_t conn, const struct vrpc_stream *s, uint64_t requests,
		  uint64_t near_pins, uint64_t near_backoffs);
/* Everything below VRPC_T_OP except HELLO and BYE (conn.c). */
void handle_control(struct req *r);
void handle_op(struct req *r);
uint64_t agent_ops_mask(void);
