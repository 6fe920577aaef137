// SPDX-License-Identifier: Apache-2.0
/* Control messages (docs/protocol.md §5.1-5.3): PING, INFO, shared
 * memory, sessions, and the dispatch of every control message (uploads
 * and resources: resources.c). */

#include "policy.h"
#include "control_int.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shm.h"

/* ---- PING, INFO --------------------------------------------------------- */

/* An INLINE buffer is echoed; a NONE one (a size, no bytes) is answered
 * with the same size and no bytes: nothing is allocated for it. */
static void ping(struct req *r)
{
	r->rep.u.ping = r->msg.u.ping;
}

static void info_plugins(struct req *r, struct vrpc_info_r *o)
{
	size_t n = vaccel_plugin_count();
	for (size_t i = 0; i < n; i++) {
		struct vrpc_plugininfo *p = &o->plugins[o->nr_plugins];
		const char *name, *version;
		if (vaccel_plugin_get_info(i, &name, &version, &p->type, NULL,
					   &p->ops))
			continue;
		p->name = (char *)name;
		p->version = (char *)version;
		o->nr_plugins++;
	}
}

/* The counters of the connection's tenant only: a tenant learns nothing
 * of the others. */
static void info_stats(struct req *r, struct vrpc_info_r *o)
{
	uint64_t st[TS_MAX];
	tenant_stats(conn_tenant(r->c), st);
	uint64_t v[VRPC_STAT_MAX] = {
		[VRPC_STAT_CONNS] = st[TS_CONNS],
		[VRPC_STAT_CONNS_TOTAL] = st[TS_CONNS_TOTAL],
		[VRPC_STAT_CACHE_ENTRIES] = st[TS_CACHE_ENTRIES],
		[VRPC_STAT_CACHE_BYTES] = st[TS_CACHE_BYTES],
		[VRPC_STAT_UPLOADS] = st[TS_UPLOADS],
		[VRPC_STAT_UPLOAD_BYTES] = st[TS_UPLOAD_BYTES],
		[VRPC_STAT_CACHE_HITS] = st[TS_CACHE_HITS],
		[VRPC_STAT_SESSIONS] = st[TS_SESSIONS],
		[VRPC_STAT_RESOURCES] = st[TS_RESOURCES],
		[VRPC_STAT_SHM_BYTES] = st[TS_SHM_BYTES],
		[VRPC_STAT_REQUESTS] = st[TS_REQUESTS],
	};
	for (uint16_t k = 1; k < VRPC_STAT_MAX; k++)
		o->stats[o->nr_stats++] = (struct vrpc_kv){ k, v[k] };
}

static void info(struct req *r)
{
	struct vrpc_info_r *o = &r->rep.u.info_r;
	size_t n = vaccel_plugin_count();
	o->version = VACCEL_VERSION;
	o->ops = serve_ops;
	o->plugins = vrpc_pool_alloc(&r->rpool, (n + 1) * sizeof(*o->plugins));
	o->limits = vrpc_pool_alloc(&r->rpool,
				    VRPC_NR_LIMITS * sizeof(struct vrpc_kv));
	o->stats = vrpc_pool_alloc(&r->rpool,
				   VRPC_STAT_MAX * sizeof(struct vrpc_kv));
	if (!o->plugins || !o->limits || !o->stats) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	info_plugins(r, o);
	o->nr_limits = (uint32_t)vrpc_limits_to_kv(&cfg.lim, o->limits);
	info_stats(r, o);
}

/* ---- shared memory --------------------------------------------------------
 */

static void shm_attach(struct req *r)
{
	const struct conn_usage *u = conn_usage(r->c);
	uint64_t size = r->msg.u.shm.size;
	struct obj *o;
	if (!conn_shm_ok(r->c)) {
		reply_err(r, VRPC_E_PERM,
			  "no shared memory on this connection");
		return;
	}
	if (r->fd < 0) {
		reply_err(r, VRPC_E_PROTO, "SHM_ATTACH without a descriptor");
		return;
	}
	if (!size || size > cfg.lim.max_shm ||
	    u->shm + size > cfg.lim.max_shm) {
		reply_err(r, VRPC_E_NOSPC, "shared memory quota exceeded");
		return;
	}
	if (objects_arena_exists(objs(r), r->msg.u.shm.arena)) {
		reply_err(r, VRPC_E_EXIST, "arena %u exists",
			  (unsigned)r->msg.u.shm.arena);
		return;
	}
	void *map;
	int ret = vrpc_shm_map_peer(r->fd, size, &map);
	if (ret) {
		reply_err(r, vrpc_err_to_wire(ret),
			  "not a sealed memfd of %" PRIu64 " bytes", size);
		return;
	}
	if (!(o = calloc(1, sizeof(*o)))) {
		munmap(map, size);
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	o->kind = OBJ_ARENA;
	o->id = r->msg.u.shm.arena;
	o->u.arena.map = map;
	o->u.arena.size = size;
	objects_add(objs(r), o);
	conn_use(r->c, USE_SHM, (int64_t)size);
}

static void shm_detach(struct req *r)
{
	struct obj *o;
	uint32_t err =
		objects_remove(objs(r), OBJ_ARENA, r->msg.u.shm.arena, &o);
	if (err) {
		reply_err(r, err, "arena %u", (unsigned)r->msg.u.shm.arena);
		return;
	}
	conn_use(r->c, USE_SHM, -(int64_t)o->u.arena.size);
	obj_free(o, cache_of(r));
}

/* ---- sessions -------------------------------------------------------------
 */

static void sess_init(struct req *r)
{
	if (conn_usage(r->c)->sessions >= cfg.lim.max_sessions) {
		reply_err(r, VRPC_E_USERS,
			  "session quota (%" PRIu64 ") reached",
			  cfg.lim.max_sessions);
		return;
	}
	struct obj *o = calloc(1, sizeof(*o));
	if (!o) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	int ret = vaccel_session_new(
		&o->u.sess, r->msg.flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
	if (ret) {
		free(o);
		reply_ret(r, ret);
		return;
	}
	o->kind = OBJ_SESSION;
	o->id = objects_next_id(objs(r));
	objects_add(objs(r), o);
	conn_use(r->c, USE_SESSIONS, 1);
	r->rep.session = o->id;
}

static void sess_release(struct req *r)
{
	struct obj *o;
	uint32_t err = objects_remove(objs(r), OBJ_SESSION, r->msg.session, &o);
	if (err) {
		reply_err(r, err, "session %" PRIu64 "%s", r->msg.session,
			  err == VRPC_E_BUSY ? " is in use by a call in flight"
					     : "");
		return;
	}
	obj_free(o, cache_of(r));
	conn_use(r->c, USE_SESSIONS, -1);
}

static void sess_update(struct req *r)
{
	struct obj *s;
	/* alone: the update may free the plugin's state of the session */
	if (req_hold(r, OBJ_SESSION, r->msg.session, true, &s))
		return;
	reply_ret(r, vaccel_session_update(
			     s->u.sess,
			     r->msg.flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE));
}

void handle_control(struct req *r)
{
	switch (r->msg.type) {
	case VRPC_T_PING:
		ping(r);
		break;
	case VRPC_T_INFO:
		info(r);
		break;
	case VRPC_T_SHM_ATTACH:
		shm_attach(r);
		break;
	case VRPC_T_SHM_DETACH:
		shm_detach(r);
		break;
	case VRPC_T_RING_OFFER:
		handle_ring_offer(r);
		break;
	case VRPC_T_SESS_INIT:
		sess_init(r);
		break;
	case VRPC_T_SESS_RELEASE:
		sess_release(r);
		break;
	case VRPC_T_SESS_UPDATE:
		sess_update(r);
		break;
	case VRPC_T_BLOB_PUT:
		blob_put(r);
		break;
	case VRPC_T_RES_CREATE:
		res_create(r);
		break;
	case VRPC_T_RES_REGISTER:
	case VRPC_T_RES_UNREGISTER:
		res_register(r);
		break;
	case VRPC_T_RES_DESTROY:
		res_destroy(r);
		break;
	case VRPC_T_RES_SYNC:
		res_sync(r);
		break;
	default:
		reply_err(r, VRPC_E_PROTO, "unexpected message");
	}
}
