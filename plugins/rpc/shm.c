// SPDX-License-Identifier: Apache-2.0
/* Shared memory with a co-located agent (UNIX sockets): arenas (arena.c)
 * attached to a connection once (SHM_ATTACH) and reused by every call.
 * Buffers from the shm threshold up travel as references to arena bytes:
 * the application's buffer itself when it was allocated with
 * vaccel_rpc_shm_alloc() (no copy at all), else a region of a scratch
 * arena it is copied into (one memcpy instead of two socket copies). */

#include "rpc.h"
#include "vaccel_rpc.h"
#include <string.h>

/* Attach `a` to the call's link if it is not (no lock held: this is a
 * call of its own). */
static bool ensure_attached(struct rpc_ctx *x, struct rpc_arena *a)
{
	struct rpc_link *l = x->link;
	if (__atomic_load_n(&a->attached, __ATOMIC_ACQUIRE) == l->gen)
		return true;
	struct rpc_ctx y;
	if (rpc_begin_link(&y, VRPC_T_SHM_ATTACH, l))
		return false;
	y.req.u.shm.arena = a->id;
	y.req.u.shm.size = a->size;
	y.fd = a->fd;
	int ret = rpc_simple(&y);
	rpc_end(&y);
	if (ret && ret != VACCEL_EEXIST) {
		rpc_dbg("shared memory refused by the agent (%s): using the "
			"socket",
			vaccel_strerror(ret));
		return false;
	}
	__atomic_store_n(&a->attached, l->gen, __ATOMIC_RELEASE);
	return true;
}

/* A scratch region of `len` bytes (a new arena if none has room, within
 * the agent's max_shm), attached. */
static bool region_new(struct rpc_ctx *x, uint64_t len, struct rpc_region *r)
{
	if (!rpc_arena_lend(len, x->link->lim.max_shm, r))
		return false;
	if (ensure_attached(x, r->arena))
		return true;
	rpc_arena_release(r, 1);
	return false;
}

bool rpc_shm_place(void *ctx, struct vrpc_buf *b)
{
	struct rpc_ctx *x = ctx;
	uint64_t off;
	if (b->len < rpc_cfg.shm_threshold ||
	    b->len < x->link->lim.shm_threshold)
		return false;
	struct rpc_arena *a = rpc_arena_of_user(b->data, b->len, &off);
	x->shm_bytes += b->len;
	if (a && ensure_attached(x, a)) {
		b->kind = VRPC_BUF_SHM;
		b->arena = a->id;
		b->off = off;
		return true;
	}
	struct rpc_region r;
	if (!region_new(x, b->len, &r))
		return false;
	if (!rpc_call_add_region(x, r)) {
		rpc_arena_release(&r, 1);
		return false;
	}
	if (b->kind == VRPC_BUF_INLINE)
		memcpy(r.arena->map + r.off, b->data, b->len);
	b->kind = VRPC_BUF_SHM;
	b->arena = r.arena->id;
	b->off = r.off;
	return true;
}

/* ---- the zero-copy allocator (vaccel_rpc.h) ---------------------------- */

__attribute__((visibility("default"))) void *vaccel_rpc_shm_alloc(size_t size)
{
	if (!size)
		return NULL;
	size = (size + RPC_ARENA_ALIGN - 1) & ~(size_t)(RPC_ARENA_ALIGN - 1);
	return rpc_arena_user_new(size);
}

__attribute__((visibility("default"))) void vaccel_rpc_shm_free(void *ptr)
{
	struct rpc_arena *a = ptr ? rpc_arena_user_take(ptr) : NULL;
	if (!a)
		return;
	struct rpc_link *l;
	/* a call of another thread may attach it meanwhile (ensure_attached) */
	uint64_t gen = __atomic_load_n(&a->attached, __ATOMIC_ACQUIRE);
	if (gen && !rpc_link_get_gen(gen, &l)) {
		struct rpc_ctx y;
		if (!rpc_begin_link(&y, VRPC_T_SHM_DETACH, l)) {
			y.req.u.shm.arena = a->id;
			rpc_simple(&y);
			rpc_end(&y);
		}
		rpc_link_put(l);
	}
	rpc_arena_free(a);
}
