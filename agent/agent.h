// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent: serves the vAccel RPC protocol (docs/protocol.md) on one or
 * more endpoints and runs each request with libvaccel's public API and the
 * host's backend plugins. docs/security.md describes the threat model.
 *
 * Structure:
 *   main.c     options, libvaccel bootstrap, listeners, accept loop, signals
 *   conn.c     a connection: reader/executor threads, framing, replies,
 *              ownership tables, teardown
 *   control.c  HELLO, INFO, PING, shared memory, sessions, resources
 *   ops.c      one handler per op, calling the public API
 *   cache.c    the content-addressed blob cache
 *   policy.c   exec allowlist, name sanitising
 *   log.c      the agent's own log (stderr) */
#pragma once

#include "codec.h"
#include "msg.h"
#include "sha256.h"
#include "stream.h"
#include "transport.h"
#include "wire.h"
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <vaccel.h>

/* ---- log.c ---- */
enum {
	ALOG_ERROR = 1,
	ALOG_WARN,
	ALOG_INFO,
	ALOG_DEBUG
};
extern int alog_level;
void alog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define aerr(...)  alog(ALOG_ERROR, __VA_ARGS__)
#define awarn(...) alog(ALOG_WARN, __VA_ARGS__)
#define ainfo(...) alog(ALOG_INFO, __VA_ARGS__)
#define adebug(...)                                    \
	do {                                           \
		if (alog_level >= ALOG_DEBUG)          \
			alog(ALOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* ---- configuration (main.c) ---- */
#define MAX_LISTEN    8
#define MAX_EXEC_DIRS 16

struct agent_config {
	char *listen[MAX_LISTEN];
	int nr_listen;
	const char *plugins;
	const char *token_file;
	bool insecure;
	unsigned socket_mode;
	char *exec_dirs[MAX_EXEC_DIRS]; /* realpath'ed */
	int nr_exec_dirs;
	bool exec_allow_uploads;
	const char *rundir;
	const char *cache_dir;
	uint64_t cache_max;
	uint64_t max_conns;
	struct vrpc_limits lim;
	bool no_shm;
	int hello_timeout_ms;
	int send_timeout_ms;
	int shutdown_timeout_ms;
	const char *ready_file;
	int backend_log_level;
};

/* ---- cache.c ---- */
struct cache_entry;

int cache_init(const char *dir, uint64_t max_bytes);
void cache_fini(void);
/* A reference to the entry of `sha` if it is cached with `size` bytes. */
struct cache_entry *cache_get(const uint8_t sha[VRPC_SHA256_LEN],
			      uint64_t size);
void cache_put_ref(struct cache_entry *e);
const char *cache_path(const struct cache_entry *e);
const uint8_t *cache_sha(const struct cache_entry *e);
uint64_t cache_size(const struct cache_entry *e);

/* An upload in progress: bytes are streamed into a temporary file of the
 * cache directory and hashed by the agent itself. */
struct cache_upload {
	int fd;
	char tmp[PATH_MAX];
	struct vrpc_sha256 hash;
	uint64_t size, written;
	int err;
};
int cache_upload_begin(struct cache_upload *u, uint64_t size);
void cache_upload_write(struct cache_upload *u, const void *data, size_t len);
/* Check the hash against `sha` and insert: returns 0 with a reference in
 * *out, VRPC_E_HASH_MISMATCH, VRPC_E_NOSPC or VRPC_E_IO. Frees `u`. */
uint32_t cache_upload_end(struct cache_upload *u,
			  const uint8_t sha[VRPC_SHA256_LEN],
			  struct cache_entry **out);
void cache_upload_abort(struct cache_upload *u);
/* Entries, bytes, uploads, bytes uploaded, hits. */
void cache_stats(uint64_t out[5]);
/* A cache hit was used by RES_CREATE. */
void cache_note_hit(void);

/* ---- policy.c ---- */
/* Resolve the library name of an EXEC request under the allowlist. Writes
 * the real path. 0, VACCEL_EPERM (exec disabled, or not under an allowed
 * directory). */
int policy_exec_library(const struct agent_config *cfg, const char *name,
			char *out, size_t size);
/* The real path of an allowlisted file whose content hash is `sha`, or
 * VACCEL_ENOENT. */
int policy_exec_by_hash(const struct agent_config *cfg,
			const uint8_t sha[VRPC_SHA256_LEN], char *out,
			size_t size);
/* Sanitise a client name (protocol.md §5.3): relative, at most
 * `max_parts` components. 0 or VACCEL_EINVAL. */
int policy_sanitize_name(const char *in, int max_parts, char *out, size_t size);
/* rm -rf without following symbolic links. */
void policy_rm_rf(const char *path);

/* ---- agent-wide state (main.c) ---- */
struct agent {
	struct agent_config cfg;
	uint8_t token[VRPC_MAX_TOKEN];
	size_t token_len;
	uint64_t ops;
	char conn_root[PATH_MAX];
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint64_t nconns, conns_total, next_conn_id;
	uint64_t sessions_now, resources_now, shm_now, requests;
	/* bytes of request buffers kept for reuse (see conn.c) */
	uint64_t spare_bytes;
	bool stopping;
	struct conn *conns; /* live connections (list) */
};

extern struct agent agent;

/* ---- conn.c ---- */
struct conn;
/* Serve an accepted connection (takes the fd). */
void conn_start(int fd, const struct vrpc_transport *t,
		const struct vrpc_peer *peer, const char *listen_uri);
/* Stop reading every connection (SIGTERM): requests in flight finish. */
void conn_stop_all(void);

/* ---- handlers (control.c, ops.c) ---- */

/* A request being served. */
struct req {
	struct conn *c;
	struct vrpc_hdr hdr;
	struct vrpc_msg msg;
	struct vrpc_pool pool;
	uint8_t *fields;
	/* agent memory of the request's INLINE and NONE buffers (one block) */
	uint8_t *mem;
	size_t mem_size;
	/* BLOB_PUT streamed into the cache */
	struct cache_upload *upload;
	/* the descriptor of an SHM_ATTACH (-1 if none; closed at the end) */
	int fd;
	/* a decode error, answered without running anything */
	uint32_t early_err;
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
	/* run after the request's objects are let go, before the reply is
	 * sent (RES_UNREGISTER's destroy-if-unused) */
	void (*finish)(struct req *r);
};

/* Objects a connection owns, by client-visible id. */
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
			bool exec_ok;
		} r;
		struct {
			uint8_t *map;
			uint64_t size;
		} arena;
	} u;
};

/* Look up `id` of `kind` and hold it for the request (VRPC_E_NOENT). */
uint32_t conn_hold(struct req *r, enum obj_kind kind, uint64_t id,
		   struct obj **out);
/* Add an object (the connection owns it afterwards). */
void conn_add(struct conn *c, struct obj *o);
/* Remove an object that no request holds: VRPC_E_NOENT, VRPC_E_BUSY. The
 * caller frees it. */
uint32_t conn_remove(struct conn *c, enum obj_kind kind, uint64_t id,
		     struct obj **out);
uint64_t conn_next_id(struct conn *c);
/* Keep the cache reference of an upload until a resource uses it or the
 * connection ends. 0 or VRPC_E_NOMEM. */
int conn_keep_upload(struct conn *c, struct cache_entry *e);
/* Take the upload reference of `sha` back, if the connection holds one. */
struct cache_entry *conn_take_upload(struct conn *c,
				     const uint8_t sha[VRPC_SHA256_LEN]);
/* Quota counters of the connection. */
struct conn_usage {
	uint64_t sessions, resources, stored, shm;
};
struct conn_usage *conn_usage(struct conn *c);
const char *conn_dir(struct conn *c);
bool conn_shm_ok(const struct conn *c);
/* Pointer to `len` bytes of arena `arena` at `off`, held for the request
 * (it cannot be detached meanwhile), or NULL. */
void *conn_hold_arena(struct req *r, uint32_t arena, uint64_t off,
		      uint64_t len);
bool conn_arena_exists(struct conn *c, uint32_t arena);
/* Free everything an object holds (no lock held). */
void obj_free(struct obj *o);

/* Set r->rep: an error reply. Returns `code`. */
uint32_t reply_err(struct req *r, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reply status from a VACCEL_E* return value. */
void reply_ret(struct req *r, int ret);

/* control.c: everything below VRPC_T_OP except HELLO (conn.c) */
void handle_control(struct req *r);
/* ops.c */
void handle_op(struct req *r);
uint64_t agent_ops_mask(void);
